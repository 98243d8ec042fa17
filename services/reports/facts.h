// The facts the scorecard, the waiting report and the forecast are computed
// from: one plain value per child profile and per household, with the dates
// of its journey already chosen (milestones; the steps of its links with
// corrections applied). report_rows builds them from the store; the
// computations (scorecard.h, waiting.h, forecast.h) are pure functions of
// them: no gRPC, no SQL, no clock. Plain values; copy freely.
#ifndef RAAMATCH_SERVICES_REPORTS_FACTS_H_
#define RAAMATCH_SERVICES_REPORTS_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"

namespace raa::reports {

using Day = absl::CivilDay;

// A time a record was matched through one link: from its "match decided"
// until the day the link closed (a disruption, or any other closure after
// the match), if it did.
struct MatchSpell {
  Day from;
  std::optional<Day> until;
};

// Whether one of `spells` covers `day`: matched that day, and not yet
// closed (a link that closes on `day` no longer holds it).
bool MatchedOn(const std::vector<MatchSpell>& spells, Day day);

// One child of a profile, as the report groups it.
struct MemberFacts {
  int age_months = 0;  // on ChildFacts::ages_as_of
  bool bme = false;    // heritage other than White (ONS groups)
  // A disability (physical or learning) at any level, or any need SEVERE.
  bool disability_or_severe_need = false;
  // raa.v1.NeedCategory numbers of its SEVERE needs.
  std::vector<int> severe_needs;
};

// One child profile (one child or a sibling group; every date is the
// group's). The link dates are those of its adopting link (one with the
// order granted) or else its open link that reached "match decided".
struct ChildFacts {
  std::string authority_id;
  int64_t row = 0;
  int status = 0;  // raa.v1.ChildStatus
  std::vector<MemberFacts> members;
  Day ages_as_of;
  std::vector<std::string> hidden_from;
  std::optional<Day> entered_care;     // milestone ENTERED_CARE
  std::optional<Day> shobpa;           // milestone SHOBPA_DECISION
  std::optional<Day> placement_order;  // milestone PLACEMENT_ORDER
  std::optional<Day> matched;          // step MATCH_DECIDED
  std::optional<Day> placed;           // step PLACED (foster start for EP)
  std::optional<Day> order_applied;    // step ORDER_APPLIED
  std::optional<Day> order_granted;    // step ORDER_GRANTED
  // The link is a fostering-for-adoption or concurrent placement: `placed`
  // is the day the child moved in as a foster placement.
  bool early_permanence = false;
  // The first day a link of this child closed with PLAN_CHANGED.
  std::optional<Day> plan_changed_on;
  // Every link of the profile that reached "match decided", closed or not:
  // whether it was matched on a past day (a later disruption does not
  // change that day's figures).
  std::vector<MatchSpell> match_spells;

  int children() const { return static_cast<int>(members.size()); }
  // The eldest member's age in whole months on `day`, before ages_as_of
  // too: the youngest it could be, as ages are whole months (0 at least).
  int EldestAgeMonthsOn(Day day) const;
  // The day A1 stops: the day the child moved in with the adoptive family.
  // For an early-permanence link the foster placement becomes an adoptive
  // one at the match decision, so the later of `placed` and `matched`.
  std::optional<Day> MovedInForA1() const;
};

// One household.
struct HouseholdFacts {
  std::string authority_id;
  int64_t row = 0;
  int status = 0;  // raa.v1.AdopterStatus
  int approved_for = 0;
  int min_age_months = 0;
  int max_age_months = 0;
  // raa.v1.NeedCategory numbers the household would consider at SEVERE.
  std::vector<int> severe_ok;
  std::optional<Day> registered;  // REGISTRATION_OF_INTEREST
  std::optional<Day> applied;     // STAGE_TWO_START (application)
  std::optional<Day> approved;    // APPROVAL
  // The first MATCH_DECIDED of any of its links.
  std::optional<Day> matched;
  // Each of its links that reached "match decided", as for a child.
  std::vector<MatchSpell> match_spells;
};

// A member of the consortium, for rankings and the forecast.
struct MemberInfo {
  std::string id;
  std::string display_name;
};

struct Facts {
  std::vector<ChildFacts> children;
  std::vector<HouseholdFacts> households;
  std::vector<MemberInfo> members;  // ranked members (not the hub)
};

// Only the children and households of `authority_id` ("-": all).
Facts FactsOf(const Facts& all, const std::string& authority_id);

// The three-year window ending 31 March of `year_ending`: 1 April of
// year_ending - 3 to 31 March of year_ending, both days included.
struct Window {
  Day start;
  Day end;
  bool Contains(Day day) const { return start <= day && day <= end; }
};
Window WindowEnding(int year_ending);

// The first 31 March on or after `day`, as a year.
int YearEndingOn(Day day);

// Heritage and needs, by their raa.v1 numbers.
bool IsBmeHeritage(int heritage);
bool IsDisability(int need_category);

}  // namespace raa::reports

#endif  // RAAMATCH_SERVICES_REPORTS_FACTS_H_
