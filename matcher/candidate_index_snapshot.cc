// CandidateIndex::Save and Load: the index's columns as they are, so a
// restart loads a million records in the time it takes to copy them, and
// the maps that find a record by key rebuilt from the columns.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/snapshot_io.h"
#include "matcher/candidate_index.h"

namespace raa::matcher {
namespace {

// Bumped whenever what Save writes changes shape. The server also refuses a
// snapshot from any other build of itself (services/matching).
constexpr uint64_t kSnapshotFormat = 1;

absl::Status Damaged(absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("index snapshot: ", what, " does not read back"));
}

}  // namespace

void CandidateIndex::Save(std::string& out) const {
  SnapshotWriter w(out);
  w.Word(kSnapshotFormat);
  w.Word(authorities_.size());
  for (const AuthorityEntry& a : authorities_) {
    w.String(a.id);
    w.Word(static_cast<uint64_t>(a.kind));
    w.Word(a.withdrawn);
    w.Word(a.known);
  }
  regions_.Save(w);
  languages_.Save(w);

  w.Column(gates_);
  w.Column(tolerances_);
  w.Column(places_);
  w.Column(excluded_sets_);
  w.Column(traits_);
  w.Column(keys_);
  excluded_pool_.Save(w);
  language_pool_.Save(w);
  // Only which households have links: Load clears them (see the header).
  std::vector<uint64_t> linked;
  linked.reserve(open_links_.size());
  for (const auto& [key, count] : open_links_) linked.push_back(key);
  w.Column(linked);
  w.Column(blocks_);

  w.Column(child_rows_);
  w.Column(child_details_);
  child_members_.Save(w);
  child_excluded_pool_.Save(w);
  w.Word(child_hidden_from_.size());
  for (const auto& [key, authorities] : child_hidden_from_) {
    w.Word(key);
    w.Column(authorities);
  }
}

absl::StatusOr<CandidateIndex> CandidateIndex::Load(
    absl::string_view snapshot) {
  SnapshotReader in(snapshot);
  if (in.Word() != kSnapshotFormat) return Damaged("its format");
  CandidateIndex index;

  const uint64_t authorities = in.Count(4 * sizeof(uint64_t));
  if (authorities > internal::kMaxAuthorities) return Damaged("authorities");
  index.authorities_.resize(authorities);
  for (size_t i = 0; i < authorities; ++i) {
    AuthorityEntry& a = index.authorities_[i];
    a.id = in.String();
    const uint64_t kind = in.Word();
    in.Expect(kind <= 2);
    a.kind = static_cast<AuthorityKind>(kind);
    a.withdrawn = in.Word() != 0;
    a.known = in.Word() != 0;
    in.Expect(
        index.authority_ids_.emplace(a.id, static_cast<uint16_t>(i)).second);
  }
  if (!in.ok()) return Damaged("authorities");
  if (!index.regions_.Load(in)) return Damaged("regions");
  if (!index.languages_.Load(in)) return Damaged("languages");

  index.gates_ = in.Column<uint32_t>();
  index.tolerances_ = in.Column<uint32_t>();
  index.places_ = in.Column<uint32_t>();
  index.excluded_sets_ = in.Column<uint32_t>();
  index.traits_ = in.Column<internal::HouseholdTraits>();
  index.keys_ = in.Column<uint64_t>();
  if (!index.excluded_pool_.Load(in) || !index.language_pool_.Load(in) ||
      !index.excluded_pool_.AllBelow(index.regions_.id_bound()) ||
      !index.language_pool_.AllBelow(index.languages_.id_bound())) {
    return Damaged("households' region and language sets");
  }
  const std::vector<uint64_t> linked = in.Column<uint64_t>();
  index.blocks_ = in.Column<internal::BlockSummary>();
  const size_t households = index.gates_.size();
  in.Expect(index.tolerances_.size() == households &&
            index.places_.size() == households &&
            index.excluded_sets_.size() == households &&
            index.traits_.size() == households &&
            index.keys_.size() == households &&
            index.blocks_.size() == (households + internal::kFilterBlock - 1) /
                                        internal::kFilterBlock);
  if (!in.ok()) return Damaged("households");
  index.household_slots_.reserve(households);
  for (size_t slot = 0; slot < households; ++slot) {
    const internal::Place p = index.PlaceAt(slot);
    in.Expect(index.household_slots_
                  .emplace(index.keys_[slot], static_cast<uint32_t>(slot))
                  .second &&
              p.authority() < authorities &&
              static_cast<int>(p.region()) < index.regions_.id_bound() &&
              index.excluded_sets_[slot] < index.excluded_pool_.size() &&
              index.traits_[slot].language_set < index.language_pool_.size());
  }
  if (!in.ok()) return Damaged("households");

  index.child_rows_ = in.Column<internal::ChildRow>();
  index.child_details_ = in.Column<internal::ChildDetail>();
  const size_t groups = index.child_rows_.size();
  if (index.child_details_.size() != groups) return Damaged("children");
  // Each group's run of children in the pool, which Load checks.
  std::vector<std::pair<uint32_t, int>> runs(groups);
  for (size_t slot = 0; slot < groups; ++slot) {
    runs[slot] = {index.child_details_[slot].members,
                  index.child_rows_[slot].size()};
  }
  if (!index.child_members_.Load(in, runs) ||
      !index.child_members_.LanguagesBelow(index.languages_.id_bound()) ||
      !index.child_excluded_pool_.Load(in) ||
      !index.child_excluded_pool_.AllBelow(index.regions_.id_bound())) {
    return Damaged("children's members and region sets");
  }
  const uint64_t hidden = in.Count(2 * sizeof(uint64_t));
  for (uint64_t i = 0; i < hidden && in.ok(); ++i) {
    const uint64_t key = in.Word();
    std::vector<uint16_t> from = in.Column<uint16_t>();
    for (uint16_t a : from) in.Expect(a < authorities);
    in.Expect(index.child_hidden_from_.emplace(key, std::move(from)).second);
  }
  in.Expect(in.at_end());
  if (!in.ok()) return Damaged("children");
  index.child_slots_.reserve(groups);
  for (size_t slot = 0; slot < groups; ++slot) {
    const internal::ChildRow& r = index.child_rows_[slot];
    in.Expect(
        index.child_slots_.emplace(r.key, static_cast<uint32_t>(slot)).second &&
        r.authority() < authorities &&
        static_cast<int>(r.region()) < index.regions_.id_bound() &&
        r.excluded_set < index.child_excluded_pool_.size() &&
        (!r.hidden() || index.child_hidden_from_.contains(r.key)));
  }
  if (!in.ok()) return Damaged("children");

  for (uint64_t key : linked) index.SetOpenLinks(key, 0);
  return index;
}

}  // namespace raa::matcher
