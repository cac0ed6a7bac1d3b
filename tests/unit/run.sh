#!/bin/sh
# run.sh: every client test (the unit tests, then the CLI tests), with one
# summary line at the end, "N passed, N failed", over both.
#
#   sh run.sh DIR      DIR holds test_unit, wal2events and test_samples/
#
# A suite that dies before its own summary line counts as one failure.

DIR=$1
HERE=$(dirname "$0")
T=$(mktemp)
trap 'rm -f "$T"' EXIT
passed=0
failed=0

run_suite() {
	"$@" >"$T" 2>&1
	cat "$T"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$T" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$* ... died without a summary"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
	failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

run_suite "$DIR/test_unit"
run_suite sh "$HERE/cli_test.sh" "$DIR/wal2events" "$DIR/test_samples"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
