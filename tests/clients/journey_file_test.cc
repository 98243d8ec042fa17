// The rows of a journeys file (raa import journeys), read and checked
// before anything is sent: what a member's records can hold, and every
// mistake named by its column.
#include "clients/lib/journey_file.h"

#include <fstream>

#include "clients/lib/import_file.h"
#include "common/dates.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

const absl::CivilDay kToday(2026, 11, 30);

TextFields AdoptedLink() {
  return {{"type", "link"},
          {"child", "authorities/sheffield/children/c12"},
          {"adopter", "leeds/adopters/a7"},
          {"opened", "2024-02-01"},
          {"linking_meeting", "2024-02-20"},
          {"papers_to_panel", "2024-03-10"},
          {"panel_recommended", "2024-04-02"},
          {"match_decided", "2024-04-08"},
          {"placed", "2024-04-29"},
          {"order_applied", "2024-07-15"},
          {"order_granted", "2024-10-01"}};
}

// The columns of every problem, in order.
std::vector<std::string> Columns(const absl::Status& status) {
  std::vector<std::string> columns;
  for (const FieldViolation& v : ViolationsOf(status)) {
    columns.push_back(v.field);
  }
  return columns;
}

std::string Problem(const absl::Status& status, const std::string& column) {
  for (const FieldViolation& v : ViolationsOf(status)) {
    if (v.field == column) return v.description;
  }
  return "";
}

TEST(JourneyRowTest, ReadsALinkWithEveryStepAndItsNames) {
  absl::StatusOr<JourneyRow> row = JourneyRowFromText(AdoptedLink(), kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->type, JourneyRow::kLink);
  EXPECT_EQ(row->link.child, "authorities/sheffield/children/c12");
  // The short form the import report prints is accepted too.
  EXPECT_EQ(row->link.adopter, "authorities/leeds/adopters/a7");
  EXPECT_EQ(row->link.placement_kind, v1::PLACEMENT_KIND_ADOPTIVE);
  ASSERT_EQ(row->link.steps.size(), 8u);
  EXPECT_EQ(row->link.steps.front().first, v1::LINK_STEP_OPENED);
  EXPECT_EQ(FormatDate(row->link.steps.front().second), "2024-02-01");
  EXPECT_EQ(row->link.steps.back().first, v1::LINK_STEP_ORDER_GRANTED);
  EXPECT_EQ(row->link.close_reason, v1::CLOSE_REASON_UNSPECIFIED);
}

TEST(JourneyRowTest, ALinkStopsAtTheLastStepItReached) {
  TextFields fields = AdoptedLink();
  for (const char* later : {"placed", "order_applied", "order_granted"}) {
    fields.erase(later);
  }
  fields["match_decided"] = "";  // an empty cell is a step not reached
  fields.erase("panel_recommended");
  absl::StatusOr<JourneyRow> row = JourneyRowFromText(fields, kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_EQ(row->link.steps.size(), 3u);
  EXPECT_EQ(row->link.steps.back().first, v1::LINK_STEP_PAPERS_TO_PANEL);
}

TEST(JourneyRowTest, AGapInTheStepsNamesTheMissingStep) {
  TextFields fields = AdoptedLink();
  fields["papers_to_panel"] = "";
  absl::Status status = JourneyRowFromText(fields, kToday).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(Columns(status), ElementsAre("papers_to_panel"));
  EXPECT_THAT(Problem(status, "papers_to_panel"),
              HasSubstr("is empty but panel_recommended is set"));
}

TEST(JourneyRowTest, AStepBeforeTheOneBeforeItIsRefused) {
  TextFields fields = AdoptedLink();
  fields["placed"] = "2024-04-01";  // before match_decided
  absl::Status status = JourneyRowFromText(fields, kToday).status();
  EXPECT_THAT(Columns(status), ElementsAre("placed"));
  EXPECT_THAT(Problem(status, "placed"),
              HasSubstr("2024-04-01 is before match_decided (2024-04-08)"));
}

TEST(JourneyRowTest, EarlyPermanenceIsPlacedFromTheOpeningDay) {
  TextFields fields = AdoptedLink();
  fields["placement_kind"] = "Fostering for adoption";
  absl::StatusOr<JourneyRow> row = JourneyRowFromText(fields, kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->link.placement_kind,
            v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION);

  // The child moved in as a foster placement before the match: fine.
  fields["placed"] = "2024-02-05";
  EXPECT_TRUE(JourneyRowFromText(fields, kToday).ok());
  // Not before the link was opened.
  fields["placed"] = "2024-01-25";
  EXPECT_THAT(Problem(JourneyRowFromText(fields, kToday).status(), "placed"),
              HasSubstr("is before opened (2024-02-01)"));
}

TEST(JourneyRowTest, DatesMustBeRealAndNotInTheFuture) {
  TextFields fields = AdoptedLink();
  fields["linking_meeting"] = "20/02/2024";
  fields["order_granted"] = "2026-12-01";
  absl::Status status = JourneyRowFromText(fields, kToday).status();
  EXPECT_THAT(Columns(status), ElementsAre("linking_meeting", "order_granted"));
  EXPECT_THAT(Problem(status, "linking_meeting"),
              HasSubstr("is not a date: write YYYY-MM-DD"));
  EXPECT_THAT(Problem(status, "order_granted"), HasSubstr("in the future"));
}

TEST(JourneyRowTest, EveryMissingRequiredCellIsReported) {
  absl::Status status =
      JourneyRowFromText({{"type", "link"}, {"child", "sheffield/c12"}}, kToday)
          .status();
  EXPECT_THAT(Columns(status), ElementsAre("child", "adopter", "opened"));
}

TEST(JourneyRowTest, ReadsAClosedLink) {
  TextFields fields = {{"child", "authorities/sheffield/children/c3"},
                       {"adopter", "authorities/york/adopters/a1"},
                       {"opened", "2023-05-01"},
                       {"linking_meeting", "2023-05-20"},
                       {"close_reason", "Panel did not recommend"},
                       {"closed_on", "2023-07-01"},
                       {"close_note", "Panel asked for more on contact."}};
  absl::StatusOr<JourneyRow> row = JourneyRowFromText(fields, kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->type, JourneyRow::kLink);  // inferred: no milestone cell
  EXPECT_EQ(row->link.close_reason, v1::CLOSE_REASON_PANEL_DID_NOT_RECOMMEND);
  EXPECT_EQ(FormatDate(row->link.closed_on), "2023-07-01");
  EXPECT_EQ(row->link.close_note, "Panel asked for more on contact.");
}

// A cell that is not UTF-8 refuses the row before anything is sent: the
// server would take the link and refuse its close, leaving half a row.
TEST(JourneyRowTest, ACellThatIsNotUtf8RefusesTheRow) {
  TextFields fields = {{"child", "authorities/sheffield/children/c3"},
                       {"adopter", "authorities/york/adopters/a1"},
                       {"opened", "2023-05-01"},
                       {"close_reason", "Panel did not recommend"},
                       {"closed_on", "2023-07-01"},
                       {"close_note", "Caf\xe9 meeting"}};  // Latin-1
  absl::Status status = JourneyRowFromText(fields, kToday).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(Columns(status), ElementsAre("close_note"));
  EXPECT_THAT(Problem(status, "close_note"), HasSubstr("is not UTF-8"));
}

TEST(JourneyRowTest, ACloseThatCannotHappenIsRefused) {
  TextFields fields = AdoptedLink();
  fields["close_reason"] = "child_matched_elsewhere";
  fields["closed_on"] = "2024-10-02";
  absl::Status status = JourneyRowFromText(fields, kToday).status();
  EXPECT_THAT(Problem(status, "close_reason"),
              HasSubstr("set by the service only"));
  EXPECT_THAT(status.message(), HasSubstr("close_reason"));
  // An unknown reason lists only those a file may give.
  fields["close_reason"] = "moved away";
  status = JourneyRowFromText(fields, kToday).status();
  EXPECT_THAT(
      Problem(status, "close_reason"),
      AllOf(HasSubstr("is not one of: household_withdrew"),
            HasSubstr("plan_changed"), Not(HasSubstr("matched_elsewhere"))));

  fields = AdoptedLink();
  fields.erase("placed");
  fields.erase("order_applied");
  fields.erase("order_granted");
  fields["close_reason"] = "disruption";
  fields["closed_on"] = "2024-03-01";  // also before match_decided
  status = JourneyRowFromText(fields, kToday).status();
  EXPECT_THAT(Columns(status), ElementsAre("close_reason", "closed_on"));
  EXPECT_THAT(Problem(status, "close_reason"), HasSubstr("needs a placed"));
  EXPECT_THAT(Problem(status, "closed_on"), HasSubstr("is before"));

  fields = AdoptedLink();
  fields["close_reason"] = "plan_changed";
  EXPECT_THAT(Columns(JourneyRowFromText(fields, kToday).status()),
              ElementsAre("close_reason", "closed_on"));

  fields = AdoptedLink();
  fields.erase("order_granted");
  fields["closed_on"] = "2024-10-02";
  EXPECT_THAT(
      Problem(JourneyRowFromText(fields, kToday).status(), "close_reason"),
      HasSubstr("is required when closed_on"));
}

TEST(JourneyRowTest, ReadsMilestoneRows) {
  absl::StatusOr<JourneyRow> row =
      JourneyRowFromText({{"type", "milestone"},
                          {"record", "sheffield/children/c12"},
                          {"milestone", "Annex A report"},
                          {"date", "2024-05-20"}},
                         kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->type, JourneyRow::kMilestone);
  EXPECT_EQ(row->milestone.record, "authorities/sheffield/children/c12");
  EXPECT_EQ(row->milestone.kind, v1::MILESTONE_KIND_ANNEX_A_REPORT);
  EXPECT_EQ(FormatDate(row->milestone.date), "2024-05-20");

  // The type is inferred from the milestone cell.
  row = JourneyRowFromText({{"record", "authorities/leeds/adopters/a7"},
                            {"milestone", "approval"},
                            {"date", "2023-01-10"}},
                           kToday);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->milestone.kind, v1::MILESTONE_KIND_APPROVAL);
}

TEST(JourneyRowTest, AMilestoneOfTheWrongRecordOrWithLinkCellsIsRefused) {
  absl::Status status = JourneyRowFromText({{"type", "milestone"},
                                            {"record", "leeds/adopters/a7"},
                                            {"milestone", "placement_order"},
                                            {"date", "2024-05-20"},
                                            {"opened", "2024-01-01"}},
                                           kToday)
                            .status();
  EXPECT_THAT(Columns(status), ElementsAre("opened", "milestone"));
  EXPECT_THAT(Problem(status, "milestone"), HasSubstr("is a child's"));

  status = JourneyRowFromText({{"type", "milestone"},
                               {"record", "leeds/c7"},
                               {"milestone", "birthday"}},
                              kToday)
               .status();
  EXPECT_THAT(Columns(status), ElementsAre("record", "milestone", "date"));
}

TEST(JourneyRowTest, AnUnknownTypeOrColumnIsNamed) {
  EXPECT_THAT(
      Columns(JourneyRowFromText({{"type", "placement"}}, kToday).status()),
      ElementsAre("type"));
  TextFields fields = AdoptedLink();
  fields["opend"] = "2024-01-01";
  EXPECT_THAT(Columns(JourneyRowFromText(fields, kToday).status()),
              ElementsAre("opend"));
}

TEST(JourneyRowTest, JsonRowsUseTheSameColumns) {
  absl::StatusOr<TextFields> fields = JourneyFieldsFromJson(
      R"({"Type": "link", "child": "sheffield/children/c1",
          "adopter": "york/adopters/a2", "opened": "2025-01-02",
          "close_note": null})");
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_THAT(*fields,
              ElementsAre(Pair("adopter", "york/adopters/a2"),
                          Pair("child", "sheffield/children/c1"),
                          Pair("close_note", ""), Pair("opened", "2025-01-02"),
                          Pair("type", "link")));
  EXPECT_TRUE(JourneyRowFromText(*fields, kToday).ok());

  absl::Status status =
      JourneyFieldsFromJson(R"({"opened": 20250102})").status();
  EXPECT_THAT(Columns(status), ElementsAre("opened"));
  EXPECT_FALSE(JourneyFieldsFromJson("[1, 2]").ok());
}

TEST(JourneyRowTest, RequestIdsDependOnlyOnTheRow) {
  JourneyLinkRow a = JourneyRowFromText(AdoptedLink(), kToday)->link;
  JourneyLinkRow b = JourneyRowFromText(AdoptedLink(), kToday)->link;
  EXPECT_EQ(OpenLinkRequestId(a, false), OpenLinkRequestId(b, false));
  EXPECT_NE(OpenLinkRequestId(a, false), OpenLinkRequestId(a, true));
  EXPECT_EQ(AdvanceLinkRequestId(a, v1::LINK_STEP_PLACED),
            AdvanceLinkRequestId(b, v1::LINK_STEP_PLACED));
  EXPECT_NE(AdvanceLinkRequestId(a, v1::LINK_STEP_PLACED),
            AdvanceLinkRequestId(a, v1::LINK_STEP_MATCH_DECIDED));
  TextFields other = AdoptedLink();
  other["opened"] = "2024-02-02";
  JourneyLinkRow c = JourneyRowFromText(other, kToday)->link;
  EXPECT_NE(OpenLinkRequestId(a, false), OpenLinkRequestId(c, false));
  EXPECT_LE(OpenLinkRequestId(a, true).size(), 64u);
}

TEST(JourneyFileTest, TheHeaderIsCheckedAgainstTheJourneyColumns) {
  EXPECT_TRUE(CheckHeader({"Type", "Child", "Adopter", "Opened", "Placed"},
                          JourneyColumns(), {})
                  .ok());
  absl::Status status =
      CheckHeader({"type", "child", "opend"}, JourneyColumns(), {});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("did you mean opened?"));
}

TEST(JourneyFileTest, AMixedCsvReadsIntoLinkAndMilestoneRows) {
  std::string path = ::testing::TempDir() + "/journeys.csv";
  {
    std::ofstream out(path);
    out << "type,child,adopter,opened,linking_meeting,record,milestone,date\n"
           "link,sheffield/children/c1,york/adopters/a2,2025-01-02,2025-01-20"
           ",,,\n"
           "milestone,,,,,sheffield/children/c1,annex_a_report,2025-03-01\n";
  }
  absl::StatusOr<ImportFile> file = ReadImportFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->rows.size(), 2u);
  absl::StatusOr<JourneyRow> link =
      JourneyRowFromText(file->rows[0].fields, kToday);
  absl::StatusOr<JourneyRow> milestone =
      JourneyRowFromText(file->rows[1].fields, kToday);
  ASSERT_TRUE(link.ok()) << link.status();
  ASSERT_TRUE(milestone.ok()) << milestone.status();
  EXPECT_EQ(link->link.steps.size(), 2u);
  EXPECT_EQ(milestone->milestone.kind, v1::MILESTONE_KIND_ANNEX_A_REPORT);
  EXPECT_EQ(file->rows[1].line, 3);
}

}  // namespace
}  // namespace raa
