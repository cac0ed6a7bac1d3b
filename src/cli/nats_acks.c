/*
 * nats_acks.c
 *    JetStream's publish acknowledgements, and the messages in flight they
 *    settle.
 *
 * Replies come on the sink's own connection (nats_wire.c), read by the
 * main thread: the reply subject's last token is the number of the entry
 * that asked (see NatsSink.popped), so finding it is one subtraction. An
 * acknowledgement settles its entry and every entry before it (see
 * sink_nats.h); a failure, a lost connection or an acknowledgement that
 * does not come in time make every entry not known stored a failed one,
 * for recovery to sort out.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_nats.h"

#define KEEP_BUFFER ((size_t) 64 * 1024)	/* an entry's buffer larger than this is freed on pop */

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

/*
 * Entry i is stored: so is every entry before it (see sink_nats.h).
 * acked_prefix counts the leading entries already marked, so each entry is
 * marked once however many acknowledgements arrive.
 */
static void
stored_through_index(NatsSink *ns, size_t i)
{
	for (; ns->acked_prefix <= i; ns->acked_prefix++)
	{
		Entry	   *e = nats_entry_at(ns, ns->acked_prefix);

		e->state = ENTRY_ACKED;
		e->deadline = 0;
	}
}

void
nats_mark_stored(NatsSink *ns, const MsgKey *through)
{
	while (ns->acked_prefix < ns->count &&
		   msg_key_compare(&nats_entry_at(ns, ns->acked_prefix)->key, through) <= 0)
		stored_through_index(ns, ns->acked_prefix);
}

/* Entries up to index end (excluded) not known stored: failed, to be sorted out by recovery. */
static void
fail_before(NatsSink *ns, size_t end)
{
	size_t		k;

	for (k = ns->acked_prefix; k < end; k++)
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

/* What a reply says: 1 stored, 0 not (reason and *forgot_last set). */
static int
read_ack(int status, const char *body, size_t len, int *duplicate, char *reason, size_t size,
		 int *forgot_last)
{
	static const char wrong_last[] = "wrong last msg ID:";

	*duplicate = 0;
	*forgot_last = 0;
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
		if (strncmp(reason, wrong_last, sizeof(wrong_last) - 1) == 0)
		{
			const char *rest = reason + sizeof(wrong_last) - 1;

			while (*rest == ' ')
				rest++;
			*forgot_last = *rest == '\0';
		}
		return 0;
	}
	if (find(body, len, "\"seq\"") == NULL)
	{
		snprintf(reason, size, "unexpected reply from JetStream: %.*s", (int) (len < 150 ? len : 150), body);
		return 0;
	}
	*duplicate = json_true(body, len, "\"duplicate\"");
	return 1;
}

static void
on_reply(void *ctx, uint64_t token, int status, const char *body, size_t len)
{
	NatsSink   *ns = ctx;
	char		reason[200];
	int			duplicate,
				forgot_last;
	size_t		i;
	Entry	   *e;

	if (token < ns->popped || token - ns->popped >= ns->count)
		return;					/* settled already */
	i = (size_t) (token - ns->popped);
	e = nats_entry_at(ns, i);
	e->deadline = 0;
	if (read_ack(status, body, len, &duplicate, reason, sizeof(reason), &forgot_last))
	{
		ns->base.stats.duplicates += duplicate ? 1 : 0;
		stored_through_index(ns, i);
		if (!ns->recovering)
		{
			backoff_reset(&ns->backoff);
			ns->base.stats.hub_down = 0;
		}
		return;
	}
	if (e->state != ENTRY_PENDING)
		return;
	fail_before(ns, i + 1);
	ns->forgot_last |= forgot_last;
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

	for (k = ns->acked_prefix; k < ns->count; k++)
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
		ns->head = (ns->head + 1) & (ns->cap - 1);
		ns->count--;
		ns->popped++;
		ns->acked_prefix -= ns->acked_prefix > 0 ? 1 : 0;
	}
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
