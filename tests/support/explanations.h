// The documented shape of a ranking's explanation: score component and
// constraint ids in order, the default weights, and a check that a ranked
// candidate's (or a pair's) components add up.
//
//   ExpectExplainedComponents(ranked.adopters(0).components(),
//                             ranked.adopters(0).score(), DefaultWeights());
#ifndef RAAMATCH_TESTS_SUPPORT_EXPLANATIONS_H_
#define RAAMATCH_TESTS_SUPPORT_EXPLANATIONS_H_

#include <string>
#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "raa/v1/matching.pb.h"

namespace raa::test {

// Score component and constraint ids, in the documented order.
const std::vector<std::string>& ComponentIds();
const std::vector<std::string>& ConstraintIds();

// The documented default weights, by ComponentIds().
const std::vector<int>& DefaultWeights();

// Checks a ranked candidate's (or a pair's) score components: every
// component once, in order (by `component` and/or `id`), with a reason (its
// words and/or its codes: codes render completely with the matcher's
// catalogue, to the words when both are sent), the policy's weight, a fit in
// 0-1000, and points that add up to ten times the score give or take
// rounding.
void ExpectExplainedComponents(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    int score, const std::vector<int>& weights);

// The first constraint a pair fails, or "" if it passes every one.
std::string FirstFailedConstraint(const v1::PairExplanation& explanation);

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_EXPLANATIONS_H_
