#!/usr/bin/env bash
# Installs what is missing, builds, makes a private CA and a server
# certificate in ./demo/tls (scripts/make-certs.sh, with openssl), starts
# raamatchd over TLS on a fresh SQLite file in ./demo, registers a synthetic
# consortium through the API with three years of past journeys (each member
# loads its own with `raa import journeys`), and shows it. Every run deletes and recreates
# ./demo. The server keeps running so you can try `raa`; the last lines say
# what to export and how to stop it. RAA_DEMO_PORT picks the port (50051).
# Clients verify the server with demo/tls/ca.crt (RAA_CA). The web console
# (raa-web) runs beside it on http://127.0.0.1:8080/ (RAA_DEMO_WEB_PORT),
# talking to raamatchd over TLS; the last lines say how to stop both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

port="${RAA_DEMO_PORT:-50051}"
dir=demo
if [ -f "$dir/raa-web.pid" ] && kill -0 "$(cat "$dir/raa-web.pid")" 2>/dev/null; then
  echo "Stopping the previous demo web console"
  kill "$(cat "$dir/raa-web.pid")"
  while kill -0 "$(cat "$dir/raa-web.pid")" 2>/dev/null; do sleep 0.1; done
fi
if [ -f "$dir/raamatchd.pid" ] && kill -0 "$(cat "$dir/raamatchd.pid")" 2>/dev/null; then
  echo "Stopping the previous demo server"
  kill "$(cat "$dir/raamatchd.pid")"
  while kill -0 "$(cat "$dir/raamatchd.pid")" 2>/dev/null; do sleep 0.1; done
fi
rm -rf "$dir"
mkdir -p "$dir"
scripts/make-certs.sh "$dir/tls"
ca="$dir/tls/ca.crt"

build/services/raamatchd --db "$dir/raamatch.db" --listen "127.0.0.1:$port" \
  --tls-cert "$dir/tls/server.crt" --tls-key "$dir/tls/server.key" \
  --bootstrap-key-file "$dir/manager.key" --port-file "$dir/port" \
  >"$dir/raamatchd.log" 2>&1 &
echo $! >"$dir/raamatchd.pid"
for _ in $(seq 1 100); do
  [ -s "$dir/port" ] && break
  if ! kill -0 "$(cat "$dir/raamatchd.pid")" 2>/dev/null; then
    cat "$dir/raamatchd.log"; exit 1
  fi
  sleep 0.1
done
[ -s "$dir/port" ] || { echo "raamatchd did not start"; cat "$dir/raamatchd.log"; exit 1; }
server="127.0.0.1:$port"
echo "raamatchd is serving TLS on $server with database $dir/raamatch.db"
echo

# The web console beside it, over TLS to raamatchd, on loopback.
web_port="${RAA_DEMO_WEB_PORT:-8080}"
build/clients/web/raa-web --server "$server" --ca "$ca" \
  --listen "127.0.0.1:$web_port" --port-file "$dir/web-port" \
  >"$dir/raa-web.log" 2>&1 &
echo $! >"$dir/raa-web.pid"
for _ in $(seq 1 50); do
  [ -s "$dir/web-port" ] && break
  kill -0 "$(cat "$dir/raa-web.pid")" 2>/dev/null || break
  sleep 0.1
done
if [ -s "$dir/web-port" ]; then
  echo "raa-web is serving the web console on http://127.0.0.1:$web_port/"
else
  echo "raa-web did not start (the demo goes on without it):"; cat "$dir/raa-web.log"
fi
echo

echo "== Registering a synthetic consortium (15 members) through the API"
build/bench/raa-demo --server "$server" --ca "$ca" --key "$(cat "$dir/manager.key")" \
  --seed "${RAA_DEMO_SEED:-1}" --keys-out "$dir/member-keys.txt" \
  --history-years 3 --journeys-dir "$dir/journeys"
echo

raa() { build/clients/raa --server "$server" --ca "$ca" "$@"; }

# Each member brings its own history, with its own key (two at a time).
echo "== raa import journeys demo/journeys/<member>.csv (each member, with its key)"
start=$(date +%s)
import_failed=0
pids=()  # the imports' (a bare `wait` would wait for the server too)
for file in "$dir"/journeys/*.csv; do
  member=$(basename "$file" .csv)
  key=$(awk -v m="$member" '$1 == m {print $2}' "$dir/member-keys.txt")
  ( RAA_KEY="$key" raa import journeys "$file" --results "$dir/journeys/$member.results.csv" \
      >"$dir/journeys/$member.log" 2>&1 || echo "$member" >>"$dir/journeys/failed" ) &
  pids+=($!)
  if (( ${#pids[@]} >= 2 )); then
    wait "${pids[0]}" || true
    pids=("${pids[@]:1}")
  fi
done
for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || true; done
if [ -s "$dir/journeys/failed" ]; then
  import_failed=1
  echo "Some rows were not imported (see $dir/journeys/<member>.log):"
  for member in $(cat "$dir/journeys/failed"); do tail -n 1 "$dir/journeys/$member.log"; done
fi
for file in "$dir"/journeys/*.log; do tail -n 1 "$file"; done | awk '
  {for (i = 1; i < NF; i++) if ($(i+1) == "journey") s += $i}
  END {print "   " s " journey rows stored across the members"}'
echo "   in $(( $(date +%s) - start )) s"
echo
sheffield_key=$(awk '$1 == "sheffield" {print $2}' "$dir/member-keys.txt")

echo "== raa authority list"
RAA_KEY="$(cat "$dir/manager.key")" raa authority list
echo
echo "== raa child list --authority sheffield --status waiting --limit 12 (as Sheffield)"
RAA_KEY="$sheffield_key" raa child list --authority sheffield --status waiting --limit 12
echo
echo "== raa adopter list --group-size 3 --status approved (households approved for three or more)"
RAA_KEY="$sheffield_key" raa adopter list --group-size 3 --status approved
echo
# The first waiting Sheffield profile of a given group size.
first_waiting() {
  RAA_KEY="$sheffield_key" raa --json child list --authority sheffield \
    --status waiting --group-size "$1" --limit 1 |
    grep -o '"name": "authorities/[a-z0-9-]*/children/c[0-9]*"' | head -n 1 |
    sed 's/.*"\(authorities[^"]*\)"/\1/'
}
if [ "$import_failed" = 0 ] && raa report scorecard --help >/dev/null 2>&1; then
  echo "== raa report scorecard (the consortium, the three years to the last 31 March)"
  RAA_KEY="$(cat "$dir/manager.key")" raa --authority - report scorecard || true
  echo
fi
# The inter-agency fee ledger: the history's cross-member placements accrued
# their fees as they were imported. The manager closes the last three
# months (monthly fees), finance officers of a few members pay what they owe
# (the payees confirm, one rejects a payment as disputed), and one sets its
# budget.
manager_key="$(cat "$dir/manager.key")"
year=$(date -u +%Y); [ "$(date -u +%-m)" -ge 4 ] || year=$((year - 1))  # this financial year
# A member's finance key: issued once, kept in demo/finance-keys.txt.
finance_key() {
  local key
  key=$(awk -v m="$1" '$1 == m {print $2}' "$dir/finance-keys.txt" 2>/dev/null)
  if [ -z "$key" ]; then
    key=$(RAA_KEY="$manager_key" raa --json key create --for "$1" --role finance \
            --label "$1 finance officer (demo)" |
          grep -o '"secret": *"raa_[^"]*"' | sed 's/.*"\(raa_[^"]*\)"/\1/')
    echo "$1 $key" >>"$dir/finance-keys.txt"
  fi
  echo "$key"
}
# "-1234.56" (the ledger's CSV) to pence, and back.
to_pence() {
  local s="$1" sign=1
  if [ "${s:0:1}" = "-" ]; then sign=-1; s="${s:1}"; fi
  s="${s//./}"
  echo $(( sign * 10#$s ))
}
to_pounds() { printf '%d.%02d' $(( $1 / 100 )) $(( $1 % 100 )); }
payment_of() { grep -o '"name": *"ledger/payments/p[0-9]*"' | head -n 1 | sed 's/.*"ledger\/payments\/\(p[0-9]*\)"/\1/'; }
if [ "$import_failed" = 0 ] && raa ledger --help >/dev/null 2>&1; then
  echo "== raa ledger close-month (the manager closes the last three months)"
  for back in 3 2 1; do
    month=$(date -u -d "$(date -u +%Y-%m-15) -$back month" +%Y-%m)
    RAA_KEY="$manager_key" raa ledger close-month "$month" | head -n 1 || true
  done
  echo
  # The three largest debts between two members, from the ledger's own CSV.
  debts=$(RAA_KEY="$manager_key" raa --csv ledger balances | sed '1s/^\xEF\xBB\xBF//' |
            tr -d '\r' | awk -F, '$2 == "owes" {print $3, $4, $5}' | head -n 3 || true)
  n=0
  while read -r debtor creditor amount; do
    [ -n "$debtor" ] || continue
    n=$((n + 1))
    owed=$(to_pence "$amount")
    pay=$owed
    [ "$n" = 2 ] && pay=$(( owed / 2 ))  # half now
    debtor_key=$(finance_key "$debtor")
    creditor_key=$(finance_key "$creditor")
    echo "== raa ledger pay --to $creditor --amount $(to_pounds "$pay") --reference BACS-10$n (as $debtor's finance officer)"
    payment=$(RAA_KEY="$debtor_key" raa --authority "$debtor" --json ledger pay --to "$creditor" \
                --amount "$(to_pounds "$pay")" --reference "BACS-10$n" | payment_of || true)
    [ -n "$payment" ] || continue
    if [ "$n" = 3 ]; then
      echo "== raa ledger reject $payment --reason ... (as $creditor's finance officer: disputed)"
      RAA_KEY="$creditor_key" COLUMNS=200 raa --authority "$creditor" ledger reject "$payment" \
        --reason "Disputed: our books show a different placement date for one of these links; please send the link references" |
        grep -E '^(payment|state|amount|rejection reason):' || true
    else
      echo "== raa ledger confirm $payment (as $creditor's finance officer)"
      RAA_KEY="$creditor_key" raa --authority "$creditor" ledger confirm "$payment" |
        grep -E '^(payment|state|amount|entry):' || true
    fi
    echo
  done <<<"$debts"
  finance_key leeds >/dev/null || true  # the finance officer README.md tries
  budget_member=$(echo "$debts" | awk 'NR == 1 {print $1}')
  if [ -n "$budget_member" ]; then
    echo "== raa ledger budget set --year $year --amount 177,700 (as $budget_member's finance officer)"
    RAA_KEY="$(finance_key "$budget_member")" raa --authority "$budget_member" \
      ledger budget set --year "$year" --amount 177,700 || true
    echo
  fi
  if [ -n "$budget_member" ]; then
    echo "== raa ledger balances (as $budget_member's finance officer: its position, the pairs it is in, the totals)"
    RAA_KEY="$(finance_key "$budget_member")" raa --authority "$budget_member" ledger balances || true
    echo
  fi
  echo "== raa ledger balances (the manager sees every member; the first 12 pairs of who owes whom)"
  RAA_KEY="$manager_key" raa ledger balances | awk '
    /^Who owes whom/ {debts = 1; rows = 0; print; next}
    debts && /^$/ && rows > 0 {
      if (rows > 13) print "(" rows - 13 " more pairs: raa ledger balances shows them all)"
      debts = 0
    }
    debts && !/^$/ {rows++; if (rows > 13) next}
    {print}' || true
  echo
  echo "== raa ledger settle (the manager: payments that clear every balance)"
  RAA_KEY="$manager_key" raa ledger settle || true
  echo
fi
for size in 1 2; do
  child=$(first_waiting "$size")
  [ -n "$child" ] || continue
  if [ "$size" = 1 ]; then
    echo "== raa match adopters --child $child --limit 2 (child-led search, as Sheffield)"
    RAA_KEY="$sheffield_key" raa match adopters --child "$child" --limit 2
  else
    echo "== raa match adopters --child $child --limit 3 --brief (a sibling group)"
    RAA_KEY="$sheffield_key" raa match adopters --child "$child" --limit 3 --brief
  fi
  echo
done
cat <<EOT
The server is still running (pid $(cat "$dir/raamatchd.pid")), over TLS with a
certificate from the demo's own CA ($ca). Try it as Sheffield:
  export RAA_SERVER=$server RAA_CA=$PWD/$ca RAA_AUTHORITY=sheffield
  export RAA_KEY=\$(awk '\$1 == "sheffield" {print \$2}' $dir/member-keys.txt)
  build/clients/raa child list
  build/clients/raa --help
As a finance officer (finance keys are in $dir/finance-keys.txt):
  export RAA_AUTHORITY=\$(awk 'NR == 1 {print \$1}' $dir/finance-keys.txt)
  export RAA_KEY=\$(awk 'NR == 1 {print \$2}' $dir/finance-keys.txt)
  build/clients/raa ledger balances
  build/clients/raa ledger statement --year $year
  build/clients/raa ledger payments
  build/clients/raa ledger entries --type fee
  build/clients/raa ledger budget show
  build/clients/raa --csv ledger settle > settlement.csv
The manager key is in $dir/manager.key. Stop the server and the web console with:
  kill \$(cat $dir/raamatchd.pid) \$(cat $dir/raa-web.pid)
EOT
if [ -s "$dir/web-port" ] && kill -0 "$(cat "$dir/raa-web.pid")" 2>/dev/null; then
  echo
  echo "Web console: http://127.0.0.1:$web_port/ — sign in with a family finder key: $sheffield_key"
  echo "(Sheffield's registrar and family finder key; every member's is in $dir/member-keys.txt)"
fi
