#include "services/audit/audit_log.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

// Records and filters longer than this are not names raamatch issues.
constexpr size_t kMaxNameChars = 200;
// How often the writer deletes expired events.
constexpr absl::Duration kPruneEvery = absl::Hours(24);
// How long the writer lets reads' events gather before a commit, unless a
// change (or a Flush) is waiting for one: one commit per window instead of
// one per wake-up under load. A kill -9 can lose at most this much of reads'
// events (docs/manager.md, the audit trail).
constexpr absl::Duration kGatherReads = absl::Milliseconds(5);
// A read's event whose batch failed to commit is tried again this long after
// the failure (the batch's own busy wait was 5 s), this many times in all.
constexpr absl::Duration kRetryAfter = absl::Seconds(1);
constexpr int kCommitAttempts = 10;
// At most this many such events are kept (about 300 bytes each); the oldest
// are given up first.
constexpr size_t kMaxRetried = size_t{1} << 17;
// Record names whose number the writer remembers (about 100 bytes each).
constexpr size_t kMaxCachedNumbers = 1 << 16;
// A row of audit_events holds at most this many events (migration 21): a
// ranking's row lists about 1,300 numbers.
constexpr size_t kMaxEventsPerRow = 64;
// Whose times lie within this of the first's (and so a search by time finds
// a row by its first event's time, this much before the window).
constexpr int64_t kMaxRowSpanMicros = 1'000'000;

template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("audit trail: ", e.what()));
  }
}

bool IsPrintableName(absl::string_view s) {
  if (s.empty() || s.size() > kMaxNameChars) return false;
  for (char c : s) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

// Whether a printable `record` filter is a name as the API writes names: a
// child, household or follow (and what is below one, such as a tracking
// review), a link, a ledger entry or a key by its parser (common/names.h);
// anything else below authorities/ with a member's id (or the wildcard);
// other kinds as they are. Query refuses a malformed one unless the trail
// holds it (a refused call records the names it was sent as they were), so
// a manager who mistyped a name is not told that nobody read the record.
absl::Status CheckRecordFilter(absl::string_view record) {
  constexpr absl::string_view kField = "record";
  const std::vector<absl::string_view> parts = absl::StrSplit(record, '/');
  if (parts[0] == "authorities") {
    if (AuthorityOf(record).empty()) {
      return InvalidField(
          kField, absl::StrCat(Quoted(record),
                               " is not a member's name: authorities/ is "
                               "followed by an id of lowercase letters, "
                               "digits and '-'"));
    }
    if (parts.size() < 3) return absl::OkStatus();
    // authorities/{a}/{kind}/{id}, and what is below it.
    const absl::string_view own =
        parts.size() < 4
            ? record
            : record.substr(0, parts[0].size() + parts[1].size() +
                                   parts[2].size() + parts[3].size() + 3);
    for (auto [kind, prefix] :
         {std::pair{"children", 'c'}, {"adopters", 'h'}, {"follows", 'f'}}) {
      if (parts[2] == kind) {
        return ParseRecordName(own, kind, prefix, kField).status();
      }
    }
    return absl::OkStatus();
  }
  if (parts[0] == "links") return ParseLinkName(record, kField).status();
  if (parts[0] == "apiKeys") return ParseApiKeyName(record, kField).status();
  if (parts[0] == "ledger" && parts.size() > 1 && parts[1] == "entries") {
    return ParseLedgerEntryName(record, kField).status();
  }
  return absl::OkStatus();
}

// Calls `fn(int64_t)` with each number in an event's record_ids ("12 7
// 40"), in order; skips what is not a number.
template <typename Fn>
void ForEachNumber(absl::string_view list, Fn&& fn) {
  for (absl::string_view part : absl::StrSplit(list, ' ', absl::SkipEmpty())) {
    int64_t n = 0;
    if (absl::SimpleAtoi(part, &n)) fn(n);
  }
}

// Sorts (record, event) pairs by record, keeping the order of each
// record's pairs: a least-significant-digit radix sort, 16 bits a pass,
// over the bits the largest record number uses (two passes below 2^32).
// `scratch` is its buffer, kept between calls (fresh pages cost more than
// the sort here). For a merge's 172,000 pairs std::sort took 12-15 ms, this
// 0.5-4 ms.
void SortByRecord(std::vector<std::pair<int64_t, int64_t>>& pairs,
                  std::vector<std::pair<int64_t, int64_t>>& scratch) {
  uint64_t largest = 0;
  for (const auto& p : pairs) {
    largest = std::max(largest, static_cast<uint64_t>(p.first));
  }
  scratch.resize(pairs.size());
  std::vector<uint32_t> starts(1 << 16);
  for (int shift = 0; shift < 64 && (largest >> shift) != 0; shift += 16) {
    auto digit = [shift](const std::pair<int64_t, int64_t>& p) {
      return (static_cast<uint64_t>(p.first) >> shift) & 0xffff;
    };
    absl::c_fill(starts, 0);
    for (const auto& p : pairs) ++starts[digit(p)];
    uint32_t start = 0;
    for (uint32_t& s : starts) start += std::exchange(s, start);
    for (const auto& p : pairs) scratch[starts[digit(p)]++] = p;
    pairs.swap(scratch);
  }
}

// One event of a row of audit_events (migration 21).
struct RowEvent {
  int64_t id = 0;
  int64_t time = 0;              // microseconds since the epoch
  absl::string_view record_ids;  // its records' numbers, space-separated
};

// Column `index` of the row `q` is on, in place: valid until `q` steps or
// is reset. An empty text is "", not a null view (which StrSplit reads as
// no pieces at all).
absl::string_view TextAt(SQLite::Statement& q, int index) {
  const SQLite::Column c = q.getColumn(index);
  const void* text = c.getBlob();  // before getBytes (SQLite's order)
  if (text == nullptr) return "";
  return absl::string_view(static_cast<const char*>(text),
                           static_cast<size_t>(c.getBytes()));
}

// The events of a row, oldest first: `id`, `time`, `record_ids`, `events`
// and `times` are its columns. A row holds as many events as it has lists
// (raamatchd writes `events` of them): a malformed row's events column
// names none that would overlap the next row's ids. One whose offsets are
// fewer than its events (not written by raamatchd) lends the missing ones
// its first event's time.
std::vector<RowEvent> EventsOfRow(int64_t id, int64_t time,
                                  absl::string_view record_ids, int64_t events,
                                  absl::string_view times) {
  std::vector<absl::string_view> lists = absl::StrSplit(record_ids, ',');
  std::vector<absl::string_view> offsets =
      absl::StrSplit(times, ' ', absl::SkipEmpty());
  const size_t count =
      std::min(lists.size(), static_cast<size_t>(std::max<int64_t>(events, 1)));
  std::vector<RowEvent> out;
  out.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    RowEvent e{.id = id + static_cast<int64_t>(k),
               .time = time,
               .record_ids = lists[k]};
    int64_t offset = 0;
    if (k > 0 && k - 1 < offsets.size() &&
        absl::SimpleAtoi(offsets[k - 1], &offset)) {
      e.time = time + offset;
    }
    out.push_back(e);
  }
  return out;
}

// Event `event_id` of a row (EventsOfRow's columns), if the row holds it:
// found without splitting the row's other events (a search by record looks
// up each of a page's events in its row).
std::optional<RowEvent> EventOfRow(int64_t id, int64_t time,
                                   absl::string_view record_ids, int64_t events,
                                   absl::string_view times, int64_t event_id) {
  const int64_t k = event_id - id;
  if (k < 0 || k >= events) return std::nullopt;
  // The k-th list: after k commas.
  size_t begin = 0;
  for (int64_t i = 0; i < k; ++i) {
    begin = record_ids.find(',', begin);
    if (begin == absl::string_view::npos) return std::nullopt;
    ++begin;
  }
  RowEvent e{.id = event_id,
             .time = time,
             .record_ids =
                 record_ids.substr(begin, record_ids.find(',', begin) - begin)};
  if (k > 0) {
    int64_t offset = 0;
    int64_t i = 1;
    for (absl::string_view part :
         absl::StrSplit(times, ' ', absl::SkipEmpty())) {
      if (i++ < k) continue;
      if (absl::SimpleAtoi(part, &offset)) e.time = time + offset;
      break;
    }
  }
  return e;
}

// Whether `e` may join the row begun by `first` whose latest event is
// `last` (Commit): one caller, method and status, in time order within
// kMaxRowSpanMicros of the first.
bool JoinsRow(const AuditEvent& first, const AuditEvent& last,
              const AuditEvent& e) {
  return e.status_code == first.status_code && e.key_id == first.key_id &&
         e.authority_id == first.authority_id && e.method == first.method &&
         e.time >= last.time &&
         absl::ToUnixMicros(e.time) - absl::ToUnixMicros(first.time) <=
             kMaxRowSpanMicros;
}

// The numbers in an event's record_ids, as a list.
std::vector<int64_t> ParseNumbers(absl::string_view list) {
  std::vector<int64_t> out;
  ForEachNumber(list, [&out](int64_t n) { out.push_back(n); });
  return out;
}

// The number of a record's name in audit_names, added if new; `numbers`
// caches them. `find` and `add` are the commit's statements.
int64_t NameNumber(absl::flat_hash_map<std::string, int64_t>& numbers,
                   SQLite::Database& db, SQLite::Statement& find,
                   SQLite::Statement& add, absl::string_view name) {
  if (auto it = numbers.find(name); it != numbers.end()) return it->second;
  std::string owned(name);
  int64_t id = 0;
  find.bind(1, owned);
  if (find.executeStep()) {
    id = find.getColumn(0).getInt64();
  } else {
    add.bind(1, owned);
    add.exec();
    add.reset();
    id = db.getLastInsertRowid();
  }
  find.reset();
  if (numbers.size() >= kMaxCachedNumbers) numbers.clear();
  numbers.emplace(std::move(owned), id);
  return id;
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const AuditOptions& options, const Clock& clock) {
  absl::StatusOr<std::unique_ptr<AuditLog>> log =
      Guard([&]() -> absl::StatusOr<std::unique_ptr<AuditLog>> {
        // Each connection is used under one mutex of ours (db_mu_,
        // read_mu_): SQLite's own locking would be paid for nothing.
        auto write = std::make_unique<SQLite::Database>(
            options.db_path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX);
        // WAL is a property of the file (the store set it); NORMAL makes a
        // commit survive a crash of this process without an fsync each.
        write->exec("PRAGMA synchronous = NORMAL");
        write->exec("PRAGMA cache_size = -32768");
        write->setBusyTimeout(5000);
        write->exec("SELECT 1 FROM audit_events LIMIT 1");  // migration 4 ran
        auto read = std::make_unique<SQLite::Database>(
            options.db_path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
        read->setBusyTimeout(5000);
        return std::unique_ptr<AuditLog>(
            new AuditLog(options, clock, std::move(write), std::move(read)));
      });
  if (!log.ok()) return log.status();
  absl::Status positions = (*log)->ReadPositions();
  if (!positions.ok()) return positions;
  absl::StatusOr<int64_t> pruned = (*log)->Prune();
  if (!pruned.ok()) return pruned.status();
  (*log)->writer_ = std::thread([raw = log->get()] { raw->Run(); });
  return log;
}

// The commit's statements, prepared on the writer's connection.
struct AuditLog::CommitStatements {
  explicit CommitStatements(SQLite::Database& db)
      : row(db,
            "INSERT INTO audit_events (id, time, key_id, authority_id, "
            "method, status_code, record_count, record_ids, events, times) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        // A row's later events' ids are not rowids: AUTOINCREMENT is told
        // of them, so that no id is given twice after a pruning.
        sequence(db,
                 "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = "
                 "'audit_events'"),
        find(db, "SELECT id FROM audit_names WHERE name = ?"),
        add(db, "INSERT INTO audit_names (name) VALUES (?)") {}
  SQLite::Statement row;
  SQLite::Statement sequence;
  SQLite::Statement find;
  SQLite::Statement add;
};

AuditLog::AuditLog(AuditOptions options, const Clock& clock,
                   std::unique_ptr<SQLite::Database> write_db,
                   std::unique_ptr<SQLite::Database> read_db)
    : options_(std::move(options)),
      clock_(clock),
      write_db_(std::move(write_db)),
      read_db_(std::move(read_db)) {}

AuditLog::~AuditLog() { Stop(); }

void AuditLog::Record(AuditEvent event, Done done) {
  if (event.time == absl::Time()) event.time = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    if (!stopped_) {
      if (done) ++waiting_;
      queue_.push_back(Pending{std::move(event), std::move(done)});
      ++queued_;
      return;
    }
  }
  if (done) {
    std::move(done)(absl::UnavailableError("the audit trail has stopped"));
  }
}

void AuditLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_;
  auto flushed = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return committed_ >= target || stopped_;
  };
  ++waiting_;  // the writer commits now rather than gather
  mu_.Await(absl::Condition(&flushed));
  --waiting_;
}

void AuditLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // Already stopping or stopped: only the first caller joins.
      return;
    }
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void AuditLog::Run() {
  absl::Time next_prune = absl::Now() + kPruneEvery;
  // The events of reads (answered already) whose batch failed to commit:
  // tried again on their own every kRetryAfter, so that they hold up no
  // change's answer, kCommitAttempts times in all (once more at a stop).
  std::vector<Pending> retry;
  absl::Time next_retry = absl::InfiniteFuture();
  auto give_up = [](size_t count) {
    if (count == 0) return;
    std::cerr << "raamatchd: audit trail: the events of " << count
              << " calls could not be recorded\n";
  };
  // Commits the oldest of `retry` (a batch at most); keeps those that
  // failed for another try unless `last`.
  auto try_again = [&](bool last) {
    const size_t n = std::min(retry.size(), options_.max_batch);
    std::vector<Pending> batch(
        std::make_move_iterator(retry.begin()),
        std::make_move_iterator(retry.begin() + static_cast<ptrdiff_t>(n)));
    retry.erase(retry.begin(), retry.begin() + static_cast<ptrdiff_t>(n));
    absl::Status status;
    {
      absl::MutexLock lock(&db_mu_);
      status = Commit(batch);
    }
    if (status.ok()) {
      next_retry = retry.empty() ? absl::InfiniteFuture() : absl::Now();
      return;
    }
    std::cerr << "raamatchd: " << status << "\n";
    std::vector<Pending> kept;
    for (Pending& p : batch) {
      if (!last && ++p.failed_commits < kCommitAttempts) {
        kept.push_back(std::move(p));
      }
    }
    give_up(batch.size() - kept.size());
    retry.insert(retry.begin(), std::make_move_iterator(kept.begin()),
                 std::make_move_iterator(kept.end()));
    next_retry = absl::Now() + kRetryAfter;
  };
  while (true) {
    std::vector<Pending> batch;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready),
                            std::min(next_prune, next_retry));
      // Only reads queued: let more gather, unless a change or a Flush
      // waits, the batch is full, or the server stops.
      auto commit_now = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return waiting_ > 0 || stopping_ || queue_.size() >= options_.max_batch;
      };
      if (!queue_.empty()) {
        mu_.AwaitWithTimeout(absl::Condition(&commit_now), kGatherReads);
      }
      if (queue_.size() <= options_.max_batch) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
      stopping = stopping_;
      if (batch.empty() && stopping_ && retry.empty()) {
        stopped_ = true;  // under mu_: a later Record is refused, not lost
        return;
      }
    }
    if (!batch.empty()) {
      absl::Status status;
      {
        absl::MutexLock lock(&db_mu_);
        status = Commit(batch);
      }
      if (!status.ok()) std::cerr << "raamatchd: " << status << "\n";
      size_t answered = 0;
      const bool first_failure = retry.empty();
      size_t given_up = 0;
      for (Pending& p : batch) {
        if (p.done) {
          std::move(p.done)(status);
          ++answered;
        } else if (!status.ok()) {
          p.failed_commits = 1;
          if (stopping) {
            ++given_up;
          } else {
            retry.push_back(std::move(p));
          }
        }
      }
      give_up(given_up);
      if (first_failure && !retry.empty()) {
        next_retry = absl::Now() + kRetryAfter;
      }
      if (retry.size() > kMaxRetried) {
        const size_t over = retry.size() - kMaxRetried;
        retry.erase(retry.begin(),
                    retry.begin() + static_cast<ptrdiff_t>(over));
        give_up(over);
      }
      {
        absl::MutexLock lock(&mu_);
        committed_ += batch.size();
        waiting_ -= answered;
      }
      // After the answers: this batch's changes do not wait for a run of
      // the by-record index.
      MergeIfDue();
    }
    if (stopping) {
      while (!retry.empty()) try_again(/*last=*/true);
    } else if (!retry.empty() && absl::Now() >= next_retry) {
      try_again(/*last=*/false);
      MergeIfDue();
    }
    if (absl::Now() >= next_prune) {
      next_prune = absl::Now() + kPruneEvery;
      absl::StatusOr<int64_t> pruned = Prune();
      if (!pruned.ok()) std::cerr << "raamatchd: " << pruned.status() << "\n";
    }
  }
}

absl::Status AuditLog::Commit(std::vector<Pending>& batch) {
  SQLite::Database& db = *write_db_;
  // The lambda below is outside the thread-safety analysis' view: it reaches
  // the guarded cache and statements through these pointers, taken under
  // db_mu_.
  absl::flat_hash_map<std::string, int64_t>* numbers = &numbers_;
  std::unique_ptr<CommitStatements>* statements = &commit_statements_;
  std::vector<std::pair<int64_t, int64_t>>* unmerged = &unmerged_;
  // Ids continue from the newest event's: a row's events are numbered in
  // order from its own id.
  int64_t last_event = last_event_;
  // The batch's (record number, event id) pairs, in event order: listed in
  // unmerged_ once committed.
  std::vector<std::pair<int64_t, int64_t>> reads;
  absl::Status status = Guard([&]() -> absl::Status {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (*statements == nullptr) {
      *statements = std::make_unique<CommitStatements>(db);
    }
    // Prepared once; a batch that failed may have left them halted by its
    // error.
    SQLite::Statement& row = (*statements)->row;
    SQLite::Statement& sequence = (*statements)->sequence;
    SQLite::Statement& find = (*statements)->find;
    SQLite::Statement& add = (*statements)->add;
    row.tryReset();
    sequence.tryReset();
    find.tryReset();
    add.tryReset();
    std::vector<int64_t> ids;
    std::string lists;
    std::string times;
    // One row per run of events JoinsRow packs (migration 21).
    for (size_t begin = 0, end = 0; begin < batch.size(); begin = end) {
      const AuditEvent& first = batch[begin].event;
      const int64_t first_time = absl::ToUnixMicros(first.time);
      for (end = begin + 1;
           end < batch.size() && end - begin < kMaxEventsPerRow &&
           JoinsRow(first, batch[end - 1].event, batch[end].event);
           ++end) {
      }
      const int64_t row_id = last_event + 1;
      int64_t record_count = 0;
      lists.clear();
      times.clear();
      for (size_t i = begin; i < end; ++i) {
        const AuditEvent& e = batch[i].event;
        if (i > begin) {
          lists.push_back(',');
          absl::StrAppend(&times, i > begin + 1 ? " " : "",
                          absl::ToUnixMicros(e.time) - first_time);
        }
        ids.clear();
        for (size_t r = 0; r < e.records.size(); ++r) {
          const int64_t id = NameNumber(*numbers, db, find, add, e.records[r]);
          if (absl::c_find(ids, id) == ids.end()) ids.push_back(id);
        }
        absl::StrAppend(&lists, absl::StrJoin(ids, " "));
        record_count += static_cast<int64_t>(ids.size());
        const int64_t event_id = row_id + static_cast<int64_t>(i - begin);
        for (int64_t id : ids) reads.emplace_back(id, event_id);
      }
      // Copies: the statement is kept after the batch is freed.
      row.bind(1, row_id);
      row.bind(2, first_time);
      row.bind(3, first.key_id);
      row.bind(4, first.authority_id);
      row.bind(5, first.method);
      row.bind(6, first.status_code);
      row.bind(7, record_count);
      row.bind(8, lists);
      row.bind(9, static_cast<int64_t>(end - begin));
      row.bind(10, times);
      row.exec();
      row.reset();
      last_event = row_id + static_cast<int64_t>(end - begin) - 1;
    }
    sequence.bind(1, last_event);
    sequence.exec();
    sequence.reset();
    // Room for the pairs before the commit: adding them after it cannot
    // fail. Grown by doubling: reserving the exact size copied every pair
    // since the last merge at every commit.
    if (const size_t needed = unmerged->size() + reads.size();
        needed > unmerged->capacity()) {
      unmerged->reserve(std::max(needed, 2 * unmerged->capacity()));
    }
    tx.commit();
    return absl::OkStatus();
  });
  if (status.ok()) {
    last_event_ = last_event;
    unmerged_.insert(unmerged_.end(), reads.begin(), reads.end());
  } else {
    numbers_.clear();  // numbers given in a rolled-back transaction
  }
  return status;
}

absl::Status AuditLog::ReadPositions() {
  absl::MutexLock lock(&db_mu_);
  SQLite::Database& db = *write_db_;
  int64_t last_event = 0;
  int64_t merged = 0;
  std::vector<std::pair<int64_t, int64_t>> unmerged;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
    // The newest id ever given, also if its event has been pruned: the
    // newest row's last event, or what AUTOINCREMENT was last told.
    SQLite::Statement q(
        db,
        "SELECT max((SELECT COALESCE(MAX(id + events - 1), 0) FROM "
        "audit_events WHERE id = (SELECT MAX(id) FROM audit_events)), "
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = "
        "'audit_events'), 0)), (SELECT upto FROM audit_merged)");
    q.executeStep();
    last_event = q.getColumn(0).getInt64();
    merged = q.getColumn(1).getInt64();
    // The events a server stopped before merging (at most about a merge's
    // worth, unless merges failed). A merge runs between commits, so no
    // row holds events on both sides of it.
    SQLite::Statement rows(db,
                           "SELECT id, time, record_ids, events, times FROM "
                           "audit_events WHERE id > ? ORDER BY id");
    rows.bind(1, merged);
    while (rows.executeStep()) {
      for (const RowEvent& e :
           EventsOfRow(rows.getColumn(0).getInt64(),
                       rows.getColumn(1).getInt64(), TextAt(rows, 2),
                       rows.getColumn(3).getInt64(), TextAt(rows, 4))) {
        ForEachNumber(e.record_ids, [&](int64_t record) {
          unmerged.emplace_back(record, e.id);
        });
      }
    }
    snapshot.commit();
    return absl::OkStatus();
  }));
  last_event_ = last_event;
  merged_ = merged;
  unmerged_ = std::move(unmerged);
  return absl::OkStatus();
}

void AuditLog::MergeIfDue() {
  absl::MutexLock lock(&db_mu_);
  if (last_event_ - merged_ < options_.merge_every &&
      unmerged_.size() < options_.merge_pairs) {
    return;
  }
  absl::Status merged = Merge();
  if (!merged.ok()) std::cerr << "raamatchd: " << merged << "\n";
}

absl::Status AuditLog::Merge() {
  if (last_event_ <= merged_) return absl::OkStatus();
  SQLite::Database& db = *write_db_;
  // By record, each record's events ascending (an event lists a record
  // once). Written in record order: appends to the table's key order.
  std::vector<std::pair<int64_t, int64_t>>* unmerged = &unmerged_;
  std::vector<std::pair<int64_t, int64_t>>* scratch = &merge_scratch_;
  const int64_t upto = last_event_;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    SortByRecord(*unmerged, *scratch);
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement add(db,
                          "INSERT INTO audit_postings (record_id, run, "
                          "events) VALUES (?, ?, ?)");
    std::string events;
    for (auto it = unmerged->begin(); it != unmerged->end();) {
      const int64_t record = it->first;
      events.clear();
      for (; it != unmerged->end() && it->first == record; ++it) {
        absl::StrAppend(&events, events.empty() ? "" : " ", it->second);
      }
      add.bind(1, record);
      add.bind(2, upto);
      add.bindNoCopy(3, events);
      add.exec();
      add.reset();  // before `events` changes: SQLite holds no copy
    }
    SQLite::Statement mark(db, "UPDATE audit_merged SET upto = ?");
    mark.bind(1, upto);
    mark.exec();
    tx.commit();
    return absl::OkStatus();
  }));
  merged_ = upto;
  unmerged_.clear();
  // Buffers grown past a usual run (by pages of long lists) are freed; the
  // rest are kept, as their pages are (growing them afresh for each run
  // faulted in pages enough to cost the writer 1 us an event).
  if (unmerged_.capacity() > 2 * options_.merge_pairs) {
    unmerged_ = {};
    merge_scratch_ = {};
  }
  return absl::OkStatus();
}

std::vector<int64_t> AuditLog::SnapshotWithUnmergedEventsOf(
    SQLite::Database& db, int64_t record) {
  std::vector<int64_t> events;
  // No commit, merge or prune while the snapshot starts and unmerged_ is
  // read: it holds exactly the events unmerged_ lists, and their lists are
  // not in audit_postings.
  absl::MutexLock lock(&db_mu_);
  db.exec("SELECT upto FROM audit_merged");
  for (const auto& [r, event] : unmerged_) {
    if (r == record) events.push_back(event);
  }
  // Each record's pairs are in event order, but sorted anyway: cheap, and
  // the page's order does not rest on it.
  absl::c_sort(events, std::greater<>());
  return events;
}

absl::StatusOr<int64_t> AuditLog::Prune() {
  absl::MutexLock lock(&db_mu_);
  return PruneLocked();
}

absl::StatusOr<int64_t> AuditLog::PruneLocked() {
  const int64_t cutoff = absl::ToUnixMicros(clock_.Now() - options_.retention);
  SQLite::Database& db = *write_db_;
  std::vector<std::pair<int64_t, int64_t>>* unmerged = &unmerged_;
  return Guard([&]() -> absl::StatusOr<int64_t> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Ids grow with time: everything up to the newest expired event goes.
    // Its row (the newest whose first event has expired) may also hold
    // later events, in time order: those are kept, as a row of their own.
    SQLite::Statement last(
        db,
        "SELECT id, time, record_ids, events, times FROM audit_events WHERE "
        "id = (SELECT MAX(id) FROM audit_events WHERE time < ?)");
    last.bind(1, cutoff);
    if (!last.executeStep()) return int64_t{0};
    const int64_t last_row = last.getColumn(0).getInt64();
    const std::string row_lists = last.getColumn(2).getString();
    const std::string row_times = last.getColumn(4).getString();
    const std::vector<RowEvent> row =
        EventsOfRow(last_row, last.getColumn(1).getInt64(), row_lists,
                    last.getColumn(3).getInt64(), row_times);
    last.reset();
    const auto kept = absl::c_find_if(
        row, [cutoff](const RowEvent& e) { return e.time >= cutoff; });
    const int64_t upto = std::prev(kept)->id;  // the first has expired
    SQLite::Statement count(
        db, "SELECT COALESCE(SUM(events), 0) FROM audit_events WHERE id <= ?");
    count.bind(1, last_row);
    count.executeStep();
    const int64_t deleted =
        count.getColumn(0).getInt64() - std::distance(kept, row.end());
    count.reset();
    if (kept != row.end()) {
      std::vector<absl::string_view> lists;
      std::vector<int64_t> offsets;
      int64_t records = 0;
      for (auto it = kept; it != row.end(); ++it) {
        lists.push_back(it->record_ids);
        if (it != kept) offsets.push_back(it->time - kept->time);
        ForEachNumber(it->record_ids, [&records](int64_t) { ++records; });
      }
      SQLite::Statement rest(
          db,
          "INSERT INTO audit_events (id, time, key_id, authority_id, method, "
          "status_code, record_count, record_ids, events, times) SELECT ?, ?, "
          "key_id, authority_id, method, status_code, ?, ?, ?, ? FROM "
          "audit_events WHERE id = ?");
      rest.bind(1, kept->id);
      rest.bind(2, kept->time);
      rest.bind(3, records);
      rest.bind(4, absl::StrJoin(lists, ","));
      rest.bind(5, static_cast<int64_t>(lists.size()));
      rest.bind(6, absl::StrJoin(offsets, " "));
      rest.bind(7, last_row);
      rest.exec();
    }
    // The lists of the runs wholly expired go; the one run after them may
    // also list expired events (runs cover disjoint ranges in order): its
    // lists lose those.
    SQLite::Statement expired_runs(db,
                                   "DELETE FROM audit_postings WHERE run <= ?");
    expired_runs.bind(1, upto);
    expired_runs.exec();
    SQLite::Statement next_run(
        db, "SELECT MIN(run) FROM audit_postings WHERE run > ?");
    next_run.bind(1, upto);
    next_run.executeStep();
    if (!next_run.getColumn(0).isNull()) {
      const int64_t run = next_run.getColumn(0).getInt64();
      SQLite::Statement lists(
          db, "SELECT record_id, events FROM audit_postings WHERE run = ?");
      SQLite::Statement keep(db,
                             "UPDATE audit_postings SET events = ? WHERE "
                             "record_id = ? AND run = ?");
      SQLite::Statement forget(
          db, "DELETE FROM audit_postings WHERE record_id = ? AND run = ?");
      lists.bind(1, run);
      std::vector<std::pair<int64_t, std::string>> changed;
      while (lists.executeStep()) {
        std::vector<int64_t> events =
            ParseNumbers(lists.getColumn(1).getString());
        const size_t expired =
            std::erase_if(events, [upto](int64_t e) { return e <= upto; });
        if (expired == 0) continue;
        changed.emplace_back(lists.getColumn(0).getInt64(),
                             absl::StrJoin(events, " "));
      }
      for (const auto& [record, events] : changed) {
        if (events.empty()) {
          forget.bind(1, record);
          forget.bind(2, run);
          forget.exec();
          forget.reset();
        } else {
          keep.bind(1, events);
          keep.bind(2, record);
          keep.bind(3, run);
          keep.exec();
          keep.reset();
        }
      }
    }
    SQLite::Statement events(db, "DELETE FROM audit_events WHERE id <= ?");
    events.bind(1, last_row);
    events.exec();
    tx.commit();
    // The next merge lists none of the deleted events.
    std::erase_if(*unmerged, [upto](const std::pair<int64_t, int64_t>& read) {
      return read.second <= upto;
    });
    return deleted;
  });
}

absl::StatusOr<v1::QueryAuditLogResponse> AuditLog::Query(
    const v1::QueryAuditLogRequest& request) {
  FieldErrors errors;
  // Refused below if the trail does not hold it either.
  absl::Status malformed_record;
  if (!request.record().empty()) {
    if (!IsPrintableName(request.record())) {
      errors.Add("record",
                 "must be a record's name, such as "
                 "authorities/leeds/children/c12");
    } else {
      malformed_record = CheckRecordFilter(request.record());
    }
  }
  std::string key_id(absl::StripPrefix(request.api_key(), "apiKeys/"));
  if (!request.api_key().empty() &&
      (key_id.size() != 16 || !IsLowerHex(key_id))) {
    errors.Add("api_key", "must be apiKeys/{16 hex digits} or the key id");
  }
  std::string authority_id(
      absl::StripPrefix(request.authority(), "authorities/"));
  // Calls are made by members, so an id that is not one matches nothing.
  if (!request.authority().empty() && !IsSlug(authority_id)) {
    errors.Add("authority",
               "must be authorities/{id} or the id: lowercase letters, digits "
               "and '-'");
  }
  auto check_time = [&](const google::protobuf::Timestamp& t,
                        absl::string_view field) {
    if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
        t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 ||
        t.nanos() > 999999999) {
      errors.Add(field, "is not a valid time");
    }
  };
  check_time(request.since(), "since");
  check_time(request.until(), "until");
  const bool has_since = request.has_since();
  const bool has_until = request.has_until();
  const int64_t since = TimeUtil::TimestampToMicroseconds(request.since());
  const int64_t until = TimeUtil::TimestampToMicroseconds(request.until());
  if (has_since && has_until && since >= until) {
    errors.Add("until", "must be after since");
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  if (!errors.empty()) return errors.ToStatus();

  // The filters other than the page's position, on a row `e` of events
  // (migration 21): every row that may hold an event they keep. A row's
  // events are at most kMaxRowSpanMicros after its first, whose time the
  // row has. Each event is then checked (`keeps`).
  std::string filters;
  if (!key_id.empty()) filters += " AND e.key_id = :key";
  if (!authority_id.empty()) filters += " AND e.authority_id = :authority";
  if (has_since) filters += " AND e.time >= :since";
  if (has_until) filters += " AND e.time < :until";
  const std::string after = cursor->after > 0 ? " AND e.id < :after" : "";
  constexpr absl::string_view kColumns =
      "SELECT e.id, e.time, e.key_id, e.authority_id, e.method, "
      "e.status_code, e.record_ids, e.events, e.times FROM audit_events e "
      "WHERE ";
  // Without a record: the rows, newest first. With one: the events after
  // audit_merged.upto that list it (the writer's unmerged reads, from
  // memory), newest first; then, while the page is not full, the events of
  // its lists in audit_postings, newest first; each looked up by id, in the
  // row that holds it.
  const std::string sql =
      absl::StrCat(kColumns, "1", filters, after, " ORDER BY e.id DESC");
  auto bind_filters = [&](SQLite::Statement& q) {
    if (!key_id.empty()) q.bind(":key", key_id);
    if (!authority_id.empty()) q.bind(":authority", authority_id);
    if (has_since) q.bind(":since", since - kMaxRowSpanMicros);
    if (has_until) q.bind(":until", until);
  };
  // Whether the search keeps an event of a row the filters found.
  auto keeps = [&](const RowEvent& e) {
    return (!has_since || e.time >= since) && (!has_until || e.time < until) &&
           (cursor->after == 0 || e.id < cursor->after);
  };

  const bool by_record = !request.record().empty();
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<v1::QueryAuditLogResponse> {
    int64_t record_id = 0;
    if (by_record) {
      // A record's number never changes once given. Finished before the
      // snapshot starts (an open statement would start it).
      SQLite::Statement number(db, "SELECT id FROM audit_names WHERE name = ?");
      number.bind(1, request.record());
      // A name never recorded: no event read it, or it is mistyped.
      if (!number.executeStep()) {
        if (!malformed_record.ok()) return malformed_record;
        return v1::QueryAuditLogResponse();
      }
      record_id = number.getColumn(0).getInt64();
    }
    // One snapshot for the events, the lists and the lookups.
    SQLite::Transaction snapshot(db, SQLite::TransactionBehavior::DEFERRED);
    // With a record: the events after audit_merged.upto that read it, from
    // the writer's memory, newest first. The snapshot starts with them (before
    // any other statement), so it holds every one and lists none of them in
    // audit_postings.
    const std::vector<int64_t> unmerged =
        by_record ? SnapshotWithUnmergedEventsOf(db, record_id)
                  : std::vector<int64_t>();
    SQLite::Statement name_of(db, "SELECT name FROM audit_names WHERE id = ?");
    absl::flat_hash_map<int64_t, std::string> names;
    v1::QueryAuditLogResponse response;
    int64_t last_id = 0;
    bool full = false;
    // Adds `event` of the row in `row` (kColumns) to the page, or ends the
    // page.
    auto take = [&](SQLite::Statement& row, const RowEvent& event) {
      if (response.events_size() == cursor->page_size) {
        response.set_next_page_token(NextPageToken(last_id));
        full = true;
        return;
      }
      last_id = event.id;
      v1::AuditEvent* e = response.add_events();
      e->set_name(absl::StrCat("auditEvents/", last_id));
      *e->mutable_time() = TimeUtil::MicrosecondsToTimestamp(event.time);
      e->set_api_key(ApiKeyName(row.getColumn(2).getString()));
      e->set_authority(AuthorityName(row.getColumn(3).getString()));
      e->set_method(row.getColumn(4).getString());
      e->set_status_code(row.getColumn(5).getInt());
      ForEachNumber(event.record_ids, [&](int64_t id) {
        auto [it, inserted] = names.try_emplace(id);
        if (inserted) {
          name_of.bind(1, id);
          if (name_of.executeStep())
            it->second = name_of.getColumn(0).getString();
          name_of.reset();
        }
        e->add_records(it->second);
      });
    };
    // The events of the row `row` is on, oldest first, in place (valid
    // until it steps or is reset).
    auto events_of = [](SQLite::Statement& row) {
      return EventsOfRow(row.getColumn(0).getInt64(),
                         row.getColumn(1).getInt64(), TextAt(row, 6),
                         row.getColumn(7).getInt64(), TextAt(row, 8));
    };

    if (!by_record) {
      SQLite::Statement q(db, sql);
      if (cursor->after > 0) q.bind(":after", cursor->after);
      bind_filters(q);
      while (!full && q.executeStep()) {
        const std::vector<RowEvent> events = events_of(q);
        for (auto it = events.rbegin(); !full && it != events.rend(); ++it) {
          if (keeps(*it)) take(q, *it);
        }
      }
      return response;
    }
    SQLite::Statement event(
        db, absl::StrCat(kColumns,
                         "e.id = (SELECT MAX(id) FROM audit_events WHERE id "
                         "<= :id)",
                         filters));
    bind_filters(event);
    // Adds event `id` if the search's other filters keep it.
    auto take_id = [&](int64_t id) {
      event.bind(":id", id);
      // Not found: the filters leave its row out (or it was pruned). The
      // row's text is read in place (valid until the reset).
      if (event.executeStep()) {
        std::optional<RowEvent> e =
            EventOfRow(event.getColumn(0).getInt64(),
                       event.getColumn(1).getInt64(), TextAt(event, 6),
                       event.getColumn(7).getInt64(), TextAt(event, 8), id);
        if (e.has_value() && keeps(*e)) take(event, *e);
      }
      event.reset();
    };
    for (int64_t id : unmerged) {
      if (full) return response;
      if (cursor->after > 0 && id >= cursor->after) continue;
      take_id(id);
    }
    if (full) return response;

    // The record's lists, newest run first. With a page position, from the
    // one run that may hold events both before and after it.
    int64_t below = std::numeric_limits<int64_t>::max();
    if (cursor->after > 0) {
      SQLite::Statement first(db,
                              "SELECT MIN(run) FROM audit_postings WHERE "
                              "record_id = ? AND run >= ?");
      first.bind(1, record_id);
      first.bind(2, cursor->after);
      first.executeStep();
      below = first.getColumn(0).isNull() ? cursor->after
                                          : first.getColumn(0).getInt64() + 1;
    }
    SQLite::Statement lists(db,
                            "SELECT events FROM audit_postings WHERE "
                            "record_id = ? AND run < ? ORDER BY run DESC");
    lists.bind(1, record_id);
    lists.bind(2, below);
    while (!full && lists.executeStep()) {
      // Sorted here: the lists migration 16 made may not be in order.
      std::vector<int64_t> events =
          ParseNumbers(lists.getColumn(0).getString());
      absl::c_sort(events, std::greater<>());
      for (int64_t id : events) {
        if (cursor->after > 0 && id >= cursor->after) continue;
        take_id(id);
        if (full) break;
      }
    }
    return response;
  });
}

}  // namespace raa
