// raa.v1.MatchingService over gRPC. Unary calls run on the worker pool;
// WatchMatches is a server stream fed by LiveIndex subscriptions.
#ifndef RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_
#define RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_

#include "raa/v1/matching.grpc.pb.h"
#include "services/matching/matching.h"
#include "services/server/unary.h"

namespace raa {

class MatchingService final : public v1::MatchingService::CallbackService {
 public:
  MatchingService(Matching& matching, LiveIndex& live,
                  Authenticator& authenticator, WorkerPool& pool,
                  UnaryRunner& rpc)
      : matching_(matching),
        live_(live),
        authenticator_(authenticator),
        pool_(pool),
        rpc_(rpc) {}

#define RAA_MATCHING_RPC(Method, Domain, Request, Response)             \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,    \
                                   const v1::Request* request,          \
                                   v1::Response* response) override {   \
    return rpc_.Unary(ctx, RAA_RULE(MatchingService, Method), request,  \
                      response, [this, request](const Caller& caller) { \
                        return matching_.Domain(caller, *request);      \
                      });                                               \
  }

  RAA_MATCHING_RPC(ExplainPair, ExplainPair, ExplainPairRequest,
                   PairExplanation)
  RAA_MATCHING_RPC(GetMatchingPolicy, GetPolicy, GetMatchingPolicyRequest,
                   MatchingPolicy)
  RAA_MATCHING_RPC(UpdateMatchingPolicy, UpdatePolicy,
                   UpdateMatchingPolicyRequest, MatchingPolicy)

#undef RAA_MATCHING_RPC

  // Searches of a small pool are answered on gRPC's thread when the index
  // alone can answer them (tens of microseconds); the rest go to the pool.
  grpc::ServerUnaryReactor* RankAdopters(
      grpc::CallbackServerContext* ctx, const v1::RankAdoptersRequest* request,
      v1::RankAdoptersResponse* response) override {
    return rpc_.InlineFirst(
        ctx, RAA_RULE(MatchingService, RankAdopters), request, response,
        [this, request](const Caller& caller) {
          return matching_.TryRankAdopters(caller, *request,
                                           Matching::kInlinePool);
        },
        [this, request](const Caller& caller) {
          return matching_.RankAdopters(caller, *request);
        });
  }
  grpc::ServerUnaryReactor* RankChildren(
      grpc::CallbackServerContext* ctx, const v1::RankChildrenRequest* request,
      v1::RankChildrenResponse* response) override {
    return rpc_.InlineFirst(
        ctx, RAA_RULE(MatchingService, RankChildren), request, response,
        [this, request](const Caller& caller) {
          return matching_.TryRankChildren(caller, *request,
                                           Matching::kInlinePool);
        },
        [this, request](const Caller& caller) {
          return matching_.RankChildren(caller, *request);
        });
  }

  grpc::ServerWriteReactor<v1::MatchAlert>* WatchMatches(
      grpc::CallbackServerContext* ctx,
      const v1::WatchMatchesRequest* request) override;

 private:
  Matching& matching_;
  LiveIndex& live_;
  Authenticator& authenticator_;
  WorkerPool& pool_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_
