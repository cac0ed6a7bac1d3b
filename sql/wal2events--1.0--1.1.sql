\echo Use "ALTER EXTENSION wal2events UPDATE TO '1.1'" to load this file. \quit

--
-- Backfills (README, "Backfilling existing rows"): the rows a table already
-- has become read events, through the slot, chunk by chunk, each chunk in
-- a short transaction of its own. backfill() registers one,
-- backfill_chunk() reads the next chunk (wal2events backfill and
-- backfill_run() call it until nothing is left), backfill_cancel() stops
-- one. The output plugin recognises the chunks' messages only in
-- transactions that also wrote this table (src/plugin/backfill.h): so only
-- the roles that may write it can put rows into the stream.
--
CREATE TABLE backfills (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rel         regclass NOT NULL,        -- the table
    key_columns text[] NOT NULL,          -- its unique NOT NULL key, in read order
    from_key    text[],                   -- first key read (inclusive); NULL: the smallest
    to_key      text[],                   -- last key read (inclusive); NULL: the largest
    condition   text,                     -- only rows where this holds; NULL: all
    chunk_rows  integer NOT NULL CHECK (chunk_rows BETWEEN 1 AND 1000000),
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'done', 'cancelled')),
    chunks      bigint NOT NULL DEFAULT 0, -- chunks committed
    rows        bigint NOT NULL DEFAULT 0, -- rows read in them
    last_key    text[],                   -- key of the last row read; the next chunk starts after it
    created     timestamptz NOT NULL DEFAULT now(),
    started     timestamptz,
    finished    timestamptz,
    created_by  name NOT NULL DEFAULT current_user
);

COMMENT ON TABLE backfills IS
'Backfills of existing rows as read events: register with wal2events.backfill(), run with wal2events backfill or CALL wal2events.backfill_run(id)';

REVOKE ALL ON backfills FROM PUBLIC;
GRANT SELECT ON backfills TO PUBLIC;

-- A route may name the event type of read rows; NULL: <entity>-read.
-- route() gains the parameter read (last, so that every call of 1.0 means
-- the same); the 1.0 function does the rest under another name.
ALTER TABLE routes ADD COLUMN read text;
ALTER FUNCTION route(regclass, text, text, text, text, text[], text[], text[], text, jsonb, text, boolean)
    RENAME TO route_without_read;

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
                      outbox boolean DEFAULT false,
                      read text DEFAULT NULL)
RETURNS routes
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r @extschema@.routes;
BEGIN
    IF outbox AND read IS NOT NULL THEN
        RAISE EXCEPTION 'wal2events.route(): read does not apply to an outbox route'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Outbox rows are events once, when inserted; they are never backfilled.';
    END IF;
    r := @extschema@.route_without_read(rel, entity, created, updated, deleted, partition_key,
                                        columns, exclude, subject, tags, soft_delete, outbox);
    IF NOT r.outbox THEN
        r.read := @extschema@.route_check_type(coalesce(read, r.entity || '-read'), 'read');
        UPDATE @extschema@.routes SET read = r.read WHERE routes.rel = r.rel;
    END IF;
    RETURN r;
END
$$;

COMMENT ON FUNCTION route(regclass, text, text, text, text, text[], text[], text[], text, jsonb, text, boolean, text) IS
'Route a table''s row changes: entity and event types (read: backfilled rows), partition key, shipped columns, subject, tags, soft deletes, outbox';

-- The key a backfill reads by: the named columns, which must be NOT NULL
-- and exactly the columns of a unique index (no expressions, no
-- predicate), or else the primary key; and the replica identity must log
-- it in every DELETE and key-changing UPDATE, which is how the plugin
-- knows the keys changed while a chunk is read.
CREATE FUNCTION backfill_key(rel regclass, key_columns text[]) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key text[];
    identity char;
    identity_key text[];
    c text;
BEGIN
    IF key_columns IS NULL THEN
        SELECT array_agg(a.attname::text ORDER BY k.ord) INTO key
        FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute a
        WHERE i.indrelid = rel AND i.indisprimary AND a.attrelid = rel AND a.attnum = k.attnum;
        IF key IS NULL THEN
            RAISE EXCEPTION 'wal2events.backfill(): table % has no primary key', rel
                USING ERRCODE = 'invalid_table_definition',
                      HINT = 'Name a unique key of NOT NULL columns: key_columns => ARRAY[''column'', ...].';
        END IF;
    ELSE
        IF cardinality(key_columns) = 0 THEN
            RAISE EXCEPTION 'wal2events.backfill(): key_columns is empty'
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the columns of a unique key, or pass NULL for the primary key.';
        END IF;
        FOREACH c IN ARRAY key_columns LOOP
            IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = rel AND attname = c AND attnum > 0 AND NOT attisdropped) THEN
                RAISE EXCEPTION 'wal2events.backfill(): table % has no column %', rel, quote_ident(c)
                    USING ERRCODE = 'undefined_column', HINT = 'key_columns names columns of the table.';
            END IF;
            IF NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = rel AND attname = c) THEN
                RAISE EXCEPTION 'wal2events.backfill(): key column % of % may be NULL', quote_ident(c), rel
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = format('A backfill key must be NOT NULL: ALTER TABLE %s ALTER COLUMN %I SET NOT NULL.', rel, c);
            END IF;
        END LOOP;
        IF NOT EXISTS (
            SELECT FROM pg_index i
            WHERE i.indrelid = rel AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
              AND i.indexprs IS NULL AND i.indnkeyatts = cardinality(key_columns)
              AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                   FROM unnest(i.indkey[0:i.indnkeyatts - 1]) k(attnum)
                   JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k.attnum)
                  = (SELECT array_agg(x ORDER BY x) FROM unnest(key_columns) x)) THEN
            RAISE EXCEPTION 'wal2events.backfill(): no unique index of % has exactly the columns %', rel, key_columns
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'The key must be the columns of a unique index without expressions or WHERE clause.';
        END IF;
        key := key_columns;
    END IF;

    SELECT relreplident INTO identity FROM pg_class WHERE oid = rel;
    IF identity = 'd' THEN
        SELECT array_agg(a.attname::text ORDER BY a.attname) INTO identity_key
        FROM pg_index i, unnest(i.indkey) k(attnum), pg_attribute a
        WHERE i.indrelid = rel AND i.indisprimary AND a.attrelid = rel AND a.attnum = k.attnum;
    ELSIF identity = 'i' THEN
        SELECT array_agg(a.attname::text ORDER BY a.attname) INTO identity_key
        FROM pg_index i, unnest(i.indkey) k(attnum), pg_attribute a
        WHERE i.indrelid = rel AND i.indisreplident AND a.attrelid = rel AND a.attnum = k.attnum;
    END IF;
    IF identity = 'n' OR (identity IN ('d', 'i') AND identity_key IS DISTINCT FROM
                           (SELECT array_agg(x ORDER BY x) FROM unnest(key) x)) THEN
        RAISE EXCEPTION 'wal2events.backfill(): the replica identity of % does not log the key %', rel, key
            USING ERRCODE = 'invalid_table_definition',
                  HINT = format('Deletes must log the backfill key: ALTER TABLE %s REPLICA IDENTITY FULL, or USING INDEX of that key.', rel);
    END IF;
    RETURN key;
END
$$;

-- Register a backfill of a table; returns its id.
CREATE FUNCTION backfill(rel regclass,
                         chunk_rows integer DEFAULT 10000,
                         key_columns text[] DEFAULT NULL,
                         from_key text[] DEFAULT NULL,
                         to_key text[] DEFAULT NULL,
                         condition text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key text[];
    kind char;
    existing bigint;
    new_id bigint;
BEGIN
    IF rel IS NULL OR chunk_rows IS NULL THEN
        RAISE EXCEPTION 'wal2events.backfill(): rel and chunk_rows must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Name the table, for example ''public.orders''.';
    END IF;
    IF chunk_rows NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'wal2events.backfill(): chunk_rows must be between 1 and 1000000, not %', chunk_rows
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Each chunk is one transaction; 10000 is a good start.';
    END IF;
    SELECT relkind INTO kind FROM pg_class WHERE oid = rel;
    IF kind = 'p' THEN
        RAISE EXCEPTION 'wal2events.backfill(): % is partitioned', rel
            USING ERRCODE = 'wrong_object_type', HINT = 'Backfill each partition.';
    ELSIF kind IS DISTINCT FROM 'r' THEN
        RAISE EXCEPTION 'wal2events.backfill(): % is not a table', rel
            USING ERRCODE = 'wrong_object_type', HINT = 'Only tables have rows to backfill.';
    END IF;
    IF EXISTS (SELECT FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = rel AND deptype = 'e') THEN
        RAISE EXCEPTION 'wal2events.backfill(): % belongs to an extension', rel
            USING ERRCODE = 'wrong_object_type', HINT = 'An extension''s own tables are never shipped.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.routes r WHERE r.rel = backfill.rel AND r.outbox) THEN
        RAISE EXCEPTION 'wal2events.backfill(): % is an outbox table', rel
            USING ERRCODE = 'wrong_object_type', HINT = 'Outbox rows are events once, when inserted; there is nothing to backfill.';
    END IF;
    IF NOT has_table_privilege(rel, 'SELECT') THEN
        RAISE EXCEPTION 'wal2events.backfill(): permission denied for table %', rel
            USING ERRCODE = 'insufficient_privilege', HINT = 'A backfill reads the whole table: it needs SELECT on it.';
    END IF;
    key := @extschema@.backfill_key(rel, key_columns);
    IF (from_key IS NOT NULL AND cardinality(from_key) <> cardinality(key)) OR
       (to_key IS NOT NULL AND cardinality(to_key) <> cardinality(key)) THEN
        RAISE EXCEPTION 'wal2events.backfill(): from_key and to_key need one value per key column %', key
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example from_key => ARRAY[''1000''].';
    END IF;
    IF condition IS NOT NULL THEN
        BEGIN
            EXECUTE format('SELECT FROM ONLY %s t WHERE (%s) LIMIT 0', rel, condition);
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'wal2events.backfill(): the condition does not apply to %: %', rel, SQLERRM
                USING ERRCODE = 'invalid_parameter_value', HINT = 'condition is a boolean SQL expression over the table''s columns, for example ''created > now() - interval ''''1 year''''''.';
        END;
    END IF;
    PERFORM pg_advisory_xact_lock('@extschema@.backfills'::regclass::oid::int, rel::oid::int);
    SELECT b.id INTO existing FROM @extschema@.backfills b
    WHERE b.rel = backfill.rel AND b.state IN ('pending', 'running') ORDER BY b.id LIMIT 1;
    IF existing IS NOT NULL THEN
        RAISE EXCEPTION 'wal2events.backfill(): % already has an unfinished backfill, id %', rel, existing
            USING ERRCODE = 'duplicate_object',
                  HINT = format('Run it (wal2events backfill, or CALL wal2events.backfill_run(%s)), or cancel it with wal2events.backfill_cancel(%s).', existing, existing);
    END IF;
    INSERT INTO @extschema@.backfills (rel, key_columns, from_key, to_key, condition, chunk_rows)
    VALUES (rel, key, from_key, to_key, condition, chunk_rows)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

COMMENT ON FUNCTION backfill(regclass, integer, text[], text[], text[], text) IS
'Register a backfill of a table''s existing rows (read events through the slot); returns its id';

-- Read the next chunk in the caller's transaction; the number of rows read
-- (0: nothing left). One chunk per transaction: commit after each call.
CREATE FUNCTION backfill_chunk(id bigint) RETURNS integer
AS 'MODULE_PATHNAME', 'wal2events_backfill_chunk'
LANGUAGE C STRICT VOLATILE;

-- Stop a backfill; true when it was unfinished. A chunk being read ends first.
CREATE FUNCTION backfill_cancel(id bigint) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    WITH cancelled AS (
        UPDATE @extschema@.backfills b SET state = 'cancelled', finished = now()
        WHERE b.id = backfill_cancel.id AND b.state IN ('pending', 'running')
        RETURNING 1)
    SELECT count(*) > 0 FROM cancelled;
$$;

-- Run a backfill to its end, one chunk per transaction; rows_per_second
-- limits the pace. Call it outside a transaction block: CALL commits.
-- (No SET search_path: a procedure with one cannot COMMIT; every name is
-- qualified instead.)
CREATE PROCEDURE backfill_run(id bigint, rows_per_second integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    started timestamptz := pg_catalog.clock_timestamp();
    total bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT FROM @extschema@.backfills b WHERE b.id = backfill_run.id) THEN
        RAISE EXCEPTION 'there is no backfill with id %', id
            USING ERRCODE = 'undefined_object', HINT = 'See SELECT * FROM wal2events.backfills.';
    END IF;
    LOOP
        n := @extschema@.backfill_chunk(id);
        COMMIT;
        EXIT WHEN n = 0;
        total := total + n;
        IF rows_per_second IS NOT NULL AND rows_per_second > 0 THEN
            PERFORM pg_catalog.pg_sleep(greatest(0, total::float8 / rows_per_second
                                         - extract(epoch FROM pg_catalog.clock_timestamp() - started)));
        END IF;
        EXIT WHEN (SELECT b.state FROM @extschema@.backfills b WHERE b.id = backfill_run.id) <> 'running';
    END LOOP;
END
$$;

-- Backfills decide what leaves the database, like routes: only their owner
-- (or roles granted these functions and UPDATE on backfills) runs them.
REVOKE ALL ON FUNCTION route(regclass, text, text, text, text, text[], text[], text[], text, jsonb, text, boolean, text),
                       backfill(regclass, integer, text[], text[], text[], text),
                       backfill_chunk(bigint), backfill_cancel(bigint) FROM PUBLIC;
REVOKE ALL ON PROCEDURE backfill_run(bigint, integer) FROM PUBLIC;
