// Pure helpers that turn API messages into what a page shows: no HTTP, no
// templates, no calls. tests/web/ can test them alone.
#ifndef RAAMATCH_CLIENTS_WEB_VIEWS_H_
#define RAAMATCH_CLIENTS_WEB_VIEWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa::web {

// Days a child profile has waited on `today`: since its placement order, or
// its SHOBPA decision where there is no order yet (the definition of the
// waiting report, protos/raa/v1/report.proto WaitingGroup.mean_days).
// nullopt when neither date is set.
std::optional<int> DaysWaited(const v1::Child& child, absl::CivilDay today);

// "7 years 2 months" for 86 months; "11 months"; "1 year".
std::string AgeText(int months);

// The ages of a profile's children today, "7 years 2 months; 5 years".
std::string AgesText(const v1::Child& child);

// The key id inside an API key "raa_<key id>_<secret>" (the id is what
// ApiKey.name carries after "apiKeys/"), or empty if the key is not of that
// shape. Only a hint for finding the key's own ApiKey: raamatchd decides
// whether the key is valid.
std::string KeyIdOf(const std::string& key);

// "family finder" for ROLE_FAMILY_FINDER.
std::string RoleText(v1::Role role);

// The HTTP status for a failed call: 400 INVALID_ARGUMENT, 401
// UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 409
// FAILED_PRECONDITION / ALREADY_EXISTS / ABORTED, 429 RESOURCE_EXHAUSTED, 503
// UNAVAILABLE / DEADLINE_EXCEEDED, else 500.
int HttpStatusOf(const absl::Status& status);

// True when a write that failed with `status` may still have been stored:
// the answer was lost (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED) or the
// server failed on its way (UNKNOWN, INTERNAL). Any other code is a
// refusal, and a refused write stores nothing.
bool WriteOutcomeUnknown(const absl::Status& status);

// What a page says about a failed call: the API's own message, except for
// INTERNAL and UNKNOWN, which get a fixed sentence (no detail of the
// server's inside reaches a browser).
std::string UserMessageOf(const absl::Status& status);

// "authorities/sheffield/children/c12" -> {"sheffield", "c12"}; nullopt when
// it is not a child profile's name.
struct ChildRef {
  std::string authority;
  std::string child;
};
std::optional<ChildRef> ParseChildName(const std::string& name);

// The console's URL of a child profile: "/children/sheffield/c12".
std::string ChildPath(const ChildRef& ref);

// "127.0.0.1:8080" -> {"127.0.0.1", 8080}; "[::1]:0" -> {"::1", 0}. nullopt
// if there is no port or it is not 0-65535.
struct HostPort {
  std::string host;
  int port = 0;
};
std::optional<HostPort> ParseHostPort(const std::string& address);

// True for 127.0.0.0/8, ::1 and localhost: where plain HTTP (from the
// console) or plain gRPC (to raamatchd) cannot be overheard.
bool IsLoopbackHost(const std::string& host);

// True for a request id this console may resend: 1-128 printable ASCII
// characters (what the API accepts), as carried in a form's hidden field.
bool IsRequestId(absl::string_view text);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_VIEWS_H_
