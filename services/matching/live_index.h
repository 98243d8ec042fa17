// The matcher's CandidateIndex kept in step with the database, and the
// subscriptions that turn committed writes into alerts.
//
// Built from the store at start; registered as the store's listener, so every
// committed write reaches the index (under the store's write lock, in commit
// order) before the write is acknowledged: a search issued after an
// acknowledged write sees that write.
//
//   ASSIGN_OR_RETURN(auto live, LiveIndex::Build(store, clock));
//   store.SetListener(live.get());
//   live->Read([&](const matcher::CandidateIndex& index) { ... });
#ifndef RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_
#define RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "matcher/candidate_index.h"
#include "raa/v1/matching.pb.h"
#include "services/common/clock.h"
#include "services/store/store.h"

namespace raa {

// Where a subscription's alerts go. Push must not block.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Push(v1::MatchAlert alert) = 0;
  // The subscription ends (the server is stopping).
  virtual void Close() = 0;
};

// What a subscriber follows.
struct FollowSpec {
  std::string caller_authority;  // alerts never show profiles hidden from it
  absl::flat_hash_set<uint64_t> children;    // child row ids
  absl::flat_hash_set<uint64_t> households;  // adopter row ids
  int min_score = 50;
};

class LiveIndex final : public StoreListener {
 public:
  // Loads authorities, households, children and the newest matching policy
  // (storing the default policy as version 1 on a new database).
  static absl::StatusOr<std::unique_ptr<LiveIndex>> Build(Store& store,
                                                          const Clock& clock);

  // Runs `fn(const matcher::CandidateIndex&, const matcher::MatchingPolicy&)`
  // under a reader lock and returns what it returns.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(index_, policy_);
  }

  // As Read, with a third argument: the index's generation, a number that
  // changes whenever anything a ranking reads changes (a profile, an
  // authority, the policy). A ranking page token carries it, so that a
  // later page can tell the ranking it continues has changed.
  template <typename Fn>
  auto ReadWithGeneration(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(index_, policy_, generation_);
  }

  // Takes `policy` unless a newer version is already in use.
  void SetPolicy(const matcher::MatchingPolicy& policy);

  // Starts alerts to `sink` until Unsubscribe. Pairs that already score at or
  // above the threshold when subscribing are known, not alerted. Returns 0
  // (and subscribes nothing) once CloseAll has run.
  int64_t Subscribe(FollowSpec spec, AlertSink* sink);
  void Unsubscribe(int64_t id);
  // Closes every subscription (at shutdown).
  void CloseAll();

  // StoreListener: called with the store's write lock held.
  absl::Status Admit(const std::vector<Row<v1::Child>>& children,
                     const std::vector<Row<v1::Adopter>>& adopters) override;
  void OnAuthorityChanged(const v1::Authority& authority) override;
  void OnChildChanged(int64_t row_id, const v1::Child& child) override;
  void OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) override;

 private:
  struct Subscription {
    FollowSpec spec;
    AlertSink* sink;
    // (child, household) pairs known to score >= min_score.
    absl::flat_hash_set<std::pair<uint64_t, uint64_t>> known;
  };

  explicit LiveIndex(const Clock& clock) : clock_(clock) {}
  int32_t Today() const;
  // Alerts for subscriptions touched by a change to child `c` or household
  // `h` (one of them is set).
  void AlertAfterChildChange(uint64_t child) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AlertAfterHouseholdChange(uint64_t household)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The pairs for `sub`'s followed record that now score >= min_score.
  void Refresh(Subscription& sub, bool followed_is_child, uint64_t key,
               bool alert) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Check(Subscription& sub, uint64_t child, uint64_t household,
             bool followed_is_child, bool alert)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send(Subscription& sub, uint64_t child, uint64_t household,
            bool followed_is_child) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HiddenFrom(uint64_t child, const std::string& authority) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  mutable absl::Mutex mu_;
  matcher::CandidateIndex index_ ABSL_GUARDED_BY(mu_);
  matcher::MatchingPolicy policy_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int64_t, Subscription> subscriptions_
      ABSL_GUARDED_BY(mu_);
  int64_t next_subscription_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Counts the changes applied since start (see ReadWithGeneration).
  // Starts from the clock at start-up, so a token from before a restart
  // never matches a generation after it.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) =
      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
};

// Resource names of index keys.
std::string ChildName(absl::string_view authority_id, uint64_t key);
std::string AdopterName(absl::string_view authority_id, uint64_t key);

// Matcher results as API messages.
void ToProto(matcher::ComponentScore score, v1::ScoreComponent& out);

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_LIVE_INDEX_H_
