// One-line gRPC calls for tests: a unary call with a deadline and a key, and
// the two services every raamatch server answers without a key (health and
// reflection), called without generated stubs.
//
//   v1::Child created;
//   grpc::Status s = Call(*stub, &v1::RegistryService::Stub::CreateChild, key,
//                         request, &created);
#ifndef RAAMATCH_TESTS_SUPPORT_GRPC_CALLS_H_
#define RAAMATCH_TESTS_SUPPORT_GRPC_CALLS_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace raa::test {

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

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_GRPC_CALLS_H_
