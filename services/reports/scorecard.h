// The adoption scorecard as pure functions of the facts (facts.h): the
// indicators of one three-year window, the thresholds (data, with their
// source), and the members ranked on each indicator. No gRPC, no SQL, no
// clock; thread-safe.
//
// Children are counted one by one: a sibling group of three adopted together
// counts three times in every mean and count (as the DfE counts children).
// A child is "adopted in the window" when the order of its adopting link was
// granted in the window (1 April to 31 March, both included).
#ifndef RAAMATCH_SERVICES_REPORTS_SCORECARD_H_
#define RAAMATCH_SERVICES_REPORTS_SCORECARD_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raa/v1/report.pb.h"
#include "services/reports/facts.h"

namespace raa::reports {

// The A1 and A2 thresholds (days) of the windows ending 31 March of
// `first_year_ending` and later, until the next row.
struct Threshold {
  int first_year_ending;
  int a1_days;
  int a2_days;
  const char* source;
};
// Oldest first: 2010-13 639/213, 2011-14 568/182, 2012-15 497/152, 2013-16
// onwards 426/121 (DfE adoption scorecard; DESIGN.md, seed 001).
std::span<const Threshold> Thresholds();
// The threshold row for the window ending `year_ending`; none before 2013.
std::optional<Threshold> ThresholdFor(int year_ending);

// One indicator's definition.
struct IndicatorDef {
  const char* code;  // DfE code or ""
  const char* id;
  const char* title;
  const char* unit;  // "days", "count", "percent"
  bool lower_is_better;
};
// Every indicator of a window, in the order they are shown.
std::span<const IndicatorDef> IndicatorDefs();

// The indicators of the window ending 31 March `year_ending`, over `facts`
// (already narrowed to one member or the consortium), in IndicatorDefs()
// order. The "waiting on 31 March" counts are as of the window's end.
std::vector<v1::Indicator> ComputeWindow(const Facts& facts, int year_ending);

// The scorecard: `windows` consecutive windows ending `year_ending` (oldest
// first); for authority "-", the members of `all` ranked on each indicator
// of the latest window (best first; members with no value last, by id).
v1::Scorecard ComputeScorecard(const Facts& all,
                               const std::string& authority_id, int year_ending,
                               int windows);

// Mean of values weighted by counts; nullopt when the weight is 0.
std::optional<double> WeightedMean(const std::vector<std::pair<double, int>>&);

}  // namespace raa::reports

#endif  // RAAMATCH_SERVICES_REPORTS_SCORECARD_H_
