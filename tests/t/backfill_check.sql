-- The consistency checker of backfills (issue 9), loaded by 007_backfill.pl.
-- The isolation specs tests/specs/backfill_*.spec carry a copy of it in
-- their setup (a spec cannot include a file): change them together.
--
-- A consumer that applies the events of a table in stream order (read,
-- insert, update = upsert by key; delete = remove; a key-changing update
-- removes the old key and upserts the new; truncate = remove all) must end
-- with exactly the table's content. Each event sets or removes whole rows,
-- so the state of a key after any prefix of the stream is the last "touch"
-- of that key in it; the checker works on touches, set-wise, instead of
-- replaying.
--
--   bf_capture(slot)            consumes the slot's pending messages into
--                               bf_stream: one row per row change, and one
--                               backfill_window_lsn object per message of
--                               the plugin for a low mark (no events);
--                               returns how many rows it kept
--   bf_problems(slot, rel [, keys])   what is wrong, one row per problem
--                               (no rows: consistent); keys default to the
--                               primary key's columns
--
-- The problems:
--   * a read event whose row is not the row the stream itself had for that
--     key just before it (when the stream had touched the key before: rows
--     that existed before the slot have nothing to compare with). This is
--     stronger than "not older": the chunk's snapshot sees exactly the
--     transactions committed before its low mark, and the plugin drops the
--     keys changed by the ones committed after it, so what a read carries is
--     what the stream says at that point, never an older value, never a
--     deleted row;
--   * a key read more than once (chunks read disjoint, rising key ranges;
--     a table is backfilled once per slot in these tests);
--   * the applied stream and the table differ: a row missing, extra or with
--     other values.
-- Values are compared as JSON (the event's "new" against to_jsonb() of the
-- table's row), so the tables checked use int and text columns, which both
-- render alike, and no TOASTed values (an update would leave them out).

-- unlogged: the captured events must not enter the WAL, and so the stream
CREATE UNLOGGED TABLE bf_stream (
    slot name NOT NULL,
    m bigint NOT NULL,          -- the message's place in the slot's output
    i bigint NOT NULL,          -- the event's place in its message
    ev jsonb NOT NULL,
    PRIMARY KEY (slot, m, i)
);

CREATE FUNCTION bf_capture(slot name) RETURNS bigint
LANGUAGE sql AS $$
    WITH start AS (
        SELECT coalesce(max(m), 0) AS m0 FROM bf_stream WHERE bf_stream.slot = bf_capture.slot
    ), ins AS (
        INSERT INTO bf_stream
        SELECT slot, start.m0 + c.m, coalesce(e.i, 0),
               coalesce(e.ev, jsonb_build_object('backfill_window_lsn', d.msg->'backfill_window_lsn'))
          FROM start,
               pg_logical_slot_get_binary_changes(slot, NULL, NULL) WITH ORDINALITY AS c(lsn, xid, data, m)
               CROSS JOIN LATERAL (SELECT wal2events.decode(c.data) AS msg) d
               LEFT JOIN LATERAL jsonb_array_elements(d.msg->'events') WITH ORDINALITY AS e(ev, i) ON true
         WHERE e.ev ? 'operation'
            OR (e.ev IS NULL AND d.msg ? 'backfill_window_lsn')
        RETURNING 1
    )
    SELECT count(*) FROM ins
$$;

-- The key of a row (as JSON) from its values.
CREATE FUNCTION bf_key(rec jsonb, keys text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_object_agg(k, rec->k) FROM unnest(keys) AS k WHERE rec IS NOT NULL
$$;

CREATE FUNCTION bf_problems(slot name, rel regclass, keys text[] DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    nsp text;
    tab text;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, tab
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel;
    IF keys IS NULL THEN
        SELECT array_agg(a.attname::text ORDER BY k.ord) INTO keys
          FROM pg_index x,
               unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord),
               pg_attribute a
         WHERE x.indrelid = rel AND x.indisprimary
           AND a.attrelid = rel AND a.attnum = k.attnum;
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH ev AS (
            SELECT m, i, ev->>'operation' AS op, ev
              FROM bf_stream
             WHERE slot = $1 AND ev->>'schema' = $2 AND ev->>'table' = $3
        ), tbl AS (
            SELECT bf_key(to_jsonb(x), $4) AS key, to_jsonb(x) AS rec FROM %s AS x
        ), row_touch AS (
            -- a delete, or the old key of a key-changing update, removes
            SELECT m, i, 1 AS sub, op, bf_key(ev->'old', $4) AS key, NULL::jsonb AS rec
              FROM ev
             WHERE op = 'delete'
                OR (op = 'update' AND ev ? 'old'
                    AND bf_key(ev->'old', $4) IS DISTINCT FROM bf_key(ev->'new', $4))
            UNION ALL
            SELECT m, i, 2, op, bf_key(ev->'new', $4), ev->'new'
              FROM ev WHERE op IN ('insert', 'update', 'read')
        ), touch AS (
            SELECT * FROM row_touch
            UNION ALL
            -- a truncate removes every key (every key the stream or the table has)
            SELECT e.m, e.i, 1, e.op, k.key, NULL::jsonb
              FROM ev e, (SELECT key FROM row_touch UNION SELECT key FROM tbl) k
             WHERE e.op = 'truncate'
        ), seq AS (
            SELECT *, lag(rec) OVER w AS prev, row_number() OVER w AS nth,
                   count(*) FILTER (WHERE op = 'read') OVER (PARTITION BY key) AS reads,
                   row_number() OVER (PARTITION BY key ORDER BY m DESC, i DESC, sub DESC) AS back
              FROM touch
            WINDOW w AS (PARTITION BY key ORDER BY m, i, sub)
        )
        SELECT format('read of %%s (message %%s) is not what the stream had before it: read %%s, stream %%s',
                      key, m, rec, coalesce(prev::text, 'no row'))
          FROM seq WHERE op = 'read' AND nth > 1 AND prev IS DISTINCT FROM rec
        UNION ALL
        SELECT DISTINCT format('%%s read %%s times', key, reads) FROM seq WHERE reads > 1
        UNION ALL
        SELECT format('%%s: the stream ends with %%s, the table has %%s', coalesce(s.key, t.key),
                      coalesce(s.rec::text, 'no row'), coalesce(t.rec::text, 'no row'))
          FROM (SELECT key, rec FROM seq WHERE back = 1) s FULL JOIN tbl t ON s.key = t.key
         WHERE s.rec IS DISTINCT FROM t.rec
    $q$, rel) USING slot, nsp, tab, keys;
END
$$;

-- How many events of each operation the slot's captured stream has for rel.
CREATE FUNCTION bf_counts(slot name, rel regclass) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(op, n), jsonb_build_object()) FROM (
        SELECT s.ev->>'operation' AS op, count(*) AS n
          FROM bf_stream s, pg_class c, pg_namespace ns
         WHERE s.slot = bf_counts.slot AND c.oid = rel AND ns.oid = c.relnamespace
           AND s.ev->>'schema' = ns.nspname AND s.ev->>'table' = c.relname
         GROUP BY 1) x
$$;
