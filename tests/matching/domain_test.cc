// Matching's rules without a network: the class raamatchd's MatchingService
// calls, over the live index a scratch store keeps in step
// (tests/support/scratch_domain.h). What a family finder relies on: a
// search issued after a write is acknowledged sees it; a write that failed
// is never seen; and the ranking agrees with the explanation of each pair.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "gtest/gtest.h"
#include "services/matching/alert_feed.h"
#include "services/matching/live_index.h"
#include "services/matching/matching.h"
#include "services/registry/registry_rows.h"
#include "services/server/schema.h"
#include "services/store/store.h"
#include "tests/support/builders.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::ApprovedHousehold;
using ::raa::test::ChildProfile;
using ::raa::test::IsOk;
using ::raa::test::StatusIs;
using ::raa::test::ValidAdopter;
using ::raa::test::ValidChild;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

class MatchingDomainTest : public test::ScratchDomainTest {
 protected:
  // Where the snapshot tests save the index, and a start that loads it.
  std::string SnapshotPath() { return dir_.File("raamatch.db.index"); }
  // A consistent copy of the fixture's database as it is now, at `name` in
  // the scratch directory (its path).
  std::string CopyOfDatabase(const std::string& name) {
    const std::string path = dir_.File(name);
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READONLY);
    db.exec(absl::StrCat("VACUUM INTO '", path, "'"));
    return path;
  }
  absl::StatusOr<std::unique_ptr<LiveIndex>> BuildFromSnapshot() {
    return LiveIndex::Build(*store_, clock_, {.snapshot_path = SnapshotPath()});
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    AddMember("leeds", "west-yorkshire");
    sheffield_ = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
    leeds_ = NewCaller("leeds", {v1::ROLE_REGISTRAR});
    finder_ = NewCaller("leeds", {v1::ROLE_FAMILY_FINDER});
    ASSERT_FALSE(HasFailure());
  }

  // Households and child groups with every kind of field, one household on
  // hold, one withdrawn and one redated, a sibling group and a redated child,
  // and twelve more children (for chunks of one row): in `adopters` and
  // `children` as written.
  void WriteVariedRecords(std::vector<v1::Adopter>& adopters,
                          std::vector<v1::Child>& children) {
    adopters.push_back(AddAdopter(sheffield_, "sheffield", ValidAdopter()));
    v1::Adopter varied = ValidAdopter();
    varied.set_approved_for(3);
    varied.set_min_age_months(24);
    varied.set_max_age_months(120);
    varied.set_sex_preference(v1::SEX_PREFERENCE_FEMALE);
    varied.add_excluded_regions("west-yorkshire");
    varied.add_languages("ur");
    varied.add_heritage(v1::HERITAGE_ASIAN_PAKISTANI);
    varied.set_religion(v1::RELIGION_MUSLIM);
    varied.set_dual_approved(true);
    varied.set_max_contact(v1::CONTACT_PLAN_DIRECT);
    for (v1::NeedCategory c : {v1::NEED_CATEGORY_PHYSICAL_DISABILITY,
                               v1::NEED_CATEGORY_ATTACHMENT_DIFFICULTIES}) {
      v1::NeedLimit* limit = varied.add_need_limits();
      limit->set_category(c);
      limit->set_max_level(v1::NEED_LEVEL_SEVERE);
    }
    adopters.push_back(AddAdopter(sheffield_, "sheffield", varied));
    v1::Adopter on_hold = ValidAdopter();
    on_hold.set_status(v1::ADOPTER_STATUS_ON_HOLD);
    adopters.push_back(AddAdopter(leeds_, "leeds", on_hold));
    v1::WithdrawAdopterRequest withdraw;
    withdraw.set_name(
        AddAdopter(sheffield_, "sheffield", ValidAdopter()).name());
    withdraw.set_reason("moved away from the region");
    withdraw.set_request_id(NextRequestId());
    absl::StatusOr<v1::Adopter> withdrawn =
        registry_->WithdrawAdopter(sheffield_, withdraw);
    ASSERT_THAT(withdrawn.status(), IsOk());
    adopters.push_back(*withdrawn);
    v1::Adopter redated = AddAdopter(sheffield_, "sheffield", ValidAdopter());
    *redated.mutable_approved_on() = test::MakeDate(2026, 2, 3);
    adopters.push_back(Update(redated, {"approved_on"}));

    children.push_back(AddChild(sheffield_, "sheffield", ValidChild()));
    v1::Child siblings = ValidChild();
    *siblings.add_members() = siblings.members(0);
    siblings.mutable_members(1)->set_age_months(30);
    siblings.mutable_members(1)->set_sex(v1::SEX_FEMALE);
    siblings.add_excluded_regions("west-yorkshire");
    siblings.set_early_permanence(v1::EARLY_PERMANENCE_CONCURRENT_PLANNING);
    siblings.mutable_journey()->clear_shobpa_decision();
    children.push_back(AddChild(leeds_, "leeds", siblings));
    v1::Child redated_child = AddChild(sheffield_, "sheffield", ValidChild());
    *redated_child.mutable_journey()->mutable_shobpa_decision() =
        test::MakeDate(2025, 12, 1);
    v1::UpdateChildRequest update;
    *update.mutable_child() = redated_child;
    update.mutable_update_mask()->add_paths("journey.shobpa_decision");
    update.set_request_id(NextRequestId());
    ASSERT_THAT(registry_->UpdateChild(sheffield_, update).status(), IsOk());
    children.push_back(redated_child);
    // The day a child waits from: its ShoBPA decision, else its placement
    // order, else its plan for adoption (ExpectRebuiltIndexHolds).
    v1::Child placement_order = ValidChild();
    placement_order.mutable_journey()->clear_shobpa_decision();
    *placement_order.mutable_journey()->mutable_placement_order() =
        test::MakeDate(2025, 9, 15);
    children.push_back(AddChild(leeds_, "leeds", placement_order));
    v1::Child no_dates = ValidChild();
    no_dates.mutable_journey()->clear_shobpa_decision();
    no_dates.mutable_journey()->clear_plan_for_adoption();
    children.push_back(AddChild(sheffield_, "sheffield", no_dates));
    // A decision cleared since (its latest milestone row is ''), and a
    // placement order added after a decision.
    v1::Child cleared = AddChild(sheffield_, "sheffield", ValidChild());
    cleared.mutable_journey()->clear_shobpa_decision();
    v1::Child ordered = AddChild(leeds_, "leeds", ValidChild());
    *ordered.mutable_journey()->mutable_placement_order() =
        test::MakeDate(2025, 10, 20);
    for (v1::Child* child : {&cleared, &ordered}) {
      v1::UpdateChildRequest request;
      *request.mutable_child() = *child;
      request.mutable_update_mask()->add_paths(child == &cleared
                                                   ? "journey.shobpa_decision"
                                                   : "journey.placement_order");
      request.set_request_id(NextRequestId());
      ASSERT_THAT(
          registry_
              ->UpdateChild(child == &cleared ? sheffield_ : leeds_, request)
              .status(),
          IsOk());
      children.push_back(*child);
    }
    // More rows, so that chunks of one row are many (below).
    for (int i = 0; i < 12; ++i) {
      v1::Child child = ValidChild();
      child.mutable_members(0)->set_age_months(24 + 6 * i);
      children.push_back(AddChild(i % 2 == 0 ? sheffield_ : leeds_,
                                  i % 2 == 0 ? "sheffield" : "leeds", child));
    }
  }

  // Adopter name → score, as RankAdopters answers `child` for the finder.
  std::map<std::string, int> Ranked(const v1::Child& child) {
    v1::RankAdoptersRequest request;
    request.set_child(child.name());
    request.set_page_size(100);
    absl::StatusOr<v1::RankAdoptersResponse> ranked =
        matching_->RankAdopters(finder_, request);
    EXPECT_THAT(ranked.status(), IsOk());
    std::map<std::string, int> scores;
    if (!ranked.ok()) return scores;
    for (const v1::RankedAdopter& a : ranked->adopters()) {
      scores[a.adopter()] = a.score();
    }
    return scores;
  }

  // The same, pair by pair: every eligible household of `adopters` and the
  // score ExplainPair gives it.
  std::map<std::string, int> Explained(
      const v1::Child& child, const std::vector<v1::Adopter>& adopters) {
    std::map<std::string, int> scores;
    for (const v1::Adopter& a : adopters) {
      v1::ExplainPairRequest request;
      request.set_child(child.name());
      request.set_adopter(a.name());
      absl::StatusOr<v1::PairExplanation> pair =
          matching_->ExplainPair(finder_, request);
      EXPECT_THAT(pair.status(), IsOk()) << a.name();
      if (pair.ok() && pair->eligible()) scores[a.name()] = pair->score();
    }
    return scores;
  }

  v1::Adopter Update(const v1::Adopter& changed,
                     const std::vector<std::string>& paths) {
    v1::UpdateAdopterRequest request;
    *request.mutable_adopter() = changed;
    for (const std::string& p : paths)
      request.mutable_update_mask()->add_paths(p);
    request.set_request_id(NextRequestId());
    absl::StatusOr<v1::Adopter> updated =
        registry_->UpdateAdopter(sheffield_, request);
    EXPECT_THAT(updated.status(), IsOk()) << changed.name();
    return updated.value_or(v1::Adopter());
  }

  Caller sheffield_, leeds_, finder_;
};

TEST_F(MatchingDomainTest, TheRankingAgreesWithEachPairAfterEveryUpdate) {
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  std::vector<v1::Adopter> adopters = {
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(2, 0, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 0, 48))};
  ASSERT_FALSE(HasFailure());
  std::map<std::string, int> ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_EQ(ranked.size(), 2u) << "the third takes children up to 4 only";

  // Each acknowledged change is in the very next search.
  v1::Adopter older = adopters[2];
  older.set_max_age_months(120);
  adopters[2] = Update(older, {"max_age_months"});
  ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_TRUE(ranked.contains(adopters[2].name()));

  v1::Adopter younger = adopters[0];
  younger.set_max_age_months(60);
  adopters[0] = Update(younger, {"max_age_months"});
  ranked = Ranked(child);
  EXPECT_EQ(ranked, Explained(child, adopters));
  EXPECT_FALSE(ranked.contains(adopters[0].name()));

  v1::WithdrawAdopterRequest withdraw;
  withdraw.set_name(adopters[1].name());
  withdraw.set_reason("moved away from the region");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              IsOk());
  ranked = Ranked(child);
  EXPECT_FALSE(ranked.contains(adopters[1].name()));
  std::vector<std::string> names;
  for (const auto& [name, score] : ranked) names.push_back(name);
  EXPECT_THAT(names, ElementsAre(adopters[2].name()));
}

TEST_F(MatchingDomainTest, AFailedCreateIsNeverSearchable) {
  v1::Adopter adopter =
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120));
  ASSERT_FALSE(HasFailure());

  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  absl::StatusOr<v1::Child> failed =
      registry_->CreateChild(leeds_, ChildRequest("leeds", ChildProfile({84})));
  EXPECT_THAT(failed.status(), StatusIs(absl::StatusCode::kInternal));

  // Neither the store nor the index kept it.
  v1::ListChildrenRequest list;
  list.set_parent("authorities/-");
  absl::StatusOr<v1::ListChildrenResponse> listed =
      registry_->ListChildren(manager_, list);
  ASSERT_THAT(listed.status(), IsOk());
  EXPECT_THAT(listed->children(), IsEmpty());
  v1::RankChildrenRequest rank;
  rank.set_adopter(adopter.name());
  rank.set_page_size(100);
  absl::StatusOr<v1::RankChildrenResponse> children =
      matching_->RankChildren(finder_, rank);
  ASSERT_THAT(children.status(), IsOk());
  EXPECT_THAT(children->children(), IsEmpty());
  live_->Read(
      [](const matcher::CandidateIndex& index, const matcher::MatchingPolicy&) {
        EXPECT_EQ(index.child_count(), 0u);
      });

  // The same create again succeeds and is searchable at once.
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  EXPECT_TRUE(ChildInIndex(child));
  children = matching_->RankChildren(finder_, rank);
  ASSERT_THAT(children.status(), IsOk());
  ASSERT_EQ(children->children_size(), 1);
  EXPECT_EQ(children->children(0).child(), child.name());
}

TEST_F(MatchingDomainTest, AFailedUpdateOrWithdrawalLeavesTheRankingAsItWas) {
  v1::Child child = AddChild(leeds_, "leeds", ChildProfile({84}));
  std::vector<v1::Adopter> adopters = {
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(1, 48, 120)),
      AddAdopter(sheffield_, "sheffield", ApprovedHousehold(2, 0, 120))};
  ASSERT_FALSE(HasFailure());
  const std::map<std::string, int> before = Ranked(child);
  ASSERT_EQ(before.size(), 2u);

  // An update that would take the first household out of the ranking.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::UpdateAdopterRequest update;
  *update.mutable_adopter() = adopters[0];
  update.mutable_adopter()->set_max_age_months(60);
  update.mutable_update_mask()->add_paths("max_age_months");
  update.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->UpdateAdopter(sheffield_, update).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(Ranked(child), before);

  // A withdrawal of the second.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::WithdrawAdopterRequest withdraw;
  withdraw.set_name(adopters[1].name());
  withdraw.set_reason("moved away from the region");
  withdraw.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_TRUE(AdopterInIndex(adopters[1]));
  EXPECT_EQ(Ranked(child), before);

  // And of the child's whole authority: its records stay in matching and its
  // keys still work.
  listener_->FailNextWrite(absl::InternalError("the disk is full"));
  v1::WithdrawAuthorityRequest leave;
  leave.set_name("authorities/leeds");
  leave.set_request_id(NextRequestId());
  EXPECT_THAT(registry_->WithdrawAuthority(manager_, leave).status(),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_TRUE(ChildInIndex(child));
  EXPECT_EQ(Ranked(child), before);
  EXPECT_FALSE(
      CallerOf(IssueKey("leeds", {v1::ROLE_REGISTRAR}).secret()).withdrawn);

  // The same requests, retried once the disk has room, take effect.
  ASSERT_THAT(registry_->UpdateAdopter(sheffield_, update).status(), IsOk());
  ASSERT_THAT(registry_->WithdrawAdopter(sheffield_, withdraw).status(),
              IsOk());
  EXPECT_THAT(Ranked(child), IsEmpty());
  EXPECT_THAT(Explained(child, adopters), IsEmpty());
}

}  // namespace
}  // namespace raa

namespace raa {
namespace {

// Every field the matcher reads, as text: two households (or groups) that
// print the same rank the same.
std::string Describe(const std::optional<matcher::Household>& h) {
  if (!h) return "absent";
  std::string needs;
  for (matcher::NeedLevel l : h->max_need) {
    absl::StrAppend(&needs, static_cast<int>(l), ",");
  }
  return absl::StrCat(
      h->key, " ", h->authority, " available=", h->available,
      " for=", h->approved_for, " ages=", h->min_age_months, "-",
      h->max_age_months, " sex=", static_cast<int>(h->sex_preference),
      " needs=", needs, " region=", h->region,
      " excluded=", absl::StrJoin(h->excluded_regions, "+"),
      " dual=", h->dual_approved, " contact=", static_cast<int>(h->max_contact),
      " heritage=", h->heritage_mask, " religion=", h->religion,
      " languages=", absl::StrJoin(h->languages, "+"),
      " approved=", h->approved_day);
}

std::string Describe(const std::optional<matcher::ChildGroup>& g) {
  if (!g) return "absent";
  std::string members;
  for (const matcher::ChildMember& m : g->members) {
    absl::StrAppend(&members, m.age_months, "/", static_cast<int>(m.sex), "/",
                    m.heritage_mask, "/", m.religion, "/", m.first_language,
                    "/");
    for (matcher::NeedLevel l : m.needs) {
      absl::StrAppend(&members, static_cast<int>(l), ",");
    }
    members += ";";
  }
  return absl::StrCat(
      g->key, " ", g->authority, " members=", members, " region=", g->region,
      " excluded=", absl::StrJoin(g->excluded_regions, "+"),
      " hidden=", absl::StrJoin(g->hidden_from, "+"),
      " ep=", g->early_permanence_candidate,
      " contact=", static_cast<int>(g->contact_plan),
      " waiting=", g->waiting_since_day, " ages_as_of=", g->ages_as_of_day,
      " apart=", g->may_be_placed_apart);
}

uint64_t RowOf(const std::string& name) {
  return std::stoull(name.substr(name.find_last_of("ch") + 1));
}

// " waiting=<day> ", as Describe prints a group waiting since that day.
std::string Waiting(int year, int month, int day) {
  return absl::StrCat(" waiting=", DayNumber(test::MakeDate(year, month, day)),
                      " ");
}

// Every household and child group of `rebuilt` as `live` holds it.
void ExpectRebuiltIndexHolds(
    const absl::StatusOr<std::unique_ptr<LiveIndex>>& rebuilt,
    const LiveIndex& live, const std::vector<v1::Adopter>& adopters,
    const std::vector<v1::Child>& children) {
  ASSERT_THAT(rebuilt.status(), IsOk());
  auto households = [&](const LiveIndex& from) {
    std::vector<std::string> out;
    from.Read([&](const matcher::CandidateIndex& index,
                  const matcher::MatchingPolicy&) {
      for (const v1::Adopter& a : adopters) {
        out.push_back(Describe(index.FindHousehold(RowOf(a.name()))));
      }
    });
    return out;
  };
  auto groups = [&](const LiveIndex& from) {
    std::vector<std::string> out;
    from.Read([&](const matcher::CandidateIndex& index,
                  const matcher::MatchingPolicy&) {
      for (const v1::Child& c : children) {
        out.push_back(Describe(index.FindChild(RowOf(c.name()))));
      }
    });
    return out;
  };
  const std::vector<std::string> live_households = households(live);
  EXPECT_THAT(households(**rebuilt), ElementsAreArray(live_households));
  const std::vector<std::string> live_groups = groups(live);
  EXPECT_THAT(groups(**rebuilt), ElementsAreArray(live_groups));
  // The withdrawn household is out; the redated one waits from its new day.
  EXPECT_EQ(live_households[3], "absent");
  EXPECT_THAT(live_households[4],
              HasSubstr(absl::StrCat(" approved=",
                                     DayNumber(test::MakeDate(2026, 2, 3)))));
  // The children wait from their ShoBPA decision, else their placement
  // order, else their plan for adoption (WriteVariedRecords; one test
  // deletes the second child).
  const std::pair<size_t, std::string> waits[] = {
      {0, Waiting(2025, 8, 4)},  {1, Waiting(2025, 6, 2)},
      {2, Waiting(2025, 12, 1)}, {3, Waiting(2025, 9, 15)},
      {4, " waiting=-1 "},       {5, Waiting(2025, 6, 2)},
      {6, Waiting(2025, 8, 4)},
  };
  ASSERT_GE(live_groups.size(), std::size(waits));
  for (const auto& [child, waiting] : waits) {
    if (child == 1 && live_groups[child] == "absent") continue;
    EXPECT_THAT(live_groups[child], HasSubstr(waiting)) << "child " << child;
  }
}

// At start the index reads households from the adopters table's columns
// and children from their profiles and the day each has waited since (a
// column the registry keeps from their milestones), two threads at once
// (LiveIndex::Build, children in chunks). It must hold exactly what the live
// index, kept from the profiles as they were written, holds: every field, after
// updates that add journey dates and change statuses.
TEST_F(MatchingDomainTest, AnIndexBuiltAtStartHoldsWhatTheLiveIndexHeld) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  // The households and the children are read in chunks by two threads and
  // indexed in row order: chunks of the default size (here one), and of one
  // row each.
  for (int64_t rows_per_chunk : {0, 1}) {
    SCOPED_TRACE(absl::StrCat("rows_per_chunk ", rows_per_chunk));
    ExpectRebuiltIndexHolds(LiveIndex::Build(*store_, clock_,
                                             {.rows_per_chunk = rows_per_chunk,
                                              .snapshot_path = ""}),
                            *live_, adopters, children);
  }
}

// A start reads the day each child waits from in the children table's
// column, not its milestones; SQLite keeps that column, so a journey date
// appended by another program (an operator's sqlite3, a migration) moves it
// as a write through the registry would, whether the next start rebuilds
// or loads its saved index and reads the child again.
TEST_F(MatchingDomainTest,
       AJourneyDateAnotherProgramAppendsMovesTheWaitingDay) {
  const v1::Child child = AddChild(sheffield_, "sheffield", ValidChild());
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  const auto waiting_since = [&](const LiveIndex& from) {
    int32_t day = -2;
    from.Read([&](const matcher::CandidateIndex& index,
                  const matcher::MatchingPolicy&) {
      std::optional<matcher::ChildGroup> g =
          index.FindChild(RowOf(child.name()));
      if (g.has_value()) day = g->waiting_since_day;
    });
    return day;
  };
  struct Appended {
    v1::MilestoneKind kind;
    const char* date;
    google::type::Date waits_from;
  };
  const Appended appended[] = {
      // A later decision; then the decision cleared: the plan for adoption;
      // then a placement order, which comes before the plan.
      {v1::MILESTONE_KIND_SHOBPA_DECISION, "2025-11-03",
       test::MakeDate(2025, 11, 3)},
      {v1::MILESTONE_KIND_SHOBPA_DECISION, "", test::MakeDate(2025, 6, 2)},
      {v1::MILESTONE_KIND_PLACEMENT_ORDER, "2025-10-01",
       test::MakeDate(2025, 10, 1)},
      // A kind that does not count changes nothing.
      {v1::MILESTONE_KIND_ENTERED_CARE, "2025-02-01",
       test::MakeDate(2025, 10, 1)},
      // A date before 1970, or one that is not a real date, counts as none
      // (as in a profile's journey): the plan for adoption again.
      {v1::MILESTONE_KIND_PLACEMENT_ORDER, "1969-12-31",
       test::MakeDate(2025, 6, 2)},
      {v1::MILESTONE_KIND_PLACEMENT_ORDER, "2025-10-01",
       test::MakeDate(2025, 10, 1)},
      {v1::MILESTONE_KIND_PLACEMENT_ORDER, "2025-02-30",
       test::MakeDate(2025, 6, 2)},
  };
  for (const Appended& a : appended) {
    SCOPED_TRACE(
        absl::StrCat(v1::MilestoneKind_Name(a.kind), " '", a.date, "'"));
    ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
    {
      SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
      SQLite::Statement insert(
          db,
          "INSERT INTO milestones (record_kind, authority_id, record_row, "
          "kind, date, record_time) VALUES (0, 'sheffield', ?, ?, ?, 1)");
      insert.bind(1, static_cast<int64_t>(RowOf(child.name())));
      insert.bind(2, static_cast<int>(a.kind));
      insert.bind(3, a.date);
      EXPECT_EQ(insert.exec(), 1);
    }
    absl::StatusOr<std::unique_ptr<LiveIndex>> loaded = BuildFromSnapshot();
    ASSERT_THAT(loaded.status(), IsOk());
    EXPECT_TRUE((*loaded)->built_from_snapshot());
    EXPECT_EQ(waiting_since(**loaded), DayNumber(a.waits_from));
    absl::StatusOr<std::unique_ptr<LiveIndex>> rebuilt =
        LiveIndex::Build(*store_, clock_);
    ASSERT_THAT(rebuilt.status(), IsOk());
    EXPECT_EQ(waiting_since(**rebuilt), DayNumber(a.waits_from));
  }
}

// The trigger that keeps the column is put back when a database is opened
// without it (an operator dropped it), and every child's day filled again:
// a date appended meanwhile is not lost to the next rebuild.
TEST_F(MatchingDomainTest, ADroppedWaitingDayTriggerIsPutBackAtTheNextOpen) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string copy = CopyOfDatabase("copy.db");
  const uint64_t row = RowOf(children[0].name());
  {
    SQLite::Database db(copy, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER milestones_set_waiting_since");
    EXPECT_EQ(
        db.exec(absl::StrCat(
            "INSERT INTO milestones (record_kind, authority_id, record_row, "
            "kind, date, record_time) VALUES (0, 'sheffield', ",
            row, ", ", v1::MILESTONE_KIND_SHOBPA_DECISION,
            ", '2025-11-03', 1)")),
        1);
  }
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(copy, clock_, RaamatchSchema());
  ASSERT_THAT(store.status(), IsOk());
  absl::StatusOr<std::unique_ptr<LiveIndex>> rebuilt =
      LiveIndex::Build(**store, clock_, {.snapshot_path = ""});
  ASSERT_THAT(rebuilt.status(), IsOk());
  (*rebuilt)->Read([&](const matcher::CandidateIndex& index,
                       const matcher::MatchingPolicy&) {
    std::optional<matcher::ChildGroup> g = index.FindChild(row);
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->waiting_since_day, DayNumber(test::MakeDate(2025, 11, 3)));
  });
  SQLite::Database db(copy, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = "
                          "'milestones_set_waiting_since'")
                .getInt(),
            1);
}

// A database written before the column (migration 17) gets it filled from
// the milestones when it is opened: the index built from it then holds what
// the live index, kept from the profiles as written, holds.
TEST_F(MatchingDomainTest, ADatabaseFromBeforeTheWaitingDayColumnIsFilledIn) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string older = CopyOfDatabase("older.db");
  {
    // As a raamatchd before migration 17 left it (so before 18 to 21 as
    // well).
    SQLite::Database db(older, SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE audit_events DROP COLUMN events");
    db.exec("ALTER TABLE audit_events DROP COLUMN times");
    db.exec("DROP TRIGGER milestones_set_waiting_since");
    db.exec("ALTER TABLE children DROP COLUMN waiting_since");
    db.exec("DROP INDEX ledger_entries_monthly_once");
    db.exec("ALTER TABLE ledger_entries DROP COLUMN charge");
    db.exec(
        "CREATE UNIQUE INDEX ledger_entries_monthly_once ON "
        "ledger_entries(link_id, month) WHERE type = 2");
    db.exec("DROP TABLE ledger_months_closed");
    EXPECT_EQ(
        db.exec(
            "DELETE FROM schema_migrations WHERE version IN (17, 18, 19, 20, "
            "21)"),
        5);
  }
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(older, clock_, RaamatchSchema());
  ASSERT_THAT(store.status(), IsOk());
  ExpectRebuiltIndexHolds(
      LiveIndex::Build(**store, clock_, {.snapshot_path = ""}), *live_,
      adopters, children);
}

// A start reads the profiles of the waiting and linked children only (their
// status column picks them), and indexes exactly those: the others, most of
// a consortium's children in time, cost it nothing (their profiles are not
// even parsed).
TEST_F(MatchingDomainTest, AStartIndexesTheWaitingAndLinkedChildrenOnly) {
  std::vector<std::pair<v1::ChildStatus, uint64_t>> written;
  for (int s = v1::ChildStatus_MIN; s <= v1::ChildStatus_MAX; ++s) {
    if (!v1::ChildStatus_IsValid(s) || s == v1::CHILD_STATUS_UNSPECIFIED) {
      continue;
    }
    const auto status = static_cast<v1::ChildStatus>(s);
    v1::Child child = ValidChild();
    child.set_region("south-yorkshire");
    child.set_status(status);
    ASSERT_THAT(
        store_
            ->Write<google::protobuf::Empty>(
                RequestKey{},
                [&](StoreTx& tx) -> absl::StatusOr<google::protobuf::Empty> {
                  RETURN_IF_ERROR(
                      registry_rows::InsertChild(tx, "sheffield", child));
                  return google::protobuf::Empty();
                })
            .status(),
        IsOk());
    written.emplace_back(status, RowOf(child.name()));
  }
  ASSERT_GE(written.size(), 6u);
  // The closed children's profiles made unreadable: a start that parsed
  // them would fail.
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    EXPECT_EQ(
        db.exec(absl::StrCat(
            "UPDATE children SET profile = x'ff' WHERE status NOT IN (",
            v1::CHILD_STATUS_WAITING, ", ", v1::CHILD_STATUS_LINKED, ")")),
        static_cast<int>(written.size()) - 2);
  }
  for (int64_t rows_per_chunk : {0, 1}) {
    SCOPED_TRACE(absl::StrCat("rows_per_chunk ", rows_per_chunk));
    absl::StatusOr<std::unique_ptr<LiveIndex>> built = LiveIndex::Build(
        *store_, clock_,
        {.rows_per_chunk = rows_per_chunk, .snapshot_path = ""});
    ASSERT_THAT(built.status(), IsOk());
    for (const auto& [status, row] : written) {
      const bool indexed =
          (*built)->Read([&](const matcher::CandidateIndex& index,
                             const matcher::MatchingPolicy&) {
            return index.FindChild(row).has_value();
          });
      EXPECT_EQ(indexed, status == v1::CHILD_STATUS_WAITING ||
                             status == v1::CHILD_STATUS_LINKED)
          << v1::ChildStatus_Name(status);
    }
  }
}

// A clean stop saves the index (LiveIndex::SaveSnapshot) and the next start
// loads it instead of reading every profile, holding exactly what the live
// index held; the file stays, so a crash after that start loses nothing.
// Only the newest save of the database is loaded: the file of an earlier
// save is refused (the database holds the newest save's token).
TEST_F(MatchingDomainTest, AnIndexSavedAtAStopIsWhatTheNextStartLoads) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  const std::string copy = dir_.File("copy.index");

  ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  std::filesystem::copy_file(path, copy);
  ASSERT_THAT(live_->SaveSnapshot(*store_, path, {.reorganize = true}).status(),
              IsOk());
  for (int start = 0; start < 2; ++start) {
    absl::StatusOr<std::unique_ptr<LiveIndex>> loaded = BuildFromSnapshot();
    ASSERT_THAT(loaded.status(), IsOk());
    EXPECT_TRUE((*loaded)->built_from_snapshot());
    ExpectRebuiltIndexHolds(loaded, *live_, adopters, children);
    EXPECT_FALSE((*loaded)->SaveDue(1));
  }

  // The first save's file, though nothing changed since it was written.
  std::filesystem::copy_file(copy, path,
                             std::filesystem::copy_options::overwrite_existing);
  absl::StatusOr<std::unique_ptr<LiveIndex>> earlier = BuildFromSnapshot();
  ASSERT_THAT(earlier.status(), IsOk());
  EXPECT_FALSE((*earlier)->built_from_snapshot());
  ExpectRebuiltIndexHolds(earlier, *live_, adopters, children);
  EXPECT_TRUE((*earlier)->SaveDue(1'000'000));
  EXPECT_FALSE(std::filesystem::exists(path));
}

// Whatever changes after a save (through the registry, or any other writer
// of the database file, on each table the index is built from), the next
// start loads the saved index and reads again the records changed since:
// it holds what an index rebuilt from every profile holds.
TEST_F(MatchingDomainTest, AnIndexSavedBeforeChangesIsBroughtUpToDate) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());

  // Through the registry: an older child, and a new household.
  v1::Child older = children[0];
  older.mutable_members(0)->set_age_months(70);
  v1::UpdateChildRequest update;
  *update.mutable_child() = older;
  update.mutable_update_mask()->add_paths("members");
  update.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateChild(sheffield_, update).status(), IsOk());
  adopters.push_back(AddAdopter(sheffield_, "sheffield", ValidAdopter()));
  ASSERT_FALSE(HasFailure());
  absl::StatusOr<std::unique_ptr<LiveIndex>> after_writes = BuildFromSnapshot();
  ASSERT_THAT(after_writes.status(), IsOk());
  EXPECT_TRUE((*after_writes)->built_from_snapshot());
  ExpectRebuiltIndexHolds(after_writes, *live_, adopters, children);
  (*after_writes)
      ->Read([&](const matcher::CandidateIndex& index,
                 const matcher::MatchingPolicy&) {
        std::optional<matcher::ChildGroup> g =
            index.FindChild(RowOf(older.name()));
        ASSERT_TRUE(g.has_value());
        EXPECT_EQ(g->members[0].age_months, 70);
        EXPECT_TRUE(index.FindHousehold(RowOf(adopters.back().name())));
      });

  // Another writer of the file: a household withdrawn, a child deleted, a
  // child withdrawn in its status column alone (a rebuild reads the
  // column), a journey date recorded, an authority renamed.
  ASSERT_GE(children.size(), 3u);
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    EXPECT_EQ(db.exec(absl::StrCat(
                  "UPDATE children SET status = ", v1::CHILD_STATUS_WITHDRAWN,
                  " WHERE id = ", RowOf(children.back().name()))),
              1);
    EXPECT_EQ(db.exec(absl::StrCat(
                  "UPDATE adopters SET status = ", v1::ADOPTER_STATUS_WITHDRAWN,
                  " WHERE id = ", RowOf(adopters[0].name()))),
              1);
    EXPECT_EQ(db.exec(absl::StrCat("DELETE FROM children WHERE id = ",
                                   RowOf(children[1].name()))),
              1);
    EXPECT_EQ(
        db.exec("INSERT INTO milestones (record_kind, authority_id, "
                "record_row, kind, date, reason, key_id, recorded_by, "
                "record_time) SELECT record_kind, authority_id, record_row, "
                "kind, '2025-12-01', reason, key_id, recorded_by, record_time "
                "FROM milestones WHERE id = (SELECT MAX(id) FROM milestones)"),
        1);
    EXPECT_EQ(db.exec("UPDATE authorities SET display_name = 'Leeds City' "
                      "WHERE id = 'leeds'"),
              1);
  }
  absl::StatusOr<std::unique_ptr<LiveIndex>> rebuilt =
      LiveIndex::Build(*store_, clock_);
  ASSERT_THAT(rebuilt.status(), IsOk());
  absl::StatusOr<std::unique_ptr<LiveIndex>> after_sql = BuildFromSnapshot();
  ASSERT_THAT(after_sql.status(), IsOk());
  EXPECT_TRUE((*after_sql)->built_from_snapshot());
  ExpectRebuiltIndexHolds(after_sql, **rebuilt, adopters, children);
  (*after_sql)
      ->Read([&](const matcher::CandidateIndex& index,
                 const matcher::MatchingPolicy&) {
        EXPECT_FALSE(index.FindHousehold(RowOf(adopters[0].name())));
        EXPECT_FALSE(index.FindChild(RowOf(children[1].name())));
        EXPECT_FALSE(index.FindChild(RowOf(children.back().name())));
      });
}

// A change made by another program while the server serves never reaches
// the live index, and a save must not claim it: the next start reads it
// again, whether or not the server wrote anything after it.
TEST_F(MatchingDomainTest, AChangeByAnotherProgramWhileServingIsReadAgain) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  for (const bool write_after : {false, true}) {
    SCOPED_TRACE(write_after ? "a registry write after it" : "no write");
    const v1::Adopter& gone = adopters[write_after ? 1 : 0];
    ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
    {
      SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
      EXPECT_EQ(db.exec(absl::StrCat("UPDATE adopters SET status = ",
                                     v1::ADOPTER_STATUS_WITHDRAWN,
                                     " WHERE id = ", RowOf(gone.name()))),
                1);
    }
    if (write_after) {
      adopters.push_back(AddAdopter(sheffield_, "sheffield", ValidAdopter()));
      ASSERT_FALSE(HasFailure());
    }
    ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
    absl::StatusOr<std::unique_ptr<LiveIndex>> loaded = BuildFromSnapshot();
    ASSERT_THAT(loaded.status(), IsOk());
    EXPECT_TRUE((*loaded)->built_from_snapshot());
    (*loaded)->Read([&](const matcher::CandidateIndex& index,
                        const matcher::MatchingPolicy&) {
      EXPECT_FALSE(index.FindHousehold(RowOf(gone.name())));
      if (write_after) {
        EXPECT_TRUE(index.FindHousehold(RowOf(adopters.back().name())));
      }
    });
    ExpectRebuiltIndexHolds(loaded, **LiveIndex::Build(*store_, clock_),
                            adopters, children);
  }
}

// The fixture's listener, except that it can hold one write once the index
// has taken its changes in (after BeforeCommit) until released, then fail
// it, so that the write rolls back.
class HoldingListener final : public StoreListener {
 public:
  explicit HoldingListener(StoreListener& inner) : inner_(inner) {}

  void HoldAndFailNextWrite() { hold_next_ = true; }
  absl::Notification held;     // the write is held
  absl::Notification release;  // let it go (and fail)

  void Begun(StoreTx& tx) override { inner_.Begun(tx); }
  absl::Status BeforeCommit(StoreTx& tx) override {
    absl::Status told = inner_.BeforeCommit(tx);
    if (!told.ok() || !hold_next_.exchange(false)) return told;
    held.Notify();
    release.WaitForNotification();
    return absl::AbortedError("the held write fails");
  }
  void Committed() override { inner_.Committed(); }
  void RolledBack() override { inner_.RolledBack(); }

 private:
  StoreListener& inner_;
  std::atomic<bool> hold_next_{false};
};

// A save never holds a write half-way: while a write the index has taken
// in is neither committed nor rolled back, the save waits (it writes no
// file), and once that write rolls back the saved index does not hold it.
TEST_F(MatchingDomainTest, ASaveNeverHoldsAWriteHalfWay) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  HoldingListener holding(*listener_);
  store_->SetListener(&holding);
  v1::Child older = children[0];
  older.mutable_members(0)->set_age_months(70);
  v1::UpdateChildRequest update;
  *update.mutable_child() = older;
  update.mutable_update_mask()->add_paths("members");
  update.set_request_id(NextRequestId());

  holding.HoldAndFailNextWrite();
  std::thread writer([&] {
    EXPECT_THAT(registry_->UpdateChild(sheffield_, update).status(),
                StatusIs(absl::StatusCode::kAborted));
  });
  holding.held.WaitForNotification();
  live_->Read([&](const matcher::CandidateIndex& index,
                  const matcher::MatchingPolicy&) {
    EXPECT_EQ(index.FindChild(RowOf(older.name()))->members[0].age_months, 70);
  });
  std::thread saver([&] {
    EXPECT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  });
  // A save copies and writes its file in milliseconds here: a file within
  // this bound would be a copy of the write half-way.
  const absl::Time bound = absl::Now() + absl::Milliseconds(300);
  while (!std::filesystem::exists(path) && absl::Now() < bound) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  holding.release.Notify();
  writer.join();
  saver.join();
  store_->SetListener(listener_.get());

  absl::StatusOr<std::unique_ptr<LiveIndex>> loaded = BuildFromSnapshot();
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_TRUE((*loaded)->built_from_snapshot());
  ExpectRebuiltIndexHolds(loaded, *live_, adopters, children);
  (*loaded)->Read([&](const matcher::CandidateIndex& index,
                      const matcher::MatchingPolicy&) {
    EXPECT_EQ(index.FindChild(RowOf(older.name()))->members[0].age_months,
              children[0].members(0).age_months());
  });
}

// Saves while the registry is being written (as the server saves once
// enough has changed) are each brought up to date by the next start.
TEST_F(MatchingDomainTest, SavesWhileWritingAreLoadedAsTheDatabaseIs) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();
  std::vector<v1::UpdateChildRequest> updates;
  for (int i = 0; i < 60; ++i) {
    v1::UpdateChildRequest& update = updates.emplace_back();
    *update.mutable_child() = children[0];  // sheffield's
    update.mutable_child()->mutable_members(0)->set_age_months(30 + i);
    update.mutable_update_mask()->add_paths("members");
    update.set_request_id(NextRequestId());
  }
  std::thread writer([&] {
    for (const v1::UpdateChildRequest& update : updates) {
      EXPECT_THAT(registry_->UpdateChild(sheffield_, update).status(), IsOk());
    }
  });
  for (int save = 0; save < 5; ++save) {
    ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  }
  writer.join();
  absl::StatusOr<std::unique_ptr<LiveIndex>> loaded = BuildFromSnapshot();
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_TRUE((*loaded)->built_from_snapshot());
  ExpectRebuiltIndexHolds(loaded, *live_, adopters, children);
  ExpectRebuiltIndexHolds(LiveIndex::Build(*store_, clock_), *live_, adopters,
                          children);
}

// A damaged file, too many changes since the save, or a database that lost
// a logging trigger (as a careless migration that rebuilds a table would)
// makes the start rebuild.
TEST_F(MatchingDomainTest, ADamagedOrUntrustedSnapshotIsNotLoaded) {
  std::vector<v1::Adopter> adopters;
  std::vector<v1::Child> children;
  ASSERT_NO_FATAL_FAILURE(WriteVariedRecords(adopters, children));
  ASSERT_FALSE(HasFailure());
  const std::string path = SnapshotPath();

  // Damaged bytes: the last byte of the file changed.
  ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(-1, std::ios::end);
    const char last = static_cast<char>(file.get());
    file.seekp(-1, std::ios::end);
    file.put(static_cast<char>(last ^ 0x5a));
  }
  absl::StatusOr<std::unique_ptr<LiveIndex>> damaged = BuildFromSnapshot();
  ASSERT_THAT(damaged.status(), IsOk());
  EXPECT_FALSE((*damaged)->built_from_snapshot());
  ExpectRebuiltIndexHolds(damaged, *live_, adopters, children);

  // Far more changes logged since the save than reading records again is
  // worth (over twenty times a thousand records' worth).
  ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    SQLite::Transaction tx(db);
    for (int i = 0; i < 20'001; ++i) {
      db.exec("UPDATE children SET status = status WHERE id = 1");
    }
    tx.commit();
  }
  absl::StatusOr<std::unique_ptr<LiveIndex>> many = BuildFromSnapshot();
  ASSERT_THAT(many.status(), IsOk());
  EXPECT_FALSE((*many)->built_from_snapshot());
  ExpectRebuiltIndexHolds(many, *live_, adopters, children);

  ASSERT_THAT(live_->SaveSnapshot(*store_, path).status(), IsOk());
  {
    SQLite::Database db(dir_.File("raamatch.db"), SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER children_delete_logged");
  }
  absl::StatusOr<std::unique_ptr<LiveIndex>> untrusted = BuildFromSnapshot();
  ASSERT_THAT(untrusted.status(), IsOk());
  EXPECT_FALSE((*untrusted)->built_from_snapshot());
  EXPECT_THAT(live_->SaveSnapshot(*store_, path).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// An ad-hoc watch's sink that keeps what it is given.
class KeptAlerts : public AlertSink {
 public:
  void Push(int64_t /*sequence*/, v1::MatchAlert alert) override {
    alerts.push_back(std::move(alert));
  }
  void End(absl::Status status) override { ended = std::move(status); }
  bool Accepting() const override { return accepting; }

  std::vector<v1::MatchAlert> alerts;
  std::optional<absl::Status> ended;
  bool accepting = true;
};

// Leeds' ad-hoc watch of a child and a household.
FollowSpec LeedsWatchOf(const v1::Child& child, const v1::Adopter& household,
                        int min_score) {
  FollowSpec spec;
  spec.caller_authority = "leeds";
  spec.children.insert(static_cast<uint64_t>(test::RowIdOf(child.name())));
  spec.households.insert(
      static_cast<uint64_t>(test::RowIdOf(household.name())));
  spec.min_score = min_score;
  return spec;
}

// A watch is primed a few records at a time (LiveIndex::Prime): what fits
// when it starts is known, not news (a change that keeps it fitting says
// nothing); a household registered after fits and is alerted; once the
// stream has ended on its own (a client that stopped reading) the feed
// works out nothing more for it.
TEST_F(MatchingDomainTest, AWatchAlertsNewFitsOnlyWhileItsStreamAccepts) {
  std::vector<uint64_t> children;
  for (int i = 0; i < 20; ++i) {
    children.push_back(static_cast<uint64_t>(test::RowIdOf(
        AddChild(sheffield_, "sheffield", ChildProfile({84})).name())));
  }
  const v1::Adopter first =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  KeptAlerts sink;
  FollowSpec spec;
  spec.caller_authority = "leeds";
  spec.children.insert(children.begin(), children.end());
  spec.min_score = 1;
  absl::StatusOr<int64_t> id = live_->Subscribe(std::move(spec), &sink);
  ASSERT_THAT(id.status(), IsOk());
  int parts = 1;
  while (live_->Prime(*id)) ++parts;
  EXPECT_EQ(parts, 3);  // 8, 8 and 4 children

  v1::UpdateAdopterRequest update;
  update.mutable_adopter()->set_name(first.name());
  update.mutable_adopter()->set_min_age_months(47);
  update.mutable_update_mask()->add_paths("min_age_months");
  update.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateAdopter(leeds_, update).status(), IsOk());
  EXPECT_THAT(sink.alerts, IsEmpty()) << "a fit known when primed was news";

  const v1::Adopter fresh =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  ASSERT_EQ(sink.alerts.size(), children.size());
  for (const v1::MatchAlert& alert : sink.alerts) {
    EXPECT_EQ(alert.kind(), v1::ALERT_KIND_NEW_FIT);
    EXPECT_EQ(alert.adopter(), fresh.name());
  }
  sink.alerts.clear();
  sink.accepting = false;
  AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  EXPECT_THAT(sink.alerts, IsEmpty());
  EXPECT_FALSE(sink.ended.has_value());
  live_->Unsubscribe(*id);
}

// A record that leaves matching before it is primed is told of as it
// leaves, as a primed one is; the watch ends only when nothing, primed or
// not, is left.
TEST_F(MatchingDomainTest, ARecordLeavingBeforeItIsPrimedIsToldOf) {
  const v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  const v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 48, 120));
  KeptAlerts sink;
  absl::StatusOr<int64_t> id =
      live_->Subscribe(LeedsWatchOf(child, household, 50), &sink);
  ASSERT_THAT(id.status(), IsOk());

  v1::WithdrawChildRequest withdraw;
  withdraw.set_name(child.name());
  withdraw.set_reason("adopted by her foster carers");
  withdraw.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->WithdrawChild(sheffield_, withdraw).status(), IsOk());
  ASSERT_THAT(sink.alerts, ::testing::SizeIs(1));
  EXPECT_EQ(sink.alerts[0].kind(), v1::ALERT_KIND_FOLLOW_ENDED);
  EXPECT_EQ(sink.alerts[0].child(), child.name());
  EXPECT_FALSE(sink.ended.has_value()) << "the household is still watched";

  EXPECT_FALSE(live_->Prime(*id));  // the household, in one part
  v1::WithdrawAdopterRequest gone;
  gone.set_name(household.name());
  gone.set_reason("moved away from the region");
  gone.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->WithdrawAdopter(leeds_, gone).status(), IsOk());
  ASSERT_TRUE(sink.ended.has_value());
  EXPECT_THAT(*sink.ended, StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A pair of two followed records that comes to fit is news once, not once
// for each side.
TEST_F(MatchingDomainTest, APairOfTwoFollowedRecordsIsAlertedOnce) {
  const v1::Child child = AddChild(sheffield_, "sheffield", ChildProfile({84}));
  const v1::Adopter household =
      AddAdopter(leeds_, "leeds", ApprovedHousehold(1, 150, 200));
  KeptAlerts sink;
  absl::StatusOr<int64_t> id =
      live_->Subscribe(LeedsWatchOf(child, household, 1), &sink);
  ASSERT_THAT(id.status(), IsOk());
  while (live_->Prime(*id)) {
  }
  v1::UpdateAdopterRequest update;
  update.mutable_adopter()->set_name(household.name());
  update.mutable_adopter()->set_min_age_months(48);
  update.mutable_adopter()->set_max_age_months(120);
  update.mutable_update_mask()->add_paths("min_age_months");
  update.mutable_update_mask()->add_paths("max_age_months");
  update.set_request_id(NextRequestId());
  ASSERT_THAT(registry_->UpdateAdopter(leeds_, update).status(), IsOk());
  ASSERT_THAT(sink.alerts, ::testing::SizeIs(1));
  EXPECT_EQ(sink.alerts[0].child(), child.name());
  EXPECT_EQ(sink.alerts[0].adopter(), household.name());
  live_->Unsubscribe(*id);
}

}  // namespace
}  // namespace raa
