// How a budget's percent is written, for people.
#ifndef RAAMATCH_COMMON_BUDGET_TEXT_H_
#define RAAMATCH_COMMON_BUDGET_TEXT_H_

#include <string>

namespace raa {

// A budget's percent as people read it: "87%", and "over 9,999%" past that
// (a budget of a penny, or of nothing, with fees committed: the server
// answers the most an int32 holds). The server's overdue lines and both
// clients say it the same way.
std::string FormatBudgetPercent(int percent);

}  // namespace raa

#endif  // RAAMATCH_COMMON_BUDGET_TEXT_H_
