# tests/ship/lib.sh: helpers for tests/ship/run.sh (sourced).
#
# A throwaway PostgreSQL (as the postgres user) and a nats-server -js, both
# on free loopback ports in $WORK, the shipper started in the background
# with its stderr in a log, and small assertions that count passes and
# failures.

. "$ROOT/scripts/cluster.sh"

PASSED=0
FAILED=0
W2E=$ROOT/src/cli/wal2events
JS=$WORK/js_dump
CHECK="python3 $ROOT/tests/ship/check.py"

ok() { echo "$1 ... ok"; PASSED=$((PASSED + 1)); }
FAILURES=()
fail() { echo "$1 ... FAILED: $2"; FAILED=$((FAILED + 1)); FAILURES+=("$1"); }

# check NAME COMMAND...: passes when the command succeeds; its output is the reason otherwise
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(echo "$out" | tail -n 5)"; fi
}

# expect NAME STATUS PATTERN -- COMMAND...: exit status and a stderr pattern;
# a failure must say so in one line (ONE_LINE=0: errors found after start-up,
# which follow the log lines before them)
expect() {
  local name=$1 status=$2 pattern=$3 got
  shift 4
  "$@" >"$WORK/expect.out" 2>"$WORK/expect.err"
  got=$?
  if [ "$got" -ne "$status" ]; then
    fail "$name" "exit status $got, want $status: $(tail -n 3 "$WORK/expect.err")"
  elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$WORK/expect.err"; then
    fail "$name" "stderr lacks '$pattern': $(tail -n 3 "$WORK/expect.err")"
  elif [ "$status" -ne 0 ] && [ "${ONE_LINE:-1}" = 1 ] && [ "$(grep -c . "$WORK/expect.err")" -ne 1 ]; then
    fail "$name" "the error is not one line: $(cat "$WORK/expect.err")"
  else
    ok "$name"
  fi
}

sql() { psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "$1"; }

# sql_is VALUE QUERY: the query's result is VALUE (for wait_until)
sql_is() { [ "$(sql "$2" 2>/dev/null)" = "$1" ]; }

# lines_at_least N FILE
lines_at_least() { [ "$(grep -c . "$2" 2>/dev/null)" -ge "$1" ]; }

# wait_until SECONDS COMMAND...: poll until the command succeeds
wait_until() {
  local limit=$1 i
  shift
  for i in $(seq 1 $((limit * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

start_postgres() {
  PGPORT=$(w2e_free_port) || return 1
  w2e_cluster_start "$WORK/pg" "$PGPORT" || return 1
  export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
  # two slots per test (the shipper's and its truth), and walsenders for them
  sql "ALTER SYSTEM SET max_replication_slots = 40" && sql "ALTER SYSTEM SET max_wal_senders = 20" &&
    restart_postgres fast || return 1
  DBURL="host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres"
}

restart_postgres() { # MODE: fast or immediate
  if [ "$1" = immediate ]; then
    as_postgres pg_ctl -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1
    as_postgres pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start >/dev/null
  else
    as_postgres pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/server.log" -m fast -w -t 60 restart >/dev/null
  fi
}

# NATS_TLS=1: the suite's server requires TLS (a certificate of a test CA,
# tests/ship/run.sh tls_certs), $NATS is tls://..., and OpenSSL trusts the
# CA through SSL_CERT_FILE: every test then runs over TLS unchanged.
NATS_PID=
start_nats() {
  local tls=()
  [ -n "${NATS_PORT:-}" ] || NATS_PORT=$(w2e_free_port) || return 1
  NATS="nats://127.0.0.1:$NATS_PORT"
  if [ "${NATS_TLS:-0}" = 1 ]; then
    [ -f "$WORK/suite-tls/server.pem" ] || tls_certs "$WORK/suite-tls" || return 1
    tls=(--tls --tlscert "$WORK/suite-tls/server.pem" --tlskey "$WORK/suite-tls/server.key")
    NATS="tls://127.0.0.1:$NATS_PORT"
    export SSL_CERT_FILE=$WORK/suite-tls/ca.pem
  fi
  nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$WORK/jetstream" "${tls[@]}" >>"$WORK/nats.log" 2>&1 &
  NATS_PID=$!
  wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$NATS_PORT"
}

stop_nats() {
  [ -n "$NATS_PID" ] && kill "$NATS_PID" 2>/dev/null && wait "$NATS_PID" 2>/dev/null
  NATS_PID=
}

# ship_bg LOG ARGS...: start `wal2events ship ARGS` in the background ($SHIP_PID)
SHIP_PID=
ship_bg() {
  local log=$1
  shift
  ${SHIP_WRAPPER:-} "$W2E" ship "$@" >>"$log.out" 2>>"$log" &
  SHIP_PID=$!
}

# ship_stop [SIGNAL]: stop the background shipper, its exit status in SHIP_STATUS
# catches PID SIGNUM: the process has its handler for the signal installed
# (or is gone). Until then a background process of this shell ignores
# SIGINT (bash sets SIG_IGN for it), so a stop sent too early is lost and
# the wait below never ends: a slow start (the sanitizer build) showed it.
catches() {
  local mask
  mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
  [ -n "$mask" ] || return 0
  (( (16#$mask >> ($2 - 1)) & 1 ))
}

ship_stop() {
  # KILL and STOP are never caught: waiting for a handler would take the full 30 s
  case ${1:-INT} in KILL | STOP | 9 | 19) ;; *) wait_until 30 catches "$SHIP_PID" "$(kill -l "${1:-INT}")" ;; esac
  kill -"${1:-INT}" "$SHIP_PID" 2>/dev/null
  wait "$SHIP_PID" 2>/dev/null
  SHIP_STATUS=$?
  SHIP_PID=
}

# confirmed_flush SLOT
# stream_last_seq STREAM: its last sequence; 0 while it does not exist (a
# shipper killed before it created the stream stored nothing)
stream_last_seq() { "$JS" info "$NATS" "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("last_seq", 0))'; }

confirmed_flush() { sql "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$1'"; }

# caught_up SLOT: the slot's confirmed position has reached the WAL's end
caught_up() {
  [ "$(sql "SELECT confirmed_flush_lsn >= pg_current_wal_insert_lsn() FROM pg_replication_slots WHERE slot_name = '$1'")" = t ]
}

# truth SLOT FILE: what the plugin says the slot holds, as Transaction JSON lines
truth() { sql "SELECT wal2events.decode(data) FROM pg_logical_slot_peek_binary_changes('$1', NULL, NULL)" >"$2"; }

dump() { "$JS" dump "$NATS" "$1" >"$2"; }

# stream_has STREAM N: the stream holds at least N messages (a busy machine
# starts a shipper late: wait for this rather than a fixed time)
stream_has() {
  [ "$("$JS" info "$NATS" "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("messages", 0))' 2>/dev/null || echo 0)" -ge "$2" ]
}

# envelopes IN OUT: JSON lines of envelopes (consume, decode --envelope,
# ship --payload json) as check.py reads dumps: {"envelope": ...} per line
envelopes() {
  python3 -c 'import json,sys; [print(json.dumps({"envelope": json.loads(l)})) for l in open(sys.argv[1])]' "$1" >"$2"
}

# workload TABLE FIRST_BATCH BATCHES ROWS [PAUSE]: batches of inserts, one transaction each
workload() {
  local table=$1 first=$2 batches=$3 rows=$4 pause=${5:-0} i
  for i in $(seq "$first" $((first + batches - 1))); do
    echo "INSERT INTO $table SELECT g, g % 97, 'v' || g FROM generate_series($((i * rows + 1)), $(((i + 1) * rows))) g;"
    [ "$pause" = 0 ] || echo "SELECT pg_sleep($pause);"
  done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1
}
