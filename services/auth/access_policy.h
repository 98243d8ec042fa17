// Least privilege: the one table of who may call which RPC, and on whose
// records, plus the named rules that every area asks instead of writing its
// own.
//
// Every RPC has one MethodRule, keyed by its full gRPC method name. The RPC
// runner (services/rpc/unary.h) checks it after authentication and before
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
// only for their own member. A wildcard ("authorities/-") names every member
// where a method takes one (`wildcard`): it is refused to a caller limited
// to its own member unless the handler narrows it. Where a method takes no
// wildcard, one is INVALID_ARGUMENT for every caller, before the handler.
//
// Row and field rules that need the stored record (a profile hidden from an
// authority, a field only the owner sees) are the pure functions of rules.h;
// the areas call them, never their own copies.
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
#include "services/auth/caller.h"
#include "services/auth/rules.h"

namespace raa {

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

// Whether a method's scope fields take the wildcard "authorities/-".
enum class Wildcard : uint8_t {
  kNone,       // no: "authorities/-" is a malformed name here
  kAnyMember,  // yes, from a caller that may name any member
  kNarrowed,   // yes, from any caller: the handler narrows it to what the
               // caller may see (the reports' consortium view)
};

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
  // Whether a scope field may hold the wildcard "authorities/-".
  Wildcard wildcard = Wildcard::kNone;
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
// A null rule is PERMISSION_DENIED (an RPC nobody has decided about). A
// scope field that starts "authorities/" without an id after it is
// INVALID_ARGUMENT naming the field, whoever calls; a field holding another
// kind of value is left to the handler.
absl::Status CheckCall(const Caller& caller, const MethodRule* rule,
                       const google::protobuf::Message& request);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUTH_ACCESS_POLICY_H_
