// Work for a call nobody waits for: a store write made for a cancelled or
// late call (CallScope) writes nothing and does not queue for the write lock
// behind the others.
#include "services/store/call_scope.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;

class CallScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir_.File("raamatch.db"), clock_, RaamatchSchema());
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
  }

  // A write whose body records that it ran.
  absl::Status Write(std::atomic<int>& runs) {
    return store_
        ->Write<v1::Authority>(RequestKey{},
                               [&](StoreTx&) -> absl::StatusOr<v1::Authority> {
                                 ++runs;
                                 return v1::Authority();
                               })
        .status();
  }

  ScratchDir dir_;
  FakeClock clock_{test::TestNow()};
  std::unique_ptr<Store> store_;
};

TEST_F(CallScopeTest, OutsideAnyCallEveryWriteRuns) {
  std::atomic<int> runs = 0;
  EXPECT_THAT(CurrentCallWanted(), IsOk());
  EXPECT_THAT(Write(runs), IsOk());
  EXPECT_EQ(runs, 1);
}

TEST_F(CallScopeTest, AWriteForALateOrCancelledCallDoesNothing) {
  std::atomic<int> runs = 0;
  {
    CallScope scope([] { return absl::DeadlineExceededError("late"); });
    EXPECT_THAT(Write(runs), StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  {
    CallScope scope([] { return absl::CancelledError("gone"); });
    EXPECT_THAT(Write(runs), StatusIs(absl::StatusCode::kCancelled));
  }
  EXPECT_EQ(runs, 0);
  EXPECT_THAT(Write(runs), IsOk());  // the scope ended with its block
  EXPECT_EQ(runs, 1);
}

TEST_F(CallScopeTest, ScopesNestAndRestoreTheOuterCall) {
  CallScope outer([] { return absl::OkStatus(); });
  {
    CallScope inner([] { return absl::CancelledError("inner"); });
    EXPECT_THAT(CurrentCallWanted(), StatusIs(absl::StatusCode::kCancelled));
  }
  EXPECT_THAT(CurrentCallWanted(), IsOk());
}

// A call cancelled while another write holds the lock gives up instead of
// writing once the lock is free.
TEST_F(CallScopeTest, ACallCancelledWhileWaitingForTheLockWritesNothing) {
  absl::Notification holding;
  absl::Notification release;
  std::thread holder([&] {
    std::atomic<int> unused = 0;
    ASSERT_THAT(store_
                    ->Write<v1::Authority>(
                        RequestKey{},
                        [&](StoreTx&) -> absl::StatusOr<v1::Authority> {
                          ++unused;
                          holding.Notify();
                          release.WaitForNotification();
                          return v1::Authority();
                        })
                    .status(),
                IsOk());
  });
  holding.WaitForNotification();
  std::atomic<bool> cancelled = false;
  std::atomic<int> runs = 0;
  absl::Status waiter_status;
  std::thread waiter([&] {
    CallScope scope([&] {
      return cancelled ? absl::CancelledError("client went away")
                       : absl::OkStatus();
    });
    waiter_status = Write(runs);
  });
  cancelled = true;
  release.Notify();
  holder.join();
  waiter.join();
  EXPECT_THAT(waiter_status, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace raa
