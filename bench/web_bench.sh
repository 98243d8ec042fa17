#!/usr/bin/env bash
# web_bench.sh: the web console's page time (issue 10, "Figures"): the child
# page with 100 ranked households and the balances page (/ledger), under 20
# concurrent signed-in sessions, against GET /sign-in (a page with no API
# call) measured in the same run.
#
#   bench/web_bench.sh                         # 100 households, 20 sessions
#   bench/web_bench.sh --households 300 --sessions 40 --requests 50 --rounds 5
#   bench/web_bench.sh --web-threads 8         # raa-web's HTTP worker threads
#   bench/web_bench.sh --raa-web FILE          # another raa-web program
#
# Starts raamatchd on a new database in a temporary directory and raa-web in
# front of it (127.0.0.1, ports they pick), then runs web_bench: it loads two
# members, --households households that all rank for one waiting child and
# --placements placed children (fees on the balances page) through the gRPC
# API, signs --sessions keys in to raa-web, and drives --sessions clients at
# once, each on its own keep-alive connection and --requests requests in a
# row, on each page in turn, --rounds times. It prints, per page, the rate
# and min / median / p99 of the page time raa-web reports (Server-Timing:
# app;dur, the handler with its API calls and rendering) and of the client's
# time (queueing included), and each median against the baseline's. Figures,
# no assertions. Stops both programs.
#
# Bounded: every step has a time limit; loopback only; both programs are
# stopped (SIGTERM, by their pids) however the script ends. Needs the build's
# raamatchd, raa-web and web_bench
# (ninja -C build raamatchd raa-web web_bench).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
households=100
placements=12
sessions=20
requests=25
rounds=3
web_threads=""
web_bin=""
keep=""

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  echo "Options: --build DIR  --households N  --placements P  --sessions S  --requests R  --rounds K  --web-threads T  --raa-web FILE  --keep DIR"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --households) households="$2"; shift 2 ;;
    --placements) placements="$2"; shift 2 ;;
    --sessions) sessions="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --web-threads) web_threads="$2"; shift 2 ;;
    --raa-web) web_bin="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "web_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

server_bin="${build}/services/raamatchd"
web_bin="${web_bin:-${build}/clients/web/raa-web}"
bench_bin="${build}/bench/web_bench"
for bin in "$server_bin" "$web_bin" "$bench_bin"; do
  if [[ ! -x "$bin" ]]; then
    echo "web_bench.sh: missing $bin (ninja -C build raamatchd raa-web web_bench)" >&2
    exit 1
  fi
done

. "${here}/lib.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/web_bench.XXXXXX")"
web_pid=""
stop_all() {
  bench_stop "$web_pid"
  web_pid=""
  bench_stop_server
}
cleanup() {
  stop_all
  if [[ -n "$keep" ]]; then
    mkdir -p "$keep" && cp -r "$work"/. "$keep"/
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_raamatchd "$work"

web_args=(--server "$address" --listen 127.0.0.1:0 --port-file "${work}/web.port")
if [[ -n "$web_threads" ]]; then
  web_args+=(--threads "$web_threads")
fi
"$web_bin" "${web_args[@]}" >"${work}/web.log" 2>&1 &
web_pid=$!
bench_wait_port "$web_pid" "${work}/web.port" "${work}/web.log"
web="127.0.0.1:$(tr -d '[:space:]' <"${work}/web.port")"

echo "== raamatchd on ${address}, raa-web on ${web}, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
RAA_KEY="$(cat "${work}/bootstrap.key")" timeout 1800 "$bench_bin" \
  --server "$address" --web "$web" --households "$households" \
  --placements "$placements" --sessions "$sessions" \
  --requests "$requests" --rounds "$rounds" \
  | tee "${work}/bench.out" || failed=1
echo "== load average afterwards $(cut -d' ' -f1-3 /proc/loadavg)"
stop_all
exit "$failed"
