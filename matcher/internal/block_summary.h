// Internal: per-block summaries of the household columns, so the child-led
// scan can count a whole block without reading it and skip scoring a block
// whose best possible score cannot enter the top k.
//
// A block is kFilterBlock consecutive household slots. Its summary holds
// BOUNDS of what the block's households hold (AND and OR of bit fields,
// minima and maxima, sets that contain every household's value). A summary
// may be looser than the block (a household that left it may still be
// counted in a bound) but never tighter: every decision below is true of
// every household inside the bounds, so a loose summary only costs speed.
//
// Everything here is an implementation detail of CandidateIndex.

#ifndef RAAMATCH_MATCHER_INTERNAL_BLOCK_SUMMARY_H_
#define RAAMATCH_MATCHER_INTERNAL_BLOCK_SUMMARY_H_

#include <algorithm>
#include <cstdint>

#include "matcher/internal/filter_kernel.h"
#include "matcher/internal/interner.h"
#include "matcher/internal/packed.h"

namespace raa::matcher::internal {

struct BlockSummary {
  uint32_t gate_and = ~uint32_t{0};
  uint32_t gate_or = 0;
  uint32_t tolerance_and = ~uint32_t{0};
  uint32_t tolerance_or = 0;
  uint8_t approved_for_min = 255, approved_for_max = 0;
  uint8_t min_age_min = 255, min_age_max = 0;  // the households' lower bounds
  uint8_t max_age_min = 255, max_age_max = 0;  // the households' upper bounds
  uint8_t flag_mask = 0;             // bit Gate::flag_index() of each household
  uint8_t links_max = 0;             // open links (saturated)
  uint16_t day_min = kUnknownDay16;  // earliest known approved day
  uint64_t authorities = 0;          // bit (authority id % 64) of each
  RegionSet regions;                 // each household's region
  RegionSet excluded;                // union of their excluded regions
  // For the identity component's bound: what any household holds.
  uint32_t heritage_or = 0;
  RegionSet religions;    // non-zero religion codes
  LanguageSet languages;  // union of their languages

  bool Empty() const { return approved_for_max == 0; }

  // Widens the bounds to hold one more household.
  void Add(Gate g, uint32_t tolerance, Place p, const RegionSet& excluded_set,
           const HouseholdTraits& t, const LanguageSet& language_set) {
    gate_and &= g.word;
    gate_or |= g.word;
    tolerance_and &= tolerance;
    tolerance_or |= tolerance;
    const auto u8 = [](int v) { return static_cast<uint8_t>(v); };
    approved_for_min = std::min(approved_for_min, u8(g.approved_for()));
    approved_for_max = std::max(approved_for_max, u8(g.approved_for()));
    min_age_min = std::min(min_age_min, u8(g.min_age()));
    min_age_max = std::max(min_age_max, u8(g.min_age()));
    max_age_min = std::min(max_age_min, u8(g.max_age()));
    max_age_max = std::max(max_age_max, u8(g.max_age()));
    flag_mask |= static_cast<uint8_t>(1u << g.flag_index());
    links_max = std::max(links_max, u8(p.open_links()));
    day_min = std::min(day_min, t.approved_day);
    authorities |= uint64_t{1} << (p.authority() & 63);
    regions.Set(p.region());
    for (int w = 0; w < 4; ++w) {
      excluded.words[w] |= excluded_set.words[w];
      languages.words[w] |= language_set.words[w];
    }
    heritage_or |= t.heritage_mask;
    if (t.religion != 0) religions.Set(t.religion);
  }
};

// How a child group's query meets a block of households, from the block's
// summary alone.
struct BlockQuery {
  SimpleQuery simple;  // the group on the query's day
  int youngest = 0;    // = simple.min_age
  int oldest = 0;      // = simple.max_age
  RegionSet child_excludes;
  uint32_t child_region = 0;
  uint64_t hidden_authorities = 0;  // bit (id % 64) of each hidden_from id
  int max_links = 0;
};

inline constexpr int kAllPass = -1;  // every household passes the six
inline constexpr int kMixed = -2;    // the households differ: read them

// The simple constraint (0..5) every household of the block fails first, so
// the whole block is counted under it; kAllPass if every household passes
// all six; kMixed otherwise.
inline int WholeBlockOutcome(const BlockSummary& s, const BlockQuery& q) {
  // kNotAvailable
  if ((s.gate_or & kGateAvailable) == 0) return 0;
  if ((s.gate_and & kGateAvailable) == 0) return kMixed;
  // kAuthorityWithdrawn
  if ((s.gate_and & kGateAuthorityWithdrawn) != 0) return 1;
  if ((s.gate_or & kGateAuthorityWithdrawn) != 0) return kMixed;
  // kCapacity
  if (s.approved_for_max < q.simple.size) return 2;
  if (s.approved_for_min < q.simple.size) return kMixed;
  // kAgeRange: every lower bound above the youngest, or every upper bound
  // below the oldest.
  if (s.min_age_min > q.simple.min_age || s.max_age_max < q.simple.max_age) {
    return 3;
  }
  if (s.min_age_max > q.simple.min_age || s.max_age_min < q.simple.max_age) {
    return kMixed;
  }
  // kNeeds: a need no household of the block accepts.
  if ((q.simple.need_bits & ~s.tolerance_or) != 0) return 4;
  if ((q.simple.need_bits & ~s.tolerance_and) != 0) return kMixed;
  // kSexPreference
  if ((q.simple.sex_need & ~s.gate_or) != 0) return 5;
  if ((q.simple.sex_need & ~s.gate_and) != 0) return kMixed;
  return kAllPass;
}

// Which lookup constraints (kChildExcludedRegion .. kLinkLimit) some
// household of the block may fail; a bit per constraint, from bit 0 for
// kChildExcludedRegion.
inline constexpr uint32_t kLookupRegion = 1;
inline constexpr uint32_t kLookupHouseholdExcludes = 2;
inline constexpr uint32_t kLookupHidden = 4;
inline constexpr uint32_t kLookupLinks = 8;
inline uint32_t LookupsToCheck(const BlockSummary& s, const BlockQuery& q) {
  return (q.child_excludes.Intersects(s.regions) ? kLookupRegion : 0) |
         (s.excluded.Test(q.child_region) ? kLookupHouseholdExcludes : 0) |
         ((q.hidden_authorities & s.authorities) != 0 ? kLookupHidden : 0) |
         (s.links_max >= q.max_links ? kLookupLinks : 0);
}

// An upper bound of IdentityFit over the block's households: a child's
// heritage shared with any of them, any religion or language shared.
inline int IdentityFitBound(const BlockSummary& s, const ChildProfile& c) {
  return IdentityFitOf(c, s.heritage_or, c.religions.Intersects(s.religions),
                       c.languages.Intersects(s.languages));
}

// An upper bound of AgeFit(youngest, oldest, lo, hi) over lo in
// [lo_min, lo_max] and hi in [hi_min, hi_max]: the centre lo + hi as close
// to youngest + oldest as the bounds allow, over the widest span.
inline int AgeFitBound(int youngest, int oldest, int lo_min, int lo_max,
                       int hi_min, int hi_max) {
  const int span = hi_max - lo_min;
  if (span <= 0) return 1000;
  const int centre =
      std::clamp(youngest + oldest, lo_min + hi_min, lo_max + hi_max);
  const int d =
      std::max(std::abs(2 * youngest - centre), std::abs(2 * oldest - centre));
  return std::max(0, 1000 - 500 * d / span);
}

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_BLOCK_SUMMARY_H_
