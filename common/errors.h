// Errors for bad input: absl::Status with google.rpc.BadRequest details.
//
// Validation collects every wrong field, then turns them into one status:
//
//   FieldErrors errors;
//   if (child.members().empty()) errors.Add("child.members", "must not be
//   empty"); RETURN_IF_ERROR(errors.ToStatus());
//
// ToGrpcStatus() carries the violations to the client in the standard
// `grpc-status-details-bin` trailer (a google.rpc.Status), so any gRPC client
// can read which field is wrong and why.
//
// A message never repeats a whole input: every value quoted in a message goes
// through Quoted() (at most kMaxQuotedChars characters, then "…"), and
// ToGrpcStatus() caps the whole message and the details as a last guard, so
// a hostile 1 MB value yields an answer of a few hundred bytes.
#ifndef RAAMATCH_COMMON_ERRORS_H_
#define RAAMATCH_COMMON_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"

namespace raa {

// How much of a user's value a message repeats, in characters.
inline constexpr size_t kMaxQuotedChars = 40;
// ToGrpcStatus() caps: the status message, in bytes, and the serialized
// google.rpc.BadRequest, so that both trailers stay under gRPC's 8 KB
// metadata limit even when every byte needs percent-encoding.
inline constexpr size_t kMaxStatusMessageBytes = 1024;
inline constexpr size_t kMaxStatusDetailsBytes = 2048;

// `value` in double quotes for a message: its first kMaxQuotedChars
// characters, then "…" if it was longer; control, bidi and zero-width
// characters and malformed bytes shown as U+FFFD. Use it for every value a
// message quotes from a request.
std::string Quoted(absl::string_view value);

struct FieldViolation {
  std::string field;
  std::string description;
};

class FieldErrors {
 public:
  FieldErrors() = default;
  // Every field added is reported under `prefix` + "." + field.
  explicit FieldErrors(std::string prefix) : prefix_(std::move(prefix)) {}

  void Add(absl::string_view field, absl::string_view description);
  // Adds the violations carried by `status` (if any) under this prefix.
  void AddAll(const absl::Status& status);
  // Adds every violation of `other` (its fields already carry its own
  // prefix) under this prefix, in order:
  //   FieldErrors row(absl::StrCat("requests[", i, "].child"));
  //   ...
  //   errors.Merge(row);  // "requests[3].child.summary", ...
  void Merge(const FieldErrors& other);
  bool empty() const { return violations_.empty(); }
  const std::vector<FieldViolation>& violations() const { return violations_; }

  // OK if no violation was added; otherwise INVALID_ARGUMENT with a message
  // listing the fields and a google.rpc.BadRequest payload.
  absl::Status ToStatus() const;

 private:
  std::string prefix_;
  std::vector<FieldViolation> violations_;
};

// INVALID_ARGUMENT for a single wrong field.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);

// The field violations carried by `status`; empty if none.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// absl::Status to grpc::Status, with BadRequest details when present. The
// message is cut to kMaxStatusMessageBytes (on a character boundary, with
// "…"); the details keep the violations that fit in kMaxStatusDetailsBytes
// and then one saying how many more there were.
grpc::Status ToGrpcStatus(const absl::Status& status);

// grpc::Status back to absl::Status, keeping BadRequest details (clients).
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace raa

#endif  // RAAMATCH_COMMON_ERRORS_H_
