// Internal: the packed rows of the child side that RankChildren streams.
//
// A waiting child group is ranked for one household by reading a 32-byte
// row per group (what every constraint and most of the score read); the
// group's full profile (internal::ChildProfile) is read only for the few
// groups that need it: a group hidden from some authority, one that may be
// placed apart and fails a per-child constraint, or one whose best case
// could still enter the top k (its identity component).
//
// Everything here is an implementation detail of CandidateIndex; the
// documented rules are in matcher/policy.h.

#ifndef RAAMATCH_MATCHER_INTERNAL_CHILD_ROWS_H_
#define RAAMATCH_MATCHER_INTERNAL_CHILD_ROWS_H_

#include <cstdint>

#include "matcher/internal/packed.h"

namespace raa::matcher::internal {

// gate word:  bit 0 waiting, bit 1 may be placed apart (and has more than
//             one child), bit 2 hidden from some authority, bit 3 early
//             permanence candidate, bits 4-5 contact plan, bits 6-7 unused,
//             bits 8-15 size, 16-23 youngest age, 24-31 oldest age (months,
//             on the ages_as_of day).
// needs:      NeedBit()s of the group.
// place:      bits 0-7 region id, bits 8-15 sexes (SexBit()s), 16-31
//             authority id.
// ages_as_of: month * 32 + day of the month of ages_as_of; -1 when the ages
//             are fixed.
inline constexpr uint32_t kChildWaiting = 1;
inline constexpr uint32_t kChildSeparable = 2;
inline constexpr uint32_t kChildHidden = 4;
inline constexpr int kChildFlagShift = 3;  // bits 3-5: EP candidate, contact

struct ChildRow {
  uint32_t gate = 0;
  uint32_t needs = 0;
  uint32_t place = 0;
  int32_t ages_as_of = -1;
  uint32_t excluded_set = 0;  // index into the child side's region pool
  int32_t waiting_since_day = -1;
  uint64_t key = 0;

  bool waiting() const { return gate & kChildWaiting; }
  bool separable() const { return gate & kChildSeparable; }
  bool hidden() const { return gate & kChildHidden; }
  // (early permanence candidate, contact plan): 0..7.
  int flag_index() const { return (gate >> kChildFlagShift) & 7; }
  int size() const { return (gate >> 8) & 0xff; }
  int min_age() const { return (gate >> 16) & 0xff; }
  int max_age() const { return gate >> 24; }
  uint32_t region() const { return place & 0xff; }
  uint32_t sexes() const { return (place >> 8) & 0xff; }
  uint16_t authority() const { return static_cast<uint16_t>(place >> 16); }
};
static_assert(sizeof(ChildRow) == 32);

// The row of a packed profile; `excluded_set` is its index in the pool.
inline ChildRow RowOf(const ChildProfile& p, uint32_t excluded_set) {
  ChildRow r;
  r.gate =
      (p.waiting ? kChildWaiting : 0) | (p.separable ? kChildSeparable : 0) |
      (p.hidden_from.empty() ? 0 : kChildHidden) |
      (static_cast<uint32_t>(p.early_permanence_candidate) << kChildFlagShift) |
      (static_cast<uint32_t>(p.contact_plan) << (kChildFlagShift + 1)) |
      (static_cast<uint32_t>(p.size) << 8) |
      (static_cast<uint32_t>(p.min_age_months) << 16) |
      (static_cast<uint32_t>(p.max_age_months) << 24);
  r.needs = p.need_bits;
  r.place = p.region | (static_cast<uint32_t>(p.sexes) << 8) |
            (static_cast<uint32_t>(p.authority) << 16);
  r.ages_as_of = p.ages_move ? p.ages_as_of.month * 32 + p.ages_as_of.mday : -1;
  r.excluded_set = excluded_set;
  r.waiting_since_day = p.waiting_since_day;
  r.key = p.key;
  return r;
}

// ElapsedMonths() from the row: whole months from ages_as_of to `today`.
inline int RowElapsed(int32_t ages_as_of, MonthDay today) {
  if (ages_as_of < 0) return 0;
  const int n = today.month - (ages_as_of >> 5) -
                (today.mday < (ages_as_of & 31) ? 1 : 0);
  return n > 0 ? n : 0;
}

// The group's needs margin sum against a tolerance (NeedsMarginSum) from
// its need bits: the group's level in a category is the highest bit set
// there. `limits[c]` is ToleranceLimit(tolerance, c).
inline int RowNeedsMarginSum(uint32_t need_bits,
                             const uint8_t (&limits)[kNeedCategoryCount],
                             int* categories) {
  int sum = 0, count = 0;
  for (uint32_t bits = need_bits; bits != 0;) {
    const int c = std::countr_zero(bits) / 3;
    const uint32_t levels = (need_bits >> (3 * c)) & 7u;
    const int level = std::bit_width(levels);
    sum += std::max(0, 1 + limits[c] - level);
    ++count;
    bits &= ~(uint32_t{7} << (3 * c));
  }
  *categories = count;
  return sum;
}

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_CHILD_ROWS_H_
