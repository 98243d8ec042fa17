// A saved matching index, so that a server restarted after a clean stop
// serves in well under a second at a million records instead of rebuilding
// the index from every profile.
//
// The server saves its index when it stops cleanly (next to the database:
// "<db>.index"), under a fresh random token that it also writes into the
// database (index_stamp). The next start reads the file, deletes it, and
// loads it only if all of these hold, else rebuilds from the database as
// always:
//   - it was written by this very binary (the executable's GNU build id);
//   - the database still holds its token: it is the database the index was
//     saved from, not a restored copy or another branch of its history;
//   - no row the index is built from (authorities, adopters, children,
//     milestones) has been inserted, updated or deleted since: SQLite's
//     triggers count every such change (registry_rows::ReadIndexedRows, all
//     twelve present), and the last adopter and child rows are as they were;
//   - its bytes are whole (length and checksum) and read back
//     (matcher::CandidateIndex::Load).
// The start clears the token in the database (in the transaction that
// checked it) before using the index, so a snapshot is loaded at most once,
// whatever becomes of the file; after a crash the next start rebuilds. Open
// links are not in it (the links table has them).
//
//   // stop: under the store's write lock, after the token is set
//   ASSIGN_OR_RETURN(IndexStamp stamp, StampOf(rows_read_in_that_write));
//   RETURN_IF_ERROR(WriteIndexSnapshot(path, stamp, payload));
//   // start:
//   ASSIGN_OR_RETURN(SavedIndex saved, ReadIndexSnapshot(path));
//   // in a write: CheckIndexStamp(saved.stamp, StampOf(rows now)), then
//   // clear the token; then matcher::CandidateIndex::Load(saved.payload()).
#ifndef RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_
#define RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/registry/registry_rows.h"

namespace raa {

// What a snapshot must have been saved at to be loaded.
struct IndexStamp {
  std::string build;  // this executable's build id, hex
  std::string token;  // the database's index_stamp.token
  int64_t changes = 0;
  int64_t last_adopter_row = 0;
  int64_t last_child_row = 0;
  friend bool operator==(const IndexStamp&, const IndexStamp&) = default;
};

// The stamp of this binary and `rows` (read from the database).
// FailedPrecondition if the executable has no build id or the database
// lacks some of its counting triggers: then no snapshot is trusted.
absl::StatusOr<IndexStamp> StampOf(const registry_rows::IndexedRows& rows);

// A new random token (32 hex digits) to save an index under.
std::string NewIndexToken();

// Writes `payload` (matcher::CandidateIndex::Save's bytes) with `stamp` to
// `path`, mode 0600, through a temporary file renamed into place once
// synced: a crash leaves no file or a whole one.
absl::Status WriteIndexSnapshot(const std::string& path,
                                const IndexStamp& stamp,
                                absl::string_view payload);

struct SavedIndex {
  IndexStamp stamp;
  std::string bytes;         // the whole file
  size_t payload_start = 0;  // where the payload (checksum verified) starts
  absl::string_view payload() const {
    return absl::string_view(bytes).substr(payload_start);
  }
};
// Reads the snapshot at `path` and deletes the file (and any temporary file
// a crash left). NotFound if there is none; DataLoss if it is damaged.
absl::StatusOr<SavedIndex> ReadIndexSnapshot(const std::string& path);

// OK if a snapshot saved at `saved` may be loaded `now`; FailedPrecondition
// saying what differs otherwise.
absl::Status CheckIndexStamp(const IndexStamp& saved, const IndexStamp& now);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_
