// raa.v1.ReportService over gRPC: a thin shell around Reports; every call
// goes through the UnaryRunner (key, access table, audit trail).
#ifndef RAAMATCH_SERVICES_REPORTS_REPORT_SERVICE_H_
#define RAAMATCH_SERVICES_REPORTS_REPORT_SERVICE_H_

#include "raa/v1/report.grpc.pb.h"
#include "services/reports/reports.h"
#include "services/rpc/unary.h"

namespace raa {

// Lifetime: holds references to the reports and the runner, which must
// outlive it. Thread-safe.
class ReportService final : public v1::ReportService::CallbackService {
 public:
  ReportService(const Reports& reports, UnaryRunner& rpc)
      : reports_(reports), rpc_(rpc) {}

  grpc::ServerUnaryReactor* GetScorecard(grpc::CallbackServerContext* ctx,
                                         const v1::GetScorecardRequest* request,
                                         v1::Scorecard* response) override {
    return rpc_.Unary(ctx, RAA_RULE(ReportService, GetScorecard), request,
                      response, [this, request](const Caller& caller) {
                        return reports_.GetScorecard(caller, *request);
                      });
  }
  grpc::ServerUnaryReactor* GetWaitingReport(
      grpc::CallbackServerContext* ctx,
      const v1::GetWaitingReportRequest* request,
      v1::WaitingReport* response) override {
    return rpc_.Unary(ctx, RAA_RULE(ReportService, GetWaitingReport), request,
                      response, [this, request](const Caller& caller) {
                        return reports_.GetWaitingReport(caller, *request);
                      });
  }
  grpc::ServerUnaryReactor* GetForecast(grpc::CallbackServerContext* ctx,
                                        const v1::GetForecastRequest* request,
                                        v1::Forecast* response) override {
    return rpc_.Unary(ctx, RAA_RULE(ReportService, GetForecast), request,
                      response, [this, request](const Caller& caller) {
                        return reports_.GetForecast(caller, *request);
                      });
  }

 private:
  const Reports& reports_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REPORTS_REPORT_SERVICE_H_
