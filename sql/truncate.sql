--
-- truncate: TRUNCATE is one event per table, with no key and no values;
-- cascade and restart_identity say how it was given.
--
SELECT 'init' FROM pg_create_logical_replication_slot('truncate_slot', 'wal2events');

CREATE TABLE t1 (id serial PRIMARY KEY, v text);
CREATE TABLE t2 (id int PRIMARY KEY);
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);
INSERT INTO t1 (v) VALUES ('a'), ('b');
INSERT INTO t2 VALUES (1);
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1);
SELECT consume('truncate_slot');

-- one table
TRUNCATE t1;
-- several tables in one command: one event each, in one transaction
TRUNCATE t1, t2;
-- CASCADE reaches the referencing table too
TRUNCATE parent CASCADE;
-- RESTART IDENTITY
TRUNCATE t1 RESTART IDENTITY;
TRUNCATE t2 RESTART IDENTITY CASCADE;
SELECT xact, pos, type, key, kind, rel, data FROM events('truncate_slot');
SELECT consume('truncate_slot');

-- TRUNCATE between row changes keeps its place in the transaction.
BEGIN;
INSERT INTO t1 (v) VALUES ('before');
TRUNCATE t1;
INSERT INTO t1 (v) VALUES ('after');
COMMIT;
SELECT xact, pos, type, key, kind, data FROM events('truncate_slot');

SELECT DISTINCT ok FROM events('truncate_slot');
SELECT consume('truncate_slot');

-- A rolled-back TRUNCATE leaves nothing.
BEGIN;
TRUNCATE t2;
ROLLBACK;
SELECT count(*) AS events FROM events('truncate_slot');

SELECT pg_drop_replication_slot('truncate_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE t1, t2, child, parent;
