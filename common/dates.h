// Calendar dates: google.type.Date on the wire, absl::CivilDay inside,
// "YYYY-MM-DD" in SQLite, CSV files and tables.
#ifndef RAAMATCH_COMMON_DATES_H_
#define RAAMATCH_COMMON_DATES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "google/type/date.pb.h"

namespace raa {

// True if no part of the date is set (an optional date left out).
bool IsUnset(const google::type::Date& date);

// The day, if `date` is a full, real calendar date (no zero month or day).
std::optional<absl::CivilDay> ToCivilDay(const google::type::Date& date);

google::type::Date ToDate(absl::CivilDay day);

// "2025-03-31"; empty for an unset date.
std::string FormatDate(const google::type::Date& date);

// Parses "YYYY-MM-DD"; nullopt if it is not a real date.
std::optional<google::type::Date> ParseDate(absl::string_view text);
// The same, as {year, month, day}, without building a message (for scans
// that read a date per row).
std::optional<std::array<int32_t, 3>> ParseDateParts(absl::string_view text);

// Days since 1970-01-01, or -1 for an unset or invalid date.
int32_t DayNumber(const google::type::Date& date);
// Days since 1970-01-01 of "YYYY-MM-DD"; nullopt if it is not a real date.
std::optional<int32_t> ParseDayNumber(absl::string_view text);

}  // namespace raa

#endif  // RAAMATCH_COMMON_DATES_H_
