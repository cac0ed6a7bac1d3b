/*
 * metrics.h
 *    What ship reports about itself: the progress line on stderr and a
 *    Prometheus text endpoint (--metrics) served from the main loop.
 */
#ifndef WAL2EVENTS_METRICS_H
#define WAL2EVENTS_METRICS_H

#include <poll.h>
#include <stdint.h>

#include "delivery.h"
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
	uint64_t	server_lsn;
	uint64_t	in_flight;
	int64_t		lag_us;			/* now - commit time of the oldest unconfirmed transaction */
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
} Metrics;

/* Is ADDR a --metrics address (loopback only)? 0, or -1 with error (at option parsing). */
extern int	metrics_check_addr(const char *addr, char *error, size_t error_size);

/* Listen on --metrics ADDR (loopback only). 0, or -1 with error. */
extern int	metrics_open(Metrics *m, const char *addr, char *error, size_t error_size);
extern void metrics_close(Metrics *m);

/* Add the endpoint's descriptors to a poll set; returns how many were added. */
extern int	metrics_poll_fds(Metrics *m, struct pollfd *fds, int max);

/* Accept, read requests, answer them with the snapshot. */
extern void metrics_serve(Metrics *m, const MetricsSnapshot *snap, int64_t now_ms);

/* One progress line on stderr. */
extern void metrics_progress(Metrics *m, const MetricsSnapshot *snap, int64_t now_ms);

#endif							/* WAL2EVENTS_METRICS_H */
