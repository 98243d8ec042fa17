// What the audit trail records of one call: who (key, member), which RPC,
// the answer's status, and which records it read or changed.
//
//   AuditEvent e = MakeAuditEvent(caller, rule, request, &response, status);
//
// Records are the resource names of children, households, members and keys:
// from the answer when the call succeeded (every child or household a list
// or a ranking returned, the pair explained, what a write created or
// changed), and from the request's scope fields when it failed (what the
// caller asked for).
#ifndef RAAMATCH_SERVICES_AUDIT_AUDIT_RECORDS_H_
#define RAAMATCH_SERVICES_AUDIT_AUDIT_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "raa/v1/matching.pb.h"
#include "services/audit/audit_log.h"
#include "services/auth/access_policy.h"
#include "services/auth/auth.h"

namespace raa {

// Appends the record names in `message`: string fields called name, child,
// adopter or record, in it and in the messages it holds.
void AppendRecordNames(const google::protobuf::Message& message,
                       AuditRecords& out);
// The same for an alert, without reflection. (A ranking's answer names its
// records through services/matching/ranking_answer.h's own overload.)
void AppendRecordNames(const v1::MatchAlert& alert, AuditRecords& out);

// The records `request` names in `rule`'s scope fields, for the trail: the
// fields set, and a wildcard ("authorities/-") only if `wildcards` (a
// refused call is recorded with what it asked for; an answered one with
// what it read).
std::vector<std::string> RequestedRecords(
    const MethodRule& rule, const google::protobuf::Message& request,
    bool wildcards);

// The event for one call. `response` is null when the call failed. `rule`
// may be null (an RPC without a rule: refused, and recorded as such).
template <typename Request, typename Response>
AuditEvent MakeAuditEvent(const Caller& caller, const MethodRule* rule,
                          const Request& request, const Response* response,
                          const absl::Status& status) {
  AuditEvent event;
  event.key_id = caller.key_id;
  event.authority_id = caller.authority_id;
  event.method = rule != nullptr ? std::string(rule->method) : "";
  event.status_code = static_cast<int>(status.code());
  if (response != nullptr && rule != nullptr &&
      rule->kind != CallKind::kAuditRead) {
    // A search names its subject in the request, the answer the candidates;
    // a read names what it read (a child's milestones: the child), even
    // when the answer is empty.
    if (rule->kind == CallKind::kSearch ||
        rule->kind == CallKind::kRecordRead) {
      event.records = AuditRecords(RequestedRecords(*rule, request, false));
    }
    AppendRecordNames(*response, event.records);
  } else if (rule != nullptr) {
    event.records = AuditRecords(RequestedRecords(*rule, request, true));
  }
  return event;
}

}  // namespace raa

#endif  // RAAMATCH_SERVICES_AUDIT_AUDIT_RECORDS_H_
