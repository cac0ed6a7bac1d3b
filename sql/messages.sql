--
-- messages: logical messages (pg_logical_emit_message) with prefixes
-- other than "wal2events".
--
-- They are not events unless the message-prefixes option names their
-- prefix ('*' matches any characters); then each is an event whose type is
-- the prefix, with the content as text (or as hex when it is not UTF-8 or
-- holds NUL bytes). A non-transactional message goes out at once, alone,
-- marked non_transactional, whatever becomes of its transaction. A message
-- that claims the "wal2events" prefix but is not a domain event is passed
-- on raw, with a WARNING.
--
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('msg_slot', 'wal2events');

CREATE TABLE log (id int PRIMARY KEY);

BEGIN;
INSERT INTO log VALUES (1);
SELECT 'sent' FROM pg_logical_emit_message(true, 'app', 'hello');
SELECT 'sent' FROM pg_logical_emit_message(true, 'app.audit', E'bytes\\000inside'::bytea);
SELECT 'sent' FROM pg_logical_emit_message(true, 'other', 'not asked for');
SELECT 'sent' FROM pg_logical_emit_message(true, 'app', '');
INSERT INTO log VALUES (2);
COMMIT;

-- by default only the row changes
SELECT xact, pos, type, kind, data FROM events('msg_slot');
-- asked for by name: an event at its place among the row changes
SELECT xact, pos, type, key, kind, data, ok FROM events('msg_slot', 'message-prefixes', 'app');
-- patterns: '*' anywhere, several patterns, quoted names with a dot
SELECT p AS pattern, (SELECT string_agg(type, ' ' ORDER BY pos)
                      FROM events('msg_slot', 'message-prefixes', p) WHERE kind = 'message') AS prefixes
FROM unnest(ARRAY['*', 'app*', '*t', 'app"."*', 'ap', 'app,other', '"app.audit"', 'x*, oth*r']) p;
-- a prefix that only matches in part does not match
SELECT count(*) FILTER (WHERE kind = 'message') AS messages
FROM events('msg_slot', 'message-prefixes', 'pp');
SELECT consume('msg_slot');

-- Non-transactional: sent alone, at once, before the transaction that
-- wrote it commits and even when it rolls back; no commit time, xid 0
-- even where the writing session had a transaction id.
BEGIN;
INSERT INTO log VALUES (3);
SELECT 'sent' FROM pg_logical_emit_message(false, 'app', 'right now');
INSERT INTO log VALUES (4);
COMMIT;
BEGIN;
SELECT 'sent' FROM pg_logical_emit_message(false, 'app', 'despite the rollback');
INSERT INTO log VALUES (5);
ROLLBACK;
SELECT 'sent' FROM pg_logical_emit_message(false, 'app', 'no transaction at all');
SELECT flush_wal();	-- see setup
SELECT m, xact, chunk, last_chunk, n, extra, ok FROM messages('msg_slot', 'message-prefixes', 'app');
SELECT xact, pos, type, kind, data FROM events('msg_slot', 'message-prefixes', 'app');
SELECT msg->'xid' AS xid, msg->'commit_time' AS commit_time
FROM peek_decoded('msg_slot', 'message-prefixes', 'app') WHERE msg ? 'non_transactional';
-- not asked for: nothing at all
SELECT m, n, extra FROM messages('msg_slot');
SELECT consume('msg_slot');

-- The prefix "wal2events" belongs to emit(): a message with it that is not
-- a domain event comes as a raw message event with a WARNING, whether
-- asked for or not.
BEGIN;
SELECT 'sent' FROM pg_logical_emit_message(true, 'wal2events', 'not a domain event');
SELECT wal2events.emit('real', 'k', '{"a": 1}') IS NOT NULL AS emitted;
COMMIT;
SELECT 'sent' FROM pg_logical_emit_message(false, 'wal2events', E'\\x0a00'::bytea);
SELECT flush_wal();
SELECT xact, pos, type, kind, data FROM events('msg_slot');

-- The actions option decides whether messages and domain events are sent
-- at all.
SELECT count(*) AS events FROM events('msg_slot', 'actions', 'insert,update,delete,truncate',
                                      'message-prefixes', '*');
SELECT count(*) AS events FROM events('msg_slot', 'actions', 'message');

SELECT pg_drop_replication_slot('msg_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE log;
