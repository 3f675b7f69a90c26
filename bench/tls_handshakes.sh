#!/usr/bin/env bash
# TLS handshakes per second, full vs resumed, with the broker on one core (issue 8).
#   bench/tls_handshakes.sh MOATMQ_BINARY [CONNECTIONS] [RUNS]
# Starts `moatmq serve` pinned to core 0 (one worker thread) with a plain listener and two TLS
# listeners (ECDSA P-256 and RSA-2048 server keys), runs `moatmq bench conn` pinned to core 1 against
# each (plain: TCP + CONNECT/CONNACK + DISCONNECT only; --tls: the same after a full handshake, then
# after a resumed one), RUNS times, and prints one JSON line per run with the load average.
set -euo pipefail
moatmq=$(realpath "$1"); n=${2:-1000}; runs=${3:-3}
work=$(mktemp -d /tmp/moatmq-tlsbench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
for kind in ecdsa rsa; do
  if [ $kind = rsa ]; then keyopts=(-newkey rsa:2048); else keyopts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
  openssl req -new "${keyopts[@]}" -nodes -subj "/CN=localhost" -keyout "$work/$kind.key" -out "$work/$kind.csr" 2>/dev/null
  openssl x509 -req -in "$work/$kind.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1') -out "$work/$kind.crt" 2>/dev/null
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
plain=$(free_port); ecdsa=$(free_port); rsa=$(free_port)
cat > "$work/moatmq.toml" <<CONF
[broker]
data_dir = "$work/data"
threads = 1
sys_interval = "0s"
[[listener]]
name = "plain"
bind = "127.0.0.1:$plain"
allow_anonymous = true
[[listener]]
name = "ecdsa"
bind = "127.0.0.1:$ecdsa"
allow_anonymous = true
  [listener.tls]
  cert = "$work/ecdsa.crt"
  key = "$work/ecdsa.key"
[[listener]]
name = "rsa"
bind = "127.0.0.1:$rsa"
allow_anonymous = true
  [listener.tls]
  cert = "$work/rsa.crt"
  key = "$work/rsa.key"
[store]
sync = "none"
[log]
level = "warn"
[limits]
max_connections = 1000000
CONF
taskset -c 0 "$moatmq" serve -c "$work/moatmq.toml" > "$work/moatmq.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $rsa), 1)" 2>/dev/null && break
  kill -0 "$pid" || { cat "$work/moatmq.log" >&2; exit 1; }
  sleep 0.1
done
for run in $(seq 1 "$runs"); do
  for target in plain ecdsa rsa; do
    port=${!target}
    tls=(); [ $target = plain ] || tls=(--tls --cafile "$work/ca.crt")
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(taskset -c 1 "$moatmq" bench conn -p "$port" -c "$n" --concurrency 16 "${tls[@]}" \
      --broker-pid "$pid" --json 2>/dev/null || true)
    printf '{"run":%s,"listener":"%s","load":%s,"result":%s}\n' "$run" "$target" "$load" "${line:-{\}}"
  done
done
