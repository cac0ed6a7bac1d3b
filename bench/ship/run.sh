#!/usr/bin/env bash
# bench/ship/run.sh: how fast `wal2events ship` drains a backlog into
# NATS JetStream (file storage, every message acknowledged), against
# pg_recvlogical writing the same slot range to /dev/null as the floor.
#
#   bench/ship/run.sh [EVENTS] [RUNS]      (as root; default 1000000 events, 3 runs)
#
# One throwaway PostgreSQL and nats-server -js on loopback. Before the
# backlog is written, 2 x RUNS slots are created at the same position, so
# every run decodes exactly the same WAL: EVENTS row inserts in
# transactions of 1000 rows. Runs alternate (floor, ship, floor, ship...);
# each ship run publishes into a fresh stream. Times are wall clock from
# start until the slot's confirmed position reaches the end of the
# backlog (ship) or pg_recvlogical --endpos exits (floor). Prints the
# medians, events/s and the ratio.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${1:-1000000}
RUNS=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench/ship/run.sh: run as root"; exit 2; }
WORK=$(mktemp -d /tmp/wal2events-bench-ship.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
trap 'stop_nats; w2e_cluster_stop "$WORK/pg"; rm -rf "$WORK"' EXIT

make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null || exit 1
start_postgres && start_nats || exit 1
sql "ALTER SYSTEM SET max_wal_size = '4GB'" && sql "SELECT pg_reload_conf()" >/dev/null

for r in $(seq 1 "$RUNS"); do
  sql "SELECT pg_create_logical_replication_slot('floor$r', 'wal2events')" >/dev/null
  sql "SELECT pg_create_logical_replication_slot('ship$r', 'wal2events')" >/dev/null
done
sql "CREATE TABLE bench (id bigint PRIMARY KEY, k int, v text)"
echo "writing $EVENTS events ..."
batches=$((EVENTS / 1000))
for i in $(seq 0 $((batches - 1))); do
  echo "INSERT INTO bench SELECT g, g % 97, 'value ' || g FROM generate_series($((i * 1000 + 1)), $(((i + 1) * 1000))) g;"
done | psql -X -q >/dev/null
END=$(sql "SELECT pg_current_wal_insert_lsn()")
echo "backlog: $EVENTS events, $(sql "SELECT pg_size_pretty('$END'::pg_lsn - '0/0'::pg_lsn)") of WAL"

now() { date +%s.%N; }
floor_run() {
  local s e
  s=$(now)
  pg_recvlogical -d "$DBURL" --slot "floor$1" --start --endpos "$END" -f /dev/null || return 1
  e=$(now)
  awk -v e="$e" -v s="$s" 'BEGIN { print e - s }'
}
ship_run() {
  local s e
  s=$(now)
  "$W2E" ship --dbname "$DBURL" --slot "ship$1" --to "$NATS" --create-stream "BENCH$1" \
    --subject "bench$1.{table}" --progress-interval 0 2>"$WORK/ship$1.log" &
  SHIP_PID=$!
  until sql_is t "SELECT confirmed_flush_lsn >= '$END' FROM pg_replication_slots WHERE slot_name = 'ship$1'"; do
    sleep 0.05
  done
  e=$(now)
  ship_stop
  [ "$("$JS" info "$NATS" "BENCH$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')" = "$EVENTS" ] ||
    { echo "ship run $1: the stream does not hold $EVENTS messages" >&2; return 1; }
  awk -v e="$e" -v s="$s" 'BEGIN { print e - s }'
}
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I"$ROOT/src/lib" -I"$ROOT/src/gen" -o "$JS" \
  "$ROOT/tests/ship/js_dump.c" "$ROOT"/src/lib/*.c "$ROOT/src/gen/wal2events.pb-c.c" -lprotobuf-c -lnats -lm || exit 1

floors=() ships=()
for r in $(seq 1 "$RUNS"); do
  f=$(floor_run "$r") || exit 1
  s=$(ship_run "$r") || exit 1
  printf 'run %d: pg_recvlogical %.2f s, ship %.2f s\n' "$r" "$f" "$s"
  floors+=("$f")
  ships+=("$s")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mf=$(median "${floors[@]}")
ms=$(median "${ships[@]}")
echo
printf '| consumer | median drain time | events/s |\n|---|---|---|\n'
awk -v n="$EVENTS" -v f="$mf" -v s="$ms" 'BEGIN {
  printf "| pg_recvlogical -f /dev/null (floor) | %.2f s | %.0f |\n", f, n / f
  printf "| wal2events ship -> JetStream (file storage, acked) | %.2f s | %.0f |\n", s, n / s
  printf "ratio ship / floor: %.1f\n", s / f
}'
