// The shipped region and language lists and the suggestions for a mistyped
// name, without a server.
#include "services/registry/regions.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "services/registry/languages.h"
#include "services/registry/spelling.h"
#include "services/registry/validation.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::Today;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

TEST(ShippedRegionsTest, ListEnglandItsRegionsCountiesAndAuthorities) {
  std::unique_ptr<RegionList> regions = RegionList::Shipped();
  EXPECT_EQ(regions->size(), 1 + 9 + 6 + 153);
  EXPECT_THAT(regions->List("", v1::REGION_KIND_ENGLISH_REGION, "", 100).size(),
              9u);
  EXPECT_THAT(regions->List("", v1::REGION_KIND_COUNTY, "", 100).size(), 6u);
  std::vector<v1::Region> authorities =
      regions->List("", v1::REGION_KIND_LOCAL_AUTHORITY_AREA, "", 1000);
  EXPECT_EQ(authorities.size(), 153u);
  for (const v1::Region& a : authorities) {
    std::optional<v1::Region> parent = regions->Find(a.parent());
    ASSERT_TRUE(parent.has_value()) << a.name();
    EXPECT_EQ(parent->kind(), v1::REGION_KIND_ENGLISH_REGION) << a.name();
    EXPECT_TRUE(IsSlug(a.name().substr(8))) << a.name();
  }
  EXPECT_EQ(regions
                ->List("", v1::REGION_KIND_LOCAL_AUTHORITY_AREA,
                       "yorkshire-and-the-humber", 100)
                .size(),
            15u);
  EXPECT_EQ(regions->Find("kingston-upon-hull")->display_name(),
            "Kingston upon Hull, City of");
}

TEST(ShippedRegionsTest, NoMemberCanFillTheMatchingIndex) {
  // Every listed region and language fits in the index at once.
  EXPECT_LE(RegionList::kCapacity, matcher::CandidateIndex::kRegionCapacity);
  EXPECT_LE(KnownLanguageCount(), matcher::CandidateIndex::kLanguageCapacity);
}

TEST(SpellingTest, SuggestsTheClosestNames) {
  std::unique_ptr<RegionList> regions = RegionList::Shipped();
  EXPECT_THAT(regions->Closest("west-yorks"), ElementsAre("west-yorkshire"));
  EXPECT_THAT(regions->Closest("sheffeild"), Contains("sheffield"));
  EXPECT_THAT(regions->Closest("West Yorkshire"),
              ElementsAre("west-yorkshire"));
  EXPECT_THAT(regions->Closest("nowhere-at-all-near-here"), IsEmpty());
  EXPECT_THAT(regions->Closest(std::string(10000, 'a')), IsEmpty());
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(OneOf({"a", "b", "c"}), "\"a\", \"b\" or \"c\"");
}

TEST(RegionListTest, RefusesMoreThanItsCapacity) {
  std::unique_ptr<RegionList> regions = RegionList::Shipped();
  int added = 0;
  absl::Status s;
  while (s.ok()) {
    v1::Region r;
    r.set_name(absl::StrCat("regions/area-", added));
    s = regions->Add(r);
    if (s.ok()) ++added;
  }
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(regions->size(), RegionList::kCapacity);
  EXPECT_EQ(added, RegionList::kCapacity - regions->shipped_count());
}

TEST(LanguagesTest, AcceptIso639CodesAndSuggestForOthers) {
  EXPECT_TRUE(IsKnownLanguage("en"));
  EXPECT_TRUE(IsKnownLanguage("ur"));
  EXPECT_TRUE(IsKnownLanguage("syl"));  // Sylheti
  EXPECT_TRUE(IsKnownLanguage("bfi"));  // British Sign Language
  EXPECT_FALSE(IsKnownLanguage("EN"));
  EXPECT_FALSE(IsKnownLanguage("xx"));
  EXPECT_EQ(UnknownLanguage("en"), std::nullopt);
  EXPECT_THAT(UnknownLanguage("eng"),
              Optional(HasSubstr("use the two-letter code \"en\"")));
  EXPECT_THAT(UnknownLanguage("ger"), Optional(HasSubstr("\"de\"")));
  EXPECT_THAT(UnknownLanguage("Polish"), Optional(HasSubstr("\"pl\"")));
  EXPECT_THAT(UnknownLanguage("pt-BR"), Optional(HasSubstr("\"pt\"")));
  EXPECT_EQ(LanguageName("ur"), "Urdu");
  EXPECT_GE(KnownLanguageCount(), 183);
}

TEST(ValidateNamesTest, ChecksEveryRegionAndLanguageField) {
  std::unique_ptr<RegionList> regions = RegionList::Shipped();
  v1::Child child = ValidChild();
  child.set_region("south-yorks");
  child.add_excluded_regions("west-yorkshire");
  child.add_excluded_regions("west-yorkshire");
  child.mutable_members(0)->set_first_language("xx");
  NormalizeChild(child);
  FieldErrors errors("child");
  ValidateChild(child, Today(), *regions, errors);
  EXPECT_THAT(ViolationFields(errors.ToStatus()),
              ElementsAre("child.region", "child.excluded_regions[1]",
                          "child.members[0].first_language"));

  v1::Adopter adopter = ValidAdopter();
  adopter.add_languages("en");
  NormalizeAdopter(adopter);
  FieldErrors adopter_errors("adopter");
  ValidateAdopter(adopter, Today(), *regions, adopter_errors);
  EXPECT_THAT(ViolationFields(adopter_errors.ToStatus()),
              ElementsAre("adopter.languages[1]"));
}

}  // namespace
}  // namespace raa
