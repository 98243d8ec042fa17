#include "clients/lib/import_file.h"

#include <csv.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/utf8.h"
#include "nlohmann/json.hpp"

namespace raa {
namespace {

// Spreadsheets save "CSV UTF-8" with a byte-order mark: not part of the data.
void StripByteOrderMark(std::string& text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
}

// Collects libcsv's callbacks into rows, noting the line each row starts on.
struct CsvCollector {
  int line = 0;
  int row_start = 0;
  std::vector<std::string> cells;
  std::vector<std::pair<int, std::vector<std::string>>> rows;

  static void OnField(void* data, size_t len, void* self) {
    auto* c = static_cast<CsvCollector*>(self);
    if (c->cells.empty()) c->row_start = c->line;
    c->cells.emplace_back(static_cast<const char*>(data), len);
  }
  static void OnRow(int, void* self) {
    auto* c = static_cast<CsvCollector*>(self);
    c->rows.emplace_back(c->row_start, std::move(c->cells));
    c->cells.clear();
  }
};

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

absl::StatusOr<ImportFile> ReadCsv(std::istream& in, const std::string& path) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::InternalError("cannot start the CSV parser");
  }
  CsvCollector collector;
  std::string line;
  while (std::getline(in, line)) {
    ++collector.line;
    // Spreadsheets save "CSV UTF-8" with a byte-order mark: not a column.
    if (collector.line == 1) StripByteOrderMark(line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line += '\n';
    if (csv_parse(&parser, line.data(), line.size(), CsvCollector::OnField,
                  CsvCollector::OnRow, &collector) != line.size()) {
      std::string why = CsvErrorText(csv_error(&parser));
      csv_free(&parser);
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", collector.line, ": ", why));
    }
  }
  if (csv_fini(&parser, CsvCollector::OnField, CsvCollector::OnRow,
               &collector) != 0) {
    std::string why = CsvErrorText(csv_error(&parser));
    csv_free(&parser);
    return absl::InvalidArgumentError(
        absl::StrCat(path, " line ", collector.line, ": ", why));
  }
  csv_free(&parser);
  if (collector.rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  }
  ImportFile file;
  file.header = collector.rows.front().second;
  std::vector<std::string> names;
  for (const std::string& h : file.header) names.push_back(ColumnName(h));
  for (size_t r = 1; r < collector.rows.size(); ++r) {
    const auto& [start, cells] = collector.rows[r];
    bool blank = true;
    for (const std::string& c : cells) {
      blank &= absl::StripAsciiWhitespace(c).empty();
    }
    if (blank) continue;  // a blank line, or a row of empty cells
    ImportRow row;
    row.line = start;
    // Spreadsheets often leave empty cells after the last column: only
    // cells with something in them count against the header.
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
      if (!names[i].empty()) row.fields[names[i]] = cells[i];
    }
    file.rows.push_back(std::move(row));
  }
  return file;
}

absl::StatusOr<ImportFile> ReadJsonLines(std::istream& in) {
  ImportFile file;
  std::vector<ImportRow>& rows = file.rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) StripByteOrderMark(line);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    ImportRow row;
    row.line = number;
    row.json = line;
    rows.push_back(std::move(row));
  }
  return file;
}

// A profile nests a few levels deep; a file nesting deeper than this is not
// one, and is refused before it is parsed (printing or freeing a document
// nested tens of thousands deep recurses once a level).
constexpr int kMaxJsonDepth = 64;

absl::StatusOr<ImportFile> ReadJsonArray(std::istream& in,
                                         const std::string& path) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  StripByteOrderMark(text);
  // nlohmann does not keep positions: find the line each element of the
  // array starts on (whatever it is: an object, or a number where one
  // should be) by scanning for the values at depth 1, and how deep the file
  // nests.
  std::vector<int> lines;
  {
    int depth = 0, line = 1;
    bool in_string = false, escaped = false;
    bool value_next = false;  // at depth 1, after '[' or ','
    for (char c : text) {
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
        lines.push_back(line);
        value_next = false;
      }
      if (depth == 1 && c == ',') value_next = true;
      if (c == '"') in_string = true;
      if (c == '{' || c == '[') {
        if (depth == 0 && c == '[') value_next = true;
        if (++depth > kMaxJsonDepth) {
          return absl::InvalidArgumentError(absl::StrCat(
              path, " is not a JSON array of profiles: it nests deeper than ",
              kMaxJsonDepth, " levels (line ", line, ")"));
        }
      }
      if (c == '}' || c == ']') --depth;
    }
  }
  nlohmann::json doc = nlohmann::json::parse(text, nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a JSON array of profiles"));
  }
  ImportFile file;
  std::vector<ImportRow>& rows = file.rows;
  for (size_t i = 0; i < doc.size(); ++i) {
    ImportRow row;
    row.line = i < lines.size() ? lines[i] : 0;
    row.element = static_cast<int>(i) + 1;
    row.json = doc[i].dump();
    rows.push_back(std::move(row));
  }
  return file;
}

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

}  // namespace

absl::StatusOr<ImportFile> ReadImportFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  if (absl::EndsWith(path, ".csv")) return ReadCsv(in, path);
  if (absl::EndsWith(path, ".jsonl")) return ReadJsonLines(in);
  if (absl::EndsWith(path, ".json")) return ReadJsonArray(in, path);
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": use a .csv, .json or .jsonl file"));
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
