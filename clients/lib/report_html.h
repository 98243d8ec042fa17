// The scorecard, the waiting report and the forecast as one self-contained
// HTML document that a scrutiny committee can be handed (`raa report ...
// --html FILE`).
//
// The document has inline CSS and inline SVG charts only: no script, no
// font, image or style sheet fetched, nothing that needs a network to open
// it. Every text that comes from the input (titles, names, barrier lines) is
// escaped. It prints on A4 (`@page { size: A4 }`, print CSS that keeps a
// chart and its heading together) and reads in greyscale: the threshold is a
// dashed line (its value per window printed under the axis), a bar over its
// threshold is hatched and a point over it black and larger, and every bar
// and point carries its value as text.
//
// Accessibility (WCAG 2.1 AA, checked with axe in tests/node): lang="en-GB",
// a <title>, headings in order, tables with <caption> and <th scope>, and each
// chart an <svg role="img"> with <title> and <desc> that say what it shows
// and give its figures; the figures are also in the tables.
//
// What is drawn:
//   - Scorecard: for each indicator with a threshold (A1, A2) and for A3, a
//     line of the value over the windows against the threshold line (the
//     threshold changes from window to window); a table of every indicator
//     per window. A consortium scorecard (rankings present) adds, for each
//     ranking of an indicator with a threshold (A1, A2) or of A3, a
//     horizontal bar chart of the members best first with the latest
//     window's threshold marked; every ranking as a table.
//   - Waiting report: bars of the children waiting and of the mean days
//     waited by group (and the same for households), the groups' table, and
//     the barrier lines.
//   - Forecast: per authority, the forecast A1 and A2 for the next windows
//     as bars against their thresholds, and the table of waiting children
//     with their latest match date; the children who pull the average over
//     are marked in words and in bold, and counted above the table.
//
// Charts and their elements carry stable ids and classes for tests: each
// chart is `<svg id="chart-...">`; bars are `class="bar"` and line points
// `class="point"`; the threshold is `class="threshold"`.
//
// Usage:
//   raa::ReportHtmlInput input;
//   input.title = "Adoption scorecard: Sheffield";
//   input.generated_on = "2026-04-02";
//   input.scorecard = scorecard;  // from ReportService.GetScorecard
//   WriteFile(path, raa::RenderReportHtml(input));
//
// A pure function of its input: thread-safe, no I/O.
#ifndef RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_
#define RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_

#include <optional>
#include <string>

#include "raa/v1/report.pb.h"

namespace raa {

struct ReportHtmlInput {
  std::string title;         // e.g. "Adoption scorecard: Sheffield"
  std::string generated_on;  // YYYY-MM-DD
  std::optional<v1::Scorecard>
      scorecard;  // several windows for the trend charts
  std::optional<v1::WaitingReport> waiting;
  std::optional<v1::Forecast> forecast;
};

// A self-contained HTML document: inline CSS and inline SVG charts, no script
// needed, no network; every value escaped; prints legibly on A4. Parts whose
// input is absent are left out; with no part at all the document says there
// is nothing to report. The markup is also well-formed XML (every element
// closed, attributes quoted, only the five XML entities), so it can be checked
// by an XML parser.
std::string RenderReportHtml(const ReportHtmlInput& input);

// `text` with &, <, >, " and ' escaped for HTML text and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_
