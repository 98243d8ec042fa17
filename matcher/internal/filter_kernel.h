// Internal: the constraint kernel of the child-led search. It streams the
// gate and tolerance columns of a block of households, counts those excluded
// by the six "simple" constraints (kNotAvailable .. kSexPreference) under the
// first they fail, and lists the survivors for the lookup constraints and the
// score. Written so the compiler vectorises it (built with -O3).

#ifndef RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
#define RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_

#include <array>
#include <cstdint>

namespace raa::matcher::internal {

inline constexpr int kFilterBlock = 1024;
inline constexpr int kSimpleConstraintCount = 6;

// The child group's side of the simple constraints.
struct SimpleQuery {
  uint32_t size;       // children in the group
  uint32_t min_age;    // youngest child, months
  uint32_t max_age;    // oldest child, months
  uint32_t need_bits;  // NeedBit()s of the group
  uint32_t sex_need;   // SexBit()s of the group << kGateSexShift
};

// For households [0, n), n <= kFilterBlock: adds each household failing a
// simple constraint to counts[first failing constraint] and writes the
// indices of the others to `survivors` in ascending order; returns how many.
int FilterBlock(const SimpleQuery& q, const uint32_t* gate,
                const uint32_t* tolerance, int n,
                std::array<uint32_t, kSimpleConstraintCount>& counts,
                uint16_t* survivors);

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
