# tests/ship/lake.sh: the event lake's tests for tests/ship/run.sh (sourced):
# `wal2events lake` against a real nats-server -js, fed by `wal2events
# ship`, checked with tests/ship/lake_check.py (the lake's lines ==
# `wal2events consume`'s output, byte for byte; file ranges contiguous;
# every index true to its file; no temporary or orphan file).
#
# lake_crash     kill -9 of the writer at four points of a 100k-event load
# lake_outage    the hub stopped and restarted (same store) while writing
# lake_full_disk the lake on a small tmpfs: exit 1, one line, nothing lost
# lake_rotation  --max-age, hour and day partitions, --max-bytes, SIGTERM,
#                --metrics, bad flags
# lake_duckdb    DuckDB (npm) queries over the lake equal to consume's output
# lake_replay    replay of a time range, a type, a key, to a file; dedup; refusal
# lake_damage    damaged files stop replay, naming them; a crash's leftovers removed

LAKE_CHECK="python3 $ROOT/tests/ship/lake_check.py"

# lake_load TABLE FIRST ROWS [PAUSE]: ROWS inserts from id FIRST, in
# transactions of varying size (1 to 2500 rows; PAUSE seconds between them)
lake_load() {
  local table=$1 id=$2 left=$3 pause=${4:-0} sizes=(1 7 50 400 2500 13 1200 3 90 700) i=0 n
  while [ "$left" -gt 0 ]; do
    n=${sizes[$((i % ${#sizes[@]}))]}
    [ "$n" -le "$left" ] || n=$left
    echo "INSERT INTO $table SELECT g, g % 97, md5(g::text) || md5((g * 7)::text) FROM generate_series($id, $((id + n - 1))) g;"
    [ "$pause" = 0 ] || echo "SELECT pg_sleep($pause);"
    id=$((id + n)) left=$((left - n)) i=$((i + 1))
  done | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1
}

# LAKE_PID: the writer in the background, its stderr in LOG
LAKE_PID=
lake_bg() { # LOG ARGS...
  local log=$1
  shift
  "$W2E" lake "$@" >>"$log.out" 2>>"$log" &
  LAKE_PID=$!
  OTHER_PIDS+=("$LAKE_PID")
}

lake_stop() { # [SIGNAL]: its exit status in LAKE_STATUS
  case ${1:-TERM} in KILL | 9) ;; *) wait_until 30 catches "$LAKE_PID" "$(kill -l "${1:-TERM}")" ;; esac
  kill -"${1:-TERM}" "$LAKE_PID" 2>/dev/null
  wait "$LAKE_PID" 2>/dev/null
  LAKE_STATUS=$?
  LAKE_PID=
}

# slot_active SLOT: a shipper streams from it (its events from now on reach the stream)
slot_active() { sql_is t "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'"; }

# lake_files DIR: the number of data files stored
lake_files() { find "$1" -name '*.ndjson.zst' 2>/dev/null | wc -l; }
lake_files_above() { [ "$(lake_files "$1")" -gt "$2" ]; }

# stream_last STREAM: its last sequence
stream_last() { stream_last_seq "$1"; }

# lake_verify NAME DIR STREAM MIN: the lake equals what consume prints of the stream
lake_verify() {
  "$W2E" consume --from "$NATS" --stream "$3" >"$WORK/$3.consume" 2>"$WORK/$3.consume.err" ||
    { fail "$1: consume the stream" "$(tail -n 3 "$WORK/$3.consume.err")"; return; }
  check "$1: the lake's lines == consume's output (every event once, in order), ranges contiguous, indexes true, no temporary or orphan file" \
    $LAKE_CHECK check "$2" "$3" --consume "$WORK/$3.consume" --min "$4" --last-seq "$(stream_last "$3")"
}

# A 100k-event load (event unit, and a transaction-unit shipper into the
# same stream), the writer with small files killed -9 mid-file, right
# after a file appears, twice more while following, and while draining;
# then --drain to the end.
test_lake_crash() {
  local dir=$WORK/lake-crash log=$WORK/lake-crash.log wl before round
  sql "CREATE TABLE lkc (id bigint PRIMARY KEY, k int, v text)"
  sql "CREATE TABLE lkt (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-crash-ship.log" --dbname "$DBURL" --slot lkc1 --create-slot -o tables=public.lkc \
    --to "$NATS" --create-stream LAKECRASH --subject 'lakecrash.{table}'
  wait_until 30 stream_exists LAKECRASH
  local ship1=$SHIP_PID
  OTHER_PIDS+=("$ship1")
  ship_bg "$WORK/lake-crash-ship2.log" --dbname "$DBURL" --slot lkc2 --create-slot -o tables=public.lkt \
    --to "$NATS" --stream LAKECRASH --subject 'lakecrash.tx.{database}' --unit transaction -o max-events=300
  local ship2=$SHIP_PID
  OTHER_PIDS+=("$ship2")
  wait_until 30 sql_is 2 "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('lkc1', 'lkc2') AND active"
  { lake_load lkc 1 90000 0.01; } &
  wl=$!
  { lake_load lkt 1 10000 0.05; } &
  local wl2=$!
  local args=(--from "$NATS" --stream LAKECRASH --to "$dir" --progress-interval 0)
  # 1: mid-file (a file is being filled: kill at a random moment)
  wait_until 30 stream_has LAKECRASH 2000
  lake_bg "$log" "${args[@]}" --max-events 5000
  sleep "1.$((RANDOM % 9))"
  lake_stop KILL
  # 2: right after a file appears
  before=$(lake_files "$dir")
  lake_bg "$log" "${args[@]}" --max-events 3000
  wait_until 60 lake_files_above "$dir" "$before" && lake_stop KILL ||
    { fail "lake crash: a file appears after a restart" "$(tail -n 3 "$log")"; lake_stop KILL; }
  # 3, 4: at random moments while the load runs
  for round in 3 4; do
    lake_bg "$log" "${args[@]}" --max-events 2000
    sleep "0.$((RANDOM % 9 + 1))"
    lake_stop KILL
  done
  wait "$wl" "$wl2"
  check "lake crash: the event-unit shipper caught up" wait_confirmed lkc1 120
  check "lake crash: the transaction-unit shipper caught up" wait_confirmed lkc2 120
  kill -INT "$ship1" "$ship2"
  wait "$ship1" "$ship2"
  # 5: while draining
  before=$(lake_files "$dir")
  lake_bg "$log" "${args[@]}" --max-events 3000 --drain
  wait_until 60 lake_files_above "$dir" "$((before + 1))"
  lake_stop KILL
  expect "lake crash: --drain after 5 kill -9 exits 0" 0 "" -- timeout 120 "$W2E" lake "${args[@]}" --max-events 4000 --drain
  lake_verify "lake crash" "$dir" LAKECRASH 100000
  check "lake crash: the transaction unit's events are in the lake" \
    test "$(grep -c '"table":"lkt"' "$WORK/LAKECRASH.consume")" = 10000
  expect "lake crash: a second --drain stores nothing more" 0 "" -- timeout 120 "$W2E" lake "${args[@]}" --max-events 4000 --drain
  check "lake crash: and the lake is unchanged" \
    $LAKE_CHECK check "$dir" LAKECRASH --consume "$WORK/LAKECRASH.consume" --last-seq "$(stream_last LAKECRASH)"
}

# The hub stopped (SIGTERM) and restarted on the same store while the
# writer follows a stream that a shipper is filling.
test_lake_outage() {
  local dir=$WORK/lake-outage log=$WORK/lake-outage.log wl
  sql "CREATE TABLE lko (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-outage-ship.log" --dbname "$DBURL" --slot lko1 --create-slot -o tables=public.lko \
    --to "$NATS" --create-stream LAKEOUT --subject 'lakeout.{table}' --ack-timeout 2s --retry-max 2s
  wait_until 30 slot_active lko1 && wait_until 30 stream_exists LAKEOUT
  { lake_load lko 1 30000 0.05; } &
  wl=$!
  lake_bg "$log" --from "$NATS" --stream LAKEOUT --to "$dir" --max-events 2000 --max-age 1s --progress-interval 1s
  wait_until 30 lake_files_above "$dir" 0
  stop_nats
  sleep 6
  start_nats
  check "lake outage: the writer still runs after a 6 s outage" kill -0 "$LAKE_PID"
  wait "$wl"
  check "lake outage: the shipper caught up" wait_confirmed lko1 120
  ship_stop
  local last
  last=$(stream_last LAKEOUT)
  check "lake outage: the writer catches up with the stream (follow mode)" \
    wait_until 60 bash -c "find '$dir' -name '*-$(printf %020d "$last").ndjson.zst' | grep -q ."
  lake_stop TERM
  check "lake outage: SIGTERM after the outage exits 0" test "$LAKE_STATUS" = 0
  lake_verify "lake outage" "$dir" LAKEOUT 30000
}

# The lake on a 2 MB tmpfs: the writer stops with status 1 and one line
# naming the full disk, leaves no temporary file, and a restart on a larger
# lake holding the stored files yields exactly the stream: nothing it did
# not store was acknowledged.
test_lake_full_disk() {
  local dir=$WORK/lake-full big=$WORK/lake-full-big
  sql "CREATE TABLE lkf (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-full-ship.log" --dbname "$DBURL" --slot lkf1 --create-slot -o tables=public.lkf \
    --to "$NATS" --create-stream LAKEFULL --subject 'lakefull.{table}'
  wait_until 30 slot_active lkf1
  lake_load lkf 1 60000
  check "lake full disk: the shipper caught up" wait_confirmed lkf1 120
  ship_stop
  mkdir -p "$dir" && mount -t tmpfs -o size=2m tmpfs "$dir" ||
    { fail "lake full disk: mount a tmpfs" "cannot mount"; return; }
  ONE_LINE=0 expect "lake full disk: --drain exits 1 naming the full disk" 1 "No space left on device" -- \
    "$W2E" lake --from "$NATS" --stream LAKEFULL --to "$dir" --max-events 2000 --drain --progress-interval 0
  check "lake full disk: some files were stored before" lake_files_above "$dir" 0
  if [ "${NATS_TLS:-0}" != 1 ]; then
    local floor stored
    floor=$(ack_floor LAKEFULL wal2events-lake)
    stored=$(find "$dir" -name '*.ndjson.zst' -printf '%f\n' | sort | tail -n 1 | cut -c22-41)
    check "lake full disk: the durable consumer's ack floor ($floor) is within what is stored ($((10#${stored:-0})))" \
      test "$floor" -gt 0 -a "$floor" -le "$((10#${stored:-0}))"
  fi
  check "lake full disk: no temporary file left" bash -c "! find '$dir' -name '*.tmp' | grep ."
  # what is stored is whole and true to its index
  "$W2E" consume --from "$NATS" --stream LAKEFULL >"$WORK/LAKEFULL.consume"
  $LAKE_CHECK lines "$dir" LAKEFULL >"$WORK/lake-full.lines"
  check "lake full disk: the files stored are a prefix of the stream" \
    cmp -s "$WORK/lake-full.lines" <(head -c "$(stat -c %s "$WORK/lake-full.lines")" "$WORK/LAKEFULL.consume")
  mkdir -p "$big" && cp -a "$dir/." "$big/"
  find "$big" -name '*.tmp' -delete
  umount "$dir"
  expect "lake full disk: a restart on a larger lake drains to the end" 0 "" -- \
    "$W2E" lake --from "$NATS" --stream LAKEFULL --to "$big" --max-events 2000 --drain --progress-interval 0
  lake_verify "lake full disk" "$big" LAKEFULL 60000
}

# ack_floor STREAM DURABLE: the stream sequence a durable consumer has
# acknowledged up to (its info, asked on a plain NATS connection)
ack_floor() {
  python3 - "$NATS_PORT" "$1" "$2" <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false}\r\nSUB _i 1\r\nPUB $JS.API.CONSUMER.INFO.%s.%s _i 0\r\n\r\n'
          % (sys.argv[2].encode(), sys.argv[3].encode()))
while True:
    line = f.readline()
    if line.startswith(b"MSG"):
        print(json.loads(f.read(int(line.split()[-1]) + 2))["ack_floor"]["stream_seq"])
        break
PY
}

# lake_metric PORT NAME: a counter's value
lake_metric() { scrape "$1" | tr -d '\r' | awk -v n="$2" '{ sub(/\{.*\}/, "", $1) } $1 == n { print $2 }'; }
lake_metric_is() { [ "$(lake_metric "$1" "$2")" = "$3" ]; } # PORT NAME VALUE

# Events whose commit times cross hours, a day, and go back in time
# (tests/ship/lake_hours.py, JSON events published directly): a file per
# run of one hour, each in its partition (lake_check.py), and replay's
# --since/--until select by commit time and skip files by their index.
lake_hours() {
  local dir=$WORK/lake-hours out
  [ "${NATS_TLS:-0}" = 1 ] && return 0 # lake_hours.py speaks plain NATS
  "$JS" create "$NATS" LAKEHOURS 'lakehours.>' >/dev/null &&
    python3 "$ROOT/tests/ship/lake_hours.py" "$NATS_PORT" lakehours.h 600 ||
    { fail "lake hours: publish events of six hours" "cannot create or publish"; return; }
  expect "lake hours: --drain" 0 "" -- timeout 120 "$W2E" lake --from "$NATS" --stream LAKEHOURS --to "$dir" --drain
  check "lake hours: a file per run of one hour: 15, 16, 15 again, 23, and 00 of the next day" test \
    "$(cd "$dir/stream=LAKEHOURS" && find . -name '*.ndjson.zst' | sort -t/ -k4 | cut -d/ -f2,3 | tr '\n' ' ')" = \
    "date=2026-11-30/hour=15 date=2026-11-30/hour=16 date=2026-11-30/hour=15 date=2026-11-30/hour=23 date=2026-12-01/hour=00 "
  lake_verify "lake hours" "$dir" LAKEHOURS 600
  out=$(timeout 60 "$W2E" replay --from "$dir" --stream LAKEHOURS --since 2026-11-30T16 --until 2026-11-30T17 --dry-run 2>/dev/null)
  check "lake hours: replay --since 2026-11-30T16 --until 2026-11-30T17 --dry-run: 200 events, 4 of 5 files skipped ($out)" \
    test "$out" = "200 events selected of 200 read, from 1 of 5 files (4 skipped by their index)"
}

test_lake_rotation() {
  local dir=$WORK/lake-rot log=$WORK/lake-rot.log port t0 n
  sql "CREATE TABLE lkr (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-rot-ship.log" --dbname "$DBURL" --slot lkr1 --create-slot -o tables=public.lkr \
    --to "$NATS" --create-stream LAKEROT --subject 'lakerot.{table}'
  wait_until 30 slot_active lkr1 && wait_until 30 stream_exists LAKEROT
  port=$(w2e_free_port)
  # --max-age: five events of a quiet stream reach the lake within the age
  lake_bg "$log" --from "$NATS" --stream LAKEROT --to "$dir" --max-age 2s --metrics "127.0.0.1:$port"
  wait_until 30 http_is "$port" /healthz 200
  sql "INSERT INTO lkr SELECT g, 0, 'q' FROM generate_series(1, 5) g"
  wait_until 30 stream_has LAKEROT 5
  t0=$SECONDS
  if wait_until 15 lake_files_above "$dir" 0; then
    [ $((SECONDS - t0)) -le 4 ] && ok "lake rotation: --max-age 2s stores a quiet stream's 5 events within the age ($((SECONDS - t0)) s)" ||
      fail "lake rotation: --max-age 2s" "the file came after $((SECONDS - t0)) s"
  else
    fail "lake rotation: --max-age 2s stores a quiet stream" "no file after 15 s: $(tail -n 3 "$log")"
  fi
  check "lake rotation: --metrics: wal2events_lake_events_total 5" \
    wait_until 5 lake_metric_is "$port" wal2events_lake_events_total 5
  scrape "$port" | tr -d '\r' >"$WORK/lake-rot.metrics"
  n=0
  for m in wal2events_lake_events_total wal2events_lake_files_total wal2events_lake_bytes_total \
    wal2events_lake_messages_total wal2events_lake_lag_messages wal2events_lake_lag_seconds; do
    grep -q "^$m{stream=\"LAKEROT\"} " "$WORK/lake-rot.metrics" || { fail "lake rotation: --metrics serves $m" "$(head -c 300 "$WORK/lake-rot.metrics")"; n=1; }
  done
  [ "$n" = 1 ] || ok "lake rotation: --metrics serves the wal2events_lake_* counters and lag gauges"
  check "lake rotation: files_total 1" test "$(lake_metric "$port" wal2events_lake_files_total)" = 1
  # SIGTERM stores the open file (a large age: only the signal stores it) and exits 0
  lake_stop TERM
  lake_bg "$log" --from "$NATS" --stream LAKEROT --to "$dir" --max-age 1h --metrics "127.0.0.1:$port"
  wait_until 30 http_is "$port" /healthz 200
  sql "INSERT INTO lkr SELECT g, 0, 'q' FROM generate_series(6, 105) g"
  wait_until 30 stream_has LAKEROT 105
  check "lake rotation: --metrics: wal2events_lake_lag_messages 100 (held in the open file)" \
    wait_until 10 lake_metric_is "$port" wal2events_lake_lag_messages 100
  sleep 1
  n=$(lake_files "$dir")
  lake_stop TERM
  check "lake rotation: SIGTERM exits 0" test "$LAKE_STATUS" = 0
  check "lake rotation: SIGTERM stored the open file (one more file)" test "$(lake_files "$dir")" = $((n + 1))
  # --max-bytes: files of at most 8kB compressed
  sql "INSERT INTO lkr SELECT g, g % 97, md5(g::text) || md5((g * 3)::text) FROM generate_series(106, 5105) g"
  check "lake rotation: the shipper caught up" wait_confirmed lkr1 60
  expect "lake rotation: --max-bytes 8kB --drain" 0 "" -- \
    "$W2E" lake --from "$NATS" --stream LAKEROT --to "$dir" --max-bytes 8kB --drain --progress-interval 0
  check "lake rotation: --max-bytes 8kB: many files, none above 8 kB (fails before lake_file_size_bound)" python3 -c '
import glob,os,sys
f=[os.path.getsize(p) for p in glob.glob(sys.argv[1]+"/**/*.ndjson.zst", recursive=True)]
sys.exit(0 if len(f) > 10 and max(f) <= 8192 else "%d files, largest %d" % (len(f), max(f)))' "$dir"
  ship_stop
  # hour partitions: every line in its commit hour (lake_check.py), the whole stream
  lake_verify "lake rotation" "$dir" LAKEROT 5105
  lake_hours
  # bad flags: one line, status 2
  expect "lake usage: --from is required" 2 "--from" -- timeout 120 "$W2E" lake --stream S --to "$dir"
  expect "lake usage: --stream is required" 2 "--stream" -- timeout 120 "$W2E" lake --from "$NATS" --to "$dir"
  expect "lake usage: --to is required" 2 "--to" -- timeout 120 "$W2E" lake --from "$NATS" --stream S
  expect "lake usage: bad --max-events" 2 "--max-events" -- timeout 120 "$W2E" lake --from "$NATS" --stream S --to "$dir" --max-events 0
  expect "lake usage: bad --max-bytes" 2 "--max-bytes" -- timeout 120 "$W2E" lake --from "$NATS" --stream S --to "$dir" --max-bytes 10
  expect "lake usage: bad --max-age" 2 "--max-age" -- timeout 120 "$W2E" lake --from "$NATS" --stream S --to "$dir" --max-age soon
  expect "lake usage: bad --format" 2 "--format" -- timeout 120 "$W2E" lake --from "$NATS" --stream S --to "$dir" --format csv
  expect "lake usage: unknown flag" 2 "unknown option '--frobnicate'" -- timeout 120 "$W2E" lake --frobnicate
  expect "lake usage: --metrics off loopback" 2 "loopback" -- \
    "$W2E" lake --from "$NATS" --stream S --to "$dir" --metrics 0.0.0.0:9
  expect "lake usage: no such stream" 4 "NOPE" -- timeout 120 "$W2E" lake --from "$NATS" --stream NOPE --to "$dir" --drain
  expect "lake usage: a lake that cannot be opened" 2 "" -- \
    "$W2E" lake --from "$NATS" --stream LAKEROT --to /proc/nope/lake --drain
}

# DuckDB (npm's @duckdb/node-api, tests/lake/setup.sh) reads the lake as it
# is and answers as consume's output says: count, events per type per
# hour, one key's history, its latest state (tests/lake/duckdb_query.js)
test_lake_duckdb() {
  local dir=$WORK/lake-duckdb out
  if ! sh "$ROOT/tests/lake/setup.sh" >"$WORK/lake-setup.log" 2>&1; then
    fail "lake duckdb: tests/lake/setup.sh (node, npm ci)" "$(tail -n 3 "$WORK/lake-setup.log")"
    return
  fi
  sql "CREATE TABLE lkd (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-duckdb-ship.log" --dbname "$DBURL" --slot lkd1 --create-slot -o tables=public.lkd \
    --to "$NATS" --create-stream LAKEDUCK --subject 'lakeduck.{table}'
  wait_until 30 slot_active lkd1
  lake_load lkd 1 20000
  sql "UPDATE lkd SET v = 'one' WHERE id % 100 = 7"
  sql "UPDATE lkd SET v = 'two', k = -1 WHERE id = 4207"
  sql "UPDATE lkd SET v = 'three' WHERE id = 4207"
  sql "DELETE FROM lkd WHERE id % 1000 = 3"
  check "lake duckdb: the shipper caught up" wait_confirmed lkd1 60
  ship_stop
  expect "lake duckdb: lake --drain" 0 "" -- \
    "$W2E" lake --from "$NATS" --stream LAKEDUCK --to "$dir" --max-events 3000 --drain --progress-interval 0
  lake_verify "lake duckdb" "$dir" LAKEDUCK 20000
  out=$(node "$ROOT/tests/lake/duckdb_query.js" "$dir" LAKEDUCK "$WORK/LAKEDUCK.consume" lkd 2>&1)
  echo "$out" | grep -v '^ok: \|^FAILED: '
  while read -r line; do
    case $line in
      ok:*) ok "lake duckdb: ${line#ok: }" ;;
      FAILED:*) fail "lake duckdb: query" "${line#FAILED: }" ;;
    esac
  done <<<"$(echo "$out" | grep '^ok: \|^FAILED: ')"
  echo "$out" | grep -q '^ok: the latest state' || fail "lake duckdb: every query ran" "$(echo "$out" | tail -n 3)"
}

# lake_lines DIR: the events stored (the lines of every data file)
lake_lines() { find "$1" -name '*.ndjson.zst' -print0 2>/dev/null | xargs -0 -r zstdcat | grep -c .; }
lake_lines_are() { [ "$(lake_lines "$1")" = "$2" ]; }

# One writer per stream and lake: a second writer into the same directory
# is refused whatever its durable consumer (the directory's lock), one with
# the first's durable into another lake is refused too (the consumer has a
# live subscriber); neither disturbs the first. A writer killed a moment
# ago holds nothing: the next one starts at once.
test_lake_writers() {
  local dir=$WORK/lake-two other=$WORK/lake-two-b log=$WORK/lake-two.log
  sql "CREATE TABLE lkw (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-two-ship.log" --dbname "$DBURL" --slot lkw1 --create-slot -o tables=public.lkw \
    --to "$NATS" --create-stream LAKETWO --subject 'laketwo.{table}'
  wait_until 30 slot_active lkw1 && wait_until 30 stream_exists LAKETWO
  sql "INSERT INTO lkw SELECT g, 0, 'a' FROM generate_series(1, 1000) g"
  wait_until 30 stream_has LAKETWO 1000
  lake_bg "$log" --from "$NATS" --stream LAKETWO --to "$dir" --max-age 1s
  check "lake writers: the first writer stores the stream" wait_until 30 lake_lines_are "$dir" 1000
  expect "lake writers: a second writer into the same directory, another durable, is refused (status 1, the lock named)" \
    1 "another \`wal2events lake\` is writing stream LAKETWO into $dir" -- \
    timeout 60 "$W2E" lake --from "$NATS" --stream LAKETWO --to "$dir" --durable lake-two-b --drain
  expect "lake writers: a writer with the first one's durable into another lake is refused (status 1, consumer in use)" \
    1 "durable consumer wal2events-lake of stream LAKETWO is in use" -- \
    timeout 60 "$W2E" lake --from "$NATS" --stream LAKETWO --to "$other" --drain
  check "lake writers: the refused writers stored nothing" test "$(lake_files "$other")" = 0
  sql "INSERT INTO lkw SELECT g, 0, 'b' FROM generate_series(1001, 2000) g"
  check "lake writers: the first writer goes on undisturbed" wait_until 30 lake_lines_are "$dir" 2000
  check "lake writers: ... and is still running" kill -0 "$LAKE_PID"
  sql "INSERT INTO lkw SELECT g, 0, 'c' FROM generate_series(2001, 2500) g"
  wait_until 30 stream_has LAKETWO 2500
  lake_stop KILL
  expect "lake writers: right after a kill -9 of the first, the next writer is not refused (--drain exits 0)" 0 "" -- \
    timeout 120 "$W2E" lake --from "$NATS" --stream LAKETWO --to "$dir" --drain --progress-interval 0
  ship_stop
  lake_verify "lake writers" "$dir" LAKETWO 2500
}

# lake_select LINES FILTER OUT: the ids of the lake's lines a python expression
# over the event e selects (in the lake's order)
lake_select() {
  python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if eval(sys.argv[2]):
        print(e["id"])' "$1" "$2" >"$3"
}

# ids STREAM OUT: the ids of a stream's events, in stream order (consume)
lake_ids() {
  "$W2E" consume --from "$NATS" --stream "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    print(json.loads(l)["id"])' >"$2"
}

# utc_second OFFSET: the current second + OFFSET, RFC 3339 (UTC)
utc_second() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# Replay of a time range and of one type into new streams: the events equal
# the lake's matching ones by id, in order; an identical replay adds nothing;
# --dry-run counts; --to file: is the lake's lines; the shipper's stream refused.
test_lake_replay() {
  local dir=$WORK/lake-replay t1 t2 n
  sql "CREATE TABLE lkp (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-replay-ship.log" --dbname "$DBURL" --slot lkp1 --create-slot -o tables=public.lkp \
    --to "$NATS" --create-stream LAKEREP --subject 'lakerep.{table}'
  wait_until 30 slot_active lkp1
  # three phases a second apart or more: the middle one is the time range
  lake_load lkp 1 5000
  t1=$(utc_second 1)
  sleep 2
  lake_load lkp 5001 5000
  sql "UPDATE lkp SET v = 'u' WHERE id % 10 = 1"
  t2=$(utc_second 1)
  sleep 2
  lake_load lkp 10001 5000
  sql "DELETE FROM lkp WHERE id % 50 = 2"
  check "lake replay: the shipper caught up" wait_confirmed lkp1 60
  ship_stop
  expect "lake replay: lake --drain" 0 "" -- \
    timeout 120 "$W2E" lake --from "$NATS" --stream LAKEREP --to "$dir" --max-events 2000 --drain --progress-interval 0
  $LAKE_CHECK lines "$dir" LAKEREP >"$WORK/lake-replay.lines"
  # a time range
  lake_select "$WORK/lake-replay.lines" "'$t1' <= e['commit_time'][:19] + 'Z' < '$t2'" "$WORK/rp-time.want"
  expect "lake replay: --since $t1 --until $t2 --create-stream" 0 "" -- timeout 120 "$W2E" replay --from "$dir" \
    --stream LAKEREP --to "$NATS" --create-stream RPTIME --since "$t1" --until "$t2" --progress-interval 0
  lake_ids RPTIME "$WORK/rp-time.got"
  check "lake replay: the time range's events by id, in order ($(wc -l <"$WORK/rp-time.want") of $(wc -l <"$WORK/lake-replay.lines"))" \
    bash -c "[ \$(wc -l <'$WORK/rp-time.want') -gt 5000 ] && cmp '$WORK/rp-time.want' '$WORK/rp-time.got'"
  # one type
  local type
  type=$(python3 -c 'import json,sys; print(next(json.loads(l)["type"] for l in open(sys.argv[1]) if json.loads(l)["operation"] == "update"))' \
    "$WORK/lake-replay.lines")
  lake_select "$WORK/lake-replay.lines" "e['type'] == '$type'" "$WORK/rp-type.want"
  expect "lake replay: --type $type --create-stream" 0 "" -- timeout 120 "$W2E" replay --from "$dir" \
    --stream LAKEREP --to "$NATS" --create-stream RPTYPE --type "$type" --progress-interval 0
  lake_ids RPTYPE "$WORK/rp-type.got"
  check "lake replay: the type's events by id, in order ($(wc -l <"$WORK/rp-type.want"))" \
    bash -c "[ \$(wc -l <'$WORK/rp-type.want') = 1000 ] && cmp '$WORK/rp-type.want' '$WORK/rp-type.got'"
  # the same replay again: deduplicated by the stream
  expect "lake replay: the same replay again" 0 "" -- timeout 120 "$W2E" replay --from "$dir" \
    --stream LAKEREP --to "$NATS" --target-stream RPTYPE --subject 'RPTYPE.{type}' --type "$type" --progress-interval 0
  check "lake replay: a second identical replay adds nothing (deduplicated)" test "$(stream_last RPTYPE)" = 1000
  # --dry-run
  n=$(timeout 60 "$W2E" replay --from "$dir" --stream LAKEREP --since "$t1" --until "$t2" --dry-run 2>/dev/null)
  check "lake replay: --dry-run counts the time range ($n)" \
    test "${n%% events selected*}" = "$(wc -l <"$WORK/rp-time.want")"
  # --to file: the lake's lines, and a key
  expect "lake replay: --to file:" 0 "" -- timeout 120 "$W2E" replay --from "$dir" --stream LAKEREP \
    --to "file:$WORK/rp-all.lines" --progress-interval 0
  check "lake replay: --to file: equals the lake's lines" cmp "$WORK/lake-replay.lines" "$WORK/rp-all.lines"
  timeout 60 "$W2E" replay --from "$dir" --stream LAKEREP --to - --key 4201 2>/dev/null >"$WORK/rp-key.lines"
  lake_select "$WORK/lake-replay.lines" "e['partition_key'] == '4201'" "$WORK/rp-key.want"
  check "lake replay: --key 4201 --to - (insert, update)" bash -c \
    "[ \$(wc -l <'$WORK/rp-key.want') = 2 ] && cmp '$WORK/rp-key.want' <(python3 -c 'import json,sys; [print(json.loads(l)[\"id\"]) for l in sys.stdin]' <'$WORK/rp-key.lines')"
  # never into the shipper's stream
  expect "lake replay: refuses the shipper's stream" 4 "LAKEREP" -- timeout 60 "$W2E" replay --from "$dir" \
    --stream LAKEREP --to "$NATS" --target-stream LAKEREP --subject 'lakerep.{table}' --progress-interval 0
  check "lake replay: and the shipper's stream is unchanged" test "$(stream_last LAKEREP)" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_seq"])' "$(ls "$dir"/stream=LAKEREP/*/*/*.index.json | sort | tail -n 1)")"
}

# A lake damaged after the fact, and the leftovers of a crash: replay names
# the damaged file (a flipped byte: its SHA-256; no index and cut short:
# zstd) and stops with status 1 rather than leave a silent gap; a file
# without its index is still read; a lake writer removes an index without
# its data and a temporary file at start, and goes on exactly.
test_lake_damage() {
  local dir=$WORK/lake-dmg bad=$WORK/lake-dmg-bad second
  sql "CREATE TABLE lkg (id bigint PRIMARY KEY, k int, v text)"
  ship_bg "$WORK/lake-dmg-ship.log" --dbname "$DBURL" --slot lkg1 --create-slot -o tables=public.lkg \
    --to "$NATS" --create-stream LAKEDMG --subject 'lakedmg.{table}'
  wait_until 30 slot_active lkg1 && wait_until 30 stream_exists LAKEDMG
  lake_load lkg 1 3000
  check "lake damage: the shipper caught up" wait_confirmed lkg1 60
  ship_stop
  "$W2E" lake --from "$NATS" --stream LAKEDMG --to "$dir" --drain --max-events 1000 --progress-interval 0 \
    2>"$WORK/lake-dmg.log" || fail "lake damage: the lake written" "$(tail -n 3 "$WORK/lake-dmg.log")"
  second=$(find "$dir" -name '*.ndjson.zst' | sort | sed -n 2p)
  [ -n "$second" ] || { fail "lake damage: at least two files" "$(find "$dir" -type f)"; return; }
  "$W2E" consume --from "$NATS" --stream LAKEDMG >"$WORK/lake-dmg.consume" 2>/dev/null

  rm -rf "$bad" && cp -a "$dir" "$bad"
  local f=${second/$dir/$bad}
  printf '\xff' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") / 2)) conv=notrunc 2>/dev/null
  expect "lake damage: a flipped byte stops replay with status 1, naming the file and its SHA-256" 1 \
    "$(basename "$f") is damaged: its SHA-256" -- "$W2E" replay --from "$bad" --stream LAKEDMG --to - --progress-interval 0

  rm -rf "$bad" && cp -a "$dir" "$bad"
  rm "${f%.ndjson.zst}.index.json"
  "$W2E" replay --from "$bad" --stream LAKEDMG --to - --progress-interval 0 >"$WORK/lake-dmg.noindex" 2>/dev/null
  check "lake damage: a file without its index is still read, whole" cmp "$WORK/lake-dmg.noindex" "$WORK/lake-dmg.consume"
  truncate -s $(($(stat -c %s "$f") - 7)) "$f"
  expect "lake damage: a file cut short (and no index) stops replay with status 1, naming it" 1 \
    "$(basename "$f") is damaged: zstd" -- "$W2E" replay --from "$bad" --stream LAKEDMG --dry-run --progress-interval 0

  # a crash's leftovers: an index whose data never came, a temporary file
  rm -rf "$bad" && cp -a "$dir" "$bad"
  local hour last
  hour=$(dirname "$f")
  last=$(find "$bad" -name '*.ndjson.zst' | sort | tail -n 1)
  mv "$last" "$hour/.$(basename "$last").tmp"
  check "lake damage: the test's crash left an index alone" test -f "${last%.ndjson.zst}.index.json"
  "$W2E" lake --from "$NATS" --stream LAKEDMG --to "$bad" --drain --max-events 1000 --progress-interval 0 \
    2>"$WORK/lake-dmg2.log" || fail "lake damage: the writer after a crash" "$(tail -n 3 "$WORK/lake-dmg2.log")"
  check "lake damage: the leftovers are gone (no temporary file, every index with its data)" \
    bash -c "! find '$bad' -name '.*.tmp' | grep -q . && [ \$(find '$bad' -name '*.index.json' | wc -l) = \$(find '$bad' -name '*.ndjson.zst' | wc -l) ]"
  "$W2E" replay --from "$bad" --stream LAKEDMG --to - --progress-interval 0 >"$WORK/lake-dmg.after" 2>/dev/null
  check "lake damage: after it, the lake is the stream again, exactly" cmp "$WORK/lake-dmg.after" "$WORK/lake-dmg.consume"
}
