// Shared by the MatchingService tests: an in-process raamatch server on
// 127.0.0.1 (port 0) over a real SQLite file in a scratch directory, with a
// FakeClock at 2026-11-01 noon; one-line registry and matching calls; profiles
// built to fit (or not) on purpose; and AlertStream, a WatchMatches stream
// read on its own thread so a test can wait for an alert with a deadline.
//
//   class MyTest : public MatchingServerTest {};
//   TEST_F(MyTest, Example) {
//     AddMember("sheffield", "south-yorkshire");
//     std::string registrar = NewKey("sheffield", {v1::REGISTRAR});
//     v1::Child child = AddChild(registrar, "sheffield", ChildProfile({84}));
//     v1::RankAdoptersResponse ranked;
//     EXPECT_THAT(RankAdopters(manager_, child.name(), &ranked), IsOk());
//   }
#ifndef RAAMATCH_TESTS_MATCHING_MATCHING_TEST_SUPPORT_H_
#define RAAMATCH_TESTS_MATCHING_MATCHING_TEST_SUPPORT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/server/server.h"
#include "tests/registry/test_support.h"

namespace raa::test {

using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using MatchingStub = v1::MatchingService::Stub;

// A profile that passes validation on Today(): one boy per age in
// `ages_months`, White British, English-speaking, each with mild attachment
// difficulties (and no other need); letterbox contact, no early permanence;
// waiting since a SHOBPA decision on 2025-08-04 (more than a year).
v1::Child ChildProfile(const std::vector<int>& ages_months);

// An approved household (approved 2025-09-01) in south-yorkshire: approved
// for `approved_for` children aged `min_age_months`-`max_age_months`, any
// sex, would consider severe attachment difficulties and no other need;
// White British, Christian, English-speaking, would support direct contact.
// With ChildProfile({84}) and (1, 48, 120) every score component is high.
v1::Adopter ApprovedHousehold(int approved_for, int min_age_months,
                              int max_age_months);

// The row number in "authorities/a/children/c12" or ".../adopters/h12"; -1
// if the name is malformed.
int64_t RowIdOf(absl::string_view name);

// Score component and constraint ids, in the documented order.
const std::vector<std::string>& ComponentIds();
const std::vector<std::string>& ConstraintIds();

// The documented default weights, by ComponentIds().
const std::vector<int>& DefaultWeights();

// Checks a ranked candidate's (or a pair's) score components: every
// component once, in order, with a reason, the policy's weight, a fit in
// 0-1000, and points that add up to ten times the score give or take
// rounding.
void ExpectExplainedComponents(
    const google::protobuf::RepeatedPtrField<v1::ScoreComponent>& components,
    int score, const std::vector<int>& weights);

// The first constraint a pair fails, or "" if it passes every one.
std::string FirstFailedConstraint(const v1::PairExplanation& explanation);

// One WatchMatches stream. Alerts are read on a thread of its own and queued
// here; the test takes them in arrival order with a deadline.
class AlertStream {
 public:
  AlertStream(MatchingStub& stub, absl::string_view key,
              const v1::WatchMatchesRequest& request);
  // Cancels the stream (if it is still open) and joins the reader.
  ~AlertStream();
  AlertStream(const AlertStream&) = delete;
  AlertStream& operator=(const AlertStream&) = delete;

  // Takes alerts in arrival order until one satisfies `stop` (true, the
  // alert in `*stopped_at` if not null); alerts before it are appended to
  // `*before`. False if none satisfies it within `timeout` or the stream
  // ends first.
  bool ReadUntil(const std::function<bool(const v1::MatchAlert&)>& stop,
                 absl::Duration timeout, std::vector<v1::MatchAlert>* before,
                 v1::MatchAlert* stopped_at = nullptr);

  // Waits up to `timeout` for the stream to end and returns its status
  // (DEADLINE_EXCEEDED if it has not ended). Alerts still queued are
  // appended to `*unread` if not null.
  grpc::Status Finish(absl::Duration timeout,
                      std::vector<v1::MatchAlert>* unread = nullptr);

 private:
  void ReadLoop();
  bool HasNews() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !alerts_.empty() || ended_;
  }
  bool Ended() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ended_; }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::MatchAlert>> reader_;
  absl::Mutex mu_;
  std::deque<v1::MatchAlert> alerts_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread reader_thread_;
};

// A fresh server per test (only the hub and its bootstrap manager key exist),
// and helpers that call it.
class MatchingServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts, after StopServer) the server on the same database
  // file and reconnects the stubs.
  void StartServer();
  void StopServer();

  std::string NextRequestId();

  template <typename Request, typename Response>
  grpc::Status Reg(grpc::Status (RegistryStub::*method)(grpc::ClientContext*,
                                                        const Request&,
                                                        Response*),
                   absl::string_view key, const Request& request,
                   Response* response) {
    return Call(*registry_, method, key, request, response);
  }
  template <typename Request, typename Response>
  grpc::Status Match(grpc::Status (MatchingStub::*method)(grpc::ClientContext*,
                                                          const Request&,
                                                          Response*),
                     absl::string_view key, const Request& request,
                     Response* response) {
    return Call(*matching_, method, key, request, response);
  }

  // Registry writes that must succeed (failures are reported, not thrown).
  void AddMember(const std::string& id, absl::string_view region,
                 v1::AuthorityKind kind = v1::LOCAL_AUTHORITY);
  // The secret of a new key for `authority` with `roles`.
  std::string NewKey(const std::string& authority,
                     const std::vector<v1::Role>& roles);
  v1::Child AddChild(absl::string_view key, absl::string_view authority,
                     const v1::Child& child);
  v1::Adopter AddAdopter(absl::string_view key, absl::string_view authority,
                         const v1::Adopter& adopter);
  // Sets the fields named in `paths` from `changed` (whose name says which
  // record) and returns the stored record.
  v1::Child UpdateChild(absl::string_view key, const v1::Child& changed,
                        const std::vector<std::string>& paths);
  v1::Adopter UpdateAdopter(absl::string_view key, const v1::Adopter& changed,
                            const std::vector<std::string>& paths);
  void WithdrawChild(absl::string_view key, const std::string& name);
  void WithdrawAdopter(absl::string_view key, const std::string& name);
  void WithdrawAuthority(const std::string& id);

  // Matching calls.
  grpc::Status RankAdopters(absl::string_view key, const std::string& child,
                            v1::RankAdoptersResponse* response,
                            int page_size = 100, int min_score = 0);
  grpc::Status RankChildren(absl::string_view key, const std::string& adopter,
                            v1::RankChildrenResponse* response,
                            int page_size = 100, int min_score = 0);
  grpc::Status ExplainPair(absl::string_view key, const std::string& child,
                           const std::string& adopter,
                           v1::PairExplanation* explanation);
  v1::MatchingPolicy GetPolicy(absl::string_view key);

  // The adopter names of a ranking, in order.
  static std::vector<std::string> AdopterNamesOf(
      const v1::RankAdoptersResponse& response);
  static std::vector<std::string> ChildNamesOf(
      const v1::RankChildrenResponse& response);

  ScratchDir dir_;
  FakeClock clock_{TestNow()};
  std::unique_ptr<RaaServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<RegistryStub> registry_;
  std::unique_ptr<AccessStub> access_;
  std::unique_ptr<MatchingStub> matching_;
  std::string manager_;  // the hub's bootstrap key (manager)
  int requests_ = 0;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_MATCHING_MATCHING_TEST_SUPPORT_H_
