--
-- encoding_sql_ascii: a SQL_ASCII database, where text is whatever bytes
-- were stored, valid UTF-8 or not.
--
-- Protobuf strings must be UTF-8 and strict decoders reject anything else,
-- so the plugin checks text there (and only there):
--  * valid UTF-8 (ASCII above all) goes as it is;
--  * a text-like value (text_value, json_value) that is not goes as its
--    bytes, bytes_value: values stay lossless;
--  * any other string (names, event types, partition keys, tags,
--    payloads) gets each byte that does not start a valid UTF-8 character
--    replaced by U+FFFD ("\uFFFD", bytes ef bf bd).
--
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_w2e_sql_ascii ENCODING 'SQL_ASCII' TEMPLATE template0
    LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_w2e_sql_ascii
SHOW server_encoding;
CREATE EXTENSION wal2events;
SELECT 'init' FROM pg_create_logical_replication_slot('ascii_slot', 'wal2events');

-- Text from bytes, as a SQL_ASCII database stores them (0xe9 is "é" in
-- LATIN1 and not UTF-8; c3 a9 is "é" in UTF-8).
CREATE FUNCTION raw(hex text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT convert_from(decode(hex, 'hex'), 'SQL_ASCII') $$;
-- Whether bytes are valid UTF-8.
CREATE FUNCTION is_utf8(b bytea) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM convert_from(b, 'UTF8');
    RETURN true;
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    RETURN false;
END
$$;
SELECT is_utf8('\x636166c3a9') AS utf8_ok, is_utf8('\x636166e9') AS latin1_ok;

-- A table and a column whose names are not UTF-8, values that are and are
-- not, a key that is not, and a domain event with such type, key and tag.
-- (built in DO blocks, so that the bytes are not echoed into this output)
DO $$
BEGIN
    EXECUTE format('CREATE TABLE %I (%I text PRIMARY KEY, v text, j json, n name, a text[])',
                   raw('636166e9'), raw('636ce9'));
    EXECUTE format('INSERT INTO %I VALUES (%L, %L, %L, %L, ARRAY[%L, %L])', raw('636166e9'),
                   raw('6be9'), raw('76616c7565e9'), raw('7b2261223a202262e9227d'), raw('6ee9'),
                   raw('636166c3a9'), raw('78e9'));
    EXECUTE format('INSERT INTO %I VALUES (%L, %L, %L, %L, NULL)', raw('636166e9'),
                   'k2', raw('636166c3a9'), '{"a": 1}', 'plain');
END
$$;
SELECT wal2events.emit(raw('657674e9'), raw('6be9'), '{}', jsonb_build_object('tag', raw('74e9')))
    IS NOT NULL AS emitted;

-- Every string the plugin wrote is valid UTF-8 for a strict decoder: the
-- JSON rendering of each message (which escapes nothing but JSON's
-- specials, and shows bytes as "\\x...") is.
SELECT count(*) AS messages, bool_and(is_utf8(convert_to(wal2events.decode(data)::text, 'SQL_ASCII'))) AS json_utf8
FROM pg_logical_slot_peek_binary_changes('ascii_slot', NULL, NULL);
SELECT bool_and(is_utf8(convert_to(line.data, 'SQL_ASCII'))) AS json_format_utf8
FROM pg_logical_slot_peek_changes('ascii_slot', NULL, NULL, 'format', 'json') line;

-- What a consumer gets, strings as hex: names, key and type with U+FFFD
-- (ef bf bd); values that are not UTF-8 as bytes ("\\x..."), others as text.
SELECT encode(convert_to(e->>'table', 'SQL_ASCII'), 'hex') AS "table",
       encode(convert_to(e->>'type', 'SQL_ASCII'), 'hex') AS type,
       encode(convert_to(e->>'partition_key', 'SQL_ASCII'), 'hex') AS key
FROM pg_logical_slot_peek_binary_changes('ascii_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e;
SELECT encode(convert_to(k, 'SQL_ASCII'), 'hex') AS column_name, jsonb_typeof(v) AS kind,
       encode(convert_to(v::text, 'SQL_ASCII'), 'hex') AS value_json
FROM pg_logical_slot_peek_binary_changes('ascii_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e, jsonb_each(e->'new') AS kv(k, v)
ORDER BY e->>'partition_key', k;
-- the bytes values are the stored bytes, exactly
SELECT e->'new'->>'v' = '\x76616c7565e9' AS v_bytes_exact, e->'new'->>'j' = '\x7b2261223a202262e9227d' AS j_bytes_exact
FROM pg_logical_slot_peek_binary_changes('ascii_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e
WHERE e->>'partition_key' <> 'k2' AND e ? 'new';
SELECT encode(convert_to(e->'tags'->>'tag', 'SQL_ASCII'), 'hex') AS emitted_tag
FROM pg_logical_slot_peek_binary_changes('ascii_slot', NULL, NULL) p,
     jsonb_array_elements(wal2events.decode(p.data)->'events') e WHERE e ? 'payload';

SELECT pg_drop_replication_slot('ascii_slot');
\c :regress_db
DROP DATABASE regress_w2e_sql_ascii;
SELECT slot_name AS slots_left FROM pg_replication_slots;
