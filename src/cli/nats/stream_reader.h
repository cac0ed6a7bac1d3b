/*
 * stream_reader.h
 *    Reading a JetStream stream that `wal2events ship` writes: an ordered
 *    consumer on the stream (every subject, or a filter), in stream order,
 *    with claim checks resolved, so that every event comes back whole.
 *
 * Used by `wal2events consume` and by the ship test suite's js_dump. Knows
 * nats.c and libwal2events, nothing of the shipper.
 *
 * Claim checks (see nats_message.c): an event too large for one message is
 * stored as chunks on "<subject>.claim" (W2e-Claim-Of, W2e-Claim-Chunk
 * "<n>/<count>") right before the event message, which has an empty body
 * and W2e-Claim-Chunks, W2e-Claim-Size. When the consumer's subjects
 * include the chunks, they are collected as they arrive; when they do not
 * (a filter such as "shop.orders.*"), they are read by stream sequence: the
 * W2e-Claim-Chunks messages stored right before the event.
 */
#ifndef WAL2EVENTS_STREAM_READER_H
#define WAL2EVENTS_STREAM_READER_H

#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#include "cli.h"
#include "nats_auth.h"

typedef struct StreamReaderOptions
{
	const char *url;			/* nats://HOST:PORT, when auth is NULL */
	const NatsAuth *auth;		/* the server and its credentials; NULL: url's */
	const char *stream;
	const char *filter;			/* subject filter; NULL: every subject */
	int			deliver_new;	/* only messages stored from now on */
	int			chunks;			/* also return claim-check chunks (js_dump) */
	int			reconnect_forever;	/* else give up after about 10 s */

	/*
	 * `wal2events lake`: instead of an ordered consumer, the durable
	 * consumer of this name (stream_durable.c), delivering from start_seq
	 * (0: the stream's first message), acknowledged by
	 * stream_reader_ack() (every message up to the one acknowledged);
	 * ack_wait_ms: how long a delivered message may stay unacknowledged.
	 */
	const char *durable;
	uint64_t	start_seq;
	int64_t		ack_wait_ms;
	int64_t		max_ack_pending;	/* delivered, not yet acknowledged, at most */
	int		   *durable_in_use;	/* set to 1 when refused: another reader holds it */
	void		(*log) (const char *message);	/* connection lost / back; NULL: quiet */
} StreamReaderOptions;

/* One stored message; valid until the next stream_reader_next(). */
typedef struct StreamMessage
{
	natsMsg    *msg;			/* as stored (subject, headers, raw body) */
	uint64_t	seq;			/* stream sequence */
	uint64_t	pending;		/* messages of the consumer stored after it, when delivered */
	int64_t		stored_ns;		/* when the stream stored it (ns since 1970) */
	const char *id;				/* Nats-Msg-Id, or NULL */
	int			is_chunk;		/* a claim-check chunk (only with opts.chunks) */
	int			claim_chunks;	/* > 0: an event whose body came from this many chunks */
	const uint8_t *body;		/* an event's envelope bytes, claim check resolved */
	size_t		body_len;
	char		claim_error[300];	/* not empty: the claim check did not resolve */
} StreamMessage;

typedef struct StreamReader StreamReader;

/*
 * Connect, check JetStream and the stream, and start the consumer. NULL with
 * a one-line error (naming the problem and the fix) in error; every such
 * failure is the hub's (exit status CLI_EXIT_HUB).
 */
extern StreamReader *stream_reader_open(const StreamReaderOptions *opts,
										char *error, size_t error_size);

/*
 * The next message, waiting at most timeout_ms. 1: *m is set; 0: none came
 * in time; -1: the connection is gone for good or out of memory (error
 * set). Chunks are collected, and returned only with opts.chunks.
 */
extern int	stream_reader_next(StreamReader *r, int64_t timeout_ms, StreamMessage *m,
							   char *error, size_t error_size);

/*
 * 1 when every message stored so far for the consumer has been returned
 * (asks the server unless the last message said nothing was pending).
 */
extern int	stream_reader_drained(StreamReader *r);

extern void stream_reader_close(StreamReader *r);

/*
 * With a durable consumer: acknowledge the message whose reply subject
 * this is (stream_message_reply) and every one before it. 0, or -1.
 */
extern int	stream_reader_ack(StreamReader *r, const char *reply);
extern const char *stream_message_reply(const StreamMessage *m);

/*
 * stream_durable.c: the durable consumer, made anew to deliver from
 * start_seq (a crashed writer left messages delivered but not stored).
 * Only for streams with limits retention, where deleting a consumer
 * deletes no message. A consumer still bound to a live subscriber
 * (another writer's) is left alone: -2 with error saying so. 0, or -1
 * with a one-line error.
 */
extern int	stream_durable_prepare(jsCtx *js, const char *stream, const char *durable,
								   uint64_t start_seq, int64_t ack_wait_ms,
								   int64_t max_ack_pending, char *error, size_t size);

typedef enum StreamPayload
{
	STREAM_PAYLOAD_AUTO,		/* by Content-Type; protobuf without one */
	STREAM_PAYLOAD_PROTOBUF,
	STREAM_PAYLOAD_JSON
} StreamPayload;

/*
 * An event message's envelope (or a transaction message's Transaction) as one JSON line appended to out (no
 * newline). 0, or -1 with why in error (a claim check that does not
 * resolve, a body that is not an EventEnvelope, an unknown Content-Type).
 */
extern int	stream_message_json(const StreamMessage *m, StreamPayload payload,
								W2eBuffer *out, char *error, size_t error_size);

/*
 * `ship --unit transaction` messages: the body is a whole Transaction (one
 * chunk), Content-Type STREAM_TRANSACTION_TYPE. stream_message_json()
 * renders it as w2e_transaction_to_json() does (one line for the whole
 * transaction); stream_message_transaction() parses it (free it with
 * w2e_transaction_free(txn, NULL)), NULL with why in error.
 */
#define STREAM_TRANSACTION_TYPE "application/x-protobuf; proto=wal2events.v1.Transaction"
extern int	stream_message_is_transaction(const StreamMessage *m);
extern W2eTransaction *stream_message_transaction(const StreamMessage *m, char *error,
												  size_t error_size);

/* A header's value, or NULL. */
extern const char *stream_header(natsMsg *msg, const char *key);

/* The stream's subjects, comma-separated (shared with nats_stream.c). */
extern void stream_list_subjects(const jsStreamConfig *cfg, char *out, size_t size);

#endif							/* WAL2EVENTS_STREAM_READER_H */
