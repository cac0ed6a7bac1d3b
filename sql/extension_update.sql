--
-- extension_update: a 1.0 installation, with a route and a slot, updated
-- in place with ALTER EXTENSION ... UPDATE gets 1.1's backfills; its route
-- keeps working and its read type defaults to <entity>-read.
--
\set SHOW_CONTEXT never
\set orig_db :DBNAME
CREATE DATABASE w2e_update;
\c w2e_update
CREATE EXTENSION wal2events VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'wal2events';
CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items VALUES (1, 'one'), (2, 'two');
SELECT rel, entity FROM wal2events.route('items', entity => 'item');
SELECT 'init' FROM pg_create_logical_replication_slot('upd_slot', 'wal2events');
INSERT INTO items VALUES (3, 'three');

ALTER EXTENSION wal2events UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'wal2events';
SELECT rel, entity, read FROM wal2events.routes;
SELECT wal2events.backfill('items', chunk_rows => 2) AS id \gset
CALL wal2events.backfill_run(:id);
SELECT state, chunks, rows FROM wal2events.backfills;
-- the insert made under 1.0, then the rows as read events of the old route
SELECT e->>'type' AS type, e->>'operation' AS op, e->>'partition_key' AS key
FROM pg_logical_slot_get_binary_changes('upd_slot', NULL, NULL) c,
     jsonb_array_elements(wal2events.decode(c.data)->'events') e;
SELECT pg_drop_replication_slot('upd_slot');
\c :orig_db
DROP DATABASE w2e_update;
