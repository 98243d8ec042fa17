// Ages on the day of the query, and sibling groups that may be placed apart
// (matcher/policy.h, AGES and PLACED APART), on hand-made cases.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "matcher/reasons.h"
#include "tests/matcher/builders.h"

namespace raa::matcher {
namespace {

using ::raa::matcher::testing::AChild;
using ::raa::matcher::testing::AddAuthorities;
using ::raa::matcher::testing::AGroup;
using ::raa::matcher::testing::AHousehold;
using ::raa::matcher::testing::Index;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

int32_t Day(int y, int m, int d) {
  return static_cast<int32_t>(absl::CivilDay(y, m, d) -
                              absl::CivilDay(1970, 1, 1));
}

CandidateIndex::RankOptions On(int32_t day) {
  return {.limit = 20, .min_score = 0, .as_of_day = day};
}

TEST(WholeMonthsTest, CountsCompletedCalendarMonths) {
  EXPECT_EQ(WholeMonthsBetween(Day(2025, 6, 1), Day(2026, 12, 1)), 18);
  EXPECT_EQ(WholeMonthsBetween(Day(2025, 6, 1), Day(2026, 11, 30)), 17);
  EXPECT_EQ(WholeMonthsBetween(Day(2025, 1, 31), Day(2025, 2, 28)), 0);
  EXPECT_EQ(WholeMonthsBetween(Day(2025, 1, 31), Day(2025, 3, 1)), 1);
  EXPECT_EQ(WholeMonthsBetween(Day(2024, 2, 29), Day(2028, 2, 29)), 48);
  EXPECT_EQ(WholeMonthsBetween(Day(2026, 1, 1), Day(2025, 1, 1)), 0);
  EXPECT_EQ(WholeMonthsBetween(Day(1969, 12, 31), Day(1970, 1, 31)), 1);
  EXPECT_EQ(AgeMonthsOn(60, Day(2025, 6, 1), Day(2026, 12, 1)), 78);
  EXPECT_EQ(AgeMonthsOn(60, -1, Day(2026, 12, 1)), 60);
}

// The case: registered on 2025-06-01 aged 60 months, a child is 6y
// 6m on 2026-12-01, and is matched and explained so, with no re-upsert.
TEST(AgesTodayTest, AChildIsMatchedAndExplainedAtTheirAgeToday) {
  CandidateIndex index;
  AddAuthorities(index);
  Household under_six = AHousehold(100);
  under_six.min_age_months = 48;
  under_six.max_age_months = 71;  // up to 5y 11m
  Household older = AHousehold(101);
  older.min_age_months = 72;
  older.max_age_months = 96;
  ASSERT_TRUE(index.UpsertHousehold(under_six).ok());
  ASSERT_TRUE(index.UpsertHousehold(older).ok());
  ChildGroup g = AGroup(1, 60);
  g.ages_as_of_day = Day(2025, 6, 1);
  g.waiting_since_day = Day(2025, 1, 1);
  ASSERT_TRUE(index.UpsertChild(g).ok());
  const MatchingPolicy policy;

  absl::StatusOr<RankResult> then =
      index.RankHouseholds(1, policy, On(Day(2025, 6, 1)));
  ASSERT_TRUE(then.ok());
  ASSERT_EQ(then->candidates.size(), 1u);
  EXPECT_EQ(then->candidates[0].key, 100u);

  absl::StatusOr<RankResult> now =
      index.RankHouseholds(1, policy, On(Day(2026, 12, 1)));
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->candidates.size(), 1u);
  EXPECT_EQ(now->candidates[0].key, 101u);
  EXPECT_EQ(now->excluded[Index(Constraint::kAgeRange)], 1);
  EXPECT_EQ(ReasonText(
                now->candidates[0].components[Index(Component::kAgeFit)].coded),
            "age 6y 6m today within 6y\u20138y");

  absl::StatusOr<PairExplanation> e =
      index.ExplainPair(1, 100, policy, Day(2026, 12, 1));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->eligible);
  EXPECT_EQ(e->constraints[Index(Constraint::kAgeRange)].reason,
            "age 6y 6m today outside 4y\u20135y 11m");
  EXPECT_FALSE(index.ScorePair(1, 100, policy, Day(2026, 12, 1)).has_value());
  EXPECT_TRUE(index.ScorePair(1, 101, policy, Day(2026, 12, 1)).has_value());

  // Family-led search sees the same age.
  absl::StatusOr<RankResult> children =
      index.RankChildren(101, policy, On(Day(2026, 12, 1)));
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->candidates.size(), 1u);
  absl::StatusOr<RankResult> none =
      index.RankChildren(100, policy, On(Day(2026, 12, 1)));
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->candidates, IsEmpty());
}

ChildGroup Siblings(bool apart) {
  ChildGroup g = AGroup(7, 84);
  g.members.push_back(AChild(60, Sex::kMale));
  g.members.push_back(AChild(30));
  g.may_be_placed_apart = apart;
  return g;
}

TEST(PlacedApartTest, AGroupThatMustStayTogetherExcludesSmallerApprovals) {
  CandidateIndex index;
  AddAuthorities(index);
  Household one = AHousehold(100);
  one.max_age_months = 96;
  ASSERT_TRUE(index.UpsertHousehold(one).ok());
  ASSERT_TRUE(index.UpsertChild(Siblings(/*apart=*/false)).ok());
  absl::StatusOr<RankResult> r =
      index.RankHouseholds(7, MatchingPolicy(), testing::Options());
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->candidates, IsEmpty());
  EXPECT_EQ(r->excluded[Index(Constraint::kCapacity)], 1);
}

TEST(PlacedApartTest, AGroupThatMayBePlacedApartIsOfferedToSmallerApprovals) {
  CandidateIndex index;
  AddAuthorities(index);
  Household all = AHousehold(100);  // can take all three
  all.approved_for = 3;
  all.max_age_months = 96;
  Household two = AHousehold(101);  // the same, approved for two
  two.approved_for = 2;
  two.max_age_months = 96;
  Household young = AHousehold(102);  // one child under four
  young.max_age_months = 47;
  Household none = AHousehold(103);  // no child in range
  none.min_age_months = 100;
  none.max_age_months = 120;
  for (const Household& h : {all, two, young, none}) {
    ASSERT_TRUE(index.UpsertHousehold(h).ok());
  }
  ASSERT_TRUE(index.UpsertChild(Siblings(/*apart=*/true)).ok());
  absl::StatusOr<RankResult> r =
      index.RankHouseholds(7, MatchingPolicy(), testing::Options());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 3u);
  // The household that can take every child ranks above the equivalent one
  // that can take two.
  EXPECT_EQ(r->candidates[0].key, 100u);
  EXPECT_THAT(r->candidates[0].members, IsEmpty());
  const RankedCandidate* partial_two = nullptr;
  const RankedCandidate* partial_young = nullptr;
  for (const RankedCandidate& c : r->candidates) {
    if (c.key == 101) partial_two = &c;
    if (c.key == 102) partial_young = &c;
  }
  ASSERT_NE(partial_two, nullptr);
  ASSERT_NE(partial_young, nullptr);
  EXPECT_GT(r->candidates[0].score, partial_two->score);
  EXPECT_THAT(partial_two->members, ElementsAre(0, 1));
  EXPECT_THAT(partial_young->members, ElementsAre(2));
  EXPECT_EQ(
      ReasonText(
          partial_young->components[Index(Component::kCapacityFit)].coded),
      "approved for 1, group of 3: could take child 3 (aged 2y 6m today) of "
      "3; the plan allows the children to be placed apart");
  EXPECT_EQ(
      partial_young->components[Index(Component::kCapacityFit)].fit_permille,
      0);
  // Counts add up: the one household no child fits is excluded by age.
  EXPECT_EQ(r->eligible, 3);
  EXPECT_EQ(r->excluded_total, 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kAgeRange)], 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kCapacity)], 0);

  absl::StatusOr<PairExplanation> e =
      index.ExplainPair(7, 101, MatchingPolicy(), testing::kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->eligible);
  EXPECT_THAT(e->members, ElementsAre(0, 1));
  EXPECT_THAT(e->constraints[Index(Constraint::kCapacity)].reason,
              HasSubstr("could take child 1 (aged 7y 0m today) and child 2 "
                        "(aged 5y 0m today) of 3"));

  // Family-led: the household approved for one finds the group, partly.
  absl::StatusOr<RankResult> children =
      index.RankChildren(102, MatchingPolicy(), testing::Options());
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->candidates.size(), 1u);
  EXPECT_THAT(children->candidates[0].members, ElementsAre(2));
}

}  // namespace
}  // namespace raa::matcher
