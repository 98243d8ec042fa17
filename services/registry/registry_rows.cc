#include "services/registry/registry_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <map>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "raa/v1/journey.pb.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {
namespace {

using store_internal::BindBlob;
using store_internal::CachedStatement;
using store_internal::ColumnBytes;
using store_internal::ParseProfile;
using store_internal::ParseProfileInto;
using store_internal::ScanStatement;
using store_internal::ToTimestamp;

constexpr Migration kMigrations[] = {
    {1, "registry", R"sql(
CREATE TABLE authorities (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  region TEXT NOT NULL,
  london_weighting INTEGER NOT NULL,
  status INTEGER NOT NULL,
  joined_on TEXT NOT NULL,
  withdrawn_on TEXT,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);

CREATE TABLE children (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  status INTEGER NOT NULL,
  group_size INTEGER NOT NULL,
  min_age_months INTEGER NOT NULL,
  max_age_months INTEGER NOT NULL,
  need_mask INTEGER NOT NULL,
  region TEXT NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX children_by_authority ON children(authority_id, id);
CREATE INDEX children_by_status ON children(status, id);

CREATE TABLE adopters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  status INTEGER NOT NULL,
  approved_on TEXT,
  approved_for INTEGER NOT NULL,
  min_age_months INTEGER NOT NULL,
  max_age_months INTEGER NOT NULL,
  sex_preference INTEGER NOT NULL,
  region TEXT NOT NULL,
  excluded_regions TEXT NOT NULL,
  dual_approved INTEGER NOT NULL,
  max_contact INTEGER NOT NULL,
  heritage_mask INTEGER NOT NULL,
  religion INTEGER NOT NULL,
  languages TEXT NOT NULL,
  max_physical_disability INTEGER NOT NULL,
  max_learning_disability INTEGER NOT NULL,
  max_global_developmental_delay INTEGER NOT NULL,
  max_medical_condition INTEGER NOT NULL,
  max_emotional_and_behavioural INTEGER NOT NULL,
  max_foetal_alcohol_spectrum INTEGER NOT NULL,
  max_sexualised_behaviour INTEGER NOT NULL,
  max_uncertain_developmental_prognosis INTEGER NOT NULL,
  max_attachment_difficulties INTEGER NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX adopters_by_authority ON adopters(authority_id, id);
CREATE INDEX adopters_by_status ON adopters(status, id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  roles INTEGER NOT NULL,
  display_name TEXT NOT NULL,
  secret_sha256 BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER
);

CREATE TABLE requests (
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method TEXT NOT NULL,
  body_sha256 BLOB NOT NULL,
  response BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (scope, request_id)
);
)sql"},
    // The regions the consortium adds to the shipped list (data/regions/).
    {5, "regions", R"sql(
CREATE TABLE regions (
  slug TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  parent TEXT NOT NULL,
  profile BLOB NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
    // Every status change of a child profile or a household, with its reason
    // and who made it. Append-only: the triggers refuse edits and deletes.
    {6, "status_history", R"sql(
CREATE TABLE status_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  record_kind TEXT NOT NULL CHECK (record_kind IN ('child', 'adopter')),
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  record_id INTEGER NOT NULL,
  from_status INTEGER NOT NULL,
  to_status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  key_id TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  change_time INTEGER NOT NULL
);
CREATE INDEX status_changes_by_record
  ON status_changes(record_kind, record_id, id);
CREATE TRIGGER status_changes_append_only_update
  BEFORE UPDATE ON status_changes
  BEGIN SELECT RAISE(ABORT, 'status history is append-only'); END;
CREATE TRIGGER status_changes_append_only_delete
  BEFORE DELETE ON status_changes
  BEGIN SELECT RAISE(ABORT, 'status history is append-only'); END;

-- The profile's ages_as_of ('YYYY-MM-DD'), so lists filter on ages today.
-- Rows stored before are filled in by Store::Open from their profiles.
ALTER TABLE children ADD COLUMN ages_as_of TEXT;
)sql"},
    // The dated milestones of child profiles (record_kind 0) and households
    // (1), by raa.v1.MilestoneKind: append-only, the latest row of a record
    // and kind is its date (the view current_milestones). The journey dates
    // of profiles and households live here from this migration on.
    {7, "milestones", R"sql(
CREATE TABLE milestones (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  record_kind INTEGER NOT NULL,
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  record_row INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  date TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  key_id TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL DEFAULT '',
  record_time INTEGER NOT NULL
);
CREATE INDEX milestones_by_record
  ON milestones(record_kind, authority_id, record_row, kind, id);
CREATE TRIGGER milestones_append_only_update
  BEFORE UPDATE ON milestones
  BEGIN SELECT RAISE(ABORT, 'milestones are append-only'); END;
CREATE TRIGGER milestones_append_only_delete
  BEFORE DELETE ON milestones
  BEGIN SELECT RAISE(ABORT, 'milestones are append-only'); END;
CREATE VIEW current_milestones AS
  SELECT m.record_kind AS record_kind, m.authority_id AS authority_id,
         m.record_row AS record_row, m.kind AS kind, m.date AS date
  FROM milestones m
  WHERE m.id = (SELECT MAX(n.id) FROM milestones n
                WHERE n.record_kind = m.record_kind
                  AND n.authority_id = m.authority_id
                  AND n.record_row = m.record_row AND n.kind = m.kind);
)sql"},
    // The dates of every child (or household) in row order, read from the
    // index alone: the start-up scans walk it beside the profiles (rows are
    // unique per record kind, so the authority is not needed).
    {12, "milestones_by_row", R"sql(
CREATE INDEX milestones_by_row
  ON milestones(record_kind, record_row, kind, id, date);
)sql"},
    // The repairs at open that read every profile, each recorded once done:
    // every write since stores rows the repaired way, so a repair never has
    // to run twice.
    {13, "repairs_done", R"sql(
CREATE TABLE repairs_done (
  name TEXT PRIMARY KEY,
  done_at TEXT NOT NULL
);
)sql"},
    // Every change to a row the matching index is built from, counted by
    // SQLite itself (whoever writes: the server, a migration, a repair, an
    // operator's sqlite3), and the token of the one saved index that may be
    // loaded: a saved index is current when both are what they were when it
    // was saved (services/matching/index_snapshot.h).
    {14, "index_stamp", R"sql(
CREATE TABLE index_stamp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  changes INTEGER NOT NULL,
  token TEXT NOT NULL
);
INSERT INTO index_stamp VALUES (1, 0, '');
CREATE TRIGGER authorities_insert_counted AFTER INSERT ON authorities
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER authorities_update_counted AFTER UPDATE ON authorities
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER authorities_delete_counted AFTER DELETE ON authorities
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER adopters_insert_counted AFTER INSERT ON adopters
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER adopters_update_counted AFTER UPDATE ON adopters
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER adopters_delete_counted AFTER DELETE ON adopters
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER children_insert_counted AFTER INSERT ON children
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER children_update_counted AFTER UPDATE ON children
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER children_delete_counted AFTER DELETE ON children
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER milestones_insert_counted AFTER INSERT ON milestones
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER milestones_update_counted AFTER UPDATE ON milestones
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
CREATE TRIGGER milestones_delete_counted AFTER DELETE ON milestones
  BEGIN UPDATE index_stamp SET changes = changes + 1; END;
)sql"},
    // The changes since the saved index, so that it can be brought up to
    // date instead of thrown away: every insert, update and delete of a
    // household, a child or a journey date logged by SQLite itself (whoever
    // writes), as the record it touches (record_kind as the milestones':
    // 0 child, 1 household). A save stores its token and the last change it
    // holds, and drops the log up to there; the next start loads the saved
    // index and reads again the records changed after it
    // (services/matching/index_snapshot.h). Authorities are read whole at
    // every start and need no log.
    {15, "index_changes", R"sql(
DROP TRIGGER authorities_insert_counted;
DROP TRIGGER authorities_update_counted;
DROP TRIGGER authorities_delete_counted;
DROP TRIGGER adopters_insert_counted;
DROP TRIGGER adopters_update_counted;
DROP TRIGGER adopters_delete_counted;
DROP TRIGGER children_insert_counted;
DROP TRIGGER children_update_counted;
DROP TRIGGER children_delete_counted;
DROP TRIGGER milestones_insert_counted;
DROP TRIGGER milestones_update_counted;
DROP TRIGGER milestones_delete_counted;
DROP TABLE index_stamp;
CREATE TABLE index_stamp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  token TEXT NOT NULL,
  saved_through INTEGER NOT NULL
);
INSERT INTO index_stamp VALUES (1, '', 0);
CREATE TABLE index_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  record_kind INTEGER NOT NULL,
  record_row INTEGER NOT NULL
);
CREATE TRIGGER adopters_insert_logged AFTER INSERT ON adopters BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (1, NEW.id);
END;
CREATE TRIGGER adopters_update_logged AFTER UPDATE ON adopters BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (1, NEW.id);
  INSERT INTO index_changes (record_kind, record_row)
    SELECT 1, OLD.id WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER adopters_delete_logged AFTER DELETE ON adopters BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (1, OLD.id);
END;
CREATE TRIGGER children_insert_logged AFTER INSERT ON children BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (0, NEW.id);
END;
CREATE TRIGGER children_update_logged AFTER UPDATE ON children BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (0, NEW.id);
  INSERT INTO index_changes (record_kind, record_row)
    SELECT 0, OLD.id WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER children_delete_logged AFTER DELETE ON children BEGIN
  INSERT INTO index_changes (record_kind, record_row) VALUES (0, OLD.id);
END;
CREATE TRIGGER milestones_insert_logged AFTER INSERT ON milestones BEGIN
  INSERT INTO index_changes (record_kind, record_row)
    VALUES (NEW.record_kind, NEW.record_row);
END;
CREATE TRIGGER milestones_update_logged AFTER UPDATE ON milestones BEGIN
  INSERT INTO index_changes (record_kind, record_row)
    VALUES (NEW.record_kind, NEW.record_row);
  INSERT INTO index_changes (record_kind, record_row)
    SELECT OLD.record_kind, OLD.record_row
    WHERE OLD.record_kind <> NEW.record_kind OR OLD.record_row <> NEW.record_row;
END;
CREATE TRIGGER milestones_delete_logged AFTER DELETE ON milestones BEGIN
  INSERT INTO index_changes (record_kind, record_row)
    VALUES (OLD.record_kind, OLD.record_row);
END;
)sql"},
    // The day each child has waited for a family since, in a column of its
    // own, so that a start reads it with the profile instead of every
    // milestone. The trigger that keeps it, and its filling, are a repair at
    // every open (KeepWaitingSince): a database that lost the trigger gets
    // it back.
    {17, "children_waiting_since", R"sql(
ALTER TABLE children ADD COLUMN waiting_since TEXT;
)sql"},
    // Nothing to change in the tables: from this version on, a create
    // stores no withdraw reason (output only) and the repair at open clears
    // those stored before (ClearUnwithdrawnReasons). The number keeps an
    // older raamatchd, which stored them, from opening the database again.
    {20, "output_only_reasons_cleared", R"sql(
SELECT 1;
)sql"},
};

// What one write changed in the registry, in order, for TellRegistryChanges.
struct RegistryChanges {
  std::vector<v1::Authority> authorities;
  std::vector<Row<v1::Child>> children;
  std::vector<Row<v1::Adopter>> adopters;
};

std::string JsonArray(
    const google::protobuf::RepeatedPtrField<std::string>& s) {
  // Only slugs and language codes go here ([a-z0-9-]): nothing to escape.
  return absl::StrCat("[",
                      absl::StrJoin(s, ",",
                                    [](std::string* out, const std::string& v) {
                                      absl::StrAppend(out, "\"", v, "\"");
                                    }),
                      "]");
}

// The inverse of JsonArray: ["a","b"] to its elements (slugs and codes,
// nothing escaped).
void ParseJsonArray(absl::string_view json,
                    google::protobuf::RepeatedPtrField<std::string>& out) {
  json = absl::StripPrefix(absl::StripSuffix(json, "]"), "[");
  for (absl::string_view v : absl::StrSplit(json, ',', absl::SkipEmpty())) {
    out.Add(std::string(absl::StripSuffix(absl::StripPrefix(v, "\""), "\"")));
  }
}

constexpr const char* kNeedColumns[] = {
    "max_physical_disability",        "max_learning_disability",
    "max_global_developmental_delay", "max_medical_condition",
    "max_emotional_and_behavioural",  "max_foetal_alcohol_spectrum",
    "max_sexualised_behaviour",       "max_uncertain_developmental_prognosis",
    "max_attachment_difficulties",
};

// Rows stored before the ages_as_of column (migration 6) get it from their
// profiles, once. Throws on a database error, like the migrations.
void FillAgesAsOf(SQLite::Database& db) {
  SQLite::Statement rows(
      db, "SELECT id, profile FROM children WHERE ages_as_of IS NULL");
  std::vector<std::pair<int64_t, std::string>> filled;
  while (rows.executeStep()) {
    v1::Child child;
    if (!child.ParseFromString(ColumnBytes(rows, 1))) continue;
    filled.emplace_back(rows.getColumn(0).getInt64(),
                        FormatDate(child.ages_as_of()));
  }
  if (filled.empty()) return;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement set(db, "UPDATE children SET ages_as_of = ? WHERE id = ?");
  for (const auto& [id, as_of] : filled) {
    set.bind(1, as_of);
    set.bind(2, id);
    set.exec();
    set.reset();
  }
  tx.commit();
}

// ---- the journey dates, stored as milestone rows (migration 7) ----

// A record's journey dates by milestone kind, 'YYYY-MM-DD' ('' cleared).
using JourneyDates = std::map<int, std::string>;

constexpr char kUpdatedWithProfile[] = "updated with the profile";

void PutDate(JourneyDates& out, int kind, const google::type::Date& date) {
  if (!IsUnset(date)) out[kind] = FormatDate(date);
}

JourneyDates DatesOf(const v1::Child& child) {
  JourneyDates d;
  const v1::ChildJourney& j = child.journey();
  PutDate(d, v1::MILESTONE_KIND_ENTERED_CARE, j.entered_care());
  PutDate(d, v1::MILESTONE_KIND_PLAN_FOR_ADOPTION, j.plan_for_adoption());
  PutDate(d, v1::MILESTONE_KIND_SHOBPA_DECISION, j.shobpa_decision());
  PutDate(d, v1::MILESTONE_KIND_PLACEMENT_ORDER, j.placement_order());
  return d;
}

JourneyDates DatesOf(const v1::Adopter& a) {
  JourneyDates d;
  PutDate(d, v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST,
          a.registered_interest_on());
  PutDate(d, v1::MILESTONE_KIND_STAGE_TWO_START, a.applied_on());
  PutDate(d, v1::MILESTONE_KIND_APPROVAL, a.approved_on());
  return d;
}

// The profile as stored: without the dates kept as milestones.
void StripDates(v1::Child& child) {
  if (!child.has_journey()) return;
  v1::ChildJourney* j = child.mutable_journey();
  j->clear_entered_care();
  j->clear_plan_for_adoption();
  j->clear_shobpa_decision();
  j->clear_placement_order();
}

void StripDates(v1::Adopter& a) {
  a.clear_registered_interest_on();
  a.clear_applied_on();
  a.clear_approved_on();
}

template <typename Record>
void FillDates(Record& record, const JourneyDates& dates) {
  for (const auto& [kind, text] : dates) {
    std::optional<google::type::Date> date = ParseDate(text);
    if (!date.has_value()) continue;
    if (google::type::Date* field = ProfileDateOf(record, kind)) {
      *field = *date;
    }
  }
}

constexpr int MilestoneRecordKind(const v1::Child*) {
  return kMilestoneOfChild;
}
constexpr int MilestoneRecordKind(const v1::Adopter*) {
  return kMilestoneOfHousehold;
}

// The current journey dates of one record (the latest row of each kind).
JourneyDates CurrentDates(SQLite::Database& db, int record_kind,
                          absl::string_view authority_id, int64_t row) {
  CachedStatement q_kept(
      db,
      "SELECT kind, date FROM milestones WHERE record_kind = ? "
      "AND authority_id = ? AND record_row = ? ORDER BY id");
  SQLite::Statement& q = *q_kept;
  q.bind(1, record_kind);
  q.bind(2, std::string(authority_id));
  q.bind(3, row);
  JourneyDates out;
  while (q.executeStep()) {
    const int kind = q.getColumn(0).getInt();
    if (!IsProfileMilestone(record_kind, kind)) continue;
    out[kind] = q.getColumn(1).getString();
  }
  return out;
}

// Adds a milestone row for each journey date of `now` that differs from the
// record's current one (a date cleared since: a row with date '').
void RecordDates(StoreTx& tx, int record_kind, absl::string_view authority_id,
                 int64_t row, const JourneyDates& now, const RecordedBy& by) {
  const JourneyDates before =
      CurrentDates(tx.db(), record_kind, authority_id, row);
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO milestones (record_kind, authority_id, record_row, kind, "
      "date, reason, key_id, recorded_by, record_time) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  auto add = [&](int kind, const std::string& date, const std::string& why) {
    insert.bind(1, record_kind);
    insert.bind(2, std::string(authority_id));
    insert.bind(3, row);
    insert.bind(4, kind);
    insert.bind(5, date);
    insert.bind(6, why);
    insert.bind(7, by.key_id);
    insert.bind(8, by.authority_id);
    insert.bind(9, tx.NowMicros());
    insert.exec();
    insert.reset();
  };
  const std::string correction =
      by.reason.empty() ? std::string(kUpdatedWithProfile) : by.reason;
  for (const auto& [kind, date] : now) {
    auto was = before.find(kind);
    if (was == before.end() || was->second.empty()) {
      add(kind, date, was == before.end() ? by.reason : correction);
    } else if (was->second != date) {
      add(kind, date, correction);
    }
  }
  for (const auto& [kind, date] : before) {
    if (!date.empty() && !now.contains(kind)) add(kind, "", correction);
  }
}

// Fills the journey dates of listed profiles back in: one query for all.
template <typename T>
void FillListed(SQLite::Database& db, std::vector<T>& items) {
  if (items.empty()) return;
  const int record_kind = MilestoneRecordKind(static_cast<const T*>(nullptr));
  const char prefix = record_kind == kMilestoneOfChild ? 'c' : 'h';
  std::string placeholders;
  absl::flat_hash_map<int64_t, size_t> index;  // row -> item
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].name();
    size_t slash = name.rfind('/');
    std::optional<int64_t> row =
        ParseRowId(absl::string_view(name).substr(slash + 1), prefix);
    if (!row.has_value()) continue;
    index[*row] = i;
    absl::StrAppend(&placeholders, placeholders.empty() ? "" : ",", "?");
  }
  if (index.empty()) return;
  // By row (a record's row is unique within its kind): one seek each in
  // milestones_by_row, which holds every column read. (A row-value IN over
  // (authority_id, record_row) made SQLite read every milestone of the
  // kind: a page of 20 children read all the consortium's child
  // milestones.)
  SQLite::Statement q(
      db, absl::StrCat("SELECT record_row, kind, date FROM milestones WHERE "
                       "record_kind = ? AND record_row IN (",
                       placeholders, ") ORDER BY id"));
  int b = 1;
  q.bind(b++, record_kind);
  for (const auto& [row, item] : index) q.bind(b++, row);
  std::vector<JourneyDates> dates(items.size());
  while (q.executeStep()) {
    const int kind = q.getColumn(1).getInt();
    if (!IsProfileMilestone(record_kind, kind)) continue;
    auto it = index.find(q.getColumn(0).getInt64());
    if (it == index.end()) continue;
    dates[it->second][kind] = q.getColumn(2).getString();
  }
  for (size_t i = 0; i < items.size(); ++i) FillDates(items[i], dates[i]);
}

// One record's current journey dates for a scan, parsed once: (milestone
// kind, year, month, day), year 0 where the date was cleared.
using ParsedDates = absl::InlinedVector<std::array<int32_t, 4>, 4>;

template <typename Record>
void FillDates(Record& record, const ParsedDates& dates) {
  for (const auto& [kind, year, month, day] : dates) {
    if (year == 0) continue;
    if (google::type::Date* field = ProfileDateOf(record, kind)) {
      field->set_year(year);
      field->set_month(month);
      field->set_day(day);
    }
  }
}

// Profiles stored before migration 7 keep their journey dates in the blob:
// move them to milestone rows (unless the record already has a row of that
// kind, so a repeated open adds nothing) and store the blob without them.
// Throws on a database error, like the migrations.
template <typename T>
void MoveDatesOutOf(SQLite::Database& db, const char* table, int record_kind) {
  struct Moved {
    int64_t row;
    std::string authority_id;
    int64_t time;
    JourneyDates dates;
    std::string blob;
  };
  std::vector<Moved> moved;
  {
    SQLite::Statement rows(
        db, absl::StrCat("SELECT id, authority_id, profile, update_time FROM ",
                         table));
    while (rows.executeStep()) {
      T record;
      if (!record.ParseFromString(ColumnBytes(rows, 2))) continue;
      JourneyDates dates = DatesOf(record);
      if (dates.empty()) continue;
      StripDates(record);
      moved.push_back({rows.getColumn(0).getInt64(),
                       rows.getColumn(1).getString(),
                       rows.getColumn(3).getInt64(), std::move(dates),
                       record.SerializeAsString()});
    }
  }
  if (moved.empty()) return;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement has(db,
                        "SELECT 1 FROM milestones WHERE record_kind = ? AND "
                        "authority_id = ? AND record_row = ? AND kind = ?");
  SQLite::Statement insert(
      db,
      "INSERT INTO milestones (record_kind, authority_id, record_row, kind, "
      "date, reason, record_time) VALUES (?,?,?,?,?,'',?)");
  SQLite::Statement set(
      db, absl::StrCat("UPDATE ", table, " SET profile = ? WHERE id = ?"));
  for (const Moved& m : moved) {
    for (const auto& [kind, date] : m.dates) {
      has.bind(1, record_kind);
      has.bind(2, m.authority_id);
      has.bind(3, m.row);
      has.bind(4, kind);
      const bool known = has.executeStep();
      has.reset();
      if (known) continue;
      insert.bind(1, record_kind);
      insert.bind(2, m.authority_id);
      insert.bind(3, m.row);
      insert.bind(4, kind);
      insert.bind(5, date);
      insert.bind(6, m.time);
      insert.exec();
      insert.reset();
    }
    BindBlob(set, 1, m.blob);
    set.bind(2, m.row);
    set.exec();
    set.reset();
  }
  tx.commit();
}

// Runs `update` (a blob, then a row) for each (row, blob) of `rows`, in one
// transaction; nothing when there are none. Throws on a database error.
void RewriteBlobs(SQLite::Database& db, const std::string& update,
                  const std::vector<std::pair<int64_t, std::string>>& rows) {
  if (rows.empty()) return;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement set(db, update);
  for (const auto& [row, blob] : rows) {
    BindBlob(set, 1, blob);
    set.bind(2, row);
    set.exec();
    set.reset();
  }
  tx.commit();
}

// Clears the withdraw reason of `record`; whether it had one.
template <typename T>
bool ClearReasons(T& record) {
  if (record.withdraw_reason().empty()) return false;
  record.clear_withdraw_reason();
  return true;
}

// The same of every record of `records`; whether any had one.
template <typename Records>
bool ClearAllReasons(Records& records) {
  bool cleared = false;
  for (auto& record : records) cleared = ClearReasons(record) || cleared;
  return cleared;
}

// Before migration 20 a create stored the withdraw reason it was given
// (output only, and never checked as free text), where every member could
// read it: an outside probe stored a name, a date of birth and an address
// so. A record that is not withdrawn has no reason: clear any it has, in the
// profile blob itself (so backups made from now on hold none either). A
// withdrawn record's reason is WithdrawChild's (or WithdrawAdopter's),
// checked when it was given. Throws on a database error, like the
// migrations.
template <typename T>
void ClearUnwithdrawnReasons(SQLite::Database& db, const char* table,
                             int withdrawn_status) {
  std::vector<std::pair<int64_t, std::string>> cleared;
  {
    SQLite::Statement rows(db,
                           absl::StrCat("SELECT id, profile FROM ", table,
                                        " WHERE status != ", withdrawn_status));
    while (rows.executeStep()) {
      T record;
      if (!record.ParseFromString(ColumnBytes(rows, 1)) ||
          !ClearReasons(record)) {
        continue;
      }
      cleared.emplace_back(rows.getColumn(0).getInt64(),
                           record.SerializeAsString());
    }
  }
  RewriteBlobs(db,
               absl::StrCat("UPDATE ", table, " SET profile = ? WHERE id = ?"),
               cleared);
}

// The same text in the answers stored for retries (requests.response): a
// create's answer echoed the record it stored, reason and all, and a retry
// of it would show the text again. A create stores no withdrawn record, so
// every reason in those answers goes. Throws on a database error.
void ClearReasonsInStoredAnswers(SQLite::Database& db) {
  std::vector<std::pair<int64_t, std::string>> cleared;
  {
    SQLite::Statement rows(
        db,
        "SELECT rowid, method, response FROM requests WHERE method IN "
        "('CreateChild', 'CreateAdopter', 'BatchCreateChildren', "
        "'BatchCreateAdopters')");
    while (rows.executeStep()) {
      const std::string method = rows.getColumn(1).getString();
      const std::string bytes = ColumnBytes(rows, 2);
      std::string rewritten;
      auto clear = [&](auto message, auto&& clear_in) {
        if (message.ParseFromString(bytes) && clear_in(message)) {
          rewritten = message.SerializeAsString();
        }
      };
      if (method == "CreateChild") {
        clear(v1::Child(), [](v1::Child& c) { return ClearReasons(c); });
      } else if (method == "CreateAdopter") {
        clear(v1::Adopter(), [](v1::Adopter& a) { return ClearReasons(a); });
      } else if (method == "BatchCreateChildren") {
        clear(v1::BatchCreateChildrenResponse(),
              [](auto& b) { return ClearAllReasons(*b.mutable_children()); });
      } else {
        clear(v1::BatchCreateAdoptersResponse(),
              [](auto& b) { return ClearAllReasons(*b.mutable_adopters()); });
      }
      if (!rewritten.empty()) {
        cleared.emplace_back(rows.getColumn(0).getInt64(),
                             std::move(rewritten));
      }
    }
  }
  RewriteBlobs(db, "UPDATE requests SET response = ? WHERE rowid = ?", cleared);
}

bool RepairDone(SQLite::Database& db, const char* name) {
  SQLite::Statement q(db, "SELECT 1 FROM repairs_done WHERE name = ?");
  q.bind(1, name);
  return q.executeStep();
}

void MarkRepairDone(SQLite::Database& db, const char* name) {
  SQLite::Statement q(db,
                      "INSERT OR IGNORE INTO repairs_done VALUES (?, "
                      "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  q.bind(1, name);
  q.exec();
}

// ---- the day each child has waited since (migration 17) ----

// SQL for the day child row `row` (an SQL expression) has waited since: the
// latest date of its ShoBPA decision, else of its placement order, else of
// its plan for adoption, a cleared date ('') or one that is not a real date
// from 1970 on counting as none; NULL for none. The rule of WaitingSince in
// services/matching/convert.cc, which reads a profile's journey.
std::string WaitingSinceOf(absl::string_view row) {
  std::string sql = "COALESCE(";
  for (const v1::MilestoneKind kind :
       {v1::MILESTONE_KIND_SHOBPA_DECISION, v1::MILESTONE_KIND_PLACEMENT_ORDER,
        v1::MILESTONE_KIND_PLAN_FOR_ADOPTION}) {
    absl::StrAppend(
        &sql, kind == v1::MILESTONE_KIND_SHOBPA_DECISION ? "" : ", ",
        // date(…, '+0 days') rolls 30 February over to March: a real date
        // comes back as it was.
        "(SELECT CASE WHEN date >= '1970' AND date(date, '+0 days') IS date "
        "THEN date END FROM milestones WHERE record_kind = ",
        kMilestoneOfChild, " AND record_row = ", row,
        " AND kind = ", static_cast<int>(kind), " ORDER BY id DESC LIMIT 1)");
  }
  return sql + ")";
}

constexpr char kWaitingSinceTrigger[] = "milestones_set_waiting_since";

// The children table's waiting_since, kept by SQLite: a trigger recomputes
// a child's as each of those milestones is appended, whoever appends it
// (they are append-only). When the trigger is missing (the first open since
// migration 17, or an operator dropped it) it is created and every child's
// day filled, in one transaction: about 7.5 s at a million children.
void KeepWaitingSince(SQLite::Database& db) {
  SQLite::Statement has(db,
                        "SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = ?");
  has.bind(1, kWaitingSinceTrigger);
  if (has.executeStep()) return;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec(absl::StrCat(
      "CREATE TRIGGER ", kWaitingSinceTrigger,
      " AFTER INSERT ON milestones WHEN NEW.record_kind = ", kMilestoneOfChild,
      " AND NEW.kind IN (", v1::MILESTONE_KIND_PLAN_FOR_ADOPTION, ", ",
      v1::MILESTONE_KIND_SHOBPA_DECISION, ", ",
      v1::MILESTONE_KIND_PLACEMENT_ORDER,
      ") BEGIN UPDATE children SET waiting_since = ",
      WaitingSinceOf("NEW.record_row"), " WHERE id = NEW.record_row; END"));
  db.exec(absl::StrCat("UPDATE children SET waiting_since = ",
                       WaitingSinceOf("children.id")));
  tx.commit();
}

// The repairs at open: ages_as_of (migration 6), the journey dates
// (migration 7) and the withdraw reasons (migration 20) of rows stored
// before them. A raamatchd that knows these always writes rows the repaired
// way, and an older one cannot open the database after them (Store::Open
// refuses a newer schema), so each repair runs until it has once finished:
// each reads every profile, seconds at a million records. Then the trigger
// that keeps the children's waiting_since (migration 17), put back if
// missing, after the dates moved to milestone rows.
void RepairAtOpen(SQLite::Database& db) {
  constexpr char kAgesFilled[] = "ages_as_of from profiles";
  if (!RepairDone(db, kAgesFilled)) {
    FillAgesAsOf(db);
    MarkRepairDone(db, kAgesFilled);
  }
  constexpr char kDatesMoved[] = "journey dates out of profiles";
  if (!RepairDone(db, kDatesMoved)) {
    MoveDatesOutOf<v1::Child>(db, "children", kMilestoneOfChild);
    MoveDatesOutOf<v1::Adopter>(db, "adopters", kMilestoneOfHousehold);
    MarkRepairDone(db, kDatesMoved);
  }
  constexpr char kReasonsCleared[] =
      "withdraw reasons of records not withdrawn";
  if (!RepairDone(db, kReasonsCleared)) {
    // The pages the text leaves are zeroed, not only freed (Debian's SQLite
    // does so by default; this does not depend on it).
    db.exec("PRAGMA secure_delete = ON");
    ClearUnwithdrawnReasons<v1::Child>(db, "children",
                                       v1::CHILD_STATUS_WITHDRAWN);
    ClearUnwithdrawnReasons<v1::Adopter>(db, "adopters",
                                         v1::ADOPTER_STATUS_WITHDRAWN);
    ClearReasonsInStoredAnswers(db);
    MarkRepairDone(db, kReasonsCleared);
  }
  KeepWaitingSince(db);
}

// The whole months from a row's ages_as_of to ?8 ('YYYY-MM-DD'), 0 if not
// later: the SQL twin of matcher::WholeMonthsBetween, for list filters.
constexpr char kMonthsSinceAgesAsOf[] =
    "MAX(0, (CAST(substr(?8, 1, 4) AS INTEGER) - "
    "CAST(substr(ages_as_of, 1, 4) AS INTEGER)) * 12 + "
    "CAST(substr(?8, 6, 2) AS INTEGER) - "
    "CAST(substr(ages_as_of, 6, 2) AS INTEGER) - "
    "(CAST(substr(?8, 9, 2) AS INTEGER) < "
    "CAST(substr(ages_as_of, 9, 2) AS INTEGER)))";

// ---- projections: the columns derived from a profile ----

struct ChildColumns {
  int group_size = 0;
  int min_age = 0;
  int max_age = 0;
  int64_t need_mask = 0;
};

ChildColumns ProjectChild(const v1::Child& child) {
  ChildColumns c;
  c.group_size = child.members_size();
  c.min_age = std::numeric_limits<int>::max();
  for (const v1::ChildMember& m : child.members()) {
    c.min_age = std::min(c.min_age, m.age_months());
    c.max_age = std::max(c.max_age, m.age_months());
    for (const v1::Need& n : m.needs())
      c.need_mask |= int64_t{1} << n.category();
  }
  if (child.members().empty()) c.min_age = 0;
  return c;
}

void BindAuthority(SQLite::Statement& q, const v1::Authority& a,
                   absl::string_view id, int64_t create, int64_t update) {
  q.bind(1, std::string(id));
  q.bind(2, a.display_name());
  q.bind(3, a.kind());
  q.bind(4, a.region());
  q.bind(5, a.london_weighting() ? 1 : 0);
  q.bind(6, a.status());
  q.bind(7, FormatDate(a.joined_on()));
  if (IsUnset(a.withdrawn_on())) {
    q.bind(8);
  } else {
    q.bind(8, FormatDate(a.withdrawn_on()));
  }
  BindBlob(q, 9, a.SerializeAsString());
  q.bind(10, create);
  q.bind(11, update);
}

absl::string_view IdOf(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

template <typename T>
absl::StatusOr<T> ReadProfileRow(SQLite::Database& db, const char* table,
                                 absl::string_view authority_id, int64_t row_id,
                                 const char* what) {
  CachedStatement q_kept(db,
                         absl::StrCat("SELECT profile FROM ", table,
                                      " WHERE id = ? AND authority_id = ?"));
  SQLite::Statement& q = *q_kept;
  q.bind(1, row_id);
  q.bind(2, std::string(authority_id));
  if (!q.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no such ", what));
  }
  ASSIGN_OR_RETURN(T item, ParseProfile<T>(q, 0));
  FillDates(item,
            CurrentDates(db, MilestoneRecordKind(&item), authority_id, row_id));
  return item;
}

absl::StatusOr<v1::Authority> ReadAuthority(SQLite::Database& db,
                                            absl::string_view id) {
  CachedStatement q_kept(db, "SELECT profile FROM authorities WHERE id = ?");
  SQLite::Statement& q = *q_kept;
  q.bind(1, std::string(id));
  if (!q.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no authority \"", id, "\""));
  }
  return ParseProfile<v1::Authority>(q, 0);
}

// Runs a paged SELECT of `profile, id` rows: `sql` ends with its WHERE
// conditions; binds are applied by `bind`.
template <typename T>
absl::StatusOr<Page<T>> ReadPage(
    SQLite::Database& db, const std::string& select_where,
    const std::function<void(SQLite::Statement&)>& bind,
    const PageRequest& page) {
  // The page size is a parameter, so each filter's text is prepared once
  // on each read connection (store_internal::CachedStatement).
  CachedStatement q_kept(
      db, absl::StrCat(select_where, " ORDER BY 2 LIMIT :page_limit"));
  SQLite::Statement& q = *q_kept;
  bind(q);
  q.bind(":page_limit", page.page_size + 1);
  Page<T> out;
  int64_t last = 0;
  while (q.executeStep()) {
    if (static_cast<int>(out.items.size()) == page.page_size) {
      out.next_after = last;
      break;
    }
    ASSIGN_OR_RETURN(T item, ParseProfile<T>(q, 0));
    last = q.getColumn(1).getInt64();
    out.items.push_back(std::move(item));
  }
  return out;
}

const char* KindName(RecordKind kind) {
  return kind == RecordKind::kChild ? "child" : "adopter";
}

// Binds every projected adopter column (from `a`, with its dates) and the
// stored profile (`a` without them); returns the next free index.
int BindAdopterColumns(SQLite::Statement& q, const v1::Adopter& a) {
  int i = 1;
  q.bind(i++, a.status());
  if (IsUnset(a.approved_on())) {
    q.bind(i++);
  } else {
    q.bind(i++, FormatDate(a.approved_on()));
  }
  q.bind(i++, a.approved_for());
  q.bind(i++, a.min_age_months());
  q.bind(i++, a.max_age_months());
  q.bind(i++, a.sex_preference());
  q.bind(i++, a.region());
  q.bind(i++, JsonArray(a.excluded_regions()));
  q.bind(i++, a.dual_approved() ? 1 : 0);
  q.bind(i++, a.max_contact());
  int64_t heritage = 0;
  for (int h : a.heritage()) heritage |= int64_t{1} << h;
  q.bind(i++, heritage);
  q.bind(i++, a.religion());
  q.bind(i++, JsonArray(a.languages()));
  int levels[9];
  std::fill(std::begin(levels), std::end(levels), v1::NEED_LEVEL_NONE);
  for (const v1::NeedLimit& l : a.need_limits()) {
    levels[l.category() - 1] = l.max_level();
  }
  for (int level : levels) q.bind(i++, level);
  v1::Adopter stored = a;
  StripDates(stored);
  BindBlob(q, i++, stored.SerializeAsString());
  return i;
}

constexpr char kAdopterColumns[] =
    "status, approved_on, approved_for, min_age_months, max_age_months, "
    "sex_preference, region, excluded_regions, dual_approved, max_contact, "
    "heritage_mask, religion, languages, max_physical_disability, "
    "max_learning_disability, max_global_developmental_delay, "
    "max_medical_condition, max_emotional_and_behavioural, "
    "max_foetal_alcohol_spectrum, max_sexualised_behaviour, "
    "max_uncertain_developmental_prognosis, max_attachment_difficulties, "
    "profile";

absl::StatusOr<std::vector<v1::Region>> ReadRegions(SQLite::Database& db) {
  std::vector<v1::Region> out;
  SQLite::Statement q(db, "SELECT profile FROM regions ORDER BY slug");
  while (q.executeStep()) {
    ASSIGN_OR_RETURN(v1::Region region, ParseProfile<v1::Region>(q, 0));
    out.push_back(std::move(region));
  }
  return out;
}

}  // namespace

SchemaPart RegistrySchema() {
  return SchemaPart{.migrations = kMigrations, .after_open = &RepairAtOpen};
}

bool IsProfileMilestone(int record_kind, int milestone_kind) {
  switch (milestone_kind) {
    case v1::MILESTONE_KIND_ENTERED_CARE:
    case v1::MILESTONE_KIND_PLAN_FOR_ADOPTION:
    case v1::MILESTONE_KIND_SHOBPA_DECISION:
    case v1::MILESTONE_KIND_PLACEMENT_ORDER:
      return record_kind == kMilestoneOfChild;
    case v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST:
    case v1::MILESTONE_KIND_STAGE_TWO_START:
    case v1::MILESTONE_KIND_APPROVAL:
      return record_kind == kMilestoneOfHousehold;
    default:
      return false;
  }
}

google::type::Date* ProfileDateOf(v1::Child& child, int milestone_kind) {
  v1::ChildJourney* j = child.mutable_journey();
  switch (milestone_kind) {
    case v1::MILESTONE_KIND_ENTERED_CARE:
      return j->mutable_entered_care();
    case v1::MILESTONE_KIND_PLAN_FOR_ADOPTION:
      return j->mutable_plan_for_adoption();
    case v1::MILESTONE_KIND_SHOBPA_DECISION:
      return j->mutable_shobpa_decision();
    case v1::MILESTONE_KIND_PLACEMENT_ORDER:
      return j->mutable_placement_order();
    default:
      return nullptr;
  }
}

google::type::Date* ProfileDateOf(v1::Adopter& adopter, int milestone_kind) {
  switch (milestone_kind) {
    case v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST:
      return adopter.mutable_registered_interest_on();
    case v1::MILESTONE_KIND_STAGE_TWO_START:
      return adopter.mutable_applied_on();
    case v1::MILESTONE_KIND_APPROVAL:
      return adopter.mutable_approved_on();
    default:
      return nullptr;
  }
}

absl::Status TellRegistryChanges(StoreTx& tx, RegistryObserver& observer) {
  const RegistryChanges none;
  const RegistryChanges* changes = tx.FindState<RegistryChanges>();
  if (changes == nullptr) changes = &none;
  RETURN_IF_ERROR(observer.Admit(changes->children, changes->adopters));
  for (const v1::Authority& a : changes->authorities) {
    observer.OnAuthorityChanged(a);
  }
  for (const Row<v1::Child>& c : changes->children) {
    observer.OnChildChanged(c.row_id, c.value);
  }
  for (const Row<v1::Adopter>& a : changes->adopters) {
    observer.OnAdopterChanged(a.row_id, a.value);
  }
  return absl::OkStatus();
}

namespace registry_rows {

// ---------------- Inside a write ----------------

absl::StatusOr<v1::Authority> GetAuthority(StoreTx& tx, absl::string_view id) {
  return ReadAuthority(tx.db(), id);
}

absl::StatusOr<std::string> OtherActiveMemberOfKind(StoreTx& tx,
                                                    v1::AuthorityKind kind,
                                                    absl::string_view except) {
  CachedStatement q_kept(tx.db(),
                         "SELECT id FROM authorities WHERE kind = ? AND "
                         "status = ? AND id != ? ORDER BY id LIMIT 1");
  SQLite::Statement& q = *q_kept;
  q.bind(1, static_cast<int>(kind));
  q.bind(2, static_cast<int>(v1::AUTHORITY_STATUS_ACTIVE));
  q.bind(3, std::string(except));
  return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

absl::Status InsertAuthority(StoreTx& tx, const v1::Authority& authority) {
  int64_t now = tx.NowMicros();
  v1::Authority a = authority;
  *a.mutable_create_time() = ToTimestamp(now);
  *a.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO authorities (id, display_name, kind, region, "
      "london_weighting, status, joined_on, withdrawn_on, profile, "
      "create_time, update_time) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  BindAuthority(q, a, IdOf(a.name()), now, now);
  q.exec();
  tx.State<RegistryChanges>().authorities.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status UpdateAuthority(StoreTx& tx, const v1::Authority& authority) {
  int64_t now = tx.NowMicros();
  v1::Authority a = authority;
  *a.mutable_update_time() = ToTimestamp(now);
  SQLite::Statement q(
      tx.db(),
      "UPDATE authorities SET id = ?1, display_name = ?2, kind = ?3, "
      "region = ?4, london_weighting = ?5, status = ?6, joined_on = ?7, "
      "withdrawn_on = ?8, profile = ?9, update_time = ?11 WHERE id = ?1");
  BindAuthority(q, a, IdOf(a.name()), 0, now);
  if (q.exec() != 1) return absl::NotFoundError("no such authority");
  tx.State<RegistryChanges>().authorities.push_back(std::move(a));
  return absl::OkStatus();
}

absl::StatusOr<v1::Child> GetChild(StoreTx& tx, absl::string_view authority_id,
                                   int64_t row_id) {
  return ReadProfileRow<v1::Child>(tx.db(), "children", authority_id, row_id,
                                   "child");
}

absl::Status InsertChild(StoreTx& tx, absl::string_view authority_id,
                         v1::Child& child, const RecordedBy& by) {
  int64_t now = tx.NowMicros();
  *child.mutable_create_time() = ToTimestamp(now);
  *child.mutable_update_time() = ToTimestamp(now);
  ChildColumns c = ProjectChild(child);
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO children (authority_id, status, group_size, "
      "min_age_months, max_age_months, need_mask, region, profile, "
      "create_time, update_time) VALUES (?,?,?,?,?,?,?, x'', ?, ?)");
  q.bind(1, std::string(authority_id));
  q.bind(2, child.status());
  q.bind(3, c.group_size);
  q.bind(4, c.min_age);
  q.bind(5, c.max_age);
  q.bind(6, c.need_mask);
  q.bind(7, child.region());
  q.bind(8, now);
  q.bind(9, now);
  q.exec();
  int64_t row = tx.db().getLastInsertRowid();
  child.set_name(
      absl::StrCat(AuthorityName(authority_id), "/children/", ChildId(row)));
  v1::Child stored = child;
  StripDates(stored);
  SQLite::Statement set(
      tx.db(), "UPDATE children SET profile = ?, ages_as_of = ? WHERE id = ?");
  BindBlob(set, 1, stored.SerializeAsString());
  set.bind(2, FormatDate(child.ages_as_of()));
  set.bind(3, row);
  set.exec();
  RecordDates(tx, kMilestoneOfChild, authority_id, row, DatesOf(child), by);
  tx.State<RegistryChanges>().children.push_back({row, child});
  return absl::OkStatus();
}

absl::Status UpdateChild(StoreTx& tx, v1::Child& child, const RecordedBy& by) {
  absl::string_view name = child.name();
  std::optional<int64_t> row = ParseRowId(IdOf(name), 'c');
  if (!row.has_value()) return absl::NotFoundError("no such child");
  *child.mutable_update_time() = ToTimestamp(tx.NowMicros());
  ChildColumns c = ProjectChild(child);
  SQLite::Statement q(tx.db(),
                      "UPDATE children SET status = ?, group_size = ?, "
                      "min_age_months = ?, max_age_months = ?, need_mask = ?, "
                      "region = ?, profile = ?, update_time = ? WHERE id = ?");
  q.bind(1, child.status());
  q.bind(2, c.group_size);
  q.bind(3, c.min_age);
  q.bind(4, c.max_age);
  q.bind(5, c.need_mask);
  q.bind(6, child.region());
  v1::Child stored = child;
  StripDates(stored);
  BindBlob(q, 7, stored.SerializeAsString());
  q.bind(8, tx.NowMicros());
  q.bind(9, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such child");
  SQLite::Statement as_of(tx.db(),
                          "UPDATE children SET ages_as_of = ? WHERE id = ?");
  as_of.bind(1, FormatDate(child.ages_as_of()));
  as_of.bind(2, *row);
  as_of.exec();
  RecordDates(tx, kMilestoneOfChild, AuthorityOf(name), *row, DatesOf(child),
              by);
  tx.State<RegistryChanges>().children.push_back({*row, child});
  return absl::OkStatus();
}

absl::Status InsertStatusChange(StoreTx& tx, RecordKind kind,
                                absl::string_view authority_id, int64_t row_id,
                                int from_status, int to_status,
                                absl::string_view reason,
                                absl::string_view key_id,
                                absl::string_view changed_by) {
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO status_changes (record_kind, authority_id, record_id, "
      "from_status, to_status, reason, key_id, changed_by, change_time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, KindName(kind));
  q.bind(2, std::string(authority_id));
  q.bind(3, row_id);
  q.bind(4, from_status);
  q.bind(5, to_status);
  q.bind(6, std::string(reason));
  q.bind(7, std::string(key_id));
  q.bind(8, std::string(changed_by));
  q.bind(9, tx.NowMicros());
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<v1::Adopter> GetAdopter(StoreTx& tx,
                                       absl::string_view authority_id,
                                       int64_t row_id) {
  return ReadProfileRow<v1::Adopter>(tx.db(), "adopters", authority_id, row_id,
                                     "adopter");
}

absl::Status InsertAdopter(StoreTx& tx, absl::string_view authority_id,
                           v1::Adopter& adopter, const RecordedBy& by) {
  int64_t now = tx.NowMicros();
  *adopter.mutable_create_time() = ToTimestamp(now);
  *adopter.mutable_update_time() = ToTimestamp(now);
  // The name holds the row id, which exists only after the insert: insert,
  // then store the named profile.
  std::string placeholders;
  for (int k = 0; k < 23; ++k) absl::StrAppend(&placeholders, k ? ",?" : "?");
  SQLite::Statement insert(
      tx.db(),
      absl::StrCat("INSERT INTO adopters (", kAdopterColumns,
                   ", authority_id, create_time, update_time) VALUES (",
                   placeholders, ",?,?,?)"));
  int i = BindAdopterColumns(insert, adopter);
  insert.bind(i++, std::string(authority_id));
  insert.bind(i++, now);
  insert.bind(i++, now);
  insert.exec();
  int64_t row = tx.db().getLastInsertRowid();
  adopter.set_name(
      absl::StrCat(AuthorityName(authority_id), "/adopters/", AdopterId(row)));
  v1::Adopter stored = adopter;
  StripDates(stored);
  SQLite::Statement set(tx.db(),
                        "UPDATE adopters SET profile = ? WHERE id = ?");
  BindBlob(set, 1, stored.SerializeAsString());
  set.bind(2, row);
  set.exec();
  RecordDates(tx, kMilestoneOfHousehold, authority_id, row, DatesOf(adopter),
              by);
  tx.State<RegistryChanges>().adopters.push_back({row, adopter});
  return absl::OkStatus();
}

absl::Status UpdateAdopter(StoreTx& tx, v1::Adopter& adopter,
                           const RecordedBy& by) {
  std::optional<int64_t> row = ParseRowId(IdOf(adopter.name()), 'h');
  if (!row.has_value()) return absl::NotFoundError("no such adopter");
  int64_t now = tx.NowMicros();
  *adopter.mutable_update_time() = ToTimestamp(now);
  std::string sets;
  std::string columns = kAdopterColumns;
  for (absl::string_view col : absl::StrSplit(columns, ", ")) {
    absl::StrAppend(&sets, sets.empty() ? "" : ", ", col, " = ?");
  }
  SQLite::Statement q(tx.db(), absl::StrCat("UPDATE adopters SET ", sets,
                                            ", update_time = ? WHERE id = ?"));
  int i = BindAdopterColumns(q, adopter);
  q.bind(i++, now);
  q.bind(i++, *row);
  if (q.exec() != 1) return absl::NotFoundError("no such adopter");
  RecordDates(tx, kMilestoneOfHousehold, AuthorityOf(adopter.name()), *row,
              DatesOf(adopter), by);
  tx.State<RegistryChanges>().adopters.push_back({*row, adopter});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Region>> ListRegions(StoreTx& tx) {
  return ReadRegions(tx.db());
}

absl::Status InsertRegion(StoreTx& tx, v1::Region& region) {
  int64_t now = tx.NowMicros();
  *region.mutable_create_time() = ToTimestamp(now);
  SQLite::Statement q(tx.db(), "INSERT INTO regions VALUES (?,?,?,?,?,?)");
  q.bind(1, std::string(IdOf(region.name())));
  q.bind(2, region.display_name());
  q.bind(3, static_cast<int>(region.kind()));
  q.bind(4, region.parent());
  BindBlob(q, 5, region.SerializeAsString());
  q.bind(6, now);
  q.exec();
  return absl::OkStatus();
}

// ---------------- Reads ----------------

absl::StatusOr<v1::Authority> GetAuthority(Store& store, absl::string_view id) {
  return store.Read(
      [&](SQLite::Database& db) { return ReadAuthority(db, id); });
}

absl::StatusOr<v1::Authority> RequireMember(Store& store, absl::string_view id,
                                            absl::string_view field) {
  absl::StatusOr<v1::Authority> a = GetAuthority(store, id);
  if (absl::IsNotFound(a.status())) {
    return absl::NotFoundError(absl::StrCat(
        field, ": ", AuthorityName(id), " is not a member of the consortium"));
  }
  return a;
}

absl::StatusOr<std::vector<std::string>> ActiveMembersOfKind(
    Store& store, v1::AuthorityKind kind) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<std::string>> {
        SQLite::Statement q(db,
                            "SELECT id FROM authorities WHERE kind = ? AND "
                            "status = ? ORDER BY id");
        q.bind(1, static_cast<int>(kind));
        q.bind(2, static_cast<int>(v1::AUTHORITY_STATUS_ACTIVE));
        std::vector<std::string> ids;
        while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
        return ids;
      });
}

absl::StatusOr<Page<v1::Authority>> ListAuthorities(Store& store,
                                                    v1::AuthorityStatus status,
                                                    const PageRequest& page) {
  return store.Read([&](SQLite::Database& db) {
    std::string sql = "SELECT profile, rowid FROM authorities WHERE rowid > ?";
    if (status != v1::AUTHORITY_STATUS_UNSPECIFIED) sql += " AND status = ?";
    return ReadPage<v1::Authority>(
        db, sql,
        [&](SQLite::Statement& q) {
          q.bind(1, page.after);
          if (status != v1::AUTHORITY_STATUS_UNSPECIFIED) q.bind(2, status);
        },
        page);
  });
}

absl::Status ForEachAuthority(
    Store& store, v1::AuthorityStatus status,
    absl::FunctionRef<absl::Status(const v1::Authority&)> fn) {
  PageRequest page{1000, 0};
  do {
    ASSIGN_OR_RETURN(Page<v1::Authority> authorities,
                     ListAuthorities(store, status, page));
    for (const v1::Authority& a : authorities.items) RETURN_IF_ERROR(fn(a));
    page.after = authorities.next_after;
  } while (page.after != 0);
  return absl::OkStatus();
}

absl::StatusOr<v1::Child> GetChild(Store& store, absl::string_view authority_id,
                                   int64_t row_id) {
  return store.Read([&](SQLite::Database& db) {
    return ReadProfileRow<v1::Child>(db, "children", authority_id, row_id,
                                     "child");
  });
}

absl::StatusOr<Page<v1::Child>> ListChildren(Store& store, const ChildFilter& f,
                                             const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<v1::Child>> {
        std::string sql = "SELECT profile, id FROM children WHERE id > ?1";
        if (!f.authority_id.empty()) sql += " AND authority_id = ?2";
        if (f.status != v1::CHILD_STATUS_UNSPECIFIED) sql += " AND status = ?3";
        // Ages on f.ages_on: the stored ones plus the months since ages_as_of.
        const std::string moved =
            f.ages_on.empty() || !(f.min_age_months || f.max_age_months)
                ? std::string()
                : absl::StrCat(" + COALESCE(", kMonthsSinceAgesAsOf, ", 0)");
        if (f.min_age_months) {
          absl::StrAppend(&sql, " AND max_age_months", moved, " >= ?4");
        }
        if (f.max_age_months) {
          absl::StrAppend(&sql, " AND min_age_months", moved, " <= ?5");
        }
        if (f.group_size > 0) sql += " AND group_size = ?6";
        if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
          sql += " AND (need_mask & ?7) != 0";
        }
        ASSIGN_OR_RETURN(Page<v1::Child> out,
                         ReadPage<v1::Child>(
                             db, sql,
                             [&](SQLite::Statement& q) {
                               q.bind(1, page.after);
                               if (!f.authority_id.empty())
                                 q.bind(2, f.authority_id);
                               if (f.status != v1::CHILD_STATUS_UNSPECIFIED)
                                 q.bind(3, f.status);
                               if (f.min_age_months)
                                 q.bind(4, *f.min_age_months);
                               if (f.max_age_months)
                                 q.bind(5, *f.max_age_months);
                               if (f.group_size > 0) q.bind(6, f.group_size);
                               if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
                                 q.bind(7, int64_t{1} << f.need);
                               }
                               if (!moved.empty()) q.bind(8, f.ages_on);
                             },
                             page));
        FillListed(db, out.items);
        return out;
      });
}

absl::StatusOr<v1::Adopter> GetAdopter(Store& store,
                                       absl::string_view authority_id,
                                       int64_t row_id) {
  return store.Read([&](SQLite::Database& db) {
    return ReadProfileRow<v1::Adopter>(db, "adopters", authority_id, row_id,
                                       "adopter");
  });
}

absl::StatusOr<Page<v1::Adopter>> ListAdopters(Store& store,
                                               const AdopterFilter& f,
                                               const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<v1::Adopter>> {
        std::string sql = "SELECT profile, id FROM adopters WHERE id > ?1";
        if (!f.authority_id.empty()) sql += " AND authority_id = ?2";
        if (f.status != v1::ADOPTER_STATUS_UNSPECIFIED)
          sql += " AND status = ?3";
        if (f.age_months) {
          sql += " AND min_age_months <= ?4 AND max_age_months >= ?4";
        }
        if (f.group_size > 0) sql += " AND approved_for >= ?5";
        if (f.need != v1::NEED_CATEGORY_UNSPECIFIED) {
          absl::StrAppend(&sql, " AND ", kNeedColumns[f.need - 1],
                          " >= ", static_cast<int>(v1::NEED_LEVEL_MILD));
        }
        ASSIGN_OR_RETURN(Page<v1::Adopter> out,
                         ReadPage<v1::Adopter>(
                             db, sql,
                             [&](SQLite::Statement& q) {
                               q.bind(1, page.after);
                               if (!f.authority_id.empty())
                                 q.bind(2, f.authority_id);
                               if (f.status != v1::ADOPTER_STATUS_UNSPECIFIED)
                                 q.bind(3, f.status);
                               if (f.age_months) q.bind(4, *f.age_months);
                               if (f.group_size > 0) q.bind(5, f.group_size);
                             },
                             page));
        FillListed(db, out.items);
        return out;
      });
}

absl::StatusOr<std::vector<v1::StatusChange>> ListStatusChanges(
    Store& store, RecordKind kind, absl::string_view authority_id,
    int64_t row_id) {
  return store.Read([&](SQLite::Database& db)
                        -> absl::StatusOr<std::vector<v1::StatusChange>> {
    CachedStatement q_kept(
        db,
        "SELECT from_status, to_status, reason, key_id, changed_by, "
        "change_time FROM status_changes WHERE record_kind = ? AND "
        "authority_id = ? AND record_id = ? ORDER BY id");
    SQLite::Statement& q = *q_kept;
    q.bind(1, KindName(kind));
    q.bind(2, std::string(authority_id));
    q.bind(3, row_id);
    std::vector<v1::StatusChange> out;
    while (q.executeStep()) {
      v1::StatusChange& c = out.emplace_back();
      const int from = q.getColumn(0).getInt();
      const int to = q.getColumn(1).getInt();
      if (kind == RecordKind::kChild) {
        c.set_from_status(LegacyEnumName(v1::ChildStatus_descriptor(), from));
        c.set_to_status(LegacyEnumName(v1::ChildStatus_descriptor(), to));
      } else {
        c.set_from_status(LegacyEnumName(v1::AdopterStatus_descriptor(), from));
        c.set_to_status(LegacyEnumName(v1::AdopterStatus_descriptor(), to));
      }
      c.set_reason(q.getColumn(2).getString());
      c.set_key_id(q.getColumn(3).getString());
      c.set_authority(AuthorityName(q.getColumn(4).getString()));
      *c.mutable_change_time() = ToTimestamp(q.getColumn(5).getInt64());
    }
    return out;
  });
}

absl::StatusOr<MemberRecordCounts> CountMemberRecords(
    Store& store, absl::string_view authority_id) {
  return store.Read([&](SQLite::Database& db)
                        -> absl::StatusOr<MemberRecordCounts> {
    MemberRecordCounts counts;
    const std::string id(authority_id);
    SQLite::Statement children(db,
                               "SELECT status, COUNT(*), SUM(group_size) "
                               "FROM children WHERE authority_id = ? "
                               "GROUP BY status");
    children.bind(1, id);
    while (children.executeStep()) {
      counts.children[static_cast<v1::ChildStatus>(
          children.getColumn(0).getInt())] = {children.getColumn(1).getInt(),
                                              children.getColumn(2).getInt()};
    }
    SQLite::Statement households(db,
                                 "SELECT status, COUNT(*) FROM adopters "
                                 "WHERE authority_id = ? GROUP BY status");
    households.bind(1, id);
    while (households.executeStep()) {
      counts.households[static_cast<v1::AdopterStatus>(
          households.getColumn(0).getInt())] = households.getColumn(1).getInt();
    }
    SQLite::Statement keys(db,
                           "SELECT COUNT(*) FROM api_keys WHERE authority_id "
                           "= ? AND revoke_time IS NULL");
    keys.bind(1, id);
    keys.executeStep();
    counts.active_keys = keys.getColumn(0).getInt();
    return counts;
  });
}

absl::StatusOr<std::vector<v1::Region>> ListRegions(Store& store) {
  return store.Read([&](SQLite::Database& db) { return ReadRegions(db); });
}

namespace {

// Row ids first <= id <= last.
struct RowRange {
  int64_t first = 0;
  int64_t last = 0;
};

// `rows` (increasing) as ranges of consecutive ids.
std::vector<RowRange> RangesOf(std::span<const int64_t> rows) {
  std::vector<RowRange> ranges;
  for (const int64_t row : rows) {
    if (!ranges.empty() && ranges.back().last + 1 == row) {
      ranges.back().last = row;
    } else {
      ranges.push_back({row, row});
    }
  }
  return ranges;
}

// The children of ScanChildren in `ranges` (in increasing order).
absl::Status ScanChildrenIn(
    Store& store, std::span<const RowRange> ranges,
    std::span<const v1::ChildStatus> statuses,
    absl::FunctionRef<void(int64_t, const v1::Child&, int32_t)> fn) {
  if (ranges.empty() || statuses.empty()) return absl::OkStatus();
  return store.ReadAside([&](SQLite::Database& db) -> absl::Status {
    v1::Child child;  // one message, its memory reused row after row
    // `+status`: the rows in id order, never through the status index.
    ScanStatement q(
        db, absl::StrCat("SELECT id, profile, waiting_since FROM children "
                         "WHERE id BETWEEN ? AND ? AND +status IN (",
                         absl::StrJoin(statuses, ", "), ") ORDER BY id"));
    for (const RowRange& range : ranges) {
      q.Reset();
      q.Bind(1, range.first);
      q.Bind(2, range.last);
      while (q.Step()) {
        RETURN_IF_ERROR(ParseProfileInto(q.Blob(1), child));
        int32_t waiting_since_day = -1;
        if (!q.IsNull(2)) {
          const std::optional<int32_t> day = ParseDayNumber(q.Text(2));
          if (!day.has_value()) {
            return absl::DataLossError(
                absl::StrCat("child row ", q.Int64(0), ": waiting_since"));
          }
          waiting_since_day = *day;
        }
        fn(q.Int64(0), child, waiting_since_day);
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::Status ScanChildren(
    Store& store, int64_t first_row, int64_t last_row,
    std::span<const v1::ChildStatus> statuses,
    absl::FunctionRef<void(int64_t, const v1::Child&, int32_t)> fn) {
  const RowRange range{first_row, last_row};
  return ScanChildrenIn(store, {&range, 1}, statuses, fn);
}

absl::Status ScanChildren(
    Store& store, std::span<const int64_t> rows,
    std::span<const v1::ChildStatus> statuses,
    absl::FunctionRef<void(int64_t, const v1::Child&, int32_t)> fn) {
  return ScanChildrenIn(store, RangesOf(rows), statuses, fn);
}

namespace {

int64_t LastRowIn(SQLite::Database& db, const char* table) {
  return db.execAndGet(absl::StrCat("SELECT COALESCE(MAX(id), 0) FROM ", table))
      .getInt64();
}

absl::StatusOr<int64_t> LastRow(Store& store, const char* table) {
  return store.Read([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    return LastRowIn(db, table);
  });
}

}  // namespace

absl::StatusOr<int64_t> LastChildRow(Store& store) {
  return LastRow(store, "children");
}

absl::StatusOr<int64_t> LastAdopterRow(Store& store) {
  return LastRow(store, "adopters");
}

namespace {

int64_t LastIndexChange(SQLite::Database& db) {
  return db
      .execAndGet(
          "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = "
          "'index_changes'), 0)")
      .getInt64();
}

IndexedRows ReadIndexedRows(SQLite::Database& db) {
  IndexedRows rows;
  SQLite::Statement q(db, "SELECT token, saved_through FROM index_stamp");
  if (q.executeStep()) {
    rows.token = q.getColumn(0).getString();
    rows.saved_through = q.getColumn(1).getInt64();
  }
  rows.last_change = LastIndexChange(db);
  rows.logging_triggers =
      db.execAndGet(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND "
            "name IN ('adopters_insert_logged', 'adopters_update_logged', "
            "'adopters_delete_logged', 'children_insert_logged', "
            "'children_update_logged', 'children_delete_logged', "
            "'milestones_insert_logged', 'milestones_update_logged', "
            "'milestones_delete_logged')")
          .getInt();
  rows.last_adopter_row = LastRowIn(db, "adopters");
  rows.last_child_row = LastRowIn(db, "children");
  return rows;
}

}  // namespace

absl::StatusOr<IndexedRows> ReadIndexedRows(Store& store) {
  return store.Read([](SQLite::Database& db) -> absl::StatusOr<IndexedRows> {
    return ReadIndexedRows(db);
  });
}

absl::StatusOr<IndexedRows> ReadIndexedRows(StoreTx& tx) {
  return ReadIndexedRows(tx.db());
}

int64_t LastIndexChange(StoreTx& tx) { return LastIndexChange(tx.db()); }

absl::Status SetIndexSaved(StoreTx& tx, absl::string_view token,
                           int64_t through) {
  SQLite::Statement q(tx.db(),
                      "UPDATE index_stamp SET token = ?, saved_through = ?");
  q.bind(1, std::string(token));
  q.bind(2, through);
  if (q.exec() != 1) return absl::InternalError("index_stamp has no row");
  SQLite::Statement drop(tx.db(), "DELETE FROM index_changes WHERE id <= ?");
  drop.bind(1, through);
  drop.exec();
  return absl::OkStatus();
}

absl::Status ForgetIndexChanges(StoreTx& tx) {
  tx.db().exec(
      "UPDATE index_stamp SET token = '', saved_through = COALESCE((SELECT "
      "seq FROM sqlite_sequence WHERE name = 'index_changes'), 0)");
  tx.db().exec("DELETE FROM index_changes");
  return absl::OkStatus();
}

absl::StatusOr<ChangedRecords> ReadChangedRecords(Store& store, int64_t after) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<ChangedRecords> {
        ChangedRecords changed;
        SQLite::Statement q(db,
                            "SELECT DISTINCT record_kind, record_row FROM "
                            "index_changes WHERE id > ? ORDER BY 1, 2");
        q.bind(1, after);
        while (q.executeStep()) {
          const int64_t row = q.getColumn(1).getInt64();
          switch (q.getColumn(0).getInt()) {
            case kMilestoneOfChild:
              changed.children.push_back(row);
              break;
            case kMilestoneOfHousehold:
              changed.households.push_back(row);
              break;
            default:
              break;  // no such record
          }
        }
        return changed;
      });
}

namespace {

// The stored profiles of `table`, of one authority (its index by
// authority) or of all, without their dates.
template <typename Record>
absl::Status ScanProfilesOf(
    Store& store, const char* table, absl::string_view authority_id,
    absl::FunctionRef<void(int64_t, const Record&)> fn) {
  return store.ReadAside([&](SQLite::Database& db) -> absl::Status {
    Record record;  // one message, its memory reused row after row
    ScanStatement q(
        db, absl::StrCat("SELECT id, profile FROM ", table,
                         authority_id.empty() ? "" : " WHERE authority_id = ?",
                         " ORDER BY id"));
    if (!authority_id.empty()) q.Bind(1, authority_id);
    while (q.Step()) {
      RETURN_IF_ERROR(ParseProfileInto(q.Blob(1), record));
      fn(q.Int64(0), record);
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::Status ScanChildProfilesOf(
    Store& store, absl::string_view authority_id,
    absl::FunctionRef<void(int64_t, const v1::Child&)> fn) {
  return ScanProfilesOf<v1::Child>(store, "children", authority_id, fn);
}

absl::Status ScanAdopterProfilesOf(
    Store& store, absl::string_view authority_id,
    absl::FunctionRef<void(int64_t, const v1::Adopter&)> fn) {
  return ScanProfilesOf<v1::Adopter>(store, "adopters", authority_id, fn);
}

namespace {

// The households ScanMatchingColumnsOfAdopters gives, in `ranges` (in
// increasing order).
absl::Status ScanMatchingColumnsIn(
    SQLite::Database& db, std::span<const RowRange> ranges,
    absl::FunctionRef<void(int64_t, absl::string_view, const v1::Adopter&)>
        fn) {
  ScanStatement q(
      db, absl::StrCat(
              // The columns BindAdopterColumns writes, in its order.
              "SELECT id, authority_id, ",
              absl::StripSuffix(kAdopterColumns, ", profile"),
              " FROM adopters WHERE id BETWEEN ? AND ? AND status IN (?, ?, "
              "?) ORDER BY id"));
  q.Bind(3, v1::ADOPTER_STATUS_APPROVED);
  q.Bind(4, v1::ADOPTER_STATUS_LINKED);
  q.Bind(5, v1::ADOPTER_STATUS_ON_HOLD);
  v1::Adopter a;
  for (const RowRange& range : ranges) {
    q.Reset();
    q.Bind(1, range.first);
    q.Bind(2, range.last);
    while (q.Step()) {
      a.Clear();
      int c = 2;
      a.set_status(static_cast<v1::AdopterStatus>(q.Int(c++)));
      if (const int day = c++; !q.IsNull(day)) {
        std::optional<std::array<int32_t, 3>> date =
            ParseDateParts(q.Text(day));
        if (!date.has_value()) {
          return absl::DataLossError(
              absl::StrCat("adopter row ", q.Int64(0), ": approved_on"));
        }
        google::type::Date* approved_on = a.mutable_approved_on();
        approved_on->set_year((*date)[0]);
        approved_on->set_month((*date)[1]);
        approved_on->set_day((*date)[2]);
      }
      a.set_approved_for(q.Int(c++));
      a.set_min_age_months(q.Int(c++));
      a.set_max_age_months(q.Int(c++));
      a.set_sex_preference(static_cast<v1::SexPreference>(q.Int(c++)));
      a.set_region(std::string(q.Text(c++)));
      ParseJsonArray(q.Text(c++), *a.mutable_excluded_regions());
      a.set_dual_approved(q.Int(c++) != 0);
      a.set_max_contact(static_cast<v1::ContactPlan>(q.Int(c++)));
      const int64_t heritage = q.Int64(c++);
      for (int h = 0; h < 63; ++h) {
        if (heritage & (int64_t{1} << h))
          a.add_heritage(static_cast<v1::Heritage>(h));
      }
      a.set_religion(static_cast<v1::Religion>(q.Int(c++)));
      ParseJsonArray(q.Text(c++), *a.mutable_languages());
      for (int n = 0; n < static_cast<int>(std::size(kNeedColumns)); ++n) {
        const int level = q.Int(c++);
        if (level == v1::NEED_LEVEL_NONE) continue;
        v1::NeedLimit* limit = a.add_need_limits();
        limit->set_category(static_cast<v1::NeedCategory>(n + 1));
        limit->set_max_level(static_cast<v1::NeedLevel>(level));
      }
      fn(q.Int64(0), q.Text(1), a);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ScanMatchingColumnsOfAdopters(
    Store& store, int64_t first_row, int64_t last_row,
    absl::FunctionRef<void(int64_t, absl::string_view, const v1::Adopter&)>
        fn) {
  return store.ReadAside([&](SQLite::Database& db) -> absl::Status {
    const RowRange range{first_row, last_row};
    return ScanMatchingColumnsIn(db, {&range, 1}, fn);
  });
}

absl::Status ScanMatchingColumnsOfAdopters(
    Store& store, std::span<const int64_t> rows,
    absl::FunctionRef<void(int64_t, absl::string_view, const v1::Adopter&)>
        fn) {
  return store.ReadAside([&](SQLite::Database& db) -> absl::Status {
    return ScanMatchingColumnsIn(db, RangesOf(rows), fn);
  });
}

}  // namespace registry_rows
}  // namespace raa
