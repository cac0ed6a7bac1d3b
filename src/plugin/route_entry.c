/*
 * route_entry.c
 *    What a table's route makes of its cached entry (see relcache.h):
 *    event types, the subject and tags encoded once, the soft-delete
 *    column, the outbox columns. Tables without a route get the defaults.
 *
 * Everything here runs when the entry is built, so the per-row path only
 * appends ready-made bytes and compares a flag.
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "pbwrite.h"
#include "relcache.h"
#include "values.h"
#include "wire_fields.h"

static void
set_types(RelationEntry *entry, const Route *route)
{
	const char *entity = route ? route->entity : entry->table;

	entry->type_created = route ? pstrdup(route->created) : psprintf("%s-created", entity);
	entry->type_updated = route ? pstrdup(route->updated) : psprintf("%s-updated", entity);
	entry->type_deleted = route ? pstrdup(route->deleted) : psprintf("%s-deleted", entity);
	entry->type_undeleted = psprintf("%s-undeleted", entity);
	entry->type_truncated = psprintf("%s-truncated", entity);
	entry->type_read = route && route->read ? pstrdup(route->read) : psprintf("%s-read", entity);
}

/* Attribute index of the named live column, -1 when there is none. */
static int
attindex_named(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	return -1;
}

/* The first of names that is not a live column of desc, NULL when none. */
static const char *
first_missing(List *names, TupleDesc desc)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (attindex_named(desc, lfirst(lc)) < 0)
			return lfirst(lc);
	}
	return NULL;
}

const char *
route_missing_column(const Route *route, TupleDesc desc)
{
	const char *name;

	if ((name = first_missing(route->exclude, desc)) != NULL ||
		(name = first_missing(route->columns, desc)) != NULL ||
		(name = first_missing(route->partition_key, desc)) != NULL)
		return name;
	if (route->soft_delete != NULL && attindex_named(desc, route->soft_delete) < 0)
		return route->soft_delete;
	return NULL;
}

/*
 * The soft-delete column need not be shipped: only whether it is set
 * decides the event type. route() checked its type; a later ALTER COLUMN
 * TYPE to anything else turns soft deletes off.
 */
static void
set_soft_delete(RelationEntry *entry, TupleDesc desc, const Route *route)
{
	int			i = route && route->soft_delete ? attindex_named(desc, route->soft_delete) : -1;
	Oid			type = i >= 0 ? TupleDescAttr(desc, i)->atttypid : InvalidOid;

	entry->soft_delete = -1;
	if (type == BOOLOID || type == TIMESTAMPOID || type == TIMESTAMPTZOID)
	{
		entry->soft_delete = i;
		entry->soft_delete_bool = (type == BOOLOID);
	}
}

static void
set_outbox(RelationEntry *entry, TupleDesc desc, const Route *route)
{
	entry->outbox = route != NULL && route->outbox;
	entry->outbox_columns.id = entry_column_named(entry, desc, "id");
	entry->outbox_columns.type = entry_column_named(entry, desc, "type");
	entry->outbox_columns.key = entry_column_named(entry, desc, "aggregateid");
	entry->outbox_columns.payload = entry_column_named(entry, desc, "payload");
}

/* Whether shipped column i is one of the outbox's own (not a tag). */
bool
outbox_own_column(const RelationEntry *entry, int i)
{
	const OutboxColumns *c = &entry->outbox_columns;

	return i == c->id || i == c->type || i == c->key || i == c->payload;
}

/*
 * The route's tags as map entries of RowChange.tags, or of
 * DomainEvent.tags for an outbox, where a tag column of the same name
 * replaces a route tag.
 */
static void
encode_tags(RelationEntry *entry, TupleDesc desc, const Route *route)
{
	ListCell   *name;
	ListCell   *value;

	initStringInfo(&entry->tags_field);
	if (route == NULL)
		return;
	forboth(name, route->tag_names, value, route->tag_values)
	{
		int			column = entry_column_named(entry, desc, lfirst(name));
		int			start;

		if (entry->outbox && column >= 0 && !outbox_own_column(entry, column))
			continue;
		start = pb_begin_message(&entry->tags_field,
								 entry->outbox ? W2E_FIELD_DOMAIN_TAGS : W2E_FIELD_ROW_TAGS);
		put_text(&entry->tags_field, W2E_FIELD_MAP_KEY, lfirst(name), strlen(lfirst(name)));
		put_text(&entry->tags_field, W2E_FIELD_MAP_VALUE, lfirst(value), strlen(lfirst(value)));
		pb_end_message(&entry->tags_field, start);
	}
}

void
route_apply(RelationEntry *entry, TupleDesc desc, const Route *route)
{
	set_types(entry, route);
	set_soft_delete(entry, desc, route);
	set_outbox(entry, desc, route);
	encode_tags(entry, desc, route);
	initStringInfo(&entry->subject_field);
	if (route != NULL && route->subject != NULL)
		put_text(&entry->subject_field, W2E_FIELD_EVENT_SUBJECT, route->subject, strlen(route->subject));
}
