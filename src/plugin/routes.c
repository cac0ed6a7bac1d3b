/*
 * routes.c
 *    Read a table's route (see routes.h).
 *
 * wal2events.routes is a user catalog table, so logical decoding keeps the
 * row versions its historic snapshots need, and a catalog scan during
 * decoding (systable_beginscan with no snapshot: the catalog snapshot,
 * which is the historic one while a change is decoded) sees the routes as
 * they were when the change was made, including a route created earlier in
 * the same transaction. This is read once per relation when the plugin
 * builds its cached state (relcache.c), never per row.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "commands/extension.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "plugin.h"
#include "routes.h"

#define ROUTES_EXTENSION "wal2events"
#define ROUTES_SCHEMA "wal2events"
#define ROUTES_TABLE "routes"

/* Columns of wal2events.routes, looked up by name in its descriptor. */
typedef enum RouteField
{
	RF_REL, RF_ENTITY, RF_CREATED, RF_UPDATED, RF_DELETED, RF_PARTITION_KEY,
	RF_COLUMNS, RF_EXCLUDE, RF_SUBJECT, RF_TAGS, RF_SOFT_DELETE, RF_OUTBOX,
	RF_READ,					/* since 1.1: absent when decoding older changes */
	RF_COUNT
} RouteField;

static const char *const field_names[RF_COUNT] = {
	"rel", "entity", "created", "updated", "deleted", "partition_key",
	"columns", "exclude", "subject", "tags", "soft_delete", "outbox", "read"
};

static Oid	last_routes_oid = InvalidOid;
static Oid	verified_routes_oid = InvalidOid;	/* a member of the extension */

Oid
routes_table_oid(void)
{
	return last_routes_oid;
}

bool
relation_is_extension_member(Oid relid)
{
	return OidIsValid(getExtensionOfObject(RelationRelationId, relid));
}

/*
 * The routes table as of the snapshot, InvalidOid without the extension.
 * Only the extension's own table counts, never one found by its name
 * alone: in a database without the extension, or after DROP EXTENSION,
 * any role with CREATE could make a schema wal2events with a table routes
 * and route other owners' tables (their types, subjects, tags, columns).
 * Membership of the extension is read from pg_depend with the historic
 * snapshot, like every catalog here, once per table found: the verified
 * table is remembered until it is invalidated (routes_forget_table()).
 */
static Oid
find_routes_table(void)
{
	Oid			nsp = get_namespace_oid(ROUTES_SCHEMA, true);
	Oid			relid;
	Oid			extension;

	if (!OidIsValid(nsp))
		return InvalidOid;
	relid = get_relname_relid(ROUTES_TABLE, nsp);
	if (!OidIsValid(relid) || relid == verified_routes_oid)
		return relid;
	extension = get_extension_oid(ROUTES_EXTENSION, true);
	if (!OidIsValid(extension) || getExtensionOfObject(RelationRelationId, relid) != extension)
		return InvalidOid;
	verified_routes_oid = relid;
	return relid;
}

void
routes_forget_table(void)
{
	verified_routes_oid = InvalidOid;
	last_routes_oid = InvalidOid;
}

/*
 * A user catalog table can only be read with a historic snapshot while it
 * still exists: PostgreSQL takes its files from the current catalog. When
 * the extension was dropped after the change being decoded, the route that
 * applied to the change cannot be read, and decoding the change without
 * it could ship columns the route kept back: stop with an error instead.
 */
static void
check_routes_table_exists(Oid routes_oid)
{
	Relation	pg_class_rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	bool		exists;

	ScanKeyInit(&key, Anum_pg_class_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(routes_oid));
	scan = systable_beginscan(pg_class_rel, ClassOidIndexId, true,
							  GetNonHistoricCatalogSnapshot(RelationRelationId), 1, &key);
	exists = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(pg_class_rel, AccessShareLock);
	if (!exists)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot read the wal2events routes of this change: the extension was dropped since"),
				 errdetail("The routes that applied to a change are read as of the change, from the table wal2events.routes that DROP EXTENSION removed."),
				 errhint("Decode these changes with the option routes=ignore (every table with the default types, key and columns), or drop the slot; consume past route changes before dropping the extension.")));
}

/* Attribute numbers of the route fields; ERROR if the table lacks one. */
static void
field_attnums(TupleDesc desc, AttrNumber *attnums)
{
	for (int f = 0; f < RF_COUNT; f++)
	{
		attnums[f] = InvalidAttrNumber;
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), field_names[f]) == 0)
				attnums[f] = att->attnum;
		}
		if (attnums[f] == InvalidAttrNumber && f != RF_READ)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s.%s has no column \"%s\"", ROUTES_SCHEMA, ROUTES_TABLE, field_names[f]),
					 errhint("The table was altered by hand; reinstall the wal2events extension.")));
	}
}

static char *
text_field(HeapTuple tuple, TupleDesc desc, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, attnum, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* A text[] field as a list of strings; *isnull says whether it was NULL. */
static List *
names_field(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, bool *isnull)
{
	Datum		d = heap_getattr(tuple, attnum, desc, isnull);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *names = NIL;

	if (*isnull)
		return NIL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			names = lappend(names, TextDatumGetCString(elems[i]));
	return names;
}

/* tags: route() stored a flat object of strings; anything else is skipped. */
static void
tags_field(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, Route *route)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, attnum, desc, &isnull);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	char	   *name = NULL;

	if (isnull || !JB_ROOT_IS_OBJECT(DatumGetJsonbP(d)))
		return;
	it = JsonbIteratorInit(&DatumGetJsonbP(d)->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			name = pnstrdup(v.val.string.val, v.val.string.len);
		else if (token == WJB_VALUE && v.type == jbvString)
		{
			route->tag_names = lappend(route->tag_names, name);
			route->tag_values = lappend(route->tag_values,
										pnstrdup(v.val.string.val, v.val.string.len));
		}
	}
}

static Route *
route_from_tuple(HeapTuple tuple, TupleDesc desc, const AttrNumber *attnums)
{
	Route	   *route = palloc0(sizeof(Route));
	bool		isnull;

	route->entity = text_field(tuple, desc, attnums[RF_ENTITY]);
	route->created = text_field(tuple, desc, attnums[RF_CREATED]);
	route->updated = text_field(tuple, desc, attnums[RF_UPDATED]);
	route->deleted = text_field(tuple, desc, attnums[RF_DELETED]);
	route->partition_key = names_field(tuple, desc, attnums[RF_PARTITION_KEY], &isnull);
	route->columns = names_field(tuple, desc, attnums[RF_COLUMNS], &isnull);
	route->all_columns = isnull;
	route->exclude = names_field(tuple, desc, attnums[RF_EXCLUDE], &isnull);
	route->subject = text_field(tuple, desc, attnums[RF_SUBJECT]);
	tags_field(tuple, desc, attnums[RF_TAGS], route);
	route->soft_delete = text_field(tuple, desc, attnums[RF_SOFT_DELETE]);
	route->outbox = DatumGetBool(heap_getattr(tuple, attnums[RF_OUTBOX], desc, &isnull)) && !isnull;
	if (attnums[RF_READ] != InvalidAttrNumber)
		route->read = text_field(tuple, desc, attnums[RF_READ]);
	return route;
}

/* The route of one table, by its primary key. */
static Route *
lookup(Relation routes, Oid index, const AttrNumber *attnums, Oid relid)
{
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Route	   *route = NULL;

	ScanKeyInit(&key, attnums[RF_REL], BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	/* NULL snapshot: the catalog snapshot, i.e. the historic one */
	scan = systable_beginscan(routes, index, OidIsValid(index), NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		route = route_from_tuple(tuple, RelationGetDescr(routes), attnums);
	systable_endscan(scan);
	return route;
}

Route *
route_read(Relation relation)
{
	Oid			routes_oid = find_routes_table();
	Relation	routes;
	AttrNumber	attnums[RF_COUNT];
	Oid			index;
	Route	   *route;

	last_routes_oid = routes_oid;
	if (!OidIsValid(routes_oid) || RelationGetRelid(relation) == routes_oid)
		return NULL;

	check_routes_table_exists(routes_oid);
	routes = table_open(routes_oid, AccessShareLock);
	field_attnums(RelationGetDescr(routes), attnums);
	index = RelationGetPrimaryKeyIndex(routes);
	route = lookup(routes, index, attnums, RelationGetRelid(relation));

	/* a partition without a route of its own takes its nearest ancestor's */
	if (route == NULL && relation->rd_rel->relispartition)
	{
		ListCell   *lc;

		foreach(lc, get_partition_ancestors(RelationGetRelid(relation)))
		{
			route = lookup(routes, index, attnums, lfirst_oid(lc));
			if (route != NULL)
				break;
		}
	}
	table_close(routes, AccessShareLock);
	return route;
}
