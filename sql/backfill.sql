--
-- backfill: existing rows become read events through the slot, chunk by
-- chunk (README, "Backfilling existing rows"). Each chunk is one
-- transaction: a message of its own opens the window (no events,
-- backfill_window_lsn set), then the chunk's transaction carries the read
-- events and closes it. A route names the read type and its excluded
-- columns never enter the WAL; changes made while a chunk is open win over
-- the chunk's rows (tests/specs/backfill_*.spec interleave them).
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('bf_slot', 'wal2events');
SELECT 'init' FROM pg_create_logical_replication_slot('bf_raw', 'test_decoding');

CREATE TABLE bf_orders (id int PRIMARY KEY, total numeric(10,2), customer_email text, placed date);
INSERT INTO bf_orders SELECT g, g * 1.25, 'SECRET-' || g || '@example.com', date '2026-01-01' + g
FROM generate_series(1, 7) g;
SELECT rel, read FROM wal2events.route('bf_orders', entity => 'order', exclude => '{customer_email}',
                                       read => 'order-imported');
SELECT 'ignore' FROM pg_logical_slot_get_binary_changes('bf_slot', NULL, NULL);
SELECT 'ignore' FROM pg_logical_slot_get_changes('bf_raw', NULL, NULL);

SELECT wal2events.backfill('bf_orders', chunk_rows => 3) AS id \gset
SELECT state, chunks, rows, last_key, key_columns FROM wal2events.backfills WHERE id = :id;
-- one chunk per call, each in its own transaction
SELECT wal2events.backfill_chunk(:id);
SELECT state, chunks, rows, last_key FROM wal2events.backfills WHERE id = :id;
CALL wal2events.backfill_run(:id);
SELECT state, chunks, rows, last_key, finished IS NOT NULL AS finished FROM wal2events.backfills WHERE id = :id;
-- done: nothing more to read
SELECT wal2events.backfill_chunk(:id);

-- the low marks: a message without events, carrying the window
SELECT m, jsonb_array_length(msg->'events') AS n, (msg->>'non_transactional')::bool AS non_transactional,
       (msg->>'backfill_window_lsn')::pg_lsn < (msg->>'commit_lsn')::pg_lsn AS window_at_mark,
       message_problems(msg, peek_lsn, peek_xid) AS ok
FROM peek_decoded('bf_slot') WHERE jsonb_array_length(msg->'events') = 0;
-- no message of a chunk's transaction carries a window once it has closed
SELECT count(*) AS chunk_messages_with_window FROM peek_decoded('bf_slot')
WHERE jsonb_array_length(msg->'events') > 0 AND msg ? 'backfill_window_lsn';
-- every row once, in key order, as the route's read type, without the excluded column
SELECT xact, pos, type, key, kind, rel, data, ok FROM events('bf_slot');
-- the excluded column's values are nowhere in the WAL
SELECT count(*) FILTER (WHERE data LIKE 'message: transactional: 1 prefix: wal2events.backfill%') AS row_messages,
       count(*) FILTER (WHERE data LIKE '%SECRET%') AS with_secret
FROM pg_logical_slot_get_changes('bf_raw', NULL, NULL);

-- decoding the same WAL again gives the same bytes (ids included)
SELECT 'init' FROM pg_copy_logical_replication_slot('bf_slot', 'bf_slot_copy');
SELECT count(*) AS messages,
       count(*) FILTER (WHERE a.data IS DISTINCT FROM b.data) AS different
FROM (SELECT row_number() OVER () r, data FROM pg_logical_slot_peek_binary_changes('bf_slot', NULL, NULL)) a
FULL JOIN (SELECT row_number() OVER () r, data FROM pg_logical_slot_peek_binary_changes('bf_slot_copy', NULL, NULL)) b USING (r);
SELECT pg_drop_replication_slot('bf_slot_copy');
SELECT 'ignore' FROM pg_logical_slot_get_binary_changes('bf_slot', NULL, NULL);

-- a change made while a chunk is open wins: the chunk's transaction is
-- held open (a second connection changes the rows meanwhile: see the
-- isolation specs); here, in one session, a backfill of a key range with a
-- condition reads only those rows
SELECT wal2events.backfill('bf_orders', chunk_rows => 100, from_key => '{3}', to_key => '{6}',
                           condition => 'total > 4') AS id2 \gset
CALL wal2events.backfill_run(:id2);
SELECT key, kind, data->'new'->>'total' AS total FROM events('bf_slot');
SELECT 'ignore' FROM pg_logical_slot_get_binary_changes('bf_slot', NULL, NULL);

-- a forged row message (pg_logical_emit_message with the prefix, in a
-- transaction that did not run backfill_chunk()) is ignored with a WARNING
SELECT 'x' FROM pg_logical_emit_message(true, 'wal2events.backfill',
                                        '\x5201000000000000000100000001aabbccddeeff00112233445566778899'::bytea);
SELECT 'x' FROM pg_logical_emit_message(true, 'wal2events.backfill', 'not even a row');
-- a forged low mark naming a transaction id never assigned: asking clog
-- about it would be an ERROR at every retry; it is ignored instead
SELECT 'x' FROM pg_logical_emit_message(false, 'wal2events.backfill',
                                        '\x4c010000000000000001000000000000000100000001ffffff0000010001'::bytea);
INSERT INTO bf_orders VALUES (100, 1, 'x', NULL);
SELECT count(*) AS events FROM events('bf_slot');
SELECT 'ignore' FROM pg_logical_slot_get_binary_changes('bf_slot', NULL, NULL);

-- cancel
SELECT wal2events.backfill('bf_orders') AS id3 \gset
SELECT wal2events.backfill_cancel(:id3), wal2events.backfill_cancel(:id3);
SELECT state, finished IS NOT NULL AS finished FROM wal2events.backfills WHERE id = :id3;
SELECT wal2events.backfill_chunk(:id3);

SELECT pg_drop_replication_slot('bf_slot');
SELECT pg_drop_replication_slot('bf_raw');
DROP TABLE bf_orders;
