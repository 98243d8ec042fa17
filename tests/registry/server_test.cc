// Every RPC of RegistryService and AccessService through a real gRPC server in
// this process, as members' clients see it: the happy path, bad input with
// field violations (and nothing changed), keys and permissions, visibility,
// safe retries, filters and paging, and health.
//
// Each test gets a fresh database and a consortium of the hub (bootstrap
// manager key), Sheffield and Leeds (a registrar key each) and Rotherham (a
// family finder key). Today is 2026-11-01.
#include "services/server/server.h"

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
#include "tests/registry/test_support.h"

namespace raa {
namespace {

using ::raa::test::Call;
using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::ScratchDir;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidAuthority;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.db_path = dir_.File("raamatch.db");
    options.listen = "127.0.0.1:0";
    options.clock = &clock_;
    options.worker_threads = 2;
    absl::StatusOr<std::unique_ptr<RaaServer>> server =
        RaaServer::Start(options);
    ASSERT_THAT(server.status(), IsOk());
    server_ = std::move(*server);
    manager_ = server_->bootstrap_key();
    ASSERT_THAT(manager_, StartsWith("raa_"));
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    registry_ = v1::RegistryService::NewStub(channel_);
    access_ = v1::AccessService::NewStub(channel_);

    ASSERT_NO_FATAL_FAILURE(
        AddMember("sheffield", "Sheffield City Council", "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(
        AddMember("leeds", "Leeds City Council", "west-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("rotherham",
                                      "Rotherham Metropolitan Borough Council",
                                      "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(
        NewKey("sheffield", {v1::ROLE_REGISTRAR}, &sheffield_));
    ASSERT_NO_FATAL_FAILURE(NewKey("leeds", {v1::ROLE_REGISTRAR}, &leeds_));
    ASSERT_NO_FATAL_FAILURE(
        NewKey("rotherham", {v1::ROLE_FAMILY_FINDER}, &finder_));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
  }

  template <typename Request, typename Response>
  grpc::Status Reg(grpc::Status (RegistryStub::*method)(grpc::ClientContext*,
                                                        const Request&,
                                                        Response*),
                   absl::string_view key, const Request& request,
                   Response* response) {
    return Call(*registry_, method, key, request, response);
  }
  template <typename Request, typename Response>
  grpc::Status Acc(grpc::Status (AccessStub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
                   absl::string_view key, const Request& request,
                   Response* response) {
    return Call(*access_, method, key, request, response);
  }

  std::string NextRequestId() { return absl::StrCat("req-", ++requests_); }

  void AddMember(const std::string& id, absl::string_view display_name,
                 absl::string_view region) {
    v1::CreateAuthorityRequest request;
    request.set_authority_id(id);
    *request.mutable_authority() = ValidAuthority(display_name, region);
    request.set_request_id(NextRequestId());
    v1::Authority created;
    ASSERT_THAT(
        Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
        IsOk());
  }

  void NewKey(const std::string& authority, std::vector<v1::Role> roles,
              v1::CreateApiKeyResponse* key) {
    v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_authority("authorities/" + authority);
    for (v1::Role r : roles) request.mutable_api_key()->add_roles(r);
    request.mutable_api_key()->set_display_name(authority + " test key");
    request.set_request_id(NextRequestId());
    ASSERT_THAT(Acc(&AccessStub::CreateApiKey, manager_, request, key), IsOk());
    ASSERT_THAT(key->secret(), StartsWith("raa_"));
  }

  v1::CreateChildRequest ChildRequest(absl::string_view authority,
                                      const v1::Child& child) {
    v1::CreateChildRequest request;
    request.set_parent(absl::StrCat("authorities/", authority));
    *request.mutable_child() = child;
    request.set_request_id(NextRequestId());
    return request;
  }

  v1::CreateAdopterRequest AdopterRequest(absl::string_view authority,
                                          const v1::Adopter& adopter) {
    v1::CreateAdopterRequest request;
    request.set_parent(absl::StrCat("authorities/", authority));
    *request.mutable_adopter() = adopter;
    request.set_request_id(NextRequestId());
    return request;
  }

  // Registers a profile that must be accepted.
  v1::Child AddChild(absl::string_view key, absl::string_view authority,
                     const v1::Child& child = ValidChild()) {
    v1::Child created;
    EXPECT_THAT(Reg(&RegistryStub::CreateChild, key,
                    ChildRequest(authority, child), &created),
                IsOk());
    return created;
  }

  v1::Adopter AddAdopter(absl::string_view key, absl::string_view authority,
                         const v1::Adopter& adopter = ValidAdopter()) {
    v1::Adopter created;
    EXPECT_THAT(Reg(&RegistryStub::CreateAdopter, key,
                    AdopterRequest(authority, adopter), &created),
                IsOk());
    return created;
  }

  v1::Child GetChild(absl::string_view key, const std::string& name) {
    v1::GetChildRequest request;
    request.set_name(name);
    v1::Child child;
    EXPECT_THAT(Reg(&RegistryStub::GetChild, key, request, &child), IsOk());
    return child;
  }

  v1::Adopter GetAdopter(absl::string_view key, const std::string& name) {
    v1::GetAdopterRequest request;
    request.set_name(name);
    v1::Adopter adopter;
    EXPECT_THAT(Reg(&RegistryStub::GetAdopter, key, request, &adopter), IsOk());
    return adopter;
  }

  // The names of every profile `request` lists for `key`, walking all pages.
  std::vector<std::string> ChildNames(absl::string_view key,
                                      v1::ListChildrenRequest request) {
    std::vector<std::string> names;
    std::set<std::string> tokens;
    do {
      v1::ListChildrenResponse page;
      grpc::Status status =
          Reg(&RegistryStub::ListChildren, key, request, &page);
      EXPECT_THAT(status, IsOk());
      if (!status.ok()) break;
      for (const v1::Child& c : page.children()) names.push_back(c.name());
      request.set_page_token(page.next_page_token());
      EXPECT_TRUE(tokens.insert(page.next_page_token()).second)
          << "page token repeated";
    } while (!request.page_token().empty() && tokens.size() < 100);
    return names;
  }
  std::vector<std::string> ChildNames(absl::string_view key) {
    return ChildNames(key, AllChildren());
  }

  std::vector<std::string> AdopterNames(absl::string_view key,
                                        v1::ListAdoptersRequest request) {
    std::vector<std::string> names;
    std::set<std::string> tokens;
    do {
      v1::ListAdoptersResponse page;
      grpc::Status status =
          Reg(&RegistryStub::ListAdopters, key, request, &page);
      EXPECT_THAT(status, IsOk());
      if (!status.ok()) break;
      for (const v1::Adopter& a : page.adopters()) names.push_back(a.name());
      request.set_page_token(page.next_page_token());
      EXPECT_TRUE(tokens.insert(page.next_page_token()).second)
          << "page token repeated";
    } while (!request.page_token().empty() && tokens.size() < 100);
    return names;
  }
  std::vector<std::string> AdopterNames(absl::string_view key) {
    return AdopterNames(key, AllAdopters());
  }

  std::vector<std::string> AuthorityNames() {
    v1::ListAuthoritiesRequest request;
    request.set_page_size(1000);
    v1::ListAuthoritiesResponse response;
    EXPECT_THAT(
        Reg(&RegistryStub::ListAuthorities, manager_, request, &response),
        IsOk());
    std::vector<std::string> names;
    for (const v1::Authority& a : response.authorities()) {
      names.push_back(a.name());
    }
    return names;
  }

  std::vector<std::string> KeyNames() {
    v1::ListApiKeysRequest request;
    request.set_page_size(1000);
    v1::ListApiKeysResponse response;
    EXPECT_THAT(Acc(&AccessStub::ListApiKeys, manager_, request, &response),
                IsOk());
    std::vector<std::string> names;
    for (const v1::ApiKey& k : response.api_keys()) names.push_back(k.name());
    return names;
  }

  static v1::ListChildrenRequest AllChildren() {
    v1::ListChildrenRequest request;
    request.set_parent("authorities/-");
    return request;
  }
  static v1::ListAdoptersRequest AllAdopters() {
    v1::ListAdoptersRequest request;
    request.set_parent("authorities/-");
    return request;
  }

  // One call of `method` with `request`, for tables of RPCs.
  using Rpc = std::function<grpc::Status(absl::string_view key)>;
  template <typename Request, typename Response>
  Rpc Bind(grpc::Status (RegistryStub::*method)(grpc::ClientContext*,
                                                const Request&, Response*),
           Request request) {
    return [this, method, request](absl::string_view key) {
      Response response;
      return Reg(method, key, request, &response);
    };
  }
  template <typename Request, typename Response>
  Rpc Bind(grpc::Status (AccessStub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
           Request request) {
    return [this, method, request](absl::string_view key) {
      Response response;
      return Acc(method, key, request, &response);
    };
  }

  // A request for every RPC that the right key would be allowed to make,
  // touching Leeds' records.
  std::vector<std::pair<std::string, Rpc>> EveryRpc(
      const v1::Child& leeds_child, const v1::Adopter& leeds_adopter,
      const std::string& key_name) {
    std::vector<std::pair<std::string, Rpc>> rpcs;
    v1::CreateAuthorityRequest create_authority;
    create_authority.set_authority_id("doncaster");
    *create_authority.mutable_authority() =
        ValidAuthority("Doncaster", "south-yorkshire");
    create_authority.set_request_id("rpc-1");
    rpcs.emplace_back("CreateAuthority",
                      Bind(&RegistryStub::CreateAuthority, create_authority));
    v1::GetAuthorityRequest get_authority;
    get_authority.set_name("authorities/leeds");
    rpcs.emplace_back("GetAuthority",
                      Bind(&RegistryStub::GetAuthority, get_authority));
    rpcs.emplace_back("ListAuthorities", Bind(&RegistryStub::ListAuthorities,
                                              v1::ListAuthoritiesRequest()));
    v1::WithdrawAuthorityRequest withdraw_authority;
    withdraw_authority.set_name("authorities/leeds");
    withdraw_authority.set_request_id("rpc-2");
    rpcs.emplace_back(
        "WithdrawAuthority",
        Bind(&RegistryStub::WithdrawAuthority, withdraw_authority));
    v1::UpdateAuthorityRequest update_authority;
    update_authority.mutable_authority()->set_name("authorities/leeds");
    update_authority.mutable_authority()->set_display_name("Leeds");
    update_authority.mutable_update_mask()->add_paths("display_name");
    update_authority.set_request_id("rpc-11");
    rpcs.emplace_back("UpdateAuthority",
                      Bind(&RegistryStub::UpdateAuthority, update_authority));
    v1::GetWithdrawalImpactRequest impact;
    impact.set_name("authorities/leeds");
    rpcs.emplace_back("GetWithdrawalImpact",
                      Bind(&RegistryStub::GetWithdrawalImpact, impact));
    v1::ReinstateAuthorityRequest reinstate;
    reinstate.set_name("authorities/leeds");
    reinstate.set_request_id("rpc-12");
    rpcs.emplace_back("ReinstateAuthority",
                      Bind(&RegistryStub::ReinstateAuthority, reinstate));
    v1::CreateChildRequest create_child = ChildRequest("leeds", ValidChild());
    rpcs.emplace_back("CreateChild",
                      Bind(&RegistryStub::CreateChild, create_child));
    v1::BatchCreateChildrenRequest batch_children;
    batch_children.set_parent("authorities/leeds");
    *batch_children.add_requests() = create_child;
    batch_children.set_request_id("rpc-3");
    rpcs.emplace_back("BatchCreateChildren",
                      Bind(&RegistryStub::BatchCreateChildren, batch_children));
    v1::GetChildRequest get_child;
    get_child.set_name(leeds_child.name());
    rpcs.emplace_back("GetChild", Bind(&RegistryStub::GetChild, get_child));
    rpcs.emplace_back("ListChildren",
                      Bind(&RegistryStub::ListChildren, AllChildren()));
    v1::UpdateChildRequest update_child;
    update_child.mutable_child()->set_name(leeds_child.name());
    update_child.mutable_child()->set_summary("Loves drawing");
    update_child.mutable_update_mask()->add_paths("summary");
    update_child.set_request_id("rpc-4");
    rpcs.emplace_back("UpdateChild",
                      Bind(&RegistryStub::UpdateChild, update_child));
    v1::WithdrawChildRequest withdraw_child;
    withdraw_child.set_name(leeds_child.name());
    withdraw_child.set_reason("placed with family members");
    withdraw_child.set_request_id("rpc-5");
    rpcs.emplace_back("WithdrawChild",
                      Bind(&RegistryStub::WithdrawChild, withdraw_child));
    v1::CreateAdopterRequest create_adopter =
        AdopterRequest("leeds", ValidAdopter());
    rpcs.emplace_back("CreateAdopter",
                      Bind(&RegistryStub::CreateAdopter, create_adopter));
    v1::BatchCreateAdoptersRequest batch_adopters;
    batch_adopters.set_parent("authorities/leeds");
    *batch_adopters.add_requests() = create_adopter;
    batch_adopters.set_request_id("rpc-6");
    rpcs.emplace_back("BatchCreateAdopters",
                      Bind(&RegistryStub::BatchCreateAdopters, batch_adopters));
    v1::GetAdopterRequest get_adopter;
    get_adopter.set_name(leeds_adopter.name());
    rpcs.emplace_back("GetAdopter",
                      Bind(&RegistryStub::GetAdopter, get_adopter));
    rpcs.emplace_back("ListAdopters",
                      Bind(&RegistryStub::ListAdopters, AllAdopters()));
    v1::UpdateAdopterRequest update_adopter;
    update_adopter.mutable_adopter()->set_name(leeds_adopter.name());
    update_adopter.mutable_adopter()->set_approved_for(1);
    update_adopter.mutable_update_mask()->add_paths("approved_for");
    update_adopter.set_request_id("rpc-7");
    rpcs.emplace_back("UpdateAdopter",
                      Bind(&RegistryStub::UpdateAdopter, update_adopter));
    v1::WithdrawAdopterRequest withdraw_adopter;
    withdraw_adopter.set_name(leeds_adopter.name());
    withdraw_adopter.set_reason("moved away from the region");
    withdraw_adopter.set_request_id("rpc-8");
    rpcs.emplace_back("WithdrawAdopter",
                      Bind(&RegistryStub::WithdrawAdopter, withdraw_adopter));
    v1::CreateApiKeyRequest create_key;
    create_key.mutable_api_key()->set_authority("authorities/leeds");
    create_key.mutable_api_key()->add_roles(v1::ROLE_MANAGER);
    create_key.set_request_id("rpc-9");
    rpcs.emplace_back("CreateApiKey",
                      Bind(&AccessStub::CreateApiKey, create_key));
    rpcs.emplace_back("ListApiKeys",
                      Bind(&AccessStub::ListApiKeys, v1::ListApiKeysRequest()));
    v1::RevokeApiKeyRequest revoke_key;
    revoke_key.set_name(key_name);
    revoke_key.set_request_id("rpc-10");
    rpcs.emplace_back("RevokeApiKey",
                      Bind(&AccessStub::RevokeApiKey, revoke_key));
    return rpcs;
  }

  ScratchDir dir_;
  FakeClock clock_{test::TestNow()};
  std::unique_ptr<RaaServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<RegistryStub> registry_;
  std::unique_ptr<AccessStub> access_;
  std::string manager_;
  v1::CreateApiKeyResponse sheffield_;  // registrar
  v1::CreateApiKeyResponse leeds_;      // registrar
  v1::CreateApiKeyResponse finder_;     // Rotherham's family finder
  int requests_ = 0;
};

// ---------------- health ----------------

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

// ---------------- authentication ----------------

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

// ---------------- authorities ----------------

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

// ---------------- permissions ----------------

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

// ---------------- children ----------------

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

TEST_F(ServerTest, BatchCreateChildrenStoresGoodRowsAndReportsBadOnes) {
  v1::BatchCreateChildrenRequest batch;
  batch.set_parent("authorities/sheffield");
  *batch.add_requests()->mutable_child() = ValidChild();
  v1::CreateChildRequest* bad_summary = batch.add_requests();
  *bad_summary->mutable_child() = ValidChild();
  bad_summary->mutable_child()->set_summary("email jo@example.org");
  v1::CreateChildRequest* with_parent = batch.add_requests();
  with_parent->set_parent("authorities/sheffield");
  *with_parent->mutable_child() = ValidChild();
  v1::CreateChildRequest* wrong_parent = batch.add_requests();
  wrong_parent->set_parent("authorities/leeds");
  *wrong_parent->mutable_child() = ValidChild();
  batch.set_request_id(NextRequestId());

  v1::BatchCreateChildrenResponse response;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, sheffield_.secret(),
                  batch, &response),
              IsOk());
  ASSERT_THAT(response.children(), SizeIs(2));
  std::vector<std::pair<int, std::string>> failures;
  for (const v1::BatchFailure& f : response.failures()) {
    failures.emplace_back(f.index(), f.field());
    EXPECT_FALSE(f.description().empty());
  }
  EXPECT_THAT(
      failures,
      ElementsAre(std::pair<int, std::string>(1, "requests[1].child.summary"),
                  std::pair<int, std::string>(3, "requests[3].parent")));
  std::vector<std::string> stored = {response.children(0).name(),
                                     response.children(1).name()};
  EXPECT_EQ(ChildNames(manager_), stored);
  EXPECT_THAT(GetChild(manager_, stored[0]), EqualsProto(response.children(0)));

  // A retry of the batch returns the same answer and adds nothing.
  v1::BatchCreateChildrenResponse again;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, sheffield_.secret(),
                  batch, &again),
              IsOk());
  EXPECT_THAT(again, EqualsProto(response));
  EXPECT_EQ(ChildNames(manager_), stored);

  // All or nothing: nothing.
  batch.set_all_or_nothing(true);
  batch.set_request_id(NextRequestId());
  grpc::Status status = Reg(&RegistryStub::BatchCreateChildren,
                            sheffield_.secret(), batch, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("requests[1].child.summary", "requests[3].parent"));
  EXPECT_EQ(ChildNames(manager_), stored);

  // And an empty batch is bad input.
  v1::BatchCreateChildrenRequest empty;
  empty.set_parent("authorities/sheffield");
  empty.set_request_id(NextRequestId());
  status = Reg(&RegistryStub::BatchCreateChildren, sheffield_.secret(), empty,
               &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("requests"));
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
}

TEST_F(ServerTest, UpdateChildChangesOnlyTheMaskedFields) {
  v1::Child child = ValidChild();
  *child.add_members() = child.members(0);
  child.mutable_members(1)->set_age_months(30);
  child.set_must_be_placed_together(true);
  v1::Child created = AddChild(sheffield_.secret(), "sheffield", child);
  clock_.Advance(absl::Hours(2));

  v1::UpdateChildRequest request;
  v1::Child* change = request.mutable_child();
  change->set_name(created.name());
  change->set_summary("Sam, 7, and his sister, 2, love the seaside");
  change->set_contact_plan(v1::CONTACT_PLAN_DIRECT);  // not in the mask
  *change->mutable_journey()->mutable_placement_order() = MakeDate(2025, 9, 1);
  request.mutable_update_mask()->add_paths("summary");
  request.mutable_update_mask()->add_paths("journey.placement_order");
  request.set_request_id(NextRequestId());
  v1::Child updated;
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), request, &updated),
      IsOk());

  v1::Child expected = created;
  expected.set_summary(change->summary());
  *expected.mutable_journey()->mutable_placement_order() = MakeDate(2025, 9, 1);
  *expected.mutable_update_time() = updated.update_time();
  EXPECT_THAT(updated, EqualsProto(expected));
  EXPECT_GT(updated.update_time().seconds(), created.update_time().seconds());
  EXPECT_THAT(GetChild(leeds_.secret(), created.name()), EqualsProto(updated));

  // A retry answers the same, even later, and changes nothing.
  clock_.Advance(absl::Hours(1));
  v1::Child again;
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateChild, sheffield_.secret(), request, &again),
      IsOk());
  EXPECT_THAT(again, EqualsProto(updated));
  EXPECT_THAT(GetChild(leeds_.secret(), created.name()), EqualsProto(updated));
}

TEST_F(ServerTest, UpdateChildRejectsUnknownPathsAndBadValues) {
  v1::Child created = AddChild(sheffield_.secret(), "sheffield");
  auto attempt = [&](std::vector<std::string> paths, v1::Child change) {
    v1::UpdateChildRequest request;
    change.set_name(created.name());
    *request.mutable_child() = change;
    for (const std::string& p : paths)
      request.mutable_update_mask()->add_paths(p);
    request.set_request_id(NextRequestId());
    v1::Child out;
    return Reg(&RegistryStub::UpdateChild, sheffield_.secret(), request, &out);
  };
  v1::Child change = ValidChild();

  grpc::Status status = attempt({"nickname"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("update_mask.paths[0]"));
  // Real fields that are not the registrar's to change.
  status =
      attempt({"summary", "name", "create_time", "withdraw_reason"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("update_mask.paths[1]", "update_mask.paths[2]",
                          "update_mask.paths[3]"));
  status = attempt({}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("update_mask"));

  change.set_summary("born on 4 May 2019");
  change.mutable_members(0)->set_age_months(300);
  status = attempt({"summary", "members"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(
      ViolationFields(status),
      UnorderedElementsAre("child.summary", "child.members[0].age_months"));
  change = ValidChild();
  change.set_status(v1::CHILD_STATUS_WITHDRAWN);
  status = attempt({"status"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.status"));

  EXPECT_THAT(GetChild(manager_, created.name()), EqualsProto(created));
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

// ---------------- retries ----------------

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

// ---------------- adopters ----------------

TEST_F(ServerTest, CreateAdopterThenGet) {
  v1::Adopter adopter = ValidAdopter();
  adopter.set_youngest_child_age_months(96);
  adopter.set_dual_approved(true);
  v1::Adopter created = AddAdopter(leeds_.secret(), "leeds", adopter);
  EXPECT_THAT(created.name(), StartsWith("authorities/leeds/adopters/h"));
  EXPECT_TRUE(created.has_create_time());
  v1::Adopter expected = adopter;
  expected.set_name(created.name());
  *expected.mutable_create_time() = created.create_time();
  *expected.mutable_update_time() = created.update_time();
  EXPECT_THAT(created, EqualsProto(expected));
  EXPECT_THAT(GetAdopter(sheffield_.secret(), created.name()),
              EqualsProto(created));
}

TEST_F(ServerTest, CreateAdopterRejectsBadInputAndStoresNothing) {
  AddAdopter(leeds_.secret(), "leeds");
  std::vector<std::string> before = AdopterNames(manager_);
  v1::Adopter adopter = ValidAdopter();
  adopter.set_min_age_months(60);
  adopter.set_max_age_months(24);
  adopter.set_approved_for(0);
  adopter.mutable_need_limits(0)->set_category(
      static_cast<v1::NeedCategory>(77));
  *adopter.mutable_approved_on() = MakeDate(2027, 1, 1);
  v1::Adopter created;
  grpc::Status status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
                            AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre(
                  "adopter.max_age_months", "adopter.approved_for",
                  "adopter.need_limits[0].category", "adopter.approved_on"));
  adopter = ValidAdopter();
  adopter.set_approved_for(6);
  status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
               AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("adopter.approved_for"));
  adopter = ValidAdopter();
  adopter.set_status(v1::ADOPTER_STATUS_WITHDRAWN);
  status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
               AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), Contains("adopter.status"));
  EXPECT_EQ(AdopterNames(manager_), before);
}

TEST_F(ServerTest, GetAdopterNamesABadNameAndReportsAMissingOne) {
  v1::GetAdopterRequest request;
  request.set_name("authorities/leeds/children/c1");
  v1::Adopter out;
  grpc::Status status =
      Reg(&RegistryStub::GetAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  request.set_name("authorities/leeds/adopters/h12");
  EXPECT_THAT(Reg(&RegistryStub::GetAdopter, leeds_.secret(), request, &out),
              StatusIs(Code::NOT_FOUND));
}

TEST_F(ServerTest, BatchCreateAdoptersStoresGoodRowsAndReportsBadOnes) {
  v1::BatchCreateAdoptersRequest batch;
  batch.set_parent("authorities/leeds");
  *batch.add_requests()->mutable_adopter() = ValidAdopter();
  v1::Adopter bad = ValidAdopter();
  bad.set_approved_for(0);
  *batch.add_requests()->mutable_adopter() = bad;
  *batch.add_requests()->mutable_adopter() = ValidAdopter();
  batch.set_request_id(NextRequestId());

  v1::BatchCreateAdoptersResponse response;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateAdopters, leeds_.secret(), batch,
                  &response),
              IsOk());
  ASSERT_THAT(response.adopters(), SizeIs(2));
  ASSERT_THAT(response.failures(), SizeIs(1));
  EXPECT_EQ(response.failures(0).index(), 1);
  EXPECT_EQ(response.failures(0).field(), "requests[1].adopter.approved_for");
  std::vector<std::string> stored = {response.adopters(0).name(),
                                     response.adopters(1).name()};
  EXPECT_EQ(AdopterNames(manager_), stored);

  v1::BatchCreateAdoptersResponse again;
  ASSERT_THAT(
      Reg(&RegistryStub::BatchCreateAdopters, leeds_.secret(), batch, &again),
      IsOk());
  EXPECT_THAT(again, EqualsProto(response));
  EXPECT_EQ(AdopterNames(manager_), stored);

  batch.set_all_or_nothing(true);
  batch.set_request_id(NextRequestId());
  grpc::Status status = Reg(&RegistryStub::BatchCreateAdopters, leeds_.secret(),
                            batch, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("requests[1].adopter.approved_for"));
  EXPECT_EQ(AdopterNames(manager_), stored);
}

TEST_F(ServerTest, ListAdoptersFiltersAndPages) {
  v1::Adopter young = ValidAdopter();  // 0-60, 2 children, learning mild
  v1::Adopter older = ValidAdopter();  // 48-120, 3 children, no needs
  older.set_min_age_months(48);
  older.set_max_age_months(120);
  older.set_approved_for(3);
  older.clear_need_limits();
  v1::Adopter stage_two = ValidAdopter();
  stage_two.set_status(v1::ADOPTER_STATUS_STAGE_TWO);
  stage_two.clear_approved_on();
  std::string y = AddAdopter(leeds_.secret(), "leeds", young).name();
  std::string o = AddAdopter(sheffield_.secret(), "sheffield", older).name();
  std::string s = AddAdopter(leeds_.secret(), "leeds", stage_two).name();

  const std::string key = finder_.secret();
  v1::ListAdoptersRequest r = AllAdopters();
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o, s));
  r.set_parent("authorities/leeds");
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r = AllAdopters();
  r.set_status(v1::ADOPTER_STATUS_APPROVED);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o));
  r = AllAdopters();
  r.set_age_months(100);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(o));
  r.set_age_months(0);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r = AllAdopters();
  r.set_group_size(3);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(o));
  r = AllAdopters();
  r.set_need(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r.set_need(v1::NEED_CATEGORY_SEXUALISED_BEHAVIOUR);
  EXPECT_THAT(AdopterNames(key, r), IsEmpty());

  r = AllAdopters();
  r.set_page_size(2);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o, s));

  r = AllAdopters();
  r.set_age_months(217);
  r.set_group_size(6);
  r.set_page_token("garbage");
  v1::ListAdoptersResponse response;
  grpc::Status status = Reg(&RegistryStub::ListAdopters, key, r, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("age_months", "group_size", "page_token"));
}

TEST_F(ServerTest, UpdateAdopterChangesOnlyTheMaskedFields) {
  v1::Adopter created = AddAdopter(leeds_.secret(), "leeds");
  clock_.Advance(absl::Hours(1));
  v1::UpdateAdopterRequest request;
  v1::Adopter* change = request.mutable_adopter();
  change->set_name(created.name());
  change->set_approved_for(3);
  change->set_max_age_months(12);  // not in the mask
  change->set_status(v1::ADOPTER_STATUS_ON_HOLD);
  request.mutable_update_mask()->add_paths("approved_for");
  request.mutable_update_mask()->add_paths("status");
  request.set_status_reason("the family asked for a pause");
  request.set_request_id(NextRequestId());
  v1::Adopter updated;
  ASSERT_THAT(
      Reg(&RegistryStub::UpdateAdopter, leeds_.secret(), request, &updated),
      IsOk());
  v1::Adopter expected = created;
  expected.set_approved_for(3);
  expected.set_status(v1::ADOPTER_STATUS_ON_HOLD);
  *expected.mutable_update_time() = updated.update_time();
  ASSERT_EQ(updated.status_history_size(), 1);  // with its reason
  EXPECT_EQ(updated.status_history(0).reason(), "the family asked for a pause");
  *expected.mutable_status_history() = updated.status_history();
  EXPECT_THAT(updated, EqualsProto(expected));
  EXPECT_GT(updated.update_time().seconds(), created.update_time().seconds());
  EXPECT_THAT(GetAdopter(finder_.secret(), created.name()),
              EqualsProto(updated));

  // Unknown or protected paths, and values that break the rules.
  request.set_request_id(NextRequestId());
  request.clear_status_reason();
  request.mutable_update_mask()->clear_paths();
  request.mutable_update_mask()->add_paths("adopter_name");
  request.mutable_update_mask()->add_paths("withdraw_reason");
  v1::Adopter out;
  grpc::Status status =
      Reg(&RegistryStub::UpdateAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("update_mask.paths[0]", "update_mask.paths[1]"));
  request.mutable_update_mask()->clear_paths();
  request.mutable_update_mask()->add_paths("max_age_months");
  change->set_max_age_months(12);  // now below min_age_months
  change->set_min_age_months(24);
  request.mutable_update_mask()->add_paths("min_age_months");
  status = Reg(&RegistryStub::UpdateAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("adopter.max_age_months"));
  request.mutable_update_mask()->clear_paths();
  request.mutable_update_mask()->add_paths("status");
  change->set_status(v1::ADOPTER_STATUS_WITHDRAWN);
  status = Reg(&RegistryStub::UpdateAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("adopter.status"));
  EXPECT_THAT(GetAdopter(manager_, created.name()), EqualsProto(updated));
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

// ---------------- API keys ----------------

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
