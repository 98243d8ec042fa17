// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Member authorities: creating,
// reading, listing and correcting them.
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

using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidAuthority;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, CreateAuthorityThenGetAndList) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id("barnardos-yorkshire");
  v1::Authority* a = request.mutable_authority();
  *a = ValidAuthority("Barnardo's Yorkshire", "west-yorkshire");
  a->set_kind(v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY);
  request.set_request_id(NextRequestId());
  v1::Authority created;
  ASSERT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
              IsOk());
  EXPECT_EQ(created.name(), "authorities/barnardos-yorkshire");
  EXPECT_EQ(created.display_name(), "Barnardo's Yorkshire");
  EXPECT_EQ(created.kind(), v1::AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY);
  EXPECT_EQ(created.region(), "west-yorkshire");
  EXPECT_EQ(created.status(), v1::AUTHORITY_STATUS_ACTIVE);
  EXPECT_THAT(created.joined_on(), EqualsProto(MakeDate(2026, 11, 1)));
  EXPECT_TRUE(created.has_create_time());

  // Any member may read it.
  v1::GetAuthorityRequest get;
  get.set_name("authorities/barnardos-yorkshire");
  v1::Authority read;
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, finder_.secret(), get, &read),
              IsOk());
  EXPECT_THAT(read, EqualsProto(created));
  EXPECT_THAT(AuthorityNames(),
              ElementsAre("authorities/hub", "authorities/sheffield",
                          "authorities/leeds", "authorities/rotherham",
                          "authorities/barnardos-yorkshire"));
}

TEST_F(ServerTest, CreateAuthorityRejectsBadInputAndChangesNothing) {
  std::vector<std::string> before = AuthorityNames();
  v1::CreateAuthorityRequest request;
  request.set_authority_id("Doncaster Council");
  request.mutable_authority()->set_display_name("Doncaster");
  request.mutable_authority()->set_region("");
  *request.mutable_authority()->mutable_joined_on() = MakeDate(2026, 12, 1);
  v1::Authority created;
  grpc::Status status =
      Reg(&RegistryStub::CreateAuthority, manager_, request, &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(
      ViolationFields(status),
      UnorderedElementsAre("authority_id", "authority.kind", "authority.region",
                           "authority.joined_on", "request_id"));
  EXPECT_EQ(AuthorityNames(), before);
}

TEST_F(ServerTest, CreateAuthorityWithATakenIdIsAlreadyExists) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id("leeds");
  *request.mutable_authority() = ValidAuthority("Leeds again", "leeds");
  request.set_request_id(NextRequestId());
  v1::Authority created;
  EXPECT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
              StatusIs(Code::ALREADY_EXISTS));
  v1::GetAuthorityRequest get;
  get.set_name("authorities/leeds");
  v1::Authority leeds;
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, manager_, get, &leeds), IsOk());
  EXPECT_EQ(leeds.display_name(), "Leeds City Council");
}

// The hub is the consortium's one regional adoption agency: a second one,
// created, corrected to that kind or reinstated, is refused and nothing
// changes; once the hub's kind is corrected, another member may be it.
TEST_F(ServerTest, TheConsortiumHasOneRegionalAdoptionAgency) {
  v1::CreateAuthorityRequest create;
  create.set_authority_id("southyorks-raa");
  *create.mutable_authority() =
      ValidAuthority("South Yorkshire RAA", "south-yorkshire");
  create.mutable_authority()->set_kind(
      v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY);
  create.set_request_id(NextRequestId());
  v1::Authority created;
  grpc::Status refused =
      Reg(&RegistryStub::CreateAuthority, manager_, create, &created);
  EXPECT_THAT(refused, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(refused.error_message(),
              HasSubstr("hub is the consortium's regional adoption agency"));
  v1::GetAuthorityRequest get;
  get.set_name("authorities/southyorks-raa");
  v1::Authority read;
  EXPECT_THAT(Reg(&RegistryStub::GetAuthority, manager_, get, &read),
              StatusIs(Code::NOT_FOUND));

  v1::UpdateAuthorityRequest to_raa;
  to_raa.mutable_authority()->set_name("authorities/leeds");
  to_raa.mutable_authority()->set_kind(
      v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY);
  to_raa.mutable_update_mask()->add_paths("kind");
  to_raa.set_request_id(NextRequestId());
  v1::Authority updated;
  EXPECT_THAT(Reg(&RegistryStub::UpdateAuthority, manager_, to_raa, &updated),
              StatusIs(Code::FAILED_PRECONDITION));

  // The hub corrected to a local authority: leeds may be the agency, and
  // the hub may not be it again while leeds is.
  v1::UpdateAuthorityRequest hub_to_la = to_raa;
  hub_to_la.mutable_authority()->set_name("authorities/hub");
  hub_to_la.mutable_authority()->set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
  hub_to_la.set_request_id(NextRequestId());
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateAuthority, manager_, hub_to_la, &updated),
      IsOk());
  to_raa.set_request_id(NextRequestId());
  ASSERT_THAT(Reg(&RegistryStub::UpdateAuthority, manager_, to_raa, &updated),
              IsOk());
  EXPECT_EQ(updated.kind(), v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY);
  v1::UpdateAuthorityRequest hub_to_raa = to_raa;
  hub_to_raa.mutable_authority()->set_name("authorities/hub");
  hub_to_raa.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::UpdateAuthority, manager_, hub_to_raa, &updated),
      StatusIs(Code::FAILED_PRECONDITION));

  // Withdrawn, leeds is no longer the agency: the hub may be it again, and
  // leeds is not reinstated beside it.
  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/leeds");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(
      Reg(&RegistryStub::WithdrawAuthority, manager_, withdraw, &updated),
      IsOk());
  hub_to_raa.set_request_id(NextRequestId());
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateAuthority, manager_, hub_to_raa, &updated),
      IsOk());
  v1::ReinstateAuthorityRequest reinstate;
  reinstate.set_name("authorities/leeds");
  reinstate.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::ReinstateAuthority, manager_, reinstate, &updated),
      StatusIs(Code::FAILED_PRECONDITION));
  get.set_name("authorities/leeds");
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, manager_, get, &read), IsOk());
  EXPECT_EQ(read.status(), v1::AUTHORITY_STATUS_WITHDRAWN);
}

TEST_F(ServerTest, GetAuthorityNamesABadNameAndReportsAMissingOne) {
  v1::GetAuthorityRequest request;
  request.set_name("leeds");
  v1::Authority authority;
  grpc::Status status =
      Reg(&RegistryStub::GetAuthority, leeds_.secret(), request, &authority);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));

  request.set_name("authorities/nowhere");
  EXPECT_THAT(
      Reg(&RegistryStub::GetAuthority, leeds_.secret(), request, &authority),
      StatusIs(Code::NOT_FOUND));
}

TEST_F(ServerTest, ListAuthoritiesPagesAndFilters) {
  v1::ListAuthoritiesRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  int pages = 0;
  do {
    v1::ListAuthoritiesResponse page;
    ASSERT_THAT(
        Reg(&RegistryStub::ListAuthorities, finder_.secret(), request, &page),
        IsOk());
    EXPECT_LE(page.authorities_size(), 2);
    for (const v1::Authority& a : page.authorities()) names.push_back(a.name());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_THAT(names, ElementsAre("authorities/hub", "authorities/sheffield",
                                 "authorities/leeds", "authorities/rotherham"));
  EXPECT_EQ(pages, 2);

  v1::ListAuthoritiesRequest bad;
  bad.set_page_token("not-a-token");
  v1::ListAuthoritiesResponse response;
  grpc::Status status =
      Reg(&RegistryStub::ListAuthorities, finder_.secret(), bad, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));

  v1::ListAuthoritiesRequest withdrawn;
  withdrawn.set_status(v1::AUTHORITY_STATUS_WITHDRAWN);
  ASSERT_THAT(Reg(&RegistryStub::ListAuthorities, finder_.secret(), withdrawn,
                  &response),
              IsOk());
  EXPECT_THAT(response.authorities(), IsEmpty());
}

TEST_F(ServerTest, UpdateAuthorityCorrectsATypoAndNothingElse) {
  v1::GetAuthorityRequest get;
  get.set_name("authorities/leeds");
  v1::Authority before;
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, manager_, get, &before), IsOk());

  v1::UpdateAuthorityRequest request;
  request.mutable_authority()->set_name("authorities/leeds");
  request.mutable_authority()->set_display_name("Leeds City Council (RAA)");
  request.mutable_authority()->set_london_weighting(true);  // not in the mask
  request.mutable_update_mask()->add_paths("display_name");
  request.set_request_id(NextRequestId());
  v1::Authority updated;
  ASSERT_THAT(Reg(&RegistryStub::UpdateAuthority, manager_, request, &updated),
              IsOk());
  EXPECT_EQ(updated.display_name(), "Leeds City Council (RAA)");
  EXPECT_FALSE(updated.london_weighting());
  EXPECT_EQ(updated.region(), before.region());
  EXPECT_EQ(updated.status(), v1::AUTHORITY_STATUS_ACTIVE);
  EXPECT_THAT(updated.joined_on(), EqualsProto(before.joined_on()));
  v1::Authority read;
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, finder_.secret(), get, &read),
              IsOk());
  EXPECT_THAT(read, EqualsProto(updated));

  // A retry returns the first answer.
  v1::Authority again;
  ASSERT_THAT(Reg(&RegistryStub::UpdateAuthority, manager_, request, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(updated));
}

TEST_F(ServerTest, UpdateAuthorityRefusesBadInputAndOthersThanManagers) {
  v1::UpdateAuthorityRequest request;
  request.mutable_authority()->set_name("leeds");
  request.mutable_authority()->set_display_name("");
  request.mutable_update_mask()->add_paths("status");
  v1::Authority out;
  grpc::Status status =
      Reg(&RegistryStub::UpdateAuthority, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("authority.name", "update_mask.paths[0]",
                                   "request_id"));

  // The merged record is validated: an empty name is refused.
  request.mutable_authority()->set_name("authorities/leeds");
  request.mutable_update_mask()->set_paths(0, "display_name");
  request.set_request_id(NextRequestId());
  status = Reg(&RegistryStub::UpdateAuthority, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("authority.display_name"));

  request.mutable_authority()->set_name("authorities/nowhere");
  request.mutable_authority()->set_display_name("Nowhere");
  request.set_request_id(NextRequestId());
  status = Reg(&RegistryStub::UpdateAuthority, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::NOT_FOUND));
  EXPECT_THAT(status.error_message(), HasSubstr("nowhere"));

  request.mutable_authority()->set_name("authorities/leeds");
  request.set_request_id(NextRequestId());
  EXPECT_THAT(
      Reg(&RegistryStub::UpdateAuthority, leeds_.secret(), request, &out),
      StatusIs(Code::PERMISSION_DENIED));
}

}  // namespace
}  // namespace raa
