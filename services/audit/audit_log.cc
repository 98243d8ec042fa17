#include "services/audit/audit_log.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/names.h"
#include "google/protobuf/util/time_util.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

// Records and filters longer than this are not names raamatch issues.
constexpr size_t kMaxNameChars = 200;
// How often the writer deletes expired events.
constexpr absl::Duration kPruneEvery = absl::Hours(24);

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
        auto write = std::make_unique<SQLite::Database>(options.db_path,
                                                        SQLite::OPEN_READWRITE);
        // WAL is a property of the file (the store set it); NORMAL makes a
        // commit survive a crash of this process without an fsync each.
        write->exec("PRAGMA synchronous = NORMAL");
        write->setBusyTimeout(5000);
        write->exec("SELECT 1 FROM audit_events LIMIT 1");  // migration 4 ran
        auto read = std::make_unique<SQLite::Database>(options.db_path,
                                                       SQLite::OPEN_READONLY);
        read->setBusyTimeout(5000);
        return std::unique_ptr<AuditLog>(
            new AuditLog(options, clock, std::move(write), std::move(read)));
      });
  if (!log.ok()) return log.status();
  absl::StatusOr<int64_t> pruned = (*log)->Prune();
  if (!pruned.ok()) return pruned.status();
  (*log)->writer_ = std::thread([raw = log->get()] { raw->Run(); });
  return log;
}

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
  mu_.Await(absl::Condition(&flushed));
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
  while (true) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready), next_prune);
      if (queue_.size() <= options_.max_batch) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
      if (batch.empty() && stopping_) {
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
      for (Pending& p : batch) {
        if (p.done) std::move(p.done)(status);
      }
      absl::MutexLock lock(&mu_);
      committed_ += batch.size();
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
  return Guard([&]() -> absl::Status {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement event(
        db,
        "INSERT INTO audit_events (time, key_id, authority_id, method, "
        "status_code, record_count) VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::Statement record(db,
                             "INSERT OR IGNORE INTO audit_records (event_id, "
                             "record) VALUES (?, ?)");
    for (const Pending& p : batch) {
      const AuditEvent& e = p.event;
      event.bind(1, absl::ToUnixMicros(e.time));
      event.bind(2, e.key_id);
      event.bind(3, e.authority_id);
      event.bind(4, e.method);
      event.bind(5, e.status_code);
      event.bind(6, static_cast<int64_t>(e.records.size()));
      event.exec();
      event.reset();
      const int64_t id = db.getLastInsertRowid();
      for (const std::string& name : e.records) {
        record.bind(1, id);
        record.bind(2, name);
        record.exec();
        record.reset();
      }
    }
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> AuditLog::Prune() {
  absl::MutexLock lock(&db_mu_);
  return PruneLocked();
}

absl::StatusOr<int64_t> AuditLog::PruneLocked() {
  const int64_t cutoff = absl::ToUnixMicros(clock_.Now() - options_.retention);
  SQLite::Database& db = *write_db_;
  return Guard([&]() -> absl::StatusOr<int64_t> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Ids grow with time: everything up to the newest expired event goes.
    SQLite::Statement last(
        db, "SELECT COALESCE(MAX(id), 0) FROM audit_events WHERE time < ?");
    last.bind(1, cutoff);
    last.executeStep();
    const int64_t upto = last.getColumn(0).getInt64();
    if (upto == 0) return int64_t{0};
    SQLite::Statement records(db,
                              "DELETE FROM audit_records WHERE event_id <= ?");
    records.bind(1, upto);
    records.exec();
    SQLite::Statement events(db, "DELETE FROM audit_events WHERE id <= ?");
    events.bind(1, upto);
    const int64_t deleted = events.exec();
    tx.commit();
    return deleted;
  });
}

absl::StatusOr<v1::QueryAuditLogResponse> AuditLog::Query(
    const v1::QueryAuditLogRequest& request) {
  FieldErrors errors;
  if (!request.record().empty() && !IsPrintableName(request.record())) {
    errors.Add("record",
               "must be a record's name, such as "
               "authorities/leeds/children/c12");
  }
  std::string key_id(absl::StripPrefix(request.api_key(), "apiKeys/"));
  if (!request.api_key().empty() &&
      (key_id.size() != 16 || !IsLowerHex(key_id))) {
    errors.Add("api_key", "must be apiKeys/{16 hex digits} or the key id");
  }
  std::string authority_id(
      absl::StripPrefix(request.authority(), "authorities/"));
  if (!request.authority().empty() && (!IsPrintableName(authority_id) ||
                                       absl::StrContains(authority_id, '/'))) {
    errors.Add("authority", "must be authorities/{id} or the id");
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

  std::string sql;
  if (!request.record().empty()) {
    sql =
        "SELECT r.event_id, e.time, e.key_id, e.authority_id, e.method, "
        "e.status_code FROM audit_records r JOIN audit_events e ON e.id = "
        "r.event_id WHERE r.record = :record";
    if (cursor->after > 0) sql += " AND r.event_id < :after";
  } else {
    sql =
        "SELECT e.id, e.time, e.key_id, e.authority_id, e.method, "
        "e.status_code FROM audit_events e WHERE 1";
    if (cursor->after > 0) sql += " AND e.id < :after";
  }
  if (!key_id.empty()) sql += " AND e.key_id = :key";
  if (!authority_id.empty()) sql += " AND e.authority_id = :authority";
  if (has_since) sql += " AND e.time >= :since";
  if (has_until) sql += " AND e.time < :until";
  sql += " ORDER BY 1 DESC LIMIT :limit";

  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<v1::QueryAuditLogResponse> {
    SQLite::Statement q(db, sql);
    if (!request.record().empty()) q.bind(":record", request.record());
    if (cursor->after > 0) q.bind(":after", cursor->after);
    if (!key_id.empty()) q.bind(":key", key_id);
    if (!authority_id.empty()) q.bind(":authority", authority_id);
    if (has_since) q.bind(":since", since);
    if (has_until) q.bind(":until", until);
    q.bind(":limit", cursor->page_size + 1);
    SQLite::Statement records(
        db, "SELECT record FROM audit_records WHERE event_id = ?");
    v1::QueryAuditLogResponse response;
    int64_t last_id = 0;
    while (q.executeStep()) {
      if (response.events_size() == cursor->page_size) {
        response.set_next_page_token(NextPageToken(last_id));
        break;
      }
      last_id = q.getColumn(0).getInt64();
      v1::AuditEvent* e = response.add_events();
      e->set_name(absl::StrCat("auditEvents/", last_id));
      *e->mutable_time() =
          TimeUtil::MicrosecondsToTimestamp(q.getColumn(1).getInt64());
      e->set_api_key(ApiKeyName(q.getColumn(2).getString()));
      e->set_authority(AuthorityName(q.getColumn(3).getString()));
      e->set_method(q.getColumn(4).getString());
      e->set_status_code(q.getColumn(5).getInt());
      records.bind(1, last_id);
      while (records.executeStep()) {
        e->add_records(records.getColumn(0).getString());
      }
      records.reset();
    }
    return response;
  });
}

}  // namespace raa
