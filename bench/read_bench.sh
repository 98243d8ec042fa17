#!/usr/bin/env bash
# read_bench.sh: the console's everyday reads against the empty call (the
# health check) on the same server, over loopback, driven by h2load: a
# child's profile (GetChild), a page of a member's children (ListChildren,
# 20 a page), the matching policy (GetMatchingPolicy) and a member's overdue
# list (ListOverdue), each with the server's CPU time per call.
#
#   bench/read_bench.sh                        # 1,000 households, 300 children
#   bench/read_bench.sh --adopters 10000 --children 3000 --runs 3
#   bench/read_bench.sh --db /tmp/big.db --key-file /tmp/big.key --member barnsley
#                                              # a database you have (a copy:
#                                              # the server migrates and writes it)
#
# Without --db: starts raamatchd on a new database in a temporary directory
# (127.0.0.1, a port it picks) and registers a synthetic consortium through
# the API with raa-demo; the calls use the first member's registrar +
# family-finder key. With --db: starts raamatchd on that file, with the key
# in --key-file (a manager key: `raamatchd --db F --issue-manager-key`) and
# the member --member.
#
# Then --runs rounds: health, get child, health, list children, health,
# policy, health, overdue, health; each a run of --calls calls (4
# connections x 8 streams; the overdue list, a heavier read, a tenth as many,
# at least 10) after an uncounted warm-up. Each read is compared with the
# mean of the two health runs beside it: its rate as a percentage of theirs,
# and its server CPU per call (utime + stime of /proc/<pid>/stat over the
# run) as a multiple of theirs. A run counts only if every call succeeded
# and every response carried the checked response's bytes (gRPC errors come
# in trailers, without a message). Prints min, median and max over rounds.
#
# Needs the build's raamatchd, raa-demo and raa (ninja -C build raamatchd
# raa-demo raa), h2load (nghttp2-client, scripts/install-deps.sh) and python3.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${here}/../build"
adopters=1000
children=300
runs=3
calls=20000
db=""
key_file=""
member=""

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --build DIR       the build directory (default: the source's build/)
  --adopters N      households of the synthetic consortium (default ${adopters})
  --children N      children of the synthetic consortium (default ${children})
  --runs R          rounds (default ${runs})
  --calls N         calls per run (default ${calls})
  --db FILE         a database of your own instead (with --key-file, --member)
  --key-file FILE   its manager key
  --member ID       the member whose children and overdue list are read
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --adopters) adopters="$2"; shift 2 ;;
    --children) children="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --db) db="$2"; shift 2 ;;
    --key-file) key_file="$2"; shift 2 ;;
    --member) member="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "read_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "read_bench.sh: $*" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
[[ "$calls" =~ ^[1-9][0-9]*$ ]] || die "--calls must be a positive number"
if [[ -n "$db" ]]; then
  [[ -f "$db" && -f "$key_file" && -n "$member" ]] ||
    die "--db needs an existing file, --key-file and --member"
fi
server_bin="${build}/services/raamatchd"
demo_bin="${build}/bench/raa-demo"
raa_bin="${build}/clients/raa"
for bin in "$server_bin" "$demo_bin" "$raa_bin"; do
  [[ -x "$bin" ]] || { echo "read_bench.sh: missing $bin (ninja -C build raamatchd raa-demo raa)" >&2; exit 1; }
done
command -v h2load >/dev/null || { echo "read_bench.sh: h2load is missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "read_bench.sh: python3 is missing" >&2; exit 1; }

. "${here}/lib.sh"
work="$(mktemp -d /tmp/read_bench.XXXXXX)"
trap 'bench_stop_server; [[ -n "${RAA_BENCH_KEEP:-}" ]] || rm -rf "$work"' EXIT

if [[ -z "$db" ]]; then
  bench_start_raamatchd "$work"
  echo "registering ${adopters} households and ${children} children (raa-demo)..."
  timeout 900 "$demo_bin" --server "$address" --key "$(cat "${work}/bootstrap.key")" \
    --adopters "$adopters" --children "$children" --keys-out "${work}/keys" \
    >"${work}/demo.log"
  member="$(awk 'NR == 1 {print $1}' "${work}/keys")"
  key="$(awk 'NR == 1 {print $2}' "${work}/keys")"
else
  ( exec "$server_bin" --db "$db" --listen 127.0.0.1:0 --port-file "${work}/port" \
      >"${work}/server.log" 2>&1 ) &
  server_pid=$!
  bench_wait_port "$server_pid" "${work}/port" "${work}/server.log"
  address="127.0.0.1:$(tr -d '[:space:]' <"${work}/port")"
  key="$(tr -d '[:space:]' <"$key_file")"
fi

# One h2load run: prints "calls/s server-us-per-call data-bytes succeeded".
h2() {  # request-file path calls
  local before after out
  before=$(awk '{print $14 + $15}' "/proc/${server_pid}/stat")
  out=$(timeout 900 h2load -n "$3" -c $(( $3 < 4 ? 1 : 4 )) -m 8 -t 1 -d "$1" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    -H "authorization: Bearer ${key}" "http://${address}$2")
  after=$(awk '{print $14 + $15}' "/proc/${server_pid}/stat")
  python3 - "$out" "$before" "$after" "$3" "$(getconf CLK_TCK)" <<'PY'
import re, sys
out, before, after, n, tck = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
rate = re.search(r"finished in .*?, ([0-9.]+) req/s", out)
ok = re.search(r"([0-9]+) succeeded", out)
data = re.search(r"\(([0-9]+)\) data", out)
print(rate.group(1) if rate else 0, (after - before) / tck * 1e6 / n,
      data.group(1) if data else 0, ok.group(1) if ok else 0)
PY
}

# The requests: raw gRPC frames (python3 writes the protobuf bytes).
python3 - "$work" "$member" <<'PY'
import sys
work, member = sys.argv[1], sys.argv[2]
def text(field, value):
    value = value.encode()
    out = bytes([(field << 3) | 2])
    n = len(value)
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80]); n >>= 7
    return out + bytes([n]) + value
def number(field, value):
    return bytes([(field << 3) | 0, value])
def frame(message):
    return b"\0" + len(message).to_bytes(4, "big") + message
def write(name, message):
    open(f"{work}/{name}.req", "wb").write(frame(message))
write("health", b"")
write("policy", b"")
write("list", text(1, f"authorities/{member}") + number(2, 20))
write("overdue", text(1, f"authorities/{member}") + number(2, 14) + number(3, 100))
PY

# A child of the member: the first of its list (the raa client).
child="$(timeout 60 "$raa_bin" --server "$address" --key "$key" --csv \
  --columns name child list --authority "$member" | sed -n 2p)"
child="${child%$'\r'}"  # CSV lines end in CR LF
# raa shows a name without its "authorities/".
[[ "$child" == */children/* ]] ||
  die "no child of ${member} to read (raa child list said: ${child})"
[[ "$child" == authorities/* ]] || child="authorities/${child}"
echo "reading ${child} and the lists of ${member}"
python3 - "$work" "$child" <<'PY'
import sys
work, name = sys.argv[1], sys.argv[2].encode()
message = b"\x0a" + bytes([len(name)]) + name
open(f"{work}/child.req", "wb").write(b"\0" + len(message).to_bytes(4, "big") + message)
PY

declare -A path=(
  [health]=/grpc.health.v1.Health/Check
  [child]=/raa.v1.RegistryService/GetChild
  [list]=/raa.v1.RegistryService/ListChildren
  [policy]=/raa.v1.MatchingService/GetMatchingPolicy
  [overdue]=/raa.v1.JourneyService/ListOverdue
)
reads=(child list policy overdue)
calls_of() { [[ "$1" == overdue ]] && echo $(( calls / 10 > 10 ? calls / 10 : 10 )) || echo "$calls"; }

# Each read's expected bytes per call, from one checked call.
declare -A bytes=()
for r in health "${reads[@]}"; do
  read -r _ _ data ok < <(h2 "${work}/${r}.req" "${path[$r]}" 1)
  [[ "$ok" == 1 && "$data" -gt 5 || "$r" == health ]] || die "${r}: the checked call failed"
  bytes[$r]=$data
done

results="${work}/results"
: >"$results"
for round in $(seq 1 "$runs"); do
  h2 "${work}/health.req" "${path[health]}" 200 >/dev/null
  read -r hrate hcpu hdata hok < <(h2 "${work}/health.req" "${path[health]}" "$calls")
  for r in "${reads[@]}"; do
    n=$(calls_of "$r")
    h2 "${work}/${r}.req" "${path[$r]}" $(( n / 20 + 1 )) >/dev/null
    read -r rate cpu data ok < <(h2 "${work}/${r}.req" "${path[$r]}" "$n")
    h2 "${work}/health.req" "${path[health]}" 200 >/dev/null
    read -r hrate2 hcpu2 hdata2 hok2 < <(h2 "${work}/health.req" "${path[health]}" "$calls")
    good=yes
    [[ "$ok" == "$n" && "$data" == $(( bytes[$r] * n )) ]] || good=no
    echo "$r $rate $cpu $hrate $hrate2 $hcpu $hcpu2 $good" >>"$results"
    hrate=$hrate2; hcpu=$hcpu2
  done
  echo "round ${round} of ${runs} done"
done

python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r, rate, cpu, h1, h2, c1, c2, good = line.split()
    if good != "yes":
        print(f"{r}: a run with failed calls or short responses, left out")
        continue
    health_rate = (float(h1) + float(h2)) / 2
    health_cpu = (float(c1) + float(c2)) / 2
    rows.setdefault(r, []).append((float(rate), 100 * float(rate) / health_rate,
                                   float(cpu), float(cpu) / health_cpu, health_cpu))
def mmm(values, fmt):
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))
print(f"{'read':8} {'calls/s':>20} {'% of health':>16} {'server us/call':>22} {'x health':>16} {'health us':>8}")
for r, v in rows.items():
    print(f"{r:8} {mmm([x[0] for x in v], '{:.0f}'):>20} {mmm([x[1] for x in v], '{:.0f}'):>16} "
          f"{mmm([x[2] for x in v], '{:.1f}'):>22} {mmm([x[3] for x in v], '{:.1f}'):>16} "
          f"{statistics.median([x[4] for x in v]):8.1f}")
print("(min/median/max over rounds; health = the mean of the runs either side)")
PY
