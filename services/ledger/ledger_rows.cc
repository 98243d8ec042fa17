#include "services/ledger/ledger_rows.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/check.h"
#include "common/dates.h"
#include "common/names.h"
#include "services/ledger/default_schedules.h"
#include "services/store/sql.h"
#include "services/store/statement_cache.h"

namespace raa {
namespace {

using store_internal::BindBlob;
using store_internal::CachedStatement;
using store_internal::ColumnBytes;
using store_internal::ToTimestamp;

constexpr Migration kMigrations[] = {
    // The inter-agency fee ledger (services/ledger/ledger_rows.h).
    // fee_schedules and ledger_entries are append-only; ledger_balances is
    // the running position of each member (credits - debits), kept in the
    // same transaction as each entry; fee_placements is the ledger's
    // projection of the links it charges or may charge.
    {10, "ledger", R"sql(
CREATE TABLE fee_schedules (
  version INTEGER PRIMARY KEY,
  effective_from TEXT NOT NULL,
  schedule BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TRIGGER fee_schedules_append_only_update
  BEFORE UPDATE ON fee_schedules
  BEGIN SELECT RAISE(ABORT, 'fee schedules are append-only'); END;
CREATE TRIGGER fee_schedules_append_only_delete
  BEFORE DELETE ON fee_schedules
  BEGIN SELECT RAISE(ABORT, 'fee schedules are append-only'); END;

CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type INTEGER NOT NULL,
  debit TEXT NOT NULL REFERENCES authorities(id),
  credit TEXT NOT NULL REFERENCES authorities(id),
  pence INTEGER NOT NULL CHECK (pence > 0),
  value_date TEXT NOT NULL,
  link_id INTEGER NOT NULL DEFAULT 0,
  payment_id INTEGER NOT NULL DEFAULT 0,
  reverses INTEGER NOT NULL DEFAULT 0,
  reference TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  children INTEGER NOT NULL DEFAULT 0,
  schedule_version INTEGER NOT NULL DEFAULT 0,
  month TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL,
  CHECK (debit <> credit)
);
CREATE UNIQUE INDEX ledger_entries_monthly_once
  ON ledger_entries(link_id, month) WHERE type = 2;
CREATE INDEX ledger_entries_by_debit ON ledger_entries(debit, value_date);
CREATE INDEX ledger_entries_by_credit ON ledger_entries(credit, value_date);
CREATE INDEX ledger_entries_by_link ON ledger_entries(link_id);
CREATE TRIGGER ledger_entries_append_only_update
  BEFORE UPDATE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_entries_append_only_delete
  BEFORE DELETE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;

CREATE TABLE ledger_balances (
  authority_id TEXT PRIMARY KEY REFERENCES authorities(id),
  pence INTEGER NOT NULL
);

CREATE TABLE fee_placements (
  link_id INTEGER PRIMARY KEY,
  payer TEXT NOT NULL,
  payee TEXT NOT NULL,
  children INTEGER NOT NULL,
  step INTEGER NOT NULL,
  recommended_on TEXT,
  matched_on TEXT,
  placed_on TEXT,
  order_on TEXT,
  ended_on TEXT
);

CREATE TABLE payments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  payer TEXT NOT NULL REFERENCES authorities(id),
  payee TEXT NOT NULL REFERENCES authorities(id),
  pence INTEGER NOT NULL CHECK (pence > 0),
  paid_on TEXT NOT NULL,
  reference TEXT NOT NULL,
  state INTEGER NOT NULL,
  rejection_reason TEXT NOT NULL DEFAULT '',
  overpayment INTEGER NOT NULL DEFAULT 0,
  entry_id INTEGER NOT NULL DEFAULT 0,
  recorded_by TEXT NOT NULL,
  key_id TEXT NOT NULL,
  record_time INTEGER NOT NULL,
  decided_by TEXT NOT NULL DEFAULT '',
  decide_time INTEGER NOT NULL DEFAULT 0,
  CHECK (payer <> payee)
);
CREATE INDEX payments_by_payer ON payments(payer, id);
CREATE INDEX payments_by_payee ON payments(payee, id);
CREATE INDEX payments_by_state ON payments(state, id);

CREATE TABLE budgets (
  authority_id TEXT NOT NULL REFERENCES authorities(id),
  financial_year INTEGER NOT NULL,
  pence INTEGER NOT NULL CHECK (pence >= 0),
  PRIMARY KEY (authority_id, financial_year)
);
)sql"},
    // A month's fee reversed (the order dated on or before the month's first
    // day) and due again (the order's date corrected): charged again, as
    // its next charge. A MONTHLY_FEE's charge is the number of its month's
    // earlier fees that were reversed, so a second fee while one stands
    // takes the same number and the index refuses it; existing fees are
    // each their month's first charge.
    {18, "monthly_fee_charged_again", R"sql(
ALTER TABLE ledger_entries ADD COLUMN charge INTEGER NOT NULL DEFAULT 0;
DROP INDEX ledger_entries_monthly_once;
CREATE UNIQUE INDEX ledger_entries_monthly_once
  ON ledger_entries(link_id, month, charge) WHERE type = 2;
)sql"},
    // The months the manager has closed (CloseMonth), so that a step that
    // makes a closed month due (a placement recorded late, a date corrected)
    // charges it in that step instead of waiting for the month to be closed
    // again. A database from before knows a month was closed by its monthly
    // fees; a month closed that charged nothing is closed again by hand.
    {19, "months_closed", R"sql(
CREATE TABLE ledger_months_closed (
  month TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT OR IGNORE INTO ledger_months_closed (month)
  SELECT DISTINCT month FROM ledger_entries WHERE type = 2;
)sql"},
};

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::CivilDay DayOf(const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return absl::CivilDay(1970, 1, 1);
  return day;
}

std::optional<absl::CivilDay> OptDay(SQLite::Statement& q, int i) {
  if (q.getColumn(i).isNull()) return std::nullopt;
  return DayOf(q.getColumn(i).getString());
}

void BindOptDay(SQLite::Statement& q, int i,
                const std::optional<absl::CivilDay>& day) {
  if (day.has_value()) {
    q.bind(i, Day(*day));
  } else {
    q.bind(i);
  }
}

void StoreSchedule(SQLite::Database& db, const v1::FeeSchedule& schedule) {
  SQLite::Statement q(db,
                      "INSERT INTO fee_schedules (version, effective_from, "
                      "schedule, create_time, created_by) VALUES "
                      "(?1, ?2, ?3, ?4, ?5)");
  q.bind(1, schedule.version());
  q.bind(2, FormatDate(schedule.effective_from()));
  BindBlob(q, 3, schedule.SerializeAsString());
  q.bind(4, static_cast<int64_t>(
                google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                    schedule.create_time())));
  q.bind(5, schedule.created_by());
  q.exec();
}

// At every open: the shipped schedules, if none is stored.
void ShipSchedules(SQLite::Database& db) {
  SQLite::Statement count(db, "SELECT COUNT(*) FROM fee_schedules");
  count.executeStep();
  if (count.getColumn(0).getInt64() > 0) return;
  SQLite::Transaction transaction(db);
  const int64_t now = absl::ToUnixMicros(absl::Now());
  int64_t version = 0;
  for (v1::FeeSchedule schedule : ledger::DefaultFeeSchedules()) {
    schedule.set_version(++version);
    *schedule.mutable_create_time() = ToTimestamp(now);
    schedule.set_created_by("shipped");
    StoreSchedule(db, schedule);
  }
  transaction.commit();
}

absl::StatusOr<std::vector<v1::FeeSchedule>> ReadSchedules(
    SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT schedule FROM fee_schedules ORDER BY version");
  std::vector<v1::FeeSchedule> out;
  while (q.executeStep()) {
    v1::FeeSchedule s;
    if (!s.ParseFromString(ColumnBytes(q, 0))) {
      return absl::DataLossError("a stored fee schedule cannot be read");
    }
    out.push_back(std::move(s));
  }
  return out;
}

constexpr const char* kEntryColumns =
    "id, type, debit, credit, pence, value_date, link_id, payment_id, "
    "reverses, reference, description, children, schedule_version, month, "
    "recorded_by, key_id, record_time";

v1::Entry EntryOf(SQLite::Statement& q) {
  v1::Entry e;
  e.set_name(LedgerEntryName(q.getColumn(0).getInt64()));
  e.set_type(static_cast<v1::EntryType>(q.getColumn(1).getInt()));
  e.set_debit(AuthorityName(q.getColumn(2).getString()));
  e.set_credit(AuthorityName(q.getColumn(3).getString()));
  *e.mutable_amount() = ledger_rules::ToMoney(q.getColumn(4).getInt64());
  *e.mutable_value_date() = ToDate(DayOf(q.getColumn(5).getString()));
  if (int64_t link = q.getColumn(6).getInt64(); link != 0) {
    e.set_link(LinkName(link));
  }
  if (int64_t payment = q.getColumn(7).getInt64(); payment != 0) {
    e.set_payment(PaymentName(payment));
  }
  if (int64_t reverses = q.getColumn(8).getInt64(); reverses != 0) {
    e.set_reverses(LedgerEntryName(reverses));
  }
  e.set_reference(q.getColumn(9).getString());
  e.set_description(q.getColumn(10).getString());
  e.set_children(q.getColumn(11).getInt());
  e.set_schedule_version(q.getColumn(12).getInt64());
  e.set_month(q.getColumn(13).getString());
  e.set_recorded_by(AuthorityName(q.getColumn(14).getString()));
  e.set_key_id(q.getColumn(15).getString());
  *e.mutable_record_time() = ToTimestamp(q.getColumn(16).getInt64());
  return e;
}

ledger_rules::JournalEntry JournalOf(SQLite::Statement& q) {
  ledger_rules::JournalEntry e;
  e.id = q.getColumn(0).getInt64();
  e.type = static_cast<v1::EntryType>(q.getColumn(1).getInt());
  e.debit = q.getColumn(2).getString();
  e.credit = q.getColumn(3).getString();
  e.amount = q.getColumn(4).getInt64();
  e.value_date = DayOf(q.getColumn(5).getString());
  e.link_id = q.getColumn(6).getInt64();
  e.reverses = q.getColumn(8).getInt64();
  e.month = q.getColumn(13).getString();
  e.schedule_version = q.getColumn(12).getInt64();
  return e;
}

absl::StatusOr<v1::Entry> ReadEntry(SQLite::Database& db, int64_t id) {
  CachedStatement q_kept(db,
                         absl::StrCat("SELECT ", kEntryColumns,
                                      " FROM ledger_entries WHERE id = ?1"));
  SQLite::Statement& q = *q_kept;
  q.bind(1, id);
  if (!q.executeStep()) return absl::NotFoundError("no such entry");
  return EntryOf(q);
}

constexpr const char* kPlacementColumns =
    "link_id, payer, payee, children, step, recommended_on, matched_on, "
    "placed_on, order_on, ended_on";

ledger_rows::PlacementRow PlacementOf(SQLite::Statement& q) {
  ledger_rows::PlacementRow p;
  p.link_id = q.getColumn(0).getInt64();
  p.payer = q.getColumn(1).getString();
  p.payee = q.getColumn(2).getString();
  p.children = q.getColumn(3).getInt();
  p.step = q.getColumn(4).getInt();
  p.recommended_on = OptDay(q, 5);
  p.matched_on = OptDay(q, 6);
  p.placed_on = OptDay(q, 7);
  p.order_on = OptDay(q, 8);
  p.ended_on = OptDay(q, 9);
  return p;
}

constexpr const char* kPaymentColumns =
    "id, payer, payee, pence, paid_on, reference, state, rejection_reason, "
    "overpayment, entry_id, recorded_by, key_id, record_time, decided_by, "
    "decide_time";

ledger_rows::PaymentRow PaymentRowOf(SQLite::Statement& q) {
  ledger_rows::PaymentRow p;
  p.id = q.getColumn(0).getInt64();
  p.payer = q.getColumn(1).getString();
  p.payee = q.getColumn(2).getString();
  p.pence = q.getColumn(3).getInt64();
  p.paid_on = DayOf(q.getColumn(4).getString());
  p.reference = q.getColumn(5).getString();
  p.state = static_cast<v1::PaymentState>(q.getColumn(6).getInt());
  p.rejection_reason = q.getColumn(7).getString();
  p.overpayment = q.getColumn(8).getInt() != 0;
  p.entry_id = q.getColumn(9).getInt64();
  p.recorded_by = q.getColumn(10).getString();
  p.key_id = q.getColumn(11).getString();
  p.record_time = q.getColumn(12).getInt64();
  p.decided_by = q.getColumn(13).getString();
  p.decide_time = q.getColumn(14).getInt64();
  return p;
}

absl::StatusOr<ledger_rows::PaymentRow> ReadPayment(SQLite::Database& db,
                                                    int64_t id) {
  CachedStatement q_kept(db, absl::StrCat("SELECT ", kPaymentColumns,
                                          " FROM payments WHERE id = ?1"));
  SQLite::Statement& q = *q_kept;
  q.bind(1, id);
  if (!q.executeStep()) return absl::NotFoundError("no such payment");
  return PaymentRowOf(q);
}

std::vector<ledger_rows::PaymentRow> ReadPending(SQLite::Database& db) {
  SQLite::Statement q(
      db, absl::StrCat("SELECT ", kPaymentColumns,
                       " FROM payments WHERE state = ?1 ORDER BY id"));
  q.bind(1, static_cast<int>(v1::PAYMENT_STATE_PENDING));
  std::vector<ledger_rows::PaymentRow> out;
  while (q.executeStep()) out.push_back(PaymentRowOf(q));
  return out;
}

int64_t SumOfBalances(SQLite::Database& db) {
  CachedStatement q_kept(db,
                         "SELECT COALESCE(SUM(pence), 0) FROM ledger_balances");
  SQLite::Statement& q = *q_kept;
  q.executeStep();
  return q.getColumn(0).getInt64();
}

void MoveBalance(SQLite::Database& db, const std::string& authority,
                 int64_t delta) {
  SQLite::Statement q(db,
                      "INSERT INTO ledger_balances (authority_id, pence) "
                      "VALUES (?1, ?2) ON CONFLICT (authority_id) DO UPDATE "
                      "SET pence = pence + excluded.pence");
  q.bind(1, authority);
  q.bind(2, delta);
  q.exec();
}

}  // namespace

SchemaPart LedgerSchema() {
  return SchemaPart{.migrations = kMigrations, .after_open = &ShipSchedules};
}

std::string PaymentName(int64_t id) {
  return absl::StrCat("ledger/payments/p", id);
}

absl::StatusOr<int64_t> ParsePaymentName(absl::string_view name,
                                         absl::string_view field) {
  constexpr absl::string_view kPrefix = "ledger/payments/p";
  int64_t id = 0;
  if (!absl::ConsumePrefix(&name, kPrefix) || name.empty() ||
      name.front() == '0' || name.front() == '+' || name.front() == '-' ||
      !absl::SimpleAtoi(name, &id) || id <= 0) {
    return InvalidField(field, "must be ledger/payments/p{n}");
  }
  return id;
}

std::string Pounds(int64_t pence) {
  const bool negative = pence < 0;
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(pence)
                                : static_cast<uint64_t>(pence);
  std::string units = absl::StrCat(abs / 100);
  std::string grouped;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(units[i]);
  }
  return absl::StrFormat("%s£%s.%02d", negative ? "-" : "", grouped,
                         static_cast<int>(abs % 100));
}

namespace ledger_rows {

v1::Payment PaymentOf(const PaymentRow& row) {
  v1::Payment p;
  p.set_name(PaymentName(row.id));
  p.set_payer(AuthorityName(row.payer));
  p.set_payee(AuthorityName(row.payee));
  *p.mutable_amount() = ledger_rules::ToMoney(row.pence);
  *p.mutable_paid_on() = ToDate(row.paid_on);
  p.set_reference(row.reference);
  p.set_state(row.state);
  p.set_rejection_reason(row.rejection_reason);
  p.set_overpayment(row.overpayment);
  if (row.entry_id != 0) p.set_entry(LedgerEntryName(row.entry_id));
  p.set_recorded_by(AuthorityName(row.recorded_by));
  *p.mutable_record_time() = ToTimestamp(row.record_time);
  if (!row.decided_by.empty()) {
    p.set_decided_by(AuthorityName(row.decided_by));
    *p.mutable_decide_time() = ToTimestamp(row.decide_time);
  }
  return p;
}

// ---- Inside a write ----

absl::StatusOr<std::vector<v1::FeeSchedule>> Schedules(StoreTx& tx) {
  return ReadSchedules(tx.db());
}

absl::StatusOr<std::optional<LatestFee>> LatestFeeCharged(StoreTx& tx) {
  SQLite::Statement q(tx.db(),
                      "SELECT value_date, id, link_id FROM ledger_entries "
                      "WHERE type = ?1 ORDER BY value_date DESC, id DESC "
                      "LIMIT 1");
  q.bind(1, static_cast<int>(v1::ENTRY_TYPE_FEE));
  if (!q.executeStep()) return std::nullopt;
  return LatestFee{DayOf(q.getColumn(0).getString()), q.getColumn(1).getInt64(),
                   q.getColumn(2).getInt64()};
}

absl::StatusOr<v1::FeeSchedule> InsertSchedule(StoreTx& tx,
                                               v1::FeeSchedule schedule,
                                               absl::string_view created_by) {
  SQLite::Statement q(tx.db(),
                      "SELECT COALESCE(MAX(version), 0) FROM fee_schedules");
  q.executeStep();
  schedule.set_version(q.getColumn(0).getInt64() + 1);
  *schedule.mutable_create_time() = ToTimestamp(tx.NowMicros());
  schedule.set_created_by(AuthorityName(created_by));
  StoreSchedule(tx.db(), schedule);
  return schedule;
}

absl::StatusOr<std::vector<int64_t>> Post(
    StoreTx& tx, std::span<const ledger_rules::Posting> postings,
    const Recorder& by) {
  ledger_rules::CheckBalanced(postings);
  std::vector<int64_t> ids;
  if (postings.empty()) return ids;
  const int64_t before = SumOfBalances(tx.db());
  const int64_t now = tx.NowMicros();
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO ledger_entries (type, debit, credit, pence, value_date, "
      "link_id, payment_id, reverses, reference, description, children, "
      "schedule_version, month, recorded_by, key_id, record_time, charge) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
      "?15, ?16, CASE WHEN ?1 = 2 THEN (SELECT COUNT(*) FROM ledger_entries "
      "AS fee WHERE type = 2 AND link_id = ?6 AND month = ?13 AND EXISTS "
      "(SELECT 1 FROM ledger_entries WHERE link_id = ?6 AND type = ?17 AND "
      "reverses = fee.id)) ELSE 0 END)");
  for (const ledger_rules::Posting& p : postings) {
    q.reset();
    q.bind(1, static_cast<int>(p.type));
    q.bind(2, p.debit);
    q.bind(3, p.credit);
    q.bind(4, p.amount);
    q.bind(5, Day(p.value_date));
    q.bind(6, p.link_id);
    q.bind(7, p.payment_id);
    q.bind(8, p.reverses);
    q.bind(9, p.reference);
    q.bind(10, p.description);
    q.bind(11, p.children);
    q.bind(12, p.schedule_version);
    q.bind(13, p.month);
    q.bind(14, by.authority_id);
    q.bind(15, by.key_id);
    q.bind(16, now);
    q.bind(17, static_cast<int>(v1::ENTRY_TYPE_REVERSAL));
    q.exec();
    ids.push_back(tx.db().getLastInsertRowid());
    MoveBalance(tx.db(), p.debit, -p.amount);
    MoveBalance(tx.db(), p.credit, p.amount);
  }
  // Debits equal credits: the write moved money between members and made or
  // lost none. (The sum itself is zero unless the table was changed outside
  // the service, which the start-up audit reports.)
  const int64_t after = SumOfBalances(tx.db());
  RAA_CHECK(after == before)
      << "debits equal credits: the positions summed " << before
      << " before the posting and " << after << " after";
  return ids;
}

absl::StatusOr<std::vector<ledger_rules::JournalEntry>> LinkEntries(
    StoreTx& tx, int64_t link_id) {
  SQLite::Statement q(tx.db(),
                      absl::StrCat("SELECT ", kEntryColumns,
                                   " FROM ledger_entries WHERE link_id = ?1 "
                                   "ORDER BY id"));
  q.bind(1, link_id);
  std::vector<ledger_rules::JournalEntry> out;
  while (q.executeStep()) out.push_back(JournalOf(q));
  return out;
}

absl::StatusOr<v1::Entry> GetEntry(StoreTx& tx, int64_t id) {
  return ReadEntry(tx.db(), id);
}

absl::StatusOr<std::optional<PlacementRow>> GetPlacement(StoreTx& tx,
                                                         int64_t link_id) {
  SQLite::Statement q(tx.db(),
                      absl::StrCat("SELECT ", kPlacementColumns,
                                   " FROM fee_placements WHERE link_id = ?1"));
  q.bind(1, link_id);
  if (!q.executeStep()) return std::optional<PlacementRow>();
  return std::optional<PlacementRow>(PlacementOf(q));
}

absl::Status PutPlacement(StoreTx& tx, const PlacementRow& row) {
  SQLite::Statement q(
      tx.db(),
      "INSERT OR REPLACE INTO fee_placements (link_id, payer, payee, "
      "children, step, recommended_on, matched_on, placed_on, order_on, "
      "ended_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  q.bind(1, row.link_id);
  q.bind(2, row.payer);
  q.bind(3, row.payee);
  q.bind(4, row.children);
  q.bind(5, row.step);
  BindOptDay(q, 6, row.recommended_on);
  BindOptDay(q, 7, row.matched_on);
  BindOptDay(q, 8, row.placed_on);
  BindOptDay(q, 9, row.order_on);
  BindOptDay(q, 10, row.ended_on);
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlacementRow>> LivePlacements(StoreTx& tx) {
  SQLite::Statement q(
      tx.db(), absl::StrCat("SELECT ", kPlacementColumns,
                            " FROM fee_placements WHERE placed_on IS NOT "
                            "NULL ORDER BY link_id"));
  std::vector<PlacementRow> out;
  while (q.executeStep()) out.push_back(PlacementOf(q));
  return out;
}

absl::StatusOr<bool> MonthlyFeePosted(StoreTx& tx, int64_t link_id,
                                      absl::string_view month) {
  SQLite::Statement q(tx.db(),
                      "SELECT 1 FROM ledger_entries AS fee WHERE link_id = ?1 "
                      "AND month = ?2 AND type = ?3 AND NOT EXISTS (SELECT 1 "
                      "FROM ledger_entries WHERE link_id = ?1 AND type = ?4 "
                      "AND reverses = fee.id)");
  q.bind(1, link_id);
  q.bind(2, std::string(month));
  q.bind(3, static_cast<int>(v1::ENTRY_TYPE_MONTHLY_FEE));
  q.bind(4, static_cast<int>(v1::ENTRY_TYPE_REVERSAL));
  return q.executeStep();
}

absl::Status MarkMonthClosed(StoreTx& tx, absl::string_view month) {
  SQLite::Statement q(
      tx.db(),
      "INSERT OR IGNORE INTO ledger_months_closed (month) VALUES (?1)");
  q.bind(1, std::string(month));
  q.exec();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<absl::CivilMonth>> MonthsClosedFrom(
    StoreTx& tx, absl::CivilMonth first) {
  SQLite::Statement q(tx.db(),
                      "SELECT month FROM ledger_months_closed WHERE month >= "
                      "?1 ORDER BY month");
  q.bind(1, absl::FormatCivilTime(first));
  std::vector<absl::CivilMonth> out;
  while (q.executeStep()) {
    absl::CivilMonth month;
    if (absl::ParseCivilTime(q.getColumn(0).getString(), &month)) {
      out.push_back(month);
    }
  }
  return out;
}

absl::StatusOr<int64_t> OwedBetween(StoreTx& tx, absl::string_view payer,
                                    absl::string_view payee) {
  SQLite::Statement q(tx.db(),
                      "SELECT COALESCE(SUM(CASE WHEN debit = ?1 THEN pence "
                      "ELSE -pence END), 0) FROM ledger_entries WHERE "
                      "(debit = ?1 AND credit = ?2) OR (debit = ?2 AND "
                      "credit = ?1)");
  q.bind(1, std::string(payer));
  q.bind(2, std::string(payee));
  q.executeStep();
  return q.getColumn(0).getInt64();
}

absl::StatusOr<int64_t> Balance(StoreTx& tx, absl::string_view authority) {
  SQLite::Statement q(
      tx.db(), "SELECT pence FROM ledger_balances WHERE authority_id = ?1");
  q.bind(1, std::string(authority));
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

absl::StatusOr<int64_t> InsertPayment(StoreTx& tx, const PaymentRow& row) {
  SQLite::Statement q(
      tx.db(),
      "INSERT INTO payments (payer, payee, pence, paid_on, reference, state, "
      "overpayment, recorded_by, key_id, record_time) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  q.bind(1, row.payer);
  q.bind(2, row.payee);
  q.bind(3, row.pence);
  q.bind(4, Day(row.paid_on));
  q.bind(5, row.reference);
  q.bind(6, static_cast<int>(v1::PAYMENT_STATE_PENDING));
  q.bind(7, row.overpayment ? 1 : 0);
  q.bind(8, row.recorded_by);
  q.bind(9, row.key_id);
  q.bind(10, tx.NowMicros());
  q.exec();
  return tx.db().getLastInsertRowid();
}

absl::StatusOr<PaymentRow> GetPayment(StoreTx& tx, int64_t id) {
  return ReadPayment(tx.db(), id);
}

absl::Status DecidePayment(StoreTx& tx, int64_t id, v1::PaymentState state,
                           absl::string_view reason, int64_t entry_id,
                           absl::string_view decided_by) {
  SQLite::Statement q(tx.db(),
                      "UPDATE payments SET state = ?2, rejection_reason = ?3, "
                      "entry_id = ?4, decided_by = ?5, decide_time = ?6 "
                      "WHERE id = ?1 AND state = ?7");
  q.bind(1, id);
  q.bind(2, static_cast<int>(state));
  q.bind(3, std::string(reason));
  q.bind(4, entry_id);
  q.bind(5, std::string(decided_by));
  q.bind(6, tx.NowMicros());
  q.bind(7, static_cast<int>(v1::PAYMENT_STATE_PENDING));
  if (q.exec() != 1) {
    return absl::FailedPreconditionError("the payment is no longer pending");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PaymentRow>> PendingPayments(StoreTx& tx) {
  return ReadPending(tx.db());
}

absl::Status PutBudget(StoreTx& tx, absl::string_view authority_id, int year,
                       int64_t pence) {
  SQLite::Statement q(tx.db(),
                      "INSERT INTO budgets (authority_id, financial_year, "
                      "pence) VALUES (?1, ?2, ?3) ON CONFLICT "
                      "(authority_id, financial_year) DO UPDATE SET pence = "
                      "excluded.pence");
  q.bind(1, std::string(authority_id));
  q.bind(2, year);
  q.bind(3, pence);
  q.exec();
  return absl::OkStatus();
}

// ---- Reads ----

absl::StatusOr<std::vector<v1::FeeSchedule>> Schedules(Store& store) {
  return store.Read([](SQLite::Database& db) { return ReadSchedules(db); });
}

absl::StatusOr<v1::Entry> GetEntry(Store& store, int64_t id) {
  return store.Read([&](SQLite::Database& db) { return ReadEntry(db, id); });
}

absl::StatusOr<Page<v1::Entry>> ListEntries(Store& store,
                                            const EntryFilter& filter,
                                            const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<v1::Entry>> {
        std::string sql = absl::StrCat("SELECT ", kEntryColumns,
                                       " FROM ledger_entries WHERE id > ?1");
        if (!filter.authority.empty()) {
          sql += " AND (debit = ?2 OR credit = ?2)";
        }
        if (!filter.counterparty.empty()) {
          sql += " AND (debit = ?3 OR credit = ?3)";
        }
        if (filter.type != v1::ENTRY_TYPE_UNSPECIFIED) sql += " AND type = ?4";
        if (filter.from.has_value()) sql += " AND value_date >= ?5";
        if (filter.to.has_value()) sql += " AND value_date <= ?6";
        if (filter.link_id != 0) sql += " AND link_id = ?7";
        sql += " ORDER BY id LIMIT ?8";
        SQLite::Statement q(db, sql);
        q.bind(1, page.after);
        if (!filter.authority.empty()) q.bind(2, filter.authority);
        if (!filter.counterparty.empty()) q.bind(3, filter.counterparty);
        if (filter.type != v1::ENTRY_TYPE_UNSPECIFIED) {
          q.bind(4, static_cast<int>(filter.type));
        }
        if (filter.from.has_value()) q.bind(5, Day(*filter.from));
        if (filter.to.has_value()) q.bind(6, Day(*filter.to));
        if (filter.link_id != 0) q.bind(7, filter.link_id);
        q.bind(8, page.page_size + 1);
        Page<v1::Entry> out;
        int64_t last = 0;
        while (q.executeStep()) {
          if (static_cast<int>(out.items.size()) == page.page_size) {
            out.next_after = last;
            break;
          }
          last = q.getColumn(0).getInt64();
          out.items.push_back(EntryOf(q));
        }
        return out;
      });
}

absl::StatusOr<std::vector<ledger_rules::JournalEntry>> Journal(
    Store& store, std::optional<absl::CivilDay> to) {
  return store.Read(
      [&](SQLite::Database& db)
          -> absl::StatusOr<std::vector<ledger_rules::JournalEntry>> {
        SQLite::Statement q(
            db, absl::StrCat("SELECT ", kEntryColumns,
                             " FROM ledger_entries WHERE value_date <= ?1 "
                             "ORDER BY id"));
        q.bind(1, to.has_value() ? Day(*to) : std::string("9999-12-31"));
        std::vector<ledger_rules::JournalEntry> out;
        while (q.executeStep()) out.push_back(JournalOf(q));
        return out;
      });
}

absl::StatusOr<std::vector<ledger_rules::JournalEntry>> JournalSums(
    Store& store, absl::CivilDay to) {
  return store.Read(
      [&](SQLite::Database& db)
          -> absl::StatusOr<std::vector<ledger_rules::JournalEntry>> {
        SQLite::Statement q(db,
                            "SELECT type, debit, credit, SUM(pence), "
                            "MAX(value_date) FROM ledger_entries WHERE "
                            "value_date <= ?1 GROUP BY type, debit, credit "
                            "ORDER BY type, debit, credit");
        q.bind(1, Day(to));
        std::vector<ledger_rules::JournalEntry> out;
        while (q.executeStep()) {
          ledger_rules::JournalEntry e;
          e.type = static_cast<v1::EntryType>(q.getColumn(0).getInt());
          e.debit = q.getColumn(1).getString();
          e.credit = q.getColumn(2).getString();
          e.amount = q.getColumn(3).getInt64();
          e.value_date = DayOf(q.getColumn(4).getString());
          out.push_back(std::move(e));
        }
        return out;
      });
}

absl::StatusOr<std::vector<v1::Entry>> EntriesOf(Store& store,
                                                 absl::string_view authority,
                                                 absl::CivilDay from,
                                                 absl::CivilDay to) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<v1::Entry>> {
        SQLite::Statement q(
            db, absl::StrCat("SELECT ", kEntryColumns,
                             " FROM ledger_entries WHERE (debit = ?1 OR "
                             "credit = ?1) AND value_date >= ?2 AND "
                             "value_date <= ?3 ORDER BY value_date, id"));
        q.bind(1, std::string(authority));
        q.bind(2, Day(from));
        q.bind(3, Day(to));
        std::vector<v1::Entry> out;
        while (q.executeStep()) out.push_back(EntryOf(q));
        return out;
      });
}

absl::StatusOr<int64_t> PositionBefore(Store& store,
                                       absl::string_view authority,
                                       absl::CivilDay day) {
  return store.Read([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    CachedStatement q_kept(
        db,
        "SELECT COALESCE(SUM(CASE WHEN credit = ?1 THEN pence ELSE -pence "
        "END), 0) FROM ledger_entries WHERE (debit = ?1 OR credit = ?1) AND "
        "value_date < ?2");
    SQLite::Statement& q = *q_kept;
    q.bind(1, std::string(authority));
    q.bind(2, Day(day));
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

absl::StatusOr<PaymentRow> GetPayment(Store& store, int64_t id) {
  return store.Read([&](SQLite::Database& db) { return ReadPayment(db, id); });
}

absl::StatusOr<Page<PaymentRow>> ListPayments(Store& store,
                                              absl::string_view authority,
                                              v1::PaymentState state,
                                              const PageRequest& page) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<Page<PaymentRow>> {
        std::string sql =
            absl::StrCat("SELECT ", kPaymentColumns,
                         " FROM payments WHERE (?1 = 0 OR id < ?1)");
        if (!authority.empty()) sql += " AND (payer = ?2 OR payee = ?2)";
        if (state != v1::PAYMENT_STATE_UNSPECIFIED) sql += " AND state = ?3";
        sql += " ORDER BY id DESC LIMIT ?4";
        SQLite::Statement q(db, sql);
        q.bind(1, page.after);
        if (!authority.empty()) q.bind(2, std::string(authority));
        if (state != v1::PAYMENT_STATE_UNSPECIFIED) {
          q.bind(3, static_cast<int>(state));
        }
        q.bind(4, page.page_size + 1);
        Page<PaymentRow> out;
        int64_t last = 0;
        while (q.executeStep()) {
          if (static_cast<int>(out.items.size()) == page.page_size) {
            out.next_after = last;
            break;
          }
          last = q.getColumn(0).getInt64();
          out.items.push_back(PaymentRowOf(q));
        }
        return out;
      });
}

absl::StatusOr<std::vector<PaymentRow>> PendingPayments(Store& store) {
  return store.Read(
      [](SQLite::Database& db) -> absl::StatusOr<std::vector<PaymentRow>> {
        return ReadPending(db);
      });
}

absl::StatusOr<std::vector<PlacementRow>> Placements(Store& store) {
  return store.Read(
      [](SQLite::Database& db) -> absl::StatusOr<std::vector<PlacementRow>> {
        SQLite::Statement q(
            db, absl::StrCat("SELECT ", kPlacementColumns,
                             " FROM fee_placements ORDER BY link_id"));
        std::vector<PlacementRow> out;
        while (q.executeStep()) out.push_back(PlacementOf(q));
        return out;
      });
}

absl::StatusOr<std::optional<int64_t>> GetBudget(Store& store,
                                                 absl::string_view authority_id,
                                                 int year) {
  return store.Read(
      [&](SQLite::Database& db) -> absl::StatusOr<std::optional<int64_t>> {
        CachedStatement q_kept(db,
                               "SELECT pence FROM budgets WHERE authority_id = "
                               "?1 AND financial_year = ?2");
        SQLite::Statement& q = *q_kept;
        q.bind(1, std::string(authority_id));
        q.bind(2, year);
        if (!q.executeStep()) return std::optional<int64_t>();
        return std::optional<int64_t>(q.getColumn(0).getInt64());
      });
}

absl::StatusOr<std::optional<std::string>> AuditJournal(Store& store) {
  return store.Read(
      [](SQLite::Database& db) -> absl::StatusOr<std::optional<std::string>> {
        std::map<std::string, int64_t> journal, table;
        SQLite::Statement entries(db,
                                  "SELECT debit, credit, pence FROM "
                                  "ledger_entries");
        while (entries.executeStep()) {
          const int64_t pence = entries.getColumn(2).getInt64();
          journal[entries.getColumn(0).getString()] -= pence;
          journal[entries.getColumn(1).getString()] += pence;
        }
        SQLite::Statement balances(db,
                                   "SELECT authority_id, pence FROM "
                                   "ledger_balances");
        while (balances.executeStep()) {
          table[balances.getColumn(0).getString()] =
              balances.getColumn(1).getInt64();
        }
        std::vector<std::string> wrong;
        int64_t journal_sum = 0, table_sum = 0;
        std::map<std::string, std::pair<int64_t, int64_t>> both;
        for (const auto& [id, p] : journal) both[id].first = p;
        for (const auto& [id, p] : table) both[id].second = p;
        for (const auto& [id, p] : both) {
          journal_sum += p.first;
          table_sum += p.second;
          if (p.first != p.second) {
            wrong.push_back(absl::StrCat(AuthorityName(id), " journal ",
                                         Pounds(p.first), ", balance table ",
                                         Pounds(p.second)));
          }
        }
        if (journal_sum != 0) {
          wrong.push_back(absl::StrCat("the journal sums to ",
                                       Pounds(journal_sum), ", not zero"));
        }
        if (table_sum != 0) {
          wrong.push_back(absl::StrCat("the balance table sums to ",
                                       Pounds(table_sum), ", not zero"));
        }
        if (wrong.empty()) return std::optional<std::string>();
        return std::optional<std::string>(absl::StrJoin(wrong, "; "));
      });
}

}  // namespace ledger_rows
}  // namespace raa
