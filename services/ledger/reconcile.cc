#include "services/ledger/reconcile.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/utf8.h"
#include "services/ledger/ledger_rules.h"

namespace raa::reconcile {
namespace {

constexpr absl::string_view kPound = "\xC2\xA3";  // "£"
constexpr absl::string_view kBom = "\xEF\xBB\xBF";
// More digits than this (10^13 pence) is no fee.
constexpr size_t kMaxDigits = 13;
constexpr int kMatchWindowDays = 7;

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

int64_t DigitsValue(absl::string_view digits) {
  int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// Whole pounds with optional thousands separators: "1,234,567" or
// "1234567". Sets *why and returns false otherwise.
bool ParseWholePounds(absl::string_view text, int64_t* pounds,
                      std::string* why) {
  if (text.empty()) {
    *why = "no digits before the decimal point";
    return false;
  }
  std::string digits;
  if (text.find(',') != absl::string_view::npos) {
    // Groups of three after the first group of one to three digits.
    size_t first = text.find(',');
    if (first == 0 || first > 3) {
      *why = "a misplaced thousands separator";
      return false;
    }
    size_t at = first;
    digits = std::string(text.substr(0, first));
    while (at < text.size()) {
      // text[at] == ','
      absl::string_view group = text.substr(at + 1, 3);
      if (group.size() != 3 || !AllDigits(group) ||
          (at + 4 < text.size() && text[at + 4] != ',')) {
        *why = "a misplaced thousands separator";
        return false;
      }
      digits += std::string(group);
      at += 4;
    }
  } else {
    digits = std::string(text);
  }
  if (!AllDigits(digits)) {
    *why = "not an amount in pounds and pence";
    return false;
  }
  size_t significant = digits.find_first_not_of('0');
  if (significant != std::string::npos &&
      digits.size() - significant > kMaxDigits - 2) {
    *why = "too large";
    return false;
  }
  *pounds = DigitsValue(digits);
  return true;
}

// One CSV record: its fields and the line it starts on.
struct Record {
  int line = 0;
  std::vector<std::string> fields;
  bool unclosed_quote = false;
};

// Reads RFC 4180 records: fields separated by commas, records by CRLF, LF
// or CR; a quoted field may hold commas, line breaks and "" for a quote.
// Tolerant: a quote inside an unquoted field is kept as written, and text
// after a closing quote is appended to the field.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view text) : text_(text) {}

  // The next record, or false at the end of the text.
  bool Next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record.line = line_;
    record.fields.clear();
    record.unclosed_quote = false;
    std::string field;
    bool quoted = false;
    bool in_quotes = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (in_quotes) {
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
          } else {
            in_quotes = false;
            ++pos_;
          }
          continue;
        }
        if (c == '\n' || (c == '\r' && !(pos_ + 1 < text_.size() &&
                                         text_[pos_ + 1] == '\n'))) {
          ++line_;
        }
        field += c;
        ++pos_;
        continue;
      }
      if (c == '"' && field.empty() && !quoted) {
        quoted = true;
        in_quotes = true;
        ++pos_;
        continue;
      }
      if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
        quoted = false;
        ++pos_;
        continue;
      }
      if (c == '\r' || c == '\n') {
        ++pos_;
        if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        ++line_;
        record.fields.push_back(std::move(field));
        return true;
      }
      field += c;
      ++pos_;
    }
    if (in_quotes) record.unclosed_quote = true;
    record.fields.push_back(std::move(field));
    return true;
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

bool IsBlank(const Record& record) {
  return std::all_of(record.fields.begin(), record.fields.end(),
                     [](const std::string& f) {
                       return absl::StripAsciiWhitespace(f).empty();
                     });
}

enum Column { kDate, kCounterparty, kReference, kAmount, kColumns };
constexpr std::array<absl::string_view, kColumns> kColumnNames = {
    "date", "counterparty", "reference", "amount"};

v1::UnreadableRow Unreadable(int row, absl::string_view column,
                             std::string reason) {
  v1::UnreadableRow out;
  out.set_row(row);
  out.set_column(std::string(column));
  out.set_reason(std::move(reason));
  return out;
}

v1::ReconcileItem BookItem(const ResolvedRow& r) {
  v1::ReconcileItem item;
  item.set_row(r.row.row);
  *item.mutable_date() = ToDate(r.row.date);
  item.set_counterparty(r.counterparty_id.empty()
                            ? r.row.counterparty
                            : AuthorityName(r.counterparty_id));
  item.set_reference(r.row.reference);
  *item.mutable_amount() = ledger_rules::ToMoney(r.row.amount);
  return item;
}

v1::ReconcileItem JournalItem(const JournalLine& line) {
  v1::ReconcileItem item;
  item.set_entry(LedgerEntryName(line.entry_id));
  *item.mutable_date() = ToDate(line.date);
  item.set_counterparty(AuthorityName(line.counterparty));
  if (!line.references.empty()) item.set_reference(line.references.front());
  *item.mutable_amount() = ledger_rules::ToMoney(line.amount);
  return item;
}

}  // namespace

std::optional<int64_t> ParsePounds(absl::string_view text, std::string* why) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) {
    *why = "empty";
    return std::nullopt;
  }
  bool negative = false;
  int signs = 0;
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    negative = true;
    ++signs;
    s = absl::StripAsciiWhitespace(s.substr(1, s.size() - 2));
  }
  if (absl::ConsumePrefix(&s, "-")) {
    negative = true;
    ++signs;
    s = absl::StripAsciiWhitespace(s);
  } else if (absl::ConsumePrefix(&s, "+")) {
    s = absl::StripAsciiWhitespace(s);
  }
  if (absl::ConsumeSuffix(&s, "-")) {
    negative = true;
    ++signs;
    s = absl::StripAsciiWhitespace(s);
  }
  if (absl::ConsumePrefix(&s, kPound)) {
    s = absl::StripAsciiWhitespace(s);
    // "£-12.30"
    if (absl::ConsumePrefix(&s, "-")) {
      negative = true;
      ++signs;
      s = absl::StripAsciiWhitespace(s);
    }
  }
  if (absl::StartsWith(s, "-") || absl::StartsWith(s, "(")) ++signs;
  if (signs > 1) {
    *why = "more than one minus sign";
    return std::nullopt;
  }
  if (s.empty()) {
    *why = "no digits";
    return std::nullopt;
  }
  absl::string_view whole = s;
  absl::string_view decimals;
  size_t point = s.find('.');
  if (point != absl::string_view::npos) {
    whole = s.substr(0, point);
    decimals = s.substr(point + 1);
    if (!decimals.empty() && !AllDigits(decimals)) {
      *why = "not an amount in pounds and pence";
      return std::nullopt;
    }
    if (decimals.size() > 2) {
      *why = "more than 2 decimal places: pounds and pence only";
      return std::nullopt;
    }
    if (whole.empty() && decimals.empty()) {
      *why = "no digits";
      return std::nullopt;
    }
  }
  int64_t pounds = 0;
  if (!whole.empty() || point == absl::string_view::npos) {
    if (!ParseWholePounds(whole, &pounds, why)) return std::nullopt;
  }
  int64_t pence = 0;
  if (decimals.size() == 1) pence = DigitsValue(decimals) * 10;
  if (decimals.size() == 2) pence = DigitsValue(decimals);
  int64_t total = pounds * 100 + pence;
  return negative ? -total : total;
}

std::optional<absl::CivilDay> ParseBookDate(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
  if (s.find('/') != absl::string_view::npos) {
    // d/m/yyyy or dd/mm/yyyy.
    size_t a = s.find('/');
    size_t b = s.find('/', a + 1);
    if (b == absl::string_view::npos) return std::nullopt;
    absl::string_view d = s.substr(0, a);
    absl::string_view m = s.substr(a + 1, b - a - 1);
    absl::string_view y = s.substr(b + 1);
    if (!AllDigits(d) || !AllDigits(m) || !AllDigits(y) || d.size() > 2 ||
        m.size() > 2 || y.size() != 4) {
      return std::nullopt;
    }
    day = DigitsValue(d);
    month = DigitsValue(m);
    year = DigitsValue(y);
  } else {
    // YYYY-MM-DD.
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    absl::string_view y = s.substr(0, 4);
    absl::string_view m = s.substr(5, 2);
    absl::string_view d = s.substr(8, 2);
    if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) return std::nullopt;
    year = DigitsValue(y);
    month = DigitsValue(m);
    day = DigitsValue(d);
  }
  // Year 0 is no year (google.type.Date's years are 1-9999).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  absl::CivilDay civil(year, static_cast<int>(month), static_cast<int>(day));
  // CivilDay normalises 31 February to 3 March: not a real date.
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return std::nullopt;
  }
  return civil;
}

absl::StatusOr<Books> ReadBooks(absl::string_view csv) {
  if (!IsValidUtf8(csv)) {
    return InvalidField("csv",
                        "is not UTF-8: save the spreadsheet as \"CSV UTF-8\"");
  }
  absl::ConsumePrefix(&csv, kBom);
  CsvReader reader(csv);
  Record record;
  // The header: the first record that is not blank.
  bool found_header = false;
  while (reader.Next(record)) {
    if (!IsBlank(record)) {
      found_header = true;
      break;
    }
  }
  if (!found_header) {
    return InvalidField("csv",
                        "is empty: it needs a header row naming the columns "
                        "date, counterparty, reference and amount");
  }
  std::array<int, kColumns> index;
  index.fill(-1);
  for (size_t i = 0; i < record.fields.size(); ++i) {
    std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(record.fields[i]));
    for (int c = 0; c < kColumns; ++c) {
      if (name == kColumnNames[c] && index[c] < 0) {
        index[c] = static_cast<int>(i);
      }
    }
  }
  std::string missing;
  for (int c = 0; c < kColumns; ++c) {
    if (index[c] < 0) {
      absl::StrAppend(&missing, missing.empty() ? "" : ", ", kColumnNames[c]);
    }
  }
  if (!missing.empty()) {
    return InvalidField(
        "csv", absl::StrCat("the header row (line ", record.line,
                            ") lacks the column(s) ", missing,
                            ": it needs date, counterparty, reference and "
                            "amount, in any order"));
  }
  // The header's width up to its last named column (a spreadsheet may end
  // it with blank cells).
  size_t header_fields = record.fields.size();
  while (header_fields > 0 &&
         absl::StripAsciiWhitespace(record.fields[header_fields - 1]).empty()) {
    --header_fields;
  }
  Books books;
  while (reader.Next(record)) {
    if (IsBlank(record)) continue;
    ++books.rows_read;
    int row = record.line;
    if (record.unclosed_quote) {
      books.unreadable.push_back(Unreadable(
          row, "", "a quoted field is not closed before the end of the file"));
      continue;
    }
    // The first column (in header order) the row lacks.
    int lacking = -1;
    for (int c = 0; c < kColumns; ++c) {
      if (index[c] >= static_cast<int>(record.fields.size()) &&
          (lacking < 0 || index[c] < index[lacking])) {
        lacking = c;
      }
    }
    if (lacking >= 0) {
      books.unreadable.push_back(Unreadable(
          row, kColumnNames[lacking],
          absl::StrCat("missing: the row has ", record.fields.size(),
                       " field(s) and the header names this column as field ",
                       index[lacking] + 1)));
      continue;
    }
    // More fields than the header, not all blank: which is which cannot be
    // known (an amount written 1,234.56 without quotes is two fields).
    if (record.fields.size() > header_fields &&
        !std::all_of(record.fields.begin() + header_fields, record.fields.end(),
                     [](const std::string& f) {
                       return absl::StripAsciiWhitespace(f).empty();
                     })) {
      books.unreadable.push_back(Unreadable(
          row, "",
          absl::StrCat("the row has ", record.fields.size(),
                       " fields and the header ", header_fields,
                       ": a value with a comma in it (such as 1,234.56) "
                       "must be in double quotes")));
      continue;
    }
    BookRow book;
    book.row = row;
    absl::string_view date_text =
        absl::StripAsciiWhitespace(record.fields[index[kDate]]);
    absl::string_view amount_text = record.fields[index[kAmount]];
    std::optional<absl::CivilDay> date = ParseBookDate(date_text);
    if (!date) {
      books.unreadable.push_back(Unreadable(
          row, "date",
          date_text.empty()
              ? std::string("empty")
              : absl::StrCat("not a date (YYYY-MM-DD or dd/mm/yyyy): ",
                             Quoted(date_text))));
      continue;
    }
    book.date = *date;
    book.counterparty = std::string(
        absl::StripAsciiWhitespace(record.fields[index[kCounterparty]]));
    if (book.counterparty.empty()) {
      books.unreadable.push_back(Unreadable(row, "counterparty", "empty"));
      continue;
    }
    book.reference = std::string(
        absl::StripAsciiWhitespace(record.fields[index[kReference]]));
    std::string why;
    std::optional<int64_t> amount = ParsePounds(amount_text, &why);
    if (!amount) {
      books.unreadable.push_back(Unreadable(
          row, "amount",
          absl::StrCat(why, ": ",
                       Quoted(absl::StripAsciiWhitespace(amount_text)))));
      continue;
    }
    book.amount = *amount;
    books.rows.push_back(std::move(book));
  }
  return books;
}

v1::Reconciliation Match(std::span<const ResolvedRow> rows,
                         std::span<const JournalLine> journal) {
  v1::Reconciliation out;
  std::vector<bool> line_used(journal.size(), false);
  std::vector<int> row_match(rows.size(), -1);  // index into journal
  std::vector<bool> row_differs(rows.size(), false);

  // Journal lines by (counterparty, lower-cased reference), each line once
  // per key, in entry order: a chain of slots per key. The keys are views
  // into `journal` and into `lowered` (every reference lower-cased, reserved
  // up front so it never moves): building the index allocates a few
  // buffers, not one per key.
  size_t reference_bytes = 0;
  size_t reference_count = 0;
  for (const JournalLine& line : journal) {
    for (const std::string& reference : line.references) {
      reference_bytes += reference.size();
      ++reference_count;
    }
  }
  std::string lowered;
  lowered.reserve(reference_bytes);
  struct Slot {
    int line;
    int next;  // the next slot of the same key, or -1
  };
  std::vector<Slot> slots;
  slots.reserve(reference_count);
  using ReferenceKey = std::pair<absl::string_view, absl::string_view>;
  absl::flat_hash_map<ReferenceKey, std::pair<int, int>> by_reference;
  by_reference.reserve(reference_count);
  for (size_t j = 0; j < journal.size(); ++j) {
    int line = static_cast<int>(j);
    for (const std::string& reference : journal[j].references) {
      absl::string_view text = absl::StripAsciiWhitespace(reference);
      if (text.empty()) continue;
      size_t at = lowered.size();
      for (char c : text) lowered += absl::ascii_tolower(c);
      ReferenceKey key(journal[j].counterparty,
                       absl::string_view(lowered).substr(at, text.size()));
      auto [it, added] = by_reference.try_emplace(key, -1, -1);
      if (!added && slots[it->second.second].line == line) continue;
      slots.push_back({line, -1});
      int slot = static_cast<int>(slots.size()) - 1;
      if (added) {
        it->second = {slot, slot};
      } else {
        slots[it->second.second].next = slot;
        it->second.second = slot;
      }
    }
  }
  // Each row's first slot (-1: no reference, no member or no such key).
  std::vector<int> row_slot(rows.size(), -1);
  std::string probe;
  for (size_t i = 0; i < rows.size(); ++i) {
    absl::string_view text = absl::StripAsciiWhitespace(rows[i].row.reference);
    if (rows[i].counterparty_id.empty() || text.empty()) continue;
    probe.assign(text.data(), text.size());
    absl::AsciiStrToLower(&probe);
    auto it = by_reference.find(ReferenceKey(rows[i].counterparty_id, probe));
    if (it != by_reference.end()) row_slot[i] = it->second.first;
  }
  // 1a. Same counterparty, reference and amount: matched.
  for (size_t i = 0; i < rows.size(); ++i) {
    for (int slot = row_slot[i]; slot >= 0; slot = slots[slot].next) {
      int j = slots[slot].line;
      if (!line_used[j] && journal[j].amount == rows[i].row.amount) {
        line_used[j] = true;
        row_match[i] = j;
        break;
      }
    }
  }
  // 1b. Same counterparty and reference, another amount: differing.
  for (size_t i = 0; i < rows.size(); ++i) {
    if (row_match[i] >= 0) continue;
    for (int slot = row_slot[i]; slot >= 0; slot = slots[slot].next) {
      int j = slots[slot].line;
      if (!line_used[j]) {
        line_used[j] = true;
        row_match[i] = j;
        row_differs[i] = true;
        break;
      }
    }
  }
  // 2. The rest by counterparty and amount, the nearest date within 7 days
  // (ties: the earlier entry). The lines left, sorted by (counterparty,
  // amount, date, entry order); each (counterparty, amount) a range of it.
  std::vector<int> left;
  for (size_t j = 0; j < journal.size(); ++j) {
    if (!line_used[j]) left.push_back(static_cast<int>(j));
  }
  std::sort(left.begin(), left.end(), [&](int a, int b) {
    const JournalLine& x = journal[a];
    const JournalLine& y = journal[b];
    return std::tie(x.counterparty, x.amount, x.date, a) <
           std::tie(y.counterparty, y.amount, y.date, b);
  });
  using AmountKey = std::pair<absl::string_view, int64_t>;
  absl::flat_hash_map<AmountKey, std::pair<size_t, size_t>> by_amount;
  by_amount.reserve(left.size());
  for (size_t k = 0; k < left.size();) {
    const JournalLine& first = journal[left[k]];
    size_t end = k + 1;
    while (end < left.size() &&
           journal[left[end]].counterparty == first.counterparty &&
           journal[left[end]].amount == first.amount) {
      ++end;
    }
    by_amount.try_emplace(AmountKey(first.counterparty, first.amount), k, end);
    k = end;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (row_match[i] >= 0 || rows[i].counterparty_id.empty()) continue;
    auto it =
        by_amount.find(AmountKey(rows[i].counterparty_id, rows[i].row.amount));
    if (it == by_amount.end()) continue;
    auto lines_begin = left.begin() + it->second.first;
    auto lines_end = left.begin() + it->second.second;
    absl::CivilDay day = rows[i].row.date;
    auto first = std::lower_bound(
        lines_begin, lines_end, day - kMatchWindowDays,
        [&](int j, absl::CivilDay d) { return journal[j].date < d; });
    int best = -1;
    int64_t best_distance = 0;
    for (auto at = first;
         at != lines_end && journal[*at].date <= day + kMatchWindowDays; ++at) {
      int j = *at;
      if (line_used[j]) continue;
      int64_t distance = std::abs(journal[j].date - day);
      if (best < 0 || distance < best_distance ||
          (distance == best_distance &&
           journal[j].entry_id < journal[best].entry_id)) {
        best = j;
        best_distance = distance;
      }
    }
    if (best >= 0) {
      line_used[best] = true;
      row_match[i] = best;
    }
  }

  // The output, in book-row order and entry order.
  std::vector<size_t> row_order(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) row_order[i] = i;
  std::stable_sort(row_order.begin(), row_order.end(), [&](size_t a, size_t b) {
    return rows[a].row.row < rows[b].row.row;
  });
  int64_t books_total = 0;
  for (size_t i : row_order) {
    const ResolvedRow& r = rows[i];
    books_total += r.row.amount;
    if (row_match[i] < 0) {
      *out.add_only_in_books() = BookItem(r);
      continue;
    }
    const JournalLine& line = journal[row_match[i]];
    v1::ReconcilePair* pair =
        row_differs[i] ? out.add_differing() : out.add_matched();
    *pair->mutable_books() = BookItem(r);
    *pair->mutable_journal() = JournalItem(line);
    *pair->mutable_difference() =
        ledger_rules::ToMoney(r.row.amount - line.amount);
  }
  std::vector<size_t> line_order(journal.size());
  for (size_t j = 0; j < journal.size(); ++j) line_order[j] = j;
  std::stable_sort(line_order.begin(), line_order.end(),
                   [&](size_t a, size_t b) {
                     return journal[a].entry_id < journal[b].entry_id;
                   });
  int64_t journal_total = 0;
  for (size_t j : line_order) {
    journal_total += journal[j].amount;
    if (!line_used[j]) *out.add_only_in_journal() = JournalItem(journal[j]);
  }
  *out.mutable_journal_total() = ledger_rules::ToMoney(journal_total);
  *out.mutable_books_total() = ledger_rules::ToMoney(books_total);
  *out.mutable_difference() =
      ledger_rules::ToMoney(books_total - journal_total);
  return out;
}

}  // namespace raa::reconcile
