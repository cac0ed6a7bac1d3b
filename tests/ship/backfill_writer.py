#!/usr/bin/env python3
"""tests/ship/backfill_writer.py: SQL of a concurrent writer, for psql's stdin.

  backfill_writer.py TABLE N STOPFILE [SEED] [PAUSE]

The table starts with the keys 4, 8, ..., 4N (id bigint PRIMARY KEY, k int,
v text, pad text). Until STOPFILE exists, prints transactions of one to
four statements, each followed by a pause of PAUSE seconds (default 0.005):

  - updates of random keys, and deletes (of original keys and of keys
    inserted or moved since: a key deleted, then inserted again);
  - inserts above the key range (4(N+j), j counting up) and inside it
    (4i+1, an upsert: an update when the key is there already);
  - key changes: 4i -> 4i+2 (to the next key), 4i -> 4(N+1-i)+3 (to the
    mirror position, across the range: a row the backfill passed moves
    ahead of it and one ahead of it moves behind), 4i+3 -> -(4i+3) (below
    the range);
  - half of the statements aim just ahead of the backfill's last committed
    key (wal2events.backfills.last_key): the chunk being read, whose window
    is probably open, so that changes land between its marks.

Targets are chosen so that no statement can fail on a unique key; one
that does (or finds no row) only costs its transaction. Uses no database
connection of its own: psql runs what it prints.
"""
import os
import random
import sys
import time


def main():
    table, n, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.005
    # the key 4i just ahead of the backfill's cursor (NULL before it starts: no row)
    cursor = ("(SELECT ((last_key[1]::bigint / 4) + 1 + floor(random() * 250)::int) * 4 "
              "FROM wal2events.backfills WHERE rel = '%s'::regclass ORDER BY id DESC LIMIT 1)" % table)
    above = 0
    seq = 0

    def base():
        return "%s" % (4 * rnd.randint(1, n)) if rnd.random() < 0.5 else cursor

    def any_key():
        # an original key, or one an insert inside the range or a key change made
        return "%s + %d" % (base(), rnd.choice([0, 0, 1, 2]))

    while not os.path.exists(stop):
        seq += 1
        stmts = []
        for _ in range(rnd.randint(1, 4)):
            r = rnd.random()
            v = "'w%d'" % seq
            if r < 0.35:
                stmts.append("UPDATE %s SET k = k + 1, v = %s WHERE id = %s" % (table, v, any_key()))
            elif r < 0.50:
                stmts.append("DELETE FROM %s WHERE id = %s" % (table, any_key()))
            elif r < 0.60:
                above += 1
                stmts.append("INSERT INTO %s VALUES (%d, 0, %s, 'above')" % (table, 4 * (n + above), v))
            elif r < 0.72:
                stmts.append("INSERT INTO %s SELECT x + 1, 0, %s, 'inside' FROM (SELECT %s AS x) s WHERE x IS NOT NULL "
                             "ON CONFLICT (id) DO UPDATE SET k = %s.k + 1, v = EXCLUDED.v"
                             % (table, v, base(), table))
            elif r < 0.84:
                stmts.append("UPDATE %s SET id = id + 2, v = %s WHERE id = %s" % (table, v, base()))
            elif r < 0.95:
                stmts.append("UPDATE %s SET id = 4 * (%d + 1 - id / 4) + 3, v = %s WHERE id = %s"
                             % (table, n, v, base()))
            else:
                stmts.append("UPDATE %s SET id = -id, v = %s WHERE id = 4 * %d + 3"
                             % (table, v, rnd.randint(1, n)))
        sys.stdout.write("BEGIN;\n%s;\nCOMMIT;\n" % ";\n".join(stmts))
        if pause > 0:
            sys.stdout.write("SELECT pg_sleep(%s);\n" % pause)
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        pass
