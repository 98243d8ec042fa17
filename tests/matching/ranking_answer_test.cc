// A ranking's answer is written straight into protobuf's wire format
// (RankingAnswer): its bytes must be exactly those protobuf writes for the
// same message, built field by field as the API describes it, in every view,
// for both rankings, for any page, and for numbers and strings of every
// length a varint or a length can take. And the audit trail must name what
// the answer names.
#include "services/matching/ranking_answer.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "matcher/candidate_index.h"
#include "matcher/policy.h"
#include "matcher/reasons.h"
#include "raa/v1/matching.pb.h"
#include "services/matching/convert.h"
#include "tests/matcher/builders.h"

namespace raa {
namespace {

using matcher::RankedCandidate;
using matcher::RankResult;

// What the answer is: the views as RankView sets them.
struct View {
  const char* name;
  bool explained;
  Words words;
};
constexpr View kViews[] = {{"BASIC", false, Words::kCodedOnly},
                           {"FULL", true, Words::kCodedOnly},
                           {"FULL_TEXT", true, Words::kWithWords}};

std::string NameOf(const RankedCandidate& c) {
  return "authorities/" + c.authority + "/adopters/h" + std::to_string(c.key);
}

// Everything an answer holds besides the result.
struct Shape {
  std::string subject;
  size_t begin = 0;
  size_t end = 0;
  std::string next_page_token;
  int32_t first_rank = 0;
};

// An exclusion line as the API describes it: id, count and the coded text;
// with words also `constraint` (its key) and `text`.
void ExclusionMessage(const matcher::ExclusionLine& line, Words words,
                      v1::Exclusion& out) {
  out.set_id(ConstraintIdOf(line.constraint));
  out.set_count(line.count);
  const matcher::CodedReason& coded = line.coded;
  out.mutable_reason_codes()->Add(coded.codes.begin(), coded.codes.end());
  out.mutable_reason_args()->Add(coded.args.begin(), coded.args.end());
  if (words == Words::kCodedOnly) return;
  out.set_constraint(std::string(matcher::ConstraintId(line.constraint)));
  out.set_text(matcher::ReasonText(coded));
}

// The message, built with the generated setters, convert.h's ToProto for
// the components and ExclusionMessage (as the rankings built it before
// RankingAnswer).
template <typename Response, typename AddCandidate, typename SetSubject>
Response Reference(const RankResult& r, const Shape& shape, const View& view,
                   AddCandidate add, SetSubject set_subject) {
  Response out;
  set_subject(out, shape.subject);
  out.set_policy_version(r.policy_version);
  out.set_considered(r.considered);
  out.set_eligible(r.eligible);
  out.set_excluded(r.excluded_total);
  for (const matcher::ExclusionLine& line : r.exclusions) {
    ExclusionMessage(line, view.words, *out.add_exclusions());
  }
  for (size_t i = shape.begin; i < shape.end; ++i) {
    const RankedCandidate& c = r.candidates[i];
    auto* ranked = add(out, NameOf(c));
    ranked->set_score(c.score);
    ranked->mutable_members()->Add(c.members.begin(), c.members.end());
    if (!view.explained) continue;
    for (const matcher::ComponentScore& s : c.components) {
      ToProto(s, view.words, *ranked->add_components());
    }
  }
  out.set_next_page_token(shape.next_page_token);
  out.set_first_rank(shape.first_rank);
  return out;
}

RankingAnswer Answer(RankResult r, const Shape& shape, const View& view) {
  RankingAnswer answer;
  answer.set_subject(shape.subject);
  answer.SetResult(std::move(r), shape.begin, shape.end, view.explained,
                   view.words);
  answer.set_next_page_token(shape.next_page_token);
  answer.set_first_rank(shape.first_rank);
  answer.NameCandidates(
      [](std::string& out, const RankedCandidate& c) { out += NameOf(c); });
  return answer;
}

// The answer's bytes against protobuf's, as either ranking's response.
void ExpectSameBytes(const RankResult& r, const Shape& shape,
                     const View& view) {
  SCOPED_TRACE(::testing::Message()
               << view.name << ", page [" << shape.begin << ", " << shape.end
               << ") of " << r.candidates.size() << ", subject of "
               << shape.subject.size() << " bytes");
  const std::string bytes = Answer(r, shape, view).SerializeAsString();
  const auto adopters = Reference<v1::RankAdoptersResponse>(
      r, shape, view,
      [](v1::RankAdoptersResponse& out, const std::string& name) {
        v1::RankedAdopter* a = out.add_adopters();
        a->set_adopter(name);
        return a;
      },
      [](v1::RankAdoptersResponse& out, const std::string& subject) {
        out.set_child(subject);
      });
  EXPECT_EQ(bytes, adopters.SerializeAsString());
  const auto children = Reference<v1::RankChildrenResponse>(
      r, shape, view,
      [](v1::RankChildrenResponse& out, const std::string& name) {
        v1::RankedChild* c = out.add_children();
        c->set_child(name);
        return c;
      },
      [](v1::RankChildrenResponse& out, const std::string& subject) {
        out.set_adopter(subject);
      });
  EXPECT_EQ(bytes, children.SerializeAsString());
  // And it reads back as the message.
  v1::RankAdoptersResponse parsed;
  ASSERT_TRUE(Answer(r, shape, view).ParseInto(parsed));
  EXPECT_EQ(parsed.SerializeAsString(), adopters.SerializeAsString());
}

// A real explained ranking: households of every capacity, age range and
// language, some failing a hard constraint, for a sibling group of two.
RankResult ARealRanking() {
  using namespace matcher::testing;
  matcher::CandidateIndex index;
  AddAuthorities(index);
  const char* authorities[] = {"leeds", "bradford", "barnardos"};
  for (uint64_t key = 1; key <= 60; ++key) {
    matcher::Household h = AHousehold(key);
    h.authority = authorities[key % 3];
    h.approved_for = 1 + static_cast<int>(key % 3);
    h.max_age_months = 24 + static_cast<int>(key % 7) * 12;
    if (key % 5 == 0) h.languages = {"Polish"};
    if (key % 11 == 0) h.available = false;
    const absl::Status added = index.UpsertHousehold(h);
    EXPECT_TRUE(added.ok()) << added;
  }
  matcher::ChildGroup group = AGroup(1000, 40);
  group.members.push_back(AChild(70, matcher::Sex::kMale));
  group.members[0].first_language = "Polish";
  EXPECT_TRUE(index.UpsertChild(group).ok());
  absl::StatusOr<RankResult> r =
      index.RankHouseholds(1000, matcher::MatchingPolicy(), Options(40), true);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : RankResult();
}

TEST(RankingAnswerTest, WritesWhatProtobufWritesForARealRankingInEveryView) {
  const RankResult r = ARealRanking();
  ASSERT_GT(r.candidates.size(), 12u);
  ASSERT_FALSE(r.exclusions.empty());
  const size_t n = r.candidates.size();
  for (const View& view : kViews) {
    for (const Shape& shape :
         {Shape{"authorities/leeds/children/c1000", 0, n, "", 1},
          Shape{"authorities/leeds/children/c1000", 0, 10, "cjEuMTAuMS4y", 1},
          Shape{"authorities/leeds/children/c1000", 5, 12, "", 6},
          Shape{"", 3, 3, "", 0}}) {
      ExpectSameBytes(r, shape, view);
    }
  }
}

TEST(RankingAnswerTest, APageOutsideTheResultIsCutToIt) {
  const RankResult r = ARealRanking();
  const size_t n = r.candidates.size();
  ASSERT_GT(n, 5u);
  const View& view = kViews[1];
  // Past the end: the candidates there are.
  EXPECT_EQ(Answer(r, {"s", 5, n + 50, "", 6}, view).SerializeAsString(),
            Answer(r, {"s", 5, n, "", 6}, view).SerializeAsString());
  // Beginning after its end: no candidates.
  RankingAnswer backwards = Answer(r, {"s", 9, 3, "", 1}, view);
  EXPECT_TRUE(backwards.page().empty());
  EXPECT_EQ(backwards.SerializeAsString(),
            Answer(r, {"s", 3, 3, "", 1}, view).SerializeAsString());
}

TEST(RankingAnswerTest, WritesAnEmptyAnswerAsNoBytes) {
  for (const View& view : kViews) {
    EXPECT_EQ(Answer(RankResult(), Shape(), view).ByteSizeLong(), 0u);
  }
  EXPECT_EQ(RankingAnswer().SerializeAsString(), "");
}

// Numbers at every varint length's edges (one to ten bytes: a negative int32
// is ten), strings at every length's (0, 127, 128 and more bytes).
class Adversary {
 public:
  explicit Adversary(uint32_t seed) : gen_(seed) {}

  int32_t Int32() {
    static constexpr int32_t kEdges[] = {0,
                                         1,
                                         -1,
                                         127,
                                         128,
                                         16383,
                                         16384,
                                         (1 << 21) - 1,
                                         1 << 21,
                                         (1 << 28) - 1,
                                         1 << 28,
                                         std::numeric_limits<int32_t>::max(),
                                         std::numeric_limits<int32_t>::min()};
    if (Chance(2)) return kEdges[Below(std::size(kEdges))];
    return static_cast<int32_t>(gen_());
  }
  int64_t Int64() {
    if (Chance(3)) return Int32();
    return static_cast<int64_t>((static_cast<uint64_t>(gen_()) << 32) | gen_());
  }
  std::string Text() {
    static constexpr size_t kLengths[] = {0,   1,   126,   127,  128,
                                          129, 300, 16383, 16384};
    return std::string(kLengths[Below(std::size(kLengths))],
                       static_cast<char>('a' + Below(26)));
  }
  template <typename Ints>
  void Fill(Ints& ints) {
    ints.clear();
    const size_t n = Below(12);
    for (size_t i = 0; i < n; ++i) ints.push_back(Int32());
  }
  bool Chance(uint32_t one_in) { return gen_() % one_in == 0; }
  size_t Below(size_t n) { return static_cast<size_t>(gen_() % n); }

 private:
  std::mt19937 gen_;
};

TEST(RankingAnswerTest, WritesWhatProtobufWritesForAnyNumbersAndStrings) {
  const RankResult real = ARealRanking();
  ASSERT_FALSE(real.candidates.empty());
  Adversary adversary(20261208);
  for (int round = 0; round < 300; ++round) {
    const View& view = kViews[round % std::size(kViews)];
    // The words are formatted from the catalogue, so a coded reason stays
    // a real one in FULL_TEXT; in the coded views it may be anything.
    const bool any_codes = view.words == Words::kCodedOnly;
    RankResult r = real;
    r.policy_version = adversary.Int64();
    r.considered = adversary.Int32();
    r.eligible = adversary.Int32();
    r.excluded_total = adversary.Int32();
    if (adversary.Chance(4)) r.exclusions.clear();
    for (matcher::ExclusionLine& line : r.exclusions) {
      line.count = adversary.Int32();
      if (any_codes) {
        adversary.Fill(line.coded.codes);
        adversary.Fill(line.coded.args);
      }
    }
    for (RankedCandidate& c : r.candidates) {
      c.score = adversary.Int32();
      adversary.Fill(c.members);
      for (matcher::ComponentScore& s : c.components) {
        s.weight = adversary.Int32();
        s.fit_permille = adversary.Int32();
        s.points_tenths = adversary.Int32();
        if (any_codes) {
          adversary.Fill(s.coded.codes);
          adversary.Fill(s.coded.args);
          s.coded.text_args.clear();
          for (size_t i = adversary.Below(3); i > 0; --i) {
            s.coded.text_args.push_back(adversary.Text());
          }
        }
      }
    }
    const size_t n = r.candidates.size();
    const size_t end = adversary.Below(n + 1);
    Shape shape{adversary.Text(), adversary.Below(end + 1), end,
                adversary.Text(), adversary.Int32()};
    ExpectSameBytes(r, shape, view);
    if (HasFailure()) break;
  }
}

TEST(RankingAnswerTest, TheAuditTrailNamesTheSubjectThenThePageInOrder) {
  const RankResult r = ARealRanking();
  ASSERT_GE(r.candidates.size(), 6u);
  RankingAnswer answer =
      Answer(r, {"authorities/leeds/children/c1000", 2, 5, "", 3}, kViews[1]);
  AuditRecords records;
  AppendRecordNames(answer, records);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], "authorities/leeds/children/c1000");
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i + 1], NameOf(r.candidates[2 + i]));
  }
  // No subject (never sent): only the candidates.
  AuditRecords without_subject;
  AppendRecordNames(Answer(r, {"", 0, 2, "", 1}, kViews[0]), without_subject);
  EXPECT_EQ(without_subject.size(), 2u);
}

TEST(RankingAnswerTest, ClearedItIsEmptyAgain) {
  RankingAnswer answer =
      Answer(ARealRanking(), {"authorities/leeds/children/c1000", 0, 4, "t", 1},
             kViews[2]);
  ASSERT_GT(answer.ByteSizeLong(), 0u);
  answer.Clear();
  EXPECT_EQ(answer.ByteSizeLong(), 0u);
  EXPECT_EQ(answer.name_count(), 0u);
}

}  // namespace
}  // namespace raa
