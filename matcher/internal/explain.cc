#include "matcher/internal/explain.h"

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "common/check.h"
#include "matcher/reasons.h"

namespace raa::matcher::internal {
namespace {

using Code = ReasonCode;

NeedLevels GroupNeeds(const ChildGroup& g) {
  NeedLevels levels{};
  for (const ChildMember& m : g.members) {
    for (int c = 0; c < kNeedCategoryCount; ++c)
      levels[c] = std::max(levels[c], m.needs[c]);
  }
  return levels;
}

int DaysSince(int32_t day, int32_t as_of_day) {
  return std::max(0, as_of_day - day);
}

absl::string_view SexWord(Sex s, bool plural) {
  if (s == Sex::kFemale) return plural ? "girls" : "a girl";
  return plural ? "boys" : "a boy";
}

// An age as two numbers: years, months.
void AddAge(CodedReason& r, Code code, int months) {
  AddPhrase(r, code, {months / 12, months % 12});
}

// "age 6y 6m" / "ages 6y 6m, 4y 0m" (the caller adds " today ...").
void AddAges(CodedReason& r, absl::Span<const int> ages) {
  for (size_t i = 0; i < ages.size(); ++i) {
    AddAge(r,
           i > 0              ? Code::kAgesNext
           : ages.size() == 1 ? Code::kAge
                              : Code::kAges,
           ages[i]);
  }
}

// "0y–5y", "2y 6m–6y": a bound in whole years without its months.
void AddAgeRange(CodedReason& r, const Household& h) {
  const int lo = h.min_age_months, hi = h.max_age_months;
  if (lo % 12 == 0) {
    AddPhrase(r, Code::kAgeLowYears, {lo / 12});
  } else {
    AddAge(r, Code::kAgeLowYearsMonths, lo);
  }
  if (hi % 12 == 0) {
    AddPhrase(r, Code::kAgeHighYears, {hi / 12});
  } else {
    AddAge(r, Code::kAgeHighYearsMonths, hi);
  }
}

// Placed apart: ": could take child 1 (aged 6y 6m today) and child 3 (aged
// 4y 0m today) of 3; the plan allows the children to be placed apart". The
// children taken are the bits of `taken`; their ages the stored ones plus
// `elapsed` months.
void AddTaken(CodedReason& r, const ChildGroup& whole, int elapsed,
              uint32_t taken) {
  const int count = std::popcount(taken);
  int j = 0;
  for (size_t i = 0; i < whole.members.size(); ++i) {
    if (((taken >> i) & 1) == 0) continue;
    const int age = whole.members[i].age_months + elapsed;
    AddPhrase(r,
              j == 0           ? Code::kCouldTakeChild
              : j + 1 == count ? Code::kCouldTakeChildLast
                               : Code::kCouldTakeChildNext,
              {static_cast<int32_t>(i) + 1, age / 12, age % 12});
    ++j;
  }
  AddPhrase(r, Code::kOfGroup, {static_cast<int32_t>(whole.members.size())});
  AddPhrase(r, Code::kMayBePlacedApart);
}

// A duration: in days under 31, else in months (days * 12 / 365).
void AddDuration(CodedReason& r, Code in_days, Code in_months, int days) {
  if (days < 31) {
    AddPhrase(r, in_days, {days});
  } else {
    AddPhrase(r, in_months, {days * 12 / 365});
  }
}

// Whether the reasons describe child i of the group.
bool Shows(const PairFacts& f, size_t i) { return ((f.shown >> i) & 1) != 0; }

// More than one child described: "the children's", "children waiting".
bool ShowsGroup(const PairFacts& f) { return std::popcount(f.shown) > 1; }

void AddNeeds(CodedReason& r, const PairFacts& f) {
  NeedLevels needs{};
  for (size_t i = 0; i < f.group.members.size(); ++i) {
    if (!Shows(f, i)) continue;
    for (int c = 0; c < kNeedCategoryCount; ++c)
      needs[c] = std::max(needs[c], f.group.members[i].needs[c]);
  }
  int tightest = -1, tightest_margin = 99, categories = 0;
  for (int c = 0; c < kNeedCategoryCount; ++c) {
    if (needs[c] == NeedLevel::kNone) continue;
    ++categories;
    const int margin =
        static_cast<int>(f.household.max_need[c]) - static_cast<int>(needs[c]);
    if (margin < tightest_margin) {
      tightest = c;
      tightest_margin = margin;
    }
  }
  if (tightest < 0) return AddPhrase(r, Code::kNoAssessedNeeds);
  const NeedLevel limit = f.household.max_need[tightest];
  if (limit == NeedLevel::kNone) {
    AddPhrase(r, Code::kWouldNotConsiderNeed, {tightest});
  } else {
    AddPhrase(r, Code::kWouldConsiderNeedUpTo,
              {tightest, static_cast<int32_t>(limit)});
  }
  AddPhrase(r,
            ShowsGroup(f) ? Code::kChildrensHighestNeedIs : Code::kChildsNeedIs,
            {static_cast<int32_t>(needs[tightest])});
  if (categories > 1) AddPhrase(r, Code::kCategoriesOfNeed, {categories});
}

void AddAgeFit(CodedReason& r, const PairFacts& f) {
  absl::InlinedVector<int, 8> ages;
  bool inside = true;
  for (size_t i = 0; i < f.group.members.size(); ++i) {
    if (!Shows(f, i)) continue;
    const int age = f.group.members[i].age_months + f.elapsed_months;
    ages.push_back(age);
    inside = inside && age >= f.household.min_age_months &&
             age <= f.household.max_age_months;
  }
  AddAges(r, ages);
  AddPhrase(r, inside ? Code::kTodayWithin : Code::kTodayNotAllWithin);
  AddAgeRange(r, f.household);
}

void AddCapacity(CodedReason& r, const PairFacts& f) {
  const int size = static_cast<int>(f.group.members.size());
  const int spare = f.household.approved_for - size;
  AddPhrase(r, Code::kApprovedForGroupOf, {f.household.approved_for, size});
  if (f.partial) {
    AddTaken(r, f.group, f.elapsed_months, f.shown);
  } else if (spare > 0) {
    AddPhrase(r, Code::kSparePlacesKept, {spare});
  } else if (spare < 0) {
    AddPhrase(r, Code::kTooManyChildren);
  }
}

void AddWaiting(CodedReason& r, const PairFacts& f) {
  if (f.household.approved_day < 0) {
    AddPhrase(r, Code::kHouseholdApprovalUnknown);
  } else {
    AddDuration(r, Code::kHouseholdWaitingDays, Code::kHouseholdWaitingMonths,
                DaysSince(f.household.approved_day, f.as_of_day));
  }
  const bool group = ShowsGroup(f);
  if (f.group.waiting_since_day < 0) {
    AddPhrase(
        r, group ? Code::kChildrenWaitingUnknown : Code::kChildWaitingUnknown);
  } else {
    AddDuration(
        r, group ? Code::kChildrenWaitingDays : Code::kChildWaitingDays,
        group ? Code::kChildrenWaitingMonths : Code::kChildWaitingMonths,
        DaysSince(f.group.waiting_since_day, f.as_of_day));
  }
}

void AddEarlyPermanence(CodedReason& r, const PairFacts& f) {
  AddPhrase(r, !f.group.early_permanence_candidate ? Code::kNotEarlyPermanence
               : f.household.dual_approved         ? Code::kDualApproved
                                                   : Code::kNotDualApproved);
}

void AddContact(CodedReason& r, const PairFacts& f) {
  const ContactPlan plan = f.group.contact_plan;
  const ContactPlan max = f.household.max_contact;
  if (plan == ContactPlan::kNone) return AddPhrase(r, Code::kNoContactPlanned);
  if (max == ContactPlan::kNone) {
    return AddPhrase(r, Code::kWouldNotSupportContact,
                     {static_cast<int32_t>(plan)});
  }
  AddPhrase(r, max < plan ? Code::kSupportsContactOnly : Code::kSupportsContact,
            {static_cast<int32_t>(max), static_cast<int32_t>(plan)});
}

void AddIdentity(CodedReason& r, const PairFacts& f) {
  const std::vector<ChildMember>& members = f.group.members;
  int recorded = 0, shared = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if (!Shows(f, i) || members[i].heritage_mask == 0) continue;
    ++recorded;
    shared += (members[i].heritage_mask & f.household.heritage_mask) != 0;
  }
  if (recorded > 0 && shared == recorded) {
    AddPhrase(r, ShowsGroup(f) ? Code::kSharesHeritageWithEvery
                               : Code::kSharesChildsHeritage);
  } else if (shared > 0) {
    AddPhrase(r, Code::kSharesHeritageWithSome);
  }
  if (f.household.religion != 0) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (Shows(f, i) && members[i].religion == f.household.religion) {
        AddPhrase(r, Code::kSameReligion);
        break;
      }
    }
  }
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& language = members[i].first_language;
    if (Shows(f, i) && !language.empty() &&
        std::find(f.household.languages.begin(), f.household.languages.end(),
                  language) != f.household.languages.end()) {
      AddPhrase(r, Code::kSpeaksFirstLanguage);
      r.text_args.push_back(language);
      break;
    }
  }
  if (r.codes.empty()) AddPhrase(r, Code::kNoSharedIdentity);
}

void AddLocality(CodedReason& r, const PairFacts& f) {
  AddPhrase(
      r, f.same_authority ? Code::kSameAuthority
         : f.household_authority_kind == AuthorityKind::kVoluntaryAdoptionAgency
             ? Code::kVoluntaryAgency
             : Code::kAnotherAuthority);
}

}  // namespace

void ComponentReason(Component component, const PairFacts& facts,
                     CodedReason& r) {
  r.codes.clear();
  r.args.clear();
  r.text_args.clear();
  switch (component) {
    case Component::kNeedsMargin:
      AddNeeds(r, facts);
      break;
    case Component::kAgeFit:
      AddAgeFit(r, facts);
      break;
    case Component::kCapacityFit:
      AddCapacity(r, facts);
      break;
    case Component::kWaiting:
      AddWaiting(r, facts);
      break;
    case Component::kEarlyPermanence:
      AddEarlyPermanence(r, facts);
      break;
    case Component::kContact:
      AddContact(r, facts);
      break;
    case Component::kIdentity:
      AddIdentity(r, facts);
      break;
    case Component::kLocality:
      AddLocality(r, facts);
      break;
  }
}

std::string ConstraintReason(Constraint constraint, const ConstraintFacts& f) {
  const ChildGroup& g = f.group;
  const Household& h = f.household;
  const int size = static_cast<int>(g.members.size());
  switch (constraint) {
    case Constraint::kNotAvailable: {
      std::vector<std::string> parts;
      if (!h.available) parts.push_back("household is on hold");
      if (!g.waiting) {
        parts.push_back(size > 1 ? "children are not waiting"
                                 : "child is not waiting");
      }
      if (parts.empty()) {
        return size > 1 ? "household available; children waiting"
                        : "household available; child waiting";
      }
      return absl::StrJoin(parts, "; ");
    }
    case Constraint::kAuthorityWithdrawn: {
      std::vector<std::string> parts;
      if (f.household_authority_withdrawn) {
        parts.push_back(absl::StrCat("household's authority ", h.authority,
                                     " has left the consortium"));
      }
      if (f.child_authority_withdrawn) {
        parts.push_back(absl::StrCat("child's authority ", g.authority,
                                     " has left the consortium"));
      }
      if (parts.empty()) return "both authorities are members";
      return absl::StrJoin(parts, "; ");
    }
    // The words these two share with the score components come from the
    // reason catalogue.
    case Constraint::kCapacity: {
      const ChildGroup& whole = f.whole_group;
      const int whole_size = static_cast<int>(whole.members.size());
      CodedReason r;
      AddPhrase(r, Code::kApprovedForGroupOf, {h.approved_for, whole_size});
      if (!f.taken.empty()) {
        uint32_t taken = 0;
        for (int i : f.taken) taken |= uint32_t{1} << i;
        AddTaken(r, whole, /*elapsed=*/0, taken);  // whole is aged already
      } else if (whole.may_be_placed_apart && whole_size > 1) {
        AddPhrase(r, Code::kMayBePlacedApart);
      }
      return ReasonText(r);
    }
    case Constraint::kAgeRange: {
      std::vector<int> outside, all;
      for (const ChildMember& m : g.members) {
        all.push_back(m.age_months);
        if (m.age_months < h.min_age_months || m.age_months > h.max_age_months)
          outside.push_back(m.age_months);
      }
      CodedReason r;
      AddAges(r, outside.empty() ? all : outside);
      AddPhrase(r, outside.empty() ? Code::kTodayWithin : Code::kTodayOutside);
      AddAgeRange(r, h);
      return ReasonText(r);
    }
    case Constraint::kNeeds: {
      const NeedLevels needs = GroupNeeds(g);
      std::vector<std::string> over;
      bool any = false;
      for (int c = 0; c < kNeedCategoryCount; ++c) {
        if (needs[c] == NeedLevel::kNone) continue;
        any = true;
        if (needs[c] <= h.max_need[c]) continue;
        const auto category = static_cast<NeedCategory>(c);
        over.push_back(h.max_need[c] == NeedLevel::kNone
                           ? absl::StrCat(NeedCategoryName(category), " is ",
                                          NeedLevelName(needs[c]),
                                          "; would not consider any")
                           : absl::StrCat(NeedCategoryName(category), " is ",
                                          NeedLevelName(needs[c]),
                                          "; would consider up to ",
                                          NeedLevelName(h.max_need[c])));
      }
      if (!any) return "no assessed needs";
      if (over.empty()) return "every need within what they would consider";
      return absl::StrJoin(over, "; ");
    }
    case Constraint::kSexPreference: {
      if (h.sex_preference == SexPreference::kAny) return "no sex preference";
      const Sex wanted = h.sex_preference == SexPreference::kFemale
                             ? Sex::kFemale
                             : Sex::kMale;
      const Sex other = wanted == Sex::kFemale ? Sex::kMale : Sex::kFemale;
      bool mismatch = false;
      for (const ChildMember& m : g.members) mismatch |= m.sex != wanted;
      std::string out =
          absl::StrCat("would consider ", SexWord(wanted, true), " only");
      if (mismatch) {
        absl::StrAppend(&out, size > 1 ? "; group includes " : "; child is ",
                        SexWord(other, false));
      }
      return out;
    }
    case Constraint::kChildExcludedRegion: {
      const bool excluded =
          std::find(g.excluded_regions.begin(), g.excluded_regions.end(),
                    h.region) != g.excluded_regions.end();
      if (excluded) {
        return absl::StrCat("household lives in ", h.region, ", where ",
                            size > 1 ? "these children" : "this child",
                            " must not be placed");
      }
      return absl::StrCat("household's region ", h.region,
                          " is not excluded for ",
                          size > 1 ? "these children" : "this child");
    }
    case Constraint::kHouseholdExcludedRegion: {
      const bool excluded =
          std::find(h.excluded_regions.begin(), h.excluded_regions.end(),
                    g.region) != h.excluded_regions.end();
      return absl::StrCat(size > 1 ? "children live in " : "child lives in ",
                          g.region,
                          excluded ? ", which the household would not consider"
                                   : ", which the household would consider");
    }
    case Constraint::kHiddenFromAuthority: {
      const bool hidden = std::find(g.hidden_from.begin(), g.hidden_from.end(),
                                    h.authority) != g.hidden_from.end();
      return absl::StrCat("profile is ",
                          hidden ? "hidden from " : "visible to ", h.authority);
    }
    case Constraint::kLinkLimit:
      if (f.open_links >= f.max_open_links) {
        return absl::StrCat("holds ", f.open_links,
                            " open links; the policy maximum is ",
                            f.max_open_links);
      }
      return absl::StrCat("holds ", f.open_links, " open links of a maximum ",
                          f.max_open_links);
  }
  return "";
}

void ApportionTenths(int score, int weight_sum,
                     std::array<ComponentScore, kComponentCount>& components) {
  // Each share is weight * fit / weight_sum tenths: its whole tenths first,
  // then the tenths left to reach 10 * score one at a time (each component
  // at most one a round), to shares with a fraction first (rounded up, or
  // down, by remainder), then to those furthest from their full share (or,
  // taking, the largest), never below nothing and past a full share only
  // when nothing else can reach the score. A component that earned nothing
  // gets nothing.
  struct Share {
    int remainder;  // of weight * fit / weight_sum
    int full;       // tenths at a fit of 100%, rounded up
    bool earned;
  };
  std::array<Share, kComponentCount> shares;
  int tenths = 0;
  for (int i = 0; i < kComponentCount; ++i) {
    ComponentScore& c = components[i];
    const int exact = c.weight * c.fit_permille;
    c.points_tenths = exact / weight_sum;
    shares[i] = {exact % weight_sum,
                 (c.weight * 1000 + weight_sum - 1) / weight_sum, exact > 0};
    tenths += c.points_tenths;
  }
  int left = 10 * score - tenths;
  std::array<bool, kComponentCount> given{};
  // Past full shares only when the score cannot be reached otherwise (a
  // lone component at 100% whose 2.5 points round up to 3).
  bool past_full = false;
  while (left != 0) {
    const bool adding = left > 0;
    // Whether component i comes before j.
    const auto before = [&](int i, int j) {
      const Share& a = shares[i];
      const Share& b = shares[j];
      if ((a.remainder > 0) != (b.remainder > 0)) return a.remainder > 0;
      if (a.remainder != b.remainder) {
        return adding ? a.remainder > b.remainder : a.remainder < b.remainder;
      }
      const int a_room = a.full - components[i].points_tenths;
      const int b_room = b.full - components[j].points_tenths;
      if (adding) return a_room > b_room;
      // Taking: a full share last, then the largest first.
      if ((a_room == 0) != (b_room == 0)) return b_room == 0;
      return components[i].points_tenths > components[j].points_tenths;
    };
    int pick = -1;
    bool any = false;
    for (int i = 0; i < kComponentCount; ++i) {
      const int points = components[i].points_tenths;
      if (!shares[i].earned ||
          (adding ? points >= shares[i].full && !past_full : points <= 0)) {
        continue;
      }
      any = true;
      if (given[i]) continue;
      if (pick < 0 || before(i, pick)) pick = i;
    }
    if (!any) {
      if (!adding || past_full) break;  // none earned anything
      past_full = true;
      given = {};
      continue;
    }
    if (pick < 0) {
      given = {};  // another round
      continue;
    }
    given[pick] = true;
    components[pick].points_tenths += adding ? 1 : -1;
    left += adding ? -1 : 1;
  }
  RAA_DCHECK(left == 0) << "components fall " << left
                        << " tenths short of score " << score;
}

}  // namespace raa::matcher::internal
