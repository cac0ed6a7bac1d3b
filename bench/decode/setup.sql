-- Decode benchmark: schema, data loaded BEFORE the slots exist (so it is not
-- part of the decoded range), publications and the in-server timing function.
--
-- psql variables: n_full (rows of orders_full), n_docs (rows of docs).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE SCHEMA bench;

-- Target of the single-row insert transactions.
CREATE TABLE bench.accounts (
    id          bigserial PRIMARY KEY,
    owner       text NOT NULL,
    balance     numeric(12,2) NOT NULL,
    opened_at   timestamptz NOT NULL,
    active      boolean NOT NULL,
    ref         uuid NOT NULL,
    attrs       jsonb NOT NULL
);

-- Bulk insert (one big transaction), then updates and deletes,
-- REPLICA IDENTITY DEFAULT (old key only).
CREATE TABLE bench.orders (
    id          bigint PRIMARY KEY,
    customer    text NOT NULL,
    amount      numeric(12,2) NOT NULL,
    placed_at   timestamptz NOT NULL,
    paid        boolean NOT NULL,
    ref         uuid NOT NULL,
    attrs       jsonb NOT NULL
);

-- Same shape, REPLICA IDENTITY FULL (whole old row on UPDATE/DELETE).
CREATE TABLE bench.orders_full (
    id          integer PRIMARY KEY,
    customer    text NOT NULL,
    amount      numeric(12,2) NOT NULL,
    placed_at   timestamptz NOT NULL,
    paid        boolean NOT NULL,
    ref         uuid NOT NULL,
    attrs       jsonb NOT NULL
);
ALTER TABLE bench.orders_full REPLICA IDENTITY FULL;

-- An 8 KB incompressible text stored out of line; updates leave it unchanged
-- (the WAL then carries only the TOAST pointer: "unchanged TOAST value").
CREATE TABLE bench.docs (
    id          integer PRIMARY KEY,
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    body        text NOT NULL
);
ALTER TABLE bench.docs ALTER COLUMN body SET STORAGE EXTERNAL;

INSERT INTO bench.orders_full
SELECT i, 'customer ' || (i % 997), (i % 100000) / 100.0 + 0.25,
       '2024-01-01 00:00:00+00'::timestamptz + i * interval '1 second',
       i % 2 = 0, gen_random_uuid(),
       jsonb_build_object('channel', 'web', 'items', i % 7, 'tags', jsonb_build_array('a', 'b'))
FROM generate_series(1, :n_full) AS i;

-- 256 random md5 hex strings = 8192 bytes: pglz cannot win 25% on it, and
-- STORAGE EXTERNAL does not try.
INSERT INTO bench.docs
SELECT i, 1, now(),
       (SELECT string_agg(md5(random()::text || i::text || j::text), '')
          FROM generate_series(1, 256) AS j)
FROM generate_series(1, :n_docs) AS i;

-- pgoutput: one publication with every table, and the floor: an empty one.
CREATE PUBLICATION all_pub FOR ALL TABLES;
CREATE PUBLICATION floor_pub;

-- VmHWM (peak resident set, kB) of the calling backend.
CREATE FUNCTION bench.vmhwm_kb() RETURNS bigint
LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::bigint
$$;

-- Decode [slot's restart point, upto] without consuming it, timed inside the
-- server so that nothing is sent to the client but one row.
CREATE FUNCTION bench.peek(slot name, upto pg_lsn, opts text[],
                           OUT secs float8, OUT msgs bigint, OUT bytes bigint,
                           OUT hwm_before_kb bigint, OUT hwm_after_kb bigint,
                           OUT spill_bytes bigint)
LANGUAGE plpgsql
SET stats_fetch_consistency = none  -- read the live slot statistics twice
AS $$
DECLARE
    t0 timestamptz;
    spill0 bigint;
BEGIN
    SELECT coalesce(max(s.spill_bytes), 0) INTO spill0
      FROM pg_stat_replication_slots s WHERE s.slot_name = slot;
    hwm_before_kb := bench.vmhwm_kb();
    t0 := clock_timestamp();
    SELECT count(*), coalesce(sum(octet_length(c.data)), 0)
      INTO msgs, bytes
      FROM pg_logical_slot_peek_binary_changes(slot, upto, NULL, VARIADIC opts) AS c;
    secs := extract(epoch FROM clock_timestamp() - t0);
    hwm_after_kb := bench.vmhwm_kb();
    SELECT coalesce(max(s.spill_bytes), 0) - spill0 INTO spill_bytes
      FROM pg_stat_replication_slots s WHERE s.slot_name = slot;
END
$$;

CHECKPOINT;
