--
-- identity: old values, old_identity and partition keys under each
-- REPLICA IDENTITY setting.
--
-- UPDATE and DELETE carry what PostgreSQL logged of the old row: the key
-- (DEFAULT with a primary key, USING INDEX) when it is needed, the whole
-- row (FULL), or nothing (NOTHING, or DEFAULT without a primary key).
-- old_identity says which. The partition key is formed from the identity
-- index's columns, else the primary key's: each value's text with '\' and
-- ',' escaped by '\', joined by ','.
--
SELECT 'init' FROM pg_create_logical_replication_slot('identity_slot', 'wal2events');

CREATE FUNCTION show_identity() RETURNS TABLE (xact bigint, pos int, type text, key text, data jsonb)
LANGUAGE sql AS $$
    SELECT xact, pos, type, key, data FROM events('identity_slot')
$$;

-- DEFAULT with a primary key: the old key only when the key changed, and
-- on DELETE.
CREATE TABLE pk (id int PRIMARY KEY, v text);
INSERT INTO pk VALUES (1, 'a');
UPDATE pk SET v = 'b';
UPDATE pk SET id = 2;
UPDATE pk SET id = 3, v = 'c';
DELETE FROM pk;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

-- DEFAULT without a primary key: PostgreSQL logs no old values and there
-- is no partition key.
CREATE TABLE nopk (a int, v text);
INSERT INTO nopk VALUES (1, 'a');
UPDATE nopk SET v = 'b';
DELETE FROM nopk;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

-- USING INDEX: the index's columns are the identity and the partition key,
-- even where the primary key is another column.
CREATE TABLE idx (id int PRIMARY KEY, code text NOT NULL, region text NOT NULL, v text);
CREATE UNIQUE INDEX idx_code_region ON idx (region, code);
ALTER TABLE idx REPLICA IDENTITY USING INDEX idx_code_region;
INSERT INTO idx VALUES (1, 'c1', 'eu', 'a');
UPDATE idx SET v = 'b';
UPDATE idx SET id = 2;
UPDATE idx SET code = 'c2';
DELETE FROM idx;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

-- FULL: the whole old row on every UPDATE and DELETE; the partition key is
-- the primary key's, or empty without one.
CREATE TABLE full_pk (id int PRIMARY KEY, v text, n int);
ALTER TABLE full_pk REPLICA IDENTITY FULL;
CREATE TABLE full_nopk (v text, n int);
ALTER TABLE full_nopk REPLICA IDENTITY FULL;
INSERT INTO full_pk VALUES (1, 'a', NULL);
UPDATE full_pk SET v = 'b';
UPDATE full_pk SET id = 2, n = 7;
DELETE FROM full_pk;
INSERT INTO full_nopk VALUES ('a', 1);
UPDATE full_nopk SET n = 2;
DELETE FROM full_nopk;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

-- NOTHING: no old values at all; the partition key of an INSERT or UPDATE
-- comes from the new row's primary key, a DELETE has none.
CREATE TABLE nothing (id int PRIMARY KEY, v text);
ALTER TABLE nothing REPLICA IDENTITY NOTHING;
INSERT INTO nothing VALUES (1, 'a');
UPDATE nothing SET v = 'b';
UPDATE nothing SET id = 2;
DELETE FROM nothing;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

-- The setting is read as of each transaction: a change of REPLICA
-- IDENTITY shows from the next change on, even in the same transaction.
INSERT INTO pk VALUES (10, 'a'), (11, 'a');
BEGIN;
UPDATE pk SET v = 'before' WHERE id = 10;
DELETE FROM pk WHERE id = 10;
ALTER TABLE pk REPLICA IDENTITY FULL;
UPDATE pk SET v = 'after' WHERE id = 11;
DELETE FROM pk WHERE id = 11;
COMMIT;
ALTER TABLE pk REPLICA IDENTITY DEFAULT;
SELECT * FROM show_identity();
SELECT consume('identity_slot');

--
-- Partition keys from composite keys: the key columns' values in the
-- table's column order (the order of Relation.columns, not the order the
-- key lists them in), with ',' and '\' escaped; empty strings stay empty.
--
CREATE TABLE composite (c int, b text, a text, v text, PRIMARY KEY (a, b, c));
INSERT INTO composite VALUES
    (1, 'b', 'a', 'plain'),
    (2, 'x,y', 'back\slash', 'comma and backslash'),
    (3, '\,', ',\', 'escape characters only'),
    (4, '', '', 'empty strings'),
    (5, 'sp ace', '"quoted"', 'no escaping needed'),
    (6, 'ends\', '\\', 'backslashes before a separator');
UPDATE composite SET v = 'updated', b = 'new,b' WHERE c = 2;
DELETE FROM composite WHERE c = 3;
SELECT type, key, data->'new'->>'v' AS v, data->'old' AS old FROM show_identity();
-- every key splits back into the values it came from: a part is a run of
-- characters other than '\' and ',' or of escape pairs
SELECT key, parts, parts = ARRAY[data->'new'->>'c', data->'new'->>'b', data->'new'->>'a'] AS same
FROM show_identity() e,
     LATERAL (SELECT array_agg(regexp_replace(m[1], '\\(.)', '\1', 'g')) AS parts
              FROM regexp_matches(e.key || ',', '((?:[^\\,]|\\.)*),', 'g') m) p
WHERE e.type = 'composite-created';
SELECT consume('identity_slot');

-- Keys of other types: the text output of the value.
CREATE TABLE typed_key (u uuid, n numeric, d date, PRIMARY KEY (u, n, d));
INSERT INTO typed_key VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 12.50, '2024-02-29');
SELECT type, key FROM show_identity();

SELECT DISTINCT ok FROM events('identity_slot');
SELECT pg_drop_replication_slot('identity_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE pk, nopk, idx, full_pk, full_nopk, nothing, composite, typed_key;
DROP FUNCTION show_identity();
