#include "services/matching/matching_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {
namespace {

using store_internal::BindBlob;
using store_internal::CachedStatement;
using store_internal::ParseProfile;
using store_internal::ToTimestamp;

constexpr Migration kMigrations[] = {
    {2, "matching_policies", R"sql(
CREATE TABLE matching_policies (
  version INTEGER PRIMARY KEY,
  policy BLOB NOT NULL,
  updated_by TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
    // A follow is an authority's standing interest in one child or
    // household; alerts are append-only, numbered per follower authority
    // (seq 1, 2, ...), and written in the transaction of the write that
    // caused them. `alert` is the serialized raa.v1.MatchAlert; the other
    // columns are projections for filtering.
    {3, "follows_and_alerts", R"sql(
CREATE TABLE follows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  followed TEXT NOT NULL,
  state INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX follows_by_authority ON follows(authority_id, id);
CREATE INDEX follows_by_followed ON follows(authority_id, followed);

CREATE TABLE alerts (
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  seq INTEGER NOT NULL,
  follow_id INTEGER NOT NULL REFERENCES follows(id),
  child TEXT NOT NULL,
  alert BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (authority_id, seq)
) WITHOUT ROWID;
CREATE INDEX alerts_by_follow ON alerts(follow_id, seq);
)sql"},
};

// The follows one write changed (not quietly), in order.
struct FollowChanges {
  std::vector<Row<v1::Follow>> follows;
};

absl::StatusOr<v1::MatchingPolicy> ReadLatestPolicy(SQLite::Database& db) {
  CachedStatement q_kept(
      db,
      "SELECT policy FROM matching_policies ORDER BY version "
      "DESC LIMIT 1");
  SQLite::Statement& q = *q_kept;
  if (!q.executeStep()) return absl::NotFoundError("no matching policy");
  return ParseProfile<v1::MatchingPolicy>(q, 0);
}

std::optional<int64_t> FollowRowOf(absl::string_view name) {
  size_t slash = name.rfind('/');
  return ParseRowId(
      slash == absl::string_view::npos ? name : name.substr(slash + 1), 'f');
}

absl::StatusOr<v1::Follow> ReadFollow(SQLite::Database& db,
                                      absl::string_view authority_id,
                                      int64_t row_id) {
  CachedStatement q_kept(
      db, "SELECT profile FROM follows WHERE id = ? AND authority_id = ?");
  SQLite::Statement& q = *q_kept;
  q.bind(1, row_id);
  q.bind(2, std::string(authority_id));
  if (!q.executeStep()) return absl::NotFoundError("no such follow");
  return ParseProfile<v1::Follow>(q, 0);
}

void BindFollowColumns(SQLite::Statement& q, const v1::Follow& follow) {
  q.bind(1, follow.state());
  q.bind(2, follow.has_delete_time() ? 1 : 0);
  BindBlob(q, 3, follow.SerializeAsString());
}

}  // namespace

SchemaPart MatchingSchema() { return SchemaPart{.migrations = kMigrations}; }

void TellFollowChanges(StoreTx& tx, FollowObserver& observer) {
  const FollowChanges* changes = tx.FindState<FollowChanges>();
  if (changes == nullptr) return;
  for (const Row<v1::Follow>& f : changes->follows) {
    observer.OnFollowChanged(f.row_id, f.value);
  }
}

namespace matching_rows {

// ---------------- Inside a write ----------------

absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy(StoreTx& tx) {
  return ReadLatestPolicy(tx.db());
}

absl::Status InsertMatchingPolicy(StoreTx& tx, v1::MatchingPolicy& policy) {
  int64_t next = tx.db()
                     .execAndGet(
                         "SELECT COALESCE(MAX(version), 0) + 1 FROM "
                         "matching_policies")
                     .getInt64();
  int64_t now = tx.NowMicros();
  policy.set_name("matchingPolicy");
  policy.set_version(next);
  *policy.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(tx.db(),
                      "INSERT INTO matching_policies VALUES (?,?,?,?)");
  q.bind(1, next);
  BindBlob(q, 2, policy.SerializeAsString());
  q.bind(3, policy.updated_by());
  q.bind(4, now);
  q.exec();
  return absl::OkStatus();
}

absl::Status InsertFollow(StoreTx& tx, absl::string_view authority_id,
                          v1::Follow& follow) {
  int64_t now = tx.NowMicros();
  *follow.mutable_create_time() = ToTimestamp(now);
  SQLite::Statement q(tx.db(),
                      "INSERT INTO follows (state, deleted, profile, "
                      "authority_id, followed, create_time, update_time) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  BindFollowColumns(q, follow);
  q.bind(4, std::string(authority_id));
  q.bind(5, follow.followed());
  q.bind(6, now);
  q.bind(7, now);
  q.exec();
  int64_t row = tx.db().getLastInsertRowid();
  follow.set_name(
      absl::StrCat("authorities/", authority_id, "/follows/", FollowId(row)));
  SQLite::Statement set(tx.db(), "UPDATE follows SET profile = ? WHERE id = ?");
  BindBlob(set, 1, follow.SerializeAsString());
  set.bind(2, row);
  set.exec();
  tx.State<FollowChanges>().follows.push_back({row, follow});
  return absl::OkStatus();
}

absl::StatusOr<v1::Follow> GetFollow(StoreTx& tx,
                                     absl::string_view authority_id,
                                     int64_t row_id) {
  return ReadFollow(tx.db(), authority_id, row_id);
}

absl::Status UpdateFollow(StoreTx& tx, const v1::Follow& follow, bool quiet) {
  std::optional<int64_t> row = FollowRowOf(follow.name());
  if (!row.has_value()) return absl::NotFoundError("no such follow");
  SQLite::Statement q(tx.db(),
                      "UPDATE follows SET state = ?, deleted = ?, profile = ?, "
                      "update_time = ? WHERE id = ?");
  BindFollowColumns(q, follow);
  q.bind(4, tx.NowMicros());
  q.bind(5, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such follow");
  if (!quiet) tx.State<FollowChanges>().follows.push_back({*row, follow});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Follow>> FindActiveFollow(
    StoreTx& tx, absl::string_view authority_id, absl::string_view followed) {
  SQLite::Statement q(tx.db(),
                      "SELECT profile FROM follows WHERE authority_id = ? AND "
                      "followed = ? AND state = ? AND deleted = 0 LIMIT 1");
  q.bind(1, std::string(authority_id));
  q.bind(2, std::string(followed));
  q.bind(3, v1::FOLLOW_STATE_ACTIVE);
  if (!q.executeStep()) return std::nullopt;
  ASSIGN_OR_RETURN(v1::Follow follow, ParseProfile<v1::Follow>(q, 0));
  return follow;
}

absl::StatusOr<int64_t> CountActiveFollows(StoreTx& tx,
                                           absl::string_view authority_id) {
  SQLite::Statement q(tx.db(),
                      "SELECT COUNT(*) FROM follows WHERE authority_id = ? AND "
                      "state = ? AND deleted = 0");
  q.bind(1, std::string(authority_id));
  q.bind(2, v1::FOLLOW_STATE_ACTIVE);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

absl::StatusOr<int64_t> AppendAlert(StoreTx& tx, absl::string_view authority_id,
                                    int64_t follow_row, v1::MatchAlert& alert) {
  SQLite::Statement next(tx.db(),
                         "SELECT COALESCE(MAX(seq), 0) + 1 FROM alerts WHERE "
                         "authority_id = ?");
  next.bind(1, std::string(authority_id));
  next.executeStep();
  int64_t seq = next.getColumn(0).getInt64();
  alert.set_name(absl::StrCat("authorities/", authority_id, "/alerts/", seq));
  alert.clear_resume_token();  // derived from the name when read
  SQLite::Statement q(tx.db(), "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, std::string(authority_id));
  q.bind(2, seq);
  q.bind(3, follow_row);
  q.bind(4, alert.child());
  BindBlob(q, 5, alert.SerializeAsString());
  q.bind(6, tx.NowMicros());
  q.exec();
  return seq;
}

// ---------------- Reads ----------------

absl::StatusOr<v1::MatchingPolicy> LatestMatchingPolicy(Store& store) {
  return store.Read([&](SQLite::Database& db) { return ReadLatestPolicy(db); });
}

absl::StatusOr<v1::Follow> GetFollow(Store& store,
                                     absl::string_view authority_id,
                                     int64_t row_id) {
  return store.Read([&](SQLite::Database& db) {
    return ReadFollow(db, authority_id, row_id);
  });
}

absl::StatusOr<Page<v1::Follow>> ListFollows(Store& store,
                                             absl::string_view authority_id,
                                             const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<v1::Follow>> {
        CachedStatement q_kept(
            db,
            "SELECT profile, id FROM follows WHERE authority_id = ? AND "
            "deleted = 0 AND id > ? ORDER BY id LIMIT ?");
        SQLite::Statement& q = *q_kept;
        q.bind(1, std::string(authority_id));
        q.bind(2, page.after);
        q.bind(3, page.page_size + 1);
        Page<v1::Follow> out;
        int64_t last = 0;
        while (q.executeStep()) {
          if (static_cast<int>(out.items.size()) == page.page_size) {
            out.next_after = last;
            break;
          }
          ASSIGN_OR_RETURN(v1::Follow follow, ParseProfile<v1::Follow>(q, 0));
          last = q.getColumn(1).getInt64();
          out.items.push_back(std::move(follow));
        }
        return out;
      });
}

absl::Status ScanActiveFollows(
    Store& store, absl::FunctionRef<void(int64_t, const v1::Follow&)> fn) {
  return store.Read([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement q(db,
                        "SELECT id, profile FROM follows WHERE state = ? AND "
                        "deleted = 0 ORDER BY id");
    q.bind(1, v1::FOLLOW_STATE_ACTIVE);
    while (q.executeStep()) {
      ASSIGN_OR_RETURN(v1::Follow follow, ParseProfile<v1::Follow>(q, 1));
      fn(q.getColumn(0).getInt64(), follow);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Page<Row<v1::MatchAlert>>> ListAlerts(Store& store,
                                                     const AlertFilter& f,
                                                     const PageRequest& page) {
  return store.Read([&](SQLite::Database& db)
                        -> absl::StatusOr<Page<Row<v1::MatchAlert>>> {
    std::string sql =
        "SELECT seq, alert FROM alerts WHERE authority_id = ?1 AND seq > ?2";
    if (f.follow_row != 0) sql += " AND follow_id = ?3";
    if (!f.follow_rows.empty()) {
      absl::StrAppend(&sql, " AND follow_id IN (",
                      absl::StrJoin(f.follow_rows, ","), ")");
    }
    if (!f.child.empty()) sql += " AND child = ?4";
    if (f.since_micros != 0) sql += " AND create_time >= ?5";
    sql += " ORDER BY seq LIMIT ?6";
    // Kept prepared unless it names its follows (a text per set of them).
    std::optional<CachedStatement> q_kept;
    std::optional<SQLite::Statement> own;
    SQLite::Statement& q =
        f.follow_rows.empty() ? *q_kept.emplace(db, sql) : own.emplace(db, sql);
    q.bind(6, page.page_size + 1);
    q.bind(1, f.authority_id);
    q.bind(2, std::max(page.after, f.after_sequence));
    if (f.follow_row != 0) q.bind(3, f.follow_row);
    if (!f.child.empty()) q.bind(4, f.child);
    if (f.since_micros != 0) q.bind(5, f.since_micros);
    Page<Row<v1::MatchAlert>> out;
    int64_t last = 0;
    while (q.executeStep()) {
      if (static_cast<int>(out.items.size()) == page.page_size) {
        out.next_after = last;
        break;
      }
      ASSIGN_OR_RETURN(v1::MatchAlert alert,
                       ParseProfile<v1::MatchAlert>(q, 1));
      last = q.getColumn(0).getInt64();
      out.items.push_back({last, std::move(alert)});
    }
    return out;
  });
}

}  // namespace matching_rows
}  // namespace raa
