// raa.v1.JourneyService over gRPC: decode, authenticate, call the journey's
// classes (Links for the link methods; Milestones for milestones, tracking
// reviews, the overdue list and the timescales), encode. No rules live here.
#ifndef RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
#define RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_

#include "raa/v1/journey.grpc.pb.h"
#include "services/journey/links.h"
#include "services/journey/milestones.h"
#include "services/rpc/unary.h"

namespace raa {

// Lifetime: holds references to the classes and the runner, which must
// outlive it. Thread-safe as they are.
class JourneyService final : public v1::JourneyService::CallbackService {
 public:
  JourneyService(Links& links, Milestones& milestones, UnaryRunner& rpc)
      : links_(links), milestones_(milestones), rpc_(rpc) {}

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

  // ---- milestones, reviews, overdue, timescales (milestones.h) ----
  RAA_JOURNEY_RPC(milestones_, RecordMilestone, RecordMilestoneRequest,
                  Milestone)
  RAA_JOURNEY_RPC(milestones_, ListMilestones, ListMilestonesRequest,
                  ListMilestonesResponse)
  RAA_JOURNEY_RPC(milestones_, RecordTrackingReview,
                  RecordTrackingReviewRequest, TrackingReview)
  RAA_JOURNEY_RPC(milestones_, ListTrackingReviews, ListTrackingReviewsRequest,
                  ListTrackingReviewsResponse)
  RAA_JOURNEY_RPC(milestones_, ListOverdue, ListOverdueRequest,
                  ListOverdueResponse)
  RAA_JOURNEY_RPC(milestones_, GetTimescales, GetTimescalesRequest, Timescales)
  RAA_JOURNEY_RPC(milestones_, UpdateTimescales, UpdateTimescalesRequest,
                  Timescales)

#undef RAA_JOURNEY_RPC

 private:
  Links& links_;
  Milestones& milestones_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
