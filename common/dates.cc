#include "common/dates.h"

#include "absl/strings/str_format.h"

namespace raa {

bool IsUnset(const google::type::Date& date) {
  return date.year() == 0 && date.month() == 0 && date.day() == 0;
}

std::optional<absl::CivilDay> ToCivilDay(const google::type::Date& date) {
  if (date.year() < 1900 || date.year() > 9999 || date.month() < 1 ||
      date.month() > 12 || date.day() < 1 || date.day() > 31) {
    return std::nullopt;
  }
  absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises 31 February to 3 March: reject such dates.
  if (day.month() != date.month() || day.day() != date.day()) {
    return std::nullopt;
  }
  return day;
}

google::type::Date ToDate(absl::CivilDay day) {
  google::type::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

std::string FormatDate(const google::type::Date& date) {
  if (IsUnset(date)) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

std::optional<std::array<int32_t, 3>> ParseDateParts(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int32_t parts[3] = {0, 0, 0};
  int part = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) {
      ++part;
      continue;
    }
    const unsigned digit = static_cast<unsigned char>(text[i]) - '0';
    if (digit > 9) return std::nullopt;
    parts[part] = parts[part] * 10 + static_cast<int32_t>(digit);
  }
  const auto [y, m, d] = parts;
  if (y < 1900 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int32_t kDays[] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  return std::array<int32_t, 3>{y, m, d};
}

std::optional<google::type::Date> ParseDate(absl::string_view text) {
  std::optional<std::array<int32_t, 3>> parts = ParseDateParts(text);
  if (!parts.has_value()) return std::nullopt;
  google::type::Date date;
  date.set_year((*parts)[0]);
  date.set_month((*parts)[1]);
  date.set_day((*parts)[2]);
  return date;
}

int32_t DayNumber(const google::type::Date& date) {
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value()) return -1;
  return static_cast<int32_t>(*day - absl::CivilDay(1970, 1, 1));
}

std::optional<int32_t> ParseDayNumber(absl::string_view text) {
  std::optional<std::array<int32_t, 3>> parts = ParseDateParts(text);
  if (!parts.has_value()) return std::nullopt;
  return static_cast<int32_t>(
      absl::CivilDay((*parts)[0], (*parts)[1], (*parts)[2]) -
      absl::CivilDay(1970, 1, 1));
}

}  // namespace raa
