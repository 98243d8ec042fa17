// raa's users keep the enum spellings they know after issue 7 renamed the
// API's values: in labels and cells (clients/lib/profile_text.h) and in JSON
// (clients/lib/user_json.h).
#include "clients/lib/user_json.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "clients/lib/profile_text.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Child SomeChild() {
  v1::Child child;
  child.set_name("authorities/sheffield/children/c1");
  child.set_status(v1::CHILD_STATUS_WAITING);
  child.set_contact_plan(v1::CONTACT_PLAN_LETTERBOX);
  child.set_early_permanence(v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION);
  v1::ChildMember* m = child.add_members();
  m->set_age_months(50);
  m->set_sex(v1::SEX_MALE);
  m->set_heritage(v1::HERITAGE_WHITE_BRITISH);
  m->set_religion(v1::RELIGION_NO_RELIGION);
  v1::Need* need = m->add_needs();
  need->set_category(v1::NEED_CATEGORY_MEDICAL_CONDITION);
  need->set_level(v1::NEED_LEVEL_MILD);
  child.set_summary("Says CHILD_STATUS_WAITING and CONTACT_PLAN_NONE in words");
  return child;
}

std::string ProtobufJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

TEST(UserJsonTest, EnumValuesArePrintedWithTheSpellingsUsersKnow) {
  const v1::Child child = SomeChild();
  const std::string json = ToUserJson(child, JsonLayout::kIndented);
  // Exactly protobuf's JSON, with only the renamed values' names changed
  // (the summary is free text and is never touched).
  std::string expected = ProtobufJson(child);
  for (const auto& [now, before] :
       {std::pair<std::string, std::string>{"\"CHILD_STATUS_WAITING\"",
                                            "\"CHILD_WAITING\""},
        {"\"CONTACT_PLAN_LETTERBOX\"", "\"CONTACT_LETTERBOX\""},
        {"\"EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION\"",
         "\"FOSTERING_FOR_ADOPTION\""},
        {"\"HERITAGE_WHITE_BRITISH\"", "\"WHITE_BRITISH\""},
        {"\"RELIGION_NO_RELIGION\"", "\"NO_RELIGION\""},
        {"\"NEED_CATEGORY_MEDICAL_CONDITION\"", "\"MEDICAL_CONDITION\""}}) {
    ASSERT_THAT(expected, HasSubstr(now));
    absl::StrReplaceAll({{now, before}}, &expected);
  }
  EXPECT_EQ(json, expected);
  EXPECT_THAT(json, HasSubstr("\"SEX_MALE\""));
  EXPECT_THAT(json, HasSubstr("\"NEED_LEVEL_MILD\""));
}

TEST(UserJsonTest, OneLineJsonHasNoNewlines) {
  v1::MatchAlert alert;
  alert.set_kind(v1::ALERT_KIND_NEW_FIT);
  alert.set_score(95);
  EXPECT_EQ(ToUserJson(alert, JsonLayout::kOneLine),
            R"({"score":95,"kind":"ALERT_NEW_FIT"})");
  v1::Follow follow;
  follow.set_state(v1::FOLLOW_STATE_ACTIVE);
  EXPECT_EQ(ToUserJson(follow, JsonLayout::kOneLine),
            R"({"state":"FOLLOW_ACTIVE"})");
}

TEST(UserJsonTest, AFileWrittenBeforeTheRenameStillReads) {
  v1::Child child;
  ASSERT_TRUE(FromUserJson(
                  R"({"members": [{"age_months": 50, "sex": "SEX_MALE",
                      "heritage": "WHITE_BRITISH", "religion": "NO_RELIGION",
                      "needs": [{"category": "MEDICAL_CONDITION",
                                 "level": "NEED_LEVEL_MILD"}]}],
                      "contact_plan": "CONTACT_LETTERBOX",
                      "early_permanence": "FOSTERING_FOR_ADOPTION",
                      "status": "CHILD_WAITING",
                      "name": "authorities/sheffield/children/c1",
                      "summary": "Says CHILD_STATUS_WAITING and CONTACT_PLAN_NONE in words"})",
                  child)
                  .ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(child, SomeChild()))
      << child.DebugString();
}

TEST(UserJsonTest, TheApisOwnNamesAndPrintedJsonReadToo) {
  v1::Child child;
  ASSERT_TRUE(FromUserJson(ProtobufJson(SomeChild()), child).ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(child, SomeChild()));
  v1::Child again;
  ASSERT_TRUE(
      FromUserJson(ToUserJson(SomeChild(), JsonLayout::kOneLine), again).ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(again, SomeChild()));
  v1::Adopter mixed;
  ASSERT_TRUE(FromUserJson(R"({"status": "ADOPTER_STATUS_APPROVED",
                               "max_contact": "CONTACT_DIRECT"})",
                           mixed)
                  .ok());
  EXPECT_EQ(mixed.status(), v1::ADOPTER_STATUS_APPROVED);
  EXPECT_EQ(mixed.max_contact(), v1::CONTACT_PLAN_DIRECT);
}

TEST(UserJsonTest, ReadingReplacesWhatTheMessageHeld) {
  v1::Child child = SomeChild();
  ASSERT_TRUE(FromUserJson(R"({"summary": "new"})", child).ok());
  EXPECT_EQ(child.summary(), "new");
  EXPECT_EQ(child.members_size(), 0);
}

TEST(UserJsonTest, AnUnknownValueIsRefusedNamingIt) {
  v1::Child child;
  absl::Status s = FromUserJson(R"({"contact_plan": "WEEKLY"})", child);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("WEEKLY"));
  s = FromUserJson("{not json", child);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(UserJsonTest, MessagesOfOtherPackagesArePrintedAsProtobufDoes) {
  google::type::Date date;
  date.set_year(2026);
  date.set_month(11);
  date.set_day(1);
  EXPECT_EQ(ToUserJson(date, JsonLayout::kOneLine),
            R"({"year":2026,"month":11,"day":1})");
  google::type::Date read;
  ASSERT_TRUE(
      FromUserJson(R"({"year": 2026, "month": 11, "day": 1})", read).ok());
  EXPECT_EQ(read.day(), 1);
}

// Labels, flags and cells: the value's name without its enum's prefix, in
// lower case, exactly as before the rename.
TEST(EnumLabelTest, LabelsAreTheSpellingsUsersKnow) {
  EXPECT_EQ(EnumLabel(v1::ContactPlan_descriptor(), v1::CONTACT_PLAN_LETTERBOX),
            "letterbox");
  EXPECT_EQ(EnumLabel(v1::AuthorityKind_descriptor(),
                      v1::AUTHORITY_KIND_LOCAL_AUTHORITY),
            "local_authority");
  EXPECT_EQ(EnumLabel(v1::AuthorityStatus_descriptor(),
                      v1::AUTHORITY_STATUS_WITHDRAWN),
            "withdrawn");
  EXPECT_EQ(EnumLabel(v1::Role_descriptor(), v1::ROLE_FAMILY_FINDER),
            "family_finder");
  EXPECT_EQ(
      EnumLabel(v1::AdopterStatus_descriptor(), v1::ADOPTER_STATUS_STAGE_ONE),
      "stage_one");
  EXPECT_EQ(EnumLabel(v1::Religion_descriptor(), v1::RELIGION_NO_RELIGION),
            "no_religion");
  EXPECT_EQ(EnumLabel(v1::RegionKind_descriptor(),
                      v1::REGION_KIND_LOCAL_AUTHORITY_AREA),
            "local_authority_area");
  EXPECT_EQ(EnumLabel(v1::SexPreference_descriptor(), v1::SEX_PREFERENCE_ANY),
            "any");
  EXPECT_EQ(EnumChoices(v1::ContactPlan_descriptor()),
            "none, letterbox or direct");
  EXPECT_EQ(EnumChoices(v1::Role_descriptor()),
            "registrar, family_finder, finance or manager");
}

TEST(EnumLabelTest, CellsTakeTheLabelTheOldNameTheApisNameOrASynonym) {
  for (const char* text :
       {"letterbox", "Letterbox", "CONTACT_LETTERBOX", "contact_letterbox",
        "CONTACT_PLAN_LETTERBOX", "Letterbox contact", "indirect"}) {
    absl::StatusOr<int> v = ParseEnum(v1::ContactPlan_descriptor(), text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(*v, v1::CONTACT_PLAN_LETTERBOX) << text;
  }
  for (const char* text : {"stage 1", "ADOPTER_STAGE_ONE", "stage_one",
                           "ADOPTER_STATUS_STAGE_ONE"}) {
    absl::StatusOr<int> v = ParseEnum(v1::AdopterStatus_descriptor(), text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(*v, v1::ADOPTER_STATUS_STAGE_ONE) << text;
  }
  for (const char* text : {"Asian or Asian British - Indian", "ASIAN_INDIAN",
                           "Indian", "HERITAGE_ASIAN_INDIAN"}) {
    absl::StatusOr<int> v = ParseEnum(v1::Heritage_descriptor(), text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(*v, v1::HERITAGE_ASIAN_INDIAN) << text;
  }
  absl::StatusOr<int> role = ParseEnum(v1::Role_descriptor(), "REGISTRAR");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(*role, v1::ROLE_REGISTRAR);
  absl::StatusOr<int> bad = ParseEnum(v1::ContactPlan_descriptor(), "weekly");
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("is not one of: none, letterbox or direct"));
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("PLAN")));
}

}  // namespace
}  // namespace raa
