#!/usr/bin/env bash
# bench/backfill/run.sh: what a backfill (issue 9) costs, against the
# issue's goals, as ratios of one run (never a timed assertion).
#
#   bench/backfill/run.sh [ROWS] [RUNS]   (as root; default 1000000 rows, 3 runs)
#   ROWS=50000 RUNS=1 LAG_SECONDS=5 ...    a quick run
#   LAG=0                                  skip (d)
#   PARTS=d                                only some of (a) (b) (d) ((c) comes with (b));
#                                          default abd
#   LAG_PACED_RATE=N                       (d) also with backfills at --rate N (default
#                                          20000 rows/s; 0: not)
#   CHUNK_ROWS=N                           rows per chunk (default 1000)
#   LAG_RATE=N LAG_SECONDS=S               (d)'s live load (default 2000 events/s
#                                          in transactions of 10 rows, for 20 s)
#
# One throwaway PostgreSQL and nats-server -js (file storage) on loopback.
# A table `orders` of ROWS rows (6 columns, about 100 bytes a row) is
# loaded and vacuumed before any slot exists, then:
#  (a) through ship into JetStream: a fresh slot and stream, the shipper
#      started and idle, then `wal2events backfill --table orders` at full
#      speed; timed from the backfill's start until the slot is confirmed
#      past its end. Against: the same rows inserted in ONE transaction
#      (INSERT INTO orders_ins SELECT * FROM orders, written once before
#      the runs, a slot per run created before it), drained from the
#      backlog by ship into a fresh stream until confirmed past the commit
#      (as bench/ship/run.sh). Goal: backfill rate >= 0.5 x that rate.
#  (b) the database's side: `wal2events backfill --table orders` (a slot
#      present, read by nobody) against `COPY orders TO '/dev/null'`
#      (reads the same rows, writes no WAL). Goal: within 3x.
#  (c) the WAL a backfill writes (pg_current_wal_lsn before and after (b)'s
#      runs) per byte of pg_total_relation_size('orders') and per row.
#  (d) the commit-to-hub lag of live events (a writer at LAG_RATE into
#      another table, `wal2events consume --follow` stamping arrivals) while
#      backfills of orders run back to back at full speed, against the
#      same load without them: p50, p99, max.
# Runs of (a) and (b) alternate; the figures are medians of RUNS runs.
# The backfill driver is `wal2events backfill` when the CLI has it, else
# CALL wal2events.backfill_run(id) in psql (said so in the output).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROWS=${1:-${ROWS:-1000000}}
RUNS=${2:-${RUNS:-3}}
CHUNK_ROWS=${CHUNK_ROWS:-1000}
LAG=${LAG:-1}
LAG_RATE=${LAG_RATE:-2000}
LAG_SECONDS=${LAG_SECONDS:-20}
LAG_PACED_RATE=${LAG_PACED_RATE:-20000}
PARTS=${PARTS:-abd}
part() { [[ $PARTS == *$1* ]]; }
[ "$LAG" = 1 ] || PARTS=${PARTS//d/}
[ "$(id -u)" = 0 ] || { echo "bench/backfill/run.sh: run as root"; exit 2; }
WORK=$(mktemp -d /tmp/wal2events-bench-backfill.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
CONSUMER='' BF_PID=''
cleanup() {
  [ -n "$CONSUMER" ] && kill "$CONSUMER" 2>/dev/null
  [ -n "$BF_PID" ] && kill "$BF_PID" 2>/dev/null
  [ -n "$SHIP_PID" ] && kill -9 "$SHIP_PID" 2>/dev/null
  stop_nats
  w2e_cluster_stop "$WORK/pg"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null || exit 1
HUB=$WORK/hub_ceiling
cc -std=c11 -O2 -o "$HUB" "$ROOT/bench/ship/hub_ceiling.c" || exit 1
start_postgres && start_nats || exit 1
sql "ALTER SYSTEM SET max_wal_size = '8GB'" && sql "SELECT pg_reload_conf()" >/dev/null
sql "CREATE EXTENSION wal2events"

now() { date +%s.%N; }
elapsed() { awk -v e="$(now)" -v s="$1" 'BEGIN { printf "%.3f", e - s }'; }
median() { [ $# -gt 0 ] || { echo 0; return; }; printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
lsn_diff() { sql "SELECT '$1'::pg_lsn - '$2'::pg_lsn"; }
HZ=$(getconf CLK_TCK)
cpu_of() { awk -v hz="$HZ" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }

if "$ROOT/src/cli/wal2events" backfill --help >/dev/null 2>&1; then
  DRIVER="wal2events backfill --chunk-rows $CHUNK_ROWS"
else
  DRIVER="CALL wal2events.backfill_run(id) (the CLI has no backfill command yet)"
fi
# backfill TABLE [RATE]: one backfill of TABLE, registered and run to the end
# (at full speed, or RATE rows/s)
backfill() {
  if [[ $DRIVER == wal2events* ]]; then
    "$W2E" backfill --dbname "$DBURL" --table "public.$1" --chunk-rows "$CHUNK_ROWS" --progress-interval 0 \
      ${2:+--rate "$2"} >>"$WORK/backfill.log" 2>&1
  else
    local id
    id=$(sql "SELECT wal2events.backfill('$1', chunk_rows => $CHUNK_ROWS)") &&
      sql "CALL wal2events.backfill_run($id${2:+, $2})" >>"$WORK/backfill.log" 2>&1
  fi
}
# wait_lsn SLOT LSN: one backend polls every 10 ms until the slot is confirmed past LSN
wait_lsn() {
  sql "SET statement_timeout = '30min'; DO \$\$ BEGIN
         WHILE NOT (SELECT confirmed_flush_lsn >= '$2' FROM pg_replication_slots WHERE slot_name = '$1') LOOP
           PERFORM pg_sleep(0.01);
         END LOOP;
       END \$\$"
}
# ship_start SLOT STREAM: the shipper running and connected
ship_start() {
  ship_bg "$WORK/$1.log" --dbname "$DBURL" --slot "$1" --to "$NATS" --create-stream "$2" \
    --subject "$2.{table}" --progress-interval 0
  wait_until 30 grep -q "shipping to JetStream" "$WORK/$1.log" ||
    { echo "ship on $1 did not start: $(tail -n 3 "$WORK/$1.log")" >&2; return 1; }
}
stream_done() { # STREAM MIN: at least MIN messages, then deleted
  local got
  got=$("$HUB" 127.0.0.1 "$NATS_PORT" "$1" messages)
  "$HUB" 127.0.0.1 "$NATS_PORT" "$1" delete >/dev/null
  [ "$got" -ge "$2" ] || { echo "stream $1 holds $got messages, expected $2" >&2; return 1; }
}

COLS="id bigint PRIMARY KEY, customer text NOT NULL, email text NOT NULL, total numeric(12,2) NOT NULL,
      status text NOT NULL, created_at timestamptz NOT NULL"
sql "CREATE TABLE orders ($COLS)"
echo "loading $ROWS rows into orders ..."
sql "INSERT INTO orders SELECT g, 'customer ' || (g % 50000), 'c' || (g % 50000) || '@example.com',
       (g % 100000) / 100.0, (ARRAY['placed','paid','shipped'])[g % 3 + 1], '2026-01-01'::timestamptz + g * interval '1 s'
     FROM generate_series(1, $ROWS) g"
sql "VACUUM (FREEZE, ANALYZE) orders"
REL_BYTES=$(sql "SELECT pg_total_relation_size('orders')")
HEAP_BYTES=$(sql "SELECT pg_relation_size('orders')")
echo "orders: $ROWS rows, pg_total_relation_size $(sql "SELECT pg_size_pretty($REL_BYTES::bigint)") (heap $(sql "SELECT pg_size_pretty($HEAP_BYTES::bigint)"))"
echo "backfill driver: $DRIVER"

ins=() bfs=() copies=() dbs=() wals=() copy_wals=()
if part a; then
# the baseline's backlog: the same rows in one transaction, a slot per run before it
for r in $(seq 1 "$RUNS"); do sql "SELECT pg_create_logical_replication_slot('ins$r', 'wal2events')" >/dev/null; done
sql "CREATE TABLE orders_ins ($COLS)"
sql "INSERT INTO orders_ins SELECT * FROM orders"
END_INS=$(sql "SELECT pg_current_wal_insert_lsn()")

# (a) one run of each, alternating
ins_run() {
  local s
  s=$(now)
  ship_start "ins$1" "INS$1" || return 1
  wait_lsn "ins$1" "$END_INS" || return 1
  RESULT=$(elapsed "$s")
  ship_stop INT
  sql "SELECT pg_drop_replication_slot('ins$1')" >/dev/null
  stream_done "INS$1" "$ROWS" >&2 || return 1
}
bfship_run() {
  local s d e end wal_pid ship_cpu
  sql "SELECT pg_create_logical_replication_slot('bf$1', 'wal2events')" >/dev/null
  ship_start "bf$1" "BF$1" || return 1
  wal_pid=$(sql "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'bf$1'")
  s=$(now)
  backfill orders || { echo "backfill failed: $(tail -n 3 "$WORK/backfill.log")" >&2; return 1; }
  d=$(elapsed "$s")
  end=$(sql "SELECT pg_current_wal_insert_lsn()")
  wait_lsn "bf$1" "$end" || return 1
  e=$(elapsed "$s")
  ship_cpu=$(cpu_of "$SHIP_PID")
  echo "backfill through ship, run $1: driver done after $d s; CPU seconds: shipper $ship_cpu, walsender $(cpu_of "$wal_pid")" >>"$WORK/notes.txt"
  ship_stop INT
  sql "SELECT pg_drop_replication_slot('bf$1')" >/dev/null
  stream_done "BF$1" "$ROWS" >&2 || return 1
  RESULT=$e
}
for r in $(seq 1 "$RUNS"); do
  ins_run "$r" || exit 1
  i=$RESULT
  bfship_run "$r" || exit 1
  b=$RESULT
  printf '(a) run %d: one-transaction insert shipped %.2f s, backfill through ship %.2f s\n' "$r" "$i" "$b"
  ins+=("$i") bfs+=("$b")
done
cat "$WORK/notes.txt"
fi

# (b) and (c): the database's side, a slot present
if part b; then
sql "SELECT pg_create_logical_replication_slot('present', 'wal2events')" >/dev/null
for r in $(seq 1 "$RUNS"); do
  w0=$(sql "SELECT pg_current_wal_lsn()")
  s=$(now)
  sql "COPY orders TO '/dev/null'" || exit 1
  c=$(elapsed "$s")
  w1=$(sql "SELECT pg_current_wal_lsn()")
  s=$(now)
  backfill orders || { echo "backfill failed: $(tail -n 3 "$WORK/backfill.log")"; exit 1; }
  d=$(elapsed "$s")
  w2=$(sql "SELECT pg_current_wal_lsn()")
  printf '(b) run %d: COPY orders TO /dev/null %.2f s, backfill %.2f s; (c) WAL: COPY %s bytes, backfill %s bytes\n' \
    "$r" "$c" "$d" "$(lsn_diff "$w1" "$w0")" "$(lsn_diff "$w2" "$w1")"
  copies+=("$c") dbs+=("$d") wals+=("$(lsn_diff "$w2" "$w1")") copy_wals+=("$(lsn_diff "$w1" "$w0")")
done
sql "SELECT pg_drop_replication_slot('present')" >/dev/null
fi

# (d) live lag with and without backfills at full speed
lag_run() { # NAME WITH_BACKFILL [RATE]
  local txns=$((LAG_RATE * LAG_SECONDS / 10)) interval events
  events=$((txns * 10))
  interval=$(awk -v r="$LAG_RATE" 'BEGIN { printf "%.6f", 10 / r }')
  sql "SELECT pg_create_logical_replication_slot('lag$1', 'wal2events')" >/dev/null
  ship_start "lag$1" "LAG$1" || return 1
  "$W2E" consume --from "$NATS" --stream "LAG$1" --subject "LAG$1.live" --follow --count "$events" 2>"$WORK/consume.log" |
    python3 -c '
import json, sys, time, datetime
lags = []
for line in sys.stdin:
    now = time.time()
    t = json.loads(line)["commit_time"].rstrip("Z")
    commit = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f" if "." in t else "%Y-%m-%dT%H:%M:%S")
    lags.append(now - commit.replace(tzinfo=datetime.timezone.utc).timestamp())
lags.sort()
q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))] * 1000
print("%d events, lag ms p50 %.1f p99 %.1f max %.1f" % (len(lags), q(.5), q(.99), lags[-1] * 1000))
' >"$WORK/lag$1.txt" &
  CONSUMER=$!
  sleep 1
  local bf_runs=
  if [ "$2" = 1 ]; then
    rm -f "$WORK/lag.stop" "$WORK/lag.backfills"
    ( while [ ! -f "$WORK/lag.stop" ]; do backfill orders "${3:-}" || exit 1; echo x >>"$WORK/lag.backfills"; done ) &
    BF_PID=$!
  fi
  sql "DO \$\$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 0..$((txns - 1)) LOOP
    INSERT INTO live SELECT g, 'value ' || g FROM generate_series(i * 10 + 1, (i + 1) * 10) g;
    COMMIT;
    PERFORM pg_sleep(GREATEST(0, EXTRACT(epoch FROM t0 + (i + 1) * interval '$interval seconds' - clock_timestamp())));
  END LOOP;
END \$\$" || return 1
  if [ -n "$BF_PID" ]; then
    touch "$WORK/lag.stop"
    wait "$BF_PID"; BF_PID=
    bf_runs=$(cat "$WORK/lag.backfills" 2>/dev/null | grep -c .)
  fi
  wait "$CONSUMER"; CONSUMER=
  ship_stop INT
  sql "SELECT pg_drop_replication_slot('lag$1')" >/dev/null
  "$HUB" 127.0.0.1 "$NATS_PORT" "LAG$1" delete >/dev/null
  sql "TRUNCATE live"
  RESULT="$(cat "$WORK/lag$1.txt")${bf_runs:+, $bf_runs backfill(s) of orders finished meanwhile}"
}
if part d; then
  sql "CREATE TABLE live (id bigint PRIMARY KEY, v text)"
  lag_run 1 0 || exit 1
  lag_without=$RESULT
  lag_run 2 1 || exit 1
  lag_with=$RESULT
  if [ "$LAG_PACED_RATE" != 0 ]; then
    lag_run 3 1 "$LAG_PACED_RATE" || exit 1
    lag_paced=$RESULT
  fi
fi

mi=$(median "${ins[@]}") mb=$(median "${bfs[@]}") mc=$(median "${copies[@]}") md=$(median "${dbs[@]}")
mw=$(median "${wals[@]}") mcw=$(median "${copy_wals[@]}")
echo
echo "PostgreSQL $(sql "SHOW server_version"), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$ROWS rows, chunks of $CHUNK_ROWS, medians of $RUNS runs; driver: $DRIVER"
echo
if part a || part b; then
  printf '| measure | median | rows/s |\n|---|---|---|\n'
  part a && awk -v n="$ROWS" -v i="$mi" -v b="$mb" 'BEGIN {
    printf "| (a) the rows inserted in one transaction, shipped (backlog drain) | %.2f s | %.0f |\n", i, n / i
    printf "| (a) backfill through ship, start to slot confirmed | %.2f s | %.0f |\n", b, n / b
  }'
  part b && awk -v n="$ROWS" -v c="$mc" -v d="$md" 'BEGIN {
    printf "| (b) COPY orders TO /dev/null | %.2f s | %.0f |\n", c, n / c
    printf "| (b) backfill, database side (slot present, not read) | %.2f s | %.0f |\n", d, n / d
  }'
  echo
fi
part a && awk -v i="$mi" -v b="$mb" 'BEGIN { printf "(a) backfill rate / one-transaction shipping rate: %.2f (goal >= 0.5)\n", i / b }'
part b && awk -v c="$mc" -v d="$md" 'BEGIN { printf "(b) backfill time / COPY time: %.2f (goal <= 3)\n", d / c }'
part b && awk -v w="$mw" -v cw="$mcw" -v r="$REL_BYTES" -v h="$HEAP_BYTES" -v n="$ROWS" 'BEGIN {
  printf "(c) WAL per backfill: %.1f MB = %.2f bytes per byte of pg_total_relation_size (%.2f per heap byte), %.0f bytes per row; COPY wrote %d bytes\n",
    w / 1048576, w / r, w / h, w / n, cw
}'
if part d; then
  echo "(d) live events at $LAG_RATE/s for $LAG_SECONDS s, commit to consumer: without a backfill: $lag_without"
  echo "    with backfills of orders back to back at full speed: $lag_with"
  [ -z "${lag_paced:-}" ] || echo "    with backfills of orders back to back at --rate $LAG_PACED_RATE: $lag_paced"
fi
exit 0
