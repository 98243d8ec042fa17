// What decides whether a ranking runs on gRPC's thread or on the worker
// pool: its estimated run cost, not the size of the pool it searches.
//
// A search answered on the thread gRPC called the handler on saves the hand-
// over to a worker (a wake-up of each, tens of microseconds), but holds that
// thread, one of the few that serve every call, for as long as it runs. So
// a search runs there only when it is expected to take at most a budget
// (Matching::kInlineBudgetNanos): a ranking of 1,000 households takes tens
// of microseconds; one of 100,000 or of a large child pool, milliseconds,
// and those go to the pool.
//
// The estimate, per side (households ranked for a child, children for a
// household):
//
//   cost = kFixedNanos + rows * kRowNanos + candidates * ns_per_candidate
//
// where `candidates` is the other side's pool (every one is scanned),
// `rows` the explained rows of the page (their reasons are built), and
// ns_per_candidate is measured: every search (inline or on the pool) reports
// how long it took by the clock, and the estimate is the cheapest of the
// side's last kWindow searches. On a busy machine a search descheduled
// mid-way takes many times its cost by the clock; descheduling only ever
// adds time, so the cheapest of the last few is the kernel as it is, on
// this machine, with this consortium. (The estimate used to rise at once
// with any slower search: with both cores busy a few descheduled searches
// sent every explained ranking of 1,000 households to the pool, where the
// hand-over costs more than the search. The thread's CPU time would not be
// fooled, but reading it is a system call, 1.3 us, twice a search.) A
// kernel that really got slower raises it after kWindow searches. It never
// falls below kFloorPicos (1 ns a candidate, what a scan that skips nothing
// costs at least), so a run of cheap searches (a sibling group counted from
// block summaries) cannot talk it down until a broad search of a million
// households runs on gRPC's thread. Searches of small pools (under
// kMinMeasuredPool candidates) are not measured: their time is mostly fixed
// costs, not scanning.
//
// Thread-safe: relaxed atomics; two searches reporting at once may lose one
// observation, which is harmless.
#ifndef RAAMATCH_SERVICES_MATCHING_RUN_COST_H_
#define RAAMATCH_SERVICES_MATCHING_RUN_COST_H_

#include <array>
#include <atomic>
#include <cstdint>

namespace raa {

enum class RankSide : uint8_t { kHouseholds, kChildren };

class RunCost {
 public:
  // Costs that do not grow with the pool: the index lookups and the page
  // token (kFixedNanos), and building one explained row's eight components
  // and their reasons (kRowNanos).
  static constexpr int64_t kFixedNanos = 5'000;
  static constexpr int64_t kRowNanos = 3'000;
  static constexpr int64_t kMinMeasuredPool = 256;
  // Where the estimates start, before any search was measured: a scan of
  // households (packed columns) and of child profiles, with scoring.
  static constexpr int64_t kInitialHouseholdPicos = 12'000;  // 12 ns
  static constexpr int64_t kInitialChildPicos = 40'000;      // 40 ns
  static constexpr int64_t kFloorPicos = 1'000;
  // The searches of a side the estimate is the cheapest of.
  static constexpr int kWindow = 4;

  RunCost();

  // The expected nanoseconds of a search of `candidates` with `rows`
  // explained rows.
  int64_t EstimateNanos(RankSide side, int64_t candidates, int rows) const;
  // A search of `candidates` with `rows` explained rows took `nanos`.
  void Observe(RankSide side, int64_t candidates, int rows, int64_t nanos);
  // The current estimate per candidate, in picoseconds.
  int64_t PicosPerCandidate(RankSide side) const;

 private:
  struct Side {
    std::array<std::atomic<int64_t>, kWindow> recent;  // picos a candidate
    std::atomic<uint32_t> next{0};                     // the slot to write
    std::atomic<int64_t> estimate;                     // the least of recent
  };
  std::array<Side, 2> sides_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_MATCHING_RUN_COST_H_
