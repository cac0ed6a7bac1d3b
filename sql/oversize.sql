--
-- oversize: no committed transaction can stop a slot.
--
-- A value or an event too large to encode (the slot's max-event-bytes, at
-- most 512 MB, well below PostgreSQL's 1 GB limit on a buffer) goes out as
-- an Oversized marker: its size in bytes and its SHA-256, counted in the
-- message's "oversized" member and logged as a WARNING with no data in it.
-- Here the limit is set low (1024 bytes) so that values of ordinary sizes
-- trigger it; tests/t/005_oversized.pl does the same with 1 GB values.
--
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('big_slot', 'wal2events');

CREATE TABLE big (id int PRIMARY KEY, note text, data bytea, doc jsonb, tags text[]);

-- long runs of one letter, shortened for reading: "aaaa…"
CREATE FUNCTION brief(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT regexp_replace(j::text, '([a-z])\1{7,}', '\1\1\1…', 'g') $$;

-- max-event-bytes is parsed as strictly as every other option
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('big_slot', NULL, NULL, 'max-event-bytes', '1023');
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('big_slot', NULL, NULL, 'max-event-bytes', '536870913');
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('big_slot', NULL, NULL, 'max-event-bytes', '1k');

BEGIN;
-- 1: everything fits
INSERT INTO big VALUES (1, 'small', '\x0102', '{"a": 1}', '{x,y}');
-- 2: one value alone is past the limit
INSERT INTO big VALUES (2, repeat('n', 2000), '\x01', NULL, NULL);
-- 3: each value fits alone, not all of them: values are weighed in column
--    order, and each one that would take the event past the limit is
--    replaced (here data and doc; note came first and fits)
INSERT INTO big VALUES (3, repeat('a', 600), decode(repeat('bb', 600), 'hex'),
                        jsonb_build_object('k', repeat('c', 600)), NULL);
-- 4: an array
INSERT INTO big VALUES (4, NULL, NULL, NULL, array_fill('elem'::text, ARRAY[300]));
-- 5: a domain event past the limit: the event keeps its type and key
SELECT wal2events.emit('big-event', 'k1', jsonb_build_object('blob', repeat('d', 2000))) IS NOT NULL AS emitted;
-- 6: a logical message past the limit
SELECT pg_logical_emit_message(true, 'app', repeat('m', 3000)) IS NOT NULL AS emitted;
COMMIT;
-- 7: an UPDATE with the whole old row (REPLICA IDENTITY FULL): old values
--    share the event's budget with the new ones
ALTER TABLE big REPLICA IDENTITY FULL;
UPDATE big SET id = 10 WHERE id = 3;

-- the events as a consumer sees them with max-event-bytes=1024, and the
-- WARNING each marker logs (sizes only, no data)
SELECT xact, pos, type, key, kind, brief(data) AS data, ok
FROM events('big_slot', 'max-event-bytes', '1024', 'message-prefixes', 'app');
-- (the same WARNINGs come again with every decoding below)
SET client_min_messages = error;

-- the markers' sizes and hashes are those of the values as stored
SELECT e.value->'new'->'note'->'oversized'->>'bytes' AS bytes,
       e.value->'new'->'note'->'oversized'->>'sha256' = encode(sha256(b.note::bytea), 'hex') AS sha256_ok
FROM peek_decoded('big_slot', 'max-event-bytes', '1024') d,
     jsonb_array_elements(d.msg->'events') e
     JOIN big b ON b.id = (e.value->'new'->>'id')::int
WHERE e.value->'new'->'note' ? 'oversized';
SELECT e.value->'new'->'data'->'oversized'->>'bytes' AS bytes,
       e.value->'new'->'data'->'oversized'->>'sha256' = encode(sha256(b.data), 'hex') AS sha256_ok
FROM peek_decoded('big_slot', 'max-event-bytes', '1024') d,
     jsonb_array_elements(d.msg->'events') e
     JOIN big b ON b.id = (e.value->'new'->>'id')::int
WHERE e.value->'new'->'data' ? 'oversized';
SELECT e.value->'oversized'->>'bytes' AS message_bytes,
       e.value->'oversized'->>'sha256' = encode(sha256(convert_to(repeat('m', 3000), 'UTF8')), 'hex') AS sha256_ok
FROM peek_decoded('big_slot', 'max-event-bytes', '1024', 'message-prefixes', 'app') d,
     jsonb_array_elements(d.msg->'events') e
WHERE e.value->>'type' = 'app';

-- each message counts its markers; the default limit replaces nothing
SELECT d.msg->'oversized' AS oversized, jsonb_array_length(d.msg->'events') AS events
FROM peek_decoded('big_slot', 'max-event-bytes', '1024', 'message-prefixes', 'app') d;
SELECT count(*) FILTER (WHERE d.msg ? 'oversized') AS with_markers, count(*) AS messages
FROM peek_decoded('big_slot', 'message-prefixes', 'app') d;

-- a marker may close a chunk like any event: chunks stay self-contained
SELECT chunk, last_chunk, n, positions, extra, ok
FROM messages('big_slot', 'max-event-bytes', '1024', 'max-events', '2');

-- format=json weighs the JSON rendering: bytea as hex takes twice its
-- size, so 600 bytes fit the protobuf output and not the JSON one
SELECT consume('big_slot');
INSERT INTO big VALUES (20, NULL, decode(repeat('ee', 600), 'hex'), NULL, NULL);
SELECT (p.data::jsonb)->'oversized' AS oversized,
       (p.data::jsonb)->'events'->0->'new'->'data' AS data
FROM pg_logical_slot_peek_changes('big_slot', NULL, NULL, 'format', 'json', 'max-event-bytes', '1024') p;
SELECT pos, brief(data) AS data FROM events('big_slot', 'max-event-bytes', '1024');

-- emit() bounds its arguments: an event PostgreSQL could not decode
-- whole is refused at once, in the caller's transaction
SELECT wal2events.emit('huge', '', jsonb_build_object('blob', repeat('x', 64 * 1024 * 1024)));

RESET client_min_messages;
SELECT consume('big_slot');
SELECT pg_drop_replication_slot('big_slot');
DROP TABLE big;
DROP FUNCTION brief(jsonb);
