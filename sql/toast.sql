--
-- toast: large values, stored compressed inline or out of line (TOAST).
--
-- PostgreSQL does not log a TOASTed value that an UPDATE left unchanged:
-- the plugin cannot know it, so the value is neither in "new" nor null
-- there; the column is named in "unchanged_toast" and the consumer keeps
-- the value it has. Every other value, however large or however stored,
-- arrives whole.
--
SET default_toast_compression = 'pglz';

SELECT 'init' FROM pg_create_logical_replication_slot('toast_slot', 'wal2events');

-- Long strings shown by length and the start of their md5, so a reader can
-- check them against the values inserted.
CREATE FUNCTION abbrev(obj jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_object_agg(key,
               CASE WHEN jsonb_typeof(value) = 'string' AND length(value #>> '{}') > 20
                    THEN to_jsonb(format('%s chars, md5 %s', length(value #>> '{}'),
                                         left(md5(value #>> '{}'), 8)))
                    ELSE value END)
    FROM jsonb_each(obj)
$$;

CREATE FUNCTION show_toast() RETURNS TABLE (xact bigint, pos int, kind text, rel text,
                                           new jsonb, unchanged_toast jsonb, old jsonb)
LANGUAGE sql AS $$
    SELECT xact, pos, kind, rel, abbrev(data->'new'), data->'unchanged_toast',
           abbrev(data->'old') || jsonb_build_object('identity', data->'old_identity')
    FROM events('toast_slot')
$$;

-- Values: hex digits of md5 hashes hardly compress, so a long one is stored
-- out of line; a run of one letter compresses to a few bytes and stays in
-- the row.
CREATE FUNCTION incompressible(n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT left(string_agg(md5(i::text), '' ORDER BY i), n) FROM generate_series(1, n / 32 + 1) i
$$;
SELECT length(incompressible(10000)), left(md5(incompressible(10000)), 8) AS md5,
       left(md5(incompressible(12000)), 8) AS md5_12000, left(md5(repeat('x', 5000)), 8) AS md5_x,
       left(md5(repeat('y', 10000)), 8) AS md5_y;

CREATE TABLE doc (id int PRIMARY KEY, n int, big text, other text);
INSERT INTO doc VALUES (1, 1, incompressible(10000), 'small');
INSERT INTO doc VALUES (2, 1, repeat('x', 5000), incompressible(12000));
-- how each value is stored: 1.big out of line (larger than the row could
-- hold), 2.big compressed in the row, 2.other out of line
SELECT id, pg_column_size(big) < 1000 AS big_in_row, pg_column_compression(big) AS big_compression,
       pg_column_size(other) < 1000 AS other_in_row
FROM doc ORDER BY id;

-- An UPDATE of n only: out-of-line values are not logged, so 1.big and
-- 2.other are unchanged_toast; 2.big, compressed in the row, is logged and
-- arrives whole.
UPDATE doc SET n = 2;
-- An UPDATE of the TOASTed column: the new value arrives whole.
UPDATE doc SET big = incompressible(12000), n = 3 WHERE id = 1;
-- NULL is a value, not "unchanged".
UPDATE doc SET big = NULL, n = 4 WHERE id = 1;
-- Two TOASTed columns, both unchanged (on row 2 big is now out of line too).
UPDATE doc SET big = incompressible(10000) WHERE id = 2;
UPDATE doc SET n = 5 WHERE id = 2;
-- A key change: the old key is sent, the TOASTed column stays unchanged.
UPDATE doc SET id = 3 WHERE id = 2;
DELETE FROM doc WHERE id = 3;
SELECT * FROM show_toast();

-- The inserted values are exactly the values stored.
SELECT (data->'new'->>'big') = incompressible(10000) AS big_1_exact
FROM events('toast_slot') WHERE kind = 'insert' AND key = '1';
SELECT (data->'new'->>'big') = repeat('x', 5000) AS big_2_exact,
       (data->'new'->>'other') = incompressible(12000) AS other_2_exact
FROM events('toast_slot') WHERE kind = 'insert' AND key = '2';
SELECT consume('toast_slot') > 0 AS consumed;

--
-- STORAGE EXTERNAL: out of line and uncompressed, even when it would
-- compress well.
--
CREATE TABLE ext (id int PRIMARY KEY, n int, big text);
ALTER TABLE ext ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO ext VALUES (1, 1, repeat('y', 10000));
SELECT pg_column_size(big) >= 10000 AS stored_whole, pg_column_compression(big) AS compression FROM ext;
UPDATE ext SET n = 2;
UPDATE ext SET big = 'short now', n = 3;
SELECT * FROM show_toast();
SELECT (data->'new'->>'big') = repeat('y', 10000) AS big_exact
FROM events('toast_slot') WHERE kind = 'insert';
SELECT consume('toast_slot') > 0 AS consumed;

--
-- REPLICA IDENTITY FULL: PostgreSQL logs the whole old row with its
-- TOASTed values inlined, so "old" is complete even where "new" has to
-- say unchanged_toast.
--
CREATE TABLE full_doc (id int PRIMARY KEY, n int, big text);
ALTER TABLE full_doc REPLICA IDENTITY FULL;
INSERT INTO full_doc VALUES (1, 1, incompressible(10000));
UPDATE full_doc SET n = 2;
DELETE FROM full_doc;
SELECT * FROM show_toast();
SELECT kind, (data->'old'->>'big') = incompressible(10000) AS old_big_exact
FROM events('toast_slot') WHERE kind IN ('update', 'delete');

SELECT DISTINCT ok FROM events('toast_slot');
SELECT pg_drop_replication_slot('toast_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE doc, ext, full_doc;
DROP FUNCTION abbrev(jsonb), show_toast(), incompressible(int);
