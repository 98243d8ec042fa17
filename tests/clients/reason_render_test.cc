// raa and raa-web read the compact ranking (RANK_VIEW_FULL: reasons as
// codes) and render it with the server's reason catalogue: what they show
// must be word for word what the server's own text says
// (RANK_VIEW_FULL_TEXT). Over a generated consortium on a real server in this
// process: every component and exclusion of every child's and household's
// ranking, through the clients' cache (clients/lib/reason_cache.h) and
// raa-web's ReasonsData, and `raa match adopters` (text and --json) and
// `raa match reasons` as a process.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/consortium.h"
#include "clients/lib/client.h"
#include "clients/lib/reason_cache.h"
#include "clients/lib/user_json.h"
#include "clients/web/reasons.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/in_process_server.h"
#include "tests/support/processes.h"

namespace raa::test {
namespace {

using ::testing::HasSubstr;

class ReasonRenderTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    bench::SyntheticConsortium c = bench::GenerateConsortium(
        {.seed = 11, .authorities = 6, .children = 60, .adopters = 60});
    for (v1::CreateAuthorityRequest request : c.authorities) {
      request.set_request_id(NextRequestId());
      v1::Authority created;
      ASSERT_THAT(
          Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
          IsOk());
      keys_[request.authority_id()] = NewKey(
          request.authority_id(), {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER});
    }
    for (const auto& r : c.children) {
      children_.push_back(
          {r.authority_id,
           AddChild(keys_[r.authority_id], r.authority_id, r.child).name()});
    }
    for (const auto& r : c.adopters) {
      adopters_.push_back({r.authority_id, AddAdopter(keys_[r.authority_id],
                                                      r.authority_id, r.adopter)
                                               .name()});
    }
    ASSERT_FALSE(HasFailure());
  }

  // A client of the in-process server with `authority`'s key.
  std::unique_ptr<RaaClient> ClientOf(const std::string& authority) {
    return std::make_unique<RaaClient>(
        ClientOptions{.server = server_->address(), .key = keys_[authority]});
  }

  // `raa <args>` as a process with `authority`'s key, every column.
  CommandResult Raa(const std::string& authority,
                    const std::vector<std::string>& args) {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    return Shell(dir_, absl::StrCat("env -u RAA_AUTHORITY -u COLUMNS RAA_KEY=",
                                    Quote(keys_[authority]), " ", RAA_PATH,
                                    " --server ", server_->address(), " ",
                                    absl::StrJoin(quoted, " ")));
  }

  struct Record {
    std::string authority;
    std::string name;
  };
  std::map<std::string, std::string> keys_;  // by authority id
  std::vector<Record> children_;
  std::vector<Record> adopters_;
};

// Every component of `compact` (RANK_VIEW_FULL) rendered by the catalogue
// and by raa-web's ReasonsData, against `text` (RANK_VIEW_FULL_TEXT).
template <typename Ranked>
void ExpectSameWords(const ReasonCatalog& catalog, const Ranked& compact,
                     const Ranked& text, const std::string& what) {
  ASSERT_EQ(compact.components_size(), text.components_size()) << what;
  kainjow::mustache::data shown =
      web::ReasonsData(catalog, compact.components());
  const auto& items = shown.list_value();
  ASSERT_EQ(items.size(), static_cast<size_t>(text.components_size()));
  for (int i = 0; i < text.components_size(); ++i) {
    const v1::ScoreComponent& c = compact.components(i);
    const v1::ScoreComponent& t = text.components(i);
    EXPECT_TRUE(c.component().empty() && c.reason().empty())
        << what << ": RANK_VIEW_FULL sent words";
    EXPECT_FALSE(t.reason().empty()) << what << " " << t.component();
    EXPECT_EQ(catalog.ReasonOf(c), t.reason()) << what << " " << t.component();
    EXPECT_EQ(catalog.ComponentKey(c), t.component()) << what;
    EXPECT_EQ(items[i].get("reason")->string_value(), t.reason()) << what;
  }
}

template <typename Response>
void ExpectSameExclusions(const ReasonCatalog& catalog, const Response& compact,
                          const Response& text, const std::string& what) {
  ASSERT_EQ(compact.exclusions_size(), text.exclusions_size()) << what;
  for (int i = 0; i < text.exclusions_size(); ++i) {
    EXPECT_TRUE(compact.exclusions(i).text().empty()) << what;
    EXPECT_EQ(catalog.TextOf(compact.exclusions(i)), text.exclusions(i).text())
        << what;
    EXPECT_EQ(catalog.ConstraintKey(compact.exclusions(i)),
              text.exclusions(i).constraint())
        << what;
  }
  // And the whole message, words written in, is the full-text one.
  Response filled = compact;
  AddReasonWords(catalog, filled);
  EXPECT_EQ(filled.SerializeAsString(), text.SerializeAsString()) << what;
}

TEST_F(ReasonRenderTest, EveryRankingReadsAsTheServersOwnWordsFromOneFetch) {
  ReasonCatalogCache cache;
  int components = 0;
  int exclusions = 0;
  for (const Record& child : children_) {
    std::unique_ptr<RaaClient> client = ClientOf(child.authority);
    v1::RankAdoptersRequest request;
    request.set_child(child.name);
    request.set_page_size(100);
    request.set_view(v1::RANK_VIEW_FULL);
    absl::StatusOr<v1::RankAdoptersResponse> compact =
        client->Call(&MatchingStub::RankAdopters, request);
    request.set_view(v1::RANK_VIEW_FULL_TEXT);
    absl::StatusOr<v1::RankAdoptersResponse> text =
        client->Call(&MatchingStub::RankAdopters, request);
    if (!text.ok()) {
      // A profile the generator made not searchable (matched, withdrawn):
      // both views say so alike.
      EXPECT_EQ(compact.status().code(), text.status().code()) << child.name;
      continue;
    }
    ASSERT_TRUE(compact.ok()) << compact.status();
    absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog = cache.For(
        ReasonNeeds::Of(*compact), [&] { return FetchReasonCatalog(*client); });
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    ASSERT_EQ(compact->adopters_size(), text->adopters_size());
    for (int i = 0; i < text->adopters_size(); ++i) {
      ExpectSameWords(**catalog, compact->adopters(i), text->adopters(i),
                      child.name + " / " + text->adopters(i).adopter());
      components += text->adopters(i).components_size();
    }
    ExpectSameExclusions(**catalog, *compact, *text, child.name);
    exclusions += text->exclusions_size();
    if (text->adopters_size() > 0) {
      EXPECT_LT(compact->ByteSizeLong(), text->ByteSizeLong()) << child.name;
    }
  }
  for (const Record& adopter : adopters_) {
    std::unique_ptr<RaaClient> client = ClientOf(adopter.authority);
    v1::RankChildrenRequest request;
    request.set_adopter(adopter.name);
    request.set_page_size(100);
    request.set_view(v1::RANK_VIEW_FULL);
    absl::StatusOr<v1::RankChildrenResponse> compact =
        client->Call(&MatchingStub::RankChildren, request);
    request.set_view(v1::RANK_VIEW_FULL_TEXT);
    absl::StatusOr<v1::RankChildrenResponse> text =
        client->Call(&MatchingStub::RankChildren, request);
    if (!text.ok()) {
      EXPECT_EQ(compact.status().code(), text.status().code()) << adopter.name;
      continue;
    }
    ASSERT_TRUE(compact.ok()) << compact.status();
    absl::StatusOr<std::shared_ptr<const ReasonCatalog>> catalog = cache.For(
        ReasonNeeds::Of(*compact), [&] { return FetchReasonCatalog(*client); });
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    ASSERT_EQ(compact->children_size(), text->children_size());
    for (int i = 0; i < text->children_size(); ++i) {
      ExpectSameWords(**catalog, compact->children(i), text->children(i),
                      adopter.name + " / " + text->children(i).child());
      components += text->children(i).components_size();
    }
    ExpectSameExclusions(**catalog, *compact, *text, adopter.name);
    exclusions += text->exclusions_size();
  }
  // The consortium gave something to compare, and one catalogue did it all.
  EXPECT_GT(components, 500);
  EXPECT_GT(exclusions, 20);
  EXPECT_EQ(cache.fetches(), 1);
}

TEST_F(ReasonRenderTest, RaaPrintsTheServersWordsAndItsJsonIsTheFullText) {
  // The child with the most households, so there is much to read.
  const Record* chosen = nullptr;
  v1::RankAdoptersResponse text;
  for (const Record& child : children_) {
    v1::RankAdoptersRequest request;
    request.set_child(child.name);
    request.set_page_size(10);
    request.set_view(v1::RANK_VIEW_FULL_TEXT);
    absl::StatusOr<v1::RankAdoptersResponse> r =
        ClientOf(child.authority)->Call(&MatchingStub::RankAdopters, request);
    if (r.ok() && r->adopters_size() > text.adopters_size()) {
      text = *r;
      chosen = &child;
    }
  }
  ASSERT_NE(chosen, nullptr);
  ASSERT_GT(text.adopters_size(), 0);

  CommandResult shown = Raa(chosen->authority, {"--wide", "match", "adopters",
                                                "--child", chosen->name});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const v1::RankedAdopter& a : text.adopters()) {
    for (const v1::ScoreComponent& c : a.components()) {
      EXPECT_THAT(shown.out, HasSubstr(c.reason())) << c.component();
    }
  }
  for (const v1::Exclusion& e : text.exclusions()) {
    EXPECT_THAT(shown.out, HasSubstr("excluded: " + e.text()));
  }

  // --json: the ranking with the words written in, as FULL_TEXT sends it.
  CommandResult json = Raa(chosen->authority, {"--json", "match", "adopters",
                                               "--child", chosen->name});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json got = nlohmann::json::parse(json.out, nullptr, false);
  nlohmann::json want = nlohmann::json::parse(
      ToUserJson(text, JsonLayout::kIndented), nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << json.out;
  EXPECT_EQ(got["adopters"], want["adopters"]);
  EXPECT_EQ(got["exclusions"], want["exclusions"]);

  // The shortlist's columns too.
  CommandResult csv = Raa(chosen->authority, {"--csv", "match", "adopters",
                                              "--child", chosen->name});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("CAPACITY FIT WHY"));
  EXPECT_THAT(csv.out, HasSubstr(text.adopters(0).components(0).reason()));
}

TEST_F(ReasonRenderTest, RaaMatchReasonsPrintsTheCatalogue) {
  const std::string& authority = children_.front().authority;
  absl::StatusOr<v1::ReasonCatalog> catalog =
      FetchReasonCatalog(*ClientOf(authority));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_GT(catalog->phrases_size(), 0);

  CommandResult shown = Raa(authority, {"--wide", "match", "reasons"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out,
              HasSubstr(absl::StrCat("reason catalogue ", catalog->version())));
  for (const v1::ReasonPhrase& p : catalog->phrases()) {
    // The table's last column loses a template's trailing spaces.
    EXPECT_THAT(shown.out,
                HasSubstr(absl::StripTrailingAsciiWhitespace(p.text())))
        << p.code();
  }
  for (const v1::ComponentText& c : catalog->components()) {
    EXPECT_THAT(shown.out, HasSubstr(c.key()));
  }

  CommandResult json = Raa(authority, {"--json", "match", "reasons"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json got = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << json.out;
  EXPECT_EQ(got["version"], catalog->version());
  EXPECT_EQ(got["phrases"].size(),
            static_cast<size_t>(catalog->phrases_size()));
}

}  // namespace
}  // namespace raa::test
