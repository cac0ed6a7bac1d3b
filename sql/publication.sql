--
-- publication: the option publication=<name> selects tables, actions and
-- columns with an existing PostgreSQL publication (FOR TABLE with column
-- lists, FOR TABLES IN SCHEMA, FOR ALL TABLES; WITH (publish = ...)), read
-- as pgoutput reads it: with the historic snapshot, so a change is
-- selected by the publication as it was when the change was made. It
-- combines with routes, the other options and emit() events, which a
-- publication does not select.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('pub_slot', 'wal2events');

CREATE SCHEMA sales;
CREATE TABLE accounts (id int PRIMARY KEY, owner text, secret_pin text);
CREATE TABLE notes (id int PRIMARY KEY, body text);
CREATE TABLE sales.invoices (id int PRIMARY KEY, amount int);
CREATE PUBLICATION pub_accounts FOR TABLE accounts (id, owner) WITH (publish = 'insert, update');
CREATE PUBLICATION pub_sales FOR TABLES IN SCHEMA sales;
CREATE PUBLICATION pub_all FOR ALL TABLES WITH (publish = 'delete, truncate');

-- What each selects of one stream; without the option, everything.
CREATE FUNCTION shipped(VARIADIC options text[] DEFAULT '{}') RETURNS TABLE (type text, key text, data jsonb)
LANGUAGE sql AS $$
    SELECT type, key, data FROM events('pub_slot', VARIADIC options) ORDER BY xact, pos
$$;
BEGIN;
INSERT INTO accounts VALUES (1, 'ada', 'SECRET-1234');
INSERT INTO notes VALUES (1, 'hello');
INSERT INTO sales.invoices VALUES (1, 100);
UPDATE accounts SET owner = 'ada l.', secret_pin = 'SECRET-4321';
SELECT wal2events.emit('audited', '1', '{}') IS NOT NULL AS emitted;
DELETE FROM accounts;
DELETE FROM notes;
TRUNCATE sales.invoices;
COMMIT;
SELECT * FROM shipped('publication', 'pub_accounts');
SELECT * FROM shipped('publication', 'pub_sales');
SELECT * FROM shipped('publication', 'pub_all');
SELECT count(*) AS events FROM shipped();
-- the column list keeps the secret in the database, name and value
SELECT count(*) FILTER (WHERE position('SECRET'::bytea IN data) > 0) AS with_secret_value,
       count(*) FILTER (WHERE position('secret_'::bytea IN data) > 0) AS with_secret_column
FROM pg_logical_slot_peek_binary_changes('pub_slot', NULL, NULL, 'publication', 'pub_accounts');
SELECT consume('pub_slot');

-- The publication as it was at each change: tables added and removed,
-- actions and column lists changed in the middle of the stream.
CREATE PUBLICATION pub_live FOR TABLE notes;
INSERT INTO notes VALUES (2, 'notes only');
INSERT INTO accounts VALUES (2, 'not yet', 'SECRET-2');
ALTER PUBLICATION pub_live ADD TABLE accounts (id);
INSERT INTO accounts VALUES (3, 'id only', 'SECRET-3');
ALTER PUBLICATION pub_live SET (publish = 'insert');
DELETE FROM notes;
ALTER PUBLICATION pub_live SET TABLE accounts (id, owner);
INSERT INTO notes VALUES (3, 'no longer');
INSERT INTO accounts VALUES (4, 'id and owner', 'SECRET-4');
SELECT * FROM shipped('publication', 'pub_live');
SELECT consume('pub_slot');

-- With routes: both must ship a column, and routes=only keeps the routed
-- tables of the publication.
CREATE PUBLICATION pub_accounts_all FOR TABLE accounts, notes;
SELECT rel FROM wal2events.route('accounts', entity => 'account', exclude => '{owner}');
INSERT INTO accounts VALUES (5, 'routed', 'SECRET-5');
INSERT INTO notes VALUES (5, 'not routed');
SELECT * FROM shipped('publication', 'pub_accounts_all');
SELECT * FROM shipped('publication', 'pub_accounts');
SELECT * FROM shipped('publication', 'pub_accounts_all', 'routes', 'only');
SELECT consume('pub_slot');

-- A partitioned table's publication covers its partitions (the column
-- list by name). The changes still come as the partition's:
-- publish_via_partition_root only decides which column list applies.
CREATE TABLE events_p (id int, region text, payload text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE events_p_eu PARTITION OF events_p FOR VALUES IN ('eu');
CREATE PUBLICATION pub_parted FOR TABLE events_p (id, region) WITH (publish_via_partition_root = true);
INSERT INTO events_p VALUES (1, 'eu', 'hidden');
SELECT * FROM shipped('publication', 'pub_parted');
SELECT consume('pub_slot');

-- A table published with a row filter is left out, with a WARNING:
-- wal2events does not evaluate row filters and never ships a row the
-- publication leaves out.
CREATE PUBLICATION pub_filtered FOR TABLE notes WHERE (id > 10), accounts;
INSERT INTO notes VALUES (11, 'filtered table');
INSERT INTO accounts VALUES (11, 'unfiltered table', 'SECRET-11');
SELECT * FROM shipped('publication', 'pub_filtered');

-- A publication that does not exist (as of the change: one created later
-- does not count) is an ERROR, as in pgoutput.
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('pub_slot', NULL, NULL, 'publication', 'nosuch');
CREATE PUBLICATION pub_late FOR ALL TABLES;
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('pub_slot', NULL, NULL, 'publication', 'pub_late');
SELECT consume('pub_slot');
INSERT INTO notes VALUES (12, 'after pub_late');
SELECT * FROM shipped('publication', 'pub_late');
SELECT consume('pub_slot');

SELECT pg_drop_replication_slot('pub_slot');
DROP PUBLICATION pub_accounts, pub_sales, pub_all, pub_live, pub_accounts_all, pub_parted,
                 pub_filtered, pub_late;
DROP TABLE accounts, notes, events_p;
DROP SCHEMA sales CASCADE;
DROP FUNCTION shipped(text[]);
