// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Child profiles: creating,
// validating, reading, hiding and listing them.
#include <SQLiteCpp/Database.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/server/server.h"
#include "tests/registry/server_fixture.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::CreateAdopterRequestFor;
using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, CreateChildThenGet) {
  v1::Child child = ValidChild();
  child.add_excluded_regions("west-yorkshire");
  v1::Child created = AddChild(sheffield_.secret(), "sheffield", child);
  EXPECT_THAT(created.name(), StartsWith("authorities/sheffield/children/c"));
  EXPECT_EQ(created.status(), v1::CHILD_STATUS_WAITING);
  // The region defaults to the authority's.
  EXPECT_EQ(created.region(), "south-yorkshire");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_EQ(created.summary(), child.summary());
  // As sent, plus the age today (ValidChild's ages are as of 2026-10-01).
  v1::ChildMember member = child.members(0);
  member.set_age_months_today(member.age_months() + 1);
  EXPECT_THAT(created.members(0), EqualsProto(member));
  EXPECT_THAT(created.journey(), EqualsProto(child.journey()));
  EXPECT_THAT(created.excluded_regions(), ElementsAre("west-yorkshire"));

  EXPECT_THAT(GetChild(sheffield_.secret(), created.name()),
              EqualsProto(created));
  EXPECT_THAT(GetChild(leeds_.secret(), created.name()), EqualsProto(created));
  EXPECT_THAT(ChildNames(leeds_.secret()), ElementsAre(created.name()));
}

TEST_F(ServerTest, CreateChildRejectsBadInputNamingEachFieldAndStoresNothing) {
  AddChild(sheffield_.secret(), "sheffield");
  std::vector<std::string> before = ChildNames(manager_);

  v1::Child child = ValidChild();
  child.mutable_members(0)->mutable_needs(0)->set_category(
      static_cast<v1::NeedCategory>(42));
  child.set_summary("Sam's carer can be reached on 0114 273 4567");
  *child.mutable_ages_as_of() = MakeDate(2026, 11, 2);
  v1::Child created;
  grpc::Status status = Reg(&RegistryStub::CreateChild, sheffield_.secret(),
                            ChildRequest("sheffield", child), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("child.members[0].needs[0].category",
                                   "child.summary", "child.ages_as_of"));
  EXPECT_EQ(ChildNames(manager_), before);

  // References to other members are checked too.
  status = Reg(&RegistryStub::CreateChild, sheffield_.secret(),
               ChildRequest("sheffield",
                            [] {
                              v1::Child c = ValidChild();
                              c.add_hidden_from("nowhere");
                              c.add_hidden_from("sheffield");
                              return c;
                            }()),
               &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("child.hidden_from[0]", "child.hidden_from[1]"));
  EXPECT_EQ(ChildNames(manager_), before);

  // A new profile starts WAITING, and needs a request id.
  v1::CreateChildRequest matched = ChildRequest("sheffield", ValidChild());
  matched.mutable_child()->set_status(v1::CHILD_STATUS_MATCHED);
  matched.clear_request_id();
  status =
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), matched, &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("child.status", "request_id"));
  EXPECT_EQ(ChildNames(manager_), before);

  // A placement order before the child entered care, with no SHOBPA
  // decision between them.
  v1::Child early = ValidChild();
  early.mutable_journey()->clear_shobpa_decision();
  *early.mutable_journey()->mutable_placement_order() = MakeDate(2024, 11, 4);
  status = Reg(&RegistryStub::CreateChild, sheffield_.secret(),
               ChildRequest("sheffield", early), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("child.journey.placement_order"));
  EXPECT_EQ(ChildNames(manager_), before);

  // A bad parent is named too.
  v1::CreateChildRequest no_parent = ChildRequest("sheffield", ValidChild());
  no_parent.set_parent("sheffield");
  status =
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), no_parent, &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("parent"));
  EXPECT_EQ(ChildNames(manager_), before);
}

TEST_F(ServerTest, CreateChildValidateOnlyStoresNothing) {
  v1::CreateChildRequest request = ChildRequest("sheffield", ValidChild());
  request.set_validate_only(true);
  request.clear_request_id();
  v1::Child checked;
  ASSERT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), request, &checked),
      IsOk());
  EXPECT_EQ(checked.name(), "");
  EXPECT_EQ(checked.region(), "south-yorkshire");
  EXPECT_THAT(ChildNames(manager_), IsEmpty());

  request.mutable_child()->set_summary("born 12/03/2019");
  grpc::Status status =
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), request, &checked);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.summary"));
}

// A withdraw reason is WithdrawChild's (checked as free text there) and a
// name is the service's: given on a create, in a batch or a check, neither
// is stored nor shown to other members (outside probe: a create stored a
// name, a date of birth and an address there, unchecked, for every member
// to read).
TEST_F(ServerTest, OutputOnlyFieldsGivenOnCreateAreNeitherStoredNorShown) {
  const std::string identifying =
      "Jane Doe, born 12 March 2025, 22 Park Road WF1 2AB";
  v1::Child child = ValidChild();
  child.set_withdraw_reason(identifying);
  child.set_name("authorities/leeds/children/c1");
  v1::CreateChildRequest check = ChildRequest("sheffield", child);
  check.set_validate_only(true);
  check.clear_request_id();
  v1::Child checked;
  ASSERT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), check, &checked),
      IsOk());
  EXPECT_EQ(checked.withdraw_reason(), "");
  EXPECT_EQ(checked.name(), "");

  v1::Child created = AddChild(sheffield_.secret(), "sheffield", child);
  EXPECT_EQ(created.withdraw_reason(), "");
  EXPECT_THAT(created.name(), StartsWith("authorities/sheffield/children/"));
  EXPECT_EQ(GetChild(leeds_.secret(), created.name()).withdraw_reason(), "");

  v1::BatchCreateChildrenRequest batch;
  batch.set_parent("authorities/sheffield");
  batch.set_request_id(NextRequestId());
  *batch.add_requests()->mutable_child() = child;
  v1::BatchCreateChildrenResponse batched;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, sheffield_.secret(),
                  batch, &batched),
              IsOk());
  ASSERT_EQ(batched.children_size(), 1);
  EXPECT_EQ(
      GetChild(leeds_.secret(), batched.children(0).name()).withdraw_reason(),
      "");

  v1::Adopter household = ValidAdopter();
  household.set_withdraw_reason(identifying);
  v1::Adopter stored;
  ASSERT_THAT(Reg(&RegistryStub::CreateAdopter, sheffield_.secret(),
                  CreateAdopterRequestFor("sheffield", household,
                                          "output-only-household-1"),
                  &stored),
              IsOk());
  EXPECT_EQ(GetAdopter(leeds_.secret(), stored.name()).withdraw_reason(), "");
}

// A check that stores nothing takes no write lock: the register form's
// check of a sheet is answered while a long write (another connection's, a
// batch of thousands) holds the database, and still refuses what it would.
TEST_F(ServerTest, ValidateOnlyIsAnsweredWhileAWriteHoldsTheDatabase) {
  SQLite::Database other(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
  other.setBusyTimeout(5000);  // behind the audit writer's commit, if any
  other.exec("BEGIN IMMEDIATE");

  v1::CreateChildRequest child = ChildRequest("sheffield", ValidChild());
  child.set_validate_only(true);
  child.clear_request_id();
  v1::Child checked;
  EXPECT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), child, &checked),
      IsOk());
  EXPECT_EQ(checked.region(), "south-yorkshire");
  child.mutable_child()->add_hidden_from("nowhere");
  grpc::Status status =
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), child, &checked);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.hidden_from[0]"));

  v1::CreateAdopterRequest adopter =
      test::CreateAdopterRequestFor("sheffield", test::ValidAdopter(), "");
  adopter.set_validate_only(true);
  v1::Adopter checked_adopter;
  EXPECT_THAT(Reg(&RegistryStub::CreateAdopter, sheffield_.secret(), adopter,
                  &checked_adopter),
              IsOk());

  other.exec("ROLLBACK");
  EXPECT_THAT(ChildNames(manager_), IsEmpty());
}

TEST_F(ServerTest, AValidateOnlyUpdateMakesEveryCheckAndStoresNothing) {
  v1::Child stored = AddChild(sheffield_.secret(), "sheffield");
  v1::Adopter household = AddAdopter(sheffield_.secret(), "sheffield");
  SQLite::Database other(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
  other.setBusyTimeout(5000);  // behind the audit writer's commit, if any
  other.exec("BEGIN IMMEDIATE");

  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(stored.name());
  update.mutable_child()->set_summary("Loves drawing and football.");
  update.mutable_update_mask()->add_paths("summary");
  update.set_validate_only(true);  // and no request_id
  v1::Child checked;
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), update, &checked),
      IsOk());
  EXPECT_EQ(checked.summary(), "Loves drawing and football.");
  EXPECT_EQ(checked.region(), stored.region());
  EXPECT_EQ(checked.members_size(), stored.members_size());

  // The checks made under the write lock are made too: a status that
  // follows the links, and a status change with no reason.
  v1::UpdateChildRequest linked = update;
  linked.mutable_child()->set_status(v1::CHILD_STATUS_LINKED);
  linked.mutable_update_mask()->add_paths("status");
  grpc::Status status =
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), linked, &checked);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.status"));
  v1::UpdateAdopterRequest on_hold;
  on_hold.mutable_adopter()->set_name(household.name());
  on_hold.mutable_adopter()->set_status(v1::ADOPTER_STATUS_ON_HOLD);
  on_hold.mutable_update_mask()->add_paths("status");
  on_hold.set_validate_only(true);
  v1::Adopter checked_household;
  status = Reg(&RegistryStub::UpdateAdopter, sheffield_.secret(), on_hold,
               &checked_household);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("status_reason"));
  on_hold.set_status_reason("The household asked for a pause.");
  ASSERT_THAT(Reg(&RegistryStub::UpdateAdopter, sheffield_.secret(), on_hold,
                  &checked_household),
              IsOk());
  EXPECT_EQ(checked_household.status(), v1::ADOPTER_STATUS_ON_HOLD);
  // Another member's profile stays another member's.
  EXPECT_THAT(
      Reg(&RegistryStub::UpdateChild, leeds_.secret(), update, &checked),
      StatusIs(Code::PERMISSION_DENIED));
  // Without validate_only the request id is required, as before.
  update.set_validate_only(false);
  status =
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), update, &checked);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("request_id"));

  other.exec("ROLLBACK");
  v1::GetChildRequest get;
  get.set_name(stored.name());
  v1::Child after;
  ASSERT_THAT(Reg(&RegistryStub::GetChild, sheffield_.secret(), get, &after),
              IsOk());
  EXPECT_EQ(after.summary(), stored.summary());
  EXPECT_EQ(after.status(), stored.status());
  EXPECT_EQ(after.status_history_size(), stored.status_history_size());
  v1::GetAdopterRequest get_household;
  get_household.set_name(household.name());
  v1::Adopter household_after;
  ASSERT_THAT(Reg(&RegistryStub::GetAdopter, sheffield_.secret(), get_household,
                  &household_after),
              IsOk());
  EXPECT_EQ(household_after.status(), household.status());
  EXPECT_EQ(household_after.status_history_size(),
            household.status_history_size());
}

TEST_F(ServerTest, GetChildNamesABadNameAndHidesMissingOnes) {
  v1::Child child = AddChild(sheffield_.secret(), "sheffield");
  v1::GetChildRequest request;
  v1::Child out;
  for (const char* bad : {"c1", "authorities/sheffield/children/1",
                          "authorities/sheffield/adopters/h1",
                          "authorities/sheffield/children/"}) {
    request.set_name(bad);
    grpc::Status status =
        Reg(&RegistryStub::GetChild, leeds_.secret(), request, &out);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT)) << bad;
    EXPECT_THAT(ViolationFields(status), ElementsAre("name")) << bad;
  }
  request.set_name("authorities/sheffield/children/c999");
  EXPECT_THAT(Reg(&RegistryStub::GetChild, leeds_.secret(), request, &out),
              StatusIs(Code::NOT_FOUND));
  // The row exists, but not under Leeds.
  request.set_name(
      absl::StrCat("authorities/leeds/children/",
                   child.name().substr(child.name().rfind('/') + 1)));
  EXPECT_THAT(Reg(&RegistryStub::GetChild, leeds_.secret(), request, &out),
              StatusIs(Code::NOT_FOUND));
}

TEST_F(ServerTest, AHiddenProfileIsInvisibleToTheAuthoritiesItIsHiddenFrom) {
  v1::Child child = ValidChild();
  child.add_hidden_from("leeds");
  v1::Child hidden = AddChild(sheffield_.secret(), "sheffield", child);
  v1::Child open = AddChild(sheffield_.secret(), "sheffield");

  v1::GetChildRequest get;
  get.set_name(hidden.name());
  v1::Child out;
  EXPECT_THAT(Reg(&RegistryStub::GetChild, leeds_.secret(), get, &out),
              StatusIs(Code::NOT_FOUND));
  EXPECT_THAT(ChildNames(leeds_.secret()), ElementsAre(open.name()));
  v1::ListChildrenRequest sheffield_only;
  sheffield_only.set_parent("authorities/sheffield");
  EXPECT_THAT(ChildNames(leeds_.secret(), sheffield_only),
              ElementsAre(open.name()));
  // Leeds' other keys cannot see it either.
  v1::CreateApiKeyResponse leeds_finder;
  ASSERT_NO_FATAL_FAILURE(
      NewKey("leeds", {v1::ROLE_FAMILY_FINDER}, &leeds_finder));
  EXPECT_THAT(Reg(&RegistryStub::GetChild, leeds_finder.secret(), get, &out),
              StatusIs(Code::NOT_FOUND));

  // Everyone else can, including its own authority; only the owner sees
  // whom it is hidden from (where the birth family may live).
  v1::Child seen_by_others = hidden;
  seen_by_others.clear_hidden_from();
  for (const std::string& key :
       {sheffield_.secret(), finder_.secret(), manager_}) {
    EXPECT_THAT(
        GetChild(key, hidden.name()),
        EqualsProto(key == sheffield_.secret() ? hidden : seen_by_others));
    EXPECT_THAT(ChildNames(key), ElementsAre(hidden.name(), open.name()));
  }

  // Hiding it later takes effect at once.
  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(open.name());
  update.mutable_child()->add_hidden_from("rotherham");
  update.mutable_update_mask()->add_paths("hidden_from");
  update.set_request_id(NextRequestId());
  v1::Child updated;
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), update, &updated),
      IsOk());
  EXPECT_THAT(ChildNames(finder_.secret()), ElementsAre(hidden.name()));
}

TEST_F(ServerTest, ListChildrenFiltersByAuthorityStatusAgeGroupSizeAndNeed) {
  v1::Child medical = ValidChild();  // one child of 24 months
  medical.mutable_members(0)->set_age_months(24);
  medical.mutable_members(0)->mutable_needs(0)->set_category(
      v1::NEED_CATEGORY_MEDICAL_CONDITION);
  v1::Child pair = ValidChild();  // 48 and 72 months, no needs
  pair.mutable_members(0)->clear_needs();
  pair.mutable_members(0)->set_age_months(48);
  *pair.add_members() = pair.members(0);
  pair.mutable_members(1)->set_age_months(72);
  pair.set_must_be_placed_together(true);
  v1::Child triple = pair;  // 12, 36 and 60 months
  *triple.add_members() = triple.members(0);
  triple.mutable_members(0)->set_age_months(12);
  triple.mutable_members(1)->set_age_months(36);
  triple.mutable_members(2)->set_age_months(60);
  std::string m = AddChild(sheffield_.secret(), "sheffield", medical).name();
  std::string p = AddChild(sheffield_.secret(), "sheffield", pair).name();
  std::string t = AddChild(sheffield_.secret(), "sheffield", triple).name();
  std::string l = AddChild(leeds_.secret(), "leeds").name();  // 84, learning
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(t);
  withdraw.set_reason("placed with extended family");
  withdraw.set_request_id(NextRequestId());
  v1::Child withdrawn;
  ASSERT_THAT(Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), withdraw,
                  &withdrawn),
              IsOk());

  const std::string key = finder_.secret();
  v1::ListChildrenRequest r = AllChildren();
  EXPECT_THAT(ChildNames(key, r), ElementsAre(m, p, t, l));
  r.set_parent("authorities/leeds");
  EXPECT_THAT(ChildNames(key, r), ElementsAre(l));
  r = AllChildren();
  r.set_status(v1::CHILD_STATUS_WAITING);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(m, p, l));
  r.set_status(v1::CHILD_STATUS_WITHDRAWN);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(t));
  r = AllChildren();
  r.set_min_age_months(70);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(p, l));
  r = AllChildren();
  r.set_max_age_months(20);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(t));
  r = AllChildren();
  r.set_group_size(2);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(p));
  r.set_group_size(3);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(t));
  r = AllChildren();
  r.set_need(v1::NEED_CATEGORY_MEDICAL_CONDITION);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(m));
  r.set_need(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  EXPECT_THAT(ChildNames(key, r), ElementsAre(l));
  r.set_status(v1::CHILD_STATUS_WAITING);
  r.set_parent("authorities/sheffield");
  EXPECT_THAT(ChildNames(key, r), IsEmpty());

  // Bad filters are named.
  r = AllChildren();
  r.set_parent("sheffield");
  r.set_group_size(9);
  r.set_min_age_months(-1);
  r.set_need(static_cast<v1::NeedCategory>(42));
  r.set_page_size(-1);
  v1::ListChildrenResponse response;
  grpc::Status status = Reg(&RegistryStub::ListChildren, key, r, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("parent", "group_size", "min_age_months",
                                   "need", "page_size"));
}

TEST_F(ServerTest, ListChildrenPagesWalkEveryProfileOnce) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.push_back(AddChild(sheffield_.secret(), "sheffield").name());
  }
  v1::ListChildrenRequest request = AllChildren();
  request.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    v1::ListChildrenResponse page;
    ASSERT_THAT(
        Reg(&RegistryStub::ListChildren, leeds_.secret(), request, &page),
        IsOk());
    EXPECT_LE(page.children_size(), 2);
    for (const v1::Child& c : page.children()) seen.push_back(c.name());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);

  request.set_page_token("bm90LWEtdG9rZW4");  // base64 of "not-a-token"
  v1::ListChildrenResponse page;
  grpc::Status status =
      Reg(&RegistryStub::ListChildren, leeds_.secret(), request, &page);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
  request.set_page_token("%%%");
  status = Reg(&RegistryStub::ListChildren, leeds_.secret(), request, &page);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
  // base64 of "after:+2" and "after:02": the number a token holds, spelt
  // otherwise, is not a token the server issued.
  for (const char* token : {"YWZ0ZXI6KzI", "YWZ0ZXI6MDI"}) {
    request.set_page_token(token);
    status = Reg(&RegistryStub::ListChildren, leeds_.secret(), request, &page);
    EXPECT_THAT(ViolationFields(status), ElementsAre("page_token")) << token;
  }
}

}  // namespace
}  // namespace raa
