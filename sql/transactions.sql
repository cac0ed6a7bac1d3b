--
-- transactions: what a committed transaction becomes, and what leaves
-- nothing.
--
-- One message per committed transaction, its events in the order they
-- happened, positions 0..n-1; event ids (checked by events() and
-- messages(), see setup) unique. Rolled-back work, whole transactions or
-- subtransactions, never appears, and a transaction with no events sends
-- no message at all. (Commit order across concurrent sessions is covered
-- by the isolation tests.)
--
SELECT 'init' FROM pg_create_logical_replication_slot('txn_slot', 'wal2events');

CREATE TABLE acct (id int PRIMARY KEY, balance int);
SELECT consume('txn_slot');

-- several statements in one transaction
BEGIN;
INSERT INTO acct VALUES (1, 100), (2, 50);
UPDATE acct SET balance = balance - 30 WHERE id = 1;
UPDATE acct SET balance = balance + 30 WHERE id = 2;
DELETE FROM acct WHERE id = 2;
COMMIT;
-- one more, single statement
INSERT INTO acct VALUES (3, 0);
SELECT xact, pos, type, key, data FROM events('txn_slot');
SELECT m, xact, chunk, last_chunk, n, positions, ok FROM messages('txn_slot');
-- ids are unique, and each is <system identifier>/<commit LSN>/<position>
SELECT count(*) AS events, count(DISTINCT e->>'id') AS distinct_ids,
       count(DISTINCT msg->>'commit_lsn') AS commit_lsns
FROM peek_decoded('txn_slot'), jsonb_array_elements(msg->'events') e;
SELECT consume('txn_slot');

-- Savepoints: released subtransactions count, rolled-back ones leave
-- nothing, at any depth; positions stay consecutive.
BEGIN;
INSERT INTO acct VALUES (10, 1);
SAVEPOINT a;
INSERT INTO acct VALUES (11, 1);
RELEASE SAVEPOINT a;
SAVEPOINT b;
INSERT INTO acct VALUES (12, 1);
UPDATE acct SET balance = 99 WHERE id = 10;
ROLLBACK TO SAVEPOINT b;
SAVEPOINT c;
INSERT INTO acct VALUES (13, 1);
SAVEPOINT d;
INSERT INTO acct VALUES (14, 1);
ROLLBACK TO SAVEPOINT d;
INSERT INTO acct VALUES (15, 1);
RELEASE SAVEPOINT c;
UPDATE acct SET balance = 2 WHERE id = 10;
COMMIT;
SELECT xact, pos, type, key, data, ok FROM events('txn_slot');
SELECT consume('txn_slot');

-- A subtransaction that is the only one to write (the top level has no
-- change of its own) still commits with it.
BEGIN;
SAVEPOINT sp;
INSERT INTO acct VALUES (20, 1);
RELEASE SAVEPOINT sp;
COMMIT;
-- A PL/pgSQL exception block is a rolled-back subtransaction.
DO $$
BEGIN
    INSERT INTO acct VALUES (21, 1);
    BEGIN
        INSERT INTO acct VALUES (22, 1);
        RAISE EXCEPTION 'undo 22';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    INSERT INTO acct VALUES (23, 1);
END
$$;
SELECT xact, pos, type, key, ok FROM events('txn_slot');
SELECT consume('txn_slot');

-- Rolled-back transactions leave nothing.
BEGIN;
INSERT INTO acct VALUES (30, 1);
UPDATE acct SET balance = 0;
ROLLBACK;
BEGIN;
INSERT INTO acct VALUES (31, 1);
SELECT 1 / 0;
COMMIT;
SELECT count(*) AS events FROM events('txn_slot');

-- Transactions with no events send no message: DDL only, a sequence, an
-- unlogged or temporary table, a table the options filter out, a
-- transaction that only read.
CREATE TABLE later (id int);
CREATE SEQUENCE seq;
SELECT nextval('seq');
CREATE UNLOGGED TABLE scratch (id int);
INSERT INTO scratch VALUES (1);
CREATE TEMPORARY TABLE tmp (id int);
INSERT INTO tmp VALUES (1);
INSERT INTO later VALUES (1);
SELECT count(*) FROM acct;
SELECT count(*) AS messages FROM messages('txn_slot');
SELECT count(*) AS messages_without_later FROM messages('txn_slot', 'exclude-tables', 'public.later');
SELECT consume('txn_slot');

-- COPY writes rows in batches (multi-insert records): still one event per
-- row, in order.
COPY acct FROM stdin;
40	1
41	2
42	3
\.
SELECT xact, pos, type, key, data FROM events('txn_slot');
SELECT consume('txn_slot');

-- INSERT ... ON CONFLICT: an insert, or an update of the existing row.
INSERT INTO acct VALUES (40, 100), (43, 4)
    ON CONFLICT (id) DO UPDATE SET balance = excluded.balance;
INSERT INTO acct VALUES (41, 100) ON CONFLICT DO NOTHING;
SELECT xact, pos, type, key, data FROM events('txn_slot');
SELECT consume('txn_slot');

-- A transaction larger than logical_decoding_work_mem is spilled to disk
-- by the reorder buffer and read back: nothing lost, nothing reordered.
SET logical_decoding_work_mem = '64kB';
INSERT INTO acct SELECT i, i FROM generate_series(1000, 5999) i;
SELECT count(*) AS events, min(pos), max(pos),
       bool_and(key::int = pos + 1000) AS in_order, count(DISTINCT ok) AS ok_values, min(ok) AS ok
FROM events('txn_slot');
SELECT spill_txns > 0 AS spilled FROM pg_stat_replication_slots WHERE slot_name = 'txn_slot';
RESET logical_decoding_work_mem;

SELECT pg_drop_replication_slot('txn_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE acct, later, scratch;
DROP SEQUENCE seq;
