// Runs a unary RPC off gRPC's threads: the handler captures the bearer key,
// schedules the work on the worker pool, and returns the reactor at once.
// Every call goes through one gate here: authenticate, then the method's
// access rule (services/auth/access_policy.h: roles, whose records, a
// withdrawn member), then the work, then the field rules on the answer, then
// the audit trail, and only then the answer.
//
// A call runs in the pool's heavy lane when its method's recent calls took
// long there (CallCosts): forty forecasts then leave workers free for a
// GetChild.
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

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/protobuf/arena.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "services/audit/audit_records.h"
#include "services/auth/access_policy.h"
#include "services/auth/auth.h"
#include "services/auth/rules.h"
#include "services/rpc/call_costs.h"
#include "services/rpc/unread_answers.h"
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

// The value of the call's `authorization` metadata, or empty; when the call
// carries more than one, a value no key matches (refused as malformed).
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
  // The second saves a copy of the answer. `request` and `response` belong
  // to gRPC and live until the call is answered.
  template <typename Request, typename Response, typename Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx,
                                  const MethodRule* rule,
                                  const Request* request, Response* response,
                                  Fn fn) {
    return OnPool(ctx, rule, request, response, std::move(fn), nullptr);
  }

  // InlineFirst for a method the service serves raw (the generated
  // WithRawCallbackMethod_<Method>): the request is decoded here and the
  // answer sized once and written once into `out`. Served typed, an answer
  // is sized three times (CountUnread, then gRPC's serialisation, whose
  // SerializeToZeroCopyStream sizes it again): a tenth of an explained
  // ranking's CPU. Request and response live on an arena whose first block
  // is on this stack frame while the call is answered on gRPC's thread, or
  // on one of its own for the pool.
  // `Response` is a message, or a writer of its own wire format with a
  // message's ByteSizeLong() and SerializeWithCachedSizesToArray(), and an
  // AppendRecordNames for the audit trail (RankingAnswer, which holds the
  // matcher's result and allocates its own buffers); neither kind is
  // redacted unless it has a RedactFor (services/auth/rules.h), which for
  // a writer must be declared where the writer is.
  // `try_fn` and `fn` are InlineFirst's in-place forms, given the request:
  //   std::optional<absl::Status> try_fn(const Caller&, const Request&,
  //                                      Response*)
  //   absl::Status fn(const Caller&, const Request&, Response*)
  // `in` and `out` belong to gRPC and live until the call is answered.
  template <typename Request, typename Response, typename TryFn, typename Fn>
  grpc::ServerUnaryReactor* InlineFirstRaw(grpc::CallbackServerContext* ctx,
                                           const MethodRule* rule,
                                           const grpc::ByteBuffer* in,
                                           grpc::ByteBuffer* out, TryFn try_fn,
                                           Fn fn) {
    {
      RawCall<Request, Response> call;
      if (!Decode(in, call.request)) return Refuse<Request>(ctx);
      if (std::optional<Caller> caller = CachedCaller(*ctx)) {
        absl::Status status = CheckCall(*caller, rule, *call.request);
        bool answered = !status.ok();
        if (status.ok()) {
          std::optional<absl::Status> result =
              try_fn(*caller, *call.request, call.response);
          if (result.has_value()) {
            answered = true;
            status = *std::move(result);
            if (status.ok()) RedactFor(*caller, *call.response);
          }
        }
        if (answered) {
          grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
          Answer(ctx, reactor, *caller, rule, *call.request, *call.response,
                 std::move(status), out);
          return reactor;
        }
      }
    }
    // For the pool: on the heap, kept by the task until it has answered.
    // No first block: protobuf gives a first block to the thread that made
    // the arena, and the answer is built on a worker's.
    auto call = std::make_shared<PooledCall<Request, Response>>();
    if (!Decode(in, call->request)) return Refuse<Request>(ctx);
    return OnPool(
        ctx, rule, call->request, call->response,
        [call, fn = std::move(fn)](const Caller& caller, Response* response) {
          return fn(caller, *call->request, response);
        },
        out);
  }

 private:
  // Unary's work, on the pool; the answer is written into `raw` when it is
  // not null (InlineFirstRaw), else left for gRPC in `*response`.
  template <typename Request, typename Response, typename Fn>
  grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx,
                                   const MethodRule* rule,
                                   const Request* request, Response* response,
                                   Fn fn, grpc::ByteBuffer* raw) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    pool_.Schedule(
        [this, ctx, reactor, rule, request, response, raw, fn = std::move(fn),
         authorization = AuthorizationOf(*ctx),
         certificate = CertificateOf(*ctx)]() mutable {
          if (absl::Status state = CallStateOf(*ctx); !state.ok()) {
            reactor->Finish(ToGrpcStatus(state));
            return;
          }
          const auto start = std::chrono::steady_clock::now();
          CallScope scope([ctx] { return CallStateOf(*ctx); });
          absl::StatusOr<Caller> caller =
              authenticator_.Authenticate(authorization, certificate);
          if (!caller.ok()) {
            reactor->Finish(ToGrpcStatus(caller.status()));
            return;
          }
          absl::Status status = CheckCall(*caller, rule, *request);
          if (status.ok()) status = Respond(fn, *caller, response);
          // What the work cost, not the refusals: a request refused at the
          // gate does not make its method light.
          if (status.code() != absl::StatusCode::kInvalidArgument &&
              status.code() != absl::StatusCode::kPermissionDenied) {
            costs_.Observe(rule, absl::FromChrono(
                                     std::chrono::steady_clock::now() - start));
          }
          Answer(ctx, reactor, *caller, rule, *request, *response,
                 std::move(status), raw);
        },
        [this, rule] { return costs_.LaneOf(rule); });
    return reactor;
  }

 public:
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
    if (std::optional<Caller> caller = CachedCaller(*ctx)) {
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
  // A new `T` on `arena`: a message as a message, anything else as an
  // object whose destructor the arena runs.
  template <typename T>
  static T* NewOn(google::protobuf::Arena& arena) {
    if constexpr (std::is_base_of_v<google::protobuf::MessageLite, T>) {
      return google::protobuf::Arena::CreateMessage<T>(&arena);
    } else {
      return google::protobuf::Arena::Create<T>(&arena);
    }
  }

  // A raw method's request and response, on one arena whose first block
  // they share with it.
  template <typename Request, typename Response>
  struct RawCall {
    // A request of any method served raw fits, as does a message answer of
    // 20 explained rows (a writer of its own wire format takes a few
    // hundred bytes).
    static constexpr size_t kFirstBlockBytes = 16 * 1024;
    alignas(16) char first_block[kFirstBlockBytes];
    google::protobuf::Arena arena{first_block, kFirstBlockBytes};
    Request* const request =
        google::protobuf::Arena::CreateMessage<Request>(&arena);
    Response* const response = NewOn<Response>(arena);
  };

  // The same for a call the pool answers.
  template <typename Request, typename Response>
  struct PooledCall {
    google::protobuf::Arena arena;
    Request* const request =
        google::protobuf::Arena::CreateMessage<Request>(&arena);
    Response* const response = NewOn<Response>(arena);
  };

  // Decodes a raw method's request (which the wire check passed).
  static bool Decode(const grpc::ByteBuffer* in,
                     google::protobuf::MessageLite* request) {
    if (in == nullptr) return false;
    // The reader only reads (gRPC's own deserialisation takes the buffer
    // the same way).
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(in));
    return reader.status().ok() && request->ParseFromZeroCopyStream(&reader) &&
           reader.status().ok();
  }

  // The answer to a request Decode refused: as the wire check words it.
  template <typename Request>
  static grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* ctx) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("the request is not a well-formed ",
                                  Request::descriptor()->full_name())));
    return reactor;
  }

  // The caller of the call's key when the authenticator has it cached.
  std::optional<Caller> CachedCaller(const grpc::CallbackServerContext& ctx) {
    return authenticator_.Cached(AuthorizationViewOf(ctx),
                                 authenticator_.keys_bound_to_certificates()
                                     ? CertificateNameViewOf(ctx)
                                     : absl::string_view());
  }

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
  // recorded is answered UNAVAILABLE); a read, a change refused (which
  // changed nothing) or a validate_only check is answered at once and its
  // record committed by the writer thread with the next batch (a search must
  // not wait for the disk: see docs/manager.md, the audit trail). A read's
  // large answer counts against its key's unread answers until the client
  // has it (CountUnread); at the limit the read is refused instead (and
  // recorded so). A change is always answered: it is done. With `raw`
  // (a method served raw), an answer that is sent is written there, sized
  // once.
  template <typename Request, typename Response>
  void Answer(grpc::CallbackServerContext* ctx,
              grpc::ServerUnaryReactor* reactor, const Caller& caller,
              const MethodRule* rule, const Request& request,
              const Response& response, absl::Status status,
              grpc::ByteBuffer* raw = nullptr) {
    const bool is_change = rule == nullptr ||
                           rule->kind == CallKind::kRecordWrite ||
                           rule->kind == CallKind::kAdminWrite;
    if (status.ok() && (!is_change || raw != nullptr)) {
      const size_t bytes = response.ByteSizeLong();
      if (!is_change) status = CountUnread(ctx, caller, bytes);
      // An OK answer without a message would abort gRPC: a raw method's is
      // always written.
      if (status.ok() && raw != nullptr) {
        grpc::Slice slice(bytes);
        response.SerializeWithCachedSizesToArray(
            const_cast<uint8_t*>(slice.begin()));
        grpc::ByteBuffer answer(&slice, 1);
        raw->Swap(&answer);
      }
    }
    if (audit_ == nullptr || (rule != nullptr && !IsAudited(rule->kind))) {
      reactor->Finish(ToGrpcStatus(status));
      return;
    }
    AuditEvent event = MakeAuditEvent(
        caller, rule, request, status.ok() ? &response : nullptr, status);
    // A refused change changed nothing, nor did a check (validate_only):
    // like a read, each is answered at once rather than behind the audit
    // writer's next commit (which waits for the store's write lock while
    // another member's batch is written).
    bool stored_nothing = !status.ok();
    if constexpr (requires { request.validate_only(); }) {
      stored_nothing = stored_nothing || request.validate_only();
    }
    if (!is_change || stored_nothing) {
      audit_->Record(std::move(event));
      reactor->Finish(ToGrpcStatus(status));
      return;
    }
    audit_->Record(std::move(event), [reactor, status = std::move(status)](
                                         absl::Status recorded) {
      reactor->Finish(ToGrpcStatus(
          recorded.ok() ? status
                        : absl::UnavailableError(
                              "the change was made, but the audit trail "
                              "could not record it (is the disk full?): try "
                              "again with the same request_id, which makes "
                              "it once and answers it")));
    });
  }

  // Counts a read's answer of `bytes`, if large, against its key's unread
  // answers, in the call's context `ctx` (if the server's allocator made it,
  // and so can give the count back); at a limit, RESOURCE_EXHAUSTED instead.
  absl::Status CountUnread(grpc::CallbackServerContext* ctx,
                           const Caller& caller, size_t bytes);

  Authenticator& authenticator_;
  WorkerPool& pool_;
  AuditLog* const audit_;
  // Each method's recent time on a worker: which lane its next call takes.
  CallCosts costs_{MethodRules()};
  // Shared with the contexts' allocator, which the gRPC server owns.
  std::shared_ptr<UnreadAnswers> unread_ = std::make_shared<UnreadAnswers>();
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_UNARY_H_
