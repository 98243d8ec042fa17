#include "services/journey/milestones.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/free_text.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/auth/rules.h"
#include "services/journey/link_rows.h"
#include "services/journey/overdue.h"
#include "services/journey/review_rows.h"
#include "services/ledger/budget_alerts.h"
#include "services/registry/registry_rows.h"
#include "services/registry/validation.h"
#include "services/store/sql.h"

namespace raa {
namespace {

using store_internal::ToTimestamp;

// A reason for a correction, a review action: one to 500 characters,
// anonymous, as a profile summary is checked.
constexpr FreeTextRule kCorrectionText{1, kMaxReasonChars, true, true};
constexpr FreeTextRule kActionText{1, kMaxReasonChars, true, true};
constexpr FreeTextRule kStepsText{0, kMaxSummaryChars, true, true};
constexpr int kMaxActions = 20;

// The record a request names: a child profile or a household.
struct Record {
  int kind = 0;  // kMilestoneOfChild or kMilestoneOfHousehold
  RecordName name;
};

absl::StatusOr<Record> ParseRecord(absl::string_view name,
                                   absl::string_view field) {
  if (absl::StrContains(name, "/adopters/")) {
    ASSIGN_OR_RETURN(RecordName n,
                     ParseRecordName(name, "adopters", 'h', field));
    return Record{kMilestoneOfHousehold, n};
  }
  ASSIGN_OR_RETURN(RecordName n, ParseRecordName(name, "children", 'c', field));
  return Record{kMilestoneOfChild, n};
}

bool IsChildKind(int kind) {
  return kind >= v1::MILESTONE_KIND_ENTERED_CARE &&
         kind <= v1::MILESTONE_KIND_ANNEX_A_REPORT;
}
bool IsHouseholdKind(int kind) {
  return kind >= v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST &&
         kind <= v1::MILESTONE_KIND_APPROVAL;
}

// Date order: `after` may not be before `before` (when both are known).
struct Order {
  int before;
  int after;
};
constexpr Order kOrders[] = {
    {v1::MILESTONE_KIND_ENTERED_CARE, v1::MILESTONE_KIND_PLAN_FOR_ADOPTION},
    {v1::MILESTONE_KIND_ENTERED_CARE, v1::MILESTONE_KIND_INITIAL_PACK_SENT},
    {v1::MILESTONE_KIND_INITIAL_PACK_SENT,
     v1::MILESTONE_KIND_COMPLETED_PACK_RECEIVED},
    {v1::MILESTONE_KIND_ENTERED_CARE,
     v1::MILESTONE_KIND_PRIORITISATION_MEETING},
    {v1::MILESTONE_KIND_ENTERED_CARE, v1::MILESTONE_KIND_ADOPTION_MEDICAL},
    {v1::MILESTONE_KIND_ENTERED_CARE, v1::MILESTONE_KIND_SHOBPA_DECISION},
    {v1::MILESTONE_KIND_ENTERED_CARE,
     v1::MILESTONE_KIND_CHILD_PERMANENCE_REPORT},
    {v1::MILESTONE_KIND_SHOBPA_DECISION, v1::MILESTONE_KIND_PLACEMENT_ORDER},
    {v1::MILESTONE_KIND_ENTERED_CARE, v1::MILESTONE_KIND_ANNEX_A_REPORT},
    {v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST,
     v1::MILESTONE_KIND_STAGE_ONE_START},
    {v1::MILESTONE_KIND_REGISTRATION_OF_INTEREST,
     v1::MILESTONE_KIND_STAGE_TWO_START},
    {v1::MILESTONE_KIND_STAGE_ONE_START, v1::MILESTONE_KIND_STAGE_TWO_START},
    {v1::MILESTONE_KIND_STAGE_TWO_START,
     v1::MILESTONE_KIND_PROSPECTIVE_ADOPTER_REPORT},
    {v1::MILESTONE_KIND_PROSPECTIVE_ADOPTER_REPORT,
     v1::MILESTONE_KIND_APPROVAL_PANEL},
    {v1::MILESTONE_KIND_STAGE_TWO_START, v1::MILESTONE_KIND_APPROVAL},
    {v1::MILESTONE_KIND_APPROVAL_PANEL, v1::MILESTONE_KIND_APPROVAL},
};

std::string KindWords(int kind) {
  return EnumValueSuffix(v1::MilestoneKind_descriptor(), kind);
}

// The current date of each kind ('' rows: cleared).
std::map<int, std::string> CurrentOf(const std::vector<MilestoneRow>& rows) {
  std::map<int, std::string> out;
  for (const MilestoneRow& r : rows) {
    if (r.date.empty()) {
      out.erase(r.kind);
    } else {
      out[r.kind] = r.date;
    }
  }
  return out;
}

// Adds "date" violations for a new date of `kind` out of order with the
// record's other milestones. Dates compare as YYYY-MM-DD text. With
// `profile_of` (the record's kind, when `kind` is a date of its profile),
// pairs of two profile dates are left to the profile's own checks
// (CheckProfileDates), which name the same order: one violation, not two.
void CheckOrder(int kind, const std::string& date,
                const std::map<int, std::string>& current,
                std::optional<int> profile_of, FieldErrors& errors) {
  for (const Order& o : kOrders) {
    if (profile_of.has_value() && IsProfileMilestone(*profile_of, o.before) &&
        IsProfileMilestone(*profile_of, o.after)) {
      continue;
    }
    if (o.after == kind) {
      auto it = current.find(o.before);
      if (it != current.end() && date < it->second) {
        errors.Add("date",
                   absl::StrCat("may not be before ", KindWords(o.before), " (",
                                it->second, ")"));
      }
    }
    if (o.before == kind) {
      auto it = current.find(o.after);
      if (it != current.end() && date > it->second) {
        errors.Add("date", absl::StrCat("may not be after ", KindWords(o.after),
                                        " (", it->second, ")"));
      }
    }
  }
}

v1::Milestone ToMilestone(const std::string& record, const MilestoneRow& row,
                          const std::string& previous) {
  v1::Milestone m;
  m.set_record(record);
  m.set_kind(static_cast<v1::MilestoneKind>(row.kind));
  if (std::optional<google::type::Date> d = ParseDate(row.date)) {
    *m.mutable_date() = *d;
  }
  if (std::optional<google::type::Date> d = ParseDate(previous)) {
    *m.mutable_previous_date() = *d;
  }
  m.set_reason(row.reason);
  if (!row.recorded_by.empty()) m.set_authority(AuthorityName(row.recorded_by));
  m.set_key_id(row.key_id);
  *m.mutable_record_time() = ToTimestamp(row.record_time);
  return m;
}

// The history (every row with the date it replaced) and the current date of
// each kind.
v1::ListMilestonesResponse Describe(const std::string& record,
                                    const std::vector<MilestoneRow>& rows) {
  v1::ListMilestonesResponse out;
  std::map<int, std::string> last;
  std::map<int, v1::Milestone> current;
  for (const MilestoneRow& r : rows) {
    v1::Milestone m = ToMilestone(record, r, last[r.kind]);
    last[r.kind] = r.date;
    if (r.date.empty()) {
      current.erase(r.kind);
    } else {
      current[r.kind] = m;
    }
    *out.add_history() = std::move(m);
  }
  for (auto& [kind, m] : current) *out.add_current() = std::move(m);
  return out;
}

// The registry's journey checks of the profile with the new date, as
// "date" violations (the profile's other fields are not this call's).
template <typename T>
void CheckProfileDates(const T& before, const T& record, absl::CivilDay today,
                       const RegionList& regions, FieldErrors& errors) {
  FieldErrors all;
  if constexpr (std::is_same_v<T, v1::Child>) {
    ValidateChild(record, today, regions, all);
    ValidateChildChanges(&before, record, all);
  } else {
    ValidateAdopter(record, today, regions, all);
  }
  for (const FieldViolation& v : all.violations()) {
    const bool date_field = absl::StartsWith(v.field, "journey.") ||
                            v.field == "registered_interest_on" ||
                            v.field == "applied_on" || v.field == "approved_on";
    if (date_field) {
      errors.Add("date", absl::StrCat(v.field, " ", v.description));
    }
  }
}

// The record as stored (NOT_FOUND if missing), inside a write or a read.
template <typename Source>
absl::StatusOr<bool> VisibleRecord(Source& source, const Caller& caller,
                                   const Record& r) {
  if (r.kind == kMilestoneOfChild) {
    ASSIGN_OR_RETURN(
        v1::Child c,
        registry_rows::GetChild(source, r.name.authority_id, r.name.row_id));
    return IsVisibleTo(caller, r.name.authority_id, c);
  }
  RETURN_IF_ERROR(
      registry_rows::GetAdopter(source, r.name.authority_id, r.name.row_id)
          .status());
  return IsVisibleTo(caller, r.name.authority_id);
}

// A child profile hidden from the caller: the answer for a missing one,
// word for word (households are never hidden).
absl::Status NoSuchChild() { return absl::NotFoundError("no such child"); }

// The milestone as written: the record's latest row of `kind`.
absl::StatusOr<v1::Milestone> Latest(StoreTx& tx, const Record& r,
                                     const std::string& name, int kind) {
  ASSIGN_OR_RETURN(std::vector<MilestoneRow> rows,
                   review_rows::ListMilestoneRows(
                       tx, r.kind, r.name.authority_id, r.name.row_id));
  std::string previous;
  const MilestoneRow* last = nullptr;
  std::string before_last;
  for (const MilestoneRow& row : rows) {
    if (row.kind != kind) continue;
    before_last = previous;
    previous = row.date;
    last = &row;
  }
  if (last == nullptr) return absl::InternalError("milestone not written");
  return ToMilestone(name, *last, before_last);
}

}  // namespace

absl::StatusOr<v1::Milestone> Milestones::RecordMilestone(
    const Caller& caller, const v1::RecordMilestoneRequest& request) {
  // ---- before any lock ----
  FieldErrors errors;
  absl::StatusOr<Record> record = ParseRecord(request.record(), "record");
  if (!record.ok()) errors.AddAll(record.status());
  const int kind = request.kind();
  if (kind == v1::MILESTONE_KIND_UNSPECIFIED ||
      !v1::MilestoneKind_IsValid(kind)) {
    errors.Add("kind", "is required: a MilestoneKind");
  } else if (record.ok()) {
    const bool fits = record->kind == kMilestoneOfChild ? IsChildKind(kind)
                                                        : IsHouseholdKind(kind);
    if (!fits) {
      errors.Add("kind", record->kind == kMilestoneOfChild
                             ? "is a household's milestone, not a child's"
                             : "is a child's milestone, not a household's");
    }
  }
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> day = ToCivilDay(request.date());
  if (!day.has_value()) {
    errors.Add("date", "is required: a full calendar date");
  } else if (*day > today) {
    errors.Add("date", "may not be in the future");
  }
  if (!request.reason().empty()) {
    CheckFreeText(request.reason(), "reason", kCorrectionText, errors);
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  const Record r = *record;
  const std::string date = FormatDate(request.date());
  const bool profile_kind = IsProfileMilestone(r.kind, kind);

  // Everything about the record that can be checked on the read side.
  auto check = [&](auto& source, bool first_pass) -> absl::Status {
    ASSIGN_OR_RETURN(bool visible, VisibleRecord(source, caller, r));
    if (!visible) return NoSuchChild();
    if (!CanRecordMilestoneFor(caller, r.name.authority_id)) {
      return absl::PermissionDeniedError(
          absl::StrCat("a registrar or family finder of ", r.name.authority_id,
                       " (or a manager) records its milestones"));
    }
    (void)first_pass;
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(check(store_, true));

  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Milestone>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Milestone> {
            RETURN_IF_ERROR(check(tx, false));
            ASSIGN_OR_RETURN(
                std::vector<MilestoneRow> rows,
                review_rows::ListMilestoneRows(tx, r.kind, r.name.authority_id,
                                               r.name.row_id));
            const std::map<int, std::string> current = CurrentOf(rows);
            auto was = current.find(kind);
            if (was != current.end() && was->second == date) {
              // Nothing changes: the milestone as it stands.
              return Latest(tx, r, request.record(), kind);
            }
            FieldErrors late;
            if (was != current.end() && request.reason().empty()) {
              late.Add("reason",
                       absl::StrCat("is required: ", KindWords(kind),
                                    " is already recorded (", was->second,
                                    "); say why it is corrected"));
            }
            CheckOrder(kind, date, current,
                       profile_kind ? std::optional<int>(r.kind) : std::nullopt,
                       late);
            const RecordedBy by{caller.authority_id, caller.key_id,
                                request.reason()};
            if (profile_kind) {
              if (r.kind == kMilestoneOfChild) {
                ASSIGN_OR_RETURN(v1::Child c,
                                 registry_rows::GetChild(
                                     tx, r.name.authority_id, r.name.row_id));
                const v1::Child before = c;
                *ProfileDateOf(c, kind) = request.date();  // a profile kind
                CheckProfileDates(before, c, today, regions_, late);
                RETURN_IF_ERROR(late.ToStatus());
                RETURN_IF_ERROR(
                    link_rows::ChildDatesFit(tx, caller, r.name.authority_id,
                                             r.name.row_id, before, c, {}));
                RETURN_IF_ERROR(registry_rows::UpdateChild(tx, c, by));
              } else {
                ASSIGN_OR_RETURN(v1::Adopter a,
                                 registry_rows::GetAdopter(
                                     tx, r.name.authority_id, r.name.row_id));
                const v1::Adopter before = a;
                *ProfileDateOf(a, kind) = request.date();  // a profile kind
                CheckProfileDates(before, a, today, regions_, late);
                RETURN_IF_ERROR(late.ToStatus());
                RETURN_IF_ERROR(link_rows::HouseholdDatesFit(
                    tx, caller, r.name.authority_id, r.name.row_id, before, a,
                    {}));
                RETURN_IF_ERROR(registry_rows::UpdateAdopter(tx, a, by));
              }
            } else {
              RETURN_IF_ERROR(late.ToStatus());
              RETURN_IF_ERROR(review_rows::InsertMilestone(
                  tx, r.kind, r.name.authority_id, r.name.row_id, kind, date,
                  request.reason(), caller.key_id, caller.authority_id));
            }
            return Latest(tx, r, request.record(), kind);
          }));
  return written.value;
}

absl::StatusOr<v1::ListMilestonesResponse> Milestones::ListMilestones(
    const Caller& caller, const v1::ListMilestonesRequest& request) {
  ASSIGN_OR_RETURN(Record r, ParseRecord(request.record(), "record"));
  ASSIGN_OR_RETURN(bool visible, VisibleRecord(store_, caller, r));
  if (!visible) return NoSuchChild();
  ASSIGN_OR_RETURN(std::vector<MilestoneRow> rows,
                   review_rows::ListMilestoneRows(
                       store_, r.kind, r.name.authority_id, r.name.row_id));
  return Describe(request.record(), rows);
}

absl::StatusOr<v1::TrackingReview> Milestones::RecordTrackingReview(
    const Caller& caller, const v1::RecordTrackingReviewRequest& request) {
  const v1::TrackingReview& given = request.review();
  FieldErrors errors;
  absl::StatusOr<RecordName> child =
      ParseRecordName(given.child(), "children", 'c', "review.child");
  if (!child.ok()) errors.AddAll(child.status());
  const absl::CivilDay today = clock_.Today();
  std::optional<absl::CivilDay> review_day = ToCivilDay(given.review_date());
  if (!review_day.has_value()) {
    errors.Add("review.review_date", "is required: a full calendar date");
  } else if (*review_day > today) {
    errors.Add("review.review_date", "may not be in the future");
  }
  CheckFreeText(given.family_finding_steps(), "review.family_finding_steps",
                kStepsText, errors);
  // The dates of the actions (a field and its day), checked against the
  // child's entry to care once its profile is read.
  std::vector<std::pair<std::string, absl::CivilDay>> action_days;
  if (given.actions_size() > kMaxActions) {
    errors.Add("review.actions", absl::StrCat("at most ", kMaxActions));
  }
  for (int i = 0; i < given.actions_size() && i < kMaxActions; ++i) {
    const v1::ReviewAction& a = given.actions(i);
    const std::string at = absl::StrCat("review.actions[", i, "]");
    CheckFreeText(a.description(), absl::StrCat(at, ".description"),
                  kActionText, errors);
    if (a.owner_role() == v1::ROLE_UNSPECIFIED ||
        !v1::Role_IsValid(a.owner_role())) {
      errors.Add(absl::StrCat(at, ".owner_role"), "is required: a Role");
    }
    // An action still to do is due on or after the review; one a later
    // review records done keeps the due date it was set with (often past:
    // that is why it was overdue).
    const bool done_given = !IsUnset(a.done_on());
    std::optional<absl::CivilDay> due = ToCivilDay(a.due_date());
    if (!due.has_value()) {
      errors.Add(absl::StrCat(at, ".due_date"),
                 "is required: a full calendar date");
    } else if (!done_given && review_day.has_value() && *due < *review_day) {
      errors.Add(absl::StrCat(at, ".due_date"),
                 "may not be before the review's date for an action still to "
                 "do (one done: give its done_on)");
    } else if (done_given) {
      action_days.emplace_back(absl::StrCat(at, ".due_date"), *due);
    }
    if (done_given) {
      std::optional<absl::CivilDay> done = ToCivilDay(a.done_on());
      if (!done.has_value()) {
        errors.Add(absl::StrCat(at, ".done_on"), "is not a calendar date");
      } else if (*done > today) {
        errors.Add(absl::StrCat(at, ".done_on"), "may not be in the future");
      } else if (review_day.has_value() && *done > *review_day) {
        errors.Add(absl::StrCat(at, ".done_on"),
                   "may not be after the review's date: record it done in a "
                   "review on or after that day");
      } else {
        action_days.emplace_back(absl::StrCat(at, ".done_on"), *done);
      }
    }
  }
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());

  const Record r{kMilestoneOfChild, *child};
  auto check = [&](auto& source) -> absl::Status {
    ASSIGN_OR_RETURN(bool visible, VisibleRecord(source, caller, r));
    if (!visible) return NoSuchChild();
    if (!CanRecordMilestoneFor(caller, r.name.authority_id)) {
      return absl::PermissionDeniedError(
          absl::StrCat("the child's authority (", r.name.authority_id,
                       ") or a manager records its tracking reviews"));
    }
    // Nothing of the child's review happens before it entered care.
    ASSIGN_OR_RETURN(
        v1::Child profile,
        registry_rows::GetChild(source, r.name.authority_id, r.name.row_id));
    std::optional<absl::CivilDay> entered =
        ToCivilDay(profile.journey().entered_care());
    if (!entered.has_value()) return absl::OkStatus();
    FieldErrors dates;
    const std::string before =
        absl::StrCat("is before the child entered care (",
                     FormatDate(profile.journey().entered_care()), ")");
    if (*review_day < *entered) dates.Add("review.review_date", before);
    for (const auto& [field, day] : action_days) {
      if (day < *entered) dates.Add(field, before);
    }
    return dates.ToStatus();
  };
  RETURN_IF_ERROR(check(store_));
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::TrackingReview>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::TrackingReview> {
            RETURN_IF_ERROR(check(tx));
            v1::TrackingReview review = given;
            review.set_child(ChildName(r.name.authority_id, r.name.row_id));
            review.set_authority(AuthorityName(caller.authority_id));
            review.set_key_id(caller.key_id);
            RETURN_IF_ERROR(review_rows::InsertReview(tx, r.name.authority_id,
                                                      r.name.row_id, review));
            return review;
          }));
  return written.value;
}

absl::StatusOr<v1::ListTrackingReviewsResponse> Milestones::ListTrackingReviews(
    const Caller& caller, const v1::ListTrackingReviewsRequest& request) {
  ASSIGN_OR_RETURN(RecordName n,
                   ParseRecordName(request.child(), "children", 'c', "child"));
  const Record r{kMilestoneOfChild, n};
  ASSIGN_OR_RETURN(bool visible, VisibleRecord(store_, caller, r));
  if (!visible) return NoSuchChild();
  ASSIGN_OR_RETURN(std::vector<v1::TrackingReview> reviews,
                   review_rows::ListReviews(store_, n.authority_id, n.row_id));
  v1::ListTrackingReviewsResponse out;
  for (v1::TrackingReview& review : reviews) {
    *out.add_reviews() = std::move(review);
  }
  return out;
}

absl::StatusOr<v1::ListOverdueResponse> Milestones::ListOverdue(
    const Caller& caller, const v1::ListOverdueRequest& request) {
  FieldErrors errors;
  std::string authority;
  if (!request.authority().empty()) {
    absl::StatusOr<std::string> id =
        ParseAuthorityName(request.authority(), "authority");
    if (id.ok()) {
      authority = *id;
    } else {
      errors.AddAll(id.status());
    }
  }
  if (request.within_days() < 0 || request.within_days() > 365) {
    errors.Add("within_days", "must be 0-365");
  }
  if (request.page_size() < 0 || request.page_size() > 1000) {
    errors.Add("page_size", "must be 0-1000");
  }
  int64_t offset = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &offset) || offset <= 0 ||
       absl::StrCat(offset) != request.page_token())) {
    errors.Add("page_token", "is not a token this list returned");
  }
  RETURN_IF_ERROR(errors.ToStatus());
  if (!authority.empty() && authority != "-") {
    RETURN_IF_ERROR(
        registry_rows::RequireMember(store_, authority, "authority").status());
  }
  const int page_size = request.page_size() == 0 ? 100 : request.page_size();

  // A member's list reads that member's rows only (the filter below then
  // keeps them all).
  ASSIGN_OR_RETURN(JourneyFacts facts,
                   review_rows::LoadJourneyFacts(store_, authority));
  ASSIGN_OR_RETURN(v1::Timescales timescales,
                   review_rows::CurrentTimescales(store_));
  const absl::CivilDay today = clock_.Today();
  const bool sees_records = SeesChildrenAndHouseholds(caller);
  std::vector<v1::OverdueItem> items = ComputeOverdue(
      facts, timescales, holidays_, today, request.within_days(),
      [&](const JourneyRecord& r) {
        if (!sees_records) return false;
        if (!authority.empty() && r.authority_id != authority) return false;
        return r.record_kind == kMilestoneOfChild
                   ? IsVisibleTo(caller, r.authority_id, r.hidden_from)
                   : IsVisibleTo(caller, r.authority_id);
      });
  // Inter-agency budgets at 75% or more (issue 9, docs/finance.md): only to
  // whoever may see the member's ledger (its finance officers, managers).
  if (caller.Has(v1::ROLE_FINANCE) || caller.Has(v1::ROLE_MANAGER)) {
    ASSIGN_OR_RETURN(std::vector<v1::Budget> budgets,
                     budget_alerts::BudgetsOfYear(store_, today));
    std::vector<v1::Budget> visible;
    for (v1::Budget& b : budgets) {
      absl::StatusOr<std::string> id =
          ParseAuthorityName(b.authority(), "authority");
      if (!id.ok() || (!authority.empty() && *id != authority)) continue;
      if (CanSeeLedgerOf(caller, *id, *id)) visible.push_back(std::move(b));
    }
    items = MergeOverdue(std::move(items), BudgetWarnings(visible, today));
  }
  v1::ListOverdueResponse out;
  *out.mutable_as_of() = ToDate(today);
  const int64_t end =
      std::min<int64_t>(static_cast<int64_t>(items.size()), offset + page_size);
  for (int64_t i = offset; i < end; ++i) *out.add_items() = std::move(items[i]);
  if (end < static_cast<int64_t>(items.size())) {
    out.set_next_page_token(absl::StrCat(end));
  }
  return out;
}

absl::StatusOr<v1::Timescales> Milestones::GetTimescales(
    const Caller& /*caller*/, const v1::GetTimescalesRequest& /*request*/) {
  return review_rows::CurrentTimescales(store_);
}

absl::StatusOr<v1::Timescales> Milestones::UpdateTimescales(
    const Caller& caller, const v1::UpdateTimescalesRequest& request) {
  FieldErrors errors;
  ValidateTimescales(request.timescales(), errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!caller.Has(v1::ROLE_MANAGER) || caller.withdrawn) {
    return absl::PermissionDeniedError("a manager sets the timescales");
  }
  ASSIGN_OR_RETURN(auto written,
                   store_.Write<v1::Timescales>(
                       MakeRequestKey(caller.authority_id, request),
                       [&](StoreTx& tx) -> absl::StatusOr<v1::Timescales> {
                         v1::Timescales t = request.timescales();
                         RETURN_IF_ERROR(review_rows::InsertTimescales(tx, t));
                         return t;
                       }));
  return written.value;
}

}  // namespace raa
