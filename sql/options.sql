--
-- options: every option error, each an ERROR whose hint says what is
-- valid. A slot never starts with an option it does not understand.
--
-- (An option given without a value cannot be sent through the SQL
-- functions, which take name/value pairs; the replication protocol can,
-- and the TAP tests cover it.)
--
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT 'init' FROM pg_create_logical_replication_slot('opt_slot', 'wal2events');
CREATE TABLE t (id int PRIMARY KEY);
INSERT INTO t VALUES (1);

-- Try the options, print the result or the error with its hint.
CREATE FUNCTION try(VARIADIC options text[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    msg text;
    hint text;
BEGIN
    SELECT count(*) INTO n
    FROM pg_logical_slot_peek_binary_changes('opt_slot', NULL, NULL, VARIADIC options);
    RETURN format('ok: %s message(s)', n);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN format('ERROR: %s%s', msg, CASE WHEN hint <> '' THEN E'\nHINT: ' || hint END);
END
$$;

-- every error at least once, as psql shows it
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('opt_slot', NULL, NULL, 'colour', 'blue');
SELECT count(*) FROM pg_logical_slot_peek_binary_changes('opt_slot', NULL, NULL,
                                                         'max-events', '5', 'max-events', '6');

-- unknown names (names are case-sensitive) and duplicates
SELECT try('colour', 'blue');
SELECT try('FORMAT', 'json');
SELECT try('format', 'protobuf', 'format', 'protobuf');

-- values of format, framing, origins
SELECT try('format', 'xml');
SELECT try('format', '');
SELECT try('framing', 'lines');
SELECT try('origins', 'remote');
SELECT try('format', 'Protobuf', 'framing', 'NONE', 'origins', 'Local');

-- actions
SELECT try('actions', 'insert,upsert');
SELECT try('actions', '');
SELECT try('actions', 'insert,,delete');
SELECT try('actions', 'Insert');
SELECT try('actions', ' insert , delete ');

-- max-events: 1 .. 2147483647
SELECT try('max-events', '0');
SELECT try('max-events', '-1');
SELECT try('max-events', 'ten');
SELECT try('max-events', '1.5');
SELECT try('max-events', '10x');
SELECT try('max-events', '');
SELECT try('max-events', '2147483648');
SELECT try('max-events', '99999999999999999999');
SELECT try('max-events', '1');
SELECT try('max-events', '2147483647');

-- max-bytes: 1024 .. 268435456
SELECT try('max-bytes', '1023');
SELECT try('max-bytes', '0');
SELECT try('max-bytes', '268435457');
SELECT try('max-bytes', '1k');
SELECT try('max-bytes', '1024');
SELECT try('max-bytes', '268435456');

-- table patterns
SELECT try('tables', 'orders');
SELECT try('tables', 'public.orders, orders');
SELECT try('tables', '');
SELECT try('tables', 'public.');
SELECT try('tables', '.orders');
SELECT try('tables', 'public.orders,');
SELECT try('tables', ',public.orders');
SELECT try('tables', 'a.b.c');
SELECT try('tables', '"public.orders');
SELECT try('tables', 'public."orders');
SELECT try('tables', 'public.""');
SELECT try('tables', 'my schema.*');
SELECT try('tables', ' public . orders ');
SELECT try('exclude-tables', 'orders');
SELECT try('exclude-tables', 'public.*');
SELECT try('tables', '*.*', 'exclude-tables', '"my schema"."a.b"');

-- message prefixes
SELECT try('message-prefixes', '');
SELECT try('message-prefixes', 'app.audit');
SELECT try('message-prefixes', 'app,');
SELECT try('message-prefixes', '"app');
SELECT try('message-prefixes', '"app.audit", app*');

-- routes: apply, only, ignore (sql/routes.sql shows what each does)
SELECT try('routes', 'all');
SELECT try('routes', 'APPLY');
SELECT try('routes', 'ignore');

-- publication: a name; whether it exists is decided per decoded
-- transaction (sql/publication.sql)
SELECT try('publication', '');
SELECT try('publication', repeat('p', 64));

-- a failed start leaves the slot as it was
SELECT active FROM pg_replication_slots WHERE slot_name = 'opt_slot';
SELECT try();

SELECT pg_drop_replication_slot('opt_slot');
SELECT slot_name AS slots_left FROM pg_replication_slots;
DROP TABLE t;
DROP FUNCTION try(text[]);
