// ApiKeys and the Authenticator without a network, on a scratch store with a
// fake clock (tests/support/scratch_domain.h). What a consortium manager
// relies on: a key is shown once and works at once with exactly its roles,
// its times come from the clock, a revoked key stops working at once even
// though verified keys are cached, and a member's withdrawal reaches its
// keys only once it is committed. The caches: a credential is served from
// memory only byte for byte as verified, every cached form of a key ends
// with its revocation, and nothing is trusted longer than the cache's
// lifetime.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/access/api_keys.h"
#include "services/auth/auth.h"
#include "services/server/store_listeners.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::raa::test::TestNow;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Code = ::absl::StatusCode;

std::string Bearer(const std::string& secret) { return "Bearer " + secret; }

class AuthDomainTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    ASSERT_FALSE(HasFailure());
  }

  absl::StatusOr<v1::ApiKey> Revoke(const v1::ApiKey& key) {
    v1::RevokeApiKeyRequest request;
    request.set_name(key.name());
    request.set_request_id(NextRequestId());
    return api_keys_->Revoke(manager_, request);
  }

  std::vector<std::string> KeyNamesFor(const Caller& caller) {
    absl::StatusOr<v1::ListApiKeysResponse> listed =
        api_keys_->List(caller, v1::ListApiKeysRequest());
    EXPECT_THAT(listed.status(), IsOk());
    std::vector<std::string> names;
    if (!listed.ok()) return names;
    for (const v1::ApiKey& k : listed->api_keys()) names.push_back(k.name());
    return names;
  }
};

TEST_F(AuthDomainTest, AKeyIsShownOnceAndWorksAtOnceWithItsRoles) {
  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/sheffield");
  request.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
  request.mutable_api_key()->add_roles(v1::ROLE_FAMILY_FINDER);
  request.set_request_id("key-1");
  absl::StatusOr<v1::CreateApiKeyResponse> issued =
      api_keys_->Create(manager_, request);
  ASSERT_THAT(issued.status(), IsOk());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(issued->api_key().create_time()),
            absl::ToUnixMicros(TestNow()));
  EXPECT_FALSE(issued->api_key().has_revoke_time());

  absl::StatusOr<Caller> caller =
      authenticator_->Authenticate(Bearer(issued->secret()));
  ASSERT_THAT(caller.status(), IsOk());
  EXPECT_EQ(caller->authority_id, "sheffield");
  EXPECT_EQ("apiKeys/" + caller->key_id, issued->api_key().name());
  EXPECT_TRUE(caller->Has(v1::ROLE_REGISTRAR));
  EXPECT_TRUE(caller->Has(v1::ROLE_FAMILY_FINDER));
  EXPECT_FALSE(caller->Has(v1::ROLE_MANAGER));
  EXPECT_FALSE(caller->withdrawn);

  // A retry answers with the same key and no secret: only its hash is kept.
  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<v1::CreateApiKeyResponse> again =
      api_keys_->Create(manager_, request);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->api_key().name(), issued->api_key().name());
  EXPECT_EQ(again->api_key().create_time(), issued->api_key().create_time());
  EXPECT_TRUE(again->secret().empty());
  EXPECT_EQ(KeyNamesFor(*caller),
            std::vector<std::string>{issued->api_key().name()});
}

TEST_F(AuthDomainTest, OnlyAManagerIssuesAndEachMemberListsItsOwnKeys) {
  v1::CreateApiKeyResponse sheffield =
      IssueKey("sheffield", {v1::ROLE_REGISTRAR});
  v1::CreateApiKeyResponse leeds = IssueKey("leeds", {v1::ROLE_REGISTRAR});
  Caller registrar = CallerOf(sheffield.secret());

  v1::CreateApiKeyRequest request;
  request.mutable_api_key()->set_authority("authorities/sheffield");
  request.mutable_api_key()->add_roles(v1::ROLE_MANAGER);
  request.set_request_id(NextRequestId());
  EXPECT_THAT(api_keys_->Create(registrar, request).status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(KeyNamesFor(registrar), ElementsAre(sheffield.api_key().name()));
  EXPECT_THAT(
      KeyNamesFor(manager_),
      UnorderedElementsAre("apiKeys/" + manager_.key_id,
                           sheffield.api_key().name(), leeds.api_key().name()));
}

TEST_F(AuthDomainTest, AVerifiedKeyIsCachedAndARevocationIsSeenAtOnce) {
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  // Not cached until verified against the store once.
  EXPECT_EQ(authenticator_->Cached(header), std::nullopt);
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
  std::optional<Caller> cached = authenticator_->Cached(header);
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->authority_id, "sheffield");
  // The cache holds the hash of the whole key: the right id with another
  // secret is refused.
  std::string forged = key.secret();
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(authenticator_->Cached(Bearer(forged)), std::nullopt);
  EXPECT_THAT(authenticator_->Authenticate(Bearer(forged)).status(),
              StatusIs(Code::kUnauthenticated));

  std::vector<std::string> told;
  authenticator_->SetRevocationListener(
      [&told](const std::string& key_id) { told.push_back(key_id); });
  clock_.Advance(absl::Hours(2));
  absl::StatusOr<v1::ApiKey> revoked = Revoke(key.api_key());
  ASSERT_THAT(revoked.status(), IsOk());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(revoked->revoke_time()),
            absl::ToUnixMicros(TestNow() + absl::Hours(2)));
  EXPECT_THAT(told, ElementsAre(cached->key_id));
  EXPECT_EQ(authenticator_->Cached(header), std::nullopt);
  EXPECT_THAT(authenticator_->Authenticate(header).status(),
              StatusIs(Code::kUnauthenticated));
  authenticator_->SetRevocationListener(nullptr);
}

TEST_F(AuthDomainTest, AVerifiedCredentialIsServedWithoutTheStore) {
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  int store_reads = 0;
  authenticator_->SetStoreReadHookForTesting([&] { ++store_reads; });
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
  EXPECT_EQ(store_reads, 1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
    ASSERT_TRUE(authenticator_->Cached(header).has_value());
  }
  // The same key sent with other bytes is verified by its digest, still
  // without the store.
  const std::string lower = "bearer " + key.secret();
  absl::StatusOr<Caller> caller = authenticator_->Authenticate(lower);
  ASSERT_THAT(caller.status(), IsOk());
  EXPECT_EQ(caller->authority_id, "sheffield");
  EXPECT_TRUE(caller->Has(v1::ROLE_FAMILY_FINDER));
  EXPECT_EQ(store_reads, 1);
  authenticator_->SetStoreReadHookForTesting(nullptr);
}

TEST_F(AuthDomainTest, OnlyTheExactBytesOfAVerifiedCredentialPass) {
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
  // Every one-byte change of the cached credential, and every truncation or
  // extension of it, is refused by the cache and by the store.
  for (size_t i = 0; i < header.size(); ++i) {
    std::string changed = header;
    changed[i] = changed[i] == 'a' ? 'b' : 'a';
    EXPECT_EQ(authenticator_->Cached(changed), std::nullopt) << changed;
    if (i >= 7) {  // "Bearer " vs "bearer ": the same key
      EXPECT_THAT(authenticator_->Authenticate(changed).status(),
                  StatusIs(Code::kUnauthenticated))
          << changed;
    }
  }
  for (const std::string& other : {header.substr(0, header.size() - 1),
                                   header + "0", header + " ", " " + header}) {
    EXPECT_EQ(authenticator_->Cached(other), std::nullopt) << other;
    EXPECT_THAT(authenticator_->Authenticate(other).status(),
                StatusIs(Code::kUnauthenticated))
        << other;
  }
  EXPECT_TRUE(authenticator_->Cached(header).has_value());
}

TEST_F(AuthDomainTest, ARevocationEndsEveryCachedFormOfTheKeyAtOnce) {
  v1::CreateApiKeyResponse key = IssueKey("leeds", {v1::ROLE_REGISTRAR});
  v1::CreateApiKeyResponse other = IssueKey("leeds", {v1::ROLE_REGISTRAR});
  const std::string header = Bearer(key.secret());
  const std::string lower = "bearer " + key.secret();
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
  ASSERT_THAT(authenticator_->Authenticate(lower).status(), IsOk());
  ASSERT_THAT(authenticator_->Authenticate(Bearer(other.secret())).status(),
              IsOk());
  ASSERT_TRUE(authenticator_->Cached(lower).has_value());

  ASSERT_THAT(Revoke(key.api_key()).status(), IsOk());
  for (const std::string& h : {header, lower}) {
    EXPECT_EQ(authenticator_->Cached(h), std::nullopt) << h;
    EXPECT_THAT(authenticator_->Authenticate(h).status(),
                StatusIs(Code::kUnauthenticated))
        << h;
  }
  // The member's other key is untouched.
  EXPECT_TRUE(authenticator_->Cached(Bearer(other.secret())).has_value());
}

TEST_F(AuthDomainTest, NothingIsTrustedFromTheCacheLongerThanItsLifetime) {
  // An authenticator the revocation is not told of: only the lifetime of
  // its cache makes it read the key again.
  Authenticator untold(*store_, false, &clock_);
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  int store_reads = 0;
  untold.SetStoreReadHookForTesting([&] { ++store_reads; });
  ASSERT_THAT(untold.Authenticate(header).status(), IsOk());
  ASSERT_THAT(Revoke(key.api_key()).status(), IsOk());

  clock_.Advance(Authenticator::kCacheLifetime - absl::Microseconds(1));
  EXPECT_TRUE(untold.Cached(header).has_value());
  EXPECT_THAT(untold.Authenticate(header).status(), IsOk());
  EXPECT_EQ(store_reads, 1);

  clock_.Advance(absl::Microseconds(1));
  EXPECT_EQ(untold.Cached(header), std::nullopt);
  EXPECT_THAT(untold.Authenticate(header).status(),
              StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(store_reads, 2);
}

TEST_F(AuthDomainTest, AnExpiredEntryIsReadAgainAndCachedAgain) {
  Authenticator auth(*store_, false, &clock_);
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  int store_reads = 0;
  auth.SetStoreReadHookForTesting([&] { ++store_reads; });
  ASSERT_THAT(auth.Authenticate(header).status(), IsOk());
  clock_.Advance(Authenticator::kCacheLifetime);
  EXPECT_EQ(auth.Cached(header), std::nullopt);
  ASSERT_THAT(auth.Authenticate(header).status(), IsOk());
  EXPECT_EQ(store_reads, 2);
  EXPECT_TRUE(auth.Cached(header).has_value());
  ASSERT_THAT(auth.Authenticate(header).status(), IsOk());
  EXPECT_EQ(store_reads, 2);
}

TEST_F(AuthDomainTest, ABoundKeyIsCachedWithItsCertificateName) {
  Authenticator bound(*store_, /*keys_bound_to_certificates=*/true, &clock_);
  v1::CreateApiKeyResponse key =
      IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  ASSERT_THAT(bound.Authenticate(header, "sheffield").status(), IsOk());
  EXPECT_TRUE(bound.Cached(header, "sheffield").has_value());
  // Another certificate, or none, is not the credential that was verified.
  EXPECT_EQ(bound.Cached(header, "leeds"), std::nullopt);
  EXPECT_EQ(bound.Cached(header, ""), std::nullopt);
  EXPECT_EQ(bound.Cached(header, "sheffield "), std::nullopt);
  EXPECT_THAT(bound.Authenticate(header, "leeds").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(bound.Authenticate(header, "").status(),
              StatusIs(Code::kUnauthenticated));
  // Still refused once the key is cached by id.
  EXPECT_THAT(bound.Authenticate(header, "leeds").status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(bound.Authenticate(header, "sheffield").status(), IsOk());
  // Without binding the certificate name plays no part.
  Authenticator unbound(*store_, false, &clock_);
  ASSERT_THAT(unbound.Authenticate(header, "leeds").status(), IsOk());
  EXPECT_TRUE(unbound.Cached(header, "").has_value());
  EXPECT_TRUE(unbound.Cached(header, "anyone").has_value());
}

TEST(Sha256Test, IsTheStandardDigestOnEveryThread) {
  // FIPS 180-2's examples.
  const std::string abc =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const std::string empty =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(absl::BytesToHexString(Sha256("abc")), abc);
  EXPECT_EQ(absl::BytesToHexString(Sha256("")), empty);
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&seen, t] {
      std::string digest;
      for (int i = 0; i < 100; ++i) digest = Sha256("abc");
      seen[t] = absl::BytesToHexString(digest);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(seen, ElementsAre(abc, abc, abc, abc));
}

TEST_F(AuthDomainTest, AKeyCannotRevokeItself) {
  v1::RevokeApiKeyRequest request;
  request.set_name("apiKeys/" + manager_.key_id);
  request.set_request_id(NextRequestId());
  EXPECT_THAT(api_keys_->Revoke(manager_, request).status(),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(authenticator_->Authenticate(Bearer(manager_secret_)).status(),
              IsOk());
}

TEST_F(AuthDomainTest, MalformedOrMissingKeysAreUnauthenticated) {
  for (const std::string& header :
       {std::string(), std::string("Basic abc"), std::string("Bearer raa_"),
        std::string("Bearer raa_0123456789abcdef_00"),
        std::string("Bearer ")}) {
    EXPECT_THAT(authenticator_->Authenticate(header).status(),
                StatusIs(Code::kUnauthenticated))
        << header;
    EXPECT_EQ(authenticator_->Cached(header), std::nullopt) << header;
  }
}

TEST_F(AuthDomainTest, AWithdrawalReachesTheMembersKeysOnlyOnceCommitted) {
  v1::CreateApiKeyResponse key = IssueKey("leeds", {v1::ROLE_REGISTRAR});
  const std::string header = Bearer(key.secret());
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());

  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/leeds");
  withdraw.set_request_id(NextRequestId());
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  EXPECT_THAT(registry_->WithdrawAuthority(manager_, withdraw).status(),
              StatusIs(Code::kInternal));
  EXPECT_FALSE(authenticator_->Authenticate(header)->withdrawn);
  EXPECT_FALSE(authenticator_->Cached(header)->withdrawn);

  ASSERT_THAT(registry_->WithdrawAuthority(manager_, withdraw).status(),
              IsOk());
  EXPECT_TRUE(authenticator_->Authenticate(header)->withdrawn);
  EXPECT_TRUE(authenticator_->Cached(header)->withdrawn);
  // A fresh Authenticator on the same store learns it from the store.
  Authenticator restarted(*store_);
  ASSERT_THAT(LoadMemberStates(*store_, restarted), IsOk());
  EXPECT_TRUE(restarted.Authenticate(header)->withdrawn);
}

// The regional adoption agency's callers are marked Caller::hub (rules.h
// lets its family finders record any link's early steps): the hub from the
// start, and a member whose kind is corrected to or from
// REGIONAL_ADOPTION_AGENCY from the commit on, cached keys too. There is one
// at a time: a second is refused.
TEST_F(AuthDomainTest, TheRegionalAdoptionAgencysKeysAreTheHubs) {
  EXPECT_TRUE(manager_.hub);
  v1::CreateApiKeyResponse key = IssueKey("leeds", {v1::ROLE_FAMILY_FINDER});
  const std::string header = Bearer(key.secret());
  ASSERT_THAT(authenticator_->Authenticate(header).status(), IsOk());
  EXPECT_FALSE(authenticator_->Cached(header)->hub);

  v1::UpdateAuthorityRequest update;
  update.mutable_authority()->set_name("authorities/leeds");
  update.mutable_authority()->set_kind(
      v1::AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY);
  update.mutable_update_mask()->add_paths("kind");
  update.set_request_id(NextRequestId());
  const absl::Status second =
      registry_->UpdateAuthority(manager_, update).status();
  EXPECT_THAT(second, StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(second.message(), HasSubstr("hub is the"));
  EXPECT_FALSE(authenticator_->Authenticate(header)->hub);

  // The hub's kind corrected first, leeds may become the agency.
  v1::UpdateAuthorityRequest hub = update;
  hub.mutable_authority()->set_name("authorities/hub");
  hub.mutable_authority()->set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
  hub.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateAuthority(manager_, hub).status(), IsOk());
  update.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateAuthority(manager_, update).status(), IsOk());
  EXPECT_TRUE(authenticator_->Cached(header)->hub);
  EXPECT_TRUE(authenticator_->Authenticate(header)->hub);
  Authenticator restarted(*store_);
  ASSERT_THAT(LoadMemberStates(*store_, restarted), IsOk());
  EXPECT_TRUE(restarted.Authenticate(header)->hub);

  update.mutable_authority()->set_kind(v1::AUTHORITY_KIND_LOCAL_AUTHORITY);
  update.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateAuthority(manager_, update).status(), IsOk());
  EXPECT_FALSE(authenticator_->Cached(header)->hub);
}

}  // namespace
}  // namespace raa
