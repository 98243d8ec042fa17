// Child-led and family-led search, pair explanations, subscriptions and the
// matching policy: the rules of MatchingService without the network.
//
// Who may search: family finders and managers, for anyone; a registrar for
// its own authority's children and households. A profile hidden from the
// caller's authority is NOT_FOUND to it, and never appears in its results.
#ifndef RAAMATCH_SERVICES_MATCHING_MATCHING_H_
#define RAAMATCH_SERVICES_MATCHING_MATCHING_H_

#include <cstddef>
#include <optional>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raa/v1/matching.pb.h"
#include "services/auth/auth.h"
#include "services/matching/live_index.h"
#include "services/store/store.h"

namespace raa {

// The outcome of a search that may need the database: nullopt when it does.
template <typename Response>
using Attempt = std::optional<absl::StatusOr<Response>>;

// Lifetime: holds references to the store, the live index and the clock,
// which must outlive it; made once by the server. Thread-safe: keeps no state
// of its own; searches read the LiveIndex under its reader lock and writes
// go through the store, so worker threads (and, for small pools, gRPC's
// threads via TryRank*) call it at once.
class Matching {
 public:
  // Searches of pools up to this size are answered from memory on the
  // calling thread when they can be (see TryRankAdopters).
  static constexpr size_t kInlinePool = 100000;

  Matching(Store& store, LiveIndex& live, const Clock& clock)
      : store_(store), live_(live), clock_(clock) {}

  absl::StatusOr<v1::RankAdoptersResponse> RankAdopters(
      const Caller& caller, const v1::RankAdoptersRequest& request);
  absl::StatusOr<v1::RankChildrenResponse> RankChildren(
      const Caller& caller, const v1::RankChildrenRequest& request);

  // The same searches from memory only: nullopt when the answer needs the
  // database (the record is not in the index: unknown, hidden or closed) or
  // the pool has more than `max_pool` candidates. Never touches SQLite.
  Attempt<v1::RankAdoptersResponse> TryRankAdopters(
      const Caller& caller, const v1::RankAdoptersRequest& request,
      size_t max_pool);
  Attempt<v1::RankChildrenResponse> TryRankChildren(
      const Caller& caller, const v1::RankChildrenRequest& request,
      size_t max_pool);
  absl::StatusOr<v1::PairExplanation> ExplainPair(
      const Caller& caller, const v1::ExplainPairRequest& request);
  // Checks an ad-hoc WatchMatches request (children and adopters) and
  // resolves what it follows. FAILED_PRECONDITION for a record not in
  // matching (nothing to watch).
  absl::StatusOr<FollowSpec> PrepareWatch(
      const Caller& caller, const v1::WatchMatchesRequest& request);
  absl::StatusOr<v1::MatchingPolicy> GetPolicy(
      const Caller& caller, const v1::GetMatchingPolicyRequest& request);
  absl::StatusOr<v1::MatchingPolicy> UpdatePolicy(
      const Caller& caller, const v1::UpdateMatchingPolicyRequest& request);

  // The child's row id if the caller may search for it and (`for_search`)
  // it is waiting or linked: NOT_FOUND if hidden from the caller or
  // unknown, FAILED_PRECONDITION naming its status if closed,
  // INVALID_ARGUMENT naming `field` if malformed.
  absl::StatusOr<uint64_t> SearchableChild(const Caller& caller,
                                           absl::string_view name,
                                           absl::string_view field,
                                           bool for_search);
  absl::StatusOr<uint64_t> SearchableAdopter(const Caller& caller,
                                             absl::string_view name,
                                             absl::string_view field,
                                             bool for_search);

 private:
  int32_t Today() const;
  // ExplainPair when one side is closed (not in the index): both profiles
  // as stored now, in an index of their own, the closed side unavailable;
  // sets `closed_reason` to why the pair is closed.
  absl::StatusOr<matcher::PairExplanation> ExplainClosedPair(
      const RecordName& child_name, const RecordName& adopter_name,
      int32_t today, std::string& closed_reason);

  Store& store_;
  LiveIndex& live_;
  const Clock& clock_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_MATCHING_H_
