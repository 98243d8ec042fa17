// The reason catalogue: every phrase the matcher's coded reasons
// (CodedReason in matcher/result.h) are made of, with its template, and the
// tables its placeholders read. The server publishes it (GetReasonCatalog:
// ReasonCatalogPhrases() with common/reason_catalog.h's AddPhrasesTo); every
// client renders a coded reason with the same common/reason_text.h
// formatter, so the words are the same everywhere.
//
// A score component's reason is a list of phrases: "ages 2y 6m, 3y 9m today
// within 0y–5y" is
//
//   codes {kAges, kAgesNext, kTodayWithin, kAgeLowYears, kAgeHighYears}
//   args  {2, 6,  3, 9,  0, 5}
//
// and an exclusion line is one phrase per (constraint, side) whose numbers
// are [count, n] (n: the group's size when ranking households, the
// household's approved_for when ranking children):
//
//   ExclusionReason(Constraint::kCapacity, SearchSide::kHouseholds, 41, 3)
//   // ReasonText: "41 households approved for fewer than 3 children"
//
// STABILITY. A code's number never changes and is never reused; a phrase's
// words may change (a new kReasonCatalogRevision), its arity and meaning may
// not: give a new meaning a new code. Codes are below 128 so each is one
// byte on the wire.
#ifndef RAAMATCH_MATCHER_REASONS_H_
#define RAAMATCH_MATCHER_REASONS_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "common/reason_text.h"
#include "matcher/policy.h"
#include "matcher/result.h"

namespace raa::matcher {

// Bumped whenever any phrase or table entry changes; the catalogue's version
// is "<kReasonCatalogRevision>.<policy version>".
inline constexpr int kReasonCatalogRevision = 1;

// Numbers in the comments are the phrase's arity (numbers it reads), "s" a
// string, "+" a phrase that continues the one before it (no "; ").
enum class ReasonCode : int32_t {
  // kNeedsMargin.
  kNoAssessedNeeds = 1,         // "no assessed needs"
  kWouldNotConsiderNeed = 2,    // 1: "would not consider {need_category}"
  kWouldConsiderNeedUpTo = 3,   // 2: "would consider {cat} up to {level}"
  kChildsNeedIs = 4,            // 1: "child's is {need_level}"
  kChildrensHighestNeedIs = 5,  // 1: "the children's highest is {level}"
  kCategoriesOfNeed = 6,        // 1+: " (3 categories of need)"
  // Ages (kAgeFit, and the age_range constraint's words).
  kAge = 10,                 // 2: "age 6y 6m" (years, months)
  kAges = 11,                // 2: "ages 6y 6m"
  kAgesNext = 12,            // 2+: ", 4y 0m"
  kTodayWithin = 13,         // +: " today within "
  kTodayNotAllWithin = 14,   // +: " today not all within "
  kTodayOutside = 15,        // +: " today outside "
  kAgeLowYears = 16,         // 1+: "6y" (a range's lower bound)
  kAgeLowYearsMonths = 17,   // 2+: "6y 3m"
  kAgeHighYears = 18,        // 1+: "–6y" (its upper bound)
  kAgeHighYearsMonths = 19,  // 2+: "–6y 3m"
  // kCapacityFit (and the capacity constraint's words).
  kApprovedForGroupOf = 20,  // 2: "approved for 3, group of 2"
  kSparePlacesKept = 21,     // 1+: ": 1 spare place kept for larger..."
  kTooManyChildren = 22,     // +: ": too many children"
  kCouldTakeChild = 23,      // 3+: ": could take child 1 (aged 6y 6m
                             //     today)" (number, years, months)
  kCouldTakeChildNext = 24,  // 3+: ", child 2 (aged ...)"
  kCouldTakeChildLast = 25,  // 3+: " and child 3 (aged ...)"
  kOfGroup = 26,             // 1+: " of 3"
  kMayBePlacedApart = 27,    // "the plan allows the children to be
                             //  placed apart"
  // kWaiting: durations under 31 days in days, else in months
  // (days * 12 / 365).
  kHouseholdApprovalUnknown = 30,  // "household approval date unknown"
  kHouseholdWaitingDays = 31,      // 1: "household waiting 12 days since
                                   //     approval"
  kHouseholdWaitingMonths = 32,    // 1: "... 7 months since approval"
  kChildWaitingUnknown = 33,       // "child waiting since an unknown date"
  kChildWaitingDays = 34,          // 1: "child waiting 1 day"
  kChildWaitingMonths = 35,        // 1: "child waiting 11 months"
  kChildrenWaitingUnknown = 36,    // "children waiting since an unknown date"
  kChildrenWaitingDays = 37,       // 1
  kChildrenWaitingMonths = 38,     // 1
  // kEarlyPermanence.
  kNotEarlyPermanence = 40,  // "not an early-permanence candidate"
  kDualApproved = 41,        // "dual-approved for an early-permanence
                             //  candidate"
  kNotDualApproved = 42,     // "not dual-approved; child is an
                             //  early-permanence candidate"
  // kContact.
  kNoContactPlanned = 45,        // "no contact planned"
  kWouldNotSupportContact = 46,  // 1: "would not support contact; plan is
                                 //     {contact_plan}"
  kSupportsContactOnly = 47,     // 2: "supports {max} only; plan is {plan}"
  kSupportsContact = 48,         // 2: "supports {max}; plan is {plan}"
  // kIdentity.
  kSharesChildsHeritage = 50,     // "shares the child's heritage"
  kSharesHeritageWithEvery = 51,  // "shares heritage with every child"
  kSharesHeritageWithSome = 52,   // "shares heritage with some of the
                                  //  children"
  kSameReligion = 53,             // "same religion"
  kSpeaksFirstLanguage = 54,      // s: "speaks the child's first language
                                  //     (Urdu)"
  kNoSharedIdentity = 55,         // "no shared heritage, religion or
                                  //  language recorded"
  // kLocality.
  kSameAuthority = 60,     // "same authority: no inter-agency fee"
  kAnotherAuthority = 61,  // "another member authority: ..."
  kVoluntaryAgency = 62,   // "voluntary adoption agency: ..."
  // Exclusion lines, [count, n]: 100 + constraint ranking households ("41
  // households approved for fewer than 3 children"), 110 + constraint
  // ranking children ("2 children in groups larger than 2").
  kHouseholdsNotAvailable = 100,
  kHouseholdsAuthorityWithdrawn = 101,
  kHouseholdsCapacity = 102,
  kHouseholdsAgeRange = 103,
  kHouseholdsNeeds = 104,
  kHouseholdsSexPreference = 105,
  kHouseholdsChildExcludedRegion = 106,
  kHouseholdsHouseholdExcludedRegion = 107,
  kHouseholdsHiddenFromAuthority = 108,
  kHouseholdsLinkLimit = 109,
  kChildrenNotAvailable = 110,
  kChildrenAuthorityWithdrawn = 111,
  kChildrenCapacity = 112,
  kChildrenAgeRange = 113,
  kChildrenNeeds = 114,
  kChildrenSexPreference = 115,
  kChildrenChildExcludedRegion = 116,
  kChildrenHouseholdExcludedRegion = 117,
  kChildrenHiddenFromAuthority = 118,
  kChildrenLinkLimit = 119,
};

// Every phrase above with its template, and the tables need_category,
// need_level and contact_plan (entry i names the model enum's value i:
// NeedCategoryName, NeedLevelName, ContactPlanName). Built once; thread-safe.
const ReasonFormatter& ReasonCatalogPhrases();

// The words of a coded reason, as every client renders it.
std::string ReasonText(const CodedReason& reason);
void AppendReasonText(std::string& out, const CodedReason& reason);

// Appends one phrase and its numbers (as many as its arity) to `reason`.
inline void AddPhrase(CodedReason& reason, ReasonCode code,
                      std::initializer_list<int32_t> args = {}) {
  reason.codes.push_back(static_cast<int32_t>(code));
  reason.args.insert(reason.args.end(), args.begin(), args.end());
}

// The exclusion phrase of (constraint, side).
ReasonCode ExclusionCode(Constraint constraint, SearchSide side);

// "41 households approved for fewer than 3 children": `count` candidates of
// `side` excluded first by `constraint`; n is the group's size (households)
// or the household's approved_for (children).
CodedReason ExclusionReason(Constraint constraint, SearchSide side, int count,
                            int n);

}  // namespace raa::matcher

#endif  // RAAMATCH_MATCHER_REASONS_H_
