// Shared pieces of the `raa` command-line client: the global options, the
// connection, paging, and output (tables that fit the terminal, --wide,
// --columns, --csv for spreadsheets, or --json).
#ifndef RAAMATCH_CLIENTS_RAA_CLI_H_
#define RAAMATCH_CLIENTS_RAA_CLI_H_

#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "clients/lib/client.h"
#include "clients/lib/csv_field.h"
#include "clients/lib/reason_cache.h"
#include "google/protobuf/message.h"
#include "google/type/date.pb.h"

namespace raa::cli {

// Exit codes: 0 done; 1 the server refused or failed; 2 bad usage or a file
// that cannot be read; 3 the server cannot be reached.
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

struct Cli {
  // The one Cli of the process registers itself, so that output helpers
  // (Table, PrintFields) follow its flags.
  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;
  static Cli& Current();

  std::string server = "127.0.0.1:50051";
  std::string key;
  std::string authority;  // the member you act for, when a command needs one
  bool json = false;
  bool csv = false;     // --csv: RFC 4180 CSV of every column
  bool wide = false;    // --wide: every column, however wide
  std::string columns;  // --columns a,b,c: only these, in this order
  int deadline_seconds = 30;
  std::string request_id;    // --request-id: reuse to retry a write safely
  ClientTlsFiles tls_files;  // --tls, --ca, --cert, --client-key
  ClientTls tls;             // read from tls_files before any command runs
  int exit_code = 0;

  RaaClient& client();
  // The request id for this command's write: --request-id, or a new one
  // (kept in generated_request_id: a write whose answer was lost is retried
  // safely with it).
  std::string RequestId() {
    if (!request_id.empty()) return request_id;
    generated_request_id = NewRequestId();
    return generated_request_id;
  }
  std::string generated_request_id;
  // The authority a command acts on: its own flag, else --authority.
  // Sets exit_code and returns "" if neither is given.
  std::string AuthorityOr(const std::string& flag);
  // The reason catalogue to render `needs` with (common/reason_catalog.h):
  // fetched with GetReasonCatalog on the first ranking that needs one and
  // kept for the process (clients/lib/reason_cache.h); nothing is fetched
  // when every reason came with its words. On failure prints it, sets
  // exit_code and returns null.
  std::shared_ptr<const ReasonCatalog> Reasons(const ReasonNeeds& needs);

 private:
  std::unique_ptr<RaaClient> client_;
  ReasonCatalogCache reasons_;
};

// Prints `status` (with each field violation on its own line) to stderr and
// returns the exit code for it.
int Fail(const absl::Status& status);
// Prints a problem found in the user's own input before anything was sent
// (as Fail does) and returns kExitUsage.
int LocalFail(const absl::Status& status);
// Prints a usage problem and returns kExitUsage.
int UsageError(const std::string& message);

// The value of an enum flag such as --status (any case, label or full
// name); on a bad value prints a usage error, sets cli.exit_code and returns
// nullopt.
std::optional<int> FlagEnum(Cli& cli, const std::string& flag,
                            const google::protobuf::EnumDescriptor* type,
                            const std::string& value);

// --limit, --page-size, --page-token and --all, the same on every command
// that lists or ranks: --limit is how many rows you want in all (default
// `default_limit`); --page-size how many each call to the server asks for
// (default the limit, at most `max_page_size`); --page-token continues an
// earlier listing where it stopped; --all lifts the limit.
struct Paging {
  int limit = 0;
  int page_size = 0;
  std::string page_token;
  bool all = false;
  int max_page_size = 0;

  void Add(CLI::App* cmd, int default_limit, int max_page_size,
           const std::string& noun);
  // Usage error (and false) on a limit below 1 or a page size outside
  // 1..max_page_size.
  bool Check(Cli& cli) const;
  // The page size for the next call when `have` rows are already in hand.
  int NextPageSize(int have) const;
  bool Full(int have) const { return !all && have >= limit; }
};

// Pages after the first repeat a ranking's summary (the exclusion counts)
// and give their own first rank: merged pages keep the first page's.
template <typename Response>
void DropRepeatedSummary(Response& page) {
  if constexpr (requires { page.clear_exclusions(); }) page.clear_exclusions();
  if constexpr (requires { page.clear_first_rank(); }) page.clear_first_rank();
}

// Calls a List or Rank method page by page, merging the pages into `out`,
// until `paging` has its rows or the server has no more; out's
// next_page_token is where a later call continues (empty when nothing is
// left). `rows(response)` counts a page's rows. When the server says the
// ranking changed between pages (ABORTED), starts again from the first page
// once. On failure prints it, sets cli.exit_code and returns false.
template <typename Stub, typename Request, typename Response, typename Rows>
bool FetchPages(Cli& cli,
                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
                Request request, const Paging& paging, Rows rows,
                Response& out) {
  request.set_page_token(paging.page_token);
  bool restarted = false;
  int have = 0;
  int pages = 0;
  while (true) {
    request.set_page_size(paging.NextPageSize(have));
    absl::StatusOr<Response> page = cli.client().Call(method, request);
    if (!page.ok() && absl::IsAborted(page.status()) && !restarted &&
        paging.page_token.empty() && !request.page_token().empty()) {
      // The ranking changed under us: begin again, once.
      restarted = true;
      out.Clear();
      have = 0;
      pages = 0;
      request.set_page_token("");
      continue;
    }
    if (!page.ok()) {
      cli.exit_code = Fail(page.status());
      return false;
    }
    std::string next = page->next_page_token();
    if (pages++ > 0) DropRepeatedSummary(*page);
    have += rows(*page);
    out.MergeFrom(*page);
    out.set_next_page_token(next);
    request.set_page_token(next);
    if (next.empty() || paging.Full(have)) return true;
  }
}

// Calls a List method and merges its pages into `out`: every page if
// `all_pages`, else the first, leaving out.next_page_token for the next.
// For lists whose own flags page them (follows, alerts, the audit trail).
// On failure prints it, sets cli.exit_code and returns false.
template <typename Stub, typename Request, typename Response>
bool FetchPages(Cli& cli,
                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
                Request request, bool all_pages, Response& out) {
  do {
    absl::StatusOr<Response> page = cli.client().Call(method, request);
    if (!page.ok()) {
      cli.exit_code = Fail(page.status());
      return false;
    }
    std::string next = page->next_page_token();
    out.MergeFrom(*page);
    out.set_next_page_token(next);
    request.set_page_token(next);
  } while (all_pages && !request.page_token().empty());
  return true;
}

// After a listing: on stderr, how to see the rows that were left out.
void PrintMore(const Cli& cli, const std::string& next_page_token);

// Protobuf JSON, field names as in the .proto.
std::string ToJson(const google::protobuf::Message& message);
void PrintJson(const google::protobuf::Message& message);

// The width output must fit: unlimited with --wide or --csv; else the
// COLUMNS environment variable when set, else the terminal's width when
// stdout is a terminal, else 80.
int OutputWidth(const Cli& cli);
// The display width of UTF-8 text (one column per code point).
size_t DisplayWidth(absl::string_view text);
// Prints `text` wrapped at spaces to lines of at most `width` columns, each
// starting with `indent` (continuation lines with `indent` and two more
// spaces).
void PrintWrapped(std::ostream& out, absl::string_view text, int width,
                  const std::string& indent = "");

// A table with aligned columns. Printed as the global flags say:
//  - --csv: RFC 4180 (every field that holds a comma, quote, CR or LF is
//    quoted, quotes doubled, lines end CRLF), after a UTF-8 byte-order mark
//    so that Excel reads accents and dashes right; a cell starting with = + @
//    or a tab, or "-" and not a number, gets a leading ' so a spreadsheet
//    never runs it as a formula;
//  - --columns a,b,c: only those columns (headers in any case, spaces or
//    underscores), in that order; an unknown name is a usage error;
//  - --wide: every column at full width;
//  - otherwise fitted to OutputWidth(): the widest columns wrap onto more
//    lines (never below their header's width), and if that is not enough
//    the rightmost columns are left out, named in a note on stderr.
class Table {
 public:
  // The first `shown_by_default` columns (all if 0) make the usual view;
  // the rest appear with --wide, --csv or --columns.
  explicit Table(std::vector<std::string> headers, size_t shown_by_default = 0)
      : headers_(std::move(headers)),
        shown_by_default_(shown_by_default == 0 ? headers_.size()
                                                : shown_by_default) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // As the command line's flags say (see Cli::Current); on a bad --columns
  // prints a usage error, sets the exit code and prints nothing.
  void Print(std::ostream& out = std::cout) const;
  // Aligned text no wider than `width` (0: unlimited, and every column),
  // each line after `indent`; ignores --columns and --csv.
  void PrintText(std::ostream& out, int width,
                 const std::string& indent = "") const;
  void PrintCsv(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }
  const std::vector<std::string>& headers() const { return headers_; }

 private:
  std::vector<std::string> headers_;
  size_t shown_by_default_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints "field: value" lines, aligned, long values wrapped to the output
// width (as --json is not given: with --csv, a field,value CSV); the values
// of the fields in `never_cut` (a new key's secret, to copy) are never
// wrapped, whatever the width.
void PrintFields(const std::vector<std::pair<std::string, std::string>>& rows,
                 std::initializer_list<absl::string_view> never_cut = {});

// Resource names from short forms: "c12" (with the authority), "sheffield/c12"
// or the full "authorities/sheffield/children/c12".
std::string RecordName(const std::string& arg, const std::string& kind,
                       const std::string& authority);

// "sheffield/children/c12" for "authorities/sheffield/children/c12", and
// "leeds" for "authorities/leeds": names as tables print them.
std::string ShortName(const std::string& name);

// Reads the date flag `flag` (YYYY-MM-DD) into `out`; leaves `out` alone
// when `text` is empty. False, with a usage error, if it is not a date.
bool SetDateFlag(Cli& cli, const std::string& flag, const std::string& text,
                 google::type::Date* out);

void AddRegistryCommands(CLI::App& app, Cli& cli);
void AddKeyCommands(CLI::App& app, Cli& cli);
void AddImportCommands(CLI::App& app, Cli& cli);
void AddMatchCommands(CLI::App& app, Cli& cli);
void AddPolicyCommands(CLI::App& app, Cli& cli);
void AddRegionCommands(CLI::App& app, Cli& cli);
void AddAuditCommands(CLI::App& app, Cli& cli);
void AddLinkCommands(CLI::App& app, Cli& cli);
void AddReportCommands(CLI::App& app, Cli& cli);
void AddJourneyCommands(CLI::App& app, Cli& cli);
void AddLedgerCommands(CLI::App& app, Cli& cli);

}  // namespace raa::cli

#endif  // RAAMATCH_CLIENTS_RAA_CLI_H_
