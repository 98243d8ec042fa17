// The waiting report as a pure function of the facts (facts.h) and today:
// child profiles waiting now (WAITING or LINKED) by group, with the mean and
// median days since the placement order (or the SHOBPA decision where there
// is no order yet; a profile with neither counts as waiting with no days),
// the households waiting now (APPROVED or LINKED) by what they are approved
// for, with days since approval, and the barriers: the children's groups
// that no waiting household could take, or that outnumber such households
// more than three to one.
//
// A group of children counts profiles (a sibling group waits, and is matched,
// as one). A household "could take" a profile when it is approved for at
// least the profile's size, its age range holds the eldest child's age today
// and, for each SEVERE need of a child, it would consider that need at
// SEVERE: the matcher's plain hard constraints on size, age and need (not
// regions, contact or hidden profiles). eligible_households counts the
// waiting households that could take at least one profile of the group.
// Pure; thread-safe.
#ifndef RAAMATCH_SERVICES_REPORTS_WAITING_H_
#define RAAMATCH_SERVICES_REPORTS_WAITING_H_

#include <optional>
#include <string>
#include <vector>

#include "raa/v1/report.pb.h"
#include "services/reports/facts.h"

namespace raa::reports {

// `facts` already narrowed to the member (or the whole consortium); the
// households are those of `households_facts` (the whole consortium's: a
// child of one member may be placed with any member's household).
v1::WaitingReport ComputeWaitingReport(const Facts& facts,
                                       const Facts& households_facts,
                                       const std::string& authority_id,
                                       Day today);

// Median of `values` (mean of the middle two for an even count); nullopt
// when empty.
std::optional<double> Median(std::vector<double> values);

}  // namespace raa::reports

#endif  // RAAMATCH_SERVICES_REPORTS_WAITING_H_
