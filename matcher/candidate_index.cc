#include "matcher/candidate_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/check.h"
#include "matcher/internal/explain.h"
#include "matcher/internal/filter_kernel.h"
#include "matcher/internal/packed.h"
#include "matcher/reasons.h"

namespace raa::matcher {
namespace {

// Whether `interner` can take a record's names, `first` (unless empty) and
// `rest` (Interner::Fits). The list is built only near the interner's
// capacity: an upsert usually allocates nothing for its names.
template <typename Rest>
bool FitsNames(const internal::Interner& interner, absl::string_view first,
               const Rest& rest) {
  if (interner.HasRoomFor(1 + std::size(rest))) return true;
  std::vector<absl::string_view> names;
  if (!first.empty()) names.push_back(first);
  names.insert(names.end(), std::begin(rest), std::end(rest));
  return interner.Fits(names);
}

// The first languages of a group's children, on the stack.
struct GroupLanguages {
  std::array<absl::string_view, internal::kMaxGroupSize> names;
  size_t count = 0;

  void Add(absl::string_view name) {
    if (name.empty()) return;
    RAA_CHECK(count < names.size()) << "more than kMaxGroupSize children";
    names[count++] = name;
  }
  std::span<const absl::string_view> span() const {
    return {names.data(), count};
  }
};

using internal::Bit;
using internal::ChildProfile;
using internal::HouseholdTraits;
using internal::RegionSet;

constexpr int kMaxLimit = 10000;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(what);
}

absl::Status CheckOptions(const MatchingPolicy& policy,
                          const CandidateIndex::RankOptions& options) {
  if (absl::Status s = ValidatePolicy(policy); !s.ok()) return s;
  if (options.limit < 1 || options.limit > kMaxLimit) {
    return Invalid(
        absl::StrCat("limit must be 1..", kMaxLimit, ", got ", options.limit));
  }
  if (options.min_score < 0 || options.min_score > 100) {
    return Invalid(
        absl::StrCat("min_score must be 0..100, got ", options.min_score));
  }
  if (options.as_of_day < 0) {
    return Invalid(
        absl::StrCat("as_of_day must be >= 0, got ", options.as_of_day));
  }
  return absl::OkStatus();
}

// The index's tables are full: refused naming the record's fields. With
// regions and languages validated against lists no longer than the tables
// (see the header), this is reached only by values from an old database.
absl::Status RegionsFull(absl::string_view fields) {
  return Invalid(absl::StrCat(
      fields, ": the matching index already holds ", internal::kMaxRegions,
      " different regions, its limit; use a region other records use"));
}
absl::Status LanguagesFull(absl::string_view fields) {
  return Invalid(absl::StrCat(
      fields, ": the matching index already holds ", internal::kMaxLanguages,
      " different languages, its limit; use a language other records use"));
}

// The names of the ids in `set`, sorted (ids depend on history; names do not).
std::vector<std::string> SortedNames(const internal::Interner& interner,
                                     const internal::IdSet& set) {
  std::vector<std::string> names;
  for (int w = 0; w < 4; ++w) {
    for (uint64_t bits = set.words[w]; bits != 0; bits &= bits - 1) {
      names.push_back(interner.Name(64 * w + std::countr_zero(bits)));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool ValidNeeds(const NeedLevels& levels) {
  for (NeedLevel l : levels) {
    if (static_cast<int>(l) > 3) return false;
  }
  return true;
}

using Pick = internal::RankPick;
using internal::kPartial;
// Better-first order: higher score, then lower key.
inline bool Better(const Pick& a, const Pick& b) {
  return a.score != b.score ? a.score > b.score : a.key < b.key;
}
// The same as a type, so the heap's comparisons are inlined.
struct BetterPick {
  bool operator()(const Pick& a, const Pick& b) const { return Better(a, b); }
};

// Keeps the best `limit` picks. The heap's front is the worst kept pick.
class TopK {
 public:
  explicit TopK(int limit) : limit_(static_cast<size_t>(limit)) {
    picks_.reserve(limit_);
  }
  // The worst score kept once full (a pick must at least equal it), else -1.
  int Floor() const {
    return picks_.size() < limit_ ? -1 : picks_.front().score;
  }
  void Offer(const Pick& p) {
    if (picks_.size() < limit_) {
      picks_.push_back(p);
      std::push_heap(picks_.begin(), picks_.end(), BetterPick{});
    } else if (Better(p, picks_.front())) {
      ReplaceWorst(p);
    }
  }
  // Whether a pick with this score could still enter.
  bool MayEnter(int score) const {
    return picks_.size() < limit_ || score >= picks_.front().score;
  }
  std::vector<Pick> TakeBestFirst() {
    std::sort_heap(picks_.begin(), picks_.end(), BetterPick{});
    return std::move(picks_);
  }

 private:
  // Puts `p` in the worst pick's place and sifts it down to where it
  // belongs: one pass instead of a pop and a push.
  void ReplaceWorst(const Pick& p) {
    const size_t n = picks_.size();
    size_t i = 0;
    for (size_t child = 1; child < n; child = 2 * i + 1) {
      if (child + 1 < n && Better(picks_[child], picks_[child + 1])) ++child;
      if (!Better(p, picks_[child])) break;
      picks_[i] = picks_[child];
      i = child;
    }
    picks_[i] = p;
  }

  size_t limit_;
  std::vector<Pick> picks_;
};

int WeightSum(const MatchingPolicy& policy) {
  int total = 0;
  for (int w : policy.weights) total += w;
  return total;
}

// round(sum(w * fit) / sum(w) / 10).
int ScoreOf(const MatchingPolicy& policy,
            const std::array<int, kComponentCount>& fits) {
  const int wsum = WeightSum(policy);
  int total = 0;
  for (int i = 0; i < kComponentCount; ++i)
    total += policy.weights[i] * fits[i];
  return (total + 5 * wsum) / (10 * wsum);
}

// Needs result.considered, eligible and excluded set.
void FillExclusions(SearchSide side, int n, RankResult& result) {
  result.excluded_total = 0;
  for (int i = 0; i < kConstraintCount; ++i) {
    const int count = result.excluded[i];
    RAA_CHECK(count >= 0) << "constraint " << i << " excluded " << count;
    result.excluded_total += count;
    if (count == 0) continue;
    const auto c = static_cast<Constraint>(i);
    result.exclusions.push_back({c, count, ExclusionReason(c, side, count, n)});
  }
  // Every candidate considered is either eligible or excluded under exactly
  // one constraint (its first failure): the explanation's counts add up.
  RAA_CHECK(result.excluded_total == result.considered - result.eligible)
      << result.excluded_total << " excluded, " << result.considered
      << " considered, " << result.eligible << " eligible";
}

}  // namespace

CandidateIndex::CandidateIndex() = default;

// ---------------------------------------------------------------------------
// Authorities

absl::Status CandidateIndex::UpsertAuthority(const Authority& authority) {
  if (authority.id.empty()) return Invalid("authority id is required");
  if (static_cast<int>(authority.kind) > 2) {
    return Invalid(absl::StrCat("authority ", authority.id, ": bad kind ",
                                static_cast<int>(authority.kind)));
  }
  auto it = authority_ids_.find(authority.id);
  uint16_t id;
  if (it == authority_ids_.end()) {
    if (authorities_.size() >= internal::kMaxAuthorities) {
      return Invalid("too many authorities");
    }
    id = static_cast<uint16_t>(authorities_.size());
    authorities_.emplace_back();
    authority_ids_.emplace(authority.id, id);
  } else {
    id = it->second;
  }
  AuthorityEntry& e = authorities_[id];
  const bool status_changed = e.withdrawn != authority.withdrawn;
  e.id = authority.id;
  e.kind = authority.kind;
  e.withdrawn = authority.withdrawn;
  e.known = true;
  if (status_changed) {
    // Rare (an authority leaves or rejoins): rewrite its households' gates.
    for (size_t i = 0; i < gates_.size(); ++i) {
      if (PlaceAt(i).authority() != id) continue;
      gates_[i] = authority.withdrawn
                      ? gates_[i] | internal::kGateAuthorityWithdrawn
                      : gates_[i] & ~internal::kGateAuthorityWithdrawn;
    }
    SummariseAll();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Validation

absl::Status CandidateIndex::CheckHousehold(const Household& h) const {
  // Messages name the field, not the key: the caller knows the record.
  const std::string who;
  auto a = authority_ids_.find(h.authority);
  if (a == authority_ids_.end() || !authorities_[a->second].known) {
    return Invalid(absl::StrCat(who, "unknown authority '", h.authority, "'"));
  }
  if (h.approved_for < 1 || h.approved_for > internal::kMaxApprovedFor) {
    return Invalid(absl::StrCat(who, "approved_for must be 1..",
                                internal::kMaxApprovedFor, ", got ",
                                h.approved_for));
  }
  if (h.min_age_months < 0 || h.min_age_months > h.max_age_months ||
      h.max_age_months > internal::kMaxAgeMonths) {
    return Invalid(absl::StrCat(
        who,
        "age range must satisfy 0 <= min <= max <= ", internal::kMaxAgeMonths,
        " months, got ", h.min_age_months, "..", h.max_age_months));
  }
  if (static_cast<int>(h.sex_preference) > 2) {
    return Invalid(absl::StrCat(who, "bad sex_preference"));
  }
  if (static_cast<int>(h.max_contact) > 2) {
    return Invalid(absl::StrCat(who, "bad max_contact"));
  }
  if (!ValidNeeds(h.max_need)) {
    return Invalid(absl::StrCat(who, "bad max_need level"));
  }
  if (h.approved_day < -1 || h.approved_day > internal::kMaxDay16) {
    return Invalid(absl::StrCat(who, "approved_day must be -1..",
                                internal::kMaxDay16, ", got ", h.approved_day));
  }
  if (h.region.empty()) return Invalid(absl::StrCat(who, "region is required"));
  for (const std::string& r : h.excluded_regions) {
    if (r.empty()) return Invalid(absl::StrCat(who, "empty excluded region"));
  }
  if (!FitsNames(regions_, h.region, h.excluded_regions)) {
    return RegionsFull("region, excluded_regions");
  }
  for (const std::string& l : h.languages) {
    if (l.empty()) return Invalid(absl::StrCat(who, "empty language"));
  }
  if (!FitsNames(languages_, "", h.languages)) {
    return LanguagesFull("languages");
  }
  return absl::OkStatus();
}

absl::Status CandidateIndex::CheckChild(const ChildGroup& g) const {
  const std::string who;
  auto a = authority_ids_.find(g.authority);
  if (a == authority_ids_.end() || !authorities_[a->second].known) {
    return Invalid(absl::StrCat(who, "unknown authority '", g.authority, "'"));
  }
  if (g.members.empty() ||
      g.members.size() > static_cast<size_t>(internal::kMaxGroupSize)) {
    return Invalid(absl::StrCat(who, "a group has 1..", internal::kMaxGroupSize,
                                " children, got ", g.members.size()));
  }
  GroupLanguages languages;
  for (const ChildMember& m : g.members) {
    if (m.age_months < 0 || m.age_months > internal::kMaxAgeMonths) {
      return Invalid(absl::StrCat(who, "age must be 0..",
                                  internal::kMaxAgeMonths, " months, got ",
                                  m.age_months));
    }
    if (static_cast<int>(m.sex) > 1)
      return Invalid(absl::StrCat(who, "bad sex"));
    if (!ValidNeeds(m.needs)) {
      return Invalid(absl::StrCat(who, "bad need level"));
    }
    languages.Add(m.first_language);
  }
  if (static_cast<int>(g.contact_plan) > 2) {
    return Invalid(absl::StrCat(who, "bad contact_plan"));
  }
  if (g.waiting_since_day < -1) {
    return Invalid(absl::StrCat(who, "waiting_since_day must be >= -1"));
  }
  if (g.ages_as_of_day < -1) {
    return Invalid(absl::StrCat(who, "ages_as_of_day must be >= -1"));
  }
  if (g.region.empty()) return Invalid(absl::StrCat(who, "region is required"));
  for (const std::string& r : g.excluded_regions) {
    if (r.empty()) return Invalid(absl::StrCat(who, "empty excluded region"));
  }
  if (!FitsNames(regions_, g.region, g.excluded_regions)) {
    return RegionsFull("region, excluded_regions");
  }
  if (!languages_.Fits(languages.span())) {
    return LanguagesFull("members.first_language");
  }
  size_t new_authorities = 0;
  for (const std::string& id : g.hidden_from) {
    if (id.empty()) return Invalid(absl::StrCat(who, "empty hidden_from id"));
    if (!authority_ids_.contains(id)) ++new_authorities;
  }
  if (authorities_.size() + new_authorities > internal::kMaxAuthorities) {
    return Invalid(absl::StrCat(who, "too many authorities"));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Households

uint32_t CandidateIndex::AcquireRegion(absl::string_view name) {
  return static_cast<uint32_t>(regions_.Acquire(name));
}

namespace {

// One use of each distinct name of `names` from `interner`: a name seen
// before in the list gives its use back at once (its id is in the set).
template <typename Names>
internal::IdSet AcquireEach(internal::Interner& interner, const Names& names) {
  internal::IdSet set;
  for (absl::string_view n : names) {
    const uint32_t id = static_cast<uint32_t>(interner.Acquire(n));
    if (set.Test(id)) {
      interner.Release(static_cast<int>(id));
    } else {
      set.Set(id);
    }
  }
  return set;
}

}  // namespace

void CandidateIndex::ReleaseEach(internal::Interner& interner,
                                 const internal::IdSet& set) {
  for (int w = 0; w < 4; ++w) {
    for (uint64_t bits = set.words[w]; bits != 0; bits &= bits - 1) {
      interner.Release(64 * w + std::countr_zero(bits));
    }
  }
}

void CandidateIndex::ReleaseHouseholdNames(size_t slot) {
  regions_.Release(static_cast<int>(PlaceAt(slot).region()));
  ReleaseEach(regions_, excluded_pool_.Get(excluded_sets_[slot]));
  excluded_pool_.Release(excluded_sets_[slot]);
  ReleaseEach(languages_, language_pool_.Get(traits_[slot].language_set));
  language_pool_.Release(traits_[slot].language_set);
}

void CandidateIndex::ReleaseChild(size_t slot) {
  const internal::ChildRow& r = child_rows_[slot];
  const internal::PackedMember* members =
      child_members_.at(child_details_[slot].members);
  regions_.Release(static_cast<int>(r.region()));
  ReleaseEach(regions_, child_excluded_pool_.Get(r.excluded_set));
  child_excluded_pool_.Release(r.excluded_set);
  internal::LanguageSet languages;  // one use of each distinct language
  for (int i = 0; i < r.size(); ++i) {
    if (members[i].has_language()) languages.Set(members[i].language);
  }
  ReleaseEach(languages_, languages);
  child_members_.Free(child_details_[slot].members, r.size());
  if (r.hidden()) child_hidden_from_.erase(r.key);
}

absl::Status CandidateIndex::CheckAll(
    const std::vector<Household>& households,
    const std::vector<ChildGroup>& children) const {
  std::vector<absl::string_view> regions;
  std::vector<absl::string_view> languages;
  for (const Household& h : households) {
    if (absl::Status s = CheckHousehold(h); !s.ok()) return s;
    regions.push_back(h.region);
    regions.insert(regions.end(), h.excluded_regions.begin(),
                   h.excluded_regions.end());
    languages.insert(languages.end(), h.languages.begin(), h.languages.end());
  }
  for (const ChildGroup& g : children) {
    if (absl::Status s = CheckChild(g); !s.ok()) return s;
    regions.push_back(g.region);
    regions.insert(regions.end(), g.excluded_regions.begin(),
                   g.excluded_regions.end());
    for (const ChildMember& m : g.members) {
      if (!m.first_language.empty()) languages.push_back(m.first_language);
    }
  }
  if (!regions_.Fits(regions)) return RegionsFull("region, excluded_regions");
  if (!languages_.Fits(languages)) return LanguagesFull("languages");
  return absl::OkStatus();
}

absl::Status CandidateIndex::UpsertHousehold(const Household& h) {
  if (absl::Status s = CheckHousehold(h); !s.ok()) return s;

  const uint16_t authority = authority_ids_.at(h.authority);
  uint32_t gate = h.available ? internal::kGateAvailable : 0;
  if (authorities_[authority].withdrawn) {
    gate |= internal::kGateAuthorityWithdrawn;
  }
  uint32_t sexes = 0;
  if (h.sex_preference != SexPreference::kMale) {
    sexes |= internal::SexBit(Sex::kFemale);
  }
  if (h.sex_preference != SexPreference::kFemale) {
    sexes |= internal::SexBit(Sex::kMale);
  }
  gate |= sexes << internal::kGateSexShift;
  if (h.dual_approved) gate |= internal::kGateDualApproved;
  gate |= static_cast<uint32_t>(h.max_contact) << internal::kGateContactShift;
  gate |= static_cast<uint32_t>(h.approved_for) << 8;
  gate |= static_cast<uint32_t>(h.min_age_months) << 16;
  gate |= static_cast<uint32_t>(h.max_age_months) << 24;

  const uint32_t tolerance = internal::ToleranceBits(h.max_need);
  // The new names are acquired before the old record's are released, so a
  // name both use keeps its id.
  const uint32_t region = AcquireRegion(h.region);
  const uint32_t links = static_cast<uint32_t>(std::min(OpenLinks(h.key), 255));
  const uint32_t place =
      region | (links << 8) | (static_cast<uint32_t>(authority) << 16);
  const uint32_t excluded_set =
      excluded_pool_.Acquire(AcquireEach(regions_, h.excluded_regions));

  HouseholdTraits t{};
  t.language_set = language_pool_.Acquire(AcquireEach(languages_, h.languages));
  t.heritage_mask = h.heritage_mask;
  t.approved_day = h.approved_day < 0 ? internal::kUnknownDay16
                                      : static_cast<uint16_t>(h.approved_day);
  t.religion = h.religion;

  auto [it, inserted] =
      household_slots_.try_emplace(h.key, static_cast<uint32_t>(gates_.size()));
  if (inserted) {
    gates_.push_back(gate);
    tolerances_.push_back(tolerance);
    places_.push_back(place);
    excluded_sets_.push_back(excluded_set);
    traits_.push_back(t);
    keys_.push_back(h.key);
    AddToBlock(gates_.size() - 1);
  } else {
    const uint32_t slot = it->second;
    ReleaseHouseholdNames(slot);
    gates_[slot] = gate;
    tolerances_[slot] = tolerance;
    places_[slot] = place;
    excluded_sets_[slot] = excluded_set;
    traits_[slot] = t;
    SummariseBlock(slot / internal::kFilterBlock);
  }
  return absl::OkStatus();
}

void CandidateIndex::RemoveHousehold(uint64_t key) {
  auto it = household_slots_.find(key);
  if (it == household_slots_.end()) return;
  const uint32_t slot = it->second;
  const uint32_t last = static_cast<uint32_t>(gates_.size() - 1);
  ReleaseHouseholdNames(slot);
  household_slots_.erase(it);
  if (slot != last) {
    gates_[slot] = gates_[last];
    tolerances_[slot] = tolerances_[last];
    places_[slot] = places_[last];
    excluded_sets_[slot] = excluded_sets_[last];
    traits_[slot] = traits_[last];
    keys_[slot] = keys_[last];
    household_slots_[keys_[slot]] = slot;
  }
  gates_.pop_back();
  tolerances_.pop_back();
  places_.pop_back();
  excluded_sets_.pop_back();
  traits_.pop_back();
  keys_.pop_back();
  // The hole's block changed; the last block lost a household (and is gone
  // when it held only that one).
  blocks_.resize((gates_.size() + internal::kFilterBlock - 1) /
                 internal::kFilterBlock);
  if (slot < gates_.size()) SummariseBlock(slot / internal::kFilterBlock);
  if (!blocks_.empty()) SummariseBlock(blocks_.size() - 1);
}

void CandidateIndex::AddToBlock(size_t slot) {
  const size_t block = slot / internal::kFilterBlock;
  if (blocks_.size() <= block) blocks_.resize(block + 1);
  blocks_[block].Add(GateAt(slot), tolerances_[slot], PlaceAt(slot),
                     excluded_pool_.Get(excluded_sets_[slot]), traits_[slot],
                     language_pool_.Get(traits_[slot].language_set));
}

void CandidateIndex::SummariseBlock(size_t block) {
  if (block >= blocks_.size()) return;
  blocks_[block] = internal::BlockSummary{};
  const size_t begin = block * internal::kFilterBlock;
  const size_t end = std::min(gates_.size(), begin + internal::kFilterBlock);
  for (size_t i = begin; i < end; ++i) AddToBlock(i);
}

void CandidateIndex::SummariseAll() {
  blocks_.assign(
      (gates_.size() + internal::kFilterBlock - 1) / internal::kFilterBlock,
      internal::BlockSummary{});
  for (size_t i = 0; i < gates_.size(); ++i) AddToBlock(i);
}

void CandidateIndex::Reorganize() {
  const size_t n = gates_.size();
  // The order: what the search checks first, then what bounds the score.
  // First what the kernel cannot check itself and the block summaries must
  // rule out (a household with open links, an excluded-region set), so that
  // most blocks need no lookup per household; then what bounds the score.
  struct Order {
    uint64_t first;
    uint64_t second;
    uint32_t slot;
    bool operator<(const Order& o) const {
      return first != o.first ? first < o.first : second < o.second;
    }
  };
  std::vector<Order> order(n);
  for (size_t i = 0; i < n; ++i) {
    const internal::Gate g = GateAt(i);
    const uint64_t status = !g.available()            ? 2
                            : g.authority_withdrawn() ? 1
                                                      : 0;
    const uint64_t first =
        (status << 62) | (static_cast<uint64_t>(g.approved_for()) << 58) |
        (static_cast<uint64_t>(PlaceAt(i).open_links() != 0) << 57) |
        std::min<uint64_t>(excluded_sets_[i], uint64_t{1} << 32);
    const uint64_t second =
        (static_cast<uint64_t>(g.max_age()) << 56) |
        (static_cast<uint64_t>(g.min_age()) << 48) |
        (static_cast<uint64_t>(tolerances_[i] & 0x7ffffff) << 16) |
        traits_[i].approved_day;
    order[i] = {first, second, static_cast<uint32_t>(i)};
  }
  std::sort(order.begin(), order.end());
  const auto permute = [&order, n](auto& column) {
    std::remove_reference_t<decltype(column)> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = column[order[i].slot];
    column = std::move(out);
  };
  permute(gates_);
  permute(tolerances_);
  permute(places_);
  permute(excluded_sets_);
  permute(traits_);
  permute(keys_);
  for (size_t i = 0; i < n; ++i) {
    household_slots_[keys_[i]] = static_cast<uint32_t>(i);
  }
  SummariseAll();
}

void CandidateIndex::SetOpenLinks(uint64_t household_key, int open_links) {
  open_links = std::max(open_links, 0);
  if (open_links == 0) {
    open_links_.erase(household_key);
  } else {
    open_links_[household_key] = open_links;
  }
  auto it = household_slots_.find(household_key);
  if (it != household_slots_.end()) {
    const uint32_t saturated = static_cast<uint32_t>(std::min(open_links, 255));
    uint32_t& place = places_[it->second];
    place = (place & ~uint32_t{0xff00}) | (saturated << 8);
    SummariseBlock(it->second / internal::kFilterBlock);
  }
}

int CandidateIndex::OpenLinks(uint64_t household_key) const {
  auto it = open_links_.find(household_key);
  return it == open_links_.end() ? 0 : it->second;
}

Household CandidateIndex::UnpackHousehold(size_t slot) const {
  const internal::Gate g = GateAt(slot);
  const internal::Place p = PlaceAt(slot);
  const HouseholdTraits& t = traits_[slot];
  Household h;
  h.key = keys_[slot];
  h.authority = authorities_[p.authority()].id;
  h.available = g.available();
  h.approved_for = g.approved_for();
  h.min_age_months = g.min_age();
  h.max_age_months = g.max_age();
  switch (g.sexes_allowed()) {
    case internal::SexBit(Sex::kFemale):
      h.sex_preference = SexPreference::kFemale;
      break;
    case internal::SexBit(Sex::kMale):
      h.sex_preference = SexPreference::kMale;
      break;
    default:
      h.sex_preference = SexPreference::kAny;
      break;
  }
  for (int c = 0; c < kNeedCategoryCount; ++c) {
    h.max_need[c] =
        static_cast<NeedLevel>(internal::ToleranceLimit(tolerances_[slot], c));
  }
  h.region = regions_.Name(static_cast<int>(p.region()));
  h.excluded_regions =
      SortedNames(regions_, excluded_pool_.Get(excluded_sets_[slot]));
  h.dual_approved = g.dual_approved();
  h.max_contact = static_cast<ContactPlan>(g.max_contact());
  h.heritage_mask = t.heritage_mask;
  h.religion = t.religion;
  h.languages = SortedNames(languages_, language_pool_.Get(t.language_set));
  h.approved_day = t.approved_day_number();
  return h;
}

std::optional<Household> CandidateIndex::FindHousehold(uint64_t key) const {
  auto it = household_slots_.find(key);
  if (it == household_slots_.end()) return std::nullopt;
  return UnpackHousehold(it->second);
}

namespace {

// A flat_hash_map's table: one control byte plus one slot per bucket.
size_t MapBytes(size_t capacity, size_t slot_size) {
  return capacity * (slot_size + 1);
}

}  // namespace

size_t CandidateIndex::MemoryBytes() const {
  return (gates_.capacity() + tolerances_.capacity() + places_.capacity() +
          excluded_sets_.capacity()) *
             sizeof(uint32_t) +
         traits_.capacity() * sizeof(HouseholdTraits) +
         keys_.capacity() * sizeof(uint64_t) +
         MapBytes(household_slots_.capacity(),
                  sizeof(std::pair<uint64_t, uint32_t>)) +
         (excluded_pool_.capacity() + language_pool_.capacity()) *
             (sizeof(internal::IdSet) + sizeof(int)) +
         MapBytes(excluded_pool_.map_capacity() + language_pool_.map_capacity(),
                  sizeof(std::pair<internal::IdSet, uint32_t>)) +
         MapBytes(open_links_.capacity(), sizeof(std::pair<uint64_t, int>)) +
         blocks_.capacity() * sizeof(internal::BlockSummary);
}

// ---------------------------------------------------------------------------
// Children

ChildProfile CandidateIndex::PackChild(const ChildGroup& g) {
  ChildProfile p;
  p.key = g.key;
  p.authority = authority_ids_.at(g.authority);
  p.region = static_cast<uint8_t>(AcquireRegion(g.region));
  p.size = static_cast<uint8_t>(g.members.size());
  p.waiting = g.waiting;
  p.early_permanence_candidate = g.early_permanence_candidate;
  p.contact_plan = static_cast<uint8_t>(g.contact_plan);
  p.waiting_since_day = g.waiting_since_day;
  p.excluded_regions = AcquireEach(regions_, g.excluded_regions);
  for (const std::string& id : g.hidden_from) {
    auto [it, inserted] = authority_ids_.try_emplace(
        id, static_cast<uint16_t>(authorities_.size()));
    if (inserted) {
      AuthorityEntry placeholder;
      placeholder.id = id;
      authorities_.push_back(std::move(placeholder));
    }
    p.hidden_from.push_back(it->second);
  }
  std::sort(p.hidden_from.begin(), p.hidden_from.end());
  p.hidden_from.erase(std::unique(p.hidden_from.begin(), p.hidden_from.end()),
                      p.hidden_from.end());

  p.separable = g.may_be_placed_apart && g.members.size() > 1;
  p.ages_move = g.ages_as_of_day >= 0;
  if (p.ages_move) p.ages_as_of = internal::MonthDayOf(g.ages_as_of_day);
  p.member_count = static_cast<uint8_t>(g.members.size());
  GroupLanguages languages;
  for (size_t i = 0; i < g.members.size(); ++i) {
    const ChildMember& m = g.members[i];
    internal::PackedMember& out = p.members[i];
    out.age_months = static_cast<uint8_t>(m.age_months);
    out.bits = static_cast<uint8_t>(internal::SexBit(m.sex));
    out.religion = m.religion;
    out.heritage_mask = m.heritage_mask;
    for (int c = 0; c < kNeedCategoryCount; ++c) {
      const int level = static_cast<int>(m.needs[c]);
      if (level > 0) out.need_bits |= internal::NeedBit(c, level);
    }
    languages.Add(m.first_language);
  }
  // One use of each distinct language; each child then records its id.
  p.languages = AcquireEach(languages_, languages.span());
  for (size_t i = 0; i < g.members.size(); ++i) {
    const ChildMember& m = g.members[i];
    if (!m.first_language.empty()) {
      p.members[i].bits |= internal::kMemberHasLanguage;
      p.members[i].language =
          static_cast<uint8_t>(*languages_.Find(m.first_language));
    }
  }
  internal::AggregateMembers(p, p.AllMembers());
  return p;
}

absl::Status CandidateIndex::UpsertChild(const ChildGroup& group) {
  if (absl::Status s = CheckChild(group); !s.ok()) return s;
  // The new names are acquired before the old group's are released, so a
  // name both use keeps its id.
  ChildProfile p = PackChild(group);
  internal::ChildRow row =
      internal::RowOf(p, child_excluded_pool_.Acquire(p.excluded_regions));
  if (group.may_be_placed_apart) row.gate |= internal::kChildPlacedApartAsked;
  auto [it, inserted] = child_slots_.try_emplace(
      group.key, static_cast<uint32_t>(child_rows_.size()));
  const uint32_t slot = it->second;
  if (!inserted) ReleaseChild(slot);
  const internal::ChildDetail detail{
      .members = child_members_.Add(p.members.data(), p.member_count),
      .ages_as_of_day = group.ages_as_of_day,
  };
  if (row.hidden()) {
    p.hidden_from.shrink_to_fit();
    child_hidden_from_[group.key] = std::move(p.hidden_from);
  }
  if (inserted) {
    child_rows_.push_back(row);
    child_details_.push_back(detail);
  } else {
    child_rows_[slot] = row;
    child_details_[slot] = detail;
  }
  return absl::OkStatus();
}

void CandidateIndex::RemoveChild(uint64_t key) {
  auto it = child_slots_.find(key);
  if (it == child_slots_.end()) return;
  const uint32_t slot = it->second;
  const uint32_t last = static_cast<uint32_t>(child_rows_.size() - 1);
  ReleaseChild(slot);
  child_slots_.erase(it);
  if (slot != last) {
    child_rows_[slot] = child_rows_[last];
    child_details_[slot] = child_details_[last];
    child_slots_[child_rows_[slot].key] = slot;
  }
  child_rows_.pop_back();
  child_details_.pop_back();
}

ChildProfile CandidateIndex::ProfileAt(size_t slot) const {
  const internal::ChildRow& r = child_rows_[slot];
  const internal::ChildDetail& d = child_details_[slot];
  ChildProfile p;
  p.key = r.key;
  p.authority = r.authority();
  p.region = static_cast<uint8_t>(r.region());
  p.waiting = r.waiting();
  p.early_permanence_candidate = r.early_permanence_candidate();
  p.separable = r.separable();
  p.contact_plan = static_cast<uint8_t>(r.contact_plan());
  p.waiting_since_day = r.waiting_since_day;
  p.ages_move = d.ages_as_of_day >= 0;
  if (p.ages_move) p.ages_as_of = internal::MonthDayOf(d.ages_as_of_day);
  p.excluded_regions = child_excluded_pool_.Get(r.excluded_set);
  if (r.hidden()) p.hidden_from = child_hidden_from_.at(r.key);
  p.member_count = static_cast<uint8_t>(r.size());
  const internal::PackedMember* members = child_members_.at(d.members);
  std::copy(members, members + r.size(), p.members.begin());
  internal::AggregateMembers(p, p.AllMembers());
  return p;
}

ChildGroup CandidateIndex::GroupAt(size_t slot) const {
  const internal::ChildRow& r = child_rows_[slot];
  const internal::ChildDetail& d = child_details_[slot];
  ChildGroup g;
  g.key = r.key;
  g.authority = authorities_[r.authority()].id;
  g.waiting = r.waiting();
  const internal::PackedMember* members = child_members_.at(d.members);
  g.members.resize(r.size());
  for (int i = 0; i < r.size(); ++i) {
    const internal::PackedMember& m = members[i];
    ChildMember& out = g.members[i];
    out.age_months = m.age_months;
    out.sex = m.sex_bit() == internal::SexBit(Sex::kFemale) ? Sex::kFemale
                                                            : Sex::kMale;
    for (int c = 0; c < kNeedCategoryCount; ++c) {
      // One bit per category: NeedBit(c, level).
      out.needs[c] =
          static_cast<NeedLevel>(std::bit_width((m.need_bits >> (3 * c)) & 7u));
    }
    out.heritage_mask = m.heritage_mask;
    out.religion = m.religion;
    if (m.has_language()) out.first_language = languages_.Name(m.language);
  }
  g.region = regions_.Name(static_cast<int>(r.region()));
  g.excluded_regions =
      SortedNames(regions_, child_excluded_pool_.Get(r.excluded_set));
  if (r.hidden()) {
    for (uint16_t id : child_hidden_from_.at(r.key)) {
      g.hidden_from.push_back(authorities_[id].id);
    }
    std::sort(g.hidden_from.begin(), g.hidden_from.end());
  }
  g.early_permanence_candidate = r.early_permanence_candidate();
  g.contact_plan = static_cast<ContactPlan>(r.contact_plan());
  g.waiting_since_day = r.waiting_since_day;
  g.ages_as_of_day = d.ages_as_of_day;
  g.may_be_placed_apart = r.placed_apart_asked();
  return g;
}

std::optional<ChildGroup> CandidateIndex::FindChild(uint64_t key) const {
  auto it = child_slots_.find(key);
  if (it == child_slots_.end()) return std::nullopt;
  return GroupAt(it->second);
}

size_t CandidateIndex::ChildMemoryBytes() const {
  size_t hidden = MapBytes(child_hidden_from_.capacity(),
                           sizeof(std::pair<uint64_t, std::vector<uint16_t>>));
  for (const auto& [key, ids] : child_hidden_from_) {
    hidden += ids.capacity() * sizeof(uint16_t);
  }
  return child_rows_.capacity() * sizeof(internal::ChildRow) +
         child_details_.capacity() * sizeof(internal::ChildDetail) +
         child_members_.bytes() +
         MapBytes(child_slots_.capacity(),
                  sizeof(std::pair<uint64_t, uint32_t>)) +
         child_excluded_pool_.capacity() *
             (sizeof(internal::IdSet) + sizeof(int)) +
         MapBytes(child_excluded_pool_.map_capacity(),
                  sizeof(std::pair<internal::IdSet, uint32_t>)) +
         hidden;
}

// ---------------------------------------------------------------------------
// Pairs

uint32_t CandidateIndex::PairFailures(const ChildProfile& c, size_t slot,
                                      int max_open_links, int elapsed) const {
  const internal::Place p = PlaceAt(slot);
  uint32_t f =
      internal::SimpleFailures(c, elapsed, GateAt(slot), tolerances_[slot]) |
      internal::LookupFailures(c, p, excluded_pool_.Get(excluded_sets_[slot]),
                               c.HiddenFrom(p.authority()), max_open_links);
  if (!c.waiting) f |= Bit(Constraint::kNotAvailable);
  if (authorities_[c.authority].withdrawn) {
    f |= Bit(Constraint::kAuthorityWithdrawn);
  }
  return f;
}

CandidateIndex::PairOutcome CandidateIndex::EvaluatePair(const ChildProfile& c,
                                                         size_t slot,
                                                         int max_open_links,
                                                         int elapsed) const {
  PairOutcome out;
  out.failures = PairFailures(c, slot, max_open_links, elapsed);
  out.taken = c.AllMembers();
  if (!c.separable) return out;
  // Placed apart: the children the household could take each, up to its
  // approval, in the profile's order.
  constexpr uint32_t kPerChild =
      Bit(Constraint::kCapacity) | Bit(Constraint::kAgeRange) |
      Bit(Constraint::kNeeds) | Bit(Constraint::kSexPreference);
  if ((out.failures & kPerChild) == 0) return out;  // takes them all
  const internal::Gate g = GateAt(slot);
  const uint32_t fitting =
      internal::FittingMembers(c, elapsed, g, tolerances_[slot]);
  const uint32_t taken = internal::FirstMembers(fitting, g.approved_for());
  if (taken == 0) {
    // No child fits on their own: the per-child constraints say why;
    // capacity is not the reason.
    out.failures &= ~Bit(Constraint::kCapacity);
    return out;
  }
  out.failures &= ~kPerChild;
  out.taken = taken;
  out.partial = true;
  return out;
}

ChildProfile CandidateIndex::TakenProfile(const ChildProfile& c,
                                          uint32_t taken) {
  ChildProfile p = c;
  internal::AggregateMembers(p, taken);
  return p;
}

std::array<int, kComponentCount> CandidateIndex::PairFits(const ChildProfile& c,
                                                          size_t slot,
                                                          int32_t as_of_day,
                                                          int elapsed,
                                                          bool partial) const {
  const internal::Gate g = GateAt(slot);
  const internal::Place p = PlaceAt(slot);
  const HouseholdTraits& t = traits_[slot];
  std::array<int, kComponentCount> fits;
  fits[static_cast<int>(Component::kNeedsMargin)] =
      internal::NeedsFit(c, tolerances_[slot]);
  fits[static_cast<int>(Component::kAgeFit)] =
      internal::AgeFit(c.min_age_months + elapsed, c.max_age_months + elapsed,
                       g.min_age(), g.max_age());
  fits[static_cast<int>(Component::kCapacityFit)] =
      partial ? 0 : internal::CapacityFit(c.size, g.approved_for());
  fits[static_cast<int>(Component::kWaiting)] = internal::WaitingFit(
      internal::WaitedDaysCapped(t.approved_day_number(), as_of_day),
      internal::WaitedDaysCapped(c.waiting_since_day, as_of_day));
  fits[static_cast<int>(Component::kEarlyPermanence)] =
      internal::EarlyPermanenceFit(c.early_permanence_candidate,
                                   g.dual_approved());
  fits[static_cast<int>(Component::kContact)] =
      internal::ContactFit(c.contact_plan, g.max_contact());
  fits[static_cast<int>(Component::kIdentity)] =
      internal::IdentityFit(c, t, language_pool_.Get(t.language_set));
  fits[static_cast<int>(Component::kLocality)] = internal::LocalityFit(
      p.authority() == c.authority, authorities_[p.authority()].kind);
  return fits;
}

int CandidateIndex::ScoreOutcome(const ChildProfile& c,
                                 const PairOutcome& outcome, size_t slot,
                                 const MatchingPolicy& policy,
                                 int32_t as_of_day, int elapsed) const {
  if (!outcome.partial) {
    return ScoreOf(policy, PairFits(c, slot, as_of_day, elapsed, false));
  }
  return ScoreOf(policy, PairFits(TakenProfile(c, outcome.taken), slot,
                                  as_of_day, elapsed, true));
}

namespace {

// The group as the reasons describe it: ages on the query's day, and only
// the children the household could take.
ChildGroup GroupOn(const ChildGroup& g, int elapsed, uint32_t taken) {
  ChildGroup out = g;
  out.members.clear();
  for (size_t i = 0; i < g.members.size(); ++i) {
    if (((taken >> i) & 1) == 0) continue;
    ChildMember m = g.members[i];
    m.age_months += elapsed;
    out.members.push_back(std::move(m));
  }
  return out;
}

std::vector<int> MemberIndices(uint32_t mask) {
  std::vector<int> out;
  for (int i = 0; mask != 0; ++i, mask >>= 1) {
    if (mask & 1) out.push_back(i);
  }
  return out;
}

}  // namespace

int CandidateIndex::DescribeScore(
    const ChildGroup& group, const ChildProfile& c, const PairOutcome& outcome,
    size_t slot, const Household& household, const MatchingPolicy& policy,
    int32_t as_of_day,
    std::array<ComponentScore, kComponentCount>& components) const {
  const int elapsed = ElapsedMonths(c, internal::MonthDayOf(as_of_day));
  const ChildProfile taken_profile =
      outcome.partial ? TakenProfile(c, outcome.taken) : ChildProfile{};
  const ChildProfile& scored = outcome.partial ? taken_profile : c;
  const std::array<int, kComponentCount> fits =
      PairFits(scored, slot, as_of_day, elapsed, outcome.partial);
  const int wsum = WeightSum(policy);
  const internal::PairFacts facts{
      .group = group,
      .elapsed_months = elapsed,
      .shown = outcome.taken,
      .partial = outcome.partial,
      .household = household,
      .household_authority_kind = authorities_[PlaceAt(slot).authority()].kind,
      .same_authority = PlaceAt(slot).authority() == c.authority,
      .as_of_day = as_of_day,
  };
  for (int i = 0; i < kComponentCount; ++i) {
    ComponentScore& s = components[i];
    s.component = static_cast<Component>(i);
    s.weight = policy.weights[i];
    s.fit_permille = fits[i];
    internal::ComponentReason(s.component, facts, s.coded);
  }
  const int score = ScoreOf(policy, fits);
  internal::ApportionTenths(score, wsum, components);
  return score;
}

absl::StatusOr<PairExplanation> CandidateIndex::ExplainPair(
    uint64_t child_key, uint64_t household_key, const MatchingPolicy& policy,
    int32_t as_of_day) const {
  if (absl::Status s = ValidatePolicy(policy); !s.ok()) return s;
  if (as_of_day < 0) return Invalid("as_of_day must be >= 0");
  auto c = child_slots_.find(child_key);
  if (c == child_slots_.end()) {
    return absl::NotFoundError(absl::StrCat("no child group ", child_key));
  }
  auto h = household_slots_.find(household_key);
  if (h == household_slots_.end()) {
    return absl::NotFoundError(absl::StrCat("no household ", household_key));
  }
  const ChildProfile profile = ProfileAt(c->second);
  const ChildGroup group = GroupAt(c->second);
  const size_t slot = h->second;
  const Household household = UnpackHousehold(slot);
  const int elapsed = ElapsedMonths(profile, internal::MonthDayOf(as_of_day));
  const PairOutcome outcome =
      EvaluatePair(profile, slot, policy.max_open_links, elapsed);

  PairExplanation out;
  out.policy_version = policy.version;
  out.child_key = child_key;
  out.household_key = household_key;
  out.eligible = outcome.failures == 0;
  if (outcome.partial) out.members = MemberIndices(outcome.taken);
  const ChildGroup shown = GroupOn(group, elapsed, outcome.taken);
  const ChildGroup whole = GroupOn(group, elapsed, profile.AllMembers());
  internal::ConstraintFacts facts{
      .group = shown,
      .household = household,
      .child_authority_withdrawn = authorities_[profile.authority].withdrawn,
      .household_authority_withdrawn =
          authorities_[PlaceAt(slot).authority()].withdrawn,
      .open_links = OpenLinks(household_key),
      .max_open_links = policy.max_open_links,
      .whole_group = whole,
      .taken = out.members,
  };
  for (int i = 0; i < kConstraintCount; ++i) {
    const auto constraint = static_cast<Constraint>(i);
    ConstraintCheck& check = out.constraints[i];
    check.constraint = constraint;
    check.passed = (outcome.failures & Bit(constraint)) == 0;
    check.reason = internal::ConstraintReason(constraint, facts);
  }
  out.score = DescribeScore(group, profile, outcome, slot, household, policy,
                            as_of_day, out.components);
  return out;
}

std::optional<int> CandidateIndex::ScorePair(uint64_t child_key,
                                             uint64_t household_key,
                                             const MatchingPolicy& policy,
                                             int32_t as_of_day) const {
  if (!ValidatePolicy(policy).ok()) return std::nullopt;
  auto c = child_slots_.find(child_key);
  auto h = household_slots_.find(household_key);
  if (c == child_slots_.end() || h == household_slots_.end()) {
    return std::nullopt;
  }
  const ChildProfile profile = ProfileAt(c->second);
  const int elapsed = ElapsedMonths(profile, internal::MonthDayOf(as_of_day));
  const PairOutcome outcome =
      EvaluatePair(profile, h->second, policy.max_open_links, elapsed);
  if (outcome.failures != 0) return std::nullopt;
  return ScoreOutcome(profile, outcome, h->second, policy, as_of_day, elapsed);
}

// ---------------------------------------------------------------------------
// Ranking

// Per-query tables: every component that depends on the child and on one
// small household field becomes a lookup of weighted points.
struct CandidateIndex::HouseholdQuery {
  explicit HouseholdQuery(uint32_t weight_sum)
      : wsum(weight_sum), divide(10 * weight_sum), half(5 * weight_sum) {}

  uint32_t w_age = 0;
  uint32_t w_identity = 0;
  std::vector<uint8_t> hidden;            // by authority
  std::vector<uint32_t> locality_points;  // by authority
  std::array<uint32_t, internal::kMaxApprovedFor + 1> capacity_points{};
  std::array<uint32_t, 8> flag_points{};  // by Gate::flag_index()
  std::array<uint32_t, 3 * kNeedCategoryCount + 1> needs_points{};
  std::array<uint32_t, 366> waiting_points{};  // by household days, capped
  // The most waiting and identity can add (their fits are at most 1000).
  uint32_t best_traits_points = 0;
  uint32_t wsum;
  internal::ExactDivider divide;
  uint32_t half;
  int max_links = 0;
  int min_score = 0;
  int32_t as_of_day = 0;
  internal::SimpleQuery simple{};
  // For the block summaries: the group's side, and the most locality can
  // add in a block holding the group's own authority or not.
  internal::BlockQuery block{};
  uint32_t locality_best = 0;
  uint32_t locality_best_other = 0;
};

absl::StatusOr<size_t> CandidateIndex::RankableChild(
    uint64_t child_key, const MatchingPolicy& policy,
    const RankOptions& options) const {
  if (absl::Status s = CheckOptions(policy, options); !s.ok()) return s;
  auto found = child_slots_.find(child_key);
  if (found == child_slots_.end()) {
    return absl::NotFoundError(absl::StrCat("no child group ", child_key));
  }
  const ChildProfile c = ProfileAt(found->second);
  if (!c.waiting) {
    return absl::FailedPreconditionError(
        absl::StrCat("child group ", child_key, " is not waiting"));
  }
  if (authorities_[c.authority].withdrawn) {
    return absl::FailedPreconditionError(
        absl::StrCat("child group ", child_key, ": authority ",
                     authorities_[c.authority].id, " has withdrawn"));
  }
  return found->second;
}

absl::StatusOr<RankResult> CandidateIndex::RankHouseholds(
    uint64_t child_key, const MatchingPolicy& policy,
    const RankOptions& options, bool explain) const {
  absl::StatusOr<size_t> child_slot = RankableChild(child_key, policy, options);
  if (!child_slot.ok()) return child_slot.status();
  const ChildProfile c = ProfileAt(*child_slot);
  // Ages on the query's day: the stored ages plus the months since they
  // were measured, the same for every child of the group.
  const int elapsed = ElapsedMonths(c, internal::MonthDayOf(options.as_of_day));
  if (c.separable) {
    return RankHouseholdsApart(c, *child_slot, policy, options, explain,
                               elapsed);
  }

  const HouseholdQuery query =
      PrepareHouseholdQuery(c, policy, options, elapsed);
  HouseholdScan scan = ScanHouseholds(c, query, elapsed, options.limit);
  return AssembleHouseholds(c, *child_slot, std::move(scan), policy,
                            options.as_of_day, explain);
}

absl::StatusOr<std::vector<uint64_t>> CandidateIndex::FitHouseholds(
    uint64_t child_key, const MatchingPolicy& policy,
    const RankOptions& options) const {
  absl::StatusOr<size_t> child_slot = RankableChild(child_key, policy, options);
  if (!child_slot.ok()) return child_slot.status();
  const ChildProfile c = ProfileAt(*child_slot);
  const int elapsed = ElapsedMonths(c, internal::MonthDayOf(options.as_of_day));
  std::vector<uint64_t> keys;
  if (c.separable) {
    // A minority of searches, ranked child by child anyway.
    absl::StatusOr<RankResult> r = RankHouseholdsApart(
        c, *child_slot, policy, options, /*explain=*/false, elapsed);
    if (!r.ok()) return r.status();
    keys.reserve(r->candidates.size());
    for (const RankedCandidate& candidate : r->candidates) {
      keys.push_back(candidate.key);
    }
    return keys;
  }
  const HouseholdQuery query =
      PrepareHouseholdQuery(c, policy, options, elapsed);
  const HouseholdScan scan = ScanHouseholds(c, query, elapsed, options.limit);
  keys.reserve(scan.picks.size());
  for (const Pick& p : scan.picks) keys.push_back(p.key);
  return keys;
}

CandidateIndex::HouseholdQuery CandidateIndex::PrepareHouseholdQuery(
    const ChildProfile& c, const MatchingPolicy& policy,
    const RankOptions& options, int elapsed) const {
  const auto weight = [&policy](Component k) {
    return static_cast<uint32_t>(policy.weights[static_cast<int>(k)]);
  };
  HouseholdQuery q(static_cast<uint32_t>(WeightSum(policy)));
  q.w_age = weight(Component::kAgeFit);
  q.w_identity = weight(Component::kIdentity);
  q.hidden.resize(authorities_.size() + 4);  // padded for the kernel
  q.locality_points.resize(authorities_.size());
  for (size_t a = 0; a < authorities_.size(); ++a) {
    q.hidden[a] = c.HiddenFrom(static_cast<uint16_t>(a));
    q.locality_points[a] =
        weight(Component::kLocality) *
        internal::LocalityFit(a == c.authority, authorities_[a].kind);
  }
  for (int n = 0; n <= internal::kMaxApprovedFor; ++n) {
    q.capacity_points[n] =
        weight(Component::kCapacityFit) * internal::CapacityFit(c.size, n);
  }
  for (int bits = 0; bits < 8; ++bits) {
    q.flag_points[bits] =
        weight(Component::kEarlyPermanence) *
            internal::EarlyPermanenceFit(c.early_permanence_candidate,
                                         bits & 1) +
        weight(Component::kContact) *
            internal::ContactFit(c.contact_plan, (bits >> 1) & 3);
  }
  for (int sum = 0; sum <= 3 * kNeedCategoryCount; ++sum) {
    q.needs_points[sum] = weight(Component::kNeedsMargin) *
                          internal::NeedsFitFromSum(c.need_category_count, sum);
  }
  const int child_waited =
      internal::WaitedDaysCapped(c.waiting_since_day, options.as_of_day);
  for (int days = 0; days <= 365; ++days) {
    q.waiting_points[days] =
        weight(Component::kWaiting) * internal::WaitingFit(days, child_waited);
  }
  q.best_traits_points = q.waiting_points[365] + q.w_identity * 1000;
  q.max_links = policy.max_open_links;
  q.min_score = options.min_score;
  q.as_of_day = options.as_of_day;
  q.simple = internal::SimpleQuery{
      .size = c.size,
      .min_age = static_cast<uint32_t>(c.min_age_months + elapsed),
      .max_age = static_cast<uint32_t>(c.max_age_months + elapsed),
      .need_bits = c.need_bits,
      .sex_need = static_cast<uint32_t>(c.sexes) << internal::kGateSexShift,
  };
  q.block.simple = q.simple;
  q.block.youngest = c.min_age_months + elapsed;
  q.block.oldest = c.max_age_months + elapsed;
  q.block.child_excludes = c.excluded_regions;
  q.block.child_region = c.region;
  for (uint16_t a : c.hidden_from) {
    q.block.hidden_authorities |= uint64_t{1} << (a & 63);
  }
  q.block.max_links = policy.max_open_links;
  for (size_t a = 0; a < authorities_.size(); ++a) {
    q.locality_best = std::max(q.locality_best, q.locality_points[a]);
    if (a != c.authority) {
      q.locality_best_other =
          std::max(q.locality_best_other, q.locality_points[a]);
    }
  }
  return q;
}

namespace {

// The most a household of a block summarised by `s` can score, in weighted
// points before the division (see ScanHouseholds' tables); every component
// is bounded from the summary alone.
template <typename Query>
uint32_t BlockBestPoints(const internal::BlockSummary& s, const ChildProfile& c,
                         const Query& q) {
  uint32_t capacity = 0;
  for (int n = s.approved_for_min; n <= s.approved_for_max; ++n) {
    capacity = std::max(capacity, q.capacity_points[n]);
  }
  uint32_t flags = 0;
  for (int bits = 0; bits < 8; ++bits) {
    if ((s.flag_mask >> bits) & 1) flags = std::max(flags, q.flag_points[bits]);
  }
  const int32_t day =
      s.day_min == internal::kUnknownDay16 ? -1 : int32_t{s.day_min};
  const bool own = (s.authorities >> (c.authority & 63)) & 1;
  return q.needs_points[internal::NeedsMarginSum(c, s.tolerance_or)] +
         q.w_age * static_cast<uint32_t>(internal::AgeFitBound(
                       q.block.youngest, q.block.oldest, s.min_age_min,
                       s.min_age_max, s.max_age_min, s.max_age_max)) +
         capacity + flags +
         q.waiting_points[internal::WaitedDaysCapped(day, q.as_of_day)] +
         q.w_identity *
             static_cast<uint32_t>(internal::IdentityFitBound(s, c)) +
         (own ? q.locality_best : q.locality_best_other);
}

// The kernel's score bound for the group (everything but the threshold).
template <typename Query>
internal::ScoreBound BoundOf(const ChildProfile& c, const Query& q) {
  const auto points = [](uint32_t p) { return static_cast<int32_t>(p); };
  internal::ScoreBound b;
  b.own_authority = c.authority;
  b.own_locality = points(q.locality_points[c.authority]);
  b.other_locality = points(q.locality_best_other);
  for (int k = 0; k <= internal::kMaxApprovedFor; ++k) {
    b.capacity[k] = points(q.capacity_points[k]);
  }
  for (int k = 0; k < 8; ++k) b.flags[k] = points(q.flag_points[k]);
  // The margin sum of a household that accepts every need of the group:
  // sum over its categories of 1 + limit - level, the limit being the
  // number of the category's tolerance bits set.
  b.needs_sum_base = c.need_category_count;
  for (int i = 0; i < c.need_category_count; ++i) {
    b.needs_categories |= uint32_t{7} << (3 * c.need_categories[i]);
    b.needs_sum_base -= c.need_levels[i];
  }
  for (int sum = 0; sum < internal::kNeedsSums; ++sum) {
    b.needs[sum] =
        points(q.needs_points[std::min(sum, 3 * kNeedCategoryCount)]);
  }
  b.age_weight = points(q.w_age);
  b.youngest = q.block.youngest;
  b.oldest = q.block.oldest;
  return b;
}

}  // namespace

// The hot loop, block by block in the order of their best possible score:
// a block whose summary decides every household's first failure is counted
// whole; the others go through the vectorised kernel, their survivors
// through the remaining constraints; the eligible are scored from the
// tables only while the block's best could still enter the top k (and
// counted either way), the best `limit` kept. The tables are read through
// locals, as the loop was written.
CandidateIndex::HouseholdScan CandidateIndex::ScanHouseholds(
    const ChildProfile& c, const HouseholdQuery& q, int elapsed,
    int limit) const {
  const uint32_t w_age = q.w_age;
  const uint32_t w_identity = q.w_identity;
  const std::vector<uint8_t>& hidden = q.hidden;
  const std::vector<uint32_t>& locality_points = q.locality_points;
  const auto& capacity_points = q.capacity_points;
  const auto& flag_points = q.flag_points;
  const auto& needs_points = q.needs_points;
  const auto& waiting_points = q.waiting_points;
  const uint32_t best_traits_points = q.best_traits_points;
  const internal::ExactDivider divide = q.divide;
  const uint32_t half = q.half;
  const int max_links = q.max_links;
  const int min_score = q.min_score;
  const int32_t as_of_day = q.as_of_day;
  const internal::SimpleQuery query = q.simple;

  std::array<uint32_t, internal::kKernelCountCount> kernel_excluded{};
  std::array<int, kConstraintCount> excluded{};
  int eligible = 0;
  TopK top(limit);
  alignas(64) uint16_t survivors[internal::kFilterBlock];

  const uint32_t* gates = gates_.data();
  const uint32_t* tolerances = tolerances_.data();
  const uint32_t* places = places_.data();
  const uint32_t* excluded_sets = excluded_sets_.data();
  const HouseholdTraits* traits = traits_.data();
  const uint64_t* keys = keys_.data();
  const RegionSet* pool = excluded_pool_.data();
  const internal::LanguageSet* language_sets = language_pool_.data();
  const size_t n = gates_.size();

  // Blocks counted whole are done here; the others are visited best first.
  struct Visit {
    int best;
    uint32_t block;
    int outcome;  // internal::kAllPass or kMixed
  };
  std::vector<Visit> visits;
  visits.reserve(blocks_.size());
  for (size_t b = 0; b < blocks_.size(); ++b) {
    const size_t base = b * internal::kFilterBlock;
    const uint32_t len = static_cast<uint32_t>(
        std::min<size_t>(internal::kFilterBlock, n - base));
    const int outcome = internal::WholeBlockOutcome(blocks_[b], q.block);
    if (outcome >= 0) {
      kernel_excluded[outcome] += len;
      continue;
    }
    const int best = static_cast<int>(
        divide.Divide(BlockBestPoints(blocks_[b], c, q) + half));
    visits.push_back({best, static_cast<uint32_t>(b), outcome});
  }
  std::sort(visits.begin(), visits.end(), [](const Visit& a, const Visit& b) {
    return a.best != b.best ? a.best > b.best : a.block < b.block;
  });
  // Whether each pooled excluded-region set holds the group's region: one
  // byte per set instead of a 32-byte set per household (a cache miss at
  // 1M), when the pool is small beside the households.
  // Padded for the kernel (see SimpleQuery::excludes); set 0 is no set.
  std::vector<uint8_t> excludes_child;
  if (n >= 16 * excluded_pool_.size()) {
    excludes_child.resize(excluded_pool_.size() + 4);
    for (size_t k = 1; k < excluded_pool_.size(); ++k) {
      excludes_child[k] = pool[k].Test(c.region);
    }
  }
  const uint8_t* excludes =
      excludes_child.empty() ? nullptr : excludes_child.data();
  // The kernel compares each household's region with the group's excluded
  // regions itself when they are few (nearly always).
  std::array<uint32_t, internal::kKernelRegions> kernel_regions = {
      internal::kKernelNever, internal::kKernelNever, internal::kKernelNever,
      internal::kKernelNever};
  int region_count = 0;
  for (uint32_t r = 0; r < internal::kMaxRegions; ++r) {
    if (!c.excluded_regions.Test(r)) continue;
    if (region_count < internal::kKernelRegions)
      kernel_regions[region_count] = r;
    ++region_count;
  }
  const bool kernel_checks_regions = region_count <= internal::kKernelRegions;

  internal::ScoreBound bound = BoundOf(c, q);
  uint32_t last_ages = ~uint32_t{0}, age_points = 0;
  uint32_t last_tolerance = ~uint32_t{0}, need_points = 0;
  for (const Visit& v : visits) {
    const size_t base = size_t{v.block} * internal::kFilterBlock;
    const int len =
        static_cast<int>(std::min<size_t>(internal::kFilterBlock, n - base));
    const bool score = v.best >= min_score && top.MayEnter(v.best);
    // The kernel checks the simple constraints and the lookups the block's
    // summary asks for, unless one of them must be checked per household:
    // more excluded regions of the group than it compares, or household
    // excludes without the table of sets. Then the kernel checks only the
    // simple constraints (and the group's regions if it can) and its
    // survivors go through the others below, in the documented order.
    const uint32_t lookups =
        internal::LookupsToCheck(blocks_[v.block], q.block);
    const bool regions_after =
        (lookups & internal::kLookupRegion) != 0 && !kernel_checks_regions;
    const bool per_household =
        regions_after || ((lookups & internal::kLookupHouseholdExcludes) != 0 &&
                          excludes == nullptr);
    if (v.outcome == internal::kAllPass && lookups == 0 && !score) {
      eligible += len;  // every household eligible, none could enter
      continue;
    }
    internal::SimpleQuery kq = query;
    if ((lookups & internal::kLookupRegion) != 0 && kernel_checks_regions) {
      kq.excluded_regions = kernel_regions;
    }
    if (!per_household) {
      if ((lookups & internal::kLookupHouseholdExcludes) != 0) {
        kq.excludes = excludes;
      }
      if ((lookups & internal::kLookupHidden) != 0) kq.hidden = hidden.data();
      if ((lookups & internal::kLookupLinks) != 0) {
        kq.max_links = static_cast<uint32_t>(max_links);
      }
    }
    // A block to score and count only: the kernel lists only the survivors
    // whose bound could still enter the top k.
    internal::ScoreBound* bound_now = nullptr;
    if (score && !per_household) {
      const int64_t floor = std::max(min_score, top.Floor());
      bound.threshold =
          static_cast<int32_t>(floor * q.wsum * 10 - best_traits_points - half);
      bound_now = &bound;
    }
    const internal::FilterResult filtered = internal::FilterBlock(
        kq, gates + base, tolerances + base, places + base,
        excluded_sets + base, len, kernel_excluded,
        score || per_household ? survivors : nullptr, bound_now);
    const int m = filtered.listed;
    if (!per_household) {
      eligible += filtered.passed;
      if (!score) continue;
    }
    for (int s = 0; s < m; ++s) {
      const size_t i = base + survivors[s];
      const internal::Place p{places[i]};
      if (per_household) {
        const uint32_t set = excluded_sets[i];
        const bool household_excludes =
            set != 0 && (excludes != nullptr ? excludes[set] != 0
                                             : pool[set].Test(c.region));
        const uint32_t failures =
            static_cast<uint32_t>(c.excluded_regions.Test(p.region())) |
            static_cast<uint32_t>(household_excludes) << 1 |
            static_cast<uint32_t>(hidden[p.authority()]) << 2 |
            static_cast<uint32_t>(p.open_links() >= max_links) << 3;
        if (failures != 0) {
          ++excluded[internal::kSimpleConstraintCount +
                     std::countr_zero(failures)];
          continue;
        }
        ++eligible;
        if (!score) continue;
      }
      // The part of the score the columns give; waiting and identity need
      // the traits, read only if their best case could still enter the top k.
      // Reorganize() sorts by age range, then tolerance: neighbours mostly
      // share them, so their points are computed once per run.
      const internal::Gate g{gates[i]};
      if (g.word >> 16 != last_ages) {
        last_ages = g.word >> 16;
        age_points =
            w_age * static_cast<uint32_t>(internal::AgeFit(
                        c.min_age_months + elapsed, c.max_age_months + elapsed,
                        g.min_age(), g.max_age()));
      }
      if (tolerances[i] != last_tolerance) {
        last_tolerance = tolerances[i];
        need_points = needs_points[internal::NeedsMarginSum(c, last_tolerance)];
      }
      uint32_t total = locality_points[p.authority()] +
                       capacity_points[g.approved_for()] +
                       flag_points[g.flag_index()] + need_points + age_points;
      const int best =
          static_cast<int>(divide.Divide(total + best_traits_points + half));
      if (best < min_score || !top.MayEnter(best)) continue;
      const HouseholdTraits& t = traits[i];
      total += waiting_points[internal::WaitedDaysCapped(
          t.approved_day_number(), as_of_day)];
      if (w_identity != 0) {
        total += w_identity * static_cast<uint32_t>(internal::IdentityFit(
                                  c, t, language_sets[t.language_set]));
      }
      const int score_of = static_cast<int>(divide.Divide(total + half));
      if (score_of < min_score || !top.MayEnter(score_of)) continue;
      top.Offer({score_of, keys[i], static_cast<uint32_t>(i), 0});
    }
  }

  // The kernel counts in the order of Constraint.
  static_assert(internal::kKernelCountCount == kConstraintCount);
  for (int k = 0; k < kConstraintCount; ++k) {
    excluded[k] += static_cast<int>(kernel_excluded[k]);
  }
  return {excluded, eligible, top.TakeBestFirst()};
}

RankResult CandidateIndex::AssembleHouseholds(
    const ChildProfile& c, size_t child_slot, HouseholdScan scan,
    const MatchingPolicy& policy, int32_t as_of_day, bool explain) const {
  RankResult result;
  result.policy_version = policy.version;
  result.considered = static_cast<int>(gates_.size());
  result.excluded = scan.excluded;
  result.eligible = scan.eligible;
  FillExclusions(SearchSide::kHouseholds, c.size, result);
  HouseholdCandidates(c, child_slot, scan.picks, policy, as_of_day, explain,
                      result);
  return result;
}

void CandidateIndex::HouseholdCandidates(
    const ChildProfile& c, size_t child_slot,
    const std::vector<internal::RankPick>& picks, const MatchingPolicy& policy,
    int32_t as_of_day, bool explain, RankResult& result) const {
  result.candidates.reserve(picks.size());
  const ChildGroup group =
      explain && !picks.empty() ? GroupAt(child_slot) : ChildGroup{};
  for (const Pick& p : picks) {
    RankedCandidate& out = result.candidates.emplace_back();
    out.key = p.key;
    out.authority_number = PlaceAt(p.slot).authority();
    out.authority = authorities_[out.authority_number].id;
    out.score = p.score;
    const PairOutcome outcome = OutcomeOf(c.AllMembers(), p);
    if (outcome.partial) out.members = MemberIndices(outcome.taken);
    if (!explain) continue;
    const Household household = UnpackHousehold(p.slot);
    const int described = DescribeScore(group, c, outcome, p.slot, household,
                                        policy, as_of_day, out.components);
    // The ranking's score (the fast path's tables) is the explanation's.
    RAA_DCHECK(described == out.score)
        << "household " << p.key << ": ranked " << out.score << ", explained "
        << described;
  }
}

CandidateIndex::PairOutcome CandidateIndex::OutcomeOf(
    uint32_t all_members, const internal::RankPick& p) {
  PairOutcome outcome;
  outcome.partial = (p.taken & kPartial) != 0;
  outcome.taken = outcome.partial ? p.taken & ~kPartial : all_members;
  return outcome;
}

uint32_t CandidateIndex::PickTaken(const PairOutcome& outcome) {
  return outcome.partial ? outcome.taken | kPartial : 0;
}

// A group that may be placed apart: every household is checked child by
// child (EvaluatePair) and scored with PairFits, without the vectorised kernel
// or the per-query point tables. Slower per household than RankHouseholds'
// fast path, but such groups are a minority of searches.
absl::StatusOr<RankResult> CandidateIndex::RankHouseholdsApart(
    const ChildProfile& c, size_t child_slot, const MatchingPolicy& policy,
    const RankOptions& options, bool explain, int elapsed) const {
  RankResult result;
  result.policy_version = policy.version;
  result.considered = static_cast<int>(gates_.size());
  TopK top(options.limit);
  int eligible = 0;
  // Sub-profiles by the mask of children taken, built once per query.
  absl::flat_hash_map<uint32_t, ChildProfile> taken_profiles;
  for (size_t i = 0; i < gates_.size(); ++i) {
    const PairOutcome outcome =
        EvaluatePair(c, i, policy.max_open_links, elapsed);
    if (outcome.failures != 0) {
      ++result.excluded[std::countr_zero(outcome.failures)];
      continue;
    }
    ++eligible;
    const ChildProfile* scored = &c;
    if (outcome.partial) {
      auto [it, inserted] = taken_profiles.try_emplace(outcome.taken);
      if (inserted) it->second = TakenProfile(c, outcome.taken);
      scored = &it->second;
    }
    const int score = ScoreOf(policy, PairFits(*scored, i, options.as_of_day,
                                               elapsed, outcome.partial));
    if (score < options.min_score) continue;
    top.Offer({score, keys_[i], static_cast<uint32_t>(i), PickTaken(outcome)});
  }
  result.eligible = eligible;
  FillExclusions(SearchSide::kHouseholds, c.size, result);
  HouseholdCandidates(c, child_slot, top.TakeBestFirst(), policy,
                      options.as_of_day, explain, result);
  return result;
}

absl::StatusOr<size_t> CandidateIndex::RankableHousehold(
    uint64_t household_key, const MatchingPolicy& policy,
    const RankOptions& options) const {
  if (absl::Status s = CheckOptions(policy, options); !s.ok()) return s;
  auto found = household_slots_.find(household_key);
  if (found == household_slots_.end()) {
    return absl::NotFoundError(absl::StrCat("no household ", household_key));
  }
  const size_t slot = found->second;
  const internal::Gate g = GateAt(slot);
  if (!g.available()) {
    return absl::FailedPreconditionError(
        absl::StrCat("household ", household_key, " is not available"));
  }
  if (g.authority_withdrawn()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "household ", household_key, ": authority ",
        authorities_[PlaceAt(slot).authority()].id, " has withdrawn"));
  }
  return slot;
}

absl::StatusOr<std::vector<uint64_t>> CandidateIndex::FitChildren(
    uint64_t household_key, const MatchingPolicy& policy,
    const RankOptions& options, absl::string_view viewer_authority) const {
  absl::StatusOr<size_t> slot =
      RankableHousehold(household_key, policy, options);
  if (!slot.ok()) return slot.status();
  auto viewer = authority_ids_.find(viewer_authority);
  const int viewer_id =
      viewer == authority_ids_.end() ? -1 : static_cast<int>(viewer->second);
  const ChildScan scan = ScanChildren(*slot, policy, options, viewer_id);
  std::vector<uint64_t> keys;
  keys.reserve(scan.picks.size());
  for (const Pick& p : scan.picks) keys.push_back(p.key);
  return keys;
}

absl::StatusOr<RankResult> CandidateIndex::RankChildren(
    uint64_t household_key, const MatchingPolicy& policy,
    const RankOptions& options, absl::string_view viewer_authority,
    bool explain) const {
  absl::StatusOr<size_t> found =
      RankableHousehold(household_key, policy, options);
  if (!found.ok()) return found.status();
  const size_t slot = *found;
  const internal::Gate g = GateAt(slot);

  RankResult result;
  result.policy_version = policy.version;
  result.considered = static_cast<int>(child_rows_.size());
  auto viewer = authority_ids_.find(viewer_authority);
  const int viewer_id =
      viewer == authority_ids_.end() ? -1 : static_cast<int>(viewer->second);
  ChildScan scan = ScanChildren(slot, policy, options, viewer_id);
  result.considered -= scan.hidden_from_viewer;
  result.excluded = scan.excluded;
  const int eligible = scan.eligible;
  result.eligible = eligible;
  FillExclusions(SearchSide::kChildren, g.approved_for(), result);

  const Household household = UnpackHousehold(slot);
  const std::vector<Pick> picks = std::move(scan.picks);
  result.candidates.reserve(picks.size());
  for (const Pick& p : picks) {
    const internal::ChildRow& row = child_rows_[p.slot];
    RankedCandidate& out = result.candidates.emplace_back();
    out.key = p.key;
    out.authority_number = row.authority();
    out.authority = authorities_[out.authority_number].id;
    out.score = p.score;
    const PairOutcome outcome = OutcomeOf((1u << row.size()) - 1, p);
    if (outcome.partial) out.members = MemberIndices(outcome.taken);
    if (!explain) continue;
    const int described =
        DescribeScore(GroupAt(p.slot), ProfileAt(p.slot), outcome, slot,
                      household, policy, options.as_of_day, out.components);
    RAA_DCHECK(described == out.score)
        << "child group " << p.key << ": ranked " << out.score << ", explained "
        << described;
  }
  return result;
}

}  // namespace raa::matcher

namespace raa::matcher {

// The child side's hot loop: one 32-byte row per group. The household's
// side of every constraint and component is fixed for the query, so each
// becomes a compare or a table lookup. Rows are taken 128 at a time: a first
// pass decides and counts the constraints of each without a branch, a second
// scores the eligible and settles the few the row cannot decide. Beyond the
// row, a group's hidden_from list is read only when its row says it is
// hidden, its full profile built only when it is placed apart and fails a
// per-child constraint, and its children read only when its best case could
// enter the top k (identity).
CandidateIndex::ChildScan CandidateIndex::ScanChildren(
    size_t slot, const MatchingPolicy& policy, const RankOptions& options,
    int viewer_id) const {
  const auto weight = [&policy](Component k) {
    return static_cast<uint32_t>(policy.weights[static_cast<int>(k)]);
  };
  const internal::Gate g = GateAt(slot);
  const internal::Place place = PlaceAt(slot);
  const uint32_t tolerance = tolerances_[slot];
  const HouseholdTraits& traits = traits_[slot];
  const RegionSet& household_excluded =
      excluded_pool_.Get(excluded_sets_[slot]);
  const internal::LanguageSet& household_languages =
      language_pool_.Get(traits.language_set);
  const uint16_t household_authority = place.authority();
  const int max_links = policy.max_open_links;
  const bool at_link_limit = place.open_links() >= max_links;
  const int32_t as_of_day = options.as_of_day;
  const internal::MonthDay today = internal::MonthDayOf(as_of_day);
  const int lo = g.min_age(), hi = g.max_age();
  const uint32_t sexes_allowed = g.sexes_allowed();
  const uint32_t household_region = place.region();

  const uint32_t wsum = static_cast<uint32_t>(WeightSum(policy));
  const internal::ExactDivider divide(10 * wsum);
  const uint32_t half = 5 * wsum;
  const uint32_t w_age = weight(Component::kAgeFit);
  const uint32_t w_waiting = weight(Component::kWaiting);
  const uint32_t w_identity = weight(Component::kIdentity);
  // The household's side of the constraints a row's fields decide by
  // themselves, as tables of the failure bit: a lookup and an OR per row.
  std::vector<uint16_t> authority_fails(authorities_.size());
  for (size_t a = 0; a < authorities_.size(); ++a) {
    authority_fails[a] =
        authorities_[a].withdrawn ? Bit(Constraint::kAuthorityWithdrawn) : 0;
  }
  std::array<uint16_t, 256> size_fails{}, sexes_fails{}, region_fails{};
  for (uint32_t v = 0; v < 256; ++v) {
    size_fails[v] =
        static_cast<int>(v) > g.approved_for() ? Bit(Constraint::kCapacity) : 0;
    sexes_fails[v] =
        (v & ~sexes_allowed) != 0 ? Bit(Constraint::kSexPreference) : 0;
    region_fails[v] = household_excluded.Test(v)
                          ? Bit(Constraint::kHouseholdExcludedRegion)
                          : 0;
  }
  // By excluded set: the child must not go to the household's region.
  std::vector<uint16_t> set_fails(child_excluded_pool_.size());
  for (size_t e = 0; e < set_fails.size(); ++e) {
    set_fails[e] = child_excluded_pool_.Get(e).Test(household_region)
                       ? Bit(Constraint::kChildExcludedRegion)
                       : 0;
  }
  const uint32_t link_fails = at_link_limit ? Bit(Constraint::kLinkLimit) : 0;
  std::array<uint32_t, internal::kMaxGroupSize + 1> capacity_points{};
  for (int n = 0; n <= internal::kMaxGroupSize; ++n) {
    capacity_points[n] = weight(Component::kCapacityFit) *
                         internal::CapacityFit(n, g.approved_for());
  }
  std::array<uint32_t, 8> flag_points{};  // by ChildRow::flag_index()
  for (int bits = 0; bits < 8; ++bits) {
    flag_points[bits] =
        weight(Component::kEarlyPermanence) *
            internal::EarlyPermanenceFit(bits & 1, g.dual_approved()) +
        weight(Component::kContact) *
            internal::ContactFit((bits >> 1) & 3, g.max_contact());
  }
  // By (categories with a need, margin sum).
  std::array<std::array<uint32_t, 3 * kNeedCategoryCount + 1>,
             kNeedCategoryCount + 1>
      needs_points{};
  for (int n = 0; n <= kNeedCategoryCount; ++n) {
    for (int sum = 0; sum <= 3 * kNeedCategoryCount; ++sum) {
      needs_points[n][sum] =
          weight(Component::kNeedsMargin) * internal::NeedsFitFromSum(n, sum);
    }
  }
  uint8_t limits[kNeedCategoryCount];
  for (int c = 0; c < kNeedCategoryCount; ++c) {
    limits[c] = static_cast<uint8_t>(internal::ToleranceLimit(tolerance, c));
  }
  const int household_waited =
      internal::WaitedDaysCapped(traits.approved_day_number(), as_of_day);
  const uint32_t same_authority_points = weight(Component::kLocality) * 1000;
  const uint32_t other_authority_points =
      weight(Component::kLocality) *
      internal::LocalityFit(false, authorities_[household_authority].kind);
  const uint32_t best_identity_points = w_identity * 1000;
  const uint32_t best_needs_age_identity_points =
      (weight(Component::kNeedsMargin) + w_age + w_identity) * 1000;

  constexpr uint32_t kPerChild =
      Bit(Constraint::kCapacity) | Bit(Constraint::kAgeRange) |
      Bit(Constraint::kNeeds) | Bit(Constraint::kSexPreference);
  ChildScan scan;
  TopK top(options.limit);
  const internal::ChildRow* rows = child_rows_.data();
  const internal::ChildDetail* details = child_details_.data();
  const internal::PackedMember* members = child_members_.at(0);
  const size_t n = child_rows_.size();
  // A block at a time, in two passes. The first decides every row's
  // constraints without a branch: a row that fails one is counted there, and
  // the rest, with the rows only the profile or the hidden_from list can
  // decide, are listed for the second, which scores them in row order.
  constexpr size_t kBlock = 128;
  constexpr int kListed = 31;  // the count slot of a listed row (unused)
  uint32_t listed[kBlock];
  uint32_t listed_failures[kBlock];
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = std::min(n, start + kBlock);
    // Four sets of counts, a row to each in turn: consecutive rows failing
    // the same constraint do not wait on each other's increment.
    uint32_t counts[4][32] = {};
    size_t m = 0;
    for (size_t i = start; i < end; ++i) {
      const internal::ChildRow& r = rows[i];
      const int elapsed = internal::RowElapsed(r.ages_as_of, today);
      const int youngest = r.min_age() + elapsed;
      const int oldest = r.max_age() + elapsed;
      uint32_t f = (~r.gate & internal::kChildWaiting) | link_fails;
      f |= authority_fails[r.authority()];
      f |= size_fails[r.size()];
      // Negative when the youngest is under lo or the oldest over hi.
      const int32_t out_of_range = (youngest - lo) | (hi - oldest);
      f |= (static_cast<uint32_t>(out_of_range) >> 31) << 3;
      f |= static_cast<uint32_t>((r.needs & ~tolerance) != 0) << 4;
      f |= sexes_fails[r.sexes()];
      f |= set_fails[r.excluded_set];
      f |= region_fails[r.region()];
      // Listed: no constraint failed, or the row alone cannot tell. Bitwise,
      // so that no branch guesses it.
      const uint32_t list = static_cast<uint32_t>(f == 0) |
                            ((r.gate & internal::kChildHidden) >> 2) |
                            ((r.gate & internal::kChildSeparable) >> 1 &
                             static_cast<uint32_t>((f & kPerChild) != 0));
      listed[m] = static_cast<uint32_t>(i);
      listed_failures[m] = f;
      m += list;
      // Never 0: a failure, or the listed bit.
      ++counts[i & 3][__builtin_ctz((f & (list - 1)) | (list << kListed))];
    }
    for (int c = 0; c < kConstraintCount; ++c) {
      scan.excluded[c] +=
          counts[0][c] + counts[1][c] + counts[2][c] + counts[3][c];
    }

    for (size_t j = 0; j < m; ++j) {
      const size_t i = listed[j];
      const internal::ChildRow& r = rows[i];
      uint32_t f = listed_failures[j];
      if (r.hidden()) {
        const std::vector<uint16_t>& ids = child_hidden_from_.at(r.key);
        const auto hidden_from = [&ids](uint16_t id) {
          return std::binary_search(ids.begin(), ids.end(), id);
        };
        // Hidden from the searcher: as if it did not exist. (Every hidden
        // row is listed, so the first pass counted it nowhere.)
        if (viewer_id >= 0 && hidden_from(static_cast<uint16_t>(viewer_id))) {
          ++scan.hidden_from_viewer;
          continue;
        }
        if (hidden_from(household_authority)) {
          f |= Bit(Constraint::kHiddenFromAuthority);
        }
      }
      const int elapsed = internal::RowElapsed(r.ages_as_of, today);
      if (r.separable() && (f & kPerChild) != 0) {
        // Placed apart: the household may take some of the children; the
        // profile decides, as everywhere else.
        const ChildProfile c = ProfileAt(i);
        PairOutcome outcome = EvaluatePair(c, slot, max_links, elapsed);
        outcome.failures |= f & Bit(Constraint::kHiddenFromAuthority);
        if (outcome.failures != 0) {
          ++scan.excluded[std::countr_zero(outcome.failures)];
          continue;
        }
        ++scan.eligible;
        const int score =
            ScoreOutcome(c, outcome, slot, policy, as_of_day, elapsed);
        if (score < options.min_score) continue;
        top.Offer({score, r.key, static_cast<uint32_t>(i), PickTaken(outcome)});
        continue;
      }
      if (f != 0) {
        ++scan.excluded[std::countr_zero(f)];
        continue;
      }
      ++scan.eligible;
      // The components a lookup gives first; needs and age only for a
      // group that could enter the top k with both at their best.
      uint32_t total =
          capacity_points[r.size()] +
          w_waiting *
              static_cast<uint32_t>(internal::WaitingFit(
                  household_waited,
                  internal::WaitedDaysCapped(r.waiting_since_day, as_of_day))) +
          flag_points[r.flag_index()] +
          (r.authority() == household_authority ? same_authority_points
                                                : other_authority_points);
      const int bound = static_cast<int>(
          divide.Divide(total + best_needs_age_identity_points + half));
      if (bound < options.min_score || !top.MayEnter(bound)) continue;
      const int youngest = r.min_age() + elapsed;
      const int oldest = r.max_age() + elapsed;
      int categories = 0;
      const int margin =
          internal::RowNeedsMarginSum(r.needs, limits, &categories);
      total += needs_points[categories][margin] +
               w_age * static_cast<uint32_t>(
                           internal::AgeFit(youngest, oldest, lo, hi));
      const int best =
          static_cast<int>(divide.Divide(total + best_identity_points + half));
      if (best < options.min_score || !top.MayEnter(best)) continue;
      if (w_identity != 0) {
        total +=
            w_identity * static_cast<uint32_t>(internal::MembersIdentityFit(
                             members + details[i].members, r.size(), traits,
                             household_languages));
      }
      const int score = static_cast<int>(divide.Divide(total + half));
      if (score < options.min_score || !top.MayEnter(score)) continue;
      top.Offer({score, r.key, static_cast<uint32_t>(i), 0});
    }
  }
  scan.picks = top.TakeBestFirst();
  return scan;
}

}  // namespace raa::matcher
