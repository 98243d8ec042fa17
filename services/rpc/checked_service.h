// Serves a generated callback service with every request's bytes checked
// before the generated code decodes them, so that bytes which are not the
// request message get INVALID_ARGUMENT naming the field (with a
// google.rpc.BadRequest), never UNIMPLEMENTED and a libprotobuf error line.
//
//   RegistryService registry_service(...);      // handlers stay as they are
//   WireCheckedService checked(registry_service, "raa.v1.RegistryService");
//   builder.RegisterService(&checked);          // instead of registry_service
//
// Why: gRPC 1.51's callback handlers (grpcpp/impl/codegen/
// server_callback_handlers.h) answer any request protobuf cannot parse with
// UNIMPLEMENTED and an empty message, dropping the parse status, and
// protobuf logs an error for each invalid UTF-8 string it meets. Here each
// method's handler is wrapped: the wrapper runs CheckWireFormat
// (services/rpc/wire_check.h) on the bytes first, refuses the call itself
// if they are malformed, and otherwise hands the bytes to the generated
// handler, which decodes them and calls the service's method as before.
// Handlers keep receiving `const Request*` (a method served raw, its checked
// bytes); a method added to the proto is covered without any change here.
//
// Server-streaming methods are refused the same way (the stream ends at once
// with the status). Client- and bidi-streaming methods pass through
// unchecked (the API has none).
//
// Lifetime: `service` must outlive this object, and both must outlive the
// grpc::Server they are registered with. Built before the server starts;
// read-only afterwards, so thread-safe.
//
// This depends on gRPC's internal handler classes
// (grpc::internal::MethodHandler, CallbackUnaryHandler,
// CallbackServerStreamingHandler), as generated code does; tests/rpc pins
// the behaviour, so a gRPC upgrade that changes them fails there first.
#ifndef RAAMATCH_SERVICES_RPC_CHECKED_SERVICE_H_
#define RAAMATCH_SERVICES_RPC_CHECKED_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/impl/service_type.h"

namespace raa {

class WireCheckedService final : public grpc::Service {
 public:
  // `full_name` is the service's proto name, e.g. "raa.v1.RegistryService";
  // its descriptor must be in protobuf's generated pool (it is once the
  // service's generated code is linked). Aborts if it is not: a build error.
  WireCheckedService(grpc::Service& service, absl::string_view full_name);
  ~WireCheckedService() override;

  WireCheckedService(const WireCheckedService&) = delete;
  WireCheckedService& operator=(const WireCheckedService&) = delete;

 private:
  // "/raa.v1.RegistryService/GetChild": gRPC keeps a pointer to each name.
  std::vector<std::unique_ptr<std::string>> paths_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_CHECKED_SERVICE_H_
