// The audit trail: who looked at or changed which child or household, when,
// with which key, through which RPC.
//
//   ASSIGN_OR_RETURN(auto audit, AuditLog::Open({.db_path = path}, clock));
//   audit->Record(std::move(event), [reactor](absl::Status recorded) {
//     ...answer the call only now...
//   });
//   audit->Stop();  // at shutdown: commits what is queued
//
// Recording is off the request path: Record() queues the event and returns;
// one writer thread commits whatever has queued, in one transaction per
// batch (group commit: while one batch commits, the next gathers), on its
// own SQLite connection to the server's database (tables from migrations 4,
// 11, 16 and 21: each record name is numbered once, an event lists numbers,
// a row holds a batch's run of events by one key, member, method and
// status, and each record's events are listed once per merge run).
// When only reads' events are queued (no `done`, no Flush waiting) the writer
// lets them gather for 5 ms first: one commit per window under load.
//
// Durability: `done` runs after the event's batch has committed. The RPC
// runner answers a change only then, so an answered change's event survives
// a kill -9 of the server (its transaction is in the WAL file, which the
// kernel holds); a read, or a refused change, is answered at once, and a
// kill -9 loses the events
// still queued (those of the last batch interval: the 5 ms window and the
// commit before it). The audit
// connection commits with synchronous=NORMAL: an operating-system crash or
// power cut can lose the events since the WAL was last synced (at the next
// store write, which syncs the same WAL file, at a checkpoint, or by the
// kernel's writeback, ~30 s). A change committed by the store whose event was
// not yet committed when the server died was never answered; its retry (same
// request_id) is recorded. A batch whose commit fails (the database locked
// past the busy timeout by a long write, a full disk) answers its changes
// UNAVAILABLE; the events of its calls answered already (reads, refused
// changes, validate_only checks) are kept and committed again on their own,
// a second after each failure, in ten tries in all (at most 131,072 kept,
// and once more at a stop); those given up are counted on standard error.
// Flush does not wait for them.
//
// Retention: events older than `retention` are deleted at Open and then once
// a day by the writer thread.
//
// Thread-safe.
#ifndef RAAMATCH_SERVICES_AUDIT_AUDIT_LOG_H_
#define RAAMATCH_SERVICES_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "raa/v1/access.pb.h"

namespace SQLite {
class Database;
}

namespace raa {

// The resource names an event names, in one buffer: a ranking's twenty-one
// names are one allocation rather than one each.
//
//   AuditRecords records = {"authorities/sheffield/children/c1"};
//   records.push_back("authorities/leeds/adopters/h7");
//   for (size_t i = 0; i < records.size(); ++i) Use(records[i]);
class AuditRecords {
 public:
  AuditRecords() = default;
  AuditRecords(std::initializer_list<absl::string_view> names) {
    for (absl::string_view name : names) push_back(name);
  }
  explicit AuditRecords(const std::vector<std::string>& names) {
    for (const std::string& name : names) push_back(name);
  }

  void push_back(absl::string_view name) {
    chars_.append(name.data(), name.size());
    ends_.push_back(static_cast<uint32_t>(chars_.size()));
  }
  // Room for `count` more names of `chars` characters in all.
  void reserve(size_t count, size_t chars) {
    chars_.reserve(chars_.size() + chars);
    ends_.reserve(ends_.size() + count);
  }

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  absl::string_view operator[](size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return absl::string_view(chars_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string chars_;                       // the names, end to end
  absl::InlinedVector<uint32_t, 24> ends_;  // where each ends in chars_
};

struct AuditEvent {
  absl::Time time;           // left unset: the time it is recorded
  std::string key_id;        // bare id, e.g. "336774ed25169ddb"
  std::string authority_id;  // bare id, e.g. "leeds"
  std::string method;        // "/raa.v1.RegistryService/GetChild"
  int status_code = 0;       // grpc::StatusCode of the answer
  AuditRecords records;      // resource names
};

struct AuditOptions {
  std::string db_path;
  absl::Duration retention = absl::Hours(24 * 2190);  // six years
  // At most this many events per transaction.
  size_t max_batch = 2048;
  // Events between two runs of the by-record index (Merge). A run rewrites
  // about a page per distinct record it lists, however few events it takes
  // in, so runs are long; a search by record finds the events since the last
  // run in the writer's memory (unmerged_), not by reading them.
  int64_t merge_every = 65536;
  // Or once the events since the last run name this many records in all
  // (about 25,000 rankings; pages of lists name up to a thousand each),
  // checked after each batch: the writer holds 16 bytes per (record, event)
  // pair, in two buffers from its first merge (up to 16 MiB each), and
  // frees buffers grown past twice this after a merge.
  size_t merge_pairs = size_t{1} << 19;
};

class AuditLog {
 public:
  // Called once the event is committed (OK) or could not be (the error).
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // Opens the audit tables in the database at `options.db_path` (the store
  // has applied the migrations), prunes expired events and starts the writer.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const AuditOptions& options, const Clock& clock);
  ~AuditLog();  // Stop()

  // Queues `event`; `done` (if any) runs on the writer thread after commit.
  // After Stop, `done` gets UNAVAILABLE and nothing is recorded.
  void Record(AuditEvent event, Done done = nullptr);

  // Blocks until every event queued before the call is committed.
  void Flush();

  // Commits what is queued and stops the writer. Idempotent.
  void Stop();

  // Deletes events older than the retention period (as of the clock's now).
  // Returns how many were deleted.
  absl::StatusOr<int64_t> Prune();

  // A page of events matching the request's filters, newest first.
  // INVALID_ARGUMENT naming a malformed filter.
  absl::StatusOr<v1::QueryAuditLogResponse> Query(
      const v1::QueryAuditLogRequest& request);

 private:
  struct Pending {
    AuditEvent event;
    Done done;
    int failed_commits = 0;  // commits of its batch that failed
  };

  AuditLog(AuditOptions options, const Clock& clock,
           std::unique_ptr<SQLite::Database> write_db,
           std::unique_ptr<SQLite::Database> read_db);
  void Run();
  absl::Status Commit(std::vector<Pending>& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::StatusOr<int64_t> PruneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Reads last_event_, merged_ and unmerged_ from the database (at Open).
  absl::Status ReadPositions();
  // Lists, in audit_postings, the events after audit_merged.upto by the
  // records they read (one row per record), once options_.merge_every
  // events (or options_.merge_pairs pairs) have gathered.
  void MergeIfDue();
  absl::Status Merge() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Starts the read transaction begun on `db` (a Query's) and returns the
  // committed events after merged_ that read `record` (its number), newest
  // first: together, with nothing committed or merged in between.
  std::vector<int64_t> SnapshotWithUnmergedEventsOf(SQLite::Database& db,
                                                    int64_t record)
      ABSL_LOCKS_EXCLUDED(db_mu_);

  const AuditOptions options_;
  const Clock& clock_;

  absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;     // events ever queued
  uint64_t committed_ ABSL_GUARDED_BY(mu_) = 0;  // of those, handled
  // Queued events with a `done`, and Flush calls, waiting for a commit.
  uint64_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  // The writer's connection: used by the writer thread and Prune. Held by
  // a search by record while its snapshot starts and it reads unmerged_
  // (taken after read_mu_).
  absl::Mutex db_mu_;
  std::unique_ptr<SQLite::Database> write_db_ ABSL_GUARDED_BY(db_mu_);
  // Commit's statements, prepared at the first commit (after write_db_:
  // finalized before it closes).
  struct CommitStatements;
  std::unique_ptr<CommitStatements> commit_statements_ ABSL_GUARDED_BY(db_mu_);
  // Names' numbers in audit_names, as committed (a bounded cache: emptied
  // when full, and when a commit fails).
  absl::flat_hash_map<std::string, int64_t> numbers_ ABSL_GUARDED_BY(db_mu_);
  int64_t last_event_ ABSL_GUARDED_BY(db_mu_) = 0;  // the newest event's id
  int64_t merged_ ABSL_GUARDED_BY(db_mu_) = 0;      // audit_merged.upto
  // What Merge lists next: (record number, event id) for each record of
  // each committed event after merged_, each record's pairs in event order
  // (all of them, unless a failed merge left them sorted). Kept as the
  // events commit, so a merge does not read them back.
  std::vector<std::pair<int64_t, int64_t>> unmerged_ ABSL_GUARDED_BY(db_mu_);
  // Merge's sorting buffer, kept: its pages are not faulted in afresh.
  std::vector<std::pair<int64_t, int64_t>> merge_scratch_
      ABSL_GUARDED_BY(db_mu_);
  absl::Mutex read_mu_;
  std::unique_ptr<SQLite::Database> read_db_ ABSL_GUARDED_BY(read_mu_);

  std::thread writer_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUDIT_AUDIT_LOG_H_
