// The clients' reason catalogue cache (clients/lib/reason_cache.h) without a
// server: a fetch function stands in for GetReasonCatalog. What a client
// relies on: nothing is fetched while every reason comes with its words;
// one fetch serves every later response it covers, from any number of
// threads at once; a response made with a newer policy, or using a code,
// component or constraint the cached catalogue lacks, fetches again (but a
// server whose catalogue really lacks a code is not asked on every call);
// and words written into a compact response read as the full-text view's.
#include "clients/lib/reason_cache.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::HasSubstr;

// A small catalogue in the server's form: two component phrases, one
// exclusion phrase, a table; policy `policy_version`.
v1::ReasonCatalog Catalogue(int64_t policy_version) {
  v1::ReasonCatalog c;
  c.set_version(absl::StrCat("1.", policy_version));
  c.set_policy_version(policy_version);
  auto phrase = [&c](int code, const std::string& text, int arity,
                     int text_arity = 0, bool continues = false) {
    v1::ReasonPhrase* p = c.add_phrases();
    p->set_code(code);
    p->set_text(text);
    p->set_arity(arity);
    p->set_text_arity(text_arity);
    p->set_continues(continues);
  };
  phrase(1, "approved for {0}, group of {1}", 2);
  phrase(2, ": {0} spare {0|place|places}", 1, 0, true);
  phrase(3, "speaks the child's first language ({s0})", 0, 1);
  phrase(4, "would consider {0:need_level} needs", 1);
  phrase(100,
         "{0} {0|household|households} approved for fewer than {1} children",
         2);
  v1::ReasonTable* t = c.add_tables();
  t->set_name("need_level");
  t->add_entries("no");
  t->add_entries("mild");
  t->add_entries("moderate");
  v1::ComponentText* capacity = c.add_components();
  capacity->set_id(v1::SCORE_COMPONENT_ID_CAPACITY_FIT);
  capacity->set_key("capacity_fit");
  capacity->set_title("capacity fit");
  v1::ComponentText* identity = c.add_components();
  identity->set_id(v1::SCORE_COMPONENT_ID_IDENTITY);
  identity->set_key("identity");
  identity->set_title("identity");
  v1::ConstraintText* capacity_rule = c.add_constraints();
  capacity_rule->set_id(v1::CONSTRAINT_ID_CAPACITY);
  capacity_rule->set_key("capacity");
  return c;
}

// A RANK_VIEW_FULL ranking: one household with two coded components, one
// coded exclusion; no words.
v1::RankAdoptersResponse CompactRanking(int64_t policy_version) {
  v1::RankAdoptersResponse r;
  r.set_child("authorities/sheffield/children/c1");
  r.set_policy_version(policy_version);
  v1::RankedAdopter* a = r.add_adopters();
  a->set_adopter("authorities/leeds/adopters/h7");
  a->set_score(80);
  v1::ScoreComponent* capacity = a->add_components();
  capacity->set_id(v1::SCORE_COMPONENT_ID_CAPACITY_FIT);
  capacity->set_weight(20);
  capacity->set_fit_permille(1000);
  capacity->set_points_tenths(200);
  capacity->add_reason_codes(1);
  capacity->add_reason_codes(2);
  for (int n : {3, 2, 1}) capacity->add_reason_args(n);
  v1::ScoreComponent* identity = a->add_components();
  identity->set_id(v1::SCORE_COMPONENT_ID_IDENTITY);
  identity->add_reason_codes(3);
  identity->add_reason_text_args("Polish");
  v1::Exclusion* e = r.add_exclusions();
  e->set_id(v1::CONSTRAINT_ID_CAPACITY);
  e->set_count(41);
  e->add_reason_codes(100);
  e->add_reason_args(41);
  e->add_reason_args(3);
  return r;
}

// The same ranking as RANK_VIEW_FULL_TEXT sends it.
v1::RankAdoptersResponse FullTextRanking(int64_t policy_version) {
  v1::RankAdoptersResponse r = CompactRanking(policy_version);
  v1::RankedAdopter* a = r.mutable_adopters(0);
  a->mutable_components(0)->set_component("capacity_fit");
  a->mutable_components(0)->set_reason(
      "approved for 3, group of 2: 1 spare place");
  a->mutable_components(1)->set_component("identity");
  a->mutable_components(1)->set_reason(
      "speaks the child's first language (Polish)");
  r.mutable_exclusions(0)->set_constraint("capacity");
  r.mutable_exclusions(0)->set_text(
      "41 households approved for fewer than 3 children");
  return r;
}

// A fetch function that counts its calls and serves `*served`.
struct FakeServer {
  v1::ReasonCatalog served = Catalogue(3);
  absl::Status fails = absl::OkStatus();
  std::atomic<int> calls = 0;
  absl::StatusOr<v1::ReasonCatalog> operator()() {
    ++calls;
    if (!fails.ok()) return fails;
    return served;
  }
};

TEST(ReasonNeedsTest, OnlyReasonsWithoutWordsNeedTheCatalogue) {
  EXPECT_TRUE(ReasonNeeds::Of(FullTextRanking(3)).empty());
  ReasonNeeds needs = ReasonNeeds::Of(CompactRanking(3));
  EXPECT_FALSE(needs.empty());
  EXPECT_EQ(needs.policy_version, 3);
  EXPECT_THAT(needs.codes, testing::UnorderedElementsAre(1, 2, 3, 100));
  EXPECT_THAT(needs.component_ids,
              testing::UnorderedElementsAre(v1::SCORE_COMPONENT_ID_CAPACITY_FIT,
                                            v1::SCORE_COMPONENT_ID_IDENTITY));
  EXPECT_THAT(needs.constraint_ids,
              testing::UnorderedElementsAre(v1::CONSTRAINT_ID_CAPACITY));
}

TEST(ReasonNeedsTest, ACatalogueCoversWhatItKnowsAtItsPolicyOrEarlier) {
  absl::StatusOr<ReasonCatalog> catalog =
      ReasonCatalog::FromProto(Catalogue(3));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_TRUE(Covers(*catalog, ReasonNeeds::Of(CompactRanking(3))));
  EXPECT_TRUE(Covers(*catalog, ReasonNeeds::Of(CompactRanking(2))));
  EXPECT_FALSE(Covers(*catalog, ReasonNeeds::Of(CompactRanking(4))));
  ReasonNeeds unknown_code = ReasonNeeds::Of(CompactRanking(3));
  unknown_code.codes.insert(7);
  EXPECT_FALSE(Covers(*catalog, unknown_code));
  ReasonNeeds unknown_component = ReasonNeeds::Of(CompactRanking(3));
  unknown_component.component_ids.insert(v1::SCORE_COMPONENT_ID_LOCALITY);
  EXPECT_FALSE(Covers(*catalog, unknown_component));
  ReasonNeeds unknown_constraint = ReasonNeeds::Of(CompactRanking(3));
  unknown_constraint.constraint_ids.insert(v1::CONSTRAINT_ID_LINK_LIMIT);
  EXPECT_FALSE(Covers(*catalog, unknown_constraint));
}

TEST(ReasonCatalogCacheTest, WordsSentMeanNoFetch) {
  ReasonCatalogCache cache;
  FakeServer server;
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
      cache.For(ReasonNeeds::Of(FullTextRanking(3)), std::ref(server));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(server.calls, 0);
  EXPECT_EQ(cache.current(), nullptr);
  const v1::RankAdoptersResponse sent = FullTextRanking(3);
  const v1::ScoreComponent& c = sent.adopters(0).components(0);
  EXPECT_EQ((*catalog)->ReasonOf(c),
            "approved for 3, group of 2: 1 spare place");
  EXPECT_EQ((*catalog)->ComponentKey(c), "capacity_fit");
}

TEST(ReasonCatalogCacheTest, OneFetchServesEveryResponseItCovers) {
  ReasonCatalogCache cache;
  FakeServer server;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
        cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server));
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    EXPECT_EQ((*catalog)->version(), "1.3");
  }
  EXPECT_EQ(server.calls, 1);
  EXPECT_EQ(cache.fetches(), 1);
  // An older response too; and one with words needs nothing.
  ASSERT_TRUE(
      cache.For(ReasonNeeds::Of(CompactRanking(1)), std::ref(server)).ok());
  ASSERT_TRUE(
      cache.For(ReasonNeeds::Of(FullTextRanking(9)), std::ref(server)).ok());
  EXPECT_EQ(server.calls, 1);
}

TEST(ReasonCatalogCacheTest, ManyThreadsAtOnceFetchOnce) {
  ReasonCatalogCache cache;
  FakeServer server;
  const ReasonNeeds needs = ReasonNeeds::Of(CompactRanking(3));
  std::atomic<int> rendered = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
            cache.For(needs, std::ref(server));
        if (catalog.ok() &&
            (*catalog)->TextOf(CompactRanking(3).exclusions(0)) ==
                "41 households approved for fewer than 3 children") {
          ++rendered;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(rendered, 8 * 50);
  EXPECT_EQ(server.calls, 1);
}

TEST(ReasonCatalogCacheTest, ANewerPolicyFetchesAgain) {
  ReasonCatalogCache cache;
  FakeServer server;
  ASSERT_TRUE(
      cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server)).ok());
  server.served = Catalogue(4);
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
      cache.For(ReasonNeeds::Of(CompactRanking(4)), std::ref(server));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(server.calls, 2);
  EXPECT_EQ((*catalog)->version(), "1.4");
  EXPECT_EQ(cache.current()->version(), "1.4");
}

TEST(ReasonCatalogCacheTest, AnUnknownCodeFetchesAgainOnceAWhile) {
  ReasonCatalogCache cache;
  FakeServer server;
  ASSERT_TRUE(
      cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server)).ok());
  // A newer server: a phrase the cached catalogue lacks, same policy.
  v1::RankAdoptersResponse newer = CompactRanking(3);
  v1::ScoreComponent* c = newer.mutable_adopters(0)->mutable_components(0);
  c->add_reason_codes(5);
  c->add_reason_args(2);
  v1::ReasonPhrase* five = server.served.add_phrases();
  five->set_code(5);
  five->set_text(" ({0} already linked)");
  five->set_arity(1);
  five->set_continues(true);
  server.served.set_version("2.3");
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
      cache.For(ReasonNeeds::Of(newer), std::ref(server));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(server.calls, 2);
  EXPECT_EQ((*catalog)->ReasonOf(*c),
            "approved for 3, group of 2: 1 spare place (2 already linked)");

  // A code the server's own catalogue lacks: one more fetch, then the
  // cached catalogue renders it as unknown without asking again.
  v1::RankAdoptersResponse broken = CompactRanking(3);
  broken.mutable_exclusions(0)->set_reason_codes(0, 999);
  for (int i = 0; i < 3; ++i) {
    catalog = cache.For(ReasonNeeds::Of(broken), std::ref(server));
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    EXPECT_THAT((*catalog)->TextOf(broken.exclusions(0)),
                HasSubstr("(reason 999: not in this reason catalogue)"));
  }
  EXPECT_EQ(server.calls, 3);

  // With no wait at all (retry 0), every such response asks again.
  ReasonCatalogCache eager({.unknown_code_retry = absl::ZeroDuration()});
  FakeServer other;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(eager.For(ReasonNeeds::Of(broken), std::ref(other)).ok());
  }
  EXPECT_EQ(other.calls, 3);
}

TEST(ReasonCatalogCacheTest, AFailedFetchKeepsTheCachedCatalogue) {
  ReasonCatalogCache cache;
  FakeServer server;
  server.fails = absl::UnavailableError("raamatchd is down");
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> none =
      cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server));
  EXPECT_EQ(none.status(), server.fails);

  server.fails = absl::OkStatus();
  ASSERT_TRUE(
      cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server)).ok());
  server.fails = absl::UnavailableError("raamatchd is down");
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> stale =
      cache.For(ReasonNeeds::Of(CompactRanking(4)), std::ref(server));
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ((*stale)->version(), "1.3");
  EXPECT_EQ(server.calls, 3);
}

TEST(ReasonCatalogCacheTest, AnUnreadableCatalogueIsAnInternalError) {
  ReasonCatalogCache cache;
  FakeServer server;
  server.served.mutable_phrases(0)->set_text("approved for {0");
  absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog =
      cache.For(ReasonNeeds::Of(CompactRanking(3)), std::ref(server));
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(catalog.status().message(), HasSubstr("reason phrase 1"));
}

TEST(AddReasonWordsTest, ACompactRankingReadsAsTheFullTextOne) {
  absl::StatusOr<ReasonCatalog> catalog =
      ReasonCatalog::FromProto(Catalogue(3));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  v1::RankAdoptersResponse compact = CompactRanking(3);
  AddReasonWords(*catalog, compact);
  EXPECT_EQ(compact.SerializeAsString(), FullTextRanking(3).SerializeAsString())
      << compact.DebugString();
  // Words already there stay as sent.
  v1::RankAdoptersResponse sent = FullTextRanking(3);
  sent.mutable_adopters(0)->mutable_components(0)->set_reason("as sent");
  AddReasonWords(*catalog, sent);
  EXPECT_EQ(sent.adopters(0).components(0).reason(), "as sent");
}

}  // namespace
}  // namespace raa
