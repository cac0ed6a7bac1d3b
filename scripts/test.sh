#!/usr/bin/env bash
# Run every wal2events test suite on throwaway servers and print
# "N passed, N failed". Installs missing Debian packages, builds with
# warnings as errors, installs, then runs as the postgres user:
#   unit     C unit tests of libwal2events and the CLI (also under valgrind,
#            and built with AddressSanitizer and UndefinedBehaviorSanitizer)
#   fuzz     libFuzzer, briefly: the frame/message parser, the envelope
#            reader, the claim-check reassembly
#   regress  pg_regress suites (sql/, expected/) on a temporary instance
#   isolation  isolation specs (tests/specs) on a temporary instance
#   tap      TAP tests (tests/t) with PostgreSQL::Test::Cluster
#   ship     `wal2events ship`/`tail` against a real PostgreSQL and nats-server -js
#   ship-asan  the ship tests of start/stop, settings from the environment, claim
#            checks, consume, crashes, health endpoints and
#            outages again, every wal2events built with ASan and UBSan
# Usage: scripts/test.sh [suite ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/pg-env.sh

[ "$(id -u)" = 0 ] || { echo "test.sh: run as root: it installs packages and the extension, then runs the servers as postgres" >&2; exit 2; }
scripts/install-deps.sh || exit 2

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz regress isolation tap ship ship-asan)

echo "== build"
make -s -j"$(nproc)" && make -s install >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# The suites write results next to the sources: run them in a copy that the
# postgres user owns.
work=$(mktemp -d /tmp/wal2events-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar --exclude=.git -cf - . | tar -xf - -C "$work"
w2e_server_conf > "$work/build-logical.conf"
chown -R postgres: "$work"

passed=0 failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

run_unit() {
  local out
  out=$(as_postgres make -s -C "$work/src/cli" check 2>&1); local rc=$?
  echo "$out" | tail -n 30
  local line; line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n1)
  if [ -n "$line" ]; then
    count "$(echo "$line" | awk '{print $1}')" "$(echo "$line" | awk '{print $3}')"
  fi
  [ $rc -eq 0 ] || { [ -n "$line" ] && [ "$(echo "$line" | awk '{print $3}')" != 0 ] || count 0 1; }
  # a consumer built from the installed library, header and pkg-config file
  if as_postgres make -s -C "$work/src/lib" check-installed > "$work/installed.log" 2>&1; then
    echo "consumer built against the installed libwal2events ... ok"; count 1 0
  else
    cat "$work/installed.log"; echo "consumer built against the installed libwal2events ... FAILED"; count 0 1
  fi
  # the same tests and the CLI once more under valgrind: any leak or error fails
  if as_postgres make -s -C "$work/src/cli" check-valgrind > "$work/valgrind.log" 2>&1; then
    echo "unit tests and decode under valgrind ... ok"; count 1 0
  else
    tail -n 40 "$work/valgrind.log"; echo "unit tests and decode under valgrind ... FAILED"; count 0 1
  fi
  # and once more built with AddressSanitizer and UndefinedBehaviorSanitizer:
  # their checks count, and any report (leaks included) fails
  as_postgres make -s -C "$work/src/cli" check-asan > "$work/asan.log" 2>&1; rc=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/asan.log" | tail -n1)
  if [ -n "$line" ]; then
    count "$(echo "$line" | awk '{print $1}')" "$(echo "$line" | awk '{print $3}')"
  fi
  if [ $rc -eq 0 ]; then
    echo "unit and CLI tests under ASan and UBSan ($line), no sanitizer report ... ok"; count 1 0
  else
    grep -v ' \.\.\. ok$' "$work/asan.log" | tail -n 60
    echo "unit and CLI tests under ASan and UBSan ... FAILED"; count 0 1
  fi
}

# one check per fuzz target that ran its time without a finding
run_fuzz() {
  as_postgres make -s -C "$work/src/cli" fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-20}" > "$work/fuzz.log" 2>&1; local rc=$?
  grep -E '^Done [0-9]+ runs' "$work/fuzz.log"
  count "$(grep -cE '^Done [0-9]+ runs' "$work/fuzz.log")" 0
  [ $rc -eq 0 ] || { tail -n 60 "$work/fuzz.log"; count 0 1; }
}

# pg_regress and pg_isolation_regress print one line per test.
count_regress_output() {
  local log=$1
  count "$(grep -cE '\.\.\. +ok|^ok ' "$log")" "$(grep -cE '\.\.\. +FAILED|^not ok |failed \(ignored\)' "$log")"
}

run_regress() {
  as_postgres make -C "$work" installcheck-regress TEMP_CONFIG="$work/build-logical.conf" > "$work/regress.log" 2>&1; local rc=$?
  grep -E '\.\.\.|tests? (passed|failed)' "$work/regress.log"
  count_regress_output "$work/regress.log"
  if [ $rc -ne 0 ]; then
    [ -f "$work/regression.diffs" ] && head -n 200 "$work/regression.diffs"
    grep -qE 'FAILED' "$work/regress.log" || { tail -n 30 "$work/regress.log"; count 0 1; }
  fi
}

run_isolation() {
  as_postgres make -C "$work" installcheck-isolation TEMP_CONFIG="$work/build-logical.conf" > "$work/isolation.log" 2>&1; local rc=$?
  grep -E '\.\.\.|tests? (passed|failed)' "$work/isolation.log"
  count_regress_output "$work/isolation.log"
  if [ $rc -ne 0 ]; then
    [ -f "$work/tests/output_iso/regression.diffs" ] && head -n 200 "$work/tests/output_iso/regression.diffs"
    grep -qE 'FAILED' "$work/isolation.log" || { tail -n 30 "$work/isolation.log"; count 0 1; }
  fi
}

run_tap() {
  as_postgres make -C "$work" installcheck-tap TEMP_CONFIG="$work/build-logical.conf" > "$work/tap.log" 2>&1; local rc=$?
  grep -E '^t/|^tests/|^Files=|^Result' "$work/tap.log"
  local ok nok
  ok=$(grep -cE '^ *ok [0-9]' "$work/tap.log")
  nok=$(grep -cE '^ *not ok [0-9]' "$work/tap.log")
  count "$ok" "$nok"
  if [ $rc -ne 0 ]; then
    tail -n 60 "$work/tap.log"
    [ "$nok" -gt 0 ] || count 0 1
  fi
}

# The ship suite starts its own PostgreSQL (as postgres) and nats-server
# (on loopback) and must run as root; it counts its own checks.
# run_ship LOG [TEST...]
run_ship() {
  local log=$1
  shift
  "$root/tests/ship/run.sh" "$@" > "$log" 2>&1; local rc=$?
  grep -E '\.\.\. |ok |FAIL' "$log" | tail -n 200
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
  if [ -n "$line" ]; then
    count "$(echo "$line" | awk '{print $1}')" "$(echo "$line" | awk '{print $3}')"
  fi
  if [ $rc -ne 0 ] && { [ -z "$line" ] || [ "$(echo "$line" | awk '{print $3}')" = 0 ]; }; then
    tail -n 40 "$log"; count 0 1
  fi
}

# Start and stop, credentials and TLS, claim checks, consume (its exit too),
# file, crashes, outages, both units, backfills (ship --backfill's thread),
# the lake in S3 (its store, and lake and replay through faults):
# the paths with the most to free, under
# AddressSanitizer, LeakSanitizer and UBSan (tests/sanitizers/env.sh).
SHIP_ASAN_TESTS=(usage env start_errors auth tls e2e file file_errors consume consume_exit claim crash outage sigterm health e2e_txn claim_txn backfill_hold ship_backfill lake_s3_store lake_s3 lake_crash lake_replay lake_rotation lake_writers)
run_ship_asan() {
  W2E_SANITIZE=1 run_ship "$work/ship-asan.log" "${SHIP_ASAN_TESTS[@]}"
}

for suite in "${suites[@]}"; do
  echo "== $suite"
  case $suite in
    unit) run_unit ;;
    fuzz) run_fuzz ;;
    regress) run_regress ;;
    isolation) run_isolation ;;
    tap) run_tap ;;
    ship) run_ship "$work/ship.log" ;;
    ship-asan) run_ship_asan ;;
    *) echo "unknown suite: $suite (unit, fuzz, regress, isolation, tap, ship, ship-asan)"; count 0 1 ;;
  esac
done

# the failures once more, next to the summary, where a truncated log still shows them
if [ "$failed" -ne 0 ]; then
  echo "== failures"
  grep -hE '\.\.\. +FAILED|^ *not ok |^failed: ' "$work"/*.log 2>/dev/null | cut -c1-300 | sort -u | head -n 60
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
