-- Decode benchmark workload: everything here is in the decoded range.
--
-- psql variables: n_single, n_bulk, n_upd, n_del, n_toast, n_msg, batch,
-- emit_mode ('emit' = wal2events.emit(), else pg_logical_emit_message with
-- prefix :msg_prefix). DO blocks cannot see psql variables, so they are passed
-- as custom settings.

\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SELECT set_config('bench.n_single', :'n_single', false),
       set_config('bench.n_bulk',   :'n_bulk',   false),
       set_config('bench.n_upd',    :'n_upd',    false),
       set_config('bench.n_del',    :'n_del',    false),
       set_config('bench.n_toast',  :'n_toast',  false),
       set_config('bench.n_msg',    :'n_msg',    false),
       set_config('bench.batch',    :'batch',    false),
       set_config('bench.emit_mode', :'emit_mode', false),
       set_config('bench.msg_prefix', :'msg_prefix', false) \gset dummy_

-- 1. n_single transactions of one INSERT each.
DO $$
DECLARE n int := current_setting('bench.n_single')::int;
BEGIN
    FOR i IN 1..n LOOP
        INSERT INTO bench.accounts (owner, balance, opened_at, active, ref, attrs)
        VALUES ('owner ' || i, i / 100.0, now(), i % 3 <> 0, gen_random_uuid(),
                jsonb_build_object('tier', i % 4, 'email', 'user' || i || '@example.com'));
        COMMIT;
    END LOOP;
END
$$;

-- 2. One transaction inserting n_bulk rows (spills at logical_decoding_work_mem = 64MB).
INSERT INTO bench.orders
SELECT i, 'customer ' || (i % 997), (i % 100000) / 100.0 + 0.25,
       '2024-01-01 00:00:00+00'::timestamptz + i * interval '1 second',
       i % 2 = 0, gen_random_uuid(),
       jsonb_build_object('channel', 'web', 'items', i % 7, 'tags', jsonb_build_array('a', 'b'))
FROM generate_series(1, :n_bulk) AS i;

-- 3. n_upd updates on orders (REPLICA IDENTITY DEFAULT), ids 1..n_upd,
--    then n_upd on orders_full (REPLICA IDENTITY FULL), in transactions of
--    `batch` rows (one UPDATE statement per transaction).
DO $$
DECLARE n int := current_setting('bench.n_upd')::int;
        b int := current_setting('bench.batch')::int;
        lo int := 1;
BEGIN
    WHILE lo <= n LOOP
        UPDATE bench.orders SET amount = amount + 1, paid = NOT paid, placed_at = now()
         WHERE id BETWEEN lo AND least(lo + b - 1, n);
        COMMIT;
        lo := lo + b;
    END LOOP;
    lo := 1;
    WHILE lo <= n LOOP
        UPDATE bench.orders_full SET amount = amount + 1, paid = NOT paid, placed_at = now()
         WHERE id BETWEEN lo AND least(lo + b - 1, n);
        COMMIT;
        lo := lo + b;
    END LOOP;
END
$$;

-- 4. n_del deletes on orders (the last n_del ids, not updated above), in
--    transactions of `batch` rows.
DO $$
DECLARE n int := current_setting('bench.n_del')::int;
        total bigint := current_setting('bench.n_bulk')::bigint;
        b int := current_setting('bench.batch')::int;
        lo bigint := total - n + 1;
BEGIN
    WHILE lo <= total LOOP
        DELETE FROM bench.orders WHERE id BETWEEN lo AND least(lo + b - 1, total);
        COMMIT;
        lo := lo + b;
    END LOOP;
END
$$;

-- 5. n_toast updates of docs that leave the 8 KB TOASTed body unchanged,
--    in transactions of `batch` rows.
DO $$
DECLARE n int := current_setting('bench.n_toast')::int;
        b int := current_setting('bench.batch')::int;
        lo int := 1;
BEGIN
    WHILE lo <= n LOOP
        UPDATE bench.docs SET version = version + 1, updated_at = now()
         WHERE id BETWEEN lo AND least(lo + b - 1, n);
        COMMIT;
        lo := lo + b;
    END LOOP;
END
$$;

-- 6. n_msg transactions of one transactional logical message each.
DO $$
DECLARE n int := current_setting('bench.n_msg')::int;
        mode text := current_setting('bench.emit_mode');
        prefix text := current_setting('bench.msg_prefix');
        payload jsonb;
BEGIN
    FOR i IN 1..n LOOP
        payload := jsonb_build_object('order_id', i, 'amount', i / 100.0,
                                      'currency', 'EUR', 'lines', i % 5 + 1);
        IF mode = 'emit' THEN
            EXECUTE 'SELECT wal2events.emit($1, $2, $3)' USING 'order-placed', i::text, payload;
        ELSE
            PERFORM pg_logical_emit_message(true, prefix, payload::text);
        END IF;
        COMMIT;
    END LOOP;
END
$$;
