// Speed and memory of the candidate index: one waiting child ranked against
// 1k / 10k / 100k / 1M synthetic households with realistic distributions
// (DESIGN.md, "Realistic numbers": most adopters approved for one child
// under five; many would not consider significant needs; few approved for
// three), and bytes held per household.
//
//   matcher_bench                      # all sizes, Google Benchmark output
//   matcher_bench --benchmark_filter=RankHouseholds/1000000

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "matcher/candidate_index.h"

namespace raa::matcher {
namespace {

constexpr int32_t kToday = 19723;  // 2024-01-01
constexpr int kAuthorities = 15;   // Yorkshire and Humber: 15 LAs
constexpr int kRegions = 40;

class Consortium {
 public:
  explicit Consortium(uint32_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  void AddAuthorities(CandidateIndex& index) {
    for (int i = 0; i < kAuthorities; ++i) {
      (void)index.UpsertAuthority(
          {absl::StrCat("la-", i), AuthorityKind::kLocalAuthority, false});
    }
    for (int i = 0; i < 3; ++i) {
      (void)index.UpsertAuthority({absl::StrCat("vaa-", i),
                                   AuthorityKind::kVoluntaryAdoptionAgency,
                                   false});
    }
  }
  std::string AnAuthority() {
    return Chance(0.15) ? absl::StrCat("vaa-", Uniform(0, 2))
                        : absl::StrCat("la-", Uniform(0, kAuthorities - 1));
  }
  std::string ARegion() {
    return absl::StrCat("region-", Uniform(0, kRegions - 1));
  }

  Household AHousehold(uint64_t key) {
    Household h;
    h.key = key;
    h.authority = AnAuthority();
    h.available = Chance(0.8);
    // Most approved for one, some for two, few for three or more.
    const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    h.approved_for = r < 0.70 ? 1 : r < 0.93 ? 2 : r < 0.99 ? 3 : 4;
    // Most want a child under five.
    h.min_age_months = Chance(0.7) ? 0 : Uniform(0, 36);
    h.max_age_months = Chance(0.75)
                           ? Uniform(h.min_age_months, 60)
                           : Uniform(std::max(h.min_age_months, 48), 144);
    h.sex_preference = Chance(0.75)   ? SexPreference::kAny
                       : Chance(0.55) ? SexPreference::kFemale
                                      : SexPreference::kMale;
    // Many would not consider significant needs.
    for (NeedLevel& l : h.max_need) {
      const double n = std::uniform_real_distribution<double>(0, 1)(rng_);
      l = n < 0.25   ? NeedLevel::kNone
          : n < 0.70 ? NeedLevel::kMild
          : n < 0.92 ? NeedLevel::kModerate
                     : NeedLevel::kSevere;
    }
    h.region = ARegion();
    for (int n = Chance(0.3) ? Uniform(1, 3) : 0; n > 0; --n) {
      h.excluded_regions.push_back(ARegion());
    }
    h.dual_approved = Chance(0.15);
    h.max_contact = static_cast<ContactPlan>(Uniform(0, 2));
    h.heritage_mask = uint32_t{1} << (Chance(0.8) ? 0 : Uniform(1, 17));
    h.religion = static_cast<uint8_t>(Chance(0.5) ? 0 : Uniform(1, 8));
    h.languages.push_back("English");
    if (Chance(0.1))
      h.languages.push_back(absl::StrCat("lang-", Uniform(0, 30)));
    h.approved_day = kToday - Uniform(0, 700);
    return h;
  }

  // The waiting child of the benchmark: a typical child-led search, a
  // two-year-old with one mild need (realistic eligible share), in
  // region-0, excluded from region-1.
  ChildGroup TheChild() {
    ChildGroup g;
    g.key = 1;
    g.authority = "la-0";
    g.waiting = true;
    ChildMember m;
    m.age_months = 26;
    m.sex = Sex::kMale;
    m.needs[static_cast<int>(NeedCategory::kAttachmentDifficulties)] =
        NeedLevel::kMild;
    m.heritage_mask = 1;
    m.first_language = "English";
    g.members.push_back(m);
    g.region = "region-0";
    g.excluded_regions = {"region-1"};
    g.contact_plan = ContactPlan::kLetterbox;
    g.waiting_since_day = kToday - 300;
    return g;
  }

  // A sibling group of three: few households can take them.
  ChildGroup ThreeSiblings() {
    ChildGroup g = TheChild();
    g.key = 2;
    g.members.push_back(g.members[0]);
    g.members.back().age_months = 50;
    g.members.push_back(g.members[0]);
    g.members.back().age_months = 8;
    g.members.back().sex = Sex::kFemale;
    return g;
  }

 private:
  std::mt19937 rng_;
};

// One index per size (and layout), built once and shared by the
// benchmarks; `reorganized`: CandidateIndex::Reorganize() after the build,
// as the server does after loading.
CandidateIndex& IndexOf(int households, bool reorganized = true) {
  static std::map<std::pair<int, bool>, std::unique_ptr<CandidateIndex>> cache;
  std::unique_ptr<CandidateIndex>& slot = cache[{households, reorganized}];
  if (!slot) {
    slot = std::make_unique<CandidateIndex>();
    Consortium gen(42);
    gen.AddAuthorities(*slot);
    for (int i = 0; i < households; ++i) {
      (void)slot->UpsertHousehold(gen.AHousehold(100000 + i));
      if (gen.Chance(0.05)) slot->SetOpenLinks(100000 + i, gen.Uniform(1, 7));
    }
    (void)slot->UpsertChild(gen.TheChild());
    (void)slot->UpsertChild(gen.ThreeSiblings());
    if (reorganized) slot->Reorganize();
  }
  return *slot;
}

void Rank(benchmark::State& state, uint64_t child_key, bool reorganized = true,
          bool explain = true) {
  const CandidateIndex& index =
      IndexOf(static_cast<int>(state.range(0)), reorganized);
  const MatchingPolicy policy;
  const CandidateIndex::RankOptions options{
      .limit = 20, .min_score = 0, .as_of_day = kToday};
  int eligible = 0;
  for (auto _ : state) {
    absl::StatusOr<RankResult> r =
        index.RankHouseholds(child_key, policy, options, explain);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    eligible = r->eligible;
    benchmark::DoNotOptimize(r->candidates.data());
  }
  state.counters["households"] = static_cast<double>(index.household_count());
  state.counters["eligible"] = eligible;
  state.counters["bytes_per_household"] =
      static_cast<double>(index.MemoryBytes()) /
      static_cast<double>(index.household_count());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_RankHouseholds(benchmark::State& state) { Rank(state, 1); }
void BM_RankHouseholdsSiblingGroup(benchmark::State& state) { Rank(state, 2); }
// Without the reasons of the 20 returned (RankAdopters' basic view).
void BM_RankHouseholdsBasic(benchmark::State& state) {
  Rank(state, 1, true, false);
}
// The same in insertion order (no Reorganize): the summaries of mixed blocks.
void BM_RankHouseholdsUnsorted(benchmark::State& state) {
  Rank(state, 1, false);
}
BENCHMARK(BM_RankHouseholdsUnsorted)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_Reorganize(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    CandidateIndex& index = IndexOf(static_cast<int>(state.range(0)), false);
    state.ResumeTiming();
    index.Reorganize();
  }
}
BENCHMARK(BM_Reorganize)
    ->Arg(1000000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_RankHouseholds)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RankHouseholdsBasic)
    ->Arg(1000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RankHouseholdsSiblingGroup)
    ->Arg(1000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

// Family-led: one household against state.range(0) child groups (a mix of
// ages, needs, authorities and a few sibling groups, some of which may be
// placed apart); state.range(1) = 1 builds the reasons of the 20 returned.
void BM_RankChildren(benchmark::State& state) {
  CandidateIndex index;
  Consortium gen(7);
  gen.AddAuthorities(index);
  for (int i = 0; i < state.range(0); ++i) {
    ChildGroup g = gen.Chance(0.1) ? gen.ThreeSiblings() : gen.TheChild();
    g.key = 10 + i;
    g.may_be_placed_apart = g.members.size() > 1 && gen.Chance(0.5);
    g.waiting = gen.Chance(0.9);
    for (ChildMember& m : g.members) m.age_months = gen.Uniform(0, 100);
    g.authority = absl::StrCat("la-", gen.Uniform(0, kAuthorities - 1));
    (void)index.UpsertChild(g);
  }
  Household h = gen.AHousehold(5);
  h.available = true;
  h.approved_for = 2;
  h.max_age_months = 100;
  h.excluded_regions.clear();
  for (NeedLevel& l : h.max_need) l = NeedLevel::kModerate;
  (void)index.UpsertHousehold(h);
  const MatchingPolicy policy;
  const bool explain = state.range(1) != 0;
  int eligible = 0;
  for (auto _ : state) {
    absl::StatusOr<RankResult> r = index.RankChildren(
        5, policy, {.limit = 20, .as_of_day = kToday}, {}, explain);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    eligible = r->eligible;
    benchmark::DoNotOptimize(r);
  }
  state.counters["eligible"] = eligible;
  state.counters["ns_per_child"] =
      benchmark::Counter(static_cast<double>(state.range(0)),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
}
BENCHMARK(BM_RankChildren)
    ->Args({2000, 1})
    ->Args({2000, 0})
    ->Args({100000, 0})
    ->Args({1000000, 0})
    ->Unit(benchmark::kMicrosecond);

void BM_UpsertHousehold(benchmark::State& state) {
  CandidateIndex& index = IndexOf(100000);
  Consortium gen(9);
  uint64_t key = 100000;
  for (auto _ : state) {
    const Household h = gen.AHousehold(key);
    benchmark::DoNotOptimize(index.UpsertHousehold(h));
    key = 100000 + (key + 7919) % 100000;
  }
}
BENCHMARK(BM_UpsertHousehold);

}  // namespace
}  // namespace raa::matcher

BENCHMARK_MAIN();
