// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Withdrawal: a member leaving (and
// coming back), and a child or household leaving matching, each with its
// history kept.
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
#include "raa/v1/journey.grpc.pb.h"
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

using ::raa::test::Call;
using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, AWithdrawnAuthorityTakesNoNewRecordsButKeepsItsHistory) {
  v1::Child child = AddChild(leeds_.secret(), "leeds");
  v1::Adopter adopter = AddAdopter(leeds_.secret(), "leeds");

  v1::WithdrawAuthorityRequest request;
  request.set_name("authorities/leeds");
  request.set_request_id(NextRequestId());
  v1::Authority withdrawn;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawAuthority, manager_, request, &withdrawn),
      IsOk());
  EXPECT_EQ(withdrawn.status(), v1::AUTHORITY_STATUS_WITHDRAWN);
  EXPECT_THAT(withdrawn.withdrawn_on(), EqualsProto(MakeDate(2026, 11, 1)));

  // A retry returns the first answer rather than "already withdrawn".
  v1::Authority again;
  ASSERT_THAT(Reg(&RegistryStub::WithdrawAuthority, manager_, request, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(withdrawn));
  request.set_request_id(NextRequestId());
  EXPECT_THAT(Reg(&RegistryStub::WithdrawAuthority, manager_, request, &again),
              StatusIs(Code::FAILED_PRECONDITION));

  // Its keys change nothing any more (see tests/access for what they read).
  v1::Child new_child;
  grpc::Status status = Reg(&RegistryStub::CreateChild, leeds_.secret(),
                            ChildRequest("leeds", ValidChild()), &new_child);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  v1::Adopter new_adopter;
  status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
               AdopterRequest("leeds", ValidAdopter()), &new_adopter);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));
  v1::BatchCreateChildrenRequest batch;
  batch.set_parent("authorities/leeds");
  *batch.add_requests()->mutable_child() = ValidChild();
  batch.set_request_id(NextRequestId());
  v1::BatchCreateChildrenResponse batch_response;
  status = Reg(&RegistryStub::BatchCreateChildren, leeds_.secret(), batch,
               &batch_response);
  EXPECT_THAT(status, StatusIs(Code::PERMISSION_DENIED));

  EXPECT_THAT(ChildNames(manager_), ElementsAre(child.name()));
  EXPECT_THAT(GetChild(finder_.secret(), child.name()), EqualsProto(child));
  EXPECT_THAT(GetAdopter(finder_.secret(), adopter.name()),
              EqualsProto(adopter));

  v1::ListAuthoritiesRequest list;
  list.set_status(v1::AUTHORITY_STATUS_WITHDRAWN);
  v1::ListAuthoritiesResponse listed;
  ASSERT_THAT(Reg(&RegistryStub::ListAuthorities, manager_, list, &listed),
              IsOk());
  ASSERT_THAT(listed.authorities(), SizeIs(1));
  EXPECT_EQ(listed.authorities(0).name(), "authorities/leeds");
}

TEST_F(ServerTest, WithdrawAuthorityRejectsBadInput) {
  v1::WithdrawAuthorityRequest request;
  request.set_name("leeds");
  *request.mutable_withdrawn_on() = MakeDate(2026, 11, 2);
  v1::Authority out;
  grpc::Status status =
      Reg(&RegistryStub::WithdrawAuthority, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("name", "withdrawn_on", "request_id"));

  // Before it joined (today).
  request.set_name("authorities/leeds");
  *request.mutable_withdrawn_on() = MakeDate(2026, 10, 1);
  request.set_request_id(NextRequestId());
  status = Reg(&RegistryStub::WithdrawAuthority, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("withdrawn_on"));

  // The hub cannot withdraw itself with its own key.
  request.set_name("authorities/hub");
  request.clear_withdrawn_on();
  request.set_request_id(NextRequestId());
  EXPECT_THAT(Reg(&RegistryStub::WithdrawAuthority, manager_, request, &out),
              StatusIs(Code::FAILED_PRECONDITION));

  v1::ListAuthoritiesRequest list;
  list.set_status(v1::AUTHORITY_STATUS_WITHDRAWN);
  v1::ListAuthoritiesResponse listed;
  ASSERT_THAT(Reg(&RegistryStub::ListAuthorities, manager_, list, &listed),
              IsOk());
  EXPECT_THAT(listed.authorities(), IsEmpty());
}

TEST_F(ServerTest, WithdrawalImpactCountsWhatLeavesMatching) {
  AddChild(leeds_.secret(), "leeds");
  v1::Child pair = ValidChild();
  *pair.add_members() = pair.members(0);
  pair.set_must_be_placed_together(true);
  AddChild(leeds_.secret(), "leeds", pair);
  v1::Child withdrawn = AddChild(leeds_.secret(), "leeds");
  v1::WithdrawChildRequest withdraw_child;
  withdraw_child.set_name(withdrawn.name());
  withdraw_child.set_reason("plan changed to special guardianship");
  withdraw_child.set_request_id(NextRequestId());
  v1::Child ignored;
  ASSERT_THAT(Reg(&RegistryStub::WithdrawChild, leeds_.secret(), withdraw_child,
                  &ignored),
              IsOk());
  AddAdopter(leeds_.secret(), "leeds");
  AddChild(sheffield_.secret(), "sheffield");  // another member's

  v1::GetWithdrawalImpactRequest request;
  request.set_name("authorities/leeds");
  v1::WithdrawalImpact impact;
  ASSERT_THAT(
      Reg(&RegistryStub::GetWithdrawalImpact, manager_, request, &impact),
      IsOk());
  EXPECT_EQ(impact.authority(), "authorities/leeds");
  EXPECT_EQ(impact.display_name(), "Leeds City Council");
  EXPECT_EQ(impact.child_profiles_in_matching(), 2);
  EXPECT_EQ(impact.children_in_matching(), 3);
  EXPECT_EQ(impact.other_child_profiles(), 1);
  EXPECT_EQ(impact.households_in_matching(), 1);
  EXPECT_EQ(impact.other_households(), 0);
  EXPECT_EQ(impact.active_keys(), 1);

  EXPECT_THAT(Reg(&RegistryStub::GetWithdrawalImpact, leeds_.secret(), request,
                  &impact),
              StatusIs(Code::PERMISSION_DENIED));
  request.set_name("authorities/nowhere");
  EXPECT_THAT(
      Reg(&RegistryStub::GetWithdrawalImpact, manager_, request, &impact),
      StatusIs(Code::NOT_FOUND));
}

TEST_F(ServerTest, WithdrawalImpactCountsOpenLinksOnEitherSide) {
  v1::Child sheffield_child = AddChild(sheffield_.secret(), "sheffield");
  v1::Adopter fits = ValidAdopter();  // a household for a boy of 7
  fits.set_max_age_months(120);
  fits.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_SEVERE);
  v1::Adopter leeds_household = AddAdopter(leeds_.secret(), "leeds", fits);
  v1::CreateApiKeyResponse finder;
  ASSERT_NO_FATAL_FAILURE(
      NewKey("sheffield", {v1::ROLE_FAMILY_FINDER}, &finder));
  auto journey = v1::JourneyService::NewStub(channel_);
  v1::OpenLinkRequest open;
  open.set_child(sheffield_child.name());
  open.set_adopter(leeds_household.name());
  open.set_request_id(NextRequestId());
  v1::Link link;
  ASSERT_THAT(Call(*journey, &v1::JourneyService::Stub::OpenLink,
                   finder.secret(), open, &link),
              IsOk());

  for (const char* member : {"authorities/leeds", "authorities/sheffield"}) {
    v1::GetWithdrawalImpactRequest request;
    request.set_name(member);
    v1::WithdrawalImpact impact;
    ASSERT_THAT(
        Reg(&RegistryStub::GetWithdrawalImpact, manager_, request, &impact),
        IsOk());
    EXPECT_EQ(impact.open_links(), 1) << member;
  }
}

TEST_F(ServerTest, AReinstatedMemberComesBackWithItsRecordsAsTheyWere) {
  v1::Child sheffield_child = AddChild(sheffield_.secret(), "sheffield");
  v1::Child leeds_child = AddChild(leeds_.secret(), "leeds");
  v1::Adopter fits = ValidAdopter();  // a household for a boy of 7
  fits.set_max_age_months(120);
  fits.mutable_need_limits(0)->set_max_level(v1::NEED_LEVEL_SEVERE);
  v1::Adopter leeds_household = AddAdopter(leeds_.secret(), "leeds", fits);
  auto matching = v1::MatchingService::NewStub(channel_);
  v1::CreateApiKeyResponse finder;
  ASSERT_NO_FATAL_FAILURE(
      NewKey("sheffield", {v1::ROLE_FAMILY_FINDER}, &finder));
  auto ranked_households = [&]() {
    v1::RankAdoptersRequest rank;
    rank.set_child(sheffield_child.name());
    v1::RankAdoptersResponse response;
    EXPECT_THAT(Call(*matching, &v1::MatchingService::Stub::RankAdopters,
                     finder.secret(), rank, &response),
                IsOk());
    std::vector<std::string> names;
    for (const auto& a : response.adopters()) names.push_back(a.adopter());
    return names;
  };
  ASSERT_THAT(ranked_households(), ElementsAre(leeds_household.name()));

  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/leeds");
  withdraw.set_request_id(NextRequestId());
  v1::Authority authority;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawAuthority, manager_, withdraw, &authority),
      IsOk());
  EXPECT_THAT(ranked_households(), IsEmpty());

  v1::ReinstateAuthorityRequest reinstate;
  reinstate.set_name("authorities/leeds");
  reinstate.set_request_id(NextRequestId());
  ASSERT_THAT(
      Reg(&RegistryStub::ReinstateAuthority, manager_, reinstate, &authority),
      IsOk());
  EXPECT_EQ(authority.status(), v1::AUTHORITY_STATUS_ACTIVE);
  EXPECT_FALSE(authority.has_withdrawn_on());
  EXPECT_THAT(authority.rejoined_on(), EqualsProto(MakeDate(2026, 11, 1)));
  EXPECT_THAT(GetChild(manager_, leeds_child.name()), EqualsProto(leeds_child));
  EXPECT_THAT(GetAdopter(manager_, leeds_household.name()),
              EqualsProto(leeds_household));
  EXPECT_THAT(ranked_households(), ElementsAre(leeds_household.name()));
  AddChild(leeds_.secret(), "leeds");  // takes new records again

  // A retry returns the first answer; reinstating an active member is refused
  // naming it in words.
  v1::Authority again;
  ASSERT_THAT(
      Reg(&RegistryStub::ReinstateAuthority, manager_, reinstate, &again),
      IsOk());
  EXPECT_THAT(again, EqualsProto(authority));
  reinstate.set_request_id(NextRequestId());
  grpc::Status status =
      Reg(&RegistryStub::ReinstateAuthority, manager_, reinstate, &again);
  EXPECT_THAT(status, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(status.error_message(), HasSubstr("Leeds City Council"));
}

TEST_F(ServerTest, WithdrawChildRecordsTheReason) {
  v1::Child created = AddChild(sheffield_.secret(), "sheffield");
  v1::WithdrawChildRequest request;
  request.set_name(created.name());
  v1::Child out;
  // A reason is required, and must be anonymous too.
  request.set_request_id(NextRequestId());
  grpc::Status status =
      Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
  request.set_reason("returned to birth father at 12 Elm Road, S1 2HH");
  status =
      Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
  EXPECT_THAT(GetChild(manager_, created.name()), EqualsProto(created));

  request.set_reason("placed with extended family under an SGO");
  v1::Child withdrawn;
  ASSERT_THAT(Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), request,
                  &withdrawn),
              IsOk());
  EXPECT_EQ(withdrawn.status(), v1::CHILD_STATUS_WITHDRAWN);
  EXPECT_EQ(withdrawn.withdraw_reason(), request.reason());
  EXPECT_THAT(GetChild(leeds_.secret(), created.name()),
              EqualsProto(withdrawn));

  // A retry answers the same; a new request finds it already withdrawn.
  v1::Child again;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), request, &again),
      IsOk());
  EXPECT_THAT(again, EqualsProto(withdrawn));
  request.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::WithdrawChild, sheffield_.secret(), request, &again),
      StatusIs(Code::FAILED_PRECONDITION));
  // A withdrawn profile is history: it cannot be updated back to life.
  v1::UpdateChildRequest update;
  update.mutable_child()->set_name(created.name());
  update.mutable_child()->set_status(v1::CHILD_STATUS_WAITING);
  update.mutable_update_mask()->add_paths("status");
  update.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), update, &again),
      StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(GetChild(manager_, created.name()), EqualsProto(withdrawn));
}

TEST_F(ServerTest, WithdrawAdopterRecordsTheReason) {
  v1::Adopter created = AddAdopter(leeds_.secret(), "leeds");
  v1::WithdrawAdopterRequest request;
  request.set_name(created.name());
  request.set_request_id(NextRequestId());
  v1::Adopter out;
  grpc::Status status =
      Reg(&RegistryStub::WithdrawAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
  EXPECT_THAT(GetAdopter(manager_, created.name()), EqualsProto(created));

  request.set_reason("decided not to proceed");
  v1::Adopter withdrawn;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawAdopter, leeds_.secret(), request, &withdrawn),
      IsOk());
  EXPECT_EQ(withdrawn.status(), v1::ADOPTER_STATUS_WITHDRAWN);
  EXPECT_EQ(withdrawn.withdraw_reason(), "decided not to proceed");
  EXPECT_THAT(GetAdopter(manager_, created.name()), EqualsProto(withdrawn));
  v1::Adopter again;
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawAdopter, leeds_.secret(), request, &again),
      IsOk());
  EXPECT_THAT(again, EqualsProto(withdrawn));
  request.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::WithdrawAdopter, leeds_.secret(), request, &again),
      StatusIs(Code::FAILED_PRECONDITION));
}

}  // namespace
}  // namespace raa
