#include "clients/lib/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/lib/figures.h"
#include "common/dates.h"

namespace raa {
namespace {

std::string Esc(absl::string_view text) {
  return EscapeHtml(std::string_view(text.data(), text.size()));
}

// The look of the document. Colours are GOV.UK's; what a colour says is also
// said by a line style, a hatch or a word, so the report reads in greyscale.
constexpr char kStyle[] = R"css(
@page { size: A4; margin: 15mm 14mm; }
html { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; background: #fff; }
body { margin: 0 auto; max-width: 720px; padding: 16px; font-size: 16px; line-height: 1.35; }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 22px; margin: 32px 0 8px; border-top: 2px solid #0b0c0c; padding-top: 8px; }
h3 { font-size: 18px; margin: 24px 0 8px; }
h4 { font-size: 16px; margin: 16px 0 6px; }
p.meta { color: #505a5f; margin: 0 0 16px; }
nav ul { margin: 0; padding-left: 20px; }
a { color: #1d70b8; }
table { border-collapse: collapse; width: 100%; margin: 0 0 16px; font-size: 14px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 4px 6px; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #0b0c0c; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.over td, tr.over th { font-weight: bold; background: #f3f2f1; }
tr.over th { border-left: 4px solid #0b0c0c; }
figure { margin: 8px 0 16px; }
figcaption { font-weight: bold; margin-bottom: 4px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 680px; }
svg.chart text { font-family: Arial, Helvetica, sans-serif; font-size: 12px; fill: #0b0c0c; }
svg.chart .grid { stroke: #dcdcdc; stroke-width: 1; }
svg.chart .axis { stroke: #0b0c0c; stroke-width: 1; }
svg.chart .line { fill: none; stroke: #1d70b8; stroke-width: 2.5; }
svg.chart .point { fill: #1d70b8; stroke: #fff; stroke-width: 1; }
svg.chart .point.missed { fill: #0b0c0c; }
svg.chart .threshold, svg.chart .threshold-key { fill: none; stroke: #0b0c0c; stroke-width: 2; stroke-dasharray: 6 4; }
svg.chart text.value, svg.chart text.label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart text.small { font-size: 11px; }
.note { color: #505a5f; font-size: 14px; }
.barriers li { margin-bottom: 4px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 18pt; }
  h2 { font-size: 14pt; break-before: auto; }
  h2, h3, h4, figcaption, caption { break-after: avoid; page-break-after: avoid; }
  figure, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  table { font-size: 9pt; }
  nav { display: none; }
  a { color: #0b0c0c; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

constexpr const char* kMonths[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// "1 April 2023"; empty for an unset or invalid date.
std::string LongDate(const google::type::Date& date) {
  if (!ToCivilDay(date).has_value()) return "";
  return absl::StrCat(date.day(), " ", kMonths[date.month() - 1], " ",
                      date.year());
}

// "2 April 2026" from "2026-04-02"; the text as given if it is not a date.
std::string LongDate(absl::string_view text) {
  std::optional<google::type::Date> date = ParseDate(text);
  return date.has_value() ? LongDate(*date) : std::string(text);
}

// A window's short name for chart axes: "2023–26".
std::string WindowLabel(const google::type::Date& start,
                        const google::type::Date& end) {
  if (IsUnset(end)) return "?";
  int first = IsUnset(start) ? end.year() - 3 : start.year();
  return absl::StrFormat("%d\u2013%02d", first, end.year() % 100);
}

std::string WindowLongLabel(const google::type::Date& start,
                            const google::type::Date& end) {
  return absl::StrCat(LongDate(start), " to ", LongDate(end));
}

// "authorities/sheffield" -> "sheffield"; "authorities/-" -> "the consortium".
std::string AuthorityLabel(absl::string_view name) {
  constexpr absl::string_view kPrefix = "authorities/";
  if (name.substr(0, kPrefix.size()) == kPrefix)
    name.remove_prefix(kPrefix.size());
  if (name == "-" || name.empty()) return "the consortium";
  return std::string(name);
}

// A figure in its unit, short: "293", "45.2%".
std::string ShortValue(double value, absl::string_view unit) {
  return FigureText(value, unit == "days" ? "" : unit);
}

// A figure in its unit for tables: "293 days", "45.2%", "12".
std::string LongValue(double value, absl::string_view unit) {
  return FigureText(value, unit);
}

std::string IndicatorName(const v1::Indicator& indicator) {
  return indicator.code().empty()
             ? indicator.title()
             : absl::StrCat(indicator.code(), ": ", indicator.title());
}

// `text` cut to at most `max_chars` characters (not bytes), with an ellipsis
// when cut.
std::string Shorten(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars - 1) {
      // Is there more than one character left?
      size_t rest = 0;
      for (size_t j = i; j < text.size(); ++j) {
        if ((static_cast<unsigned char>(text[j]) & 0xC0) != 0x80) ++rest;
      }
      if (rest > 1) return absl::StrCat(text.substr(0, i), "\u2026");
      return std::string(text);
    }
    ++chars;
  }
  return std::string(text);
}

std::string F(double v) { return absl::StrFormat("%.1f", v); }

// ---------------------------------------------------------------------------
// Charts: a few small SVG pieces.

constexpr double kChartWidth = 680;

// A y scale from 0 to a round maximum, with its ticks.
struct Scale {
  double max = 1;
  double step = 1;
};

Scale NiceScale(double max_value, absl::string_view unit) {
  if (unit == "percent") return {100, 20};
  if (!(max_value > 0)) return {1, 1};
  double raw = max_value / 5;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  double step = std::max(1.0, nice * magnitude);
  return {std::ceil(max_value / step) * step, step};
}

// Opens a chart: the <svg> with its accessible name and description, and a
// hatch (for figures that miss their threshold) with ids local to the chart.
std::string SvgOpen(const std::string& id, double height,
                    const std::string& title, const std::string& desc) {
  return absl::StrCat(
      "<svg id=\"", id, "\" class=\"chart\" role=\"img\" viewBox=\"0 0 ",
      F(kChartWidth), " ", F(height), "\" aria-labelledby=\"", id,
      "-title\" aria-describedby=\"", id, "-desc\"><title id=\"", id,
      "-title\">", Esc(title), "</title><desc id=\"", id, "-desc\">", Esc(desc),
      "</desc><defs><pattern id=\"", id,
      "-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
      "fill=\"#d4351c\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
      "stroke=\"#fff\" stroke-width=\"2.5\"/></pattern></defs>");
}

// A bar's fill: the hatch of its chart when it is over the threshold.
std::string BarFill(bool missed, const std::string& id) {
  return missed ? absl::StrCat("url(#", id, "-hatch)") : "#1d70b8";
}

std::string Text(double x, double y, absl::string_view anchor,
                 absl::string_view text, absl::string_view css_class = "") {
  return absl::StrCat(
      "<text x=\"", F(x), "\" y=\"", F(y), "\" text-anchor=\"", anchor, "\"",
      css_class.empty() ? "" : absl::StrCat(" class=\"", css_class, "\""), ">",
      Esc(text), "</text>");
}

// The key: the value's mark, the threshold's dashed line, and the mark of a
// figure over the threshold (`missed_label`; none if empty).
std::string Legend(double x, double y, bool with_threshold,
                   absl::string_view missed_label, const std::string& id,
                   absl::string_view value_mark) {
  std::string out;
  if (value_mark == "line") {
    absl::StrAppend(&out, "<line class=\"line\" x1=\"", F(x), "\" y1=\"",
                    F(y - 4), "\" x2=\"", F(x + 24), "\" y2=\"", F(y - 4),
                    "\"/>");
  } else {
    absl::StrAppend(&out, "<rect x=\"", F(x), "\" y=\"", F(y - 10),
                    "\" width=\"12\" height=\"12\" fill=\"#1d70b8\"/>");
  }
  absl::StrAppend(&out, Text(x + 30, y, "start", "value"));
  x += 80;
  if (with_threshold) {
    absl::StrAppend(&out, "<line class=\"threshold-key\" x1=\"", F(x),
                    "\" y1=\"", F(y - 4), "\" x2=\"", F(x + 24), "\" y2=\"",
                    F(y - 4), "\"/>", Text(x + 30, y, "start", "threshold"));
    x += 100;
  }
  if (!missed_label.empty()) {
    if (value_mark == "line") {
      absl::StrAppend(&out, "<circle class=\"key-point\" cx=\"", F(x + 6),
                      "\" cy=\"", F(y - 4), "\" r=\"5.5\" fill=\"#0b0c0c\"/>");
    } else {
      absl::StrAppend(&out, "<rect x=\"", F(x), "\" y=\"", F(y - 10),
                      "\" width=\"12\" height=\"12\" fill=\"url(#", id,
                      "-hatch)\"/>");
    }
    absl::StrAppend(&out, Text(x + 18, y, "start", missed_label));
  }
  return out;
}

// The plot area of a chart with categories along x and values up y.
struct ColumnPlot {
  double left = 64, top = 36, width = kChartWidth - 64 - 24, height = 200;
  Scale scale;
  size_t bands = 1;

  double Y(double v) const {
    return top + height - std::clamp(v / scale.max, 0.0, 1.0) * height;
  }
  double BandWidth() const { return width / static_cast<double>(bands); }
  double BandLeft(size_t i) const {
    return left + BandWidth() * static_cast<double>(i);
  }
  double BandCentre(size_t i) const { return BandLeft(i) + BandWidth() / 2; }
  double Bottom() const { return top + height; }
};

// Grid lines and tick labels up the y axis, the axis lines, and the unit.
std::string YAxis(const ColumnPlot& plot, absl::string_view unit) {
  std::string out = "<g class=\"y-axis\">";
  for (double v = 0; v <= plot.scale.max + plot.scale.step / 2;
       v += plot.scale.step) {
    double y = plot.Y(v);
    absl::StrAppend(&out, "<line class=\"grid\" x1=\"", F(plot.left),
                    "\" y1=\"", F(y), "\" x2=\"", F(plot.left + plot.width),
                    "\" y2=\"", F(y), "\"/>",
                    Text(plot.left - 6, y + 4, "end",
                         unit == "percent" ? absl::StrFormat("%.0f%%", v)
                                           : absl::StrFormat("%.0f", v)));
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(plot.left), "\" y1=\"",
                  F(plot.top), "\" x2=\"", F(plot.left), "\" y2=\"",
                  F(plot.Bottom()), "\"/><line class=\"axis\" x1=\"",
                  F(plot.left), "\" y1=\"", F(plot.Bottom()), "\" x2=\"",
                  F(plot.left + plot.width), "\" y2=\"", F(plot.Bottom()),
                  "\"/>");
  if (unit != "percent") {
    absl::StrAppend(&out, Text(plot.left - 6, plot.top - 10, "end", unit));
  }
  absl::StrAppend(&out, "</g>");
  return out;
}

std::string XLabels(const ColumnPlot& plot,
                    const std::vector<std::string>& labels) {
  std::string out = "<g class=\"x-axis\">";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, Text(plot.BandCentre(i), plot.Bottom() + 18, "middle",
                               labels[i]));
  }
  absl::StrAppend(&out, "</g>");
  return out;
}

// One value per band; nullopt where there is none.
struct Series {
  std::vector<std::optional<double>> values;
  std::vector<bool> missed;  // over the threshold
  std::string unit;
};

// What a series draws: its marks, and its labels, which go on top of
// everything (the threshold line included) so that they stay legible.
struct Drawn {
  std::string marks;
  std::string labels;
};

// Vertical bars, the value above each, "no data" where there is none.
Drawn Bars(const ColumnPlot& plot, const Series& series,
           const std::string& id) {
  std::string out = "<g class=\"bars\">";
  std::string labels;
  double bar_width = std::min(64.0, plot.BandWidth() * 0.6);
  for (size_t i = 0; i < series.values.size(); ++i) {
    double x = plot.BandCentre(i) - bar_width / 2;
    if (!series.values[i].has_value()) {
      absl::StrAppend(&labels, Text(plot.BandCentre(i), plot.Bottom() - 6,
                                    "middle", "no data"));
      continue;
    }
    double v = *series.values[i];
    double y = plot.Y(v);
    bool missed = i < series.missed.size() && series.missed[i];
    absl::StrAppend(&out, "<rect class=\"bar", missed ? " missed" : "",
                    "\" x=\"", F(x), "\" y=\"", F(y), "\" width=\"",
                    F(bar_width), "\" height=\"",
                    F(std::max(plot.Bottom() - y, 0.5)), "\"", " fill=\"",
                    BarFill(missed, id), "\"/>");
    absl::StrAppend(&labels, Text(plot.BandCentre(i), y - 5, "middle",
                                  ShortValue(v, series.unit), "value"));
  }
  absl::StrAppend(&out, "</g>");
  return {out, labels};
}

// A line through the values (broken where one is missing), a point at each
// and its value beside it.
Drawn Line(const ColumnPlot& plot, const Series& series) {
  std::string out = "<g class=\"series\">";
  std::string labels;
  std::vector<std::string> segment;
  auto flush = [&]() {
    if (segment.size() > 1) {
      absl::StrAppend(&out, "<polyline class=\"line\" points=\"",
                      absl::StrJoin(segment, " "), "\"/>");
    }
    segment.clear();
  };
  for (size_t i = 0; i < series.values.size(); ++i) {
    if (!series.values[i].has_value()) {
      flush();
      continue;
    }
    segment.push_back(
        absl::StrCat(F(plot.BandCentre(i)), ",", F(plot.Y(*series.values[i]))));
  }
  flush();
  for (size_t i = 0; i < series.values.size(); ++i) {
    if (!series.values[i].has_value()) {
      absl::StrAppend(&labels, Text(plot.BandCentre(i), plot.Bottom() - 6,
                                    "middle", "no data"));
      continue;
    }
    double y = plot.Y(*series.values[i]);
    bool missed = i < series.missed.size() && series.missed[i];
    absl::StrAppend(&out, "<circle class=\"point", missed ? " missed" : "",
                    "\" cx=\"", F(plot.BandCentre(i)), "\" cy=\"", F(y),
                    "\" r=\"", missed ? "5.5" : "4.5", "\"/>");
    absl::StrAppend(&labels,
                    Text(plot.BandCentre(i), y - 9, "middle",
                         ShortValue(*series.values[i], series.unit), "value"));
  }
  absl::StrAppend(&out, "</g>");
  return {out, labels};
}

// The threshold of each band as a dashed step line across the bands (it
// changes from window to window), labelled at its right end.
std::string Threshold(const ColumnPlot& plot,
                      const std::vector<std::optional<double>>& thresholds) {
  std::string out;
  std::vector<std::string> points;
  auto flush = [&]() {
    if (!points.empty()) {
      absl::StrAppend(&out, "<polyline class=\"threshold\" points=\"",
                      absl::StrJoin(points, " "), "\"/>");
    }
    points.clear();
  };
  for (size_t i = 0; i < thresholds.size(); ++i) {
    if (!thresholds[i].has_value()) {
      flush();
      continue;
    }
    double y = plot.Y(*thresholds[i]);
    points.push_back(absl::StrCat(F(plot.BandLeft(i)), ",", F(y)));
    points.push_back(
        absl::StrCat(F(plot.BandLeft(i) + plot.BandWidth()), ",", F(y)));
  }
  flush();
  return out;
}

// A chart of one indicator over windows: a line (trend) or bars (forecast)
// against the threshold of each window.
struct IndicatorSeries {
  std::string id;
  std::string name;  // "A1: ..."
  std::string unit;
  std::vector<std::string> windows;  // "2023–26"
  std::vector<std::optional<double>> values;
  std::vector<std::optional<double>> thresholds;
  std::vector<bool> missed;
};

std::string Describe(const IndicatorSeries& s) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < s.windows.size(); ++i) {
    std::string part = absl::StrCat(
        s.windows[i], ": ",
        s.values[i].has_value() ? LongValue(*s.values[i], s.unit) : "no data");
    if (s.thresholds[i].has_value()) {
      absl::StrAppend(&part, " (threshold ",
                      LongValue(*s.thresholds[i], s.unit),
                      !s.values[i].has_value() ? ""
                      : s.missed[i]            ? ", not met"
                                               : ", met",
                      ")");
    }
    parts.push_back(part);
  }
  return absl::StrCat(s.name, ". ", absl::StrJoin(parts, "; "), ".");
}

std::string IndicatorChart(const std::string& id, const std::string& title,
                           const IndicatorSeries& s, bool as_bars) {
  double max_value = 0;
  bool any_threshold = false, any_missed = false;
  for (size_t i = 0; i < s.values.size(); ++i) {
    if (s.values[i].has_value()) max_value = std::max(max_value, *s.values[i]);
    if (s.thresholds[i].has_value()) {
      max_value = std::max(max_value, *s.thresholds[i]);
      any_threshold = true;
    }
    if (s.missed[i]) any_missed = true;
  }
  ColumnPlot plot;
  plot.scale = NiceScale(max_value * 1.08, s.unit);
  plot.bands = std::max<size_t>(1, s.windows.size());
  double height = plot.Bottom() + (any_threshold ? 46 : 30);
  Series series{s.values, s.missed, s.unit};
  std::string threshold_row;
  if (any_threshold) {
    double y = plot.Bottom() + 36;
    threshold_row =
        absl::StrCat("<g class=\"threshold-values\">",
                     Text(plot.left - 6, y, "end", "threshold", "small"));
    for (size_t i = 0; i < s.thresholds.size(); ++i) {
      if (!s.thresholds[i].has_value()) continue;
      absl::StrAppend(&threshold_row,
                      Text(plot.BandCentre(i), y, "middle",
                           ShortValue(*s.thresholds[i], s.unit), "small"));
    }
    absl::StrAppend(&threshold_row, "</g>");
  }
  std::string out = SvgOpen(id, height, title, Describe(s));
  Drawn drawn = as_bars ? Bars(plot, series, id) : Line(plot, series);
  absl::StrAppend(&out, YAxis(plot, s.unit), XLabels(plot, s.windows),
                  threshold_row, as_bars ? drawn.marks : "",
                  Threshold(plot, s.thresholds), as_bars ? "" : drawn.marks,
                  "<g class=\"labels\">", drawn.labels, "</g>",
                  Legend(plot.left + 40, 16, any_threshold,
                         any_missed ? "over the threshold" : "", id,
                         as_bars ? "bar" : "line"),
                  "</svg>");
  return out;
}

// A horizontal bar chart: one row per item, best first, with an optional
// threshold marked across the rows.
struct Row {
  std::string label;
  std::optional<double> value;
  bool missed = false;
  std::string note;  // after the value, e.g. "no eligible household"
};

std::string HorizontalBarChart(const std::string& id, const std::string& title,
                               const std::string& desc,
                               const std::vector<Row>& rows,
                               absl::string_view unit,
                               std::optional<double> threshold,
                               absl::string_view missed_label) {
  constexpr double kLabelWidth = 210, kRowHeight = 24;
  constexpr double kRight = 96;  // room for the value text
  double max_value = threshold.value_or(0);
  bool any_missed = false;
  for (const Row& row : rows) {
    if (row.value.has_value()) max_value = std::max(max_value, *row.value);
    any_missed = any_missed || row.missed;
  }
  Scale scale = NiceScale(max_value, unit);
  // Room above the rows for the key and the threshold's label.
  const double kTop = any_missed && threshold.has_value()   ? 50
                      : any_missed || threshold.has_value() ? 34
                                                            : 12;
  bool show_unit = unit != "percent" && unit != "count";
  double plot_left = kLabelWidth,
         plot_width = kChartWidth - kLabelWidth - kRight;
  double bottom = kTop + kRowHeight * static_cast<double>(rows.size());
  double height = bottom + (show_unit ? 40 : 26);
  auto x_of = [&](double v) {
    return plot_left + std::clamp(v / scale.max, 0.0, 1.0) * plot_width;
  };
  std::string out = SvgOpen(id, height, title, desc);
  // Grid and ticks along the bottom.
  absl::StrAppend(&out, "<g class=\"x-axis\">");
  for (double v = 0; v <= scale.max + scale.step / 2; v += scale.step) {
    absl::StrAppend(&out, "<line class=\"grid\" x1=\"", F(x_of(v)), "\" y1=\"",
                    F(kTop), "\" x2=\"", F(x_of(v)), "\" y2=\"", F(bottom),
                    "\"/>",
                    Text(x_of(v), bottom + 16, "middle",
                         unit == "percent" ? absl::StrFormat("%.0f%%", v)
                                           : absl::StrFormat("%.0f", v)));
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(plot_left), "\" y1=\"",
                  F(kTop), "\" x2=\"", F(plot_left), "\" y2=\"", F(bottom),
                  "\"/>");
  if (show_unit) {
    absl::StrAppend(&out,
                    Text(plot_left + plot_width, bottom + 32, "end", unit));
  }
  absl::StrAppend(&out, "</g><g class=\"bars\">");
  std::string labels;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    double y = kTop + kRowHeight * static_cast<double>(i);
    absl::StrAppend(&labels, Text(plot_left - 8, y + 16, "end",
                                  Shorten(row.label, 32), "label"));
    std::string after = row.note.empty() ? "" : absl::StrCat(" ", row.note);
    if (!row.value.has_value()) {
      absl::StrAppend(&labels, Text(plot_left + 6, y + 16, "start",
                                    absl::StrCat("no data", after), "value"));
      continue;
    }
    double end = x_of(*row.value);
    absl::StrAppend(&out, "<rect class=\"bar", row.missed ? " missed" : "",
                    "\" x=\"", F(plot_left), "\" y=\"", F(y + 4), "\" width=\"",
                    F(std::max(end - plot_left, 0.5)), "\" height=\"",
                    F(kRowHeight - 8), "\" fill=\"", BarFill(row.missed, id),
                    "\"/>");
    absl::StrAppend(
        &labels,
        Text(end + 5, y + 16, "start",
             absl::StrCat(ShortValue(*row.value, unit), after), "value"));
  }
  absl::StrAppend(&out, "</g>");
  if (threshold.has_value()) {
    double x = x_of(*threshold);
    absl::StrAppend(&out, "<line class=\"threshold\" x1=\"", F(x), "\" y1=\"",
                    F(kTop - 6), "\" x2=\"", F(x), "\" y2=\"", F(bottom),
                    "\"/>",
                    Text(x, kTop - 10, "middle",
                         absl::StrCat("threshold ", WholeText(*threshold))));
  }
  absl::StrAppend(&out, "<g class=\"labels\">", labels, "</g>");
  if (any_missed) {
    absl::StrAppend(&out, Legend(8, 16, false, missed_label, id, "bar"));
  }
  absl::StrAppend(&out, "</svg>");
  return out;
}

std::string Figure(const std::string& caption, const std::string& svg) {
  return absl::StrCat("<figure><figcaption>", Esc(caption), "</figcaption>",
                      svg, "</figure>\n");
}

// A safe fragment of an id from an indicator id or group name.
std::string IdPart(absl::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    out.push_back(ok ? c : '-');
  }
  return out.empty() ? "x" : out;
}

// Ids made unique within the document (an indicator id may repeat between
// authorities or parts).
class IdMaker {
 public:
  std::string Make(absl::string_view base) {
    std::string id = IdPart(base);
    int n = ++seen_[id];
    return n == 1 ? id : absl::StrCat(id, "-", n);
  }

 private:
  std::map<std::string, int> seen_;
};

std::string Cell(absl::string_view text, bool num = false) {
  return absl::StrCat(num ? "<td class=\"num\">" : "<td>", Esc(text), "</td>");
}

std::string HeaderCells(const std::vector<std::pair<std::string, bool>>& cols) {
  std::string out = "<thead><tr>";
  for (const auto& [name, num] : cols) {
    absl::StrAppend(&out, "<th scope=\"col\"", num ? " class=\"num\"" : "", ">",
                    Esc(name), "</th>");
  }
  absl::StrAppend(&out, "</tr></thead>");
  return out;
}

// A table row; marked "over" (bold, a bar at its start) when it is over a
// threshold or otherwise needs the reader's eye.
std::string TrOpen(bool over) { return over ? "<tr class=\"over\">" : "<tr>"; }

std::string MetText(const v1::Indicator& indicator) {
  if (!indicator.has_threshold() || !indicator.has_value()) return "\u2014";
  return indicator.met() ? "Met" : "Not met";
}

// The indicators charted over windows: those with a threshold in any window,
// and A3; in the order they first appear.
bool Charted(const v1::Indicator& indicator) {
  return indicator.has_threshold() || indicator.code() == "A3";
}

template <typename Window>
std::vector<IndicatorSeries> SeriesOf(
    const google::protobuf::RepeatedPtrField<Window>& windows) {
  std::vector<std::string> order;
  std::map<std::string, IndicatorSeries> by_id;
  for (const Window& w : windows) {
    for (const v1::Indicator& ind : w.indicators()) {
      if (Charted(ind) && !by_id.contains(ind.id())) {
        order.push_back(ind.id());
        IndicatorSeries& s = by_id[ind.id()];
        s.id = ind.id();
        s.name = IndicatorName(ind);
        s.unit = ind.unit();
      }
    }
  }
  for (const Window& w : windows) {
    std::string label = WindowLabel(w.start(), w.end());
    for (auto& [id, s] : by_id) {
      s.windows.push_back(label);
      s.values.push_back(std::nullopt);
      s.thresholds.push_back(std::nullopt);
      s.missed.push_back(false);
    }
    for (const v1::Indicator& ind : w.indicators()) {
      auto it = by_id.find(ind.id());
      if (it == by_id.end()) continue;
      IndicatorSeries& s = it->second;
      if (ind.has_value()) s.values.back() = ind.value();
      if (ind.has_threshold()) s.thresholds.back() = ind.threshold();
      s.missed.back() = ind.has_threshold() && ind.has_value() && !ind.met();
    }
  }
  std::vector<IndicatorSeries> out;
  for (const std::string& id : order) out.push_back(std::move(by_id[id]));
  return out;
}

std::string IndicatorTable(
    const std::string& caption,
    const google::protobuf::RepeatedPtrField<v1::Indicator>& indicators,
    absl::string_view value_heading) {
  std::string out =
      absl::StrCat("<table><caption>", Esc(caption), "</caption>",
                   HeaderCells({{"Code", false},
                                {"Indicator", false},
                                {std::string(value_heading), true},
                                {"Counted", true},
                                {"Threshold", true},
                                {"Met", false}}),
                   "<tbody>");
  for (const v1::Indicator& ind : indicators) {
    absl::StrAppend(
        &out, TrOpen(ind.has_threshold() && ind.has_value() && !ind.met()),
        Cell(ind.code()), "<th scope=\"row\">", Esc(ind.title()), "</th>",
        Cell(ind.has_value() ? LongValue(ind.value(), ind.unit()) : "no data",
             true),
        Cell(absl::StrCat(ind.count()), true),
        Cell(ind.has_threshold() ? LongValue(ind.threshold(), ind.unit())
                                 : "\u2014",
             true),
        Cell(MetText(ind)), "</tr>");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

// ---------------------------------------------------------------------------
// The parts of the report.

std::string ScorecardPart(const v1::Scorecard& card, IdMaker& ids) {
  std::string out =
      "<section id=\"scorecard\" aria-labelledby=\"scorecard-heading\">"
      "<h2 id=\"scorecard-heading\">Scorecard</h2>\n";
  int n = card.windows_size();
  if (n == 0) {
    absl::StrAppend(&out, "<p>No window was computed.</p></section>\n");
    return out;
  }
  const v1::ScorecardWindow& latest = card.windows(n - 1);
  absl::StrAppend(
      &out, "<p>For ", Esc(AuthorityLabel(card.authority())), ", ", n,
      n == 1 ? " three-year window" : " three-year windows", " from ",
      Esc(LongDate(card.windows(0).start())), " to ",
      Esc(LongDate(latest.end())), ", computed from the recorded dates",
      IsUnset(card.as_of()) ? ""
                            : absl::StrCat(" on ", Esc(LongDate(card.as_of()))),
      ". A figure is met when it is at or under its threshold.</p>\n");

  std::vector<IndicatorSeries> series = SeriesOf(card.windows());
  if (!series.empty()) {
    absl::StrAppend(&out, "<h3>Each indicator against its threshold</h3>\n");
    for (const IndicatorSeries& s : series) {
      std::string title = absl::StrCat(s.name, ", by window");
      absl::StrAppend(
          &out, Figure(title, IndicatorChart(ids.Make(absl::StrCat(
                                                 "chart-scorecard-", s.id)),
                                             title, s, false)));
    }
  }

  if (card.rankings_size() > 0) {
    absl::StrAppend(&out, "<h3>Members ranked, ",
                    Esc(WindowLongLabel(latest.start(), latest.end())),
                    "</h3>\n");
    for (const v1::MemberRanking& ranking : card.rankings()) {
      const v1::Indicator* indicator = nullptr;
      for (const v1::Indicator& ind : latest.indicators()) {
        if (ind.id() == ranking.indicator_id()) indicator = &ind;
      }
      std::string name =
          indicator != nullptr ? IndicatorName(*indicator)
          : ranking.code().empty()
              ? ranking.indicator_id()
              : absl::StrCat(ranking.code(), ": ", ranking.indicator_id());
      std::string unit = indicator != nullptr ? indicator->unit() : "";
      std::optional<double> threshold;
      if (indicator != nullptr && indicator->has_threshold()) {
        threshold = indicator->threshold();
      }
      absl::StrAppend(&out, "<h4>", Esc(name), "</h4>\n");
      bool chart = threshold.has_value() || ranking.code() == "A3" ||
                   (indicator != nullptr && Charted(*indicator));
      if (chart) {
        std::vector<Row> rows;
        std::vector<std::string> said;
        for (const v1::RankedMember& m : ranking.members()) {
          std::string label = m.display_name().empty()
                                  ? AuthorityLabel(m.authority())
                                  : m.display_name();
          Row row{label, std::nullopt, false, ""};
          if (m.has_value()) row.value = m.value();
          row.missed = threshold.has_value() && m.has_value() && !m.met();
          rows.push_back(row);
          said.push_back(absl::StrCat(
              m.rank(), ". ", label, " ",
              m.has_value() ? LongValue(m.value(), unit) : "no data",
              row.missed ? " (not met)" : ""));
        }
        std::string title = absl::StrCat("Members ranked on ", name);
        std::string desc = absl::StrCat(
            title,
            threshold.has_value()
                ? absl::StrCat(", threshold ", LongValue(*threshold, unit))
                : "",
            ", best first: ", absl::StrJoin(said, "; "), ".");
        absl::StrAppend(
            &out,
            Figure(title, HorizontalBarChart(
                              ids.Make(absl::StrCat("chart-ranking-",
                                                    ranking.indicator_id())),
                              title, desc, rows, unit, threshold,
                              "over the threshold")));
      }
      absl::StrAppend(&out, "<table><caption>Ranking on ", Esc(name),
                      "</caption>",
                      HeaderCells({{"Rank", true},
                                   {"Member", false},
                                   {"Value", true},
                                   {"Counted", true},
                                   {"Met", false}}),
                      "<tbody>");
      for (const v1::RankedMember& m : ranking.members()) {
        bool missed = threshold.has_value() && m.has_value() && !m.met();
        absl::StrAppend(
            &out, TrOpen(missed), Cell(absl::StrCat(m.rank()), true),
            "<th scope=\"row\">",
            Esc(m.display_name().empty() ? AuthorityLabel(m.authority())
                                         : m.display_name()),
            "</th>",
            Cell(m.has_value() ? LongValue(m.value(), unit) : "no data", true),
            Cell(absl::StrCat(m.count()), true),
            Cell(!threshold.has_value() || !m.has_value() ? "\u2014"
                 : m.met()                                ? "Met"
                                                          : "Not met"),
            "</tr>");
      }
      absl::StrAppend(&out, "</tbody></table>\n");
    }
  }

  absl::StrAppend(&out, "<h3>Every indicator, by window (latest first)</h3>\n");
  for (int i = n - 1; i >= 0; --i) {
    const v1::ScorecardWindow& w = card.windows(i);
    absl::StrAppend(&out, IndicatorTable(WindowLongLabel(w.start(), w.end()),
                                         w.indicators(), "Value"));
  }
  absl::StrAppend(&out, "</section>\n");
  return out;
}

std::string GroupTable(
    const std::string& caption,
    const google::protobuf::RepeatedPtrField<v1::WaitingGroup>& groups,
    bool children) {
  std::vector<std::pair<std::string, bool>> cols = {{"Group", false},
                                                    {"Waiting", true},
                                                    {"Mean days", true},
                                                    {"Median days", true}};
  if (children) cols.push_back({"Eligible households", true});
  std::string out = absl::StrCat("<table><caption>", Esc(caption), "</caption>",
                                 HeaderCells(cols), "<tbody>");
  for (const v1::WaitingGroup& g : groups) {
    bool barrier = g.has_eligible_households() && g.eligible_households() == 0;
    absl::StrAppend(
        &out, TrOpen(barrier), "<th scope=\"row\">",
        Esc(g.title().empty() ? g.group() : g.title()), "</th>",
        Cell(absl::StrCat(g.waiting()), true),
        Cell(g.has_mean_days() ? WholeText(g.mean_days()) : "\u2014", true),
        Cell(g.has_median_days() ? WholeText(g.median_days()) : "\u2014",
             true));
    if (children) {
      absl::StrAppend(&out,
                      Cell(g.has_eligible_households()
                               ? absl::StrCat(g.eligible_households(),
                                              barrier ? " (a barrier)" : "")
                               : "\u2014",
                           true));
    }
    absl::StrAppend(&out, "</tr>");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

std::string WaitingCharts(
    const google::protobuf::RepeatedPtrField<v1::WaitingGroup>& groups,
    absl::string_view who, absl::string_view since, IdMaker& ids) {
  std::vector<Row> count_rows, days_rows;
  std::vector<std::string> count_said, days_said;
  for (const v1::WaitingGroup& g : groups) {
    std::string label = g.title().empty() ? g.group() : g.title();
    bool barrier = g.has_eligible_households() && g.eligible_households() == 0;
    count_rows.push_back(Row{label, static_cast<double>(g.waiting()), barrier,
                             barrier ? "(no eligible household)" : ""});
    count_said.push_back(absl::StrCat(
        label, " ", g.waiting(), barrier ? ", no eligible household" : ""));
    Row days{label, std::nullopt, false, ""};
    if (g.has_mean_days()) days.value = g.mean_days();
    days_rows.push_back(days);
    days_said.push_back(absl::StrCat(
        label, " ",
        g.has_mean_days() ? FigureText(g.mean_days(), "days") : "no data"));
  }
  std::string count_title = absl::StrCat(who, " waiting, by group");
  std::string days_title =
      absl::StrCat("Mean days ", who == "Children" ? "children" : "households",
                   " have waited ", since, ", by group");
  return absl::StrCat(
      Figure(count_title,
             HorizontalBarChart(
                 ids.Make(absl::StrCat("chart-waiting-",
                                       absl::AsciiStrToLower(who), "-count")),
                 count_title,
                 absl::StrCat(count_title, ": ",
                              absl::StrJoin(count_said, "; "), "."),
                 count_rows, "count", std::nullopt, "no eligible household")),
      Figure(days_title,
             HorizontalBarChart(
                 ids.Make(absl::StrCat("chart-waiting-",
                                       absl::AsciiStrToLower(who), "-days")),
                 days_title,
                 absl::StrCat(days_title, ": ", absl::StrJoin(days_said, "; "),
                              "."),
                 days_rows, "days", std::nullopt, "")));
}

std::string WaitingPart(const v1::WaitingReport& report, IdMaker& ids) {
  std::string out = absl::StrCat(
      "<section id=\"waiting\" aria-labelledby=\"waiting-heading\">"
      "<h2 id=\"waiting-heading\">Waiting now</h2>\n<p>Children and households "
      "waiting in ",
      Esc(AuthorityLabel(report.authority())),
      IsUnset(report.as_of())
          ? ""
          : absl::StrCat(" on ", Esc(LongDate(report.as_of()))),
      ". Children have waited since the placement order (or the decision that "
      "they should be placed for adoption where there is no order yet); "
      "households since approval.</p>\n");
  if (report.children_size() > 0) {
    absl::StrAppend(
        &out, "<h3>Children</h3>\n",
        WaitingCharts(report.children(), "Children",
                      "since the placement order", ids),
        GroupTable("Children waiting, by group", report.children(), true));
  }
  if (report.households_size() > 0) {
    absl::StrAppend(
        &out, "<h3>Households</h3>\n",
        WaitingCharts(report.households(), "Households", "since approval", ids),
        GroupTable("Households waiting, by what they are approved for",
                   report.households(), false));
  }
  absl::StrAppend(&out, "<h3>Barriers</h3>\n");
  if (report.barriers_size() == 0) {
    absl::StrAppend(&out,
                    "<p>Every group of children waiting has at least one "
                    "approved household that could take it.</p>\n");
  } else {
    absl::StrAppend(&out,
                    "<p>Groups of children for whom no approved household is "
                    "eligible at all:</p>\n<ul class=\"barriers\">");
    for (const std::string& line : report.barriers()) {
      absl::StrAppend(&out, "<li>", Esc(line), "</li>");
    }
    absl::StrAppend(&out, "</ul>\n");
  }
  absl::StrAppend(&out, "</section>\n");
  return out;
}

std::string ForecastPart(const v1::Forecast& forecast, IdMaker& ids) {
  std::string out = absl::StrCat(
      "<section id=\"forecast\" aria-labelledby=\"forecast-heading\">"
      "<h2 id=\"forecast-heading\">Forecast</h2>\n<p>The A1 and A2 each "
      "authority will publish for the next windows if every child now placed "
      "is adopted on the expected date (placement, then 11 weeks to the "
      "application, then the court's median time so far) and every waiting "
      "child is matched today",
      IsUnset(forecast.as_of())
          ? ""
          : absl::StrCat(" (", Esc(LongDate(forecast.as_of())), ")"),
      ". For each waiting child, the latest match date that still keeps the "
      "authority's A2 at or under the threshold.</p>\n");
  if (forecast.authorities_size() == 0) {
    absl::StrAppend(&out, "<p>No authority to forecast.</p>\n");
  }
  for (const v1::AuthorityForecast& af : forecast.authorities()) {
    std::string who = AuthorityLabel(af.authority());
    absl::StrAppend(&out, "<h3>", Esc(who),
                    "</h3>\n<p>Court median from "
                    "application to order used: ",
                    af.court_median_days(), " days.</p>\n");
    for (const IndicatorSeries& s : SeriesOf(af.windows())) {
      std::string title = absl::StrCat(who, ": forecast ", s.name);
      absl::StrAppend(
          &out,
          Figure(title, IndicatorChart(ids.Make(absl::StrCat("chart-forecast-",
                                                             who, "-", s.id)),
                                       title, s, true)));
    }
    for (const v1::ForecastWindow& w : af.windows()) {
      absl::StrAppend(
          &out,
          IndicatorTable(
              absl::StrCat("Forecast, ", WindowLongLabel(w.start(), w.end())),
              w.indicators(), "Forecast"));
    }
    int over = 0;
    for (const v1::ForecastChild& c : af.children())
      over += c.pulls_over() ? 1 : 0;
    if (af.children_size() == 0) {
      absl::StrAppend(&out, "<p>No child of ", Esc(who), " is waiting.</p>\n");
      continue;
    }
    absl::StrAppend(
        &out, "<p><strong>", over,
        over == 1 ? " child pulls" : " children pull",
        " the average over the threshold if matched today</strong> (marked "
        "below in bold).</p>\n<table><caption>Waiting children of ",
        Esc(who),
        " and the latest match date that keeps A2 under "
        "the threshold</caption>",
        HeaderCells({{"Child", false},
                     {"Days since placement order", true},
                     {"Latest match date", false},
                     {"Pulls the average over", false}}),
        "<tbody>");
    for (const v1::ForecastChild& c : af.children()) {
      std::string latest = LongDate(c.latest_match_date());
      absl::StrAppend(
          &out, TrOpen(c.pulls_over()), "<th scope=\"row\">", Esc(c.child()),
          "</th>", Cell(absl::StrCat(c.days_since_order()), true),
          Cell(latest.empty() ? "none keeps it under" : latest),
          Cell(c.pulls_over() ? "Yes: over if matched today" : "No"), "</tr>");
    }
    absl::StrAppend(&out, "</tbody></table>\n");
  }
  absl::StrAppend(&out, "</section>\n");
  return out;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderReportHtml(const ReportHtmlInput& input) {
  IdMaker ids;
  std::string title = input.title.empty() ? "Adoption report" : input.title;
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta "
      "charset=\"utf-8\"/>\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\"/>\n"
      "<title>",
      Esc(title), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n<main>\n<h1>", Esc(title), "</h1>\n");
  if (!input.generated_on.empty()) {
    absl::StrAppend(&out, "<p class=\"meta\">Generated on ",
                    Esc(LongDate(input.generated_on)), " by raamatch.</p>\n");
  }
  std::vector<std::pair<std::string, std::string>> contents;
  if (input.scorecard.has_value())
    contents.push_back({"scorecard", "Scorecard"});
  if (input.waiting.has_value()) contents.push_back({"waiting", "Waiting now"});
  if (input.forecast.has_value()) contents.push_back({"forecast", "Forecast"});
  if (contents.empty()) {
    absl::StrAppend(&out, "<p>There is nothing to report.</p>\n");
  } else if (contents.size() > 1) {
    absl::StrAppend(&out, "<nav aria-label=\"Contents\"><ul>");
    for (const auto& [anchor, name] : contents) {
      absl::StrAppend(&out, "<li><a href=\"#", anchor, "\">", name,
                      "</a></li>");
    }
    absl::StrAppend(&out, "</ul></nav>\n");
  }
  if (input.scorecard.has_value()) {
    absl::StrAppend(&out, ScorecardPart(*input.scorecard, ids));
  }
  if (input.waiting.has_value()) {
    absl::StrAppend(&out, WaitingPart(*input.waiting, ids));
  }
  if (input.forecast.has_value()) {
    absl::StrAppend(&out, ForecastPart(*input.forecast, ids));
  }
  absl::StrAppend(&out, "</main>\n</body>\n</html>\n");
  return out;
}

}  // namespace raa
