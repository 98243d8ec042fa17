#include "services/rpc/unary.h"

#include <chrono>
#include <iterator>
#include <memory>
#include <vector>

#include "common/status_macros.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/generic/async_generic_service.h"

namespace raa {

std::string AuthorizationOf(const grpc::CallbackServerContext& ctx) {
  return std::string(AuthorizationViewOf(ctx));
}

absl::string_view AuthorizationViewOf(const grpc::CallbackServerContext& ctx) {
  const auto& metadata = ctx.client_metadata();
  auto [it, end] = metadata.equal_range("authorization");
  if (it == end) return {};
  // Two keys name no one caller (and a proxy that adds one must not have
  // its key or the client's taken at random): refused as malformed.
  if (std::next(it) != end) return "(more than one authorization header)";
  return absl::string_view(it->second.data(), it->second.size());
}

absl::Status CallStateOf(const grpc::CallbackServerContext& ctx) {
  if (ctx.IsCancelled()) {
    return absl::CancelledError("the call was cancelled; nothing was done");
  }
  if (ctx.deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before it could run; nothing was done");
  }
  return absl::OkStatus();
}

std::string CertificateNameOf(const grpc::CallbackServerContext& ctx) {
  return std::string(CertificateNameViewOf(ctx));
}

absl::string_view CertificateNameViewOf(
    const grpc::CallbackServerContext& ctx) {
  // The context keeps the auth context (and so the names) until the call
  // ends.
  std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  if (auth == nullptr) return {};
  std::vector<grpc::string_ref> names =
      auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  // A certificate has at most one subject; several names cannot identify one
  // member.
  if (names.size() != 1) return {};
  return absl::string_view(names[0].data(), names[0].size());
}

// The context the server's allocator makes for each call it serves by a
// method of ours: what the call's answer counts in UnreadAnswers, given back
// when gRPC releases the context (on the call's own thread, once it is done
// with the call: a reactor of our own would have its OnDone run on another).
class CountedCallContext final : public grpc::CallbackServerContext {
 public:
  std::string counted_key;  // empty: nothing counted
  size_t counted_bytes = 0;
};

namespace {

// Makes the server's call contexts, and gives back what an answer counted
// when gRPC releases its context. Every context gRPC releases here is one
// this made: with none made for generic calls (those to a method the server
// does not have), gRPC 1.51 made its own but released it here all the same.
class CountingContexts final : public grpc::ContextAllocator {
 public:
  explicit CountingContexts(std::shared_ptr<UnreadAnswers> unread)
      : unread_(std::move(unread)) {}

  grpc::CallbackServerContext* NewCallbackServerContext() override {
    return new CountedCallContext();
  }

  grpc::GenericCallbackServerContext* NewGenericCallbackServerContext()
      override {
    return new grpc::GenericCallbackServerContext();
  }

  // A generic context may come here too (gRPC's answer to an unknown
  // method is a unary handler).
  void Release(grpc::CallbackServerContext* ctx) override {
    if (auto* counted = dynamic_cast<CountedCallContext*>(ctx);
        counted != nullptr && !counted->counted_key.empty()) {
      unread_->Remove(counted->counted_key, counted->counted_bytes);
    }
    delete ctx;
  }

  void Release(grpc::GenericCallbackServerContext* ctx) override { delete ctx; }

 private:
  const std::shared_ptr<UnreadAnswers> unread_;
};

}  // namespace

std::unique_ptr<grpc::ContextAllocator> UnaryRunner::NewContextAllocator() {
  return std::make_unique<CountingContexts>(unread_);
}

absl::Status UnaryRunner::CountUnread(grpc::CallbackServerContext* ctx,
                                      const Caller& caller, size_t bytes) {
  if (bytes < UnreadAnswers::kCountedBytes || caller.key_id.empty()) {
    return absl::OkStatus();
  }
  auto* counted = dynamic_cast<CountedCallContext*>(ctx);
  if (counted == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(unread_->TryAdd(caller.key_id, bytes));
  counted->counted_key = caller.key_id;
  counted->counted_bytes = bytes;
  return absl::OkStatus();
}

}  // namespace raa
