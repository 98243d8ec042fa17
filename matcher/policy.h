// The matching rules: hard constraints (a pair that fails one is not a
// match) and the weighted score components of a versioned matching policy.
//
// Example:
//
//   raa::matcher::MatchingPolicy policy;   // the defaults
//   policy.version = 3;
//   policy.weights[static_cast<int>(Component::kIdentity)] = 10;
//   if (absl::Status s = ValidatePolicy(policy); !s.ok()) return s;
//
// SCORING. Every component yields a fit in per-mille (0..1000), computed with
// integers only. The score of a pair is
//
//   score = round(sum_i(w_i * fit_i) / sum_i(w_i) / 10)      -- 0..100
//
// computed as (sum(w*fit) + 5*sum(w)) / (10*sum(w)) in integer arithmetic, so
// the same data and policy always give the same score. The components:
//
//  kNeedsMargin   Child (group) with no assessed needs: 1000. Otherwise, over
//                 the categories where any child has a need (group level =
//                 the highest of its children), the average of
//                 (1 + limit - level) / 3, where limit is the highest level
//                 the household would consider: 1000 when the household would
//                 consider severe and the need is mild, 333 when the need is
//                 exactly at their limit. Computed as
//                 sum(1 + limit - level) * 1000 / (3 * categories), each term
//                 at least 0.
//  kAgeFit        How central each child's age TODAY is in the household's
//                 range [lo, hi], worst child: 1000 - 500 * |2*age - lo - hi| /
//                 (hi - lo), i.e. 1000 at the middle, 500 at either end, 0
//                 outside; 1000 when lo == hi and the age is lo.
//  kCapacityFit   1000 / (1 + spare), spare = approved_for - group size:
//                 exact 1000, one spare place 500, two 333... so households
//                 approved for more children are kept for larger groups.
//                 0 if the group is larger than the approval, and 0 for a
//                 household that could take only some of a group placed
//                 apart (below), so one that can take them all ranks above an
//                 otherwise equal one.
//  kWaiting       (min(household days since approval, 365) +
//                  min(child days waiting, 365)) * 1000 / 730, days counted to
//                 the `as_of_day` of the request; an unknown date counts 0,
//                 a date after as_of_day counts 0.
//  kEarlyPermanence  Child not an early-permanence candidate: 1000. Candidate
//                 and household dual-approved: 1000; candidate and not: 0.
//  kContact       Household's max_contact >= child's contact plan: 1000;
//                 else 0.
//  kIdentity      Heritage, religion and language (Children and Families Act
//                 2014 s.3: soft only, never an exclusion): heritage shared
//                 with every child whose heritage is recorded 500, with some
//                 of them 250; the household's religion (non-zero) is a
//                 child's religion 250; the household speaks a child's first
//                 language 250.
//  kLocality      Same authority: 1000 (no inter-agency fee); the household's
//                 authority is a local authority or RAA: 500 (inter-agency
//                 fee); a voluntary adoption agency: 0 (VAA fee).
//
// AGES. A child's age is stored as measured on the profile's ages_as_of day;
// every constraint, score and reason uses the age on the day of the query
// (RankOptions::as_of_day): the stored age plus the whole months since
// (AgeMonthsOn). The index keeps the measured ages and the as-of day, never
// an age "today", so it stays right as days pass without a rebuild.
//
// PLACED APART. A sibling group whose plan allows the children to be placed
// apart (ChildGroup::may_be_placed_apart) is also offered to a household that
// could take only some of them: the children who each pass its age range,
// needs and sex preference, the first of them in the profile's order up to
// its approved_for. If that is every child, the pair is an ordinary one. If
// it is some of them, the pair passes kCapacity, kAgeRange, kNeeds and
// kSexPreference for those children (the other constraints apply as usual),
// is scored on those children with kCapacityFit 0, and the result names them
// (RankedCandidate::members). If no child fits on their own, the pair fails
// the per-child constraints as usual but never kCapacity.
//
// HARD CONSTRAINTS, in this documented order. When ranking, an excluded
// candidate is counted under the FIRST constraint it fails, so the counts add
// up to the number excluded; ExplainPair lists every constraint a pair fails.

#ifndef RAAMATCH_MATCHER_POLICY_H_
#define RAAMATCH_MATCHER_POLICY_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace raa::matcher {

enum class Component : uint8_t {
  kNeedsMargin,
  kAgeFit,
  kCapacityFit,
  kWaiting,
  kEarlyPermanence,
  kContact,
  kIdentity,
  kLocality,
};
inline constexpr int kComponentCount = 8;

enum class Constraint : uint8_t {
  kNotAvailable,             // household not available / child not waiting
  kAuthorityWithdrawn,       // household's (or child's) authority has withdrawn
  kCapacity,                 // approved for fewer children than the group
  kAgeRange,                 // a child outside the household's age range
  kNeeds,                    // a child's need above what they would consider
  kSexPreference,            // a child of a sex the household did not choose
  kChildExcludedRegion,      // household's region: child must not go there
  kHouseholdExcludedRegion,  // child's region: household would not consider
  kHiddenFromAuthority,      // profile hidden from the household's authority
  kLinkLimit,                // household's open links >= policy.max_open_links
};
inline constexpr int kConstraintCount = 10;

// A named, versioned set of weights, stored by the server. Every result says
// which version produced it.
struct MatchingPolicy {
  int64_t version = 1;
  // Indexed by Component.
  std::array<int, kComponentCount> weights = {20, 15, 20, 15, 10, 10, 5, 5};
  int max_open_links = 6;
  // Most open links one child profile may have (the journey's cap).
  int max_open_links_per_child = 3;
};

// OK, or InvalidArgument naming the first bad field: every weight 0..100, not
// all zero; max_open_links 1..20; max_open_links_per_child 1..10.
absl::Status ValidatePolicy(const MatchingPolicy& policy);

// Display names: "needs margin", "age fit", ...
absl::string_view ComponentName(Component component);
// Stable identifiers for APIs and metrics: "needs_margin", ...
absl::string_view ComponentId(Component component);

// Stable identifiers for APIs and metrics: "not_available", "capacity", ...
absl::string_view ConstraintId(Constraint constraint);

// Which side is being ranked: households for a child (child-led search) or
// children for a household (family-led search).
enum class SearchSide : uint8_t { kHouseholds, kChildren };

}  // namespace raa::matcher

#endif  // RAAMATCH_MATCHER_POLICY_H_
