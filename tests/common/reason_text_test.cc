// The reason formatter every client renders coded reasons with
// (common/reason_text.h, common/reason_catalog.h).
#include "common/reason_text.h"

#include "common/reason_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::HasSubstr;

ReasonFormatter Sample() {
  absl::StatusOr<ReasonFormatter> f = ReasonFormatter::Create(
      {{.code = 1, .text = "approved for {0}, group of {1}", .arity = 2},
       {.code = 2,
        .text = ": {0} spare {0|place|places} kept for larger groups",
        .arity = 1,
        .continues = true},
       {.code = 3,
        .text = "would consider {0:need_category} up to {1:need_level}",
        .arity = 2},
       {.code = 4,
        .text = "speaks the child's first language ({s0})",
        .text_arity = 1},
       {.code = 5, .text = "no assessed needs"}},
      {{"need_category", {"physical", "learning"}},
       {"need_level", {"none", "mild", "moderate", "severe"}}});
  EXPECT_TRUE(f.ok()) << f.status();
  return *std::move(f);
}

TEST(ReasonTextTest, FormatsNumbersPluralsTablesAndStrings) {
  ReasonFormatter f = Sample();
  EXPECT_EQ(f.Format({1, 2}, {3, 2, 1}, {}),
            "approved for 3, group of 2: 1 spare place kept for larger groups");
  EXPECT_EQ(f.Format({1, 2}, {4, 2, 2}, {}),
            "approved for 4, group of 2: 2 spare places kept for larger "
            "groups");
  EXPECT_EQ(f.Format({3, 4}, {1, 2}, {"Polish"}),
            "would consider learning up to moderate; speaks the child's "
            "first language (Polish)");
  EXPECT_EQ(f.Format({5}, {}, {}), "no assessed needs");
}

TEST(ReasonTextTest, NeverFailsOnWhatItCannotRead) {
  ReasonFormatter f = Sample();
  // A code from a newer server: the whole reason says so.
  EXPECT_EQ(f.Format({5, 99}, {}, {}),
            "(reason 99: not in this reason catalogue)");
  // Too few numbers, a table entry out of range, a missing string.
  EXPECT_EQ(f.Format({1}, {3}, {}), "approved for 3, group of ?");
  EXPECT_EQ(f.Format({3}, {7, 1}, {}),
            "would consider (need_category 7) up to mild");
  EXPECT_EQ(f.Format({4}, {}, {}), "speaks the child's first language ()");
}

TEST(ReasonTextTest, RefusesMalformedTemplatesNamingThePhrase) {
  auto bad = [](ReasonPhraseText p) {
    absl::StatusOr<ReasonFormatter> f =
        ReasonFormatter::Create({std::move(p)}, {{"need_level", {"none"}}});
    return f.ok() ? std::string("ok") : std::string(f.status().message());
  };
  EXPECT_THAT(bad({.code = 7, .text = "approved for {0", .arity = 1}),
              HasSubstr("reason phrase 7"));
  EXPECT_THAT(bad({.code = 7, .text = "approved for {1}", .arity = 1}),
              HasSubstr("bad placeholder {1}"));
  EXPECT_THAT(bad({.code = 7, .text = "{0:colour}", .arity = 1}),
              HasSubstr("unknown table"));
  EXPECT_THAT(bad({.code = 7, .text = "{0|one}", .arity = 1}),
              HasSubstr("two words"));
  EXPECT_THAT(bad({.code = 7, .text = "{s0}"}), HasSubstr("string"));
  EXPECT_THAT(bad({.code = 7, .text = "a } b"}), HasSubstr("without"));
  absl::StatusOr<ReasonFormatter> twice = ReasonFormatter::Create(
      {{.code = 1, .text = "a"}, {.code = 1, .text = "b"}}, {});
  EXPECT_FALSE(twice.ok());
}

TEST(ReasonCatalogTest, RendersCodedComponentsAndPrefersServerText) {
  v1::ReasonCatalog proto;
  proto.set_version("1.1");
  AddPhrasesTo(Sample(), proto);
  v1::ComponentText* c = proto.add_components();
  c->set_id(v1::SCORE_COMPONENT_ID_CAPACITY_FIT);
  c->set_key("capacity_fit");
  c->set_title("capacity fit");
  absl::StatusOr<ReasonCatalog> catalog = ReasonCatalog::FromProto(proto);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ReasonCatalog copy = *catalog;  // a copy reads its own proto

  v1::ScoreComponent s;
  s.set_id(v1::SCORE_COMPONENT_ID_CAPACITY_FIT);
  s.add_reason_codes(1);
  s.add_reason_args(3);
  s.add_reason_args(3);
  EXPECT_EQ(copy.ReasonOf(s), "approved for 3, group of 3");
  EXPECT_EQ(copy.ComponentKey(s), "capacity_fit");
  EXPECT_EQ(copy.ComponentTitle(s), "capacity fit");
  s.set_reason("as the server said it");
  EXPECT_EQ(copy.ReasonOf(s), "as the server said it");
}

}  // namespace
}  // namespace raa
