// raa import children|adopters FILE: bulk registration from CSV or JSON.
//
// Rows are sent in batches (BatchCreateChildren / BatchCreateAdopters); each
// row's request id is a hash of the row, so running a file again, whole or
// with its bad rows fixed, stores no row twice. A bad header is one error
// for the file (exit 2) naming every bad column, and nothing is sent. Every
// problem of every row is reported with its line and column (server field
// paths are turned back into column names); good rows are stored unless
// --all-or-nothing. The output maps each line to the record it stored or
// found (a table, --json, or a --results CSV).
//
// raa import journeys FILE: past links and milestones (clients/lib/
// journey_file.h), one row at a time, with the same report: each link is
// found (ListLinks) or opened with its opened date, advanced step by step
// with the row's dates, then closed if the row says so; every call's request
// id is derived from the row, so a second run changes nothing and reports
// the rows already stored.
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/lib/import_file.h"
#include "clients/lib/journey_file.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "clients/raa/cli.h"
#include "common/dates.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "nlohmann/json.hpp"
#include "raa/v1/journey.grpc.pb.h"

namespace raa::cli {
namespace {

constexpr int kBatchSize = 500;
constexpr int kMaxAllOrNothing = 1000;

// A stable id for a batch: FNV-1a over its deterministic serialization.
std::string ContentRequestId(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&out);
  }
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("import-%016x-%d", hash, bytes.size());
}

// "requests[12].child.summary" -> 12 and "child.summary".
bool SplitBatchField(const std::string& field, int& index, std::string& rest) {
  if (field.rfind("requests[", 0) != 0) return false;
  size_t close = field.find(']');
  if (close == std::string::npos ||
      !absl::SimpleAtoi(field.substr(9, close - 9), &index)) {
    return false;
  }
  rest = close + 2 <= field.size() ? field.substr(close + 2) : "";
  return true;
}

struct Problem {
  std::string column;  // empty for the row as a whole
  std::string message;
};

// What became of one row of the file.
struct RowResult {
  int line = 0;
  int element = 0;  // a .json file's: the row's place in the array, from 1
  enum Status {
    kNotSent,
    kStored,
    kAlreadyStored,
    kRejected,
    kUnanswered,  // sent in a batch whose answer did not come: maybe stored
  } status = kNotSent;
  std::string record;  // the record's name, when stored or found
  int same_as = -1;    // index of an earlier row this one repeats
  std::vector<Problem> problems;
  std::vector<std::string> notes;  // what the user should know of a stored row
};

const char* StatusWord(RowResult::Status s) {
  switch (s) {
    case RowResult::kStored:
      return "stored";
    case RowResult::kAlreadyStored:
      return "already stored";
    case RowResult::kRejected:
      return "rejected";
    case RowResult::kUnanswered:
      return "no answer";
    case RowResult::kNotSent:
      break;
  }
  return "not sent";
}

// A problem in the user's words: the column, and which child of a group.
Problem Described(const std::string& field, const std::string& description) {
  std::string whose;
  std::string column = ColumnOfField(field, whose);
  return {column,
          whose.empty() ? description : absl::StrCat(whose, ": ", description)};
}

// Where a row is in its file: "line 12", or in a JSON array (a file that
// may be one line) "element 3 (line 1)".
std::string Where(const RowResult& r) {
  return r.element > 0
             ? absl::StrCat("element ", r.element, " (line ", r.line, ")")
             : absl::StrCat("line ", r.line);
}

std::string ProblemText(const Problem& p) {
  return p.column.empty() ? p.message
                          : absl::StrCat("column ", p.column, ": ", p.message);
}

void AddViolations(const absl::Status& status, RowResult& row) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) {
    row.problems.push_back({"", std::string(status.message())});
  }
  for (const FieldViolation& v : violations) {
    // Local parsing names columns already; a list of unknown columns too.
    row.problems.push_back(Described(v.field, v.description));
  }
}

// Parses each row into a message; a row that cannot be read is rejected
// with every problem it has. results[first + i] is rows[i]'s.
template <typename Message>
std::vector<std::optional<Message>> ParseRows(
    const std::vector<ImportRow>& rows,
    absl::StatusOr<std::vector<std::string>> (*from_text)(const TextFields&,
                                                          Message&),
    std::vector<RowResult>& results, size_t first) {
  std::vector<std::optional<Message>> parsed(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const ImportRow& row = rows[i];
    RowResult& result = results[first + i];
    result.line = row.line;
    result.element = row.element;
    Message message;
    if (!row.problem.empty()) result.problems.push_back({"", row.problem});
    if (!row.json.empty()) {
      absl::Status s = FromUserJson(row.json, message);
      if (!s.ok()) {
        result.problems.push_back(
            {"", absl::StrCat("is not a profile in JSON: ",
                              std::string(s.message()))});
      }
    } else if (absl::Status s = from_text(row.fields, message).status();
               !s.ok()) {
      AddViolations(s, result);
    }
    if (!result.problems.empty()) {
      result.status = RowResult::kRejected;
      continue;
    }
    parsed[i] = std::move(message);
  }
  return parsed;
}

// The rows' fate: a table on stdout (or JSON with --json), every problem
// on stderr, a CSV for the spreadsheet with --results.
void Report(Cli& cli, const std::string& path, const std::string& authority,
            const std::string& noun, const std::vector<RowResult>& results,
            const std::string& results_path) {
  int stored = 0, already = 0, rejected = 0, not_sent = 0, unanswered = 0;
  for (const RowResult& r : results) {
    stored += r.status == RowResult::kStored;
    already += r.status == RowResult::kAlreadyStored;
    rejected += r.status == RowResult::kRejected;
    not_sent += r.status == RowResult::kNotSent;
    unanswered += r.status == RowResult::kUnanswered;
  }
  auto record = [](const RowResult& r) {
    return std::string(absl::StripPrefix(r.record, "authorities/"));
  };
  auto problems = [](const RowResult& r) {
    std::string text =
        absl::StrJoin(r.problems, "; ", [](std::string* out, const Problem& p) {
          out->append(ProblemText(p));
        });
    for (const std::string& note : r.notes) {
      absl::StrAppend(&text, text.empty() ? "" : "; ", note);
    }
    return text;
  };
  // A JSON array's rows are told by their place in it first: the whole
  // array may be on one line.
  const bool by_element = !results.empty() && results[0].element > 0;
  auto row_cells = [&](const RowResult& r) {
    std::vector<std::string> cells;
    if (by_element) cells.push_back(absl::StrCat(r.element));
    for (std::string cell :
         {absl::StrCat(r.line), std::string(StatusWord(r.status)), record(r),
          problems(r)}) {
      cells.push_back(std::move(cell));
    }
    return cells;
  };
  auto columns = [&](std::vector<std::string> names) {
    if (by_element) {
      names.insert(names.begin(), names[0] == "line" ? "element" : "ELEMENT");
    }
    return names;
  };
  if (!results_path.empty()) {
    std::ofstream out(results_path, std::ios::binary);
    Table table(columns({"line", "status", "record", "problems"}));
    for (const RowResult& r : results) table.AddRow(row_cells(r));
    table.PrintCsv(out);
    if (!out) {
      std::cerr << "error: cannot write " << results_path << "\n";
      cli.exit_code = kExitUsage;
    }
  }
  for (const RowResult& r : results) {
    for (const Problem& p : r.problems) {
      std::cerr << path << " " << Where(r)
                << (p.column.empty() ? "" : ", column " + p.column) << ": "
                << p.message << "\n";
    }
  }
  if (cli.json) {
    nlohmann::json doc = {{"stored", stored},
                          {"already_stored", already},
                          {"rejected", rejected},
                          {"not_sent", not_sent},
                          {"rows", nlohmann::json::array()}};
    for (const RowResult& r : results) {
      nlohmann::json row = {{"line", r.line}, {"status", StatusWord(r.status)}};
      if (r.element > 0) row["element"] = r.element;
      if (!r.record.empty()) row["name"] = r.record;
      if (!r.notes.empty()) row["notes"] = r.notes;
      if (!r.problems.empty()) {
        row["problems"] = nlohmann::json::array();
        for (const Problem& p : r.problems) {
          row["problems"].push_back(
              {{"column", p.column}, {"message", p.message}});
        }
      }
      doc["rows"].push_back(std::move(row));
    }
    std::cout << doc.dump(2) << "\n";
  } else {
    Table table(columns({"LINE", "STATUS", "RECORD", "PROBLEMS"}));
    for (const RowResult& r : results) table.AddRow(row_cells(r));
    table.Print();
    std::cout << "stored " << stored << " " << noun;
    if (!authority.empty()) std::cout << " for " << authority;
    if (already > 0) {
      std::cout << "; " << already << " already stored by an earlier import";
    }
    std::cout << "; " << rejected << (rejected == 1 ? " row" : " rows")
              << " rejected";
    if (unanswered > 0) {
      std::cout << "; " << unanswered
                << " sent without an answer (maybe stored: import the file "
                   "again, and rows already stored are found, not stored "
                   "twice)";
    }
    if (not_sent > 0) std::cout << "; " << not_sent << " not sent";
    std::cout << "\n";
  }
  if ((rejected > 0 || not_sent > 0 || unanswered > 0) && cli.exit_code == 0) {
    cli.exit_code = kExitRefused;
  }
}

// The file's header against the record's columns: every problem on stderr
// and false (exit 2, nothing sent) when it has any.
bool HeaderIsGood(Cli& cli, const std::string& path,
                  const std::vector<std::string>& header,
                  const RecordFields& fields) {
  if (header.empty()) return true;  // JSON
  absl::Status s = CheckHeader(header, fields);
  if (s.ok()) return true;
  std::vector<FieldViolation> bad = ViolationsOf(s);
  std::cerr << "error: " << path << ": the header has " << bad.size()
            << (bad.size() == 1 ? " problem" : " problems")
            << "; nothing was sent:\n";
  for (const FieldViolation& v : bad) {
    std::cerr << "  " << v.field << " " << v.description << "\n";
  }
  std::cerr << "  the columns are: " << absl::StrJoin(fields.Columns(), ", ")
            << " (see docs/registrar.md)\n";
  cli.exit_code = kExitUsage;
  return false;
}

// The rows to send, as indexes of results (parsed[i] is results[first +
// i]'s): every row that parsed, or (with --all-or-nothing) none if any did
// not.
template <typename Message>
std::vector<size_t> RowsToSend(
    const std::vector<std::optional<Message>>& parsed, size_t first,
    bool all_or_nothing) {
  std::vector<size_t> to_send;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i].has_value()) to_send.push_back(first + i);
  }
  if (all_or_nothing && to_send.size() < parsed.size()) {
    std::cerr << "nothing stored (--all-or-nothing): fix the rows below\n";
    to_send.clear();
  }
  return to_send;
}

// One batch in flight: rows to_send[start, end) of the file.
struct Batch {
  const std::vector<size_t>& to_send;
  size_t start = 0;
  size_t end = 0;
  std::set<int> failed;  // indexes within the batch
};

// A failure of row `index` of the batch, in the user's words: a row that
// repeats an earlier row of the batch names its line.
void FailRow(Batch& batch, int index, const std::string& field,
             const std::string& description, std::vector<RowResult>& results) {
  RowResult& r = results[batch.to_send[batch.start + index]];
  r.status = RowResult::kRejected;
  batch.failed.insert(index);
  int earlier = 0;
  std::string ignored;
  if (field == "request_id" &&
      absl::StartsWith(description, "repeats requests[") &&
      SplitBatchField(description.substr(8), earlier, ignored) &&
      earlier >= 0 && batch.start + earlier < batch.end) {
    r.same_as = static_cast<int>(batch.to_send[batch.start + earlier]);
    r.problems.push_back(
        {"", absl::StrCat("the same profile as ", Where(results[r.same_as]),
                          ", which is stored once; if these are two "
                          "different profiles, make the rows differ")});
    return;
  }
  r.problems.push_back(Described(field, description));
}

// A batch the server refused whole: each violation onto its row. False (the
// failure printed) when the refusal is not about rows: this and later
// batches were not stored.
bool RecordRefusal(Cli& cli, const std::string& path,
                   const absl::Status& status, bool all_or_nothing,
                   Batch& batch, std::vector<RowResult>& results) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) {
    cli.exit_code = Fail(status);
    return false;
  }
  for (const FieldViolation& v : violations) {
    int index = 0;
    std::string rest;
    if (SplitBatchField(v.field, index, rest) && index >= 0 &&
        batch.start + index < batch.end) {
      FailRow(batch, index, rest, v.description, results);
    } else {
      std::cerr << path << ": " << v.field << ": " << v.description << "\n";
    }
  }
  if (all_or_nothing) {
    std::cerr << "nothing stored (--all-or-nothing): fix the rows below\n";
  }
  return true;
}

// A batch the server answered: its failed rows, and the record each other
// row stored or found (`stored`: the records, in request order, failures
// skipped).
template <typename BatchResponse, typename Message>
void RecordAnswer(const BatchResponse& response,
                  const google::protobuf::RepeatedPtrField<Message>& stored,
                  Batch& batch, std::vector<RowResult>& results) {
  for (const v1::BatchFailure& f : response.failures()) {
    std::string rest;
    int index = 0;
    SplitBatchField(f.field(), index, rest);
    FailRow(batch, f.index(), rest.empty() ? f.field() : rest, f.description(),
            results);
  }
  std::set<int> already(response.already_stored().begin(),
                        response.already_stored().end());
  int next = 0;
  for (size_t i = batch.start; i < batch.end; ++i) {
    int index = static_cast<int>(i - batch.start);
    if (batch.failed.contains(index)) continue;
    RowResult& r = results[batch.to_send[i]];
    r.status = already.contains(index) ? RowResult::kAlreadyStored
                                       : RowResult::kStored;
    if (next < stored.size()) r.record = stored[next++].name();
  }
}

// The file's reader, or null (a usage error said) if it cannot be read as a
// whole.
std::unique_ptr<ImportReader> OpenImportFile(Cli& cli,
                                             const std::string& path) {
  absl::StatusOr<std::unique_ptr<ImportReader>> reader =
      ImportReader::Open(path);
  if (!reader.ok()) {
    cli.exit_code = UsageError(std::string(reader.status().message()));
    return nullptr;
  }
  return *std::move(reader);
}

// Sends the parsed rows in batches with BatchRequest/BatchResponse of one
// kind, and fills in each row's result.
template <typename Message, typename BatchRequest, typename BatchResponse,
          typename CreateRequest>
void Import(Cli& cli, const std::string& path, const std::string& authority,
            bool all_or_nothing, const std::string& results_path,
            const RecordFields& fields,
            absl::StatusOr<std::vector<std::string>> (*from_text)(
                const TextFields&, Message&),
            grpc::Status (v1::RegistryService::Stub::*method)(
                grpc::ClientContext*, const BatchRequest&, BatchResponse*),
            Message* (CreateRequest::*mutable_profile)(),
            const google::protobuf::RepeatedPtrField<Message>& (
                BatchResponse::*stored)() const,
            const char* noun) {
  // Read a batch at a time: what is held is the rows' results and one
  // batch, not the file (a file of 100,000 rows is about 27 MB).
  std::unique_ptr<ImportReader> reader = OpenImportFile(cli, path);
  if (reader == nullptr) return;
  if (!HeaderIsGood(cli, path, reader->header(), fields)) return;
  if (all_or_nothing &&
      reader->row_count() > static_cast<size_t>(kMaxAllOrNothing)) {
    cli.exit_code = UsageError(
        absl::StrCat("--all-or-nothing takes at most ", kMaxAllOrNothing,
                     " rows per file; ", path, " has ", reader->row_count()));
    return;
  }
  // --all-or-nothing: the file is one batch.
  const size_t size =
      all_or_nothing ? std::max<size_t>(1, reader->row_count()) : kBatchSize;
  std::vector<RowResult> results;
  results.reserve(reader->row_count());
  std::vector<ImportRow> rows;
  // Once a batch goes unanswered or is refused whole, later rows are read
  // (to report each one's problems) but not sent.
  bool sending = true;
  for (;;) {
    if (absl::Status read = reader->Next(size, rows); !read.ok()) {
      // The file changed since it was first read through.
      cli.exit_code = Fail(read);
      break;
    }
    if (rows.empty()) break;
    const size_t first = results.size();
    results.resize(first + rows.size());
    std::vector<std::optional<Message>> parsed =
        ParseRows<Message>(rows, from_text, results, first);
    const std::vector<size_t> to_send =
        RowsToSend(parsed, first, all_or_nothing);
    if (!sending || to_send.empty()) continue;
    if (all_or_nothing) {
      // The file is this one batch: sent only if nothing follows it (a
      // row added since the file was counted is not sent on its own).
      std::vector<ImportRow> more;
      absl::Status end = reader->Next(1, more);
      if (!end.ok() || !more.empty()) {
        cli.exit_code = Fail(end.ok() ? absl::InvalidArgumentError(absl::StrCat(
                                            path, " changed while it was read"))
                                      : end);
        std::cerr << "nothing stored (--all-or-nothing)\n";
        break;
      }
    }
    Batch batch{to_send, 0, to_send.size(), {}};
    BatchRequest request;
    request.set_parent(absl::StrCat("authorities/", authority));
    request.set_all_or_nothing(all_or_nothing);
    for (size_t i = batch.start; i < batch.end; ++i) {
      // Each row's own request id is a hash of the row: running a file
      // again (whole, or with its bad rows fixed) stores no row twice.
      CreateRequest* row = request.add_requests();
      row->set_parent(request.parent());
      *(row->*mutable_profile)() = std::move(*parsed[to_send[i] - first]);
      row->set_request_id(ContentRequestId(*row));
    }
    // The rows are idempotent on their own; the batch id is per run, so a
    // run reports what this run found already stored.
    request.set_request_id(cli.request_id.empty()
                               ? NewRequestId()
                               : absl::StrCat(cli.request_id, "-", first));
    absl::StatusOr<BatchResponse> response = cli.client().Call(method, request);
    if (!response.ok()) {
      if (!RecordRefusal(cli, path, response.status(), all_or_nothing, batch,
                         results)) {
        // Without an answer (or with UNAVAILABLE: a change the audit trail
        // could not record is stored; or INTERNAL, UNKNOWN: the server
        // failed on its way) the batch's rows may be stored, as the console
        // takes them (WriteOutcomeUnknown); later rows are not sent.
        // (A server never reached stored nothing.)
        const absl::StatusCode code = response.status().code();
        const bool reached = !absl::StrContains(
            response.status().message(), "failed to connect to all addresses");
        if (reached && (code == absl::StatusCode::kUnavailable ||
                        code == absl::StatusCode::kDeadlineExceeded ||
                        code == absl::StatusCode::kCancelled ||
                        code == absl::StatusCode::kUnknown ||
                        code == absl::StatusCode::kInternal)) {
          for (size_t i = batch.start; i < batch.end; ++i) {
            results[batch.to_send[i]].status = RowResult::kUnanswered;
          }
        }
        sending = false;
      }
      continue;
    }
    RecordAnswer(*response, ((*response).*stored)(), batch, results);
  }
  for (RowResult& r : results) {
    if (r.same_as >= 0) r.record = results[r.same_as].record;
  }
  Report(cli, path, authority, noun, results, results_path);
}

// ---- raa import journeys --------------------------------------------------

// The JourneyService stub on the client's channel (the registry's client
// carries the key and deadline in each context).
class JourneyCalls {
 public:
  explicit JourneyCalls(Cli& cli)
      : cli_(cli), stub_(v1::JourneyService::NewStub(cli.client().channel())) {}

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(
      grpc::Status (v1::JourneyService::Stub::*method)(grpc::ClientContext*,
                                                       const Request&,
                                                       Response*),
      const Request& request) {
    std::unique_ptr<grpc::ClientContext> context = cli_.client().NewContext();
    Response response;
    grpc::Status status = ((*stub_).*method)(context.get(), request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

 private:
  Cli& cli_;
  std::unique_ptr<v1::JourneyService::Stub> stub_;
};

// A failure that is not about the row (the server cannot be reached, the key
// is refused, the server has no JourneyService): stop, leaving later rows
// not sent.
bool StopsTheImport(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsUnauthenticated(status) || absl::IsResourceExhausted(status) ||
         absl::IsUnimplemented(status);
}

// A refused call onto the row: each field violation named by its column
// (`columns` maps the request's field to the file's column); anything else
// on `column`.
void AddRefusal(const absl::Status& status,
                const std::map<std::string, std::string>& columns,
                const std::string& column, RowResult& row) {
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) {
    row.problems.push_back(
        {column, absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                              status.message())});
  }
  for (const FieldViolation& v : violations) {
    auto it = columns.find(v.field);
    row.problems.push_back(
        {it == columns.end() ? column : it->second, v.description});
  }
  row.status = RowResult::kRejected;
}

bool SameDate(const google::type::Date& a, const google::type::Date& b) {
  return DayNumber(a) == DayNumber(b);
}

// The link of the row already stored (the same child, household and opened
// date), if any.
absl::StatusOr<std::optional<v1::Link>> FindLink(JourneyCalls& calls,
                                                 const JourneyLinkRow& row) {
  v1::ListLinksRequest request;
  request.set_child(row.child);
  request.set_adopter(row.adopter);
  request.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListLinksResponse> page =
        calls.Call(&v1::JourneyService::Stub::ListLinks, request);
    if (!page.ok()) return page.status();
    for (const v1::Link& link : page->links()) {
      if (link.adopter() == row.adopter && link.steps_size() > 0 &&
          link.steps(0).step() == v1::LINK_STEP_OPENED &&
          (SameDate(link.steps(0).date(), row.steps[0].second) ||
           SameDate(link.steps(0).recorded_date(), row.steps[0].second))) {
        return std::optional<v1::Link>(link);
      }
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return std::optional<v1::Link>();
}

// Opens the row's link; on FAILED_PRECONDITION (a pair that fails one of
// today's hard constraints) once more with the override reason. False (the
// row failed, or `fatal` set) if it could not be opened.
bool OpenRowLink(JourneyCalls& calls, const JourneyLinkRow& row,
                 RowResult& result, v1::Link& link, absl::Status& fatal) {
  static const std::map<std::string, std::string> kColumns = {
      {"child", "child"},
      {"adopter", "adopter"},
      {"opened_on", "opened"},
      {"placement_kind", "placement_kind"},
      {"override_reason", "override_reason"}};
  v1::OpenLinkRequest request;
  request.set_child(row.child);
  request.set_adopter(row.adopter);
  *request.mutable_opened_on() = row.steps[0].second;
  request.set_placement_kind(row.placement_kind);
  request.set_request_id(OpenLinkRequestId(row, /*override=*/false));
  absl::StatusOr<v1::Link> opened =
      calls.Call(&v1::JourneyService::Stub::OpenLink, request);
  // The opening date against the records' dates is not a constraint an
  // override passes.
  auto names_opened_on = [](const absl::Status& status) {
    for (const FieldViolation& v : ViolationsOf(status)) {
      if (v.field == "opened_on") return true;
    }
    return false;
  };
  if (!opened.ok() && absl::IsFailedPrecondition(opened.status()) &&
      !absl::StrContains(opened.status().message(), "open link") &&
      !absl::StrContains(opened.status().message(),
                         "which no override passes") &&
      !names_opened_on(opened.status())) {
    // A historical pair may fail today's constraints (ages have moved on):
    // open it with the reason recorded on the link.
    request.set_override_reason(row.override_reason.empty()
                                    ? kHistoricalOverrideReason
                                    : row.override_reason);
    request.set_request_id(OpenLinkRequestId(row, /*override=*/true));
    absl::StatusOr<v1::Link> retried =
        calls.Call(&v1::JourneyService::Stub::OpenLink, request);
    if (retried.ok()) {
      result.notes.push_back(absl::StrCat("opened with an override (",
                                          opened.status().message(), "): \"",
                                          request.override_reason(), "\""));
      opened = std::move(retried);
    } else if (!absl::IsFailedPrecondition(retried.status()) &&
               !absl::IsInvalidArgument(retried.status())) {
      opened = std::move(retried);
    }
  }
  if (!opened.ok()) {
    if (StopsTheImport(opened.status())) {
      fatal = opened.status();
      return false;
    }
    AddRefusal(opened.status(), kColumns, "", result);
    return false;
  }
  link = *std::move(opened);
  return true;
}

// Imports one link row: find or open, advance, close. Sets result.
void ImportLinkRow(JourneyCalls& calls, const JourneyLinkRow& row,
                   RowResult& result, absl::Status& fatal) {
  absl::StatusOr<std::optional<v1::Link>> found = FindLink(calls, row);
  if (!found.ok()) {
    if (StopsTheImport(found.status())) {
      fatal = found.status();
      return;
    }
    AddRefusal(found.status(), {{"child", "child"}, {"adopter", "adopter"}}, "",
               result);
    return;
  }
  bool sent = false;
  v1::Link link;
  if (found->has_value()) {
    link = **found;
    if (link.placement_kind() != row.placement_kind) {
      result.problems.push_back(
          {"placement_kind",
           absl::StrCat("the link stored (", link.name(), ") is ",
                        EnumLabel(v1::PlacementKind_descriptor(),
                                  link.placement_kind()))});
      result.status = RowResult::kRejected;
      return;
    }
  } else {
    if (!OpenRowLink(calls, row, result, link, fatal)) return;
    sent = true;
  }
  result.record = link.name();
  for (size_t i = 1; i < row.steps.size(); ++i) {
    const auto& [step, date] = row.steps[i];
    const std::string column = StepColumn(step);
    const v1::LinkStepRecord* stored = nullptr;
    for (const v1::LinkStepRecord& s : link.steps()) {
      if (s.step() == step) stored = &s;
    }
    if (stored != nullptr) {
      if (!SameDate(stored->date(), date) &&
          !SameDate(stored->recorded_date(), date)) {
        result.problems.push_back(
            {column, absl::StrCat(link.name(), " has it on ",
                                  FormatDate(stored->date()),
                                  "; to change a recorded date use "
                                  "raa link correct")});
        result.status = RowResult::kRejected;
        return;
      }
      continue;
    }
    if (link.state() != v1::LINK_STATE_OPEN) {
      result.problems.push_back(
          {column,
           absl::StrCat(link.name(), " is closed; it cannot reach ", column)});
      result.status = RowResult::kRejected;
      return;
    }
    v1::AdvanceLinkRequest request;
    request.set_name(link.name());
    request.set_step(step);
    *request.mutable_date() = date;
    request.set_request_id(AdvanceLinkRequestId(row, step));
    absl::StatusOr<v1::Link> advanced =
        calls.Call(&v1::JourneyService::Stub::AdvanceLink, request);
    if (!advanced.ok()) {
      if (StopsTheImport(advanced.status())) {
        fatal = advanced.status();
        return;
      }
      AddRefusal(advanced.status(), {{"date", column}, {"step", column}},
                 column, result);
      return;
    }
    link = *std::move(advanced);
    sent = true;
  }
  if (row.close_reason != v1::CLOSE_REASON_UNSPECIFIED) {
    if (link.state() == v1::LINK_STATE_OPEN) {
      v1::CloseLinkRequest request;
      request.set_name(link.name());
      request.set_reason(row.close_reason);
      request.set_note(row.close_note);
      *request.mutable_date() = row.closed_on;
      request.set_request_id(CloseLinkRequestId(row));
      absl::StatusOr<v1::Link> closed =
          calls.Call(&v1::JourneyService::Stub::CloseLink, request);
      if (!closed.ok()) {
        if (StopsTheImport(closed.status())) {
          fatal = closed.status();
          return;
        }
        AddRefusal(closed.status(),
                   {{"reason", "close_reason"},
                    {"note", "close_note"},
                    {"date", "closed_on"}},
                   "close_reason", result);
        return;
      }
      sent = true;
    } else if (link.close_reason() != row.close_reason ||
               !SameDate(link.closed_on(), row.closed_on)) {
      result.problems.push_back(
          {"close_reason",
           absl::StrCat(
               link.name(), " is already ",
               link.state() == v1::LINK_STATE_ADOPTED
                   ? "adopted"
                   : absl::StrCat("closed (",
                                  EnumLabel(v1::CloseReason_descriptor(),
                                            link.close_reason()),
                                  ", ", FormatDate(link.closed_on()), ")"))});
      result.status = RowResult::kRejected;
      return;
    }
  } else if (link.state() == v1::LINK_STATE_CLOSED && sent) {
    // Closed by the service on the way (another link matched first).
    result.notes.push_back(absl::StrCat(
        "closed by the service: ",
        EnumLabel(v1::CloseReason_descriptor(), link.close_reason())));
  }
  result.status = sent ? RowResult::kStored : RowResult::kAlreadyStored;
}

// Imports one milestone row: already stored when the record has that date.
void ImportMilestoneRow(JourneyCalls& calls, const JourneyMilestoneRow& row,
                        RowResult& result, absl::Status& fatal) {
  static const std::map<std::string, std::string> kColumns = {
      {"record", "record"},
      {"kind", "milestone"},
      {"date", "date"},
      {"reason", "reason"}};
  result.record = row.record;
  v1::ListMilestonesRequest list;
  list.set_record(row.record);
  absl::StatusOr<v1::ListMilestonesResponse> current =
      calls.Call(&v1::JourneyService::Stub::ListMilestones, list);
  if (!current.ok()) {
    if (StopsTheImport(current.status())) {
      fatal = current.status();
      return;
    }
    AddRefusal(current.status(), kColumns, "record", result);
    return;
  }
  for (const v1::Milestone& m : current->current()) {
    if (m.kind() == row.kind && SameDate(m.date(), row.date)) {
      result.status = RowResult::kAlreadyStored;
      return;
    }
  }
  v1::RecordMilestoneRequest request;
  request.set_record(row.record);
  request.set_kind(row.kind);
  *request.mutable_date() = row.date;
  request.set_reason(row.reason);
  request.set_request_id(MilestoneRequestId(row));
  absl::StatusOr<v1::Milestone> recorded =
      calls.Call(&v1::JourneyService::Stub::RecordMilestone, request);
  if (!recorded.ok()) {
    if (StopsTheImport(recorded.status())) {
      fatal = recorded.status();
      return;
    }
    AddRefusal(recorded.status(), kColumns, "", result);
    return;
  }
  result.status = RowResult::kStored;
}

void ImportJourneys(Cli& cli, const std::string& path,
                    const std::string& results_path) {
  // A batch of rows at a time, as Import: the file is not held.
  std::unique_ptr<ImportReader> reader = OpenImportFile(cli, path);
  if (reader == nullptr) return;
  if (!reader->header().empty()) {
    absl::Status s = CheckHeader(reader->header(), JourneyColumns(), {});
    if (!s.ok()) {
      std::vector<FieldViolation> bad = ViolationsOf(s);
      std::cerr << "error: " << path << ": the header has " << bad.size()
                << (bad.size() == 1 ? " problem" : " problems")
                << "; nothing was sent:\n";
      for (const FieldViolation& v : bad) {
        std::cerr << "  " << v.field << " " << v.description << "\n";
      }
      std::cerr << "  the columns are: "
                << absl::StrJoin(JourneyColumns(), ", ")
                << " (see docs/manager.md, section 11)\n";
      cli.exit_code = kExitUsage;
      return;
    }
  }
  // Dates are checked against the client's today; the server checks again.
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 1;
  std::vector<RowResult> results;
  results.reserve(reader->row_count());
  JourneyCalls calls(cli);
  // Once a call fails for want of an answer, later rows are read (to report
  // each one's problems) but not sent.
  absl::Status fatal;
  std::vector<ImportRow> rows;
  for (;;) {
    if (absl::Status read = reader->Next(kBatchSize, rows); !read.ok()) {
      if (fatal.ok()) fatal = read;  // the file changed since it was checked
      break;
    }
    if (rows.empty()) break;
    for (const ImportRow& row : rows) {
      RowResult& result = results.emplace_back();
      result.line = row.line;
      result.element = row.element;
      if (!row.problem.empty()) result.problems.push_back({"", row.problem});
      TextFields fields = row.fields;
      if (!row.json.empty()) {
        absl::StatusOr<TextFields> from_json = JourneyFieldsFromJson(row.json);
        if (!from_json.ok()) {
          AddViolations(from_json.status(), result);
        } else {
          fields = *std::move(from_json);
        }
      }
      std::optional<JourneyRow> parsed;
      if (result.problems.empty()) {
        absl::StatusOr<JourneyRow> journey = JourneyRowFromText(fields, today);
        if (journey.ok()) {
          parsed = *std::move(journey);
        } else {
          for (const FieldViolation& v : ViolationsOf(journey.status())) {
            result.problems.push_back({v.field, v.description});
          }
        }
      }
      if (!result.problems.empty()) {
        result.status = RowResult::kRejected;
        continue;
      }
      if (!fatal.ok()) continue;
      if (parsed->type == JourneyRow::kLink) {
        ImportLinkRow(calls, parsed->link, result, fatal);
      } else {
        ImportMilestoneRow(calls, parsed->milestone, result, fatal);
      }
    }
  }
  if (!fatal.ok()) cli.exit_code = Fail(fatal);
  Report(cli, path, "", "journey rows", results, results_path);
}

}  // namespace

void AddImportCommands(CLI::App& app, Cli& cli) {
  CLI::App* group =
      app.add_subcommand("import",
                         "register many children or households, or past "
                         "journeys, from a CSV or JSON file");
  group->require_subcommand(1);
  {
    auto* cmd = group->add_subcommand(
        "journeys",
        "import past links (with each step's date) and milestones (.csv, "
        ".json or .jsonl; see docs/manager.md, section 11)");
    auto path = std::make_shared<std::string>();
    auto results = std::make_shared<std::string>();
    cmd->add_option("file", *path, "the file")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--results", *results,
                    "write a CSV of what became of each line (line, status, "
                    "record, problems)");
    cmd->callback(
        [&cli, path, results] { ImportJourneys(cli, *path, *results); });
  }
  for (const char* kind : {"children", "adopters"}) {
    auto* cmd = group->add_subcommand(
        kind, std::string("import ") + kind + " (.csv, .json or .jsonl)");
    auto path = std::make_shared<std::string>();
    auto authority = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    auto results = std::make_shared<std::string>();
    cmd->add_option("file", *path, "the file")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--authority", *authority, "your authority id");
    cmd->add_flag("--all-or-nothing", *all, "store nothing if any row is bad");
    cmd->add_option("--results", *results,
                    "write a CSV of what became of each line (line, status, "
                    "record, problems) to paste back into the spreadsheet");
    bool children = std::string(kind) == "children";
    cmd->callback([&cli, path, authority, all, results, children] {
      std::string parent = cli.AuthorityOr(*authority);
      if (parent.empty()) return;
      if (children) {
        Import<v1::Child, v1::BatchCreateChildrenRequest,
               v1::BatchCreateChildrenResponse, v1::CreateChildRequest>(
            cli, *path, parent, *all, *results, ChildFields(), &ChildFromText,
            &v1::RegistryService::Stub::BatchCreateChildren,
            &v1::CreateChildRequest::mutable_child,
            &v1::BatchCreateChildrenResponse::children, "child profiles");
      } else {
        Import<v1::Adopter, v1::BatchCreateAdoptersRequest,
               v1::BatchCreateAdoptersResponse, v1::CreateAdopterRequest>(
            cli, *path, parent, *all, *results, AdopterFields(),
            &AdopterFromText, &v1::RegistryService::Stub::BatchCreateAdopters,
            &v1::CreateAdopterRequest::mutable_adopter,
            &v1::BatchCreateAdoptersResponse::adopters, "adopter households");
      }
    });
  }
}

}  // namespace raa::cli
