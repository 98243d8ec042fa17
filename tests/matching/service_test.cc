// MatchingService's unary RPCs through a real gRPC server in this process:
// rankings both ways with their explanations and exclusion counts, pair
// explanations, the matching policy and its versions, bad input with field
// violations, unknown and closed records, keys and roles, read-your-writes,
// and profiles hidden from an authority.
//
// Each test gets a fresh database and a consortium of the hub (bootstrap
// manager key), Sheffield and Rotherham (south-yorkshire) and Leeds
// (west-yorkshire), each with a registrar key, plus family finder keys for
// Rotherham and Leeds and a finance key for Sheffield. Today is 2026-11-01.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/alert_stream.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::_;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;
using Code = ::grpc::StatusCode;

// (constraint, count) pairs of a ranking's exclusion summary, in order.
template <typename Response>
std::vector<std::pair<std::string, int>> ExclusionCounts(const Response& r) {
  std::vector<std::pair<std::string, int>> counts;
  for (const v1::Exclusion& e : r.exclusions()) {
    counts.emplace_back(e.constraint(), e.count());
  }
  return counts;
}

// The constraints a pair fails, in order.
std::vector<std::string> FailedConstraints(const v1::PairExplanation& e) {
  std::vector<std::string> failed;
  for (const v1::ConstraintCheck& c : e.constraints()) {
    if (!c.passed()) failed.push_back(c.constraint());
  }
  return failed;
}

class MatchingServiceTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("rotherham", "south-yorkshire"));
    sheffield_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
    rotherham_ = NewKey("rotherham", {v1::ROLE_REGISTRAR});
    finder_ = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
    leeds_finder_ = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
    finance_ = NewKey("sheffield", {v1::ROLE_FINANCE});
    ASSERT_FALSE(HasFailure());
  }

  // A household approved for one child aged 4-10, in `authority`.
  v1::Adopter AddFittingHousehold(absl::string_view key,
                                  absl::string_view authority) {
    return AddAdopter(key, authority, ApprovedHousehold(1, 48, 120));
  }

  // Registers `count` copies of `adopter` for Sheffield in one batch.
  std::vector<std::string> AddHouseholds(int count,
                                         const v1::Adopter& adopter) {
    v1::BatchCreateAdoptersRequest request;
    request.set_parent("authorities/sheffield");
    request.set_all_or_nothing(true);
    request.set_request_id(NextRequestId());
    for (int i = 0; i < count; ++i) {
      *request.add_requests()->mutable_adopter() = adopter;
    }
    v1::BatchCreateAdoptersResponse response;
    EXPECT_THAT(
        Reg(&RegistryStub::BatchCreateAdopters, sheffield_, request, &response),
        IsOk());
    std::vector<std::string> names;
    for (const v1::Adopter& a : response.adopters()) names.push_back(a.name());
    return names;
  }

  // Registers `count` copies of `child` for Sheffield in one batch.
  std::vector<std::string> AddChildren(int count, const v1::Child& child) {
    v1::BatchCreateChildrenRequest request;
    request.set_parent("authorities/sheffield");
    request.set_all_or_nothing(true);
    request.set_request_id(NextRequestId());
    for (int i = 0; i < count; ++i) {
      *request.add_requests()->mutable_child() = child;
    }
    v1::BatchCreateChildrenResponse response;
    EXPECT_THAT(
        Reg(&RegistryStub::BatchCreateChildren, sheffield_, request, &response),
        IsOk());
    std::vector<std::string> names;
    for (const v1::Child& c : response.children()) names.push_back(c.name());
    return names;
  }

  grpc::Status UpdatePolicy(absl::string_view key,
                            const v1::UpdateMatchingPolicyRequest& request,
                            v1::MatchingPolicy* policy) {
    return Match(&MatchingStub::UpdateMatchingPolicy, key, request, policy);
  }

  static v1::UpdateMatchingPolicyRequest WeightChange(
      std::vector<std::pair<std::string, int>> weights,
      const std::string& request_id) {
    v1::UpdateMatchingPolicyRequest request;
    for (const auto& [component, weight] : weights) {
      v1::ComponentWeight* w = request.mutable_policy()->add_weights();
      w->set_component(component);
      w->set_weight(weight);
    }
    request.set_request_id(request_id);
    return request;
  }

  static std::vector<int> WeightsOf(const v1::MatchingPolicy& policy) {
    std::vector<int> weights;
    for (const std::string& id : ComponentIds()) {
      int weight = -1;
      for (const v1::ComponentWeight& w : policy.weights()) {
        if (w.component() == id) weight = w.weight();
      }
      weights.push_back(weight);
    }
    return weights;
  }

  std::string sheffield_;     // registrar
  std::string leeds_;         // registrar
  std::string rotherham_;     // registrar
  std::string finder_;        // Rotherham's family finder
  std::string leeds_finder_;  // Leeds' family finder
  std::string finance_;       // Sheffield's finance key
};

// ---------------- child-led search ----------------

TEST_F(MatchingServiceTest, RankAdoptersRanksFitsAndCountsEveryExclusion) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  // Approved for exactly one, same authority: the best fit.
  v1::Adopter best = AddFittingHousehold(sheffield_, "sheffield");
  // One spare place and another authority: eligible, lower.
  v1::Adopter second =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(2, 48, 120));
  // One household per hard constraint, each failing only that one.
  v1::Adopter on_hold = ApprovedHousehold(1, 48, 120);
  on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  on_hold = AddAdopter(sheffield_, "sheffield", on_hold);
  v1::Adopter too_young =
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, 48));
  v1::Adopter no_attachment = ApprovedHousehold(1, 48, 120);
  no_attachment.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_NONE);
  no_attachment = AddAdopter(sheffield_, "sheffield", no_attachment);
  v1::Adopter girls = ApprovedHousehold(1, 48, 120);
  girls.set_sex_preference(v1::SEX_PREFERENCE_FEMALE);
  girls = AddAdopter(sheffield_, "sheffield", girls);
  v1::Adopter not_south = ApprovedHousehold(1, 48, 120);
  not_south.set_region("west-yorkshire");
  not_south.add_excluded_regions("south-yorkshire");
  not_south = AddAdopter(leeds_, "leeds", not_south);
  // Not yet approved: not in the index at all.
  v1::Adopter stage_two = ApprovedHousehold(1, 48, 120);
  stage_two.set_status(v1::ADOPTER_STATUS_STAGE_TWO);
  stage_two.clear_approved_on();
  AddAdopter(sheffield_, "sheffield", stage_two);

  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &ranked), IsOk());
  EXPECT_EQ(ranked.child(), child.name());
  EXPECT_EQ(ranked.policy_version(), 1);
  EXPECT_EQ(ranked.considered(), 7);
  EXPECT_EQ(ranked.eligible(), 2);
  EXPECT_EQ(ranked.excluded(), 5);
  EXPECT_THAT(ExclusionCounts(ranked),
              ElementsAre(Pair("not_available", 1), Pair("age_range", 1),
                          Pair("needs", 1), Pair("sex_preference", 1),
                          Pair("household_excluded_region", 1)));
  for (const v1::Exclusion& e : ranked.exclusions()) {
    EXPECT_THAT(e.text(), StartsWith("1 household ")) << e.constraint();
  }
  ASSERT_THAT(AdopterNamesOf(ranked), ElementsAre(best.name(), second.name()));
  EXPECT_GT(ranked.adopters(0).score(), ranked.adopters(1).score());
  for (const v1::RankedAdopter& a : ranked.adopters()) {
    SCOPED_TRACE(a.adopter());
    ExpectExplainedComponents(a.components(), a.score(), DefaultWeights());
  }
  // The exact fit is told apart from the spare place, and the same
  // authority from another, in words.
  EXPECT_EQ(ranked.adopters(0).components(2).fit_permille(), 1000);
  EXPECT_EQ(ranked.adopters(1).components(2).fit_permille(), 500);
  EXPECT_NE(ranked.adopters(0).components(2).reason(),
            ranked.adopters(1).components(2).reason());
  EXPECT_NE(ranked.adopters(0).components(7).reason(),
            ranked.adopters(1).components(7).reason());
}

TEST_F(MatchingServiceTest, RankAdoptersCountsEachHouseholdUnderItsFirstFail) {
  // Brothers of 7 and 5 who must not be placed in west-yorkshire.
  v1::Child brothers = ChildProfile({84, 60});
  brothers.add_excluded_regions("west-yorkshire");
  brothers = AddChild(sheffield_, "sheffield", brothers);
  v1::Adopter pair = ApprovedHousehold(2, 48, 120);
  pair.set_region("west-yorkshire");
  AddAdopter(leeds_, "leeds", pair);  // fails only child_excluded_region
  v1::Adopter on_hold = ApprovedHousehold(1, 0, 48);
  on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  AddAdopter(sheffield_, "sheffield", on_hold);  // fails three
  for (int max_age : {48, 120, 150}) {           // capacity first
    AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, max_age));
  }

  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(finder_, brothers.name(), &ranked), IsOk());
  EXPECT_EQ(ranked.considered(), 5);
  EXPECT_EQ(ranked.eligible(), 0);
  EXPECT_EQ(ranked.excluded(), 5);
  EXPECT_THAT(ExclusionCounts(ranked),
              ElementsAre(Pair("not_available", 1), Pair("capacity", 3),
                          Pair("child_excluded_region", 1)));
  ASSERT_THAT(ranked.exclusions(), SizeIs(3));
  EXPECT_EQ(ranked.exclusions(1).text(),
            "3 households approved for fewer than 2 children");
  EXPECT_THAT(ranked.adopters(), IsEmpty());
}

TEST_F(MatchingServiceTest, RankingPagesWithTokensAndNoticesAChangedRanking) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  std::vector<std::string> names =
      AddHouseholds(23, ApprovedHousehold(1, 48, 120));
  std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return RowIdOf(a) < RowIdOf(b);
  });
  // Pages of 5 with full reasons: every household once, in rank order, each
  // with the same components as the one-page ranking.
  v1::RankAdoptersResponse whole;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &whole, 100), IsOk());
  EXPECT_TRUE(whole.next_page_token().empty());
  v1::RankAdoptersRequest request;
  request.set_child(child.name());
  request.set_page_size(5);
  std::vector<std::string> paged;
  int pages = 0;
  std::string first_token;
  do {
    v1::RankAdoptersResponse page;
    ASSERT_THAT(Match(&MatchingStub::RankAdopters, finder_, request, &page),
                IsOk());
    EXPECT_EQ(page.eligible(), 23);
    for (const v1::RankedAdopter& a : page.adopters()) {
      const v1::RankedAdopter& same = whole.adopters(paged.size());
      EXPECT_EQ(a.adopter(), same.adopter());
      EXPECT_EQ(a.components_size(), same.components_size());
      for (int c = 0; c < a.components_size() && c < same.components_size();
           ++c) {
        EXPECT_EQ(a.components(c).reason(), same.components(c).reason());
      }
      paged.push_back(a.adopter());
    }
    if (first_token.empty()) first_token = page.next_page_token();
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 5);
  EXPECT_THAT(paged, ElementsAreArray(names));

  // A token is for its own ranking only, and must be one the server made.
  v1::RankAdoptersResponse refused;
  request.set_page_token(first_token);
  request.set_min_score(1);
  grpc::Status status =
      Match(&MatchingStub::RankAdopters, finder_, request, &refused);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
  request.set_min_score(0);
  request.set_page_token("not-a-token");
  status = Match(&MatchingStub::RankAdopters, finder_, request, &refused);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));

  // After a registration, a later page is ABORTED, not served from a
  // different ranking.
  AddHouseholds(1, ApprovedHousehold(1, 48, 120));
  request.set_page_token(first_token);
  EXPECT_THAT(Match(&MatchingStub::RankAdopters, finder_, request, &refused),
              StatusIs(Code::ABORTED));
}

TEST_F(MatchingServiceTest, RankAdoptersHonoursPageSizeAndMinScore) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  // 25 identical households: equal scores, so the order is by id.
  std::vector<std::string> names =
      AddHouseholds(25, ApprovedHousehold(1, 48, 120));
  ASSERT_THAT(names, SizeIs(25));
  std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return RowIdOf(a) < RowIdOf(b);
  });

  v1::RankAdoptersResponse all;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &all, 100), IsOk());
  EXPECT_EQ(all.eligible(), 25);
  EXPECT_THAT(AdopterNamesOf(all), ElementsAreArray(names));
  const int score = all.adopters(0).score();
  for (const v1::RankedAdopter& a : all.adopters()) EXPECT_EQ(a.score(), score);

  v1::RankAdoptersResponse by_default;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &by_default, 0), IsOk());
  EXPECT_THAT(AdopterNamesOf(by_default),
              ElementsAreArray(names.begin(), names.begin() + 20));

  v1::RankAdoptersResponse page;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &page, 5), IsOk());
  EXPECT_THAT(AdopterNamesOf(page),
              ElementsAreArray(names.begin(), names.begin() + 5));
  EXPECT_EQ(page.eligible(), 25);  // the summary covers everyone

  v1::RankAdoptersResponse at_score;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &at_score, 100, score),
              IsOk());
  EXPECT_THAT(at_score.adopters(), SizeIs(25));
  if (score < 100) {
    v1::RankAdoptersResponse above;
    ASSERT_THAT(RankAdopters(finder_, child.name(), &above, 100, score + 1),
                IsOk());
    EXPECT_THAT(above.adopters(), IsEmpty());
    EXPECT_EQ(above.eligible(), 25);
  }
}

// ---------------- family-led search ----------------

TEST_F(MatchingServiceTest, RankChildrenRanksWaitingChildrenAndCountsTheRest) {
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");
  v1::Child fits = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Child elsewhere = AddChild(leeds_, "leeds", ChildProfile({110}));
  // Statuses follow links: linked with another household (both LINKED).
  v1::Child linked = AddChild(sheffield_, "sheffield", ChildProfile({96}));
  LinkTo(linked.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
         v1::LINK_STEP_OPENED);
  AddChild(sheffield_, "sheffield", ChildProfile({150}));     // age_range
  AddChild(sheffield_, "sheffield", ChildProfile({84, 60}));  // capacity
  v1::Child needy = ChildProfile({84});
  v1::Need* fasd = needy.mutable_members(0)->add_needs();
  fasd->set_category(v1::NEED_CATEGORY_FOETAL_ALCOHOL_SPECTRUM);
  fasd->set_level(v1::NEED_LEVEL_MODERATE);
  AddChild(sheffield_, "sheffield", needy);  // needs
  v1::Child withdrawn = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  WithdrawChild(sheffield_, withdrawn.name());
  v1::Child placed = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  LinkTo(placed.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
         v1::LINK_STEP_PLACED);

  v1::RankChildrenResponse ranked;
  ASSERT_THAT(RankChildren(finder_, household.name(), &ranked), IsOk());
  EXPECT_EQ(ranked.adopter(), household.name());
  EXPECT_EQ(ranked.policy_version(), 1);
  EXPECT_EQ(ranked.considered(), 6);  // waiting and linked children
  EXPECT_EQ(ranked.eligible(), 3);
  EXPECT_EQ(ranked.excluded(), 3);
  EXPECT_THAT(
      ExclusionCounts(ranked),
      ElementsAre(Pair("capacity", 1), Pair("age_range", 1), Pair("needs", 1)));
  for (const v1::Exclusion& e : ranked.exclusions()) {
    EXPECT_THAT(e.text(), StartsWith("1 child ")) << e.constraint();
  }
  EXPECT_THAT(ChildNamesOf(ranked),
              ::testing::UnorderedElementsAre(fits.name(), elsewhere.name(),
                                              linked.name()));
  // The centre of the age range, same authority, comes first.
  ASSERT_THAT(ranked.children(), SizeIs(3));
  EXPECT_EQ(ranked.children(0).child(), fits.name());
  for (int i = 0; i < ranked.children_size(); ++i) {
    const v1::RankedChild& c = ranked.children(i);
    SCOPED_TRACE(c.child());
    ExpectExplainedComponents(c.components(), c.score(), DefaultWeights());
    if (i > 0) {
      EXPECT_LE(c.score(), ranked.children(i - 1).score());
    }
  }
}

// ---------------- explaining a pair ----------------

TEST_F(MatchingServiceTest, ExplainPairGivesEveryConstraintAndComponent) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Adopter fits = AddFittingHousehold(sheffield_, "sheffield");
  v1::Adopter misfit = ApprovedHousehold(1, 0, 48);
  misfit.set_sex_preference(v1::SEX_PREFERENCE_FEMALE);
  misfit = AddAdopter(sheffield_, "sheffield", misfit);

  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &ranked), IsOk());
  ASSERT_THAT(AdopterNamesOf(ranked), ElementsAre(fits.name()));

  v1::PairExplanation good;
  ASSERT_THAT(ExplainPair(finder_, child.name(), fits.name(), &good), IsOk());
  EXPECT_EQ(good.child(), child.name());
  EXPECT_EQ(good.adopter(), fits.name());
  EXPECT_EQ(good.policy_version(), 1);
  EXPECT_TRUE(good.eligible());
  ASSERT_THAT(good.constraints(), SizeIs(ConstraintIds().size()));
  for (int i = 0; i < good.constraints_size(); ++i) {
    const v1::ConstraintCheck& c = good.constraints(i);
    EXPECT_EQ(c.constraint(), ConstraintIds()[i]);
    EXPECT_TRUE(c.passed()) << c.constraint();
    EXPECT_FALSE(c.reason().empty()) << c.constraint();
  }
  // The same score and the same words as the ranking.
  EXPECT_EQ(good.score(), ranked.adopters(0).score());
  ASSERT_THAT(good.components(), SizeIs(ComponentIds().size()));
  for (int i = 0; i < good.components_size(); ++i) {
    EXPECT_THAT(good.components(i),
                EqualsProto(ranked.adopters(0).components(i)));
  }

  v1::PairExplanation bad;
  ASSERT_THAT(ExplainPair(finder_, child.name(), misfit.name(), &bad), IsOk());
  EXPECT_FALSE(bad.eligible());
  EXPECT_THAT(FailedConstraints(bad),
              ElementsAre("age_range", "sex_preference"));
  ASSERT_THAT(bad.constraints(), SizeIs(ConstraintIds().size()));
  for (const v1::ConstraintCheck& c : bad.constraints()) {
    EXPECT_FALSE(c.reason().empty()) << c.constraint();
  }
  // Still scored, so the family finder sees what it would have been.
  ExpectExplainedComponents(bad.components(), bad.score(), DefaultWeights());
}

// ---------------- the matching policy ----------------

TEST_F(MatchingServiceTest, GetMatchingPolicyShowsTheDefaultsToAnyKey) {
  for (const std::string& key : {manager_, finder_, sheffield_, finance_}) {
    v1::MatchingPolicy policy = GetPolicy(key);
    EXPECT_EQ(policy.name(), "matchingPolicy");
    EXPECT_EQ(policy.version(), 1);
    EXPECT_EQ(WeightsOf(policy), DefaultWeights());
    EXPECT_THAT(policy.weights(), SizeIs(ComponentIds().size()));
    EXPECT_EQ(policy.max_open_links(), 6);
    EXPECT_EQ(policy.max_open_links_per_child(), 3);
  }
  v1::MatchingPolicy policy;
  EXPECT_THAT(Match(&MatchingStub::GetMatchingPolicy, "",
                    v1::GetMatchingPolicyRequest(), &policy),
              StatusIs(Code::UNAUTHENTICATED));
}

TEST_F(MatchingServiceTest, UpdateMatchingPolicyMakesAVersionRankingsReport) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");

  v1::MatchingPolicy updated;
  v1::UpdateMatchingPolicyRequest request =
      WeightChange({{"identity", 40}}, "policy-1");
  ASSERT_THAT(UpdatePolicy(manager_, request, &updated), IsOk());
  EXPECT_EQ(updated.version(), 2);
  std::vector<int> weights = DefaultWeights();
  weights[6] = 40;  // identity; the others keep theirs
  EXPECT_EQ(WeightsOf(updated), weights);
  EXPECT_EQ(updated.max_open_links(), 6);
  EXPECT_EQ(updated.max_open_links_per_child(), 3);
  EXPECT_EQ(updated.updated_by(), "authorities/hub");
  EXPECT_TRUE(updated.has_update_time());

  // A retry returns the first answer; it makes no third version.
  v1::MatchingPolicy retried;
  ASSERT_THAT(UpdatePolicy(manager_, request, &retried), IsOk());
  EXPECT_THAT(retried, EqualsProto(updated));
  EXPECT_EQ(GetPolicy(finder_).version(), 2);
  // The same request id with another body is refused.
  v1::MatchingPolicy refused;
  EXPECT_THAT(
      UpdatePolicy(manager_, WeightChange({{"identity", 41}}, "policy-1"),
                   &refused),
      StatusIs(Code::ALREADY_EXISTS));

  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(finder_, child.name(), &ranked), IsOk());
  EXPECT_EQ(ranked.policy_version(), 2);
  ASSERT_THAT(ranked.adopters(), SizeIs(1));
  ExpectExplainedComponents(ranked.adopters(0).components(),
                            ranked.adopters(0).score(), weights);
  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(finder_, household.name(), &children), IsOk());
  EXPECT_EQ(children.policy_version(), 2);
  v1::PairExplanation explained;
  ASSERT_THAT(ExplainPair(finder_, child.name(), household.name(), &explained),
              IsOk());
  EXPECT_EQ(explained.policy_version(), 2);
  EXPECT_EQ(explained.components(6).weight(), 40);

  v1::MatchingPolicy third;
  v1::UpdateMatchingPolicyRequest links;
  links.mutable_policy()->set_max_open_links(3);
  links.mutable_policy()->set_max_open_links_per_child(2);
  links.set_request_id("policy-2");
  ASSERT_THAT(UpdatePolicy(manager_, links, &third), IsOk());
  EXPECT_EQ(third.version(), 3);
  EXPECT_EQ(third.max_open_links(), 3);
  EXPECT_EQ(third.max_open_links_per_child(), 2);
  EXPECT_EQ(WeightsOf(third), weights);

  // The newest version survives a restart and is the one used.
  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_THAT(GetPolicy(finder_), EqualsProto(third));
  ASSERT_THAT(RankAdopters(finder_, child.name(), &ranked), IsOk());
  EXPECT_EQ(ranked.policy_version(), 3);
  ASSERT_THAT(ranked.adopters(), SizeIs(1));
  EXPECT_EQ(ranked.adopters(0).components(6).weight(), 40);
}

TEST_F(MatchingServiceTest, UpdateMatchingPolicyRejectsBadInputNamingTheField) {
  struct Case {
    std::string what;
    v1::UpdateMatchingPolicyRequest request;
    std::vector<std::string> fields;
  };
  std::vector<Case> cases;
  cases.push_back({"unknown component",
                   WeightChange({{"kindness", 10}}, "bad-1"),
                   {"policy.weights[0].component"}});
  cases.push_back({"weight 101",
                   WeightChange({{"identity", 101}}, "bad-2"),
                   {"policy.weights[0].weight"}});
  cases.push_back({"weight -1",
                   WeightChange({{"identity", -1}}, "bad-3"),
                   {"policy.weights[0].weight"}});
  cases.push_back(
      {"two bad weights",
       WeightChange({{"needs_margin", 101}, {"kindness", 5}}, "bad-4"),
       {"policy.weights[0].weight", "policy.weights[1].component"}});
  v1::UpdateMatchingPolicyRequest links = WeightChange({}, "bad-5");
  links.mutable_policy()->set_max_open_links(21);
  cases.push_back({"max_open_links 21", links, {"policy.max_open_links"}});
  v1::UpdateMatchingPolicyRequest per_child = WeightChange({}, "bad-8");
  per_child.mutable_policy()->set_max_open_links_per_child(11);
  cases.push_back({"max_open_links_per_child 11",
                   per_child,
                   {"policy.max_open_links_per_child"}});
  cases.push_back(
      {"no request id", WeightChange({{"identity", 10}}, ""), {"request_id"}});
  cases.push_back({"a component given twice",
                   WeightChange({{"identity", 10}, {"identity", 20}}, "bad-7"),
                   {"policy.weights[1].component"}});
  for (const Case& c : cases) {
    v1::MatchingPolicy policy;
    grpc::Status status = UpdatePolicy(manager_, c.request, &policy);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT)) << c.what;
    EXPECT_THAT(ViolationFields(status), ElementsAreArray(c.fields)) << c.what;
  }
  // Every weight zero leaves nothing to score with.
  std::vector<std::pair<std::string, int>> zeros;
  for (const std::string& id : ComponentIds()) zeros.emplace_back(id, 0);
  v1::MatchingPolicy policy;
  EXPECT_THAT(UpdatePolicy(manager_, WeightChange(zeros, "bad-6"), &policy),
              StatusIs(Code::INVALID_ARGUMENT));

  EXPECT_EQ(GetPolicy(manager_).version(), 1);
}

TEST_F(MatchingServiceTest, OnlyAManagerUpdatesTheMatchingPolicy) {
  v1::UpdateMatchingPolicyRequest request =
      WeightChange({{"locality", 30}}, "policy-1");
  for (const std::string& key : {finder_, sheffield_, finance_}) {
    v1::MatchingPolicy policy;
    EXPECT_THAT(UpdatePolicy(key, request, &policy),
                StatusIs(Code::PERMISSION_DENIED));
  }
  for (const std::string& key : {std::string(), std::string("raa_nonsense")}) {
    v1::MatchingPolicy policy;
    EXPECT_THAT(UpdatePolicy(key, request, &policy),
                StatusIs(Code::UNAUTHENTICATED));
  }
  EXPECT_EQ(GetPolicy(manager_).version(), 1);
  // A manager of a member authority may.
  std::string sheffield_manager = NewKey("sheffield", {v1::ROLE_MANAGER});
  v1::MatchingPolicy policy;
  EXPECT_THAT(UpdatePolicy(sheffield_manager, request, &policy), IsOk());
  EXPECT_EQ(policy.version(), 2);
  EXPECT_EQ(policy.updated_by(), "authorities/sheffield");
}

// ---------------- bad input, unknown and closed records ----------------

TEST_F(MatchingServiceTest, MalformedRequestsAreInvalidArgumentNamingTheField) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");
  struct Case {
    std::string child;
    int page_size;
    int min_score;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {"", 20, 0, {"child"}},
      {"children/c1", 20, 0, {"child"}},
      {"authorities/sheffield/children/1", 20, 0, {"child"}},
      {"authorities/Sheffield/children/c1", 20, 0, {"child"}},
      {household.name(), 20, 0, {"child"}},  // an adopter's name
      {child.name(), 101, 0, {"page_size"}},
      {child.name(), -1, 0, {"page_size"}},
      {child.name(), 20, -1, {"min_score"}},
      {child.name(), 20, 101, {"min_score"}},
      {child.name(), 101, -1, {"page_size", "min_score"}},
  };
  for (const Case& c : cases) {
    v1::RankAdoptersResponse ranked;
    grpc::Status status =
        RankAdopters(finder_, c.child, &ranked, c.page_size, c.min_score);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT))
        << c.child << " " << c.page_size << " " << c.min_score;
    EXPECT_THAT(ViolationFields(status), ElementsAreArray(c.fields))
        << c.child << " " << c.page_size << " " << c.min_score;
  }
  v1::RankAdoptersResponse edge;
  EXPECT_THAT(RankAdopters(finder_, child.name(), &edge, 100, 100), IsOk());

  v1::RankChildrenResponse children;
  grpc::Status status = RankChildren(finder_, child.name(), &children);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("adopter"));
  status = RankChildren(finder_, household.name(), &children, 101, -1);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_size", "min_score"));

  v1::PairExplanation explained;
  status = ExplainPair(finder_, household.name(), child.name(), &explained);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child", "adopter"));
}

TEST_F(MatchingServiceTest, UnknownRecordsAreNotFound) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");
  const std::string other_authority =
      absl::StrCat("authorities/leeds/children/c", RowIdOf(child.name()));
  for (const std::string& name :
       {std::string("authorities/sheffield/children/c999999"),
        other_authority,  // Sheffield's row under Leeds' name
        std::string("authorities/nowhere/children/c1")}) {
    v1::RankAdoptersResponse ranked;
    EXPECT_THAT(RankAdopters(finder_, name, &ranked), StatusIs(Code::NOT_FOUND))
        << name;
    v1::PairExplanation explained;
    EXPECT_THAT(ExplainPair(finder_, name, household.name(), &explained),
                StatusIs(Code::NOT_FOUND))
        << name;
  }
  v1::RankChildrenResponse children;
  EXPECT_THAT(RankChildren(finder_, "authorities/sheffield/adopters/h999999",
                           &children),
              StatusIs(Code::NOT_FOUND));
  EXPECT_THAT(RankChildren(finder_,
                           absl::StrCat("authorities/leeds/adopters/h",
                                        RowIdOf(household.name())),
                           &children),
              StatusIs(Code::NOT_FOUND));
  v1::PairExplanation explained;
  EXPECT_THAT(ExplainPair(finder_, child.name(),
                          "authorities/sheffield/adopters/h999999", &explained),
              StatusIs(Code::NOT_FOUND));
}

TEST_F(MatchingServiceTest, ClosedRecordsAreNotSearchedForButAreExplained) {
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");
  v1::Child waiting = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  std::vector<std::string> closed;
  // Matched and placed through links, each with a household of its own.
  for (v1::LinkStep step :
       {v1::LINK_STEP_MATCH_DECIDED, v1::LINK_STEP_PLACED}) {
    v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
    LinkTo(child.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
           step);
    closed.push_back(child.name());
  }
  v1::Child withdrawn = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  WithdrawChild(sheffield_, withdrawn.name());
  closed.push_back(withdrawn.name());
  for (const std::string& name : closed) {
    v1::RankAdoptersResponse ranked;
    EXPECT_THAT(RankAdopters(finder_, name, &ranked),
                StatusIs(Code::FAILED_PRECONDITION))
        << name;
    // Explained as of now, saying the pair is closed and why.
    v1::PairExplanation explained;
    ASSERT_THAT(ExplainPair(finder_, name, household.name(), &explained),
                IsOk())
        << name;
    EXPECT_THAT(explained.closed_reason(), testing::HasSubstr("the child is "))
        << name;
    EXPECT_FALSE(explained.eligible()) << name;
    ASSERT_FALSE(explained.constraints().empty());
    EXPECT_EQ(explained.constraints(0).constraint(), "not_available");
    EXPECT_FALSE(explained.constraints(0).passed());
    EXPECT_EQ(explained.components_size(), 8) << "scored as of now";
  }
  {
    v1::PairExplanation explained;
    ASSERT_THAT(
        ExplainPair(finder_, closed.back(), household.name(), &explained),
        IsOk());
    EXPECT_THAT(explained.closed_reason(),
                testing::StartsWith("the child is withdrawn"));
  }
  // A linked child is still searched for.
  v1::Child linked = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  LinkTo(linked.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
         v1::LINK_STEP_OPENED);
  v1::RankAdoptersResponse ranked;
  EXPECT_THAT(RankAdopters(finder_, linked.name(), &ranked), IsOk());

  std::vector<std::string> unavailable;
  v1::Adopter stage_two = ApprovedHousehold(1, 48, 120);
  stage_two.set_status(v1::ADOPTER_STATUS_STAGE_TWO);
  stage_two.clear_approved_on();
  stage_two = AddAdopter(sheffield_, "sheffield", stage_two);
  unavailable.push_back(stage_two.name());
  v1::Adopter on_hold = ApprovedHousehold(1, 48, 120);
  on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  unavailable.push_back(AddAdopter(sheffield_, "sheffield", on_hold).name());
  v1::Adopter gone = AddFittingHousehold(sheffield_, "sheffield");
  WithdrawAdopter(sheffield_, gone.name());
  unavailable.push_back(gone.name());
  // Each refusal names the household as the caller did, and its status.
  const char* const statuses[] = {"STAGE_TWO", "ON_HOLD", "WITHDRAWN"};
  const char* const why[] = {
      "only approved households are matched",
      "children are ranked only for approved households not on hold",
      "only approved households are matched"};
  for (size_t i = 0; i < unavailable.size(); ++i) {
    v1::RankChildrenResponse children;
    grpc::Status s = RankChildren(finder_, unavailable[i], &children);
    EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION)) << unavailable[i];
    EXPECT_EQ(s.error_message(),
              absl::StrCat(unavailable[i], " is ", statuses[i], ": ", why[i]));
  }
  v1::PairExplanation explained;
  ASSERT_THAT(ExplainPair(finder_, waiting.name(), gone.name(), &explained),
              IsOk());
  EXPECT_THAT(explained.closed_reason(),
              testing::StartsWith("the household is withdrawn"));
  ASSERT_THAT(
      ExplainPair(finder_, waiting.name(), stage_two.name(), &explained),
      IsOk());
  EXPECT_EQ(explained.closed_reason(),
            "the household is at stage two, not yet approved");
  // On hold is open (in the index, not available): no closed reason.
  ASSERT_THAT(ExplainPair(finder_, waiting.name(), unavailable[1], &explained),
              IsOk());
  EXPECT_EQ(explained.closed_reason(), "");
  EXPECT_FALSE(explained.eligible());
}

// ---------------- keys and roles ----------------

TEST_F(MatchingServiceTest, SearchingFollowsTheKeysRoles) {
  v1::Child sheffield_child =
      AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Child leeds_child = AddChild(leeds_, "leeds", ChildProfile({84}));
  v1::Adopter sheffield_household =
      AddFittingHousehold(sheffield_, "sheffield");
  v1::Adopter leeds_household = AddFittingHousehold(leeds_, "leeds");
  auto rank_adopters = [&](const std::string& key, const std::string& child) {
    v1::RankAdoptersResponse r;
    return RankAdopters(key, child, &r);
  };
  auto rank_children = [&](const std::string& key, const std::string& adopter) {
    v1::RankChildrenResponse r;
    return RankChildren(key, adopter, &r);
  };
  auto explain = [&](const std::string& key, const std::string& child,
                     const std::string& adopter) {
    v1::PairExplanation e;
    return ExplainPair(key, child, adopter, &e);
  };

  for (const std::string& key : {std::string(), std::string("raa_x_y")}) {
    EXPECT_THAT(rank_adopters(key, sheffield_child.name()),
                StatusIs(Code::UNAUTHENTICATED));
    EXPECT_THAT(rank_children(key, sheffield_household.name()),
                StatusIs(Code::UNAUTHENTICATED));
    EXPECT_THAT(explain(key, sheffield_child.name(), leeds_household.name()),
                StatusIs(Code::UNAUTHENTICATED));
  }
  // Family finders and managers search for anyone.
  for (const std::string& key : {finder_, leeds_finder_, manager_}) {
    for (const v1::Child& c : {sheffield_child, leeds_child}) {
      EXPECT_THAT(rank_adopters(key, c.name()), IsOk());
    }
    for (const v1::Adopter& a : {sheffield_household, leeds_household}) {
      EXPECT_THAT(rank_children(key, a.name()), IsOk());
    }
    EXPECT_THAT(explain(key, leeds_child.name(), sheffield_household.name()),
                IsOk());
  }
  // A registrar, for its own children and households only.
  EXPECT_THAT(rank_adopters(sheffield_, sheffield_child.name()), IsOk());
  EXPECT_THAT(rank_adopters(sheffield_, leeds_child.name()),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(rank_children(sheffield_, sheffield_household.name()), IsOk());
  EXPECT_THAT(rank_children(sheffield_, leeds_household.name()),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(
      explain(sheffield_, sheffield_child.name(), leeds_household.name()),
      IsOk());
  EXPECT_THAT(
      explain(sheffield_, leeds_child.name(), sheffield_household.name()),
      IsOk());
  EXPECT_THAT(explain(sheffield_, leeds_child.name(), leeds_household.name()),
              StatusIs(Code::PERMISSION_DENIED));
  // Finance keys do not search at all.
  EXPECT_THAT(rank_adopters(finance_, sheffield_child.name()),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(rank_children(finance_, sheffield_household.name()),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(
      explain(finance_, sheffield_child.name(), sheffield_household.name()),
      StatusIs(Code::PERMISSION_DENIED));
}

// ---------------- read-your-writes ----------------

TEST_F(MatchingServiceTest, ASearchSeesEveryAcknowledgedWrite) {
  v1::Child brothers =
      AddChild(sheffield_, "sheffield", ChildProfile({84, 60}));
  auto rank = [&] {
    v1::RankAdoptersResponse ranked;
    EXPECT_THAT(RankAdopters(leeds_finder_, brothers.name(), &ranked), IsOk());
    EXPECT_EQ(ranked.considered(), ranked.eligible() + ranked.excluded());
    return ranked;
  };
  v1::RankAdoptersResponse ranked = rank();
  EXPECT_EQ(ranked.considered(), 0);

  v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 60));
  ranked = rank();
  EXPECT_EQ(ranked.considered(), 1);
  EXPECT_THAT(ExclusionCounts(ranked), ElementsAre(Pair("capacity", 1)));

  household.set_approved_for(2);
  UpdateAdopter(leeds_, household, {"approved_for"});
  ranked = rank();
  EXPECT_THAT(ExclusionCounts(ranked), ElementsAre(Pair("age_range", 1)));

  household.set_max_age_months(120);
  UpdateAdopter(leeds_, household, {"max_age_months"});
  ranked = rank();
  EXPECT_EQ(ranked.eligible(), 1);
  EXPECT_THAT(ranked.exclusions(), IsEmpty());
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(household.name()));

  // Region exclusions are changed with an update mask too (the path is
  // longer than std::string's inline buffer).
  household.add_excluded_regions("south-yorkshire");
  UpdateAdopter(leeds_, household, {"excluded_regions"});
  ranked = rank();
  EXPECT_THAT(ExclusionCounts(ranked),
              ElementsAre(Pair("household_excluded_region", 1)));
  household.clear_excluded_regions();
  UpdateAdopter(leeds_, household, {"excluded_regions"});
  ranked = rank();
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(household.name()));

  household.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  UpdateAdopter(leeds_, household, {"status"});
  ranked = rank();
  EXPECT_THAT(ExclusionCounts(ranked), ElementsAre(Pair("not_available", 1)));
  household.set_status(v1::ADOPTER_STATUS_APPROVED);
  UpdateAdopter(leeds_, household, {"status"});

  v1::Adopter second =
      AddAdopter(rotherham_, "rotherham", ApprovedHousehold(2, 48, 120));
  ranked = rank();
  EXPECT_EQ(ranked.considered(), 2);
  EXPECT_THAT(AdopterNamesOf(ranked), Contains(second.name()));
  EXPECT_THAT(AdopterNamesOf(ranked), SizeIs(2));

  // The reverse search sees new and closed children at once too.
  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(leeds_finder_, second.name(), &children), IsOk());
  EXPECT_THAT(ChildNamesOf(children), ElementsAre(brothers.name()));
  v1::Child single = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  ASSERT_THAT(RankChildren(leeds_finder_, second.name(), &children), IsOk());
  EXPECT_THAT(ChildNamesOf(children), Contains(single.name()));
  // Placed through a link with a household of its own (placed too).
  LinkTo(single.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
         v1::LINK_STEP_PLACED);
  ASSERT_THAT(RankChildren(leeds_finder_, second.name(), &children), IsOk());
  EXPECT_THAT(ChildNamesOf(children), ElementsAre(brothers.name()));
  EXPECT_EQ(children.considered(), 1);

  WithdrawAdopter(leeds_, household.name());
  ranked = rank();
  EXPECT_EQ(ranked.considered(), 1);
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(second.name()));

  // A member that leaves takes its households out of every search, and
  // the summary says why.
  WithdrawAuthority("rotherham");
  ranked = rank();
  EXPECT_EQ(ranked.considered(), 1);
  EXPECT_EQ(ranked.eligible(), 0);
  EXPECT_THAT(ExclusionCounts(ranked),
              ElementsAre(Pair("authority_withdrawn", 1)));
  EXPECT_THAT(ranked.adopters(), IsEmpty());
  grpc::Status refused = RankChildren(leeds_finder_, second.name(), &children);
  EXPECT_THAT(refused, StatusIs(Code::FAILED_PRECONDITION));
  // Named as the caller named it, not by its number in the index.
  EXPECT_EQ(refused.error_message(),
            absl::StrCat(second.name(), ": authority rotherham has withdrawn"));
}

// ---------------- visibility ----------------

TEST_F(MatchingServiceTest,
       AHiddenProfileIsNotFoundAndNeverListedForThatAuthority) {
  v1::Child hidden = ChildProfile({84});
  hidden.add_hidden_from("leeds");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  v1::Child visible = AddChild(sheffield_, "sheffield", ChildProfile({90}));
  v1::Adopter sheffield_household =
      AddFittingHousehold(sheffield_, "sheffield");
  v1::Adopter leeds_household = AddFittingHousehold(leeds_, "leeds");

  // Leeds cannot find it, rank for it or explain it, and hears exactly what
  // it hears of a child that does not exist.
  const std::string missing = "authorities/sheffield/children/c9999";
  v1::RankAdoptersResponse ranked;
  grpc::Status hidden_status =
      RankAdopters(leeds_finder_, hidden.name(), &ranked);
  EXPECT_THAT(hidden_status, StatusIs(Code::NOT_FOUND));
  EXPECT_EQ(hidden_status.error_message(),
            RankAdopters(leeds_finder_, missing, &ranked).error_message());
  v1::PairExplanation explained;
  hidden_status = ExplainPair(leeds_finder_, hidden.name(),
                              sheffield_household.name(), &explained);
  EXPECT_THAT(hidden_status, StatusIs(Code::NOT_FOUND));
  EXPECT_EQ(hidden_status.error_message(),
            ExplainPair(leeds_finder_, missing, sheffield_household.name(),
                        &explained)
                .error_message());
  EXPECT_THAT(ExplainPair(leeds_finder_, hidden.name(), leeds_household.name(),
                          &explained),
              StatusIs(Code::NOT_FOUND));
  // ... nor meet it in a family-led search, its own or another's, nor
  // count it there.
  for (const v1::Adopter& a : {sheffield_household, leeds_household}) {
    v1::RankChildrenResponse children;
    ASSERT_THAT(RankChildren(leeds_finder_, a.name(), &children), IsOk());
    EXPECT_THAT(ChildNamesOf(children), Not(Contains(hidden.name())))
        << a.name();
    EXPECT_THAT(ChildNamesOf(children), Contains(visible.name())) << a.name();
    v1::RankChildrenResponse seen_by_others;
    ASSERT_THAT(RankChildren(finder_, a.name(), &seen_by_others), IsOk());
    EXPECT_EQ(children.considered(), seen_by_others.considered() - 1)
        << a.name();
    EXPECT_THAT(ExclusionCounts(children),
                Not(Contains(Pair("hidden_from_authority", _))))
        << a.name();
  }

  // Everyone else sees it; Leeds' household is excluded, and counted.
  ASSERT_THAT(RankAdopters(finder_, hidden.name(), &ranked), IsOk());
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(sheffield_household.name()));
  EXPECT_THAT(ExclusionCounts(ranked),
              ElementsAre(Pair("hidden_from_authority", 1)));
  ASSERT_THAT(
      ExplainPair(finder_, hidden.name(), leeds_household.name(), &explained),
      IsOk());
  EXPECT_THAT(FailedConstraints(explained),
              ElementsAre("hidden_from_authority"));
  // The list is Sheffield's to read: Rotherham's reason names no authority.
  for (const v1::ConstraintCheck& c : explained.constraints()) {
    if (c.constraint() == "hidden_from_authority") {
      EXPECT_EQ(c.reason(), "profile is hidden from the household's authority");
    }
  }
  ASSERT_THAT(ExplainPair(sheffield_, hidden.name(), leeds_household.name(),
                          &explained),
              IsOk());
  for (const v1::ConstraintCheck& c : explained.constraints()) {
    if (c.constraint() == "hidden_from_authority") {
      EXPECT_EQ(c.reason(), "profile is hidden from leeds");
    }
  }
  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(finder_, sheffield_household.name(), &children),
              IsOk());
  EXPECT_THAT(ChildNamesOf(children), Contains(hidden.name()));

  // Once closed it is still not found (not "not waiting") for Leeds.
  LinkTo(hidden.name(), AddFittingHousehold(sheffield_, "sheffield").name(),
         v1::LINK_STEP_PLACED);
  EXPECT_THAT(RankAdopters(leeds_finder_, hidden.name(), &ranked),
              StatusIs(Code::NOT_FOUND));
  EXPECT_THAT(RankAdopters(finder_, hidden.name(), &ranked),
              StatusIs(Code::FAILED_PRECONDITION));
}

TEST_F(MatchingServiceTest, RankChildrenFillsThePageWhenTheBestAreHidden) {
  v1::Adopter household = AddFittingHousehold(sheffield_, "sheffield");
  // 23 best-fitting children hidden from Leeds, then one it may see with the
  // same score (a higher id, so it ranks after them).
  v1::Child hidden = ChildProfile({84});
  hidden.add_hidden_from("leeds");
  ASSERT_THAT(AddChildren(23, hidden), SizeIs(23));
  v1::Child visible = AddChild(sheffield_, "sheffield", ChildProfile({84}));

  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(leeds_finder_, household.name(), &children, 1),
              IsOk());
  EXPECT_THAT(ChildNamesOf(children), ElementsAre(visible.name()))
      << "a page of one must hold the one child Leeds may see";
}

// Languages are ISO 639 codes, and the index holds every listed one at once:
// one member registering households in 70 different languages (more than the
// 64 the index once held, after which every member was refused a new
// language until a restart) leaves every household searchable, and a made-up
// code is refused naming the field, not an internal id.
TEST_F(MatchingServiceTest, NoMemberCanFillTheIndexWithLanguages) {
  const std::string& registrar = sheffield_;
  const char* kCodes[] = {
      "aa", "ab", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba",
      "be", "bg", "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co",
      "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en",
      "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga",
      "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu",
      "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is"};
  std::string last_stored;
  for (const char* code : kCodes) {
    v1::Adopter a = ApprovedHousehold(1, 0, 60);
    a.clear_languages();
    a.add_languages(code);
    v1::CreateAdopterRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_adopter() = a;
    request.set_request_id(NextRequestId());
    v1::Adopter created;
    ASSERT_TRUE(
        Reg(&RegistryStub::CreateAdopter, registrar, request, &created).ok())
        << code;
    last_stored = created.name();
  }
  v1::Adopter made_up = ApprovedHousehold(1, 0, 60);
  made_up.add_languages("zz");
  v1::CreateAdopterRequest request;
  request.set_parent("authorities/sheffield");
  *request.mutable_adopter() = made_up;
  request.set_request_id(NextRequestId());
  v1::Adopter created;
  grpc::Status status =
      Reg(&RegistryStub::CreateAdopter, registrar, request, &created);
  EXPECT_EQ(status.error_code(), Code::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), testing::HasSubstr("adopter.languages"));
  EXPECT_THAT(status.error_message(),
              testing::Not(testing::HasSubstr("household ")));

  v1::RankChildrenResponse ranked;
  EXPECT_TRUE(RankChildren(manager_, last_stored, &ranked).ok());
  StopServer();
  StartServer();
  EXPECT_TRUE(RankChildren(manager_, last_stored, &ranked).ok());
}

TEST_F(MatchingServiceTest, ABatchRowMayNotReuseTheBatchsRequestId) {
  const std::string& registrar = sheffield_;
  v1::BatchCreateAdoptersRequest batch;
  batch.set_parent("authorities/sheffield");
  batch.set_request_id("same-id");
  v1::CreateAdopterRequest* row = batch.add_requests();
  *row->mutable_adopter() = ApprovedHousehold(1, 0, 60);
  row->set_request_id("same-id");
  v1::BatchCreateAdoptersResponse response;
  ASSERT_TRUE(
      Reg(&RegistryStub::BatchCreateAdopters, registrar, batch, &response)
          .ok());
  ASSERT_EQ(response.failures_size(), 1);
  EXPECT_EQ(response.failures(0).field(), "requests[0].request_id");
  EXPECT_EQ(response.adopters_size(), 0);
}

// The index can hold every listed language (NoMemberCanFillTheIndex...), so a
// batch is refused only by validation: with all_or_nothing, one row with a
// language that is not an ISO 639 code stores none of the batch.
TEST_F(MatchingServiceTest, ABatchWithAnUnlistedLanguageIsRefusedWhole) {
  v1::ListAdoptersRequest list;
  list.set_parent("authorities/sheffield");
  list.set_page_size(1000);
  v1::ListAdoptersResponse before;
  ASSERT_TRUE(Reg(&RegistryStub::ListAdopters, sheffield_, list, &before).ok());

  v1::BatchCreateAdoptersRequest batch;
  batch.set_parent("authorities/sheffield");
  batch.set_request_id(NextRequestId());
  batch.set_all_or_nothing(true);
  *batch.add_requests()->mutable_adopter() = ApprovedHousehold(1, 0, 60);
  v1::Adopter unlisted = ApprovedHousehold(1, 0, 60);
  unlisted.clear_languages();
  unlisted.add_languages("zz");
  *batch.add_requests()->mutable_adopter() = unlisted;
  v1::BatchCreateAdoptersResponse response;
  grpc::Status status =
      Reg(&RegistryStub::BatchCreateAdopters, sheffield_, batch, &response);
  EXPECT_EQ(status.error_code(), Code::INVALID_ARGUMENT);

  v1::ListAdoptersResponse after;
  ASSERT_TRUE(Reg(&RegistryStub::ListAdopters, sheffield_, list, &after).ok());
  EXPECT_EQ(after.adopters_size(), before.adopters_size());
}

}  // namespace
}  // namespace raa::test
