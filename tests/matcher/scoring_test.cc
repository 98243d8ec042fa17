// Each score component on hand-made pairs, the score formula, ties and the
// policy.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "matcher/internal/explain.h"
#include "matcher/internal/packed.h"
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

constexpr uint64_t kChild = 1;
constexpr uint64_t kHousehold = 100;

class ScoringTest : public ::testing::Test {
 protected:
  void SetUp() override { AddAuthorities(index_); }

  // Upserts the pair and returns the named component of its explanation.
  ComponentScore Component(const Household& h, const ChildGroup& g,
                           matcher::Component component) {
    EXPECT_TRUE(index_.UpsertHousehold(h).ok());
    EXPECT_TRUE(index_.UpsertChild(g).ok());
    absl::StatusOr<PairExplanation> e =
        index_.ExplainPair(g.key, h.key, policy_, kToday);
    EXPECT_TRUE(e.ok()) << e.status();
    EXPECT_TRUE(e->eligible);
    return e->components[Index(component)];
  }

  CandidateIndex index_;
  MatchingPolicy policy_;
};

TEST_F(ScoringTest, NeedsMargin) {
  Household h = AHousehold(kHousehold);
  ChildGroup g = AGroup(kChild);
  ComponentScore s = Component(h, g, Component::kNeedsMargin);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "no assessed needs");

  constexpr int kGdd =
      static_cast<int>(NeedCategory::kGlobalDevelopmentalDelay);
  constexpr int kMedical = static_cast<int>(NeedCategory::kMedicalCondition);
  g.members[0].needs[kGdd] = NeedLevel::kMild;  // limit moderate: (1+2-1)/3
  s = Component(h, g, Component::kNeedsMargin);
  EXPECT_EQ(s.fit_permille, 666);
  EXPECT_EQ(ReasonText(s.coded),
            "would consider global developmental delay up to moderate; "
            "child's is mild");

  h.max_need[kGdd] = NeedLevel::kSevere;                // (1+3-1)/3 = 1000
  g.members[0].needs[kMedical] = NeedLevel::kModerate;  // (1+2-2)/3 = 333
  s = Component(h, g, Component::kNeedsMargin);
  EXPECT_EQ(s.fit_permille, (3 + 1) * 1000 / 6);
  EXPECT_EQ(ReasonText(s.coded),
            "would consider medical condition up to moderate; child's is "
            "moderate (2 categories of need)");

  // A group's level is its highest child's.
  g.members.push_back(AChild(20));
  g.members[1].needs[kGdd] = NeedLevel::kSevere;  // (1+3-3)/3
  h.approved_for = 2;
  s = Component(h, g, Component::kNeedsMargin);
  EXPECT_EQ(s.fit_permille, (1 + 1) * 1000 / 6);
  EXPECT_EQ(ReasonText(s.coded),
            "would consider global developmental delay up to severe; the "
            "children's highest is severe (2 categories of need)");
}

TEST_F(ScoringTest, AgeFit) {
  Household h = AHousehold(kHousehold);  // 0..60 months
  EXPECT_EQ(Component(h, AGroup(kChild, 30), Component::kAgeFit).fit_permille,
            1000);
  EXPECT_EQ(Component(h, AGroup(kChild, 0), Component::kAgeFit).fit_permille,
            500);
  EXPECT_EQ(Component(h, AGroup(kChild, 60), Component::kAgeFit).fit_permille,
            500);
  EXPECT_EQ(Component(h, AGroup(kChild, 45), Component::kAgeFit).fit_permille,
            750);
  // Worst child of a group.
  ChildGroup g = AGroup(kChild, 30);
  g.members.push_back(AChild(45));
  h.approved_for = 2;
  ComponentScore s = Component(h, g, Component::kAgeFit);
  EXPECT_EQ(s.fit_permille, 750);
  EXPECT_EQ(ReasonText(s.coded), "ages 2y 6m, 3y 9m today within 0y\u20135y");
  // A range of one month.
  h.min_age_months = h.max_age_months = 30;
  h.approved_for = 1;
  s = Component(h, AGroup(kChild, 30), Component::kAgeFit);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "age 2y 6m today within 2y 6m\u20132y 6m");
}

TEST_F(ScoringTest, CapacityFitKeepsLargeApprovalsForLargeGroups) {
  Household h = AHousehold(kHousehold);
  ChildGroup g = AGroup(kChild);
  ComponentScore s = Component(h, g, Component::kCapacityFit);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "approved for 1, group of 1");
  h.approved_for = 2;
  EXPECT_EQ(Component(h, g, Component::kCapacityFit).fit_permille, 500);
  h.approved_for = 3;
  s = Component(h, g, Component::kCapacityFit);
  EXPECT_EQ(s.fit_permille, 333);
  EXPECT_EQ(ReasonText(s.coded),
            "approved for 3, group of 1: 2 spare places kept for larger "
            "groups");
  g.members.push_back(AChild(10));
  g.members.push_back(AChild(50));
  s = Component(h, g, Component::kCapacityFit);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "approved for 3, group of 3");
}

TEST_F(ScoringTest, Waiting) {
  Household h = AHousehold(kHousehold);
  ChildGroup g = AGroup(kChild);
  h.approved_day = kToday - 213;       // 7 months
  g.waiting_since_day = kToday - 335;  // 11 months
  ComponentScore s = Component(h, g, Component::kWaiting);
  EXPECT_EQ(s.fit_permille, (213 + 335) * 1000 / 730);
  EXPECT_EQ(ReasonText(s.coded),
            "household waiting 7 months since approval; child waiting 11 "
            "months");
  // Capped at a year each.
  h.approved_day = kToday - 900;
  g.waiting_since_day = kToday - 400;
  EXPECT_EQ(Component(h, g, Component::kWaiting).fit_permille, 1000);
  // Unknown and future dates count nothing.
  h.approved_day = -1;
  g.waiting_since_day = kToday + 10;
  s = Component(h, g, Component::kWaiting);
  EXPECT_EQ(s.fit_permille, 0);
  EXPECT_EQ(ReasonText(s.coded),
            "household approval date unknown; child waiting 0 days");
  h.approved_day = kToday - 1;
  g.waiting_since_day = -1;
  s = Component(h, g, Component::kWaiting);
  EXPECT_EQ(s.fit_permille, 1);
  EXPECT_EQ(ReasonText(s.coded),
            "household waiting 1 day since approval; child waiting since an "
            "unknown date");
}

TEST_F(ScoringTest, EarlyPermanence) {
  Household h = AHousehold(kHousehold);
  ChildGroup g = AGroup(kChild);
  ComponentScore s = Component(h, g, Component::kEarlyPermanence);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "not an early-permanence candidate");
  g.early_permanence_candidate = true;
  s = Component(h, g, Component::kEarlyPermanence);
  EXPECT_EQ(s.fit_permille, 0);
  EXPECT_EQ(ReasonText(s.coded),
            "not dual-approved; child is an early-permanence candidate");
  h.dual_approved = true;
  s = Component(h, g, Component::kEarlyPermanence);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded),
            "dual-approved for an early-permanence candidate");
}

TEST_F(ScoringTest, Contact) {
  Household h = AHousehold(kHousehold);
  ChildGroup g = AGroup(kChild);
  h.max_contact = ContactPlan::kDirect;
  g.contact_plan = ContactPlan::kLetterbox;
  ComponentScore s = Component(h, g, Component::kContact);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded),
            "supports direct contact; plan is letterbox contact");
  h.max_contact = ContactPlan::kLetterbox;
  g.contact_plan = ContactPlan::kDirect;
  s = Component(h, g, Component::kContact);
  EXPECT_EQ(s.fit_permille, 0);
  EXPECT_EQ(ReasonText(s.coded),
            "supports letterbox contact only; plan is direct contact");
  h.max_contact = ContactPlan::kNone;
  g.contact_plan = ContactPlan::kNone;
  s = Component(h, g, Component::kContact);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "no contact planned");
}

TEST_F(ScoringTest, Identity) {
  Household h = AHousehold(kHousehold);
  h.approved_for = 2;
  h.heritage_mask = 0b0110;
  h.religion = 4;
  h.languages = {"English", "Urdu"};
  ChildGroup g = AGroup(kChild);
  g.members.push_back(AChild(20));
  ComponentScore s = Component(h, g, Component::kIdentity);
  EXPECT_EQ(s.fit_permille, 0);  // nothing recorded for the children
  EXPECT_EQ(ReasonText(s.coded),
            "no shared heritage, religion or language recorded");

  g.members[0].heritage_mask = 0b0010;
  g.members[1].heritage_mask = 0b1000;
  EXPECT_EQ(Component(h, g, Component::kIdentity).fit_permille, 250);
  g.members[1].heritage_mask = 0b0100;
  s = Component(h, g, Component::kIdentity);
  EXPECT_EQ(s.fit_permille, 500);
  EXPECT_EQ(ReasonText(s.coded), "shares heritage with every child");

  g.members[1].religion = 4;
  g.members[0].first_language = "Urdu";
  s = Component(h, g, Component::kIdentity);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded),
            "shares heritage with every child; same religion; speaks the "
            "child's first language (Urdu)");

  // Religion 0 (not stated) is never shared.
  h.religion = 0;
  g.members[1].religion = 0;
  EXPECT_EQ(Component(h, g, Component::kIdentity).fit_permille, 750);
}

TEST_F(ScoringTest, Locality) {
  ChildGroup g = AGroup(kChild);  // leeds
  Household h = AHousehold(kHousehold);
  ComponentScore s = Component(h, g, Component::kLocality);
  EXPECT_EQ(s.fit_permille, 1000);
  EXPECT_EQ(ReasonText(s.coded), "same authority: no inter-agency fee");
  h.authority = "bradford";
  s = Component(h, g, Component::kLocality);
  EXPECT_EQ(s.fit_permille, 500);
  EXPECT_EQ(ReasonText(s.coded),
            "another member authority: inter-agency fee applies");
  h.authority = "one-adoption";
  EXPECT_EQ(Component(h, g, Component::kLocality).fit_permille, 500);
  h.authority = "barnardos";
  s = Component(h, g, Component::kLocality);
  EXPECT_EQ(s.fit_permille, 0);
  EXPECT_EQ(ReasonText(s.coded),
            "voluntary adoption agency: VAA inter-agency fee applies");
}

TEST_F(ScoringTest, ScoreIsTheRoundedWeightedMean) {
  Household h = AHousehold(kHousehold);
  h.authority = "barnardos";  // locality 0
  h.approved_for = 2;         // capacity 500
  h.approved_day = -1;
  ChildGroup g = AGroup(kChild, 45);   // age 750
  g.waiting_since_day = kToday - 365;  // waiting 500
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  absl::StatusOr<PairExplanation> e =
      index_.ExplainPair(kChild, kHousehold, policy_, kToday);
  ASSERT_TRUE(e.ok());
  std::vector<int> fits;
  for (const ComponentScore& c : e->components) fits.push_back(c.fit_permille);
  EXPECT_THAT(fits,
              ::testing::ElementsAre(1000, 750, 500, 500, 1000, 1000, 0, 0));
  // (20*1000 + 15*750 + 20*500 + 15*500 + 10*1000 + 10*1000) / 100 / 10
  // = 68750 / 1000 = 68.75 -> 69.
  EXPECT_EQ(e->score, 69);
  EXPECT_EQ(e->policy_version, 1);
  // Shares of 68.75 points: 20, 11.25, 10, 7.5, 10, 10, 0, 0. The points
  // shown add up to the score, 69: of the 0.25 rounded up, a tenth rounds
  // age fit's 11.25 up, and the others go to the shares furthest from full
  // (capacity fit's 10 of 20, waiting's 7.5 of 15); needs margin, early
  // permanence and contact are full already.
  std::vector<int> tenths;
  for (const ComponentScore& c : e->components)
    tenths.push_back(c.points_tenths);
  EXPECT_THAT(tenths,
              ::testing::ElementsAre(200, 113, 101, 76, 100, 100, 0, 0));
  EXPECT_EQ(e->components[Index(Component::kCapacityFit)].weight, 20);

  // Other weights, other version.
  MatchingPolicy p;
  p.version = 7;
  p.weights = {0, 0, 1, 0, 0, 0, 0, 0};  // capacity only: 500 -> 50
  e = index_.ExplainPair(kChild, kHousehold, p, kToday);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->score, 50);
  EXPECT_EQ(e->policy_version, 7);
  EXPECT_EQ(index_.ScorePair(kChild, kHousehold, p, kToday), 50);
  absl::StatusOr<RankResult> r = index_.RankHouseholds(kChild, p, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->policy_version, 7);
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].score, 50);
}

// Whatever the weights and fits, the points shown add up to exactly the
// score, no component shows more than a perfect fit's share (unless the
// score cannot be reached without), and one that earned nothing shows none.
// Each is off its exact share by less than a tenth plus its part of the
// score's rounding (at most half a point, shared by the k components that
// earned points): under 0.2 of a point when all eight did.
TEST(ApportionTenthsTest, PointsAddUpToTheScoreForAnyWeightsAndFits) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> weight(0, 100);
  std::uniform_int_distribution<int> fit(0, 1000);
  std::uniform_int_distribution<int> coin(0, 3);
  for (int round = 0; round < 20000; ++round) {
    std::array<ComponentScore, kComponentCount> components;
    int weight_sum = 0;
    int64_t total = 0;
    for (ComponentScore& c : components) {
      c.weight = coin(random) == 0 ? 0 : weight(random);
      c.fit_permille = coin(random) == 0 ? 0 : fit(random);
      weight_sum += c.weight;
      total += c.weight * c.fit_permille;
    }
    if (weight_sum == 0) continue;  // a policy has a weight
    // ScoreOf: the weighted mean of the fits, in points, rounded.
    const int score =
        static_cast<int>((total + 5 * weight_sum) / (10 * weight_sum));
    internal::ApportionTenths(score, weight_sum, components);
    int earned = 0;
    int full = 0;  // the earners' perfect-fit shares, each to the tenth above
    for (const ComponentScore& c : components) {
      if (c.weight * c.fit_permille == 0) continue;
      ++earned;
      full += (c.weight * 1000 + weight_sum - 1) / weight_sum;
    }
    // Whole tenths, then at most ceil((k + 5) / k) more or fewer.
    const int bound = earned == 0 ? 1 : 1 + (earned + 5 + earned - 1) / earned;
    int tenths = 0;
    for (const ComponentScore& c : components) {
      tenths += c.points_tenths;
      const int exact = c.weight * c.fit_permille;
      EXPECT_LT(std::abs(c.points_tenths * weight_sum - exact),
                bound * weight_sum)
          << "round " << round;
      if (exact == 0) {
        EXPECT_EQ(c.points_tenths, 0) << "round " << round;
      }
      // Never past the share of a perfect fit (when the score can be
      // reached without), never below nothing.
      if (full >= 10 * score) {
        EXPECT_LE(c.points_tenths,
                  (c.weight * 1000 + weight_sum - 1) / weight_sum)
            << "round " << round;
      }
      EXPECT_GE(c.points_tenths, 0) << "round " << round;
    }
    ASSERT_EQ(tenths, 10 * score) << "round " << round;
  }
}

TEST_F(ScoringTest, BestFirstAndTiesOnKeyAscending) {
  // Identical households inserted in descending key order, plus one better.
  for (uint64_t key : {509, 507, 503, 501, 502}) {
    ASSERT_TRUE(index_.UpsertHousehold(AHousehold(key)).ok());
  }
  Household better = AHousehold(900);
  better.approved_day = kToday - 365;
  ASSERT_TRUE(index_.UpsertHousehold(better).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(kChild)).ok());
  absl::StatusOr<RankResult> r =
      index_.RankHouseholds(kChild, policy_, Options(4));
  ASSERT_TRUE(r.ok());
  std::vector<uint64_t> keys;
  for (const RankedCandidate& c : r->candidates) keys.push_back(c.key);
  EXPECT_THAT(keys, ::testing::ElementsAre(900, 501, 502, 503));
  EXPECT_GT(r->candidates[0].score, r->candidates[1].score);
  EXPECT_EQ(r->candidates[1].score, r->candidates[3].score);
  EXPECT_EQ(r->eligible, 6);
  // min_score drops the rest.
  r = index_.RankHouseholds(kChild, policy_,
                            Options(20, r->candidates[0].score));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->candidates.size(), 1u);
  EXPECT_EQ(r->candidates[0].key, 900u);
  EXPECT_EQ(r->eligible, 6);
}

TEST(PolicyTest, Validation) {
  MatchingPolicy p;
  EXPECT_TRUE(ValidatePolicy(p).ok());
  p.weights[3] = 101;
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p.weights[3] = -1;
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p.weights.fill(0);
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p.weights[0] = 1;
  EXPECT_TRUE(ValidatePolicy(p).ok());
  p.max_open_links = 0;
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p.max_open_links = 21;
  EXPECT_EQ(ValidatePolicy(p).code(), absl::StatusCode::kInvalidArgument);
  p.max_open_links = 20;
  EXPECT_TRUE(ValidatePolicy(p).ok());
}

TEST(AgeFitTest, ReciprocalDivisionEqualsTheDocumentedFormula) {
  // Every range and every age inside it.
  for (int lo = 0; lo <= internal::kMaxAgeMonths; ++lo) {
    for (int hi = lo; hi <= internal::kMaxAgeMonths; ++hi) {
      for (int age = lo; age <= hi; ++age) {
        const int want =
            hi == lo ? 1000
                     : 1000 - 500 * std::abs(2 * age - lo - hi) / (hi - lo);
        ASSERT_EQ(internal::AgeFit(age, age, lo, hi), want)
            << age << " in " << lo << ".." << hi;
      }
    }
  }
  EXPECT_EQ(internal::AgeFit(10, 70, 0, 60), 0);  // oldest outside
  EXPECT_EQ(internal::AgeFit(30, 45, 0, 60), 750);
}

TEST(ExactDividerTest, AgreesWithDivisionForEveryScoreDenominator) {
  // The score's denominator is 10 * sum of weights (1..800); numerators are
  // below 2^20. Check around every multiple of d.
  for (uint32_t d = 10; d <= 8000; d += 10) {
    const internal::ExactDivider divider(d);
    for (uint32_t q = 0; q * d < (1u << 20); ++q) {
      for (uint32_t n : {q * d, q * d + 1, q * d + d - 1}) {
        if (n >= (1u << 20)) continue;
        ASSERT_EQ(divider.Divide(n), n / d) << n << " / " << d;
      }
    }
    ASSERT_EQ(divider.Divide((1u << 20) - 1), ((1u << 20) - 1) / d);
  }
}

}  // namespace
}  // namespace raa::matcher
