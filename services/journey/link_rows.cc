#include "services/journey/link_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/auth/rules.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {
namespace {

constexpr Migration kMigrations[] = {
    // A link between a child profile and a household. `step` is the last
    // step recorded and `state` the raa.v1.LinkState; both are projections
    // of link_steps kept in the same transaction. `overridden` lists the
    // matcher constraint ids the pair failed when opened (comma-separated).
    {8, "links", R"sql(
CREATE TABLE links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  child_authority TEXT NOT NULL REFERENCES authorities(id),
  child_row INTEGER NOT NULL,
  adopter_authority TEXT NOT NULL REFERENCES authorities(id),
  adopter_row INTEGER NOT NULL,
  placement_kind INTEGER NOT NULL,
  state INTEGER NOT NULL,
  step INTEGER NOT NULL,
  override_reason TEXT NOT NULL DEFAULT '',
  overridden TEXT NOT NULL DEFAULT '',
  close_reason INTEGER NOT NULL DEFAULT 0,
  close_note TEXT NOT NULL DEFAULT '',
  closed_on TEXT,
  closed_by TEXT NOT NULL DEFAULT '',
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX links_by_child ON links(child_authority, child_row);
CREATE INDEX links_by_adopter ON links(adopter_authority, adopter_row);
CREATE INDEX links_by_state ON links(state, id);

CREATE TABLE link_steps (
  link_id INTEGER NOT NULL REFERENCES links(id),
  step INTEGER NOT NULL,
  date TEXT NOT NULL,
  authority_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL,
  PRIMARY KEY (link_id, step)
);
CREATE TRIGGER link_steps_append_only_update
  BEFORE UPDATE ON link_steps
  BEGIN SELECT RAISE(ABORT, 'link steps are append-only'); END;
CREATE TRIGGER link_steps_append_only_delete
  BEFORE DELETE ON link_steps
  BEGIN SELECT RAISE(ABORT, 'link steps are append-only'); END;

CREATE TABLE step_corrections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  link_id INTEGER NOT NULL REFERENCES links(id),
  step INTEGER NOT NULL,
  old_date TEXT NOT NULL,
  new_date TEXT NOT NULL,
  reason TEXT NOT NULL,
  authority_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL
);
CREATE INDEX step_corrections_by_link ON step_corrections(link_id, step, id);
CREATE TRIGGER step_corrections_append_only_update
  BEFORE UPDATE ON step_corrections
  BEGIN SELECT RAISE(ABORT, 'step corrections are append-only'); END;
CREATE TRIGGER step_corrections_append_only_delete
  BEFORE DELETE ON step_corrections
  BEGIN SELECT RAISE(ABORT, 'step corrections are append-only'); END;

CREATE VIEW link_step_dates AS
  SELECT s.link_id AS link_id, s.step AS step,
         COALESCE((SELECT c.new_date FROM step_corrections c
                   WHERE c.link_id = s.link_id AND c.step = s.step
                   ORDER BY c.id DESC LIMIT 1), s.date) AS date
  FROM link_steps s;
)sql"},
};

}  // namespace

SchemaPart LinkSchema() { return SchemaPart{.migrations = kMigrations}; }

namespace {

using store_internal::CachedStatement;
using store_internal::ToTimestamp;

// The households whose open-link counts this write changed.
struct LinkChanges {
  std::set<int64_t> adopter_rows;
};

constexpr const char* kLinkColumns =
    "id, child_authority, child_row, adopter_authority, adopter_row, "
    "placement_kind, state, step, override_reason, overridden, close_reason, "
    "close_note, closed_on, closed_by, create_time, update_time";

google::type::Date DateOf(const std::string& text) {
  return ParseDate(text).value_or(google::type::Date());
}

LinkRow LinkOf(SQLite::Statement& q) {
  LinkRow row;
  row.id = q.getColumn(0).getInt64();
  row.child_authority = q.getColumn(1).getString();
  row.child_row = q.getColumn(2).getInt64();
  row.adopter_authority = q.getColumn(3).getString();
  row.adopter_row = q.getColumn(4).getInt64();
  v1::Link& l = row.link;
  l.set_name(LinkName(row.id));
  l.set_child(ChildName(row.child_authority, row.child_row));
  l.set_adopter(AdopterName(row.adopter_authority, row.adopter_row));
  l.set_placement_kind(static_cast<v1::PlacementKind>(q.getColumn(5).getInt()));
  l.set_state(static_cast<v1::LinkState>(q.getColumn(6).getInt()));
  l.set_step(static_cast<v1::LinkStep>(q.getColumn(7).getInt()));
  l.set_override_reason(q.getColumn(8).getString());
  const std::string overridden = q.getColumn(9).getString();
  if (!overridden.empty()) {
    for (absl::string_view id : absl::StrSplit(overridden, ',')) {
      l.add_overridden_constraints(std::string(id));
    }
  }
  l.set_close_reason(static_cast<v1::CloseReason>(q.getColumn(10).getInt()));
  l.set_close_note(q.getColumn(11).getString());
  if (!q.getColumn(12).isNull()) {
    *l.mutable_closed_on() = DateOf(q.getColumn(12).getString());
  }
  const std::string closed_by = q.getColumn(13).getString();
  if (!closed_by.empty()) l.set_closed_by(AuthorityName(closed_by));
  *l.mutable_create_time() = ToTimestamp(q.getColumn(14).getInt64());
  *l.mutable_update_time() = ToTimestamp(q.getColumn(15).getInt64());
  return row;
}

// Fills the steps (with their current dates) and the corrections.
void FillHistory(SQLite::Database& db, LinkRow& row) {
  CachedStatement steps_kept(db,
                             "SELECT s.step, s.date, d.date, s.authority_id, "
                             "s.key_id, s.record_time FROM link_steps s JOIN "
                             "link_step_dates d ON d.link_id = s.link_id AND "
                             "d.step = s.step WHERE s.link_id = ?1 ORDER BY "
                             "s.step");
  SQLite::Statement& steps = *steps_kept;
  steps.bind(1, row.id);
  while (steps.executeStep()) {
    v1::LinkStepRecord* r = row.link.add_steps();
    r->set_step(static_cast<v1::LinkStep>(steps.getColumn(0).getInt()));
    const std::string first = steps.getColumn(1).getString();
    const std::string now = steps.getColumn(2).getString();
    *r->mutable_date() = DateOf(now);
    if (first != now) *r->mutable_recorded_date() = DateOf(first);
    r->set_authority(AuthorityName(steps.getColumn(3).getString()));
    r->set_key_id(steps.getColumn(4).getString());
    *r->mutable_record_time() = ToTimestamp(steps.getColumn(5).getInt64());
  }
  CachedStatement fixes_kept(db,
                             "SELECT step, old_date, new_date, reason, "
                             "authority_id, key_id, record_time FROM "
                             "step_corrections WHERE link_id = ?1 ORDER BY id");
  SQLite::Statement& fixes = *fixes_kept;
  fixes.bind(1, row.id);
  while (fixes.executeStep()) {
    v1::StepCorrection* c = row.link.add_corrections();
    c->set_step(static_cast<v1::LinkStep>(fixes.getColumn(0).getInt()));
    *c->mutable_old_date() = DateOf(fixes.getColumn(1).getString());
    *c->mutable_new_date() = DateOf(fixes.getColumn(2).getString());
    c->set_reason(fixes.getColumn(3).getString());
    c->set_authority(AuthorityName(fixes.getColumn(4).getString()));
    c->set_key_id(fixes.getColumn(5).getString());
    *c->mutable_record_time() = ToTimestamp(fixes.getColumn(6).getInt64());
  }
}

absl::StatusOr<LinkRow> ReadLink(SQLite::Database& db, int64_t link_id) {
  CachedStatement q_kept(
      db, absl::StrCat("SELECT ", kLinkColumns, " FROM links WHERE id = ?1"));
  SQLite::Statement& q = *q_kept;
  q.bind(1, link_id);
  if (!q.executeStep()) return absl::NotFoundError("no such link");
  LinkRow row = LinkOf(q);
  FillHistory(db, row);
  return row;
}

absl::StatusOr<std::vector<link_rules::LinkSummary>> Summaries(
    SQLite::Database& db, const char* side, absl::string_view authority_id,
    int64_t row) {
  CachedStatement q_kept(
      db, absl::StrCat("SELECT id, state, step FROM links WHERE ", side,
                       "_authority = ?1 AND ", side, "_row = ?2 ORDER BY id"));
  SQLite::Statement& q = *q_kept;
  q.bind(1, std::string(authority_id));
  q.bind(2, row);
  std::vector<link_rules::LinkSummary> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(),
                   static_cast<v1::LinkState>(q.getColumn(1).getInt()),
                   static_cast<v1::LinkStep>(q.getColumn(2).getInt())});
  }
  return out;
}

template <typename Source>
absl::StatusOr<bool> ChildSeenBy(Source& source, const Caller& caller,
                                 absl::string_view child_authority,
                                 int64_t child_row) {
  absl::StatusOr<v1::Child> child =
      registry_rows::GetChild(source, child_authority, child_row);
  if (absl::IsNotFound(child.status())) return false;
  RETURN_IF_ERROR(child.status());
  return IsVisibleTo(caller, child_authority, *child);
}

// Marks the household of `link_id` for TellLinkChanges.
void NoteHousehold(StoreTx& tx, int64_t link_id) {
  SQLite::Statement q(tx.db(), "SELECT adopter_row FROM links WHERE id = ?1");
  q.bind(1, link_id);
  if (q.executeStep()) {
    tx.State<LinkChanges>().adopter_rows.insert(q.getColumn(0).getInt64());
  }
}

}  // namespace

link_rules::LinkFacts FactsOf(const v1::Link& link) {
  link_rules::LinkFacts facts;
  facts.state = link.state();
  facts.placement_kind = link.placement_kind();
  for (const v1::LinkStepRecord& s : link.steps()) {
    if (std::optional<absl::CivilDay> d = ToCivilDay(s.date())) {
      facts.steps.push_back({s.step(), *d});
    }
  }
  if (link.has_closed_on()) facts.closed_on = ToCivilDay(link.closed_on());
  return facts;
}

absl::Status TellLinkChanges(StoreTx& tx, LinkObserver& observer) {
  const LinkChanges* changes = tx.FindState<LinkChanges>();
  if (changes == nullptr) return absl::OkStatus();
  return store_internal::Guard([&]() -> absl::Status {
    SQLite::Statement q(tx.db(),
                        "SELECT COUNT(*) FROM links WHERE adopter_row = ?1 "
                        "AND state = ?2");
    for (int64_t row : changes->adopter_rows) {
      q.reset();
      q.bind(1, row);
      q.bind(2, static_cast<int>(v1::LINK_STATE_OPEN));
      q.executeStep();
      observer.OnOpenLinksChanged(row, q.getColumn(0).getInt());
    }
    return absl::OkStatus();
  });
}

namespace link_rows {

absl::StatusOr<int64_t> InsertLink(StoreTx& tx, const NewLink& link) {
  const int64_t now = tx.NowMicros();
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO links (child_authority, child_row, adopter_authority, "
      "adopter_row, placement_kind, state, step, override_reason, "
      "overridden, create_time, update_time) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
  q.bind(1, link.child_authority);
  q.bind(2, link.child_row);
  q.bind(3, link.adopter_authority);
  q.bind(4, link.adopter_row);
  q.bind(5, static_cast<int>(link.placement_kind));
  q.bind(6, static_cast<int>(v1::LINK_STATE_OPEN));
  q.bind(7, static_cast<int>(v1::LINK_STEP_OPENED));
  q.bind(8, link.override_reason);
  q.bind(9, absl::StrJoin(link.overridden, ","));
  q.bind(10, now);
  q.exec();
  const int64_t id = tx.db().getLastInsertRowid();
  SQLite::Statement step(tx.db(),
                         "INSERT INTO link_steps (link_id, step, date, "
                         "authority_id, key_id, record_time) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6)");
  step.bind(1, id);
  step.bind(2, static_cast<int>(v1::LINK_STEP_OPENED));
  step.bind(3, link.opened_on);
  step.bind(4, link.authority_id);
  step.bind(5, link.key_id);
  step.bind(6, now);
  step.exec();
  tx.State<LinkChanges>().adopter_rows.insert(link.adopter_row);
  return id;
}

absl::Status AppendStep(StoreTx& tx, int64_t link_id, v1::LinkStep step,
                        absl::string_view date, absl::string_view authority_id,
                        absl::string_view key_id) {
  const int64_t now = tx.NowMicros();
  SQLite::Statement q(tx.db(),
                      "INSERT INTO link_steps (link_id, step, date, "
                      "authority_id, key_id, record_time) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6)");
  q.bind(1, link_id);
  q.bind(2, static_cast<int>(step));
  q.bind(3, std::string(date));
  q.bind(4, std::string(authority_id));
  q.bind(5, std::string(key_id));
  q.bind(6, now);
  q.exec();
  const v1::LinkState state = step == v1::LINK_STEP_ORDER_GRANTED
                                  ? v1::LINK_STATE_ADOPTED
                                  : v1::LINK_STATE_OPEN;
  SQLite::Statement u(tx.db(),
                      "UPDATE links SET step = ?2, state = ?3, update_time = "
                      "?4 WHERE id = ?1");
  u.bind(1, link_id);
  u.bind(2, static_cast<int>(step));
  u.bind(3, static_cast<int>(state));
  u.bind(4, now);
  if (u.exec() != 1) return absl::NotFoundError("no such link");
  if (state != v1::LINK_STATE_OPEN) NoteHousehold(tx, link_id);
  return absl::OkStatus();
}

absl::Status AppendCorrection(StoreTx& tx, int64_t link_id, v1::LinkStep step,
                              absl::string_view old_date,
                              absl::string_view new_date,
                              absl::string_view reason,
                              absl::string_view authority_id,
                              absl::string_view key_id) {
  const int64_t now = tx.NowMicros();
  SQLite::Statement q(tx.db(),
                      "INSERT INTO step_corrections (link_id, step, old_date, "
                      "new_date, reason, authority_id, key_id, record_time) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  q.bind(1, link_id);
  q.bind(2, static_cast<int>(step));
  q.bind(3, std::string(old_date));
  q.bind(4, std::string(new_date));
  q.bind(5, std::string(reason));
  q.bind(6, std::string(authority_id));
  q.bind(7, std::string(key_id));
  q.bind(8, now);
  q.exec();
  SQLite::Statement u(tx.db(),
                      "UPDATE links SET update_time = ?2 WHERE id = ?1");
  u.bind(1, link_id);
  u.bind(2, now);
  u.exec();
  return absl::OkStatus();
}

absl::Status CloseLink(StoreTx& tx, int64_t link_id, v1::CloseReason reason,
                       absl::string_view note, absl::string_view closed_on,
                       absl::string_view closed_by) {
  SQLite::Statement u(tx.db(),
                      "UPDATE links SET state = ?2, close_reason = ?3, "
                      "close_note = ?4, closed_on = ?5, closed_by = ?6, "
                      "update_time = ?7 WHERE id = ?1 AND state = ?8");
  u.bind(1, link_id);
  u.bind(2, static_cast<int>(v1::LINK_STATE_CLOSED));
  u.bind(3, static_cast<int>(reason));
  u.bind(4, std::string(note));
  u.bind(5, std::string(closed_on));
  u.bind(6, std::string(closed_by));
  u.bind(7, tx.NowMicros());
  u.bind(8, static_cast<int>(v1::LINK_STATE_OPEN));
  if (u.exec() != 1) {
    return absl::FailedPreconditionError("the link is not open");
  }
  NoteHousehold(tx, link_id);
  return absl::OkStatus();
}

absl::StatusOr<bool> SeenBy(StoreTx& tx, const Caller& caller,
                            absl::string_view child_authority,
                            int64_t child_row) {
  return ChildSeenBy(tx, caller, child_authority, child_row);
}

absl::StatusOr<bool> SeenBy(Store& store, const Caller& caller,
                            absl::string_view child_authority,
                            int64_t child_row) {
  return ChildSeenBy(store, caller, child_authority, child_row);
}

absl::StatusOr<LinkRow> GetLink(StoreTx& tx, int64_t link_id) {
  return ReadLink(tx.db(), link_id);
}

absl::StatusOr<std::vector<link_rules::LinkSummary>> ChildLinks(
    StoreTx& tx, absl::string_view authority_id, int64_t row) {
  return Summaries(tx.db(), "child", authority_id, row);
}

absl::StatusOr<std::vector<link_rules::LinkSummary>> AdopterLinks(
    StoreTx& tx, absl::string_view authority_id, int64_t row) {
  return Summaries(tx.db(), "adopter", authority_id, row);
}

absl::StatusOr<Registry::OpenLinks> OpenLinksOfRecord(
    StoreTx& tx, const Caller& caller, RecordKind kind,
    absl::string_view authority_id, int64_t row) {
  const char* side = kind == RecordKind::kChild ? "child" : "adopter";
  SQLite::Statement q(
      tx.db(), absl::StrCat("SELECT id, child_authority, child_row FROM links "
                            "WHERE ",
                            side, "_authority = ?1 AND ", side,
                            "_row = ?2 AND state = ?3 ORDER BY id"));
  q.bind(1, std::string(authority_id));
  q.bind(2, row);
  q.bind(3, static_cast<int>(v1::LINK_STATE_OPEN));
  Registry::OpenLinks open;
  while (q.executeStep()) {
    ASSIGN_OR_RETURN(bool seen, SeenBy(tx, caller, q.getColumn(1).getString(),
                                       q.getColumn(2).getInt64()));
    if (seen) {
      open.seen.push_back(q.getColumn(0).getInt64());
    } else {
      ++open.hidden;
    }
  }
  return open;
}

namespace {

// Every link of a record, oldest first, named when `caller` may see its
// child profile.
absl::StatusOr<std::vector<link_rules::RecordLink>> LinksOfRecord(
    StoreTx& tx, const Caller& caller, RecordKind kind,
    absl::string_view authority_id, int64_t row) {
  const char* side = kind == RecordKind::kChild ? "child" : "adopter";
  std::vector<int64_t> ids;
  {
    SQLite::Statement q(tx.db(), absl::StrCat("SELECT id FROM links WHERE ",
                                              side, "_authority = ?1 AND ",
                                              side, "_row = ?2 ORDER BY id"));
    q.bind(1, std::string(authority_id));
    q.bind(2, row);
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  }
  std::vector<link_rules::RecordLink> out;
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(LinkRow link, ReadLink(tx.db(), id));
    ASSIGN_OR_RETURN(bool seen,
                     SeenBy(tx, caller, link.child_authority, link.child_row));
    out.push_back(
        {FactsOf(link.link), seen ? link.link.name() : std::string()});
  }
  return out;
}

// `after` if it differs from `before` (a cleared date checks nothing).
std::optional<absl::CivilDay> Changed(const google::type::Date& before,
                                      const google::type::Date& after) {
  std::optional<absl::CivilDay> was = ToCivilDay(before);
  std::optional<absl::CivilDay> now = ToCivilDay(after);
  return now == was ? std::nullopt : now;
}

}  // namespace

absl::Status ChildDatesFit(StoreTx& tx, const Caller& caller,
                           absl::string_view authority_id, int64_t row,
                           const v1::Child& before, const v1::Child& after,
                           const link_rules::RecordDateFields& fields) {
  link_rules::RecordDates changed;
  changed.entered_care =
      Changed(before.journey().entered_care(), after.journey().entered_care());
  changed.placement_order = Changed(before.journey().placement_order(),
                                    after.journey().placement_order());
  if (!changed.entered_care && !changed.placement_order) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(
      std::vector<link_rules::RecordLink> links,
      LinksOfRecord(tx, caller, RecordKind::kChild, authority_id, row));
  return link_rules::CheckRecordDates(changed, links, fields);
}

absl::Status HouseholdDatesFit(StoreTx& tx, const Caller& caller,
                               absl::string_view authority_id, int64_t row,
                               const v1::Adopter& before,
                               const v1::Adopter& after,
                               const link_rules::RecordDateFields& fields) {
  link_rules::RecordDates changed;
  changed.approved_on = Changed(before.approved_on(), after.approved_on());
  if (!changed.approved_on) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      std::vector<link_rules::RecordLink> links,
      LinksOfRecord(tx, caller, RecordKind::kAdopter, authority_id, row));
  return link_rules::CheckRecordDates(changed, links, fields);
}

absl::StatusOr<int64_t> OpenLinkOfPair(StoreTx& tx,
                                       absl::string_view child_authority,
                                       int64_t child_row,
                                       absl::string_view adopter_authority,
                                       int64_t adopter_row) {
  SQLite::Statement q(tx.db(),
                      "SELECT id FROM links WHERE child_authority = ?1 AND "
                      "child_row = ?2 AND adopter_authority = ?3 AND "
                      "adopter_row = ?4 AND state = ?5 LIMIT 1");
  q.bind(1, std::string(child_authority));
  q.bind(2, child_row);
  q.bind(3, std::string(adopter_authority));
  q.bind(4, adopter_row);
  q.bind(5, static_cast<int>(v1::LINK_STATE_OPEN));
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

absl::StatusOr<LinkRow> GetLink(Store& store, int64_t link_id) {
  return store.Read(
      [&](SQLite::Database& db) { return ReadLink(db, link_id); });
}

absl::StatusOr<Page<LinkRow>> ListLinks(Store& store, const LinkFilter& f,
                                        const PageRequest& page) {
  return store.Read([&](SQLite::Database& db) -> absl::StatusOr<Page<LinkRow>> {
    std::string sql =
        absl::StrCat("SELECT ", kLinkColumns, " FROM links WHERE 1");
    if (page.after > 0) sql += " AND id < ?1";
    if (f.child_row > 0) sql += " AND child_authority = ?2 AND child_row = ?3";
    if (f.adopter_row > 0) {
      sql += " AND adopter_authority = ?4 AND adopter_row = ?5";
    }
    if (!f.authority_id.empty()) {
      sql += " AND (child_authority = ?6 OR adopter_authority = ?6)";
    }
    if (f.state != v1::LINK_STATE_UNSPECIFIED) sql += " AND state = ?7";
    sql += " ORDER BY id DESC LIMIT ?8";
    SQLite::Statement q(db, sql);
    if (page.after > 0) q.bind(1, page.after);
    if (f.child_row > 0) {
      q.bind(2, f.child_authority);
      q.bind(3, f.child_row);
    }
    if (f.adopter_row > 0) {
      q.bind(4, f.adopter_authority);
      q.bind(5, f.adopter_row);
    }
    if (!f.authority_id.empty()) q.bind(6, f.authority_id);
    if (f.state != v1::LINK_STATE_UNSPECIFIED) {
      q.bind(7, static_cast<int>(f.state));
    }
    q.bind(8, page.page_size + 1);
    Page<LinkRow> out;
    while (q.executeStep()) out.items.push_back(LinkOf(q));
    if (static_cast<int>(out.items.size()) > page.page_size) {
      out.items.pop_back();
      out.next_after = out.items.back().id;
    }
    for (LinkRow& row : out.items) FillHistory(db, row);
    return out;
  });
}

absl::StatusOr<int> CountOpenLinksOf(Store& store,
                                     absl::string_view authority_id) {
  return store.Read([&](SQLite::Database& db) -> absl::StatusOr<int> {
    SQLite::Statement q(db,
                        "SELECT COUNT(*) FROM links WHERE state = ?1 AND "
                        "(child_authority = ?2 OR adopter_authority = ?2)");
    q.bind(1, static_cast<int>(v1::LINK_STATE_OPEN));
    q.bind(2, std::string(authority_id));
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

absl::Status ScanOpenLinkCounts(
    Store& store, absl::FunctionRef<void(int64_t adopter_row, int count)> fn) {
  return store.Read([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement q(db,
                        "SELECT adopter_row, COUNT(*) FROM links WHERE state "
                        "= ?1 GROUP BY adopter_row");
    q.bind(1, static_cast<int>(v1::LINK_STATE_OPEN));
    while (q.executeStep()) {
      fn(q.getColumn(0).getInt64(), q.getColumn(1).getInt());
    }
    return absl::OkStatus();
  });
}

Registry::LinkQueries RegistryQueries(Store& store) {
  return {
      .count_open_of_member =
          [&store](absl::string_view authority_id) {
            return CountOpenLinksOf(store, authority_id);
          },
      .open_of_record = &OpenLinksOfRecord,
      .link_visible = [&store](const Caller& caller,
                               int64_t link_id) -> absl::StatusOr<bool> {
        absl::StatusOr<LinkRow> link = GetLink(store, link_id);
        if (absl::IsNotFound(link.status())) return false;
        RETURN_IF_ERROR(link.status());
        return SeenBy(store, caller, link->child_authority, link->child_row);
      },
      .child_dates_fit =
          [](StoreTx& tx, const Caller& caller, absl::string_view authority_id,
             int64_t row, const v1::Child& before, const v1::Child& after) {
            return ChildDatesFit(
                tx, caller, authority_id, row, before, after,
                {.entered_care = "child.journey.entered_care",
                 .placement_order = "child.journey.placement_order"});
          },
      .household_dates_fit =
          [](StoreTx& tx, const Caller& caller, absl::string_view authority_id,
             int64_t row, const v1::Adopter& before, const v1::Adopter& after) {
            return HouseholdDatesFit(tx, caller, authority_id, row, before,
                                     after,
                                     {.approved_on = "adopter.approved_on"});
          }};
}

}  // namespace link_rows
}  // namespace raa
