--
-- determinism: the same WAL decodes to the same bytes, every time, in any
-- session.
--
-- Event ids come from where events sit in the WAL, and every value and
-- partition key is written the same whatever the decoding session's
-- settings: text output of types without a native encoding is made with
-- DateStyle ISO, TimeZone UTC, IntervalStyle postgres, extra_float_digits 1,
-- bytea_output hex, lc_monetary C and search_path pg_catalog, and the
-- session's own settings are back as they were afterwards. So a consumer
-- that gets a transaction again after a crash gets it byte for byte, with
-- the same ids and the same partition keys.
--
SELECT 'init' FROM pg_create_logical_replication_slot('det_slot', 'wal2events');

-- Types whose text output depends on settings, in values and in the key.
CREATE TYPE stamp AS (at timestamptz, raw bytea, ratio float8);
CREATE TABLE det (d date, ts timestamptz, f float8, b bytea,
                  r tstzrange, far timestamptz, iv interval[], m money, reg regclass,
                  fa float8[], ba bytea[], st stamp,
                  PRIMARY KEY (d, ts, f, b));
INSERT INTO det VALUES ('2024-02-29', '2024-02-29 12:00:00+00', 0.1, '\x0102',
                        '[2024-01-01 00:00:00+00, 2024-01-02 00:00:00+00)', '294270-01-01 00:00:00+00',
                        '[0:0]={"1 day 02:03:04"}', 12.5, 'det', '{{0.1},{0.2}}', '{{"\\x01"}}',
                        ROW('2024-02-29 12:00:00+00', '\x01', 0.1));
UPDATE det SET m = 13;
INSERT INTO det (d, ts, f, b) SELECT '2000-01-01', '2000-01-01', i, '\x00' FROM generate_series(1, 5) i;

-- What the settings-dependent values look like.
SELECT key, jsonb_pretty(data->'new') AS new
FROM events('det_slot') WHERE pos = 0 AND xact = 1;

-- Bytes of the whole pending output, as one digest.
CREATE FUNCTION digest(VARIADIC options text[] DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$
    SELECT md5(string_agg(data, ''::bytea ORDER BY m)) || ' ' || count(*)
    FROM pg_logical_slot_peek_binary_changes('det_slot', NULL, NULL, VARIADIC options)
         WITH ORDINALITY p(lsn, xid, data, m)
$$;
SELECT digest() AS first \gset
SELECT digest() = :'first' AS same_twice;
SELECT digest('max-events', '2') <> :'first' AS chunked_differs;
SELECT digest('max-events', '2') = digest('max-events', '2') AS chunked_same_twice;
SELECT md5(string_agg(data, E'\n' ORDER BY m)) AS json_first
FROM pg_logical_slot_peek_changes('det_slot', NULL, NULL, 'format', 'json') WITH ORDINALITY p(lsn, xid, data, m) \gset

-- another session, with every setting that changes text output changed
\c
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Kolkata';
SET extra_float_digits = 0;
SET intervalstyle = 'sql_standard';
SET bytea_output = 'escape';
SET search_path = pg_catalog, public;
SELECT public.digest() = :'first' AS same_in_other_session;
SELECT md5(string_agg(data, E'\n' ORDER BY m)) = :'json_first' AS same_json
FROM pg_logical_slot_peek_changes('det_slot', NULL, NULL, 'format', 'json') WITH ORDINALITY p(lsn, xid, data, m);
-- inside a transaction block too
BEGIN;
SELECT public.digest() = :'first' AS same_in_transaction;
SHOW datestyle;
COMMIT;
-- and the session's settings are its own again
SELECT current_setting('datestyle') AS datestyle, current_setting('timezone') AS timezone,
       current_setting('extra_float_digits') AS extra_float_digits,
       current_setting('intervalstyle') AS intervalstyle, current_setting('bytea_output') AS bytea_output,
       current_setting('search_path') AS search_path;
\c

-- Reading up to an LSN gives the same first messages, and consuming gives
-- what peeking showed.
SELECT lsn AS first_lsn, md5(data) AS first_md5
FROM pg_logical_slot_peek_binary_changes('det_slot', NULL, NULL) LIMIT 1 \gset
SELECT count(*) AS messages, md5(string_agg(data, ''::bytea)) = :'first_md5' AS same
FROM pg_logical_slot_peek_binary_changes('det_slot', :'first_lsn', NULL);
SELECT md5(string_agg(data, ''::bytea ORDER BY m)) || ' ' || count(*) = :'first' AS consumed_as_peeked
FROM pg_logical_slot_get_binary_changes('det_slot', NULL, NULL) WITH ORDINALITY p(lsn, xid, data, m);
SELECT count(*) AS left_over FROM pg_logical_slot_peek_binary_changes('det_slot', NULL, NULL);

SELECT pg_drop_replication_slot('det_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE det;
DROP TYPE stamp;
DROP FUNCTION digest(text[]);
