// raa import children|adopters FILE: bulk registration from CSV or JSON.
//
// Rows are sent in batches (BatchCreateChildren / BatchCreateAdopters); each
// row's request id is a hash of the row, so running a file again, whole or
// with its bad rows fixed, stores no row twice. Every bad row is reported with
// its line number; good rows are stored unless --all-or-nothing.
#include <memory>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/lib/import_file.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/errors.h"

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

struct Outcome {
  int stored = 0;
  int already = 0;  // stored by an earlier run of the same rows
  int rejected = 0;
};

// Parses rows into messages; reports unreadable rows.
template <typename Message>
std::vector<std::pair<int, Message>> ParseRows(
    const std::vector<ImportRow>& rows,
    absl::StatusOr<std::vector<std::string>> (*from_text)(const TextFields&,
                                                          Message&),
    const std::string& path, Outcome& outcome) {
  std::vector<std::pair<int, Message>> parsed;
  for (const ImportRow& row : rows) {
    Message message;
    absl::Status status;
    if (!row.json.empty()) {
      auto s = google::protobuf::util::JsonStringToMessage(row.json, &message);
      if (!s.ok())
        status = absl::InvalidArgumentError(std::string(s.message()));
    } else {
      status = from_text(row.fields, message).status();
    }
    if (!status.ok()) {
      ++outcome.rejected;
      std::vector<FieldViolation> v = ViolationsOf(status);
      if (v.empty()) {
        std::cerr << path << " line " << row.line << ": " << status.message()
                  << "\n";
      }
      for (const FieldViolation& f : v) {
        std::cerr << path << " line " << row.line << ": column " << f.field
                  << ": " << f.description << "\n";
      }
      continue;
    }
    parsed.emplace_back(row.line, std::move(message));
  }
  return parsed;
}

// Sends `parsed` in batches with BatchRequest/BatchResponse of one kind.
template <typename Message, typename BatchRequest, typename BatchResponse,
          typename CreateRequest>
void Import(Cli& cli, const std::string& path, const std::string& authority,
            bool all_or_nothing,
            absl::StatusOr<std::vector<std::string>> (*from_text)(
                const TextFields&, Message&),
            grpc::Status (v1::RegistryService::Stub::*method)(
                grpc::ClientContext*, const BatchRequest&, BatchResponse*),
            Message* (CreateRequest::*mutable_profile)(), const char* noun) {
  absl::StatusOr<std::vector<ImportRow>> rows = ReadImportFile(path);
  if (!rows.ok()) {
    cli.exit_code = UsageError(std::string(rows.status().message()));
    return;
  }
  Outcome outcome;
  auto parsed = ParseRows<Message>(*rows, from_text, path, outcome);
  if (all_or_nothing && outcome.rejected > 0) {
    std::cerr << "nothing stored (--all-or-nothing): fix the rows above\n";
    cli.exit_code = kExitRefused;
    return;
  }
  if (all_or_nothing && parsed.size() > static_cast<size_t>(kMaxAllOrNothing)) {
    cli.exit_code = UsageError(absl::StrCat(
        "--all-or-nothing takes at most ", kMaxAllOrNothing, " rows per file"));
    return;
  }
  size_t batch = all_or_nothing ? parsed.size() : kBatchSize;
  for (size_t start = 0; start < parsed.size(); start += batch) {
    size_t end = std::min(parsed.size(), start + batch);
    BatchRequest request;
    request.set_parent(absl::StrCat("authorities/", authority));
    request.set_all_or_nothing(all_or_nothing);
    for (size_t i = start; i < end; ++i) {
      // Each row's own request id is a hash of the row: running a file
      // again (whole, or with its bad rows fixed) stores no row twice.
      CreateRequest* row = request.add_requests();
      row->set_parent(request.parent());
      *(row->*mutable_profile)() = parsed[i].second;
      row->set_request_id(ContentRequestId(*row));
    }
    // The rows are idempotent on their own; the batch id is per run, so a
    // run reports what this run found already stored.
    request.set_request_id(cli.request_id.empty()
                               ? NewRequestId()
                               : absl::StrCat(cli.request_id, "-", start));
    absl::StatusOr<BatchResponse> response = cli.client().Call(method, request);
    auto report = [&](int index, const std::string& field,
                      const std::string& description) {
      std::cerr << path << " line " << parsed[start + index].first << ": "
                << field << ": " << description << "\n";
    };
    if (!response.ok()) {
      std::vector<FieldViolation> violations = ViolationsOf(response.status());
      if (violations.empty()) {
        cli.exit_code = Fail(response.status());
        std::cerr << outcome.stored << " " << noun
                  << " stored before the error\n";
        return;
      }
      std::set<int> bad;
      for (const FieldViolation& v : violations) {
        int index = 0;
        std::string rest;
        if (SplitBatchField(v.field, index, rest) && index >= 0 &&
            start + index < end) {
          report(index, rest, v.description);
          bad.insert(index);
        } else {
          std::cerr << path << ": " << v.field << ": " << v.description << "\n";
        }
      }
      outcome.rejected += std::max<int>(1, bad.size());
      if (all_or_nothing) {
        std::cerr << "nothing stored (--all-or-nothing): fix the rows above\n";
        cli.exit_code = kExitRefused;
        return;
      }
      continue;
    }
    std::set<int> bad;
    for (const v1::BatchFailure& f : response->failures()) {
      std::string rest;
      int index = 0;
      SplitBatchField(f.field(), index, rest);
      report(f.index(), rest.empty() ? f.field() : rest, f.description());
      bad.insert(f.index());
    }
    outcome.rejected += bad.size();
    outcome.already += response->already_stored_size();
    outcome.stored +=
        (end - start) - bad.size() - response->already_stored_size();
  }
  if (cli.json) {
    std::cout << absl::StrFormat(
        "{\"stored\": %d, \"already_stored\": %d, \"rejected\": %d}\n",
        outcome.stored, outcome.already, outcome.rejected);
  } else {
    std::cout << "stored " << outcome.stored << " " << noun << " for "
              << authority;
    if (outcome.already > 0) {
      std::cout << "; " << outcome.already
                << " already stored by an earlier import";
    }
    std::cout << "; " << outcome.rejected << " rows rejected\n";
  }
  if (outcome.rejected > 0) cli.exit_code = kExitRefused;
}

}  // namespace

void AddImportCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "import", "register many children or households from a CSV or JSON file");
  group->require_subcommand(1);
  for (const char* kind : {"children", "adopters"}) {
    auto* cmd = group->add_subcommand(
        kind, std::string("import ") + kind + " (.csv, .json or .jsonl)");
    auto path = std::make_shared<std::string>();
    auto authority = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    cmd->add_option("file", *path, "the file")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--authority", *authority, "your authority id");
    cmd->add_flag("--all-or-nothing", *all, "store nothing if any row is bad");
    bool children = std::string(kind) == "children";
    cmd->callback([&cli, path, authority, all, children] {
      std::string parent = cli.AuthorityOr(*authority);
      if (parent.empty()) return;
      if (children) {
        Import<v1::Child, v1::BatchCreateChildrenRequest,
               v1::BatchCreateChildrenResponse, v1::CreateChildRequest>(
            cli, *path, parent, *all, &ChildFromText,
            &v1::RegistryService::Stub::BatchCreateChildren,
            &v1::CreateChildRequest::mutable_child, "child profiles");
      } else {
        Import<v1::Adopter, v1::BatchCreateAdoptersRequest,
               v1::BatchCreateAdoptersResponse, v1::CreateAdopterRequest>(
            cli, *path, parent, *all, &AdopterFromText,
            &v1::RegistryService::Stub::BatchCreateAdopters,
            &v1::CreateAdopterRequest::mutable_adopter, "adopter households");
      }
    });
  }
}

}  // namespace raa::cli
