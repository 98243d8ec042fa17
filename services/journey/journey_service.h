// raa.v1.JourneyService over gRPC: decode, authenticate, call the journey's
// classes, encode. No rules live here. Methods not listed answer
// UNIMPLEMENTED (gRPC's default) until their class is added.
#ifndef RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
#define RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_

#include "raa/v1/journey.grpc.pb.h"
#include "services/journey/links.h"
#include "services/rpc/unary.h"

namespace raa {

class JourneyService final : public v1::JourneyService::CallbackService {
 public:
  JourneyService(Links& links, UnaryRunner& rpc) : links_(links), rpc_(rpc) {}

#define RAA_JOURNEY_RPC(Target, Method, Request, Response)              \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,    \
                                   const v1::Request* request,          \
                                   v1::Response* response) override {   \
    return rpc_.Unary(ctx, RAA_RULE(JourneyService, Method), request,   \
                      response, [this, request](const Caller& caller) { \
                        return Target.Method(caller, *request);         \
                      });                                               \
  }

  // ---- links (services/journey/links.h) ----
  RAA_JOURNEY_RPC(links_, OpenLink, OpenLinkRequest, Link)
  RAA_JOURNEY_RPC(links_, AdvanceLink, AdvanceLinkRequest, Link)
  RAA_JOURNEY_RPC(links_, CloseLink, CloseLinkRequest, Link)
  RAA_JOURNEY_RPC(links_, CorrectStep, CorrectStepRequest, Link)
  RAA_JOURNEY_RPC(links_, GetLink, GetLinkRequest, Link)
  RAA_JOURNEY_RPC(links_, ListLinks, ListLinksRequest, ListLinksResponse)

#undef RAA_JOURNEY_RPC

 private:
  Links& links_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
