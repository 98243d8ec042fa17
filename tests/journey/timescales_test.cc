// Working days across weekends, England's bank holidays (the shipped file),
// year ends and Easter; calendar months; the shipped timescales and their
// validation.
#include "services/journey/timescales.h"

#include <string>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::testing::HasSubstr;
using Day = absl::CivilDay;

class WorkingDaysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<BankHolidays> loaded = BankHolidays::Load(RAA_BANK_HOLIDAYS);
    ASSERT_THAT(loaded.status(), IsOk());
    holidays_ = *loaded;
  }
  BankHolidays holidays_;
};

TEST_F(WorkingDaysTest, TheShippedFileCoversTwentyTenToTwentyThirty) {
  for (int year = 2010; year <= 2030; ++year) {
    int in_year = 0;
    for (Day d(year, 1, 1); d <= Day(year, 12, 31); ++d) {
      if (holidays_.Contains(d)) ++in_year;
    }
    EXPECT_GE(in_year, 8) << year;
  }
  // The one-off holidays.
  EXPECT_TRUE(holidays_.Contains(Day(2022, 9, 19)));  // the State Funeral
  EXPECT_TRUE(holidays_.Contains(Day(2023, 5, 8)));   // the coronation
  EXPECT_TRUE(holidays_.Contains(Day(2012, 6, 5)));   // Diamond Jubilee
  EXPECT_TRUE(holidays_.Contains(Day(2020, 5, 8)));   // VE day
  EXPECT_FALSE(holidays_.Contains(Day(2020, 5, 4)));  // moved to 8 May
}

TEST_F(WorkingDaysTest, SkipWeekends) {
  // Friday 30 October 2026 + 1 working day is Monday 2 November.
  EXPECT_EQ(AddWorkingDays(Day(2026, 10, 30), 1, holidays_), Day(2026, 11, 2));
  // Saturday + 1 is Monday; + 5 is the next Friday.
  EXPECT_EQ(AddWorkingDays(Day(2026, 10, 31), 1, holidays_), Day(2026, 11, 2));
  EXPECT_EQ(AddWorkingDays(Day(2026, 10, 31), 5, holidays_), Day(2026, 11, 6));
  EXPECT_EQ(AddWorkingDays(Day(2026, 11, 4), 0, holidays_), Day(2026, 11, 4));
  EXPECT_EQ(WorkingDaysBetween(Day(2026, 10, 30), Day(2026, 11, 6), holidays_),
            5);
}

TEST_F(WorkingDaysTest, SkipBankHolidays) {
  // Summer bank holiday, Monday 31 August 2026.
  EXPECT_EQ(AddWorkingDays(Day(2026, 8, 28), 1, holidays_), Day(2026, 9, 1));
  // 20 working days from Monday 12 September 2022 cross the State Funeral.
  EXPECT_EQ(AddWorkingDays(Day(2022, 9, 12), 20, holidays_), Day(2022, 10, 11));
  EXPECT_EQ(AddWorkingDays(Day(2022, 9, 12), 20, BankHolidays()),
            Day(2022, 10, 10));
}

TEST_F(WorkingDaysTest, CrossChristmasAndTheNewYear) {
  // 2026: Christmas is a Friday, Boxing Day's substitute Monday 28th.
  EXPECT_EQ(AddWorkingDays(Day(2026, 12, 23), 1, holidays_), Day(2026, 12, 24));
  EXPECT_EQ(AddWorkingDays(Day(2026, 12, 23), 2, holidays_), Day(2026, 12, 29));
  // New Year's Day 2027 is a Friday.
  EXPECT_EQ(AddWorkingDays(Day(2026, 12, 31), 1, holidays_), Day(2027, 1, 4));
  // 2021-22: both Christmas days and New Year's Day on weekends.
  EXPECT_EQ(AddWorkingDays(Day(2021, 12, 24), 1, holidays_), Day(2021, 12, 29));
  EXPECT_EQ(AddWorkingDays(Day(2021, 12, 31), 1, holidays_), Day(2022, 1, 4));
}

TEST_F(WorkingDaysTest, CrossEaster) {
  // Easter 2027: Good Friday 26 March, Easter Monday 29 March.
  EXPECT_EQ(AddWorkingDays(Day(2027, 3, 25), 1, holidays_), Day(2027, 3, 30));
  // Easter 2024: Good Friday 29 March, Easter Monday 1 April.
  EXPECT_EQ(AddWorkingDays(Day(2024, 3, 28), 5, holidays_), Day(2024, 4, 8));
}

TEST(CalendarTest, MonthsClampToTheMonthsEnd) {
  EXPECT_EQ(AddMonths(Day(2025, 1, 31), 1), Day(2025, 2, 28));
  EXPECT_EQ(AddMonths(Day(2024, 1, 31), 1), Day(2024, 2, 29));
  EXPECT_EQ(AddMonths(Day(2025, 11, 15), 3), Day(2026, 2, 15));
  v1::Timescale weeks;
  weeks.set_amount(11);
  weeks.set_unit(v1::TIMESCALE_UNIT_WEEKS);
  EXPECT_EQ(DueDate(Day(2026, 1, 5), weeks, BankHolidays()), Day(2026, 3, 23));
}

TEST(BankHolidaysTest, ParsesCommentsAndRefusesAnythingElse) {
  absl::StatusOr<BankHolidays> ok =
      BankHolidays::Parse("# a comment\n\n2030-12-25  # Christmas\n");
  ASSERT_THAT(ok.status(), IsOk());
  EXPECT_EQ(ok->size(), 1);
  EXPECT_TRUE(ok->Contains(Day(2030, 12, 25)));
  absl::Status bad = BankHolidays::Parse("2030-12-25\n2030-13-01\n").status();
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad.message()), HasSubstr("line 2"));
  EXPECT_THAT(BankHolidays::Load("/nonexistent/holidays.txt").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TimescalesTest, TheDefaultsAreValidAndEachHasASource) {
  v1::Timescales defaults = DefaultTimescales();
  EXPECT_EQ(defaults.timescales_size(), 10);
  for (const v1::Timescale& t : defaults.timescales()) {
    EXPECT_FALSE(t.source().empty()) << t.id();
    EXPECT_FALSE(t.description().empty()) << t.id();
    EXPECT_TRUE(t.enabled()) << t.id();
  }
  FieldErrors errors;
  ValidateTimescales(defaults, errors);
  EXPECT_TRUE(errors.empty());
}

TEST(TimescalesTest, AnUpdateNamesEveryTimescaleOnceWithASaneAmount) {
  v1::Timescales t = DefaultTimescales();
  t.mutable_timescales(0)->set_amount(0);
  t.mutable_timescales(1)->set_unit(v1::TIMESCALE_UNIT_UNSPECIFIED);
  *t.add_timescales() = t.timescales(2);
  t.mutable_timescales()->erase(t.mutable_timescales()->begin() + 3);
  t.add_timescales()->set_id("tea_breaks");
  FieldErrors errors;
  ValidateTimescales(t, errors);
  std::vector<std::string> fields;
  for (const FieldViolation& v : errors.violations()) fields.push_back(v.field);
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre("timescales.timescales[0].amount",
                                              "timescales.timescales[1].unit",
                                              "timescales.timescales[9].id",
                                              "timescales.timescales[10].id",
                                              "timescales.timescales"));
}

// Stop 41's probe: an over-long source was named twice, once in bytes.
TEST(TimescalesTest, ASourceIsOneLineOfAtMost500CharactersNamedOnce) {
  v1::Timescales t = DefaultTimescales();
  std::string euros;
  for (int i = 0; i < 500; ++i) euros += "\u20AC";
  t.mutable_timescales(0)->set_source(euros);  // 1,500 bytes: allowed
  t.mutable_timescales(1)->set_source(std::string(501, 's'));
  t.mutable_timescales(2)->set_source("two\nlines");
  FieldErrors errors;
  ValidateTimescales(t, errors);
  ASSERT_EQ(errors.violations().size(), 2u);
  EXPECT_EQ(errors.violations()[0].field, "timescales.timescales[1].source");
  EXPECT_EQ(errors.violations()[0].description,
            "is 501 characters; at most 500");
  EXPECT_EQ(errors.violations()[1].field, "timescales.timescales[2].source");
}

}  // namespace
}  // namespace raa
