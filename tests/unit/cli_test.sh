#!/bin/sh
# cli_test.sh: end-to-end tests of `wal2events decode` and the command's
# dispatch, on the samples written by test_make_samples.
#
#   sh cli_test.sh PATH/TO/wal2events SAMPLE_DIR
#
# Prints one line per test and ends with "N passed, N failed"; exits 1 if
# anything failed.

BIN=$1
S=$2
if [ ! -x "$BIN" ] || [ ! -d "$S" ]; then
	echo "usage: cli_test.sh PATH/TO/wal2events SAMPLE_DIR (got '$BIN', '$S')"
	exit 2
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

ok() { echo "$1 ... ok"; passed=$((passed + 1)); }
fail() { echo "$1 ... FAILED: $2"; failed=$((failed + 1)); }

# expect NAME STATUS STDERR_PATTERN -- COMMAND...: exit status and stderr
expect() {
	name=$1 status=$2 pattern=$3
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$status" ]; then
		fail "$name" "exit status $got, want $status ($(cat "$T/err"))"
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$T/err"; then
		fail "$name" "stderr '$(cat "$T/err")' lacks '$pattern'"
	else
		ok "$name"
	fi
}

# same NAME FILE: the last command's stdout equals FILE
same() {
	if cmp -s "$T/out" "$2"; then ok "$1"; else fail "$1" "output differs from $2"; fi
}

# Every broken sample starts with one good frame (and its newline), of the
# same length as the first frame of stream.bin: the 10 bytes after it in
# bad_marker.bin are '{"xid":1}' and a newline.
FIRST=$(($(wc -c <"$S/bad_marker.bin") - 10))

expect "decode: framed stream" 0 "" -- "$BIN" decode "$S/stream.bin"
same "decode: framed stream prints the expected lines" "$S/stream.jsonl"
expect "decode: from standard input" 0 "" -- sh -c "'$BIN' decode < '$S/stream.bin'"
same "decode: standard input gives the same lines" "$S/stream.jsonl"
expect "decode: '-' is standard input" 0 "" -- sh -c "'$BIN' decode - < '$S/stream.bin'"
same "decode: '-' gives the same lines" "$S/stream.jsonl"
expect "decode: message larger than the first read buffer" 0 "" -- "$BIN" decode "$S/big.bin"
same "decode: large message output" "$S/big.jsonl"
expect "decode: one frame without trailing newline" 0 "" -- "$BIN" decode "$S/one_frame.bin"
same "decode: one frame output" "$S/bare.jsonl"
expect "decode --bare: one unframed message" 0 "" -- "$BIN" decode --bare "$S/bare.bin"
same "decode --bare: output" "$S/bare.jsonl"
expect "decode: empty input prints nothing" 0 "" -- "$BIN" decode "$S/empty.bin"
[ -s "$T/out" ] && fail "decode: empty output" "not empty" || ok "decode: empty output"

expect "decode: truncated input" 1 "truncated input: it ends inside the frame at byte offset $FIRST" \
	-- "$BIN" decode "$S/truncated.bin"
[ "$(wc -l <"$T/out")" -eq 1 ] && ok "decode: lines before the error are printed" ||
	fail "decode: lines before the error are printed" "$(wc -l <"$T/out") lines"
expect "decode: not a frame" 1 "malformed input at byte offset $FIRST: expected frame marker 0xE2, found 0x7B (this looks like JSON" \
	-- "$BIN" decode "$S/bad_marker.bin"
expect "decode: bad protobuf" 1 "message at byte offset $FIRST: not a valid Transaction message" \
	-- "$BIN" decode "$S/bad_message.bin"
expect "decode: inconsistent message" 1 "message at byte offset $FIRST: event 0: row change refers to relation 3 but the message has 0" \
	-- "$BIN" decode "$S/inconsistent.bin"
expect "decode --bare: a framed input is not a bare message" 1 "not a valid Transaction message" \
	-- "$BIN" decode --bare "$S/stream.bin"
expect "decode: missing file" 1 "cannot open '$S/missing.bin'" -- "$BIN" decode "$S/missing.bin"

expect "usage: no command" 2 "Usage: wal2events" -- "$BIN"
expect "usage: unknown command" 2 "unknown command 'frobnicate'" -- "$BIN" frobnicate
expect "usage: ship needs --slot" 2 "--slot is required" -- "$BIN" ship
expect "usage: tail rejects an unknown flag" 2 "unknown option '--frobnicate'" -- "$BIN" tail --frobnicate
# ship's flags from the environment (WAL2EVENTS_<FLAG>); nothing here connects
expect "env: the variables are read (slot, target, subject)" 2 "WAL2EVENTS_SUBJECT only applies to --to nats" -- \
	env WAL2EVENTS_SLOT=s WAL2EVENTS_TO=- WAL2EVENTS_SUBJECT='x.{type}' "$BIN" ship
expect "env: a bad value names its variable" 2 "environment variable WAL2EVENTS_MAX_INFLIGHT: invalid value '0' for --max-inflight" -- \
	env WAL2EVENTS_MAX_INFLIGHT=0 "$BIN" ship --slot s --to -
expect "env: the command line wins (the variable is not even checked)" 2 "--slot is required" -- \
	env WAL2EVENTS_MAX_INFLIGHT=0 "$BIN" ship --max-inflight 5 --to -
expect "env: a switch takes 1/0/true/false" 2 "environment variable WAL2EVENTS_CREATE_SLOT: invalid value 'maybe'" -- \
	env WAL2EVENTS_CREATE_SLOT=maybe "$BIN" ship --slot s --to -
expect "env: WAL2EVENTS_OPTION_<NAME> is -o name=..." 2 "environment variable WAL2EVENTS_OPTION_FRAMING: plugin option 'framing' is set by wal2events ship" -- \
	env WAL2EVENTS_OPTION_FRAMING=none "$BIN" ship --slot s --to -
expect "env: a misspelt variable is refused" 2 "unknown environment variable WAL2EVENTS_SLTO" -- \
	env WAL2EVENTS_SLTO=s "$BIN" ship --slot s --to -
expect "env: --ready-max-lag needs --metrics" 2 "WAL2EVENTS_READY_MAX_LAG needs --metrics" -- \
	env WAL2EVENTS_READY_MAX_LAG=1m "$BIN" ship --slot s --to -
# backfill: its command line, checked before connecting; an unreachable
# server is status 3 and the conninfo's password is never printed
expect "backfill: --help" 0 "" -- "$BIN" backfill --help
expect "backfill: needs --table" 2 "--table SCHEMA.TABLE is required" -- "$BIN" backfill
expect "backfill: bad --rate" 2 "--rate '0' is not a positive number" -- "$BIN" backfill --table t --rate 0
expect "backfill: bad --chunk-rows" 2 "--chunk-rows 'x'" -- "$BIN" backfill --table t --chunk-rows x
expect "backfill: bad --key" 2 "--key 'a,,b' is not a list" -- "$BIN" backfill --table t --key a,,b
expect "backfill: bad --id" 2 "--id '-1'" -- "$BIN" backfill --id=-1
expect "backfill: bad --progress-interval" 2 "--progress-interval 'soon'" -- "$BIN" backfill --table t --progress-interval soon
expect "backfill: a flag given twice" 2 "--table given twice" -- "$BIN" backfill --table a --table b
expect "backfill: unknown flag" 2 "unknown option '--frob'" -- "$BIN" backfill --frob
expect "backfill: unreachable database is status 3" 3 "cannot connect to PostgreSQL" -- \
	"$BIN" backfill --dbname "host=127.0.0.1 port=1 user=u password=s3cr3t-pw connect_timeout=2" --table t
if grep -q "s3cr3t-pw" "$T/err" "$T/out"; then fail "backfill: the password is never printed" "$(cat "$T/err")"; else ok "backfill: the password is never printed"; fi
expect "ship: --backfill needs --create-slot" 2 "--backfill needs --create-slot" -- "$BIN" ship --slot s --to - --backfill public.t
expect "ship: --backfill with an empty table name" 2 "has an empty table name" -- "$BIN" ship --slot s --create-slot --to - --backfill a,
expect "ship: --backfill-rate needs --backfill" 2 "--backfill-rate needs --backfill" -- "$BIN" ship --slot s --to - --backfill-rate 100
expect "env: WAL2EVENTS_BACKFILL is --backfill" 2 "WAL2EVENTS_BACKFILL needs --create-slot" -- \
	env WAL2EVENTS_BACKFILL=routed "$BIN" ship --slot s --to -
expect "usage: unknown global option" 2 "unknown option '--frob'" -- "$BIN" --frob
expect "usage: decode unknown option" 2 "unknown option '--frob'" -- "$BIN" decode --frob
expect "usage: decode two inputs" 2 "more than one input" -- "$BIN" decode a b
expect "help: wal2events --help" 0 "" -- "$BIN" --help
grep -q "decode" "$T/out" && ok "help: lists decode" || fail "help: lists decode" "$(cat "$T/out")"
expect "help: decode --help" 0 "" -- "$BIN" decode --help
grep -q "Usage: wal2events decode" "$T/out" && ok "help: decode usage" || fail "help: decode usage" "missing"
expect "version" 0 "" -- "$BIN" --version
grep -q "^wal2events [0-9]" "$T/out" && ok "version: printed" || fail "version: printed" "$(cat "$T/out")"
expect "decode: a file named after an option, after --" 1 "cannot open '--bare'" -- "$BIN" decode -- --bare

# EventEnvelopes, as `wal2events ship --to file:PATH` writes them: two
# frames (a newline between them) of a minimal envelope each, id "a/0" and
# "a/1", a domain event "ping"/"pong" keyed "k" with payload {}.
ENV0='\012\003a/0\142\017\022\004ping\032\001k\062\004\012\002{}'
ENV1='\012\003a/1\142\017\022\004pong\032\001k\062\004\012\002{}'
printf "\342\026$ENV0\n\342\026$ENV1" >"$T/envelopes.bin"
printf "$ENV1" >"$T/envelope.bare"
LINE0='{"id":"a/0","type":"ping","partition_key":"k","commit_lsn":"0/0","commit_time":"1970-01-01T00:00:00Z","database":"","system_identifier":"0","xid":0,"position":0,"lsn":"0/0","payload":{},"tags":{}}'
LINE1='{"id":"a/1","type":"pong","partition_key":"k","commit_lsn":"0/0","commit_time":"1970-01-01T00:00:00Z","database":"","system_identifier":"0","xid":0,"position":0,"lsn":"0/0","payload":{},"tags":{}}'
printf '%s\n%s\n' "$LINE0" "$LINE1" >"$T/envelopes.jsonl"
printf '%s\n' "$LINE1" >"$T/envelope.jsonl"

expect "decode --envelope: framed envelopes" 0 "" -- "$BIN" decode --envelope "$T/envelopes.bin"
same "decode --envelope: one JSON line per envelope" "$T/envelopes.jsonl"
expect "decode --envelope: from standard input" 0 "" -- sh -c "'$BIN' decode --envelope < '$T/envelopes.bin'"
same "decode --envelope: standard input gives the same lines" "$T/envelopes.jsonl"
expect "decode --envelope --bare: one unframed envelope" 0 "" -- "$BIN" decode --bare --envelope "$T/envelope.bare"
same "decode --envelope --bare: output" "$T/envelope.jsonl"
expect "decode: envelopes without --envelope say to add it" 1 "add --envelope" -- "$BIN" decode "$T/envelopes.bin"
expect "decode --envelope: Transactions are not envelopes" 1 "message at byte offset 0: not a valid EventEnvelope" \
	-- "$BIN" decode --envelope "$S/stream.bin"
expect "decode --envelope: JSON lines need no decoding" 1 "need no decoding" \
	-- "$BIN" decode --envelope "$T/envelopes.jsonl"
head -c 20 "$T/envelopes.bin" >"$T/cut.bin"
expect "decode --envelope: truncated input" 1 "truncated input: it ends inside the frame at byte offset 0" \
	-- "$BIN" decode --envelope "$T/cut.bin"
# an envelope whose event has no body: inconsistent, refused by the renderer
printf '\342\013\012\003a/0\142\004\022\002no' >"$T/nobody.bin"
expect "decode --envelope: an event without a body" 1 "message at byte offset 0: envelope a/0" \
	-- "$BIN" decode --envelope "$T/nobody.bin"
if command -v python3 >/dev/null; then
	# arrays nested far deeper than the limit, in a row change's new values
	python3 -c '
import sys
def varint(n):
    v=b""
    while True:
        b=n & 0x7F; n >>= 7
        v+=bytes([b | (0x80 if n else 0)])
        if not n: return v
def ld(field, body):
    return varint((field << 3) | 2) + varint(len(body)) + body
value=b"\x08\x01"                       # Value{null: true}
for _ in range(5000):
    value=ld(17, ld(1, value))           # Value{array_value: Array{values: [value]}}
event=ld(5, ld(3, value))                # Event{row: RowChange{new: [value]}}
sys.stdout.buffer.write(ld(1, b"a/0") + ld(12, event))' >"$T/deep.bare"
	expect "decode --envelope: deeply nested arrays are refused, not a crash" 1 "nested more than" \
		-- "$BIN" decode --bare --envelope "$T/deep.bare"
fi

expect "usage: consume needs --from" 2 "--from is required" -- "$BIN" consume --stream S
expect "usage: consume needs --stream" 2 "--stream is required" -- "$BIN" consume --from nats://127.0.0.1:1
expect "usage: consume --from is nats://" 2 "invalid --from 'http://x'" -- "$BIN" consume --from http://x --stream S
expect "usage: consume --new needs --follow" 2 "add --follow" -- "$BIN" consume --from nats://127.0.0.1:1 --stream S --new
expect "usage: consume --from-start or --new" 2 "only one of --from-start and --new" \
	-- "$BIN" consume --from nats://127.0.0.1:1 --stream S --from-start --new --follow
expect "usage: consume bad filter" 2 "bad --subject filter 'a..b'" -- "$BIN" consume --from nats://127.0.0.1:1 --stream S --subject a..b
expect "usage: consume '>' not last" 2 "'>' the last one" -- "$BIN" consume --from nats://127.0.0.1:1 --stream S --subject 'a.>.b'
expect "usage: consume bad --count" 2 "invalid value '0' for --count" -- "$BIN" consume --from nats://127.0.0.1:1 --stream S --count 0
expect "usage: consume bad --payload" 2 "unknown payload format 'xml'" -- "$BIN" consume --from nats://127.0.0.1:1 --stream S --payload xml
expect "usage: consume bad stream name" 2 "invalid stream name 'a.b'" -- "$BIN" consume --from nats://127.0.0.1:1 --stream a.b
expect "usage: consume flag given twice" 2 "--follow given twice" -- "$BIN" consume --follow --follow
expect "usage: consume unknown flag" 2 "unknown option '--frob'" -- "$BIN" consume --frob
expect "usage: consume takes no argument" 2 "unknown argument 'x'" -- "$BIN" consume x
expect "help: consume --help" 0 "" -- "$BIN" consume --help
grep -q "Usage: wal2events consume" "$T/out" && ok "help: consume usage" || fail "help: consume usage" "missing"
grep -q "consume" "$T/out" && "$BIN" --help | grep -q "^  consume" && ok "help: lists consume" ||
	fail "help: lists consume" "$("$BIN" --help)"
expect "consume: nothing listens at --from" 4 "cannot connect to NATS at nats://127.0.0.1:1" \
	-- "$BIN" consume --from nats://127.0.0.1:1 --stream S

# A live stream: each line must come out while the writer is still open.
mkfifo "$T/fifo"
"$BIN" decode "$T/fifo" >"$T/live" 2>&1 &
pid=$!
exec 3<>"$T/fifo"	# read-write: does not block even if decode died
head -c "$FIRST" "$S/stream.bin" >&3
i=0
while [ "$(wc -l <"$T/live")" -lt 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(wc -l <"$T/live")" -eq 1 ] && ok "decode: a live stream is printed as it arrives" ||
	fail "decode: a live stream is printed as it arrives" "no line after 5 s"
exec 3>&-
wait $pid
[ $? -eq 0 ] && ok "decode: live stream ends cleanly" || fail "decode: live stream ends cleanly" "$(cat "$T/live")"

if command -v python3 >/dev/null; then
	python3 -c 'import json, sys
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        json.loads(line)' "$S/stream.jsonl" "$S/big.jsonl" &&
		ok "json: every line parses as JSON (python3)" || fail "json: every line parses as JSON (python3)" ""
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
