#include "clients/lib/money.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace raa {
namespace {

constexpr absl::string_view kPound = "\xC2\xA3";  // "£" in UTF-8

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not an amount in pounds and pence: ", why,
                   " (write it like 1234.56, 1,234.56 or £1,234.56)"));
}

// Why the character that starts at byte `i` of `s` is refused, naming it
// whole (a digit of another script, "\uFF11" or "\u0661", is several bytes).
std::string NotADigit(absl::string_view s, size_t i) {
  size_t end = i + 1;
  while (end < s.size() &&
         (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    ++end;
  }
  const bool ascii = static_cast<unsigned char>(s[i]) < 0x80;
  return absl::StrCat("\"", s.substr(i, end - i), "\" is not ",
                      ascii ? "a digit" : "one of the digits 0-9");
}

// "1,234,567" for 1234567.
std::string Grouped(int64_t pounds) {
  std::string digits = absl::StrCat(pounds);
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParsePounds(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) return Bad(text, "it is empty");
  bool negative = false;
  if (s.front() == '(') {
    if (s.back() != ')') return Bad(text, "a \"(\" without its \")\"");
    s.remove_prefix(1);
    s.remove_suffix(1);
    s = absl::StripAsciiWhitespace(s);
    negative = true;
  }
  // At most one sign (or the brackets), before or after the "£".
  int signs = negative ? 1 : 0;
  auto take_sign = [&] {
    if (s.empty() || (s.front() != '-' && s.front() != '+')) return true;
    if (++signs > 1) return false;
    if (s.front() == '-') negative = true;
    s.remove_prefix(1);
    return true;
  };
  if (!take_sign()) return Bad(text, "more than one sign");
  absl::ConsumePrefix(&s, kPound);
  if (!take_sign()) return Bad(text, "more than one sign");
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    return Bad(text, "more than one sign");
  }
  if (s.empty()) return Bad(text, "no digits");
  const size_t point = s.find('.');
  absl::string_view whole = s.substr(0, point);
  absl::string_view fraction =
      point == absl::string_view::npos ? "" : s.substr(point + 1);
  if (point != absl::string_view::npos && fraction.empty()) {
    return Bad(text, "no digits after the decimal point");
  }
  if (whole.empty()) return Bad(text, "no pounds before the decimal point");
  // The pounds: digits, with commas only between groups of three.
  int64_t pounds = 0;
  const bool grouped = whole.find(',') != absl::string_view::npos;
  size_t since_comma = 0;
  bool seen_comma = false;
  for (size_t i = 0; i < whole.size(); ++i) {
    const char c = whole[i];
    if (c == ',') {
      if (i == 0 || (seen_comma && since_comma != 3) ||
          (!seen_comma && since_comma > 3)) {
        return Bad(text, "thousands separators go between groups of three");
      }
      seen_comma = true;
      since_comma = 0;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Bad(text, NotADigit(whole, i));
    }
    ++since_comma;
    pounds = pounds * 10 + (c - '0');
    if (pounds > kMaxPence / 100) return Bad(text, "it is too large");
  }
  if (grouped && since_comma != 3) {
    return Bad(text, "thousands separators go between groups of three");
  }
  // The pence: one or two digits, never more (no rounding).
  int64_t pence = 0;
  for (size_t i = 0; i < fraction.size(); ++i) {
    const char c = fraction[i];
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Bad(text, NotADigit(fraction, i));
    }
    if (fraction.size() <= 2) pence = pence * 10 + (c - '0');
  }
  if (fraction.size() > 2) {
    return Bad(text, "more than two decimals (amounts are in whole pence)");
  }
  if (fraction.size() == 1) pence *= 10;
  const int64_t total = pounds * 100 + pence;
  if (total > kMaxPence) return Bad(text, "it is too large");
  return negative ? -total : total;
}

std::string FormatPounds(int64_t pence) {
  // Magnitudes of int64 pence beyond kMaxPence cannot come from the ledger;
  // unsigned arithmetic keeps even INT64_MIN right.
  const uint64_t magnitude = pence < 0 ? 0 - static_cast<uint64_t>(pence)
                                       : static_cast<uint64_t>(pence);
  const uint64_t p = magnitude % 100;
  return absl::StrCat(pence < 0 ? "-" : "", kPound,
                      Grouped(static_cast<int64_t>(magnitude / 100)), ".",
                      p < 10 ? "0" : "", p);
}

std::string CsvPounds(int64_t pence) {
  const uint64_t magnitude = pence < 0 ? 0 - static_cast<uint64_t>(pence)
                                       : static_cast<uint64_t>(pence);
  const uint64_t p = magnitude % 100;
  return absl::StrCat(pence < 0 ? "-" : "", magnitude / 100, ".",
                      p < 10 ? "0" : "", p);
}

google::type::Money ToMoney(int64_t pence) {
  google::type::Money money;
  money.set_currency_code("GBP");
  money.set_units(pence / 100);
  money.set_nanos(static_cast<int32_t>((pence % 100) * 10'000'000));
  return money;
}

int64_t PenceOf(const google::type::Money& money) {
  return money.units() * 100 + money.nanos() / 10'000'000;
}

}  // namespace raa
