/*
 * lake_metrics.h
 *    What `wal2events lake` reports: its progress line and --metrics, a
 *    Prometheus text endpoint (/metrics; /healthz answers while the process
 *    runs), answered from the writer's own loop between two fetches (at
 *    most a fetch's wait, 250 ms, late).
 */
#ifndef WAL2EVENTS_LAKE_METRICS_H
#define WAL2EVENTS_LAKE_METRICS_H

#include <stdint.h>

typedef struct LakeStats
{
	uint64_t	events;			/* stored in files */
	uint64_t	messages;
	uint64_t	files;
	uint64_t	bytes;			/* compressed bytes of the files stored */
	uint64_t	raw_bytes;		/* their records before compression */
	uint64_t	skipped;		/* messages that are not events of wal2events */
	uint64_t	last_seq;		/* stream sequence of the newest message stored */
	uint64_t	lag_messages;	/* stored in the stream, not yet in a file */
	double		lag_seconds;	/* age of the oldest message not yet in a file */
	uint64_t	held_events;	/* in the open file */
} LakeStats;

/* Listen on ADDR (loopback): the socket, or -1 with error. */
extern int	lake_metrics_open(const char *addr, char *error, size_t size);

/* Answer whoever is asking (never blocks for long). */
extern void lake_metrics_serve(int fd, const LakeStats *s, const char *stream);

#endif							/* WAL2EVENTS_LAKE_METRICS_H */
