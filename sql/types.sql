--
-- types: how each column type reaches a consumer.
--
-- Types with a native encoding in the contract (Value.kind) are shown with
-- extreme values and NULL; every other type is its text output. Each table
-- has a "label" column naming the row, and the queries print the decoded
-- "new" values by label. The JSON rendering is that of README.md
-- ("JSON rendering"): integers as numbers, floats as the shortest number
-- that reads back the same, NaN and infinities as strings, numeric as an
-- exact string, dates and times as ISO 8601 (timestamptz in UTC),
-- bytea as "\\x..", intervals as objects, json embedded.
--
-- The JSON does not say which Value kind carried a value (numeric_value and
-- text_value are both strings); where that matters the queries below show
-- it through what only one encoding could produce.
--
SET timezone = 'America/New_York';	-- timestamptz must come out in UTC anyway
SET datestyle = 'ISO, YMD';
SET lc_monetary = 'C';

SELECT 'init' FROM pg_create_logical_replication_slot('types_slot', 'wal2events');

-- The new values of one table's inserts, one row per insert, in order.
CREATE FUNCTION new_values(tab text) RETURNS TABLE (label text, v jsonb)
LANGUAGE sql AS $$
    SELECT e.data->'new'->>'label', (e.data->'new') - 'label'
    FROM events('types_slot') e
    WHERE e.rel = 'public.' || tab
$$;

--
-- Booleans and integers: JSON numbers, exact to int8's limits.
--
CREATE TABLE t_int (label text, b bool, i2 int2, i4 int4, i8 int8, o oid);
INSERT INTO t_int VALUES
    ('min', false, -32768, -2147483648, -9223372036854775808, 0),
    ('max', true, 32767, 2147483647, 9223372036854775807, 4294967295),
    ('null', NULL, NULL, NULL, NULL, NULL);
SELECT label, v->'b' AS b, v->'i2' AS i2, v->'i4' AS i4, v->'i8' AS i8, v->'o' AS o
FROM new_values('t_int');
-- numbers, not strings, and int8's extremes survive (no double rounding)
SELECT label, jsonb_typeof(v->'i8') AS i8_type,
       (v->>'i8')::int8 = (SELECT i8 FROM t_int t WHERE t.label = n.label) AS i8_exact
FROM new_values('t_int') n WHERE label <> 'null';

--
-- Floats: the shortest text that reads back as the same float (1.1 as a
-- real is 1.1, not 1.10000002); NaN and infinities as strings.
--
CREATE TABLE t_float (label text, f4 real, f8 double precision);
INSERT INTO t_float VALUES
    ('1.1', 1.1, 1.1),
    ('0.1+0.2', 0.1::real + 0.2::real, 0.1::float8 + 0.2::float8),
    ('NaN', 'NaN', 'NaN'),
    ('Infinity', 'Infinity', 'Infinity'),
    ('-Infinity', '-Infinity', '-Infinity'),
    ('-0', '-0', '-0'),
    ('max', 3.4028235e38, 1.7976931348623157e308),
    ('min subnormal', 1.4e-45, 4.9406564584124654e-324),
    ('null', NULL, NULL);
SELECT label, v->'f4' AS f4, CASE WHEN length(v->>'f8') < 30 THEN v->'f8' END AS f8,
       jsonb_typeof(v->'f8') AS f8_type
FROM new_values('t_float');
-- every finite value reads back exactly as the float that was stored
SELECT n.label, (n.v->>'f4')::real = t.f4 AS f4_exact,
       (n.v->>'f8')::float8 = t.f8 AS f8_exact
FROM new_values('t_float') n JOIN t_float t USING (label)
WHERE label NOT IN ('NaN', 'Infinity', '-Infinity', 'null');
-- decode() returns jsonb, whose numbers have no negative zero; the JSON
-- text (format=json) keeps the sign
SELECT (data::json)#>'{events,5,new,f4}' AS f4_minus_zero,
       (data::json)#>'{events,5,new,f8}' AS f8_minus_zero
FROM pg_logical_slot_peek_changes('types_slot', NULL, NULL, 'format', 'json',
                                  'tables', 'public.t_float');

--
-- Text: text, varchar, char(n) with its padding, name; exactly as stored.
--
CREATE TABLE t_text (label text, t text, vc varchar(10), c char(5), n name);
INSERT INTO t_text VALUES
    ('plain', 'hello', 'hi', 'ab', 'pg_catalog'),
    ('empty', '', '', '', ''),
    ('special', E'quote" backslash\\ tab\t newline\n cr\r bell\x07', 'a,b', 'x y', 'Mixed Case'),
    ('unicode', 'é€😀 ñ', 'ÅÄÖ', 'ü', 'näme'),
    ('null', NULL, NULL, NULL, NULL);
SELECT label, v->'t' AS t, v->'vc' AS vc, v->'c' AS c, v->'n' AS n FROM new_values('t_text');

--
-- bytea: the bytes, shown as PostgreSQL's hex format.
--
CREATE TABLE t_bytea (label text, b bytea);
INSERT INTO t_bytea VALUES
    ('bytes', '\x00ff10'), ('empty', ''), ('text', 'abc'::bytea), ('null', NULL);
SELECT label, v->'b' AS b FROM new_values('t_bytea');

--
-- numeric: an exact decimal string with the stored scale, never a float.
--
CREATE TABLE t_numeric (label text, n numeric, n2 numeric(12,2));
INSERT INTO t_numeric VALUES
    ('scale kept', -12.3400, 1),
    ('zero', 0, 0),
    ('NaN', 'NaN', 'NaN'),
    ('Infinity', 'Infinity', NULL),
    ('-Infinity', '-Infinity', NULL),
    ('beyond double', 12345678901234567890.123456789012345678901234567890, 9999999999.99),
    ('tiny', ('0.' || repeat('0', 299) || '1')::numeric, -0.01),
    ('1000 digits', repeat('9', 1000)::numeric, NULL),
    ('negative 1000 digits', ('-' || repeat('8', 500) || '.' || repeat('7', 500))::numeric, NULL),
    ('null', NULL, NULL);
SELECT label, CASE WHEN length(v->>'n') <= 60 THEN v->'n' END AS n,
       length(v->>'n') AS n_length, jsonb_typeof(v->'n') AS n_type, v->'n2' AS n2
FROM new_values('t_numeric');
-- every value is character for character what PostgreSQL prints
SELECT n.label, n.v->>'n' = t.n::text AS n_exact, n.v->>'n2' = t.n2::text AS n2_exact
FROM new_values('t_numeric') n JOIN t_numeric t USING (label)
WHERE label <> 'null';

--
-- Dates and times. date: days since 1970 rendered as a date; timestamp:
-- wall clock; timestamptz: UTC whatever the session's zone; years BC are
-- astronomical (4713 BC is -4712); infinities kept.
--
CREATE TABLE t_date (label text, d date, ts timestamp, tstz timestamptz);
INSERT INTO t_date VALUES
    ('epoch', '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00'),
    ('before epoch', '1969-12-31', '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999+00'),
    ('leap day', '2024-02-29', '2024-02-29 12:34:56.789', '2024-02-29 12:34:56.789-05'),
    ('microseconds', '2000-01-01', '2000-01-01 00:00:00.000001', '2000-01-01 00:00:00.000001+00'),
    ('new york summer', '2024-07-04', '2024-07-04 09:00', '2024-07-04 09:00'),
    ('4713 BC', '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC'),
    ('1 BC', '0001-12-31 BC', '0001-12-31 23:59:59 BC', '0001-12-31 23:59:59+00 BC'),
    ('earliest', '4714-11-24 BC', '4714-11-24 00:00:00 BC', '4714-11-24 00:00:00+00 BC'),
    ('year 10000', '10000-01-01', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00'),
    ('infinity', 'infinity', 'infinity', 'infinity'),
    ('-infinity', '-infinity', '-infinity', '-infinity'),
    ('null', NULL, NULL, NULL);
SELECT label, v->'d' AS d, v->'ts' AS ts, v->'tstz' AS tstz FROM new_values('t_date');

-- The edge of the encodings: microseconds since 1970 in a sint64 end at
-- 294247-01-10 04:00:54.775806; later timestamps (PostgreSQL goes to the
-- end of 294276) come as their text output (ISO, in UTC), and dates go
-- much further.
CREATE TABLE t_far (label text, d date, ts timestamp, tstz timestamptz);
INSERT INTO t_far VALUES
    ('year 294246', '294246-12-31', '294246-12-31 23:59:59.999999', '294246-12-31 23:59:59.999999+00'),
    ('last native', '294247-01-10', '294247-01-10 04:00:54.775806', '294247-01-10 04:00:54.775806+00'),
    ('first text', '294247-01-10', '294247-01-10 04:00:54.775807', '294247-01-10 04:00:54.775807+00'),
    ('latest', '5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00');
SELECT label, v->'d' AS d, v->'ts' AS ts, v->'tstz' AS tstz FROM new_values('t_far');

--
-- time (microseconds since midnight, 24:00:00 included) and interval
-- (months, days and microseconds exactly as stored, never normalised).
--
CREATE TABLE t_time (label text, t time, i interval);
INSERT INTO t_time VALUES
    ('midnight', '00:00:00', '0'),
    ('fraction', '12:34:56.5', '1 year 2 mons 3 days 04:05:06.789'),
    ('end of day', '24:00:00', '-1 day -02:00:00'),
    ('last microsecond', '23:59:59.999999', '36 hours'),
    ('extremes', '00:00:00.000001', '-178000000 years 2147483647 days 2562047788:00:54.775807'),
    ('null', NULL, NULL);
SELECT label, v->'t' AS t, v->'i' AS i FROM new_values('t_time');

--
-- uuid, enum (its label), json (the text as given, compacted onto one
-- line) and jsonb (normalised).
--
CREATE TYPE mood AS ENUM ('sad', 'ok', 'very happy');
CREATE TABLE t_misc (label text, u uuid, m mood, j json, jb jsonb);
INSERT INTO t_misc VALUES
    ('values', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'very happy',
     E'{ "b" : 1,\n  "a" : [1, 2, {"x": "s p a c e\\n"}] ,"a":3 }',
     '{ "b" : 1,  "a" : [1, 2] }'),
    ('nil uuid, scalars', '00000000-0000-0000-0000-000000000000', 'sad', '"just a string"', '42'),
    -- JSON's null and SQL NULL look alike in the JSON rendering; the
    -- protobuf tells them apart (json_value "null" and null = true)
    ('json null', NULL, NULL, 'null', 'null'),
    ('null', NULL, NULL, NULL, NULL);
SELECT label, v->'u' AS u, v->'m' AS m, v->'j' AS j, v->'jb' AS jb FROM new_values('t_misc');
-- decode() returns jsonb, which sorts keys and drops duplicates; the JSON
-- text keeps the json value's own order and duplicate key, on one line
SELECT (data::json)#>'{events,0,new,j}' AS j_as_sent,
       position(E'\n' IN data) AS newline_at
FROM pg_logical_slot_peek_changes('types_slot', NULL, NULL, 'format', 'json',
                                  'tables', 'public.t_misc')
LIMIT 1;

--
-- One-dimensional arrays of natively encoded types are JSON arrays of
-- their elements (NULL elements included); an array whose lower bound is
-- not 1, or with more dimensions, is its text output.
--
CREATE TABLE t_array (label text, ia int[], ta text[], na numeric[], tsa timestamptz[],
                      ba bool[], ma mood[], ua uuid[], ja jsonb[]);
INSERT INTO t_array VALUES
    ('values', '{1,NULL,3}', '{"a,b","c\"d",NULL,"NULL",""}', '{1.50,NaN}',
     '{"2024-02-29 12:00:00+00",infinity}', '{t,f,NULL}', '{sad,"very happy"}',
     '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['{"k": [1]}'::jsonb, 'null']),
    ('empty', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
    ('lower bound 0', '[0:2]={1,2,3}', '[0:0]={x}', '[2:3]={1,2}', NULL, NULL, NULL, NULL, NULL),
    ('two dimensions', '{{1,2},{3,4}}', '{{a,b},{c,NULL}}', '{{1},{2}}', NULL, NULL, NULL, NULL, NULL),
    ('null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT label, v->'ia' AS ia, v->'ta' AS ta, v->'na' AS na FROM new_values('t_array');
SELECT label, v->'tsa' AS tsa, v->'ba' AS ba, v->'ma' AS ma, v->'ua' AS ua, v->'ja' AS ja
FROM new_values('t_array') WHERE label IN ('values', 'empty');

--
-- Domains are encoded as their base type, and so are arrays of a domain
-- and a domain over an array.
--
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN shorttext AS varchar(20);
CREATE DOMAIN amount AS numeric(12,2);
CREATE DOMAIN stamps AS timestamptz[];
CREATE TABLE t_domain (label text, p posint, s shorttext, a amount, pa posint[], st stamps);
INSERT INTO t_domain VALUES
    ('values', 7, 'short', 12.3, '{1,2,NULL}', '{"2000-01-01 00:00:00+00"}'),
    ('null', NULL, NULL, NULL, NULL, NULL);
SELECT label, v->'p' AS p, v->'s' AS s, v->'a' AS a, v->'pa' AS pa, v->'st' AS st
FROM new_values('t_domain');

--
-- Everything else is its text output (the protobuf Column.type_name says
-- which type it is): composite, range, network, money, geometric, bit
-- strings, xml, text search, timetz, "char", arrays of such types, and
-- int2vector (an array type whose lower bound is 0).
--
CREATE TYPE pair AS (a int, b text);
CREATE TABLE t_other (label text, c pair, r int4range, tr tstzrange, ip inet, cidr cidr,
                      mac macaddr, m money, pt point, bx box, bits bit(4), vb varbit,
                      x xml, tv tsvector, tq tsquery, tz timetz, ca pair[], ra int4range[],
                      ch "char", iv int2vector);
INSERT INTO t_other VALUES
    ('values', ROW(1, 'a b'), '[1,5)', '[2024-01-01 00:00:00+00,)', '192.168.0.1/24', '10.0.0.0/8',
     '08:00:2b:01:02:03', 1234.56, '(1,2)', '((0,0),(1,1))', B'1010', B'10',
     '<a x="1">t</a>', 'a fat cat', 'fat & cat', '12:34:56+02',
     ARRAY[ROW(1, 'x')::pair, NULL], '{"[1,2)",empty}', 'q', '1 2 3'),
    ('null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT c.key AS column, c.value
FROM new_values('t_other') n, jsonb_each(n.v) c
WHERE n.label = 'values' ORDER BY c.key;
-- every one is exactly the type's text output; text output is made with
-- fixed settings (see determinism), the ones this session has too except
-- TimeZone, which is UTC there
SET timezone = 'UTC';
SELECT c.key AS column, c.value #>> '{}' = o.text_output AS same_as_text_output
FROM new_values('t_other') n, jsonb_each(n.v) c,
     LATERAL (SELECT x.text_output FROM t_other t,
                     LATERAL (VALUES ('c', t.c::text), ('r', t.r::text), ('tr', t.tr::text),
                                     ('ip', t.ip::text), ('cidr', t.cidr::text), ('mac', t.mac::text),
                                     ('m', t.m::text), ('pt', t.pt::text), ('bx', t.bx::text),
                                     ('bits', t.bits::text), ('vb', t.vb::text), ('x', t.x::text),
                                     ('tv', t.tv::text), ('tq', t.tq::text), ('tz', t.tz::text),
                                     ('ca', t.ca::text), ('ra', t.ra::text), ('ch', t.ch::text),
                                     ('iv', t.iv::text)) x(col, text_output)
              WHERE t.label = 'values' AND x.col = c.key) o
WHERE n.label = 'values' ORDER BY c.key;
SELECT count(*) AS null_columns FROM new_values('t_other') n, jsonb_each(n.v) c
WHERE n.label = 'null' AND c.value = 'null';

-- Nothing was lost: one event per inserted row.
SELECT rel, count(*) FROM events('types_slot') GROUP BY rel ORDER BY rel;
SELECT DISTINCT ok FROM events('types_slot');

SELECT pg_drop_replication_slot('types_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE t_int, t_float, t_text, t_bytea, t_numeric, t_date, t_far, t_time, t_misc,
    t_array, t_domain, t_other;
DROP TYPE mood, pair;
DROP DOMAIN posint, shorttext, amount, stamps;
DROP FUNCTION new_values(text);
