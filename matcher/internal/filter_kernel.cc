#include "matcher/internal/filter_kernel.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace raa::matcher::internal {

// On x86-64 GCC builds an AVX2 clone and the baseline (SSE2) one, chosen at
// load time by the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
int FilterBlock(const SimpleQuery& q, const uint32_t* __restrict gate,
                const uint32_t* __restrict tolerance,
                const uint32_t* __restrict place, int n,
                std::array<uint32_t, kKernelCountCount>& counts,
                uint16_t* __restrict survivors) {
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
  if (survivors == nullptr) return static_cast<int>(m);
  // Eight flags (each byte 0 or 1) to eight bits by one multiplication, then
  // the survivors from their set bits: work in proportion to the survivors.
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
      survivors[out++] = static_cast<uint16_t>(j + std::countr_zero(bits));
    }
  }
  return out;
}

}  // namespace raa::matcher::internal
