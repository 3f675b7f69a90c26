#!/usr/bin/env bash
# bench/compare.sh: moatmq against Debian's Mosquitto, same machine, same run, same load generator.
#
#   bench/compare.sh [--runs N] [--quick] [--moatmq PATH] [--out DIR]
#
# Starts both brokers with equivalent settings (anonymous, no persistence, logging of errors and
# warnings only, limits raised so that neither caps the test), each pinned to core 0 (moatmq with
# [broker].threads = 1), and runs `moatmq bench` pinned to core 1 through the suite below, the two
# brokers alternating, N runs (default 3). Each figure is the median of the runs; the ratio is
# moatmq / Mosquitto (for latency, memory and CPU per handshake lower is better, so the ratio there
# is read the other way: below 1 means moatmq is better).
#
# Each run also measures a third broker, moatmq with [broker].threads = 2, not pinned: it and the
# generator share both cores (taskset -c 0,1). Fan-in, fan-out and latency only, against the one-core
# moatmq figure of the same run (Mosquitto has one thread: it has no such row).
#
# Writes DIR/<date>.md (table, machine, versions, load, exact commands), DIR/<date>.png (chart of the
# ratios), DIR/<date>.jsonl (every raw result); without --out (DIR = bench/results) it also updates
# the "Latest comparison" section of bench/README.md. Installs what it needs from Debian when missing
# (mosquitto, gnuplot-nox, python3).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
runs=3
quick=0
moatmq="$root/build/release/moatmq"
out="$here/results"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --quick) quick=1; shift ;;   # short durations, for trying the script out; not for results
    --moatmq) moatmq="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--quick] [--moatmq PATH] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -x "$moatmq" ] || { echo "compare: $moatmq not found; run 'make build' first" >&2; exit 1; }

# ---- dependencies ----
need=()
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v python3 >/dev/null || need+=(python3)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "compare: installing missing Debian packages: ${need[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}" ||
    { "${sudo_cmd[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"; }
fi

ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 12000 ] || echo "compare: warning: only $(ulimit -n) open files allowed; the 10,000-connection figure may fail" >&2

if [ "$quick" = 1 ]; then warm=0.5; dur=2; idle_n=2000; idle_s=3; conn_n=1000; tls_n=300
else warm=2; dur=5; idle_n=10000; idle_s=10; conn_n=5000; tls_n=1000; fi

work="$(mktemp -d /tmp/moatmq-compare.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}" ${moat_pid:-}; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}" ${moat_pid:-}; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# ---- certificates: the same RSA-2048 and ECDSA P-256 server certificates for both brokers ----
make_certs "$work"

# ---- Mosquitto ----
mq_port=$(free_port); mq_rsa=$(free_port); mq_ecdsa=$(free_port)
cat > "$work/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
connection_messages false
max_connections -1
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 0
max_keepalive 65535
memory_limit 0
set_tcp_nodelay true
listener $mq_port 127.0.0.1
listener $mq_rsa 127.0.0.1
certfile $work/rsa.crt
keyfile $work/rsa.key
listener $mq_ecdsa 127.0.0.1
certfile $work/ecdsa.crt
keyfile $work/ecdsa.key
CONF
taskset -c 0 /usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mq_pid=$!; pids+=("$mq_pid")

# ---- moatmq: one worker thread; TLS listeners only if this build has them ----
# Fixed ports for moatmq too: its ready line is logged at info level, and both brokers log warnings
# and errors only (per-connection info lines would cost moatmq in the connection figures).
moat_port=$(free_port); moat_rsa=$(free_port); moat_ecdsa=$(free_port)
start_moatmq() {  # $1 = with TLS; sets moat_pid
  if [ "$1" = 1 ]; then
    write_moatmq_conf "$work/moatmq.toml" "$moat_port" "$work/moatmq-data" 1 "$work" "$moat_rsa" "$moat_ecdsa"
  else
    write_moatmq_conf "$work/moatmq.toml" "$moat_port" "$work/moatmq-data" 1
  fi
  taskset -c 0 "$moatmq" serve -c "$work/moatmq.toml" > "$work/moatmq.log" 2>&1 &
  moat_pid=$!
  wait_port "$moat_port" "$moat_pid" || return 1
  [ "$1" = 0 ] || { wait_port "$moat_rsa" "$moat_pid" && wait_port "$moat_ecdsa" "$moat_pid"; }
}
moat_tls=1
if ! start_moatmq 1; then
  echo "compare: moatmq does not serve the TLS listeners here (TLS not built yet?); TLS rows are n/a for moatmq:" >&2
  tail -3 "$work/moatmq.log" >&2 || true
  kill "$moat_pid" 2>/dev/null || true; wait "$moat_pid" 2>/dev/null || true
  moat_tls=0
  start_moatmq 0 || { echo "compare: moatmq did not start:" >&2; cat "$work/moatmq.log" >&2; exit 1; }
fi
pids+=("$moat_pid")
wait_port "$mq_port" "$mq_pid" || { echo "compare: mosquitto did not start:" >&2; cat "$work/mosquitto.log" >&2; exit 1; }

# ---- moatmq on both cores: two worker threads, not pinned (it shares cores 0 and 1 with the generator) ----
both_cpus=0,1
moat2_port=$(free_port)
write_moatmq_conf "$work/moatmq-2t.toml" "$moat2_port" "$work/moatmq-2t-data" 2
taskset -c "$both_cpus" "$moatmq" serve -c "$work/moatmq-2t.toml" > "$work/moatmq-2t.log" 2>&1 &
moat2_pid=$!; pids+=("$moat2_pid")
wait_port "$moat2_port" "$moat2_pid" || { echo "compare: moatmq with threads = 2 did not start:" >&2; cat "$work/moatmq-2t.log" >&2; exit 1; }

# ---- the suite ----
raw="$work/raw.jsonl"
: > "$raw"
commands="$work/commands.txt"
: > "$commands"
# run BROKER FIGURE PORT PID ARGS... : one bench run, its JSON line tagged and appended to $raw. The
# generator runs on the cores in $gen_cpus (core 1 unless a suite says otherwise).
gen_cpus=1
run() {
  local broker=$1 figure=$2 port=$3 pid=$4; shift 4
  local cmd=(taskset -c "$gen_cpus" "$moatmq" bench "$@" -p "$port" --broker-pid "$pid" --json)
  local label=$figure
  [ "$broker" != moatmq_2t ] || label="$figure (moatmq threads = 2)"
  grep -qF -- "$label: " "$commands" || echo "$label: ${cmd[*]/#$moatmq/moatmq}" | sed "s|$work|\$WORK|g; s|-p $port|-p PORT|; s|--broker-pid $pid|--broker-pid PID|" >> "$commands"
  local line load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if line=$("${cmd[@]}" 2>>"$work/bench-stderr.log"); then :; else echo "compare: $broker $figure exited $?" >&2; fi
  [ -n "$line" ] || line='{}'
  printf '{"broker":"%s","figure":"%s","load":%s,"result":%s}\n' "$broker" "$figure" "$load" "$line" >> "$raw"
  echo "  $broker $figure done (load $load)" >&2
}

suite() {  # $1 = broker name, $2 = plain port, $3 = pid, $4 = rsa port, $5 = ecdsa port
  local b=$1 p=$2 pid=$3
  run "$b" fanin_q0_16 "$p" "$pid" fanin -P 8 -S 1 -q 0 -s 16 -w "$warm" -d "$dur"
  run "$b" fanin_q0_1k "$p" "$pid" fanin -P 8 -S 1 -q 0 -s 1024 -w "$warm" -d "$dur"
  run "$b" fanin_q1 "$p" "$pid" fanin -P 8 -S 1 -q 1 --window 64 -s 16 -w "$warm" -d "$dur"
  run "$b" fanout_100 "$p" "$pid" fanout -S 100 -q 0 -s 16 -w "$warm" -d "$dur"
  run "$b" latency_10k "$p" "$pid" latency -r 10000 -s 64 -w "$warm" -d "$dur"
  run "$b" conn_plain "$p" "$pid" conn -c "$conn_n" --concurrency 16
  if [ -n "${4:-}" ]; then
    run "$b" conn_tls_rsa "$4" "$pid" conn --tls --cafile "$work/ca.crt" -c "$tls_n" --concurrency 16
    run "$b" conn_tls_ecdsa "$5" "$pid" conn --tls --cafile "$work/ca.crt" -c "$tls_n" --concurrency 16
  fi
  idle_fresh "$b"
}

# moatmq with [broker].threads = 2 on both cores, the generator sharing them: the figures of the issue's
# "both cores" target. fanin_q0_16_g2 repeats fan-in with a two-thread generator, so that a generator
# thread busy on the shared cores is not what limits the figure (compare the generator CPU columns).
# Fan-in drains for up to 30 s: with two threads the publishers' thread can run ahead of the
# subscriber's and leave a backlog (sent/s above received/s) that takes longer than the default 5 s
# to deliver. The generator still stops waiting once nothing has arrived for a second, so "lost"
# there is what the broker held back for over a second (see bench/README.md, "Both cores").
suite_both_cores() {  # $1 = plain port, $2 = pid
  local b=moatmq_2t p=$1 pid=$2
  gen_cpus=$both_cpus
  run "$b" fanin_q0_16 "$p" "$pid" fanin -P 8 -S 1 -q 0 -s 16 -w "$warm" -d "$dur" --drain 30
  run "$b" fanin_q0_16_g2 "$p" "$pid" fanin -P 8 -S 1 -q 0 -s 16 -w "$warm" -d "$dur" --drain 30 --threads 2
  run "$b" fanout_100 "$p" "$pid" fanout -S 100 -q 0 -s 16 -w "$warm" -d "$dur"
  run "$b" latency_10k "$p" "$pid" latency -r 10000 -s 64 -w "$warm" -d "$dur"
  gen_cpus=1
}

# Memory per idle connection on a freshly started broker (same settings, plain listener only): in the
# brokers above, the heap already holds what the earlier figures allocated and freed, and the RSS
# delta of 10,000 new connections would hide in it.
idle_fresh() {
  local b=$1 port pid
  port=$(free_port)
  if [ "$b" = mosquitto ]; then
    sed -e "/^listener /,\$d" "$work/mosquitto.conf" > "$work/mosquitto-idle.conf"
    echo "listener $port 127.0.0.1" >> "$work/mosquitto-idle.conf"
    taskset -c 0 /usr/sbin/mosquitto -c "$work/mosquitto-idle.conf" > "$work/mosquitto-idle.log" 2>&1 &
  else
    rm -rf "$work/moatmq-idle-data"
    write_moatmq_conf "$work/moatmq-idle.toml" "$port" "$work/moatmq-idle-data" 1
    taskset -c 0 "$moatmq" serve -c "$work/moatmq-idle.toml" > "$work/moatmq-idle.log" 2>&1 &
  fi
  pid=$!
  if wait_port "$port" "$pid"; then
    run "$b" idle_10k "$port" "$pid" idle -c "$idle_n" -d "$idle_s" --concurrency 64
  else
    echo "compare: fresh $b for the idle figure did not start" >&2
  fi
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$runs"); do
  echo "compare: run $r of $runs" >&2
  suite mosquitto "$mq_port" "$mq_pid" "$mq_rsa" "$mq_ecdsa"
  if [ "$moat_tls" = 1 ]; then suite moatmq "$moat_port" "$moat_pid" "$moat_rsa" "$moat_ecdsa"
  else suite moatmq "$moat_port" "$moat_pid"; fi
  suite_both_cores "$moat2_port" "$moat2_pid"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----
mkdir -p "$out"
stamp=$(date -u '+%Y-%m-%d-%H%M')
cp "$raw" "$out/$stamp.jsonl"
{
  echo "started=$started"
  echo "load_before=$load_before"
  echo "load_after=$load_after"
  echo "runs=$runs"
  echo "quick=$quick"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "mosquitto=$(/usr/sbin/mosquitto -h 2>&1 | sed -n 's/^mosquitto version //p' | head -1)"
  echo "moatmq=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)"
  echo "moatmq_allocator=$("$moatmq" --version | sed -n 's/^allocator: //p')"
  echo "compiler=$(c++ --version | head -1)"
  echo "moatmq_tls=$moat_tls"
} > "$work/meta.txt"
# Only a run into bench/results is the latest comparison; a run elsewhere (--out) leaves the README alone.
readme=-
[ "$(cd "$out" && pwd)" != "$here/results" ] || readme="$here/README.md"
python3 "$here/compare_report.py" "$out/$stamp.jsonl" "$work/meta.txt" "$commands" "$work/mosquitto.conf" \
  "$work/moatmq.toml" "$work/moatmq-2t.toml" "$out/$stamp" "$readme"
echo "compare: wrote $out/$stamp.md and $out/$stamp.png$([ "$readme" = - ] || echo " and updated $readme")" >&2
