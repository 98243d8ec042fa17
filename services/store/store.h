// The one place that owns SQL: raamatch's durable state in a SQLite file.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(path, clock));
//   ASSIGN_OR_RETURN(auto written, store->Write<v1::Child>(key, [&](StoreTx&
//   tx)
//       -> absl::StatusOr<v1::Child> { ... tx.InsertChild(...) ... }));
//
// Durability: WAL journal, synchronous=FULL, foreign keys on, and every write
// in one BEGIN IMMEDIATE transaction, so a write acknowledged to a client
// survives a kill -9 of the server. The schema is built by numbered
// migrations recorded in `schema_migrations`; a file written by a newer
// version of raamatch is refused.
//
// Idempotency: every write runs under a RequestKey (caller scope, request id,
// method, hash of the request body). The first answer is stored in the same
// transaction as the write; a retry with the same key returns it unchanged; the
// same request id with a different body is ALREADY_EXISTS.
//
// Thread-safe. Writes are serialised; reads use their own connection and run
// alongside writes (WAL).
#ifndef RAAMATCH_SERVICES_STORE_STORE_H_
#define RAAMATCH_SERVICES_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
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

// Identifies one logical write for idempotent retries.
struct RequestKey {
  std::string scope;  // the caller's authority id
  std::string request_id;
  std::string method;
  std::string body_hash;  // SHA-256 of the request without its request_id
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

class StoreTx;

// Told of every change a write makes, inside its transaction and under the
// store's write lock, in this order:
//   Admit(...)                      may refuse the write
//   OnAuthorityChanged / OnChildChanged / OnAdopterChanged / OnFollowChanged
//                                   take the changes in (by kind, in order)
//   WriteDerived(tx)                may add rows of its own (alerts) that
//                                   commit or roll back with the write
//   Committed() or RolledBack()     exactly one, once the outcome is known
// A listener that takes changes into memory before the commit must put them
// back on RolledBack (rare: a failed commit), so it never keeps a write that
// was not acknowledged. Keep every call short; never call back into the
// store's write side.
class StoreListener {
 public:
  virtual ~StoreListener() = default;
  // Called inside the transaction, before it commits, with every record it
  // changed: an error rolls the whole write back and is returned to the
  // caller, so nothing is acknowledged that the listener could not follow.
  virtual absl::Status Admit(
      const std::vector<Row<v1::Child>>& /*children*/,
      const std::vector<Row<v1::Adopter>>& /*adopters*/) {
    return absl::OkStatus();
  }
  virtual void OnAuthorityChanged(const v1::Authority& authority) = 0;
  virtual void OnChildChanged(int64_t row_id, const v1::Child& child) = 0;
  virtual void OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) = 0;
  virtual void OnFollowChanged(int64_t /*row_id*/,
                               const v1::Follow& /*follow*/) {}
  // An error rolls the whole write back (then RolledBack is called).
  virtual absl::Status WriteDerived(StoreTx& /*tx*/) {
    return absl::OkStatus();
  }
  virtual void Committed() {}
  virtual void RolledBack() {}
};

struct StoredApiKey {
  v1::ApiKey key;
  std::string secret_sha256;  // raw 32 bytes
  bool revoked = false;
};

// Filters for listing children; unset members do not filter.
struct ChildFilter {
  std::string authority_id;  // empty: every authority
  v1::ChildStatus status = v1::CHILD_STATUS_UNSPECIFIED;
  // At least one child of at least / at most this age on `ages_on`
  // ("YYYY-MM-DD": the stored ages plus the whole months since the
  // profile's ages_as_of; empty: the ages as stored).
  std::optional<int> min_age_months;
  std::optional<int> max_age_months;
  std::string ages_on;
  int group_size = 0;
  v1::NeedCategory need = v1::NEED_CATEGORY_UNSPECIFIED;
};

struct AdopterFilter {
  std::string authority_id;
  v1::AdopterStatus status = v1::ADOPTER_STATUS_UNSPECIFIED;
  std::optional<int> age_months;
  int group_size = 0;
  v1::NeedCategory need = v1::NEED_CATEGORY_UNSPECIFIED;
};

// Which kind of record a status history belongs to.
enum class RecordKind { kChild, kAdopter };

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

// One member's records by status (for the impact of its withdrawal).
struct MemberRecordCounts {
  struct Profiles {
    int32_t profiles = 0;
    int32_t children = 0;
  };
  std::map<v1::ChildStatus, Profiles> children;
  std::map<v1::AdopterStatus, int32_t> households;
  int32_t active_keys = 0;  // not revoked
};

// A write recorded under a request id (see RequestKey).
struct StoredRequest {
  std::string method;
  std::string body_hash;
  std::string response;  // the serialized first answer
};

// The write side of one transaction. Only valid inside Store::Write.
class StoreTx {
 public:
  // Idempotency records, for writes made of parts that each carry their own
  // request id (the rows of a batch). Store::Write keeps the whole request's.
  absl::StatusOr<std::optional<StoredRequest>> FindRequest(
      absl::string_view scope, absl::string_view request_id);
  absl::Status RecordRequest(const RequestKey& key,
                             const std::string& response);

  absl::StatusOr<v1::Authority> GetAuthority(absl::string_view id);
  absl::Status InsertAuthority(const v1::Authority& authority);
  absl::Status UpdateAuthority(const v1::Authority& authority);

  absl::StatusOr<v1::Child> GetChild(absl::string_view authority_id,
                                     int64_t row_id);
  // Assigns the child's name and times.
  absl::Status InsertChild(absl::string_view authority_id, v1::Child& child);
  // Sets update_time and stores `child` over the row named by child.name().
  absl::Status UpdateChild(v1::Child& child);

  absl::StatusOr<v1::Adopter> GetAdopter(absl::string_view authority_id,
                                         int64_t row_id);
  absl::Status InsertAdopter(absl::string_view authority_id,
                             v1::Adopter& adopter);
  absl::Status UpdateAdopter(v1::Adopter& adopter);

  // Appends one change to a record's status history (never edited). `change`
  // gives the statuses (as their enum numbers in from/to), reason, key id and
  // authority; the time is the store's clock.
  absl::Status InsertStatusChange(RecordKind kind,
                                  absl::string_view authority_id,
                                  int64_t row_id, int from_status,
                                  int to_status, absl::string_view reason,
                                  absl::string_view key_id,
                                  absl::string_view changed_by);

  absl::Status InsertApiKey(const v1::ApiKey& key,
                            absl::string_view secret_sha256);
  absl::StatusOr<StoredApiKey> GetApiKey(absl::string_view key_id);
  absl::Status RevokeApiKey(absl::string_view key_id);

  // The newest matching policy, NOT_FOUND if none was ever stored.
  absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy();
  // Stores `policy` as a new version (its version field is ignored and set).
  absl::Status InsertMatchingPolicy(v1::MatchingPolicy& policy);

  // The consortium's own regions (migration 5), by slug.
  absl::StatusOr<std::vector<v1::Region>> ListRegions();
  // Sets create_time. The slug (from region.name()) must be new.
  absl::Status InsertRegion(v1::Region& region);

  // ---- Follows and their alerts (follow_rows.cc) ----

  // Assigns the follow's name (authorities/{a}/follows/f{row}) and
  // create_time; the listener is told.
  absl::Status InsertFollow(absl::string_view authority_id, v1::Follow& follow);
  absl::StatusOr<v1::Follow> GetFollow(absl::string_view authority_id,
                                       int64_t row_id);
  // Stores `follow` over the row named by follow.name(); the listener is
  // told unless `quiet` (a listener's own change, from WriteDerived).
  absl::Status UpdateFollow(const v1::Follow& follow, bool quiet = false);
  // `authority_id`'s follow of `followed` that is active and not deleted.
  absl::StatusOr<std::optional<v1::Follow>> FindActiveFollow(
      absl::string_view authority_id, absl::string_view followed);
  absl::StatusOr<int64_t> CountActiveFollows(absl::string_view authority_id);
  // Appends `alert` to `authority_id`'s alerts, for follow `follow_row`,
  // with the authority's next sequence number (returned; also set in
  // alert.name as authorities/{a}/alerts/{n}). Alerts are never changed.
  absl::StatusOr<int64_t> AppendAlert(absl::string_view authority_id,
                                      int64_t follow_row,
                                      v1::MatchAlert& alert);

 private:
  friend class Store;
  StoreTx(SQLite::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  SQLite::Database& db_;
  const Clock& clock_;
  std::vector<v1::Authority> changed_authorities_;
  std::vector<Row<v1::Child>> changed_children_;
  std::vector<Row<v1::Adopter>> changed_adopters_;
  std::vector<Row<v1::Follow>> changed_follows_;
};

// Which stored alerts to read (ListAlerts); unset members do not filter.
struct AlertFilter {
  std::string authority_id;  // required: the follower
  int64_t after_sequence = 0;
  int64_t follow_row = 0;
  std::vector<int64_t> follow_rows;  // any of these, when not empty
  std::string child;                 // a child's resource name
  int64_t since_micros = 0;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 6;

  // Opens or creates the database at `path`, applying any missing migrations.
  // FAILED_PRECONDITION if the file was written by a newer raamatch.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     const Clock& clock);
  ~Store();

  // Set once, before the first write.
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

  // Reads, on the read connection. NOT_FOUND when missing.
  absl::StatusOr<v1::Authority> GetAuthority(absl::string_view id);
  absl::StatusOr<Page<v1::Authority>> ListAuthorities(
      v1::AuthorityStatus status, const PageRequest& page);
  absl::StatusOr<v1::Child> GetChild(absl::string_view authority_id,
                                     int64_t row_id);
  absl::StatusOr<Page<v1::Child>> ListChildren(const ChildFilter& filter,
                                               const PageRequest& page);
  absl::StatusOr<v1::Adopter> GetAdopter(absl::string_view authority_id,
                                         int64_t row_id);
  absl::StatusOr<Page<v1::Adopter>> ListAdopters(const AdopterFilter& filter,
                                                 const PageRequest& page);
  // A record's status changes, oldest first.
  absl::StatusOr<std::vector<v1::StatusChange>> ListStatusChanges(
      RecordKind kind, absl::string_view authority_id, int64_t row_id);
  absl::StatusOr<StoredApiKey> GetApiKey(absl::string_view key_id);
  absl::StatusOr<Page<v1::ApiKey>> ListApiKeys(absl::string_view authority_id,
                                               const PageRequest& page);
  absl::StatusOr<int64_t> CountApiKeys();
  absl::StatusOr<MemberRecordCounts> CountMemberRecords(
      absl::string_view authority_id);
  absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy();
  // The consortium's own regions, by slug (for the region list at start).
  absl::StatusOr<std::vector<v1::Region>> ListRegions();

  // Follows (follow_rows.cc). ListFollows leaves deleted ones out.
  absl::StatusOr<v1::Follow> GetFollow(absl::string_view authority_id,
                                       int64_t row_id);
  absl::StatusOr<Page<v1::Follow>> ListFollows(absl::string_view authority_id,
                                               const PageRequest& page);
  // Every active, undeleted follow, in row order (at start).
  absl::Status ScanActiveFollows(
      absl::FunctionRef<void(int64_t row_id, const v1::Follow&)> fn);
  // Stored alerts in sequence order, `page.after` a sequence number; each
  // Row's row_id is the alert's sequence number.
  absl::StatusOr<Page<Row<v1::MatchAlert>>> ListAlerts(
      const AlertFilter& filter, const PageRequest& page);

  // Every row, in row order, for building in-memory indexes at start.
  absl::Status ScanChildren(
      absl::FunctionRef<void(int64_t row_id, const v1::Child&)> fn);
  absl::Status ScanAdopters(
      absl::FunctionRef<void(int64_t row_id, const v1::Adopter&)> fn);

  // Copies the live database to `path` with SQLite's online backup API.
  absl::Status Backup(const std::string& path);

  const std::string& path() const { return path_; }

 private:
  static absl::StatusOr<std::unique_ptr<Store>> OpenUnguarded(
      const std::string& path, const Clock& clock);
  Store(std::string path, const Clock& clock,
        std::unique_ptr<SQLite::Database> write_db,
        std::unique_ptr<SQLite::Database> read_db);

  absl::StatusOr<std::string> WriteSerialized(
      const RequestKey& key,
      absl::FunctionRef<absl::StatusOr<std::string>(StoreTx&)> body,
      bool& replayed);

  const std::string path_;
  const Clock& clock_;
  absl::Mutex write_mu_;
  std::unique_ptr<SQLite::Database> write_db_ ABSL_GUARDED_BY(write_mu_);
  StoreListener* listener_ ABSL_GUARDED_BY(write_mu_) = nullptr;
  absl::Mutex read_mu_;
  std::unique_ptr<SQLite::Database> read_db_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_STORE_STORE_H_
