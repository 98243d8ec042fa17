// WorkerPool's two lanes (services/rpc/worker_pool.h) and CallCosts, which
// picks a call's lane (services/rpc/call_costs.h): heavy work never takes
// every worker, light work is never queued behind it, and the queue's order
// still holds where a worker may take either.
#include "services/rpc/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/access_policy.h"
#include "services/rpc/call_costs.h"

namespace raa {
namespace {

using ::testing::ElementsAre;
using Lane = WorkerPool::Lane;

// Long enough for any machine; the tests never wait it out when they pass.
constexpr absl::Duration kPatience = absl::Seconds(60);

// The order tasks began in.
class Trace {
 public:
  void Add(std::string name) {
    absl::MutexLock lock(&mu_);
    names_.push_back(std::move(name));
  }
  std::vector<std::string> names() {
    absl::MutexLock lock(&mu_);
    return names_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

TEST(WorkerPoolTest, HeavyTasksRunOnAtMostHalfTheWorkers) {
  absl::Notification release;
  absl::Notification light_ran;
  absl::Mutex mu;
  int running = 0, most = 0, done = 0;
  {
    WorkerPool pool(4);
    EXPECT_EQ(pool.heavy_limit(), 2);
    for (int i = 0; i < 4; ++i) {
      pool.Schedule(
          [&] {
            {
              absl::MutexLock lock(&mu);
              most = std::max(most, ++running);
            }
            release.WaitForNotificationWithTimeout(kPatience);
            absl::MutexLock lock(&mu);
            --running;
            ++done;
          },
          Lane::kHeavy);
    }
    // Two run and wait; the other two may not start.
    {
      absl::MutexLock lock(&mu);
      EXPECT_TRUE(
          mu.AwaitWithTimeout(absl::Condition(
                                  +[](int* n) { return *n == 2; }, &running),
                              kPatience));
    }
    // Scheduled after all four, it runs while two of them wait: the two
    // workers they may not have are free.
    pool.Schedule([&] { light_ran.Notify(); });
    EXPECT_TRUE(light_ran.WaitForNotificationWithTimeout(kPatience));
    {
      absl::MutexLock lock(&mu);
      EXPECT_EQ(running, 2);
    }
    release.Notify();
  }  // runs what is queued, then joins
  absl::MutexLock lock(&mu);
  EXPECT_EQ(most, 2);
  EXPECT_EQ(done, 4);
}

TEST(WorkerPoolTest, ALightTaskIsNotQueuedBehindHeavyOnesOnTwoWorkers) {
  absl::Notification release;
  absl::Notification light_ran;
  {
    WorkerPool pool(2);
    EXPECT_EQ(pool.heavy_limit(), 1);
    for (int i = 0; i < 3; ++i) {
      pool.Schedule([&] { release.WaitForNotificationWithTimeout(kPatience); },
                    Lane::kHeavy);
    }
    pool.Schedule([&] { light_ran.Notify(); });
    EXPECT_TRUE(light_ran.WaitForNotificationWithTimeout(kPatience));
    release.Notify();
  }
}

TEST(WorkerPoolTest, AHeavyTaskIsNotPassedOverForALaterLightOne) {
  absl::Notification first_free, second_free, heavy_ran, light_ran;
  Trace trace;
  {
    WorkerPool pool(2);
    pool.Schedule(
        [&] { first_free.WaitForNotificationWithTimeout(kPatience); });
    pool.Schedule(
        [&] { second_free.WaitForNotificationWithTimeout(kPatience); });
    pool.Schedule(
        [&] {
          trace.Add("heavy");
          heavy_ran.Notify();
        },
        Lane::kHeavy);
    pool.Schedule([&] {
      trace.Add("light");
      light_ran.Notify();
    });
    // One worker comes free: it takes the older task, the heavy one, and
    // then the light one.
    first_free.Notify();
    EXPECT_TRUE(heavy_ran.WaitForNotificationWithTimeout(kPatience));
    EXPECT_TRUE(light_ran.WaitForNotificationWithTimeout(kPatience));
    second_free.Notify();
  }
  EXPECT_THAT(trace.names(), ElementsAre("heavy", "light"));
}

TEST(WorkerPoolTest, ACallQueuedBeforeItsKindProvedHeavyWaitsInTheHeavyLane) {
  absl::Notification release_heavy, worker_free, later_ran;
  std::atomic<bool> proved_heavy{false};
  Trace trace;
  auto lane = [&] { return proved_heavy ? Lane::kHeavy : Lane::kLight; };
  {
    WorkerPool pool(2);
    pool.Schedule(
        [&] { release_heavy.WaitForNotificationWithTimeout(kPatience); },
        Lane::kHeavy);
    pool.Schedule(
        [&] { worker_free.WaitForNotificationWithTimeout(kPatience); });
    // Two calls of a kind not yet known to be heavy, then a light one.
    pool.Schedule([&] { trace.Add("forecast 1"); }, lane);
    pool.Schedule([&] { trace.Add("forecast 2"); }, lane);
    pool.Schedule([&] {
      trace.Add("light");
      later_ran.Notify();
    });
    proved_heavy = true;
    worker_free.Notify();
    // The free worker passes both forecasts to the heavy lane, whose one
    // place is taken, and runs the light call.
    EXPECT_TRUE(later_ran.WaitForNotificationWithTimeout(kPatience));
    EXPECT_THAT(trace.names(), ElementsAre("light"));
    release_heavy.Notify();
  }
  EXPECT_THAT(trace.names(), ElementsAre("light", "forecast 1", "forecast 2"));
}

TEST(CallCostsTest, AMethodIsHeavyWhileItsRecentCallsTakeLong) {
  CallCosts costs(MethodRules());
  const MethodRule* forecast =
      FindMethodRule("/raa.v1.ReportService/GetForecast");
  ASSERT_NE(forecast, nullptr);
  const CallCosts::TimePoint now{std::chrono::hours(1)};
  EXPECT_EQ(costs.LaneOf(forecast, now), Lane::kLight);  // nothing known yet
  costs.Observe(forecast, absl::Milliseconds(16), now);
  EXPECT_EQ(costs.LaneOf(forecast, now), Lane::kHeavy);
  // Another method is not affected.
  EXPECT_EQ(
      costs.LaneOf(FindMethodRule("/raa.v1.RegistryService/GetChild"), now),
      Lane::kLight);
  // Quick calls bring it back: a small consortium's forecast is light.
  for (int i = 0; i < 30; ++i) {
    costs.Observe(forecast, absl::Microseconds(300), now);
  }
  EXPECT_EQ(costs.LaneOf(forecast, now), Lane::kLight);
  EXPECT_LT(costs.MeanOf(forecast), CallCosts::kHeavy);
}

TEST(CallCostsTest, QuickCallsDoNotMakeALongCallsMethodLight) {
  CallCosts costs(MethodRules());
  const MethodRule* forecast =
      FindMethodRule("/raa.v1.ReportService/GetForecast");
  ASSERT_NE(forecast, nullptr);
  const CallCosts::TimePoint start{std::chrono::hours(1)};
  costs.Observe(forecast, absl::Milliseconds(400), start);
  // A thousand quick calls bring the mean down, not the peak.
  for (int i = 0; i < 1000; ++i) {
    costs.Observe(forecast, absl::Microseconds(300), start);
  }
  EXPECT_LT(costs.MeanOf(forecast), CallCosts::kHeavy);
  EXPECT_EQ(costs.LaneOf(forecast, start), Lane::kHeavy);
  // Time does: 400 ms halves to 50 ms in three half-lives.
  const auto half_life =
      std::chrono::seconds(absl::ToInt64Seconds(CallCosts::kHalfLife));
  EXPECT_EQ(
      costs.LaneOf(forecast, start + 3 * half_life - std::chrono::seconds(1)),
      Lane::kHeavy);
  EXPECT_EQ(
      costs.LaneOf(forecast, start + 3 * half_life + std::chrono::seconds(1)),
      Lane::kLight);
  // A call under kLong sets no peak to keep: a light method slowed now and
  // then (two cores shared with long calls) stays light.
  const MethodRule* child = FindMethodRule("/raa.v1.RegistryService/GetChild");
  costs.Observe(child, absl::Milliseconds(30), start);
  for (int i = 0; i < 30; ++i) {
    costs.Observe(child, absl::Microseconds(200), start);
  }
  EXPECT_EQ(costs.LaneOf(child, start), Lane::kLight);
}

TEST(CallCostsTest, ARuleOutsideTheTableIsLightAndNotCounted) {
  CallCosts costs(MethodRules());
  const MethodRule stranger{"/x.Y/Z", 0, 0, CallKind::kRecordRead, {}};
  costs.Observe(&stranger, absl::Seconds(5));
  costs.Observe(nullptr, absl::Seconds(5));
  EXPECT_EQ(costs.LaneOf(&stranger), Lane::kLight);
  EXPECT_EQ(costs.LaneOf(nullptr), Lane::kLight);
}

}  // namespace
}  // namespace raa
