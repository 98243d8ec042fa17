#!/usr/bin/env bash
# grpc_bench.sh: RankAdopters against the empty call (the health check) on the
# same server, over loopback, at 1,000 and 10,000 households.
#
#   bench/grpc_bench.sh                       # 4 streams x 5,000 calls each
#   bench/grpc_bench.sh --streams 8 --calls 5000 --sizes "1000 10000"
#   bench/grpc_bench.sh --server-arg --no-audit   # what the audit trail costs
#
# For each size: starts raamatchd on a new database in a temporary directory
# (127.0.0.1, a port it picks), registers a synthetic consortium through the
# API with raa-demo (--adopters N --children 300), then runs raa-loadgen with
# the same streams and calls for `health`, then `rank` (RankAdopters for
# random waiting children, page size 20; the server has no result cache),
# then `rank --no-parse` (the same calls, responses taken as bytes: on a small
# machine the load generator shares the server's cores, and parsing 20
# explained households per call is client work), then `rank --basic` (view
# BASIC: names and scores without the reasons), and stops the server. Prints
# the rates, p50/p99 and the ratios rank/health against the aims of issue 3
# (>= 80% at 1,000 households, >= 50% at 10,000).
#
# Bounded: every step has a time limit; loopback only; the server is stopped
# (SIGTERM, by its pid) however the script ends. Needs the build's raamatchd,
# raa-demo and raa-loadgen (ninja -C build raamatchd raa-demo raa-loadgen).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
streams=4
calls=5000
warmup=50
sizes="1000 10000"
workers=""
extra_server_args=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  echo "Options: --build DIR  --streams S  --calls N  --warmup W  --sizes \"N...\"  --workers W  --server-arg ARG (repeatable)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --server-arg) extra_server_args+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "grpc_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

server_bin="${build}/services/raamatchd"
demo_bin="${build}/bench/raa-demo"
loadgen_bin="${build}/clients/raa-loadgen"
for bin in "$server_bin" "$demo_bin" "$loadgen_bin"; do
  if [[ ! -x "$bin" ]]; then
    echo "grpc_bench.sh: missing $bin (ninja -C build raamatchd raa-demo raa-loadgen)" >&2
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/grpc_bench.XXXXXX")"
. "${here}/lib.sh"
cleanup() {
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The value of key=value field $2 in the `result:` line of file $1.
field() {
  grep '^result:' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

declare -a rows=()
for n in $sizes; do
  dir="${work}/${n}"
  mkdir -p "$dir"
  server_args=()
  if [[ -n "$workers" ]]; then server_args+=(--workers "$workers"); fi
  server_args+=(${extra_server_args[@]+"${extra_server_args[@]}"})
  bench_start_raamatchd "$dir" ${server_args[@]+"${server_args[@]}"}

  echo "== ${n} households: raamatchd on ${address}; registering the consortium"
  start=$(date +%s.%N)
  timeout 900 "$demo_bin" --server "$address" --key "$(cat "${dir}/bootstrap.key")" \
    --adopters "$n" --children 300 --keys-out "${dir}/keys" >"${dir}/demo.log"
  echo "   registered in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s: $(tail -1 "${dir}/demo.log")"
  # A member's registrar + family finder key (any member may search).
  key="$(awk 'NR == 1 {print $2}' "${dir}/keys")"

  for run in health rank rank-unparsed rank-basic; do
    args=(--method rank)
    case "$run" in
      health) args=(--method health) ;;
      rank-unparsed) args+=(--no-parse) ;;
      rank-basic) args+=(--basic) ;;
    esac
    timeout 900 "$loadgen_bin" --server "$address" --key "$key" "${args[@]}" \
      --streams "$streams" --calls "$calls" --warmup "$warmup" | tee "${dir}/${run}.out"
  done
  bench_stop_server

  case "$n" in
    1000) aim=80 ;;
    10000) aim=50 ;;
    *) aim="" ;;
  esac
  h_rate=$(field "${dir}/health.out" calls_per_s)
  for run in health rank rank-unparsed rank-basic; do
    rate=$(field "${dir}/${run}.out" calls_per_s)
    ratio=$(echo "scale=4; 100 * $rate / $h_rate" | bc)
    verdict="-"
    if [[ -n "$aim" && "$run" != health ]]; then
      if (( $(echo "$ratio >= $aim" | bc) )); then verdict="met (aim >= ${aim}%)"
      else verdict="NOT met (aim >= ${aim}%)"; fi
    fi
    rows+=("$(printf '%10s %-14s %10.0f %9.3f %9.3f %8.1f%%  %s' "$n" "$run" "$rate" \
      "$(field "${dir}/${run}.out" p50_ms)" "$(field "${dir}/${run}.out" p99_ms)" \
      "$ratio" "$verdict")")
  done
done

echo
echo "RankAdopters (page size 20, no result cache) against Health/Check;" \
  "${streams} streams x ${calls} calls each, loopback, $(nproc) cores"
printf '%10s %-14s %10s %9s %9s %9s  %s\n' households call "calls/s" "p50 ms" "p99 ms" \
  "of health" aim
for row in "${rows[@]}"; do echo "$row"; done
