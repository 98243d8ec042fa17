// A fresh raamatch server in this process for each test: the real gRPC
// server on 127.0.0.1 with a port it picks, over a SQLite file in a scratch
// directory, its time from a FakeClock at TestNow() (2026-11-01 noon). Only
// the hub and its bootstrap manager key (manager_) exist at the start.
// One-line calls of every service, and registry writes that must succeed.
//
//   class MyTest : public InProcessServerTest {};
//   TEST_F(MyTest, Example) {
//     AddMember("sheffield", "south-yorkshire");
//     std::string registrar = NewKey("sheffield", {v1::ROLE_REGISTRAR});
//     v1::Child child = AddChild(registrar, "sheffield", ChildProfile({84}));
//     v1::RankAdoptersResponse ranked;
//     EXPECT_THAT(RankAdopters(manager_, child.name(), &ranked), IsOk());
//   }
//
// A fixture that needs other server options overrides Configure. The helpers
// report failures with EXPECT (never throw); a test that cannot go on after
// one wraps the call in ASSERT_NO_FATAL_FAILURE or checks HasFailure().
#ifndef RAAMATCH_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
#define RAAMATCH_TESTS_SUPPORT_IN_PROCESS_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "services/server/server.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa::test {

using RegistryStub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using MatchingStub = v1::MatchingService::Stub;
using JourneyStub = v1::JourneyService::Stub;

class InProcessServerTest : public ::testing::Test {
 protected:
  // Starts the server and takes its bootstrap key into manager_.
  void SetUp() override;
  void TearDown() override;

  // Called with the options of every start (db_path, listen, clock and two
  // workers already set), to change them.
  virtual void Configure(ServerOptions& /*options*/) {}

  // Starts (or starts again, after StopServer) the server on the same
  // database file and reconnects the stubs.
  void StartServer();
  // Drops the stubs and the channel, then shuts the server down.
  void StopServer();
  void RestartServer();

  // "req-1", "req-2", …: a fresh request_id per call.
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
  grpc::Status Acc(grpc::Status (AccessStub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
                   absl::string_view key, const Request& request,
                   Response* response) {
    return Call(*access_, method, key, request, response);
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
  // A member authority `id` named `display_name` ("<id> council" if empty).
  void AddMember(const std::string& id, absl::string_view region,
                 v1::AuthorityKind kind = v1::AUTHORITY_KIND_LOCAL_AUTHORITY,
                 absl::string_view display_name = "");
  // A new key for `authority` with `roles`, issued by manager_, labelled
  // "<authority> test key"; IssueKey returns the whole answer, NewKey the
  // secret.
  v1::CreateApiKeyResponse IssueKey(const std::string& authority,
                                    const std::vector<v1::Role>& roles);
  std::string NewKey(const std::string& authority,
                     const std::vector<v1::Role>& roles);
  // Create requests for `authority` with a fresh request id.
  v1::CreateChildRequest ChildRequest(absl::string_view authority,
                                      const v1::Child& child);
  v1::CreateAdopterRequest AdopterRequest(absl::string_view authority,
                                          const v1::Adopter& adopter);
  v1::Child AddChild(absl::string_view key, absl::string_view authority,
                     const v1::Child& child = ValidChild());
  v1::Adopter AddAdopter(absl::string_view key, absl::string_view authority,
                         const v1::Adopter& adopter = ValidAdopter());
  // Sets the fields named in `paths` from `changed` (whose name says which
  // record) and returns the stored record.
  v1::Child UpdateChild(absl::string_view key, const v1::Child& changed,
                        const std::vector<std::string>& paths);
  v1::Adopter UpdateAdopter(absl::string_view key, const v1::Adopter& changed,
                            const std::vector<std::string>& paths);
  void WithdrawChild(absl::string_view key, const std::string& name);
  void WithdrawAdopter(absl::string_view key, const std::string& name);
  void WithdrawAuthority(const std::string& id);
  void ReinstateAuthority(const std::string& id);

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

  // Journey calls.
  template <typename Request, typename Response>
  grpc::Status Journey(grpc::Status (JourneyStub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*),
                       absl::string_view key, const Request& request,
                       Response* response) {
    return Call(*journey_, method, key, request, response);
  }
  // Opens a link between `child` and `adopter` (with manager_, opened
  // 2026-10-01) and records every step up to `step`, a day apart, so both
  // records reach the status the step gives them (LINKED, MATCHED, PLACED,
  // ADOPTED). The pair must pass every hard constraint. Failures are
  // reported, not thrown.
  v1::Link LinkTo(const std::string& child, const std::string& adopter,
                  v1::LinkStep step);
  // Records every step of `link` after its current one up to `step`, as
  // LinkTo does, and keeps the answer in `link`.
  void AdvanceTo(v1::Link& link, v1::LinkStep step);

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
  std::unique_ptr<JourneyStub> journey_;
  std::string manager_;  // the hub's bootstrap key (manager)
  int requests_ = 0;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
