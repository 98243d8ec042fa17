// The key cache racing a revocation, forced rather than hoped for: a key is
// read from the store (not yet revoked), the revocation commits and is
// acknowledged, and only then does the first call try to cache what it read.
// The revoked key must not be served from the cache afterwards.
//
// The interleaving is made with Authenticator's store-read seam and two
// absl::Notification barriers: no sleeps, no retries.
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/access/api_keys.h"
#include "services/auth/auth.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_dir.h"

namespace raa {
namespace {

class KeyCacheRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir_.File("raa.db"), clock_, RaamatchSchema());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    authenticator_ = std::make_unique<Authenticator>(*store_);
    keys_ = std::make_unique<ApiKeys>(*store_, *authenticator_, clock_);
    absl::StatusOr<std::string> manager =
        keys_->Bootstrap("hub", "south-yorkshire", "");
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = "Bearer " + *manager;
    absl::StatusOr<std::string> other =
        keys_->IssueManagerKey("hub", "south-yorkshire", "", "second");
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = "Bearer " + *other;
  }

  // Revokes `bearer`'s key with the manager key.
  absl::Status Revoke(const std::string& bearer) {
    absl::StatusOr<Caller> manager = authenticator_->Authenticate(manager_);
    if (!manager.ok()) return manager.status();
    v1::RevokeApiKeyRequest request;
    request.set_name(absl::StrCat(
        "apiKeys/", KeyIdOf(absl::StripPrefix(bearer, "Bearer ")).value()));
    request.set_request_id("revoke-1");
    return keys_->Revoke(*manager, request).status();
  }

  test::ScratchDir dir_;
  FakeClock clock_{test::TestNow()};
  std::unique_ptr<Store> store_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<ApiKeys> keys_;
  std::string manager_;
  std::string other_;
};

TEST_F(KeyCacheRaceTest,
       AKeyRevokedWhileItIsBeingCachedIsNotServedFromTheCache) {
  // The manager key is verified (and cached) first, so the only store read
  // the seam sees is the other key's.
  ASSERT_TRUE(authenticator_->Authenticate(manager_).ok());

  absl::Notification read_from_store;  // the first call has read the key
  absl::Notification revoked;          // the revocation is acknowledged
  authenticator_->SetStoreReadHookForTesting([&] {
    read_from_store.Notify();
    revoked.WaitForNotification();
  });
  absl::StatusOr<Caller> first;
  std::thread caller([&] { first = authenticator_->Authenticate(other_); });

  read_from_store.WaitForNotification();
  authenticator_->SetStoreReadHookForTesting(nullptr);
  absl::Status revoked_status = Revoke(other_);
  EXPECT_TRUE(revoked_status.ok()) << revoked_status;
  revoked.Notify();
  caller.join();

  // The first call read the key before the revocation committed: it may
  // pass. Everything after the revocation is refused, from the cache too.
  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(authenticator_->Cached(other_), std::nullopt);
  absl::StatusOr<Caller> after = authenticator_->Authenticate(other_);
  EXPECT_TRUE(absl::IsUnauthenticated(after.status())) << after.status();
}

TEST_F(KeyCacheRaceTest, AKeyReadWithoutARevocationMeanwhileIsCached) {
  // The control: with nothing revoked between the read and the fill, the
  // key is cached, so the test above shows the revocation is what kept it
  // out.
  absl::Notification read_from_store;
  authenticator_->SetStoreReadHookForTesting([&] { read_from_store.Notify(); });
  ASSERT_TRUE(authenticator_->Authenticate(other_).ok());
  EXPECT_TRUE(read_from_store.HasBeenNotified());
  EXPECT_NE(authenticator_->Cached(other_), std::nullopt);
}

}  // namespace
}  // namespace raa
