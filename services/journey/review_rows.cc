#include "services/journey/review_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "raa/v1/registry.pb.h"
#include "services/journey/timescales.h"
#include "services/registry/registry_rows.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {
namespace {

using store_internal::BindBlob;
using store_internal::CachedStatement;
using store_internal::ColumnBytes;
using store_internal::ParseProfile;
using store_internal::ToTimestamp;

constexpr Migration kMigrations[] = {
    // Tracking reviews of children (seed 004's city-wide tracking meeting)
    // and the timescales the journey is measured against, one row per
    // version (the latest is in force; none: the shipped defaults).
    {9, "reviews_and_timescales", R"sql(
CREATE TABLE tracking_reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  child_row INTEGER NOT NULL,
  review_date TEXT NOT NULL,
  review BLOB NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX tracking_reviews_by_child
  ON tracking_reviews(authority_id, child_row, review_date, id);

CREATE TABLE timescales (
  version INTEGER PRIMARY KEY,
  timescales BLOB NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
};

std::optional<absl::CivilDay> DayOf(const std::string& text) {
  std::optional<google::type::Date> date = ParseDate(text);
  if (!date.has_value()) return std::nullopt;
  return ToCivilDay(*date);
}

absl::StatusOr<std::vector<MilestoneRow>> ReadMilestoneRows(
    SQLite::Database& db, int record_kind, absl::string_view authority_id,
    int64_t row) {
  CachedStatement q_kept(
      db,
      "SELECT kind, date, reason, key_id, recorded_by, "
      "record_time FROM milestones WHERE record_kind = ? AND "
      "authority_id = ? AND record_row = ? ORDER BY id");
  SQLite::Statement& q = *q_kept;
  q.bind(1, record_kind);
  q.bind(2, std::string(authority_id));
  q.bind(3, row);
  std::vector<MilestoneRow> out;
  while (q.executeStep()) {
    MilestoneRow& m = out.emplace_back();
    m.kind = q.getColumn(0).getInt();
    m.date = q.getColumn(1).getString();
    m.reason = q.getColumn(2).getString();
    m.key_id = q.getColumn(3).getString();
    m.recorded_by = q.getColumn(4).getString();
    m.record_time = q.getColumn(5).getInt64();
  }
  return out;
}

absl::StatusOr<v1::Timescales> ReadTimescales(SQLite::Database& db) {
  CachedStatement q_kept(db,
                         "SELECT timescales FROM timescales ORDER BY version "
                         "DESC LIMIT 1");
  SQLite::Statement& q = *q_kept;
  if (!q.executeStep()) return DefaultTimescales();
  ASSIGN_OR_RETURN(v1::Timescales t, ParseProfile<v1::Timescales>(q, 0));
  // Descriptions are the service's words, not stored.
  for (v1::Timescale& one : *t.mutable_timescales()) {
    one.set_description(DescribeTimescale(one.id()));
  }
  return t;
}

}  // namespace

SchemaPart ReviewSchema() { return SchemaPart{.migrations = kMigrations}; }

namespace review_rows {

absl::Status InsertMilestone(StoreTx& tx, int record_kind,
                             absl::string_view authority_id, int64_t row,
                             int kind, absl::string_view date,
                             absl::string_view reason, absl::string_view key_id,
                             absl::string_view recorded_by) {
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO milestones (record_kind, authority_id, record_row, kind, "
      "date, reason, key_id, recorded_by, record_time) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  q.bind(1, record_kind);
  q.bind(2, std::string(authority_id));
  q.bind(3, row);
  q.bind(4, kind);
  q.bind(5, std::string(date));
  q.bind(6, std::string(reason));
  q.bind(7, std::string(key_id));
  q.bind(8, std::string(recorded_by));
  q.bind(9, tx.NowMicros());
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MilestoneRow>> ListMilestoneRows(
    StoreTx& tx, int record_kind, absl::string_view authority_id, int64_t row) {
  return ReadMilestoneRows(tx.db(), record_kind, authority_id, row);
}

absl::StatusOr<std::vector<MilestoneRow>> ListMilestoneRows(
    Store& store, int record_kind, absl::string_view authority_id,
    int64_t row) {
  return store.Read([&](SQLite::Database& db) {
    return ReadMilestoneRows(db, record_kind, authority_id, row);
  });
}

absl::Status InsertReview(StoreTx& tx, absl::string_view authority_id,
                          int64_t row, v1::TrackingReview& review) {
  SQLite::Statement count(tx.db(),
                          "SELECT COUNT(*) FROM tracking_reviews WHERE "
                          "authority_id = ? AND child_row = ?");
  count.bind(1, std::string(authority_id));
  count.bind(2, row);
  count.executeStep();
  const int64_t n = count.getColumn(0).getInt64() + 1;
  const int64_t now = tx.NowMicros();
  review.set_name(absl::StrCat(ChildName(authority_id, row), "/reviews/", n));
  *review.mutable_create_time() = ToTimestamp(now);
  SQLite::Statement q(tx.db(),
                      "INSERT INTO tracking_reviews (authority_id, child_row, "
                      "review_date, review, create_time) VALUES (?,?,?,?,?)");
  q.bind(1, std::string(authority_id));
  q.bind(2, row);
  q.bind(3, FormatDate(review.review_date()));
  BindBlob(q, 4, review.SerializeAsString());
  q.bind(5, now);
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::TrackingReview>> ListReviews(
    Store& store, absl::string_view authority_id, int64_t row) {
  return store.Read([&](SQLite::Database& db)
                        -> absl::StatusOr<std::vector<v1::TrackingReview>> {
    CachedStatement q_kept(db,
                           "SELECT review FROM tracking_reviews WHERE "
                           "authority_id = ? AND child_row = ? "
                           "ORDER BY review_date DESC, id DESC");
    SQLite::Statement& q = *q_kept;
    q.bind(1, std::string(authority_id));
    q.bind(2, row);
    std::vector<v1::TrackingReview> out;
    while (q.executeStep()) {
      ASSIGN_OR_RETURN(v1::TrackingReview r,
                       ParseProfile<v1::TrackingReview>(q, 0));
      out.push_back(std::move(r));
    }
    return out;
  });
}

absl::StatusOr<v1::Timescales> CurrentTimescales(StoreTx& tx) {
  return ReadTimescales(tx.db());
}

absl::StatusOr<v1::Timescales> CurrentTimescales(Store& store) {
  return store.Read([&](SQLite::Database& db) { return ReadTimescales(db); });
}

absl::Status InsertTimescales(StoreTx& tx, v1::Timescales& timescales) {
  const int64_t version =
      tx.db()
          .execAndGet("SELECT COALESCE(MAX(version), 0) FROM timescales")
          .getInt64() +
      1;
  const int64_t now = tx.NowMicros();
  timescales.set_version(version);
  *timescales.mutable_create_time() = ToTimestamp(now);
  v1::Timescales stored = timescales;
  for (v1::Timescale& t : *stored.mutable_timescales()) t.clear_description();
  SQLite::Statement q(tx.db(), "INSERT INTO timescales VALUES (?,?,?)");
  q.bind(1, version);
  BindBlob(q, 2, stored.SerializeAsString());
  q.bind(3, now);
  q.exec();
  for (v1::Timescale& t : *timescales.mutable_timescales()) {
    t.set_description(DescribeTimescale(t.id()));
  }
  return absl::OkStatus();
}

absl::StatusOr<JourneyFacts> LoadJourneyFacts(Store& store,
                                              absl::string_view authority) {
  JourneyFacts facts;
  // One member's: its records, their milestones and reviews, and the links
  // of its children (what an overdue list of its records reads), each
  // through an index led by the member.
  const bool one = !authority.empty();
  const std::string member(authority);
  // "WHERE <column> = ?1 " for one member's rows, nothing for all.
  const auto where_member = [one](absl::string_view column) {
    return one ? absl::StrCat("WHERE ", column, " = ?1 ") : std::string();
  };
  const auto bind_member = [&](SQLite::Statement& q) {
    if (one) q.bind(1, member);
  };
  // Records: children with their hidden_from (from the profile), households
  // by their columns; withdrawn ones are done with.
  std::map<std::pair<int, int64_t>, size_t> index;  // (kind, row) -> record
  // The profiles only: their journey dates are read below, from the
  // milestones, so the scan does not join them.
  RETURN_IF_ERROR(registry_rows::ScanChildProfilesOf(
      store, authority, [&](int64_t row, const v1::Child& child) {
        if (child.status() == v1::CHILD_STATUS_WITHDRAWN) return;
        JourneyRecord& r = facts.records.emplace_back();
        r.record_kind = kMilestoneOfChild;
        r.authority_id = AuthorityOf(child.name());
        r.row = row;
        r.status = child.status();
        r.hidden_from.assign(child.hidden_from().begin(),
                             child.hidden_from().end());
        index[{kMilestoneOfChild, row}] = facts.records.size() - 1;
      }));
  const auto read = [&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement households(
        db, absl::StrCat("SELECT id, authority_id, status FROM adopters ",
                         where_member("authority_id"), "ORDER BY id"));
    bind_member(households);
    while (households.executeStep()) {
      const int status = households.getColumn(2).getInt();
      if (status == v1::ADOPTER_STATUS_WITHDRAWN) continue;
      JourneyRecord& r = facts.records.emplace_back();
      r.record_kind = kMilestoneOfHousehold;
      r.row = households.getColumn(0).getInt64();
      r.authority_id = households.getColumn(1).getString();
      r.status = status;
      index[{kMilestoneOfHousehold, r.row}] = facts.records.size() - 1;
    }
    SQLite::Statement milestones(
        db, absl::StrCat(
                "SELECT record_kind, record_row, kind, date FROM "
                "milestones ",
                // Through milestones_by_record (it leads with the kind), then
                // sorted: "+id" keeps SQLite from scanning the whole table in
                // id order instead.
                one ? absl::StrCat("WHERE record_kind IN (", kMilestoneOfChild,
                                   ", ", kMilestoneOfHousehold,
                                   ") AND authority_id = ?1 ORDER BY +id")
                    : std::string("ORDER BY id")));
    bind_member(milestones);
    while (milestones.executeStep()) {
      auto it = index.find({milestones.getColumn(0).getInt(),
                            milestones.getColumn(1).getInt64()});
      if (it == index.end()) continue;
      JourneyRecord& r = facts.records[it->second];
      const int kind = milestones.getColumn(2).getInt();
      std::optional<absl::CivilDay> day =
          DayOf(milestones.getColumn(3).getString());
      if (day.has_value()) {
        r.milestones[kind] = *day;
      } else {
        r.milestones.erase(kind);  // cleared with the profile
      }
    }
    SQLite::Statement links(
        db, absl::StrCat("SELECT id, child_authority, child_row, state, "
                         "close_reason, closed_on FROM links ",
                         where_member("child_authority"), "ORDER BY id"));
    bind_member(links);
    std::map<int64_t, size_t> link_index;
    while (links.executeStep()) {
      JourneyLink& l = facts.links.emplace_back();
      l.id = links.getColumn(0).getInt64();
      l.child_authority = links.getColumn(1).getString();
      l.child_row = links.getColumn(2).getInt64();
      l.state = links.getColumn(3).getInt();
      l.close_reason = links.getColumn(4).getInt();
      l.closed_on = DayOf(links.getColumn(5).getString());
      link_index[l.id] = facts.links.size() - 1;
    }
    SQLite::Statement steps(
        db, absl::StrCat("SELECT link_id, step, date FROM link_step_dates",
                         one ? " WHERE link_id IN (SELECT id FROM links "
                               "WHERE child_authority = ?1)"
                             : ""));
    bind_member(steps);
    while (steps.executeStep()) {
      auto it = link_index.find(steps.getColumn(0).getInt64());
      if (it == link_index.end()) continue;
      std::optional<absl::CivilDay> day = DayOf(steps.getColumn(2).getString());
      if (day.has_value()) {
        facts.links[it->second].steps[steps.getColumn(1).getInt()] = *day;
      }
    }
    // The latest review of each child: the last row by (review_date, id).
    SQLite::Statement reviews(
        db,
        absl::StrCat("SELECT authority_id, child_row, review FROM "
                     "tracking_reviews ",
                     where_member("authority_id"), "ORDER BY review_date, id"));
    bind_member(reviews);
    while (reviews.executeStep()) {
      ASSIGN_OR_RETURN(v1::TrackingReview r,
                       ParseProfile<v1::TrackingReview>(reviews, 2));
      facts.reviews[{reviews.getColumn(0).getString(),
                     reviews.getColumn(1).getInt64()}] = std::move(r);
    }
    return absl::OkStatus();
  };
  // A member's on a shared read connection; the consortium's (every record,
  // about 90 ms at 10,000 links) on one of its own, leaving the shared ones
  // to the short reads.
  RETURN_IF_ERROR(one ? store.Read(read) : store.ReadAside(read));
  return facts;
}

}  // namespace review_rows
}  // namespace raa
