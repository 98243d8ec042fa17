#include "services/rpc/worker_pool.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace raa {

WorkerPool::WorkerPool(int threads) : heavy_limit_(std::max(1, threads / 2)) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Schedule(std::function<void()> task, Lane lane) {
  absl::MutexLock lock(&mu_);
  Enqueue({scheduled_++, std::move(task), nullptr}, lane);
}

void WorkerPool::Schedule(std::function<void()> task,
                          std::function<Lane()> lane) {
  const Lane now = lane();
  absl::MutexLock lock(&mu_);
  Enqueue({scheduled_++, std::move(task), std::move(lane)}, now);
}

void WorkerPool::Enqueue(Queued queued, Lane lane) {
  std::deque<Queued>& queue = lane == Lane::kHeavy ? heavy_ : light_;
  // In order: a task moved from the light lane may be older than some
  // already waiting in the heavy one.
  auto at = queue.end();
  while (at != queue.begin() && std::prev(at)->order > queued.order) --at;
  queue.insert(at, std::move(queued));
}

void WorkerPool::Reclassify() {
  while (!light_.empty() && light_.front().lane != nullptr &&
         light_.front().lane() == Lane::kHeavy) {
    Queued moved = std::move(light_.front());
    light_.pop_front();
    moved.lane = nullptr;
    Enqueue(std::move(moved), Lane::kHeavy);
  }
}

bool WorkerPool::Ready() const {
  // Stopping, a worker ends once nothing is left that it may take: heavy
  // tasks beyond the limit are left to the workers running heavy ones, which
  // come back for them.
  return !light_.empty() || HeavyMayStart() || (stopping_ && heavy_.empty());
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    bool heavy = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkerPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->Ready();
          },
          this));
      Reclassify();
      if (!Ready()) continue;
      heavy = HeavyMayStart() &&
              (light_.empty() || heavy_.front().order < light_.front().order);
      std::deque<Queued>& lane = heavy ? heavy_ : light_;
      if (lane.empty()) return;  // stopping and drained
      task = std::move(lane.front().task);
      lane.pop_front();
      if (heavy) ++heavy_running_;
    }
    task();
    if (heavy) {
      absl::MutexLock lock(&mu_);
      --heavy_running_;
    }
  }
}

}  // namespace raa
