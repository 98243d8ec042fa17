#include "tests/registry/server_fixture.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace raa::test {

using ::testing::StartsWith;

void ServerTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(InProcessServerTest::SetUp());
  ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire",
                                    v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                                    "Sheffield City Council"));
  ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire",
                                    v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                                    "Leeds City Council"));
  ASSERT_NO_FATAL_FAILURE(AddMember("rotherham", "south-yorkshire",
                                    v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                                    "Rotherham Metropolitan Borough Council"));
  sheffield_ = IssueKey("sheffield", {v1::ROLE_REGISTRAR});
  leeds_ = IssueKey("leeds", {v1::ROLE_REGISTRAR});
  finder_ = IssueKey("rotherham", {v1::ROLE_FAMILY_FINDER});
  ASSERT_FALSE(HasFailure());
}

void ServerTest::NewKey(const std::string& authority,
                        std::vector<v1::Role> roles,
                        v1::CreateApiKeyResponse* key) {
  *key = IssueKey(authority, roles);
  ASSERT_THAT(key->secret(), StartsWith("raa_"));
}

v1::Child ServerTest::GetChild(absl::string_view key, const std::string& name) {
  v1::GetChildRequest request;
  request.set_name(name);
  v1::Child child;
  EXPECT_THAT(Reg(&RegistryStub::GetChild, key, request, &child), IsOk());
  return child;
}

v1::Adopter ServerTest::GetAdopter(absl::string_view key,
                                   const std::string& name) {
  v1::GetAdopterRequest request;
  request.set_name(name);
  v1::Adopter adopter;
  EXPECT_THAT(Reg(&RegistryStub::GetAdopter, key, request, &adopter), IsOk());
  return adopter;
}

std::vector<std::string> ServerTest::ChildNames(
    absl::string_view key, v1::ListChildrenRequest request) {
  std::vector<std::string> names;
  std::set<std::string> tokens;
  do {
    v1::ListChildrenResponse page;
    grpc::Status status = Reg(&RegistryStub::ListChildren, key, request, &page);
    EXPECT_THAT(status, IsOk());
    if (!status.ok()) break;
    for (const v1::Child& c : page.children()) names.push_back(c.name());
    request.set_page_token(page.next_page_token());
    EXPECT_TRUE(tokens.insert(page.next_page_token()).second)
        << "page token repeated";
  } while (!request.page_token().empty() && tokens.size() < 100);
  return names;
}

std::vector<std::string> ServerTest::AdopterNames(
    absl::string_view key, v1::ListAdoptersRequest request) {
  std::vector<std::string> names;
  std::set<std::string> tokens;
  do {
    v1::ListAdoptersResponse page;
    grpc::Status status = Reg(&RegistryStub::ListAdopters, key, request, &page);
    EXPECT_THAT(status, IsOk());
    if (!status.ok()) break;
    for (const v1::Adopter& a : page.adopters()) names.push_back(a.name());
    request.set_page_token(page.next_page_token());
    EXPECT_TRUE(tokens.insert(page.next_page_token()).second)
        << "page token repeated";
  } while (!request.page_token().empty() && tokens.size() < 100);
  return names;
}

std::vector<std::string> ServerTest::AuthorityNames() {
  v1::ListAuthoritiesRequest request;
  request.set_page_size(1000);
  v1::ListAuthoritiesResponse response;
  EXPECT_THAT(Reg(&RegistryStub::ListAuthorities, manager_, request, &response),
              IsOk());
  std::vector<std::string> names;
  for (const v1::Authority& a : response.authorities()) {
    names.push_back(a.name());
  }
  return names;
}

std::vector<std::string> ServerTest::KeyNames() {
  v1::ListApiKeysRequest request;
  request.set_page_size(1000);
  v1::ListApiKeysResponse response;
  EXPECT_THAT(Acc(&AccessStub::ListApiKeys, manager_, request, &response),
              IsOk());
  std::vector<std::string> names;
  for (const v1::ApiKey& k : response.api_keys()) names.push_back(k.name());
  return names;
}

v1::ListChildrenRequest ServerTest::AllChildren() {
  v1::ListChildrenRequest request;
  request.set_parent("authorities/-");
  return request;
}

v1::ListAdoptersRequest ServerTest::AllAdopters() {
  v1::ListAdoptersRequest request;
  request.set_parent("authorities/-");
  return request;
}

std::vector<std::pair<std::string, ServerTest::Rpc>> ServerTest::EveryRpc(
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
  rpcs.emplace_back("WithdrawAuthority",
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
  rpcs.emplace_back("GetAdopter", Bind(&RegistryStub::GetAdopter, get_adopter));
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

}  // namespace raa::test
