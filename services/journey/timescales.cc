#include "services/journey/timescales.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/free_text.h"

namespace raa {
namespace {

struct Default {
  absl::string_view id;
  int amount;
  v1::TimescaleUnit unit;
  absl::string_view description;
  absl::string_view source;
};

// A timescale's source cites documents and their dates: one line, not
// scanned for personal identifiers (it describes no child or family).
constexpr FreeTextRule kSourceText{0, kMaxReasonChars, false, false};

// The shipped timescales. Sources: the seeds in shared/seeds (000 the
// council's adoption service plan, 001 Leicester's adoption report, 003 the
// agency's action plan, 004 Sheffield's adoption improvement plan and its
// milestone form).
constexpr Default kDefaults[] = {
    {kInitialPackCompleted, 20, v1::TIMESCALE_UNIT_WORKING_DAYS,
     "the completed initial adoption pack is received within 20 working days "
     "of the pack being sent (COMPLETED_PACK_RECEIVED after "
     "INITIAL_PACK_SENT)",
     "seed 004: Sheffield milestone form, \"we would expect the pack to be "
     "returned ... within 20 working days\""},
    {kAdmAfterPanel, 7, v1::TIMESCALE_UNIT_DAYS,
     "the agency decision maker decides the match within 7 days of the "
     "panel's recommendation (a link's MATCH_DECIDED after "
     "PANEL_RECOMMENDED)",
     "seed 003: \"All agency decision makers decisions are made within 7 "
     "days\""},
    {kDecisionAfterPar, 5, v1::TIMESCALE_UNIT_WORKING_DAYS,
     "the decision to proceed is made within 5 working days of receiving "
     "the prospective adopter report (APPROVAL after "
     "PROSPECTIVE_ADOPTER_REPORT)",
     "seed 004: \"The decision to progress ... must be made ... within 5 "
     "working days of receiving the PAR\""},
    {kAnnexA, 4, v1::TIMESCALE_UNIT_WEEKS,
     "the Annex A report is completed within 4 weeks of the child being "
     "placed (the child's ANNEX_A_REPORT after a link's PLACED)",
     "seed 004: Sheffield improvement plan, \"Annex A to be completed within "
     "4 weeks of the child being placed\""},
    {kOrderApplication, 11, v1::TIMESCALE_UNIT_WEEKS,
     "the adoption order application is submitted within 11 weeks of "
     "placement (a link's ORDER_APPLIED after PLACED)",
     "seed 004: Sheffield improvement plan, \"Adoption Order application "
     "will be submitted within 11 weeks from placement\""},
    {kStageOne, 2, v1::TIMESCALE_UNIT_MONTHS,
     "stage one (pre-qualification) lasts at most 2 months (STAGE_TWO_START "
     "after STAGE_ONE_START)",
     "seed 001 §4.2: \"the first stage ... last 2 months\""},
    {kStageTwo, 4, v1::TIMESCALE_UNIT_MONTHS,
     "stage two (assessment) lasts at most 4 months (APPROVAL after "
     "STAGE_TWO_START)",
     "seed 001 §4.2: \"the second stage will last 4 months\""},
    {kNationalRegisterChild, 3, v1::TIMESCALE_UNIT_MONTHS,
     "a waiting child with no link is referred to the national register 3 "
     "months after the placement order (or the SHOBPA decision while there "
     "is no order)",
     "seed 000: \"Automatic referral of children to the National Adoption "
     "Register after a referral period of 3 months\"; seed 001: refer "
     "children to the NAR within three months"},
    {kNationalRegisterHousehold, 3, v1::TIMESCALE_UNIT_MONTHS,
     "an approved household not matched is referred to the national "
     "register 3 months after approval",
     "seed 001: \"refer adopters to the NAR within three months of their "
     "approval\""},
    {kReviewActions, 0, v1::TIMESCALE_UNIT_DAYS,
     "the actions of a child's latest tracking review are done by their due "
     "dates",
     "seed 004: city-wide adoption tracking meetings, \"actions taken in "
     "agreed timescales\""},
};

const Default* FindDefault(absl::string_view id) {
  for (const Default& d : kDefaults) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

absl::CivilDay LastDayOf(absl::CivilMonth month) {
  return absl::CivilDay(month + 1) - 1;
}

}  // namespace

absl::StatusOr<BankHolidays> BankHolidays::Parse(absl::string_view text) {
  BankHolidays out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::optional<google::type::Date> date = ParseDate(line);
    std::optional<absl::CivilDay> day;
    if (date.has_value()) day = ToCivilDay(*date);
    if (!day.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bank holidays: line ", line_number, " (\"", line,
                       "\") is not a YYYY-MM-DD date"));
    }
    out.days_.insert(*day);
  }
  return out;
}

absl::StatusOr<BankHolidays> BankHolidays::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the bank holidays file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<BankHolidays> parsed = Parse(text.str());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", parsed.status().message()));
  }
  return parsed;
}

bool IsWorkingDay(absl::CivilDay day, const BankHolidays& holidays) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w != absl::Weekday::saturday && w != absl::Weekday::sunday &&
         !holidays.Contains(day);
}

absl::CivilDay AddWorkingDays(absl::CivilDay from, int n,
                              const BankHolidays& holidays) {
  absl::CivilDay day = from;
  while (n > 0) {
    ++day;
    if (IsWorkingDay(day, holidays)) --n;
  }
  return day;
}

absl::CivilDay AddMonths(absl::CivilDay from, int n) {
  const absl::CivilMonth month = absl::CivilMonth(from) + n;
  const absl::CivilDay same(month.year(), month.month(), from.day());
  // CivilDay normalises 31 February to 3 March: clamp to the month's end.
  if (absl::CivilMonth(same) != month) return LastDayOf(month);
  return same;
}

absl::CivilDay DueDate(absl::CivilDay from, const v1::Timescale& t,
                       const BankHolidays& holidays) {
  switch (t.unit()) {
    case v1::TIMESCALE_UNIT_WORKING_DAYS:
      return AddWorkingDays(from, t.amount(), holidays);
    case v1::TIMESCALE_UNIT_WEEKS:
      return from + 7 * t.amount();
    case v1::TIMESCALE_UNIT_MONTHS:
      return AddMonths(from, t.amount());
    case v1::TIMESCALE_UNIT_DAYS:
    default:
      return from + t.amount();
  }
}

int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to,
                       const BankHolidays& holidays) {
  if (to < from) return -WorkingDaysBetween(to, from, holidays);
  int n = 0;
  for (absl::CivilDay d = from + 1; d <= to; ++d) {
    if (IsWorkingDay(d, holidays)) ++n;
  }
  return n;
}

v1::Timescales DefaultTimescales() {
  v1::Timescales out;
  out.set_version(0);
  for (const Default& d : kDefaults) {
    v1::Timescale* t = out.add_timescales();
    t->set_id(std::string(d.id));
    t->set_description(std::string(d.description));
    t->set_amount(d.amount);
    t->set_unit(d.unit);
    t->set_source(std::string(d.source));
    t->set_enabled(true);
  }
  return out;
}

std::string DescribeTimescale(absl::string_view id) {
  const Default* d = FindDefault(id);
  return d == nullptr ? std::string() : std::string(d->description);
}

void ValidateTimescales(const v1::Timescales& timescales, FieldErrors& errors) {
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < timescales.timescales_size(); ++i) {
    const v1::Timescale& t = timescales.timescales(i);
    const std::string at = absl::StrCat("timescales.timescales[", i, "]");
    const Default* d = FindDefault(t.id());
    if (d == nullptr) {
      errors.Add(absl::StrCat(at, ".id"),
                 absl::StrCat("\"", t.id(),
                              "\" is not a timescale the "
                              "service tracks (see GetTimescales)"));
      continue;
    }
    if (!seen.emplace(t.id(), i).second) {
      errors.Add(absl::StrCat(at, ".id"),
                 absl::StrCat("\"", t.id(), "\" is given twice"));
    }
    if (t.id() == kReviewActions) {
      if (t.amount() != 0) {
        errors.Add(absl::StrCat(at, ".amount"),
                   "must be 0: each review action is due on its own date");
      }
    } else if (t.amount() < 1 || t.amount() > 365) {
      errors.Add(absl::StrCat(at, ".amount"), "must be 1-365");
    }
    if (!v1::TimescaleUnit_IsValid(t.unit()) ||
        t.unit() == v1::TIMESCALE_UNIT_UNSPECIFIED) {
      errors.Add(absl::StrCat(at, ".unit"),
                 "is required: DAYS, WORKING_DAYS, WEEKS or MONTHS");
    }
    CheckFreeText(t.source(), absl::StrCat(at, ".source"), kSourceText, errors);
  }
  for (const Default& d : kDefaults) {
    if (!seen.contains(d.id)) {
      errors.Add("timescales.timescales",
                 absl::StrCat("\"", d.id,
                              "\" is missing: give every "
                              "timescale, each once"));
    }
  }
}

}  // namespace raa
