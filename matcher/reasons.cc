#include "matcher/reasons.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/check.h"
#include "matcher/model.h"

namespace raa::matcher {
namespace {

struct Phrase {
  ReasonCode code;
  const char* text;
  int arity = 0;
  int text_arity = 0;
  bool continues = false;
};

// The catalogue. Templates: common/reason_text.h.
constexpr Phrase kPhrases[] = {
    {ReasonCode::kNoAssessedNeeds, "no assessed needs"},
    {ReasonCode::kWouldNotConsiderNeed, "would not consider {0:need_category}",
     1},
    {ReasonCode::kWouldConsiderNeedUpTo,
     "would consider {0:need_category} up to {1:need_level}", 2},
    {ReasonCode::kChildsNeedIs, "child's is {0:need_level}", 1},
    {ReasonCode::kChildrensHighestNeedIs,
     "the children's highest is {0:need_level}", 1},
    {ReasonCode::kCategoriesOfNeed, " ({0} categories of need)", 1, 0, true},

    {ReasonCode::kAge, "age {0}y {1}m", 2},
    {ReasonCode::kAges, "ages {0}y {1}m", 2},
    {ReasonCode::kAgesNext, ", {0}y {1}m", 2, 0, true},
    {ReasonCode::kTodayWithin, " today within ", 0, 0, true},
    {ReasonCode::kTodayNotAllWithin, " today not all within ", 0, 0, true},
    {ReasonCode::kTodayOutside, " today outside ", 0, 0, true},
    {ReasonCode::kAgeLowYears, "{0}y", 1, 0, true},
    {ReasonCode::kAgeLowYearsMonths, "{0}y {1}m", 2, 0, true},
    {ReasonCode::kAgeHighYears, "\u2013{0}y", 1, 0, true},
    {ReasonCode::kAgeHighYearsMonths, "\u2013{0}y {1}m", 2, 0, true},

    {ReasonCode::kApprovedForGroupOf, "approved for {0}, group of {1}", 2},
    {ReasonCode::kSparePlacesKept,
     ": {0} spare {0|place|places} kept for larger groups", 1, 0, true},
    {ReasonCode::kTooManyChildren, ": too many children", 0, 0, true},
    {ReasonCode::kCouldTakeChild,
     ": could take child {0} (aged {1}y {2}m today)", 3, 0, true},
    {ReasonCode::kCouldTakeChildNext, ", child {0} (aged {1}y {2}m today)", 3,
     0, true},
    {ReasonCode::kCouldTakeChildLast, " and child {0} (aged {1}y {2}m today)",
     3, 0, true},
    {ReasonCode::kOfGroup, " of {0}", 1, 0, true},
    {ReasonCode::kMayBePlacedApart,
     "the plan allows the children to be placed apart"},

    {ReasonCode::kHouseholdApprovalUnknown, "household approval date unknown"},
    {ReasonCode::kHouseholdWaitingDays,
     "household waiting {0} {0|day|days} since approval", 1},
    {ReasonCode::kHouseholdWaitingMonths,
     "household waiting {0} {0|month|months} since approval", 1},
    {ReasonCode::kChildWaitingUnknown, "child waiting since an unknown date"},
    {ReasonCode::kChildWaitingDays, "child waiting {0} {0|day|days}", 1},
    {ReasonCode::kChildWaitingMonths, "child waiting {0} {0|month|months}", 1},
    {ReasonCode::kChildrenWaitingUnknown,
     "children waiting since an unknown date"},
    {ReasonCode::kChildrenWaitingDays, "children waiting {0} {0|day|days}", 1},
    {ReasonCode::kChildrenWaitingMonths,
     "children waiting {0} {0|month|months}", 1},

    {ReasonCode::kNotEarlyPermanence, "not an early-permanence candidate"},
    {ReasonCode::kDualApproved,
     "dual-approved for an early-permanence candidate"},
    {ReasonCode::kNotDualApproved,
     "not dual-approved; child is an early-permanence candidate"},

    {ReasonCode::kNoContactPlanned, "no contact planned"},
    {ReasonCode::kWouldNotSupportContact,
     "would not support contact; plan is {0:contact_plan}", 1},
    {ReasonCode::kSupportsContactOnly,
     "supports {0:contact_plan} only; plan is {1:contact_plan}", 2},
    {ReasonCode::kSupportsContact,
     "supports {0:contact_plan}; plan is {1:contact_plan}", 2},

    {ReasonCode::kSharesChildsHeritage, "shares the child's heritage"},
    {ReasonCode::kSharesHeritageWithEvery, "shares heritage with every child"},
    {ReasonCode::kSharesHeritageWithSome,
     "shares heritage with some of the children"},
    {ReasonCode::kSameReligion, "same religion"},
    {ReasonCode::kSpeaksFirstLanguage,
     "speaks the child's first language ({s0})", 0, 1},
    {ReasonCode::kNoSharedIdentity,
     "no shared heritage, religion or language recorded"},

    {ReasonCode::kSameAuthority, "same authority: no inter-agency fee"},
    {ReasonCode::kAnotherAuthority,
     "another member authority: inter-agency fee applies"},
    {ReasonCode::kVoluntaryAgency,
     "voluntary adoption agency: VAA inter-agency fee applies"},

    // Exclusions: [count, n].
    {ReasonCode::kHouseholdsNotAvailable,
     "{0} {0|household|households} not available (on hold)", 2},
    {ReasonCode::kHouseholdsAuthorityWithdrawn,
     "{0} {0|household|households} approved by an authority that has left "
     "the consortium",
     2},
    {ReasonCode::kHouseholdsCapacity,
     "{0} {0|household|households} approved for fewer than {1} children", 2},
    {ReasonCode::kHouseholdsAgeRange,
     "{0} {0|household|households} with {1|the child|a child} outside their "
     "age range",
     2},
    {ReasonCode::kHouseholdsNeeds,
     "{0} {0|household|households} that would not consider the level of need",
     2},
    {ReasonCode::kHouseholdsSexPreference,
     "{0} {0|household|households} with a sex preference {1|the child|the "
     "group} does not meet",
     2},
    {ReasonCode::kHouseholdsChildExcludedRegion,
     "{0} {0|household|households} in a region {1|this child|these children} "
     "must not be placed in",
     2},
    {ReasonCode::kHouseholdsHouseholdExcludedRegion,
     "{0} {0|household|households} that would not consider {1|the "
     "child's|the children's} region",
     2},
    {ReasonCode::kHouseholdsHiddenFromAuthority,
     "{0} {0|household|households} approved by an authority the profile is "
     "hidden from",
     2},
    {ReasonCode::kHouseholdsLinkLimit,
     "{0} {0|household|households} already holding the maximum number of "
     "open links",
     2},
    {ReasonCode::kChildrenNotAvailable, "{0} {0|child|children} not waiting",
     2},
    {ReasonCode::kChildrenAuthorityWithdrawn,
     "{0} {0|child|children} of an authority that has left the consortium", 2},
    {ReasonCode::kChildrenCapacity,
     "{0} {0|child|children} in groups larger than {1}", 2},
    {ReasonCode::kChildrenAgeRange,
     "{0} {0|child|children} outside the household's age range", 2},
    {ReasonCode::kChildrenNeeds,
     "{0} {0|child|children} with needs above what the household would "
     "consider",
     2},
    {ReasonCode::kChildrenSexPreference,
     "{0} {0|child|children} not of the sex the household would consider", 2},
    {ReasonCode::kChildrenChildExcludedRegion,
     "{0} {0|child|children} who must not be placed in the household's region",
     2},
    {ReasonCode::kChildrenHouseholdExcludedRegion,
     "{0} {0|child|children} in a region the household would not consider", 2},
    {ReasonCode::kChildrenHiddenFromAuthority,
     "{0} {0|child|children} hidden from the household's authority", 2},
    {ReasonCode::kChildrenLinkLimit,
     "{0} {0|child|children} not offered: the household holds the maximum "
     "number of open links",
     2},
};

// Exclusion codes are 100 + constraint (households), 110 + constraint
// (children).
static_assert(kConstraintCount <= 10);
static_assert(static_cast<int>(ReasonCode::kHouseholdsLinkLimit) ==
              100 + static_cast<int>(Constraint::kLinkLimit));
static_assert(static_cast<int>(ReasonCode::kChildrenLinkLimit) ==
              110 + static_cast<int>(Constraint::kLinkLimit));

std::vector<ReasonTableText> Tables() {
  ReasonTableText categories{.name = "need_category"};
  for (int i = 0; i < kNeedCategoryCount; ++i) {
    categories.entries.emplace_back(
        NeedCategoryName(static_cast<NeedCategory>(i)));
  }
  ReasonTableText levels{.name = "need_level"};
  for (int i = 0; i <= static_cast<int>(NeedLevel::kSevere); ++i) {
    levels.entries.emplace_back(NeedLevelName(static_cast<NeedLevel>(i)));
  }
  ReasonTableText plans{.name = "contact_plan"};
  for (int i = 0; i <= static_cast<int>(ContactPlan::kDirect); ++i) {
    plans.entries.emplace_back(ContactPlanName(static_cast<ContactPlan>(i)));
  }
  return {std::move(categories), std::move(levels), std::move(plans)};
}

const ReasonFormatter& BuildCatalogue() {
  std::vector<ReasonPhraseText> phrases;
  phrases.reserve(std::size(kPhrases));
  for (const Phrase& p : kPhrases) {
    phrases.push_back({.code = static_cast<int32_t>(p.code),
                       .text = p.text,
                       .arity = p.arity,
                       .text_arity = p.text_arity,
                       .continues = p.continues});
  }
  absl::StatusOr<ReasonFormatter> f =
      ReasonFormatter::Create(std::move(phrases), Tables());
  RAA_CHECK(f.ok()) << "the reason catalogue: " << f.status().ToString();
  return *new ReasonFormatter(*std::move(f));
}

}  // namespace

const ReasonFormatter& ReasonCatalogPhrases() {
  static const ReasonFormatter& catalogue = BuildCatalogue();
  return catalogue;
}

std::string ReasonText(const CodedReason& reason) {
  std::string out;
  AppendReasonText(out, reason);
  return out;
}

void AppendReasonText(std::string& out, const CodedReason& reason) {
  ReasonCatalogPhrases().AppendTo(out, reason.codes, reason.args,
                                  reason.text_args);
}

ReasonCode ExclusionCode(Constraint constraint, SearchSide side) {
  return static_cast<ReasonCode>((side == SearchSide::kHouseholds ? 100 : 110) +
                                 static_cast<int>(constraint));
}

CodedReason ExclusionReason(Constraint constraint, SearchSide side, int count,
                            int n) {
  CodedReason reason;
  AddPhrase(reason, ExclusionCode(constraint, side), {count, n});
  return reason;
}

}  // namespace raa::matcher
