/*
 * nats_message.c
 *    One event as JetStream messages: its subject, its headers, and when it
 *    is larger than the hub takes in one message, its claim check.
 *
 * Headers of an event message (values of the W2e-* text headers are
 * percent-encoded: '%' and control characters as %XX):
 *   Nats-Msg-Id                event id (JetStream deduplication)
 *   Nats-Expected-Last-Msg-Id  id of the message before it (see sink_nats.h)
 *   Content-Type               application/x-protobuf; proto=wal2events.v1.EventEnvelope
 *                              or application/json
 *   W2e-Type, W2e-Partition-Key, W2e-Commit-Lsn ("0/16B3F28"), W2e-Position,
 *   W2e-Xid, W2e-Database
 *
 * Claim check: an envelope that does not fit (with its headers) under the
 * smaller of the server's max_payload and the stream's max message size is
 * cut into chunks published first, in order, on "<subject>.claim", each
 * with Nats-Msg-Id "<event id>/claim/<n>", W2e-Claim-Of (the event id),
 * W2e-Claim-Chunk ("<n>/<count>") and W2e-Database. The event message then
 * has an empty body and W2e-Claim-Chunks, W2e-Claim-Size (bytes of the
 * whole envelope) and W2e-Claim-Subject. Because every message expects its
 * predecessor, the chunks are exactly the W2e-Claim-Chunks messages stored
 * right before the event in the stream; the body is their payloads joined.
 */
#include <stdio.h>
#include <string.h>

#include "sink_nats.h"
#include "subject.h"

#define HEADER_ROOM 1024		/* bytes kept for a chunk's headers */
#define CONTENT_TYPE_PROTOBUF "application/x-protobuf; proto=wal2events.v1.EventEnvelope"
#define CONTENT_TYPE_JSON "application/json"

/* value with '%' and control characters as %XX, into scratch. */
static const char *
header_value(NatsSink *ns, const char *value)
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

static int
set_event_headers(NatsSink *ns, natsMsg *msg, const Envelope *ev)
{
	char		lsn[W2E_LSN_MAX];
	char		number[24];

	w2e_lsn_format(lsn, ev->env.commit_lsn);
	if (set_header(msg, "Nats-Msg-Id", ev->id) != 0 ||
		set_header(msg, "Content-Type", ns->opts->payload == PAYLOAD_JSON ?
				   CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF) != 0 ||
		set_header(msg, "W2e-Type", header_value(ns, ev->env.type)) != 0 ||
		set_header(msg, "W2e-Partition-Key", header_value(ns, ev->env.partition_key)) != 0 ||
		set_header(msg, "W2e-Commit-Lsn", lsn) != 0 ||
		set_header(msg, "W2e-Database", header_value(ns, ev->env.database)) != 0)
		return -1;
	snprintf(number, sizeof(number), "%u", (unsigned) ev->env.position);
	if (set_header(msg, "W2e-Position", number) != 0)
		return -1;
	snprintf(number, sizeof(number), "%u", (unsigned) ev->env.xid);
	return set_header(msg, "W2e-Xid", number);
}

/* Upper bound of the event message's header bytes. */
static size_t
event_header_size(const Envelope *ev)
{
	return 512 + 3 * (strlen(ev->env.type) + strlen(ev->env.partition_key) +
					  strlen(ev->env.database));
}

static int
render_subject(NatsSink *ns, const Envelope *ev)
{
	SubjectValues v;

	v.type = ev->env.type;
	v.schema = ev->env.schema;
	v.table = ev->env.table;
	v.database = ev->env.database;
	v.partition_key = ev->env.partition_key;
	return subject_render(ns->opts->subject, &v, &ns->subject);
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
	snprintf(id, sizeof(id), "%s/claim/%zu", ev->id, n);
	snprintf(part, sizeof(part), "%zu/%zu", n, count);
	if (natsMsg_Create(&msg, subject, NULL, (const char *) ev->data + offset, (int) len) != NATS_OK ||
		set_header(msg, "Nats-Msg-Id", id) != 0 ||
		set_header(msg, "W2e-Claim-Of", ev->id) != 0 ||
		set_header(msg, "W2e-Claim-Chunk", part) != 0 ||
		set_header(msg, "W2e-Database", header_value(ns, ev->env.database)) != 0 ||
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
		(e = new_entry(ns, ticket, &ev->key, ev->id, 256)) == NULL)
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
		(e = new_entry(ns, ticket, &ev->key, ev->id, ev->len)) == NULL)
	{
		natsMsg_Destroy(msg);
		return -1;
	}
	return nats_send(ns, e, msg);
}
