// Milestones, tracking reviews, timescales and what is overdue: the
// journey's RPCs besides the links (RecordMilestone, ListMilestones,
// RecordTrackingReview, ListTrackingReviews, ListOverdue, GetTimescales,
// UpdateTimescales). Each validates its request before any lock
// (INVALID_ARGUMENT with a BadRequest naming each field), writes through
// Store::Write (idempotent by request_id) and asks services/auth/rules.h who
// may do what. A record hidden from the caller is NOT_FOUND, as a missing
// one.
//
// A milestone that is a profile's journey date (registry_rows.h,
// IsProfileMilestone) is written through the profile: the record is stored
// again with the date, so the registry's milestone rows, the live index and
// every read of the profile follow it.
//
// Lifetime: holds references to the store, clock, regions and bank holidays,
// which must outlive it. Thread-safety: stateless besides those; safe to call
// from any number of threads (the store serialises writes).
#ifndef RAAMATCH_SERVICES_JOURNEY_MILESTONES_H_
#define RAAMATCH_SERVICES_JOURNEY_MILESTONES_H_

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/journey.pb.h"
#include "services/auth/caller.h"
#include "services/journey/timescales.h"
#include "services/registry/regions.h"
#include "services/store/store.h"

namespace raa {

class Milestones {
 public:
  Milestones(Store& store, const Clock& clock, const RegionList& regions,
             const BankHolidays& holidays)
      : store_(store), clock_(clock), regions_(regions), holidays_(holidays) {}

  absl::StatusOr<v1::Milestone> RecordMilestone(
      const Caller& caller, const v1::RecordMilestoneRequest& request);
  absl::StatusOr<v1::ListMilestonesResponse> ListMilestones(
      const Caller& caller, const v1::ListMilestonesRequest& request);
  absl::StatusOr<v1::TrackingReview> RecordTrackingReview(
      const Caller& caller, const v1::RecordTrackingReviewRequest& request);
  absl::StatusOr<v1::ListTrackingReviewsResponse> ListTrackingReviews(
      const Caller& caller, const v1::ListTrackingReviewsRequest& request);
  absl::StatusOr<v1::ListOverdueResponse> ListOverdue(
      const Caller& caller, const v1::ListOverdueRequest& request);
  absl::StatusOr<v1::Timescales> GetTimescales(
      const Caller& caller, const v1::GetTimescalesRequest& request);
  absl::StatusOr<v1::Timescales> UpdateTimescales(
      const Caller& caller, const v1::UpdateTimescalesRequest& request);

 private:
  Store& store_;
  const Clock& clock_;
  const RegionList& regions_;
  const BankHolidays& holidays_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_JOURNEY_MILESTONES_H_
