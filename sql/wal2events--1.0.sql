/* wal2events extension, version 1.0 */
\echo Use "CREATE EXTENSION wal2events" to load this file. \quit

CREATE FUNCTION decode(message bytea) RETURNS jsonb
AS 'MODULE_PATHNAME', 'wal2events_decode'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION decode(bytea) IS
'One message of the wal2events output plugin (format=protobuf, framed or not) as JSON';

-- Not STRICT: a NULL argument is an error with a message, not a silent NULL.
CREATE FUNCTION emit(type text, partition_key text, payload jsonb,
                     tags jsonb DEFAULT '{}') RETURNS pg_lsn
AS 'MODULE_PATHNAME', 'wal2events_emit'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION emit(text, text, jsonb, jsonb) IS
'Write a domain event into the current transaction; it is decoded only if the transaction commits';

-- Applications call emit() from their own roles.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

--
-- Routes: how a table's row changes become domain events (README, "From
-- tables to domain events"). The output plugin reads this table with the
-- historic snapshot of the transaction it decodes (a user catalog table
-- can be read that way), so a route applies exactly from the transaction
-- that set it. Change it with route() and unroute(), which validate.
--
CREATE TABLE routes (
    rel           regclass PRIMARY KEY,  -- by name in a dump, by OID here: survives renames
    entity        text NOT NULL,         -- default type prefix
    created       text NOT NULL,         -- event types of INSERT, UPDATE, DELETE
    updated       text NOT NULL,
    deleted       text NOT NULL,
    partition_key text[],                -- key columns, in key order; NULL: the replica identity key or primary key
    columns       text[],                -- the only columns shipped; NULL: all
    exclude       text[] NOT NULL DEFAULT '{}',  -- never shipped
    subject       text,                  -- subject template for the shipper; NULL: its own
    tags          jsonb NOT NULL DEFAULT '{}',   -- added to every event: {"name": "text"}
    soft_delete   text,                  -- boolean or timestamp column marking deleted rows
    outbox        boolean NOT NULL DEFAULT false -- an outbox table (Debezium's columns)
) WITH (user_catalog_table = true);

COMMENT ON TABLE routes IS
'How the wal2events output plugin turns each table''s row changes into domain events; change with wal2events.route() and wal2events.unroute()';

-- pg_dump dumps the routes with the extension; rel restores by name.
SELECT pg_catalog.pg_extension_config_dump('routes', '');

-- Marks the table's relcache entry (and its partitions') invalid in the
-- current transaction. The invalidation is WAL-logged with the transaction
-- and replayed by logical decoding at the same point, where it makes the
-- plugin rebuild its cached state for the table, reading the routes anew.
CREATE FUNCTION route_changed(rel regclass) RETURNS void
AS 'MODULE_PATHNAME', 'wal2events_route_changed'
LANGUAGE C STRICT VOLATILE;

-- Any change of a route, whoever makes it (route(), unroute(), the event
-- triggers below, a restore, a hand-written UPDATE), invalidates the table.
CREATE FUNCTION routes_invalidate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM @extschema@.route_changed(OLD.rel);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM @extschema@.route_changed(NEW.rel);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER routes_invalidate AFTER INSERT OR UPDATE OR DELETE ON routes
FOR EACH ROW EXECUTE FUNCTION routes_invalidate();

-- The live columns of a table, in column order.
CREATE FUNCTION table_columns(rel regclass) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(attname::text ORDER BY attnum), '{}')
    FROM pg_attribute
    WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
$$;

-- Each name must be a column of the table, given once.
CREATE FUNCTION route_check_columns(rel regclass, names text[], what text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    live text[] := @extschema@.table_columns(rel);
    name text;
BEGIN
    IF names IS NULL THEN
        RETURN;
    END IF;
    IF cardinality(names) = 0 THEN
        RAISE EXCEPTION 'wal2events.route(): % is empty', what
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Leave %s out (NULL) for the default, or name columns of %s.', what, rel);
    END IF;
    FOREACH name IN ARRAY names LOOP
        IF name IS NULL OR NOT name = ANY (live) THEN
            RAISE EXCEPTION 'wal2events.route(): column "%" of % does not exist (in %)', name, rel, what
                USING ERRCODE = 'undefined_column',
                      HINT = format('The columns of %s are: %s.', rel, array_to_string(live, ', '));
        END IF;
    END LOOP;
    IF cardinality(names) <> (SELECT count(DISTINCT n) FROM unnest(names) n) THEN
        RAISE EXCEPTION 'wal2events.route(): % names a column twice', what
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name each column once.';
    END IF;
END
$$;

-- Event types become subjects and headers: short, printable, not empty.
CREATE FUNCTION route_check_type(type text, what text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF type = '' OR octet_length(type) > 256 OR type ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'wal2events.route(): % "%" is not a valid event type or entity', what, type
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 256 bytes without control characters, for example ''order'' or ''order-placed''.';
    END IF;
    RETURN type;
END
$$;

-- The shipper's subject template rules (`wal2events ship --subject`), run
-- by the shipper's own code (libwal2events): dot-separated non-empty tokens
-- of printable characters other than ' ', '*', '>', with {type} {schema}
-- {table} {database} {partition_key}, every rendering at most 1024 bytes.
CREATE FUNCTION route_check_subject(subject text) RETURNS void
AS 'MODULE_PATHNAME', 'wal2events_route_check_subject'
LANGUAGE C STRICT IMMUTABLE;

-- tags as the plugin reads them: a flat object of strings.
CREATE FUNCTION route_tags(tags jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad text;
BEGIN
    IF tags IS NULL OR jsonb_typeof(tags) <> 'object' THEN
        RAISE EXCEPTION 'wal2events.route(): tags must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass ''{}'' for no tags, or for example ''{"team": "checkout"}''.';
    END IF;
    SELECT key INTO bad FROM jsonb_each(tags)
    WHERE jsonb_typeof(value) NOT IN ('string', 'number', 'boolean') LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'wal2events.route(): tag "%" is not a string, number or boolean', bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'tags is a flat JSON object, for example ''{"team": "checkout"}''.';
    END IF;
    RETURN (SELECT coalesce(jsonb_object_agg(key, value #>> '{}'), '{}') FROM jsonb_each(tags));
END
$$;

-- The columns the plugin uses as partition key when the route names none:
-- the replica identity index's, else the primary key's.
CREATE FUNCTION default_key(rel regclass) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(a.attname::text ORDER BY a.attnum)
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = rel
      AND i.indexrelid = coalesce((SELECT indexrelid FROM pg_index WHERE indrelid = rel AND indisreplident),
                                  (SELECT indexrelid FROM pg_index WHERE indrelid = rel AND indisprimary))
$$;

-- Key columns must be NOT NULL, shipped, and in what a DELETE carries.
CREATE FUNCTION route_check_key(rel regclass, key text[], shipped text[]) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    replident "char" := (SELECT relreplident FROM pg_class WHERE oid = rel);
    identity text[] := CASE WHEN replident IN ('d', 'i') THEN coalesce(@extschema@.default_key(rel), '{}') END;
    name text;
BEGIN
    FOREACH name IN ARRAY coalesce(key, '{}') LOOP
        IF NOT name = ANY (shipped) THEN
            RAISE EXCEPTION 'wal2events.route(): partition key column "%" of % is not shipped', name, rel
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A column left out by columns or exclude never leaves the database, not even in the key: ship it, or name other key columns with partition_key.';
        END IF;
        IF NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = rel AND attname = name) THEN
            RAISE EXCEPTION 'wal2events.route(): partition key column "%" of % is nullable', name, rel
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('Key columns must be NOT NULL: ALTER TABLE %s ALTER COLUMN %I SET NOT NULL, or name other columns.', rel, name);
        END IF;
        IF identity IS NOT NULL AND NOT name = ANY (identity) THEN
            RAISE EXCEPTION 'wal2events.route(): partition key column "%" of % is not in its replica identity', name, rel
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('A DELETE carries only the replica identity, so its key would be empty: use key columns of %s, or ALTER TABLE %s REPLICA IDENTITY FULL.',
                                    coalesce('(' || array_to_string(identity, ', ') || ')', 'the primary key'), rel);
        END IF;
    END LOOP;
END
$$;

-- The table must be one whose changes logical decoding sees.
CREATE FUNCTION route_check_table(rel regclass) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c pg_class;
BEGIN
    SELECT * INTO c FROM pg_class WHERE oid = rel;
    IF c.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'wal2events.route(): % is not a table', rel
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Route tables or partitioned tables; views, sequences and foreign tables have no row changes in the WAL.';
    END IF;
    IF c.relpersistence <> 'p' THEN
        RAISE EXCEPTION 'wal2events.route(): % is % and its changes are not in the WAL', rel,
                        CASE c.relpersistence WHEN 't' THEN 'temporary' ELSE 'unlogged' END
            USING ERRCODE = 'wrong_object_type',
                  HINT = CASE c.relpersistence WHEN 't' THEN 'Route a permanent table: logical decoding never sees temporary tables.'
                              ELSE format('Make it a permanent table first: ALTER TABLE %s SET LOGGED.', rel) END;
    END IF;
    IF EXISTS (SELECT FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = rel AND deptype = 'e') THEN
        RAISE EXCEPTION 'wal2events.route(): % belongs to an extension', rel
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Route the application''s own tables.';
    END IF;
END
$$;

-- An outbox route: Debezium's outbox columns, no per-operation settings.
CREATE FUNCTION route_check_outbox(rel regclass, r @extschema@.routes, shipped text[]) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    name text;
BEGIN
    IF r.partition_key IS NOT NULL OR r.soft_delete IS NOT NULL THEN
        RAISE EXCEPTION 'wal2events.route(): partition_key and soft_delete do not apply to an outbox route'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'An outbox row''s key is its aggregateid column; leave both out.';
    END IF;
    FOREACH name IN ARRAY ARRAY['aggregateid', 'type', 'payload'] LOOP
        IF NOT name = ANY (@extschema@.table_columns(rel)) THEN
            RAISE EXCEPTION 'wal2events.route(): % has no column "%" for an outbox route', rel, name
                USING ERRCODE = 'undefined_column',
                      HINT = 'An outbox table has the columns of Debezium''s outbox event router: id, aggregatetype, aggregateid, type, payload (jsonb).';
        END IF;
        IF NOT name = ANY (shipped) THEN
            RAISE EXCEPTION 'wal2events.route(): outbox column "%" of % is not shipped', name, rel
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'columns and exclude choose the tag columns of an outbox route; aggregateid, type and payload are always needed.';
        END IF;
    END LOOP;
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = rel AND attname = 'payload') <> 'jsonb'::regtype THEN
        RAISE EXCEPTION 'wal2events.route(): outbox column "payload" of % is not jsonb', rel
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('ALTER TABLE %s ALTER COLUMN payload TYPE jsonb USING payload::jsonb', rel);
    END IF;
END
$$;

-- A soft-delete column: boolean or timestamp, and old rows in the WAL.
CREATE FUNCTION route_check_soft_delete(rel regclass, name text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF name IS NULL THEN
        RETURN;
    END IF;
    PERFORM @extschema@.route_check_columns(rel, ARRAY[name], 'soft_delete');
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = rel AND attname = name)
       NOT IN ('boolean'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
        RAISE EXCEPTION 'wal2events.route(): soft-delete column "%" of % is neither boolean nor timestamp', name, rel
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'A soft-delete column is boolean (true: deleted) or timestamp/timestamptz (not NULL: deleted).';
    END IF;
    IF (SELECT relreplident FROM pg_class WHERE oid = rel) <> 'f' THEN
        RAISE EXCEPTION 'wal2events.route(): a soft-delete column needs REPLICA IDENTITY FULL on %', rel
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Whether an UPDATE sets or clears the column depends on the old row: ALTER TABLE %s REPLICA IDENTITY FULL.', rel);
    END IF;
END
$$;

-- A route change waits for the transactions that are writing to the table
-- and holds off new writers until it commits, as DDL does: so no other
-- transaction has changes of the table on both sides of it, and each
-- transaction's changes are decoded with one route (the plugin caches it
-- per table). SHARE ROW EXCLUSIVE: readers go on; writers and other route
-- changes of the table wait.
CREATE FUNCTION route_lock(rel regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', rel);
END
$$;

-- Route a table: validate, fill in the defaults, store. Returns the route.
CREATE FUNCTION route(rel regclass,
                      entity text DEFAULT NULL,
                      created text DEFAULT NULL,
                      updated text DEFAULT NULL,
                      deleted text DEFAULT NULL,
                      partition_key text[] DEFAULT NULL,
                      columns text[] DEFAULT NULL,
                      exclude text[] DEFAULT NULL,
                      subject text DEFAULT NULL,
                      tags jsonb DEFAULT '{}',
                      soft_delete text DEFAULT NULL,
                      outbox boolean DEFAULT false)
RETURNS routes
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r @extschema@.routes;
    shipped text[];
BEGIN
    IF rel IS NULL OR outbox IS NULL THEN
        RAISE EXCEPTION 'wal2events.route(): rel and outbox must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Name the table to route, for example ''public.orders''.';
    END IF;
    PERFORM @extschema@.route_check_table(rel);
    PERFORM @extschema@.route_lock(rel);
    r.rel := rel;
    r.entity := @extschema@.route_check_type(coalesce(entity, (SELECT relname::text FROM pg_class WHERE oid = rel)), 'entity');
    r.created := @extschema@.route_check_type(coalesce(created, r.entity || '-created'), 'created');
    r.updated := @extschema@.route_check_type(coalesce(updated, r.entity || '-updated'), 'updated');
    r.deleted := @extschema@.route_check_type(coalesce(deleted, r.entity || '-deleted'), 'deleted');
    r.partition_key := partition_key;
    r.columns := columns;
    r.exclude := coalesce(exclude, '{}');
    r.subject := subject;
    r.tags := @extschema@.route_tags(tags);
    r.soft_delete := soft_delete;
    r.outbox := outbox;

    PERFORM @extschema@.route_check_columns(rel, r.columns, 'columns');
    IF r.exclude <> '{}' THEN
        PERFORM @extschema@.route_check_columns(rel, r.exclude, 'exclude');
    END IF;
    PERFORM @extschema@.route_check_columns(rel, r.partition_key, 'partition_key');
    PERFORM @extschema@.route_check_subject(r.subject);
    shipped := ARRAY(SELECT c FROM unnest(@extschema@.table_columns(rel)) c
                     WHERE (r.columns IS NULL OR c = ANY (r.columns)) AND NOT c = ANY (r.exclude));
    IF r.outbox THEN
        IF created IS NOT NULL OR updated IS NOT NULL OR deleted IS NOT NULL THEN
            RAISE EXCEPTION 'wal2events.route(): created, updated and deleted do not apply to an outbox route'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'An outbox row''s event type is its type column; updates and deletes of outbox rows are not events.';
        END IF;
        PERFORM @extschema@.route_check_outbox(rel, r, shipped);
    ELSE
        PERFORM @extschema@.route_check_key(rel, coalesce(r.partition_key, @extschema@.default_key(rel)), shipped);
        PERFORM @extschema@.route_check_soft_delete(rel, r.soft_delete);
    END IF;

    -- (no ON CONFLICT: PostgreSQL does not allow it on a user catalog table)
    UPDATE @extschema@.routes
    SET (entity, created, updated, deleted, partition_key, columns, exclude,
         subject, tags, soft_delete, outbox) =
        (r.entity, r.created, r.updated, r.deleted, r.partition_key, r.columns, r.exclude,
         r.subject, r.tags, r.soft_delete, r.outbox)
    WHERE routes.rel = r.rel;
    IF NOT FOUND THEN
        INSERT INTO @extschema@.routes VALUES (r.*);
    END IF;
    RETURN r;
END
$$;

COMMENT ON FUNCTION route(regclass, text, text, text, text, text[], text[], text[], text, jsonb, text, boolean) IS
'Route a table''s row changes: entity and event types, partition key, shipped columns, subject, tags, soft deletes, outbox';

-- Remove a table's route; true when it had one.
CREATE FUNCTION unroute(rel regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF rel IS NULL THEN
        RAISE EXCEPTION 'wal2events.unroute(): rel must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Name the table, for example ''public.orders''.';
    END IF;
    PERFORM @extschema@.route_lock(rel);
    DELETE FROM @extschema@.routes r WHERE r.rel = unroute.rel;
    RETURN FOUND;
END
$$;

COMMENT ON FUNCTION unroute(regclass) IS
'Remove a table''s route: its changes get the default event types, key and columns again';

--
-- Routes follow the tables they name. Routes name columns (so that a dump
-- restores them by name); these event triggers keep the names right in
-- the same transaction as the DDL, so the decoder sees both change at the
-- same point:
--  * DROP TABLE removes the table's route;
--  * DROP COLUMN removes the column from columns and exclude (a new column
--    of the same name is a new column) and clears soft_delete; a column of
--    the partition key or one an outbox route needs cannot be dropped
--    while the route names it;
--  * RENAME COLUMN renames it in the route, so that an excluded column
--    stays excluded under its new name; so does a rename that reaches the
--    table from a parent (inheritance, partitions), from its composite
--    type (ALTER TYPE ... RENAME ATTRIBUTE ... CASCADE on a typed table) or
--    from a foreign table it inherits. Drops reach sql_drop whatever the
--    path (a parent's DROP COLUMN, ALTER TYPE ... DROP ATTRIBUTE CASCADE,
--    DROP TYPE/DOMAIN ... CASCADE).
-- Event triggers can be bypassed (session_replication_role = replica,
-- ALTER EVENT TRIGGER ... DISABLE): a route that names a column the table
-- does not have makes the plugin withhold all the table's columns, so a
-- redaction fails closed (README, "Columns that never leave the database").
--
CREATE FUNCTION routes_forget_column(rel regclass, name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r @extschema@.routes;
BEGIN
    SELECT * INTO r FROM @extschema@.routes WHERE routes.rel = routes_forget_column.rel;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF name = ANY (r.partition_key) OR (r.outbox AND name IN ('aggregateid', 'type', 'payload')) THEN
        RAISE EXCEPTION 'cannot drop column "%" of %: its wal2events route needs it', name, rel
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = CASE WHEN r.outbox THEN format('Unroute the table first: SELECT wal2events.unroute(%L);', rel::text)
                              ELSE 'Route the table with another partition_key first (wal2events.route()).' END;
    END IF;
    IF name = ANY (r.columns) OR name = ANY (r.exclude) OR name = r.soft_delete THEN
        UPDATE @extschema@.routes
        SET columns = array_remove(columns, name), exclude = array_remove(exclude, name),
            soft_delete = nullif(soft_delete, name)
        WHERE routes.rel = routes_forget_column.rel;
    END IF;
END
$$;

-- The event trigger functions run as the extension's owner (SECURITY
-- DEFINER): whoever may drop or alter a table may do so whether or not
-- they may write the routes, and the routes still follow.
CREATE FUNCTION routes_follow_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    obj record;
BEGIN
    -- DROP EXTENSION: the routes are gone with it
    IF to_regclass('@extschema@.routes') IS NULL THEN
        RETURN;
    END IF;
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects()
               WHERE object_type IN ('table', 'table column') LOOP
        IF obj.object_type = 'table' THEN
            DELETE FROM @extschema@.routes WHERE rel = obj.objid::regclass;
        ELSE
            PERFORM @extschema@.routes_forget_column(obj.objid::regclass, obj.address_names[3]);
        END IF;
    END LOOP;
END
$$;

-- A renamed column: in the table and in every table that inherits it
-- (children, partitions) the route's one name that no longer exists was
-- that column's. rel may be a composite type (ALTER TYPE ... RENAME
-- ATTRIBUTE ... CASCADE): then it is the tables of that type (CREATE TABLE
-- ... OF type) and the tables that inherit from them.
CREATE FUNCTION routes_follow_rename(rel regclass, attnum int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_name text := (SELECT attname FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum = routes_follow_rename.attnum);
    r @extschema@.routes;
    missing text[];
BEGIN
    FOR r IN SELECT * FROM @extschema@.routes
             WHERE routes.rel IN (WITH RECURSIVE tree(oid) AS (
                                      SELECT routes_follow_rename.rel::oid
                                      UNION SELECT c.oid FROM pg_class c
                                            WHERE c.reloftype <> 0
                                              AND c.reloftype = (SELECT reltype FROM pg_class t
                                                                 WHERE t.oid = routes_follow_rename.rel AND t.relkind = 'c')
                                      UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
                                  SELECT oid FROM tree) LOOP
        missing := ARRAY(SELECT DISTINCT n FROM unnest(r.columns || r.exclude || r.partition_key || r.soft_delete) n
                         WHERE NOT n = ANY (@extschema@.table_columns(r.rel)));
        CONTINUE WHEN missing = '{}';
        IF cardinality(missing) > 1 OR NOT new_name = ANY (@extschema@.table_columns(r.rel)) THEN
            RAISE EXCEPTION 'cannot rename column "%" of %: its wal2events route names columns it no longer has (%)',
                            new_name, r.rel, array_to_string(missing, ', ')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Route the table again with its current column names (wal2events.route()).';
        END IF;
        UPDATE @extschema@.routes
        SET columns = array_replace(columns, missing[1], new_name),
            exclude = array_replace(exclude, missing[1], new_name),
            partition_key = array_replace(partition_key, missing[1], new_name),
            soft_delete = CASE WHEN soft_delete = missing[1] THEN new_name ELSE soft_delete END
        WHERE routes.rel = r.rel;
    END LOOP;
END
$$;

CREATE FUNCTION routes_follow_alter() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cmd record;
BEGIN
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands()
               WHERE object_type IN ('table column', 'composite type column', 'foreign table column')
                 AND objsubid > 0 LOOP
        PERFORM @extschema@.routes_follow_rename(cmd.objid::regclass, cmd.objsubid);
    END LOOP;
END
$$;

CREATE EVENT TRIGGER wal2events_routes_follow_drop ON sql_drop
EXECUTE FUNCTION routes_follow_drop();
CREATE EVENT TRIGGER wal2events_routes_follow_alter ON ddl_command_end
WHEN TAG IN ('ALTER TABLE', 'ALTER TYPE', 'ALTER FOREIGN TABLE')
EXECUTE FUNCTION routes_follow_alter();

-- Routes decide what leaves the database: only their owner changes them.
REVOKE ALL ON FUNCTION route(regclass, text, text, text, text, text[], text[], text[], text, jsonb, text, boolean),
                       unroute(regclass), routes_forget_column(regclass, text),
                       routes_follow_rename(regclass, int) FROM PUBLIC;
GRANT SELECT ON routes TO PUBLIC;

-- Debian's PostgreSQL 15.19 and later only start slots with output plugins
-- listed in output_plugin_libraries; say so now rather than at slot creation.
DO $$
DECLARE
    allowed text := current_setting('output_plugin_libraries', true);
BEGIN
    IF allowed IS NOT NULL
       AND NOT ('wal2events' = ANY (string_to_array(replace(allowed, ' ', ''), ','))) THEN
        RAISE WARNING 'this server does not allow the wal2events output plugin (output_plugin_libraries = ''%'')', allowed
            USING HINT = format('Run ALTER SYSTEM SET output_plugin_libraries = %L; SELECT pg_reload_conf(); as a superuser.',
                                allowed || ', wal2events');
    END IF;
END
$$;
