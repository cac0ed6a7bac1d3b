/*
 * ship_loop.h
 *    The state of a running `ship` or `tail`, and its main loop.
 */
#ifndef WAL2EVENTS_SHIP_LOOP_H
#define WAL2EVENTS_SHIP_LOOP_H

#include <signal.h>

#include "arena.h"
#include "delivery.h"
#include "envelope.h"
#include "metrics.h"
#include "replication.h"
#include "sink.h"

typedef struct Shipper
{
	const ShipOptions *opts;

	Replication repl;
	int			pg_connected;
	int64_t		pg_retry_at;
	Backoff		pg_backoff;

	Sink	   *sink;
	Delivery	delivery;
	Envelope	envelope;
	Metrics		metrics;
	MetricsSnapshot counters;	/* the loop's own counters (sink stats added on read) */

	Arena		arena;			/* the current message's memory */
	W2eTransaction *txn;		/* the message being handed (in arena), or NULL */
	W2eTransaction txn_header;	/* --unit transaction: the message's header fields only */
	char		txn_database[256];	/* its database name */
	size_t		next_event;

	int64_t		last_status_ms;
	uint64_t	reported_flush;
	int			reply_now;		/* a keepalive asked for a status update */

	int			signal_fd;		/* read end of the signal pipe */
	int			stopping;
	int64_t		stop_deadline;
	int			exit_status;
} Shipper;

/* Run until stopped. Returns the exit status. */
extern int	ship_run(Shipper *sh);

/* Counters as the metrics want them. */
extern void ship_snapshot(Shipper *sh, MetricsSnapshot *snap);

/* (Re)connect to PostgreSQL and start streaming: 0, or -1 with sh->repl.error. */
extern int	ship_connect(Shipper *sh);

#endif							/* WAL2EVENTS_SHIP_LOOP_H */
