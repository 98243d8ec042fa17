#include "services/reports/reports.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/auth/rules.h"
#include "services/reports/forecast.h"
#include "services/reports/report_rows.h"
#include "services/reports/scorecard.h"
#include "services/reports/waiting.h"

namespace raa {
namespace {

// "authorities/-" -> "-", "authorities/{a}" -> a; otherwise a field error.
std::string ParseReportAuthority(const std::string& name, FieldErrors& errors) {
  if (name.empty()) {
    errors.Add("authority", "required: authorities/{id} or authorities/-");
    return "";
  }
  if (name == "authorities/-") return "-";
  absl::StatusOr<std::string> id = ParseAuthorityName(name, "authority");
  if (!id.ok()) {
    errors.Add("authority",
               absl::StrCat("\"", name,
                            "\" is not authorities/{id} or authorities/-"));
    return "";
  }
  return *id;
}

absl::Status MayRead(const Caller& caller, const std::string& authority) {
  if (CanSeeReportsOf(caller, authority)) return absl::OkStatus();
  if (authority == "-") {
    return absl::PermissionDeniedError(
        "the consortium's reports need a manager or family finder key of a "
        "member still in the consortium");
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "a key of ", caller.authority_id, " may read only ", caller.authority_id,
      "'s reports; another member's need a manager key"));
}

absl::Status CheckMember(const reports::Facts& facts,
                         const std::string& authority) {
  if (authority == "-") return absl::OkStatus();
  for (const reports::MemberInfo& m : facts.members) {
    if (m.id == authority) return absl::OkStatus();
  }
  return absl::NotFoundError(
      absl::StrCat("no member authorities/", authority,
                   " (the consortium's hub has no scorecard of its own)"));
}

}  // namespace

absl::StatusOr<v1::Scorecard> Reports::GetScorecard(
    const Caller& caller, const v1::GetScorecardRequest& request) const {
  const absl::CivilDay today = clock_.Today();
  FieldErrors errors;
  const std::string authority =
      ParseReportAuthority(request.authority(), errors);
  if (request.year_ending() < 2000 || request.year_ending() > today.year()) {
    errors.Add("year_ending",
               absl::StrCat("must be a year from 2000 to ", today.year()));
  }
  if (request.windows() < 0 || request.windows() > 10) {
    errors.Add("windows", "must be 1 to 10 (0 means 1)");
  }
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(MayRead(caller, authority));
  ASSIGN_OR_RETURN(reports::Facts facts, report_rows::LoadFacts(store_));
  RETURN_IF_ERROR(CheckMember(facts, authority));
  v1::Scorecard out =
      reports::ComputeScorecard(facts, authority, request.year_ending(),
                                request.windows() == 0 ? 1 : request.windows());
  *out.mutable_as_of() = ToDate(today);
  return out;
}

absl::StatusOr<v1::WaitingReport> Reports::GetWaitingReport(
    const Caller& caller, const v1::GetWaitingReportRequest& request) const {
  FieldErrors errors;
  const std::string authority =
      ParseReportAuthority(request.authority(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(MayRead(caller, authority));
  ASSIGN_OR_RETURN(reports::Facts facts, report_rows::LoadFacts(store_));
  RETURN_IF_ERROR(CheckMember(facts, authority));
  return reports::ComputeWaitingReport(reports::FactsOf(facts, authority),
                                       facts, authority, clock_.Today());
}

absl::StatusOr<v1::Forecast> Reports::GetForecast(
    const Caller& caller, const v1::GetForecastRequest& request) const {
  FieldErrors errors;
  const std::string authority =
      ParseReportAuthority(request.authority(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(MayRead(caller, authority));
  ASSIGN_OR_RETURN(reports::Facts facts, report_rows::LoadFacts(store_));
  RETURN_IF_ERROR(CheckMember(facts, authority));
  // A finance officer's forecast has the figures, not the waiting children.
  const bool lists_children = SeesChildrenAndHouseholds(caller);
  return reports::ComputeForecast(
      facts, authority, clock_.Today(), [&](const reports::ChildFacts& c) {
        return lists_children &&
               IsVisibleTo(caller, c.authority_id, c.hidden_from);
      });
}

}  // namespace raa
