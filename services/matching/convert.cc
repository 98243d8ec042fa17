#include "services/matching/convert.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/reason_catalog.h"
#include "matcher/reasons.h"

namespace raa {
namespace {

matcher::ContactPlan ToContact(v1::ContactPlan plan) {
  switch (plan) {
    case v1::CONTACT_PLAN_DIRECT:
      return matcher::ContactPlan::kDirect;
    case v1::CONTACT_PLAN_LETTERBOX:
      return matcher::ContactPlan::kLetterbox;
    default:
      return matcher::ContactPlan::kNone;
  }
}

// Proto levels are NONE=1..SEVERE=4; the matcher's kNone=0..kSevere=3.
matcher::NeedLevel ToLevel(v1::NeedLevel level) {
  if (level <= v1::NEED_LEVEL_NONE) return matcher::NeedLevel::kNone;
  return static_cast<matcher::NeedLevel>(level - v1::NEED_LEVEL_NONE);
}

// Proto categories start at 1; the matcher's at 0.
int CategoryIndex(v1::NeedCategory category) { return category - 1; }

// A shared faith counts; "no religion" or unrecorded never does.
uint8_t ReligionCode(v1::Religion religion) {
  return religion <= v1::RELIGION_NO_RELIGION ? 0
                                              : static_cast<uint8_t>(religion);
}

// The registry keeps the same rule in the children table's waiting_since
// column (services/registry/registry_rows.cc, WaitingSinceOf), for a start's
// scan. A date that is not a real one from 1970 on counts as none in both.
int32_t WaitingSince(const v1::ChildJourney& j) {
  for (const google::type::Date* d :
       {&j.shobpa_decision(), &j.placement_order(), &j.plan_for_adoption()}) {
    int32_t day = DayNumber(*d);
    if (day >= 0) return day;
  }
  return -1;
}

}  // namespace

matcher::Authority ToMatcherAuthority(const v1::Authority& a) {
  matcher::Authority out;
  out.id = a.name().substr(a.name().rfind('/') + 1);
  out.kind = a.kind() == v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY
                 ? matcher::AuthorityKind::kVoluntaryAdoptionAgency
             : a.kind() == v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY
                 ? matcher::AuthorityKind::kRegionalAdoptionAgency
                 : matcher::AuthorityKind::kLocalAuthority;
  out.withdrawn = a.status() == v1::AUTHORITY_STATUS_WITHDRAWN;
  return out;
}

std::optional<matcher::ChildGroup> ToChildGroup(int64_t row_id,
                                                absl::string_view authority_id,
                                                const v1::Child& child) {
  return ToChildGroup(row_id, authority_id, child,
                      WaitingSince(child.journey()));
}

std::optional<matcher::ChildGroup> ToChildGroup(int64_t row_id,
                                                absl::string_view authority_id,
                                                const v1::Child& child,
                                                int32_t waiting_since_day) {
  if (std::ranges::find(kIndexedChildStatuses, child.status()) ==
      std::end(kIndexedChildStatuses)) {
    return std::nullopt;
  }
  matcher::ChildGroup g;
  g.key = static_cast<uint64_t>(row_id);
  g.authority = std::string(authority_id);
  g.waiting = true;
  g.members.reserve(static_cast<size_t>(child.members_size()));
  for (const v1::ChildMember& m : child.members()) {
    matcher::ChildMember member;
    member.age_months = m.age_months();
    member.sex =
        m.sex() == v1::SEX_MALE ? matcher::Sex::kMale : matcher::Sex::kFemale;
    for (const v1::Need& n : m.needs()) {
      member.needs[CategoryIndex(n.category())] = ToLevel(n.level());
    }
    member.heritage_mask =
        m.heritage() == v1::HERITAGE_UNSPECIFIED ? 0 : 1u << m.heritage();
    member.religion = ReligionCode(m.religion());
    member.first_language = m.first_language();
    g.members.push_back(std::move(member));
  }
  g.region = child.region();
  g.excluded_regions.assign(child.excluded_regions().begin(),
                            child.excluded_regions().end());
  g.hidden_from.assign(child.hidden_from().begin(), child.hidden_from().end());
  g.early_permanence_candidate =
      child.early_permanence() == v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION ||
      child.early_permanence() == v1::EARLY_PERMANENCE_CONCURRENT_PLANNING;
  g.contact_plan = ToContact(child.contact_plan());
  g.waiting_since_day = waiting_since_day;
  // The ages as measured and the day they were: the matcher adds the months
  // since for the day of each search, so ages move with the clock.
  g.ages_as_of_day = DayNumber(child.ages_as_of());
  g.may_be_placed_apart =
      child.members_size() > 1 && !child.must_be_placed_together();
  return g;
}

std::optional<matcher::Household> ToHousehold(int64_t row_id,
                                              absl::string_view authority_id,
                                              const v1::Adopter& a) {
  if (a.status() != v1::ADOPTER_STATUS_APPROVED &&
      a.status() != v1::ADOPTER_STATUS_LINKED &&
      a.status() != v1::ADOPTER_STATUS_ON_HOLD) {
    return std::nullopt;
  }
  matcher::Household h;
  h.key = static_cast<uint64_t>(row_id);
  h.authority = std::string(authority_id);
  h.available = a.status() != v1::ADOPTER_STATUS_ON_HOLD;
  h.approved_for = a.approved_for();
  h.min_age_months = a.min_age_months();
  h.max_age_months = a.max_age_months();
  h.sex_preference = a.sex_preference() == v1::SEX_PREFERENCE_FEMALE
                         ? matcher::SexPreference::kFemale
                     : a.sex_preference() == v1::SEX_PREFERENCE_MALE
                         ? matcher::SexPreference::kMale
                         : matcher::SexPreference::kAny;
  for (const v1::NeedLimit& l : a.need_limits()) {
    h.max_need[CategoryIndex(l.category())] = ToLevel(l.max_level());
  }
  h.region = a.region();
  h.excluded_regions.assign(a.excluded_regions().begin(),
                            a.excluded_regions().end());
  h.dual_approved = a.dual_approved();
  h.max_contact = ToContact(a.max_contact());
  for (int her : a.heritage()) h.heritage_mask |= 1u << her;
  h.religion = ReligionCode(a.religion());
  h.languages.assign(a.languages().begin(), a.languages().end());
  h.approved_day = DayNumber(a.approved_on());
  return h;
}

matcher::MatchingPolicy ToMatcherPolicy(const v1::MatchingPolicy& policy) {
  matcher::MatchingPolicy out;
  out.version = policy.version();
  out.max_open_links = policy.max_open_links();
  // Policies stored before the field existed keep the default.
  if (policy.max_open_links_per_child() > 0) {
    out.max_open_links_per_child = policy.max_open_links_per_child();
  }
  for (const v1::ComponentWeight& w : policy.weights()) {
    for (int c = 0; c < matcher::kComponentCount; ++c) {
      if (matcher::ComponentId(static_cast<matcher::Component>(c)) ==
          w.component()) {
        out.weights[c] = w.weight();
      }
    }
  }
  return out;
}

v1::MatchingPolicy FromMatcherPolicy(const matcher::MatchingPolicy& policy) {
  v1::MatchingPolicy out;
  out.set_name("matchingPolicy");
  out.set_version(policy.version);
  out.set_max_open_links(policy.max_open_links);
  out.set_max_open_links_per_child(policy.max_open_links_per_child);
  for (int c = 0; c < matcher::kComponentCount; ++c) {
    v1::ComponentWeight* w = out.add_weights();
    w->set_component(
        std::string(matcher::ComponentId(static_cast<matcher::Component>(c))));
    w->set_weight(policy.weights[c]);
  }
  return out;
}

v1::ScoreComponentId ScoreComponentIdOf(matcher::Component component) {
  return static_cast<v1::ScoreComponentId>(static_cast<int>(component) + 1);
}

v1::ConstraintId ConstraintIdOf(matcher::Constraint constraint) {
  return static_cast<v1::ConstraintId>(static_cast<int>(constraint) + 1);
}

void ToProto(const matcher::ComponentScore& score, Words words,
             v1::ScoreComponent& out) {
  out.set_id(ScoreComponentIdOf(score.component));
  out.set_weight(score.weight);
  out.set_fit_permille(score.fit_permille);
  out.set_points_tenths(score.points_tenths);
  const matcher::CodedReason& coded = score.coded;
  out.mutable_reason_codes()->Add(coded.codes.begin(), coded.codes.end());
  out.mutable_reason_args()->Add(coded.args.begin(), coded.args.end());
  for (const std::string& text : coded.text_args) {
    out.add_reason_text_args(text);
  }
  if (words == Words::kCodedOnly) return;
  const absl::string_view key = matcher::ComponentId(score.component);
  out.set_component(key.data(), key.size());
  matcher::ReasonCatalogPhrases().AppendTo(*out.mutable_reason(), coded.codes,
                                           coded.args, coded.text_args);
}

namespace {

// Everything but the versions: the same for the life of the process.
v1::ReasonCatalog MakeStaticCatalog() {
  v1::ReasonCatalog catalog;
  AddPhrasesTo(matcher::ReasonCatalogPhrases(), catalog);
  for (int c = 0; c < matcher::kComponentCount; ++c) {
    const auto component = static_cast<matcher::Component>(c);
    v1::ComponentText* text = catalog.add_components();
    text->set_id(ScoreComponentIdOf(component));
    text->set_key(std::string(matcher::ComponentId(component)));
    text->set_title(std::string(matcher::ComponentName(component)));
  }
  for (int c = 0; c < matcher::kConstraintCount; ++c) {
    const auto constraint = static_cast<matcher::Constraint>(c);
    v1::ConstraintText* text = catalog.add_constraints();
    text->set_id(ConstraintIdOf(constraint));
    text->set_key(std::string(matcher::ConstraintId(constraint)));
  }
  return catalog;
}

}  // namespace

void FillReasonCatalog(int64_t policy_version, v1::ReasonCatalog& out) {
  static const v1::ReasonCatalog* const kStatic =
      new v1::ReasonCatalog(MakeStaticCatalog());
  out.CopyFrom(*kStatic);
  out.set_version(
      absl::StrCat(matcher::kReasonCatalogRevision, ".", policy_version));
  out.set_policy_version(policy_version);
}

}  // namespace raa
