// What each method's calls have cost the worker pool lately, to tell a
// heavy call from a light one (WorkerPool::Lane): a weighted mean of each
// call's time on a worker, per access rule, the latest call weighing 1/8.
// The run time decides, not the method's name: a forecast of a small
// consortium is light, a ranking that was too big for gRPC's thread heavy.
//
//   CallCosts costs(MethodRules());
//   pool.Schedule(task, costs.LaneOf(rule));
//   ... costs.Observe(rule, absl::Milliseconds(130));  // in the task
//
// Time on a worker is wall time: a call that waits for the store's write
// lock behind another member's batch holds its worker as long as one that
// computes. Thread-safe (relaxed atomics: a lost update only delays the
// mean by a call).
#ifndef RAAMATCH_SERVICES_RPC_CALL_COSTS_H_
#define RAAMATCH_SERVICES_RPC_CALL_COSTS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/time/time.h"
#include "services/auth/access_policy.h"
#include "services/rpc/worker_pool.h"

namespace raa {

class CallCosts {
 public:
  // A call whose method's mean is at least this is heavy.
  static constexpr absl::Duration kHeavy = absl::Milliseconds(2);

  // `rules` (MethodRules()) must outlive this; rules outside it are light.
  explicit CallCosts(std::span<const MethodRule> rules);

  WorkerPool::Lane LaneOf(const MethodRule* rule) const;
  void Observe(const MethodRule* rule, absl::Duration took);
  // The current mean for `rule` (zero before its first call).
  absl::Duration MeanOf(const MethodRule* rule) const;

 private:
  // The slot of `rule` in mean_nanos_, or null.
  std::atomic<int64_t>* SlotOf(const MethodRule* rule) const;

  const std::span<const MethodRule> rules_;
  const std::unique_ptr<std::atomic<int64_t>[]> mean_nanos_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_CALL_COSTS_H_
