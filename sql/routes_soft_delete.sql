--
-- routes_soft_delete: a route may name a soft-delete column, boolean (true:
-- deleted) or timestamp (not NULL: deleted). An UPDATE that sets it is an
-- <entity>-deleted event, one that clears it <entity>-undeleted; other
-- updates stay <entity>-updated. Whether it was set before comes from the
-- old row, so route() requires REPLICA IDENTITY FULL (routes_errors); a
-- table later set back to another identity has no old row, and an update
-- then counts the row as not deleted before.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('soft_slot', 'wal2events');

CREATE TABLE customers (id int PRIMARY KEY, name text, deleted_at timestamptz);
ALTER TABLE customers REPLICA IDENTITY FULL;
SELECT rel, soft_delete FROM wal2events.route('customers', entity => 'customer',
                                              soft_delete => 'deleted_at');
CREATE TABLE products (id int PRIMARY KEY, name text, archived boolean NOT NULL DEFAULT false);
ALTER TABLE products REPLICA IDENTITY FULL;
-- the column need not be shipped: only whether it is set decides
SELECT rel, soft_delete FROM wal2events.route('products', entity => 'product',
                                              soft_delete => 'archived', exclude => '{archived}');

INSERT INTO customers VALUES (1, 'ada', NULL), (2, 'bob', '2026-01-01');
UPDATE customers SET deleted_at = '2026-11-26 12:00:00+00' WHERE id = 1;  -- deleted
UPDATE customers SET name = 'ada (gone)' WHERE id = 1;                    -- updated
UPDATE customers SET deleted_at = '2026-11-27 12:00:00+00' WHERE id = 1;  -- updated (still set)
UPDATE customers SET deleted_at = NULL;                                   -- undeleted both
UPDATE customers SET name = name || '!';                                  -- updated
DELETE FROM customers WHERE id = 2;                                       -- deleted (a real delete)
SELECT xact, pos, type, key, data->'new' AS new FROM events('soft_slot');
SELECT consume('soft_slot');

INSERT INTO products VALUES (1, 'lamp', false), (2, 'desk', true);
UPDATE products SET archived = true WHERE id = 1;
UPDATE products SET archived = false WHERE id = 2;
UPDATE products SET archived = NOT archived;
UPDATE products SET name = upper(name);
SELECT xact, pos, type, key, data->'new' AS new FROM events('soft_slot');
SELECT consume('soft_slot');

-- Without the old row (REPLICA IDENTITY changed after routing) setting
-- the column is still a delete, clearing it an update.
ALTER TABLE products REPLICA IDENTITY DEFAULT;
UPDATE products SET archived = true WHERE id = 1;
UPDATE products SET archived = false WHERE id = 1;
SELECT xact, type, key FROM events('soft_slot');
SELECT consume('soft_slot');

-- Dropping the column ends soft deletes: the route forgets it.
ALTER TABLE customers DROP COLUMN deleted_at;
SELECT rel, soft_delete FROM wal2events.routes ORDER BY rel;
UPDATE customers SET name = 'ada';
SELECT xact, type FROM events('soft_slot');
SELECT consume('soft_slot');

SELECT pg_drop_replication_slot('soft_slot');
DROP TABLE customers, products;
