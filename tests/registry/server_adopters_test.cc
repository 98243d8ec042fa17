// RegistryService and AccessService through a real gRPC server in this
// process (the fixture: server_fixture.h). Approved adopters: creating,
// validating, reading and listing them.
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
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ViolationFields;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;
using RegistryStub = v1::RegistryService::Stub;
using ::raa::test::ServerTest;

TEST_F(ServerTest, CreateAdopterThenGet) {
  v1::Adopter adopter = ValidAdopter();
  adopter.set_youngest_child_age_months(96);
  adopter.set_dual_approved(true);
  v1::Adopter created = AddAdopter(leeds_.secret(), "leeds", adopter);
  EXPECT_THAT(created.name(), StartsWith("authorities/leeds/adopters/h"));
  EXPECT_TRUE(created.has_create_time());
  v1::Adopter expected = adopter;
  expected.set_name(created.name());
  *expected.mutable_create_time() = created.create_time();
  *expected.mutable_update_time() = created.update_time();
  EXPECT_THAT(created, EqualsProto(expected));
  EXPECT_THAT(GetAdopter(sheffield_.secret(), created.name()),
              EqualsProto(created));
}

TEST_F(ServerTest, CreateAdopterRejectsBadInputAndStoresNothing) {
  AddAdopter(leeds_.secret(), "leeds");
  std::vector<std::string> before = AdopterNames(manager_);
  v1::Adopter adopter = ValidAdopter();
  adopter.set_min_age_months(60);
  adopter.set_max_age_months(24);
  adopter.set_approved_for(0);
  adopter.mutable_need_limits(0)->set_category(
      static_cast<v1::NeedCategory>(77));
  *adopter.mutable_approved_on() = MakeDate(2027, 1, 1);
  v1::Adopter created;
  grpc::Status status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
                            AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre(
                  "adopter.max_age_months", "adopter.approved_for",
                  "adopter.need_limits[0].category", "adopter.approved_on"));
  adopter = ValidAdopter();
  adopter.set_approved_for(6);
  status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
               AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("adopter.approved_for"));
  adopter = ValidAdopter();
  adopter.set_status(v1::ADOPTER_STATUS_WITHDRAWN);
  status = Reg(&RegistryStub::CreateAdopter, leeds_.secret(),
               AdopterRequest("leeds", adopter), &created);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), Contains("adopter.status"));
  EXPECT_EQ(AdopterNames(manager_), before);
}

TEST_F(ServerTest, GetAdopterNamesABadNameAndReportsAMissingOne) {
  v1::GetAdopterRequest request;
  request.set_name("authorities/leeds/children/c1");
  v1::Adopter out;
  grpc::Status status =
      Reg(&RegistryStub::GetAdopter, leeds_.secret(), request, &out);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
  request.set_name("authorities/leeds/adopters/h12");
  EXPECT_THAT(Reg(&RegistryStub::GetAdopter, leeds_.secret(), request, &out),
              StatusIs(Code::NOT_FOUND));
}

TEST_F(ServerTest, ListAdoptersFiltersAndPages) {
  v1::Adopter young = ValidAdopter();  // 0-60, 2 children, learning mild
  v1::Adopter older = ValidAdopter();  // 48-120, 3 children, no needs
  older.set_min_age_months(48);
  older.set_max_age_months(120);
  older.set_approved_for(3);
  older.clear_need_limits();
  v1::Adopter stage_two = ValidAdopter();
  stage_two.set_status(v1::ADOPTER_STATUS_STAGE_TWO);
  stage_two.clear_approved_on();
  std::string y = AddAdopter(leeds_.secret(), "leeds", young).name();
  std::string o = AddAdopter(sheffield_.secret(), "sheffield", older).name();
  std::string s = AddAdopter(leeds_.secret(), "leeds", stage_two).name();

  const std::string key = finder_.secret();
  v1::ListAdoptersRequest r = AllAdopters();
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o, s));
  r.set_parent("authorities/leeds");
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r = AllAdopters();
  r.set_status(v1::ADOPTER_STATUS_APPROVED);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o));
  r = AllAdopters();
  r.set_age_months(100);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(o));
  r.set_age_months(0);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r = AllAdopters();
  r.set_group_size(3);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(o));
  r = AllAdopters();
  r.set_need(v1::NEED_CATEGORY_LEARNING_DISABILITY);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, s));
  r.set_need(v1::NEED_CATEGORY_SEXUALISED_BEHAVIOUR);
  EXPECT_THAT(AdopterNames(key, r), IsEmpty());

  r = AllAdopters();
  r.set_page_size(2);
  EXPECT_THAT(AdopterNames(key, r), ElementsAre(y, o, s));

  r = AllAdopters();
  r.set_age_months(217);
  r.set_group_size(6);
  r.set_page_token("garbage");
  v1::ListAdoptersResponse response;
  grpc::Status status = Reg(&RegistryStub::ListAdopters, key, r, &response);
  EXPECT_THAT(status, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(status),
              UnorderedElementsAre("age_months", "group_size", "page_token"));
}

}  // namespace
}  // namespace raa
