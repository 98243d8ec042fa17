// The scorecard, waiting report and forecast as one self-contained HTML file
// (no network needed to open it; prints on A4) with charts: each indicator
// against its threshold over the windows, the members ranked, waiting by
// group. Written by helper "html"; `raa report ... --html FILE` calls it.
#ifndef RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_
#define RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_

#include <optional>
#include <string>

#include "raa/v1/report.pb.h"

namespace raa {

struct ReportHtmlInput {
  std::string title;         // e.g. "Adoption scorecard: Sheffield"
  std::string generated_on;  // YYYY-MM-DD
  std::optional<v1::Scorecard> scorecard;  // with several windows for the
                                           // trend charts
  std::optional<v1::WaitingReport> waiting;
  std::optional<v1::Forecast> forecast;
};

// Self-contained HTML.
std::string RenderReportHtml(const ReportHtmlInput& input);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_REPORT_HTML_H_
