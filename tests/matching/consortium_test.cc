// Properties of MatchingService on random consortia from the synthetic
// generator (bench/consortium.h), registered through the API with batch
// creates, for a few seeds:
//
// - every household a ranking returns passes every hard constraint (checked
//   pair by pair with ExplainPair), every household it leaves out fails at
//   least one, and the exclusion counts are exactly the households counted
//   under the first constraint each fails; considered = eligible + excluded;
// - the order is best first with ties on ascending id, and the same call
//   twice gives the same answer; the same for the family-led search;
// - after a random sequence of creates, updates (field masks on age range,
//   approved_for, need limits, status, regions, hidden_from) and
//   withdrawals, the properties still hold, and a server restarted on the
//   same database file (whose index is rebuilt from SQLite) answers every
//   search exactly as the live index did.
#include "bench/consortium.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/reason_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/alert_stream.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::IsEmpty;
using ::testing::StartsWith;
using Code = ::grpc::StatusCode;

constexpr int kRegions = 4;
constexpr const char* kRegionNames[kRegions] = {
    "south-yorkshire", "west-yorkshire", "north-yorkshire",
    "east-riding-of-yorkshire"};

std::string AuthorityOf(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  return parts.size() > 1 ? parts[1] : "";
}

bool InIndex(v1::AdopterStatus status) {
  return status == v1::ADOPTER_STATUS_APPROVED ||
         status == v1::ADOPTER_STATUS_LINKED ||
         status == v1::ADOPTER_STATUS_ON_HOLD;
}

bool InIndex(v1::ChildStatus status) {
  return status == v1::CHILD_STATUS_WAITING ||
         status == v1::CHILD_STATUS_LINKED;
}

// One search's answer, to compare before and after a restart.
struct Answer {
  grpc::StatusCode code;
  std::string message;
  std::string response;  // serialised, deterministic
  bool operator==(const Answer&) const = default;
};

class MatchingConsortiumTest : public InProcessServerTest,
                               public ::testing::WithParamInterface<uint64_t> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    rng_.seed(GetParam());
    bench::SyntheticConsortium consortium =
        bench::GenerateConsortium({.seed = GetParam()});
    ASSERT_NO_FATAL_FAILURE(Register(consortium));
  }

  // Authorities, a registrar key for each, then each authority's children
  // and households in one batch each. A tenth of the profiles are hidden
  // from another member.
  void Register(bench::SyntheticConsortium& consortium) {
    for (v1::CreateAuthorityRequest& request : consortium.authorities) {
      request.set_request_id(NextRequestId());
      v1::Authority created;
      ASSERT_THAT(
          Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
          IsOk());
      authorities_.push_back(request.authority_id());
      registrar_[request.authority_id()] =
          NewKey(request.authority_id(), {v1::ROLE_REGISTRAR});
    }
    std::map<std::string, v1::BatchCreateChildrenRequest> children;
    for (auto& record : consortium.children) {
      if (Chance(10)) {
        record.child.add_hidden_from(OtherAuthority(record.authority_id));
      }
      *children[record.authority_id].add_requests()->mutable_child() =
          record.child;
    }
    for (auto& [authority, request] : children) {
      request.set_parent("authorities/" + authority);
      request.set_all_or_nothing(true);
      request.set_request_id(NextRequestId());
      v1::BatchCreateChildrenResponse response;
      ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, registrar_[authority],
                      request, &response),
                  IsOk());
      ASSERT_THAT(response.failures(), IsEmpty());
      for (const v1::Child& c : response.children()) children_[c.name()] = c;
    }
    std::map<std::string, v1::BatchCreateAdoptersRequest> adopters;
    for (const auto& record : consortium.adopters) {
      *adopters[record.authority_id].add_requests()->mutable_adopter() =
          record.adopter;
    }
    for (auto& [authority, request] : adopters) {
      request.set_parent("authorities/" + authority);
      request.set_all_or_nothing(true);
      request.set_request_id(NextRequestId());
      v1::BatchCreateAdoptersResponse response;
      ASSERT_THAT(Reg(&RegistryStub::BatchCreateAdopters, registrar_[authority],
                      request, &response),
                  IsOk());
      ASSERT_THAT(response.failures(), IsEmpty());
      for (const v1::Adopter& a : response.adopters()) adopters_[a.name()] = a;
    }
  }

  int Int(int lo, int hi) {  // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  std::string OtherAuthority(const std::string& than) {
    std::string other;
    do {
      other = authorities_[Int(0, authorities_.size() - 1)];
    } while (other == than);
    return other;
  }
  template <typename T>
  const std::string& AnyName(const std::map<std::string, T>& records) {
    auto it = records.begin();
    std::advance(it, Int(0, records.size() - 1));
    return it->first;
  }

  bool Active(const std::string& name) const {
    return !withdrawn_authorities_.contains(AuthorityOf(name));
  }
  // Waiting (or linked) children of active members, evenly spread.
  std::vector<std::string> SampleChildren(size_t count) const {
    std::vector<std::string> open;
    for (const auto& [name, c] : children_) {
      if (InIndex(c.status()) && Active(name)) open.push_back(name);
    }
    return Spread(open, count);
  }
  std::vector<std::string> SampleHouseholds(size_t count) const {
    std::vector<std::string> open;
    for (const auto& [name, a] : adopters_) {
      if ((a.status() == v1::ADOPTER_STATUS_APPROVED ||
           a.status() == v1::ADOPTER_STATUS_LINKED) &&
          Active(name)) {
        open.push_back(name);
      }
    }
    return Spread(open, count);
  }
  static std::vector<std::string> Spread(const std::vector<std::string>& all,
                                         size_t count) {
    std::vector<std::string> out;
    if (all.empty()) return out;
    size_t step = std::max<size_t>(1, all.size() / count);
    for (size_t i = 0; i < all.size() && out.size() < count; i += step) {
      out.push_back(all[i]);
    }
    return out;
  }

  // The summary adds up: considered = eligible + excluded = eligible + the
  // sum of the counts, which come in the documented order, each with text.
  template <typename Response>
  void ExpectSummaryAddsUp(const Response& r, absl::string_view noun) {
    EXPECT_EQ(r.considered(), r.eligible() + r.excluded());
    int sum = 0;
    int last = -1;
    for (const v1::Exclusion& e : r.exclusions()) {
      auto it = std::find(ConstraintIds().begin(), ConstraintIds().end(),
                          e.constraint());
      ASSERT_NE(it, ConstraintIds().end()) << e.constraint();
      int index = static_cast<int>(it - ConstraintIds().begin());
      EXPECT_GT(index, last) << "exclusions out of order";
      last = index;
      EXPECT_GT(e.count(), 0) << e.constraint();
      EXPECT_THAT(e.text(), StartsWith(absl::StrCat(e.count(), " ", noun)));
      sum += e.count();
    }
    EXPECT_EQ(sum, r.excluded());
  }

  // Best first; ties on ascending id.
  static void ExpectBestFirst(
      const std::vector<std::pair<int, std::string>>& scored) {
    for (size_t i = 1; i < scored.size(); ++i) {
      const auto& [prev_score, prev] = scored[i - 1];
      const auto& [score, name] = scored[i];
      EXPECT_TRUE(prev_score > score ||
                  (prev_score == score && RowIdOf(prev) < RowIdOf(name)))
          << prev << " (" << prev_score << ") before " << name << " (" << score
          << ")";
    }
  }

  std::vector<int> CurrentWeights() {
    v1::MatchingPolicy policy = GetPolicy(manager_);
    std::vector<int> weights(ComponentIds().size(), -1);
    for (const v1::ComponentWeight& w : policy.weights()) {
      for (size_t i = 0; i < ComponentIds().size(); ++i) {
        if (ComponentIds()[i] == w.component()) weights[i] = w.weight();
      }
    }
    return weights;
  }

  // Every property of a child-led search, checked against ExplainPair for
  // every household ever registered.
  void ExpectRankAdoptersHolds(const std::string& child,
                               const std::vector<int>& weights) {
    SCOPED_TRACE(child);
    v1::RankAdoptersResponse ranked;
    ASSERT_THAT(RankAdopters(manager_, child, &ranked), IsOk());
    ASSERT_NO_FATAL_FAILURE(ExpectSummaryAddsUp(ranked, "household"));
    std::vector<std::pair<int, std::string>> scored;
    for (const v1::RankedAdopter& a : ranked.adopters()) {
      scored.emplace_back(a.score(), a.adopter());
      ExpectExplainedComponents(a.components(), a.score(), weights);
    }
    ExpectBestFirst(scored);

    int considered = 0;
    std::set<std::string> eligible;
    std::map<std::string, int> first_failures;
    std::map<std::string, v1::PairExplanation> explained;
    for (const auto& [name, adopter] : adopters_) {
      v1::PairExplanation e;
      grpc::Status status = ExplainPair(manager_, child, name, &e);
      // A closed pair is explained too, and says it is closed.
      if (status.ok() && !e.closed_reason().empty()) {
        EXPECT_FALSE(InIndex(adopter.status())) << name;
        continue;
      }
      ASSERT_THAT(status, IsOk()) << name;
      EXPECT_TRUE(InIndex(adopter.status())) << name;
      ++considered;
      std::string first = FirstFailedConstraint(e);
      EXPECT_EQ(e.eligible(), first.empty()) << name;
      if (e.eligible()) {
        eligible.insert(name);
      } else {
        ++first_failures[first];
      }
      explained[name] = std::move(e);
    }
    EXPECT_EQ(ranked.considered(), considered);
    EXPECT_EQ(ranked.eligible(), static_cast<int>(eligible.size()));
    std::map<std::string, int> counted;
    for (const v1::Exclusion& e : ranked.exclusions()) {
      counted[e.constraint()] = e.count();
    }
    EXPECT_EQ(counted, first_failures);

    // Every household returned passes every constraint, with the score and
    // the words ExplainPair gives; with min_score 0 all the eligible ones
    // are returned, up to the page size.
    std::set<std::string> returned;
    for (const v1::RankedAdopter& a : ranked.adopters()) {
      returned.insert(a.adopter());
      ASSERT_TRUE(explained.contains(a.adopter())) << a.adopter();
      const v1::PairExplanation& e = explained[a.adopter()];
      EXPECT_TRUE(e.eligible()) << a.adopter();
      for (const v1::ConstraintCheck& c : e.constraints()) {
        EXPECT_TRUE(c.passed()) << a.adopter() << " " << c.constraint();
      }
      EXPECT_EQ(a.score(), e.score()) << a.adopter();
      ASSERT_EQ(a.components_size(), e.components_size());
      for (int i = 0; i < a.components_size(); ++i) {
        EXPECT_THAT(a.components(i), EqualsProto(e.components(i)));
      }
    }
    if (eligible.size() <= 100) {
      EXPECT_EQ(returned, eligible);
    } else {
      EXPECT_EQ(returned.size(), 100u);
    }

    // The same call gives the same answer.
    v1::RankAdoptersResponse again;
    ASSERT_THAT(RankAdopters(manager_, child, &again), IsOk());
    EXPECT_THAT(again, EqualsProto(ranked));

    // A threshold keeps the head of the same order.
    if (!ranked.adopters().empty()) {
      int threshold = ranked.adopters(ranked.adopters_size() / 2).score();
      v1::RankAdoptersResponse above;
      ASSERT_THAT(RankAdopters(manager_, child, &above, 100, threshold),
                  IsOk());
      EXPECT_EQ(above.eligible(), ranked.eligible());
      ASSERT_LE(above.adopters_size(), ranked.adopters_size());
      for (int i = 0; i < above.adopters_size(); ++i) {
        EXPECT_GE(above.adopters(i).score(), threshold);
        EXPECT_THAT(above.adopters(i), EqualsProto(ranked.adopters(i)));
      }
      int expected = 0;
      for (const v1::RankedAdopter& a : ranked.adopters()) {
        expected += a.score() >= threshold;
      }
      EXPECT_EQ(above.adopters_size(), expected);
    }
  }

  // The same for a family-led search, against every child registered.
  void ExpectRankChildrenHolds(const std::string& household,
                               const std::vector<int>& weights) {
    SCOPED_TRACE(household);
    v1::RankChildrenResponse ranked;
    ASSERT_THAT(RankChildren(manager_, household, &ranked), IsOk());
    ASSERT_NO_FATAL_FAILURE(ExpectSummaryAddsUp(ranked, "child"));
    std::vector<std::pair<int, std::string>> scored;
    for (const v1::RankedChild& c : ranked.children()) {
      scored.emplace_back(c.score(), c.child());
      ExpectExplainedComponents(c.components(), c.score(), weights);
    }
    ExpectBestFirst(scored);

    int considered = 0;
    std::set<std::string> eligible;
    std::map<std::string, int> first_failures;
    std::map<std::string, int> scores;
    for (const auto& [name, child] : children_) {
      v1::PairExplanation e;
      grpc::Status status = ExplainPair(manager_, name, household, &e);
      if (status.ok() && !e.closed_reason().empty()) {
        EXPECT_FALSE(InIndex(child.status())) << name;
        continue;
      }
      ASSERT_THAT(status, IsOk()) << name;
      ++considered;
      std::string first = FirstFailedConstraint(e);
      if (first.empty()) {
        eligible.insert(name);
        scores[name] = e.score();
      } else {
        ++first_failures[first];
      }
    }
    EXPECT_EQ(ranked.considered(), considered);
    EXPECT_EQ(ranked.eligible(), static_cast<int>(eligible.size()));
    std::map<std::string, int> counted;
    for (const v1::Exclusion& e : ranked.exclusions()) {
      counted[e.constraint()] = e.count();
    }
    EXPECT_EQ(counted, first_failures);
    std::set<std::string> returned;
    for (const v1::RankedChild& c : ranked.children()) {
      returned.insert(c.child());
      ASSERT_TRUE(eligible.contains(c.child())) << c.child();
      EXPECT_EQ(c.score(), scores[c.child()]) << c.child();
    }
    if (eligible.size() <= 100) {
      EXPECT_EQ(returned, eligible);
    } else {
      EXPECT_EQ(returned.size(), 100u);
    }
    v1::RankChildrenResponse again;
    ASSERT_THAT(RankChildren(manager_, household, &again), IsOk());
    EXPECT_THAT(again, EqualsProto(ranked));
  }

  void ExpectPropertiesHold(size_t children, size_t households) {
    std::vector<int> weights = CurrentWeights();
    std::vector<std::string> sample = SampleChildren(children);
    ASSERT_FALSE(sample.empty());
    int with_candidates = 0;
    for (const std::string& child : sample) {
      ExpectRankAdoptersHolds(child, weights);
      v1::RankAdoptersResponse ranked;
      ASSERT_THAT(RankAdopters(manager_, child, &ranked), IsOk());
      with_candidates += ranked.eligible() > 0;
    }
    // The sample is not vacuous: some children have families.
    EXPECT_GT(with_candidates, 0);
    for (const std::string& household : SampleHouseholds(households)) {
      ExpectRankChildrenHolds(household, weights);
    }
  }

  // ---- random writes ----

  void RandomWrite(
      std::vector<bench::SyntheticConsortium::ChildRecord>& new_children,
      std::vector<bench::SyntheticConsortium::AdopterRecord>& new_adopters) {
    int op = Int(1, 100);
    if (op <= 12 && !new_adopters.empty()) {
      auto record = new_adopters.back();
      new_adopters.pop_back();
      if (withdrawn_authorities_.contains(record.authority_id)) return;
      v1::Adopter a = AddAdopter(registrar_[record.authority_id],
                                 record.authority_id, record.adopter);
      adopters_[a.name()] = a;
    } else if (op <= 20 && !new_children.empty()) {
      auto record = new_children.back();
      new_children.pop_back();
      if (withdrawn_authorities_.contains(record.authority_id)) return;
      v1::Child c = AddChild(registrar_[record.authority_id],
                             record.authority_id, record.child);
      children_[c.name()] = c;
    } else if (op <= 55) {
      UpdateRandomHousehold();
    } else if (op <= 63) {
      const std::string& name = AnyName(adopters_);
      if (!Active(name) ||
          adopters_[name].status() == v1::ADOPTER_STATUS_WITHDRAWN) {
        return;
      }
      WithdrawAdopter(registrar_[AuthorityOf(name)], name);
      adopters_[name].set_status(v1::ADOPTER_STATUS_WITHDRAWN);
    } else if (op <= 85) {
      UpdateRandomChild();
    } else if (op <= 92) {
      const std::string& name = AnyName(children_);
      if (!Active(name) ||
          children_[name].status() == v1::CHILD_STATUS_WITHDRAWN) {
        return;
      }
      WithdrawChild(registrar_[AuthorityOf(name)], name);
      children_[name].set_status(v1::CHILD_STATUS_WITHDRAWN);
    } else if (op <= 93) {
      if (!withdrawn_authorities_.empty()) return;
      std::string id = authorities_[Int(0, authorities_.size() - 1)];
      WithdrawAuthority(id);
      withdrawn_authorities_.insert(id);
    } else if (op <= 97) {
      v1::UpdateMatchingPolicyRequest request;
      v1::ComponentWeight* w = request.mutable_policy()->add_weights();
      w->set_component(ComponentIds()[Int(0, ComponentIds().size() - 1)]);
      w->set_weight(Int(1, 100));
      request.set_request_id(NextRequestId());
      v1::MatchingPolicy policy;
      EXPECT_THAT(Match(&MatchingStub::UpdateMatchingPolicy, manager_, request,
                        &policy),
                  IsOk());
    } else {
      clock_.Advance(absl::Hours(Int(1, 72)));
    }
  }

  void UpdateRandomHousehold() {
    const std::string& name = AnyName(adopters_);
    v1::Adopter a = adopters_[name];
    if (!Active(name) || a.status() == v1::ADOPTER_STATUS_WITHDRAWN) return;
    std::vector<std::string> paths;
    switch (Int(0, 5)) {
      case 0:
        a.set_min_age_months(Int(0, 60));
        a.set_max_age_months(a.min_age_months() + Int(12, 120));
        paths = {"min_age_months", "max_age_months"};
        break;
      case 1:
        a.set_approved_for(Int(1, 4));
        paths = {"approved_for"};
        break;
      case 2:
        a.clear_need_limits();
        for (int c = v1::NEED_CATEGORY_PHYSICAL_DISABILITY;
             c <= v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES; ++c) {
          v1::NeedLimit* limit = a.add_need_limits();
          limit->set_category(static_cast<v1::NeedCategory>(c));
          limit->set_max_level(static_cast<v1::NeedLevel>(
              Int(v1::NEED_LEVEL_NONE, v1::NEED_LEVEL_SEVERE)));
        }
        paths = {"need_limits"};
        break;
      case 3: {
        // Only between the statuses set by hand (linked, matched and
        // placed follow links: tests/journey).
        if (a.status() != v1::ADOPTER_STATUS_APPROVED &&
            a.status() != v1::ADOPTER_STATUS_ON_HOLD) {
          return;
        }
        constexpr v1::AdopterStatus kStatuses[] = {v1::ADOPTER_STATUS_APPROVED,
                                                   v1::ADOPTER_STATUS_ON_HOLD};
        a.set_status(kStatuses[Int(0, 1)]);
        paths = {"status"};
        break;
      }
      case 4:
        a.clear_excluded_regions();
        if (Chance(50)) a.add_excluded_regions(kRegionNames[Int(0, 3)]);
        a.set_sex_preference(static_cast<v1::SexPreference>(
            Int(v1::SEX_PREFERENCE_ANY, v1::SEX_PREFERENCE_MALE)));
        paths = {"excluded_regions", "sex_preference"};
        break;
      default:
        a.set_region(kRegionNames[Int(0, 3)]);
        a.set_dual_approved(!a.dual_approved());
        paths = {"region", "dual_approved"};
        break;
    }
    adopters_[name] = UpdateAdopter(registrar_[AuthorityOf(name)], a, paths);
  }

  void UpdateRandomChild() {
    const std::string& name = AnyName(children_);
    v1::Child c = children_[name];
    if (!Active(name) || c.status() == v1::CHILD_STATUS_WITHDRAWN) return;
    std::vector<std::string> paths;
    switch (Int(0, 3)) {
      case 0:
        for (v1::ChildMember& m : *c.mutable_members()) {
          // Never below the time in care (the registry refuses that).
          m.set_age_months(std::min(m.age_months() + Int(0, 24), 216));
        }
        if (Chance(50)) {
          v1::ChildMember* m = c.mutable_members(0);
          m->clear_needs();
          v1::Need* need = m->add_needs();
          need->set_category(static_cast<v1::NeedCategory>(
              Int(v1::NEED_CATEGORY_PHYSICAL_DISABILITY,
                  v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES)));
          need->set_level(static_cast<v1::NeedLevel>(
              Int(v1::NEED_LEVEL_MILD, v1::NEED_LEVEL_SEVERE)));
        }
        paths = {"members"};
        break;
      case 1:
        // A child's status is set by hand only to withdraw it; the others
        // follow links (tests/journey).
        return;
      case 2:
        c.clear_hidden_from();
        if (Chance(60)) c.add_hidden_from(OtherAuthority(AuthorityOf(name)));
        paths = {"hidden_from"};
        break;
      default:
        c.clear_excluded_regions();
        if (Chance(60)) c.add_excluded_regions(kRegionNames[Int(0, 3)]);
        c.set_contact_plan(static_cast<v1::ContactPlan>(
            Int(v1::CONTACT_PLAN_NONE, v1::CONTACT_PLAN_DIRECT)));
        paths = {"excluded_regions", "contact_plan"};
        break;
    }
    children_[name] = UpdateChild(registrar_[AuthorityOf(name)], c, paths);
  }

  // Every search the consortium could make now: both rankings for every
  // record ever registered (closed ones included), a sample of pair
  // explanations, and the policy.
  std::vector<Answer> EverySearch() {
    std::vector<Answer> answers;
    for (const auto& [name, child] : children_) {
      v1::RankAdoptersResponse r;
      grpc::Status s = RankAdopters(manager_, name, &r);
      answers.push_back({s.error_code(), s.error_message(),
                         s.ok() ? r.SerializeAsString() : ""});
    }
    for (const auto& [name, adopter] : adopters_) {
      v1::RankChildrenResponse r;
      grpc::Status s = RankChildren(manager_, name, &r);
      answers.push_back({s.error_code(), s.error_message(),
                         s.ok() ? r.SerializeAsString() : ""});
    }
    std::mt19937_64 pairs(GetParam());
    std::vector<std::string> child_names, adopter_names;
    for (const auto& [name, c] : children_) child_names.push_back(name);
    for (const auto& [name, a] : adopters_) adopter_names.push_back(name);
    for (int i = 0; i < 300; ++i) {
      v1::PairExplanation e;
      grpc::Status s =
          ExplainPair(manager_, child_names[pairs() % child_names.size()],
                      adopter_names[pairs() % adopter_names.size()], &e);
      answers.push_back({s.error_code(), s.error_message(),
                         s.ok() ? e.SerializeAsString() : ""});
    }
    v1::MatchingPolicy policy = GetPolicy(manager_);
    answers.push_back({grpc::StatusCode::OK, "", policy.SerializeAsString()});
    return answers;
  }

  std::mt19937_64 rng_;
  std::vector<std::string> authorities_;
  std::map<std::string, std::string> registrar_;  // authority -> key
  std::map<std::string, v1::Child> children_;     // name -> as stored
  std::map<std::string, v1::Adopter> adopters_;   // name -> as stored
  std::set<std::string> withdrawn_authorities_;
};

TEST_P(MatchingConsortiumTest, RankingsKeepEveryHardConstraintAndAddUp) {
  EXPECT_GT(children_.size(), 100u);
  EXPECT_GT(adopters_.size(), 100u);
  ExpectPropertiesHold(/*children=*/10, /*households=*/4);
}

TEST_P(MatchingConsortiumTest, AfterRandomWritesARestartAnswersTheSame) {
  // More records to create, from another seed of the same consortium.
  bench::SyntheticConsortium more = bench::GenerateConsortium(
      {.seed = GetParam() + 1000, .children = 60, .adopters = 60});
  for (int i = 0; i < 200; ++i) {
    RandomWrite(more.children, more.adopters);
    ASSERT_FALSE(HasFailure()) << "write " << i << " failed";
  }
  ExpectPropertiesHold(/*children=*/5, /*households=*/2);

  std::vector<Answer> live = EverySearch();
  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::vector<Answer> rebuilt = EverySearch();
  ASSERT_EQ(live.size(), rebuilt.size());
  int differences = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i] == rebuilt[i]) continue;
    if (++differences > 5) continue;
    ADD_FAILURE() << "search " << i << " differs after the restart:\n  live "
                  << live[i].code << " " << live[i].message << "\n  rebuilt "
                  << rebuilt[i].code << " " << rebuilt[i].message;
  }
  EXPECT_EQ(differences, 0);
  // Not vacuous: most searches succeeded.
  int ok = 0;
  for (const Answer& a : live) ok += a.code == grpc::StatusCode::OK;
  EXPECT_GT(ok, static_cast<int>(live.size()) / 2);
}

// FULL is FULL_TEXT coded: for every candidate of rankings both ways, the
// catalogue renders each component's codes as FULL_TEXT's words and each
// exclusion's as its text, with the same numbers; and FULL is smaller.
template <typename Response, typename Candidates>
void ExpectFullIsFullTextCoded(const ReasonCatalog& catalog,
                               const Response& full, const Response& text,
                               Candidates candidates, size_t& bytes_full,
                               size_t& bytes_text, int& components) {
  const auto& f = candidates(full);
  const auto& t = candidates(text);
  ASSERT_EQ(f.size(), t.size());
  for (int i = 0; i < f.size(); ++i) {
    ASSERT_EQ(f[i].components_size(), t[i].components_size());
    EXPECT_EQ(f[i].score(), t[i].score());
    for (int c = 0; c < f[i].components_size(); ++c) {
      const v1::ScoreComponent& fc = f[i].components(c);
      const v1::ScoreComponent& tc = t[i].components(c);
      EXPECT_TRUE(fc.component().empty() && fc.reason().empty());
      EXPECT_EQ(catalog.ReasonOf(fc), tc.reason());
      EXPECT_EQ(catalog.ComponentKey(fc), tc.component());
      EXPECT_EQ(fc.points_tenths(), tc.points_tenths());
      // Words a social worker can read: never a placeholder.
      EXPECT_THAT(tc.reason(), testing::Not(testing::HasSubstr("?")));
      EXPECT_THAT(tc.reason(), testing::Not(testing::HasSubstr("(reason")));
      EXPECT_FALSE(tc.reason().empty());
      ++components;
    }
  }
  ASSERT_EQ(full.exclusions_size(), text.exclusions_size());
  for (int i = 0; i < full.exclusions_size(); ++i) {
    const v1::Exclusion& fe = full.exclusions(i);
    const v1::Exclusion& te = text.exclusions(i);
    EXPECT_TRUE(fe.constraint().empty() && fe.text().empty());
    EXPECT_EQ(catalog.TextOf(fe), te.text());
    EXPECT_EQ(catalog.ConstraintKey(fe), te.constraint());
    EXPECT_EQ(fe.count(), te.count());
  }
  bytes_full += full.ByteSizeLong();
  bytes_text += text.ByteSizeLong();
  if (!f.empty()) {
    EXPECT_LT(full.ByteSizeLong(), text.ByteSizeLong());
  }
}

TEST_P(MatchingConsortiumTest, FullIsTheFullTextCodedAndSmaller) {
  v1::ReasonCatalog proto;
  ASSERT_THAT(Match(&MatchingStub::GetReasonCatalog, manager_,
                    v1::GetReasonCatalogRequest(), &proto),
              IsOk());
  absl::StatusOr<ReasonCatalog> catalog = ReasonCatalog::FromProto(proto);
  ASSERT_THAT(catalog.status(), IsOk());
  size_t bytes_full = 0, bytes_text = 0;
  int components = 0;
  for (const std::string& child : SampleChildren(15)) {
    SCOPED_TRACE(child);
    v1::RankAdoptersRequest request;
    request.set_child(child);
    request.set_page_size(100);
    v1::RankAdoptersResponse full, text;
    request.set_view(v1::RANK_VIEW_FULL);
    ASSERT_THAT(Match(&MatchingStub::RankAdopters, manager_, request, &full),
                IsOk());
    request.set_view(v1::RANK_VIEW_FULL_TEXT);
    ASSERT_THAT(Match(&MatchingStub::RankAdopters, manager_, request, &text),
                IsOk());
    ExpectFullIsFullTextCoded(
        *catalog, full, text,
        [](const v1::RankAdoptersResponse& r) -> const auto& {
          return r.adopters();
        },
        bytes_full, bytes_text, components);
  }
  for (const std::string& household : SampleHouseholds(8)) {
    SCOPED_TRACE(household);
    v1::RankChildrenRequest request;
    request.set_adopter(household);
    request.set_page_size(100);
    v1::RankChildrenResponse full, text;
    request.set_view(v1::RANK_VIEW_FULL);
    ASSERT_THAT(Match(&MatchingStub::RankChildren, manager_, request, &full),
                IsOk());
    request.set_view(v1::RANK_VIEW_FULL_TEXT);
    ASSERT_THAT(Match(&MatchingStub::RankChildren, manager_, request, &text),
                IsOk());
    ExpectFullIsFullTextCoded(
        *catalog, full, text,
        [](const v1::RankChildrenResponse& r) -> const auto& {
          return r.children();
        },
        bytes_full, bytes_text, components);
  }
  // Not vacuous, and much smaller over all.
  EXPECT_GT(components, 500);
  EXPECT_LT(bytes_full * 2, bytes_text)
      << bytes_full << " bytes coded, " << bytes_text << " in words";
}

INSTANTIATE_TEST_SUITE_P(Seeds, MatchingConsortiumTest,
                         ::testing::Values(1, 7, 2026));

}  // namespace
}  // namespace raa::test
