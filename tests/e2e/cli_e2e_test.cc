// End to end, as a user works: the real raamatchd and the real `raa` client
// as separate processes, talking over 127.0.0.1 on a port the server picks,
// with the database in a temp directory.
#include <SQLiteCpp/Database.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/processes.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Result = CommandResult;

class CliEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(daemon_.Start({"--listen", "127.0.0.1:0"}));
    server_ = daemon_.address();
    manager_key_ = daemon_.manager_key();
    ASSERT_FALSE(manager_key_.empty());
  }

  void TearDown() override { daemon_.StopCleanly(); }

  // Runs `raa --server <server> <args>` with RAA_KEY=key (and COLUMNS
  // unset, so output is 80 wide as when not on a terminal, unless `env`
  // sets it, e.g. "COLUMNS=120").
  Result Raa(const std::string& key, const std::vector<std::string>& args,
             const std::string& server = "", const std::string& env = "") {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    std::string out = dir_.File("raa.out");
    std::string err = dir_.File("raa.err");
    std::string command = absl::StrCat(
        "env -u RAA_AUTHORITY -u COLUMNS RAA_KEY=", Quote(key),
        " HOME=", Quote(dir_.path()), " ", env, " ", RAA_PATH, " --server ",
        server.empty() ? server_ : server, " ", absl::StrJoin(quoted, " "),
        " >", out, " 2>", err, " </dev/null");
    int status = std::system(command.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  nlohmann::json Json(const Result& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  // A member authority and a registrar+family-finder key for it.
  std::string Member(const std::string& id, const std::string& region) {
    Result created = Raa(manager_key_, {"authority", "create", id, "--name",
                                        id + " council", "--region", region});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    nlohmann::json key = Json(
        Raa(manager_key_, {"--json", "key", "create", "--for", id, "--role",
                           "registrar", "--role", "family_finder"}));
    return key.value("secret", "");
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    return test::WriteFile(dir_, name, text);
  }

  ScratchDir dir_;
  Raamatchd daemon_{RAAMATCHD_PATH, dir_};
  std::string server_;
  std::string manager_key_;
};

constexpr char kChildrenCsv[] =
    "ages_as_of,age_months,sex,needs,contact_plan,entered_care,summary\n"
    "2026-10-01,30,f,,letterbox,2025-06-01,Loves music\n"
    "2026-10-01,\"30;50\",f;m,1:learning_disability=mild,direct,2025-06-01,"
    "\"Two siblings,\nclose\"\n"
    "2026-10-01,999,x,,sometimes,2025-06-01,a bad row\n";

// A new key's secret as a manager sees it, 80 columns wide (a pipe or a
// file), wider than what is left of a line after its label: on one line,
// whole, and it signs in.
TEST_F(CliEndToEnd, ANewKeysSecretIsPrintedWholeOnOneLine) {
  Member("wakefield", "wakefield");
  Result created =
      Raa(manager_key_,
          {"key", "create", "--for", "wakefield", "--role", "registrar",
           "--label", "Wakefield adoption registrar, permanence team"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string secret;
  for (absl::string_view line : absl::StrSplit(created.out, '\n')) {
    if (absl::ConsumePrefix(&line, "secret:")) {
      secret = std::string(absl::StripLeadingAsciiWhitespace(line));
    }
  }
  ASSERT_THAT(secret, testing::StartsWith("raa_")) << created.out;
  Result listed = Raa(secret, {"adopter", "list"});
  EXPECT_EQ(listed.exit_code, 0) << created.out << listed.err;
}

TEST_F(CliEndToEnd, RegionsComeFromTheListAManagerExtends) {
  Result listed = Raa(manager_key_,
                      {"region", "list", "--parent", "yorkshire-and-the-humber",
                       "--kind", "local_authority_area"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("kingston-upon-hull"));
  EXPECT_THAT(listed.out, Not(HasSubstr("manchester")));

  std::string key = Member("york", "york");
  Result refused = Raa(key, {"adopter",
                             "create",
                             "--authority",
                             "york",
                             "--status",
                             "approved",
                             "--registered-interest-on",
                             "2025-10-06",
                             "--applied-on",
                             "2025-11-01",
                             "--approved-on",
                             "2026-05-01",
                             "--approved-for",
                             "1",
                             "--min-age-months",
                             "0",
                             "--max-age-months",
                             "48",
                             "--region",
                             "york",
                             "--excluded-regions",
                             "west-yorks",
                             "--max-contact",
                             "letterbox"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("did you mean \"west-yorkshire\""));

  Result by_registrar = Raa(
      key, {"region", "create", "selby-district", "--name", "Selby district"});
  EXPECT_EQ(by_registrar.exit_code, 1);
  Result created =
      Raa(manager_key_, {"region", "create", "selby-district", "--name",
                         "Selby district", "--parent", "north-yorkshire"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("added selby-district"));

  Result check = Raa(manager_key_, {"region", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_THAT(check.out, HasSubstr("Every stored region and language is in "
                                   "the lists"));
}

TEST_F(CliEndToEnd, ImportReportsBadRowsByLineAndIsSafeToRunAgain) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string csv = WriteFile("children.csv", kChildrenCsv);

  Result first =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(first.exit_code, 1);  // one row was refused
  EXPECT_THAT(first.out, HasSubstr("stored 2 child profiles"));
  EXPECT_THAT(first.err, HasSubstr("line 5, column sex"));
  EXPECT_THAT(first.err, HasSubstr("line 5, column contact_plan"))
      << "every problem of the row, not only the first";

  Result again =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.out, HasSubstr("stored 0 child profiles"));
  EXPECT_THAT(again.out, HasSubstr("2 already stored"));
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_EQ(list["children"].size(), 2u) << "a second run stored rows twice";

  // The bad row fixed, the whole file again: only that row is new.
  std::string fixed_text = kChildrenCsv;
  fixed_text.replace(fixed_text.find("999,x,,sometimes"), 16, "99,m,,none");
  std::string fixed = WriteFile("fixed.csv", fixed_text);
  Result third =
      Raa(key, {"import", "children", fixed, "--authority", "sheffield"});
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_THAT(third.out, HasSubstr("stored 1 child profiles"));
  list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_EQ(list["children"].size(), 3u);
}

// A file of more rows than a batch is read and sent a batch at a time (raa
// holds one batch, not the file): a bad row in the middle is told by its
// line and every other row is stored, each line mapped to its record.
// --all-or-nothing, which sends a file as one batch, refuses a file of more
// than 1,000 rows before anything is sent, saying how many it has.
TEST_F(CliEndToEnd, AFileOfManyBatchesIsStoredRowByRowAroundABadOne) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string text =
      "ages_as_of,age_months,sex,contact_plan,entered_care,summary\n";
  constexpr int kRows = 1203;
  for (int i = 0; i < kRows; ++i) {
    // Line i + 2; the row on line 703 has an age that is not a number.
    absl::StrAppend(&text, "2026-10-01,", i + 2 == 703 ? "old" : "30",
                    ",f,letterbox,2025-06-01,Child ", i, "\n");
  }
  std::string csv = WriteFile("many.csv", text);

  Result all = Raa(key, {"import", "children", csv, "--authority", "sheffield",
                         "--all-or-nothing"});
  EXPECT_EQ(all.exit_code, 2);
  EXPECT_THAT(all.err,
              HasSubstr("at most 1000 rows per file; " + csv + " has 1203"));

  Result r = Raa(
      key, {"--json", "import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  nlohmann::json report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["rows"].size(), static_cast<size_t>(kRows));
  std::set<std::string> records;
  for (const nlohmann::json& row : report["rows"]) {
    if (row["line"] == 703) {
      EXPECT_EQ(row["status"], "rejected") << row;
      EXPECT_THAT(row.dump(), HasSubstr("age_months")) << row;
    } else {
      EXPECT_EQ(row["status"], "stored") << row;
      records.insert(row.value("name", ""));
    }
  }
  EXPECT_EQ(records.size(), static_cast<size_t>(kRows - 1))
      << "each stored line has its own record";
  EXPECT_EQ(report["rows"].back()["line"], kRows + 1);
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list", "--all"}));
  EXPECT_EQ(list["children"].size(), static_cast<size_t>(kRows - 1));
  // Each line names the record made from it: line L's summary is "Child
  // L-2".
  std::map<std::string, std::string> summaries;
  for (const nlohmann::json& child : list["children"]) {
    summaries[child.value("name", "")] = child.value("summary", "");
  }
  for (const nlohmann::json& row : report["rows"]) {
    if (row["line"] == 703) continue;
    EXPECT_EQ(summaries[row.value("name", "")],
              absl::StrCat("Child ", row["line"].get<int>() - 2))
        << row;
  }
}

// A change the audit trail cannot record (a full disk) is stored and
// answered UNAVAILABLE. raa says so: an import's rows are "no answer" (not
// "not sent"), a create prints the request id that retries it safely, and
// neither blames a server that is not running (outside probe).
TEST_F(CliEndToEnd, AWriteWhoseAnswerIsLostIsSaidSoAndRetriedSafely) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string csv = WriteFile("children.csv", kChildrenCsv);
  auto refuse_audit = [&](bool on) {
    SQLite::Database db(daemon_.db(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    db.exec(on ? "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events "
                 "WHEN NEW.method LIKE '%Create%' "
                 "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
               : "DROP TRIGGER refuse_audit");
  };
  refuse_audit(true);
  Result lost =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(lost.exit_code, 3) << lost.err;
  EXPECT_THAT(lost.out, HasSubstr("2 sent without an answer"));
  EXPECT_THAT(lost.out, HasSubstr("no answer"));
  EXPECT_THAT(lost.out, Not(HasSubstr("not sent")));
  EXPECT_THAT(lost.err, HasSubstr("the change was made"));
  EXPECT_THAT(lost.err, Not(HasSubstr("is raamatchd running")));

  Result created =
      Raa(key, {"child", "create", "--authority", "sheffield", "--ages-as-of",
                "2026-10-01", "--age-months", "40", "--sex", "m",
                "--contact-plan", "letterbox", "--entered-care", "2025-06-01"});
  EXPECT_EQ(created.exit_code, 3) << created.err;
  const size_t at = created.err.find("--request-id ");
  ASSERT_NE(at, std::string::npos) << created.err;
  const std::string id =
      created.err.substr(at + 13, created.err.find(')', at) - at - 13);

  refuse_audit(false);
  Result again =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_THAT(again.out, HasSubstr("2 already stored"));
  Result retried = Raa(
      key, {"child", "create", "--authority", "sheffield", "--ages-as-of",
            "2026-10-01", "--age-months", "40", "--sex", "m", "--contact-plan",
            "letterbox", "--entered-care", "2025-06-01", "--request-id", id});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_EQ(list["children"].size(), 3u) << "a retry stored a row twice";
}

TEST_F(CliEndToEnd, ARowRepeatedInOneFileIsStoredOnce) {
  std::string key = Member("york", "north-yorkshire");
  std::string csv =
      WriteFile("twice.csv",
                "ages_as_of,age_months,sex,contact_plan,entered_care,summary\n"
                "2026-10-01,30,f,letterbox,2025-06-01,Loves music\n"
                "2026-10-01,30,f,letterbox,2025-06-01,Loves music\n");
  Result r = Raa(key, {"import", "children", csv, "--authority", "york"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("stored 1 child profiles"));
  EXPECT_THAT(r.err, HasSubstr("line 3: the same profile as line 2"));
  EXPECT_THAT(r.err, Not(HasSubstr("requests[")));
  EXPECT_THAT(r.err, Not(HasSubstr("request_id")));
}

TEST_F(CliEndToEnd, AnUpdateRetriedWithItsRequestIdIsAnsweredOnce) {
  std::string key = Member("hull", "kingston-upon-hull");
  nlohmann::json household = Json(Raa(key, {"--json",
                                            "adopter",
                                            "create",
                                            "--authority",
                                            "hull",
                                            "--status",
                                            "approved",
                                            "--registered-interest-on",
                                            "2025-01-01",
                                            "--applied-on",
                                            "2025-02-01",
                                            "--approved-on",
                                            "2025-08-01",
                                            "--approved-for",
                                            "1",
                                            "--min-age-months",
                                            "0",
                                            "--max-age-months",
                                            "48",
                                            "--region",
                                            "kingston-upon-hull",
                                            "--max-contact",
                                            "direct"}));
  std::string name = household.value("name", "");
  ASSERT_FALSE(name.empty());
  // A change of age range and of status: applied twice, the second would
  // carry a later update_time and add a second status change (or be
  // refused). (A child's statuses follow links: raa link.)
  std::vector<nlohmann::json> answers;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result r = Raa(key, {"--json", "--request-id", "update-once", "adopter",
                         "update", name, "--max-age-months", "60", "--status",
                         "on_hold", "--reason", "a break over the summer"});
    EXPECT_EQ(r.exit_code, 0) << "attempt " << attempt << ": " << r.err;
    answers.push_back(nlohmann::json::parse(r.out, nullptr, false));
    ASSERT_FALSE(answers.back().is_discarded())
        << "attempt " << attempt << ": " << r.out;
  }
  const nlohmann::json& first = answers[0];
  EXPECT_EQ(first.value("max_age_months", 0), 60);
  EXPECT_EQ(first.value("status", ""), "ADOPTER_ON_HOLD");
  EXPECT_FALSE(first.value("update_time", "").empty()) << first.dump();
  ASSERT_EQ(first["status_history"].size(), 1u) << first.dump();
  // The retry is answered with the first answer, to the microsecond.
  EXPECT_EQ(answers[1], first) << "the update was applied twice";
  // And the record holds the one update: its time and one status change.
  nlohmann::json stored = Json(Raa(key, {"--json", "adopter", "get", name}));
  EXPECT_EQ(stored.value("update_time", ""), first.value("update_time", ""));
  EXPECT_EQ(stored["status_history"], first["status_history"]);
  EXPECT_EQ(stored, first);
}

TEST_F(CliEndToEnd, AllOrNothingImportStoresNothingWhenARowIsBad) {
  std::string key = Member("leeds", "west-yorkshire");
  std::string csv = WriteFile("children.csv", kChildrenCsv);
  Result r = Raa(key, {"import", "children", csv, "--authority", "leeds",
                       "--all-or-nothing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nothing stored"));
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_FALSE(list.contains("children"));
}

TEST_F(CliEndToEnd, BadInputNamesTheFieldAndExitsOne) {
  std::string key = Member("sheffield", "south-yorkshire");
  Result r = Raa(key, {"child", "create", "--authority", "sheffield",
                       "--ages-as-of", "2026-10-01", "--age-months", "40",
                       "--sex", "m", "--contact-plan", "none", "--entered-care",
                       "2025-01-01", "--summary", "born 12/03/2022"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("child.summary: contains a full date"));
}

// A child's age is never taken as 0 when it is missing: not from `child
// create` without --age-months, nor a CSV without the column, nor a JSONL row
// without the field.
TEST_F(CliEndToEnd, AMissingAgeIsRefusedNeverStoredAsZero) {
  std::string key = Member("wakefield", "west-yorkshire");
  Result created =
      Raa(key, {"child", "create", "--authority", "wakefield", "--ages-as-of",
                "2026-10-01", "--sex", "f", "--contact-plan", "letterbox",
                "--entered-care", "2025-06-01"});
  // Refused before anything is sent: the flag is required.
  EXPECT_EQ(created.exit_code, 2);
  EXPECT_THAT(created.err, HasSubstr("--age-months"));

  std::string csv =
      WriteFile("no-ages.csv",
                "ages_as_of,sex,contact_plan,entered_care,summary\n"
                "2026-10-01,f,letterbox,2025-06-01,Loves music\n");
  Result csv_import =
      Raa(key, {"import", "children", csv, "--authority", "wakefield"});
  EXPECT_NE(csv_import.exit_code, 0);
  EXPECT_THAT(csv_import.err, HasSubstr("age_months"));

  std::string jsonl = WriteFile(
      "no-ages.jsonl",
      R"({"members": [{"sex": "SEX_FEMALE"}], "ages_as_of": {"year": 2026, )"
      R"("month": 10, "day": 1}, "contact_plan": "CONTACT_NONE", "journey": )"
      R"({"entered_care": {"year": 2026, "month": 4, "day": 9}}})"
      "\n");
  Result jsonl_import =
      Raa(key, {"import", "children", jsonl, "--authority", "wakefield"});
  EXPECT_NE(jsonl_import.exit_code, 0);
  EXPECT_THAT(jsonl_import.err, HasSubstr("age_months"));

  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_FALSE(list.contains("children")) << "a child without an age stored";
}

// A status change needs a reason, never goes back from adopted, and shows
// in `child get`.
TEST_F(CliEndToEnd, StatusChangesNeedAReasonAndAreShownInTheHistory) {
  std::string key = Member("barnsley", "south-yorkshire");
  nlohmann::json child = Json(Raa(
      key, {"--json", "child", "create", "--authority", "barnsley",
            "--ages-as-of", "2026-10-01", "--age-months", "30", "--sex", "f",
            "--contact-plan", "letterbox", "--entered-care", "2025-06-01"}));
  std::string child_name = child.value("name", "");
  ASSERT_FALSE(child_name.empty());
  // A child's linked/matched/placed/adopted statuses follow its links.
  Result by_hand = Raa(key, {"child", "update", child_name, "--status",
                             "adopted", "--reason", "adoption order made"});
  EXPECT_EQ(by_hand.exit_code, 1);
  EXPECT_THAT(by_hand.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(by_hand.err, HasSubstr("child.status"));
  EXPECT_THAT(by_hand.err, HasSubstr("raa link"));

  nlohmann::json household = Json(Raa(key, {"--json",
                                            "adopter",
                                            "create",
                                            "--authority",
                                            "barnsley",
                                            "--status",
                                            "approved",
                                            "--registered-interest-on",
                                            "2025-01-01",
                                            "--applied-on",
                                            "2025-02-01",
                                            "--approved-on",
                                            "2025-08-01",
                                            "--approved-for",
                                            "1",
                                            "--min-age-months",
                                            "0",
                                            "--max-age-months",
                                            "48",
                                            "--region",
                                            "south-yorkshire",
                                            "--max-contact",
                                            "direct"}));
  std::string name = household.value("name", "");
  ASSERT_FALSE(name.empty());
  Result no_reason =
      Raa(key, {"adopter", "update", name, "--status", "on_hold"});
  EXPECT_EQ(no_reason.exit_code, 1);
  EXPECT_THAT(no_reason.err, HasSubstr("status_reason"));
  Result on_hold = Raa(key, {"adopter", "update", name, "--status", "on_hold",
                             "--reason", "a break over the summer"});
  EXPECT_EQ(on_hold.exit_code, 0) << on_hold.err;
  Result linked = Raa(key, {"adopter", "update", name, "--status", "linked",
                            "--reason", "typed by mistake"});
  EXPECT_EQ(linked.exit_code, 1);
  EXPECT_THAT(linked.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(linked.err, HasSubstr("adopter.status"));
  Result shown = Raa(key, {"adopter", "get", name});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("approved -> "));
  EXPECT_THAT(shown.out, HasSubstr("a break over the summer"));
}

TEST_F(CliEndToEnd, KeysAndReachabilityGiveDistinctExitCodes) {
  Result no_key = Raa("", {"authority", "list"});
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_THAT(no_key.err, HasSubstr("UNAUTHENTICATED"));

  Result usage = Raa(manager_key_, {"child", "list", "--status", "sleeping"});
  EXPECT_EQ(usage.exit_code, 2);

  Result down = Raa(manager_key_, {"--deadline", "2", "authority", "list"},
                    "127.0.0.1:1");
  EXPECT_EQ(down.exit_code, 3);
}

TEST_F(CliEndToEnd, ARegisteredHouseholdIsRankedAndExplainedForAChild) {
  std::string key = Member("sheffield", "south-yorkshire");
  nlohmann::json child = Json(
      Raa(key, {"--json", "child", "create", "--authority", "sheffield",
                "--ages-as-of", "2026-10-01", "--age-months", "30", "--sex",
                "f", "--contact-plan", "letterbox", "--entered-care",
                "2025-06-01", "--summary", "Loves music"}));
  nlohmann::json adopter = Json(Raa(key, {"--json",
                                          "adopter",
                                          "create",
                                          "--authority",
                                          "sheffield",
                                          "--status",
                                          "approved",
                                          "--registered-interest-on",
                                          "2025-01-01",
                                          "--applied-on",
                                          "2025-02-01",
                                          "--approved-on",
                                          "2025-08-01",
                                          "--approved-for",
                                          "1",
                                          "--min-age-months",
                                          "0",
                                          "--max-age-months",
                                          "48",
                                          "--region",
                                          "south-yorkshire",
                                          "--max-contact",
                                          "direct"}));
  std::string child_name = child.value("name", "");
  std::string adopter_name = adopter.value("name", "");
  ASSERT_FALSE(child_name.empty());

  nlohmann::json ranked =
      Json(Raa(key, {"--json", "match", "adopters", "--child", child_name}));
  ASSERT_EQ(ranked["adopters"].size(), 1u);
  EXPECT_EQ(ranked["adopters"][0]["adopter"], adopter_name);

  Result explained = Raa(key, {"match", "explain", "--child", child_name,
                               "--adopter", adopter_name});
  EXPECT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_THAT(explained.out, HasSubstr("a possible link"));
  EXPECT_THAT(explained.out, HasSubstr("same authority: no inter-agency fee"));
  EXPECT_THAT(explained.out, Not(HasSubstr("FAIL")));
}

TEST_F(CliEndToEnd, ALinkMovesFromOpenedToMatchedAndClosesBackIntoSearch) {
  std::string key = Member("sheffield", "south-yorkshire");
  nlohmann::json child = Json(
      Raa(key, {"--json", "child", "create", "--authority", "sheffield",
                "--ages-as-of", "2026-10-01", "--age-months", "30", "--sex",
                "f", "--contact-plan", "letterbox", "--entered-care",
                "2025-06-01", "--summary", "Loves music"}));
  nlohmann::json adopter = Json(Raa(key, {"--json",
                                          "adopter",
                                          "create",
                                          "--authority",
                                          "sheffield",
                                          "--status",
                                          "approved",
                                          "--registered-interest-on",
                                          "2025-01-01",
                                          "--applied-on",
                                          "2025-02-01",
                                          "--approved-on",
                                          "2025-08-01",
                                          "--approved-for",
                                          "1",
                                          "--min-age-months",
                                          "0",
                                          "--max-age-months",
                                          "48",
                                          "--region",
                                          "south-yorkshire",
                                          "--max-contact",
                                          "direct"}));
  const std::string child_name = child.value("name", "");
  const std::string adopter_name = adopter.value("name", "");
  ASSERT_FALSE(child_name.empty());

  nlohmann::json link = Json(Raa(key, {"--json", "link", "open", child_name,
                                       adopter_name, "--on", "2026-10-01"}));
  EXPECT_EQ(link.value("name", ""), "links/l1");
  const std::vector<std::string> steps = {"linking_meeting", "papers_to_panel",
                                          "panel_recommended", "match_decided"};
  int day = 2;
  for (const std::string& step : steps) {
    Result r = Raa(key, {"link", "advance", "l1", step, "--date",
                         absl::StrCat("2026-10-0", day++)});
    EXPECT_EQ(r.exit_code, 0) << step << ": " << r.err;
  }
  // Matched: no longer searched for; the statuses followed the link.
  Result search = Raa(key, {"match", "adopters", "--child", child_name});
  EXPECT_NE(search.exit_code, 0);
  nlohmann::json read = Json(Raa(key, {"--json", "child", "get", child_name}));
  EXPECT_THAT(read.dump(), HasSubstr("MATCHED"));

  // A step out of order names the field and exits non-zero.
  Result early = Raa(
      key, {"link", "advance", "l1", "order_granted", "--date", "2026-10-09"});
  EXPECT_NE(early.exit_code, 0);
  EXPECT_THAT(early.err, HasSubstr("step"));

  Result closed = Raa(key, {"link", "close", "l1", "household_withdrew",
                            "--note", "The family asked for more time."});
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  nlohmann::json ranked =
      Json(Raa(key, {"--json", "match", "adopters", "--child", child_name}));
  ASSERT_EQ(ranked["adopters"].size(), 1u);

  Result list = Raa(key, {"link", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("links/l1"));
  Result show = Raa(key, {"link", "show", "l1"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("2026-10-05"));
}

TEST_F(CliEndToEnd, MissedAlertsAreListedAndWatchJsonIsOneAlertPerLine) {
  std::string key = Member("sheffield", "south-yorkshire");
  nlohmann::json child = Json(
      Raa(key, {"--json", "child", "create", "--authority", "sheffield",
                "--ages-as-of", "2026-10-01", "--age-months", "30", "--sex",
                "f", "--contact-plan", "letterbox", "--entered-care",
                "2025-06-01", "--summary", "Loves music"}));
  std::string child_name = child.value("name", "");
  ASSERT_FALSE(child_name.empty());
  nlohmann::json follow =
      Json(Raa(key, {"--json", "match", "follow", "--child", child_name}));
  EXPECT_EQ(follow.value("state", ""), "FOLLOW_ACTIVE");
  // Three households that fit, registered while nobody watches.
  for (int i = 0; i < 3; ++i) {
    Result added = Raa(key, {"adopter",
                             "create",
                             "--authority",
                             "sheffield",
                             "--status",
                             "approved",
                             "--registered-interest-on",
                             "2025-01-01",
                             "--applied-on",
                             "2025-02-01",
                             "--approved-on",
                             "2025-08-01",
                             "--approved-for",
                             "1",
                             "--min-age-months",
                             "0",
                             "--max-age-months",
                             "48",
                             "--region",
                             "south-yorkshire",
                             "--max-contact",
                             "direct"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  nlohmann::json missed = Json(Raa(key, {"--json", "match", "alerts"}));
  ASSERT_EQ(missed["alerts"].size(), 3u);
  std::string after_first = missed["alerts"][0].value("resume_token", "");
  ASSERT_FALSE(after_first.empty());
  // --csv after the command or before it: one spreadsheet format (the BOM
  // Excel needs, CRLF), a row per alert.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"match", "alerts", "--csv"},
        std::vector<std::string>{"--csv", "match", "alerts"}}) {
    Result csv = Raa(key, args);
    EXPECT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_THAT(csv.out, testing::StartsWith("\xEF\xBB\xBFTIME,ALERT,KIND,"
                                             "FOLLOW,FOLLOWED,CHILD,"))
        << args[0];
    EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 4) << csv.out;
    EXPECT_THAT(csv.out, Not(HasSubstr("alerts;"))) << "the text listing";
  }
  // ... with --columns, as every --csv.
  Result some =
      Raa(key, {"--csv", "--columns", "time,kind", "match", "alerts"});
  EXPECT_EQ(some.exit_code, 0) << some.err;
  EXPECT_THAT(some.out, testing::StartsWith("\xEF\xBB\xBFTIME,KIND\r\n"))
      << some.out;

  // Resumed after the first: the other two, each one JSON object per line.
  Result watched = Raa(key, {"--json", "match", "watch", "--resume-token",
                             after_first, "--count", "2"});
  EXPECT_EQ(watched.exit_code, 0) << watched.err;
  std::vector<std::string> lines =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(watched.out), '\n');
  ASSERT_EQ(lines.size(), 2u) << watched.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json alert = nlohmann::json::parse(lines[i], nullptr, false);
    ASSERT_FALSE(alert.is_discarded()) << lines[i];
    EXPECT_EQ(alert.value("kind", ""), "ALERT_NEW_FIT");
    EXPECT_EQ(alert.value("child", ""), child_name);
    EXPECT_EQ(alert.value("name", ""), missed["alerts"][i + 1]["name"]);
  }
}

// Code points on the longest line of `text`.
size_t LongestLine(const std::string& text) {
  size_t longest = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    size_t width = 0;
    for (unsigned char c : line) width += (c & 0xC0) != 0x80;
    longest = std::max(longest, width);
  }
  return longest;
}

// RFC 4180 fields, for checking what a spreadsheet would read.
std::vector<std::vector<std::string>> ParseCsv(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (!field.empty() || !rows.back().empty()) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

constexpr char kAdoptersHeader[] =
    "status,registered_interest_on,applied_on,approved_on,approved_for,"
    "min_age_months,max_age_months,region,max_contact\n";

// `n` approved households that all fit a 30-month-old, each a little
// different (so each is its own row).
std::string Households(int n) {
  std::string csv = kAdoptersHeader;
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&csv, "approved,2025-01-01,2025-02-01,2025-08-01,1,0,",
                    48 + i, ",south-yorkshire,direct\n");
  }
  return csv;
}

class CliOutput : public CliEndToEnd {
 protected:
  void SetUp() override {
    CliEndToEnd::SetUp();
    key_ = Member("sheffield", "south-yorkshire");
    nlohmann::json child = Json(Raa(
        key_,
        {"--json", "child", "create", "--authority", "sheffield",
         "--ages-as-of", "2026-10-01", "--age-months", "30;50", "--sex", "f;m",
         "--needs",
         "1:learning_disability=mild;2:attachment_difficulties=moderate;2:"
         "emotional_and_behavioural=mild",
         "--contact-plan", "letterbox", "--entered-care", "2025-06-01",
         "--summary",
         "Two lively siblings, \"very close\", who love music, the park, "
         "drawing and long walks with the dog;\nthey need a family together"}));
    child_ = child.value("name", "");
    ASSERT_FALSE(child_.empty());
    std::string two =
        "status,registered_interest_on,applied_on,approved_on,approved_for,"
        "min_age_months,max_age_months,region,max_contact,need_limits\n";
    for (int i = 0; i < 3; ++i) {
      // Approved for two, open to the siblings' needs: they fit.
      absl::StrAppend(&two, "approved,2025-01-01,2025-02-01,2025-08-01,2,0,",
                      60 + i,
                      ",south-yorkshire,direct,learning_disability=mild;"
                      "attachment_difficulties=moderate;emotional_and_"
                      "behavioural=moderate\n");
    }
    Result imported =
        Raa(key_, {"import", "adopters", WriteFile("two.csv", two),
                   "--authority", "sheffield"});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  std::string key_;
  std::string child_;
};

TEST_F(CliOutput, NoLineIsWiderThanTheTerminalAt80Or120Columns) {
  nlohmann::json ranked =
      Json(Raa(key_, {"--json", "match", "adopters", "--child", child_}));
  ASSERT_GE(ranked["adopters"].size(), 1u);
  std::string household = ranked["adopters"][0]["adopter"];
  const std::vector<std::vector<std::string>> commands = {
      {"child", "list"},
      {"adopter", "list"},
      {"authority", "list"},
      {"key", "list"},
      {"child", "get", child_},
      {"match", "adopters", "--child", child_},
      {"match", "explain", "--child", child_, "--adopter", household},
      {"policy", "show"},
  };
  for (int width : {80, 120}) {
    for (const auto& command : commands) {
      const std::string& key = command[0] == "authority" || command[0] == "key"
                                   ? manager_key_
                                   : key_;
      Result r = Raa(key, command, "", absl::StrCat("COLUMNS=", width));
      EXPECT_EQ(r.exit_code, 0) << absl::StrJoin(command, " ") << ": " << r.err;
      EXPECT_LE(LongestLine(r.out), static_cast<size_t>(width))
          << absl::StrJoin(command, " ") << " at " << width << ":\n"
          << r.out;
      EXPECT_LE(LongestLine(r.err), static_cast<size_t>(width)) << r.err;
    }
  }
  // Not a terminal and no COLUMNS: 80.
  Result plain = Raa(key_, {"child", "list"});
  EXPECT_LE(LongestLine(plain.out), 80u) << plain.out;
  EXPECT_THAT(plain.out, Not(HasSubstr("SUMMARY")));

  // --wide: every column, however wide.
  Result wide = Raa(key_, {"--wide", "child", "list"}, "", "COLUMNS=80");
  EXPECT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_THAT(wide.out, HasSubstr("SUMMARY"));
  EXPECT_THAT(wide.out, HasSubstr("drawing and long walks"));
  EXPECT_GT(LongestLine(wide.out), 80u);

  // --columns: those, in that order.
  Result chosen = Raa(key_, {"--columns", "summary,name", "child", "list"});
  EXPECT_EQ(chosen.exit_code, 0) << chosen.err;
  EXPECT_THAT(chosen.out, testing::StartsWith("SUMMARY"));
  EXPECT_THAT(chosen.out, Not(HasSubstr("STATUS")));
  Result unknown = Raa(key_, {"--columns", "name,shoe_size", "child", "list"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("shoe_size is not a column"));
}

TEST_F(CliOutput, CsvIsWhatASpreadsheetReads) {
  Result r = Raa(key_, {"--csv", "child", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("\xEF\xBB\xBF", 0), 0u) << "a UTF-8 BOM for Excel";
  EXPECT_THAT(r.out, HasSubstr("\r\n"));
  std::vector<std::vector<std::string>> rows = ParseCsv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  ASSERT_EQ(rows[0].size(), rows[1].size());
  auto column = [&](const std::string& name) {
    auto it = std::find(rows[0].begin(), rows[0].end(), name);
    EXPECT_NE(it, rows[0].end()) << name;
    return rows[1][it - rows[0].begin()];
  };
  EXPECT_EQ(column("NAME"), child_.substr(strlen("authorities/")));
  EXPECT_EQ(column("SUMMARY"),
            "Two lively siblings, \"very close\", who love music, the park, "
            "drawing and long walks with the dog;\nthey need a family "
            "together");
  EXPECT_EQ(column("CONTACT"), "letterbox");

  for (const std::vector<std::string>& list :
       {std::vector<std::string>{"--csv", "adopter", "list"},
        std::vector<std::string>{"--csv", "authority", "list"},
        std::vector<std::string>{"--csv", "key", "list"}}) {
    Result csv = Raa(list[1] == "adopter" ? key_ : manager_key_, list);
    EXPECT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_GE(ParseCsv(csv.out).size(), 2u) << csv.out;
  }
}

TEST_F(CliOutput, MatchCsvIsAShortlistWithEveryScoreComponent) {
  Result r = Raa(key_, {"--csv", "match", "adopters", "--child", child_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::vector<std::string>> rows = ParseCsv(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;  // the header and three households
  const std::vector<std::string>& header = rows[0];
  for (const char* name :
       {"RANK", "HOUSEHOLD", "SCORE", "APPROVED FOR", "AGES", "REGION",
        "MAX CONTACT", "CAPACITY FIT POINTS", "CAPACITY FIT WHY",
        "AGE FIT POINTS", "NEEDS MARGIN WHY"}) {
    EXPECT_NE(std::find(header.begin(), header.end(), name), header.end())
        << name << " in " << rows[0].size() << " columns";
  }
  auto at = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  EXPECT_EQ(rows[1][at("RANK")], "1");
  EXPECT_EQ(rows[1][at("APPROVED FOR")], "2");
  EXPECT_EQ(rows[1][at("REGION")], "south-yorkshire");
  EXPECT_FALSE(rows[1][at("CAPACITY FIT WHY")].empty());
}

TEST_F(CliEndToEnd, LimitAndPageSizeMeanTheSameEverywhereAndRankingPages) {
  std::string key = Member("sheffield", "south-yorkshire");
  nlohmann::json child = Json(Raa(
      key, {"--json", "child", "create", "--authority", "sheffield",
            "--ages-as-of", "2026-10-01", "--age-months", "30", "--sex", "f",
            "--contact-plan", "letterbox", "--entered-care", "2025-06-01"}));
  std::string name = child.value("name", "");
  Result imported =
      Raa(key, {"import", "adopters", WriteFile("many.csv", Households(130)),
                "--authority", "sheffield"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  // Beyond 100: the client pages, the server's tokens carry on.
  nlohmann::json all = Json(Raa(key, {"--json", "match", "adopters", "--child",
                                      name, "--limit", "125", "--brief"}));
  ASSERT_EQ(all["adopters"].size(), 125u);
  std::set<std::string> distinct;
  for (const auto& a : all["adopters"]) distinct.insert(a["adopter"]);
  EXPECT_EQ(distinct.size(), 125u) << "a page repeated a household";
  EXPECT_FALSE(all.value("next_page_token", "").empty()) << "5 more remain";

  // The same rows however they are paged.
  nlohmann::json paged =
      Json(Raa(key, {"--json", "match", "adopters", "--child", name, "--limit",
                     "125", "--page-size", "7", "--brief"}));
  ASSERT_EQ(paged["adopters"].size(), 125u);
  for (size_t i = 0; i < 125; ++i) {
    EXPECT_EQ(paged["adopters"][i]["adopter"], all["adopters"][i]["adopter"])
        << i;
  }

  // --limit 5, then continue with the token it prints: ranks 6 to 10.
  Result first = Raa(
      key, {"match", "adopters", "--child", name, "--limit", "5", "--brief"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  size_t at = first.err.find("--page-token ");
  ASSERT_NE(at, std::string::npos) << first.err;
  std::string token = first.err.substr(at + 13);
  token = token.substr(0, token.find(' '));
  nlohmann::json next =
      Json(Raa(key, {"--json", "match", "adopters", "--child", name, "--limit",
                     "5", "--page-token", token, "--brief"}));
  ASSERT_EQ(next["adopters"].size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(next["adopters"][i]["adopter"],
              all["adopters"][5 + i]["adopter"]);
  }
  EXPECT_EQ(next.value("first_rank", 0), 6);
  // Fetched two at a time, the pages merge into the same ranks 6 to 10.
  nlohmann::json small_pages = Json(
      Raa(key, {"--json", "match", "adopters", "--child", name, "--limit", "5",
                "--page-size", "2", "--page-token", token, "--brief"}));
  EXPECT_EQ(small_pages.value("first_rank", 0), 6);
  ASSERT_EQ(small_pages["adopters"].size(), 5u);
  EXPECT_EQ(small_pages["adopters"][4]["adopter"],
            all["adopters"][9]["adopter"]);
  // ... and numbered 6 to 10, on the screen and in a shortlist, as the
  // first page of 10 numbers them (the shortlist's RANK column).
  Result text = Raa(key, {"match", "adopters", "--child", name, "--limit", "5",
                          "--page-token", token, "--brief"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const std::string sixth = absl::StrCat(
      "6. ", absl::StripPrefix(all["adopters"][5]["adopter"].get<std::string>(),
                               "authorities/"));
  EXPECT_THAT(text.out, HasSubstr(sixth)) << text.out;
  EXPECT_THAT(text.out, Not(HasSubstr("\n1. "))) << text.out;
  Result shortlist = Raa(key, {"--csv", "match", "adopters", "--child", name,
                               "--limit", "5", "--page-token", token});
  ASSERT_EQ(shortlist.exit_code, 0) << shortlist.err;
  std::vector<std::string> ranks;
  for (absl::string_view line : absl::StrSplit(shortlist.out, '\n')) {
    line = absl::StripPrefix(line, "\xEF\xBB\xBF");
    if (!line.empty() && !absl::StartsWith(line, "RANK")) {
      ranks.emplace_back(line.substr(0, line.find(',')));
    }
  }
  EXPECT_THAT(ranks, ElementsAre("6", "7", "8", "9", "10")) << shortlist.out;
  // A token for another ranking is refused, naming the field.
  Result other = Raa(key, {"match", "adopters", "--child", name, "--limit", "5",
                           "--min-score", "10", "--page-token", token});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("page_token"));

  // After a registration the ranking has changed: the token says so.
  Result more =
      Raa(key, {"import", "adopters",
                WriteFile("one.csv", absl::StrCat(kAdoptersHeader,
                                                  "approved,2025-01-01,2025-"
                                                  "02-01,2025-08-01,1,0,200,"
                                                  "south-yorkshire,none\n")),
                "--authority", "sheffield"});
  ASSERT_EQ(more.exit_code, 0) << more.err;
  Result stale = Raa(key, {"match", "adopters", "--child", name, "--limit", "5",
                           "--page-token", token});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, HasSubstr("ABORTED"));
  EXPECT_THAT(stale.err, HasSubstr("start again"));

  // Lists: --limit is the rows in all, --page-size the rows per call.
  nlohmann::json households = Json(Raa(
      key, {"--json", "adopter", "list", "--limit", "12", "--page-size", "5"}));
  EXPECT_EQ(households["adopters"].size(), 12u);
  EXPECT_FALSE(households.value("next_page_token", "").empty());
  nlohmann::json every = Json(
      Raa(key, {"--json", "adopter", "list", "--all", "--page-size", "50"}));
  EXPECT_EQ(every["adopters"].size(), 131u);
  EXPECT_EQ(Raa(key, {"adopter", "list", "--page-size", "5000"}).exit_code, 2);
  EXPECT_EQ(
      Raa(key, {"match", "adopters", "--child", name, "--page-size", "500"})
          .exit_code,
      2);
}

TEST_F(CliEndToEnd, ExplainSaysWhyAClosedPairIsClosedAndHiddenStaysHidden) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string other = Member("leeds", "west-yorkshire");
  nlohmann::json child = Json(Raa(
      key,
      {"--json", "child", "create", "--authority", "sheffield", "--ages-as-of",
       "2026-10-01", "--age-months", "30", "--sex", "f", "--contact-plan",
       "letterbox", "--entered-care", "2025-06-01", "--hidden-from", "leeds"}));
  nlohmann::json adopter = Json(Raa(key, {"--json",
                                          "adopter",
                                          "create",
                                          "--authority",
                                          "sheffield",
                                          "--status",
                                          "approved",
                                          "--registered-interest-on",
                                          "2025-01-01",
                                          "--applied-on",
                                          "2025-02-01",
                                          "--approved-on",
                                          "2025-08-01",
                                          "--approved-for",
                                          "1",
                                          "--max-age-months",
                                          "48",
                                          "--region",
                                          "south-yorkshire",
                                          "--max-contact",
                                          "direct"}));
  std::string c = child.value("name", "");
  std::string h = adopter.value("name", "");
  Result withdrawn =
      Raa(key, {"adopter", "withdraw", h, "--reason", "moved out of the area"});
  ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;

  Result r = Raa(key, {"match", "explain", "--child", c, "--adopter", h});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("a closed pair"));
  EXPECT_THAT(r.out, HasSubstr("the household is withdrawn: moved out of"));
  EXPECT_THAT(r.out, HasSubstr("capacity"));
  nlohmann::json explained = Json(
      Raa(key, {"--json", "match", "explain", "--child", c, "--adopter", h}));
  EXPECT_EQ(explained.value("closed_reason", ""),
            "the household is withdrawn: moved out of the area");
  EXPECT_FALSE(explained.value("eligible", false));
  ASSERT_FALSE(explained["constraints"].empty());
  EXPECT_EQ(explained["constraints"][0]["constraint"], "not_available");
  EXPECT_FALSE(explained["constraints"][0].value("passed", false));
  EXPECT_EQ(explained["constraints"][0]["reason"],
            "the household is withdrawn: moved out of the area");
  EXPECT_GT(explained.value("score", 0), 0) << "explained as of now";

  // The child matched too (through a link with another household): both
  // sides named.
  nlohmann::json family = Json(Raa(key, {"--json",
                                         "adopter",
                                         "create",
                                         "--authority",
                                         "sheffield",
                                         "--status",
                                         "approved",
                                         "--registered-interest-on",
                                         "2025-01-01",
                                         "--applied-on",
                                         "2025-02-01",
                                         "--approved-on",
                                         "2025-08-01",
                                         "--approved-for",
                                         "1",
                                         "--min-age-months",
                                         "0",
                                         "--max-age-months",
                                         "48",
                                         "--region",
                                         "south-yorkshire",
                                         "--max-contact",
                                         "direct"}));
  Result opened = Raa(
      key, {"link", "open", c, family.value("name", ""), "--on", "2026-10-01"});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  int day = 2;
  for (const char* step : {"linking_meeting", "papers_to_panel",
                           "panel_recommended", "match_decided"}) {
    Result matched = Raa(key, {"link", "advance", "l1", step, "--date",
                               absl::StrCat("2026-10-0", day++)});
    ASSERT_EQ(matched.exit_code, 0) << step << ": " << matched.err;
  }
  explained = Json(
      Raa(key, {"--json", "match", "explain", "--child", c, "--adopter", h}));
  EXPECT_THAT(explained.value("closed_reason", ""),
              HasSubstr("the child is matched"));

  // Hidden from leeds: NOT_FOUND to leeds, closed or not.
  Result hidden =
      Raa(other, {"match", "explain", "--child", c, "--adopter", h});
  EXPECT_EQ(hidden.exit_code, 1);
  EXPECT_THAT(hidden.err, HasSubstr("NOT_FOUND"));
}

TEST_F(CliEndToEnd, ABadHeaderIsOneErrorNamingEveryBadColumn) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string csv = WriteFile(
      "children.csv",
      "Ages as of,Age Months,Sex,Contact Plan,Entered Care,Shoe Size,Summry\n"
      "2026-10-01,30,f,letterbox,2025-06-01,3,hello\n"
      "2026-10-01,40,m,letterbox,2025-06-01,4,hello\n");
  Result r = Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("the header has 2 problems"));
  EXPECT_THAT(r.err, HasSubstr("\"Shoe Size\""));
  EXPECT_THAT(r.err, HasSubstr("\"Summry\" is not a column raa knows; did you "
                               "mean summary?"));
  EXPECT_THAT(r.err, Not(HasSubstr("line 2")));
  EXPECT_THAT(r.err, Not(HasSubstr("line 3")));
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_FALSE(list.contains("children")) << "nothing is sent";
}

TEST_F(CliEndToEnd, ImportMapsEachLineToItsRecordInTheUsersWords) {
  std::string key = Member("sheffield", "south-yorkshire");
  std::string csv = WriteFile(
      "children.csv",
      "ages_as_of,age_months,sex,heritage,religion,contact_plan,entered_care,"
      "summary\n"
      "2026-10-01,30,Female,White British,Christian,Letterbox,2025-06-01,"
      "Loves music\n"
      "2026-10-01,\"30;50\",F;M,\"Asian or Asian British - Indian;mixed "
      "white and asian\",None;None,Face to face,2025-06-01,Two siblings\n"
      "2026-10-01,soon,q,purple,,weekly,2025-13-45,three problems and more\n"
      "2026-10-01,30;50,f;m,;martian,,none,2025-06-01,the second child\n"
      "2026-10-01,30,f,,,none,2025-06-01,born 12/03/2022\n");
  std::string results = dir_.File("results.csv");
  Result r = Raa(key, {"--json", "import", "children", csv, "--authority",
                       "sheffield", "--results", results});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc["stored"], 2);
  EXPECT_EQ(doc["rejected"], 3);
  ASSERT_EQ(doc["rows"].size(), 5u);
  EXPECT_EQ(doc["rows"][0]["line"], 2);
  EXPECT_EQ(doc["rows"][0]["status"], "stored");
  EXPECT_THAT(doc["rows"][0].value("name", ""),
              HasSubstr("authorities/sheffield/children/"));
  EXPECT_EQ(doc["rows"][1]["status"], "stored");
  // Line 4: every problem, each by column.
  std::set<std::string> columns;
  for (const auto& p : doc["rows"][2]["problems"]) columns.insert(p["column"]);
  EXPECT_EQ(columns, (std::set<std::string>{"age_months", "sex", "heritage",
                                            "contact_plan", "entered_care"}))
      << doc["rows"][2].dump();
  EXPECT_EQ(doc["rows"][3]["problems"][0]["column"], "heritage");
  EXPECT_THAT(doc["rows"][3]["problems"][0].value("message", ""),
              HasSubstr("child 2"));
  // The server's refusal, in the column's name.
  EXPECT_EQ(doc["rows"][4]["status"], "rejected");
  EXPECT_EQ(doc["rows"][4]["problems"][0]["column"], "summary");
  EXPECT_THAT(r.err, Not(HasSubstr("child.")));
  EXPECT_THAT(r.err, Not(HasSubstr("requests[")));

  // The results file: one row per line, to paste into the spreadsheet.
  std::vector<std::vector<std::string>> rows = ParseCsv(ReadFile(results));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"line", "status", "record", "problems"}));
  EXPECT_EQ(rows[1][0], "2");
  EXPECT_EQ(rows[1][1], "stored");
  EXPECT_THAT(rows[1][2], HasSubstr("sheffield/children/"));
  EXPECT_EQ(rows[5][1], "rejected");
  EXPECT_THAT(rows[5][3], HasSubstr("column summary"));
  // Spreadsheet spellings were read as the values they mean.
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  ASSERT_EQ(list["children"].size(), 2u);
  std::set<std::string> plans;
  for (const auto& c : list["children"]) plans.insert(c["contact_plan"]);
  EXPECT_EQ(plans,
            (std::set<std::string>{"CONTACT_LETTERBOX", "CONTACT_DIRECT"}));

  // Run again: the same lines map to the same records, found not stored.
  Result again = Raa(
      key, {"--json", "import", "children", csv, "--authority", "sheffield"});
  nlohmann::json second = nlohmann::json::parse(again.out, nullptr, false);
  ASSERT_FALSE(second.is_discarded()) << again.out;
  EXPECT_EQ(second["rows"][0]["status"], "already stored");
  EXPECT_EQ(second["rows"][0]["name"], doc["rows"][0]["name"]);

  // A JSON array on one line: each row is told by its place in the array.
  std::string json = WriteFile(
      "children.json",
      R"([{"ages_as_of": "2026-10-01", "members": [{"age_months": 30}], )"
      R"("journey": {"entered_care": "2025-06-01"}}, 7])");
  std::string json_results = dir_.File("json-results.csv");
  Result array = Raa(key, {"import", "children", json, "--authority",
                           "sheffield", "--results", json_results});
  EXPECT_EQ(array.exit_code, 1) << array.err;
  EXPECT_THAT(array.err, HasSubstr("children.json element 2 (line 1): "));
  EXPECT_THAT(array.out, HasSubstr("ELEMENT"));
  std::vector<std::vector<std::string>> array_rows =
      ParseCsv(ReadFile(json_results));
  ASSERT_EQ(array_rows.size(), 3u);
  EXPECT_EQ(array_rows[0],
            (std::vector<std::string>{"element", "line", "status", "record",
                                      "problems"}));
  EXPECT_EQ(array_rows[2][0], "2");
  EXPECT_EQ(array_rows[2][1], "1");
  EXPECT_EQ(array_rows[2][2], "rejected");
}

TEST_F(CliEndToEnd, VersionConfigLinesAndHelpSayWhatTheyShould) {
  Result version = Raa("", {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out,
              testing::MatchesRegex("raa [0-9]+\\.[0-9]+\\.[0-9]+\n"));

  std::filesystem::create_directories(dir_.File(".config/raa"));
  WriteFile(".config/raa/config.ini",
            "# my settings\nserver = 127.0.0.1:1\nsever = 127.0.0.1:2\n");
  Result config = Raa(manager_key_, {"authority", "list"});
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_THAT(config.err, HasSubstr("config.ini line 3: \"sever\" is not a "
                                    "setting raa knows"));
  std::filesystem::remove(dir_.File(".config/raa/config.ini"));

  Result help = Raa("", {"child", "create", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("REQUIRED"));
  EXPECT_THAT(help.out, HasSubstr("none, letterbox or direct"));
  EXPECT_THAT(help.out, HasSubstr("white_british"));
  Result adopter_help = Raa("", {"adopter", "create", "--help"});
  EXPECT_THAT(adopter_help.out, HasSubstr("stage_one, stage_two, approved"));

  Result missing =
      Raa("", {"child", "create", "--authority", "x", "--age-months", "30"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--ages-as-of"));
  EXPECT_THAT(missing.err, HasSubstr("--contact-plan"));
  EXPECT_EQ(Raa("", {"child", "frobnicate"}).exit_code, 2);
}

}  // namespace
TEST_F(CliEndToEnd, WithdrawingAMemberShowsTheImpactAndAsksFirst) {
  std::string key = Member("leeds", "west-yorkshire");
  ASSERT_EQ(
      Raa(key, {"child", "create", "--authority", "leeds", "--ages-as-of",
                "2026-10-01", "--age-months", "30", "--sex", "f",
                "--contact-plan", "letterbox", "--entered-care", "2025-06-01"})
          .exit_code,
      0);

  // Not at a terminal and no --yes: the impact is shown, nothing changes.
  Result refused = Raa(manager_key_, {"authority", "withdraw", "leeds"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.out,
              HasSubstr("1 waiting or linked child profiles (1 children)"));
  EXPECT_THAT(refused.err, HasSubstr("--yes"));
  EXPECT_THAT(Raa(manager_key_, {"authority", "get", "leeds"}).out,
              HasSubstr("active"));

  Result withdrawn =
      Raa(manager_key_, {"authority", "withdraw", "leeds", "--yes"});
  EXPECT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
  EXPECT_THAT(withdrawn.out, HasSubstr("withdrawn"));
  // Its keys list only its own records: the refusal says which flag does
  // that (the global --authority only completes short names).
  Result everyone = Raa(key, {"--authority", "leeds", "child", "list"});
  EXPECT_EQ(everyone.exit_code, 1);
  EXPECT_THAT(everyone.err, HasSubstr("raa child list --authority leeds"));
  Result own = Raa(key, {"child", "list", "--authority", "leeds"});
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("leeds/children/c1"));

  Result reinstated = Raa(manager_key_, {"authority", "reinstate", "leeds"});
  EXPECT_EQ(reinstated.exit_code, 0) << reinstated.err;
  EXPECT_THAT(reinstated.out, HasSubstr("active"));
  // Its follows are not restarted: the manager is told to pass that on.
  EXPECT_THAT(reinstated.out,
              HasSubstr("Its follows, ended when it withdrew, are not "
                        "restarted"));

  Result renamed = Raa(manager_key_, {"authority", "update", "leeds", "--name",
                                      "Leeds City Council"});
  EXPECT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_THAT(renamed.out, HasSubstr("Leeds City Council"));
  EXPECT_EQ(Raa(manager_key_, {"authority", "update", "leeds"}).exit_code, 2);
}

TEST_F(CliEndToEnd, JourneyMilestonesReviewsOverdueAndTimescales) {
  std::string key = Member("sheffield", "sheffield");
  std::string csv = WriteFile(
      "children.csv",
      "ages_as_of,age_months,sex,needs,contact_plan,entered_care,summary\n"
      "2026-10-01,30,f,,letterbox,2025-06-01,Loves music\n");
  Result imported =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  // A profile's journey date, recorded as a milestone, then corrected.
  Result recorded =
      Raa(key, {"--authority", "sheffield", "journey", "milestone", "c1",
                "shobpa_decision", "2025-07-01"});
  EXPECT_EQ(recorded.exit_code, 0) << recorded.err;
  Result uncorrected =
      Raa(key, {"--authority", "sheffield", "journey", "milestone", "c1",
                "shobpa_decision", "2025-07-02"});
  EXPECT_EQ(uncorrected.exit_code, 1);
  EXPECT_THAT(uncorrected.err, HasSubstr("reason"));
  Result corrected =
      Raa(key, {"--authority", "sheffield", "journey", "milestone", "c1",
                "shobpa_decision", "2025-07-02", "--reason", "typed the 1st"});
  EXPECT_EQ(corrected.exit_code, 0) << corrected.err;
  EXPECT_THAT(corrected.out, HasSubstr("(was 2025-07-01)"));
  nlohmann::json child =
      Json(Raa(key, {"--json", "child", "get", "sheffield/c1"}));
  EXPECT_EQ(child["journey"]["shobpa_decision"]["day"], 2);
  Result history = Raa(key, {"--authority", "sheffield", "journey",
                             "milestones", "c1", "--history"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("typed the 1st"));

  Result review =
      Raa(key, {"--authority", "sheffield", "journey", "review", "c1", "--date",
                "2025-08-01", "--action",
                "family_finder|2025-09-01|profile at the exchange day"});
  EXPECT_EQ(review.exit_code, 0) << review.err;
  EXPECT_THAT(review.out, HasSubstr("reviews/1"));

  // Waiting with no link 3 months after the SHOBPA decision, and the
  // review's action past its date.
  Result overdue = Raa(key, {"journey", "overdue", "--authority", "sheffield"},
                       "", "COLUMNS=200");
  EXPECT_EQ(overdue.exit_code, 0) << overdue.err;
  EXPECT_THAT(overdue.out, HasSubstr("national_register_child"));
  EXPECT_THAT(overdue.out, HasSubstr("review_actions"));
  Result summary = Raa(manager_key_, {"journey", "overdue", "--summary"});
  EXPECT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_THAT(summary.out, HasSubstr("sheffield"));
  EXPECT_THAT(summary.out, HasSubstr("Worst:"));

  Result shown = Raa(key, {"journey", "timescales"}, "", "COLUMNS=200");
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("adm_after_panel"));
  Result refused = Raa(key, {"journey", "timescales", "set", "adm_after_panel",
                             "--amount", "10"});
  EXPECT_EQ(refused.exit_code, 1);
  Result set = Raa(manager_key_, {"journey", "timescales", "set",
                                  "adm_after_panel", "--amount", "10"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, HasSubstr("version 1"));
}

}  // namespace raa::test
