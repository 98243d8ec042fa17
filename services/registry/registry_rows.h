// The registry's rows in the store: members (authorities), child profiles,
// households (adopters), their status history, and the consortium's own
// regions; the registry's migrations; and RegistryObserver, which hears of
// every registry row a write changes.
//
//   ASSIGN_OR_RETURN(auto written, store.Write<v1::Child>(key,
//       [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
//         RETURN_IF_ERROR(registry_rows::InsertChild(tx, "sheffield", child));
//         return child;
//       }));
//   ASSIGN_OR_RETURN(v1::Child read,
//                    registry_rows::GetChild(store, "sheffield", 1));
//
// Profiles are stored whole as serialized raa.v1 messages (the `profile`
// column, the source of truth); the other columns are projections of it,
// written in the same statement, for filtering and for plain SQL reports.
//
// The functions taking a StoreTx run inside Store::Write (on the write
// connection, in its transaction); those taking a Store read on the read
// connection (Store::Read). Reads are NOT_FOUND when the row is missing.
// Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_REGISTRY_REGISTRY_ROWS_H_
#define RAAMATCH_SERVICES_REGISTRY_REGISTRY_ROWS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/names.h"
#include "raa/v1/registry.pb.h"
#include "services/store/store.h"

namespace raa {

// The registry's migrations: 1 (which also made the store core's `requests`
// and the access keys' `api_keys` tables, before areas had migrations of
// their own), 5 (regions) and 6 (status history, ages_as_of), and the repair
// at open that fills ages_as_of of rows stored before migration 6.
SchemaPart RegistrySchema();

// Told of the registry rows a write changed, before it commits (see
// TellRegistryChanges). Implemented by whoever keeps registry data in
// memory (the live index, the authenticator's list of withdrawn members).
class RegistryObserver {
 public:
  virtual ~RegistryObserver() = default;
  // Every child profile and household the write changed: an error rolls the
  // whole write back and is returned to the caller, so nothing is
  // acknowledged that the observer could not follow.
  virtual absl::Status Admit(
      const std::vector<Row<v1::Child>>& /*children*/,
      const std::vector<Row<v1::Adopter>>& /*adopters*/) {
    return absl::OkStatus();
  }
  virtual void OnAuthorityChanged(const v1::Authority& authority) = 0;
  virtual void OnChildChanged(int64_t row_id, const v1::Child& child) = 0;
  virtual void OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) = 0;
};

// For a StoreListener's BeforeCommit: tells `observer` of the registry rows
// this write changed. Admit first, always (with empty lists if none changed;
// its error is returned and nothing more is told), then every authority,
// child and adopter changed, by kind, each in the order written.
absl::Status TellRegistryChanges(StoreTx& tx, RegistryObserver& observer);

// Resource ids of stored rows (ChildId, AdopterId): common/names.h.

// The milestones table's record_kind (migration 7).
inline constexpr int kMilestoneOfChild = 0;
inline constexpr int kMilestoneOfHousehold = 1;

// Who records the journey dates a profile write changes (kept on each
// milestone row it adds): the caller's authority and key, and the reason
// given for a date that replaces another ("updated with the profile" if
// empty). Defaults: nobody, as for writes outside any call.
struct RecordedBy {
  std::string authority_id;
  std::string key_id;
  std::string reason;
};

// The profile's journey dates by raa.v1.MilestoneKind: ENTERED_CARE,
// PLAN_FOR_ADOPTION, SHOBPA_DECISION and PLACEMENT_ORDER of Child.journey;
// REGISTRATION_OF_INTEREST, STAGE_TWO_START and APPROVAL of the Adopter's
// registered_interest_on, applied_on and approved_on. From migration 7 on
// they are stored only as milestone rows: every write of a profile adds a
// row for each such date that is new, changed or cleared (a cleared date is
// a row with date ''), and every read fills them back in.
bool IsProfileMilestone(int record_kind, int milestone_kind);
// The field of a profile or household that holds the date of such a
// milestone kind, or nullptr for any other kind.
google::type::Date* ProfileDateOf(v1::Child& child, int milestone_kind);
google::type::Date* ProfileDateOf(v1::Adopter& adopter, int milestone_kind);

// Filters for listing children; unset members do not filter.
struct ChildFilter {
  std::string authority_id;  // empty: every authority
  v1::ChildStatus status = v1::CHILD_STATUS_UNSPECIFIED;
  // At least one child of at least / at most this age on `ages_on`
  // ("YYYY-MM-DD": the stored ages plus the whole months since the
  // profile's ages_as_of; empty: the ages as stored).
  std::optional<int> min_age_months;
  std::optional<int> max_age_months;
  std::string ages_on;
  int group_size = 0;
  v1::NeedCategory need = v1::NEED_CATEGORY_UNSPECIFIED;
};

struct AdopterFilter {
  std::string authority_id;
  v1::AdopterStatus status = v1::ADOPTER_STATUS_UNSPECIFIED;
  std::optional<int> age_months;
  int group_size = 0;
  v1::NeedCategory need = v1::NEED_CATEGORY_UNSPECIFIED;
};

// Which kind of record a status history belongs to.
enum class RecordKind { kChild, kAdopter };

// One member's records by status (for the impact of its withdrawal).
struct MemberRecordCounts {
  struct Profiles {
    int32_t profiles = 0;
    int32_t children = 0;
  };
  std::map<v1::ChildStatus, Profiles> children;
  std::map<v1::AdopterStatus, int32_t> households;
  int32_t active_keys = 0;  // not revoked
};

namespace registry_rows {

// ---- Inside a write ----

absl::StatusOr<v1::Authority> GetAuthority(StoreTx& tx, absl::string_view id);
// The id of an active member of kind `kind` other than `except`, or "" when
// there is none (the lowest id when there are several).
absl::StatusOr<std::string> OtherActiveMemberOfKind(StoreTx& tx,
                                                    v1::AuthorityKind kind,
                                                    absl::string_view except);
// Sets create_time and update_time.
absl::Status InsertAuthority(StoreTx& tx, const v1::Authority& authority);
// Sets update_time; NOT_FOUND if no row has the name's id.
absl::Status UpdateAuthority(StoreTx& tx, const v1::Authority& authority);

absl::StatusOr<v1::Child> GetChild(StoreTx& tx, absl::string_view authority_id,
                                   int64_t row_id);
// Assigns the child's name and times; its journey dates become milestone
// rows recorded `by` (reason empty).
absl::Status InsertChild(StoreTx& tx, absl::string_view authority_id,
                         v1::Child& child, const RecordedBy& by = {});
// Sets update_time and stores `child` over the row named by child.name();
// each journey date that changed adds a milestone row recorded `by`.
absl::Status UpdateChild(StoreTx& tx, v1::Child& child,
                         const RecordedBy& by = {});

absl::StatusOr<v1::Adopter> GetAdopter(StoreTx& tx,
                                       absl::string_view authority_id,
                                       int64_t row_id);
absl::Status InsertAdopter(StoreTx& tx, absl::string_view authority_id,
                           v1::Adopter& adopter, const RecordedBy& by = {});
absl::Status UpdateAdopter(StoreTx& tx, v1::Adopter& adopter,
                           const RecordedBy& by = {});

// Appends one change to a record's status history (never edited): the
// statuses as their enum numbers, reason, key id and the authority that
// made it; the time is the store's clock.
absl::Status InsertStatusChange(StoreTx& tx, RecordKind kind,
                                absl::string_view authority_id, int64_t row_id,
                                int from_status, int to_status,
                                absl::string_view reason,
                                absl::string_view key_id,
                                absl::string_view changed_by);

// The consortium's own regions (migration 5), by slug.
absl::StatusOr<std::vector<v1::Region>> ListRegions(StoreTx& tx);
// Sets create_time. The slug (from region.name()) must be new.
absl::Status InsertRegion(StoreTx& tx, v1::Region& region);

// ---- Reads ----

absl::StatusOr<v1::Authority> GetAuthority(Store& store, absl::string_view id);
// The member `id` (withdrawn or not), for a request's `field` that names it:
// NOT_FOUND "field: authorities/x is not a member of the consortium" when
// there is none (a list filtered by it answers so, not with nothing).
absl::StatusOr<v1::Authority> RequireMember(Store& store, absl::string_view id,
                                            absl::string_view field);
// The ids of the active members of kind `kind`, in id order.
absl::StatusOr<std::vector<std::string>> ActiveMembersOfKind(
    Store& store, v1::AuthorityKind kind);
absl::StatusOr<Page<v1::Authority>> ListAuthorities(Store& store,
                                                    v1::AuthorityStatus status,
                                                    const PageRequest& page);
// Every member authority with `status` (AUTHORITY_STATUS_UNSPECIFIED: of
// any status) to `fn`, in id order, read a page at a time; stops at the
// first error `fn` returns, and returns it.
absl::Status ForEachAuthority(
    Store& store, v1::AuthorityStatus status,
    absl::FunctionRef<absl::Status(const v1::Authority&)> fn);
absl::StatusOr<v1::Child> GetChild(Store& store, absl::string_view authority_id,
                                   int64_t row_id);
absl::StatusOr<Page<v1::Child>> ListChildren(Store& store,
                                             const ChildFilter& filter,
                                             const PageRequest& page);
absl::StatusOr<v1::Adopter> GetAdopter(Store& store,
                                       absl::string_view authority_id,
                                       int64_t row_id);
absl::StatusOr<Page<v1::Adopter>> ListAdopters(Store& store,
                                               const AdopterFilter& filter,
                                               const PageRequest& page);
// A record's status changes, oldest first.
absl::StatusOr<std::vector<v1::StatusChange>> ListStatusChanges(
    Store& store, RecordKind kind, absl::string_view authority_id,
    int64_t row_id);
// Counts the member's children and households by status, and its API keys
// not revoked (the api_keys table is migration 1's).
absl::StatusOr<MemberRecordCounts> CountMemberRecords(
    Store& store, absl::string_view authority_id);
// The consortium's own regions, by slug (for the region list at start).
absl::StatusOr<std::vector<v1::Region>> ListRegions(Store& store);

// Scans of profiles in row order, for building in-memory indexes at
// start. Each scan reads on a connection of its own
// (Store::ReadAside): two threads may scan at once, and other reads are not
// held up.
//
// The children with first_row <= row id <= last_row whose status column is
// one of `statuses` (none when it is empty; the others' profiles are not
// read): two threads may each scan a part. Each comes as its stored profile,
// without its journey dates (no milestone is read), and the day it has
// waited since (days since 1970-01-01, -1 for none): the children table's
// waiting_since, which SQLite keeps from the milestones (migration 17 and a
// trigger made at open).
// LastChildRow: the highest row id (0 when none).
absl::Status ScanChildren(
    Store& store, int64_t first_row, int64_t last_row,
    std::span<const v1::ChildStatus> statuses,
    absl::FunctionRef<void(int64_t row_id, const v1::Child& profile,
                           int32_t waiting_since_day)>
        fn);
absl::StatusOr<int64_t> LastChildRow(Store& store);
// The children of `rows` (row ids in increasing order) that exist and whose
// status column is one of `statuses`, on one connection, as above: rows
// next to each other are read as one range.
absl::Status ScanChildren(
    Store& store, std::span<const int64_t> rows,
    std::span<const v1::ChildStatus> statuses,
    absl::FunctionRef<void(int64_t row_id, const v1::Child& profile,
                           int32_t waiting_since_day)>
        fn);
// The profiles of `authority_id`'s children (households), or of every
// authority's when it is empty, in row order, without their journey dates:
// no milestone is read. For checks of a profile's own fields (its regions
// and languages); on a connection of its own, as the scans above.
absl::Status ScanChildProfilesOf(
    Store& store, absl::string_view authority_id,
    absl::FunctionRef<void(int64_t row_id, const v1::Child&)> fn);
absl::Status ScanAdopterProfilesOf(
    Store& store, absl::string_view authority_id,
    absl::FunctionRef<void(int64_t row_id, const v1::Adopter&)> fn);
// Every household the matcher indexes (approved, linked or on hold) with
// first_row <= row id <= last_row, in row order, read from the adopters
// table's columns without parsing a profile: `fn` gets the row, the
// authority id and a partial profile holding only status, approved_on,
// approved_for, the ages, sex_preference, region, excluded_regions,
// dual_approved, max_contact, heritage, religion, languages and need_limits
// (what the matcher's ToHousehold reads; no name). The profile is reused
// between calls. For the index at start-up; two threads may each scan a
// part. LastAdopterRow: the highest row id (0 when none).
absl::Status ScanMatchingColumnsOfAdopters(
    Store& store, int64_t first_row, int64_t last_row,
    absl::FunctionRef<void(int64_t row_id, absl::string_view authority_id,
                           const v1::Adopter&)>
        fn);
// As above, for the households of `rows` (row ids in increasing order) that
// the matcher indexes.
absl::Status ScanMatchingColumnsOfAdopters(
    Store& store, std::span<const int64_t> rows,
    absl::FunctionRef<void(int64_t row_id, absl::string_view authority_id,
                           const v1::Adopter&)>
        fn);
absl::StatusOr<int64_t> LastAdopterRow(Store& store);

// Where the database stands for the saved matching index (services/
// matching/index_snapshot.h, migration 15), read in one snapshot of it.
struct IndexedRows {
  // The token of the saved index that may be loaded ("": none) and the
  // last change (index_changes) it holds.
  std::string token;
  int64_t saved_through = 0;
  // The last change logged (0 before any): changes saved_through + 1 ..
  // last_change are still in the log.
  int64_t last_change = 0;
  // The triggers that log changes present: kLoggingTriggers unless a later
  // change to the schema dropped some (then the log cannot be trusted).
  int logging_triggers = 0;
  // The highest adopter and child row ids (0 when none).
  int64_t last_adopter_row = 0;
  int64_t last_child_row = 0;
};
inline constexpr int kLoggingTriggers = 9;
absl::StatusOr<IndexedRows> ReadIndexedRows(Store& store);
absl::StatusOr<IndexedRows> ReadIndexedRows(StoreTx& tx);
// The last change logged so far, in the write `tx` (its own included).
int64_t LastIndexChange(StoreTx& tx);
// Records an index saved under `token` holding every change up to
// `through`, and drops those changes from the log.
absl::Status SetIndexSaved(StoreTx& tx, absl::string_view token,
                           int64_t through);
// Records that no saved index may be loaded, and empties the log (at once,
// however long: SQLite drops the table's pages).
absl::Status ForgetIndexChanges(StoreTx& tx);
// The households and children changed (inserted, updated, deleted, or a
// journey date of theirs recorded) after change `after`, each once, in row
// order.
struct ChangedRecords {
  std::vector<int64_t> households;
  std::vector<int64_t> children;
};
absl::StatusOr<ChangedRecords> ReadChangedRecords(Store& store, int64_t after);

}  // namespace registry_rows
}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_REGISTRY_ROWS_H_
