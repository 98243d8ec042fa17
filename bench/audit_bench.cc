// What the audit trail's writer pays per event: wall time per event of
// batches of 100 events recorded and flushed (one commit each), on a scratch
// database whose trail already holds --benchmark_min_time's worth of events.
// A ranking's event names its child and the 20 households it returned, drawn
// from 1,000 households and 300 children (the size grpc_bench.sh uses first);
// a GetChild's event names one child. The ratio the trail's design decides
// is a ranking's cost against a GetChild's, measured in the same run.
//
//   ninja -C build audit_bench
//   build/bench/audit_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
//
// Figures (real time per event, median of 3, 2 cores, 2 December 2026,
// nothing else running):
//
//                          record names    record numbers, by-record
//                          (migration 4)   index in sorted runs (11)
//   GetChild (1 record)     37 us           16 us
//   ranking (21 records)   639 us           56 us
//
// Numbering the names alone, with each read still written to the by-record
// table as it came, gave 402 us: a batch of 100 rankings wrote about a
// thousand pages to the WAL (strace: 10.8 pwrite calls per event) and
// checkpointed every time. Sorted runs are what took it to 56 us.
//
// Migration 16 lists each record's events once per run (audit_postings)
// instead of one row per read. Medians of 3, the two builds alternated
// twice on 3 December 2026:
//
//                          one row per read (11)   one list per run (16)
//   GetChild (1 record)     12.4 / 14.6 us          11.4 / 11.4 us
//   ranking (21 records)    63.8 / 54.8 us          41.2 / 37.2 us
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "services/audit/audit_log.h"
#include "services/server/schema.h"
#include "services/store/store.h"

namespace raa {
namespace {

constexpr int kBatch = 100;
constexpr int kHouseholds = 1000;
constexpr int kChildren = 300;

// A scratch database with the server's schema; removed at exit.
struct Scratch {
  Scratch() {
    char pattern[] = "/tmp/raa_audit_bench_XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    dir = pattern;
    path = dir + "/raamatch.db";
    absl::StatusOr<std::unique_ptr<Store>> opened =
        Store::Open(path, clock, RaamatchSchema());
    if (!opened.ok()) {
      std::cerr << opened.status() << "\n";
      std::abort();
    }
    store = std::move(*opened);
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open({.db_path = path}, clock);
    if (!log.ok()) {
      std::cerr << log.status() << "\n";
      std::abort();
    }
    audit = std::move(*log);
  }
  ~Scratch() {
    audit.reset();
    store.reset();
    std::string command = absl::StrCat("rm -rf '", dir, "'");
    if (std::system(command.c_str()) != 0) std::cerr << "cannot remove " << dir;
  }

  std::string dir;
  std::string path;
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> audit;
};

Scratch& TheScratch() {
  static Scratch* scratch = new Scratch();
  return *scratch;
}

// An event of `households` households read for one child by a Leeds key.
AuditEvent Event(std::mt19937& rng, int households) {
  AuditEvent e;
  e.key_id = "336774ed25169ddb";
  e.authority_id = "leeds";
  e.method = households > 0 ? "/raa.v1.MatchingService/RankAdopters"
                            : "/raa.v1.RegistryService/GetChild";
  e.records.push_back(
      absl::StrCat("authorities/sheffield/children/c", rng() % kChildren + 1));
  for (int i = 0; i < households; ++i) {
    e.records.push_back(
        absl::StrCat("authorities/leeds/adopters/h", rng() % kHouseholds + 1));
  }
  return e;
}

// range(0): households per event (0: a GetChild).
void BM_RecordAndFlush(benchmark::State& state) {
  const int households = static_cast<int>(state.range(0));
  AuditLog& audit = *TheScratch().audit;
  std::mt19937 rng(7);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) audit.Record(Event(rng, households));
    audit.Flush();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_RecordAndFlush)->Arg(0)->Arg(20)->UseRealTime();

}  // namespace
}  // namespace raa

BENCHMARK_MAIN();
