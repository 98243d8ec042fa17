// ListOverdue's computation on hand-made facts and a fixed today: each
// timescale's start and stop, working days, within_days, worst first, and
// the filter.
#include "services/journey/overdue.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/dates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/registry_rows.h"

namespace raa {
namespace {

using Day = absl::CivilDay;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Day kToday(2026, 11, 2);  // a Monday

JourneyRecord Child(int64_t row, std::map<int, Day> milestones,
                    int status = v1::CHILD_STATUS_WAITING) {
  JourneyRecord r;
  r.record_kind = kMilestoneOfChild;
  r.authority_id = "sheffield";
  r.row = row;
  r.status = status;
  r.milestones = std::move(milestones);
  return r;
}

JourneyRecord Household(int64_t row, std::map<int, Day> milestones,
                        int status = v1::ADOPTER_STATUS_APPROVED) {
  JourneyRecord r = Child(row, std::move(milestones), status);
  r.record_kind = kMilestoneOfHousehold;
  r.authority_id = "leeds";
  return r;
}

// "timescale record days_late" of each item.
std::vector<std::string> Items(const JourneyFacts& facts, int within = 0,
                               const v1::Timescales& t = DefaultTimescales()) {
  std::vector<std::string> out;
  for (const v1::OverdueItem& i :
       ComputeOverdue(facts, t, BankHolidays(), kToday, within,
                      [](const JourneyRecord&) { return true; })) {
    out.push_back(absl::StrCat(i.timescale(), " ", i.record(),
                               i.link().empty() ? "" : " ", i.link(), " ",
                               i.days_late()));
  }
  return out;
}

TEST(OverdueTest, InitialPackDueTwentyWorkingDaysAfterItWasSent) {
  JourneyFacts facts;
  // Sent Monday 5 October 2026: due Monday 2 November (20 working days).
  facts.records.push_back(
      Child(1, {{v1::MILESTONE_KIND_INITIAL_PACK_SENT, Day(2026, 10, 5)}}));
  EXPECT_THAT(Items(facts), ElementsAre("initial_pack_completed "
                                        "authorities/sheffield/children/c1 0"));
  // Received: nothing is due.
  facts.records[0].milestones[v1::MILESTONE_KIND_COMPLETED_PACK_RECEIVED] =
      Day(2026, 10, 20);
  EXPECT_THAT(Items(facts), IsEmpty());
}

TEST(OverdueTest, WithinDaysAddsWhatFallsDueSoon) {
  JourneyFacts facts;
  // Sent 12 October: due 9 November, 7 days from today.
  facts.records.push_back(
      Child(1, {{v1::MILESTONE_KIND_INITIAL_PACK_SENT, Day(2026, 10, 12)}}));
  EXPECT_THAT(Items(facts, 6), IsEmpty());
  EXPECT_THAT(Items(facts, 7),
              ElementsAre("initial_pack_completed "
                          "authorities/sheffield/children/c1 -7"));
}

TEST(OverdueTest, NationalRegisterForAWaitingChildWithNoLink) {
  JourneyFacts facts;
  facts.records.push_back(
      Child(1, {{v1::MILESTONE_KIND_SHOBPA_DECISION, Day(2026, 6, 1)},
                {v1::MILESTONE_KIND_PLACEMENT_ORDER, Day(2026, 7, 1)}}));
  // From the placement order: due 1 October, 32 days late.
  EXPECT_THAT(Items(facts),
              ElementsAre("national_register_child "
                          "authorities/sheffield/children/c1 32"));
  // Without an order, from the SHOBPA decision.
  facts.records[0].milestones.erase(v1::MILESTONE_KIND_PLACEMENT_ORDER);
  EXPECT_THAT(Items(facts), ElementsAre("national_register_child "
                                        "authorities/sheffield/children/c1 "
                                        "62"));
  // An open link holds the child; a closed one does not.
  JourneyLink link;
  link.id = 4;
  link.child_authority = "sheffield";
  link.child_row = 1;
  link.state = v1::LINK_STATE_CLOSED;
  facts.links.push_back(link);
  EXPECT_THAT(Items(facts), ::testing::SizeIs(1));
  facts.links[0].state = v1::LINK_STATE_OPEN;
  EXPECT_THAT(Items(facts), IsEmpty());
  // Closed because the plan changed away from adoption: not waiting for a
  // family, so not due on the register; a later link that closes for
  // another reason (the plan back to adoption) makes it due again.
  facts.links[0].state = v1::LINK_STATE_CLOSED;
  facts.links[0].close_reason = v1::CLOSE_REASON_PLAN_CHANGED;
  facts.links[0].closed_on = Day(2026, 9, 1);
  EXPECT_THAT(Items(facts), IsEmpty());
  // A link closed before the plan changed does not bring it back, whatever
  // its id ...
  JourneyLink other = facts.links[0];
  other.id = 9;
  other.close_reason = v1::CLOSE_REASON_HOUSEHOLD_WITHDREW;
  other.closed_on = Day(2026, 8, 1);
  facts.links.push_back(other);
  EXPECT_THAT(Items(facts), IsEmpty());
  // ... one that closed after it does.
  facts.links[1].closed_on = Day(2026, 10, 1);
  EXPECT_THAT(Items(facts), ::testing::SizeIs(1));
}

TEST(OverdueTest, LinkStepsAfterPanelAndPlacement) {
  JourneyFacts facts;
  facts.records.push_back(Child(1, {}, v1::CHILD_STATUS_LINKED));
  JourneyLink link;
  link.id = 7;
  link.child_authority = "sheffield";
  link.child_row = 1;
  link.state = v1::LINK_STATE_OPEN;
  link.steps = {{v1::LINK_STEP_OPENED, Day(2026, 9, 1)},
                {v1::LINK_STEP_PANEL_RECOMMENDED, Day(2026, 10, 20)}};
  facts.links.push_back(link);
  // The ADM was due 7 days after the panel: 27 October.
  EXPECT_THAT(Items(facts),
              ElementsAre("adm_after_panel authorities/sheffield/children/c1 "
                          "links/l7 6"));
  // Placed 1 September... (a link's steps as the links record them)
  facts.links[0].steps[v1::LINK_STEP_MATCH_DECIDED] = Day(2026, 8, 1);
  facts.links[0].steps[v1::LINK_STEP_PLACED] = Day(2026, 8, 10);
  // Annex A due 7 September (56 late), the order application 26 October (7).
  EXPECT_THAT(
      Items(facts),
      ElementsAre("annex_a authorities/sheffield/children/c1 links/l7 56",
                  "order_application authorities/sheffield/children/c1 "
                  "links/l7 7"));
  facts.records[0].milestones[v1::MILESTONE_KIND_ANNEX_A_REPORT] =
      Day(2026, 8, 20);
  facts.links[0].steps[v1::LINK_STEP_ORDER_APPLIED] = Day(2026, 10, 1);
  EXPECT_THAT(Items(facts), IsEmpty());
}

TEST(OverdueTest, HouseholdStagesDecisionAndRegister) {
  JourneyFacts facts;
  // Stage one from 1 August: two months, due 1 October (32 late).
  facts.records.push_back(
      Household(1, {{v1::MILESTONE_KIND_STAGE_ONE_START, Day(2026, 8, 1)}},
                v1::ADOPTER_STATUS_STAGE_ONE));
  // Stage two from 1 June (four months: due 1 October) with the report on
  // Friday 23 October (5 working days: due Friday 30 October).
  facts.records.push_back(Household(
      2,
      {{v1::MILESTONE_KIND_STAGE_TWO_START, Day(2026, 6, 1)},
       {v1::MILESTONE_KIND_PROSPECTIVE_ADOPTER_REPORT, Day(2026, 10, 23)}},
      v1::ADOPTER_STATUS_STAGE_TWO));
  // Approved 1 July, still unmatched: due on the register 1 October.
  facts.records.push_back(
      Household(3, {{v1::MILESTONE_KIND_APPROVAL, Day(2026, 7, 1)}}));
  // Matched: nothing due.
  facts.records.push_back(
      Household(4, {{v1::MILESTONE_KIND_APPROVAL, Day(2026, 7, 1)}},
                v1::ADOPTER_STATUS_MATCHED));
  EXPECT_THAT(
      Items(facts),
      ElementsAre(
          "stage_one authorities/leeds/adopters/h1 32",
          "stage_two authorities/leeds/adopters/h2 32",
          "national_register_household authorities/leeds/adopters/h3 32",
          "decision_after_par authorities/leeds/adopters/h2 3"));
}

TEST(OverdueTest, ReviewActionsOfTheLatestReviewUntilDone) {
  JourneyFacts facts;
  facts.records.push_back(Child(1, {}, v1::CHILD_STATUS_LINKED));
  v1::TrackingReview review;
  v1::ReviewAction* a = review.add_actions();
  a->set_description("update the child permanence report");
  *a->mutable_due_date() = ToDate(Day(2026, 10, 30));
  v1::ReviewAction* done = review.add_actions();
  done->set_description("refer to the regional adoption agency");
  *done->mutable_due_date() = ToDate(Day(2026, 10, 1));
  *done->mutable_done_on() = ToDate(Day(2026, 10, 1));
  facts.reviews[{"sheffield", 1}] = review;
  EXPECT_THAT(
      Items(facts),
      ElementsAre("review_actions authorities/sheffield/children/c1 3"));
}

TEST(OverdueTest, DisabledTimescalesAndTheFilter) {
  JourneyFacts facts;
  facts.records.push_back(
      Child(1, {{v1::MILESTONE_KIND_INITIAL_PACK_SENT, Day(2026, 9, 1)}}));
  facts.records.push_back(
      Household(2, {{v1::MILESTONE_KIND_APPROVAL, Day(2026, 7, 1)}}));
  v1::Timescales t = DefaultTimescales();
  for (v1::Timescale& one : *t.mutable_timescales()) {
    if (one.id() == kInitialPackCompleted) one.set_enabled(false);
  }
  EXPECT_THAT(Items(facts, 0, t),
              ElementsAre("national_register_household "
                          "authorities/leeds/adopters/h2 32"));
  std::vector<v1::OverdueItem> sheffield_only = ComputeOverdue(
      facts, DefaultTimescales(), BankHolidays(), kToday, 0,
      [](const JourneyRecord& r) { return r.authority_id == "sheffield"; });
  ASSERT_EQ(sheffield_only.size(), 1u);
  EXPECT_EQ(sheffield_only[0].authority(), "authorities/sheffield");
  EXPECT_EQ(sheffield_only[0].due_date().day(), 29);  // 29 September
}

}  // namespace
}  // namespace raa
