#include "services/matching/watch_reactor.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace raa {
namespace {

std::atomic<const WatchTestHooks*> test_hooks{nullptr};

const WatchTestHooks* TestHooks() {
  return test_hooks.load(std::memory_order_acquire);
}

// "32 MiB", "640 KiB".
std::string Size(int64_t bytes) {
  return bytes % (int64_t{1} << 20) == 0 ? absl::StrCat(bytes >> 20, " MiB")
                                         : absl::StrCat(bytes >> 10, " KiB");
}

// An alert as UnreadAlerts counts it.
int64_t BytesOf(const v1::MatchAlert& alert) {
  return static_cast<int64_t>(alert.SpaceUsedLong()) + UnreadAlerts::kOverhead;
}

}  // namespace

void UnreadAlerts::Register(WatchReactor* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
  count_.store(static_cast<int64_t>(streams_.size()),
               std::memory_order_relaxed);
}

void UnreadAlerts::Unregister(WatchReactor* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
  count_.store(static_cast<int64_t>(streams_.size()),
               std::memory_order_relaxed);
}

void UnreadAlerts::Shed() {
  if (bytes() <= limits_.total) return;
  // Streams stay registered until deleted, which waits for mu_: each one
  // here is alive.
  absl::MutexLock lock(&mu_);
  const int64_t share = Share();
  for (WatchReactor* stream : streams_) stream->ShedIfOver(share);
}

void WatchReactor::SetTestHooks(const WatchTestHooks* hooks) {
  test_hooks.store(hooks, std::memory_order_release);
}

void WatchReactor::StartAdHoc(absl::StatusOr<FollowSpec> spec,
                              ScheduleFn schedule) {
  Hold hold;
  if (spec.ok()) {
    absl::StatusOr<int64_t> id = live_.Subscribe(*std::move(spec), this);
    if (id.ok()) {
      hold.subscription = *id;
      PrimePart(hold, std::move(schedule));
      return;
    }
    spec = id.status();
  }
  {
    absl::MutexLock lock(&mu_);
    FinishLocked(spec.status());
  }
  Started(hold);
}

void WatchReactor::PrimePart(Hold hold, ScheduleFn schedule) {
  // Not deleted meanwhile: OnDone deletes the reactor only once Started
  // has run.
  if (!schedule) {  // nowhere to yield to: every part now
    while (live_.Prime(hold.subscription)) {
    }
  } else if (live_.Prime(hold.subscription)) {
    ScheduleFn next = schedule;
    schedule([this, hold, next = std::move(next)]() mutable {
      PrimePart(hold, std::move(next));
    });
    return;
  }
  // Every record primed: whatever commits from now on is news to it.
  if (const WatchTestHooks* hooks = TestHooks();
      hooks != nullptr && hooks->registered) {
    hooks->registered();
  }
  Started(hold);
}

void WatchReactor::StartFollows(absl::StatusOr<FollowWatchPlan> plan,
                                EndedFn ended, ReplayFn replay) {
  Hold hold;
  if (!plan.ok()) {
    absl::MutexLock lock(&mu_);
    FinishLocked(plan.status());
  } else {
    {
      absl::MutexLock lock(&mu_);
      catching_up_ = plan->replay;
      resumable_ = true;
    }
    // Registered first: whatever commits from now on reaches held_. Then
    // follows that had ended by then are dropped (read as committed: an end
    // committed later reaches the stream as it happens).
    hold.watch = live_.Watch(plan->authority_id, plan->follow_rows, this,
                             plan->records_of);
    if (const WatchTestHooks* hooks = TestHooks();
        hooks != nullptr && hooks->registered) {
      hooks->registered();
    }
    if (hold.watch != 0 && !plan->follow_rows.empty()) {
      absl::StatusOr<EndedFollows> gone = ended();
      if (!gone.ok()) {
        absl::MutexLock lock(&mu_);
        FinishLocked(gone.status());
      } else if (!gone->rows.empty()) {
        live_.DropEnded(hold.watch, gone->rows, gone->reason);
      }
    }
    absl::StatusOr<AlertReplay> page = AlertReplay{};
    if (plan->replay) {
      page = replay(plan->after_sequence, Follows::kMaxReplay);
    }
    absl::MutexLock lock(&mu_);
    if (!page.ok()) {
      FinishLocked(page.status());
    } else if (page->more) {
      FinishLocked(absl::FailedPreconditionError(absl::StrCat(
          "more than ", Follows::kMaxReplay,
          " alerts since resume_token: list them with ListAlerts (raa match "
          "alerts --since-token) and watch from the last one's token")));
    } else if (!finished_) {
      for (size_t i = 0; i < page->alerts.size(); ++i) {
        const int64_t bytes = BytesOf(page->alerts[i]);
        Enqueue(page->sequences[i], std::move(page->alerts[i]), bytes);
      }
      last_sequence_ = std::max(last_sequence_, page->last_sequence);
      catching_up_ = false;
      for (Queued& q : held_) {
        Count(-q.bytes);  // counted again as it is queued
        if (q.sequence > last_sequence_) {
          Enqueue(q.sequence, std::move(q.alert), q.bytes);
        }
      }
      held_.clear();
      MaybeEnd();
    }
  }
  Started(hold);
}

void WatchReactor::Started(Hold hold) {
  bool finished;
  {
    absl::MutexLock lock(&mu_);
    finished = finished_;
    if (!finished) hold_ = hold;
  }
  if (finished) {
    if (hold.subscription != 0) live_.Unsubscribe(hold.subscription);
    if (hold.watch != 0) live_.Unwatch(hold.watch);
  }
  if (const WatchTestHooks* hooks = TestHooks();
      hooks != nullptr && hooks->started) {
    hooks->started(finished && (hold.subscription != 0 || hold.watch != 0));
  }
  bool done;
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
    done = done_;
  }
  if (done) delete this;
}

void WatchReactor::Push(int64_t sequence, v1::MatchAlert alert) {
  Take(sequence, std::move(alert));
  if (unread_.bytes() > unread_.limits().total) {
    // Streams that stopped reading may hold the total and be sent nothing
    // more: they are ended here, not a reader that keeps up.
    unread_.Shed();
  }
}

void WatchReactor::Take(int64_t sequence, v1::MatchAlert alert) {
  absl::MutexLock lock(&mu_);
  // After End only a push racing the start can come: it is still sent.
  if (finished_) return;
  if (!catching_up_ && sequence != 0 && sequence <= last_sequence_) {
    return;  // sent already
  }
  // A client that stops reading must not hold the server's memory.
  const int64_t bytes = BytesOf(alert);
  if (std::optional<absl::Status> full = TooMuchUnread(bytes)) {
    FinishLocked(*full);
    return;
  }
  if (catching_up_) {
    held_.push_back({sequence, std::move(alert), bytes});
    Count(bytes);
  } else {
    Enqueue(sequence, std::move(alert), bytes);
  }
}

std::optional<absl::Status> WatchReactor::TooMuchUnread(int64_t bytes) const {
  const UnreadAlertLimits& limits = unread_.limits();
  if (queue_.size() + held_.size() >= limits.max_alerts ||
      unread_bytes_ + bytes > limits.per_stream) {
    return absl::ResourceExhaustedError(
        absl::StrCat("alerts are not being read: more than ",
                     queue_.size() + held_.size() >= limits.max_alerts
                         ? absl::StrCat(limits.max_alerts, " alerts")
                         : absl::StrCat(Size(limits.per_stream), " of alerts"),
                     " wait for this stream; ", WatchAgain()));
  }
  if (const int64_t share = unread_.Share();
      unread_bytes_ + bytes > share && unread_.bytes() + bytes > limits.total) {
    return NotReadFastEnough(share);
  }
  return std::nullopt;
}

absl::Status WatchReactor::NotReadFastEnough(int64_t share) const {
  return absl::ResourceExhaustedError(absl::StrCat(
      "alerts are not being read fast enough: this stream has more than ",
      Size(share),
      " of alerts waiting, its part of what the server keeps for unread "
      "alerts, which every stream together now holds; ",
      WatchAgain()));
}

absl::string_view WatchReactor::WatchAgain() const {
  return resumable_ ? "watch again from the last alert's resume_token (the "
                      "alerts since are stored)"
                    : "watch again";
}

void WatchReactor::ShedIfOver(int64_t share) {
  absl::MutexLock lock(&mu_);
  if (!finished_ && unread_bytes_ > share) {
    FinishLocked(NotReadFastEnough(share));
  }
}

void WatchReactor::Count(int64_t bytes) {
  unread_bytes_ += bytes;
  unread_.Add(bytes);
}

void WatchReactor::End(absl::Status status) {
  absl::MutexLock lock(&mu_);
  hold_ = Hold{};  // the LiveIndex has dropped it already
  if (finished_) return;
  if (!end_.has_value()) end_ = std::move(status);
  MaybeEnd();
}

void WatchReactor::Abort(absl::Status status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(status);
}

void WatchReactor::Enqueue(int64_t sequence, v1::MatchAlert alert,
                           int64_t bytes) {
  if (finished_) return;
  if (sequence != 0) last_sequence_ = sequence;
  queue_.push_back({sequence, std::move(alert), bytes});
  Count(bytes);
  if (!writing_) {
    writing_ = true;
    StartWrite(&queue_.front().alert);
  }
}

void WatchReactor::MaybeEnd() {
  if (end_.has_value() && !catching_up_ && queue_.empty() && !writing_) {
    FinishLocked(*end_);
  }
}

void WatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  if (ok && on_written_) on_written_(queue_.front().alert);
  Count(-queue_.front().bytes);
  queue_.pop_front();
  if (!ok) {
    writing_ = false;
    Release();
    FinishLocked(absl::CancelledError("write failed"));
    return;
  }
  if (!queue_.empty() && !finished_) {
    StartWrite(&queue_.front().alert);
  } else {
    writing_ = false;
    MaybeEnd();
  }
}

void WatchReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    Release();
    FinishLocked(absl::CancelledError("cancelled"));
  }
  if (const WatchTestHooks* hooks = TestHooks();
      hooks != nullptr && hooks->cancelled) {
    hooks->cancelled();
  }
}

void WatchReactor::OnDone() {
  on_done_(this);
  bool started;
  {
    absl::MutexLock lock(&mu_);
    Release();
    done_ = true;
    started = started_;
  }
  if (started) delete this;
}

void WatchReactor::FinishLocked(const absl::Status& status) {
  if (finished_) return;
  finished_ = true;
  ended_.store(true, std::memory_order_relaxed);
  // What is queued is never sent now: all but the alert being written is
  // given back at once, not when the client goes.
  while (queue_.size() > (writing_ ? 1 : 0)) {
    Count(-queue_.back().bytes);
    queue_.pop_back();
  }
  for (const Queued& q : held_) Count(-q.bytes);
  held_.clear();
  Finish(ToGrpcStatus(status));
}

void WatchReactor::Release() {
  Hold hold = hold_;
  hold_ = Hold{};
  if (hold.subscription == 0 && hold.watch == 0) return;
  mu_.Unlock();
  if (hold.subscription != 0) live_.Unsubscribe(hold.subscription);
  if (hold.watch != 0) live_.Unwatch(hold.watch);
  mu_.Lock();
}

}  // namespace raa
