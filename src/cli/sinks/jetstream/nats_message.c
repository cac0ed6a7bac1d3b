/*
 * nats_message.c
 *    One event as JetStream messages: its subject, its headers, and when it
 *    is larger than the hub takes in one message, its claim check.
 *
 * Subject: the event's route subject template when it has one
 * (Event.subject), else --subject, rendered by subject.c. With --unit
 * transaction a message is a whole Transaction (txn_message.c): --subject
 * ({database} its only token), Content-Type
 * application/x-protobuf; proto=wal2events.v1.Transaction, no W2e-Type or
 * W2e-Partition-Key, and W2e-Position is the chunk index. A route template
 * is checked the first time it is seen: an invalid one, or one whose
 * subjects the stream does not store, stops the shipper with an error
 * rather than publish where nothing listens.
 *
 * Headers of an event message (values of W2e-Type, W2e-Partition-Key and
 * W2e-Database are percent-encoded: '%' and control characters as %XX; a
 * W2e-Type or W2e-Partition-Key value longer than W2E_HEADER_VALUE_MAX,
 * 256 bytes, encoded, is shortened: its first bytes, '~' and the hash of
 * the whole value, see wal2events.h; the envelope has the whole value):
 *   Nats-Msg-Id                the event id (an outbox row's own id when it
 *                              has one of at most 200 bytes)
 *   Content-Type               application/x-protobuf; proto=wal2events.v1.EventEnvelope
 *                              or application/json
 *   W2e-Type, W2e-Partition-Key, W2e-Commit-Lsn ("0/16B3F28"), W2e-Position,
 *   W2e-Xid, W2e-Database, W2e-System-Identifier, W2e-Source (who sent it,
 *   see nats_position.c)
 *
 * Claim check: an envelope that does not fit (with its headers) under the
 * smaller of the server's max_payload and the stream's max message size is
 * cut into chunks published first, in order, on "<subject>.claim", each
 * with Nats-Msg-Id "<event id>/claim/<n>", W2e-Claim-Of (the event id),
 * W2e-Claim-Chunk ("<n>/<count>") and the event's W2e-Commit-Lsn,
 * W2e-Position, W2e-Database, W2e-System-Identifier and W2e-Source. The
 * event message then has an empty body and W2e-Claim-Chunks, W2e-Claim-Size
 * (bytes of the whole envelope) and W2e-Claim-Subject. The chunks are
 * stored before the event, in order; in a stream only this source writes,
 * right before it; the body is their payloads joined.
 *
 * Header values never hold CR or LF (replaced by a space, as nats.c does).
 * A message is built once into its entry (subject, header lines, body) and
 * written from there, again after a failure.
 *
 * At start, the messages of ours the stream already holds after the tail
 * (found by the scan) are not sent again: their entries are stored from the
 * outset.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_sink_state.h"
#include "nats_header.h"
#include "subject.h"

#define HEADER_ROOM 1024		/* bytes kept for a chunk's headers */
#define CONTENT_TYPE_PROTOBUF "application/x-protobuf; proto=wal2events.v1.EventEnvelope"
#define CONTENT_TYPE_JSON "application/json"
#define CONTENT_TYPE_TRANSACTION "application/x-protobuf; proto=wal2events.v1.Transaction"

/* value with '%' and control characters as %XX, into scratch. */
const char *
nats_header_value(NatsSink *ns, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	W2eBuffer  *out = &ns->scratch;

	w2e_buffer_reset(out);
	for (; value != NULL && *value != '\0'; value++)
	{
		unsigned char c = (unsigned char) *value;
		char		esc[3] = {'%', hex[c >> 4], hex[c & 15]};

		if ((c < 0x20 || c == 0x7F || c == '%') ? w2e_buffer_append(out, esc, 3) != 0
			: w2e_buffer_append(out, value, 1) != 0)
			return "";
	}
	return out->data;
}

/* Room for n more bytes in e's buffer. */
static int
entry_reserve(Entry *e, size_t n)
{
	size_t		cap;
	char	   *grown;

	if (e->len + n <= e->cap)
		return 0;
	cap = e->cap < 1024 ? 1024 : e->cap;
	while (cap < e->len + n)
		cap *= 2;
	grown = realloc(e->buf, cap);
	if (grown == NULL)
		return -1;
	e->buf = grown;
	e->cap = cap;
	return 0;
}

#define PUT_ENCODED(p, key, value) nats_put_header_encoded((p), key ": ", sizeof(key ": ") - 1, (value))

/* Where the message sits in the log: what classify() in nats_stream.c reads back. */
static char *
put_position_headers(NatsSink *ns, char *p, const Envelope *ev)
{
	if (ns->lsn_text_of != ev->env.commit_lsn || ns->lsn_text_len == 0)
	{
		w2e_lsn_format(ns->lsn_text, ev->env.commit_lsn);
		ns->lsn_text_len = strlen(ns->lsn_text);
		ns->lsn_text_of = ev->env.commit_lsn;
	}
	p = PUT_HEADER(p, "W2e-Commit-Lsn", ns->lsn_text, ns->lsn_text_len);
	p = PUT_LIT(p, "W2e-Position: ");
	p += ship_put_decimal(p, (uint32_t) ev->env.position);
	p = PUT_LIT(p, "\r\n");
	return nats_put(p, ns->common_headers.data, ns->common_headers.len);
}

/* Room for the position headers. */
static size_t
position_headers_room(NatsSink *ns)
{
	return 100 + W2E_LSN_MAX + ns->common_headers.len;
}

/* The id the hub deduplicates on: the event id, unless an outbox id is too long. */
static const char *
event_msg_id(const Envelope *ev, size_t *len)
{
	*len = strlen(ev->env.id);
	if (*len <= EVENT_ID_HEADER_MAX)
		return ev->env.id;
	*len = strlen(ev->id);
	return ev->id;
}

/* Nats-Msg-Id, first: the entry remembers where its value is. */
static char *
put_msg_id(Entry *e, char *p, const char *id, size_t len)
{
	e->id_off = (size_t) (p - e->buf) + sizeof("Nats-Msg-Id: ") - 1;
	e->id_len = len;
	return PUT_HEADER(p, "Nats-Msg-Id", id, len);
}

/* Room for a W2e-Type or W2e-Partition-Key value: encoding triples a byte at most. */
static size_t
encoded_room(const char *value)
{
	size_t		room = value != NULL ? 3 * strlen(value) : 0;

	return room < W2E_HEADER_VALUE_MAX ? room : W2E_HEADER_VALUE_MAX;
}

/* Room for the event headers. */
static size_t
event_headers_room(NatsSink *ns, const Envelope *ev, size_t id_len)
{
	return 200 + sizeof(CONTENT_TYPE_PROTOBUF) + id_len + encoded_room(ev->env.type) +
		encoded_room(ev->env.partition_key) + position_headers_room(ns);
}

/*
 * --unit transaction: no W2e-Type or W2e-Partition-Key (a transaction has
 * many), W2e-Position is the chunk index (the message key's position).
 */
static char *
put_transaction_headers(NatsSink *ns, Entry *e, char *p, const Envelope *ev, const char *id,
						size_t id_len)
{
	p = put_msg_id(e, p, id, id_len);
	p = PUT_LIT(p, "Content-Type: " CONTENT_TYPE_TRANSACTION "\r\n");
	p = PUT_LIT(p, "W2e-Xid: ");
	p += ship_put_decimal(p, (uint32_t) ev->env.xid);
	p = PUT_LIT(p, "\r\n");
	return put_position_headers(ns, p, ev);
}

static char *
put_event_headers(NatsSink *ns, Entry *e, char *p, const Envelope *ev, const char *id, size_t id_len)
{
	if (ns->common.unit == UNIT_TRANSACTION)
		return put_transaction_headers(ns, e, p, ev, id, id_len);
	p = put_msg_id(e, p, id, id_len);
	p = ns->common.payload == PAYLOAD_JSON ?
		PUT_LIT(p, "Content-Type: " CONTENT_TYPE_JSON "\r\n") :
		PUT_LIT(p, "Content-Type: " CONTENT_TYPE_PROTOBUF "\r\n");
	p = PUT_ENCODED(p, "W2e-Type", ev->env.type);
	p = PUT_ENCODED(p, "W2e-Partition-Key", ev->env.partition_key);
	p = PUT_LIT(p, "W2e-Xid: ");
	p += ship_put_decimal(p, (uint32_t) ev->env.xid);
	p = PUT_LIT(p, "\r\n");
	return put_position_headers(ns, p, ev);
}

/* Upper bound of the event message's header bytes. */
static size_t
event_header_size(const Envelope *ev)
{
	return 1024 + 2 * W2E_HEADER_VALUE_MAX + 3 * strlen(ev->env.database);
}

/*
 * The template for this event: its route's, checked once (an invalid one or
 * one the stream does not store is an error), else --subject.
 */
static const char *
template_for(NatsSink *ns, const Envelope *ev)
{
	const char *route = ev->event.subject;
	char		patterns[2][256];
	char		why[200];

	if (route == NULL || route[0] == '\0')
		return ns->opts->subject;
	if (ns->route_template != NULL && strcmp(ns->route_template, route) == 0)
		return route;
	ns->base.error_status = SHIP_EXIT_HUB;
	if (subject_template_check(route, why, sizeof(why)) != 0)
	{
		ns->base.error_status = CLI_EXIT_FAILURE;
		snprintf(ns->base.error, sizeof(ns->base.error),
				 "event %.100s: its route's subject template '%.100s' is invalid: %.150s (fix it with wal2events.route(subject => ...))",
				 ev->env.id, route, why);
	}
	else if (subject_patterns(route, patterns) < 0 ||
			 !nats_stream_covers(&ns->stream, patterns[0]) ||
			 !nats_stream_covers(&ns->stream, patterns[1]))
		snprintf(ns->base.error, sizeof(ns->base.error),
				 "event %.100s: its route publishes on '%.100s', which JetStream stream %.100s does not store (add subjects covering %.100s and %.100s to the stream)",
				 ev->env.id, route, ns->stream.name, patterns[0], patterns[1]);
	else
	{
		free(ns->route_template);
		ns->route_template = strdup(route);
		return ns->route_template != NULL ? route : NULL;
	}
	return NULL;
}

static int
render_subject(NatsSink *ns, const Envelope *ev)
{
	const char *tmpl = template_for(ns, ev);
	SubjectValues v;

	if (tmpl == NULL)
		return -1;
	v.type = ev->env.type;
	v.schema = ev->env.schema;
	v.table = ev->env.table;
	v.database = ev->env.database;
	v.partition_key = ev->env.partition_key;
	if (subject_render(tmpl, &v, &ns->subject) == 0)
		return 0;
	snprintf(ns->base.error, sizeof(ns->base.error), "out of memory");
	ns->base.error_status = CLI_EXIT_FAILURE;
	return -1;
}

static int
out_of_memory(NatsSink *ns)
{
	snprintf(ns->base.error, sizeof(ns->base.error), "out of memory publishing to NATS");
	ns->base.error_status = CLI_EXIT_FAILURE;
	return -1;
}

/*
 * Write the newest message sent (see nats_sink_state.h): asking for an
 * acknowledgement when last (nothing follows it for now), when it is the
 * ack_every-th since the last that asked, or always once the stream turned
 * out to be shared. 0, or -1 (fatal, base.error set).
 */
int
nats_write_deferred(NatsSink *ns, int last)
{
	Entry	   *e;
	int			ask;
	const char *body;
	size_t		body_len;
	size_t		total;

	if (!ns->deferred)
		return 0;
	ns->deferred = 0;
	e = nats_entry_at(ns, (size_t) (ns->deferred_num - ns->popped));
	if (e->state != ENTRY_PENDING || ns->wire.fd < 0)
		return 0;				/* the connection went meanwhile: failed already */
	body = e->buf + e->subject_len + e->headers_len;
	body_len = e->len - e->subject_len - e->headers_len;
	total = wire_header_size(e->headers_len) + body_len;
	if ((int64_t) total > ns->wire.max_payload)
	{
		snprintf(ns->base.error, sizeof(ns->base.error),
				 "message %.*s is %zu bytes, more than the NATS server's max_payload (%lld)",
				 (int) e->id_len, e->buf + e->id_off, total, (long long) ns->wire.max_payload);
		ns->base.error_status = SHIP_EXIT_HUB;
		return -1;
	}
	ask = last || ns->dense || ++ns->unasked >= ns->ack_every;
	if (ask)
	{
		ns->unasked = 0;
		e->deadline = ship_now_ms() + ns->opts->ack_timeout_ms;
	}
	e->sent_no = ++ns->sent_count;
	e->floor = ns->max_seen;
	if (wire_publish(&ns->wire, e->buf, e->subject_len, ask ? ns->deferred_num : WIRE_NO_REPLY,
					 e->buf + e->subject_len, e->headers_len, body, body_len) != 0)
		return out_of_memory(ns);
	if (ns->wire.fd < 0)
		nats_connection_lost(ns, ns->wire.error);
	return 0;
}

/*
 * Send (or, while recovering, mark as failed) entry e, built; it is
 * written when the next one is sent or the loop flushes. 0, or -1 (fatal).
 */
int
nats_send(NatsSink *ns, Entry *e)
{
	e->deadline = 0;
	if (!ns->recovering && ns->wire.fd < 0)
		nats_enter_recovery(ns, "not connected to NATS");
	if (ns->recovering)
	{
		e->state = ENTRY_FAILED;
		return 0;
	}
	if (nats_write_deferred(ns, 0) != 0)
		return -1;
	if (ns->recovering)
	{
		e->state = ENTRY_FAILED;	/* the connection just went */
		return 0;
	}
	e->state = ENTRY_PENDING;
	ns->deferred = 1;
	ns->deferred_num = ns->popped + ((size_t) (e - ns->ring) + ns->cap - ns->head) % ns->cap;
	ns->base.stats.published++;
	return 0;
}

/* Entry e, built: found in the stream at start (stored from the outset), or sent. */
static int
send_new(NatsSink *ns, Entry *e)
{
	const StoredKey *found = ns->found.count > 0 ? stored_keys_take(&ns->found, &e->key) : NULL;

	if (found == NULL)
		return nats_send(ns, e);
	e->state = ENTRY_ACKED;
	e->seq = found->seq;
	e->floor = found->seq - 1;
	return 0;
}

/* A new entry holding the subject; room: bytes the headers and body take at most. */
static Entry *
new_entry(NatsSink *ns, uint64_t ticket, const MsgKey *key, const char *subject,
		  size_t subject_len, size_t size, size_t room)
{
	Entry	   *e = nats_entry_push(ns);

	if (e == NULL)
		return NULL;
	e->ticket = ticket;
	e->key = *key;
	e->size = size;
	e->state = ENTRY_PENDING;
	e->deadline = 0;
	e->sent_no = 0;
	e->floor = ns->max_seen;
	e->seq = 0;
	e->len = 0;
	e->id_off = e->id_len = 0;
	ns->inflight_bytes += (int64_t) size;
	if (entry_reserve(e, subject_len + room) != 0)
	{
		e->subject_len = e->headers_len = 0;
		return NULL;
	}
	memcpy(e->buf, subject, subject_len);
	e->len = e->subject_len = subject_len;
	return e;
}

/* The header lines end at p: the body follows. */
static void
finish_entry(Entry *e, char *p, const void *body, size_t len)
{
	e->headers_len = (size_t) (p - e->buf) - e->subject_len;
	memcpy(p, body, len);
	e->len = (size_t) (p - e->buf) + len;
}

static int
publish_chunk(NatsSink *ns, const Envelope *ev, const char *subject, size_t n,
			  size_t count, size_t chunk_size)
{
	size_t		offset = n * chunk_size;
	size_t		len = ev->len - offset < chunk_size ? ev->len - offset : chunk_size;
	MsgKey		key = ev->key;
	size_t		of_len;
	const char *of = event_msg_id(ev, &of_len);
	char		id[MSG_ID_MAX];
	char		part[48];
	int			id_len,
				part_len;
	Entry	   *e;
	char	   *p;

	key.part = (uint32_t) n;
	if (ns->have_start_tail && msg_key_compare(&key, &ns->start_tail) <= 0)
		return 0;				/* stored before a restart */
	id_len = snprintf(id, sizeof(id), "%s/claim/%zu", of, n);
	part_len = snprintf(part, sizeof(part), "%zu/%zu", n, count);
	if (id_len >= (int) sizeof(id))
		id_len = (int) sizeof(id) - 1;
	if ((e = new_entry(ns, NO_TICKET, &key, subject, strlen(subject), len,
					   200 + (size_t) id_len + of_len + (size_t) part_len +
					   position_headers_room(ns) + len)) == NULL)
		return out_of_memory(ns);
	p = e->buf + e->len;
	p = put_msg_id(e, p, id, (size_t) id_len);
	p = PUT_HEADER(p, "W2e-Claim-Of", of, of_len);
	p = PUT_HEADER(p, "W2e-Claim-Chunk", part, (size_t) part_len);
	p = put_position_headers(ns, p, ev);
	finish_entry(e, p, ev->data + offset, len);
	return send_new(ns, e);
}

/* The chunks, then the event message with the claim headers. */
static int
publish_claim(NatsSink *ns, const Envelope *ev, uint64_t ticket)
{
	size_t		chunk_size = (size_t) ns->payload_limit - HEADER_ROOM;
	size_t		count = (ev->len + chunk_size - 1) / chunk_size;
	W2eBuffer  *claim = &ns->claim_subject;
	size_t		id_len;
	const char *id = event_msg_id(ev, &id_len);
	Entry	   *e;
	char	   *p;
	size_t		n;

	w2e_buffer_reset(claim);
	if (w2e_buffer_append(claim, ns->subject.data, ns->subject.len) != 0 ||
		w2e_buffer_append_str(claim, SUBJECT_CLAIM_SUFFIX) != 0)
		return out_of_memory(ns);
	for (n = 0; n < count; n++)
		if (publish_chunk(ns, ev, claim->data, n, count, chunk_size) != 0)
			return -1;
	if ((e = new_entry(ns, ticket, &ev->key, ns->subject.data, ns->subject.len, 256,
					   event_headers_room(ns, ev, id_len) + 200 + claim->len)) == NULL)
		return out_of_memory(ns);
	p = put_event_headers(ns, e, e->buf + e->len, ev, id, id_len);
	p = PUT_LIT(p, "W2e-Claim-Chunks: ");
	p += ship_put_decimal(p, count);
	p = PUT_LIT(p, "\r\nW2e-Claim-Size: ");
	p += ship_put_decimal(p, ev->len);
	p = PUT_LIT(p, "\r\n");
	p = PUT_HEADER(p, "W2e-Claim-Subject", claim->data, claim->len);
	finish_entry(e, p, "", 0);
	ns->base.stats.claims++;
	return send_new(ns, e);
}

int
nats_publish_event(NatsSink *ns, const Envelope *ev, uint64_t ticket)
{
	size_t		id_len;
	const char *id;
	Entry	   *e;

	if (render_subject(ns, ev) != 0)
		return -1;
	if ((int64_t) (ev->len + event_header_size(ev)) > ns->payload_limit)
		return publish_claim(ns, ev, ticket);
	id = event_msg_id(ev, &id_len);
	if ((e = new_entry(ns, ticket, &ev->key, ns->subject.data, ns->subject.len, ev->len,
					   event_headers_room(ns, ev, id_len) + ev->len)) == NULL)
		return out_of_memory(ns);
	finish_entry(e, put_event_headers(ns, e, e->buf + e->len, ev, id, id_len), ev->data, ev->len);
	return send_new(ns, e);
}
