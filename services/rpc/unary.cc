#include "services/rpc/unary.h"

#include <chrono>
#include <memory>
#include <vector>

#include "grpc/grpc_security_constants.h"

namespace raa {

std::string AuthorizationOf(const grpc::CallbackServerContext& ctx) {
  return std::string(AuthorizationViewOf(ctx));
}

absl::string_view AuthorizationViewOf(const grpc::CallbackServerContext& ctx) {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return {};
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

}  // namespace raa
