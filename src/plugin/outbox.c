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

#include "pbwrite.h"
#include "plugin.h"
#include "values.h"
#include "wire.h"

/*
 * The text of shipped column i of the deformed row, NULL when NULL or
 * absent. An INSERT's values are all in the WAL, so one that is not
 * (value_not_in_wal) cannot happen; it would count as NULL, never be read.
 */
static char *
column_text(RelationEntry *entry, int i)
{
	ColumnState *column;

	if (i < 0)
		return NULL;
	column = &entry->columns[i];
	if (entry->isnull[column->attindex] ||
		value_not_in_wal(column->attlen, entry->values[column->attindex]))
		return NULL;
	return value_text(&column->encoder, entry->values[column->attindex]);
}

static void
put_tag(StringInfo buf, const char *name, const char *value)
{
	int			start = pb_begin_message(buf, DOMAIN_TAGS);

	put_text(buf, MAP_KEY, name, strlen(name));
	put_text(buf, MAP_VALUE, value, strlen(value));
	pb_end_message(buf, start);
}

/* DomainEvent: the payload, the route's tags, then the tag columns. */
static void
encode_body(StringInfo buf, RelationEntry *entry, TupleDesc desc)
{
	int			start = pb_begin_message(buf, EVENT_DOMAIN);
	char	   *payload = column_text(entry, entry->outbox_columns.payload);

	/* a NULL payload is JSON null: the payload is always JSON text */
	if (payload == NULL)
		payload = "null";
	put_text(buf, DOMAIN_PAYLOAD, payload, strlen(payload));
	appendBinaryStringInfo(buf, entry->tags_field.data, entry->tags_field.len);
	for (int i = 0; i < entry->ncolumns; i++)
	{
		char	   *value;

		if (outbox_own_column(entry, i) || (value = column_text(entry, i)) == NULL)
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
	int			start;

	heap_deform_tuple(&change->data.tp.newtuple->tuple, desc, entry->values, entry->isnull);
	type = column_text(entry, entry->outbox_columns.type);
	key = column_text(entry, entry->outbox_columns.key);
	id = column_text(entry, entry->outbox_columns.id);

	/* an event always has a type: a row without one gets the route's */
	if (type == NULL || type[0] == '\0')
		type = entry->type_created;
	start = writer_begin_event(w, NULL, NULL, type, key, key ? strlen(key) : 0, change->lsn);
	if (entry->subject_field.len > 0)
		appendBinaryStringInfo(&w->buf, entry->subject_field.data, entry->subject_field.len);
	if (id != NULL)
		put_text(&w->buf, EVENT_ID_OVERRIDE, id, strlen(id));
	encode_body(&w->buf, entry, desc);
	writer_end_event(w, start);
}
