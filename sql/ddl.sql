--
-- ddl: schema changes between row changes.
--
-- Every change is decoded with the table as it was when the change was
-- made (the historic catalog), across transactions and inside one: after
-- ALTER TABLE the next change already shows the new shape, and a message
-- carries one relation description per shape the table had in it.
--
SELECT 'init' FROM pg_create_logical_replication_slot('ddl_slot', 'wal2events');

CREATE FUNCTION show_ddl() RETURNS TABLE (xact bigint, pos int, type text, key text, rel text, data jsonb)
LANGUAGE sql AS $$
    SELECT xact, pos, type, key, rel, data FROM events('ddl_slot')
$$;

-- Across transactions.
CREATE TABLE item (id int PRIMARY KEY, a text, b int);
INSERT INTO item VALUES (1, 'a1', 1);
ALTER TABLE item ADD COLUMN c text DEFAULT 'dflt';
INSERT INTO item VALUES (2, 'a2', 2, 'c2');
UPDATE item SET b = 10 WHERE id = 1;	-- the default of the new column shows
ALTER TABLE item DROP COLUMN a;
INSERT INTO item VALUES (3, 3, 'c3');
ALTER TABLE item RENAME COLUMN b TO bee;
INSERT INTO item VALUES (4, 4, 'c4');
ALTER TABLE item ALTER COLUMN bee TYPE text USING 'bee' || bee;	-- rewrites the table
INSERT INTO item VALUES (5, 'bee5', 'c5');
ALTER TABLE item RENAME TO thing;
INSERT INTO thing VALUES (6, 'bee6', 'c6');
SELECT * FROM show_ddl();
SELECT consume('ddl_slot');

-- The same inside one transaction: one message, each change with the
-- shape of its moment.
CREATE TABLE one (id int PRIMARY KEY, a text, b int);
BEGIN;
INSERT INTO one VALUES (1, 'a1', 1);
ALTER TABLE one ADD COLUMN c text;
INSERT INTO one VALUES (2, 'a2', 2, 'c2');
UPDATE one SET c = 'c1' WHERE id = 1;
ALTER TABLE one DROP COLUMN a;
INSERT INTO one VALUES (3, 3, 'c3');
ALTER TABLE one RENAME COLUMN b TO bee;
INSERT INTO one VALUES (4, 4, 'c4');
ALTER TABLE one ALTER COLUMN bee TYPE bigint;
INSERT INTO one VALUES (5, 9223372036854775807, 'c5');
ALTER TABLE one RENAME TO uno;
INSERT INTO uno VALUES (6, 6, 'c6');
DELETE FROM uno WHERE id = 1;
COMMIT;
SELECT * FROM show_ddl();
SELECT m, n, positions, ok FROM messages('ddl_slot');
SELECT consume('ddl_slot');

-- A table created, filled and changed in the same transaction.
BEGIN;
CREATE TABLE fresh (id int PRIMARY KEY);
INSERT INTO fresh VALUES (1);
ALTER TABLE fresh ADD COLUMN note text;
INSERT INTO fresh VALUES (2, 'two');
COMMIT;
SELECT * FROM show_ddl();
SELECT consume('ddl_slot');

-- A volatile default rewrites the table: the rewrite's own rows are not
-- events, only the change after it is.
INSERT INTO fresh VALUES (3, 'three');
SELECT consume('ddl_slot');
ALTER TABLE fresh ADD COLUMN r float8 DEFAULT random();
UPDATE fresh SET note = 'changed', r = 0.5 WHERE id = 3;
SELECT * FROM show_ddl();
SELECT consume('ddl_slot');

-- Renamed enum labels and schemas: each change is shown with the names of
-- its moment, also inside one transaction.
CREATE SCHEMA shop;
CREATE TYPE shop.state AS ENUM ('new', 'paid');
CREATE TABLE shop.orders (id int PRIMARY KEY, s shop.state);
BEGIN;
INSERT INTO shop.orders VALUES (1, 'paid');
ALTER TYPE shop.state RENAME VALUE 'paid' TO 'settled';
INSERT INTO shop.orders VALUES (2, 'settled');
ALTER SCHEMA shop RENAME TO store;
INSERT INTO store.orders VALUES (3, 'new');
COMMIT;
SELECT * FROM show_ddl();

SELECT DISTINCT ok FROM events('ddl_slot');
SELECT pg_drop_replication_slot('ddl_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE thing, uno, fresh;
DROP SCHEMA store CASCADE;
DROP FUNCTION show_ddl();
