#include "clients/lib/figures.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace raa {

std::string WholeText(double value) {
  if (!std::isfinite(value)) return "-";
  return absl::StrCat(std::llround(value));
}

std::string TenthsText(double value) {
  if (!std::isfinite(value)) return "-";
  const int64_t tenths = std::llround(value * 10);
  return absl::StrCat(tenths < 0 ? "-" : "", std::llabs(tenths) / 10, ".",
                      std::llabs(tenths) % 10);
}

std::string FigureText(double value, absl::string_view unit) {
  if (unit == "days") return absl::StrCat(WholeText(value), " days");
  if (unit == "percent") return absl::StrCat(TenthsText(value), "%");
  return WholeText(value);
}

}  // namespace raa
