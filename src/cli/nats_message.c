/*
 * nats_message.c
 *    One event as JetStream messages: its subject, its headers, and when it
 *    is larger than the hub takes in one message, its claim check.
 *
 * Subject: the event's route subject template when it has one
 * (Event.subject), else --subject, rendered by subject.c. A route template
 * is checked the first time it is seen: an invalid one, or one whose
 * subjects the stream does not store, stops the shipper with an error
 * rather than publish where nothing listens.
 *
 * Headers of an event message (values of W2e-Type, W2e-Partition-Key and
 * W2e-Database are percent-encoded: '%' and control characters as %XX):
 *   Nats-Msg-Id                the event id (an outbox row's own id when it
 *                              has one of at most 200 bytes)
 *   Nats-Expected-Last-Msg-Id  id of the message before it (see sink_nats.h)
 *   Content-Type               application/x-protobuf; proto=wal2events.v1.EventEnvelope
 *                              or application/json
 *   W2e-Type, W2e-Partition-Key, W2e-Commit-Lsn ("0/16B3F28"), W2e-Position,
 *   W2e-Xid, W2e-Database, W2e-System-Identifier
 *
 * Claim check: an envelope that does not fit (with its headers) under the
 * smaller of the server's max_payload and the stream's max message size is
 * cut into chunks published first, in order, on "<subject>.claim", each
 * with Nats-Msg-Id "<event id>/claim/<n>", W2e-Claim-Of (the event id),
 * W2e-Claim-Chunk ("<n>/<count>") and the event's W2e-Commit-Lsn,
 * W2e-Position, W2e-Database and W2e-System-Identifier. The event message
 * then has an empty body and W2e-Claim-Chunks, W2e-Claim-Size (bytes of the
 * whole envelope) and W2e-Claim-Subject. Because every message expects its
 * predecessor, the chunks are exactly the W2e-Claim-Chunks messages stored
 * right before the event in the stream; the body is their payloads joined.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_nats.h"
#include "subject.h"

#define HEADER_ROOM 1024		/* bytes kept for a chunk's headers */
#define CONTENT_TYPE_PROTOBUF "application/x-protobuf; proto=wal2events.v1.EventEnvelope"
#define CONTENT_TYPE_JSON "application/json"

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

static int
set_header(natsMsg *msg, const char *key, const char *value)
{
	return natsMsgHeader_Set(msg, key, value) == NATS_OK ? 0 : -1;
}

/* Where the message sits in the log: what classify() in nats_stream.c reads back. */
static int
set_position_headers(NatsSink *ns, natsMsg *msg, const Envelope *ev)
{
	char		lsn[W2E_LSN_MAX];
	char		number[24];

	w2e_lsn_format(lsn, ev->env.commit_lsn);
	snprintf(number, sizeof(number), "%u", (unsigned) ev->env.position);
	return set_header(msg, "W2e-Commit-Lsn", lsn) != 0 ||
		set_header(msg, "W2e-Position", number) != 0 ||
		set_header(msg, "W2e-Database", ns->database) != 0 ||
		set_header(msg, "W2e-System-Identifier", ns->system_identifier) != 0 ? -1 : 0;
}

/* The id the hub deduplicates on: the event id, unless an outbox id is too long. */
static const char *
event_msg_id(const Envelope *ev)
{
	return strlen(ev->env.id) <= EVENT_ID_HEADER_MAX ? ev->env.id : ev->id;
}

static int
set_event_headers(NatsSink *ns, natsMsg *msg, const Envelope *ev)
{
	char		number[24];

	snprintf(number, sizeof(number), "%u", (unsigned) ev->env.xid);
	if (set_header(msg, "Nats-Msg-Id", event_msg_id(ev)) != 0 ||
		set_header(msg, "Content-Type", ns->opts->payload == PAYLOAD_JSON ?
				   CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF) != 0 ||
		set_header(msg, "W2e-Type", nats_header_value(ns, ev->env.type)) != 0 ||
		set_header(msg, "W2e-Partition-Key", nats_header_value(ns, ev->env.partition_key)) != 0 ||
		set_header(msg, "W2e-Xid", number) != 0)
		return -1;
	return set_position_headers(ns, msg, ev);
}

/* Upper bound of the event message's header bytes. */
static size_t
event_header_size(const Envelope *ev)
{
	return 1024 + 3 * (strlen(ev->env.type) + strlen(ev->env.partition_key) +
					  strlen(ev->env.database));
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

/*
 * Send (or, while recovering, queue as failed) one message as the next
 * entry. Owns msg from here on.
 */
int
nats_send(NatsSink *ns, Entry *e, natsMsg *msg)
{
	natsStatus	s = NATS_OK;

	if (!ns->recovering)
	{
		if (ns->have_chain && !ns->forgot_last)
			s = natsMsgHeader_Set(msg, "Nats-Expected-Last-Msg-Id", ns->chain_id);
		else
			natsMsgHeader_Delete(msg, "Nats-Expected-Last-Msg-Id");
		if (s == NATS_OK)
			s = js_PublishMsgAsync(ns->js, &msg, &ns->pubopts);
		if (s == NATS_OK)
		{
			e->state = ENTRY_PENDING;
			ns->forgot_last = 0;
			ns->have_chain = 1;
			snprintf(ns->chain_id, sizeof(ns->chain_id), "%s", e->id);
			ns->base.stats.published++;
			return 0;
		}
	}
	e->state = ENTRY_FAILED;
	e->msg = msg;
	if (s != NATS_OK)
		nats_enter_recovery(ns, natsStatus_GetText(s));
	return 0;
}

static Entry *
new_entry(NatsSink *ns, uint64_t ticket, const MsgKey *key, const char *id, size_t size)
{
	Entry	   *e = nats_entry_push(ns);

	if (e == NULL)
		return NULL;
	e->ticket = ticket;
	e->key = *key;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->size = size;
	ns->inflight_bytes += (int64_t) size;
	return e;
}

static int
publish_chunk(NatsSink *ns, const Envelope *ev, const char *subject, size_t n,
			  size_t count, size_t chunk_size)
{
	size_t		offset = n * chunk_size;
	size_t		len = ev->len - offset < chunk_size ? ev->len - offset : chunk_size;
	MsgKey		key = ev->key;
	char		id[MSG_ID_MAX];
	char		part[48];
	natsMsg    *msg = NULL;
	Entry	   *e;

	key.part = (uint32_t) n;
	if (ns->have_start_tail && msg_key_compare(&key, &ns->start_tail) <= 0)
		return 0;				/* stored before a restart */
	snprintf(id, sizeof(id), "%s/claim/%zu", event_msg_id(ev), n);
	snprintf(part, sizeof(part), "%zu/%zu", n, count);
	if (natsMsg_Create(&msg, subject, NULL, (const char *) ev->data + offset, (int) len) != NATS_OK ||
		set_header(msg, "Nats-Msg-Id", id) != 0 ||
		set_header(msg, "W2e-Claim-Of", event_msg_id(ev)) != 0 ||
		set_header(msg, "W2e-Claim-Chunk", part) != 0 ||
		set_position_headers(ns, msg, ev) != 0 ||
		(e = new_entry(ns, NO_TICKET, &key, id, len)) == NULL)
	{
		natsMsg_Destroy(msg);
		return -1;
	}
	return nats_send(ns, e, msg);
}

/* The chunks, then the event message with the claim headers. */
static int
publish_claim(NatsSink *ns, const Envelope *ev, uint64_t ticket)
{
	size_t		chunk_size = (size_t) ns->payload_limit - HEADER_ROOM;
	size_t		count = (ev->len + chunk_size - 1) / chunk_size;
	W2eBuffer  *claim = &ns->claim_subject;
	char		number[24];
	natsMsg    *msg = NULL;
	Entry	   *e;
	size_t		n;

	w2e_buffer_reset(claim);
	if (w2e_buffer_append(claim, ns->subject.data, ns->subject.len) != 0 ||
		w2e_buffer_append_str(claim, SUBJECT_CLAIM_SUFFIX) != 0)
		return -1;
	for (n = 0; n < count; n++)
		if (publish_chunk(ns, ev, claim->data, n, count, chunk_size) != 0)
			return -1;
	if (natsMsg_Create(&msg, ns->subject.data, NULL, NULL, 0) != NATS_OK ||
		set_event_headers(ns, msg, ev) != 0)
		goto oom;
	snprintf(number, sizeof(number), "%zu", count);
	if (set_header(msg, "W2e-Claim-Chunks", number) != 0)
		goto oom;
	snprintf(number, sizeof(number), "%zu", ev->len);
	if (set_header(msg, "W2e-Claim-Size", number) != 0 ||
		set_header(msg, "W2e-Claim-Subject", claim->data) != 0 ||
		(e = new_entry(ns, ticket, &ev->key, event_msg_id(ev), 256)) == NULL)
		goto oom;
	ns->base.stats.claims++;
	return nats_send(ns, e, msg);

oom:
	natsMsg_Destroy(msg);
	return -1;
}

int
nats_publish_event(NatsSink *ns, const Envelope *ev, uint64_t ticket)
{
	natsMsg    *msg = NULL;
	Entry	   *e;

	if (render_subject(ns, ev) != 0)
		return -1;
	if ((int64_t) (ev->len + event_header_size(ev)) > ns->payload_limit)
		return publish_claim(ns, ev, ticket);
	if (natsMsg_Create(&msg, ns->subject.data, NULL, (const char *) ev->data, (int) ev->len) != NATS_OK ||
		set_event_headers(ns, msg, ev) != 0 ||
		(e = new_entry(ns, ticket, &ev->key, event_msg_id(ev), ev->len)) == NULL)
	{
		natsMsg_Destroy(msg);
		return -1;
	}
	return nats_send(ns, e, msg);
}
