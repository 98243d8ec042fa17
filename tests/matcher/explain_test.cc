// Plain-English output: formats, exclusion summaries, and the explanation
// carried by every ranked candidate.

#include "matcher/internal/explain.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
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
using ::raa::matcher::testing::kToday;
using ::raa::matcher::testing::Options;

TEST(FormatTest, Ages) {
  EXPECT_EQ(FormatAgeMonths(50), "4y 2m");
  EXPECT_EQ(FormatAgeMonths(24), "2y 0m");
  EXPECT_EQ(FormatAgeMonths(0), "0y 0m");
  EXPECT_EQ(FormatAgeBound(72), "6y");
  EXPECT_EQ(FormatAgeBound(75), "6y 3m");
}

TEST(FormatTest, NamesAreDistinctAndNonEmpty) {
  std::set<absl::string_view> ids;
  for (int i = 0; i < kConstraintCount; ++i) {
    ids.insert(ConstraintId(static_cast<Constraint>(i)));
    for (SearchSide side : {SearchSide::kHouseholds, SearchSide::kChildren}) {
      EXPECT_FALSE(
          ReasonText(ExclusionReason(static_cast<Constraint>(i), side, 1, 2))
              .empty());
    }
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kConstraintCount));
  std::set<absl::string_view> components;
  for (int i = 0; i < kComponentCount; ++i) {
    components.insert(ComponentId(static_cast<Component>(i)));
    EXPECT_FALSE(ComponentName(static_cast<Component>(i)).empty());
  }
  EXPECT_EQ(components.size(), static_cast<size_t>(kComponentCount));
  EXPECT_EQ(NeedCategoryName(NeedCategory::kGlobalDevelopmentalDelay),
            "global developmental delay");
  EXPECT_EQ(NeedLevelName(NeedLevel::kModerate), "moderate");
}

// Every phrase on both sides: tests/matcher/reasons_test.cc.
TEST(SummaryTest, Phrases) {
  auto words = [](Constraint c, SearchSide side, int count, int n) {
    return ReasonText(ExclusionReason(c, side, count, n));
  };
  EXPECT_EQ(words(Constraint::kCapacity, SearchSide::kHouseholds, 41, 3),
            "41 households approved for fewer than 3 children");
  EXPECT_EQ(words(Constraint::kAgeRange, SearchSide::kHouseholds, 2, 3),
            "2 households with a child outside their age range");
  EXPECT_EQ(
      words(Constraint::kChildExcludedRegion, SearchSide::kHouseholds, 1, 1),
      "1 household in a region this child must not be placed in");
  EXPECT_EQ(words(Constraint::kCapacity, SearchSide::kChildren, 1, 2),
            "1 child in groups larger than 2");
}

TEST(ExplainTest, ExclusionLinesReadAsSentences) {
  CandidateIndex index;
  AddAuthorities(index);
  ChildGroup g = AGroup(1, 30);
  g.members.push_back(AChild(20));
  g.members.push_back(AChild(50));
  g.excluded_regions = {"south-yorkshire"};
  ASSERT_TRUE(index.UpsertChild(g).ok());
  uint64_t key = 100;
  for (int i = 0; i < 41; ++i) {
    ASSERT_TRUE(index.UpsertHousehold(AHousehold(key++)).ok());  // for 1
  }
  for (int i = 0; i < 12; ++i) {
    Household h = AHousehold(key++);
    h.approved_for = 3;
    h.max_age_months = 36;
    ASSERT_TRUE(index.UpsertHousehold(h).ok());
  }
  for (int i = 0; i < 3; ++i) {
    Household h = AHousehold(key++);
    h.approved_for = 3;
    h.region = "south-yorkshire";
    ASSERT_TRUE(index.UpsertHousehold(h).ok());
  }
  Household fits = AHousehold(key++);
  fits.approved_for = 4;
  ASSERT_TRUE(index.UpsertHousehold(fits).ok());

  absl::StatusOr<RankResult> r =
      index.RankHouseholds(1, MatchingPolicy(), Options());
  ASSERT_TRUE(r.ok());
  std::vector<std::string> lines;
  for (const ExclusionLine& l : r->exclusions)
    lines.push_back(ReasonText(l.coded));
  EXPECT_THAT(lines, ::testing::ElementsAre(
                         "41 households approved for fewer than 3 children",
                         "12 households with a child outside their age range",
                         "3 households in a region these children must not be "
                         "placed in"));
  EXPECT_EQ(r->eligible, 1);
  EXPECT_EQ(r->excluded_total, 56);
}

TEST(ExplainTest, RankedCandidatesCarryEveryComponent) {
  CandidateIndex index;
  AddAuthorities(index);
  ASSERT_TRUE(index.UpsertChild(AGroup(1)).ok());
  Household h = AHousehold(100);
  h.authority = "bradford";
  ASSERT_TRUE(index.UpsertHousehold(h).ok());
  MatchingPolicy policy;
  absl::StatusOr<RankResult> r = index.RankHouseholds(1, policy, Options());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 1u);
  const RankedCandidate& c = r->candidates[0];
  EXPECT_EQ(c.authority, "bradford");
  for (int i = 0; i < kComponentCount; ++i) {
    EXPECT_EQ(c.components[i].component, static_cast<Component>(i));
    EXPECT_EQ(c.components[i].weight, policy.weights[i]);
    EXPECT_FALSE(ReasonText(c.components[i].coded).empty());
  }
  EXPECT_EQ(ReasonText(c.components[Index(Component::kLocality)].coded),
            "another member authority: inter-agency fee applies");
  EXPECT_EQ(ReasonText(c.components[Index(Component::kCapacityFit)].coded),
            "approved for 1, group of 1");

  // The reverse search explains the same pair the same way.
  absl::StatusOr<RankResult> back = index.RankChildren(100, policy, Options());
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->candidates.size(), 1u);
  EXPECT_EQ(back->candidates[0].key, 1u);
  EXPECT_EQ(back->candidates[0].authority, "leeds");
  EXPECT_EQ(back->candidates[0].score, c.score);
  for (int i = 0; i < kComponentCount; ++i) {
    EXPECT_EQ(ReasonText(back->candidates[0].components[i].coded),
              ReasonText(c.components[i].coded));
    EXPECT_EQ(back->candidates[0].components[i].fit_permille,
              c.components[i].fit_permille);
  }
}

TEST(ExplainTest, ExplainPairPassingReasons) {
  CandidateIndex index;
  AddAuthorities(index);
  ASSERT_TRUE(index.UpsertChild(AGroup(1)).ok());
  ASSERT_TRUE(index.UpsertHousehold(AHousehold(100)).ok());
  index.SetOpenLinks(100, 2);
  absl::StatusOr<PairExplanation> e =
      index.ExplainPair(1, 100, MatchingPolicy(), kToday);
  ASSERT_TRUE(e.ok());
  auto reason = [&](Constraint c) { return e->constraints[Index(c)].reason; };
  EXPECT_EQ(reason(Constraint::kNotAvailable),
            "household available; child waiting");
  EXPECT_EQ(reason(Constraint::kAuthorityWithdrawn),
            "both authorities are members");
  EXPECT_EQ(reason(Constraint::kAgeRange), "age 2y 6m today within 0y\u20135y");
  EXPECT_EQ(reason(Constraint::kNeeds), "no assessed needs");
  EXPECT_EQ(reason(Constraint::kSexPreference), "no sex preference");
  EXPECT_EQ(reason(Constraint::kHouseholdExcludedRegion),
            "child lives in west-yorkshire, which the household would "
            "consider");
  EXPECT_EQ(reason(Constraint::kHiddenFromAuthority),
            "profile is visible to leeds");
  EXPECT_EQ(reason(Constraint::kLinkLimit),
            "holds 2 open links of a maximum 6");
  EXPECT_EQ(e->child_key, 1u);
  EXPECT_EQ(e->household_key, 100u);
}

}  // namespace
}  // namespace raa::matcher
