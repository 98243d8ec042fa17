#include "services/rpc/call_costs.h"

#include <cmath>
#include <functional>

namespace raa {
namespace {

int64_t NanosOf(CallCosts::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

CallCosts::CallCosts(std::span<const MethodRule> rules)
    : rules_(rules), costs_(std::make_unique<Costs[]>(rules.size())) {}

CallCosts::Costs* CallCosts::SlotOf(const MethodRule* rule) const {
  // Compared as std::less does: pointers into different arrays compare
  // safely.
  const std::less<const MethodRule*> before;
  if (rule == nullptr || before(rule, rules_.data()) ||
      !before(rule, rules_.data() + rules_.size())) {
    return nullptr;
  }
  return &costs_[rule - rules_.data()];
}

int64_t CallCosts::Faded(const Costs& slot, TimePoint now) {
  const int64_t nanos = slot.peak.load(std::memory_order_relaxed);
  if (nanos == 0) return 0;
  const int64_t elapsed =
      NanosOf(now) - slot.peak_at.load(std::memory_order_relaxed);
  if (elapsed <= 0) return nanos;
  const double half_lives =
      static_cast<double>(elapsed) /
      static_cast<double>(absl::ToInt64Nanoseconds(kHalfLife));
  return static_cast<int64_t>(static_cast<double>(nanos) *
                              std::exp2(-half_lives));
}

WorkerPool::Lane CallCosts::LaneOf(const MethodRule* rule,
                                   TimePoint now) const {
  return MeanOf(rule) >= kHeavy || PeakOf(rule, now) >= kLong
             ? WorkerPool::Lane::kHeavy
             : WorkerPool::Lane::kLight;
}

void CallCosts::Observe(const MethodRule* rule, absl::Duration took,
                        TimePoint now) {
  Costs* slot = SlotOf(rule);
  if (slot == nullptr) return;
  const int64_t nanos = absl::ToInt64Nanoseconds(took);
  const int64_t mean = slot->mean.load(std::memory_order_relaxed);
  slot->mean.store(mean + (nanos - mean) / 8, std::memory_order_relaxed);
  // Only a long call sets a peak: quick ones leave it (and its time) alone.
  if (nanos >= absl::ToInt64Nanoseconds(kLong) && nanos >= Faded(*slot, now)) {
    slot->peak.store(nanos, std::memory_order_relaxed);
    slot->peak_at.store(NanosOf(now), std::memory_order_relaxed);
  }
}

absl::Duration CallCosts::MeanOf(const MethodRule* rule) const {
  const Costs* slot = SlotOf(rule);
  return slot == nullptr
             ? absl::ZeroDuration()
             : absl::Nanoseconds(slot->mean.load(std::memory_order_relaxed));
}

absl::Duration CallCosts::PeakOf(const MethodRule* rule, TimePoint now) const {
  const Costs* slot = SlotOf(rule);
  return slot == nullptr ? absl::ZeroDuration()
                         : absl::Nanoseconds(Faded(*slot, now));
}

}  // namespace raa
