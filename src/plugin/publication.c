/*
 * publication.c
 *    Tables, actions and column lists of a PostgreSQL publication, for the
 *    `publication` option (see publication.h).
 *
 * This follows pgoutput: the publication is looked up through the system
 * caches, which during decoding answer with the historic snapshot, so the
 * publication applies as it was when each change was made. The plugin's
 * syscache callbacks on the publication catalogs and the relcache
 * invalidations that ALTER PUBLICATION sends drop the cached result.
 *
 * A table is covered when the publication is FOR ALL TABLES, names the
 * table's schema (FOR TABLES IN SCHEMA) or the table itself (FOR TABLE,
 * possibly with a column list), or covers a partitioned ancestor of the
 * partition. Row filters (WHERE) are not evaluated: a table published with
 * one is left out, with a WARNING, rather than shipped unfiltered.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_publication_rel.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "options.h"
#include "publication.h"

static int
publication_actions(const Publication *pub)
{
	int			actions = ACTION_MESSAGE;

	if (pub->pubactions.pubinsert)
		actions |= ACTION_INSERT;
	if (pub->pubactions.pubupdate)
		actions |= ACTION_UPDATE;
	if (pub->pubactions.pubdelete)
		actions |= ACTION_DELETE;
	if (pub->pubactions.pubtruncate)
		actions |= ACTION_TRUNCATE;
	return actions;
}

/*
 * The column list of table `relid` (an ancestor of `relation` or the
 * relation itself) as attnums of `relation`: names map across partitions.
 */
static Bitmapset *
column_list(Relation relation, Oid relid, Datum prattrs)
{
	Bitmapset  *listed = pub_collist_to_bitmapset(NULL, prattrs, CurrentMemoryContext);
	Bitmapset  *result = NULL;
	int			attnum = -1;

	if (relid == RelationGetRelid(relation))
		return listed;
	while ((attnum = bms_next_member(listed, attnum)) >= 0)
	{
		char	   *name = get_attname(relid, attnum, false);
		AttrNumber own = get_attnum(RelationGetRelid(relation), name);

		if (own != InvalidAttrNumber)
			result = bms_add_member(result, own);
	}
	return result;
}

/* Whether the publication covers table relid; sets *columns and *filtered. */
static bool
covers(Relation relation, Oid relid, Oid pubid, Bitmapset **columns, bool *filtered)
{
	HeapTuple	tuple;
	bool		isnull;
	Datum		prattrs;

	if (SearchSysCacheExists2(PUBLICATIONNAMESPACEMAP,
							  ObjectIdGetDatum(get_rel_namespace(relid)),
							  ObjectIdGetDatum(pubid)))
		return true;
	tuple = SearchSysCache2(PUBLICATIONRELMAP, ObjectIdGetDatum(relid), ObjectIdGetDatum(pubid));
	if (!HeapTupleIsValid(tuple))
		return false;
	(void) SysCacheGetAttr(PUBLICATIONRELMAP, tuple, Anum_pg_publication_rel_prqual, &isnull);
	*filtered = !isnull;
	prattrs = SysCacheGetAttr(PUBLICATIONRELMAP, tuple, Anum_pg_publication_rel_prattrs, &isnull);
	if (!isnull)
		*columns = column_list(relation, relid, prattrs);
	ReleaseSysCache(tuple);
	return true;
}

void
publication_scope(const char *name, Relation relation, PublicationScope *scope)
{
	Publication *pub = GetPublicationByName(name, true);
	Oid			relid = RelationGetRelid(relation);
	bool		filtered = false;

	if (pub == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("publication \"%s\" does not exist", name),
				 errdetail("The wal2events option \"publication\" names it; it is read as of each decoded transaction."),
				 errhint("Create it (CREATE PUBLICATION %s FOR ...) before the changes it should select, or start the slot with another publication.", name)));

	scope->actions = publication_actions(pub);
	scope->columns = NULL;
	scope->published = pub->alltables ||
		covers(relation, relid, pub->oid, &scope->columns, &filtered);
	if (!scope->published && relation->rd_rel->relispartition)
	{
		ListCell   *lc;

		foreach(lc, get_partition_ancestors(relid))
		{
			scope->published = covers(relation, lfirst_oid(lc), pub->oid,
									  &scope->columns, &filtered);
			if (scope->published)
				break;
		}
	}
	if (scope->published && filtered)
	{
		ereport(WARNING,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" is left out: publication \"%s\" has a row filter for it",
						RelationGetRelationName(relation), name),
				 errdetail("wal2events does not evaluate publication row filters, and never ships rows a publication leaves out."),
				 errhint("Publish the table without WHERE, or route only the rows you want through an outbox table.")));
		scope->published = false;
	}
}
