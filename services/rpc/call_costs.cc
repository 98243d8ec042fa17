#include "services/rpc/call_costs.h"

#include <functional>

namespace raa {

CallCosts::CallCosts(std::span<const MethodRule> rules)
    : rules_(rules),
      mean_nanos_(std::make_unique<std::atomic<int64_t>[]>(rules.size())) {}

std::atomic<int64_t>* CallCosts::SlotOf(const MethodRule* rule) const {
  // Compared as std::less does: pointers into different arrays compare
  // safely.
  const std::less<const MethodRule*> before;
  if (rule == nullptr || before(rule, rules_.data()) ||
      !before(rule, rules_.data() + rules_.size())) {
    return nullptr;
  }
  return &mean_nanos_[rule - rules_.data()];
}

WorkerPool::Lane CallCosts::LaneOf(const MethodRule* rule) const {
  return MeanOf(rule) >= kHeavy ? WorkerPool::Lane::kHeavy
                                : WorkerPool::Lane::kLight;
}

void CallCosts::Observe(const MethodRule* rule, absl::Duration took) {
  std::atomic<int64_t>* slot = SlotOf(rule);
  if (slot == nullptr) return;
  const int64_t nanos = absl::ToInt64Nanoseconds(took);
  const int64_t mean = slot->load(std::memory_order_relaxed);
  slot->store(mean + (nanos - mean) / 8, std::memory_order_relaxed);
}

absl::Duration CallCosts::MeanOf(const MethodRule* rule) const {
  const std::atomic<int64_t>* slot = SlotOf(rule);
  return slot == nullptr
             ? absl::ZeroDuration()
             : absl::Nanoseconds(slot->load(std::memory_order_relaxed));
}

}  // namespace raa
