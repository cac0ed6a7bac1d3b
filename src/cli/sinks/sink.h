/*
 * sink.h
 *    Where shipped events go: NATS JetStream, a file, standard output. One
 *    interface, so the main loop has one path whatever the destination.
 *
 * The loop hands events in key order with consecutive tickets. A sink
 * acknowledges a ticket (SinkAckFn) once the event is stored for good:
 * JetStream's publish acknowledgement, or fsync for a file. Tickets may be
 * acknowledged in any order; the delivery tracker turns them into the flush
 * LSN. A sink that cannot store right now says so through ready() and
 * retries by itself in poll(); only what cannot be fixed by waiting is an
 * error (-1, with error and error_status set).
 */
#ifndef WAL2EVENTS_SINK_H
#define WAL2EVENTS_SINK_H

#include <stdint.h>

#include "envelope.h"
#include "ship.h"

typedef void (*SinkAckFn) (void *ctx, uint64_t ticket);

/*
 * Who is shipping: identifies our own messages in a sink that has some. One
 * source is one sequence of events: a database (system identifier and
 * name) read through one slot.
 */
typedef struct SinkSource
{
	uint64_t	system_identifier;
	const char *database;
	const char *slot;
} SinkSource;

typedef struct SinkStats
{
	uint64_t	published;		/* messages written or sent (incl. retries) */
	uint64_t	acked;			/* events acknowledged */
	uint64_t	duplicates;		/* acks that said "duplicate" (JetStream) */
	uint64_t	retries;		/* messages sent again after a failure */
	uint64_t	claims;			/* events sent through the claim check */
	int			hub_down;		/* currently unable to store */
} SinkStats;

typedef struct Sink Sink;

typedef struct SinkOps
{
	/* Hand one event (its envelope, already encoded). 0, or -1: fatal. */
	int			(*publish) (Sink *sink, const Envelope *event, uint64_t ticket);
	/* May another event be handed now? */
	int			(*ready) (Sink *sink);
	/* Acknowledgements, retries, reconnection. 0, or -1: fatal. */
	int			(*poll) (Sink *sink, int64_t now_ms);
	/* Make what was written durable and acknowledge it (files). 0 or -1. */
	int			(*flush) (Sink *sink);
	/* A descriptor that becomes readable when poll() has work, or -1. */
	int			(*wait_fd) (Sink *sink);
	/* Milliseconds until poll() must run again, or -1 for no deadline. */
	int64_t		(*next_deadline) (Sink *sink, int64_t now_ms);
	void		(*close) (Sink *sink);
} SinkOps;

struct Sink
{
	const SinkOps *ops;
	SinkAckFn	on_ack;
	void	   *ack_ctx;
	SinkStats	stats;
	int			have_tail;		/* set by open: the newest message stored */
	MsgKey		tail;
	char		error[1024];
	int			error_status;
};

/*
 * Open the sink --to names, and find the newest message of ours it already
 * holds (have_tail, tail) so that a restart skips what is stored. NULL with
 * error and *status set when it cannot be used.
 */
extern Sink *sink_open(const ShipOptions *opts, const SinkSource *source,
					   SinkAckFn on_ack, void *ack_ctx,
					   char *error, size_t error_size, int *status);

/* The constructors behind sink_open. */
extern Sink *sink_nats_open(const ShipOptions *opts, const SinkSource *source,
							char *error, size_t error_size, int *status);
extern Sink *sink_file_open(const ShipOptions *opts, char *error, size_t error_size,
							int *status);

/*
 * file_resume.c: in a file the file sink appends to, truncate a last record
 * cut short by a crash and find the last complete one (*have_tail, *tail).
 * 0, or -1 with error set when the file is not such a file.
 */
extern int	sink_file_resume(int fd, const char *path, PayloadFormat format,
							 int *have_tail, MsgKey *tail, char *error, size_t error_size);

#endif							/* WAL2EVENTS_SINK_H */
