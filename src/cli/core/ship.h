/*
 * ship.h
 *    The command line of `wal2events ship` and `wal2events tail` as the
 *    shipper's core sees it (what every layer shares is ship_common.h).
 *
 * The pieces, one job each (ARCHITECTURE.md has the layers):
 *   ship_options.c   command line of ship and tail, and their --help
 *   option_env.c     flags from the environment (WAL2EVENTS_<FLAG>, ship only)
 *   cmd_ship.c       the two commands: set up, run, tear down
 *   ship_loop.c      the main loop: read PostgreSQL, hand events to the
 *                    sink, confirm, keep the connection alive
 *   replication.c    libpq replication protocol (slot, CopyBoth, status)
 *   arena.c          memory of the Transaction message being handed
 *   delivery.c       which tickets are acknowledged -> the flush LSN
 *   envelope.c       Transaction event -> EventEnvelope bytes
 *   txn_message.c    --unit transaction: a whole Transaction message for the sink
 *   sink.h, sink.c   the interface every sink implements, and the registry
 *   sink_nats.c      NATS JetStream sink: start-up checks, window, recovery
 *   nats_message.c   an event as JetStream messages: subject, headers, claim check
 *   nats_acks.c      publish acknowledgements and the messages in flight
 *   nats_stream.c    the stream: find, create, check, read its newest message
 *   nats_auth.c      NATS credentials (files, environment, URL), for both
 *                    connections; nkey.c signs with an NKey
 *   nats_url.c       NATS URLs without their secrets, for messages
 *   nats_scan.c      which messages of one source the stream holds after a sequence
 *   nats_position.c  the source (W2e-Source) and its high-water mark (key-value bucket)
 *   subject.c        subject templates
 *   sink_file.c, file_resume.c   file: and stdout sinks; resuming a file
 *   metrics.c        progress line and Prometheus endpoint (/metrics,
 *                    /healthz, /readyz)
 *   health.c         what /readyz answers
 *   backfill.c       a backfill's chunk loop (also `wal2events backfill`)
 *   ship_backfill.c  --backfill: that loop in a thread while shipping
 *   ship_util.c      keys, LSNs, clocks, log lines, backoff (common/)
 *   jetstream_options.c  the NATS sink's own flags
 */
#ifndef WAL2EVENTS_SHIP_H
#define WAL2EVENTS_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "ship_common.h"
#include "sink.h"

#define SHIP_MAX_PLUGIN_OPTIONS 32

/* -o NAME=VALUE: name points into argv, name_len bytes long. */
typedef struct PluginOption
{
	const char *name;
	size_t		name_len;
	const char *value;
} PluginOption;

/* The command line, parsed and checked; strings point into argv. */
typedef struct ShipOptions
{
	const char *command;		/* "ship" or "tail" */
	const char *dbname;			/* conninfo; NULL: PG* environment */
	const char *slot;			/* NULL: tail's temporary slot */
	int			create_slot;
	const char *backfill;		/* --backfill: "SCHEMA.TABLE,..." or "routed"; NULL: none */
	double		backfill_rate;	/* --backfill-rate: rows per second; 0: no limit */
	int			confirm;		/* report the flush LSN to the slot */
	PluginOption plugin_options[SHIP_MAX_PLUGIN_OPTIONS];
	int			n_plugin_options;

	const char *to;				/* as given (may hold credentials: never print it) */
	const SinkType *sink;		/* the kind --to names (the registry, sink.h) */
	void	   *sink_options;	/* its own flags, parsed by it */
	SinkCommon	sink_common;	/* what every sink is given: payload, window, retries */

	int64_t		status_interval_ms;
	int64_t		progress_interval_ms;	/* 0: no progress lines */
	int64_t		shutdown_timeout_ms;
	const char *metrics_addr;	/* NULL: no endpoint */
	int64_t		ready_max_lag_ms;	/* /readyz: 503 above this lag; 0: no limit */
} ShipOptions;

/* The commands (cmd_ship.c), each taking argv[0] = "ship" or "tail". */
extern int	cmd_ship(int argc, char **argv);
extern int	cmd_tail(int argc, char **argv);

/* 1 to go on, 0 to stop with *status (help shown or usage error). */
extern int	ship_options_parse(ShipOptions *opts, int argc, char **argv, int *status);

/* What ship_options_parse allocated (the sink's options, its credentials). */
extern void ship_options_free(ShipOptions *opts);

#endif							/* WAL2EVENTS_SHIP_H */
