// The overdue list's budget warnings (services/journey/overdue.h): which
// budgets warn, what the item says, and where it sorts among the rest.
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/ledger.pb.h"
#include "services/journey/overdue.h"

namespace raa {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

google::type::Money Pence(int64_t pence) {
  google::type::Money m;
  m.set_currency_code("GBP");
  m.set_units(pence / 100);
  m.set_nanos(static_cast<int32_t>(pence % 100) * 10'000'000);
  return m;
}

v1::Budget Budget(const std::string& authority, int64_t amount,
                  int64_t committed, int64_t forecast, bool set = true) {
  v1::Budget b;
  b.set_authority(authority);
  b.set_financial_year(2026);
  b.set_set(set);
  *b.mutable_amount() = Pence(amount);
  *b.mutable_committed() = Pence(committed);
  *b.mutable_forecast() = Pence(forecast);
  b.set_committed_percent(
      amount == 0 ? 0 : static_cast<int>(committed * 100 / amount));
  b.set_forecast_percent(
      amount == 0 ? 0 : static_cast<int>(forecast * 100 / amount));
  auto warning = [&](int64_t used) {
    if (used * 100 >= amount * 100) return v1::BUDGET_WARNING_OVER;
    if (used * 100 >= amount * 75) return v1::BUDGET_WARNING_NEAR;
    return v1::BUDGET_WARNING_NONE;
  };
  b.set_committed_warning(warning(committed));
  b.set_forecast_warning(warning(forecast));
  return b;
}

TEST(BudgetWarningsTest, WarnsAt75PercentCommittedOrForecast) {
  const absl::CivilDay today(2026, 11, 1);
  std::vector<v1::Budget> budgets = {
      // Leicester's 2011-12 budget (seed 001), 82% committed.
      Budget("authorities/leicester", 17'770'000, 14'571'400, 18'480'800),
      // Under 75% both ways: nothing.
      Budget("authorities/leeds", 10'000'000, 5'000'000, 7'499'999),
      // Committed low, forecast at exactly 75%.
      Budget("authorities/bradford", 10'000'000, 1'000'000, 7'500'000),
      // No budget set: nothing to warn against.
      Budget("authorities/york", 0, 2'700'000, 2'700'000, false),
  };
  std::vector<v1::OverdueItem> items = BudgetWarnings(budgets, today);
  ASSERT_EQ(items.size(), 2u);
  // By record: bradford, then leicester.
  EXPECT_EQ(items[0].record(), "authorities/bradford");
  EXPECT_EQ(items[0].description(),
            "Inter-agency budget 2026-27: 10% committed (£10,000.00 of "
            "£100,000.00); forecast 75%");
  const v1::OverdueItem& leicester = items[1];
  EXPECT_EQ(leicester.record(), "authorities/leicester");
  EXPECT_EQ(leicester.authority(), "authorities/leicester");
  EXPECT_EQ(leicester.timescale(), "inter_agency_budget");
  EXPECT_EQ(leicester.link(), "");
  EXPECT_EQ(leicester.description(),
            "Inter-agency budget 2026-27: 82% committed (£145,714.00 of "
            "£177,700.00); forecast 104%");
  EXPECT_EQ(leicester.due_date().year(), 2026);
  EXPECT_EQ(leicester.due_date().month(), 11);
  EXPECT_EQ(leicester.due_date().day(), 1);
  EXPECT_EQ(leicester.days_late(), 0);
}

TEST(BudgetWarningsTest, SortAmongTheJourneysItemsByDaysLate) {
  auto item = [](const std::string& record, int late) {
    v1::OverdueItem i;
    i.set_record(record);
    i.set_timescale("annex_a");
    i.set_days_late(late);
    return i;
  };
  std::vector<v1::OverdueItem> budget = BudgetWarnings(
      std::vector<v1::Budget>{Budget("authorities/leicester", 100, 100, 100)},
      absl::CivilDay(2026, 11, 1));
  std::vector<v1::OverdueItem> merged =
      MergeOverdue({item("a", 30), item("b", -5)}, budget);
  std::vector<std::string> records;
  for (const v1::OverdueItem& i : merged) records.push_back(i.record());
  EXPECT_THAT(records, ElementsAre("a", "authorities/leicester", "b"));
  EXPECT_THAT(
      BudgetWarnings(std::vector<v1::Budget>{}, absl::CivilDay(2026, 11, 1)),
      IsEmpty());
}

}  // namespace
}  // namespace raa
