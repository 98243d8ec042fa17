#include "matcher/internal/filter_kernel.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

namespace raa::matcher::internal {

// On x86-64 GCC builds an AVX2 clone and the baseline (SSE2) one of each
// kernel, chosen at load time by the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RAA_KERNEL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RAA_KERNEL_CLONES
#endif

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
// The same, eight households at a time with AVX2 (the same arithmetic, so
// the same bound).
__attribute__((target("avx2"))) void PromisingAvx2(const ScoreBound& b,
                                                   const uint32_t* gate,
                                                   const uint32_t* tolerance,
                                                   const uint32_t* place, int n,
                                                   uint8_t* alive) {
  const __m256i seven = _mm256_set1_epi32(7);
  const __m256i byte = _mm256_set1_epi32(0xff);
  const __m256i own = _mm256_set1_epi32(static_cast<int>(b.own_authority));
  const __m256i own_extra =
      _mm256_set1_epi32(b.own_locality - b.other_locality);
  const __m256i base = _mm256_set1_epi32(b.other_locality);
  const __m256i categories =
      _mm256_set1_epi32(static_cast<int>(b.needs_categories));
  const __m256i sum_base = _mm256_set1_epi32(b.needs_sum_base);
  const __m256i sum_max = _mm256_set1_epi32(kNeedsSums - 1);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i m1 = _mm256_set1_epi32(0x55555555);
  const __m256i m2 = _mm256_set1_epi32(0x33333333);
  const __m256i m4 = _mm256_set1_epi32(0x0f0f0f0f);
  const __m256i h01 = _mm256_set1_epi32(0x01010101);
  const __m256i young2 = _mm256_set1_epi32(2 * b.youngest);
  const __m256i old2 = _mm256_set1_epi32(2 * b.oldest);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i five_hundred = _mm256_set1_epi32(500);
  const __m256 hundredth = _mm256_set1_ps(0.01f);
  const __m256i thousand = _mm256_set1_epi32(1000);
  const __m256i age_weight = _mm256_set1_epi32(b.age_weight);
  const __m256i below = _mm256_set1_epi32(b.threshold - 1);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i g =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(gate + j));
    const __m256i t =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tolerance + j));
    const __m256i p =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(place + j));
    __m256i points = _mm256_add_epi32(
        base, _mm256_and_si256(own_extra, _mm256_cmpeq_epi32(
                                              _mm256_srli_epi32(p, 16), own)));
    points = _mm256_add_epi32(
        points, _mm256_i32gather_epi32(
                    b.capacity.data(),
                    _mm256_and_si256(_mm256_srli_epi32(g, 8), seven), 4));
    points = _mm256_add_epi32(
        points, _mm256_i32gather_epi32(
                    b.flags.data(),
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
                              _mm256_i32gather_epi32(b.needs.data(), sum, 4));
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
    const int keep = _mm256_movemask_ps(
        _mm256_castsi256_ps(_mm256_cmpgt_epi32(points, below)));
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
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    PromisingAvx2(b, gate, tolerance, place, n, alive);
    return;
  }
#endif
  PromisingScalar(b, gate, tolerance, place, n, alive);
}

}  // namespace

RAA_KERNEL_CLONES
FilterResult FilterBlock(const SimpleQuery& q, const uint32_t* __restrict gate,
                         const uint32_t* __restrict tolerance,
                         const uint32_t* __restrict place, int n,
                         std::array<uint32_t, kKernelCountCount>& counts,
                         uint16_t* __restrict list, const ScoreBound* bound) {
  // Bit layout of the gate and place words: see packed.h. Every flag below
  // is 0 or 1.
  alignas(64) uint8_t alive[kFilterBlock + 8];
  uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  uint32_t m = 0;
  const uint32_t size = q.size, min_age = q.min_age, max_age = q.max_age;
  const uint32_t need = q.need_bits, sex_need = q.sex_need;
  const uint32_t r0 = q.excluded_regions[0], r1 = q.excluded_regions[1];
  const uint32_t r2 = q.excluded_regions[2], r3 = q.excluded_regions[3];
  const uint32_t max_links = q.max_links;
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
