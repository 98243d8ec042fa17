#include "services/matching/alert_feed.h"

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/enum_names.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/auth/rules.h"
#include "services/matching/convert.h"
#include "services/matching/live_index.h"
#include "services/matching/matching_rows.h"
#include "services/registry/registry.h"

namespace raa {
namespace {

// Enough to hold every household or child above a threshold for one record.
constexpr int kFollowLimit = 10000;
constexpr absl::string_view kTokenPrefix = "alert:";

// "sheffield" for "authorities/sheffield/follows/f3".
std::string AuthorityOfName(absl::string_view name) {
  absl::ConsumePrefix(&name, "authorities/");
  return std::string(name.substr(0, name.find('/')));
}

// "sheffield/c12" for "authorities/sheffield/children/c12".
std::string ShortName(absl::string_view name) {
  absl::ConsumePrefix(&name, "authorities/");
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 3) return absl::StrCat(parts[0], "/", parts[2]);
  return std::string(name);
}

std::string NameOf(const matcher::CandidateIndex& index, bool is_child,
                   uint64_t key) {
  if (is_child) {
    std::optional<matcher::ChildGroup> g = index.FindChild(key);
    return g ? ChildName(g->authority, static_cast<int64_t>(key)) : "";
  }
  std::optional<matcher::Household> h = index.FindHousehold(key);
  return h ? AdopterName(h->authority, static_cast<int64_t>(key)) : "";
}

}  // namespace

std::string AlertResumeToken(absl::string_view authority_id, int64_t sequence) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenPrefix, authority_id, ":", sequence));
}

std::optional<AlertPosition> ParseAlertResumeToken(absl::string_view token) {
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded)) return std::nullopt;
  absl::string_view rest = decoded;
  if (!absl::ConsumePrefix(&rest, kTokenPrefix)) return std::nullopt;
  size_t colon = rest.rfind(':');
  AlertPosition out;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(rest.substr(colon + 1), &out.sequence) ||
      out.sequence <= 0) {
    return std::nullopt;
  }
  out.authority_id = std::string(rest.substr(0, colon));
  return out;
}

std::string LeftMatchingReason(const v1::Child& child) {
  std::string status =
      EnumValueWords(v1::ChildStatus_descriptor(), child.status());
  if (child.status() == v1::CHILD_STATUS_WAITING ||
      child.status() == v1::CHILD_STATUS_LINKED) {
    return absl::StrCat("child ", ShortName(child.name()), " left matching");
  }
  return absl::StrCat("child ", ShortName(child.name()), " was ", status);
}

std::string LeftMatchingReason(const v1::Adopter& adopter) {
  switch (adopter.status()) {
    case v1::ADOPTER_STATUS_MATCHED:
    case v1::ADOPTER_STATUS_PLACED:
    case v1::ADOPTER_STATUS_WITHDRAWN:
      return absl::StrCat(
          "household ", ShortName(adopter.name()), " was ",
          EnumValueWords(v1::AdopterStatus_descriptor(), adopter.status()));
    default:
      return absl::StrCat("household ", ShortName(adopter.name()),
                          " is no longer approved");
  }
}

bool IndexView::ChildInMatching(uint64_t key) const {
  std::optional<matcher::ChildGroup> g = index.FindChild(key);
  return g.has_value() && !withdrawn_authorities.contains(g->authority);
}

bool IndexView::HouseholdInMatching(uint64_t key) const {
  std::optional<matcher::Household> h = index.FindHousehold(key);
  return h.has_value() && !withdrawn_authorities.contains(h->authority);
}

bool AlertFeed::HiddenFrom(const matcher::CandidateIndex& index, uint64_t child,
                           const std::string& authority) {
  std::optional<matcher::ChildGroup> g = index.FindChild(child);
  if (!g.has_value()) return true;
  return IsHiddenFrom(authority, g->authority, g->hidden_from);
}

// ---- subscribing ----

absl::StatusOr<int64_t> AlertFeed::Subscribe(const IndexView& view,
                                             FollowSpec spec, AlertSink* sink) {
  if (closed_) return absl::UnavailableError("the server is shutting down");
  Subscription sub;
  sub.authority = std::move(spec.caller_authority);
  sub.min_score = spec.min_score;
  sub.sink = sink;
  std::string gone;
  for (uint64_t c : spec.children) {
    if (view.ChildInMatching(c)) {
      sub.unprimed_children.push_back(c);
    } else if (gone.empty()) {
      gone = absl::StrCat("child c", c, " is no longer in matching");
    }
  }
  for (uint64_t h : spec.households) {
    if (view.HouseholdInMatching(h)) {
      sub.unprimed_households.push_back(h);
    } else if (gone.empty()) {
      gone = absl::StrCat("household h", h, " is no longer in matching");
    }
  }
  if (sub.unprimed_children.empty() && sub.unprimed_households.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(gone, ": nothing left to watch"));
  }
  int64_t id = next_id_++;
  subscriptions_[id] = std::move(sub);
  return id;
}

bool AlertFeed::Prime(const IndexView& view, int64_t id, size_t max_records) {
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return false;  // unsubscribed, or ended
  Subscription& sub = it->second;
  if (!sub.sink->Accepting()) return false;  // ended while it started
  for (size_t n = 0; n < max_records; ++n) {
    if (!sub.unprimed_children.empty()) {
      const uint64_t c = sub.unprimed_children.back();
      sub.unprimed_children.pop_back();
      if (!view.ChildInMatching(c)) continue;
      sub.children.insert(c);
      Refresh(view, id, sub, true, c, false);
    } else if (!sub.unprimed_households.empty()) {
      const uint64_t h = sub.unprimed_households.back();
      sub.unprimed_households.pop_back();
      if (!view.HouseholdInMatching(h)) continue;
      sub.households.insert(h);
      Refresh(view, id, sub, false, h, false);
    } else {
      break;
    }
  }
  if (!sub.unprimed_children.empty() || !sub.unprimed_households.empty()) {
    return true;
  }
  if (sub.children.empty() && sub.households.empty()) {
    // Every record left matching before it was primed.
    AlertSink* sink = sub.sink;
    subscriptions_.erase(it);
    sink->End(absl::FailedPreconditionError(
        "the watched records are no longer in matching: nothing left to "
        "watch"));
  }
  return false;
}

void AlertFeed::Unsubscribe(int64_t id) {
  subscriptions_.erase(id);
  saved_.erase(id);  // gone: a rollback must not put it back
}

int64_t AlertFeed::Watch(std::string authority_id,
                         std::vector<int64_t> follow_rows, AlertSink* sink,
                         std::string records_of) {
  if (closed_) {
    sink->End(absl::UnavailableError("the server is shutting down"));
    return 0;
  }
  Watcher w;
  w.authority = std::move(authority_id);
  w.records_of = std::move(records_of);
  w.all = follow_rows.empty();
  w.sink = sink;
  w.follows.insert(follow_rows.begin(), follow_rows.end());
  int64_t id = next_id_++;
  watchers_[id] = std::move(w);
  return id;
}

void AlertFeed::DropEnded(int64_t id, const std::vector<int64_t>& follow_rows,
                          const std::string& reason) {
  auto it = watchers_.find(id);
  if (it == watchers_.end() || it->second.all) return;
  for (int64_t row : follow_rows) it->second.follows.erase(row);
  if (!it->second.follows.empty()) return;
  AlertSink* sink = it->second.sink;
  watchers_.erase(it);
  sink->End(absl::FailedPreconditionError(
      absl::StrCat(reason, ": nothing left to watch")));
}

void AlertFeed::Unwatch(int64_t id) { watchers_.erase(id); }

void AlertFeed::CloseAll() {
  closed_ = true;
  for (auto& [id, sub] : subscriptions_) {
    if (sub.sink != nullptr) {
      sub.sink->End(absl::UnavailableError("the server is shutting down"));
    }
  }
  absl::erase_if(subscriptions_, [](const auto& entry) {
    return entry.second.sink != nullptr;
  });
  for (auto& [id, w] : watchers_) {
    w.sink->End(absl::UnavailableError("the server is shutting down"));
  }
  watchers_.clear();
}

// ---- changes ----

void AlertFeed::Save(int64_t id) {
  if (saved_.contains(id)) return;
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) {
    saved_[id] = std::nullopt;
  } else {
    saved_[id] = it->second;
  }
}

void AlertFeed::FollowChanged(const IndexView& view, int64_t row,
                              const v1::Follow& follow) {
  const int64_t id = FollowKey(row);
  const bool active =
      follow.state() == v1::FOLLOW_STATE_ACTIVE && !follow.has_delete_time();
  Save(id);
  if (!active) {
    subscriptions_.erase(id);
    if (follow.has_delete_time()) {
      Staged s;
      s.follow_row = row;
      s.authority = AuthorityOfName(follow.name());
      s.has_alert = false;
      s.ends = true;
      s.end_reason = absl::StrCat("follow ", follow.name(), " was deleted");
      staged_.push_back(std::move(s));
    }
    return;
  }
  Subscription sub;
  sub.authority = AuthorityOfName(follow.name());
  sub.min_score = follow.min_score();
  sub.follow = follow;
  sub.follow_row = row;
  const bool is_child = absl::StrContains(follow.followed(), "/children/");
  absl::StatusOr<RecordName> record =
      ParseRecordName(follow.followed(), is_child ? "children" : "adopters",
                      is_child ? 'c' : 'h', "followed");
  if (record.ok()) {
    uint64_t key = static_cast<uint64_t>(record->row_id);
    if (is_child) {
      sub.children.insert(key);
    } else {
      sub.households.insert(key);
    }
  }
  Subscription& stored = subscriptions_[id] = std::move(sub);
  Resync(view, id, stored);
}

void AlertFeed::ChildChanged(const IndexView& view, uint64_t child,
                             const v1::Child& record, bool in_matching) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.sink != nullptr && !sub.sink->Accepting()) continue;
    if (sub.children.contains(child)) {
      if (IsHiddenFrom(sub.authority, AuthorityOf(record.name()),
                       record.hidden_from())) {
        // Hidden from the follower (now or since): to it the child does not
        // exist, so the follow ends and the end does not name the child.
        StopFollowing(view, id, sub, true, child, "",
                      sub.follow_row != 0
                          ? absl::StrCat("follow ", sub.follow.name(), " ended")
                          : "a watched child is no longer available");
        continue;
      }
      if (!in_matching) {
        StopFollowing(view, id, sub, true, child, record.name(),
                      LeftMatchingReason(record));
        continue;
      }
      Refresh(view, id, sub, true, child, true);
    } else if (auto it = absl::c_find(sub.unprimed_children, child);
               it != sub.unprimed_children.end()) {
      // Not primed yet: its fits are found when it is; if it leaves
      // matching first, the watch says so now, as for a primed one.
      const bool hidden = IsHiddenFrom(
          sub.authority, AuthorityOf(record.name()), record.hidden_from());
      if (hidden || !in_matching) {
        Save(id);
        sub.unprimed_children.erase(it);
        StopFollowing(view, id, sub, true, child, hidden ? "" : record.name(),
                      hidden ? "a watched child is no longer available"
                             : LeftMatchingReason(record));
        continue;
      }
    }
    for (uint64_t h : sub.households) Check(view, id, sub, child, h, false);
  }
  // Follows that ended are removed only now: the loop above must not erase.
  absl::erase_if(subscriptions_, [](const auto& entry) {
    return entry.second.sink == nullptr && entry.second.children.empty() &&
           entry.second.households.empty();
  });
}

void AlertFeed::HouseholdChanged(const IndexView& view, uint64_t household,
                                 const v1::Adopter& record, bool in_matching) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.sink != nullptr && !sub.sink->Accepting()) continue;
    if (sub.households.contains(household)) {
      if (!in_matching) {
        StopFollowing(view, id, sub, false, household, record.name(),
                      LeftMatchingReason(record));
        continue;
      }
      Refresh(view, id, sub, false, household, true);
    } else if (auto it = absl::c_find(sub.unprimed_households, household);
               it != sub.unprimed_households.end() && !in_matching) {
      Save(id);
      sub.unprimed_households.erase(it);
      StopFollowing(view, id, sub, false, household, record.name(),
                    LeftMatchingReason(record));
      continue;
    }
    for (uint64_t c : sub.children) Check(view, id, sub, c, household, true);
  }
  absl::erase_if(subscriptions_, [](const auto& entry) {
    return entry.second.sink == nullptr && entry.second.children.empty() &&
           entry.second.households.empty();
  });
}

void AlertFeed::AuthorityChanged(const IndexView& view,
                                 const v1::Authority& authority) {
  if (authority.status() != v1::AUTHORITY_STATUS_WITHDRAWN) return;
  const std::string id_of_authority(
      absl::StripPrefix(authority.name(), "authorities/"));
  for (auto& [id, sub] : subscriptions_) {
    if (sub.authority == id_of_authority && sub.sink == nullptr) {
      // The follower itself has left: its follows end, stored as ended,
      // and store no more alerts (its streams are ended by the service).
      for (bool is_child : {true, false}) {
        std::vector<uint64_t> keys(
            (is_child ? sub.children : sub.households).begin(),
            (is_child ? sub.children : sub.households).end());
        for (uint64_t key : keys) {
          StopFollowing(view, id, sub, is_child, key,
                        NameOf(view.index, is_child, key),
                        absl::StrCat("your authority ", id_of_authority,
                                     " has left the consortium: its follows "
                                     "have ended"));
        }
      }
      continue;
    }
    for (bool is_child : {true, false}) {
      std::vector<uint64_t> keys;
      const auto of_authority = [&](uint64_t key) {
        return absl::StartsWith(
            NameOf(view.index, is_child, key),
            absl::StrCat("authorities/", id_of_authority, "/"));
      };
      for (uint64_t key : is_child ? sub.children : sub.households) {
        if (of_authority(key)) keys.push_back(key);
      }
      // Records not primed yet leave too, and are told of as they leave.
      std::vector<uint64_t>& unprimed =
          is_child ? sub.unprimed_children : sub.unprimed_households;
      if (absl::c_any_of(unprimed, of_authority)) {
        Save(id);
        for (uint64_t key : unprimed) {
          if (of_authority(key)) keys.push_back(key);
        }
        std::erase_if(unprimed, of_authority);
      }
      for (uint64_t key : keys) {
        std::string name = NameOf(view.index, is_child, key);
        StopFollowing(
            view, id, sub, is_child, key, name,
            absl::StrCat(is_child ? "child " : "household ", ShortName(name),
                         " left matching: its authority ", id_of_authority,
                         " has left the consortium"));
      }
    }
  }
  absl::erase_if(subscriptions_, [](const auto& entry) {
    return entry.second.sink == nullptr && entry.second.children.empty() &&
           entry.second.households.empty();
  });
}

void AlertFeed::StopFollowing(const IndexView& view, int64_t id,
                              Subscription& sub, bool is_child, uint64_t key,
                              const std::string& name,
                              const std::string& reason) {
  Save(id);
  if (is_child) {
    sub.children.erase(key);
  } else {
    sub.households.erase(key);
  }
  auto& fits = is_child ? sub.child_fits : sub.household_fits;
  auto& other_side = is_child ? sub.household_fits : sub.child_fits;
  if (auto it = fits.find(key); it != fits.end()) {
    for (uint64_t other : it->second) {
      if (auto o = other_side.find(other); o != other_side.end()) {
        o->second.erase(key);
      }
    }
    fits.erase(it);
  }
  Staged s;
  s.subscription = sub.sink != nullptr ? id : 0;
  s.follow_row = sub.follow_row;
  s.authority = sub.authority;
  s.alert.set_kind(v1::ALERT_KIND_FOLLOW_ENDED);
  s.alert.set_message(reason);
  s.alert.set_followed(name);
  if (is_child) {
    s.alert.set_child(name);
  } else {
    s.alert.set_adopter(name);
  }
  s.alert.set_follow(sub.follow.name());
  *s.alert.mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(view.now));
  s.ends = sub.children.empty() && sub.households.empty() &&
           sub.unprimed_children.empty() && sub.unprimed_households.empty();
  s.end_reason = reason;
  if (sub.follow_row != 0) {
    s.follow = sub.follow;
    s.follow.set_state(v1::FOLLOW_STATE_ENDED);
    s.follow.set_end_reason(reason);
    *s.follow.mutable_end_time() = s.alert.time();
  }
  staged_.push_back(std::move(s));
}

// ---- alerts ----

void AlertFeed::Stage(const IndexView& view, int64_t id, Subscription& sub,
                      uint64_t child, uint64_t household,
                      bool followed_is_child) {
  absl::StatusOr<matcher::PairExplanation> e =
      view.index.ExplainPair(child, household, view.policy, view.today);
  std::optional<matcher::ChildGroup> g = view.index.FindChild(child);
  std::optional<matcher::Household> h = view.index.FindHousehold(household);
  if (!e.ok() || !g || !h) return;
  Staged s;
  s.subscription = sub.sink != nullptr ? id : 0;
  s.follow_row = sub.follow_row;
  s.authority = sub.authority;
  v1::MatchAlert& alert = s.alert;
  alert.set_kind(v1::ALERT_KIND_NEW_FIT);
  alert.set_child(ChildName(g->authority, child));
  alert.set_adopter(AdopterName(h->authority, household));
  alert.set_score(e->score);
  alert.set_policy_version(e->policy_version);
  alert.set_followed(followed_is_child ? alert.child() : alert.adopter());
  alert.set_follow(sub.follow.name());
  for (const matcher::ComponentScore& c : e->components) {
    ToProto(c, Words::kWithWords, *alert.add_components());
  }
  *alert.mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(view.now));
  staged_.push_back(std::move(s));
}

void AlertFeed::Check(const IndexView& view, int64_t id, Subscription& sub,
                      uint64_t child, uint64_t household,
                      bool followed_is_child) {
  std::optional<int> score =
      view.index.ScorePair(child, household, view.policy, view.today);
  bool fits = score.has_value() && *score >= sub.min_score &&
              !HiddenFrom(view.index, child, sub.authority);
  if (!fits) {
    Forget(sub, child, household);
  } else if (Know(sub, child, household)) {
    Stage(view, id, sub, child, household, followed_is_child);
  }
}

bool AlertFeed::Known(const Subscription& sub, uint64_t child,
                      uint64_t household) {
  if (auto it = sub.child_fits.find(child);
      it != sub.child_fits.end() && it->second.contains(household)) {
    return true;
  }
  auto it = sub.household_fits.find(household);
  return it != sub.household_fits.end() && it->second.contains(child);
}

bool AlertFeed::Know(Subscription& sub, uint64_t child, uint64_t household) {
  const bool was = Known(sub, child, household);
  if (sub.children.contains(child)) {
    sub.child_fits[child].insert(household);
  }
  if (sub.households.contains(household)) {
    sub.household_fits[household].insert(child);
  }
  return !was;
}

void AlertFeed::Forget(Subscription& sub, uint64_t child, uint64_t household) {
  if (auto it = sub.child_fits.find(child); it != sub.child_fits.end()) {
    it->second.erase(household);
  }
  if (auto it = sub.household_fits.find(household);
      it != sub.household_fits.end()) {
    it->second.erase(child);
  }
}

void AlertFeed::Refresh(const IndexView& view, int64_t id, Subscription& sub,
                        bool followed_is_child, uint64_t key, bool alert) {
  matcher::CandidateIndex::RankOptions options{.limit = kFollowLimit,
                                               .min_score = sub.min_score,
                                               .as_of_day = view.today};
  absl::StatusOr<std::vector<uint64_t>> fit =
      followed_is_child
          ? view.index.FitHouseholds(key, view.policy, options)
          : view.index.FitChildren(key, view.policy, options, sub.authority);
  // The other side's records fitting `key` now.
  absl::flat_hash_set<uint64_t> now;
  if (fit.ok()) {
    now.reserve(fit->size());
    for (uint64_t other : *fit) {
      const uint64_t child = followed_is_child ? key : other;
      if (HiddenFrom(view.index, child, sub.authority)) continue;
      now.insert(other);
    }
  }
  auto& fits = followed_is_child ? sub.child_fits : sub.household_fits;
  auto& other_side = followed_is_child ? sub.household_fits : sub.child_fits;
  absl::flat_hash_set<uint64_t>& was = fits[key];
  // Pairs that no longer fit are forgotten on the other side too (when
  // that record is followed as well).
  for (uint64_t other : was) {
    if (now.contains(other)) continue;
    if (auto o = other_side.find(other); o != other_side.end()) {
      o->second.erase(key);
    }
  }
  // New pairs: not known from this side, nor from the other.
  std::vector<uint64_t> news;
  for (uint64_t other : now) {
    if (was.contains(other)) continue;
    auto o = other_side.find(other);  // found: `other` is followed too
    if (o != other_side.end()) {
      if (!o->second.insert(key).second) continue;  // known from there
    }
    news.push_back(other);
  }
  was = std::move(now);
  if (!alert) return;
  for (uint64_t other : news) {
    const uint64_t child = followed_is_child ? key : other;
    const uint64_t household = followed_is_child ? other : key;
    Stage(view, id, sub, child, household, followed_is_child);
  }
}

void AlertFeed::Resync(const IndexView& view, int64_t id, Subscription& sub) {
  sub.child_fits.clear();
  sub.household_fits.clear();
  for (uint64_t c : sub.children) Refresh(view, id, sub, true, c, false);
  for (uint64_t h : sub.households) Refresh(view, id, sub, false, h, false);
}

// ---- outcome ----

absl::Status AlertFeed::WriteDerived(StoreTx& tx) {
  for (Staged& s : staged_) {
    if (s.follow_row == 0) continue;
    if (s.has_alert) {
      ASSIGN_OR_RETURN(s.sequence, matching_rows::AppendAlert(
                                       tx, s.authority, s.follow_row, s.alert));
      s.alert.set_resume_token(AlertResumeToken(s.authority, s.sequence));
    }
    if (s.ends && s.has_alert) {
      RETURN_IF_ERROR(
          matching_rows::UpdateFollow(tx, s.follow, /*quiet=*/true));
    }
  }
  return absl::OkStatus();
}

void AlertFeed::Committed() {
  for (Staged& s : staged_) {
    if (s.follow_row == 0) {
      auto it = subscriptions_.find(s.subscription);
      if (it == subscriptions_.end()) continue;  // the stream has gone
      AlertSink* sink = it->second.sink;
      sink->Push(0, s.alert);
      if (s.ends) {
        subscriptions_.erase(it);
        sink->End(absl::FailedPreconditionError(
            absl::StrCat(s.end_reason, ": nothing left to watch")));
      }
      continue;
    }
    std::vector<int64_t> ended;
    for (auto& [id, w] : watchers_) {
      if (w.authority != s.authority ||
          (!w.all && !w.follows.contains(s.follow_row))) {
        continue;
      }
      if (s.has_alert &&
          (w.records_of.empty() ||
           AuthorityOf(FollowedRecordOf(s.alert)) == w.records_of)) {
        w.sink->Push(s.sequence, s.alert);
      }
      if (s.ends && !w.all) {
        w.follows.erase(s.follow_row);
        if (w.follows.empty()) ended.push_back(id);
      }
    }
    for (int64_t id : ended) {
      AlertSink* sink = watchers_[id].sink;
      watchers_.erase(id);
      sink->End(absl::FailedPreconditionError(
          absl::StrCat(s.end_reason, ": nothing left to watch")));
    }
  }
  staged_.clear();
  saved_.clear();
}

void AlertFeed::RolledBack(const IndexView& view) {
  staged_.clear();
  for (auto& [id, before] : saved_) {
    if (before.has_value()) {
      subscriptions_[id] = *std::move(before);
    } else {
      subscriptions_.erase(id);
    }
  }
  saved_.clear();
  for (auto& [id, sub] : subscriptions_) Resync(view, id, sub);
}

}  // namespace raa
