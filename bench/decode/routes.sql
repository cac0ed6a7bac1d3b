-- Decode benchmark, BENCH_ROUTES=1: every table routed, with everything a
-- route adds to each event (entity and types, subject, tags; a soft-delete
-- column on the REPLICA IDENTITY FULL table, whose updates then compare old
-- and new rows). No column is excluded: the routed run ships the same
-- values and more bytes, so the difference is the cost of routing.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT wal2events.route('bench.accounts', entity => 'account',
                        subject => 'bench.accounts.{type}',
                        tags => '{"service": "bench", "tier": "1"}');
SELECT wal2events.route('bench.orders', entity => 'order', deleted => 'order-cancelled',
                        subject => 'bench.orders.{type}', tags => '{"service": "bench"}');
SELECT wal2events.route('bench.orders_full', entity => 'order', soft_delete => 'paid',
                        subject => 'bench.orders.{type}', tags => '{"service": "bench"}');
SELECT wal2events.route('bench.docs', entity => 'doc', subject => 'bench.docs.{type}',
                        tags => '{"service": "bench"}');
