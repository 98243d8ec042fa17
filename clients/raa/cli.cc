#include "clients/raa/cli.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/lib/profile_text.h"
#include "clients/lib/user_json.h"
#include "common/dates.h"
#include "common/errors.h"
#include "google/protobuf/util/json_util.h"

namespace raa::cli {
namespace {

Cli* current_cli = nullptr;

// "Entered care", "entered_care" and "ENTERED-CARE" name the same column.
std::string ColumnKey(absl::string_view name) {
  std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (char& c : key) {
    if (c == '_' || c == '-') c = ' ';
  }
  return key;
}

// Byte length of the UTF-8 sequence starting with `lead`.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x06) return 2;
  if ((lead >> 4) == 0x0E) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// `text` cut into lines of at most `width` display columns, at spaces where
// it can be, through a word only when a word is longer than a line.
std::vector<std::string> WrapText(absl::string_view text, size_t width) {
  std::vector<std::string> lines;
  if (width == 0 || (DisplayWidth(text) <= width &&
                     text.find_first_of("\r\n") == absl::string_view::npos)) {
    std::string line(text);
    for (char& c : line) {
      if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    }
    lines.push_back(std::move(line));
    return lines;
  }
  std::string line;
  size_t line_width = 0;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
    size_t w = DisplayWidth(word);
    if (line_width > 0 && line_width + 1 + w <= width) {
      line += ' ';
      absl::StrAppend(&line, word);
      line_width += 1 + w;
      continue;
    }
    if (line_width > 0) {
      lines.push_back(std::move(line));
      line.clear();
      line_width = 0;
    }
    while (w > width) {  // a word longer than a line: break it
      size_t bytes = 0;
      for (size_t cols = 0; cols < width && bytes < word.size(); ++cols) {
        bytes += SequenceLength(static_cast<unsigned char>(word[bytes]));
      }
      lines.emplace_back(word.substr(0, bytes));
      word.remove_prefix(std::min(bytes, word.size()));
      w = DisplayWidth(word);
    }
    line = std::string(word);
    line_width = w;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

}  // namespace

Cli::Cli() { current_cli = this; }

Cli& Cli::Current() { return *current_cli; }

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

std::shared_ptr<const ReasonCatalog> Cli::Reasons(const ReasonNeeds& needs) {
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
      reasons_.For(needs, [this] { return FetchReasonCatalog(client()); });
  if (!catalog.ok()) {
    exit_code = Fail(catalog.status());
    return nullptr;
  }
  return *std::move(catalog);
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
  if (size_t at = status.message().rfind(": give authorities/");
      status.code() == absl::StatusCode::kPermissionDenied &&
      at != absl::string_view::npos) {
    // A withdrawn member lists only its own records; the global --authority
    // (RAA_AUTHORITY) only completes short names, it filters nothing.
    const absl::string_view id = status.message().substr(at + 19);
    std::cerr << "(list only your own member's: give the command's own "
                 "filter, e.g. raa child list --authority "
              << id << ", or raa adopter list --authority " << id << ")\n";
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
  if (status.code() == absl::StatusCode::kUnavailable &&
      absl::StrContains(status.message(), "try again")) {
    // raamatchd's own answer (its audit trail could not record a change it
    // made, a record changed during a search): it is running.
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
  return ToUserJson(message, JsonLayout::kIndented);
}

void PrintJson(const google::protobuf::Message& message) {
  std::cout << ToJson(message);
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // count lead bytes, not continuations
  }
  return width;
}

int OutputWidth(const Cli& cli) {
  if (cli.wide || cli.csv) return 0;
  const char* columns = std::getenv("COLUMNS");
  int width = 0;
  if (columns != nullptr && absl::SimpleAtoi(columns, &width) && width > 0) {
    return std::max(width, 20);
  }
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col > 0) {
    return std::max<int>(size.ws_col, 20);
  }
  return 80;
}

void PrintWrapped(std::ostream& out, absl::string_view text, int width,
                  const std::string& indent) {
  if (width <= 0) {
    out << indent << text << "\n";
    return;
  }
  const size_t first = std::max<int>(10, width - DisplayWidth(indent));
  const size_t rest = std::max<int>(10, width - DisplayWidth(indent) - 2);
  std::vector<std::string> lines = WrapText(text, first);
  if (lines.size() > 1) {
    // Re-wrap what follows the first line to the narrower continuation.
    std::string tail = absl::StrJoin(lines.begin() + 1, lines.end(), " ");
    std::vector<std::string> more = WrapText(tail, rest);
    lines.resize(1);
    for (std::string& l : more) lines.push_back("  " + l);
  }
  for (const std::string& l : lines) out << indent << l << "\n";
}

void Table::PrintCsv(std::ostream& out) const {
  out << "\xEF\xBB\xBF";  // UTF-8 byte-order mark: Excel needs it
  auto print_row = [&](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < headers_.size(); ++i) {
      cells.push_back(CsvField(i < row.size() ? row[i] : ""));
    }
    out << absl::StrJoin(cells, ",") << "\r\n";
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

void Table::PrintText(std::ostream& out, int width,
                      const std::string& indent) const {
  const size_t n = headers_.size();
  // Each column's natural width, and the narrowest it may wrap to: the
  // first column (a record's name, to copy) never wraps; others keep whole
  // words of up to 24 characters.
  std::vector<size_t> natural(n), floor(n);
  for (size_t i = 0; i < n; ++i) {
    natural[i] = floor[i] = DisplayWidth(headers_[i]);
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < n; ++i) {
      natural[i] = std::max(natural[i], DisplayWidth(row[i]));
      for (absl::string_view word : absl::StrSplit(
               row[i], absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty())) {
        floor[i] = std::max(floor[i], std::min<size_t>(DisplayWidth(word), 24));
      }
    }
  }
  if (n > 0) floor[0] = natural[0];
  std::vector<size_t> widths = natural;
  std::vector<bool> shown(n, true);
  if (width > 0) {
    for (size_t i = shown_by_default_; i < n; ++i) shown[i] = false;
  }
  const int room = width <= 0 ? 0 : width - static_cast<int>(indent.size());
  auto total = [&] {
    size_t sum = 0, count = 0;
    for (size_t i = 0; i < n; ++i) {
      if (shown[i]) sum += widths[i], ++count;
    }
    return sum + (count > 0 ? 2 * (count - 1) : 0);
  };
  // Wraps the widest columns, a column at a time, down to their floors;
  // true if the table then fits.
  auto shrink = [&] {
    widths = natural;
    while (total() > static_cast<size_t>(room)) {
      size_t widest = n;
      for (size_t i = 0; i < n; ++i) {
        if (shown[i] && widths[i] > floor[i] &&
            (widest == n || widths[i] > widths[widest])) {
          widest = i;
        }
      }
      if (widest == n) return false;
      widths[widest] -= 1;
    }
    return true;
  };
  std::vector<std::string> hidden;
  if (room > 0) {
    // Still too wide: leave out columns from the right (never the first).
    for (size_t i = n; !shrink() && i-- > 1;) {
      if (!shown[i]) continue;
      shown[i] = false;
      hidden.push_back(headers_[i]);
    }
    // Only the first column left and still too wide: wrap it too.
    if (total() > static_cast<size_t>(room) && n > 0) {
      widths[0] = std::max(room, 10);
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::vector<std::vector<std::string>> cells(n);
    size_t height = 1;
    for (size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      cells[i] = WrapText(i < row.size() ? row[i] : "", widths[i]);
      height = std::max(height, cells[i].size());
    }
    for (size_t h = 0; h < height; ++h) {
      std::string line = indent;
      for (size_t i = 0; i < n; ++i) {
        if (!shown[i]) continue;
        const std::string cell = h < cells[i].size() ? cells[i][h] : "";
        line += cell;
        line += std::string(widths[i] - DisplayWidth(cell) + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << "\n";
    }
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
  if (!hidden.empty()) {
    std::reverse(hidden.begin(), hidden.end());
    std::ostringstream note;
    PrintWrapped(note,
                 absl::StrCat("(not shown for lack of width: ",
                              absl::StrJoin(hidden, ", "),
                              "; --wide or --columns shows them)"),
                 width);
    std::cerr << note.str();
  }
}

void Table::Print(std::ostream& out) const {
  Cli& cli = Cli::Current();
  if (cli.columns.empty()) {
    if (cli.csv) return PrintCsv(out);
    return PrintText(out, OutputWidth(cli));
  }
  std::vector<size_t> chosen;
  std::vector<std::string> unknown;
  for (absl::string_view name :
       absl::StrSplit(cli.columns, ',', absl::SkipWhitespace())) {
    size_t i = 0;
    while (i < headers_.size() && ColumnKey(headers_[i]) != ColumnKey(name)) {
      ++i;
    }
    if (i == headers_.size()) {
      unknown.emplace_back(absl::StripAsciiWhitespace(name));
    } else {
      chosen.push_back(i);
    }
  }
  if (!unknown.empty() || chosen.empty()) {
    std::vector<std::string> known;
    for (const std::string& h : headers_) known.push_back(ColumnKey(h));
    cli.exit_code = UsageError(absl::StrCat(
        "--columns: ", unknown.empty() ? "name at least one column" : "",
        absl::StrJoin(unknown, ", "),
        unknown.size() == 1 ? " is not a column" : "",
        unknown.size() > 1 ? " are not columns" : "",
        "; this table has: ", absl::StrJoin(known, ", ")));
    return;
  }
  std::vector<std::string> headers;
  for (size_t i : chosen) headers.push_back(headers_[i]);
  Table picked(std::move(headers));
  for (const auto& row : rows_) {
    std::vector<std::string> cells;
    for (size_t i : chosen) cells.push_back(i < row.size() ? row[i] : "");
    picked.AddRow(std::move(cells));
  }
  if (cli.csv) return picked.PrintCsv(out);
  picked.PrintText(out, OutputWidth(cli));
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& rows,
                 std::initializer_list<absl::string_view> never_cut) {
  Cli& cli = Cli::Current();
  std::vector<std::pair<std::string, std::string>> shown;
  for (const auto& [k, v] : rows) {
    if (v.find_first_not_of(';') == std::string::npos) continue;  // empty list
    shown.push_back({k, v});
  }
  if (cli.csv) {
    Table table({"FIELD", "VALUE"});
    for (const auto& [k, v] : shown) table.AddRow({k, v});
    return table.PrintCsv(std::cout);
  }
  size_t width = 0;
  for (const auto& [k, v] : shown) width = std::max(width, k.size());
  const int out_width = OutputWidth(cli);
  for (const auto& [k, v] : shown) {
    std::string label = k + ":" + std::string(width - k.size() + 2, ' ');
    // A value copied from the screen or a file (a new key's secret) is
    // never cut, whatever the width.
    const bool whole = absl::c_linear_search(never_cut, k);
    std::vector<std::string> lines = WrapText(
        v, out_width <= 0 || whole
               ? 0
               : std::max<int>(10, out_width - static_cast<int>(label.size())));
    for (size_t i = 0; i < lines.size(); ++i) {
      std::cout << (i == 0 ? label : std::string(label.size(), ' ')) << lines[i]
                << "\n";
    }
  }
}

void Paging::Add(CLI::App* cmd, int default_limit, int max_size,
                 const std::string& noun) {
  limit = default_limit;
  max_page_size = max_size;
  cmd->add_option("--limit", limit,
                  absl::StrCat("how many ", noun, " to show in all"))
      ->capture_default_str()
      ->group("Paging");
  cmd->add_option("--page-size", page_size,
                  absl::StrCat("how many ", noun,
                               " to ask the server for per call (1-", max_size,
                               "; default: the limit, at most ", max_size, ")"))
      ->group("Paging");
  cmd->add_option("--page-token", page_token,
                  "continue a listing where an earlier one stopped (it prints "
                  "the token)")
      ->group("Paging");
  cmd->add_flag("--all", all, absl::StrCat("every ", noun, ", however many"))
      ->group("Paging");
}

bool Paging::Check(Cli& cli) const {
  if (!all && limit < 1) {
    cli.exit_code = UsageError("--limit: give 1 or more (or --all)");
    return false;
  }
  if (page_size < 0 || page_size > max_page_size) {
    cli.exit_code = UsageError(absl::StrCat(
        "--page-size: give 1-", max_page_size, ", not ", page_size));
    return false;
  }
  return true;
}

int Paging::NextPageSize(int have) const {
  int size = page_size > 0 ? page_size : max_page_size;
  if (!all) size = std::min(size, limit - have);
  return std::max(1, size);
}

void PrintMore(const Cli& cli, const std::string& next_page_token) {
  if (next_page_token.empty() || cli.json) return;
  std::cerr << "more: --page-token " << next_page_token
            << " continues (or --limit N, --all)\n";
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

std::string ShortName(const std::string& name) {
  return std::string(absl::StripPrefix(name, "authorities/"));
}

bool SetDateFlag(Cli& cli, const std::string& flag, const std::string& text,
                 google::type::Date* out) {
  if (text.empty()) return true;
  std::optional<google::type::Date> d = ParseDate(text);
  if (!d.has_value()) {
    cli.exit_code = UsageError(flag + " takes a date YYYY-MM-DD");
    return false;
  }
  *out = *d;
  return true;
}

}  // namespace raa::cli
