--
-- toast_key: an UPDATE that leaves a key TOASTed out of line unchanged.
--
-- PostgreSQL does not log such a value in the new row (only a pointer into
-- the TOAST table), but it logs the replica identity, inlined, as the old
-- row. The partition key comes from there: decoding never reads the TOAST
-- table. To prove it, every row is deleted and its TOAST rows vacuumed
-- away before anything is decoded: a read would fail with "missing chunk
-- number 0" (and through the replication protocol, where there is no
-- snapshot to read with, it fails at once: tests/t/006_toast_key.pl).
--
-- Where the WAL has no value for a key column (REPLICA IDENTITY NOTHING),
-- the partition key is empty, as for such a table's DELETE.
--
SELECT 'init' FROM pg_create_logical_replication_slot('toast_key_slot', 'wal2events');

-- md5 hex digits hardly compress: 2,500 of them are stored out of line.
CREATE FUNCTION incompressible(n int, seed text DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT left(string_agg(md5(seed || i::text), '' ORDER BY i), n) FROM generate_series(1, n / 32 + 1) i
$$;
-- Long values shown by length and the start of their md5.
CREATE FUNCTION abbrev(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(s) > 20 THEN format('%s chars, md5 %s', length(s), left(md5(s), 8)) ELSE s END
$$;
-- Rows of the table's TOAST relation (0 once vacuumed).
CREATE FUNCTION toast_rows(rel regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', (SELECT reltoastrelid::regclass FROM pg_class WHERE oid = rel)) INTO n;
    RETURN n;
END
$$;

-- STORAGE EXTERNAL: out of line, uncompressed, however well it compresses.
CREATE TABLE tk_external (k text PRIMARY KEY, v int);
ALTER TABLE tk_external ALTER COLUMN k SET STORAGE EXTERNAL;
-- default storage: 2,400+ bytes that do not compress go out of line too
CREATE TABLE tk_plain (k text PRIMARY KEY, v int);
-- a key of two columns, one of them TOASTed
CREATE TABLE tk_multi (a int, b text, v int, PRIMARY KEY (a, b));
ALTER TABLE tk_multi ALTER COLUMN b SET STORAGE EXTERNAL;
-- REPLICA IDENTITY FULL: the whole old row, inlined
CREATE TABLE tk_full (k text PRIMARY KEY, v int, note text);
ALTER TABLE tk_full REPLICA IDENTITY FULL;
-- REPLICA IDENTITY USING INDEX, on a unique key that is not the primary key
CREATE TABLE tk_index (id int PRIMARY KEY, k text NOT NULL, v int);
CREATE UNIQUE INDEX tk_index_k ON tk_index (k);
ALTER TABLE tk_index REPLICA IDENTITY USING INDEX tk_index_k;
-- a route with a soft-delete column (REPLICA IDENTITY FULL) and its own key
CREATE TABLE tk_soft (id int PRIMARY KEY, k text NOT NULL, deleted boolean NOT NULL DEFAULT false,
                      doc text);
ALTER TABLE tk_soft REPLICA IDENTITY FULL;
SELECT rel, partition_key, soft_delete FROM wal2events.route('tk_soft', partition_key => '{k}', soft_delete => 'deleted');
-- an outbox route with TOASTed columns
CREATE TABLE tk_outbox (id uuid PRIMARY KEY, aggregatetype text NOT NULL, aggregateid text NOT NULL,
                        type text NOT NULL, payload jsonb, tenant text);
ALTER TABLE tk_outbox ALTER COLUMN aggregateid SET STORAGE EXTERNAL;
SELECT rel, outbox FROM wal2events.route('tk_outbox', outbox => true);
-- REPLICA IDENTITY NOTHING: the WAL has no old row, so no key
CREATE TABLE tk_nothing (k text PRIMARY KEY, v int);
ALTER TABLE tk_nothing ALTER COLUMN k SET STORAGE EXTERNAL;
ALTER TABLE tk_nothing REPLICA IDENTITY NOTHING;

INSERT INTO tk_external VALUES (repeat('x', 2500), 1);
INSERT INTO tk_plain VALUES (incompressible(2400), 1);
INSERT INTO tk_multi VALUES (7, repeat('b', 2500), 1);
INSERT INTO tk_full VALUES (incompressible(2500, 'f'), 1, incompressible(5000, 'n'));
INSERT INTO tk_index VALUES (1, incompressible(2500, 'i'), 1);
INSERT INTO tk_soft VALUES (1, incompressible(2500, 's'), false, incompressible(5000, 'd'));
INSERT INTO tk_outbox VALUES ('00000000-0000-0000-0000-000000000001', 'order', repeat('a', 3000),
                              'order-placed', jsonb_build_object('doc', incompressible(5000, 'p')), 'acme');
INSERT INTO tk_nothing VALUES (repeat('n', 2500), 1);

-- every key is stored uncompressed; 2,400 bytes and more do not fit in a
-- row (TOAST_TUPLE_THRESHOLD is about 2 kB), so it is stored out of line
SELECT t, pg_column_size(k) >= 2400 AS out_of_line_size, pg_column_compression(k) AS compression
FROM (SELECT 'tk_external' AS t, k FROM tk_external UNION ALL SELECT 'tk_plain', k FROM tk_plain
      UNION ALL SELECT 'tk_multi', b FROM tk_multi UNION ALL SELECT 'tk_full', k FROM tk_full
      UNION ALL SELECT 'tk_index', k FROM tk_index UNION ALL SELECT 'tk_soft', k FROM tk_soft
      UNION ALL SELECT 'tk_outbox', aggregateid FROM tk_outbox
      UNION ALL SELECT 'tk_nothing', k FROM tk_nothing) s ORDER BY t;

-- the UPDATEs that leave the keys unchanged
UPDATE tk_external SET v = 2;
UPDATE tk_plain SET v = 2;
UPDATE tk_multi SET v = 2;
UPDATE tk_full SET v = 2;
UPDATE tk_index SET v = 2;
UPDATE tk_soft SET deleted = true;		-- a soft delete
UPDATE tk_soft SET deleted = false;		-- an undelete
UPDATE tk_outbox SET type = 'changed';	-- not an event
UPDATE tk_nothing SET v = 2;

-- then the rows go, and with them their TOAST rows
DELETE FROM tk_external; DELETE FROM tk_plain; DELETE FROM tk_multi; DELETE FROM tk_full;
DELETE FROM tk_index; DELETE FROM tk_soft; DELETE FROM tk_outbox; DELETE FROM tk_nothing;
VACUUM tk_external, tk_plain, tk_multi, tk_full, tk_index, tk_soft, tk_outbox, tk_nothing;
SELECT toast_rows('tk_external') + toast_rows('tk_plain') + toast_rows('tk_multi') + toast_rows('tk_full')
       + toast_rows('tk_index') + toast_rows('tk_soft') + toast_rows('tk_outbox')
       + toast_rows('tk_nothing') AS toast_rows_left;

-- The events: each UPDATE's key is the row's whole key; the key column
-- itself is unchanged_toast in "new" (its value is in "old").
SELECT rel, kind, type, abbrev(key) AS key, data->'unchanged_toast' AS unchanged_toast,
       data->'old_identity' AS old_identity, ok
FROM events('toast_key_slot') WHERE rel IS NOT NULL OR kind = 'domain';

-- the keys are exactly the values inserted
SELECT rel, kind, key = CASE rel
        WHEN 'public.tk_external' THEN repeat('x', 2500)
        WHEN 'public.tk_plain' THEN incompressible(2400)
        WHEN 'public.tk_multi' THEN '7,' || repeat('b', 2500)
        WHEN 'public.tk_full' THEN incompressible(2500, 'f')
        WHEN 'public.tk_index' THEN incompressible(2500, 'i')
        WHEN 'public.tk_soft' THEN incompressible(2500, 's')
        WHEN 'public.tk_nothing' THEN CASE kind WHEN 'insert' THEN repeat('n', 2500) ELSE '' END
        ELSE repeat('a', 3000) END AS key_exact
FROM events('toast_key_slot') ORDER BY rel, kind;
-- under FULL the old row is whole, TOASTed values included
SELECT rel, kind, data->'old'->>'note' = incompressible(5000, 'n') AS old_note_exact,
       data->'old'->>'doc' = incompressible(5000, 'd') AS old_doc_exact
FROM events('toast_key_slot') WHERE rel IN ('public.tk_full', 'public.tk_soft') AND kind = 'update';
-- the outbox event's payload is whole
SELECT type, data->'payload'->>'doc' = incompressible(5000, 'p') AS payload_exact
FROM events('toast_key_slot') WHERE kind = 'domain';

SELECT consume('toast_key_slot') > 0 AS consumed;
SELECT pg_drop_replication_slot('toast_key_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
SELECT wal2events.unroute('tk_soft'), wal2events.unroute('tk_outbox');
DROP TABLE tk_external, tk_plain, tk_multi, tk_full, tk_index, tk_soft, tk_outbox, tk_nothing;
DROP FUNCTION incompressible(int, text), abbrev(text), toast_rows(regclass);
