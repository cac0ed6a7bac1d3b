/*
 * publication.h
 *    The `publication` option: which tables, actions and columns an existing
 *    PostgreSQL publication selects, read as pgoutput reads it.
 */
#ifndef W2E_PUBLICATION_H
#define W2E_PUBLICATION_H

#include "nodes/bitmapset.h"
#include "utils/rel.h"

typedef struct PublicationScope
{
	bool		published;		/* the publication covers the table */
	int			actions;		/* ACTION_* bits it publishes (message always) */
	Bitmapset  *columns;		/* its column list as attnums; NULL: every column */
} PublicationScope;

/*
 * What the publication named `name` selects of the relation, as of the
 * current catalog snapshot (the historic one during decoding). ERROR when
 * the publication does not exist as of that snapshot, as pgoutput does.
 * Allocates in CurrentMemoryContext.
 */
extern void publication_scope(const char *name, Relation relation,
							  PublicationScope *scope);

#endif							/* W2E_PUBLICATION_H */
