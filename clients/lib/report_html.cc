// PLACEHOLDER, REPLACED AT MERGE by helper "html"'s clients/lib/report_html.cc
// (the real renderer with charts). This stub only lets the reports branch
// build and `raa report --html` write a file.
#include "clients/lib/report_html.h"

#include "absl/strings/str_cat.h"

namespace raa {

std::string RenderReportHtml(const ReportHtmlInput& input) {
  return absl::StrCat(
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>", input.title,
      "</title></head><body><h1>", input.title, "</h1><p>Generated on ",
      input.generated_on,
      " (placeholder renderer, replaced at merge).</p></body></html>\n");
}

}  // namespace raa
