/*
 * sink_nats.h
 *    Inside the NATS JetStream sink (shared by sink_nats.c, nats_acks.c and
 *    nats_message.c; the rest of the program sees only sink.h).
 *
 * Ordering and loss. Every message is published asynchronously with
 * Nats-Msg-Id (its event id, so JetStream drops a redelivery inside the
 * stream's duplicate window) and Nats-Expected-Last-Msg-Id set to the id of
 * the message sent before it: JetStream stores a message only right after
 * its predecessor, so the stream always holds a gap-free prefix of the
 * slot's events, in commit order, even when the hub drops a message, the
 * connection breaks mid-flight, or the shipper is killed. Consequences:
 *  - an acknowledgement of a message proves every message before it stored;
 *  - after a failure, every later message fails too ("wrong last msg ID");
 *    recovery waits until nothing is pending, reads the stream's newest
 *    message, counts everything up to it as stored and sends the rest again
 *    in order;
 *  - at start, the newest message in the stream says exactly where to
 *    resume, whatever the duplicate window.
 * This needs the stream to have one writer: the shipper of one database.
 */
#ifndef WAL2EVENTS_SINK_NATS_H
#define WAL2EVENTS_SINK_NATS_H

#include <pthread.h>

#include <nats/nats.h>

#include "nats_stream.h"
#include "sink.h"

#define NO_TICKET UINT64_MAX

typedef enum EntryState
{
	ENTRY_PENDING,				/* sent, waiting for the acknowledgement */
	ENTRY_ACKED,				/* stored */
	ENTRY_FAILED				/* not stored (yet): to send again */
} EntryState;

/* One message sent and not yet popped, in publish order. */
typedef struct Entry
{
	uint64_t	ticket;			/* the event's ticket; NO_TICKET for a claim chunk */
	MsgKey		key;
	char		id[MSG_ID_MAX];
	natsMsg    *msg;			/* kept while FAILED, to send again */
	size_t		size;
	EntryState	state;
} Entry;

/* What the acknowledgement thread tells the main thread. */
typedef struct AckNote
{
	char		id[MSG_ID_MAX];
	int			ok;
	int			duplicate;
	int			forgot_last;	/* "wrong last msg ID: " and nothing: the server lost track */
	natsMsg    *msg;			/* on failure: the message, for a retry */
	char		reason[200];
} AckNote;

typedef struct AckQueue
{
	pthread_mutex_t lock;
	AckNote    *notes;
	size_t		count;
	size_t		cap;
	int			lost;			/* a note could not be queued (out of memory) */
	int			wake[2];		/* pipe: a byte when notes arrive */
} AckQueue;

typedef struct NatsSink
{
	Sink		base;
	const ShipOptions *opts;
	SinkSource	source;			/* database: the header form, as stored */
	char		database[400];	/* W2e-Database: percent-encoded */
	char		system_identifier[24];	/* W2e-System-Identifier */
	char	   *route_template;	/* the last route subject template checked */

	natsOptions *nopts;
	natsConnection *nc;
	jsCtx	   *js;
	jsPubOptions pubopts;
	StreamSetup stream;
	int64_t		payload_limit;	/* headers + data of one message */

	AckQueue	queue;

	Entry	   *ring;			/* in flight, publish order */
	size_t		head;
	size_t		count;
	size_t		cap;
	int64_t		inflight_bytes;
	size_t		acked_prefix;	/* leading entries known stored */
	size_t		ack_hint;		/* where the last acknowledged entry was */

	int			have_chain;		/* chain_id: the message the next one follows */
	char		chain_id[MSG_ID_MAX];
	int			forgot_last;
	int			have_start_tail;	/* claim chunks already stored at start */
	MsgKey		start_tail;

	int			recovering;
	volatile int closing;		/* read by nats.c's thread */
	int64_t		retry_at;
	Backoff		backoff;

	W2eBuffer	subject;
	W2eBuffer	claim_subject;
	W2eBuffer	scratch;
} NatsSink;

/* nats_acks.c */
extern int	ack_queue_init(AckQueue *q);
extern void ack_queue_free(AckQueue *q);
extern void nats_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure);
extern int	nats_take_acks(NatsSink *ns);	/* 0, or -1 when a note was lost */
extern Entry *nats_entry_push(NatsSink *ns);
extern Entry *nats_entry_at(NatsSink *ns, size_t i);
extern void nats_pop_stored(NatsSink *ns);
extern void nats_mark_stored(NatsSink *ns, const MsgKey *through);
extern int	nats_any_pending(NatsSink *ns);

/* nats_message.c */
extern const char *nats_header_value(NatsSink *ns, const char *value);
extern int	nats_publish_event(NatsSink *ns, const Envelope *ev, uint64_t ticket);
extern int	nats_send(NatsSink *ns, Entry *e, natsMsg *msg);

/* sink_nats.c */
extern void nats_enter_recovery(NatsSink *ns, const char *reason);

#endif							/* WAL2EVENTS_SINK_NATS_H */
