#include "services/reports/waiting.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "raa/v1/common.pb.h"

namespace raa::reports {
namespace {

bool IsWaitingChild(const ChildFacts& c) {
  return c.status == v1::CHILD_STATUS_WAITING ||
         c.status == v1::CHILD_STATUS_LINKED;
}

bool IsWaitingHousehold(const HouseholdFacts& h) {
  return h.status == v1::ADOPTER_STATUS_APPROVED ||
         h.status == v1::ADOPTER_STATUS_LINKED;
}

bool CouldTake(const HouseholdFacts& h, const ChildFacts& c, Day today) {
  if (h.approved_for < c.children()) return false;
  for (const MemberFacts& m : c.members) {
    ChildFacts one;
    one.members = {m};
    one.ages_as_of = c.ages_as_of;
    const int age = one.EldestAgeMonthsOn(today);
    if (age < h.min_age_months || age > h.max_age_months) return false;
    for (int need : m.severe_needs) {
      if (std::find(h.severe_ok.begin(), h.severe_ok.end(), need) ==
          h.severe_ok.end()) {
        return false;
      }
    }
  }
  return true;
}

struct ChildGroup {
  const char* group;
  const char* title;
  const char* barrier_noun;  // "sibling groups of 3 or more"
  std::function<bool(const ChildFacts&, Day)> in;
};

}  // namespace

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2;
}

v1::WaitingReport ComputeWaitingReport(const Facts& facts,
                                       const Facts& households_facts,
                                       const std::string& authority_id,
                                       Day today) {
  v1::WaitingReport out;
  out.set_authority(absl::StrCat("authorities/", authority_id));
  *out.mutable_as_of() = ToDate(today);
  std::vector<const HouseholdFacts*> available;
  for (const HouseholdFacts& h : households_facts.households) {
    if (IsWaitingHousehold(h)) available.push_back(&h);
  }
  const ChildGroup groups[] = {
      {"all", "All child profiles waiting", "child profiles",
       [](const ChildFacts&, Day) { return true; }},
      {"age_5_plus", "Profiles with a child aged 5 or over",
       "profiles with a child aged 5 or over",
       [](const ChildFacts& c, Day d) { return c.EldestAgeMonthsOn(d) >= 60; }},
      {"bme", "Profiles with a child of Black or minority ethnic heritage",
       "profiles with a BME child",
       [](const ChildFacts& c, Day) {
         return std::any_of(c.members.begin(), c.members.end(),
                            [](const MemberFacts& m) { return m.bme; });
       }},
      {"disability_or_severe_need",
       "Profiles with a child with a disability or a severe need",
       "profiles with a disability or severe need",
       [](const ChildFacts& c, Day) {
         return std::any_of(
             c.members.begin(), c.members.end(),
             [](const MemberFacts& m) { return m.disability_or_severe_need; });
       }},
      {"siblings_1", "Single children", "single children",
       [](const ChildFacts& c, Day) { return c.children() == 1; }},
      {"siblings_2", "Sibling groups of 2", "sibling groups of 2",
       [](const ChildFacts& c, Day) { return c.children() == 2; }},
      {"siblings_3_plus", "Sibling groups of 3 or more",
       "sibling groups of 3 or more",
       [](const ChildFacts& c, Day) { return c.children() >= 3; }},
  };
  for (const ChildGroup& g : groups) {
    std::vector<const ChildFacts*> members;
    std::vector<double> days;
    for (const ChildFacts& c : facts.children) {
      if (!IsWaitingChild(c) || !g.in(c, today)) continue;
      members.push_back(&c);
      std::optional<Day> since =
          c.placement_order ? c.placement_order : c.shobpa;
      if (since.has_value())
        days.push_back(static_cast<double>(today - *since));
    }
    int eligible = 0;
    for (const HouseholdFacts* h : available) {
      for (const ChildFacts* c : members) {
        if (CouldTake(*h, *c, today)) {
          ++eligible;
          break;
        }
      }
    }
    v1::WaitingGroup* group = out.add_children();
    group->set_group(g.group);
    group->set_title(g.title);
    group->set_waiting(static_cast<int>(members.size()));
    double sum = 0;
    for (double d : days) sum += d;
    if (!days.empty()) group->set_mean_days(sum / days.size());
    if (std::optional<double> m = Median(days)) group->set_median_days(*m);
    group->set_eligible_households(members.empty() ? 0 : eligible);
    const int waiting = static_cast<int>(members.size());
    if (waiting > 0 && (eligible == 0 || waiting > 3 * eligible)) {
      out.add_barriers(absl::StrCat(waiting, " ", g.barrier_noun, " waiting; ",
                                    eligible,
                                    " waiting households could take one"));
    }
  }
  struct HouseholdGroup {
    const char* group;
    const char* title;
    int min, max;
  };
  const HouseholdGroup hgroups[] = {
      {"all", "All approved households waiting", 0, 1000},
      {"approved_for_1", "Approved for 1 child", 1, 1},
      {"approved_for_2", "Approved for 2 children", 2, 2},
      {"approved_for_3_plus", "Approved for 3 or more children", 3, 1000},
  };
  for (const HouseholdGroup& g : hgroups) {
    int waiting = 0;
    std::vector<double> days;
    for (const HouseholdFacts& h : facts.households) {
      if (!IsWaitingHousehold(h) || h.approved_for < g.min ||
          h.approved_for > g.max) {
        continue;
      }
      ++waiting;
      if (h.approved.has_value()) {
        days.push_back(static_cast<double>(today - *h.approved));
      }
    }
    v1::WaitingGroup* group = out.add_households();
    group->set_group(g.group);
    group->set_title(g.title);
    group->set_waiting(waiting);
    double sum = 0;
    for (double d : days) sum += d;
    if (!days.empty()) group->set_mean_days(sum / days.size());
    if (std::optional<double> m = Median(days)) group->set_median_days(*m);
  }
  return out;
}

}  // namespace raa::reports
