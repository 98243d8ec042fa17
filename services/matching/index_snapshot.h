// A saved matching index, so that a server restarted after a clean stop
// serves in well under a second at a million records instead of rebuilding
// the index from every profile.
//
// The server saves its index when it stops cleanly (next to the database:
// "<db>.index") and the next start takes it: reads it, deletes it, and loads
// it only if all of these hold, else rebuilds from the database as always:
//   - it was written by this very binary (the executable's GNU build id);
//   - no row the index is built from (authorities, adopters, children,
//     milestones) has been inserted, updated or deleted since: SQLite's
//     triggers count every such change (registry_rows::IndexedRowChanges),
//     and the last adopter and child rows are what they were;
//   - its bytes are whole (length and checksum) and read back
//     (matcher::CandidateIndex::Load).
// A snapshot is used at most once: after a crash (no clean stop) the next
// start rebuilds. Open links are not in it (the links table has them).
//
//   ASSIGN_OR_RETURN(IndexStamp now, CurrentIndexStamp(store));
//   absl::StatusOr<matcher::CandidateIndex> index = TakeIndexSnapshot(path,
//                                                                     now);
//   ...
//   RETURN_IF_ERROR(WriteIndexSnapshot(path, now, index));
#ifndef RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_
#define RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "matcher/candidate_index.h"
#include "services/store/store.h"

namespace raa {

// What a snapshot must have been saved at to be loaded.
struct IndexStamp {
  std::string build;  // this executable's build id, hex; empty if it has none
  int64_t changes = 0;
  int64_t last_adopter_row = 0;
  int64_t last_child_row = 0;
  friend bool operator==(const IndexStamp&, const IndexStamp&) = default;
};

// The stamp of this binary and `store` now.
absl::StatusOr<IndexStamp> CurrentIndexStamp(Store& store);

// Writes `index` with `stamp` to `path` (0600, through a temporary file
// renamed into place once synced: a crash leaves the old file or none).
// FailedPrecondition if this binary has no build id.
absl::Status WriteIndexSnapshot(const std::string& path,
                                const IndexStamp& stamp,
                                const matcher::CandidateIndex& index);

// Reads the snapshot at `path` and deletes the file; the index if it was
// saved at `now` and reads back whole. NotFound if there is none;
// FailedPrecondition (saying why) if it is stale; DataLoss if damaged.
absl::StatusOr<matcher::CandidateIndex> TakeIndexSnapshot(
    const std::string& path, const IndexStamp& now);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_
