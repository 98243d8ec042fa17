#include "clients/lib/import_file.h"

#include <csv.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

absl::StatusOr<std::vector<ImportRow>> ReadCsv(std::istream& in,
                                               const std::string& path) {
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
      std::string why = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", collector.line, ": ", why));
    }
  }
  if (csv_fini(&parser, CsvCollector::OnField, CsvCollector::OnRow,
               &collector) != 0) {
    std::string why = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    return absl::InvalidArgumentError(
        absl::StrCat(path, " line ", collector.line, ": ", why));
  }
  csv_free(&parser);
  if (collector.rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  }
  std::vector<std::string> header = collector.rows.front().second;
  for (std::string& h : header) {
    h = absl::AsciiStrToLower(absl::StripAsciiWhitespace(h));
  }
  std::vector<ImportRow> rows;
  for (size_t r = 1; r < collector.rows.size(); ++r) {
    const auto& [start, cells] = collector.rows[r];
    if (cells.size() == 1 && absl::StripAsciiWhitespace(cells[0]).empty()) {
      continue;  // a blank line
    }
    ImportRow row;
    row.line = start;
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " line ", start, ": ", cells.size(),
                       " cells; the header has ", header.size()));
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!header[i].empty()) row.fields[header[i]] = cells[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<ImportRow>> ReadJsonLines(std::istream& in) {
  std::vector<ImportRow> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) StripByteOrderMark(line);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    rows.push_back({number, {}, line});
  }
  return rows;
}

absl::StatusOr<std::vector<ImportRow>> ReadJsonArray(std::istream& in,
                                                     const std::string& path) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  StripByteOrderMark(text);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a JSON array of profiles"));
  }
  std::vector<ImportRow> rows;
  // nlohmann does not keep positions: find each element's line by scanning
  // for the objects at depth 1.
  std::vector<int> lines;
  {
    const std::string& s = text;
    int depth = 0, line = 1;
    bool in_string = false, escaped = false;
    for (char c : s) {
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
      if (c == '"') in_string = true;
      if (c == '{' || c == '[') {
        if (depth == 1 && c == '{') lines.push_back(line);
        ++depth;
      }
      if (c == '}' || c == ']') --depth;
    }
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    rows.push_back({i < lines.size() ? lines[i] : 0, {}, doc[i].dump()});
  }
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<ImportRow>> ReadImportFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  if (absl::EndsWith(path, ".csv")) return ReadCsv(in, path);
  if (absl::EndsWith(path, ".jsonl")) return ReadJsonLines(in);
  if (absl::EndsWith(path, ".json")) return ReadJsonArray(in, path);
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": use a .csv, .json or .jsonl file"));
}

}  // namespace raa
