#include "clients/lib/client.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace raa {

RaaClient::RaaClient(const ClientOptions& options)
    : options_(options),
      channel_(grpc::CreateChannel(options.server,
                                   grpc::InsecureChannelCredentials())),
      registry_(v1::RegistryService::NewStub(channel_)),
      access_(v1::AccessService::NewStub(channel_)),
      matching_(v1::MatchingService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> RaaClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options_.key.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options_.key));
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  return context;
}

std::string NewRequestId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x%016x", rng(), rng());
}

}  // namespace raa
