#include "services/matching/follows.h"

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/auth/rules.h"
#include "services/matching/alert_feed.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry.h"
#include "services/registry/registry_rows.h"
#include "services/registry/validation.h"
#include "services/store/paging.h"

namespace raa {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxWatchedFollows = 1000;

// A registrar searches only for its own member's records, so it is told
// only of fits of those, not of what its family finders follow elsewhere.
bool SeesAlertsOf(const Caller& caller, absl::string_view followed) {
  return CanSearchAll(caller) || AuthorityOf(followed) == caller.authority_id;
}

absl::Status RequireFollowRole(const Caller& caller) {
  return RequireAnyRole(
      caller, {v1::ROLE_FAMILY_FINDER, v1::ROLE_MANAGER, v1::ROLE_REGISTRAR});
}

void CheckMinScore(int min_score, absl::string_view field,
                   FieldErrors& errors) {
  if (min_score < 0 || min_score > 100) {
    errors.Add(field, absl::StrCat(min_score, " is outside 0-100"));
  }
}

// A follow's name that must belong to `authority_id`.
absl::StatusOr<int64_t> OwnFollowRow(absl::string_view name,
                                     absl::string_view authority_id,
                                     absl::string_view field) {
  ASSIGN_OR_RETURN(RecordName record,
                   ParseRecordName(name, "follows", 'f', field));
  if (record.authority_id != authority_id) {
    return InvalidField(
        field, absl::StrCat("is not one of ", authority_id, "'s follows"));
  }
  return record.row_id;
}

// The resume token's sequence number, which must be `authority_id`'s.
absl::StatusOr<int64_t> ResumeAfter(absl::string_view token,
                                    absl::string_view authority_id,
                                    absl::string_view field) {
  if (token.empty()) return 0;
  std::optional<AlertPosition> at = ParseAlertResumeToken(token);
  if (!at.has_value()) {
    return InvalidField(field, "is not a resume token this server issued");
  }
  if (at->authority_id != authority_id) {
    return InvalidField(
        field, absl::StrCat("is a token for another authority's alerts, not ",
                            authority_id, "'s"));
  }
  return at->sequence;
}

}  // namespace

absl::StatusOr<std::string> Follows::OwnParent(const Caller& caller,
                                               absl::string_view parent,
                                               absl::string_view field) {
  if (parent.empty()) return caller.authority_id;
  ASSIGN_OR_RETURN(std::string id, ParseAuthorityName(parent, field));
  if (id != caller.authority_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("follows and alerts belong to the caller's own "
                     "authority: this key is ",
                     caller.authority_id, "'s"));
  }
  return id;
}

absl::StatusOr<v1::Follow> Follows::Create(
    const Caller& caller, const v1::CreateFollowRequest& request) {
  // Cheap checks first, before any lock.
  FieldErrors errors;
  absl::StatusOr<std::string> authority =
      request.parent().empty()
          ? absl::StatusOr<std::string>(caller.authority_id)
          : ParseAuthorityName(request.parent(), "parent");
  errors.AddAll(authority.status());
  const std::string& followed = request.follow().followed();
  const bool is_child = absl::StrContains(followed, "/children/");
  absl::StatusOr<RecordName> record = absl::InvalidArgumentError("unset");
  if (followed.empty()) {
    errors.Add("follow.followed",
               "is required: authorities/{a}/children/c{n} or "
               "authorities/{a}/adopters/h{n}");
  } else {
    record = ParseRecordName(followed, is_child ? "children" : "adopters",
                             is_child ? 'c' : 'h', "follow.followed");
    errors.AddAll(record.status());
  }
  CheckMinScore(request.follow().min_score(), "follow.min_score", errors);
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(std::string authority_id,
                   OwnParent(caller, request.parent(), "parent"));

  // Who may follow is who may search; NOT_FOUND (hidden or unknown) is a
  // wrong name here, as in WatchMatches.
  absl::StatusOr<uint64_t> key =
      is_child ? matching_.SearchableChild(caller, followed, "follow.followed",
                                           /*for_search=*/true)
               : matching_.SearchableAdopter(caller, followed,
                                             "follow.followed", true);
  if (absl::IsNotFound(key.status())) {
    return InvalidField("follow.followed",
                        is_child ? "no such child" : "no such adopter");
  }
  // A record no longer searched for (withdrawn, placed) is refused only
  // after the request id, under the write lock: a retry of a follow stored
  // before then answers as the first time did.
  absl::Status not_searched;
  if (absl::IsFailedPrecondition(key.status())) {
    not_searched = key.status();
    key = static_cast<uint64_t>(record->row_id);
  }
  RETURN_IF_ERROR(key.status());

  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Follow>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Follow> {
            // Under the write lock the index is what is committed.
            bool in_matching = is_child ? live_.ChildInMatching(*key)
                                        : live_.HouseholdInMatching(*key);
            if (!in_matching) {
              if (!not_searched.ok()) return not_searched;
              return absl::FailedPreconditionError(
                  absl::StrCat(followed,
                               " is not in matching (closed, or its authority "
                               "has left): nothing to follow"));
            }
            ASSIGN_OR_RETURN(
                std::optional<v1::Follow> existing,
                matching_rows::FindActiveFollow(tx, authority_id, followed));
            if (existing.has_value()) {
              return absl::AlreadyExistsError(
                  absl::StrCat(existing->name(), " already follows ", followed,
                               " (min score ", existing->min_score(),
                               "): delete it first to change the score"));
            }
            ASSIGN_OR_RETURN(int64_t active, matching_rows::CountActiveFollows(
                                                 tx, authority_id));
            if (active >= kMaxActiveFollows) {
              return absl::ResourceExhaustedError(absl::StrCat(
                  authority_id, " has ", active,
                  " active follows, the most allowed: delete some first"));
            }
            v1::Follow follow;
            follow.set_followed(followed);
            follow.set_min_score(request.follow().min_score() == 0
                                     ? 50
                                     : request.follow().min_score());
            follow.set_state(v1::FOLLOW_STATE_ACTIVE);
            RETURN_IF_ERROR(
                matching_rows::InsertFollow(tx, authority_id, follow));
            return follow;
          }));
  return written.value;
}

absl::StatusOr<v1::Follow> Follows::Get(const Caller& caller,
                                        const v1::GetFollowRequest& request) {
  ASSIGN_OR_RETURN(RecordName name,
                   ParseRecordName(request.name(), "follows", 'f', "name"));
  RETURN_IF_ERROR(RequireFollowRole(caller));
  if (name.authority_id != caller.authority_id) {
    return absl::NotFoundError(absl::StrCat("no follow ", request.name()));
  }
  absl::StatusOr<v1::Follow> follow =
      matching_rows::GetFollow(store_, name.authority_id, name.row_id);
  if (absl::IsNotFound(follow.status())) {
    return absl::NotFoundError(absl::StrCat("no follow ", request.name()));
  }
  RETURN_IF_ERROR(follow.status());
  ASSIGN_OR_RETURN(bool nameable,
                   Nameable(caller.authority_id, follow->followed()));
  if (!nameable) {
    return absl::NotFoundError(absl::StrCat("no follow ", request.name()));
  }
  return follow;
}

absl::StatusOr<v1::ListFollowsResponse> Follows::List(
    const Caller& caller, const v1::ListFollowsRequest& request) {
  FieldErrors errors;
  if (!request.parent().empty()) {
    errors.AddAll(ParseAuthorityName(request.parent(), "parent").status());
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(RequireFollowRole(caller));
  ASSIGN_OR_RETURN(std::string authority_id,
                   OwnParent(caller, request.parent(), "parent"));
  ASSIGN_OR_RETURN(
      Page<v1::Follow> page,
      matching_rows::ListFollows(store_, authority_id,
                                 {cursor->page_size, cursor->after}));
  v1::ListFollowsResponse response;
  for (v1::Follow& f : page.items) {
    ASSIGN_OR_RETURN(bool nameable, Nameable(authority_id, f.followed()));
    if (nameable) *response.add_follows() = std::move(f);
  }
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

absl::StatusOr<v1::Follow> Follows::Delete(
    const Caller& caller, const v1::DeleteFollowRequest& request) {
  FieldErrors errors;
  absl::StatusOr<RecordName> name =
      ParseRecordName(request.name(), "follows", 'f', "name");
  errors.AddAll(name.status());
  ValidateRequestId(request.request_id(), errors);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(RequireFollowRole(caller));
  if (name->authority_id != caller.authority_id) {
    return absl::NotFoundError(absl::StrCat("no follow ", request.name()));
  }
  // Before the write (which holds the store): a follow of a child hidden
  // since is not the follower's to see, so neither to delete.
  if (absl::StatusOr<v1::Follow> seen =
          matching_rows::GetFollow(store_, name->authority_id, name->row_id);
      seen.ok()) {
    ASSIGN_OR_RETURN(bool nameable,
                     Nameable(caller.authority_id, seen->followed()));
    if (!nameable) {
      return absl::NotFoundError(absl::StrCat("no follow ", request.name()));
    }
  }
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::Follow>(
          MakeRequestKey(caller.authority_id, request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::Follow> {
            absl::StatusOr<v1::Follow> follow =
                matching_rows::GetFollow(tx, name->authority_id, name->row_id);
            if (absl::IsNotFound(follow.status()) ||
                (follow.ok() && follow->has_delete_time())) {
              return absl::NotFoundError(
                  absl::StrCat("no follow ", request.name()));
            }
            RETURN_IF_ERROR(follow.status());
            // Who may stop following is who may follow: a registrar only
            // its own member's records (a family finder's follow of another
            // member's household is not a registrar's to end).
            RETURN_IF_ERROR(
                CanSearchFor(caller, AuthorityOf(follow->followed())));
            *follow->mutable_delete_time() = TimeUtil::MicrosecondsToTimestamp(
                absl::ToUnixMicros(clock_.Now()));
            RETURN_IF_ERROR(matching_rows::UpdateFollow(tx, *follow));
            return *follow;
          }));
  return written.value;
}

absl::StatusOr<bool> Follows::Nameable(absl::string_view authority_id,
                                       absl::string_view record) {
  absl::StatusOr<RecordName> child =
      ParseRecordName(record, "children", 'c', "child");
  if (!child.ok() || child->authority_id == authority_id) return true;
  std::optional<matcher::ChildGroup> group =
      live_.Read([&](const matcher::CandidateIndex& index,
                     const matcher::MatchingPolicy&) {
        return index.FindChild(static_cast<uint64_t>(child->row_id));
      });
  if (group.has_value()) {
    return !absl::c_linear_search(group->hidden_from, authority_id);
  }
  absl::StatusOr<v1::Child> stored =
      registry_rows::GetChild(store_, child->authority_id, child->row_id);
  if (absl::IsNotFound(stored.status())) return false;
  RETURN_IF_ERROR(stored.status());
  return !absl::c_linear_search(stored->hidden_from(), authority_id);
}

void Follows::PrepareForCaller(const Caller& caller, v1::MatchAlert& alert,
                               int64_t sequence, bool& visible,
                               bool& passable) {
  alert.set_resume_token(AlertResumeToken(caller.authority_id, sequence));
  passable = alert.child().empty() ||
             SurelyNameable(caller.authority_id, alert.child());
  visible = passable && SeesAlertsOf(caller, FollowedRecordOf(alert));
}

absl::StatusOr<v1::ListAlertsResponse> Follows::ListAlerts(
    const Caller& caller, const v1::ListAlertsRequest& request) {
  FieldErrors errors;
  std::string authority_id = caller.authority_id;
  if (!request.parent().empty()) {
    absl::StatusOr<std::string> parent =
        ParseAuthorityName(request.parent(), "parent");
    errors.AddAll(parent.status());
    if (parent.ok()) authority_id = *parent;
  }
  absl::StatusOr<PageCursor> cursor =
      ReadPageRequest(request.page_size(), request.page_token());
  errors.AddAll(cursor.status());
  absl::StatusOr<int64_t> after =
      ResumeAfter(request.resume_token(), authority_id, "resume_token");
  errors.AddAll(after.status());
  AlertFilter filter;
  filter.authority_id = authority_id;
  if (!request.follow().empty()) {
    absl::StatusOr<int64_t> row =
        OwnFollowRow(request.follow(), authority_id, "follow");
    errors.AddAll(row.status());
    if (row.ok()) filter.follow_row = *row;
  }
  if (!request.child().empty()) {
    errors.AddAll(
        ParseRecordName(request.child(), "children", 'c', "child").status());
    filter.child = request.child();
  }
  if (request.has_since_time()) {
    const google::protobuf::Timestamp& t = request.since_time();
    if (t.seconds() < 0 || t.seconds() > TimeUtil::kTimestampMaxSeconds ||
        t.nanos() < 0 || t.nanos() > 999999999) {
      errors.Add("since_time", "is not a valid instant");
    } else {
      filter.since_micros = std::max<int64_t>(
          1, TimeUtil::TimestampToMicroseconds(request.since_time()));
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(RequireFollowRole(caller));
  ASSIGN_OR_RETURN(authority_id, OwnParent(caller, request.parent(), "parent"));
  filter.after_sequence = *after;
  ASSIGN_OR_RETURN(Page<Row<v1::MatchAlert>> page,
                   matching_rows::ListAlerts(
                       store_, filter, {cursor->page_size, cursor->after}));
  v1::ListAlertsResponse response;
  // The token moves past the alerts the caller sees, and past those of its
  // member's follows a registrar is not told of (else a page of them would
  // be read again at every poll), not past an alert of a child hidden
  // since: that would tell that the child exists.
  response.set_resume_token(request.resume_token());
  for (Row<v1::MatchAlert>& row : page.items) {
    bool visible = false;
    bool passable = false;
    PrepareForCaller(caller, row.value, row.row_id, visible, passable);
    if (passable) response.set_resume_token(row.value.resume_token());
    if (visible) *response.add_alerts() = std::move(row.value);
  }
  response.set_next_page_token(NextPageToken(page.next_after));
  return response;
}

absl::StatusOr<FollowWatchPlan> Follows::PrepareWatch(
    const Caller& caller, const v1::WatchMatchesRequest& request) {
  FieldErrors errors;
  FollowWatchPlan plan;
  plan.authority_id = caller.authority_id;
  if (request.follows_size() > kMaxWatchedFollows) {
    errors.Add("follows", absl::StrCat("watch at most ", kMaxWatchedFollows,
                                       " follows per stream"));
  }
  if (request.min_score() != 0) {
    errors.Add("min_score",
               "applies to children and adopters only: each follow has its "
               "own (CreateFollow)");
  }
  for (int i = 0; i < request.follows_size(); ++i) {
    absl::StatusOr<int64_t> row =
        OwnFollowRow(request.follows(i), caller.authority_id,
                     absl::StrCat("follows[", i, "]"));
    errors.AddAll(row.status());
    if (row.ok()) plan.follow_rows.push_back(*row);
  }
  absl::StatusOr<int64_t> after =
      ResumeAfter(request.resume_token(), caller.authority_id, "resume_token");
  errors.AddAll(after.status());
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(RequireFollowRole(caller));
  plan.after_sequence = *after;
  plan.replay = !request.resume_token().empty();
  for (size_t i = 0; i < plan.follow_rows.size(); ++i) {
    absl::StatusOr<v1::Follow> follow = matching_rows::GetFollow(
        store_, caller.authority_id, plan.follow_rows[i]);
    std::string field = absl::StrCat("follows[", i, "]");
    if (absl::IsNotFound(follow.status())) {
      errors.Add(field, "no such follow");
      continue;
    }
    RETURN_IF_ERROR(follow.status());
    ASSIGN_OR_RETURN(bool nameable,
                     Nameable(caller.authority_id, follow->followed()));
    if (!nameable) {
      errors.Add(field, "no such follow");
    } else if (follow->has_delete_time()) {
      errors.Add(field, "was deleted");
    } else if (!SeesAlertsOf(caller, follow->followed())) {
      return absl::PermissionDeniedError(absl::StrCat(
          field, ": ", follow->name(), " follows ", follow->followed(),
          ": a registrar may watch only follows of ", caller.authority_id,
          "'s own children and adopters"));
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  if (!CanSearchAll(caller)) plan.records_of = caller.authority_id;
  return plan;
}

absl::StatusOr<EndedFollows> Follows::Ended(const FollowWatchPlan& plan) {
  EndedFollows out;
  for (int64_t row : plan.follow_rows) {
    ASSIGN_OR_RETURN(v1::Follow follow,
                     matching_rows::GetFollow(store_, plan.authority_id, row));
    if (follow.state() == v1::FOLLOW_STATE_ACTIVE &&
        !follow.has_delete_time()) {
      continue;
    }
    out.rows.push_back(row);
    if (out.reason.empty()) {
      out.reason = follow.has_delete_time()
                       ? absl::StrCat("follow ", follow.name(), " was deleted")
                   : SurelyNameable(plan.authority_id, follow.followed())
                       ? follow.end_reason()
                       : absl::StrCat("follow ", follow.name(), " ended");
    }
  }
  return out;
}

absl::StatusOr<AlertReplay> Follows::Replay(const Caller& caller,
                                            const FollowWatchPlan& plan,
                                            int64_t after_sequence, int limit) {
  AlertFilter filter;
  filter.authority_id = plan.authority_id;
  filter.after_sequence = after_sequence;
  filter.follow_rows = plan.follow_rows;
  ASSIGN_OR_RETURN(Page<Row<v1::MatchAlert>> page,
                   matching_rows::ListAlerts(store_, filter, {limit, 0}));
  AlertReplay out;
  out.last_sequence = after_sequence;
  out.more = page.next_after != 0;
  for (Row<v1::MatchAlert>& row : page.items) {
    bool visible = false;
    bool passable = false;
    PrepareForCaller(caller, row.value, row.row_id, visible, passable);
    out.last_sequence = row.row_id;
    if (!visible) continue;
    out.alerts.push_back(std::move(row.value));
    out.sequences.push_back(row.row_id);
  }
  return out;
}

}  // namespace raa
