/*
 * sql_route.c
 *    wal2events.route_changed(regclass): the invalidation that makes the
 *    output plugin notice a route change at the right point of the WAL.
 *
 * The trigger on wal2events.routes calls it for every route written or
 * removed. A relcache invalidation of the table is registered with the
 * transaction; with wal_level = logical PostgreSQL WAL-logs it at the end
 * of the command, and logical decoding replays it at exactly that point
 * of the transaction (and, for transactions decoded later, at its commit).
 * The plugin's relcache callback then drops its cached state for the
 * table, and the next change rebuilds it, reading the routes with the
 * historic snapshot: the per-row path never looks at the routes itself.
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "fmgr.h"
#include "storage/lockdefs.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(wal2events_route_changed);

Datum
wal2events_route_changed(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	List	   *tables;
	ListCell   *lc;

	/* a route removed because its table was dropped: nothing to invalidate */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		PG_RETURN_VOID();

	/* a partitioned table's route applies to partitions without their own */
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		tables = find_all_inheritors(relid, NoLock, NULL);
	else
		tables = list_make1_oid(relid);
	foreach(lc, tables)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
	PG_RETURN_VOID();
}
