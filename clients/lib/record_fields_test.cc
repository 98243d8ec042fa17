// The field tables (common/record_fields.h) agree with the messages they
// describe, and the client's text form follows them: a column added to a
// table without its proto field, its mask path or its text fails here, not
// in a user's update.
#include "common/record_fields.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "clients/lib/profile_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

std::vector<const RecordFields*> Tables() {
  return {&ChildFields(), &AdopterFields()};
}

TEST(RecordFields, EveryProtoPathNamesAFieldOfTheRecord) {
  for (const RecordFields* fields : Tables()) {
    for (const RecordField& f : fields->fields()) {
      EXPECT_NE(FieldAt(MessageOf(*fields), f.proto_path), nullptr)
          << fields->record() << " " << f.column << ": " << f.proto_path;
    }
  }
}

TEST(RecordFields, TheMaskPathIsTheTopLevelFieldOfTheProtoPath) {
  for (const RecordFields* fields : Tables()) {
    for (const RecordField& f : fields->fields()) {
      std::vector<absl::string_view> parts = absl::StrSplit(f.proto_path, '.');
      EXPECT_EQ(f.mask_path, parts.front()) << f.column;
    }
  }
}

TEST(RecordFields, EveryChoicesPathIsAnEnum) {
  for (const RecordFields* fields : Tables()) {
    for (const RecordField& f : fields->fields()) {
      if (f.choices.empty()) continue;
      const google::protobuf::FieldDescriptor* field =
          FieldAt(MessageOf(*fields), f.choices);
      ASSERT_NE(field, nullptr) << f.column;
      EXPECT_NE(field->enum_type(), nullptr) << f.column;
    }
  }
}

TEST(RecordFields, ColumnsAndHeadersAreEachNamedOnce) {
  for (const RecordFields* fields : Tables()) {
    std::set<absl::string_view> columns, headers;
    for (const RecordField& f : fields->fields()) {
      EXPECT_TRUE(columns.insert(f.column).second) << f.column;
      EXPECT_TRUE(headers.insert(f.header).second) << f.header;
    }
  }
}

TEST(RecordFields, AChildsStatusChangesByUpdateButIsNotAColumn) {
  EXPECT_EQ(ChildFields().Find("status"), nullptr);
  EXPECT_TRUE(ChildFields().IsUpdatable("status"));
  EXPECT_TRUE(AdopterFields().IsUpdatable("status"));
  EXPECT_FALSE(ChildFields().IsUpdatable("name"));
  EXPECT_FALSE(AdopterFields().IsUpdatable("withdraw_reason"));
  EXPECT_THAT(ChildFields().UpdatablePaths(),
              ElementsAre("ages_as_of", "members", "must_be_placed_together",
                          "contact_plan", "early_permanence", "region",
                          "excluded_regions", "hidden_from", "journey",
                          "summary", "status"));
}

TEST(RecordFields, TheRequiredColumnsAreThoseANewRecordNeeds) {
  EXPECT_THAT(ChildFields().RequiredColumns(),
              ElementsAre("ages_as_of", "age_months", "sex", "contact_plan",
                          "entered_care"));
  EXPECT_THAT(AdopterFields().RequiredColumns(),
              ElementsAre("status", "registered_interest_on", "approved_for",
                          "region", "max_contact"));
}

TEST(ProfileText, TheTextFormHasEveryColumnOfTheTable) {
  std::vector<std::string> child_keys, adopter_keys;
  for (const auto& [column, text] : ChildToText(v1::Child())) {
    child_keys.push_back(column);
  }
  for (const auto& [column, text] : AdopterToText(v1::Adopter())) {
    adopter_keys.push_back(column);
  }
  EXPECT_THAT(child_keys, UnorderedElementsAreArray(ChildFields().Columns()));
  EXPECT_THAT(adopter_keys,
              UnorderedElementsAreArray(AdopterFields().Columns()));
}

TEST(ProfileText, AnUpdateNamesEachColumnsMaskPathOnceInReadingOrder) {
  v1::Child child;
  auto paths = ChildFromText({{"summary", "Loves music"},
                              {"placement_order", "2025-10-01"},
                              {"entered_care", "2025-01-01"},
                              {"sex", "f"},
                              {"age_months", "30"}},
                             child);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("members", "journey", "summary"));
  EXPECT_EQ(child.journey().placement_order().month(), 10);

  v1::Adopter adopter;
  auto adopter_paths =
      AdopterFromText({{"max_age_months", "60"}, {"fast_track", ""}}, adopter);
  ASSERT_TRUE(adopter_paths.ok()) << adopter_paths.status();
  EXPECT_THAT(*adopter_paths, ElementsAre("fast_track", "max_age_months"));
}

TEST(ProfileText, HelpListsAnEnumColumnsChoices) {
  EXPECT_EQ(ColumnHelp(ChildFields(), *ChildFields().Find("contact_plan")),
            "the contact plan: none, letterbox or direct");
  EXPECT_EQ(ColumnHelp(AdopterFields(), *AdopterFields().Find("region")),
            "region slug (south-yorkshire)");
}

}  // namespace
}  // namespace raa
