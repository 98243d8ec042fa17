// One WatchMatches stream: alerts queue here and are written one at a time.
//
// Made on gRPC's thread; Start* runs on the worker pool once the request is
// checked. A stream of follows with a resume token first catches up: it is
// registered with the LiveIndex (so nothing committed from then on is
// missed), reads the stored alerts after the token, sends them, then sends
// the live alerts that arrived meanwhile and were not among them, then goes
// on live; every stored alert carries its sequence number, so none is sent
// twice.
//
// Endings: End (what it follows has left matching, the server is stopping)
// finishes once the queued alerts are sent; Abort (the key was revoked, a
// reader too slow) finishes at once.
//
// Lifetime: deleted by whichever comes last of OnDone and the end of Start*.
#ifndef RAAMATCH_SERVICES_MATCHING_WATCH_REACTOR_H_
#define RAAMATCH_SERVICES_MATCHING_WATCH_REACTOR_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/matching.pb.h"
#include "services/matching/follows.h"
#include "services/matching/live_index.h"

namespace raa {

// Test seams: each, when set, runs at one point of every stream's start, so
// a test can force an interleaving with barriers (tests/matching/
// watch_race_test.cc). None is set in the server.
struct WatchTestHooks {
  // On the worker thread, once the stream is registered with the LiveIndex
  // (watching, or subscribed with every record primed) and before Start*
  // ends.
  std::function<void()> registered;
  // At the end of OnCancel, with no lock held.
  std::function<void()> cancelled;
  // At the end of Start*: whether the call had finished meanwhile, so that
  // what it registered was released at once.
  std::function<void(bool released)> started;
};

// How much of the server's memory alerts waiting for their readers may
// take, in bytes as protobuf counts them (an alert's SpaceUsedLong plus
// UnreadAlerts::kOverhead: about 2.8 KB for an alert of 16 components,
// four times its encoded size). The process grows by about three times
// what is counted (the allocator, gRPC's buffers of what is in flight).
// A stream is ended when one more alert would take it past per_stream
// bytes or max_alerts alerts. Once every stream together holds total,
// each stream holding more than its part of it (total / open streams, and
// at least min_share) is ended: memory stays near total, or min_share a
// stream when more than total / min_share streams are open. A reader that
// keeps up holds only the alerts of the write it is reading (a batch of
// 1,000 children fitting one followed household: about 3 MB), or a
// resumed stream of follows the alerts it missed (at most
// Follows::kMaxReplay, 10,000: per_stream leaves room for them).
struct UnreadAlertLimits {
  int64_t per_stream = int64_t{32} << 20;
  int64_t total = int64_t{128} << 20;
  int64_t min_share = int64_t{256} << 10;
  size_t max_alerts = 10'000;
};

class WatchReactor;

// The unread alerts of every stream of one server, and the streams (each
// WatchReactor from its making until it is deleted).
class UnreadAlerts {
 public:
  // Counted for each queued alert beyond the alert itself (its place in
  // the queue, the allocator's rounding).
  static constexpr int64_t kOverhead = 256;

  explicit UnreadAlerts(UnreadAlertLimits limits = {}) : limits_(limits) {}
  UnreadAlerts(const UnreadAlerts&) = delete;
  UnreadAlerts& operator=(const UnreadAlerts&) = delete;

  const UnreadAlertLimits& limits() const { return limits_; }
  // What every open stream holds now.
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  void Add(int64_t bytes) {
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // What one stream may hold once every stream together holds the total.
  int64_t Share() const {
    return std::max(
        limits_.min_share,
        limits_.total /
            std::max<int64_t>(1, count_.load(std::memory_order_relaxed)));
  }

  void Register(WatchReactor* stream) ABSL_LOCKS_EXCLUDED(mu_);
  void Unregister(WatchReactor* stream) ABSL_LOCKS_EXCLUDED(mu_);
  // If every stream together holds more than the total: ends each stream
  // holding more than its Share (taking each one's lock; call it holding
  // none).
  void Shed() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const UnreadAlertLimits limits_;
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> count_{0};  // streams_.size()
  absl::Mutex mu_;
  absl::flat_hash_set<WatchReactor*> streams_ ABSL_GUARDED_BY(mu_);
};

class WatchReactor final : public grpc::ServerWriteReactor<v1::MatchAlert>,
                           public AlertSink {
 public:
  // Installs `hooks` for every stream; null removes them. Set and cleared
  // while no stream is open; `hooks` must outlive every stream started
  // meanwhile.
  static void SetTestHooks(const WatchTestHooks* hooks);

  using ReplayFn =
      std::function<absl::StatusOr<AlertReplay>(int64_t after, int limit)>;
  using EndedFn = std::function<absl::StatusOr<EndedFollows>()>;

  // `on_done(this)` runs once, from OnDone, before the reactor may be
  // deleted.
  WatchReactor(LiveIndex& live, UnreadAlerts& unread,
               std::function<void(WatchReactor*)> on_done)
      : live_(live), unread_(unread), on_done_(std::move(on_done)) {
    unread_.Register(this);
  }
  // Gives back what its queue still held.
  ~WatchReactor() override {
    unread_.Unregister(this);
    unread_.Add(-unread_bytes_);
  }

  // Called with each alert once it is written to the client (the audit
  // trail of what a follower was shown). Set before Start*.
  void OnWritten(std::function<void(const v1::MatchAlert&)> on_written) {
    absl::MutexLock lock(&mu_);
    on_written_ = std::move(on_written);
  }

  // Runs a task later, on another thread (the server's worker pool).
  using ScheduleFn = std::function<void(std::function<void()>)>;

  // An ad-hoc watch, or an error to finish with. Its records are primed a
  // part at a time (LiveIndex::Prime), each part a task given to `schedule`
  // behind whatever waits there already: a watch of 2,000 records holds a
  // worker for one part, not for the seconds all of them take.
  void StartAdHoc(absl::StatusOr<FollowSpec> spec, ScheduleFn schedule);
  // A stream of follows; `ended` reads which have ended (once registered),
  // `replay` the stored alerts (with a resume token).
  void StartFollows(absl::StatusOr<FollowWatchPlan> plan, EndedFn ended,
                    ReplayFn replay);

  // AlertSink.
  void Push(int64_t sequence, v1::MatchAlert alert) override;
  void End(absl::Status status) override;
  bool Accepting() const override {
    return !ended_.load(std::memory_order_relaxed);
  }
  // Finishes now with `status`, dropping what is queued.
  void Abort(absl::Status status);
  // Finishes now if it holds more than `share` bytes of alerts, as a
  // stream that has fallen behind while every stream holds the total.
  void ShedIfOver(int64_t share);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Queued {
    int64_t sequence;
    v1::MatchAlert alert;
    int64_t bytes;  // as counted in unread_bytes_
  };
  // The subscription or watch this stream holds in the LiveIndex.
  struct Hold {
    int64_t subscription = 0;
    int64_t watch = 0;
  };

  // Push's work under mu_: queues the alert, or ends the stream if it may
  // not hold one more.
  void Take(int64_t sequence, v1::MatchAlert alert) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues an alert counted as `bytes` and writes it if nothing is being
  // written.
  void Enqueue(int64_t sequence, v1::MatchAlert alert, int64_t bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why one more alert of `bytes` may not wait in this stream, if not.
  std::optional<absl::Status> TooMuchUnread(int64_t bytes) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts `bytes` more (or fewer) waiting in queue_ and held_.
  void Count(int64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // RESOURCE_EXHAUSTED for a stream ended holding more than `share` while
  // every stream holds the total; and how to go on.
  absl::Status NotReadFastEnough(int64_t share) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // How a client ended for not reading goes on: from its last alert's
  // resume token when the stream follows stored alerts.
  absl::string_view WatchAgain() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes with the pending End if nothing is left to send.
  void MaybeEnd() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps `hold` unless the call finished meanwhile (then releases it);
  // then marks Start done, deleting this if OnDone already ran.
  void Started(Hold hold);
  // Primes one part of the ad-hoc watch `hold` holds, then schedules the
  // next part, or runs Started once none is left.
  void PrimePart(Hold hold, ScheduleFn schedule);
  // Ends the subscription or watch. Unsubscribe waits for any Push in
  // progress, which takes mu_: release it meanwhile.
  void Release() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  LiveIndex& live_;
  UnreadAlerts& unread_;
  std::function<void(WatchReactor*)> on_done_;
  absl::Mutex mu_;
  std::function<void(const v1::MatchAlert&)> on_written_ ABSL_GUARDED_BY(mu_);
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // finished_, read without mu_ by the feed (Accepting), under the index's
  // lock: a stream that has ended costs a write no work.
  std::atomic<bool> ended_{false};
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Start* has run
  bool done_ ABSL_GUARDED_BY(mu_) = false;     // OnDone has run
  Hold hold_ ABSL_GUARDED_BY(mu_);
  // Catching up: live alerts wait in held_ until the stored ones are sent.
  bool catching_up_ ABSL_GUARDED_BY(mu_) = false;
  // A stream of follows: its alerts are stored, so a client cut off can
  // resume.
  bool resumable_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Queued> held_ ABSL_GUARDED_BY(mu_);
  // The bytes of queue_ and held_ (counted in unread_ too).
  int64_t unread_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;  // the newest queued
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_WATCH_REACTOR_H_
