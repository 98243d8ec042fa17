// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Updates with a field mask: only the
// named fields change, and a bad path or value changes nothing.
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
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

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
  // A mask naming status with none given is not "leave it": it would have
  // put any child back to WAITING, a new profile's default.
  change.clear_status();
  status = attempt({"status"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("child.status"));
  // A placement order set before the child entered care (no SHOBPA date).
  change = ValidChild();
  change.mutable_journey()->clear_shobpa_decision();
  *change.mutable_journey()->mutable_placement_order() = MakeDate(2024, 11, 4);
  status = attempt({"journey"}, change);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              ElementsAre("child.journey.placement_order"));

  EXPECT_THAT(GetChild(manager_, created.name()), EqualsProto(created));
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

}  // namespace
}  // namespace raa
