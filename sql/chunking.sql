--
-- chunking: large transactions as several self-contained messages.
--
-- When a message reaches max-events events or max-bytes bytes, the next
-- event starts a new chunk: chunk counts 0, 1, ..., last_chunk is set on
-- the last one only, all chunks carry the transaction's xid and
-- commit_lsn, positions continue across them, and each chunk describes the
-- tables its own events use (decode() reads each one alone). A chunk is
-- closed only when another event comes, so there is never an empty
-- trailing chunk, and a chunk exceeds max-bytes by at most one event.
--
SELECT 'init' FROM pg_create_logical_replication_slot('chunk_slot', 'wal2events');

CREATE TABLE a (id int PRIMARY KEY, pad text);
CREATE TABLE b (id int PRIMARY KEY);

-- 10 events with max-events 3: chunks of 3, 3, 3 and 1.
INSERT INTO a SELECT i, 'x' FROM generate_series(1, 10) i;
SELECT m, xact, chunk, last_chunk, n, positions, ok FROM messages('chunk_slot', 'max-events', '3');
-- one transaction: one xid, one commit_lsn, ids unique
SELECT count(*) AS chunks, count(DISTINCT msg->'xid') AS xids,
       count(DISTINCT msg->'commit_lsn') AS commit_lsns,
       (SELECT count(DISTINCT e->>'id') FROM peek_decoded('chunk_slot', 'max-events', '3') d2,
               jsonb_array_elements(d2.msg->'events') e) AS distinct_ids
FROM peek_decoded('chunk_slot', 'max-events', '3');
-- exactly full: 10 events with max-events 5 or 10 or 1 leave no empty chunk
SELECT k AS max_events, count(*) AS chunks, string_agg(n::text, ',' ORDER BY m) AS events_per_chunk,
       string_agg(last_chunk::text, ',' ORDER BY m) AS last_chunk, min(ok) AS ok, max(ok) AS ok
FROM unnest(ARRAY['1', '2', '5', '9', '10', '11', '10000']) k, messages('chunk_slot', 'max-events', k)
GROUP BY k ORDER BY k::int;
-- the same events whatever the chunking
SELECT count(*) AS differences FROM (
    (SELECT pos, type, key, data FROM events('chunk_slot')
     EXCEPT SELECT pos, type, key, data FROM events('chunk_slot', 'max-events', '3'))
    UNION ALL
    (SELECT pos, type, key, data FROM events('chunk_slot', 'max-events', '3')
     EXCEPT SELECT pos, type, key, data FROM events('chunk_slot'))) d;
SELECT consume('chunk_slot');

-- Each chunk describes the tables of its own events: with a and b
-- alternating, the row changes of every chunk decode to the right table.
-- Domain events count as events too.
BEGIN;
INSERT INTO a VALUES (100, 'x');
INSERT INTO b VALUES (100);
SELECT wal2events.emit('between', '', '{}') IS NOT NULL AS emitted;
INSERT INTO b VALUES (101);
INSERT INTO a VALUES (101, 'x');
UPDATE a SET pad = 'y' WHERE id = 100;
DELETE FROM b WHERE id = 100;
COMMIT;
SELECT d.m, d.msg->'chunk' AS chunk,
       (SELECT string_agg(format('%s:%s', e->>'position', coalesce(e->>'table', e->>'type')), ' ')
        FROM jsonb_array_elements(d.msg->'events') e) AS events
FROM peek_decoded('chunk_slot', 'max-events', '2') d;
SELECT m, chunk, last_chunk, n, positions, ok FROM messages('chunk_slot', 'max-events', '2');
SELECT consume('chunk_slot');

-- A table altered in the middle of a chunked transaction.
BEGIN;
INSERT INTO b VALUES (200);
ALTER TABLE b ADD COLUMN note text;
INSERT INTO b VALUES (201, 'after');
INSERT INTO b VALUES (202, 'after');
ALTER TABLE b DROP COLUMN note;
INSERT INTO b VALUES (203);
COMMIT;
SELECT xact, pos, data, ok FROM events('chunk_slot', 'max-events', '3');
SELECT m, chunk, last_chunk, n, positions FROM messages('chunk_slot', 'max-events', '3');
SELECT consume('chunk_slot');

-- Several chunked transactions: chunk numbers start at 0 for each.
INSERT INTO b SELECT i FROM generate_series(300, 304) i;
INSERT INTO b SELECT i FROM generate_series(305, 307) i;
SELECT m, xact, chunk, last_chunk, n, positions, ok FROM messages('chunk_slot', 'max-events', '2');
SELECT consume('chunk_slot');

--
-- max-bytes: rows of about 400 bytes with max-bytes 1024 (the least
-- allowed) make chunks of 3 events, the third one taking the chunk past
-- the limit.
--
INSERT INTO a SELECT i, repeat('p', 400) FROM generate_series(1000, 1010) i;
SELECT m, chunk, last_chunk, n, positions, ok FROM messages('chunk_slot', 'max-bytes', '1024');
SELECT count(*) AS chunks,
       bool_and(octet_length(data) > 1024) FILTER (WHERE NOT last) AS full_chunks_reach_the_limit,
       bool_and(octet_length(data) < 1024 + 2 * 450) AS past_it_by_one_event_at_most
FROM (SELECT data, (wal2events.decode(data)->>'last_chunk')::boolean AS last
      FROM pg_logical_slot_peek_binary_changes('chunk_slot', NULL, NULL, 'max-bytes', '1024')) c;
-- whichever limit is reached first
SELECT m, chunk, n, positions FROM messages('chunk_slot', 'max-bytes', '1024', 'max-events', '4');
SELECT m, chunk, n, positions FROM messages('chunk_slot', 'max-bytes', '1024', 'max-events', '2');
SELECT consume('chunk_slot');

-- A row larger than max-bytes is not split: it goes whole into the chunk
-- it comes to, and closes it.
INSERT INTO a VALUES (2000, 'small'), (2001, repeat('q', 5000)), (2002, 'small');
SELECT m, chunk, last_chunk, n, positions, ok FROM messages('chunk_slot', 'max-bytes', '1024');

SELECT pg_drop_replication_slot('chunk_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE a, b;
