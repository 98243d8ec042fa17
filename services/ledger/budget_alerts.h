// The budgets the overdue list warns of (issue 9): a read-only look at the
// ledger's tables for the journey's ListOverdue (services/journey/
// milestones.cc), which sits above the ledger. Who may see which budget is
// the caller's business (CanSeeLedgerOf).
#ifndef RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_
#define RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "raa/v1/ledger.pb.h"
#include "services/store/store.h"

namespace raa::budget_alerts {

// Every budget set for the financial year `today` falls in, as GetBudget
// answers it on `today` (committed, forecast, their percents and warnings;
// the pipeline left out), by authority. Reads only; thread-safe as Store's
// reads are.
absl::StatusOr<std::vector<v1::Budget>> BudgetsOfYear(Store& store,
                                                      absl::CivilDay today);

}  // namespace raa::budget_alerts

#endif  // RAAMATCH_SERVICES_LEDGER_BUDGET_ALERTS_H_
