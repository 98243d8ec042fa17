// A fixed pool of threads for blocking work (SQLite, ranking a large pool), so
// gRPC's own threads are never blocked by it.
//
//   WorkerPool pool(4);
//   pool.Schedule([reactor] { ...; reactor->Finish(status); });
//
// The destructor runs every task already scheduled, then joins the threads.
#ifndef RAAMATCH_SERVICES_RPC_WORKER_POOL_H_
#define RAAMATCH_SERVICES_RPC_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace raa {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // constant after construction
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_WORKER_POOL_H_
