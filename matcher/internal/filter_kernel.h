// Internal: the constraint kernel of the child-led search. It streams the
// gate, tolerance and place columns of a block of households, counts those
// excluded by the six "simple" constraints (kNotAvailable .. kSexPreference)
// and, when the caller asks, by the four lookup constraints
// (kChildExcludedRegion .. kLinkLimit), each under the first it fails, and
// lists the survivors (or only counts them), optionally only those whose
// score bound reaches a threshold. Written by hand for AVX2, and so that the
// compiler vectorises it for other CPUs (built with -O3).

#ifndef RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
#define RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_

#include <array>
#include <cstdint>

namespace raa::matcher::internal {

inline constexpr int kFilterBlock = 1024;
inline constexpr int kSimpleConstraintCount = 6;
// The kernel's counts, in the order of Constraint (matcher/policy.h): the six
// simple constraints, then kChildExcludedRegion (kKernelRegion),
// kHouseholdExcludedRegion, kHiddenFromAuthority and kLinkLimit.
inline constexpr int kKernelRegion = 6;
inline constexpr int kKernelHouseholdExcludes = 7;
inline constexpr int kKernelHidden = 8;
inline constexpr int kKernelLinks = 9;
inline constexpr int kKernelCountCount = 10;
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
  // kHouseholdExcludedRegion and kHiddenFromAuthority, when not null (else
  // not checked): a household fails the first when excludes[its
  // excluded-region set] is not 0, the second when hidden[its authority] is
  // not 0. Each table is padded with three zero bytes past its last entry
  // (the AVX2 kernel reads four bytes at a time).
  const uint8_t* excludes = nullptr;
  const uint8_t* hidden = nullptr;
};

// An upper bound of the score's points that the household columns give
// (locality, capacity, early permanence and contact, needs margin, age fit:
// everything but waiting and identity), for households that pass the simple
// constraints: every term is exact but the age fit, whose loss is rounded
// down, so the bound is never below the exact sum (ScanHouseholds computes
// that exactly for the households the bound lets through).
inline constexpr int kNeedsSums = 28;  // margin sums 0..27
struct ScoreBound {
  uint32_t own_authority = 0;
  int32_t own_locality = 0;  // points for a household of the group's authority
  int32_t other_locality = 0;  // the most any other authority's households get
  std::array<int32_t, 8> capacity{};  // by approved_for (0..7)
  std::array<int32_t, 8> flags{};     // by Gate::flag_index()
  // Needs: for a household that accepts the group's needs, the margin sum is
  // needs_sum_base + popcount(tolerance & needs_categories); its points are
  // needs[sum].
  uint32_t needs_categories = 0;
  int32_t needs_sum_base = 0;
  std::array<int32_t, kNeedsSums> needs{};
  int32_t age_weight = 0;
  int32_t youngest = 0;  // months, on the query's day
  int32_t oldest = 0;
  // Households whose bound is below this are not listed.
  int32_t threshold = 0;
};

struct FilterResult {
  int passed = 0;  // households passing every checked constraint
  int listed = 0;  // indices written
};

// For households [0, n), n <= kFilterBlock (excluded_set: their
// excluded-region sets, read only when q.excludes is set): adds each
// household failing a checked constraint to counts[first failing constraint]
// (indices above) and counts those that pass them all. With `list` not null,
// writes their indices to it in ascending order; with `bound` not null too,
// only those whose score bound reaches bound->threshold.
FilterResult FilterBlock(const SimpleQuery& q, const uint32_t* gate,
                         const uint32_t* tolerance, const uint32_t* place,
                         const uint32_t* excluded_set, int n,
                         std::array<uint32_t, kKernelCountCount>& counts,
                         uint16_t* list, const ScoreBound* bound = nullptr);

// FilterBlock runs a kernel written by hand for AVX2 when the CPU has it
// (HaveAvx2Kernel) and every query number is below 2^31; otherwise it runs
// FilterBlockPortable, vectorised by the compiler for the baseline CPU. The
// two give the same answers; both are declared here for the tests.
bool HaveAvx2Kernel();
FilterResult FilterBlockPortable(
    const SimpleQuery& q, const uint32_t* gate, const uint32_t* tolerance,
    const uint32_t* place, const uint32_t* excluded_set, int n,
    std::array<uint32_t, kKernelCountCount>& counts, uint16_t* list,
    const ScoreBound* bound = nullptr);

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_FILTER_KERNEL_H_
