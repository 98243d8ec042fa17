// Pure helpers of the manager's pages (manager_pages.cc): the server-side
// bar charts and the comparison of a child's ranking before and after a
// policy change. No HTTP, no calls; tested in web_pure_test.cc. Thread-safe
// (pure functions).
#ifndef RAAMATCH_CLIENTS_WEB_MANAGER_VIEWS_H_
#define RAAMATCH_CLIENTS_WEB_MANAGER_VIEWS_H_

#include <kainjow/mustache.hpp>
#include <optional>
#include <string>
#include <vector>

namespace raa::web {

// One bar of a chart: a label, its figure (or none) as a number and as the
// text written beside the label ("428 days, over the threshold of 426
// days"), the threshold it is measured against, and whether it is over it
// (drawn in another colour AND said in the text).
struct ChartBar {
  std::string label = {};
  std::optional<double> value = std::nullopt;
  std::string value_text = {};
  std::optional<double> threshold = std::nullopt;
  bool over = false;
};

// A horizontal bar chart as data for templates/manager_chart.mustache: per
// bar a line "label: figure" and the bar under it, scaled so the largest
// value or threshold spans the chart (a positive value is at least 1 unit
// wide; none draws no bar), with the threshold as a dashed line. The
// <svg role="img"> gets `title` and a description listing every figure
// ("label: figure; ..."), its text alternative. Keys: id, chart_title, desc,
// width, height, has_threshold_key, bars (label, value_text, label_y, bar_y,
// has_value, bar_width, over, has_threshold, threshold_x, threshold_y1,
// threshold_y2). Numbers are SVG user units with one decimal.
kainjow::mustache::data ChartData(const std::string& id,
                                  const std::string& title,
                                  const std::vector<ChartBar>& bars);

// A household's place in a child's ranking (rank 1 is the best).
struct RankPlace {
  std::string household;
  int rank = 0;
  int score = 0;
};

// A household of either ranking: where it was and is, and how many places
// it moved up (negative: down). One that entered the top counts as moving up
// `top` places, one that left it as moving down `top`.
struct RankMove {
  std::string household;
  std::optional<RankPlace> before;
  std::optional<RankPlace> after;
  int places = 0;
  std::string movement;  // "up 2", "down 1", "no change",
                         // "new in the top 10", "left the top 10"
};

// Every household of `before` and `after` (each a ranking's top `top`, best
// first): those of `after` in its order, then those that left, in their old
// order.
std::vector<RankMove> CompareRankings(const std::vector<RankPlace>& before,
                                      const std::vector<RankPlace>& after,
                                      int top);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_MANAGER_VIEWS_H_
