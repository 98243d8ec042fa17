// A small C++ client for raamatch: one channel, the bearer key on every call,
// a deadline on every call, and gRPC errors as absl::Status (with the
// google.rpc.BadRequest field violations kept, see ViolationsOf()).
//
//   RaaClient client({.server = "127.0.0.1:50051", .key = key});
//   absl::StatusOr<v1::Child> child =
//       client.Call(&v1::RegistryService::Stub::GetChild, request);
#ifndef RAAMATCH_CLIENTS_LIB_CLIENT_H_
#define RAAMATCH_CLIENTS_LIB_CLIENT_H_

#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/common/errors.h"

namespace raa {

struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  std::string key;
  absl::Duration deadline = absl::Seconds(30);
};

class RaaClient {
 public:
  explicit RaaClient(const ClientOptions& options);

  // A context carrying the key and the deadline.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  // Calls a unary method of any raamatch stub.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) {
    std::unique_ptr<grpc::ClientContext> context = NewContext();
    Response response;
    grpc::Status status =
        (StubFor<Stub>().*method)(context.get(), request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::MatchingService::Stub& matching() { return *matching_; }

 private:
  template <typename Stub>
  Stub& StubFor() {
    if constexpr (std::is_same_v<Stub, v1::RegistryService::Stub>) {
      return *registry_;
    } else if constexpr (std::is_same_v<Stub, v1::MatchingService::Stub>) {
      return *matching_;
    } else {
      static_assert(std::is_same_v<Stub, v1::AccessService::Stub>);
      return *access_;
    }
  }

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::AccessService::Stub> access_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
};

// A fresh random request id for a write.
std::string NewRequestId();

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_CLIENT_H_
