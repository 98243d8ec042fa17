#include "services/matching/matching.h"

#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/dates.h"
#include "services/common/errors.h"
#include "services/common/status_macros.h"
#include "services/matching/convert.h"
#include "services/registry/registry.h"
#include "services/registry/validation.h"

namespace raa {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kMaxFollowed = 200;
constexpr size_t kAnyPool = std::numeric_limits<size_t>::max();

bool CanSearchAll(const Caller& caller) {
  return caller.Has(v1::FAMILY_FINDER) || caller.Has(v1::MANAGER);
}

absl::Status CheckSearchRole(const Caller& caller,
                             absl::string_view owner_authority) {
  if (CanSearchAll(caller)) return absl::OkStatus();
  if (caller.Has(v1::REGISTRAR) && caller.authority_id == owner_authority) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      caller.Has(v1::REGISTRAR)
          ? absl::StrCat("a registrar may search only for ",
                         caller.authority_id, "'s own children and adopters")
          : "searching needs a family_finder, manager or registrar key");
}

template <typename Request>
void CheckView(const Request& request, FieldErrors& errors) {
  if (!v1::RankView_IsValid(request.view())) {
    errors.Add("view", "must be RANK_VIEW_BASIC or RANK_VIEW_FULL");
  }
}

void CheckPaging(int page_size, int min_score, FieldErrors& errors) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    errors.Add("page_size",
               absl::StrCat(page_size, " is outside 0-", kMaxPageSize,
                            " (0 means ", kDefaultPageSize, ")"));
  }
  if (min_score < 0 || min_score > 100) {
    errors.Add("min_score", absl::StrCat(min_score, " is outside 0-100"));
  }
}

template <typename Response>
void FillSummary(const matcher::RankResult& r, Response& out) {
  out.set_policy_version(r.policy_version);
  out.set_considered(r.considered);
  out.set_eligible(r.eligible);
  out.set_excluded(r.excluded_total);
  for (const matcher::ExclusionLine& line : r.exclusions) {
    v1::Exclusion* e = out.add_exclusions();
    e->set_constraint(std::string(matcher::ConstraintId(line.constraint)));
    e->set_count(line.count);
    e->set_text(line.text);
  }
}

template <typename Request>
matcher::CandidateIndex::RankOptions RankOptionsOf(const Request& request) {
  matcher::CandidateIndex::RankOptions options;
  options.limit =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  options.min_score = request.min_score();
  return options;
}

// What a caller hears about a child hidden from it: exactly what it hears
// about a child that does not exist (the store's NOT_FOUND), so the answer
// does not reveal that a hidden profile exists.
absl::Status NoSuchChild() { return absl::NotFoundError("no such child"); }

bool Hidden(const matcher::ChildGroup& g, const std::string& authority) {
  if (g.authority == authority) return false;
  return std::find(g.hidden_from.begin(), g.hidden_from.end(), authority) !=
         g.hidden_from.end();
}

}  // namespace

int32_t Matching::Today() const { return DayNumber(ToDate(clock_.Today())); }

absl::StatusOr<uint64_t> Matching::SearchableChild(const Caller& caller,
                                                   absl::string_view name,
                                                   absl::string_view field,
                                                   bool for_search) {
  ASSIGN_OR_RETURN(RecordName record,
                   ParseRecordName(name, "children", 'c', field));
  RETURN_IF_ERROR(CheckSearchRole(caller, record.authority_id));
  uint64_t key = static_cast<uint64_t>(record.row_id);
  std::optional<matcher::ChildGroup> group = live_.Read(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy&) { return index.FindChild(key); });
  if (group.has_value() && group->authority == record.authority_id) {
    if (Hidden(*group, caller.authority_id)) {
      return NoSuchChild();
    }
    return key;
  }
  // Not in the index: unknown, or no longer waiting.
  absl::StatusOr<v1::Child> child =
      store_.GetChild(record.authority_id, record.row_id);
  if (!child.ok()) return child.status();
  if (!CanSee(caller, record.authority_id, *child)) {
    return NoSuchChild();
  }
  if (!for_search) return key;
  std::string status = v1::ChildStatus_Name(child->status());
  return absl::FailedPreconditionError(absl::StrCat(
      name, " is ", status.substr(status.find('_') + 1),
      ", not waiting: only waiting or linked children are searched for"));
}

absl::StatusOr<uint64_t> Matching::SearchableAdopter(const Caller& caller,
                                                     absl::string_view name,
                                                     absl::string_view field,
                                                     bool for_search) {
  ASSIGN_OR_RETURN(RecordName record,
                   ParseRecordName(name, "adopters", 'h', field));
  RETURN_IF_ERROR(CheckSearchRole(caller, record.authority_id));
  uint64_t key = static_cast<uint64_t>(record.row_id);
  std::optional<matcher::Household> household = live_.Read(
      [&](const matcher::CandidateIndex& index,
          const matcher::MatchingPolicy&) { return index.FindHousehold(key); });
  if (household.has_value() && household->authority == record.authority_id) {
    return key;
  }
  absl::StatusOr<v1::Adopter> adopter =
      store_.GetAdopter(record.authority_id, record.row_id);
  if (!adopter.ok()) return adopter.status();
  if (!for_search) return key;
  std::string status = v1::AdopterStatus_Name(adopter->status());
  return absl::FailedPreconditionError(
      absl::StrCat(name, " is ", status.substr(status.find('_') + 1),
                   ": only approved households are matched"));
}

Attempt<v1::RankAdoptersResponse> Matching::TryRankAdopters(
    const Caller& caller, const v1::RankAdoptersRequest& request,
    size_t max_pool) {
  FieldErrors errors;
  CheckPaging(request.page_size(), request.min_score(), errors);
  CheckView(request, errors);
  const bool explain = request.view() != v1::RANK_VIEW_BASIC;
  absl::StatusOr<RecordName> record =
      ParseRecordName(request.child(), "children", 'c', "child");
  errors.AddAll(record.status());
  if (!errors.empty()) return errors.ToStatus();
  if (absl::Status s = CheckSearchRole(caller, record->authority_id); !s.ok()) {
    return s;
  }
  matcher::CandidateIndex::RankOptions options = RankOptionsOf(request);
  options.as_of_day = Today();
  return live_.Read([&](const matcher::CandidateIndex& index,
                        const matcher::MatchingPolicy& policy)
                        -> Attempt<v1::RankAdoptersResponse> {
    const uint64_t key = static_cast<uint64_t>(record->row_id);
    std::optional<matcher::ChildGroup> group = index.FindChild(key);
    if (index.household_count() > max_pool || !group.has_value() ||
        group->authority != record->authority_id) {
      return std::nullopt;
    }
    if (Hidden(*group, caller.authority_id)) {
      return NoSuchChild();
    }
    absl::StatusOr<matcher::RankResult> r =
        index.RankHouseholds(key, policy, options, explain);
    if (!r.ok()) return r.status();
    v1::RankAdoptersResponse response;
    response.set_child(request.child());
    FillSummary(*r, response);
    for (matcher::RankedCandidate& c : r->candidates) {
      v1::RankedAdopter* a = response.add_adopters();
      a->set_adopter(AdopterName(c.authority, c.key));
      a->set_score(c.score);
      a->mutable_members()->Add(c.members.begin(), c.members.end());
      if (!explain) continue;
      for (matcher::ComponentScore& s : c.components) {
        ToProto(std::move(s), *a->add_components());
      }
    }
    return response;
  });
}

absl::StatusOr<v1::RankAdoptersResponse> Matching::RankAdopters(
    const Caller& caller, const v1::RankAdoptersRequest& request) {
  if (auto r = TryRankAdopters(caller, request, kAnyPool)) return *std::move(r);
  // Not in the index: the store says why (unknown, hidden, not waiting).
  RETURN_IF_ERROR(
      SearchableChild(caller, request.child(), "child", true).status());
  // It joined the index between the two reads: search again.
  if (auto r = TryRankAdopters(caller, request, kAnyPool)) return *std::move(r);
  return absl::AbortedError("the child changed during the search; try again");
}

Attempt<v1::RankChildrenResponse> Matching::TryRankChildren(
    const Caller& caller, const v1::RankChildrenRequest& request,
    size_t max_pool) {
  FieldErrors errors;
  CheckPaging(request.page_size(), request.min_score(), errors);
  CheckView(request, errors);
  const bool explain = request.view() != v1::RANK_VIEW_BASIC;
  absl::StatusOr<RecordName> record =
      ParseRecordName(request.adopter(), "adopters", 'h', "adopter");
  errors.AddAll(record.status());
  if (!errors.empty()) return errors.ToStatus();
  if (absl::Status s = CheckSearchRole(caller, record->authority_id); !s.ok()) {
    return s;
  }
  matcher::CandidateIndex::RankOptions options = RankOptionsOf(request);
  options.as_of_day = Today();
  return live_.Read([&](const matcher::CandidateIndex& index,
                        const matcher::MatchingPolicy& policy)
                        -> Attempt<v1::RankChildrenResponse> {
    const uint64_t key = static_cast<uint64_t>(record->row_id);
    std::optional<matcher::Household> household = index.FindHousehold(key);
    if (index.child_count() > max_pool || !household.has_value() ||
        household->authority != record->authority_id) {
      return std::nullopt;
    }
    absl::StatusOr<matcher::RankResult> r =
        index.RankChildren(key, policy, options, caller.authority_id, explain);
    if (!r.ok()) return r.status();
    v1::RankChildrenResponse response;
    response.set_adopter(request.adopter());
    FillSummary(*r, response);
    for (matcher::RankedCandidate& c : r->candidates) {
      v1::RankedChild* child = response.add_children();
      child->set_child(ChildName(c.authority, c.key));
      child->set_score(c.score);
      child->mutable_members()->Add(c.members.begin(), c.members.end());
      if (!explain) continue;
      for (matcher::ComponentScore& s : c.components) {
        ToProto(std::move(s), *child->add_components());
      }
    }
    return response;
  });
}

absl::StatusOr<v1::RankChildrenResponse> Matching::RankChildren(
    const Caller& caller, const v1::RankChildrenRequest& request) {
  if (auto r = TryRankChildren(caller, request, kAnyPool)) return *std::move(r);
  RETURN_IF_ERROR(
      SearchableAdopter(caller, request.adopter(), "adopter", true).status());
  if (auto r = TryRankChildren(caller, request, kAnyPool)) return *std::move(r);
  return absl::AbortedError(
      "the household changed during the search; try again");
}

absl::StatusOr<v1::PairExplanation> Matching::ExplainPair(
    const Caller& caller, const v1::ExplainPairRequest& request) {
  FieldErrors errors;
  absl::StatusOr<RecordName> child_name =
      ParseRecordName(request.child(), "children", 'c', "child");
  absl::StatusOr<RecordName> adopter_name =
      ParseRecordName(request.adopter(), "adopters", 'h', "adopter");
  errors.AddAll(child_name.status());
  errors.AddAll(adopter_name.status());
  RETURN_IF_ERROR(errors.ToStatus());
  // A registrar may explain a pair where either side is its own.
  Caller effective = caller;
  if (!CanSearchAll(caller) && caller.Has(v1::REGISTRAR) &&
      (caller.authority_id == child_name->authority_id ||
       caller.authority_id == adopter_name->authority_id)) {
    effective.roles |= 1u << v1::FAMILY_FINDER;
  }
  ASSIGN_OR_RETURN(uint64_t child,
                   SearchableChild(effective, request.child(), "child", false));
  ASSIGN_OR_RETURN(
      uint64_t household,
      SearchableAdopter(effective, request.adopter(), "adopter", false));
  v1::PairExplanation out;
  RETURN_IF_ERROR(
      live_.Read([&](const matcher::CandidateIndex& index,
                     const matcher::MatchingPolicy& policy) -> absl::Status {
        absl::StatusOr<matcher::PairExplanation> e =
            index.ExplainPair(child, household, policy, Today());
        if (absl::IsNotFound(e.status())) {
          return absl::FailedPreconditionError(
              "one side of the pair is closed (not waiting, or not approved): "
              "nothing to explain");
        }
        RETURN_IF_ERROR(e.status());
        out.set_child(request.child());
        out.set_adopter(request.adopter());
        out.set_policy_version(e->policy_version);
        out.set_eligible(e->eligible);
        out.mutable_members()->Add(e->members.begin(), e->members.end());
        for (const matcher::ConstraintCheck& c : e->constraints) {
          v1::ConstraintCheck* check = out.add_constraints();
          check->set_constraint(
              std::string(matcher::ConstraintId(c.constraint)));
          check->set_passed(c.passed);
          check->set_reason(c.reason);
        }
        out.set_score(e->score);
        for (const matcher::ComponentScore& s : e->components) {
          ToProto(s, *out.add_components());
        }
        return absl::OkStatus();
      }));
  return out;
}

absl::StatusOr<FollowSpec> Matching::PrepareWatch(
    const Caller& caller, const v1::WatchMatchesRequest& request) {
  FieldErrors errors;
  if (request.children().empty() && request.adopters().empty()) {
    errors.Add("children", "follow at least one child or adopter");
  }
  if (request.children_size() + request.adopters_size() > kMaxFollowed) {
    errors.Add("children", absl::StrCat("follow at most ", kMaxFollowed,
                                        " records per subscription"));
  }
  if (request.min_score() < 0 || request.min_score() > 100) {
    errors.Add("min_score",
               absl::StrCat(request.min_score(), " is outside 0-100"));
  }
  FollowSpec spec;
  spec.caller_authority = caller.authority_id;
  spec.min_score = request.min_score() == 0 ? 50 : request.min_score();
  for (int i = 0; i < request.children_size(); ++i) {
    absl::StatusOr<uint64_t> key = SearchableChild(
        caller, request.children(i), absl::StrCat("children[", i, "]"), false);
    if (key.ok()) {
      spec.children.insert(*key);
    } else if (absl::IsInvalidArgument(key.status())) {
      errors.AddAll(key.status());
    } else if (absl::IsNotFound(key.status())) {
      errors.Add(absl::StrCat("children[", i, "]"), "no such child");
    } else {
      return key.status();
    }
  }
  for (int i = 0; i < request.adopters_size(); ++i) {
    absl::StatusOr<uint64_t> key = SearchableAdopter(
        caller, request.adopters(i), absl::StrCat("adopters[", i, "]"), false);
    if (key.ok()) {
      spec.households.insert(*key);
    } else if (absl::IsInvalidArgument(key.status())) {
      errors.AddAll(key.status());
    } else if (absl::IsNotFound(key.status())) {
      errors.Add(absl::StrCat("adopters[", i, "]"), "no such adopter");
    } else {
      return key.status();
    }
  }
  RETURN_IF_ERROR(errors.ToStatus());
  return spec;
}

absl::StatusOr<v1::MatchingPolicy> Matching::GetPolicy(
    const Caller&, const v1::GetMatchingPolicyRequest&) {
  return store_.LatestMatchingPolicy();
}

absl::StatusOr<v1::MatchingPolicy> Matching::UpdatePolicy(
    const Caller& caller, const v1::UpdateMatchingPolicyRequest& request) {
  RETURN_IF_ERROR(RequireAnyRole(caller, {v1::MANAGER}));
  FieldErrors errors;
  ValidateRequestId(request.request_id(), errors);
  const v1::MatchingPolicy& change = request.policy();
  absl::flat_hash_map<std::string, int> first_index;
  for (int i = 0; i < change.weights_size(); ++i) {
    const v1::ComponentWeight& w = change.weights(i);
    if (auto [it, inserted] = first_index.emplace(w.component(), i);
        !inserted) {
      errors.Add(absl::StrCat("policy.weights[", i, "].component"),
                 absl::StrCat("is already given in policy.weights[", it->second,
                              "]: give each component once"));
      continue;
    }
    bool known = false;
    for (int c = 0; c < matcher::kComponentCount; ++c) {
      known |= matcher::ComponentId(static_cast<matcher::Component>(c)) ==
               w.component();
    }
    std::string field = absl::StrCat("policy.weights[", i, "]");
    if (!known) {
      errors.Add(
          field + ".component",
          absl::StrCat("\"", w.component(), "\" is not a score component"));
    }
    if (w.weight() < 0 || w.weight() > 100) {
      errors.Add(field + ".weight",
                 absl::StrCat(w.weight(), " is outside 0-100"));
    }
  }
  if (change.max_open_links() < 0 || change.max_open_links() > 20) {
    errors.Add("policy.max_open_links",
               absl::StrCat(change.max_open_links(), " is outside 1-20"));
  }
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(
      auto written,
      store_.Write<v1::MatchingPolicy>(
          MakeRequestKey(caller.authority_id, "UpdateMatchingPolicy", request),
          [&](StoreTx& tx) -> absl::StatusOr<v1::MatchingPolicy> {
            ASSIGN_OR_RETURN(v1::MatchingPolicy current,
                             tx.LatestMatchingPolicy());
            matcher::MatchingPolicy next = ToMatcherPolicy(current);
            matcher::MatchingPolicy requested = ToMatcherPolicy(change);
            for (const v1::ComponentWeight& w : change.weights()) {
              for (int c = 0; c < matcher::kComponentCount; ++c) {
                if (matcher::ComponentId(static_cast<matcher::Component>(c)) ==
                    w.component()) {
                  next.weights[c] = requested.weights[c];
                }
              }
            }
            if (change.max_open_links() > 0) {
              next.max_open_links = change.max_open_links();
            }
            if (absl::Status s = matcher::ValidatePolicy(next); !s.ok()) {
              return InvalidField("policy", s.message());
            }
            v1::MatchingPolicy stored = FromMatcherPolicy(next);
            stored.set_updated_by(
                absl::StrCat("authorities/", caller.authority_id));
            RETURN_IF_ERROR(tx.InsertMatchingPolicy(stored));
            return stored;
          }));
  if (!written.replayed) live_.SetPolicy(ToMatcherPolicy(written.value));
  return written.value;
}

}  // namespace raa
