// The demo's and the bench's synthetic history (bench/consortium.h,
// GenerateHistory) against the journeys file's own checks and the seeds'
// figures: every row it writes is one `raa import journeys` accepts, and its
// times look like the seeds' (A1 around 450-650 days, A2 around 100-350,
// slower for sibling groups).
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "bench/consortium.h"
#include "clients/lib/import_file.h"
#include "clients/lib/journey_file.h"
#include "common/dates.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "services/journey/link_rules.h"

namespace raa {
namespace {

const absl::CivilDay kToday(2026, 11, 30);

bench::SyntheticHistory History(uint64_t seed) {
  bench::ConsortiumSpec spec{.seed = seed, .today = kToday};
  bench::SyntheticConsortium consortium = bench::GenerateConsortium(spec);
  return bench::GenerateHistory(
      {.seed = seed, .years = 3, .adoptions_per_year = 150, .today = kToday},
      consortium.authorities);
}

TEST(HistoryFileTest, TheSameSeedGivesTheSameFile) {
  bench::SyntheticHistory a = History(3), b = History(3), c = History(4);
  std::vector<std::string> children, adopters;
  for (size_t i = 0; i < a.children.size(); ++i) {
    children.push_back("authorities/x/children/c" + std::to_string(i));
  }
  for (size_t i = 0; i < a.adopters.size(); ++i) {
    adopters.push_back("authorities/y/adopters/a" + std::to_string(i));
  }
  EXPECT_EQ(bench::JourneysCsv(a, children, adopters, ""),
            bench::JourneysCsv(b, children, adopters, ""));
  EXPECT_NE(a.links.size() + a.children.size() * 1000,
            c.links.size() + c.children.size() * 1000);
}

TEST(HistoryFileTest, EveryRowIsOneTheImportAccepts) {
  bench::SyntheticHistory h = History(1);
  std::vector<std::string> children, adopters;
  for (size_t i = 0; i < h.children.size(); ++i) {
    children.push_back(absl::StrCat("authorities/", h.children[i].authority_id,
                                    "/children/c", i + 1));
  }
  for (size_t i = 0; i < h.adopters.size(); ++i) {
    adopters.push_back(absl::StrCat("authorities/", h.adopters[i].authority_id,
                                    "/adopters/a", i + 1));
  }
  std::string path = ::testing::TempDir() + "/history.csv";
  {
    std::ofstream out(path);
    out << bench::JourneysCsv(h, children, adopters, "");
  }
  absl::StatusOr<ImportFile> file = ReadImportFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(CheckHeader(file->header, JourneyColumns(), {}).ok());
  ASSERT_EQ(file->rows.size(), h.links.size() + h.milestones.size());
  int closed = 0, early = 0, milestones = 0;
  for (const ImportRow& row : file->rows) {
    ASSERT_TRUE(row.problem.empty()) << row.line << ": " << row.problem;
    absl::StatusOr<JourneyRow> journey = JourneyRowFromText(row.fields, kToday);
    ASSERT_TRUE(journey.ok())
        << "line " << row.line << ": " << journey.status();
    if (journey->type == JourneyRow::kMilestone) {
      ++milestones;
      continue;
    }
    closed += journey->link.close_reason != v1::CLOSE_REASON_UNSPECIFIED;
    early += journey->link.placement_kind != v1::PLACEMENT_KIND_ADOPTIVE;
  }
  EXPECT_GT(closed, 0);
  EXPECT_GT(early, 0);
  EXPECT_GT(milestones, 0);
}

// The server refuses a link whose dates do not fit its records'
// (link_rules::CheckRecordDates: opened not before the household's approval
// nor, unless early permanence, the child entering care; an early placement
// not before entering care; the match not before the placement order): the
// history's links all fit, so the demo's imports store every row.
TEST(HistoryFileTest, EveryLinkFitsItsRecordsDates) {
  for (uint64_t seed : {1, 2, 3}) {
    bench::SyntheticHistory h = History(seed);
    for (size_t i = 0; i < h.links.size(); ++i) {
      const bench::SyntheticHistory::Link& link = h.links[i];
      link_rules::LinkFacts facts;
      facts.placement_kind = link.placement_kind;
      for (const auto& [step, day] : link.steps)
        facts.steps.push_back({step, day});
      const v1::ChildJourney& j = h.children[link.child].child.journey();
      link_rules::RecordDates dates;
      dates.entered_care = ToCivilDay(j.entered_care());
      dates.placement_order = ToCivilDay(j.placement_order());
      dates.approved_on =
          ToCivilDay(h.adopters[link.adopter].adopter.approved_on());
      ASSERT_TRUE(dates.entered_care.has_value());
      ASSERT_TRUE(dates.approved_on.has_value());
      const std::vector<link_rules::RecordLink> one = {
          {facts, absl::StrCat("links/l", i + 1)}};
      const absl::Status s = link_rules::CheckRecordDates(dates, one);
      EXPECT_TRUE(s.ok()) << "seed " << seed << ": " << s;
    }
  }
}

TEST(HistoryFileTest, TimesLookLikeTheSeeds) {
  bench::SyntheticHistory h = History(1);
  double a1 = 0, a2 = 0, a1_groups = 0, a1_single = 0;
  int adopted = 0, with_order = 0, groups = 0, single = 0, placed_only = 0,
      open = 0;
  for (const auto& link : h.links) {
    if (link.close_reason != v1::CLOSE_REASON_UNSPECIFIED) continue;
    const v1::Child& child = h.children[link.child].child;
    if (link.steps.back().first == v1::LINK_STEP_PLACED ||
        link.steps.back().first == v1::LINK_STEP_ORDER_APPLIED) {
      ++placed_only;
    }
    if (link.steps.back().first < v1::LINK_STEP_PLACED) ++open;
    if (link.steps.back().first != v1::LINK_STEP_ORDER_GRANTED) continue;
    if (link.placement_kind != v1::PLACEMENT_KIND_ADOPTIVE) continue;
    ++adopted;
    absl::CivilDay entered = *ToCivilDay(child.journey().entered_care());
    absl::CivilDay placed = link.steps[5].second;
    absl::CivilDay match = link.steps[4].second;
    double days = static_cast<double>(placed - entered);
    a1 += days;
    (child.members_size() > 1 ? a1_groups : a1_single) += days;
    ++(child.members_size() > 1 ? groups : single);
    if (child.journey().has_placement_order()) {
      ++with_order;
      a2 += std::max<int64_t>(
          0, match - *ToCivilDay(child.journey().placement_order()));
    }
  }
  ASSERT_GT(adopted, 100);
  a1 /= adopted;
  a2 /= with_order;
  EXPECT_GT(a1, 450);
  EXPECT_LT(a1, 650);
  EXPECT_GT(a2, 100);
  EXPECT_LT(a2, 350);
  EXPECT_GT(a1_groups / groups, a1_single / single);
  EXPECT_GT(placed_only, 0);
  EXPECT_GT(open, 0);
}

}  // namespace
}  // namespace raa
