#include "services/reports/scorecard.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "raa/v1/common.pb.h"

namespace raa::reports {
namespace {

constexpr Threshold kThresholds[] = {
    {2013, 639, 213, "DfE adoption scorecard, 2010-13"},
    {2014, 568, 182, "DfE adoption scorecard, 2011-14"},
    {2015, 497, 152, "DfE adoption scorecard, 2012-15"},
    {2016, 426, 121, "DfE adoption scorecard, 2013-16 onwards"},
};

// clang-format off
constexpr IndicatorDef kDefs[] = {
    {"A1", "a1_care_to_placement_days",
     "Average days from entering care to moving in with the adoptive family "
     "(children adopted in the window)", "days", true},
    {"A2", "a2_order_to_match_days",
     "Average days from the placement order to the match decision (0 when "
     "matched before the order; children with no order left out)", "days",
     true},
    {"A3", "a3_placed_within_426_days",
     "Children adopted who moved in within 426 days (14 months) of entering "
     "care (Leicester City Council's 2012 adoption report defines A3 the "
     "other way: waiting over 19 months)",
     "count", false},
    {"A3", "a3_placed_within_426_days_percent",
     "Percent of children adopted who moved in within 426 days of entering "
     "care", "percent", false},
    {"A10", "a10_care_to_placement_days_foster_start",
     "A1 with the clock stopped when a foster placement that became the "
     "adoption began (early permanence)", "days", true},
    {"", "adopter_registration_to_approval_days",
     "Average days from registration of interest to approval (households "
     "approved in the window)", "days", true},
    {"", "adopter_application_to_approval_days",
     "Average days from application to approval (households approved in the "
     "window)", "days", true},
    {"", "adopter_approval_to_match_days",
     "Average days from approval to the match decision (households matched "
     "in the window)", "days", true},
    {"A11", "a11_households_waiting_31_march",
     "Approved households not matched on 31 March", "count", true},
    {"A12", "a12_matched_households_waited_3_months_percent",
     "Percent of households matched in the window who waited 3 months or "
     "more after approval", "percent", true},
    {"A4", "a4_adoptions_from_care",
     "Children adopted (adoption order granted) in the window", "count",
     false},
    {"", "bme_adoptions",
     "Children of Black and minority ethnic heritage (Mixed, Asian, Black or "
     "other ethnic groups) adopted in the window", "count", false},
    {"", "age_5_plus_adoptions",
     "Children aged 5 or over when they moved in, adopted in the window",
     "count", false},
    {"A5", "a5_plans_changed_away_from_adoption",
     "Children whose plan changed away from adoption in the window (a link "
     "closed for that reason)", "count", true},
    {"A9", "a9_children_waiting_31_march",
     "Children with a placement order or SHOBPA decision not matched on 31 "
     "March", "count", true},
    {"A13", "a13_applications_not_decided_31_march",
     "Households whose application was not yet decided on 31 March",
     "count", true},
    {"A15", "a15_adm_decisions",
     "Children with an agency decision that they should be placed for "
     "adoption (SHOBPA) in the window", "count", false},
    {"A16", "a16_placement_orders",
     "Children with a placement order granted in the window", "count", false},
};
// clang-format on

int64_t DaysBetween(Day from, Day to) { return to - from; }

// The day three calendar months after `day` (days past a short month's end
// roll into the next, as absl::CivilDay normalises).
Day ThreeMonthsAfter(Day day) {
  return Day(day.year(), day.month() + 3, day.day());
}

struct Acc {
  std::vector<std::pair<double, int>> values;
  int count = 0;
  void Add(double v, int w) {
    values.emplace_back(v, w);
    count += w;
  }
};

v1::Indicator Make(const IndicatorDef& def, std::optional<double> value,
                   int count, std::optional<int> threshold) {
  v1::Indicator out;
  out.set_code(def.code);
  out.set_id(def.id);
  out.set_title(def.title);
  out.set_unit(def.unit);
  if (value.has_value()) out.set_value(*value);
  out.set_count(count);
  if (threshold.has_value()) {
    out.set_threshold(*threshold);
    out.set_met(value.has_value() && *value <= *threshold);
  }
  return out;
}

std::optional<double> Percent(int part, int whole) {
  if (whole == 0) return std::nullopt;
  return 100.0 * part / whole;
}

}  // namespace

std::span<const Threshold> Thresholds() { return kThresholds; }

std::optional<Threshold> ThresholdFor(int year_ending) {
  std::optional<Threshold> found;
  for (const Threshold& t : kThresholds) {
    if (t.first_year_ending <= year_ending) found = t;
  }
  return found;
}

std::span<const IndicatorDef> IndicatorDefs() { return kDefs; }

std::optional<double> WeightedMean(
    const std::vector<std::pair<double, int>>& values) {
  double sum = 0;
  int64_t weight = 0;
  for (const auto& [v, w] : values) {
    sum += v * w;
    weight += w;
  }
  if (weight == 0) return std::nullopt;
  return sum / static_cast<double>(weight);
}

std::vector<v1::Indicator> ComputeWindow(const Facts& facts, int year_ending) {
  const Window w = WindowEnding(year_ending);
  const std::optional<Threshold> threshold = ThresholdFor(year_ending);
  Acc a1, a2, a10, reg, app, appr_match;
  int a3_within = 0, adopted = 0, bme = 0, age5 = 0, plan_changed = 0;
  int waiting_children = 0, adm = 0, orders = 0;
  int waiting_households = 0, undecided = 0, matched_households = 0,
      waited_3_months = 0;
  for (const ChildFacts& c : facts.children) {
    const int n = c.children();
    if (c.plan_changed_on.has_value() && w.Contains(*c.plan_changed_on)) {
      plan_changed += n;
    }
    if (c.shobpa.has_value() && w.Contains(*c.shobpa)) adm += n;
    if (c.placement_order.has_value() && w.Contains(*c.placement_order)) {
      orders += n;
    }
    // Waiting on 31 March: due for a match by then (an order or a SHOBPA
    // decision, whichever came first), not matched that day, plan not
    // changed by then; withdrawn profiles left out.
    std::optional<Day> due = c.placement_order;
    if (c.shobpa.has_value() && (!due.has_value() || *c.shobpa < *due)) {
      due = c.shobpa;
    }
    if (c.status != v1::CHILD_STATUS_WITHDRAWN && due.has_value() &&
        *due <= w.end && !MatchedOn(c.match_spells, w.end) &&
        !(c.plan_changed_on.has_value() && *c.plan_changed_on <= w.end)) {
      waiting_children += n;
    }
    if (!c.order_granted.has_value() || !w.Contains(*c.order_granted)) {
      continue;
    }
    // Adopted in the window.
    adopted += n;
    const std::optional<Day> moved_in = c.MovedInForA1();
    if (c.entered_care.has_value() && moved_in.has_value()) {
      const int64_t days = DaysBetween(*c.entered_care, *moved_in);
      a1.Add(static_cast<double>(days), n);
      if (days < 426) a3_within += n;
      a10.Add(static_cast<double>(DaysBetween(*c.entered_care, *c.placed)), n);
    }
    if (c.placement_order.has_value() && c.matched.has_value()) {
      const int64_t days = DaysBetween(*c.placement_order, *c.matched);
      a2.Add(static_cast<double>(std::max<int64_t>(days, 0)), n);
    }
    const Day at = c.placed.value_or(*c.order_granted);
    for (const MemberFacts& m : c.members) {
      if (m.bme) ++bme;
    }
    // Each member's age when they moved in.
    for (const MemberFacts& m : c.members) {
      ChildFacts one;
      one.members = {m};
      one.ages_as_of = c.ages_as_of;
      if (one.EldestAgeMonthsOn(at) >= 60) ++age5;
    }
  }
  for (const HouseholdFacts& h : facts.households) {
    const bool withdrawn = h.status == v1::ADOPTER_STATUS_WITHDRAWN;
    if (h.approved.has_value() && w.Contains(*h.approved)) {
      if (h.registered.has_value()) {
        reg.Add(static_cast<double>(DaysBetween(*h.registered, *h.approved)),
                1);
      }
      if (h.applied.has_value()) {
        app.Add(static_cast<double>(DaysBetween(*h.applied, *h.approved)), 1);
      }
    }
    if (h.matched.has_value() && w.Contains(*h.matched) &&
        h.approved.has_value()) {
      appr_match.Add(static_cast<double>(DaysBetween(*h.approved, *h.matched)),
                     1);
      ++matched_households;
      if (*h.matched >= ThreeMonthsAfter(*h.approved)) ++waited_3_months;
    }
    if (withdrawn) continue;
    // Waiting on 31 March: approved by then and not matched that day (a
    // placement that disrupted before it leaves the household waiting).
    if (h.approved.has_value() && *h.approved <= w.end &&
        !MatchedOn(h.match_spells, w.end)) {
      ++waiting_households;
    }
    if (h.applied.has_value() && *h.applied <= w.end &&
        !(h.approved.has_value() && *h.approved <= w.end)) {
      ++undecided;
    }
  }
  std::optional<int> t1, t2;
  if (threshold.has_value()) {
    t1 = threshold->a1_days;
    t2 = threshold->a2_days;
  }
  auto count = [](int n) { return std::optional<double>(n); };
  std::vector<v1::Indicator> out;
  const IndicatorDef* d = kDefs;
  out.push_back(Make(d[0], WeightedMean(a1.values), a1.count, t1));
  out.push_back(Make(d[1], WeightedMean(a2.values), a2.count, t2));
  out.push_back(Make(d[2], a1.count > 0 ? count(a3_within) : std::nullopt,
                     a1.count, std::nullopt));
  out.push_back(
      Make(d[3], Percent(a3_within, a1.count), a1.count, std::nullopt));
  out.push_back(Make(d[4], WeightedMean(a10.values), a10.count, t1));
  out.push_back(Make(d[5], WeightedMean(reg.values), reg.count, std::nullopt));
  out.push_back(Make(d[6], WeightedMean(app.values), app.count, std::nullopt));
  out.push_back(Make(d[7], WeightedMean(appr_match.values), appr_match.count,
                     std::nullopt));
  out.push_back(
      Make(d[8], count(waiting_households), waiting_households, std::nullopt));
  out.push_back(Make(d[9], Percent(waited_3_months, matched_households),
                     matched_households, std::nullopt));
  out.push_back(Make(d[10], count(adopted), adopted, std::nullopt));
  out.push_back(Make(d[11], count(bme), bme, std::nullopt));
  out.push_back(Make(d[12], count(age5), age5, std::nullopt));
  out.push_back(Make(d[13], count(plan_changed), plan_changed, std::nullopt));
  out.push_back(
      Make(d[14], count(waiting_children), waiting_children, std::nullopt));
  out.push_back(Make(d[15], count(undecided), undecided, std::nullopt));
  out.push_back(Make(d[16], count(adm), adm, std::nullopt));
  out.push_back(Make(d[17], count(orders), orders, std::nullopt));
  return out;
}

v1::Scorecard ComputeScorecard(const Facts& all,
                               const std::string& authority_id, int year_ending,
                               int windows) {
  v1::Scorecard out;
  out.set_authority(absl::StrCat("authorities/", authority_id));
  const Facts facts = FactsOf(all, authority_id);
  for (int y = year_ending - windows + 1; y <= year_ending; ++y) {
    v1::ScorecardWindow* window = out.add_windows();
    const Window w = WindowEnding(y);
    *window->mutable_start() = ToDate(w.start);
    *window->mutable_end() = ToDate(w.end);
    for (v1::Indicator& i : ComputeWindow(facts, y)) {
      *window->add_indicators() = std::move(i);
    }
  }
  if (authority_id != "-") return out;
  // Each member's latest window.
  std::vector<std::vector<v1::Indicator>> per_member;
  for (const MemberInfo& m : all.members) {
    per_member.push_back(ComputeWindow(FactsOf(all, m.id), year_ending));
  }
  for (size_t i = 0; i < std::size(kDefs); ++i) {
    const IndicatorDef& def = kDefs[i];
    v1::MemberRanking* ranking = out.add_rankings();
    ranking->set_indicator_id(def.id);
    ranking->set_code(def.code);
    std::vector<size_t> order(all.members.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    auto value = [&](size_t k) -> const v1::Indicator& {
      return per_member[k][i];
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const v1::Indicator& x = value(a);
      const v1::Indicator& y = value(b);
      if (x.has_value() != y.has_value()) return x.has_value();
      if (x.has_value() && x.value() != y.value()) {
        return def.lower_is_better ? x.value() < y.value()
                                   : x.value() > y.value();
      }
      return all.members[a].id < all.members[b].id;
    });
    int rank = 0;
    std::optional<double> last;
    for (size_t pos = 0; pos < order.size(); ++pos) {
      const size_t k = order[pos];
      const v1::Indicator& ind = value(k);
      v1::RankedMember* r = ranking->add_members();
      r->set_authority(absl::StrCat("authorities/", all.members[k].id));
      r->set_display_name(all.members[k].display_name);
      if (ind.has_value()) r->set_value(ind.value());
      r->set_count(ind.count());
      // Equal values share a rank; members with no value come last.
      std::optional<double> v =
          ind.has_value() ? std::optional<double>(ind.value()) : std::nullopt;
      if (pos == 0 || v != last || !v.has_value()) {
        rank = static_cast<int>(pos) + 1;
      }
      last = v;
      r->set_rank(rank);
      r->set_met(ind.met());
    }
  }
  return out;
}

}  // namespace raa::reports
