// The rules of the inter-agency fee ledger, as pure functions: no gRPC
// calls, no SQL (as matcher/ and link_rules.h). The ledger (ledger.h) and its
// rows only carry them out; tests drive them directly
// (tests/ledger/ledger_rules_test.cc).
//
//   std::vector<v1::FeeSchedule> schedules = ...;  // oldest first
//   ASSIGN_OR_RETURN(ledger_rules::FeeQuote fee,
//                    ledger_rules::PlacementFee(schedules, placed_on, payee,
//                                               /*children=*/2));
//   std::vector<ledger_rules::Posting> post =
//       ledger_rules::PostingsForPlacement(placement, existing, schedules);
//   ledger_rules::CheckBalanced(post);  // RAA_CHECK: every posting balances
//
// What they decide:
//  - which schedule prices a placement (the latest effective_from not after
//    the date the child moved in) and the fee: the rate of the approving
//    agency's kind (LA and RAA share one; VAA its own) for the number of
//    children placed together (5 or more: the fifth amount), plus London
//    weighting, rounded half up to the penny; or the consortium rate when
//    the schedule has one (no weighting);
//  - what to post when a placement is recorded, its date corrected, or it
//    ends before the adoption order, given what the journal already holds
//    for the link: exactly one live fee per placed link, whatever is
//    replayed;
//  - when a monthly fee is due for a month;
//  - positions, who owes whom, the settlement plan (at most members - 1
//    payments), statements' running balances, financial years, budget
//    warnings.
// Amounts are int64 pence throughout. Pure and thread-safe.
#ifndef RAAMATCH_SERVICES_LEDGER_LEDGER_RULES_H_
#define RAAMATCH_SERVICES_LEDGER_LEDGER_RULES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "google/type/money.pb.h"
#include "raa/v1/common.pb.h"
#include "raa/v1/ledger.pb.h"

namespace raa::ledger_rules {

using Pence = int64_t;

// ---- money on the wire ----

// GBP in whole pence: units = pence / 100, nanos = (pence % 100) * 10^7,
// with the same sign.
google::type::Money ToMoney(Pence pence);
// The pence of `money`, or a field error on `field` (errors.Add) when the
// currency is not GBP (empty reads as GBP), nanos is not a whole number of
// pence or out of range, units and nanos have different signs, or the
// amount is beyond +-10^12 pence. Returns 0 on error.
Pence FromMoney(const google::type::Money& money, absl::string_view field,
                FieldErrors& errors);

// ---- fee schedules ----

// The field errors of a schedule being added (`field` the prefix, e.g.
// "schedule"), given the latest one (null if none): effective_from a real
// date not before the latest's; both kinds' rates, 5 non-decreasing
// amounts each, none negative; percents 0-100; monthly_fee_after_months
// 1-60; source 1-2000 characters; consortium_rate, if set, complete.
void ValidateSchedule(const v1::FeeSchedule& schedule,
                      const v1::FeeSchedule* latest, absl::string_view field,
                      FieldErrors& errors);

// The schedule in force on `day` in `schedules` (oldest first, as stored):
// the latest effective_from not after it; null if none.
const v1::FeeSchedule* ScheduleFor(std::span<const v1::FeeSchedule> schedules,
                                   absl::CivilDay day);

// The approving agency, as the fee needs it.
struct Agency {
  v1::AuthorityKind kind = v1::AUTHORITY_KIND_UNSPECIFIED;
  bool london = false;
};

struct FeeQuote {
  Pence amount = 0;
  int64_t schedule_version = 0;
  // How it was priced, for the entry's description: "VAA rate for 2
  // children from the schedule of 2025-04-01 (v2), +10% London weighting".
  std::string description;
};

// The fee for placing `children` (1 or more) together with a household of
// `payee` on `placed_on`. FAILED_PRECONDITION if no schedule is in force
// then.
absl::StatusOr<FeeQuote> PlacementFee(
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay placed_on,
    const Agency& payee, int children);
// The monthly fee of such a placement (the schedule in force on placed_on).
absl::StatusOr<FeeQuote> MonthlyFee(std::span<const v1::FeeSchedule> schedules,
                                    absl::CivilDay placed_on,
                                    const Agency& payee, int children);

// ---- postings ----

// One journal entry to write (its id and who/when are the store's).
struct Posting {
  v1::EntryType type = v1::ENTRY_TYPE_UNSPECIFIED;
  std::string debit;   // authority id whose position goes down
  std::string credit;  // authority id whose position goes up
  Pence amount = 0;    // > 0
  absl::CivilDay value_date;
  int64_t link_id = 0;
  int64_t payment_id = 0;
  int64_t reverses = 0;  // entry id (REVERSAL)
  std::string reference;
  std::string description;
  int children = 0;
  int64_t schedule_version = 0;
  std::string month;  // YYYY-MM (MONTHLY_FEE)
};

// An entry already in the journal, as the rules read it.
struct JournalEntry {
  int64_t id = 0;
  v1::EntryType type = v1::ENTRY_TYPE_UNSPECIFIED;
  std::string debit;
  std::string credit;
  Pence amount = 0;
  absl::CivilDay value_date;
  int64_t link_id = 0;
  int64_t reverses = 0;
  std::string month;
  // The fee schedule version that priced it (fees and monthly fees); 0 if
  // unknown (then PostingsForEnding uses the schedule in force on its
  // value date).
  int64_t schedule_version = 0;
};

// The link's live fee in `existing` (the link's entries, any order): its
// latest FEE entry not reversed in full by the REVERSAL entries naming it;
// nullopt if none. `reversed` (if not null) receives how much of it the
// reversals naming it have undone (less than its amount).
std::optional<JournalEntry> LiveFee(std::span<const JournalEntry> existing,
                                    Pence* reversed = nullptr);

// A placement the ledger charges for: a link whose household's agency is
// not the child's authority.
struct Placement {
  int64_t link_id = 0;
  std::string payer;  // the child's authority
  std::string payee;  // the household's approving agency
  Agency payee_agency;
  int children = 1;
  absl::CivilDay placed_on;
};

// The fee reference of a link: "RAA-l12"; of its monthly fee "RAA-l12-2026-10".
std::string FeeReference(int64_t link_id);
std::string MonthlyFeeReference(int64_t link_id, absl::string_view month);

// What to post when `placement` is recorded as placed (or its placement
// date corrected to placement.placed_on), given the link's entries already
// in the journal (`existing`, any order): nothing if the payer is the payee;
// a FEE at the rate in force on placed_on if the link has no live fee (one
// not reversed in full); if it has one priced differently (another amount)
// or in another financial year than placed_on's, a REVERSAL of it and a new
// FEE; otherwise nothing. `why` is put in the reversal's description.
// FAILED_PRECONDITION if no schedule is in force. In detail:
//  - a live fee whose value date is placed_on already prices this
//    placement: nothing, even if a schedule added since would price that
//    date otherwise (a replay never changes a fee already accrued);
//  - the REVERSAL undoes what is left of the live fee (debit and credit
//    swapped, the live fee's value date, `reverses` its id), so the year
//    the fee counted in nets to nothing; the new FEE is left out when the
//    new rate is zero (a consortium rate of 0): entries are more than zero;
//  - FEE entries in `existing` of another link are ignored.
// A re-pricing after a refund (PostingsForEnding) reverses the remainder
// and charges the new rate in full: the caller then posts the new fee's
// refund (PostingsForEnding again, fee_accrual.cc).
absl::StatusOr<std::vector<Posting>> PostingsForPlacement(
    const Placement& placement, std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::string_view why);

// What to post when a placed link ends before the adoption order on
// `ended_on` (`why`: the closing reason and note): a REVERSAL of the
// refundable part (disruption_refund_percent of the schedule that priced
// the live fee, rounded half up) of the live fee, once; nothing if there is
// no live fee, the part is zero, or a refund was already posted. A
// re-pricing reverses a fee in full (it is then no longer live), so any
// REVERSAL naming the live fee is a refund: a replay of the ending posts
// nothing. The schedule that priced the fee is the one of its
// schedule_version, else the one in force on its value date.
std::vector<Posting> PostingsForEnding(
    std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay ended_on,
    absl::string_view why);

// Whether a placement owes the monthly fee for `month` (its first day):
// the month ends after placed_on + monthly_fee_after_months months (of the
// schedule in force on placed_on), and neither the adoption order
// (`order_on`) nor the end of the placement (`ended_on`) came on or before
// the month's first day.
bool MonthlyFeeDue(std::span<const v1::FeeSchedule> schedules,
                   absl::CivilDay placed_on,
                   std::optional<absl::CivilDay> order_on,
                   std::optional<absl::CivilDay> ended_on,
                   absl::CivilMonth month);

// The MONTHLY_FEE entry to post for `placement` and `month` (value date the
// month's last day, reference MonthlyFeeReference, month "YYYY-MM", priced
// by MonthlyFee), or nullopt when nothing is owed: the payer is the payee,
// the fee is zero, or MonthlyFeeDue is false (`order_on`, `ended_on` as
// there). FAILED_PRECONDITION if no schedule is in force on placed_on.
absl::StatusOr<std::optional<Posting>> MonthlyFeePosting(
    const Placement& placement, std::span<const v1::FeeSchedule> schedules,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::CivilMonth month);

// What to post when a placement's dates change (its adoption order recorded
// or corrected, its placement date corrected, its end recorded): a REVERSAL
// of each monthly fee of the link not yet reversed whose month is no longer
// due by MonthlyFeeDue with the dates as they are now (`why` in its
// description, value date its month's last day). Replays post nothing.
std::vector<Posting> PostingsForMonthsNoLongerDue(
    std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules, absl::CivilDay placed_on,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::string_view why);

// What to post when a placement's date is corrected to one that prices its
// monthly fee at another amount (another schedule or rate): a REVERSAL of
// each monthly fee of the link not yet reversed, for a month still due by
// MonthlyFeeDue (`order_on`, `ended_on` as there; a month no longer due is
// PostingsForMonthsNoLongerDue's), charged at another amount than
// MonthlyFee prices for `placement` (its corrected date); the months are
// then charged again at the new amount (as any month whose fee was
// reversed, fee_accrual's ChargeClosedMonthsDue). A fee of the right amount
// stays, whichever schedule priced it (LA/RAA monthly fees are the same in
// both shipped schedules), even if its description names the old date: as
// the placement fee, which moves only when its amount or year would.
// FAILED_PRECONDITION if no schedule is in force on placed_on.
absl::StatusOr<std::vector<Posting>> PostingsForMonthsRepriced(
    const Placement& placement, std::span<const JournalEntry> existing,
    std::span<const v1::FeeSchedule> schedules,
    std::optional<absl::CivilDay> order_on,
    std::optional<absl::CivilDay> ended_on, absl::string_view why);

// RAA_CHECKs that every posting balances: amount > 0, debit and credit set
// and different, a REVERSAL names what it reverses. A failure is a bug, not
// a caller's mistake.
void CheckBalanced(std::span<const Posting> postings);

// ---- positions and settlement ----

// A member's position: credits minus debits, over the entries given.
using Positions = std::vector<std::pair<std::string, Pence>>;  // by id

// Every member's position from `entries` (those with value_date <= as_of),
// sorted by authority id; members whose entries cancel out are kept with 0.
// RAA_CHECKs that the positions sum to zero.
Positions PositionsOf(std::span<const JournalEntry> entries,
                      absl::CivilDay as_of);

// The entry's effect on `member`'s position: +amount if it is the credit
// side, -amount if the debit side, 0 otherwise (a statement's line; its
// running balance is the opening balance plus the effects so far).
Pence EffectOn(const JournalEntry& entry, absl::string_view member);

struct Debt {
  std::string debtor;
  std::string creditor;
  Pence amount = 0;  // > 0
};

// Who owes whom, net for each pair, largest first (ties by ids).
std::vector<Debt> PairwiseDebts(std::span<const JournalEntry> entries,
                                absl::CivilDay as_of);

// Payments that bring every position to zero: at most (members with a
// non-zero position) - 1 of them, each > 0, largest first; applying them
// leaves every position exactly zero (RAA_CHECKed).
std::vector<Debt> PlanSettlement(const Positions& positions);

// ---- periods and budgets ----

// The financial year of `year`: 1 April `year` - 31 March `year + 1`.
std::pair<absl::CivilDay, absl::CivilDay> FinancialYear(int year);
// The financial year a day falls in (2027-03-31 → 2026).
int FinancialYearOf(absl::CivilDay day);

// NONE under 75% of the budget, NEAR from 75%, OVER from 100%; with no
// budget (0): OVER if anything is used, NONE otherwise.
v1::BudgetWarning WarningFor(Pence used, Pence budget);
// Whole percent of the budget used, rounded down; 0 with no budget.
int PercentOf(Pence used, Pence budget);

}  // namespace raa::ledger_rules

#endif  // RAAMATCH_SERVICES_LEDGER_LEDGER_RULES_H_
