#include "clients/web/views.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"

namespace raa::web {
namespace {

bool IsSlug(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<int> DaysWaited(const v1::Child& child, absl::CivilDay today) {
  const v1::ChildJourney& journey = child.journey();
  std::optional<absl::CivilDay> from;
  if (journey.has_placement_order() && !IsUnset(journey.placement_order())) {
    from = ToCivilDay(journey.placement_order());
  }
  if (!from.has_value() && journey.has_shobpa_decision() &&
      !IsUnset(journey.shobpa_decision())) {
    from = ToCivilDay(journey.shobpa_decision());
  }
  if (!from.has_value()) return std::nullopt;
  return static_cast<int>(today - *from);
}

std::string AgeText(int months) {
  int years = months / 12;
  int rest = months % 12;
  std::vector<std::string> parts;
  if (years > 0) {
    parts.push_back(absl::StrCat(years, years == 1 ? " year" : " years"));
  }
  if (rest > 0 || years == 0) {
    parts.push_back(absl::StrCat(rest, rest == 1 ? " month" : " months"));
  }
  return absl::StrJoin(parts, " ");
}

std::string AgesText(const v1::Child& child) {
  std::vector<std::string> ages;
  for (const v1::ChildMember& member : child.members()) {
    ages.push_back(AgeText(member.age_months_today()));
  }
  return absl::StrJoin(ages, "; ");
}

std::string KeyIdOf(const std::string& key) {
  absl::string_view rest = key;
  if (!absl::ConsumePrefix(&rest, "raa_")) return "";
  size_t underscore = rest.find('_');
  if (underscore == absl::string_view::npos || underscore == 0) return "";
  absl::string_view id = rest.substr(0, underscore);
  for (char c : id) {
    if (!absl::ascii_isxdigit(c)) return "";
  }
  return std::string(id);
}

std::string RoleText(v1::Role role) {
  switch (role) {
    case v1::ROLE_REGISTRAR:
      return "registrar";
    case v1::ROLE_FAMILY_FINDER:
      return "family finder";
    case v1::ROLE_FINANCE:
      return "finance officer";
    case v1::ROLE_MANAGER:
      return "consortium manager";
    default:
      return "unknown role";
  }
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

bool WriteOutcomeUnknown(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

std::string UserMessageOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return "Something went wrong in the matching service. Try again; if "
             "it goes on, tell your consortium's administrator.";
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return "The matching service cannot be reached just now. Try again "
             "in a minute.";
    default:
      return std::string(status.message());
  }
}

std::optional<ChildRef> ParseChildName(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "authorities" ||
      parts[2] != "children" || !IsSlug(parts[1]) || !IsSlug(parts[3])) {
    return std::nullopt;
  }
  return ChildRef{parts[1], parts[3]};
}

std::string ChildPath(const ChildRef& ref) {
  return absl::StrCat("/children/", ref.authority, "/", ref.child);
}

std::optional<HostPort> ParseHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int number = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &number) ||
      number < 0 || number > 65535) {
    return std::nullopt;
  }
  for (char c : port) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  return HostPort{host, number};
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool IsRequestId(absl::string_view text) {
  FieldErrors errors;
  ValidateRequestId(text, errors);
  return errors.empty();
}

}  // namespace raa::web
