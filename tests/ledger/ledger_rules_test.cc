// The ledger's rules (services/ledger/ledger_rules.h) and the shipped
// schedules (default_schedules.h) on hand-worked cases: every expected
// figure below is worked out in the comment beside it, not computed by the
// code under test. Settlement also gets a seeded random property test.
#include "services/ledger/ledger_rules.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/dates.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/ledger/default_schedules.h"

namespace raa::ledger_rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr v1::AuthorityKind kLa = v1::AUTHORITY_KIND_LOCAL_AUTHORITY;
constexpr v1::AuthorityKind kVaa = v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY;
constexpr v1::AuthorityKind kRaa = v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY;

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

void SetRate(v1::FeeRate* rate, v1::AuthorityKind kind,
             std::vector<Pence> amounts, Pence monthly) {
  rate->set_agency_kind(kind);
  rate->clear_by_children();
  for (Pence p : amounts) *rate->add_by_children() = ToMoney(p);
  *rate->mutable_monthly_fee() = ToMoney(monthly);
}

// A schedule from `from`: LA `la`, VAA `vaa` (pence, 1..5+ children).
v1::FeeSchedule Schedule(int64_t version, absl::CivilDay from,
                         std::vector<Pence> la, std::vector<Pence> vaa,
                         Pence monthly = 225000) {
  v1::FeeSchedule s;
  s.set_version(version);
  *s.mutable_effective_from() = ToDate(from);
  SetRate(s.add_rates(), kLa, la, monthly);
  SetRate(s.add_rates(), kVaa, vaa, monthly);
  s.set_london_weighting_percent(10);
  s.set_monthly_fee_after_months(12);
  s.set_disruption_refund_percent(0);
  s.set_source("a test");
  return s;
}

Pence Fee(std::span<const v1::FeeSchedule> schedules, absl::CivilDay day,
          v1::AuthorityKind kind, bool london, int children) {
  absl::StatusOr<FeeQuote> quote =
      PlacementFee(schedules, day, Agency{kind, london}, children);
  EXPECT_TRUE(quote.ok()) << quote.status();
  return quote.ok() ? quote->amount : -1;
}

// Journal entries as the store would hold them after `postings`, ids from
// `next_id` on.
std::vector<JournalEntry> Journal(std::vector<JournalEntry> existing,
                                  const std::vector<Posting>& postings,
                                  int64_t& next_id) {
  for (const Posting& p : postings) {
    JournalEntry e;
    e.id = next_id++;
    e.type = p.type;
    e.debit = p.debit;
    e.credit = p.credit;
    e.amount = p.amount;
    e.value_date = p.value_date;
    e.link_id = p.link_id;
    e.reverses = p.reverses;
    e.month = p.month;
    e.schedule_version = p.schedule_version;
    existing.push_back(e);
  }
  return existing;
}

JournalEntry Entry(int64_t id, v1::EntryType type, std::string debit,
                   std::string credit, Pence amount, absl::CivilDay day) {
  JournalEntry e;
  e.id = id;
  e.type = type;
  e.debit = std::move(debit);
  e.credit = std::move(credit);
  e.amount = amount;
  e.value_date = day;
  return e;
}

// ---- money on the wire ----

TEST(MoneyTest, PenceGoToUnitsAndNanosWithTheSameSign) {
  google::type::Money m = ToMoney(123456);
  EXPECT_EQ(m.currency_code(), "GBP");
  EXPECT_EQ(m.units(), 1234);
  EXPECT_EQ(m.nanos(), 560000000);
  m = ToMoney(-150);
  EXPECT_EQ(m.units(), -1);
  EXPECT_EQ(m.nanos(), -500000000);
  m = ToMoney(-5);
  EXPECT_EQ(m.units(), 0);
  EXPECT_EQ(m.nanos(), -50000000);
}

TEST(MoneyTest, FromMoneyReadsWholePenceInGbpAndNamesTheFieldOtherwise) {
  FieldErrors errors;
  EXPECT_EQ(FromMoney(ToMoney(3924500), "amount", errors), 3924500);
  EXPECT_EQ(FromMoney(ToMoney(-150), "amount", errors), -150);
  google::type::Money empty_currency;
  empty_currency.set_units(12);
  empty_currency.set_nanos(300000000);
  EXPECT_EQ(FromMoney(empty_currency, "amount", errors), 1230);
  EXPECT_TRUE(errors.empty());

  auto error_of = [](google::type::Money m) -> std::string {
    FieldErrors e;
    EXPECT_EQ(FromMoney(m, "payment.amount", e), 0);
    EXPECT_EQ(e.violations().size(), 1u);
    if (e.violations().empty()) return "";
    EXPECT_EQ(e.violations()[0].field, "payment.amount");
    return e.violations()[0].description;
  };
  google::type::Money m;
  m.set_currency_code("USD");
  m.set_units(5);
  EXPECT_THAT(error_of(m), HasSubstr("GBP"));
  m = ToMoney(0);
  m.set_nanos(5);  // half a millionth of a penny
  EXPECT_THAT(error_of(m), HasSubstr("whole number of pence"));
  m = ToMoney(0);
  m.set_units(1);
  m.set_nanos(-10000000);
  EXPECT_THAT(error_of(m), HasSubstr("same sign"));
  m = ToMoney(0);
  m.set_nanos(1000000000);
  EXPECT_THAT(error_of(m), HasSubstr("nanos"));
  m = ToMoney(0);
  m.set_units(10'000'000'001);
  EXPECT_THAT(error_of(m), HasSubstr("beyond"));
  m.set_units(10'000'000'000);  // exactly 10^12 pence
  FieldErrors ok;
  EXPECT_EQ(FromMoney(m, "x", ok), 1'000'000'000'000);
  EXPECT_TRUE(ok.empty());
}

// ---- schedules ----

TEST(ScheduleTest, TheShippedSchedulesAreValid) {
  std::vector<v1::FeeSchedule> shipped = ledger::DefaultFeeSchedules();
  ASSERT_EQ(shipped.size(), 2u);
  EXPECT_EQ(shipped[0].version(), 1);
  EXPECT_EQ(shipped[1].version(), 2);
  EXPECT_EQ(FormatDate(shipped[0].effective_from()), "2000-04-01");
  EXPECT_EQ(FormatDate(shipped[1].effective_from()), "2025-04-01");
  for (const v1::FeeSchedule& s : shipped) {
    EXPECT_EQ(s.created_by(), "shipped");
    EXPECT_THAT(s.source(), HasSubstr("seed 001"));
    EXPECT_EQ(s.london_weighting_percent(), 10);
    EXPECT_EQ(s.monthly_fee_after_months(), 12);
    EXPECT_EQ(s.disruption_refund_percent(), 0);
    EXPECT_FALSE(s.has_consortium_rate());
  }
}

TEST(ScheduleTest, TheShippedSchedulesPriceTheFiguresOfTheSources) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  // LA/RAA, one child, 2026: GBP 27,000 (agreed 2011, unchanged).
  EXPECT_EQ(Fee(s, Day(2026, 6, 1), kLa, false, 1), 2'700'000);
  EXPECT_EQ(Fee(s, Day(2026, 6, 1), kRaa, false, 1), 2'700'000);
  // VAA, one child: GBP 27,000 the day before 1 April 2025, GBP 39,245 from
  // it.
  EXPECT_EQ(Fee(s, Day(2025, 3, 31), kVaa, false, 1), 2'700'000);
  EXPECT_EQ(Fee(s, Day(2025, 4, 1), kVaa, false, 1), 3'924'500);
  // A London VAA from 1 April 2025: 39,245 + 10% (3,924.50) = 43,169.50.
  EXPECT_EQ(Fee(s, Day(2025, 4, 1), kVaa, true, 1), 4'316'950);
  // Seed 001's 2011-12 VAA table: 27,000 / 44,194 / 61,000.
  EXPECT_EQ(Fee(s, Day(2011, 9, 1), kVaa, false, 1), 2'700'000);
  EXPECT_EQ(Fee(s, Day(2011, 9, 1), kVaa, false, 2), 4'419'400);
  EXPECT_EQ(Fee(s, Day(2011, 9, 1), kVaa, false, 3), 6'100'000);
  // Two siblings with a London VAA in 2025: 44,194 + 4,419.40 = 48,613.40.
  EXPECT_EQ(Fee(s, Day(2025, 6, 1), kVaa, true, 2), 4'861'340);
  // Scotland's table for LA/RAA siblings.
  EXPECT_EQ(Fee(s, Day(2026, 6, 1), kLa, false, 2), 4'300'000);
  EXPECT_EQ(Fee(s, Day(2026, 6, 1), kLa, false, 5), 8'000'000);
  // Monthly fees: 1/12 of the one-child rate (an assumption the file
  // states): 27,000 / 12 = 2,250; 39,245 / 12 = 3,270.42.
  absl::StatusOr<FeeQuote> monthly =
      MonthlyFee(s, Day(2025, 4, 1), Agency{kVaa, false}, 1);
  ASSERT_TRUE(monthly.ok());
  EXPECT_EQ(monthly->amount, 327'042);
  monthly = MonthlyFee(s, Day(2024, 4, 1), Agency{kLa, false}, 3);
  ASSERT_TRUE(monthly.ok());
  EXPECT_EQ(monthly->amount, 225'000);
}

TEST(ScheduleTest, TheScheduleInForceIsTheLatestNotAfterTheDay) {
  std::vector<v1::FeeSchedule> s = {
      Schedule(1, Day(2020, 4, 1), {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}),
      Schedule(2, Day(2025, 4, 1), {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}),
      Schedule(3, Day(2025, 4, 1), {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5})};
  EXPECT_EQ(ScheduleFor(s, Day(2020, 3, 31)), nullptr);
  EXPECT_EQ(ScheduleFor(s, Day(2020, 4, 1))->version(), 1);
  EXPECT_EQ(ScheduleFor(s, Day(2025, 3, 31))->version(), 1);
  // Two from the same day: the one added later.
  EXPECT_EQ(ScheduleFor(s, Day(2025, 4, 1))->version(), 3);
  EXPECT_EQ(ScheduleFor({}, Day(2025, 4, 1)), nullptr);
}

TEST(ScheduleTest, NoScheduleInForceIsAFailedPrecondition) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  absl::StatusOr<FeeQuote> quote =
      PlacementFee(s, Day(2000, 3, 31), Agency{kLa, false}, 1);
  EXPECT_EQ(quote.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(quote.status().message(), HasSubstr("2000-03-31"));
  EXPECT_EQ(
      PlacementFee(s, Day(2025, 1, 1), Agency{kLa, false}, 0).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(ScheduleTest, ValidationNamesEveryWrongField) {
  std::vector<v1::FeeSchedule> shipped = ledger::DefaultFeeSchedules();
  auto fields_of = [&](const v1::FeeSchedule& s,
                       const v1::FeeSchedule* latest) {
    FieldErrors errors;
    ValidateSchedule(s, latest, "schedule", errors);
    std::vector<std::string> fields;
    for (const FieldViolation& v : errors.violations()) {
      fields.push_back(v.field);
    }
    return fields;
  };
  EXPECT_THAT(fields_of(shipped[1], &shipped[0]), IsEmpty());
  // The same date as the latest is allowed; an earlier one is not.
  EXPECT_THAT(fields_of(shipped[1], &shipped[1]), IsEmpty());
  EXPECT_THAT(fields_of(shipped[0], &shipped[1]),
              ElementsAre("schedule.effective_from"));

  v1::FeeSchedule s = shipped[1];
  s.mutable_rates()->RemoveLast();  // no VAA rate
  EXPECT_THAT(fields_of(s, nullptr), ElementsAre("schedule.rates"));

  s = shipped[1];
  s.mutable_rates(0)->mutable_by_children()->RemoveLast();       // 4 amounts
  s.mutable_rates(1)->mutable_by_children(2)->set_units(40000);  // < 44,194
  *s.mutable_rates(1)->mutable_by_children(4) = ToMoney(-1);
  s.mutable_rates(1)->clear_monthly_fee();
  s.set_london_weighting_percent(101);
  s.set_disruption_refund_percent(-1);
  s.set_monthly_fee_after_months(0);
  s.set_source("");
  s.clear_effective_from();
  EXPECT_THAT(
      fields_of(s, nullptr),
      ElementsAre("schedule.effective_from", "schedule.rates[0].by_children",
                  "schedule.rates[1].by_children[2]",
                  "schedule.rates[1].by_children[4]",
                  "schedule.rates[1].monthly_fee",
                  "schedule.london_weighting_percent",
                  "schedule.disruption_refund_percent",
                  "schedule.monthly_fee_after_months", "schedule.source"));

  // Shown to every finance officer, in a terminal too: no escape sequence,
  // control or bidi character, and something visible.
  for (const std::string& source :
       {std::string("DfE \x1b]0;PAY ALL\x07 rates"), std::string("a\0b", 3),
        std::string("\u202e2026 rates"), std::string("\u200b\u200b")}) {
    s = shipped[1];
    s.set_source(source);
    EXPECT_THAT(fields_of(s, nullptr), ElementsAre("schedule.source"))
        << source;
  }

  s = shipped[1];
  s.mutable_rates(1)->set_agency_kind(kLa);  // two LA rates, no VAA
  s.set_monthly_fee_after_months(61);
  s.set_source(std::string(2001, 'x'));
  s.mutable_effective_from()->set_month(2);
  s.mutable_effective_from()->set_day(30);
  EXPECT_THAT(
      fields_of(s, nullptr),
      ElementsAre("schedule.effective_from", "schedule.rates[1].agency_kind",
                  "schedule.rates", "schedule.monthly_fee_after_months",
                  "schedule.source"));

  s = shipped[1];
  s.mutable_consortium_rate()->add_by_children()->set_units(1);
  EXPECT_THAT(fields_of(s, nullptr),
              ElementsAre("schedule.consortium_rate.by_children",
                          "schedule.consortium_rate.monthly_fee"));
  SetRate(s.mutable_consortium_rate(), v1::AUTHORITY_KIND_UNSPECIFIED,
          {0, 0, 0, 0, 0}, 0);
  EXPECT_THAT(fields_of(s, nullptr), IsEmpty());

  // At most £1,000,000 an amount: a fee beyond it, weighted for London,
  // would pass the money bound the API keeps everywhere else.
  s = shipped[1];
  *s.mutable_rates(0)->mutable_by_children(4) = ToMoney(1'000'000'00);
  *s.mutable_rates(0)->mutable_monthly_fee() = ToMoney(1'000'000'00);
  EXPECT_THAT(fields_of(s, nullptr), IsEmpty());
  *s.mutable_rates(0)->mutable_by_children(4) = ToMoney(1'000'000'01);
  *s.mutable_rates(1)->mutable_monthly_fee() = ToMoney(1'000'000'000'000);
  EXPECT_THAT(fields_of(s, nullptr),
              ElementsAre("schedule.rates[0].by_children[4]",
                          "schedule.rates[1].monthly_fee"));
}

// ---- the fee ----

TEST(PlacementFeeTest, SiblingCountsOneToSixUseTheFifthAmountFromFive) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  const Pence la[] = {2'700'000, 4'300'000, 6'000'000,
                      6'800'000, 8'000'000, 8'000'000};
  const Pence vaa_2025[] = {3'924'500, 4'419'400, 6'100'000,
                            6'800'000, 8'000'000, 8'000'000};
  for (int children = 1; children <= 6; ++children) {
    EXPECT_EQ(Fee(s, Day(2025, 5, 1), kLa, false, children), la[children - 1])
        << children;
    EXPECT_EQ(Fee(s, Day(2025, 5, 1), kVaa, false, children),
              vaa_2025[children - 1])
        << children;
  }
  absl::StatusOr<FeeQuote> six =
      PlacementFee(s, Day(2025, 5, 1), Agency{kVaa, false}, 6);
  ASSERT_TRUE(six.ok());
  EXPECT_EQ(six->description,
            "VAA rate for 6 children (the rate for 5 or more) from the "
            "schedule of 2025-04-01 (v2)");
}

TEST(PlacementFeeTest, LondonWeightingRoundsHalfUpToThePenny) {
  // GBP 123.45 + 10% = 123.45 + 12.345 → 12.35 (half up) = 135.80;
  // GBP 123.44 + 10% = 123.44 + 12.344 → 12.34 = 135.78.
  std::vector<v1::FeeSchedule> s = {
      Schedule(1, Day(2020, 4, 1), {12345, 12345, 12345, 12345, 12345},
               {12344, 12344, 12344, 12344, 12344})};
  EXPECT_EQ(Fee(s, Day(2021, 1, 1), kLa, true, 1), 13580);
  EXPECT_EQ(Fee(s, Day(2021, 1, 1), kVaa, true, 1), 13578);
  EXPECT_EQ(Fee(s, Day(2021, 1, 1), kLa, false, 1), 12345);
  // 15% of 123.45 = 18.5175 → 18.52: 141.97.
  s[0].set_london_weighting_percent(15);
  EXPECT_EQ(Fee(s, Day(2021, 1, 1), kLa, true, 1), 14197);
  absl::StatusOr<FeeQuote> quote =
      PlacementFee(s, Day(2021, 1, 1), Agency{kRaa, true}, 2);
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(quote->schedule_version, 1);
  EXPECT_EQ(quote->description,
            "LA/RAA rate for 2 children from the schedule of 2020-04-01 "
            "(v1), +15% London weighting");
}

TEST(PlacementFeeTest, AConsortiumRateReplacesTheRatesAndTheWeighting) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  v1::FeeSchedule consortium = s[1];
  consortium.set_version(3);
  *consortium.mutable_effective_from() = ToDate(Day(2026, 4, 1));
  SetRate(consortium.mutable_consortium_rate(), kLa,
          {1'000'000, 1'500'000, 2'000'000, 2'000'000, 2'500'000}, 50'000);
  s.push_back(consortium);
  EXPECT_EQ(Fee(s, Day(2026, 4, 1), kVaa, true, 1), 1'000'000);
  EXPECT_EQ(Fee(s, Day(2026, 4, 1), kLa, false, 3), 2'000'000);
  EXPECT_EQ(Fee(s, Day(2026, 4, 1), kRaa, true, 7), 2'500'000);
  // The day before, the shipped rates: London VAA 43,169.50.
  EXPECT_EQ(Fee(s, Day(2026, 3, 31), kVaa, true, 1), 4'316'950);
  absl::StatusOr<FeeQuote> monthly =
      MonthlyFee(s, Day(2026, 5, 1), Agency{kVaa, true}, 1);
  ASSERT_TRUE(monthly.ok());
  EXPECT_EQ(monthly->amount, 50'000);
  absl::StatusOr<FeeQuote> quote =
      PlacementFee(s, Day(2026, 4, 1), Agency{kVaa, true}, 1);
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(quote->description,
            "consortium rate for 1 child from the schedule of 2026-04-01 (v3)");
}

TEST(PlacementFeeTest, LondonWeightingAppliesToTheMonthlyFee) {
  // 2,250.00 + 10% = 2,475.00; 3,270.42 + 327.042 → 327.04 = 3,597.46.
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  EXPECT_EQ(MonthlyFee(s, Day(2024, 1, 1), Agency{kLa, true}, 1)->amount,
            247'500);
  EXPECT_EQ(MonthlyFee(s, Day(2025, 4, 1), Agency{kVaa, true}, 2)->amount,
            359'746);
}

// ---- postings ----

Placement VaaPlacement(absl::CivilDay placed_on) {
  Placement p;
  p.link_id = 7;
  p.payer = "leeds";
  p.payee = "barnardos";
  p.payee_agency = Agency{kVaa, false};
  p.children = 1;
  p.placed_on = placed_on;
  return p;
}

TEST(PostingsTest, APlacementPostsOneFeeAtTheRateInForce) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  absl::StatusOr<std::vector<Posting>> post =
      PostingsForPlacement(VaaPlacement(Day(2025, 4, 1)), {}, s, "placed");
  ASSERT_TRUE(post.ok()) << post.status();
  ASSERT_EQ(post->size(), 1u);
  const Posting& fee = (*post)[0];
  EXPECT_EQ(fee.type, v1::ENTRY_TYPE_FEE);
  EXPECT_EQ(fee.debit, "leeds");
  EXPECT_EQ(fee.credit, "barnardos");
  EXPECT_EQ(fee.amount, 3'924'500);
  EXPECT_EQ(fee.value_date, Day(2025, 4, 1));
  EXPECT_EQ(fee.link_id, 7);
  EXPECT_EQ(fee.reference, "RAA-l7");
  EXPECT_EQ(fee.children, 1);
  EXPECT_EQ(fee.schedule_version, 2);
  EXPECT_EQ(fee.description,
            "VAA rate for 1 child from the schedule of 2025-04-01 (v2)");
  EXPECT_EQ(fee.reverses, 0);
}

TEST(PostingsTest, NothingIsPostedWhenThePayerIsThePayee) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  Placement own = VaaPlacement(Day(2025, 4, 1));
  own.payee = own.payer;
  absl::StatusOr<std::vector<Posting>> post =
      PostingsForPlacement(own, {}, s, "placed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
}

TEST(PostingsTest, AZeroConsortiumRatePostsNothing) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  SetRate(s[1].mutable_consortium_rate(), kLa, {0, 0, 0, 0, 0}, 0);
  absl::StatusOr<std::vector<Posting>> post =
      PostingsForPlacement(VaaPlacement(Day(2025, 5, 1)), {}, s, "placed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
  // A correction from a charged date into the free one reverses the fee and
  // charges nothing.
  int64_t next_id = 1;
  absl::StatusOr<std::vector<Posting>> first =
      PostingsForPlacement(VaaPlacement(Day(2025, 3, 1)), {}, s, "placed");
  ASSERT_TRUE(first.ok());
  std::vector<JournalEntry> journal = Journal({}, *first, next_id);
  post = PostingsForPlacement(VaaPlacement(Day(2025, 5, 1)), journal, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 1u);
  EXPECT_EQ((*post)[0].type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ((*post)[0].amount, 2'700'000);
  journal = Journal(journal, *post, next_id);
  EXPECT_FALSE(LiveFee(journal).has_value());
  // And a replay of the free placement: still nothing.
  post =
      PostingsForPlacement(VaaPlacement(Day(2025, 5, 1)), journal, s, "placed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
}

TEST(PostingsTest, NoScheduleInForceIsAFailedPrecondition) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  EXPECT_EQ(PostingsForPlacement(VaaPlacement(Day(1999, 1, 1)), {}, s, "")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PostingsTest, CorrectionsWithinAYearRepriceOnlyWhenTheAmountChanges) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  int64_t next_id = 10;
  // Placed 20 March 2025: the 2011-12 VAA rate, 27,000.
  auto post =
      PostingsForPlacement(VaaPlacement(Day(2025, 3, 20)), {}, s, "placed");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 1u);
  EXPECT_EQ((*post)[0].amount, 2'700'000);
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);  // e10

  // A replay of the same placement: nothing.
  post = PostingsForPlacement(VaaPlacement(Day(2025, 3, 20)), journal, s,
                              "placed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());

  // Corrected to 25 March: same schedule, same amount, same year: nothing.
  post = PostingsForPlacement(VaaPlacement(Day(2025, 3, 25)), journal, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());

  // Corrected to 2 April: 39,245 now. The old fee is reversed in full and a
  // new one posted.
  post = PostingsForPlacement(VaaPlacement(Day(2025, 4, 2)), journal, s,
                              "date corrected by the social worker");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 2u);
  const Posting& reversal = (*post)[0];
  EXPECT_EQ(reversal.type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(reversal.debit, "barnardos");
  EXPECT_EQ(reversal.credit, "leeds");
  EXPECT_EQ(reversal.amount, 2'700'000);
  EXPECT_EQ(reversal.reverses, 10);
  // Dated as the fee it undoes: 2024-25 nets to nothing.
  EXPECT_EQ(reversal.value_date, Day(2025, 3, 20));
  EXPECT_EQ(reversal.link_id, 7);
  EXPECT_EQ(reversal.reference, "RAA-l7");
  EXPECT_THAT(reversal.description,
              HasSubstr("date corrected by the social worker"));
  const Posting& fee = (*post)[1];
  EXPECT_EQ(fee.type, v1::ENTRY_TYPE_FEE);
  EXPECT_EQ(fee.amount, 3'924'500);
  EXPECT_EQ(fee.schedule_version, 2);
  journal = Journal(journal, *post, next_id);  // e11 reversal, e12 fee
  ASSERT_TRUE(LiveFee(journal).has_value());
  EXPECT_EQ(LiveFee(journal)->id, 12);

  // A replay of the correction: nothing.
  post = PostingsForPlacement(VaaPlacement(Day(2025, 4, 2)), journal, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
  // Nor a replay of it in another order of the journal.
  std::vector<JournalEntry> reversed_order(journal.rbegin(), journal.rend());
  post = PostingsForPlacement(VaaPlacement(Day(2025, 4, 2)), reversed_order, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());

  // Corrected back to 20 March: the 39,245 is reversed, 27,000 charged.
  post = PostingsForPlacement(VaaPlacement(Day(2025, 3, 20)), journal, s,
                              "corrected back");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 2u);
  EXPECT_EQ((*post)[0].reverses, 12);
  EXPECT_EQ((*post)[0].amount, 3'924'500);
  EXPECT_EQ((*post)[0].value_date, Day(2025, 4, 2));
  EXPECT_EQ((*post)[1].amount, 2'700'000);
  journal = Journal(journal, *post, next_id);  // e13, e14
  EXPECT_EQ(LiveFee(journal)->id, 14);
  // The link owes 27,000 net, exactly once, and all of it in 2024-25, the
  // year it was placed in: 2025-26 nets to nothing.
  for (absl::CivilDay on : {Day(2025, 3, 31), Day(2030, 1, 1)}) {
    EXPECT_THAT(
        PositionsOf(journal, on),
        ElementsAre(Pair("barnardos", 2'700'000), Pair("leeds", -2'700'000)))
        << on;
  }
}

TEST(PostingsTest, ACorrectionIntoAnotherYearMovesTheFeeAtTheSameRate) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  int64_t next_id = 1;
  // 28 March and 2 April 2024: the same schedule, 27,000 either way.
  auto post =
      PostingsForPlacement(VaaPlacement(Day(2024, 3, 28)), {}, s, "placed");
  ASSERT_TRUE(post.ok());
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);  // e1
  post = PostingsForPlacement(VaaPlacement(Day(2024, 4, 2)), journal, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 2u);
  EXPECT_EQ((*post)[0].type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ((*post)[0].reverses, 1);
  EXPECT_EQ((*post)[0].value_date, Day(2024, 3, 28));
  EXPECT_THAT((*post)[0].description,
              HasSubstr("Moved: the placement date is now 2024-04-02"));
  EXPECT_EQ((*post)[1].type, v1::ENTRY_TYPE_FEE);
  EXPECT_EQ((*post)[1].amount, 2'700'000);
  EXPECT_EQ((*post)[1].value_date, Day(2024, 4, 2));
  journal = Journal(journal, *post, next_id);
  EXPECT_THAT(PositionsOf(journal, Day(2024, 3, 31)),
              ElementsAre(Pair("barnardos", 0), Pair("leeds", 0)));
  EXPECT_THAT(
      PositionsOf(journal, Day(2024, 4, 2)),
      ElementsAre(Pair("barnardos", 2'700'000), Pair("leeds", -2'700'000)));
  // A replay of the correction, and one within the year: nothing.
  for (absl::CivilDay on : {Day(2024, 4, 2), Day(2024, 4, 9)}) {
    post = PostingsForPlacement(VaaPlacement(on), journal, s, "again");
    ASSERT_TRUE(post.ok());
    EXPECT_THAT(*post, IsEmpty()) << on;
  }
}

TEST(PostingsTest, AScheduleAddedLaterNeverChangesAFeeAlreadyAccrued) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  int64_t next_id = 1;
  auto post =
      PostingsForPlacement(VaaPlacement(Day(2026, 5, 1)), {}, s, "placed");
  ASSERT_TRUE(post.ok());
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);
  // A schedule from 1 April 2026 with a higher VAA rate, added afterwards.
  s.push_back(
      Schedule(3, Day(2026, 4, 1),
               {2'700'000, 2'700'000, 2'700'000, 2'700'000, 2'700'000},
               {4'000'000, 4'000'000, 4'000'000, 4'000'000, 4'000'000}));
  post = PostingsForPlacement(VaaPlacement(Day(2026, 5, 1)), journal, s,
                              "replayed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
  // A real correction of the date is priced by the schedule in force.
  post = PostingsForPlacement(VaaPlacement(Day(2026, 5, 2)), journal, s,
                              "date corrected");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 2u);
  EXPECT_EQ((*post)[1].amount, 4'000'000);
}

TEST(PostingsTest, OtherLinksFeesAreNotThisLinksLiveFee) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  JournalEntry other = Entry(3, v1::ENTRY_TYPE_FEE, "leeds", "barnardos",
                             2'700'000, Day(2025, 3, 20));
  other.link_id = 8;
  auto post = PostingsForPlacement(VaaPlacement(Day(2025, 3, 20)), {&other, 1},
                                   s, "placed");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 1u);
  EXPECT_EQ((*post)[0].type, v1::ENTRY_TYPE_FEE);
}

std::vector<v1::FeeSchedule> RefundingSchedules(int percent) {
  // LA 123.45 for one child, refund `percent` on disruption.
  std::vector<v1::FeeSchedule> s = {
      Schedule(1, Day(2020, 4, 1), {12345, 20000, 30000, 40000, 50000},
               {12345, 20000, 30000, 40000, 50000})};
  s[0].set_disruption_refund_percent(percent);
  return s;
}

TEST(EndingTest, AnEndingRefundsThePercentRoundedHalfUpOnce) {
  std::vector<v1::FeeSchedule> s = RefundingSchedules(50);
  int64_t next_id = 1;
  Placement p = VaaPlacement(Day(2024, 1, 10));
  auto post = PostingsForPlacement(p, {}, s, "placed");
  ASSERT_TRUE(post.ok());
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);  // e1
  // 50% of 123.45 = 61.725 → 61.73.
  std::vector<Posting> refund =
      PostingsForEnding(journal, s, Day(2024, 3, 1), "disrupted: family");
  ASSERT_EQ(refund.size(), 1u);
  EXPECT_EQ(refund[0].type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(refund[0].amount, 6173);
  EXPECT_EQ(refund[0].reverses, 1);
  EXPECT_EQ(refund[0].debit, "barnardos");
  EXPECT_EQ(refund[0].credit, "leeds");
  EXPECT_EQ(refund[0].value_date, Day(2024, 3, 1));
  EXPECT_EQ(refund[0].reference, "RAA-l7");
  EXPECT_THAT(refund[0].description, HasSubstr("disrupted: family"));
  EXPECT_THAT(refund[0].description, HasSubstr("50%"));
  journal = Journal(journal, refund, next_id);
  // The fee is still live (not reversed in full), and a replay of the
  // ending posts nothing.
  EXPECT_EQ(LiveFee(journal)->id, 1);
  Pence reversed = 0;
  LiveFee(journal, &reversed);
  EXPECT_EQ(reversed, 6173);
  EXPECT_THAT(PostingsForEnding(journal, s, Day(2024, 3, 1), "again"),
              IsEmpty());
  EXPECT_THAT(PostingsForEnding(journal, s, Day(2024, 4, 1), "later"),
              IsEmpty());
  // And a replay of the placement neither.
  post = PostingsForPlacement(p, journal, s, "placed");
  ASSERT_TRUE(post.ok());
  EXPECT_THAT(*post, IsEmpty());
  // Net: 123.45 - 61.73 = 61.72 owed.
  EXPECT_THAT(PositionsOf(journal, Day(2030, 1, 1)),
              ElementsAre(Pair("barnardos", 6172), Pair("leeds", -6172)));
}

TEST(EndingTest, ThirtyThreePercentAndAHundredPercent) {
  // 33% of 123.45 = 40.7385 → 40.74; 100% is the whole fee.
  for (auto [percent, expected] :
       std::vector<std::pair<int, Pence>>{{33, 4074}, {100, 12345}, {1, 123}}) {
    std::vector<v1::FeeSchedule> s = RefundingSchedules(percent);
    int64_t next_id = 1;
    auto post = PostingsForPlacement(VaaPlacement(Day(2024, 1, 10)), {}, s, "");
    ASSERT_TRUE(post.ok());
    std::vector<JournalEntry> journal = Journal({}, *post, next_id);
    std::vector<Posting> refund =
        PostingsForEnding(journal, s, Day(2024, 2, 1), "ended");
    ASSERT_EQ(refund.size(), 1u) << percent;
    EXPECT_EQ(refund[0].amount, expected) << percent;
    journal = Journal(journal, refund, next_id);
    EXPECT_THAT(PostingsForEnding(journal, s, Day(2024, 2, 1), "ended"),
                IsEmpty());
  }
}

TEST(EndingTest, NothingWithoutALiveFeeOrARefundablePart) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  EXPECT_THAT(PostingsForEnding({}, s, Day(2025, 1, 1), "ended"), IsEmpty());
  int64_t next_id = 1;
  auto post = PostingsForPlacement(VaaPlacement(Day(2025, 5, 1)), {}, s, "");
  ASSERT_TRUE(post.ok());
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);
  // The shipped schedules refund nothing (fees are paid in full).
  EXPECT_THAT(PostingsForEnding(journal, s, Day(2025, 6, 1), "ended"),
              IsEmpty());
}

TEST(EndingTest, ARepricingReversalIsNotARefund) {
  std::vector<v1::FeeSchedule> s = RefundingSchedules(50);
  s.push_back(s[0]);
  s[1].set_version(2);
  *s[1].mutable_effective_from() = ToDate(Day(2025, 4, 1));
  SetRate(s[1].mutable_rates(1), kVaa, {20000, 20000, 30000, 40000, 50000},
          100);
  int64_t next_id = 1;
  auto post = PostingsForPlacement(VaaPlacement(Day(2025, 3, 1)), {}, s, "");
  ASSERT_TRUE(post.ok());
  std::vector<JournalEntry> journal = Journal({}, *post, next_id);
  post = PostingsForPlacement(VaaPlacement(Day(2025, 4, 1)), journal, s,
                              "corrected");
  ASSERT_TRUE(post.ok());
  ASSERT_EQ(post->size(), 2u);
  journal = Journal(journal, *post, next_id);  // e2 reversal, e3 fee 200.00
  std::vector<Posting> refund =
      PostingsForEnding(journal, s, Day(2025, 5, 1), "ended");
  ASSERT_EQ(refund.size(), 1u);
  EXPECT_EQ(refund[0].reverses, 3);
  EXPECT_EQ(refund[0].amount, 10000);
}

TEST(EndingTest, TheRefundIsTheScheduleThatPricedTheFee) {
  // v1 (from 2020) refunds 50%; v2, added later from 2024, refunds nothing.
  // A fee of 1 June 2024 priced by v1 before v2 was added keeps v1's terms.
  std::vector<v1::FeeSchedule> s = RefundingSchedules(50);
  JournalEntry fee = Entry(1, v1::ENTRY_TYPE_FEE, "leeds", "barnardos", 12345,
                           Day(2024, 6, 1));
  fee.link_id = 7;
  fee.schedule_version = 1;
  s.push_back(RefundingSchedules(0)[0]);
  s[1].set_version(2);
  *s[1].mutable_effective_from() = ToDate(Day(2024, 1, 1));
  std::vector<Posting> refund =
      PostingsForEnding({&fee, 1}, s, Day(2024, 7, 1), "ended");
  ASSERT_EQ(refund.size(), 1u);
  EXPECT_EQ(refund[0].amount, 6173);
  // Without the version, the schedule in force on the fee's date (v2).
  fee.schedule_version = 0;
  EXPECT_THAT(PostingsForEnding({&fee, 1}, s, Day(2024, 7, 1), "ended"),
              IsEmpty());
}

TEST(CheckBalancedDeathTest, AnUnbalancedPostingIsABug) {
  Posting p;
  p.type = v1::ENTRY_TYPE_FEE;
  p.debit = "leeds";
  p.credit = "barnardos";
  p.amount = 1;
  CheckBalanced({&p, 1});  // fine
  Posting zero = p;
  zero.amount = 0;
  EXPECT_DEATH(CheckBalanced({&zero, 1}), "amount > 0");
  Posting self = p;
  self.credit = "leeds";
  EXPECT_DEATH(CheckBalanced({&self, 1}), "debit != p.credit");
  Posting reversal = p;
  reversal.type = v1::ENTRY_TYPE_REVERSAL;
  EXPECT_DEATH(CheckBalanced({&reversal, 1}), "names no entry");
}

// ---- monthly fees ----

TEST(MonthlyFeeTest, DueFromTheMonthThatEndsAfterTwelveMonths) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  auto due = [&](absl::CivilDay placed, absl::CivilMonth month,
                 std::optional<absl::CivilDay> order = std::nullopt,
                 std::optional<absl::CivilDay> ended = std::nullopt) {
    return MonthlyFeeDue(s, placed, order, ended, month);
  };
  // Placed 15 October 2025: twelve months end 15 October 2026; October 2026
  // ends after that, September does not.
  EXPECT_FALSE(due(Day(2025, 10, 15), absl::CivilMonth(2026, 9)));
  EXPECT_TRUE(due(Day(2025, 10, 15), absl::CivilMonth(2026, 10)));
  EXPECT_TRUE(due(Day(2025, 10, 15), absl::CivilMonth(2027, 3)));
  EXPECT_FALSE(due(Day(2025, 10, 15), absl::CivilMonth(2025, 10)));
  // Placed 31 October 2025: twelve months end 31 October 2026, the last day
  // of the month: November is the first month due.
  EXPECT_FALSE(due(Day(2025, 10, 31), absl::CivilMonth(2026, 10)));
  EXPECT_TRUE(due(Day(2025, 10, 31), absl::CivilMonth(2026, 11)));
  // Placed 29 February 2024: twelve months end 28 February 2025.
  EXPECT_FALSE(due(Day(2024, 2, 29), absl::CivilMonth(2025, 2)));
  EXPECT_TRUE(due(Day(2024, 2, 29), absl::CivilMonth(2025, 3)));
  // Placed 1 October 2025: twelve months end 1 October 2026.
  EXPECT_TRUE(due(Day(2025, 10, 1), absl::CivilMonth(2026, 10)));
  EXPECT_FALSE(due(Day(2025, 10, 1), absl::CivilMonth(2026, 9)));
  // The adoption order on 20 October 2026: October is still due (the order
  // came in the month), November is not.
  EXPECT_TRUE(
      due(Day(2025, 10, 15), absl::CivilMonth(2026, 10), Day(2026, 10, 20)));
  EXPECT_FALSE(
      due(Day(2025, 10, 15), absl::CivilMonth(2026, 11), Day(2026, 10, 20)));
  // An order on the 1st: nothing of that month is after it; on the 2nd, the
  // month is due.
  EXPECT_FALSE(
      due(Day(2025, 10, 15), absl::CivilMonth(2026, 11), Day(2026, 11, 1)));
  EXPECT_TRUE(
      due(Day(2025, 10, 15), absl::CivilMonth(2026, 11), Day(2026, 11, 2)));
  // The placement ended on 31 October 2026: November is not due.
  EXPECT_FALSE(due(Day(2025, 10, 15), absl::CivilMonth(2026, 11), std::nullopt,
                   Day(2026, 10, 31)));
  // An order before the fee was ever due.
  EXPECT_FALSE(
      due(Day(2025, 10, 15), absl::CivilMonth(2026, 10), Day(2026, 6, 1)));
  // No schedule in force on the placement date: never due.
  EXPECT_FALSE(due(Day(1999, 1, 1), absl::CivilMonth(2026, 10)));
}

TEST(MonthlyFeeTest, MonthsNoLongerDueAreReversedOnce) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  // Placed 15 October 2025 (LA rate); October to December 2026 charged.
  std::vector<JournalEntry> journal;
  for (int m : {10, 11, 12}) {
    JournalEntry e;
    e.id = m;
    e.type = v1::ENTRY_TYPE_MONTHLY_FEE;
    e.debit = "sheffield";
    e.credit = "leeds";
    e.amount = 2'250'00;
    e.value_date = absl::CivilDay(absl::CivilMonth(2026, m + 1)) - 1;
    e.link_id = 7;
    e.month = absl::StrCat("2026-", m);
    journal.push_back(e);
  }
  // Nothing changes while no order or end is known.
  EXPECT_THAT(PostingsForMonthsNoLongerDue(journal, s, Day(2025, 10, 15),
                                           std::nullopt, std::nullopt, "x"),
              IsEmpty());
  // The order was made on 20 October: November and December were not due.
  std::vector<Posting> out = PostingsForMonthsNoLongerDue(
      journal, s, Day(2025, 10, 15), Day(2026, 10, 20), std::nullopt,
      "adoption order made on 2026-10-20");
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ(out[0].reverses, 11);
  EXPECT_EQ(out[0].debit, "leeds");
  EXPECT_EQ(out[0].credit, "sheffield");
  EXPECT_EQ(out[0].amount, 2'250'00);
  EXPECT_EQ(out[0].month, "2026-11");
  EXPECT_EQ(out[0].value_date, Day(2026, 11, 30));
  EXPECT_EQ(out[1].reverses, 12);
  // Once posted, a replay posts nothing.
  for (const Posting& p : out) {
    JournalEntry e;
    e.id = 100 + p.reverses;
    e.type = p.type;
    e.debit = p.debit;
    e.credit = p.credit;
    e.amount = p.amount;
    e.link_id = p.link_id;
    e.reverses = p.reverses;
    e.month = p.month;
    journal.push_back(e);
  }
  EXPECT_THAT(
      PostingsForMonthsNoLongerDue(journal, s, Day(2025, 10, 15),
                                   Day(2026, 10, 20), std::nullopt, "again"),
      IsEmpty());
}

TEST(MonthlyFeeTest, MonthsPricedAtAnotherAmountAreReversedOnce) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  // Charged at the 2000 schedule's VAA rate (v1), as placed 28 March 2025:
  // due from March 2026.
  auto fee = [](int64_t id, absl::CivilMonth month, int64_t amount,
                int64_t version, int64_t link) {
    JournalEntry e;
    e.id = id;
    e.type = v1::ENTRY_TYPE_MONTHLY_FEE;
    e.debit = "leeds";
    e.credit = "barnardos";
    e.amount = amount;
    e.link_id = link;
    e.month = absl::FormatCivilTime(month);
    e.schedule_version = version;
    return e;
  };
  using M = absl::CivilMonth;
  std::vector<JournalEntry> journal = {
      fee(1, M(2026, 10), 2'250'00, 1, 7),  // the old rate
      fee(2, M(2026, 11), 2'250'00, 0, 7),  // from before versions
      fee(3, M(2026, 12), 3'270'42, 2, 7),  // already the new amount
      fee(4, M(2027, 1), 3'270'42, 0, 7),   // so, from before versions
      fee(5, M(2026, 10), 2'250'00, 1, 8),  // another link's
      fee(6, M(2026, 3), 2'250'00, 1, 7),   // not due from 2 April 2025
      fee(7, M(2026, 9), 2'250'00, 1, 7),   // reversed already (by id 9)
  };
  JournalEntry reversal;
  reversal.id = 9;
  reversal.type = v1::ENTRY_TYPE_REVERSAL;
  reversal.reverses = 7;
  reversal.link_id = 7;
  journal.push_back(reversal);
  // Placed 2 April 2025 after all: the v2 amount, 3,270.42 a month.
  absl::StatusOr<std::vector<Posting>> out = PostingsForMonthsRepriced(
      VaaPlacement(Day(2025, 4, 2)), journal, s, std::nullopt, std::nullopt,
      "placement date corrected");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(*out, SizeIs(2));
  EXPECT_EQ((*out)[0].type, v1::ENTRY_TYPE_REVERSAL);
  EXPECT_EQ((*out)[0].reverses, 1);
  EXPECT_EQ((*out)[0].amount, 2'250'00);
  EXPECT_EQ((*out)[0].debit, "barnardos");
  EXPECT_EQ((*out)[0].value_date, Day(2026, 10, 31));
  EXPECT_THAT((*out)[0].description,
              HasSubstr("priced again: placement date corrected"));
  EXPECT_EQ((*out)[1].reverses, 2);
  // An order on 1 December: December and January are no longer due, and
  // are not this function's to reverse.
  out = PostingsForMonthsRepriced(VaaPlacement(Day(2025, 3, 28)), journal, s,
                                  Day(2026, 12, 1), std::nullopt, "back");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, IsEmpty());
  // Without it, on the old date the v1 fees stay; December's and January's
  // at the v2 amount move.
  out = PostingsForMonthsRepriced(VaaPlacement(Day(2025, 3, 28)), journal, s,
                                  std::nullopt, std::nullopt, "back");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(*out, SizeIs(2));
  EXPECT_EQ((*out)[0].reverses, 3);
  EXPECT_EQ((*out)[1].reverses, 4);
  // An LA's monthly fee is 2,250.00 in both schedules: nothing moves.
  Placement la = VaaPlacement(Day(2025, 4, 2));
  la.payee_agency = Agency{kLa, false};
  out = PostingsForMonthsRepriced(la, journal, s, std::nullopt, std::nullopt,
                                  "x");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(*out, SizeIs(2));  // only the two at 3,270.42
  EXPECT_EQ((*out)[0].reverses, 3);
  // No schedule in force: the caller is told, as for the fee.
  EXPECT_EQ(PostingsForMonthsRepriced(VaaPlacement(Day(1999, 1, 1)), journal, s,
                                      std::nullopt, std::nullopt, "x")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(MonthlyFeeTest, TheMonthsAfterComeFromTheScheduleThatPricedThePlacement) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  s[0].set_monthly_fee_after_months(6);
  // Placed 15 January 2025 under v1 (6 months): due from July 2025.
  EXPECT_FALSE(MonthlyFeeDue(s, Day(2025, 1, 15), std::nullopt, std::nullopt,
                             absl::CivilMonth(2025, 6)));
  EXPECT_TRUE(MonthlyFeeDue(s, Day(2025, 1, 15), std::nullopt, std::nullopt,
                            absl::CivilMonth(2025, 7)));
  // Placed 15 April 2025 under v2 (12 months).
  EXPECT_FALSE(MonthlyFeeDue(s, Day(2025, 4, 15), std::nullopt, std::nullopt,
                             absl::CivilMonth(2025, 10)));
}

TEST(MonthlyFeeTest, TheMonthlyFeePosting) {
  std::vector<v1::FeeSchedule> s = ledger::DefaultFeeSchedules();
  Placement p = VaaPlacement(Day(2025, 10, 15));
  auto posting = MonthlyFeePosting(p, s, std::nullopt, std::nullopt,
                                   absl::CivilMonth(2026, 10));
  ASSERT_TRUE(posting.ok()) << posting.status();
  ASSERT_TRUE(posting->has_value());
  const Posting& m = **posting;
  EXPECT_EQ(m.type, v1::ENTRY_TYPE_MONTHLY_FEE);
  EXPECT_EQ(m.debit, "leeds");
  EXPECT_EQ(m.credit, "barnardos");
  EXPECT_EQ(m.amount, 327'042);
  EXPECT_EQ(m.value_date, Day(2026, 10, 31));
  EXPECT_EQ(m.month, "2026-10");
  EXPECT_EQ(m.reference, "RAA-l7-2026-10");
  EXPECT_EQ(m.schedule_version, 2);
  EXPECT_EQ(m.link_id, 7);
  // Not yet due, or the order made: nothing.
  posting = MonthlyFeePosting(p, s, std::nullopt, std::nullopt,
                              absl::CivilMonth(2026, 9));
  ASSERT_TRUE(posting.ok());
  EXPECT_FALSE(posting->has_value());
  posting = MonthlyFeePosting(p, s, Day(2026, 9, 30), std::nullopt,
                              absl::CivilMonth(2026, 10));
  ASSERT_TRUE(posting.ok());
  EXPECT_FALSE(posting->has_value());
  // February's monthly fee counts from its last day.
  posting = MonthlyFeePosting(p, s, std::nullopt, std::nullopt,
                              absl::CivilMonth(2028, 2));
  ASSERT_TRUE(posting.ok() && posting->has_value());
  EXPECT_EQ((*posting)->value_date, Day(2028, 2, 29));
  EXPECT_EQ(MonthlyFeeReference(7, "2028-02"), "RAA-l7-2028-02");
  EXPECT_EQ(FeeReference(12), "RAA-l12");
}

// ---- positions, debts, settlement ----

std::vector<JournalEntry> ThreeMembers() {
  return {
      // Leeds places a child with Barnardo's: 27,000.
      Entry(1, v1::ENTRY_TYPE_FEE, "leeds", "barnardos", 2'700'000,
            Day(2025, 1, 10)),
      // York places two children with Leeds: 43,000.
      Entry(2, v1::ENTRY_TYPE_FEE, "york", "leeds", 4'300'000,
            Day(2025, 2, 10)),
      // Leeds pays Barnardo's 10,000: debit the payee, credit the payer.
      Entry(3, v1::ENTRY_TYPE_PAYMENT, "barnardos", "leeds", 1'000'000,
            Day(2025, 3, 10)),
      // After the cut-off of the tests below.
      Entry(4, v1::ENTRY_TYPE_FEE, "barnardos", "york", 500'000,
            Day(2025, 12, 1)),
  };
}

TEST(PositionsTest, CreditsMinusDebitsSummingToZero) {
  std::vector<JournalEntry> entries = ThreeMembers();
  // Barnardo's: +27,000 - 10,000 = 17,000; Leeds: -27,000 + 43,000 +
  // 10,000 = 26,000; York: -43,000.
  EXPECT_THAT(PositionsOf(entries, Day(2025, 6, 30)),
              ElementsAre(Pair("barnardos", 1'700'000),
                          Pair("leeds", 2'600'000), Pair("york", -4'300'000)));
  // Before the payment.
  EXPECT_THAT(PositionsOf(entries, Day(2025, 3, 9)),
              ElementsAre(Pair("barnardos", 2'700'000),
                          Pair("leeds", 1'600'000), Pair("york", -4'300'000)));
  EXPECT_THAT(PositionsOf(entries, Day(2024, 1, 1)), IsEmpty());
  // Members whose entries cancel out are kept with 0.
  std::vector<JournalEntry> cancel = {
      Entry(1, v1::ENTRY_TYPE_FEE, "leeds", "york", 100, Day(2025, 1, 1)),
      Entry(2, v1::ENTRY_TYPE_REVERSAL, "york", "leeds", 100, Day(2025, 1, 2))};
  EXPECT_THAT(PositionsOf(cancel, Day(2025, 1, 2)),
              ElementsAre(Pair("leeds", 0), Pair("york", 0)));
  EXPECT_EQ(EffectOn(entries[0], "leeds"), -2'700'000);
  EXPECT_EQ(EffectOn(entries[0], "barnardos"), 2'700'000);
  EXPECT_EQ(EffectOn(entries[0], "york"), 0);
}

TEST(DebtsTest, NetForEachPairLargestFirst) {
  std::vector<JournalEntry> entries = ThreeMembers();
  // Barnardo's places with Leeds 5,000: Leeds owes Barnardo's 17,000 -
  // 5,000 = 12,000 net.
  entries.push_back(Entry(5, v1::ENTRY_TYPE_FEE, "barnardos", "leeds", 500'000,
                          Day(2025, 4, 1)));
  std::vector<Debt> debts = PairwiseDebts(entries, Day(2025, 6, 30));
  ASSERT_EQ(debts.size(), 2u);
  EXPECT_EQ(debts[0].debtor, "york");
  EXPECT_EQ(debts[0].creditor, "leeds");
  EXPECT_EQ(debts[0].amount, 4'300'000);
  EXPECT_EQ(debts[1].debtor, "leeds");
  EXPECT_EQ(debts[1].creditor, "barnardos");
  EXPECT_EQ(debts[1].amount, 1'200'000);
  // Barnardo's places with Leeds another 20,000: now Barnardo's owes Leeds
  // 8,000.
  entries.push_back(Entry(6, v1::ENTRY_TYPE_FEE, "barnardos", "leeds",
                          2'000'000, Day(2025, 4, 2)));
  debts = PairwiseDebts(entries, Day(2025, 6, 30));
  ASSERT_EQ(debts.size(), 2u);
  EXPECT_EQ(debts[1].debtor, "barnardos");
  EXPECT_EQ(debts[1].creditor, "leeds");
  EXPECT_EQ(debts[1].amount, 800'000);
  // A pair that nets to zero owes nothing.
  entries.push_back(Entry(7, v1::ENTRY_TYPE_PAYMENT, "leeds", "barnardos",
                          800'000, Day(2025, 5, 1)));
  debts = PairwiseDebts(entries, Day(2025, 6, 30));
  ASSERT_EQ(debts.size(), 1u);
  EXPECT_EQ(debts[0].debtor, "york");
}

TEST(SettlementTest, HandWorkedPlans) {
  // York owes 43,000; Leeds is owed 26,000 and Barnardo's 17,000.
  std::vector<Debt> plan = PlanSettlement(
      {{"barnardos", 1'700'000}, {"leeds", 2'600'000}, {"york", -4'300'000}});
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].debtor, "york");
  EXPECT_EQ(plan[0].creditor, "leeds");
  EXPECT_EQ(plan[0].amount, 2'600'000);
  EXPECT_EQ(plan[1].debtor, "york");
  EXPECT_EQ(plan[1].creditor, "barnardos");
  EXPECT_EQ(plan[1].amount, 1'700'000);
  // A chain a → b → c of 100 each nets to one payment a → c.
  plan = PlanSettlement({{"a", -100}, {"b", 0}, {"c", 100}});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].debtor, "a");
  EXPECT_EQ(plan[0].creditor, "c");
  EXPECT_EQ(plan[0].amount, 100);
  // Nothing to settle.
  EXPECT_THAT(PlanSettlement({}), IsEmpty());
  EXPECT_THAT(PlanSettlement({{"a", 0}, {"b", 0}}), IsEmpty());
  // Four members: largest debtor d (-70) to largest creditor a (50): 50;
  // d (-20) to b (30): 20; c (-10) to b (10): 10.
  plan = PlanSettlement({{"a", 50}, {"b", 30}, {"c", -10}, {"d", -70}});
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].debtor, "d");
  EXPECT_EQ(plan[0].creditor, "a");
  EXPECT_EQ(plan[0].amount, 50);
  EXPECT_EQ(plan[1].debtor, "d");
  EXPECT_EQ(plan[1].creditor, "b");
  EXPECT_EQ(plan[1].amount, 20);
  EXPECT_EQ(plan[2].debtor, "c");
  EXPECT_EQ(plan[2].creditor, "b");
  EXPECT_EQ(plan[2].amount, 10);
}

TEST(SettlementTest, SeededRandomPositionsAreClearedWithAtMostMembersLessOne) {
  std::mt19937_64 random(20261201);
  for (int round = 0; round < 2000; ++round) {
    int members = std::uniform_int_distribution<int>(1, 15)(random);
    Positions positions;
    Pence sum = 0;
    for (int m = 0; m < members; ++m) {
      Pence pence = 0;
      int shape = std::uniform_int_distribution<int>(0, 3)(random);
      if (shape == 1) {
        pence = std::uniform_int_distribution<Pence>(-10'000'000,
                                                     10'000'000)(random);
      } else if (shape == 2) {
        pence = std::uniform_int_distribution<Pence>(-3, 3)(random);
      } else if (shape == 3) {
        pence = 2'700'000 * std::uniform_int_distribution<int>(-3, 3)(random);
      }
      if (m == members - 1) pence = -sum;  // the positions sum to zero
      sum += pence;
      positions.emplace_back("m" + std::to_string(100 + m), pence);
    }
    ASSERT_EQ(sum, 0);
    int with_balance = 0;
    for (const auto& [member, pence] : positions) with_balance += pence != 0;

    std::vector<Debt> plan = PlanSettlement(positions);
    if (with_balance == 0) {
      EXPECT_THAT(plan, IsEmpty());
      continue;
    }
    EXPECT_LE(static_cast<int>(plan.size()), with_balance - 1) << round;
    std::map<std::string, Pence> left(positions.begin(), positions.end());
    std::map<std::string, Pence> start = left;
    for (size_t i = 0; i < plan.size(); ++i) {
      const Debt& d = plan[i];
      EXPECT_GT(d.amount, 0);
      if (i > 0) {
        EXPECT_GE(plan[i - 1].amount, d.amount) << "largest first";
      }
      // Only debtors pay and only creditors are paid.
      EXPECT_LT(start[d.debtor], 0);
      EXPECT_GT(start[d.creditor], 0);
      left[d.debtor] += d.amount;
      left[d.creditor] -= d.amount;
    }
    for (const auto& [member, pence] : left) {
      EXPECT_EQ(pence, 0) << member << " in round " << round;
    }
  }
}

TEST(SettlementTest, AHundredThousandEntriesAmongFifteenMembersAgree) {
  // Seeded random fees, payments and reversals among 15 members; an
  // independent tally of each member and each ordered pair checks the
  // positions, the debts and the plan.
  std::mt19937_64 random(15);
  std::vector<std::string> members;
  for (int m = 0; m < 15; ++m) members.push_back("member-" + std::to_string(m));
  std::vector<JournalEntry> entries;
  std::map<std::string, Pence> expected;
  std::map<std::pair<std::string, std::string>, Pence> owes;  // debit→credit
  const absl::CivilDay as_of = Day(2026, 3, 31);
  for (int i = 0; i < 100'000; ++i) {
    int d = std::uniform_int_distribution<int>(0, 14)(random);
    int c = std::uniform_int_distribution<int>(0, 13)(random);
    if (c >= d) ++c;
    Pence amount = std::uniform_int_distribution<Pence>(1, 8'000'000)(random);
    absl::CivilDay day =
        Day(2023, 4, 1) + std::uniform_int_distribution<int>(0, 1460)(random);
    entries.push_back(
        Entry(i + 1, i % 3 == 0 ? v1::ENTRY_TYPE_PAYMENT : v1::ENTRY_TYPE_FEE,
              members[d], members[c], amount, day));
    if (day > as_of) continue;
    expected[members[c]] += amount;
    expected[members[d]] -= amount;
    owes[{members[d], members[c]}] += amount;
  }
  auto start = std::chrono::steady_clock::now();
  Positions positions = PositionsOf(entries, as_of);
  std::vector<Debt> debts = PairwiseDebts(entries, as_of);
  std::vector<Debt> plan = PlanSettlement(positions);
  auto took = std::chrono::steady_clock::now() - start;
  std::cout
      << "positions, debts and plan of 100,000 entries in "
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms\n";

  ASSERT_EQ(positions.size(), 15u);
  for (const auto& [member, pence] : positions) {
    EXPECT_EQ(pence, expected[member]) << member;
  }
  // Each pair once, net, largest first; a member's debts add up to its
  // position.
  std::map<std::string, Pence> from_debts;
  std::set<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < debts.size(); ++i) {
    const Debt& d = debts[i];
    EXPECT_GT(d.amount, 0);
    if (i > 0) {
      EXPECT_GE(debts[i - 1].amount, d.amount);
    }
    EXPECT_TRUE(pairs.insert(std::minmax(d.debtor, d.creditor)).second);
    Pence net = owes[std::make_pair(d.debtor, d.creditor)] -
                owes[std::make_pair(d.creditor, d.debtor)];
    EXPECT_EQ(d.amount, net);
    from_debts[d.creditor] += d.amount;
    from_debts[d.debtor] -= d.amount;
  }
  for (const auto& [member, pence] : positions) {
    EXPECT_EQ(from_debts[member], pence) << member;
  }
  EXPECT_LE(plan.size(), 14u);
}

TEST(SettlementDeathTest, PositionsThatDoNotSumToZeroAreABug) {
  EXPECT_DEATH(PlanSettlement({{"a", 1}, {"b", 0}}), "sum to 1 pence");
}

// ---- periods and budgets ----

TEST(PeriodTest, FinancialYearsRunAprilToMarch) {
  auto [from, to] = FinancialYear(2026);
  EXPECT_EQ(from, Day(2026, 4, 1));
  EXPECT_EQ(to, Day(2027, 3, 31));
  EXPECT_EQ(FinancialYearOf(Day(2027, 3, 31)), 2026);
  EXPECT_EQ(FinancialYearOf(Day(2026, 4, 1)), 2026);
  EXPECT_EQ(FinancialYearOf(Day(2026, 3, 31)), 2025);
  EXPECT_EQ(FinancialYearOf(Day(2026, 12, 31)), 2026);
  EXPECT_EQ(FinancialYearOf(Day(2027, 1, 1)), 2026);
}

TEST(BudgetTest, WarningsAtSeventyFiveAndAHundredPercent) {
  // Leicester's GBP 177,700 budget (seed 001).
  const Pence budget = 17'770'000;
  // 74%: 131,498.00; 75% exactly: 133,275.00.
  EXPECT_EQ(WarningFor(13'149'800, budget), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(PercentOf(13'149'800, budget), 74);
  EXPECT_EQ(WarningFor(13'327'499, budget), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(PercentOf(13'327'499, budget), 74);
  EXPECT_EQ(WarningFor(13'327'500, budget), v1::BUDGET_WARNING_NEAR);
  EXPECT_EQ(PercentOf(13'327'500, budget), 75);
  // 99%: one penny short of the budget.
  EXPECT_EQ(WarningFor(17'769'999, budget), v1::BUDGET_WARNING_NEAR);
  EXPECT_EQ(PercentOf(17'769'999, budget), 99);
  EXPECT_EQ(WarningFor(17'770'000, budget), v1::BUDGET_WARNING_OVER);
  EXPECT_EQ(PercentOf(17'770'000, budget), 100);
  // Seed 001's three VAA placements (27,000 + 44,194 + 61,000 = 132,194):
  // 74.39%.
  EXPECT_EQ(PercentOf(13'219'400, budget), 74);
  EXPECT_EQ(WarningFor(13'219'400, budget), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(PercentOf(35'540'000, budget), 200);
  // 75% of 100.01 is 75.0075: 75.00 is under it, 75.01 not.
  EXPECT_EQ(WarningFor(7500, 10001), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(WarningFor(7501, 10001), v1::BUDGET_WARNING_NEAR);
  // No budget.
  EXPECT_EQ(WarningFor(0, 0), v1::BUDGET_WARNING_NONE);
  EXPECT_EQ(WarningFor(1, 0), v1::BUDGET_WARNING_OVER);
  EXPECT_EQ(PercentOf(1, 0), 0);
  EXPECT_EQ(PercentOf(-500, budget), 0);
  EXPECT_EQ(WarningFor(-500, budget), v1::BUDGET_WARNING_NONE);
}

}  // namespace
}  // namespace raa::ledger_rules
