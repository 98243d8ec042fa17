// A saved matching index, so that a server restarted, after a clean stop
// or a crash, serves in well under a second at a million records instead of
// rebuilding the index from every profile.
//
// The server saves its index next to the database ("<db>.index") when it
// stops cleanly and, while serving, once enough has changed since the last
// save; each save under a fresh random token that it then writes into the
// database (index_stamp) with the last change the index holds. SQLite's
// triggers log every insert, update and delete of a household, a child or a
// journey date (index_changes, whoever writes: the server, a migration, an
// operator's sqlite3); a save drops the log up to the change it holds (a
// change another program logs while the server serves is not one it holds:
// LiveIndex::Begun).
//
// A start loads the file if all of these hold, else rebuilds from the
// database as always:
//   - it was written by this very binary (the executable's GNU build id);
//   - the database holds its token and its last change: it is the newest
//     save of this database, not an earlier one, a copy's, or one whose
//     recording did not commit;
//   - all nine logging triggers are present (registry_rows::
//     ReadIndexedRows);
//   - its bytes are whole (length and checksum) and read back
//     (matcher::CandidateIndex::Load).
// Then it reads again every record changed after the saved change (the
// log) and takes it into the index as a write would: the index is the
// database's, whatever happened between the save and the start. Authorities
// are read whole at every start; open links are not in the file (the links
// table has them).
//
//   // save: the last change committed, then the index's bytes
//   ASSIGN_OR_RETURN(IndexStamp stamp, StampOf(rows_read_before_the_copy));
//   RETURN_IF_ERROR(WriteIndexSnapshot(path, stamp, payload));
//   // then in a write: registry_rows::SetIndexSaved(tx, token, through)
//   // start:
//   ASSIGN_OR_RETURN(SavedIndex saved, ReadIndexSnapshot(path));
//   RETURN_IF_ERROR(CheckIndexStamp(saved.stamp, StampOf(rows now)));
//   // matcher::CandidateIndex::Load(saved.payload()), then the log
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
  std::string build;          // this executable's build id, hex
  std::string token;          // the database's index_stamp.token
  int64_t saved_through = 0;  // the last change (index_changes) it holds
  friend bool operator==(const IndexStamp&, const IndexStamp&) = default;
};

// The stamp of this binary and `rows` (read from the database).
// FailedPrecondition if the executable has no build id or the database
// lacks some of its logging triggers: then no snapshot is trusted.
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
// Reads the snapshot at `path` (and deletes any temporary file a crash
// left). NotFound if there is none; DataLoss if it is damaged.
absl::StatusOr<SavedIndex> ReadIndexSnapshot(const std::string& path);

// OK if a snapshot saved at `saved` may be loaded `now`; FailedPrecondition
// saying what differs otherwise.
absl::Status CheckIndexStamp(const IndexStamp& saved, const IndexStamp& now);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_INDEX_SNAPSHOT_H_
