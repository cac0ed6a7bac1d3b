/*
 * backfill.c
 *    Backfill windows while decoding (see backfill.h for what is in the WAL).
 *
 * Why the merge works: a chunk is read with a snapshot taken after its low
 * mark, once no transaction whose commit record precedes the mark is still
 * invisible (sql_backfill.c waits those out). So a row read by the chunk
 * holds every change committed before the mark. Changes committed after
 * it are decoded after the mark and before the chunk's transaction (commit
 * order); for those keys the row read may be older than the change, and
 * it is dropped: the change event already carries the newer state. Every
 * other row is emitted at the chunk's commit, the position where its value
 * was current, so no read event is ever older than a change before it.
 *
 * A window is lost when decoding restarts after a client confirmed past
 * its low mark: the shipper never does (Transaction.backfill_window_lsn);
 * for other clients the rows are emitted with a WARNING (README).
 *
 * Memory: per open window, one 16-byte digest per distinct key changed
 * while it is open, in the window's own context, freed when it closes. Row
 * messages are decoded one at a time in the per-change context.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "storage/procarray.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "backfill.h"
#include "plugin.h"
#include "values.h"

typedef struct KeyDigest
{
	uint64		h[2];
} KeyDigest;

typedef struct Window
{
	int64		backfill_id;
	int64		chunk;
	Oid			relid;
	TransactionId xid;			/* the chunk's transaction */
	XLogRecPtr	low_lsn;		/* where the low mark is */
	int			nkeys;
	AttrNumber	attnums[INDEX_MAX_KEYS];
	MemoryContext cxt;
	HTAB	   *changed;		/* KeyDigest of keys changed since the mark */
	bool		truncated;		/* the table was truncated since the mark */
	bool		key_unknown;	/* a change whose key the WAL does not hold */
} Window;

static MemoryContext backfill_cxt = NULL;
static Window *windows[BACKFILL_MAX_WINDOWS];
static int	nwindows = 0;
static bool full_warned = false;

/* the chunk last warned about (its window was not seen): once per chunk */
static int64 unmerged_id = 0;
static TransactionId unmerged_xid = InvalidTransactionId;

/* backfill ids vouched for by the transaction being decoded */
static int64 *vouched = NULL;
static int	nvouched = 0;
static int	vouched_size = 0;

void
backfill_init(MemoryContext parent)
{
	backfill_cxt = AllocSetContextCreate(parent, "wal2events backfill",
										 ALLOCSET_SMALL_SIZES);
	nwindows = 0;
	nvouched = 0;
	vouched_size = 16;
	vouched = MemoryContextAlloc(backfill_cxt, sizeof(int64) * vouched_size);
}

void
backfill_begin_txn(void)
{
	nvouched = 0;
}

bool
backfill_windows_open(void)
{
	return nwindows > 0;
}

static bool
is_vouched(int64 id)
{
	for (int i = 0; i < nvouched; i++)
		if (vouched[i] == id)
			return true;
	return false;
}

static void
vouch(int64 id)
{
	if (is_vouched(id))
		return;
	if (nvouched == vouched_size)
	{
		vouched_size *= 2;
		vouched = repalloc(vouched, sizeof(int64) * vouched_size);
	}
	vouched[nvouched++] = id;
}

/*
 * The key of a row as a digest of its columns' text forms: equal keys
 * (numeric 1.0 and 1.00 are not equal here, nor in the WAL: an update from
 * one to the other logs both) give equal digests, whether the row comes
 * from the WAL or from the chunk. A key column that an UPDATE left
 * TOASTed out of line is taken from the old row, where PostgreSQL logs the
 * replica identity. false when the WAL does not have the key.
 */
static bool
key_digest(const Window *win, TupleDesc desc, HeapTuple tuple, HeapTuple fallback,
		   KeyDigest *digest)
{
	StringInfoData text;

	initStringInfo(&text);
	for (int i = 0; i < win->nkeys; i++)
	{
		AttrNumber	attnum = win->attnums[i];
		Form_pg_attribute att;
		bool		isnull;
		Datum		value;
		Oid			output;
		bool		varlena;
		char	   *out;

		if (attnum < 1 || attnum > desc->natts)
			return false;
		att = TupleDescAttr(desc, attnum - 1);
		/* (a forged low mark may name one: it has no type to print with) */
		if (att->attisdropped)
			return false;
		value = heap_getattr(tuple, attnum, desc, &isnull);
		if (!isnull && value_not_in_wal(att->attlen, value))
		{
			if (fallback == NULL)
				return false;
			value = heap_getattr(fallback, attnum, desc, &isnull);
			if (!isnull && value_not_in_wal(att->attlen, value))
				return false;
		}
		if (isnull)
		{
			appendStringInfoString(&text, "N;");
			continue;
		}
		getTypeOutputInfo(att->atttypid, &output, &varlena);
		out = OidOutputFunctionCall(output, value);
		appendStringInfo(&text, "%zu:", strlen(out));
		appendStringInfoString(&text, out);
	}
	digest->h[0] = hash_bytes_extended((const unsigned char *) text.data, text.len, 0);
	digest->h[1] = hash_bytes_extended((const unsigned char *) text.data, text.len, 0x5bd1e995);
	return true;
}

static void
note_key(Window *win, TupleDesc desc, HeapTuple tuple, HeapTuple fallback)
{
	KeyDigest	digest;

	if (!key_digest(win, desc, tuple, fallback, &digest))
	{
		win->key_unknown = true;
		return;
	}
	(void) hash_search(win->changed, &digest, HASH_ENTER, NULL);
}

/* wal2events.backfills.id of an INSERT or UPDATE of that table. */
static void
note_state_change(Relation relation, ReorderBufferChange *change)
{
	TupleDesc	desc = RelationGetDescr(relation);
	bool		isnull;
	Datum		id;

	if (change->action != REORDER_BUFFER_CHANGE_INSERT &&
		change->action != REORDER_BUFFER_CHANGE_UPDATE)
		return;
	if (change->data.tp.newtuple == NULL || desc->natts < 1 ||
		strcmp(NameStr(TupleDescAttr(desc, 0)->attname), "id") != 0 ||
		TupleDescAttr(desc, 0)->atttypid != INT8OID)
		return;
	id = heap_getattr(&change->data.tp.newtuple->tuple, 1, desc, &isnull);
	if (!isnull)
		vouch(DatumGetInt64(id));
}

void
backfill_note_change(Relation relation, bool is_state_table,
					 ReorderBufferTXN *txn, ReorderBufferChange *change)
{
	Oid			relid = RelationGetRelid(relation);
	TupleDesc	desc = RelationGetDescr(relation);
	HeapTuple	newtuple = change->data.tp.newtuple ? &change->data.tp.newtuple->tuple : NULL;
	HeapTuple	oldtuple = change->data.tp.oldtuple ? &change->data.tp.oldtuple->tuple : NULL;

	if (is_state_table)
	{
		note_state_change(relation, change);
		return;
	}
	for (int i = 0; i < nwindows; i++)
	{
		Window	   *win = windows[i];

		/* the key's text is per change; the digest goes to the window's table */
		if (win->relid != relid || win->xid == txn->xid)
			continue;
		switch (change->action)
		{
			case REORDER_BUFFER_CHANGE_INSERT:
				note_key(win, desc, newtuple, NULL);
				break;
			case REORDER_BUFFER_CHANGE_UPDATE:
				note_key(win, desc, newtuple, oldtuple);
				if (oldtuple)
					note_key(win, desc, oldtuple, NULL);
				break;
			case REORDER_BUFFER_CHANGE_DELETE:
				if (oldtuple)
					note_key(win, desc, oldtuple, NULL);
				else
					win->key_unknown = true;
				break;
			default:
				break;
		}
	}
}

void
backfill_note_truncate(Relation relation)
{
	for (int i = 0; i < nwindows; i++)
		if (windows[i]->relid == RelationGetRelid(relation))
			windows[i]->truncated = true;
}

static Window *
find_window(int64 backfill_id, TransactionId xid)
{
	for (int i = 0; i < nwindows; i++)
		if (windows[i]->backfill_id == backfill_id && windows[i]->xid == xid)
			return windows[i];
	return NULL;
}

static void
close_window(int i)
{
	MemoryContextDelete(windows[i]->cxt);
	windows[i] = windows[--nwindows];
}

/* The LSN of the oldest open low mark, InvalidXLogRecPtr when none is open. */
static XLogRecPtr
oldest_low_mark(void)
{
	XLogRecPtr	oldest = InvalidXLogRecPtr;

	for (int i = 0; i < nwindows; i++)
		if (oldest == InvalidXLogRecPtr || windows[i]->low_lsn < oldest)
			oldest = windows[i]->low_lsn;
	return oldest;
}

/*
 * Whether clog can tell about xid: assigned already and not truncated
 * away. A low mark written by backfill_chunk() always names such a
 * transaction; a forged one could name any number, and asking clog about
 * an id it never had is an ERROR that would stop the slot at every retry.
 */
static bool
xid_in_clog(TransactionId xid)
{
	TransactionId next = XidFromFullTransactionId(ReadNextFullTransactionId());

	return TransactionIdIsNormal(xid) && TransactionIdPrecedes(xid, next) &&
		!TransactionIdPrecedes(xid, ShmemVariableCache->oldestClogXid);
}

static void
bad_message(XLogRecPtr lsn, const char *why)
{
	ereport(WARNING,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ignoring a logical message with prefix \"%s\": %s",
					BACKFILL_MESSAGE_PREFIX, why),
			 errhint("Only wal2events.backfill_chunk() writes messages with this prefix.")));
}

/*
 * A low mark opens a window; the plugin says so at once with a message of
 * its own, so that a client holds its confirmed position at the mark even
 * if nothing else is sent before the chunk commits.
 */
static void
open_window(LogicalDecodingContext *ctx, XLogRecPtr lsn, StringInfo in)
{
	PluginState *state = ctx->output_plugin_private;
	int64		id = pq_getmsgint64(in);
	int64		chunk = pq_getmsgint64(in);
	Oid			relid = pq_getmsgint(in, 4);
	TransactionId xid = pq_getmsgint(in, 4);
	int			nkeys = pq_getmsgint(in, 2);
	Window	   *win;
	HASHCTL		hctl;

	if (nkeys < 1 || nkeys > INDEX_MAX_KEYS || in->len - in->cursor != nkeys * 2)
	{
		bad_message(lsn, "a low mark of the wrong length");
		return;
	}
	if (!xid_in_clog(xid))
	{
		bad_message(lsn, "a low mark of a transaction that does not exist");
		return;
	}
	if (find_window(id, xid) != NULL)
		return;					/* the earliest mark of a chunk counts */
	if (nwindows == BACKFILL_MAX_WINDOWS)
	{
		if (!full_warned)
			ereport(WARNING,
					(errmsg("more than %d backfill chunks are open at once; ignoring the low mark at %X/%X",
							BACKFILL_MAX_WINDOWS, LSN_FORMAT_ARGS(lsn)),
					 errdetail("The rows of that chunk are emitted without being merged with concurrent changes.")));
		full_warned = true;
		return;
	}

	win = MemoryContextAllocZero(backfill_cxt, sizeof(Window));
	win->backfill_id = id;
	win->chunk = chunk;
	win->relid = relid;
	win->xid = xid;
	win->low_lsn = lsn;
	win->nkeys = nkeys;
	for (int i = 0; i < nkeys; i++)
		win->attnums[i] = (AttrNumber) pq_getmsgint(in, 2);
	win->cxt = AllocSetContextCreate(backfill_cxt, "wal2events backfill window",
									 ALLOCSET_SMALL_SIZES);
	hctl.keysize = sizeof(KeyDigest);
	hctl.entrysize = sizeof(KeyDigest);
	hctl.hcxt = win->cxt;
	win->changed = hash_create("wal2events backfill keys", 256, &hctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	windows[nwindows++] = win;

	state->writer.window_lsn = oldest_low_mark();
	writer_begin_standalone(&state->writer, ctx->reader->EndRecPtr);
	writer_end_standalone(&state->writer);
}

/*
 * One row of a chunk: a read event unless a newer change of its key came
 * first. On BACKFILL_READ the relation is open (the caller closes it) and
 * tuple points at the row, allocated in the current (per-change) context.
 */
static BackfillOutcome
read_row(ReorderBufferTXN *txn, XLogRecPtr lsn, StringInfo in,
		 Relation *relation_out, HeapTuple tuple)
{
	int64		id = pq_getmsgint64(in);
	Oid			relid = pq_getmsgint(in, 4);
	int			len = in->len - in->cursor;
	Relation	relation;
	Window	   *win;

	if (!is_vouched(id))
	{
		bad_message(lsn, "a backfill row in a transaction that did not run wal2events.backfill_chunk()");
		return BACKFILL_SKIPPED;
	}
	if (len < (int) SizeofHeapTupleHeader)
	{
		bad_message(lsn, "a backfill row too short for a tuple");
		return BACKFILL_NOTHING;
	}
	/* the tuple as written by backfill_chunk(), aligned for deforming */
	tuple->t_len = len;
	tuple->t_data = (HeapTupleHeader) palloc(len);
	memcpy(tuple->t_data, in->data + in->cursor, len);
	ItemPointerSetInvalid(&tuple->t_self);
	tuple->t_tableOid = relid;

	relation = RelationIdGetRelation(relid);
	if (!RelationIsValid(relation))
	{
		bad_message(lsn, "a backfill row of a table that does not exist");
		return BACKFILL_NOTHING;
	}
	if (HeapTupleHeaderGetNatts(tuple->t_data) > RelationGetDescr(relation)->natts ||
		tuple->t_data->t_hoff > len)
	{
		RelationClose(relation);
		bad_message(lsn, "a backfill row that does not fit its table");
		return BACKFILL_NOTHING;
	}

	win = find_window(id, txn->xid);
	if (win == NULL)
	{
		/* emitted unmerged; said once per chunk */
		if (unmerged_id != id || unmerged_xid != txn->xid)
			ereport(WARNING,
					(errmsg("backfill %lld: its chunk's low mark was not decoded in this session",
							(long long) id),
					 errdetail("The client confirmed the slot past the low mark; the chunk's rows are emitted without being merged with the changes made while it was read."),
					 errhint("Confirm no further than Transaction.backfill_window_lsn, as wal2events ship does.")));
		unmerged_id = id;
		unmerged_xid = txn->xid;
	}
	else if (win->truncated)
	{
		RelationClose(relation);
		return BACKFILL_SKIPPED;
	}
	else if (hash_get_num_entries(win->changed) > 0)
	{
		KeyDigest	digest;

		if (key_digest(win, RelationGetDescr(relation), tuple, NULL, &digest) &&
			hash_search(win->changed, &digest, HASH_FIND, NULL) != NULL)
		{
			RelationClose(relation);
			return BACKFILL_SKIPPED;
		}
	}
	*relation_out = relation;
	return BACKFILL_READ;
}

BackfillOutcome
backfill_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
				 XLogRecPtr message_lsn, bool transactional,
				 Size size, const char *content,
				 Relation *relation, HeapTuple tuple)
{
	StringInfoData in;

	if (size < 2 || content[1] != BACKFILL_FORMAT_VERSION ||
		!((content[0] == BACKFILL_LOW_MARK && !transactional && size >= 2 + 8 + 8 + 4 + 4 + 2) ||
		  (content[0] == BACKFILL_ROW && transactional && size >= 2 + 8 + 4)))
	{
		bad_message(message_lsn, "not a low mark or row of this version");
		return BACKFILL_NOTHING;
	}

	in.data = (char *) content;
	in.len = size;
	in.maxlen = size;
	in.cursor = 2;
	/*
	 * A window is held at the start of the mark's record: PostgreSQL hands
	 * a non-transactional message the end of its record, but skips it when
	 * the slot was confirmed past its start.
	 */
	if (content[0] == BACKFILL_LOW_MARK)
	{
		open_window(ctx, ctx->reader->ReadRecPtr, &in);
		return BACKFILL_NOTHING;
	}
	return read_row(txn, message_lsn, &in, relation, tuple);
}

/*
 * Whether the chunk transaction xid can no longer commit: it aborted, or
 * the server crashed while it ran. One that committed is kept: its commit
 * is still ahead in the WAL.
 */
static bool
chunk_aborted(TransactionId xid)
{
	/* (an id clog no longer has: decoding is far behind; let the window go) */
	if (!xid_in_clog(xid))
		return true;
	return !TransactionIdIsInProgress(xid) && !TransactionIdDidCommit(xid);
}

void
backfill_commit_txn(PluginState *state, ReorderBufferTXN *txn)
{
	for (int i = nwindows - 1; i >= 0; i--)
	{
		Window	   *win = windows[i];

		if (win->xid == txn->xid)
		{
			if (win->key_unknown)
				ereport(WARNING,
						(errmsg("backfill %lld: a change while its chunk was read had no key in the WAL",
								(long long) win->backfill_id),
						 errdetail("The table's replica identity does not cover the backfill's key; that row's read event may be older than the change."),
						 errhint("Keep REPLICA IDENTITY covering the backfill key while a backfill runs.")));
			close_window(i);
		}
		else if (chunk_aborted(win->xid))
			close_window(i);
		else if (txn->end_lsn > win->low_lsn + BACKFILL_WINDOW_MAX_WAL)
		{
			ereport(WARNING,
					(errmsg("backfill %lld: dropping the window of its low mark at %X/%X, open for more than %d MB of WAL",
							(long long) win->backfill_id, LSN_FORMAT_ARGS(win->low_lsn),
							(int) (BACKFILL_WINDOW_MAX_WAL / (1024 * 1024))),
					 errdetail("If that chunk still commits, its rows are emitted without being merged with the changes made while it was read."),
					 errhint("Keep backfill chunks short; a low mark written with pg_logical_emit_message() is not a backfill's.")));
			close_window(i);
		}
	}
	state->writer.window_lsn = oldest_low_mark();
}
