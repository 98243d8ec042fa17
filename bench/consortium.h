// A synthetic consortium for the demo and the benchmarks: member authorities,
// anonymised child profiles and adopter households, drawn from a seed with
// distributions like the seed documents' (shared/DESIGN.md, "Realistic
// numbers"): most waiting children are in sibling groups, over a quarter are
// aged five or more, about a fifth are BME, a few are disabled; most
// households want one child under five and few are approved for three.
//
//   ConsortiumSpec spec{.seed = 7, .children = 300, .adopters = 150};
//   SyntheticConsortium c = GenerateConsortium(spec);
//
// The same spec always gives the same consortium.
#ifndef RAAMATCH_BENCH_CONSORTIUM_H_
#define RAAMATCH_BENCH_CONSORTIUM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "raa/v1/journey.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa::bench {

struct ConsortiumSpec {
  uint64_t seed = 1;
  int authorities = 15;  // the first 13 are local authorities, then VAAs
  int children = 300;    // children, not profiles: groups hold several
  int adopters = 150;    // households
  absl::CivilDay today = absl::CivilDay(2026, 11, 1);
};

struct SyntheticConsortium {
  // authority_id and authority set; request_id empty.
  std::vector<v1::CreateAuthorityRequest> authorities;
  struct ChildRecord {
    std::string authority_id;
    v1::Child child;
  };
  struct AdopterRecord {
    std::string authority_id;
    v1::Adopter adopter;
  };
  std::vector<ChildRecord> children;
  std::vector<AdopterRecord> adopters;
};

SyntheticConsortium GenerateConsortium(const ConsortiumSpec& spec);

// Only the households (for benchmarks that need many): the same distribution
// as GenerateConsortium's, spread over `authority_ids` and their regions.
std::vector<SyntheticConsortium::AdopterRecord> GenerateAdopters(
    uint64_t seed, int count,
    const std::vector<v1::CreateAuthorityRequest>& authorities,
    absl::CivilDay today);

// Only child profiles (for benchmarks that need many): `count` profiles (a
// sibling group is one), waiting, with GenerateConsortium's distributions,
// owned by the local authorities of `authorities` (none if there are none).
std::vector<SyntheticConsortium::ChildRecord> GenerateChildren(
    uint64_t seed, int count,
    const std::vector<v1::CreateAuthorityRequest>& authorities,
    absl::CivilDay today);

// Past journeys for a consortium (`raa import journeys`): extra child
// profiles and households, registered today with their past dates, and the
// links between them with the date of each step, from a seed. Adoption
// orders are granted from 1 April `years` years before the last 31 March
// up to today (so the latest complete scorecard window is full), about
// `adoptions_per_year` a year across the local authorities, with times like
// the seeds' (A1 around 450-650 days, A2 around 100-350, slower for sibling
// groups, children aged five or more and BME children, each member a little
// faster or slower than the others). Besides the adoptions: children placed
// but not yet adopted, links still open at an earlier step, links closed
// with a reason (most before another link that led to adoption, a few
// disruptions and plans changed), early-permanence placements, and Annex A
// reports (some late) as milestone rows.
//
// Each link has its own household (a household adopts once). The same spec
// always gives the same history.
struct HistorySpec {
  uint64_t seed = 1;
  int years = 3;
  int adoptions_per_year = 80;
  absl::CivilDay today = absl::CivilDay(2026, 11, 1);
};

struct SyntheticHistory {
  // To register first; links refer to them by index.
  std::vector<SyntheticConsortium::ChildRecord> children;
  std::vector<SyntheticConsortium::AdopterRecord> adopters;
  struct Link {
    int child = 0;    // index into children
    int adopter = 0;  // index into adopters
    v1::PlacementKind placement_kind = v1::PLACEMENT_KIND_ADOPTIVE;
    // OPENED first, then each later step reached, in order.
    std::vector<std::pair<v1::LinkStep, absl::CivilDay>> steps;
    v1::CloseReason close_reason = v1::CLOSE_REASON_UNSPECIFIED;
    absl::CivilDay closed_on;
    std::string close_note;
  };
  // In the order to import (a child's closed links before the next one).
  std::vector<Link> links;
  struct Milestone {
    int child = 0;
    v1::MilestoneKind kind = v1::MILESTONE_KIND_UNSPECIFIED;
    absl::CivilDay date;
  };
  std::vector<Milestone> milestones;
};

SyntheticHistory GenerateHistory(
    const HistorySpec& spec,
    const std::vector<v1::CreateAuthorityRequest>& authorities);

// The journeys file (CSV, clients/lib/journey_file.h) of the history's rows
// whose child belongs to `authority` ("" for every row), given the names the
// server gave its children and households (in the history's order);
// without the milestone rows unless `milestones`.
std::string JourneysCsv(const SyntheticHistory& history,
                        const std::vector<std::string>& child_names,
                        const std::vector<std::string>& adopter_names,
                        const std::string& authority, bool milestones = true);

}  // namespace raa::bench

#endif  // RAAMATCH_BENCH_CONSORTIUM_H_
