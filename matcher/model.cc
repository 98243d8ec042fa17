#include "matcher/model.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "matcher/internal/packed.h"

namespace raa::matcher {

absl::string_view NeedCategoryName(NeedCategory category) {
  switch (category) {
    case NeedCategory::kPhysicalDisability:
      return "physical disability";
    case NeedCategory::kLearningDisability:
      return "learning disability";
    case NeedCategory::kGlobalDevelopmentalDelay:
      return "global developmental delay";
    case NeedCategory::kMedicalCondition:
      return "medical condition";
    case NeedCategory::kEmotionalBehavioural:
      return "emotional and behavioural needs";
    case NeedCategory::kFoetalAlcoholSpectrum:
      return "foetal alcohol spectrum disorder";
    case NeedCategory::kSexualisedBehaviour:
      return "sexualised behaviour";
    case NeedCategory::kUncertainDevelopmentalPrognosis:
      return "uncertain developmental prognosis";
    case NeedCategory::kAttachmentDifficulties:
      return "attachment difficulties";
  }
  return "unknown need";
}

absl::string_view NeedLevelName(NeedLevel level) {
  switch (level) {
    case NeedLevel::kNone:
      return "none";
    case NeedLevel::kMild:
      return "mild";
    case NeedLevel::kModerate:
      return "moderate";
    case NeedLevel::kSevere:
      return "severe";
  }
  return "unknown";
}

absl::string_view ContactPlanName(ContactPlan plan) {
  switch (plan) {
    case ContactPlan::kNone:
      return "no contact";
    case ContactPlan::kLetterbox:
      return "letterbox contact";
    case ContactPlan::kDirect:
      return "direct contact";
  }
  return "unknown contact";
}

absl::string_view AuthorityKindName(AuthorityKind kind) {
  switch (kind) {
    case AuthorityKind::kLocalAuthority:
      return "local authority";
    case AuthorityKind::kVoluntaryAdoptionAgency:
      return "voluntary adoption agency";
    case AuthorityKind::kRegionalAdoptionAgency:
      return "regional adoption agency";
  }
  return "unknown authority kind";
}

int WholeMonthsBetween(int32_t from_day, int32_t to_day) {
  return internal::MonthsElapsed(internal::MonthDayOf(from_day),
                                 internal::MonthDayOf(to_day));
}

int AgeMonthsOn(int age_months, int32_t as_of_day, int32_t day) {
  if (as_of_day < 0) return age_months;
  return age_months + WholeMonthsBetween(as_of_day, day);
}

std::string FormatAgeMonths(int months) {
  return absl::StrCat(months / 12, "y ", months % 12, "m");
}

std::string FormatAgeBound(int months) {
  if (months % 12 == 0) return absl::StrCat(months / 12, "y");
  return FormatAgeMonths(months);
}

}  // namespace raa::matcher
