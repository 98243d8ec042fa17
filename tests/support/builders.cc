#include "tests/support/builders.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace raa::test {

absl::CivilDay Today() { return absl::CivilDay(2026, 11, 1); }

absl::Time TestNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 1, 12, 0, 0),
                         absl::UTCTimeZone());
}

google::type::Date MakeDate(int year, int month, int day) {
  google::type::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

v1::Child ValidChild() {
  v1::Child child;
  v1::ChildMember* member = child.add_members();
  member->set_age_months(84);
  member->set_sex(v1::SEX_MALE);
  v1::Need* need = member->add_needs();
  need->set_category(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  need->set_level(v1::NEED_LEVEL_MODERATE);
  member->set_heritage(v1::HERITAGE_WHITE_BRITISH);
  member->set_religion(v1::RELIGION_NO_RELIGION);
  member->set_first_language("en");
  *child.mutable_ages_as_of() = MakeDate(2026, 10, 1);
  child.set_contact_plan(v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  child.set_summary(
      "Sam, 7, loves football and needs a family who can manage moderate "
      "learning needs");
  v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = MakeDate(2025, 1, 10);
  *journey->mutable_plan_for_adoption() = MakeDate(2025, 6, 2);
  *journey->mutable_shobpa_decision() = MakeDate(2025, 8, 4);
  return child;
}

v1::Adopter ValidAdopter() {
  v1::Adopter adopter;
  adopter.set_status(v1::ADOPTER_STATUS_APPROVED);
  *adopter.mutable_registered_interest_on() = MakeDate(2025, 1, 6);
  *adopter.mutable_applied_on() = MakeDate(2025, 3, 3);
  *adopter.mutable_approved_on() = MakeDate(2025, 9, 1);
  adopter.set_approved_for(2);
  adopter.set_min_age_months(0);
  adopter.set_max_age_months(60);
  adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  v1::NeedLimit* limit = adopter.add_need_limits();
  limit->set_category(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  limit->set_max_level(v1::NEED_LEVEL_MILD);
  adopter.add_heritage(v1::HERITAGE_WHITE_BRITISH);
  adopter.set_religion(v1::RELIGION_CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region("south-yorkshire");
  adopter.set_max_contact(v1::CONTACT_PLAN_LETTERBOX);
  adopter.set_fast_track(v1::FAST_TRACK_NONE);
  return adopter;
}

v1::Authority ValidAuthority(absl::string_view display_name,
                             absl::string_view region) {
  v1::Authority authority;
  authority.set_display_name(std::string(display_name));
  authority.set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
  authority.set_region(std::string(region));
  return authority;
}

v1::Child ChildProfile(const std::vector<int>& ages_months) {
  v1::Child child;
  for (int age : ages_months) {
    v1::ChildMember* member = child.add_members();
    member->set_age_months(age);
    member->set_sex(v1::SEX_MALE);
    v1::Need* need = member->add_needs();
    need->set_category(v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
    need->set_level(v1::NEED_LEVEL_MILD);
    member->set_heritage(v1::HERITAGE_WHITE_BRITISH);
    member->set_religion(v1::RELIGION_NO_RELIGION);
    member->set_first_language("en");
  }
  child.set_must_be_placed_together(ages_months.size() > 1);
  *child.mutable_ages_as_of() = MakeDate(2026, 11, 1);
  child.set_contact_plan(v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_NONE);
  child.set_summary(ages_months.size() > 1
                        ? "Brothers who are close and love the park"
                        : "A boy who loves the park and building dens");
  v1::ChildJourney* journey = child.mutable_journey();
  *journey->mutable_entered_care() = MakeDate(2025, 1, 10);
  *journey->mutable_plan_for_adoption() = MakeDate(2025, 6, 2);
  *journey->mutable_shobpa_decision() = MakeDate(2025, 8, 4);
  return child;
}

v1::Adopter ApprovedHousehold(int approved_for, int min_age_months,
                              int max_age_months) {
  v1::Adopter adopter;
  adopter.set_status(v1::ADOPTER_STATUS_APPROVED);
  *adopter.mutable_registered_interest_on() = MakeDate(2025, 1, 6);
  *adopter.mutable_applied_on() = MakeDate(2025, 3, 3);
  *adopter.mutable_approved_on() = MakeDate(2025, 9, 1);
  adopter.set_approved_for(approved_for);
  adopter.set_min_age_months(min_age_months);
  adopter.set_max_age_months(max_age_months);
  adopter.set_sex_preference(v1::SEX_PREFERENCE_ANY);
  v1::NeedLimit* limit = adopter.add_need_limits();
  limit->set_category(v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES);
  limit->set_max_level(v1::NEED_LEVEL_SEVERE);
  adopter.add_heritage(v1::HERITAGE_WHITE_BRITISH);
  adopter.set_religion(v1::RELIGION_CHRISTIAN);
  adopter.add_languages("en");
  adopter.set_region("south-yorkshire");
  adopter.set_max_contact(v1::CONTACT_PLAN_DIRECT);
  adopter.set_fast_track(v1::FAST_TRACK_NONE);
  return adopter;
}

v1::Adopter ApprovedOn(v1::Adopter adopter, absl::CivilDay approved) {
  auto date = [](absl::CivilDay d) {
    return MakeDate(static_cast<int>(d.year()), d.month(), d.day());
  };
  *adopter.mutable_registered_interest_on() = date(approved - 240);
  *adopter.mutable_applied_on() = date(approved - 180);
  *adopter.mutable_approved_on() = date(approved);
  return adopter;
}

int64_t RowIdOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[3].size() < 2) return -1;
  int64_t row = -1;
  if (!absl::SimpleAtoi(parts[3].substr(1), &row)) return -1;
  return row;
}

v1::CreateChildRequest CreateChildRequestFor(absl::string_view authority,
                                             const v1::Child& child,
                                             std::string request_id) {
  v1::CreateChildRequest request;
  request.set_parent(absl::StrCat("authorities/", authority));
  *request.mutable_child() = child;
  request.set_request_id(std::move(request_id));
  return request;
}

v1::CreateAdopterRequest CreateAdopterRequestFor(absl::string_view authority,
                                                 const v1::Adopter& adopter,
                                                 std::string request_id) {
  v1::CreateAdopterRequest request;
  request.set_parent(absl::StrCat("authorities/", authority));
  *request.mutable_adopter() = adopter;
  request.set_request_id(std::move(request_id));
  return request;
}

}  // namespace raa::test
