--
-- format_json: format=json writes each message as one line of JSON, the
-- same rendering decode() gives of the protobuf message; framing=none
-- writes protobuf messages without the frame header.
--
SELECT 'init' FROM pg_create_logical_replication_slot('json_slot', 'wal2events');

-- A bit of everything: values of many kinds, TOAST, key changes, TRUNCATE,
-- domain events, logical messages, a chunked transaction and a
-- non-transactional message.
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE mix (id int PRIMARY KEY, t text, n numeric, f float8, ts timestamptz, d date,
                  i interval, u uuid, j json, b bytea, m mood, a int[], big text, p point);
ALTER TABLE mix REPLICA IDENTITY FULL;
INSERT INTO mix VALUES (1, E'line\nbreak "quoted"', 1.50, 'NaN', '2024-02-29 12:00:00+00', 'infinity',
                        '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k" : [1, 2]}', '\x00ff',
                        'happy', '{1,NULL}', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 300) i),
                        '(1,2)');
UPDATE mix SET t = 'changed', id = 2;
TRUNCATE mix;
BEGIN;
INSERT INTO mix (id) SELECT generate_series(10, 14);
SELECT wal2events.emit('order-placed', 'o-1', '{"total": 1.5}', '{"source": "test"}') IS NOT NULL AS emitted;
SELECT 'sent' FROM pg_logical_emit_message(true, 'app', E'bytes\\000and more'::bytea);
SELECT 'sent' FROM pg_logical_emit_message(false, 'app', 'at once');
COMMIT;

-- The JSON lines and the decoded protobuf messages, side by side: the same
-- number of messages, each the same JSON value.
CREATE FUNCTION pairs(VARIADIC options text[] DEFAULT '{}') RETURNS TABLE (m bigint, json_line text, decoded jsonb)
LANGUAGE sql AS $$
    SELECT j.m, j.data, wal2events.decode(b.data)
    FROM pg_logical_slot_peek_changes('json_slot', NULL, NULL,
                                      VARIADIC ARRAY['format', 'json'] || options)
             WITH ORDINALITY j(lsn, xid, data, m)
    FULL JOIN pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL, VARIADIC options)
             WITH ORDINALITY b(lsn, xid, data, m) USING (m)
$$;
SELECT count(*) AS messages, count(json_line) AS json_lines, count(decoded) AS protobuf_messages,
       count(*) FILTER (WHERE json_line::jsonb = decoded) AS identical
FROM pairs('max-events', '3', 'message-prefixes', 'app');
SELECT count(*) AS messages, count(*) FILTER (WHERE json_line::jsonb = decoded) AS identical
FROM pairs();
-- one line each, nothing after it
SELECT count(*) FILTER (WHERE position(E'\n' IN json_line) > 0) AS with_newline,
       count(*) FILTER (WHERE json_line NOT LIKE '{%}') AS not_an_object
FROM pairs();
-- members come in a fixed order (a json value keeps it)
SELECT json_object_keys(json_line::json) AS message_members FROM pairs() WHERE m = 1;
SELECT json_object_keys(e) AS event_members
FROM pairs() p, json_array_elements(p.json_line::json->'events') e WHERE p.m = 2;
-- names of options' values are not case-sensitive
SELECT count(*) AS messages FROM pg_logical_slot_peek_changes('json_slot', NULL, NULL, 'format', 'JSON');

-- The textual SQL functions need format=json; the binary ones take both.
SELECT count(*) FROM pg_logical_slot_peek_changes('json_slot', NULL, NULL);
SELECT count(*) AS messages, bool_and(convert_from(data, 'UTF8')::jsonb IS NOT NULL) AS all_json
FROM pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL, 'format', 'json');

--
-- framing: delimited (the default) puts 0xE2 and the length (a varint)
-- before each message; none sends the bare message. decode() reads both.
--
SELECT count(*) AS messages,
       count(*) FILTER (WHERE get_byte(f.data, 0) = 226) AS framed,
       count(*) FILTER (WHERE get_byte(n.data, 0) <> 226) AS bare,
       count(*) FILTER (WHERE f.data = substr(f.data, 1, octet_length(f.data) - octet_length(n.data)) || n.data)
           AS framed_is_header_plus_bare,
       count(*) FILTER (WHERE wal2events.decode(f.data) = wal2events.decode(n.data)) AS same_decoded
FROM pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL) WITH ORDINALITY f(lsn, xid, data, m)
JOIN pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL, 'framing', 'none')
     WITH ORDINALITY n(lsn, xid, data, m) USING (m);
-- the header: the marker, then the length of the rest as a varint
SELECT bool_and(get_byte(data, 1) & 128 = 0 AND get_byte(data, 1) = octet_length(data) - 2
                OR get_byte(data, 1) & 128 <> 0 AND
                   (get_byte(data, 1) & 127) + (get_byte(data, 2) & 127) * 128 = octet_length(data) - 3)
       AS lengths_right
FROM pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL)
WHERE octet_length(data) < 16384;
SELECT count(*) AS explicit_delimited
FROM pg_logical_slot_peek_binary_changes('json_slot', NULL, NULL, 'framing', 'delimited');

-- framing is for protobuf: delimited with json is an error, none is the
-- same as leaving it out
SELECT count(*) FROM pg_logical_slot_peek_changes('json_slot', NULL, NULL, 'format', 'json',
                                                  'framing', 'delimited');
SELECT count(*) AS messages FROM pg_logical_slot_peek_changes('json_slot', NULL, NULL, 'format', 'json',
                                                              'framing', 'none');

SELECT pg_drop_replication_slot('json_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE mix;
DROP TYPE mood;
DROP FUNCTION pairs(text[]);
