/*
 * plugin.h
 *    State of one wal2events decoding session (ctx->output_plugin_private).
 */
#ifndef W2E_PLUGIN_H
#define W2E_PLUGIN_H

#include "replication/logical.h"

#include "options.h"
#include "writer.h"

typedef struct PluginState
{
	PluginOptions opts;
	TxnWriter	writer;
	MemoryContext change_cxt;	/* reset after every change */
	StringInfoData key;			/* partition key scratch */
	int			skipped_changes;	/* filtered changes since last progress report */
} PluginState;

/* change.c */
extern void wal2events_change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
							  Relation relation, ReorderBufferChange *change);
extern void wal2events_truncate(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
								int nrelations, Relation relations[],
								ReorderBufferChange *change);

/* change.c: a backfilled row (backfill.c) as a read event */
extern void encode_read_event(PluginState *state, Relation relation, HeapTuple tuple,
							  XLogRecPtr lsn);

/* outbox.c: an INSERT into an outbox table as a domain event */
extern void encode_outbox_event(PluginState *state, Relation relation,
								RelationEntry *entry, ReorderBufferChange *change);

/* message.c */
extern void wal2events_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
							   XLogRecPtr message_lsn, bool transactional,
							   const char *prefix, Size message_size,
							   const char *message);

/* A filtered change: keep the walsender's keepalives going in long transactions. */
extern void note_skipped_change(LogicalDecodingContext *ctx, PluginState *state);

#define WAL2EVENTS_MESSAGE_PREFIX "wal2events"

/*
 * emit() refuses an event whose encoding (type, key, payload, tags) is
 * larger; a bigger message with the prefix was not written by emit() and
 * is not parsed (it goes out as a raw message, or an oversized marker).
 */
#define EMIT_MAX_CONTENT_BYTES (64 * 1024 * 1024)

#endif							/* W2E_PLUGIN_H */
