/*
 * routes.h
 *    Reading a table's route from wal2events.routes, as of the transaction
 *    being decoded.
 */
#ifndef W2E_ROUTES_H
#define W2E_ROUTES_H

#include "nodes/pg_list.h"
#include "utils/rel.h"

/* One row of wal2events.routes (see sql/wal2events--1.0.sql). */
typedef struct Route
{
	char	   *entity;
	char	   *created;		/* event types */
	char	   *updated;
	char	   *deleted;
	List	   *partition_key;	/* column names in key order; NIL: the default key */
	bool		all_columns;	/* `columns` is NULL: every column is shipped */
	List	   *columns;		/* else only these names */
	List	   *exclude;		/* names never shipped */
	char	   *subject;		/* subject template; NULL: none */
	List	   *tag_names;		/* the tags, as parallel lists of strings */
	List	   *tag_values;
	char	   *soft_delete;	/* column name; NULL: none */
	bool		outbox;
	char	   *read;			/* read type (extension 1.1); NULL: <entity>-read */
} Route;

/*
 * The route of the relation, or else of its nearest partitioned ancestor,
 * read with the current catalog snapshot: during decoding, the historic
 * snapshot of the change. NULL when there is none, or no wal2events
 * extension in the database (as of that snapshot). Allocates in
 * CurrentMemoryContext.
 */
extern Route *route_read(Relation relation);

/* The routes table as last found by route_read(), InvalidOid before. */
extern Oid	routes_table_oid(void);

/*
 * Forget the routes table found so far: it changed or went away, or a new
 * decoding session starts (relcache.c calls it).
 */
extern void routes_forget_table(void);

/* Whether the relation belongs to an extension (such as wal2events.routes). */
extern bool relation_is_extension_member(Oid relid);

#endif							/* W2E_ROUTES_H */
