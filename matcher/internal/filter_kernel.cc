#include "matcher/internal/filter_kernel.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

namespace raa::matcher::internal {

namespace {

// The bound of one household (see ScoreBound); every term an integer but the
// age fit's loss: 1000 - floor(500 d / span), the float quotient lowered by
// 0.01 (its error is below 0.0001) so that the loss is never above the
// exact one (a quotient of 0 becomes -0.01, which converts to 0).
inline int32_t BoundOf(const ScoreBound& b, uint32_t g, uint32_t tolerance,
                       uint32_t place) {
  int32_t points =
      b.other_locality + b.capacity[(g >> 8) & 7] + b.flags[(g >> 4) & 7];
  if ((place >> 16) == b.own_authority) {
    points += b.own_locality - b.other_locality;
  }
  const int sum =
      b.needs_sum_base + std::popcount(tolerance & b.needs_categories);
  points += b.needs[std::clamp(sum, 0, kNeedsSums - 1)];
  const int32_t lo = static_cast<int32_t>((g >> 16) & 0xff);
  const int32_t hi = static_cast<int32_t>(g >> 24);
  const int32_t centre = lo + hi;
  const int32_t d = std::max(std::abs(2 * b.youngest - centre),
                             std::abs(2 * b.oldest - centre));
  const int32_t lost = static_cast<int32_t>(
      static_cast<float>(500 * d) / static_cast<float>(std::max(hi - lo, 1)) -
      0.01f);
  return points + b.age_weight * (1000 - lost);
}

// Clears alive[j] for each household whose bound is below the threshold.
void PromisingScalar(const ScoreBound& b, const uint32_t* gate,
                     const uint32_t* tolerance, const uint32_t* place, int n,
                     uint8_t* alive) {
  for (int j = 0; j < n; ++j) {
    if (alive[j] != 0 &&
        BoundOf(b, gate[j], tolerance[j], place[j]) < b.threshold) {
      alive[j] = 0;
    }
  }
}

#if defined(__GNUC__) && defined(__x86_64__)
#define RAA_HAVE_AVX2_KERNEL 1
#define RAA_AVX2 __attribute__((target("avx2")))

// ScoreBound's arithmetic eight households at a time with AVX2 (the same
// arithmetic, so the same bound).
struct BoundLanes {
  __m256i seven, byte, own, own_extra, base, categories, sum_base, sum_max;
  __m256i zero, m1, m2, m4, h01, young2, old2, one, five_hundred, thousand;
  __m256i age_weight, below;
  __m256 hundredth;
  const ScoreBound* b;

  RAA_AVX2 explicit BoundLanes(const ScoreBound& bound) : b(&bound) {
    seven = _mm256_set1_epi32(7);
    byte = _mm256_set1_epi32(0xff);
    own = _mm256_set1_epi32(static_cast<int>(bound.own_authority));
    own_extra = _mm256_set1_epi32(bound.own_locality - bound.other_locality);
    base = _mm256_set1_epi32(bound.other_locality);
    categories = _mm256_set1_epi32(static_cast<int>(bound.needs_categories));
    sum_base = _mm256_set1_epi32(bound.needs_sum_base);
    sum_max = _mm256_set1_epi32(kNeedsSums - 1);
    zero = _mm256_setzero_si256();
    m1 = _mm256_set1_epi32(0x55555555);
    m2 = _mm256_set1_epi32(0x33333333);
    m4 = _mm256_set1_epi32(0x0f0f0f0f);
    h01 = _mm256_set1_epi32(0x01010101);
    young2 = _mm256_set1_epi32(2 * bound.youngest);
    old2 = _mm256_set1_epi32(2 * bound.oldest);
    one = _mm256_set1_epi32(1);
    five_hundred = _mm256_set1_epi32(500);
    hundredth = _mm256_set1_ps(0.01f);
    thousand = _mm256_set1_epi32(1000);
    age_weight = _mm256_set1_epi32(bound.age_weight);
    below = _mm256_set1_epi32(bound.threshold - 1);
  }

  // Bit k set: household k of the eight reaches the threshold.
  RAA_AVX2 int Keep(const uint32_t* gate, const uint32_t* tolerance,
                    const uint32_t* place) const {
    const __m256i g =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(gate));
    const __m256i t =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tolerance));
    const __m256i p =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(place));
    __m256i points = _mm256_add_epi32(
        base, _mm256_and_si256(own_extra, _mm256_cmpeq_epi32(
                                              _mm256_srli_epi32(p, 16), own)));
    points = _mm256_add_epi32(
        points, _mm256_i32gather_epi32(
                    b->capacity.data(),
                    _mm256_and_si256(_mm256_srli_epi32(g, 8), seven), 4));
    points = _mm256_add_epi32(
        points, _mm256_i32gather_epi32(
                    b->flags.data(),
                    _mm256_and_si256(_mm256_srli_epi32(g, 4), seven), 4));
    __m256i x = _mm256_and_si256(t, categories);
    x = _mm256_sub_epi32(x, _mm256_and_si256(_mm256_srli_epi32(x, 1), m1));
    x = _mm256_add_epi32(_mm256_and_si256(x, m2),
                         _mm256_and_si256(_mm256_srli_epi32(x, 2), m2));
    x = _mm256_and_si256(_mm256_add_epi32(x, _mm256_srli_epi32(x, 4)), m4);
    x = _mm256_srli_epi32(_mm256_mullo_epi32(x, h01), 24);
    const __m256i sum = _mm256_min_epi32(
        _mm256_max_epi32(_mm256_add_epi32(sum_base, x), zero), sum_max);
    points = _mm256_add_epi32(points,
                              _mm256_i32gather_epi32(b->needs.data(), sum, 4));
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi32(g, 16), byte);
    const __m256i hi = _mm256_srli_epi32(g, 24);
    const __m256i centre = _mm256_add_epi32(lo, hi);
    const __m256i d =
        _mm256_max_epi32(_mm256_abs_epi32(_mm256_sub_epi32(young2, centre)),
                         _mm256_abs_epi32(_mm256_sub_epi32(old2, centre)));
    const __m256i span = _mm256_max_epi32(_mm256_sub_epi32(hi, lo), one);
    const __m256 quotient = _mm256_sub_ps(
        _mm256_div_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(d, five_hundred)),
                      _mm256_cvtepi32_ps(span)),
        hundredth);
    const __m256i lost = _mm256_cvttps_epi32(quotient);
    points = _mm256_add_epi32(
        points,
        _mm256_mullo_epi32(age_weight, _mm256_sub_epi32(thousand, lost)));
    return _mm256_movemask_ps(
        _mm256_castsi256_ps(_mm256_cmpgt_epi32(points, below)));
  }
};

RAA_AVX2 void PromisingAvx2(const ScoreBound& b, const uint32_t* gate,
                            const uint32_t* tolerance, const uint32_t* place,
                            int n, uint8_t* alive) {
  const BoundLanes lanes(b);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const int keep = lanes.Keep(gate + j, tolerance + j, place + j);
    for (int k = 0; k < 8; ++k) {
      alive[j + k] &= static_cast<uint8_t>((keep >> k) & 1);
    }
  }
  PromisingScalar(b, gate + j, tolerance + j, place + j, n - j, alive + j);
}
#endif

void Promising(const ScoreBound& b, const uint32_t* gate,
               const uint32_t* tolerance, const uint32_t* place, int n,
               uint8_t* alive) {
#ifdef RAA_HAVE_AVX2_KERNEL
  if (HaveAvx2Kernel()) {
    PromisingAvx2(b, gate, tolerance, place, n, alive);
    return;
  }
#endif
  PromisingScalar(b, gate, tolerance, place, n, alive);
}

// The first of the lookups after the group's regions (household excludes,
// hidden, links) that household (p, excluded_set) fails, or
// kKernelCountCount.
inline int LaterLookupFailure(const SimpleQuery& q, uint32_t p,
                              uint32_t excluded_set) {
  if (q.excludes != nullptr && q.excludes[excluded_set] != 0) {
    return kKernelHouseholdExcludes;
  }
  if (q.hidden != nullptr && q.hidden[p >> 16] != 0) return kKernelHidden;
  if (((p >> 8) & 0xff) >= q.max_links) return kKernelLinks;
  return kKernelCountCount;
}

// The first constraint household (g, t, p) fails, in the kernel's count
// order, or kKernelCountCount when it fails none.
inline int FirstFailure(const SimpleQuery& q, uint32_t g, uint32_t t,
                        uint32_t p, uint32_t excluded_set) {
  const uint32_t region = p & 0xff;
  if ((g & 1) == 0) return 0;
  if (((g >> 1) & 1) != 0) return 1;
  if (((g >> 8) & 0xff) < q.size) return 2;
  if (((g >> 16) & 0xff) > q.min_age || (g >> 24) < q.max_age) return 3;
  if ((q.need_bits & ~t) != 0) return 4;
  if ((g & q.sex_need) != q.sex_need) return 5;
  for (uint32_t r : q.excluded_regions) {
    if (region == r) return kKernelRegion;
  }
  return LaterLookupFailure(q, p, excluded_set);
}

#ifdef RAA_HAVE_AVX2_KERNEL
RAA_AVX2 inline __m256i Splat(uint32_t v) {
  return _mm256_set1_epi32(static_cast<int>(v));
}

// The sum of the eight lanes.
RAA_AVX2 inline uint32_t LaneSum(__m256i v) {
  const __m128i x =
      _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i y = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4e));
  return static_cast<uint32_t>(
      _mm_cvtsi128_si32(_mm_add_epi32(y, _mm_shuffle_epi32(y, 0xb1))));
}

// FilterBlockPortable with AVX2, eight households at a time: each lane keeps
// a mask of the households still alive after each constraint and counts
// them (alive[k]: those passing constraints 0..k), so a household's first
// failure is counted once, as the difference of two counts. kRegions and
// kExcludes, kHidden, kLinks: whether the query checks those at all. Every
// query number must be below 2^31 (the comparisons are signed).
template <bool kRegions, bool kExcludes, bool kHidden, bool kLinks>
RAA_AVX2 FilterResult FilterBlockAvx2Lanes(
    const SimpleQuery& q, const uint32_t* __restrict gate,
    const uint32_t* __restrict tolerance, const uint32_t* __restrict place,
    const uint32_t* __restrict excluded_set, int n,
    std::array<uint32_t, kKernelCountCount>& counts, uint16_t* __restrict list,
    const ScoreBound* bound) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i one = Splat(1), two = Splat(2), byte = Splat(0xff);
  const __m256i size = Splat(q.size), min_age = Splat(q.min_age);
  const __m256i max_age = Splat(q.max_age), need = Splat(q.need_bits);
  const __m256i sex = Splat(q.sex_need);
  const __m256i r0 = Splat(q.excluded_regions[0]);
  const __m256i r1 = Splat(q.excluded_regions[1]);
  const __m256i r2 = Splat(q.excluded_regions[2]);
  const __m256i r3 = Splat(q.excluded_regions[3]);
  const __m256i max_links = Splat(q.max_links);
  __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero;
  __m256i a6 = zero, a7 = zero, a8 = zero, a9 = zero;
  // Bit k of alive_bits[j / 8]: household j + k passes every constraint.
  alignas(32) uint8_t alive_bits[kFilterBlock / 8];
  const int whole = n & ~7;
  for (int j = 0; j < whole; j += 8) {
    const __m256i g =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(gate + j));
    const __m256i t =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tolerance + j));
    // Each mask all ones (alive) or zero; subtracting it counts one.
    __m256i alive = _mm256_cmpeq_epi32(_mm256_and_si256(g, one), one);
    a0 = _mm256_sub_epi32(a0, alive);
    alive = _mm256_andnot_si256(
        _mm256_cmpeq_epi32(_mm256_and_si256(g, two), two), alive);
    a1 = _mm256_sub_epi32(a1, alive);
    alive = _mm256_andnot_si256(
        _mm256_cmpgt_epi32(size,
                           _mm256_and_si256(_mm256_srli_epi32(g, 8), byte)),
        alive);
    a2 = _mm256_sub_epi32(a2, alive);
    alive = _mm256_andnot_si256(
        _mm256_or_si256(
            _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_srli_epi32(g, 16), byte),
                               min_age),
            _mm256_cmpgt_epi32(max_age, _mm256_srli_epi32(g, 24))),
        alive);
    a3 = _mm256_sub_epi32(a3, alive);
    alive = _mm256_and_si256(
        alive, _mm256_cmpeq_epi32(_mm256_andnot_si256(t, need), zero));
    a4 = _mm256_sub_epi32(a4, alive);
    alive = _mm256_and_si256(alive,
                             _mm256_cmpeq_epi32(_mm256_and_si256(g, sex), sex));
    a5 = _mm256_sub_epi32(a5, alive);
    if constexpr (kRegions || kExcludes || kHidden || kLinks) {
      const __m256i p =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(place + j));
      if constexpr (kRegions) {
        const __m256i region = _mm256_and_si256(p, byte);
        alive = _mm256_andnot_si256(
            _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi32(region, r0),
                                            _mm256_cmpeq_epi32(region, r1)),
                            _mm256_or_si256(_mm256_cmpeq_epi32(region, r2),
                                            _mm256_cmpeq_epi32(region, r3))),
            alive);
        a6 = _mm256_sub_epi32(a6, alive);
      }
      if constexpr (kExcludes) {
        // A byte per set, read as the low byte of four.
        const __m256i set = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(excluded_set + j));
        const __m256i excludes = _mm256_and_si256(
            _mm256_i32gather_epi32(reinterpret_cast<const int*>(q.excludes),
                                   set, 1),
            byte);
        alive = _mm256_and_si256(alive, _mm256_cmpeq_epi32(excludes, zero));
        a7 = _mm256_sub_epi32(a7, alive);
      }
      if constexpr (kHidden) {
        const __m256i hidden = _mm256_and_si256(
            _mm256_i32gather_epi32(reinterpret_cast<const int*>(q.hidden),
                                   _mm256_srli_epi32(p, 16), 1),
            byte);
        alive = _mm256_and_si256(alive, _mm256_cmpeq_epi32(hidden, zero));
        a8 = _mm256_sub_epi32(a8, alive);
      }
      if constexpr (kLinks) {
        alive = _mm256_and_si256(
            alive,
            _mm256_cmpgt_epi32(
                max_links, _mm256_and_si256(_mm256_srli_epi32(p, 8), byte)));
        a9 = _mm256_sub_epi32(a9, alive);
      }
    }
    alive_bits[j / 8] =
        static_cast<uint8_t>(_mm256_movemask_ps(_mm256_castsi256_ps(alive)));
  }
  // after[k + 1]: alive after constraint k, for k = -1 .. 9.
  std::array<uint32_t, kKernelCountCount + 1> after;
  after[0] = static_cast<uint32_t>(whole);
  after[1] = LaneSum(a0);
  after[2] = LaneSum(a1);
  after[3] = LaneSum(a2);
  after[4] = LaneSum(a3);
  after[5] = LaneSum(a4);
  after[6] = LaneSum(a5);
  after[7] = kRegions ? LaneSum(a6) : after[6];
  after[8] = kExcludes ? LaneSum(a7) : after[7];
  after[9] = kHidden ? LaneSum(a8) : after[8];
  after[10] = kLinks ? LaneSum(a9) : after[9];
  for (int k = 0; k < kKernelCountCount; ++k) {
    counts[k] += after[k] - after[k + 1];
  }
  uint32_t passed = after[kKernelCountCount];
  uint32_t tail_bits = 0;
  for (int j = whole; j < n; ++j) {
    const int first = FirstFailure(q, gate[j], tolerance[j], place[j],
                                   kExcludes ? excluded_set[j] : 0);
    if (first == kKernelCountCount) {
      ++passed;
      tail_bits |= uint32_t{1} << (j - whole);
    } else {
      ++counts[first];
    }
  }
  if (whole < n) alive_bits[whole / 8] = static_cast<uint8_t>(tail_bits);
  if (list == nullptr) return {static_cast<int>(passed), 0};

  int out = 0;
  std::optional<BoundLanes> lanes;
  if (bound != nullptr) lanes.emplace(*bound);
  for (int j = 0; j < n; j += 8) {
    uint32_t bits = alive_bits[j / 8];
    if (bits == 0) continue;
    if (bound != nullptr) {
      if (j + 8 <= n) {
        bits &= static_cast<uint32_t>(
            lanes->Keep(gate + j, tolerance + j, place + j));
      } else {
        for (int k = 0; j + k < n; ++k) {
          if (BoundOf(*bound, gate[j + k], tolerance[j + k], place[j + k]) <
              bound->threshold) {
            bits &= ~(uint32_t{1} << k);
          }
        }
      }
    }
    for (; bits != 0; bits &= bits - 1) {
      list[out++] = static_cast<uint16_t>(j + std::countr_zero(bits));
    }
  }
  return {static_cast<int>(passed), out};
}
#endif

}  // namespace

bool HaveAvx2Kernel() {
#ifdef RAA_HAVE_AVX2_KERNEL
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
#else
  return false;
#endif
}

FilterResult FilterBlock(const SimpleQuery& q, const uint32_t* gate,
                         const uint32_t* tolerance, const uint32_t* place,
                         const uint32_t* excluded_set, int n,
                         std::array<uint32_t, kKernelCountCount>& counts,
                         uint16_t* list, const ScoreBound* bound) {
#ifdef RAA_HAVE_AVX2_KERNEL
  constexpr uint32_t kSigned = uint32_t{1} << 31;
  const bool fits = q.size < kSigned && q.min_age < kSigned &&
                    q.max_age < kSigned && q.need_bits < kSigned &&
                    q.sex_need < kSigned && q.max_links < kSigned &&
                    std::ranges::all_of(q.excluded_regions,
                                        [](uint32_t r) { return r < kSigned; });
  if (HaveAvx2Kernel() && fits) {
    using Kernel = FilterResult (*)(
        const SimpleQuery&, const uint32_t*, const uint32_t*, const uint32_t*,
        const uint32_t*, int, std::array<uint32_t, kKernelCountCount>&,
        uint16_t*, const ScoreBound*);
    // By the checks the query makes: bit 0 regions, 1 household excludes,
    // 2 hidden, 3 links.
    static constexpr std::array<Kernel, 16> kKernels = {
        FilterBlockAvx2Lanes<false, false, false, false>,
        FilterBlockAvx2Lanes<true, false, false, false>,
        FilterBlockAvx2Lanes<false, true, false, false>,
        FilterBlockAvx2Lanes<true, true, false, false>,
        FilterBlockAvx2Lanes<false, false, true, false>,
        FilterBlockAvx2Lanes<true, false, true, false>,
        FilterBlockAvx2Lanes<false, true, true, false>,
        FilterBlockAvx2Lanes<true, true, true, false>,
        FilterBlockAvx2Lanes<false, false, false, true>,
        FilterBlockAvx2Lanes<true, false, false, true>,
        FilterBlockAvx2Lanes<false, true, false, true>,
        FilterBlockAvx2Lanes<true, true, false, true>,
        FilterBlockAvx2Lanes<false, false, true, true>,
        FilterBlockAvx2Lanes<true, false, true, true>,
        FilterBlockAvx2Lanes<false, true, true, true>,
        FilterBlockAvx2Lanes<true, true, true, true>,
    };
    const bool regions = std::ranges::any_of(
        q.excluded_regions, [](uint32_t r) { return r <= 0xff; });
    const int checks = int{regions} | int{q.excludes != nullptr} << 1 |
                       int{q.hidden != nullptr} << 2 |
                       int{q.max_links <= 0xff} << 3;
    return kKernels[checks](q, gate, tolerance, place, excluded_set, n, counts,
                            list, bound);
  }
#endif
  return FilterBlockPortable(q, gate, tolerance, place, excluded_set, n, counts,
                             list, bound);
}

FilterResult FilterBlockPortable(
    const SimpleQuery& q, const uint32_t* __restrict gate,
    const uint32_t* __restrict tolerance, const uint32_t* __restrict place,
    const uint32_t* __restrict excluded_set, int n,
    std::array<uint32_t, kKernelCountCount>& counts, uint16_t* __restrict list,
    const ScoreBound* bound) {
  // Bit layout of the gate and place words: see packed.h. Every flag below
  // is 0 or 1.
  alignas(64) uint8_t alive[kFilterBlock + 8];
  uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  uint32_t m = 0;
  const uint32_t size = q.size, min_age = q.min_age, max_age = q.max_age;
  const uint32_t need = q.need_bits, sex_need = q.sex_need;
  const uint32_t r0 = q.excluded_regions[0], r1 = q.excluded_regions[1];
  const uint32_t r2 = q.excluded_regions[2], r3 = q.excluded_regions[3];
  // With the lookups, the link limit (checked after them) is left to the
  // pass below.
  const bool lookups = q.excludes != nullptr || q.hidden != nullptr;
  const uint32_t max_links = lookups ? kKernelNever : q.max_links;
  for (int j = 0; j < n; ++j) {
    const uint32_t g = gate[j];
    const uint32_t p = place[j];
    const uint32_t region = p & 0xff;
    const uint32_t f0 = ~g & 1;                    // available
    const uint32_t f1 = (g >> 1) & 1;              // withdrawn
    const uint32_t f2 = ((g >> 8) & 0xff) < size;  // capacity
    const uint32_t f3 =
        (((g >> 16) & 0xff) > min_age) | ((g >> 24) < max_age);  // ages
    const uint32_t f4 = (need & ~tolerance[j]) != 0;             // needs
    const uint32_t f5 = (g & sex_need) != sex_need;              // sex
    const uint32_t f6 = (region == r0) | (region == r1) | (region == r2) |
                        (region == r3);  // child excludes region
    const uint32_t f7 = ((p >> 8) & 0xff) >= max_links;  // open links
    uint32_t dead = f0;
    c0 += f0;
    c1 += f1 & ~dead;
    dead |= f1;
    c2 += f2 & ~dead;
    dead |= f2;
    c3 += f3 & ~dead;
    dead |= f3;
    c4 += f4 & ~dead;
    dead |= f4;
    c5 += f5 & ~dead;
    dead |= f5;
    c6 += f6 & ~dead;
    dead |= f6;
    c7 += f7 & ~dead;
    dead |= f7;
    alive[j] = static_cast<uint8_t>(dead ^ 1);
    m += dead ^ 1;
  }
  counts[0] += c0;
  counts[1] += c1;
  counts[2] += c2;
  counts[3] += c3;
  counts[4] += c4;
  counts[5] += c5;
  counts[kKernelRegion] += c6;
  counts[kKernelLinks] += c7;
  if (lookups) {
    for (int j = 0; j < n; ++j) {
      if (alive[j] == 0) continue;
      const int first = LaterLookupFailure(
          q, place[j], q.excludes != nullptr ? excluded_set[j] : 0);
      if (first != kKernelCountCount) {
        ++counts[first];
        alive[j] = 0;
        --m;
      }
    }
  }
  const FilterResult counted{static_cast<int>(m), 0};
  if (list == nullptr) return counted;
  if (bound != nullptr) Promising(*bound, gate, tolerance, place, n, alive);
  // Eight flags (each byte 0 or 1) to eight bits by one multiplication, then
  // the indices from their set bits: work in proportion to those listed.
  // (Little-endian: byte k of the word is alive[j + k].)
  std::memset(alive + n, 0, 8);
  int out = 0;
  for (int j = 0; j < n; j += 8) {
    uint64_t bytes;
    std::memcpy(&bytes, alive + j, 8);
    // Byte k (0 or 1) lands alone on bit 56 + k: no two products share a
    // bit, so nothing carries.
    uint32_t bits =
        static_cast<uint32_t>((bytes * 0x0102040810204080ull) >> 56);
    for (; bits != 0; bits &= bits - 1) {
      list[out++] = static_cast<uint16_t>(j + std::countr_zero(bits));
    }
  }
  return {counted.passed, out};
}

}  // namespace raa::matcher::internal
