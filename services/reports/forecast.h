// The forecast (seed 004, 3.5-3.11) as a pure function of the facts and
// today: for each member, the A1 and A2 it will publish for the next two
// windows (the windows ending the first 31 March on or after today, and the
// year after) if
//   - every child placed and not yet adopted is adopted on the expected day:
//     the order applied for + the court's median days from application to
//     order, or else placement + 11 weeks + that median (never before today);
//   - every matched child not yet placed moves in after the member's median
//     days from match to placement so far (from today at the earliest);
//   - every waiting child (WAITING or LINKED) with a placement order or
//     SHOBPA decision is matched today, moves in after that median, and is
//     adopted 11 weeks + the court's median later;
// and, for each waiting child with a placement order, the latest match date
// that keeps the member's forecast A2 (of the window its order would fall
// in) at or under that window's threshold, with pulls_over when matching it
// today already takes the average over.
//
// The court's median is the member's own (its adopted children with both
// order dates), else the consortium's, else kDefaultCourtMedianDays; the
// match-to-placement median likewise (early-permanence children, who move
// in before the match, left out), else kDefaultMatchToPlacedDays.
// Pure; thread-safe.
#ifndef RAAMATCH_SERVICES_REPORTS_FORECAST_H_
#define RAAMATCH_SERVICES_REPORTS_FORECAST_H_

#include <functional>
#include <string>

#include "raa/v1/report.pb.h"
#include "services/reports/facts.h"

namespace raa::reports {

inline constexpr int kDefaultCourtMedianDays = 90;
inline constexpr int kDefaultMatchToPlacedDays = 28;
inline constexpr int kOrderApplicationDays = 77;  // 11 weeks after placement

// `authority_id` "-" forecasts every member of all.members. `show` decides
// which waiting children are listed (visibility); every child counts in the
// figures either way.
v1::Forecast ComputeForecast(
    const Facts& all, const std::string& authority_id, Day today,
    const std::function<bool(const ChildFacts&)>& show);

}  // namespace raa::reports

#endif  // RAAMATCH_SERVICES_REPORTS_FORECAST_H_
