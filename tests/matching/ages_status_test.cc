// Issue 6's wrong answers about ages, sibling groups that may be placed apart
// and status changes, through the real server in this process:
// - a missing age is refused, never stored as 0, and an age below the time
//   in care is refused naming both fields;
// - ages move with the clock: Get, List, ranking and explanations use each
//   child's age today, and the index follows the clock without a write;
// - a group that may be placed apart is offered to households approved for
//   fewer children, saying which children;
// - a status needs a reason, never moves back from placed or adopted, and
//   every change is kept in the record's history.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/alert_stream.h"
#include "tests/support/explanations.h"
#include "tests/support/in_process_server.h"

namespace raa::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Code = ::grpc::StatusCode;

class AgesAndStatusTest : public InProcessServerTest {
 protected:
  void SetUp() override {
    InProcessServerTest::SetUp();
    AddMember("sheffield", "south-yorkshire");
    registrar_ =
        NewKey("sheffield", {v1::ROLE_REGISTRAR, v1::ROLE_FAMILY_FINDER});
  }

  grpc::Status Create(const v1::Child& child, v1::Child* created) {
    v1::CreateChildRequest request;
    request.set_parent("authorities/sheffield");
    *request.mutable_child() = child;
    request.set_request_id(NextRequestId());
    return Reg(&RegistryStub::CreateChild, registrar_, request, created);
  }

  grpc::Status SetStatus(const std::string& name, v1::ChildStatus status,
                         const std::string& reason, v1::Child* updated) {
    v1::UpdateChildRequest request;
    request.mutable_child()->set_name(name);
    request.mutable_child()->set_status(status);
    request.mutable_update_mask()->add_paths("status");
    request.set_status_reason(reason);
    request.set_request_id(NextRequestId());
    return Reg(&RegistryStub::UpdateChild, registrar_, request, updated);
  }

  v1::Child Get(const std::string& name) {
    v1::GetChildRequest request;
    request.set_name(name);
    v1::Child child;
    EXPECT_THAT(Reg(&RegistryStub::GetChild, registrar_, request, &child),
                IsOk());
    return child;
  }

  std::string registrar_;
};

TEST_F(AgesAndStatusTest, AMissingAgeIsRefusedNeverStoredAsZero) {
  v1::Child child = ChildProfile({84, 60});
  child.mutable_members(1)->clear_age_months();
  v1::Child created;
  grpc::Status s = Create(child, &created);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.members[1].age_months"));

  // The same in a batch row.
  v1::BatchCreateChildrenRequest batch;
  batch.set_parent("authorities/sheffield");
  *batch.add_requests()->mutable_child() = child;
  batch.set_request_id(NextRequestId());
  v1::BatchCreateChildrenResponse response;
  ASSERT_THAT(
      Reg(&RegistryStub::BatchCreateChildren, registrar_, batch, &response),
      IsOk());
  EXPECT_THAT(response.children(), IsEmpty());
  ASSERT_EQ(response.failures_size(), 1);
  EXPECT_EQ(response.failures(0).field(),
            "requests[0].child.members[1].age_months");

  // A newborn's 0, sent explicitly, is an age.
  v1::Child baby = ChildProfile({0});
  *baby.mutable_journey()->mutable_entered_care() = MakeDate(2026, 10, 20);
  baby.mutable_journey()->clear_plan_for_adoption();
  baby.mutable_journey()->clear_shobpa_decision();
  EXPECT_THAT(Create(baby, &created), IsOk());
  EXPECT_TRUE(created.members(0).has_age_months());
}

TEST_F(AgesAndStatusTest, AnAgeBelowTheTimeInCareIsRefusedNamingBothFields) {
  v1::Child child = ChildProfile({0});
  // In care for three years on ages_as_of (2026-11-01).
  *child.mutable_journey()->mutable_entered_care() = MakeDate(2023, 11, 1);
  v1::Child created;
  grpc::Status s = Create(child, &created);
  EXPECT_THAT(s, StatusIs(Code::INVALID_ARGUMENT));
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.members[0].age_months",
                                              "child.journey.entered_care"));
  EXPECT_THAT(s.error_message(), HasSubstr("36 whole months"));

  // Thirty-six months old is old enough; a younger sibling may be younger.
  child = ChildProfile({36, 12});
  *child.mutable_journey()->mutable_entered_care() = MakeDate(2023, 11, 1);
  EXPECT_THAT(Create(child, &created), IsOk());
}

// Registered on 2025-06-01 aged 5 (60 months): on 2026-11-01 the child is
// 6y 5m, and everything says and uses so; as the clock moves on, so does the
// index, with no write in between.
TEST_F(AgesAndStatusTest, AgesMoveWithTheClockEverywhere) {
  v1::Child profile = ChildProfile({60});
  *profile.mutable_ages_as_of() = MakeDate(2025, 6, 1);
  v1::Child child = AddChild(registrar_, "sheffield", profile);
  ASSERT_EQ(child.members_size(), 1);
  EXPECT_EQ(child.members(0).age_months(), 60);
  EXPECT_EQ(child.members(0).age_months_today(), 77);
  v1::Child got = Get(child.name());
  EXPECT_EQ(got.members(0).age_months(), 60);  // as stored
  EXPECT_EQ(got.members(0).age_months_today(), 77);
  v1::ListChildrenRequest list;
  list.set_parent("authorities/sheffield");
  v1::ListChildrenResponse listed;
  ASSERT_THAT(Reg(&RegistryStub::ListChildren, registrar_, list, &listed),
              IsOk());
  ASSERT_EQ(listed.children_size(), 1);
  EXPECT_EQ(listed.children(0).members(0).age_months_today(), 77);
  // The age filters use the age today too.
  list.set_min_age_months(72);
  ASSERT_THAT(Reg(&RegistryStub::ListChildren, registrar_, list, &listed),
              IsOk());
  EXPECT_EQ(listed.children_size(), 1);
  list.clear_min_age_months();
  list.set_max_age_months(71);
  ASSERT_THAT(Reg(&RegistryStub::ListChildren, registrar_, list, &listed),
              IsOk());
  EXPECT_EQ(listed.children_size(), 0);

  v1::Adopter under_six =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 48, 71));
  v1::Adopter six_to_eight =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 72, 96));
  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(registrar_, child.name(), &ranked), IsOk());
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(six_to_eight.name()));
  v1::PairExplanation e;
  ASSERT_THAT(ExplainPair(registrar_, child.name(), under_six.name(), &e),
              IsOk());
  EXPECT_EQ(FirstFailedConstraint(e), "age_range");
  EXPECT_THAT(e.constraints(3).reason(),
              HasSubstr("age 6y 5m today outside 4y\u20135y 11m"));
  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(registrar_, under_six.name(), &children), IsOk());
  EXPECT_THAT(children.children(), IsEmpty());

  // Twenty months later the child is 8y 1m: no household fits any more.
  clock_.Advance(absl::Hours(24 * 610));
  ASSERT_THAT(RankAdopters(registrar_, child.name(), &ranked), IsOk());
  EXPECT_THAT(ranked.adopters(), IsEmpty());
  EXPECT_EQ(ranked.excluded(), 2);
  EXPECT_EQ(Get(child.name()).members(0).age_months_today(), 97);
}

TEST_F(AgesAndStatusTest, AGroupThatMayBePlacedApartIsOfferedForSomeChildren) {
  v1::Child apart_profile = ChildProfile({84, 60});
  apart_profile.set_must_be_placed_together(false);
  v1::Child apart = AddChild(registrar_, "sheffield", apart_profile);
  v1::Child together =
      AddChild(registrar_, "sheffield", ChildProfile({84, 60}));
  v1::Adopter both =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(2, 48, 120));
  v1::Adopter one =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 48, 120));

  v1::RankAdoptersResponse ranked;
  ASSERT_THAT(RankAdopters(registrar_, together.name(), &ranked), IsOk());
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(both.name()));
  EXPECT_EQ(ranked.excluded(), 1);

  ASSERT_THAT(RankAdopters(registrar_, apart.name(), &ranked), IsOk());
  // The household for both ranks first; the one for one child is offered
  // the first of them, saying so.
  EXPECT_THAT(AdopterNamesOf(ranked), ElementsAre(both.name(), one.name()));
  EXPECT_EQ(ranked.excluded(), 0);
  EXPECT_THAT(ranked.adopters(0).members(), IsEmpty());
  EXPECT_THAT(ranked.adopters(1).members(), ElementsAre(0));
  EXPECT_THAT(ranked.adopters(1).components(2).reason(),
              HasSubstr("could take child 1 (aged 7y 0m today) of 2; the plan "
                        "allows the children to be placed apart"));

  v1::PairExplanation e;
  ASSERT_THAT(ExplainPair(registrar_, apart.name(), one.name(), &e), IsOk());
  EXPECT_TRUE(e.eligible());
  EXPECT_THAT(e.members(), ElementsAre(0));

  v1::RankChildrenResponse children;
  ASSERT_THAT(RankChildren(registrar_, one.name(), &children), IsOk());
  EXPECT_THAT(ChildNamesOf(children), ElementsAre(apart.name()));
  EXPECT_THAT(children.children(0).members(), ElementsAre(0));
}

TEST_F(AgesAndStatusTest, AStatusChangeNeedsAReasonAndNeverMovesBack) {
  v1::Child child = AddChild(registrar_, "sheffield", ChildProfile({84}));
  v1::Child updated;
  // Linked, matched, placed and adopted follow links: not set by hand.
  grpc::Status s = SetStatus(child.name(), v1::CHILD_STATUS_ADOPTED,
                             "adoption order made", &updated);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.status"));
  EXPECT_THAT(s.error_message(), HasSubstr("JourneyService"));
  EXPECT_EQ(Get(child.name()).status(), v1::CHILD_STATUS_WAITING);
  // A reason with identifying details: refused like a withdraw reason.
  s = SetStatus(child.name(), v1::CHILD_STATUS_WAITING, "order made 12/03/2026",
                &updated);
  EXPECT_THAT(ViolationFields(s), ElementsAre("status_reason"));
  // A reason but no status change in the mask: refused.
  v1::UpdateChildRequest summary_only;
  summary_only.mutable_child()->set_name(child.name());
  summary_only.mutable_child()->set_summary("Loves the park");
  summary_only.mutable_update_mask()->add_paths("summary");
  summary_only.set_status_reason("no status here");
  summary_only.set_request_id(NextRequestId());
  EXPECT_THAT(ViolationFields(Reg(&RegistryStub::UpdateChild, registrar_,
                                  summary_only, &updated)),
              ElementsAre("status_reason"));

  // Placed through a link: never back to waiting by hand.
  v1::Adopter household =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 48, 120));
  v1::Link link = LinkTo(child.name(), household.name(), v1::LINK_STEP_PLACED);
  EXPECT_EQ(Get(child.name()).status(), v1::CHILD_STATUS_PLACED);
  s = SetStatus(child.name(), v1::CHILD_STATUS_WAITING, "placement ended",
                &updated);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(ViolationFields(s), ElementsAre("child.status"));
  // Adopted once the order is granted.
  AdvanceTo(link, v1::LINK_STEP_ORDER_GRANTED);
  for (v1::ChildStatus back :
       {v1::CHILD_STATUS_WAITING, v1::CHILD_STATUS_PLACED,
        v1::CHILD_STATUS_LINKED, v1::CHILD_STATUS_MATCHED}) {
    s = SetStatus(child.name(), back, "typed by mistake", &updated);
    EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
    EXPECT_THAT(ViolationFields(s), ElementsAre("child.status"));
  }
  EXPECT_EQ(Get(child.name()).status(), v1::CHILD_STATUS_ADOPTED);

  // Every change is in the history, oldest first, with who and why.
  v1::Child got = Get(child.name());
  ASSERT_EQ(got.status_history_size(), 4);
  EXPECT_EQ(got.status_history(0).from_status(), "CHILD_WAITING");
  EXPECT_EQ(got.status_history(0).to_status(), "CHILD_LINKED");
  EXPECT_THAT(got.status_history(0).reason(), HasSubstr("opened"));
  EXPECT_EQ(got.status_history(2).to_status(), "CHILD_PLACED");
  EXPECT_THAT(got.status_history(2).reason(), HasSubstr("placed"));
  EXPECT_EQ(got.status_history(2).authority(), "authorities/hub");
  EXPECT_FALSE(got.status_history(2).key_id().empty());
  EXPECT_EQ(got.status_history(3).to_status(), "CHILD_ADOPTED");
  EXPECT_THAT(got.status_history(3).reason(), HasSubstr("order granted"));
}

TEST_F(AgesAndStatusTest, HouseholdStatusChangesAreKeptAndAPlacementStays) {
  v1::Adopter household =
      AddAdopter(registrar_, "sheffield", ApprovedHousehold(1, 48, 120));
  v1::Adopter changed;
  changed.set_name(household.name());
  changed.set_status(v1::ADOPTER_STATUS_PLACED);
  v1::UpdateAdopterRequest by_hand;
  *by_hand.mutable_adopter() = changed;
  by_hand.mutable_update_mask()->add_paths("status");
  by_hand.set_status_reason("moved in");
  by_hand.set_request_id(NextRequestId());
  v1::Adopter out;
  grpc::Status s = Reg(&RegistryStub::UpdateAdopter, registrar_, by_hand, &out);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(ViolationFields(s), ElementsAre("adopter.status"));
  // Placed through a link.
  v1::Child child = AddChild(registrar_, "sheffield", ChildProfile({84}));
  v1::Link link = LinkTo(child.name(), household.name(), v1::LINK_STEP_PLACED);
  v1::UpdateAdopterRequest back;
  back.mutable_adopter()->set_name(household.name());
  back.mutable_adopter()->set_status(v1::ADOPTER_STATUS_APPROVED);
  back.mutable_update_mask()->add_paths("status");
  back.set_status_reason("placement ended");
  back.set_request_id(NextRequestId());
  s = Reg(&RegistryStub::UpdateAdopter, registrar_, back, &out);
  EXPECT_THAT(s, StatusIs(Code::FAILED_PRECONDITION));
  EXPECT_THAT(ViolationFields(s), ElementsAre("adopter.status"));

  // The order ends the link (a household with an open link is not
  // withdrawn), and the household stays placed.
  AdvanceTo(link, v1::LINK_STEP_ORDER_GRANTED);
  WithdrawAdopter(registrar_, household.name());
  v1::GetAdopterRequest get;
  get.set_name(household.name());
  ASSERT_THAT(Reg(&RegistryStub::GetAdopter, registrar_, get, &out), IsOk());
  ASSERT_EQ(out.status_history_size(), 4);
  EXPECT_EQ(out.status_history(0).from_status(), "ADOPTER_APPROVED");
  EXPECT_EQ(out.status_history(0).to_status(), "ADOPTER_LINKED");
  EXPECT_EQ(out.status_history(2).to_status(), "ADOPTER_PLACED");
  EXPECT_EQ(out.status_history(3).to_status(), "ADOPTER_WITHDRAWN");
  EXPECT_THAT(out.status_history(3).reason(), Not(IsEmpty()));
}

}  // namespace
}  // namespace raa::test
