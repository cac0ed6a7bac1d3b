#!/usr/bin/env bash
# Install the Debian packages wal2events needs to build, test and run its demo,
# only those that are missing. Needs root (apt-get). Safe to run repeatedly.
set -euo pipefail

packages=(
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 libpq-dev
  libprotobuf-c-dev protobuf-c-compiler
  libipc-run-perl make gcc clang libclang-rt-14-dev valgrind
  nats-server libnats-dev libssl-dev openssl python3 pkg-config
  systemd libzstd-dev libcurl4-openssl-dev zstd
)
# extra groups: W2E_DEPS_BENCH=1 adds the comparison plugins
if [ "${W2E_DEPS_BENCH:-0}" = 1 ]; then
  packages+=(postgresql-15-wal2json postgresql-15-decoderbufs)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# a new machine may have no package lists yet
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
