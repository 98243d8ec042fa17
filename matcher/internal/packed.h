// Internal: the packed forms of households and child groups that the
// candidate index scans, and the integer fit functions of the score.
//
// Everything here is an implementation detail of CandidateIndex; the
// documented rules are in matcher/policy.h. The fit functions serve the hot
// ranking loop, RankChildren, ExplainPair and ScorePair alike, so every path
// computes the same numbers.

#ifndef RAAMATCH_MATCHER_INTERNAL_PACKED_H_
#define RAAMATCH_MATCHER_INTERNAL_PACKED_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "matcher/internal/interner.h"
#include "matcher/model.h"
#include "matcher/policy.h"

namespace raa::matcher::internal {

inline constexpr int kMaxRegions = 256;
inline constexpr int kMaxLanguages = 256;
inline constexpr int kMaxAuthorities = 65535;
inline constexpr int kMaxGroupSize = 8;
inline constexpr int kMaxApprovedFor = 5;
inline constexpr int kMaxAgeMonths = 216;  // 18 years

// Sets of interned region / language ids (0..255); see interner.h.
using RegionSet = IdSet;
using LanguageSet = IdSet;

// Need bits: bit (3 * category + level - 1). A child group sets one bit per
// (category, level) a child has; a household's tolerance sets every level up
// to its limit, so the needs test is (child_bits & ~tolerance) == 0.
inline constexpr uint32_t NeedBit(int category, int level) {
  return uint32_t{1} << (3 * category + level - 1);
}
inline uint32_t ToleranceBits(const NeedLevels& max_need) {
  uint32_t bits = 0;
  for (int c = 0; c < kNeedCategoryCount; ++c) {
    for (int l = 1; l <= static_cast<int>(max_need[c]); ++l)
      bits |= NeedBit(c, l);
  }
  return bits;
}
// The highest level a tolerance accepts in a category: its bits there are
// 0b000, 0b001, 0b011 or 0b111. (A table, not std::popcount: without -mpopcnt
// that is a library call.)
inline int ToleranceLimit(uint32_t tolerance, int category) {
  constexpr uint8_t kLimit[8] = {0, 1, 1, 2, 1, 2, 2, 3};
  return kLimit[(tolerance >> (3 * category)) & 7u];
}

// Sex bits of a child group: 1 << Sex for each child.
inline constexpr uint32_t SexBit(Sex sex) {
  return 1u << static_cast<int>(sex);
}

// ---- The household columns --------------------------------------------------
//
// A household is four 32-bit words, each in its own column so the constraint
// kernel streams them (16 bytes per household), plus 32 bytes of traits read
// only for eligible households.
//
// gate word:   bit 0 available, bit 1 approving authority withdrawn,
//              bits 2-3 sexes they would consider (SexBit << 2), bit 4 dual
//              approved, bits 5-6 max contact; bits 8-15 approved_for,
//              16-23 min age (months), 24-31 max age (months).
// tolerance:   NeedBit()s they would consider.
// place word:  bits 0-7 region id, 8-15 open links (saturating at 255),
//              16-31 authority id.
// excluded:    index of their excluded-region set in the pool; 0 = none.
inline constexpr uint32_t kGateAvailable = 1;
inline constexpr uint32_t kGateAuthorityWithdrawn = 2;
inline constexpr int kGateSexShift = 2;
inline constexpr uint32_t kGateDualApproved = 16;
inline constexpr int kGateContactShift = 5;

struct Gate {
  uint32_t word;

  bool available() const { return word & kGateAvailable; }
  bool authority_withdrawn() const { return word & kGateAuthorityWithdrawn; }
  uint32_t sexes_allowed() const { return (word >> kGateSexShift) & 3; }
  bool dual_approved() const { return word & kGateDualApproved; }
  int max_contact() const { return (word >> kGateContactShift) & 3; }
  int approved_for() const { return (word >> 8) & 0xff; }
  int min_age() const { return (word >> 16) & 0xff; }
  int max_age() const { return word >> 24; }
  // Bits 4-6: the (dual approved, max contact) pair, 0..7.
  int flag_index() const { return (word >> 4) & 7; }
};

struct Place {
  uint32_t word;

  uint32_t region() const { return word & 0xff; }
  int open_links() const { return (word >> 8) & 0xff; }
  uint16_t authority() const { return static_cast<uint16_t>(word >> 16); }
};

// What only the score reads, for eligible households: 12 bytes. (The key is
// a column of its own, read only for households entering the top k.)
inline constexpr uint16_t kUnknownDay16 = 0xffff;
inline constexpr int32_t kMaxDay16 = 0xfffe;  // 2149-06-04
struct HouseholdTraits {
  uint32_t language_set;  // index of their languages in the language pool
  uint32_t heritage_mask;
  uint16_t approved_day;  // kUnknownDay16 if unknown
  uint8_t religion;

  int32_t approved_day_number() const {
    return approved_day == kUnknownDay16 ? -1 : approved_day;
  }
};
static_assert(sizeof(HouseholdTraits) == 12);

// ---- Calendar months -------------------------------------------------------

// A day as (months since year 0, day of the month): enough to count whole
// months between two days with two subtractions.
struct MonthDay {
  int32_t month = 0;  // year * 12 + (month - 1)
  int32_t mday = 1;   // 1..31
};

// The calendar date of a day number (days since 1970-01-01), by the
// proleptic Gregorian civil-from-days algorithm; integers only.
inline MonthDay MonthDayOf(int32_t day) {
  const int64_t z = static_cast<int64_t>(day) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<int32_t>(y * 12 + m - 1), static_cast<int32_t>(d)};
}

// Whole months from `from` to `to`; 0 if `to` is not later.
inline int MonthsElapsed(MonthDay from, MonthDay to) {
  const int n = to.month - from.month - (to.mday < from.mday ? 1 : 0);
  return n > 0 ? n : 0;
}

// ---- A child group
// -----------------------------------------------------------

// One child of a packed group: what the per-child checks and the group's
// aggregates are computed from, in 12 bytes (the index keeps every child so,
// see CandidateIndex's layout).
inline constexpr uint8_t kMemberSexBits = 3;      // SexBit()
inline constexpr uint8_t kMemberHasLanguage = 4;  // `language` is set
struct PackedMember {
  uint32_t need_bits = 0;  // NeedBit()s: one per category with a need
  uint32_t heritage_mask = 0;
  uint8_t age_months = 0;  // on the group's ages_as_of day
  uint8_t religion = 0;
  uint8_t language = 0;  // interned first language, if has_language()
  uint8_t bits = 0;      // SexBit() | kMemberHasLanguage

  uint32_t sex_bit() const { return bits & kMemberSexBits; }
  bool has_language() const { return (bits & kMemberHasLanguage) != 0; }
};
static_assert(sizeof(PackedMember) == 12);

struct ChildProfile {
  uint64_t key = 0;
  uint32_t need_bits = 0;
  uint16_t authority = 0;
  uint8_t region = 0;
  uint8_t size = 0;
  // Youngest and oldest child's age on the ages_as_of day; the age on a
  // query's day adds ElapsedMonths() (the index never stores an age "today",
  // so it stays right as days pass).
  uint8_t min_age_months = 0;
  uint8_t max_age_months = 0;
  uint8_t sexes = 0;  // SexBit()s
  bool waiting = false;
  bool early_permanence_candidate = false;
  // May be placed apart (and has more than one child).
  bool separable = false;
  uint8_t contact_plan = 0;
  int32_t waiting_since_day = -1;
  bool ages_move = false;  // false: ages_as_of unknown, ages are fixed
  MonthDay ages_as_of;
  RegionSet excluded_regions;
  std::vector<uint16_t> hidden_from;  // sorted interned authority ids
  // Categories with a need, and the group's level (highest child's) in each.
  uint8_t need_category_count = 0;
  std::array<uint8_t, kNeedCategoryCount> need_categories{};
  std::array<uint8_t, kNeedCategoryCount> need_levels{};
  // Heritage of the children whose heritage is recorded.
  uint8_t heritage_count = 0;
  std::array<uint32_t, kMaxGroupSize> heritage{};
  RegionSet religions;    // non-zero religion codes of the children
  LanguageSet languages;  // interned first languages of the children
  // Every child, in the profile's order (the first `member_count`).
  uint8_t member_count = 0;
  std::array<PackedMember, kMaxGroupSize> members{};

  bool HiddenFrom(uint16_t authority_id) const {
    return std::binary_search(hidden_from.begin(), hidden_from.end(),
                              authority_id);
  }
  uint32_t AllMembers() const { return (1u << member_count) - 1; }
};

// Months between the group's ages_as_of and `today`, added to every stored
// age; 0 when the ages are fixed.
inline int ElapsedMonths(const ChildProfile& c, MonthDay today) {
  return c.ages_move ? MonthsElapsed(c.ages_as_of, today) : 0;
}

// Sets the group aggregates (size, ages, sexes, needs, heritage, religions,
// languages) of `p` from the members in `mask` (bit i = members[i]).
inline void AggregateMembers(ChildProfile& p, uint32_t mask) {
  p.size = 0;
  p.sexes = 0;
  p.need_bits = 0;
  p.heritage_count = 0;
  p.religions = RegionSet{};
  p.languages = LanguageSet{};
  int youngest = 255, oldest = 0;
  for (int i = 0; i < p.member_count; ++i) {
    if (((mask >> i) & 1) == 0) continue;
    const PackedMember& m = p.members[i];
    ++p.size;
    youngest = std::min<int>(youngest, m.age_months);
    oldest = std::max<int>(oldest, m.age_months);
    p.sexes |= m.sex_bit();
    p.need_bits |= m.need_bits;
    if (m.heritage_mask != 0) p.heritage[p.heritage_count++] = m.heritage_mask;
    if (m.religion != 0) p.religions.Set(m.religion);
    if (m.has_language()) p.languages.Set(m.language);
  }
  p.min_age_months = static_cast<uint8_t>(youngest);
  p.max_age_months = static_cast<uint8_t>(oldest);
  // The group's level per category: the highest level bit set.
  p.need_category_count = 0;
  for (int c = 0; c < kNeedCategoryCount; ++c) {
    const uint32_t bits = (p.need_bits >> (3 * c)) & 7u;
    if (bits == 0) continue;
    p.need_categories[p.need_category_count] = static_cast<uint8_t>(c);
    p.need_levels[p.need_category_count] =
        static_cast<uint8_t>(std::bit_width(bits));
    ++p.need_category_count;
  }
}

// A ranked entry during top-k selection.
struct RankPick {
  int score;
  uint64_t key;
  uint32_t slot;
  // The children the candidate could take when the group is placed apart
  // (kPartial set); 0 for the whole group.
  uint32_t taken;
};
inline constexpr uint32_t kPartial = uint32_t{1} << 31;

// Bits of the constraint failure masks: 1 << Constraint.
inline constexpr uint32_t Bit(Constraint c) {
  return uint32_t{1} << static_cast<int>(c);
}

// The first six constraints read only the gate and tolerance words ("simple"
// constraints, checked by the vectorised kernel); the last four need lookups.
// `elapsed` is ElapsedMonths() on the query's day.
inline uint32_t SimpleFailures(const ChildProfile& c, int elapsed, Gate g,
                               uint32_t tolerance) {
  uint32_t f = 0;
  f |= static_cast<uint32_t>(!g.available());
  f |= static_cast<uint32_t>(g.authority_withdrawn()) << 1;
  f |= static_cast<uint32_t>(g.approved_for() < c.size) << 2;
  f |= static_cast<uint32_t>(c.min_age_months + elapsed < g.min_age() ||
                             c.max_age_months + elapsed > g.max_age())
       << 3;
  f |= static_cast<uint32_t>((c.need_bits & ~tolerance) != 0) << 4;
  f |= static_cast<uint32_t>((c.sexes & ~g.sexes_allowed()) != 0) << 5;
  return f;
}
// The children of `c` who each pass the household's age range (on the
// query's day), needs and sex preference, as a mask over c.members.
inline uint32_t FittingMembers(const ChildProfile& c, int elapsed, Gate g,
                               uint32_t tolerance) {
  uint32_t mask = 0;
  const uint32_t sexes = g.sexes_allowed();
  for (int i = 0; i < c.member_count; ++i) {
    const PackedMember& m = c.members[i];
    const int age = m.age_months + elapsed;
    const bool fits = age >= g.min_age() && age <= g.max_age() &&
                      (m.need_bits & ~tolerance) == 0 &&
                      (m.sex_bit() & ~sexes) == 0;
    mask |= static_cast<uint32_t>(fits) << i;
  }
  return mask;
}

// The first `n` children of `mask`, in the profile's order.
inline uint32_t FirstMembers(uint32_t mask, int n) {
  uint32_t out = 0;
  for (; mask != 0 && n > 0; --n) {
    const uint32_t lowest = mask & (~mask + 1);
    out |= lowest;
    mask &= mask - 1;
  }
  return out;
}

inline uint32_t LookupFailures(const ChildProfile& c, Place p,
                               const RegionSet& household_excluded, bool hidden,
                               int max_open_links) {
  uint32_t f = 0;
  f |= static_cast<uint32_t>(c.excluded_regions.Test(p.region())) << 6;
  f |= static_cast<uint32_t>(household_excluded.Test(c.region)) << 7;
  f |= static_cast<uint32_t>(hidden) << 8;
  f |= static_cast<uint32_t>(p.open_links() >= max_open_links) << 9;
  return f;
}

// ---- Fit functions (per-mille, integers only; see matcher/policy.h) ----

// sum over the group's need categories of max(0, 1 + limit - level).
inline int NeedsMarginSum(const ChildProfile& c, uint32_t tolerance) {
  int sum = 0;
  for (int i = 0; i < c.need_category_count; ++i) {
    const int limit = ToleranceLimit(tolerance, c.need_categories[i]);
    sum += std::max(0, 1 + limit - c.need_levels[i]);
  }
  return sum;
}
inline int NeedsFitFromSum(int category_count, int sum) {
  if (category_count == 0) return 1000;
  return sum * 1000 / (3 * category_count);
}
inline int NeedsFit(const ChildProfile& c, uint32_t tolerance) {
  return NeedsFitFromSum(c.need_category_count, NeedsMarginSum(c, tolerance));
}

// floor(x / span) for 0 <= x <= 500 * 216 and 1 <= span <= 216, by
// multiplication with ceil(2^32 / span): exact because x * (error < span)
// < 2^32.
struct AgeReciprocals {
  std::array<uint64_t, kMaxAgeMonths + 1> m{};
  constexpr AgeReciprocals() {
    for (uint64_t s = 1; s <= kMaxAgeMonths; ++s)
      m[s] = ((uint64_t{1} << 32) + s - 1) / s;
  }
};
inline constexpr AgeReciprocals kAgeReciprocals;

// How central the youngest and oldest children are in [lo, hi], worst of the
// two: 1000 - 500 * |2*age - lo - hi| / (hi - lo); 0 if either is outside.
inline int AgeFit(int youngest, int oldest, int lo, int hi) {
  if (youngest < lo || oldest > hi) return 0;
  if (hi == lo) return 1000;
  const int d = std::max(std::abs(2 * youngest - lo - hi),
                         std::abs(2 * oldest - lo - hi));
  const uint64_t x = static_cast<uint64_t>(500 * d);
  return 1000 - static_cast<int>((x * kAgeReciprocals.m[hi - lo]) >> 32);
}

inline int CapacityFit(int group_size, int approved_for) {
  const int spare = approved_for - group_size;
  if (spare < 0) return 0;
  return 1000 / (1 + spare);
}

// Days waited to `as_of_day`, 0..365; unknown or future dates count 0.
inline int WaitedDaysCapped(int32_t since_day, int32_t as_of_day) {
  if (since_day < 0 || as_of_day < since_day) return 0;
  return std::min<int32_t>(as_of_day - since_day, 365);
}
inline int WaitingFit(int household_days_capped, int child_days_capped) {
  return (household_days_capped + child_days_capped) * 1000 / 730;
}

inline int EarlyPermanenceFit(bool candidate, bool dual_approved) {
  return (!candidate || dual_approved) ? 1000 : 0;
}

inline int ContactFit(int plan, int max_contact) {
  return max_contact >= plan ? 1000 : 0;
}

// The identity fit (policy.h): 500 when every child with a recorded
// heritage (`recorded`) shares it with the household, 250 when some
// (`shared`) do; 250 for a shared religion; 250 for a shared language.
inline int IdentityPoints(int recorded, int shared, bool shares_religion,
                          bool shares_language) {
  int fit = 0;
  if (recorded > 0 && shared == recorded) {
    fit += 500;
  } else if (shared > 0) {
    fit += 250;
  }
  if (shares_religion) fit += 250;
  if (shares_language) fit += 250;
  return fit;
}

// The identity fit from the household's side: its heritage mask, and
// whether it shares a religion and a language with the children.
inline int IdentityFitOf(const ChildProfile& c, uint32_t heritage_mask,
                         bool shares_religion, bool shares_language) {
  int shared = 0;
  for (int i = 0; i < c.heritage_count; ++i)
    shared += (c.heritage[i] & heritage_mask) != 0;
  return IdentityPoints(c.heritage_count, shared, shares_religion,
                        shares_language);
}

// `household_languages` is the household's set (t.language_set in the pool).
inline int IdentityFit(const ChildProfile& c, const HouseholdTraits& t,
                       const LanguageSet& household_languages) {
  return IdentityFitOf(c, t.heritage_mask,
                       t.religion != 0 && c.religions.Test(t.religion),
                       c.languages.Intersects(household_languages));
}

inline int LocalityFit(bool same_authority, AuthorityKind household_kind) {
  if (same_authority) return 1000;
  return household_kind == AuthorityKind::kVoluntaryAdoptionAgency ? 0 : 500;
}

// floor(n / d) by multiplication, exact for 0 <= n < 2^20 and 1 <= d < 2^13
// (the score's numerator is at most 8 * 100 * 1000 + 4000).
class ExactDivider {
 public:
  explicit ExactDivider(uint32_t d)
      : multiplier_(((uint64_t{1} << 40) + d - 1) / d) {}
  uint32_t Divide(uint32_t n) const {
    return static_cast<uint32_t>((n * multiplier_) >> 40);
  }

 private:
  uint64_t multiplier_;
};

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_PACKED_H_
