// The inter-agency fee ledger: the rules of LedgerService's RPCs without the
// network. What a fee is, what to post, positions and the settlement plan
// are ledger_rules.h; reading a member's books is reconcile.h; this class
// carries them out on the store (ledger_rows.h).
//
//   Ledger ledger(store, clock);
//   ledger.RefuseCalls(*audit_failure);  // only if the start-up audit failed
//   absl::StatusOr<v1::Balances> b = ledger.GetBalances(caller, request);
//
// Every method validates all of its input before any lock (INVALID_ARGUMENT
// with a google.rpc.BadRequest naming each wrong field; nothing changes),
// then checks the caller against rules.h (CanSeeLedgerOf for reads of a
// member's ledger; CanRecordPaymentFor, CanConfirmPaymentFor,
// CanManageBudgetOf for writes; managers for schedules and month-ends), and
// writes in one transaction (Store::Write under its request key, with
// amounts' currencies spelt out, so a retry returns the first answer and
// the same id with other content is ALREADY_EXISTS). A finance officer sees its
// own member's entries, payments, statement and budget, the debts it is in and
// the consortium's totals; a manager sees everything. After RefuseCalls every
// method is FAILED_PRECONDITION.
#ifndef RAAMATCH_SERVICES_LEDGER_LEDGER_H_
#define RAAMATCH_SERVICES_LEDGER_LEDGER_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/ledger.pb.h"
#include "services/auth/caller.h"
#include "services/store/store.h"

namespace raa {

// Lifetime: holds references to the store and the clock, which must outlive
// it; made once by the server. Thread-safe: keeps no state between calls but
// the audit's refusal, set once before the server serves (RefuseCalls).
class Ledger {
 public:
  Ledger(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // From now on every call is FAILED_PRECONDITION saying `why` (the
  // start-up audit's finding). Call before serving, at most once.
  void RefuseCalls(std::string why) { refused_ = std::move(why); }

  absl::StatusOr<v1::FeeSchedule> GetFeeSchedule(
      const Caller& caller, const v1::GetFeeScheduleRequest& request);
  absl::StatusOr<v1::ListFeeSchedulesResponse> ListFeeSchedules(
      const Caller& caller, const v1::ListFeeSchedulesRequest& request);
  absl::StatusOr<v1::FeeSchedule> AddFeeSchedule(
      const Caller& caller, const v1::AddFeeScheduleRequest& request);
  absl::StatusOr<v1::ListEntriesResponse> ListEntries(
      const Caller& caller, const v1::ListEntriesRequest& request);
  absl::StatusOr<v1::Balances> GetBalances(
      const Caller& caller, const v1::GetBalancesRequest& request);
  absl::StatusOr<v1::Statement> GetStatement(
      const Caller& caller, const v1::GetStatementRequest& request);
  absl::StatusOr<v1::SalesAndPurchases> GetSalesAndPurchases(
      const Caller& caller, const v1::GetSalesAndPurchasesRequest& request);
  absl::StatusOr<v1::Payment> RecordPayment(
      const Caller& caller, const v1::RecordPaymentRequest& request);
  absl::StatusOr<v1::Payment> ConfirmPayment(
      const Caller& caller, const v1::ConfirmPaymentRequest& request);
  absl::StatusOr<v1::Payment> RejectPayment(
      const Caller& caller, const v1::RejectPaymentRequest& request);
  absl::StatusOr<v1::ListPaymentsResponse> ListPayments(
      const Caller& caller, const v1::ListPaymentsRequest& request);
  absl::StatusOr<v1::Reconciliation> Reconcile(
      const Caller& caller, const v1::ReconcileRequest& request);
  absl::StatusOr<v1::SettlementPlan> PlanSettlement(
      const Caller& caller, const v1::PlanSettlementRequest& request);
  absl::StatusOr<v1::Budget> SetBudget(const Caller& caller,
                                       const v1::SetBudgetRequest& request);
  absl::StatusOr<v1::Budget> GetBudget(const Caller& caller,
                                       const v1::GetBudgetRequest& request);
  absl::StatusOr<v1::MonthClose> CloseMonth(
      const Caller& caller, const v1::CloseMonthRequest& request);

 private:
  // FAILED_PRECONDITION after RefuseCalls.
  absl::Status Usable() const;
  // The budget of `authority` for `year` as stored now.
  absl::StatusOr<v1::Budget> BudgetOf(const std::string& authority, int year);

  Store& store_;
  const Clock& clock_;
  std::string refused_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_LEDGER_LEDGER_H_
