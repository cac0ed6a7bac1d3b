/*
 * backfill.h
 *    Backfills as the decoder sees them: windows opened by low marks, the
 *    keys changed while a window is open, and the chunk's rows turned into
 *    read events (README, "Backfilling existing rows").
 *
 * The writing side (sql_backfill.c, wal2events.backfill_chunk()) puts three
 * things into the WAL per chunk, all with the logical message prefix
 * BACKFILL_MESSAGE_PREFIX:
 *   1. inside the chunk's transaction, an UPDATE of its row in
 *      wal2events.backfills (that table belongs to the extension; only its
 *      owner and granted roles write to it): it vouches for the rows below;
 *   2. a non-transactional low mark, before the chunk's snapshot is taken:
 *      the window opens at its LSN;
 *   3. one transactional message per row read: the row as a heap tuple.
 * The window closes when the chunk's transaction commits (its rows become
 * read events then, except those whose key a transaction committed after
 * the low mark changed: that change already carries a newer state) or
 * when that transaction turns out to have aborted.
 */
#ifndef W2E_BACKFILL_H
#define W2E_BACKFILL_H

#include "replication/logical.h"
#include "replication/reorderbuffer.h"
#include "utils/rel.h"

#define BACKFILL_MESSAGE_PREFIX "wal2events.backfill"
#define BACKFILL_STATE_SCHEMA "wal2events"
#define BACKFILL_STATE_TABLE "backfills"

/* First byte of a backfill message, then BACKFILL_FORMAT_VERSION. */
#define BACKFILL_LOW_MARK 'L'
#define BACKFILL_ROW 'R'
#define BACKFILL_FORMAT_VERSION 1

/* At most this many windows are open at once (each is one running chunk). */
#define BACKFILL_MAX_WINDOWS 256

/*
 * A window still open this far (bytes of WAL) past its low mark is
 * dropped with a WARNING: a chunk lasts well under a second, and
 * pg_logical_emit_message(), which every role may call, can forge a low
 * mark that no chunk will ever close; the hold on the client's confirmed
 * position (and its WAL) must not grow without end.
 */
#define BACKFILL_WINDOW_MAX_WAL ((XLogRecPtr) 512 * 1024 * 1024)

struct PluginState;

extern void backfill_init(MemoryContext parent);

/* A transaction starts: nothing in it vouches for rows yet. */
extern void backfill_begin_txn(void);

/*
 * A change of a table: noted in the open windows of that table; a change
 * of wal2events.backfills vouches for that backfill's rows in this
 * transaction. is_state_table: the relation is wal2events.backfills.
 */
extern void backfill_note_change(Relation relation, bool is_state_table,
								 ReorderBufferTXN *txn, ReorderBufferChange *change);
extern void backfill_note_truncate(Relation relation);

/* What became of a message with BACKFILL_MESSAGE_PREFIX. */
typedef enum BackfillOutcome
{
	BACKFILL_NOTHING,			/* a low mark (its own message is sent), or not ours */
	BACKFILL_SKIPPED,			/* a row not to emit: a change of its key came first */
	BACKFILL_READ				/* a row to emit as a read event */
} BackfillOutcome;

/*
 * A message with BACKFILL_MESSAGE_PREFIX (transactional or not), in the
 * per-change context. BACKFILL_READ: *relation is open (close it) and
 * tuple is the row.
 */
extern BackfillOutcome backfill_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
										XLogRecPtr message_lsn, bool transactional,
										Size size, const char *content,
										Relation *relation, HeapTuple tuple);

/*
 * Before the transaction's output is finished: close the windows of this
 * transaction and of transactions that aborted, and set the writer's
 * window LSN for the messages to come.
 */
extern void backfill_commit_txn(struct PluginState *state, ReorderBufferTXN *txn);

/* Whether any window is open (the per-change path's fast test). */
extern bool backfill_windows_open(void);

#endif							/* W2E_BACKFILL_H */
