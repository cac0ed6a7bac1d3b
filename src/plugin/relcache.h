/*
 * relcache.h
 *    Per-relation state of the output plugin: everything the per-row path
 *    needs (column encoders, key columns, event types, the encoded Relation
 *    descriptor, whether the table passes the filters), computed once per
 *    relation and dropped by relcache/syscache invalidation, as pgoutput's
 *    RelationSyncEntry is.
 */
#ifndef W2E_RELCACHE_H
#define W2E_RELCACHE_H

#include "access/htup.h"
#include "lib/stringinfo.h"
#include "utils/rel.h"

#include "options.h"
#include "values.h"

typedef struct ColumnState
{
	int			attindex;		/* 0-based index into the tuple descriptor */
	int16		attlen;			/* -1 for varlena: may be unchanged TOAST */
	TypeEncoder encoder;
} ColumnState;

typedef struct RelationEntry
{
	Oid			relid;			/* hash key: must be first */
	bool		valid;			/* false: rebuild before use */
	MemoryContext cxt;			/* everything below lives here */

	bool		publish;		/* passes the tables/exclude-tables filters */
	char		replident;		/* pg_class.relreplident */
	char	   *schema;
	char	   *table;

	int			ncolumns;		/* live (not dropped) columns */
	ColumnState *columns;
	int			nidentity;		/* identity key columns, column order */
	int		   *identity;		/* indexes into columns */
	int			nkey;			/* partition key columns, column order */
	int		   *key;			/* indexes into columns */

	/* default event types */
	char	   *type_created;
	char	   *type_updated;
	char	   *type_deleted;
	char	   *type_truncated;

	/* encoded Relation message body, written once per message that uses it */
	StringInfoData descriptor;

	/* the message (chunk) that last carried the descriptor, and its index */
	uint64		chunk_serial;
	uint32		chunk_index;

	/* scratch for heap_deform_tuple, sized to the tuple descriptor */
	int			natts;
	Datum	   *values;
	bool	   *isnull;
} RelationEntry;

extern void relcache_init(MemoryContext parent, const PluginOptions *opts);
extern RelationEntry *relcache_get(Relation relation);

#endif							/* W2E_RELCACHE_H */
