#include "services/reports/facts.h"

#include <algorithm>

#include "raa/v1/common.pb.h"

namespace raa::reports {

bool MatchedOn(const std::vector<MatchSpell>& spells, Day day) {
  return std::any_of(spells.begin(), spells.end(), [&](const MatchSpell& s) {
    return s.from <= day && !(s.until.has_value() && *s.until <= day);
  });
}

int ChildFacts::EldestAgeMonthsOn(Day day) const {
  int eldest = 0;
  for (const MemberFacts& m : members) eldest = std::max(eldest, m.age_months);
  // Whole months from the earlier of the two days to the later, and
  // whether a part of a month is left over.
  auto months_from = [](Day from, Day to, bool& part) {
    int months = static_cast<int>((to.year() - from.year()) * 12 +
                                  (to.month() - from.month()));
    if (to.day() < from.day()) --months;
    part = to.day() != from.day();
    return months;
  };
  // The youngest the eldest could be on `day`: forward, whole months added;
  // back (a profile written after its child moved in), a part month taken
  // as a whole one; never below 0.
  bool part = false;
  if (day < ages_as_of) {
    const int back = months_from(day, ages_as_of, part) + (part ? 1 : 0);
    return std::max(eldest - back, 0);
  }
  return eldest + months_from(ages_as_of, day, part);
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
