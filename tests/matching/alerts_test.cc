// WatchMatches: live alerts on server streams, through a real gRPC server in
// this process.
//
// A stream says nothing when its subscription starts, and alerts for one
// stream arrive in commit order. So every stream here also follows a
// sentinel household that fits only sentinel children (aged 17½, far outside
// every other household's range). Registering a sentinel child is a
// checkpoint: its alert is the last thing each stream receives for the
// writes so far, so "nothing else arrived before it" proves that an earlier
// write pushed nothing, without sleeping. Streams are synchronised the same
// way before a test starts writing: checkpoints are repeated until one comes
// through (a write committed before the subscription existed alerts no one).
//
// Consortium: the hub (manager), Sheffield, Leeds, Rotherham, each with a
// registrar key; family finders for Rotherham and Leeds. Today is
// 2026-11-01 noon.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/matching/matching_service.h"
#include "tests/support/alert_stream.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;

constexpr absl::Duration kCheckpointTimeout = absl::Seconds(30);

class MatchAlertsTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("rotherham", "south-yorkshire"));
    sheffield_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
    leeds_finder_ = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
    finance_ = NewKey("sheffield", {v1::ROLE_FINANCE});
    sentinel_ =
        AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 200, 216))
            .name();
    ASSERT_FALSE(HasFailure());
  }

  // The names of `n` new waiting children of Sheffield aged 7, stored in
  // one batch.
  std::vector<std::string> SheffieldChildren(int n) {
    v1::BatchCreateChildrenRequest batch;
    batch.set_parent("authorities/sheffield");
    for (int i = 0; i < n; ++i) {
      *batch.add_requests()->mutable_child() = ChildProfile({84});
    }
    batch.set_request_id(NextRequestId());
    v1::BatchCreateChildrenResponse created;
    EXPECT_THAT(
        Reg(&RegistryStub::BatchCreateChildren, sheffield_, batch, &created),
        IsOk());
    std::vector<std::string> names;
    for (const v1::Child& c : created.children()) names.push_back(c.name());
    return names;
  }

  // A request following `children` and `adopters`, and the sentinel.
  v1::WatchMatchesRequest Follow(const std::vector<std::string>& children,
                                 const std::vector<std::string>& adopters) {
    v1::WatchMatchesRequest request;
    for (const std::string& c : children) request.add_children(c);
    for (const std::string& a : adopters) request.add_adopters(a);
    request.add_adopters(sentinel_);
    request.set_min_score(50);
    return request;
  }

  // A stream of `key` watching `request`, opened again and again until one
  // is admitted (a checkpoint reaches it once its subscription is live), or
  // null after 50 refusals: the server hears of a closed stream in its own
  // time. Every attempt not admitted must end RESOURCE_EXHAUSTED.
  std::unique_ptr<AlertStream> OnceAdmitted(
      const std::string& key, const v1::WatchMatchesRequest& request) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto next = std::make_unique<AlertStream>(*matching_, key, request);
      for (int check = 0; check < 20; ++check) {
        if (Checkpoint({next.get()}, absl::Seconds(2))[0].has_value()) {
          return next;
        }
        grpc::Status ended = next->Finish(absl::ZeroDuration());
        if (ended.error_code() != Code::DEADLINE_EXCEEDED) {
          EXPECT_THAT(ended, StatusIs(Code::RESOURCE_EXHAUSTED));
          break;  // refused: try again
        }
      }
    }
    return nullptr;
  }

  bool IsSentinelAlert(const v1::MatchAlert& alert) const {
    return alert.followed() == sentinel_;
  }

  // Registers a sentinel child and reads every stream up to its alert. For
  // each stream: the other alerts that arrived before it (stray sentinel
  // alerts from earlier attempts left out), or nullopt if the sentinel
  // alert did not come within `timeout`.
  std::vector<std::optional<std::vector<v1::MatchAlert>>> Checkpoint(
      const std::vector<AlertStream*>& streams,
      absl::Duration timeout = kCheckpointTimeout) {
    v1::Child sentinel_child = ChildProfile({210});
    sentinel_child.mutable_members(0)->clear_needs();
    sentinel_child.set_contact_plan(v1::CONTACT_PLAN_NONE);
    const std::string name =
        AddChild(sheffield_, "sheffield", sentinel_child).name();
    std::vector<std::optional<std::vector<v1::MatchAlert>>> out;
    for (AlertStream* stream : streams) {
      std::vector<v1::MatchAlert> before;
      bool reached = stream->ReadUntil(
          [&](const v1::MatchAlert& a) {
            return IsSentinelAlert(a) && a.child() == name;
          },
          timeout, &before);
      std::vector<v1::MatchAlert> real;
      for (v1::MatchAlert& a : before) {
        if (!IsSentinelAlert(a)) real.push_back(std::move(a));
      }
      if (reached) {
        out.push_back(std::move(real));
      } else {
        EXPECT_THAT(real, IsEmpty()) << "alerts before any subscription";
        out.push_back(std::nullopt);
      }
    }
    return out;
  }

  // Returns once every stream's subscription is live. Nothing may have been
  // alerted: pairs that fit before a subscription starts are not news.
  void Sync(std::vector<AlertStream*> streams) {
    for (int attempt = 0; attempt < 20 && !streams.empty(); ++attempt) {
      std::vector<std::optional<std::vector<v1::MatchAlert>>> got =
          Checkpoint(streams, absl::Seconds(2));
      std::vector<AlertStream*> pending;
      for (size_t i = 0; i < streams.size(); ++i) {
        if (got[i].has_value()) {
          EXPECT_THAT(*got[i], IsEmpty()) << "alerted on subscribing";
        } else {
          pending.push_back(streams[i]);
        }
      }
      streams = pending;
    }
    ASSERT_THAT(streams, IsEmpty()) << "subscriptions never started";
  }

  // The alerts each stream received before a checkpoint.
  std::vector<std::vector<v1::MatchAlert>> AlertsSoFar(
      const std::vector<AlertStream*>& streams) {
    std::vector<std::vector<v1::MatchAlert>> out;
    for (auto& got : Checkpoint(streams)) {
      EXPECT_TRUE(got.has_value()) << "a live stream missed a checkpoint";
      out.push_back(got.value_or(std::vector<v1::MatchAlert>()));
    }
    return out;
  }

  // Checks an alert against ExplainPair for the same pair.
  void ExpectAlertFor(const v1::MatchAlert& alert, const std::string& child,
                      const std::string& adopter, const std::string& followed) {
    EXPECT_EQ(alert.child(), child);
    EXPECT_EQ(alert.adopter(), adopter);
    EXPECT_EQ(alert.followed(), followed);
    v1::PairExplanation explained;
    ASSERT_THAT(ExplainPair(manager_, child, adopter, &explained), IsOk());
    EXPECT_TRUE(explained.eligible());
    EXPECT_EQ(alert.score(), explained.score());
    EXPECT_GE(alert.score(), 50);
    EXPECT_EQ(alert.policy_version(), explained.policy_version());
    ExpectExplainedComponents(alert.components(), alert.score(),
                              DefaultWeights());
    // Codes and words, as ExplainPair gives them.
    ASSERT_EQ(alert.components_size(), explained.components_size());
    for (int i = 0; i < alert.components_size(); ++i) {
      EXPECT_THAT(alert.components(i), EqualsProto(explained.components(i)));
      EXPECT_EQ(alert.components(i).id(), i + 1);
      EXPECT_FALSE(alert.components(i).reason_codes().empty());
      EXPECT_NE(alert.components(i).reason(), "");
    }
    EXPECT_EQ(
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(alert.time()),
        absl::ToUnixMicros(clock_.Now()));
  }

  v1::PairExplanation Explain(const std::string& child,
                              const std::string& adopter) {
    v1::PairExplanation explained;
    EXPECT_THAT(ExplainPair(manager_, child, adopter, &explained), IsOk());
    return explained;
  }

  std::string sheffield_;     // registrar
  std::string leeds_;         // registrar
  std::string finder_;        // Rotherham's family finder
  std::string leeds_finder_;  // Leeds' family finder
  std::string finance_;
  std::string sentinel_;  // the sentinel household's name
};

TEST_F(MatchAlertsTest, EachFollowerOfAChildHearsOnceOfEachNewFit) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  // Fits already: known when the subscriptions start, never alerted.
  AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120));
  // Leeds' household for under-fours: the child (7) does not fit it.
  v1::Adopter followed =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));

  AlertStream first(*matching_, finder_, Follow({child.name()}, {}));
  AlertStream second(*matching_, leeds_finder_, Follow({child.name()}, {}));
  AlertStream household(*matching_, finder_, Follow({}, {followed.name()}));
  const std::vector<AlertStream*> all = {&first, &second, &household};
  ASSERT_NO_FATAL_FAILURE(Sync(all));

  // A new household that fits: one alert to each follower of the child.
  v1::Adopter fits = AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  std::vector<std::vector<v1::MatchAlert>> got = AlertsSoFar(all);
  for (int i : {0, 1}) {
    SCOPED_TRACE(i);
    ASSERT_THAT(got[i], SizeIs(1));
    ExpectAlertFor(got[i][0], child.name(), fits.name(), child.name());
  }
  EXPECT_THAT(got[2], IsEmpty());

  // One that does not fit (too young a range): nothing.
  v1::Adopter misfit = AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));
  EXPECT_FALSE(Explain(child.name(), misfit.name()).eligible());
  got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));

  // One that is eligible but scores below the threshold: nothing.
  v1::Adopter weak = ApprovedHousehold(5, 84, 216);
  *weak.mutable_approved_on() = MakeDate(2026, 11, 1);
  weak.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_MILD);
  weak.set_max_contact(v1::CONTACT_PLAN_NONE);
  weak.clear_heritage();
  weak.add_heritage(v1::HERITAGE_BLACK_AFRICAN);
  weak.set_religion(v1::RELIGION_NO_RELIGION);
  weak.clear_languages();
  weak.add_languages("fr");
  weak = AddAdopter(leeds_, "leeds", weak);
  v1::PairExplanation weak_pair = Explain(child.name(), weak.name());
  EXPECT_TRUE(weak_pair.eligible());
  EXPECT_LT(weak_pair.score(), 50);
  got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));

  // An update that makes the misfit fit: one alert each.
  misfit.set_max_age_months(120);
  misfit.set_min_age_months(48);
  UpdateAdopter(leeds_, misfit, {"min_age_months", "max_age_months"});
  got = AlertsSoFar(all);
  for (int i : {0, 1}) {
    SCOPED_TRACE(i);
    ASSERT_THAT(got[i], SizeIs(1));
    ExpectAlertFor(got[i][0], child.name(), misfit.name(), child.name());
  }
  EXPECT_THAT(got[2], IsEmpty());

  // An update to a household that already fits is not news.
  fits.set_religion(v1::RELIGION_NO_RELIGION);
  UpdateAdopter(leeds_, fits, {"religion"});
  got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));

  // Put on hold it stops fitting; approved again it is news again.
  fits.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  UpdateAdopter(leeds_, fits, {"status"});
  got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty(), IsEmpty()));
  fits.set_status(v1::ADOPTER_STATUS_APPROVED);
  UpdateAdopter(leeds_, fits, {"status"});
  got = AlertsSoFar(all);
  for (int i : {0, 1}) {
    SCOPED_TRACE(i);
    ASSERT_THAT(got[i], SizeIs(1));
    ExpectAlertFor(got[i][0], child.name(), fits.name(), child.name());
  }
  EXPECT_THAT(got[2], IsEmpty());
}

TEST_F(MatchAlertsTest, AFollowerOfAHouseholdHearsOfFittingChildrenOnly) {
  // Leeds' household for children under four.
  v1::Adopter followed =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));
  v1::Child other = AddChild(sheffield_, "sheffield", ChildProfile({84}));

  // Rotherham's family finder follows the household; Leeds' follows a child.
  AlertStream household(*matching_, finder_, Follow({}, {followed.name()}));
  AlertStream child_follower(*matching_, leeds_finder_,
                             Follow({other.name()}, {}));
  const std::vector<AlertStream*> all = {&household, &child_follower};
  ASSERT_NO_FATAL_FAILURE(Sync(all));

  // A child the household cannot take (too old): nothing to anyone.
  v1::Child unrelated = AddChild(sheffield_, "sheffield", ChildProfile({150}));
  EXPECT_FALSE(Explain(unrelated.name(), followed.name()).eligible());
  std::vector<std::vector<v1::MatchAlert>> got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty()));

  // A child who fits: one alert, to the household's follower only.
  v1::Child fits = AddChild(sheffield_, "sheffield", ChildProfile({24}));
  got = AlertsSoFar(all);
  ASSERT_THAT(got[0], SizeIs(1));
  ExpectAlertFor(got[0][0], fits.name(), followed.name(), followed.name());
  EXPECT_THAT(got[1], IsEmpty());

  // A child who fits but is hidden from the follower's authority
  // (Rotherham): the household may have them, the follower never sees them.
  v1::Child hidden = ChildProfile({30});
  hidden.add_hidden_from("rotherham");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  EXPECT_TRUE(Explain(hidden.name(), followed.name()).eligible());
  got = AlertsSoFar(all);
  EXPECT_THAT(got, ElementsAre(IsEmpty(), IsEmpty()));

  // An update that makes the unrelated child fit: one alert.
  unrelated.mutable_members(0)->set_age_months(36);
  UpdateChild(sheffield_, unrelated, {"members"});
  got = AlertsSoFar(all);
  ASSERT_THAT(got[0], SizeIs(1));
  ExpectAlertFor(got[0][0], unrelated.name(), followed.name(), followed.name());
  EXPECT_THAT(got[1], IsEmpty());
}

TEST_F(MatchAlertsTest, BadWatchRequestsEndTheStreamWithAClearStatus) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Child hidden = ChildProfile({84});
  hidden.add_hidden_from("leeds");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  v1::Adopter household =
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120));

  struct Case {
    std::string what;
    std::string key;
    v1::WatchMatchesRequest request;
    Code code;
    std::vector<std::string> fields;
  };
  std::vector<Case> cases;
  v1::WatchMatchesRequest mixed;
  mixed.add_children(child.name());
  mixed.add_follows("authorities/rotherham/follows/f1");
  cases.push_back({"children and follows together",
                   finder_,
                   mixed,
                   Code::INVALID_ARGUMENT,
                   {"follows"}});
  v1::WatchMatchesRequest malformed_child;
  malformed_child.add_children("children/c1");
  cases.push_back({"malformed child",
                   finder_,
                   malformed_child,
                   Code::INVALID_ARGUMENT,
                   {"children[0]"}});
  v1::WatchMatchesRequest malformed_adopter;
  malformed_adopter.add_children(child.name());
  malformed_adopter.add_adopters(child.name());
  cases.push_back({"a child's name as an adopter",
                   finder_,
                   malformed_adopter,
                   Code::INVALID_ARGUMENT,
                   {"adopters[0]"}});
  v1::WatchMatchesRequest unknown;
  unknown.add_children("authorities/sheffield/children/c999999");
  cases.push_back({"unknown child",
                   finder_,
                   unknown,
                   Code::INVALID_ARGUMENT,
                   {"children[0]"}});
  v1::WatchMatchesRequest hidden_child;
  hidden_child.add_children(hidden.name());
  cases.push_back({"a child hidden from Leeds",
                   leeds_finder_,
                   hidden_child,
                   Code::INVALID_ARGUMENT,
                   {"children[0]"}});
  v1::WatchMatchesRequest score;
  score.add_adopters(household.name());
  score.set_min_score(101);
  cases.push_back(
      {"min_score 101", finder_, score, Code::INVALID_ARGUMENT, {"min_score"}});
  v1::WatchMatchesRequest good;
  good.add_children(child.name());
  cases.push_back({"no key", "", good, Code::UNAUTHENTICATED, {}});
  cases.push_back({"finance key", finance_, good, Code::PERMISSION_DENIED, {}});
  cases.push_back({"another authority's registrar",
                   leeds_,
                   good,
                   Code::PERMISSION_DENIED,
                   {}});

  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    AlertStream stream(*matching_, c.key, c.request);
    std::vector<v1::MatchAlert> unread;
    grpc::Status status = stream.Finish(absl::Seconds(30), &unread);
    EXPECT_THAT(status, StatusIs(c.code));
    EXPECT_THAT(ViolationFields(status), ::testing::ElementsAreArray(c.fields));
    EXPECT_THAT(unread, IsEmpty());
  }
}

TEST_F(MatchAlertsTest, AWatchSaysWhenARecordLeavesAndEndsWhenNoneIsLeft) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  AlertStream stream(*matching_, finder_, Follow({child.name()}, {}));
  ASSERT_NO_FATAL_FAILURE(Sync({&stream}));
  const std::string short_child =
      "sheffield/" + child.name().substr(child.name().rfind('/') + 1);

  // The child is withdrawn: the stream says so and goes on with the rest.
  WithdrawChild(sheffield_, child.name());
  std::vector<std::vector<v1::MatchAlert>> got = AlertsSoFar({&stream});
  ASSERT_THAT(got[0], SizeIs(1));
  EXPECT_EQ(got[0][0].kind(), v1::ALERT_KIND_FOLLOW_ENDED);
  EXPECT_EQ(got[0][0].message(), "child " + short_child + " was withdrawn");
  EXPECT_EQ(got[0][0].child(), child.name());
  EXPECT_TRUE(got[0][0].resume_token().empty());  // nothing is stored

  // The last record leaves: the stream ends, saying why.
  WithdrawAdopter(sheffield_, sentinel_);
  std::vector<v1::MatchAlert> unread;
  grpc::Status status = stream.Finish(kCheckpointTimeout, &unread);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(status.error_message(),
            "household sheffield/" +
                sentinel_.substr(sentinel_.rfind('/') + 1) +
                " was withdrawn: nothing left to watch");
  ASSERT_FALSE(unread.empty());
  EXPECT_EQ(unread.back().kind(), v1::ALERT_KIND_FOLLOW_ENDED);

  // Watching a withdrawn child ends at once instead of waiting forever.
  v1::WatchMatchesRequest withdrawn;
  withdrawn.add_children(child.name());
  AlertStream again(*matching_, finder_, withdrawn);
  EXPECT_THAT(again.Finish(kCheckpointTimeout),
              StatusIs(Code::FAILED_PRECONDITION));
  // A wrong field is named first, whatever its records' state (stop 41's
  // probe was told only that the child was withdrawn); every wrong field
  // at once.
  withdrawn.add_adopters("x");
  withdrawn.set_min_score(-1);
  AlertStream wrong(*matching_, finder_, withdrawn);
  status = wrong.Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ::testing::UnorderedElementsAre("min_score", "adopters[0]"));
  withdrawn.add_follows("authorities/sheffield/follows/f1");
  AlertStream both(*matching_, finder_, withdrawn);
  EXPECT_THAT(
      ViolationFields(both.Finish(kCheckpointTimeout)),
      ::testing::UnorderedElementsAre("follows", "min_score", "adopters[0]"));
}

TEST_F(MatchAlertsTest, AMemberThatWithdrawsHasItsWatchesEndedAtOnce) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  std::unique_ptr<AlertStream> stream =
      OnceAdmitted(finder_, Follow({child.name()}, {}));
  ASSERT_NE(stream, nullptr);

  WithdrawAuthority("rotherham");
  // Ended by the withdrawal itself, not by the next alert (none comes).
  grpc::Status status = stream->Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("authorities/rotherham has withdrawn from the "
                        "consortium"));
  AlertStream refused(*matching_, finder_, Follow({child.name()}, {}));
  EXPECT_THAT(refused.Finish(kCheckpointTimeout),
              StatusIs(Code::PERMISSION_DENIED));

  // Back in the consortium, it watches again.
  ReinstateAuthority("rotherham");
  EXPECT_NE(OnceAdmitted(finder_, Follow({child.name()}, {})), nullptr);
}

TEST_F(MatchAlertsTest, RevokingTheKeyEndsItsWatchAtOnce) {
  std::string key = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  AlertStream revoked_stream(*matching_, key, Follow({child.name()}, {}));
  AlertStream other(*matching_, finder_, Follow({child.name()}, {}));
  ASSERT_NO_FATAL_FAILURE(Sync({&revoked_stream, &other}));

  v1::ListApiKeysRequest list;
  list.set_parent("authorities/rotherham");
  v1::ListApiKeysResponse keys;
  ASSERT_THAT(Call(*access_, &AccessStub::ListApiKeys, manager_, list, &keys),
              IsOk());
  v1::RevokeApiKeyRequest revoke;
  for (const v1::ApiKey& k : keys.api_keys()) {
    if (key.find(k.name().substr(k.name().rfind('/') + 1)) == 4) {
      revoke.set_name(k.name());
    }
  }
  ASSERT_FALSE(revoke.name().empty());
  revoke.set_request_id(NextRequestId());
  v1::ApiKey done;
  ASSERT_THAT(
      Call(*access_, &AccessStub::RevokeApiKey, manager_, revoke, &done),
      IsOk());
  grpc::Status status = revoked_stream.Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::UNAUTHENTICATED));
  EXPECT_EQ(status.error_message(), "key revoked");
  // The other key's stream goes on.
  v1::Adopter fits = AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  std::vector<std::vector<v1::MatchAlert>> got = AlertsSoFar({&other});
  ASSERT_THAT(got[0], SizeIs(1));
  EXPECT_EQ(got[0][0].adopter(), fits.name());
}

// Every stream's alerts are worked out inside the writes that cause them:
// one key may keep only so many open, and another key is not held back.
TEST_F(MatchAlertsTest, AKeyHasAtMostEightStreamsOpenAtOnce) {
  ASSERT_EQ(MatchingService::kMaxStreamsPerKey, 8);
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  std::vector<std::unique_ptr<AlertStream>> open;
  std::vector<AlertStream*> streams;
  for (int i = 0; i < MatchingService::kMaxStreamsPerKey; ++i) {
    open.push_back(std::make_unique<AlertStream>(*matching_, finder_,
                                                 Follow({child.name()}, {})));
    streams.push_back(open.back().get());
  }
  ASSERT_NO_FATAL_FAILURE(Sync(streams));

  AlertStream refused(*matching_, finder_, Follow({child.name()}, {}));
  grpc::Status status = refused.Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("already has 8 WatchMatches streams open"));
  // A malformed request is told what is wrong with it, at the limit too.
  v1::WatchMatchesRequest both = Follow({child.name()}, {});
  both.add_follows("follows/1");
  AlertStream malformed(*matching_, finder_, both);
  grpc::Status told = malformed.Finish(kCheckpointTimeout);
  EXPECT_THAT(told, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(told), ElementsAre("follows"));

  // Another family finder of the same member watches as usual, and the
  // eight still hear of a new fit.
  AlertStream other(*matching_, NewKey("rotherham", {v1::ROLE_FAMILY_FINDER}),
                    Follow({child.name()}, {}));
  ASSERT_NO_FATAL_FAILURE(Sync({&other}));
  v1::Adopter fits = AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  streams.push_back(&other);
  for (const std::vector<v1::MatchAlert>& got : AlertsSoFar(streams)) {
    ASSERT_THAT(got, SizeIs(1));
    EXPECT_EQ(got[0].adopter(), fits.name());
  }

  // Once one of the eight closes (the server hears of it in its own time),
  // the key may open another: each attempt is either refused (it ends) or
  // admitted (a checkpoint reaches it once its subscription is live).
  open.pop_back();
  std::unique_ptr<AlertStream> again =
      OnceAdmitted(finder_, Follow({child.name()}, {}));
  EXPECT_NE(again, nullptr) << "a closed stream still counted";
}

// Each record an ad-hoc watch names is worked out in every write, so the
// open watches of all keys together name at most kMaxWatchedRecords: ten
// watches of 200 by five members, then a refusal, whichever key asks; a
// watch that closes gives its records back.
TEST_F(MatchAlertsTest, TheOpenWatchesOfEveryKeyNameAtMost2000Records) {
  ASSERT_EQ(MatchingService::kMaxWatchedRecords, 2000);
  ASSERT_EQ(MatchingService::kMaxWatchedRecordsPerMember, 500);
  const std::vector<std::string> children = SheffieldChildren(199);
  ASSERT_THAT(children, SizeIs(199));
  const v1::WatchMatchesRequest full = Follow(children, {});  // 200 records
  ASSERT_EQ(full.children_size() + full.adopters_size(), 200);

  // Two watches (400 records) for each of five members.
  std::vector<std::string> keys = {
      finder_, leeds_finder_, NewKey("sheffield", {v1::ROLE_FAMILY_FINDER})};
  for (const char* member : {"doncaster", "barnsley"}) {
    ASSERT_NO_FATAL_FAILURE(AddMember(member, "south-yorkshire"));
    keys.push_back(NewKey(member, {v1::ROLE_FAMILY_FINDER}));
  }
  const std::string& other = keys.back();
  std::vector<std::unique_ptr<AlertStream>> open;
  std::vector<AlertStream*> streams;
  for (int i = 0; i < 10; ++i) {
    open.push_back(
        std::make_unique<AlertStream>(*matching_, keys[i / 2], full));
    streams.push_back(open.back().get());
  }
  ASSERT_NO_FATAL_FAILURE(Sync(streams));
  AlertStream refused(*matching_, other, Follow({children[0]}, {}));
  grpc::Status status = refused.Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(), HasSubstr("more than 2000 records"));

  // Once one closes (the server hears of it in its own time), a watch of
  // two records is admitted.
  open.pop_back();
  std::unique_ptr<AlertStream> again =
      OnceAdmitted(other, Follow({children[0]}, {}));
  EXPECT_NE(again, nullptr) << "a closed watch's records still counted";
}

// One member's keys together watch at most kMaxWatchedRecordsPerMember
// records, so one member cannot take what every member shares (outside
// probe: one member held all 2,000); another member is still admitted.
TEST_F(MatchAlertsTest, OneMembersWatchesNameAtMost500Records) {
  ASSERT_EQ(MatchingService::kMaxWatchedRecordsPerMember, 500);
  const std::vector<std::string> children = SheffieldChildren(199);
  ASSERT_THAT(children, SizeIs(199));
  const v1::WatchMatchesRequest full = Follow(children, {});  // 200 records
  ASSERT_EQ(full.children_size() + full.adopters_size(), 200);
  const v1::WatchMatchesRequest hundred = Follow(
      std::vector<std::string>(children.begin(), children.begin() + 99), {});
  ASSERT_EQ(hundred.children_size() + hundred.adopters_size(), 100);

  // Rotherham's two keys: 200 + 200 + 100 records, the most.
  const std::string second = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
  AlertStream a(*matching_, finder_, full);
  AlertStream b(*matching_, second, full);
  AlertStream c(*matching_, second, hundred);
  ASSERT_NO_FATAL_FAILURE(Sync({&a, &b, &c}));
  AlertStream refused(*matching_, finder_, Follow({children[0]}, {}));
  grpc::Status status = refused.Finish(kCheckpointTimeout);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("authorities/rotherham's keys would follow more than "
                        "500 records"));
  // Leeds is admitted meanwhile.
  AlertStream leeds(*matching_, leeds_finder_, full);
  ASSERT_NO_FATAL_FAILURE(Sync({&leeds}));
}

TEST_F(MatchAlertsTest, StreamsEndWithUnavailableWhenTheServerStops) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  AlertStream stream(*matching_, finder_, Follow({child.name()}, {}));
  ASSERT_NO_FATAL_FAILURE(Sync({&stream}));
  StopServer();
  std::vector<v1::MatchAlert> unread;
  EXPECT_THAT(stream.Finish(absl::Seconds(30), &unread),
              StatusIs(Code::UNAVAILABLE));
  for (const v1::MatchAlert& a : unread) {
    EXPECT_TRUE(IsSentinelAlert(a)) << a.ShortDebugString();
  }
}

// Streams whose clients stop reading, with small limits on unread alerts
// (UnreadAlertLimits): a paused stream is ended once it holds more than its
// share; a stream that reads the same alerts is never ended and misses none.
class SlowReaderTest : public MatchAlertsTest {
 protected:
  explicit SlowReaderTest(UnreadAlertLimits limits) : limits_(limits) {}

  void Configure(ServerOptions& options) override {
    options.unread_alerts_per_stream = limits_.per_stream;
    options.unread_alerts_total = limits_.total;
    options.unread_alerts_min_share = limits_.min_share;
  }

  // Registers 200 children, one at a time, that fit a new household, with
  // one stream of the household that stops reading and one that reads;
  // returns how the paused one ended and what it had been sent.
  grpc::Status CutOffWhileAnotherReads(std::vector<v1::MatchAlert>* sent) {
    v1::Adopter household =
        AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
    std::unique_ptr<MatchingStub> stub =
        MatchingStubWithFixedWindow(server_->address());
    AlertStream paused(*stub, finder_, Follow({}, {household.name()}));
    AlertStream reading(*matching_, leeds_finder_,
                        Follow({}, {household.name()}));
    EXPECT_NO_FATAL_FAILURE(Sync({&paused, &reading}));
    paused.Pause();
    std::vector<std::string> children;
    for (int i = 0; i < 200; ++i) {
      children.push_back(
          AddChild(sheffield_, "sheffield", ChildProfile({84})).name());
    }
    std::vector<std::vector<v1::MatchAlert>> got = AlertsSoFar({&reading});
    std::vector<std::string> alerted;
    for (const v1::MatchAlert& a : got[0]) alerted.push_back(a.child());
    EXPECT_EQ(alerted, children) << "the stream that reads missed alerts";
    paused.Resume();
    grpc::Status status = paused.Finish(kCheckpointTimeout, sent);
    std::erase_if(*sent,
                  [&](const v1::MatchAlert& a) { return IsSentinelAlert(a); });
    EXPECT_LT(sent->size(), children.size()) << "never cut off";
    for (size_t i = 0; i < sent->size() && i < children.size(); ++i) {
      EXPECT_EQ((*sent)[i].child(), children[i]) << "sent out of order";
    }
    return status;
  }

 private:
  UnreadAlertLimits limits_;
};

class StreamLimitTest : public SlowReaderTest {
 protected:
  StreamLimitTest()
      : SlowReaderTest({.per_stream = 64 << 10,
                        .total = 64 << 20,
                        .min_share = 16 << 10}) {}
};

TEST_F(StreamLimitTest, AStreamNotReadIsEndedAtItsOwnLimit) {
  std::vector<v1::MatchAlert> sent;
  grpc::Status status = CutOffWhileAnotherReads(&sent);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("alerts are not being read: more than 64 KiB"));
}

class ServiceLimitTest : public SlowReaderTest {
 protected:
  ServiceLimitTest()
      : SlowReaderTest({.per_stream = 64 << 20,
                        .total = 64 << 10,
                        .min_share = 16 << 10}) {}
};

TEST_F(ServiceLimitTest, AStreamNotReadIsEndedOnceAllStreamsHoldTheTotal) {
  std::vector<v1::MatchAlert> sent;
  grpc::Status status = CutOffWhileAnotherReads(&sent);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  // Two streams: each may hold 32 KiB of the 64.
  EXPECT_THAT(status.error_message(),
              HasSubstr("alerts are not being read fast enough: this stream "
                        "has more than 32 KiB"));
}

}  // namespace
}  // namespace raa::test
