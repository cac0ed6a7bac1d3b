/*
 * ship_backfill.h
 *    `ship --backfill TABLES|routed`: the backfills ship starts when it
 *    creates its slot, run one after another in a thread of their own
 *    (own connection: core/backfill.c) while the main loop ships; their
 *    rows come back through the slot as read events.
 *
 * Only a run that created the slot registers backfills, at once after
 * creating it (before the hub is even contacted), so a restart never
 * starts them again and a run that stops early leaves them registered. A
 * restart (the slot exists) continues the listed tables' unfinished
 * backfills: a shipper killed in the middle of one finishes it when
 * started again with the same flags.
 */
#ifndef WAL2EVENTS_SHIP_BACKFILL_H
#define WAL2EVENTS_SHIP_BACKFILL_H

#include <pthread.h>
#include <stdatomic.h>

#include "ship.h"

typedef struct ShipBackfill
{
	const ShipOptions *opts;
	char	  **tables;			/* SCHEMA.TABLE each (malloc'ed) */
	int			n_tables;
	pthread_t	thread;
	int			running;		/* the thread was started (join it) */
	atomic_int	stop;
} ShipBackfill;

/*
 * Before the slot: the tables (--backfill's list, or wal2events.routes),
 * each checked to exist in a database with backfills. Nothing without
 * --backfill. 0, or an exit status with error set.
 */
extern int	ship_backfill_prepare(ShipBackfill *b, const ShipOptions *opts,
								  char *error, size_t size);

/*
 * Right after this run created the slot: register a backfill of every
 * table that has no unfinished one (a failure is logged: the slot exists
 * now, shipping goes on without that backfill).
 */
extern void ship_backfill_register(ShipBackfill *b);

/* Once shipping: the thread that runs the tables' unfinished backfills. */
extern void ship_backfill_start(ShipBackfill *b, int slot_created);

/* Stop after the chunk in progress (async-signal-safe). */
extern void ship_backfill_request_stop(ShipBackfill *b);

/* Stop, wait for the thread, free. */
extern void ship_backfill_finish(ShipBackfill *b);

#endif							/* WAL2EVENTS_SHIP_BACKFILL_H */
