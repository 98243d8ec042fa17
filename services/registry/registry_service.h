// raa.v1.RegistryService over gRPC: decode, authenticate, call Registry,
// encode. No rules live here.
#ifndef RAAMATCH_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
#define RAAMATCH_SERVICES_REGISTRY_REGISTRY_SERVICE_H_

#include "raa/v1/registry.grpc.pb.h"
#include "services/registry/registry.h"
#include "services/rpc/unary.h"

namespace raa {

class RegistryService final : public v1::RegistryService::CallbackService {
 public:
  RegistryService(Registry& registry, UnaryRunner& rpc)
      : registry_(registry), rpc_(rpc) {}

#define RAA_REGISTRY_RPC(Method, Request, Response)                     \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,    \
                                   const v1::Request* request,          \
                                   v1::Response* response) override {   \
    return rpc_.Unary(ctx, RAA_RULE(RegistryService, Method), request,  \
                      response, [this, request](const Caller& caller) { \
                        return registry_.Method(caller, *request);      \
                      });                                               \
  }

  RAA_REGISTRY_RPC(CreateAuthority, CreateAuthorityRequest, Authority)
  RAA_REGISTRY_RPC(GetAuthority, GetAuthorityRequest, Authority)
  RAA_REGISTRY_RPC(ListAuthorities, ListAuthoritiesRequest,
                   ListAuthoritiesResponse)
  RAA_REGISTRY_RPC(UpdateAuthority, UpdateAuthorityRequest, Authority)
  RAA_REGISTRY_RPC(GetWithdrawalImpact, GetWithdrawalImpactRequest,
                   WithdrawalImpact)
  RAA_REGISTRY_RPC(WithdrawAuthority, WithdrawAuthorityRequest, Authority)
  RAA_REGISTRY_RPC(ReinstateAuthority, ReinstateAuthorityRequest, Authority)
  RAA_REGISTRY_RPC(CreateChild, CreateChildRequest, Child)
  RAA_REGISTRY_RPC(BatchCreateChildren, BatchCreateChildrenRequest,
                   BatchCreateChildrenResponse)
  RAA_REGISTRY_RPC(GetChild, GetChildRequest, Child)
  RAA_REGISTRY_RPC(ListChildren, ListChildrenRequest, ListChildrenResponse)
  RAA_REGISTRY_RPC(UpdateChild, UpdateChildRequest, Child)
  RAA_REGISTRY_RPC(WithdrawChild, WithdrawChildRequest, Child)
  RAA_REGISTRY_RPC(CreateAdopter, CreateAdopterRequest, Adopter)
  RAA_REGISTRY_RPC(BatchCreateAdopters, BatchCreateAdoptersRequest,
                   BatchCreateAdoptersResponse)
  RAA_REGISTRY_RPC(GetAdopter, GetAdopterRequest, Adopter)
  RAA_REGISTRY_RPC(ListAdopters, ListAdoptersRequest, ListAdoptersResponse)
  RAA_REGISTRY_RPC(UpdateAdopter, UpdateAdopterRequest, Adopter)
  RAA_REGISTRY_RPC(WithdrawAdopter, WithdrawAdopterRequest, Adopter)
  RAA_REGISTRY_RPC(ListRegions, ListRegionsRequest, ListRegionsResponse)
  RAA_REGISTRY_RPC(CreateRegion, CreateRegionRequest, Region)
  RAA_REGISTRY_RPC(CheckRegions, CheckRegionsRequest, CheckRegionsResponse)

#undef RAA_REGISTRY_RPC

 private:
  Registry& registry_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
