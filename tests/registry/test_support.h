// Shared by the registry tests: a fixed "today", valid profiles to start from
// (each test changes one thing), scratch directories, one-line gRPC calls with
// a deadline and a key, and matchers for statuses and protos.
//
//   ScratchDir dir;
//   v1::Child child = ValidChild();
//   child.set_summary("call 0114 273 4567");
//   v1::Child created;
//   grpc::Status s = Call(*stub, &v1::RegistryService::Stub::CreateChild, key,
//                         request, &created);
//   EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
//   EXPECT_THAT(ViolationFields(s), ElementsAre("child.summary"));
#ifndef RAAMATCH_TESTS_REGISTRY_TEST_SUPPORT_H_
#define RAAMATCH_TESTS_REGISTRY_TEST_SUPPORT_H_

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/type/date.pb.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/registry.pb.h"

// Lets gtest print a grpc::Status as "CODE: message" instead of raw bytes.
namespace grpc {
void PrintTo(const Status& status, std::ostream* os);
}  // namespace grpc

namespace raa::test {

// The tests' "today": 2026-11-01 (GMT, so the same day in UTC and London).
absl::CivilDay Today();
// Noon on Today().
absl::Time TestNow();

google::type::Date MakeDate(int year, int month, int day);

// A profile that passes validation on Today(): one boy of 7 with a moderate
// learning disability, letterbox contact, a summary with no identifiers.
v1::Child ValidChild();
// An approved household in south-yorkshire, approved for 2 children aged
// 0-60 months, who would consider mild learning disability.
v1::Adopter ValidAdopter();
// A local authority in `region`.
v1::Authority ValidAuthority(absl::string_view display_name,
                             absl::string_view region);

// A fresh directory under testing::TempDir(), removed with its contents on
// destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name.
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

// The field names of the google.rpc.BadRequest violations a status carries,
// in order; empty if none.
std::vector<std::string> ViolationFields(const absl::Status& status);
std::vector<std::string> ViolationFields(const grpc::Status& status);

inline constexpr std::chrono::seconds kCallDeadline{30};

// One unary call on `stub` with a deadline, sending `key` (if not empty) as
// `authorization: Bearer <key>`.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  absl::string_view key, const Request& request,
                  Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  if (!key.empty()) {
    context.AddMetadata("authorization", "Bearer " + std::string(key));
  }
  return (stub.*method)(&context, request, response);
}

// Asks grpc.health.v1.Health/Check for `service` ("" for the whole server)
// with no key. Sets `serving_status` (1 = SERVING, 2 = NOT_SERVING).
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         absl::string_view service, int* serving_status);

// Asks grpc.reflection.v1alpha.ServerReflection for its service list, with
// no key; sets `response` to the raw ServerReflectionResponse bytes (the
// service names appear in them as plain strings).
grpc::Status ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel, std::string* response);

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

#endif  // RAAMATCH_TESTS_REGISTRY_TEST_SUPPORT_H_
