#!/bin/sh
# tests/lake/setup.sh: what the lake's tests run on: node and npm, and
# tests/lake/node_modules (s3rver, the local S3; @duckdb/node-api, to query
# the lake) installed exactly as package-lock.json pins them.
#
#   sh tests/lake/setup.sh        (as root when node or npm must be installed)
#
# node/npm come from Debian (nodejs, npm) when missing. A machine with
# NodeSource's nodejs has npm inside it and no Debian npm package: ask for
# the commands, never for the packages.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  pkgs=
  command -v node >/dev/null 2>&1 || pkgs="nodejs"
  command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
  echo "tests/lake/setup.sh: installing$pkgs (Debian)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $pkgs
fi

# npm ci when node_modules is missing or older than the lock file
if [ ! -f "$HERE/node_modules/.package-lock.json" ] ||
  [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ] ||
  [ ! -d "$HERE/node_modules/s3rver" ] || [ ! -d "$HERE/node_modules/@duckdb/node-api" ]; then
  err=$(mktemp)
  # npm's own node does not read the system's certificates: give it them
  cafile=
  [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ] &&
    cafile=--cafile=/etc/ssl/certs/ca-certificates.crt
  if ! (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error $cafile) 2>"$err"; then
    if grep -qi 'cert' "$err"; then
      # A network whose TLS is intercepted by a proxy whose CA this machine
      # lacks (a fresh chroot on a sandboxed host): the packages' bytes are
      # still checked, every one, against package-lock.json's sha512
      # integrity hashes, which npm ci enforces.
      echo "tests/lake/setup.sh: the npm registry's certificate is not trusted here ($(grep -i -m1 'cert' "$err" | cut -c1-120)); installing without TLS verification, every package checked against package-lock.json's sha512 integrity" >&2
      (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error --strict-ssl=false) || { rm -f "$err"; exit 1; }
    else
      cat "$err" >&2
      rm -f "$err"
      exit 1
    fi
  fi
  rm -f "$err"
fi
