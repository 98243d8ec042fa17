// End to end, as finance officers work: the real raamatchd and the real
// `raa ledger` commands as processes. A Sheffield child placed with a Leeds
// household (through `raa import journeys`) accrues the fee; Sheffield's
// finance officer pays part of it, Leeds confirms one payment and rejects
// another; balances and their CSV say the same to the penny; a retried
// payment is recorded once.
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
using ::testing::Not;
using ::testing::StartsWith;
using Result = CommandResult;

class LedgerEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(daemon_.Start({"--listen", "127.0.0.1:0"}));
    manager_key_ = daemon_.manager_key();
    ASSERT_FALSE(manager_key_.empty());
  }
  void TearDown() override { daemon_.StopCleanly(); }

  // `raa --server <server> <args>` with RAA_KEY=key, 80 columns wide.
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

  // A member with a registrar + family finder key and a finance key.
  struct Keys {
    std::string registrar;
    std::string finance;
  };
  Keys Member(const std::string& id) {
    Result created = Raa(manager_key_, {"authority", "create", id, "--name",
                                        id + " council", "--region", id});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    Keys keys;
    keys.registrar = Json(Raa(manager_key_,
                              {"--json", "key", "create", "--for", id, "--role",
                               "registrar", "--role", "family_finder"}))
                         .value("secret", "");
    keys.finance = Json(Raa(manager_key_, {"--json", "key", "create", "--for",
                                           id, "--role", "finance"}))
                       .value("secret", "");
    return keys;
  }

  std::string ImportOne(const std::string& key, const std::string& kind,
                        const std::string& authority, const std::string& csv) {
    std::string path = WriteFile(dir_, kind + ".csv", csv);
    nlohmann::json report = Json(
        Raa(key, {"--json", "import", kind, path, "--authority", authority}));
    if (report["rows"].size() != 1) return "";
    return report["rows"][0].value("name", "");
  }

  ScratchDir dir_;
  Raamatchd daemon_{RAAMATCHD_PATH, dir_};
  std::string manager_key_;
};

TEST_F(LedgerEndToEnd, PayConfirmRejectAndTheBalancesToThePenny) {
  Keys sheffield = Member("sheffield");
  Keys leeds = Member("leeds");
  std::string child = ImportOne(
      sheffield.registrar, "children", "sheffield",
      "ages_as_of,age_months,sex,contact_plan,entered_care,shobpa_decision,"
      "placement_order,summary\n"
      "2026-10-01,60,f,letterbox,2022-01-10,2022-06-01,2022-09-01,Loves "
      "music\n");
  std::string household = ImportOne(
      leeds.registrar, "adopters", "leeds",
      "status,registered_interest_on,applied_on,approved_on,approved_for,"
      "min_age_months,max_age_months,region,max_contact\n"
      "approved,2021-01-01,2021-03-01,2021-09-01,1,0,84,leeds,letterbox\n");
  ASSERT_FALSE(child.empty());
  ASSERT_FALSE(household.empty());
  // Placed on 2022-12-12 with a Leeds (local authority) household: the
  // shipped schedule's LA rate for one child, £27,000.
  std::string journeys = WriteFile(
      dir_, "journeys.csv",
      absl::StrCat("type,child,adopter,placement_kind,opened,linking_meeting,"
                   "papers_to_panel,panel_recommended,match_decided,placed,"
                   "order_applied,order_granted\n",
                   "link,", child, ",", household,
                   ",adoptive,2022-10-01,2022-10-15,2022-11-01,2022-11-20,"
                   "2022-11-24,2022-12-12,2023-03-01,2023-06-01\n"));
  Result imported = Raa(sheffield.registrar, {"import", "journeys", journeys});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;

  Result balances = Raa(sheffield.finance,
                        {"--authority", "sheffield", "ledger", "balances"});
  ASSERT_EQ(balances.exit_code, 0) << balances.err;
  EXPECT_THAT(balances.out, HasSubstr("-£27,000.00"));
  EXPECT_THAT(balances.out, HasSubstr("sheffield  leeds  £27,000.00"));

  Result statement = Raa(
      sheffield.finance,
      {"--authority", "sheffield", "ledger", "statement", "--year", "2022"});
  ASSERT_EQ(statement.exit_code, 0) << statement.err;
  EXPECT_THAT(statement.out, HasSubstr("RAA-l1"));
  EXPECT_THAT(statement.out, HasSubstr("closing"));

  // Sheffield's books for the year: the fee as a spreadsheet writes it, and
  // a row it cannot read, reported by line and column.
  std::string books =
      WriteFile(dir_, "books.csv",
                "\xEF\xBB\xBF"
                "Date,Counterparty,Reference,Amount\r\n"
                "12/12/2022,leeds council,RAA-l1,\"(27,000.00)\"\r\n"
                "01/01/2023,leeds,INV-7,1.234\r\n");
  Result reconciled = Raa(
      sheffield.finance, {"--authority", "sheffield", "ledger", "reconcile",
                          books, "--from", "2022-04-01", "--to", "2023-03-31"});
  ASSERT_EQ(reconciled.exit_code, 0) << reconciled.err;
  EXPECT_THAT(reconciled.out, HasSubstr("matched:                       1\n"));
  EXPECT_THAT(reconciled.out, HasSubstr("rows not read:                 1\n"));
  EXPECT_THAT(reconciled.out, HasSubstr("3    amount"));
  EXPECT_THAT(reconciled.out,
              HasSubstr("difference (books - service):  £0.00\n"));

  // Sheffield pays part; a retry with the same request id records nothing
  // more.
  std::vector<std::string> pay = {
      "--authority", "sheffield",   "--request-id", "pay-bacs-1", "--json",
      "ledger",      "pay",         "--to",         "leeds",      "--amount",
      "£10,000.50",  "--reference", "BACS-1"};
  nlohmann::json first = Json(Raa(sheffield.finance, pay));
  EXPECT_EQ(first.value("state", ""), "PAYMENT_STATE_PENDING");
  const std::string payment = first.value("name", "");
  ASSERT_THAT(payment, StartsWith("ledger/payments/p"));
  nlohmann::json retried = Json(Raa(sheffield.finance, pay));
  EXPECT_EQ(retried.value("name", ""), payment);
  EXPECT_EQ(Json(Raa(sheffield.finance, {"--authority", "sheffield", "--json",
                                         "ledger", "payments"}))["payments"]
                .size(),
            1u)
      << "a retried payment was recorded twice";

  // Only the payee confirms.
  Result by_payer = Raa(sheffield.finance, {"--authority", "sheffield",
                                            "ledger", "confirm", payment});
  EXPECT_EQ(by_payer.exit_code, 1);
  Result confirmed = Raa(
      leeds.finance, {"--authority", "leeds", "ledger", "confirm", payment});
  ASSERT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_THAT(confirmed.out, HasSubstr("posted"));

  // More than is owed needs --allow-overpayment; a rejected payment posts
  // nothing.
  Result over = Raa(sheffield.finance,
                    {"--authority", "sheffield", "ledger", "pay", "--to",
                     "leeds", "--amount", "17000", "--reference", "BACS-2"});
  EXPECT_EQ(over.exit_code, 1) << over.out;
  Result too_precise =
      Raa(sheffield.finance,
          {"--authority", "sheffield", "ledger", "pay", "--to", "leeds",
           "--amount", "1.234", "--reference", "BACS-2"});
  EXPECT_EQ(too_precise.exit_code, 2);
  EXPECT_THAT(too_precise.err, HasSubstr("more than two decimals"));
  nlohmann::json disputed =
      Json(Raa(sheffield.finance,
               {"--authority", "sheffield", "--json", "ledger", "pay", "--to",
                "leeds", "--amount", "500", "--reference", "BACS-3"}));
  Result rejected =
      Raa(leeds.finance, {"--authority", "leeds", "ledger", "reject",
                          disputed.value("name", ""), "--reason",
                          "Disputed: not in our bank statement"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  EXPECT_THAT(rejected.out, HasSubstr("rejected"));
  EXPECT_THAT(rejected.out, HasSubstr("Disputed: not in our bank statement"));

  // £27,000.00 - £10,000.50 = £16,999.50, in the table and in the CSV.
  balances = Raa(leeds.finance, {"--authority", "leeds", "ledger", "balances"});
  ASSERT_EQ(balances.exit_code, 0) << balances.err;
  EXPECT_THAT(balances.out, HasSubstr("£16,999.50"));
  Result csv = Raa(manager_key_, {"--csv", "ledger", "balances"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, StartsWith("\xEF\xBB\xBF"
                                  "AS OF,KIND,AUTHORITY,COUNTERPARTY,AMOUNT,"
                                  "PENDING OUT,PENDING IN\r\n"));
  EXPECT_THAT(csv.out,
              HasSubstr(",position,sheffield,,-16999.50,0.00,0.00\r\n"));
  EXPECT_THAT(csv.out, HasSubstr(",position,leeds,,16999.50,0.00,0.00\r\n"));
  EXPECT_THAT(csv.out, HasSubstr(",owes,sheffield,leeds,16999.50,,\r\n"));
  EXPECT_THAT(csv.out, Not(HasSubstr("£")));

  Result settle = Raa(manager_key_, {"--csv", "ledger", "settle"});
  ASSERT_EQ(settle.exit_code, 0) << settle.err;
  EXPECT_THAT(settle.out, HasSubstr(",sheffield,leeds,16999.50,payer\r\n"));

  // The month-end is the manager's.
  Result close = Raa(leeds.finance, {"ledger", "close-month", "2026-01"});
  EXPECT_EQ(close.exit_code, 1);
  EXPECT_THAT(close.err, HasSubstr("PERMISSION_DENIED"));
}

}  // namespace
}  // namespace raa::test
