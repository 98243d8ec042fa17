#include "common/dates.h"

#include "absl/strings/numbers.h"
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

std::optional<google::type::Date> ParseDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int y = 0, m = 0, d = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &y) ||
      !absl::SimpleAtoi(text.substr(5, 2), &m) ||
      !absl::SimpleAtoi(text.substr(8, 2), &d)) {
    return std::nullopt;
  }
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  if (!ToCivilDay(date).has_value()) return std::nullopt;
  return date;
}

int32_t DayNumber(const google::type::Date& date) {
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value()) return -1;
  return static_cast<int32_t>(*day - absl::CivilDay(1970, 1, 1));
}

}  // namespace raa
