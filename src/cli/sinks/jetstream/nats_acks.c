/*
 * nats_acks.c
 *    JetStream's publish acknowledgements, and the messages in flight they
 *    settle.
 *
 * Replies come on the sink's own connection (nats_wire.c), read by the
 * main thread: the reply subject's last token is the number of the entry
 * that asked (see NatsSink.popped), so finding it is one subtraction. An
 * acknowledgement settles its entry, and the entries sent since the last
 * one known stored when the stream sequences add up (see nats_sink_state.h); a
 * failure, a lost connection or an acknowledgement that does not come in
 * time make the entries whose fate is unknown failed ones, for recovery
 * to sort out; a rejection retrying cannot cure stops the shipper.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_sink_state.h"

#define KEEP_BUFFER ((size_t) 64 * 1024)	/* an entry's buffer larger than this is freed on pop */

/* See nats_sink_state.h; recover() in sink_nats.c ends it. */
void
nats_enter_recovery(NatsSink *ns, const char *reason)
{
	int64_t		delay;

	if (ns->recovering)
		return;
	ns->recovering = 1;
	ns->base.stats.hub_down = 1;
	delay = backoff_next(&ns->backoff);
	ns->retry_at = ship_now_ms() + delay;
	ship_log("event hub: %s; holding new events, retrying in %lld ms", reason, (long long) delay);
}

Entry *
nats_entry_at(NatsSink *ns, size_t i)
{
	return &ns->ring[(ns->head + i) & (ns->cap - 1)];
}

/* A new entry at the end; its buffer is one a popped entry left (reset by the caller). */
Entry *
nats_entry_push(NatsSink *ns)
{
	if (ns->count == ns->cap)
	{
		size_t		cap = ns->cap == 0 ? 1024 : ns->cap * 2;	/* a power of 2 */
		Entry	   *grown = malloc(cap * sizeof(Entry));
		size_t		i;

		if (grown == NULL)
			return NULL;
		for (i = 0; i < ns->count; i++)
			grown[i] = *nats_entry_at(ns, i);
		for (; i < cap; i++)
		{
			grown[i].buf = NULL;
			grown[i].cap = 0;
		}
		free(ns->ring);
		ns->ring = grown;
		ns->cap = cap;
		ns->head = 0;
	}
	ns->count++;
	return nats_entry_at(ns, ns->count - 1);
}

void
nats_entries_free(NatsSink *ns)
{
	size_t		i;

	for (i = 0; i < ns->cap; i++)
		free(ns->ring[i].buf);
	free(ns->ring);
	ns->ring = NULL;
	ns->cap = ns->count = 0;
}

/* Entries up to index end (excluded) not known stored: failed, to be sorted out by recovery. */
static void
fail_before(NatsSink *ns, size_t end)
{
	size_t		k;

	for (k = 0; k < end; k++)
	{
		Entry	   *e = nats_entry_at(ns, k);

		if (e->state == ENTRY_PENDING)
			e->state = ENTRY_FAILED;
		e->deadline = 0;
	}
}

void
nats_connection_lost(NatsSink *ns, const char *reason)
{
	char		why[sizeof(ns->wire.error)];

	snprintf(why, sizeof(why), "%s", reason);
	wire_close(&ns->wire);
	ns->deferred = 0;
	ns->have_ref = 0;			/* sequences add up on one connection only */
	fail_before(ns, ns->count);
	nats_enter_recovery(ns, why);
}

/* Where needle first occurs in body[0..len), or NULL. */
static const char *
find(const char *body, size_t len, const char *needle)
{
	size_t		n = strlen(needle);
	const char *p = body;
	const char *end = body + len;

	while (end - p >= (ptrdiff_t) n && (p = memchr(p, needle[0], (size_t) (end - p - (ptrdiff_t) n + 1))) != NULL)
	{
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* The JSON string value of key in body, unescaped (simple escapes), into out. */
static void
json_field(const char *body, size_t len, const char *key, char *out, size_t size)
{
	const char *p = find(body, len, key);
	const char *end = body + len;
	size_t		n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	while (p < end && (*p == ' ' || *p == ':'))
		p++;
	if (p >= end || *p++ != '"')
		return;
	while (p < end && *p != '"' && n + 1 < size)
	{
		if (*p == '\\' && p + 1 < end)
			p++;
		out[n++] = *p++;
	}
	out[n] = '\0';
}

/* "duplicate": true */
static int
json_true(const char *body, size_t len, const char *key)
{
	const char *p = find(body, len, key);
	const char *end = body + len;

	if (p == NULL)
		return 0;
	p += strlen(key);
	while (p < end && (*p == ' ' || *p == ':'))
		p++;
	return end - p >= 4 && memcmp(p, "true", 4) == 0;
}

/* The unsigned number after key in body, or 0. */
static uint64_t
json_number(const char *body, size_t len, const char *key)
{
	const char *p = find(body, len, key);
	const char *end = body + len;
	uint64_t	v = 0;

	if (p == NULL)
		return 0;
	p += strlen(key);
	while (p < end && (*p == ' ' || *p == ':'))
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t) (*p - '0');
	return v;
}

/*
 * Rejections that sending again cannot cure: the message is larger than
 * the stream takes, or the stream is full and discards new messages. The
 * fix is the stream's configuration.
 */
static const char *
incurable(uint64_t err_code, const char *reason)
{
	if (err_code == 10054 || strstr(reason, "message size exceeds maximum") != NULL)
		return "raise the stream's max_msg_size (nats stream edit --max-msg-size), or lower the claim check's chunk size by lowering the server's max_payload";
	if (strstr(reason, "maximum messages") != NULL || strstr(reason, "maximum bytes") != NULL)
		return "the stream is full and discards new messages: raise its max_msgs/max_bytes/max_msgs_per_subject, purge it, or let it discard old messages (retention limits, discard old)";
	return NULL;
}

/* What a reply says: 1 stored (*seq), 0 not (reason, and *fix when retrying cannot help). */
static int
read_ack(int status, const char *body, size_t len, int *duplicate, uint64_t *seq,
		 char *reason, size_t size, const char **fix)
{
	*duplicate = 0;
	*fix = NULL;
	if (status == 503)
	{
		snprintf(reason, size, "no responders: no JetStream stream stores the subject");
		return 0;
	}
	if (status != 0 && status != 200)
	{
		snprintf(reason, size, "JetStream answered with status %d", status);
		return 0;
	}
	if (find(body, len, "\"error\"") != NULL)
	{
		json_field(body, len, "\"description\"", reason, size);
		if (reason[0] == '\0')
			snprintf(reason, size, "JetStream refused the message: %.*s", (int) (len < 150 ? len : 150), body);
		*fix = incurable(json_number(body, len, "\"err_code\""), reason);
		return 0;
	}
	if ((*seq = json_number(body, len, "\"seq\"")) == 0)
	{
		snprintf(reason, size, "unexpected reply from JetStream: %.*s", (int) (len < 150 ? len : 150), body);
		return 0;
	}
	*duplicate = json_true(body, len, "\"duplicate\"");
	return 1;
}

/*
 * Entry i (sent_no n) is stored at sequence seq. The entries sent on this
 * connection since the reference (the last known stored, at ref_seq) and
 * not yet settled are stored too when exactly n - ref_sent sequences were
 * used meanwhile; otherwise their fate is unknown: failed, for the scan,
 * and from now on every message asks for an acknowledgement.
 */
static void
account(NatsSink *ns, size_t i, uint64_t seq)
{
	Entry	   *e = nats_entry_at(ns, i);
	int			adds_up = ns->have_ref && seq - ns->ref_seq == e->sent_no - ns->ref_sent;
	int			unknown = 0;
	size_t		k;

	if (ns->have_ref && e->sent_no <= ns->ref_sent)
		return;					/* an answer out of order: it settles itself only */
	for (k = i; k-- > 0;)
	{
		Entry	   *before = nats_entry_at(ns, k);

		if (before->state != ENTRY_PENDING)
			continue;
		if (before->sent_no <= ns->ref_sent && ns->have_ref)
			break;
		if (adds_up)
		{
			before->state = ENTRY_ACKED;
			before->seq = ns->ref_seq + (before->sent_no - ns->ref_sent);
		}
		else
		{
			before->state = ENTRY_FAILED;
			unknown = 1;
		}
		before->deadline = 0;
	}
	ns->have_ref = 1;
	ns->ref_sent = e->sent_no;
	ns->ref_seq = seq;
	if (unknown)
	{
		if (!ns->dense)
			ship_log("stream %s: sequences do not add up (another shipper writes to it, or a message was dropped); every message asks for an acknowledgement from now on",
					 ns->stream.name);
		ns->dense = 1;
		nats_enter_recovery(ns, "messages sent without an acknowledgement are to be looked up in the stream");
		ns->retry_at = ship_now_ms();	/* nothing to wait for: look them up at once */
		backoff_reset(&ns->backoff);
	}
}

/* Stop: the hub rejects entry e for a reason retrying cannot cure. */
static void
stop_rejected(NatsSink *ns, Entry *e, const char *reason, const char *fix)
{
	snprintf(ns->base.error, sizeof(ns->base.error),
			 "JetStream stream %.100s rejects message %.*s (%zu bytes): %.200s; nothing after it is confirmed (fix: %s)",
			 ns->stream.name, (int) (e->id_len > 200 ? 200 : e->id_len), e->buf + e->id_off,
			 e->len - e->subject_len, reason, fix);
	ns->base.error_status = SHIP_EXIT_HUB;
	ns->stop = 1;
}

static void
on_reply(void *ctx, uint64_t token, int status, const char *body, size_t len)
{
	NatsSink   *ns = ctx;
	char		reason[200];
	int			duplicate;
	uint64_t	seq = 0;
	const char *fix;
	size_t		i;
	Entry	   *e;

	if (token < ns->popped || token - ns->popped >= ns->count)
		return;					/* settled already */
	i = (size_t) (token - ns->popped);
	e = nats_entry_at(ns, i);
	e->deadline = 0;
	if (read_ack(status, body, len, &duplicate, &seq, reason, sizeof(reason), &fix))
	{
		ns->base.stats.duplicates += duplicate ? 1 : 0;
		if (e->state == ENTRY_PENDING)
			account(ns, i, seq);
		e->state = ENTRY_ACKED;
		e->seq = seq;
		if (seq > ns->max_seen)
			ns->max_seen = seq;
		if (!ns->recovering)
		{
			backoff_reset(&ns->backoff);
			ns->base.stats.hub_down = 0;
		}
		return;
	}
	if (e->state != ENTRY_PENDING)
		return;					/* failed meanwhile: recovery looks it up */
	if (fix != NULL && !ns->stop)
		stop_rejected(ns, e, reason, fix);
	fail_before(ns, i + 1);
	nats_enter_recovery(ns, reason);
}

void
nats_read_acks(NatsSink *ns)
{
	if (ns->wire.fd >= 0 && wire_read(&ns->wire, on_reply, ns) != 0)
		nats_connection_lost(ns, ns->wire.error);
}

int64_t
nats_ack_deadline(NatsSink *ns)
{
	size_t		k;

	for (k = 0; k < ns->count; k++)
	{
		Entry	   *e = nats_entry_at(ns, k);

		if (e->state == ENTRY_PENDING && e->deadline > 0)
			return e->deadline;
	}
	return 0;
}

void
nats_check_timeouts(NatsSink *ns, int64_t now)
{
	int64_t		deadline = nats_ack_deadline(ns);

	if (deadline > 0 && deadline <= now)
		nats_connection_lost(ns, "no acknowledgement within --ack-timeout");
}

void
nats_pop_stored(NatsSink *ns)
{
	while (ns->count > 0 && nats_entry_at(ns, 0)->state == ENTRY_ACKED)
	{
		Entry	   *e = nats_entry_at(ns, 0);

		ns->inflight_bytes -= (int64_t) e->size;
		if (e->cap > KEEP_BUFFER)
		{
			free(e->buf);
			e->buf = NULL;
			e->cap = 0;
		}
		if (e->ticket != NO_TICKET)
		{
			ns->base.stats.acked++;
			ns->base.on_ack(ns->base.ack_ctx, e->ticket);
		}
		ns->stored.have_key = 1;
		ns->stored.key = e->key;
		ns->head = (ns->head + 1) & (ns->cap - 1);
		ns->count--;
		ns->popped++;
	}
}

uint64_t
nats_scan_floor(NatsSink *ns)
{
	uint64_t	floor = ns->max_seen;
	size_t		k;

	for (k = 0; k < ns->count; k++)
		if (nats_entry_at(ns, k)->floor < floor)
			floor = nats_entry_at(ns, k)->floor;
	return floor;
}

int
nats_any_pending(NatsSink *ns)
{
	size_t		k;

	for (k = 0; k < ns->count; k++)
		if (nats_entry_at(ns, k)->state == ENTRY_PENDING)
			return 1;
	return 0;
}
