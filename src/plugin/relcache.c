/*
 * relcache.c
 *    The plugin's per-relation cache (see relcache.h).
 *
 * Entries are built from the Relation the reorder buffer hands to the change
 * callback, which is opened with the historic snapshot of the transaction
 * being decoded: names, columns and keys are the ones that held when the
 * change was made. The table's route (routes.c) and the publication
 * (publication.c) are read with the same historic snapshot. Relcache
 * invalidations (replayed by the reorder buffer at the right point of the
 * transaction, e.g. after ALTER TABLE, or after a route change: see
 * sql_route.c) and type, schema or publication changes mark entries
 * invalid; the next change rebuilds them.
 *
 * Columns a route or the publication does not ship are left out of the
 * entry altogether: out of the Relation descriptor, the values, the old
 * values and the key, so that no code path can send them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "nodes/bitmapset.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "backfill.h"
#include "filter.h"
#include "pbwrite.h"
#include "publication.h"
#include "relcache.h"
#include "routes.h"
#include "wire_fields.h"

static HTAB *relation_cache = NULL;
static MemoryContext cache_cxt = NULL;
static const PluginOptions *cache_opts = NULL;

static void
invalidate_relation(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	RelationEntry *entry;

	if (relation_cache == NULL)
		return;
	/* the routes table itself went away or changed shape (DROP EXTENSION) */
	if (OidIsValid(relid) && relid == routes_table_oid())
		relid = InvalidOid;
	if (!OidIsValid(relid))
		routes_forget_table();
	if (OidIsValid(relid))
	{
		entry = hash_search(relation_cache, &relid, HASH_FIND, NULL);
		if (entry)
			entry->valid = false;
		return;
	}
	hash_seq_init(&status, relation_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		entry->valid = false;
}

/*
 * A type, schema or publication changed (renamed, enum label renamed,
 * tables added to a publication...): rebuild all.
 */
static void
invalidate_all(Datum arg, int cacheid, uint32 hashvalue)
{
	invalidate_relation(arg, InvalidOid);
}

/*
 * The cache lives in the decoding context, which is deleted when decoding
 * ends, but the invalidation callbacks stay registered for the backend's
 * life: forget the cache with its memory, or the next invalidation (say a
 * CREATE TABLE elsewhere, before this backend's next statement) walks a
 * freed hash table.
 */
static void
forget_cache(void *arg)
{
	relation_cache = NULL;
	cache_cxt = NULL;
	cache_opts = NULL;
	routes_forget_table();
}

void
relcache_init(MemoryContext parent, const PluginOptions *opts)
{
	HASHCTL		ctl;
	MemoryContextCallback *forget;
	static bool callbacks_registered = false;

	cache_cxt = AllocSetContextCreate(parent, "wal2events relation cache",
									  ALLOCSET_DEFAULT_SIZES);
	forget = MemoryContextAlloc(cache_cxt, sizeof(MemoryContextCallback));
	forget->func = forget_cache;
	forget->arg = NULL;
	MemoryContextRegisterResetCallback(cache_cxt, forget);
	cache_opts = opts;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelationEntry);
	ctl.hcxt = cache_cxt;
	relation_cache = hash_create("wal2events relations", 128, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* callbacks cannot be unregistered: register once per backend */
	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(invalidate_relation, (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, invalidate_all, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, invalidate_all, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, invalidate_all, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONOID, invalidate_all, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONRELMAP, invalidate_all, (Datum) 0);
		CacheRegisterSyscacheCallback(PUBLICATIONNAMESPACEMAP, invalidate_all, (Datum) 0);
		callbacks_registered = true;
	}
}

/* Indexes (into entry->columns) of the columns in attrs, in column order. */
static int
columns_in(RelationEntry *entry, Bitmapset *attrs, int **out)
{
	int			n = 0;

	*out = palloc(sizeof(int) * Max(entry->ncolumns, 1));
	for (int i = 0; i < entry->ncolumns; i++)
	{
		int			attnum = entry->columns[i].attindex + 1;

		if (bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			(*out)[n++] = i;
	}
	return n;
}

static int
replica_identity_code(char replident)
{
	switch (replident)
	{
		case REPLICA_IDENTITY_NOTHING:
			return W2E_ENUM_RI_NOTHING;
		case REPLICA_IDENTITY_FULL:
			return W2E_ENUM_RI_FULL;
		case REPLICA_IDENTITY_INDEX:
			return W2E_ENUM_RI_INDEX;
		default:
			return W2E_ENUM_RI_DEFAULT;
	}
}

static bool
index_member(const int *list, int n, int value)
{
	for (int i = 0; i < n; i++)
		if (list[i] == value)
			return true;
	return false;
}

/*
 * The declared type as PostgreSQL prints it, schema-qualified unless it is
 * built in, so the name does not depend on the decoding session's
 * search_path (the same WAL must decode to the same bytes anywhere).
 */
static char *
column_type_name(Oid typid, int32 typmod)
{
	bits16		flags = FORMAT_TYPE_TYPEMOD_GIVEN;
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for type %u", typid);
	if (((Form_pg_type) GETSTRUCT(tuple))->typnamespace != PG_CATALOG_NAMESPACE)
		flags |= FORMAT_TYPE_FORCE_QUALIFY;
	ReleaseSysCache(tuple);
	return format_type_extended(typid, typmod, flags);
}

/* The Relation message body, encoded once per shape of the table. */
static void
encode_descriptor(RelationEntry *entry, TupleDesc desc)
{
	StringInfo out = &entry->descriptor;

	initStringInfo(out);
	pb_uint(out, W2E_FIELD_REL_OID, entry->relid);
	put_text(out, W2E_FIELD_REL_SCHEMA, entry->schema, strlen(entry->schema));
	put_text(out, W2E_FIELD_REL_TABLE, entry->table, strlen(entry->table));
	for (int i = 0; i < entry->ncolumns; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, entry->columns[i].attindex);
		char	   *type_name = column_type_name(att->atttypid, att->atttypmod);
		int			start = pb_begin_message(out, W2E_FIELD_REL_COLUMNS);

		put_text(out, W2E_FIELD_COL_NAME, NameStr(att->attname), strlen(NameStr(att->attname)));
		pb_uint(out, W2E_FIELD_COL_TYPE_OID, att->atttypid);
		put_text(out, W2E_FIELD_COL_TYPE_NAME, type_name, strlen(type_name));
		if (index_member(entry->identity, entry->nidentity, i))
			pb_bool(out, W2E_FIELD_COL_IDENTITY, true);
		if (index_member(entry->key, entry->nkey, i))
			pb_bool(out, W2E_FIELD_COL_PARTITION_KEY, true);
		pb_end_message(out, start);
	}
	if (replica_identity_code(entry->replident) != W2E_ENUM_RI_DEFAULT)
		pb_uint(out, W2E_FIELD_REL_REPLICA_IDENTITY, replica_identity_code(entry->replident));
}

static bool
passes_filters(const char *schema, const char *table)
{
	if (cache_opts->tables != NIL &&
		!table_patterns_match(cache_opts->tables, schema, table))
		return false;
	return !table_patterns_match(cache_opts->exclude_tables, schema, table);
}

static bool
name_listed(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

/* Whether a column leaves the database: the publication's and the route's say. */
static bool
column_shipped(Form_pg_attribute att, const Route *route, const PublicationScope *scope)
{
	const char *name = NameStr(att->attname);

	if (scope->columns != NULL && !bms_is_member(att->attnum, scope->columns))
		return false;
	if (route == NULL)
		return true;
	if (!route->all_columns && !name_listed(route->columns, name))
		return false;
	return !name_listed(route->exclude, name);
}

/*
 * A route that names a column the table does not have is out of date: a
 * column was renamed or dropped by a path the extension's event triggers
 * did not see (they were disabled, or session_replication_role was
 * replica). Whatever the name meant, an excluded column may now ship under
 * another name, so the route fails closed: no column of the table ships
 * (its events keep their types, with no values and an empty partition
 * key) until the table is routed again.
 */
static bool
route_out_of_date(Relation relation, const Route *route)
{
	const char *missing;

	if (route == NULL || (missing = route_missing_column(route, RelationGetDescr(relation))) == NULL)
		return false;
	ereport(WARNING,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("wal2events route of table \"%s\" names column \"%s\", which the table does not have: no column of it is shipped",
					RelationGetRelationName(relation), missing),
			 errhint("Route the table again with its current column names (wal2events.route()).")));
	return true;
}

static void
fill_columns(RelationEntry *entry, TupleDesc desc, const Route *route,
			 const PublicationScope *scope, bool withheld)
{
	entry->columns = palloc(sizeof(ColumnState) * Max(desc->natts, 1));
	entry->ncolumns = 0;
	if (withheld)
		return;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ColumnState *column;

		if (att->attisdropped || !column_shipped(att, route, scope))
			continue;
		column = &entry->columns[entry->ncolumns++];
		column->attindex = i;
		column->attlen = att->attlen;
		type_encoder_init(&column->encoder, att->atttypid);
	}
}

int
entry_column_named(const RelationEntry *entry, TupleDesc desc, const char *name)
{
	for (int i = 0; i < entry->ncolumns; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, entry->columns[i].attindex)->attname), name) == 0)
			return i;
	return -1;
}

/*
 * The identity key is what the WAL carries as old values; the partition
 * key is the route's, else the identity key when there is one, else the
 * primary key. Columns that are not shipped are in neither.
 */
static void
fill_keys(RelationEntry *entry, Relation relation, const Route *route)
{
	Bitmapset  *identity_attrs = RelationGetIndexAttrBitmap(relation, INDEX_ATTR_BITMAP_IDENTITY_KEY);
	Bitmapset  *pkey_attrs = RelationGetIndexAttrBitmap(relation, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	ListCell   *lc;

	entry->nidentity = columns_in(entry, identity_attrs, &entry->identity);
	if (route != NULL && route->partition_key != NIL)
	{
		entry->key = palloc(sizeof(int) * list_length(route->partition_key));
		entry->nkey = 0;
		foreach(lc, route->partition_key)
		{
			int			i = entry_column_named(entry, RelationGetDescr(relation), lfirst(lc));

			if (i >= 0)
				entry->key[entry->nkey++] = i;
		}
	}
	else if (entry->nidentity > 0)
		entry->nkey = columns_in(entry, identity_attrs, &entry->key);
	else
		entry->nkey = columns_in(entry, pkey_attrs, &entry->key);
}

/*
 * Whether the table can be shipped at all: it passes the tables and
 * exclude-tables options and is not one of an extension's own tables (the
 * routes above all). Only such a table is looked up in the routes and the
 * publication, so that, as in pgoutput, a missing publication stops
 * decoding at the first change it would have to select, not at others.
 */
static bool
candidate(Relation relation)
{
	char	   *schema = get_namespace_name(RelationGetNamespace(relation));

	return passes_filters(schema, RelationGetRelationName(relation)) &&
		!relation_is_extension_member(RelationGetRelid(relation));
}

static void
build_entry(RelationEntry *entry, Relation relation)
{
	TupleDesc	desc = RelationGetDescr(relation);
	MemoryContext old;
	bool		shippable = candidate(relation);
	Route	   *route = NULL;
	PublicationScope scope = {true, ACTION_ALL, NULL};

	/* catalog reads first, in the caller's per-change memory */
	if (shippable && cache_opts->routes != ROUTES_IGNORE)
		route = route_read(relation);
	if (shippable && cache_opts->publication != NULL)
		publication_scope(cache_opts->publication, relation, &scope);

	if (entry->cxt == NULL)
		entry->cxt = AllocSetContextCreate(cache_cxt, "wal2events relation",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(entry->cxt);
	old = MemoryContextSwitchTo(entry->cxt);

	entry->schema = get_namespace_name(RelationGetNamespace(relation));
	entry->table = pstrdup(RelationGetRelationName(relation));
	entry->replident = relation->rd_rel->relreplident;
	entry->publish = shippable && scope.published &&
		(cache_opts->routes != ROUTES_ONLY || route != NULL);
	entry->backfill_state = strcmp(entry->schema, BACKFILL_STATE_SCHEMA) == 0 &&
		strcmp(entry->table, BACKFILL_STATE_TABLE) == 0 &&
		relation_is_extension_member(RelationGetRelid(relation));
	entry->actions = cache_opts->actions & scope.actions;

	entry->natts = desc->natts;
	entry->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	entry->isnull = palloc(sizeof(bool) * Max(desc->natts, 1));
	fill_columns(entry, desc, route, &scope, route_out_of_date(relation, route));
	fill_keys(entry, relation, route);
	route_apply(entry, desc, route);

	encode_descriptor(entry, desc);
	entry->chunk_serial = 0;	/* not in any message yet */
	MemoryContextSwitchTo(old);
	entry->valid = true;
}

RelationEntry *
relcache_get(Relation relation)
{
	Oid			relid = RelationGetRelid(relation);
	bool		found;
	RelationEntry *entry;

	entry = hash_search(relation_cache, &relid, HASH_ENTER, &found);
	if (!found)
	{
		entry->cxt = NULL;
		entry->valid = false;
	}
	if (!entry->valid)
		build_entry(entry, relation);
	return entry;
}
