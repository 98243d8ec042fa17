// Reconciliation of a member's own books against the journal, as pure
// functions (no gRPC calls, no SQL): reading the CSV a finance officer
// exports from a spreadsheet, and matching its rows with the journal's.
//
//   ASSIGN_OR_RETURN(reconcile::Books books, reconcile::ReadBooks(csv));
//   // the ledger resolves each row's counterparty text to an authority id
//   v1::Reconciliation out = reconcile::Match(books.rows, journal_lines);
//   // plus books.unreadable and the header fields, filled by the caller
//
// Tolerant of the usual spreadsheet forms: a UTF-8 BOM, CRLF, quoted fields
// (RFC 4180), "£" and thousands separators, amounts in (brackets) or with a
// leading or trailing minus as negatives, dates as YYYY-MM-DD, dd/mm/yyyy
// or d/m/yyyy; blank lines skipped. Each row it cannot read is reported with
// its line number, the column and why; the others are still matched. Pure
// and thread-safe.
#ifndef RAAMATCH_SERVICES_LEDGER_RECONCILE_H_
#define RAAMATCH_SERVICES_LEDGER_RECONCILE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "raa/v1/ledger.pb.h"

namespace raa::reconcile {

// "£1,234.56", "1234.5", "-12", "(1,000.00)", "12.30-" → pence; nullopt
// (with `why`) for anything else, more than 2 decimals included.
std::optional<int64_t> ParsePounds(absl::string_view text, std::string* why);
// "2026-10-31", "31/10/2026", "1/4/2026" → the day; nullopt if not a real
// date.
std::optional<absl::CivilDay> ParseBookDate(absl::string_view text);

// A row of the books.
struct BookRow {
  int row = 0;  // 1-based line number in the file (the header is line 1)
  absl::CivilDay date;
  std::string counterparty;  // as written; the caller resolves it
  std::string reference;
  int64_t amount = 0;  // pence, signed as the member sees it
};

struct Books {
  std::vector<BookRow> rows;
  std::vector<v1::UnreadableRow> unreadable;
  int rows_read = 0;  // data rows seen (read or not), blank lines excluded
};

// INVALID_ARGUMENT (naming the field "csv") if the header lacks one of the
// columns date, counterparty, reference, amount, or the file is not UTF-8;
// otherwise every row, read or reported.
absl::StatusOr<Books> ReadBooks(absl::string_view csv);

// A line of the journal, as the member sees it.
struct JournalLine {
  int64_t entry_id = 0;
  absl::CivilDay date;
  std::string counterparty;  // authority id
  // The references a finance officer may have written for it: the entry's
  // reference, its name (e12, ledger/entries/e12), its link (l7).
  std::vector<std::string> references;
  int64_t amount = 0;  // signed as the member sees it
};

// A book row with its counterparty resolved (empty if it names no member:
// such a row can only be "only in books").
struct ResolvedRow {
  BookRow row;
  std::string counterparty_id;
};

// Matches rows with lines, each used at most once: first by counterparty
// and reference (case-insensitive) — same amount: matched, else differing;
// then the rest by counterparty, amount and a date within 7 days: matched.
// Fills matched, differing, only_in_journal, only_in_books (in book-row /
// entry order), the totals and the difference; counterparties in the
// output are resource names (authorities/{id}) where resolved, else the
// text as written. Money as ledger_rules::ToMoney.
v1::Reconciliation Match(std::span<const ResolvedRow> rows,
                         std::span<const JournalLine> journal);

}  // namespace raa::reconcile

#endif  // RAAMATCH_SERVICES_LEDGER_RECONCILE_H_
