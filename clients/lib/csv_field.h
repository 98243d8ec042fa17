// One field of a CSV file that people open in a spreadsheet: quoted as RFC
// 4180 needs, and kept as text where a spreadsheet would run it as a
// formula. Every CSV raa and raa-web write goes through it.
#ifndef RAAMATCH_CLIENTS_LIB_CSV_FIELD_H_
#define RAAMATCH_CLIENTS_LIB_CSV_FIELD_H_

#include <string>

#include "absl/strings/string_view.h"

namespace raa {

// `text` as a CSV field: a leading = + @ tab or carriage return (or a - not
// starting a number) gets a leading ' (a spreadsheet then shows it as
// text, not a formula: free text such as a payment reference is typed by
// another member); then quoted, with quotes doubled, when it holds a comma,
// quote or line break.
std::string CsvField(absl::string_view text);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_CSV_FIELD_H_
