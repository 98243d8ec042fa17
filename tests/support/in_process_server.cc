#include "tests/support/in_process_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace raa::test {

using ::testing::StartsWith;

void InProcessServerTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  manager_ = server_->bootstrap_key();
  ASSERT_THAT(manager_, StartsWith("raa_"));
}

void InProcessServerTest::TearDown() { StopServer(); }

void InProcessServerTest::StartServer() {
  ServerOptions options;
  options.db_path = dir_.File("raamatch.db");
  options.listen = "127.0.0.1:0";
  options.clock = &clock_;
  options.worker_threads = 2;
  Configure(options);
  absl::StatusOr<std::unique_ptr<RaaServer>> server = RaaServer::Start(options);
  ASSERT_THAT(server.status(), IsOk());
  server_ = std::move(*server);
  channel_ = grpc::CreateChannel(server_->address(),
                                 grpc::InsecureChannelCredentials());
  registry_ = v1::RegistryService::NewStub(channel_);
  access_ = v1::AccessService::NewStub(channel_);
  matching_ = v1::MatchingService::NewStub(channel_);
  journey_ = v1::JourneyService::NewStub(channel_);
}

void InProcessServerTest::StopServer() {
  // The client's connection first: an idle one is only noticed by gRPC's
  // backup poller, which would slow the shutdown.
  journey_.reset();
  matching_.reset();
  access_.reset();
  registry_.reset();
  channel_.reset();
  if (server_ == nullptr) return;
  server_->Shutdown(absl::Seconds(5));
  server_.reset();
}

void InProcessServerTest::RestartServer() {
  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer());
}

std::string InProcessServerTest::NextRequestId() {
  return absl::StrCat("req-", ++requests_);
}

void InProcessServerTest::AddMember(const std::string& id,
                                    absl::string_view region,
                                    v1::AuthorityKind kind,
                                    absl::string_view display_name) {
  v1::CreateAuthorityRequest request;
  request.set_authority_id(id);
  *request.mutable_authority() = ValidAuthority(
      display_name.empty() ? id + " council" : display_name, region);
  request.mutable_authority()->set_kind(kind);
  request.set_request_id(NextRequestId());
  v1::Authority created;
  EXPECT_THAT(Reg(&RegistryStub::CreateAuthority, manager_, request, &created),
              IsOk())
      << id;
}

v1::CreateApiKeyResponse InProcessServerTest::IssueKey(
    const std::string& authority, const std::vector<v1::Role>& roles) {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/" + authority);
  for (v1::Role r : roles) request.mutable_api_key()->add_roles(r);
  request.mutable_api_key()->set_display_name(authority + " test key");
  request.set_request_id(NextRequestId());
  v1::CreateApiKeyResponse response;
  EXPECT_THAT(Acc(&AccessStub::CreateApiKey, manager_, request, &response),
              IsOk());
  EXPECT_THAT(response.secret(), StartsWith("raa_"));
  return response;
}

std::string InProcessServerTest::NewKey(const std::string& authority,
                                        const std::vector<v1::Role>& roles) {
  return IssueKey(authority, roles).secret();
}

v1::CreateChildRequest InProcessServerTest::ChildRequest(
    absl::string_view authority, const v1::Child& child) {
  return CreateChildRequestFor(authority, child, NextRequestId());
}

v1::CreateAdopterRequest InProcessServerTest::AdopterRequest(
    absl::string_view authority, const v1::Adopter& adopter) {
  return CreateAdopterRequestFor(authority, adopter, NextRequestId());
}

v1::Child InProcessServerTest::AddChild(absl::string_view key,
                                        absl::string_view authority,
                                        const v1::Child& child) {
  v1::Child created;
  EXPECT_THAT(Reg(&RegistryStub::CreateChild, key,
                  ChildRequest(authority, child), &created),
              IsOk());
  return created;
}

v1::Adopter InProcessServerTest::AddAdopter(absl::string_view key,
                                            absl::string_view authority,
                                            const v1::Adopter& adopter) {
  v1::Adopter created;
  EXPECT_THAT(Reg(&RegistryStub::CreateAdopter, key,
                  AdopterRequest(authority, adopter), &created),
              IsOk());
  return created;
}

v1::Child InProcessServerTest::UpdateChild(
    absl::string_view key, const v1::Child& changed,
    const std::vector<std::string>& paths) {
  v1::UpdateChildRequest request;
  *request.mutable_child() = changed;
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
    // A status change needs a reason.
    if (p == "status") request.set_status_reason("test: the plan moved on");
  }
  request.set_request_id(NextRequestId());
  v1::Child updated;
  EXPECT_THAT(Reg(&RegistryStub::UpdateChild, key, request, &updated), IsOk())
      << changed.name();
  return updated;
}

v1::Adopter InProcessServerTest::UpdateAdopter(
    absl::string_view key, const v1::Adopter& changed,
    const std::vector<std::string>& paths) {
  v1::UpdateAdopterRequest request;
  *request.mutable_adopter() = changed;
  for (const std::string& p : paths) {
    request.mutable_update_mask()->add_paths(p);
    // A status change needs a reason.
    if (p == "status") request.set_status_reason("test: the plan moved on");
  }
  request.set_request_id(NextRequestId());
  v1::Adopter updated;
  EXPECT_THAT(Reg(&RegistryStub::UpdateAdopter, key, request, &updated), IsOk())
      << changed.name();
  return updated;
}

void InProcessServerTest::WithdrawChild(absl::string_view key,
                                        const std::string& name) {
  v1::WithdrawChildRequest request;
  request.set_name(name);
  request.set_reason("placed with a relative");
  request.set_request_id(NextRequestId());
  v1::Child withdrawn;
  EXPECT_THAT(Reg(&RegistryStub::WithdrawChild, key, request, &withdrawn),
              IsOk())
      << name;
}

void InProcessServerTest::WithdrawAdopter(absl::string_view key,
                                          const std::string& name) {
  v1::WithdrawAdopterRequest request;
  request.set_name(name);
  request.set_reason("moved away from the region");
  request.set_request_id(NextRequestId());
  v1::Adopter withdrawn;
  EXPECT_THAT(Reg(&RegistryStub::WithdrawAdopter, key, request, &withdrawn),
              IsOk())
      << name;
}

void InProcessServerTest::WithdrawAuthority(const std::string& id) {
  v1::WithdrawAuthorityRequest request;
  request.set_name("authorities/" + id);
  request.set_request_id(NextRequestId());
  v1::Authority withdrawn;
  EXPECT_THAT(
      Reg(&RegistryStub::WithdrawAuthority, manager_, request, &withdrawn),
      IsOk())
      << id;
}

void InProcessServerTest::ReinstateAuthority(const std::string& id) {
  v1::ReinstateAuthorityRequest request;
  request.set_name("authorities/" + id);
  request.set_request_id(NextRequestId());
  v1::Authority back;
  EXPECT_THAT(Reg(&RegistryStub::ReinstateAuthority, manager_, request, &back),
              IsOk())
      << id;
}

grpc::Status InProcessServerTest::RankAdopters(
    absl::string_view key, const std::string& child,
    v1::RankAdoptersResponse* response, int page_size, int min_score) {
  v1::RankAdoptersRequest request;
  request.set_child(child);
  request.set_page_size(page_size);
  request.set_min_score(min_score);
  return Match(&MatchingStub::RankAdopters, key, request, response);
}

grpc::Status InProcessServerTest::RankChildren(
    absl::string_view key, const std::string& adopter,
    v1::RankChildrenResponse* response, int page_size, int min_score) {
  v1::RankChildrenRequest request;
  request.set_adopter(adopter);
  request.set_page_size(page_size);
  request.set_min_score(min_score);
  return Match(&MatchingStub::RankChildren, key, request, response);
}

grpc::Status InProcessServerTest::ExplainPair(
    absl::string_view key, const std::string& child, const std::string& adopter,
    v1::PairExplanation* explanation) {
  v1::ExplainPairRequest request;
  request.set_child(child);
  request.set_adopter(adopter);
  return Match(&MatchingStub::ExplainPair, key, request, explanation);
}

v1::MatchingPolicy InProcessServerTest::GetPolicy(absl::string_view key) {
  v1::MatchingPolicy policy;
  EXPECT_THAT(Match(&MatchingStub::GetMatchingPolicy, key,
                    v1::GetMatchingPolicyRequest(), &policy),
              IsOk());
  return policy;
}

std::vector<std::string> InProcessServerTest::AdopterNamesOf(
    const v1::RankAdoptersResponse& response) {
  std::vector<std::string> names;
  for (const v1::RankedAdopter& a : response.adopters()) {
    names.push_back(a.adopter());
  }
  return names;
}

std::vector<std::string> InProcessServerTest::ChildNamesOf(
    const v1::RankChildrenResponse& response) {
  std::vector<std::string> names;
  for (const v1::RankedChild& c : response.children()) {
    names.push_back(c.child());
  }
  return names;
}

v1::Link InProcessServerTest::LinkTo(const std::string& child,
                                     const std::string& adopter,
                                     v1::LinkStep step) {
  v1::OpenLinkRequest open;
  open.set_child(child);
  open.set_adopter(adopter);
  *open.mutable_opened_on() = MakeDate(2026, 10, 1);
  open.set_request_id(NextRequestId());
  v1::Link link;
  EXPECT_THAT(Journey(&JourneyStub::OpenLink, manager_, open, &link), IsOk())
      << child << " with " << adopter;
  AdvanceTo(link, step);
  return link;
}

void InProcessServerTest::AdvanceTo(v1::Link& link, v1::LinkStep step) {
  for (int s = link.step() + 1; s <= step; ++s) {
    v1::AdvanceLinkRequest advance;
    advance.set_name(link.name());
    advance.set_step(static_cast<v1::LinkStep>(s));
    *advance.mutable_date() = MakeDate(2026, 10, s);
    advance.set_request_id(NextRequestId());
    EXPECT_THAT(Journey(&JourneyStub::AdvanceLink, manager_, advance, &link),
                IsOk())
        << link.name() << " step " << s;
  }
}

}  // namespace raa::test
