#include "services/store/store.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "services/store/call_scope.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {

using store_internal::BindBlob;
using store_internal::ColumnBytes;
using store_internal::Guard;
using store_internal::Micros;

std::string IdempotencyMethodOf(const google::protobuf::Descriptor& type) {
  absl::string_view name = type.name();
  if (!absl::ConsumeSuffix(&name, "Request")) return type.full_name();
  return std::string(name);
}

RequestKey MakeRequestKey(std::string scope,
                          const google::protobuf::Message& request) {
  const std::string method = IdempotencyMethodOf(*request.GetDescriptor());
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  std::string request_id;
  if (field != nullptr) {
    request_id = copy->GetReflection()->GetString(*copy, field);
    copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return RequestKey{
      std::move(scope), std::move(request_id), std::string(method),
      std::string(reinterpret_cast<char*>(digest), SHA256_DIGEST_LENGTH),
      std::string()};
}

absl::StatusOr<std::vector<Migration>> OrderedMigrations(
    std::span<const SchemaPart> schema) {
  std::vector<Migration> out;
  for (const SchemaPart& part : schema) {
    out.insert(out.end(), part.migrations.begin(), part.migrations.end());
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) {
    return a.version < b.version;
  });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      return absl::InternalError(
          absl::StrCat("two migrations are numbered ", out[i].version, ": \"",
                       out[i - 1].name, "\" and \"", out[i].name, "\""));
    }
  }
  return out;
}

// ---------------- StoreTx ----------------

absl::StatusOr<std::optional<StoredRequest>> StoreTx::FindRequest(
    absl::string_view scope, absl::string_view request_id) {
  SQLite::Statement q(db_,
                      "SELECT method, body_sha256, response FROM requests "
                      "WHERE scope = ? AND request_id = ?");
  q.bind(1, std::string(scope));
  q.bind(2, std::string(request_id));
  if (!q.executeStep()) return std::nullopt;
  return StoredRequest{q.getColumn(0).getString(), ColumnBytes(q, 1),
                       ColumnBytes(q, 2)};
}

absl::Status StoreTx::RecordRequest(const RequestKey& key,
                                    const std::string& response) {
  SQLite::Statement q(db_, "INSERT INTO requests VALUES (?,?,?,?,?,?)");
  q.bind(1, key.scope);
  q.bind(2, key.request_id);
  q.bind(3, key.method);
  BindBlob(q, 4, key.body_hash);
  BindBlob(q, 5, response);
  q.bind(6, Micros(clock_));
  q.exec();
  return absl::OkStatus();
}

int64_t StoreTx::NowMicros() const { return Micros(clock_); }

// ---------------- Store ----------------

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const std::string& path, const Clock& clock,
    std::span<const SchemaPart> schema) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenUnguarded(path, clock, schema);
  if (!store.ok() && absl::IsInternal(store.status())) {
    return absl::Status(store.status().code(),
                        absl::StrCat(path, ": ", store.status().message()));
  }
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenUnguarded(
    const std::string& path, const Clock& clock,
    std::span<const SchemaPart> schema) {
  ASSIGN_OR_RETURN(std::vector<Migration> migrations,
                   OrderedMigrations(schema));
  const int known = migrations.empty() ? 0 : migrations.back().version;
  return Guard([&]() -> absl::StatusOr<std::unique_ptr<Store>> {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // Before WAL: only a new, empty file takes a page size then.
    db->exec(absl::StrCat("PRAGMA page_size = ", kPageSize));
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    db->setBusyTimeout(5000);
    db->exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
        "PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    int64_t current = db->execAndGet(
                            "SELECT COALESCE(MAX(version), 0) FROM "
                            "schema_migrations")
                          .getInt64();
    if (current > known) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " was written by a newer raamatch (schema version ", current,
          "; this build knows up to ", known,
          "). Upgrade raamatchd, or restore a backup made by this version."));
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      db->exec(m.sql);
      SQLite::Statement q(*db,
                          "INSERT INTO schema_migrations VALUES (?, ?, "
                          "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
      q.bind(1, m.version);
      q.bind(2, m.name);
      q.exec();
      tx.commit();
    }
    for (const SchemaPart& part : schema) {
      if (part.after_open != nullptr) part.after_open(*db);
    }
    // From here on, a statement's undo journal stays in memory: SQLite
    // spills one past 64 KiB to a file in /var/tmp, which the statements
    // of a batch registration did in hundreds of thousands of small writes.
    // Not before: a migration's or repair's sort of a whole table, or its
    // journal, would then be held in memory too.
    db->exec("PRAGMA temp_store = MEMORY");
    std::vector<std::unique_ptr<SQLite::Database>> reads;
    for (int i = 0; i < kReadConnections; ++i) {
      auto read =
          std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY);
      read->setBusyTimeout(5000);
      reads.push_back(std::move(read));
    }
    return std::unique_ptr<Store>(
        new Store(path, clock, std::move(db), std::move(reads)));
  });
}

Store::Store(std::string path, const Clock& clock,
             std::unique_ptr<SQLite::Database> write_db,
             std::vector<std::unique_ptr<SQLite::Database>> read_dbs)
    : path_(std::move(path)), clock_(clock), write_db_(std::move(write_db)) {
  absl::MutexLock lock(&read_mu_);
  for (std::unique_ptr<SQLite::Database>& db : read_dbs) {
    ReadConnection& read = reads_.emplace_back();
    read.statements = std::make_unique<store_internal::StatementCache>(*db);
    read.db = std::move(db);
  }
  free_reads_ = static_cast<int>(reads_.size());
}

Store::~Store() = default;

void Store::SetListener(StoreListener* listener) {
  absl::MutexLock lock(&write_mu_);
  listener_ = listener;
}

absl::StatusOr<std::string> Store::WriteSerialized(
    const RequestKey& key,
    absl::FunctionRef<absl::StatusOr<std::string>(StoreTx&)> body,
    bool& replayed) {
  // A call nobody waits for any more neither queues for the lock nor, once
  // it has it, makes the others wait longer.
  RETURN_IF_ERROR(CurrentCallWanted());
  absl::MutexLock lock(&write_mu_);
  RETURN_IF_ERROR(CurrentCallWanted());
  // Taken under write_mu_, which is held to the end: the lambda below uses
  // these, not the guarded fields (the thread-safety analysis cannot see
  // into a lambda).
  SQLite::Database& db = *write_db_;
  StoreListener* const listener = listener_;
  StoreTx tx(db, clock_);
  bool told = false;  // the listener has been asked to take changes in
  absl::StatusOr<std::string> result =
      Guard([&]() -> absl::StatusOr<std::string> {
        SQLite::Transaction transaction(db,
                                        SQLite::TransactionBehavior::IMMEDIATE);
        if (listener != nullptr) listener->Begun(tx);
        if (!key.request_id.empty()) {
          ASSIGN_OR_RETURN(std::optional<StoredRequest> seen,
                           tx.FindRequest(key.scope, key.request_id));
          if (seen.has_value()) {
            if (seen->method != key.method ||
                (seen->body_hash != key.body_hash &&
                 (key.earlier_body_hash.empty() ||
                  seen->body_hash != key.earlier_body_hash))) {
              return absl::AlreadyExistsError(
                  absl::StrCat("request_id \"", key.request_id,
                               "\" was already used for a different request"));
            }
            replayed = true;
            return seen->response;
          }
        }
        absl::StatusOr<std::string> response = body(tx);
        if (!response.ok()) return response;  // rolled back
        if (listener != nullptr) {
          told = true;
          RETURN_IF_ERROR(listener->BeforeCommit(tx));
        }
        if (!key.request_id.empty()) {
          RETURN_IF_ERROR(tx.RecordRequest(key, *response));
        }
        transaction.commit();
        return response;
      });
  if (told) {
    if (result.ok()) {
      listener->Committed();
    } else {
      listener->RolledBack();
    }
  }
  return result;
}

absl::Status Store::ReadShared(
    absl::FunctionRef<absl::Status(SQLite::Database&)> fn) {
  // A read inside a read would hold two connections: four threads doing it
  // at once would wait for each other for ever.
  thread_local bool reading = false;
  if (reading) {
    return absl::InternalError("Store::Read called inside Store::Read");
  }
  ReadConnection* read = nullptr;
  {
    absl::MutexLock lock(&read_mu_);
    auto any_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_) {
      return free_reads_ > 0;
    };
    read_mu_.Await(absl::Condition(&any_free));
    // The first free one: the busiest connections keep their statements
    // prepared.
    for (ReadConnection& r : reads_) {
      if (r.in_use) continue;
      r.in_use = true;
      --free_reads_;
      read = &r;
      break;
    }
  }
  reading = true;
  // Given back however the read ends.
  absl::Cleanup give_back = [this, read] {
    reading = false;
    absl::MutexLock lock(&read_mu_);
    read->in_use = false;
    ++free_reads_;
  };
  store_internal::StatementCacheScope scope(*read->statements);
  return Guard([&] { return fn(*read->db); });
}

absl::Status Store::CheckShared(absl::FunctionRef<absl::Status(StoreTx&)> fn) {
  return ReadShared([&](SQLite::Database& db) {
    // Deferred: a read transaction, one snapshot for every statement of
    // `fn`; rolled back by the destructor.
    SQLite::Transaction snapshot(db);
    StoreTx tx(db, clock_);
    return fn(tx);
  });
}

absl::Status Store::ReadOnOwnConnection(
    absl::FunctionRef<absl::Status(SQLite::Database&)> fn) {
  return Guard([&] {
    // One thread's for its life: SQLite's own locking would only cost.
    SQLite::Database db(path_, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
    db.setBusyTimeout(5000);
    // No memory map: a page's first touch through one costs a fault, in a
    // virtual machine more than SQLite's copy into its cache. A rebuild of
    // the index at 1M took 10% less time and CPU (4.2-4.3 s against 4.76 s)
    // without one (docs/operator.md).
    return fn(db);
  });
}

absl::StatusOr<Store::Compacted> Store::Compact(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no database at ", path));
  }
  return Guard([&]() -> absl::StatusOr<Compacted> {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    auto read_size = [&db](int& page_size, int64_t& bytes) {
      page_size = db.execAndGet("PRAGMA page_size").getInt();
      bytes = page_size * db.execAndGet("PRAGMA page_count").getInt64();
    };
    Compacted out;
    read_size(out.page_size_before, out.bytes_before);
    // A page size changes only outside WAL mode, and leaving it needs the
    // file to itself: with another connection open SQLite answers BUSY, or
    // keeps WAL.
    std::string mode;
    try {
      mode = db.execAndGet("PRAGMA journal_mode = DELETE").getString();
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY) throw;
      mode = e.what();
    }
    if (mode != "delete") {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " is in use (", mode, "): stop it first; nothing changed"));
    }
    db.exec(absl::StrCat("PRAGMA page_size = ", kPageSize));
    try {
      db.exec("VACUUM");
    } catch (const SQLite::Exception& e) {
      // SQLite rolled the VACUUM back; the next Open sets WAL again.
      return absl::InternalError(
          absl::StrCat(path, " not compacted, nothing changed: ", e.what()));
    }
    read_size(out.page_size_after, out.bytes_after);
    if (db.execAndGet("PRAGMA journal_mode = WAL").getString() != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat(path,
                       " compacted, but left in rollback-journal mode: "
                       "another program opened it; the next start of "
                       "raamatchd sets WAL again"));
    }
    return out;
  });
}

absl::Status Store::Backup(const std::string& path) {
  absl::MutexLock lock(&write_mu_);
  SQLite::Database& db = *write_db_;
  return Guard([&]() -> absl::Status {
    SQLite::Database target(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup backup(target, db);
    backup.executeStep();  // all pages at once
    return absl::OkStatus();
  });
}

}  // namespace raa
