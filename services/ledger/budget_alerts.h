// The budgets the overdue list warns of (issue 9): a read-only look at the
// ledger's tables for the journey's ListOverdue (services/journey/
// milestones.cc), which sits above the ledger. Who may see which budget is
// the caller's business (CanSeeLedgerOf).
#ifndef RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_
#define RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "raa/v1/ledger.pb.h"
#include "services/store/store.h"

namespace raa::budget_alerts {

// The budget of `authority` (an id) for financial year `year` on `today`,
// as GetBudget answers it: the amount (zero and `set` false if none), the
// fees and monthly fees charged to it with a value date in the year net of
// their reversals (committed), plus the fees of its open links recommended
// by panel or matched at the schedule in force today (forecast, with the
// pipeline), whole percents and warnings. Reads only.
absl::StatusOr<v1::Budget> BudgetOf(Store& store, const std::string& authority,
                                    int year, absl::CivilDay today);

// `budget` with its amount set to `amount` (pence) and `set` true: the
// percents and warnings follow from its committed and forecast.
void SetAmount(v1::Budget& budget, int64_t amount);

// Every budget set for the financial year `today` falls in, as GetBudget
// answers it on `today` (committed, forecast, their percents and warnings;
// the pipeline left out), by authority. Reads only; thread-safe as Store's
// reads are.
absl::StatusOr<std::vector<v1::Budget>> BudgetsOfYear(Store& store,
                                                      absl::CivilDay today);

}  // namespace raa::budget_alerts

#endif  // RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_
