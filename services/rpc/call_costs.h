// What each method's calls have cost the worker pool lately, to tell a
// heavy call from a light one (WorkerPool::Lane): per access rule, a
// weighted mean of each call's time on a worker (the latest call weighing
// 1/8), and the longest recent call, halving every kHalfLife. A method is
// heavy while its mean is kHeavy or more, or its peak kLong or more.
// The run time decides, not the method's name: a forecast of a small
// consortium is light, a ranking that was too big for gRPC's thread heavy.
//
//   CallCosts costs(MethodRules());
//   pool.Schedule(task, costs.LaneOf(rule));
//   ... costs.Observe(rule, absl::Milliseconds(130));  // in the task
//
// Why both: a mean alone could be brought under kHeavy by a run of quick
// calls (about thirty), after which long calls of the same method took
// every worker again. Quick calls do not lower the peak; only time does. A
// peak alone, though, made a light method heavy whenever one of its calls
// was slowed (two cores shared with forty forecasts: GetChild's p99 went
// from 12 ms to 2.1 s, queued behind the forecasts): so the
// peak counts only from kLong, far above such a light call's slowing, and
// what a diluted mean can still let through is calls under kLong.
//
// Time on a worker is wall time: a call that waits for the store's write
// lock behind another member's batch holds its worker as long as one that
// computes. Thread-safe (relaxed atomics: a lost update only delays a
// change of lane by a call).
#ifndef RAAMATCH_SERVICES_RPC_CALL_COSTS_H_
#define RAAMATCH_SERVICES_RPC_CALL_COSTS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/time/time.h"
#include "services/auth/access_policy.h"
#include "services/rpc/worker_pool.h"

namespace raa {

class CallCosts {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // A method whose mean is at least this is heavy.
  static constexpr absl::Duration kHeavy = absl::Milliseconds(2);
  // And one whose peak, faded, is at least this.
  static constexpr absl::Duration kLong = absl::Milliseconds(50);
  // How fast a peak fades.
  static constexpr absl::Duration kHalfLife = absl::Seconds(30);

  // `rules` (MethodRules()) must outlive this; rules outside it are light.
  explicit CallCosts(std::span<const MethodRule> rules);

  // `now`: the steady clock's, or a test's.
  WorkerPool::Lane LaneOf(const MethodRule* rule, TimePoint now = Now()) const;
  void Observe(const MethodRule* rule, absl::Duration took,
               TimePoint now = Now());
  // The mean for `rule` (zero before its first call).
  absl::Duration MeanOf(const MethodRule* rule) const;
  // The peak for `rule` at `now`, faded (zero before its first call).
  absl::Duration PeakOf(const MethodRule* rule, TimePoint now = Now()) const;

 private:
  struct Costs {
    std::atomic<int64_t> mean{0};     // nanoseconds
    std::atomic<int64_t> peak{0};     // nanoseconds, as observed
    std::atomic<int64_t> peak_at{0};  // steady-clock nanoseconds then
  };

  static TimePoint Now() { return std::chrono::steady_clock::now(); }
  // The slot of `rule` in costs_, or null.
  Costs* SlotOf(const MethodRule* rule) const;
  // `slot`'s peak faded to `now`, in nanoseconds.
  static int64_t Faded(const Costs& slot, TimePoint now);

  const std::span<const MethodRule> rules_;
  const std::unique_ptr<Costs[]> costs_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_CALL_COSTS_H_
