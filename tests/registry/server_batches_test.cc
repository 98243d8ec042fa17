// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Batches: many profiles in one call,
// good rows stored and bad ones reported.
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
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::SizeIs;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

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
  // A row cannot be checked only: the batch would store it.
  v1::CreateChildRequest* check_only = batch.add_requests();
  *check_only->mutable_child() = ValidChild();
  check_only->set_validate_only(true);
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
                  std::pair<int, std::string>(3, "requests[3].parent"),
                  std::pair<int, std::string>(4, "requests[4].validate_only")));
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
              ElementsAre("requests[1].child.summary", "requests[3].parent",
                          "requests[4].validate_only"));
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

// A row's request_id is its own: one that repeats an earlier row's, or the
// batch's own, is that row's failure, saying which.
TEST_F(ServerTest, ABatchRowMayNotReuseAnotherRowsOrTheBatchsRequestId) {
  v1::BatchCreateChildrenRequest batch;
  batch.set_parent("authorities/sheffield");
  batch.set_request_id(NextRequestId());
  for (const std::string& id :
       {std::string("row-a"), std::string("row-a"), batch.request_id()}) {
    v1::CreateChildRequest* row = batch.add_requests();
    *row->mutable_child() = ValidChild();
    row->set_request_id(id);
  }
  v1::BatchCreateChildrenResponse response;
  ASSERT_THAT(Reg(&RegistryStub::BatchCreateChildren, sheffield_.secret(),
                  batch, &response),
              IsOk());
  EXPECT_THAT(response.children(), SizeIs(1));
  ASSERT_THAT(response.failures(), SizeIs(2));
  EXPECT_EQ(response.failures(0).field(), "requests[1].request_id");
  EXPECT_EQ(response.failures(0).description(),
            "repeats requests[0] of this batch");
  EXPECT_EQ(response.failures(1).field(), "requests[2].request_id");
  EXPECT_EQ(response.failures(1).description(),
            "is the batch's own request_id: each row needs one of its own");
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

}  // namespace
}  // namespace raa
