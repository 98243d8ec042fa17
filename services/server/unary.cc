#include "services/server/unary.h"

#include <chrono>

namespace raa {

std::string AuthorizationOf(const grpc::CallbackServerContext& ctx) {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
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

}  // namespace raa
