// raa.v1.MatchingService over gRPC. Unary calls run on the worker pool;
// WatchMatches is a server stream (WatchReactor) fed by the LiveIndex. Every
// open stream is known by the key that opened it, so revoking the key ends
// its streams at once.
#ifndef RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_
#define RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "raa/v1/matching.grpc.pb.h"
#include "services/auth/caller.h"
#include "services/matching/follows.h"
#include "services/matching/matching.h"
#include "services/matching/watch_reactor.h"
#include "services/rpc/unary.h"

namespace raa {

// The two rankings are served raw (UnaryRunner::InlineFirstRaw): their
// answers are the largest the API sends, and each is written straight into
// the wire format from the matcher's result (RankingAnswer), no message
// built.
using MatchingServiceBase =
    v1::MatchingService::WithRawCallbackMethod_RankAdopters<
        v1::MatchingService::WithRawCallbackMethod_RankChildren<
            v1::MatchingService::CallbackService>>;

class MatchingService final : public MatchingServiceBase {
 public:
  // Registers with `authenticator` for revocations until destroyed.
  // `unread` bounds what WatchMatches streams' unread alerts may hold.
  MatchingService(Matching& matching, Follows& follows, LiveIndex& live,
                  Authenticator& authenticator, WorkerPool& pool,
                  UnaryRunner& rpc, UnreadAlertLimits unread = {});
  ~MatchingService() override;

  // WatchMatches streams one key may have open at once; one more is
  // refused with RESOURCE_EXHAUSTED. Every stream's alerts are worked out
  // inside each write that causes them, so streams without a bound would
  // let one key slow every member's writes.
  static constexpr int kMaxStreamsPerKey = 8;
  // Records that the open ad-hoc watches of every key together may name (a
  // record named by two streams counts twice): each is worked out in every
  // write, under the index's lock, so eight streams per key are not a bound
  // once many keys watch (200 streams of 200 children each made a
  // registration take seconds). A stream past it is refused with
  // RESOURCE_EXHAUSTED. Follows are bounded per member (Follows).
  static constexpr int kMaxWatchedRecords = 2000;
  // Of those, the most the keys of one member may name together, so that one
  // member cannot take them all: a quarter (the most any four members can
  // hold between them).
  static constexpr int kMaxWatchedRecordsPerMember = 500;

#define RAA_MATCHING_RPC(Method, Area, Domain, Request, Response)       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,    \
                                   const v1::Request* request,          \
                                   v1::Response* response) override {   \
    return rpc_.Unary(ctx, RAA_RULE(MatchingService, Method), request,  \
                      response, [this, request](const Caller& caller) { \
                        return Area.Domain(caller, *request);           \
                      });                                               \
  }

  RAA_MATCHING_RPC(ExplainPair, matching_, ExplainPair, ExplainPairRequest,
                   PairExplanation)
  RAA_MATCHING_RPC(GetMatchingPolicy, matching_, GetPolicy,
                   GetMatchingPolicyRequest, MatchingPolicy)
  RAA_MATCHING_RPC(UpdateMatchingPolicy, matching_, UpdatePolicy,
                   UpdateMatchingPolicyRequest, MatchingPolicy)
  RAA_MATCHING_RPC(CreateFollow, follows_, Create, CreateFollowRequest, Follow)
  RAA_MATCHING_RPC(GetFollow, follows_, Get, GetFollowRequest, Follow)
  RAA_MATCHING_RPC(ListFollows, follows_, List, ListFollowsRequest,
                   ListFollowsResponse)
  RAA_MATCHING_RPC(DeleteFollow, follows_, Delete, DeleteFollowRequest, Follow)
  RAA_MATCHING_RPC(ListAlerts, follows_, ListAlerts, ListAlertsRequest,
                   ListAlertsResponse)
  RAA_MATCHING_RPC(GetReasonCatalog, matching_, GetReasonCatalog,
                   GetReasonCatalogRequest, ReasonCatalog)

#undef RAA_MATCHING_RPC

  // Rankings are written straight into the wire format (RankingAnswer,
  // UnaryRunner::InlineFirstRaw). Searches expected to be cheap (Matching::
  // kInlineBudgetNanos, see run_cost.h) are answered on gRPC's thread when
  // the index alone can answer them; the rest go to the pool.
  grpc::ServerUnaryReactor* RankAdopters(grpc::CallbackServerContext* ctx,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return rpc_.InlineFirstRaw<v1::RankAdoptersRequest, RankingAnswer>(
        ctx, RAA_RULE(MatchingService, RankAdopters), request, response,
        [this](const Caller& caller, const v1::RankAdoptersRequest& in,
               RankingAnswer* out) {
          return matching_.TryRankAdopters(caller, in,
                                           Matching::kInlineBudgetNanos, out);
        },
        [this](const Caller& caller, const v1::RankAdoptersRequest& in,
               RankingAnswer* out) {
          return matching_.RankAdopters(caller, in, out);
        });
  }
  grpc::ServerUnaryReactor* RankChildren(grpc::CallbackServerContext* ctx,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return rpc_.InlineFirstRaw<v1::RankChildrenRequest, RankingAnswer>(
        ctx, RAA_RULE(MatchingService, RankChildren), request, response,
        [this](const Caller& caller, const v1::RankChildrenRequest& in,
               RankingAnswer* out) {
          return matching_.TryRankChildren(caller, in,
                                           Matching::kInlineBudgetNanos, out);
        },
        [this](const Caller& caller, const v1::RankChildrenRequest& in,
               RankingAnswer* out) {
          return matching_.RankChildren(caller, in, out);
        });
  }

  grpc::ServerWriteReactor<v1::MatchAlert>* WatchMatches(
      grpc::CallbackServerContext* ctx,
      const v1::WatchMatchesRequest* request) override;

 private:
  // Ends every open stream of `key_id` with UNAUTHENTICATED.
  void EndStreamsOf(const std::string& key_id);
  // Ends every admitted stream of a key of `authority_id`, which has
  // withdrawn, with PERMISSION_DENIED, and admits no more of its streams
  // (until it is back: `withdrawn` false). Its follows end in the index
  // (AlertFeed::AuthorityChanged).
  void OnWithdrawal(const std::string& authority_id, bool withdrawn);

  Matching& matching_;
  Follows& follows_;
  LiveIndex& live_;
  Authenticator& authenticator_;
  WorkerPool& pool_;
  UnaryRunner& rpc_;
  enum class Admission {
    kAdmitted,
    kKeyFull,
    kMemberFull,
    kServiceFull,
    kWithdrawn
  };
  // Whether stream `reactor` of key `key_id` (`caller`, checked) may watch
  // `records` records ad hoc (0 for follows): not if the key already has
  // kMaxStreamsPerKey streams watching, if the records would take the
  // open ad-hoc watches of its member past kMaxWatchedRecordsPerMember or
  // of every member past kMaxWatchedRecords, or if the key's member
  // withdrew since the key was checked. Counted until its OnDone; a stream
  // already done is let through (it finishes at once).
  Admission Admit(const std::string& key_id, const Caller& caller,
                  WatchReactor* reactor, int records)
      ABSL_LOCKS_EXCLUDED(streams_mu_);

  // The alerts every stream holds for its reader.
  UnreadAlerts unread_;
  absl::Mutex streams_mu_;
  // Open streams by the id of the key that opened them. A stream leaves in
  // its OnDone, before it is deleted.
  absl::flat_hash_map<std::string, absl::flat_hash_set<WatchReactor*>> streams_
      ABSL_GUARDED_BY(streams_mu_);
  // Of those, the ones admitted (Admit), by key.
  absl::flat_hash_map<std::string, absl::flat_hash_set<WatchReactor*>> admitted_
      ABSL_GUARDED_BY(streams_mu_);
  // Records the admitted ad-hoc watches name, in all, by member and by
  // stream (with the stream's member).
  int watched_records_ ABSL_GUARDED_BY(streams_mu_) = 0;
  absl::flat_hash_map<std::string, int> watched_by_member_
      ABSL_GUARDED_BY(streams_mu_);
  struct Watched {
    int records = 0;
    std::string member;
  };
  absl::flat_hash_map<WatchReactor*, Watched> watched_by_
      ABSL_GUARDED_BY(streams_mu_);
  // The member of each key with a stream admitted.
  absl::flat_hash_map<std::string, std::string> member_of_key_
      ABSL_GUARDED_BY(streams_mu_);
  // Members that withdrew while this server ran (and are still out).
  absl::flat_hash_set<std::string> withdrawn_ ABSL_GUARDED_BY(streams_mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_MATCHING_SERVICE_H_
