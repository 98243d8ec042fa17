// Suggestions for a mistyped name: the known names closest to what was typed.
//
//   std::vector<std::string> s = ClosestNames("west-yorks", known);
//   // {"west-yorkshire"}
#ifndef RAAMATCH_SERVICES_REGISTRY_SPELLING_H_
#define RAAMATCH_SERVICES_REGISTRY_SPELLING_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace raa {

// Levenshtein distance (insertions, deletions, substitutions), counted in
// bytes. O(|a| * |b|); callers pass short names.
int EditDistance(absl::string_view a, absl::string_view b);

// Up to `max` of `known` closest to `typed`, best first (ties in `known`'s
// order): those within an edit distance of max(2, |typed| / 3), where a known
// name that starts with `typed` (an abbreviation such as "west-yorks") counts
// as distance 1. Empty if nothing is close. `typed` longer than 64 bytes gets
// no suggestions (it is not a typo).
std::vector<std::string> ClosestNames(absl::string_view typed,
                                      const std::vector<std::string>& known,
                                      int max = 3);

// `"a", "b" or "c"`: suggestions for a message; empty for none.
std::string OneOf(const std::vector<std::string>& names);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_SPELLING_H_
