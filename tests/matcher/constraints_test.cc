// Each hard constraint on a hand-made pair, in both directions, and the
// counting rule (first failing constraint; counts add up).

#include <functional>
#include <ostream>
#include <string>
#include <vector>

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
using ::testing::HasSubstr;

constexpr uint64_t kChild = 1;
constexpr uint64_t kHousehold = 100;

struct ConstraintCase {
  std::string name;
  Constraint constraint;
  std::function<void(Household&, ChildGroup&)> edit;
  std::function<void(CandidateIndex&)> after;  // may be empty
  std::string reason;  // a substring of ExplainPair's reason
};

void PrintTo(const ConstraintCase& c, std::ostream* os) { *os << c.name; }

std::vector<ConstraintCase> Cases() {
  return {
      {"NotAvailable", Constraint::kNotAvailable,
       [](Household& h, ChildGroup&) { h.available = false; }, nullptr,
       "household is on hold"},
      {"AuthorityWithdrawn", Constraint::kAuthorityWithdrawn,
       [](Household& h, ChildGroup&) { h.authority = "bradford"; },
       [](CandidateIndex& index) {
         ASSERT_TRUE(
             index
                 .UpsertAuthority({"bradford", AuthorityKind::kLocalAuthority,
                                   /*withdrawn=*/true})
                 .ok());
       },
       "household's authority bradford has left the consortium"},
      {"Capacity", Constraint::kCapacity,
       [](Household& h, ChildGroup& g) {
         h.approved_for = 1;
         g.members.push_back(AChild(40, Sex::kMale));
       },
       nullptr, "approved for 1, group of 2"},
      {"AgeRange", Constraint::kAgeRange,
       [](Household& h, ChildGroup&) { h.max_age_months = 24; }, nullptr,
       "age 2y 6m today outside 0y\u20132y"},
      {"Needs", Constraint::kNeeds,
       [](Household&, ChildGroup& g) {
         g.members[0].needs[static_cast<int>(NeedCategory::kMedicalCondition)] =
             NeedLevel::kSevere;
       },
       nullptr, "medical condition is severe; would consider up to moderate"},
      {"SexPreference", Constraint::kSexPreference,
       [](Household& h, ChildGroup&) {
         h.sex_preference = SexPreference::kMale;
       },
       nullptr, "would consider boys only; child is a girl"},
      {"ChildExcludedRegion", Constraint::kChildExcludedRegion,
       [](Household&, ChildGroup& g) {
         g.excluded_regions = {"north-yorkshire", "west-yorkshire"};
       },
       nullptr,
       "household lives in west-yorkshire, where this child must not be "
       "placed"},
      {"HouseholdExcludedRegion", Constraint::kHouseholdExcludedRegion,
       [](Household& h, ChildGroup&) {
         h.excluded_regions = {"west-yorkshire"};
       },
       nullptr,
       "child lives in west-yorkshire, which the household would not "
       "consider"},
      {"HiddenFromAuthority", Constraint::kHiddenFromAuthority,
       [](Household& h, ChildGroup& g) {
         h.authority = "bradford";
         g.hidden_from = {"bradford", "never-registered"};
       },
       nullptr, "profile is hidden from bradford"},
      {"LinkLimit", Constraint::kLinkLimit, [](Household&, ChildGroup&) {},
       [](CandidateIndex& index) { index.SetOpenLinks(kHousehold, 6); },
       "holds 6 open links; the policy maximum is 6"},
  };
}

class ConstraintTest : public ::testing::TestWithParam<ConstraintCase> {
 protected:
  void SetUp() override {
    AddAuthorities(index_);
    Household h = AHousehold(kHousehold);
    ChildGroup g = AGroup(kChild);
    GetParam().edit(h, g);
    ASSERT_TRUE(index_.UpsertHousehold(h).ok());
    ASSERT_TRUE(index_.UpsertChild(g).ok());
    if (GetParam().after) GetParam().after(index_);
  }
  CandidateIndex index_;
  MatchingPolicy policy_;
};

TEST_P(ConstraintTest, RankHouseholdsCountsTheExclusion) {
  absl::StatusOr<RankResult> r =
      index_.RankHouseholds(kChild, policy_, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->considered, 1);
  EXPECT_EQ(r->eligible, 0);
  EXPECT_EQ(r->excluded_total, 1);
  EXPECT_EQ(r->excluded[Index(GetParam().constraint)], 1);
  EXPECT_TRUE(r->candidates.empty());
  ASSERT_EQ(r->exclusions.size(), 1u);
  EXPECT_EQ(r->exclusions[0].constraint, GetParam().constraint);
  EXPECT_THAT(ReasonText(r->exclusions[0].coded),
              ::testing::StartsWith("1 household "));
}

TEST_P(ConstraintTest, ExplainPairFailsExactlyThisConstraint) {
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->eligible);
  for (int i = 0; i < kConstraintCount; ++i) {
    EXPECT_EQ(e->constraints[i].constraint, static_cast<Constraint>(i));
    EXPECT_EQ(e->constraints[i].passed, i != Index(GetParam().constraint))
        << ConstraintId(static_cast<Constraint>(i)) << ": "
        << e->constraints[i].reason;
    EXPECT_FALSE(e->constraints[i].reason.empty());
  }
  EXPECT_THAT(e->constraints[Index(GetParam().constraint)].reason,
              HasSubstr(GetParam().reason));
  EXPECT_EQ(index_.ScorePair(kChild, kHousehold, policy_, kToday),
            std::nullopt);
}

TEST_P(ConstraintTest, RankChildrenAppliesTheSameRule) {
  absl::StatusOr<RankResult> r =
      index_.RankChildren(kHousehold, policy_, Options());
  const Constraint c = GetParam().constraint;
  if (c == Constraint::kNotAvailable || c == Constraint::kAuthorityWithdrawn) {
    // The household itself cannot be searched for.
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    return;
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->considered, 1);
  EXPECT_EQ(r->eligible, 0);
  EXPECT_EQ(r->excluded[Index(c)], 1);
  EXPECT_EQ(r->excluded_total, 1);
  ASSERT_EQ(r->exclusions.size(), 1u);
  EXPECT_THAT(ReasonText(r->exclusions[0].coded),
              ::testing::StartsWith("1 child "));
}

INSTANTIATE_TEST_SUITE_P(
    EachConstraint, ConstraintTest, ::testing::ValuesIn(Cases()),
    [](const ::testing::TestParamInfo<ConstraintCase>& info) {
      return info.param.name;
    });

class ConstraintBasicsTest : public ::testing::Test {
 protected:
  void SetUp() override { AddAuthorities(index_); }
  CandidateIndex index_;
  MatchingPolicy policy_;
};

TEST_F(ConstraintBasicsTest, BaselinePairPassesEveryConstraint) {
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(kHousehold)).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(kChild)).ok());
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->eligible);
  for (const ConstraintCheck& c : e->constraints) {
    EXPECT_TRUE(c.passed) << c.reason;
  }
  EXPECT_EQ(index_.ScorePair(kChild, kHousehold, policy_, kToday), e->score);
  absl::StatusOr<RankResult> r =
      index_.RankHouseholds(kChild, policy_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->eligible, 1);
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].score, e->score);
}

TEST_F(ConstraintBasicsTest, BoundariesAreInclusive) {
  // Age exactly at both ends, need exactly at the limit, approved for exactly
  // the group size, one link below the limit.
  Household h = AHousehold(kHousehold);
  h.min_age_months = 30;
  h.max_age_months = 40;
  h.approved_for = 2;
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  index_.SetOpenLinks(kHousehold, 5);
  ChildGroup g = AGroup(kChild, 30);
  g.members.push_back(AChild(40, Sex::kMale));
  g.members[1].needs[0] = NeedLevel::kModerate;
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  EXPECT_TRUE(
      index_.ScorePair(kChild, kHousehold, policy_, kToday).has_value());
}

TEST_F(ConstraintBasicsTest, SexPreferenceAppliesToEveryChild) {
  Household h = AHousehold(kHousehold);
  h.approved_for = 2;
  h.sex_preference = SexPreference::kFemale;
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  ChildGroup girls = AGroup(1);
  girls.members.push_back(AChild(20, Sex::kFemale));
  ChildGroup mixed = AGroup(2);
  mixed.members.push_back(AChild(20, Sex::kMale));
  ASSERT_TRUE(index_.UpsertChild(girls).ok());
  ASSERT_TRUE(index_.UpsertChild(mixed).ok());
  EXPECT_TRUE(index_.ScorePair(1, kHousehold, policy_, kToday).has_value());
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(2, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->constraints[Index(Constraint::kSexPreference)].passed);
  EXPECT_EQ(e->constraints[Index(Constraint::kSexPreference)].reason,
            "would consider girls only; group includes a boy");
}

TEST_F(ConstraintBasicsTest, NeedsOfAnyChildInTheGroupCount) {
  Household h = AHousehold(kHousehold);
  h.approved_for = 2;
  h.max_need.fill(NeedLevel::kNone);
  h.max_need[static_cast<int>(NeedCategory::kLearningDisability)] =
      NeedLevel::kMild;
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  ChildGroup g = AGroup(kChild);
  g.members.push_back(AChild(20));
  g.members[0].needs[static_cast<int>(NeedCategory::kLearningDisability)] =
      NeedLevel::kMild;
  g.members[1].needs[static_cast<int>(NeedCategory::kAttachmentDifficulties)] =
      NeedLevel::kMild;
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->constraints[Index(Constraint::kNeeds)].passed);
  EXPECT_EQ(e->constraints[Index(Constraint::kNeeds)].reason,
            "attachment difficulties is mild; would not consider any");
}

TEST_F(ConstraintBasicsTest, RankChildrenCountsChildSideFailures) {
  ASSERT_TRUE(
      index_.UpsertAuthority({"bradford", AuthorityKind::kLocalAuthority, true})
          .ok());
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(kHousehold)).ok());
  ChildGroup not_waiting = AGroup(1);
  not_waiting.waiting = false;
  ChildGroup withdrawn = AGroup(2);
  withdrawn.authority = "bradford";
  ASSERT_TRUE(index_.UpsertChild(not_waiting).ok());
  ASSERT_TRUE(index_.UpsertChild(withdrawn).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(3)).ok());
  absl::StatusOr<RankResult> r =
      index_.RankChildren(kHousehold, policy_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->considered, 3);
  EXPECT_EQ(r->eligible, 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kNotAvailable)], 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kAuthorityWithdrawn)], 1);
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].key, 3u);
  // ExplainPair names the child side.
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(1, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->constraints[Index(Constraint::kNotAvailable)].reason,
            "child is not waiting");
  e = index_.ExplainPair(2, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->constraints[Index(Constraint::kAuthorityWithdrawn)].reason,
            "child's authority bradford has left the consortium");
}

TEST_F(ConstraintBasicsTest, CountedUnderFirstFailureButExplainListsAll) {
  // Household 100 fails capacity, age range and needs: counted under
  // capacity (the first), ExplainPair lists all three.
  Household h = AHousehold(kHousehold);
  h.max_age_months = 12;
  h.max_need.fill(NeedLevel::kNone);
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  // 101 fails age and region; 102 fails only the link limit; 103 passes.
  Household h101 = AHousehold(101);
  h101.max_age_months = 12;
  h101.excluded_regions = {"west-yorkshire"};
  ASSERT_TRUE(index_.UpsertHousehold(h101).ok());
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(102)).ok());
  index_.SetOpenLinks(102, 9);
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(103)).ok());

  ChildGroup g = AGroup(kChild);
  g.members.push_back(AChild(20));
  g.members[0].needs[0] = NeedLevel::kMild;
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  Household h103 = AHousehold(103);
  h103.approved_for = 2;
  ASSERT_TRUE(index_.UpsertHousehold(h103).ok());
  Household h102 = AHousehold(102);
  h102.approved_for = 3;
  ASSERT_TRUE(index_.UpsertHousehold(h102).ok());
  h101.approved_for = 2;
  ASSERT_TRUE(index_.UpsertHousehold(h101).ok());

  absl::StatusOr<RankResult> r =
      index_.RankHouseholds(kChild, policy_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->considered, 4);
  EXPECT_EQ(r->eligible, 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kCapacity)], 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kAgeRange)], 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kLinkLimit)], 1);
  EXPECT_EQ(r->excluded[Index(Constraint::kNeeds)], 0);
  EXPECT_EQ(r->excluded_total, 3);
  int sum = 0;
  for (int n : r->excluded) sum += n;
  EXPECT_EQ(sum, r->considered - r->eligible);
  ASSERT_EQ(r->exclusions.size(), 3u);
  EXPECT_EQ(ReasonText(r->exclusions[0].coded),
            "1 household approved for fewer than 2 children");
  EXPECT_EQ(ReasonText(r->exclusions[1].coded),
            "1 household with a child outside their age range");
  EXPECT_EQ(ReasonText(r->exclusions[2].coded),
            "1 household already holding the maximum number of open links");

  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  std::vector<Constraint> failed;
  for (const ConstraintCheck& c : e->constraints) {
    if (!c.passed) failed.push_back(c.constraint);
  }
  EXPECT_THAT(failed, ::testing::ElementsAre(Constraint::kCapacity,
                                             Constraint::kAgeRange,
                                             Constraint::kNeeds));
  EXPECT_EQ(e->constraints[Index(Constraint::kAgeRange)].reason,
            "ages 2y 6m, 1y 8m today outside 0y\u20131y");
}

TEST_F(ConstraintBasicsTest, LinkLimitFollowsThePolicy) {
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(kHousehold)).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(kChild)).ok());
  index_.SetOpenLinks(kHousehold, 3);
  MatchingPolicy strict;
  strict.max_open_links = 3;
  EXPECT_FALSE(index_.ScorePair(kChild, kHousehold, strict, kToday));
  EXPECT_TRUE(index_.ScorePair(kChild, kHousehold, policy_, kToday));
  index_.SetOpenLinks(kHousehold, 2);
  EXPECT_TRUE(index_.ScorePair(kChild, kHousehold, strict, kToday));
}

TEST_F(ConstraintBasicsTest, HeritageReligionAndLanguageNeverExclude) {
  Household h = AHousehold(kHousehold);
  h.heritage_mask = 0b0001;
  h.religion = 3;
  h.languages = {"English"};
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  ChildGroup g = AGroup(kChild);
  g.members[0].heritage_mask = 0b1000;
  g.members[0].religion = 7;
  g.members[0].first_language = "Polish";
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->eligible);
  EXPECT_EQ(e->components[Index(Component::kIdentity)].fit_permille, 0);
  absl::StatusOr<RankResult> r =
      index_.RankHouseholds(kChild, policy_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->eligible, 1);
  // Even with all the weight on identity.
  MatchingPolicy identity_only;
  identity_only.weights = {0, 0, 0, 0, 0, 0, 100, 0};
  r = index_.RankHouseholds(kChild, identity_only, Options());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].score, 0);
}

TEST_F(ConstraintBasicsTest, ASearcherNeverSeesChildrenHiddenFromIt) {
  // A Leeds household; one child is hidden from bradford, who searches.
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(kHousehold)).ok());
  ChildGroup visible = AGroup(1);
  ChildGroup hidden = AGroup(2);
  hidden.hidden_from = {"bradford"};
  ASSERT_TRUE(index_.UpsertChild(visible).ok());
  ASSERT_TRUE(index_.UpsertChild(hidden).ok());

  absl::StatusOr<RankResult> as_leeds =
      index_.RankChildren(kHousehold, policy_, Options());
  ASSERT_TRUE(as_leeds.ok());
  EXPECT_EQ(as_leeds->eligible, 2);

  // For bradford the hidden child does not exist: not considered, and not
  // counted as hidden from the household's authority (it is not).
  absl::StatusOr<RankResult> as_bradford =
      index_.RankChildren(kHousehold, policy_, Options(), "bradford");
  ASSERT_TRUE(as_bradford.ok());
  EXPECT_EQ(as_bradford->considered, as_leeds->considered - 1);
  EXPECT_EQ(as_bradford->eligible, 1);
  EXPECT_EQ(as_bradford->excluded[Index(Constraint::kHiddenFromAuthority)], 0);
  ASSERT_EQ(as_bradford->candidates.size(), 1u);
  EXPECT_EQ(as_bradford->candidates[0].key, 1u);

  // Hidden from the household's authority (leeds) too: nothing to bradford,
  // nor to leeds searching; a search with no viewer counts it as hidden
  // from the household's authority.
  hidden.hidden_from = {"bradford", "leeds"};
  ASSERT_TRUE(index_.UpsertChild(hidden).ok());
  as_bradford = index_.RankChildren(kHousehold, policy_, Options(), "bradford");
  ASSERT_TRUE(as_bradford.ok());
  EXPECT_EQ(as_bradford->considered, as_leeds->considered - 1);
  EXPECT_EQ(as_bradford->excluded[Index(Constraint::kHiddenFromAuthority)], 0);
  absl::StatusOr<RankResult> leeds_searching =
      index_.RankChildren(kHousehold, policy_, Options(), "leeds");
  ASSERT_TRUE(leeds_searching.ok());
  EXPECT_EQ(leeds_searching->considered, as_leeds->considered - 1);
  EXPECT_EQ(leeds_searching->excluded[Index(Constraint::kHiddenFromAuthority)],
            0);
  absl::StatusOr<RankResult> manager =
      index_.RankChildren(kHousehold, policy_, Options());
  ASSERT_TRUE(manager.ok());
  EXPECT_EQ(manager->considered, as_leeds->considered);
  EXPECT_EQ(manager->excluded[Index(Constraint::kHiddenFromAuthority)], 1);
  EXPECT_EQ(manager->eligible, 1);
}

}  // namespace
}  // namespace raa::matcher
