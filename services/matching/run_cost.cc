#include "services/matching/run_cost.h"

#include <time.h>

#include <algorithm>

namespace raa {

RunCost::RunCost() {
  picos_per_candidate_[static_cast<int>(RankSide::kHouseholds)].store(
      kInitialHouseholdPicos, std::memory_order_relaxed);
  picos_per_candidate_[static_cast<int>(RankSide::kChildren)].store(
      kInitialChildPicos, std::memory_order_relaxed);
}

int64_t RunCost::PicosPerCandidate(RankSide side) const {
  return picos_per_candidate_[static_cast<int>(side)].load(
      std::memory_order_relaxed);
}

int64_t RunCost::EstimateNanos(RankSide side, int64_t candidates,
                               int rows) const {
  return kFixedNanos + rows * kRowNanos +
         candidates * PicosPerCandidate(side) / 1000;
}

void RunCost::Observe(RankSide side, int64_t candidates, int rows,
                      int64_t nanos) {
  if (candidates < kMinMeasuredPool) return;
  std::atomic<int64_t>& estimate = picos_per_candidate_[static_cast<int>(side)];
  const int64_t old = estimate.load(std::memory_order_relaxed);
  const int64_t scan =
      std::max<int64_t>(0, nanos - kFixedNanos - rows * kRowNanos);
  const int64_t seen =
      std::clamp<int64_t>(scan * 1000 / candidates, old / 4, old * 4);
  // Up at once, down by an eighth; at least kFloorPicos.
  const int64_t next = seen > old ? seen : old + (seen - old) / 8;
  estimate.store(std::max<int64_t>(kFloorPicos, next),
                 std::memory_order_relaxed);
}

int64_t ThreadCpuNanos() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

}  // namespace raa
