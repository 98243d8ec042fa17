#include "common/personal_data.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/utf8.h"
#include "utf8proc.h"

namespace raa {
namespace {

// ---------------- characters ----------------

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c));
}
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// ---------------- tokens ----------------

// A maximal run of ASCII digits or of ASCII letters. Everything between two
// tokens is their gap (spaces, punctuation, other scripts).
struct Token {
  uint32_t begin;  // texts are far below 4 GB (a gRPC message is 4 MB)
  uint32_t end : 31;
  uint32_t number : 1;
};

// The longest digit run read as a value; longer runs are never dates.
constexpr size_t kMaxValueDigits = 9;

class Scanner {
 public:
  explicit Scanner(std::string text) : s_(std::move(text)), lower_(s_) {
    for (char& c : lower_)
      c = absl::ascii_tolower(static_cast<unsigned char>(c));
    Tokenize();
    MarkKeywords();
  }

  std::optional<PersonalIdentifier> Scan() {
    if (auto found = FindEmail()) return found;
    if (auto found = FindDates()) return found;
    if (auto found = FindDigitGroups()) return found;
    if (auto found = FindPostcode()) return found;
    if (auto found = FindStreetAddress()) return found;
    return std::nullopt;
  }

 private:
  // ----- token access -----
  size_t size() const { return tokens_.size(); }
  bool IsNumber(size_t i) const { return i < size() && tokens_[i].number; }
  bool IsWord(size_t i) const { return i < size() && !tokens_[i].number; }
  size_t Length(size_t i) const { return tokens_[i].end - tokens_[i].begin; }
  absl::string_view Lower(size_t i) const {
    return absl::string_view(lower_).substr(tokens_[i].begin, Length(i));
  }
  bool WordIs(size_t i, absl::string_view w) const {
    return IsWord(i) && Lower(i) == w;
  }
  // The value of a number token, or -1 if it has more than kMaxValueDigits.
  int64_t Value(size_t i) const {
    if (Length(i) > kMaxValueDigits) return -1;
    int64_t v = 0;
    for (size_t k = tokens_[i].begin; k < tokens_[i].end; ++k) {
      v = v * 10 + (s_[k] - '0');
    }
    return v;
  }
  // The text between token i-1 (or the start) and token i.
  absl::string_view Gap(size_t i) const {
    size_t from = i == 0 ? 0 : tokens_[i - 1].end;
    return absl::string_view(s_).substr(from, tokens_[i].begin - from);
  }
  absl::string_view Span(size_t first, size_t last) const {
    return absl::string_view(s_).substr(
        tokens_[first].begin, tokens_[last].end - tokens_[first].begin);
  }
  // Token i is a number glued to letters before it ("B12").
  bool GluedBefore(size_t i) const {
    return i > 0 && Gap(i).empty() && IsWord(i - 1);
  }
  bool GluedAfter(size_t i) const {
    return i + 1 < size() && Gap(i + 1).empty() && IsWord(i + 1);
  }

  // A token starts where a digit or letter follows something else.
  static int Class(char c) { return IsDigit(c) ? 1 : IsAlpha(c) ? 2 : 0; }

  void Tokenize() {
    size_t count = 0;
    int previous = 0;
    for (char c : s_) {
      int now = Class(c);
      count += now != 0 && now != previous;
      previous = now;
    }
    tokens_.reserve(count);  // one allocation, however dense the text
    size_t i = 0;
    while (i < s_.size()) {
      int kind = Class(s_[i]);
      if (kind == 0) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < s_.size() && Class(s_[j]) == kind) ++j;
      tokens_.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j),
                         kind == 1 ? 1u : 0u});
      i = j;
    }
  }

  // ----- keywords -----
  // birth_count_[i]: how many of the first i tokens are a birth word (and
  // nhs_count_ of "NHS"), so "is there one in [a, b)" is O(1).
  void MarkKeywords() {
    birth_count_.assign(size() + 1, 0);
    nhs_count_.assign(size() + 1, 0);
    for (size_t i = 0; i < size(); ++i) {
      bool birth = false;
      if (IsWord(i)) {
        absl::string_view w = Lower(i);
        // "birth" alone is not one: "birth mother", "at birth".
        birth = w == "born" || w == "birthday" || w == "birthdays" ||
                w == "bday" || w == "dob" || w == "birthdate" || w == "dobs" ||
                (w == "date" && i >= 1 && WordIs(i - 1, "birth")) ||
                (w == "birth" && i >= 1 && WordIs(i - 1, "of"));
        // d.o.b: "d" "." "o" "." "b"
        if (w == "b" && i >= 2 && WordIs(i - 1, "o") && WordIs(i - 2, "d") &&
            Gap(i) == "." && Gap(i - 1) == ".") {
          birth = true;
        }
      }
      birth_count_[i + 1] = birth_count_[i] + (birth ? 1 : 0);
      nhs_count_[i + 1] = nhs_count_[i] + (WordIs(i, "nhs") ? 1 : 0);
    }
  }
  // A keyword among tokens [from, to), clamped to the text.
  static bool Any(const std::vector<uint32_t>& count, int64_t from,
                  int64_t to) {
    if (from < 0) from = 0;
    if (to > static_cast<int64_t>(count.size()) - 1) {
      to = static_cast<int64_t>(count.size()) - 1;
    }
    return from < to && count[to] > count[from];
  }

  // ----- email -----
  static bool IsLocalChar(char c) {
    return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
  }
  static bool IsDomainChar(char c) { return IsAlnum(c) || c == '-'; }

  // The length of a word written for '@' or '.' to hide an address
  // ("(at)", "[dot]", any case) at `p`, or 0.
  size_t SpelledAt(size_t p, absl::string_view word) const {
    if (p + word.size() + 2 > s_.size()) return 0;
    const char open = s_[p];
    const char close = open == '(' ? ')' : open == '[' ? ']' : '\0';
    if (close == '\0' || s_[p + word.size() + 1] != close) return 0;
    for (size_t k = 0; k < word.size(); ++k) {
      if (absl::ascii_tolower(static_cast<unsigned char>(s_[p + 1 + k])) !=
          word[k]) {
        return 0;
      }
    }
    return word.size() + 2;
  }

  // Where the next '@', "(at)" or "[at]" at or after `from` begins, and its
  // length; npos if none.
  std::pair<size_t, size_t> NextAtSign(size_t from) const {
    for (size_t p = from; p < s_.size(); ++p) {
      if (s_[p] == '@') return {p, 1};
      if (const size_t n = SpelledAt(p, "at"); n > 0) return {p, n};
    }
    return {std::string::npos, 0};
  }

  std::optional<PersonalIdentifier> FindEmail() const {
    for (auto [at, at_length] = NextAtSign(0); at != std::string::npos;
         std::tie(at, at_length) = NextAtSign(at + 1)) {
      // Left: up to two spaces, then the local part (at most 64 characters).
      size_t end = at;
      for (int k = 0; k < 2 && end > 0 && s_[end - 1] == ' '; ++k) --end;
      size_t begin = end;
      bool alnum = false;
      while (begin > 0 && end - begin < 64 && IsLocalChar(s_[begin - 1])) {
        alnum = alnum || IsAlnum(s_[begin - 1]);
        --begin;
      }
      if (!alnum) continue;
      // Right: up to two spaces, then labels joined by dots (or "(dot)",
      // "[dot]" with a space either side at most; at most 255 characters).
      size_t p = at + at_length;
      for (int k = 0; k < 2 && p < s_.size() && s_[p] == ' '; ++k) ++p;
      const size_t domain = p;
      size_t labels = 0;
      size_t last_label_begin = p;
      size_t domain_end = p;
      while (p < s_.size() && p - domain < 255) {
        size_t q = p;
        while (q < s_.size() && q - domain < 255 && IsDomainChar(s_[q])) ++q;
        if (q == p) break;
        ++labels;
        last_label_begin = p;
        domain_end = q;
        if (q < s_.size() && s_[q] == '.' && q + 1 < s_.size() &&
            IsDomainChar(s_[q + 1])) {
          p = q + 1;
          continue;
        }
        size_t dot = q < s_.size() && s_[q] == ' ' ? q + 1 : q;
        const size_t spelled = dot < s_.size() ? SpelledAt(dot, "dot") : 0;
        if (spelled == 0) break;
        dot += spelled;
        if (dot < s_.size() && s_[dot] == ' ') ++dot;
        if (dot >= s_.size() || !IsDomainChar(s_[dot])) break;
        p = dot;
      }
      if (labels < 2) continue;
      size_t tld_length = domain_end - last_label_begin;
      bool tld_alpha = tld_length >= 2;
      for (size_t k = last_label_begin; k < domain_end && tld_alpha; ++k) {
        tld_alpha = IsAlpha(s_[k]);
      }
      if (!tld_alpha) continue;
      return PersonalIdentifier{IdentifierKind::kEmailAddress,
                                s_.substr(begin, domain_end - begin)};
    }
    return std::nullopt;
  }

  // ----- dates -----
  static int MonthOf(absl::string_view w) {
    static constexpr absl::string_view kNames[12][2] = {
        {"jan", "january"}, {"feb", "february"}, {"mar", "march"},
        {"apr", "april"},   {"may", "may"},      {"jun", "june"},
        {"jul", "july"},    {"aug", "august"},   {"sep", "september"},
        {"oct", "october"}, {"nov", "november"}, {"dec", "december"}};
    if (w.size() < 3 || w.size() > 9) return 0;
    for (int m = 0; m < 12; ++m) {
      if (w == kNames[m][0] || w == kNames[m][1]) return m + 1;
    }
    return w == "sept" ? 9 : 0;
  }
  bool IsMonthWord(size_t i) const { return IsWord(i) && MonthOf(Lower(i)); }
  bool IsOrdinal(size_t i) const {
    return WordIs(i, "st") || WordIs(i, "nd") || WordIs(i, "rd") ||
           WordIs(i, "th");
  }
  bool IsDay(size_t i) const {
    if (!IsNumber(i) || Length(i) > 2) return false;
    int64_t v = Value(i);
    return v >= 1 && v <= 31;
  }
  bool IsMonthNumber(size_t i) const {
    if (!IsNumber(i) || Length(i) > 2) return false;
    int64_t v = Value(i);
    return v >= 1 && v <= 12;
  }
  bool IsFullYear(size_t i) const {
    if (!IsNumber(i) || Length(i) != 4) return false;
    int64_t v = Value(i);
    return v >= 1900 && v <= 2099;
  }
  // Between the parts of a date written with a month word: at most three of
  // space . , - / (or nothing: "12March2025").
  bool WordDateGap(size_t i) const { return IsWordDateGap(Gap(i)); }
  static bool IsWordDateGap(absl::string_view g) {
    if (g.size() > 3) return false;
    for (char c : g) {
      if (c != ' ' && c != '.' && c != ',' && c != '-' && c != '/') {
        return false;
      }
    }
    return true;
  }
  // The separator of a numeric date in the gap before token i: one of
  // / . - \ with at most one space either side, or a single space; 0 if
  // none.
  char NumericDateSeparator(size_t i) const {
    absl::string_view g = Gap(i);
    if (g == " ") return ' ';
    if (!g.empty() && g.front() == ' ') g.remove_prefix(1);
    if (!g.empty() && g.back() == ' ') g.remove_suffix(1);
    if (g.size() == 1 &&
        (g[0] == '/' || g[0] == '.' || g[0] == '-' || g[0] == '\\')) {
      return g[0];
    }
    return 0;
  }

  // Tokens m-1, m and y joined by one separator, the same twice: "-", "/"
  // or "." (a month word's date as a spreadsheet writes it).
  bool SameDateSeparator(size_t m, size_t y) const {
    if (m == 0 || y >= size()) return false;
    const absl::string_view g = Gap(m);
    return (g == "-" || g == "/" || g == ".") && Gap(y) == g;
  }

  // A day (with its ordinal and "of") right before the month word at m; the
  // day's token or -1.
  int64_t DayBefore(size_t m) const {
    size_t t = m;
    if (t == 0) return -1;
    size_t j = t - 1;
    if (WordIs(j, "of")) {
      if (!WordDateGap(t) || j == 0) return -1;
      t = j;
      j = t - 1;
    }
    if (IsOrdinal(j)) {
      if (!WordDateGap(t) || j == 0) return -1;
      t = j;
      j = t - 1;
      return Gap(t).empty() && IsDay(j) ? static_cast<int64_t>(j) : -1;
    }
    return IsDay(j) && WordDateGap(t) ? static_cast<int64_t>(j) : -1;
  }
  // A day (and its ordinal) right after the month word at m; the last token
  // of it or -1.
  int64_t DayAfter(size_t m) const {
    size_t j = m + 1;
    if (!IsDay(j) || !WordDateGap(j) || (GluedAfter(j) && !IsOrdinal(j + 1))) {
      return -1;
    }
    if (IsOrdinal(j + 1) && Gap(j + 1).empty()) return j + 1;
    return j;
  }
  // A year right after token t ("2025", ", 2025", " '25", ", '25", and " 25"
  // after one space unless a unit follows: "on 3 May, 12 children" is not
  // a date); its token or -1.
  int64_t YearAfter(size_t t) const {
    size_t y = t + 1;
    if (!IsNumber(y) || GluedAfter(y)) return -1;
    if (IsFullYear(y) && WordDateGap(y)) return y;
    if (Length(y) != 2) return -1;
    absl::string_view g = Gap(y);
    if (!g.empty() && g.back() == '\'') {
      g.remove_suffix(1);
      return IsWordDateGap(g) ? static_cast<int64_t>(y) : -1;
    }
    return g == " " && !IsUnitAfter(y) ? static_cast<int64_t>(y) : -1;
  }
  // Words that make "1.5" or "3.10" a measure, not a day and month.
  bool IsUnitAfter(size_t last) const {
    size_t u = last + 1;
    if (!IsWord(u) || Gap(u).size() > 1) return false;
    absl::string_view w = Lower(u);
    return w == "kg" || w == "kgs" || w == "g" || w == "lb" || w == "lbs" ||
           w == "oz" || w == "kilos" || w == "pounds" || w == "cm" ||
           w == "mm" || w == "m" || w == "ml" || w == "am" || w == "pm" ||
           w == "hrs" || w == "hr" || w == "hours" || w == "mins" ||
           w == "minutes" || w == "weeks" || w == "days" || w == "months" ||
           w == "years";
  }
  // A birth word at most three words before ("born on the 3rd of May",
  // "birthday is 14/02") or after ("14/02 is her birthday").
  bool NearBirthWord(size_t first, size_t last) const {
    return Any(birth_count_, static_cast<int64_t>(first) - 3,
               static_cast<int64_t>(first)) ||
           Any(birth_count_, static_cast<int64_t>(last) + 1,
               static_cast<int64_t>(last) + 4);
  }

  std::optional<PersonalIdentifier> FindDates() const {
    std::optional<PersonalIdentifier> birthday;
    for (size_t i = 0; i < size(); ++i) {
      if (IsNumber(i)) {
        if (auto full = NumericDateAt(i)) return full;
        if (!birthday && NumericDayMonthAt(i)) {
          birthday = PersonalIdentifier{IdentifierKind::kDateOfBirth,
                                        std::string(Span(i, i + 1))};
        }
        if (Length(i) == 8 && IsCompactDate(i)) {
          return PersonalIdentifier{IdentifierKind::kFullDate,
                                    std::string(Span(i, i))};
        }
      } else if (IsMonthWord(i)) {
        int64_t before = DayBefore(i);
        int64_t after = DayAfter(i);
        if (before >= 0) {
          if (int64_t y = YearAfter(i); y >= 0) {
            return PersonalIdentifier{IdentifierKind::kFullDate,
                                      std::string(Span(before, y))};
          }
          // "12-Mar-25", "12/Mar/25": a spreadsheet's day-month-year, the
          // two-digit year after the day's own separator.
          if (const size_t y = i + 1; SameDateSeparator(i, y) && IsNumber(y) &&
                                      Length(y) == 2 && !GluedAfter(y)) {
            return PersonalIdentifier{IdentifierKind::kFullDate,
                                      std::string(Span(before, y))};
          }
        }
        // "2025-Mar-12": year, month word, day, one separator twice.
        if (i >= 1 && IsFullYear(i - 1) && SameDateSeparator(i, i + 1) &&
            IsDay(i + 1) && !GluedAfter(i + 1)) {
          return PersonalIdentifier{IdentifierKind::kFullDate,
                                    std::string(Span(i - 1, i + 1))};
        }
        if (after >= 0) {
          if (int64_t y = YearAfter(after); y >= 0) {
            return PersonalIdentifier{IdentifierKind::kFullDate,
                                      std::string(Span(i, y))};
          }
        }
        if (!birthday && before >= 0 && NearBirthWord(before, i)) {
          birthday = PersonalIdentifier{IdentifierKind::kDateOfBirth,
                                        std::string(Span(before, i))};
        }
        if (!birthday && after >= 0 && NearBirthWord(i, after)) {
          birthday = PersonalIdentifier{IdentifierKind::kDateOfBirth,
                                        std::string(Span(i, after))};
        }
      }
    }
    return birthday;
  }

  // day sep month sep year, month-day too, or year-month-day; the same
  // separator twice.
  std::optional<PersonalIdentifier> NumericDateAt(size_t i) const {
    if (!IsNumber(i + 1) || !IsNumber(i + 2)) return std::nullopt;
    char sep = NumericDateSeparator(i + 1);
    if (sep == 0 || NumericDateSeparator(i + 2) != sep) return std::nullopt;
    bool found = false;
    if (IsFullYear(i)) {
      found = IsMonthNumber(i + 1) && IsDay(i + 2);  // 2020-03-01
    } else if (Length(i) <= 2) {
      bool day_month = (IsDay(i) && IsMonthNumber(i + 1)) ||
                       (IsMonthNumber(i) && IsDay(i + 1));
      bool year = IsFullYear(i + 2) ||
                  (sep != ' ' && Length(i + 2) == 2 && !GluedAfter(i + 2));
      found = day_month && year;
    }
    if (!found) return std::nullopt;
    return PersonalIdentifier{IdentifierKind::kFullDate,
                              std::string(Span(i, i + 2))};
  }

  // "14/02", "14.02", "14-2" before something that is not a year or unit,
  // near a birth word.
  bool NumericDayMonthAt(size_t i) const {
    if (!IsDay(i) || !IsMonthNumber(i + 1)) return false;
    char sep = NumericDateSeparator(i + 1);
    if (sep != '/' && sep != '.' && sep != '-') return false;
    if (sep == '.' && Length(i + 1) != 2) return false;  // 1.5 kg
    if (GluedBefore(i) || GluedAfter(i + 1) || IsUnitAfter(i + 1)) {
      return false;
    }
    if (IsNumber(i + 2) && NumericDateSeparator(i + 2) == sep) return false;
    if (i > 0 && IsNumber(i - 1) && NumericDateSeparator(i) == sep) {
      return false;  // the end of a longer run: "1/14/02"
    }
    return NearBirthWord(i, i + 1);
  }

  bool IsCompactDate(size_t i) const {
    if (GluedBefore(i) || GluedAfter(i)) return false;
    int64_t v = Value(i);
    int64_t a = v / 10000, b = (v / 100) % 100, c = v % 100;  // yyyy mm dd
    if (a >= 1900 && a <= 2099 && b >= 1 && b <= 12 && c >= 1 && c <= 31) {
      return true;
    }
    int64_t d = v / 1000000, m = (v / 10000) % 100, y = v % 10000;
    return d >= 1 && d <= 31 && m >= 1 && m <= 12 && y >= 1900 && y <= 2099;
  }

  // ----- NHS and phone numbers -----
  // The most groups one number is written in ("+44 (0) 114 273 4567" is 5,
  // "+33 1 23 45 67 89" is 6), which bounds the work per group.
  static constexpr size_t kMaxGroups = 7;
  class GroupSizes {
   public:
    void push_back(size_t n) { sizes_[count_++] = n; }
    size_t size() const { return count_; }
    size_t operator[](size_t i) const { return sizes_[i]; }

   private:
    size_t sizes_[kMaxGroups] = {};
    size_t count_ = 0;
  };

  // Between two groups of digits of one number: 1-3 of space - . ( ).
  bool JoinsDigitGroups(size_t i) const {
    absl::string_view g = Gap(i);
    if (g.empty() || g.size() > 3) return false;
    for (char c : g) {
      if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
        return false;
      }
    }
    return true;
  }

  static bool NhsChecksumValid(absl::string_view digits) {
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    return check != 10 && check == digits[9] - '0';
  }

  std::optional<PersonalIdentifier> FindDigitGroups() const {
    size_t i = 0;
    while (i < size()) {
      if (!IsNumber(i)) {
        ++i;
        continue;
      }
      size_t last = i;  // the run of groups i..last
      while (IsNumber(last + 1) && JoinsDigitGroups(last + 1)) ++last;
      for (size_t g = i; g <= last; ++g) {
        if (auto found = NumberFrom(g, last)) return found;
      }
      i = last + 1;
    }
    return std::nullopt;
  }

  // An NHS or phone number made of groups first..h for some h <= last.
  std::optional<PersonalIdentifier> NumberFrom(size_t first,
                                               size_t last) const {
    if (GluedBefore(first)) return std::nullopt;
    absl::string_view before = Gap(first);
    const bool plus = !before.empty() && before.back() == '+';
    const bool nhs_word = Any(nhs_count_, static_cast<int64_t>(first) - 4,
                              static_cast<int64_t>(first));
    // Only a phone number starts with 0 or after '+'; an NHS number starts
    // with a group of 3 or 10 digits unless it follows "NHS".
    if (!plus && s_[tokens_[first].begin] != '0' && !nhs_word &&
        Length(first) != 3 && Length(first) != 10) {
      return std::nullopt;
    }
    std::string digits;  // at most 15: no allocation
    GroupSizes sizes;
    for (size_t h = first; h <= last && sizes.size() < kMaxGroups; ++h) {
      if (digits.size() + Length(h) > 15) break;
      digits.append(s_, tokens_[h].begin, Length(h));
      sizes.push_back(Length(h));
      if (GluedAfter(h)) continue;
      size_t begin = tokens_[first].begin - (plus ? 1 : 0);
      if (!plus && begin > 0 && s_[begin - 1] == '(') --begin;
      auto found = [&](IdentifierKind kind) {
        return PersonalIdentifier{kind,
                                  s_.substr(begin, tokens_[h].end - begin)};
      };
      if (digits.size() == 10 && !plus && NhsChecksumValid(digits) &&
          (sizes.size() == 1 || nhs_word ||
           (sizes.size() == 3 && sizes[0] == 3 &&
            ((sizes[1] == 3 && sizes[2] == 4) ||
             (sizes[1] == 4 && sizes[2] == 3))))) {
        return found(IdentifierKind::kNhsNumber);
      }
      if (IsPhoneNumber(digits, sizes, plus)) {
        return found(IdentifierKind::kPhoneNumber);
      }
    }
    return std::nullopt;
  }

  // Every group after the country code (and a "(0)" trunk) has 2+ digits.
  static bool GroupsFrom(const GroupSizes& sizes, size_t k) {
    for (; k < sizes.size(); ++k) {
      if (sizes[k] < 2) return false;
    }
    return true;
  }

  static bool IsPhoneNumber(const std::string& digits, const GroupSizes& sizes,
                            bool plus) {
    absl::string_view d = digits;
    size_t international_prefix = 0;
    if (plus) {
      international_prefix = 0;
    } else if (d.size() >= 2 && d[0] == '0' && d[1] == '0') {
      international_prefix = 2;
    } else if (d.size() >= 1 && d[0] == '0') {
      // National: 0 and 9-10 more, the first group at least 3 digits.
      return (d.size() == 10 || d.size() == 11) && sizes[0] >= 3 &&
             GroupsFrom(sizes, 1);
    } else {
      return false;
    }
    // International: the country code is the first group's start.
    absl::string_view rest = d.substr(international_prefix);
    // Which group ends the country code: the first group, or the second
    // when "00" stands alone ("00 44 ...").
    size_t cc_group = (international_prefix == 2 && sizes[0] == 2) ? 1 : 0;
    size_t next = cc_group + 1;
    if (rest.size() >= 2 && rest[0] == '4' && rest[1] == '4') {
      absl::string_view national = rest.substr(2);
      bool trunk_group = next < sizes.size() && sizes[next] == 1 &&
                         !national.empty() && national[0] == '0';
      if (!national.empty() && national[0] == '0') national.remove_prefix(1);
      return (national.size() == 9 || national.size() == 10) &&
             GroupsFrom(sizes, trunk_group ? next + 1 : next);
    }
    // Elsewhere the first group after the country code may be one digit
    // ("+33 1 23 45 67 89").
    return rest.size() >= 9 && rest.size() <= 13 && GroupsFrom(sizes, next + 1);
  }

  // ----- postcodes -----
  static bool IsInwardLetter(char c) {
    c = absl::ascii_toupper(static_cast<unsigned char>(c));
    return IsAlpha(c) && c != 'C' && c != 'I' && c != 'K' && c != 'M' &&
           c != 'O' && c != 'V';
  }
  // The inward code ("2HH") at p; its end or npos.
  size_t InwardAt(size_t p) const {
    if (p + 3 > s_.size() || !IsDigit(s_[p]) || !IsInwardLetter(s_[p + 1]) ||
        !IsInwardLetter(s_[p + 2])) {
      return std::string::npos;
    }
    if (p + 3 < s_.size() && IsAlnum(s_[p + 3])) return std::string::npos;
    absl::string_view letters = absl::string_view(s_).substr(p + 1, 2);
    if (letters == "st" || letters == "nd" || letters == "rd" ||
        letters == "th") {
      return std::string::npos;  // "Y1 2nd term" is not a postcode
    }
    return p + 3;
  }

  std::optional<PersonalIdentifier> PostcodeAt(size_t i) const {
    const std::string& u = lower_;
    if (u.compare(i, 3, "gir") == 0) {
      size_t p = i + 3;
      if (p < s_.size() && s_[p] == ' ') ++p;
      if (u.compare(p, 3, "0aa") == 0 &&
          (p + 3 == s_.size() || !IsAlnum(s_[p + 3]))) {
        return PersonalIdentifier{IdentifierKind::kPostcode,
                                  s_.substr(i, p + 3 - i)};
      }
    }
    size_t letters = 0;
    while (i + letters < s_.size() && IsAlpha(s_[i + letters]) && letters < 3) {
      ++letters;
    }
    if (letters == 0 || letters > 2) return std::nullopt;
    char first = u[i];
    if (first == 'q' || first == 'v' || first == 'x') return std::nullopt;
    if (letters == 2 &&
        (u[i + 1] == 'i' || u[i + 1] == 'j' || u[i + 1] == 'z')) {
      return std::nullopt;
    }
    size_t p = i + letters;
    if (p >= s_.size() || !IsDigit(s_[p])) return std::nullopt;
    ++p;
    // The outward code ends here, or after one more digit or letter.
    for (size_t extra = 0; extra <= 1; ++extra) {
      size_t end = p + extra;
      if (extra == 1 && (end > s_.size() || !IsAlnum(s_[p]))) break;
      // With or without spaces between the halves ("S70  2TA" too), or
      // one hyphen or dot ("WF1-2AB").
      size_t q = end;
      if (q < s_.size() && (s_[q] == '-' || s_[q] == '.')) {
        ++q;
      } else {
        while (q < s_.size() && q < end + 3 && s_[q] == ' ') ++q;
      }
      size_t inward_end = InwardAt(q);
      if (inward_end != std::string::npos) {
        return PersonalIdentifier{IdentifierKind::kPostcode,
                                  s_.substr(i, inward_end - i)};
      }
    }
    return std::nullopt;
  }

  std::optional<PersonalIdentifier> FindPostcode() const {
    for (size_t i = 0; i < s_.size(); ++i) {
      if (IsAlpha(s_[i]) && (i == 0 || !IsAlnum(s_[i - 1]))) {
        if (auto found = PostcodeAt(i)) return found;
      }
    }
    return std::nullopt;
  }

  // ----- street addresses -----
  // A house number, one to three words and a street's kind that names
  // nothing else: "10 Downing Street", "22 Park Road", "14a Acacia Avenue",
  // "22 PARK ROAD", "22 park road". Not a year ("In 2021 Family Court
  // ..."), not words that join, point or measure ("2 CHILDREN IN THE
  // STREET", "2 dogs in the street"), not a kind inside a phrase ("3 big
  // road trips"), and not kinds that are also ordinary words (court, walk,
  // way, close, place, drive: "has 3 close friends", "the 5 Mile Walk").
  static bool IsStreetKind(absl::string_view w) {
    static constexpr absl::string_view kKinds[] = {
        "street",   "st",      "road",    "rd",    "avenue", "ave",      "lane",
        "crescent", "gardens", "terrace", "grove", "mews",   "boulevard"};
    return std::find(std::begin(kKinds), std::end(kKinds), w) !=
           std::end(kKinds);
  }
  // "Downing", "St": a capital, then lower case.
  bool TitleCase(size_t i) const {
    if (!IsWord(i)) return false;
    const auto& t = tokens_[i];
    if (!absl::ascii_isupper(static_cast<unsigned char>(s_[t.begin]))) {
      return false;
    }
    for (size_t k = t.begin + 1; k < t.end; ++k) {
      if (absl::ascii_isupper(static_cast<unsigned char>(s_[k]))) return false;
    }
    return true;
  }
  // "PARK", "ROAD": capitals only, two or more letters, and not a word
  // that joins others ("2 CHILDREN IN THE STREET" names no street).
  // Sentences are written in capitals too: a measure is not a street's name
  // ("6 WEEK ROAD SAFETY COURSE", "10 MILE ROAD RACE").
  bool CapitalsName(size_t i) const {
    if (!Capitals(i)) return false;
    const absl::string_view w = Lower(i);
    return !IsUnitAfter(i - 1) && w != "week" && w != "mile" && w != "miles" &&
           w != "hour" && w != "day" && w != "minute" && w != "year" &&
           w != "month";
  }
  // Token i is a word of two or more letters, each one `is` holds of.
  template <typename Test>
  bool LettersAll(size_t i, Test is) const {
    if (!IsWord(i) || Length(i) < 2) return false;
    const auto& t = tokens_[i];
    for (size_t k = t.begin; k < t.end; ++k) {
      if (!is(static_cast<unsigned char>(s_[k]))) return false;
    }
    return true;
  }
  bool Capitals(size_t i) const {
    if (!LettersAll(i, absl::ascii_isupper)) return false;
    const absl::string_view w = Lower(i);
    return w != "in" && w != "the" && w != "of" && w != "on" && w != "at" &&
           w != "to" && w != "and" && w != "by" && w != "for" && w != "with";
  }
  // "acacia", "park": a street's name as typed in lower case, two or more
  // letters, and not a word that joins others, points or measures ("2 dogs
  // in the street", "2 brothers down the road", "walks 2 miles to the
  // road"), so that no ordinary phrase is read as a name.
  bool LowerName(size_t i) const {
    if (!LettersAll(i, absl::ascii_islower)) return false;
    static constexpr absl::string_view kNotNames[] = {
        "in",    "the",    "of",     "on",   "at",     "to",      "and",
        "by",    "for",    "with",   "an",   "her",    "his",     "their",
        "my",    "our",    "your",   "up",   "down",   "along",   "across",
        "near",  "from",   "into",   "onto", "over",   "past",    "off",
        "round", "around", "out",    "week", "weeks",  "mile",    "miles",
        "hour",  "hours",  "day",    "days", "minute", "minutes", "year",
        "years", "month",  "months", "old",  "times",  "or",      "but"};
    return std::find(std::begin(kNotNames), std::end(kNotNames), Lower(i)) ==
           std::end(kNotNames);
  }
  // After a street's kind written in lower case: the end of the text or of
  // a clause, or a word an address is followed by ("lives at 22 acacia
  // avenue with her aunt"); any other word makes the kind part of a phrase
  // ("3 big road trips", "2 sesame street books").
  bool EndsAnAddress(size_t kind) const {
    const size_t after = kind + 1;
    if (after >= size() || Gap(after) != " ") return true;
    if (!IsWord(after)) return false;
    static constexpr absl::string_view kFollowers[] = {
        "with", "in",   "near", "and",    "since", "until", "where", "which",
        "for",  "last", "from", "is",     "was",   "has",   "had",   "who",
        "when", "but",  "then", "before", "after", "on",    "at",    "to"};
    return std::find(std::begin(kFollowers), std::end(kFollowers),
                     Lower(after)) != std::end(kFollowers);
  }
  std::optional<PersonalIdentifier> FindStreetAddress() const {
    for (size_t i = 0; i < size(); ++i) {
      // A house number of 1-4 digits, maybe with a letter ("14a").
      if (!IsNumber(i) || Length(i) > 4 || GluedBefore(i)) continue;
      if (const int64_t v = Value(i); Length(i) == 4 && v >= 1900 && v < 2100) {
        continue;  // a year
      }
      size_t next = i + 1;
      if (GluedAfter(i) && Length(i + 1) == 1) ++next;
      // After the number a space, or a comma and a space ("22, Park Road").
      if (next >= size() || (Gap(next) != " " && Gap(next) != ", ")) continue;
      // The name in title case ("Park Road"), all in capitals, as Royal
      // Mail writes it ("PARK ROAD"), or all in lower case as typed ("park
      // road"), in at most three words.
      enum class Case { kTitle, kCapitals, kLower };
      const Case written = CapitalsName(next) ? Case::kCapitals
                           : LowerName(next)  ? Case::kLower
                                              : Case::kTitle;
      size_t words = 0;
      for (size_t k = next; k < size() && words < 4; ++k, ++words) {
        // Words of the name are separated by spaces only.
        if (k > next && Gap(k) != " ") break;
        // In lower case only the kinds that are no ordinary plural or
        // house ("the 2 local gardens", "a 3 bedroom terrace").
        const bool kind = words >= 1 && IsStreetKind(Lower(k)) &&
                          (written != Case::kLower ||
                           (Lower(k) != "gardens" && Lower(k) != "terrace" &&
                            Lower(k) != "grove" && Lower(k) != "mews"));
        if (written == Case::kCapitals ? !Capitals(k)
            : written == Case::kTitle  ? !TitleCase(k)
                                       : !(kind || LowerName(k))) {
          break;
        }
        if (kind) {
          // In capitals, a kind that another capitals word follows is a
          // sentence's ("3 HIGH STREET SHOPPING TRIPS", "ROAD SAFETY"); in
          // lower case, one that ends no address ("3 big road trips").
          if (written == Case::kCapitals && k + 1 < size() &&
              Gap(k + 1) == " " && Capitals(k + 1)) {
            break;
          }
          if (written == Case::kLower && !EndsAnAddress(k)) break;
          return PersonalIdentifier{IdentifierKind::kStreetAddress,
                                    std::string(Span(i, k))};
        }
      }
    }
    return std::nullopt;
  }

  const std::string s_;
  std::string lower_;  // s_ with ASCII letters lower-cased, same offsets
  std::vector<Token> tokens_;
  std::vector<uint32_t> birth_count_;
  std::vector<uint32_t> nhs_count_;
};

}  // namespace

std::string NormalizeForScan(absl::string_view text) {
  // ASCII is its own NFKC and holds nothing to remove or map.
  if (std::all_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
      })) {
    return std::string(text);
  }
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                   static_cast<utf8proc_option_t>(
                       UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
  // Malformed UTF-8: read the bytes as they are (bad ones as U+FFFD).
  absl::string_view nfkc =
      length >= 0 ? absl::string_view(reinterpret_cast<const char*>(mapped),
                                      static_cast<size_t>(length))
                  : text;
  std::string out;
  out.reserve(nfkc.size());
  size_t pos = 0;
  while (pos < nfkc.size()) {
    char32_t c = DecodeUtf8(nfkc, &pos);
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    const utf8proc_property_t* property =
        utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
    if (property->ignorable) continue;  // zero-width, soft hyphen, bidi
    if (property->category == UTF8PROC_CATEGORY_ND) {
      // A digit of any script (Arabic-Indic, Devanagari, ...) as the ASCII
      // one: each script's digits run from its zero.
      // Runs of digits that follow one another (each of ten) are read from
      // the first run's zero.
      char32_t zero = c;
      while (zero > 0x80 && c - zero < 100 &&
             utf8proc_get_property(static_cast<utf8proc_int32_t>(zero - 1))
                     ->category == UTF8PROC_CATEGORY_ND) {
        --zero;
      }
      out += static_cast<char>('0' + (c - zero) % 10);
    } else if (property->category == UTF8PROC_CATEGORY_ZS) {
      out += ' ';
    } else if (property->category == UTF8PROC_CATEGORY_PD || c == 0x2212) {
      out += '-';  // dashes and the minus sign
    } else if (c == 0x2044 || c == 0x2215) {
      out += '/';  // fraction and division slashes
    } else {
      AppendUtf8(c, out);
    }
  }
  std::free(mapped);
  return out;
}

std::optional<PersonalIdentifier> ScanForPersonalIdentifier(
    absl::string_view text) {
  return Scanner(NormalizeForScan(text)).Scan();
}

std::string DescribePersonalIdentifier(const PersonalIdentifier& found) {
  const std::string quoted = Quoted(found.text);
  switch (found.kind) {
    case IdentifierKind::kEmailAddress:
      return absl::StrCat("contains an email address (", quoted, ")");
    case IdentifierKind::kDateOfBirth:
      return absl::StrCat("contains a date of birth (", quoted,
                          "); give ages or months instead");
    case IdentifierKind::kFullDate:
      return absl::StrCat("contains a full date (", quoted,
                          "); give ages or months instead");
    case IdentifierKind::kNhsNumber:
      return absl::StrCat("contains an NHS number (", quoted, ")");
    case IdentifierKind::kPhoneNumber:
      return absl::StrCat("contains a phone number (", quoted, ")");
    case IdentifierKind::kPostcode:
      return absl::StrCat("contains a full postcode (", quoted,
                          "); name the town or the outward code (\"S1\") "
                          "instead");
    case IdentifierKind::kStreetAddress:
      return absl::StrCat("contains a street address (", quoted,
                          "); name the town or the area instead");
  }
  return "contains personal data";
}

std::optional<std::string> FindPersonalIdentifier(absl::string_view text) {
  std::optional<PersonalIdentifier> found = ScanForPersonalIdentifier(text);
  if (!found) return std::nullopt;
  return DescribePersonalIdentifier(*found);
}

}  // namespace raa
