// The journey's link rows in the store: links, their dated steps and the
// corrections of those dates (migration 8). Steps and corrections are
// append-only (triggers refuse UPDATE and DELETE); the view link_step_dates
// gives each step's date with its latest correction applied, which is the
// date every report uses. The links row's `state`, `step` and closing
// columns are projections kept in the same transaction as the steps.
//
//   ASSIGN_OR_RETURN(int64_t id, link_rows::InsertLink(tx, new_link));
//   RETURN_IF_ERROR(link_rows::AppendStep(tx, id,
//   v1::LINK_STEP_LINKING_MEETING,
//                                         "2026-03-01", "leeds", key_id));
//   ASSIGN_OR_RETURN(link_rows::LinkRow row, link_rows::GetLink(store, id));
//
// The functions taking a StoreTx run inside Store::Write; those taking a
// Store read on the read connection. Reads are NOT_FOUND when the row is
// missing. LinkObserver hears, before a write commits, the open-link count
// of every household the write changed (TellLinkChanges). Thread-safety is
// the store's.
#ifndef RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_
#define RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "raa/v1/journey.pb.h"
#include "services/journey/link_rules.h"
#include "services/registry/registry.h"
#include "services/registry/registry_rows.h"
#include "services/store/store.h"

namespace raa {

// Migration 8: the tables links, link_steps and step_corrections and the
// view link_step_dates.
SchemaPart LinkSchema();

// Told of the households whose open-link count a write changed, before it
// commits (the live index keeps the matcher's count with it).
class LinkObserver {
 public:
  virtual ~LinkObserver() = default;
  virtual void OnOpenLinksChanged(int64_t adopter_row, int open_links) = 0;
};

// For a StoreListener's BeforeCommit: tells `observer` the open-link count
// of every household whose links this write opened or closed, once each.
absl::Status TellLinkChanges(StoreTx& tx, LinkObserver& observer);

// Filters for ListLinks; unset members do not filter.
struct LinkFilter {
  std::string child_authority;  // with child_row: one child profile
  int64_t child_row = 0;
  std::string adopter_authority;  // with adopter_row: one household
  int64_t adopter_row = 0;
  // Links whose child or household is this member's.
  std::string authority_id;
  v1::LinkState state = v1::LINK_STATE_UNSPECIFIED;
};

// A new link: its first step, OPENED, is recorded with it.
struct NewLink {
  std::string child_authority;
  int64_t child_row = 0;
  std::string adopter_authority;
  int64_t adopter_row = 0;
  v1::PlacementKind placement_kind = v1::PLACEMENT_KIND_ADOPTIVE;
  std::string opened_on;  // YYYY-MM-DD
  std::string override_reason;
  std::vector<std::string> overridden;  // matcher constraint ids
  std::string authority_id;             // who opened it
  std::string key_id;
};

// A stored link: its keys and the API message (name, child, adopter, state,
// steps with their current and first dates, corrections, closing;
// days_in_step is left for the caller, who knows today).
struct LinkRow {
  int64_t id = 0;
  std::string child_authority;
  int64_t child_row = 0;
  std::string adopter_authority;
  int64_t adopter_row = 0;
  v1::Link link;
};

// The LinkFacts the rules read (link_rules.h).
link_rules::LinkFacts FactsOf(const v1::Link& link);

namespace link_rows {

// Whether `caller` may see the links of the child profile
// `child_authority`/`child_row`: it exists and is not hidden from the
// caller's member. A link of a profile hidden from the caller is answered
// as a missing one, or counted without its name.
absl::StatusOr<bool> SeenBy(StoreTx& tx, const Caller& caller,
                            absl::string_view child_authority,
                            int64_t child_row);
absl::StatusOr<bool> SeenBy(Store& store, const Caller& caller,
                            absl::string_view child_authority,
                            int64_t child_row);

// ---- Inside a write ----

// Inserts the link and its OPENED step; returns its id.
absl::StatusOr<int64_t> InsertLink(StoreTx& tx, const NewLink& link);
// Appends `step` on `date` and moves the link's projection to it
// (ORDER_GRANTED: state ADOPTED).
absl::Status AppendStep(StoreTx& tx, int64_t link_id, v1::LinkStep step,
                        absl::string_view date, absl::string_view authority_id,
                        absl::string_view key_id);
// Appends a correction of `step`'s date.
absl::Status AppendCorrection(StoreTx& tx, int64_t link_id, v1::LinkStep step,
                              absl::string_view old_date,
                              absl::string_view new_date,
                              absl::string_view reason,
                              absl::string_view authority_id,
                              absl::string_view key_id);
// Closes an open link (state CLOSED with the reason, note, date and who).
absl::Status CloseLink(StoreTx& tx, int64_t link_id, v1::CloseReason reason,
                       absl::string_view note, absl::string_view closed_on,
                       absl::string_view closed_by);
absl::StatusOr<LinkRow> GetLink(StoreTx& tx, int64_t link_id);
// Every link of a child profile / a household, by id.
absl::StatusOr<std::vector<link_rules::LinkSummary>> ChildLinks(
    StoreTx& tx, absl::string_view authority_id, int64_t row);
absl::StatusOr<std::vector<link_rules::LinkSummary>> AdopterLinks(
    StoreTx& tx, absl::string_view authority_id, int64_t row);
// A child profile's or a household's open links, oldest first, as `caller`
// may see them (Registry::LinkQueries::open_of_record).
absl::StatusOr<Registry::OpenLinks> OpenLinksOfRecord(
    StoreTx& tx, const Caller& caller, RecordKind kind,
    absl::string_view authority_id, int64_t row);
// Inside a write: whether the open and adopted links of a child profile /
// a household allow its dates as they change from `before` to `after`
// (link_rules::CheckRecordDates; only the dates that change are checked).
// A link whose child profile is hidden from `caller` is not named.
absl::Status ChildDatesFit(StoreTx& tx, const Caller& caller,
                           absl::string_view authority_id, int64_t row,
                           const v1::Child& before, const v1::Child& after,
                           const link_rules::RecordDateFields& fields);
absl::Status HouseholdDatesFit(StoreTx& tx, const Caller& caller,
                               absl::string_view authority_id, int64_t row,
                               const v1::Adopter& before,
                               const v1::Adopter& after,
                               const link_rules::RecordDateFields& fields);
// The open link joining this pair, if any (0 if none).
absl::StatusOr<int64_t> OpenLinkOfPair(StoreTx& tx,
                                       absl::string_view child_authority,
                                       int64_t child_row,
                                       absl::string_view adopter_authority,
                                       int64_t adopter_row);

// ---- Reads ----

absl::StatusOr<LinkRow> GetLink(Store& store, int64_t link_id);
// Newest first: `page.after` is the smallest id of the previous page.
absl::StatusOr<Page<LinkRow>> ListLinks(Store& store, const LinkFilter& filter,
                                        const PageRequest& page);
// Open links with a child or a household of `authority_id` (each once).
absl::StatusOr<int> CountOpenLinksOf(Store& store,
                                     absl::string_view authority_id);
// Open links per household, for the matcher's counts at start.
absl::Status ScanOpenLinkCounts(
    Store& store, absl::FunctionRef<void(int64_t adopter_row, int count)> fn);

// What the registry asks of the links (Registry::LinkQueries), answered from
// `store`, which must outlive the registry.
Registry::LinkQueries RegistryQueries(Store& store);

}  // namespace link_rows
}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_LINK_ROWS_H_
