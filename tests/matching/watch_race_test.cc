// Cancelling a WatchMatches stream while it subscribes, forced rather than
// hoped for: the stream is registered with the LiveIndex on the worker
// thread, the client cancels, the server's OnCancel runs and finishes the
// call, and only then does the start carry on. What the start registered
// must be released (not left pointing at a finished stream), the client
// must see CANCELLED, and the server must go on alerting other streams.
//
// The same seams hold a stream of follows before it replays, so that its
// unread alerts wait in the server exactly as counted (UnreadShareTest).
//
// The interleaving is made with WatchReactor's test seams and
// absl::Notification barriers: no sleeps. The waits have deadlines only so
// that a broken seam fails the test instead of hanging it.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/matching/watch_reactor.h"
#include "tests/support/alert_stream.h"
#include "tests/support/builders.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(30);

class WatchRaceTest : public InProcessServerTest {
 protected:
  void TearDown() override {
    WatchReactor::SetTestHooks(nullptr);
    InProcessServerTest::TearDown();
  }
};

TEST_F(WatchRaceTest, AWatchCancelledWhileItSubscribesIsReleasedAndEnds) {
  ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
  const std::string registrar = NewKey("sheffield", {v1::ROLE_REGISTRAR});
  const v1::Adopter household =
      AddAdopter(registrar, "sheffield", ApprovedHousehold(1, 48, 120));
  ASSERT_FALSE(HasFailure());

  absl::Notification registered;  // the stream is subscribed
  absl::Notification cancelled;   // the server's OnCancel has run
  absl::Notification started;     // the start has carried on and ended
  bool released = false;
  WatchTestHooks hooks;
  hooks.registered = [&] {
    registered.Notify();
    EXPECT_TRUE(cancelled.WaitForNotificationWithTimeout(kDeadline));
  };
  hooks.cancelled = [&] { cancelled.Notify(); };
  hooks.started = [&](bool r) {
    released = r;
    started.Notify();
  };
  WatchReactor::SetTestHooks(&hooks);

  v1::WatchMatchesRequest request;
  request.add_adopters(household.name());
  request.set_min_score(50);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + registrar);
  std::unique_ptr<grpc::ClientReader<v1::MatchAlert>> reader =
      matching_->WatchMatches(&context, request);

  ASSERT_TRUE(registered.WaitForNotificationWithTimeout(kDeadline));
  context.TryCancel();
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kDeadline));
  WatchReactor::SetTestHooks(nullptr);
  EXPECT_TRUE(cancelled.HasBeenNotified());
  EXPECT_TRUE(released) << "the subscription was kept after the call ended";
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // The server goes on: once a new stream is subscribed, a write that fits
  // the household reaches it (and nothing reaches the cancelled one, which
  // is gone).
  absl::Notification subscribed;
  WatchTestHooks next;
  next.registered = [&] { subscribed.Notify(); };
  WatchReactor::SetTestHooks(&next);
  AlertStream stream(*matching_, registrar, request);
  ASSERT_TRUE(subscribed.WaitForNotificationWithTimeout(kDeadline));
  AddChild(registrar, "sheffield", ChildProfile({84}));
  std::vector<v1::MatchAlert> before;
  v1::MatchAlert alert;
  EXPECT_TRUE(stream.ReadUntil([](const v1::MatchAlert&) { return true; },
                               kDeadline, &before, &alert));
  EXPECT_EQ(alert.followed(), household.name());
}

// Streams that hold more than their part of the unread alerts are ended
// once every stream together holds the total, even if they are sent
// nothing more: the total is given back, and a stream under its part goes
// on. Here the total is 128 KiB and two streams are open (64 KiB each).
class UnreadShareTest : public WatchRaceTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.unread_alerts_per_stream = 1 << 20;
    options.unread_alerts_total = 128 << 10;
    options.unread_alerts_min_share = 16 << 10;
    options.worker_threads = 4;  // two are held below
  }

  // Follows `child` for `finder` and returns the token after its first
  // alert (of a household registered now that fits it).
  std::string FollowFrom(const std::string& finder, const v1::Child& child,
                         int min_age, int max_age) {
    v1::CreateFollowRequest follow;
    follow.mutable_follow()->set_followed(child.name());
    follow.mutable_follow()->set_min_score(50);
    follow.set_request_id(NextRequestId());
    v1::Follow created;
    EXPECT_THAT(Match(&MatchingStub::CreateFollow, finder, follow, &created),
                IsOk());
    AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, min_age, max_age));
    v1::ListAlertsResponse stored;
    EXPECT_THAT(Match(&MatchingStub::ListAlerts, finder,
                      v1::ListAlertsRequest(), &stored),
                IsOk());
    return stored.resume_token();
  }

  std::string registrar_;
};

TEST_F(UnreadShareTest, AStreamOverItsShareIsEndedWhenAnotherFillsTheTotal) {
  ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
  ASSERT_NO_FATAL_FAILURE(AddMember("rotherham", "south-yorkshire"));
  ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire"));
  registrar_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
  const std::string rotherham = NewKey("rotherham", {v1::ROLE_FAMILY_FINDER});
  const std::string leeds = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
  // Households of 48-120 months fit the first child only, of 0-48 the
  // second only.
  const v1::Child older = AddChild(registrar_, "sheffield", ChildProfile({84}));
  const v1::Child younger =
      AddChild(registrar_, "sheffield", ChildProfile({24}));
  const std::string older_token = FollowFrom(rotherham, older, 48, 120);
  const std::string younger_token = FollowFrom(leeds, younger, 0, 48);
  ASSERT_FALSE(older_token.empty());
  ASSERT_FALSE(younger_token.empty());
  ASSERT_FALSE(HasFailure());

  // Both streams of follows stop where they have registered and before
  // they replay: what comes meanwhile waits in the server, unsent, as for
  // clients that have stopped reading.
  std::atomic<int> holding{0};
  absl::Notification both_held;
  absl::Notification release;
  WatchTestHooks hooks;
  hooks.registered = [&] {
    if (holding.fetch_add(1) + 1 == 2) both_held.Notify();
    EXPECT_TRUE(release.WaitForNotificationWithTimeout(kDeadline));
  };
  WatchReactor::SetTestHooks(&hooks);
  v1::WatchMatchesRequest resume;
  resume.set_resume_token(older_token);
  AlertStream over(*matching_, rotherham, resume);
  resume.set_resume_token(younger_token);
  AlertStream under(*matching_, leeds, resume);
  ASSERT_TRUE(both_held.WaitForNotificationWithTimeout(kDeadline));

  // 30 households for the older child: about 90 KiB waiting, over its
  // share and under the total.
  for (int i = 0; i < 30; ++i) {
    AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 48, 120));
  }
  // Then 30 for the younger: the total is passed while that stream holds
  // less than its share, and the first, which is sent nothing more, is
  // ended; the second goes on.
  std::vector<std::string> younger_fits;
  for (int i = 0; i < 30; ++i) {
    younger_fits.push_back(
        AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 0, 48))
            .name());
  }
  release.Notify();

  std::vector<v1::MatchAlert> sent;
  grpc::Status ended = over.Finish(kDeadline, &sent);
  EXPECT_THAT(ended, StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_THAT(ended.error_message(),
              ::testing::HasSubstr("not being read fast enough"));
  EXPECT_THAT(ended.error_message(),
              ::testing::HasSubstr("from the last alert's resume_token"));
  EXPECT_THAT(sent, ::testing::IsEmpty());

  std::vector<v1::MatchAlert> before;
  v1::MatchAlert last;
  ASSERT_TRUE(under.ReadUntil(
      [&](const v1::MatchAlert& a) {
        return a.adopter() == younger_fits.back();
      },
      kDeadline, &before, &last));
  before.push_back(last);
  std::vector<std::string> alerted;
  for (const v1::MatchAlert& a : before) alerted.push_back(a.adopter());
  EXPECT_EQ(alerted, younger_fits);
  WatchReactor::SetTestHooks(nullptr);
}

}  // namespace
}  // namespace raa::test
