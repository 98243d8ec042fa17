#!/usr/bin/env bash
# grpc_bench.sh: RankAdopters and RankChildren, in the views BASIC, FULL and
# FULL_TEXT, against the empty call (the health check) on the same server,
# over loopback, at 1,000 and 10,000 households, driven by h2load (raw gRPC
# frames over HTTP/2) and by raa-loadgen (the gRPC C++ client), with the
# server's CPU time per call.
#
#   bench/grpc_bench.sh                            # the figures of issue 11's aims
#   bench/grpc_bench.sh --pin                      # server on one core, client on the other
#   bench/grpc_bench.sh --client h2load --sizes 1000 --runs 1 --calls 2000   # a quick check
#   bench/grpc_bench.sh --port 50099 --keep /tmp/gb   # a fixed port; keep the logs
#   bench/grpc_bench.sh --tls                      # over TLS (a self-signed certificate)
#   bench/grpc_bench.sh --client h2load --floor     # and the floor: gRPC answering the same bytes
#
# For each size (--sizes): starts raamatchd on a new database in a temporary
# directory (127.0.0.1, --port or a port it picks), registers a synthetic
# consortium through the API with raa-demo (--adopters N --children 300) and
# takes a member's registrar + family-finder key. For h2load, raa-loadgen
# --write-request writes each search's request (the child, or the household,
# whose ranking has the median number of eligible candidates; h2load sends
# the same bytes on every call) and checks it with one call.
#
# Then --runs rounds (default 3). In each round, for each client (--client
# h2load|loadgen|both), the health check and the searches alternate in one
# sequence:
#
#   health, rank basic, health, rank full, health, rank full-text, health,
#   children basic, health, children full, health, children full-text, health
#
# (rank = RankAdopters for waiting children, children = RankChildren for
# approved households, page size 20, no result cache on the server), each a
# run of --calls calls. Every search is compared with the mean of the two
# health runs beside it: its rate as a percentage of theirs, and its server
# CPU per call as a multiple of theirs. Server CPU per call: utime + stime of
# /proc/<raamatchd pid>/stat (every thread) over the run, divided by its
# calls (h2load: read by this script around the h2load process, after a
# separate warm-up run; raa-loadgen: read by raa-loadgen itself around its
# counted calls, --server-pid). Client CPU per call: /usr/bin/time around
# h2load, getrusage in raa-loadgen.
#
# h2load: --connections x --h2-streams concurrent streams (default 4 x 8),
# POST with content-type application/grpc, te: trailers and the key; one
# thread. h2load counts HTTP status only, and gRPC reports errors in
# trailers, so a run counts as good only if every call succeeded (HTTP) and
# the DATA bytes per call equal the checked response's (5-byte frame prefix
# included): an error response carries no message. Latency percentiles from
# h2load's --log-file.
#
# raa-loadgen: --streams threads, each its own channel and connection, one
# blocking call after another (responses parsed, as a client does;
# --no-parse takes them as bytes), targets drawn at random from every
# waiting child or the first 2,000 approved households.
#
# --tls: the server gets a self-signed certificate for 127.0.0.1 (openssl,
# made in the temporary directory): raa-demo and raa-loadgen trust it
# (--ca), h2load connects over TLS with ALPN h2 (it verifies nothing).
# Without it every call is plaintext HTTP/2 on loopback.
#
# --pin: the server on the first half of the CPUs, the load generator (and
# raa-demo) on the second half (taskset; on 2 cores: one each). Without it
# they share every core, as on most development machines. --server-cpus /
# --client-cpus choose the lists.
#
# --floor (h2load only): beside raamatchd, raa-grpc-floor (bench/grpc_floor.cc)
# answers each search's request with the response raamatchd gave it
# (raa-loadgen --write-response), doing nothing else: no key checked,
# nothing parsed, ranked, audited or serialised. In each round, after
# raamatchd's sequence, the same sequence runs against it ("floor health",
# "floor rank basic", ...). Its searches, as a percentage of raamatchd's
# health runs in the round, are the most any implementation of the method
# on this gRPC could reach; what raamatchd spends above them is its own.
#
# Prints, per size, client and call: calls/s, p50/p99 and the percentage of
# health's rate (min, median and max over the rounds), server and client CPU
# per call and bytes per response (medians), then the aims of issue 11,
# met or not on the median, with the worst round beside it.
#
# Bounded: every step has a time limit; loopback only; the server is stopped
# (SIGTERM, by its pid) however the script ends. Needs the build's raamatchd,
# raa-demo and raa-loadgen (ninja -C build raamatchd raa-demo raa-loadgen),
# h2load (Debian's nghttp2-client, scripts/install-deps.sh) unless
# --client loadgen, python3, taskset (util-linux) with --pin, /usr/bin/time
# (optional: client CPU of h2load).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
port=0
client=both
sizes="1000 10000"
runs=3
calls=20000
warmup=100
streams=4
connections=4
h2_streams=8
methods="rank children"
views="basic full full-text"
children=300
workers=""
pin=no
server_cpus=""
client_cpus=""
no_parse=no
floor=no
tls=no
keep=""
extra_server_args=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --build DIR         the build directory (default: the source's build/)
  --port P            the server's port on 127.0.0.1 (default 0: one it picks)
  --client C          h2load, loadgen or both (default ${client})
  --sizes "N..."      households (default "${sizes}")
  --runs R            rounds (default ${runs})
  --calls N           calls per run, every stream together (default ${calls})
  --warmup W          uncounted calls before each run (default ${warmup};
                      raa-loadgen: per stream)
  --streams S         raa-loadgen's streams (default ${streams})
  --connections C     h2load's connections (default ${connections})
  --h2-streams M      h2load's concurrent streams per connection (default ${h2_streams})
  --methods "M..."    rank, children (default "${methods}")
  --views "V..."      basic, full, full-text (default "${views}")
  --children N        children in the consortium (default ${children})
  --workers W         the server's --workers
  --pin               pin the server and the client to separate CPUs
  --server-cpus LIST  taskset CPU list for the server (implies --pin)
  --client-cpus LIST  taskset CPU list for the client (implies --pin)
  --no-parse          raa-loadgen takes responses as bytes
  --tls               serve over TLS with a self-signed certificate
  --floor             also measure raa-grpc-floor, gRPC answering the same
                      bytes (h2load only; not with --tls)
  --server-arg ARG    passed to raamatchd (repeatable)
  --keep DIR          copy the logs and outputs to DIR at the end
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --client) client="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --h2-streams) h2_streams="$2"; shift 2 ;;
    --methods) methods="$2"; shift 2 ;;
    --views) views="$2"; shift 2 ;;
    --children) children="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --pin) pin=yes; shift ;;
    --server-cpus) server_cpus="$2"; pin=yes; shift 2 ;;
    --client-cpus) client_cpus="$2"; pin=yes; shift 2 ;;
    --no-parse) no_parse=yes; shift ;;
    --tls) tls=yes; shift ;;
    --floor) floor=yes; shift ;;
    --server-arg) extra_server_args+=("$2"); shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "grpc_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "grpc_bench.sh: $*" >&2; exit 2; }
case "$client" in
  h2load) clients=(h2load) ;;
  loadgen) clients=(loadgen) ;;
  both) clients=(h2load loadgen) ;;
  *) die "--client must be h2load, loadgen or both" ;;
esac
[[ "$port" =~ ^[0-9]+$ && "$port" -le 65535 ]] || die "--port must be 0-65535"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || die "--calls must be a positive number"
for m in $methods; do
  [[ "$m" == rank || "$m" == children ]] || die "unknown method $m (rank, children)"
done
for v in $views; do
  [[ "$v" == basic || "$v" == full || "$v" == full-text ]] ||
    die "unknown view $v (basic, full, full-text)"
done
if [[ "$floor" == yes ]]; then
  [[ "$client" == h2load ]] || die "--floor needs --client h2load"
  [[ "$tls" == no ]] || die "--floor serves plain text: not with --tls"
fi
# raa-loadgen's calls per stream: --calls spread over the streams.
(( calls >= streams )) || die "--calls must be at least --streams"
loadgen_calls=$(( calls / streams ))

server_bin="${build}/services/raamatchd"
demo_bin="${build}/bench/raa-demo"
loadgen_bin="${build}/clients/raa-loadgen"
floor_bin="${build}/bench/raa-grpc-floor"
bins=("$server_bin" "$demo_bin" "$loadgen_bin")
[[ "$floor" == no ]] || bins+=("$floor_bin")
for bin in "${bins[@]}"; do
  if [[ ! -x "$bin" ]]; then
    echo "grpc_bench.sh: missing $bin (ninja -C build raamatchd raa-demo raa-loadgen raa-grpc-floor)" >&2
    exit 1
  fi
done
if [[ " ${clients[*]} " == *" h2load "* ]] && ! command -v h2load >/dev/null; then
  echo "grpc_bench.sh: h2load is missing (apt-get install nghttp2-client," \
    "or scripts/install-deps.sh); or use --client loadgen" >&2
  exit 1
fi
command -v python3 >/dev/null || { echo "grpc_bench.sh: python3 is missing" >&2; exit 1; }

# Pinning: the commands' prefixes.
server_pin=()
client_pin=()
if [[ "$pin" == yes ]]; then
  command -v taskset >/dev/null || { echo "grpc_bench.sh: --pin needs taskset" >&2; exit 1; }
  ncpu=$(nproc)
  (( ncpu >= 2 )) || die "--pin needs at least 2 CPUs"
  half=$(( ncpu / 2 ))
  # "a-b", or "a" when the range is one CPU.
  cpu_range() { if (( $1 == $2 )); then echo "$1"; else echo "$1-$2"; fi; }
  [[ -n "$server_cpus" ]] || server_cpus="$(cpu_range 0 $(( half - 1 )))"
  [[ -n "$client_cpus" ]] || client_cpus="$(cpu_range "$half" $(( ncpu - 1 )))"
  server_pin=(taskset -c "$server_cpus")
  client_pin=(taskset -c "$client_cpus")
fi
timer=()
if [[ -x /usr/bin/time ]]; then timer=(/usr/bin/time -f '%U %S'); fi

work="$(mktemp -d "${TMPDIR:-/tmp}/grpc_bench.XXXXXX")"
. "${here}/lib.sh"
bench_listen_port="$port"
bench_server_prefix=(${server_pin[@]+"${server_pin[@]}"})
floor_pid=""
cleanup() {
  bench_stop "$floor_pid"
  bench_stop_server
  if [[ -n "$keep" ]]; then
    mkdir -p "$keep" && cp -r "$work"/. "$keep"/ 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# TLS: a self-signed certificate for 127.0.0.1, trusted by our clients.
scheme=http
tls_server_args=()
tls_client_args=()
if [[ "$tls" == yes ]]; then
  command -v openssl >/dev/null || { echo "grpc_bench.sh: --tls needs openssl" >&2; exit 1; }
  mkdir -p "${work}/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "${work}/tls/server.key" -out "${work}/tls/server.crt" -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >"${work}/tls/openssl.log" 2>&1 ||
    { cat "${work}/tls/openssl.log" >&2; exit 1; }
  scheme=https
  tls_server_args=(--tls-cert "${work}/tls/server.crt" --tls-key "${work}/tls/server.key")
  tls_client_args=(--ca "${work}/tls/server.crt")
fi

clk_tck=$(getconf CLK_TCK)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# utime + stime of the server (every thread), in clock ticks: raamatchd's,
# or the floor's while its runs are measured (ticks_pid).
ticks_pid=""
server_ticks() {
  sed 's/^.*) //' "/proc/${ticks_pid:-$server_pid}/stat" | awk '{ print $12 + $13 }'
}

# The value of key=value field $2 in the line of file $1 starting with $3
# (default `result:`).
field() {
  grep "^${3:-result:}" "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

results="${work}/results.tsv"
printf 'size\tclient\tround\tseq\tcall\tcalls_per_s\tp50_ms\tp99_ms\tserver_us\tclient_us\tbytes\n' \
  >"$results"

# One h2load run of --calls calls: $1 the output's stem, $2 the call's name,
# $3 the gRPC path, $4 the framed request, $5 the expected DATA bytes per
# call. Appends a row to the results.
h2load_run() {
  local stem="$1" name="$2" path="$3" request="$4" want="$5"
  local args=(-c "$connections" -m "$h2_streams" -t 1 -d "$request"
    -H 'content-type: application/grpc' -H 'te: trailers'
    -H "authorization: Bearer ${key}" "${scheme}://${address}${path}")
  local warm=$(( warmup * connections ))
  (( warm >= connections )) || warm=$connections
  timeout 600 ${client_pin[@]+"${client_pin[@]}"} h2load -n "$warm" "${args[@]}" >"${stem}.warm" 2>&1 ||
    { cat "${stem}.warm" >&2; echo "grpc_bench.sh: h2load warm-up failed" >&2; exit 1; }
  local t0 t1 timed=()
  if [[ ${#timer[@]} -gt 0 ]]; then timed=("${timer[@]}" -o "${stem}.time"); fi
  t0=$(server_ticks)
  timeout 900 ${client_pin[@]+"${client_pin[@]}"} ${timed[@]+"${timed[@]}"} \
    h2load -n "$calls" "${args[@]}" --log-file="${stem}.log" >"${stem}.out" 2>&1 ||
    { cat "${stem}.out" >&2; echo "grpc_bench.sh: h2load failed" >&2; exit 1; }
  t1=$(server_ticks)
  local rate succeeded data
  rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "${stem}.out")
  succeeded=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "${stem}.out")
  data=$(sed -n 's/^traffic: .*(\([0-9]*\)) data.*/\1/p' "${stem}.out")
  if [[ -z "$rate" || "$succeeded" != "$calls" ]]; then
    cat "${stem}.out" >&2
    echo "grpc_bench.sh: h2load ${name}: ${succeeded:-?} of ${calls} calls succeeded" >&2
    exit 1
  fi
  # gRPC errors come as HTTP 200 with no message: check the bytes.
  if ! python3 -c "import sys; d, n, e = map(int, sys.argv[1:]); sys.exit(0 if abs(d / n - e) <= 0.01 * e else 1)" \
      "$data" "$calls" "$want"; then
    echo "grpc_bench.sh: h2load ${name}: ${data} DATA bytes for ${calls} calls, expected" \
      "${want} per call: some calls failed (gRPC status in trailers)" >&2
    exit 1
  fi
  local p50 p99 client_us=-1
  read -r p50 p99 < <(cut -f3 "${stem}.log" | sort -n | awk '
    { v[NR] = $1 }
    END { i50 = int(0.50 * (NR - 1) + 0.5) + 1; i99 = int(0.99 * (NR - 1) + 0.5) + 1;
          printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
  if [[ -s "${stem}.time" ]]; then
    client_us=$(tail -1 "${stem}.time" | awk -v n="$calls" '{ printf "%.1f", ($1 + $2) * 1e6 / n }')
  fi
  local server_us
  server_us=$(awk -v a="$t0" -v b="$t1" -v hz="$clk_tck" -v n="$calls" \
    'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
  rm -f "${stem}.log"  # per-call lines: large, and summarised here
  row_out "$name" "$rate" "$p50" "$p99" "$server_us" "$client_us" \
    "$(( data / calls ))"
}

# One raa-loadgen run: $1 the output's stem, $2 the call's name, $3... its
# arguments.
loadgen_run() {
  local stem="$1" name="$2"
  shift 2
  local extra=()
  [[ "$no_parse" == yes ]] && extra+=(--no-parse)
  timeout 900 ${client_pin[@]+"${client_pin[@]}"} "$loadgen_bin" --server "$address" --key "$key" \
    ${tls_client_args[@]+"${tls_client_args[@]}"} --streams "$streams" --calls "$loadgen_calls" --warmup "$warmup" \
    --server-pid "$server_pid" "$@" ${extra[@]+"${extra[@]}"} >"${stem}.out" 2>&1 ||
    { cat "${stem}.out" >&2; echo "grpc_bench.sh: raa-loadgen ${name} failed" >&2; exit 1; }
  row_out "$name" "$(field "${stem}.out" calls_per_s)" "$(field "${stem}.out" p50_ms)" \
    "$(field "${stem}.out" p99_ms)" "$(field "${stem}.out" server_cpu_us)" \
    "$(field "${stem}.out" client_cpu_us)" "$(field "${stem}.out" bytes_per_call)"
}

seq_no=0
row_out() {
  seq_no=$(( seq_no + 1 ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$current_client" "$round" \
    "$seq_no" "$@" >>"$results"
  printf '   %-8s round %s  %-20s %9.0f calls/s  p50 %7.3f ms  p99 %7.3f ms  server %7.1f us/call  %6s B\n' \
    "$current_client" "$round" "$1" "$2" "$3" "$4" "$5" "$7"
}

# The gRPC path of a search method.
path_of() {
  case "$1" in
    rank) echo /raa.v1.MatchingService/RankAdopters ;;
    children) echo /raa.v1.MatchingService/RankChildren ;;
  esac
}

# One health run of the current client.
run_health() {
  if [[ "$current_client" == h2load ]]; then
    h2load_run "${stem}.${seq_no}.health" health /grpc.health.v1.Health/Check \
      "${body[health]}" "${expected[health]}"
  else
    loadgen_run "${stem}.${seq_no}.health" health --method health
  fi
}

searches=()
for m in $methods; do
  for v in $views; do searches+=("${m}:${v}"); done
done

for n in $sizes; do
  dir="${work}/${n}"
  mkdir -p "$dir"
  server_args=()
  if [[ -n "$workers" ]]; then server_args+=(--workers "$workers"); fi
  server_args+=(${tls_server_args[@]+"${tls_server_args[@]}"})
  server_args+=(${extra_server_args[@]+"${extra_server_args[@]}"})
  bench_start_raamatchd "$dir" ${server_args[@]+"${server_args[@]}"}

  echo "== ${n} households: raamatchd (pid ${server_pid}) on ${address}${server_cpus:+, CPUs ${server_cpus}};" \
    "registering the consortium"
  start=$(date +%s.%N)
  timeout 900 ${client_pin[@]+"${client_pin[@]}"} "$demo_bin" --server "$address" \
    ${tls_client_args[@]+"${tls_client_args[@]}"} --key "$(cat "${dir}/bootstrap.key")" --adopters "$n" --children "$children" \
    --keys-out "${dir}/keys" >"${dir}/demo.log"
  echo "   registered in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s: $(tail -1 "${dir}/demo.log")"
  # A member's registrar + family finder key (any member may search).
  key="$(awk 'NR == 1 {print $2}' "${dir}/keys")"

  # h2load's requests, each checked with one call.
  declare -A body=() expected=()
  if [[ " ${clients[*]} " == *" h2load "* ]]; then
    printf '\0\0\0\0\0' >"${dir}/health.req"
    body[health]="${dir}/health.req"
    expected[health]=7  # the frame prefix and SERVING (2 bytes)
    for s in "${searches[@]}"; do
      m="${s%%:*}" v="${s#*:}"
      timeout 300 "$loadgen_bin" --server "$address" --key "$key" \
        ${tls_client_args[@]+"${tls_client_args[@]}"} --method "$m" --view "$v" \
        --write-request "${dir}/${m}-${v}.req" --write-response "${dir}/${m}-${v}.res" \
        >"${dir}/${m}-${v}.req.out" 2>&1 ||
        { cat "${dir}/${m}-${v}.req.out" >&2; exit 1; }
      body[$s]="${dir}/${m}-${v}.req"
      expected[$s]=$(( $(field "${dir}/${m}-${v}.req.out" response_bytes request:) + 5 ))
      echo "   h2load request ${m} ${v}: $(field "${dir}/${m}-${v}.req.out" target request:)," \
        "$(field "${dir}/${m}-${v}.req.out" response_bytes request:) response bytes"
    done
  fi

  # The floor, on the server's CPUs: every search's request and response.
  raamatchd_address="$address"
  if [[ "$floor" == yes ]]; then
    answers=()
    for s in "${searches[@]}"; do
      m="${s%%:*}" v="${s#*:}"
      answers+=(--answer "${dir}/${m}-${v}.req:${dir}/${m}-${v}.res")
    done
    ( exec ${server_pin[@]+"${server_pin[@]}"} "$floor_bin" --listen 127.0.0.1:0 \
        --port-file "${dir}/floor.port" "${answers[@]}" >"${dir}/floor.log" 2>&1 ) &
    floor_pid=$!
    bench_wait_port "$floor_pid" "${dir}/floor.port" "${dir}/floor.log"
    floor_address="127.0.0.1:$(cat "${dir}/floor.port")"
    echo "   raa-grpc-floor (pid ${floor_pid}) on ${floor_address}, answering the same bytes"
  fi

  for round in $(seq 1 "$runs"); do
    for current_client in "${clients[@]}"; do
      stem="${dir}/${current_client}.${round}"
      run_health
      for s in "${searches[@]}"; do
        m="${s%%:*}" v="${s#*:}"
        if [[ "$current_client" == h2load ]]; then
          h2load_run "${stem}.${seq_no}.${m}-${v}" "${m} ${v}" "$(path_of "$m")" \
            "${body[$s]}" "${expected[$s]}"
        else
          loadgen_run "${stem}.${seq_no}.${m}-${v}" "${m} ${v}" --method "$m" --view "$v"
        fi
        run_health
      done
    done
    if [[ "$floor" == yes ]]; then
      # The same sequence against the floor (server_ticks reads its CPU).
      ticks_pid="$floor_pid" address="$floor_address" current_client=h2load
      stem="${dir}/floor.${round}"
      h2load_run "${stem}.${seq_no}.health" "floor health" /grpc.health.v1.Health/Check \
        "${body[health]}" "${expected[health]}"
      for s in "${searches[@]}"; do
        m="${s%%:*}" v="${s#*:}"
        h2load_run "${stem}.${seq_no}.${m}-${v}" "floor ${m} ${v}" "$(path_of "$m")" \
          "${body[$s]}" "${expected[$s]}"
        h2load_run "${stem}.${seq_no}.health" "floor health" /grpc.health.v1.Health/Check \
          "${body[health]}" "${expected[health]}"
      done
      ticks_pid="" address="$raamatchd_address"
    fi
  done
  unset body expected
  bench_stop "$floor_pid"
  floor_pid=""
  bench_stop_server
done

echo
echo "RankAdopters (rank) and RankChildren (children), page size 20, no result cache," \
  "against Health/Check in the same sequence; ${calls} calls per run, ${runs} round(s);" \
  "h2load ${connections} connections x ${h2_streams} streams, raa-loadgen ${streams} streams" \
  "($( [[ "$no_parse" == yes ]] && echo "responses unparsed" || echo "responses parsed" ));" \
  "$( [[ "$floor" == yes ]] && echo "the floor (raa-grpc-floor) after raamatchd in each round; " )loopback$( [[ "$tls" == yes ]] && echo ", TLS" ), $(nproc) cores$( [[ "$pin" == yes ]] && echo ", server on CPUs ${server_cpus}, client on ${client_cpus}" || echo ", not pinned" );" \
  "load average at the start ${load_before}, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import csv, statistics, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for r in rows:
    for k in ("calls_per_s", "p50_ms", "p99_ms", "server_us", "client_us", "bytes"):
        r[k] = float(r[k])
    r["seq"] = int(r["seq"])

# Each search against the mean of the health runs beside it (same size,
# client and round).
seqs = defaultdict(list)
for r in rows:
    seqs[(r["size"], r["client"], r["round"])].append(r)
for seq in seqs.values():
    seq.sort(key=lambda r: r["seq"])
    # raamatchd's health runs of the round: the floor's yardstick too.
    server_health = [h for h in seq if h["call"] == "health"]
    for i, r in enumerate(seq):
        if r["call"] in ("health", "floor health"):
            continue
        floor_row = r["call"].startswith("floor ")
        health = "floor health" if floor_row else "health"
        beside = [seq[j] for j in (i - 1, i + 1)
                  if 0 <= j < len(seq) and seq[j]["call"] == health]
        h_rate = statistics.mean(h["calls_per_s"] for h in beside)
        h_cpu = statistics.mean(h["server_us"] for h in beside)
        r["ratio"] = 100 * r["calls_per_s"] / h_rate
        r["cpu_x"] = r["server_us"] / h_cpu if h_cpu > 0 else float("nan")
        if floor_row and server_health:
            s_rate = statistics.mean(h["calls_per_s"] for h in server_health)
            s_cpu = statistics.mean(h["server_us"] for h in server_health)
            r["ratio_server"] = 100 * r["calls_per_s"] / s_rate
            r["cpu_x_server"] = r["server_us"] / s_cpu if s_cpu > 0 else float("nan")

groups = defaultdict(list)
order = []
for r in rows:
    k = (r["size"], r["client"], r["call"])
    if k not in groups:
        order.append(k)
    groups[k].append(r)

def mmm(values, fmt):
    v = sorted(values)
    return "%s %s %s" % (fmt % v[0], fmt % statistics.median(v), fmt % v[-1])

print("%-10s %-8s %-26s %-23s %-23s %8s %8s %8s %8s %7s %6s" % (
    "households", "client", "call", "calls/s min med max", "of health min med max",
    "p50 ms", "p99 ms", "srv us", "cli us", "B/call", "xCPU"))
summary = {}
for k in order:
    g = groups[k]
    size, client, call = k
    rate = mmm([r["calls_per_s"] for r in g], "%7.0f")
    is_health = call in ("health", "floor health")
    ratio = mmm([r["ratio"] for r in g], "%6.1f%%") if not is_health else "-"
    cpu_x = ("%6.2f" % statistics.median(r["cpu_x"] for r in g)) if not is_health else "-"
    print("%-10s %-8s %-26s %-23s %-23s %8.3f %8.3f %8.1f %8.1f %7.0f %6s" % (
        size, client, call, rate, ratio,
        statistics.median(r["p50_ms"] for r in g),
        statistics.median(r["p99_ms"] for r in g),
        statistics.median(r["server_us"] for r in g),
        statistics.median(r["client_us"] for r in g),
        statistics.median(r["bytes"] for r in g), cpu_x))
    summary[k] = g
print("(min med max over the rounds; p50, p99, server and client CPU per call, "
      "bytes per response and xCPU (server CPU per call as a multiple of the "
      "health runs beside it): medians)")

print("\nAims (issue 11; RankAdopters, median of the rounds, the worst round in brackets):")
aims = [("rank full", "1000", 80), ("rank full", "10000", 60),
        ("rank basic", "1000", 90), ("rank basic", "10000", 75)]
clients = []
for (size, client, call) in order:
    if client not in clients:
        clients.append(client)
for client in clients:
    for call, size, aim in aims:
        g = summary.get((size, client, call))
        if not g:
            continue
        ratios = [r["ratio"] for r in g]
        med = statistics.median(ratios)
        print("  %-8s %-10s at %6s households: %5.1f%% of health (%5.1f%%), aim >= %d%%: %s" % (
            client, call, size, med, min(ratios), aim, "met" if med >= aim else "NOT met"))
    g = summary.get(("1000", client, "rank full"))
    if g:
        x = statistics.median(r["cpu_x"] for r in g)
        print("  %-8s rank full  at   1000 households: server CPU per call %.2fx health's"
              " (%.2fx), aim <= 1.3x: %s" % (client, x, max(r["cpu_x"] for r in g),
                                            "met" if x <= 1.3 else "NOT met"))

floor_rows = [k for k in order if k[2].startswith("floor ") and k[2] != "floor health"]
if floor_rows:
    print("\nThe floor (raa-grpc-floor answering the same bytes) against raamatchd's own"
          " health runs in the round, and what raamatchd spends above it (medians):")
    for (size, client, call) in floor_rows:
        g = summary[(size, client, call)]
        served = summary.get((size, client, call[len("floor "):]))
        rate = statistics.median(r["ratio_server"] for r in g)
        cpu = statistics.median(r["cpu_x_server"] for r in g)
        line = "  %6s households %-18s floor %5.1f%% of health's rate, %.2fx its CPU" % (
            size, call[len("floor "):], rate, cpu)
        if served:
            us = statistics.median(r["server_us"] for r in served)
            floor_us = statistics.median(r["server_us"] for r in g)
            line += "; raamatchd %.1f us/call above the floor's %.1f" % (us - floor_us, floor_us)
        print(line)
PY
