--
-- event_ids: an event id names the change itself, whatever the slot's
-- filters.
--
-- Event.position is the change's position among all the changes of its
-- transaction (every row change, each table of a TRUNCATE, every
-- transactional logical message), sent or filtered out. Two slots with
-- different tables, routes or publication options therefore give the same
-- id only to the same change, and a hub that deduplicates by id (JetStream)
-- never drops one slot's event as a duplicate of another's.
--
SELECT 'init' FROM pg_create_logical_replication_slot('ids_slot', 'wal2events');

CREATE TABLE ids_a (id int PRIMARY KEY);
CREATE TABLE ids_b (id int PRIMARY KEY);
CREATE TABLE ids_c (id int PRIMARY KEY);
CREATE PUBLICATION ids_pub FOR TABLE ids_b;
BEGIN;
INSERT INTO ids_a VALUES (1);
INSERT INTO ids_b VALUES (1);
INSERT INTO ids_a VALUES (2);
SELECT wal2events.emit('ids-tick', '', '{}') IS NOT NULL AS emitted;
UPDATE ids_b SET id = 2;
SELECT pg_logical_emit_message(true, 'other', 'x') IS NOT NULL AS emitted;
TRUNCATE ids_a, ids_b, ids_c;
INSERT INTO ids_c VALUES (1);
COMMIT;

-- Each event once per decoding, with its id and what it carries, under
-- several filters: the slot is peeked, never consumed, so every filter
-- reads the same transaction.
CREATE TEMP TABLE ids AS
SELECT v.filter, e.value->>'id' AS id, e.value - '{id,lsn,subject}'::text[] AS event
FROM (VALUES ('all', '{}'::text[]),
             ('tables=ids_a', '{tables,public.ids_a}'),
             ('tables=ids_b', '{tables,public.ids_b}'),
             ('exclude=ids_a', '{exclude-tables,public.ids_a}'),
             ('routes=only', '{routes,only}'),
             ('publication', '{publication,ids_pub}'),
             ('messages', '{message-prefixes,other}')) v(filter, options),
     LATERAL peek_decoded('ids_slot', VARIADIC v.options) d,
     jsonb_array_elements(d.msg->'events') e;

-- what each filter sends: position and what
SELECT filter,
       string_agg(format('%s:%s', event->>'position',
                         coalesce(event->>'table', event->>'type')),
                  ' ' ORDER BY (event->>'position')::int) AS sent
FROM ids GROUP BY filter ORDER BY filter;

-- two slots with different tables share only the ids of the changes both
-- send (the domain event), and there the events are equal
SELECT a.event->>'type' AS shared, a.event = b.event AS same_event
FROM ids a JOIN ids b USING (id)
WHERE a.filter = 'tables=ids_a' AND b.filter = 'tables=ids_b';

-- one id names one event, whichever filter sent it: no id is given to two
-- different events, and every filtered event is the unfiltered one
SELECT count(DISTINCT event) AS events, count(DISTINCT id) AS ids,
       count(*) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM ids u WHERE u.filter = 'all' AND u.id = ids.id
                                 AND u.event = ids.event)
           AND filter <> 'messages') AS not_as_unfiltered
FROM ids;
SELECT id_count FROM (
    SELECT id, count(DISTINCT event) AS id_count FROM ids GROUP BY id
) c WHERE id_count > 1;

-- deterministic: decoding again gives the same ids
SELECT count(*) AS changed
FROM ids i
WHERE i.filter = 'tables=ids_b'
  AND NOT EXISTS (
    SELECT 1 FROM peek_decoded('ids_slot', 'tables', 'public.ids_b') d,
                  jsonb_array_elements(d.msg->'events') e
    WHERE e.value->>'id' = i.id);

SELECT consume('ids_slot');
SELECT pg_drop_replication_slot('ids_slot');
DROP PUBLICATION ids_pub;
DROP TABLE ids_a, ids_b, ids_c;
