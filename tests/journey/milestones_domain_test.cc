// The Milestones class on a scratch store with a fake clock (today
// 2026-11-01): milestones of children and households (the profile's dates
// through the profile, corrections with a reason, date order, permissions,
// visibility, retries), tracking reviews, the timescales and ListOverdue,
// with link rows written by SQL as the links area stores them.
#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/journey/milestones.h"
#include "services/journey/review_rows.h"
#include "services/registry/registry_rows.h"
#include "tests/support/held_reads.h"
#include "tests/support/scratch_domain.h"

namespace raa {
namespace {

using ::raa::test::HeldReadConnections;
using ::raa::test::IsOk;
using ::raa::test::MakeDate;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::raa::test::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class MilestonesTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ScratchDomainTest::SetUp();
    absl::StatusOr<BankHolidays> holidays =
        BankHolidays::Load(RAA_BANK_HOLIDAYS);
    ASSERT_THAT(holidays.status(), IsOk());
    holidays_ = *holidays;
    milestones_ =
        std::make_unique<Milestones>(*store_, clock_, *regions_, holidays_);
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    registrar_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    finder_ = NewCaller("sheffield", {v1::ROLE_FAMILY_FINDER});
    leeds_registrar_ = NewCaller("leeds", {v1::ROLE_REGISTRAR});
    leeds_finder_ = NewCaller("leeds", {v1::ROLE_FAMILY_FINDER});
    child_ = AddChild(registrar_, "sheffield", ValidChild());
    household_ = AddAdopter(leeds_registrar_, "leeds", ValidAdopter());
  }

  v1::RecordMilestoneRequest Request(const std::string& record,
                                     v1::MilestoneKind kind,
                                     google::type::Date date,
                                     const std::string& reason = "") {
    v1::RecordMilestoneRequest r;
    r.set_record(record);
    r.set_kind(kind);
    *r.mutable_date() = date;
    r.set_reason(reason);
    r.set_request_id(NextRequestId());
    return r;
  }

  v1::ListMilestonesResponse List(const Caller& caller,
                                  const std::string& record) {
    v1::ListMilestonesRequest r;
    r.set_record(record);
    absl::StatusOr<v1::ListMilestonesResponse> got =
        milestones_->ListMilestones(caller, r);
    EXPECT_THAT(got.status(), IsOk());
    return got.ok() ? *got : v1::ListMilestonesResponse();
  }

  // Inserts a link of child_ with its steps, as the links area stores one.
  void InsertLink(int64_t id, int state,
                  const std::vector<std::pair<int, std::string>>& steps) {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    db.exec(absl::StrCat(
        "INSERT INTO links (id, child_authority, child_row, adopter_authority, "
        "adopter_row, placement_kind, state, step, create_time, update_time) "
        "VALUES (",
        id, ", 'sheffield', 1, 'leeds', 1, 1, ", state, ", ",
        steps.back().first, ", 0, 0)"));
    for (const auto& [step, date] : steps) {
      db.exec(absl::StrCat("INSERT INTO link_steps VALUES (", id, ", ", step,
                           ", '", date, "', 'sheffield', 'k', 0)"));
    }
  }

  BankHolidays holidays_;
  std::unique_ptr<Milestones> milestones_;
  Caller registrar_, finder_, leeds_registrar_, leeds_finder_;
  v1::Child child_;
  v1::Adopter household_;
};

TEST_F(MilestonesTest, AProfilesJourneyDatesAreItsMilestones) {
  v1::ListMilestonesResponse got = List(leeds_finder_, child_.name());
  ASSERT_THAT(got.current(), SizeIs(3));
  EXPECT_EQ(got.current(0).kind(), v1::MILESTONE_KIND_ENTERED_CARE);
  EXPECT_EQ(FormatDate(got.current(0).date()), "2025-01-10");
  EXPECT_EQ(got.current(0).authority(), "authorities/sheffield");
  EXPECT_THAT(got.history(), SizeIs(3));
  EXPECT_THAT(List(leeds_finder_, household_.name()).current(), SizeIs(3));
}

TEST_F(MilestonesTest, RecordingAProfileDateChangesTheProfile) {
  absl::StatusOr<v1::Milestone> m = milestones_->RecordMilestone(
      finder_, Request(child_.name(), v1::MILESTONE_KIND_PLACEMENT_ORDER,
                       MakeDate(2025, 9, 15)));
  ASSERT_THAT(m.status(), IsOk());
  EXPECT_EQ(m->key_id(), finder_.key_id);
  EXPECT_TRUE(IsUnset(m->previous_date()));
  absl::StatusOr<v1::Child> read =
      registry_rows::GetChild(*store_, "sheffield", 1);
  ASSERT_THAT(read.status(), IsOk());
  EXPECT_EQ(FormatDate(read->journey().placement_order()), "2025-09-15");
  EXPECT_TRUE(ChildInIndex(*read));

  // A correction needs a reason and keeps the date it replaced.
  EXPECT_THAT(
      milestones_
          ->RecordMilestone(finder_, Request(child_.name(),
                                             v1::MILESTONE_KIND_PLACEMENT_ORDER,
                                             MakeDate(2025, 9, 16)))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  m = milestones_->RecordMilestone(
      finder_,
      Request(child_.name(), v1::MILESTONE_KIND_PLACEMENT_ORDER,
              MakeDate(2025, 9, 16), "the sealed order is dated 16th"));
  ASSERT_THAT(m.status(), IsOk());
  EXPECT_EQ(FormatDate(m->previous_date()), "2025-09-15");
  EXPECT_EQ(m->reason(), "the sealed order is dated 16th");
  EXPECT_EQ(FormatDate(registry_rows::GetChild(*store_, "sheffield", 1)
                           ->journey()
                           .placement_order()),
            "2025-09-16");
  v1::ListMilestonesResponse list = List(registrar_, child_.name());
  EXPECT_THAT(list.current(), SizeIs(4));
  EXPECT_THAT(list.history(), SizeIs(5));
}

TEST_F(MilestonesTest, AProfileDateKeepsTheLinksDatesInOrder) {
  // A link opened 2026-09-01, matched 2026-09-29.
  InsertLink(3, v1::LINK_STATE_OPEN,
             {{v1::LINK_STEP_OPENED, "2026-09-01"},
              {v1::LINK_STEP_LINKING_MEETING, "2026-09-08"},
              {v1::LINK_STEP_PAPERS_TO_PANEL, "2026-09-15"},
              {v1::LINK_STEP_PANEL_RECOMMENDED, "2026-09-22"},
              {v1::LINK_STEP_MATCH_DECIDED, "2026-09-29"}});
  absl::Status s =
      milestones_
          ->RecordMilestone(finder_, Request(child_.name(),
                                             v1::MILESTONE_KIND_PLACEMENT_ORDER,
                                             MakeDate(2026, 9, 30)))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ViolationFields(s), ElementsAre("date"));
  EXPECT_THAT(s.message(),
              HasSubstr("the match decision of links/l3 (2026-09-29)"));
  EXPECT_FALSE(registry_rows::GetChild(*store_, "sheffield", 1)
                   ->journey()
                   .has_placement_order());
  EXPECT_THAT(
      milestones_
          ->RecordMilestone(finder_, Request(child_.name(),
                                             v1::MILESTONE_KIND_PLACEMENT_ORDER,
                                             MakeDate(2026, 9, 29)))
          .status(),
      IsOk());

  // The household's approval after the link opened: refused; to a member
  // the child is hidden from, without naming the link.
  v1::UpdateChildRequest hide;
  hide.mutable_child()->set_name(child_.name());
  hide.mutable_child()->add_hidden_from("leeds");
  hide.mutable_update_mask()->add_paths("hidden_from");
  hide.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateChild(registrar_, hide).status(), IsOk());
  s = milestones_
          ->RecordMilestone(
              leeds_registrar_,
              Request(household_.name(), v1::MILESTONE_KIND_APPROVAL,
                      MakeDate(2026, 9, 2),
                      "the panel's minutes are dated 2nd"))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(),
              HasSubstr("2026-09-02 is after the opening of a link to a child "
                        "profile hidden from your authority"));
  EXPECT_THAT(s.message(), Not(HasSubstr("links/")));
  EXPECT_THAT(s.message(), Not(HasSubstr("2026-09-01")));
  EXPECT_EQ(
      FormatDate(registry_rows::GetAdopter(*store_, "leeds", 1)->approved_on()),
      "2025-09-01");
}

TEST_F(MilestonesTest, OtherMilestonesKeepTheirOrder) {
  ASSERT_THAT(milestones_
                  ->RecordMilestone(
                      registrar_, Request(child_.name(),
                                          v1::MILESTONE_KIND_INITIAL_PACK_SENT,
                                          MakeDate(2025, 6, 10)))
                  .status(),
              IsOk());
  // Received before it was sent; before entering care; in the future.
  EXPECT_THAT(
      milestones_
          ->RecordMilestone(
              registrar_,
              Request(child_.name(), v1::MILESTONE_KIND_COMPLETED_PACK_RECEIVED,
                      MakeDate(2025, 6, 1)))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // Before the SHOBPA decision (2025-08-04): named once, by the profile's
  // own check (stop 41 named it twice).
  absl::Status early =
      milestones_
          ->RecordMilestone(
              registrar_,
              Request(child_.name(), v1::MILESTONE_KIND_PLACEMENT_ORDER,
                      MakeDate(2025, 8, 1)))
          .status();
  EXPECT_THAT(early, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolationFields(early), ElementsAre("date"));
  EXPECT_THAT(early.message(), HasSubstr("journey.placement_order"));
  absl::StatusOr<v1::Milestone> future = milestones_->RecordMilestone(
      registrar_, Request(child_.name(), v1::MILESTONE_KIND_ADOPTION_MEDICAL,
                          MakeDate(2026, 11, 2)));
  EXPECT_THAT(ViolationFields(future.status()), ElementsAre("date"));
  // A household's kind on a child.
  absl::StatusOr<v1::Milestone> wrong = milestones_->RecordMilestone(
      registrar_, Request(child_.name(), v1::MILESTONE_KIND_APPROVAL,
                          MakeDate(2025, 1, 1)));
  EXPECT_THAT(ViolationFields(wrong.status()), ElementsAre("kind"));
  EXPECT_THAT(List(registrar_, child_.name()).current(), SizeIs(4));
}

TEST_F(MilestonesTest, OnlyTheRecordsAuthorityOrAManagerWrites) {
  auto request =
      Request(household_.name(), v1::MILESTONE_KIND_PROSPECTIVE_ADOPTER_REPORT,
              MakeDate(2025, 8, 1));
  EXPECT_THAT(milestones_->RecordMilestone(registrar_, request).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(milestones_->RecordMilestone(leeds_finder_, request).status(),
              IsOk());
  request.set_request_id(NextRequestId());
  request.set_kind(v1::MILESTONE_KIND_APPROVAL_PANEL);
  EXPECT_THAT(milestones_->RecordMilestone(manager_, request).status(), IsOk());
}

// A profile hidden from the caller's member answers exactly as one that was
// never registered, in each call that names it.
TEST_F(MilestonesTest, AHiddenProfileIsNotFoundAsAMissingOne) {
  v1::Child hidden = ValidChild();
  hidden.add_hidden_from("leeds");
  v1::Child stored = AddChild(registrar_, "sheffield", hidden);
  const std::string missing = "authorities/sheffield/children/c999";
  auto no_such_child = [](const absl::Status& s) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
    EXPECT_EQ(s.message(), "no such child");
  };
  for (const std::string& name : {stored.name(), missing}) {
    SCOPED_TRACE(name);
    v1::ListMilestonesRequest list;
    list.set_record(name);
    no_such_child(milestones_->ListMilestones(leeds_finder_, list).status());
    v1::ListTrackingReviewsRequest reviews;
    reviews.set_child(name);
    no_such_child(
        milestones_->ListTrackingReviews(leeds_finder_, reviews).status());
    auto record = Request(name, v1::MILESTONE_KIND_ADOPTION_MEDICAL,
                          MakeDate(2025, 7, 1));
    no_such_child(milestones_->RecordMilestone(leeds_finder_, record).status());
  }
  v1::ListMilestonesRequest r;
  r.set_record(stored.name());
  EXPECT_THAT(milestones_->ListMilestones(finder_, r).status(), IsOk());
}

TEST_F(MilestonesTest, ARetryReturnsTheFirstAnswer) {
  auto request = Request(child_.name(), v1::MILESTONE_KIND_ADOPTION_MEDICAL,
                         MakeDate(2025, 7, 1));
  absl::StatusOr<v1::Milestone> first =
      milestones_->RecordMilestone(registrar_, request);
  ASSERT_THAT(first.status(), IsOk());
  absl::StatusOr<v1::Milestone> again =
      milestones_->RecordMilestone(registrar_, request);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->record_time().seconds(), first->record_time().seconds());
  EXPECT_THAT(List(registrar_, child_.name()).history(), SizeIs(4));
}

TEST_F(MilestonesTest, TrackingReviewsNewestFirst) {
  v1::RecordTrackingReviewRequest r;
  v1::TrackingReview* review = r.mutable_review();
  review->set_child(child_.name());
  *review->mutable_review_date() = MakeDate(2026, 10, 1);
  review->set_adoption_remains_plan(true);
  review->set_placement_order_appropriate(true);
  review->set_family_finding_steps("profile at the next exchange day");
  v1::ReviewAction* a = review->add_actions();
  a->set_description("update the child permanence report");
  a->set_owner_role(v1::ROLE_FAMILY_FINDER);
  *a->mutable_due_date() = MakeDate(2026, 10, 20);
  r.set_request_id(NextRequestId());
  absl::StatusOr<v1::TrackingReview> first =
      milestones_->RecordTrackingReview(finder_, r);
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_EQ(first->name(), absl::StrCat(child_.name(), "/reviews/1"));
  EXPECT_EQ(first->authority(), "authorities/sheffield");

  // An action due before the review, a missing role: refused, by field.
  v1::RecordTrackingReviewRequest bad = r;
  bad.set_request_id(NextRequestId());
  bad.mutable_review()->mutable_actions(0)->set_owner_role(
      v1::ROLE_UNSPECIFIED);
  *bad.mutable_review()->mutable_actions(0)->mutable_due_date() =
      MakeDate(2026, 9, 1);
  EXPECT_THAT(
      ViolationFields(milestones_->RecordTrackingReview(finder_, bad).status()),
      ElementsAre("review.actions[0].owner_role",
                  "review.actions[0].due_date"));
  EXPECT_THAT(milestones_->RecordTrackingReview(leeds_finder_, r).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));

  r.set_request_id(NextRequestId());
  *r.mutable_review()->mutable_review_date() = MakeDate(2026, 10, 29);
  *r.mutable_review()->mutable_actions(0)->mutable_due_date() =
      MakeDate(2026, 11, 20);
  ASSERT_THAT(milestones_->RecordTrackingReview(registrar_, r).status(),
              IsOk());
  v1::ListTrackingReviewsRequest list;
  list.set_child(child_.name());
  absl::StatusOr<v1::ListTrackingReviewsResponse> got =
      milestones_->ListTrackingReviews(leeds_finder_, list);
  ASSERT_THAT(got.status(), IsOk());
  ASSERT_THAT(got->reviews(), SizeIs(2));
  EXPECT_EQ(FormatDate(got->reviews(0).review_date()), "2026-10-29");
}

// An action that went overdue is recorded done by the next review, which
// is always dated after its due date; the done date is checked against
// that review and the child's entry to care.
TEST_F(MilestonesTest, ALaterReviewRecordsAnOverdueActionDone) {
  v1::RecordTrackingReviewRequest r;
  v1::TrackingReview* review = r.mutable_review();
  review->set_child(child_.name());
  *review->mutable_review_date() = MakeDate(2026, 10, 1);
  review->set_adoption_remains_plan(true);
  review->set_placement_order_appropriate(true);
  v1::ReviewAction* a = review->add_actions();
  a->set_description("update the child permanence report");
  a->set_owner_role(v1::ROLE_FAMILY_FINDER);
  *a->mutable_due_date() = MakeDate(2026, 10, 10);
  r.set_request_id(NextRequestId());
  ASSERT_THAT(milestones_->RecordTrackingReview(finder_, r).status(), IsOk());
  auto actions_overdue = [&] {
    absl::StatusOr<v1::ListOverdueResponse> got =
        milestones_->ListOverdue(finder_, {});
    EXPECT_THAT(got.status(), IsOk());
    std::vector<std::string> out;
    for (const v1::OverdueItem& i : got->items()) {
      if (i.timescale() == "review_actions") {
        out.push_back(
            absl::StrCat(FormatDate(i.due_date()), " ", i.days_late()));
      }
    }
    return out;
  };
  ASSERT_THAT(actions_overdue(), ElementsAre("2026-10-10 22"));

  // The next review, after the due date, carries it done.
  *review->mutable_review_date() = MakeDate(2026, 10, 30);
  *a->mutable_done_on() = MakeDate(2026, 10, 20);
  // Done after the review that records it, or before the child entered
  // care (2025-01-10): refused, and the action is still overdue.
  for (const google::type::Date& wrong :
       {MakeDate(2026, 10, 31), MakeDate(2024, 12, 31)}) {
    v1::RecordTrackingReviewRequest bad = r;
    *bad.mutable_review()->mutable_actions(0)->mutable_done_on() = wrong;
    bad.set_request_id(NextRequestId());
    EXPECT_THAT(ViolationFields(
                    milestones_->RecordTrackingReview(finder_, bad).status()),
                ElementsAre("review.actions[0].done_on"))
        << FormatDate(wrong);
  }
  EXPECT_THAT(actions_overdue(), SizeIs(1));
  // Nor a review, or a done action's due date, before the child entered
  // care.
  v1::RecordTrackingReviewRequest early = r;
  *early.mutable_review()->mutable_review_date() = MakeDate(2024, 12, 1);
  *early.mutable_review()->mutable_actions(0)->mutable_due_date() =
      MakeDate(2024, 12, 1);
  *early.mutable_review()->mutable_actions(0)->mutable_done_on() =
      MakeDate(2024, 12, 1);
  early.set_request_id(NextRequestId());
  EXPECT_THAT(ViolationFields(
                  milestones_->RecordTrackingReview(finder_, early).status()),
              ElementsAre("review.review_date", "review.actions[0].due_date",
                          "review.actions[0].done_on"));
  // An action still to do may not be due before the review.
  v1::RecordTrackingReviewRequest open = r;
  open.mutable_review()->mutable_actions(0)->clear_done_on();
  open.set_request_id(NextRequestId());
  EXPECT_THAT(ViolationFields(
                  milestones_->RecordTrackingReview(finder_, open).status()),
              ElementsAre("review.actions[0].due_date"));

  r.set_request_id(NextRequestId());
  ASSERT_THAT(milestones_->RecordTrackingReview(finder_, r).status(), IsOk());
  EXPECT_THAT(actions_overdue(), IsEmpty());
}

TEST_F(MilestonesTest, TimescalesAreVersionedAndOnlyAManagerSetsThem) {
  absl::StatusOr<v1::Timescales> shipped =
      milestones_->GetTimescales(leeds_finder_, {});
  ASSERT_THAT(shipped.status(), IsOk());
  EXPECT_EQ(shipped->version(), 0);
  v1::UpdateTimescalesRequest r;
  *r.mutable_timescales() = *shipped;
  for (v1::Timescale& t : *r.mutable_timescales()->mutable_timescales()) {
    if (t.id() == "adm_after_panel") {
      t.set_amount(10);
      t.set_source("consortium board, 3 March 2026");
    }
  }
  r.set_request_id(NextRequestId());
  EXPECT_THAT(milestones_->UpdateTimescales(registrar_, r).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  absl::StatusOr<v1::Timescales> updated =
      milestones_->UpdateTimescales(manager_, r);
  ASSERT_THAT(updated.status(), IsOk());
  EXPECT_EQ(updated->version(), 1);
  absl::StatusOr<v1::Timescales> now = milestones_->GetTimescales(finder_, {});
  ASSERT_THAT(now.status(), IsOk());
  EXPECT_EQ(now->version(), 1);
  for (const v1::Timescale& t : now->timescales()) {
    EXPECT_FALSE(t.description().empty());
    if (t.id() == "adm_after_panel") {
      EXPECT_EQ(t.amount(), 10);
    }
  }
  r.mutable_timescales()->mutable_timescales()->RemoveLast();
  r.set_request_id(NextRequestId());
  EXPECT_THAT(
      ViolationFields(milestones_->UpdateTimescales(manager_, r).status()),
      ElementsAre("timescales.timescales"));
}

TEST_F(MilestonesTest, OverdueOnAFixedClockWithLinksWorstFirst) {
  v1::ListOverdueRequest r;
  absl::StatusOr<v1::ListOverdueResponse> got =
      milestones_->ListOverdue(finder_, r);
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(FormatDate(got->as_of()), "2026-11-01");
  // ValidChild's SHOBPA decision (2025-08-04) with no link: due on the
  // national register 2025-11-04; ValidAdopter approved 2025-09-01 and
  // unmatched: due 2025-12-01.
  ASSERT_THAT(got->items(), SizeIs(2));
  EXPECT_EQ(got->items(0).timescale(), "national_register_child");
  EXPECT_EQ(got->items(0).days_late(), 362);
  EXPECT_EQ(got->items(1).timescale(), "national_register_household");

  // A link at panel since 2026-10-20 and placed elsewhere: ADM due 27 Oct.
  InsertLink(3, v1::LINK_STATE_OPEN,
             {{v1::LINK_STEP_OPENED, "2026-09-01"},
              {v1::LINK_STEP_PANEL_RECOMMENDED, "2026-10-20"}});
  got = milestones_->ListOverdue(finder_, r);
  ASSERT_THAT(got.status(), IsOk());
  std::vector<std::string> seen;
  for (const v1::OverdueItem& i : got->items()) {
    seen.push_back(
        absl::StrCat(i.timescale(), " ", i.link(), " ", i.days_late()));
  }
  EXPECT_THAT(seen, ElementsAre("national_register_household  335",
                                "adm_after_panel links/l3 5"));

  // Per authority, and paged.
  r.set_authority("authorities/leeds");
  got = milestones_->ListOverdue(finder_, r);
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_THAT(got->items(), SizeIs(1));
  // A member that does not exist is NOT_FOUND, not an empty list.
  r.set_authority("authorities/nosuch");
  EXPECT_THAT(milestones_->ListOverdue(finder_, r).status(),
              StatusIs(absl::StatusCode::kNotFound));
  r.clear_authority();
  r.set_page_size(1);
  got = milestones_->ListOverdue(finder_, r);
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_THAT(got->items(), SizeIs(1));
  r.set_page_token(got->next_page_token());
  got = milestones_->ListOverdue(finder_, r);
  ASSERT_THAT(got.status(), IsOk());
  EXPECT_EQ(got->items(0).timescale(), "adm_after_panel");
  EXPECT_TRUE(got->next_page_token().empty());

  // Only a token this list returned: not the same number spelt otherwise.
  for (const char* token : {"+1", " 1", "01", "0", "-1"}) {
    r.set_page_token(token);
    EXPECT_THAT(ViolationFields(milestones_->ListOverdue(finder_, r).status()),
                ElementsAre("page_token"))
        << token;
  }
  r.set_within_days(400);
  r.set_page_token("x");
  EXPECT_THAT(ViolationFields(milestones_->ListOverdue(finder_, r).status()),
              ElementsAre("within_days", "page_token"));
}

// A member's list reads only that member's rows: it must still be exactly
// the consortium's list of that member's records, links included.
TEST_F(MilestonesTest, AMembersOverdueListIsTheConsortiumsListOfItsRecords) {
  const v1::Child leeds_child =
      AddChild(leeds_registrar_, "leeds", ValidChild());
  AddAdopter(registrar_, "sheffield", ValidAdopter());
  // A review with an action past due on a child of each member.
  for (const auto& [caller, child] :
       {std::pair{finder_, child_}, std::pair{leeds_finder_, leeds_child}}) {
    v1::RecordTrackingReviewRequest review;
    review.mutable_review()->set_child(child.name());
    *review.mutable_review()->mutable_review_date() = MakeDate(2026, 9, 1);
    review.mutable_review()->set_adoption_remains_plan(true);
    review.mutable_review()->set_placement_order_appropriate(true);
    review.mutable_review()->set_family_finding_steps("exchange day");
    v1::ReviewAction* action = review.mutable_review()->add_actions();
    action->set_description("update the child permanence report");
    action->set_owner_role(v1::ROLE_FAMILY_FINDER);
    *action->mutable_due_date() = MakeDate(2026, 9, 20);
    review.set_request_id(NextRequestId());
    ASSERT_THAT(milestones_->RecordTrackingReview(caller, review).status(),
                IsOk());
  }
  // Sheffield's child placed with Leeds's household: Annex A and the order
  // application fall due on the child's record, and it is held by a link.
  InsertLink(4, v1::LINK_STATE_OPEN,
             {{v1::LINK_STEP_OPENED, "2026-06-01"},
              {v1::LINK_STEP_PANEL_RECOMMENDED, "2026-07-01"},
              {v1::LINK_STEP_MATCH_DECIDED, "2026-07-08"},
              {v1::LINK_STEP_PLACED, "2026-08-03"}});
  const auto items = [&](const std::string& authority) {
    v1::ListOverdueRequest r;
    r.set_authority(authority);
    r.set_within_days(30);
    absl::StatusOr<v1::ListOverdueResponse> got =
        milestones_->ListOverdue(finder_, r);
    EXPECT_THAT(got.status(), IsOk());
    std::vector<std::string> out;
    if (!got.ok()) return out;
    for (const v1::OverdueItem& i : got->items()) {
      out.push_back(absl::StrCat(i.record(), " ", i.timescale(), " ", i.link(),
                                 " ", i.days_late(), " ", i.description()));
    }
    return out;
  };
  const std::vector<std::string> all = items("");
  for (const std::string member : {"sheffield", "leeds"}) {
    std::vector<std::string> theirs;
    for (const std::string& item : all) {
      if (absl::StartsWith(item, absl::StrCat("authorities/", member, "/"))) {
        theirs.push_back(item);
      }
    }
    EXPECT_THAT(theirs, Not(IsEmpty())) << member;
    EXPECT_EQ(items(absl::StrCat("authorities/", member)), theirs) << member;
  }
}

// The consortium's overdue list reads every record (about 90 ms at 10,000
// links): on a connection of its own, so it neither waits for the shared
// ones nor holds one up from the short reads.
TEST_F(MilestonesTest, TheConsortiumsJourneyFactsNeedNoSharedReadConnection) {
  AddAdopter(registrar_, "sheffield", ValidAdopter());
  auto held = std::make_unique<HeldReadConnections>(*store_);
  absl::Notification loaded;
  std::thread consortium([&] {
    absl::StatusOr<JourneyFacts> facts =
        review_rows::LoadJourneyFacts(*store_, "");
    EXPECT_THAT(facts.status(), IsOk());
    if (facts.ok()) {
      EXPECT_THAT(facts->records, Not(IsEmpty()));
    }
    loaded.Notify();
  });
  EXPECT_TRUE(loaded.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "the consortium's journey facts waited for a shared read connection";
  held.reset();
  consortium.join();
}

TEST_F(MilestonesTest, OverdueHidesWhatTheCallerMayNotSee) {
  v1::Child hidden = ValidChild();
  hidden.add_hidden_from("leeds");
  AddChild(registrar_, "sheffield", hidden);
  v1::ListOverdueRequest r;
  absl::StatusOr<v1::ListOverdueResponse> sheffield =
      milestones_->ListOverdue(finder_, r);
  absl::StatusOr<v1::ListOverdueResponse> leeds =
      milestones_->ListOverdue(leeds_finder_, r);
  ASSERT_THAT(sheffield.status(), IsOk());
  ASSERT_THAT(leeds.status(), IsOk());
  EXPECT_THAT(sheffield->items(), SizeIs(3));
  EXPECT_THAT(leeds->items(), SizeIs(2));
}

}  // namespace
}  // namespace raa
