#!/usr/bin/env bash
# bench/lake/run.sh: does the event lake keep up with the hub?
#
#   bench/lake/run.sh [EVENTS] [RUNS]      (as root; default 1000000 events, 3 runs)
#
# One throwaway PostgreSQL and nats-server -js on loopback. EVENTS row
# inserts (transactions of 1000 rows, rows shaped like bench/ship's) are
# shipped once by `wal2events ship` into the stream LAKEBENCH. Then, RUNS
# times, alternating:
#   - `wal2events consume --from ... --stream LAKEBENCH > /dev/null` (the
#     reference: the same stream read by the same client library), and
#   - `wal2events lake --drain` of the whole stream into a fresh local lake
#     directory (a durable consumer of its own each run, default file sizes);
#   - when `wal2events replay` exists: the lake replayed into a fresh stream
#     (--create-stream), against bench/ship/hub_ceiling publishing EVENTS
#     messages of the same body size into a fresh stream of the same server
#     (acknowledgement of every message, and of one in 64).
# Times are wall clock from start to exit. Prints the medians, events/s,
# the ratios (goals: lake / consume rate >= 0.8, replay / hub ceiling >=
# 0.8), and the lake's bytes per event against the stream's stored bytes
# per event (JetStream's stream info, state.bytes).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${1:-1000000}
RUNS=${2:-3}
[ "$(id -u)" = 0 ] || { echo "bench/lake/run.sh: run as root"; exit 2; }
WORK=$(mktemp -d /tmp/wal2events-bench-lake.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
trap 'stop_nats; w2e_cluster_stop "$WORK/pg"; rm -rf "$WORK"' EXIT

make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null || exit 1
HUB=$WORK/hub_ceiling
cc -std=c11 -O2 -o "$HUB" "$ROOT/bench/ship/hub_ceiling.c" || exit 1
start_postgres && start_nats && sql "CREATE EXTENSION wal2events" || exit 1
sql "ALTER SYSTEM SET max_wal_size = '4GB'" && sql "SELECT pg_reload_conf()" >/dev/null

# stream_info STREAM FIELD: a field of the stream's state (messages, bytes, ...)
stream_info() {
  python3 - "$NATS_PORT" "$1" "$2" <<'EOF'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\nSUB _i 1\r\nPUB $JS.API.STREAM.INFO.%s _i 0\r\n\r\n' % sys.argv[2].encode())
while True:
    line = f.readline()
    if line.startswith(b"MSG"):
        body = f.read(int(line.split()[-1]) + 2)
        print(json.loads(body)["state"][sys.argv[3]])
        break
EOF
}

sql "SELECT pg_create_logical_replication_slot('lakebench', 'wal2events')" >/dev/null
sql "CREATE TABLE bench (id bigint PRIMARY KEY, k int, v text)"
echo "writing $EVENTS events ..."
for i in $(seq 0 $((EVENTS / 1000 - 1))); do
  echo "INSERT INTO bench SELECT g, g % 97, 'value ' || g FROM generate_series($((i * 1000 + 1)), $(((i + 1) * 1000))) g;"
done | psql -X -q >/dev/null
END=$(sql "SELECT pg_current_wal_insert_lsn()")
echo "shipping them into the stream LAKEBENCH ..."
"$W2E" ship --dbname "$DBURL" --slot lakebench --to "$NATS" --create-stream LAKEBENCH \
  --subject 'LAKEBENCH.{table}' --progress-interval 0 2>"$WORK/ship.log" &
SHIP_PID=$!
sql "SET statement_timeout = '30min'; DO \$\$ BEGIN
       WHILE NOT (SELECT confirmed_flush_lsn >= '$END' FROM pg_replication_slots WHERE slot_name = 'lakebench') LOOP
         PERFORM pg_sleep(0.05);
       END LOOP;
     END \$\$" || exit 1
ship_stop
[ "$(stream_info LAKEBENCH messages)" = "$EVENTS" ] || { echo "the stream does not hold $EVENTS messages"; exit 1; }

now() { date +%s.%N; }
since() { awk -v e="$(now)" -v s="$1" 'BEGIN { print e - s }'; }
HAS_REPLAY=0
"$W2E" replay --help >/dev/null 2>&1 && HAS_REPLAY=1
consumes=() lakes=() replays=() lake_bytes=0
for r in $(seq 1 "$RUNS"); do
  s=$(now)
  "$W2E" consume --from "$NATS" --stream LAKEBENCH >/dev/null 2>"$WORK/consume.log" || { tail -n 3 "$WORK/consume.log"; exit 1; }
  c=$(since "$s")
  rm -rf "$WORK/lake"
  s=$(now)
  "$W2E" lake --from "$NATS" --stream LAKEBENCH --to "$WORK/lake" --durable "bench$r" --drain \
    --progress-interval 0 2>"$WORK/lake.log" || { tail -n 3 "$WORK/lake.log"; exit 1; }
  l=$(since "$s")
  printf 'run %d: consume %.2f s, lake --drain %.2f s' "$r" "$c" "$l"
  consumes+=("$c") lakes+=("$l")
  if [ "$HAS_REPLAY" = 1 ]; then
    s=$(now)
    "$W2E" replay --from "$WORK/lake" --stream LAKEBENCH --to "$NATS" --create-stream "REPLAY$r" \
      2>"$WORK/replay.log" || { echo; tail -n 3 "$WORK/replay.log"; exit 1; }
    p=$(since "$s")
    [ "$(stream_info "REPLAY$r" messages)" = "$EVENTS" ] || { echo; echo "REPLAY$r does not hold $EVENTS messages"; exit 1; }
    "$HUB" 127.0.0.1 "$NATS_PORT" "REPLAY$r" delete
    printf ', replay %.2f s' "$p"
    replays+=("$p")
  fi
  echo
  # the consumer of the run goes: the next run's starts fresh
  python3 - "$NATS_PORT" "bench$r" <<'EOF' >/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.makefile("rb").readline()
s.sendall(b"CONNECT {}\r\nPUB $JS.API.CONSUMER.DELETE.LAKEBENCH.%s 0\r\n\r\nPING\r\n" % sys.argv[2].encode())
s.recv(4096)
EOF
done
lake_data=$(find "$WORK/lake" -name '*.ndjson.zst' -printf '%s\n' | awk '{ t += $1 } END { print t }')
lake_index=$(find "$WORK/lake" -name '*.index.json' -printf '%s\n' | awk '{ t += $1 } END { print t }')
lake_files=$(find "$WORK/lake" -name '*.ndjson.zst' | wc -l)
stream_bytes=$(stream_info LAKEBENCH bytes)

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mc=$(median "${consumes[@]}")
ml=$(median "${lakes[@]}")
echo
printf '| reader of %d stored events | median time | events/s |\n|---|---|---|\n' "$EVENTS"
awk -v n="$EVENTS" -v c="$mc" -v l="$ml" 'BEGIN {
  printf "| wal2events consume > /dev/null | %.2f s | %.0f |\n", c, n / c
  printf "| wal2events lake --drain (local directory, fsync per file) | %.2f s | %.0f |\n", l, n / l
  printf "ratio lake rate / consume rate: %.2f (goal >= 0.8)\n", c / l
}'
awk -v n="$EVENTS" -v s="$stream_bytes" -v d="$lake_data" -v i="$lake_index" -v f="$lake_files" 'BEGIN {
  printf "stream: %.1f bytes/event stored; lake: %.1f bytes/event (%d files, indexes %.2f bytes/event more); stream / lake: %.1fx\n",
    s / n, d / n, f, i / n, s / d
}'
if [ "$HAS_REPLAY" = 1 ]; then
  mp=$(median "${replays[@]}")
  for every in 1 64; do
    out=$("$HUB" 127.0.0.1 "$NATS_PORT" CEILING "$EVENTS" --body 232 --ack-every "$every") || exit 1
    "$HUB" 127.0.0.1 "$NATS_PORT" CEILING delete
    echo "hub ceiling, acknowledgement every $every message(s): $out"
    rate=$(echo "$out" | grep -o '[0-9.]* messages/s' | cut -d' ' -f1)
    [ -n "$rate" ] && awk -v n="$EVENTS" -v p="$mp" -v h="$rate" -v k="$every" 'BEGIN {
      printf "replay %.2f s, %.0f events/s; ratio replay / hub ceiling (ack every %d): %.2f (goal >= 0.8)\n", p, n / p, k, (n / p) / h
    }'
  done
else
  echo "replay: wal2events replay is not in this build (not measured)"
fi
