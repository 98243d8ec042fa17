// The areas' domain classes wired as raamatchd wires them
// (services/server/server.cc), on a SQLite file in a scratch directory with
// a FakeClock at TestNow(), and no network: Store, RegionList, LiveIndex
// (the store's listener, with the Authenticator told of committed member
// changes), Authenticator, Registry, ApiKeys, Matching and Links. The hub and
// its bootstrap manager key exist at the start.
//
//   class RegistryDomainTest : public ScratchDomainTest {};
//   TEST_F(RegistryDomainTest, Example) {
//     AddMember("sheffield", "south-yorkshire");
//     Caller registrar = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
//     absl::StatusOr<v1::Child> child =
//         registry_->CreateChild(registrar, ChildRequest("sheffield", c));
//   }
//
// Callers come from real keys through the Authenticator, so they carry what
// a call over the network would. FailNextWrite makes the store's next write
// fail after the index has taken its changes in, as a failed commit would,
// to test that the index puts them back (LiveIndex::RolledBack).
//
// Everything runs on the test's thread; the classes themselves are
// thread-safe as documented in their headers.
#ifndef RAAMATCH_TESTS_SUPPORT_SCRATCH_DOMAIN_H_
#define RAAMATCH_TESTS_SUPPORT_SCRATCH_DOMAIN_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/registry.pb.h"
#include "services/access/api_keys.h"
#include "services/auth/auth.h"
#include "services/journey/links.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "services/registry/regions.h"
#include "services/registry/registry.h"
#include "services/server/store_listeners.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa::test {

// The store's listener in these tests: raamatchd's own
// (services/server/store_listeners.h), which can be told to fail a write
// after the index took it in.
class ForwardingListener final : public StoreListener {
 public:
  ForwardingListener(LiveIndex& live, Authenticator& authenticator)
      : inner_(MakeStoreListeners(live, authenticator)) {}

  // The next write fails once the index has taken its changes in, with
  // `status`; the store rolls it back.
  void FailNextWrite(absl::Status status) { fail_next_ = std::move(status); }

  void Begun(StoreTx& tx) override { inner_->Begun(tx); }
  absl::Status BeforeCommit(StoreTx& tx) override;
  void Committed() override { inner_->Committed(); }
  void RolledBack() override { inner_->RolledBack(); }

 private:
  std::unique_ptr<StoreListener> inner_;
  absl::Status fail_next_;
};

class ScratchDomainTest : public ::testing::Test {
 protected:
  // Opens the store and builds every class; manager_ is the hub's key.
  void SetUp() override;

  // "req-1", "req-2", …: a fresh request_id per call.
  std::string NextRequestId();

  // The caller a key's secret authenticates as (a failure is reported).
  Caller CallerOf(absl::string_view secret);

  // Writes that must succeed (failures are reported, not thrown).
  void AddMember(const std::string& id, absl::string_view region);
  // A new key for `authority` with `roles`, issued by manager_.
  v1::CreateApiKeyResponse IssueKey(const std::string& authority,
                                    const std::vector<v1::Role>& roles);
  // CallerOf(IssueKey(...).secret()).
  Caller NewCaller(const std::string& authority,
                   const std::vector<v1::Role>& roles);
  v1::CreateChildRequest ChildRequest(absl::string_view authority,
                                      const v1::Child& child);
  v1::CreateAdopterRequest AdopterRequest(absl::string_view authority,
                                          const v1::Adopter& adopter);
  v1::Child AddChild(const Caller& registrar, absl::string_view authority,
                     const v1::Child& child);
  v1::Adopter AddAdopter(const Caller& registrar, absl::string_view authority,
                         const v1::Adopter& adopter);

  // Whether the live index holds the record as in matching now.
  bool ChildInIndex(const v1::Child& child) const;
  bool AdopterInIndex(const v1::Adopter& adopter) const;

  ScratchDir dir_;
  FakeClock clock_{TestNow()};
  std::unique_ptr<Store> store_;
  std::unique_ptr<RegionList> regions_;
  std::unique_ptr<LiveIndex> live_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<ForwardingListener> listener_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ApiKeys> api_keys_;
  std::unique_ptr<Matching> matching_;
  std::unique_ptr<Links> links_;
  std::string manager_secret_;  // the hub's bootstrap manager key
  Caller manager_;
  int requests_ = 0;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_SCRATCH_DOMAIN_H_
