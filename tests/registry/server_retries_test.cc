// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Retries: the same request_id again
// is answered with the first answer and changes nothing.
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
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::testing::ElementsAre;
using ::testing::StartsWith;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, RetryingCreateChildReturnsTheFirstAnswerAndCreatesOne) {
  v1::CreateChildRequest request = ChildRequest("sheffield", ValidChild());
  v1::Child first;
  ASSERT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), request, &first),
      IsOk());
  clock_.Advance(absl::Minutes(5));
  v1::Child second;
  ASSERT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), request, &second),
      IsOk());
  EXPECT_THAT(second, EqualsProto(first));
  EXPECT_THAT(ChildNames(manager_), ElementsAre(first.name()));

  // The same id for a different profile is refused, and stores nothing.
  request.mutable_child()->set_summary("A different child altogether");
  v1::Child third;
  EXPECT_THAT(
      Reg(&RegistryStub::CreateChild, sheffield_.secret(), request, &third),
      StatusIs(Code::ALREADY_EXISTS));
  EXPECT_THAT(ChildNames(manager_), ElementsAre(first.name()));

  // Request ids are per member: Leeds may use the same one.
  v1::CreateChildRequest leeds = ChildRequest("leeds", ValidChild());
  leeds.set_request_id(request.request_id());
  v1::Child theirs;
  ASSERT_THAT(Reg(&RegistryStub::CreateChild, leeds_.secret(), leeds, &theirs),
              IsOk());
  EXPECT_THAT(ChildNames(manager_), ElementsAre(first.name(), theirs.name()));
}

TEST_F(ServerTest, RetryingCreateAdopterReturnsTheFirstAnswerAndCreatesOne) {
  v1::CreateAdopterRequest request = AdopterRequest("leeds", ValidAdopter());
  v1::Adopter first, second, third;
  ASSERT_THAT(
      Reg(&RegistryStub::CreateAdopter, leeds_.secret(), request, &first),
      IsOk());
  ASSERT_THAT(
      Reg(&RegistryStub::CreateAdopter, leeds_.secret(), request, &second),
      IsOk());
  EXPECT_THAT(second, EqualsProto(first));
  request.mutable_adopter()->set_approved_for(3);
  EXPECT_THAT(
      Reg(&RegistryStub::CreateAdopter, leeds_.secret(), request, &third),
      StatusIs(Code::ALREADY_EXISTS));
  EXPECT_THAT(AdopterNames(manager_), ElementsAre(first.name()));
  EXPECT_EQ(GetAdopter(manager_, first.name()).approved_for(), 2);
}

TEST_F(ServerTest, RetryingCreateAuthorityAndCreateApiKeyIsSafe) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id("doncaster");
  *request.mutable_authority() = ValidAuthority("Doncaster", "south-yorkshire");
  request.set_request_id(NextRequestId());
  v1::Authority first, second;
  ASSERT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &first),
              IsOk());
  ASSERT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &second),
              IsOk());
  EXPECT_THAT(second, EqualsProto(first));
  request.mutable_authority()->set_display_name("Doncaster Council");
  EXPECT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &second),
              StatusIs(Code::ALREADY_EXISTS));

  v1::CreateApiKeyRequest key;
  key.mutable_api_key()->set_authority("authorities/doncaster");
  key.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
  key.set_request_id(NextRequestId());
  std::vector<std::string> keys_before = KeyNames();
  v1::CreateApiKeyResponse key_first, key_second;
  ASSERT_THAT(Acc(&AccessStub::CreateApiKey, manager_, key, &key_first),
              IsOk());
  ASSERT_THAT(Acc(&AccessStub::CreateApiKey, manager_, key, &key_second),
              IsOk());
  // The same key, once: its secret is not kept, so the retry cannot show it.
  EXPECT_THAT(key_second.api_key(), EqualsProto(key_first.api_key()));
  EXPECT_EQ(KeyNames().size(), keys_before.size() + 1);
  EXPECT_THAT(AddChild(key_first.secret(), "doncaster").name(),
              StartsWith("authorities/doncaster/children/"));
}

}  // namespace
}  // namespace raa
