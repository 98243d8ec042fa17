// Internal: the packed rows of the child side that RankChildren streams.
//
// A waiting child group is ranked for one household by reading a 32-byte
// row per group (what every constraint and most of the score read). What
// the row lacks is kept beside it, packed: an 8-byte ChildDetail and the
// group's children, 12 bytes each, in a MemberPool. The group's full
// profile (internal::ChildProfile) is built from them only for the few
// groups that need it: one that may be placed apart and fails a per-child
// constraint; a group hidden from some authority reads its hidden_from list
// only, and one whose best case could still enter the top k reads its
// children for its identity component (MembersIdentityFit).
//
// Everything here is an implementation detail of CandidateIndex; the
// documented rules are in matcher/policy.h.

#ifndef RAAMATCH_MATCHER_INTERNAL_CHILD_ROWS_H_
#define RAAMATCH_MATCHER_INTERNAL_CHILD_ROWS_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/snapshot_io.h"
#include "matcher/internal/packed.h"

namespace raa::matcher::internal {

// gate word:  bit 0 waiting, bit 1 may be placed apart (and has more than
//             one child), bit 2 hidden from some authority, bit 3 early
//             permanence candidate, bits 4-5 contact plan, bit 6 may be
//             placed apart as upserted (also for one child: only FindChild
//             reads it), bit 7 unused,
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
inline constexpr uint32_t kChildPlacedApartAsked = 64;

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
  bool early_permanence_candidate() const {
    return (gate >> kChildFlagShift) & 1;
  }
  int contact_plan() const { return (gate >> (kChildFlagShift + 1)) & 3; }
  bool placed_apart_asked() const { return gate & kChildPlacedApartAsked; }
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

// What a group's row lacks, in a column beside the rows: 8 bytes. Its
// children are a run of `size()` PackedMembers in a MemberPool; the exact
// day its ages were measured is kept so the group comes back as upserted.
struct ChildDetail {
  uint32_t members = 0;  // the first of the group's run in the MemberPool
  int32_t ages_as_of_day = -1;
};
static_assert(sizeof(ChildDetail) == 8);

// The children of every group, a run of consecutive PackedMembers per group
// in the group's order. A freed run is reused by the next group of the same
// size, so a run never moves and every operation is O(1); the free runs are
// at most what groups of each size once held.
class MemberPool {
 public:
  // Stores `count` (1..kMaxGroupSize) members; the start of their run.
  uint32_t Add(const PackedMember* members, int count) {
    std::vector<uint32_t>& free = free_[count];
    uint32_t start;
    if (free.empty()) {
      start = static_cast<uint32_t>(members_.size());
      members_.resize(members_.size() + count);
    } else {
      start = free.back();
      free.pop_back();
    }
    std::copy(members, members + count, members_.begin() + start);
    return start;
  }
  // Gives back the run of `count` members at `start`.
  void Free(uint32_t start, int count) { free_[count].push_back(start); }
  const PackedMember* at(uint32_t start) const {
    return members_.data() + start;
  }
  // Bytes held, free runs included.
  size_t bytes() const {
    size_t total = members_.capacity() * sizeof(PackedMember);
    for (const std::vector<uint32_t>& f : free_) {
      total += f.capacity() * sizeof(uint32_t);
    }
    return total;
  }
  // Members stored, free runs included: every run lies below this.
  size_t size() const { return members_.size(); }
  // Whether every member's interned language is below `bound`.
  bool LanguagesBelow(int bound) const {
    return std::all_of(members_.begin(), members_.end(),
                       [bound](const PackedMember& m) {
                         return !m.has_language() || m.language < bound;
                       });
  }

  // For a snapshot: the members and the free runs by size.
  void Save(SnapshotWriter& out) const {
    out.Column(members_);
    for (const std::vector<uint32_t>& f : free_) out.Column(f);
  }
  // `live` holds the groups' runs (start, count): with the free runs they
  // must cover every member exactly once.
  bool Load(SnapshotReader& in,
            const std::vector<std::pair<uint32_t, int>>& live) {
    members_ = in.Column<PackedMember>();
    std::vector<bool> covered(members_.size());
    const auto cover = [&](uint32_t start, int count) {
      if (count < 1 || count > kMaxGroupSize ||
          start + static_cast<size_t>(count) > members_.size()) {
        return false;
      }
      for (uint32_t m = start; m < start + static_cast<uint32_t>(count); ++m) {
        if (covered[m]) return false;
        covered[m] = true;
      }
      return true;
    };
    for (const auto& [start, count] : live) {
      if (!cover(start, count)) return false;
    }
    for (size_t count = 0; count < free_.size(); ++count) {
      free_[count] = in.Column<uint32_t>();
      for (uint32_t start : free_[count]) {
        if (!cover(start, static_cast<int>(count))) return false;
      }
    }
    return in.ok() &&
           std::find(covered.begin(), covered.end(), false) == covered.end();
  }

 private:
  std::vector<PackedMember> members_;
  std::array<std::vector<uint32_t>, kMaxGroupSize + 1> free_;  // by size
};

// IdentityFit() from a group's `count` members instead of its profile:
// RankChildren scores identity without building the profile.
inline int MembersIdentityFit(const PackedMember* members, int count,
                              const HouseholdTraits& t,
                              const LanguageSet& household_languages) {
  int recorded = 0, shared = 0;
  bool religion = false, language = false;
  for (int i = 0; i < count; ++i) {
    const PackedMember& m = members[i];
    if (m.heritage_mask != 0) {
      ++recorded;
      shared += (m.heritage_mask & t.heritage_mask) != 0;
    }
    religion |= t.religion != 0 && m.religion == t.religion;
    language |= m.has_language() && household_languages.Test(m.language);
  }
  return IdentityPoints(recorded, shared, religion, language);
}

// ElapsedMonths() from the row: whole months from ages_as_of to `today`.
// With both days as month * 32 + day, the difference is 32 * (months) +
// (days), the days within +-30, so its floor over 32 is the months less one
// when today's day of the month is the earlier: no branch.
inline int RowElapsed(int32_t ages_as_of, MonthDay today) {
  const int32_t n = (today.month * 32 + today.mday - ages_as_of) >> 5;
  return ages_as_of < 0 ? 0 : std::max(n, 0);
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
