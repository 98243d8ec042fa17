#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/registry/shipped_lists.h"

namespace raa {

absl::StatusOr<std::vector<std::vector<std::string>>> CsvRows(
    absl::string_view text, size_t columns) {
  std::vector<std::vector<std::string>> rows;
  bool header = true;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripSuffix(line, "\r");
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          fields.back() += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    if (quoted || fields.size() != columns) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected ", columns, " fields"));
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace raa
