/*
 * nats_sink_state.h
 *    Inside the NATS JetStream sink: its state, shared by the files that
 *    act on it, which depend on each other one way only:
 *      sink_nats.c      the SinkOps: start-up, the window, recovery
 *        -> nats_message.c   an event as messages (subject, headers, claims)
 *        -> nats_position.c  the source's high-water mark
 *        -> nats_acks.c      the messages in flight and their acknowledgements
 *    The rest of the program sees only sink.h.
 *
 * Several shippers may write one stream (other databases, other slots), so
 * nothing here may assume the stream's newest message is ours. What holds:
 *  - Every message carries Nats-Msg-Id (its event id: JetStream drops a
 *    message sent again inside the duplicate window) and W2e-Source (who
 *    sent it: system identifier, database, slot).
 *  - Messages go out in key order on one connection, and nats-server
 *    stores the messages of one connection in the order they come, so as
 *    long as nothing is lost in the hub our events are stored in commit
 *    order.
 *  - Each message's fate is known before anything is confirmed: an
 *    acknowledgement says stored (and at which stream sequence) or
 *    rejected; a message whose answer never comes (connection lost, no
 *    acknowledgement within --ack-timeout) is looked up in the stream by a
 *    bounded scan (nats_scan.c) from before the oldest such message: each
 *    message remembers the highest stream sequence seen when it was sent
 *    (its floor), and if stored it lies above.
 *  - Not every message asks for an acknowledgement. While this shipper
 *    seems to be the stream's only writer, one in ACK_EVERY asks (and the
 *    newest one whenever the main loop waits); an acknowledgement at stream
 *    sequence S of the message sent n messages after one known stored at
 *    sequence R proves the n - 1 between stored exactly when S - R = n.
 *    When that count is off (another writer's messages in between, or one
 *    of ours dropped), the messages between are looked up by the scan and
 *    from then on every message asks (dense acknowledgements).
 *  - A rejection retrying cannot cure (message too large for the stream,
 *    stream full with discard new) stops the shipper (status 4) naming the
 *    event; any other failure holds new events, waits until nothing is
 *    pending, scans, and sends what is not stored again, in order. A
 *    message resent after later ones of its source were stored (only when
 *    the hub lost it alone: a leader change in a cluster) is stored after
 *    them.
 *  - The high-water mark (nats_position.c) of the source, written to a
 *    key-value bucket about once a second, bounds the scan at start.
 *
 * Messages go out on a connection of our own (nats_wire.h); nats.c's
 * connection is kept for the JetStream API (stream setup, scans, the
 * key-value bucket). In a cluster both follow the servers (nats_failover.c).
 */
#ifndef WAL2EVENTS_NATS_SINK_STATE_H
#define WAL2EVENTS_NATS_SINK_STATE_H

#include <pthread.h>

#include <nats/nats.h>

#include "jetstream_options.h"
#include "nats_stream.h"
#include "nats_wire.h"
#include "sink.h"

#define NO_TICKET UINT64_MAX
#define NATS_CONNECT_TIMEOUT_MS 3000
#define ACK_EVERY 64			/* a message in this many asks for an acknowledgement */

typedef enum EntryState
{
	ENTRY_PENDING,				/* sent, answer awaited */
	ENTRY_ACKED,				/* stored */
	ENTRY_FAILED				/* rejected, or fate unknown: recovery scans, then sends again */
} EntryState;

/*
 * One message sent and not yet popped, in publish order. Its bytes stay
 * until it is stored, to be sent again: buf holds the subject, then the
 * header lines, then the body.
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
	uint64_t	sent_no;		/* the how-manieth message written (0: never written) */
	uint64_t	floor;			/* stored, its sequence is above this */
	uint64_t	seq;			/* stored: its stream sequence */
} Entry;

/* How far one source's events are stored (see nats_position.c). */
typedef struct HighWater
{
	int			have_key;
	MsgKey		key;			/* every event up to it is stored */
	uint64_t	scan_from;		/* every later one stored has a sequence above */
} HighWater;

/* The thread that writes the high-water mark (nats_mark_writer.c). */
typedef struct MarkWriter
{
	int			started;
	pthread_t	thread;
	pthread_mutex_t lock;		/* guards the fields below */
	pthread_cond_t wake;		/* a mark handed over, or stop */
	pthread_cond_t idle;		/* a mark taken, written or failed */
	HighWater	want;			/* the newest mark handed over */
	uint64_t	handed;			/* marks handed over so far */
	uint64_t	taken;			/* of those, the last one the thread took */
	int			busy;			/* writing */
	HighWater	written;		/* the mark last written */
	int			have_error;		/* a write failed since the last report */
	char		error[300];
	int			stop;
} MarkWriter;

typedef struct NatsSink
{
	Sink		base;
	const JetStreamOptions *opts;
	SinkCommon	common;
	SinkSource	source;			/* database: the header form, as stored */
	char		source_id[900]; /* W2e-Source */
	char		position_key[1700]; /* its high-water mark's key */
	kvStore    *kv;
	HighWater	written;		/* the mark last written (as last reported by mark) */
	MarkWriter	mark;
	HighWater	stored;			/* the mark now: key of the newest popped entry */
	int64_t		mark_due;		/* when to write the mark next */
	StoredKeys	found;			/* ours already in the stream at start, after the tail */
	char		database[400];	/* W2e-Database: percent-encoded */
	char		system_identifier[24];	/* W2e-System-Identifier */
	char	   *route_template;	/* the last route subject template checked */
	W2eBuffer	common_headers; /* W2e-Database, W2e-System-Identifier and W2e-Source lines */
	uint64_t	lsn_text_of;	/* lsn_text is W2e-Commit-Lsn for this LSN (0: none yet) */
	char		lsn_text[W2E_LSN_MAX];
	size_t		lsn_text_len;

	natsOptions *nopts;
	natsConnection *nc;			/* nats.c: the JetStream API */
	jsCtx	   *js;
	StreamSetup stream;
	int64_t		payload_limit;	/* headers + data of one message */

	NatsWire	wire;			/* messages and their acknowledgements */
	char		wire_url[1024]; /* its server */
	int64_t		ping_due;		/* its next PING (nats_failover.c) */
	int			moving;			/* its server is a lame duck: move once nothing is pending */
	int			stalled;		/* an acknowledgement is late: no new events for now */
	char		ldm_url[1024];	/* that server, avoided until nats.c has left it too */
	uint64_t	ack_every;

	Entry	   *ring;			/* in flight, publish order */
	size_t		head;
	size_t		count;
	size_t		cap;
	uint64_t	popped;			/* entries popped so far: entry i is number popped + i */
	int64_t		inflight_bytes;

	/* the newest message sent, not yet written: it asks for an acknowledgement if it stays the newest */
	int			deferred;
	uint64_t	deferred_num;	/* its number (see popped) */
	uint64_t	unasked;		/* messages written since the last that asked */

	uint64_t	sent_count;		/* messages written so far */
	uint64_t	max_seen;		/* highest stream sequence known (acks, scans) */
	int			dense;			/* every message asks for an acknowledgement */
	int			have_ref;		/* ref: the newest message known stored on this connection */
	uint64_t	ref_sent;		/* its sent_no */
	uint64_t	ref_seq;		/* its sequence */

	int			have_start_tail;	/* claim chunks already stored at start */
	MsgKey		start_tail;

	int			recovering;
	int			stop;			/* a rejection retrying cannot cure: base.error says it */
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
extern int	nats_any_pending(NatsSink *ns);
extern void nats_read_acks(NatsSink *ns);
extern void nats_check_timeouts(NatsSink *ns, int64_t now);
extern int64_t nats_ack_deadline(NatsSink *ns);	/* the oldest acknowledgement's, or 0 */
extern void nats_connection_lost(NatsSink *ns, const char *reason);
extern uint64_t nats_scan_floor(NatsSink *ns);	/* the lowest floor of the entries in flight */
/* Hold new events until recover() (sink_nats.c) finds what is stored. */
extern void nats_enter_recovery(NatsSink *ns, const char *reason);

/* nats_position.c */
extern void nats_position_names(NatsSink *ns, const SinkSource *source);
extern int	nats_position_open(NatsSink *ns, char *error, size_t size);
extern int	nats_position_read(NatsSink *ns, HighWater *hw, char *error, size_t size);
extern int	nats_position_write(NatsSink *ns, const HighWater *hw, char *error, size_t size);

/* nats_mark_writer.c */
extern int	nats_mark_start(NatsSink *ns, char *error, size_t size);
extern void nats_mark_hand(NatsSink *ns, const HighWater *hw);
extern void nats_mark_report(NatsSink *ns);
extern void nats_mark_stop(NatsSink *ns, int wait_ms);

/* nats_message.c */
extern const char *nats_header_value(NatsSink *ns, const char *value);
extern int	nats_publish_event(NatsSink *ns, const Envelope *ev, uint64_t ticket);
extern int	nats_send(NatsSink *ns, Entry *e);
extern int	nats_write_deferred(NatsSink *ns, int last);

/* nats_failover.c */
extern int	nats_wire_open(NatsSink *ns, char *error, size_t size);
extern void nats_failover_poll(NatsSink *ns, int64_t now);
extern int64_t nats_failover_deadline(NatsSink *ns, int64_t now);	/* ms until due, or -1 */

#endif							/* WAL2EVENTS_NATS_SINK_STATE_H */
