/*
 * change.c
 *    INSERT, UPDATE, DELETE and TRUNCATE as row-change events.
 *
 * Everything per relation comes from the relation cache, routes included;
 * the per-row work is deforming the tuple and encoding each value. All
 * allocations of a change happen in the change context, reset when the
 * change is done, so memory stays flat however long the transaction.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/memutils.h"

#include "backfill.h"
#include "oversize.h"
#include "pbwrite.h"
#include "plugin.h"
#include "relcache.h"
#include "values.h"
#include "wire_fields.h"

#define PROGRESS_EVERY_SKIPPED 100

void
note_skipped_change(LogicalDecodingContext *ctx, PluginState *state)
{
	if (++state->skipped_changes >= PROGRESS_EVERY_SKIPPED)
	{
		OutputPluginUpdateProgress(ctx, false);
		state->skipped_changes = 0;
	}
}

/*
 * The value of a partition key column as the WAL has it. When an UPDATE
 * left a key column TOASTed out of line, the new row only points into the
 * TOAST table (value_not_in_wal); PostgreSQL then logs the replica
 * identity, inlined, as the old row, and the value is taken there. false
 * when the WAL does not have it (REPLICA IDENTITY NOTHING, or a route's key
 * column outside the replica identity).
 */
static bool
key_value(const RelationEntry *entry, const ColumnState *column, TupleDesc desc,
		  HeapTuple oldtuple, Datum *value)
{
	bool		isnull;

	*value = entry->values[column->attindex];
	if (!value_not_in_wal(column->attlen, *value))
		return true;
	if (oldtuple == NULL)
		return false;
	*value = heap_getattr(oldtuple, column->attindex + 1, desc, &isnull);
	return !isnull && !value_not_in_wal(column->attlen, *value);
}

/*
 * Partition key of the deformed tuple into state->key; oldtuple is the
 * old row of an UPDATE (NULL otherwise). "" when there are no key values,
 * and when one of them is not in the WAL (README, "Wire format", partition key).
 */
static void
form_partition_key(PluginState *state, RelationEntry *entry, TupleDesc desc,
				   HeapTuple oldtuple)
{
	resetStringInfo(&state->key);
	for (int i = 0; i < entry->nkey; i++)
	{
		ColumnState *column = &entry->columns[entry->key[i]];
		Datum		value;

		if (i > 0)
			appendStringInfoChar(&state->key, ',');
		/* key columns are NOT NULL; in a KEY old tuple only they are set */
		if (entry->isnull[column->attindex])
			continue;
		if (!key_value(entry, column, desc, oldtuple, &value))
		{
			resetStringInfo(&state->key);
			return;
		}
		if (oversize_value_exceeds(&column->encoder, value, HEADER_TEXT_MAX))
			oversize_append_value_digest(&state->key, value);
		else
			append_value_text(&state->key, &column->encoder, value);
	}
}

/*
 * Encode the columns of a deformed tuple. `only` limits it to those column
 * indexes (the identity key) when not NULL. Unchanged TOAST values are only
 * possible in the new tuple of an UPDATE.
 */
static void
encode_tuple(StringInfo out, int field, RelationEntry *entry,
			 const int *only, int n)
{
	for (int i = 0; i < n; i++)
	{
		ColumnState *column = &entry->columns[only ? only[i] : i];
		Datum		value = entry->values[column->attindex];
		bool		isnull = entry->isnull[column->attindex];

		if (!isnull && value_not_in_wal(column->attlen, value))
			encode_special_value(out, field, W2E_FIELD_VAL_UNCHANGED_TOAST);
		else
			encode_value(out, field, &column->encoder, value, isnull);
	}
}

static void
deform(RelationEntry *entry, Relation relation, HeapTuple tuple)
{
	heap_deform_tuple(tuple, RelationGetDescr(relation), entry->values, entry->isnull);
}

/* The actions option and the publication, combined in entry->actions. */
static bool
action_wanted(const RelationEntry *entry, ReorderBufferChangeType type)
{
	switch (type)
	{
		case REORDER_BUFFER_CHANGE_INSERT:
			return entry->actions & ACTION_INSERT;
		case REORDER_BUFFER_CHANGE_UPDATE:
			return entry->actions & ACTION_UPDATE;
		case REORDER_BUFFER_CHANGE_DELETE:
			return entry->actions & ACTION_DELETE;
		default:
			return false;
	}
}

/* A boolean soft-delete column is set when true, a timestamp when not NULL. */
static bool
soft_deleted(const RelationEntry *entry, Datum value, bool isnull)
{
	return !isnull && (!entry->soft_delete_bool || DatumGetBool(value));
}

/*
 * An UPDATE's type: with a soft-delete column, setting it is a delete and
 * clearing it an undelete. The old value comes from the old row
 * (REPLICA IDENTITY FULL, which route() requires); without one the row
 * counts as not deleted before. entry->values holds the new row.
 */
static const char *
update_type(RelationEntry *entry, Relation relation, HeapTuple oldtuple)
{
	int			i = entry->soft_delete;
	bool		now;
	bool		before = false;

	if (i < 0)
		return entry->type_updated;
	now = soft_deleted(entry, entry->values[i], entry->isnull[i]);
	if (oldtuple)
	{
		bool		isnull;
		Datum		old = heap_getattr(oldtuple, i + 1, RelationGetDescr(relation), &isnull);

		before = soft_deleted(entry, old, isnull);
	}
	if (now && !before)
		return entry->type_deleted;
	if (before && !now)
		return entry->type_undeleted;
	return entry->type_updated;
}

/* The route's subject, after the event header. */
static inline void
append_subject(StringInfo buf, const RelationEntry *entry)
{
	if (entry->subject_field.len > 0)
		appendBinaryStringInfo(buf, entry->subject_field.data, entry->subject_field.len);
}

/* Start the RowChange body: operation, relation index, the route's tags. */
static int
begin_row(StringInfo buf, const RelationEntry *entry, int operation, uint32 relation_index)
{
	int			start;

	append_subject(buf, entry);
	start = pb_begin_message(buf, W2E_FIELD_EVENT_ROW);
	pb_uint(buf, W2E_FIELD_ROW_OPERATION, operation);
	if (relation_index > 0)
		pb_uint(buf, W2E_FIELD_ROW_RELATION, relation_index);
	if (entry->tags_field.len > 0)
		appendBinaryStringInfo(buf, entry->tags_field.data, entry->tags_field.len);
	return start;
}

static void
encode_row_change(PluginState *state, Relation relation, RelationEntry *entry,
				  ReorderBufferChange *change)
{
	TxnWriter  *w = &state->writer;
	StringInfo	buf = &w->buf;
	HeapTuple	newtuple = change->data.tp.newtuple ? &change->data.tp.newtuple->tuple : NULL;
	HeapTuple	oldtuple = change->data.tp.oldtuple ? &change->data.tp.oldtuple->tuple : NULL;
	const char *type;
	int			operation;
	int			old_identity = W2E_ENUM_OLD_NONE;
	uint32		relation_index;
	int			event_start;
	int			row_start;

	if (oldtuple)
		old_identity = entry->replident == REPLICA_IDENTITY_FULL ? W2E_ENUM_OLD_FULL : W2E_ENUM_OLD_KEY;

	/* the key of the row as it is after the change; before it for DELETE */
	if (newtuple || oldtuple)
	{
		deform(entry, relation, newtuple ? newtuple : oldtuple);
		form_partition_key(state, entry, RelationGetDescr(relation),
						   newtuple ? oldtuple : NULL);
	}
	else
		resetStringInfo(&state->key);

	switch (change->action)
	{
		case REORDER_BUFFER_CHANGE_INSERT:
			type = entry->type_created;
			operation = W2E_ENUM_OP_INSERT;
			break;
		case REORDER_BUFFER_CHANGE_UPDATE:
			type = update_type(entry, relation, oldtuple);
			operation = W2E_ENUM_OP_UPDATE;
			break;
		default:
			type = entry->type_deleted;
			operation = W2E_ENUM_OP_DELETE;
			break;
	}

	event_start = writer_begin_event(w, entry, &relation_index, type,
									 state->key.data, state->key.len, change->lsn);
	row_start = begin_row(buf, entry, operation, relation_index);
	if (newtuple)
		encode_tuple(buf, W2E_FIELD_ROW_NEW_VALUES, entry, NULL, entry->ncolumns);
	if (oldtuple)
	{
		if (newtuple)
			deform(entry, relation, oldtuple);
		if (old_identity == W2E_ENUM_OLD_FULL)
			encode_tuple(buf, W2E_FIELD_ROW_OLD_VALUES, entry, NULL, entry->ncolumns);
		else
			encode_tuple(buf, W2E_FIELD_ROW_OLD_VALUES, entry, entry->identity, entry->nidentity);
		pb_uint(buf, W2E_FIELD_ROW_OLD_IDENTITY, old_identity);
	}
	pb_end_message(buf, row_start);
	writer_end_event(w, event_start);
}

/*
 * A row read by a backfill (backfill.c), as an INSERT of it would be: the
 * same route, publication, columns and key, with the operation read and
 * the route's read type. Runs in the per-change context.
 */
void
encode_read_event(PluginState *state, Relation relation, HeapTuple tuple, XLogRecPtr lsn)
{
	RelationEntry *entry = relcache_get(relation);
	TxnWriter  *w = &state->writer;
	uint32		relation_index;
	int			event_start;
	int			row_start;

	if (!entry->publish || !(entry->actions & ACTION_INSERT) || entry->outbox)
	{
		note_skipped_change(w->ctx, state);
		return;
	}
	deform(entry, relation, tuple);
	form_partition_key(state, entry, RelationGetDescr(relation), NULL);
	event_start = writer_begin_event(w, entry, &relation_index, entry->type_read,
									 state->key.data, state->key.len, lsn);
	row_start = begin_row(&w->buf, entry, W2E_ENUM_OP_READ, relation_index);
	encode_tuple(&w->buf, W2E_FIELD_ROW_NEW_VALUES, entry, NULL, entry->ncolumns);
	pb_end_message(&w->buf, row_start);
	writer_end_event(w, event_start);
}

void
wal2events_change(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
				  Relation relation, ReorderBufferChange *change)
{
	PluginState *state = ctx->output_plugin_private;
	MemoryContext old = MemoryContextSwitchTo(state->change_cxt);
	RelationEntry *entry = relcache_get(relation);

	writer_begin_change(&state->writer);
	if (entry->backfill_state || backfill_windows_open())
		backfill_note_change(relation, entry->backfill_state, txn, change);
	if (!entry->publish || !action_wanted(entry, change->action))
		note_skipped_change(ctx, state);
	else if (!entry->outbox)
		encode_row_change(state, relation, entry, change);
	else if (change->action == REORDER_BUFFER_CHANGE_INSERT)
		encode_outbox_event(state, relation, entry, change);
	else
		note_skipped_change(ctx, state);	/* outbox rows are events once */

	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}

void
wal2events_truncate(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
					int nrelations, Relation relations[],
					ReorderBufferChange *change)
{
	PluginState *state = ctx->output_plugin_private;
	MemoryContext old = MemoryContextSwitchTo(state->change_cxt);
	TxnWriter  *w = &state->writer;

	for (int i = 0; i < nrelations; i++)
	{
		RelationEntry *entry = relcache_get(relations[i]);
		uint32		relation_index;
		int			event_start;
		int			row_start;

		backfill_note_truncate(relations[i]);
		writer_begin_change(w);
		if (!entry->publish || !(entry->actions & ACTION_TRUNCATE) || entry->outbox)
		{
			note_skipped_change(ctx, state);
			continue;
		}
		event_start = writer_begin_event(w, entry, &relation_index,
										 entry->type_truncated, NULL, 0, change->lsn);
		row_start = begin_row(&w->buf, entry, W2E_ENUM_OP_TRUNCATE, relation_index);
		if (change->data.truncate.cascade)
			pb_bool(&w->buf, W2E_FIELD_ROW_CASCADE, true);
		if (change->data.truncate.restart_seqs)
			pb_bool(&w->buf, W2E_FIELD_ROW_RESTART_IDENTITY, true);
		pb_end_message(&w->buf, row_start);
		writer_end_event(w, event_start);
	}

	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}
