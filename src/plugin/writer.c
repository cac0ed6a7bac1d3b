/*
 * writer.c
 *    Output messages of one transaction: header, relation descriptors and
 *    events, cut into self-contained chunks, framed and handed to
 *    PostgreSQL's output plugin writer.
 *
 * Events are encoded into a buffer of our own rather than into ctx->out,
 * because the final OutputPluginPrepareWrite must happen in the commit
 * callback: only then does the walsender stamp the message with the commit's
 * end LSN, the position a client like pg_recvlogical confirms.
 *
 * A chunk is closed lazily: when it is full we only note it, and the next
 * event (or the commit) decides whether it was the last. So a transaction
 * never ends with an empty chunk, and the buffer holds at most max-bytes
 * plus one event, whatever the transaction's size.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "replication/origin.h"
#include "utils/memutils.h"

#include "database_name.h"
#include "oversize.h"
#include "pbwrite.h"
#include "pg_allocator.h"
#include "wal2events.h"
#include "wire_fields.h"
#include "writer.h"

#define UNIX_TO_PG_USECS (INT64CONST(946684800000000))

void
writer_init(TxnWriter *w, LogicalDecodingContext *ctx, const PluginOptions *opts)
{
	MemoryContext old;
	const char *database = decoded_database_name();

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->opts = opts;
	w->cxt = AllocSetContextCreate(ctx->context, "wal2events writer",
								   ALLOCSET_DEFAULT_SIZES);
	w->render_cxt = AllocSetContextCreate(ctx->context, "wal2events json",
										  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(w->cxt);
	initStringInfo(&w->buf);
	initStringInfo(&w->constant_fields);
	put_text(&w->constant_fields, W2E_FIELD_TXN_DATABASE, database, strlen(database));
	pb_uint(&w->constant_fields, W2E_FIELD_TXN_SYSTEM_IDENTIFIER, GetSystemIdentifier());
	MemoryContextSwitchTo(old);
}

void
writer_begin_txn(TxnWriter *w, ReorderBufferTXN *txn)
{
	w->txn = txn;
	w->next_change = 0;
	w->position = 0;
	w->chunk = 0;
	w->chunk_open = false;
}

static void
open_message(TxnWriter *w, TransactionId xid, XLogRecPtr commit_lsn)
{
	resetStringInfo(&w->buf);
	if (xid != InvalidTransactionId)
		pb_uint(&w->buf, W2E_FIELD_TXN_XID, xid);
	pb_uint(&w->buf, W2E_FIELD_TXN_COMMIT_LSN, commit_lsn);
	w->chunk_events = 0;
	w->chunk_relations = 0;
	w->chunk_json_extra = 0;
	(void) oversize_take_count();
	w->chunk_serial++;
	w->chunk_open = true;
}

static void
open_chunk(TxnWriter *w)
{
	ReorderBufferTXN *txn = w->txn;
	StringInfo	buf = &w->buf;

	open_message(w, txn->xid, txn->end_lsn);
	pb_uint(buf, W2E_FIELD_TXN_COMMIT_TIME, (uint64) (txn->xact_time.commit_time + UNIX_TO_PG_USECS));
	if (txn->origin_id != InvalidRepOriginId)
	{
		char	   *origin = NULL;

		if (replorigin_by_oid(txn->origin_id, true, &origin))
			put_text(buf, W2E_FIELD_TXN_ORIGIN, origin, strlen(origin));
		pb_uint(buf, W2E_FIELD_TXN_ORIGIN_LSN, txn->origin_lsn);
	}
	appendBinaryStringInfo(buf, w->constant_fields.data, w->constant_fields.len);
	if (w->chunk > 0)
		pb_uint(buf, W2E_FIELD_TXN_CHUNK, w->chunk);
}

/* Hand the finished message to PostgreSQL: framed protobuf or JSON text. */
static void
write_message(TxnWriter *w, bool last_write)
{
	LogicalDecodingContext *ctx = w->ctx;

	OutputPluginPrepareWrite(ctx, last_write);
	if (w->opts->format == FORMAT_JSON)
	{
		MemoryContext old = MemoryContextSwitchTo(w->render_cxt);
		W2eAllocator allocator = {pg_allocator_alloc, pg_allocator_free, NULL};
		W2eError	err;
		W2eTransaction *parsed;
		W2eBuffer	json;

		parsed = w2e_transaction_parse((const uint8_t *) w->buf.data, w->buf.len,
									   &allocator, &err);
		if (parsed == NULL)
			elog(ERROR, "wal2events cannot read the message it encoded: %s", err.message);
		w2e_buffer_init(&json, &allocator);
		if (w2e_transaction_to_json(parsed, &json, &err) != 0)
			elog(ERROR, "wal2events cannot render a message as JSON: %s", err.message);
		appendBinaryStringInfo(ctx->out, json.data, json.len);
		MemoryContextSwitchTo(old);
		MemoryContextReset(w->render_cxt);
	}
	else
	{
		if (w->opts->framed)
		{
			appendStringInfoCharMacro(ctx->out, (char) W2E_FRAME_MAGIC);
			pb_varint(ctx->out, w->buf.len);
		}
		appendBinaryStringInfo(ctx->out, w->buf.data, w->buf.len);
	}
	OutputPluginWrite(ctx, last_write);
}

static void
close_chunk(TxnWriter *w, bool last)
{
	uint32		oversized = oversize_take_count();

	if (oversized > 0)
		pb_uint(&w->buf, W2E_FIELD_TXN_OVERSIZED, oversized);
	if (w->window_lsn != InvalidXLogRecPtr)
		pb_uint(&w->buf, W2E_FIELD_TXN_BACKFILL_WINDOW_LSN, w->window_lsn);
	w->window_lsn_sent = w->window_lsn;
	if (last)
		pb_bool(&w->buf, W2E_FIELD_TXN_LAST_CHUNK, true);
	write_message(w, last);
	w->chunk_open = false;
	w->chunk++;

	/* a giant row may have grown the buffer: give the memory back */
	if (w->buf.maxlen > 2 * w->opts->max_bytes + 1024 * 1024)
	{
		MemoryContext old = MemoryContextSwitchTo(w->cxt);

		pfree(w->buf.data);
		initStringInfo(&w->buf);
		MemoryContextSwitchTo(old);
	}
}

/*
 * Full at max-events or max-bytes; and before an event that might not fit
 * the message's output (JSON for format=json) in PostgreSQL's 1 GB buffers,
 * whatever the options: that event may take max-event-bytes.
 */
#define CHUNK_OUTPUT_LIMIT ((Size) MaxAllocSize / 4 * 3)

static bool
chunk_full(TxnWriter *w)
{
	return w->chunk_events >= (uint32) w->opts->max_events ||
		w->buf.len >= w->opts->max_bytes ||
		w->buf.len + w->chunk_json_extra + w->opts->max_event_bytes > CHUNK_OUTPUT_LIMIT;
}

int
writer_begin_event(TxnWriter *w, RelationEntry *entry, uint32 *relation_index,
				   const char *type, const char *partition_key, int key_len,
				   XLogRecPtr lsn)
{
	StringInfo	buf = &w->buf;
	int			start;
	int			type_len;

	if (w->chunk_open && chunk_full(w))
		close_chunk(w, false);
	if (!w->chunk_open)
		open_chunk(w);

	if (entry != NULL)
	{
		if (entry->chunk_serial != w->chunk_serial)
		{
			int			rel_start = pb_begin_message(buf, W2E_FIELD_TXN_RELATIONS);

			appendBinaryStringInfo(buf, entry->descriptor.data, entry->descriptor.len);
			pb_end_message(buf, rel_start);
			entry->chunk_serial = w->chunk_serial;
			entry->chunk_index = w->chunk_relations++;
		}
		*relation_index = entry->chunk_index;
	}

	start = pb_begin_message(buf, W2E_FIELD_TXN_EVENTS);
	oversize_begin_event(buf, start);
	if (w->position > 0)
		pb_uint(buf, W2E_FIELD_EVENT_POSITION, w->position);
	type = oversize_header_text(type, strlen(type), &type_len);
	put_text(buf, W2E_FIELD_EVENT_TYPE, type, type_len);
	if (key_len > 0)
	{
		partition_key = oversize_header_text(partition_key, key_len, &key_len);
		put_text(buf, W2E_FIELD_EVENT_PARTITION_KEY, partition_key, key_len);
	}
	pb_uint(buf, W2E_FIELD_EVENT_LSN, lsn);
	return start;
}

void
writer_end_event(TxnWriter *w, int start)
{
	w->chunk_json_extra += oversize_end_event(&w->buf);
	pb_end_message(&w->buf, start);
	w->chunk_events++;
}

void
writer_commit_txn(TxnWriter *w, XLogRecPtr commit_lsn)
{
	if (w->chunk_open)
		close_chunk(w, true);
	else if (w->chunk == 0 && w->window_lsn != w->window_lsn_sent)
	{
		/*
		 * Nothing of this transaction was sent, but a backfill window
		 * opened or closed since the last message: an empty message says
		 * so, or the client would hold (or release) its position wrongly.
		 */
		open_chunk(w);
		close_chunk(w, true);
	}
	else if (w->chunk == 0)
	{
		/*
		 * Nothing of this transaction was sent. Say so, so the client can
		 * confirm past it and an idle or filtered database retains no WAL.
		 */
		OutputPluginUpdateProgress(w->ctx, true);
	}
	w->txn = NULL;
}

void
writer_begin_standalone(TxnWriter *w, XLogRecPtr end_lsn)
{
	Assert(!w->chunk_open);
	open_message(w, InvalidTransactionId, end_lsn);
	appendBinaryStringInfo(&w->buf, w->constant_fields.data, w->constant_fields.len);
	pb_bool(&w->buf, W2E_FIELD_TXN_NON_TRANSACTIONAL, true);
	w->position = 0;			/* alone in its message */
	w->chunk = 0;
}

void
writer_end_standalone(TxnWriter *w)
{
	close_chunk(w, true);
}
