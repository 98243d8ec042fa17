// Checks that bytes are a well-formed protobuf message of a given type, and
// when they are not, says which field is wrong, without ever calling
// protobuf's parser (which logs an error line for every invalid UTF-8 string
// and gives no field path).
//
//   absl::Status status =
//       CheckWireFormat(*v1::CreateChildRequest::descriptor(), bytes);
//   // INVALID_ARGUMENT "child.summary: is not valid UTF-8", with a
//   // google.rpc.BadRequest naming "child.summary".
//
// The check accepts exactly what protobuf 3.21's parser accepts, or is
// stricter: fields are walked by the message's descriptor; proto3 strings must
// be valid UTF-8 (as protobuf defines it); nested messages, packed repeated
// fields, unknown fields and groups must be complete; tags, varints and
// lengths must be no longer than protobuf reads; nesting is limited to 100
// levels. tests/rpc/wire_check_test.cc holds it to protobuf's own parser on
// seeded random corruptions of valid requests.
//
// Field paths use proto field names, with an index for repeated fields:
// "requests[3].child.members[0].first_language". When a malformed byte
// cannot be tied to a known field, the violation names the innermost known
// field around it, or is "" for the request as a whole.
//
// Cost: one pass over the bytes, no allocation unless a repeated field is
// met or a violation is found. Thread-safe (no state).
#ifndef RAAMATCH_SERVICES_RPC_WIRE_CHECK_H_
#define RAAMATCH_SERVICES_RPC_WIRE_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace raa {

// OK if `bytes` parse as a `type` message; otherwise INVALID_ARGUMENT with a
// google.rpc.BadRequest carrying one violation (see common/errors.h).
absl::Status CheckWireFormat(const google::protobuf::Descriptor& type,
                             absl::string_view bytes);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_WIRE_CHECK_H_
