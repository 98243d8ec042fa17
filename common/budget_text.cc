#include "common/budget_text.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace raa {

std::string FormatBudgetPercent(int percent) {
  return percent > 9999 ? std::string("over 9,999%")
                        : absl::StrCat(percent, "%");
}

}  // namespace raa
