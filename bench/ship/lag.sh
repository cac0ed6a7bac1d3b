#!/usr/bin/env bash
# bench/ship/lag.sh: steady-state lag of `wal2events ship` at a fixed offered
# load: how long after its commit each event can be read from JetStream.
#
#   bench/ship/lag.sh [EVENTS_PER_SECOND] [SECONDS] [ROWS_PER_TRANSACTION]
#                     (as root; default 10000 events/s for 20 s, 100 rows each)
#
# A throwaway PostgreSQL and nats-server -js (file storage) on loopback; the
# shipper runs with its defaults; a session commits transactions of
# ROWS_PER_TRANSACTION rows at the pace that offers EVENTS_PER_SECOND;
# `wal2events consume --follow` reads the stream, and each event's lag is
# its arrival time at the consumer minus its commit_time (one machine, one
# clock). Prints p50, p90, p99 and max over all events.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RATE=${1:-10000}
SECONDS_=${2:-20}
ROWS=${3:-100}
[ "$(id -u)" = 0 ] || { echo "bench/ship/lag.sh: run as root"; exit 2; }
WORK=$(mktemp -d /tmp/wal2events-bench-lag.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
trap '[ -n "${KEEP:-}" ] && exit; [ -n "${CONSUMER:-}" ] && kill "$CONSUMER" 2>/dev/null; [ -n "$SHIP_PID" ] && kill "$SHIP_PID" 2>/dev/null; stop_nats; w2e_cluster_stop "$WORK/pg"; rm -rf "$WORK"' EXIT

make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null || exit 1
start_postgres && start_nats || exit 1
sql "CREATE TABLE lag (id bigint PRIMARY KEY, v text)"

TXNS=$((RATE * SECONDS_ / ROWS))
EVENTS=$((TXNS * ROWS))
INTERVAL=$(awk -v r="$RATE" -v n="$ROWS" 'BEGIN { printf "%.6f", n / r }')

ship_bg "$WORK/ship.log" --dbname "$DBURL" --slot lag --create-slot --to "$NATS" \
  --create-stream LAG --subject 'lag.{type}' --progress-interval 0
wait_until 20 grep -q "shipping to JetStream" "$WORK/ship.log" || { cat "$WORK/ship.log"; exit 1; }

# the consumer stamps every event with its arrival and computes the lag
"$W2E" consume --from "$NATS" --stream LAG --follow --count "$EVENTS" |
  python3 -c '
import json, sys, time, datetime
lags = []
for line in sys.stdin:
    now = time.time()
    t = json.loads(line)["commit_time"]
    commit = datetime.datetime.strptime(t.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f" if "." in t else "%Y-%m-%dT%H:%M:%S")
    lags.append(now - commit.replace(tzinfo=datetime.timezone.utc).timestamp())
lags.sort()
q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))] * 1000
print("events %d  lag ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" % (len(lags), q(.5), q(.9), q(.99), lags[-1] * 1000))
' > "$WORK/lag.txt" &
CONSUMER=$!
sleep 1

start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres <<SQL || exit 1
DO \$\$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 0..$((TXNS - 1)) LOOP
    INSERT INTO lag SELECT g, 'value ' || g FROM generate_series(i * $ROWS + 1, (i + 1) * $ROWS) g;
    COMMIT;
    -- keep the pace: sleep until this transaction's slot in the schedule ends
    PERFORM pg_sleep(GREATEST(0, EXTRACT(epoch FROM t0 + (i + 1) * interval '$INTERVAL seconds' - clock_timestamp())));
  END LOOP;
END
\$\$;
SQL
end=$(date +%s.%N)
wait "$CONSUMER"; CONSUMER=
offered=$(awk -v e="$end" -v s="$start" -v n="$EVENTS" 'BEGIN { printf "%.0f", n / (e - s) }')
echo "offered load: $EVENTS events in $TXNS transactions of $ROWS rows, $offered events/s"
cat "$WORK/lag.txt"
