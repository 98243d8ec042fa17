#include "services/matching/run_cost.h"

#include <algorithm>

namespace raa {

RunCost::RunCost() {
  for (RankSide side : {RankSide::kHouseholds, RankSide::kChildren}) {
    Side& s = sides_[static_cast<int>(side)];
    const int64_t initial = side == RankSide::kHouseholds
                                ? kInitialHouseholdPicos
                                : kInitialChildPicos;
    for (std::atomic<int64_t>& r : s.recent) {
      r.store(initial, std::memory_order_relaxed);
    }
    s.estimate.store(initial, std::memory_order_relaxed);
  }
}

int64_t RunCost::PicosPerCandidate(RankSide side) const {
  return sides_[static_cast<int>(side)].estimate.load(
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
  Side& s = sides_[static_cast<int>(side)];
  const int64_t scan =
      std::max<int64_t>(0, nanos - kFixedNanos - rows * kRowNanos);
  const uint32_t slot =
      s.next.fetch_add(1, std::memory_order_relaxed) % kWindow;
  s.recent[slot].store(std::max(kFloorPicos, scan * 1000 / candidates),
                       std::memory_order_relaxed);
  int64_t least = s.recent[0].load(std::memory_order_relaxed);
  for (const std::atomic<int64_t>& r : s.recent) {
    least = std::min(least, r.load(std::memory_order_relaxed));
  }
  s.estimate.store(least, std::memory_order_relaxed);
}

}  // namespace raa
