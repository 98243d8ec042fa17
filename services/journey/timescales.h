// The national timescales as data, and the calendar they are counted on:
// working days (Monday to Friday, skipping England's bank holidays, read
// from a data file an operator can extend: data/bank-holidays-england.txt),
// weeks and calendar months. Pure: no gRPC, no SQL, no clock.
//
//   ASSIGN_OR_RETURN(BankHolidays holidays, BankHolidays::Load(path));
//   absl::CivilDay due = DueDate(sent, timescale, holidays);
#ifndef RAAMATCH_SERVICES_JOURNEY_TIMESCALES_H_
#define RAAMATCH_SERVICES_JOURNEY_TIMESCALES_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "raa/v1/journey.pb.h"

namespace raa {

// England's bank holidays. Immutable once built; safe to share between
// threads.
class BankHolidays {
 public:
  BankHolidays() = default;
  // One YYYY-MM-DD per line; '#' starts a comment; blank lines are skipped.
  // INVALID_ARGUMENT naming the first line that is not a date.
  static absl::StatusOr<BankHolidays> Parse(absl::string_view text);
  // Parse of the file at `path`; NOT_FOUND if it cannot be read.
  static absl::StatusOr<BankHolidays> Load(const std::string& path);

  bool Contains(absl::CivilDay day) const { return days_.contains(day); }
  int size() const { return static_cast<int>(days_.size()); }

 private:
  absl::flat_hash_set<absl::CivilDay> days_;
};

// Monday to Friday and not a bank holiday.
bool IsWorkingDay(absl::CivilDay day, const BankHolidays& holidays);

// The `n`th working day after `from` (n >= 0; 0 is `from` itself).
absl::CivilDay AddWorkingDays(absl::CivilDay from, int n,
                              const BankHolidays& holidays);

// The same day `n` calendar months later, or the month's last day when it
// has no such day (31 January + 1 month = 28 or 29 February).
absl::CivilDay AddMonths(absl::CivilDay from, int n);

// The day `timescale` falls due when counted from `from`.
absl::CivilDay DueDate(absl::CivilDay from, const v1::Timescale& timescale,
                       const BankHolidays& holidays);

// Working days from `from` (exclusive) to `to` (inclusive); negative when
// `to` is before `from`.
int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to,
                       const BankHolidays& holidays);

// The fixed ids of the timescales the service tracks.
inline constexpr absl::string_view kInitialPackCompleted =
    "initial_pack_completed";
inline constexpr absl::string_view kAdmAfterPanel = "adm_after_panel";
inline constexpr absl::string_view kDecisionAfterPar = "decision_after_par";
inline constexpr absl::string_view kAnnexA = "annex_a";
inline constexpr absl::string_view kOrderApplication = "order_application";
inline constexpr absl::string_view kStageOne = "stage_one";
inline constexpr absl::string_view kStageTwo = "stage_two";
inline constexpr absl::string_view kNationalRegisterChild =
    "national_register_child";
inline constexpr absl::string_view kNationalRegisterHousehold =
    "national_register_household";
inline constexpr absl::string_view kReviewActions = "review_actions";

// The timescales shipped with the service (version 0), each with the seed
// its figure comes from. review_actions has amount 0: each action is due on
// its own due date.
v1::Timescales DefaultTimescales();

// What the timescale `id` measures, in words ("" for an unknown id).
std::string DescribeTimescale(absl::string_view id);

// Checks an UpdateTimescales body (fields under "timescales"): every known
// id exactly once, no other; amount 1-365 (review_actions: 0); a unit;
// source free text (common/free_text.h): one line, at most 500 characters.
void ValidateTimescales(const v1::Timescales& timescales, FieldErrors& errors);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_TIMESCALES_H_
