// Reconciliation (services/ledger/reconcile.h) on fixtures with known
// answers: the spreadsheet forms of amounts and dates, RFC 4180 quoting, a
// BOM, CRLF and blank lines, rows it cannot read (with their line and
// column), the matching of books with the journal and the totals; and a
// 10,000-row file whose answer is known by construction.
#include "services/ledger/reconcile.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/dates.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ledger/ledger_rules.h"

namespace raa::reconcile {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

int64_t PenceOf(const google::type::Money& money) {
  FieldErrors errors;
  int64_t pence = ledger_rules::FromMoney(money, "money", errors);
  EXPECT_TRUE(errors.empty());
  return pence;
}

std::optional<int64_t> Pounds(absl::string_view text) {
  std::string why;
  return ParsePounds(text, &why);
}

std::string WhyNot(absl::string_view text) {
  std::string why;
  EXPECT_EQ(ParsePounds(text, &why), std::nullopt) << text;
  return why;
}

TEST(ParsePoundsTest, ReadsTheUsualSpreadsheetForms) {
  EXPECT_EQ(Pounds("£1,234.56"), 123456);
  EXPECT_EQ(Pounds("1,234.56"), 123456);
  EXPECT_EQ(Pounds("1234.5"), 123450);
  EXPECT_EQ(Pounds("-12"), -1200);
  EXPECT_EQ(Pounds("-12.30"), -1230);
  EXPECT_EQ(Pounds("12.30-"), -1230);
  EXPECT_EQ(Pounds("(500.00)"), -50000);
  EXPECT_EQ(Pounds("(1,000.00)"), -100000);
  EXPECT_EQ(Pounds("(£27,000.00)"), -2700000);
  EXPECT_EQ(Pounds("£-12.30"), -1230);
  EXPECT_EQ(Pounds("-£12.30"), -1230);
  EXPECT_EQ(Pounds("£ 44,194"), 4419400);
  EXPECT_EQ(Pounds("  39245.00 "), 3924500);
  EXPECT_EQ(Pounds("+3.00"), 300);
  EXPECT_EQ(Pounds("0.05"), 5);
  EXPECT_EQ(Pounds(".5"), 50);
  EXPECT_EQ(Pounds("0"), 0);
  EXPECT_EQ(Pounds("1,000,000"), 100000000);
}

TEST(ParsePoundsTest, SaysWhyItCannotReadAnAmount) {
  EXPECT_THAT(WhyNot("12.345"), HasSubstr("more than 2 decimal places"));
  EXPECT_THAT(WhyNot(""), HasSubstr("empty"));
  EXPECT_THAT(WhyNot("   "), HasSubstr("empty"));
  EXPECT_THAT(WhyNot("1,23.00"), HasSubstr("thousands separator"));
  EXPECT_THAT(WhyNot("1234,56"), HasSubstr("thousands separator"));
  EXPECT_THAT(WhyNot(",123"), HasSubstr("thousands separator"));
  EXPECT_THAT(WhyNot("(-5)"), HasSubstr("more than one minus"));
  EXPECT_THAT(WhyNot("--5"), HasSubstr("more than one minus"));
  EXPECT_THAT(WhyNot("12.3.4"), HasSubstr("not an amount"));
  EXPECT_THAT(WhyNot("1e5"), HasSubstr("not an amount"));
  EXPECT_THAT(WhyNot("twelve"), HasSubstr("not an amount"));
  EXPECT_THAT(WhyNot("£"), HasSubstr("no digits"));
  EXPECT_THAT(WhyNot("."), HasSubstr("no digits"));
  EXPECT_THAT(WhyNot("$12.00"), HasSubstr("not an amount"));
  EXPECT_THAT(WhyNot("99999999999999"), HasSubstr("too large"));
  // A null `why` is allowed.
  EXPECT_EQ(ParsePounds("x", nullptr), std::nullopt);
}

TEST(ParseBookDateTest, IsoAndBritishDates) {
  EXPECT_EQ(ParseBookDate("2026-10-31"), Day(2026, 10, 31));
  EXPECT_EQ(ParseBookDate("31/10/2026"), Day(2026, 10, 31));
  EXPECT_EQ(ParseBookDate("1/4/2026"), Day(2026, 4, 1));
  EXPECT_EQ(ParseBookDate(" 01/04/2026 "), Day(2026, 4, 1));
  EXPECT_EQ(ParseBookDate("29/02/2024"), Day(2024, 2, 29));
  EXPECT_EQ(ParseBookDate("31/02/2026"), std::nullopt);
  EXPECT_EQ(ParseBookDate("29/02/2025"), std::nullopt);
  EXPECT_EQ(ParseBookDate("2026-02-30"), std::nullopt);
  EXPECT_EQ(ParseBookDate("10/31/2026"), std::nullopt);  // American
  EXPECT_EQ(ParseBookDate("2026/10/31"), std::nullopt);
  EXPECT_EQ(ParseBookDate("31-10-2026"), std::nullopt);
  EXPECT_EQ(ParseBookDate("31/10/26"), std::nullopt);
  EXPECT_EQ(ParseBookDate("2026-1-5"), std::nullopt);
  EXPECT_EQ(ParseBookDate(""), std::nullopt);
  EXPECT_EQ(ParseBookDate("yesterday"), std::nullopt);
  EXPECT_EQ(ParseBookDate("0000-01-01"), std::nullopt);  // no year 0
  EXPECT_EQ(ParseBookDate("01/01/0000"), std::nullopt);
  EXPECT_EQ(ParseBookDate("01/01/0001"), Day(1, 1, 1));
}

// A spreadsheet's export: BOM, CRLF, the columns in another order and case
// with an extra one, quoted fields with commas, quotes and a line break,
// blank lines (one of bare commas), and four rows it cannot read.
constexpr char kBooks[] =
    "\xEF\xBB\xBF"
    "Amount,Notes,DATE,Counterparty,Reference\r\n"                  // 1
    "\"£27,000.00\",\"placed, per invoice\",01/04/2025,barnardos,"  // 2
    "RAA-l7\r\n"                                                    //
    "(500.00),\"he said \"\"late\"\"\",2025-04-02,leeds,PAY-1\r\n"  // 3
    "\r\n"                                                          // 4
    "-12.30,,3/4/2025,york,\r\n"                                    // 5
    ",,,,\r\n"                                                      // 6
    "\"1,234.56\",\"two\r\nlines\",2025-04-05,\"York, City of\","   // 7-8
    "X-9\r\n"                                                       //
    "12.345,,2025-04-06,leeds,BAD\r\n"                              // 9
    "5.00,,31/02/2025,leeds,BAD\r\n"                                // 10
    "5.00,,2025-04-07\r\n"                                          // 11
    "5.00,,2025-04-07,  ,R\r\n"                                     // 12
    "12.30-,x,2025-04-08,leeds,\"  Q-1  \"";                        // 13

TEST(ReadBooksTest, ReadsASpreadsheetExport) {
  absl::StatusOr<Books> books = ReadBooks(kBooks);
  ASSERT_TRUE(books.ok()) << books.status();
  EXPECT_EQ(books->rows_read, 9);  // lines 2, 3, 5, 7, 9-13
  ASSERT_EQ(books->rows.size(), 5u);
  const BookRow& a = books->rows[0];
  EXPECT_EQ(a.row, 2);
  EXPECT_EQ(a.date, Day(2025, 4, 1));
  EXPECT_EQ(a.counterparty, "barnardos");
  EXPECT_EQ(a.reference, "RAA-l7");
  EXPECT_EQ(a.amount, 2700000);
  const BookRow& b = books->rows[1];
  EXPECT_EQ(b.row, 3);
  EXPECT_EQ(b.date, Day(2025, 4, 2));
  EXPECT_EQ(b.counterparty, "leeds");
  EXPECT_EQ(b.reference, "PAY-1");
  EXPECT_EQ(b.amount, -50000);
  const BookRow& c = books->rows[2];
  EXPECT_EQ(c.row, 5);
  EXPECT_EQ(c.date, Day(2025, 4, 3));
  EXPECT_EQ(c.reference, "");
  EXPECT_EQ(c.amount, -1230);
  const BookRow& d = books->rows[3];
  EXPECT_EQ(d.row, 7);  // the line the record starts on
  EXPECT_EQ(d.counterparty, "York, City of");
  EXPECT_EQ(d.amount, 123456);
  const BookRow& e = books->rows[4];
  EXPECT_EQ(e.row, 13);  // the last line has no line break
  EXPECT_EQ(e.reference, "Q-1");
  EXPECT_EQ(e.amount, -1230);

  ASSERT_EQ(books->unreadable.size(), 4u);
  EXPECT_EQ(books->unreadable[0].row(), 9);
  EXPECT_EQ(books->unreadable[0].column(), "amount");
  EXPECT_THAT(books->unreadable[0].reason(),
              HasSubstr("more than 2 decimal places"));
  EXPECT_THAT(books->unreadable[0].reason(), HasSubstr("12.345"));
  EXPECT_EQ(books->unreadable[1].row(), 10);
  EXPECT_EQ(books->unreadable[1].column(), "date");
  EXPECT_THAT(books->unreadable[1].reason(), HasSubstr("31/02/2025"));
  EXPECT_EQ(books->unreadable[2].row(), 11);
  EXPECT_EQ(books->unreadable[2].column(), "counterparty");
  EXPECT_THAT(books->unreadable[2].reason(), HasSubstr("missing"));
  EXPECT_EQ(books->unreadable[3].row(), 12);
  EXPECT_EQ(books->unreadable[3].column(), "counterparty");
  EXPECT_THAT(books->unreadable[3].reason(), HasSubstr("empty"));
}

TEST(ReadBooksTest, LineNumbersCountLinesBeforeTheHeaderAndUnixLineBreaks) {
  absl::StatusOr<Books> books = ReadBooks(
      "\n\ndate,counterparty,reference,amount\n"  // lines 1-3
      "2025-04-01,leeds,A,1\n"                    // 4
      "\n"                                        // 5
      "2025-04-02,leeds,B,x\n");                  // 6
  ASSERT_TRUE(books.ok()) << books.status();
  EXPECT_EQ(books->rows_read, 2);
  ASSERT_EQ(books->rows.size(), 1u);
  EXPECT_EQ(books->rows[0].row, 4);
  ASSERT_EQ(books->unreadable.size(), 1u);
  EXPECT_EQ(books->unreadable[0].row(), 6);
  EXPECT_EQ(books->unreadable[0].column(), "amount");
}

TEST(ReadBooksTest, AQuoteLeftOpenIsReportedForItsRow) {
  absl::StatusOr<Books> books = ReadBooks(
      "date,counterparty,reference,amount\r\n"
      "2025-04-01,leeds,A,1.00\r\n"
      "2025-04-02,leeds,\"B,2.00\r\n");
  ASSERT_TRUE(books.ok());
  EXPECT_EQ(books->rows.size(), 1u);
  ASSERT_EQ(books->unreadable.size(), 1u);
  EXPECT_EQ(books->unreadable[0].row(), 3);
  EXPECT_EQ(books->unreadable[0].column(), "");
  EXPECT_THAT(books->unreadable[0].reason(), HasSubstr("not closed"));
}

// Unquoted thousands separators split an amount over two fields: the row
// is listed as not read, never read as a smaller amount.
TEST(ReadBooksTest, ARowWithMoreFieldsThanTheHeaderIsNotRead) {
  absl::StatusOr<Books> books = ReadBooks(
      "date,counterparty,reference,amount\n"
      "2025-04-01,leeds,A,-11,000.06\n"
      "2025-04-02,leeds,B,\"1,234,567.89\"\n"
      "2025-04-03,leeds,C,1.00,,\n");  // blank fields after: read
  ASSERT_TRUE(books.ok()) << books.status();
  EXPECT_EQ(books->rows_read, 3);
  ASSERT_EQ(books->rows.size(), 2u);
  EXPECT_EQ(books->rows[0].amount, 123456789);
  EXPECT_EQ(books->rows[1].amount, 100);
  ASSERT_EQ(books->unreadable.size(), 1u);
  EXPECT_EQ(books->unreadable[0].row(), 2);
  EXPECT_EQ(books->unreadable[0].column(), "");
  EXPECT_THAT(books->unreadable[0].reason(),
              HasSubstr("the row has 5 fields and the header 4"));

  // A header ending in a blank cell, as spreadsheets save it, is as wide as
  // its last named column.
  books = ReadBooks(
      "date,counterparty,reference,amount,\n"
      "2025-04-01,leeds,A,-11,000.06\n"
      "2025-04-03,leeds,C,1.00,\n");
  ASSERT_TRUE(books.ok()) << books.status();
  ASSERT_EQ(books->rows.size(), 1u);
  EXPECT_EQ(books->rows[0].amount, 100);
  ASSERT_EQ(books->unreadable.size(), 1u);
  EXPECT_EQ(books->unreadable[0].row(), 2);
}

TEST(ReadBooksTest, AHeaderWithoutAColumnIsInvalidArgumentOnCsv) {
  absl::StatusOr<Books> books =
      ReadBooks("Date,Counterparty,Amount\n2025-04-01,leeds,1.00\n");
  EXPECT_EQ(books.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<FieldViolation> violations = ViolationsOf(books.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "csv");
  EXPECT_THAT(violations[0].description,
              HasSubstr("lacks the column(s) reference"));

  books = ReadBooks("when,who,what,how much\n");
  ASSERT_EQ(books.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(books.status())[0].description,
              HasSubstr("date, counterparty, reference, amount"));

  books = ReadBooks("");
  EXPECT_EQ(books.status().code(), absl::StatusCode::kInvalidArgument);
  books = ReadBooks("\xEF\xBB\xBF\r\n\r\n");
  EXPECT_EQ(books.status().code(), absl::StatusCode::kInvalidArgument);
  // Latin-1 "£" (a spreadsheet saved as "CSV", not "CSV UTF-8").
  books = ReadBooks(
      "date,counterparty,reference,amount\n2025-04-01,leeds,A,\xA3"
      "1\n");
  ASSERT_EQ(books.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(books.status())[0].description, HasSubstr("UTF-8"));
}

TEST(ReadBooksTest, AHeaderOnlyFileHasNoRows) {
  absl::StatusOr<Books> books = ReadBooks("date,counterparty,reference,amount");
  ASSERT_TRUE(books.ok());
  EXPECT_EQ(books->rows_read, 0);
  EXPECT_THAT(books->rows, IsEmpty());
  EXPECT_THAT(books->unreadable, IsEmpty());
}

// ---- matching ----

JournalLine Line(int64_t id, absl::CivilDay date, std::string counterparty,
                 std::string reference, int64_t amount, int64_t link = 0) {
  JournalLine line;
  line.entry_id = id;
  line.date = date;
  line.counterparty = std::move(counterparty);
  line.references = {std::move(reference), absl::StrCat("e", id),
                     absl::StrCat("ledger/entries/e", id)};
  if (link != 0) line.references.push_back(absl::StrCat("l", link));
  line.amount = amount;
  return line;
}

ResolvedRow Row(int row, absl::CivilDay date, std::string counterparty_id,
                std::string reference, int64_t amount,
                std::string written = "") {
  ResolvedRow r;
  r.row.row = row;
  r.row.date = date;
  r.row.counterparty = written.empty() ? counterparty_id : written;
  r.row.reference = std::move(reference);
  r.row.amount = amount;
  r.counterparty_id = std::move(counterparty_id);
  return r;
}

TEST(MatchTest, MatchedDifferingOnlyInJournalOnlyInBooksAndTotals) {
  // Leeds's view of the journal.
  std::vector<JournalLine> journal = {
      // A fee Barnardo's charged Leeds: -27,000.
      Line(1, Day(2025, 4, 1), "barnardos", "RAA-l7", -2700000, 7),
      // Leeds paid Barnardo's 10,000 (the payer's reference).
      Line(2, Day(2025, 4, 10), "barnardos", "PAY-77", 1000000),
      // Fees Leeds charged York.
      Line(3, Day(2025, 5, 1), "york", "RAA-l9", 4300000, 9),
      Line(4, Day(2025, 5, 3), "york", "RAA-l10", 2700000, 10),
      Line(5, Day(2025, 6, 1), "york", "RAA-l11-2025-05", 100, 11),
  };
  std::vector<ResolvedRow> rows = {
      // The reference in another case: matched.
      Row(2, Day(2025, 4, 1), "barnardos", "raa-L7", -2700000, "Barnardo's"),
      // No reference; the same amount two days later: matched.
      Row(3, Day(2025, 4, 12), "barnardos", "", 1000000),
      // The same reference, another amount: differing by -1,000.
      Row(4, Day(2025, 5, 1), "york", "RAA-l9", 4200000),
      // The right amount but 17 days from the entry: only in books (and
      // the entry only in the journal).
      Row(5, Day(2025, 5, 20), "york", "", 2700000),
      // A counterparty that is no member.
      Row(6, Day(2025, 5, 4), "", "INV-1", 999, "Unknown Council"),
  };
  v1::Reconciliation out = Match(rows, journal);

  ASSERT_EQ(out.matched_size(), 2);
  EXPECT_EQ(out.matched(0).books().row(), 2);
  EXPECT_EQ(out.matched(0).books().counterparty(), "authorities/barnardos");
  EXPECT_EQ(out.matched(0).journal().entry(), "ledger/entries/e1");
  EXPECT_EQ(out.matched(0).journal().counterparty(), "authorities/barnardos");
  EXPECT_EQ(out.matched(0).journal().reference(), "RAA-l7");
  EXPECT_EQ(FormatDate(out.matched(0).journal().date()), "2025-04-01");
  EXPECT_EQ(PenceOf(out.matched(0).journal().amount()), -2700000);
  EXPECT_EQ(PenceOf(out.matched(0).difference()), 0);
  EXPECT_EQ(out.matched(1).books().row(), 3);
  EXPECT_EQ(out.matched(1).journal().entry(), "ledger/entries/e2");

  ASSERT_EQ(out.differing_size(), 1);
  EXPECT_EQ(out.differing(0).books().row(), 4);
  EXPECT_EQ(out.differing(0).journal().entry(), "ledger/entries/e3");
  EXPECT_EQ(PenceOf(out.differing(0).difference()), -100000);

  ASSERT_EQ(out.only_in_journal_size(), 2);
  EXPECT_EQ(out.only_in_journal(0).entry(), "ledger/entries/e4");
  EXPECT_EQ(out.only_in_journal(0).row(), 0);
  EXPECT_EQ(out.only_in_journal(1).entry(), "ledger/entries/e5");

  ASSERT_EQ(out.only_in_books_size(), 2);
  EXPECT_EQ(out.only_in_books(0).row(), 5);
  EXPECT_EQ(out.only_in_books(0).counterparty(), "authorities/york");
  EXPECT_EQ(out.only_in_books(1).row(), 6);
  EXPECT_EQ(out.only_in_books(1).counterparty(), "Unknown Council");
  EXPECT_EQ(out.only_in_books(1).reference(), "INV-1");
  EXPECT_EQ(PenceOf(out.only_in_books(1).amount()), 999);

  // Journal: -27,000 + 10,000 + 43,000 + 27,000 + 1.00 = 53,001.00.
  // Books: -27,000 + 10,000 + 42,000 + 27,000 + 9.99 = 52,009.99.
  EXPECT_EQ(PenceOf(out.journal_total()), 5300100);
  EXPECT_EQ(PenceOf(out.books_total()), 5200999);
  EXPECT_EQ(PenceOf(out.difference()), -99101);
  EXPECT_EQ(out.journal_total().currency_code(), "GBP");
}

TEST(MatchTest, ALinksFeeReversalAndNewFeeMatchWhateverTheOrderOfTheBooks) {
  // The fee of link 7, its reversal on re-pricing and the new fee all
  // carry the reference RAA-l7.
  std::vector<JournalLine> journal = {
      Line(10, Day(2025, 3, 20), "barnardos", "RAA-l7", -2700000, 7),
      Line(11, Day(2025, 4, 2), "barnardos", "RAA-l7", 2700000, 7),
      Line(12, Day(2025, 4, 2), "barnardos", "RAA-l7", -3924500, 7),
  };
  std::vector<ResolvedRow> rows = {
      Row(2, Day(2025, 4, 2), "barnardos", "RAA-l7", -3924500),
      Row(3, Day(2025, 4, 2), "barnardos", "RAA-l7", 2700000),
      Row(4, Day(2025, 3, 20), "barnardos", "RAA-l7", -2700000),
  };
  v1::Reconciliation out = Match(rows, journal);
  ASSERT_EQ(out.matched_size(), 3);
  EXPECT_EQ(out.matched(0).journal().entry(), "ledger/entries/e12");
  EXPECT_EQ(out.matched(1).journal().entry(), "ledger/entries/e11");
  EXPECT_EQ(out.matched(2).journal().entry(), "ledger/entries/e10");
  EXPECT_EQ(out.differing_size(), 0);
  EXPECT_EQ(PenceOf(out.difference()), 0);
}

TEST(MatchTest, AnEntryOrLinkNameIsAReferenceToo) {
  std::vector<JournalLine> journal = {
      Line(4, Day(2025, 5, 3), "york", "RAA-l10", 2700000, 10),
      Line(5, Day(2025, 5, 3), "york", "RAA-l11", 2700000, 11),
      Line(6, Day(2025, 5, 3), "york", "RAA-l12", 2700000, 12),
  };
  std::vector<ResolvedRow> rows = {
      Row(2, Day(2025, 5, 3), "york", "E5", 2700000),
      Row(3, Day(2025, 5, 3), "york", "l12", 2700000),
      Row(4, Day(2025, 5, 3), "york", "ledger/entries/e4", 2600000),
  };
  v1::Reconciliation out = Match(rows, journal);
  ASSERT_EQ(out.matched_size(), 2);
  EXPECT_EQ(out.matched(0).journal().entry(), "ledger/entries/e5");
  EXPECT_EQ(out.matched(1).journal().entry(), "ledger/entries/e6");
  ASSERT_EQ(out.differing_size(), 1);
  EXPECT_EQ(out.differing(0).journal().entry(), "ledger/entries/e4");
  // A reference of another counterparty's line is no match.
  rows = {Row(2, Day(2025, 5, 3), "barnardos", "RAA-l10", 2700000)};
  out = Match(rows, journal);
  EXPECT_EQ(out.matched_size(), 0);
  EXPECT_EQ(out.only_in_books_size(), 1);
  EXPECT_EQ(out.only_in_journal_size(), 3);
}

TEST(MatchTest, WithoutAReferenceTheNearestDateWithinSevenDaysWins) {
  std::vector<JournalLine> journal = {
      Line(1, Day(2025, 4, 1), "york", "A", 500),
      Line(2, Day(2025, 4, 6), "york", "B", 500),
      Line(3, Day(2025, 4, 20), "york", "C", 500),
  };
  std::vector<ResolvedRow> rows = {
      Row(2, Day(2025, 4, 5), "york", "", 500),   // e2 (1 day) over e1
      Row(3, Day(2025, 4, 2), "york", "", 500),   // e1
      Row(4, Day(2025, 4, 13), "york", "", 500),  // e2 is used, e3 7 days
      Row(5, Day(2025, 4, 28), "york", "", 500),  // 8 days from e3: none
  };
  v1::Reconciliation out = Match(rows, journal);
  ASSERT_EQ(out.matched_size(), 3);
  EXPECT_EQ(out.matched(0).journal().entry(), "ledger/entries/e2");
  EXPECT_EQ(out.matched(1).journal().entry(), "ledger/entries/e1");
  EXPECT_EQ(out.matched(2).journal().entry(), "ledger/entries/e3");
  ASSERT_EQ(out.only_in_books_size(), 1);
  EXPECT_EQ(out.only_in_books(0).row(), 5);
  EXPECT_EQ(out.only_in_journal_size(), 0);
}

TEST(MatchTest, NothingAtAll) {
  v1::Reconciliation out = Match({}, {});
  EXPECT_EQ(out.matched_size(), 0);
  EXPECT_EQ(PenceOf(out.difference()), 0);
  EXPECT_EQ(out.difference().currency_code(), "GBP");
}

// ---- 10,000 rows ----

// "£1,234.56" or "(£1,234.56)", written independently of ParsePounds.
std::string Written(int64_t pence) {
  int64_t abs = pence < 0 ? -pence : pence;
  std::string pounds = std::to_string(abs / 100);
  std::string grouped;
  for (size_t i = 0; i < pounds.size(); ++i) {
    if (i > 0 && (pounds.size() - i) % 3 == 0) grouped += ',';
    grouped += pounds[i];
  }
  std::string text = absl::StrFormat("£%s.%02d", grouped, abs % 100);
  return pence < 0 ? absl::StrCat("(", text, ")") : text;
}

TEST(ReconcileAtScaleTest, TenThousandRowsWithAKnownAnswer) {
  EXPECT_EQ(Written(123456), "£1,234.56");
  EXPECT_EQ(Written(-5), "(£0.05)");
  EXPECT_EQ(Written(100000000), "£1,000,000.00");
  constexpr int kLines = 10000;
  std::vector<JournalLine> journal;
  std::string csv = "\xEF\xBB\xBFReference,Date,Amount,Counterparty\r\n";
  int64_t journal_total = 0;
  int64_t books_total = 0;
  int book_rows = 0;
  for (int i = 0; i < kLines; ++i) {
    absl::CivilDay day = Day(2025, 4, 1) + (i % 300);
    std::string member = absl::StrCat("member-", i % 15);
    int64_t amount = (i + 1) * 100 + i % 7;
    if (i % 2 == 1) amount = -amount;
    journal.push_back(
        Line(i + 1, day, member, absl::StrCat("INV-", i), amount));
    journal_total += amount;
    std::string reference;
    absl::CivilDay book_day = day;
    int64_t book_amount = amount;
    if (i < 9000) {
      reference = absl::StrCat("inv-", i);  // matched by reference
    } else if (i < 9500) {
      book_day = day + 3;  // matched by amount and date
    } else if (i < 9750) {
      reference = absl::StrCat("INV-", i);
      book_amount = amount + 1;  // differing
    } else {
      continue;  // only in the journal
    }
    ++book_rows;
    books_total += book_amount;
    absl::StrAppend(&csv, reference, ",",
                    absl::StrFormat("%02d/%02d/%04d", book_day.day(),
                                    book_day.month(), book_day.year()),
                    ",\"", Written(book_amount), "\",", member, "\r\n");
  }
  for (int k = 0; k < 250; ++k) {  // only in the books
    ++book_rows;
    books_total += 7;
    absl::StrAppend(&csv, "NEW-", k, ",2025-06-01,0.07,member-", k % 15,
                    "\r\n");
  }
  ASSERT_EQ(book_rows, 10000);

  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Books> books = ReadBooks(csv);
  auto read = std::chrono::steady_clock::now();
  ASSERT_TRUE(books.ok()) << books.status();
  std::vector<ResolvedRow> rows;
  rows.reserve(books->rows.size());
  for (const BookRow& row : books->rows) {
    rows.push_back({row, row.counterparty});
  }
  auto resolved = std::chrono::steady_clock::now();
  v1::Reconciliation out = Match(rows, journal);
  auto matched = std::chrono::steady_clock::now();
  auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count() /
           1000.0;
  };
  std::cout << book_rows << " rows (" << csv.size() << " bytes): read in "
            << ms(read - start) << " ms, matched with " << kLines
            << " journal lines in " << ms(matched - resolved) << " ms\n";

  EXPECT_EQ(books->rows_read, 10000);
  EXPECT_THAT(books->unreadable, IsEmpty());
  EXPECT_EQ(books->rows.front().row, 2);
  EXPECT_EQ(books->rows.back().row, 10001);
  EXPECT_EQ(out.matched_size(), 9500);
  EXPECT_EQ(out.differing_size(), 250);
  EXPECT_EQ(out.only_in_journal_size(), 250);
  EXPECT_EQ(out.only_in_books_size(), 250);
  for (const v1::ReconcilePair& pair : out.matched()) {
    ASSERT_EQ(PenceOf(pair.difference()), 0);
    // Row r is journal line r - 1 (entry r - 1).
    ASSERT_EQ(pair.journal().entry(),
              absl::StrCat("ledger/entries/e", pair.books().row() - 1));
  }
  for (const v1::ReconcilePair& pair : out.differing()) {
    ASSERT_EQ(PenceOf(pair.difference()), 1);
  }
  EXPECT_EQ(out.only_in_journal(0).entry(), "ledger/entries/e9751");
  EXPECT_EQ(PenceOf(out.journal_total()), journal_total);
  EXPECT_EQ(PenceOf(out.books_total()), books_total);
  EXPECT_EQ(PenceOf(out.difference()), books_total - journal_total);
}

}  // namespace
}  // namespace raa::reconcile
