// Runs a unary RPC off gRPC's threads: the handler captures the bearer key,
// schedules the work on the worker pool, and returns the reactor at once.
//
// Work nobody waits for is not done: when a worker picks the call up after
// the client cancelled it or after its deadline, it answers CANCELLED or
// DEADLINE_EXCEEDED without running it; while it runs, a CallScope lets the
// store refuse to take its write lock for it (services/common/call_scope.h).
//
//   grpc::ServerUnaryReactor* GetChild(grpc::CallbackServerContext* ctx,
//                                      const v1::GetChildRequest* request,
//                                      v1::Child* response) override {
//     return rpc_.Unary(ctx, response, [=, this](const Caller& caller) {
//       return registry_.GetChild(caller, *request);
//     });
//   }
#ifndef RAAMATCH_SERVICES_SERVER_UNARY_H_
#define RAAMATCH_SERVICES_SERVER_UNARY_H_

#include <optional>
#include <string>
#include <utility>

#include "grpcpp/grpcpp.h"
#include "services/auth/auth.h"
#include "services/common/call_scope.h"
#include "services/common/errors.h"
#include "services/common/worker_pool.h"

namespace raa {

// The value of the call's `authorization` metadata, or empty.
std::string AuthorizationOf(const grpc::CallbackServerContext& ctx);

// OK while the call's answer is awaited; CANCELLED once the client cancelled
// it, DEADLINE_EXCEEDED once its deadline has passed. Safe on any thread
// until the call is finished.
absl::Status CallStateOf(const grpc::CallbackServerContext& ctx);

// The subject common name of the client certificate the TLS handshake
// verified (raamatchd --client-ca), or empty: what Authenticate binds a key
// to.
std::string CertificateNameOf(const grpc::CallbackServerContext& ctx);

class UnaryRunner {
 public:
  UnaryRunner(Authenticator& authenticator, WorkerPool& pool)
      : authenticator_(authenticator), pool_(pool) {}

  // `fn(const Caller&)` returns absl::StatusOr<Response>.
  template <typename Response, typename Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  Response* response, Fn fn) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    pool_.Schedule([this, ctx, reactor, response, fn = std::move(fn),
                    authorization = AuthorizationOf(*ctx),
                    certificate = CertificateNameOf(*ctx)]() mutable {
      if (absl::Status state = CallStateOf(*ctx); !state.ok()) {
        reactor->Finish(ToGrpcStatus(state));
        return;
      }
      CallScope scope([ctx] { return CallStateOf(*ctx); });
      absl::StatusOr<Caller> caller =
          authenticator_.Authenticate(authorization, certificate);
      absl::Status status = caller.status();
      if (caller.ok()) {
        auto result = fn(*caller);
        if (result.ok()) {
          *response = *std::move(result);
        } else {
          status = result.status();
        }
      }
      reactor->Finish(ToGrpcStatus(status));
    });
    return reactor;
  }

  // For calls that can usually be answered from memory in microseconds (a
  // ranking of a small pool): with a cached key, `try_fn(const Caller&)`
  // runs on gRPC's thread and returns std::optional<absl::StatusOr<Response>>;
  // nullopt means it needs the database or is too big, and then `fn` runs on
  // the worker pool as in Unary.
  template <typename Response, typename TryFn, typename Fn>
  grpc::ServerUnaryReactor* InlineFirst(grpc::CallbackServerContext* ctx,
                                        Response* response, TryFn try_fn,
                                        Fn fn) {
    std::string authorization = AuthorizationOf(*ctx);
    if (std::optional<Caller> caller =
            authenticator_.Cached(authorization, CertificateNameOf(*ctx))) {
      if (auto result = try_fn(*caller)) {
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        if (result->ok()) *response = **std::move(result);
        reactor->Finish(ToGrpcStatus(result->status()));
        return reactor;
      }
    }
    return Unary(ctx, response, std::move(fn));
  }

 private:
  Authenticator& authenticator_;
  WorkerPool& pool_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_SERVER_UNARY_H_
