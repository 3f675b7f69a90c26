#!/usr/bin/env bash
# Installs the Debian 12 packages moatmq needs to build and test, and only those that are missing.
# Idempotent: when everything is present it does nothing (no apt-get update, no network).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev clang-format
  # libraries (DESIGN.md §3)
  libboost1.81-dev libssl-dev libargon2-dev librocksdb-dev libtomlplusplus-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libmimalloc-dev
  # tests and micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # third-party MQTT peers used by the integration tests
  mosquitto-clients mosquitto libpaho-mqtt-dev libpaho-mqttpp-dev openssl
  # an AEAD implementation independent of ours, to recompute the payload envelope's test vectors
  python3-cryptography
  # make bench: bench/compare.sh's report and chart
  python3 gnuplot-nox
)

# Installed means dpkg -s reports "install ok installed" (not merely known, e.g. removed with its
# configuration files left).
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -qx 'Status: install ok installed' || missing+=("$p")
done

# MQTT.js (npm "mqtt", installed into the build directory by CMake) runs on Node.js. Any node and npm
# will do (e.g. NodeSource's, which bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing missing Debian packages: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
