--
-- routes_forged: only the extension's own routes table is read.
--
-- The plugin finds wal2events.routes by name, but trusts it only if it
-- belongs to the wal2events extension (pg_depend, as of the change). In a
-- database without the extension, or after DROP EXTENSION, a role with
-- CREATE on the database could otherwise make a schema wal2events with a
-- routes table of its own and give other owners' tables forged event
-- types, subjects, tags and columns. Such a table is ignored: the tables
-- keep their default events. Where the extension is installed, a role
-- that does not own it can forge nothing.
--
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
CREATE ROLE regress_w2e_forger;
CREATE ROLE regress_w2e_owner;
CREATE DATABASE regress_w2e_noext TEMPLATE template0;
GRANT CREATE ON DATABASE regress_w2e_noext TO regress_w2e_forger;
\c regress_w2e_noext
SELECT count(*) AS wal2events_extensions FROM pg_extension WHERE extname = 'wal2events';

-- What the forger creates: a look-alike of the extension's table, as a
-- user catalog table, with a route for the owner's table.
CREATE FUNCTION forge() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    CREATE SCHEMA wal2events;
    CREATE TABLE wal2events.routes (
        rel regclass PRIMARY KEY, entity text NOT NULL, created text NOT NULL,
        updated text NOT NULL, deleted text NOT NULL, partition_key text[], columns text[],
        exclude text[] NOT NULL DEFAULT '{}', subject text, tags jsonb NOT NULL DEFAULT '{}',
        soft_delete text, outbox boolean NOT NULL DEFAULT false
    ) WITH (user_catalog_table = true);
    INSERT INTO wal2events.routes VALUES ('public.victim', 'forged', 'forged-created', 'forged-updated',
        'forged-deleted', NULL, '{id}', '{}', 'forged.{type}', '{"forged": "yes"}', NULL, false);
    RETURN 'forged by ' || current_user;
END
$$;
-- The victim's events, from the slot's format=json output (there is no
-- decode() without the extension).
CREATE FUNCTION shown(slot name, routes text DEFAULT 'apply')
RETURNS TABLE (type text, subject text, tags jsonb, new jsonb)
LANGUAGE sql AS $$
    SELECT e->>'type', e->>'subject', e->'tags', e->'new'
    FROM pg_logical_slot_peek_binary_changes(slot, NULL, NULL, 'format', 'json', 'routes', routes) p,
         jsonb_array_elements(convert_from(p.data, 'UTF8')::jsonb->'events') e
    WHERE e->>'table' = 'victim'
$$;
CREATE FUNCTION consume(slot name) RETURNS boolean
LANGUAGE sql AS $$ SELECT count(*) > 0 FROM pg_logical_slot_get_binary_changes(slot, NULL, NULL) $$;

CREATE TABLE victim (id int PRIMARY KEY, secret text);
ALTER TABLE victim OWNER TO regress_w2e_owner;
SELECT 'init' FROM pg_create_logical_replication_slot('forged_slot', 'wal2events');

-- 1. No extension: the forger's table is a routes table by name only.
SET ROLE regress_w2e_forger;
SELECT forge();
RESET ROLE;
INSERT INTO victim VALUES (1, 'not for the forger');
SELECT * FROM shown('forged_slot');
-- with routes=only, only routed tables ship: the victim is not routed
SELECT count(*) AS routed_only FROM shown('forged_slot', 'only');
SELECT consume('forged_slot');

-- 2. After DROP EXTENSION: the real table is gone, a forged one is ignored.
-- (The forger's table is dropped once its changes are decoded: PostgreSQL
-- cannot decode changes of a user catalog table dropped since.)
DROP SCHEMA wal2events CASCADE;
CREATE EXTENSION wal2events;
SELECT rel FROM wal2events.route('victim', entity => 'real', exclude => '{secret}');
INSERT INTO victim VALUES (2, 'kept back by the real route');
SELECT * FROM shown('forged_slot');
SELECT consume('forged_slot');
DROP EXTENSION wal2events;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'wal2events';
DROP SCHEMA IF EXISTS wal2events;
SET ROLE regress_w2e_forger;
SELECT forge();
RESET ROLE;
INSERT INTO victim VALUES (3, 'not for the forger');
UPDATE victim SET secret = 'still not' WHERE id = 3;
SELECT * FROM shown('forged_slot');
SELECT count(*) AS routed_only FROM shown('forged_slot', 'only');
SELECT pg_drop_replication_slot('forged_slot');

\c :regress_db
DROP DATABASE regress_w2e_noext;

-- 3. With the extension: a role that does not own it cannot write the
-- routes, add a table to its schema, nor call route().
SET ROLE regress_w2e_forger;
INSERT INTO wal2events.routes (rel, entity, created, updated, deleted)
VALUES ('pg_class', 'x', 'x', 'x', 'x');
CREATE TABLE wal2events.routes2 (rel regclass);
SELECT wal2events.route('pg_class');
RESET ROLE;

DROP ROLE regress_w2e_forger, regress_w2e_owner;
SELECT slot_name AS slots_left FROM pg_replication_slots;
