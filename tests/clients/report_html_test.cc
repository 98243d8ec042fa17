// The HTML report (clients/lib/report_html.h) on the fixture reports: every
// chart a committee expects is there with its bars or points and threshold,
// input text is shown as text, nothing points outside the file, and the
// document parses as XML (libxml2), so a browser cannot read it two ways.
// tests/node/report_html_chromium.js renders the same fixture in Chromium.
#include "clients/lib/report_html.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/clients/report_fixtures.h"

namespace raa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A parsed document and XPath queries on it.
class Html {
 public:
  explicit Html(const std::string& text) {
    doc_ = xmlReadMemory(
        text.data(), static_cast<int>(text.size()), "report.html", "UTF-8",
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc_ != nullptr) context_ = xmlXPathNewContext(doc_);
  }
  ~Html() {
    if (context_ != nullptr) xmlXPathFreeContext(context_);
    if (doc_ != nullptr) xmlFreeDoc(doc_);
  }
  Html(const Html&) = delete;
  Html& operator=(const Html&) = delete;

  bool ok() const { return doc_ != nullptr; }

  // How many nodes `xpath` selects.
  int Count(const std::string& xpath) const {
    xmlXPathObjectPtr result = xmlXPathEvalExpression(
        reinterpret_cast<const xmlChar*>(xpath.c_str()), context_);
    if (result == nullptr) {
      ADD_FAILURE() << "bad xpath " << xpath;
      return -1;
    }
    int n = result->nodesetval == nullptr ? 0 : result->nodesetval->nodeNr;
    xmlXPathFreeObject(result);
    return n;
  }

  // The string value of `xpath` (XPath string()).
  std::string Text(const std::string& xpath) const {
    xmlXPathObjectPtr result = xmlXPathEvalExpression(
        reinterpret_cast<const xmlChar*>(("string(" + xpath + ")").c_str()),
        context_);
    std::string out;
    if (result != nullptr && result->stringval != nullptr) {
      out = reinterpret_cast<const char*>(result->stringval);
    }
    xmlXPathFreeObject(result);
    return out;
  }

 private:
  xmlDocPtr doc_ = nullptr;
  xmlXPathContextPtr context_ = nullptr;
};

std::string Chart(const std::string& id) {
  return "//svg[@id='" + id + "' and @role='img']";
}
std::string Marks(const std::string& id, const std::string& css_class) {
  return Chart(id) + "//*[contains(concat(' ', @class, ' '), ' " + css_class +
         " ')]";
}

std::string Render(const ReportHtmlInput& input) {
  return RenderReportHtml(input);
}

TEST(ReportHtmlTest, EscapeHtmlEscapesTheFiveCharacters) {
  EXPECT_EQ(EscapeHtml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(EscapeHtml("Telford and Wrekin \u2013 A1"),
            "Telford and Wrekin \u2013 A1");
}

TEST(ReportHtmlTest, AScriptInTheTitleOrABarrierShowsAsText) {
  ReportHtmlInput input =
      testing::FixtureReport("Scorecard <script>alert('x')</script>");
  input.waiting->add_barriers("<img src=x onerror=alert(1)>");
  std::string html = Render(input);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  Html doc(html);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc.Text("/html/head/title"),
            "Scorecard <script>alert('x')</script>");
  EXPECT_EQ(doc.Text("//h1"), "Scorecard <script>alert('x')</script>");
  EXPECT_EQ(doc.Count("//script"), 0);
  EXPECT_EQ(doc.Count("//ul[@class='barriers']/li[.='<img src=x "
                      "onerror=alert(1)>']"),
            1);
}

TEST(ReportHtmlTest, TheDocumentIsWellFormedAndAccessiblyMarkedUp) {
  std::string html = Render(testing::FixtureReport("Scorecard"));
  Html doc(html);
  ASSERT_TRUE(doc.ok()) << "not well-formed XML";
  EXPECT_EQ(doc.Text("/html/@lang"), "en-GB");
  EXPECT_EQ(doc.Count("/html/head/title"), 1);
  EXPECT_EQ(doc.Count("//h1"), 1);
  EXPECT_GT(doc.Count("//svg"), 0);
  // Every chart is an image with a title and a description it is named by.
  EXPECT_EQ(doc.Count("//svg[not(@role='img')]"), 0);
  EXPECT_EQ(doc.Count("//svg[not(title) or not(desc) or title='' or desc='']"),
            0);
  EXPECT_EQ(doc.Count("//svg[not(@aria-labelledby=concat(@id, '-title'))]"), 0);
  // Ids are unique.
  EXPECT_EQ(doc.Count("//*[@id][@id = preceding::*/@id]"), 0);
  // Every header cell says what it heads; every table has a caption.
  EXPECT_EQ(doc.Count("//th[not(@scope='col' or @scope='row')]"), 0);
  EXPECT_EQ(doc.Count("//table[not(caption)]"), 0);
  // A4 and print rules.
  EXPECT_THAT(html, HasSubstr("@page { size: A4"));
  EXPECT_THAT(html, HasSubstr("@media print"));
}

TEST(ReportHtmlTest, NothingPointsOutsideTheFile) {
  std::string html = Render(testing::FixtureReport("Scorecard"));
  EXPECT_THAT(html, Not(HasSubstr("http")));
  EXPECT_THAT(html, Not(HasSubstr("://")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  Html doc(html);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc.Count("//*[@href and not(starts-with(@href, '#'))]"), 0);
  // Patterns are referenced within the document only.
  std::regex url(R"(url\(([^)]*)\))");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url);
       it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[1].str().substr(0, 1), "#") << (*it)[0].str();
  }
}

TEST(ReportHtmlTest,
     AFiveWindowScorecardChartsA1A2AndA3AgainstTheirThresholds) {
  ReportHtmlInput input;
  input.title = "Adoption scorecard: Sheffield";
  input.scorecard = testing::FixtureScorecard();
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  for (const std::string id : {"chart-scorecard-a1_care_to_placement_days",
                               "chart-scorecard-a2_order_to_match_days",
                               "chart-scorecard-a3_placed_within_426_days"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(doc.Count(Chart(id)), 1);
    EXPECT_EQ(doc.Count(Marks(id, "point")), 5);
    EXPECT_EQ(doc.Count(Chart(id) + "//polyline[@class='line']"), 1);
    EXPECT_EQ(doc.Count(Chart(id) + "//g[@class='x-axis']/text"), 5);
  }
  // A1 and A2 have thresholds (changing over the windows), A3 has none.
  EXPECT_EQ(doc.Count(Marks("chart-scorecard-a1_care_to_placement_days",
                            "threshold")),
            1);
  EXPECT_EQ(doc.Count(Marks("chart-scorecard-a3_placed_within_426_days",
                            "threshold")),
            0);
  // The description gives every figure: a reader without the picture.
  EXPECT_THAT(
      doc.Text(Chart("chart-scorecard-a2_order_to_match_days") + "/desc"),
      HasSubstr("2012\u201315: 293 days (threshold 152 days, not met)"));
  // Points over the threshold are marked (A1 misses in the last two windows).
  EXPECT_EQ(
      doc.Count(Marks("chart-scorecard-a1_care_to_placement_days", "missed")),
      2);
  // A10 and the adopter measure have no threshold and no chart.
  EXPECT_EQ(doc.Count(Chart("chart-scorecard-a10_care_to_placement_days_"
                            "foster_start")),
            0);
  // One table per window, each with every indicator.
  EXPECT_EQ(doc.Count("//section[@id='scorecard']//table"), 5);
  EXPECT_EQ(doc.Count("//section[@id='scorecard']//table[1]/tbody/tr"), 5);
  EXPECT_EQ(doc.Count("//caption[.='1 April 2012 to 31 March 2015']"), 1);
  EXPECT_EQ(doc.Count("//svg[starts-with(@id, 'chart-ranking')]"), 0);
}

TEST(ReportHtmlTest, AMemberNameWithMarkupShowsAsTextInChartAndTable) {
  ReportHtmlInput input;
  input.title = "Scorecard";
  input.scorecard = testing::FixtureConsortiumScorecard();
  const std::string name = "<b>\"Tom & Jerry's\"</b>";
  input.scorecard->mutable_rankings(0)->mutable_members(0)->set_display_name(
      name);
  std::string html = Render(input);
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  Html doc(html);
  ASSERT_TRUE(doc.ok());
  const std::string chart = Chart("chart-ranking-a1_care_to_placement_days");
  EXPECT_EQ(doc.Text(chart + "//g[@class='labels']/text[1]"), name);
  EXPECT_EQ(doc.Text("//table[starts-with(caption, 'Ranking on A1')]/tbody/"
                     "tr[1]/th"),
            name);
  EXPECT_EQ(doc.Count("//b"), 0);
  EXPECT_THAT(doc.Text(chart + "/desc"), HasSubstr("1. " + name + " 388 days"));
}

TEST(ReportHtmlTest, AConsortiumScorecardRanksTheMembersAgainstTheThreshold) {
  ReportHtmlInput input;
  input.title = "Adoption scorecard: the consortium";
  input.scorecard = testing::FixtureConsortiumScorecard();
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  const std::string a1 = "chart-ranking-a1_care_to_placement_days";
  const std::string a2 = "chart-ranking-a2_order_to_match_days";
  EXPECT_EQ(doc.Count(Marks(a1, "bar")), 4);
  EXPECT_EQ(doc.Count(Marks(a1, "threshold")), 1);
  EXPECT_EQ(doc.Count(Marks(a1, "missed")), 2);  // Sheffield, Thurrock
  EXPECT_EQ(doc.Text(Chart(a1) + "//g[@class='labels']/text[1]"),
            "Telford and Wrekin");
  // Thurrock has no A2: no bar, said so.
  EXPECT_EQ(doc.Count(Marks(a2, "bar")), 3);
  EXPECT_EQ(doc.Count(Chart(a2) + "//text[.='no data']"), 1);
  EXPECT_THAT(doc.Text(Chart(a2) + "/desc"),
              HasSubstr("threshold 121 days, best first: 1. Telford and "
                        "Wrekin 45 days"));
  // A10 has no threshold: ranked in a table, not charted.
  EXPECT_EQ(doc.Count("//svg[starts-with(@id, 'chart-ranking-a10')]"), 0);
  EXPECT_EQ(
      doc.Count("//table[starts-with(caption, 'Ranking on A10')]/tbody/tr"), 2);
}

TEST(ReportHtmlTest, AWaitingReportChartsWaitingAndDaysByGroupWithBarriers) {
  ReportHtmlInput input;
  input.title = "Waiting";
  input.waiting = testing::FixtureWaitingReport();
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc.Count(Marks("chart-waiting-children-count", "bar")), 7);
  EXPECT_EQ(doc.Count(Marks("chart-waiting-children-days", "bar")), 7);
  EXPECT_EQ(doc.Count(Marks("chart-waiting-households-count", "bar")), 3);
  // No household approved for 3+ has waited: no mean.
  EXPECT_EQ(doc.Count(Marks("chart-waiting-households-days", "bar")), 2);
  // The group with no eligible household is marked in the chart and table.
  EXPECT_EQ(doc.Count(Marks("chart-waiting-children-count", "missed")), 1);
  EXPECT_EQ(
      doc.Count("//tr[@class='over']/th[.='Sibling groups of 3 or more']"), 1);
  EXPECT_EQ(doc.Count("//ul[@class='barriers']/li"), 2);
  EXPECT_EQ(doc.Count("//li[.='2 children with profound & multiple needs; 0 "
                      "households']"),
            1);
}

TEST(ReportHtmlTest, AForecastShowsEachAuthorityAndTheChildrenWhoPullItOver) {
  ReportHtmlInput input;
  input.title = "Forecast";
  input.forecast = testing::FixtureForecast();
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  for (const std::string who : {"sheffield", "rotherham"}) {
    for (const std::string ind :
         {"a1_care_to_placement_days", "a2_order_to_match_days"}) {
      std::string id = "chart-forecast-" + who + "-" + ind;
      SCOPED_TRACE(id);
      EXPECT_EQ(doc.Count(Marks(id, "bar")), 2);
      EXPECT_EQ(doc.Count(Marks(id, "threshold")), 1);
    }
  }
  // Sheffield's A2 is over 121 in both windows: hatched bars.
  EXPECT_EQ(doc.Count(Marks("chart-forecast-sheffield-a2_order_to_match_days",
                            "missed")),
            2);
  EXPECT_EQ(doc.Count("//table[contains(caption, 'Waiting children of "
                      "sheffield')]/tbody/tr"),
            5);
  EXPECT_EQ(doc.Count("//tr[@class='over']/th[starts-with(., "
                      "'authorities/sheffield/children/')]"),
            2);
  EXPECT_EQ(doc.Count("//tr[th='authorities/sheffield/children/c12']/"
                      "td[.='none keeps it under']"),
            1);
  EXPECT_EQ(doc.Count("//tr[th='authorities/sheffield/children/c31']/"
                      "td[.='30 June 2017']"),
            1);
  EXPECT_EQ(doc.Count("//p[strong='2 children pull the average over the "
                      "threshold if matched today']"),
            1);
  EXPECT_EQ(doc.Count("//p[.='No child of rotherham is waiting.']"), 1);
}

TEST(ReportHtmlTest, AReportWithNothingInItSaysSo) {
  ReportHtmlInput input;
  input.title = "Empty";
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc.Count("//p[.='There is nothing to report.']"), 1);
  EXPECT_EQ(doc.Count("//svg"), 0);
}

TEST(ReportHtmlTest, AWindowWithNoValuesDrawsNoDataInsteadOfAPoint) {
  ReportHtmlInput input;
  input.title = "Sparse";
  input.scorecard = testing::FixtureScorecard();
  input.scorecard->mutable_windows(2)->mutable_indicators(0)->clear_value();
  input.scorecard->mutable_windows(2)->mutable_indicators(0)->set_count(0);
  Html doc(Render(input));
  ASSERT_TRUE(doc.ok());
  const std::string a1 = "chart-scorecard-a1_care_to_placement_days";
  EXPECT_EQ(doc.Count(Marks(a1, "point")), 4);
  EXPECT_EQ(doc.Count(Chart(a1) + "//text[.='no data']"), 1);
  // The line breaks at the gap: two pieces.
  EXPECT_EQ(doc.Count(Chart(a1) + "//polyline[@class='line']"), 2);
}

}  // namespace
}  // namespace raa
