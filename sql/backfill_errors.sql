--
-- backfill_errors: every way wal2events.backfill(), backfill_chunk() and
-- backfill_cancel() refuse, and what a refusal leaves (issue 9). A backfill
-- needs a key it can read in order and that names one row: the primary key,
-- or a unique key of NOT NULL columns named with key_columns. A failed
-- backfill() registers nothing.
--
\set SHOW_CONTEXT never
CREATE TABLE bf_orders (id int PRIMARY KEY, ref int NOT NULL, code text, customer text NOT NULL);
CREATE UNIQUE INDEX bf_orders_ref ON bf_orders (ref);
CREATE UNIQUE INDEX bf_orders_code ON bf_orders (code);      -- unique, but nullable
INSERT INTO bf_orders SELECT g, 100 + g, 'c' || g, 'cust ' || g FROM generate_series(1, 5) g;
CREATE TABLE bf_nokey (a int NOT NULL, b int);
CREATE UNIQUE INDEX bf_nokey_a ON bf_nokey (a);
CREATE TABLE bf_bare (a int, b int);
CREATE VIEW bf_view AS SELECT * FROM bf_orders;

-- Run a statement; print 'ok' or the error's SQLSTATE and message.
CREATE FUNCTION bf_try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN format('%s: %s', state, msg);
END
$$;

-- The table: unknown, not a table, no key
SELECT bf_try($$SELECT wal2events.backfill('bf_nosuch')$$);
SELECT bf_try($$SELECT wal2events.backfill(NULL)$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_view')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_bare')$$);
-- no primary key: refused, unless a unique NOT NULL key is named
SELECT bf_try($$SELECT wal2events.backfill('bf_nokey')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_nokey', key_columns => '{b}')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_bare', key_columns => '{a}')$$);

-- The key: unknown column, not unique, unique but nullable, empty
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', key_columns => '{nosuch}')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', key_columns => '{customer}')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', key_columns => '{code}')$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', key_columns => '{}')$$);
-- a key range of another length than the key
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', from_key => '{1,2}')$$);

-- chunk_rows
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', chunk_rows => 0)$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', chunk_rows => -1)$$);
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', chunk_rows => NULL)$$);

-- A condition that is not a valid boolean expression of the table's columns
SELECT bf_try($$SELECT wal2events.backfill('bf_orders', condition => 'nosuch > 1')$$);

-- None of the refusals registered anything
SELECT count(*) AS registered FROM wal2events.backfills
 WHERE rel IN ('bf_orders'::regclass, 'bf_nokey'::regclass, 'bf_bare'::regclass);

-- A unique NOT NULL key that the replica identity does not log: a delete
-- in the WAL would not say which key it removed
SELECT bf_try($$SELECT wal2events.backfill('bf_nokey', key_columns => '{a}')$$);
ALTER TABLE bf_nokey REPLICA IDENTITY USING INDEX bf_nokey_a;

-- Accepted: the primary key; a named unique NOT NULL key of a table
-- without one. A second unfinished backfill of the same table is refused,
-- naming the first.
SELECT wal2events.backfill('bf_orders', chunk_rows => 2) AS first_id \gset
SELECT wal2events.backfill('bf_nokey', key_columns => '{a}') AS nokey_id \gset
SELECT rel, key_columns, chunk_rows, state, chunks, rows, created_by = current_user AS mine
  FROM wal2events.backfills
 WHERE rel IN ('bf_orders'::regclass, 'bf_nokey'::regclass) ORDER BY id;
SELECT position(:'first_id' IN bf_try($$SELECT wal2events.backfill('bf_orders')$$)) > 0
       AS names_the_first;
SELECT replace(bf_try($$SELECT wal2events.backfill('bf_orders')$$), 'id ' || :'first_id', 'id <first_id>');
-- also while it is running
SELECT wal2events.backfill_chunk(:first_id) AS rows_read;
SELECT state, chunks, rows, last_key FROM wal2events.backfills WHERE id = :first_id;
SELECT position(:'first_id' IN bf_try($$SELECT wal2events.backfill('bf_orders')$$)) > 0
       AS names_the_first;

-- backfill_chunk, backfill_cancel: unknown id
SELECT bf_try($$SELECT wal2events.backfill_chunk(-1)$$);
SELECT wal2events.backfill_cancel(-1) AS cancelled;

-- backfill_cancel stops it: the next chunk reads nothing, the state stays
-- cancelled, cancelling again says false; then a new backfill of the table
-- may start
SELECT wal2events.backfill_cancel(:first_id) AS cancelled;
SELECT state, rows, finished IS NOT NULL AS finished FROM wal2events.backfills WHERE id = :first_id;
SELECT wal2events.backfill_chunk(:first_id) AS rows_read;
SELECT state, rows FROM wal2events.backfills WHERE id = :first_id;
SELECT wal2events.backfill_cancel(:first_id) AS cancelled_again;
CALL wal2events.backfill_run(:first_id);
SELECT state, rows FROM wal2events.backfills WHERE id = :first_id;
SELECT wal2events.backfill('bf_orders', chunk_rows => 2) AS second_id \gset
CALL wal2events.backfill_run(:second_id);
SELECT state, chunks >= 3 AS chunks, rows, finished IS NOT NULL AS finished
  FROM wal2events.backfills WHERE id = :second_id;
-- a finished backfill reads nothing more and cannot be cancelled
SELECT wal2events.backfill_chunk(:second_id) AS rows_read;
SELECT wal2events.backfill_cancel(:second_id) AS cancelled;
SELECT state FROM wal2events.backfills WHERE id = :second_id;

-- Only the extension's owner (or whom it grants) starts backfills: they
-- write every row of a table into the WAL. Anyone may read the progress.
CREATE ROLE bf_app;
GRANT SELECT ON bf_orders TO bf_app;
SET ROLE bf_app;
SELECT bf_try($$SELECT wal2events.backfill('bf_orders')$$);
SELECT bf_try($$SELECT wal2events.backfill_chunk($$ || :nokey_id || $$)$$);
SELECT bf_try($$SELECT wal2events.backfill_cancel($$ || :nokey_id || $$)$$);
SELECT bf_try($$CALL wal2events.backfill_run($$ || :nokey_id || $$)$$);
SELECT bf_try($$UPDATE wal2events.backfills SET state = 'done'$$);
SELECT count(*) > 0 AS progress_readable FROM wal2events.backfills;
RESET ROLE;
SELECT state FROM wal2events.backfills WHERE id = :nokey_id;
SELECT wal2events.backfill_cancel(:nokey_id) AS cancelled;
DROP OWNED BY bf_app;
DROP ROLE bf_app;

DELETE FROM wal2events.backfills WHERE rel IN ('bf_orders'::regclass, 'bf_nokey'::regclass);
DROP VIEW bf_view;
DROP TABLE bf_orders, bf_nokey, bf_bare;
DROP FUNCTION bf_try(text);
