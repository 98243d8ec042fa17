// Runs a unary RPC off gRPC's threads: the handler captures the bearer key,
// schedules the work on the worker pool, and returns the reactor at once.
// Every call goes through one gate here: authenticate, then the method's
// access rule (services/auth/access_policy.h: roles, whose records, a
// withdrawn member), then the work, then the field rules on the answer, then
// the audit trail, and only then the answer.
//
// Work nobody waits for is not done: when a worker picks the call up after
// the client cancelled it or after its deadline, it answers CANCELLED or
// DEADLINE_EXCEEDED without running it; while it runs, a CallScope lets the
// store refuse to take its write lock for it (services/store/call_scope.h).
//
//   grpc::ServerUnaryReactor* GetChild(grpc::CallbackServerContext* ctx,
//                                      const v1::GetChildRequest* request,
//                                      v1::Child* response) override {
//     return rpc_.Unary(ctx, RAA_RULE(RegistryService, GetChild), request,
//                       response, [=, this](const Caller& caller) {
//       return registry_.GetChild(caller, *request);
//     });
//   }
#ifndef RAAMATCH_SERVICES_RPC_UNARY_H_
#define RAAMATCH_SERVICES_RPC_UNARY_H_

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "services/audit/audit_records.h"
#include "services/auth/access_policy.h"
#include "services/auth/auth.h"
#include "services/auth/rules.h"
#include "services/rpc/worker_pool.h"
#include "services/store/call_scope.h"

// The access rule of raa.v1.Service/Method, looked up once per call site.
#define RAA_RULE(Service, Method)                               \
  ([]() -> const ::raa::MethodRule* {                           \
    static const ::raa::MethodRule* const rule =                \
        ::raa::FindMethodRule("/raa.v1." #Service "/" #Method); \
    return rule;                                                \
  }())

namespace raa {

// The value of the call's `authorization` metadata, or empty.
std::string AuthorizationOf(const grpc::CallbackServerContext& ctx);
// The same without a copy: valid as long as `ctx` (the call) is.
absl::string_view AuthorizationViewOf(const grpc::CallbackServerContext& ctx);

// OK while the call's answer is awaited; CANCELLED once the client cancelled
// it, DEADLINE_EXCEEDED once its deadline has passed. Safe on any thread
// until the call is finished.
absl::Status CallStateOf(const grpc::CallbackServerContext& ctx);

// The subject common name of the client certificate the TLS handshake
// verified (raamatchd --client-ca), or empty: what Authenticate binds a key
// to.
std::string CertificateNameOf(const grpc::CallbackServerContext& ctx);
// The same without a copy: valid as long as `ctx` (the call) is.
absl::string_view CertificateNameViewOf(const grpc::CallbackServerContext& ctx);

// Large answers to reads that their client has not yet taken. A client
// that asks and never reads (an HTTP/2 window it keeps shut) makes gRPC
// hold each answer until it disconnects: about 1.3 MB for a 190 KB page of
// 1,000 households. Each key may have kMaxBytesPerKey of such answers (as
// serialised) held, and all keys together kMaxBytes; past either, large
// reads are refused (RESOURCE_EXHAUSTED) until clients take some. Answers
// under kCountedBytes are not counted: a ranking's few KB cost no lock, and
// gRPC may release a call some time after its client has the answer, so
// counting every answer refused fast readers under load. Thread-safe.
class UnreadAnswers {
 public:
  static constexpr size_t kCountedBytes = size_t{64} << 10;
  static constexpr size_t kMaxBytesPerKey = size_t{16} << 20;
  static constexpr size_t kMaxBytes = size_t{64} << 20;

  // Counts an answer of `bytes` for `key_id`: OK, or RESOURCE_EXHAUSTED
  // (nothing counted) if that would take the key past kMaxBytesPerKey or
  // everyone past kMaxBytes. One answer alone is always counted: it could
  // not be sent otherwise.
  absl::Status TryAdd(const std::string& key_id, size_t bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The client has taken it (or the call ended without it).
  void Remove(const std::string& key_id, size_t bytes) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> bytes_ ABSL_GUARDED_BY(mu_);
  size_t total_ ABSL_GUARDED_BY(mu_) = 0;
};

// The context of every callback call the server serves, once it installs
// UnaryRunner::NewContextAllocator: what the call's answer counts in
// UnreadAnswers, given back when gRPC is done with the call (it releases the
// context then, on the call's own thread: no hop to another, as a reactor of
// our own would cost).
class CountedCallContext : public grpc::CallbackServerContext {
 public:
  std::string counted_key;  // empty: nothing counted
  size_t counted_bytes = 0;
};

// Lifetime: holds references to the authenticator and the pool (and the
// audit log, if any), which must outlive it and every call it started; made
// once by the server, which drains the pool (runs what is queued, then joins)
// before destroying it. Thread-safe: keeps no per-call state; Unary is
// called from any gRPC thread at once.
class UnaryRunner {
 public:
  // `audit` may be null: nothing is recorded (benchmarks only).
  UnaryRunner(Authenticator& authenticator, WorkerPool& pool,
              AuditLog* audit = nullptr)
      : authenticator_(authenticator), pool_(pool), audit_(audit) {}

  AuditLog* audit() const { return audit_; }

  // The contexts for the gRPC server to make its callback calls with
  // (grpc::ServerBuilder::SetContextAllocator), before it starts: with them
  // a read's large answer is counted against its key until its client has it
  // (UnreadAnswers). Call once.
  std::unique_ptr<grpc::ContextAllocator> NewContextAllocator();

  // `fn` is either
  //   absl::StatusOr<Response> fn(const Caller&)      (the answer is copied
  //                                                    into `response`), or
  //   absl::Status fn(const Caller&, Response* response)   (writes the answer
  //       in place: nothing is copied; what it wrote is dropped unless it
  //       returns OK, as gRPC sends no message with an error).
  // The second suits a response on the call's arena (ArenaMessageAllocator,
  // services/rpc/arena_allocator.h). `request` and `response` belong to
  // gRPC and live until the call is answered.
  template <typename Request, typename Response, typename Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const MethodRule* rule,
                                  const Request* request, Response* response,
                                  Fn fn) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    pool_.Schedule([this, ctx, reactor, rule, request, response,
                    fn = std::move(fn), authorization = AuthorizationOf(*ctx),
                    certificate = CertificateOf(*ctx)]() mutable {
      if (absl::Status state = CallStateOf(*ctx); !state.ok()) {
        reactor->Finish(ToGrpcStatus(state));
        return;
      }
      CallScope scope([ctx] { return CallStateOf(*ctx); });
      absl::StatusOr<Caller> caller =
          authenticator_.Authenticate(authorization, certificate);
      if (!caller.ok()) {
        reactor->Finish(ToGrpcStatus(caller.status()));
        return;
      }
      absl::Status status = CheckCall(*caller, rule, *request);
      if (status.ok()) status = Respond(fn, *caller, response);
      Answer(ctx, reactor, *caller, rule, *request, *response,
             std::move(status));
    });
    return reactor;
  }

  // For calls that can usually be answered from memory in microseconds (a
  // ranking of a small pool): with a cached key, `try_fn` runs on gRPC's
  // thread; if it cannot answer (it needs the database, or the work is too
  // big for gRPC's thread), `fn` runs on the worker pool as in Unary.
  // `try_fn` is either
  //   std::optional<absl::StatusOr<Response>> try_fn(const Caller&), or
  //   std::optional<absl::Status> try_fn(const Caller&, Response* response)
  //       (writes the answer in place, as Unary's second form);
  // nullopt means "not here". In place, a try_fn that says nullopt should not
  // have written anything; whatever it wrote is cleared before `fn` runs.
  // The two forms may be mixed (`fn` is either of Unary's).
  template <typename Request, typename Response, typename TryFn, typename Fn>
  grpc::ServerUnaryReactor* InlineFirst(grpc::CallbackServerContext* ctx,
                                        const MethodRule* rule,
                                        const Request* request,
                                        Response* response, TryFn try_fn,
                                        Fn fn) {
    if (std::optional<Caller> caller =
            authenticator_.Cached(AuthorizationViewOf(*ctx),
                                  authenticator_.keys_bound_to_certificates()
                                      ? CertificateNameViewOf(*ctx)
                                      : absl::string_view())) {
      absl::Status status = CheckCall(*caller, rule, *request);
      bool answered = !status.ok();
      if (status.ok()) {
        if constexpr (std::is_invocable_v<TryFn&, const Caller&, Response*>) {
          std::optional<absl::Status> result = try_fn(*caller, response);
          if (result.has_value()) {
            answered = true;
            status = *std::move(result);
            if (status.ok()) RedactFor(*caller, *response);
          } else {
            response->Clear();
          }
        } else {
          auto result = try_fn(*caller);
          if (result.has_value()) {
            answered = true;
            status = Take(*std::move(result), *caller, response);
          }
        }
      }
      if (answered) {
        grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
        Answer(ctx, reactor, *caller, rule, *request, *response,
               std::move(status));
        return reactor;
      }
    }
    return Unary(ctx, rule, request, response, std::move(fn));
  }

 private:
  // The certificate name the authenticator needs: none unless keys are
  // bound to certificates (finding it costs an allocation or three).
  std::string CertificateOf(const grpc::CallbackServerContext& ctx) const {
    return authenticator_.keys_bound_to_certificates()
               ? std::string(CertificateNameViewOf(ctx))
               : std::string();
  }

  // Runs either form of Unary's `fn` for `caller`; on OK the answer is in
  // `*response`, redacted for the caller.
  template <typename Response, typename Fn>
  static absl::Status Respond(Fn& fn, const Caller& caller,
                              Response* response) {
    if constexpr (std::is_invocable_v<Fn&, const Caller&, Response*>) {
      absl::Status status = fn(caller, response);
      if (status.ok()) RedactFor(caller, *response);
      return status;
    } else {
      return Take(fn(caller), caller, response);
    }
  }

  // Moves an answer made elsewhere into `*response` (a copy when the
  // response is on an arena), redacted for the caller.
  template <typename Result, typename Response>
  static absl::Status Take(Result&& result, const Caller& caller,
                           Response* response) {
    if (!result.ok()) return result.status();
    *response = *std::move(result);
    RedactFor(caller, *response);
    return absl::OkStatus();
  }

  // Records the call in the audit trail (if its kind is audited). A change
  // is answered once its record is committed (a change that cannot be
  // recorded is answered UNAVAILABLE); a read is answered at once and its
  // record committed by the writer thread with the next batch (a search must
  // not wait for the disk: see docs/manager.md, the audit trail). A read's
  // large answer counts against its key's unread answers until the client
  // has it (CountUnread); at the limit the read is refused instead (and
  // recorded so). A change is always answered: it is done.
  template <typename Request, typename Response>
  void Answer(grpc::CallbackServerContext* ctx,
              grpc::ServerUnaryReactor* reactor, const Caller& caller,
              const MethodRule* rule, const Request& request,
              const Response& response, absl::Status status) {
    const bool is_change = rule == nullptr ||
                           rule->kind == CallKind::kRecordWrite ||
                           rule->kind == CallKind::kAdminWrite;
    if (!is_change && status.ok()) status = CountUnread(ctx, caller, response);
    if (audit_ == nullptr || (rule != nullptr && !IsAudited(rule->kind))) {
      reactor->Finish(ToGrpcStatus(status));
      return;
    }
    AuditEvent event = MakeAuditEvent(
        caller, rule, request, status.ok() ? &response : nullptr, status);
    if (!is_change) {
      audit_->Record(std::move(event));
      reactor->Finish(ToGrpcStatus(status));
      return;
    }
    audit_->Record(std::move(event), [reactor, status = std::move(status)](
                                         absl::Status recorded) {
      reactor->Finish(ToGrpcStatus(
          recorded.ok() ? status
                        : absl::UnavailableError(
                              "the audit trail could not record this call; "
                              "try again")));
    });
  }

  // Counts a read's large answer against its key's unread answers, in the
  // call's context (if the server made it: NewContextAllocator); at the
  // key's limit, RESOURCE_EXHAUSTED instead.
  template <typename Response>
  absl::Status CountUnread(grpc::CallbackServerContext* ctx,
                           const Caller& caller, const Response& response) {
    if (allocator_ == nullptr || ctx->context_allocator() != allocator_ ||
        caller.key_id.empty()) {
      return absl::OkStatus();
    }
    const size_t bytes = response.ByteSizeLong();
    if (bytes < UnreadAnswers::kCountedBytes) return absl::OkStatus();
    RETURN_IF_ERROR(unread_->TryAdd(caller.key_id, bytes));
    auto* counted = static_cast<CountedCallContext*>(ctx);
    counted->counted_key = caller.key_id;
    counted->counted_bytes = bytes;
    return absl::OkStatus();
  }

  Authenticator& authenticator_;
  WorkerPool& pool_;
  AuditLog* const audit_;
  // Shared with the contexts' allocator, which the gRPC server owns.
  std::shared_ptr<UnreadAnswers> unread_ = std::make_shared<UnreadAnswers>();
  const grpc::ContextAllocator* allocator_ = nullptr;  // NewContextAllocator's
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_UNARY_H_
