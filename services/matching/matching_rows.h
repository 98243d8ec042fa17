// The matching area's rows in the store: the versions of the matching policy
// (migration 2), follows and their alerts (migration 3); and FollowObserver,
// which hears of every follow a write changes.
//
//   RETURN_IF_ERROR(matching_rows::InsertFollow(tx, "leeds", follow));
//   ASSIGN_OR_RETURN(v1::Follow f, matching_rows::GetFollow(store, "leeds",
//   1));
//
// The functions taking a StoreTx run inside Store::Write; those taking a
// Store read on the read connection. Reads are NOT_FOUND when the row is
// missing. Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_MATCHING_MATCHING_ROWS_H_
#define RAAMATCH_SERVICES_MATCHING_MATCHING_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/names.h"
#include "raa/v1/matching.pb.h"
#include "services/store/store.h"

namespace raa {

// The matching area's migrations: 2 (matching_policies) and 3
// (follows_and_alerts).
SchemaPart MatchingSchema();

// Told of the follows a write changed, before it commits (see
// TellFollowChanges).
class FollowObserver {
 public:
  virtual ~FollowObserver() = default;
  virtual void OnFollowChanged(int64_t row_id, const v1::Follow& follow) = 0;
};

// For a StoreListener's BeforeCommit: tells `observer` of every follow this
// write inserted or updated (unless quietly), in the order written.
void TellFollowChanges(StoreTx& tx, FollowObserver& observer);

// Resource ids of follows: "f<row>".

// Which stored alerts to read (ListAlerts); unset members do not filter.
struct AlertFilter {
  std::string authority_id;  // required: the follower
  int64_t after_sequence = 0;
  int64_t follow_row = 0;
  std::vector<int64_t> follow_rows;  // any of these, when not empty
  std::string child;                 // a child's resource name
  int64_t since_micros = 0;
};

namespace matching_rows {

// ---- Inside a write ----

// The newest matching policy, NOT_FOUND if none was ever stored.
absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy(StoreTx& tx);
// Stores `policy` as a new version (its version field is ignored and set).
absl::Status InsertMatchingPolicy(StoreTx& tx, v1::MatchingPolicy& policy);

// Assigns the follow's name (authorities/{a}/follows/f{row}) and
// create_time; the observer is told.
absl::Status InsertFollow(StoreTx& tx, absl::string_view authority_id,
                          v1::Follow& follow);
absl::StatusOr<v1::Follow> GetFollow(StoreTx& tx,
                                     absl::string_view authority_id,
                                     int64_t row_id);
// Stores `follow` over the row named by follow.name(); the observer is
// told unless `quiet` (an observer's own change, from a derived write).
absl::Status UpdateFollow(StoreTx& tx, const v1::Follow& follow,
                          bool quiet = false);
// `authority_id`'s follow of `followed` that is active and not deleted.
absl::StatusOr<std::optional<v1::Follow>> FindActiveFollow(
    StoreTx& tx, absl::string_view authority_id, absl::string_view followed);
absl::StatusOr<int64_t> CountActiveFollows(StoreTx& tx,
                                           absl::string_view authority_id);
// Appends `alert` to `authority_id`'s alerts, for follow `follow_row`,
// with the authority's next sequence number (returned; also set in
// alert.name as authorities/{a}/alerts/{n}). Alerts are never changed.
absl::StatusOr<int64_t> AppendAlert(StoreTx& tx, absl::string_view authority_id,
                                    int64_t follow_row, v1::MatchAlert& alert);

// ---- Reads ----

absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy(Store& store);
absl::StatusOr<v1::Follow> GetFollow(Store& store,
                                     absl::string_view authority_id,
                                     int64_t row_id);
// Leaves deleted follows out.
absl::StatusOr<Page<v1::Follow>> ListFollows(Store& store,
                                             absl::string_view authority_id,
                                             const PageRequest& page);
// Every active, undeleted follow, in row order (at start).
absl::Status ScanActiveFollows(
    Store& store,
    absl::FunctionRef<void(int64_t row_id, const v1::Follow&)> fn);
// Stored alerts in sequence order, `page.after` a sequence number; each
// Row's row_id is the alert's sequence number.
absl::StatusOr<Page<Row<v1::MatchAlert>>> ListAlerts(Store& store,
                                                     const AlertFilter& filter,
                                                     const PageRequest& page);

}  // namespace matching_rows
}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_MATCHING_ROWS_H_
