#!/usr/bin/env python3
"""tests/ship/lake_hours.py PORT SUBJECT N: N JSON events (as `ship --payload
json` publishes them) whose commit times cross hours and a day, and go back
in time: 15:59:59, 16:00, 16:30, 15:10, 23:59:59, 00:00 the next day, in
sixths of N, published on a plain NATS connection and acknowledged."""
import json, socket, sys, time
port, subject, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\nSUB _r 1\r\n')
hours = ["2026-11-30T15:59:59.%06dZ", "2026-11-30T16:00:00.%06dZ", "2026-11-30T16:30:00.%06dZ",
         "2026-11-30T15:10:00.%06dZ", "2026-11-30T23:59:59.%06dZ", "2026-12-01T00:00:00.%06dZ"]
for i in range(1, n + 1):
    t = hours[(i * len(hours)) // (n + 1)] % (i % 1000000)
    e = {"id": "42/%016X/0" % i, "type": "h-created", "partition_key": str(i), "commit_lsn": "0/%X" % (0x1000 + i),
         "commit_time": t, "database": "d", "system_identifier": "42", "xid": i, "position": 0,
         "lsn": "0/%X" % (0x1000 + i), "operation": "insert", "schema": "public", "table": "h", "new": {"id": i}}
    body = json.dumps(e, separators=(",", ":")).encode()
    hdr = b"NATS/1.0\r\nContent-Type: application/json\r\nNats-Msg-Id: 42/%d\r\n\r\n" % i
    s.sendall(b"HPUB %s _r %d %d\r\n%s%s\r\n" % (subject.encode(), len(hdr), len(hdr) + len(body), hdr, body))
s.sendall(b"PING\r\n")
acks = 0
while acks < n:
    line = f.readline()
    if line.startswith(b"MSG"):
        data = f.read(int(line.split()[-1]) + 2)
        if b'"error"' in data:
            sys.exit("refused: %s" % data)
        acks += 1
