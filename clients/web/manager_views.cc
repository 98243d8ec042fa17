#include "clients/web/manager_views.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace raa::web {
namespace {

using kainjow::mustache::data;

constexpr double kChartWidth = 640;
constexpr double kBarSpace = 600;  // the longest bar
constexpr double kRowHeight = 46;

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

const RankPlace* Find(const std::vector<RankPlace>& list,
                      const std::string& household) {
  for (const RankPlace& p : list) {
    if (p.household == household) return &p;
  }
  return nullptr;
}

}  // namespace

data ChartData(const std::string& id, const std::string& title,
               const std::vector<ChartBar>& bars) {
  double max = 0;
  for (const ChartBar& b : bars) {
    if (b.value.has_value()) max = std::max(max, *b.value);
    if (b.threshold.has_value()) max = std::max(max, *b.threshold);
  }
  if (!(max > 0)) max = 1;
  data rows(data::type::list);
  std::vector<std::string> described;
  double y = 0;
  for (const ChartBar& b : bars) {
    data row;
    row.set("label", b.label);
    row.set("value_text", b.value_text);
    row.set("label_y", Num(y + 15));
    row.set("bar_y", Num(y + 21));
    double width = 0;
    if (b.value.has_value() && *b.value > 0) {
      width = std::max(1.0, *b.value / max * kBarSpace);
    }
    row.set("has_value", b.value.has_value());
    row.set("bar_width", Num(width));
    row.set("over", b.over);
    row.set("has_threshold", b.threshold.has_value());
    if (b.threshold.has_value()) {
      row.set("threshold_x", Num(*b.threshold / max * kBarSpace));
      row.set("threshold_y1", Num(y + 17));
      row.set("threshold_y2", Num(y + 41));
    }
    rows.push_back(row);
    described.push_back(absl::StrCat(b.label, ": ", b.value_text));
    y += kRowHeight;
  }
  data chart;
  chart.set("id", id);
  chart.set("chart_title", title);
  chart.set("desc", absl::StrCat(absl::StrJoin(described, "; "), "."));
  chart.set("width", Num(kChartWidth));
  chart.set("height", Num(std::max(y, kRowHeight)));
  chart.set("bars", rows);
  chart.set("has_threshold_key",
            std::any_of(bars.begin(), bars.end(), [](const ChartBar& b) {
              return b.threshold.has_value();
            }));
  return chart;
}

std::vector<RankMove> CompareRankings(const std::vector<RankPlace>& before,
                                      const std::vector<RankPlace>& after,
                                      int top) {
  std::vector<std::string> order;
  for (const RankPlace& p : after) order.push_back(p.household);
  for (const RankPlace& p : before) {
    if (std::find(order.begin(), order.end(), p.household) == order.end()) {
      order.push_back(p.household);
    }
  }
  std::vector<RankMove> moves;
  for (const std::string& household : order) {
    RankMove m;
    m.household = household;
    const RankPlace* b = Find(before, household);
    const RankPlace* a = Find(after, household);
    if (b != nullptr) m.before = *b;
    if (a != nullptr) m.after = *a;
    if (a != nullptr && b != nullptr) {
      m.places = b->rank - a->rank;
      m.movement = m.places > 0   ? absl::StrCat("up ", m.places)
                   : m.places < 0 ? absl::StrCat("down ", -m.places)
                                  : "no change";
    } else if (a != nullptr) {
      m.places = top;
      m.movement = absl::StrCat("new in the top ", top);
    } else {
      m.places = -top;
      m.movement = absl::StrCat("left the top ", top);
    }
    moves.push_back(std::move(m));
  }
  return moves;
}

}  // namespace raa::web
