--
-- setup: helpers every other regression file uses (runs first).
--
-- wal2events.decode() shows a message as a consumer gets it, but some of its
-- members change from run to run: xid, commit_lsn, commit_time,
-- system_identifier and each event's id and lsn. The helpers below leave
-- them out of what they print and check them instead, so an expected file
-- stays stable and still proves them right:
--
--   events(slot, option, value, ...)    one row per event (peeks, consumes nothing)
--   messages(slot, option, value, ...)  one row per message (chunk)
--   message_problems(...)               the checks, 'ok' when all hold
--
-- The "ok" column of both is 'ok' or names what is wrong.
--

-- --load-extension created it already; a manual run may not have.
CREATE EXTENSION IF NOT EXISTS wal2events;

-- The commit LSN as event ids write it: 16 upper-case hex digits.
CREATE FUNCTION lsn_hex16(lsn pg_lsn) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT lpad(split_part(lsn::text, '/', 1), 8, '0') ||
           lpad(split_part(lsn::text, '/', 2), 8, '0')
$$;

-- The slot's messages, decoded, in order, with what the SQL interface says
-- about each (the LSN and xid PostgreSQL stamped it with).
CREATE FUNCTION peek_decoded(slot name, VARIADIC options text[] DEFAULT '{}')
RETURNS TABLE (m bigint, peek_lsn pg_lsn, peek_xid xid, msg jsonb)
LANGUAGE sql AS $$
    SELECT p.m, p.lsn, p.xid, wal2events.decode(p.data)
    FROM pg_logical_slot_peek_binary_changes(slot, NULL, NULL, VARIADIC options)
         WITH ORDINALITY AS p(lsn, xid, data, m)
$$;

--
-- Everything a message must satisfy that the printed output does not show:
--  * system_identifier is this cluster's, database is this database;
--  * xid is the one PostgreSQL reports for the message, 0 when
--    non-transactional (the contract says so);
--  * commit_lsn: the last chunk of a transaction is written at commit, so
--    PostgreSQL stamps it with the commit LSN itself; earlier chunks are
--    written before it. A non-transactional message is stamped with its
--    own LSN (the end of its record), which is its commit_lsn;
--  * commit_time lies between server start and now (unless the change
--    came through a replication origin: then it is the origin's commit
--    time); null only when non-transactional;
--  * every event id is "<system_identifier>/<commit_lsn, 16 hex>/<position>"
--    (unless the event carries its own, Event.id_override: an outbox row's
--    id, which is not of that form) and every event's lsn is below
--    commit_lsn (equal for the one event of a non-transactional message:
--    both are the end of its record).
--
CREATE FUNCTION message_problems(msg jsonb, peek_lsn pg_lsn, peek_xid xid)
RETURNS text
LANGUAGE sql STABLE AS $$
    WITH h AS (
        SELECT (msg->>'commit_lsn')::pg_lsn AS commit_lsn,
               coalesce((msg->>'non_transactional')::boolean, false) AS nontx,
               (msg->>'last_chunk')::boolean AS last,
               (SELECT system_identifier::text FROM pg_control_system()) AS sysid
    ), problems AS (
        SELECT 'system_identifier' AS p FROM h
         WHERE msg->>'system_identifier' IS DISTINCT FROM h.sysid
        UNION ALL
        SELECT 'database' WHERE msg->>'database' IS DISTINCT FROM current_database()
        UNION ALL
        SELECT 'xid' FROM h
         WHERE (NOT h.nontx AND (msg->>'xid')::xid IS DISTINCT FROM peek_xid)
            OR (h.nontx AND msg->>'xid' <> '0')
        UNION ALL
        SELECT 'commit_lsn' FROM h
         WHERE h.commit_lsn IS NULL
            OR (h.last AND h.commit_lsn <> peek_lsn)
            OR (NOT h.last AND h.commit_lsn <= peek_lsn)
        UNION ALL
        SELECT 'commit_time' FROM h
         WHERE CASE WHEN msg->'commit_time' = 'null' THEN NOT h.nontx
                    WHEN msg ? 'origin' THEN false	-- the origin's own time
                    ELSE (msg->>'commit_time')::timestamptz
                         NOT BETWEEN pg_postmaster_start_time() AND clock_timestamp()
               END
        UNION ALL
        SELECT format('id of event %s', e.ordinality) FROM h,
               jsonb_array_elements(msg->'events') WITH ORDINALITY e
         WHERE e.value->>'id' IS DISTINCT FROM
               format('%s/%s/%s', h.sysid, lsn_hex16(h.commit_lsn), e.value->>'position')
           AND coalesce(e.value->>'id' ~ '^[0-9]+/[0-9A-F]{16}/[0-9]+$', true)
        UNION ALL
        SELECT format('lsn of event %s', e.ordinality) FROM h,
               jsonb_array_elements(msg->'events') WITH ORDINALITY e
         WHERE NOT coalesce((e.value->>'lsn')::pg_lsn < h.commit_lsn OR
                            (h.nontx AND (e.value->>'lsn')::pg_lsn = h.commit_lsn), false)
    )
    SELECT coalesce(string_agg(p, ', '), 'ok') FROM problems
$$;

--
-- One row per event of the slot's pending messages (nothing is consumed):
--   xact  1-based number of the transaction (or non-transactional message)
--         in this output; chunks of one transaction share it
--   pos   Event.position; "ok" also checks it increases within the
--         transaction, across its chunks (gaps are changes this slot
--         filtered out)
--   type, key   Event.type and Event.partition_key
--   kind  the row change's operation, or "domain" / "message"
--   rel   schema.table of a row change
--   data  the rest of the event: new, old, old_identity, unchanged_toast,
--         cascade, restart_identity; payload and tags; prefix and content;
--         subject; id when it is not derived from the log (id_override)
--
CREATE FUNCTION events(slot name, VARIADIC options text[] DEFAULT '{}')
RETURNS TABLE (xact bigint, pos int, type text, key text, kind text, rel text,
               data jsonb, ok text)
LANGUAGE sql AS $$
    WITH msgs AS (
        SELECT d.*, message_problems(d.msg, d.peek_lsn, d.peek_xid) AS problems,
               count(*) FILTER (WHERE (d.msg->>'chunk')::int = 0)
                   OVER (ORDER BY d.m) AS xact
        FROM peek_decoded(slot, VARIADIC options) d
    ), evs AS (
        SELECT msgs.xact, msgs.problems, e.value AS ev,
               lag((e.value->>'position')::bigint)
                   OVER (PARTITION BY msgs.xact ORDER BY msgs.m, e.ordinality) AS previous_pos,
               msgs.m, e.ordinality
        FROM msgs, jsonb_array_elements(msgs.msg->'events') WITH ORDINALITY e
    )
    SELECT xact,
           (ev->>'position')::int,
           ev->>'type',
           ev->>'partition_key',
           coalesce(ev->>'operation',
                    CASE WHEN ev ? 'payload' THEN 'domain'
                         WHEN ev ? 'prefix' THEN 'message' END),
           CASE WHEN ev ? 'table' THEN format('%s.%s', ev->>'schema', ev->>'table') END,
           ev - '{id,lsn,position,type,partition_key,operation,schema,table}'::text[]
              || CASE WHEN ev->>'id' !~ '^[0-9]+/[0-9A-F]{16}/[0-9]+$'
                      THEN jsonb_build_object('id', ev->'id') ELSE '{}' END,
           CASE WHEN (ev->>'position')::bigint <= previous_pos THEN
                    CASE WHEN problems = 'ok' THEN 'position'
                         ELSE problems || ', position' END
                ELSE problems END
    FROM evs
    ORDER BY m, ordinality
$$;

--
-- One row per message of the slot's pending output (nothing is consumed):
--   m          1-based number of the message
--   xact       as in events()
--   chunk, last_chunk   as in the message
--   n          number of events; positions: first..last position
--   extra      header members other than the volatile ones, chunk,
--              last_chunk and events (origin, non_transactional)
--
CREATE FUNCTION messages(slot name, VARIADIC options text[] DEFAULT '{}')
RETURNS TABLE (m bigint, xact bigint, chunk int, last_chunk boolean, n int,
               positions text, extra jsonb, ok text)
LANGUAGE sql AS $$
    SELECT d.m,
           count(*) FILTER (WHERE (d.msg->>'chunk')::int = 0) OVER (ORDER BY d.m),
           (d.msg->>'chunk')::int,
           (d.msg->>'last_chunk')::boolean,
           jsonb_array_length(d.msg->'events'),
           (d.msg->'events'->0->>'position') || '..' ||
               (d.msg->'events'->-1->>'position'),
           d.msg - '{xid,commit_lsn,commit_time,database,system_identifier,chunk,last_chunk,events}'::text[],
           message_problems(d.msg, d.peek_lsn, d.peek_xid)
    FROM peek_decoded(slot, VARIADIC options) d
    ORDER BY d.m
$$;

-- pg_logical_emit_message(false, ...) in a transaction that does not
-- commit a write is not flushed at once, and decoding reads flushed WAL
-- only: a committed catalog write flushes it.
CREATE FUNCTION flush_wal() RETURNS void
LANGUAGE sql AS $$
    COMMENT ON FUNCTION flush_wal() IS 'flushes the WAL written before it'
$$;

-- Consume everything pending; returns the number of messages.
CREATE FUNCTION consume(slot name) RETURNS bigint
LANGUAGE sql AS $$
    SELECT count(*) FROM pg_logical_slot_get_binary_changes(slot, NULL, NULL)
$$;

-- A first look: one insert, seen through every helper.
SELECT 'init' FROM pg_create_logical_replication_slot('setup_slot', 'wal2events');
CREATE TABLE setup_t (id int PRIMARY KEY, note text);
INSERT INTO setup_t VALUES (1, 'first');
SELECT * FROM events('setup_slot');
SELECT * FROM messages('setup_slot');
-- the members events() and messages() leave out
SELECT jsonb_object_keys(msg) AS message_member FROM peek_decoded('setup_slot') ORDER BY 1;
SELECT jsonb_object_keys(msg->'events'->0) AS event_member FROM peek_decoded('setup_slot') ORDER BY 1;

-- message_problems() catches each wrong field it checks
SELECT what, message_problems(CASE what
        WHEN 'id' THEN jsonb_set(msg, '{events,0,id}', '"1/0000000000000000/0"')
        WHEN 'lsn' THEN jsonb_set(msg, '{events,0,lsn}', to_jsonb(msg->>'commit_lsn'))
        WHEN 'xid' THEN jsonb_set(msg, '{xid}', '1')
        WHEN 'commit_lsn' THEN jsonb_set(msg, '{commit_lsn}', '"0/1"')
        WHEN 'commit_time' THEN jsonb_set(msg, '{commit_time}', '"1999-01-01T00:00:00Z"')
        WHEN 'system_identifier' THEN jsonb_set(msg, '{system_identifier}', '"1"')
        WHEN 'database' THEN jsonb_set(msg, '{database}', '"x"')
        ELSE msg END, peek_lsn, peek_xid)
FROM peek_decoded('setup_slot'),
     unnest('{none,id,lsn,xid,commit_lsn,commit_time,system_identifier,database}'::text[]) AS what;

SELECT consume('setup_slot');
SELECT count(*) FROM events('setup_slot');
SELECT pg_drop_replication_slot('setup_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE setup_t;
