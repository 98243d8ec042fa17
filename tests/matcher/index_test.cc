// The index's bookkeeping: validation, errors, replace and remove, open-link
// counts, interning limits.

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "tests/matcher/builders.h"

namespace raa::matcher {
namespace {

using ::raa::matcher::testing::AChild;
using ::raa::matcher::testing::AddAuthorities;
using ::raa::matcher::testing::AGroup;
using ::raa::matcher::testing::AHousehold;
using ::raa::matcher::testing::kToday;
using ::raa::matcher::testing::Options;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { AddAuthorities(index_); }
  absl::StatusCode HouseholdCode(const Household& h) {
    return index_.UpsertHousehold(h).code();
  }
  absl::StatusCode ChildCode(const ChildGroup& g) {
    return index_.UpsertChild(g).code();
  }
  CandidateIndex index_;
  MatchingPolicy policy_;
};

TEST_F(IndexTest, RejectsBadAuthorities) {
  EXPECT_EQ(index_.UpsertAuthority({"", AuthorityKind::kLocalAuthority, false})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index_.UpsertAuthority({"x", static_cast<AuthorityKind>(9), false})
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(IndexTest, RejectsBadHouseholds) {
  constexpr auto kBad = absl::StatusCode::kInvalidArgument;
  Household h = AHousehold(1);
  h.authority = "nowhere";
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.approved_for = 0;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h.approved_for = 6;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.min_age_months = 50;
  h.max_age_months = 40;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h.min_age_months = -1;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h.min_age_months = 0;
  h.max_age_months = 217;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.max_need[2] = static_cast<NeedLevel>(4);
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.sex_preference = static_cast<SexPreference>(3);
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.max_contact = static_cast<ContactPlan>(3);
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.region = "";
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.excluded_regions = {""};
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.languages = {""};
  EXPECT_EQ(HouseholdCode(h), kBad);
  h = AHousehold(1);
  h.approved_day = -2;
  EXPECT_EQ(HouseholdCode(h), kBad);
  h.approved_day = 65535;  // after 2149: beyond the packed 16-bit day
  EXPECT_EQ(HouseholdCode(h), kBad);
  EXPECT_EQ(index_.household_count(), 0u);
  h.approved_day = 65534;
  EXPECT_EQ(HouseholdCode(h), absl::StatusCode::kOk);
  EXPECT_EQ(index_.FindHousehold(1)->approved_day, 65534);
  h.approved_day = -1;
  EXPECT_EQ(HouseholdCode(h), absl::StatusCode::kOk);
  EXPECT_EQ(index_.FindHousehold(1)->approved_day, -1);
  index_.RemoveHousehold(1);
  // A hidden_from entry does not make an authority known.
  ChildGroup g = AGroup(1);
  g.hidden_from = {"ghost"};
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  h = AHousehold(1);
  h.authority = "ghost";
  EXPECT_EQ(HouseholdCode(h), kBad);
  ASSERT_TRUE(
      index_.UpsertAuthority({"ghost", AuthorityKind::kLocalAuthority, false})
          .ok());
  EXPECT_EQ(HouseholdCode(h), absl::StatusCode::kOk);
}

TEST_F(IndexTest, RejectsBadChildren) {
  constexpr auto kBad = absl::StatusCode::kInvalidArgument;
  ChildGroup g = AGroup(1);
  g.members.clear();
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  for (int i = 0; i < 8; ++i) g.members.push_back(AChild(10));
  EXPECT_EQ(ChildCode(g), kBad);  // 9 children
  g = AGroup(1, 217);
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1, -1);
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.members[0].sex = static_cast<Sex>(2);
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.members[0].needs[8] = static_cast<NeedLevel>(7);
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.authority = "nowhere";
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.region = "";
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.contact_plan = static_cast<ContactPlan>(5);
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.waiting_since_day = -5;
  EXPECT_EQ(ChildCode(g), kBad);
  g = AGroup(1);
  g.hidden_from = {""};
  EXPECT_EQ(ChildCode(g), kBad);
  EXPECT_EQ(index_.child_count(), 0u);
}

TEST_F(IndexTest, ErrorsOfQueries) {
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(100)).ok());
  ChildGroup idle = AGroup(2);
  idle.waiting = false;
  ASSERT_TRUE(index_.UpsertChild(idle).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(1)).ok());

  EXPECT_EQ(index_.RankHouseholds(9, policy_, Options()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(index_.RankHouseholds(2, policy_, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_.RankChildren(9, policy_, Options()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(index_.ExplainPair(9, 100, policy_, kToday).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(index_.ExplainPair(1, 9, policy_, kToday).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(index_.ExplainPair(1, 100, policy_, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index_.ScorePair(9, 100, policy_, kToday), std::nullopt);

  MatchingPolicy bad;
  bad.weights.fill(0);
  EXPECT_EQ(index_.RankHouseholds(1, bad, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index_.RankChildren(100, bad, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index_.ExplainPair(1, 100, bad, kToday).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index_.ScorePair(1, 100, bad, kToday), std::nullopt);
  for (const CandidateIndex::RankOptions& o :
       {Options(0), Options(10001), Options(20, -1), Options(20, 101),
        CandidateIndex::RankOptions{
            .limit = 5, .min_score = 0, .as_of_day = -1}}) {
    EXPECT_EQ(index_.RankHouseholds(1, policy_, o).status().code(),
              absl::StatusCode::kInvalidArgument);
  }

  // The searching side's authority has withdrawn.
  ASSERT_TRUE(
      index_.UpsertAuthority({"leeds", AuthorityKind::kLocalAuthority, true})
          .ok());
  EXPECT_EQ(index_.RankHouseholds(1, policy_, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_.RankChildren(100, policy_, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(IndexTest, ReplaceAndRemove) {
  for (uint64_t key = 1; key <= 5; ++key) {
    ASSERT_TRUE(index_.UpsertHousehold(AHousehold(key)).ok());
  }
  ASSERT_TRUE(index_.UpsertChild(AGroup(50)).ok());
  EXPECT_EQ(index_.household_count(), 5u);

  Household h = AHousehold(3);
  h.available = false;
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  EXPECT_EQ(index_.household_count(), 5u);
  EXPECT_FALSE(index_.FindHousehold(3)->available);

  index_.RemoveHousehold(1);  // the last slot moves into slot 0
  index_.RemoveHousehold(1);  // no-op
  index_.RemoveHousehold(77);
  EXPECT_EQ(index_.household_count(), 4u);
  EXPECT_FALSE(index_.FindHousehold(1).has_value());
  ASSERT_TRUE(index_.FindHousehold(5).has_value());
  EXPECT_EQ(index_.FindHousehold(5)->key, 5u);

  absl::StatusOr<RankResult> r = index_.RankHouseholds(50, policy_, Options());
  ASSERT_TRUE(r.ok());
  std::vector<uint64_t> keys;
  for (const RankedCandidate& c : r->candidates) keys.push_back(c.key);
  EXPECT_THAT(keys, ::testing::ElementsAre(2, 4, 5));
  EXPECT_EQ(r->excluded[static_cast<int>(Constraint::kNotAvailable)], 1);

  index_.RemoveChild(50);
  index_.RemoveChild(50);
  EXPECT_EQ(index_.child_count(), 0u);
  EXPECT_EQ(index_.RankHouseholds(50, policy_, Options()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IndexTest, FindRoundTrips) {
  Household h = AHousehold(7);
  h.excluded_regions = {"north-yorkshire", "humber"};
  h.languages = {"Urdu", "English"};
  h.max_need[4] = NeedLevel::kSevere;
  h.max_need[5] = NeedLevel::kNone;
  h.sex_preference = SexPreference::kFemale;
  h.heritage_mask = 0xF0;
  h.religion = 9;
  h.dual_approved = true;
  h.max_contact = ContactPlan::kDirect;
  ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  std::optional<Household> back = index_.FindHousehold(7);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->authority, h.authority);
  EXPECT_EQ(back->available, h.available);
  EXPECT_EQ(back->approved_for, h.approved_for);
  EXPECT_EQ(back->min_age_months, h.min_age_months);
  EXPECT_EQ(back->max_age_months, h.max_age_months);
  EXPECT_EQ(back->sex_preference, h.sex_preference);
  EXPECT_EQ(back->max_need, h.max_need);
  EXPECT_EQ(back->region, h.region);
  EXPECT_THAT(back->excluded_regions,
              ::testing::UnorderedElementsAreArray(h.excluded_regions));
  EXPECT_THAT(back->languages,
              ::testing::UnorderedElementsAreArray(h.languages));
  EXPECT_EQ(back->dual_approved, h.dual_approved);
  EXPECT_EQ(back->max_contact, h.max_contact);
  EXPECT_EQ(back->heritage_mask, h.heritage_mask);
  EXPECT_EQ(back->religion, h.religion);
  EXPECT_EQ(back->approved_day, h.approved_day);

  ChildGroup g = AGroup(8);
  g.hidden_from = {"bradford"};
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  ASSERT_TRUE(index_.FindChild(8).has_value());
  EXPECT_EQ(index_.FindChild(8)->hidden_from, g.hidden_from);
  EXPECT_FALSE(index_.FindChild(9).has_value());
}

TEST_F(IndexTest, OpenLinksAreKeptByKey) {
  index_.SetOpenLinks(100, 6);  // before the household exists
  EXPECT_EQ(index_.OpenLinks(100), 6);
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(100)).ok());
  ASSERT_TRUE(index_.UpsertChild(AGroup(1)).ok());
  EXPECT_FALSE(index_.ScorePair(1, 100, policy_, kToday));
  // Survives replace and remove/re-insert.
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(100)).ok());
  EXPECT_FALSE(index_.ScorePair(1, 100, policy_, kToday));
  index_.RemoveHousehold(100);
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(100)).ok());
  EXPECT_FALSE(index_.ScorePair(1, 100, policy_, kToday));
  index_.SetOpenLinks(100, -3);
  EXPECT_EQ(index_.OpenLinks(100), 0);
  EXPECT_TRUE(index_.ScorePair(1, 100, policy_, kToday));
  index_.SetOpenLinks(100, 1000);  // saturates, still over any limit
  MatchingPolicy generous;
  generous.max_open_links = 20;
  EXPECT_FALSE(index_.ScorePair(1, 100, generous, kToday));
}

TEST_F(IndexTest, RegionLimitIsAllOrNothing) {
  // west-yorkshire plus region-1..region-255 take all 256 region ids.
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(1)).ok());
  for (int i = 1; i < 256; ++i) {
    Household h = AHousehold(1000 + i);
    h.region = absl::StrCat("region-", i);
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  Household h = AHousehold(5000);
  h.excluded_regions = {"region-1", "one-too-many"};
  EXPECT_EQ(index_.UpsertHousehold(h).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(index_.FindHousehold(5000).has_value());
  h.excluded_regions = {"region-1", "region-255"};
  EXPECT_TRUE(index_.UpsertHousehold(h).ok());
  ChildGroup g = AGroup(1);
  g.region = "one-too-many";
  EXPECT_EQ(index_.UpsertChild(g).code(), absl::StatusCode::kInvalidArgument);
  g.region = "region-255";
  EXPECT_TRUE(index_.UpsertChild(g).ok());
}

TEST_F(IndexTest, LanguageLimit) {
  for (int i = 0; i < 256; ++i) {
    Household h = AHousehold(1 + i);
    h.languages = {absl::StrCat("language-", i)};
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  Household h = AHousehold(1000);
  h.languages = {"language-257"};
  absl::Status refused = index_.UpsertHousehold(h);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  // The refusal names the field, not an internal key.
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("languages: "));
  EXPECT_THAT(std::string(refused.message()),
              ::testing::Not(::testing::HasSubstr("1000")));
  ChildGroup g = AGroup(1);
  g.members[0].first_language = "language-257";
  EXPECT_EQ(index_.UpsertChild(g).code(), absl::StatusCode::kInvalidArgument);
  g.members[0].first_language = "language-255";
  EXPECT_TRUE(index_.UpsertChild(g).ok());
}

// A name a record lists twice takes one of the limited ids and one use: it
// fits when only one id is left, and is forgotten when the record goes.
TEST_F(IndexTest, ANameListedTwiceInOneRecordTakesOneUse) {
  // west-yorkshire plus region-1..region-254: room for one more region.
  ASSERT_TRUE(index_.UpsertHousehold(AHousehold(1)).ok());
  for (int i = 1; i < 255; ++i) {
    Household h = AHousehold(1000 + i);
    h.region = absl::StrCat("region-", i);
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  Household twice = AHousehold(5000);
  twice.excluded_regions = {"new", "new"};
  twice.languages = {"welsh", "welsh"};
  ASSERT_TRUE(index_.UpsertHousehold(twice).ok());
  Household other = AHousehold(5001);
  other.excluded_regions = {"other"};
  EXPECT_EQ(index_.UpsertHousehold(other).code(),
            absl::StatusCode::kInvalidArgument);
  index_.RemoveHousehold(5000);
  EXPECT_TRUE(index_.UpsertHousehold(other).ok());

  // The same for a language two children of a group speak.
  for (int i = 0; i < 255; ++i) {
    Household h = AHousehold(6000 + i);
    h.languages = {absl::StrCat("language-", i)};
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  ChildGroup siblings = AGroup(1);
  siblings.members.push_back(siblings.members[0]);
  siblings.members[0].first_language = "cornish";
  siblings.members[1].first_language = "cornish";
  ASSERT_TRUE(index_.UpsertChild(siblings).ok());
  ChildGroup another = AGroup(2);
  another.members[0].first_language = "manx";
  EXPECT_EQ(index_.UpsertChild(another).code(),
            absl::StatusCode::kInvalidArgument);
  index_.RemoveChild(1);
  EXPECT_TRUE(index_.UpsertChild(another).ok());
}

TEST_F(IndexTest, CheckAllCountsTheNewNamesOfEveryRecordTogether) {
  // 255 languages in use: room for one more.
  for (int i = 0; i < 255; ++i) {
    Household h = AHousehold(1000 + i);
    h.languages = {absl::StrCat("language-", i)};
    ASSERT_TRUE(index_.UpsertHousehold(h).ok());
  }
  Household a = AHousehold(1);
  a.languages = {"new-a"};
  Household b = AHousehold(2);
  b.languages = {"new-b"};
  EXPECT_TRUE(index_.CheckHousehold(a).ok());
  EXPECT_TRUE(index_.CheckHousehold(b).ok());
  EXPECT_TRUE(index_.CheckAll({a}, {}).ok());
  EXPECT_EQ(index_.CheckAll({a, b}, {}).code(),
            absl::StatusCode::kInvalidArgument);
  // Nothing was changed by checking.
  EXPECT_EQ(index_.household_count(), 255u);
}

TEST_F(IndexTest, WithdrawnRecordsLeaveRoomForOtherMembers) {
  // One member fills every region and language slot with names of its own,
  // then withdraws those records (and replaces one) ...
  for (int i = 0; i < 256; ++i) {
    Household h = AHousehold(100 + i);
    h.region = absl::StrCat("junk-region-", i);
    h.languages = {absl::StrCat("junk-language-", i)};
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  EXPECT_EQ(index_.regions_in_use(), 256);
  Household other = AHousehold(1);
  other.region = "south-yorkshire";
  EXPECT_EQ(index_.CheckHousehold(other).code(),
            absl::StatusCode::kInvalidArgument);
  for (int i = 0; i < 255; ++i) index_.RemoveHousehold(100 + i);
  Household replaced = AHousehold(355);
  ASSERT_TRUE(index_.UpsertHousehold(replaced).ok());  // west-yorkshire
  EXPECT_EQ(index_.regions_in_use(), 1);
  EXPECT_EQ(index_.languages_in_use(), 0);
  // ... and another member has the whole table again.
  for (int i = 0; i < 255; ++i) {
    Household h = AHousehold(1000 + i);
    h.region = absl::StrCat("region-", i);
    h.excluded_regions = {"west-yorkshire"};
    h.languages = {absl::StrCat("language-", i), "en"};
    ASSERT_TRUE(index_.UpsertHousehold(h).ok()) << i;
  }
  ChildGroup g = AGroup(1);
  g.excluded_regions = {"region-7"};
  g.members[0].first_language = "language-7";
  ASSERT_TRUE(index_.UpsertChild(g).ok());
  std::optional<Household> found = index_.FindHousehold(1007);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->region, "region-7");
  EXPECT_THAT(found->languages, ::testing::ElementsAre("en", "language-7"));
  EXPECT_THAT(found->excluded_regions,
              ::testing::ElementsAre("west-yorkshire"));
}

}  // namespace
}  // namespace raa::matcher
