// Resource names (common/names.h): each format parses back to its parts, and
// malformed names are refused naming the field. No store, no network.
#include "common/names.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(NamesTest, RecordNamesRoundTrip) {
  absl::StatusOr<RecordName> child =
      ParseRecordName(ChildName("sheffield", 12), "children", 'c', "child");
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->authority_id, "sheffield");
  EXPECT_EQ(child->row_id, 12);
  EXPECT_EQ(AdopterName("leeds", 7), "authorities/leeds/adopters/h7");
  EXPECT_EQ(FollowName("leeds", 3), "authorities/leeds/follows/f3");
  EXPECT_EQ(AlertName("leeds", 4), "authorities/leeds/alerts/4");
  EXPECT_EQ(RegionName("north-east"), "regions/north-east");
  EXPECT_EQ(ApiKeyName("0123456789abcdef"), "apiKeys/0123456789abcdef");
  EXPECT_EQ(*ParseAuthorityName(AuthorityName("york"), "parent"), "york");
}

TEST(NamesTest, LinksAndLedgerEntriesRoundTrip) {
  EXPECT_EQ(LinkName(5), "links/l5");
  EXPECT_EQ(*ParseLinkName(LinkName(5), "name"), 5);
  EXPECT_EQ(LedgerEntryName(9), "ledger/entries/e9");
  EXPECT_EQ(*ParseLedgerEntryName(LedgerEntryName(9), "name"), 9);
}

TEST(NamesTest, MalformedNamesAreRefusedNamingTheField) {
  for (const char* bad : {"links/5", "links/l0", "links/l05", "link/l5",
                          "links/l5/x", "ledger/entries/l5"}) {
    absl::StatusOr<int64_t> link = ParseLinkName(bad, "link");
    EXPECT_EQ(link.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseLedgerEntryName("ledger/e9", "name").ok());
  EXPECT_FALSE(ParseApiKeyName("apiKeys/short", "name").ok());
  EXPECT_FALSE(ParseAuthorityName("authorities/Sheffield", "parent").ok());
  EXPECT_FALSE(
      ParseRecordName(std::string(300, 'a'), "children", 'c', "child").ok());
}

TEST(NamesTest, AMissingNameIsRequiredNotQuotedEmpty) {
  // A form left unchosen sends no name: "is required", not '"" is not'.
  absl::Status missing = ParseAuthorityName("", "api_key.authority").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("is required: authorities/{id}"));
  EXPECT_THAT(missing.message(), Not(HasSubstr("\"\"")));
  absl::Status record =
      ParseRecordName("", "adopters", 'h', "adopter").status();
  EXPECT_THAT(record.message(),
              HasSubstr("is required: authorities/{id}/adopters/h{number}"));
  EXPECT_THAT(ParseAuthorityName("leeds", "parent").status().message(),
              HasSubstr("\"leeds\" is not authorities/{id}"));
}

TEST(NamesTest, AuthorityOfReadsOnlyTheAuthority) {
  EXPECT_EQ(AuthorityOf("authorities/sheffield/children/c3"), "sheffield");
  EXPECT_EQ(AuthorityOf("authorities/-"), "-");
  EXPECT_EQ(AuthorityOf(""), "");
  EXPECT_EQ(AuthorityOf("regions/north-east"), "");
  // Not an id: left to the handler, which says what is wrong.
  EXPECT_EQ(AuthorityOf("authorities/../authorities/hub"), "");
  EXPECT_EQ(AuthorityOf("authorities/LEEDS"), "");
  EXPECT_EQ(AuthorityOf("authorities/l\xc3\xa9"
                        "eds/children/c1"),
            "");
  EXPECT_EQ(AuthorityOf(std::string("authorities/le\0ds", 17)), "");
}

}  // namespace
}  // namespace raa
