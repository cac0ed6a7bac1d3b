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
