#include "services/matching/matching_service.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/names.h"
#include "services/auth/rules.h"

namespace raa {

MatchingService::MatchingService(Matching& matching, Follows& follows,
                                 LiveIndex& live, Authenticator& authenticator,
                                 WorkerPool& pool, UnaryRunner& rpc,
                                 UnreadAlertLimits unread)
    : matching_(matching),
      follows_(follows),
      live_(live),
      authenticator_(authenticator),
      pool_(pool),
      rpc_(rpc),
      unread_(unread) {
  authenticator_.SetRevocationListener(
      [this](const std::string& key_id) { EndStreamsOf(key_id); });
  authenticator_.SetWithdrawalListener(
      [this](const std::string& authority_id, bool withdrawn) {
        OnWithdrawal(authority_id, withdrawn);
      });
}

MatchingService::~MatchingService() {
  authenticator_.SetRevocationListener(nullptr);
  authenticator_.SetWithdrawalListener(nullptr);
}

void MatchingService::EndStreamsOf(const std::string& key_id) {
  absl::MutexLock lock(&streams_mu_);
  auto it = streams_.find(key_id);
  if (it == streams_.end()) return;
  // A stream leaves the map in its OnDone (taking streams_mu_) before it is
  // deleted, so every one here is alive.
  for (WatchReactor* stream : it->second) {
    stream->Abort(absl::UnauthenticatedError("key revoked"));
  }
}

void MatchingService::OnWithdrawal(const std::string& authority_id,
                                   bool withdrawn) {
  absl::MutexLock lock(&streams_mu_);
  if (!withdrawn) {
    withdrawn_.erase(authority_id);
    return;
  }
  withdrawn_.insert(authority_id);
  for (const auto& [key_id, member] : member_of_key_) {
    if (member != authority_id) continue;
    auto it = admitted_.find(key_id);
    if (it == admitted_.end()) continue;
    for (WatchReactor* stream : it->second) {
      stream->Abort(absl::PermissionDeniedError(absl::StrCat(
          AuthorityName(authority_id),
          " has withdrawn from the consortium: its keys may only read its "
          "own records, and its watches have ended")));
    }
  }
}

grpc::ServerWriteReactor<v1::MatchAlert>* MatchingService::WatchMatches(
    grpc::CallbackServerContext* ctx, const v1::WatchMatchesRequest* request) {
  std::string authorization = AuthorizationOf(*ctx);
  // Known by its key before the key is checked, so a revocation that lands
  // while it starts still ends it.
  absl::string_view secret = authorization;
  if (!absl::ConsumePrefix(&secret, "Bearer ")) {
    absl::ConsumePrefix(&secret, "bearer ");
  }
  std::string key_id = KeyIdOf(secret).value_or("");
  auto* reactor =
      new WatchReactor(live_, unread_, [this, key_id](WatchReactor* r) {
        absl::MutexLock lock(&streams_mu_);
        if (auto weight = watched_by_.find(r); weight != watched_by_.end()) {
          watched_records_ -= weight->second.records;
          auto member = watched_by_member_.find(weight->second.member);
          if (member != watched_by_member_.end() &&
              (member->second -= weight->second.records) <= 0) {
            watched_by_member_.erase(member);
          }
          watched_by_.erase(weight);
        }
        for (auto* streams : {&streams_, &admitted_}) {
          auto it = streams->find(key_id);
          if (it == streams->end()) continue;
          it->second.erase(r);
          if (it->second.empty()) streams->erase(it);
        }
        if (!admitted_.contains(key_id)) member_of_key_.erase(key_id);
      });
  {
    absl::MutexLock lock(&streams_mu_);
    streams_[key_id].insert(reactor);
  }
  // The request is copied: a cancelled call may be gone before this runs.
  pool_.Schedule([this, reactor, key_id, request = *request,
                  authorization = std::move(authorization),
                  certificate = CertificateNameOf(*ctx)] {
    absl::StatusOr<Caller> caller =
        authenticator_.Authenticate(authorization, certificate);
    if (!caller.ok()) {
      reactor->StartAdHoc(caller.status(), nullptr);
      return;
    }
    const MethodRule* rule = RAA_RULE(MatchingService, WatchMatches);
    absl::Status allowed = CheckCall(*caller, rule, request);
    // The request's shape too, before admission: a key at its limit is told
    // what is wrong with its request.
    if (const bool ad_hoc =
            !request.children().empty() || !request.adopters().empty();
        allowed.ok() && ad_hoc) {
      FieldErrors errors;
      Matching::CheckWatchShape(request, errors);
      allowed = errors.ToStatus();
    }
    // An ad-hoc watch's records, each worked out in every write (a request
    // naming too many is told so, not counted as more).
    const int records =
        std::min(request.children_size() + request.adopters_size(),
                 Matching::kMaxWatchRecords);
    const Admission admission = allowed.ok()
                                    ? Admit(key_id, *caller, reactor, records)
                                    : Admission::kAdmitted;
    if (!allowed.ok() || admission != Admission::kAdmitted) {
      // Before the request's records are read: a key at its limit costs the
      // store nothing (a request naming records it may not watch is told so
      // once a stream closes).
      absl::Status refused =
          !allowed.ok() ? allowed
          : admission == Admission::kWithdrawn
              ? absl::PermissionDeniedError(WithdrawnMessage(*caller))
          : admission == Admission::kKeyFull
              ? absl::ResourceExhaustedError(absl::StrCat(
                    "this key already has ", kMaxStreamsPerKey,
                    " WatchMatches streams open, the most one key may have: "
                    "close one first"))
          : admission == Admission::kMemberFull
              ? absl::ResourceExhaustedError(absl::StrCat(
                    "with this one, the open ad-hoc watches of ",
                    AuthorityName(caller->authority_id),
                    "'s keys would follow more than ",
                    kMaxWatchedRecordsPerMember,
                    " records, the most one member's may follow (the "
                    "service works out ",
                    kMaxWatchedRecords,
                    " for every member together in every write): watch "
                    "fewer records, close a watch, or follow them "
                    "(CreateFollow) and watch the follows"))
              : absl::ResourceExhaustedError(absl::StrCat(
                    "with this one, the open ad-hoc watches of every member "
                    "would follow more than ",
                    kMaxWatchedRecords,
                    " records, the most the service works out in every "
                    "write: watch fewer records, try again later, or follow "
                    "them (CreateFollow) and watch the follows"));
      if (rpc_.audit() != nullptr) {
        rpc_.audit()->Record(
            MakeAuditEvent(*caller, rule, request,
                           static_cast<v1::MatchAlert*>(nullptr), refused));
      }
      reactor->StartAdHoc(refused, nullptr);
      return;
    }
    if (AuditLog* audit = rpc_.audit(); audit != nullptr) {
      // Alerts delivered are recorded as they are written.
      reactor->OnWritten([audit, caller = *caller,
                          rule](const v1::MatchAlert& alert) {
        audit->Record(MakeAuditEvent(caller, rule, v1::WatchMatchesRequest(),
                                     &alert, absl::OkStatus()));
      });
    }
    if (!request.children().empty() || !request.adopters().empty()) {
      reactor->StartAdHoc(matching_.PrepareWatch(*caller, request),
                          [this](std::function<void()> task) {
                            // A part holds the index ~20 ms: heavy.
                            pool_.Schedule(std::move(task),
                                           WorkerPool::Lane::kHeavy);
                          });
      return;
    }
    absl::StatusOr<FollowWatchPlan> plan =
        follows_.PrepareWatch(*caller, request);
    FollowWatchPlan copy = plan.ok() ? *plan : FollowWatchPlan{};
    reactor->StartFollows(
        std::move(plan), [this, copy] { return follows_.Ended(copy); },
        [this, caller = *caller, copy](int64_t after, int limit) {
          return follows_.Replay(caller, copy, after, limit);
        });
  });
  return reactor;
}

MatchingService::Admission MatchingService::Admit(const std::string& key_id,
                                                  const Caller& caller,
                                                  WatchReactor* reactor,
                                                  int records) {
  absl::MutexLock lock(&streams_mu_);
  auto open = streams_.find(key_id);
  if (open == streams_.end() || !open->second.contains(reactor)) {
    // Done already (its OnDone ran): nothing to count.
    return Admission::kAdmitted;
  }
  // Withdrawn after its key was checked (OnWithdrawal ran in between).
  if (withdrawn_.contains(caller.authority_id)) return Admission::kWithdrawn;
  absl::flat_hash_set<WatchReactor*>& admitted = admitted_[key_id];
  if (admitted.size() >= static_cast<size_t>(kMaxStreamsPerKey)) {
    return Admission::kKeyFull;
  }
  if (records > 0) {
    const auto member = watched_by_member_.find(caller.authority_id);
    const int of_member =
        member == watched_by_member_.end() ? 0 : member->second;
    const Admission full = of_member + records > kMaxWatchedRecordsPerMember
                               ? Admission::kMemberFull
                           : watched_records_ + records > kMaxWatchedRecords
                               ? Admission::kServiceFull
                               : Admission::kAdmitted;
    if (full != Admission::kAdmitted) {
      if (admitted.empty()) admitted_.erase(key_id);
      return full;
    }
  }
  admitted.insert(reactor);
  member_of_key_[key_id] = caller.authority_id;
  if (records > 0) {
    watched_records_ += records;
    watched_by_member_[caller.authority_id] += records;
    watched_by_[reactor] = Watched{records, caller.authority_id};
  }
  return Admission::kAdmitted;
}

}  // namespace raa
