#!/usr/bin/env python3
"""tests/ship/apply_stream.py: a consumer that applies a stream in order.

  apply_stream.py DUMP TABLE ROWS [--key COL[,COL...]] [--stats]

DUMP: js_dump dump (or envelope JSON lines, as check.py reads them).
TABLE: the table's name as events carry it ("table"). ROWS: the table's
rows now, one JSON object per line (SELECT row_to_json(t) FROM t).

Applies TABLE's events in stream order, as the README says a consumer may:
read, insert, update = upsert by key; delete = remove the key; an update
that changes the key moves the row (the old key from "old"); truncate
empties. Then checks what a backfill promises (issue 9):
  - the result equals ROWS, key by key and column by column;
  - no key is read twice (one backfill per table in the stream);
  - a read event is never older than what the stream already said of its
    key: when a change of the key precedes the read in the stream, the
    read row equals the row after that change, and a key the stream
    deleted (or moved away) is never read back to life.
  - every read event has the row and no old values.
--stats prints one line of counts (reads, inserts, updates, key changes,
deletes) after a success. Exit status 0, or the first problems and 1.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import events, fail, option  # noqa: E402


def key_of(row, cols):
    # repr: 1 and "1" stay different keys, and it is cheaper than json.dumps
    return tuple(repr(row.get(c)) for c in cols)


def main():
    dump, table, rows = sys.argv[1:4]
    args = sys.argv[4:]
    cols = (option(args, "--key") or "id").split(",")
    state = {}
    said = set()        # keys the stream has said something about (a change, not a read)
    read = {}           # key -> seq of its read event
    counts = dict(read=0, insert=0, update=0, key_change=0, delete=0, truncate=0)
    problems = []
    for seq, env in events(dump):
        if env.get("table") != table:
            continue
        op = env["operation"]
        if op == "truncate":
            counts["truncate"] += 1
            state.clear()
            continue
        if op == "read":
            counts["read"] += 1
            if "old" in env or "new" not in env:
                problems.append("seq %s: read event %s with old values or without a row" % (seq, env["id"]))
                continue
            k = key_of(env["new"], cols)
            if k in read:
                problems.append("key %s read twice (seq %s and %s)" % (k, read[k], seq))
            read[k] = seq
            if k in said and state.get(k) != env["new"]:
                problems.append("seq %s: stale read of key %s: %r, but the stream already gave %r"
                                % (seq, k, env["new"], state.get(k)))
            state[k] = env["new"]
            continue
        if op not in ("insert", "update", "delete"):
            problems.append("seq %s: unknown operation %r" % (seq, op))
            continue
        counts[op] += 1
        if "old" in env:
            old = key_of(env["old"], cols)
            said.add(old)
            if op == "delete":
                state.pop(old, None)
            elif "new" in env and old != key_of(env["new"], cols):
                counts["key_change"] += 1
                state.pop(old, None)
        if op != "delete":
            k = key_of(env["new"], cols)
            said.add(k)
            state[k] = env["new"]
    want = {}
    with open(rows) as f:
        for line in f:
            r = json.loads(line)
            want[key_of(r, cols)] = r
    diff = sorted(set(want) | set(state), key=str)
    wrong = [k for k in diff if state.get(k) != want.get(k)]
    for k in wrong[:10]:
        problems.append("%s key %s: the events give %r, the table has %r" % (table, k, state.get(k), want.get(k)))
    if wrong:
        problems.append("%d of %d keys differ (%d in the table, %d from the events)"
                        % (len(wrong), len(diff), len(want), len(state)))
    fail(problems)
    if "--stats" in args:
        print("%d rows; events: %d read, %d insert, %d update (%d key changes), %d delete"
              % (len(want), counts["read"], counts["insert"], counts["update"], counts["key_change"],
                 counts["delete"]))


if __name__ == "__main__":
    main()
