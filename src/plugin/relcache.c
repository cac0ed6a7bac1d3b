/*
 * relcache.c
 *    The plugin's per-relation cache (see relcache.h).
 *
 * Entries are built from the Relation the reorder buffer hands to the change
 * callback, which is opened with the historic snapshot of the transaction
 * being decoded: names, columns and keys are the ones that held when the
 * change was made. Relcache invalidations (replayed by the reorder buffer at
 * the right point of the transaction, e.g. after ALTER TABLE) and type or
 * schema changes mark entries invalid; the next change rebuilds them.
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

#include "filter.h"
#include "pbwrite.h"
#include "relcache.h"
#include "wire.h"

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

/* A type or schema changed (renamed, enum label renamed...): rebuild all. */
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
			return RI_NOTHING;
		case REPLICA_IDENTITY_FULL:
			return RI_FULL;
		case REPLICA_IDENTITY_INDEX:
			return RI_INDEX;
		default:
			return RI_DEFAULT;
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
	pb_uint(out, REL_OID, entry->relid);
	put_text(out, REL_SCHEMA, entry->schema, strlen(entry->schema));
	put_text(out, REL_TABLE, entry->table, strlen(entry->table));
	for (int i = 0; i < entry->ncolumns; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, entry->columns[i].attindex);
		char	   *type_name = column_type_name(att->atttypid, att->atttypmod);
		int			start = pb_begin_message(out, REL_COLUMNS);

		put_text(out, COL_NAME, NameStr(att->attname), strlen(NameStr(att->attname)));
		pb_uint(out, COL_TYPE_OID, att->atttypid);
		put_text(out, COL_TYPE_NAME, type_name, strlen(type_name));
		if (index_member(entry->identity, entry->nidentity, i))
			pb_bool(out, COL_IDENTITY, true);
		if (index_member(entry->key, entry->nkey, i))
			pb_bool(out, COL_PARTITION_KEY, true);
		pb_end_message(out, start);
	}
	if (replica_identity_code(entry->replident) != RI_DEFAULT)
		pb_uint(out, REL_REPLICA_IDENTITY, replica_identity_code(entry->replident));
}

static bool
passes_filters(const char *schema, const char *table)
{
	if (cache_opts->tables != NIL &&
		!table_patterns_match(cache_opts->tables, schema, table))
		return false;
	return !table_patterns_match(cache_opts->exclude_tables, schema, table);
}

static void
build_entry(RelationEntry *entry, Relation relation)
{
	TupleDesc	desc = RelationGetDescr(relation);
	MemoryContext old;
	Bitmapset  *identity_attrs;
	Bitmapset  *pkey_attrs;

	if (entry->cxt == NULL)
		entry->cxt = AllocSetContextCreate(cache_cxt, "wal2events relation",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(entry->cxt);
	old = MemoryContextSwitchTo(entry->cxt);

	entry->schema = get_namespace_name(RelationGetNamespace(relation));
	entry->table = pstrdup(RelationGetRelationName(relation));
	entry->replident = relation->rd_rel->relreplident;
	entry->publish = passes_filters(entry->schema, entry->table);

	entry->natts = desc->natts;
	entry->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	entry->isnull = palloc(sizeof(bool) * Max(desc->natts, 1));
	entry->columns = palloc(sizeof(ColumnState) * Max(desc->natts, 1));
	entry->ncolumns = 0;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ColumnState *column;

		if (att->attisdropped)
			continue;
		column = &entry->columns[entry->ncolumns++];
		column->attindex = i;
		column->attlen = att->attlen;
		type_encoder_init(&column->encoder, att->atttypid);
	}

	/*
	 * The identity key is what the WAL carries as old values; the partition
	 * key is the identity key when there is one, else the primary key.
	 */
	identity_attrs = RelationGetIndexAttrBitmap(relation, INDEX_ATTR_BITMAP_IDENTITY_KEY);
	pkey_attrs = RelationGetIndexAttrBitmap(relation, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	entry->nidentity = columns_in(entry, identity_attrs, &entry->identity);
	if (entry->nidentity > 0)
		entry->nkey = columns_in(entry, identity_attrs, &entry->key);
	else
		entry->nkey = columns_in(entry, pkey_attrs, &entry->key);

	entry->type_created = psprintf("%s-created", entry->table);
	entry->type_updated = psprintf("%s-updated", entry->table);
	entry->type_deleted = psprintf("%s-deleted", entry->table);
	entry->type_truncated = psprintf("%s-truncated", entry->table);

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
