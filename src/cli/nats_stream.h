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

typedef struct StreamSetup
{
	char		name[256];
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
 * Nats-Msg-Id is one of our ids (msg_id_parse) with our system identifier
 * and its W2e-Database header is our database. 0, or -1 with error set when
 * the hub could not be asked (retry later).
 */
extern int	nats_stream_tail(jsCtx *js, const char *stream, const SinkSource *source,
							 StreamTail *tail, char *error, size_t error_size);

#endif							/* WAL2EVENTS_NATS_STREAM_H */
