#!/usr/bin/env bash
# ledger_bench.sh: the inter-agency fee ledger (issue 9) for a 15-member
# consortium with 100,000 journal entries: GetBalances and PlanSettlement per
# call against the health check measured in the same run (interleaved), and
# Reconcile of a 10,000-row CSV.
#
#   bench/ledger_bench.sh                          # 15 members, 100,000 entries
#   bench/ledger_bench.sh --entries 10000 --placements 100 --payments 200  # a quick look
#   bench/ledger_bench.sh --threads 8 --csv-rows 10000
#
# Starts raamatchd on a new database in a temporary directory (127.0.0.1, a
# port it picks), then runs ledger_bench (bench/ledger_bench.cc): it
# registers the members and fills the journal through the API (placements
# between members, each a fee; payments recorded and confirmed; month-end
# runs posting each placement's monthly fee) to --entries, then times
# --calls rounds of
# Health/Check, GetBalances (manager and one finance officer) and
# PlanSettlement, and Reconcile of a member's books built from its journal.
# Stops the server.
#
# Bounded: every step has a time limit; loopback only; the server is stopped
# (SIGTERM, by its pid) however the script ends. Needs the build's raamatchd
# and ledger_bench (ninja -C build raamatchd ledger_bench).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
members=15
entries=100000
placements=360
payments=2000
threads=4
calls=21
csv_rows=10000
keep=""

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  echo "Options: --build DIR  --members M  --entries N  --placements P  --payments Q  --threads T  --calls C  --csv-rows R  --keep DIR"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --members) members="$2"; shift 2 ;;
    --entries) entries="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --placements) placements="$2"; shift 2 ;;
    --payments) payments="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --csv-rows) csv_rows="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "ledger_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

server_bin="${build}/services/raamatchd"
bench_bin="${build}/bench/ledger_bench"
for bin in "$server_bin" "$bench_bin"; do
  if [[ ! -x "$bin" ]]; then
    echo "ledger_bench.sh: missing $bin (ninja -C build raamatchd ledger_bench)" >&2
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/ledger_bench.XXXXXX")"
. "${here}/lib.sh"
cleanup() {
  bench_stop_server
  if [[ -n "$keep" ]]; then
    mkdir -p "$keep" && cp -r "$work"/. "$keep"/
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_raamatchd "$work"

echo "== raamatchd on ${address}, $(nproc) cores"
failed=0
RAA_KEY="$(cat "${work}/bootstrap.key")" timeout 3600 "$bench_bin" \
  --server "$address" --members "$members" --entries "$entries" \
  --placements "$placements" --payments "$payments" \
  --threads "$threads" --calls "$calls" --csv-rows "$csv_rows" \
  | tee "${work}/bench.out" || failed=1
bench_stop_server
exit "$failed"
