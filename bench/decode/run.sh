#!/usr/bin/env bash
# Decode benchmark: wal2events against wal2json (format 1 and 2), decoderbufs,
# pgoutput and test_decoding, on the same WAL range, timed inside the server.
# See bench/decode/README.md.
#
# Run as root (installs missing comparison plugins, then runs the server parts
# as `postgres`) or as a non-root user that can run initdb (e.g. postgres).
#
# Environment:
#   BENCH_ROUNDS   rounds over all configs (default 3; medians are reported)
#   BENCH_SCALE    workload scale factor (default 1; e.g. 0.01 for a smoke run)
#   BENCH_OUT      also write the markdown report to this file
#   BENCH_KEEP     1 = keep the cluster and its directory (printed) at the end
#   BENCH_TIMEOUT  statement_timeout of one decode, seconds (default 900)
#   BENCH_ROUTES   1 = also route every table (routes.sql) and add a
#                  wal2events-routed row; the wal2events row then decodes the
#                  same WAL with routes=ignore (default 0)
#   PGBIN          PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#
# Exit status: 0 = every config ran; 3 = some config was skipped or failed
# (for example wal2events is not installed); anything else = the run failed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_OUT=${BENCH_OUT:-}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
BENCH_ROUTES=${BENCH_ROUTES:-0}
RUN_USER=postgres

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, got '$BENCH_ROUNDS'"
[[ $BENCH_SCALE =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || die "BENCH_SCALE must be a positive number, got '$BENCH_SCALE'"
[[ -x $PGBIN/postgres ]] || die "no PostgreSQL server at $PGBIN (set PGBIN)"
PKGLIBDIR=$("$PGBIN/pg_config" --pkglibdir)

# ---------------------------------------------------------------------------
# Root: install what is missing, then run everything else as `postgres`.
# ---------------------------------------------------------------------------
if [[ $(id -u) -eq 0 && ${1:-} != --inner ]]; then
    getent passwd "$RUN_USER" >/dev/null || die "user '$RUN_USER' does not exist (install postgresql-15)"
    missing=()
    for pkg in postgresql-15-wal2json postgresql-15-decoderbufs; do
        [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true) == *"install ok installed"* ]] || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; then
            log "apt-get install failed; running apt-get update and retrying"
            apt-get update -q >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
                || log "WARNING: could not install ${missing[*]}; their rows will be skipped"
        fi
    fi

    WORK=$(mktemp -d /tmp/wal2events-bench.XXXXXX)
    chmod 755 "$WORK"
    # A private copy, readable by postgres wherever the checkout lives.
    cp "$HERE"/run.sh "$HERE"/setup.sql "$HERE"/workload.sql "$HERE"/routes.sql "$WORK"/
    chown -R "$RUN_USER": "$WORK"
    root_cleanup() {
        if [[ -f $WORK/data/postmaster.pid && $BENCH_KEEP != 1 ]]; then
            runuser -u "$RUN_USER" -- "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        [[ $BENCH_KEEP == 1 ]] || rm -rf "$WORK"
    }
    trap root_cleanup EXIT
    cd "$WORK"
    # setpriv execs the script itself (no session wrapper that would SIGKILL
    # it 2 s after a TERM, before it has stopped its server).
    if command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid="$RUN_USER" --regid="$(id -g "$RUN_USER")" --init-groups)
    else
        as_user=(runuser -u "$RUN_USER" --)
    fi
    "${as_user[@]}" env HOME="$WORK" \
        PATH="$PATH" PGBIN="$PGBIN" BENCH_ROUNDS="$BENCH_ROUNDS" BENCH_SCALE="$BENCH_SCALE" \
        BENCH_KEEP="$BENCH_KEEP" BENCH_TIMEOUT="$BENCH_TIMEOUT" BENCH_WORKDIR="$WORK" \
        BENCH_OUT= BENCH_ROUTES="$BENCH_ROUTES" \
        bash "$WORK/run.sh" --inner &
    child=$!
    # Ctrl-C / TERM: let the postgres-side script stop its server and exit.
    trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
    while :; do
        wait "$child" && rc=0 || rc=$?
        kill -0 "$child" 2>/dev/null || break
    done
    trap - INT TERM
    if [[ -n $BENCH_OUT && -f $WORK/report.md ]]; then
        cp "$WORK/report.md" "$BENCH_OUT"
        log "report written to $BENCH_OUT"
    fi
    exit "$rc"
fi

# ---------------------------------------------------------------------------
# Non-root from here on.
# ---------------------------------------------------------------------------
[[ $(id -u) -ne 0 ]] || die "internal: server part running as root"

WORK=${BENCH_WORKDIR:-}
OWN_WORK=0
if [[ -z $WORK ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/wal2events-bench.XXXXXX")
    OWN_WORK=1
fi
DATA=$WORK/data
SOCK=$WORK
SERVER_LOG=$WORK/server.log
RAW=$WORK/raw.tsv
: >"$RAW"

cleanup() {
    local rc=$?
    if [[ $BENCH_KEEP == 1 ]]; then
        log "kept: cluster in $DATA, socket dir $SOCK, port ${PORT:-?}, database bench, end LSN ${END_LSN:-?}"
        log "      psql -h $SOCK -p ${PORT:-?} -U postgres bench;  stop: $PGBIN/pg_ctl -D $DATA stop"
    else
        [[ -f $DATA/postmaster.pid ]] && "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
        ((OWN_WORK)) && rm -rf "$WORK" || rm -rf "$DATA"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# scaled N: max(1, round(N * BENCH_SCALE))
scaled() { awk -v n="$1" -v s="$BENCH_SCALE" 'BEGIN { v = int(n * s + 0.5); if (v < 1) v = 1; print v }'; }

N_SINGLE=$(scaled 20000)   # single-row INSERT transactions
N_BULK=$(scaled 500000)    # rows in the one big INSERT transaction
N_UPD=$(scaled 100000)     # updates on each of orders (RI DEFAULT) and orders_full (RI FULL)
N_DEL=$(scaled 50000)      # deletes on orders
N_TOAST=$(scaled 10000)    # updates leaving an 8 KB TOASTed value unchanged
N_MSG=$(scaled 10000)      # transactional logical messages, one per transaction
BATCH=1000                 # rows per transaction for updates and deletes
((BATCH > N_UPD)) && BATCH=$N_UPD
((N_DEL > N_BULK - N_UPD)) && N_DEL=$((N_BULK - N_UPD > 0 ? N_BULK - N_UPD : 0))
((N_DEL < 1)) && N_DEL=1 && ((N_BULK < 2)) && N_BULK=2

# ---------------------------------------------------------------------------
# Cluster
# ---------------------------------------------------------------------------
PORT=$(free_port) || die "no free port on 127.0.0.1"
log "cluster in $DATA, port $PORT"
"$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }

PLUGIN_LIST_NOTE="no"
{
    echo "# wal2events decode benchmark"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PORT"
    echo "unix_socket_directories = '$SOCK'"
    echo "wal_level = logical"
    echo "max_replication_slots = 16"
    echo "max_wal_senders = 16"
    echo "logical_decoding_work_mem = 64MB"
    echo "shared_buffers = 512MB"
    echo "max_wal_size = 8GB"
    echo "checkpoint_timeout = 1h"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "autovacuum = off"
    echo "jit = off"
    echo "statement_timeout = 0"
    echo "log_min_messages = warning"
    echo "log_checkpoints = off"
} >>"$DATA/postgresql.conf"
# (Captured first: with pipefail, `postgres ... | grep -q` can fail on SIGPIPE.)
DESCRIBE=$("$PGBIN/postgres" --describe-config 2>/dev/null || true)
if grep -q '^output_plugin_libraries[[:space:]]' <<<"$DESCRIBE"; then
    echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2events, wal2json, decoderbufs'" >>"$DATA/postgresql.conf"
    PLUGIN_LIST_NOTE="yes"
fi

"$PGBIN/pg_ctl" -D "$DATA" -l "$SERVER_LOG" -w -t 60 start >/dev/null \
    || { tail -n 30 "$SERVER_LOG" >&2; die "server did not start"; }

wait_ready() {
    for _ in $(seq 1 120); do
        "$PGBIN/pg_isready" -q -h "$SOCK" -p "$PORT" -d postgres && return 0
        [[ -f $DATA/postmaster.pid ]] || return 1
        sleep 0.5
    done
    return 1
}

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres)
sql() { "${PSQL[@]}" -d bench -At "$@"; }
# Run in the background and wait: a TERM/INT then reaches the trap at once
# instead of after a long query.
bg() { "$@" & wait $!; }

"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null

# ---------------------------------------------------------------------------
# Which plugins can run
# ---------------------------------------------------------------------------
INCOMPLETE=0
SKIPPED=0
declare -A HAVE
for lib in wal2events wal2json decoderbufs pgoutput test_decoding; do
    if [[ -f $PKGLIBDIR/$lib.so ]]; then
        HAVE[$lib]=1
    else
        HAVE[$lib]=0
        INCOMPLETE=1 SKIPPED=1
        if [[ $lib == wal2events ]]; then
            log "*** wal2events is NOT installed ($PKGLIBDIR/wal2events.so is missing): its row is skipped."
            log "*** Build and install it (make && sudo make install) and run again for the full comparison."
        else
            log "*** $lib is not installed ($PKGLIBDIR/$lib.so missing): its row is skipped."
        fi
    fi
done

W2E_SO=$PKGLIBDIR/wal2events.so
W2E_STAMP=$(cksum "$W2E_SO" 2>/dev/null || true)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

EMIT_MODE=message
MSG_PREFIX=wal2events
if ((HAVE[wal2events])); then
    avail=$(sql -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'wal2events'")
    if [[ $avail == 1 ]]; then
        sql -c "CREATE EXTENSION wal2events" 2>>"$WORK/extension.log" \
            || log "WARNING: CREATE EXTENSION wal2events failed: $(tail -n 3 "$WORK/extension.log")"
    else
        log "WARNING: wal2events.so is installed but the extension (wal2events.control) is not"
    fi
    has_emit=$(sql -c "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = 'wal2events' AND p.proname = 'emit'")
    if [[ $has_emit != 0 ]]; then
        EMIT_MODE=emit
    else
        # Without emit() the plugin would read 'wal2events'-prefixed messages
        # as its own; send them under another prefix.
        MSG_PREFIX=bench
        log "WARNING: wal2events.emit() not available; using pg_logical_emit_message(true, 'bench', ...)"
    fi
fi

# ---------------------------------------------------------------------------
# Schema and data outside the decoded range, then the slots, then the workload
# ---------------------------------------------------------------------------
log "setup: ${N_UPD} orders_full rows, ${N_TOAST} docs with an 8 KB TOASTed body"
bg sql -v n_full="$N_UPD" -v n_docs="$N_TOAST" -f "$HERE/setup.sql" >/dev/null 2>"$WORK/setup.err" \
    || { cat "$WORK/setup.err" >&2; die "setup failed"; }

# BENCH_ROUTES=1: the same WAL decoded with every table routed and with the
# routes ignored, to show what routing costs.
ROUTED=0
if [[ $BENCH_ROUTES == 1 && $EMIT_MODE == emit ]]; then
    bg sql -f "$HERE/routes.sql" >/dev/null 2>"$WORK/routes.err" \
        || { cat "$WORK/routes.err" >&2; die "routes.sql failed"; }
    ROUTED=1
    log "routes: every table routed (routes.sql); the wal2events row decodes with routes=ignore"
elif [[ $BENCH_ROUTES == 1 ]]; then
    log "WARNING: BENCH_ROUTES=1 needs the wal2events extension; no routed row"
fi

# config | slot | peek options (SQL text[] literal)
CONFIGS=(
    "wal2events|s_wal2events|$( ((ROUTED)) && echo '{routes,ignore}' || echo '{}')"
    "wal2json-v1|s_wal2json|{format-version,1}"
    "wal2json-v2|s_wal2json|{format-version,2}"
    "decoderbufs|s_decoderbufs|{}"
    "pgoutput|s_pgoutput|{proto_version,1,publication_names,all_pub,messages,true}"
    "floor|s_floor|{proto_version,1,publication_names,floor_pub}"
    "test_decoding|s_test_decoding|{}"
)
((ROUTED)) && CONFIGS+=("wal2events-routed|s_wal2events|{}")
declare -A SLOT_PLUGIN=(
    [s_wal2events]=wal2events [s_wal2json]=wal2json [s_decoderbufs]=decoderbufs
    [s_pgoutput]=pgoutput [s_floor]=pgoutput [s_test_decoding]=test_decoding
)
declare -A SLOT_OK
declare -A SKIP_REASON
for slot in s_wal2events s_wal2json s_decoderbufs s_pgoutput s_floor s_test_decoding; do
    plugin=${SLOT_PLUGIN[$slot]}
    SLOT_OK[$slot]=0
    if ((!HAVE[$plugin])); then
        SKIP_REASON[$slot]="$plugin not installed"
        continue
    fi
    if err=$(sql -c "SELECT pg_create_logical_replication_slot('$slot', '$plugin')" 2>&1 >/dev/null); then
        SLOT_OK[$slot]=1
    else
        INCOMPLETE=1 SKIPPED=1
        SKIP_REASON[$slot]="slot creation failed"
        log "*** cannot create slot $slot with plugin $plugin: $err"
    fi
done

START_LSN=$(sql -c "SELECT pg_current_wal_lsn()")
log "workload: $N_SINGLE single-row txns, one $N_BULK-row txn, 2x$N_UPD updates, $N_DEL deletes," \
    "$N_TOAST unchanged-TOAST updates, $N_MSG messages ($EMIT_MODE) -- batches of $BATCH"
t0=$(date +%s)
bg sql -v n_single="$N_SINGLE" -v n_bulk="$N_BULK" -v n_upd="$N_UPD" -v n_del="$N_DEL" \
    -v n_toast="$N_TOAST" -v n_msg="$N_MSG" -v batch="$BATCH" \
    -v emit_mode="$EMIT_MODE" -v msg_prefix="$MSG_PREFIX" \
    -f "$HERE/workload.sql" >/dev/null 2>"$WORK/workload.err" \
    || { cat "$WORK/workload.err" >&2; die "workload failed"; }
END_LSN=$(sql -c "SELECT pg_current_wal_insert_lsn()")
sql -c "CHECKPOINT" # flushes the WAL up to END_LSN (synchronous_commit is off)
WAL_MB=$(sql -c "SELECT round(pg_wal_lsn_diff('$END_LSN', '$START_LSN') / 1e6, 1)")
log "workload done in $(($(date +%s) - t0)) s; decoded range $START_LSN .. $END_LSN ($WAL_MB MB of WAL)"

# ---------------------------------------------------------------------------
# Decode: variants x rounds x configs, one fresh backend per decode
# ---------------------------------------------------------------------------
VARIANTS=("spill|64MB" "nospill|4GB")
declare -A FAILED
ncfg=${#CONFIGS[@]}
for v in "${VARIANTS[@]}"; do
    vname=${v%%|*}
    ldwm=${v#*|}
    for ((round = 1; round <= BENCH_ROUNDS; round++)); do
        # Rotate the starting config each round so no config always runs first.
        for ((k = 0; k < ncfg; k++)); do
            IFS='|' read -r cfg slot opts <<<"${CONFIGS[$(((k + round - 1) % ncfg))]}"
            ((SLOT_OK[$slot])) || continue
            [[ -z ${FAILED[$cfg]:-} ]] || continue
            logpos=$(wc -c <"$SERVER_LOG")
            if bg sql -F $'\t' \
                    -c "SET logical_decoding_work_mem = '$ldwm'" \
                    -c "SET statement_timeout = '${BENCH_TIMEOUT}s'" \
                    -c "SELECT secs, msgs, bytes, hwm_before_kb, hwm_after_kb, spill_bytes
                          FROM bench.peek('$slot', '$END_LSN', '$opts'::text[])" \
                    >"$WORK/decode.out" 2>"$WORK/decode.err"; then
                out=$(<"$WORK/decode.out")
                printf '%s\t%s\t%s\t%s\n' "$vname" "$cfg" "$round" "$out" >>"$RAW"
                IFS=$'\t' read -r secs msgs bytes _ hwm spill <<<"$out"
                log "$vname round $round/$BENCH_ROUNDS $(printf '%-14s %8.3f s %9s msgs %12s bytes %7s kB VmHWM %12s bytes spilled' "$cfg" "$secs" "$msgs" "$bytes" "$hwm" "$spill")"
            else
                FAILED[$cfg]=$(grep -v '^INFO:' "$WORK/decode.err" | head -n 3 | tr '\n' ' ')
                newlog=$(tail -c +$((logpos + 1)) "$SERVER_LOG")
                if grep -q 'terminated by signal' <<<"$newlog"; then
                    FAILED[$cfg]="the server crashed: $(grep -m1 'terminated by signal' <<<"$newlog" | sed 's/^.*LOG: *//')"
                    log "*** server log:"
                    head -n 20 <<<"$newlog" >&2
                fi
                INCOMPLETE=1 SKIPPED=1
                log "*** decode with $cfg failed: ${FAILED[$cfg]}"
                wait_ready || die "the server is not accepting connections any more; log: $(tail -n 5 "$SERVER_LOG")"
            fi
        done
    done
done

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# values of column $3 for variant $1, config $2 (raw: variant cfg round secs msgs bytes hwm0 hwm1 spill)
col() { awk -F'\t' -v v="$1" -v c="$2" -v k="$3" '$1 == v && $2 == c { print $k }' "$RAW"; }

PGVER=$("$PGBIN/postgres" --version | sed 's/^postgres (PostgreSQL) //')
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
W2E_BUILD="wal2events not installed"
[[ -f $W2E_SO ]] && W2E_BUILD="wal2events.so of $(date -r "$W2E_SO" '+%Y-%m-%d %H:%M')"
W2E_CHANGED=0
if [[ -n $W2E_STAMP && $(cksum "$W2E_SO" 2>/dev/null || true) != "$W2E_STAMP" ]]; then
    W2E_CHANGED=1
    INCOMPLETE=1
    log "*** $W2E_SO was replaced during the run: the wal2events rounds may mix two builds; run again."
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

report_variant() {
    local vname=$1 ldwm=$2
    local -A MED SPREAD MSGS BYTES HWM SPILL
    local cfg slot opts
    for c in "${CONFIGS[@]}"; do
        IFS='|' read -r cfg slot opts <<<"$c"
        local n
        n=$(col "$vname" "$cfg" 4 | wc -l)
        ((n > 0)) || continue
        MED[$cfg]=$(col "$vname" "$cfg" 4 | median)
        SPREAD[$cfg]=$(col "$vname" "$cfg" 4 | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }')
        MSGS[$cfg]=$(col "$vname" "$cfg" 5 | sort -u | tr '\n' '/' | sed 's:/$::')
        BYTES[$cfg]=$(col "$vname" "$cfg" 6 | median)
        HWM[$cfg]=$(col "$vname" "$cfg" 8 | median)
        SPILL[$cfg]=$(col "$vname" "$cfg" 9 | median)
        if [[ $(col "$vname" "$cfg" 6 | sort -u | wc -l) -gt 1 ]]; then
            log "WARNING: $cfg produced different byte counts across rounds"
        fi
    done
    local pg=${MED[pgoutput]:-} fl=${MED[floor]:-} w1=${BYTES[wal2json-v1]:-}
    echo
    echo "### logical_decoding_work_mem = $ldwm ($([[ $vname == spill ]] && echo "the $N_BULK-row transaction spills to disk" || echo "nothing spills"))"
    echo
    {
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "config" "median s" "min-max s" "output MB" "messages" \
            "time / pgoutput" "own cost s" "own / pgoutput own" "bytes / wal2json-v1" "peak RSS MB" "spilled MB"
        for c in "${CONFIGS[@]}"; do
            IFS='|' read -r cfg slot opts <<<"$c"
            if [[ -z ${MED[$cfg]:-} ]]; then
                printf '%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' "$cfg"
                continue
            fi
            awk -v cfg="$cfg" -v t="${MED[$cfg]}" -v sp="${SPREAD[$cfg]}" -v b="${BYTES[$cfg]}" -v m="${MSGS[$cfg]}" \
                -v pg="$pg" -v fl="$fl" -v w1="$w1" -v hwm="${HWM[$cfg]}" -v spill="${SPILL[$cfg]}" 'BEGIN {
                    r = (pg != "" && pg > 0) ? sprintf("%.2f", t / pg) : "n/a"
                    own = (fl != "") ? sprintf("%.3f", t - fl) : "n/a"
                    pgown = (pg != "" && fl != "") ? pg - fl : 0
                    ro = (fl != "" && pgown > 0) ? sprintf("%.2f", (t - fl) / pgown) : "n/a"
                    rb = (w1 != "" && w1 > 0) ? sprintf("%.2f", b / w1) : "n/a"
                    printf "%s\t%.3f\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.1f\n", cfg, t, sp, b / 1e6, m, r, own, ro, rb, hwm / 1024, spill / 1e6
                }'
        done
    } | awk -F'\t' '
        { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } if (NF > nf) nf = NF; rows = NR }
        END {
            for (r = 1; r <= rows; r++) {
                line = "|"
                for (i = 1; i <= nf; i++) {
                    s = cell[r, i]
                    if (r == 1 || i == 1) line = line sprintf(" %-" w[i] "s |", s)
                    else line = line sprintf(" %" w[i] "s |", s)
                }
                print line
                if (r == 1) {
                    line = "|"
                    for (i = 1; i <= nf; i++) { d = ""; for (j = 0; j < w[i]; j++) d = d "-"; line = line (i == 1 ? " " d " |" : " " substr(d, 2) ": |") }
                    print line
                }
            }
        }'
    for c in "${CONFIGS[@]}"; do
        IFS='|' read -r cfg slot opts <<<"$c"
        [[ -z ${MED[$cfg]:-} ]] || continue
        echo
        echo "$cfg: **skipped** (${FAILED[$cfg]:-${SKIP_REASON[$slot]:-not run}})"
    done
}

{
    echo "## Decode benchmark"
    echo
    echo "PostgreSQL $PGVER, $CPU ($(nproc) CPUs); wal2json $(pkgver postgresql-15-wal2json)," \
        "decoderbufs $(pkgver postgresql-15-decoderbufs), $W2E_BUILD."
    echo "Workload (BENCH_SCALE=$BENCH_SCALE): $N_SINGLE single-row INSERT transactions; one $N_BULK-row INSERT" \
        "transaction; $N_UPD UPDATEs on a REPLICA IDENTITY DEFAULT table and $N_UPD on a REPLICA IDENTITY FULL" \
        "table; $N_DEL DELETEs; $N_TOAST UPDATEs leaving an 8 KB TOASTed value unchanged (updates and deletes in" \
        "transactions of $BATCH rows); $N_MSG transactional logical messages" \
        "($([[ $EMIT_MODE == emit ]] && echo "wal2events.emit()" || echo "pg_logical_emit_message, prefix '$MSG_PREFIX'")), one per transaction."
    echo "Decoded range: $WAL_MB MB of WAL, peeked with pg_logical_slot_peek_binary_changes up to a fixed LSN," \
        "timed inside the server; median of $BENCH_ROUNDS interleaved round(s); a fresh backend per decode." \
        "Load average at start $LOAD_START, at end $LOAD_END."
    echo "\"floor\" is pgoutput with an empty publication: all the decoding work, no output." \
        "Own cost = time - floor. Peak RSS = VmHWM of the decoding backend (includes the shared memory it touched); spilled = spill_bytes the decode added to pg_stat_replication_slots."
    if ((ROUTED)); then
        echo "BENCH_ROUTES=1: every table routed (bench/decode/routes.sql: entity, types, subject, tags, a soft-delete" \
            "column); \"wal2events-routed\" decodes with the routes, \"wal2events\" the same WAL with routes=ignore."
    fi
    report_variant spill 64MB
    report_variant nospill 4GB
    if ((W2E_CHANGED)); then
        echo
        echo "**wal2events.so was replaced during the run**: its rounds may mix two builds."
    fi
    if ((SKIPPED)); then
        echo
        echo "**Incomplete run**: some configs were skipped or failed (see above)."
    fi
} >"$WORK/report.md"

echo
cat "$WORK/report.md"
if [[ -n $BENCH_OUT ]]; then
    cp "$WORK/report.md" "$BENCH_OUT"
    log "report written to $BENCH_OUT"
fi

if ((INCOMPLETE)); then
    ((HAVE[wal2events])) || log "*** wal2events was not installed: the report has no wal2events row (exit status 3)."
    exit 3
fi
exit 0
