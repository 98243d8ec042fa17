// Follows and their stored alerts, through a real gRPC server in this process
// over a SQLite file: alerts kept and listed, resumed from a token across a
// server restart, a watch that ends when what it follows leaves matching, a
// stream ended by revoking its key, idempotent follows and bad input.
//
// No sleeps: a follow's alert is stored in the transaction of the write that
// caused it, so once a write returns ListAlerts sees its alerts; and a
// stream that resumes from a token is known to be running once it has sent a
// stored alert.
//
// Consortium: the hub (manager), Sheffield and Leeds, each with a registrar;
// family finders for Rotherham and Leeds. Today is 2026-11-01 noon.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

constexpr absl::Duration kWait = absl::Seconds(30);

class FollowsTest : public InProcessServerTest {
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
    ASSERT_FALSE(HasFailure());
  }

  grpc::Status CreateFollow(absl::string_view key, const std::string& followed,
                            int min_score, v1::Follow* follow,
                            std::string request_id = "") {
    v1::CreateFollowRequest request;
    request.mutable_follow()->set_followed(followed);
    request.mutable_follow()->set_min_score(min_score);
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    return Match(&MatchingStub::CreateFollow, key, request, follow);
  }

  v1::Follow Follow(absl::string_view key, const std::string& followed) {
    v1::Follow follow;
    EXPECT_THAT(CreateFollow(key, followed, 50, &follow), IsOk());
    return follow;
  }

  v1::ListAlertsResponse Alerts(absl::string_view key,
                                const std::string& resume_token = "") {
    v1::ListAlertsRequest request;
    request.set_resume_token(resume_token);
    request.set_page_size(1000);
    v1::ListAlertsResponse response;
    EXPECT_THAT(Match(&MatchingStub::ListAlerts, key, request, &response),
                IsOk());
    return response;
  }

  // A household that fits ChildProfile({84}) well, in Leeds.
  v1::Adopter AddFittingHousehold() {
    return AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  }

  static std::vector<std::string> Adopters(
      const google::protobuf::RepeatedPtrField<v1::MatchAlert>& alerts) {
    std::vector<std::string> out;
    for (const v1::MatchAlert& a : alerts) out.push_back(a.adopter());
    return out;
  }
  static std::vector<std::string> Adopters(
      const std::vector<v1::MatchAlert>& alerts) {
    std::vector<std::string> out;
    for (const v1::MatchAlert& a : alerts) out.push_back(a.adopter());
    return out;
  }

  std::string sheffield_;     // registrar
  std::string leeds_;         // registrar
  std::string finder_;        // Rotherham's family finder
  std::string leeds_finder_;  // Leeds' family finder
};

TEST_F(FollowsTest, AFollowKeepsEveryNewFitAsAnAlertToList) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  // Fits already: known when the follow starts, never alerted.
  AddFittingHousehold();
  v1::Follow follow = Follow(finder_, child.name());
  EXPECT_EQ(follow.state(), v1::FOLLOW_STATE_ACTIVE);
  EXPECT_EQ(follow.min_score(), 50);
  EXPECT_THAT(follow.name(), HasSubstr("authorities/rotherham/follows/f"));
  EXPECT_THAT(Alerts(finder_).alerts(), IsEmpty());

  // Nobody is watching: the alerts are kept all the same.
  v1::Adopter first = AddFittingHousehold();
  AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));  // does not fit
  v1::Adopter second = AddFittingHousehold();

  v1::ListAlertsResponse listed = Alerts(finder_);
  ASSERT_THAT(listed.alerts(), SizeIs(2));
  EXPECT_THAT(Adopters(listed.alerts()),
              ElementsAre(first.name(), second.name()));
  for (int i = 0; i < 2; ++i) {
    const v1::MatchAlert& a = listed.alerts(i);
    EXPECT_EQ(a.kind(), v1::ALERT_KIND_NEW_FIT);
    EXPECT_EQ(a.child(), child.name());
    EXPECT_EQ(a.followed(), child.name());
    EXPECT_EQ(a.follow(), follow.name());
    EXPECT_EQ(a.name(), absl::StrCat("authorities/rotherham/alerts/", i + 1));
    EXPECT_GE(a.score(), 50);
    EXPECT_FALSE(a.resume_token().empty());
    ExpectExplainedComponents(a.components(), a.score(), DefaultWeights());
  }
  EXPECT_EQ(listed.resume_token(), listed.alerts(1).resume_token());

  // After the first one's token: only the second; after the last: nothing.
  EXPECT_THAT(
      Adopters(Alerts(finder_, listed.alerts(0).resume_token()).alerts()),
      ElementsAre(second.name()));
  v1::ListAlertsResponse none = Alerts(finder_, listed.resume_token());
  EXPECT_THAT(none.alerts(), IsEmpty());
  EXPECT_EQ(none.resume_token(), listed.resume_token());

  // Filters: by follow and by child.
  v1::ListAlertsRequest by_follow;
  by_follow.set_follow(follow.name());
  by_follow.set_child(child.name());
  v1::ListAlertsResponse filtered;
  ASSERT_THAT(Match(&MatchingStub::ListAlerts, finder_, by_follow, &filtered),
              IsOk());
  EXPECT_THAT(filtered.alerts(), SizeIs(2));
  by_follow.set_child("authorities/sheffield/children/c999");
  ASSERT_THAT(Match(&MatchingStub::ListAlerts, finder_, by_follow, &filtered),
              IsOk());
  EXPECT_THAT(filtered.alerts(), IsEmpty());

  // Paged one at a time, the same two in the same order.
  v1::ListAlertsRequest paged;
  paged.set_page_size(1);
  v1::ListAlertsResponse page;
  ASSERT_THAT(Match(&MatchingStub::ListAlerts, finder_, paged, &page), IsOk());
  EXPECT_THAT(Adopters(page.alerts()), ElementsAre(first.name()));
  ASSERT_FALSE(page.next_page_token().empty());
  paged.set_page_token(page.next_page_token());
  ASSERT_THAT(Match(&MatchingStub::ListAlerts, finder_, paged, &page), IsOk());
  EXPECT_THAT(Adopters(page.alerts()), ElementsAre(second.name()));

  // Follows and alerts are the follower authority's own.
  EXPECT_THAT(Alerts(leeds_finder_).alerts(), IsEmpty());
  v1::ListAlertsRequest other;
  other.set_parent("authorities/rotherham");
  v1::ListAlertsResponse refused;
  EXPECT_THAT(Match(&MatchingStub::ListAlerts, leeds_finder_, other, &refused),
              StatusIs(Code::PERMISSION_DENIED));
  v1::GetFollowRequest get;
  get.set_name(follow.name());
  v1::Follow got;
  EXPECT_THAT(Match(&MatchingStub::GetFollow, leeds_finder_, get, &got),
              StatusIs(Code::NOT_FOUND));
  ASSERT_THAT(Match(&MatchingStub::GetFollow, finder_, get, &got), IsOk());
  EXPECT_EQ(got.followed(), child.name());
}

TEST_F(FollowsTest, AChildHiddenFromTheFollowerIsNeverInItsAlerts) {
  v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));
  v1::Follow follow = Follow(finder_, household.name());
  v1::Child hidden = ChildProfile({30});
  hidden.add_hidden_from("rotherham");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  v1::Child visible = AddChild(sheffield_, "sheffield", ChildProfile({30}));
  v1::ListAlertsResponse listed = Alerts(finder_);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  EXPECT_EQ(listed.alerts(0).child(), visible.name());
  EXPECT_EQ(listed.alerts(0).followed(), household.name());

  // Hidden after the alert was stored: left out when read.
  visible.add_hidden_from("rotherham");
  UpdateChild(sheffield_, visible, {"hidden_from"});
  EXPECT_THAT(Alerts(finder_).alerts(), IsEmpty());
}

TEST_F(FollowsTest, AResumedWatchGetsExactlyTheMissedAlertsAfterARestart) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  Follow(finder_, child.name());
  v1::Adopter seen = AddFittingHousehold();
  std::string token = Alerts(finder_).resume_token();
  ASSERT_FALSE(token.empty());

  // Missed: one before the server stops, one after it comes back on the
  // same database.
  v1::Adopter missed_before = AddFittingHousehold();
  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  v1::Adopter missed_after = AddFittingHousehold();

  v1::WatchMatchesRequest request;
  request.set_resume_token(token);
  AlertStream stream(*matching_, finder_, request);
  // A new one while (or before) the stream catches up: once, in order.
  v1::Adopter live = AddFittingHousehold();
  std::vector<v1::MatchAlert> got;
  v1::MatchAlert last;
  ASSERT_TRUE(stream.ReadUntil(
      [&](const v1::MatchAlert& a) { return a.adopter() == live.name(); },
      kWait, &got, &last));
  got.push_back(last);
  EXPECT_THAT(Adopters(got), ElementsAre(missed_before.name(),
                                         missed_after.name(), live.name()));
  EXPECT_EQ(got[0].name(), "authorities/rotherham/alerts/2");
  EXPECT_EQ(got[2].name(), "authorities/rotherham/alerts/4");
  (void)seen;

  // And the next one comes next: nothing was queued twice.
  v1::Adopter next = AddFittingHousehold();
  std::vector<v1::MatchAlert> between;
  v1::MatchAlert after;
  ASSERT_TRUE(stream.ReadUntil([](const v1::MatchAlert&) { return true; },
                               kWait, &between, &after));
  EXPECT_EQ(after.adopter(), next.name());

  // The stored list agrees.
  EXPECT_THAT(Adopters(Alerts(finder_, token).alerts()),
              ElementsAre(missed_before.name(), missed_after.name(),
                          live.name(), next.name()));
}

TEST_F(FollowsTest, AWatchEndsWithTheReasonWhenItsChildIsWithdrawn) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow follow = Follow(finder_, child.name());
  AddFittingHousehold();
  std::string token = Alerts(finder_).resume_token();

  v1::WatchMatchesRequest request;
  request.add_follows(follow.name());
  request.set_resume_token(token);
  AlertStream stream(*matching_, finder_, request);
  WithdrawChild(sheffield_, child.name());

  const std::string why = absl::StrCat(
      "child sheffield/", child.name().substr(child.name().rfind('/') + 1),
      " was withdrawn");
  std::vector<v1::MatchAlert> got;
  grpc::Status status = stream.Finish(kWait, &got);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(status.error_message(), why + ": nothing left to watch");
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].kind(), v1::ALERT_KIND_FOLLOW_ENDED);
  EXPECT_EQ(got[0].message(), why);
  EXPECT_EQ(got[0].child(), child.name());

  // The follow has ended, and says why; so does the kept alert.
  v1::GetFollowRequest get;
  get.set_name(follow.name());
  v1::Follow ended;
  ASSERT_THAT(Match(&MatchingStub::GetFollow, finder_, get, &ended), IsOk());
  EXPECT_EQ(ended.state(), v1::FOLLOW_STATE_ENDED);
  EXPECT_EQ(ended.end_reason(), why);
  v1::ListAlertsResponse listed = Alerts(finder_, token);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  EXPECT_EQ(listed.alerts(0).message(), why);

  // Watching it again ends at once, for the same reason.
  v1::WatchMatchesRequest again;
  again.add_follows(follow.name());
  AlertStream second(*matching_, finder_, again);
  status = second.Finish(kWait);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(status.error_message(), why + ": nothing left to watch");

  // And a withdrawn child cannot be followed, saying why.
  v1::Follow refused;
  grpc::Status late = CreateFollow(finder_, child.name(), 50, &refused);
  EXPECT_THAT(late, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(late.error_message(), HasSubstr("is WITHDRAWN, not waiting"));
}

// A follow stored before its child left matching is answered again to a
// retry (the first answer may have been lost): the request id is looked up
// before the child's state is.
TEST_F(FollowsTest, ARetriedFollowIsAnsweredAfterItsChildIsWithdrawn) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow first;
  ASSERT_THAT(CreateFollow(finder_, child.name(), 60, &first, "follow-w"),
              IsOk());
  WithdrawChild(sheffield_, child.name());
  v1::Follow retried;
  ASSERT_THAT(CreateFollow(finder_, child.name(), 60, &retried, "follow-w"),
              IsOk());
  EXPECT_EQ(retried.name(), first.name());
}

// A child hidden from its follower after it was followed does not exist for
// the follower: its follow ends at once, the end names the child nowhere
// (on the stream or in the list), and the follow is not found, listed,
// deleted or watched.
TEST_F(FollowsTest, AFollowOfAChildHiddenSinceEndsAndNamesItNowhere) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow follow = Follow(finder_, child.name());
  AddFittingHousehold();
  AddFittingHousehold();
  const v1::ListAlertsResponse fits = Alerts(finder_);
  ASSERT_THAT(fits.alerts(), SizeIs(2));
  const std::string token = fits.resume_token();
  // Resumed after the first alert: the second, sent from the store, proves
  // the stream is running before the child is hidden (hidden first, the
  // follow would be refused as not found).
  v1::WatchMatchesRequest request;
  request.add_follows(follow.name());
  request.set_resume_token(fits.alerts(0).resume_token());
  AlertStream stream(*matching_, finder_, request);
  std::vector<v1::MatchAlert> before;
  v1::MatchAlert running;
  ASSERT_TRUE(stream.ReadUntil([](const v1::MatchAlert&) { return true; },
                               kWait, &before, &running));

  child.add_hidden_from("rotherham");
  UpdateChild(sheffield_, child, {"hidden_from"});
  const std::string why = absl::StrCat("follow ", follow.name(), " ended");
  std::vector<v1::MatchAlert> got;
  grpc::Status status = stream.Finish(kWait, &got);
  EXPECT_EQ(status.error_message(), why + ": nothing left to watch");
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].kind(), v1::ALERT_KIND_FOLLOW_ENDED);
  EXPECT_EQ(got[0].message(), why);
  EXPECT_EQ(got[0].child(), "");
  EXPECT_EQ(got[0].followed(), "");
  v1::ListAlertsResponse listed = Alerts(finder_, token);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  EXPECT_EQ(listed.alerts(0).message(), why);
  // Its earlier alerts are not listed, and the token does not move past
  // them: as for a child that never was.
  for (const std::string& name :
       {child.name(), std::string("authorities/sheffield/children/c999")}) {
    v1::ListAlertsRequest by_child;
    by_child.set_child(name);
    v1::ListAlertsResponse none;
    ASSERT_THAT(Match(&MatchingStub::ListAlerts, finder_, by_child, &none),
                IsOk());
    EXPECT_THAT(none.alerts(), IsEmpty()) << name;
    EXPECT_EQ(none.resume_token(), "") << name;
  }

  // Not found, as a follow that never was; not listed; not deleted.
  v1::GetFollowRequest get;
  get.set_name(follow.name());
  v1::Follow got_follow;
  grpc::Status not_found =
      Match(&MatchingStub::GetFollow, finder_, get, &got_follow);
  EXPECT_THAT(not_found, StatusIs(Code::NOT_FOUND));
  get.set_name("authorities/rotherham/follows/f999");
  EXPECT_EQ(
      not_found.error_message(),
      absl::StrReplaceAll(
          Match(&MatchingStub::GetFollow, finder_, get, &got_follow)
              .error_message(),
          {{"f999", follow.name().substr(follow.name().rfind('/') + 1)}}));
  v1::ListFollowsResponse follows;
  ASSERT_THAT(Match(&MatchingStub::ListFollows, finder_,
                    v1::ListFollowsRequest(), &follows),
              IsOk());
  EXPECT_THAT(follows.follows(), IsEmpty());
  v1::DeleteFollowRequest remove;
  remove.set_name(follow.name());
  remove.set_request_id(NextRequestId());
  v1::Follow removed;
  EXPECT_THAT(Match(&MatchingStub::DeleteFollow, finder_, remove, &removed),
              StatusIs(Code::NOT_FOUND));
  v1::WatchMatchesRequest again;
  again.add_follows(follow.name());
  AlertStream second(*matching_, finder_, again);
  grpc::Status refused = second.Finish(kWait);
  EXPECT_THAT(refused, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(refused.error_message(), HasSubstr("no such follow"));

  // When the child then leaves matching, nothing more is said.
  WithdrawChild(sheffield_, child.name());
  EXPECT_THAT(Alerts(finder_, listed.resume_token()).alerts(), IsEmpty());
}

TEST_F(FollowsTest, AWatchEndsWhenItsHouseholdsAuthorityLeaves) {
  v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));
  v1::Follow follow = Follow(finder_, household.name());
  AddChild(sheffield_, "sheffield", ChildProfile({30}));
  std::string token = Alerts(finder_).resume_token();
  v1::WatchMatchesRequest request;
  request.add_follows(follow.name());
  request.set_resume_token(token);
  AlertStream stream(*matching_, finder_, request);
  WithdrawAuthority("leeds");
  grpc::Status status = stream.Finish(kWait);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(),
              HasSubstr("its authority leeds has left the consortium: "
                        "nothing left to watch"));
}

TEST_F(FollowsTest, RevokingAKeyEndsItsOpenStreamAtOnce) {
  std::string key = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  Follow(key, child.name());
  AddFittingHousehold();
  v1::ListAlertsResponse listed = Alerts(key);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  AddFittingHousehold();
  // Resumed after the first alert: the second, sent from the store, proves
  // the stream is running.
  v1::WatchMatchesRequest request;
  request.set_resume_token(listed.alerts(0).resume_token());
  AlertStream stream(*matching_, key, request);
  std::vector<v1::MatchAlert> before;
  v1::MatchAlert replayed;
  ASSERT_TRUE(stream.ReadUntil([](const v1::MatchAlert&) { return true; },
                               kWait, &before, &replayed));

  // Another key's stream of the same authority stays open.
  AlertStream other(*matching_, finder_, request);
  ASSERT_TRUE(other.ReadUntil([](const v1::MatchAlert&) { return true; }, kWait,
                              &before, &replayed));

  v1::ListApiKeysRequest list;
  list.set_parent("authorities/rotherham");
  v1::ListApiKeysResponse keys;
  ASSERT_THAT(Call(*access_, &AccessStub::ListApiKeys, manager_, list, &keys),
              IsOk());
  std::string key_name;
  for (const v1::ApiKey& k : keys.api_keys()) {
    if (key.find(k.name().substr(k.name().rfind('/') + 1)) == 4) {
      key_name = k.name();
    }
  }
  ASSERT_FALSE(key_name.empty());
  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(key_name);
  revoke.set_request_id(NextRequestId());
  v1::ApiKey revoked;
  ASSERT_THAT(
      Call(*access_, &AccessStub::RevokeApiKey, manager_, revoke, &revoked),
      IsOk());

  grpc::Status status = stream.Finish(kWait);
  EXPECT_THAT(status, StatusIs(Code::UNAUTHENTICATED));
  EXPECT_EQ(status.error_message(), "key revoked");
  // Nothing more reaches it; the other stream still gets news.
  v1::Adopter later = AddFittingHousehold();
  v1::MatchAlert news;
  ASSERT_TRUE(other.ReadUntil([](const v1::MatchAlert&) { return true; }, kWait,
                              &before, &news));
  EXPECT_EQ(news.adopter(), later.name());
}

TEST_F(FollowsTest, AMemberThatWithdrawsHasItsFollowsEnded) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow follow = Follow(finder_, child.name());
  AddFittingHousehold();
  v1::ListAlertsResponse listed = Alerts(finder_);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  AddFittingHousehold();
  // Every follow of the key's member, resumed after the first alert: the
  // second, sent from the store, proves the stream is running.
  v1::WatchMatchesRequest request;
  request.set_resume_token(listed.alerts(0).resume_token());
  AlertStream stream(*matching_, finder_, request);
  std::vector<v1::MatchAlert> before;
  v1::MatchAlert replayed;
  ASSERT_TRUE(stream.ReadUntil([](const v1::MatchAlert&) { return true; },
                               kWait, &before, &replayed));

  WithdrawAuthority("rotherham");
  grpc::Status status = stream.Finish(kWait);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(status.error_message(), HasSubstr("has withdrawn"));
  // Its follow stores nothing more: a household that fits now is news to
  // no one at Rotherham.
  v1::Adopter later = AddFittingHousehold();

  ReinstateAuthority("rotherham");
  v1::ListAlertsResponse after = Alerts(finder_, listed.resume_token());
  ASSERT_THAT(after.alerts(), SizeIs(2));
  EXPECT_EQ(after.alerts(0).kind(), v1::ALERT_KIND_NEW_FIT);
  EXPECT_EQ(after.alerts(1).kind(), v1::ALERT_KIND_FOLLOW_ENDED);
  EXPECT_THAT(after.alerts(1).message(),
              HasSubstr("your authority rotherham has left the consortium"));
  for (const v1::MatchAlert& alert : after.alerts()) {
    EXPECT_NE(alert.adopter(), later.name());
  }
  v1::GetFollowRequest get;
  get.set_name(follow.name());
  v1::Follow ended;
  ASSERT_THAT(Match(&MatchingStub::GetFollow, finder_, get, &ended), IsOk());
  EXPECT_EQ(ended.state(), v1::FOLLOW_STATE_ENDED);
}

TEST_F(FollowsTest, ARegistrarStopsFollowingOnlyItsOwnMembersRecords) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow follow = Follow(finder_, child.name());
  // Rotherham's registrar may not follow Sheffield's child, so neither
  // may it end the follow Rotherham's family finder made of it.
  std::string registrar = NewKey("rotherham", {v1::ROLE_REGISTRAR});
  v1::DeleteFollowRequest remove;
  remove.set_name(follow.name());
  remove.set_request_id(NextRequestId());
  v1::Follow removed;
  grpc::Status status =
      Match(&MatchingStub::DeleteFollow, registrar, remove, &removed);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("a registrar may search only for rotherham's own"));
  v1::GetFollowRequest get;
  get.set_name(follow.name());
  v1::Follow still;
  ASSERT_THAT(Match(&MatchingStub::GetFollow, finder_, get, &still), IsOk());
  EXPECT_EQ(still.state(), v1::FOLLOW_STATE_ACTIVE);
  EXPECT_FALSE(still.has_delete_time());
  // The family finder may.
  remove.set_request_id(NextRequestId());
  EXPECT_THAT(Match(&MatchingStub::DeleteFollow, finder_, remove, &removed),
              IsOk());
}

// A registrar searches only for its own member's records: of its member's
// follows it is told only of those, in a list and on a stream, not of what
// its family finders follow elsewhere (outside probe).
TEST_F(FollowsTest, ARegistrarIsToldOnlyOfFitsForItsOwnMembersRecords) {
  v1::Child sheffield_child =
      AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow elsewhere = Follow(leeds_finder_, sheffield_child.name());
  v1::Adopter leeds_household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 0, 48));
  v1::Follow own = Follow(leeds_finder_, leeds_household.name());
  AddFittingHousehold();  // a fit for the Sheffield child
  AddChild(sheffield_, "sheffield", ChildProfile({30}));  // for the household
  auto followed = [](const v1::ListAlertsResponse& listed) {
    std::vector<std::string> out;
    for (const v1::MatchAlert& a : listed.alerts()) out.push_back(a.followed());
    return out;
  };
  EXPECT_THAT(followed(Alerts(leeds_finder_)),
              ElementsAre(sheffield_child.name(), leeds_household.name()));
  v1::ListAlertsResponse mine = Alerts(leeds_);
  EXPECT_THAT(followed(mine), ElementsAre(leeds_household.name()));
  // A poll from its token moves past the alerts it is not told of, so the
  // next poll does not read them again.
  AddFittingHousehold();
  v1::ListAlertsResponse next = Alerts(leeds_, mine.resume_token());
  EXPECT_THAT(next.alerts(), IsEmpty());
  EXPECT_EQ(next.resume_token(), Alerts(leeds_finder_).resume_token());

  // Watching the other member's follow by name is refused.
  v1::WatchMatchesRequest named;
  named.add_follows(elsewhere.name());
  AlertStream refused(*matching_, leeds_, named);
  grpc::Status status = refused.Finish(kWait);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("a registrar may watch only follows of leeds's own"));

  // Watching every follow, from the first alert (so the stream is known to
  // run once it has sent the second, the household's): only its own
  // member's records' fits arrive, stored or new.
  v1::WatchMatchesRequest every;
  every.set_resume_token(Alerts(leeds_finder_).alerts(0).resume_token());
  AlertStream all(*matching_, leeds_, every);
  v1::MatchAlert got;
  std::vector<v1::MatchAlert> before;
  ASSERT_TRUE(all.ReadUntil([](const v1::MatchAlert&) { return true; }, kWait,
                            &before, &got));
  EXPECT_EQ(got.followed(), leeds_household.name());
  AddFittingHousehold();  // the Sheffield child's: not for the registrar
  v1::Child last = AddChild(sheffield_, "sheffield", ChildProfile({30}));
  ASSERT_TRUE(all.ReadUntil(
      [&](const v1::MatchAlert& a) { return a.child() == last.name(); }, kWait,
      &before, &got));
  EXPECT_THAT(before, IsEmpty()) << "an alert the registrar is not told of";
  EXPECT_EQ(got.child(), last.name());
  EXPECT_EQ(got.followed(), leeds_household.name());
  EXPECT_EQ(got.follow(), own.name());
}

TEST_F(FollowsTest, FollowsArePagedWhateverThePageSize) {
  std::vector<std::string> created;
  for (int age : {60, 72, 84, 96}) {
    v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({age}));
    v1::Follow follow;
    ASSERT_THAT(CreateFollow(finder_, child.name(), 60, &follow), IsOk());
    created.push_back(follow.name());
  }
  const auto walk = [&](int page_size) {
    std::vector<std::string> seen;
    v1::ListFollowsRequest request;
    request.set_page_size(page_size);
    int pages = 0;
    do {
      v1::ListFollowsResponse page;
      EXPECT_THAT(Match(&MatchingStub::ListFollows, finder_, request, &page),
                  IsOk());
      for (const v1::Follow& f : page.follows()) seen.push_back(f.name());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && ++pages < 10);
    return seen;
  };
  // The same filter with another page size after it: the size of each call
  // counts, not the first one's.
  EXPECT_EQ(walk(1), created);
  EXPECT_EQ(walk(50), created);
  EXPECT_EQ(walk(3), created);
}

TEST_F(FollowsTest, CreatingAFollowIsIdempotentAndOncePerRecord) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow first;
  ASSERT_THAT(CreateFollow(finder_, child.name(), 60, &first, "follow-1"),
              IsOk());
  v1::Follow retried;
  ASSERT_THAT(CreateFollow(finder_, child.name(), 60, &retried, "follow-1"),
              IsOk());
  EXPECT_EQ(retried.name(), first.name());
  v1::Follow reused;
  EXPECT_THAT(CreateFollow(finder_, child.name(), 70, &reused, "follow-1"),
              StatusIs(Code::ALREADY_EXISTS));
  v1::Follow twice;
  grpc::Status again = CreateFollow(finder_, child.name(), 60, &twice);
  EXPECT_THAT(again, StatusIs(Code::ALREADY_EXISTS));
  EXPECT_THAT(again.error_message(), HasSubstr(first.name()));

  v1::ListFollowsResponse follows;
  ASSERT_THAT(Match(&MatchingStub::ListFollows, finder_,
                    v1::ListFollowsRequest(), &follows),
              IsOk());
  ASSERT_THAT(follows.follows(), SizeIs(1));
  EXPECT_EQ(follows.follows(0).min_score(), 60);

  // Deleted: gone from the list, and the record can be followed again.
  v1::DeleteFollowRequest del;
  del.set_name(first.name());
  del.set_request_id("unfollow-1");
  v1::Follow deleted;
  ASSERT_THAT(Match(&MatchingStub::DeleteFollow, finder_, del, &deleted),
              IsOk());
  EXPECT_TRUE(deleted.has_delete_time());
  ASSERT_THAT(Match(&MatchingStub::DeleteFollow, finder_, del, &deleted),
              IsOk());  // a retry
  ASSERT_THAT(Match(&MatchingStub::ListFollows, finder_,
                    v1::ListFollowsRequest(), &follows),
              IsOk());
  EXPECT_THAT(follows.follows(), IsEmpty());
  v1::Follow renewed;
  EXPECT_THAT(CreateFollow(finder_, child.name(), 60, &renewed), IsOk());
  // A deleted follow stores nothing more.
  AddFittingHousehold();
  v1::ListAlertsResponse listed = Alerts(finder_);
  ASSERT_THAT(listed.alerts(), SizeIs(1));
  EXPECT_EQ(listed.alerts(0).follow(), renewed.name());
}

TEST_F(FollowsTest, BadFollowAndAlertRequestsNameTheField) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Follow follow = Follow(finder_, child.name());
  AddFittingHousehold();
  std::string leeds_token;
  {
    v1::Follow leeds_follow = Follow(leeds_finder_, child.name());
    AddFittingHousehold();
    leeds_token = Alerts(leeds_finder_).resume_token();
    ASSERT_FALSE(leeds_token.empty());
  }

  struct CreateCase {
    std::string what;
    std::string followed;
    int min_score;
    std::string request_id;
    std::vector<std::string> fields;
  };
  for (const CreateCase& c : std::vector<CreateCase>{
           {"no record", "", 50, "r-a", {"follow.followed"}},
           {"a malformed name", "children/c1", 50, "r-b", {"follow.followed"}},
           {"an unknown child",
            "authorities/sheffield/children/c999",
            50,
            "r-c",
            {"follow.followed"}},
           {"a negative score", child.name(), -1, "r-d", {"follow.min_score"}},
           {"a score over 100", child.name(), 101, "r-e", {"follow.min_score"}},
           {"no request id", child.name(), 50, "", {"request_id"}},
       }) {
    SCOPED_TRACE(c.what);
    v1::CreateFollowRequest request;
    request.mutable_follow()->set_followed(c.followed);
    request.mutable_follow()->set_min_score(c.min_score);
    request.set_request_id(c.request_id);
    v1::Follow created;
    grpc::Status s =
        Match(&MatchingStub::CreateFollow, leeds_finder_, request, &created);
    EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(s), ::testing::ElementsAreArray(c.fields));
  }

  struct ListCase {
    std::string what;
    v1::ListAlertsRequest request;
    std::string field;
  };
  std::vector<ListCase> lists;
  lists.push_back({"a token this server never issued", {}, "resume_token"});
  lists.back().request.set_resume_token("not-a-token");
  lists.push_back({"another authority's token", {}, "resume_token"});
  lists.back().request.set_resume_token(leeds_token);
  lists.push_back({"a negative page size", {}, "page_size"});
  lists.back().request.set_page_size(-1);
  lists.push_back({"a bad page token", {}, "page_token"});
  lists.back().request.set_page_token("zzz");
  lists.push_back({"a malformed follow", {}, "follow"});
  lists.back().request.set_follow("follows/f1");
  lists.push_back({"a malformed child", {}, "child"});
  lists.back().request.set_child("c1");
  for (const ListCase& c : lists) {
    SCOPED_TRACE(c.what);
    v1::ListAlertsResponse response;
    grpc::Status s =
        Match(&MatchingStub::ListAlerts, finder_, c.request, &response);
    EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(s), ElementsAre(c.field));
  }

  struct WatchCase {
    std::string what;
    v1::WatchMatchesRequest request;
    std::string field;
  };
  std::vector<WatchCase> watches;
  watches.push_back({"a bad resume token", {}, "resume_token"});
  watches.back().request.set_resume_token("bad");
  watches.push_back({"a malformed follow", {}, "follows[0]"});
  watches.back().request.add_follows("authorities/rotherham/follows/x");
  watches.push_back({"another authority's follow", {}, "follows[0]"});
  watches.back().request.add_follows("authorities/leeds/follows/f1");
  watches.push_back({"an unknown follow", {}, "follows[0]"});
  watches.back().request.add_follows("authorities/rotherham/follows/f999");
  watches.push_back({"children and follows", {}, "follows"});
  watches.back().request.add_follows(follow.name());
  watches.back().request.add_children(child.name());
  watches.push_back({"a score with follows", {}, "min_score"});
  watches.back().request.set_min_score(60);
  for (const WatchCase& c : watches) {
    SCOPED_TRACE(c.what);
    AlertStream stream(*matching_, finder_, c.request);
    std::vector<v1::MatchAlert> unread;
    grpc::Status s = stream.Finish(kWait, &unread);
    EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
    EXPECT_THAT(ViolationFields(s), ElementsAre(c.field));
    EXPECT_THAT(unread, IsEmpty());
  }

  // A finance key may not follow.
  std::string finance = NewKey("sheffield", {v1::ROLE_FINANCE});
  v1::Follow refused;
  EXPECT_THAT(CreateFollow(finance, child.name(), 50, &refused),
              StatusIs(Code::PERMISSION_DENIED));
  v1::ListAlertsResponse none;
  EXPECT_THAT(
      Match(&MatchingStub::ListAlerts, finance, v1::ListAlertsRequest(), &none),
      StatusIs(Code::PERMISSION_DENIED));
}

// A stream of follows whose client stops reading is ended once it holds 64
// KiB of alerts; resumed from the last alert it was sent, it gets every
// later alert once, in order: nothing stored is lost by the cut.
class CutOffFollowsTest : public FollowsTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.unread_alerts_per_stream = 64 << 10;
  }
};

TEST_F(CutOffFollowsTest, AStreamEndedForNotReadingResumesWithNothingLost) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  Follow(finder_, child.name());
  const v1::Adopter first = AddFittingHousehold();
  const std::string token = Alerts(finder_).resume_token();
  ASSERT_FALSE(token.empty());

  std::unique_ptr<MatchingStub> stub =
      MatchingStubWithFixedWindow(server_->address());
  v1::WatchMatchesRequest request;
  request.set_resume_token(token);
  AlertStream paused(*stub, finder_, request);
  // Live once the alert of a household registered now arrives.
  const v1::Adopter live = AddFittingHousehold();
  std::vector<v1::MatchAlert> sent;
  v1::MatchAlert last;
  ASSERT_TRUE(paused.ReadUntil(
      [&](const v1::MatchAlert& a) { return a.adopter() == live.name(); },
      kWait, &sent, &last));
  sent.push_back(last);
  paused.Pause();
  std::vector<std::string> registered = {live.name()};
  for (int i = 0; i < 300; ++i) {
    registered.push_back(AddFittingHousehold().name());
  }
  paused.Resume();
  grpc::Status status = paused.Finish(kWait, &sent);
  EXPECT_THAT(status, StatusIs(Code::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(),
              HasSubstr("watch again from the last alert's resume_token"));
  ASSERT_LT(sent.size(), registered.size()) << "never cut off";

  request.set_resume_token(sent.back().resume_token());
  AlertStream resumed(*matching_, finder_, request);
  std::vector<v1::MatchAlert> rest;
  ASSERT_TRUE(resumed.ReadUntil(
      [&](const v1::MatchAlert& a) { return a.adopter() == registered.back(); },
      kWait, &rest, &last));
  rest.push_back(last);
  std::vector<std::string> got = Adopters(sent);
  for (const std::string& a : Adopters(rest)) got.push_back(a);
  EXPECT_EQ(got, registered);
  EXPECT_EQ(
      Adopters(
          Alerts(finder_, Alerts(finder_).alerts(0).resume_token()).alerts()),
      registered);
  (void)first;
}

}  // namespace
}  // namespace raa::test
