#include "clients/web/finder_views.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/web/views.h"
#include "common/enum_names.h"
#include "common/errors.h"
#include "common/names.h"

namespace raa::web {

std::optional<HouseholdRef> ParseHouseholdName(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "authorities" ||
      parts[2] != "adopters" || !IsSlug(parts[1]) || !IsSlug(parts[3])) {
    return std::nullopt;
  }
  return HouseholdRef{parts[1], parts[3]};
}

std::string HouseholdPath(const HouseholdRef& ref) {
  return absl::StrCat("/households/", ref.authority, "/", ref.household);
}

std::string RecordPath(const std::string& name) {
  if (std::optional<ChildRef> child = ParseChildName(name)) {
    return ChildPath(*child);
  }
  if (std::optional<HouseholdRef> household = ParseHouseholdName(name)) {
    return HouseholdPath(*household);
  }
  return "";
}

std::optional<std::string> LinkIdOf(const std::string& name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "links/") || !IsSlug(id)) return std::nullopt;
  return std::string(id);
}

std::string LinkPath(const std::string& name) {
  std::optional<std::string> id = LinkIdOf(name);
  return id.has_value() ? absl::StrCat("/links/", *id) : "";
}

std::string FollowedName(absl::string_view text) {
  std::string trimmed(absl::StripAsciiWhitespace(text));
  if (absl::StartsWith(trimmed, "authorities/")) return trimmed;
  std::vector<std::string> parts = absl::StrSplit(trimmed, '/');
  if (parts.size() != 2 || !IsSlug(parts[0]) || !IsSlug(parts[1])) {
    return trimmed;
  }
  if (parts[1].front() == 'c') {
    return absl::StrCat("authorities/", parts[0], "/children/", parts[1]);
  }
  if (parts[1].front() == 'h') {
    return absl::StrCat("authorities/", parts[0], "/adopters/", parts[1]);
  }
  return trimmed;
}

std::string StepLabel(v1::LinkStep step) {
  std::string words = EnumValueWords(v1::LinkStep_descriptor(), step);
  if (!words.empty()) words[0] = absl::ascii_toupper(words[0]);
  return words;
}

v1::LinkStep NextStep(const v1::Link& link) {
  if (link.state() != v1::LINK_STATE_OPEN ||
      link.step() >= v1::LINK_STEP_ORDER_GRANTED ||
      link.step() < v1::LINK_STEP_OPENED) {
    return v1::LINK_STEP_UNSPECIFIED;
  }
  return static_cast<v1::LinkStep>(link.step() + 1);
}

std::string JsonForScript(const nlohmann::json& value) {
  std::string text =
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace raa::web
