#!/bin/sh
# run.sh: every client test (the unit tests, then the CLI tests), with one
# summary line at the end, "N passed, N failed", over both.
#
#   sh run.sh DIR      DIR holds test_unit, wal2events, test_envelope_check,
#                      test_lake_store and test_samples/
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

# bench/ship/envelope_check on the framed samples: every envelope the
# shipper copies out of a message's bytes says what protobuf-c's packing of
# the same envelope says, byte for byte (the samples are protobuf-c's own
# packing, so nothing may differ even in field order).
envelope_check() {
	out=$("$DIR/test_envelope_check" "$DIR/test_samples/stream.bin" "$DIR/test_samples/big.bin" 2>&1)
	rc=$?
	echo "$out" | grep -v '^events '
	line=$(echo "$out" | grep '^events ' | tail -n 1)
	events=$(echo "$line" | sed -n 's/^events \([0-9]*\), byte-identical \([0-9]*\), different \([0-9]*\)$/\1 \2 \3/p')
	set -- $events
	if [ "$rc" -eq 0 ] && [ "${1:-0}" -ge 20 ] && [ "$2" = "$1" ] && [ "$3" = 0 ]; then
		echo "envelope_check: $line ... ok"
		echo "1 passed, 0 failed"
	else
		echo "envelope_check: ${line:-no summary} (exit status $rc) ... FAILED"
		echo "0 passed, 1 failed"
	fi
}

run_suite "$DIR/test_unit"
run_suite sh "$HERE/cli_test.sh" "$DIR/wal2events" "$DIR/test_samples"
run_suite envelope_check
# the lake's directory store (tests/lake/store_test.c; S3: the ship suite)
LAKE=$(mktemp -d)
run_suite "$DIR/test_lake_store" dir "$LAKE/lake"
rm -rf "$LAKE"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
