// Fixture reports for the HTML report's tests: a consortium scorecard over
// five windows (2010-13 to 2014-17) with member rankings, a waiting report and
// a forecast for two authorities, with the figures of the seeds (thresholds
// 639/213 down to 426/121, Sheffield's A2 far over 121 days, three families for
// groups of three). Used by report_html_test and by write_report_fixture (the
// page tests/node/report_html_chromium.js opens in Chromium).
#ifndef RAAMATCH_TESTS_CLIENTS_REPORT_FIXTURES_H_
#define RAAMATCH_TESTS_CLIENTS_REPORT_FIXTURES_H_

#include "clients/lib/report_html.h"
#include "raa/v1/report.pb.h"

namespace raa::testing {

// Windows ending 31 March 2013 to 2017 (oldest first) with A1, A2, A3, A10
// and an adopter measure; A1 misses its threshold in the last two windows,
// A2 in every window, and the oldest window has no A10 value.
v1::Scorecard FixtureScorecard();

// FixtureScorecard for authorities/- with rankings of four members on A1,
// A2 (one member with no value) and A10.
v1::Scorecard FixtureConsortiumScorecard();

// Seven groups of children (one, siblings of 3+, with no eligible household)
// and three of households, and two barrier lines.
v1::WaitingReport FixtureWaitingReport();

// Sheffield (five waiting children, two pulling A2 over, one with no date
// that keeps it under) and Rotherham (no waiting child), each with two
// windows of A1 and A2.
v1::Forecast FixtureForecast();

// All of the above, with `title`.
ReportHtmlInput FixtureReport(const std::string& title);

}  // namespace raa::testing

#endif  // RAAMATCH_TESTS_CLIENTS_REPORT_FIXTURES_H_
