// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Health, reflection and keys: what
// needs no key, what every RPC does without one or with a wrong or revoked one,
// and issuing, listing and revoking keys.
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
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, HealthAnswersServingWithoutAKey) {
  int serving = 0;
  ASSERT_THAT(test::CheckHealth(channel_, "", &serving), IsOk());
  EXPECT_EQ(serving, 1);  // SERVING
}

TEST_F(ServerTest, ReflectionListsTheServicesWithoutAKey) {
  std::string services;
  ASSERT_THAT(test::ListServicesByReflection(channel_, &services), IsOk());
  EXPECT_THAT(services, HasSubstr("raa.v1.RegistryService"));
  EXPECT_THAT(services, HasSubstr("raa.v1.AccessService"));
}

TEST_F(ServerTest, KeysAreStoredOnlyAsHashes) {
  // The secret part of each key issued so far must appear nowhere on disk.
  std::string on_disk;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(dir_.File(absl::StrCat("raamatch.db", suffix)),
                     std::ios::binary);
    on_disk += std::string(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_FALSE(on_disk.empty());
  for (const std::string& key :
       {manager_, sheffield_.secret(), leeds_.secret(), finder_.secret()}) {
    std::string secret = key.substr(key.rfind('_') + 1);
    ASSERT_EQ(secret.size(), 48u);
    EXPECT_EQ(on_disk.find(secret), std::string::npos) << key;
  }
}

TEST_F(ServerTest, EveryRpcWithoutAKeyIsUnauthenticatedAndChangesNothing) {
  v1::Child child = AddChild(leeds_.secret(), "leeds");
  v1::Adopter adopter = AddAdopter(leeds_.secret(), "leeds");
  std::vector<std::string> authorities = AuthorityNames();
  std::vector<std::string> keys = KeyNames();

  for (auto& [method, rpc] :
       EveryRpc(child, adopter, leeds_.api_key().name())) {
    EXPECT_THAT(rpc(""), StatusIs(Code::UNAUTHENTICATED)) << method;
    EXPECT_THAT(rpc("not-a-key"), StatusIs(Code::UNAUTHENTICATED)) << method;
  }
  EXPECT_EQ(AuthorityNames(), authorities);
  EXPECT_EQ(KeyNames(), keys);
  EXPECT_THAT(ChildNames(manager_), ElementsAre(child.name()));
  EXPECT_THAT(AdopterNames(manager_), ElementsAre(adopter.name()));
  EXPECT_THAT(GetChild(manager_, child.name()), EqualsProto(child));
  EXPECT_THAT(GetAdopter(manager_, adopter.name()), EqualsProto(adopter));
}

TEST_F(ServerTest, AKeyWithTheRightIdButWrongSecretIsUnauthenticated) {
  // Same key id, different secret: only the hash of the whole key counts.
  std::string forged = leeds_.secret();
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  v1::ListChildrenResponse response;
  EXPECT_THAT(
      Reg(&RegistryStub::ListChildren, forged, AllChildren(), &response),
      StatusIs(Code::UNAUTHENTICATED));
  // And the real key still works after the forged attempt.
  EXPECT_THAT(Reg(&RegistryStub::ListChildren, leeds_.secret(), AllChildren(),
                  &response),
              IsOk());
}

// Two keys name no one caller: a call carrying two authorization headers
// is refused, whichever keys they hold (two good ones, one key twice, a good
// one after a bad one), whether or not the key is already verified.
TEST_F(ServerTest, ACallWithTwoAuthorizationHeadersIsUnauthenticated) {
  v1::ListChildrenResponse response;
  ASSERT_THAT(Reg(&RegistryStub::ListChildren, leeds_.secret(), AllChildren(),
                  &response),
              IsOk());
  const std::pair<std::string, std::string> pairs[] = {
      {leeds_.secret(), manager_},
      {leeds_.secret(), leeds_.secret()},
      {"not-a-key", leeds_.secret()}};
  for (const auto& [first, second] : pairs) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + first);
    context.AddMetadata("authorization", "Bearer " + second);
    grpc::Status status =
        registry_->ListChildren(&context, AllChildren(), &response);
    EXPECT_THAT(status, StatusIs(Code::UNAUTHENTICATED)) << first;
    EXPECT_THAT(status.error_message(), HasSubstr("one authorization header"));
  }
}

TEST_F(ServerTest, ARevokedKeyStopsWorkingAtOnceForEveryRpc) {
  v1::CreateApiKeyResponse powerful;
  ASSERT_NO_FATAL_FAILURE(
      NewKey("leeds", {v1::ROLE_REGISTRAR, v1::ROLE_MANAGER}, &powerful));
  v1::Child child = AddChild(powerful.secret(), "leeds");
  v1::Adopter adopter = AddAdopter(powerful.secret(), "leeds");

  v1::RevokeApiKeyRequest revoke;
  revoke.set_name(powerful.api_key().name());
  revoke.set_request_id(NextRequestId());
  v1::ApiKey revoked;
  ASSERT_THAT(Acc(&AccessStub::RevokeApiKey, manager_, revoke, &revoked),
              IsOk());
  EXPECT_EQ(revoked.name(), powerful.api_key().name());
  EXPECT_TRUE(revoked.has_revoke_time());
  std::vector<std::string> authorities = AuthorityNames();

  for (auto& [method, rpc] :
       EveryRpc(child, adopter, leeds_.api_key().name())) {
    EXPECT_THAT(rpc(powerful.secret()), StatusIs(Code::UNAUTHENTICATED))
        << method;
  }
  EXPECT_EQ(AuthorityNames(), authorities);
  EXPECT_THAT(GetChild(manager_, child.name()), EqualsProto(child));
  EXPECT_THAT(GetAdopter(manager_, adopter.name()), EqualsProto(adopter));
  // The listing still shows the key, marked revoked.
  v1::ListApiKeysRequest list;
  list.set_parent("authorities/leeds");
  v1::ListApiKeysResponse keys;
  ASSERT_THAT(Acc(&AccessStub::ListApiKeys, manager_, list, &keys), IsOk());
  bool found = false;
  for (const v1::ApiKey& k : keys.api_keys()) {
    if (k.name() == powerful.api_key().name()) {
      found = true;
      EXPECT_TRUE(k.has_revoke_time());
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ServerTest, CreateApiKeyIssuesAWorkingKeyOnce) {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/leeds");
  request.mutable_api_key()->add_roles(v1::ROLE_FAMILY_FINDER);
  request.mutable_api_key()->add_roles(v1::ROLE_FINANCE);
  request.mutable_api_key()->set_display_name("Leeds family finding team");
  request.set_request_id(NextRequestId());
  v1::CreateApiKeyResponse response;
  ASSERT_THAT(Acc(&AccessStub::CreateApiKey, manager_, request, &response),
              IsOk());
  EXPECT_THAT(response.api_key().name(), StartsWith("apiKeys/"));
  EXPECT_EQ(response.api_key().authority(), "authorities/leeds");
  EXPECT_THAT(response.api_key().roles(),
              ElementsAre(v1::ROLE_FAMILY_FINDER, v1::ROLE_FINANCE));
  EXPECT_EQ(response.api_key().display_name(), "Leeds family finding team");
  EXPECT_TRUE(response.api_key().has_create_time());
  EXPECT_FALSE(response.api_key().has_revoke_time());
  EXPECT_THAT(response.secret(), StartsWith("raa_"));

  // It works, with its roles.
  EXPECT_THAT(ChildNames(response.secret()), IsEmpty());
  v1::Child child;
  EXPECT_THAT(Reg(&RegistryStub::CreateChild, response.secret(),
                  ChildRequest("leeds", ValidChild()), &child),
              StatusIs(Code::PERMISSION_DENIED));
  EXPECT_THAT(KeyNames(), Contains(response.api_key().name()));
}

TEST_F(ServerTest, CreateApiKeyRejectsBadInputAndIssuesNothing) {
  std::vector<std::string> before = KeyNames();
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("leeds");
  request.set_request_id(NextRequestId());
  v1::CreateApiKeyResponse response;
  grpc::Status status =
      Acc(&AccessStub::CreateApiKey, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("api_key.authority", "api_key.roles"));

  request.mutable_api_key()->set_authority("authorities/nowhere");
  request.mutable_api_key()->add_roles(static_cast<v1::Role>(9));
  status = Acc(&AccessStub::CreateApiKey, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("api_key.roles[0]"));

  request.mutable_api_key()->set_roles(0, v1::ROLE_REGISTRAR);
  status = Acc(&AccessStub::CreateApiKey, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("api_key.authority"));

  // A role named twice.
  request.mutable_api_key()->set_authority("authorities/leeds");
  request.mutable_api_key()->add_roles(v1::ROLE_FAMILY_FINDER);
  request.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
  status = Acc(&AccessStub::CreateApiKey, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("api_key.roles[2]"));
  EXPECT_THAT(status.error_message(), HasSubstr("REGISTRAR is named twice"));
  EXPECT_EQ(KeyNames(), before);
}

TEST_F(ServerTest, ListApiKeysShowsManagersEveryKeyAndOthersTheirOwn) {
  std::vector<std::string> all = KeyNames();
  EXPECT_THAT(all, SizeIs(4));  // bootstrap, two registrars, a family finder
  EXPECT_THAT(all, Contains(sheffield_.api_key().name()));

  v1::ListApiKeysRequest request;
  v1::ListApiKeysResponse response;
  ASSERT_THAT(
      Acc(&AccessStub::ListApiKeys, sheffield_.secret(), request, &response),
      IsOk());
  ASSERT_THAT(response.api_keys(), SizeIs(1));
  EXPECT_THAT(response.api_keys(0), EqualsProto(sheffield_.api_key()));

  request.set_parent("authorities/leeds");
  EXPECT_THAT(
      Acc(&AccessStub::ListApiKeys, sheffield_.secret(), request, &response),
      StatusIs(Code::PERMISSION_DENIED));
  ASSERT_THAT(Acc(&AccessStub::ListApiKeys, manager_, request, &response),
              IsOk());
  ASSERT_THAT(response.api_keys(), SizeIs(1));
  EXPECT_EQ(response.api_keys(0).name(), leeds_.api_key().name());

  // Paging walks every key once.
  request.clear_parent();
  request.set_page_size(1);
  std::vector<std::string> paged;
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(Acc(&AccessStub::ListApiKeys, manager_, request, &response),
                IsOk());
    for (const v1::ApiKey& k : response.api_keys()) paged.push_back(k.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(paged, all);

  request.set_parent("leeds");
  grpc::Status status =
      Acc(&AccessStub::ListApiKeys, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("parent"));
  request.clear_parent();
  request.set_page_token("garbage");
  status = Acc(&AccessStub::ListApiKeys, manager_, request, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
}

TEST_F(ServerTest, RevokeApiKeyRejectsBadInputAndRetriesSafely) {
  v1::RevokeApiKeyRequest request;
  request.set_name("apiKeys/short");
  v1::ApiKey out;
  grpc::Status status = Acc(&AccessStub::RevokeApiKey, manager_, request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("name", "request_id"));
  request.set_name("apiKeys/0123456789abcdef");
  request.set_request_id(NextRequestId());
  EXPECT_THAT(Acc(&AccessStub::RevokeApiKey, manager_, request, &out),
              StatusIs(Code::NOT_FOUND));

  // The bootstrap key cannot lock the consortium out by revoking itself.
  v1::ListApiKeysRequest hub_keys;
  hub_keys.set_parent("authorities/hub");
  v1::ListApiKeysResponse listed_hub;
  ASSERT_THAT(Acc(&AccessStub::ListApiKeys, manager_, hub_keys, &listed_hub),
              IsOk());
  ASSERT_THAT(listed_hub.api_keys(), SizeIs(1));
  request.set_name(listed_hub.api_keys(0).name());
  request.set_request_id(NextRequestId());
  EXPECT_THAT(Acc(&AccessStub::RevokeApiKey, manager_, request, &out),
              StatusIs(Code::FAILED_PRECONDITION));

  request.set_name(sheffield_.api_key().name());
  request.set_request_id(NextRequestId());
  v1::ApiKey first, second;
  ASSERT_THAT(Acc(&AccessStub::RevokeApiKey, manager_, request, &first),
              IsOk());
  clock_.Advance(absl::Minutes(1));
  ASSERT_THAT(Acc(&AccessStub::RevokeApiKey, manager_, request, &second),
              IsOk());
  EXPECT_THAT(second, EqualsProto(first));
  EXPECT_THAT(ChildNames(leeds_.secret()), IsEmpty());  // others unaffected
  v1::ListChildrenResponse listed;
  EXPECT_THAT(Reg(&RegistryStub::ListChildren, sheffield_.secret(),
                  AllChildren(), &listed),
              StatusIs(Code::UNAUTHENTICATED));
}

}  // namespace
}  // namespace raa
