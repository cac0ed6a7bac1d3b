--
-- filters: the options tables, exclude-tables, actions and origins.
--
-- Table patterns are schema.table with '*' matching any characters;
-- double quotes protect characters that would otherwise separate ('.',
-- ',', '"' written as "") or be dropped (blanks); names are compared as
-- written, without case folding. An event filtered out leaves a gap:
-- positions count every change of the transaction, sent or not, so an
-- event keeps its id whatever the filters (event_ids.sql).
--
SELECT 'init' FROM pg_create_logical_replication_slot('filter_slot', 'wal2events');

CREATE SCHEMA "my schema";
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE order_lines (id int PRIMARY KEY);
CREATE TABLE audit_log (id int PRIMARY KEY);
CREATE TABLE "Mixed" (id int PRIMARY KEY);
CREATE TABLE "my schema"."odd.name, ""quoted""" (id int PRIMARY KEY);
BEGIN;
INSERT INTO orders VALUES (1);
INSERT INTO order_lines VALUES (1);
INSERT INTO audit_log VALUES (1);
INSERT INTO "Mixed" VALUES (1);
INSERT INTO "my schema"."odd.name, ""quoted""" VALUES (1);
SELECT wal2events.emit('tick', '', '{}') IS NOT NULL AS emitted;
COMMIT;

-- everything by default
SELECT pos, type, rel FROM events('filter_slot');

-- tables: only the matching tables (domain events are not tables' and
-- always pass); each keeps its position in the transaction
CREATE FUNCTION sent(VARIADIC options text[]) RETURNS text
LANGUAGE sql AS $$
    SELECT string_agg(format('%s:%s', pos, coalesce(rel, type)), ' ' ORDER BY xact, pos)
    FROM events('filter_slot', VARIADIC options)
$$;
SELECT option, pattern, sent(option, pattern)
FROM (VALUES ('tables', 'public.orders'),
             ('tables', 'public.order*'),
             ('tables', '*.*s'),
             ('tables', 'public.*_*'),
             ('tables', 'public.orders, public.audit_log'),
             ('tables', 'public.Mixed'),
             ('tables', 'public.mixed'),
             ('tables', 'public."Mixed"'),
             ('tables', '"my schema"."odd.name, ""quoted"""'),
             ('tables', '"my schema".*'),
             ('tables', 'nosuch.*'),
             ('exclude-tables', 'public.audit*'),
             ('exclude-tables', '*.*'),
             ('exclude-tables', '"my schema".*, public.order_lines')) v(option, pattern);
-- both: the tables that match the first and not the second
SELECT sent('tables', 'public.*', 'exclude-tables', 'public.order_lines, public.M*');
SELECT consume('filter_slot');

-- Filtered tables are also left out of TRUNCATE; a transaction with
-- nothing left sends no message.
TRUNCATE orders, audit_log;
TRUNCATE audit_log;
SELECT xact, pos, type, rel FROM events('filter_slot', 'exclude-tables', 'public.audit_log');
SELECT consume('filter_slot');

-- A renamed table is matched by its new name from the change after the
-- rename on.
BEGIN;
INSERT INTO audit_log VALUES (2);
ALTER TABLE audit_log RENAME TO order_audit;
INSERT INTO order_audit VALUES (3);
COMMIT;
SELECT xact, pos, type, key FROM events('filter_slot', 'tables', 'public.order*');
SELECT consume('filter_slot');

--
-- actions: which kinds of event are sent ("message" covers domain events
-- and logical messages).
--
BEGIN;
INSERT INTO orders VALUES (2);
UPDATE orders SET id = 3 WHERE id = 2;
DELETE FROM orders WHERE id = 3;
SELECT wal2events.emit('tick', '', '{}') IS NOT NULL AS emitted;
SELECT 'sent' FROM pg_logical_emit_message(true, 'app', 'hello');
TRUNCATE order_lines;
COMMIT;
SELECT actions, (SELECT string_agg(format('%s:%s', pos, kind), ' ' ORDER BY pos)
                 FROM events('filter_slot', 'actions', actions, 'message-prefixes', 'app')) AS sent
FROM unnest(ARRAY['insert,update,delete,truncate,message', 'insert', 'update', 'delete',
                  'truncate', 'message', 'insert, delete', 'message,truncate']) actions;
SELECT consume('filter_slot');

--
-- origins: changes replayed through a replication origin carry its name,
-- its LSN and its commit time; origins=local leaves them out.
--
SELECT 'created' FROM pg_replication_origin_create('regress_upstream');
SELECT pg_replication_origin_session_setup('regress_upstream');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2024-01-01 00:00:00+00');
INSERT INTO orders VALUES (10);
COMMIT;
SELECT pg_replication_origin_session_reset();
INSERT INTO orders VALUES (11);
SELECT m, n, extra, ok FROM messages('filter_slot');
-- the commit time of a replayed transaction is the one the origin gave
SELECT msg->'commit_time' AS commit_time FROM peek_decoded('filter_slot') WHERE msg ? 'origin';
SELECT m, n, extra, ok FROM messages('filter_slot', 'origins', 'all');
SELECT m, n, extra, ok FROM messages('filter_slot', 'origins', 'local');
SELECT xact, pos, type, key FROM events('filter_slot', 'origins', 'local');
SELECT pg_replication_origin_drop('regress_upstream');

SELECT pg_drop_replication_slot('filter_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE orders, order_lines, order_audit, "Mixed";
DROP SCHEMA "my schema" CASCADE;
DROP FUNCTION sent(text[]);
