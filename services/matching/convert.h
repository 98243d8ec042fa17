// The registry's protos as the matcher sees them. Only what matching needs
// crosses over; the matcher never sees a summary or a journey date.
#ifndef RAAMATCH_SERVICES_MATCHING_CONVERT_H_
#define RAAMATCH_SERVICES_MATCHING_CONVERT_H_

#include <optional>

#include "matcher/model.h"
#include "matcher/policy.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa {

matcher::Authority ToMatcherAuthority(const v1::Authority& authority);

// nullopt when the profile is closed (matched, placed, adopted, withdrawn):
// closed profiles are not in the index. Waiting and linked children are.
// Ages go over as measured with their `ages_as_of` day (the matcher uses the
// age on the day of each search); a group not required to be placed together
// may be placed apart.
std::optional<matcher::ChildGroup> ToChildGroup(int64_t row_id,
                                                absl::string_view authority_id,
                                                const v1::Child& child);

// nullopt unless approved, linked or on hold: only approved families are in
// the index; approved and linked ones are available.
std::optional<matcher::Household> ToHousehold(int64_t row_id,
                                              absl::string_view authority_id,
                                              const v1::Adopter& adopter);

matcher::MatchingPolicy ToMatcherPolicy(const v1::MatchingPolicy& policy);
v1::MatchingPolicy FromMatcherPolicy(const matcher::MatchingPolicy& policy);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_CONVERT_H_
