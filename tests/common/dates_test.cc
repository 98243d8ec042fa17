// Calendar dates (common/dates.h): "YYYY-MM-DD" parses only as a real
// calendar date, and the parts parser agrees with the message parser and
// with absl's civil calendar on every day of four years.
#include "common/dates.h"

#include <array>
#include <optional>

#include "gtest/gtest.h"

namespace raa {
namespace {

TEST(DatesTest, OnlyRealCalendarDatesParse) {
  EXPECT_EQ(ParseDateParts("2024-02-29"),
            (std::array<int32_t, 3>{2024, 2, 29}));
  EXPECT_EQ(ParseDateParts("2000-02-29"),
            (std::array<int32_t, 3>{2000, 2, 29}));
  for (const char* text :
       {"2023-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10",
        "2025-01-00", "1899-12-31", "2025-1-05", "2025-+1-05", "2025/01/05",
        " 2025-01-05", "2025-01-0a", "", "20250105"}) {
    EXPECT_EQ(ParseDateParts(text), std::nullopt) << text;
    EXPECT_EQ(ParseDate(text), std::nullopt) << text;
  }
}

TEST(DatesTest, EveryDayRoundTripsThroughTheCivilCalendar) {
  for (absl::CivilDay day(1999, 12, 1); day < absl::CivilDay(2004, 1, 1);
       ++day) {
    const google::type::Date date = ToDate(day);
    const std::string text = FormatDate(date);
    ASSERT_EQ(ParseDateParts(text),
              (std::array<int32_t, 3>{static_cast<int32_t>(day.year()),
                                      day.month(), day.day()}))
        << text;
    std::optional<google::type::Date> parsed = ParseDate(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(DayNumber(*parsed), day - absl::CivilDay(1970, 1, 1)) << text;
    EXPECT_EQ(ParseDayNumber(text), day - absl::CivilDay(1970, 1, 1)) << text;
  }
  EXPECT_EQ(ParseDayNumber("1970-01-01"), 0);
  EXPECT_EQ(ParseDayNumber("1969-12-31"), -1);
  EXPECT_EQ(ParseDayNumber("2025-02-30"), std::nullopt);
  EXPECT_EQ(ParseDayNumber(""), std::nullopt);
}

}  // namespace
}  // namespace raa
