// Matchers and printers for statuses and protos, for absl::Status and
// grpc::Status alike, and the fields a google.rpc.BadRequest names.
//
//   EXPECT_THAT(registry.CreateChild(caller, request),
//               StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));
//   EXPECT_THAT(stored, EqualsProto(created));
#ifndef RAAMATCH_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define RAAMATCH_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"

// Lets gtest print a grpc::Status as "CODE: message" instead of raw bytes.
namespace grpc {
void PrintTo(const Status& status, std::ostream* os);
}  // namespace grpc

namespace raa::test {

// The field names of the google.rpc.BadRequest violations a status carries,
// in order; empty if none.
std::vector<std::string> ViolationFields(const absl::Status& status);
std::vector<std::string> ViolationFields(const grpc::Status& status);

inline std::string DescribeStatus(const grpc::Status& s) {
  return s.ok() ? "OK"
                : "code " + std::to_string(s.error_code()) + ": " +
                      s.error_message();
}
inline std::string DescribeStatus(const absl::Status& s) {
  return s.ToString();
}
inline int CodeOf(const grpc::Status& s) {
  return static_cast<int>(s.error_code());
}
inline int CodeOf(const absl::Status& s) { return static_cast<int>(s.code()); }

// For absl::Status and grpc::Status alike.
MATCHER(IsOk, "is OK") {
  if (!arg.ok()) *result_listener << DescribeStatus(arg);
  return arg.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  *result_listener << DescribeStatus(arg);
  return CodeOf(arg) == static_cast<int>(code);
}

MATCHER_P(EqualsProto, expected,
          "equals " + ::testing::PrintToString(expected.ShortDebugString())) {
  google::protobuf::util::MessageDifferencer differ;
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  bool equal = differ.Compare(expected, arg);
  if (!equal) *result_listener << "differs: " << diff;
  return equal;
}

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_STATUS_MATCHERS_H_
