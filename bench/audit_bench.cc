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
//
// Since 4 December 2026 the bench builds its events before the timed loop
// (Record copies one, as a call builds one) and also reports CPU time
// (every thread's) and bytes read and written through system calls per
// event. The writer then kept each merge's pairs in memory instead of
// reading the events back and sorted them by radix, merged every 8,192
// events instead of 2,048, kept 32 MiB of pages instead of 2 MiB, and an
// event's names went into one buffer. Three alternated runs each,
// --benchmark_min_time=4, 2 cores:
//
//                          before                    after
//   GetChild  CPU           8.3 / 8.3 / 8.4 us        5.7 / 6.4 / 7.7 us
//             read, written 2.0 KB, 3.5 KB            0.5 KB, 2.1 KB
//   ranking   CPU           32.9 / 33.1 / 36.1 us     14.6 / 14.9 / 15.2 us
//             read, written 24.5-24.8 KB, 18.8-19 KB  4.9-5.1 KB, 8.4-8.7 KB
//
// On 5 December 2026 a search by record began taking the events not yet
// merged from the writer's memory instead of scanning their record_ids in
// SQL, and runs grew from 8,192 events to 65,536 or 2^19 reads (about
// 25,000 rankings). BM_SearchByRecord times a first page (50 events) of a
// random household's events on the trail the other benchmarks wrote. Three
// alternated runs each, --benchmark_min_time=4, 2 cores:
//
//                          runs of 8,192             longer runs
//   GetChild  CPU           6.6 / 6.7 / 6.9 us        5.7 / 6.0 / 6.0 us
//   ranking   CPU           15.1 / 15.6 / 16.2 us     11.1 / 11.4 / 11.5 us
//             read, written 5.3-5.5 KB, 8.7-8.9 KB    3.2-3.4 KB, 3.8 KB
//   search by record        1.67 / 1.68 / 1.68 ms     0.91 / 0.99 / 1.05 ms
//
// A merge took about 100 ms either way: it rewrites a page per record it
// lists. Runs of 2^20 reads gave 9.2-10.0 us and 2.6 KB, for twice the
// writer's memory.
//
// On 7 December 2026 a row of audit_events began holding a batch's run of
// events by one key, member, method and status (migration 21: here, a
// batch of 100 is two rows), and both connections were opened NOMUTEX.
// Three alternated runs each, --benchmark_min_time=2, 2 cores:
//
//                          a row per event           a row per run
//   GetChild  CPU           5.5 / 5.5 / 6.0 us        2.0 / 2.0 / 2.1 us
//             written       1.51-1.57 KB              0.63-0.65 KB
//   ranking   CPU           9.5 / 10.2 / 10.2 us      6.2 / 6.3 / 6.4 us
//             written       3.33-3.70 KB              2.83-2.91 KB
//   search by record        0.60-1.13 ms              0.76-1.17 ms
//
// What is left of a ranking's event is mostly the merges (about 40% of the
// writer's time under h2load) and numbering its 21 names.
#include <benchmark/benchmark.h>
#include <time.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

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

// Destroyed at exit, which removes the directory: a leaked one left half a
// gigabyte in /tmp each run.
Scratch& TheScratch() {
  static Scratch scratch;
  return scratch;
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

// CPU time of the whole process (every thread), in seconds.
double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Bytes the process has read and written through system calls (rchar and
// wchar of /proc/self/io): SQLite's page reads and its WAL and checkpoint
// writes.
std::pair<double, double> ProcessIoBytes() {
  std::ifstream io("/proc/self/io");
  std::string field;
  double value = 0, read = 0, written = 0;
  while (io >> field >> value) {
    if (field == "rchar:") read = value;
    if (field == "wchar:") written = value;
  }
  return {read, written};
}

// range(0): households per event (0: a GetChild).
void BM_RecordAndFlush(benchmark::State& state) {
  const int households = static_cast<int>(state.range(0));
  AuditLog& audit = *TheScratch().audit;
  std::mt19937 rng(7);
  // Events are built before the timed loop (Record copies one, as a call
  // builds one): what is measured is the trail.
  std::vector<AuditEvent> events;
  for (int i = 0; i < 64 * kBatch; ++i) {
    events.push_back(Event(rng, households));
  }
  size_t next = 0;
  const double cpu_before = ProcessCpuSeconds();
  const auto [read_before, written_before] = ProcessIoBytes();
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) {
      audit.Record(events[next]);
      next = (next + 1) % events.size();
    }
    audit.Flush();
  }
  const double cpu = ProcessCpuSeconds() - cpu_before;
  const auto [read_after, written_after] = ProcessIoBytes();
  const double n = static_cast<double>(state.iterations() * kBatch);
  state.SetItemsProcessed(state.iterations() * kBatch);
  // Every thread's CPU (the writer's above all) per event.
  state.counters["cpu_us_per_event"] = 1e6 * cpu / n;
  state.counters["read_B_per_event"] = (read_after - read_before) / n;
  state.counters["written_B_per_event"] = (written_after - written_before) / n;
}
BENCHMARK(BM_RecordAndFlush)->Arg(0)->Arg(20)->UseRealTime();

// A manager's search by record: the first page (50 events, newest first) of
// a random household's events, on the trail the benchmarks above wrote
// (about a million events, tens of thousands of them not yet merged).
void BM_SearchByRecord(benchmark::State& state) {
  AuditLog& audit = *TheScratch().audit;
  audit.Flush();
  std::mt19937 rng(13);
  v1::QueryAuditLogRequest request;
  int64_t events = 0;
  for (auto _ : state) {
    request.set_record(
        absl::StrCat("authorities/leeds/adopters/h", rng() % kHouseholds + 1));
    absl::StatusOr<v1::QueryAuditLogResponse> page = audit.Query(request);
    if (!page.ok()) {
      state.SkipWithError(std::string(page.status().message()).c_str());
      return;
    }
    events += page->events_size();
  }
  state.counters["events_per_page"] =
      static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_SearchByRecord)->UseRealTime();

}  // namespace
}  // namespace raa

BENCHMARK_MAIN();
