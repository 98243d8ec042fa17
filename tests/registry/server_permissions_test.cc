// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Permissions: which role may call
// which RPC on whose records.
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
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, OnlyAManagerManagesMembersAndKeys) {
  std::vector<std::string> authorities = AuthorityNames();
  std::vector<std::string> keys = KeyNames();
  v1::Child child = AddChild(leeds_.secret(), "leeds");
  v1::Adopter adopter = AddAdopter(leeds_.secret(), "leeds");
  std::vector<std::pair<std::string, Rpc>> rpcs =
      EveryRpc(child, adopter, leeds_.api_key().name());
  std::set<std::string> manager_only = {"CreateAuthority", "WithdrawAuthority",
                                        "CreateApiKey", "RevokeApiKey"};
  for (auto& [method, rpc] : rpcs) {
    if (!manager_only.contains(method)) continue;
    EXPECT_THAT(rpc(leeds_.secret()), StatusIs(Code::PERMISSION_DENIED))
        << method;
    EXPECT_THAT(rpc(finder_.secret()), StatusIs(Code::PERMISSION_DENIED))
        << method;
  }
  EXPECT_EQ(AuthorityNames(), authorities);
  EXPECT_EQ(KeyNames(), keys);
  v1::GetAuthorityRequest get;
  get.set_name("authorities/leeds");
  v1::Authority leeds;
  ASSERT_THAT(Reg(&RegistryStub::GetAuthority, manager_, get, &leeds), IsOk());
  EXPECT_EQ(leeds.status(), v1::AUTHORITY_STATUS_ACTIVE);
}

TEST_F(ServerTest, ARegistrarChangesOnlyItsOwnAuthoritysRecords) {
  v1::Child child = AddChild(leeds_.secret(), "leeds");
  v1::Adopter adopter = AddAdopter(leeds_.secret(), "leeds");
  std::set<std::string> registrar_writes = {
      "CreateChild",   "BatchCreateChildren", "UpdateChild",
      "WithdrawChild", "CreateAdopter",       "BatchCreateAdopters",
      "UpdateAdopter", "WithdrawAdopter"};
  int checked = 0;
  for (auto& [method, rpc] :
       EveryRpc(child, adopter, leeds_.api_key().name())) {
    if (!registrar_writes.contains(method)) continue;
    ++checked;
    // Sheffield's registrar, Rotherham's family finder and the hub's manager
    // all lack the registrar role for Leeds.
    EXPECT_THAT(rpc(sheffield_.secret()), StatusIs(Code::PERMISSION_DENIED))
        << method;
    EXPECT_THAT(rpc(finder_.secret()), StatusIs(Code::PERMISSION_DENIED))
        << method;
    EXPECT_THAT(rpc(manager_), StatusIs(Code::PERMISSION_DENIED)) << method;
  }
  EXPECT_EQ(checked, 8);
  EXPECT_THAT(ChildNames(manager_), ElementsAre(child.name()));
  EXPECT_THAT(AdopterNames(manager_), ElementsAre(adopter.name()));
  EXPECT_THAT(GetChild(manager_, child.name()), EqualsProto(child));
  EXPECT_THAT(GetAdopter(manager_, adopter.name()), EqualsProto(adopter));
}

// A parent that is no member's name is bad input, whoever sends it: the
// answer names the field, rather than a permission about "..".
TEST_F(ServerTest, AMalformedParentIsInvalidNotSomeoneElses) {
  for (const std::string& parent :
       {std::string("authorities/../authorities/hub"),
        std::string("authorities/LEEDS"),
        std::string("authorities/l\xc3\xa9"
                    "eds"),
        std::string("authorities/le\0ds", 17)}) {
    v1::CreateChildRequest request;
    request.set_parent(parent);
    *request.mutable_child() = ValidChild();
    request.set_request_id(NextRequestId());
    v1::Child out;
    grpc::Status status =
        Reg(&RegistryStub::CreateChild, leeds_.secret(), request, &out);
    EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT)) << parent;
    EXPECT_THAT(ViolationFields(status), ElementsAre("parent")) << parent;
  }
  EXPECT_THAT(ChildNames(manager_), IsEmpty());
}

TEST_F(ServerTest, AFamilyFinderReadsButCannotRegister) {
  v1::Child child;
  EXPECT_THAT(Reg(&RegistryStub::CreateChild, finder_.secret(),
                  ChildRequest("rotherham", ValidChild()), &child),
              StatusIs(Code::PERMISSION_DENIED));
  v1::Adopter adopter;
  EXPECT_THAT(Reg(&RegistryStub::CreateAdopter, finder_.secret(),
                  AdopterRequest("rotherham", ValidAdopter()), &adopter),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(ChildNames(manager_), IsEmpty());
  EXPECT_THAT(AdopterNames(manager_), IsEmpty());

  v1::Child sheffield_child = AddChild(sheffield_.secret(), "sheffield");
  v1::Adopter leeds_adopter = AddAdopter(leeds_.secret(), "leeds");
  EXPECT_THAT(GetChild(finder_.secret(), sheffield_child.name()),
              EqualsProto(sheffield_child));
  EXPECT_THAT(GetAdopter(finder_.secret(), leeds_adopter.name()),
              EqualsProto(leeds_adopter));
  EXPECT_THAT(ChildNames(finder_.secret()),
              ElementsAre(sheffield_child.name()));
  EXPECT_THAT(AdopterNames(finder_.secret()),
              ElementsAre(leeds_adopter.name()));
}

}  // namespace
}  // namespace raa
