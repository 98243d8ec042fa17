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

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
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
  // (subscribed or watching) and before Start* ends.
  std::function<void()> registered;
  // At the end of OnCancel, with no lock held.
  std::function<void()> cancelled;
  // At the end of Start*: whether the call had finished meanwhile, so that
  // what it registered was released at once.
  std::function<void(bool released)> started;
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
  WatchReactor(LiveIndex& live, std::function<void(WatchReactor*)> on_done)
      : live_(live), on_done_(std::move(on_done)) {}

  // Called with each alert once it is written to the client (the audit
  // trail of what a follower was shown). Set before Start*.
  void OnWritten(std::function<void(const v1::MatchAlert&)> on_written) {
    absl::MutexLock lock(&mu_);
    on_written_ = std::move(on_written);
  }

  // An ad-hoc watch, or an error to finish with.
  void StartAdHoc(absl::StatusOr<FollowSpec> spec);
  // A stream of follows; `ended` reads which have ended (once registered),
  // `replay` the stored alerts (with a resume token).
  void StartFollows(absl::StatusOr<FollowWatchPlan> plan, EndedFn ended,
                    ReplayFn replay);

  // AlertSink.
  void Push(int64_t sequence, v1::MatchAlert alert) override;
  void End(absl::Status status) override;
  // Finishes now with `status`, dropping what is queued.
  void Abort(absl::Status status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Queued {
    int64_t sequence;
    v1::MatchAlert alert;
  };
  // The subscription or watch this stream holds in the LiveIndex.
  struct Hold {
    int64_t subscription = 0;
    int64_t watch = 0;
  };

  void Enqueue(int64_t sequence, v1::MatchAlert alert)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finishes with the pending End if nothing is left to send.
  void MaybeEnd() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps `hold` unless the call finished meanwhile (then releases it);
  // then marks Start done, deleting this if OnDone already ran.
  void Started(Hold hold);
  // Ends the subscription or watch. Unsubscribe waits for any Push in
  // progress, which takes mu_: release it meanwhile.
  void Release() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  LiveIndex& live_;
  std::function<void(WatchReactor*)> on_done_;
  absl::Mutex mu_;
  std::function<void(const v1::MatchAlert&)> on_written_ ABSL_GUARDED_BY(mu_);
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Start* has run
  bool done_ ABSL_GUARDED_BY(mu_) = false;     // OnDone has run
  Hold hold_ ABSL_GUARDED_BY(mu_);
  // Catching up: live alerts wait in held_ until the stored ones are sent.
  bool catching_up_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Queued> held_ ABSL_GUARDED_BY(mu_);
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;  // the newest queued
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_WATCH_REACTOR_H_
