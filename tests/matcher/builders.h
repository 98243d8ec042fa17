// Hand-made households, children and authorities for the matcher tests.

#ifndef RAAMATCH_TESTS_MATCHER_BUILDERS_H_
#define RAAMATCH_TESTS_MATCHER_BUILDERS_H_

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "matcher/model.h"
#include "matcher/policy.h"

namespace raa::matcher::testing {

// 2024-01-01 as a day number.
inline constexpr int32_t kToday = 19723;

inline Household AHousehold(uint64_t key) {
  Household h;
  h.key = key;
  h.authority = "leeds";
  h.available = true;
  h.approved_for = 1;
  h.min_age_months = 0;
  h.max_age_months = 60;
  h.sex_preference = SexPreference::kAny;
  h.max_need.fill(NeedLevel::kModerate);
  h.region = "west-yorkshire";
  h.dual_approved = false;
  h.max_contact = ContactPlan::kLetterbox;
  h.approved_day = kToday - 100;
  return h;
}

inline ChildMember AChild(int age_months, Sex sex = Sex::kFemale) {
  ChildMember m;
  m.age_months = age_months;
  m.sex = sex;
  return m;
}

inline ChildGroup AGroup(uint64_t key, int age_months = 30) {
  ChildGroup g;
  g.key = key;
  g.authority = "leeds";
  g.waiting = true;
  g.members.push_back(AChild(age_months));
  g.region = "west-yorkshire";
  g.contact_plan = ContactPlan::kLetterbox;
  g.waiting_since_day = kToday - 200;
  return g;
}

// An index knowing four authorities: leeds and bradford (local authorities),
// barnardos (a VAA) and one-adoption (an RAA).
inline void AddAuthorities(CandidateIndex& index) {
  ASSERT_TRUE(
      index.UpsertAuthority({"leeds", AuthorityKind::kLocalAuthority, false})
          .ok());
  ASSERT_TRUE(
      index.UpsertAuthority({"bradford", AuthorityKind::kLocalAuthority, false})
          .ok());
  ASSERT_TRUE(
      index
          .UpsertAuthority(
              {"barnardos", AuthorityKind::kVoluntaryAdoptionAgency, false})
          .ok());
  ASSERT_TRUE(
      index
          .UpsertAuthority(
              {"one-adoption", AuthorityKind::kRegionalAdoptionAgency, false})
          .ok());
}

inline CandidateIndex::RankOptions Options(int limit = 20, int min_score = 0) {
  return {.limit = limit, .min_score = min_score, .as_of_day = kToday};
}

inline int Index(Constraint c) { return static_cast<int>(c); }
inline int Index(Component c) { return static_cast<int>(c); }

}  // namespace raa::matcher::testing

#endif  // RAAMATCH_TESTS_MATCHER_BUILDERS_H_
