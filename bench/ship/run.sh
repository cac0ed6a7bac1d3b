#!/usr/bin/env bash
# bench/ship/run.sh: how fast `wal2events ship` drains a backlog into
# NATS JetStream (file storage, confirmed only once acknowledged), against
# pg_recvlogical writing the same slot range to /dev/null as the floor.
#
#   bench/ship/run.sh [EVENTS] [RUNS]      (as root; default 1000000 events, 3 runs)
#   UNIT=transaction bench/ship/run.sh ...  ship --unit transaction: one message
#                                           per 1000-row transaction
#
# One throwaway PostgreSQL and nats-server -js on loopback. Before the
# backlog is written, 2 x RUNS slots are created at the same position, so
# every run decodes exactly the same WAL: EVENTS row inserts in
# transactions of 1000 rows. Runs alternate (floor, ship, floor, ship...);
# each ship run publishes into a fresh stream. Times are wall clock from
# start until the slot's confirmed position reaches the end of the
# backlog (ship; polled every 10 ms by one server-side loop) or
# pg_recvlogical --endpos exits (floor). Prints the medians, events/s and
# the ratio, the CPU seconds the shipper, nats-server and the walsender
# used per ship run, and the hub's own ceiling:
# bench/ship/hub_ceiling.c publishing EVENTS messages of the same shape
# (subject, headers, body size) into a fresh stream of the same server,
# with every message acknowledged and with one in 64 (as the shipper asks).
# CLUSTER=1 adds, to each run, a ship run into an R3 stream (--replicas 3)
# of a 3-node JetStream cluster on the same loopback (tests/ship/cluster.sh;
# the three servers share the machine's cores with everything else).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${1:-1000000}
RUNS=${2:-3}
UNIT=${UNIT:-event}
# what one ship run stores: a message per event, or per transaction (1000 rows, one chunk)
if [ "$UNIT" = transaction ]; then
  UNIT_ARGS=(--unit transaction) SUBJECT_TOKEN='{database}' MESSAGES=$((EVENTS / 1000))
else
  UNIT_ARGS=() SUBJECT_TOKEN='{table}' MESSAGES=$EVENTS
fi
[ "$(id -u)" = 0 ] || { echo "bench/ship/run.sh: run as root"; exit 2; }
WORK=$(mktemp -d /tmp/wal2events-bench-ship.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
. "$ROOT/tests/ship/cluster.sh"
CLUSTER=${CLUSTER:-0}
trap 'stop_nats; cluster_stop; w2e_cluster_stop "$WORK/pg"; rm -rf "$WORK"' EXIT

make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null || exit 1
HUB=$WORK/hub_ceiling
cc -std=c11 -O2 -o "$HUB" "$ROOT/bench/ship/hub_ceiling.c" || exit 1
start_postgres && start_nats || exit 1
if [ "$CLUSTER" = 1 ]; then cluster_start || { echo "cannot start the 3-node cluster"; exit 1; }; fi
sql "ALTER SYSTEM SET max_wal_size = '4GB'" && sql "SELECT pg_reload_conf()" >/dev/null

for r in $(seq 1 "$RUNS"); do
  sql "SELECT pg_create_logical_replication_slot('floor$r', 'wal2events')" >/dev/null
  sql "SELECT pg_create_logical_replication_slot('ship$r', 'wal2events')" >/dev/null
  [ "$CLUSTER" = 1 ] && sql "SELECT pg_create_logical_replication_slot('r3ship$r', 'wal2events')" >/dev/null
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
HZ=$(getconf CLK_TCK)
cpu_of() { awk -v hz="$HZ" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
floor_run() {
  local s e
  s=$(now)
  pg_recvlogical -d "$DBURL" --slot "floor$1" --start --endpos "$END" -f /dev/null || return 1
  e=$(now)
  awk -v e="$e" -v s="$s" 'BEGIN { print e - s }'
}
# ship_run RUN [r3]: one drain into a fresh stream (r3: of the cluster, 3 replicas)
ship_run() {
  local s e n0 wal_pid="" ship_cpu nats_cpu wal_cpu slot="ship$1" stream="BENCH$1" url=$NATS port=$NATS_PORT
  local pids=$NATS_PID extra=()
  if [ "${2:-}" = r3 ]; then
    slot="r3ship$1" stream="R3BENCH$1" url=$CLUSTER_URL port=${CL_PORT[1]} pids="${CL_PID[*]}" extra=(--replicas 3)
  fi
  n0=$(nats_cpu_of $pids)
  s=$(now)
  "$W2E" ship --dbname "$DBURL" --slot "$slot" --to "$url" --create-stream "$stream" "${extra[@]}" \
    --subject "$stream.$SUBJECT_TOKEN" "${UNIT_ARGS[@]}" --progress-interval 0 2>"$WORK/$slot.log" &
  SHIP_PID=$!
  until [ -n "$wal_pid" ]; do
    sleep 0.05
    kill -0 "$SHIP_PID" 2>/dev/null || { echo "ship run $1 ${2:-} failed: $(tail -n 1 "$WORK/$slot.log")" >&2; return 1; }
    wal_pid=$(sql "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'")
  done
  # one backend polls every 10 ms (a psql per poll would take CPU from the run)
  sql "SET statement_timeout = '30min'; DO \$\$ BEGIN
         WHILE NOT (SELECT confirmed_flush_lsn >= '$END' FROM pg_replication_slots WHERE slot_name = '$slot') LOOP
           PERFORM pg_sleep(0.01);
         END LOOP;
       END \$\$" || return 1
  e=$(now)
  ship_cpu=$(cpu_of "$SHIP_PID")
  nats_cpu=$(awk -v a="$n0" -v b="$(nats_cpu_of $pids)" 'BEGIN { printf "%.2f", b - a }')
  wal_cpu=$(cpu_of "$wal_pid")
  echo "ship run $1${2:+ ($2)}: CPU seconds: shipper $ship_cpu, nats-server(s) $nats_cpu, walsender $wal_cpu" >>"$WORK/cpu.txt"
  ship_stop
  [ "$("$HUB" 127.0.0.1 "$port" "$stream" messages)" = "$MESSAGES" ] ||
    { echo "ship run $1 ${2:-}: the stream does not hold $MESSAGES messages" >&2; return 1; }
  "$HUB" 127.0.0.1 "$port" "$stream" delete
  awk -v e="$e" -v s="$s" 'BEGIN { print e - s }'
}
# the CPU seconds of several processes together
nats_cpu_of() { local t=0 p; for p in "$@"; do t=$(awk -v a="$t" -v b="$(cpu_of "$p")" 'BEGIN { print a + b }'); done; echo "$t"; }

floors=() ships=() r3s=()
for r in $(seq 1 "$RUNS"); do
  f=$(floor_run "$r") || exit 1
  s=$(ship_run "$r") || exit 1
  printf 'run %d: pg_recvlogical %.2f s, ship %.2f s' "$r" "$f" "$s"
  floors+=("$f")
  ships+=("$s")
  if [ "$CLUSTER" = 1 ]; then
    t=$(ship_run "$r" r3) || exit 1
    printf ', ship into R3 %.2f s' "$t"
    r3s+=("$t")
  fi
  echo
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mf=$(median "${floors[@]}")
ms=$(median "${ships[@]}")
echo
printf '| consumer | median drain time | events/s |\n|---|---|---|\n'
awk -v n="$EVENTS" -v f="$mf" -v s="$ms" -v u="$UNIT" 'BEGIN {
  printf "| pg_recvlogical -f /dev/null (floor) | %.2f s | %.0f |\n", f, n / f
  printf "| wal2events ship --unit %s -> JetStream (file storage, acked) | %.2f s | %.0f |\n", u, s, n / s
  printf "ratio ship / floor: %.1f\n", s / f
}'
if [ "$CLUSTER" = 1 ]; then
  awk -v n="$EVENTS" -v t="$(median "${r3s[@]}")" -v s="$ms" 'BEGIN {
    printf "| wal2events ship -> JetStream R3, 3-node loopback cluster | %.2f s | %.0f |\n", t, n / t
    printf "ratio R3 / single server: %.2f\n", t / s
  }'
fi
echo
cat "$WORK/cpu.txt"
[ "$UNIT" = event ] || exit 0
# the hub alone: same server, same message shape, the cheapest publisher
for every in 1 64; do
  n0=$(cpu_of "$NATS_PID")
  out=$("$HUB" 127.0.0.1 "$NATS_PORT" CEILING "$EVENTS" --body 232 --ack-every "$every") || exit 1
  echo "hub ceiling, acknowledgement every $every message(s): $out, nats-server $(awk -v a="$n0" -v b="$(cpu_of "$NATS_PID")" 'BEGIN { printf "%.2f", b - a }') CPU seconds"
  "$HUB" 127.0.0.1 "$NATS_PORT" CEILING delete
done
