// The scorecard, waiting report and forecast on hand-worked fixtures: the
// pure functions of services/reports over plain facts (no store, no clock).
#include "services/reports/scorecard.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/common.pb.h"
#include "services/reports/facts.h"
#include "services/reports/forecast.h"
#include "services/reports/waiting.h"

namespace raa::reports {
namespace {

using ::testing::Optional;

// A single child of `authority` adopted through an adoptive link.
ChildFacts Adopted(Day entered, std::optional<Day> order, Day matched,
                   Day placed, Day granted, std::string authority = "a") {
  ChildFacts c;
  c.authority_id = authority;
  c.row = 1;
  c.status = v1::CHILD_STATUS_ADOPTED;
  c.members = {MemberFacts{}};
  c.ages_as_of = entered;
  c.entered_care = entered;
  c.placement_order = order;
  c.matched = matched;
  c.match_spells = {{.from = matched, .until = std::nullopt}};
  c.placed = placed;
  c.order_applied = placed + 77;
  c.order_granted = granted;
  return c;
}

const v1::Indicator& Find(const std::vector<v1::Indicator>& all,
                          const std::string& id) {
  for (const v1::Indicator& i : all) {
    if (i.id() == id) return i;
  }
  static const v1::Indicator* const none = new v1::Indicator;
  ADD_FAILURE() << "no indicator " << id;
  return *none;
}

std::optional<double> ValueOf(const std::vector<v1::Indicator>& all,
                              const std::string& id) {
  const v1::Indicator& i = Find(all, id);
  if (!i.has_value()) return std::nullopt;
  return i.value();
}

TEST(ScorecardTest, ThresholdsAreTheSeedsPerWindow) {
  EXPECT_FALSE(ThresholdFor(2012).has_value());
  EXPECT_EQ(ThresholdFor(2013)->a1_days, 639);
  EXPECT_EQ(ThresholdFor(2013)->a2_days, 213);
  EXPECT_EQ(ThresholdFor(2014)->a1_days, 568);
  EXPECT_EQ(ThresholdFor(2014)->a2_days, 182);
  EXPECT_EQ(ThresholdFor(2015)->a1_days, 497);
  EXPECT_EQ(ThresholdFor(2015)->a2_days, 152);
  EXPECT_EQ(ThresholdFor(2016)->a1_days, 426);
  EXPECT_EQ(ThresholdFor(2026)->a2_days, 121);
}

TEST(ScorecardTest, WindowIsFirstAprilToThirtyFirstMarch) {
  Window w = WindowEnding(2026);
  EXPECT_EQ(w.start, Day(2023, 4, 1));
  EXPECT_EQ(w.end, Day(2026, 3, 31));
  EXPECT_EQ(YearEndingOn(Day(2026, 3, 31)), 2026);
  EXPECT_EQ(YearEndingOn(Day(2026, 4, 1)), 2027);
}

TEST(ScorecardTest, A1A2A3OnAHandWorkedPair) {
  Facts f;
  // 300 days care -> moved in; order 2024-01-01, matched 100 days later.
  f.children.push_back(Adopted(Day(2023, 6, 1), Day(2024, 1, 1),
                               Day(2024, 4, 10), Day(2023, 6, 1) + 300,
                               Day(2025, 1, 10)));
  // 500 days; matched 10 days BEFORE the order: A2 counts 0.
  f.children.push_back(Adopted(Day(2022, 1, 1), Day(2023, 5, 1),
                               Day(2023, 4, 21), Day(2022, 1, 1) + 500,
                               Day(2024, 2, 1)));
  auto ind = ComputeWindow(f, 2026);
  EXPECT_THAT(ValueOf(ind, "a1_care_to_placement_days"), Optional(400.0));
  EXPECT_THAT(ValueOf(ind, "a2_order_to_match_days"), Optional(50.0));
  EXPECT_THAT(ValueOf(ind, "a3_placed_within_426_days"), Optional(1.0));
  EXPECT_THAT(ValueOf(ind, "a3_placed_within_426_days_percent"),
              Optional(50.0));
  const v1::Indicator& a1 = Find(ind, "a1_care_to_placement_days");
  EXPECT_EQ(a1.code(), "A1");
  EXPECT_EQ(a1.threshold(), 426);
  EXPECT_TRUE(a1.met());  // 400 <= 426
  const v1::Indicator& a2 = Find(ind, "a2_order_to_match_days");
  EXPECT_EQ(a2.threshold(), 121);
  EXPECT_TRUE(a2.met());
  EXPECT_THAT(Find(ind, "a3_placed_within_426_days").title(),
              ::testing::HasSubstr("19 months"));
}

TEST(ScorecardTest, ChildWithNoOrderIsLeftOutOfA2ButCountsInA1) {
  Facts f;
  f.children.push_back(Adopted(Day(2023, 6, 1), std::nullopt, Day(2024, 4, 10),
                               Day(2024, 5, 1), Day(2025, 1, 10)));
  auto ind = ComputeWindow(f, 2026);
  EXPECT_EQ(Find(ind, "a2_order_to_match_days").count(), 0);
  EXPECT_FALSE(Find(ind, "a2_order_to_match_days").has_value());
  EXPECT_FALSE(Find(ind, "a2_order_to_match_days").met());
  EXPECT_EQ(Find(ind, "a1_care_to_placement_days").count(), 1);
}

TEST(ScorecardTest, PlacedButNotAdoptedCountsOnlyOnceTheOrderIsGranted) {
  Facts f;
  ChildFacts c = Adopted(Day(2023, 6, 1), Day(2024, 1, 1), Day(2024, 9, 1),
                         Day(2024, 10, 1), Day(2025, 1, 10));
  c.order_granted.reset();
  c.status = v1::CHILD_STATUS_PLACED;
  f.children.push_back(c);
  auto ind = ComputeWindow(f, 2026);
  EXPECT_EQ(Find(ind, "a1_care_to_placement_days").count(), 0);
  EXPECT_EQ(Find(ind, "a2_order_to_match_days").count(), 0);
  EXPECT_EQ(Find(ind, "a4_adoptions_from_care").count(), 0);
}

TEST(ScorecardTest, WindowBoundariesAreThirtyFirstMarchAndFirstApril) {
  Facts f;
  f.children.push_back(Adopted(Day(2022, 1, 1), Day(2023, 1, 1),
                               Day(2023, 2, 1), Day(2023, 3, 1),
                               Day(2026, 3, 31)));  // last day of 2023-26
  f.children.push_back(Adopted(Day(2022, 1, 1), Day(2023, 1, 1),
                               Day(2023, 2, 1), Day(2023, 3, 1),
                               Day(2026, 4, 1)));  // first day of 2024-27
  f.children.push_back(Adopted(Day(2022, 1, 1), Day(2023, 1, 1),
                               Day(2023, 2, 1), Day(2023, 3, 1),
                               Day(2023, 4, 1)));  // first day of 2023-26
  f.children.push_back(Adopted(Day(2022, 1, 1), Day(2023, 1, 1),
                               Day(2023, 2, 1), Day(2023, 3, 1),
                               Day(2023, 3, 31)));  // last day of 2020-23
  EXPECT_EQ(Find(ComputeWindow(f, 2026), "a4_adoptions_from_care").count(), 2);
  EXPECT_EQ(Find(ComputeWindow(f, 2027), "a4_adoptions_from_care").count(), 2);
  EXPECT_EQ(Find(ComputeWindow(f, 2023), "a4_adoptions_from_care").count(), 1);
}

TEST(ScorecardTest, A10StopsTheClockAtTheFosterPlacement) {
  Facts f;
  // Fostering for adoption: moved in as a foster placement 100 days after
  // entering care; the match (when it became an adoptive placement) 250
  // days after.
  ChildFacts c =
      Adopted(Day(2023, 6, 1), Day(2023, 8, 1), Day(2023, 6, 1) + 250,
              Day(2023, 6, 1) + 100, Day(2024, 6, 1));
  c.early_permanence = true;
  f.children.push_back(c);
  // An ordinary adoption: both stop at the placement.
  f.children.push_back(Adopted(Day(2023, 1, 1), Day(2023, 3, 1),
                               Day(2023, 5, 1), Day(2023, 1, 1) + 200,
                               Day(2024, 6, 1)));
  auto ind = ComputeWindow(f, 2026);
  EXPECT_THAT(ValueOf(ind, "a1_care_to_placement_days"), Optional(225.0));
  EXPECT_THAT(ValueOf(ind, "a10_care_to_placement_days_foster_start"),
              Optional(150.0));
  EXPECT_EQ(Find(ind, "a10_care_to_placement_days_foster_start").code(), "A10");
}

TEST(ScorecardTest, SiblingGroupsCountEachChild) {
  Facts f;
  ChildFacts group = Adopted(Day(2023, 1, 1), Day(2023, 2, 1), Day(2023, 3, 1),
                             Day(2023, 1, 1) + 600, Day(2024, 6, 1));
  group.members = {MemberFacts{}, MemberFacts{}, MemberFacts{}};
  f.children.push_back(group);
  f.children.push_back(Adopted(Day(2023, 1, 1), Day(2023, 2, 1),
                               Day(2023, 3, 1), Day(2023, 1, 1) + 200,
                               Day(2024, 6, 1)));
  auto ind = ComputeWindow(f, 2026);
  EXPECT_THAT(ValueOf(ind, "a1_care_to_placement_days"), Optional(500.0));
  EXPECT_EQ(Find(ind, "a4_adoptions_from_care").count(), 4);
}

// Age when they moved in, however long after the profile's ages were given.
TEST(ScorecardTest, AgedFiveOrOverCountsTheAgeWhenTheChildMovedIn) {
  Facts f;
  auto adopted_aged = [](int months, Day ages_as_of) {
    ChildFacts c = Adopted(Day(2023, 1, 1), Day(2023, 2, 1), Day(2023, 3, 1),
                           Day(2024, 1, 10), Day(2024, 6, 1));
    c.members = {MemberFacts{}};
    c.members[0].age_months = months;
    c.ages_as_of = ages_as_of;
    return c;
  };
  // Written on 2026-12-05, 34 months and some days after it moved in
  // (2024-01-10): 62 months then, 27 when it moved in (at the youngest).
  f.children.push_back(adopted_aged(62, Day(2026, 12, 5)));
  // 95 months then: 60 when it moved in.
  f.children.push_back(adopted_aged(95, Day(2026, 12, 5)));
  // 60 months on the day it moved in: counted; 60 a day or a month later:
  // 59 then.
  f.children.push_back(adopted_aged(60, Day(2024, 1, 10)));
  f.children.push_back(adopted_aged(60, Day(2024, 1, 11)));
  f.children.push_back(adopted_aged(60, Day(2024, 2, 10)));
  // Written before it moved in: 50 months on 2023-01-01, 62 then.
  f.children.push_back(adopted_aged(50, Day(2023, 1, 1)));
  auto ind = ComputeWindow(f, 2026);
  EXPECT_THAT(ValueOf(ind, "age_5_plus_adoptions"), Optional(3.0));

  ChildFacts one = adopted_aged(2, Day(2026, 12, 5));
  EXPECT_EQ(one.EldestAgeMonthsOn(Day(2024, 1, 10)), 0) << "never below 0";
}

TEST(ScorecardTest, AdopterMeasuresAndFamiliesWaiting) {
  Facts f;
  HouseholdFacts h;
  h.authority_id = "a";
  h.status = v1::ADOPTER_STATUS_PLACED;
  h.registered = Day(2024, 1, 1);
  h.applied = Day(2024, 3, 1);
  h.approved = Day(2024, 9, 1);
  h.matched = Day(2024, 12, 1);  // exactly 3 months: waited 3+ months
  h.match_spells = {{.from = *h.matched, .until = std::nullopt}};
  f.households.push_back(h);
  HouseholdFacts w = h;
  w.status = v1::ADOPTER_STATUS_APPROVED;
  w.matched = Day(2024, 10, 1);
  w.match_spells = {{.from = *w.matched, .until = std::nullopt}};
  f.households.push_back(w);
  HouseholdFacts waiting = h;
  waiting.status = v1::ADOPTER_STATUS_APPROVED;
  waiting.matched.reset();
  waiting.match_spells.clear();
  f.households.push_back(waiting);
  auto ind = ComputeWindow(f, 2025);
  EXPECT_THAT(ValueOf(ind, "adopter_registration_to_approval_days"),
              Optional(244.0));
  EXPECT_THAT(ValueOf(ind, "adopter_application_to_approval_days"),
              Optional(184.0));
  EXPECT_THAT(ValueOf(ind, "adopter_approval_to_match_days"), Optional(60.5));
  EXPECT_THAT(ValueOf(ind, "a12_matched_households_waited_3_months_percent"),
              Optional(50.0));
  EXPECT_THAT(ValueOf(ind, "a11_households_waiting_31_march"), Optional(1.0));
}

TEST(ScorecardTest, ConsortiumRanksMembersBestFirstNoValueLast) {
  Facts f;
  f.members = {{"a", "A council"}, {"b", "B council"}, {"c", "C council"}};
  f.children.push_back(Adopted(Day(2023, 6, 1), Day(2023, 8, 1),
                               Day(2023, 9, 1), Day(2023, 6, 1) + 500,
                               Day(2025, 1, 1), "a"));
  f.children.push_back(Adopted(Day(2023, 6, 1), Day(2023, 8, 1),
                               Day(2023, 9, 1), Day(2023, 6, 1) + 300,
                               Day(2025, 1, 1), "b"));
  v1::Scorecard card = ComputeScorecard(f, "-", 2026, 3);
  ASSERT_EQ(card.windows_size(), 3);
  EXPECT_EQ(card.windows(2).end().year(), 2026);
  const v1::MemberRanking* a1 = nullptr;
  for (const auto& r : card.rankings()) {
    if (r.indicator_id() == "a1_care_to_placement_days") a1 = &r;
  }
  ASSERT_NE(a1, nullptr);
  ASSERT_EQ(a1->members_size(), 3);
  EXPECT_EQ(a1->members(0).authority(), "authorities/b");
  EXPECT_EQ(a1->members(0).rank(), 1);
  EXPECT_TRUE(a1->members(0).met());
  EXPECT_EQ(a1->members(1).authority(), "authorities/a");
  EXPECT_FALSE(a1->members(1).met());
  EXPECT_EQ(a1->members(2).authority(), "authorities/c");
  EXPECT_FALSE(a1->members(2).has_value());
}

TEST(WaitingTest, GroupsAndBarriers) {
  Facts f;
  const Day today(2026, 11, 1);
  for (int size : {1, 3, 3}) {
    ChildFacts c;
    c.authority_id = "a";
    c.status = v1::CHILD_STATUS_WAITING;
    c.ages_as_of = today;
    MemberFacts m;
    m.age_months = 24;
    c.members.assign(size, m);
    c.placement_order = today - 100 * size;
    f.children.push_back(c);
  }
  HouseholdFacts h;
  h.authority_id = "a";
  h.status = v1::ADOPTER_STATUS_APPROVED;
  h.approved_for = 1;
  h.max_age_months = 60;
  h.approved = today - 30;
  f.households.push_back(h);
  v1::WaitingReport r = ComputeWaitingReport(f, f, "a", today);
  const v1::WaitingGroup* three = nullptr;
  for (const auto& g : r.children()) {
    if (g.group() == "siblings_3_plus") three = &g;
    if (g.group() == "all") {
      EXPECT_EQ(g.waiting(), 3);
      EXPECT_EQ(g.median_days(), 300);
      EXPECT_NEAR(g.mean_days(), 700.0 / 3, 1e-9);
      EXPECT_EQ(g.eligible_households(), 1);
    }
  }
  ASSERT_NE(three, nullptr);
  EXPECT_EQ(three->waiting(), 2);
  EXPECT_EQ(three->eligible_households(), 0);
  EXPECT_THAT(r.barriers(), ::testing::Contains(::testing::HasSubstr(
                                "2 sibling groups of 3 or more waiting; 0")));
  EXPECT_EQ(r.households(0).waiting(), 1);
  EXPECT_EQ(r.households(0).mean_days(), 30);
}

TEST(ForecastTest, PlacedChildrenAndTheLatestMatchDate) {
  const Day today(2026, 11, 1);
  Facts f;
  f.members = {{"a", "A council"}};
  // Placed, not adopted: order applied 2026-10-01; no court history, so
  // the default median: adopted 2026-10-01 + 90 = 2026-12-30 (window
  // 2024-27). A2 = 200 days.
  ChildFacts placed =
      Adopted(Day(2025, 1, 1), Day(2025, 6, 1), Day(2025, 6, 1) + 200,
              Day(2026, 7, 1), Day(2026, 1, 1));
  placed.order_granted.reset();
  placed.order_applied = Day(2026, 10, 1);
  placed.status = v1::CHILD_STATUS_PLACED;
  f.children.push_back(placed);
  // Waiting since an order 50 days ago: matched today, placed after the
  // member's median match -> placement so far (195 days, the placed
  // child's), adopted 77 + 90 days later: 2027-10-29, in the window
  // 2025-28 (which holds the placed child's order too: windows overlap).
  ChildFacts waiting;
  waiting.authority_id = "a";
  waiting.row = 7;
  waiting.status = v1::CHILD_STATUS_WAITING;
  waiting.members = {MemberFacts{}};
  waiting.ages_as_of = today;
  waiting.entered_care = today - 400;
  waiting.placement_order = today - 50;
  f.children.push_back(waiting);
  v1::Forecast fc =
      ComputeForecast(f, "-", today, [](const ChildFacts&) { return true; });
  ASSERT_EQ(fc.authorities_size(), 1);
  const v1::AuthorityForecast& a = fc.authorities(0);
  EXPECT_EQ(a.court_median_days(), kDefaultCourtMedianDays);
  ASSERT_EQ(a.windows_size(), 2);
  EXPECT_EQ(a.windows(0).end().year(), 2027);
  EXPECT_EQ(a.windows(0).indicators(1).value(), 200);  // A2: placed only
  EXPECT_FALSE(a.windows(0).indicators(1).met());
  EXPECT_EQ(a.windows(1).indicators(1).value(), 125);  // (200 + 50) / 2
  ASSERT_EQ(a.children_size(), 1);
  EXPECT_EQ(a.children(0).child(), "authorities/a/children/c7");
  EXPECT_EQ(a.children(0).days_since_order(), 50);
  // (200 + d) / 2 <= 121 for d <= 42: the latest match was 8 days ago.
  Day latest = waiting.placement_order.value() + 42;
  EXPECT_EQ(a.children(0).latest_match_date().day(), latest.day());
  EXPECT_EQ(a.children(0).latest_match_date().month(), latest.month());
  EXPECT_TRUE(a.children(0).pulls_over());
}

TEST(ForecastTest, AloneInItsWindowTheLatestMatchIsOrderPlusThreshold) {
  const Day today(2026, 11, 1);
  Facts f;
  f.members = {{"a", "A council"}};
  ChildFacts waiting;
  waiting.authority_id = "a";
  waiting.status = v1::CHILD_STATUS_WAITING;
  waiting.members = {MemberFacts{}};
  waiting.ages_as_of = today;
  waiting.entered_care = today - 400;
  waiting.placement_order = today - 50;
  f.children.push_back(waiting);
  v1::Forecast fc =
      ComputeForecast(f, "a", today, [](const ChildFacts&) { return true; });
  ASSERT_EQ(fc.authorities(0).children_size(), 1);
  Day latest = today - 50 + 121;
  EXPECT_EQ(fc.authorities(0).children(0).latest_match_date().day(),
            latest.day());
  EXPECT_FALSE(fc.authorities(0).children(0).pulls_over());
  // Hidden from the caller: counted, not listed.
  v1::Forecast hidden =
      ComputeForecast(f, "a", today, [](const ChildFacts&) { return false; });
  EXPECT_EQ(hidden.authorities(0).children_size(), 0);
  EXPECT_EQ(hidden.authorities(0).windows(0).indicators(1).count() +
                hidden.authorities(0).windows(1).indicators(1).count(),
            1);
}

TEST(ForecastTest, AChildWaitingTooLongPullsTheAverageOver) {
  const Day today(2026, 11, 1);
  Facts f;
  f.members = {{"a", "A council"}};
  ChildFacts waiting;
  waiting.authority_id = "a";
  waiting.status = v1::CHILD_STATUS_WAITING;
  waiting.members = {MemberFacts{}};
  waiting.ages_as_of = today;
  waiting.entered_care = today - 900;
  waiting.placement_order = today - 400;
  f.children.push_back(waiting);
  v1::Forecast fc =
      ComputeForecast(f, "a", today, [](const ChildFacts&) { return true; });
  ASSERT_EQ(fc.authorities(0).children_size(), 1);
  EXPECT_TRUE(fc.authorities(0).children(0).pulls_over());
}

}  // namespace
}  // namespace raa::reports
