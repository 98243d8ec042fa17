// The fee ledger's rows in the store (migration 10): the fee schedules
// (append-only), the journal (ledger_entries: INSERT-only, triggers refuse
// UPDATE and DELETE), each member's running position (ledger_balances, kept
// in the same transaction as every entry), the placements the ledger charges
// or may charge (fee_placements: a projection the journey keeps through
// fee_accrual.h), payments and budgets.
//
//   ASSIGN_OR_RETURN(std::vector<int64_t> ids,
//                    ledger_rows::Post(tx, postings, {caller.authority_id,
//                                                     caller.key_id}));
//   ASSIGN_OR_RETURN(v1::Entry entry, ledger_rows::GetEntry(store, ids[0]));
//
// Post is the only way into the journal: it RAA_CHECKs that each posting
// balances (ledger_rules::CheckBalanced), inserts the entries, moves both
// members' positions, and RAA_CHECKs that the write left the sum of all
// positions unchanged ("debits equal credits"). AuditJournal recomputes
// every position from the journal (the server's start-up audit).
//
// The functions taking a StoreTx run inside Store::Write; those taking a
// Store read on the read connection. Reads are NOT_FOUND when the row is
// missing. Thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_LEDGER_LEDGER_ROWS_H_
#define RAAMATCH_SERVICES_LEDGER_LEDGER_ROWS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/ledger.pb.h"
#include "services/ledger/ledger_rules.h"
#include "services/store/store.h"

namespace raa {

// Migration 10: fee_schedules, ledger_entries, ledger_balances,
// fee_placements, payments and budgets; at every open, the shipped fee
// schedules (DefaultFeeSchedules) are stored if there are none.
SchemaPart LedgerSchema();

// "ledger/payments/p{n}" and back (INVALID_ARGUMENT naming `field`).
std::string PaymentName(int64_t id);
absl::StatusOr<int64_t> ParsePaymentName(absl::string_view name,
                                         absl::string_view field);

namespace ledger_rows {

// Who posts: the caller's authority id and key id ("shipped"/"" for the
// service itself).
struct Recorder {
  std::string authority_id;
  std::string key_id;
};

// A placement the ledger follows (fee_placements).
struct PlacementRow {
  int64_t link_id = 0;
  std::string payer;  // the child's authority
  std::string payee;  // the household's approving agency
  int children = 1;
  int step = 0;  // v1::LinkStep, the last one told
  std::optional<absl::CivilDay> recommended_on, matched_on, placed_on, order_on,
      ended_on;
};

struct PaymentRow {
  int64_t id = 0;
  std::string payer, payee;
  int64_t pence = 0;
  absl::CivilDay paid_on;
  std::string reference;
  v1::PaymentState state = v1::PAYMENT_STATE_PENDING;
  std::string rejection_reason;
  bool overpayment = false;
  int64_t entry_id = 0;
  std::string recorded_by, key_id;
  int64_t record_time = 0;
  std::string decided_by;
  int64_t decide_time = 0;
};

// The API message of a payment.
v1::Payment PaymentOf(const PaymentRow& row);

// Entry filters; unset members do not filter. `authority`: entries it is a
// side of; `counterparty`: with this other side.
struct EntryFilter {
  std::string authority;
  std::string counterparty;
  v1::EntryType type = v1::ENTRY_TYPE_UNSPECIFIED;
  std::optional<absl::CivilDay> from, to;
  int64_t link_id = 0;
};

// ---- Inside a write ----

// Every fee schedule, oldest first.
absl::StatusOr<std::vector<v1::FeeSchedule>> Schedules(StoreTx& tx);
// The fee with the latest value date (its placement date) among the fees
// charged (ENTRY_TYPE_FEE; a monthly fee is priced by its placement's
// schedule, so it is the placement's date that counts); none if no fee was
// ever charged. A new schedule starts after it: a fee charged is never
// re-priced, and no placement is priced two ways.
struct LatestFee {
  absl::CivilDay placed_on;
  int64_t entry_id = 0;
  int64_t link_id = 0;
};
absl::StatusOr<std::optional<LatestFee>> LatestFeeCharged(StoreTx& tx);
// Stores `schedule` as the next version, with create_time and created_by
// filled; returns it as stored.
absl::StatusOr<v1::FeeSchedule> InsertSchedule(StoreTx& tx,
                                               v1::FeeSchedule schedule,
                                               absl::string_view created_by);

// Posts `postings` (see above); returns the new entries' ids, in order.
absl::StatusOr<std::vector<int64_t>> Post(
    StoreTx& tx, std::span<const ledger_rules::Posting> postings,
    const Recorder& by);
// The journal entries of a link (fees, monthly fees, their reversals).
absl::StatusOr<std::vector<ledger_rules::JournalEntry>> LinkEntries(
    StoreTx& tx, int64_t link_id);
absl::StatusOr<v1::Entry> GetEntry(StoreTx& tx, int64_t id);

absl::StatusOr<std::optional<PlacementRow>> GetPlacement(StoreTx& tx,
                                                         int64_t link_id);
absl::Status PutPlacement(StoreTx& tx, const PlacementRow& row);
// Every placement that was placed and has not ended (the month-end run).
absl::StatusOr<std::vector<PlacementRow>> LivePlacements(StoreTx& tx);
// Whether the monthly fee of `link_id` for `month` (YYYY-MM) was posted and
// not reversed since (a month no longer due, then due again, is charged
// again).
absl::StatusOr<bool> MonthlyFeePosted(StoreTx& tx, int64_t link_id,
                                      absl::string_view month);

// Records `month` (YYYY-MM) as closed by the manager's month-end run.
absl::Status MarkMonthClosed(StoreTx& tx, absl::string_view month);
// The months closed (MarkMonthClosed) from `first` on, oldest first.
absl::StatusOr<std::vector<absl::CivilMonth>> MonthsClosedFrom(
    StoreTx& tx, absl::CivilMonth first);

// What `payer` owes `payee` net in the whole journal (negative: what
// `payee` owes `payer`).
absl::StatusOr<int64_t> OwedBetween(StoreTx& tx, absl::string_view payer,
                                    absl::string_view payee);
// `authority`'s running position (ledger_balances; 0 if it has none).
absl::StatusOr<int64_t> Balance(StoreTx& tx, absl::string_view authority);
absl::StatusOr<int64_t> InsertPayment(StoreTx& tx, const PaymentRow& row);
absl::StatusOr<PaymentRow> GetPayment(StoreTx& tx, int64_t id);
// Sets the payment's state, reason, entry and who decided, now.
absl::Status DecidePayment(StoreTx& tx, int64_t id, v1::PaymentState state,
                           absl::string_view reason, int64_t entry_id,
                           absl::string_view decided_by);

absl::Status PutBudget(StoreTx& tx, absl::string_view authority_id, int year,
                       int64_t pence);

// ---- Reads ----

absl::StatusOr<std::vector<v1::FeeSchedule>> Schedules(Store& store);
absl::StatusOr<v1::Entry> GetEntry(Store& store, int64_t id);
// Oldest first: `page.after` is the largest id of the previous page.
absl::StatusOr<Page<v1::Entry>> ListEntries(Store& store,
                                            const EntryFilter& filter,
                                            const PageRequest& page);
// The journal as the rules read it, with value_date up to `to` (all if
// unset), by id.
absl::StatusOr<std::vector<ledger_rules::JournalEntry>> Journal(
    Store& store, std::optional<absl::CivilDay> to = std::nullopt);
// The journal up to `to`, summed: one JournalEntry per (type, debit,
// credit) with the total amount and the latest value date (id 0). Positions,
// debts and totals come out as from Journal, from a few hundred rows.
absl::StatusOr<std::vector<ledger_rules::JournalEntry>> JournalSums(
    Store& store, absl::CivilDay to);
// Entries a member is a side of with value dates in [from, to], by value
// date then id.
absl::StatusOr<std::vector<v1::Entry>> EntriesOf(Store& store,
                                                 absl::string_view authority,
                                                 absl::CivilDay from,
                                                 absl::CivilDay to);
// A member's position from entries with value_date before `day`.
absl::StatusOr<int64_t> PositionBefore(Store& store,
                                       absl::string_view authority,
                                       absl::CivilDay day);

absl::StatusOr<PaymentRow> GetPayment(Store& store, int64_t id);
// Newest first: `page.after` is the smallest id of the previous page.
// `authority` (empty: all) pays or is paid; state UNSPECIFIED: any.
absl::StatusOr<Page<PaymentRow>> ListPayments(Store& store,
                                              absl::string_view authority,
                                              v1::PaymentState state,
                                              const PageRequest& page);
absl::StatusOr<std::vector<PaymentRow>> PendingPayments(Store& store);
absl::StatusOr<std::vector<PaymentRow>> PendingPayments(StoreTx& tx);

absl::StatusOr<std::vector<PlacementRow>> Placements(Store& store);
absl::StatusOr<std::optional<int64_t>> GetBudget(Store& store,
                                                 absl::string_view authority_id,
                                                 int year);

// The start-up audit: every position recomputed from the journal against
// ledger_balances, and their sum. nullopt if they agree; else one line
// saying where they differ ("authorities/leeds journal -£1,200.00, balance
// table -£1,000.00").
absl::StatusOr<std::optional<std::string>> AuditJournal(Store& store);

}  // namespace ledger_rows

// £1,234.56 / -£1,200.00, for messages.
std::string Pounds(int64_t pence);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_LEDGER_LEDGER_ROWS_H_
