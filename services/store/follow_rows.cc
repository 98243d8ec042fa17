// The store's rows for follows and their alerts (migration 3): the
// follows_and_alerts half of StoreTx and Store.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status_macros.h"
#include "services/store/internal/sql.h"
#include "services/store/store.h"

namespace raa {
namespace {

using store_internal::BindBlob;
using store_internal::Guard;
using store_internal::Micros;
using store_internal::ParseProfile;
using store_internal::ToTimestamp;

std::optional<int64_t> FollowRowOf(absl::string_view name) {
  size_t slash = name.rfind('/');
  return ParseRowId(
      slash == absl::string_view::npos ? name : name.substr(slash + 1), 'f');
}

absl::StatusOr<v1::Follow> ReadFollow(SQLite::Database& db,
                                      absl::string_view authority_id,
                                      int64_t row_id) {
  SQLite::Statement q(
      db, "SELECT profile FROM follows WHERE id = ? AND authority_id = ?");
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

// ---------------- StoreTx ----------------

absl::Status StoreTx::InsertFollow(absl::string_view authority_id,
                                   v1::Follow& follow) {
  int64_t now = Micros(clock_);
  *follow.mutable_create_time() = ToTimestamp(now);
  SQLite::Statement q(db_,
                      "INSERT INTO follows (state, deleted, profile, "
                      "authority_id, followed, create_time, update_time) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  BindFollowColumns(q, follow);
  q.bind(4, std::string(authority_id));
  q.bind(5, follow.followed());
  q.bind(6, now);
  q.bind(7, now);
  q.exec();
  int64_t row = db_.getLastInsertRowid();
  follow.set_name(
      absl::StrCat("authorities/", authority_id, "/follows/", FollowId(row)));
  SQLite::Statement set(db_, "UPDATE follows SET profile = ? WHERE id = ?");
  BindBlob(set, 1, follow.SerializeAsString());
  set.bind(2, row);
  set.exec();
  changed_follows_.push_back({row, follow});
  return absl::OkStatus();
}

absl::StatusOr<v1::Follow> StoreTx::GetFollow(absl::string_view authority_id,
                                              int64_t row_id) {
  return ReadFollow(db_, authority_id, row_id);
}

absl::Status StoreTx::UpdateFollow(const v1::Follow& follow, bool quiet) {
  std::optional<int64_t> row = FollowRowOf(follow.name());
  if (!row.has_value()) return absl::NotFoundError("no such follow");
  SQLite::Statement q(db_,
                      "UPDATE follows SET state = ?, deleted = ?, profile = ?, "
                      "update_time = ? WHERE id = ?");
  BindFollowColumns(q, follow);
  q.bind(4, Micros(clock_));
  q.bind(5, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such follow");
  if (!quiet) changed_follows_.push_back({*row, follow});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Follow>> StoreTx::FindActiveFollow(
    absl::string_view authority_id, absl::string_view followed) {
  SQLite::Statement q(db_,
                      "SELECT profile FROM follows WHERE authority_id = ? AND "
                      "followed = ? AND state = ? AND deleted = 0 LIMIT 1");
  q.bind(1, std::string(authority_id));
  q.bind(2, std::string(followed));
  q.bind(3, v1::FOLLOW_ACTIVE);
  if (!q.executeStep()) return std::nullopt;
  ASSIGN_OR_RETURN(v1::Follow follow, ParseProfile<v1::Follow>(q, 0));
  return follow;
}

absl::StatusOr<int64_t> StoreTx::CountActiveFollows(
    absl::string_view authority_id) {
  SQLite::Statement q(db_,
                      "SELECT COUNT(*) FROM follows WHERE authority_id = ? AND "
                      "state = ? AND deleted = 0");
  q.bind(1, std::string(authority_id));
  q.bind(2, v1::FOLLOW_ACTIVE);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

absl::StatusOr<int64_t> StoreTx::AppendAlert(absl::string_view authority_id,
                                             int64_t follow_row,
                                             v1::MatchAlert& alert) {
  SQLite::Statement next(db_,
                         "SELECT COALESCE(MAX(seq), 0) + 1 FROM alerts WHERE "
                         "authority_id = ?");
  next.bind(1, std::string(authority_id));
  next.executeStep();
  int64_t seq = next.getColumn(0).getInt64();
  alert.set_name(absl::StrCat("authorities/", authority_id, "/alerts/", seq));
  alert.clear_resume_token();  // derived from the name when read
  SQLite::Statement q(db_, "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, std::string(authority_id));
  q.bind(2, seq);
  q.bind(3, follow_row);
  q.bind(4, alert.child());
  BindBlob(q, 5, alert.SerializeAsString());
  q.bind(6, Micros(clock_));
  q.exec();
  return seq;
}

// ---------------- Store ----------------

absl::StatusOr<v1::Follow> Store::GetFollow(absl::string_view authority_id,
                                            int64_t row_id) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&] { return ReadFollow(db, authority_id, row_id); });
}

absl::StatusOr<Page<v1::Follow>> Store::ListFollows(
    absl::string_view authority_id, const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<Page<v1::Follow>> {
    SQLite::Statement q(
        db,
        absl::StrCat("SELECT profile, id FROM follows WHERE authority_id = ? "
                     "AND deleted = 0 AND id > ? ORDER BY id LIMIT ",
                     page.page_size + 1));
    q.bind(1, std::string(authority_id));
    q.bind(2, page.after);
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

absl::Status Store::ScanActiveFollows(
    absl::FunctionRef<void(int64_t, const v1::Follow&)> fn) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::Status {
    SQLite::Statement q(db,
                        "SELECT id, profile FROM follows WHERE state = ? AND "
                        "deleted = 0 ORDER BY id");
    q.bind(1, v1::FOLLOW_ACTIVE);
    while (q.executeStep()) {
      ASSIGN_OR_RETURN(v1::Follow follow, ParseProfile<v1::Follow>(q, 1));
      fn(q.getColumn(0).getInt64(), follow);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Page<Row<v1::MatchAlert>>> Store::ListAlerts(
    const AlertFilter& f, const PageRequest& page) {
  absl::MutexLock lock(&read_mu_);
  SQLite::Database& db = *read_db_;
  return Guard([&]() -> absl::StatusOr<Page<Row<v1::MatchAlert>>> {
    std::string sql =
        "SELECT seq, alert FROM alerts WHERE authority_id = ?1 AND seq > ?2";
    if (f.follow_row != 0) sql += " AND follow_id = ?3";
    if (!f.follow_rows.empty()) {
      absl::StrAppend(&sql, " AND follow_id IN (",
                      absl::StrJoin(f.follow_rows, ","), ")");
    }
    if (!f.child.empty()) sql += " AND child = ?4";
    if (f.since_micros != 0) sql += " AND create_time >= ?5";
    absl::StrAppend(&sql, " ORDER BY seq LIMIT ", page.page_size + 1);
    SQLite::Statement q(db, sql);
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

}  // namespace raa
