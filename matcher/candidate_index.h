// CandidateIndex: the in-memory index of a consortium's approved households
// and waiting children, built for ranking one against all of the other in a
// few milliseconds, with explanations.
//
// The server builds it from the database at start (authorities first, then
// households and children), or loads the one it saved at its last clean stop
// (Save, Load), sets each household's open links from the journey's links
// (SetOpenLinks), and applies every committed write to it, so a search
// issued after an acknowledged write sees that write.
//
// Example:
//
//   raa::matcher::CandidateIndex index;
//   absl::Status s = index.UpsertAuthority(
//       {"leeds", AuthorityKind::kLocalAuthority, /*withdrawn=*/false});
//   if (s.ok()) s = index.UpsertHousehold(household);
//   if (s.ok()) s = index.UpsertChild(group);
//   absl::StatusOr<RankResult> r = index.RankHouseholds(
//       group.key, policy,
//       {.limit = 20, .min_score = 0, .as_of_day = today});
//
// Layout: a household is four 32-bit words in parallel columns (what the hard
// constraints read), 16 bytes of score traits and its key, plus its slot in
// a key->slot hash map: about 80 bytes at 1,000,000 households. A child-led
// search counts whole blocks from their summaries, streams the others
// through a vectorised kernel that also bounds each household's score,
// scores only the households that could enter the top k with integer
// lookups, keeps the top k in a heap and codes reasons only for the k
// returned.
//
// A child group is a 32-byte row (what RankChildren streams:
// internal/child_rows.h), an 8-byte detail beside it (the exact day its ages
// were measured, where its children are) and 12 bytes per child in a pool,
// plus its slot in a key->slot hash map: about 100 bytes per group at
// 1,000,000 groups of mostly one child. Names (authority, region, excluded
// regions, languages, hidden_from) are held as interned ids; a hidden_from
// list, rare, is held apart by key. The group's profile and the ChildGroup
// itself are rebuilt from these when a search, an explanation or FindChild
// needs them.
//
// The matching rules (hard constraints, the order they are counted in, and
// every score component) are documented in matcher/policy.h.
//
// Ages: a child group keeps its ages as measured and the day they were
// (ChildGroup::ages_as_of_day); every query adds the whole months from that
// day to its own `as_of_day`, once per group, so the age-range check stays a
// pair of integer compares in the kernel and the index is right on any day
// without a rebuild. A group that may be placed apart is ranked by a scalar
// pass that checks each child against each household (policy.h, PLACED
// APART); such groups are few.
//
// Limits: at most kRegionCapacity (256) distinct regions and
// kLanguageCapacity (256) distinct languages in use at once, and 65535
// authorities per index (authorities named only in a hidden_from list
// count). Region and language names are interned and counted by use: a name
// no indexed record uses any more is forgotten, so withdrawn records leave no
// trace and the index after any history equals one built fresh from the same
// records. The server validates regions and languages against lists no
// longer than these capacities, so new writes cannot fill the tables; an
// upsert that would exceed one returns InvalidArgument naming the fields and
// changes nothing.
//
// Thread-compatible: const methods may run concurrently with each other; the
// caller serialises mutations against everything else (e.g. absl::Mutex with
// ReaderLock for ranking).

#ifndef RAAMATCH_MATCHER_CANDIDATE_INDEX_H_
#define RAAMATCH_MATCHER_CANDIDATE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "matcher/internal/block_summary.h"
#include "matcher/internal/child_rows.h"
#include "matcher/internal/interner.h"
#include "matcher/internal/packed.h"
#include "matcher/model.h"
#include "matcher/policy.h"
#include "matcher/result.h"

namespace raa::matcher {

class CandidateIndex {
 public:
  static constexpr int kRegionCapacity = internal::kMaxRegions;
  static constexpr int kLanguageCapacity = internal::kMaxLanguages;

  struct RankOptions {
    int limit = 20;     // 1..10000 candidates returned
    int min_score = 0;  // 0..100; eligible candidates below it are not returned
    int32_t as_of_day = -1;  // "today" for the waiting component; >= 0
  };

  CandidateIndex();
  CandidateIndex(const CandidateIndex&) = delete;
  CandidateIndex& operator=(const CandidateIndex&) = delete;
  CandidateIndex(CandidateIndex&&) = default;
  CandidateIndex& operator=(CandidateIndex&&) = default;

  // Insert or replace by id. A withdrawn authority stays known: its households
  // and children are excluded (kAuthorityWithdrawn). InvalidArgument on an
  // empty id or a bad kind.
  absl::Status UpsertAuthority(const Authority& authority);

  // Insert or replace by key. InvalidArgument (and no change) on bad input:
  // unknown authority, approved_for outside 1..5, ages outside
  // 0 <= min <= max <= 216, an enum out of range, an empty region or language,
  // approved_day outside -1..65534 (2149), or too many distinct regions or
  // languages.
  absl::Status UpsertHousehold(const Household& household);
  // No-op for an unknown key.
  void RemoveHousehold(uint64_t key);

  // Whether UpsertHousehold / UpsertChild would accept the record now (the
  // same checks, including the region and language limits), changing
  // nothing. Lets a caller refuse a write the index could not follow.
  absl::Status CheckHousehold(const Household& h) const;
  absl::Status CheckChild(const ChildGroup& g) const;
  // The same for records to be upserted together (one committed write):
  // each must pass, and their new regions and languages must fit together.
  absl::Status CheckAll(const std::vector<Household>& households,
                        const std::vector<ChildGroup>& children) const;

  // Insert or replace by key. InvalidArgument (and no change) on bad input:
  // 1..8 members, ages 0..216, unknown authority, enum out of range, empty
  // region, waiting_since_day < -1, too many regions/languages.
  absl::Status UpsertChild(const ChildGroup& group);
  // No-op for an unknown key.
  void RemoveChild(uint64_t key);

  // The number of open links a household holds (negative counts as 0). The
  // count is kept by key, whether or not the household is in the index now,
  // and survives RemoveHousehold / UpsertHousehold.
  void SetOpenLinks(uint64_t household_key, int open_links);

  // Reorders the household slots so that households alike in what the
  // child-led search checks first (available, authority withdrawn,
  // approved_for, whether they hold open links, their excluded-region set,
  // then age range, needs, approval day) sit in the same blocks,
  // and recomputes every block summary: the search then counts most blocks
  // from their summaries and skips scoring blocks that cannot reach the top
  // k. Results never depend on it (ties are broken by key, never by slot);
  // only speed does. Households upserted later are appended after the
  // sorted ones. O(n log n); call after a bulk build.
  void Reorganize();

  // A snapshot of the whole index, for a restart that does not rebuild it
  // from the database (services/matching/index_snapshot.h). Save appends
  // the index's bytes to `out`; Load gives back an index that answers every
  // query as the saved one did, except that no household has open links (the
  // server sets them from the links table at start). DataLoss for bytes that
  // Save of this build did not write. Both O(records).
  void Save(std::string& out) const;
  static absl::StatusOr<CandidateIndex> Load(absl::string_view snapshot);

  size_t household_count() const { return gates_.size(); }
  size_t child_count() const { return child_rows_.size(); }
  // The authorities the index has numbered, 0..authority_count()-1
  // (RankedCandidate::authority_number): a number never changes while the
  // index lives; a loaded index may number them differently.
  size_t authority_count() const { return authorities_.size(); }
  const std::string& authority_id(uint16_t number) const {
    return authorities_[number].id;
  }
  // Approximate bytes held for the household side (packed records, key map,
  // excluded-region and language pools, open-link counts).
  size_t MemoryBytes() const;
  // Approximate bytes held for the child side (rows, details, the children's
  // pool, key map, excluded-region pool, hidden_from lists).
  size_t ChildMemoryBytes() const;

  // Distinct region / language names in use by indexed records now.
  int regions_in_use() const { return regions_.size(); }
  int languages_in_use() const { return languages_.size(); }

  // The household / child group as last upserted, rebuilt from the packed
  // form: a household's region and language lists and a group's
  // excluded_regions and hidden_from come back sorted, without duplicates
  // (upserting what comes back changes nothing). nullopt for an unknown key.
  std::optional<Household> FindHousehold(uint64_t key) const;
  std::optional<ChildGroup> FindChild(uint64_t key) const;
  int OpenLinks(uint64_t household_key) const;

  // Child-led search: the households for one child group, best first, ties on
  // key ascending, with the exclusion counts. NotFound for an unknown child;
  // FailedPrecondition if the child is not waiting or its authority has
  // withdrawn; InvalidArgument for a bad policy or options.
  //
  // With `explain` false the candidates carry key, authority and score only
  // (their components are left empty), which saves building reasons.
  absl::StatusOr<RankResult> RankHouseholds(uint64_t child_key,
                                            const MatchingPolicy& policy,
                                            const RankOptions& options,
                                            bool explain = true) const;

  // Family-led search: the waiting child groups for one household, the same
  // rules with roles swapped (a child not waiting counts as kNotAvailable, its
  // authority withdrawn as kAuthorityWithdrawn). NotFound for an unknown
  // household; FailedPrecondition if it is not available or its authority has
  // withdrawn; InvalidArgument for a bad policy or options.
  //
  // `viewer_authority`, when not empty, is who is searching: children whose
  // profile is hidden from it are left out as if they did not exist (not
  // considered, not counted under any exclusion), so a searcher never sees,
  // or counts, a profile hidden from it. kHiddenFromAuthority counts those
  // hidden from the household's authority that the viewer may see.
  absl::StatusOr<RankResult> RankChildren(
      uint64_t household_key, const MatchingPolicy& policy,
      const RankOptions& options, absl::string_view viewer_authority = {},
      bool explain = true) const;

  // For alerts: the keys that RankHouseholds (RankChildren) with the same
  // arguments returns, in no particular order, without building a
  // candidate for each: a follow's thousands of fitting households cost a
  // scan, not thousands of RankedCandidates. The same errors.
  absl::StatusOr<std::vector<uint64_t>> FitHouseholds(
      uint64_t child_key, const MatchingPolicy& policy,
      const RankOptions& options) const;
  absl::StatusOr<std::vector<uint64_t>> FitChildren(
      uint64_t household_key, const MatchingPolicy& policy,
      const RankOptions& options,
      absl::string_view viewer_authority = {}) const;

  // Every constraint the pair passes or fails (both sides: kNotAvailable also
  // fails for a child not waiting) and every score component. NotFound for
  // an unknown key; InvalidArgument for a bad policy or as_of_day < 0.
  absl::StatusOr<PairExplanation> ExplainPair(uint64_t child_key,
                                              uint64_t household_key,
                                              const MatchingPolicy& policy,
                                              int32_t as_of_day) const;

  // For alerts: the pair's score if both keys are known and the pair passes
  // every constraint (as ExplainPair), else nullopt. The policy must be valid
  // (an invalid one gives nullopt).
  std::optional<int> ScorePair(uint64_t child_key, uint64_t household_key,
                               const MatchingPolicy& policy,
                               int32_t as_of_day) const;

 private:
  struct AuthorityEntry {
    std::string id;
    AuthorityKind kind = AuthorityKind::kLocalAuthority;
    bool withdrawn = false;
    bool known = false;  // false: only named in a hidden_from list so far
  };
  // Takes one use of each name (each distinct name of a list once).
  internal::ChildProfile PackChild(const ChildGroup& g);
  uint32_t AcquireRegion(absl::string_view name);
  // Gives back the uses a record took.
  static void ReleaseEach(internal::Interner& interner,
                          const internal::IdSet& set);
  void ReleaseHouseholdNames(size_t slot);
  // Gives back what the group in `slot` holds: its names' uses, its
  // excluded-region set, its children's run and its hidden_from list.
  void ReleaseChild(size_t slot);
  // The group in `slot` rebuilt: its profile (as PackChild made it) and the
  // group as upserted (see FindChild).
  internal::ChildProfile ProfileAt(size_t slot) const;
  ChildGroup GroupAt(size_t slot) const;

  // How a pair stands: the constraints it fails and the children the
  // household could take (all of them unless the group may be placed apart).
  struct PairOutcome {
    uint32_t failures = 0;  // mask of internal::Bit(Constraint)
    uint32_t taken = 0;     // mask over the group's members
    bool partial = false;   // placed apart: `taken` is some of the children
  };
  // All constraint failures of a pair for the whole group, both sides, as a
  // mask of internal::Bit(Constraint). `elapsed`: internal::ElapsedMonths on
  // the query's day.
  uint32_t PairFailures(const internal::ChildProfile& c, size_t slot,
                        int max_open_links, int elapsed) const;
  // PairFailures, and for a group that may be placed apart the children the
  // household could take (matcher/policy.h, PLACED APART).
  PairOutcome EvaluatePair(const internal::ChildProfile& c, size_t slot,
                           int max_open_links, int elapsed) const;
  // `c` reduced to the children in `taken`.
  static internal::ChildProfile TakenProfile(const internal::ChildProfile& c,
                                             uint32_t taken);
  // `partial`: capacity fit is 0 (the household cannot take every child).
  std::array<int, kComponentCount> PairFits(const internal::ChildProfile& c,
                                            size_t slot, int32_t as_of_day,
                                            int elapsed, bool partial) const;
  int ScoreOutcome(const internal::ChildProfile& c, const PairOutcome& outcome,
                   size_t slot, const MatchingPolicy& policy, int32_t as_of_day,
                   int elapsed) const;
  // Fills `components` (weights, fits, points, reasons) and returns the
  // score.
  int DescribeScore(
      const ChildGroup& group, const internal::ChildProfile& c,
      const PairOutcome& outcome, size_t slot, const Household& household,
      const MatchingPolicy& policy, int32_t as_of_day,
      std::array<ComponentScore, kComponentCount>& components) const;
  // RankHouseholds' fast path in three steps: the per-query tables
  // (candidate_index.cc), the scan of every household (the hot loop), and
  // the result with its exclusion lines and candidates.
  struct HouseholdQuery;
  struct HouseholdScan {
    std::array<int, kConstraintCount> excluded{};  // by Constraint
    int eligible = 0;
    std::vector<internal::RankPick> picks;  // the best `limit`, best first
  };
  // The slot of a waiting child group whose authority is a member, for a
  // ranking with `options` (RankHouseholds' errors otherwise).
  absl::StatusOr<size_t> RankableChild(uint64_t child_key,
                                       const MatchingPolicy& policy,
                                       const RankOptions& options) const;
  // The slot of an available household whose authority is a member
  // (RankChildren's errors otherwise).
  absl::StatusOr<size_t> RankableHousehold(uint64_t household_key,
                                           const MatchingPolicy& policy,
                                           const RankOptions& options) const;
  HouseholdQuery PrepareHouseholdQuery(const internal::ChildProfile& c,
                                       const MatchingPolicy& policy,
                                       const RankOptions& options,
                                       int elapsed) const;
  HouseholdScan ScanHouseholds(const internal::ChildProfile& c,
                               const HouseholdQuery& q, int elapsed,
                               int limit) const;
  // `c` is the profile of the group in `child_slot`.
  RankResult AssembleHouseholds(const internal::ChildProfile& c,
                                size_t child_slot, HouseholdScan scan,
                                const MatchingPolicy& policy, int32_t as_of_day,
                                bool explain) const;
  absl::StatusOr<RankResult> RankHouseholdsApart(
      const internal::ChildProfile& c, size_t child_slot,
      const MatchingPolicy& policy, const RankOptions& options, bool explain,
      int elapsed) const;
  // RankChildren's scan: every child group's row against the household in
  // `slot` (available, authority not withdrawn), the exclusion counts and
  // the best `options.limit` picks, best first. `viewer_id`: the searching
  // authority's id, or -1.
  struct ChildScan {
    std::array<int, kConstraintCount> excluded{};  // by Constraint
    int eligible = 0;
    int hidden_from_viewer = 0;  // neither considered nor counted
    std::vector<internal::RankPick> picks;
  };
  ChildScan ScanChildren(size_t slot, const MatchingPolicy& policy,
                         const RankOptions& options, int viewer_id) const;
  // Builds the group (for the reasons) once, if `explain`.
  void HouseholdCandidates(const internal::ChildProfile& c, size_t child_slot,
                           const std::vector<internal::RankPick>& picks,
                           const MatchingPolicy& policy, int32_t as_of_day,
                           bool explain, RankResult& result) const;
  // `all_members`: the mask of every child of the group.
  static PairOutcome OutcomeOf(uint32_t all_members,
                               const internal::RankPick& p);
  static uint32_t PickTaken(const PairOutcome& outcome);
  Household UnpackHousehold(size_t slot) const;
  // The block summaries (internal/block_summary.h): AddToBlock widens the
  // slot's block by the household there; SummariseBlock recomputes a block
  // exactly (after a household left it); SummariseAll recomputes all.
  void AddToBlock(size_t slot);
  void SummariseBlock(size_t block);
  void SummariseAll();
  internal::Gate GateAt(size_t slot) const { return {gates_[slot]}; }
  internal::Place PlaceAt(size_t slot) const { return {places_[slot]}; }

  std::vector<AuthorityEntry> authorities_;
  absl::flat_hash_map<std::string, uint16_t> authority_ids_;
  internal::Interner regions_{internal::kMaxRegions};
  internal::Interner languages_{internal::kMaxLanguages};

  // Household side: parallel columns (see internal/packed.h), one slot per
  // household; removal moves the last slot into the hole. The withdrawn bit
  // of every gate word equals its authority's status (UpsertAuthority
  // rewrites them).
  std::vector<uint32_t> gates_;
  std::vector<uint32_t> tolerances_;
  std::vector<uint32_t> places_;
  std::vector<uint32_t> excluded_sets_;  // index into excluded_pool_
  std::vector<internal::HouseholdTraits> traits_;
  std::vector<uint64_t> keys_;
  absl::flat_hash_map<uint64_t, uint32_t> household_slots_;
  // Distinct excluded-region and language sets of households, counted by
  // use (entry 0 is the empty set).
  internal::IdSetPool excluded_pool_;
  internal::IdSetPool language_pool_;
  absl::flat_hash_map<uint64_t, int> open_links_;  // non-zero counts only
  // One summary per internal::kFilterBlock slots (the last may be partial).
  std::vector<internal::BlockSummary> blocks_;

  // Child side (internal/child_rows.h): one slot per group in parallel
  // columns, the packed row RankChildren streams (32 bytes) and what the row
  // lacks (8 bytes); removal moves the last slot into the hole. The groups'
  // children are runs in `child_members_` (12 bytes a child), their
  // excluded-region sets are pooled, and the hidden_from lists (sorted
  // interned authority ids) of the groups whose row has the hidden bit are
  // held by key: the only entries of `child_hidden_from_`.
  std::vector<internal::ChildRow> child_rows_;
  std::vector<internal::ChildDetail> child_details_;
  internal::MemberPool child_members_;
  internal::IdSetPool child_excluded_pool_;
  absl::flat_hash_map<uint64_t, std::vector<uint16_t>> child_hidden_from_;
  absl::flat_hash_map<uint64_t, uint32_t> child_slots_;
};

}  // namespace raa::matcher

#endif  // RAAMATCH_MATCHER_CANDIDATE_INDEX_H_
