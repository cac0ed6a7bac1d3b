--
-- decode_errors: wal2events.decode() on input that is not a message the
-- plugin wrote.
--
-- decode() takes data from users, so whatever the bytes it returns JSON or
-- raises an ERROR saying what is wrong; it never crashes and never reads
-- outside the input. Messages are checked against the contract, not only
-- against protobuf's wire format.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- decode() as text (the header only by its xid, events without id and
-- lsn), or the error it raises.
CREATE FUNCTION try_decode(data bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb;
BEGIN
    j := wal2events.decode(data);
    RETURN 'ok: ' || jsonb_build_object('xid', j->'xid', 'events',
        coalesce((SELECT jsonb_agg(e - '{id,lsn}'::text[]) FROM jsonb_array_elements(j->'events') e),
                 '[]'::jsonb))::text;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR: ' || SQLERRM;
END
$$;

-- Building protobuf by hand: a varint, a varint field, a length-delimited
-- field (wire type 2).
CREATE FUNCTION pb_varint(n numeric) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    result bytea := '';
    b int;
BEGIN
    LOOP
        b := mod(n, 128)::int;
        n := div(n, 128);
        IF n = 0 THEN
            RETURN result || set_byte('\x00'::bytea, 0, b);
        END IF;
        result := result || set_byte('\x00'::bytea, 0, b | 128);
    END LOOP;
END
$$;
CREATE FUNCTION pb_uint(field int, v numeric) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$ SELECT pb_varint(field * 8) || pb_varint(v) $$;
CREATE FUNCTION pb_len(field int, body bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$ SELECT pb_varint(field * 8 + 2) || pb_varint(octet_length(body)) || body $$;
-- a frame: the marker 0xE2 and the length before the message
CREATE FUNCTION frame(message bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$ SELECT '\xe2'::bytea || pb_varint(octet_length(message)) || message $$;

-- Hand-built messages decode like the plugin's: one table (Transaction
-- field 11) with one integer column, one insert (field 10).
CREATE FUNCTION relation_1col() RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT pb_len(11, pb_uint(1, 16384) || pb_len(2, 'public') || pb_len(3, 't') ||
                      pb_len(4, pb_len(1, 'id') || pb_uint(2, 23) || pb_len(3, 'integer')))
$$;
CREATE FUNCTION insert_event(new_values bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT pb_len(10, pb_len(2, 't-created') || pb_len(5, pb_uint(1, 1) || new_values))
$$;
SELECT try_decode(pb_uint(1, 7) || relation_1col() || insert_event(pb_len(3, pb_uint(4, 84))));
SELECT try_decode(frame(pb_uint(1, 7) || relation_1col() || insert_event(pb_len(3, pb_uint(4, 84)))));

-- NULL in, NULL out; no bytes at all, or an empty frame, is no message
-- (it would parse as a message with every field at its default, which the
-- plugin never writes): an ERROR with its SQLSTATE and hint
SELECT wal2events.decode(NULL) IS NULL AS null_in_null_out;
SELECT try_decode('');
SELECT try_decode('\xe200');
SELECT wal2events.decode('');
DO $$
BEGIN
    PERFORM wal2events.decode('');
EXCEPTION WHEN invalid_binary_representation THEN
    RAISE NOTICE 'decode(''''): SQLSTATE %', SQLSTATE;
END
$$;

-- not protobuf (as psql shows the error once, with its hint)
SELECT wal2events.decode('\xdeadbeef');
SELECT try_decode('\xdeadbeef');
SELECT try_decode('\xff');
SELECT try_decode(convert_to('{"xid": 1}', 'UTF8'));
-- a varint field sent as a string, and a string field sent as a varint
SELECT try_decode(pb_len(1, 'x'));
SELECT try_decode(pb_uint(6, 1));
-- fields the contract does not have (yet) are skipped: newer writers stay
-- readable
SELECT try_decode(pb_uint(99, 1) || pb_len(100, 'future') || pb_uint(1, 7));

-- frames
SELECT try_decode('\xe2');
SELECT try_decode('\xe280');
SELECT try_decode('\xe2ffffffffffffffffffff01');
SELECT try_decode('\xe2ffffffff0f');
SELECT try_decode('\xe2050801');
SELECT try_decode(frame(pb_uint(1, 7)) || '\x0a'::bytea);
SELECT try_decode(frame(pb_uint(1, 7)) || '\x0a0a'::bytea);
SELECT try_decode(frame(pb_uint(1, 7)) || '\x00'::bytea);
SELECT try_decode(frame(pb_uint(1, 7)) || frame(pb_uint(1, 8)));

-- well-formed protobuf that breaks the contract
SELECT try_decode(insert_event(pb_len(3, pb_uint(4, 84))));	-- no relation
SELECT try_decode(relation_1col() || insert_event(''));		-- no value
SELECT try_decode(relation_1col() || insert_event(pb_len(3, pb_uint(4, 1)) || pb_len(3, pb_uint(4, 2))));
SELECT try_decode(relation_1col() || insert_event(pb_len(3, '')));	-- a value of no kind
SELECT try_decode(relation_1col() || insert_event(pb_len(3, pb_uint(13, 86400000001))));	-- time past 24:00
SELECT try_decode(relation_1col() || insert_event(pb_len(3, pb_len(15, '\x0102'))));	-- short uuid
SELECT try_decode(relation_1col() || insert_event(pb_len(3, pb_uint(4, 1)) ||
                                                   pb_len(4, pb_uint(2, 1)) || pb_uint(5, 1)));	-- old values in an insert
SELECT try_decode(relation_1col() || pb_len(10, pb_len(2, 'x') ||
                                             pb_len(5, pb_uint(1, 2) || pb_len(3, pb_uint(4, 1)) ||
                                                       pb_len(4, pb_uint(2, 1)) || pb_uint(5, 2))));	-- unchanged TOAST in old
SELECT try_decode(relation_1col() || pb_len(10, pb_len(2, 'x') || pb_len(5, pb_uint(1, 9))));	-- operation 9
SELECT try_decode(relation_1col() || pb_len(10, pb_len(2, 'x') ||
                                             pb_len(5, pb_uint(1, 3) || pb_len(4, pb_uint(4, 2)) ||
                                                       pb_uint(5, 1))));	-- key, but no key column
SELECT try_decode(pb_len(10, pb_uint(1, 1)));	-- an event with no body
-- arrays nested without end: bounded, and checked without recursion
CREATE FUNCTION nested_array(depth int) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    core bytea := pb_uint(1, 1);	-- Value{null: true}
    size bigint := octet_length(core);
    inner_size bigint;
    prefixes bytea[] := '{}';
BEGIN
    -- Value{array_value: {elements: [v]}} is a prefix before v: build the
    -- prefixes from the inside out, then join them once
    FOR i IN 1 .. depth LOOP
        inner_size := 1 + octet_length(pb_varint(size)) + size;
        prefixes := prefixes || ('\x8a01'::bytea || pb_varint(inner_size) || '\x0a'::bytea || pb_varint(size));
        size := 2 + octet_length(pb_varint(inner_size)) + inner_size;
    END LOOP;
    RETURN (SELECT string_agg(p, ''::bytea ORDER BY n DESC) FROM unnest(prefixes) WITH ORDINALITY u(p, n))
           || core;
END
$$;
SELECT nested_array(2) = pb_len(17, pb_len(1, pb_len(17, pb_len(1, pb_uint(1, 1))))) AS builds_right;
SELECT try_decode(relation_1col() || insert_event(pb_len(3, nested_array(8)))) AS depth_8;
SELECT try_decode(relation_1col() || insert_event(pb_len(3, nested_array(9)))) AS depth_9;
SELECT try_decode(relation_1col() || insert_event(pb_len(3, nested_array(100000)))) AS depth_100000;

--
-- A real message, cut short at every length and with every byte changed:
-- each attempt is JSON or an ERROR, never a crash.
--
SELECT 'init' FROM pg_create_logical_replication_slot('decode_slot', 'wal2events');
CREATE TABLE sample (id int PRIMARY KEY, t text, n numeric, ts timestamptz, i interval,
                     u uuid, j jsonb, a int[], b bytea, f float8);
INSERT INTO sample VALUES (1, 'text', 1.5, '2024-02-29 12:00:00+00', '1 day', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                           '{"k": [1, 2]}', '{1,NULL,3}', '\x00ff', 0.5);
UPDATE sample SET t = 'changed', id = 2;
SELECT wal2events.emit('evt', 'k', '{"a": 1}', '{"t": "v"}') IS NOT NULL AS emitted;
CREATE TABLE sample_messages AS
    SELECT m, data AS framed FROM pg_logical_slot_peek_binary_changes('decode_slot', NULL, NULL)
        WITH ORDINALITY p(lsn, xid, data, m);
ALTER TABLE sample_messages ADD COLUMN bare bytea;
UPDATE sample_messages s SET bare = p.data
FROM pg_logical_slot_peek_binary_changes('decode_slot', NULL, NULL, 'framing', 'none')
     WITH ORDINALITY p(lsn, xid, data, m)
WHERE p.m = s.m;
SELECT pg_drop_replication_slot('decode_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
SELECT count(*) AS messages, bool_and(try_decode(framed) LIKE 'ok: %') AS all_decode FROM sample_messages;

CREATE FUNCTION mangle(kind text) RETURNS TABLE (attempts bigint, ok bigint, errors bigint)
LANGUAGE plpgsql AS $$
DECLARE
    original bytea;
    variant bytea;
BEGIN
    attempts := 0; ok := 0; errors := 0;
    FOR original IN SELECT CASE WHEN kind = 'prefixes of bare' THEN bare ELSE framed END
                    FROM sample_messages ORDER BY m LOOP
        FOR i IN 0 .. octet_length(original) - 1 LOOP
            variant := CASE kind
                WHEN 'bytes inverted' THEN set_byte(original, i, get_byte(original, i) # 255)
                WHEN 'low bits flipped' THEN set_byte(original, i, get_byte(original, i) # 1)
                WHEN 'high bits flipped' THEN set_byte(original, i, get_byte(original, i) # 128)
                ELSE substr(original, 1, i)
            END;
            attempts := attempts + 1;
            IF try_decode(variant) LIKE 'ok: %' THEN ok := ok + 1; ELSE errors := errors + 1; END IF;
        END LOOP;
    END LOOP;
    RETURN NEXT;
END
$$;
-- every proper prefix of a frame is a truncated frame, or (the empty
-- one) no message
SELECT kind, attempts = (SELECT sum(octet_length(framed)) FROM sample_messages) AS every_length,
       ok, errors = attempts - ok AS others_errors
FROM unnest(ARRAY['prefixes of framed']) kind, mangle(kind);
-- a bare message cut between fields is a shorter valid message, cut inside
-- one it is an error; changed bytes give either
SELECT kind, attempts = (SELECT sum(octet_length(CASE WHEN kind = 'prefixes of bare' THEN bare ELSE framed END))
                         FROM sample_messages) AS every_byte,
       ok > 0 AS some_ok, errors > 0 AS some_errors
FROM unnest(ARRAY['prefixes of bare', 'bytes inverted', 'low bits flipped', 'high bits flipped']) kind,
     mangle(kind);

DROP TABLE sample, sample_messages;
DROP FUNCTION try_decode(bytea), pb_varint(numeric), pb_uint(int, numeric), pb_len(int, bytea),
    frame(bytea), relation_1col(), insert_event(bytea), nested_array(int), mangle(text);
