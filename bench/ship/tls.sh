#!/usr/bin/env bash
# bench/ship/tls.sh: what TLS costs the publishing client, both ways the
# shipper could carry events over TLS (bench/ship/tls_publish.c): its own
# publishing connection (nats_wire.c with OpenSSL) and nats.c's JetStream
# asynchronous publish; each also without TLS. One nats-server -js
# (memory streams) with TLS and one without, on loopback.
#
#   bench/ship/tls.sh [MESSAGES] [RUNS]      (default 300000 messages, 3 runs)
#
# Prints each run's line (messages/s, client CPU microseconds per message).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-300000}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/wal2events-bench-tls.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
CLI=$ROOT/src/cli
INC=$(for d in . commands core envelope sinks sinks/file sinks/jetstream nats common; do printf ' -I%s/%s' "$CLI" "$d"; done)
make -s -C "$ROOT/src/cli" wal2events >/dev/null || exit 1
cc -std=c11 -O2 -D_GNU_SOURCE -I"$ROOT/src/lib" -I"$ROOT/src/gen" $INC -o "$WORK/tls_publish" \
  "$ROOT/bench/ship/tls_publish.c" "$CLI"/nats/{nats_wire,nats_parser,nats_tls,nats_auth,nats_url,nkey}.c \
  "$CLI/common/ship_util.c" -lnats -lssl -lcrypto || exit 1

d=$WORK/tls
mkdir -p "$d"
{ openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench CA" -keyout "$d/ca.key" -out "$d/ca.pem" &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=bench server" -keyout "$d/server.key" -out "$d/server.csr" &&
  printf 'subjectAltName=IP:127.0.0.1\n' >"$d/san.ext" &&
  openssl x509 -req -days 2 -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/server.pem" -extfile "$d/san.ext"; } >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PLAIN=$(free_port)
TLS=$(free_port)
printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s" }\n' "$PLAIN" "$WORK/js1" >"$WORK/plain.conf"
printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s" }\ntls { cert_file: "%s", key_file: "%s" }\n' \
  "$TLS" "$WORK/js2" "$d/server.pem" "$d/server.key" >"$WORK/tls.conf"
nats-server -c "$WORK/plain.conf" >"$WORK/plain.log" 2>&1 & PIDS+=($!)
nats-server -c "$WORK/tls.conf" >"$WORK/tls.log" 2>&1 & PIDS+=($!)
sleep 1
echo "$N messages per run; nats-server $(nats-server --version | awk '{print $2}'), $(nproc) CPUs"
for r in $(seq 1 "$RUNS"); do
  "$WORK/tls_publish" "nats://127.0.0.1:$PLAIN" BENCH "$N" wire
  "$WORK/tls_publish" "tls://127.0.0.1:$TLS" BENCH "$N" wire --tls-ca "$d/ca.pem"
  "$WORK/tls_publish" "tls://127.0.0.1:$TLS" BENCH "$N" wire --tls-ca "$d/ca.pem" --ack-every 1
  "$WORK/tls_publish" "nats://127.0.0.1:$PLAIN" BENCH "$N" natsc
  "$WORK/tls_publish" "tls://127.0.0.1:$TLS" BENCH "$N" natsc --tls-ca "$d/ca.pem"
done
