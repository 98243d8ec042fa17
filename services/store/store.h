// The store's core: raamatch's durable state in one SQLite file, with
// serialised, idempotent writes. It knows no area's tables: each area keeps
// its own rows (services/registry/registry_rows.h,
// services/matching/matching_rows.h, services/auth/key_rows.h) and its own
// migrations, and the server hands the store the whole schema at open.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                    Store::Open(path, clock, RaamatchSchema()));
//   ASSIGN_OR_RETURN(auto written, store->Write<v1::Child>(key,
//       [&](StoreTx& tx) -> absl::StatusOr<v1::Child> {
//         ... registry_rows::InsertChild(tx, authority_id, child) ...
//       }));
//   ASSIGN_OR_RETURN(v1::Child child,
//                    registry_rows::GetChild(*store, authority_id, row));
//
// Durability: WAL journal, synchronous=FULL, foreign keys on, and every write
// in one BEGIN IMMEDIATE transaction, so a write acknowledged to a client
// survives a kill -9 of the server. The schema is built by numbered
// migrations (each area contributes its own; see SchemaPart) recorded in
// `schema_migrations`; a file written by a newer version of raamatch is
// refused.
//
// Idempotency: every write runs under a RequestKey (caller scope, request id,
// method, hash of the request body). The first answer is stored in the same
// transaction as the write; a retry with the same key returns it unchanged; the
// same request id with a different body is ALREADY_EXISTS.
//
// How an area adds rows: its row functions take the StoreTx (writes) or the
// Store (reads, through Store::Read), use tx.db() / a read connection with
// the helpers of services/store/sql.h, and keep what a write changed in the
// transaction's state for the area (StoreTx::State<T>), from which the
// area tells its own observer (e.g. registry_rows::TellRegistryChanges) when
// the store's listener asks, before the commit.
//
// Thread-safe. Writes are serialised; reads use read connections of their
// own (kReadConnections, each reader on one at a time) and run alongside
// writes and each other (WAL).
#ifndef RAAMATCH_SERVICES_STORE_STORE_H_
#define RAAMATCH_SERVICES_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/names.h"
#include "google/protobuf/message.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace SQLite {
class Database;
}

namespace raa {
namespace store_internal {
class StatementCache;
}  // namespace store_internal

// Identifies one logical write for idempotent retries.
struct RequestKey {
  std::string scope;  // the caller's authority id
  std::string request_id;
  std::string method;
  std::string body_hash;  // SHA-256 of the request without its request_id
  // Also the same request, if set: the hash the request had before its
  // area began to key it another way (a ledger request before its
  // currencies were spelt out), so a retry across that upgrade matches.
  std::string earlier_body_hash;
};

// The method part of an idempotency key, from the request's type rather than
// typed by hand: "CreateChild" for raa.v1.CreateChildRequest. Every RPC X of
// the API takes an XRequest, so this is X, byte for byte the strings stored
// before it was derived ("CreateChild", "UpdateAuthority", ...): a retry
// across an upgrade still matches its stored row. A type not named
// "...Request" gives its full name. (tests/registry/store_test.cc pins it.)
std::string IdempotencyMethodOf(const google::protobuf::Descriptor& type);

// The key of one write: `scope`, the request's request_id, its method
// (IdempotencyMethodOf) and the hash of `request` with request_id cleared.
RequestKey MakeRequestKey(std::string scope,
                          const google::protobuf::Message& request);

template <typename T>
struct Written {
  T value;
  bool replayed = false;  // true if this is a retry's stored first answer
};

template <typename T>
struct Row {
  int64_t row_id;
  T value;
};

// Keyset paging: `after` is the last row id of the previous page.
struct PageRequest {
  int page_size = 50;
  int64_t after = 0;
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t next_after = 0;  // 0 when this is the last page
};

// A write recorded under a request id (see RequestKey).
struct StoredRequest {
  std::string method;
  std::string body_hash;
  std::string response;  // the serialized first answer
};

// One numbered step of the schema. Append only: a migration, once released,
// never changes; a new one takes the next free number.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// What one area adds to the database: its migrations (numbered in the one
// sequence all areas share) and, optionally, a repair run at every open
// after all migrations are applied (e.g. filling a column a migration added
// from the stored profiles). `after_open` may throw SQLite::Exception, like
// a migration; Open turns it into an error.
struct SchemaPart {
  std::span<const Migration> migrations;
  void (*after_open)(SQLite::Database& db) = nullptr;
};

// Every migration of `schema`, by version. INTERNAL if two share a number.
absl::StatusOr<std::vector<Migration>> OrderedMigrations(
    std::span<const SchemaPart> schema);

// The write side of one transaction. Only valid inside Store::Write (the
// body and the listener's BeforeCommit), on the writing thread; or inside
// Store::Check, on a read-only connection, where it only reads (a write,
// RecordRequest among them, fails).
class StoreTx {
 public:
  // Idempotency records, for writes made of parts that each carry their own
  // request id (the rows of a batch). Store::Write keeps the whole request's.
  absl::StatusOr<std::optional<StoredRequest>> FindRequest(
      absl::string_view scope, absl::string_view request_id);
  absl::Status RecordRequest(const RequestKey& key,
                             const std::string& response);

  // The write connection, inside the transaction, for an area's row code.
  // SQLiteCpp throws; the store catches it and rolls the write back.
  SQLite::Database& db() { return db_; }
  // The store's clock, in microseconds since the epoch.
  int64_t NowMicros() const;

  // The state an area keeps for this transaction (typically the rows it
  // changed, to tell its observer before the commit): value-initialised on
  // first use, destroyed with the transaction. One per type.
  template <typename T>
  T& State() {
    for (auto& [tag, state] : states_) {
      if (tag == &kStateTag<T>) return *static_cast<T*>(state.get());
    }
    auto state = std::make_shared<T>();
    T& out = *state;
    states_.emplace_back(&kStateTag<T>, std::move(state));
    return out;
  }
  // The state of type T if an area made one in this transaction, else null.
  template <typename T>
  const T* FindState() const {
    for (const auto& [tag, state] : states_) {
      if (tag == &kStateTag<T>) return static_cast<const T*>(state.get());
    }
    return nullptr;
  }

 private:
  friend class Store;
  template <typename T>
  static constexpr char kStateTag = 0;  // its address identifies T

  StoreTx(SQLite::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  SQLite::Database& db_;
  const Clock& clock_;
  std::vector<std::pair<const void*, std::shared_ptr<void>>> states_;
};

// Told of every write whose body succeeded, inside its transaction and under
// the store's write lock, in this order (after Begun, which every write gets
// once its transaction has begun, before its body runs, even one whose body
// then fails or that is a replayed retry):
//   BeforeCommit(tx)              the areas' changes are told and derived
//                                 rows (alerts) written; an error rolls the
//                                 whole write back and is returned to the
//                                 caller, so nothing is acknowledged that a
//                                 listener could not follow
//   Committed() or RolledBack()   exactly one, once the outcome is known
//                                 (also after a BeforeCommit that failed)
// A replayed retry and a failed body reach no listener. A listener that takes
// changes into memory before the commit must put them back on RolledBack
// (rare: a failed commit), so it never keeps a write that was not
// acknowledged. Keep every call short; never call back into the store's
// write side.
class StoreListener {
 public:
  virtual ~StoreListener() = default;
  virtual void Begun(StoreTx& /*tx*/) {}
  virtual absl::Status BeforeCommit(StoreTx& tx) = 0;
  virtual void Committed() {}
  virtual void RolledBack() {}
};

class Store {
 public:
  // The page size of a database Open creates, in bytes (SQLite's default is
  // 4,096). A rebuild of the matching index reads every household's and
  // child's page once, one system call each; with pages twice the size a
  // rebuild at 1M took about 7% less time and CPU, and a batch of writes
  // about 4% more (docs/operator.md). A database made with smaller pages
  // keeps them until Compact.
  static constexpr int kPageSize = 8192;

  // Opens or creates the database at `path`, applying every migration of
  // `schema` it lacks, in version order, then each part's after_open.
  // FAILED_PRECONDITION if the file was written by a newer raamatch (it
  // records a version above every one in `schema`). `schema` is only read
  // during the call.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::string& path, const Clock& clock,
      std::span<const SchemaPart> schema);
  ~Store();

  // Set once, before the first write (and to null before the listener
  // goes away).
  void SetListener(StoreListener* listener);

  // Runs `body` in one BEGIN IMMEDIATE transaction under `key` (see above).
  // If `body` fails, nothing is written and its status is returned. When
  // `key.request_id` is empty the write is not recorded for retries.
  // If the RPC being served was cancelled or is past its deadline
  // (CurrentCallWanted, services/store/call_scope.h), it returns that status
  // without running `body`, checked before and again after taking the lock.
  template <typename Response>
  absl::StatusOr<Written<Response>> Write(
      const RequestKey& key,
      absl::FunctionRef<absl::StatusOr<Response>(StoreTx&)> body) {
    bool replayed = false;
    absl::StatusOr<std::string> bytes = WriteSerialized(
        key,
        [&](StoreTx& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<Response> r = body(tx);
          if (!r.ok()) return r.status();
          return r->SerializeAsString();
        },
        replayed);
    if (!bytes.ok()) return bytes.status();
    Written<Response> out;
    out.replayed = replayed;
    if (!out.value.ParseFromString(*bytes)) {
      return absl::DataLossError("stored response cannot be read");
    }
    return out;
  }

  // Runs `body` as Write would, but in one read transaction on a read
  // connection (one snapshot of the database, as a write's body sees one)
  // and without the write lock: nothing is written (the connection is
  // read-only, and the transaction is rolled back), nothing is recorded for
  // retries and no listener is told. For a validate_only request, whose
  // checks give the write's answer without storing it: `body` skips its
  // writes.
  template <typename Response>
  absl::StatusOr<Response> Check(
      absl::FunctionRef<absl::StatusOr<Response>(StoreTx&)> body) {
    std::optional<absl::StatusOr<Response>> out;
    absl::Status status = CheckShared([&](StoreTx& tx) {
      out.emplace(body(tx));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return *std::move(out);
  }

  // Read connections kept open: as many reads run at once (a consortium's
  // overdue list, tens of milliseconds, leaves the others free); a fifth
  // reader waits for one.
  static constexpr int kReadConnections = 4;

  // Runs `fn(SQLite::Database&)` on a free read connection (each serves one
  // reader at a time), and returns what it returns (an absl::Status or
  // absl::StatusOr): the read path of every area's row code. A database error
  // (SQLiteCpp throws) becomes INTERNAL.
  template <typename Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn&, SQLite::Database&> {
    return ReadWith(&Store::ReadShared, fn);
  }

  // Runs `fn` like Read, but on a read connection of its own, opened for the
  // call and closed after it: for a long scan that must not hold up the
  // other reads, or that runs beside another scan on another thread (the
  // index's start-up reads households and children at once).
  template <typename Fn>
  auto ReadAside(Fn&& fn) -> std::invoke_result_t<Fn&, SQLite::Database&> {
    return ReadWith(&Store::ReadOnOwnConnection, fn);
  }

  // Copies the live database to `path` with SQLite's online backup API.
  absl::Status Backup(const std::string& path);

  // Rewrites the database at `path` with kPageSize pages and no free pages
  // (SQLite's VACUUM, atomic: a crash or a failure leaves the file as it
  // was, in rollback-journal mode until the next Open), and leaves it in
  // WAL mode. A WAL a crash left is applied first. Needs free disk of about
  // twice the file's size (the copy in SQLite's temporary directory). Only
  // with nothing else using the file: FAILED_PRECONDITION if another
  // connection has it open, NOT_FOUND if there is no file, INTERNAL if the
  // VACUUM failed (a full disk).
  struct Compacted {
    int page_size_before = 0;
    int page_size_after = 0;
    int64_t bytes_before = 0;  // pages x page size
    int64_t bytes_after = 0;
  };
  static absl::StatusOr<Compacted> Compact(const std::string& path);

  const std::string& path() const { return path_; }

 private:
  static absl::StatusOr<std::unique_ptr<Store>> OpenUnguarded(
      const std::string& path, const Clock& clock,
      std::span<const SchemaPart> schema);
  Store(std::string path, const Clock& clock,
        std::unique_ptr<SQLite::Database> write_db,
        std::vector<std::unique_ptr<SQLite::Database>> read_dbs);

  absl::StatusOr<std::string> WriteSerialized(
      const RequestKey& key,
      absl::FunctionRef<absl::StatusOr<std::string>(StoreTx&)> body,
      bool& replayed);
  absl::Status ReadShared(
      absl::FunctionRef<absl::Status(SQLite::Database&)> fn);
  absl::Status CheckShared(absl::FunctionRef<absl::Status(StoreTx&)> fn);
  absl::Status ReadOnOwnConnection(
      absl::FunctionRef<absl::Status(SQLite::Database&)> fn);
  // Read and ReadAside: `fn`'s answer, through `run` (one of the two above).
  template <typename Fn>
  auto ReadWith(absl::Status (Store::*run)(
                    absl::FunctionRef<absl::Status(SQLite::Database&)>),
                Fn& fn) -> std::invoke_result_t<Fn&, SQLite::Database&> {
    using Result = std::invoke_result_t<Fn&, SQLite::Database&>;
    std::optional<Result> out;
    absl::Status status = (this->*run)([&](SQLite::Database& db) {
      out.emplace(fn(db));
      return absl::OkStatus();
    });
    if (!status.ok()) return Result(status);
    return *std::move(out);
  }

  const std::string path_;
  const Clock& clock_;
  absl::Mutex write_mu_;
  std::unique_ptr<SQLite::Database> write_db_ ABSL_GUARDED_BY(write_mu_);
  StoreListener* listener_ ABSL_GUARDED_BY(write_mu_) = nullptr;
  // A read connection and its prepared statements (declared after it, so
  // they are finalized before it closes). Its reader uses it outside
  // read_mu_, from taking it (in_use) to giving it back.
  struct ReadConnection {
    std::unique_ptr<SQLite::Database> db;
    std::unique_ptr<store_internal::StatementCache> statements;
    bool in_use = false;
  };
  absl::Mutex read_mu_;
  std::vector<ReadConnection> reads_ ABSL_GUARDED_BY(read_mu_);
  int free_reads_ ABSL_GUARDED_BY(read_mu_) = 0;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_STORE_STORE_H_
