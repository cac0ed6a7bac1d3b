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
 *
 * The same rule lets most messages go without asking for an
 * acknowledgement: a message asks for one (gets a reply subject) when it
 * is the ACK_EVERY-th since the last that asked, or the last sent before
 * the main loop waits (the newest message in flight always asks). Its
 * acknowledgement settles it and everything before it; its failure (or no
 * answer within --ack-timeout) marks it and every earlier message not yet
 * known stored as failed, and recovery sorts out, from the stream's newest
 * message, which of them are stored. Every acknowledgement costs
 * nats-server about as much CPU as storing the message.
 *
 * Messages go out on a connection of our own (nats_wire.h); nats.c's
 * connection is kept for the JetStream API (stream setup, the stream's
 * newest message).
 */
#ifndef WAL2EVENTS_SINK_NATS_H
#define WAL2EVENTS_SINK_NATS_H

#include <nats/nats.h>

#include "nats_stream.h"
#include "nats_wire.h"
#include "sink.h"

#define NO_TICKET UINT64_MAX
#define ACK_EVERY 64			/* a message in this many asks for an acknowledgement */

typedef enum EntryState
{
	ENTRY_PENDING,				/* sent, not known stored */
	ENTRY_ACKED,				/* stored */
	ENTRY_FAILED				/* not stored (yet): to send again */
} EntryState;

/*
 * One message sent and not yet popped, in publish order. Its bytes stay
 * until it is stored, to be sent again: buf holds the subject, then the
 * header lines (all but Nats-Expected-Last-Msg-Id, which depends on what
 * the stream holds when it is sent), then the body.
 */
typedef struct Entry
{
	uint64_t	ticket;			/* the event's ticket; NO_TICKET for a claim chunk */
	MsgKey		key;
	char	   *buf;			/* subject, header lines, body */
	size_t		len;
	size_t		cap;
	size_t		subject_len;
	size_t		headers_len;
	size_t		id_off;			/* its Nats-Msg-Id, inside the header lines */
	size_t		id_len;
	size_t		size;			/* body bytes, for --max-inflight-bytes */
	int64_t		deadline;		/* asked for an acknowledgement: by when; else 0 */
	EntryState	state;
} Entry;

typedef struct NatsSink
{
	Sink		base;
	const ShipOptions *opts;
	SinkSource	source;			/* database: the header form, as stored */
	char		database[400];	/* W2e-Database: percent-encoded */
	char		system_identifier[24];	/* W2e-System-Identifier */
	char	   *route_template;	/* the last route subject template checked */
	W2eBuffer	common_headers; /* W2e-Database and W2e-System-Identifier lines */
	uint64_t	lsn_text_of;	/* lsn_text is W2e-Commit-Lsn for this LSN (0: none yet) */
	char		lsn_text[W2E_LSN_MAX];
	size_t		lsn_text_len;

	natsOptions *nopts;
	natsConnection *nc;			/* nats.c: the JetStream API */
	jsCtx	   *js;
	StreamSetup stream;
	int64_t		payload_limit;	/* headers + data of one message */

	NatsWire	wire;			/* messages and their acknowledgements */
	uint64_t	ack_every;

	Entry	   *ring;			/* in flight, publish order */
	size_t		head;
	size_t		count;
	size_t		cap;
	uint64_t	popped;			/* entries popped so far: entry i is number popped + i */
	int64_t		inflight_bytes;
	size_t		acked_prefix;	/* leading entries known stored */

	/* the newest message sent, not yet written: it asks for an acknowledgement if it stays the newest */
	int			deferred;
	uint64_t	deferred_num;	/* its number (see popped) */
	int			deferred_expects;
	char		deferred_expect[MSG_ID_MAX];
	uint64_t	unasked;		/* messages written since the last that asked */

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
extern Entry *nats_entry_push(NatsSink *ns);
extern Entry *nats_entry_at(NatsSink *ns, size_t i);
extern void nats_entries_free(NatsSink *ns);
extern void nats_pop_stored(NatsSink *ns);
extern void nats_mark_stored(NatsSink *ns, const MsgKey *through);
extern int	nats_any_pending(NatsSink *ns);
extern void nats_read_acks(NatsSink *ns);
extern void nats_check_timeouts(NatsSink *ns, int64_t now);
extern int64_t nats_ack_deadline(NatsSink *ns);	/* the oldest acknowledgement's, or 0 */
extern void nats_connection_lost(NatsSink *ns, const char *reason);

/* nats_message.c */
extern const char *nats_header_value(NatsSink *ns, const char *value);
extern int	nats_publish_event(NatsSink *ns, const Envelope *ev, uint64_t ticket);
extern int	nats_send(NatsSink *ns, Entry *e);
extern int	nats_write_deferred(NatsSink *ns, int last);

/* sink_nats.c */
extern void nats_enter_recovery(NatsSink *ns, const char *reason);

#endif							/* WAL2EVENTS_SINK_NATS_H */
