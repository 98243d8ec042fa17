// End to end: `raa import journeys` against the real raamatchd, as a member
// that joins brings its past links and milestones — each row reported by
// line, a historical pair that fails today's ages opened with the override
// reason, the statuses following the links, and a second run changing
// nothing.
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/processes.h"
#include "tests/support/scratch_dir.h"

namespace raa::test {
namespace {

using ::testing::HasSubstr;
using Result = CommandResult;

class JourneyImport : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(daemon_.Start({"--listen", "127.0.0.1:0"}));
    manager_key_ = daemon_.manager_key();
    ASSERT_FALSE(manager_key_.empty());
  }
  void TearDown() override { daemon_.StopCleanly(); }

  Result Raa(const std::string& key, const std::vector<std::string>& args) {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    std::string out = dir_.File("raa.out");
    std::string err = dir_.File("raa.err");
    std::string command =
        absl::StrCat("env -u RAA_AUTHORITY -u COLUMNS RAA_KEY=", Quote(key),
                     " HOME=", Quote(dir_.path()), " ", RAA_PATH, " --server ",
                     daemon_.address(), " ", absl::StrJoin(quoted, " "), " >",
                     out, " 2>", err, " </dev/null");
    int status = std::system(command.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  nlohmann::json Json(const Result& r) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  std::string Member(const std::string& id) {
    Result created = Raa(manager_key_, {"authority", "create", id, "--name",
                                        id + " council", "--region", id});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    nlohmann::json key = Json(
        Raa(manager_key_, {"--json", "key", "create", "--for", id, "--role",
                           "registrar", "--role", "family_finder"}));
    return key.value("secret", "");
  }

  // Imports `csv` as `kind` and returns the name stored for each row.
  std::vector<std::string> Import(const std::string& key,
                                  const std::string& kind,
                                  const std::string& authority,
                                  const std::string& csv) {
    std::string path = WriteFile(dir_, kind + ".csv", csv);
    nlohmann::json report = Json(
        Raa(key, {"--json", "import", kind, path, "--authority", authority}));
    std::vector<std::string> names;
    for (const auto& row : report["rows"]) {
      names.push_back(row.value("name", ""));
    }
    return names;
  }

  std::string ChildStatus(const std::string& key, const std::string& name) {
    return Json(Raa(key, {"--json", "child", "get", name})).value("status", "");
  }

  ScratchDir dir_;
  Raamatchd daemon_{RAAMATCHD_PATH, dir_};
  std::string manager_key_;
};

TEST_F(JourneyImport, LoadsPastLinksAndMilestonesOnceAndReportsEachRow) {
  std::string sheffield = Member("sheffield");
  std::string leeds = Member("leeds");
  // Two children who entered care in 2022 (five now), and a third.
  std::vector<std::string> children = Import(
      sheffield, "children", "sheffield",
      "ages_as_of,age_months,sex,contact_plan,entered_care,shobpa_decision,"
      "placement_order,summary\n"
      "2026-10-01,60,f,letterbox,2022-01-10,2022-06-01,2022-09-01,Loves music\n"
      "2026-10-01,62,m,letterbox,2022-02-10,2022-06-01,2022-09-01,Likes dens\n"
      "2026-10-01,50,m,letterbox,2023-02-10,2023-06-01,2023-09-01,Likes "
      "trains\n");
  ASSERT_EQ(children.size(), 3u);
  // Households approved then for young children: the first two children
  // are too old for them today, as historical pairs often are.
  std::vector<std::string> households = Import(
      leeds, "adopters", "leeds",
      "status,registered_interest_on,applied_on,approved_on,approved_for,"
      "min_age_months,max_age_months,region,max_contact\n"
      "approved,2021-01-01,2021-03-01,2021-09-01,1,0,36,leeds,letterbox\n"
      "approved,2021-01-01,2021-03-01,2021-09-01,1,0,72,leeds,letterbox\n"
      "approved,2021-01-01,2021-03-01,2021-09-01,1,0,84,leeds,letterbox\n");
  ASSERT_EQ(households.size(), 3u);

  std::string file = WriteFile(
      dir_, "journeys.csv",
      absl::StrCat(
          "type,child,adopter,placement_kind,opened,linking_meeting,"
          "papers_to_panel,panel_recommended,match_decided,placed,"
          "order_applied,order_granted,close_reason,closed_on,close_note,"
          "record,milestone,date\n",
          // line 2: adopted
          "link,", children[0], ",", households[0],
          ",adoptive,2022-10-01,2022-10-15,2022-11-01,2022-11-20,2022-11-24,"
          "2022-12-12,2023-03-01,2023-06-01,,,,,,\n",
          // line 3: a link that closed before another
          "link,", children[1], ",", households[1],
          ",,2022-10-03,2022-10-20,,,,,,,chose_another_family,2022-11-02,"
          "Another family suited better.,,,\n",
          // line 4: the next link: placed, the order not yet granted
          "link,", children[1], ",", households[2],
          ",,2022-11-10,2022-11-25,2022-12-10,2023-01-05,2023-01-10,"
          "2023-02-01,,,,,,,,\n",
          // line 5: placed before the match decision
          "link,", children[2], ",", households[0],
          ",,2023-10-01,2023-10-15,2023-11-01,2023-11-20,2023-11-24,"
          "2023-11-01,,,,,,,,\n"));

  Result first = Raa(sheffield, {"import", "journeys", file});
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;  // line 5
  EXPECT_THAT(first.out, HasSubstr("stored 3 journey rows"));
  EXPECT_THAT(first.out, HasSubstr("1 row rejected"));
  EXPECT_THAT(first.err,
              HasSubstr("line 5, column placed: 2023-11-01 is before "
                        "match_decided (2023-11-24)"));

  EXPECT_EQ(ChildStatus(sheffield, children[0]), "CHILD_ADOPTED");
  EXPECT_EQ(ChildStatus(sheffield, children[1]), "CHILD_PLACED");
  EXPECT_EQ(ChildStatus(sheffield, children[2]), "CHILD_WAITING");

  // The same file again changes nothing and says so, row by row.
  Result again = Raa(sheffield, {"--json", "import", "journeys", file});
  EXPECT_EQ(again.exit_code, 1);
  nlohmann::json report =
      nlohmann::json::parse(again.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_EQ(report.value("stored", -1), 0) << again.out << again.err;
  EXPECT_EQ(report.value("already_stored", -1), 3);
  EXPECT_EQ(report.value("rejected", -1), 1);
  ASSERT_EQ(report["rows"].size(), 4u);
  std::string adopted = report["rows"][0].value("name", "");
  EXPECT_THAT(adopted, HasSubstr("links/"));
  EXPECT_EQ(report["rows"][0].value("status", ""), "already stored");

  // The link keeps the override reason it was opened with: the pair fails
  // today's age range (the child is five now, the household's range 0-3).
  nlohmann::json link =
      Json(Raa(sheffield, {"--json", "link", "show", adopted}));
  EXPECT_EQ(link.value("override_reason", ""),
            "historical link imported from the member's records");
  EXPECT_EQ(link.value("state", ""), "LINK_STATE_ADOPTED");
  ASSERT_EQ(link["steps"].size(), 8u);
  EXPECT_EQ(link["steps"][5]["date"].value("year", 0), 2022);
  EXPECT_EQ(link["steps"][5]["date"].value("month", 0), 12);
  EXPECT_EQ(link["steps"][5]["date"].value("day", 0), 12);
  nlohmann::json closed =
      Json(Raa(sheffield, {"--json", "link", "show",
                           report["rows"][1].value("name", "")}));
  EXPECT_EQ(closed.value("close_reason", ""),
            "CLOSE_REASON_CHOSE_ANOTHER_FAMILY");
}

TEST_F(JourneyImport, TheOverrideIsReportedOnTheRow) {
  std::string sheffield = Member("sheffield");
  std::string leeds = Member("leeds");
  std::vector<std::string> children =
      Import(sheffield, "children", "sheffield",
             "ages_as_of,age_months,sex,contact_plan,entered_care,summary\n"
             "2026-10-01,60,f,letterbox,2022-01-10,Loves music\n");
  std::vector<std::string> households = Import(
      leeds, "adopters", "leeds",
      "status,registered_interest_on,applied_on,approved_on,approved_for,"
      "min_age_months,max_age_months,region,max_contact\n"
      "approved,2021-01-01,2021-03-01,2021-09-01,1,0,36,leeds,letterbox\n");
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(households.size(), 1u);
  std::string file = WriteFile(
      dir_, "journeys.json",
      absl::StrCat(R"([{"child": ")", children[0], R"(", "adopter": ")",
                   households[0],
                   R"(", "opened": "2022-10-01", "override_reason":)",
                   R"( "Linked in 2022, when she was nine months old."}])"));
  nlohmann::json report =
      Json(Raa(sheffield, {"--json", "import", "journeys", file}));
  ASSERT_EQ(report["rows"].size(), 1u);
  EXPECT_EQ(report["rows"][0].value("status", ""), "stored");
  ASSERT_EQ(report["rows"][0]["notes"].size(), 1u);
  EXPECT_THAT(report["rows"][0]["notes"][0].get<std::string>(),
              HasSubstr("opened with an override"));
  EXPECT_THAT(report["rows"][0]["notes"][0].get<std::string>(),
              HasSubstr("age_range"));
  nlohmann::json link =
      Json(Raa(sheffield, {"--json", "link", "show",
                           report["rows"][0].value("name", "")}));
  EXPECT_EQ(link.value("override_reason", ""),
            "Linked in 2022, when she was nine months old.");
}

TEST_F(JourneyImport, MilestoneRowsAreRecordedOnce) {
  std::string sheffield = Member("sheffield");
  std::vector<std::string> children =
      Import(sheffield, "children", "sheffield",
             "ages_as_of,age_months,sex,contact_plan,entered_care,summary\n"
             "2026-10-01,60,f,letterbox,2022-01-10,Loves music\n");
  ASSERT_EQ(children.size(), 1u);
  std::string file =
      WriteFile(dir_, "milestones.csv",
                absl::StrCat("type,record,milestone,date\n",
                             // the profile's own date: already there
                             "milestone,", children[0],
                             ",entered_care,2022-01-10\n", "milestone,",
                             children[0], ",plan_for_adoption,2022-03-01\n"));
  Result first = Raa(sheffield, {"--json", "import", "journeys", file});
  nlohmann::json report = Json(first);
  EXPECT_EQ(report.value("stored", -1), 1) << first.out << first.err;
  EXPECT_EQ(report.value("already_stored", -1), 1);
  nlohmann::json again =
      Json(Raa(sheffield, {"--json", "import", "journeys", file}));
  EXPECT_EQ(again.value("stored", -1), 0);
  EXPECT_EQ(again.value("already_stored", -1), 2);
}

}  // namespace
}  // namespace raa::test
