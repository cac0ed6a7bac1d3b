/*
 * relcache.h
 *    Per-relation state of the output plugin: everything the per-row path
 *    needs (column encoders, shipped and key columns, event types, the
 *    route's subject and tags, the encoded Relation descriptor, whether the
 *    table is selected), computed once per relation and dropped by
 *    relcache/syscache invalidation, as pgoutput's RelationSyncEntry is.
 */
#ifndef W2E_RELCACHE_H
#define W2E_RELCACHE_H

#include "access/htup.h"
#include "lib/stringinfo.h"
#include "utils/rel.h"

#include "options.h"
#include "routes.h"
#include "values.h"

typedef struct ColumnState
{
	int			attindex;		/* 0-based index into the tuple descriptor */
	int16		attlen;			/* -1 for varlena: may be unchanged TOAST */
	TypeEncoder encoder;
} ColumnState;

/* The outbox columns of an outbox route, as indexes into columns (-1: none). */
typedef struct OutboxColumns
{
	int			id;				/* the event id, when present */
	int			type;			/* the event type */
	int			key;			/* aggregateid: the partition key */
	int			payload;		/* jsonb payload */
} OutboxColumns;

typedef struct RelationEntry
{
	Oid			relid;			/* hash key: must be first */
	bool		valid;			/* false: rebuild before use */
	MemoryContext cxt;			/* everything below lives here */

	bool		publish;		/* selected: filters, routes option, publication */
	bool		backfill_state; /* wal2events.backfills (backfill.h) */
	int			actions;		/* ACTION_* bits shipped for this table */
	char		replident;		/* pg_class.relreplident */
	char	   *schema;
	char	   *table;

	int			ncolumns;		/* shipped live columns (route, publication) */
	ColumnState *columns;
	int			nidentity;		/* shipped identity key columns, column order */
	int		   *identity;		/* indexes into columns */
	int			nkey;			/* partition key columns, key order */
	int		   *key;			/* indexes into columns */

	/* event types: the defaults, or the route's */
	char	   *type_created;
	char	   *type_updated;
	char	   *type_deleted;
	char	   *type_undeleted;
	char	   *type_truncated;
	char	   *type_read;		/* a backfilled row */

	/* the route's extras, encoded once: appended as they are to each event */
	StringInfoData subject_field;	/* Event.subject; empty: none */
	StringInfoData tags_field;	/* RowChange.tags (DomainEvent.tags for an
								 * outbox) entries; empty: none */

	/* soft deletes: attindex of the column (-1: none), and its kind */
	int			soft_delete;
	bool		soft_delete_bool;	/* boolean; else a timestamp (NULL: live) */

	/* outbox route: INSERTs become domain events, other changes nothing */
	bool		outbox;
	OutboxColumns outbox_columns;

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

/* Index into entry->columns of the shipped column named name, or -1. */
extern int	entry_column_named(const RelationEntry *entry, TupleDesc desc,
							   const char *name);

/*
 * route_entry.c: what the route (NULL: none) makes of the entry: event
 * types, subject and tags, soft deletes, outbox columns. Called while the
 * entry is built, in its memory context, after its columns and keys.
 */
extern void route_apply(RelationEntry *entry, TupleDesc desc, const Route *route);

/*
 * A column the route names (in columns, exclude, partition_key or
 * soft_delete) that the table does not have, NULL when there is none.
 */
extern const char *route_missing_column(const Route *route, TupleDesc desc);

/* Whether shipped column i is one of an outbox's own columns (not a tag). */
extern bool outbox_own_column(const RelationEntry *entry, int i);

#endif							/* W2E_RELCACHE_H */
