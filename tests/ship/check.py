#!/usr/bin/env python3
"""tests/ship/check.py: checks on what `wal2events ship` put in the hub.

  check.py stream DUMP [--truth TRUTH] [--min N] [--source SOURCE]
      DUMP (js_dump dump, or file JSON lines): every event exactly once
      by id, in commit order (commit LSN, position), each body decodes;
      with SOURCE, only the messages whose W2e-Source header is SOURCE
      (one shipper's, in a stream several write);
      with TRUTH (wal2events.decode() of a second slot over the same WAL):
      exactly the truth's event ids, each with the same type, partition
      key and body members; with --late-ok, an event stored after later
      ones is no failure: their number is printed ("late: N").
  check.py rows DUMP TABLE ROWS
      replaying TABLE's events by its key column "id" gives ROWS (JSON
      objects, one per line, as the table holds them now).
  check.py confirmed DUMP ROUNDS [--source SOURCE]
      ROUNDS: lines "<confirmed_flush_lsn> <stream last seq>" taken right
      after each kill: no confirmed position ever covered an event that was
      not stored (every event with commit LSN <= confirmed has seq <= last).
  check.py transactions DUMP SLOT [--source SOURCE] [--min-chunks N]
      the transaction messages (ship --unit transaction): Nats-Msg-Id
      "<system id>/<commit LSN, 16 hex>/<chunk>/<SLOT>", W2e-Position the
      chunk, never empty, each once, chunks of a transaction consecutive
      from 0 up to the last, transactions in commit order; with
      --min-chunks, at least N messages of a chunk index above 0.
  check.py ids DUMP
      print the event ids, one per line.
Prints nothing and exits 0 on success; the first problems and exit 1 if not.
"""
import json
import sys


def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def option(args, name):
    return args[args.index(name) + 1] if name in args else None


def events(path, source=None):
    """(seq, envelope) of every event in a dump (of one source), in stream order."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            d = json.loads(line)
            if d.get("chunk"):
                continue
            if source is not None and d.get("headers", {}).get("W2e-Source") != source:
                continue
            if "transaction" in d:
                # ship --unit transaction: its events, with the transaction's commit LSN
                # (the members the truth's events have, and commit_lsn for the order)
                t = d["transaction"]
                for e in t["events"]:
                    out.append((d.get("seq", n), dict(e, commit_lsn=t["commit_lsn"])))
                continue
            if "envelope" not in d:
                raise SystemExit("line %d (%s): no envelope: %s" % (n, d.get("id"), d.get("error")))
            out.append((d.get("seq", n), d["envelope"]))
    return out


def check_transactions(args):
    """Each transaction message: its Nats-Msg-Id, its place, its chunks in order."""
    dump, slot = args[0], args[1]
    problems = []
    seen = set()
    last = None
    with open(dump) as f:
        for n, line in enumerate(f, 1):
            d = json.loads(line)
            if d.get("chunk") or "transaction" not in d:
                continue
            if "--source" in args and d["headers"].get("W2e-Source") != option(args, "--source"):
                continue
            t = d["transaction"]
            c = lsn(t["commit_lsn"])
            chunk = t.get("chunk", 0)
            want = "%s/%016X/%d/%s" % (t["system_identifier"], c, chunk, slot)
            if d["id"] != want:
                problems.append("seq %s: Nats-Msg-Id %s, expected %s" % (d["seq"], d["id"], want))
            if d["headers"].get("W2e-Position") != str(chunk):
                problems.append("seq %s: W2e-Position %s, chunk %s" % (d["seq"], d["headers"].get("W2e-Position"), chunk))
            if not t["events"]:
                problems.append("seq %s: a transaction message without events" % d["seq"])
            if d["id"] in seen:
                problems.append("duplicate transaction message %s" % d["id"])
            seen.add(d["id"])
            if last is not None:
                lc, lchunk, llast = last
                if c == lc and chunk != lchunk + 1:
                    problems.append("seq %s: chunk %d after chunk %d" % (d["seq"], chunk, lchunk))
                if c != lc and (c < lc or not llast or chunk != 0):
                    problems.append("seq %s: transaction %s starts before the last ended (or out of order)" % (d["seq"], d["id"]))
            last = (c, chunk, t.get("last_chunk", False))
    if not seen:
        problems.append("no transaction message")
    if "--min-chunks" in args and len(seen) > 0:
        chunked = sum(1 for i in seen if not i.split("/")[2] == "0")
        if chunked < int(option(args, "--min-chunks")):
            problems.append("only %d messages with a chunk index > 0" % chunked)
    fail(problems)


def fail(problems):
    if problems:
        print("\n".join(problems[:10]))
        if len(problems) > 10:
            print("... and %d more" % (len(problems) - 10))
        sys.exit(1)


def check_stream(args):
    dump = args[0]
    truth = args[args.index("--truth") + 1] if "--truth" in args else None
    minimum = int(args[args.index("--min") + 1]) if "--min" in args else 0
    problems = []
    seen = {}
    last = None
    late = 0
    for seq, env in events(dump, option(args, "--source")):
        key = (lsn(env["commit_lsn"]), env["position"])
        if env["id"] in seen:
            problems.append("duplicate event %s (seq %s and %s)" % (env["id"], seen[env["id"]][0], seq))
        seen[env["id"]] = (seq, env)
        if last is not None and key <= last:
            late += 1
            if "--late-ok" not in args:
                problems.append("event %s (seq %s) is out of commit order" % (env["id"], seq))
        last = max(key, last) if last is not None else key
    if len(seen) < minimum:
        problems.append("only %d events, expected at least %d" % (len(seen), minimum))
    if truth:
        expected = {}
        with open(truth) as f:
            for line in f:
                for e in json.loads(line)["events"]:
                    expected[e["id"]] = e
        missing = sorted(set(expected) - set(seen))
        extra = sorted(set(seen) - set(expected))
        for i in missing[:5]:
            problems.append("missing event %s" % i)
        for i in extra[:5]:
            problems.append("unexpected event %s" % i)
        if missing or extra:
            problems.append("%d missing, %d unexpected of %d" % (len(missing), len(extra), len(expected)))
        for i, e in expected.items():
            if i not in seen:
                continue
            env = seen[i][1]
            for k, v in e.items():
                if env.get(k) != v:
                    problems.append("event %s: %s is %r in the hub, %r in the WAL" % (i, k, env.get(k), v))
                    break
    if "--late-ok" in args:
        print("late: %d" % late)
    fail(problems)


def check_rows(args):
    dump, table, rows = args
    state = {}
    for _, env in events(dump):
        if env.get("table") != table:
            continue
        op = env["operation"]
        if op == "truncate":
            state.clear()
            continue
        if "old" in env:
            state.pop(str(env["old"]["id"]), None)
        if op != "delete":
            state[str(env["new"]["id"])] = env["new"]
    want = {}
    with open(rows) as f:
        for line in f:
            r = json.loads(line)
            want[str(r["id"])] = r
    problems = []
    for k in sorted(set(want) | set(state)):
        if state.get(k) != want.get(k):
            problems.append("%s key %s: events give %r, the table has %r" % (table, k, state.get(k), want.get(k)))
    fail(problems)


def check_confirmed(args):
    dump, rounds = args[:2]
    evs = events(dump, option(args, "--source"))
    problems = []
    with open(rounds) as f:
        for n, line in enumerate(f, 1):
            fields = line.split()
            if len(fields) != 2:
                problems.append("kill %d: unreadable round %r (want: confirmed LSN, last sequence)" % (n, line))
                continue
            confirmed, last_seq = fields
            c = lsn(confirmed)
            late = [(seq, env["id"]) for seq, env in evs if lsn(env["commit_lsn"]) <= c and seq > int(last_seq)]
            if late:
                problems.append("kill %d: confirmed %s but event %s was stored only later (seq %s > %s)"
                                % (n, confirmed, late[0][1], late[0][0], last_seq))
    fail(problems)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "stream":
        check_stream(args)
    elif cmd == "rows":
        check_rows(args)
    elif cmd == "confirmed":
        check_confirmed(args)
    elif cmd == "transactions":
        check_transactions(args)
    elif cmd == "ids":
        for _, env in events(args[0]):
            print(env["id"])
    else:
        raise SystemExit("unknown check " + cmd)


if __name__ == "__main__":
    main()
