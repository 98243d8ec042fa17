// Reads the facts of every child profile, household and member for the
// reports (facts.h) from the store, through the shared storage contract
// only: the tables authorities, children, adopters and
// milestones (the latest row of each record and kind, as the view
// current_milestones gives it, in one pass), links and the view
// link_step_dates (each step's date with its latest correction applied), so
// a corrected step moves a child between windows.
//
// A journey date missing from the milestones falls back on the stored
// profile's (rows written before migration 7 moved them). Heritage and needs
// come from the stored raa.v1.Child. One read transaction on a read
// connection of its own (Store::ReadAside); thread-safety is the store's.
#ifndef RAAMATCH_SERVICES_REPORTS_REPORT_ROWS_H_
#define RAAMATCH_SERVICES_REPORTS_REPORT_ROWS_H_

#include "absl/status/statusor.h"
#include "services/reports/facts.h"
#include "services/store/store.h"

namespace raa::report_rows {

// Every child, household and member (members: every authority but the
// consortium's hub, by id).
absl::StatusOr<reports::Facts> LoadFacts(Store& store);

}  // namespace raa::report_rows

#endif  // RAAMATCH_SERVICES_REPORTS_REPORT_ROWS_H_
