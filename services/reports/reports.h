// The reports area's rules: the scorecard, the waiting report and the
// forecast of one member or the consortium (authorities/-), computed on each
// call from the recorded journey (report_rows) by the pure functions of
// scorecard.h, waiting.h and forecast.h.
//
// Each call validates its request before reading anything (INVALID_ARGUMENT
// with a google.rpc.BadRequest naming each wrong field), then asks
// CanSeeReportsOf (services/auth/rules.h), then whether the member exists
// (NOT_FOUND), then reads.
//
// Lifetime: holds references to the store and the clock, which must outlive
// it. Thread-safe: keeps no state of its own; reads go through Store::Read.
#ifndef RAAMATCH_SERVICES_REPORTS_REPORTS_H_
#define RAAMATCH_SERVICES_REPORTS_REPORTS_H_

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/report.pb.h"
#include "services/auth/caller.h"
#include "services/store/store.h"

namespace raa {

class Reports {
 public:
  Reports(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  absl::StatusOr<v1::Scorecard> GetScorecard(
      const Caller& caller, const v1::GetScorecardRequest& request) const;
  absl::StatusOr<v1::WaitingReport> GetWaitingReport(
      const Caller& caller, const v1::GetWaitingReportRequest& request) const;
  absl::StatusOr<v1::Forecast> GetForecast(
      const Caller& caller, const v1::GetForecastRequest& request) const;

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REPORTS_REPORTS_H_
