#!/usr/bin/env bash
# The main job on an embedded default: a throwaway PostgreSQL cluster, the
# wal2events extension, a small orders service workload, and the events it
# produces arriving through a logical replication slot, shown as JSON.
# Installs what is missing, builds and installs wal2events (needs root),
# cleans up when done.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh

[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it installs packages and the extension)" >&2; exit 2; }
scripts/install-deps.sh
echo "== building and installing wal2events"
make -s -j"$(nproc)" && make -s install >/dev/null

dir=$(mktemp -d /tmp/wal2events-demo.XXXXXX)
port=$(w2e_free_port)
cleanup() { [ -n "${recv_pid:-}" ] && kill "$recv_pid" 2>/dev/null; w2e_cluster_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
echo "== starting a throwaway PostgreSQL on 127.0.0.1:$port"
w2e_cluster_start "$dir" "$port"
psql_() { as_postgres psql -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

psql_ <<'SQL'
CREATE EXTENSION wal2events;
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer text NOT NULL,
    total numeric(12,2) NOT NULL,
    status text NOT NULL DEFAULT 'placed',
    placed_at timestamptz NOT NULL DEFAULT now()
);
SELECT 'slot created' FROM pg_create_logical_replication_slot('demo', 'wal2events');
SQL

echo "== streaming the slot with pg_recvlogical (format=json)"
pg_recvlogical -h 127.0.0.1 -p "$port" -U postgres -d postgres --slot demo \
  --no-loop --start -o format=json -f "$dir/events.jsonl" &
recv_pid=$!

echo "== the orders service at work"
psql_ <<'SQL'
-- an order placed: the row and a domain event, in one transaction
BEGIN;
WITH o AS (INSERT INTO orders (customer, total) VALUES ('ada', 42.50) RETURNING id, total)
SELECT wal2events.emit('order-placed', o.id::text,
                       jsonb_build_object('order_id', o.id, 'total', o.total),
                       '{"source": "demo"}') FROM o;
COMMIT;
BEGIN;
WITH o AS (INSERT INTO orders (customer, total) VALUES ('grace', 19.99) RETURNING id, total)
SELECT wal2events.emit('order-placed', o.id::text,
                       jsonb_build_object('order_id', o.id, 'total', o.total)) FROM o;
COMMIT;
UPDATE orders SET status = 'paid' WHERE customer = 'ada';
-- a rolled-back transaction leaves nothing
BEGIN; UPDATE orders SET status = 'lost'; ROLLBACK;
DELETE FROM orders WHERE customer = 'grace';
SQL

# wait until the stream has caught up with the workload (4 transactions)
for _ in $(seq 1 50); do
  [ -f "$dir/events.jsonl" ] && [ "$(wc -l < "$dir/events.jsonl")" -ge 4 ] && break
  sleep 0.2
done
echo "== events that arrived (one line per committed transaction)"
cat "$dir/events.jsonl"
n=$(wc -l < "$dir/events.jsonl")
echo "== $n transactions arrived"
[ "$n" -eq 4 ]
