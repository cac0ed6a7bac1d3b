/*
 * outbox.c
 *    An INSERT into an outbox table as one domain event.
 *
 * An outbox table has the columns of Debezium's outbox event router: id,
 * aggregatetype, aggregateid, type, payload (jsonb), and any others. Its
 * route (wal2events.route(outbox => true)) makes every INSERT a domain
 * event: the type from `type`, the partition key from `aggregateid` (its
 * text, as is, like emit()'s key), the payload from `payload`, the row's
 * `id` as the event id (Event.id_override), and every other shipped column
 * as a tag (`aggregatetype` among them). UPDATE, DELETE and TRUNCATE of
 * outbox rows are not events (change.c skips them), so an application may
 * delete its outbox rows in the same transaction that wrote them: the
 * INSERT is in the WAL and goes out all the same.
 */
#include "postgres.h"

#include "access/htup_details.h"

#include "oversize.h"
#include "pbwrite.h"
#include "plugin.h"
#include "values.h"
#include "wire_fields.h"

/*
 * Shipped column i of the deformed row, NULL when NULL or absent. An
 * INSERT's values are all in the WAL, so one that is not (value_not_in_wal)
 * cannot happen; it would count as NULL, never be read.
 */
static ColumnState *
present_column(RelationEntry *entry, int i)
{
	ColumnState *column;

	if (i < 0)
		return NULL;
	column = &entry->columns[i];
	if (entry->isnull[column->attindex] ||
		value_not_in_wal(column->attlen, entry->values[column->attindex]))
		return NULL;
	return column;
}

/*
 * The text of shipped column i, NULL when NULL or absent. A value larger
 * than limit bytes (0: max-event-bytes) is never converted whole: its text
 * is '~' and its SHA-256 (oversize.h), so no row can stop the slot.
 */
static char *
column_text(RelationEntry *entry, int i, Size limit)
{
	ColumnState *column = present_column(entry, i);
	Datum		value;
	StringInfoData digest;

	if (column == NULL)
		return NULL;
	value = entry->values[column->attindex];
	if (!oversize_value_exceeds(&column->encoder, value, limit))
		return value_text(&column->encoder, value);
	initStringInfo(&digest);
	oversize_append_value_digest(&digest, value);
	return digest.data;
}

static void
put_tag(StringInfo buf, const char *name, const char *value)
{
	int			start = pb_begin_message(buf, W2E_FIELD_DOMAIN_TAGS);

	put_text(buf, W2E_FIELD_MAP_KEY, name, strlen(name));
	put_text(buf, W2E_FIELD_MAP_VALUE, value, strlen(value));
	pb_end_message(buf, start);
}

/* DomainEvent: the payload, the route's tags, then the tag columns. */
static void
encode_body(StringInfo buf, RelationEntry *entry, TupleDesc desc)
{
	int			start = pb_begin_message(buf, W2E_FIELD_EVENT_DOMAIN);
	char	   *payload = column_text(entry, entry->outbox_columns.payload, 0);

	/* a NULL payload is JSON null: the payload is always JSON text */
	if (payload == NULL)
		payload = "null";
	put_text(buf, W2E_FIELD_DOMAIN_PAYLOAD, payload, strlen(payload));
	appendBinaryStringInfo(buf, entry->tags_field.data, entry->tags_field.len);
	for (int i = 0; i < entry->ncolumns; i++)
	{
		char	   *value;

		if (outbox_own_column(entry, i) || (value = column_text(entry, i, 0)) == NULL)
			continue;
		put_tag(buf, NameStr(TupleDescAttr(desc, entry->columns[i].attindex)->attname), value);
	}
	pb_end_message(buf, start);
}

void
encode_outbox_event(PluginState *state, Relation relation, RelationEntry *entry,
					ReorderBufferChange *change)
{
	TxnWriter  *w = &state->writer;
	TupleDesc	desc = RelationGetDescr(relation);
	char	   *type;
	char	   *key;
	char	   *id;
	ColumnState *payload;
	int			start;

	heap_deform_tuple(&change->data.tp.newtuple->tuple, desc, entry->values, entry->isnull);
	type = column_text(entry, entry->outbox_columns.type, HEADER_TEXT_MAX);
	key = column_text(entry, entry->outbox_columns.key, HEADER_TEXT_MAX);
	id = column_text(entry, entry->outbox_columns.id, HEADER_TEXT_MAX);
	payload = present_column(entry, entry->outbox_columns.payload);

	/* an event always has a type: a row without one gets the route's */
	if (type == NULL || type[0] == '\0')
		type = entry->type_created;
	start = writer_begin_event(w, NULL, NULL, type, key, key ? strlen(key) : 0, change->lsn);
	if (entry->subject_field.len > 0)
		appendBinaryStringInfo(&w->buf, entry->subject_field.data, entry->subject_field.len);
	if (id != NULL)
		put_text(&w->buf, W2E_FIELD_EVENT_ID_OVERRIDE, id, strlen(id));
	/* a payload past max-event-bytes: the event's body is its marker */
	if (payload != NULL &&
		oversize_value_exceeds(&payload->encoder, entry->values[payload->attindex], 0))
		oversize_put_value_body(&w->buf, entry->values[payload->attindex]);
	else
		encode_body(&w->buf, entry, desc);
	writer_end_event(w, start);
}
