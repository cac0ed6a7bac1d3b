#!/usr/bin/env bash
# The main job end to end, on an embedded default: an orders service writes
# to its tables as usual, `wal2events ship` turns every committed
# transaction into domain events on NATS JetStream (and, with --backfill
# orders, the orders that existed before it started into order-read
# events), `wal2events consume` reads them back from the hub, and
# `wal2events lake` keeps them in an event lake that `wal2events replay`
# reads.
#
#   scripts/demo.sh        (as root, on Debian 12; about 20 s with a fresh build)
#
# Installs the Debian packages it misses, builds and installs wal2events,
# starts a throwaway PostgreSQL (as the postgres user) and a throwaway
# nats-server -js, both on free loopback ports in a temporary directory,
# runs the workload, checks that exactly the expected events arrived and
# that the shipper stops cleanly on SIGTERM, and removes everything when
# done (also when interrupted). Exit status 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/cluster.sh

[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it installs packages and the extension)" >&2; exit 2; }
scripts/install-deps.sh
echo "== building and installing wal2events"
make -s -j"$(nproc)" >/dev/null && make -s install >/dev/null
W2E=$root/src/cli/wal2events

demo_dir=$(mktemp -d /tmp/wal2events-demo.XXXXXX)
chmod 755 "$demo_dir"
ship_pid='' nats_pid='' consume_pid=''
exec 3>&1 4>&2		# the terminal, for cleanup: a signal may stop a command with redirections
cleanup() {
  local status=$?
  set +e
  exec 1>&3 2>&4
  if [ -n "$consume_pid" ]; then kill "$consume_pid" 2>/dev/null; wait "$consume_pid" 2>/dev/null; fi
  [ -z "$ship_pid" ] || kill -9 "$ship_pid" 2>/dev/null
  if [ -n "$nats_pid" ]; then kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; fi
  w2e_cluster_stop "$demo_dir/pg"
  rm -rf "$demo_dir"
  if [ $status = 0 ]; then
    echo "== done: every check passed; the throwaway servers and their files are gone"
  else
    echo "== demo FAILED (exit status $status); the throwaway servers and their files are gone" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
  echo "demo.sh: $*" >&2
  for log in "$demo_dir/ship.log" "$demo_dir/consume.log"; do
    [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

# wait_lines N FILE: until FILE has N lines (15 s at most)
wait_lines() {
  local i
  for i in $(seq 1 150); do
    [ "$(grep -c . "$2" 2>/dev/null)" -ge "$1" ] && return 0
    sleep 0.1
  done
  die "expected $1 events on the hub, $(grep -c . "$2") arrived within 15 s"
}

pg_port=$(w2e_free_port)
echo "== starting a throwaway PostgreSQL on 127.0.0.1:$pg_port"
w2e_cluster_start "$demo_dir/pg" "$pg_port"
export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

nats_port=$(w2e_free_port)
nats=nats://127.0.0.1:$nats_port
echo "== starting a throwaway NATS JetStream server on 127.0.0.1:$nats_port"
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$demo_dir/jetstream" >"$demo_dir/nats.log" 2>&1 3>&- 4>&- &
nats_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break
  kill -0 "$nats_pid" 2>/dev/null || die "nats-server did not start: $(tail -n 3 "$demo_dir/nats.log")"
  sleep 0.1
done

echo "== the orders service: its tables, and routes that turn them into domain events"
cat <<'SQL' | tee "$demo_dir/schema.sql" | sed 's/^/   /'
CREATE EXTENSION wal2events;
CREATE TABLE orders (
    id           bigint PRIMARY KEY,
    customer     text NOT NULL,
    email        text NOT NULL,           -- personal data: never leaves the database
    total        numeric(12,2) NOT NULL,
    status       text NOT NULL DEFAULT 'placed',
    cancelled_at timestamptz              -- set: the order is cancelled
);
ALTER TABLE orders REPLICA IDENTITY FULL; -- soft deletes compare with the old row
CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders,
    line     int NOT NULL,
    sku      text NOT NULL,
    qty      int NOT NULL,
    PRIMARY KEY (order_id, line)
);
SELECT wal2events.route('orders', entity => 'order', exclude => '{email}',
                        soft_delete => 'cancelled_at', deleted => 'order-cancelled',
                        subject => 'shop.orders.{type}', tags => '{"service": "orders"}');
SELECT wal2events.route('order_lines', entity => 'order-line', partition_key => '{order_id}',
                        subject => 'shop.orders.{type}');
SQL
psql_ -f "$demo_dir/schema.sql" >/dev/null

echo "== orders placed before the shipper starts: no slot saw them, a backfill will"
cat <<'SQL' | tee "$demo_dir/before.sql" | sed 's/^/   /'
INSERT INTO orders (id, customer, email, total, status) VALUES
    (901, 'linus',   'linus@example.com',   12.00, 'paid'),
    (902, 'barbara', 'barbara@example.com', 99.90, 'shipped'),
    (903, 'edsger',  'edsger@example.com',   5.25, 'placed');
SQL
psql_ -f "$demo_dir/before.sql" >/dev/null

ship_cmd=("$W2E" ship --dbname "host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
  --slot shop --create-slot --backfill orders --to "$nats" --create-stream SHOP --subject 'shop.{type}'
  --progress-interval 0)
echo "== starting the shipper in the background"
echo "   wal2events ship --dbname 'host=127.0.0.1 port=$pg_port user=postgres dbname=postgres' \\"
echo "                   --slot shop --create-slot --backfill orders --to $nats --create-stream SHOP --subject 'shop.{type}'"
"${ship_cmd[@]}" >"$demo_dir/ship.out" 2>"$demo_dir/ship.log" 3>&- 4>&- &
ship_pid=$!
for _ in $(seq 1 100); do
  grep -q "shipping to JetStream" "$demo_dir/ship.log" && break
  kill -0 "$ship_pid" 2>/dev/null || die "wal2events ship stopped at start"
  sleep 0.1
done
grep -q "shipping to JetStream" "$demo_dir/ship.log" || die "wal2events ship did not start within 10 s"
shown=$(wc -l <"$demo_dir/ship.log")
sed 's/^[^ ]* /   /' "$demo_dir/ship.log" | head -n "$shown"

backfilled=3 expected=13
echo "== the events arrive on the hub as they are shipped"
echo "   (app> what the application does; hub> what \`wal2events consume --follow\` prints)"
: >"$demo_dir/arrived.jsonl"
# --follow: print events as they arrive; --count: stop after the expected number
"$W2E" consume --from "$nats" --stream SHOP --follow --count "$expected" 2>"$demo_dir/consume.log" 3>&- 4>&- \
  > >(tee "$demo_dir/arrived.jsonl" | sed -u 's/^/   hub> /') &
consume_pid=$!

step() { echo "   app> $1"; psql_ -c "$2" >/dev/null; wait_lines "$3" "$demo_dir/arrived.jsonl"; sleep 0.2; }
echo "   app> (nothing: ship --backfill orders reads the $backfilled existing orders through the slot)"
wait_lines "$backfilled" "$demo_dir/arrived.jsonl"
sleep 0.2
step "order 1001 placed by ada: the order, its 2 lines and an order-placed event, in one transaction" "
BEGIN;
INSERT INTO orders (id, customer, email, total) VALUES (1001, 'ada', 'ada@example.com', 42.50);
INSERT INTO order_lines VALUES (1001, 1, 'book-123', 2), (1001, 2, 'pen-9', 1);
SELECT wal2events.emit('order-placed', '1001', '{\"order_id\": 1001, \"total\": 42.50, \"lines\": 2}');
COMMIT;" 7
step "order 1002 placed by grace: 1 line, and its order-placed event" "
BEGIN;
INSERT INTO orders (id, customer, email, total) VALUES (1002, 'grace', 'grace@example.com', 19.99);
INSERT INTO order_lines VALUES (1002, 1, 'mug-7', 1);
SELECT wal2events.emit('order-placed', '1002', '{\"order_id\": 1002, \"total\": 19.99, \"lines\": 1}');
COMMIT;" 10
step "order 1001 paid" "UPDATE orders SET status = 'paid' WHERE id = 1001" 11
step "order 1002: one more mug" "UPDATE order_lines SET qty = 2 WHERE order_id = 1002 AND line = 1" 12
echo "   app> an update of order 1001, rolled back: no event"
psql_ -c "BEGIN; UPDATE orders SET status = 'lost' WHERE id = 1001; ROLLBACK;" >/dev/null
step "order 1002 cancelled (a soft delete: cancelled_at is set)" \
  "UPDATE orders SET cancelled_at = now() WHERE id = 1002" "$expected"
wait "$consume_pid" || die "wal2events consume --follow failed: $(cat "$demo_dir/consume.log")"
consume_pid=''

echo "== what the hub holds: wal2events consume --from $nats --stream SHOP"
"$W2E" consume --from "$nats" --stream SHOP >"$demo_dir/stored.jsonl" 2>"$demo_dir/consume.log" ||
  die "wal2events consume failed: $(cat "$demo_dir/consume.log")"
python3 - "$demo_dir/stored.jsonl" "$expected" <<'PY' || die "the hub does not hold the expected events"
import collections, json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
print("   %d events, in commit order:" % len(events))
for e in events:
    what = e.get("table") and "%s %s" % (e["table"], e["operation"]) or "wal2events.emit()"
    print("     %-20s key %-6s %-20s %s" % (e["type"], e["partition_key"], what, e["id"]))
types = collections.Counter(e["type"] for e in events)
want = {"order-read": 3, "order-created": 2, "order-line-created": 3, "order-placed": 2, "order-updated": 1,
        "order-line-updated": 1, "order-cancelled": 1}
assert len(events) == int(sys.argv[2]), "expected %s events, found %d" % (sys.argv[2], len(events))
assert types == want, "event types %s, expected %s" % (dict(types), want)
assert len(set(e["id"] for e in events)) == len(events), "an event id twice"
lsn = lambda t: tuple(int(h, 16) for h in t.split("/"))
order = [(lsn(e["commit_lsn"]), e["position"]) for e in events]
assert order == sorted(order), "events out of commit order"
assert not any("@example.com" in json.dumps(e) or "email" in json.dumps(e) for e in events), \
    "the e-mail column reached the hub"
reads = sorted((e["partition_key"], e["new"]["status"]) for e in events if e["type"] == "order-read")
assert reads == [("901", "paid"), ("902", "shipped"), ("903", "placed")], "backfilled: %s" % reads
assert all(e["operation"] == "read" and "old" not in e for e in events if e["type"] == "order-read"), \
    "a read event that is not a read, or has old values"
print("   ok: %d events, each once, in commit order; the 3 orders placed before the shipper each read once;"
      " the e-mail column is in none of them" % len(events))
PY
n_orders=$("$W2E" consume --from "$nats" --stream SHOP --subject 'shop.orders.>' | grep -c . || true)
n_events=$("$W2E" consume --from "$nats" --stream SHOP --subject 'shop.*' | grep -c . || true)
echo "   by subject (consume --subject): shop.orders.> $n_orders events (the routes'), shop.* $n_events (emit()'s, on --subject shop.{type})"
[ "$n_orders" = 11 ] && [ "$n_events" = 2 ] || die "expected 11 events on shop.orders.> and 2 on shop.*"

echo "== the event lake: wal2events lake --from $nats --stream SHOP --to \$demo_dir/lake --drain"
"$W2E" lake --from "$nats" --stream SHOP --to "$demo_dir/lake" --drain --progress-interval 0 \
  2>"$demo_dir/lake.log" || die "wal2events lake failed: $(cat "$demo_dir/lake.log")"
(cd "$demo_dir/lake" && find . -type f ! -name '.*' | sort | sed 's|^\./|   |')
"$W2E" replay --from "$demo_dir/lake" --stream SHOP --to - --progress-interval 0 >"$demo_dir/lake.jsonl" \
  2>"$demo_dir/replay.log" || die "wal2events replay failed: $(cat "$demo_dir/replay.log")"
cmp -s "$demo_dir/lake.jsonl" "$demo_dir/stored.jsonl" ||
  die "the lake's lines are not the lines consume printed"
echo "   ok: the lake holds the same $(grep -c . "$demo_dir/lake.jsonl") lines as the hub, in the same order"
echo "   wal2events replay --dry-run --type 'order-*' --key 1002:"
"$W2E" replay --from "$demo_dir/lake" --stream SHOP --dry-run --type 'order-*' --key 1002 \
  --progress-interval 0 2>>"$demo_dir/replay.log" | sed 's/^/     /'

echo "== stopping the shipper with SIGTERM"
kill -TERM "$ship_pid"
status=0
wait "$ship_pid" || status=$?
ship_pid=''
tail -n +"$((shown + 1))" "$demo_dir/ship.log" | sed 's/^[^ ]* /   /'   # the lines not shown yet
[ $status = 0 ] || die "wal2events ship exited with status $status, expected 0"
last=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["commit_lsn"])' "$demo_dir/stored.jsonl")
confirmed=$(psql_ -At -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'shop'")
[ "$(psql_ -At -c "SELECT '$confirmed'::pg_lsn >= '$last'::pg_lsn")" = t ] ||
  die "the slot is confirmed up to $confirmed only, the last event's commit is at $last"
echo "   ok: exit status 0; the slot is confirmed up to $confirmed, past the last event's commit ($last)"
