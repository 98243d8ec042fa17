// What is overdue: the pure computation of ListOverdue. Given the recorded
// dates (JourneyFacts, from review_rows::LoadJourneyFacts), the timescales
// in force, the bank holidays and today, every step that is past due or due
// within `within_days`, worst first. No gRPC, no SQL, no clock; thread-safe.
#ifndef RAAMATCH_SERVICES_JOURNEY_OVERDUE_H_
#define RAAMATCH_SERVICES_JOURNEY_OVERDUE_H_

#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/ledger.pb.h"
#include "services/journey/review_rows.h"
#include "services/journey/timescales.h"

namespace raa {

// The items of every enabled timescale, for the records `include` accepts
// (a link's item belongs to its child), sorted by days_late descending, then
// record, then timescale id. What each timescale measures:
//   initial_pack_completed   INITIAL_PACK_SENT, no COMPLETED_PACK_RECEIVED
//   adm_after_panel          open link: PANEL_RECOMMENDED, no MATCH_DECIDED
//   decision_after_par       PROSPECTIVE_ADOPTER_REPORT, no APPROVAL
//   annex_a                  open link PLACED, the child has no ANNEX_A_REPORT
//                            on or after that date
//   order_application        open link PLACED, no ORDER_APPLIED
//   stage_one                STAGE_ONE_START, no STAGE_TWO_START
//   stage_two                STAGE_TWO_START, no APPROVAL
//   national_register_child  a WAITING child with no open or adopted link,
//                            from PLACEMENT_ORDER (else SHOBPA_DECISION)
//   national_register_household  APPROVED or LINKED, from APPROVAL
//   review_actions           the actions of the child's latest review not
//                            done, by their due dates
std::vector<v1::OverdueItem> ComputeOverdue(
    const JourneyFacts& facts, const v1::Timescales& timescales,
    const BankHolidays& holidays, absl::CivilDay today, int within_days,
    absl::FunctionRef<bool(const JourneyRecord&)> include);

// The timescale id of a budget warning (below): not a timescale of the
// journey's, so UpdateTimescales cannot disable it.
inline constexpr absl::string_view kInterAgencyBudget = "inter_agency_budget";

// The overdue list's warnings of inter-agency budgets (issue 9): one item
// for each budget in `budgets` (GetBudget's answers, from the ledger) that
// is set and at 75% or more of its amount committed or forecast (its
// committed_warning or forecast_warning not NONE). The item's record and
// authority are the member (authorities/{a}), its timescale
// kInterAgencyBudget, due `today` and 0 days late; its description says the
// year, the percents and the amounts: "Inter-agency budget 2026-27: 82%
// committed (£145,000.00 of £177,700.00); forecast 104%". Who may see them
// is the caller's business (finance officers of the member and managers).
std::vector<v1::OverdueItem> BudgetWarnings(std::span<const v1::Budget> budgets,
                                            absl::CivilDay today);

// `items` and `more` together, in ComputeOverdue's order (days_late
// descending, then record, timescale and link).
std::vector<v1::OverdueItem> MergeOverdue(std::vector<v1::OverdueItem> items,
                                          std::vector<v1::OverdueItem> more);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_OVERDUE_H_
