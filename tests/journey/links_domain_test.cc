// Links without a network (services/journey/links.h) on a scratch store
// wired as raamatchd wires it (tests/support/scratch_domain.h): a link from
// opening to the adoption order with the statuses of both records and the
// search results following it, the automatic closes, the caps, overrides,
// corrections (reports' view link_step_dates), permissions per role and
// authority, retries, hidden profiles and bad input.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/journey/links.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

class LinksDomainTest : public ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    ASSERT_NO_FATAL_FAILURE(AddMember("sheffield", "south-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("leeds", "west-yorkshire"));
    ASSERT_NO_FATAL_FAILURE(AddMember("york", "north-yorkshire"));
    sheffield_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewCaller("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewCaller("york", {v1::ROLE_FAMILY_FINDER});
    leeds_finder_ = NewCaller("leeds", {v1::ROLE_FAMILY_FINDER});
    child_ = AddChild(sheffield_, "sheffield", ChildProfile({84}));
    household_ = AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  }

  v1::OpenLinkRequest Open(const v1::Child& child, const v1::Adopter& adopter) {
    v1::OpenLinkRequest r;
    r.set_child(child.name());
    r.set_adopter(adopter.name());
    *r.mutable_opened_on() = MakeDate(2026, 9, 1);
    r.set_request_id(NextRequestId());
    return r;
  }
  v1::Link MustOpen(const v1::Child& child, const v1::Adopter& adopter) {
    absl::StatusOr<v1::Link> link =
        links_->OpenLink(finder_, Open(child, adopter));
    EXPECT_THAT(link.status(), IsOk());
    return link.value_or(v1::Link());
  }
  v1::AdvanceLinkRequest Advance(const v1::Link& link, v1::LinkStep step,
                                 google::type::Date date) {
    v1::AdvanceLinkRequest r;
    r.set_name(link.name());
    r.set_step(step);
    *r.mutable_date() = date;
    r.set_request_id(NextRequestId());
    return r;
  }
  // Records every step up to `last`, a week apart, from a week after the
  // link's last step.
  v1::Link AdvanceTo(const v1::Link& link, v1::LinkStep last) {
    v1::Link out = link;
    absl::CivilDay day =
        ToCivilDay(out.steps(out.steps_size() - 1).date()).value() + 7;
    for (int s = out.step() + 1; s <= last; ++s) {
      const Caller& who =
          s == v1::LINK_STEP_LINKING_MEETING ? finder_ : sheffield_;
      absl::StatusOr<v1::Link> next = links_->AdvanceLink(
          who, Advance(out, static_cast<v1::LinkStep>(s), ToDate(day)));
      EXPECT_THAT(next.status(), IsOk()) << s;
      if (!next.ok()) return out;
      out = *next;
      day += 7;
    }
    return out;
  }
  v1::ChildStatus ChildStatus(const v1::Child& c) {
    v1::GetChildRequest r;
    r.set_name(c.name());
    return registry_->GetChild(manager_, r).value().status();
  }
  v1::AdopterStatus AdopterStatus(const v1::Adopter& a) {
    v1::GetAdopterRequest r;
    r.set_name(a.name());
    return registry_->GetAdopter(manager_, r).value().status();
  }
  // The households RankAdopters offers for `child`.
  std::vector<std::string> Ranked(const v1::Child& child) {
    v1::RankAdoptersRequest r;
    r.set_child(child.name());
    absl::StatusOr<v1::RankAdoptersResponse> ranked =
        matching_->RankAdopters(finder_, r);
    std::vector<std::string> out;
    if (!ranked.ok()) return {std::string(ranked.status().message())};
    for (const auto& a : ranked->adopters()) out.push_back(a.adopter());
    return out;
  }
  v1::Link Get(const std::string& name) {
    v1::GetLinkRequest r;
    r.set_name(name);
    return links_->GetLink(manager_, r).value();
  }
  int LinkRows() {
    return store_
        ->Read([](SQLite::Database& db) -> absl::StatusOr<int> {
          return db.execAndGet("SELECT COUNT(*) FROM links").getInt() +
                 db.execAndGet("SELECT COUNT(*) FROM link_steps").getInt() +
                 db.execAndGet("SELECT COUNT(*) FROM step_corrections")
                     .getInt();
        })
        .value();
  }

  Caller sheffield_, leeds_, finder_, leeds_finder_;
  v1::Child child_;
  v1::Adopter household_;
};

TEST_F(LinksDomainTest, ALinkCarriesBothRecordsFromLinkedToAdopted) {
  EXPECT_THAT(Ranked(child_), ElementsAre(household_.name()));
  v1::Link link = MustOpen(child_, household_);
  EXPECT_EQ(link.name(), "links/l1");
  EXPECT_EQ(link.state(), v1::LINK_STATE_OPEN);
  EXPECT_EQ(link.step(), v1::LINK_STEP_OPENED);
  EXPECT_EQ(link.placement_kind(), v1::PLACEMENT_KIND_ADOPTIVE);
  ASSERT_THAT(link.steps(), SizeIs(1));
  EXPECT_EQ(link.steps(0).authority(), "authorities/york");
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_LINKED);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_LINKED);
  // Linked records stay in matching.
  EXPECT_THAT(Ranked(child_), ElementsAre(household_.name()));

  link = AdvanceTo(link, v1::LINK_STEP_MATCH_DECIDED);
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_MATCHED);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_MATCHED);
  EXPECT_FALSE(ChildInIndex(child_));
  EXPECT_FALSE(AdopterInIndex(household_));
  link = AdvanceTo(link, v1::LINK_STEP_PLACED);
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_PLACED);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_PLACED);
  link = AdvanceTo(link, v1::LINK_STEP_ORDER_GRANTED);
  EXPECT_EQ(link.state(), v1::LINK_STATE_ADOPTED);
  EXPECT_THAT(link.steps(), SizeIs(8));
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_ADOPTED);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_PLACED);

  // Each change is in the records' status history, naming the link.
  v1::GetChildRequest get;
  get.set_name(child_.name());
  v1::Child read = registry_->GetChild(manager_, get).value();
  ASSERT_THAT(read.status_history(), SizeIs(4));
  EXPECT_THAT(read.status_history(0).reason(), HasSubstr("links/l1 opened"));

  // Nothing follows, nothing closes an adopted link.
  v1::CloseLinkRequest close;
  close.set_name(link.name());
  close.set_reason(v1::CLOSE_REASON_PLAN_CHANGED);
  close.set_request_id(NextRequestId());
  EXPECT_THAT(links_->CloseLink(sheffield_, close).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(LinksDomainTest, AMatchClosesTheOtherLinksAndAClosedLinkBringsThemBack) {
  v1::Adopter second =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  v1::Child other = AddChild(sheffield_, "sheffield", ChildProfile({90}));
  v1::Link chosen = MustOpen(child_, household_);
  v1::Link rival = MustOpen(child_, second);
  v1::Link household_other = MustOpen(other, household_);

  AdvanceTo(chosen, v1::LINK_STEP_MATCH_DECIDED);
  v1::Link r = Get(rival.name());
  EXPECT_EQ(r.state(), v1::LINK_STATE_CLOSED);
  EXPECT_EQ(r.close_reason(), v1::CLOSE_REASON_CHILD_MATCHED_ELSEWHERE);
  v1::Link h = Get(household_other.name());
  EXPECT_EQ(h.close_reason(), v1::CLOSE_REASON_HOUSEHOLD_MATCHED_ELSEWHERE);
  // Their other sides go back.
  EXPECT_EQ(AdopterStatus(second), v1::ADOPTER_STATUS_APPROVED);
  EXPECT_EQ(ChildStatus(other), v1::CHILD_STATUS_WAITING);
  // The matched household is no longer offered to any child.
  EXPECT_THAT(Ranked(other), ElementsAre(second.name()));
  // The child's and the household's histories name the match decision as
  // what matched them; the rival household's, the closure it caused.
  // The reason of a record's latest status change ("" with none).
  auto last_reason = [](const auto& record) {
    const auto& history = record.status_history();
    return history.empty() ? std::string()
                           : history[history.size() - 1].reason();
  };
  v1::GetChildRequest get_child;
  get_child.set_name(child_.name());
  EXPECT_EQ(last_reason(registry_->GetChild(manager_, get_child).value()),
            absl::StrCat("link ", chosen.name(), " match decided"));
  v1::GetAdopterRequest get_adopter;
  get_adopter.set_name(household_.name());
  EXPECT_EQ(last_reason(registry_->GetAdopter(manager_, get_adopter).value()),
            absl::StrCat("link ", chosen.name(), " match decided"));
  get_adopter.set_name(second.name());
  EXPECT_EQ(
      last_reason(registry_->GetAdopter(manager_, get_adopter).value()),
      absl::StrCat("link ", rival.name(), " closed: child matched elsewhere (",
                   chosen.name(), ")"));

  // The match falls through: both come back to matching.
  v1::CloseLinkRequest close;
  close.set_name(chosen.name());
  close.set_reason(v1::CLOSE_REASON_HOUSEHOLD_WITHDREW);
  close.set_note("The household asked for more time.");
  close.set_request_id(NextRequestId());
  absl::StatusOr<v1::Link> closed = links_->CloseLink(leeds_, close);
  ASSERT_THAT(closed.status(), IsOk());
  EXPECT_EQ(closed->closed_by(), "authorities/leeds");
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_WAITING);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_APPROVED);
  std::vector<std::string> ranked = Ranked(other);
  EXPECT_THAT(ranked, SizeIs(2));
}

TEST_F(LinksDomainTest, ClosingOneOfTwoLinksLeavesTheChildLinked) {
  v1::Adopter second =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  v1::Link first = MustOpen(child_, household_);
  MustOpen(child_, second);
  v1::CloseLinkRequest close;
  close.set_name(first.name());
  close.set_reason(v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY);
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(sheffield_, close).status(), IsOk());
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_LINKED);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_APPROVED);
  EXPECT_EQ(AdopterStatus(second), v1::ADOPTER_STATUS_LINKED);
}

TEST_F(LinksDomainTest, AProfileOrHouseholdWithAnOpenLinkIsNotWithdrawn) {
  v1::Link link = MustOpen(child_, household_);
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child_.name());
  withdraw.set_reason("plan changed at review");
  withdraw.set_request_id(NextRequestId());
  absl::Status refused =
      registry_->WithdrawChild(sheffield_, withdraw).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.message(),
              HasSubstr("has an open link (" + link.name() + "): close it"));
  EXPECT_THAT(refused.message(), HasSubstr("plan_changed"));
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_LINKED);

  v1::WithdrawAdopterRequest leave;
  leave.set_name(household_.name());
  leave.set_reason("household moved abroad");
  leave.set_request_id(NextRequestId());
  refused = registry_->WithdrawAdopter(leeds_, leave).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.message(), HasSubstr("household_withdrew"));
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_LINKED);

  // Closed with the reason it ended, the same request now withdraws.
  v1::CloseLinkRequest close;
  close.set_name(link.name());
  close.set_reason(v1::CLOSE_REASON_PLAN_CHANGED);
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(sheffield_, close).status(), IsOk());
  ASSERT_THAT(registry_->WithdrawChild(sheffield_, withdraw).status(), IsOk());
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_WITHDRAWN);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_APPROVED);

  // Two links of the household, closed by its own agency.
  v1::Link first = MustOpen(
      AddChild(sheffield_, "sheffield", ChildProfile({84})), household_);
  v1::Link second = MustOpen(
      AddChild(sheffield_, "sheffield", ChildProfile({84})), household_);
  refused = registry_->WithdrawAdopter(leeds_, leave).status();
  EXPECT_THAT(refused.message(),
              HasSubstr("has 2 open links (" + first.name() + ", " +
                        second.name() + "): close each"));
  for (const v1::Link& open : {first, second}) {
    close.set_name(open.name());
    close.set_reason(v1::CLOSE_REASON_HOUSEHOLD_WITHDREW);
    close.set_request_id(NextRequestId());
    ASSERT_THAT(links_->CloseLink(leeds_, close).status(), IsOk());
  }
  ASSERT_THAT(registry_->WithdrawAdopter(leeds_, leave).status(), IsOk());
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_WITHDRAWN);
}

TEST_F(LinksDomainTest,
       AHouseholdsLinksToAChildHiddenFromItAreCountedNotNamed) {
  // Hidden from the household's member after the link was opened (the link
  // that made the household linked).
  v1::Child hidden = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::Link unseen = MustOpen(hidden, household_);
  v1::Link seen = MustOpen(child_, household_);
  v1::UpdateChildRequest hide;
  hide.mutable_child()->set_name(hidden.name());
  hide.mutable_child()->add_hidden_from("leeds");
  hide.mutable_update_mask()->add_paths("hidden_from");
  hide.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateChild(sheffield_, hide).status(), IsOk());

  v1::WithdrawAdopterRequest leave;
  leave.set_name(household_.name());
  leave.set_reason("household moved abroad");
  leave.set_request_id(NextRequestId());
  absl::Status refused = registry_->WithdrawAdopter(leeds_, leave).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(refused.message(), HasSubstr("(" + seen.name() + "): close it"));
  EXPECT_THAT(refused.message(),
              HasSubstr("it also has an open link with a child profile hidden "
                        "from your authority, which the child's authority or "
                        "a consortium manager closes"));
  EXPECT_THAT(refused.message(), Not(HasSubstr(unseen.name())));
  // Nor does the household's status history name it, or who recorded it.
  v1::GetAdopterRequest get;
  get.set_name(household_.name());
  absl::StatusOr<v1::Adopter> read = registry_->GetAdopter(leeds_, get);
  ASSERT_THAT(read.status(), IsOk());
  int hidden_changes = 0;
  for (const v1::StatusChange& change : read->status_history()) {
    EXPECT_THAT(change.reason(), Not(HasSubstr(unseen.name())));
    if (absl::StrContains(change.reason(), "hidden from your authority")) {
      ++hidden_changes;
      EXPECT_EQ(change.authority(), "");
      EXPECT_EQ(change.key_id(), "");
    }
  }
  EXPECT_EQ(hidden_changes, 1);
  // A member the child is not hidden from reads the link's name.
  read = registry_->GetAdopter(finder_, get);
  ASSERT_THAT(read.status(), IsOk());
  ASSERT_GE(read->status_history_size(), 1);
  EXPECT_EQ(read->status_history(0).reason(),
            absl::StrCat("link ", unseen.name(), " opened"));

  v1::CloseLinkRequest close;
  close.set_name(seen.name());
  close.set_reason(v1::CLOSE_REASON_HOUSEHOLD_WITHDREW);
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(leeds_, close).status(), IsOk());
  refused = registry_->WithdrawAdopter(leeds_, leave).status();
  EXPECT_EQ(refused.message(),
            "this household has an open link with a child profile hidden from "
            "your authority, which the child's authority or a consortium "
            "manager closes; then withdraw");
  // The child's authority closes it; the household is then withdrawn.
  close.set_name(unseen.name());
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(sheffield_, close).status(), IsOk());
  ASSERT_THAT(registry_->WithdrawAdopter(leeds_, leave).status(), IsOk());
}

TEST_F(LinksDomainTest, ALinkOfARecordWithdrawnBeforeTheRefusalMovesNoFurther) {
  v1::Link link = MustOpen(child_, household_);
  // A store written before withdrawals were refused: a registry that does
  // not ask about links withdraws the linked profile.
  Registry before(*store_, clock_, *regions_, Registry::LinkQueries{});
  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child_.name());
  withdraw.set_reason("plan changed at review");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(before.WithdrawChild(sheffield_, withdraw).status(), IsOk());
  absl::StatusOr<v1::Link> moved = links_->AdvanceLink(
      sheffield_,
      Advance(link, v1::LINK_STEP_LINKING_MEETING, MakeDate(2026, 9, 8)));
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(moved.status().message(), HasSubstr("was withdrawn"));
  EXPECT_EQ(Get(link.name()).step(), v1::LINK_STEP_OPENED);
  v1::CloseLinkRequest close;
  close.set_name(link.name());
  close.set_reason(v1::CLOSE_REASON_PLAN_CHANGED);
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(sheffield_, close).status(), IsOk());
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_WITHDRAWN);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_APPROVED);
}

TEST_F(LinksDomainTest, TheCapsAreNeverOverridden) {
  // The child's cap (3 by default).
  for (int i = 0; i < 3; ++i) {
    MustOpen(child_,
             AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120)));
  }
  v1::OpenLinkRequest fourth = Open(child_, household_);
  absl::Status s = links_->OpenLink(finder_, fourth).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("max_open_links_per_child 3"));

  // The household's cap (6 by default), counted in the matcher too.
  for (int i = 0; i < 6; ++i) {
    MustOpen(AddChild(sheffield_, "sheffield", ChildProfile({84})), household_);
  }
  v1::Child seventh = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  v1::OpenLinkRequest over = Open(seventh, household_);
  over.set_override_reason("We would like to try anyway.");
  s = links_->OpenLink(finder_, over).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("max_open_links 6"));
  v1::ExplainPairRequest explain;
  explain.set_child(seventh.name());
  explain.set_adopter(household_.name());
  v1::PairExplanation e = matching_->ExplainPair(finder_, explain).value();
  bool link_limit_failed = false;
  for (const auto& c : e.constraints()) {
    if (c.constraint() == "link_limit") link_limit_failed = !c.passed();
  }
  EXPECT_TRUE(link_limit_failed);
  EXPECT_THAT(Ranked(seventh),
              ::testing::Not(::testing::Contains(household_.name())));
}

TEST_F(LinksDomainTest, AFailingPairOpensOnlyWithAnOverrideReason) {
  v1::Child young = AddChild(sheffield_, "sheffield", ChildProfile({150}));
  const int before = LinkRows();
  absl::Status s = links_->OpenLink(finder_, Open(young, household_)).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("age_range"));
  EXPECT_EQ(LinkRows(), before);

  v1::OpenLinkRequest overridden = Open(young, household_);
  overridden.set_override_reason("The panel asked us to consider them.");
  absl::StatusOr<v1::Link> link = links_->OpenLink(finder_, overridden);
  ASSERT_THAT(link.status(), IsOk());
  EXPECT_THAT(link->overridden_constraints(), ElementsAre("age_range"));
  EXPECT_EQ(link->override_reason(), "The panel asked us to consider them.");

  // An override with nothing to override is refused.
  v1::OpenLinkRequest needless = Open(child_, household_);
  needless.set_override_reason("Just in case.");
  s = links_->OpenLink(finder_, needless).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "override_reason");
}

TEST_F(LinksDomainTest, NoOverrideLinksAChildToTheMemberItIsHiddenFrom) {
  v1::Child hidden = ChildProfile({84});
  hidden.add_hidden_from("leeds");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  const int before = LinkRows();
  v1::OpenLinkRequest open = Open(hidden, household_);  // Leeds' household
  open.set_override_reason("The panel asked us to consider them.");
  absl::Status s = links_->OpenLink(manager_, open).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("hidden_from_authority"));
  EXPECT_THAT(s.message(), HasSubstr("which no override passes"));
  EXPECT_EQ(LinkRows(), before);
  EXPECT_EQ(AdopterStatus(household_), v1::ADOPTER_STATUS_APPROVED);
}

TEST_F(LinksDomainTest, CorrectionsKeepTheOldDateAndReportsUseTheNewOne) {
  v1::Link link = AdvanceTo(MustOpen(child_, household_),
                            v1::LINK_STEP_PAPERS_TO_PANEL);  // 09-08, 09-15
  v1::CorrectStepRequest fix;
  fix.set_name(link.name());
  fix.set_step(v1::LINK_STEP_LINKING_MEETING);
  *fix.mutable_new_date() = MakeDate(2026, 9, 10);
  fix.set_reason("The meeting was moved by two days.");
  fix.set_request_id(NextRequestId());
  absl::StatusOr<v1::Link> fixed = links_->CorrectStep(finder_, fix);
  ASSERT_THAT(fixed.status(), IsOk());
  EXPECT_EQ(FormatDate(fixed->steps(1).date()), "2026-09-10");
  EXPECT_EQ(FormatDate(fixed->steps(1).recorded_date()), "2026-09-08");
  ASSERT_THAT(fixed->corrections(), SizeIs(1));
  EXPECT_EQ(FormatDate(fixed->corrections(0).old_date()), "2026-09-08");
  const std::string reported =
      store_
          ->Read([](SQLite::Database& db) -> absl::StatusOr<std::string> {
            return db
                .execAndGet(
                    "SELECT date FROM link_step_dates WHERE link_id = 1 "
                    "AND step = 2")
                .getString();
          })
          .value();
  EXPECT_EQ(reported, "2026-09-10");

  // Out of order with the next step: refused, nothing changed.
  fix.set_request_id(NextRequestId());
  *fix.mutable_new_date() = MakeDate(2026, 9, 16);
  EXPECT_THAT(links_->CorrectStep(finder_, fix).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Get(link.name()).corrections(), SizeIs(1));
}

TEST_F(LinksDomainTest, DatesKeepTheirOrderAndThePlacementOrder) {
  v1::Child ordered = ChildProfile({84});
  *ordered.mutable_journey()->mutable_placement_order() = MakeDate(2026, 10, 1);
  ordered = AddChild(sheffield_, "sheffield", ordered);
  v1::Link link =
      AdvanceTo(MustOpen(ordered, household_), v1::LINK_STEP_PANEL_RECOMMENDED);
  absl::Status s =
      links_
          ->AdvanceLink(sheffield_, Advance(link, v1::LINK_STEP_MATCH_DECIDED,
                                            MakeDate(2026, 9, 30)))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("placement order"));
  s = links_
          ->AdvanceLink(sheffield_, Advance(link, v1::LINK_STEP_PLACED,
                                            MakeDate(2026, 10, 2)))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "step");
  s = links_
          ->AdvanceLink(sheffield_, Advance(link, v1::LINK_STEP_MATCH_DECIDED,
                                            MakeDate(2027, 1, 1)))
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "date");
  EXPECT_THAT(
      links_
          ->AdvanceLink(sheffield_, Advance(link, v1::LINK_STEP_MATCH_DECIDED,
                                            MakeDate(2026, 10, 1)))
          .status(),
      IsOk());
}

TEST_F(LinksDomainTest, ALinksDatesAndItsRecordsDatesKeepTheirOrder) {
  // The child entered care on 2025-01-10; the household was approved on
  // 2025-09-01.
  const int rows = LinkRows();
  v1::OpenLinkRequest too_early = Open(child_, household_);
  *too_early.mutable_opened_on() = MakeDate(2025, 1, 9);
  absl::Status s = links_->OpenLink(finder_, too_early).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "opened_on");
  EXPECT_THAT(s.message(), HasSubstr("the household's approval (2025-09-01)"));
  *too_early.mutable_opened_on() = MakeDate(2025, 8, 31);
  too_early.set_request_id(NextRequestId());
  EXPECT_THAT(links_->OpenLink(finder_, too_early).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(LinkRows(), rows);

  // Opened 2026-09-01, matched 2026-09-29.
  v1::Link link =
      AdvanceTo(MustOpen(child_, household_), v1::LINK_STEP_MATCH_DECIDED);
  ASSERT_EQ(FormatDate(link.steps(4).date()), "2026-09-29");

  // The placement order moved after the match: refused, naming the link.
  v1::UpdateChildRequest order;
  order.mutable_child()->set_name(child_.name());
  *order.mutable_child()->mutable_journey()->mutable_placement_order() =
      MakeDate(2026, 9, 30);
  order.mutable_update_mask()->add_paths("journey.placement_order");
  order.set_request_id(NextRequestId());
  s = registry_->UpdateChild(sheffield_, order).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "child.journey.placement_order");
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat("the match decision of ", link.name(),
                                     " (2026-09-29)")));
  v1::GetChildRequest get;
  get.set_name(child_.name());
  EXPECT_FALSE(
      registry_->GetChild(sheffield_, get)->journey().has_placement_order());
  // On the day of the match: accepted.
  *order.mutable_child()->mutable_journey()->mutable_placement_order() =
      MakeDate(2026, 9, 29);
  order.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateChild(sheffield_, order).status(), IsOk());

  // The approval moved after the opening: refused; before it: accepted.
  v1::UpdateAdopterRequest approval;
  approval.mutable_adopter()->set_name(household_.name());
  *approval.mutable_adopter()->mutable_approved_on() = MakeDate(2026, 9, 2);
  approval.mutable_update_mask()->add_paths("approved_on");
  approval.set_request_id(NextRequestId());
  s = registry_->UpdateAdopter(leeds_, approval).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "adopter.approved_on");
  EXPECT_THAT(
      s.message(),
      HasSubstr(absl::StrCat("the opening of ", link.name(), " (2026-09-01)")));
  *approval.mutable_adopter()->mutable_approved_on() = MakeDate(2026, 8, 1);
  approval.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateAdopter(leeds_, approval).status(), IsOk());

  // The opening corrected to before the approval: refused.
  v1::CorrectStepRequest fix;
  fix.set_name(link.name());
  fix.set_step(v1::LINK_STEP_OPENED);
  *fix.mutable_new_date() = MakeDate(2026, 7, 31);
  fix.set_reason("Opened earlier than recorded.");
  fix.set_request_id(NextRequestId());
  s = links_->CorrectStep(finder_, fix).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "new_date");
  EXPECT_THAT(Get(link.name()).corrections(), SizeIs(0));
}

TEST_F(LinksDomainTest, EnteringCareAndTheApprovalPassOnlyClosedLinks) {
  // A child with only the date of entering care (2025-01-10), linked on
  // 2025-09-15 with a household approved on 2025-09-01.
  v1::Child profile = ChildProfile({84});
  profile.mutable_journey()->clear_plan_for_adoption();
  profile.mutable_journey()->clear_shobpa_decision();
  const v1::Child child = AddChild(sheffield_, "sheffield", profile);
  const v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  v1::OpenLinkRequest open = Open(child, household);
  *open.mutable_opened_on() = MakeDate(2025, 9, 15);
  absl::StatusOr<v1::Link> link = links_->OpenLink(finder_, open);
  ASSERT_THAT(link.status(), IsOk());

  v1::UpdateChildRequest care;
  care.mutable_child()->set_name(child.name());
  *care.mutable_child()->mutable_journey()->mutable_entered_care() =
      MakeDate(2025, 9, 20);
  care.mutable_update_mask()->add_paths("journey.entered_care");
  care.set_request_id(NextRequestId());
  absl::Status s = registry_->UpdateChild(sheffield_, care).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "child.journey.entered_care");
  EXPECT_THAT(s.message(), HasSubstr("the opening of " + link->name()));

  // Hidden from the household's member since: its approval is refused
  // without the link's name or date.
  v1::UpdateChildRequest hide;
  hide.mutable_child()->set_name(child.name());
  hide.mutable_child()->add_hidden_from("leeds");
  hide.mutable_update_mask()->add_paths("hidden_from");
  hide.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateChild(sheffield_, hide).status(), IsOk());
  v1::UpdateAdopterRequest approval;
  approval.mutable_adopter()->set_name(household.name());
  *approval.mutable_adopter()->mutable_approved_on() = MakeDate(2025, 9, 16);
  approval.mutable_update_mask()->add_paths("approved_on");
  approval.set_request_id(NextRequestId());
  s = registry_->UpdateAdopter(leeds_, approval).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ViolationsOf(s).at(0).field, "adopter.approved_on");
  EXPECT_THAT(s.message(), HasSubstr("hidden from your authority"));
  EXPECT_THAT(s.message(), Not(HasSubstr("links/")));
  EXPECT_THAT(s.message(), Not(HasSubstr("2025-09-15")));

  // Closed, the link is history: the child came back into care, the
  // household was approved again.
  v1::CloseLinkRequest close;
  close.set_name(link->name());
  close.set_reason(v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY);
  close.set_request_id(NextRequestId());
  ASSERT_THAT(links_->CloseLink(sheffield_, close).status(), IsOk());
  care.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateChild(sheffield_, care).status(), IsOk());
  approval.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateAdopter(leeds_, approval).status(), IsOk());
}

TEST_F(LinksDomainTest, WhoMayDoWhat) {
  v1::Link link = MustOpen(child_, household_);
  // A registrar opens no link.
  EXPECT_THAT(links_->OpenLink(sheffield_, Open(child_, household_)).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Any family finder records the linking meeting.
  link = links_
             ->AdvanceLink(leeds_finder_,
                           Advance(link, v1::LINK_STEP_LINKING_MEETING,
                                   MakeDate(2026, 9, 8)))
             .value();
  // Papers to panel: the child's authority only.
  v1::AdvanceLinkRequest papers =
      Advance(link, v1::LINK_STEP_PAPERS_TO_PANEL, MakeDate(2026, 9, 9));
  EXPECT_THAT(links_->AdvanceLink(finder_, papers).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(links_->AdvanceLink(leeds_, papers).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The household's agency closes only as "household withdrew".
  v1::CloseLinkRequest close;
  close.set_name(link.name());
  close.set_reason(v1::CLOSE_REASON_CHOSE_ANOTHER_FAMILY);
  close.set_request_id(NextRequestId());
  EXPECT_THAT(links_->CloseLink(leeds_, close).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Get(link.name()).state(), v1::LINK_STATE_OPEN);
  EXPECT_THAT(links_->AdvanceLink(sheffield_, papers).status(), IsOk());
  // Managers may do everything.
  EXPECT_THAT(
      links_
          ->AdvanceLink(manager_, Advance(Get(link.name()),
                                          v1::LINK_STEP_PANEL_RECOMMENDED,
                                          MakeDate(2026, 9, 10)))
          .status(),
      IsOk());
}

// A family finder of a member with no part in a link records none of its
// steps; the regional adoption agency's family finders run linking meetings
// for every member.
TEST_F(LinksDomainTest, TheHubsFamilyFindersRecordTheLinkingMeetingOfAnyLink) {
  absl::StatusOr<v1::Link> link =
      links_->OpenLink(leeds_finder_, Open(child_, household_));
  ASSERT_THAT(link.status(), IsOk());
  const v1::AdvanceLinkRequest meeting =
      Advance(*link, v1::LINK_STEP_LINKING_MEETING, MakeDate(2026, 9, 8));
  EXPECT_THAT(links_->AdvanceLink(finder_, meeting).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Get(link->name()).step(), v1::LINK_STEP_OPENED);

  const Caller hub_finder = NewCaller("hub", {v1::ROLE_FAMILY_FINDER});
  EXPECT_TRUE(hub_finder.hub);
  ASSERT_THAT(links_->AdvanceLink(hub_finder, meeting).status(), IsOk());
  EXPECT_EQ(Get(link->name()).step(), v1::LINK_STEP_LINKING_MEETING);
  // From the panel on, the child's authority.
  EXPECT_THAT(
      links_
          ->AdvanceLink(hub_finder, Advance(Get(link->name()),
                                            v1::LINK_STEP_PAPERS_TO_PANEL,
                                            MakeDate(2026, 9, 9)))
          .status(),
      StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(LinksDomainTest, ALinkToAHiddenProfileIsNotFound) {
  v1::Child hidden = ChildProfile({84});
  hidden.add_hidden_from("york");
  hidden = AddChild(sheffield_, "sheffield", hidden);
  EXPECT_THAT(links_->OpenLink(finder_, Open(hidden, household_)).status(),
              StatusIs(absl::StatusCode::kNotFound));
  Caller sheffield_finder = NewCaller("sheffield", {v1::ROLE_FAMILY_FINDER});
  absl::StatusOr<v1::Link> link =
      links_->OpenLink(sheffield_finder, Open(hidden, household_));
  ASSERT_THAT(link.status(), IsOk());
  v1::GetLinkRequest get;
  get.set_name(link->name());
  EXPECT_THAT(links_->GetLink(finder_, get).status(),
              StatusIs(absl::StatusCode::kNotFound));
  get.set_name("links/l999");
  EXPECT_THAT(links_->GetLink(finder_, get).status(),
              StatusIs(absl::StatusCode::kNotFound));
  v1::ListLinksRequest list;
  EXPECT_THAT(links_->ListLinks(finder_, list).value().links(), SizeIs(0));
  EXPECT_THAT(links_->ListLinks(sheffield_, list).value().links(), SizeIs(1));
  // Filtered by a member that does not exist: NOT_FOUND, not an empty list.
  list.set_authority("authorities/nosuch");
  EXPECT_THAT(links_->ListLinks(sheffield_, list).status(),
              StatusIs(absl::StatusCode::kNotFound));
  v1::AdvanceLinkRequest meeting =
      Advance(*link, v1::LINK_STEP_LINKING_MEETING, MakeDate(2026, 9, 8));
  EXPECT_THAT(links_->AdvanceLink(finder_, meeting).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LinksDomainTest, ARetryReturnsTheFirstAnswerAndChangesNothing) {
  v1::OpenLinkRequest open = Open(child_, household_);
  v1::Link first = links_->OpenLink(finder_, open).value();
  const int rows = LinkRows();
  v1::Link again = links_->OpenLink(finder_, open).value();
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(LinkRows(), rows);
  v1::AdvanceLinkRequest meeting =
      Advance(first, v1::LINK_STEP_LINKING_MEETING, MakeDate(2026, 9, 8));
  v1::Link met = links_->AdvanceLink(finder_, meeting).value();
  EXPECT_EQ(links_->AdvanceLink(finder_, meeting).value().step(), met.step());
  EXPECT_EQ(LinkRows(), rows + 1);
}

TEST_F(LinksDomainTest, BadInputNamesTheFieldAndChangesNothing) {
  struct Case {
    std::string what;
    v1::OpenLinkRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  v1::OpenLinkRequest r = Open(child_, household_);
  r.set_child("children/c1");
  cases.push_back({"malformed child", r, "child"});
  r = Open(child_, household_);
  r.set_adopter("");
  cases.push_back({"no adopter", r, "adopter"});
  r = Open(child_, household_);
  *r.mutable_opened_on() = MakeDate(2027, 1, 1);
  cases.push_back({"opened in the future", r, "opened_on"});
  r = Open(child_, household_);
  r.set_placement_kind(static_cast<v1::PlacementKind>(9));
  cases.push_back({"unknown kind", r, "placement_kind"});
  r = Open(child_, household_);
  r.set_override_reason(std::string(501, 'a'));
  cases.push_back({"long override", r, "override_reason"});
  r = Open(child_, household_);
  r.set_request_id("");
  cases.push_back({"no request id", r, "request_id"});
  for (const Case& c : cases) {
    absl::Status s = links_->OpenLink(finder_, c.request).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << c.what;
    std::vector<FieldViolation> v = ViolationsOf(s);
    ASSERT_THAT(v, SizeIs(1)) << c.what;
    EXPECT_EQ(v[0].field, c.field) << c.what;
  }
  // Early permanence with a household that is not dual-approved.
  r = Open(child_, household_);
  r.set_placement_kind(v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION);
  EXPECT_THAT(links_->OpenLink(finder_, r).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(LinkRows(), 0);
  EXPECT_EQ(ChildStatus(child_), v1::CHILD_STATUS_WAITING);
}

TEST_F(LinksDomainTest, EarlyPermanencePlacesBeforeTheMatch) {
  v1::Child eligible = ChildProfile({84});
  eligible.set_early_permanence(v1::EARLY_PERMANENCE_FOSTERING_FOR_ADOPTION);
  eligible = AddChild(sheffield_, "sheffield", eligible);
  v1::Adopter dual = ApprovedHousehold(1, 48, 120);
  dual.set_dual_approved(true);
  dual = AddAdopter(leeds_, "leeds", dual);
  v1::OpenLinkRequest r = Open(eligible, dual);
  r.set_placement_kind(v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION);
  absl::StatusOr<v1::Link> link = links_->OpenLink(finder_, r);
  ASSERT_THAT(link.status(), IsOk());
  EXPECT_EQ(link->placement_kind(), v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION);
}

TEST_F(LinksDomainTest, OpenLinkCountsSurviveARestartOfTheIndex) {
  MustOpen(child_, household_);
  absl::StatusOr<std::unique_ptr<LiveIndex>> rebuilt =
      LiveIndex::Build(*store_, clock_);
  ASSERT_THAT(rebuilt.status(), IsOk());
  ASSERT_THAT(LoadOpenLinks(*store_, **rebuilt), IsOk());
  const uint64_t key = static_cast<uint64_t>(RowIdOf(household_.name()));
  EXPECT_EQ((*rebuilt)->Read([&](const matcher::CandidateIndex& index,
                                 const matcher::MatchingPolicy&) {
    return index.OpenLinks(key);
  }),
            1);
  EXPECT_EQ(live_->Read([&](const matcher::CandidateIndex& index,
                            const matcher::MatchingPolicy&) {
    return index.OpenLinks(key);
  }),
            1);
}

}  // namespace
}  // namespace raa::test
