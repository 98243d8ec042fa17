#include "services/matching/live_index.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/dates.h"
#include "services/common/status_macros.h"
#include "services/matching/convert.h"

namespace raa {
namespace {

// Enough to hold every household or child above a threshold for one record.
constexpr int kFollowLimit = 10000;

absl::Status Loaded(absl::Status status, absl::string_view record) {
  if (status.ok()) return status;
  return absl::DataLossError(
      absl::StrCat("cannot index ", record, ": ", status.message()));
}

void Report(const absl::Status& status) {
  if (!status.ok()) std::cerr << "raamatchd: index: " << status << "\n";
}

// "sheffield" in "authorities/sheffield/children/c1".
std::string AuthorityOfName(const std::string& name) {
  size_t start = name.find('/') + 1;
  return name.substr(start, name.find('/', start) - start);
}

}  // namespace

std::string ChildName(absl::string_view authority_id, uint64_t key) {
  return absl::StrCat("authorities/", authority_id, "/children/",
                      ChildId(static_cast<int64_t>(key)));
}

std::string AdopterName(absl::string_view authority_id, uint64_t key) {
  return absl::StrCat("authorities/", authority_id, "/adopters/",
                      AdopterId(static_cast<int64_t>(key)));
}

void ToProto(matcher::ComponentScore score, v1::ScoreComponent& out) {
  out.set_component(std::string(matcher::ComponentId(score.component)));
  out.set_weight(score.weight);
  out.set_fit_permille(score.fit_permille);
  out.set_points_tenths(score.points_tenths);
  out.set_reason(std::move(score.reason));
}

absl::StatusOr<std::unique_ptr<LiveIndex>> LiveIndex::Build(
    Store& store, const Clock& clock) {
  // The policy first: storing the defaults takes the store's write lock,
  // which must never be taken while holding mu_ (the store calls into the
  // index with its write lock held).
  absl::StatusOr<v1::MatchingPolicy> policy = store.LatestMatchingPolicy();
  if (absl::IsNotFound(policy.status())) {
    ASSIGN_OR_RETURN(
        auto written,
        store.Write<v1::MatchingPolicy>(
            RequestKey{},
            [&](StoreTx& tx) -> absl::StatusOr<v1::MatchingPolicy> {
              v1::MatchingPolicy defaults =
                  FromMatcherPolicy(matcher::MatchingPolicy{});
              defaults.set_updated_by("raamatch defaults");
              RETURN_IF_ERROR(tx.InsertMatchingPolicy(defaults));
              return defaults;
            }));
    policy = written.value;
  }
  RETURN_IF_ERROR(policy.status());

  std::unique_ptr<LiveIndex> live(new LiveIndex(clock));
  absl::MutexLock lock(&live->mu_);
  live->policy_ = ToMatcherPolicy(*policy);
  matcher::CandidateIndex& index = live->index_;

  PageRequest page{1000, 0};
  do {
    ASSIGN_OR_RETURN(
        Page<v1::Authority> authorities,
        store.ListAuthorities(v1::AUTHORITY_STATUS_UNSPECIFIED, page));
    for (const v1::Authority& a : authorities.items) {
      RETURN_IF_ERROR(index.UpsertAuthority(ToMatcherAuthority(a)));
    }
    page.after = authorities.next_after;
  } while (page.after != 0);

  // A row the index cannot hold (admission keeps new ones out, but a
  // database may predate a limit) is left out and reported, not fatal: the
  // rest of the consortium stays searchable.
  RETURN_IF_ERROR(store.ScanAdopters([&](int64_t row, const v1::Adopter& a) {
    std::optional<matcher::Household> h =
        ToHousehold(row, AuthorityOfName(a.name()), a);
    if (h) Report(Loaded(index.UpsertHousehold(*h), a.name()));
  }));
  RETURN_IF_ERROR(store.ScanChildren([&](int64_t row, const v1::Child& c) {
    std::optional<matcher::ChildGroup> g =
        ToChildGroup(row, AuthorityOfName(c.name()), c);
    if (g) Report(Loaded(index.UpsertChild(*g), c.name()));
  }));
  return live;
}

int32_t LiveIndex::Today() const { return DayNumber(ToDate(clock_.Today())); }

void LiveIndex::SetPolicy(const matcher::MatchingPolicy& policy) {
  absl::MutexLock lock(&mu_);
  if (policy.version > policy_.version) policy_ = policy;  // newest wins
}

void LiveIndex::OnAuthorityChanged(const v1::Authority& authority) {
  absl::MutexLock lock(&mu_);
  Report(index_.UpsertAuthority(ToMatcherAuthority(authority)));
}

absl::Status LiveIndex::Admit(const std::vector<Row<v1::Child>>& children,
                              const std::vector<Row<v1::Adopter>>& adopters) {
  std::vector<matcher::ChildGroup> groups;
  for (const Row<v1::Child>& c : children) {
    std::optional<matcher::ChildGroup> g =
        ToChildGroup(c.row_id, AuthorityOfName(c.value.name()), c.value);
    if (g.has_value()) groups.push_back(*std::move(g));
  }
  std::vector<matcher::Household> households;
  for (const Row<v1::Adopter>& a : adopters) {
    std::optional<matcher::Household> h =
        ToHousehold(a.row_id, AuthorityOfName(a.value.name()), a.value);
    if (h.has_value()) households.push_back(*std::move(h));
  }
  absl::ReaderMutexLock lock(&mu_);
  // A refusal names the record in words and the fields (the matcher's
  // message starts with them), never an internal key.
  for (const matcher::ChildGroup& g : groups) {
    absl::Status s = index_.CheckChild(g);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("child profile ", ChildId(static_cast<int64_t>(g.key)),
                       " of ", g.authority, ": ", s.message()));
    }
  }
  for (const matcher::Household& h : households) {
    absl::Status s = index_.CheckHousehold(h);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("household ", AdopterId(static_cast<int64_t>(h.key)),
                       " of ", h.authority, ": ", s.message()));
    }
  }
  absl::Status together = index_.CheckAll(households, groups);
  if (!together.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("these records together: ", together.message()));
  }
  return absl::OkStatus();
}

void LiveIndex::OnChildChanged(int64_t row_id, const v1::Child& child) {
  absl::MutexLock lock(&mu_);
  std::optional<matcher::ChildGroup> group =
      ToChildGroup(row_id, AuthorityOfName(child.name()), child);
  absl::Status s = group.has_value() ? index_.UpsertChild(*group)
                                     : absl::NotFoundError("closed");
  if (!s.ok()) {
    // Never keep an outdated version (its visibility may have changed).
    if (group.has_value()) Report(s);
    index_.RemoveChild(static_cast<uint64_t>(row_id));
  }
  AlertAfterChildChange(static_cast<uint64_t>(row_id));
}

void LiveIndex::OnAdopterChanged(int64_t row_id, const v1::Adopter& adopter) {
  absl::MutexLock lock(&mu_);
  std::optional<matcher::Household> household =
      ToHousehold(row_id, AuthorityOfName(adopter.name()), adopter);
  absl::Status s = household.has_value() ? index_.UpsertHousehold(*household)
                                         : absl::NotFoundError("closed");
  if (!s.ok()) {
    if (household.has_value()) Report(s);
    index_.RemoveHousehold(static_cast<uint64_t>(row_id));
  }
  AlertAfterHouseholdChange(static_cast<uint64_t>(row_id));
}

int64_t LiveIndex::Subscribe(FollowSpec spec, AlertSink* sink) {
  absl::MutexLock lock(&mu_);
  if (closed_) return 0;
  int64_t id = next_subscription_++;
  Subscription& sub = subscriptions_[id];
  sub.spec = std::move(spec);
  sub.sink = sink;
  for (uint64_t c : sub.spec.children) Refresh(sub, true, c, /*alert=*/false);
  for (uint64_t h : sub.spec.households) Refresh(sub, false, h, false);
  return id;
}

void LiveIndex::Unsubscribe(int64_t id) {
  absl::MutexLock lock(&mu_);
  subscriptions_.erase(id);
}

void LiveIndex::CloseAll() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& [id, sub] : subscriptions_) sub.sink->Close();
  subscriptions_.clear();
}

bool LiveIndex::HiddenFrom(uint64_t child, const std::string& authority) const {
  std::optional<matcher::ChildGroup> g = index_.FindChild(child);
  if (!g.has_value()) return true;
  if (g->authority == authority) return false;
  for (const std::string& a : g->hidden_from) {
    if (a == authority) return true;
  }
  return false;
}

void LiveIndex::Send(Subscription& sub, uint64_t child, uint64_t household,
                     bool followed_is_child) {
  absl::StatusOr<matcher::PairExplanation> e =
      index_.ExplainPair(child, household, policy_, Today());
  std::optional<matcher::ChildGroup> g = index_.FindChild(child);
  std::optional<matcher::Household> h = index_.FindHousehold(household);
  if (!e.ok() || !g || !h) return;
  v1::MatchAlert alert;
  alert.set_child(ChildName(g->authority, child));
  alert.set_adopter(AdopterName(h->authority, household));
  alert.set_score(e->score);
  alert.set_policy_version(e->policy_version);
  alert.set_followed(followed_is_child ? alert.child() : alert.adopter());
  for (const matcher::ComponentScore& c : e->components) {
    ToProto(c, *alert.add_components());
  }
  *alert.mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(clock_.Now()));
  sub.sink->Push(std::move(alert));
}

void LiveIndex::Check(Subscription& sub, uint64_t child, uint64_t household,
                      bool followed_is_child, bool alert) {
  std::optional<int> score =
      index_.ScorePair(child, household, policy_, Today());
  bool fits = score.has_value() && *score >= sub.spec.min_score &&
              !HiddenFrom(child, sub.spec.caller_authority);
  std::pair<uint64_t, uint64_t> pair{child, household};
  if (!fits) {
    sub.known.erase(pair);
  } else if (sub.known.insert(pair).second && alert) {
    Send(sub, child, household, followed_is_child);
  }
}

void LiveIndex::Refresh(Subscription& sub, bool followed_is_child, uint64_t key,
                        bool alert) {
  matcher::CandidateIndex::RankOptions options{.limit = kFollowLimit,
                                               .min_score = sub.spec.min_score,
                                               .as_of_day = Today()};
  absl::StatusOr<matcher::RankResult> ranked =
      followed_is_child ? index_.RankHouseholds(key, policy_, options)
                        : index_.RankChildren(key, policy_, options,
                                              sub.spec.caller_authority);
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> now;
  if (ranked.ok()) {
    for (const matcher::RankedCandidate& c : ranked->candidates) {
      std::pair<uint64_t, uint64_t> pair = followed_is_child
                                               ? std::make_pair(key, c.key)
                                               : std::make_pair(c.key, key);
      if (HiddenFrom(pair.first, sub.spec.caller_authority)) continue;
      now.insert(pair);
    }
  }
  // Forget pairs of this record that no longer fit; alert the new ones.
  for (auto it = sub.known.begin(); it != sub.known.end();) {
    bool mine = followed_is_child ? it->first == key : it->second == key;
    if (mine && !now.contains(*it)) {
      sub.known.erase(it++);
    } else {
      ++it;
    }
  }
  for (const auto& pair : now) {
    if (sub.known.insert(pair).second && alert) {
      Send(sub, pair.first, pair.second, followed_is_child);
    }
  }
}

void LiveIndex::AlertAfterChildChange(uint64_t child) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.spec.children.contains(child)) Refresh(sub, true, child, true);
    for (uint64_t h : sub.spec.households) Check(sub, child, h, false, true);
  }
}

void LiveIndex::AlertAfterHouseholdChange(uint64_t household) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.spec.households.contains(household)) {
      Refresh(sub, false, household, true);
    }
    for (uint64_t c : sub.spec.children) Check(sub, c, household, true, true);
  }
}

}  // namespace raa
