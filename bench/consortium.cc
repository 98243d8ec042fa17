#include "bench/consortium.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/dates.h"

namespace raa::bench {
namespace {

struct Member {
  const char* id;
  const char* name;
  const char* region;
};

// The fifteen local authorities of the Yorkshire and Humber consortium
// (seed 004). Each member's region is its own local authority area, a slug of
// the shipped region list (data/regions/england.csv).
constexpr Member kLocalAuthorities[] = {
    {"barnsley", "Barnsley Council", "barnsley"},
    {"bradford", "City of Bradford Council", "bradford"},
    {"calderdale", "Calderdale Council", "calderdale"},
    {"doncaster", "City of Doncaster Council", "doncaster"},
    {"east-riding", "East Riding of Yorkshire Council",
     "east-riding-of-yorkshire"},
    {"hull", "Hull City Council", "kingston-upon-hull"},
    {"kirklees", "Kirklees Council", "kirklees"},
    {"leeds", "Leeds City Council", "leeds"},
    {"ne-lincolnshire", "North East Lincolnshire Council",
     "north-east-lincolnshire"},
    {"n-lincolnshire", "North Lincolnshire Council", "north-lincolnshire"},
    {"north-yorkshire", "North Yorkshire Council", "north-yorkshire"},
    {"rotherham", "Rotherham Council", "rotherham"},
    {"sheffield", "Sheffield City Council", "sheffield"},
    {"wakefield", "Wakefield Council", "wakefield"},
    {"york", "City of York Council", "york"},
};
constexpr int kLocalAuthoritiesFirst = 13;  // then voluntary agencies

// Where households may refuse to live near: the consortium's local authority
// areas (matching compares region slugs exactly, so exclusions name areas at
// the same level as the members' regions).
constexpr const char* kRegions[] = {"barnsley",
                                    "bradford",
                                    "calderdale",
                                    "doncaster",
                                    "east-riding-of-yorkshire",
                                    "kingston-upon-hull",
                                    "kirklees",
                                    "leeds",
                                    "north-east-lincolnshire",
                                    "north-lincolnshire",
                                    "north-yorkshire",
                                    "rotherham",
                                    "sheffield",
                                    "wakefield",
                                    "york"};

constexpr v1::Heritage kBme[] = {v1::HERITAGE_MIXED_WHITE_AND_BLACK_CARIBBEAN,
                                 v1::HERITAGE_MIXED_WHITE_AND_ASIAN,
                                 v1::HERITAGE_ASIAN_PAKISTANI,
                                 v1::HERITAGE_BLACK_AFRICAN,
                                 v1::HERITAGE_MIXED_OTHER,
                                 v1::HERITAGE_ASIAN_BANGLADESHI,
                                 v1::HERITAGE_BLACK_CARIBBEAN};
constexpr v1::Heritage kWhite[] = {
    v1::HERITAGE_WHITE_BRITISH, v1::HERITAGE_WHITE_BRITISH,
    v1::HERITAGE_WHITE_BRITISH, v1::HERITAGE_WHITE_OTHER,
    v1::HERITAGE_WHITE_GYPSY_OR_IRISH_TRAVELLER};

constexpr const char* kLikes[] = {
    "loves the park and building dens",  "enjoys music and dancing",
    "likes drawing and bedtime stories", "is a keen footballer",
    "loves animals, especially dogs",    "enjoys swimming and messy play",
    "likes puzzles and dinosaurs",
};

class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  int Int(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Int(0, N - 1)];
  }

 private:
  std::mt19937_64 rng_;
};

google::type::Date DaysBefore(absl::CivilDay today, int days) {
  return ToDate(today - days);
}

int GroupSize(Draw& d) {
  // Of children: 43% alone, ~35% in pairs, ~22% in groups of 3-4. As
  // profiles: about two thirds singles, a fifth pairs, the rest larger.
  int r = d.Int(1, 100);
  if (r <= 67) return 1;
  if (r <= 88) return 2;
  if (r <= 97) return 3;
  return 4;
}

v1::ChildMember MakeChild(Draw& d, int age_months, bool bme,
                          v1::Heritage group_heritage) {
  v1::ChildMember m;
  m.set_age_months(std::clamp(age_months, 0, 215));
  m.set_sex(d.Chance(50) ? v1::SEX_FEMALE : v1::SEX_MALE);
  m.set_heritage(bme ? group_heritage : v1::HERITAGE_WHITE_BRITISH);
  m.set_religion(d.Chance(40)   ? v1::RELIGION_CHRISTIAN
                 : d.Chance(10) ? v1::RELIGION_MUSLIM
                                : v1::RELIGION_UNSPECIFIED);
  m.set_first_language(bme && d.Chance(25) ? "ur" : "en");
  auto add_need = [&](v1::NeedCategory c, v1::NeedLevel l) {
    v1::Need* n = m.add_needs();
    n->set_category(c);
    n->set_level(l);
  };
  if (d.Chance(35)) {
    add_need(v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES,
             d.Chance(70) ? v1::NEED_LEVEL_MILD : v1::NEED_LEVEL_MODERATE);
  }
  if (age_months >= 36 && d.Chance(25)) {
    add_need(v1::NEED_CATEGORY_EMOTIONAL_AND_BEHAVIOURAL,
             d.Chance(60) ? v1::NEED_LEVEL_MILD : v1::NEED_LEVEL_MODERATE);
  }
  if (age_months < 36 && d.Chance(20)) {
    add_need(v1::NEED_CATEGORY_UNCERTAIN_DEVELOPMENTAL_PROGNOSIS,
             v1::NEED_LEVEL_MILD);
  }
  if (d.Chance(8)) {
    add_need(v1::NEED_CATEGORY_FOETAL_ALCOHOL_SPECTRUM,
             d.Chance(50) ? v1::NEED_LEVEL_MILD : v1::NEED_LEVEL_MODERATE);
  }
  if (d.Chance(4)) {  // recorded as disabled
    add_need(d.Chance(50) ? v1::NEED_CATEGORY_PHYSICAL_DISABILITY
                          : v1::NEED_CATEGORY_LEARNING_DISABILITY,
             d.Chance(50) ? v1::NEED_LEVEL_MODERATE : v1::NEED_LEVEL_SEVERE);
  }
  if (d.Chance(6)) {
    add_need(v1::NEED_CATEGORY_GLOBAL_DEVELOPMENTAL_DELAY,
             d.Chance(60) ? v1::NEED_LEVEL_MILD : v1::NEED_LEVEL_MODERATE);
  }
  return m;
}

v1::Child MakeProfile(Draw& d, const Member& home, absl::CivilDay today,
                      int size) {
  v1::Child child;
  *child.mutable_ages_as_of() = ToDate(today);
  bool bme = d.Chance(20);
  v1::Heritage heritage = d.Pick(kBme);
  // Over a quarter of waiting children are five or older; siblings are older
  // on average than children alone.
  int eldest = d.Chance(size > 1 ? 55 : 30) ? d.Int(60, 140) : d.Int(3, 59);
  for (int i = 0; i < size; ++i) {
    int age = eldest - i * d.Int(12, 30);
    *child.add_members() =
        MakeChild(d, std::max(age, d.Int(1, 11)), bme, heritage);
  }
  child.set_must_be_placed_together(size > 1);
  int contact = d.Int(1, 100);
  child.set_contact_plan(contact <= 15   ? v1::CONTACT_PLAN_NONE
                         : contact <= 85 ? v1::CONTACT_PLAN_LETTERBOX
                                         : v1::CONTACT_PLAN_DIRECT);
  if (eldest < 24 && size == 1 && d.Chance(40)) {
    child.set_early_permanence(d.Chance(70)
                                   ? v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION
                                   : v1::EARLY_PERMANENCE_CONCURRENT_PLANNING);
  } else {
    child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  }
  child.set_region(home.region);
  if (d.Chance(15)) child.add_excluded_regions(home.region);
  int in_care = d.Int(90, std::max(120, std::min(900, eldest * 30)));
  v1::ChildJourney* j = child.mutable_journey();
  *j->mutable_entered_care() = DaysBefore(today, in_care);
  int plan = in_care - d.Int(30, std::max(31, in_care / 3));
  *j->mutable_plan_for_adoption() = DaysBefore(today, plan);
  int shobpa = plan - d.Int(10, std::max(11, plan / 4));
  *j->mutable_shobpa_decision() = DaysBefore(today, shobpa);
  if (d.Chance(75)) {
    *j->mutable_placement_order() =
        DaysBefore(today, std::max(0, shobpa - d.Int(20, 120)));
  }
  std::string summary =
      size == 1
          ? absl::StrCat("A child who ", d.Pick(kLikes), ".")
          : absl::StrCat("A sibling group of ", size,
                         " who are close; the eldest ", d.Pick(kLikes), ".");
  child.set_summary(summary);
  child.set_status(v1::CHILD_STATUS_WAITING);  // new profiles start waiting
  return child;
}

v1::Adopter MakeAdopter(Draw& d, const std::string& region,
                        absl::CivilDay today) {
  v1::Adopter a;
  int status = d.Int(1, 100);
  a.set_status(status <= 70   ? v1::ADOPTER_STATUS_APPROVED
               : status <= 78 ? v1::ADOPTER_STATUS_STAGE_TWO
               : status <= 83 ? v1::ADOPTER_STATUS_STAGE_ONE
               : status <= 90 ? v1::ADOPTER_STATUS_LINKED
               : status <= 95 ? v1::ADOPTER_STATUS_MATCHED
                              : v1::ADOPTER_STATUS_ON_HOLD);
  int approved_ago = d.Int(5, 540);
  int applied_ago = approved_ago + d.Int(100, 220);
  int roi_ago = applied_ago + d.Int(30, 90);
  *a.mutable_registered_interest_on() = DaysBefore(today, roi_ago);
  if (a.status() != v1::ADOPTER_STATUS_STAGE_ONE) {
    *a.mutable_applied_on() = DaysBefore(today, applied_ago);
  }
  if (a.status() >= v1::ADOPTER_STATUS_APPROVED) {
    *a.mutable_approved_on() = DaysBefore(today, approved_ago);
  }
  int r = d.Int(1, 100);
  a.set_approved_for(r <= 65 ? 1 : r <= 97 ? 2 : r <= 99 ? 3 : 4);
  // Most want one child under five.
  if (d.Chance(72)) {
    a.set_min_age_months(0);
    a.set_max_age_months(d.Int(24, 59));
  } else {
    a.set_min_age_months(d.Int(0, 36));
    a.set_max_age_months(a.min_age_months() + d.Int(36, 108));
  }
  int sex = d.Int(1, 100);
  a.set_sex_preference(sex <= 80   ? v1::SEX_PREFERENCE_ANY
                       : sex <= 92 ? v1::SEX_PREFERENCE_FEMALE
                                   : v1::SEX_PREFERENCE_MALE);
  for (int c = v1::NEED_CATEGORY_PHYSICAL_DISABILITY;
       c <= v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES; ++c) {
    // Many would not consider significant needs.
    int open = d.Int(1, 100);
    v1::NeedLevel level = open <= 35   ? v1::NEED_LEVEL_NONE
                          : open <= 80 ? v1::NEED_LEVEL_MILD
                          : open <= 95 ? v1::NEED_LEVEL_MODERATE
                                       : v1::NEED_LEVEL_SEVERE;
    if (c == v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES &&
        level == v1::NEED_LEVEL_NONE) {
      level = v1::NEED_LEVEL_MILD;  // nearly every approved family is prepared
    }
    v1::NeedLimit* limit = a.add_need_limits();
    limit->set_category(static_cast<v1::NeedCategory>(c));
    limit->set_max_level(level);
  }
  bool bme = d.Chance(12);
  a.add_heritage(bme ? d.Pick(kBme) : d.Pick(kWhite));
  if (d.Chance(15)) a.add_heritage(d.Pick(kBme));
  a.set_religion(d.Chance(45)   ? v1::RELIGION_CHRISTIAN
                 : d.Chance(10) ? v1::RELIGION_MUSLIM
                                : v1::RELIGION_NO_RELIGION);
  a.add_languages("en");
  if (bme && d.Chance(40)) a.add_languages("ur");
  a.set_region(region);
  if (d.Chance(10)) a.add_excluded_regions(d.Pick(kRegions));
  if (a.excluded_regions_size() == 1 && a.excluded_regions(0) == region) {
    a.clear_excluded_regions();
  }
  a.set_dual_approved(d.Chance(10));
  int ft = d.Int(1, 100);
  a.set_fast_track(ft <= 92   ? v1::FAST_TRACK_NONE
                   : ft <= 96 ? v1::FAST_TRACK_PREVIOUS_ADOPTER
                              : v1::FAST_TRACK_APPROVED_FOSTER_CARER);
  if (d.Chance(20)) a.set_youngest_child_age_months(d.Int(36, 180));
  int contact = d.Int(1, 100);
  a.set_max_contact(contact <= 10   ? v1::CONTACT_PLAN_NONE
                    : contact <= 80 ? v1::CONTACT_PLAN_LETTERBOX
                                    : v1::CONTACT_PLAN_DIRECT);
  return a;
}

std::vector<v1::CreateAuthorityRequest> MakeAuthorities(int count,
                                                        absl::CivilDay today) {
  std::vector<v1::CreateAuthorityRequest> out;
  for (int i = 0; i < count; ++i) {
    v1::CreateAuthorityRequest r;
    v1::Authority* a = r.mutable_authority();
    if (i < kLocalAuthoritiesFirst) {
      const Member& m = kLocalAuthorities[i];
      r.set_authority_id(m.id);
      a->set_display_name(m.name);
      a->set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
      a->set_region(m.region);
    } else if (i < 15) {
      // Two voluntary agencies complete the demo's fifteen members.
      bool first = i == kLocalAuthoritiesFirst;
      r.set_authority_id(first ? "pennine-adoption" : "humber-families");
      a->set_display_name(first ? "Pennine Adoption (VAA)"
                                : "Humber Families for Children (VAA)");
      a->set_kind(v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY);
      a->set_region(first ? "calderdale" : "kingston-upon-hull");
    } else {
      r.set_authority_id(absl::StrCat("member-", i + 1));
      a->set_display_name(absl::StrCat("Member authority ", i + 1));
      a->set_kind(i % 5 == 0 ? v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY
                             : v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
      a->set_region(kRegions[i % 15]);
    }
    *a->mutable_joined_on() = ToDate(today - 365 * 3);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<SyntheticConsortium::AdopterRecord> GenerateAdopters(
    uint64_t seed, int count,
    const std::vector<v1::CreateAuthorityRequest>& authorities,
    absl::CivilDay today) {
  Draw d(seed * 7919 + 17);
  std::vector<SyntheticConsortium::AdopterRecord> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    const v1::CreateAuthorityRequest& home =
        authorities[d.Int(0, authorities.size() - 1)];
    out.push_back({home.authority_id(),
                   MakeAdopter(d, home.authority().region(), today)});
  }
  return out;
}

namespace {

// The local authorities' indices into `authorities`, weighted so that larger
// cities (Leeds, Sheffield, Bradford) hold more children.
std::vector<int> ChildOwners(
    const std::vector<v1::CreateAuthorityRequest>& authorities) {
  std::vector<int> owners;
  for (size_t i = 0; i < authorities.size(); ++i) {
    if (authorities[i].authority().kind() != v1::AUTHORITY_KIND_LOCAL_AUTHORITY)
      continue;
    const std::string& id = authorities[i].authority_id();
    int weight =
        (id == "leeds" || id == "sheffield" || id == "bradford") ? 3 : 1;
    for (int w = 0; w < weight; ++w) owners.push_back(static_cast<int>(i));
  }
  return owners;
}

}  // namespace

std::vector<SyntheticConsortium::ChildRecord> GenerateChildren(
    uint64_t seed, int count,
    const std::vector<v1::CreateAuthorityRequest>& authorities,
    absl::CivilDay today) {
  Draw d(seed * 6271 + 29);
  const std::vector<int> owners = ChildOwners(authorities);
  std::vector<SyntheticConsortium::ChildRecord> out;
  if (owners.empty()) return out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    const v1::CreateAuthorityRequest& owner =
        authorities[owners[d.Int(0, owners.size() - 1)]];
    Member home{owner.authority_id().c_str(), "",
                owner.authority().region().c_str()};
    out.push_back(
        {owner.authority_id(), MakeProfile(d, home, today, GroupSize(d))});
  }
  return out;
}

SyntheticConsortium GenerateConsortium(const ConsortiumSpec& spec) {
  SyntheticConsortium c;
  c.authorities = MakeAuthorities(spec.authorities, spec.today);
  Draw d(spec.seed);
  // Children belong to local authorities, weighted so that larger cities
  // (Leeds, Sheffield, Bradford) hold more.
  const std::vector<int> owners = ChildOwners(c.authorities);
  int placed = 0;
  while (placed < spec.children) {
    int size = std::min(GroupSize(d), spec.children - placed);
    const v1::CreateAuthorityRequest& owner =
        c.authorities[owners[d.Int(0, owners.size() - 1)]];
    Member home{owner.authority_id().c_str(), "",
                owner.authority().region().c_str()};
    c.children.push_back(
        {owner.authority_id(), MakeProfile(d, home, spec.today, size)});
    placed += size;
  }
  c.adopters =
      GenerateAdopters(spec.seed, spec.adopters, c.authorities, spec.today);
  return c;
}

namespace {

// A household approved before `opened`, able to take the child as it was
// then: age range around the eldest's age at the link, room for the group.
v1::Adopter HistoricalAdopter(Draw& d, const std::string& region,
                              absl::CivilDay today, absl::CivilDay opened,
                              int size, int eldest_months_then,
                              bool dual_approved) {
  v1::Adopter a = MakeAdopter(d, region, today);
  a.set_status(v1::ADOPTER_STATUS_APPROVED);
  absl::CivilDay approved = opened - d.Int(20, 300);
  absl::CivilDay applied = approved - d.Int(100, 220);
  absl::CivilDay interest = applied - d.Int(30, 90);
  *a.mutable_approved_on() = ToDate(approved);
  *a.mutable_applied_on() = ToDate(applied);
  *a.mutable_registered_interest_on() = ToDate(interest);
  a.set_approved_for(std::max(a.approved_for(), size));
  a.set_min_age_months(std::max(0, eldest_months_then - d.Int(12, 36)));
  a.set_max_age_months(std::min(215, eldest_months_then + d.Int(6, 36)));
  a.set_dual_approved(dual_approved);
  a.clear_excluded_regions();
  return a;
}

}  // namespace

SyntheticHistory GenerateHistory(
    const HistorySpec& spec,
    const std::vector<v1::CreateAuthorityRequest>& authorities) {
  SyntheticHistory h;
  Draw d(spec.seed * 104729 + 3);
  const absl::CivilDay today = spec.today;
  // The last 31 March on or before today, and the first day of the window
  // `years` before it.
  absl::CivilYear year(today.year());
  absl::CivilDay last_march(
      today.month() >= 4 ? today.year() : today.year() - 1, 3, 31);
  absl::CivilDay first(last_march.year() - spec.years, 4, 1);
  (void)year;

  // Children belong to local authorities, the larger cities holding more;
  // each member has its own pace (0.8x to 1.3x).
  std::vector<int> owners;
  std::vector<double> pace(authorities.size(), 1.0);
  for (size_t i = 0; i < authorities.size(); ++i) {
    pace[i] = 0.8 + 0.5 * d.Int(0, 100) / 100.0;
    if (authorities[i].authority().kind() != v1::AUTHORITY_KIND_LOCAL_AUTHORITY)
      continue;
    const std::string& id = authorities[i].authority_id();
    int weight =
        (id == "leeds" || id == "sheffield" || id == "bradford") ? 3 : 1;
    for (int w = 0; w < weight; ++w) owners.push_back(static_cast<int>(i));
  }
  if (owners.empty() || authorities.empty()) return h;

  const int span = std::max(1, static_cast<int>(today - first));
  const int adoptions = static_cast<int>(
      static_cast<int64_t>(spec.adoptions_per_year) * span / 365);
  // Outcomes beyond the adoptions, as shares of them.
  const int placed_only = adoptions / 10 + 1;  // placed, order not granted
  const int open_only = adoptions / 10 + 1;    // a link at an earlier step
  const int closed_only = adoptions / 25 + 1;  // closed; the child waits on
  const int total = adoptions + placed_only + open_only + closed_only;

  for (int n = 0; n < total; ++n) {
    enum {
      kAdopted,
      kPlaced,
      kOpen,
      kClosed
    } outcome = n < adoptions                             ? kAdopted
                : n < adoptions + placed_only             ? kPlaced
                : n < adoptions + placed_only + open_only ? kOpen
                                                          : kClosed;
    int owner = owners[d.Int(0, owners.size() - 1)];
    const v1::CreateAuthorityRequest& home = authorities[owner];
    int size = GroupSize(d);
    bool bme = d.Chance(20);
    v1::Heritage heritage = d.Pick(kBme);
    // The eldest's age on entering care.
    int entry_age = d.Chance(55) ? d.Int(0, 24) : d.Int(25, 100);
    if (size > 1) entry_age = std::max(entry_age, d.Int(30, 90));
    bool early_permanence = size == 1 && entry_age < 18 && d.Chance(25);
    bool no_order = !early_permanence && d.Chance(5);
    double slow = pace[owner] * (1 + 0.3 * (size > 1) +
                                 0.25 * (entry_age >= 48) + 0.25 * bme);

    // The day the child moves in (the end of A1), from the outcome.
    absl::CivilDay anchor;  // order granted, placed, or the latest step
    switch (outcome) {
      case kAdopted:
        anchor = first + d.Int(0, std::max(0, span - 5));
        break;
      case kPlaced:
        anchor = today - d.Int(5, 150);
        break;
      case kOpen:
      case kClosed:
        anchor = today - d.Int(5, 120);
        break;
    }
    // Work back from the anchor: grant <- applied <- placed <- match.
    int court = d.Int(40, 160);
    int applied_after = d.Int(60, 110);
    int move_in = d.Int(7, 45);
    absl::CivilDay placed, match;
    if (outcome == kAdopted) {
      placed = anchor - court - applied_after;
    } else {
      placed = anchor;
    }
    match = placed - move_in;
    // The placement order A2 days before the match; the care before it.
    int a2 = static_cast<int>(d.Int(60, 260) * slow);
    absl::CivilDay order = match - a2;
    int before_order = d.Int(150, 300);
    absl::CivilDay entered = order - before_order;
    absl::CivilDay plan = entered + d.Int(40, 110);
    absl::CivilDay shobpa = plan + d.Int(10, 40);
    if (shobpa > order) shobpa = order;
    if (plan > shobpa) plan = shobpa;

    // The pre-match steps, back from the match.
    absl::CivilDay panel = match - d.Int(1, 10);
    absl::CivilDay papers = panel - d.Int(14, 30);
    absl::CivilDay meeting = papers - d.Int(10, 30);
    absl::CivilDay opened = meeting - d.Int(7, 25);
    if (early_permanence) {
      // Linked and matched early, before the court's order; the child moves
      // in as a foster placement days after the link opens, before the
      // match (A10 stops its clock there).
      opened = entered + d.Int(15, 60);
      meeting = opened + d.Int(5, 15);
      papers = meeting + d.Int(10, 20);
      panel = papers + d.Int(14, 30);
      match = panel + d.Int(1, 7);
      if (match >= order) order = match + d.Int(5, 60);
      if (outcome == kAdopted || outcome == kPlaced) {
        placed = opened + d.Int(3, 20);
      }
    }

    // The profile, registered today with its past dates.
    v1::Child child;
    *child.mutable_ages_as_of() = ToDate(today);
    int months_in_care = static_cast<int>((today - entered) / 30) + 1;
    int eldest_now = std::min(215, entry_age + months_in_care);
    for (int i = 0; i < size; ++i) {
      int age = eldest_now - i * d.Int(12, 30);
      *child.add_members() = MakeChild(
          d, std::max(age, std::min(eldest_now, d.Int(1, 11))), bme, heritage);
    }
    child.set_must_be_placed_together(size > 1);
    child.set_contact_plan(d.Chance(80) ? v1::CONTACT_PLAN_LETTERBOX
                                        : v1::CONTACT_PLAN_NONE);
    child.set_early_permanence(early_permanence
                                   ? v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION
                                   : v1::EARLY_PERMANENCE_NONE);
    child.set_region(home.authority().region());
    v1::ChildJourney* j = child.mutable_journey();
    *j->mutable_entered_care() = ToDate(entered);
    *j->mutable_plan_for_adoption() = ToDate(plan);
    *j->mutable_shobpa_decision() = ToDate(shobpa);
    bool order_made = !no_order && order <= today - 1;
    if (order_made) *j->mutable_placement_order() = ToDate(order);
    child.set_summary(size == 1
                          ? absl::StrCat("A child who ", d.Pick(kLikes), ".")
                          : absl::StrCat("A sibling group of ", size,
                                         "; the eldest ", d.Pick(kLikes), "."));
    child.set_status(v1::CHILD_STATUS_WAITING);
    int child_index = static_cast<int>(h.children.size());
    h.children.push_back({home.authority_id(), child});

    auto age_then = [&](absl::CivilDay day) {
      return std::clamp(entry_age + static_cast<int>((day - entered) / 30), 0,
                        215);
    };
    auto household = [&](absl::CivilDay link_opened, bool dual,
                         const std::string& authority_id) {
      const v1::CreateAuthorityRequest* agency = &home;
      if (authority_id.empty()) {
        agency = &authorities[d.Int(0, authorities.size() - 1)];
      }
      h.adopters.push_back(
          {agency->authority_id(),
           HistoricalAdopter(d, agency->authority().region(), today,
                             link_opened, size, age_then(link_opened), dual)});
      return static_cast<int>(h.adopters.size()) - 1;
    };

    // Sometimes an earlier link that closed: the child's authority chose
    // another family, the panel or the ADM did not agree, or the household
    // (of the child's own authority, which closes it) withdrew.
    if (outcome == kClosed || d.Chance(15)) {
      SyntheticHistory::Link before;
      absl::CivilDay start =
          outcome == kClosed ? anchor - d.Int(30, 90) : opened - d.Int(60, 150);
      if (start <= entered) start = entered + 1;
      before.steps.push_back({v1::LINK_STEP_OPENED, start});
      int reached = d.Int(1, 4);
      absl::CivilDay day = start;
      for (int s = 2; s <= reached; ++s) {
        day += d.Int(7, 25);
        before.steps.push_back({static_cast<v1::LinkStep>(s), day});
      }
      int r = d.Int(1, 100);
      bool own = false;
      if (outcome == kClosed && r <= 30) {
        before.close_reason = v1::CLOSE_REASON_PLAN_CHANGED;
        before.close_note = "Plan changed to long-term fostering.";
      } else if (reached >= 4 && r <= 40) {
        before.close_reason = v1::CLOSE_REASON_PANEL_DID_NOT_RECOMMEND;
        before.close_note = "Panel asked for more work on contact.";
      } else if (reached >= 4 && r <= 50) {
        before.close_reason = v1::CLOSE_REASON_ADM_DID_NOT_AGREE;
      } else if (r <= 75) {
        before.close_reason = v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY;
      } else {
        before.close_reason = v1::CLOSE_REASON_HOUSEHOLD_WITHDREW;
        own = true;
      }
      if (before.close_reason == v1::CLOSE_REASON_ADM_DID_NOT_AGREE ||
          before.close_reason == v1::CLOSE_REASON_PANEL_DID_NOT_RECOMMEND) {
        // Recorded only after papers went to panel.
      }
      before.closed_on = day + d.Int(1, 20);
      if (outcome != kClosed && before.closed_on >= opened) {
        before.closed_on = opened - 1;
      }
      if (before.closed_on < day) before.closed_on = day;
      if (before.closed_on >= today) before.closed_on = today - 1;
      if (day < today) {
        before.child = child_index;
        before.adopter =
            household(start, false, own ? home.authority_id() : std::string());
        h.links.push_back(std::move(before));
      }
    }
    if (outcome == kClosed) continue;

    SyntheticHistory::Link link;
    link.child = child_index;
    link.placement_kind = early_permanence
                              ? v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION
                              : v1::PLACEMENT_KIND_ADOPTIVE;
    std::vector<std::pair<v1::LinkStep, absl::CivilDay>> steps = {
        {v1::LINK_STEP_OPENED, opened},
        {v1::LINK_STEP_LINKING_MEETING, meeting},
        {v1::LINK_STEP_PAPERS_TO_PANEL, papers},
        {v1::LINK_STEP_PANEL_RECOMMENDED, panel},
        {v1::LINK_STEP_MATCH_DECIDED, match},
        {v1::LINK_STEP_PLACED, placed}};
    if (outcome == kAdopted) {
      absl::CivilDay applied = placed + applied_after;
      if (order_made && applied <= order) applied = order + d.Int(5, 30);
      if (applied <= match) applied = match + d.Int(5, 30);
      steps.push_back({v1::LINK_STEP_ORDER_APPLIED, applied});
      absl::CivilDay granted = std::max(anchor, applied + 20);
      steps.push_back({v1::LINK_STEP_ORDER_GRANTED, granted});
    } else if (outcome == kPlaced) {
      absl::CivilDay applied = placed + applied_after;
      if (order_made && applied <= order) applied = order + d.Int(5, 30);
      if (applied <= match) applied = match + d.Int(5, 30);
      if (applied < today && d.Chance(60)) {
        steps.push_back({v1::LINK_STEP_ORDER_APPLIED, applied});
      }
    } else {
      // Open at an earlier step: keep the steps that happened by today.
      steps.resize(d.Int(1, 5));
    }
    for (const auto& step : steps) {
      if (step.second >= today) break;
      link.steps.push_back(step);
    }
    if (link.steps.empty()) continue;
    // A few placements break down before the order.
    if (outcome == kPlaced && d.Chance(8) &&
        link.steps.back().first >= v1::LINK_STEP_PLACED) {
      link.close_reason = v1::CLOSE_REASON_DISRUPTION;
      // After every step: an early placement is dated before the match.
      absl::CivilDay last = link.steps.front().second;
      for (const auto& step : link.steps) last = std::max(last, step.second);
      link.closed_on = std::min(today - 1, last + 30);
      link.close_note = "The placement ended before the order.";
    }
    link.adopter = household(opened, early_permanence, "");
    bool placed_step = link.steps.back().first >= v1::LINK_STEP_PLACED;
    h.links.push_back(std::move(link));
    // The Annex A report, due within 4 weeks of placement: most on time,
    // some late, a few placed children still without one.
    if (placed_step && !(outcome == kPlaced && d.Chance(30))) {
      absl::CivilDay annex =
          placed + (d.Chance(75) ? d.Int(7, 28) : d.Int(29, 70));
      if (annex < today) {
        h.milestones.push_back(
            {child_index, v1::MILESTONE_KIND_ANNEX_A_REPORT, annex});
      }
    }
  }
  return h;
}

std::string JourneysCsv(const SyntheticHistory& history,
                        const std::vector<std::string>& child_names,
                        const std::vector<std::string>& adopter_names,
                        const std::string& authority, bool milestones) {
  static constexpr const char* kStepColumns[] = {
      "opened",          "linking_meeting",
      "papers_to_panel", "panel_recommended",
      "match_decided",   "placed",
      "order_applied",   "order_granted"};
  std::string out =
      "type,child,adopter,placement_kind,opened,linking_meeting,"
      "papers_to_panel,panel_recommended,match_decided,placed,order_applied,"
      "order_granted,close_reason,closed_on,close_note,record,milestone,"
      "date\n";
  auto day = [](absl::CivilDay d) { return absl::FormatCivilTime(d); };
  auto mine = [&](int child) {
    return authority.empty() ||
           history.children[child].authority_id == authority;
  };
  (void)kStepColumns;
  for (const SyntheticHistory::Link& link : history.links) {
    if (!mine(link.child)) continue;
    std::string row = absl::StrCat(
        "link,", child_names[link.child], ",", adopter_names[link.adopter], ",",
        link.placement_kind == v1::PLACEMENT_KIND_ADOPTIVE ? "adoptive"
        : link.placement_kind == v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION
            ? "fostering_for_adoption"
            : "concurrent_planning");
    for (int s = 0; s < 8; ++s) {
      row += ",";
      if (s < static_cast<int>(link.steps.size())) {
        row += day(link.steps[s].second);
      }
    }
    if (link.close_reason != v1::CLOSE_REASON_UNSPECIFIED) {
      std::string reason = v1::CloseReason_Name(link.close_reason);
      reason = absl::AsciiStrToLower(reason.substr(strlen("CLOSE_REASON_")));
      absl::StrAppend(&row, ",", reason, ",", day(link.closed_on), ",\"",
                      link.close_note, "\"");
    } else {
      row += ",,,";
    }
    out += row + ",,,\n";
  }
  for (const SyntheticHistory::Milestone& m : history.milestones) {
    if (!milestones || !mine(m.child)) continue;
    std::string kind = v1::MilestoneKind_Name(m.kind);
    kind = absl::AsciiStrToLower(kind.substr(strlen("MILESTONE_KIND_")));
    absl::StrAppend(&out, "milestone,,,,,,,,,,,,,,,", child_names[m.child], ",",
                    kind, ",", day(m.date), "\n");
  }
  return out;
}

}  // namespace raa::bench
