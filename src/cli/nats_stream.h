/*
 * nats_stream.h
 *    The JetStream stream behind the NATS sink: find, create or check it at
 *    start, and read its newest message (where a restarted or recovering
 *    shipper resumes).
 */
#ifndef WAL2EVENTS_NATS_STREAM_H
#define WAL2EVENTS_NATS_STREAM_H

#include <nats/nats.h>

#include "ship.h"
#include "sink.h"

#define STREAM_MAX_SUBJECTS 16

typedef struct StreamSetup
{
	char		name[256];
	char		subjects[STREAM_MAX_SUBJECTS][256]; /* its subject filters */
	int			n_subjects;
	int64_t		max_msg_size;	/* the stream's limit, or -1 */
	int64_t		dup_window_ms;
} StreamSetup;

/*
 * The stream that stores the template's subjects: --stream NAME (must
 * exist and cover them), --create-stream NAME (created if missing), or the
 * one whose subjects cover them. 0, or -1 with a one-line error.
 */
extern int	nats_stream_setup(jsCtx *js, const ShipOptions *opts, StreamSetup *setup,
							  char *error, size_t error_size);

/* 1 when one of the stream's subject filters covers pattern. */
extern int	nats_stream_covers(const StreamSetup *setup, const char *pattern);

typedef enum TailState
{
	TAIL_EMPTY,					/* the stream holds no message */
	TAIL_OURS,					/* newest message is ours: key and id set */
	TAIL_FOREIGN				/* newest message was written by someone else */
} TailState;

typedef struct StreamTail
{
	TailState	state;
	MsgKey		key;
	char		id[MSG_ID_MAX];	/* its Nats-Msg-Id (cut if not ours) */
	uint64_t	seq;
} StreamTail;

/*
 * Read the stream's newest message and say whose it is: ours when its
 * W2e-System-Identifier and W2e-Database headers are ours; then its key
 * comes from W2e-Commit-Lsn, W2e-Position and W2e-Claim-Chunk. 0, or -1
 * with error set when the hub could not be asked (retry later).
 */
extern int	nats_stream_tail(jsCtx *js, const char *stream, const SinkSource *source,
							 StreamTail *tail, char *error, size_t error_size);

#endif							/* WAL2EVENTS_NATS_STREAM_H */
