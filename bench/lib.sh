# lib.sh: what the bench scripts share (source it: `. "${here}/lib.sh"`).
#
#   bench_start_raamatchd DIR [ARGS...]  starts raamatchd (${server_bin}) on
#       a new database in DIR, on 127.0.0.1 and the port
#       ${bench_listen_port} (default 0: a port it picks), with its
#       bootstrap manager key in DIR/bootstrap.key; sets server_pid and
#       address (127.0.0.1:PORT). The command is prefixed with the array
#       bench_server_prefix if the caller set it (e.g. taskset -c 0), so
#       every thread of the server inherits it. Exits the script if it does
#       not start within 30 s, showing its log.
#   bench_stop PID  stops a process: SIGTERM, up to 10 s, then SIGKILL.
#   bench_stop_server  stops the server bench_start_raamatchd started.
#
# The caller sets server_bin and runs bench_stop_server on exit (its trap).

server_pid=""
address=""
bench_listen_port="${bench_listen_port:-0}"

bench_stop() {
  local pid="$1"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
}

bench_stop_server() {
  bench_stop "$server_pid"
  server_pid=""
}

# Waits up to 30 s for process $1 to write its port to file $2 (its log: $3).
bench_wait_port() {
  local pid="$1" file="$2" log="$3"
  for _ in $(seq 1 300); do
    [[ -s "$file" ]] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$(basename "$0"): the process with log ${log} did not start in 30 s" >&2
  exit 1
}

bench_start_raamatchd() {
  local dir="$1"
  shift
  # exec: the pid is the server's own, also behind a prefix such as taskset
  # (which execs the command in turn), so /proc/<pid> and SIGTERM reach it.
  ( exec ${bench_server_prefix[@]+"${bench_server_prefix[@]}"} "$server_bin" \
      --db "${dir}/raamatch.db" --listen "127.0.0.1:${bench_listen_port}" \
      --port-file "${dir}/port" --bootstrap-key-file "${dir}/bootstrap.key" \
      "$@" >"${dir}/server.log" 2>&1 ) &
  server_pid=$!
  bench_wait_port "$server_pid" "${dir}/port" "${dir}/server.log"
  address="127.0.0.1:$(tr -d '[:space:]' <"${dir}/port")"
}
