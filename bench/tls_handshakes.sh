#!/usr/bin/env bash
# TLS handshakes per second, full vs resumed, with the broker on one core (issue 8).
#   bench/tls_handshakes.sh MOATMQ_BINARY [CONNECTIONS] [RUNS]
# Starts `moatmq serve` pinned to core 0 (one worker thread; bench/compare.sh's configuration, from
# bench/lib.sh) with a plain listener and two TLS listeners (ECDSA P-256 and RSA-2048 server keys),
# runs `moatmq bench conn` pinned to core 1 against each (plain: TCP + CONNECT/CONNACK + DISCONNECT
# only; --tls: the same after a full handshake, then after a resumed one, with TLS 1.3 and with TLS 1.2
# clients), RUNS times, and prints one JSON line per run with the load average.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
moatmq=$(realpath "$1"); n=${2:-1000}; runs=${3:-3}
work=$(mktemp -d /tmp/moatmq-tlsbench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
make_certs "$work"
plain=$(free_port); ecdsa=$(free_port); rsa=$(free_port)
write_moatmq_conf "$work/moatmq.toml" "$plain" "$work/data" 1 "$work" "$rsa" "$ecdsa"
taskset -c 0 "$moatmq" serve -c "$work/moatmq.toml" > "$work/moatmq.log" 2>&1 &
pid=$!
for port in "$plain" "$ecdsa" "$rsa"; do
  wait_port "$port" "$pid" || { cat "$work/moatmq.log" >&2; exit 1; }
done
# Each TLS listener is measured with TLS 1.3 and with TLS 1.2 clients: a TLS 1.3 resumption still makes
# a fresh X25519 exchange (psk_dhe_ke, forward secrecy), a TLS 1.2 one is the abbreviated handshake.
for run in $(seq 1 "$runs"); do
  for target in plain ecdsa/tlsv1.3 ecdsa/tlsv1.2 rsa/tlsv1.3 rsa/tlsv1.2; do
    listener=${target%/*}; port=${!listener}
    tls=(); [ "$listener" = plain ] || tls=(--tls --cafile "$work/ca.crt" --tls-version "${target#*/}")
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(taskset -c 1 "$moatmq" bench conn -p "$port" -c "$n" --concurrency 16 "${tls[@]}" \
      --broker-pid "$pid" --json 2>/dev/null || true)
    printf '{"run":%s,"listener":"%s","load":%s,"result":%s}\n' "$run" "$target" "$load" "${line:-{\}}"
  done
done
