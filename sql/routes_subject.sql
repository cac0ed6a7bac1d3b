--
-- routes_subject: wal2events.route() checks a subject template with the
-- shipper's own rules (libwal2events' w2e_subject_template_check, the code
-- `wal2events ship --subject` runs): an ERROR with the reason and a hint,
-- including templates whose subjects could pass NATS's limits (every
-- rendering at most 1024 bytes, each placeholder counting 128).
--
\set SHOW_CONTEXT never
CREATE TABLE subj (id int PRIMARY KEY);

-- Run a statement; print 'ok' or the error's SQLSTATE, message, detail and hint.
CREATE FUNCTION try_route(template text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    detail text;
    hint text;
BEGIN
    PERFORM wal2events.route('subj', subject => template);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    -- (a long run of one letter in the template shown as its first)
    RETURN state || ': ' || regexp_replace(msg, '([ab])\1{20,}', '\1...', 'g')
           || E'\nDETAIL: ' || detail || E'\nHINT: ' || hint;
END
$$;

-- the reason is the shipper's
SELECT try_route('shop..{type}');
SELECT try_route('shop.{entity}');
SELECT try_route('shop.*');
-- literal text: 1018 bytes fit (".claim" makes 1024), 1019 do not
SELECT try_route(repeat('a', 1018));
SELECT try_route(repeat('a', 1019));
-- placeholders count 128 bytes each: 6 of them and 250 literal bytes (dots too) fit
SELECT try_route(repeat('b', 244) || '.{type}.{schema}.{table}.{database}.{partition_key}.{type}');
SELECT try_route(repeat('b', 245) || '.{type}.{schema}.{table}.{database}.{partition_key}.{type}');
-- eight placeholders never fit
SELECT try_route('s.{type}.{type}.{type}.{type}.{type}.{type}.{type}.{type}');
-- a refused template leaves the route as it was
SELECT subject FROM wal2events.routes WHERE rel = 'subj'::regclass;
SELECT try_route(NULL);
SELECT subject FROM wal2events.routes WHERE rel = 'subj'::regclass;

SELECT wal2events.unroute('subj');
DROP TABLE subj;
DROP FUNCTION try_route(text);
