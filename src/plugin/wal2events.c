/*
 * wal2events.c
 *    The output plugin's entry point: callback registration, startup and
 *    the transaction boundaries.
 *
 * One Transaction message per committed transaction (or several chunks of a
 * large one); see proto/wal2events.proto for the contract and README.md for
 * the options. The work is split by job: options.c parses options,
 * relcache.c caches per-relation state, built from the table, its route
 * (routes.c reads it, route_entry.c applies it) and the publication
 * (publication.c); change.c, outbox.c and message.c turn changes into
 * events, values.c encodes column values, writer.c builds and writes the
 * messages. sql_*.c are the extension's SQL-callable functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "replication/logical.h"
#include "replication/origin.h"
#include "utils/memutils.h"

#include "backfill.h"
#include "oversize.h"
#include "plugin.h"
#include "relcache.h"
#include "values.h"

PG_MODULE_MAGIC;

extern void _PG_output_plugin_init(OutputPluginCallbacks *cb);

static void
wal2events_startup(LogicalDecodingContext *ctx, OutputPluginOptions *opt,
				   bool is_init)
{
	PluginState *state;
	MemoryContext old = MemoryContextSwitchTo(ctx->context);

	state = palloc0(sizeof(PluginState));
	parse_plugin_options(ctx->output_plugin_options, &state->opts);
	opt->output_type = state->opts.format == FORMAT_JSON ?
		OUTPUT_PLUGIN_TEXTUAL_OUTPUT : OUTPUT_PLUGIN_BINARY_OUTPUT;
	opt->receive_rewrites = false;

	state->change_cxt = AllocSetContextCreate(ctx->context, "wal2events change",
											  ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&state->key);
	values_init();
	oversize_init(&state->opts);
	relcache_init(ctx->context, &state->opts);
	writer_init(&state->writer, ctx, &state->opts);
	backfill_init(ctx->context);
	ctx->output_plugin_private = state;
	MemoryContextSwitchTo(old);
}

static void
wal2events_shutdown(LogicalDecodingContext *ctx)
{
	/* everything lives in ctx->context, which the caller deletes */
}

static void
wal2events_begin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn)
{
	PluginState *state = ctx->output_plugin_private;

	/* nothing is written yet: an empty transaction must cost nothing */
	writer_begin_txn(&state->writer, txn);
	values_begin_txn();
	backfill_begin_txn();
}

static void
wal2events_commit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
				  XLogRecPtr commit_lsn)
{
	PluginState *state = ctx->output_plugin_private;

	backfill_commit_txn(state, txn);
	writer_commit_txn(&state->writer, commit_lsn);
	values_end_txn();
	state->skipped_changes = 0;
}

static bool
wal2events_filter_by_origin(LogicalDecodingContext *ctx, RepOriginId origin_id)
{
	PluginState *state = ctx->output_plugin_private;

	return state->opts.local_only && origin_id != InvalidRepOriginId;
}

void
_PG_output_plugin_init(OutputPluginCallbacks *cb)
{
	cb->startup_cb = wal2events_startup;
	cb->begin_cb = wal2events_begin;
	cb->change_cb = wal2events_change;
	cb->truncate_cb = wal2events_truncate;
	cb->message_cb = wal2events_message;
	cb->commit_cb = wal2events_commit;
	cb->filter_by_origin_cb = wal2events_filter_by_origin;
	cb->shutdown_cb = wal2events_shutdown;
}
