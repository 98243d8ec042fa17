#include "clients/lib/reason_cache.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace raa {
namespace {

// The catalogue For() gives when nothing needs one and none is cached: it
// renders the words a response carries (ReasonOf prefers them).
const std::shared_ptr<const ReasonCatalog>& EmptyCatalog() {
  static const auto* empty = new std::shared_ptr<const ReasonCatalog>(
      std::make_shared<const ReasonCatalog>());
  return *empty;
}

// How many of `wanted` are among `have` (each listed once).
template <typename Items, typename Key>
size_t CountKnown(const Items& have, Key key,
                  const absl::flat_hash_set<int32_t>& wanted) {
  if (wanted.empty()) return 0;
  size_t known = 0;
  for (const auto& item : have) known += wanted.contains(key(item)) ? 1 : 0;
  return known;
}

template <typename Ranked>
void AddRanked(ReasonNeeds& needs,
               const google::protobuf::RepeatedPtrField<Ranked>& ranked) {
  for (const Ranked& r : ranked) needs.Add(r.components());
}

}  // namespace

void ReasonNeeds::Add(const v1::ScoreComponent& component) {
  if (component.reason().empty()) {
    codes.insert(component.reason_codes().begin(),
                 component.reason_codes().end());
  }
  if (component.component().empty() && component.id() != 0) {
    component_ids.insert(component.id());
  }
}

void ReasonNeeds::Add(const v1::Exclusion& exclusion) {
  if (exclusion.text().empty()) {
    codes.insert(exclusion.reason_codes().begin(),
                 exclusion.reason_codes().end());
  }
  if (exclusion.constraint().empty() && exclusion.id() != 0) {
    constraint_ids.insert(exclusion.id());
  }
}

void ReasonNeeds::Add(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& all) {
  for (const v1::ScoreComponent& c : all) Add(c);
}

void ReasonNeeds::Add(
    const google::protobuf::RepeatedPtrField<v1::Exclusion>& all) {
  for (const v1::Exclusion& e : all) Add(e);
}

ReasonNeeds ReasonNeeds::Of(const v1::RankAdoptersResponse& response) {
  ReasonNeeds needs;
  needs.policy_version = response.policy_version();
  AddRanked(needs, response.adopters());
  needs.Add(response.exclusions());
  return needs;
}

ReasonNeeds ReasonNeeds::Of(const v1::RankChildrenResponse& response) {
  ReasonNeeds needs;
  needs.policy_version = response.policy_version();
  AddRanked(needs, response.children());
  needs.Add(response.exclusions());
  return needs;
}

bool Covers(const ReasonCatalog& catalog, const ReasonNeeds& needs) {
  const v1::ReasonCatalog& proto = catalog.proto();
  if (proto.policy_version() < needs.policy_version) return false;
  return CountKnown(
             catalog.formatter().phrases(),
             [](const ReasonPhraseText& p) { return p.code; },
             needs.codes) == needs.codes.size() &&
         CountKnown(
             proto.components(),
             [](const v1::ComponentText& c) { return int32_t{c.id()}; },
             needs.component_ids) == needs.component_ids.size() &&
         CountKnown(
             proto.constraints(),
             [](const v1::ConstraintText& c) { return int32_t{c.id()}; },
             needs.constraint_ids) == needs.constraint_ids.size();
}

absl::StatusOr<v1::ReasonCatalog> FetchReasonCatalog(RaaClient& client) {
  return client.Call(&v1::MatchingService::Stub::GetReasonCatalog,
                     v1::GetReasonCatalogRequest());
}

std::shared_ptr<const ReasonCatalog> ReasonCatalogCache::Usable(
    const ReasonNeeds& needs) const {
  if (needs.empty()) return current_ != nullptr ? current_ : EmptyCatalog();
  if (current_ == nullptr) return nullptr;
  if (Covers(*current_, needs)) return current_;
  // A fetch just now did not help: render with what we have.
  if (absl::Now() < no_unknown_fetch_until_) return current_;
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const ReasonCatalog>> ReasonCatalogCache::For(
    const ReasonNeeds& needs, Fetch fetch) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (std::shared_ptr<const ReasonCatalog> c = Usable(needs)) return c;
  }
  absl::MutexLock fetching(&fetch_mu_);
  {
    // Another caller may have fetched while this one waited.
    absl::ReaderMutexLock lock(&mu_);
    if (std::shared_ptr<const ReasonCatalog> c = Usable(needs)) return c;
  }
  absl::StatusOr<v1::ReasonCatalog> proto = fetch();
  absl::StatusOr<ReasonCatalog> parsed =
      proto.ok() ? ReasonCatalog::FromProto(*proto)
                 : absl::StatusOr<ReasonCatalog>(proto.status());
  absl::MutexLock lock(&mu_);
  ++fetches_;
  if (!parsed.ok()) {
    if (current_ != nullptr) {
      no_unknown_fetch_until_ = absl::Now() + options_.unknown_code_retry;
      return current_;
    }
    if (!proto.ok()) return proto.status();
    return absl::InternalError(
        absl::StrCat("the server's reason catalogue cannot be read: ",
                     parsed.status().message()));
  }
  current_ = std::make_shared<const ReasonCatalog>(*std::move(parsed));
  if (!Covers(*current_, needs)) {
    no_unknown_fetch_until_ = absl::Now() + options_.unknown_code_retry;
  }
  return current_;
}

std::shared_ptr<const ReasonCatalog> ReasonCatalogCache::current() const {
  absl::ReaderMutexLock lock(&mu_);
  return current_;
}

int ReasonCatalogCache::fetches() const {
  absl::ReaderMutexLock lock(&mu_);
  return fetches_;
}

void AddReasonWords(
    const ReasonCatalog& catalog,
    google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components) {
  for (v1::ScoreComponent& c : components) {
    if (c.component().empty()) c.set_component(catalog.ComponentKey(c));
    if (c.reason().empty() && c.reason_codes_size() > 0) {
      c.set_reason(catalog.ReasonOf(c));
    }
  }
}

void AddReasonWords(const ReasonCatalog& catalog,
                    google::protobuf::RepeatedPtrField<v1::Exclusion>& all) {
  for (v1::Exclusion& e : all) {
    if (e.constraint().empty()) e.set_constraint(catalog.ConstraintKey(e));
    if (e.text().empty() && e.reason_codes_size() > 0) {
      e.set_text(catalog.TextOf(e));
    }
  }
}

void AddReasonWords(const ReasonCatalog& catalog,
                    v1::RankAdoptersResponse& response) {
  for (v1::RankedAdopter& a : *response.mutable_adopters()) {
    AddReasonWords(catalog, *a.mutable_components());
  }
  AddReasonWords(catalog, *response.mutable_exclusions());
}

void AddReasonWords(const ReasonCatalog& catalog,
                    v1::RankChildrenResponse& response) {
  for (v1::RankedChild& c : *response.mutable_children()) {
    AddReasonWords(catalog, *c.mutable_components());
  }
  AddReasonWords(catalog, *response.mutable_exclusions());
}

}  // namespace raa
