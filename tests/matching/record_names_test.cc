// A ranking names its candidates through RecordNames (the prefixes of each
// authority, found by the number the index gave it): every name is the
// candidate's own, also when the number is stale or the authority was
// numbered after the prefixes were.
#include <string>

#include "common/names.h"
#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "services/matching/live_index.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::IsOk;

matcher::RankedCandidate Candidate(uint64_t key, std::string authority,
                                   uint16_t number) {
  matcher::RankedCandidate c;
  c.key = key;
  c.authority = std::move(authority);
  c.authority_number = number;
  return c;
}

std::string AdopterOf(const RecordNames& names,
                      const matcher::RankedCandidate& c) {
  std::string out;
  names.AppendAdopter(out, c);
  return out;
}

std::string ChildOf(const RecordNames& names,
                    const matcher::RankedCandidate& c) {
  std::string out;
  names.AppendChild(out, c);
  return out;
}

class RecordNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"leeds", "york"}) {
      ASSERT_THAT(index_.UpsertAuthority(
                      {id, matcher::AuthorityKind::kLocalAuthority, false}),
                  IsOk());
      names_.Add(id);
    }
    names_.NumberAs(index_);
  }

  matcher::CandidateIndex index_;
  RecordNames names_;
};

TEST_F(RecordNamesTest, NamesACandidateByItsAuthoritysNumber) {
  ASSERT_EQ(index_.authority_id(1), "york");
  EXPECT_EQ(AdopterOf(names_, Candidate(7, "york", 1)),
            "authorities/york/adopters/h7");
  EXPECT_EQ(ChildOf(names_, Candidate(12, "leeds", 0)),
            "authorities/leeds/children/c12");
  // Appends: a name is written after what the string holds.
  std::string out = "x";
  names_.AppendAdopter(out, Candidate(3, "leeds", 0));
  EXPECT_EQ(out, "xauthorities/leeds/adopters/h3");
}

TEST_F(RecordNamesTest, AStaleNumberNeverNamesAnotherAuthority) {
  // Another index's numbering: the id decides.
  EXPECT_EQ(AdopterOf(names_, Candidate(7, "york", 0)),
            "authorities/york/adopters/h7");
  EXPECT_EQ(ChildOf(names_, Candidate(7, "leeds", 1)),
            "authorities/leeds/children/c7");
  EXPECT_EQ(ChildOf(names_, Candidate(7, "leeds", 400)),
            "authorities/leeds/children/c7");
}

TEST_F(RecordNamesTest, AnAuthorityNumberedLaterIsNamedFromItsId) {
  // Numbered by the index after NumberAs ran; prefixes made.
  ASSERT_THAT(index_.UpsertAuthority(
                  {"hull", matcher::AuthorityKind::kLocalAuthority, false}),
              IsOk());
  names_.Add("hull");
  EXPECT_EQ(AdopterOf(names_, Candidate(5, "hull", 2)),
            "authorities/hull/adopters/h5");
  // Numbered, but its prefixes were never made.
  ASSERT_THAT(
      index_.UpsertAuthority(
          {"wakefield", matcher::AuthorityKind::kLocalAuthority, false}),
      IsOk());
  names_.NumberAs(index_);
  EXPECT_EQ(AdopterOf(names_, Candidate(9, "wakefield", 3)),
            AdopterName("wakefield", 9));
  EXPECT_EQ(ChildOf(names_, Candidate(9, "wakefield", 3)),
            ChildName("wakefield", 9));
  // A number without prefixes matches no id, not even an empty one.
  EXPECT_EQ(AdopterOf(names_, Candidate(9, "", 3)), AdopterName("", 9));
  // And once they are, and the numbers taken again, by number.
  names_.Add("wakefield");
  names_.NumberAs(index_);
  EXPECT_EQ(ChildOf(names_, Candidate(9, "wakefield", 3)),
            "authorities/wakefield/children/c9");
  EXPECT_EQ(AdopterOf(names_, Candidate(5, "hull", 2)),
            "authorities/hull/adopters/h5");
}

}  // namespace
}  // namespace raa
