// The registry's protos as the matcher sees them. Only what matching needs
// crosses over; the matcher never sees a summary or a journey date.
#ifndef RAAMATCH_SERVICES_MATCHING_CONVERT_H_
#define RAAMATCH_SERVICES_MATCHING_CONVERT_H_

#include <algorithm>
#include <cstdint>
#include <optional>

#include "matcher/model.h"
#include "matcher/policy.h"
#include "matcher/result.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa {

matcher::Authority ToMatcherAuthority(const v1::Authority& authority);

// The statuses of the children in the index: waiting and linked.
inline constexpr v1::ChildStatus kIndexedChildStatuses[] = {
    v1::CHILD_STATUS_WAITING, v1::CHILD_STATUS_LINKED};

// nullopt when the profile is closed (matched, placed, adopted, withdrawn):
// closed profiles are not in the index (kIndexedChildStatuses are).
// Ages go over as measured with their `ages_as_of` day (the matcher uses the
// age on the day of each search); a group not required to be placed together
// may be placed apart.
std::optional<matcher::ChildGroup> ToChildGroup(int64_t row_id,
                                                absl::string_view authority_id,
                                                const v1::Child& child);
// The same for a profile read without its journey dates (a start's scan),
// with the day it has waited since as the registry keeps it (-1 for none):
// the day of its ShoBPA decision, else of its placement order, else of its
// plan for adoption.
std::optional<matcher::ChildGroup> ToChildGroup(int64_t row_id,
                                                absl::string_view authority_id,
                                                const v1::Child& profile,
                                                int32_t waiting_since_day);

// nullopt unless approved, linked or on hold: only approved families are in
// the index; approved and linked ones are available.
std::optional<matcher::Household> ToHousehold(int64_t row_id,
                                              absl::string_view authority_id,
                                              const v1::Adopter& adopter);

matcher::MatchingPolicy ToMatcherPolicy(const v1::MatchingPolicy& policy);
v1::MatchingPolicy FromMatcherPolicy(const matcher::MatchingPolicy& policy);

// ---- Coded reasons (GetReasonCatalog, the rank views) ----
//
// The API's numbers for the matcher's enums: the enum's position + 1 (0 is
// each API enum's UNSPECIFIED).
v1::ScoreComponentId ScoreComponentIdOf(matcher::Component component);
v1::ConstraintId ConstraintIdOf(matcher::Constraint constraint);

// Whether an answer carries reasons in words as well as coded: FULL_TEXT
// (and UNSPECIFIED, which means it), ExplainPair and alerts do; FULL and
// BASIC do not.
enum class Words : bool { kCodedOnly = false, kWithWords = true };

// One score component as the API gives it, written into `out` (which may
// be on an arena): id, weight, fit, points and the coded reason; with
// kWithWords also `component` (its key) and `reason`, formatted from the
// catalogue GetReasonCatalog publishes (matcher::ReasonCatalogPhrases()),
// straight into the message's string.
void ToProto(const matcher::ComponentScore& score, Words words,
             v1::ScoreComponent& out);
// (A ranking's exclusion lines are written by RankingAnswer, straight into
// the wire format: id, count and the coded text; with kWithWords also
// `constraint` and `text`.)

// What GetReasonCatalog answers under the policy `policy_version`: every
// phrase and table of the matcher's catalogue, the components' keys and
// titles and the constraints' keys, version
// "<matcher::kReasonCatalogRevision>.<policy_version>". Written into `out`.
void FillReasonCatalog(int64_t policy_version, v1::ReasonCatalog& out);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_CONVERT_H_
