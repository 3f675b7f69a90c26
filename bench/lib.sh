# bench/lib.sh: what bench/compare.sh and bench/tls_handshakes.sh share, sourced by both: the
# certificates, free ports, moatmq's configuration and waiting for a broker to listen.
# Bash; the caller sets `set -euo pipefail`.

# make_certs DIR: a CA (DIR/ca.crt, ca.key) and two server certificates for 127.0.0.1 and localhost
# signed by it, RSA-2048 (DIR/rsa.crt, rsa.key) and ECDSA P-256 (DIR/ecdsa.crt, ecdsa.key).
make_certs() {
  local dir=$1 kind
  local -a keyopts
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$dir/san.ext"
  for kind in rsa ecdsa; do
    if [ "$kind" = rsa ]; then keyopts=(-newkey rsa:2048); else keyopts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
    openssl req "${keyopts[@]}" -nodes -subj "/CN=localhost" -keyout "$dir/$kind.key" -out "$dir/$kind.csr" 2>/dev/null
    openssl x509 -req -in "$dir/$kind.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
      -extfile "$dir/san.ext" -out "$dir/$kind.crt" 2>/dev/null
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# write_moatmq_conf FILE PLAIN_PORT DATA_DIR THREADS [CERT_DIR RSA_PORT ECDSA_PORT]
# moatmq's benchmark configuration: anonymous, clean sessions only with no store syncing, errors and
# warnings logged (not connections), connection, queue and in-flight limits raised so that they do not
# cap a test; with CERT_DIR (make_certs), TLS listeners "rsa" and "ecdsa" besides the plain one.
write_moatmq_conf() {
  local file=$1 plain=$2 data=$3 threads=$4 certs=${5:-} rsa=${6:-} ecdsa=${7:-} kind port
  cat > "$file" <<CONF
[broker]
data_dir = "$data"
threads = $threads
sys_interval = "0s"

[[listener]]
name = "plain"
bind = "127.0.0.1:$plain"
allow_anonymous = true
CONF
  if [ -n "$certs" ]; then
    for kind in rsa ecdsa; do
      if [ "$kind" = rsa ]; then port=$rsa; else port=$ecdsa; fi
      cat >> "$file" <<CONF

[[listener]]
name = "$kind"
bind = "127.0.0.1:$port"
allow_anonymous = true
  [listener.tls]
  cert = "$certs/$kind.crt"
  key = "$certs/$kind.key"
CONF
    done
  fi
  cat >> "$file" <<CONF

[store]
sync = "none"

[log]
level = "warn"

[limits]
max_connections = 1000000
max_queued_messages = 1000000
max_queued_bytes = "1GiB"
max_inflight_messages = 65535
receive_maximum = 65535
CONF
}

accepts() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; }

# wait_port PORT PID: true once PORT accepts connections, false if process PID exits first (or 15 s pass).
wait_port() {
  local _
  for _ in $(seq 1 150); do
    accepts "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
