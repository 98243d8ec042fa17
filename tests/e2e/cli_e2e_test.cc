// End to end, as a user works: the real raamatchd and the real `raa` client
// as separate processes, talking over 127.0.0.1 on a port the server picks,
// with the database in a temp directory.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/registry/test_support.h"

extern char** environ;

namespace raa::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Single-quotes `arg` for the shell.
std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "raamatchd did not shut down cleanly";
    }
  }

  void StartServer() {
    std::string port_file = dir_.File("port");
    std::vector<std::string> args = {RAAMATCHD_PATH,
                                     "--db",
                                     dir_.File("raamatch.db"),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--port-file",
                                     port_file,
                                     "--bootstrap-key-file",
                                     dir_.File("manager.key")};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1,
                                     dir_.File("server.log").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawn(&pid_, RAAMATCHD_PATH, &actions, nullptr, argv.data(),
                          environ),
              0);
    posix_spawn_file_actions_destroy(&actions);
    // Wait for the port file: the server writes it once it is serving.
    for (int i = 0; i < 600 && ReadFile(port_file).empty(); ++i) {
      int status = 0;
      ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0)
          << "raamatchd exited: " << ReadFile(dir_.File("server.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string port(absl::StripAsciiWhitespace(ReadFile(port_file)));
    ASSERT_FALSE(port.empty()) << "raamatchd did not start";
    server_ = absl::StrCat("127.0.0.1:", port);
    manager_key_ = std::string(
        absl::StripAsciiWhitespace(ReadFile(dir_.File("manager.key"))));
    ASSERT_FALSE(manager_key_.empty());
  }

  // Runs `raa --server <server> <args>` with RAA_KEY=key.
  Result Raa(const std::string& key, const std::vector<std::string>& args,
             const std::string& server = "") {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    std::string out = dir_.File("raa.out");
    std::string err = dir_.File("raa.err");
    std::string command = absl::StrCat(
        "env -u RAA_AUTHORITY RAA_KEY=", Quote(key),
        " HOME=", Quote(dir_.path()), " ", RAA_PATH, " --server ",
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
    std::string path = dir_.File(name);
    std::ofstream(path) << text;
    return path;
  }

  ScratchDir dir_;
  pid_t pid_ = -1;
  std::string server_;
  std::string manager_key_;
};

constexpr char kChildrenCsv[] =
    "ages_as_of,age_months,sex,needs,contact_plan,entered_care,summary\n"
    "2026-10-01,30,f,,letterbox,2025-06-01,Loves music\n"
    "2026-10-01,\"30;50\",f;m,1:learning_disability=mild,direct,2025-06-01,"
    "\"Two siblings,\nclose\"\n"
    "2026-10-01,999,x,,none,2025-06-01,a bad row\n";

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
  EXPECT_THAT(first.err, HasSubstr("line 5: column sex"));

  Result again =
      Raa(key, {"import", "children", csv, "--authority", "sheffield"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.out, HasSubstr("stored 0 child profiles"));
  EXPECT_THAT(again.out, HasSubstr("2 already stored"));
  nlohmann::json list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_EQ(list["children"].size(), 2u) << "a second run stored rows twice";

  // The bad row fixed, the whole file again: only that row is new.
  std::string fixed_text = kChildrenCsv;
  fixed_text.replace(fixed_text.find("999,x"), 5, "99,m");
  std::string fixed = WriteFile("fixed.csv", fixed_text);
  Result third =
      Raa(key, {"import", "children", fixed, "--authority", "sheffield"});
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_THAT(third.out, HasSubstr("stored 1 child profiles"));
  list = Json(Raa(key, {"--json", "child", "list"}));
  EXPECT_EQ(list["children"].size(), 3u);
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
  EXPECT_THAT(r.err, HasSubstr("line 3: request_id: repeats requests[0]"));
}

TEST_F(CliEndToEnd, AnUpdateRetriedWithItsRequestIdIsAnsweredOnce) {
  std::string key = Member("hull", "kingston-upon-hull");
  nlohmann::json child = Json(Raa(
      key, {"--json", "child", "create", "--authority", "hull", "--ages-as-of",
            "2026-10-01", "--age-months", "30", "--sex", "f", "--contact-plan",
            "letterbox", "--entered-care", "2025-06-01"}));
  std::string name = child.value("name", "");
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result r = Raa(key, {"--request-id", "update-once", "child", "update", name,
                         "--summary", "Loves music and the park"});
    EXPECT_EQ(r.exit_code, 0) << "attempt " << attempt << ": " << r.err;
  }
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

}  // namespace
TEST_F(CliEndToEnd, WithdrawingAMemberShowsTheImpactAndAsksFirst) {
  std::string key = Member("leeds", "west-yorkshire");
  ASSERT_EQ(Raa(key, {"child", "create", "--authority", "leeds",
                      "--ages-as-of", "2026-10-01", "--age-months", "30",
                      "--sex", "f", "--contact-plan", "letterbox",
                      "--entered-care", "2025-06-01"})
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

  Result reinstated = Raa(manager_key_, {"authority", "reinstate", "leeds"});
  EXPECT_EQ(reinstated.exit_code, 0) << reinstated.err;
  EXPECT_THAT(reinstated.out, HasSubstr("active"));

  Result renamed = Raa(manager_key_, {"authority", "update", "leeds", "--name",
                                      "Leeds City Council"});
  EXPECT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_THAT(renamed.out, HasSubstr("Leeds City Council"));
  EXPECT_EQ(Raa(manager_key_, {"authority", "update", "leeds"}).exit_code, 2);
}

}  // namespace raa::test
