// Pure helpers of the family finder's pages (finder_pages.cc): the
// console's addresses of households, links and followed records, the words
// of a link's steps, and the next step a link can record. No HTTP, no
// templates, no calls: web_pure_test.cc tests them alone.
//
//   ParseHouseholdName("authorities/leeds/adopters/h4") -> {"leeds", "h4"}
//   RecordPath("authorities/leeds/adopters/h4")        ->
//   "/households/leeds/h4" LinkPath("links/l12") -> "/links/l12"
//   FollowedName("sheffield/c12") -> "authorities/sheffield/children/c12"
//   StepLabel(v1::LINK_STEP_PAPERS_TO_PANEL)            -> "Papers to panel"
#ifndef RAAMATCH_CLIENTS_WEB_FINDER_VIEWS_H_
#define RAAMATCH_CLIENTS_WEB_FINDER_VIEWS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "raa/v1/journey.pb.h"

namespace raa::web {

// "authorities/leeds/adopters/h4" -> {"leeds", "h4"}; nullopt when it is
// not a household's name.
struct HouseholdRef {
  std::string authority;
  std::string household;
};
std::optional<HouseholdRef> ParseHouseholdName(const std::string& name);

// The console's URL of a household: "/households/leeds/h4".
std::string HouseholdPath(const HouseholdRef& ref);

// The console's page of a child profile or household name; empty for any
// other name.
std::string RecordPath(const std::string& name);

// "links/l12" -> "l12"; nullopt when it is not a link's name.
std::optional<std::string> LinkIdOf(const std::string& name);

// The console's URL of a link: "/links/l12" for "links/l12" (empty if
// `name` is not a link's name).
std::string LinkPath(const std::string& name);

// What a user typed into "Follow a child or household" as a resource name:
// a full name ("authorities/a/children/c1", "authorities/a/adopters/h2") is
// kept; "a/c1" is a child profile and "a/h2" a household of member "a".
// Anything else is returned trimmed, for the API to refuse in its words.
std::string FollowedName(absl::string_view text);

// A step in sentence case: "Linking meeting", "Match decided".
std::string StepLabel(v1::LinkStep step);

// The step an open link records next (the one after its current step), or
// LINK_STEP_UNSPECIFIED when it is not open or has reached ORDER_GRANTED.
v1::LinkStep NextStep(const v1::Link& link);

// `value` as JSON text that is safe wherever it lands: '<', '>' and '&'
// written as \u003c, \u003e and \u0026 (they occur only inside strings),
// invalid UTF-8 replaced by U+FFFD, other text as is.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_FINDER_VIEWS_H_
