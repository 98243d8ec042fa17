// Internal: the reasons of score components (as data: matcher/reasons.h)
// and of constraints (ExplainPair's words), built from the model types for
// the few pairs a result returns.

#ifndef RAAMATCH_MATCHER_INTERNAL_EXPLAIN_H_
#define RAAMATCH_MATCHER_INTERNAL_EXPLAIN_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "matcher/model.h"
#include "matcher/policy.h"
#include "matcher/result.h"

namespace raa::matcher::internal {

// What a score component's reason describes, without copying the profile:
// `group` is every child with the ages as stored; a child's age on
// `as_of_day` is its stored age plus `elapsed_months`; the reasons describe
// the children whose bits are set in `shown` (all of them, or, when
// `partial`, the ones the household could take when the group is placed
// apart).
struct PairFacts {
  const ChildGroup& group;
  int elapsed_months;
  uint32_t shown;
  bool partial;
  const Household& household;
  AuthorityKind household_authority_kind;
  bool same_authority;
  int32_t as_of_day;
};

// The reason of one score component as data (matcher/reasons.h), whose
// words are "approved for 3, group of 3", "same authority: no inter-agency
// fee", ..., written over `out` (a ranking's component, in place: a
// CodedReason returned and moved would copy its inline storage). Allocates
// nothing for most reasons; a language's name is its one string.
void ComponentReason(Component component, const PairFacts& facts,
                     CodedReason& out);

// Sets each component's points_tenths to its share of the score, weight *
// fit_permille / `weight_sum` tenths, apportioned so that they add up to
// exactly 10 * `score` (the rounded score of those fits): whole tenths
// first, then the rest one tenth at a time, first to shares with a fraction
// (rounded up by largest remainder, or down by smallest when the score was
// rounded down), then to the shares furthest from full. No share goes below
// nothing or past its full share (its weight's at a fit of 100%, to the
// tenth above) unless the score cannot be reached otherwise (a lone
// component's 2.5 points at 100% rounded to a score of 3), and one that
// earned nothing gets nothing; each other is off its exact share by less
// than a tenth plus its part of the score's rounding (at most half a point
// among them all): under 0.2 of a point when all eight earned some.
// Needs each component's weight and fit_permille set.
void ApportionTenths(int score, int weight_sum,
                     std::array<ComponentScore, kComponentCount>& components);

struct ConstraintFacts {
  const ChildGroup& group;
  const Household& household;
  bool child_authority_withdrawn;
  bool household_authority_withdrawn;
  int open_links;
  int max_open_links;
  // `group` is the children described (all, or those the household could
  // take when placed apart), `whole_group` every child, both with their ages
  // on the query's day; `taken` the indices of group's children in
  // whole_group when placed apart (empty otherwise).
  const ChildGroup& whole_group;
  const std::vector<int>& taken;
};

// Why the pair passes or fails one constraint: "approved for 2, group of 3".
std::string ConstraintReason(Constraint constraint,
                             const ConstraintFacts& facts);

}  // namespace raa::matcher::internal

#endif  // RAAMATCH_MATCHER_INTERNAL_EXPLAIN_H_
