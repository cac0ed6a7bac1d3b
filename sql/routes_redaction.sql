--
-- routes_redaction: columns a route leaves out (columns => the only ones
-- shipped, exclude => never shipped) never leave the database: not in new
-- values, not in old values, not in the partition key, not in the Relation
-- descriptor, under every replica identity and for every operation. The
-- descriptor lists the shipped columns only and the values line up with
-- it. The proof: the secret values appear nowhere in the plugin's output,
-- binary or JSON, while without the routes they do.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('redact_slot', 'wal2events');

-- DEFAULT: the primary key (id, secret_code) is the identity; the code
-- is secret, so the partition key is id alone and old key values leave the
-- code out.
CREATE TABLE r_default (id int, secret_code text, name text, secret_email text,
                        PRIMARY KEY (id, secret_code));
SELECT rel FROM wal2events.route('r_default', exclude => '{secret_code,secret_email}',
                                 partition_key => '{id}');
-- USING INDEX on (region, secret_email).
CREATE TABLE r_index (id int PRIMARY KEY, region text NOT NULL, secret_email text NOT NULL, name text);
CREATE UNIQUE INDEX r_index_key ON r_index (region, secret_email);
ALTER TABLE r_index REPLICA IDENTITY USING INDEX r_index_key;
SELECT rel FROM wal2events.route('r_index', exclude => '{secret_email}', partition_key => '{region}');
-- FULL: the whole old row is logged; columns => ships id and name only.
CREATE TABLE r_full (id int PRIMARY KEY, name text, secret_email text, secret_phone text);
ALTER TABLE r_full REPLICA IDENTITY FULL;
SELECT rel FROM wal2events.route('r_full', columns => '{id,name}');
-- NOTHING: no old values at all.
CREATE TABLE r_nothing (id int PRIMARY KEY, name text, secret_email text);
ALTER TABLE r_nothing REPLICA IDENTITY NOTHING;
SELECT rel FROM wal2events.route('r_nothing', exclude => '{secret_email}');

-- Every operation on every table: insert, update of a shipped column,
-- update of the key, update of the secret only, delete, truncate. The
-- secret values contain "SECRET", the secret columns' names "secret_";
-- one value is large enough to be TOASTed.
INSERT INTO r_default VALUES (1, 'SECRET-code-1', 'ada', 'SECRET-ada@example.com');
INSERT INTO r_index VALUES (1, 'eu', 'SECRET-bob@example.com', 'bob');
INSERT INTO r_full VALUES (1, 'cy', 'SECRET-cy@example.com', 'SECRET-555');
INSERT INTO r_nothing VALUES (1, 'di', 'SECRET-di@example.com');
INSERT INTO r_full VALUES (2, 'big', repeat('SECRET-', 20000), 'SECRET-556');
UPDATE r_default SET name = 'ada2';
UPDATE r_index SET name = 'bob2';
UPDATE r_full SET name = name || '2';
UPDATE r_nothing SET name = 'di2';
UPDATE r_default SET id = 2;
UPDATE r_index SET region = 'us';
UPDATE r_full SET id = id + 10;
UPDATE r_nothing SET id = 2;
UPDATE r_default SET secret_code = 'SECRET-code-2', secret_email = 'SECRET-new@example.com';
UPDATE r_index SET secret_email = 'SECRET-new@example.com';
UPDATE r_full SET secret_email = 'SECRET-new@example.com';
UPDATE r_nothing SET secret_email = 'SECRET-new@example.com';
DELETE FROM r_default;
DELETE FROM r_index;
DELETE FROM r_full;
DELETE FROM r_nothing;
TRUNCATE r_default, r_index, r_full, r_nothing;

SELECT xact, pos, type, key, kind, rel, data FROM events('redact_slot');

-- Nowhere in the output, neither the values nor the columns' names (the
-- Relation descriptors list the shipped columns only): binary, framed or
-- bare, and JSON.
CREATE FUNCTION leaks(VARIADIC options text[] DEFAULT '{}')
RETURNS TABLE (messages bigint, with_secret_value bigint, with_secret_column bigint)
LANGUAGE sql AS $$
    SELECT count(*),
           count(*) FILTER (WHERE position('SECRET'::bytea IN data) > 0),
           count(*) FILTER (WHERE position('secret_'::bytea IN data) > 0)
    FROM pg_logical_slot_peek_binary_changes('redact_slot', NULL, NULL, VARIADIC options)
$$;
SELECT * FROM leaks();
SELECT * FROM leaks('framing', 'none');
SELECT count(*) AS messages, count(*) FILTER (WHERE data ~ 'SECRET|secret_') AS with_secret
FROM pg_logical_slot_peek_changes('redact_slot', NULL, NULL, 'format', 'json');
-- The control: the same WAL with the routes ignored carries both.
SELECT * FROM leaks('routes', 'ignore');
SELECT consume('redact_slot');

-- Routed columns follow DDL (event triggers change the route in the same
-- transaction, so the decoder sees both at the same point):
--  * a renamed excluded column stays excluded under its new name;
--  * a dropped column leaves columns and exclude; a new column of the same
--    name is a new column: shipped unless a columns list leaves it out.
CREATE TABLE people (id int PRIMARY KEY, name text, email text, phone text, note text);
SELECT rel FROM wal2events.route('people', columns => '{id,name,email,note}', exclude => '{email}');
INSERT INTO people VALUES (1, 'a', 'SECRET-1', 'p1', 'n1');
ALTER TABLE people RENAME COLUMN email TO mail;
SELECT columns, exclude FROM wal2events.routes WHERE rel = 'people'::regclass;
INSERT INTO people VALUES (2, 'b', 'SECRET-2', 'p2', 'n2');
ALTER TABLE people DROP COLUMN note;
SELECT columns, exclude FROM wal2events.routes WHERE rel = 'people'::regclass;
INSERT INTO people VALUES (3, 'c', 'SECRET-3', 'p3');
ALTER TABLE people DROP COLUMN mail;
SELECT columns, exclude FROM wal2events.routes WHERE rel = 'people'::regclass;
ALTER TABLE people ADD COLUMN note text, ADD COLUMN mail text;
INSERT INTO people VALUES (4, 'd', 'p4', 'n4', 'm4');
SELECT rel FROM wal2events.route('people', exclude => '{mail}');
ALTER TABLE people ADD COLUMN extra text;
INSERT INTO people VALUES (5, 'e', 'p5', 'n5', 'SECRET-5', 'x5');
SELECT xact, type, data->'new' AS new FROM events('redact_slot');
SELECT with_secret_value FROM leaks();
SELECT consume('redact_slot');

SELECT pg_drop_replication_slot('redact_slot');
DROP TABLE r_default, r_index, r_full, r_nothing, people;
DROP FUNCTION leaks(text[]);
