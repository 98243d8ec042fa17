#include "clients/lib/csv_field.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace raa {

std::string CsvField(absl::string_view text) {
  bool formula = false;
  if (!text.empty()) {
    const char c = text[0];
    double number = 0;
    formula = c == '=' || c == '+' || c == '@' || c == '\t' || c == '\r' ||
              (c == '-' && !absl::SimpleAtod(text, &number));
  }
  const std::string cell = absl::StrCat(formula ? "'" : "", text);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace raa
