/*
 * sql_backfill.c
 *    wal2events.backfill_chunk(id): read the next chunk of a backfill into
 *    the WAL, in the caller's transaction (README, "Backfilling existing
 *    rows"; backfill.h says what is written and backfill.c how the plugin
 *    merges it).
 *
 * The order matters:
 *   1. lock the backfill's row and update it: the update vouches for the
 *      rows below (only the extension's owner and granted roles can write
 *      wal2events.backfills), and gives the transaction its id;
 *   2. write the low mark, non-transactional: the window opens there;
 *   3. wait out the transactions that are committing: their commit record
 *      may precede the mark while they are not yet visible to a new
 *      snapshot (RecordTransactionCommit: the record, then clog, and only
 *      then, after a synchronous standby answered, the ProcArray). A chunk
 *      read then would miss their change while the plugin counts it as
 *      before the window: a stale row after a newer change. Transactions
 *      that are merely running are never waited for;
 *   4. read chunk_rows rows after the last key, in key order, with a fresh
 *      snapshot (READ COMMITTED), and write each as a transactional message;
 *   5. record the progress; the caller commits: one chunk per transaction,
 *      no lock but the SELECT's, xmin moves on between chunks.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "backfill.h"

PG_FUNCTION_INFO_V1(wal2events_backfill_chunk);

/* What wal2events.backfills says about one backfill. */
typedef struct BackfillRow
{
	Oid			relid;
	int			nkeys;
	char	   *keys[INDEX_MAX_KEYS];
	AttrNumber	attnums[INDEX_MAX_KEYS];
	Oid			types[INDEX_MAX_KEYS];
	ArrayType  *from_key;
	ArrayType  *to_key;
	ArrayType  *last_key;
	char	   *condition;
	int			chunk_rows;
	int64		chunks;
	char	   *state;
} BackfillRow;

static Datum
column(int i, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i, isnull);
}

static ArrayType *
array_column(int i)
{
	bool		isnull;
	Datum		d = column(i, &isnull);

	return isnull ? NULL : DatumGetArrayTypePCopy(d);
}

/* Lock the backfill's row and read it; ERROR when there is none. */
static void
read_backfill(int64 id, BackfillRow *b)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(id)};
	bool		isnull;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (SPI_execute_with_args("SELECT rel, key_columns, from_key, to_key, condition, chunk_rows, state, last_key, chunks "
							  "FROM wal2events.backfills WHERE id = $1 FOR UPDATE",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read wal2events.backfills");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("there is no backfill with id %lld", (long long) id),
				 errhint("See SELECT * FROM wal2events.backfills; register one with wal2events.backfill().")));

	b->relid = DatumGetObjectId(column(1, &isnull));
	deconstruct_array(DatumGetArrayTypeP(column(2, &isnull)), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, &n);
	if (n < 1 || n > INDEX_MAX_KEYS)
		elog(ERROR, "backfill %lld has %d key columns", (long long) id, n);
	b->nkeys = n;
	for (int i = 0; i < n; i++)
		b->keys[i] = TextDatumGetCString(elems[i]);
	b->from_key = array_column(3);
	b->to_key = array_column(4);
	b->condition = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
	b->chunk_rows = DatumGetInt32(column(6, &isnull));
	b->state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 7);
	b->last_key = array_column(8);
	b->chunks = DatumGetInt64(column(9, &isnull));
}

/* The key columns as the table has them now; ERROR when one is gone. */
static void
resolve_keys(int64 id, BackfillRow *b)
{
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(b->relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the table of backfill %lld no longer exists", (long long) id),
				 errhint("Cancel it: SELECT wal2events.backfill_cancel(%lld);", (long long) id)));
	for (int i = 0; i < b->nkeys; i++)
	{
		b->attnums[i] = get_attnum(b->relid, b->keys[i]);
		if (b->attnums[i] == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("key column \"%s\" of backfill %lld no longer exists", b->keys[i], (long long) id),
					 errhint("Cancel it with wal2events.backfill_cancel(%lld) and register a new one.", (long long) id)));
		b->types[i] = get_atttype(b->relid, b->attnums[i]);
	}
}

static void
write_low_mark(int64 id, const BackfillRow *b)
{
	StringInfoData mark;

	initStringInfo(&mark);
	pq_sendbyte(&mark, BACKFILL_LOW_MARK);
	pq_sendbyte(&mark, BACKFILL_FORMAT_VERSION);
	pq_sendint64(&mark, id);
	pq_sendint64(&mark, b->chunks + 1);
	pq_sendint32(&mark, b->relid);
	pq_sendint32(&mark, GetTopTransactionId());
	pq_sendint16(&mark, b->nkeys);
	for (int i = 0; i < b->nkeys; i++)
		pq_sendint16(&mark, b->attnums[i]);
	(void) LogLogicalMessage(BACKFILL_MESSAGE_PREFIX, mark.data, mark.len, false);
}

/*
 * Whether xid has committed (clog says so) but is still seen as running: if
 * so, wait until it has left the ProcArray (its lock on its own id goes only
 * after that) and say so.
 */
static bool
wait_if_committing(TransactionId xid)
{
	if (TransactionIdIsCurrentTransactionId(xid) || !TransactionIdDidCommit(xid))
		return false;
	XactLockTableWait(xid, NULL, NULL, XLTW_None);
	return true;
}

/*
 * Wait until no transaction whose commit record is in the WAL is still
 * invisible. First the commits between writing their record and setting
 * clog (they delay checkpoints meanwhile: DELAY_CHKPT_START); then every
 * transaction a new snapshot does not see although clog says it committed:
 * it waits for a synchronous standby, or is about to leave the ProcArray.
 * Those are in the snapshot's list of running transactions, or at or past
 * its xmax (a snapshot lists none there: the ids from xmax to the next one
 * to be assigned are all still running, so they are few).
 */
static void
wait_out_committing(void)
{
	int			nvxids;
	VirtualTransactionId *vxids = GetVirtualXIDsDelayingChkpt(&nvxids, DELAY_CHKPT_START);
	bool		waited;

	while (nvxids > 0 && HaveVirtualXIDsDelayingChkpt(vxids, nvxids, DELAY_CHKPT_START))
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(100);
	}
	pfree(vxids);

	do
	{
		Snapshot	snapshot = GetLatestSnapshot();
		TransactionId xmax = snapshot->xmax;
		TransactionId next = XidFromFullTransactionId(ReadNextFullTransactionId());

		waited = false;
		for (uint32 i = 0; i < snapshot->xcnt; i++)
			waited |= wait_if_committing(snapshot->xip[i]);
		for (TransactionId xid = xmax; TransactionIdPrecedes(xid, next);)
		{
			waited |= wait_if_committing(xid);
			TransactionIdAdvance(xid);
		}
	} while (waited);
}

/* Whether a text[] (NULL: none) holds name. */
static bool
names_contain(ArrayType *names, const char *name)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (names == NULL)
		return false;
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i] && strcmp(TextDatumGetCString(elems[i]), name) == 0)
			return true;
	return false;
}

/* Columns the table's route ships: the others never enter the WAL. */
static bool *
shipped_columns(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool	   *keep = palloc(sizeof(bool) * Max(desc->natts, 1));
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(RelationGetRelid(rel))};
	ArrayType  *columns = NULL;
	ArrayType  *exclude = NULL;

	if (SPI_execute_with_args("SELECT columns, exclude FROM wal2events.routes WHERE rel = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read wal2events.routes");
	if (SPI_processed > 0)
	{
		columns = array_column(1);
		exclude = array_column(2);
	}
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);

		keep[i] = !att->attisdropped &&
			(columns == NULL || names_contain(columns, name)) &&
			!names_contain(exclude, name);
	}
	return keep;
}

/* "(k1, k2)" */
static void
append_key_list(StringInfo q, const BackfillRow *b)
{
	appendStringInfoChar(q, '(');
	for (int i = 0; i < b->nkeys; i++)
		appendStringInfo(q, "%st.%s", i > 0 ? ", " : "", quote_identifier(b->keys[i]));
	appendStringInfoChar(q, ')');
}

/*
 * " AND (k1, k2) OP ($n::text::type1, ...)" with the values of key as
 * parameters, one per key column, added to args.
 */
static void
append_bound(StringInfo q, const BackfillRow *b, const char *op, ArrayType *key,
			 Datum *args, char *nulls, int *nargs)
{
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;

	deconstruct_array(key, TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n);
	if (n != b->nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a key bound has %d values for %d key columns", n, b->nkeys)));
	appendStringInfoString(q, " AND ");
	append_key_list(q, b);
	appendStringInfo(q, " %s (", op);
	for (int i = 0; i < n; i++)
	{
		args[*nargs] = elems[i];
		nulls[*nargs] = elem_nulls[i] ? 'n' : ' ';
		(*nargs)++;
		appendStringInfo(q, "%s$%d::text::%s", i > 0 ? ", " : "", *nargs,
						 format_type_be_qualified(b->types[i]));
	}
	appendStringInfoChar(q, ')');
}

/* The chunk's query: the rows after the last key, in key order. */
static char *
chunk_query(const BackfillRow *b, Datum *args, char *nulls, int *nargs)
{
	StringInfoData q;
	char	   *nsp = get_namespace_name(get_rel_namespace(b->relid));

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT t");
	for (int i = 0; i < b->nkeys; i++)
		appendStringInfo(&q, ", t.%s::text", quote_identifier(b->keys[i]));
	appendStringInfo(&q, " FROM ONLY %s AS t WHERE true",
					 quote_qualified_identifier(nsp, get_rel_name(b->relid)));
	*nargs = 0;
	if (b->last_key)
		append_bound(&q, b, ">", b->last_key, args, nulls, nargs);
	else if (b->from_key)
		append_bound(&q, b, ">=", b->from_key, args, nulls, nargs);
	if (b->to_key)
		append_bound(&q, b, "<=", b->to_key, args, nulls, nargs);
	if (b->condition)
		appendStringInfo(&q, " AND (%s)", b->condition);
	appendStringInfoString(&q, " ORDER BY ");
	for (int i = 0; i < b->nkeys; i++)
		appendStringInfo(&q, "%st.%s", i > 0 ? ", " : "", quote_identifier(b->keys[i]));
	appendStringInfo(&q, " LIMIT %d", b->chunk_rows);
	return q.data;
}

/* One row as a transactional message: the row, without unshipped columns. */
static void
write_row(int64 id, Relation rel, const bool *keep, bool keep_all, HeapTupleHeader td,
		  Datum *values, bool *isnull, StringInfo msg)
{
	TupleDesc	desc = RelationGetDescr(rel);
	HeapTupleData whole;
	HeapTuple	row;

	if (HeapTupleHeaderGetNatts(td) > desc->natts)
		elog(ERROR, "a row of %s has %d columns, the table %d", RelationGetRelationName(rel),
			 HeapTupleHeaderGetNatts(td), desc->natts);
	whole.t_len = HeapTupleHeaderGetDatumLength(td);
	whole.t_data = td;
	ItemPointerSetInvalid(&whole.t_self);
	whole.t_tableOid = RelationGetRelid(rel);

	resetStringInfo(msg);
	pq_sendbyte(msg, BACKFILL_ROW);
	pq_sendbyte(msg, BACKFILL_FORMAT_VERSION);
	pq_sendint64(msg, id);
	pq_sendint32(msg, RelationGetRelid(rel));

	/* the common case: every column shipped, nothing out of line (the
	 * whole-row value has its TOASTed values inline already) */
	if (keep_all && !HeapTupleHasExternal(&whole))
	{
		appendBinaryStringInfo(msg, (char *) td, whole.t_len);
		(void) LogLogicalMessage(BACKFILL_MESSAGE_PREFIX, msg->data, msg->len, true);
		return;
	}

	heap_deform_tuple(&whole, desc, values, isnull);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!keep[i])
			isnull[i] = true;
		else if (!isnull[i] && att->attlen == -1 &&
				 VARATT_IS_EXTERNAL(DatumGetPointer(values[i])))
			values[i] = PointerGetDatum(detoast_external_attr((struct varlena *) DatumGetPointer(values[i])));
	}
	row = heap_form_tuple(desc, values, isnull);
	appendBinaryStringInfo(msg, (char *) row->t_data, row->t_len);
	(void) LogLogicalMessage(BACKFILL_MESSAGE_PREFIX, msg->data, msg->len, true);
	heap_freetuple(row);
}

static void
record_progress(int64 id, int64 rows, int chunk_rows, ArrayType *last_key)
{
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTARRAYOID};
	Datum		args[3] = {Int64GetDatum(id), Int64GetDatum(rows), PointerGetDatum(last_key)};
	char		nulls[3] = {' ', ' ', last_key ? ' ' : 'n'};

	(void) chunk_rows;
	if (SPI_execute_with_args("UPDATE wal2events.backfills SET "
							  "chunks = chunks + (CASE WHEN $2 > 0 THEN 1 ELSE 0 END), "
							  "rows = rows + $2, last_key = coalesce($3, last_key), "
							  "state = CASE WHEN $2 < chunk_rows THEN 'done' ELSE 'running' END, "
							  "finished = CASE WHEN $2 < chunk_rows THEN now() END "
							  "WHERE id = $1",
							  3, argtypes, args, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "cannot update wal2events.backfills");
}

Datum
wal2events_backfill_chunk(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	BackfillRow b;
	Relation	rel;
	bool	   *keep;
	char	   *query;
	Datum		args[2 * INDEX_MAX_KEYS];
	char		nulls[2 * INDEX_MAX_KEYS];
	Oid			argtypes[2 * INDEX_MAX_KEYS];
	int			nargs;
	Datum	   *values;
	bool	   *isnull;
	Datum	   *last = NULL;
	uint64		n;
	bool		keep_all = true;
	StringInfoData msg;
	int			guc_level;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("wal2events.backfill_chunk() must run at isolation level READ COMMITTED"),
				 errdetail("Each chunk is read with a snapshot taken after its low mark; a transaction snapshot is older."),
				 errhint("Call it in its own READ COMMITTED transaction, as wal2events backfill and backfill_run() do.")));
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("wal2events.backfill_chunk() cannot run on a standby"),
				 errhint("Run backfills on the primary, where the slot's WAL is written.")));

	/*
	 * Keys are kept as text (last_key): read and parse them under fixed
	 * settings, whatever the session's, restored when the function ends.
	 */
	guc_level = NewGUCNestLevel();
	(void) set_config_option("datestyle", "ISO, YMD", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("timezone", "UTC", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	SPI_connect();
	memset(&b, 0, sizeof(b));
	read_backfill(id, &b);
	if (strcmp(b.state, "done") == 0 || strcmp(b.state, "cancelled") == 0)
	{
		SPI_finish();
		AtEOXact_GUC(true, guc_level);
		PG_RETURN_INT32(0);
	}
	resolve_keys(id, &b);

	/* 1. the vouching update, which also gives the transaction its id */
	{
		Oid			t[1] = {INT8OID};
		Datum		a[1] = {Int64GetDatum(id)};

		if (SPI_execute_with_args("UPDATE wal2events.backfills SET state = 'running', "
								  "started = coalesce(started, now()) WHERE id = $1",
								  1, t, a, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "cannot update wal2events.backfills");
	}

	/* 2. and 3. */
	write_low_mark(id, &b);
	wait_out_committing();

	/* 4. a fresh snapshot reads the chunk (SPI takes one per statement) */
	rel = table_open(b.relid, AccessShareLock);
	keep = shipped_columns(rel);
	for (int i = 0; i < b.nkeys; i++)
		keep[b.attnums[i] - 1] = true;
	for (int i = 0; i < RelationGetDescr(rel)->natts; i++)
		keep_all = keep_all && (keep[i] || TupleDescAttr(RelationGetDescr(rel), i)->attisdropped);
	initStringInfo(&msg);
	query = chunk_query(&b, args, nulls, &nargs);
	for (int i = 0; i < nargs; i++)
		argtypes[i] = TEXTOID;
	if (SPI_execute_with_args(query, nargs, argtypes, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "backfill %lld: the chunk's query failed", (long long) id);
	n = SPI_processed;
	values = palloc(sizeof(Datum) * Max(RelationGetDescr(rel)->natts, 1));
	isnull = palloc(sizeof(bool) * Max(RelationGetDescr(rel)->natts, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		null;
		Datum		whole = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &null);

		write_row(id, rel, keep, keep_all, DatumGetHeapTupleHeader(whole), values, isnull, &msg);
		CHECK_FOR_INTERRUPTS();
	}
	if (n > 0)
	{
		last = palloc(sizeof(Datum) * b.nkeys);
		for (int i = 0; i < b.nkeys; i++)
		{
			bool		null;

			last[i] = SPI_getbinval(SPI_tuptable->vals[n - 1], SPI_tuptable->tupdesc, i + 2, &null);
		}
	}
	table_close(rel, NoLock);

	/* 5. */
	record_progress(id, (int64) n, b.chunk_rows,
					last ? construct_array(last, b.nkeys, TEXTOID, -1, false, TYPALIGN_INT) : NULL);
	SPI_finish();
	AtEOXact_GUC(true, guc_level);
	PG_RETURN_INT32((int32) n);
}
