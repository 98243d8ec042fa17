#include "clients/lib/import_file.h"

#include <csv.h>
#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "nlohmann/json.hpp"

namespace raa {
// The file's readers, which ImportReader::Source holds (not in an
// anonymous namespace: a member's type may not be).
namespace import_file_internal {

// Spreadsheets save "CSV UTF-8" with a byte-order mark: not part of the data.
void StripByteOrderMark(std::string& text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
}

// libcsv's error in a registrar's words (its own text, "error parsing data
// while strict checking enabled", names the parser's mode, not the file's
// mistake).
std::string CsvErrorText(int error) {
  switch (error) {
    case CSV_EPARSE:
      return "a quote out of place: a quoted field starts and ends with \" "
             "and writes a \" inside it as \"\"";
    case CSV_ETOOBIG:
      return "a field is too large";
    default:
      return csv_strerror(error);
  }
}

// A CSV row as libcsv gives it: the line it starts on, and its cells.
using CsvRow = std::pair<int, std::vector<std::string>>;

// libcsv over a file, a line at a time: its complete rows, as many as asked.
class CsvLines {
 public:
  explicit CsvLines(std::string path) : path_(std::move(path)), in_(path_) {}
  ~CsvLines() {
    if (started_) csv_free(&parser_);
  }
  CsvLines(const CsvLines&) = delete;
  CsvLines& operator=(const CsvLines&) = delete;

  absl::Status Open() {
    if (!in_) return absl::NotFoundError(absl::StrCat("cannot open ", path_));
    if (csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) != 0) {
      return absl::InternalError("cannot start the CSV parser");
    }
    started_ = true;
    return absl::OkStatus();
  }

  // Appends the next complete rows to `out` until it holds `max` or the
  // file ends (then nothing more is appended, ever).
  absl::Status Read(size_t max, std::vector<CsvRow>& out) {
    while (out.size() < max) {
      if (!pending_.empty()) {
        out.push_back(std::move(pending_.front()));
        pending_.pop_front();
        continue;
      }
      if (ended_) break;
      if (!std::getline(in_, line_)) {
        if (in_.bad()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path_, ": cannot be read"));
        }
        ended_ = true;
        if (csv_fini(&parser_, OnField, OnRow, this) != 0) return Error();
        continue;
      }
      ++line_number_;
      // Spreadsheets save "CSV UTF-8" with a byte-order mark: not a column.
      if (line_number_ == 1) StripByteOrderMark(line_);
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      line_ += '\n';
      if (csv_parse(&parser_, line_.data(), line_.size(), OnField, OnRow,
                    this) != line_.size()) {
        return Error();
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error() {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " line ", line_number_, ": ",
                     CsvErrorText(csv_error(&parser_))));
  }
  static void OnField(void* data, size_t len, void* self) {
    auto* c = static_cast<CsvLines*>(self);
    c->cells_.emplace_back(static_cast<const char*>(data), len);
  }
  // Called on the line the row ends on: it started as many lines before as
  // its quoted cells hold line breaks (libcsv gives a field only once it is
  // whole, so the line of its first field can be a later one).
  static void OnRow(int, void* self) {
    auto* c = static_cast<CsvLines*>(self);
    int breaks = 0;
    for (const std::string& cell : c->cells_) {
      breaks += static_cast<int>(absl::c_count(cell, '\n'));
    }
    c->pending_.emplace_back(c->line_number_ - breaks, std::move(c->cells_));
    c->cells_.clear();
  }

  std::string path_;
  std::ifstream in_;
  csv_parser parser_;
  bool started_ = false;
  bool ended_ = false;
  std::string line_;
  int line_number_ = 0;
  std::vector<std::string> cells_;  // of the row being read
  std::deque<CsvRow> pending_;      // complete rows not yet asked for
};

// A blank line, or a row of empty cells: not a row of the file.
bool IsBlankRow(const std::vector<std::string>& cells) {
  return absl::c_all_of(cells, [](const std::string& c) {
    return absl::StripAsciiWhitespace(c).empty();
  });
}

// A CSV row against the header's column names (ColumnName; "" for a column
// that has none): nullopt for a blank row (IsBlankRow).
std::optional<ImportRow> CsvImportRow(const std::vector<std::string>& names,
                                      CsvRow&& csv) {
  auto& [start, cells] = csv;
  if (IsBlankRow(cells)) return std::nullopt;
  ImportRow row;
  row.line = start;
  // Spreadsheets often leave empty cells after the last column: only cells
  // with something in them count against the header.
  size_t used = cells.size();
  while (used > names.size() &&
         absl::StripAsciiWhitespace(cells[used - 1]).empty()) {
    --used;
  }
  if (used != names.size()) {
    row.problem = absl::StrCat("has ", used, used == 1 ? " cell" : " cells",
                               "; the header has ", names.size(),
                               " columns (a comma too many or too few?)");
  }
  for (size_t i = 0; i < cells.size() && i < names.size(); ++i) {
    if (!names[i].empty()) row.fields[names[i]] = std::move(cells[i]);
  }
  return row;
}

// JSON Lines: each line that is not blank is a row.
class JsonLines {
 public:
  explicit JsonLines(const std::string& path) : path_(path), in_(path) {}

  absl::Status Open() {
    if (!in_) return absl::NotFoundError(absl::StrCat("cannot open ", path_));
    return absl::OkStatus();
  }

  absl::Status Read(size_t max, std::vector<ImportRow>& out) {
    std::string line;
    while (out.size() < max && std::getline(in_, line)) {
      ++number_;
      if (number_ == 1) StripByteOrderMark(line);
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      ImportRow row;
      row.line = number_;
      row.json = std::move(line);
      out.push_back(std::move(row));
    }
    if (in_.bad()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": cannot be read"));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::ifstream in_;
  int number_ = 0;
};

// A profile nests a few levels deep; a file nesting deeper than this is not
// one, and is refused before it is parsed (printing or freeing a document
// nested tens of thousands deep recurses once a level).
constexpr int kMaxJsonDepth = 64;

// A JSON array's text, and where each of its elements is in it.
struct JsonArray {
  struct Element {
    size_t begin = 0;
    size_t end = 0;
    int line = 0;  // the line it starts on
  };
  std::string text;
  std::vector<Element> elements;
};

// Reads `in` as a JSON array without building it: each element is handed
// on as its own text (a document of 100,000 profiles built whole takes ten
// times its size).
absl::StatusOr<JsonArray> ReadJsonArray(std::istream& in,
                                        const std::string& path) {
  JsonArray array;
  {
    std::stringstream buffer;
    buffer << in.rdbuf();
    array.text = std::move(buffer).str();
  }
  StripByteOrderMark(array.text);
  const std::string& text = array.text;
  // nlohmann does not keep positions: find each element of the array
  // (whatever it is: an object, or a number where one should be) and the
  // line it starts on by scanning for the values at depth 1, and how deep
  // the file nests.
  {
    int depth = 0, line = 1;
    bool in_string = false, escaped = false;
    bool value_next = false;  // at depth 1, after '[' or ','
    bool open = false;        // an element has started and not ended
    auto close = [&](size_t at) {
      if (!open) return;
      size_t end = at;
      while (end > array.elements.back().begin &&
             absl::ascii_isspace(static_cast<unsigned char>(text[end - 1]))) {
        --end;
      }
      array.elements.back().end = end;
      open = false;
    };
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n') ++line;
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (depth == 1 && value_next && c != ']' && c != ',' &&
          !absl::ascii_isspace(static_cast<unsigned char>(c))) {
        array.elements.push_back({.begin = i, .end = i, .line = line});
        open = true;
        value_next = false;
      }
      if (depth == 1 && c == ',') {
        close(i);
        value_next = true;
      }
      if (c == '"') in_string = true;
      if (c == '{' || c == '[') {
        if (depth == 0 && c == '[') value_next = true;
        if (++depth > kMaxJsonDepth) {
          return absl::InvalidArgumentError(absl::StrCat(
              path, " is not a JSON array of profiles: it nests deeper than ",
              kMaxJsonDepth, " levels (line ", line, ")"));
        }
      }
      if (c == '}' || c == ']') {
        if (depth == 1 && c == ']') close(i);
        --depth;
      }
    }
  }
  // The whole text is checked as JSON (nothing is built), and an array.
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '[' ||
      !nlohmann::json::accept(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a JSON array of profiles"));
  }
  return array;
}

}  // namespace import_file_internal

namespace {

// The known column closest to `name` (edit distance at most 3), or "".
std::string Nearest(const std::string& name,
                    const std::vector<std::string>& columns) {
  std::string best;
  size_t best_distance = 4;
  for (const std::string& c : columns) {
    std::vector<size_t> row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= name.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diagonal + (name[i - 1] == c[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    if (row[c.size()] < best_distance) {
      best_distance = row[c.size()];
      best = c;
    }
  }
  return best;
}

struct FileState {
  bool regular = false;
  int64_t size = 0;
  int64_t modified_ns = 0;
};

std::optional<FileState> StateOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileState{
      .regular = S_ISREG(st.st_mode),
      .size = static_cast<int64_t>(st.st_size),
      .modified_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                     st.st_mtim.tv_nsec};
}

}  // namespace

// One of the three kinds of file, read from where the last call stopped.
using import_file_internal::CsvImportRow;
using import_file_internal::CsvLines;
using import_file_internal::CsvRow;
using import_file_internal::IsBlankRow;
using import_file_internal::JsonArray;
using import_file_internal::JsonLines;
using import_file_internal::ReadJsonArray;

class ImportReader::Source {
 public:
  explicit Source(const std::string& path) : path_(path) {}

  // Opens the file and reads what comes before the rows (a CSV's header; a
  // JSON array whole).
  absl::Status Open() {
    if (absl::EndsWith(path_, ".csv")) {
      csv_ = std::make_unique<CsvLines>(path_);
      RETURN_IF_ERROR(csv_->Open());
      std::vector<CsvRow> first;
      RETURN_IF_ERROR(csv_->Read(1, first));
      if (first.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(path_, " is empty"));
      }
      header_ = std::move(first.front().second);
      for (const std::string& h : header_) names_.push_back(ColumnName(h));
      return absl::OkStatus();
    }
    if (absl::EndsWith(path_, ".jsonl")) {
      lines_ = std::make_unique<JsonLines>(path_);
      return lines_->Open();
    }
    if (absl::EndsWith(path_, ".json")) {
      std::ifstream in(path_);
      if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path_));
      ASSIGN_OR_RETURN(array_, ReadJsonArray(in, path_));
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": use a .csv, .json or .jsonl file"));
  }

  const std::vector<std::string>& header() const { return header_; }
  // A JSON array's rows (its text held since Open).
  size_t held() const { return array_.elements.size(); }

  // Reads the rest of the file through, counting its rows without making
  // them (a CSV's cells are not put in columns).
  absl::StatusOr<size_t> CountRest() {
    size_t count = 0;
    if (csv_ != nullptr) {
      std::vector<CsvRow> read;
      do {
        read.clear();
        RETURN_IF_ERROR(csv_->Read(4096, read));
        count += static_cast<size_t>(absl::c_count_if(
            read, [](const CsvRow& r) { return !IsBlankRow(r.second); }));
      } while (!read.empty());
      return count;
    }
    std::vector<ImportRow> rows;
    do {
      rows.clear();
      RETURN_IF_ERROR(Next(4096, rows));
      count += rows.size();
    } while (!rows.empty());
    return count;
  }

  // Appends up to `max` more rows to `rows`.
  absl::Status Next(size_t max, std::vector<ImportRow>& rows) {
    if (csv_ != nullptr) {
      std::vector<CsvRow> read;
      while (rows.size() < max) {
        read.clear();
        RETURN_IF_ERROR(csv_->Read(max - rows.size(), read));
        if (read.empty()) break;
        for (CsvRow& r : read) {
          std::optional<ImportRow> row = CsvImportRow(names_, std::move(r));
          if (row.has_value()) rows.push_back(std::move(*row));
        }
      }
      return absl::OkStatus();
    }
    if (lines_ != nullptr) return lines_->Read(max, rows);
    while (rows.size() < max && next_ < array_.elements.size()) {
      const JsonArray::Element& e = array_.elements[next_++];
      ImportRow row;
      row.line = e.line;
      row.element = static_cast<int>(next_);  // from 1
      row.json = array_.text.substr(e.begin, e.end - e.begin);
      rows.push_back(std::move(row));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::unique_ptr<CsvLines> csv_;
  std::vector<std::string> header_;
  std::vector<std::string> names_;  // ColumnName of each header cell
  std::unique_ptr<JsonLines> lines_;
  JsonArray array_;  // a JSON array's text, its elements given from next_
  size_t next_ = 0;
};

ImportReader::ImportReader(std::string path, std::unique_ptr<Source> source)
    : path_(std::move(path)), source_(std::move(source)) {}

ImportReader::~ImportReader() = default;

absl::StatusOr<std::unique_ptr<ImportReader>> ImportReader::Open(
    const std::string& path) {
  // Read twice (a pipe cannot be): first through, to find whether the
  // whole file can be read and count its rows, then a few rows at a time.
  const std::optional<FileState> state = StateOf(path);
  if (!state.has_value()) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  if (!state->regular) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     " is not a file (raa reads it twice: save it as a "
                     "file first)"));
  }
  // Both readings open it now: a file saved over it meanwhile (a new one
  // in its place) is not read half from each.
  auto again = std::make_unique<Source>(path);
  RETURN_IF_ERROR(again->Open());
  std::unique_ptr<ImportReader> reader(new ImportReader(path, nullptr));
  reader->size_ = state->size;
  reader->modified_ns_ = state->modified_ns;
  reader->header_ = again->header();
  if (absl::EndsWith(path, ".json")) {
    // Held whole already: the same source serves the rows.
    reader->row_count_ = again->held();
    reader->source_ = std::move(again);
    return reader;
  }
  Source first(path);
  RETURN_IF_ERROR(first.Open());
  ASSIGN_OR_RETURN(reader->row_count_, first.CountRest());
  RETURN_IF_ERROR(reader->Unchanged());
  reader->source_ = std::move(again);
  return reader;
}

absl::Status ImportReader::Unchanged() const {
  const std::optional<FileState> now = StateOf(path_);
  if (now.has_value() && now->size == size_ &&
      now->modified_ns == modified_ns_ && given_ <= row_count_) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path_, " changed while it was read (it had ", row_count_,
      row_count_ == 1 ? " row" : " rows",
      " at first): nothing after that point is read; save the file, then "
      "run the import again (rows stored before are found, not stored "
      "twice)"));
}

absl::Status ImportReader::Next(size_t max, std::vector<ImportRow>& rows) {
  rows.clear();
  RETURN_IF_ERROR(Unchanged());
  absl::Status read = source_->Next(std::max<size_t>(max, 1), rows);
  given_ += rows.size();
  // A row more than counted, or the end before them all: not the file
  // that was checked. Nothing of this call is given out, and (given_ past
  // the count) no later call gives anything either.
  if (read.ok() &&
      (given_ > row_count_ || (rows.empty() && given_ < row_count_))) {
    given_ = row_count_ + 1;
    read = Unchanged();
  }
  if (!read.ok()) rows.clear();
  return read;
}

absl::StatusOr<ImportFile> ReadImportFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<ImportReader> reader,
                   ImportReader::Open(path));
  ImportFile file;
  file.header = reader->header();
  std::vector<ImportRow> rows;
  for (;;) {
    RETURN_IF_ERROR(reader->Next(4096, rows));
    if (rows.empty()) break;
    std::move(rows.begin(), rows.end(), std::back_inserter(file.rows));
  }
  return file;
}

absl::Status CheckHeader(const std::vector<std::string>& header,
                         const RecordFields& fields) {
  return CheckHeader(header, fields.Columns(), fields.RequiredColumns());
}

absl::Status CheckHeader(const std::vector<std::string>& header,
                         const std::vector<std::string>& columns,
                         const std::vector<std::string>& required) {
  constexpr absl::string_view kNotUtf8 =
      "is not UTF-8 text: save the file as CSV UTF-8 (a spreadsheet's \"Save "
      "as\" offers it)";
  FieldErrors errors;
  // UTF-16 (what a spreadsheet's "Unicode Text" saves: NULs between the
  // letters) is the whole file's problem: said once, not as unknown columns.
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].find('\0') != std::string::npos) {
      errors.Add(absl::StrCat("column ", i + 1), kNotUtf8);
      return errors.ToStatus();
    }
  }
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = ColumnName(header[i]);
    std::string where = absl::StrCat("column ", i + 1, " ", Quoted(header[i]));
    if (!IsValidUtf8(header[i])) {
      errors.Add(where, kNotUtf8);
      continue;
    }
    if (name.empty()) {
      errors.Add(where, "has no name: give every column a header");
      continue;
    }
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
      std::string near = Nearest(name, columns);
      errors.Add(where, absl::StrCat("is not a column raa knows",
                                     near.empty() ? "" : "; did you mean ",
                                     near, near.empty() ? "" : "?"));
      continue;
    }
    auto [it, inserted] = seen.emplace(name, i);
    if (!inserted) {
      errors.Add(where, absl::StrCat("repeats column ", it->second + 1));
    }
  }
  for (const std::string& column : required) {
    if (!seen.contains(column)) {
      errors.Add(column, "is required and missing from the header");
    }
  }
  return errors.ToStatus();
}

}  // namespace raa
