--
-- routes_outbox: an outbox table (the columns of Debezium's outbox event
-- router: id, aggregatetype, aggregateid, type, payload jsonb, any
-- others) routed with outbox => true turns each INSERT into one domain
-- event: the type from `type`, the partition key from `aggregateid`, the
-- payload from `payload`, the other columns as tags, the row's id as the
-- event id (Event.id_override; events() shows it as "id" in data).
-- UPDATE, DELETE and TRUNCATE of outbox rows are not events, so the
-- application may delete its rows in the same transaction.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('outbox_slot', 'wal2events');

CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2));
CREATE TABLE outbox (
    id            uuid PRIMARY KEY,
    aggregatetype text NOT NULL,
    aggregateid   text NOT NULL,
    type          text NOT NULL,
    payload       jsonb,
    tenant        text,
    created_at    timestamptz NOT NULL DEFAULT '2026-11-26 12:00:00+00'
);
SELECT * FROM wal2events.route('outbox', outbox => true, subject => 'outbox.{type}',
                               tags => '{"source": "shop", "tenant": "default"}');

-- The pattern: write the state and the event in one transaction, then
-- delete the outbox row at once. The table stays empty; the event goes out.
BEGIN;
INSERT INTO orders VALUES (1, 42.50);
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tenant)
VALUES ('6f1e0f4e-0000-4000-8000-000000000001', 'Order', '1', 'OrderPlaced',
        '{"order_id": 1, "total": 42.50}', 'acme');
DELETE FROM outbox;
COMMIT;
SELECT count(*) AS outbox_rows FROM outbox;
SELECT xact, pos, type, key, kind, rel, data FROM events('outbox_slot');
SELECT consume('outbox_slot');

-- Rows that stay, updated and deleted later: only the INSERTs are events.
-- A NULL column is no tag (here tenant: neither the column's nor the
-- route's tenant tag, which the column replaces); a NULL payload is null;
-- a row without a type gets the route's created type. A key with a comma
-- is the aggregateid as it is (like emit()'s key, unlike a table's key).
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, tenant)
VALUES ('6f1e0f4e-0000-4000-8000-000000000002', 'Order', '2', 'OrderPlaced', '{"order_id": 2}', NULL),
       ('6f1e0f4e-0000-4000-8000-000000000003', 'Order', '2', 'OrderPaid', NULL, 'acme'),
       ('6f1e0f4e-0000-4000-8000-000000000004', 'Customer', 'eu,7', '', '[1, 2]', 'acme');
UPDATE outbox SET type = 'changed';
DELETE FROM outbox;
TRUNCATE outbox;
SELECT xact, pos, type, key, data FROM events('outbox_slot');
-- the ids as a consumer forms them: the outbox row's id when there is one
SELECT e->>'id' AS id, e->>'type' AS type
FROM peek_decoded('outbox_slot') d, jsonb_array_elements(d.msg->'events') e;
SELECT consume('outbox_slot');

-- Without an id column the event id is the log's, as for every event.
-- columns and exclude choose the tag columns.
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox RENAME COLUMN id TO event_uuid;
SELECT rel FROM wal2events.route('outbox', outbox => true, exclude => '{created_at,tenant}');
INSERT INTO outbox (event_uuid, aggregatetype, aggregateid, type, payload, tenant)
VALUES ('6f1e0f4e-0000-4000-8000-000000000005', 'Order', '3', 'OrderShipped', '{}', 'acme');
SELECT xact, pos, type, key, data FROM events('outbox_slot');
SELECT consume('outbox_slot');

-- Outbox events mix with the transaction's other events in order.
SELECT rel FROM wal2events.route('orders', entity => 'order');
BEGIN;
INSERT INTO orders VALUES (4, 10);
INSERT INTO outbox (event_uuid, aggregatetype, aggregateid, type, payload)
VALUES ('6f1e0f4e-0000-4000-8000-000000000006', 'Order', '4', 'OrderPlaced', '{"order_id": 4}');
SELECT wal2events.emit('order-audited', '4', '{}') IS NOT NULL AS emitted;
COMMIT;
SELECT xact, pos, type, key, kind FROM events('outbox_slot');
SELECT consume('outbox_slot');

SELECT pg_drop_replication_slot('outbox_slot');
DROP TABLE orders, outbox;
