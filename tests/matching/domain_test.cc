// Matching's rules without a network: the class raamatchd's MatchingService
// calls, over the live index a scratch store keeps in step
// (tests/support/scratch_domain.h). What a family finder relies on: a
// search issued after a write is acknowledged sees it; a write that failed
// is never seen; and the ranking agrees with the explanation of each pair.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::ApprovedHousehold;
using ::raa::test::ChildProfile;
using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class MatchingDomainTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    sheffield_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewCaller("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewCaller("leeds", {v1::ROLE_FAMILY_FINDER});
    ASSERT_FALSE(HasFailure());
  }

  // Adopter name → score, as RankAdopters answers `child` for the finder.
  std::map<std::string, int> Ranked(const v1::Child& child) {
    v1::RankAdoptersRequest request;
    request.set_child(child.name());
    request.set_page_size(100);
    absl::StatusOr<v1::RankAdoptersResponse> ranked =
        matching_->RankAdopters(finder_, request);
    EXPECT_THAT(ranked.status(), IsOk());
    std::map<std::string, int> scores;
    if (!ranked.ok()) return scores;
    for (const v1::RankedAdopter& a : ranked->adopters()) {
      scores[a.adopter()] = a.score();
    }
    return scores;
  }

  // The same, pair by pair: every eligible household of `adopters` and the
  // score ExplainPair gives it.
  std::map<std::string, int> Explained(
      const v1::Child& child, const std::vector<v1::Adopter>& adopters) {
    std::map<std::string, int> scores;
    for (const v1::Adopter& a : adopters) {
      v1::ExplainPairRequest request;
      request.set_child(child.name());
      request.set_adopter(a.name());
      absl::StatusOr<v1::PairExplanation> pair =
          matching_->ExplainPair(finder_, request);
      EXPECT_THAT(pair.status(), IsOk()) << a.name();
      if (pair.ok() && pair->eligible()) scores[a.name()] = pair->score();
    }
    return scores;
  }

  v1::Adopter Update(const v1::Adopter& changed,
                     const std::vector<std::string>& paths) {
    v1::UpdateAdopterRequest request;
    *request.mutable_adopter() = changed;
    for (const std::string& p : paths)
      request.mutable_update_mask()->add_paths(p);
    request.set_request_id(NextRequestId());
    absl::StatusOr<v1::Adopter> updated =
        registry_->UpdateAdopter(sheffield_, request);
    EXPECT_THAT(updated.status(), IsOk()) << changed.name();
    return updated.value_or(v1::Adopter());
  }

  Caller sheffield_, leeds_, finder_;
};

TEST_F(MatchingDomainTest, TheRankingAgreesWithEachPairAfterEveryUpdate) {
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  std::vector<v1::Adopter> adopters = {
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(2, 0, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, 48))};
  ASSERT_FALSE(HasFailure());
  std::map<std::string, int> ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_EQ(ranked.size(), 2u) << "the third takes children up to 4 only";

  // Each acknowledged change is in the very next search.
  v1::Adopter older = adopters[2];
  older.set_max_age_months(120);
  adopters[2] = Update(older, {"max_age_months"});
  ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_TRUE(ranked.contains(adopters[2].name()));

  v1::Adopter younger = adopters[0];
  younger.set_max_age_months(60);
  adopters[0] = Update(younger, {"max_age_months"});
  ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_FALSE(ranked.contains(adopters[0].name()));

  v1::WithdrawAdopterRequest withdraw;
  withdraw.set_name(adopters[1].name());
  withdraw.set_reason("moved away from the region");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              IsOk());
  ranked = Ranked(child);
  EXPECT_FALSE(ranked.contains(adopters[1].name()));
  std::vector<std::string> names;
  for (const auto& [name, score] : ranked) names.push_back(name);
  EXPECT_THAT(names, ElementsAre(adopters[2].name()));
}

TEST_F(MatchingDomainTest, AFailedCreateIsNeverSearchable) {
  v1::Adopter adopter =
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120));
  ASSERT_FALSE(HasFailure());

  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  absl::StatusOr<v1::Child> failed =
      registry_->CreateChild(leeds_, ChildRequest("leeds", ChildProfile({84})));
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kInternal));

  // Neither the store nor the index kept it.
  v1::ListChildrenRequest list;
  list.set_parent("authorities/-");
  absl::StatusOr<v1::ListChildrenResponse> listed =
      registry_->ListChildren(manager_, list);
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_THAT(listed->children(), IsEmpty());
  v1::RankChildrenRequest rank;
  rank.set_adopter(adopter.name());
  rank.set_page_size(100);
  absl::StatusOr<v1::RankChildrenResponse> children =
      matching_->RankChildren(finder_, rank);
  ASSERT_THAT(children.status(), IsOk());
  EXPECT_THAT(children->children(), IsEmpty());
  live_->Read(
      [](const matcher::CandidateIndex& index, const matcher::MatchingPolicy&) {
        EXPECT_EQ(index.child_count(), 0u);
      });

  // The same create again succeeds and is searchable at once.
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  EXPECT_TRUE(ChildInIndex(child));
  children = matching_->RankChildren(finder_, rank);
  ASSERT_THAT(children.status(), IsOk());
  ASSERT_EQ(children->children_size(), 1);
  EXPECT_EQ(children->children(0).child(), child.name());
}

TEST_F(MatchingDomainTest, AFailedUpdateOrWithdrawalLeavesTheRankingAsItWas) {
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  std::vector<v1::Adopter> adopters = {
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(2, 0, 120))};
  ASSERT_FALSE(HasFailure());
  const std::map<std::string, int> before = Ranked(child);
  ASSERT_EQ(before.size(), 2u);

  // An update that would take the first household out of the ranking.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::UpdateAdopterRequest update;
  *update.mutable_adopter() = adopters[0];
  update.mutable_adopter()->set_max_age_months(60);
  update.mutable_update_mask()->add_paths("max_age_months");
  update.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateAdopter(sheffield_, update).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(Ranked(child), before);

  // A withdrawal of the second.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::WithdrawAdopterRequest withdraw;
  withdraw.set_name(adopters[1].name());
  withdraw.set_reason("moved away from the region");
  withdraw.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_TRUE(AdopterInIndex(adopters[1]));
  EXPECT_EQ(Ranked(child), before);

  // And of the child's whole authority: its records stay in matching and its
  // keys still work.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::WithdrawAuthorityRequest leave;
  leave.set_name("authorities/leeds");
  leave.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->WithdrawAuthority(manager_, leave).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_TRUE(ChildInIndex(child));
  EXPECT_EQ(Ranked(child), before);
  EXPECT_FALSE(
      CallerOf(IssueKey("leeds", {v1::ROLE_REGISTRAR}).secret()).withdrawn);

  // The same requests, retried once the disk has room, take effect.
  ASSERT_THAT(registry_->UpdateAdopter(sheffield_, update).status(), IsOk());
  ASSERT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              IsOk());
  EXPECT_THAT(Ranked(child), IsEmpty());
  EXPECT_THAT(Explained(child, adopters), IsEmpty());
}

}  // namespace
}  // namespace raa
