#!/usr/bin/env python3
"""tests/ship/lake_check.py: what an event lake (wal2events lake --to DIR)
holds, checked file by file against its indexes and against the stream.

  lake_check.py lines DIR STREAM            the lake's lines, files in name order
  lake_check.py check DIR STREAM --consume FILE [--min N] [--first-seq N] [--last-seq N]
      every check below; exit 1 with one line per problem

Checks: the lake's lines, files in sequence order, are exactly FILE (what
`wal2events consume` printed for the stream: every event once, in order);
file ranges are contiguous from --first-seq (default 1) and do not
overlap; each file's index matches its name (first/last sequence), its
bytes (size, SHA-256), its lines (events, types, commit LSN and time
ranges); every line's commit time is in its file's partition (date, hour),
so no file spans two hours; nothing else is in the tree (no temporary
file, no data file without its index, no index without its data file).
Decompresses with the zstd command (zstd -dc checks the frame checksum).
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys

DATA = re.compile(r"^(\d{20})-(\d{20})\.ndjson\.zst$")
INDEX = re.compile(r"^(\d{20})-(\d{20})\.index\.json$")
DATE = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
HOUR = re.compile(r"^hour=(\d{2})$")


def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def us(text):
    """RFC 3339 UTC (Z, 0 to 6 decimals) as microseconds since the epoch."""
    day, frac = (text[:-1] + ".").split(".")[:2]
    at = datetime.datetime.strptime(day, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(at.timestamp()) * 1000000 + int((frac + "000000")[:6])


def walk(root, stream, problems):
    """[(first, last, dir, date, hour)] of the data files, in sequence order."""
    files = []
    base = os.path.join(root, "stream=" + stream)
    if not os.path.isdir(base):
        problems.append("no directory %s" % base)
        return files
    for top in os.listdir(root):
        if top == ".wal2events-lake-%s.lock" % stream:
            continue  # the writer's lock (lake_store_dir.c), empty
        if top != "stream=" + stream:
            problems.append("unexpected entry %s in the lake" % top)
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        parts = [] if rel == "." else rel.split(os.sep)
        if len(parts) < 2 and filenames:
            problems.append("files outside an hour partition: %s %s" % (dirpath, filenames))
            continue
        if len(parts) == 1 and not DATE.match(parts[0]):
            problems.append("bad partition %s" % dirpath)
        if len(parts) == 2 and not HOUR.match(parts[1]):
            problems.append("bad partition %s" % dirpath)
        if len(parts) > 2:
            problems.append("directory too deep: %s" % dirpath)
        if len(parts) != 2:
            continue
        names = set(filenames)
        for name in sorted(names):
            m = DATA.match(name)
            if m:
                if name.replace(".ndjson.zst", ".index.json") not in names:
                    problems.append("data file without its index: %s/%s" % (rel, name))
                files.append((int(m.group(1)), int(m.group(2)), dirpath,
                              DATE.match(parts[0]).group(1) if DATE.match(parts[0]) else None,
                              int(parts[1][5:]) if HOUR.match(parts[1]) else None))
            elif INDEX.match(name):
                if name.replace(".index.json", ".ndjson.zst") not in names:
                    problems.append("index without its data file: %s/%s" % (rel, name))
            else:
                problems.append("unexpected file (temporary or orphan): %s/%s" % (rel, name))
    files.sort()
    return files


def name_of(first, last):
    return "%020d-%020d" % (first, last)


def read_data(path):
    out = subprocess.run(["zstd", "-q", "-dc", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        raise ValueError("zstd -dc %s: %s" % (path, out.stderr.decode().strip()))
    return out.stdout


def check_file(first, last, dirpath, date, hour, stream, problems):
    """The file's lines (bytes), after checking it against its index."""
    base = os.path.join(dirpath, name_of(first, last))
    label = os.path.relpath(base + ".ndjson.zst", os.path.dirname(os.path.dirname(dirpath)))
    raw = open(base + ".ndjson.zst", "rb").read()
    try:
        data = read_data(base + ".ndjson.zst")
    except ValueError as e:
        problems.append(str(e))
        return b""
    try:
        index = json.load(open(base + ".index.json"))
    except (OSError, ValueError) as e:
        problems.append("%s: unreadable index: %s" % (label, e))
        return data
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    else:
        problems.append("%s: does not end with a newline" % label)
    events = [json.loads(l) for l in lines]
    types = {}
    for e in events:
        types[e["type"]] = types.get(e["type"], 0) + 1
    want = {
        "version": 1, "stream": stream, "format": "ndjson",
        "first_seq": first, "last_seq": last, "events": len(events),
        "bytes": len(raw), "uncompressed_bytes": len(data),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    for k, v in want.items():
        if index.get(k) != v:
            problems.append("%s: index %s is %r, the file says %r" % (label, k, index.get(k), v))
    if not 1 <= index.get("messages", 0) <= last - first + 1:
        problems.append("%s: index messages %r outside 1..%d" % (label, index.get("messages"), last - first + 1))
    if index.get("types_complete") and index.get("types") != types:
        problems.append("%s: index types %r, the file has %r" % (label, index.get("types"), types))
    if events:
        lsns = [lsn(e["commit_lsn"]) for e in events]
        if lsn(index["commit_lsn_min"]) != min(lsns) or lsn(index["commit_lsn_max"]) != max(lsns):
            problems.append("%s: index commit LSN range %s..%s, the file has other bounds"
                            % (label, index["commit_lsn_min"], index["commit_lsn_max"]))
        times = [e["commit_time"] for e in events if e.get("commit_time")]
        if times and (us(index.get("commit_time_min")) != min(map(us, times)) or
                      us(index.get("commit_time_max")) != max(map(us, times)) or
                      index.get("commit_time_min_us") != min(map(us, times)) or
                      index.get("commit_time_max_us") != max(map(us, times))):
            problems.append("%s: index commit time range %s..%s, the file has %s..%s"
                            % (label, index.get("commit_time_min"), index.get("commit_time_max"), min(times), max(times)))
        for t in times:
            at = datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")
            if at.strftime("%Y-%m-%d") != date or at.hour != hour:
                problems.append("%s: an event committed at %s in partition date=%s/hour=%02d" % (label, t, date, hour))
                break
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["lines", "check"])
    ap.add_argument("dir")
    ap.add_argument("stream")
    ap.add_argument("--consume")
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--first-seq", type=int, default=1)
    ap.add_argument("--last-seq", type=int)
    a = ap.parse_args()
    problems = []
    files = walk(a.dir, a.stream, problems)
    if a.cmd == "lines":
        for f in files:
            sys.stdout.buffer.write(read_data(os.path.join(f[2], name_of(f[0], f[1]) + ".ndjson.zst")))
        return 0
    expect = a.first_seq
    lake = []
    for first, last, dirpath, date, hour in files:
        if first > last:
            problems.append("file %s: first after last" % name_of(first, last))
        if first != expect:
            problems.append("file %s: %s (the previous file ended at %d)"
                            % (name_of(first, last), "overlap" if first < expect else "gap", expect - 1))
        expect = last + 1
        lake.append(check_file(first, last, dirpath, date, hour, a.stream, problems))
    if a.last_seq is not None and expect - 1 != a.last_seq:
        problems.append("the lake ends at sequence %d, the stream at %d" % (expect - 1, a.last_seq))
    lake = b"".join(lake)
    want = open(a.consume, "rb").read()
    lake_lines, want_lines = lake.split(b"\n"), want.split(b"\n")
    if len(want_lines) - 1 < a.min:
        problems.append("consume printed %d events, fewer than %d" % (len(want_lines) - 1, a.min))
    if lake != want:
        i = next((i for i, (x, y) in enumerate(zip(lake_lines, want_lines)) if x != y),
                 min(len(lake_lines), len(want_lines)))
        ids = [json.loads(l)["id"] for l in lake_lines if l]
        problems.append("the lake's %d lines differ from consume's %d from line %d (lake: %s; consume: %s); "
                        "%d distinct ids in the lake" % (len(lake_lines) - 1, len(want_lines) - 1, i + 1,
                                                         lake_lines[i][:120] if i < len(lake_lines) else "end",
                                                         want_lines[i][:120] if i < len(want_lines) else "end",
                                                         len(set(ids))))
    for p in problems[:20]:
        print(p)
    if problems:
        return 1
    print("%d files, %d events, sequences %d..%d" % (len(files), len(want_lines) - 1, a.first_seq, expect - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
