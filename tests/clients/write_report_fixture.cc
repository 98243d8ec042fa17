// Writes the fixture report (report_fixtures.h) as HTML to the file named by
// its one argument, for tests/node/report_html_chromium.js to open in
// headless Chromium. Exits 0 on success, 2 on a usage or write error.
//
//   write_report_fixture /tmp/report.html
#include <cstdio>
#include <fstream>
#include <string>

#include "clients/lib/report_html.h"
#include "tests/clients/report_fixtures.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_report_fixture FILE.html\n");
    return 2;
  }
  std::string html = raa::RenderReportHtml(raa::testing::FixtureReport(
      "Adoption scorecard: the consortium <script>alert(\"x\")</script> & co"));
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << html;
  out.close();
  if (!out) {
    std::fprintf(stderr, "write_report_fixture: cannot write %s\n", argv[1]);
    return 2;
  }
  return 0;
}
