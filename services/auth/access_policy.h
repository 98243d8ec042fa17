// Least privilege: the one table of who may call which RPC, and on whose
// records, plus the named rules that every area asks instead of writing its
// own.
//
// Every RPC has one MethodRule, keyed by its full gRPC method name. The RPC
// runner (services/server/unary.h) checks it after authentication and before
// any work:
//
//   const MethodRule* rule =
//   FindMethodRule("/raa.v1.RegistryService/GetChild");
//   RETURN_IF_ERROR(CheckCall(caller, rule, request));  // roles, scope, member
//
// An RPC with no rule is refused (PERMISSION_DENIED), so a new RPC is closed
// until someone decides who needs it; tests/access checks that every method
// of every service has a rule.
//
// Scope: a rule names the request fields that hold resource names
// ("authorities/{a}/…"). Roles in `any_member_roles` may name any member's
// records; the rule's other roles only their own member's. A withdrawn
// member's keys may call only rules marked `own_reads_when_withdrawn`, and
// only for their own member. A wildcard ("authorities/-") names every member,
// and is refused to a caller limited to its own (except
// where the handler itself narrows it: `wildcard_narrowed`).
//
// Row and field rules that need the stored record (a profile hidden from an
// authority, a field only the owner sees) are the pure functions below; the
// areas call them, never their own copies.
#ifndef RAAMATCH_SERVICES_AUTH_ACCESS_POLICY_H_
#define RAAMATCH_SERVICES_AUTH_ACCESS_POLICY_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "raa/v1/registry.pb.h"
#include "services/auth/auth.h"

namespace raa {

inline constexpr uint32_t kRegistrar = 1u << v1::ROLE_REGISTRAR;
inline constexpr uint32_t kFamilyFinder = 1u << v1::ROLE_FAMILY_FINDER;
inline constexpr uint32_t kFinance = 1u << v1::ROLE_FINANCE;
inline constexpr uint32_t kManager = 1u << v1::ROLE_MANAGER;
inline constexpr uint32_t kEveryRole =
    kRegistrar | kFamilyFinder | kFinance | kManager;

// What a call does: decides what the audit trail records.
enum class CallKind : uint8_t {
  kDirectory,    // members, the policy, keys' labels: not personal data
  kRecordRead,   // reads child profiles or households
  kSearch,       // ranks, explains or follows children and households
  kRecordWrite,  // changes a member's children or households
  kAdminWrite,   // changes members, keys or the matching policy
  kAuditRead,    // reads the audit trail
};

// Whether calls of this kind are written to the audit trail.
constexpr bool IsAudited(CallKind kind) { return kind != CallKind::kDirectory; }

struct MethodRule {
  absl::string_view method;   // "/raa.v1.RegistryService/GetChild"
  uint32_t roles;             // roles that may call it at all
  uint32_t any_member_roles;  // of those, the roles that may name any member
  CallKind kind;
  // Request fields holding resource names that say whose records the call
  // touches: dotted paths, singular or repeated string fields.
  std::array<absl::string_view, 2> scope_fields;
  // For a caller limited to its own member: true if naming its own member in
  // ANY scope field is enough (ExplainPair: one side must be its own), false
  // if every name must be its own.
  bool any_field_own = false;
  // A withdrawn member's keys may still call it for their own records.
  bool own_reads_when_withdrawn = false;
  // The handler narrows a wildcard to the caller's own member itself.
  bool wildcard_narrowed = false;
};

// Every rule, one per RPC of every service.
std::span<const MethodRule> MethodRules();

// The rule for a full method name ("/package.Service/Method"), or null.
const MethodRule* FindMethodRule(absl::string_view method);

// Role and membership: PERMISSION_DENIED unless one of the caller's roles is
// in `rule.roles` and, for a withdrawn member, the rule allows own reads.
absl::Status MayCall(const Caller& caller, const MethodRule& rule);

// Whether the caller may name any member's records under `rule` (otherwise
// only its own).
bool MayNameAnyMember(const Caller& caller, const MethodRule& rule);

// The member ids named by `rule`'s scope fields of `request`, for the audit
// trail and the scope check. "-" stands for a wildcard; a malformed name is
// left out (the handler rejects it).
std::vector<std::string> NamedRecords(const MethodRule& rule,
                                      const google::protobuf::Message& request);

// The whole check, before any work: MayCall, then the scope of the request.
// A null rule is PERMISSION_DENIED (an RPC nobody has decided about).
absl::Status CheckCall(const Caller& caller, const MethodRule* rule,
                       const google::protobuf::Message& request);

// ---- row and field rules, for the areas ----

// Whether a profile owned by `owner` with this hidden_from list (authority
// ids) is hidden from `authority`: never from its owner.
template <typename Ids>
bool IsHiddenFrom(absl::string_view authority, absl::string_view owner,
                  const Ids& hidden_from) {
  if (authority == owner) return false;
  for (const auto& id : hidden_from) {
    if (id == authority) return true;
  }
  return false;
}

// Whether a child profile owned by `owner` with this hidden_from list may be
// shown to the caller: its own member always (even withdrawn); others unless
// hidden from their member, and never to a withdrawn member.
template <typename Ids>
bool IsVisibleTo(const Caller& caller, absl::string_view owner,
                 const Ids& hidden_from) {
  if (caller.authority_id == owner) return true;
  return !caller.withdrawn &&
         !IsHiddenFrom(caller.authority_id, owner, hidden_from);
}
// The same for a record with no hidden_from list (a household).
bool IsVisibleTo(const Caller& caller, absl::string_view owner);

// Whether the caller may search for (rank, explain, follow) the children and
// households of every member: family finders and managers of members still
// in the consortium.
bool CanSearchAll(const Caller& caller);
// PERMISSION_DENIED unless the caller may search for `owner`'s records:
// CanSearchAll, or a registrar of `owner` still in the consortium.
absl::Status CanSearchFor(const Caller& caller, absl::string_view owner);

// Whether the caller sees every member's API keys (a manager of a member
// still in the consortium); others see their own member's.
bool SeesEveryMembersKeys(const Caller& caller);

// Field rules: clears what the caller may not see in a response. A child's
// hidden_from names where its birth family may live: only the owning member
// sees it.
void RedactFor(const Caller& caller, v1::Child& child);
void RedactFor(const Caller& caller, v1::ListChildrenResponse& response);
// Responses with nothing to redact.
template <typename Message>
void RedactFor(const Caller&, Message&) {}

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_ACCESS_POLICY_H_
