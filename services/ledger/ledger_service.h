// raa.v1.LedgerService over gRPC: decode, authenticate, call Ledger
// (ledger.h), encode. No rules live here; every call goes through the
// UnaryRunner (key, access table, audit trail).
#ifndef RAAMATCH_SERVICES_LEDGER_LEDGER_SERVICE_H_
#define RAAMATCH_SERVICES_LEDGER_LEDGER_SERVICE_H_

#include "raa/v1/ledger.grpc.pb.h"
#include "services/ledger/ledger.h"
#include "services/rpc/unary.h"

namespace raa {

// Lifetime: holds references to the ledger and the runner, which must
// outlive it. Thread-safe as they are.
class LedgerService final : public v1::LedgerService::CallbackService {
 public:
  LedgerService(Ledger& ledger, UnaryRunner& rpc)
      : ledger_(ledger), rpc_(rpc) {}

#define RAA_LEDGER_RPC(Method, Request, Response)                              \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,           \
                                   const v1::Request* request,                 \
                                   v1::Response* response) override {          \
    return rpc_.Unary(ctx, RAA_RULE(LedgerService, Method), request, response, \
                      [this, request](const Caller& caller) {                  \
                        return ledger_.Method(caller, *request);               \
                      });                                                      \
  }

  RAA_LEDGER_RPC(GetFeeSchedule, GetFeeScheduleRequest, FeeSchedule)
  RAA_LEDGER_RPC(ListFeeSchedules, ListFeeSchedulesRequest,
                 ListFeeSchedulesResponse)
  RAA_LEDGER_RPC(AddFeeSchedule, AddFeeScheduleRequest, FeeSchedule)
  RAA_LEDGER_RPC(ListEntries, ListEntriesRequest, ListEntriesResponse)
  RAA_LEDGER_RPC(GetBalances, GetBalancesRequest, Balances)
  RAA_LEDGER_RPC(GetStatement, GetStatementRequest, Statement)
  RAA_LEDGER_RPC(GetSalesAndPurchases, GetSalesAndPurchasesRequest,
                 SalesAndPurchases)
  RAA_LEDGER_RPC(RecordPayment, RecordPaymentRequest, Payment)
  RAA_LEDGER_RPC(ConfirmPayment, ConfirmPaymentRequest, Payment)
  RAA_LEDGER_RPC(RejectPayment, RejectPaymentRequest, Payment)
  RAA_LEDGER_RPC(ListPayments, ListPaymentsRequest, ListPaymentsResponse)
  RAA_LEDGER_RPC(Reconcile, ReconcileRequest, Reconciliation)
  RAA_LEDGER_RPC(PlanSettlement, PlanSettlementRequest, SettlementPlan)
  RAA_LEDGER_RPC(SetBudget, SetBudgetRequest, Budget)
  RAA_LEDGER_RPC(GetBudget, GetBudgetRequest, Budget)
  RAA_LEDGER_RPC(CloseMonth, CloseMonthRequest, MonthClose)

#undef RAA_LEDGER_RPC

 private:
  Ledger& ledger_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_LEDGER_LEDGER_SERVICE_H_
