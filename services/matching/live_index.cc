#include "services/matching/live_index.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/check.h"
#include "common/dates.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/auth/access_policy.h"
#include "services/matching/convert.h"
#include "services/matching/index_snapshot.h"

namespace raa {
namespace {

absl::Status Loaded(absl::Status status, absl::string_view record) {
  if (status.ok()) return status;
  return absl::DataLossError(
      absl::StrCat("cannot index ", record, ": ", status.message()));
}

void Report(const absl::Status& status) {
  if (!status.ok()) std::cerr << "raamatchd: index: " << status << "\n";
}

// "sheffield" in "authorities/sheffield/children/c1".
std::string AuthorityOfName(const std::string& name) {
  size_t start = name.find('/') + 1;
  return name.substr(start, name.find('/', start) - start);
}

// Rows 1..last_row of one table in chunks, read and converted into Items
// (households or child groups) by whichever thread claims each first; Take
// gives them back in order. `convert(store, first, last, items)` reads one
// chunk on a connection of its own.
template <typename Item>
class RowChunks {
 public:
  using Convert = absl::Status (*)(Store&, int64_t, int64_t,
                                   std::vector<Item>&);

  // `rows_per_chunk` 0: a kChunks-th of the rows, at least kMinRows.
  RowChunks(int64_t last_row, int64_t rows_per_chunk, Convert convert)
      : rows_per_chunk_(
            rows_per_chunk > 0
                ? rows_per_chunk
                : std::max<int64_t>(kMinRows, last_row / kChunks + 1)),
        count_(static_cast<size_t>((last_row + rows_per_chunk_ - 1) /
                                   rows_per_chunk_)),
        convert_(convert),
        chunks_(count_) {}

  size_t size() const { return count_; }

  // Claims and converts the next chunk nobody has; false when none is left
  // (or after Abandon).
  bool ConvertNext(Store& store) {
    const size_t c = next_.fetch_add(1);
    if (c >= count_ || abandoned_.load()) return false;
    const int64_t first = static_cast<int64_t>(c) * rows_per_chunk_ + 1;
    std::vector<Item> items;
    absl::Status status =
        convert_(store, first, first + rows_per_chunk_ - 1, items);
    absl::MutexLock lock(&mu_);
    chunks_[c].items = std::move(items);
    chunks_[c].status = std::move(status);
    chunks_[c].done = true;
    return true;
  }

  // Chunk `c`'s items, once converted; converts other chunks meanwhile.
  absl::StatusOr<std::vector<Item>> Take(size_t c, Store& store) {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (chunks_[c].done) {
          Chunk& chunk = chunks_[c];
          if (!chunk.status.ok()) return chunk.status;
          return std::move(chunk.items);
        }
      }
      if (!ConvertNext(store)) {
        // Every chunk is claimed: wait for the one needed.
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Chunk* chunk) { return chunk->done; }, &chunks_[c]));
      }
    }
  }

  void Abandon() { abandoned_.store(true); }

 private:
  static constexpr int64_t kMinRows = 4096;
  static constexpr int64_t kChunks = 64;

  struct Chunk {
    bool done = false;
    absl::Status status;
    std::vector<Item> items;
  };

  const int64_t rows_per_chunk_;
  const size_t count_;
  const Convert convert_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> abandoned_{false};
  absl::Mutex mu_;
  std::vector<Chunk> chunks_ ABSL_GUARDED_BY(mu_);
};

absl::Status ConvertHouseholds(Store& store, int64_t first, int64_t last,
                               std::vector<matcher::Household>& out) {
  return registry_rows::ScanMatchingColumnsOfAdopters(
      store, first, last,
      [&out](int64_t row, absl::string_view authority_id,
             const v1::Adopter& a) {
        std::optional<matcher::Household> h = ToHousehold(row, authority_id, a);
        if (h) out.push_back(*std::move(h));
      });
}

absl::Status ConvertChildren(Store& store, int64_t first, int64_t last,
                             std::vector<matcher::ChildGroup>& out) {
  // Only the indexed statuses' profiles are read: a consortium's placed and
  // adopted children, most of its rows in time, cost a start nothing.
  return registry_rows::ScanChildren(
      store, first, last, kIndexedChildStatuses,
      [&out](int64_t row, const v1::Child& child, int32_t waiting_since_day) {
        std::optional<matcher::ChildGroup> g = ToChildGroup(
            row, AuthorityOfName(child.name()), child, waiting_since_day);
        if (g) out.push_back(*std::move(g));
      });
}

// Takes `chunks` in row order and gives each item to `upsert` (on this
// thread, the index's).
template <typename Item, typename Upsert>
absl::Status UpsertInOrder(RowChunks<Item>& chunks, Store& store,
                           Upsert upsert) {
  for (size_t c = 0; c < chunks.size(); ++c) {
    absl::StatusOr<std::vector<Item>> items = chunks.Take(c, store);
    if (!items.ok()) return items.status();
    for (const Item& item : *items) upsert(item);
  }
  return absl::OkStatus();
}

// Every household and child group in the store into `index` (which holds
// the authorities), the households reorganized.
//
// A row the index cannot hold (admission keeps new ones out, but a
// database may predate a limit) is left out and reported, not fatal: the
// rest of the consortium stays searchable.
//
// Two threads. The households (from their columns) and then the
// children's profiles (with the day each waits from, a column too: no
// milestone is read) are read and converted in chunks of rows, each on a
// read connection of its own, by whichever thread claims a chunk first: a
// second thread takes chunks from the start, while this one upserts the
// chunks in row order, households first, converting the next unclaimed
// chunk itself whenever the one it needs is not ready (the index is one
// thread's).
absl::Status ReadAllRecords(Store& store,
                            const LiveIndex::BuildOptions& options,
                            matcher::CandidateIndex& index) {
  ASSIGN_OR_RETURN(const int64_t last_adopter,
                   registry_rows::LastAdopterRow(store));
  ASSIGN_OR_RETURN(const int64_t last_child,
                   registry_rows::LastChildRow(store));
  RowChunks<matcher::Household> households(last_adopter, options.rows_per_chunk,
                                           &ConvertHouseholds);
  RowChunks<matcher::ChildGroup> children(last_child, options.rows_per_chunk,
                                          &ConvertChildren);
  std::thread helper([&households, &children, &store] {
    while (households.ConvertNext(store)) {
    }
    while (children.ConvertNext(store)) {
    }
  });
  absl::Status read =
      UpsertInOrder(households, store, [&index](const matcher::Household& h) {
        absl::Status upserted = index.UpsertHousehold(h);
        if (!upserted.ok()) {
          Report(Loaded(upserted,
                        AdopterName(h.authority, static_cast<int64_t>(h.key))));
        }
      });
  if (read.ok()) {
    // Similar households side by side, so a search skips whole blocks
    // (matcher/candidate_index.h, Reorganize; later upserts are appended):
    // before the children, while the helper reads them.
    index.Reorganize();
    read =
        UpsertInOrder(children, store, [&index](const matcher::ChildGroup& g) {
          absl::Status upserted = index.UpsertChild(g);
          if (!upserted.ok()) {
            Report(Loaded(upserted,
                          ChildName(g.authority, static_cast<int64_t>(g.key))));
          }
        });
  }
  // After an error: the helper stops at its next chunk.
  households.Abandon();
  children.Abandon();
  helper.join();
  return read;
}

// Above this many records changed since the save, or an eighth of the
// records (but never below kFewChanges, read again in tens of
// milliseconds), rebuilding is about as quick as reading every changed
// record again. At a million households and child profiles, 2 cores: a
// rebuild takes 1.6-2.4 s; loading 0.2-0.3 s, and 10-40 µs per record
// read again, scattered, on one thread (docs/operator.md): with 50,000
// records changed a start took 1.8-1.9 s, with 100,000 2.7-2.9 s. At ten
// thousand of each a rebuild takes 40 ms.
constexpr int64_t kMostChangesToReadAgain = 40'000;
constexpr int64_t kFewChanges = 1'000;

// An ad-hoc watch's records primed per hold of mu_ (AlertFeed::Prime): a
// record's fits are a scan of the other side. At 7,341 households and
// min_score 1, 2 cores, a part of 8 held mu_ 21 ms (median; 31 ms at most).
constexpr size_t kRecordsPrimedPerHold = 8;

// A snapshot loaded, and what it needs read again.
struct LoadedSnapshot {
  matcher::CandidateIndex index;
  std::string token;
  int64_t last_change = 0;  // the log's, when the changes were read
  registry_rows::ChangedRecords changed;
};

// The snapshot at `path`, if it is the database's newest save; and the
// records changed since it was saved.
absl::StatusOr<LoadedSnapshot> LoadSnapshot(Store& store,
                                            const std::string& path) {
  ASSIGN_OR_RETURN(const SavedIndex saved, ReadIndexSnapshot(path));
  ASSIGN_OR_RETURN(const registry_rows::IndexedRows rows,
                   registry_rows::ReadIndexedRows(store));
  ASSIGN_OR_RETURN(const IndexStamp now, StampOf(rows));
  RETURN_IF_ERROR(CheckIndexStamp(saved.stamp, now));
  const int64_t last_adopter = rows.last_adopter_row;
  const int64_t last_child = rows.last_child_row;
  if (rows.last_change < rows.saved_through) {
    return absl::FailedPreconditionError(
        "the log of changes starts again below the saved change");
  }
  const int64_t most =
      std::min(kMostChangesToReadAgain,
               std::max(kFewChanges, (last_adopter + last_child) / 8));
  const auto too_many = [&](int64_t changes, absl::string_view what) {
    return absl::FailedPreconditionError(absl::StrCat(
        changes, " ", what, " since it was saved, of ",
        last_adopter + last_child, " records: rebuilding is quicker"));
  };
  // A write logs a few rows (a new household five): well past that many
  // rows, there is no need to count the records.
  if (rows.last_change - rows.saved_through > 20 * most) {
    return too_many(rows.last_change - rows.saved_through, "changes");
  }
  LoadedSnapshot loaded;
  loaded.token = saved.stamp.token;
  loaded.last_change = rows.last_change;
  ASSIGN_OR_RETURN(loaded.changed, registry_rows::ReadChangedRecords(
                                       store, rows.saved_through));
  const int64_t records = static_cast<int64_t>(
      loaded.changed.households.size() + loaded.changed.children.size());
  if (records > most) return too_many(records, "records changed");
  ASSIGN_OR_RETURN(loaded.index,
                   matcher::CandidateIndex::Load(saved.payload()));
  return loaded;
}

// LoadSnapshot; says on stderr why not if there was a snapshot (and deletes
// a file that cannot be loaded).
std::optional<LoadedSnapshot> TakeSnapshot(Store& store,
                                           const std::string& path) {
  absl::StatusOr<LoadedSnapshot> loaded = LoadSnapshot(store, path);
  if (!loaded.ok()) {
    if (!absl::IsNotFound(loaded.status())) {
      std::cerr << "raamatchd: index rebuilt from the database, not loaded: "
                << loaded.status() << "\n";
      unlink(path.c_str());
    }
    return std::nullopt;
  }
  return *std::move(loaded);
}

// Takes into `index` (which holds the authorities) the records of
// `changed` as they are stored now, as a write would: a record that is
// gone, closed or cannot be held is removed. Returns how many records.
absl::StatusOr<int64_t> ReadAgain(Store& store,
                                  const registry_rows::ChangedRecords& changed,
                                  matcher::CandidateIndex& index) {
  // Every changed record out first, so that what a gone record held (a
  // region or a language among the index's limited count) is free for the
  // records taken in again, as it was for the writes themselves.
  for (const int64_t row : changed.households) {
    index.RemoveHousehold(static_cast<uint64_t>(row));
  }
  for (const int64_t row : changed.children) {
    index.RemoveChild(static_cast<uint64_t>(row));
  }
  // Then those stored now that the index holds (a refusal is reported,
  // as in a rebuild).
  RETURN_IF_ERROR(registry_rows::ScanMatchingColumnsOfAdopters(
      store, changed.households,
      [&](int64_t row, absl::string_view authority_id, const v1::Adopter& a) {
        std::optional<matcher::Household> h = ToHousehold(row, authority_id, a);
        if (!h.has_value()) return;
        absl::Status upserted = index.UpsertHousehold(*h);
        if (!upserted.ok()) {
          Report(Loaded(upserted, AdopterName(authority_id, row)));
        }
      }));
  RETURN_IF_ERROR(registry_rows::ScanChildren(
      store, changed.children, kIndexedChildStatuses,
      [&](int64_t row, const v1::Child& child, int32_t waiting_since_day) {
        const std::string authority_id = AuthorityOfName(child.name());
        std::optional<matcher::ChildGroup> g =
            ToChildGroup(row, authority_id, child, waiting_since_day);
        if (!g.has_value()) return;
        absl::Status upserted = index.UpsertChild(*g);
        if (!upserted.ok()) {
          Report(Loaded(upserted, ChildName(authority_id, row)));
        }
      }));
  return static_cast<int64_t>(changed.households.size() +
                              changed.children.size());
}

}  // namespace

void RecordNames::Add(absl::string_view authority_id) {
  auto [it, inserted] = prefixes_.try_emplace(authority_id);
  if (!inserted) return;
  it->second.adopters =
      absl::StrCat("authorities/", authority_id, "/adopters/h");
  it->second.children =
      absl::StrCat("authorities/", authority_id, "/children/c");
}

void RecordNames::NumberAs(const matcher::CandidateIndex& index) {
  by_number_.clear();
  by_number_.reserve(index.authority_count());
  for (size_t n = 0; n < index.authority_count(); ++n) {
    auto it = prefixes_.find(index.authority_id(static_cast<uint16_t>(n)));
    by_number_.push_back(it == prefixes_.end() ? nullptr : &*it);
  }
}

const RecordNames::Prefixes* RecordNames::Find(
    const matcher::RankedCandidate& candidate) const {
  if (candidate.authority_number < by_number_.size()) {
    const auto* entry = by_number_[candidate.authority_number];
    if (entry != nullptr && entry->first == candidate.authority) {
      return &entry->second;
    }
  }
  auto it = prefixes_.find(candidate.authority);
  return it == prefixes_.end() ? nullptr : &it->second;
}

void RecordNames::AppendAdopter(
    std::string& out, const matcher::RankedCandidate& candidate) const {
  const Prefixes* prefixes = Find(candidate);
  if (prefixes == nullptr) {
    out +=
        AdopterName(candidate.authority, static_cast<int64_t>(candidate.key));
    return;
  }
  absl::StrAppend(&out, prefixes->adopters, candidate.key);
}

void RecordNames::AppendChild(std::string& out,
                              const matcher::RankedCandidate& candidate) const {
  const Prefixes* prefixes = Find(candidate);
  if (prefixes == nullptr) {
    out += ChildName(candidate.authority, static_cast<int64_t>(candidate.key));
    return;
  }
  absl::StrAppend(&out, prefixes->children, candidate.key);
}

absl::StatusOr<std::unique_ptr<LiveIndex>> LiveIndex::Build(
    Store& store, const Clock& clock) {
  return Build(store, clock, BuildOptions{});
}

absl::StatusOr<std::unique_ptr<LiveIndex>> LiveIndex::Build(
    Store& store, const Clock& clock, BuildOptions options) {
  // The policy first: storing the defaults takes the store's write lock,
  // which must never be taken while holding mu_ (the store calls into the
  // index with its write lock held).
  absl::StatusOr<v1::MatchingPolicy> policy =
      matching_rows::LatestMatchingPolicy(store);
  if (absl::IsNotFound(policy.status())) {
    ASSIGN_OR_RETURN(
        auto written,
        store.Write<v1::MatchingPolicy>(
            RequestKey{},
            [&](StoreTx& tx) -> absl::StatusOr<v1::MatchingPolicy> {
              v1::MatchingPolicy defaults =
                  FromMatcherPolicy(matcher::MatchingPolicy{});
              defaults.set_updated_by("raamatch defaults");
              RETURN_IF_ERROR(
                  matching_rows::InsertMatchingPolicy(tx, defaults));
              return defaults;
            }));
    policy = written.value;
  }
  RETURN_IF_ERROR(policy.status());

  // Loaded into locals, which no other thread can see (the scans' lambdas
  // touch no guarded field), then moved in under mu_.
  std::unique_ptr<LiveIndex> live(new LiveIndex(clock));
  const matcher::MatchingPolicy matcher_policy = ToMatcherPolicy(*policy);
  const absl::Time start = absl::Now();
  matcher::CandidateIndex index;
  std::optional<LoadedSnapshot> snapshot;
  if (!options.snapshot_path.empty()) {
    snapshot = TakeSnapshot(store, options.snapshot_path);
    if (snapshot.has_value()) index = std::move(snapshot->index);
  }
  live->built_from_snapshot_ = snapshot.has_value();
  absl::flat_hash_map<std::string, v1::Authority> members;
  absl::flat_hash_set<std::string> withdrawn;

  RETURN_IF_ERROR(registry_rows::ForEachAuthority(
      store, v1::AUTHORITY_STATUS_UNSPECIFIED,
      [&](const v1::Authority& a) -> absl::Status {
        RETURN_IF_ERROR(index.UpsertAuthority(ToMatcherAuthority(a)));
        members[std::string(absl::StripPrefix(a.name(), "authorities/"))] = a;
        if (a.status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
          withdrawn.insert(
              std::string(absl::StripPrefix(a.name(), "authorities/")));
        }
        return absl::OkStatus();
      }));

  int64_t read_again = 0;
  int64_t log_applied = 0;
  if (snapshot.has_value()) {
    log_applied = snapshot->last_change;
    ASSIGN_OR_RETURN(read_again, ReadAgain(store, snapshot->changed, index));
    std::cerr << "raamatchd: index loaded from its snapshot ("
              << index.household_count() << " households, "
              << index.child_count() << " child groups), " << read_again
              << " records changed since read again, in "
              << absl::ToInt64Milliseconds(absl::Now() - start) << " ms\n";
  } else {
    // Every change logged up to here is in what the rebuild reads (nothing
    // writes while the index is built).
    ASSIGN_OR_RETURN(const registry_rows::IndexedRows rows,
                     registry_rows::ReadIndexedRows(store));
    log_applied = rows.last_change;
    RETURN_IF_ERROR(ReadAllRecords(store, options, index));
  }
  // Follows last: what fits now is known, not news.
  AlertFeed feed;
  const IndexView view{index, matcher_policy, withdrawn, live->Today(),
                       clock.Now()};
  RETURN_IF_ERROR(matching_rows::ScanActiveFollows(
      store, [&](int64_t row, const v1::Follow& f) {
        // A member that has withdrawn is alerted of nothing (its follows
        // end as it withdraws; one that withdrew before that rule kept
        // them stored as active).
        if (withdrawn.contains(AuthorityOf(f.name()))) return;
        feed.FollowChanged(view, row, f);
      }));
  feed.Committed();  // nothing to deliver; forgets the undo copies

  absl::MutexLock lock(&live->mu_);
  live->policy_ = matcher_policy;
  live->index_ = std::move(index);
  for (const auto& [id, authority] : members) live->names_.Add(id);
  live->names_.NumberAs(live->index_);
  live->authorities_ = std::move(members);
  live->withdrawn_ = std::move(withdrawn);
  live->feed_ = std::move(feed);
  live->log_applied_ = log_applied;
  if (snapshot.has_value()) {
    live->saved_token_ = snapshot->token;
    live->unsaved_changes_ = read_again;
  }
  return live;
}

absl::StatusOr<LiveIndex::Saved> LiveIndex::SaveSnapshot(
    Store& store, const std::string& path, SaveOptions options) {
  absl::MutexLock saving(&save_mu_);
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(const registry_rows::IndexedRows rows,
                   registry_rows::ReadIndexedRows(store));
  ASSIGN_OR_RETURN(IndexStamp stamp, StampOf(rows));
  stamp.token = NewIndexToken();
  std::string payload;
  int64_t counted = 0;
  absl::Duration held;
  {
    // Never a write half-way (taken into the index, not yet committed or
    // rolled back): its changes may yet be taken out. Every change up to
    // log_applied_ is in the copy; a later one it holds (none, but for
    // another program's) is read again by the start that loads it.
    const absl::Condition no_write(this, &LiveIndex::NoWriteInProgress);
    const auto copy = [&](absl::Time from) ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      index_.Save(payload);
      counted = unsaved_changes_;
      stamp.saved_through = log_applied_;
      held = absl::Now() - from;
    };
    if (options.reorganize) {
      absl::MutexLock lock(&mu_);
      mu_.Await(no_write);
      const absl::Time from = absl::Now();
      index_.Reorganize();
      copy(from);
    } else {
      absl::ReaderMutexLock lock(&mu_);
      mu_.Await(no_write);
      copy(absl::Now());
    }
  }
  RETURN_IF_ERROR(WriteIndexSnapshot(path, stamp, payload));
  RETURN_IF_ERROR(
      store
          .Write<google::protobuf::Empty>(
              RequestKey{},
              [&](StoreTx& tx) -> absl::StatusOr<google::protobuf::Empty> {
                RETURN_IF_ERROR(registry_rows::SetIndexSaved(
                    tx, stamp.token, stamp.saved_through));
                return google::protobuf::Empty();
              })
          .status());
  {
    absl::MutexLock lock(&mu_);
    saved_token_ = stamp.token;
    unsaved_changes_ -= counted;
  }
  return Saved{.bytes = static_cast<int64_t>(payload.size()),
               .held = held,
               .took = absl::Now() - start};
}

absl::Status LiveIndex::ForgetSavedIndex(Store& store) {
  absl::MutexLock saving(&save_mu_);  // never under a save in flight
  return store
      .Write<google::protobuf::Empty>(
          RequestKey{},
          [&](StoreTx& tx) -> absl::StatusOr<google::protobuf::Empty> {
            RETURN_IF_ERROR(registry_rows::ForgetIndexChanges(tx));
            return google::protobuf::Empty();
          })
      .status();
}

bool LiveIndex::AwaitSaveDue(int64_t min_changes, absl::Duration pause) {
  absl::MutexLock lock(&mu_);
  if (pause > absl::ZeroDuration()) {
    mu_.AwaitWithTimeout(absl::Condition(&stop_saving_), pause);
  }
  auto due = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stop_saving_ || saved_token_.empty() ||
           unsaved_changes_ >= min_changes;
  };
  mu_.Await(absl::Condition(&due));
  return !stop_saving_;
}

bool LiveIndex::SaveDue(int64_t min_changes) const {
  absl::ReaderMutexLock lock(&mu_);
  return saved_token_.empty() || unsaved_changes_ >= min_changes;
}

void LiveIndex::StopSaving() {
  absl::MutexLock lock(&mu_);
  stop_saving_ = true;
}

int32_t LiveIndex::Today() const { return DayNumber(ToDate(clock_.Today())); }

void LiveIndex::SetPolicy(const matcher::MatchingPolicy& policy) {
  absl::MutexLock lock(&mu_);
  if (policy.version > policy_.version) {
    policy_ = policy;  // newest wins
    ++generation_;
  }
}

IndexView LiveIndex::View() const {
  return IndexView{index_, policy_, withdrawn_, Today(), clock_.Now()};
}

void LiveIndex::TakeAuthority(const v1::Authority& authority) {
  std::string id(absl::StripPrefix(authority.name(), "authorities/"));
  Report(index_.UpsertAuthority(ToMatcherAuthority(authority)));
  names_.Add(id);
  names_.NumberAs(index_);
  authorities_[id] = authority;
  if (authority.status() == v1::AUTHORITY_STATUS_WITHDRAWN) {
    withdrawn_.insert(id);
  } else {
    withdrawn_.erase(id);
  }
}

void LiveIndex::OnAuthorityChanged(const v1::Authority& authority) {
  absl::MutexLock lock(&mu_);
  write_in_progress_ = true;
  ++generation_;
  Replaced undo;
  undo.kind = Replaced::kAuthority;
  auto it =
      authorities_.find(absl::StripPrefix(authority.name(), "authorities/"));
  undo.authority_known = it != authorities_.end();
  undo.authority = undo.authority_known ? it->second : authority;
  replaced_.push_back(std::move(undo));
  TakeAuthority(authority);
  feed_.AuthorityChanged(View(), authority);
}

absl::Status LiveIndex::Admit(const std::vector<Row<v1::Child>>& children,
                              const std::vector<Row<v1::Adopter>>& adopters) {
  std::vector<matcher::ChildGroup> groups;
  for (const Row<v1::Child>& c : children) {
    std::optional<matcher::ChildGroup> g =
        ToChildGroup(c.row_id, AuthorityOfName(c.value.name()), c.value);
    if (g.has_value()) groups.push_back(*std::move(g));
  }
  std::vector<matcher::Household> households;
  for (const Row<v1::Adopter>& a : adopters) {
    std::optional<matcher::Household> h =
        ToHousehold(a.row_id, AuthorityOfName(a.value.name()), a.value);
    if (h.has_value()) households.push_back(*std::move(h));
  }
  absl::ReaderMutexLock lock(&mu_);
  // A refusal names the record in words and the fields (the matcher's
  // message starts with them), never an internal key.
  for (const matcher::ChildGroup& g : groups) {
    absl::Status s = index_.CheckChild(g);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("child profile ", ChildId(static_cast<int64_t>(g.key)),
                       " of ", g.authority, ": ", s.message()));
    }
  }
  for (const matcher::Household& h : households) {
    absl::Status s = index_.CheckHousehold(h);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("household ", AdopterId(static_cast<int64_t>(h.key)),
                       " of ", h.authority, ": ", s.message()));
    }
  }
  absl::Status together = index_.CheckAll(households, groups);
  if (!together.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("these records together: ", together.message()));
  }
  return absl::OkStatus();
}

void LiveIndex::OnChildChanged(int64_t row_id, const v1::Child& child) {
  absl::MutexLock lock(&mu_);
  write_in_progress_ = true;
  const uint64_t key = static_cast<uint64_t>(row_id);
  ++generation_;
  Replaced undo;
  undo.kind = Replaced::kChild;
  undo.key = key;
  undo.child = index_.FindChild(key);
  replaced_.push_back(std::move(undo));
  std::optional<matcher::ChildGroup> group =
      ToChildGroup(row_id, AuthorityOfName(child.name()), child);
  absl::Status s = group.has_value() ? index_.UpsertChild(*group)
                                     : absl::NotFoundError("closed");
  if (!s.ok()) {
    // Never keep an outdated version (its visibility may have changed).
    if (group.has_value()) Report(s);
    index_.RemoveChild(key);
  }
  if (kDebugChecks) {
    expected_.push_back({Replaced::kChild, key, s.ok(),
                         s.ok() ? group->authority : "",
                         s.ok() && group->waiting});
  }
  IndexView view = View();
  feed_.ChildChanged(view, key, child, view.ChildInMatching(key));
}

void LiveIndex::OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) {
  absl::MutexLock lock(&mu_);
  write_in_progress_ = true;
  const uint64_t key = static_cast<uint64_t>(row_id);
  ++generation_;
  Replaced undo;
  undo.kind = Replaced::kHousehold;
  undo.key = key;
  undo.household = index_.FindHousehold(key);
  replaced_.push_back(std::move(undo));
  std::optional<matcher::Household> household =
      ToHousehold(row_id, AuthorityOfName(adopter.name()), adopter);
  absl::Status s = household.has_value() ? index_.UpsertHousehold(*household)
                                         : absl::NotFoundError("closed");
  if (!s.ok()) {
    if (household.has_value()) Report(s);
    index_.RemoveHousehold(key);
  }
  if (kDebugChecks) {
    expected_.push_back({Replaced::kHousehold, key, s.ok(),
                         s.ok() ? household->authority : "",
                         s.ok() && household->available});
  }
  IndexView view = View();
  feed_.HouseholdChanged(view, key, adopter, view.HouseholdInMatching(key));
}

void LiveIndex::OnFollowChanged(int64_t row_id, const v1::Follow& follow) {
  absl::MutexLock lock(&mu_);
  feed_.FollowChanged(View(), row_id, follow);
}

void LiveIndex::Begun(StoreTx& tx) {
  const int64_t last = registry_rows::LastIndexChange(tx);
  absl::MutexLock lock(&mu_);
  write_log_begin_ = last;
  write_log_end_ = -1;
}

absl::Status LiveIndex::WriteDerived(StoreTx& tx) {
  const int64_t last = registry_rows::LastIndexChange(tx);
  absl::MutexLock lock(&mu_);
  write_log_end_ = last;
  return feed_.WriteDerived(tx);
}

void LiveIndex::SetOpenLinks(uint64_t household_key, int open_links) {
  absl::MutexLock lock(&mu_);
  const int before = index_.OpenLinks(household_key);
  if (before == open_links) return;
  replaced_links_.emplace_back(household_key, before);
  index_.SetOpenLinks(household_key, open_links);
  ++generation_;
}

void LiveIndex::Committed() {
  absl::MutexLock lock(&mu_);
  if (kDebugChecks) CheckCommitted();
  unsaved_changes_ += static_cast<int64_t>(replaced_.size());
  write_in_progress_ = false;
  if (write_log_begin_ >= 0 && !log_gap_) {
    if (write_log_begin_ == log_applied_ && write_log_end_ >= 0) {
      log_applied_ = write_log_end_;
    } else {
      log_gap_ = true;
      std::cerr << "raamatchd: another program changed the database while "
                   "this one serves; the index takes those changes in at the "
                   "next start\n";
    }
  }
  write_log_begin_ = write_log_end_ = -1;
  expected_.clear();
  replaced_.clear();
  replaced_links_.clear();
  feed_.Committed();
}

// The index equals the store for every record the write changed: present
// exactly when the stored version can be matched, under its authority, with
// its waiting / available flag. The newest expectation of a record wins (a
// write may change one twice). A few lookups per write, debug builds only.
void LiveIndex::CheckCommitted() const {
  absl::flat_hash_set<std::pair<int, uint64_t>> checked;
  for (auto it = expected_.rbegin(); it != expected_.rend(); ++it) {
    if (!checked.insert({it->kind, it->key}).second) continue;  // older
    std::optional<std::string> authority;
    bool active = false;
    if (it->kind == Replaced::kChild) {
      std::optional<matcher::ChildGroup> g = index_.FindChild(it->key);
      if (g.has_value()) {
        authority = g->authority;
        active = g->waiting;
      }
    } else {
      std::optional<matcher::Household> h = index_.FindHousehold(it->key);
      if (h.has_value()) {
        authority = h->authority;
        active = h->available;
      }
    }
    const std::string what = it->kind == Replaced::kChild
                                 ? ChildId(static_cast<int64_t>(it->key))
                                 : AdopterId(static_cast<int64_t>(it->key));
    RAA_DCHECK(authority.has_value() == it->present)
        << what
        << (it->present ? " is stored but not in the index"
                        : " is in the index but not stored so");
    if (authority.has_value() && it->present) {
      RAA_DCHECK(*authority == it->authority && active == it->active)
          << what << " in the index differs from the store";
    }
  }
}

void LiveIndex::RolledBack() {
  absl::MutexLock lock(&mu_);
  write_in_progress_ = false;
  write_log_begin_ = write_log_end_ = -1;
  // Newest first, so the oldest version of each record is what remains.
  for (auto it = replaced_.rbegin(); it != replaced_.rend(); ++it) {
    switch (it->kind) {
      case Replaced::kChild:
        if (it->child.has_value()) {
          Report(index_.UpsertChild(*it->child));
        } else {
          index_.RemoveChild(it->key);
        }
        break;
      case Replaced::kHousehold:
        if (it->household.has_value()) {
          Report(index_.UpsertHousehold(*it->household));
        } else {
          index_.RemoveHousehold(it->key);
        }
        break;
      case Replaced::kAuthority:
        if (it->authority_known) {
          TakeAuthority(it->authority);
        } else {
          // A new authority: the index cannot forget one; withdrawn, it
          // offers nothing (it has no records yet).
          v1::Authority gone = it->authority;
          gone.set_status(v1::AUTHORITY_STATUS_WITHDRAWN);
          TakeAuthority(gone);
          authorities_.erase(absl::StripPrefix(gone.name(), "authorities/"));
        }
        break;
    }
  }
  replaced_.clear();
  for (auto it = replaced_links_.rbegin(); it != replaced_links_.rend(); ++it) {
    index_.SetOpenLinks(it->first, it->second);
  }
  replaced_links_.clear();
  expected_.clear();
  feed_.RolledBack(View());
}

absl::StatusOr<int64_t> LiveIndex::Subscribe(FollowSpec spec, AlertSink* sink) {
  absl::MutexLock lock(&mu_);
  return feed_.Subscribe(View(), std::move(spec), sink);
}

bool LiveIndex::Prime(int64_t id) {
  // Never in the middle of a write (taken into the index, not yet committed
  // or rolled back): a record it takes out may come back.
  const absl::Condition no_write(this, &LiveIndex::NoWriteInProgress);
  absl::MutexLock lock(&mu_, no_write);
  return feed_.Prime(View(), id, kRecordsPrimedPerHold);
}

void LiveIndex::Unsubscribe(int64_t id) {
  absl::MutexLock lock(&mu_);
  feed_.Unsubscribe(id);
}

int64_t LiveIndex::Watch(std::string authority_id,
                         std::vector<int64_t> follow_rows, AlertSink* sink,
                         std::string records_of) {
  absl::MutexLock lock(&mu_);
  return feed_.Watch(std::move(authority_id), std::move(follow_rows), sink,
                     std::move(records_of));
}

void LiveIndex::Unwatch(int64_t id) {
  absl::MutexLock lock(&mu_);
  feed_.Unwatch(id);
}

void LiveIndex::DropEnded(int64_t id, const std::vector<int64_t>& follow_rows,
                          const std::string& reason) {
  absl::MutexLock lock(&mu_);
  feed_.DropEnded(id, follow_rows, reason);
}

void LiveIndex::CloseAll() {
  absl::MutexLock lock(&mu_);
  feed_.CloseAll();
}

bool LiveIndex::ChildInMatching(uint64_t key) const {
  absl::ReaderMutexLock lock(&mu_);
  return View().ChildInMatching(key);
}

bool LiveIndex::HouseholdInMatching(uint64_t key) const {
  absl::ReaderMutexLock lock(&mu_);
  return View().HouseholdInMatching(key);
}

}  // namespace raa
