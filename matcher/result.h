// Results of the matcher: ranked candidates with the contribution and reason
// of every score component, counts of who was excluded and why, and the full
// explanation of one child-household pair.
//
// Reasons are data (CodedReason); ReasonText (matcher/reasons.h) gives
// their words.
//
// Example (after CandidateIndex::RankHouseholds):
//
//   for (const ExclusionLine& line : result.exclusions)
//     std::cout << ReasonText(line.coded) << "\n";  // "41 households approved
//                                                   //  for fewer than 3
//                                                   //  children"
//   for (const RankedCandidate& c : result.candidates) {
//     std::cout << c.key << " " << c.score << "\n";
//     for (const ComponentScore& s : c.components)
//       std::cout << "  " << ComponentName(s.component) << ": "
//                 << ReasonText(s.coded) << "\n";
//   }

#ifndef RAAMATCH_MATCHER_RESULT_H_
#define RAAMATCH_MATCHER_RESULT_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "matcher/policy.h"

namespace raa::matcher {

// A reason as data: phrases of the reason catalogue (matcher/reasons.h,
// published by GetReasonCatalog) with their numeric and string arguments in
// order (each phrase takes its arity of each). ReasonText (reasons.h) gives
// the words. Inline storage: building one allocates nothing for the usual
// reasons.
struct CodedReason {
  absl::InlinedVector<int32_t, 4> codes;
  absl::InlinedVector<int32_t, 8> args;
  absl::InlinedVector<std::string, 1> text_args;  // a language's name
};

// One component of one pair's score.
struct ComponentScore {
  Component component = Component::kNeedsMargin;
  int weight = 0;        // from the policy
  int fit_permille = 0;  // 0..1000
  // Contribution to the score in tenths of a point: weight * fit / sum of
  // weights, apportioned (ApportionTenths) so that the contributions of a
  // pair add up to exactly 10 * score (internal::ApportionTenths says how
  // far each may be from its exact share).
  int points_tenths = 0;
  // The reason as data: "approved for 3, group of 3" (ReasonText).
  CodedReason coded;
};

// A household (RankHouseholds) or child group (RankChildren) that passed every
// hard constraint.
struct RankedCandidate {
  uint64_t key = 0;
  std::string authority;  // the candidate's authority id
  // Its number in the index that ranked it (CandidateIndex::authority_id).
  uint16_t authority_number = 0;
  int score = 0;  // 0..100
  // A group that may be placed apart, offered to a household that could
  // take only some of the children: those children (indices into the
  // group's members, ascending). Empty when the household could take every
  // child.
  std::vector<int> members;
  std::array<ComponentScore, kComponentCount> components;  // by Component
};

// "41 households approved for fewer than 3 children".
struct ExclusionLine {
  Constraint constraint = Constraint::kNotAvailable;
  int count = 0;
  // One exclusion phrase (ExclusionReason): its args are [count, n].
  CodedReason coded = {};
};

struct RankResult {
  int64_t policy_version = 0;
  int considered = 0;  // candidates on the other side of the index
  int eligible = 0;    // passed every hard constraint (any score)
  // Indexed by Constraint: candidates excluded, counted under the FIRST
  // constraint each fails. Sum == excluded_total == considered - eligible.
  std::array<int, kConstraintCount> excluded{};
  int excluded_total = 0;
  std::vector<ExclusionLine> exclusions;  // non-zero counts, in order
  // Eligible candidates with score >= min_score, best first, ties on key
  // ascending; at most `limit`.
  std::vector<RankedCandidate> candidates;
};

struct ConstraintCheck {
  Constraint constraint = Constraint::kNotAvailable;
  bool passed = false;
  std::string reason;  // "approved for 2, group of 3"
};

// Everything about one pair: every constraint it passes or fails, and the
// score it has (or would have, were it eligible).
struct PairExplanation {
  int64_t policy_version = 0;
  uint64_t child_key = 0;
  uint64_t household_key = 0;
  bool eligible = false;  // passes every constraint
  // As RankedCandidate::members: the children the household could take when
  // the group is placed apart; empty for the whole group.
  std::vector<int> members;
  std::array<ConstraintCheck, kConstraintCount> constraints;  // by Constraint
  int score = 0;
  std::array<ComponentScore, kComponentCount> components;  // by Component
};

}  // namespace raa::matcher

#endif  // RAAMATCH_MATCHER_RESULT_H_
