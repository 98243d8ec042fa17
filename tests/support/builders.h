// The tests' fixed "today" and the profiles they start from: each test takes
// one and changes the one thing it is about.
//
//   v1::Child child = ValidChild();
//   child.set_summary("call 0114 273 4567");  // now it must be refused
//
//   v1::Child brothers = ChildProfile({84, 60});
//   v1::Adopter family = ApprovedHousehold(2, 48, 120);  // fits them
//
// Every function returns a new value; thread-safe.
#ifndef RAAMATCH_TESTS_SUPPORT_BUILDERS_H_
#define RAAMATCH_TESTS_SUPPORT_BUILDERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/type/date.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa::test {

// The tests' "today": 2026-11-01 (GMT, so the same day in UTC and London).
absl::CivilDay Today();
// Noon on Today(): where every test's FakeClock starts.
absl::Time TestNow();

google::type::Date MakeDate(int year, int month, int day);

// A profile that passes validation on Today(): one boy of 7 with a moderate
// learning disability, letterbox contact, a summary with no identifiers.
v1::Child ValidChild();
// An approved household in south-yorkshire, approved for 2 children aged
// 0-60 months, who would consider mild learning disability.
v1::Adopter ValidAdopter();

// A request to create `child` / `adopter` in `authority` under `request_id`.
v1::CreateChildRequest CreateChildRequestFor(absl::string_view authority,
                                             const v1::Child& child,
                                             std::string request_id);
v1::CreateAdopterRequest CreateAdopterRequestFor(absl::string_view authority,
                                                 const v1::Adopter& adopter,
                                                 std::string request_id);
// A local authority in `region`.
v1::Authority ValidAuthority(absl::string_view display_name,
                             absl::string_view region);

// A profile that passes validation on Today(): one boy per age in
// `ages_months`, White British, English-speaking, each with mild attachment
// difficulties (and no other need); letterbox contact, no early permanence;
// waiting since a SHOBPA decision on 2025-08-04 (more than a year).
v1::Child ChildProfile(const std::vector<int>& ages_months);

// An approved household (approved 2025-09-01) in south-yorkshire: approved
// for `approved_for` children aged `min_age_months`-`max_age_months`, any
// sex, would consider severe attachment difficulties and no other need;
// White British, Christian, English-speaking, would support direct contact.
// With ChildProfile({84}) and (1, 48, 120) every score component is high.
v1::Adopter ApprovedHousehold(int approved_for, int min_age_months,
                              int max_age_months);
// `adopter` approved on `approved` instead, having registered its interest
// and applied before (a link is not opened before the household's
// approval, so a link opened in the past needs a household approved before
// it).
v1::Adopter ApprovedOn(v1::Adopter adopter, absl::CivilDay approved);

// The row number in "authorities/a/children/c12" or ".../adopters/h12"; -1
// if the name is malformed.
int64_t RowIdOf(absl::string_view name);

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_BUILDERS_H_
