#!/usr/bin/env bash
# tests/ship/run.sh: `wal2events ship` and `tail` against a real PostgreSQL
# and a real nats-server -js, both throwaway, on free loopback ports.
#
#   tests/ship/run.sh [TEST ...]     (as root; default: every test)
#
# Tests: unit usage env systemd start_errors no_leftovers auth tls e2e json_subjects long_key
# routes file file_errors dup_window frozen_hub health consume consume_exit tail idle
# claim crash outage pg_restart dedup sigterm rejecting shared_newer
# shared_databases shared_slots rejected_size rejected_full shared_claim
# envelope_check cluster cluster_ldm cluster_frozen (the last three on a
# 3-node JetStream cluster, tests/ship/cluster.sh), and for --unit transaction:
# e2e_txn shared_units unit_switch claim_txn crash_txn outage_txn dedup_txn
# shared_slots_txn (the fault tests again in that unit); backfill_hold
# (the confirm hold of a backfill window, in both units and a file) ship_backfill;
# backfill backfill_create_slot (the property test of issue 9); lake_crash
# lake_outage lake_full_disk lake_rotation lake_duckdb lake_replay lake_damage lake_writers
# (the event lake, tests/ship/lake.sh); lake_s3_store (the event lake's S3
# store against a local S3 server, tests/ship/lake_s3.sh), lake_s3
# (`wal2events lake --to s3://` through failed, cut and stalled uploads and
# kill -9). Each shipper
# test uses its own slot and its own stream, and compares what reached the hub with what a
# second slot over the same WAL says (wal2events.decode()). Ends with
# "N passed, N failed"; exit status 1 when anything failed.
# KEEP=1 keeps the work directory; VALGRIND=0 runs e2e without valgrind.
# NATS_TLS=1 runs the tests against a nats-server that requires TLS
# (tls:// URLs, the test CA trusted through SSL_CERT_FILE).
# W2E_SANITIZE=1 runs wal2events (src/cli/asan/wal2events), js_dump and
# ship_unit built with AddressSanitizer and UndefinedBehaviorSanitizer
# (clang, without valgrind): any report of any process, leaks included,
# is one more failure (tests/sanitizers/env.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "tests/ship/run.sh: run as root (it installs the plugin and runs PostgreSQL as postgres)"
  echo "0 passed, 1 failed"
  exit 1
fi
WORK=$(mktemp -d /tmp/wal2events-ship.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/ship/lib.sh"
. "$ROOT/tests/ship/cluster.sh"
. "$ROOT/tests/ship/lake_s3.sh"
. "$ROOT/tests/ship/lake.sh"

TEST_CC=cc
if [ "${W2E_SANITIZE:-0}" = 1 ]; then
  W2E=$ROOT/src/cli/asan/wal2events
  TEST_CC=clang
  VALGRIND=0
  san_dir=$WORK/sanitizer-reports
  . "$ROOT/tests/sanitizers/env.sh"
fi

OTHER_PIDS=()
cleanup() {
  [ -n "$SHIP_PID" ] && kill -9 "$SHIP_PID" 2>/dev/null
  for p in "${OTHER_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  stop_nats
  cluster_stop
  w2e_cluster_stop "$WORK/pg"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# the CLI's folders (src/cli/Makefile, CLI_DIRS): headers are found by name
CLI=$ROOT/src/cli
CLI_INC=$(for d in . commands core envelope sinks sinks/file sinks/jetstream nats common; do printf ' -I%s/%s' "$CLI" "$d"; done)
CFLAGS_TEST="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter"
# The helpers link the library's one build (src/lib/Makefile), or its
# sanitizer variant, as the CLI does.
LIB_A=$ROOT/src/lib/build/libwal2events.a
ENVELOPE_CHECK=$CLI/test_envelope_check
build() {
  if [ "${W2E_SANITIZE:-0}" = 1 ]; then
    make -s -C "$ROOT/src/cli" asan/wal2events asan/test_envelope_check >/dev/null || return 1
    CFLAGS_TEST="$CFLAGS_TEST $(make -s -C "$ROOT/src/cli" --no-print-directory san-flags)"
    LIB_A=$ROOT/src/lib/build/asan/libwal2events.a
    ENVELOPE_CHECK=$CLI/asan/test_envelope_check
  fi
  make -s -C "$ROOT" >/dev/null && make -s -C "$ROOT" install >/dev/null &&
    { [ "${W2E_SANITIZE:-0}" = 1 ] || make -s -C "$CLI" test_envelope_check >/dev/null; } &&
    $TEST_CC $CFLAGS_TEST -I"$ROOT/src/lib" -I"$ROOT/src/gen" $CLI_INC -o "$JS" "$ROOT/tests/ship/js_dump.c" \
      "$CLI/nats/stream_reader.c" "$CLI/nats/stream_durable.c" "$CLI/envelope/claim_reassembly.c" "$CLI/envelope/envelope_read.c" \
      "$CLI/nats/nats_auth.c" "$CLI/nats/nats_url.c" "$CLI/nats/nkey.c" "$CLI/nats/nats_tls.c" \
      "$CLI/nats/nats_connect_error.c" "$CLI/nats/nats_wire.c" "$CLI/nats/nats_parser.c" "$CLI/common/ship_util.c" \
      "$LIB_A" -lprotobuf-c -lnats -lssl -lcrypto -lm &&
    $TEST_CC $CFLAGS_TEST -I"$ROOT/src/lib" -I"$ROOT/src/gen" $CLI_INC -o "$WORK/ship_unit" \
      "$ROOT/tests/ship/ship_unit.c" "$CLI/sinks/jetstream/subject.c" "$CLI/core/delivery.c" \
      "$CLI/common/ship_util.c" "$CLI/envelope/txn_message.c" "$CLI/envelope/envelope.c" "$LIB_A" -lprotobuf-c -lm
}

# subject templates, delivery tracking, the transaction header scan, in C (tests/ship/ship_unit.c)
test_unit() {
  local out line
  out=$("$WORK/ship_unit" 2>&1)
  echo "$out" | grep -v ' \.\.\. ok$' | grep -v '^[0-9]* passed' || true
  line=$(echo "$out" | tail -n 1)
  PASSED=$((PASSED + $(echo "$line" | cut -d' ' -f1)))
  FAILED=$((FAILED + $(echo "$line" | cut -d' ' -f3)))
  echo "unit: $line"
}

# new_slot NAME: a ship slot and a "truth" slot at the same position
new_slot() {
  sql "SELECT pg_create_logical_replication_slot('$1', 'wal2events')" >/dev/null &&
    sql "SELECT pg_create_logical_replication_slot('$1_truth', 'wal2events')" >/dev/null
}

# wait_confirmed SLOT SECONDS: the slot catches up with the WAL written so far
wait_confirmed() {
  local target
  target=$(sql "SELECT pg_current_wal_insert_lsn()")
  wait_until "$2" sql_is t "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$1'"
}

# verify NAME SLOT STREAM [MIN]: the stream holds exactly the truth slot's events
verify() {
  dump "$3" "$WORK/$2.dump" && truth "$2_truth" "$WORK/$2.truth"
  check "$1: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$WORK/$2.dump" --truth "$WORK/$2.truth" --min "${4:-1}"
}

# The fault tests run in both units: test_crash etc. ship events, and
# test_crash_txn etc. run them again with UNIT=transaction (in_txn_unit):
# their tables, slots and streams get the suffix $TX, their subjects come
# from tsubj, and $UNIT_ARGS adds --unit transaction with chunks of at most
# 300 events (so thousand-row transactions are chunked).
UNIT=event TX="" UNIT_ARGS=""
# (a prefix of its own: a stream of the event test stores "$1.>")
tsubj() { if [ "$UNIT" = transaction ]; then echo "${1}_tx.{database}"; else echo "$1.{table}"; fi; }
in_txn_unit() { UNIT=transaction TX=_tx UNIT_ARGS="--unit transaction -o max-events=300" "test_$1"; }
# verify_unit NAME SLOT: in the transaction unit, the transaction messages themselves
verify_unit() {
  [ "$UNIT" = transaction ] || return 0
  check "$1: one message per chunk, its Nats-Msg-Id, chunks in order" \
    $CHECK transactions "$WORK/$2.dump" "$2" --min-chunks 1
}

test_usage() {
  expect "usage: ship needs --slot" 2 "--slot is required" -- "$W2E" ship --to -
  expect "usage: unknown token in --subject" 2 "unknown token" -- \
    "$W2E" ship --slot s --to nats://127.0.0.1:1 --subject 'events.{nope}'
  expect "usage: empty --subject" 2 "it is empty" -- "$W2E" ship --slot s --to nats://127.0.0.1:1 --subject ''
  expect "usage: empty subject token" 2 "empty token" -- "$W2E" ship --slot s --to nats://127.0.0.1:1 --subject 'a..{type}'
  expect "usage: wildcard in --subject" 2 "'\*', '>'" -- "$W2E" ship --slot s --to nats://127.0.0.1:1 --subject 'a.*'
  expect "usage: unknown flag" 2 "unknown option '--frobnicate'" -- "$W2E" ship --frobnicate
  expect "usage: flag given twice" 2 "given twice" -- "$W2E" ship --slot a --slot b --to -
  expect "usage: bad --max-inflight" 2 "--max-inflight" -- "$W2E" ship --slot s --to - --max-inflight 0
  expect "usage: bad duration" 2 "invalid duration" -- "$W2E" ship --slot s --to - --status-interval soon
  expect "usage: unknown --to" 2 "unknown target" -- "$W2E" ship --slot s --to kafka://x
  expect "usage: -o format is ship's" 2 "set by wal2events ship" -- "$W2E" ship --slot s --to - -o format=json
  expect "usage: --subject needs nats" 2 "only applies to --to nats" -- "$W2E" ship --slot s --to - --subject 'x.{type}'
  # a sink's own flags (the registry, src/cli/sinks/sink.c): checked by that sink, only with its --to
  expect "usage: a NATS flag with a file sink" 2 "--nats-creds only applies to --to nats://HOST:PORT" -- \
    "$W2E" ship --slot s --to file:/nonexistent/x --nats-creds /nonexistent
  expect "usage: a sink flag given twice" 2 "--subject given twice" -- \
    "$W2E" ship --slot s --subject a.b --to nats://127.0.0.1:1 --subject c.d
  expect "usage: a sink flag before --to is checked by that sink" 2 "invalid duration '0' for --ack-timeout" -- \
    "$W2E" ship --ack-timeout 0 --slot s --to nats://127.0.0.1:1
  expect "usage: --stream and --create-stream" 2 "only one of --stream and --create-stream" -- \
    "$W2E" ship --slot s --to nats://127.0.0.1:1 --stream A --create-stream B
  expect "usage: a sink flag needs its value" 2 "--stream needs a value" -- "$W2E" ship --slot s --to nats://127.0.0.1:1 --stream
  expect "usage: tail takes no sink flag" 2 "unknown option '--subject'" -- "$W2E" tail --subject a.b
  local flag missing=""
  "$W2E" ship --help >"$WORK/help.txt"
  for flag in --dbname --slot --create-slot --option --to --payload --subject --stream --create-stream \
    --dup-window --replicas --max-inflight --max-inflight-bytes --ack-timeout --retry-max --status-interval \
    --progress-interval --shutdown-timeout --metrics --ready-max-lag /healthz /readyz --help "Exit status" \
    WAL2EVENTS_MAX_INFLIGHT WAL2EVENTS_OPTION_; do
    grep -q -- "$flag" "$WORK/help.txt" || missing="$missing $flag"
  done
  [ -z "$missing" ] && ok "usage: ship --help lists every flag, the variables and the exit statuses" ||
    fail "usage: ship --help lists every flag" "missing:$missing"
  "$W2E" tail --help >"$WORK/help.txt"
  missing=""
  for flag in --dbname --slot --create-slot --confirm --option --payload --status-interval \
    --progress-interval --shutdown-timeout --metrics --ready-max-lag --help "Exit status"; do
    grep -q -- "$flag" "$WORK/help.txt" || missing="$missing $flag"
  done
  [ -z "$missing" ] && ok "usage: tail --help lists every flag" || fail "usage: tail --help" "missing:$missing"
  "$W2E" consume --help >"$WORK/help.txt"
  missing=""
  for flag in --from --stream --subject --from-start --new --follow --count --payload --help "Exit status"; do
    grep -q -- "$flag" "$WORK/help.txt" || missing="$missing $flag"
  done
  [ -z "$missing" ] && ok "usage: consume --help lists every flag and the exit statuses" ||
    fail "usage: consume --help" "missing:$missing"
  "$W2E" decode --help >"$WORK/help.txt"
  check "usage: decode --help lists --envelope" grep -q -- "--envelope" "$WORK/help.txt"
}

# subjects STREAM: "SUBJECT COUNT" lines of the stream's events
subjects() {
  "$JS" dump "$NATS" "$1" | python3 -c '
import collections,json,sys
c=collections.Counter(json.loads(l)["subject"] for l in sys.stdin if l.strip())
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))'
}

# Every flag from the environment (WAL2EVENTS_<FLAG>, -o as
# WAL2EVENTS_OPTION_<NAME>), as systemd's EnvironmentFile gives them: the
# settings take effect, the command line wins, a bad value names its variable
test_env() {
  local port
  port=$(w2e_free_port)
  sql "CREATE TABLE envt (id bigint PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE envx (id bigint PRIMARY KEY, k int, v text)"
  WAL2EVENTS_DBNAME="$DBURL" WAL2EVENTS_SLOT=env1 WAL2EVENTS_CREATE_SLOT=true WAL2EVENTS_TO="$NATS" \
    WAL2EVENTS_CREATE_STREAM=ENV1 WAL2EVENTS_SUBJECT='env1.{table}' WAL2EVENTS_OPTION_TABLES=public.envt \
    WAL2EVENTS_METRICS="127.0.0.1:$port" WAL2EVENTS_PROGRESS_INTERVAL=0 WAL2EVENTS_PAYLOAD= \
    ship_bg "$WORK/env1.log"
  check "env: the slot created (WAL2EVENTS_SLOT, WAL2EVENTS_CREATE_SLOT=true)" \
    wait_until 15 sql_is t "SELECT active FROM pg_replication_slots WHERE slot_name = 'env1'"
  sql "INSERT INTO envt SELECT g, 0, 'e' FROM generate_series(1, 30) g"
  sql "INSERT INTO envx SELECT g, 0, 'x' FROM generate_series(1, 20) g"
  check "env: caught up" wait_confirmed env1 30
  check "env: /healthz on WAL2EVENTS_METRICS" http_is "$port" /healthz 200
  ship_stop
  check "env: exit status 0" test "$SHIP_STATUS" = 0
  check "env: stream, subject and -o tables from the environment (30 events of envt only)" \
    test "$(subjects ENV1)" = "env1.envt=30"
  # the command line wins, value by value; its values are the only ones checked
  WAL2EVENTS_SLOT=envwrong WAL2EVENTS_CREATE_STREAM=ENVWRONG WAL2EVENTS_SUBJECT='wrong.{table}' \
    WAL2EVENTS_OPTION_TABLES=public.envt WAL2EVENTS_MAX_INFLIGHT=0 WAL2EVENTS_TO=kafka://nowhere \
    ship_bg "$WORK/env2.log" --dbname "$DBURL" --slot env2 --create-slot --to "$NATS" --stream ENV1 \
    --subject 'env1.{table}' -o tables=public.envx --max-inflight 10
  wait_until 15 sql_is t "SELECT active FROM pg_replication_slots WHERE slot_name = 'env2'"
  sql "INSERT INTO envx SELECT g, 0, 'x' FROM generate_series(21, 25) g"
  sql "INSERT INTO envt SELECT g, 0, 'e' FROM generate_series(31, 35) g"
  check "env: command line over environment: caught up" wait_confirmed env2 30
  ship_stop
  check "env: command line over environment: --stream, --subject, -o tables taken, not the variables" \
    test "$(subjects ENV1)" = "env1.envt=30 env1.envx=5"
  check "env: command line over environment: no stream ENVWRONG" bash -c "! \"$JS\" info \"$NATS\" ENVWRONG | grep -q '\"exists\":true'"
  check "env: command line over environment: no slot envwrong" sql_is 0 \
    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'envwrong'"
  expect "env: a bad value names its variable" 2 \
    "environment variable WAL2EVENTS_MAX_INFLIGHT: invalid value '0' for --max-inflight" -- \
    env WAL2EVENTS_MAX_INFLIGHT=0 "$W2E" ship --slot s --to -
  expect "env: a bad duration names its variable" 2 "environment variable WAL2EVENTS_ACK_TIMEOUT: invalid duration 'soon'" -- \
    env WAL2EVENTS_ACK_TIMEOUT=soon "$W2E" ship --slot s --to "$NATS"
  expect "env: a flag without value takes 1/0/true/false, nothing else" 2 \
    "environment variable WAL2EVENTS_CREATE_SLOT: invalid value 'maybe' (give 1 or 0" -- \
    env WAL2EVENTS_CREATE_SLOT=maybe "$W2E" ship --slot s --to -
  expect "env: a misspelt variable is refused" 2 "unknown environment variable WAL2EVENTS_MAX_INFLIGT" -- \
    env WAL2EVENTS_MAX_INFLIGT=10 "$W2E" ship --slot s --to -
  expect "env: a NATS-only variable with --to - names the variable" 2 "WAL2EVENTS_SUBJECT only applies to --to nats" -- \
    env WAL2EVENTS_SUBJECT='x.{type}' "$W2E" ship --slot s --to -
  expect "env: a bad subject template names its variable" 2 "environment variable WAL2EVENTS_SUBJECT: bad --subject" -- \
    env WAL2EVENTS_SUBJECT='x.{nope}' "$W2E" ship --slot s --to "$NATS"
  expect "env: WAL2EVENTS_OPTION_FORMAT is refused like -o format" 2 "environment variable WAL2EVENTS_OPTION_FORMAT: plugin option 'format'" -- \
    env WAL2EVENTS_OPTION_FORMAT=json "$W2E" ship --slot s --to -
  expect "env: --metrics off loopback names its variable" 2 "environment variable WAL2EVENTS_METRICS: --metrics listens on loopback only" -- \
    env WAL2EVENTS_METRICS=0.0.0.0:9187 "$W2E" ship --slot s --to -
  expect "env: an empty variable is unset" 2 "--slot is required (the logical replication slot to ship from; or WAL2EVENTS_SLOT)" -- \
    env WAL2EVENTS_SLOT= "$W2E" ship --to -
  expect "env: WAL2EVENTS_CREATE_SLOT=0 is off" 3 "does not exist (add --create-slot" -- \
    env WAL2EVENTS_CREATE_SLOT=0 "$W2E" ship --slot envnope --to -
  expect "env: tail reads no WAL2EVENTS_ variable" 3 "cannot connect to PostgreSQL" -- \
    env WAL2EVENTS_MAX_INFLIGHT=0 WAL2EVENTS_NOPE=1 "$W2E" tail --dbname "host=127.0.0.1 port=$(w2e_free_port)"
  # contrib/systemd/example.env: every variable it names (set or commented
  # out) is a flag of ship, and its settings pass the checks
  local names
  names=$(grep -o '^#\?WAL2EVENTS_[A-Z_]*=' "$ROOT/contrib/systemd/example.env" | tr -d '#')
  expect "env: contrib/systemd/example.env names only flags and its values pass" 3 "cannot connect to PostgreSQL" -- \
    env $names bash -c "set -a; . '$ROOT/contrib/systemd/example.env'; exec '$W2E' ship --dbname 'host=127.0.0.1 port=$(w2e_free_port)'"
}

# contrib/systemd/wal2events-ship@.service passes `systemd-analyze verify`
# without a word (it needs no running systemd; ExecStart must exist: the
# build installed wal2events)
test_systemd() {
  local d=$WORK/systemd out rc bin
  if ! command -v systemd-analyze >/dev/null; then
    fail "systemd: unit verified" "no systemd-analyze (scripts/install-deps.sh installs systemd)"
    return
  fi
  mkdir -p "$d" && cp "$ROOT/contrib/systemd/wal2events-ship@.service" "$d/"
  out=$(cd "$d" && systemd-analyze verify --man=no ./wal2events-ship@orders.service 2>&1)
  rc=$?
  [ "$rc" = 0 ] && [ -z "$out" ] && ok "systemd: wal2events-ship@orders.service passes systemd-analyze verify" ||
    fail "systemd: systemd-analyze verify" "status $rc: $out"
  # and the check can fail: a misspelt directive is reported
  sed 's/^Restart=on-failure/Restart=on-failur/' "$ROOT/contrib/systemd/wal2events-ship@.service" >"$d/wal2events-ship@.service"
  out=$(cd "$d" && systemd-analyze verify --man=no ./wal2events-ship@orders.service 2>&1)
  check "systemd: a broken unit is reported by the same check" grep -q "on-failur" <<<"$out"
  bin=$(sed -n 's/^ExecStart=\([^ ]*\) ship$/\1/p' "$ROOT/contrib/systemd/wal2events-ship@.service")
  check "systemd: ExecStart ($bin) is the wal2events make install installed" cmp "$bin" "$ROOT/src/cli/wal2events"
  # the lake's unit too, and its example settings are flags of lake that pass its checks
  cp "$ROOT/contrib/systemd/wal2events-lake@.service" "$d/"
  out=$(cd "$d" && systemd-analyze verify --man=no ./wal2events-lake@shop.service 2>&1)
  rc=$?
  [ "$rc" = 0 ] && [ -z "$out" ] && ok "systemd: wal2events-lake@shop.service passes systemd-analyze verify" ||
    fail "systemd: systemd-analyze verify (lake)" "status $rc: $out"
  local names
  names=$(grep -o '^#\?WAL2EVENTS_[A-Z_0-9]*=' "$ROOT/contrib/systemd/lake-example.env" | tr -d '#')
  expect "systemd: lake-example.env names only flags of lake and its values pass" 4 "cannot connect to NATS" -- \
    env $names bash -c "set -a; . '$ROOT/contrib/systemd/lake-example.env'; WAL2EVENTS_FROM=nats://127.0.0.1:$(w2e_free_port) WAL2EVENTS_TO=$d/lake WAL2EVENTS_METRICS=127.0.0.1:$(w2e_free_port); exec '$W2E' lake"
  expect "systemd: a misspelt WAL2EVENTS_ variable stops lake" 2 "WAL2EVENTS_MAX_EVENT is no setting of lake" -- \
    env WAL2EVENTS_MAX_EVENT=5 "$W2E" lake --from nats://127.0.0.1:1 --stream S --to "$d/lake"
}

test_start_errors() {
  local port
  port=$(w2e_free_port)
  expect "start: wrong conninfo" 3 "cannot connect to PostgreSQL" -- \
    "$W2E" ship --dbname "host=127.0.0.1 port=$port user=postgres" --slot s --to -
  expect "start: missing slot without --create-slot" 3 'replication slot "nope" does not exist (add --create-slot' -- \
    "$W2E" ship --slot nope --to -
  sql "SELECT pg_create_logical_replication_slot('td', 'test_decoding')" >/dev/null
  expect "start: slot of another plugin" 3 "uses plugin test_decoding, not wal2events" -- "$W2E" ship --slot td --to -
  sql "SELECT pg_drop_replication_slot('td')" >/dev/null
  sql "SELECT pg_create_physical_replication_slot('phys')" >/dev/null
  expect "start: physical slot" 3 "is a physical slot" -- "$W2E" ship --slot phys --to -
  sql "SELECT pg_drop_replication_slot('phys')" >/dev/null
  if sql "SHOW output_plugin_libraries" >/dev/null 2>&1; then
    sql "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput, test_decoding'" && sql "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    expect "start: plugin not allowed by output_plugin_libraries" 3 "add wal2events to output_plugin_libraries" -- \
      "$W2E" ship --slot notallowed --create-slot --to -
    sql "ALTER SYSTEM RESET output_plugin_libraries" && sql "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
  else
    ok "start: plugin not allowed (skipped: this server has no output_plugin_libraries)"
  fi
  new_slot errs
  expect "start: unreachable hub" 4 "cannot connect to NATS at nats://127.0.0.1:$port" -- \
    "$W2E" ship --slot errs --to "nats://127.0.0.1:$port"
  local plain_port
  plain_port=$(w2e_free_port)
  nats-server -a 127.0.0.1 -p "$plain_port" >"$WORK/plain-nats.log" 2>&1 &
  OTHER_PIDS+=($!)
  wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$plain_port"
  expect "start: hub without JetStream" 4 "start nats-server with -js" -- \
    "$W2E" ship --slot errs --to "nats://127.0.0.1:$plain_port"
  expect "start: missing stream without --create-stream" 4 "does not exist (create it with --create-stream NOPE)" -- \
    "$W2E" ship --slot errs --to "$NATS" --stream NOPE
  expect "start: no stream for the subjects" 4 "no JetStream stream stores subjects nowhere.*" -- \
    "$W2E" ship --slot errs --to "$NATS" --subject 'nowhere.{type}'
  "$JS" create "$NATS" OTHER 'other.>'
  expect "start: stream that does not cover the subjects" 4 "does not store subjects errs.*" -- \
    "$W2E" ship --slot errs --to "$NATS" --stream OTHER --subject 'errs.{type}'
  expect "start: --metrics not on loopback" 2 "loopback only" -- \
    "$W2E" ship --slot errs --to - --metrics 10.1.2.3:9187
  ship_bg "$WORK/busy.log" --slot errs --to -
  wait_until 10 sql_is t "SELECT active FROM pg_replication_slots WHERE slot_name = 'errs'"
  expect "start: slot in use by another client" 3 "another client is reading the slot" -- "$W2E" ship --slot errs --to -
  ship_stop
}

# stream_exists NAME: the hub has that JetStream stream
stream_exists() { "$JS" info "$NATS" "$1" | grep -q '"exists":true'; }

# slot_exists NAME
slot_exists() { [ "$(sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$1'")" = 1 ]; }

# left_nothing NAME SLOT STREAM: a refused command line created neither
left_nothing() {
  local why=""
  slot_exists "$2" && why="slot $2 was created"
  stream_exists "$3" && why="$why stream $3 was created"
  [ -z "$why" ] && ok "$1: no slot, no stream left behind" || fail "$1: no slot, no stream left behind" "$why"
}

# A command line refused at start (a bad --metrics, a plugin option the
# plugin refuses, a busy metrics port) creates no slot and no stream.
test_no_leftovers() {
  local port busy_pid
  port=$(w2e_free_port)
  expect "leftovers: --metrics 0.0.0.0 refused" 2 "loopback only" -- \
    "$W2E" ship --slot lo1 --create-slot --to "$NATS" --create-stream LO1 --subject 'lo1.{type}' --metrics "0.0.0.0:$port"
  left_nothing "leftovers: --metrics 0.0.0.0" lo1 LO1
  expect "leftovers: --metrics [::2] refused" 2 "loopback only" -- \
    "$W2E" ship --slot lo1 --create-slot --to "$NATS" --create-stream LO1 --subject 'lo1.{type}' --metrics "[::2]:$port"
  expect "leftovers: --metrics without a port refused" 2 "invalid --metrics address" -- \
    "$W2E" tail --metrics "[::1]"
  expect "leftovers: -o bogus=1 is exit 3 naming the option" 3 'unknown wal2events option "bogus"' -- \
    "$W2E" ship --slot lo2 --create-slot --to "$NATS" --create-stream LO2 --subject 'lo2.{type}' -o bogus=1
  check "leftovers: the refused option's error says the slot was not kept" grep -q 'slot "lo2" was not kept' "$WORK/expect.err"
  left_nothing "leftovers: -o bogus=1" lo2 LO2
  expect "leftovers: -o max-events=0 is exit 3" 3 'invalid value "0" for wal2events option "max-events"' -- \
    "$W2E" ship --slot lo3 --create-slot --to "file:$WORK/lo3.bin" -o max-events=0
  left_nothing "leftovers: -o max-events=0" lo3 LO3
  sql "SELECT pg_create_logical_replication_slot('lo4', 'wal2events')" >/dev/null
  expect "leftovers: a bad option on an existing slot" 3 'unknown wal2events option "nope"' -- \
    "$W2E" ship --slot lo4 --to "$NATS" --create-stream LO4 --subject 'lo4.{type}' -o nope=1
  check "leftovers: the existing slot is kept" slot_exists lo4
  stream_exists LO4 && fail "leftovers: no stream created for it" "stream LO4 exists" ||
    ok "leftovers: no stream created for it"
  python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
  busy_pid=$!
  wait_until 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  expect "leftovers: a busy --metrics port is exit 2" 2 "cannot listen on 127.0.0.1:$port" -- \
    "$W2E" ship --slot lo5 --create-slot --to "$NATS" --create-stream LO5 --subject 'lo5.{type}' --metrics "127.0.0.1:$port"
  kill "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null
  left_nothing "leftovers: a busy --metrics port" lo5 LO5
  # IPv6 loopback is loopback: [::1]:PORT serves the metrics
  port=$(w2e_free_port)
  ship_bg "$WORK/lo6.log" --slot lo6 --create-slot --to "file:$WORK/lo6.bin" --metrics "[::1]:$port"
  check "leftovers: --metrics [::1]:PORT serves /metrics" wait_until 10 bash -c \
    "exec 3<>/dev/tcp/::1/$port && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && grep -q '^wal2events_hub_up 1' <&3"
  ship_stop
  check "leftovers: the shipper with --metrics [::1] stopped cleanly" test "$SHIP_STATUS" = 0
}

# auth_server NAME AUTHORIZATION: a nats-server -js with that authorization block ($AUTH_URL;
# its log in AUTH_LOG_OF[$AUTH_URL], debug on: it says why it refused a client). A server that
# is not ready on its port (the port taken meanwhile by another process) is replaced by one
# on another port: a client must never reach some other server by mistake.
declare -A AUTH_LOG_OF
auth_server() {
  local port try pid log=$WORK/$1-nats.log
  for try in 1 2 3; do
    port=$(w2e_free_port)
    printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s" }\ndebug: true\n%s\n' "$port" "$WORK/$1-js" "$2" >"$WORK/$1.conf"
    nats-server -c "$WORK/$1.conf" >"$log" 2>&1 &
    pid=$!
    OTHER_PIDS+=("$pid")
    # the port opens before the accounts (and their JetStream) are set up: an
    # operator-mode server refused the first shipper now and then in CI
    if wait_until 10 grep -q "Server is ready" "$log" && kill -0 "$pid" 2>/dev/null &&
      grep -q "Listening for client connections on 127.0.0.1:$port" "$log"; then
      AUTH_URL="nats://127.0.0.1:$port"
      AUTH_LOG_OF[$AUTH_URL]=$log
      return 0
    fi
    echo "auth server $1: not ready on port $port (try $try): $(tail -n 2 "$log" | tr '\n' ' ')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  fail "auth server $1: a nats-server with that authorization starts" "$(tail -n 3 "$log")"
  AUTH_URL="nats://127.0.0.1:$port"
}

# auth_server_says URL: the last lines of that server's log about clients' authentication
auth_server_says() {
  local url=${1##*@}
  url=nats://${url#nats://}
  grep -iE "authori|authentic|nkey|signature|nonce" "${AUTH_LOG_OF[$url]:-/dev/null}" 2>/dev/null | tail -n 3
}

# auth_run NAME URL WRAPPER FLAGS...: ship 5 rows with these credentials
# (progress lines, metrics scraped), keep its command line as ps shows it,
# and read them back with consume and the same credentials; every output
# goes to $AUTH_OUT
auth_run() {
  local name=$1 url=$2 wrap=$3 mport st
  shift 3
  mport=$(w2e_free_port)
  new_slot "$name"
  SHIP_WRAPPER=$wrap ship_bg "$AUTH_OUT/$name.log" --slot "$name" --to "$url" --create-stream "${name^^}" \
    --subject "$name.{type}" --progress-interval 200ms --metrics "127.0.0.1:$mport" "$@"
  sql "INSERT INTO au SELECT g FROM generate_series(${#AUTH_ROWS} * 5 + 1, ${#AUTH_ROWS} * 5 + 5) g"
  AUTH_ROWS="${AUTH_ROWS}x"
  check "auth $name: shipped and confirmed" wait_confirmed "$name" 30
  sleep 0.5
  (exec 3<>"/dev/tcp/127.0.0.1/$mport" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) >"$AUTH_OUT/$name.metrics"
  { tr '\0' ' ' <"/proc/$SHIP_PID/cmdline"; echo; ps -ww -o args= -p "$SHIP_PID"; } >"$AUTH_CMDLINES/$name"
  ship_stop
  check "auth $name: exit status 0" eval "test '$SHIP_STATUS' = 0 || { echo 'status $SHIP_STATUS:'; tail -n 3 '$AUTH_OUT/$name.log'; auth_server_says '$url'; false; }"
  $wrap "$W2E" consume --from "$url" --stream "${name^^}" "$@" >"$AUTH_OUT/$name.consume" 2>"$AUTH_OUT/$name.consume.err"
  st=$?
  if [ "$st" = 4 ]; then
    # status 4 once in a CI run under the sanitizers, on the operator-mode
    # server, with the shipper done a moment before: try once more, and
    # show what the first try said if that fails too
    cp "$AUTH_OUT/$name.consume.err" "$AUTH_OUT/$name.consume.err1"
    echo "auth $name: consume's first try: $(tail -n 1 "$AUTH_OUT/$name.consume.err1")"
    sleep 1
    $wrap "$W2E" consume --from "$url" --stream "${name^^}" "$@" >"$AUTH_OUT/$name.consume" 2>"$AUTH_OUT/$name.consume.err"
    st=$?
  fi
  check "auth $name: consume reads the 5 events back (status $st)" \
    eval "test '$st:$(grep -c . "$AUTH_OUT/$name.consume")' = 0:5 || { tail -n 2 '$AUTH_OUT/$name.consume.err'; auth_server_says '$url'; false; }"
}

# auth_refused NAME STATUS PATTERN -- COMMAND...: expect, and keep what it printed in $AUTH_OUT
auth_refused() {
  expect "$@"
  cat "$WORK/expect.out" "$WORK/expect.err" >>"$AUTH_OUT/refused.txt"
}

# Credentials without the command line: user and password (file,
# NATS_PASSWORD), token (file, NATS_TOKEN), an NKey user (.creds with the
# seed only), a JWT user (operator mode, .creds with JWT and seed), and
# still the URL; wrong ones are a one-line exit 4; no
# output of any run, nor a running shipper's command line, holds a secret.
test_auth() {
  local d=$WORK/auth pub seed jwt_seed users tok pw="Pw-$$-s3cret" token="Tok-$$-s3cret" wrong="Wrong-$$-s3cret"
  AUTH_OUT=$d/out AUTH_CMDLINES=$d/cmdlines AUTH_ROWS=""
  mkdir -p "$AUTH_OUT" "$AUTH_CMDLINES" "$d/other" "$d/op"
  pub=$(python3 "$ROOT/tests/ship/nkeys.py" user "$d") && python3 "$ROOT/tests/ship/nkeys.py" user "$d/other" >/dev/null
  python3 "$ROOT/tests/ship/nkeys.py" operator "$d/op"
  seed=$(grep '^SU' "$d/user.creds")
  jwt_seed=$(grep '^SU' "$d/op/user.creds")
  printf '%s\n' "$pw" >"$d/pw"
  printf '%s\n' "$token" >"$d/token"
  printf '%s\n' "$wrong" >"$d/wrong"
  auth_server users "authorization { users = [ { user: shipper, password: \"$pw\" }, { nkey: $pub } ] }"
  users=$AUTH_URL
  auth_server token "authorization { token: \"$token\" }"
  tok=$AUTH_URL
  sql "CREATE TABLE au (id int PRIMARY KEY)"

  auth_run au_pwfile "$users" "" --nats-user shipper --nats-password-file "$d/pw"
  auth_run au_pwenv "$users" "env NATS_PASSWORD=$pw" --nats-user shipper
  auth_run au_nkey "$users" "" --nats-creds "$d/user.creds"
  auth_run au_tokfile "$tok" "" --nats-token-file "$d/token"
  auth_run au_tokenv "$tok" "env NATS_TOKEN=$token"
  auth_run au_url "nats://shipper:$pw@${users#nats://}" ""
  # operator mode: a user JWT signed by an account the server knows, and its seed
  auth_server op "$(cat "$d/op/server.conf")"
  auth_run au_jwt "$AUTH_URL" "" --nats-creds "$d/op/user.creds"
  check "auth: a URL's password is shown as ***" grep -q "at nats://shipper:\*\*\*@127.0.0.1" "$AUTH_OUT/au_url.log"
  check "auth: progress lines were written" grep -q 'events/s' "$AUTH_OUT/au_pwfile.log"
  check "auth: metrics were served" grep -q '^wal2events_events_acknowledged_total 5' "$AUTH_OUT/au_nkey.metrics"
  check "auth: a URL's password is masked in ps once started" grep -q "nats://shipper:\*\**@127.0.0.1" "$AUTH_CMDLINES/au_url"
  local cmd flag missing=""
  for cmd in ship consume; do
    "$W2E" $cmd --help >"$d/help"
    for flag in --nats-creds --nats-user --nats-password-file --nats-token-file; do
      grep -q -- "$flag=" "$d/help" || missing="$missing $cmd:$flag"
    done
  done
  [ -z "$missing" ] && ok "auth: ship and consume --help list the credential flags" ||
    fail "auth: --help lists the credential flags" "missing:$missing"

  new_slot au_bad
  auth_refused "auth: wrong password is exit 4, authorization violation" 4 "authorization violation (check --nats-user" -- \
    "$W2E" ship --slot au_bad --to "$users" --create-stream AU_BAD --subject 'au_bad.{type}' --nats-user shipper --nats-password-file "$d/wrong"
  auth_refused "auth: wrong password in the URL is exit 4, shown as ***" 4 "at nats://shipper:\*\*\*@.*authorization violation" -- \
    "$W2E" ship --slot au_bad --to "nats://shipper:$wrong@${users#nats://}" --stream AU_BAD
  auth_refused "auth: wrong token is exit 4" 4 "authorization violation (check the token" -- \
    "$W2E" ship --slot au_bad --to "$tok" --stream AU_BAD --nats-token-file "$d/wrong"
  auth_refused "auth: an NKey the server does not know is exit 4" 4 "authorization violation (check --nats-creds" -- \
    "$W2E" ship --slot au_bad --to "$users" --stream AU_BAD --nats-creds "$d/other/user.creds"
  auth_refused "auth: no credentials is exit 4 saying which flags to give" 4 "the server wants credentials" -- \
    "$W2E" ship --slot au_bad --to "$users" --stream AU_BAD
  auth_refused "auth: consume with a wrong token is exit 4" 4 "authorization violation" -- \
    env NATS_TOKEN="$wrong" "$W2E" consume --from "$tok" --stream AU_TOKFILE
  auth_refused "auth: --nats-user without a password is exit 2" 2 "needs a password: set NATS_PASSWORD" -- \
    "$W2E" ship --slot au_bad --to "$users" --nats-user shipper
  auth_refused "auth: --nats-password-file without --nats-user" 2 "needs --nats-user" -- \
    "$W2E" consume --from "$users" --stream X --nats-password-file "$d/pw"
  auth_refused "auth: two ways at once" 2 "give one of --nats-creds, --nats-user and --nats-token-file" -- \
    "$W2E" ship --slot au_bad --to "$users" --nats-creds "$d/user.creds" --nats-token-file "$d/token"
  auth_refused "auth: credentials in the URL and a flag" 2 "drop the ones in the URL" -- \
    "$W2E" ship --slot au_bad --to "nats://shipper:$pw@${users#nats://}" --nats-token-file "$d/token"
  auth_refused "auth: a missing credentials file" 2 "cannot read --nats-creds '$d/none'" -- \
    "$W2E" ship --slot au_bad --to "$users" --nats-creds "$d/none"
  sed 's/^SU\(.\)./SU\1Q/' "$d/user.creds" >"$d/damaged.creds"
  cmp -s "$d/user.creds" "$d/damaged.creds" && sed -i 's/^SU\(.\)./SU\1R/' "$d/damaged.creds"
  auth_refused "auth: a damaged seed" 2 "damaged (checksum mismatch)" -- \
    "$W2E" consume --from "$users" --stream X --nats-creds "$d/damaged.creds"
  auth_refused "auth: credential flags only apply to nats" 2 "only applies to --to nats" -- \
    "$W2E" ship --slot au_bad --to - --nats-user shipper
  auth_refused "auth: a bad --to is shown without its password" 2 "unknown target 'nats:\*\*\*@127.0.0.1:1'" -- \
    "$W2E" ship --slot au_bad --to "nats:/shipper:$pw@127.0.0.1:1"
  check "auth: no stream left by the refused runs" test "$("$JS" info "nats://shipper:$pw@${users#nats://}" AU_BAD | grep -c '"exists":true')" = 0

  local leaks
  leaks=$(grep -rl -F -e "$pw" -e "$token" -e "$seed" -e "$jwt_seed" -e "$wrong" "$AUTH_OUT" "$AUTH_CMDLINES")
  [ -z "$leaks" ] && ok "auth: no secret in any output (logs, progress, metrics, consume, errors) or in ps" ||
    fail "auth: no secret in any output or in ps" "found in: $leaks"
  check "auth: the check sees a secret where there is one" grep -q -F "$pw" "$d/pw"
  auth_refused "auth: a list of servers is shown with every secret hidden" 4 \
    "at nats://u:\*\*\*@127.0.0.1:1,nats://\*\*\*@127.0.0.1:2: " -- \
    "$W2E" consume --from "nats://u:$pw@127.0.0.1:1,nats://$token@127.0.0.1:2" --stream X
}

# tls_certs DIR: a CA, a server certificate for 127.0.0.1 and localhost, a
# client certificate, another CA, and a server certificate for another name
tls_certs() {
  local d=$1
  mkdir -p "$d"
  ca() { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$d/$1.key" -out "$d/$1.pem"; }
  signed() { # NAME CN SAN
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$d/$1.key" -out "$d/$1.csr" &&
      printf '%s\n' "${3:+subjectAltName=$3}" >"$d/$1.ext" &&
      openssl x509 -req -days 2 -in "$d/$1.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -out "$d/$1.pem" -extfile "$d/$1.ext"
  }
  { ca ca "wal2events test CA" && ca other_ca "another CA" &&
    signed server "nats test server" "IP:127.0.0.1,DNS:localhost" &&
    signed client shipper "" && signed elsewhere "nats elsewhere" "DNS:elsewhere.example"; } >"$d/openssl.log" 2>&1
}

# tls_run NAME URL WRAPPER FLAGS...: ship the tlsrows table's rows over TLS until
# confirmed (progress, metrics), ps kept; then consume them back over TLS
# and compare with the WAL; every output into $TLS_OUT
tls_run() {
  local name=$1 url=$2 wrap=$3 mport st
  shift 3
  mport=$(w2e_free_port)
  new_slot "$name"
  SHIP_WRAPPER=$wrap ship_bg "$TLS_OUT/$name.log" --slot "$name" --to "$url" --create-stream "${name^^}" \
    --subject "$name.{type}" -o max-events=50 --progress-interval 200ms --metrics "127.0.0.1:$mport" "$@"
  sql "INSERT INTO tlsrows SELECT g, 'row ' || g FROM generate_series($TLS_NEXT, $TLS_NEXT + 299) g"
  # a row of 3.2 MB: claim-checked, writes of megabytes over TLS
  sql "INSERT INTO tlsrows VALUES ($TLS_NEXT + 300, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 100000) g))"
  sql "UPDATE tlsrows SET body = 'changed' WHERE id % 7 = 0 AND id >= $TLS_NEXT"
  TLS_NEXT=$((TLS_NEXT + 1000))
  check "tls $name: shipped and confirmed" wait_confirmed "$name" 60
  sleep 0.3
  (exec 3<>"/dev/tcp/127.0.0.1/$mport" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) >"$TLS_OUT/$name.metrics"
  { tr '\0' ' ' <"/proc/$SHIP_PID/cmdline"; echo; ps -ww -o args= -p "$SHIP_PID"; } >"$TLS_OUT/$name.cmdline"
  ship_stop
  check "tls $name: exit status 0" test "$SHIP_STATUS" = 0
  $wrap "$W2E" consume --from "$url" --stream "${name^^}" "$@" >"$TLS_OUT/$name.consume" 2>"$TLS_OUT/$name.consume.err"
  st=$?
  check "tls $name: consume over TLS exits 0" test "$st" = 0
  envelopes "$TLS_OUT/$name.consume" "$WORK/$name.dump" && truth "${name}_truth" "$WORK/$name.truth"
  check "tls $name: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$WORK/$name.dump" --truth "$WORK/$name.truth" --min 340
}

# tls_refused NAME STATUS PATTERN -- COMMAND...: expect, output kept in $TLS_OUT
tls_refused() {
  expect "$@"
  cat "$WORK/expect.out" "$WORK/expect.err" >>"$TLS_OUT/refused.txt"
}

# TLS against nats-servers that require it (verify: true: a client
# certificate too) with authorization (user and password, NKey): ship
# exactly once and consume back over TLS; an untrusted server certificate,
# a certificate for another host, a missing client certificate, TLS to a
# server without it, plain nats:// to a TLS server are one-line errors
# naming the problem, exit 4; unreadable files are usage errors naming
# them; no secret in any output or in ps.
test_tls() {
  local d=$WORK/tls pw="Pw-$$-tls-s3cret" pub seed port url elsewhere key_line
  TLS_OUT=$d/out TLS_NEXT=1
  mkdir -p "$TLS_OUT"
  tls_certs "$d" || { fail "tls: make the certificates" "$(tail -n 3 "$d/openssl.log")"; return; }
  pub=$(python3 "$ROOT/tests/ship/nkeys.py" user "$d")
  seed=$(grep '^SU' "$d/user.creds")
  printf '%s\n' "$pw" >"$d/pw"
  auth_server tls_verify "tls { cert_file: \"$d/server.pem\", key_file: \"$d/server.key\", ca_file: \"$d/ca.pem\", verify: true }
authorization { users = [ { user: shipper, password: \"$pw\" }, { nkey: $pub } ] }"
  url=tls://${AUTH_URL#nats://}
  auth_server tls_elsewhere "tls { cert_file: \"$d/elsewhere.pem\", key_file: \"$d/elsewhere.key\" }"
  elsewhere=tls://${AUTH_URL#nats://}
  sql "CREATE TABLE tlsrows (id int PRIMARY KEY, body text)"
  sql "ALTER TABLE tlsrows ALTER body SET STORAGE EXTERNAL"
  local client=(--tls-ca "$d/ca.pem" --tls-cert "$d/client.pem" --tls-key "$d/client.key")

  tls_run tls_user "$url" "env NATS_PASSWORD=$pw" "${client[@]}" --nats-user shipper
  tls_run tls_nkey "$url" "" "${client[@]}" --nats-creds "$d/user.creds"
  # a name of the certificate (DNS), and nats:// with --tls-ca: TLS too
  tls_run tls_name "nats://localhost:${url##*:}" "" "${client[@]}" --nats-creds "$d/user.creds"
  check "tls: progress lines were written" grep -q 'events/s' "$TLS_OUT/tls_user.log"
  check "tls: metrics were served" grep -q '^wal2events_events_acknowledged_total [1-9]' "$TLS_OUT/tls_nkey.metrics"

  local cmd flag missing=""
  for cmd in ship consume; do
    "$W2E" $cmd --help >"$d/help"
    for flag in --tls-ca --tls-cert --tls-key tls://; do
      grep -q -- "$flag" "$d/help" || missing="$missing $cmd:$flag"
    done
  done
  [ -z "$missing" ] && ok "tls: ship and consume --help list the TLS flags" ||
    fail "tls: --help lists the TLS flags" "missing:$missing"

  new_slot tls_bad
  tls_refused "tls: an untrusted server certificate is exit 4 naming the X509 error" 4 \
    "TLS certificate is not trusted: unable to get local issuer certificate (is --tls-ca '$d/other_ca.pem' the CA" -- \
    "$W2E" ship --slot tls_bad --to "$url" --create-stream TLS_BAD --subject 'tls_bad.{type}' \
    --tls-ca "$d/other_ca.pem" --tls-cert "$d/client.pem" --tls-key "$d/client.key" --nats-creds "$d/user.creds"
  tls_refused "tls: without --tls-ca, the system's trust store does not know the CA" 4 \
    "not trusted: unable to get local issuer certificate (give the CA that signed it with --tls-ca FILE)" -- \
    "$W2E" ship --slot tls_bad --to "$url" --stream TLS_BAD --tls-cert "$d/client.pem" --tls-key "$d/client.key" \
    --nats-creds "$d/user.creds"
  tls_refused "tls: no client certificate for a verify: true server is exit 4 saying which flags" 4 \
    "the NATS server refused the TLS connection: .*give --tls-cert and --tls-key" -- \
    "$W2E" ship --slot tls_bad --to "$url" --stream TLS_BAD --tls-ca "$d/ca.pem" --nats-creds "$d/user.creds"
  tls_refused "tls: a certificate for another host is exit 4" 4 \
    "certificate is not for 127.0.0.1: IP address mismatch" -- \
    "$W2E" ship --slot tls_bad --to "$elsewhere" --stream TLS_BAD --tls-ca "$d/ca.pem"
  tls_refused "tls: plain nats:// to a server requiring TLS is exit 4 (TLS, then an untrusted certificate)" 4 \
    "at nats://127.0.0.1:.*TLS certificate is not trusted" -- \
    "$W2E" ship --slot tls_bad --to "nats://${url#tls://}" --stream TLS_BAD --nats-creds "$d/user.creds"
  [ "${NATS_TLS:-0}" = 1 ] ||
    tls_refused "tls: tls:// to a server without TLS is exit 4" 4 "the NATS server does not offer TLS" -- \
      "$W2E" ship --slot tls_bad --to "tls://${NATS#nats://}" --stream TLS_BAD
  tls_refused "tls: wrong password over TLS is exit 4, authorization violation" 4 "authorization violation (check --nats-user" -- \
    env NATS_PASSWORD=wrong "$W2E" ship --slot tls_bad --to "$url" --stream TLS_BAD "${client[@]}" --nats-user shipper
  tls_refused "tls: consume with an untrusted certificate is exit 4" 4 "TLS certificate is not trusted" -- \
    "$W2E" consume --from "$url" --stream TLS_USER --tls-ca "$d/other_ca.pem" --tls-cert "$d/client.pem" --tls-key "$d/client.key"
  tls_refused "tls: a missing --tls-ca file is exit 2 naming it" 2 "cannot read --tls-ca '$d/none': No such file" -- \
    "$W2E" ship --slot tls_bad --to "$url" --tls-ca "$d/none"
  tls_refused "tls: a --tls-cert that is no certificate is exit 2 naming it" 2 "--tls-cert '$d/pw' holds no certificate" -- \
    "$W2E" consume --from "$url" --stream X --tls-cert "$d/pw" --tls-key "$d/client.key"
  tls_refused "tls: the key of another certificate is exit 2" 2 "--tls-key '$d/server.key' is not the key of --tls-cert" -- \
    "$W2E" ship --slot tls_bad --to "$url" --tls-cert "$d/client.pem" --tls-key "$d/server.key"
  tls_refused "tls: --tls-cert without --tls-key is exit 2" 2 "--tls-cert and --tls-key go together" -- \
    "$W2E" ship --slot tls_bad --to "$url" --tls-cert "$d/client.pem"
  tls_refused "tls: TLS flags only apply to nats" 2 "--tls-ca only applies to --to nats" -- \
    "$W2E" ship --slot tls_bad --to - --tls-ca "$d/ca.pem"

  key_line=$(sed -n 2p "$d/client.key")
  local leaks
  leaks=$(grep -rl -F -e "$pw" -e "$seed" -e "$key_line" "$TLS_OUT")
  [ -z "$leaks" ] && ok "tls: no secret (password, seed, private key) in any output or in ps" ||
    fail "tls: no secret in any output or in ps" "found in: $leaks"
  check "tls: the check sees a secret where there is one" grep -q -F "$key_line" "$d/client.key"
}

# Rows, updates (key changes too), deletes, domain events, a rollback and a
# transaction large enough to be chunked (max-events=50).
e2e_workload() {
  sql "CREATE TABLE items (id int PRIMARY KEY, name text, qty int, price numeric(10,2), tags jsonb)"
  local i
  for i in $(seq 0 39); do
    sql "INSERT INTO items SELECT g, 'item ' || g, g % 10, g * 1.25, jsonb_build_object('g', g)
         FROM generate_series($((i * 25 + 1)), $(((i + 1) * 25))) g"
  done
  sql "UPDATE items SET qty = qty + 1, tags = NULL WHERE id % 3 = 0"
  sql "UPDATE items SET id = id + 100000 WHERE id % 50 = 0"
  sql "DELETE FROM items WHERE id % 7 = 0"
  sql "BEGIN; INSERT INTO items VALUES (5001, 'emitted', 1, 9.99, '[]');
       SELECT wal2events.emit('order-placed', '5001', '{\"total\": 9.99}', '{\"source\": \"test\"}'); COMMIT" >/dev/null
  sql "BEGIN; INSERT INTO items VALUES (6001, 'rolled back', 1, 1, NULL); ROLLBACK"
  sql "UPDATE items SET name = name || ' (again)' WHERE id BETWEEN 1 AND 400"
}

test_e2e() {
  local port vg="" rows="$WORK/items.rows" metrics
  new_slot e2e
  port=$(w2e_free_port)
  if [ "${VALGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    vg="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --log-file=$WORK/valgrind.log"
  fi
  SHIP_WRAPPER=$vg ship_bg "$WORK/e2e.log" --slot e2e --to "$NATS" --create-stream E2E --subject 'e2e.{type}' \
    -o max-events=50 --metrics "127.0.0.1:$port" --progress-interval 1s
  e2e_workload
  check "e2e: the slot is confirmed up to the end of the WAL" wait_confirmed e2e 120
  metrics=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3)
  check "e2e: /metrics serves Prometheus text" grep -q '^wal2events_events_acknowledged_total [1-9]' <<<"$metrics"
  # one a second from start: a shipper slow to start (valgrind, a TLS handshake) may catch up before the first
  wait_until 5 grep -q 'events/s, .* acknowledged, confirmed ' "$WORK/e2e.log" && ok "e2e: progress lines on stderr" ||
    fail "e2e: progress lines on stderr" "$(tail -n 3 "$WORK/e2e.log")"
  ship_stop INT
  [ "$SHIP_STATUS" = 0 ] && ok "e2e: SIGINT stops with exit status 0${vg:+ (under valgrind)}" ||
    fail "e2e: exit status" "$SHIP_STATUS; $(tail -n 20 "$WORK/valgrind.log" 2>/dev/null)"
  if [ -n "$vg" ]; then
    grep -q "ERROR SUMMARY: 0 errors" "$WORK/valgrind.log" && ok "e2e: valgrind: no error, no leak" ||
      fail "e2e: valgrind" "$(grep -E 'ERROR SUMMARY|definitely|indirectly' "$WORK/valgrind.log")"
  fi
  verify e2e e2e E2E 1000
  sql "SELECT json_build_object('id', id, 'name', name, 'qty', qty, 'price', price::text, 'tags', tags) FROM items" >"$rows"
  check "e2e: replaying the events gives the table's rows" $CHECK rows "$WORK/e2e.dump" items "$rows"
  check "e2e: messages carry the headers" grep -q '"W2e-Commit-Lsn":"[0-9A-F]*/[0-9A-F]*".*"Content-Type":"application/x-protobuf; proto=wal2events.v1.EventEnvelope"\|"Content-Type":"application/x-protobuf; proto=wal2events.v1.EventEnvelope".*"W2e-Commit-Lsn"' "$WORK/e2e.dump"
  check "e2e: subjects follow the template" grep -q '"subject":"e2e.items-updated"' "$WORK/e2e.dump"
}

# --unit transaction end to end: the e2e workload in chunks of at most 50
# events; every event once, in commit order, equal to the WAL; consume
# prints the events (the same lines as an event-unit stream) or the
# transactions; usage errors.
test_e2e_txn() {
  local rows="$WORK/itemstx.rows"
  expect "txn: --unit transaction rejects an event token" 2 "{table} is a token of one event" -- \
    "$W2E" ship --slot s --to nats://127.0.0.1:1 --unit transaction --subject 'tx.{table}'
  expect "txn: --unit transaction needs nats" 2 "only applies to --to nats" -- "$W2E" ship --slot s --to - --unit transaction
  expect "txn: --unit transaction is protobuf" 2 "leave out --payload json" -- \
    "$W2E" ship --slot s --to nats://127.0.0.1:1 --unit transaction --payload json
  expect "txn: unknown --unit" 2 "give event or transaction" -- "$W2E" ship --slot s --to nats://127.0.0.1:1 --unit row
  "$W2E" ship --help >"$WORK/txhelp.ship"; "$W2E" consume --help >"$WORK/txhelp.consume"
  grep -q -- "--unit" "$WORK/txhelp.ship" && grep -q -- "--transactions" "$WORK/txhelp.consume" &&
    ok "txn: --help lists --unit and consume --transactions" || fail "txn: --help" "--unit or --transactions missing"
  sql "SET client_min_messages = warning; DROP TABLE IF EXISTS items"
  new_slot e2etx
  ship_bg "$WORK/e2etx.log" --slot e2etx --to "$NATS" --create-stream E2ETX --unit transaction -o max-events=50
  e2e_workload
  check "txn: the slot is confirmed up to the end of the WAL" wait_confirmed e2etx 120
  ship_stop INT
  [ "$SHIP_STATUS" = 0 ] && ok "txn: SIGINT stops with exit status 0" || fail "txn: exit status" "$SHIP_STATUS"
  verify txn e2etx E2ETX 1000
  check "txn: one message per chunk of at most 50 events, ids <system id>/<LSN>/<chunk>/<slot>" \
    $CHECK transactions "$WORK/e2etx.dump" e2etx --min-chunks 10
  check "txn: default subject transactions.{database}, Content-Type Transaction, no W2e-Type" python3 -c '
import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); h=d["headers"]
    assert d["subject"]=="transactions.postgres", d["subject"]
    assert h["Content-Type"]=="application/x-protobuf; proto=wal2events.v1.Transaction", h
    assert "W2e-Type" not in h and h["W2e-Source"] and h["W2e-Commit-Lsn"]==d["transaction"]["commit_lsn"], h
    assert h["W2e-Xid"]==str(d["transaction"]["xid"]), h' "$WORK/e2etx.dump"
  sql "SELECT json_build_object('id', id, 'name', name, 'qty', qty, 'price', price::text, 'tags', tags) FROM items" >"$rows"
  check "txn: replaying the events gives the table's rows" $CHECK rows "$WORK/e2etx.dump" items "$rows"
  "$W2E" consume --from "$NATS" --stream E2ETX >"$WORK/e2etx.events" 2>"$WORK/e2etx.err"
  envelopes "$WORK/e2etx.events" "$WORK/e2etx.env"
  check "txn: consume prints every event as an EventEnvelope line" \
    $CHECK stream "$WORK/e2etx.env" --truth "$WORK/e2etx.truth" --min 1000
  check "txn: ... with the transaction's context" python3 -c '
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    assert e["database"]=="postgres" and e["commit_lsn"] and e["system_identifier"] and "commit_time" in e, e
' "$WORK/e2etx.events"
  "$W2E" consume --from "$NATS" --stream E2ETX --count 7 >"$WORK/e2etx.seven" 2>>"$WORK/e2etx.err"
  check "txn: consume --count counts events" test "$(wc -l <"$WORK/e2etx.seven")" = 7
  "$W2E" consume --from "$NATS" --stream E2ETX --transactions >"$WORK/e2etx.txns" 2>>"$WORK/e2etx.err"
  check "txn: consume --transactions prints each transaction message as decode does" python3 -c '
import json,sys
ts=[json.loads(l) for l in open(sys.argv[1])]
dump=[json.loads(l)["transaction"] for l in open(sys.argv[2])]
assert ts==dump, (len(ts), len(dump))
assert sum(len(t["events"]) for t in ts)==sum(1 for _ in open(sys.argv[3]))' "$WORK/e2etx.txns" "$WORK/e2etx.dump" "$WORK/e2etx.events"
}

test_json_subjects() {
  new_slot cdc
  sql 'CREATE TABLE "odd.name tbl" (id int PRIMARY KEY, v text)'
  sql "CREATE TABLE routed (id int PRIMARY KEY); SELECT wal2events.route('routed', subject => 'cdc.routed.{type}')" >/dev/null
  sql "CREATE TABLE outbox (id uuid PRIMARY KEY, aggregateid text, type text, payload jsonb);
       SELECT wal2events.route('outbox', outbox => true)" >/dev/null
  ship_bg "$WORK/cdc.log" --slot cdc --to "$NATS" --create-stream CDC --payload json \
    --subject 'cdc.{database}.{schema}.{table}.{partition_key}'
  sql "INSERT INTO \"odd.name tbl\" VALUES (1, 'a'), (2, 'b')"
  sql "SELECT wal2events.emit('ping', 'k.1 *>', '{}')" >/dev/null
  sql "INSERT INTO routed VALUES (7)"
  sql "INSERT INTO outbox VALUES ('6b0f7a52-0d6c-4f5e-9d1e-5c8e8f7d0001', 'order-1', 'order-shipped', '{\"n\": 1}')"
  check "json: caught up" wait_confirmed cdc 30
  ship_stop
  sql "INSERT INTO outbox VALUES ('6b0f7a52-0d6c-4f5e-9d1e-5c8e8f7d0002', 'order-2', 'order-shipped', '{\"n\": 2}')"
  ship_bg "$WORK/cdc.log" --slot cdc --to "$NATS" --stream CDC --payload json \
    --subject 'cdc.{database}.{schema}.{table}.{partition_key}'
  check "json: resumes after an outbox event (its own id)" wait_confirmed cdc 30
  ship_stop
  verify json cdc CDC 6
  check "json: a route's subject template is used" grep -q '"subject":"cdc.routed.routed-created"' "$WORK/cdc.dump"
  check "json: an outbox row's id is the Nats-Msg-Id" \
    grep -q '"Nats-Msg-Id":"6b0f7a52-0d6c-4f5e-9d1e-5c8e8f7d0002"' "$WORK/cdc.dump"
  new_slot elsewhere
  sql "CREATE TABLE astray (id int PRIMARY KEY); SELECT wal2events.route('astray', subject => 'elsewhere.{type}')" >/dev/null
  sql "INSERT INTO astray VALUES (1)"
  ONE_LINE=0 expect "json: a route subject the stream does not store stops the shipper" 4 "which JetStream stream CDC does not store" -- \
    timeout 20 "$W2E" ship --slot elsewhere --to "$NATS" --stream CDC --subject 'cdc.{table}' 
  check "json: a dotted, spaced table name is one subject token" \
    grep -q '"subject":"cdc.postgres.public.odd_name_tbl.1"' "$WORK/cdc.dump"
  check "json: empty tokens become '_' and '.', ' ', '*', '>' in values '_'" \
    grep -q '"subject":"cdc.postgres._._.k_1___"' "$WORK/cdc.dump"
  check "json: Content-Type application/json" grep -q '"Content-Type":"application/json"' "$WORK/cdc.dump"
}

test_file() {
  local f=$WORK/events.bin
  new_slot file1
  sql "CREATE TABLE f (id bigint PRIMARY KEY, k int, v text)"
  workload f 0 20 500 0.05 &
  local wl=$!
  ship_bg "$WORK/file.log" --slot file1 --to "file:$f"
  sleep 0.7
  ship_stop KILL
  printf '\342\220\003ab' >>"$f"   # a frame cut short, as a crash in mid-write leaves it
  wait $wl
  ship_bg "$WORK/file.log" --slot file1 --to "file:$f"
  check "file: caught up after a kill -9" wait_confirmed file1 60
  ship_stop
  grep -q "removed an incomplete last record" "$WORK/file.log" && ok "file: a cut last record is truncated" ||
    fail "file: a cut last record is truncated" "$(tail -n 3 "$WORK/file.log")"
  "$W2E" decode --envelope "$f" >"$WORK/file1.jsonl" && envelopes "$WORK/file1.jsonl" "$WORK/file1.dump" &&
    truth file1_truth "$WORK/file1.truth"
  check "file: framed envelopes read back by decode --envelope, every event exactly once" \
    $CHECK stream "$WORK/file1.dump" --truth "$WORK/file1.truth" --min 10000
  new_slot file2
  sql "INSERT INTO f SELECT g, 0, 'json' FROM generate_series(100001, 100100) g"
  ship_bg "$WORK/file.log" --slot file2 --to "file:$WORK/events.jsonl" --payload json
  check "file json: caught up" wait_confirmed file2 30
  ship_stop
  ship_bg "$WORK/file.log" --slot file2 --to "file:$WORK/events.jsonl" --payload json
  sleep 1
  ship_stop
  envelopes "$WORK/events.jsonl" "$WORK/file2.dump"
  truth file2_truth "$WORK/file2.truth"
  check "file json: one line per event, exactly once across restarts" \
    $CHECK stream "$WORK/file2.dump" --truth "$WORK/file2.truth" --min 100
  new_slot file3
  sql "INSERT INTO f SELECT g, 1, 'both' FROM generate_series(200001, 200050) g"
  sql "SELECT wal2events.emit('file-checked', 'k', '{\"n\": 1}', '{\"t\": \"x\"}')" >/dev/null
  ship_bg "$WORK/file.log" --slot file3 --to "file:$WORK/file3.bin"
  check "file both: caught up (protobuf)" wait_confirmed file3 30
  ship_stop
  # the same WAL through the second slot, as JSON
  ship_bg "$WORK/file.log" --slot file3_truth --to "file:$WORK/file3.jsonl" --payload json
  check "file both: caught up (json)" wait_confirmed file3_truth 30
  ship_stop
  "$W2E" decode --envelope "$WORK/file3.bin" >"$WORK/file3.decoded"
  check "decode --envelope: the same lines as ship --payload json writes" cmp "$WORK/file3.decoded" "$WORK/file3.jsonl"
  check "decode --envelope: 51 events" test "$(grep -c . "$WORK/file3.decoded")" = 51
  "$W2E" decode --envelope <"$WORK/file3.bin" >"$WORK/file3.stdin"
  check "decode --envelope: from standard input" cmp "$WORK/file3.stdin" "$WORK/file3.jsonl"
  expect "decode --envelope: a JSON file is refused, saying it needs no decoding" 1 "need no decoding" -- \
    "$W2E" decode --envelope "$WORK/file3.jsonl"
  expect "decode: an envelope file without --envelope says to add it" 1 "add --envelope" -- \
    "$W2E" decode "$WORK/file3.bin"
}

# consumers_are OP N STREAM: the stream's number of consumers compares (test OP) with N
consumers_are() {
  [ "$("$JS" info "$NATS" "$3" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("consumers", 0))')" "$1" "$2" ]
}

# `wal2events consume`: what the stream holds, as JSON lines, claim checks
# resolved, with filters, --count, --follow, --new, and its errors
test_consume() {
  local d=$WORK/consume st pid n
  new_slot cons
  sql "CREATE TABLE cs (id int PRIMARY KEY, body text)"
  sql "ALTER TABLE cs ALTER body SET STORAGE EXTERNAL"
  sql "CREATE TABLE csr (id int PRIMARY KEY); SELECT wal2events.route('csr', subject => 'cons.routed.{type}')" >/dev/null
  ship_bg "$WORK/cons.log" --slot cons --to "$NATS" --create-stream CONS --subject 'cons.{type}'
  sql "INSERT INTO cs SELECT g, 'row ' || g FROM generate_series(1, 20) g"
  # 3.2 MB, not compressed: claim-checked, in 4 chunks
  sql "INSERT INTO cs VALUES (100, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 100000) g))"
  sql "INSERT INTO csr SELECT generate_series(1, 5)"
  sql "UPDATE cs SET body = 'changed ' || id WHERE id <= 3"
  sql "SELECT wal2events.emit('cons-pinged', 'k1', '{\"n\": 1}')" >/dev/null
  check "consume: the shipper caught up" wait_confirmed cons 60
  ship_stop
  "$W2E" consume --from "$NATS" --stream CONS >"$d.all" 2>"$d.err"
  st=$?
  [ $st = 0 ] && ok "consume: prints what is stored and exits 0" || fail "consume: exit status" "$st $(cat "$d.err")"
  envelopes "$d.all" "$d.dump" && truth cons_truth "$d.truth"
  check "consume: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$d.dump" --truth "$d.truth" --min 30
  dump CONS "$WORK/cons.jsdump"
  check "consume: the hub holds claim-check chunks" grep -q '"chunk":true' "$WORK/cons.jsdump"
  check "consume: the lines are the hub's envelopes, chunks left out" python3 -c '
import json,sys
hub=[json.dumps(json.loads(l)["envelope"]) for l in open(sys.argv[1]) if not json.loads(l).get("chunk")]
got=[json.dumps(json.loads(l)) for l in open(sys.argv[2])]
assert hub==got, (len(hub), len(got))' "$WORK/cons.jsdump" "$d.all"
  local want
  want=$(sql "SELECT md5(body) || ' ' || length(body) FROM cs WHERE id = 100")
  check "consume: the claim-checked row arrives whole" python3 -c '
import json,sys,hashlib
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e.get("table")=="cs" and e["new"]["id"]==100:
        b=e["new"]["body"]
        assert hashlib.md5(b.encode()).hexdigest()+" "+str(len(b))==sys.argv[2]
        sys.exit(0)
sys.exit("no event for row 100")' "$d.all" "$want"
  "$W2E" consume --from "$NATS" --stream CONS --subject 'cons.routed.>' >"$d.routed"
  check "consume --subject: only the events on the filter's subjects" python3 -c '
import json,sys
ids=[json.loads(l)["new"]["id"] for l in open(sys.argv[1])]
assert ids==[1,2,3,4,5], ids' "$d.routed"
  "$W2E" consume --from "$NATS" --stream CONS --subject 'cons.cs-created' >"$d.created"
  check "consume --subject: a claim check resolves when the filter leaves its chunks out" python3 -c '
import json,sys
ls=[json.loads(l) for l in open(sys.argv[1])]
assert [e["new"]["id"] for e in ls]==list(range(1,21))+[100], [e["new"]["id"] for e in ls]
assert len(ls[-1]["new"]["body"])==3200000' "$d.created"
  "$W2E" consume --from "$NATS" --stream CONS --count 3 >"$d.three"
  check "consume --count 3: the first three events" cmp "$d.three" <(head -n 3 "$d.all")
  n=$(grep -c . "$d.all")

  # (the consumers of the runs above are gone: then the next one is this one's)
  wait_until 10 consumers_are -eq 0 CONS
  "$W2E" consume --from "$NATS" --stream CONS --follow --new >"$d.new" 2>>"$d.err" &
  pid=$!
  check "consume --follow --new: its consumer is there" wait_until 10 consumers_are -ge 1 CONS
  ship_bg "$WORK/cons.log" --slot cons --to "$NATS" --stream CONS --subject 'cons.{type}'
  sql "INSERT INTO cs VALUES (200, 'new one')"
  sql "INSERT INTO cs VALUES (201, 'new two')"
  check "consume --follow: events arrive as they are shipped" wait_until 30 lines_at_least 2 "$d.new"
  kill -TERM $pid
  wait $pid
  st=$?
  [ $st = 0 ] && ok "consume --follow: SIGTERM stops it with exit status 0" || fail "consume --follow: SIGTERM" "$st"
  check "consume --new: only the events stored after it started" python3 -c '
import json,sys
ids=[json.loads(l)["new"]["id"] for l in open(sys.argv[1])]
assert ids==[200,201], ids' "$d.new"
  "$W2E" consume --from "$NATS" --stream CONS --follow --count $((n + 3)) >"$d.count" 2>>"$d.err" &
  pid=$!
  sql "INSERT INTO cs VALUES (202, 'three')"
  wait_until 30 bash -c "! kill -0 $pid"
  if kill -0 $pid 2>/dev/null; then
    kill -9 $pid
    fail "consume --follow --count: stops by itself after N events" "still running; $(grep -c . "$d.count") lines"
  else
    wait $pid
    st=$?
    [ $st = 0 ] && [ "$(grep -c . "$d.count")" = $((n + 3)) ] &&
      ok "consume --follow --count: stops by itself after N events, exit status 0" ||
      fail "consume --follow --count" "status $st, $(grep -c . "$d.count") lines, want $((n + 3))"
  fi
  ship_stop
  # (timeout: with nothing stored, as when the shipper failed, it would wait for ever)
  st=$( (timeout 60 "$W2E" consume --from "$NATS" --stream CONS --follow 2>>"$d.err"; echo $? >"$d.pipe") | head -n 1 >/dev/null; cat "$d.pipe")
  [ "$st" = 0 ] && ok "consume: exit status 0 when the reader of its output goes away" ||
    fail "consume: reader gone" "status $st"

  new_slot consj
  ship_bg "$WORK/cons.log" --slot consj --to "$NATS" --create-stream CONSJ --subject 'consj.{type}' --payload json
  sql "INSERT INTO cs VALUES (300, 'as json'), (301, 'as json too')"
  check "consume json: the shipper caught up" wait_confirmed consj 30
  ship_stop
  "$W2E" consume --from "$NATS" --stream CONSJ >"$d.json"
  envelopes "$d.json" "$d.jdump" && truth consj_truth "$d.jtruth"
  check "consume: JSON bodies (Content-Type application/json) read as they are" \
    $CHECK stream "$d.jdump" --truth "$d.jtruth" --min 2
  "$W2E" consume --from "$NATS" --stream CONSJ --payload json >"$d.json2"
  check "consume --payload json: the same lines" cmp "$d.json" "$d.json2"
  expect "consume --payload protobuf: JSON bodies are not EventEnvelopes" 1 "not a valid EventEnvelope" -- \
    "$W2E" consume --from "$NATS" --stream CONSJ --payload protobuf

  local port plain_port
  port=$(w2e_free_port)
  expect "consume: unreachable hub" 4 "cannot connect to NATS at nats://127.0.0.1:$port" -- \
    "$W2E" consume --from "nats://127.0.0.1:$port" --stream CONS
  plain_port=$(w2e_free_port)
  nats-server -a 127.0.0.1 -p "$plain_port" >"$WORK/plain-nats2.log" 2>&1 &
  OTHER_PIDS+=($!)
  wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$plain_port"
  expect "consume: hub without JetStream" 4 "start nats-server with -js" -- \
    "$W2E" consume --from "nats://127.0.0.1:$plain_port" --stream CONS
  expect "consume: missing stream, naming the ones there are" 4 "JetStream stream NOPE does not exist .*CONS.*fix --stream" -- \
    "$W2E" consume --from "$NATS" --stream NOPE
  expect "consume: a filter the stream does not store" 4 "the stream stores cons.>; fix --subject" -- \
    "$W2E" consume --from "$NATS" --stream CONS --subject 'elsewhere.>'
  "$JS" create "$NATS" CFOREIGN 'cforeign.>' && "$JS" publish "$NATS" cforeign.x 'not an event'
  expect "consume: a message that is not an event stops it" 1 "message 1 on cforeign.x: .*no Nats-Msg-Id" -- \
    "$W2E" consume --from "$NATS" --stream CFOREIGN
  "$JS" create "$NATS" CEMPTY 'cempty.>'
  expect "consume: an empty stream prints nothing, exit status 0" 0 "" -- \
    "$W2E" consume --from "$NATS" --stream CEMPTY
  check "consume: an empty stream prints nothing" test ! -s "$WORK/expect.out"
  if [ "${VALGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    check "consume: no error, no leak under valgrind (claim checks, a filter)" bash -c \
      "valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet \
      '$W2E' consume --from '$NATS' --stream CONS --subject 'cons.cs-created' >/dev/null"
  fi
}

# Two routes with subjects of their own and an unrouted table on --subject:
# every event on its route's subject, exactly once, in commit order per key
# `consume` closes its connection while nats.c's callback thread still runs:
# 200 short runs (on an empty stream, with and without a filter; eight at a
# time, as contention widens the window) each exit 0. With W2E_SANITIZE=1
# also without a report: the use after free at exit this guards against
# showed in 2 to 12 runs in 100 that way.
consume_runs() { # N LOG: N runs, one line per failure in LOG
  local i st
  for i in $(seq 1 "$1"); do
    if [ $((i % 2)) = 0 ]; then
      "$W2E" consume --from "$NATS" --stream CEXIT >/dev/null 2>"$2.err"
    else
      "$W2E" consume --from "$NATS" --stream CEXIT --subject 'cexit.x' --count 1 >/dev/null 2>"$2.err"
    fi
    st=$?
    [ $st = 0 ] || echo "exit status $st: $(head -c 200 "$2.err")" >>"$2"
  done
}

test_consume_exit() {
  local j pids=()
  "$JS" create "$NATS" CEXIT 'cexit.>' >/dev/null
  for j in 1 2 3 4 5 6 7 8; do
    : >"$WORK/cexit.$j"
    consume_runs 25 "$WORK/cexit.$j" &
    pids+=($!)
  done
  wait "${pids[@]}"
  cat "$WORK"/cexit.[1-8] >"$WORK/cexit.log"
  [ ! -s "$WORK/cexit.log" ] && ok "consume exit: 200 runs exit 0" ||
    fail "consume exit: 200 runs" "$(grep -c . "$WORK/cexit.log") failed: $(head -n 3 "$WORK/cexit.log")"
}

test_routes() {
  local d=$WORK/routes s pids=() bad=0
  new_slot rt
  sql "CREATE TABLE rt_orders (id int PRIMARY KEY, customer int NOT NULL, total numeric(10,2) NOT NULL, email text);
       SELECT wal2events.route('rt_orders', entity => 'order', exclude => '{email}', subject => 'shop.orders.{type}')" >/dev/null
  sql "CREATE TABLE rt_customers (id int PRIMARY KEY, name text NOT NULL);
       SELECT wal2events.route('rt_customers', entity => 'customer', subject => 'shop.crm.{table}.{type}')" >/dev/null
  sql "CREATE TABLE rt_audit (id int PRIMARY KEY, note text)"
  # the stream: shop.> (from --subject), which stores the routes' subjects too
  ship_bg "$WORK/routes.log" --slot rt --to "$NATS" --create-stream ROUTES --subject 'shop.{table}'
  # two writers at once, on overlapping keys of all three tables
  for s in 1 2; do
    for i in $(seq 1 40); do
      echo "BEGIN;
        INSERT INTO rt_customers VALUES ($((i % 8)), 'c$s-$i') ON CONFLICT (id) DO UPDATE SET name = excluded.name;
        INSERT INTO rt_orders VALUES ($((s * 1000 + i)), $((i % 8)), $i.25, 'secret-$i@example.com');
        UPDATE rt_orders SET total = total + 1 WHERE id IN ($((1000 + i % 10)), $((2000 + i % 10)));
        INSERT INTO rt_audit VALUES ($((s * 1000 + i)), 'writer $s step $i');
        COMMIT;"
      [ $((i % 10)) = 0 ] && echo "DELETE FROM rt_orders WHERE id = $((s * 1000 + i - 5)); DELETE FROM rt_audit WHERE id = $((s * 1000 + i - 5));"
    done | psql -X -q -v ON_ERROR_STOP=1 >"$d.psql$s" 2>&1 &
    pids+=($!)
  done
  for s in "${pids[@]}"; do wait "$s" || bad=1; done
  [ $bad = 0 ] && ok "routes: two concurrent writers ran" || fail "routes: the writers failed" "$(cat "$d.psql1" "$d.psql2")"
  sql "SELECT wal2events.emit('audit-closed', 'k', '{}')" >/dev/null
  check "routes: caught up" wait_confirmed rt 60
  ship_stop
  verify routes rt ROUTES 250
  check "routes: every event on its route's subject (the unrouted table's and emit()'s on --subject)" python3 -c '
import json,sys
want={"rt_orders": lambda e: "shop.orders."+e["type"],
      "rt_customers": lambda e: "shop.crm.rt_customers."+e["type"],
      "rt_audit": lambda e: "shop.rt_audit",
      None: lambda e: "shop._"}
seen={}
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d.get("chunk"):
        continue
    e=d["envelope"]
    s=want[e.get("table")](e)
    assert d["subject"]==s, (d["subject"], s, e["id"])
    f=s.split(".")[1] if s.count(".")>1 else "default"
    seen[f]=seen.get(f,0)+1
assert all(seen.get(k,0)>0 for k in ("orders","crm","default")), seen
types=set(json.loads(l)["envelope"]["type"] for l in open(sys.argv[1]) if json.loads(l)["envelope"].get("table")=="rt_orders")
assert types=={"order-created","order-updated","order-deleted"}, types' "$WORK/rt.dump"
  check "routes: in commit order per partition key" python3 -c '
import json,sys
def lsn(t):
    a,b=t.split("/"); return (int(a,16)<<32)|int(b,16)
last={}
for l in open(sys.argv[1]):
    e=json.loads(l)["envelope"]
    k=(e.get("table"),e["partition_key"]); p=(lsn(e["commit_lsn"]),e["position"])
    assert k not in last or last[k]<p, ("out of order", k, e["id"])
    last[k]=p
assert len([k for k in last if k[0]=="rt_customers"])==8, last.keys()' "$WORK/rt.dump"
  sql "SELECT json_build_object('id', id, 'customer', customer, 'total', total::text) FROM rt_orders" >"$d.orders.rows"
  sql "SELECT json_build_object('id', id, 'name', name) FROM rt_customers" >"$d.customers.rows"
  check "routes: replaying rt_orders events gives its rows (the e-mail column left out)" \
    $CHECK rows "$WORK/rt.dump" rt_orders "$d.orders.rows"
  check "routes: replaying rt_customers events gives its rows" $CHECK rows "$WORK/rt.dump" rt_customers "$d.customers.rows"
  check "routes: the excluded column never reaches the hub" bash -c "! grep -q 'secret-\\|email' '$WORK/rt.dump'"
  "$W2E" consume --from "$NATS" --stream ROUTES --subject "shop.orders.>" >"$d.orders"
  "$W2E" consume --from "$NATS" --stream ROUTES --subject "shop.crm.>" >"$d.crm"
  "$W2E" consume --from "$NATS" --stream ROUTES --subject "shop.*" >"$d.default"
  check "routes: consume --subject per route: each event under exactly one, in stream order" python3 -c '
import json,sys
dump=[json.loads(l) for l in open(sys.argv[1])]
dump=[(d["subject"].split(".")[1] if d["subject"].count(".")>1 else "default", d["envelope"]["id"])
      for d in dump if not d.get("chunk")]
for s in ("orders","crm","default"):
    got=[json.loads(l)["id"] for l in open(sys.argv[2]+"."+s)]
    assert got==[i for t,i in dump if t==s], s
' "$WORK/rt.dump" "$d"
}

test_tail() {
  sql "CREATE TABLE tl (id int PRIMARY KEY, v text)"
  "$W2E" tail >"$WORK/tail.out" 2>"$WORK/tail.err" &
  local pid=$!
  wait_until 10 sql_is 1 "SELECT count(*) FROM pg_replication_slots WHERE temporary"
  sql "INSERT INTO tl VALUES (1, 'a'); INSERT INTO tl VALUES (2, 'b'); INSERT INTO tl VALUES (3, 'c')"
  wait_until 10 lines_at_least 3 "$WORK/tail.out"
  kill -INT $pid
  wait $pid
  local st=$?
  [ $st = 0 ] && ok "tail: SIGINT stops with exit status 0" || fail "tail: exit status" "$st $(cat "$WORK/tail.err")"
  check "tail: one JSON line per event" python3 -c '
import json,sys
ls=[json.loads(l) for l in open(sys.argv[1])]
assert [l["new"]["id"] for l in ls]==[1,2,3], ls' "$WORK/tail.out"
  check "tail: its temporary slot is gone" test "$(sql "SELECT count(*) FROM pg_replication_slots WHERE temporary")" = 0
  new_slot watched
  local before
  before=$(confirmed_flush watched)
  sql "INSERT INTO tl VALUES (4, 'd')"
  "$W2E" tail --slot watched >"$WORK/tail2.out" 2>>"$WORK/tail.err" &
  pid=$!
  wait_until 10 lines_at_least 1 "$WORK/tail2.out"
  sleep 0.5
  kill -INT $pid
  wait $pid
  check "tail --slot: prints the slot's events" grep -q '"id":4' "$WORK/tail2.out"
  check "tail --slot: leaves the slot's position alone" test "$(confirmed_flush watched)" = "$before"
}

test_idle() {
  new_slot idle1
  sql "CREATE TABLE noise (id int)"
  ship_bg "$WORK/idle.log" --slot idle1 --to "$NATS" --create-stream IDLE --subject 'idle.{type}' \
    -o exclude-tables=public.noise --status-interval 1s
  local i
  for i in $(seq 1 100); do echo "INSERT INTO noise VALUES ($i);"; done | psql -X -q >/dev/null
  check "idle: writes only to excluded tables still advance confirmed_flush_lsn" wait_confirmed idle1 60
  ship_stop
  check "idle: nothing was published" test "$("$JS" info "$NATS" IDLE | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')" = 0
}

test_claim() {
  new_slot big1$TX
  sql "CREATE TABLE docs$TX (id int PRIMARY KEY, body text)"
  sql "ALTER TABLE docs$TX ALTER body SET STORAGE EXTERNAL"
  ship_bg "$WORK/big.log" --slot big1$TX --to "$NATS" --create-stream BIG$TX --subject "$(tsubj big)" $UNIT_ARGS
  sql "INSERT INTO docs$TX VALUES (1, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 655360) g))"
  sql "INSERT INTO docs$TX VALUES (2, 'after the big one')"
  check "claim: a 20 MB row neither stalls nor blocks the next events" wait_confirmed big1$TX 60
  ship_stop
  verify claim big1$TX BIG$TX 2
  local want
  want=$(sql "SELECT md5(body) || ' ' || length(body) FROM docs$TX WHERE id = 1")
  check "claim: the body read back through the claim check equals the row" python3 -c '
import json,sys,hashlib
for l in open(sys.argv[1]):
    d=json.loads(l)
    for e in [d["envelope"]] if "envelope" in d else d.get("transaction",{}).get("events",[]):
        if e.get("new",{}).get("id")==1:
            b=e["new"]["body"]
            got=hashlib.md5(b.encode()).hexdigest()+" "+str(len(b))
            assert got==sys.argv[2], (got, sys.argv[2])
            assert int(d["headers"]["W2e-Claim-Chunks"])>=20
            sys.exit(0)
sys.exit("no event for row 1")' "$WORK/big1$TX.dump" "$want"
  check "claim: every message fits the 1 MB max payload" python3 -c '
import json,sys
assert all(json.loads(l)["size"] <= 1048576 for l in open(sys.argv[1]))' "$WORK/big1$TX.dump"
}

test_crash() {
  local rounds=$WORK/crash$TX.rounds round
  new_slot crash1$TX
  sql "CREATE TABLE c$TX (id bigint PRIMARY KEY, k int, v text)"
  : >"$rounds"
  workload c$TX 0 100 1000 0.03 &
  local wl=$!
  for round in 1 2 3 4 5; do
    ship_bg "$WORK/crash.log" --slot crash1$TX --to "$NATS" --create-stream CRASH$TX --subject "$(tsubj crash)" $UNIT_ARGS
    sleep "0.$((RANDOM % 8 + 2))"
    ship_stop KILL
    sleep 0.3
    echo "$(confirmed_flush crash1$TX) $(stream_last_seq CRASH$TX)" >>"$rounds"
  done
  wait $wl
  ship_bg "$WORK/crash.log" --slot crash1$TX --to "$NATS" --create-stream CRASH$TX --subject "$(tsubj crash)" $UNIT_ARGS
  check "crash: catches up after 5 kill -9" wait_confirmed crash1$TX 120
  ship_stop
  verify crash crash1$TX CRASH$TX 100000
  verify_unit crash crash1$TX
  check "crash: confirmed_flush_lsn never covered an unacknowledged event" \
    $CHECK confirmed "$WORK/crash1$TX.dump" "$rounds"
}

test_outage() {
  new_slot out1$TX
  sql "CREATE TABLE o$TX (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/outage.log" --slot out1$TX --to "$NATS" --create-stream OUTAGE$TX --subject "$(tsubj outage)" $UNIT_ARGS \
    --ack-timeout 2s --retry-max 2s --status-interval 2s
  workload o$TX 0 60 1000 0.1 &
  local wl=$! pid_before pid_after
  sleep 1.5
  pid_before=$(sql "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'out1$TX'")
  kill -STOP "$NATS_PID"   # frozen: acknowledgements time out
  sleep 4
  kill -CONT "$NATS_PID"
  sleep 1
  kill -9 "$NATS_PID"      # gone, with messages in flight
  wait "$NATS_PID" 2>/dev/null
  NATS_PID=
  sleep 11
  pid_after=$(sql "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'out1$TX'")
  start_nats
  wait $wl
  check "outage: catches up after a frozen and a killed hub (11 s down)" wait_confirmed out1$TX 120
  ship_stop
  verify outage out1$TX OUTAGE$TX 60000
  verify_unit outage out1$TX
  check "outage: the replication connection stayed up while the hub was down" test "$pid_before" = "$pid_after"
  grep -q "holding new events" "$WORK/outage.log" && ok "outage: the hub failure is logged" ||
    fail "outage: the hub failure is logged" "$(tail -n 5 "$WORK/outage.log")"
}

test_pg_restart() {
  new_slot pgr1
  sql "CREATE TABLE r (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/pgr.log" --slot pgr1 --to "$NATS" --create-stream PGR --subject 'pgr.{table}'
  workload r 0 40 1000 0.05 &
  local wl=$!
  sleep 1
  restart_postgres fast
  sleep 1.5
  restart_postgres immediate
  wait $wl
  workload r 100 10 1000
  check "pg restart: catches up after a fast and an immediate restart" wait_confirmed pgr1 120
  ship_stop
  verify "pg restart" pgr1 PGR 10000
  check "pg restart: reconnected twice" test "$(grep -c 'reconnected to PostgreSQL' "$WORK/pgr.log")" -ge 2
}

test_dedup() {
  new_slot dd1$TX
  sql "CREATE TABLE d$TX (id bigint PRIMARY KEY, k int, v text)"
  workload d$TX 0 60 1000 0.1 &
  local wl=$! n exercised=0 c last
  # at least three kills, and more (up to eight) until one has left events
  # stored but not confirmed: on a busy machine a kill can find none
  for n in 1 2 3 4 5 6 7 8; do
    [ $n -gt 3 ] && [ $exercised = 1 ] && break
    ship_bg "$WORK/dedup.log" --slot dd1$TX --to "$NATS" --create-stream DEDUP$TX --dup-window 1s --subject "$(tsubj dedup)" $UNIT_ARGS
    wait_until 30 stream_has DEDUP$TX 1
    sleep 0.$((3 + RANDOM % 7))
    ship_stop KILL
    sleep 0.3
    c=$(confirmed_flush dd1$TX)
    dump DEDUP$TX "$WORK/dd.partial"
    last=$(tail -n 1 "$WORK/dd.partial" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("envelope", d.get("transaction"))["commit_lsn"])')
    [ "$(sql "SELECT '$c'::pg_lsn < '$last'::pg_lsn")" = t ] && exercised=1
    sleep 1.5     # longer than the stream's duplicate window
  done
  wait $wl
  check "dedup: the stream was created with a 1 s duplicate window" \
    test "$("$JS" info "$NATS" DEDUP$TX | python3 -c 'import json,sys; print(json.load(sys.stdin)["dup_window_ms"])')" = 1000
  ship_bg "$WORK/dedup.log" --slot dd1$TX --to "$NATS" --stream DEDUP$TX --subject "$(tsubj dedup)" $UNIT_ARGS
  check "dedup: caught up" wait_confirmed dd1$TX 120
  ship_stop
  [ $exercised = 1 ] && ok "dedup: restarts found events stored but not confirmed" ||
    fail "dedup: restarts found events stored but not confirmed" "the kills never left such events"
  verify "dedup: after downtimes longer than the duplicate window" dd1$TX DEDUP$TX 60000
  verify_unit dedup dd1$TX
}

test_sigterm() {
  new_slot term1
  sql "CREATE TABLE s (id bigint PRIMARY KEY, k int, v text)"
  workload s 0 30 1000 0.02 &
  local wl=$!
  ship_bg "$WORK/term.log" --slot term1 --to "$NATS" --create-stream TERM --subject 'term.{table}'
  sleep 1
  ship_stop TERM
  [ "$SHIP_STATUS" = 0 ] && ok "sigterm: exit status 0 under load" || fail "sigterm: exit status" "$SHIP_STATUS"
  echo "$(confirmed_flush term1) $(stream_last_seq TERM)" >"$WORK/term.rounds"
  wait $wl
  ship_bg "$WORK/term.log" --slot term1 --to "$NATS" --stream TERM --subject 'term.{table}'
  check "sigterm: resumes" wait_confirmed term1 60
  ship_stop
  verify sigterm term1 TERM 30000
  check "sigterm: what was confirmed at exit was stored" $CHECK confirmed "$WORK/term1.dump" "$WORK/term.rounds"
}

test_rejecting() {
  new_slot rej1
  sql "CREATE TABLE j (id int PRIMARY KEY)"
  ship_bg "$WORK/rej.log" --slot rej1 --to "$NATS" --create-stream REJECT --subject 'rej.{table}' --retry-max 1s --ack-timeout 2s
  sql "INSERT INTO j SELECT generate_series(1, 10)"
  wait_confirmed rej1 30
  "$JS" delete "$NATS" REJECT
  # (the slot may still move up to the WAL written before the INSERT, such
  # as the bgwriter's running-xacts records, confirmed from keepalives)
  local before
  before=$(sql "SELECT pg_current_wal_insert_lsn()")
  sql "INSERT INTO j SELECT generate_series(11, 20)"
  sleep 4
  check "rejecting: nothing is confirmed while the hub rejects" \
    sql_is t "SELECT confirmed_flush_lsn <= '$before' FROM pg_replication_slots WHERE slot_name = 'rej1'"
  check "rejecting: the shipper keeps running" kill -0 "$SHIP_PID"
  "$JS" create "$NATS" REJECT 'rej.>'
  check "rejecting: resumes once the stream is back" wait_confirmed rej1 30
  ship_stop
  dump REJECT "$WORK/rej.dump"
  check "rejecting: the events written meanwhile arrive, once each" python3 -c '
import json,sys
ids=[json.loads(l)["envelope"]["new"]["id"] for l in open(sys.argv[1])]
assert sorted(ids)==list(range(11,21)), ids' "$WORK/rej.dump"
}

# A 4096-byte partition key (emit() allows it to every role) on a template
# with {partition_key}: NATS closes a connection whose protocol line passes
# 4096 bytes, so the subject's token and the W2e-Partition-Key header are
# shortened (first bytes, '~', FNV-1a 64 of the whole key); delivered once,
# and the shipper never loses its connection
test_long_key() {
  new_slot lk
  ship_bg "$WORK/lk.log" --slot lk --to "$NATS" --create-stream LONGKEY --subject 'pk.{type}.{partition_key}' \
    --ack-timeout 2s --retry-max 1s
  sql "SELECT wal2events.emit('big', repeat('k', 4096), '{}')" >/dev/null
  sql "SELECT wal2events.emit('big', repeat('k', 4095) || 'x', '{}')" >/dev/null
  sql "SELECT wal2events.emit('small', 'k1', '{}')" >/dev/null
  check "long key: caught up" wait_confirmed lk 30
  sleep 1
  ship_stop
  verify "long key" lk LONGKEY 3
  check "long key: on the shortened subject and header, the envelope has the whole key" python3 -c '
import json,sys
def fnv(b):
    h=0xcbf29ce484222325
    for c in b:
        h=((h^c)*0x100000001b3)&0xffffffffffffffff
    return "~%016x" % h
ds=[json.loads(l) for l in open(sys.argv[1])]
assert len(ds)==3, len(ds)
for d in ds[:2]:
    key=d["envelope"]["partition_key"]
    assert len(key)==4096, len(key)
    want="pk.big."+key[:111]+fnv(key.encode())
    assert d["subject"]==want, (d["subject"], want)
    h=d["headers"]["W2e-Partition-Key"]
    assert len(h)==256 and h==key[:239]+fnv(key.encode()), h
assert ds[0]["subject"]!=ds[1]["subject"]
assert ds[2]["subject"]=="pk.small.k1" and ds[2]["headers"]["W2e-Partition-Key"]=="k1"' "$WORK/lk.dump"
  check "long key: the shipper never lost its connection" \
    bash -c "! grep -E 'lost the connection|holding new events|reconnect|still unavailable' '$WORK/lk.log'"
}

# scrape PORT: one GET /metrics, its answer on stdout (nothing within 2 s: nothing)
scrape() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3" 2>/dev/null
}

# The metrics endpoint and the progress line do not depend on the hub:
# nats-server frozen (SIGSTOP) during a load, /metrics scraped every second
# for 12 s: every scrape answered, progress lines keep coming, and the lag
# (the server's WAL position minus the confirmed one) grows
test_frozen_hub() {
  local port i m answered=0 lines_before lines_after wl
  new_slot frz
  sql "CREATE TABLE fz (id bigint PRIMARY KEY, k int, v text)"
  port=$(w2e_free_port)
  ship_bg "$WORK/frz.log" --slot frz --to "$NATS" --create-stream FROZEN --subject 'frz.{table}' \
    --metrics "127.0.0.1:$port" --progress-interval 1s --ack-timeout 2s --retry-max 2s
  workload fz 0 1 1000
  check "frozen hub: caught up before the freeze" wait_confirmed frz 30
  m=$(scrape "$port")
  check "metrics: every metric has # HELP and # TYPE lines" python3 -c '
import sys
lines=sys.argv[1].split("\r\n\r\n",1)[1].splitlines()
names=[l.split()[0] for l in lines if l and not l.startswith("#")]
assert len(names)>=13, names
for n in names:
    assert any(l.startswith("# HELP "+n+" ") and len(l)>len(n)+20 for l in lines), ("no HELP", n)
    assert any(l.startswith("# TYPE "+n+" ") for l in lines), ("no TYPE", n)
' "$m"
  workload fz 1 200 300 0.05 &
  wl=$!
  sleep 1
  kill -STOP "$NATS_PID"
  lines_before=$(grep -c 'events/s' "$WORK/frz.log")
  : >"$WORK/frz.lags"
  for i in $(seq 1 12); do
    m=$(scrape "$port")
    if grep -q '^wal2events_lag_bytes ' <<<"$m"; then
      answered=$((answered + 1))
      grep '^wal2events_lag_bytes ' <<<"$m" | cut -d' ' -f2 >>"$WORK/frz.lags"
    fi
    sleep 1
  done
  lines_after=$(grep -c 'events/s' "$WORK/frz.log")
  kill -CONT "$NATS_PID"
  wait $wl
  check "frozen hub: caught up after the freeze" wait_confirmed frz 120
  ship_stop
  check "frozen hub: all 12 scrapes of /metrics answered" test "$answered" = 12
  check "frozen hub: progress lines kept coming (at least 9 in 12 s)" test $((lines_after - lines_before)) -ge 9
  check "frozen hub: lag_bytes grows while the hub is frozen" python3 -c '
import sys
lags=[int(l) for l in open(sys.argv[1])]
assert len(lags)==12 and lags[-1]>lags[0]+2000000, lags' "$WORK/frz.lags"
  check "frozen hub: the progress line's lag grows too" python3 -c '
import re,sys
lags=[int(m.group(1)) for m in re.finditer(r"lag (\d+) bytes", open(sys.argv[1]).read())]
lags=lags[int(sys.argv[2]):int(sys.argv[3])]
assert len(lags)>=9 and lags[-1]>lags[0]+2000000, lags' "$WORK/frz.log" "$lines_before" "$lines_after"
  verify "frozen hub" frz FROZEN 60000
}

# http PORT PATH [METHOD]: "STATUS FIRST-LINE-OF-BODY" of a request to the metrics port
http() {
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf '%s %s HTTP/1.0\r\n\r\n' '${3:-GET}' '$2' >&3 && cat <&3" 2>/dev/null |
    tr -d '\r' | awk 'NR == 1 { s = $2 } body { print s, $0; exit } /^$/ { body = 1 }'
}

# http_is PORT PATH STATUS [BODY-PATTERN] (for wait_until)
http_is() {
  local got
  got=$(http "$1" "$2")
  [ "${got%% *}" = "$3" ] && grep -q -- "${4:-}" <<<"$got"
}

# /healthz and /readyz for orchestrators: ready when connected to both
# sides and the lag is small; 503 with the reason during a hub outage, a
# PostgreSQL stop and a lag over --ready-max-lag, and ready again after
test_health() {
  local port wl
  new_slot hl1
  sql "CREATE TABLE hl (id bigint PRIMARY KEY, k int, v text)"
  port=$(w2e_free_port)
  ship_bg "$WORK/health.log" --slot hl1 --to "$NATS" --create-stream HEALTH --subject 'health.{table}' \
    --metrics "127.0.0.1:$port" --retry-max 1s --ack-timeout 60s --ready-max-lag 2s --progress-interval 0
  check "health: /readyz 200 once running" wait_until 15 http_is "$port" /readyz 200 ready
  check "health: /healthz 200" http_is "$port" /healthz 200 ok
  check "health: /metrics still served" http_is "$port" /metrics 200 "# HELP wal2events_"
  check "health: an unknown path is 404" http_is "$port" /nope 404 "not found"
  check "health: / is 404" http_is "$port" / 404
  check "health: /readyz?verbose is /readyz" http_is "$port" '/readyz?verbose' 200
  check "health: POST is 405" test "$(http "$port" /readyz POST | cut -d' ' -f1)" = 405
  workload hl 0 1 100
  check "health: caught up" wait_confirmed hl1 30

  stop_nats
  check "health: /readyz 503 naming the hub while nats-server is down" \
    wait_until 15 http_is "$port" /readyz 503 "not ready: event hub"
  check "health: /healthz still 200 while the hub is down" http_is "$port" /healthz 200
  start_nats
  check "health: /readyz 200 again once nats-server is back (no event sent meanwhile)" \
    wait_until 30 http_is "$port" /readyz 200

  as_postgres pg_ctl -D "$WORK/pg/data" -m fast -w stop >/dev/null
  check "health: /readyz 503 naming PostgreSQL while it is stopped" \
    wait_until 15 http_is "$port" /readyz 503 "not ready: PostgreSQL"
  check "health: /healthz still 200 while PostgreSQL is stopped" http_is "$port" /healthz 200
  as_postgres pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start >/dev/null
  check "health: /readyz 200 again once PostgreSQL is back" wait_until 30 http_is "$port" /readyz 200

  # a frozen hub (acknowledgements wait up to --ack-timeout 60s): the lag grows past 2 s
  kill -STOP "$NATS_PID"
  workload hl 1 5 100 0.2 &
  wl=$!
  check "health: /readyz 503 naming the lag over --ready-max-lag" \
    wait_until 20 http_is "$port" /readyz 503 "not ready: lag .* over --ready-max-lag 2.0 s"
  kill -CONT "$NATS_PID"
  wait $wl
  check "health: /readyz 200 again once the hub acknowledges" wait_until 30 http_is "$port" /readyz 200
  check "health: caught up at the end" wait_confirmed hl1 30
  ship_stop
  check "health: exit status 0" test "$SHIP_STATUS" = 0
  verify health hl1 HEALTH 600
}

# file: sinks: a created file is private (0600); a write error (/dev/full)
# is reported as such, exit status 1, and nothing is confirmed
test_file_errors() {
  local f=$WORK/private.bin before
  new_slot fmode
  sql "CREATE TABLE fm (id int PRIMARY KEY, email text)"
  sql "INSERT INTO fm VALUES (1, 'ada@example.com')"
  ship_bg "$WORK/fmode.log" --slot fmode --to "file:$f"
  check "file: caught up" wait_confirmed fmode 30
  ship_stop
  check "file: a file the sink creates is readable by its owner only (0600)" test "$(stat -c %a "$f")" = 600
  new_slot full
  sql "INSERT INTO fm VALUES (2, 'bob@example.com')"
  before=$(confirmed_flush full)
  ONE_LINE=0 expect "file: /dev/full: the write error (ENOSPC), exit status 1" 1 \
    "cannot write to /dev/full: No space left on device" -- timeout 30 "$W2E" ship --slot full --to file:/dev/full
  check "file: /dev/full: nothing is confirmed" test "$(confirmed_flush full)" = "$before"
  check "file: /dev/full: no 'bad frame' complaint" bash -c "! grep -q 'bad frame\|not a file of' '$WORK/expect.err'"
}

# --dup-window on a stream that exists: one warning line naming its window
test_dup_window() {
  new_slot dupw
  "$JS" create "$NATS" DUPW 'dupw.>' 5000
  ship_bg "$WORK/dupw.log" --slot dupw --to "$NATS" --stream DUPW --subject 'dupw.{type}' --dup-window 1s
  wait_until 15 grep -q "shipping to JetStream" "$WORK/dupw.log"
  ship_stop
  check "dup-window: an existing stream's window is named, with how to change it" \
    grep -q "warning: --dup-window 1000 ms is not applied: JetStream stream DUPW exists with a duplicate window of 5000 ms (change the stream's, e.g. nats stream edit DUPW --dupe-window 1s)" "$WORK/dupw.log"
  check "dup-window: one warning line" test "$(grep -c 'dup-window' "$WORK/dupw.log")" = 1
  ship_bg "$WORK/dupw2.log" --slot dupw --to "$NATS" --create-stream DUPW2 --subject 'dupw2.{type}' --dup-window 3s
  wait_until 15 grep -q "shipping to JetStream" "$WORK/dupw2.log"
  ship_stop
  check "dup-window: no warning for a stream --create-stream creates" bash -c "! grep -q warning '$WORK/dupw2.log'"
  check "dup-window: the created stream has it" \
    test "$("$JS" info "$NATS" DUPW2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["dup_window_ms"])')" = 3000
}

# --- several shippers into one stream (each its own source: database + slot) ---

# source DB SLOT: the W2e-Source header of a shipper of database DB through SLOT
source_of() { echo "$(sql "SELECT system_identifier FROM pg_control_system()")/$1/$2${3:+/$3}"; }

# sqld DB QUERY: sql in another database
sqld() { psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$1" -c "$2"; }

# truth_of DB SLOT FILE [TABLES]: what the slot holds (filtered as the shipper's -o tables)
truth_of() {
  local opts=""
  [ -n "${4:-}" ] && opts=", 'tables', '$4'"
  sqld "$1" "SELECT wal2events.decode(data) FROM pg_logical_slot_peek_binary_changes('$2', NULL, NULL$opts)" >"$3"
}

# confirmed_in DB SLOT
confirmed_in() { sqld "$1" "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$2'"; }

# caught_up_in DB SLOT: confirmed up to the WAL written so far
caught_up_in() {
  [ "$(sqld "$1" "SELECT confirmed_flush_lsn >= pg_current_wal_insert_lsn() FROM pg_replication_slots WHERE slot_name = '$2'")" = t ]
}

# two_shippers NAME STREAM DB_A SLOT_A OPTS_A DB_B SLOT_B OPTS_B: both ship concurrently
# into STREAM while the workload ($WL pids) runs, each killed with -9 at random points
# (4 times each), then both catch up; ROUNDS files per source for check.py confirmed;
# subjects $SUBJECT_A and $SUBJECT_B (default NAME.{database}.{table})
two_shippers() {
  local name=$1 stream=$2 round pid_a pid_b last
  local subj_a="${SUBJECT_A:-}" subj_b="${SUBJECT_B:-}"   # default $name.{database}.{table}
  [ -n "$subj_a" ] || subj_a="$name.{database}.{table}"
  [ -n "$subj_b" ] || subj_b="$name.{database}.{table}"
  local -a a=(--dbname "host=127.0.0.1 port=$PGPORT user=postgres dbname=$3" --slot "$4" $5)
  local -a b=(--dbname "host=127.0.0.1 port=$PGPORT user=postgres dbname=$6" --slot "$7" $8)
  : >"$WORK/$name.a.rounds"
  : >"$WORK/$name.b.rounds"
  for round in 1 2 3 4; do
    "$W2E" ship "${a[@]}" --to "$NATS" --stream "$stream" --subject "$subj_a" 2>>"$WORK/$name.a.log" &
    pid_a=$!
    sleep "0.$((RANDOM % 5 + 1))"
    "$W2E" ship "${b[@]}" --to "$NATS" --stream "$stream" --subject "$subj_b" 2>>"$WORK/$name.b.log" &
    pid_b=$!
    OTHER_PIDS+=("$pid_a" "$pid_b")
    sleep "0.$((RANDOM % 8 + 2))"
    kill -9 "$pid_a"; wait "$pid_a" 2>/dev/null
    last=$(stream_last_seq "$stream")
    echo "$(confirmed_in "$3" "$4") $last" >>"$WORK/$name.a.rounds"
    sleep "0.$((RANDOM % 8 + 2))"
    kill -9 "$pid_b"; wait "$pid_b" 2>/dev/null
    last=$(stream_last_seq "$stream")
    echo "$(confirmed_in "$6" "$7") $last" >>"$WORK/$name.b.rounds"
  done
  wait "${WL[@]}"
  "$W2E" ship "${a[@]}" --to "$NATS" --stream "$stream" --subject "$subj_a" 2>>"$WORK/$name.a.log" &
  pid_a=$!
  "$W2E" ship "${b[@]}" --to "$NATS" --stream "$stream" --subject "$subj_b" 2>>"$WORK/$name.b.log" &
  pid_b=$!
  OTHER_PIDS+=("$pid_a" "$pid_b")
  check "$name: both catch up after 4 kill -9 each" wait_until 120 bash -c \
    "$(declare -f sqld caught_up_in); PGPORT=$PGPORT; caught_up_in $3 $4 && caught_up_in $6 $7"
  kill -INT "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null
  dump "$stream" "$WORK/$name.dump"
}

# verify_source NAME DUMP SOURCE TRUTH ROUNDS MIN: one source's events in a shared stream
verify_source() {
  check "$1: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$2" --truth "$4" --min "$6" --source "$3"
  check "$1: confirmed_flush_lsn never covered an unacknowledged event" \
    $CHECK confirmed "$2" "$5" --source "$3"
}

test_shared_databases() {
  local WL=()
  sql "DROP DATABASE IF EXISTS second" && sql "CREATE DATABASE second" &&
    sqld second "CREATE EXTENSION wal2events" || { fail "shared databases: setup" "cannot create database second"; return; }
  sql "CREATE TABLE sa (id bigint PRIMARY KEY, k int, v text)"
  sqld second "CREATE TABLE sb (id bigint PRIMARY KEY, k int, v text)"
  new_slot sdb1
  sqld second "SELECT pg_create_logical_replication_slot('sdb2', 'wal2events')" >/dev/null
  sqld second "SELECT pg_create_logical_replication_slot('sdb2_truth', 'wal2events')" >/dev/null
  "$JS" create "$NATS" SHARED1 'sdb.>'
  workload sa 0 60 500 0.03 & WL+=($!)
  workload_in second sb 0 60 500 0.03 & WL+=($!)
  two_shippers sdb SHARED1 postgres sdb1 "" second sdb2 ""
  truth_of postgres sdb1_truth "$WORK/sdb1.truth"
  truth_of second sdb2_truth "$WORK/sdb2.truth"
  verify_source "shared databases (postgres)" "$WORK/sdb.dump" "$(source_of postgres sdb1)" "$WORK/sdb1.truth" "$WORK/sdb.a.rounds" 30000
  verify_source "shared databases (second)" "$WORK/sdb.dump" "$(source_of second sdb2)" "$WORK/sdb2.truth" "$WORK/sdb.b.rounds" 30000
  cat "$WORK/sdb.a.log" "$WORK/sdb.b.log" | grep -q "sequences do not add up" &&
    ok "shared databases: a shipper noticed the other writer and asked every message for an acknowledgement" ||
    fail "shared databases: a shipper noticed the other writer" "$(tail -n 3 "$WORK/sdb.a.log")"
  sqld second "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active AND database = 'second'" >/dev/null
}

# workload_in DB TABLE FIRST BATCHES ROWS [PAUSE]: workload in another database
workload_in() {
  local db=$1
  shift
  local table=$1 first=$2 batches=$3 rows=$4 pause=${5:-0} i
  for i in $(seq "$first" $((first + batches - 1))); do
    echo "INSERT INTO $table SELECT g, g % 97, 'v' || g FROM generate_series($((i * rows + 1)), $(((i + 1) * rows))) g;"
    [ "$pause" = 0 ] || echo "SELECT pg_sleep($pause);"
  done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$db" >/dev/null 2>&1
}

# workload_both T1 T2 BATCHES ROWS PAUSE: transactions that write ROWS rows to each table
workload_both() {
  local i
  for i in $(seq 0 $(($3 - 1))); do
    echo "BEGIN;"
    echo "INSERT INTO $1 SELECT g, g % 97, 'a' || g FROM generate_series($((i * $4 + 1)), $(((i + 1) * $4))) g;"
    echo "INSERT INTO $2 SELECT g, g % 89, 'b' || g FROM generate_series($((i * $4 + 1)), $(((i + 1) * $4))) g;"
    echo "COMMIT;"
    echo "SELECT pg_sleep($5);"
  done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1
}

# Two slots of one database with different -o tables: the events of one
# transaction are split between the two shippers (needs event ids that name
# the change, not its rank among one slot's events: the plugin's Event.position).
test_shared_slots() {
  local WL=() n=sts$TX subj=""
  sql "CREATE TABLE ta$TX (id bigint PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE tb$TX (id bigint PRIMARY KEY, k int, v text)"
  new_slot sts1$TX
  new_slot sts2$TX
  "$JS" create "$NATS" SHARED2$TX "$n.>"
  [ "$UNIT" = transaction ] && subj="$n.{database}"
  workload_both ta$TX tb$TX 60 300 0.03 & WL+=($!)
  SUBJECT_A=$subj SUBJECT_B=$subj two_shippers $n SHARED2$TX postgres sts1$TX "-o tables=public.ta$TX $UNIT_ARGS" postgres sts2$TX "-o tables=public.tb$TX $UNIT_ARGS"
  truth_of postgres sts1${TX}_truth "$WORK/sts1.truth" public.ta$TX
  truth_of postgres sts2${TX}_truth "$WORK/sts2.truth" public.tb$TX
  verify_source "shared slots (tables ta)" "$WORK/$n.dump" "$(source_of postgres sts1$TX "${TX:+transaction}")" "$WORK/sts1.truth" "$WORK/$n.a.rounds" 18000
  verify_source "shared slots (tables tb)" "$WORK/$n.dump" "$(source_of postgres sts2$TX "${TX:+transaction}")" "$WORK/sts2.truth" "$WORK/$n.b.rounds" 18000
  if [ "$UNIT" = transaction ]; then
    check "shared slots: transaction messages of both slots, one transaction each (ids tell the slots apart)" \
      $CHECK transactions "$WORK/$n.dump" sts1$TX --source "$(source_of postgres sts1$TX "${TX:+transaction}")"
    check "shared slots: ... and of the second slot" \
      $CHECK transactions "$WORK/$n.dump" sts2$TX --source "$(source_of postgres sts2$TX "${TX:+transaction}")"
  fi
}

# One stream, two slots of one database: one ships events (tables ua), the
# other transactions (tables ub), each killed -9 at random points; every
# event of each exactly once, and consume reads the mixed stream.
test_shared_units() {
  local WL=()
  sql "CREATE TABLE ua (id bigint PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE ub (id bigint PRIMARY KEY, k int, v text)"
  new_slot stu1
  new_slot stu2
  "$JS" create "$NATS" SHARED3 'stu.>'
  workload_both ua ub 60 300 0.03 & WL+=($!)
  SUBJECT_A='stu.{database}.{table}' SUBJECT_B='stu.tx.{database}' two_shippers stu SHARED3 \
    postgres stu1 "-o tables=public.ua" postgres stu2 "-o tables=public.ub --unit transaction -o max-events=100"
  truth_of postgres stu1_truth "$WORK/stu1.truth" public.ua
  truth_of postgres stu2_truth "$WORK/stu2.truth" public.ub
  verify_source "shared units (events of ua)" "$WORK/stu.dump" "$(source_of postgres stu1)" "$WORK/stu1.truth" "$WORK/stu.a.rounds" 18000
  verify_source "shared units (transactions of ub)" "$WORK/stu.dump" "$(source_of postgres stu2 transaction)" "$WORK/stu2.truth" "$WORK/stu.b.rounds" 18000
  check "shared units: the transaction messages, in chunks of 100 events" \
    $CHECK transactions "$WORK/stu.dump" stu2 --source "$(source_of postgres stu2 transaction)" --min-chunks 60
  "$W2E" consume --from "$NATS" --stream SHARED3 >"$WORK/stu.consumed" 2>"$WORK/stu.err"
  check "shared units: consume prints the events of both kinds of message, 36000 lines" \
    test "$(wc -l <"$WORK/stu.consumed")" = 36000
  expect "shared units: consume --transactions stops at a message of one event" 1 \
    "is one event (ship --unit event), not a transaction" -- "$W2E" consume --from "$NATS" --stream SHARED3 --transactions
  "$W2E" consume --from "$NATS" --stream SHARED3 --subject 'stu.tx.>' --transactions >"$WORK/stu.txns" 2>>"$WORK/stu.err"
  check "shared units: consume --transactions --subject reads the transactions" python3 -c '
import json,sys
ts=[json.loads(l) for l in open(sys.argv[1])]
assert ts and all(len(t["events"]) <= 100 for t in ts), len(ts)
assert sum(len(t["events"]) for t in ts) == 18000' "$WORK/stu.txns"
}

# A slot shipped as events, killed -9 under load, then shipped as
# transactions into the same stream: the two units are two sources, the
# second resuming from the slot's confirmed position, so no event is lost
# (the unconfirmed ones may come twice, once in each unit).
test_unit_switch() {
  local src_e src_t
  sql "CREATE TABLE usw (id bigint PRIMARY KEY, k int, v text)"
  new_slot usw1
  workload usw 0 40 1000 0.03 &
  local wl=$!
  ship_bg "$WORK/usw.log" --slot usw1 --to "$NATS" --create-stream USW --subject 'usw.{table}'
  wait_until 60 stream_has USW 1000
  ship_stop KILL
  ship_bg "$WORK/usw.log" --slot usw1 --to "$NATS" --stream USW --subject 'usw.tx.{database}' --unit transaction
  wait $wl
  check "unit switch: caught up" wait_confirmed usw1 60
  ship_stop
  dump USW "$WORK/usw.dump" && truth usw1_truth "$WORK/usw.truth"
  src_e=$(source_of postgres usw1)
  src_t=$(source_of postgres usw1 transaction)
  check "unit switch: each unit's messages once, in commit order" bash -c \
    "$CHECK stream '$WORK/usw.dump' --source '$src_e' --min 1 && $CHECK stream '$WORK/usw.dump' --source '$src_t' --min 1"
  check "unit switch: together every event of the WAL, none lost" python3 -c '
import json,sys
got=set()
for l in open(sys.argv[1]):
    d=json.loads(l)
    got.update([d["envelope"]["id"]] if "envelope" in d else [e["id"] for e in d.get("transaction",{}).get("events",[])])
want={e["id"] for l in open(sys.argv[2]) for e in json.loads(l)["events"]}
assert want <= got and len(want) == 40000, (len(want - got), len(got - want), len(want))' "$WORK/usw.dump" "$WORK/usw.truth"
}

# In-unit variants of the fault tests (see in_txn_unit)
test_claim_txn() { in_txn_unit claim; }
test_crash_txn() { in_txn_unit crash; }
test_outage_txn() { in_txn_unit outage; }
test_dedup_txn() { in_txn_unit dedup; }
test_shared_slots_txn() { in_txn_unit shared_slots; }

# A shipper whose stream holds another source's newer events resumes after
# its own newest, not after theirs.
test_shared_newer() {
  sql "CREATE TABLE na (id int PRIMARY KEY)"
  sql "CREATE TABLE nb (id int PRIMARY KEY)"
  new_slot nwa
  new_slot nwb
  ship_bg "$WORK/newer.a.log" --slot nwa --to "$NATS" --create-stream NEWER --subject 'newer.{table}' -o tables=public.na
  sql "INSERT INTO na SELECT generate_series(1, 10)"
  check "shared newer: the first shipper ships its events" wait_confirmed nwa 30
  ship_stop
  sql "INSERT INTO na SELECT generate_series(11, 20)"   # not shipped yet
  ship_bg "$WORK/newer.b.log" --slot nwb --to "$NATS" --stream NEWER --subject 'newer.{table}' -o tables=public.nb
  sql "INSERT INTO nb SELECT generate_series(1, 50)"
  check "shared newer: the second shipper ships newer events" wait_confirmed nwb 30
  ship_stop
  ship_bg "$WORK/newer.a.log" --slot nwa --to "$NATS" --stream NEWER --subject 'newer.{table}' -o tables=public.na
  check "shared newer: the first shipper catches up" wait_confirmed nwa 30
  ship_stop
  dump NEWER "$WORK/newer.dump"
  check "shared newer: every row of each table once, none skipped" python3 -c '
import json,sys
rows={"na":[], "nb":[]}
for l in open(sys.argv[1]):
    e=json.loads(l)["envelope"]
    rows[e["table"]].append(e["new"]["id"])
assert sorted(rows["na"])==list(range(1,21)), rows["na"]
assert sorted(rows["nb"])==list(range(1,51)), rows["nb"]' "$WORK/newer.dump"
}

# --- rejections that retrying cannot cure stop the shipper (status 4) ---

# rejected NAME LOG SLOT ID PATTERN: the shipper exited 4 with PATTERN in
# $WORK/LOG.log, and the slot is not confirmed past the transaction of row ID
rejected() {
  local name=$1 log=$WORK/$2.log commit
  check "$name: the shipper stops" wait_until 30 bash -c "! kill -0 $SHIP_PID"
  ship_stop
  [ "$SHIP_STATUS" = 4 ] && ok "$name: exit status 4" || fail "$name: exit status 4" "got $SHIP_STATUS: $(tail -n 2 "$log")"
  grep -q -- "$5" "$log" && ok "$name: the log says why and how to fix it" ||
    fail "$name: the log says why and how to fix it" "$(tail -n 3 "$log")"
  check "$name: the error names the rejected event" grep -q "rejects message [0-9]*/[0-9A-F]*/[0-9]*" "$log"
  truth "$3_truth" "$WORK/$2.truth"
  commit=$(python3 -c '
import json,sys
for l in open(sys.argv[1]):
    t=json.loads(l)
    if any(e.get("new",{}).get("id")==int(sys.argv[2]) for e in t["events"]):
        print(t["commit_lsn"]); break' "$WORK/$2.truth" "$4")
  check "$name: the slot is not confirmed past the rejected event" \
    sql_is t "SELECT confirmed_flush_lsn < '$commit' FROM pg_replication_slots WHERE slot_name = '$3'"
}

test_rejected_size() {
  sql "CREATE TABLE rs (id int PRIMARY KEY, body text)"
  new_slot rsz
  "$JS" create "$NATS" RSIZE 'rsize.>' 120000 1500
  ship_bg "$WORK/rsize.log" --slot rsz --to "$NATS" --stream RSIZE --subject 'rsize.{table}' --retry-max 1s
  sql "INSERT INTO rs VALUES (1, 'small')"
  check "rejected size: a small event is stored" wait_confirmed rsz 30
  sql "INSERT INTO rs VALUES (2, repeat('x', 3000))"
  sql "INSERT INTO rs VALUES (3, 'after')"
  rejected "rejected size" rsize rsz 2 "message size exceeds maximum allowed.*max_msg_size"
}

test_rejected_full() {
  sql "CREATE TABLE rf (id int PRIMARY KEY)"
  new_slot rfl
  "$JS" create "$NATS" RFULL 'rfull.>' 120000 0 5
  ship_bg "$WORK/rfull.log" --slot rfl --to "$NATS" --stream RFULL --subject 'rfull.{table}' --retry-max 1s
  local i
  for i in $(seq 1 10); do sql "INSERT INTO rf VALUES ($i)"; done
  rejected "rejected full" rfull rfl 6 "maximum messages exceeded.*discard"
  check "rejected full: the stream holds the first 5 events" \
    test "$("$JS" info "$NATS" RFULL | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')" = 5
}

# A claim check in a shared stream: another shipper's messages between the
# chunks and their event; consume resolves it both ways (chunks delivered,
# and read by sequence when its filter leaves them out).
test_shared_claim() {
  local pid_b
  sql "CREATE TABLE cla (id int PRIMARY KEY, body text)"
  sql "ALTER TABLE cla ALTER body SET STORAGE EXTERNAL"
  sql "CREATE TABLE clb (id bigint PRIMARY KEY, k int, v text)"
  new_slot cla1
  new_slot clb1
  "$JS" create "$NATS" SCLAIM 'scl.>'
  "$W2E" ship --slot clb1 --to "$NATS" --stream SCLAIM --subject 'scl.{table}' -o tables=public.clb 2>>"$WORK/scl.b.log" &
  pid_b=$!
  OTHER_PIDS+=("$pid_b")
  ship_bg "$WORK/scl.a.log" --slot cla1 --to "$NATS" --stream SCLAIM --subject 'scl.{table}' -o tables=public.cla
  # the other shipper busy all along, until the claim check is stored
  (i=0; while [ ! -f "$WORK/scl.stop" ]; do
     echo "INSERT INTO clb SELECT g, g % 97, 'v' || g FROM generate_series($((i * 200 + 1)), $(((i + 1) * 200))) g;"
     i=$((i + 1))
   done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1) &
  local wl=$!
  sleep 1
  sql "INSERT INTO cla VALUES (1, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 655360) g))"
  wait_confirmed cla1 60
  touch "$WORK/scl.stop"
  wait $wl
  check "shared claim: both catch up" wait_until 60 bash -c "$(declare -f sqld caught_up_in); PGPORT=$PGPORT; caught_up_in postgres cla1 && caught_up_in postgres clb1"
  ship_stop
  kill -INT "$pid_b"; wait "$pid_b" 2>/dev/null
  dump SCLAIM "$WORK/scl.dump"
  check "shared claim: another source's messages lie between the chunks and their event" python3 -c '
import json,sys
src=None; between=False
for l in open(sys.argv[1]):
    d=json.loads(l)
    s=d["headers"].get("W2e-Source")
    if d.get("chunk"): src=s
    elif src is not None and s!=src: between=True
    elif src is not None and "W2e-Claim-Chunks" in d["headers"]: break
assert between, "no interleaving: the test did not exercise it"' "$WORK/scl.dump"
  local want
  want=$(sql "SELECT md5(body) FROM cla WHERE id = 1")
  "$W2E" consume --from "$NATS" --stream SCLAIM --subject 'scl.cla' >"$WORK/scl.filtered" 2>"$WORK/scl.err"
  check "shared claim: consume reads the chunks by sequence past the other messages" python3 -c '
import json,sys,hashlib
rows=[json.loads(l) for l in open(sys.argv[1])]
assert len(rows)==1, rows[:1]
assert hashlib.md5(rows[0]["new"]["body"].encode()).hexdigest()==sys.argv[2]' "$WORK/scl.filtered" "$want"
  "$W2E" consume --from "$NATS" --stream SCLAIM >"$WORK/scl.all" 2>>"$WORK/scl.err"
  check "shared claim: consume of every subject resolves it too" python3 -c '
import json,sys,hashlib
rows=[json.loads(l) for l in open(sys.argv[1])]
big=[r for r in rows if r.get("table")=="cla"]
assert len(big)==1 and hashlib.md5(big[0]["new"]["body"].encode()).hexdigest()==sys.argv[2]
assert len(rows)==1+int(sys.argv[3]), (len(rows), sys.argv[3])' "$WORK/scl.all" "$want" "$(sql "SELECT count(*) FROM clb")"
}

# The cluster's copies: every node holds what the dump holds (the stream's
# messages up to its last sequence), within SECONDS.
copies_keep_up() { # NAME STREAM DUMP SECONDS
  local n last
  n=$(grep -c . "$3")
  last=$(tail -n 1 "$3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
  if wait_until "$4" cluster_copies_equal "$2" "$n" "$last"; then
    ok "$1: every node's copy of the stream holds all $n messages up to sequence $last"
  else
    fail "$1: every node's copy keeps up" "$(cluster_copies_equal "$2" "$n" "$last")"
  fi
}

# The cluster started once, for cluster and cluster_ldm.
cluster_up() {
  [ -n "$CLUSTER_URL" ] && return 0
  cluster_start || { fail "cluster: three nats-servers with a JetStream meta leader" "$(tail -n 5 "$WORK"/cluster/n*.log)"; return 1; }
}

# A replicated stream (R3) on a 3-node cluster, a writer committing all the
# while: kill -9 the stream's leader, start it again; kill -9 the node the
# shipper publishes to, start it again. Every event once, in commit order,
# the slot confirmed to the end, and every node's copy of the stream keeps
# up (nats-server 2.9.10 could leave a restarted replica behind for good
# with Nats-Expected-Last-Msg-Id, which the shipper does not send).
test_cluster() {
  cluster_up || return
  expect "cluster: --replicas out of range" 2 "from 1 to 5" -- \
    "$W2E" ship --slot s --to "$CLUSTER_URL" --create-stream X --replicas 6
  expect "cluster: --replicas needs --create-stream" 2 "needs --create-stream" -- \
    "$W2E" ship --slot s --to "$CLUSTER_URL" --stream X --replicas 3
  new_slot clu1
  sql "CREATE TABLE clu (id bigint PRIMARY KEY, k int, v text)"
  ONE_LINE=0 expect "cluster: --replicas 3 on a single server is refused" 4 "needs a JetStream cluster" -- \
    "$W2E" ship --slot clu1 --to "$NATS" --create-stream CLU1 --replicas 3 --subject 'clu.{table}'
  ship_bg "$WORK/cluster.log" --slot clu1 --to "$CLUSTER_URL" --create-stream CLU --replicas 3 \
    --subject 'clu.{table}' --ack-timeout 2s --retry-max 1s --status-interval 1s
  if ! wait_until 20 cluster_leader CLU; then
    fail "cluster: the R3 stream is created" "$(tail -n 3 "$WORK/cluster.log")"
    ship_stop KILL
    return
  fi
  # the writer commits 200-row transactions (at most 4,000 rows/s) until
  # told to stop (paced here, so that no backlog waits in the pipe)
  (i=0; while [ ! -f "$WORK/clu.stop" ]; do
     echo "INSERT INTO clu SELECT g, g % 97, 'v' || g FROM generate_series($((i * 200 + 1)), $(((i + 1) * 200))) g;"
     i=$((i + 1))
     sleep 0.05
   done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1) &
  local wl=$! leader pub before
  sleep 3
  leader=$(cluster_leader CLU)
  echo "cluster: kill -9 n$leader, the stream's leader ($($CLPY state "$(cluster_mons)" CLU))"
  cluster_kill "$leader"
  sleep 2
  cluster_restart "$leader"
  # the next kill once the shipper publishes again
  check "cluster: shipping again after the leader's kill" \
    wait_until 40 grep -q "event hub available again" "$WORK/cluster.log"
  sleep 2
  before=$(grep -c 'event hub available again' "$WORK/cluster.log")
  pub=$(cluster_publisher)
  echo "cluster: kill -9 n$pub, the node the shipper publishes to ($($CLPY state "$(cluster_mons)" CLU))"
  cluster_kill "$pub"
  sleep 2
  cluster_restart "$pub"
  check "cluster: shipping again after the publishing node's kill" \
    wait_until 40 bash -c "[ \$(grep -c 'event hub available again' '$WORK/cluster.log') -gt $before ]"
  sleep 2
  touch "$WORK/clu.stop"
  wait $wl
  check "cluster: the slot is confirmed to the end" wait_confirmed clu1 90
  ship_stop
  check "cluster: the shipper stopped cleanly" test "$SHIP_STATUS" = 0
  cluster_dump CLU "$WORK/clu1.dump"
  truth clu1_truth "$WORK/clu1.truth"
  check "cluster: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$WORK/clu1.dump" --truth "$WORK/clu1.truth" --min 20000
  copies_keep_up cluster CLU "$WORK/clu1.dump" 30
  "$W2E" consume --from "$CLUSTER_URL" --stream CLU --count 5 >"$WORK/clu.consume" 2>"$WORK/clu.consume.err"
  check "cluster: consume --from takes the server list" test "$(grep -c . "$WORK/clu.consume")" = 5
  grep -q "holding new events" "$WORK/cluster.log" && ok "cluster: the failovers are logged" ||
    fail "cluster: the failovers are logged" "$(tail -n 5 "$WORK/cluster.log")"
  ONE_LINE=0 expect "cluster: the stream exists with 3 replicas, --replicas 1 is refused" 4 "exists with 3 replicas" -- \
    "$W2E" ship --slot clu1 --to "$CLUSTER_URL" --create-stream CLU --replicas 1 --subject 'clu.{table}'
}

# Lame duck: the node the shipper publishes to is told to leave
# (nats-server --signal ldm=PID); the shipper moves its publishing
# connection to another node before the server closes it, without a
# message sent twice, and nats.c's connection follows when it is closed.
test_cluster_ldm() {
  cluster_up || return
  local i out pub
  for i in 1 2 3; do [ -n "${CL_PID[$i]}" ] || cluster_restart "$i"; done
  new_slot cld1
  sql "CREATE TABLE cld (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/ldm.log" --slot cld1 --to "$CLUSTER_URL" --create-stream CLD --replicas 3 \
    --subject 'cld.{table}' --ack-timeout 2s --retry-max 1s --status-interval 1s
  if ! wait_until 20 cluster_leader CLD; then
    fail "cluster ldm: the R3 stream is created" "$(tail -n 3 "$WORK/ldm.log")"
    ship_stop KILL
    return
  fi
  # the publishing node must not lead the stream (its lame duck would hand
  # the leadership over under load: see below); moved while idle
  pub=$(cluster_publisher)
  for i in 1 2 3 4 5; do
    [ "$(cluster_leader CLD)" != "$pub" ] && break
    $CLPY stepdown "${CL_PORT[$pub]}" CLD
    sleep 2
  done
  workload cld 0 200 500 0.1 &
  local wl=$!
  sleep 3
  echo "cluster ldm: lame-duck mode for n$pub, the node the shipper publishes to (stream leader n$(cluster_leader CLD))"
  nats-server --signal ldm="${CL_PID[$pub]}"
  check "cluster ldm: the shipper moves its publishing connection" \
    wait_until 15 grep -q "moved the publishing connection" "$WORK/ldm.log"
  check "cluster ldm: the lame duck exits" wait_until 60 bash -c "! kill -0 ${CL_PID[$pub]}"
  wait "${CL_PID[$pub]}" 2>/dev/null
  cluster_restart "$pub"
  ! grep -q "sent [1-9][0-9]* messages again" "$WORK/ldm.log" && ok "cluster ldm: no message was sent again for the move" ||
    fail "cluster ldm: no message was sent again for the move" "$(grep "again" "$WORK/ldm.log" | head -n 3)"
  # The stream's leader in lame-duck mode: it hands the leadership over
  # while messages arrive, and the messages that reach it in between are
  # lost without an answer while the next ones are stored by the new
  # leader: those are sent again, after them (the exception README's
  # "NATS clusters" names). Exactly once, but not always in commit order.
  local leader
  leader=$(cluster_leader CLD)
  echo "cluster ldm: lame-duck mode for n$leader, the stream's leader (publisher n$(cluster_publisher))"
  nats-server --signal ldm="${CL_PID[$leader]}"
  check "cluster ldm: the leader in lame duck exits" wait_until 60 bash -c "! kill -0 ${CL_PID[$leader]}"
  wait "${CL_PID[$leader]}" 2>/dev/null
  cluster_restart "$leader"
  wait $wl
  check "cluster ldm: the slot is confirmed to the end" wait_confirmed cld1 90
  ship_stop
  cluster_dump CLD "$WORK/cld1.dump"
  truth cld1_truth "$WORK/cld1.truth"
  if out=$($CHECK stream "$WORK/cld1.dump" --truth "$WORK/cld1.truth" --min 50000 --late-ok 2>&1); then
    ok "cluster ldm: every event exactly once, equal to the WAL ($out after the leader's hand-over)"
  else
    fail "cluster ldm: every event exactly once, equal to the WAL" "$out"
  fi
  copies_keep_up "cluster ldm" CLD "$WORK/cld1.dump" 30
}

# A frozen node (SIGSTOP) closes no socket: with nothing in flight, only
# the publishing connection's own PINGs find it dead (3 unanswered, 6 s).
# Rows committed while it is frozen are shipped once it is back.
test_cluster_frozen() {
  cluster_up || return
  local i pub
  for i in 1 2 3; do [ -n "${CL_PID[$i]}" ] || cluster_restart "$i"; done
  new_slot clf1
  sql "CREATE TABLE clf (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/frozen.log" --slot clf1 --to "$CLUSTER_URL" --create-stream CLF --replicas 3 \
    --subject 'clf.{table}' --retry-max 1s --status-interval 1s
  if ! wait_until 20 cluster_leader CLF; then
    fail "cluster frozen: the R3 stream is created" "$(tail -n 3 "$WORK/frozen.log")"
    ship_stop KILL
    return
  fi
  workload clf 0 5 100
  wait_confirmed clf1 30
  pub=$(cluster_publisher)
  echo "cluster frozen: SIGSTOP n$pub, the node the shipper publishes to, with nothing in flight"
  kill -STOP "${CL_PID[$pub]}"
  check "cluster frozen: the shipper's PINGs find the connection dead" \
    wait_until 15 grep -q "PINGs in .* ms: the connection is dead" "$WORK/frozen.log"
  workload clf 5 5 100
  kill -CONT "${CL_PID[$pub]}"
  check "cluster frozen: the slot is confirmed to the end" wait_confirmed clf1 60
  ship_stop
  cluster_dump CLF "$WORK/clf1.dump"
  truth clf1_truth "$WORK/clf1.truth"
  check "cluster frozen: every event exactly once, in commit order, equal to the WAL" \
    $CHECK stream "$WORK/clf1.dump" --truth "$WORK/clf1.truth" --min 1000
}

# bench/ship/envelope_check on the plugin's own output (pg_recvlogical):
# every envelope the shipper copies out of the message's bytes says what
# protobuf-c's packing of the same envelope says. Every kind of value and
# event, route tags and subjects, chunks, an unchanged TOASTed value.
# Backfills (README, "Backfilling existing rows"). bf_stored MODE STREAM|FILE:
# how many messages the sink holds (JetStream messages, or file records)
bf_stored() {
  if [ "$1" = file ]; then
    "$W2E" decode --envelope "$2" 2>/dev/null | grep -c .
  else
    "$JS" info "$NATS" "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])'
  fi
}

# hold_open SQL: a psql session that runs BEGIN; SQL and keeps its
# transaction open until hold_commit (HOLD_OUT gets its output).
# hold_chunk ID: one chunk of backfill ID read in such a transaction (the
# window between the chunk's low mark and its commit stays open)
hold_open() {
  rm -f "$WORK/hold.fifo" && mkfifo "$WORK/hold.fifo"
  HOLD_OUT=$WORK/hold.out
  psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres <"$WORK/hold.fifo" >"$HOLD_OUT" 2>&1 &
  HOLD_PID=$!
  OTHER_PIDS+=("$HOLD_PID")
  exec 7>"$WORK/hold.fifo"
  echo "BEGIN; $1" >&7
}
hold_chunk() {
  hold_open "SELECT wal2events.backfill_chunk($1);"
  wait_until 30 grep -q '^[0-9][0-9]*$' "$HOLD_OUT"
}
hold_commit() { echo "COMMIT;" >&7; exec 7>&-; wait "$HOLD_PID"; }

# stored_at_least MODE STREAM|FILE N
stored_at_least() { [ "$(bf_stored "$1" "$2")" -ge "$3" ]; }

# matches N PATTERN FILE: FILE has N lines matching PATTERN
matches() { [ "$(grep -c -- "$2" "$3")" = "$1" ]; }

# lsn_le A B: LSN A <= LSN B
lsn_le() { [ "$(sql "SELECT '$1'::pg_lsn <= '$2'::pg_lsn")" = t ]; }

# The confirm hold, in one sink and unit (MODE: event, transaction, file):
# while a chunk's transaction is open (its low mark decoded, its rows not
# yet), transactions that commit meanwhile are shipped and acknowledged, but
# the slot's confirmed_flush_lsn stays at or before the low mark; once the
# chunk commits it moves on, and the stream holds every event exactly once,
# the read events included, and replays to the table's rows.
backfill_hold_in() {
  local mode=$1 slot=bfh_$1 stream=BFH_$1 target args=() id before low_max c n rows want
  sql "CREATE TABLE bf_$mode (id int PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE bflive_$mode (id int PRIMARY KEY, k int, v text)"
  sql "INSERT INTO bf_$mode SELECT g, g % 7, 'old ' || g FROM generate_series(1, 300) g"
  new_slot "$slot"
  case $mode in
    event) target=$stream; args=(--to "$NATS" --create-stream "$stream" --subject "bfh_$mode.{table}") ;;
    transaction) target=$stream; args=(--to "$NATS" --create-stream "$stream" --subject "bfh_tx.{database}" --unit transaction) ;;
    file) target=$WORK/bfh.bin; args=(--to "file:$target") ;;
  esac
  ship_bg "$WORK/bfh_$mode.log" --slot "$slot" "${args[@]}" --status-interval 500ms
  id=$(sql "SELECT wal2events.backfill('bf_$mode', chunk_rows => 100)")
  check "backfill hold ($mode): caught up before the window" wait_confirmed "$slot" 60
  before=$(sql "SELECT pg_current_wal_insert_lsn()")
  if ! hold_chunk "$id"; then
    fail "backfill hold ($mode): a chunk read in an open transaction" "$(cat "$HOLD_OUT")"
    hold_commit; ship_stop KILL; return
  fi
  low_max=$(sql "SELECT pg_current_wal_insert_lsn()")
  n=$(bf_stored "$mode" "$target")
  # changes that commit inside the window: rows of the chunk, and of another table
  workload "bflive_$mode" 0 5 10 0.05
  sql "UPDATE bf_$mode SET v = 'new ' || id WHERE id IN (5, 50, 150)"
  sql "DELETE FROM bf_$mode WHERE id IN (7, 70)"
  sql "INSERT INTO bf_$mode VALUES (1000, 1, 'inserted in the window')"
  if [ "$mode" = transaction ]; then want=$((n + 8)); else want=$((n + 56)); fi
  check "backfill hold ($mode): the window's transactions are shipped and acknowledged" \
    wait_until 30 stored_at_least "$mode" "$target" "$want"
  sleep 2   # status updates every 500 ms: a confirm past the low mark would be reported by now
  c=$(confirmed_flush "$slot")
  if lsn_le "$before" "$c" && lsn_le "$c" "$low_max"; then
    ok "backfill hold ($mode): confirmed_flush_lsn $c stays at the low mark (between $before and $low_max)"
  else
    fail "backfill hold ($mode): confirmed_flush_lsn held at the low mark" "$c not between $before and $low_max (WAL at $(sql "SELECT pg_current_wal_insert_lsn()"))"
  fi
  hold_commit
  check "backfill hold ($mode): the chunk's commit closes the window: the slot catches up" wait_confirmed "$slot" 60
  # the rest of the table, by the command
  expect "backfill hold ($mode): wal2events backfill --id finishes it" 0 "backfill $id of public.bf_$mode done" -- \
    "$W2E" backfill --dbname "$DBURL" --id "$id"
  check "backfill hold ($mode): caught up after the backfill" wait_confirmed "$slot" 60
  ship_stop
  if [ "$mode" = file ]; then
    "$W2E" decode --envelope "$target" >"$WORK/$slot.jsonl" && envelopes "$WORK/$slot.jsonl" "$WORK/$slot.dump" &&
      truth "${slot}_truth" "$WORK/$slot.truth"
    check "backfill hold ($mode): every event exactly once, in commit order, equal to the WAL" \
      $CHECK stream "$WORK/$slot.dump" --truth "$WORK/$slot.truth" --min 300
  else
    verify "backfill hold ($mode)" "$slot" "$stream" 300
    verify_unit "backfill hold ($mode)" "$slot"
  fi
  check "backfill hold ($mode): read events in the stream" grep -Eq '"operation": ?"read"' "$WORK/$slot.dump"
  rows=$WORK/$slot.rows
  sql "SELECT json_build_object('id', id, 'k', k, 'v', v) FROM bf_$mode" >"$rows"
  check "backfill hold ($mode): replaying the stream gives the table's rows" $CHECK rows "$WORK/$slot.dump" "bf_$mode" "$rows"
}

test_backfill_hold() {
  backfill_hold_in event
  backfill_hold_in transaction
  backfill_hold_in file
}

# ship --backfill: the tables checked before the slot is created; the
# backfills registered when ship creates the slot (a first start that then
# fails on the hub leaves them registered), run while it ships; a kill -9 in
# the middle of a backfill, and the same command again continues it
# (registering none); wal2events backfill's errors and --rate
test_ship_backfill() {
  local id rows t
  sql "CREATE TABLE bfa (id int PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE bfb (id int PRIMARY KEY, k int, v text)"
  sql "INSERT INTO bfa SELECT g, g % 7, 'a ' || g FROM generate_series(1, 5000) g"
  sql "INSERT INTO bfb SELECT g, g % 7, 'b ' || g FROM generate_series(1, 100000) g"
  sql "CREATE TABLE bfn (v text)"
  expect "ship --backfill: a table that does not exist stops the start (status 1)" 1 'public.nope: relation "public.nope" does not exist' -- \
    "$W2E" ship --slot bfs --create-slot --to "$NATS" --create-stream BFS --backfill public.bfa,public.nope
  check "ship --backfill: ... before the slot is created" sql_is 0 "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bfs'"
  sql "SELECT pg_create_logical_replication_slot('bfs_truth', 'wal2events')" >/dev/null
  # the first start creates the slot and registers the backfills, then finds no hub
  ONE_LINE=0 expect "ship --backfill: the first start fails on the hub (status 4)" 4 "cannot connect to NATS" -- \
    "$W2E" ship --slot bfs --create-slot --to nats://127.0.0.1:1 --backfill public.bfa,public.bfb
  check "ship --backfill: ... with both backfills registered when it created the slot" \
    sql_is 2 "SELECT count(*) FROM wal2events.backfills WHERE rel IN ('bfa'::regclass, 'bfb'::regclass) AND state = 'pending'"
  # at 25000 rows/s, the second table takes 4 s: killed with -9 in its middle
  ship_bg "$WORK/bfs.log" --slot bfs --create-slot --to "$NATS" --create-stream BFS --subject 'bfs.{table}' \
    --backfill public.bfa,public.bfb --backfill-rate 25000 --progress-interval 1s
  check "ship --backfill: the first table is done" wait_until 60 grep -q "backfill [0-9]* of public.bfa done" "$WORK/bfs.log"
  check "ship --backfill: the second table is under way" \
    wait_until 60 sql_is t "SELECT rows >= 20000 FROM wal2events.backfills WHERE rel = 'bfb'::regclass AND state = 'running'"
  # (not ship_stop KILL: it first waits for a handler of the signal, and SIGKILL has none)
  kill -9 "$SHIP_PID"; wait "$SHIP_PID" 2>/dev/null; SHIP_PID=
  id=$(sql "SELECT id FROM wal2events.backfills WHERE rel = 'bfb'::regclass")
  check "ship --backfill: killed in the middle of the second backfill" \
    sql_is running "SELECT state FROM wal2events.backfills WHERE id = $id AND rows < 100000"
  ship_bg "$WORK/bfs.log" --slot bfs --create-slot --to "$NATS" --create-stream BFS --subject 'bfs.{table}' \
    --backfill public.bfa,public.bfb --progress-interval 1s
  check "ship --backfill: restarted on the slot, it says it starts none" \
    wait_until 30 matches 2 "the slot existed already, so no backfill is started" "$WORK/bfs.log"
  check "ship --backfill: the unfinished one is done after the restart" \
    wait_until 120 sql_is done "SELECT state FROM wal2events.backfills WHERE id = $id"
  check "ship --backfill: ... continued (not registered again) by the restarted shipper" \
    grep -q "continuing backfill $id of public.bfb" "$WORK/bfs.log"
  check "ship --backfill: one backfill per table, none registered again" \
    sql_is 2 "SELECT count(*) FROM wal2events.backfills WHERE rel IN ('bfa'::regclass, 'bfb'::regclass)"
  check "ship --backfill: caught up" wait_confirmed bfs 120
  ship_stop
  check "ship --backfill: exit status 0" test "$SHIP_STATUS" = 0
  verify "ship --backfill" bfs BFS 105000
  for t in bfa bfb; do
    rows=$WORK/bfs.$t.rows
    sql "SELECT json_build_object('id', id, 'k', k, 'v', v) FROM $t" >"$rows"
    check "ship --backfill: replaying the stream gives $t's rows" $CHECK rows "$WORK/bfs.dump" "$t" "$rows"
  done
  expect "backfill: a table without a key is refused (status 1, the server's message)" 1 "" -- \
    "$W2E" backfill --dbname "$DBURL" --table public.bfn
  expect "backfill: no such table" 1 "does not exist" -- "$W2E" backfill --dbname "$DBURL" --table public.nope
  expect "backfill: --rate limits the rows per second" 0 "done: 5000 rows" -- \
    timeout 60 "$W2E" backfill --dbname "$DBURL" --table public.bfa --rate 2500 --chunk-rows 500
  check "backfill: --rate 2500 took 5000 rows at least 1.5 s" python3 -c '
import re,sys
m=re.search(r"this run: 5000 rows in ([0-9.]+) s", open(sys.argv[1]).read())
assert m and float(m.group(1)) >= 1.5, m and m.group(0)' "$WORK/expect.err"
}

test_envelope_check() {
  local out line n identical different
  sql "SELECT pg_create_logical_replication_slot('envchk', 'wal2events')" >/dev/null
  sql "CREATE TABLE envchk (id int PRIMARY KEY, b bool, i2 int2, i8 int8, f4 float4, f8 float8, n numeric,
         t text, bt bytea, d date, ts timestamp, tz timestamptz, ti time, iv interval, u uuid, j jsonb,
         a int[], aa text[][], big text);
       ALTER TABLE envchk REPLICA IDENTITY FULL;
       CREATE TABLE envchk_routed (k text PRIMARY KEY, v int);
       SELECT wal2events.route('envchk_routed', entity => 'thing', partition_key => '{k}',
         subject => 'things.{type}', tags => '{\"team\": \"a\", \"n\": 2}')" >/dev/null &&
  sql "ALTER TABLE envchk ALTER big SET STORAGE EXTERNAL;
       INSERT INTO envchk SELECT g, g % 2 = 0, g, g * 1000000000::int8, g / 3.0, -g / 7.0, g * 1.5, 'row ' || g,
         '\\x00ff'::bytea, date '2026-01-01' + g, timestamp '2026-01-01' + g * interval '1 minute',
         now(), time '12:34:56', g * interval '1 day 2 hours', gen_random_uuid(), jsonb_build_object('g', g),
         ARRAY[g, NULL, -g], ARRAY[['a', 'b'], ['c', NULL]], repeat('x', 10000) || g
       FROM generate_series(1, 120) g" >/dev/null &&
  sql "UPDATE envchk SET t = t || '!' WHERE id % 3 = 0;
       INSERT INTO envchk (id) VALUES (1000);
       DELETE FROM envchk WHERE id % 5 = 0" >/dev/null &&
  sql "INSERT INTO envchk_routed VALUES ('k1', 1), ('k2', 2)" >/dev/null &&
  sql "UPDATE envchk_routed SET v = v + 1" >/dev/null &&
  sql "BEGIN; SELECT wal2events.emit('order-placed', 'o-1', '{\"total\": 9.99}', '{\"src\": \"test\"}');
         SELECT pg_logical_emit_message(true, 'audit', 'hello'); COMMIT" >/dev/null &&
  sql "TRUNCATE envchk_routed" >/dev/null || { fail "envelope_check: workload" "SQL failed"; return; }
  pg_recvlogical -d "$DBURL" --slot envchk --start --endpos "$(sql "SELECT pg_current_wal_insert_lsn()")" \
    -o max-events=50 -o message-prefixes=audit -f "$WORK/envchk.bin" 2>"$WORK/envchk.err" ||
    { fail "envelope_check: pg_recvlogical" "$(tail -n 3 "$WORK/envchk.err")"; return; }
  out=$("$ENVELOPE_CHECK" "$WORK/envchk.bin" 2>&1)
  line=$(echo "$out" | tail -n 1)
  read -r n identical different < <(echo "$line" | sed -n 's/^events \([0-9]*\), byte-identical \([0-9]*\), different \([0-9]*\)$/\1 \2 \3/p')
  [ "${n:-0}" -ge 190 ] && [ "$different" = 0 ] && ok "envelope_check: the plugin's events, envelopes equal to protobuf-c's ($line)" ||
    fail "envelope_check: the plugin's events, envelopes equal to protobuf-c's" "$(echo "$out" | tail -n 5)"
}

# Backfills (issue 9) through ship into JetStream: the property test. A
# table of BACKFILL_ROWS rows (default 200000, keys 4, 8, ..., 4N) exists
# before the slots; a writer (tests/ship/backfill_writer.py: updates,
# deletes, inserts above and inside the key range, key changes across it,
# half of them aimed at the chunk being read) runs while the table is
# backfilled at BACKFILL_RATE rows/s (default: over about 25 s) and
# shipped; the shipper is killed with -9 three times, the backfill driver
# twice (the process) and its backend twice (pg_terminate_backend), each
# started again; then the backfill finishes at full speed. The stream must
# hold exactly the truth slot's events (every id once, in commit order,
# the same bodies: decoding the WAL again gives the same reads), and
# applying it in order (tests/ship/apply_stream.py) must give the table:
# no key read twice, no read older than a change before it in the stream.
# The driver is `wal2events backfill` when the CLI has it, else
# CALL wal2events.backfill_run(id).
BF_PID=
bf_has_cli() { "$W2E" backfill --help >/dev/null 2>&1; }
# bf_driver_bg TABLE LOG [RATE]: the driver in the background ($BF_PID),
# application_name bfdriver (to find its backend); the first registers the
# backfill (--table), the next continue it (--id: never a second backfill)
bf_driver_bg() {
  local id
  id=$(sql "SELECT max(id) FROM wal2events.backfills WHERE rel = '$1'::regclass")
  if bf_has_cli && [ -z "$id" ]; then
    PGAPPNAME=bfdriver "$W2E" backfill --dbname "$DBURL" --table "public.$1" --chunk-rows "${BACKFILL_CHUNK:-1000}" \
      ${3:+--rate "$3"} >>"$2.out" 2>>"$2" &
  elif bf_has_cli; then
    PGAPPNAME=bfdriver "$W2E" backfill --dbname "$DBURL" --id "$id" ${3:+--rate "$3"} >>"$2.out" 2>>"$2" &
  else
    id=$(sql "SELECT id FROM wal2events.backfills WHERE rel = '$1'::regclass AND state IN ('pending', 'running')")
    [ -n "$id" ] || id=$(sql "SELECT wal2events.backfill('$1', chunk_rows => ${BACKFILL_CHUNK:-1000})")
    # the backend of a killed psql stops at its next check, not at the end of the CALL
    PGAPPNAME=bfdriver PGOPTIONS="-c client_connection_check_interval=200ms" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
      -c "CALL wal2events.backfill_run($id${3:+, $3})" >>"$2.out" 2>>"$2" &
  fi
  BF_PID=$!
  OTHER_PIDS+=("$BF_PID")
}
bf_running() { [ -n "$BF_PID" ] && kill -0 "$BF_PID" 2>/dev/null; }
bf_state() { sql "SELECT state FROM wal2events.backfills WHERE rel = '$1'::regclass ORDER BY id DESC LIMIT 1"; }

test_backfill() {
  local n=${BACKFILL_ROWS:-200000} rate stop=$WORK/bf.stop wl round action kills="" log=$WORK/backfill.log
  rate=${BACKFILL_RATE:-$((n / 25))}
  local t0=$SECONDS
  bf_t() { echo "   backfill: $1 after $((SECONDS - t0)) s"; }
  sql "CREATE TABLE bf (id bigint PRIMARY KEY, k int NOT NULL, v text, pad text)"
  sql "INSERT INTO bf SELECT 4 * g, g % 1000, 'v' || g, repeat('p', 40) FROM generate_series(1, $n) g"
  new_slot bf1
  bf_t "$n rows loaded"
  python3 "$ROOT/tests/ship/backfill_writer.py" bf "$n" "$stop" "$RANDOM" 0.005 |
    psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>"$WORK/bf_writer.err" &
  wl=$!
  OTHER_PIDS+=("$wl")
  ship_bg "$log.ship" --slot bf1 --to "$NATS" --create-stream BACKFILL --subject 'bf.{table}'
  sleep 1
  bf_driver_bg bf "$log" "$rate"
  # seven crashes, a second or two apart: ship, the driver, its backend
  for round in 1 2 3 4 5 6 7; do
    sleep "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
    action=$(echo "ship driver backend ship driver backend ship" | cut -d' ' -f$round)
    case $action in
      ship) ship_stop KILL ;;
      driver) bf_running && kill -9 "$BF_PID" && wait "$BF_PID" 2>/dev/null ;;
      backend) sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bfdriver'" >/dev/null ;;
    esac
    kills="$kills $action"
    sleep 0.3
    [ -n "$SHIP_PID" ] || ship_bg "$log.ship" --slot bf1 --to "$NATS" --stream BACKFILL --subject 'bf.{table}'
    bf_running || bf_driver_bg bf "$log" "$rate"
  done
  bf_t "crashes done"
  local st
  st=$(bf_state bf)
  [ "$st" = running ] && ok "backfill: still running after the crashes" ||
    fail "backfill: still running after the crashes (BACKFILL_RATE is low enough)" "state '$st'"
  touch "$stop"
  wait "$wl"
  # the rest at full speed, after the last driver notices a second one
  bf_running && kill -9 "$BF_PID" && wait "$BF_PID" 2>/dev/null
  bf_driver_bg bf "$log"
  wait_until 300 sql_is done "SELECT state FROM wal2events.backfills WHERE rel = 'bf'::regclass ORDER BY id DESC LIMIT 1" &&
    ok "backfill: done after kill -9 of$kills" ||
    fail "backfill: done after the crashes" "state $(bf_state bf); $(tail -n 3 "$log")"
  wait "$BF_PID" 2>/dev/null
  check "backfill: the last driver exits with status 0" test $? = 0
  bf_t "backfill done"
  check "backfill: the slot is confirmed to the end of the WAL" wait_confirmed bf1 180
  bf_t "slot confirmed"
  ship_stop INT
  check "backfill: the shipper stops with status 0" test "$SHIP_STATUS" = 0
  dump BACKFILL "$WORK/bf1.dump"
  bf_t "stream dumped"
  truth bf1_truth "$WORK/bf1.truth"
  bf_t "truth slot decoded"
  # the two checks read 200k lines of JSON each: side by side
  $CHECK stream "$WORK/bf1.dump" --truth "$WORK/bf1.truth" --min "$n" >"$WORK/bf1.check" 2>&1 &
  local cpid=$! out
  sql "SELECT row_to_json(t) FROM bf t" >"$WORK/bf.rows"
  if out=$(python3 "$ROOT/tests/ship/apply_stream.py" "$WORK/bf1.dump" bf "$WORK/bf.rows" --stats 2>&1); then
    ok "backfill: the stream applied in order gives the table, no key read twice, no stale read ($out)"
  else
    fail "backfill: the stream applied in order gives the table" "$(echo "$out" | tail -n 8)"
  fi
  wait "$cpid" && ok "backfill: every event exactly once, in commit order, equal to the WAL (the truth slot)" ||
    fail "backfill: every event exactly once, in commit order, equal to the WAL" "$(tail -n 5 "$WORK/bf1.check")"
  bf_t "checked"
}

# ship --backfill TABLE --create-slot: the rows that exist when the slot is
# created arrive as read events, once, and the stream applied gives the table.
test_backfill_create_slot() {
  local log=$WORK/bfcreate.log
  sql "CREATE TABLE bfcs (id bigint PRIMARY KEY, k int NOT NULL, v text, pad text)"
  sql "INSERT INTO bfcs SELECT g, g % 1000, 'v' || g, repeat('p', 40) FROM generate_series(1, 50000) g"
  ship_bg "$log" --dbname "$DBURL" --slot bfcs1 --create-slot --backfill bfcs --to "$NATS" \
    --create-stream BFCREATE --subject 'bfcs.{table}'
  # changes while it runs: after the slot exists, so they are in the stream too
  wait_until 30 slot_exists bfcs1 || fail "backfill create-slot: the slot is created" "$(tail -n 3 "$log")"
  sql "UPDATE bfcs SET v = 'changed' WHERE id % 1000 = 0"
  sql "UPDATE bfcs SET id = -id WHERE id % 1000 = 2"
  sql "DELETE FROM bfcs WHERE id % 1000 = 1"
  wait_until 120 sql_is done "SELECT state FROM wal2events.backfills WHERE rel = 'bfcs'::regclass ORDER BY id DESC LIMIT 1" &&
    ok "backfill create-slot: --backfill bfcs --create-slot runs the backfill to the end" ||
    fail "backfill create-slot: the backfill ran to the end" "state $(bf_state bfcs); $(tail -n 3 "$log")"
  check "backfill create-slot: the slot is confirmed to the end" wait_confirmed bfcs1 120
  ship_stop INT
  check "backfill create-slot: the shipper stops with status 0" test "$SHIP_STATUS" = 0
  dump BFCREATE "$WORK/bfcs1.dump"
  sql "SELECT row_to_json(t) FROM bfcs t" >"$WORK/bfcs.rows"
  local out
  if out=$(python3 "$ROOT/tests/ship/apply_stream.py" "$WORK/bfcs1.dump" bfcs "$WORK/bfcs.rows" --stats 2>&1); then
    ok "backfill create-slot: the existing rows arrive as reads, once; applied in order they give the table ($out)"
  else
    fail "backfill create-slot: the stream applied in order gives the table" "$(echo "$out" | tail -n 8)"
  fi
  check "backfill create-slot: read events are typed bfcs-read" grep -q '"type":"bfcs-read"' "$WORK/bfcs1.dump"
  check "backfill create-slot: every event once, in commit order" $CHECK stream "$WORK/bfcs1.dump" --min 49000
}

ALL=(unit usage env systemd start_errors no_leftovers auth tls e2e e2e_txn json_subjects long_key routes file file_errors dup_window frozen_hub health consume consume_exit tail idle claim crash outage pg_restart dedup sigterm rejecting shared_newer shared_databases shared_slots rejected_size rejected_full shared_claim envelope_check shared_units unit_switch claim_txn crash_txn outage_txn dedup_txn shared_slots_txn cluster cluster_ldm cluster_frozen backfill_hold ship_backfill backfill backfill_create_slot lake_s3_store lake_s3 lake_crash lake_outage lake_full_disk lake_rotation lake_duckdb lake_replay lake_damage lake_writers)
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=("${ALL[@]}")

if ! build >"$WORK/build.log" 2>&1; then
  tail -n 20 "$WORK/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi
start_postgres && start_nats && sql "CREATE EXTENSION wal2events" ||
  { echo "cannot start PostgreSQL or nats-server"; echo "0 passed, 1 failed"; exit 1; }
[ "${NATS_TLS:-0}" = 1 ] &&
  check "NATS_TLS=1: the hub requires TLS, at $NATS" grep -q "TLS required for client connections" "$WORK/nats.log"
for t in "${TESTS[@]}"; do
  echo "== $t"
  started=$SECONDS failed_before=$FAILED
  touch "$WORK/.test-start"
  "test_$t"
  echo "== $t: $((SECONDS - started)) s"
  # a failure shows the end of every server log the test wrote to (a
  # nats-server that died says why there)
  if [ "$FAILED" -gt "$failed_before" ]; then
    find "$WORK" -maxdepth 2 -name '*.log' -newer "$WORK/.test-start" \( -name '*nats*' -o -name 'n[0-9]*' \) |
      while read -r f; do echo "-- tail of ${f#"$WORK"/}:"; tail -n 8 "$f"; done
  fi
  # every test's slots go: their WAL and their replication slot count
  sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active" >/dev/null
done
if [ "${W2E_SANITIZE:-0}" = 1 ]; then
  # the processes still running report at exit: stop them first
  [ -n "$SHIP_PID" ] && ship_stop INT
  out=$(sh "$ROOT/tests/sanitizers/reports.sh" "$san_dir") &&
    ok "sanitizers: no report from any process (AddressSanitizer, LeakSanitizer, UBSan)" ||
    fail "sanitizers: reports" "$out"
fi
for f in "${FAILURES[@]}"; do echo "failed: $f"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
