// ReportService end to end on the in-process server: history written into
// the store's tables (history.h, for dates the link RPCs would refuse as
// fixtures) or recorded through JourneyService, then the scorecard, the
// waiting report and the forecast over gRPC, with their validation and who
// may read which.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/report.grpc.pb.h"
#include "tests/reports/history.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using absl::CivilDay;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class ReportServiceTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    reports_ = v1::ReportService::NewStub(channel_);
    history_ = std::make_unique<History>(dir_.File("raamatch.db"));
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    sheffield_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
    // Sheffield: one child adopted in 2023-26 (A1 500, A2 150 days), one
    // waiting since an order 200 days ago, hidden from Leeds.
    adopted_ =
        RowIdOf(AddChild(sheffield_, "sheffield", ChildProfile({84})).name());
    history_->Milestone(0, "sheffield", adopted_,
                        v1::MILESTONE_KIND_ENTERED_CARE, CivilDay(2023, 1, 1));
    history_->Milestone(0, "sheffield", adopted_,
                        v1::MILESTONE_KIND_PLACEMENT_ORDER,
                        CivilDay(2023, 3, 1));
    history_->Link("sheffield", adopted_, "sheffield", 1,
                   v1::PLACEMENT_KIND_ADOPTIVE, v1::LINK_STATE_ADOPTED,
                   {{v1::LINK_STEP_OPENED, CivilDay(2023, 6, 1)},
                    {v1::LINK_STEP_MATCH_DECIDED, CivilDay(2023, 3, 1) + 150},
                    {v1::LINK_STEP_PLACED, CivilDay(2023, 1, 1) + 500},
                    {v1::LINK_STEP_ORDER_APPLIED, CivilDay(2024, 7, 1)},
                    {v1::LINK_STEP_ORDER_GRANTED, CivilDay(2024, 11, 1)}});
    history_->SetChildStatus(adopted_, v1::CHILD_STATUS_ADOPTED);
    v1::Child hidden = ChildProfile({30, 40, 50});
    hidden.add_hidden_from("leeds");
    waiting_ = RowIdOf(AddChild(sheffield_, "sheffield", hidden).name());
    history_->Milestone(0, "sheffield", waiting_,
                        v1::MILESTONE_KIND_PLACEMENT_ORDER,
                        CivilDay(2026, 11, 1) - 200);
    AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, 120));
  }

  grpc::Status Scorecard(const std::string& key, const std::string& authority,
                         int year, int windows, v1::Scorecard* out) {
    v1::GetScorecardRequest request;
    request.set_authority(authority);
    request.set_year_ending(year);
    request.set_windows(windows);
    return Call(*reports_, &v1::ReportService::Stub::GetScorecard, key, request,
                out);
  }

  static const v1::Indicator& Find(const v1::ScorecardWindow& w,
                                   const std::string& id) {
    for (const v1::Indicator& i : w.indicators()) {
      if (i.id() == id) return i;
    }
    ADD_FAILURE() << "no " << id;
    return w.indicators(0);
  }

  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<History> history_;
  std::string sheffield_, leeds_, finder_;
  int64_t adopted_ = 0, waiting_ = 0;
};

TEST_F(ReportServiceTest, AMembersScorecardFromItsRecordedDates) {
  v1::Scorecard card;
  ASSERT_THAT(Scorecard(sheffield_, "authorities/sheffield", 2026, 3, &card),
              IsOk());
  ASSERT_EQ(card.windows_size(), 3);
  const v1::ScorecardWindow& w = card.windows(2);
  EXPECT_EQ(w.start().year(), 2023);
  EXPECT_EQ(w.end().year(), 2026);
  const v1::Indicator& a1 = Find(w, "a1_care_to_placement_days");
  EXPECT_EQ(a1.code(), "A1");
  EXPECT_EQ(a1.value(), 500);
  EXPECT_EQ(a1.threshold(), 426);
  EXPECT_FALSE(a1.met());
  const v1::Indicator& a2 = Find(w, "a2_order_to_match_days");
  EXPECT_EQ(a2.value(), 150);
  EXPECT_EQ(a2.threshold(), 121);
  EXPECT_FALSE(a2.met());
  EXPECT_EQ(Find(w, "a3_placed_within_426_days").value(), 0);
  EXPECT_EQ(card.as_of().year(), 2026);
  EXPECT_EQ(card.rankings_size(), 0);
}

TEST_F(ReportServiceTest, TheConsortiumViewRanksEveryMember) {
  v1::Scorecard card;
  ASSERT_THAT(Scorecard(manager_, "authorities/-", 2026, 1, &card), IsOk());
  EXPECT_EQ(card.authority(), "authorities/-");
  ASSERT_GT(card.rankings_size(), 0);
  const v1::MemberRanking& a1 = card.rankings(0);
  EXPECT_EQ(a1.code(), "A1");
  ASSERT_EQ(a1.members_size(), 2);  // the hub is not ranked
  EXPECT_EQ(a1.members(0).authority(), "authorities/sheffield");
  EXPECT_EQ(a1.members(0).rank(), 1);
  EXPECT_FALSE(a1.members(1).has_value());
  // A family finder may see the consortium view too.
  EXPECT_THAT(Scorecard(finder_, "authorities/-", 2026, 1, &card), IsOk());
}

TEST_F(ReportServiceTest, WhoMayReadWhichReports) {
  v1::Scorecard card;
  // Its own: any role. Another member's: a manager only.
  EXPECT_THAT(Scorecard(leeds_, "authorities/leeds", 2026, 1, &card), IsOk());
  EXPECT_THAT(Scorecard(leeds_, "authorities/sheffield", 2026, 1, &card),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Scorecard(finder_, "authorities/sheffield", 2026, 1, &card),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Scorecard(manager_, "authorities/sheffield", 2026, 1, &card),
              IsOk());
  // The consortium: not a registrar.
  EXPECT_THAT(Scorecard(leeds_, "authorities/-", 2026, 1, &card),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(Scorecard(manager_, "authorities/nowhere", 2026, 1, &card),
              StatusIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(ReportServiceTest, BadRequestsNameEachField) {
  v1::Scorecard card;
  grpc::Status s = Scorecard(manager_, "sheffield", 1999, 11, &card);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s),
              UnorderedElementsAre("authority", "year_ending", "windows"));
  s = Scorecard(manager_, "authorities/sheffield", 2027, 1, &card);
  EXPECT_THAT(ViolationFields(s), ElementsAre("year_ending"));  // future
  v1::WaitingReport report;
  s = Call(*reports_, &v1::ReportService::Stub::GetWaitingReport, manager_,
           v1::GetWaitingReportRequest(), &report);
  EXPECT_THAT(ViolationFields(s), ElementsAre("authority"));
}

TEST_F(ReportServiceTest, WaitingReportAndBarriers) {
  v1::GetWaitingReportRequest request;
  request.set_authority("authorities/sheffield");
  v1::WaitingReport report;
  ASSERT_THAT(Call(*reports_, &v1::ReportService::Stub::GetWaitingReport,
                   sheffield_, request, &report),
              IsOk());
  ASSERT_GE(report.children_size(), 7);
  EXPECT_EQ(report.children(0).group(), "all");
  EXPECT_EQ(report.children(0).waiting(), 1);
  EXPECT_EQ(report.children(0).mean_days(), 200);
  EXPECT_EQ(report.children(0).eligible_households(), 0);
  EXPECT_THAT(report.barriers(),
              ::testing::Contains(::testing::HasSubstr(
                  "1 sibling groups of 3 or more waiting; 0")));
  ASSERT_GE(report.households_size(), 1);
  EXPECT_EQ(report.households(0).waiting(), 1);
}

TEST_F(ReportServiceTest, ForecastListsOnlyChildrenTheCallerMaySee) {
  v1::GetForecastRequest request;
  request.set_authority("authorities/-");
  v1::Forecast forecast;
  ASSERT_THAT(Call(*reports_, &v1::ReportService::Stub::GetForecast, manager_,
                   request, &forecast),
              IsOk());
  ASSERT_EQ(forecast.authorities_size(), 2);
  const v1::AuthorityForecast& sheffield = forecast.authorities(1);
  EXPECT_EQ(sheffield.authority(), "authorities/sheffield");
  ASSERT_EQ(sheffield.windows_size(), 2);
  ASSERT_EQ(sheffield.children_size(), 1);
  EXPECT_EQ(sheffield.children(0).days_since_order(), 200);
  EXPECT_TRUE(sheffield.children(0).pulls_over());  // 200 > 121 alone
  // Leeds' family finder: the same figures, not the hidden child.
  ASSERT_THAT(Call(*reports_, &v1::ReportService::Stub::GetForecast, finder_,
                   request, &forecast),
              IsOk());
  EXPECT_EQ(forecast.authorities(1).children_size(), 0);
  // Sheffield's finance officer: its own figures, and no child named (a
  // finance key reads no child's records; stop 41's probe saw them).
  const std::string finance = NewKey("sheffield", {v1::ROLE_FINANCE});
  request.set_authority("authorities/sheffield");
  ASSERT_THAT(Call(*reports_, &v1::ReportService::Stub::GetForecast, finance,
                   request, &forecast),
              IsOk());
  ASSERT_EQ(forecast.authorities_size(), 1);
  EXPECT_EQ(forecast.authorities(0).windows_size(), 2);
  EXPECT_EQ(forecast.authorities(0).children_size(), 0);
  ASSERT_THAT(Call(*reports_, &v1::ReportService::Stub::GetForecast, sheffield_,
                   request, &forecast),
              IsOk());
  EXPECT_EQ(forecast.authorities(0).children_size(), 1);
}

// The whole journey through JourneyService, then the scorecard: an
// early-permanence child moved in as a foster placement before the match,
// so A10 stops its clock there while A1 runs to the match (the placement
// for adoption), and A2 runs from the placement order to the match.
TEST_F(ReportServiceTest, AJourneyRecordedThroughLinksIsScored) {
  v1::Child child = ChildProfile({84});
  child.set_early_permanence(v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION);
  *child.mutable_journey()->mutable_entered_care() = MakeDate(2023, 2, 1);
  *child.mutable_journey()->mutable_shobpa_decision() = MakeDate(2023, 4, 1);
  *child.mutable_journey()->mutable_placement_order() = MakeDate(2023, 6, 1);
  const std::string name = AddChild(leeds_, "leeds", child).name();
  v1::Adopter household =
      ApprovedOn(ApprovedHousehold(1, 0, 120), CivilDay(2023, 1, 16));
  household.set_dual_approved(true);
  const std::string adopter = AddAdopter(leeds_, "leeds", household).name();

  v1::OpenLinkRequest open;
  open.set_child(name);
  open.set_adopter(adopter);
  *open.mutable_opened_on() = MakeDate(2023, 5, 1);
  open.set_placement_kind(v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION);
  open.set_request_id("open");
  v1::Link link;
  ASSERT_THAT(Journey(&JourneyStub::OpenLink, finder_, open, &link), IsOk());
  const std::pair<v1::LinkStep, CivilDay> steps[] = {
      {v1::LINK_STEP_LINKING_MEETING, CivilDay(2023, 5, 10)},
      {v1::LINK_STEP_PAPERS_TO_PANEL, CivilDay(2023, 6, 10)},
      {v1::LINK_STEP_PANEL_RECOMMENDED, CivilDay(2023, 7, 1)},
      {v1::LINK_STEP_MATCH_DECIDED, CivilDay(2023, 7, 5)},
      {v1::LINK_STEP_PLACED, CivilDay(2023, 5, 20)},  // the foster placement
      {v1::LINK_STEP_ORDER_APPLIED, CivilDay(2023, 9, 1)},
      {v1::LINK_STEP_ORDER_GRANTED, CivilDay(2024, 1, 10)}};
  for (const auto& [step, day] : steps) {
    v1::AdvanceLinkRequest advance;
    advance.set_name(link.name());
    advance.set_step(step);
    *advance.mutable_date() =
        MakeDate(static_cast<int>(day.year()), day.month(), day.day());
    advance.set_request_id(absl::StrCat("step-", step));
    ASSERT_THAT(Journey(&JourneyStub::AdvanceLink, leeds_, advance, &link),
                IsOk())
        << v1::LinkStep_Name(step);
  }
  EXPECT_EQ(link.state(), v1::LINK_STATE_ADOPTED);

  v1::Scorecard card;
  ASSERT_THAT(Scorecard(leeds_, "authorities/leeds", 2026, 1, &card), IsOk());
  ASSERT_EQ(card.windows_size(), 1);
  const v1::ScorecardWindow& w = card.windows(0);
  EXPECT_EQ(Find(w, "a1_care_to_placement_days").value(),
            CivilDay(2023, 7, 5) - CivilDay(2023, 2, 1));
  EXPECT_EQ(Find(w, "a10_care_to_placement_days_foster_start").value(),
            CivilDay(2023, 5, 20) - CivilDay(2023, 2, 1));
  EXPECT_EQ(Find(w, "a2_order_to_match_days").value(),
            CivilDay(2023, 7, 5) - CivilDay(2023, 6, 1));
  EXPECT_EQ(Find(w, "a1_care_to_placement_days").count(), 1);
}

// Who was waiting on a 31 March is what was true that day: a child due for
// a match since its SHOBPA decision (its order came later), a placement
// that disrupted after the day (matched then) or before it (waiting again).
TEST_F(ReportServiceTest, WaitingOn31MarchIsWhatWasTrueThatDay) {
  AddMember("york", "north-yorkshire");
  const std::string york = NewKey("york", {v1::ROLE_REGISTRAR});
  auto child = [&](std::optional<CivilDay> shobpa,
                   std::optional<CivilDay> order, int siblings) {
    std::vector<int> ages(siblings, 40);
    const int64_t row =
        RowIdOf(AddChild(york, "york", ChildProfile(ages)).name());
    if (shobpa.has_value()) {
      history_->Milestone(0, "york", row, v1::MILESTONE_KIND_SHOBPA_DECISION,
                          *shobpa);
    }
    if (order.has_value()) {
      history_->Milestone(0, "york", row, v1::MILESTONE_KIND_PLACEMENT_ORDER,
                          *order);
    }
    return row;
  };
  // Only a SHOBPA decision on 31 March 2026; the order came after it.
  child(CivilDay(2025, 6, 1), CivilDay(2026, 5, 1), 1);
  // Three siblings with an order; one child with a decision alone.
  child(std::nullopt, CivilDay(2025, 10, 1), 3);
  child(CivilDay(2025, 5, 1), std::nullopt, 1);
  // Matched in November 2024 and placed; the placement disrupted on
  // 2025-05-01, after the 2025 count and before the 2026 one. Its
  // household was approved in 2024.
  const int64_t disrupted = child(std::nullopt, CivilDay(2024, 10, 1), 1);
  const int64_t household = RowIdOf(
      AddAdopter(york, "york",
                 ApprovedOn(ApprovedHousehold(1, 0, 120), CivilDay(2024, 1, 1)))
          .name());
  history_->Link("york", disrupted, "york", household,
                 v1::PLACEMENT_KIND_ADOPTIVE, v1::LINK_STATE_CLOSED,
                 {{v1::LINK_STEP_OPENED, CivilDay(2024, 10, 10)},
                  {v1::LINK_STEP_MATCH_DECIDED, CivilDay(2024, 11, 5)},
                  {v1::LINK_STEP_PLACED, CivilDay(2024, 11, 20)}},
                 v1::CLOSE_REASON_DISRUPTION, "2025-05-01");
  // A household approved in January 2025 and never matched.
  AddAdopter(york, "york",
             ApprovedOn(ApprovedHousehold(1, 0, 120), CivilDay(2025, 1, 1)));

  v1::Scorecard card;
  ASSERT_THAT(Scorecard(york, "authorities/york", 2026, 2, &card), IsOk());
  ASSERT_EQ(card.windows_size(), 2);
  // 31 March 2025: the disrupted child and its household were matched; the
  // household approved in January was waiting.
  EXPECT_EQ(Find(card.windows(0), "a9_children_waiting_31_march").value(), 0);
  EXPECT_EQ(Find(card.windows(0), "a11_households_waiting_31_march").value(),
            1);
  // 31 March 2026: 1 + 3 + 1 + the disrupted child; both households.
  EXPECT_EQ(Find(card.windows(1), "a9_children_waiting_31_march").value(), 6);
  EXPECT_EQ(Find(card.windows(1), "a11_households_waiting_31_march").value(),
            2);
}

}  // namespace
}  // namespace raa::test
