// The constraint kernel on random blocks of household columns (std::mt19937,
// fixed seeds), against a reference written here from the column layout in
// matcher/internal/packed.h: each household counted under the first
// constraint it fails, the survivors listed in order; the AVX2 kernel and
// the portable one give the same counts and lists, with and without a score
// bound, at every block length (the AVX2 kernel takes eight at a time and
// the rest one by one).

#include "matcher/internal/filter_kernel.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa::matcher::internal {
namespace {

using Counts = std::array<uint32_t, kKernelCountCount>;

struct Block {
  std::vector<uint32_t> gate, tolerance, place, excluded_set;
};

// A query with its lookup tables (padded as SimpleQuery asks).
struct Query {
  SimpleQuery q;
  std::vector<uint8_t> excludes, hidden;
};

// The first constraint a household fails (kKernelCountCount: none), from the
// documented bit layout: gate bit 0 available, bit 1 authority withdrawn,
// bits 2-3 sexes considered, 8-15 approved for, 16-23 youngest and 24-31
// oldest age considered; place bits 0-7 region, 8-15 open links, 16-31
// authority.
int Reference(const SimpleQuery& q, uint32_t gate, uint32_t tolerance,
              uint32_t place, uint32_t excluded_set) {
  const uint32_t approved_for = (gate >> 8) & 0xff;
  const uint32_t youngest = (gate >> 16) & 0xff;
  const uint32_t oldest = gate >> 24;
  const uint32_t region = place & 0xff;
  const uint32_t links = (place >> 8) & 0xff;
  const uint32_t authority = place >> 16;
  const std::array<bool, kKernelCountCount> fails = {
      (gate & 1) == 0,
      (gate & 2) != 0,
      (approved_for < q.size),
      (youngest > q.min_age) || (oldest < q.max_age),
      (q.need_bits & ~tolerance) != 0,
      (gate & q.sex_need) != q.sex_need,
      region == q.excluded_regions[0] || region == q.excluded_regions[1] ||
          region == q.excluded_regions[2] || region == q.excluded_regions[3],
      q.excludes != nullptr && q.excludes[excluded_set] != 0,
      q.hidden != nullptr && q.hidden[authority] != 0,
      links >= q.max_links,
  };
  for (int k = 0; k < kKernelCountCount; ++k) {
    if (fails[k]) return k;
  }
  return kKernelCountCount;
}

// The bound of ScoreBound's comment, from the same bit layout: locality
// (own authority or not), capacity by approved_for, flags by bits 4-6,
// needs by the margin sum, and the age fit with its loss rounded down (the
// float quotient lowered by 0.01).
int32_t ReferenceBound(const ScoreBound& b, uint32_t gate, uint32_t tolerance,
                       uint32_t place) {
  int32_t points =
      (place >> 16) == b.own_authority ? b.own_locality : b.other_locality;
  points += b.capacity[(gate >> 8) & 7] + b.flags[(gate >> 4) & 7];
  const int sum =
      b.needs_sum_base + std::popcount(tolerance & b.needs_categories);
  points += b.needs[std::clamp(sum, 0, kNeedsSums - 1)];
  const int32_t lo = static_cast<int32_t>((gate >> 16) & 0xff);
  const int32_t hi = static_cast<int32_t>(gate >> 24);
  const int32_t d = std::max(std::abs(2 * b.youngest - lo - hi),
                             std::abs(2 * b.oldest - lo - hi));
  const float quotient =
      static_cast<float>(500 * d) / static_cast<float>(std::max(hi - lo, 1)) -
      0.01f;
  return points + b.age_weight * (1000 - static_cast<int32_t>(quotient));
}

class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  uint32_t Between(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // Households near the query's numbers, so that each constraint both
  // passes and fails often.
  Block Households(int n) {
    Block b;
    for (int j = 0; j < n; ++j) {
      const uint32_t youngest = Between(0, 120);
      const uint32_t oldest =
          std::min<uint32_t>(255, youngest + Between(0, 120));
      const uint32_t gate = uint32_t{Chance(0.9)} | uint32_t{Chance(0.1)} << 1 |
                            Between(0, 3) << 2 | Between(0, 7) << 4 |
                            Between(0, 4) << 8 | youngest << 16 | oldest << 24;
      b.gate.push_back(gate);
      b.tolerance.push_back(Chance(0.5) ? 0x1fffff : Between(0, 0x1fffff));
      b.place.push_back(Between(0, 9) | Between(0, 5) << 8 |
                        Between(0, kAuthorities - 1) << 16);
      b.excluded_set.push_back(Chance(0.7) ? 0 : Between(1, kSets - 1));
    }
    return b;
  }

  static constexpr uint32_t kAuthorities = 6;
  static constexpr uint32_t kSets = 8;

  Query AQuery() {
    Query query;
    SimpleQuery& q = query.q;
    q.size = Between(1, 3);
    q.min_age = Between(0, 150);
    q.max_age = q.min_age + Between(0, 24);
    q.need_bits = 0;
    for (uint32_t k = Between(0, 3); k > 0; --k)
      q.need_bits |= 1u << Between(0, 20);
    q.sex_need = Between(1, 3) << 2;
    for (uint32_t k = 0, used = Between(0, 4); k < used; ++k) {
      q.excluded_regions[k] = Between(0, 9);
    }
    if (Chance(0.5)) q.max_links = Between(0, 5);
    if (Chance(0.5)) {
      query.excludes.assign(kSets + 3, 0);
      for (uint32_t k = 1; k < kSets; ++k) query.excludes[k] = Chance(0.4);
    }
    if (Chance(0.5)) {
      query.hidden.assign(kAuthorities + 3, 0);
      for (uint32_t k = 0; k < kAuthorities; ++k) {
        query.hidden[k] = Chance(0.3);
      }
    }
    return query;
  }

  ScoreBound Bound() {
    ScoreBound b;
    b.own_authority = Between(0, 5);
    b.own_locality = static_cast<int32_t>(Between(0, 3000));
    b.other_locality = static_cast<int32_t>(Between(0, 3000));
    for (int32_t& p : b.capacity) p = static_cast<int32_t>(Between(0, 3000));
    for (int32_t& p : b.flags) p = static_cast<int32_t>(Between(0, 3000));
    for (int32_t& p : b.needs) p = static_cast<int32_t>(Between(0, 3000));
    b.needs_categories = Between(0, 0x1fffff);
    b.needs_sum_base = static_cast<int32_t>(Between(0, 8)) - 3;
    b.age_weight = static_cast<int32_t>(Between(0, 10));
    b.youngest = static_cast<int32_t>(Between(0, 150));
    b.oldest = b.youngest + static_cast<int32_t>(Between(0, 24));
    b.threshold = static_cast<int32_t>(Between(0, 20000));
    return b;
  }

 private:
  std::mt19937 rng_;
};

struct Outcome {
  Counts counts{};
  FilterResult result;
  std::vector<uint16_t> list;
};

using Kernel = FilterResult (*)(const SimpleQuery&, const uint32_t*,
                                const uint32_t*, const uint32_t*,
                                const uint32_t*, int, Counts&, uint16_t*,
                                const ScoreBound*);

// The query's tables as SimpleQuery points at them.
SimpleQuery Pointing(const Query& query) {
  SimpleQuery q = query.q;
  q.excludes = query.excludes.empty() ? nullptr : query.excludes.data();
  q.hidden = query.hidden.empty() ? nullptr : query.hidden.data();
  return q;
}

Outcome RunKernel(Kernel kernel, const Query& query, const Block& b, bool list,
                  const ScoreBound* bound) {
  Outcome o;
  o.list.assign(kFilterBlock, 0xffff);
  const int n = static_cast<int>(b.gate.size());
  o.result = kernel(Pointing(query), b.gate.data(), b.tolerance.data(),
                    b.place.data(), b.excluded_set.data(), n, o.counts,
                    list ? o.list.data() : nullptr, bound);
  o.list.resize(o.result.listed);
  return o;
}

constexpr std::array<int, 12> kLengths = {1,   7,   8,   9,    15,   16,
                                          100, 511, 999, 1016, 1023, 1024};

TEST(FilterKernelTest, CountsEachHouseholdUnderItsFirstFailureAndListsTheRest) {
  const bool avx2 = HaveAvx2Kernel();
  Random random(20261204);
  for (int round = 0; round < 40; ++round) {
    for (int n : kLengths) {
      const Block block = random.Households(n);
      const Query q = random.AQuery();
      Counts expected{};
      std::vector<uint16_t> survivors;
      for (int j = 0; j < n; ++j) {
        const int first =
            Reference(Pointing(q), block.gate[j], block.tolerance[j],
                      block.place[j], block.excluded_set[j]);
        if (first == kKernelCountCount) {
          survivors.push_back(static_cast<uint16_t>(j));
        } else {
          ++expected[first];
        }
      }
      for (Kernel kernel : {&FilterBlockPortable, &FilterBlock}) {
        SCOPED_TRACE(testing::Message()
                     << "round " << round << ", " << n << " households, "
                     << (kernel == &FilterBlock && avx2 ? "AVX2" : "portable"));
        const Outcome listed = RunKernel(kernel, q, block, true, nullptr);
        EXPECT_EQ(listed.counts, expected);
        EXPECT_EQ(listed.result.passed, static_cast<int>(survivors.size()));
        EXPECT_EQ(listed.list, survivors);
        const Outcome counted = RunKernel(kernel, q, block, false, nullptr);
        EXPECT_EQ(counted.counts, expected);
        EXPECT_EQ(counted.result.passed, static_cast<int>(survivors.size()));
        EXPECT_EQ(counted.result.listed, 0);
      }
    }
  }
}

TEST(FilterKernelTest, UnderABoundBothKernelsListOnlyTheSurvivorsReachingIt) {
  Random random(7);
  int listed = 0, cut = 0;
  for (int round = 0; round < 60; ++round) {
    for (int n : kLengths) {
      const Block block = random.Households(n);
      const Query q = random.AQuery();
      const ScoreBound bound = random.Bound();
      SCOPED_TRACE(testing::Message()
                   << "round " << round << ", " << n << " households");
      std::vector<uint16_t> reaching;
      for (int j = 0; j < n; ++j) {
        if (Reference(Pointing(q), block.gate[j], block.tolerance[j],
                      block.place[j],
                      block.excluded_set[j]) == kKernelCountCount &&
            ReferenceBound(bound, block.gate[j], block.tolerance[j],
                           block.place[j]) >= bound.threshold) {
          reaching.push_back(static_cast<uint16_t>(j));
        }
      }
      const Outcome portable =
          RunKernel(&FilterBlockPortable, q, block, true, &bound);
      const Outcome fast = RunKernel(&FilterBlock, q, block, true, &bound);
      EXPECT_EQ(fast.counts, portable.counts);
      EXPECT_EQ(fast.result.passed, portable.result.passed);
      EXPECT_EQ(fast.list, reaching);
      EXPECT_EQ(portable.list, reaching);
      listed += fast.result.listed;
      cut += fast.result.passed - fast.result.listed;
      // No threshold: every survivor is listed.
      ScoreBound open = bound;
      open.threshold = std::numeric_limits<int32_t>::min() / 2;
      const Outcome all = RunKernel(&FilterBlock, q, block, true, &open);
      EXPECT_EQ(all.result.listed, all.result.passed);
    }
  }
  // The rounds exercised both outcomes of the bound.
  EXPECT_GT(listed, 0);
  EXPECT_GT(cut, 0);
}

TEST(FilterKernelTest, QueryNumbersAboveTheSignedRangeStillCompareUnsigned) {
  Random random(11);
  const Block block = random.Households(64);
  Query q = random.AQuery();
  q.q.max_age = 0x80000000u;  // no household takes a child this old
  Counts expected{};
  for (int j = 0; j < 64; ++j) {
    const int first = Reference(Pointing(q), block.gate[j], block.tolerance[j],
                                block.place[j], block.excluded_set[j]);
    if (first != kKernelCountCount) ++expected[first];
  }
  const Outcome o = RunKernel(&FilterBlock, q, block, true, nullptr);
  EXPECT_EQ(o.counts, expected);
  EXPECT_EQ(o.result.passed, 0);
}

}  // namespace
}  // namespace raa::matcher::internal
