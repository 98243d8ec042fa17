#include "matcher/policy.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace raa::matcher {

absl::Status ValidatePolicy(const MatchingPolicy& policy) {
  int total = 0;
  for (int i = 0; i < kComponentCount; ++i) {
    const int w = policy.weights[i];
    if (w < 0 || w > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("weight of ", ComponentId(static_cast<Component>(i)),
                       " must be 0..100, got ", w));
    }
    total += w;
  }
  if (total == 0) {
    return absl::InvalidArgumentError("at least one weight must be non-zero");
  }
  if (policy.max_open_links < 1 || policy.max_open_links > 20) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_open_links must be 1..20, got ", policy.max_open_links));
  }
  if (policy.max_open_links_per_child < 1 ||
      policy.max_open_links_per_child > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_open_links_per_child must be 1..10, got ",
                     policy.max_open_links_per_child));
  }
  return absl::OkStatus();
}

absl::string_view ComponentName(Component component) {
  switch (component) {
    case Component::kNeedsMargin:
      return "needs margin";
    case Component::kAgeFit:
      return "age fit";
    case Component::kCapacityFit:
      return "capacity fit";
    case Component::kWaiting:
      return "time waiting";
    case Component::kEarlyPermanence:
      return "early permanence";
    case Component::kContact:
      return "contact plan";
    case Component::kIdentity:
      return "heritage, religion and language";
    case Component::kLocality:
      return "locality and fees";
  }
  return "unknown component";
}

absl::string_view ComponentId(Component component) {
  switch (component) {
    case Component::kNeedsMargin:
      return "needs_margin";
    case Component::kAgeFit:
      return "age_fit";
    case Component::kCapacityFit:
      return "capacity_fit";
    case Component::kWaiting:
      return "waiting";
    case Component::kEarlyPermanence:
      return "early_permanence";
    case Component::kContact:
      return "contact";
    case Component::kIdentity:
      return "identity";
    case Component::kLocality:
      return "locality";
  }
  return "unknown";
}

absl::string_view ConstraintId(Constraint constraint) {
  switch (constraint) {
    case Constraint::kNotAvailable:
      return "not_available";
    case Constraint::kAuthorityWithdrawn:
      return "authority_withdrawn";
    case Constraint::kCapacity:
      return "capacity";
    case Constraint::kAgeRange:
      return "age_range";
    case Constraint::kNeeds:
      return "needs";
    case Constraint::kSexPreference:
      return "sex_preference";
    case Constraint::kChildExcludedRegion:
      return "child_excluded_region";
    case Constraint::kHouseholdExcludedRegion:
      return "household_excluded_region";
    case Constraint::kHiddenFromAuthority:
      return "hidden_from_authority";
    case Constraint::kLinkLimit:
      return "link_limit";
  }
  return "unknown";
}

}  // namespace raa::matcher
