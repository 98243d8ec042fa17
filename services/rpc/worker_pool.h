// A fixed pool of threads for blocking work (SQLite, ranking a large pool), so
// gRPC's own threads are never blocked by it.
//
//   WorkerPool pool(4);
//   pool.Schedule([reactor] { ...; reactor->Finish(status); });
//   pool.Schedule([reactor] { ...a report... }, WorkerPool::Lane::kHeavy);
//
// Two lanes, one queue order: a free worker takes the task scheduled first,
// except that heavy tasks (calls that have taken long: CallCosts) run on at
// most half the workers (at least one) at a time. However many heavy tasks
// wait, the other workers stay free for light ones, so a GetChild is not
// queued behind forty forecasts; and a heavy task is never passed over for
// a light one scheduled after it while a worker may take it.
//
// Heavy tasks keep to their half even when nothing light waits, so a light
// call arriving next finds a worker; with one thread there is no half to
// keep (the limit is 1). A method is known heavy only once one of its calls
// has run: after a start, the first calls of a heavy kind run as light.
//
// The destructor runs every task already scheduled, then joins the threads.
#ifndef RAAMATCH_SERVICES_RPC_WORKER_POOL_H_
#define RAAMATCH_SERVICES_RPC_WORKER_POOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace raa {

class WorkerPool {
 public:
  enum class Lane { kLight, kHeavy };

  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> task, Lane lane = Lane::kLight);
  // In the lane `lane()` says, asked again when a worker would take the
  // task from the light lane: calls queued before the first of their kind
  // proved heavy then wait in the heavy lane. `lane` runs under the pool's
  // lock: it must be quick and lock nothing (nor call Schedule).
  void Schedule(std::function<void()> task, std::function<Lane()> lane);

  // How many heavy tasks may run at once: half the threads, at least one.
  int heavy_limit() const { return heavy_limit_; }

 private:
  struct Queued {
    uint64_t order;  // when it was scheduled, among every lane's tasks
    std::function<void()> task;
    std::function<Lane()> lane;  // or empty: the lane it was scheduled in
  };

  void Run();
  void Enqueue(Queued queued, Lane lane) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the light lane's first tasks that now say heavy to the heavy
  // lane, in their order.
  void Reclassify() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a worker may take a task now (or should stop).
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HeavyMayStart() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !heavy_.empty() && heavy_running_ < heavy_limit_;
  }

  const int heavy_limit_;
  absl::Mutex mu_;
  std::deque<Queued> light_ ABSL_GUARDED_BY(mu_);
  std::deque<Queued> heavy_ ABSL_GUARDED_BY(mu_);
  uint64_t scheduled_ ABSL_GUARDED_BY(mu_) = 0;
  int heavy_running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // constant after construction
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_WORKER_POOL_H_
