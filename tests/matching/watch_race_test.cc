// Cancelling a WatchMatches stream while it subscribes, forced rather than
// hoped for: the stream is registered with the LiveIndex on the worker
// thread, the client cancels, the server's OnCancel runs and finishes the
// call, and only then does the start carry on. What the start registered
// must be released (not left pointing at a finished stream), the client
// must see CANCELLED, and the server must go on alerting other streams.
//
// The interleaving is made with WatchReactor's test seams and
// absl::Notification barriers: no sleeps. The waits have deadlines only so
// that a broken seam fails the test instead of hanging it.
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

}  // namespace
}  // namespace raa::test
