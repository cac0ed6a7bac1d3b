--
-- routes: tables mapped to entities, event types, partition keys, subjects
-- and tags with wal2events.route(), as of the transaction being decoded.
--
-- A route is a row of wal2events.routes, a user catalog table; route()
-- validates its arguments, fills in the defaults and stores it, unroute()
-- removes it. The plugin reads a table's route with the historic snapshot
-- of the change it decodes, so a route applies from the point of the
-- transaction that set it on, whatever the table's route is by the time
-- the slot is read. Other files: routes_errors (every error),
-- routes_redaction (columns, exclude), routes_outbox, routes_soft_delete,
-- publication.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('routes_slot', 'wal2events');

-- The defaults: entity = the table's name, types <entity>-created,
-- -updated, -deleted, key = the primary key (NULL: the plugin's default).
CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2));
SELECT * FROM wal2events.route('orders');
-- Everything given. Tags are strings (numbers and booleans as their text);
-- the subject is a template for the shipper, which expands it per event.
SELECT * FROM wal2events.route('orders', entity => 'order', created => 'order-placed',
                               updated => 'order-changed', deleted => 'order-cancelled',
                               partition_key => '{id}', subject => 'shop.orders.{type}',
                               tags => '{"team": "checkout", "version": 2, "beta": true}');
SELECT * FROM wal2events.routes;

-- Each operation gets its type, the key, the subject and the tags. The
-- route() transactions themselves send nothing: the extension's own table
-- is never shipped.
INSERT INTO orders VALUES (1, 'ada', 42.50);
UPDATE orders SET total = 40;
DELETE FROM orders;
TRUNCATE orders;
SELECT * FROM events('routes_slot');
SELECT consume('routes_slot');

-- A route created in the same transaction as its table applies from that
-- point of the transaction on: the row inserted before it gets the
-- defaults.
BEGIN;
CREATE TABLE order_lines (order_id int NOT NULL, line int NOT NULL, sku text,
                          PRIMARY KEY (order_id, line));
INSERT INTO order_lines VALUES (1, 1, 'before the route');
SELECT rel FROM wal2events.route('order_lines', entity => 'order-line',
                                 partition_key => '{order_id}');
INSERT INTO order_lines VALUES (1, 2, 'after the route');
COMMIT;
SELECT xact, pos, type, key, data FROM events('routes_slot');
SELECT consume('routes_slot');

-- Route changes in the middle of the stream: every change is decoded with
-- the route of its own time, although by the time the slot is read the
-- table has no route at all. A route changed in a transaction that rolls
-- back never applied.
SELECT rel FROM wal2events.route('orders', entity => 'order');
INSERT INTO orders VALUES (10, 'first route', 1);
SELECT rel FROM wal2events.route('orders', entity => 'purchase', subject => 'shop.{table}');
INSERT INTO orders VALUES (11, 'second route', 1);
BEGIN;
INSERT INTO orders VALUES (12, 'rolled back', 1);
SELECT rel FROM wal2events.route('orders', entity => 'sale');
INSERT INTO orders VALUES (13, 'rolled back', 1);
ROLLBACK;
INSERT INTO orders VALUES (14, 'second route still', 1);
BEGIN;
INSERT INTO orders VALUES (15, 'same transaction, before the change', 1);
SELECT rel FROM wal2events.route('orders', entity => 'sale');
INSERT INTO orders VALUES (16, 'same transaction, after the change', 1);
COMMIT;
SELECT wal2events.unroute('orders');
SELECT wal2events.unroute('orders') AS unrouted_again;
INSERT INTO orders VALUES (17, 'no route', 1);
SELECT count(*) AS routes_now FROM wal2events.routes WHERE rel = 'orders'::regclass;
SELECT xact, type, key, data->'new'->>'customer' AS customer, data->>'subject' AS subject
FROM events('routes_slot');
-- decoded again, the same
SELECT xact, type, data->>'subject' AS subject FROM events('routes_slot');
SELECT consume('routes_slot');

-- A renamed table keeps its route (routes store the table's OID; a dump
-- stores its name): the entity stays, the event names the table as it is.
SELECT rel FROM wal2events.route('order_lines', entity => 'order-line');
INSERT INTO order_lines VALUES (2, 1, 'before the rename');
ALTER TABLE order_lines RENAME TO lines;
INSERT INTO lines VALUES (2, 2, 'after the rename');
SELECT rel, entity FROM wal2events.routes;
SELECT xact, type, rel, data->'new'->>'sku' AS sku FROM events('routes_slot');
SELECT consume('routes_slot');

-- A dropped table takes its route with it (an event trigger removes it in
-- the same transaction).
CREATE TABLE scratch (id int PRIMARY KEY);
SELECT rel FROM wal2events.route('scratch');
SELECT count(*) FROM wal2events.routes;
DROP TABLE scratch;
SELECT count(*) FROM wal2events.routes;

-- A partitioned table's route applies to its partitions; a partition's
-- own route wins.
CREATE TABLE payments (id int, region text NOT NULL, amount int, PRIMARY KEY (id, region))
PARTITION BY LIST (region);
CREATE TABLE payments_eu PARTITION OF payments FOR VALUES IN ('eu');
CREATE TABLE payments_us PARTITION OF payments FOR VALUES IN ('us');
SELECT rel FROM wal2events.route('payments', entity => 'payment', subject => 'pay.{type}');
SELECT rel FROM wal2events.route('payments_us', entity => 'us-payment');
INSERT INTO payments VALUES (1, 'eu', 10), (2, 'us', 20);
SELECT xact, pos, type, key, rel, data->>'subject' AS subject FROM events('routes_slot');
SELECT consume('routes_slot');

-- The routes option: apply (the default: every table, routed ones as
-- their route says), only (routed tables, and emit() events), ignore
-- (routes are not read: the defaults everywhere).
CREATE TABLE audit (id int PRIMARY KEY);
BEGIN;
INSERT INTO lines VALUES (3, 1, 'routed');
INSERT INTO audit VALUES (1);
SELECT wal2events.emit('checked', '3', '{}') IS NOT NULL AS emitted;
COMMIT;
SELECT mode, string_agg(format('%s:%s', pos, type), ' ' ORDER BY pos) AS events
FROM unnest('{apply,only,ignore}'::text[]) mode, events('routes_slot', 'routes', mode)
GROUP BY mode ORDER BY mode;
-- only, with nothing routed in a transaction: no message at all
INSERT INTO audit VALUES (2);
SELECT count(*) AS messages FROM peek_decoded('routes_slot', 'routes', 'only');
SELECT count(*) AS messages FROM peek_decoded('routes_slot', 'routes', 'apply');
SELECT consume('routes_slot');

-- Dropping the extension drops the routes, and a change decoded after
-- that cannot be read with the route that applied to it (PostgreSQL reads
-- a user catalog table only while it exists): an ERROR rather than the
-- defaults, which might ship columns the route kept back. routes=ignore
-- decodes such changes with the defaults, on request. Changes after the
-- drop simply have no route.
INSERT INTO lines VALUES (4, 1, 'routed');
DROP EXTENSION wal2events;
INSERT INTO lines VALUES (4, 2, 'no extension');
CREATE EXTENSION wal2events;
INSERT INTO lines VALUES (4, 3, 'extension again, no route');
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('routes_slot', NULL, NULL);
SELECT xact, type, key FROM events('routes_slot', 'routes', 'ignore');
SELECT count(*) FROM pg_logical_slot_get_binary_changes('routes_slot', NULL, NULL, 'routes', 'ignore');

SELECT pg_drop_replication_slot('routes_slot');
DROP TABLE orders, lines, payments, audit;
