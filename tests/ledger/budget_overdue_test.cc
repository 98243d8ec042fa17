// Budget warnings in ListOverdue (issue 9) through an in-process server: a
// member's budget at 75% or more committed or forecast shows as an
// inter_agency_budget item to its finance officers and to managers, and to
// nobody else; a finance officer's key sees no child's or household's item.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using LedgerStub = v1::LedgerService::Stub;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

google::type::Money Pounds(int64_t pounds) {
  google::type::Money m;
  m.set_currency_code("GBP");
  m.set_units(pounds);
  return m;
}

// "£1,234.56".
std::string PoundsText(const google::type::Money& m) {
  const int64_t pence = m.units() * 100 + m.nanos() / 10'000'000;
  std::string units = absl::StrCat(pence / 100);
  std::string grouped;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) grouped += ',';
    grouped += units[i];
  }
  return absl::StrFormat("£%s.%02d", grouped, pence % 100);
}

class BudgetOverdueTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    ledger_ = v1::LedgerService::NewStub(channel_);
    AddMember("leicester", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    leicester_registrar_ = NewKey("leicester", {v1::ROLE_REGISTRAR});
    leicester_finder_ = NewKey("leicester", {v1::ROLE_FAMILY_FINDER});
    leicester_finance_ = NewKey("leicester", {v1::ROLE_FINANCE});
    leeds_registrar_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
    leeds_finance_ = NewKey("leeds", {v1::ROLE_FINANCE});
    // Leicester children: one placed with a Leeds household (a fee
    // committed in 2026-27), one matched with another (in the forecast).
    LinkTo(
        AddChild(leicester_registrar_, "leicester", ChildProfile({84})).name(),
        AddAdopter(leeds_registrar_, "leeds", ApprovedHousehold(1, 48, 120))
            .name(),
        v1::LINK_STEP_PLACED);
    LinkTo(
        AddChild(leicester_registrar_, "leicester", ChildProfile({90})).name(),
        AddAdopter(leeds_registrar_, "leeds", ApprovedHousehold(1, 48, 120))
            .name(),
        v1::LINK_STEP_MATCH_DECIDED);
  }

  void TearDown() override {
    ledger_.reset();
    InProcessServerTest::TearDown();
  }

  void SetBudget(const std::string& authority, int64_t pounds) {
    v1::SetBudgetRequest request;
    request.set_authority("authorities/" + authority);
    request.set_financial_year(2026);
    *request.mutable_amount() = Pounds(pounds);
    request.set_request_id(NextRequestId());
    v1::Budget budget;
    ASSERT_THAT(
        Call(*ledger_, &LedgerStub::SetBudget, manager_, request, &budget),
        IsOk());
  }

  v1::Budget GetBudget(const std::string& authority) {
    v1::GetBudgetRequest request;
    request.set_authority("authorities/" + authority);
    request.set_financial_year(2026);
    v1::Budget budget;
    EXPECT_THAT(
        Call(*ledger_, &LedgerStub::GetBudget, manager_, request, &budget),
        IsOk());
    return budget;
  }

  std::vector<v1::OverdueItem> Overdue(const std::string& key,
                                       const std::string& authority = "") {
    v1::ListOverdueRequest request;
    request.set_authority(authority);
    request.set_within_days(365);
    request.set_page_size(1000);
    v1::ListOverdueResponse response;
    EXPECT_THAT(Journey(&JourneyStub::ListOverdue, key, request, &response),
                IsOk());
    return {response.items().begin(), response.items().end()};
  }

  static std::vector<std::string> BudgetItemsOf(
      const std::vector<v1::OverdueItem>& items) {
    std::vector<std::string> out;
    for (const v1::OverdueItem& i : items) {
      if (i.timescale() == "inter_agency_budget") out.push_back(i.record());
    }
    return out;
  }

  std::unique_ptr<LedgerStub> ledger_;
  std::string leicester_registrar_;
  std::string leicester_finder_;
  std::string leicester_finance_;
  std::string leeds_registrar_;
  std::string leeds_finance_;
};

TEST_F(BudgetOverdueTest,
       ABudgetNearlySpentWarnsItsFinanceOfficersAndManagers) {
  // The fee of one child placed with an LA's household, against a budget
  // for a little more than it: committed at about 90%, forecast over 100%.
  v1::Budget before = GetBudget("leicester");
  const int64_t committed = before.committed().units();
  ASSERT_GT(committed, 0) << "no fee accrued on the placement";
  SetBudget("leicester", committed * 10 / 9);
  SetBudget("leeds", 1'000'000);
  v1::Budget budget = GetBudget("leicester");
  ASSERT_GE(budget.committed_percent(), 75);

  std::vector<v1::OverdueItem> finance = Overdue(leicester_finance_);
  // A finance officer sees its budget warning and nothing of the journey.
  ASSERT_EQ(finance.size(), 1u);
  const v1::OverdueItem& warning = finance[0];
  EXPECT_EQ(warning.record(), "authorities/leicester");
  EXPECT_EQ(warning.authority(), "authorities/leicester");
  EXPECT_EQ(warning.timescale(), "inter_agency_budget");
  EXPECT_EQ(warning.days_late(), 0);
  EXPECT_EQ(warning.due_date().year(), 2026);
  EXPECT_EQ(warning.due_date().month(), 11);
  EXPECT_EQ(warning.due_date().day(), 1);
  EXPECT_EQ(warning.description(),
            absl::StrFormat(
                "Inter-agency budget 2026-27: %d%% committed (%s "
                "of %s); forecast %d%%",
                budget.committed_percent(), PoundsText(budget.committed()),
                PoundsText(budget.amount()), budget.forecast_percent()));
  EXPECT_GT(budget.forecast_percent(), 100);
  // Naming its own member is the same; naming another is refused.
  EXPECT_EQ(Overdue(leicester_finance_, "authorities/leicester").size(), 1u);
  v1::ListOverdueRequest other;
  other.set_authority("authorities/leeds");
  v1::ListOverdueResponse refused;
  EXPECT_THAT(
      Journey(&JourneyStub::ListOverdue, leicester_finance_, other, &refused),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED));

  // Managers see it among the rest.
  EXPECT_THAT(BudgetItemsOf(Overdue(manager_)),
              ::testing::ElementsAre("authorities/leicester"));
  EXPECT_THAT(BudgetItemsOf(Overdue(manager_, "authorities/leeds")), IsEmpty());
  // Leeds' finance officer: its own budget is far from spent.
  EXPECT_THAT(Overdue(leeds_finance_), IsEmpty());
  // Registrars and family finders see the journey's items, never a budget.
  std::vector<v1::OverdueItem> registrar = Overdue(leicester_registrar_);
  EXPECT_THAT(registrar, Not(IsEmpty()));
  EXPECT_THAT(BudgetItemsOf(registrar), IsEmpty());
  EXPECT_THAT(BudgetItemsOf(Overdue(leicester_finder_)), IsEmpty());
  EXPECT_THAT(BudgetItemsOf(Overdue(leeds_registrar_)), IsEmpty());
}

TEST_F(BudgetOverdueTest, ForecastAloneWarnsAndNoBudgetNeverDoes) {
  // No budget set: no warning, whatever is committed.
  EXPECT_THAT(Overdue(leicester_finance_), IsEmpty());
  EXPECT_THAT(BudgetItemsOf(Overdue(manager_)), IsEmpty());
  // A budget the fee committed uses less than 75% of, but the matched
  // link's fee would take over 75%.
  v1::Budget before = GetBudget("leicester");
  const int64_t forecast = before.forecast().units();
  ASSERT_GT(forecast, before.committed().units())
      << "the matched link is not in the forecast";
  SetBudget("leicester", forecast);  // forecast at 100%
  v1::Budget budget = GetBudget("leicester");
  ASSERT_LT(budget.committed_percent(), 75);
  ASSERT_EQ(budget.forecast_percent(), 100);
  EXPECT_THAT(BudgetItemsOf(Overdue(leicester_finance_)),
              ::testing::ElementsAre("authorities/leicester"));
  // Raised well clear of both: the warning is gone.
  SetBudget("leicester", forecast * 2);
  EXPECT_THAT(Overdue(leicester_finance_), IsEmpty());
}

}  // namespace
}  // namespace raa::test
