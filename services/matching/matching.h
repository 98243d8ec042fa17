// Child-led and family-led search, pair explanations, subscriptions and the
// matching policy: the rules of MatchingService without the network.
//
// Who may search: family finders and managers, for anyone; a registrar for
// its own authority's children and households. A profile hidden from the
// caller's authority is NOT_FOUND to it, and never appears in its results.
#ifndef RAAMATCH_SERVICES_MATCHING_MATCHING_H_
#define RAAMATCH_SERVICES_MATCHING_MATCHING_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/errors.h"
#include "raa/v1/matching.pb.h"
#include "services/auth/auth.h"
#include "services/matching/live_index.h"
#include "services/matching/ranking_answer.h"
#include "services/matching/run_cost.h"
#include "services/store/store.h"

namespace raa {

// Lifetime: holds references to the store, the live index and the clock,
// which must outlive it; made once by the server. Thread-safe: its only state
// is the run-cost estimates (relaxed atomics); searches read the LiveIndex
// under its reader lock and writes go through the store, so worker threads
// (and, for cheap searches, gRPC's threads via TryRank*) call it at once.
class Matching {
 public:
  // Searches expected to take at most this long (RunCost's estimate) are
  // answered from memory on the calling thread when they can be (see
  // TryRankAdopters); the rest go to the worker pool.
  static constexpr int64_t kInlineBudgetNanos = 200'000;
  // The most records one ad-hoc WatchMatches may name (children and
  // adopters together); more is INVALID_ARGUMENT.
  static constexpr int kMaxWatchRecords = 200;
  // For TryRank*: any cost.
  static constexpr int64_t kAnyCost = std::numeric_limits<int64_t>::max();

  Matching(Store& store, LiveIndex& live, const Clock& clock)
      : store_(store), live_(live), clock_(clock) {}

  // The searches write their answer into `response` (empty on entry), which
  // is sent as it is (services/matching/ranking_answer.h): nothing is
  // copied after. On an error its content is unspecified (it is not sent).
  //
  // RankAdoptersRequest.view: BASIC gives scores and coded exclusions;
  // FULL adds every component with its id, weight, fit, points and coded
  // reason (no strings); FULL_TEXT (and UNSPECIFIED) adds each component's
  // `component` and `reason` and each exclusion's `constraint` and `text`,
  // formatted from the catalogue GetReasonCatalog publishes.
  absl::Status RankAdopters(const Caller& caller,
                            const v1::RankAdoptersRequest& request,
                            RankingAnswer* response);
  absl::Status RankChildren(const Caller& caller,
                            const v1::RankChildrenRequest& request,
                            RankingAnswer* response);
  // The same into a new message (tests and in-process callers).
  absl::StatusOr<v1::RankAdoptersResponse> RankAdopters(
      const Caller& caller, const v1::RankAdoptersRequest& request);
  absl::StatusOr<v1::RankChildrenResponse> RankChildren(
      const Caller& caller, const v1::RankChildrenRequest& request);

  // The same searches from memory only: nullopt, with `response` untouched,
  // when the answer needs the database (the record is not in the index:
  // unknown, hidden or closed) or the search's estimated run cost is over
  // `max_cost_nanos` (see run_cost.h). Never touches SQLite.
  std::optional<absl::Status> TryRankAdopters(
      const Caller& caller, const v1::RankAdoptersRequest& request,
      int64_t max_cost_nanos, RankingAnswer* response);
  std::optional<absl::Status> TryRankChildren(
      const Caller& caller, const v1::RankChildrenRequest& request,
      int64_t max_cost_nanos, RankingAnswer* response);
  // Every component and constraint, components with their coded reasons
  // and their words.
  absl::StatusOr<v1::PairExplanation> ExplainPair(
      const Caller& caller, const v1::ExplainPairRequest& request);
  // The checks of an ad-hoc WatchMatches request (children or adopters
  // named) that need no record: not with follows or a resume_token; 1 to
  // kMaxWatchRecords records, each name well formed; min_score 0-100. Each
  // wrong field is added.
  static void CheckWatchShape(const v1::WatchMatchesRequest& request,
                              FieldErrors& errors);
  // Checks an ad-hoc WatchMatches request (children and adopters) and
  // resolves what it follows: INVALID_ARGUMENT naming every wrong field
  // first; then FAILED_PRECONDITION for a record not in matching (nothing
  // to watch).
  absl::StatusOr<FollowSpec> PrepareWatch(
      const Caller& caller, const v1::WatchMatchesRequest& request);
  absl::StatusOr<v1::MatchingPolicy> GetPolicy(
      const Caller& caller, const v1::GetMatchingPolicyRequest& request);
  absl::StatusOr<v1::MatchingPolicy> UpdatePolicy(
      const Caller& caller, const v1::UpdateMatchingPolicyRequest& request);
  // The words of every coded reason under the policy in use (any role):
  // see services/matching/convert.h, FillReasonCatalog.
  absl::StatusOr<v1::ReasonCatalog> GetReasonCatalog(
      const Caller& caller, const v1::GetReasonCatalogRequest& request);

  // What decides inline against the pool (read by tests and benchmarks).
  const RunCost& run_cost() const { return run_cost_; }

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
  RunCost run_cost_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_MATCHING_H_
