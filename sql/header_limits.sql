--
-- header_limits: an event's header texts (type, partition key, an outbox
-- row's id) are at most 4096 bytes, and no column value is converted to
-- text whole when it could not fit: a key column or an outbox column holding
-- a huge value (any role that can write the table can commit one) must not
-- stop the slot with "Cannot enlarge string buffer". A longer text is cut at
-- a character boundary and followed by '~' and the SHA-256 of the whole
-- text; a key value stored larger than 4096 bytes becomes '~' and the
-- SHA-256 of its bytes. Deterministic: the same key, the same header.
--
SELECT 'init' FROM pg_create_logical_replication_slot('header_slot', 'wal2events');
SET client_min_messages = error;

CREATE TABLE notes (id int PRIMARY KEY, a text NOT NULL, b text NOT NULL);
ALTER TABLE notes ALTER a SET STORAGE EXTERNAL, REPLICA IDENTITY FULL;
SELECT 1 AS routed FROM wal2events.route('notes', partition_key => '{a,b}');
CREATE TABLE outbox (id text PRIMARY KEY, aggregatetype text, aggregateid text NOT NULL,
                     type text NOT NULL, payload jsonb);
ALTER TABLE outbox ALTER type SET STORAGE EXTERNAL, ALTER aggregateid SET STORAGE EXTERNAL;
SELECT 1 AS routed FROM wal2events.route('outbox', outbox => true);

-- 1: a short key, as is; 2: a key value larger than 4096 bytes; 3: two
-- values that fit alone, not together; 4: a multi-byte key cut in a character
INSERT INTO notes VALUES (1, 'x', 'y');
INSERT INTO notes VALUES (2, repeat('a', 5000), 'b');
INSERT INTO notes VALUES (3, repeat('c', 3000), repeat('d', 3000));
INSERT INTO notes VALUES (4, repeat('é', 2040), repeat('q', 20));
-- 5: an outbox row whose type and aggregate id are huge, and whose payload
--    is past max-event-bytes (set to 1024 below)
INSERT INTO outbox VALUES ('o1', 'Order', repeat('k', 6000), repeat('T', 5000),
                           jsonb_build_object('blob', repeat('p', 3000)));
-- 6: a transaction after them arrives
INSERT INTO notes VALUES (6, 'after', 'all');
-- 7: a DELETE takes its key from the old row: the same key as the INSERT's
DELETE FROM notes WHERE id = 2;

WITH e AS (
  SELECT ev.value AS ev
  FROM pg_logical_slot_peek_binary_changes('header_slot', NULL, NULL) c,
       jsonb_array_elements(wal2events.decode(c.data)->'events') ev
)
SELECT (ev->'new'->>'id') AS id,
       octet_length(ev->>'partition_key') AS key_bytes,
       CASE (ev->'new'->>'id')::int
         WHEN 1 THEN ev->>'partition_key' = 'x,y'
         WHEN 2 THEN ev->>'partition_key' = '~' || encode(sha256(convert_to(repeat('a', 5000), 'UTF8')), 'hex') || ',b'
         WHEN 3 THEN ev->>'partition_key' =
           left(repeat('c', 3000) || ',' || repeat('d', 3000), 4096 - 65) || '~' ||
           encode(sha256(convert_to(repeat('c', 3000) || ',' || repeat('d', 3000), 'UTF8')), 'hex')
         WHEN 4 THEN ev->>'partition_key' =
           left(repeat('é', 2040), (4096 - 65) / 2) || '~' ||
           encode(sha256(convert_to(repeat('é', 2040) || ',' || repeat('q', 20), 'UTF8')), 'hex')
         WHEN 6 THEN ev->>'partition_key' = 'after,all'
       END AS key_ok
FROM e WHERE ev ? 'new' ORDER BY 1;

SELECT count(DISTINCT ev->>'partition_key') AS keys, count(*) AS events
FROM pg_logical_slot_peek_binary_changes('header_slot', NULL, NULL) c,
     jsonb_array_elements(wal2events.decode(c.data)->'events') ev
WHERE coalesce(ev->'new'->>'id', ev->'old'->>'id') = '2';

-- the outbox event: type and key are values stored larger than 4096 bytes,
-- so '~' and their SHA-256; the payload a marker over its bytes
WITH e AS (
  SELECT ev.value AS ev
  FROM pg_logical_slot_peek_binary_changes('header_slot', NULL, NULL, 'max-event-bytes', '1024') c,
       jsonb_array_elements(wal2events.decode(c.data)->'events') ev
)
SELECT octet_length(ev->>'type') AS type_bytes,
       ev->>'type' = '~' || encode(sha256(convert_to(repeat('T', 5000), 'UTF8')), 'hex') AS type_ok,
       octet_length(ev->>'partition_key') AS key_bytes,
       ev->>'partition_key' = '~' || encode(sha256(convert_to(repeat('k', 6000), 'UTF8')), 'hex') AS key_ok,
       ev ? 'payload' AS has_payload,
       (ev->'oversized'->>'bytes')::int > 1024 AS payload_marker
FROM e WHERE ev->>'type' NOT LIKE 'notes-%';

-- decoding the same WAL again gives the same bytes
SELECT count(*) AS messages,
       bool_and(a.data = b.data) AS same_bytes
FROM (SELECT row_number() OVER () AS n, data
      FROM pg_logical_slot_peek_binary_changes('header_slot', NULL, NULL, 'max-event-bytes', '1024')) a
JOIN (SELECT row_number() OVER () AS n, data
      FROM pg_logical_slot_peek_binary_changes('header_slot', NULL, NULL, 'max-event-bytes', '1024')) b
  USING (n);

SELECT 'stop' FROM pg_drop_replication_slot('header_slot');
DROP TABLE notes, outbox;
