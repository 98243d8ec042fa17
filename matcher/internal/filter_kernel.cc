#include "matcher/internal/filter_kernel.h"

#include <array>
#include <cstdint>

namespace raa::matcher::internal {

// On x86-64 GCC builds an AVX2 clone and the baseline (SSE2) one, chosen at
// load time by the CPU.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
int FilterBlock(const SimpleQuery& q, const uint32_t* __restrict gate,
                const uint32_t* __restrict tolerance, int n,
                std::array<uint32_t, kSimpleConstraintCount>& counts,
                uint16_t* __restrict survivors) {
  // Bit layout of the gate word: see packed.h. Every flag below is 0 or 1.
  alignas(64) uint8_t alive[kFilterBlock];
  uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
  const uint32_t size = q.size, min_age = q.min_age, max_age = q.max_age;
  const uint32_t need = q.need_bits, sex_need = q.sex_need;
  for (int j = 0; j < n; ++j) {
    const uint32_t g = gate[j];
    const uint32_t f0 = ~g & 1;                    // available
    const uint32_t f1 = (g >> 1) & 1;              // withdrawn
    const uint32_t f2 = ((g >> 8) & 0xff) < size;  // capacity
    const uint32_t f3 =
        (((g >> 16) & 0xff) > min_age) | ((g >> 24) < max_age);  // ages
    const uint32_t f4 = (need & ~tolerance[j]) != 0;             // needs
    const uint32_t f5 = (g & sex_need) != sex_need;              // sex
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
    alive[j] = static_cast<uint8_t>(dead ^ 1);
  }
  counts[0] += c0;
  counts[1] += c1;
  counts[2] += c2;
  counts[3] += c3;
  counts[4] += c4;
  counts[5] += c5;
  int m = 0;
  for (int j = 0; j < n; ++j) {
    survivors[m] = static_cast<uint16_t>(j);
    m += alive[j];
  }
  return m;
}

}  // namespace raa::matcher::internal
