#include "services/reports/facts.h"

#include <algorithm>

#include "raa/v1/common.pb.h"

namespace raa::reports {

int ChildFacts::EldestAgeMonthsOn(Day day) const {
  int eldest = 0;
  for (const MemberFacts& m : members) eldest = std::max(eldest, m.age_months);
  // Whole months from ages_as_of to `day`.
  int months = static_cast<int>((day.year() - ages_as_of.year()) * 12 +
                                (day.month() - ages_as_of.month()));
  if (day.day() < ages_as_of.day()) --months;
  return eldest + std::max(months, 0);
}

std::optional<Day> ChildFacts::MovedInForA1() const {
  if (!placed.has_value()) return std::nullopt;
  if (early_permanence && matched.has_value() && *matched > *placed) {
    return matched;
  }
  return placed;
}

Facts FactsOf(const Facts& all, const std::string& authority_id) {
  if (authority_id == "-") return all;
  Facts out;
  for (const ChildFacts& c : all.children) {
    if (c.authority_id == authority_id) out.children.push_back(c);
  }
  for (const HouseholdFacts& h : all.households) {
    if (h.authority_id == authority_id) out.households.push_back(h);
  }
  for (const MemberInfo& m : all.members) {
    if (m.id == authority_id) out.members.push_back(m);
  }
  return out;
}

Window WindowEnding(int year_ending) {
  return Window{Day(year_ending - 3, 4, 1), Day(year_ending, 3, 31)};
}

int YearEndingOn(Day day) {
  const Day march31(day.year(), 3, 31);
  return static_cast<int>(day <= march31 ? day.year() : day.year() + 1);
}

bool IsBmeHeritage(int heritage) {
  return heritage >= v1::HERITAGE_MIXED_WHITE_AND_BLACK_CARIBBEAN;
}

bool IsDisability(int need_category) {
  return need_category == v1::NEED_CATEGORY_PHYSICAL_DISABILITY ||
         need_category == v1::NEED_CATEGORY_LEARNING_DISABILITY;
}

}  // namespace raa::reports
