#include "services/reports/forecast.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/names.h"
#include "raa/v1/common.pb.h"
#include "services/reports/scorecard.h"
#include "services/reports/waiting.h"

namespace raa::reports {
namespace {

std::optional<int> MedianDays(const std::vector<const ChildFacts*>& children,
                              std::optional<Day> ChildFacts::*from,
                              std::optional<Day> ChildFacts::*to) {
  std::vector<double> days;
  for (const ChildFacts* c : children) {
    // An early-permanence child moves in before the match: not a wait.
    if ((c->*from).has_value() && (c->*to).has_value() &&
        *(c->*to) >= *(c->*from)) {
      days.push_back(static_cast<double>(*(c->*to) - *(c->*from)));
    }
  }
  std::optional<double> m = Median(days);
  if (!m.has_value()) return std::nullopt;
  return static_cast<int>(std::lround(*m));
}

// A child as the forecast sees it: the days A1 and A2 will count, the day
// its order is (or is expected to be) granted.
struct Projected {
  const ChildFacts* child;
  Day order;
  std::optional<int64_t> a1_days;
  std::optional<int64_t> a2_days;
  bool waiting = false;  // matched "today" by assumption
};

bool IsWaiting(const ChildFacts& c) {
  return c.status == v1::CHILD_STATUS_WAITING ||
         c.status == v1::CHILD_STATUS_LINKED;
}

}  // namespace

v1::Forecast ComputeForecast(
    const Facts& all, const std::string& authority_id, Day today,
    const std::function<bool(const ChildFacts&)>& show) {
  v1::Forecast out;
  *out.mutable_as_of() = ToDate(today);
  std::vector<const ChildFacts*> everyone;
  for (const ChildFacts& c : all.children) everyone.push_back(&c);
  const std::optional<int> consortium_court = MedianDays(
      everyone, &ChildFacts::order_applied, &ChildFacts::order_granted);
  const std::optional<int> consortium_m2p =
      MedianDays(everyone, &ChildFacts::matched, &ChildFacts::placed);
  const int first_year = YearEndingOn(today);

  for (const MemberInfo& member : all.members) {
    if (authority_id != "-" && member.id != authority_id) continue;
    std::vector<const ChildFacts*> mine;
    for (const ChildFacts& c : all.children) {
      if (c.authority_id == member.id) mine.push_back(&c);
    }
    const int court =
        MedianDays(mine, &ChildFacts::order_applied, &ChildFacts::order_granted)
            .value_or(consortium_court.value_or(kDefaultCourtMedianDays));
    const int m2p =
        MedianDays(mine, &ChildFacts::matched, &ChildFacts::placed)
            .value_or(consortium_m2p.value_or(kDefaultMatchToPlacedDays));
    std::vector<Projected> projected;
    for (const ChildFacts* c : mine) {
      Projected p{c, today, std::nullopt, std::nullopt};
      std::optional<Day> matched = c->matched;
      std::optional<Day> moved_in;
      if (c->order_granted.has_value()) {
        p.order = *c->order_granted;
        moved_in = c->MovedInForA1();
      } else if (c->status == v1::CHILD_STATUS_WITHDRAWN) {
        continue;
      } else if (c->placed.has_value()) {
        p.order = c->order_applied.has_value()
                      ? *c->order_applied + court
                      : *c->placed + kOrderApplicationDays + court;
        p.order = std::max(p.order, today);
        moved_in = c->MovedInForA1();
      } else if (c->matched.has_value()) {
        const Day placed = std::max(*c->matched + m2p, today);
        moved_in = placed;
        p.order = placed + kOrderApplicationDays + court;
      } else if (IsWaiting(*c) &&
                 (c->placement_order.has_value() || c->shobpa.has_value())) {
        matched = today;
        moved_in = today + m2p;
        p.order = *moved_in + kOrderApplicationDays + court;
        p.waiting = true;
      } else {
        continue;
      }
      if (c->entered_care.has_value() && moved_in.has_value()) {
        p.a1_days = *moved_in - *c->entered_care;
      }
      if (c->placement_order.has_value() && matched.has_value()) {
        p.a2_days = std::max<int64_t>(*matched - *c->placement_order, 0);
      }
      projected.push_back(p);
    }

    v1::AuthorityForecast* af = out.add_authorities();
    af->set_authority(AuthorityName(member.id));
    af->set_court_median_days(court);
    struct Sums {
      double a1 = 0, a2 = 0;
      int n1 = 0, n2 = 0;
    };
    std::vector<Sums> sums;
    for (int k = 0; k < 2; ++k) {
      const int year = first_year + k;
      const Window w = WindowEnding(year);
      const std::optional<Threshold> t = ThresholdFor(year);
      Sums s;
      for (const Projected& p : projected) {
        if (!w.Contains(p.order)) continue;
        const int n = p.child->children();
        if (p.a1_days) {
          s.a1 += static_cast<double>(*p.a1_days) * n;
          s.n1 += n;
        }
        if (p.a2_days) {
          s.a2 += static_cast<double>(*p.a2_days) * n;
          s.n2 += n;
        }
      }
      sums.push_back(s);
      v1::ForecastWindow* fw = af->add_windows();
      *fw->mutable_start() = ToDate(w.start);
      *fw->mutable_end() = ToDate(w.end);
      const IndicatorDef& d1 = IndicatorDefs()[0];
      const IndicatorDef& d2 = IndicatorDefs()[1];
      for (int i = 0; i < 2; ++i) {
        const IndicatorDef& d = i == 0 ? d1 : d2;
        const double sum = i == 0 ? s.a1 : s.a2;
        const int n = i == 0 ? s.n1 : s.n2;
        v1::Indicator* ind = fw->add_indicators();
        ind->set_code(d.code);
        ind->set_id(d.id);
        ind->set_title(absl::StrCat("Forecast: ", d.title));
        ind->set_unit(d.unit);
        ind->set_count(n);
        if (n > 0) ind->set_value(sum / n);
        if (t.has_value()) {
          const int threshold = i == 0 ? t->a1_days : t->a2_days;
          ind->set_threshold(threshold);
          ind->set_met(n > 0 && sum / n <= threshold);
        }
      }
    }

    // The waiting children with an order: the latest match date that keeps
    // the A2 of the window their order falls in at or under its threshold.
    std::vector<v1::ForecastChild> listed;
    for (const Projected& p : projected) {
      const ChildFacts& c = *p.child;
      if (!p.waiting || !c.placement_order.has_value() || !show(c)) continue;
      int k = YearEndingOn(p.order) - first_year;
      k = std::clamp(k, 0, 1);
      const std::optional<Threshold> t = ThresholdFor(first_year + k);
      v1::ForecastChild fc;
      fc.set_child(ChildName(c.authority_id, c.row));
      fc.set_days_since_order(static_cast<int>(today - *c.placement_order));
      if (!t.has_value()) {
        listed.push_back(fc);
        continue;
      }
      const int n = c.children();
      const double others = sums[k].a2 - static_cast<double>(*p.a2_days) * n;
      const int others_n = sums[k].n2 - n;
      // (others + n * days) / (others_n + n) <= T
      const double room =
          (static_cast<double>(t->a2_days) * (others_n + n) - others) / n;
      if (room < 0) {
        fc.set_pulls_over(true);
      } else {
        const Day latest =
            *c.placement_order + static_cast<int64_t>(std::floor(room + 1e-9));
        *fc.mutable_latest_match_date() = ToDate(latest);
        fc.set_pulls_over(latest < today);
      }
      listed.push_back(fc);
    }
    std::stable_sort(
        listed.begin(), listed.end(),
        [](const v1::ForecastChild& a, const v1::ForecastChild& b) {
          if (a.pulls_over() != b.pulls_over()) {
            return a.pulls_over();
          }
          return a.days_since_order() > b.days_since_order();
        });
    for (v1::ForecastChild& fc : listed) *af->add_children() = std::move(fc);
  }
  return out;
}

}  // namespace raa::reports
