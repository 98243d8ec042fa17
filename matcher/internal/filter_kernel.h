// Internal: the constraint kernel of the child-led search. It streams the
// gate, tolerance and place columns of a block of households, counts those
// excluded by the six "simple" constraints (kNotAvailable .. kSexPreference)
// and, when the caller asks, by kChildExcludedRegion and kLinkLimit, each
// under the first it fails, and lists the survivors (or only counts them).
// Written so the compiler vectorises it (built with -O3).

#ifndef RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
#define RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_

#include <array>
#include <cstdint>

namespace raa::matcher::internal {

inline constexpr int kFilterBlock = 1024;
inline constexpr int kSimpleConstraintCount = 6;
// The kernel's counts: the six simple constraints, then kChildExcludedRegion
// (kKernelRegion) and kLinkLimit (kKernelLinks).
inline constexpr int kKernelRegion = 6;
inline constexpr int kKernelLinks = 7;
inline constexpr int kKernelCountCount = 8;
// How many excluded regions of a child group the kernel compares itself.
inline constexpr int kKernelRegions = 4;
// A region or link bound that no household reaches: the check never fails.
inline constexpr uint32_t kKernelNever = 256;

// The child group's side of the constraints the kernel checks.
struct SimpleQuery {
  uint32_t size;       // children in the group
  uint32_t min_age;    // youngest child, months
  uint32_t max_age;    // oldest child, months
  uint32_t need_bits;  // NeedBit()s of the group
  uint32_t sex_need;   // SexBit()s of the group << kGateSexShift
  // Regions the group must not be placed in (kChildExcludedRegion), unused
  // entries kKernelNever; and the policy's max_open_links (kLinkLimit), or
  // kKernelNever. The caller passes kKernelNever for a check it makes itself
  // (or that the block's summary shows no household can fail), so that
  // every household is still counted under its first failure.
  std::array<uint32_t, kKernelRegions> excluded_regions = {
      kKernelNever, kKernelNever, kKernelNever, kKernelNever};
  uint32_t max_links = kKernelNever;
};

// For households [0, n), n <= kFilterBlock: adds each household failing a
// checked constraint to counts[first failing constraint] (indices above) and
// returns how many pass them all. With `survivors` not null, writes their
// indices to it in ascending order.
int FilterBlock(const SimpleQuery& q, const uint32_t* gate,
                const uint32_t* tolerance, const uint32_t* place, int n,
                std::array<uint32_t, kKernelCountCount>& counts,
                uint16_t* survivors);

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
