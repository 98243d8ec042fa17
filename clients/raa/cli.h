// Shared pieces of the `raa` command-line client: the global options, the
// connection, and output (human tables or --json).
#ifndef RAAMATCH_CLIENTS_RAA_CLI_H_
#define RAAMATCH_CLIENTS_RAA_CLI_H_

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "clients/lib/client.h"
#include "google/protobuf/message.h"

namespace raa::cli {

// Exit codes: 0 done; 1 the server refused or failed; 2 bad usage or a file
// that cannot be read; 3 the server cannot be reached.
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

struct Cli {
  std::string server = "127.0.0.1:50051";
  std::string key;
  std::string authority;  // the member you act for, when a command needs one
  bool json = false;
  int deadline_seconds = 30;
  std::string request_id;  // --request-id: reuse to retry a write safely
  int exit_code = 0;

  RaaClient& client();
  // The request id for this command's write: --request-id, or a new one.
  std::string RequestId() const {
    return request_id.empty() ? NewRequestId() : request_id;
  }
  // The authority a command acts on: its own flag, else --authority.
  // Sets exit_code and returns "" if neither is given.
  std::string AuthorityOr(const std::string& flag);

 private:
  std::unique_ptr<RaaClient> client_;
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

// Calls a List method and merges its pages into `out`: every page if
// `all_pages`, else the first, leaving out.next_page_token for the next.
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

// Protobuf JSON, field names as in the .proto.
std::string ToJson(const google::protobuf::Message& message);
void PrintJson(const google::protobuf::Message& message);

// A plain text table with aligned columns.
class Table {
 public:
  explicit Table(std::vector<std::string> headers)
      : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out = std::cout) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints "field: value" lines, aligned.
void PrintFields(const std::vector<std::pair<std::string, std::string>>& rows);

// Resource names from short forms: "c12" (with the authority), "sheffield/c12"
// or the full "authorities/sheffield/children/c12".
std::string RecordName(const std::string& arg, const std::string& kind,
                       const std::string& authority);

void AddRegistryCommands(CLI::App& app, Cli& cli);
void AddKeyCommands(CLI::App& app, Cli& cli);
void AddImportCommands(CLI::App& app, Cli& cli);
void AddMatchCommands(CLI::App& app, Cli& cli);
void AddPolicyCommands(CLI::App& app, Cli& cli);
void AddRegionCommands(CLI::App& app, Cli& cli);

}  // namespace raa::cli

#endif  // RAAMATCH_CLIENTS_RAA_CLI_H_
