// Finds what would identify a person in the free text a registrar writes (a
// child's summary, a withdrawal reason): full dates, dates of birth, NHS
// numbers, phone numbers, email addresses and full UK postcodes. Profiles
// shared across the consortium must stay anonymous; ages and months say what
// a family finder needs.
//
//   std::optional<PersonalIdentifier> found =
//       ScanForPersonalIdentifier("Born 2020/03/01 in Leeds");
//   // found->kind == IdentifierKind::kFullDate, found->text == "2020/03/01"
//   errors.Add("summary", DescribePersonalIdentifier(*found));
//
// Contract:
// - The text is first normalised (NormalizeForScan): Unicode NFKC (so
//   full-width digits and "＠" read as ASCII), default-ignorable characters
//   (zero-width spaces and joiners, soft hyphens, bidi marks) removed, every
//   dash read as '-' and every space as ' '. "S1\u200B2HH" is a postcode.
// - The scan is linear in the length of the text: a hand-written tokenizer
//   and detectors that look at a bounded window around each token. There is
//   no regular expression and no backtracking over user input, so any length
//   is safe up to 2 GB (a million characters takes 10-250 ms, depending on
//   how dense its tokens are: bench/free_text_bench). Callers refuse
//   over-long text BEFORE scanning it (see CheckFreeText in validation.h).
// - Malformed UTF-8 is scanned byte by byte (bad bytes read as U+FFFD);
//   callers refuse it separately.
// - What is caught, in this order of report:
//   email: local@domain.tld, also with spaces around '@', and with the '@'
//     or a '.' of the domain spelled out to get past a filter ("jo (at)
//     example (dot) com", "[at]", "[dot]", any case);
//   full date: day, month and year as numbers with any one separator used
//     twice (/ . - \ or a space), day-month or month-day order, year of 2 or
//     4 digits (4 with a space); ISO year-month-day (with or without a time);
//     eight digits yyyymmdd or ddmmyyyy; a day and a month word with a year
//     ("12 March 2025", "12th of March, 2025", "12-March-2025",
//     "Mar. 12, 2025", "March 12th '25"), and as spreadsheets write them
//     ("12-Mar-25", "12/Mar/25", "2025-Mar-12");
//   date of birth: a day and month without a year (14/02, 14 Feb, Feb 14th)
//     at most three words from born, birthday, bday, DOB, d.o.b., birth
//     date or date of birth ("birth mother" is not one);
//   NHS number: ten digits that pass the modulus-11 check, written whole or
//     3-3-4 or 3-4-3 with spaces, dots or hyphens (any grouping after
//     "NHS");
//   phone number: UK numbers from 0 with 10-11 digits, +44 / 0044 with or
//     without "(0)", other international numbers after + or 00, in groups
//     joined by spaces, dots, hyphens or brackets;
//   postcode: a full UK postcode (outward and inward code, with or without
//     the space, or with a hyphen or a dot; "S1 2HH", "sw1a1aa", "S1-2HH");
//     an outward code alone ("S1") passes;
//   street address: a house number (maybe with a comma), one to three words
//     in title case, all in capitals or all in lower case and a street's
//     kind ("22 Park Road", "22, Park Road", "22 PARK ROAD", "at 22 park
//     road with"; not "10 MILE ROAD RACE", "2 dogs in the street" or "3
//     big road trips": in lower case no word that joins, points or
//     measures, the kind ends the address, and is not gardens, terrace,
//     grove or mews, which are ordinary words too).
// - What passes: ages and durations ("3 years", "aged 4", "6-8 months"),
//   fractions ("2/3 of"), times ("10:30"), a year alone ("in 2019"), month
//   and year ("since March 2024"), ratios ("1 in 5"), school years
//   ("Year 3"), percentages, weights ("1.5 kg"), gestation ("born at 34/40").
//
// Thread-safe: no state.
#ifndef RAAMATCH_COMMON_PERSONAL_DATA_H_
#define RAAMATCH_COMMON_PERSONAL_DATA_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace raa {

enum class IdentifierKind {
  kEmailAddress,
  kFullDate,
  kDateOfBirth,
  kNhsNumber,
  kPhoneNumber,
  kPostcode,
  kStreetAddress,
};

struct PersonalIdentifier {
  IdentifierKind kind;
  // What was found, as normalised (e.g. "2020/03/01"); may be long: quote it
  // through Quoted() (common/errors.h).
  std::string text;
};

// The text as the scanner reads it (see the contract above).
std::string NormalizeForScan(absl::string_view text);

// The first identifier found (by the order above), or nullopt.
std::optional<PersonalIdentifier> ScanForPersonalIdentifier(
    absl::string_view text);

// A field violation's description: what was found (quoted, at most 40
// characters) and what to write instead, e.g. `contains a full date
// ("2020/03/01"); give ages or months instead`.
std::string DescribePersonalIdentifier(const PersonalIdentifier& found);

// DescribePersonalIdentifier of the scan, or nullopt if the text is clean.
std::optional<std::string> FindPersonalIdentifier(absl::string_view text);

}  // namespace raa

#endif  // RAAMATCH_COMMON_PERSONAL_DATA_H_
