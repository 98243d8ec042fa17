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

}  // namespace raa::bench

#endif  // RAAMATCH_BENCH_CONSORTIUM_H_
