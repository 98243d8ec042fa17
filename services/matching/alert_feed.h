// Who follows what in matching, and the alerts each write makes for them.
//
// Two kinds of subscription, with the same rules:
//  - a follow (a stored v1::Follow, one record): its alerts are written to
//    the store in the transaction of the write that caused them, then
//    delivered to every stream watching the follow (Watch);
//  - an ad-hoc watch (WatchMatches naming records): alerts go to its stream
//    only, and nothing is stored.
// A pair (child, household) is alerted when it newly scores at or above the
// subscription's threshold; pairs that fit when the subscription starts are
// known, not alerted; a pair that stops fitting and fits again is news
// again. Children hidden from the follower's authority never appear. When a
// followed record leaves matching (closed, or its authority withdrawn) the
// subscription stops following it with an ALERT_KIND_FOLLOW_ENDED alert; a
// follow ends (state FOLLOW_STATE_ENDED, stored), and a stream with nothing
// left to watch ends with FAILED_PRECONDITION "<why>: nothing left to watch".
//
// Used by LiveIndex, which owns one and calls it with its own lock held
// exclusively, inside the store's write transaction:
//
//   feed.ChildChanged(view, key, child, in_matching);   // stages alerts
//   RETURN_IF_ERROR(feed.WriteDerived(tx));             // stores follows'
//   feed.Committed();          // or feed.RolledBack(view): nothing happened
//
// Thread-compatible: the owner serialises every call.
#ifndef RAAMATCH_SERVICES_MATCHING_ALERT_FEED_H_
#define RAAMATCH_SERVICES_MATCHING_ALERT_FEED_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "matcher/candidate_index.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"
#include "services/store/store.h"

namespace raa {

// The followed record an alert is for: its `followed` (its child if it has
// none).
inline const std::string& FollowedRecordOf(const v1::MatchAlert& alert) {
  return alert.followed().empty() ? alert.child() : alert.followed();
}

// Where a stream's alerts go. Called with the feed's owner's lock held:
// must not block, and must not call back into the feed.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // `sequence` is the stored alert's number for its authority (0 for an
  // ad-hoc watch's); alerts come in commit order.
  virtual void Push(int64_t sequence, v1::MatchAlert alert) = 0;
  // Nothing more will come: finish with `status` once what was pushed has
  // been sent. The subscription is already gone.
  virtual void End(absl::Status status) = 0;
  // Whether what is pushed can still be sent: false once the stream has
  // ended on its own (a client that stopped reading) while its client has
  // not gone yet. The feed then works out nothing for it: no fits, no
  // alerts.
  virtual bool Accepting() const { return true; }
};

// What an ad-hoc watch follows.
struct FollowSpec {
  std::string caller_authority;  // alerts never show profiles hidden from it
  absl::flat_hash_set<uint64_t> children;    // child row ids
  absl::flat_hash_set<uint64_t> households;  // adopter row ids
  int min_score = 50;
};

// The index as of now, for one call.
struct IndexView {
  const matcher::CandidateIndex& index;
  const matcher::MatchingPolicy& policy;
  const absl::flat_hash_set<std::string>& withdrawn_authorities;
  int32_t today;  // day number
  absl::Time now;

  // Whether a record is in matching now: in the index (waiting or linked;
  // approved, linked or on hold), its authority a member.
  bool ChildInMatching(uint64_t key) const;
  bool HouseholdInMatching(uint64_t key) const;
};

// The opaque resume token of stored alert `sequence` of `authority_id`, and
// back (nullopt if `token` is not one this server issued).
std::string AlertResumeToken(absl::string_view authority_id, int64_t sequence);
struct AlertPosition {
  std::string authority_id;
  int64_t sequence = 0;
};
std::optional<AlertPosition> ParseAlertResumeToken(absl::string_view token);

// "child sheffield/c12 was withdrawn" for a record that left matching.
std::string LeftMatchingReason(const v1::Child& child);
std::string LeftMatchingReason(const v1::Adopter& adopter);

class AlertFeed {
 public:
  // An ad-hoc watch: records not in matching are left out; FAILED_PRECONDITION
  // if none is left. Returns the id for Unsubscribe. Its records are watched
  // once primed: Prime finds what fits for a few of them at a time, so the
  // owner can let writes and searches in between (a record still to prime
  // makes no alert; the pairs fitting when it is primed are known, not
  // news).
  absl::StatusOr<int64_t> Subscribe(const IndexView& view, FollowSpec spec,
                                    AlertSink* sink);
  // Primes up to `max_records` more of subscription `id`'s records (those
  // that left matching meanwhile are dropped; if none is left at the end,
  // the stream ends FAILED_PRECONDITION). Returns whether any remain.
  bool Prime(const IndexView& view, int64_t id, size_t max_records);
  void Unsubscribe(int64_t id);

  // A stream of `authority_id`'s follows: `follow_rows`, or every follow of
  // the authority (including ones created later) if empty. Returns the id
  // for Unwatch and DropEnded (0 once CloseAll has run: then `sink` has
  // been ended). A named follow that ends is dropped from the stream; when
  // none is left the stream ends. With `records_of` (a registrar's watch),
  // only alerts whose followed record is that member's reach it.
  int64_t Watch(std::string authority_id, std::vector<int64_t> follow_rows,
                AlertSink* sink, std::string records_of = "");
  void Unwatch(int64_t id);
  // Drops follows that had ended (as stored) when watch `id` started; ends
  // it for `reason` if none is left.
  void DropEnded(int64_t id, const std::vector<int64_t>& follow_rows,
                 const std::string& reason);

  // Changes, inside a write's transaction. A follow that is active and not
  // deleted is followed (from `view`: what fits now is known); otherwise it
  // is not.
  void FollowChanged(const IndexView& view, int64_t row,
                     const v1::Follow& follow);
  // `in_matching`: the record's new version is in matching.
  void ChildChanged(const IndexView& view, uint64_t key, const v1::Child& child,
                    bool in_matching);
  void HouseholdChanged(const IndexView& view, uint64_t key,
                        const v1::Adopter& adopter, bool in_matching);
  void AuthorityChanged(const IndexView& view, const v1::Authority& authority);

  // Stores the follows' alerts staged since the last Committed/RolledBack,
  // and ends follows whose record left matching.
  absl::Status WriteDerived(StoreTx& tx);
  // Delivers what was staged.
  void Committed();
  // Forgets what was staged and puts every subscription back as it was
  // (what fits in `view`, the index as restored, is known).
  void RolledBack(const IndexView& view);

  // Ends every stream with UNAVAILABLE (at shutdown); later Subscribe and
  // Watch calls are refused (Subscribe) or end at once (Watch).
  void CloseAll();
  bool closed() const { return closed_; }

 private:
  struct Subscription {
    std::string authority;
    int min_score = 50;
    absl::flat_hash_set<uint64_t> children;
    absl::flat_hash_set<uint64_t> households;
    // The pairs known to score >= min_score, by followed record: the
    // households fitting each followed child, the children fitting each
    // followed household (a pair of two followed records is in both). A
    // record's Refresh reads and replaces its own set, never every pair the
    // subscription knows (200 children each fitting 7,000 households are
    // 1.4 million pairs: one set of pairs took 30 bytes a pair and seconds
    // of rehashing to prime).
    absl::flat_hash_map<uint64_t, absl::flat_hash_set<uint64_t>> child_fits;
    absl::flat_hash_map<uint64_t, absl::flat_hash_set<uint64_t>> household_fits;
    // An ad-hoc watch's records not yet primed (Prime).
    std::vector<uint64_t> unprimed_children;
    std::vector<uint64_t> unprimed_households;
    AlertSink* sink = nullptr;  // an ad-hoc watch's stream
    v1::Follow follow;          // a follow's record (sink null)
    int64_t follow_row = 0;
  };
  struct Watcher {
    std::string authority;
    std::string records_of;  // empty: every followed record's alerts
    bool all = false;
    absl::flat_hash_set<int64_t> follows;
    AlertSink* sink = nullptr;
  };
  // An alert (or the end of a follow) waiting for the outcome of the write.
  struct Staged {
    int64_t subscription = 0;  // an ad-hoc watch's id
    int64_t follow_row = 0;    // or a follow's row
    std::string authority;     // the follower
    bool has_alert = true;     // false: a deleted follow
    v1::MatchAlert alert;
    int64_t sequence = 0;  // once stored
    // The subscription ends with it: the follow (stored as ended), or the
    // ad-hoc watch has nothing left.
    bool ends = false;
    std::string end_reason;
    v1::Follow follow;  // a follow's record, as it ends
  };

  // Follows' subscription ids are minus their row; ad-hoc ones are > 0.
  static int64_t FollowKey(int64_t row) { return -row; }

  void Save(int64_t id);  // before changing which records `id` follows
  void Refresh(const IndexView& view, int64_t id, Subscription& sub,
               bool followed_is_child, uint64_t key, bool alert);
  void Check(const IndexView& view, int64_t id, Subscription& sub,
             uint64_t child, uint64_t household, bool followed_is_child);
  void Stage(const IndexView& view, int64_t id, Subscription& sub,
             uint64_t child, uint64_t household, bool followed_is_child);
  // `sub` stops following a record that left matching, for `reason`.
  void StopFollowing(const IndexView& view, int64_t id, Subscription& sub,
                     bool is_child, uint64_t key, const std::string& name,
                     const std::string& reason);
  void Resync(const IndexView& view, int64_t id, Subscription& sub);
  // Whether the pair (child, household) is known to fit; Know marks it so
  // for each followed record of the pair (false if it was known already),
  // Forget unmarks it.
  static bool Known(const Subscription& sub, uint64_t child,
                    uint64_t household);
  static bool Know(Subscription& sub, uint64_t child, uint64_t household);
  static void Forget(Subscription& sub, uint64_t child, uint64_t household);
  static bool HiddenFrom(const matcher::CandidateIndex& index, uint64_t child,
                         const std::string& authority);

  absl::flat_hash_map<int64_t, Subscription> subscriptions_;
  absl::flat_hash_map<int64_t, Watcher> watchers_;
  int64_t next_id_ = 1;
  bool closed_ = false;
  std::vector<Staged> staged_;
  // Subscriptions as they were before the write in progress changed which
  // records they follow (nullopt: did not exist), for RolledBack.
  absl::flat_hash_map<int64_t, std::optional<Subscription>> saved_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_ALERT_FEED_H_
