#include "services/registry/validation.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/enum_names.h"
#include "common/names.h"
#include "common/utf8.h"
#include "matcher/model.h"
#include "services/registry/languages.h"

namespace raa {
namespace {

using v1::Adopter;
using v1::Child;

// The earliest date a record may hold.
constexpr absl::CivilDay kEarliestDay(1970, 1, 1);

// A date field: optional unless `required`; never in the future, nor
// before kEarliestDay.
void CheckDate(const google::type::Date& date, absl::string_view field,
               bool required, absl::CivilDay today, FieldErrors& errors) {
  if (IsUnset(date)) {
    if (required) errors.Add(field, "is required");
    return;
  }
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value()) {
    errors.Add(field, absl::StrFormat("%d-%d-%d is not a calendar date",
                                      date.year(), date.month(), date.day()));
  } else if (*day > today) {
    errors.Add(field, absl::StrCat(FormatDate(date), " is in the future"));
  } else if (*day < kEarliestDay) {
    // No child in care today, household or member has a date this old: a
    // mistyped year (1920 for 2020), which would skew every figure.
    errors.Add(field, absl::StrCat(FormatDate(date),
                                   " is before 1970-01-01, the earliest date "
                                   "kept: check the year"));
  }
}

// `earlier` must not be after `later` when both are set and valid.
void CheckOrder(const google::type::Date& earlier,
                absl::string_view earlier_name, const google::type::Date& later,
                absl::string_view later_field, FieldErrors& errors) {
  std::optional<absl::CivilDay> a = ToCivilDay(earlier);
  std::optional<absl::CivilDay> b = ToCivilDay(later);
  if (a && b && *b < *a) {
    errors.Add(later_field,
               absl::StrCat(FormatDate(later), " is before ", earlier_name, " ",
                            FormatDate(earlier)));
  }
}

// An unset region passes: whether one is required is checked elsewhere.
void CheckRegion(const RegionList& regions, absl::string_view region,
                 absl::string_view field, FieldErrors& errors) {
  if (region.empty()) return;
  if (std::optional<std::string> why = regions.WhyUnknown(region)) {
    errors.Add(field, *why);
  }
}

void CheckRegions(const RegionList& regions,
                  const google::protobuf::RepeatedPtrField<std::string>& list,
                  absl::string_view field, FieldErrors& errors) {
  if (list.size() > kMaxExcludedRegions) {
    errors.Add(field, absl::StrCat("lists ", list.size(), " regions; at most ",
                                   kMaxExcludedRegions,
                                   " (name a wider region instead)"));
    return;
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < list.size(); ++i) {
    std::string name = absl::StrCat(field, "[", i, "]");
    if (list[i].empty()) {
      errors.Add(name, "is empty");
    } else if (std::optional<std::string> why = regions.WhyUnknown(list[i])) {
      errors.Add(name, *why);
    } else if (!seen.insert(list[i]).second) {
      errors.Add(name, absl::StrCat("\"", list[i], "\" is listed twice"));
    }
  }
}

void CheckLanguage(absl::string_view code, absl::string_view field,
                   FieldErrors& errors) {
  if (std::optional<std::string> why = UnknownLanguage(code)) {
    errors.Add(field, *why);
  }
}

void CheckMember(const v1::ChildMember& m, const std::string& field,
                 FieldErrors& errors) {
  if (!m.has_age_months()) {
    errors.Add(field + ".age_months",
               "is required: the child's age in whole months on ages_as_of "
               "(0 only for a baby under a month old)");
  } else if (m.age_months() < 0 || m.age_months() > kMaxAgeMonths) {
    errors.Add(field + ".age_months",
               absl::StrCat(m.age_months(), " is outside 0-", kMaxAgeMonths));
  }
  if (m.sex() == v1::SEX_UNSPECIFIED || !v1::Sex_IsValid(m.sex())) {
    errors.Add(field + ".sex", "must be FEMALE or MALE");
  }
  absl::flat_hash_set<int> categories;
  for (int i = 0; i < m.needs_size(); ++i) {
    const v1::Need& need = m.needs(i);
    std::string nf = absl::StrCat(field, ".needs[", i, "]");
    if (need.category() == v1::NEED_CATEGORY_UNSPECIFIED ||
        !v1::NeedCategory_IsValid(need.category())) {
      errors.Add(nf + ".category",
                 absl::StrCat(need.category(), " is not a need category"));
    } else if (!categories.insert(need.category()).second) {
      errors.Add(nf + ".category", absl::StrCat(LegacyEnumName(need.category()),
                                                " is listed twice"));
    }
    if (need.level() < v1::NEED_LEVEL_MILD ||
        need.level() > v1::NEED_LEVEL_SEVERE) {
      errors.Add(nf + ".level", "must be MILD, MODERATE or SEVERE");
    }
  }
  if (!v1::Heritage_IsValid(m.heritage())) {
    errors.Add(field + ".heritage", "is not an ONS ethnic group");
  }
  if (!v1::Religion_IsValid(m.religion())) {
    errors.Add(field + ".religion", "is not a census religion");
  }
}

// A child is at least as old as their time in care: the eldest child's age
// on ages_as_of must be at least the whole months from entering care to
// ages_as_of. (The journey's dates are the group's, from the first of them to
// enter care; a younger sibling may have been born since.)
void CheckAgesAgainstCare(const Child& child, FieldErrors& errors) {
  const std::optional<absl::CivilDay> entered_day =
      ToCivilDay(child.journey().entered_care());
  const std::optional<absl::CivilDay> as_of_day =
      ToCivilDay(child.ages_as_of());
  if (!entered_day.has_value() || !as_of_day.has_value() ||
      *entered_day < kEarliestDay || *as_of_day < kEarliestDay) {
    return;  // reported by CheckDate
  }
  const int32_t entered = DayNumber(child.journey().entered_care());
  const int32_t as_of = DayNumber(child.ages_as_of());
  int eldest = -1;
  for (int i = 0; i < child.members_size(); ++i) {
    const v1::ChildMember& m = child.members(i);
    if (!m.has_age_months() || m.age_months() < 0 ||
        m.age_months() > kMaxAgeMonths) {
      return;  // reported by CheckMember
    }
    if (eldest < 0 || m.age_months() > child.members(eldest).age_months()) {
      eldest = i;
    }
  }
  if (eldest < 0) return;
  const int in_care = matcher::WholeMonthsBetween(entered, as_of);
  const int age = child.members(eldest).age_months();
  if (age >= in_care) return;
  const std::string as_of_text = FormatDate(child.ages_as_of());
  const std::string entered_text = FormatDate(child.journey().entered_care());
  errors.Add(
      absl::StrCat("members[", eldest, "].age_months"),
      absl::StrCat(age, " months on ages_as_of ", as_of_text,
                   " is less than the ", in_care,
                   " whole months since journey.entered_care ", entered_text,
                   ": a child cannot be younger than their time in "
                   "care"));
  errors.Add("journey.entered_care",
             absl::StrCat(entered_text, " is ", in_care,
                          " months before ages_as_of ", as_of_text,
                          ", more than the age of the eldest child (members[",
                          eldest, "].age_months ", age, ")"));
}

}  // namespace

void ValidateChildNames(const Child& child, const RegionList& regions,
                        FieldErrors& errors) {
  CheckRegion(regions, child.region(), "region", errors);
  CheckRegions(regions, child.excluded_regions(), "excluded_regions", errors);
  for (int i = 0; i < child.members_size(); ++i) {
    const std::string& language = child.members(i).first_language();
    if (!language.empty()) {
      CheckLanguage(language, absl::StrCat("members[", i, "].first_language"),
                    errors);
    }
  }
}

void ValidateAdopterNames(const Adopter& a, const RegionList& regions,
                          FieldErrors& errors) {
  CheckRegion(regions, a.region(), "region", errors);
  CheckRegions(regions, a.excluded_regions(), "excluded_regions", errors);
  if (a.languages_size() > kMaxAdopterLanguages) {
    errors.Add("languages",
               absl::StrCat("lists ", a.languages_size(),
                            " languages; at most ", kMaxAdopterLanguages));
    return;
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < a.languages_size(); ++i) {
    std::string field = absl::StrCat("languages[", i, "]");
    CheckLanguage(a.languages(i), field, errors);
    if (!seen.insert(a.languages(i)).second) {
      errors.Add(field,
                 absl::StrCat("\"", a.languages(i), "\" is listed twice"));
    }
  }
}

void ValidateAuthority(const v1::Authority& a, absl::CivilDay today,
                       const RegionList& regions, FieldErrors& errors) {
  CheckFreeText(a.display_name(), "display_name", kDisplayNameText, errors);
  if (a.kind() == v1::AUTHORITY_KIND_UNSPECIFIED ||
      !v1::AuthorityKind_IsValid(a.kind())) {
    errors.Add("kind",
               "must be LOCAL_AUTHORITY, VOLUNTARY_ADOPTION_AGENCY or "
               "REGIONAL_ADOPTION_AGENCY");
  }
  if (a.region().empty()) {
    errors.Add("region", "is required: a region slug such as \"sheffield\"");
  } else {
    CheckRegion(regions, a.region(), "region", errors);
  }
  CheckDate(a.joined_on(), "joined_on", /*required=*/false, today, errors);
}

void NormalizeChild(Child& child) {
  if (child.early_permanence() == v1::EARLY_PERMANENCE_UNSPECIFIED) {
    child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  }
  if (child.status() == v1::CHILD_STATUS_UNSPECIFIED) {
    child.set_status(v1::CHILD_STATUS_WAITING);
  }
  if (child.members_size() == 1) child.set_must_be_placed_together(false);
  // Output-only fields are never taken from input, nor stored: a withdraw
  // reason is WithdrawChild's, checked as free text there.
  for (v1::ChildMember& m : *child.mutable_members())
    m.clear_age_months_today();
  child.clear_status_history();
  if (child.status() != v1::CHILD_STATUS_WITHDRAWN)
    child.clear_withdraw_reason();
}

void ValidateChild(const Child& child, absl::CivilDay today,
                   const RegionList& regions, FieldErrors& errors) {
  if (child.members().empty()) {
    errors.Add("members", "must list at least one child");
  } else if (child.members_size() > kMaxGroupSize) {
    errors.Add("members", absl::StrCat("has ", child.members_size(),
                                       " children; at most ", kMaxGroupSize));
  }
  for (int i = 0; i < child.members_size(); ++i) {
    CheckMember(child.members(i), absl::StrCat("members[", i, "]"), errors);
  }
  CheckDate(child.ages_as_of(), "ages_as_of", /*required=*/true, today, errors);
  if (child.contact_plan() == v1::CONTACT_PLAN_UNSPECIFIED ||
      !v1::ContactPlan_IsValid(child.contact_plan())) {
    errors.Add("contact_plan",
               "must be CONTACT_NONE, CONTACT_LETTERBOX or "
               "CONTACT_DIRECT");
  }
  if (!v1::EarlyPermanence_IsValid(child.early_permanence())) {
    errors.Add("early_permanence", "is not an early-permanence route");
  }
  ValidateChildNames(child, regions, errors);
  absl::flat_hash_set<absl::string_view> hidden;
  for (int i = 0; i < child.hidden_from_size(); ++i) {
    std::string field = absl::StrCat("hidden_from[", i, "]");
    if (!IsSlug(child.hidden_from(i))) {
      errors.Add(field, "must be an authority id");
    } else if (!hidden.insert(child.hidden_from(i)).second) {
      errors.Add(field, "is listed twice");
    }
  }
  CheckFreeText(child.summary(), "summary", kSummaryText, errors);
  const v1::ChildJourney& j = child.journey();
  CheckDate(j.entered_care(), "journey.entered_care", /*required=*/true, today,
            errors);
  CheckDate(j.plan_for_adoption(), "journey.plan_for_adoption", false, today,
            errors);
  CheckDate(j.shobpa_decision(), "journey.shobpa_decision", false, today,
            errors);
  CheckDate(j.placement_order(), "journey.placement_order", false, today,
            errors);
  CheckOrder(j.entered_care(), "entering care", j.plan_for_adoption(),
             "journey.plan_for_adoption", errors);
  CheckOrder(j.entered_care(), "entering care", j.shobpa_decision(),
             "journey.shobpa_decision", errors);
  CheckOrder(j.shobpa_decision(), "the SHOBPA decision", j.placement_order(),
             "journey.placement_order", errors);
  CheckAgesAgainstCare(child, errors);
  if (child.status() == v1::CHILD_STATUS_UNSPECIFIED ||
      !v1::ChildStatus_IsValid(child.status())) {
    errors.Add("status", "is not a child status");
  }
}

void ValidateChildChanges(const Child* before, const Child& after,
                          FieldErrors& errors) {
  const v1::ChildJourney& j = after.journey();
  if (!IsUnset(j.shobpa_decision())) return;  // ValidateChild's order
  auto same = [](const google::type::Date& a, const google::type::Date& b) {
    return a.year() == b.year() && a.month() == b.month() && a.day() == b.day();
  };
  if (before != nullptr &&
      same(before->journey().placement_order(), j.placement_order())) {
    if (same(before->journey().entered_care(), j.entered_care())) return;
    // Only the date of entering care moved: it is the one to correct.
    std::optional<absl::CivilDay> care = ToCivilDay(j.entered_care());
    std::optional<absl::CivilDay> order = ToCivilDay(j.placement_order());
    if (care && order && *order < *care) {
      errors.Add("journey.entered_care",
                 absl::StrCat(FormatDate(j.entered_care()),
                              " is after the placement order ",
                              FormatDate(j.placement_order())));
    }
    return;
  }
  CheckOrder(j.entered_care(), "entering care", j.placement_order(),
             "journey.placement_order", errors);
}

void SetAgesToday(Child& child, absl::CivilDay today) {
  const int32_t as_of = DayNumber(child.ages_as_of());
  const int32_t day = DayNumber(ToDate(today));
  for (v1::ChildMember& m : *child.mutable_members()) {
    m.set_age_months_today(matcher::AgeMonthsOn(m.age_months(), as_of, day));
  }
}

std::optional<std::string> ChildStatusMoveRefused(v1::ChildStatus from,
                                                  v1::ChildStatus to) {
  if (from == to) return std::nullopt;
  if (from == v1::CHILD_STATUS_ADOPTED) {
    return absl::StrCat("the child is adopted: the status cannot move back to ",
                        LegacyEnumName(to));
  }
  if (from == v1::CHILD_STATUS_PLACED && to != v1::CHILD_STATUS_ADOPTED) {
    return absl::StrCat(
        "the child is placed: the status can move on to "
        "CHILD_ADOPTED only, not back to ",
        LegacyEnumName(to));
  }
  return std::nullopt;
}

std::optional<std::string> AdopterStatusMoveRefused(v1::AdopterStatus from,
                                                    v1::AdopterStatus to) {
  if (from == to || from != v1::ADOPTER_STATUS_PLACED) return std::nullopt;
  return absl::StrCat(
      "a child is placed with the household: the status cannot move back to ",
      LegacyEnumName(to),
      "; register the household again for a "
      "further adoption");
}

void NormalizeAdopter(Adopter& adopter) {
  adopter.clear_status_history();
  // Output only: WithdrawAdopter's, checked as free text there.
  if (adopter.status() != v1::ADOPTER_STATUS_WITHDRAWN) {
    adopter.clear_withdraw_reason();
  }
  if (adopter.sex_preference() == v1::SEX_PREFERENCE_UNSPECIFIED) {
    adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  }
  if (adopter.fast_track() == v1::FAST_TRACK_UNSPECIFIED) {
    adopter.set_fast_track(v1::FAST_TRACK_NONE);
  }
}

void ValidateAdopter(const Adopter& a, absl::CivilDay today,
                     const RegionList& regions, FieldErrors& errors) {
  if (a.status() == v1::ADOPTER_STATUS_UNSPECIFIED ||
      !v1::AdopterStatus_IsValid(a.status())) {
    errors.Add("status", "is not an adopter status");
  }
  bool approved = a.status() >= v1::ADOPTER_STATUS_APPROVED &&
                  a.status() != v1::ADOPTER_STATUS_WITHDRAWN;
  CheckDate(a.registered_interest_on(), "registered_interest_on",
            /*required=*/true, today, errors);
  CheckDate(a.applied_on(), "applied_on",
            /*required=*/a.status() != v1::ADOPTER_STATUS_STAGE_ONE, today,
            errors);
  CheckDate(a.approved_on(), "approved_on", /*required=*/approved, today,
            errors);
  CheckOrder(a.registered_interest_on(), "the registration of interest",
             a.applied_on(), "applied_on", errors);
  CheckOrder(a.applied_on(), "the application", a.approved_on(), "approved_on",
             errors);
  if (a.approved_for() < 1 || a.approved_for() > kMaxApprovedFor) {
    errors.Add("approved_for", absl::StrCat(a.approved_for(), " is outside 1-",
                                            kMaxApprovedFor));
  }
  if (a.min_age_months() < 0 || a.min_age_months() > kMaxAgeMonths) {
    errors.Add("min_age_months", absl::StrCat(a.min_age_months(),
                                              " is outside 0-", kMaxAgeMonths));
  }
  if (a.max_age_months() < 0 || a.max_age_months() > kMaxAgeMonths) {
    errors.Add("max_age_months", absl::StrCat(a.max_age_months(),
                                              " is outside 0-", kMaxAgeMonths));
  } else if (a.max_age_months() < a.min_age_months()) {
    errors.Add("max_age_months",
               absl::StrCat(a.max_age_months(), " is below min_age_months ",
                            a.min_age_months(), ": the range is reversed"));
  }
  if (!v1::SexPreference_IsValid(a.sex_preference())) {
    errors.Add("sex_preference", "must be ANY, FEMALE or MALE");
  }
  absl::flat_hash_set<int> categories;
  for (int i = 0; i < a.need_limits_size(); ++i) {
    const v1::NeedLimit& limit = a.need_limits(i);
    std::string field = absl::StrCat("need_limits[", i, "]");
    if (limit.category() == v1::NEED_CATEGORY_UNSPECIFIED ||
        !v1::NeedCategory_IsValid(limit.category())) {
      errors.Add(field + ".category",
                 absl::StrCat(limit.category(), " is not a need category"));
    } else if (!categories.insert(limit.category()).second) {
      errors.Add(
          field + ".category",
          absl::StrCat(LegacyEnumName(limit.category()), " is listed twice"));
    }
    if (limit.max_level() < v1::NEED_LEVEL_NONE ||
        limit.max_level() > v1::NEED_LEVEL_SEVERE) {
      errors.Add(field + ".max_level",
                 "must be NONE, MILD, MODERATE or SEVERE");
    }
  }
  for (int i = 0; i < a.heritage_size(); ++i) {
    if (a.heritage(i) == v1::HERITAGE_UNSPECIFIED ||
        !v1::Heritage_IsValid(a.heritage(i))) {
      errors.Add(absl::StrCat("heritage[", i, "]"),
                 "is not an ONS ethnic group");
    }
  }
  if (!v1::Religion_IsValid(a.religion())) {
    errors.Add("religion", "is not a census religion");
  }
  if (a.region().empty()) {
    errors.Add("region", "is required: a region slug such as \"sheffield\"");
  }
  ValidateAdopterNames(a, regions, errors);
  if (a.has_youngest_child_age_months() &&
      (a.youngest_child_age_months() < 0 ||
       a.youngest_child_age_months() > kMaxAgeMonths)) {
    errors.Add("youngest_child_age_months",
               absl::StrCat(a.youngest_child_age_months(), " is outside 0-",
                            kMaxAgeMonths));
  }
  if (a.max_contact() == v1::CONTACT_PLAN_UNSPECIFIED ||
      !v1::ContactPlan_IsValid(a.max_contact())) {
    errors.Add("max_contact",
               "must be CONTACT_NONE, CONTACT_LETTERBOX or CONTACT_DIRECT");
  }
  if (!v1::FastTrack_IsValid(a.fast_track())) {
    errors.Add("fast_track", "is not a fast-track route");
  }
}

namespace {
const RegionList& ShippedRegions() {
  static const RegionList* const kShipped = RegionList::Shipped().release();
  return *kShipped;
}
}  // namespace

void ValidateAuthority(const v1::Authority& authority, absl::CivilDay today,
                       FieldErrors& errors) {
  ValidateAuthority(authority, today, ShippedRegions(), errors);
}

void ValidateChild(const Child& child, absl::CivilDay today,
                   FieldErrors& errors) {
  ValidateChild(child, today, ShippedRegions(), errors);
}

void ValidateAdopter(const Adopter& adopter, absl::CivilDay today,
                     FieldErrors& errors) {
  ValidateAdopter(adopter, today, ShippedRegions(), errors);
}

}  // namespace raa
