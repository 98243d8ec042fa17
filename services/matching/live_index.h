// The matcher's CandidateIndex kept in step with the database, and the
// follows and watches that turn writes into alerts (AlertFeed).
//
// Built from the store at start; it observes the registry's and the follows'
// rows (the server's store listener tells it), so every
// write reaches the index inside its transaction (under the store's write
// lock, in commit order) before the write is acknowledged: a search issued
// after an acknowledged write sees that write. The alerts a write makes for
// follows are stored in the same transaction, so none is lost to a crash;
// streams get them once the write has committed. A write whose commit fails
// after the index took it in is taken back out (RolledBack), so a search may
// see a write a moment before it is acknowledged but never keeps one that was
// not.
//
//   ASSIGN_OR_RETURN(auto live, LiveIndex::Build(store, clock));
//   // in the server's StoreListener::BeforeCommit(tx):
//   RETURN_IF_ERROR(TellRegistryChanges(tx, *live));
//   TellFollowChanges(tx, *live);
//   RETURN_IF_ERROR(live->WriteDerived(tx));  // then Committed/RolledBack
//   live->Read([&](const matcher::CandidateIndex& index,
//                  const matcher::MatchingPolicy& policy) { ... });
#ifndef RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_
#define RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "matcher/candidate_index.h"
#include "raa/v1/matching.pb.h"
#include "services/matching/alert_feed.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry_rows.h"
#include "services/store/store.h"

namespace raa {

// The resource names of indexed records, by authority: the start of every
// name ("authorities/sheffield/adopters/h") made once per authority, so a
// ranking names a candidate with one append of its row id and no temporary
// string, found by the number the index gave the candidate's authority
// (no hash of its id). Not thread-safe on its own: LiveIndex guards it with
// its lock.
class RecordNames {
 public:
  // Makes the prefixes of `authority_id` (no-op if known). Never removed: a
  // row's name never changes, so a prefix left by a write that rolled back
  // is merely unused.
  void Add(absl::string_view authority_id);
  // Numbers the prefixes made so far as `index` numbers its authorities
  // (CandidateIndex::authority_id). Call after Add and whenever the index
  // is replaced; an authority numbered later is found by its id instead.
  void NumberAs(const matcher::CandidateIndex& index);
  // Appends "authorities/{a}/adopters/h{key}" / ".../children/c{key}" to
  // `out`, for a candidate of the index last given to NumberAs.
  void AppendAdopter(std::string& out,
                     const matcher::RankedCandidate& candidate) const;
  void AppendChild(std::string& out,
                   const matcher::RankedCandidate& candidate) const;

 private:
  struct Prefixes {
    std::string adopters;  // "authorities/{a}/adopters/h"
    std::string children;  // "authorities/{a}/children/c"
  };
  // The prefixes of `candidate`'s authority, or null if it has none.
  const Prefixes* Find(const matcher::RankedCandidate& candidate) const;

  // By authority id; a node map, so entries stay where they are.
  absl::node_hash_map<std::string, Prefixes> prefixes_;
  // By CandidateIndex number: the entry of the authority with that number,
  // or null. Its id is checked: a stale number is never trusted.
  std::vector<const std::pair<const std::string, Prefixes>*> by_number_;
};

class LiveIndex final : public RegistryObserver, public FollowObserver {
 public:
  struct BuildOptions {
    // Rows of households and of children read and converted at a time; 0
    // picks (a 64th of the table's rows, at least 4,096). Tests give small
    // chunks to exercise the hand-over.
    int64_t rows_per_chunk = 0;
    // Where the index is saved (SaveSnapshot): if the snapshot there is the
    // database's newest save it is loaded, and the records changed since
    // read again, instead of reading every profile
    // (services/matching/index_snapshot.h). Empty: always rebuild.
    std::string snapshot_path;
  };
  // Loads authorities, households, children and the newest matching policy
  // (storing the default policy as version 1 on a new database).
  static absl::StatusOr<std::unique_ptr<LiveIndex>> Build(Store& store,
                                                          const Clock& clock);
  static absl::StatusOr<std::unique_ptr<LiveIndex>> Build(Store& store,
                                                          const Clock& clock,
                                                          BuildOptions options);

  // Runs `fn(const matcher::CandidateIndex&, const matcher::MatchingPolicy&)`
  // under a reader lock and returns what it returns.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(index_, policy_);
  }

  // As Read, with two more arguments: the index's generation, a number that
  // changes whenever anything a ranking reads changes (a profile, an
  // authority, the policy), and the records' names (const RecordNames&). A
  // ranking page token carries the generation, so that a later page can
  // tell the ranking it continues has changed.
  template <typename Fn>
  auto ReadWithGeneration(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(index_, policy_, generation_, names_);
  }

  struct SaveOptions {
    // Reorders the households first (matcher::CandidateIndex::Reorganize):
    // searches wait for it, so for a server that has stopped serving.
    bool reorganize = false;
  };
  struct Saved {
    int64_t bytes = 0;    // the payload's
    absl::Duration held;  // copying the index: writes waited (and searches
                          // too, if reorganize)
    absl::Duration took;  // in all
  };
  // Saves the index to `path` for the next start (BuildOptions) under a new
  // token, then records the token and the last change it holds in the
  // database (one write: the store calls BeforeCommit on its listener,
  // which must not hold mu_). While serving: writes wait while the index is
  // copied (mu_ as a reader, after any write half-way), and searches that
  // come after a waiting write wait too (about 0.1 s at a million records).
  // If that write fails after the file is in place, the next start
  // rebuilds. One save at a time.
  absl::StatusOr<Saved> SaveSnapshot(Store& store, const std::string& path,
                                     SaveOptions options)
      ABSL_LOCKS_EXCLUDED(mu_, save_mu_);
  absl::StatusOr<Saved> SaveSnapshot(Store& store, const std::string& path) {
    return SaveSnapshot(store, path, SaveOptions());
  }
  // Records that no saved index may be loaded, and empties the log of
  // changes: for a server that never saves one (the log would only grow),
  // and after a start that rebuilt the index (before serving: the log may
  // hold every row of an import, too many to drop in a write while
  // serving). Nothing else may write meanwhile: the log is dropped whole.
  absl::Status ForgetSavedIndex(Store& store) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether a save is due: none since the start (or the one loaded), or at
  // least `min_changes` records written since the last. AwaitSaveDue blocks
  // for `pause` and until one is, or StopSaving (then false).
  bool SaveDue(int64_t min_changes) const ABSL_LOCKS_EXCLUDED(mu_);
  bool AwaitSaveDue(int64_t min_changes, absl::Duration pause)
      ABSL_LOCKS_EXCLUDED(mu_);
  void StopSaving() ABSL_LOCKS_EXCLUDED(mu_);
  // Whether Build loaded a snapshot.
  bool built_from_snapshot() const { return built_from_snapshot_; }

  // Takes `policy` unless a newer version is already in use.
  void SetPolicy(const matcher::MatchingPolicy& policy);

  // An ad-hoc watch (see AlertFeed::Subscribe): alerts to `sink` until
  // Unsubscribe. UNAVAILABLE once CloseAll has run; FAILED_PRECONDITION if
  // nothing it names is in matching.
  absl::StatusOr<int64_t> Subscribe(FollowSpec spec, AlertSink* sink);
  // Primes a part of a few of watch `id`'s records (AlertFeed::Prime) under
  // one hold of the lock: searches and writes wait for a part, never for a
  // whole watch (200 records at 7,000 households held them 1.6 s in one
  // piece). Call it until it returns false; until then the records not
  // yet primed make no alerts.
  bool Prime(int64_t id);
  void Unsubscribe(int64_t id);
  // A stream of follows (see AlertFeed::Watch and DropEnded).
  int64_t Watch(std::string authority_id, std::vector<int64_t> follow_rows,
                AlertSink* sink, std::string records_of = "");
  void Unwatch(int64_t id);
  void DropEnded(int64_t id, const std::vector<int64_t>& follow_rows,
                 const std::string& reason);
  // Ends every stream (at shutdown).
  void CloseAll();

  // The number of open links a household holds (the matcher's link limit),
  // from the journey's links: inside a write's listening (undone by
  // RolledBack), or at start followed by Committed.
  void SetOpenLinks(uint64_t household_key, int open_links);

  // Whether a child / household is in matching now (see IndexView).
  bool ChildInMatching(uint64_t key) const;
  bool HouseholdInMatching(uint64_t key) const;

  // RegistryObserver and FollowObserver, then the rest of a write's
  // listening (see StoreListener): called with the store's write lock held.
  absl::Status Admit(const std::vector<Row<v1::Child>>& children,
                     const std::vector<Row<v1::Adopter>>& adopters) override;
  void OnAuthorityChanged(const v1::Authority& authority) override;
  void OnChildChanged(int64_t row_id, const v1::Child& child) override;
  void OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) override;
  void OnFollowChanged(int64_t row_id, const v1::Follow& follow) override;
  // Where the log of changes stands as a write begins; and (in
  // WriteDerived) as it ends: a write that begins where the last one this
  // server made ended holds every change logged since (see SaveSnapshot).
  void Begun(StoreTx& tx);
  // Stores the alerts the changes made (they commit or roll back with the
  // write); an error rolls the write back.
  absl::Status WriteDerived(StoreTx& tx);
  // Exactly one of these after the changes were taken in (Admit passed).
  void Committed();
  void RolledBack();

 private:
  // What the write in progress replaced, to put back on RolledBack.
  struct Replaced {
    enum Kind { kChild, kHousehold, kAuthority } kind = kChild;
    uint64_t key = 0;
    std::optional<matcher::ChildGroup> child;
    std::optional<matcher::Household> household;
    v1::Authority authority;  // kAuthority: as it was (name only if new)
    bool authority_known = false;
  };

  // Debug builds: what a record this write changed must look like in the
  // index once the write commits (the stored version, or nothing if the
  // index cannot hold it), checked by CheckCommitted.
  struct Expected {
    Replaced::Kind kind = Replaced::kChild;
    uint64_t key = 0;
    bool present = false;
    std::string authority;
    bool active = false;  // waiting / available
  };

  explicit LiveIndex(const Clock& clock) : clock_(clock) {}
  bool NoWriteInProgress() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !write_in_progress_;
  }
  void CheckCommitted() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  int32_t Today() const;
  IndexView View() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void TakeAuthority(const v1::Authority& authority)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  bool built_from_snapshot_ = false;               // set by Build only
  absl::Mutex save_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one save at a time
  mutable absl::Mutex mu_;
  matcher::CandidateIndex index_ ABSL_GUARDED_BY(mu_);
  matcher::MatchingPolicy policy_ ABSL_GUARDED_BY(mu_);
  // Every authority as last taken in, and the withdrawn ones' ids.
  absl::flat_hash_map<std::string, v1::Authority> authorities_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> withdrawn_ ABSL_GUARDED_BY(mu_);
  RecordNames names_ ABSL_GUARDED_BY(mu_);
  AlertFeed feed_ ABSL_GUARDED_BY(mu_);
  std::vector<Replaced> replaced_ ABSL_GUARDED_BY(mu_);
  // Open-link counts the write in progress replaced: (household, before).
  std::vector<std::pair<uint64_t, int>> replaced_links_ ABSL_GUARDED_BY(mu_);
  std::vector<Expected> expected_ ABSL_GUARDED_BY(mu_);  // debug builds only
  // A write has changed the index and not yet committed or rolled back.
  bool write_in_progress_ ABSL_GUARDED_BY(mu_) = false;
  // The log of changes (index_changes) as this server followed it: every
  // change up to log_applied_ is in the index, which a save records. A
  // change logged by another program while serving (a gap between this
  // server's writes) stops it there: the next start reads it again.
  int64_t log_applied_ ABSL_GUARDED_BY(mu_) = 0;
  bool log_gap_ ABSL_GUARDED_BY(mu_) = false;
  // The write in progress: the log's last change as it began and as it
  // ended (-1: not known).
  int64_t write_log_begin_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t write_log_end_ ABSL_GUARDED_BY(mu_) = -1;
  // The token of the newest save this process made or loaded ("": none),
  // and the records written since it (as Committed counts them).
  std::string saved_token_ ABSL_GUARDED_BY(mu_);
  int64_t unsaved_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_saving_ ABSL_GUARDED_BY(mu_) = false;
  // Counts the changes applied since start (see ReadWithGeneration).
  // Starts from the clock at start-up, so a token from before a restart
  // never matches a generation after it.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) =
      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_
