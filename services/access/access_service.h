// raa.v1.AccessService over gRPC: a thin shell around ApiKeys and the audit
// trail (services/audit).
#ifndef RAAMATCH_SERVICES_ACCESS_ACCESS_SERVICE_H_
#define RAAMATCH_SERVICES_ACCESS_ACCESS_SERVICE_H_

#include "raa/v1/access.grpc.pb.h"
#include "services/access/api_keys.h"
#include "services/rpc/unary.h"

namespace raa {

class AccessService final : public v1::AccessService::CallbackService {
 public:
  AccessService(ApiKeys& keys, UnaryRunner& rpc) : keys_(keys), rpc_(rpc) {}

  grpc::ServerUnaryReactor* CreateApiKey(
      grpc::CallbackServerContext* ctx, const v1::CreateApiKeyRequest* request,
      v1::CreateApiKeyResponse* response) override {
    return rpc_.Unary(ctx, RAA_RULE(AccessService, CreateApiKey), request,
                      response, [this, request](const Caller& caller) {
                        return keys_.Create(caller, *request);
                      });
  }
  grpc::ServerUnaryReactor* ListApiKeys(
      grpc::CallbackServerContext* ctx, const v1::ListApiKeysRequest* request,
      v1::ListApiKeysResponse* response) override {
    return rpc_.Unary(ctx, RAA_RULE(AccessService, ListApiKeys), request,
                      response, [this, request](const Caller& caller) {
                        return keys_.List(caller, *request);
                      });
  }
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* ctx,
                                         const v1::RevokeApiKeyRequest* request,
                                         v1::ApiKey* response) override {
    return rpc_.Unary(ctx, RAA_RULE(AccessService, RevokeApiKey), request,
                      response, [this, request](const Caller& caller) {
                        return keys_.Revoke(caller, *request);
                      });
  }
  grpc::ServerUnaryReactor* QueryAuditLog(
      grpc::CallbackServerContext* ctx, const v1::QueryAuditLogRequest* request,
      v1::QueryAuditLogResponse* response) override {
    return rpc_.Unary(
        ctx, RAA_RULE(AccessService, QueryAuditLog), request, response,
        [this,
         request](const Caller&) -> absl::StatusOr<v1::QueryAuditLogResponse> {
          if (rpc_.audit() == nullptr) {
            return absl::FailedPreconditionError(
                "this server runs without an audit trail");
          }
          // Every call answered before this one is in the answer.
          rpc_.audit()->Flush();
          return rpc_.audit()->Query(*request);
        });
  }

 private:
  ApiKeys& keys_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_ACCESS_ACCESS_SERVICE_H_
