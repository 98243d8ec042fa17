#include "tests/support/scratch_domain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "services/journey/link_rows.h"
#include "services/server/schema.h"

namespace raa::test {

absl::Status ForwardingListener::BeforeCommit(StoreTx& tx) {
  RETURN_IF_ERROR(inner_->BeforeCommit(tx));
  return std::exchange(fail_next_, absl::OkStatus());
}

void ScratchDomainTest::SetUp() {
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir_.File("raamatch.db"), clock_, RaamatchSchema());
  ASSERT_THAT(store.status(), IsOk());
  store_ = std::move(*store);
  regions_ = RegionList::Shipped();
  absl::StatusOr<std::unique_ptr<LiveIndex>> live =
      LiveIndex::Build(*store_, clock_);
  ASSERT_THAT(live.status(), IsOk());
  live_ = std::move(*live);
  authenticator_ = std::make_unique<Authenticator>(*store_);
  ASSERT_THAT(LoadMemberStates(*store_, *authenticator_), IsOk());
  ASSERT_THAT(LoadOpenLinks(*store_, *live_), IsOk());
  listener_ = std::make_unique<ForwardingListener>(*live_, *authenticator_);
  store_->SetListener(listener_.get());
  registry_ = std::make_unique<Registry>(*store_, clock_, *regions_,
                                         link_rows::RegistryQueries(*store_));
  api_keys_ = std::make_unique<ApiKeys>(*store_, *authenticator_, clock_);
  matching_ = std::make_unique<Matching>(*store_, *live_, clock_);
  links_ = std::make_unique<Links>(*store_, *live_, clock_);
  absl::StatusOr<std::string> bootstrap =
      api_keys_->Bootstrap("hub", "england", "");
  ASSERT_THAT(bootstrap.status(), IsOk());
  manager_secret_ = *bootstrap;
  ASSERT_NO_FATAL_FAILURE(manager_ = CallerOf(manager_secret_));
}

std::string ScratchDomainTest::NextRequestId() {
  return absl::StrCat("req-", ++requests_);
}

Caller ScratchDomainTest::CallerOf(absl::string_view secret) {
  absl::StatusOr<Caller> caller =
      authenticator_->Authenticate(absl::StrCat("Bearer ", secret));
  EXPECT_THAT(caller.status(), IsOk());
  return caller.value_or(Caller{});
}

void ScratchDomainTest::AddMember(const std::string& id,
                                  absl::string_view region) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id(id);
  *request.mutable_authority() = ValidAuthority(id + " council", region);
  request.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->CreateAuthority(manager_, request).status(), IsOk())
      << id;
}

v1::CreateApiKeyResponse ScratchDomainTest::IssueKey(
    const std::string& authority, const std::vector<v1::Role>& roles) {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/" + authority);
  for (v1::Role r : roles) request.mutable_api_key()->add_roles(r);
  request.mutable_api_key()->set_display_name(authority + " test key");
  request.set_request_id(NextRequestId());
  absl::StatusOr<v1::CreateApiKeyResponse> response =
      api_keys_->Create(manager_, request);
  EXPECT_THAT(response.status(), IsOk()) << authority;
  return response.value_or(v1::CreateApiKeyResponse());
}

Caller ScratchDomainTest::NewCaller(const std::string& authority,
                                    const std::vector<v1::Role>& roles) {
  return CallerOf(IssueKey(authority, roles).secret());
}

v1::CreateChildRequest ScratchDomainTest::ChildRequest(
    absl::string_view authority, const v1::Child& child) {
  return CreateChildRequestFor(authority, child, NextRequestId());
}

v1::CreateAdopterRequest ScratchDomainTest::AdopterRequest(
    absl::string_view authority, const v1::Adopter& adopter) {
  return CreateAdopterRequestFor(authority, adopter, NextRequestId());
}

v1::Child ScratchDomainTest::AddChild(const Caller& registrar,
                                      absl::string_view authority,
                                      const v1::Child& child) {
  absl::StatusOr<v1::Child> created =
      registry_->CreateChild(registrar, ChildRequest(authority, child));
  EXPECT_THAT(created.status(), IsOk());
  return created.value_or(v1::Child());
}

v1::Adopter ScratchDomainTest::AddAdopter(const Caller& registrar,
                                          absl::string_view authority,
                                          const v1::Adopter& adopter) {
  absl::StatusOr<v1::Adopter> created =
      registry_->CreateAdopter(registrar, AdopterRequest(authority, adopter));
  EXPECT_THAT(created.status(), IsOk());
  return created.value_or(v1::Adopter());
}

bool ScratchDomainTest::ChildInIndex(const v1::Child& child) const {
  return live_->ChildInMatching(static_cast<uint64_t>(RowIdOf(child.name())));
}

bool ScratchDomainTest::AdopterInIndex(const v1::Adopter& adopter) const {
  return live_->HouseholdInMatching(
      static_cast<uint64_t>(RowIdOf(adopter.name())));
}

}  // namespace raa::test
