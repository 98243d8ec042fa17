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

#define RAA_MATCHING_RPC(Method, Domain, Request, Response)                  \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,         \
                                   const v1::Request* request,               \
                                   v1::Response* response) override {        \
    return rpc_.Unary(ctx, response, [this, request](const Caller& caller) { \
      return matching_.Domain(caller, *request);                             \
    });                                                                      \
  }

  RAA_MATCHING_RPC(RankAdopters, RankAdopters, RankAdoptersRequest,
                   RankAdoptersResponse)
  RAA_MATCHING_RPC(RankChildren, RankChildren, RankChildrenRequest,
                   RankChildrenResponse)
  RAA_MATCHING_RPC(ExplainPair, ExplainPair, ExplainPairRequest,
                   PairExplanation)
  RAA_MATCHING_RPC(GetMatchingPolicy, GetPolicy, GetMatchingPolicyRequest,
                   MatchingPolicy)
  RAA_MATCHING_RPC(UpdateMatchingPolicy, UpdatePolicy,
                   UpdateMatchingPolicyRequest, MatchingPolicy)

#undef RAA_MATCHING_RPC

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
