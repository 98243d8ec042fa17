// Run cost, not count, decides whether a ranking runs on gRPC's thread
// (services/matching/run_cost.h): the estimate follows what searches are
// measured to take, searches descheduled mid-way cannot swing it, and a
// search over the budget is left for the worker pool with its answer
// untouched.
#include "services/matching/run_cost.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/matching.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::ApprovedHousehold;
using ::raa::test::ChildProfile;
using ::raa::test::IsOk;

TEST(RunCostTest, EstimatesGrowWithThePoolAndThePage) {
  RunCost cost;
  const int64_t empty = cost.EstimateNanos(RankSide::kHouseholds, 0, 0);
  EXPECT_EQ(empty, RunCost::kFixedNanos);
  EXPECT_EQ(cost.EstimateNanos(RankSide::kHouseholds, 0, 21),
            empty + 21 * RunCost::kRowNanos);
  EXPECT_EQ(cost.EstimateNanos(RankSide::kHouseholds, 1'000'000, 0),
            empty + RunCost::kInitialHouseholdPicos * 1000);
  // A child profile costs more to scan than a household, to start with.
  EXPECT_GT(cost.EstimateNanos(RankSide::kChildren, 100'000, 0),
            cost.EstimateNanos(RankSide::kHouseholds, 100'000, 0));
}

TEST(RunCostTest, TheEstimateFollowsWhatSearchesTake) {
  RunCost cost;
  // Searches of 100,000 households taking 2 ms (20 ns each): the estimate
  // moves there, whatever it started from, and stays.
  for (int i = 0; i < 100; ++i) {
    cost.Observe(RankSide::kHouseholds, 100'000, 0,
                 RunCost::kFixedNanos + 2'000'000);
  }
  EXPECT_NEAR(cost.PicosPerCandidate(RankSide::kHouseholds), 20'000, 200);
  // The other side is measured on its own.
  EXPECT_EQ(cost.PicosPerCandidate(RankSide::kChildren),
            RunCost::kInitialChildPicos);
  // A budget of 200 us now keeps a search of 100,000 off gRPC's thread and
  // one of 1,000 on it.
  EXPECT_GT(cost.EstimateNanos(RankSide::kHouseholds, 100'000, 21), 200'000);
  EXPECT_LT(cost.EstimateNanos(RankSide::kHouseholds, 1'000, 21), 200'000);

  // Faster again (2 ns each): it follows down too.
  for (int i = 0; i < 100; ++i) {
    cost.Observe(RankSide::kHouseholds, 100'000, 0,
                 RunCost::kFixedNanos + 200'000);
  }
  EXPECT_NEAR(cost.PicosPerCandidate(RankSide::kHouseholds), 2'000, 100);
}

TEST(RunCostTest, SearchesDescheduledMidWayDoNotMoveIt) {
  RunCost cost;
  const int64_t before = cost.PicosPerCandidate(RankSide::kHouseholds);
  // Three searches of 1,000 descheduled for a second each, between searches
  // that took their usual time: the estimate stays.
  for (int i = 0; i < 3; ++i) {
    cost.Observe(RankSide::kHouseholds, 1'000, 0, 1'000'000'000);
    EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds), before) << i;
  }
  cost.Observe(RankSide::kHouseholds, 1'000, 0, RunCost::kFixedNanos + before);
  for (int i = 0; i < 3; ++i) {
    cost.Observe(RankSide::kHouseholds, 1'000, 0, 1'000'000'000);
  }
  EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds), before);
}

TEST(RunCostTest, AKernelThatGotSlowerRaisesItAfterAWindowOfSearches) {
  RunCost cost;
  // Every search of 10,000 households now takes 40 ns each.
  for (int i = 0; i < RunCost::kWindow; ++i) {
    EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds),
              RunCost::kInitialHouseholdPicos)
        << i;
    cost.Observe(RankSide::kHouseholds, 10'000, 0,
                 RunCost::kFixedNanos + 400'000);
  }
  EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds), 40'000);
}

TEST(RunCostTest, CheapSearchesNeverTalkItBelowTheFloor) {
  RunCost cost;
  // Sibling groups counted from block summaries: almost nothing scanned.
  for (int i = 0; i < 1000; ++i) {
    cost.Observe(RankSide::kHouseholds, 1'000'000, 0,
                 RunCost::kFixedNanos + 1'000);
  }
  EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds),
            RunCost::kFloorPicos);
  // A broad search of a million households still goes to the pool.
  EXPECT_GT(cost.EstimateNanos(RankSide::kHouseholds, 1'000'000, 21), 200'000);
}

TEST(RunCostTest, SmallPoolsAreNotMeasured) {
  RunCost cost;
  // 50 households in 40 us is fixed cost, not 800 ns a household.
  cost.Observe(RankSide::kHouseholds, 50, 21, 40'000);
  EXPECT_EQ(cost.PicosPerCandidate(RankSide::kHouseholds),
            RunCost::kInitialHouseholdPicos);
}

class RunCostDomainTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    sheffield_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    ASSERT_FALSE(HasFailure());
  }
  Caller sheffield_;
};

TEST_F(RunCostDomainTest, ASearchOverTheBudgetIsLeftForThePool) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Adopter household =
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120));
  ASSERT_FALSE(HasFailure());
  v1::RankAdoptersRequest request;
  request.set_child(child.name());
  // Below the fixed cost of any search: not run, nothing written.
  RankingAnswer response;
  EXPECT_FALSE(matching_
                   ->TryRankAdopters(sheffield_, request,
                                     RunCost::kFixedNanos - 1, &response)
                   .has_value());
  EXPECT_EQ(response.ByteSizeLong(), 0u);
  v1::RankChildrenRequest children;
  children.set_adopter(household.name());
  RankingAnswer children_response;
  EXPECT_FALSE(matching_
                   ->TryRankChildren(sheffield_, children,
                                     RunCost::kFixedNanos - 1,
                                     &children_response)
                   .has_value());
  EXPECT_EQ(children_response.ByteSizeLong(), 0u);
  // Within the budget it runs and answers.
  std::optional<absl::Status> ran = matching_->TryRankAdopters(
      sheffield_, request, Matching::kInlineBudgetNanos, &response);
  ASSERT_TRUE(ran.has_value());
  EXPECT_THAT(*ran, IsOk());
  v1::RankAdoptersResponse inline_message;
  ASSERT_TRUE(response.ParseInto(inline_message));
  ASSERT_EQ(inline_message.adopters_size(), 1);
  EXPECT_EQ(inline_message.adopters(0).adopter(), household.name());
  // The pool's path answers whatever the cost.
  RankingAnswer pooled;
  EXPECT_THAT(matching_->RankAdopters(sheffield_, request, &pooled), IsOk());
  EXPECT_EQ(pooled.SerializeAsString(), response.SerializeAsString());
}

}  // namespace
}  // namespace raa
