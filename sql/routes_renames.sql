--
-- routes_renames: a route follows its table's columns whichever DDL path
-- renames or drops them, so an excluded column stays excluded:
--  * ALTER TYPE ... RENAME ATTRIBUTE / DROP ATTRIBUTE ... CASCADE on
--    typed tables (CREATE TABLE ... OF type), partitioned ones included;
--  * a parent's RENAME COLUMN / DROP COLUMN reaching inheritance children
--    and partitions;
--  * ALTER FOREIGN TABLE ... RENAME COLUMN / DROP COLUMN reaching a table
--    that inherits from the foreign table;
--  * DROP DOMAIN ... CASCADE dropping a column.
-- And where the event triggers do not run (session_replication_role =
-- replica), a route naming a column the table no longer has fails closed:
-- the plugin ships none of the table's columns, with a WARNING.
--
-- Every secret value contains "SECRET"; the proof is that it appears in no
-- event, as a value or anywhere else in the message.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('renames_slot', 'wal2events');

-- The routes' column lists, and the events with whether a secret leaked.
CREATE FUNCTION route_columns() RETURNS TABLE (rel regclass, columns text[], exclude text[])
LANGUAGE sql AS $$
    SELECT rel, columns, exclude FROM wal2events.routes
    WHERE rel::text LIKE 'rn\_%' ORDER BY rel::text
$$;
CREATE FUNCTION shown() RETURNS TABLE (rel text, kind text, key text, new jsonb, ok text)
LANGUAGE sql AS $$
    SELECT rel, kind, key, data->'new', ok FROM events('renames_slot') WHERE rel LIKE 'public.rn\_%'
$$;
CREATE FUNCTION leaked() RETURNS boolean
LANGUAGE sql AS $$
    SELECT coalesce(bool_or(position('SECRET' IN data) > 0), false)
    FROM pg_logical_slot_peek_binary_changes('renames_slot', NULL, NULL)
$$;

-- A composite type, a typed table and a partitioned typed table.
CREATE TYPE rn_person AS (id int, name text, email text, phone text);
CREATE TABLE rn_people OF rn_person (PRIMARY KEY (id));
CREATE TABLE rn_people_p OF rn_person (PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE rn_people_p1 PARTITION OF rn_people_p FOR VALUES FROM (0) TO (100);
SELECT rel FROM wal2events.route('rn_people', exclude => '{email,phone}');
SELECT rel FROM wal2events.route('rn_people_p1', exclude => '{email,phone}');
-- An inheritance parent and child, a partitioned table and its partition.
CREATE TABLE rn_parent (id int PRIMARY KEY, name text, email text, phone text);
CREATE TABLE rn_child (PRIMARY KEY (id)) INHERITS (rn_parent);
SELECT rel FROM wal2events.route('rn_child', exclude => '{email,phone}');
CREATE TABLE rn_part (id int, name text, email text, phone text, PRIMARY KEY (id)) PARTITION BY LIST (id);
CREATE TABLE rn_part_1 PARTITION OF rn_part FOR VALUES IN (1);
SELECT rel FROM wal2events.route('rn_part_1', exclude => '{email,phone}');
-- A table inheriting from a foreign table.
CREATE FOREIGN DATA WRAPPER rn_fdw;
CREATE SERVER rn_server FOREIGN DATA WRAPPER rn_fdw;
CREATE FOREIGN TABLE rn_foreign (id int, name text, email text, phone text) SERVER rn_server;
CREATE TABLE rn_fchild (PRIMARY KEY (id)) INHERITS (rn_foreign);
SELECT rel FROM wal2events.route('rn_fchild', exclude => '{email,phone}');
-- A column of a domain type.
CREATE DOMAIN rn_secret_text AS text;
CREATE TABLE rn_domain (id int PRIMARY KEY, name text, email rn_secret_text);
SELECT rel FROM wal2events.route('rn_domain', exclude => '{email}');
SELECT * FROM route_columns();

-- The renames, each through another path: the routes follow.
ALTER TYPE rn_person RENAME ATTRIBUTE email TO mail CASCADE;
ALTER TABLE rn_parent RENAME COLUMN email TO mail;
ALTER TABLE rn_part RENAME COLUMN email TO mail;
ALTER FOREIGN TABLE rn_foreign RENAME COLUMN email TO mail;
SELECT * FROM route_columns();

INSERT INTO rn_people VALUES (1, 'ada', 'SECRET-ada@example.com', 'SECRET-1');
INSERT INTO rn_people_p VALUES (1, 'bob', 'SECRET-bob@example.com', 'SECRET-2');
INSERT INTO rn_child VALUES (1, 'cy', 'SECRET-cy@example.com', 'SECRET-3');
INSERT INTO rn_part VALUES (1, 'di', 'SECRET-di@example.com', 'SECRET-4');
INSERT INTO rn_domain VALUES (1, 'ed', 'SECRET-ed@example.com');
INSERT INTO rn_fchild VALUES (1, 'flo', 'SECRET-flo@example.com', 'SECRET-5');
SELECT * FROM shown();
SELECT leaked();
SELECT consume('renames_slot') > 0 AS consumed;

-- The drops: the dropped columns leave the routes.
ALTER TYPE rn_person DROP ATTRIBUTE phone CASCADE;
ALTER TABLE rn_parent DROP COLUMN phone;
ALTER TABLE rn_part DROP COLUMN phone;
ALTER FOREIGN TABLE rn_foreign DROP COLUMN phone;
DROP DOMAIN rn_secret_text CASCADE;
SELECT * FROM route_columns();
UPDATE rn_people SET name = 'ada 2';
UPDATE rn_people_p SET name = 'bob 2';
UPDATE rn_child SET name = 'cy 2';
UPDATE rn_part SET name = 'di 2';
UPDATE rn_domain SET name = 'ed 2';
UPDATE rn_fchild SET name = 'flo 2';
SELECT * FROM shown();
SELECT leaked();
SELECT consume('renames_slot') > 0 AS consumed;

--
-- Event triggers do not run under session_replication_role = replica
-- (nor when disabled): the renames below leave the routes naming columns
-- the tables no longer have. The plugin then withholds every column of
-- the table: the events go out with their types, no values and no key.
--
SET session_replication_role = replica;
ALTER TYPE rn_person RENAME ATTRIBUTE mail TO contact CASCADE;
ALTER TABLE rn_parent RENAME COLUMN mail TO contact;
RESET session_replication_role;
SELECT * FROM route_columns();
UPDATE rn_people SET name = 'ada 3';
UPDATE rn_people_p SET name = 'bob 3';
UPDATE rn_child SET name = 'cy 3';
SELECT * FROM shown();
SELECT leaked();
SELECT consume('renames_slot') > 0 AS consumed;
-- routed again with the current names, they ship what the route says
SELECT rel, exclude FROM wal2events.route('rn_people', exclude => '{contact}');
UPDATE rn_people SET name = 'ada 4';
SELECT * FROM shown();
SELECT leaked();

SELECT pg_drop_replication_slot('renames_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE rn_people, rn_people_p, rn_child, rn_parent, rn_part, rn_domain, rn_fchild;
DROP FOREIGN TABLE rn_foreign;
DROP SERVER rn_server;
DROP FOREIGN DATA WRAPPER rn_fdw;
DROP TYPE rn_person;
DROP FUNCTION route_columns(), shown(), leaked();
