# tests/ship/lake_s3.sh: the event lake in S3, against a local S3 server
# (tests/lake/s3rver.js: npm's s3rver behind a front that checks SigV4
# signatures as S3 does and injects faults). Sourced by tests/ship/run.sh.
#
# s3_start starts one server for the run (bucket "lake"): S3_ENDPOINT,
# S3_CONTROL (its fault control file), and AWS_* set for it.

S3_PID=
s3_start() {
  [ -n "$S3_PID" ] && kill -0 "$S3_PID" 2>/dev/null && return 0
  if ! sh "$ROOT/tests/lake/setup.sh" >"$WORK/s3-setup.log" 2>&1; then
    echo "tests/lake/setup.sh failed:"; tail -n 5 "$WORK/s3-setup.log"
    return 1
  fi
  S3_CONTROL=$WORK/s3.control
  : >"$S3_CONTROL"
  S3_ACCESS_KEY=w2e-test-key S3_SECRET_KEY=w2e-test-secret \
    node --openssl-legacy-provider "$ROOT/tests/lake/s3rver.js" --port 0 --dir "$WORK/s3data" --bucket lake \
    --control "$S3_CONTROL" >"$WORK/s3rver.log" 2>&1 &
  S3_PID=$!
  OTHER_PIDS+=("$S3_PID")
  if ! wait_until 30 grep -q 'ready on' "$WORK/s3rver.log"; then
    echo "s3rver.js did not start:"; tail -n 5 "$WORK/s3rver.log"
    return 1
  fi
  S3_ENDPOINT=$(sed -n 's/^s3rver ready on //p' "$WORK/s3rver.log")
  export AWS_ACCESS_KEY_ID=w2e-test-key AWS_SECRET_ACCESS_KEY=w2e-test-secret AWS_REGION=us-east-1
}

# The S3 store alone (tests/lake/store_test*.c, built as test_lake_store):
# put/get/list/remove with '=' and odd keys, a listing over 1000 keys,
# retried 5xx/429, a cut upload retried and never visible in part, and the
# errors of a wrong secret, access key, region, bucket, endpoint or
# credentials file (one line, no secret).
test_lake_s3_store() {
  local bin=$CLI/test_lake_store out line
  if [ "${W2E_SANITIZE:-0}" = 1 ]; then
    bin=$CLI/asan/test_lake_store
    make -s -C "$CLI" asan/test_lake_store >/dev/null || { fail "lake s3 store: build $bin" "make failed"; return; }
  else
    make -s -C "$CLI" test_lake_store >/dev/null || { fail "lake s3 store: build $bin" "make failed"; return; }
  fi
  s3_start || { fail "lake s3 store: the local S3 server starts" "see above"; return; }
  mkdir -p "$WORK/s3-store-test"
  out=$("$bin" s3 "$S3_ENDPOINT" lake "$S3_CONTROL" "$WORK/s3-store-test" 2>&1)
  echo "$out" | grep -v ' \.\.\. ok$' | grep -v '^[0-9]* passed' | sed 's/^/  /' || true
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then
    fail "lake s3 store: test_lake_store ends with its summary" "$(echo "$out" | tail -n 5)"
    return
  fi
  PASSED=$((PASSED + $(echo "$line" | cut -d' ' -f1)))
  FAILED=$((FAILED + $(echo "$line" | cut -d' ' -f3)))
  [ "$(echo "$line" | cut -d' ' -f3)" = 0 ] || FAILURES+=("lake_s3_store: $(echo "$out" | grep -c FAILED) checks")
  echo "lake s3 store: $line"
}

# s3_served NAME: a counter of the S3 server's (requests, put, failed, cut, stall, ...)
s3_served() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$S3_CONTROL.stats" "$1"
}

# s3_served_at_least NAME N
s3_served_at_least() { [ "$(s3_served "$1")" -ge "$2" ]; }

# lake_matches_stream CAT DUMP: the lake's lines (test_lake_store cat) are
# the stream's events (js_dump), once each, in stream order, each line the
# envelope `consume` prints for it
lake_matches_stream() {
  python3 - "$1" "$2" <<'PY'
import json, sys
lake = [json.loads(l) for l in open(sys.argv[1])]
stream = [json.loads(l) for l in open(sys.argv[2])]
events = [m["envelope"] for m in stream if "envelope" in m]
ids = [e.get("id") for e in lake]
if len(set(ids)) != len(ids):
    sys.exit(f"{len(ids) - len(set(ids))} events stored twice")
if len(lake) != len(events):
    sys.exit(f"the lake holds {len(lake)} events, the stream {len(events)}")
for i, (got, want) in enumerate(zip(lake, events)):
    if got != want:
        sys.exit(f"event {i} differs:\n  lake:   {json.dumps(got)[:300]}\n  stream: {json.dumps(want)[:300]}")
print(f"{len(lake)} events")
PY
}

# lake --to s3://: a few thousand events through failed PUTs (500, 503), a
# cut upload and a kill -9 while an upload stalls: the lake holds every
# event of the stream once, in order, in files that neither overlap nor
# leave a gap, and nothing of the killed upload is visible.
test_lake_s3() {
  local log=$WORK/lake_s3.log cat=$WORK/lake_s3.cat out failed_before cut_before lake_pid
  local url=s3://lake/e2e/run1 TEST_LAKE=$CLI/test_lake_store
  [ "${W2E_SANITIZE:-0}" = 1 ] && TEST_LAKE=$CLI/asan/test_lake_store
  s3_start || { fail "lake s3: the local S3 server starts" "see above"; return; }
  make -s -C "$CLI" "${TEST_LAKE#"$CLI"/}" >/dev/null || { fail "lake s3: build $TEST_LAKE" "make failed"; return; }
  new_slot lks1
  sql "CREATE TABLE lks (id bigint PRIMARY KEY, k int, v text)"
  workload lks 0 4 1000
  ship_bg "$WORK/lks-ship.log" --slot lks1 --to "$NATS" --create-stream LAKES3 --subject 'lks.{table}'
  check "lake s3: the shipper stores 4000 events" wait_confirmed lks1 120
  ship_stop
  local lake=("$W2E" lake --from "$NATS" --stream LAKES3 --to "$url" --s3-endpoint "$S3_ENDPOINT"
    --max-events 300 --progress-interval 0)

  # failed and cut PUTs: retried, nothing lost or doubled
  failed_before=$(s3_served failed) cut_before=$(s3_served cut)
  printf 'fail_put 2\ncut_put 1\nfail_put 1 503\n' >"$S3_CONTROL"
  "${lake[@]}" --drain >>"$log" 2>&1
  check "lake s3: --drain through two 500s, a cut upload and a 503 exits 0" test $? = 0
  check "lake s3: ... the server did fail three PUTs and cut one" \
    test "$(($(s3_served failed) - failed_before)):$(($(s3_served cut) - cut_before))" = 3:1
  "$TEST_LAKE" cat "$url" "$S3_ENDPOINT" LAKES3 >"$cat" 2>"$cat.err"
  check "lake s3: 4000 events in files without gap or overlap" grep -q "events 4000," "$cat.err"
  dump LAKES3 "$WORK/lks.dump1"
  check "lake s3: the lake is the stream, event for event" lake_matches_stream "$cat" "$WORK/lks.dump1"

  # kill -9 while an upload stalls: nothing of it visible, the next run exact
  workload lks 4 3 1000
  ship_bg "$WORK/lks-ship.log" --slot lks1 --to "$NATS" --stream LAKES3 --subject 'lks.{table}'
  check "lake s3: the shipper stores 3000 more" wait_confirmed lks1 120
  ship_stop
  printf 'stall_put 1\n' >"$S3_CONTROL"
  local stall_before
  stall_before=$(s3_served stall)
  "${lake[@]}" >>"$log" 2>&1 &
  lake_pid=$!
  OTHER_PIDS+=("$lake_pid")
  if wait_until 60 s3_served_at_least stall $((stall_before + 1)); then
    kill -9 "$lake_pid"
    wait "$lake_pid" 2>/dev/null
    ok "lake s3: kill -9 of the writer while its upload stalls"
  else
    fail "lake s3: an upload stalled" "$(tail -n 3 "$log")"
    kill -9 "$lake_pid" 2>/dev/null
  fi
  : >"$S3_CONTROL"
  "$TEST_LAKE" cat "$url" "$S3_ENDPOINT" LAKES3 >"$cat" 2>"$cat.err"
  check "lake s3: after the kill, still 4000 events, no half file, no gap" grep -q "events 4000," "$cat.err"
  "${lake[@]}" --drain >>"$log" 2>&1
  check "lake s3: the next run (--drain) exits 0" test $? = 0
  "$TEST_LAKE" cat "$url" "$S3_ENDPOINT" LAKES3 >"$cat" 2>"$cat.err"
  check "lake s3: 7000 events in files without gap or overlap" grep -q "events 7000," "$cat.err"
  dump LAKES3 "$WORK/lks.dump2"
  check "lake s3: the lake is the stream, event for event, after the kill" lake_matches_stream "$cat" "$WORK/lks.dump2"
  echo "  $(tail -n 1 "$cat.err"); S3 requests $(s3_served requests)"

  # replay --from s3://: to a file, the lake's lines; into a stream of its
  # own, the original events under their ids, through a failed GET
  local replay=("$W2E" replay --from "$url" --stream LAKES3 --s3-endpoint "$S3_ENDPOINT" --progress-interval 0)
  "${replay[@]}" --to "file:$WORK/lks.replayed" >>"$log" 2>&1
  check "lake s3: replay --from s3:// --to file: exits 0" test $? = 0
  check "lake s3: ... and writes the lake's lines, in order" cmp "$cat" "$WORK/lks.replayed"
  failed_before=$(s3_served failed)
  printf 'fail_get 2\n' >"$S3_CONTROL"
  "${replay[@]}" --to "$NATS" --create-stream LAKES3_REPLAY >>"$log" 2>&1
  check "lake s3: replay --from s3:// into a new stream, through two failed GETs, exits 0" test $? = 0
  check "lake s3: ... the server did fail two GETs" test $(($(s3_served failed) - failed_before)) = 2
  dump LAKES3_REPLAY "$WORK/lks.replay.dump"
  check "lake s3: ... the new stream holds the lake's events, in order, under their ids" \
    lake_matches_stream "$cat" "$WORK/lks.replay.dump"
  out=$("${replay[@]}" --dry-run --type 'lks-*' 2>&1)
  check "lake s3: replay --dry-run from s3:// counts 7000" grep -q 7000 <<<"$out"
}
