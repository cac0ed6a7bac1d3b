#!/usr/bin/env python3
"""tests/ship/cluster.py: questions to a loopback nats-server cluster's
monitoring endpoints (-m PORT), for tests/ship/cluster.sh.

  cluster.py meta MONS                 exit 0 when a node names a JetStream meta leader
  cluster.py leader MONS STREAM        print the number (1..) of the node leading STREAM
  cluster.py publisher MONS            print the number of the node holding the
                                       "wal2events ship" connection that sent most
  cluster.py copies MONS STREAM N SEQ  exit 0 when every node's copy of STREAM holds
                                       N messages up to sequence SEQ; else print them
  cluster.py state MONS STREAM         print each node's copy: messages, last sequence
  cluster.py stepdown PORT STREAM      ask STREAM's leader to hand over (through the
                                       client port PORT); exit 0 when JetStream agreed

MONS: the monitoring ports, comma-separated, node 1 first; node i is named n<i>.
A node that does not answer counts as holding nothing.
"""
import json
import socket
import sys
import time
import urllib.request


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=3) as r:
            return json.load(r)
    except Exception:
        return None


def stream_detail(port, stream):
    d = get(port, "/jsz?streams=true")
    for acc in (d or {}).get("account_details") or []:
        for s in acc.get("stream_detail") or []:
            if s.get("name") == stream:
                return s
    return None


def stepdown(port, stream):
    """$JS.API.STREAM.LEADER.STEPDOWN.<stream>, on a plain NATS connection."""
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.recv(4096)
    s.sendall(b'CONNECT {"verbose":false}\r\nSUB _SD.r 1\r\nPUB $JS.API.STREAM.LEADER.STEPDOWN.%s _SD.r 0\r\n\r\n'
              % stream.encode())
    data, end = b"", time.time() + 5
    while b'"success":true' not in data and b'"error"' not in data and time.time() < end:
        data += s.recv(65536)
    s.close()
    return 0 if b'"success":true' in data else 1


def main():
    if sys.argv[1] == "stepdown":
        return stepdown(sys.argv[2], sys.argv[3])
    cmd, mons = sys.argv[1], sys.argv[2].split(",")
    if cmd == "meta":
        for m in mons:
            d = get(m, "/jsz")
            if d and (d.get("meta_cluster") or {}).get("leader"):
                return 0
        return 1
    if cmd == "leader":
        for m in mons:
            s = stream_detail(m, sys.argv[3])
            leader = ((s or {}).get("cluster") or {}).get("leader")
            if leader:
                print(leader[1:])
                return 0
        return 1
    if cmd == "publisher":
        best, most = None, -1
        for i, m in enumerate(mons, 1):
            d = get(m, "/connz")
            for c in (d or {}).get("connections") or []:
                if c.get("name") == "wal2events ship" and c.get("in_msgs", 0) > most:
                    best, most = i, c.get("in_msgs", 0)
        if best is None:
            return 1
        print(best)
        return 0
    if cmd in ("copies", "state"):
        got = []
        for i, m in enumerate(mons, 1):
            s = (stream_detail(m, sys.argv[3]) or {}).get("state") or {}
            got.append((i, s.get("messages", 0), s.get("last_seq", 0)))
        if cmd == "state":
            print(" ".join("n%d:%d/%d" % g for g in got))
            return 0
        want = (int(sys.argv[4]), int(sys.argv[5]))
        if all((n, last) == want for _, n, last in got):
            return 0
        print("want %d messages up to %d on every node; nodes hold %s" % (
            want[0], want[1], ", ".join("n%d: %d up to %d" % g for g in got)))
        return 1
    raise SystemExit("unknown question " + cmd)


if __name__ == "__main__":
    sys.exit(main())
