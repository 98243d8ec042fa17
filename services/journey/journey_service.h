// raa.v1.JourneyService over gRPC: decode, authenticate, call the journey's
// classes, encode. No rules live here. (This branch has the milestone,
// review, overdue and timescale methods; the link methods come with the
// links area.)
#ifndef RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
#define RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_

#include "raa/v1/journey.grpc.pb.h"
#include "services/journey/milestones.h"
#include "services/rpc/unary.h"

namespace raa {

class JourneyService final : public v1::JourneyService::CallbackService {
 public:
  JourneyService(Milestones& milestones, UnaryRunner& rpc)
      : milestones_(milestones), rpc_(rpc) {}

#define RAA_MILESTONES_RPC(Method, Request, Response)                   \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,    \
                                   const v1::Request* request,          \
                                   v1::Response* response) override {   \
    return rpc_.Unary(ctx, RAA_RULE(JourneyService, Method), request,   \
                      response, [this, request](const Caller& caller) { \
                        return milestones_.Method(caller, *request);    \
                      });                                               \
  }

  RAA_MILESTONES_RPC(RecordMilestone, RecordMilestoneRequest, Milestone)
  RAA_MILESTONES_RPC(ListMilestones, ListMilestonesRequest,
                     ListMilestonesResponse)
  RAA_MILESTONES_RPC(RecordTrackingReview, RecordTrackingReviewRequest,
                     TrackingReview)
  RAA_MILESTONES_RPC(ListTrackingReviews, ListTrackingReviewsRequest,
                     ListTrackingReviewsResponse)
  RAA_MILESTONES_RPC(ListOverdue, ListOverdueRequest, ListOverdueResponse)
  RAA_MILESTONES_RPC(GetTimescales, GetTimescalesRequest, Timescales)
  RAA_MILESTONES_RPC(UpdateTimescales, UpdateTimescalesRequest, Timescales)

#undef RAA_MILESTONES_RPC

 private:
  Milestones& milestones_;
  UnaryRunner& rpc_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_JOURNEY_SERVICE_H_
