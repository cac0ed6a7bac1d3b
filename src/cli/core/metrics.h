/*
 * metrics.h
 *    What ship reports about itself: the progress line on stderr and a
 *    Prometheus text endpoint (--metrics, with /healthz and /readyz:
 *    health.h), both from a reporter thread of
 *    their own, so that neither waits for the main loop (which may wait
 *    for a hub that does not answer).
 *
 * The main loop publishes a snapshot of its counters every turn
 * (metrics_publish, under a mutex); the reporter thread adds what changes
 * without the main loop: the time (lag in seconds) and the server's WAL
 * position, read on a connection of its own (server_position.h).
 */
#ifndef WAL2EVENTS_METRICS_H
#define WAL2EVENTS_METRICS_H

#include <poll.h>
#include <pthread.h>
#include <stdint.h>

#include "delivery.h"
#include "server_position.h"
#include "sink.h"

/* A snapshot of the counters, taken by the loop when asked. */
typedef struct MetricsSnapshot
{
	uint64_t	events_handed;	/* events given to the sink */
	uint64_t	events_skipped; /* redelivered events found already stored */
	uint64_t	transactions;	/* Transaction messages received */
	uint64_t	pg_reconnects;
	SinkStats	sink;
	uint64_t	confirmed_lsn;
	uint64_t	server_lsn;		/* newest position the replication stream told */
	uint64_t	in_flight;
	uint64_t	window_lsn;		/* an open backfill window holds the confirm here, or 0 */
	int64_t		oldest_commit_us;	/* commit time of the oldest unconfirmed transaction, or 0 */
	int			running;		/* set by the main loop: 0 until its first snapshot */
	int			pg_connected;	/* the replication connection is up */
	int			stopping;		/* SIGINT or SIGTERM received */
} MetricsSnapshot;

#define METRICS_MAX_CLIENTS 8

typedef struct MetricsClient
{
	int			fd;
	char		request[2048];
	size_t		len;
	int64_t		deadline;
} MetricsClient;

typedef struct Metrics
{
	int			listen_fd;		/* -1: no endpoint */
	MetricsClient clients[METRICS_MAX_CLIENTS];
	uint64_t	last_acked;		/* for the progress line's rate */
	int64_t		last_progress_ms;
	int64_t		progress_interval_ms;	/* 0: no progress lines */
	int64_t		ready_max_lag_ms;	/* /readyz: 503 above this lag (0: no limit);
									 * set after metrics_open */
	ServerPosition position;

	/* the reporter thread, and what the main loop shares with it */
	int			running;
	pthread_t	thread;
	int			stop_pipe[2];	/* the main loop writes to stop the thread */
	pthread_mutex_t lock;
	MetricsSnapshot shared;		/* under lock */
} Metrics;

/* Is ADDR a --metrics address (loopback only)? 0, or -1 with error (at option parsing). */
extern int	metrics_check_addr(const char *addr, char *error, size_t error_size);

/* A non-blocking listening socket on ADDR (loopback only), or -1 with error. */
extern int	metrics_listen(const char *addr, char *error, size_t error_size);

/* Listen on --metrics ADDR (loopback only; NULL: no endpoint). 0, or -1 with error. */
extern int	metrics_open(Metrics *m, const char *addr, char *error, size_t error_size);

/*
 * Start the reporter thread when there is something to report (the
 * endpoint, or progress lines every progress_interval_ms). dbname is the
 * conninfo the server's WAL position is read with. 0, or -1 with error.
 */
extern int	metrics_start(Metrics *m, int64_t progress_interval_ms, const char *dbname,
						  const char *application_name, char *error, size_t error_size);

/* The main loop's counters, now. */
extern void metrics_publish(Metrics *m, const MetricsSnapshot *snap);

/* Stop the thread, close everything. */
extern void metrics_close(Metrics *m);

#endif							/* WAL2EVENTS_METRICS_H */
