// A budget's percent as the overdue lines, raa and the console write it
// (common/budget_text.h).
#include "common/budget_text.h"

#include <climits>

#include "gtest/gtest.h"

namespace raa {
namespace {

TEST(BudgetTextTest, APercentUpToFourDigitsAndBeyondIt) {
  EXPECT_EQ(FormatBudgetPercent(0), "0%");
  EXPECT_EQ(FormatBudgetPercent(87), "87%");
  EXPECT_EQ(FormatBudgetPercent(9999), "9999%");
  // A budget of a penny, or of nothing, with fees committed: the server
  // answers the most an int32 holds.
  EXPECT_EQ(FormatBudgetPercent(10000), "over 9,999%");
  EXPECT_EQ(FormatBudgetPercent(INT_MAX), "over 9,999%");
}

}  // namespace
}  // namespace raa
