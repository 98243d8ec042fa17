// Explanations as data, through a real gRPC server in this process:
// GetReasonCatalog (any role, versioned with the policy), the rank views
// (BASIC: scores and coded exclusions; FULL: every component coded, no
// strings; FULL_TEXT and UNSPECIFIED: coded plus the words, formatted from
// the same catalogue), later pages, and ExplainPair's codes and words.
//
// Consortium: the hub (manager), Sheffield and Leeds with registrar keys, a
// family finder and a finance key. Today is 2026-11-01.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/reason_catalog.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;

// For Pointwise: the two messages are equal.
MATCHER(EqualsProtoPair, "") {
  google::protobuf::util::MessageDifferencer differ;
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  bool equal = differ.Compare(std::get<1>(arg), std::get<0>(arg));
  if (!equal) *result_listener << "differs: " << diff;
  return equal;
}

class CodedReasonsTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire"));
    sheffield_ = NewKey("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewKey("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewKey("leeds", {v1::ROLE_FAMILY_FINDER});
    finance_ = NewKey("sheffield", {v1::ROLE_FINANCE});
    ASSERT_FALSE(HasFailure());
  }

  v1::ReasonCatalog CatalogProto(absl::string_view key) {
    v1::ReasonCatalog catalog;
    EXPECT_THAT(Match(&MatchingStub::GetReasonCatalog, key,
                      v1::GetReasonCatalogRequest(), &catalog),
                IsOk());
    return catalog;
  }
  ReasonCatalog Catalog() {
    absl::StatusOr<ReasonCatalog> catalog =
        ReasonCatalog::FromProto(CatalogProto(finder_));
    EXPECT_THAT(catalog.status(), IsOk());
    return catalog.value_or(ReasonCatalog());
  }

  v1::RankAdoptersResponse RankAdoptersIn(v1::RankView view,
                                          const std::string& child,
                                          const std::string& page_token = "",
                                          int page_size = 100) {
    v1::RankAdoptersRequest request;
    request.set_child(child);
    request.set_view(view);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::RankAdoptersResponse response;
    EXPECT_THAT(Match(&MatchingStub::RankAdopters, finder_, request, &response),
                IsOk());
    return response;
  }
  v1::RankChildrenResponse RankChildrenIn(v1::RankView view,
                                          const std::string& adopter) {
    v1::RankChildrenRequest request;
    request.set_adopter(adopter);
    request.set_view(view);
    request.set_page_size(100);
    v1::RankChildrenResponse response;
    EXPECT_THAT(Match(&MatchingStub::RankChildren, finder_, request, &response),
                IsOk());
    return response;
  }

  // A child of 7, two households that fit it and one failing each of
  // four constraints; the households approved for one or two, so a
  // household-led search has exclusions too.
  void AddConsortium() {
    child_ = AddChild(sheffield_, "sheffield", ChildProfile({84})).name();
    brothers_ =
        AddChild(sheffield_, "sheffield", ChildProfile({84, 60})).name();
    fits_ = AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120))
                .name();
    AddAdopter(leeds_, "leeds", ApprovedHousehold(2, 48, 120));
    AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, 48));
    v1::Adopter girls = ApprovedHousehold(1, 48, 120);
    girls.set_sex_preference(v1::SEX_PREFERENCE_FEMALE);
    AddAdopter(leeds_, "leeds", girls);
    v1::Adopter on_hold = ApprovedHousehold(1, 48, 120);
    on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
    AddAdopter(sheffield_, "sheffield", on_hold);
    ASSERT_FALSE(HasFailure());
  }

  std::string sheffield_, leeds_, finder_, finance_;
  std::string child_, brothers_, fits_;
};

// What FULL leaves out, FULL_TEXT says in words, and the catalogue renders
// the codes as those same words.
void ExpectSameComponents(
    const ReasonCatalog& catalog,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& full,
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& text) {
  ASSERT_EQ(full.size(), text.size());
  ASSERT_THAT(full, SizeIs(ComponentIds().size()));
  for (int i = 0; i < full.size(); ++i) {
    SCOPED_TRACE(ComponentIds()[i]);
    const v1::ScoreComponent& f = full[i];
    const v1::ScoreComponent& t = text[i];
    EXPECT_EQ(f.id(), i + 1);
    EXPECT_EQ(f.component(), "");
    EXPECT_EQ(f.reason(), "");
    EXPECT_THAT(f.reason_codes(), Not(IsEmpty()));
    EXPECT_EQ(catalog.ComponentKey(f), ComponentIds()[i]);
    EXPECT_EQ(t.component(), ComponentIds()[i]);
    EXPECT_NE(t.reason(), "");
    EXPECT_EQ(catalog.ReasonOf(f), t.reason());
    // The same numbers and codes in both.
    v1::ScoreComponent coded = t;
    coded.clear_component();
    coded.clear_reason();
    EXPECT_THAT(f, EqualsProto(coded));
  }
}

void ExpectSameExclusions(
    const ReasonCatalog& catalog,
    const google::protobuf::RepeatedPtrField<v1::Exclusion>& coded,
    const google::protobuf::RepeatedPtrField<v1::Exclusion>& text) {
  ASSERT_EQ(coded.size(), text.size());
  for (int i = 0; i < coded.size(); ++i) {
    const v1::Exclusion& c = coded[i];
    const v1::Exclusion& t = text[i];
    SCOPED_TRACE(t.constraint());
    EXPECT_EQ(c.constraint(), "");
    EXPECT_EQ(c.text(), "");
    EXPECT_GT(c.id(), 0);
    EXPECT_EQ(c.count(), t.count());
    ASSERT_THAT(c.reason_args(), Not(IsEmpty()));
    EXPECT_EQ(c.reason_args(0), c.count());
    EXPECT_EQ(catalog.ConstraintKey(c), t.constraint());
    EXPECT_EQ(catalog.TextOf(c), t.text());
    EXPECT_EQ(ConstraintIds()[c.id() - 1], t.constraint());
  }
}

// ---------------- the catalogue ----------------

TEST_F(CodedReasonsTest, EveryRoleReadsTheCatalogueAndItParses) {
  v1::ReasonCatalog first = CatalogProto(manager_);
  for (const std::string& key : {sheffield_, finder_, finance_}) {
    EXPECT_THAT(CatalogProto(key), EqualsProto(first));
  }
  v1::ReasonCatalog none;
  EXPECT_THAT(Match(&MatchingStub::GetReasonCatalog, "",
                    v1::GetReasonCatalogRequest(), &none),
              StatusIs(Code::UNAUTHENTICATED));

  EXPECT_EQ(first.policy_version(), 1);
  std::vector<std::string> version = absl::StrSplit(first.version(), '.');
  ASSERT_THAT(version, SizeIs(2)) << first.version();
  int revision = 0;
  EXPECT_TRUE(absl::SimpleAtoi(version[0], &revision)) << first.version();
  EXPECT_GE(revision, 1);
  EXPECT_EQ(version[1], "1");
  ASSERT_THAT(ReasonCatalog::FromProto(first).status(), IsOk());
  EXPECT_THAT(first.phrases(), Not(IsEmpty()));
  std::vector<std::string> tables;
  for (const v1::ReasonTable& t : first.tables()) tables.push_back(t.name());
  EXPECT_THAT(tables, testing::IsSupersetOf(
                          {"need_category", "need_level", "contact_plan"}));
  // Every component and constraint, by id, with the keys the API uses.
  std::vector<std::string> components, constraints;
  for (int i = 0; i < first.components_size(); ++i) {
    EXPECT_EQ(first.components(i).id(), i + 1);
    EXPECT_NE(first.components(i).title(), "");
    components.push_back(first.components(i).key());
  }
  for (int i = 0; i < first.constraints_size(); ++i) {
    EXPECT_EQ(first.constraints(i).id(), i + 1);
    constraints.push_back(first.constraints(i).key());
  }
  EXPECT_THAT(components, ElementsAreArray(ComponentIds()));
  EXPECT_THAT(constraints, ElementsAreArray(ConstraintIds()));
  EXPECT_EQ(first.components(0).title(), "needs margin");
}

TEST_F(CodedReasonsTest, APolicyUpdateChangesTheCatalogueVersion) {
  v1::ReasonCatalog before = CatalogProto(finder_);
  v1::UpdateMatchingPolicyRequest request;
  request.mutable_policy()->set_max_open_links(4);
  request.set_request_id("policy-catalogue");
  v1::MatchingPolicy updated;
  ASSERT_THAT(
      Match(&MatchingStub::UpdateMatchingPolicy, manager_, request, &updated),
      IsOk());
  ASSERT_EQ(updated.version(), 2);
  v1::ReasonCatalog after = CatalogProto(finder_);
  EXPECT_NE(after.version(), before.version());
  EXPECT_EQ(after.policy_version(), 2);
  EXPECT_EQ(after.version(),
            absl::StrCat(std::vector<std::string>(
                             absl::StrSplit(before.version(), '.'))[0],
                         ".2"));
  // The words did not change: only the version says which policy.
  after.clear_version();
  after.clear_policy_version();
  before.clear_version();
  before.clear_policy_version();
  EXPECT_THAT(after, EqualsProto(before));
}

// ---------------- the views ----------------

TEST_F(CodedReasonsTest, RankAdoptersViewsCarryCodesAndWordsAsDocumented) {
  ASSERT_NO_FATAL_FAILURE(AddConsortium());
  const ReasonCatalog catalog = Catalog();
  v1::RankAdoptersResponse unspecified =
      RankAdoptersIn(v1::RANK_VIEW_UNSPECIFIED, child_);
  v1::RankAdoptersResponse text =
      RankAdoptersIn(v1::RANK_VIEW_FULL_TEXT, child_);
  v1::RankAdoptersResponse full = RankAdoptersIn(v1::RANK_VIEW_FULL, child_);
  v1::RankAdoptersResponse basic = RankAdoptersIn(v1::RANK_VIEW_BASIC, child_);

  // Unset means FULL_TEXT: an old client keeps its words.
  EXPECT_THAT(unspecified, EqualsProto(text));
  ASSERT_THAT(text.adopters(), SizeIs(2));
  ASSERT_THAT(text.exclusions(), SizeIs(3));
  EXPECT_EQ(text.adopters(0).adopter(), fits_);
  for (const v1::RankedAdopter& a : text.adopters()) {
    ExpectExplainedComponents(a.components(), a.score(), DefaultWeights());
  }
  EXPECT_EQ(text.exclusions(0).text(), "1 household not available (on hold)");

  // FULL: the same ranking, coded.
  ASSERT_EQ(full.adopters_size(), text.adopters_size());
  for (int i = 0; i < full.adopters_size(); ++i) {
    SCOPED_TRACE(full.adopters(i).adopter());
    EXPECT_EQ(full.adopters(i).adopter(), text.adopters(i).adopter());
    EXPECT_EQ(full.adopters(i).score(), text.adopters(i).score());
    ExpectSameComponents(catalog, full.adopters(i).components(),
                         text.adopters(i).components());
  }
  ExpectSameExclusions(catalog, full.exclusions(), text.exclusions());
  EXPECT_LT(full.ByteSizeLong(), text.ByteSizeLong());

  // BASIC: names and scores, the exclusions coded as in FULL.
  ASSERT_EQ(basic.adopters_size(), text.adopters_size());
  for (int i = 0; i < basic.adopters_size(); ++i) {
    EXPECT_EQ(basic.adopters(i).adopter(), text.adopters(i).adopter());
    EXPECT_EQ(basic.adopters(i).score(), text.adopters(i).score());
    EXPECT_THAT(basic.adopters(i).components(), IsEmpty());
  }
  EXPECT_THAT(basic.exclusions(),
              testing::Pointwise(EqualsProtoPair(), full.exclusions()));
  for (auto* r : {&full, &basic, &text}) {
    EXPECT_EQ(r->considered(), 5);
    EXPECT_EQ(r->eligible(), 2);
    EXPECT_EQ(r->excluded(), 3);
    EXPECT_EQ(r->policy_version(), 1);
  }
}

TEST_F(CodedReasonsTest, RankChildrenViewsCarryCodesAndWordsAsDocumented) {
  ASSERT_NO_FATAL_FAILURE(AddConsortium());
  const ReasonCatalog catalog = Catalog();
  v1::RankChildrenResponse text =
      RankChildrenIn(v1::RANK_VIEW_FULL_TEXT, fits_);
  v1::RankChildrenResponse full = RankChildrenIn(v1::RANK_VIEW_FULL, fits_);
  EXPECT_THAT(RankChildrenIn(v1::RANK_VIEW_UNSPECIFIED, fits_),
              EqualsProto(text));
  ASSERT_THAT(text.children(), SizeIs(1));
  EXPECT_EQ(text.children(0).child(), child_);
  ASSERT_THAT(text.exclusions(), SizeIs(1));
  EXPECT_EQ(text.exclusions(0).text(), "1 child in groups larger than 1");
  ASSERT_THAT(full.children(), SizeIs(1));
  EXPECT_EQ(full.children(0).child(), child_);
  ExpectSameComponents(catalog, full.children(0).components(),
                       text.children(0).components());
  ExpectSameExclusions(catalog, full.exclusions(), text.exclusions());
  EXPECT_LT(full.ByteSizeLong(), text.ByteSizeLong());
}

TEST_F(CodedReasonsTest, LaterPagesAreCodedAsTheFirst) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  for (int i = 0; i < 5; ++i) {
    AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1 + i % 3, 48, 120));
  }
  ASSERT_FALSE(HasFailure());
  for (v1::RankView view : {v1::RANK_VIEW_FULL, v1::RANK_VIEW_FULL_TEXT}) {
    SCOPED_TRACE(v1::RankView_Name(view));
    v1::RankAdoptersResponse whole = RankAdoptersIn(view, child.name());
    ASSERT_THAT(whole.adopters(), SizeIs(5));
    std::vector<v1::RankedAdopter> paged;
    std::string token;
    do {
      v1::RankAdoptersResponse page =
          RankAdoptersIn(view, child.name(), token, 2);
      paged.insert(paged.end(), page.adopters().begin(), page.adopters().end());
      token = page.next_page_token();
    } while (!token.empty() && paged.size() < 10);
    ASSERT_THAT(paged, SizeIs(5));
    for (int i = 0; i < 5; ++i) {
      EXPECT_THAT(paged[i], EqualsProto(whole.adopters(i)));
    }
  }
}

TEST_F(CodedReasonsTest, AnUnknownViewIsRefusedNamingTheField) {
  v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::RankAdoptersRequest request;
  request.set_child(child.name());
  request.set_view(static_cast<v1::RankView>(9));
  v1::RankAdoptersResponse response;
  EXPECT_THAT(Match(&MatchingStub::RankAdopters, finder_, request, &response),
              StatusIs(Code::INVALID_ARGUMENT));
}

// ---------------- ExplainPair ----------------

TEST_F(CodedReasonsTest, ExplainPairCarriesCodesAndWords) {
  ASSERT_NO_FATAL_FAILURE(AddConsortium());
  const ReasonCatalog catalog = Catalog();
  v1::PairExplanation explained;
  ASSERT_THAT(ExplainPair(finder_, child_, fits_, &explained), IsOk());
  ASSERT_THAT(explained.components(), SizeIs(ComponentIds().size()));
  for (int i = 0; i < explained.components_size(); ++i) {
    const v1::ScoreComponent& c = explained.components(i);
    SCOPED_TRACE(c.component());
    EXPECT_EQ(c.id(), i + 1);
    EXPECT_EQ(c.component(), ComponentIds()[i]);
    EXPECT_THAT(c.reason_codes(), Not(IsEmpty()));
    EXPECT_NE(c.reason(), "");
    v1::ScoreComponent coded = c;
    coded.clear_reason();
    EXPECT_EQ(catalog.ReasonOf(coded), c.reason());
  }
  // The ranking's components are the pair's.
  v1::RankAdoptersResponse text =
      RankAdoptersIn(v1::RANK_VIEW_FULL_TEXT, child_);
  ASSERT_THAT(text.adopters(), Not(IsEmpty()));
  ASSERT_EQ(text.adopters(0).adopter(), fits_);
  EXPECT_THAT(text.adopters(0).components(),
              testing::Pointwise(EqualsProtoPair(), explained.components()));
}

}  // namespace
}  // namespace raa::test
