#!/usr/bin/env bash
# journey_bench.sh: the scorecard and the overdue list on a 15-member
# consortium with 10 years of history (about 10,000 links), time per call
# against the empty call (health) and GetLink measured in the same run.
#
#   bench/journey_bench.sh                      # 10 years, ~670 adoptions a year
#   bench/journey_bench.sh --years 3 --per-year 80 --imports 2   # the demo's size
#   bench/journey_bench.sh --rounds 11 --calls 20
#   bench/journey_bench.sh --no-milestones   # links only
#
# Starts raamatchd on a new database in a temporary directory (127.0.0.1, a
# port it picks), registers the consortium and its history's profiles and
# households with raa-demo (--history-years, --history-per-year), then loads
# every member's journeys file with `raa import journeys` (--imports of them
# at a time, each member with its own key) and reports the load rate (rows
# and gRPC calls per second), then runs journey_calls: --rounds rounds of
# --calls sequential calls of Health/Check, GetLink, GetScorecard (one member,
# the consortium) and ListOverdue (one member, the consortium), printing the
# min / median / max time per call over the rounds and each median as a
# multiple of the health check's and GetLink's. Stops the server.
#
# Bounded: every step has a time limit; loopback only; the server is stopped
# (SIGTERM, by its pid) however the script ends. Needs the build's raamatchd,
# raa, raa-demo and journey_calls
# (ninja -C build raamatchd raa raa-demo journey_calls).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
years=10
per_year=670
imports=4
rounds=7
calls=10
authority=sheffield
keep=""
demo_extra=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  echo "Options: --build DIR  --years Y  --per-year N  --imports P  --rounds R  --calls C  --authority A  --keep DIR  --no-milestones"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --years) years="$2"; shift 2 ;;
    --per-year) per_year="$2"; shift 2 ;;
    --imports) imports="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --authority) authority="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --no-milestones) demo_extra+=(--no-milestone-rows); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "journey_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

server_bin="${build}/services/raamatchd"
raa_bin="${build}/clients/raa"
demo_bin="${build}/bench/raa-demo"
calls_bin="${build}/bench/journey_calls"
for bin in "$server_bin" "$raa_bin" "$demo_bin" "$calls_bin"; do
  if [[ ! -x "$bin" ]]; then
    echo "journey_bench.sh: missing $bin (ninja -C build raamatchd raa raa-demo journey_calls)" >&2
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/journey_bench.XXXXXX")"
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
manager_key="$(cat "${work}/bootstrap.key")"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

echo "== raamatchd on ${address}; registering 15 members and ${years} years of history (~${per_year} adoptions a year)"
start=$(now)
timeout 1800 "$demo_bin" --server "$address" --key "$manager_key" \
  --keys-out "${work}/keys" --history-years "$years" --history-per-year "$per_year" \
  --journeys-dir "${work}/journeys" ${demo_extra[@]+"${demo_extra[@]}"} >"${work}/demo.log"
grep '^History' "${work}/demo.log" | sed 's/^/   /'
printf '   registered in %.1f s\n' "$(since "$start")"

rows=$(cat "${work}"/journeys/*.csv | grep -c -E '^(link|milestone),' || true)
links=$(cat "${work}"/journeys/*.csv | grep -c '^link,' || true)
# gRPC calls the import makes: per link a ListLinks, an OpenLink, one
# AdvanceLink per later step and a CloseLink if closed; per milestone a
# ListMilestones and a RecordMilestone (overridden opens are a second call,
# not counted here).
rpcs=$(cat "${work}"/journeys/*.csv | awk -F, '
  $1 == "link" { n += 2; for (i = 6; i <= 12; i++) if ($i != "") n++; if ($13 != "") n++ }
  $1 == "milestone" { n += 2 }
  END { print n + 0 }')

echo "== raa import journeys: ${rows} rows (${links} links), ${imports} members at a time"
start=$(now)
failed=0
# The imports' pids (a bare `wait` would wait for the server too).
pids=()
for file in "${work}"/journeys/*.csv; do
  member=$(basename "$file" .csv)
  key=$(awk -v m="$member" '$1 == m {print $2}' "${work}/keys")
  ( RAA_KEY="$key" timeout 3600 "$raa_bin" --server "$address" import journeys "$file" \
      >"${work}/journeys/${member}.log" 2>&1 || echo "$member" >>"${work}/failed" ) &
  pids+=($!)
  if (( ${#pids[@]} >= imports )); then
    wait "${pids[0]}" || true
    pids=("${pids[@]:1}")
  fi
done
for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || true; done
load_s=$(since "$start")
if [[ -s "${work}/failed" ]]; then
  failed=1
  echo "   some rows were not imported:"
  for member in $(cat "${work}/failed"); do
    echo "   ${member}: $(tail -n 1 "${work}/journeys/${member}.log")"
    grep -m 3 -E '^(error|[A-Z_]+:|.* line [0-9]+)' "${work}/journeys/${member}.log" | sed 's/^/     /' || true
  done
fi
if [[ "$failed" == 0 ]]; then
  printf '   loaded in %.1f s: %.0f rows/s, about %.0f calls/s (%s calls)\n' "$load_s" \
    "$(echo "$rows / $load_s" | bc -l)" "$(echo "$rpcs / $load_s" | bc -l)" "$rpcs"
else
  printf '   took %.1f s, but not every row loaded: no load rate\n' "$load_s"
fi

echo "== journey_calls: ${rounds} rounds x ${calls} calls, $(nproc) cores"
timeout 1800 "$calls_bin" --server "$address" --key "$manager_key" \
  --authority "$authority" --rounds "$rounds" --calls "$calls" | tee "${work}/calls.out" \
  || failed=1
bench_stop_server
exit "$failed"
