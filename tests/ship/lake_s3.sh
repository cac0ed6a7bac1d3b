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
