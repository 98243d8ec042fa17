#include "services/rpc/unary.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
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

absl::Status UnreadAnswers::TryAdd(const std::string& key_id, size_t bytes) {
  absl::MutexLock lock(&mu_);
  size_t& held = bytes_[key_id];
  if (held > 0 && held + bytes > kMaxBytesPerKey) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this key already has ", kMaxBytesPerKey >> 20,
        " MiB of answers its clients have not read: read them, or close the "
        "connections waiting for them, then try again"));
  }
  if (total_ > 0 && total_ + bytes > kMaxBytes) {
    if (held == 0) bytes_.erase(key_id);
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server already holds ", kMaxBytes >> 20,
        " MiB of answers their clients have not read: try again shortly"));
  }
  held += bytes;
  total_ += bytes;
  return absl::OkStatus();
}

void UnreadAnswers::Remove(const std::string& key_id, size_t bytes) {
  absl::MutexLock lock(&mu_);
  total_ -= std::min(total_, bytes);
  auto it = bytes_.find(key_id);
  if (it == bytes_.end()) return;
  if (it->second <= bytes) {
    bytes_.erase(it);
  } else {
    it->second -= bytes;
  }
}

namespace {

// Makes every callback call's context a CountedCallContext, and gives back
// what its answer counted when gRPC releases it.
class CountingContexts final : public grpc::ContextAllocator {
 public:
  explicit CountingContexts(std::shared_ptr<UnreadAnswers> unread)
      : unread_(std::move(unread)) {}

  grpc::CallbackServerContext* NewCallbackServerContext() override {
    return new CountedCallContext();
  }

  void Release(grpc::CallbackServerContext* ctx) override {
    auto* counted = static_cast<CountedCallContext*>(ctx);
    if (!counted->counted_key.empty()) {
      unread_->Remove(counted->counted_key, counted->counted_bytes);
    }
    delete counted;
  }

 private:
  const std::shared_ptr<UnreadAnswers> unread_;
};

}  // namespace

std::unique_ptr<grpc::ContextAllocator> UnaryRunner::NewContextAllocator() {
  auto allocator = std::make_unique<CountingContexts>(unread_);
  allocator_ = allocator.get();
  return allocator;
}

}  // namespace raa
