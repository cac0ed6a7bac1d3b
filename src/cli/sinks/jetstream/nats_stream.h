/*
 * nats_stream.h
 *    The JetStream stream behind the NATS sink: find, create or check it at
 *    start, read its newest message, and scan it for one source's messages
 *    (where a restarted or recovering shipper resumes).
 */
#ifndef WAL2EVENTS_NATS_STREAM_H
#define WAL2EVENTS_NATS_STREAM_H

#include <nats/nats.h>

#include "jetstream_options.h"
#include "sink.h"

#define STREAM_MAX_SUBJECTS 16

typedef struct StreamSetup
{
	char		name[256];
	char		subjects[STREAM_MAX_SUBJECTS][256]; /* its subject filters */
	int			n_subjects;
	int64_t		max_msg_size;	/* the stream's limit, or -1 */
	int64_t		dup_window_ms;
	int64_t		created;		/* creation time (ns): tells a stream made again */
	int			replicas;
} StreamSetup;

/*
 * The stream that stores the template's subjects: --stream NAME (must
 * exist and cover them), --create-stream NAME (created if missing), or the
 * one whose subjects cover them. 0, or -1 with a one-line error.
 */
extern int	nats_stream_setup(jsCtx *js, const JetStreamOptions *opts, StreamSetup *setup,
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
 * Read the stream's newest message and say whose it is: ours when it was
 * written by a shipper of before W2e-Source (that header missing) with our
 * W2e-System-Identifier and W2e-Database; then its key comes from
 * W2e-Commit-Lsn, W2e-Position and W2e-Claim-Chunk. 0, or -1 with error set
 * when the hub could not be asked (retry later). Used once, on the first
 * start against a stream an older shipper wrote.
 */
extern int	nats_stream_tail(jsCtx *js, const char *stream, const SinkSource *source,
							 StreamTail *tail, char *error, size_t error_size);

/* A message's place in the log, from its headers: 0, or -1 when it has none. */
extern int	nats_stream_message_key(natsMsg *msg, MsgKey *key);

/* One message of ours found in the stream: its place in the log, its sequence. */
typedef struct StoredKey
{
	MsgKey		key;
	uint64_t	seq;
} StoredKey;

/* Messages of ours found by a scan, sorted by key. */
typedef struct StoredKeys
{
	StoredKey  *keys;
	size_t		count;
	size_t		cap;
	size_t		next;			/* cursor of stored_keys_take() */
} StoredKeys;

/*
 * Read the stream's messages from sequence from up to its last one now,
 * headers only, and keep the keys of those whose W2e-Source header is
 * source (replacing found's content). *last_seq: the stream's last
 * sequence when the scan began (0 when empty). 0, or -1 with error set
 * when the hub could not be asked.
 */
extern int	nats_stream_scan(jsCtx *js, const char *stream, uint64_t from, const char *source,
							 StoredKeys *found, uint64_t *last_seq, char *error, size_t error_size);

/* The found message with this key, or NULL (binary search). */
extern const StoredKey *stored_keys_find(const StoredKeys *found, const MsgKey *key);

/*
 * Keys come in increasing order: the found message with this key, or NULL,
 * moving the cursor past every key before it.
 */
extern const StoredKey *stored_keys_take(StoredKeys *found, const MsgKey *key);

extern void stored_keys_free(StoredKeys *found);

#endif							/* WAL2EVENTS_NATS_STREAM_H */
