// The journey's rows besides the links: tracking reviews of children and the
// versioned timescales (migration 9), the milestone history of a record
// (migration 7's table, written by the registry for the profile's dates and
// by Milestones for the others), and the facts ListOverdue is computed
// from, read in a few whole-table queries.
//
// The functions taking a StoreTx run inside Store::Write; those taking a
// Store read through Store::Read (LoadJourneyFacts of the whole consortium
// on a connection of its own). Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_JOURNEY_REVIEW_ROWS_H_
#define RAAMATCH_SERVICES_JOURNEY_REVIEW_ROWS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/journey.pb.h"
#include "services/store/store.h"

namespace raa {

// Migration 9: tracking_reviews (each a serialized raa.v1.TrackingReview
// with its child and review_date) and timescales (one row per version).
SchemaPart ReviewSchema();

// One row of the milestones table.
struct MilestoneRow {
  int kind = 0;
  std::string date;  // YYYY-MM-DD; '' a date cleared with the profile
  std::string reason;
  std::string key_id;
  std::string recorded_by;  // authority id
  int64_t record_time = 0;
};

// What ListOverdue needs to know of one record.
struct JourneyRecord {
  int record_kind = 0;  // kMilestoneOfChild or kMilestoneOfHousehold
  std::string authority_id;
  int64_t row = 0;
  int status = 0;                        // children.status or adopters.status
  std::vector<std::string> hidden_from;  // a child's
  std::map<int, absl::CivilDay> milestones;  // current date by kind
};

struct JourneyLink {
  int64_t id = 0;
  std::string child_authority;
  int64_t child_row = 0;
  int state = 0;                            // raa.v1.LinkState
  int close_reason = 0;                     // raa.v1.CloseReason, when closed
  std::optional<absl::CivilDay> closed_on;  // when closed
  std::map<int, absl::CivilDay> steps;      // corrected date by raa.v1.LinkStep
};

struct JourneyFacts {
  std::vector<JourneyRecord> records;
  std::vector<JourneyLink> links;
  // The latest tracking review of each child, by (authority, row).
  std::map<std::pair<std::string, int64_t>, v1::TrackingReview> reviews;
};

namespace review_rows {

// ---- Inside a write ----

// Appends a milestone row (record_time is the store's clock).
absl::Status InsertMilestone(StoreTx& tx, int record_kind,
                             absl::string_view authority_id, int64_t row,
                             int kind, absl::string_view date,
                             absl::string_view reason, absl::string_view key_id,
                             absl::string_view recorded_by);
// The record's milestone rows, oldest first.
absl::StatusOr<std::vector<MilestoneRow>> ListMilestoneRows(
    StoreTx& tx, int record_kind, absl::string_view authority_id, int64_t row);

// Stores `review` of child (authority_id, row): assigns its name
// (.../reviews/{n}, n counting the child's reviews from 1) and create_time.
absl::Status InsertReview(StoreTx& tx, absl::string_view authority_id,
                          int64_t row, v1::TrackingReview& review);

// The timescales in force: the latest version, or DefaultTimescales().
absl::StatusOr<v1::Timescales> CurrentTimescales(StoreTx& tx);
// Stores `timescales` as the next version; sets version and create_time.
absl::Status InsertTimescales(StoreTx& tx, v1::Timescales& timescales);

// ---- Reads ----

absl::StatusOr<std::vector<MilestoneRow>> ListMilestoneRows(
    Store& store, int record_kind, absl::string_view authority_id, int64_t row);
// The child's reviews, newest first (by review_date, then as recorded).
absl::StatusOr<std::vector<v1::TrackingReview>> ListReviews(
    Store& store, absl::string_view authority_id, int64_t row);
absl::StatusOr<v1::Timescales> CurrentTimescales(Store& store);
// Every record not withdrawn, their current milestones, every link with its
// step dates, and each child's latest review ("" authority: every member).
// With an authority: that member's records, and the links of its children
// only.
absl::StatusOr<JourneyFacts> LoadJourneyFacts(Store& store,
                                              absl::string_view authority);

}  // namespace review_rows
}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_REVIEW_ROWS_H_
