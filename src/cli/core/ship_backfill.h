/*
 * ship_backfill.h
 *    `ship --backfill TABLES|routed`: the backfills ship starts when it
 *    creates its slot, run one after another in a thread of their own
 *    (own connection: core/backfill.c) while the main loop ships; their
 *    rows come back through the slot as read events.
 *
 * Only a run that created the slot registers backfills: a restart must
 * not start them again. A restart (the slot exists) continues the named
 * tables' unfinished backfills, so a shipper killed in the middle of one
 * finishes it when started again with the same flags.
 */
#ifndef WAL2EVENTS_SHIP_BACKFILL_H
#define WAL2EVENTS_SHIP_BACKFILL_H

#include <pthread.h>
#include <stdatomic.h>

#include "ship.h"

typedef struct ShipBackfill
{
	const ShipOptions *opts;
	int			register_new;	/* this run created the slot */
	pthread_t	thread;
	int			running;		/* the thread was started (join it) */
	atomic_int	stop;
} ShipBackfill;

/*
 * Start the thread (nothing without --backfill). slot_created: this run
 * created the slot. 0, or -1 (no thread: logged, shipping goes on).
 */
extern int	ship_backfill_start(ShipBackfill *b, const ShipOptions *opts, int slot_created);

/* Stop after the chunk in progress (async-signal-safe). */
extern void ship_backfill_request_stop(ShipBackfill *b);

/* Stop and wait for the thread. */
extern void ship_backfill_finish(ShipBackfill *b);

#endif							/* WAL2EVENTS_SHIP_BACKFILL_H */
