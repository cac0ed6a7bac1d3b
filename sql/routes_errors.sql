--
-- routes_errors: every way wal2events.route(), unroute() and the DDL they
-- watch can fail. Each is an ERROR at route time (never a surprise while
-- decoding) with an SQLSTATE and a hint that says what to do; a failed
-- route() leaves the routes as they were.
--
\set SHOW_CONTEXT never
CREATE TABLE orders (id int PRIMARY KEY, ref int NOT NULL, customer text NOT NULL,
                     email text, note text, flag int);
CREATE UNIQUE INDEX orders_ref ON orders (ref);
CREATE VIEW orders_view AS SELECT * FROM orders;
CREATE SEQUENCE orders_seq;
CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY);
CREATE TABLE nokey (a int, b int);
CREATE TABLE outbox (id uuid PRIMARY KEY, aggregatetype text, aggregateid text NOT NULL,
                     type text NOT NULL, payload jsonb);
CREATE TABLE textbox (id uuid PRIMARY KEY, aggregateid text, type text, payload text);
CREATE TABLE halfbox (id uuid PRIMARY KEY, aggregateid text, payload jsonb);

-- Run a statement; print 'ok' or the error's SQLSTATE, message and hint.
CREATE FUNCTION try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN format('%s: %s%s', state, msg, CASE WHEN hint <> '' THEN E'\nHINT: ' || hint END);
END
$$;

-- One error as psql shows it
SELECT wal2events.route('orders', columns => '{id,customer,emial}');

-- The table
SELECT try($$SELECT wal2events.route(NULL)$$);
SELECT try($$SELECT wal2events.route('nosuch')$$);
SELECT try($$SELECT wal2events.route('orders_view')$$);
DROP VIEW orders_view;
SELECT try($$SELECT wal2events.route('orders_seq')$$);
SELECT try($$SELECT wal2events.route('scratch')$$);
CREATE TEMPORARY TABLE temp_orders (id int PRIMARY KEY);
SELECT try($$SELECT wal2events.route('temp_orders')$$);
SELECT try($$SELECT wal2events.route('wal2events.routes')$$);
SELECT try($$SELECT wal2events.route('orders', outbox => NULL)$$);

-- Entity and event types
SELECT try($$SELECT wal2events.route('orders', entity => '')$$);
SELECT try($$SELECT wal2events.route('orders', entity => E'order\n')$$);
SELECT try($$SELECT wal2events.route('orders', created => repeat('x', 257))$$);
SELECT try($$SELECT wal2events.route('orders', entity => repeat('x', 250))$$);
SELECT try($$SELECT wal2events.route('orders', deleted => E'\t')$$);

-- Columns: unknown, empty, twice, NULL
SELECT try($$SELECT wal2events.route('orders', columns => '{id,customer,emial}')$$);
SELECT try($$SELECT wal2events.route('orders', exclude => '{Email}')$$);
SELECT try($$SELECT wal2events.route('orders', columns => '{}')$$);
SELECT try($$SELECT wal2events.route('orders', columns => '{id,id}')$$);
SELECT try($$SELECT wal2events.route('orders', exclude => ARRAY[NULL])$$);

-- Partition key: unknown, nullable, left out by columns or exclude, not
-- in the replica identity; and the default key (the primary key) left out
SELECT try($$SELECT wal2events.route('orders', partition_key => '{nosuch}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{email}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{id}', exclude => '{id}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{id}', columns => '{customer}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{customer}')$$);
SELECT try($$SELECT wal2events.route('orders', exclude => '{id}')$$);
SELECT try($$SELECT wal2events.route('orders', columns => '{customer,email}')$$);
-- (with REPLICA IDENTITY USING INDEX the identity is that index; FULL
-- carries every column)
ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_ref;
SELECT try($$SELECT wal2events.route('orders', partition_key => '{id}')$$);
SELECT try($$SELECT wal2events.route('orders', partition_key => '{ref}')$$);
ALTER TABLE orders REPLICA IDENTITY FULL;
SELECT try($$SELECT wal2events.route('orders', partition_key => '{customer}')$$);
ALTER TABLE orders REPLICA IDENTITY DEFAULT;
-- a table without a key: allowed (its events have an empty key), unless
-- a key is named
SELECT try($$SELECT wal2events.route('nokey')$$);
SELECT try($$SELECT wal2events.route('nokey', partition_key => '{a}')$$);

-- Subject templates (the shipper's rules)
SELECT template, try(format('SELECT wal2events.route(%L, subject => %L)', 'orders', template))
FROM unnest(ARRAY['', 'shop..{type}', '.shop', 'shop.', 'shop orders', 'shop.*', 'shop.>',
                  'shop.{entity}', 'shop.{type', 'shop.type}', E'shop.\x01',
                  'shop.{type}.{partition_key}', 'cdc.{database}.{schema}.{table}',
                  'shop-{type}_v1']) AS template;

-- Tags: a flat object of strings, numbers and booleans
SELECT try($$SELECT wal2events.route('orders', tags => '[]')$$);
SELECT try($$SELECT wal2events.route('orders', tags => '"x"')$$);
SELECT try($$SELECT wal2events.route('orders', tags => NULL)$$);
SELECT try($$SELECT wal2events.route('orders', tags => '{"a": {"b": 1}}')$$);
SELECT try($$SELECT wal2events.route('orders', tags => '{"a": [1]}')$$);
SELECT try($$SELECT wal2events.route('orders', tags => '{"a": null}')$$);

-- Soft deletes: a boolean or timestamp column, REPLICA IDENTITY FULL
SELECT try($$SELECT wal2events.route('orders', soft_delete => 'deleted')$$);
SELECT try($$SELECT wal2events.route('orders', soft_delete => 'flag')$$);
SELECT try($$SELECT wal2events.route('orders', soft_delete => 'note')$$);
ALTER TABLE orders ADD COLUMN deleted boolean;
SELECT try($$SELECT wal2events.route('orders', soft_delete => 'deleted')$$);

-- Outbox routes: Debezium's columns, payload jsonb, no per-operation
-- settings
SELECT try($$SELECT wal2events.route('orders', outbox => true)$$);
SELECT try($$SELECT wal2events.route('halfbox', outbox => true)$$);
SELECT try($$SELECT wal2events.route('textbox', outbox => true)$$);
SELECT try($$SELECT wal2events.route('outbox', outbox => true, created => 'x')$$);
SELECT try($$SELECT wal2events.route('outbox', outbox => true, partition_key => '{id}')$$);
SELECT try($$SELECT wal2events.route('outbox', outbox => true, soft_delete => 'x')$$);
SELECT try($$SELECT wal2events.route('outbox', outbox => true, exclude => '{payload}')$$);
SELECT try($$SELECT wal2events.route('outbox', outbox => true, columns => '{id,type}')$$);

-- unroute()
SELECT try($$SELECT wal2events.unroute(NULL)$$);
SELECT try($$SELECT wal2events.unroute('nosuch')$$);

-- Only what succeeded above was stored (the last route of orders: the
-- last subject that was accepted).
SELECT rel, partition_key, subject FROM wal2events.routes ORDER BY rel;

-- Only the extension's owner (or whom it grants) changes routes: they
-- decide what leaves the database.
CREATE ROLE routes_app;
GRANT SELECT ON orders TO routes_app;
SET ROLE routes_app;
SELECT try($$SELECT wal2events.route('orders')$$);
SELECT try($$SELECT wal2events.unroute('orders')$$);
SELECT try($$DELETE FROM wal2events.routes$$);
SELECT count(*) AS readable FROM wal2events.routes;
RESET ROLE;
-- Tables of such a role follow their routes all the same, and its DDL on
-- other tables is not hindered: the event triggers run as the extension's
-- owner.
GRANT CREATE ON SCHEMA public TO routes_app;
SET ROLE routes_app;
CREATE TABLE app_orders (id int PRIMARY KEY, secret text);
CREATE TABLE app_scratch (id int);
RESET ROLE;
SELECT rel FROM wal2events.route('app_orders', exclude => '{secret}');
SET ROLE routes_app;
DROP TABLE app_scratch;
ALTER TABLE app_orders RENAME COLUMN secret TO hidden;
SELECT rel, exclude FROM wal2events.routes WHERE rel = 'app_orders'::regclass;
DROP TABLE app_orders;
SELECT count(*) AS app_routes FROM wal2events.routes WHERE rel::text LIKE 'app%';
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM routes_app;
DROP OWNED BY routes_app;
DROP ROLE routes_app;

-- DDL on routed tables: a column the route needs cannot be dropped (a key
-- column, an outbox column); the whole table can.
SELECT rel FROM wal2events.route('orders', partition_key => '{id}', exclude => '{email}');
SELECT rel FROM wal2events.route('outbox', outbox => true);
SELECT try($$ALTER TABLE orders DROP COLUMN id$$);
SELECT try($$ALTER TABLE outbox DROP COLUMN payload$$);
SELECT try($$ALTER TABLE outbox DROP COLUMN aggregateid$$);
SELECT try($$ALTER TABLE outbox DROP COLUMN aggregatetype$$);
-- a route edited by hand to name a column the table does not have: the
-- next rename cannot tell which column the route meant, and refuses
UPDATE wal2events.routes SET exclude = '{email,emial}' WHERE rel = 'orders'::regclass;
SELECT try($$ALTER TABLE orders RENAME COLUMN email TO mail$$);
SELECT rel, exclude FROM wal2events.routes ORDER BY rel;
DROP TABLE outbox;
SELECT rel FROM wal2events.routes ORDER BY rel;

DROP TABLE orders;
DROP TABLE nokey, textbox, halfbox, scratch, temp_orders;
DROP SEQUENCE orders_seq;
DROP FUNCTION try(text);
