#include "clients/raa/cli.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/lib/profile_text.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/errors.h"

namespace raa::cli {

RaaClient& Cli::client() {
  if (client_ == nullptr) {
    client_ = std::make_unique<RaaClient>(
        ClientOptions{.server = server,
                      .key = key,
                      .deadline = absl::Seconds(deadline_seconds),
                      .tls = tls});
  }
  return *client_;
}

std::string Cli::AuthorityOr(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!authority.empty()) return authority;
  exit_code =
      UsageError("which authority? give --authority ID (or set RAA_AUTHORITY)");
  return "";
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": ";
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) {
    std::cerr << status.message() << "\n";
  } else {
    std::cerr << "the request has " << violations.size()
              << (violations.size() == 1 ? " problem" : " problems") << ":\n";
    for (const FieldViolation& v : violations) {
      std::cerr << "  " << v.field << ": " << v.description << "\n";
    }
  }
  if (status.code() == absl::StatusCode::kUnavailable &&
      (absl::StrContains(status.message(), "andshake") ||
       absl::StrContains(status.message(), "Socket closed"))) {
    // A TLS problem: this client does not trust the server, or the server
    // does not trust (or did not get) this client's certificate, or one side
    // speaks plain text.
    std::cerr << "(no secure connection: if the server serves TLS, --ca or "
                 "RAA_CA must name the CA that signed its certificate; if it "
                 "requires client certificates, give yours with --cert and "
                 "--client-key)\n";
    return kExitUnavailable;
  }
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    std::cerr << "(is raamatchd running? --server or RAA_SERVER says where)\n";
    return kExitUnavailable;
  }
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    std::cerr << "(give an API key with --key or RAA_KEY)\n";
  }
  if (absl::StrContains(status.message(), "client certificate")) {
    std::cerr << "(give your member's certificate with --cert and "
                 "--client-key, or RAA_CERT and RAA_CLIENT_KEY)\n";
  }
  return kExitRefused;
}

int LocalFail(const absl::Status& status) {
  Fail(status);
  return kExitUsage;
}

int UsageError(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return kExitUsage;
}

std::optional<int> FlagEnum(Cli& cli, const std::string& flag,
                            const google::protobuf::EnumDescriptor* type,
                            const std::string& value) {
  absl::StatusOr<int> parsed = ParseEnum(type, value);
  if (!parsed.ok()) {
    cli.exit_code =
        UsageError(absl::StrCat(flag, ": ", parsed.status().message()));
    return std::nullopt;
  }
  return *parsed;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

void PrintJson(const google::protobuf::Message& message) {
  std::cout << ToJson(message);
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = headers_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < widths.size())
        line += std::string(widths[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, k.size());
  for (const auto& [k, v] : rows) {
    if (v.find_first_not_of(';') == std::string::npos) continue;  // empty list
    std::cout << k << ":" << std::string(width - k.size() + 2, ' ') << v
              << "\n";
  }
}

std::string RecordName(const std::string& arg, const std::string& kind,
                       const std::string& authority) {
  if (absl::StartsWith(arg, "authorities/")) return arg;
  // "sheffield/children/c12", as lists print names.
  if (arg.find("/" + kind + "/") != std::string::npos) {
    return absl::StrCat("authorities/", arg);
  }
  size_t slash = arg.find('/');
  if (slash != std::string::npos) {
    return absl::StrCat("authorities/", arg.substr(0, slash), "/", kind, "/",
                        arg.substr(slash + 1));
  }
  return absl::StrCat("authorities/", authority, "/", kind, "/", arg);
}

}  // namespace raa::cli
