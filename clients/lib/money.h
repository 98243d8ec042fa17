// Money as raa shows and reads it: google.type.Money in whole pence GBP on
// the wire (units and nanos, nanos a multiple of 10,000,000, both with the
// same sign), int64 pence inside, "£1,234.56" in tables and "1234.56" in
// CSV. Integer arithmetic only: no floating point anywhere, so "0.10" +
// "0.20" is 30 pence exactly.
//
//   ASSIGN_OR_RETURN(int64_t pence, ParsePounds("£1,234.56"));  // 123456
//   FormatPounds(-123456);  // "-£1,234.56"
//   CsvPounds(-123456);     // "-1234.56"
//   google::type::Money m = ToMoney(123456);  // units 1234, nanos 560000000
//
// Pure and thread-safe.
#ifndef RAAMATCH_CLIENTS_LIB_MONEY_H_
#define RAAMATCH_CLIENTS_LIB_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/type/money.pb.h"

namespace raa {

// The largest amount raa reads or writes: 10^12 pence (£10,000,000,000), as
// the ledger accepts.
inline constexpr int64_t kMaxPence = 1'000'000'000'000;

// Reads an amount in pounds and pence as a person or a spreadsheet writes
// it: "1234.56", "1,234.56", "£1,234.56", "1234.5" (50p), "1234", "-£12",
// "£-12", "(1,234.56)" (brackets: negative), surrounding spaces. Thousands
// separators must be in groups of three. INVALID_ARGUMENT saying what is
// wrong for anything else: more than two decimals ("1.234" is refused, never
// rounded), letters, an empty amount, two signs, more than kMaxPence.
absl::StatusOr<int64_t> ParsePounds(absl::string_view text);

// "£1,234.56"; "-£1,234.56" below zero; "£0.00".
std::string FormatPounds(int64_t pence);

// "1234.56", "-1234.56", "0.00": pounds with two decimals, no "£" and no
// separators, as a spreadsheet reads a number.
std::string CsvPounds(int64_t pence);

// GBP money for `pence`: units = pence / 100, nanos = (pence % 100) *
// 10^7, with the same sign.
google::type::Money ToMoney(int64_t pence);

// The pence of `money` (units * 100 + nanos / 10^7); a fraction of a penny
// is dropped toward zero (the server never sends one).
int64_t PenceOf(const google::type::Money& money);

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_MONEY_H_
