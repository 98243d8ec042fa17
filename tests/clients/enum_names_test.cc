// The API's enum value names against the spellings users know (issue 7
// renamed every value to carry its enum's prefix;
// common/enum_names.h).
#include "common/enum_names.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/common.pb.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa {
namespace {

using google::protobuf::EnumDescriptor;

struct Renamed {
  const EnumDescriptor* type;
  std::string name;      // the API's name now
  std::string old_name;  // the name before issue 7
};

// Every value issue 7 renamed, written out by hand (the sed script of the
// rename): the old names users typed and read.
const std::vector<Renamed>& RenamedValues() {
  static const auto* const kRenamed = new std::vector<Renamed>{
      {v1::Role_descriptor(), "ROLE_REGISTRAR", "REGISTRAR"},
      {v1::Role_descriptor(), "ROLE_FAMILY_FINDER", "FAMILY_FINDER"},
      {v1::Role_descriptor(), "ROLE_FINANCE", "FINANCE"},
      {v1::Role_descriptor(), "ROLE_MANAGER", "MANAGER"},
      {v1::AuthorityKind_descriptor(), "AUTHORITY_KIND_LOCAL_AUTHORITY",
       "LOCAL_AUTHORITY"},
      {v1::AuthorityKind_descriptor(),
       "AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY", "VOLUNTARY_ADOPTION_AGENCY"},
      {v1::AuthorityKind_descriptor(),
       "AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY", "REGIONAL_ADOPTION_AGENCY"},
      {v1::AuthorityStatus_descriptor(), "AUTHORITY_STATUS_ACTIVE",
       "AUTHORITY_ACTIVE"},
      {v1::AuthorityStatus_descriptor(), "AUTHORITY_STATUS_WITHDRAWN",
       "AUTHORITY_WITHDRAWN"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_PHYSICAL_DISABILITY",
       "PHYSICAL_DISABILITY"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_LEARNING_DISABILITY",
       "LEARNING_DISABILITY"},
      {v1::NeedCategory_descriptor(),
       "NEED_CATEGORY_GLOBAL_DEVELOPMENTAL_DELAY",
       "GLOBAL_DEVELOPMENTAL_DELAY"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_MEDICAL_CONDITION",
       "MEDICAL_CONDITION"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_EMOTIONAL_AND_BEHAVIOURAL",
       "EMOTIONAL_AND_BEHAVIOURAL"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_FOETAL_ALCOHOL_SPECTRUM",
       "FOETAL_ALCOHOL_SPECTRUM"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_SEXUALISED_BEHAVIOUR",
       "SEXUALISED_BEHAVIOUR"},
      {v1::NeedCategory_descriptor(),
       "NEED_CATEGORY_UNCERTAIN_DEVELOPMENTAL_PROGNOSIS",
       "UNCERTAIN_DEVELOPMENTAL_PROGNOSIS"},
      {v1::NeedCategory_descriptor(), "NEED_CATEGORY_ATTACHMENT_DIFFICULTIES",
       "ATTACHMENT_DIFFICULTIES"},
      {v1::Heritage_descriptor(), "HERITAGE_WHITE_BRITISH", "WHITE_BRITISH"},
      {v1::Heritage_descriptor(), "HERITAGE_WHITE_IRISH", "WHITE_IRISH"},
      {v1::Heritage_descriptor(), "HERITAGE_WHITE_GYPSY_OR_IRISH_TRAVELLER",
       "WHITE_GYPSY_OR_IRISH_TRAVELLER"},
      {v1::Heritage_descriptor(), "HERITAGE_WHITE_ROMA", "WHITE_ROMA"},
      {v1::Heritage_descriptor(), "HERITAGE_WHITE_OTHER", "WHITE_OTHER"},
      {v1::Heritage_descriptor(), "HERITAGE_MIXED_WHITE_AND_BLACK_CARIBBEAN",
       "MIXED_WHITE_AND_BLACK_CARIBBEAN"},
      {v1::Heritage_descriptor(), "HERITAGE_MIXED_WHITE_AND_BLACK_AFRICAN",
       "MIXED_WHITE_AND_BLACK_AFRICAN"},
      {v1::Heritage_descriptor(), "HERITAGE_MIXED_WHITE_AND_ASIAN",
       "MIXED_WHITE_AND_ASIAN"},
      {v1::Heritage_descriptor(), "HERITAGE_MIXED_OTHER", "MIXED_OTHER"},
      {v1::Heritage_descriptor(), "HERITAGE_ASIAN_INDIAN", "ASIAN_INDIAN"},
      {v1::Heritage_descriptor(), "HERITAGE_ASIAN_PAKISTANI",
       "ASIAN_PAKISTANI"},
      {v1::Heritage_descriptor(), "HERITAGE_ASIAN_BANGLADESHI",
       "ASIAN_BANGLADESHI"},
      {v1::Heritage_descriptor(), "HERITAGE_ASIAN_CHINESE", "ASIAN_CHINESE"},
      {v1::Heritage_descriptor(), "HERITAGE_ASIAN_OTHER", "ASIAN_OTHER"},
      {v1::Heritage_descriptor(), "HERITAGE_BLACK_AFRICAN", "BLACK_AFRICAN"},
      {v1::Heritage_descriptor(), "HERITAGE_BLACK_CARIBBEAN",
       "BLACK_CARIBBEAN"},
      {v1::Heritage_descriptor(), "HERITAGE_BLACK_OTHER", "BLACK_OTHER"},
      {v1::Heritage_descriptor(), "HERITAGE_OTHER_ARAB", "OTHER_ARAB"},
      {v1::Heritage_descriptor(), "HERITAGE_OTHER_ETHNIC_GROUP",
       "OTHER_ETHNIC_GROUP"},
      {v1::Religion_descriptor(), "RELIGION_NO_RELIGION", "NO_RELIGION"},
      {v1::Religion_descriptor(), "RELIGION_CHRISTIAN", "CHRISTIAN"},
      {v1::Religion_descriptor(), "RELIGION_BUDDHIST", "BUDDHIST"},
      {v1::Religion_descriptor(), "RELIGION_HINDU", "HINDU"},
      {v1::Religion_descriptor(), "RELIGION_JEWISH", "JEWISH"},
      {v1::Religion_descriptor(), "RELIGION_MUSLIM", "MUSLIM"},
      {v1::Religion_descriptor(), "RELIGION_SIKH", "SIKH"},
      {v1::Religion_descriptor(), "RELIGION_OTHER_RELIGION", "OTHER_RELIGION"},
      {v1::ContactPlan_descriptor(), "CONTACT_PLAN_NONE", "CONTACT_NONE"},
      {v1::ContactPlan_descriptor(), "CONTACT_PLAN_LETTERBOX",
       "CONTACT_LETTERBOX"},
      {v1::ContactPlan_descriptor(), "CONTACT_PLAN_DIRECT", "CONTACT_DIRECT"},
      {v1::EarlyPermanence_descriptor(),
       "EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION", "FOSTERING_FOR_ADOPTION"},
      {v1::EarlyPermanence_descriptor(), "EARLY_PERMANENCE_CONCURRENT_PLANNING",
       "CONCURRENT_PLANNING"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_WAITING", "CHILD_WAITING"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_LINKED", "CHILD_LINKED"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_MATCHED", "CHILD_MATCHED"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_PLACED", "CHILD_PLACED"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_ADOPTED", "CHILD_ADOPTED"},
      {v1::ChildStatus_descriptor(), "CHILD_STATUS_WITHDRAWN",
       "CHILD_WITHDRAWN"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_STAGE_ONE",
       "ADOPTER_STAGE_ONE"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_STAGE_TWO",
       "ADOPTER_STAGE_TWO"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_APPROVED",
       "ADOPTER_APPROVED"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_LINKED",
       "ADOPTER_LINKED"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_MATCHED",
       "ADOPTER_MATCHED"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_PLACED",
       "ADOPTER_PLACED"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_ON_HOLD",
       "ADOPTER_ON_HOLD"},
      {v1::AdopterStatus_descriptor(), "ADOPTER_STATUS_WITHDRAWN",
       "ADOPTER_WITHDRAWN"},
      {v1::AlertKind_descriptor(), "ALERT_KIND_NEW_FIT", "ALERT_NEW_FIT"},
      {v1::AlertKind_descriptor(), "ALERT_KIND_FOLLOW_ENDED",
       "ALERT_FOLLOW_ENDED"},
      {v1::FollowState_descriptor(), "FOLLOW_STATE_ACTIVE", "FOLLOW_ACTIVE"},
      {v1::FollowState_descriptor(), "FOLLOW_STATE_ENDED", "FOLLOW_ENDED"},
      {v1::RegionKind_descriptor(), "REGION_KIND_COUNTRY", "COUNTRY"},
      {v1::RegionKind_descriptor(), "REGION_KIND_ENGLISH_REGION",
       "ENGLISH_REGION"},
      {v1::RegionKind_descriptor(), "REGION_KIND_COUNTY", "COUNTY"},
      {v1::RegionKind_descriptor(), "REGION_KIND_LOCAL_AUTHORITY_AREA",
       "LOCAL_AUTHORITY_AREA"},
      {v1::RegionKind_descriptor(), "REGION_KIND_CONSORTIUM_AREA",
       "CONSORTIUM_AREA"},
  };
  return *kRenamed;
}

// Every enum of the API, from the files of its three services.
std::vector<const EnumDescriptor*> ApiEnums() {
  std::vector<const EnumDescriptor*> out;
  std::set<std::string> seen;
  for (const google::protobuf::FileDescriptor* service_file :
       {v1::Child::descriptor()->file(), v1::ApiKey::descriptor()->file(),
        v1::MatchAlert::descriptor()->file()}) {
    std::vector<const google::protobuf::FileDescriptor*> files = {service_file};
    for (int i = 0; i < service_file->dependency_count(); ++i) {
      files.push_back(service_file->dependency(i));
    }
    for (const auto* file : files) {
      if (file->package() != "raa.v1" || !seen.insert(file->name()).second) {
        continue;
      }
      for (int i = 0; i < file->enum_type_count(); ++i) {
        out.push_back(file->enum_type(i));
      }
    }
  }
  return out;
}

TEST(EnumNamesTest, EveryRenamedValueKeepsItsOldSpelling) {
  for (const Renamed& r : RenamedValues()) {
    const auto* value = r.type->FindValueByName(r.name);
    ASSERT_NE(value, nullptr) << r.name;
    EXPECT_EQ(LegacyEnumName(r.type, value->number()), r.old_name);
  }
}

TEST(EnumNamesTest, EveryOtherValueIsSpelledAsTheApiSpellsIt) {
  std::set<std::string> renamed;
  for (const Renamed& r : RenamedValues()) renamed.insert(r.name);
  int values = 0;
  for (const EnumDescriptor* type : ApiEnums()) {
    for (int i = 0; i < type->value_count(); ++i) {
      const auto* value = type->value(i);
      ++values;
      if (renamed.count(value->name()) == 0) {
        EXPECT_EQ(LegacyEnumName(type, value->number()), value->name());
      }
    }
  }
  EXPECT_GT(values, static_cast<int>(renamed.size()));
}

// What buf lint's ENUM_VALUE_PREFIX checks, so that a value added without
// the prefix fails here too, not only in scripts/check-api.sh.
TEST(EnumNamesTest, EveryValueCarriesItsEnumsPrefix) {
  EXPECT_EQ(EnumValuePrefix(v1::SexPreference_descriptor()), "SEX_PREFERENCE_");
  EXPECT_EQ(EnumValuePrefix(v1::Role_descriptor()), "ROLE_");
  for (const EnumDescriptor* type : ApiEnums()) {
    for (int i = 0; i < type->value_count(); ++i) {
      EXPECT_THAT(type->value(i)->name(),
                  ::testing::StartsWith(EnumValuePrefix(type)));
    }
  }
}

TEST(EnumNamesTest, TheSuffixIsTheValueWithoutItsEnumsPrefix) {
  EXPECT_EQ(EnumValueSuffix(v1::AuthorityKind_descriptor(),
                            v1::AUTHORITY_KIND_LOCAL_AUTHORITY),
            "LOCAL_AUTHORITY");
  EXPECT_EQ(EnumValueSuffix(v1::AdopterStatus_descriptor(),
                            v1::ADOPTER_STATUS_ON_HOLD),
            "ON_HOLD");
  EXPECT_EQ(EnumValueSuffix(v1::Role_descriptor(), v1::ROLE_UNSPECIFIED),
            "UNSPECIFIED");
  EXPECT_EQ(EnumValueSuffix(v1::Role_descriptor(), 99), "");
  EXPECT_EQ(EnumValueWords(v1::AdopterStatus_descriptor(),
                           v1::ADOPTER_STATUS_STAGE_TWO),
            "stage two");
  EXPECT_EQ(EnumValueWords(v1::ChildStatus_descriptor(), 99), "unknown");
}

TEST(EnumNamesTest, UnspecifiedAndUnknownValuesAreSpelledAsProtobufDoes) {
  EXPECT_EQ(LegacyEnumName(v1::CHILD_STATUS_UNSPECIFIED),
            "CHILD_STATUS_UNSPECIFIED");
  EXPECT_EQ(LegacyEnumName(v1::EARLY_PERMANENCE_NONE), "EARLY_PERMANENCE_NONE");
  EXPECT_EQ(LegacyEnumName(v1::SEX_FEMALE), "SEX_FEMALE");
  EXPECT_EQ(LegacyEnumName(v1::ChildStatus_descriptor(), 99), "");
}

}  // namespace
}  // namespace raa
