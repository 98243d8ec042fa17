#include "services/matching/matching_service.h"

#include <deque>

#include "services/common/errors.h"

namespace raa {
namespace {

// Alerts waiting for a slow reader before its stream is ended.
constexpr size_t kMaxQueuedAlerts = 10000;

// One WatchMatches stream: alerts queue here and are written one at a time.
// Lifetime: deleted in OnDone, after its subscription has ended.
class WatchReactor final : public grpc::ServerWriteReactor<v1::MatchAlert>,
                           public AlertSink {
 public:
  explicit WatchReactor(LiveIndex& live) : live_(live) {}

  // Every alert written to the client is recorded under `caller` in `audit`
  // (if not null). Called before Start.
  void AuditAs(AuditLog* audit, const Caller& caller) {
    absl::MutexLock lock(&mu_);
    audit_ = audit;
    caller_ = caller;
  }

  // Called on the worker pool once the request is checked.
  // Called on the worker pool once the request is checked. gRPC may have
  // finished the call meanwhile (a cancelled client): then this deletes the
  // reactor that OnDone could not.
  void Start(absl::StatusOr<FollowSpec> spec) {
    int64_t id = 0;
    if (!spec.ok()) {
      FinishOnce(ToGrpcStatus(spec.status()));
    } else if ((id = live_.Subscribe(*std::move(spec), this)) == 0) {
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down"));
    }
    // Keep the subscription unless the call finished meanwhile; then end it
    // here, before `started_` lets OnDone delete this reactor.
    bool finished;
    {
      absl::MutexLock lock(&mu_);
      finished = finished_;
      if (!finished) subscription_ = id;
    }
    if (finished && id != 0) live_.Unsubscribe(id);
    bool done;
    {
      absl::MutexLock lock(&mu_);
      started_ = true;
      done = done_;
    }
    if (done) delete this;
  }

  void Push(v1::MatchAlert alert) override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (queue_.size() >= kMaxQueuedAlerts) {
      // A client that stops reading must not hold the server's memory.
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "alerts are not being read; watch again"));
      return;
    }
    queue_.push_back(std::move(alert));
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front());
    }
  }

  void Close() override {
    absl::MutexLock lock(&mu_);
    subscription_ = 0;  // LiveIndex has dropped it already
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down"));
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (ok && audit_ != nullptr) {
      audit_->Record(MakeAuditEvent(caller_, kRule, v1::WatchMatchesRequest(),
                                    &queue_.front(), absl::OkStatus()));
    }
    queue_.pop_front();
    if (!ok) {
      writing_ = false;
      Release();
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    if (!queue_.empty() && !finished_) {
      StartWrite(&queue_.front());
    } else {
      writing_ = false;
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    Release();
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    bool started;
    {
      absl::MutexLock lock(&mu_);
      Release();
      done_ = true;
      started = started_;
    }
    if (started) delete this;
  }

 private:
  void FinishOnce(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }
  // Ends the subscription. Unsubscribe waits for any Push in progress, which
  // takes mu_: release it meanwhile.
  void Release() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int64_t id = subscription_;
    subscription_ = 0;
    if (id == 0) return;
    mu_.Unlock();
    live_.Unsubscribe(id);
    mu_.Lock();
  }

  static inline const MethodRule* const kRule =
      RAA_RULE(MatchingService, WatchMatches);

  LiveIndex& live_;
  absl::Mutex mu_;
  AuditLog* audit_ ABSL_GUARDED_BY(mu_) = nullptr;
  Caller caller_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::MatchAlert> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Start has run
  bool done_ ABSL_GUARDED_BY(mu_) = false;     // OnDone has run
  int64_t subscription_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

grpc::ServerWriteReactor<v1::MatchAlert>* MatchingService::WatchMatches(
    grpc::CallbackServerContext* ctx, const v1::WatchMatchesRequest* request) {
  auto* reactor = new WatchReactor(live_);
  // The request is copied: a cancelled call may be gone before this runs.
  pool_.Schedule([this, reactor, request = *request,
                  authorization = AuthorizationOf(*ctx),
                  certificate = CertificateNameOf(*ctx)] {
    absl::StatusOr<Caller> caller =
        authenticator_.Authenticate(authorization, certificate);
    if (!caller.ok()) {
      reactor->Start(caller.status());
      return;
    }
    const MethodRule* rule = RAA_RULE(MatchingService, WatchMatches);
    absl::Status allowed = CheckCall(*caller, rule, request);
    absl::StatusOr<FollowSpec> spec =
        allowed.ok() ? matching_.PrepareWatch(*caller, request)
                     : absl::StatusOr<FollowSpec>(allowed);
    if (!spec.ok() && rpc_.audit() != nullptr) {
      // A refused watch is recorded with what it asked to follow; alerts
      // delivered are recorded as they are written.
      rpc_.audit()->Record(MakeAuditEvent(*caller, rule, request,
                                          static_cast<v1::MatchAlert*>(nullptr),
                                          spec.status()));
    }
    reactor->AuditAs(rpc_.audit(), *caller);
    reactor->Start(std::move(spec));
  });
  return reactor;
}

}  // namespace raa
