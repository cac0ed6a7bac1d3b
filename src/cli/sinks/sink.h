/*
 * sink.h
 *    Where shipped events go: NATS JetStream, a file, standard output. One
 *    interface, so the main loop has one path whatever the destination, and
 *    one registry (sink.c), so the command line knows every kind of sink
 *    and its flags without knowing any sink's insides.
 *
 * The loop hands events in key order with consecutive tickets. A sink
 * acknowledges a ticket (SinkAckFn) once the event is stored for good:
 * JetStream's publish acknowledgement, or fsync for a file. Tickets may be
 * acknowledged in any order; the delivery tracker turns them into the flush
 * LSN. A sink that cannot store right now says so through ready() and
 * retries by itself in poll(); only what cannot be fixed by waiting is an
 * error (-1, with error and error_status set).
 *
 * A new sink: a folder under sinks/ with its SinkOps, its options (a
 * struct of its own, parsed by its option()/finish() from the flags it
 * lists) and a SinkType added to sink_types[] in sink.c. See
 * ARCHITECTURE.md.
 */
#ifndef WAL2EVENTS_SINK_H
#define WAL2EVENTS_SINK_H

#include <stdint.h>

#include <stddef.h>

#include "envelope.h"
#include "ship_common.h"

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
 * What every sink is given besides its own options: the flags of ship
 * and tail that are not about one kind of sink.
 */
typedef struct SinkCommon
{
	PayloadFormat payload;		/* never PAYLOAD_DEFAULT once parsed */
	int			max_inflight;	/* unacknowledged events at most */
	int64_t		max_inflight_bytes; /* and their bytes */
	int64_t		retry_max_ms;	/* longest wait between retries */
} SinkCommon;

/* A flag only one kind of sink takes ("--subject"): its name without "--". */
typedef struct SinkFlag
{
	const char *name;
	int			has_value;
} SinkFlag;

/*
 * One kind of sink. Its options are its own struct, made by options_new
 * for the --to value, filled by option() for each of its flags, checked
 * and completed by finish() (after every flag; may read credential files),
 * and handed back to open().
 */
typedef struct SinkType
{
	const char *name;			/* for messages: "NATS JetStream" */
	const char *target;			/* --to as it is written: "nats://HOST:PORT" */
	int			(*accepts) (const char *to);	/* does --to name this kind? */
	const SinkFlag *flags;		/* its own flags, ending with {NULL, 0} */
	const char *help;			/* their --help lines, or "" */
	void	   *(*options_new) (const char *to);	/* NULL: out of memory */
	/* One of its flags: 0, or -1 with a one-line error. */
	int			(*option) (void *options, const char *flag, const char *value,
						   char *error, size_t size);
	/* After every flag: 0, or -1 with a one-line error. */
	int			(*finish) (void *options, const SinkCommon *common, char *error, size_t size);
	/* NULL with error and *status set when the sink cannot be used. */
	Sink	   *(*open) (const void *options, const SinkCommon *common, const SinkSource *source,
						 char *error, size_t size, int *status);
	void		(*options_free) (void *options);
} SinkType;

/* Every kind, NULL-terminated, in the order --help lists them. */
extern const SinkType *const sink_types[];

/* The kind --to names, or NULL. */
extern const SinkType *sink_type_for(const char *to);

/* The kind whose flag this is ("subject"), or NULL. */
extern const SinkType *sink_type_with_flag(const char *name, const SinkFlag **flag);

/*
 * Open a sink of that kind, and find the newest message of ours it already
 * holds (have_tail, tail) so that a restart skips what is stored. NULL
 * with error and *status set when it cannot be used.
 */
extern Sink *sink_open(const SinkType *type, const void *options, const SinkCommon *common,
					   const SinkSource *source, SinkAckFn on_ack, void *ack_ctx,
					   char *error, size_t error_size, int *status);

/* The kinds (each sink's own file). */
extern const SinkType sink_type_jetstream;
extern const SinkType sink_type_file;
extern const SinkType sink_type_stdout;

/*
 * file_resume.c: in a file the file sink appends to, truncate a last record
 * cut short by a crash and find the last complete one (*have_tail, *tail).
 * 0, or -1 with error set when the file is not such a file.
 */
extern int	sink_file_resume(int fd, const char *path, PayloadFormat format,
							 int *have_tail, MsgKey *tail, char *error, size_t error_size);

#endif							/* WAL2EVENTS_SINK_H */
