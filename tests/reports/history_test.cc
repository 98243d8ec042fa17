// The reports over history written into the store (tests/reports/history.h):
// the loader reads the shared SQL contract (milestones, links, steps with
// corrections applied), and a property: for generated consortia with
// history, A1/A2/A3 from Reports equal a straightforward computation over
// the raw dates.
#include "tests/reports/history.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "raa/v1/journey.pb.h"
#include "services/reports/report_rows.h"
#include "services/reports/reports.h"
#include "tests/support/held_reads.h"
#include "tests/support/scratch_domain.h"

namespace raa::test {
namespace {

using absl::CivilDay;

class ReportsHistoryTest : public ScratchDomainTest {
 protected:
  void SetUp() override {
    ScratchDomainTest::SetUp();
    history_ = std::make_unique<History>(dir_.File("raamatch.db"));
    reports_ = std::make_unique<Reports>(*store_, clock_);
  }

  // A profile of `size` children of `authority`; its row.
  int64_t NewChild(const Caller& registrar, const std::string& authority,
                   int size = 1) {
    std::vector<int> ages(size, 120);
    v1::Child child = AddChild(registrar, authority, ChildProfile(ages));
    return RowIdOf(child.name());
  }

  const v1::Indicator& Indicator(const v1::ScorecardWindow& w,
                                 const std::string& id) {
    for (const v1::Indicator& i : w.indicators()) {
      if (i.id() == id) return i;
    }
    ADD_FAILURE() << "no " << id;
    return w.indicators(0);
  }

  v1::Scorecard Scorecard(const std::string& authority, int year, int windows) {
    v1::GetScorecardRequest request;
    request.set_authority("authorities/" + authority);
    request.set_year_ending(year);
    request.set_windows(windows);
    absl::StatusOr<v1::Scorecard> card =
        reports_->GetScorecard(manager_, request);
    EXPECT_TRUE(card.ok()) << card.status();
    return card.ok() ? *card : v1::Scorecard();
  }

  std::unique_ptr<History> history_;
  std::unique_ptr<Reports> reports_;
};

TEST_F(ReportsHistoryTest, ACorrectionMovesAChildAcrossAWindow) {
  AddMember("sheffield", "south-yorkshire");
  Caller registrar = NewCaller("sheffield", {v1::ROLE_REGISTRAR});
  const int64_t row = NewChild(registrar, "sheffield");
  history_->Milestone(0, "sheffield", row, v1::MILESTONE_KIND_ENTERED_CARE,
                      CivilDay(2024, 1, 1));
  history_->Milestone(0, "sheffield", row, v1::MILESTONE_KIND_PLACEMENT_ORDER,
                      CivilDay(2024, 6, 1));
  const int64_t link =
      history_->Link("sheffield", row, "sheffield", 1,
                     v1::PLACEMENT_KIND_ADOPTIVE, v1::LINK_STATE_ADOPTED,
                     {{v1::LINK_STEP_OPENED, CivilDay(2024, 7, 1)},
                      {v1::LINK_STEP_MATCH_DECIDED, CivilDay(2024, 8, 1)},
                      {v1::LINK_STEP_PLACED, CivilDay(2024, 9, 1)},
                      {v1::LINK_STEP_ORDER_APPLIED, CivilDay(2024, 12, 1)},
                      {v1::LINK_STEP_ORDER_GRANTED, CivilDay(2026, 3, 20)}});
  v1::Scorecard before = Scorecard("sheffield", 2026, 2);
  EXPECT_EQ(Indicator(before.windows(1), "a4_adoptions_from_care").count(), 1);
  EXPECT_EQ(Indicator(before.windows(1), "a1_care_to_placement_days").value(),
            CivilDay(2024, 9, 1) - CivilDay(2024, 1, 1));

  // The order was in fact granted on 2 April: the next window.
  history_->Correct(link, v1::LINK_STEP_ORDER_GRANTED, CivilDay(2026, 3, 20),
                    CivilDay(2026, 4, 2));
  absl::StatusOr<reports::Facts> facts = report_rows::LoadFacts(*store_);
  ASSERT_TRUE(facts.ok()) << facts.status();
  ASSERT_EQ(facts->children.size(), 1u);
  EXPECT_EQ(facts->children[0].order_granted, CivilDay(2026, 4, 2));
  v1::Scorecard after = Scorecard("sheffield", 2026, 1);
  EXPECT_EQ(Indicator(after.windows(0), "a4_adoptions_from_care").count(), 0);
  EXPECT_FALSE(
      Indicator(after.windows(0), "a1_care_to_placement_days").has_value());

  // A later correction of the placement moves A1 (the latest counts).
  history_->Correct(link, v1::LINK_STEP_PLACED, CivilDay(2024, 9, 1),
                    CivilDay(2024, 9, 11));
  history_->Correct(link, v1::LINK_STEP_PLACED, CivilDay(2024, 9, 11),
                    CivilDay(2024, 9, 21));
  clock_.Advance(absl::Hours(24 * 200));  // into 2027
  v1::Scorecard later = Scorecard("sheffield", 2027, 1);
  EXPECT_EQ(Indicator(later.windows(0), "a1_care_to_placement_days").value(),
            CivilDay(2024, 9, 21) - CivilDay(2024, 1, 1));
}

// The scorecard's facts are every record of the consortium (about 250 ms
// at 10,000 links): read on a connection of its own, so they neither wait
// for the shared ones nor hold one up from the short reads.
TEST_F(ReportsHistoryTest, FactsNeedNoSharedReadConnection) {
  auto held = std::make_unique<HeldReadConnections>(*store_);
  absl::Notification loaded;
  std::thread facts([&] {
    EXPECT_THAT(report_rows::LoadFacts(*store_).status(), IsOk());
    loaded.Notify();
  });
  EXPECT_TRUE(loaded.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "the scorecard's facts waited for a shared read connection";
  held.reset();
  facts.join();
}

TEST_F(ReportsHistoryTest, ClosedLinksDoNotCountAndPlanChangesDo) {
  AddMember("leeds", "west-yorkshire");
  Caller registrar = NewCaller("leeds", {v1::ROLE_REGISTRAR});
  const int64_t row = NewChild(registrar, "leeds", 2);
  history_->Milestone(0, "leeds", row, v1::MILESTONE_KIND_ENTERED_CARE,
                      CivilDay(2023, 1, 1));
  history_->Link("leeds", row, "leeds", 1, v1::PLACEMENT_KIND_ADOPTIVE,
                 v1::LINK_STATE_CLOSED,
                 {{v1::LINK_STEP_OPENED, CivilDay(2024, 7, 1)},
                  {v1::LINK_STEP_MATCH_DECIDED, CivilDay(2024, 8, 1)}},
                 v1::CLOSE_REASON_PLAN_CHANGED, "2024-09-01");
  v1::Scorecard card = Scorecard("leeds", 2026, 1);
  EXPECT_EQ(
      Indicator(card.windows(0), "a5_plans_changed_away_from_adoption").count(),
      2);
  EXPECT_EQ(Indicator(card.windows(0), "a4_adoptions_from_care").count(), 0);
}

// The property: raw dates generated, written, and computed again here the
// plain way.
struct RawChild {
  std::string authority;
  int size;
  CivilDay entered;
  std::optional<CivilDay> order;
  bool has_link = false;
  bool ep = false;
  CivilDay matched, placed;
  std::optional<CivilDay> granted;
};

TEST_F(ReportsHistoryTest, PropertyA1A2A3EqualAPlainComputation) {
  const std::vector<std::string> members = {"york", "hull", "wakefield"};
  for (const std::string& m : members) AddMember(m, "south-yorkshire");
  std::map<std::string, Caller> registrars;
  for (const std::string& m : members) {
    registrars.emplace(m, NewCaller(m, {v1::ROLE_REGISTRAR}));
  }
  const CivilDay today(2026, 11, 1);
  // Every child of every seed so far is in the store.
  std::vector<RawChild> all;
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    auto uniform = [&](int lo, int hi) {
      return std::uniform_int_distribution<int>(lo, hi)(rng);
    };
    for (int i = 0; i < 40; ++i) {
      RawChild c;
      c.authority = members[uniform(0, 2)];
      c.size = uniform(1, 10) <= 7 ? 1 : uniform(2, 3);
      c.entered = CivilDay(2012, 1, 1) + uniform(0, 4700);
      if (uniform(1, 10) <= 8) c.order = c.entered + uniform(60, 400);
      const int64_t row =
          NewChild(registrars.at(c.authority), c.authority, c.size);
      history_->Milestone(0, c.authority, row, v1::MILESTONE_KIND_ENTERED_CARE,
                          c.entered);
      if (c.order) {
        history_->Milestone(0, c.authority, row,
                            v1::MILESTONE_KIND_PLACEMENT_ORDER, *c.order);
      }
      // Noise: a closed link with a match that must not count.
      if (uniform(1, 10) == 1) {
        history_->Link(c.authority, row, "york", 1, v1::PLACEMENT_KIND_ADOPTIVE,
                       v1::LINK_STATE_CLOSED,
                       {{v1::LINK_STEP_MATCH_DECIDED, c.entered + 10},
                        {v1::LINK_STEP_PLACED, c.entered + 20}},
                       v1::CLOSE_REASON_DISRUPTION, Iso(c.entered + 30));
      }
      if (uniform(1, 10) <= 8) {
        c.has_link = true;
        c.ep = uniform(1, 10) <= 2;
        const CivilDay base = c.order ? *c.order : c.entered + 100;
        c.matched = base + uniform(-40, 400);
        if (c.matched < c.entered) c.matched = c.entered;
        c.placed =
            c.ep ? c.entered + uniform(10, 60) : c.matched + uniform(0, 60);
        CivilDay applied = c.placed + uniform(20, 120);
        CivilDay granted = applied + uniform(30, 200);
        std::map<int, CivilDay> steps = {
            {v1::LINK_STEP_OPENED, c.matched - 30},
            {v1::LINK_STEP_MATCH_DECIDED, c.matched},
            {v1::LINK_STEP_PLACED, c.placed}};
        if (applied < today) steps[v1::LINK_STEP_ORDER_APPLIED] = applied;
        if (granted < today) {
          steps[v1::LINK_STEP_ORDER_GRANTED] = granted;
          c.granted = granted;
        }
        const int64_t link = history_->Link(
            c.authority, row, "hull", 1,
            c.ep ? v1::PLACEMENT_KIND_FOSTERING_FOR_ADOPTION
                 : v1::PLACEMENT_KIND_ADOPTIVE,
            c.granted ? v1::LINK_STATE_ADOPTED : v1::LINK_STATE_OPEN, steps);
        // Corrections: the latest one counts.
        if (uniform(1, 10) <= 3) {
          CivilDay fixed = c.placed + uniform(-5, 5);
          history_->Correct(link, v1::LINK_STEP_PLACED, c.placed,
                            c.placed + 99);
          history_->Correct(link, v1::LINK_STEP_PLACED, c.placed + 99, fixed);
          c.placed = fixed;
        }
        if (c.granted && uniform(1, 10) <= 3) {
          CivilDay fixed = *c.granted + uniform(-60, 60);
          if (fixed >= today) fixed = today - 1;
          history_->Correct(link, v1::LINK_STEP_ORDER_GRANTED, *c.granted,
                            fixed);
          c.granted = fixed;
        }
      }
      all.push_back(c);
    }
    for (const std::string& scope :
         std::vector<std::string>{"-", "york", "hull", "wakefield"}) {
      v1::Scorecard card = Scorecard(scope, 2026, 10);
      ASSERT_EQ(card.windows_size(), 10);
      for (int k = 0; k < 10; ++k) {
        const int year = 2017 + k;
        const CivilDay start(year - 3, 4, 1), end(year, 3, 31);
        double a1 = 0, a2 = 0;
        int n1 = 0, n2 = 0, within = 0;
        for (const RawChild& c : all) {
          if (scope != std::string("-") && c.authority != scope) continue;
          if (!c.has_link || !c.granted || *c.granted < start ||
              *c.granted > end) {
            continue;
          }
          CivilDay moved_in = c.placed;
          if (c.ep && c.matched > c.placed) moved_in = c.matched;
          const int64_t days = moved_in - c.entered;
          a1 += static_cast<double>(days) * c.size;
          n1 += c.size;
          if (days < 426) within += c.size;
          if (c.order) {
            const int64_t d2 = c.matched - *c.order;
            a2 += static_cast<double>(d2 < 0 ? 0 : d2) * c.size;
            n2 += c.size;
          }
        }
        const v1::ScorecardWindow& w = card.windows(k);
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " " << scope << " " << year);
        const v1::Indicator& i1 = Indicator(w, "a1_care_to_placement_days");
        const v1::Indicator& i2 = Indicator(w, "a2_order_to_match_days");
        const v1::Indicator& i3 = Indicator(w, "a3_placed_within_426_days");
        EXPECT_EQ(i1.count(), n1);
        EXPECT_EQ(i2.count(), n2);
        EXPECT_EQ(i1.has_value(), n1 > 0);
        EXPECT_EQ(i2.has_value(), n2 > 0);
        if (n1 > 0) {
          EXPECT_NEAR(i1.value(), a1 / n1, 1e-9);
          EXPECT_EQ(i3.value(), within);
        }
        if (n2 > 0) {
          EXPECT_NEAR(i2.value(), a2 / n2, 1e-9);
        }
      }
    }
  }
}

// Not a test of behaviour: the time of one GetScorecard over a consortium
// with history. Run by hand:
//   reports_history_test --gtest_also_run_disabled_tests
//     --gtest_filter='*Timing*'
TEST_F(ReportsHistoryTest, DISABLED_ScorecardTiming) {
  const int kMembers = 15, kChildren = 10000;
  std::vector<std::string> members;
  std::map<std::string, Caller> registrars;
  for (int m = 0; m < kMembers; ++m) {
    members.push_back("member" + std::to_string(m));
    AddMember(members.back(), "south-yorkshire");
    registrars.emplace(members.back(),
                       NewCaller(members.back(), {v1::ROLE_REGISTRAR}));
  }
  std::mt19937 rng(7);
  auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  for (int i = 0; i < kChildren; ++i) {
    const std::string& a = members[i % kMembers];
    const int64_t row = NewChild(registrars.at(a), a);
    CivilDay entered = CivilDay(2015, 1, 1) + uniform(0, 3000);
    history_->Milestone(0, a, row, v1::MILESTONE_KIND_ENTERED_CARE, entered);
    history_->Milestone(0, a, row, v1::MILESTONE_KIND_PLACEMENT_ORDER,
                        entered + 200);
    CivilDay matched = entered + uniform(200, 500);
    history_->Link(a, row, a, 1, v1::PLACEMENT_KIND_ADOPTIVE,
                   v1::LINK_STATE_ADOPTED,
                   {{v1::LINK_STEP_OPENED, matched - 30},
                    {v1::LINK_STEP_MATCH_DECIDED, matched},
                    {v1::LINK_STEP_PLACED, matched + 20},
                    {v1::LINK_STEP_ORDER_APPLIED, matched + 100},
                    {v1::LINK_STEP_ORDER_GRANTED, matched + 200}});
  }
  for (int round = 0; round < 3; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    v1::Scorecard card = Scorecard("-", 2026, 5);
    auto t1 = std::chrono::steady_clock::now();
    std::printf(
        "GetScorecard authorities/- (15 members, %d links, 5 "
        "windows): %.1f ms\n",
        kChildren, std::chrono::duration<double, std::milli>(t1 - t0).count());
    t0 = std::chrono::steady_clock::now();
    card = Scorecard("member3", 2026, 1);
    t1 = std::chrono::steady_clock::now();
    std::printf("GetScorecard one member, 1 window: %.1f ms\n",
                std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
}

}  // namespace
}  // namespace raa::test
