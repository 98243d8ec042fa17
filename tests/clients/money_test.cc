// Money as raa reads and prints it (clients/lib/money.h): amounts typed by a
// finance officer or read from a spreadsheet parse to exact pence with
// integer arithmetic, tables show "£1,234.56", and --csv writes plain
// numbers after a UTF-8 byte-order mark so Excel opens the file cleanly.
#include "clients/lib/money.h"

#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "clients/lib/csv_field.h"
#include "clients/raa/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::HasSubstr;

int64_t Pence(const std::string& text) {
  absl::StatusOr<int64_t> p = ParsePounds(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.value_or(-999999);
}

std::string Refusal(const std::string& text) {
  absl::StatusOr<int64_t> p = ParsePounds(text);
  EXPECT_FALSE(p.ok()) << text << " was read as " << p.value_or(0);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(p.status().message());
}

TEST(ParsePounds, ReadsTheFormsPeopleAndSpreadsheetsWrite) {
  EXPECT_EQ(Pence("1234.56"), 123456);
  EXPECT_EQ(Pence("1,234.56"), 123456);
  EXPECT_EQ(Pence("£1,234.56"), 123456);
  EXPECT_EQ(Pence("  £27,000 "), 2700000);
  EXPECT_EQ(Pence("1234"), 123400);
  EXPECT_EQ(Pence("1234.5"), 123450) << "one decimal is tens of pence";
  EXPECT_EQ(Pence("0.01"), 1);
  EXPECT_EQ(Pence("1,000,000.00"), 100000000);
  EXPECT_EQ(Pence("+12.00"), 1200);
}

TEST(ParsePounds, IsExactWhereFloatingPointIsNot) {
  // 0.1 + 0.2 and 1.15 * 100 are the classic floating-point surprises.
  EXPECT_EQ(Pence("0.10") + Pence("0.20"), 30);
  EXPECT_EQ(Pence("1.15"), 115);
  EXPECT_EQ(Pence("4.35"), 435);
  EXPECT_EQ(Pence("39,245.00"), 3924500);
  EXPECT_EQ(Pence("99999999.99"), 9999999999);
  EXPECT_EQ(Pence("10,000,000,000.00"), kMaxPence);
}

TEST(ParsePounds, ReadsNegativesWithAMinusOrBrackets) {
  EXPECT_EQ(Pence("-1234.56"), -123456);
  EXPECT_EQ(Pence("-£1,234.56"), -123456);
  EXPECT_EQ(Pence("£-1,234.56"), -123456);
  EXPECT_EQ(Pence("(1,234.56)"), -123456);
  EXPECT_EQ(Pence("(£27,000.00)"), -2700000);
  EXPECT_EQ(Pence("-0.05"), -5);
}

TEST(ParsePounds, RefusesRatherThanRounds) {
  EXPECT_THAT(Refusal("1.234"), HasSubstr("more than two decimals"));
  EXPECT_THAT(Refusal("0.005"), HasSubstr("more than two decimals"));
  EXPECT_THAT(Refusal(""), HasSubstr("empty"));
  EXPECT_THAT(Refusal("£"), HasSubstr("no digits"));
  EXPECT_THAT(Refusal("12a"), HasSubstr("\"a\" is not a digit"));
  // A digit of another script is named whole, not by its first byte.
  EXPECT_THAT(Refusal("\uFF11\uFF10"),
              HasSubstr("\"\uFF11\" is not one of the digits 0-9"));
  EXPECT_THAT(Refusal("1.\u0665"),
              HasSubstr("\"\u0665\" is not one of the digits 0-9"));
  EXPECT_THAT(Refusal("5\u20AC"), HasSubstr("\"\u20AC\" is not one of"));
  EXPECT_THAT(Refusal("1.2.3"), HasSubstr("not a digit"));
  EXPECT_THAT(Refusal("1e3"), HasSubstr("not a digit"));
  EXPECT_THAT(Refusal("12."), HasSubstr("no digits after"));
  EXPECT_THAT(Refusal(".50"), HasSubstr("no pounds"));
  EXPECT_THAT(Refusal("--5"), HasSubstr("more than one sign"));
  EXPECT_THAT(Refusal("-£-5"), HasSubstr("more than one sign"));
  EXPECT_THAT(Refusal("(-5)"), HasSubstr("more than one sign"));
  EXPECT_THAT(Refusal("(5"), HasSubstr("without its"));
  EXPECT_THAT(Refusal("10,000,000,000.01"), HasSubstr("too large"));
  EXPECT_THAT(Refusal("99999999999999999999"), HasSubstr("too large"));
  EXPECT_THAT(Refusal("$5"), HasSubstr("not a digit"));
}

TEST(ParsePounds, ThousandsSeparatorsMustBeInGroupsOfThree) {
  EXPECT_THAT(Refusal("1,23.00"), HasSubstr("groups of three"));
  EXPECT_THAT(Refusal("1234,567"), HasSubstr("groups of three"));
  EXPECT_THAT(Refusal(",123"), HasSubstr("groups of three"));
  EXPECT_THAT(Refusal("1,2345"), HasSubstr("groups of three"));
  EXPECT_EQ(Pence("123,456"), 12345600);
}

TEST(FormatPounds, PoundSignSeparatorsAndTheSignInFront) {
  EXPECT_EQ(FormatPounds(123456), "£1,234.56");
  EXPECT_EQ(FormatPounds(-123456), "-£1,234.56");
  EXPECT_EQ(FormatPounds(0), "£0.00");
  EXPECT_EQ(FormatPounds(5), "£0.05");
  EXPECT_EQ(FormatPounds(-5), "-£0.05");
  EXPECT_EQ(FormatPounds(2700000), "£27,000.00");
  EXPECT_EQ(FormatPounds(17770000), "£177,700.00");
  EXPECT_EQ(FormatPounds(100000000), "£1,000,000.00");
  EXPECT_EQ(FormatPounds(99999), "£999.99");
}

TEST(CsvPounds, PlainNumbersWithTwoDecimals) {
  EXPECT_EQ(CsvPounds(123456), "1234.56");
  EXPECT_EQ(CsvPounds(-123456), "-1234.56");
  EXPECT_EQ(CsvPounds(0), "0.00");
  EXPECT_EQ(CsvPounds(-7), "-0.07");
  EXPECT_EQ(CsvPounds(100000000), "1000000.00");
}

TEST(Money, RoundTripsThroughTheWireForm) {
  for (int64_t pence : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{99},
                        int64_t{123456}, int64_t{-123456}, kMaxPence}) {
    google::type::Money m = ToMoney(pence);
    EXPECT_EQ(m.currency_code(), "GBP");
    EXPECT_EQ(m.nanos() % 10'000'000, 0);
    EXPECT_TRUE((m.units() >= 0 && m.nanos() >= 0) ||
                (m.units() <= 0 && m.nanos() <= 0))
        << "units and nanos share a sign";
    EXPECT_EQ(PenceOf(m), pence);
    EXPECT_EQ(Pence(FormatPounds(pence)), pence);
    EXPECT_EQ(Pence(CsvPounds(pence)), pence);
  }
  google::type::Money m = ToMoney(-123456);
  EXPECT_EQ(m.units(), -1234);
  EXPECT_EQ(m.nanos(), -560'000'000);
}

// The CSV of `raa --csv ledger ...`: the shared table printer with the
// ledger's cells.
TEST(LedgerCsv, StartsWithAByteOrderMarkAndHoldsPlainNumbers) {
  cli::Cli cli;
  cli.csv = true;
  cli::Table table({"AS OF", "PAYER", "PAYEE", "AMOUNT"});
  table.AddRow({"2026-10-31", "sheffield", "leeds", CsvPounds(4419400)});
  table.AddRow({"2026-10-31", "hull", "york", CsvPounds(-50)});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "\xEF\xBB\xBF"
            "AS OF,PAYER,PAYEE,AMOUNT\r\n"
            "2026-10-31,sheffield,leeds,44194.00\r\n"
            "2026-10-31,hull,york,-0.50\r\n")
      << "a negative amount is a number, not a formula-escaped text cell";
}

// Every CSV raa and raa-web write (clients/lib/csv_field.h): a reference
// another member typed as a formula opens as text; amounts stay numbers.
TEST(CsvFieldTest, FormulasStayTextAndNumbersStayNumbers) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("-cmd"), "'-cmd");
  EXPECT_EQ(CsvField("-27000.00"), "-27000.00");
  EXPECT_EQ(CsvField("BACS-1"), "BACS-1");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField(""), "");
}

}  // namespace
}  // namespace raa
