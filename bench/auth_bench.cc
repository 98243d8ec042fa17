// The fixed cost of authenticating a call whose key is already verified:
// Authenticator::Cached (what a search answered on gRPC's thread pays) and
// Authenticate (what a call on the worker pool pays) for a cached key, with
// and without keys bound to client certificates, against the SHA-256 of a
// key alone. On a scratch store with the hub's bootstrap key; nothing here
// touches the network.
//
//   nice cmake --build build --target auth_bench
//   build/bench/auth_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (one line)
//
// Figures (CPU time per call, median of 3 runs, 2 cores at load ~15 while
// other builds ran: compare, do not quote as absolutes), 2 December 2026:
//
//                                 before    after
//   SHA-256 of a key              393-589   185 ns   (fetched once, no
//                                                     context allocation)
//   Cached, key cached            540       175 ns   (no SHA-256: exact
//   Cached, bound to certificate  555       177 ns    bytes compared)
//   Authenticate, key cached      529       139 ns
//   Authenticate, bound           561       147 ns
//   Cached, wrong secret          515       305 ns
//
// What is left of a hit (perf): CRYPTO_memcmp over the ~80 bytes (a third),
// absl::Mutex with Debian's deadlock detector (a quarter), the hash, the
// clock and the copy of the Caller.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "services/access/api_keys.h"
#include "services/auth/auth.h"
#include "services/server/schema.h"
#include "services/store/store.h"

namespace raa {
namespace {

// A scratch store with the bootstrap manager key of hub "hub".
struct Scratch {
  Scratch() {
    char pattern[] = "/tmp/raa_auth_bench_XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    dir = pattern;
    absl::StatusOr<std::unique_ptr<Store>> opened =
        Store::Open(dir + "/raamatch.db", clock, RaamatchSchema());
    if (!opened.ok()) {
      std::cerr << opened.status() << "\n";
      std::abort();
    }
    store = std::move(*opened);
    Authenticator bootstrapper(*store);
    ApiKeys keys(*store, bootstrapper, clock);
    absl::StatusOr<std::string> secret = keys.Bootstrap("hub", "england", "");
    if (!secret.ok()) {
      std::cerr << secret.status() << "\n";
      std::abort();
    }
    header = absl::StrCat("Bearer ", *secret);
  }
  ~Scratch() {
    store.reset();
    std::string command = absl::StrCat("rm -rf '", dir, "'");
    if (std::system(command.c_str()) != 0) std::cerr << "cannot remove " << dir;
  }

  std::string dir;
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::string header;
};

// Destroyed at exit, which removes the directory.
Scratch& TheScratch() {
  static Scratch scratch;
  return scratch;
}

void BM_Sha256OfAKey(benchmark::State& state) {
  const std::string key = TheScratch().header.substr(7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(Sha256(key));
  }
}
BENCHMARK(BM_Sha256OfAKey);

// `bound`: keys bound to certificates, called with the hub's certificate.
void BM_CachedHit(benchmark::State& state) {
  const bool bound = state.range(0) != 0;
  Scratch& scratch = TheScratch();
  Authenticator auth(*scratch.store, bound);
  const std::string certificate = bound ? "hub" : "";
  if (!auth.Authenticate(scratch.header, certificate).ok()) std::abort();
  for (auto _ : state) {
    std::optional<Caller> caller = auth.Cached(scratch.header, certificate);
    benchmark::DoNotOptimize(caller);
  }
  if (!auth.Cached(scratch.header, certificate).has_value()) std::abort();
}
BENCHMARK(BM_CachedHit)->Arg(0)->Arg(1);

void BM_AuthenticateHit(benchmark::State& state) {
  const bool bound = state.range(0) != 0;
  Scratch& scratch = TheScratch();
  Authenticator auth(*scratch.store, bound);
  const std::string certificate = bound ? "hub" : "";
  if (!auth.Authenticate(scratch.header, certificate).ok()) std::abort();
  for (auto _ : state) {
    absl::StatusOr<Caller> caller =
        auth.Authenticate(scratch.header, certificate);
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_AuthenticateHit)->Arg(0)->Arg(1);

// A wrong secret under a cached key id: refused without the store.
void BM_CachedMissWrongSecret(benchmark::State& state) {
  Scratch& scratch = TheScratch();
  Authenticator auth(*scratch.store);
  if (!auth.Authenticate(scratch.header).ok()) std::abort();
  std::string forged = scratch.header;
  forged.back() = forged.back() == '0' ? '1' : '0';
  for (auto _ : state) {
    std::optional<Caller> caller = auth.Cached(forged);
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_CachedMissWrongSecret);

}  // namespace
}  // namespace raa

BENCHMARK_MAIN();
