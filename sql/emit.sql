--
-- emit: domain events written with wal2events.emit(type, partition_key,
-- payload, tags) inside the application's transaction.
--
-- An emitted event is decoded at its place among the transaction's row
-- changes and only if the transaction commits, like a row of an outbox
-- table with no table to clean up. Tags are strings: numbers and booleans
-- are given as their JSON text.
--
-- (emit() refuses to run unless wal_level = logical; the suite's server
-- has it, so that error is not shown here.)
--
SELECT 'init' FROM pg_create_logical_replication_slot('emit_slot', 'wal2events');

CREATE TABLE orders (id int PRIMARY KEY, total numeric);

-- The happy path: payload and tags as given, numbers and booleans among the
-- tags as strings; tags default to none.
SELECT wal2events.emit('order-placed', 'o-1',
                       '{"total": 12.50, "items": [{"sku": "a", "qty": 2}], "note": "über"}',
                       '{"source": "checkout", "attempt": 3, "amount": 1.50, "retry": false, "unicode": "ü"}')
       IS NOT NULL AS emitted;
SELECT wal2events.emit('ping', '', '{}') IS NOT NULL AS emitted;
-- any JSON value is a payload
SELECT wal2events.emit('scalar', 'k', '"just text"') IS NOT NULL AS emitted;
SELECT wal2events.emit('null-payload', 'k', 'null') IS NOT NULL AS emitted;
SELECT wal2events.emit('array', 'k', '[1, "two", null]') IS NOT NULL AS emitted;
SELECT xact, pos, type, key, kind, rel, data->'payload' AS payload, ok FROM events('emit_slot');
SELECT xact, type, data->'tags' AS tags FROM events('emit_slot');
SELECT consume('emit_slot');

-- Among row changes, in the order they happened.
BEGIN;
INSERT INTO orders VALUES (1, 10);
SELECT wal2events.emit('order-placed', '1', '{"id": 1}') IS NOT NULL AS emitted;
UPDATE orders SET total = 12 WHERE id = 1;
SELECT wal2events.emit('order-repriced', '1', '{"id": 1, "total": 12}') IS NOT NULL AS emitted;
DELETE FROM orders;
COMMIT;
SELECT xact, pos, type, key, kind, data, ok FROM events('emit_slot');
SELECT consume('emit_slot');

-- emit() returns the LSN of the event it wrote: the event's own lsn.
BEGIN;
SELECT wal2events.emit('with-lsn', 'k', '{}') AS emit_lsn \gset
COMMIT;
SELECT (e->>'lsn')::pg_lsn = :'emit_lsn'::pg_lsn AS same_lsn
FROM peek_decoded('emit_slot'), jsonb_array_elements(msg->'events') e;
SELECT consume('emit_slot');

-- Rolled back: the whole transaction, a savepoint, an exception block.
BEGIN;
SELECT wal2events.emit('never', 'k', '{}') IS NOT NULL AS emitted;
ROLLBACK;
BEGIN;
SELECT wal2events.emit('kept-1', 'k', '{}') IS NOT NULL AS emitted;
SAVEPOINT s;
SELECT wal2events.emit('never', 'k', '{}') IS NOT NULL AS emitted;
ROLLBACK TO SAVEPOINT s;
SELECT wal2events.emit('kept-2', 'k', '{}') IS NOT NULL AS emitted;
COMMIT;
DO $$
BEGIN
    PERFORM wal2events.emit('kept-3', 'k', '{}');
    BEGIN
        PERFORM wal2events.emit('never', 'k', '{}');
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
END
$$;
SELECT xact, pos, type, ok FROM events('emit_slot');
SELECT consume('emit_slot');

-- Any role may emit.
CREATE ROLE regress_w2e_app;
SET ROLE regress_w2e_app;
SELECT wal2events.emit('from-app', 'k', '{}') IS NOT NULL AS emitted;
RESET ROLE;
DROP ROLE regress_w2e_app;

-- Limits: a type of 256 bytes and a partition key of 4096 bytes are fine.
SELECT wal2events.emit(repeat('t', 256), repeat('k', 4096), '{}') IS NOT NULL AS emitted;
SELECT left(type, 10) AS type_start, length(type) AS type_length, length(key) AS key_length, ok
FROM events('emit_slot');
SELECT consume('emit_slot');

--
-- Every argument error, each with a hint. None leaves an event behind.
--
SELECT wal2events.emit(NULL, 'k', '{}');
SELECT wal2events.emit('t', NULL, '{}');
SELECT wal2events.emit('t', 'k', NULL);
SELECT wal2events.emit('t', 'k', '{}', NULL);
SELECT wal2events.emit('', 'k', '{}');
SELECT wal2events.emit(E'bad\ntype', 'k', '{}');
SELECT wal2events.emit(E'tab\there', 'k', '{}');
SELECT wal2events.emit(repeat('t', 257), 'k', '{}');
SELECT wal2events.emit('t', repeat('k', 4097), '{}');
SELECT wal2events.emit('t', 'k', '{}', '[]');
SELECT wal2events.emit('t', 'k', '{}', '"tag"');
SELECT wal2events.emit('t', 'k', '{}', '1');
SELECT wal2events.emit('t', 'k', '{}', '{"nested": {"a": 1}}');
SELECT wal2events.emit('t', 'k', '{}', '{"list": [1]}');
SELECT wal2events.emit('t', 'k', '{}', '{"nothing": null}');
SELECT count(*) AS events FROM events('emit_slot');

SELECT pg_drop_replication_slot('emit_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE orders;
