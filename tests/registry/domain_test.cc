// Registry's rules without a network: the class raamatchd's RegistryService
// calls, on a scratch store with a fake clock (tests/support/
// scratch_domain.h). What a member relies on: a registrar changes only its
// own authority's records, a refused request writes nothing, a retry is
// answered once, times come from the clock, and a withdrawn member's
// records leave matching until it is reinstated.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/registry/registry.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::raa::test::EqualsProto;
using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::raa::test::TestNow;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using Code = ::absl::StatusCode;

// Sheffield and Leeds, a registrar of each, and Rotherham's family finder.
class RegistryDomainTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    AddMember("rotherham", "south-yorkshire");
    sheffield_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    leeds_secret_ = IssueKey("leeds", {v1::ROLE_REGISTRAR}).secret();
    leeds_ = CallerOf(leeds_secret_);
    finder_ = NewCaller("rotherham", {v1::ROLE_FAMILY_FINDER});
    ASSERT_FALSE(HasFailure());
  }

  // Every child the manager can list, walking no pages (there are few).
  std::vector<v1::Child> AllChildren() {
    v1::ListChildrenRequest request;
    request.set_parent("authorities/-");
    request.set_page_size(1000);
    absl::StatusOr<v1::ListChildrenResponse> listed =
        registry_->ListChildren(manager_, request);
    EXPECT_THAT(listed.status(), IsOk());
    if (!listed.ok()) return {};
    return {listed->children().begin(), listed->children().end()};
  }

  v1::Child Stored(const v1::Child& child) {
    v1::GetChildRequest request;
    request.set_name(child.name());
    absl::StatusOr<v1::Child> got = registry_->GetChild(manager_, request);
    EXPECT_THAT(got.status(), IsOk());
    return got.value_or(v1::Child());
  }

  v1::UpdateChildRequest SummaryUpdate(const v1::Child& child,
                                       const std::string& summary) {
    v1::UpdateChildRequest request;
    request.mutable_child()->set_name(child.name());
    request.mutable_child()->set_summary(summary);
    request.mutable_update_mask()->add_paths("summary");
    request.set_request_id(NextRequestId());
    return request;
  }

  std::string leeds_secret_;
  Caller sheffield_, leeds_, finder_;
};

TEST_F(RegistryDomainTest, ARegistrarCannotChangeAnotherAuthoritysChild) {
  v1::Child child = AddChild(leeds_, "leeds", ValidChild());

  EXPECT_THAT(
      registry_->UpdateChild(sheffield_, SummaryUpdate(child, "Loves drawing"))
          .status(),
      StatusIs(Code::kPermissionDenied));
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child.name());
  withdraw.set_reason("placed with family members");
  withdraw.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->WithdrawChild(sheffield_, withdraw).status(),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      registry_->CreateChild(sheffield_, ChildRequest("leeds", ValidChild()))
          .status(),
      StatusIs(Code::kPermissionDenied));
  // Nor may a family finder or a manager: only Leeds' registrars.
  EXPECT_THAT(
      registry_->UpdateChild(finder_, SummaryUpdate(child, "Loves drawing"))
          .status(),
      StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      registry_->UpdateChild(manager_, SummaryUpdate(child, "Loves drawing"))
          .status(),
      StatusIs(Code::kPermissionDenied));

  EXPECT_THAT(Stored(child), EqualsProto(child));
  EXPECT_THAT(AllChildren(), SizeIs(1));
  EXPECT_THAT(
      registry_->UpdateChild(leeds_, SummaryUpdate(child, "Loves drawing"))
          .status(),
      IsOk());
}

TEST_F(RegistryDomainTest, ARefusedProfileNamesEachFieldAndWritesNothing) {
  v1::Child child = ValidChild();
  child.set_summary("call 0114 273 4567");
  child.mutable_members(0)->set_age_months(-1);
  absl::StatusOr<v1::Child> created =
      registry_->CreateChild(sheffield_, ChildRequest("sheffield", child));
  EXPECT_THAT(created.status(), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(
      ViolationFields(created.status()),
      UnorderedElementsAre("child.members[0].age_months", "child.summary"));
  EXPECT_THAT(AllChildren(), IsEmpty());
}

TEST_F(RegistryDomainTest, ARetryIsAnsweredOnceAndADifferentBodyIsRefused) {
  v1::CreateChildRequest request = ChildRequest("sheffield", ValidChild());
  absl::StatusOr<v1::Child> first = registry_->CreateChild(sheffield_, request);
  ASSERT_THAT(first.status(), IsOk());
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<v1::Child> again = registry_->CreateChild(sheffield_, request);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_THAT(*again, EqualsProto(*first));
  EXPECT_THAT(AllChildren(), SizeIs(1));

  request.mutable_child()->set_summary("A different boy who loves the park");
  EXPECT_THAT(registry_->CreateChild(sheffield_, request).status(),
              StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(AllChildren(), SizeIs(1));
}

TEST_F(RegistryDomainTest, TimesAndTheStatusHistoryComeFromTheClock) {
  v1::Child child = AddChild(sheffield_, "sheffield", ValidChild());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(child.create_time()),
            absl::ToUnixMicros(TestNow()));

  clock_.Advance(absl::Hours(3));
  absl::StatusOr<v1::Child> updated =
      registry_->UpdateChild(sheffield_, SummaryUpdate(child, "Loves drawing"));
  ASSERT_THAT(updated.status(), IsOk());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(updated->update_time()),
            absl::ToUnixMicros(TestNow() + absl::Hours(3)));
  EXPECT_EQ(updated->create_time(), child.create_time());

  clock_.Advance(absl::Hours(1));
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child.name());
  withdraw.set_reason("placed with family members");
  withdraw.set_request_id(NextRequestId());
  absl::StatusOr<v1::Child> withdrawn =
      registry_->WithdrawChild(sheffield_, withdraw);
  ASSERT_THAT(withdrawn.status(), IsOk());
  ASSERT_THAT(withdrawn->status_history(), SizeIs(1));
  const v1::StatusChange& change = withdrawn->status_history(0);
  EXPECT_EQ(change.from_status(), "CHILD_WAITING");
  EXPECT_EQ(change.to_status(), "CHILD_WITHDRAWN");
  EXPECT_EQ(change.reason(), "placed with family members");
  EXPECT_EQ(change.authority(), "authorities/sheffield");
  EXPECT_EQ(change.key_id(), sheffield_.key_id);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(change.change_time()),
            absl::ToUnixMicros(TestNow() + absl::Hours(4)));
  EXPECT_THAT(Stored(child), EqualsProto(*withdrawn));
}

TEST_F(RegistryDomainTest,
       AWithdrawnMembersRecordsLeaveTheIndexUntilReinstated) {
  v1::Child child = AddChild(leeds_, "leeds", ValidChild());
  v1::Adopter adopter = AddAdopter(leeds_, "leeds", ValidAdopter());
  ASSERT_TRUE(ChildInIndex(child));
  ASSERT_TRUE(AdopterInIndex(adopter));

  v1::WithdrawAuthorityRequest withdraw;
  withdraw.set_name("authorities/leeds");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->WithdrawAuthority(manager_, withdraw).status(),
              IsOk());
  EXPECT_FALSE(ChildInIndex(child));
  EXPECT_FALSE(AdopterInIndex(adopter));
  // Its registrar's next call carries the withdrawal: it changes nothing.
  Caller leeds = CallerOf(leeds_secret_);
  EXPECT_TRUE(leeds.withdrawn);
  EXPECT_THAT(
      registry_->UpdateChild(leeds, SummaryUpdate(child, "Loves art")).status(),
      StatusIs(Code::kPermissionDenied));
  // The records stay, as they were.
  EXPECT_THAT(Stored(child), EqualsProto(child));

  v1::ReinstateAuthorityRequest reinstate;
  reinstate.set_name("authorities/leeds");
  reinstate.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->ReinstateAuthority(manager_, reinstate).status(),
              IsOk());
  EXPECT_TRUE(ChildInIndex(child));
  EXPECT_TRUE(AdopterInIndex(adopter));
  EXPECT_FALSE(CallerOf(leeds_secret_).withdrawn);
}

}  // namespace
}  // namespace raa
