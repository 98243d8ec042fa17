// The fee schedules raamatch ships with (data/fee-schedules.textproto, built
// into the server at compile time): what prices placements until a
// consortium adds its own schedule (LedgerService.AddFeeSchedule).
//
//   std::vector<v1::FeeSchedule> shipped = ledger::DefaultFeeSchedules();
//   // oldest first; the store adds them when its fee_schedules table is
//   // empty
//
// Every figure's source is a comment in the data file. Pure and thread-safe.
#ifndef RAAMATCH_SERVICES_LEDGER_DEFAULT_SCHEDULES_H_
#define RAAMATCH_SERVICES_LEDGER_DEFAULT_SCHEDULES_H_

#include <vector>

#include "raa/v1/ledger.pb.h"

namespace raa::ledger {

// The shipped schedules, oldest first, with version 1, 2, ... in that order
// and created_by "shipped" (create_time unset: the store sets it when it
// adds them). RAA_CHECKs that the embedded text parses and that each
// schedule passes ledger_rules::ValidateSchedule after the one before it: a
// failure is a broken build, not a caller's mistake.
std::vector<v1::FeeSchedule> DefaultFeeSchedules();

}  // namespace raa::ledger

#endif  // RAAMATCH_SERVICES_LEDGER_DEFAULT_SCHEDULES_H_
