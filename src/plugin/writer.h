/*
 * writer.h
 *    Builds the output messages of one transaction: the Transaction header,
 *    relation descriptors and events, cut into chunks, framed and written.
 */
#ifndef W2E_WRITER_H
#define W2E_WRITER_H

#include "lib/stringinfo.h"
#include "replication/logical.h"
#include "replication/reorderbuffer.h"

#include "options.h"
#include "relcache.h"

typedef struct TxnWriter
{
	LogicalDecodingContext *ctx;
	const PluginOptions *opts;
	MemoryContext cxt;			/* the buffer and per-flush scratch */
	MemoryContext render_cxt;	/* format=json rendering, reset per message */

	/* constant for the slot: database name and system identifier, encoded */
	StringInfoData constant_fields;

	/* the transaction being decoded */
	ReorderBufferTXN *txn;
	uint32		next_change;	/* position the next change callback gets */
	uint32		position;		/* position of the change being decoded */

	/* the message (chunk) being built */
	StringInfoData buf;
	bool		chunk_open;		/* header written, events may follow */
	uint32		chunk;			/* index of the open chunk */
	uint32		chunk_events;
	uint64		chunk_serial;	/* unique per message, for relation indexes */
	uint32		chunk_relations;	/* descriptors written in this chunk */
	Size		chunk_json_extra;	/* format=json: rendering beyond buf.len */

	/*
	 * The oldest open backfill window's low mark (backfill.c sets it), put
	 * into every message as Transaction.backfill_window_lsn; and the value
	 * the last message carried, so that a change is always sent.
	 */
	XLogRecPtr	window_lsn;
	XLogRecPtr	window_lsn_sent;
} TxnWriter;

extern void writer_init(TxnWriter *w, LogicalDecodingContext *ctx,
						const PluginOptions *opts);
extern void writer_begin_txn(TxnWriter *w, ReorderBufferTXN *txn);

/*
 * Every change the transaction has (each relation of a TRUNCATE, each
 * transactional logical message), filtered or not, takes the next position:
 * an event's position names the change itself, so slots with different
 * filters never give one id to two different events.
 */
static inline void
writer_begin_change(TxnWriter *w)
{
	w->position = w->next_change++;
}

/*
 * Start an event: flushes a full chunk first, opens a chunk when none is,
 * writes the relation descriptor when entry is given and not yet in this
 * chunk (its index goes to *relation_index), then the event header.
 * Returns the offset for writer_end_event().
 */
extern int	writer_begin_event(TxnWriter *w, RelationEntry *entry,
							   uint32 *relation_index, const char *type,
							   const char *partition_key, int key_len,
							   XLogRecPtr lsn);
extern void writer_end_event(TxnWriter *w, int start);

/* At commit: write the last chunk, or report progress when there was none. */
extern void writer_commit_txn(TxnWriter *w, XLogRecPtr commit_lsn);

/*
 * A non-transactional message: one event in a message of its own, with
 * xid 0 and no commit time, whether or not the session that wrote it had a
 * transaction id (that transaction may yet roll back).
 */
extern void writer_begin_standalone(TxnWriter *w, XLogRecPtr end_lsn);
extern void writer_end_standalone(TxnWriter *w);

#endif							/* W2E_WRITER_H */
