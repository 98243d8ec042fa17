// Report figures as raa shows them, in the CLI, the HTML report and the web
// console alike: whole numbers and tenths, rounded half up (146.5 days is
// "147", 45.25% is "45.3%"), as published statistics round; printf's "%.0f"
// rounds a half to even ("146").
//
//   WholeText(146.5);             // "147"
//   TenthsText(45.25);            // "45.3"
//   FigureText(146.5, "days");    // "147 days"
//   FigureText(45.25, "percent"); // "45.3%"
//   FigureText(12, "count");      // "12"
//
// Pure and thread-safe.
#ifndef RAAMATCH_CLIENTS_LIB_FIGURES_H_
#define RAAMATCH_CLIENTS_LIB_FIGURES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace raa {

// `value` to the nearest whole number, a half away from zero; "-" for a
// value that is not a number or infinite.
std::string WholeText(double value);

// `value` to one decimal place, a half away from zero: "0.0", "-1.5"; "-"
// as WholeText.
std::string TenthsText(double value);

// `value` in its indicator unit: days "147 days", percent "45.3%", anything
// else a whole number.
std::string FigureText(double value, absl::string_view unit);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_FIGURES_H_
