/*
 * nats_acks.c
 *    JetStream's publish acknowledgements, and the messages in flight they
 *    settle.
 *
 * nats.c calls nats_on_ack() on its own thread. That thread only queues a
 * note and wakes the main loop through a pipe; everything else (the
 * in-flight ring, tickets, recovery) is touched by the main thread alone,
 * so no other lock is needed.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink_nats.h"

int
ack_queue_init(AckQueue *q)
{
	memset(q, 0, sizeof(*q));
	q->wake[0] = q->wake[1] = -1;
	if (pthread_mutex_init(&q->lock, NULL) != 0)
		return -1;
	if (pipe(q->wake) != 0)
		return -1;
	fcntl(q->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(q->wake[1], F_SETFL, O_NONBLOCK);
	return 0;
}

void
ack_queue_free(AckQueue *q)
{
	size_t		i;

	for (i = 0; i < q->count; i++)
		natsMsg_Destroy(q->notes[i].msg);
	free(q->notes);
	q->notes = NULL;
	q->count = 0;
	if (q->wake[0] >= 0)
		close(q->wake[0]);
	if (q->wake[1] >= 0)
		close(q->wake[1]);
	q->wake[0] = q->wake[1] = -1;
	pthread_mutex_destroy(&q->lock);
}

static void
describe_failure(const jsPubAckErr *pae, AckNote *note)
{
	const char *text = pae->ErrText != NULL ? pae->ErrText :
		pae->Err == NATS_TIMEOUT ? "no acknowledgement within --ack-timeout" :
		natsStatus_GetText(pae->Err);
	static const char wrong_last[] = "wrong last msg ID:";

	snprintf(note->reason, sizeof(note->reason), "%s", text);
	if (strncmp(text, wrong_last, sizeof(wrong_last) - 1) == 0)
	{
		const char *rest = text + sizeof(wrong_last) - 1;

		while (*rest == ' ')
			rest++;
		note->forgot_last = *rest == '\0';
	}
}

/* On nats.c's thread: queue what happened to one message. */
void
nats_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	AckQueue   *q = &((NatsSink *) closure)->queue;
	AckNote		note;
	const char *id = NULL;
	int			wake;

	memset(&note, 0, sizeof(note));
	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK)
		snprintf(note.id, sizeof(note.id), "%s", id);
	if (pa != NULL)
	{
		note.ok = 1;
		note.duplicate = pa->Duplicate;
		natsMsg_Destroy(msg);
	}
	else
	{
		if (pae != NULL)
			describe_failure(pae, &note);
		note.msg = msg;
	}
	pthread_mutex_lock(&q->lock);
	if (q->count == q->cap)
	{
		size_t		cap = q->cap == 0 ? 256 : q->cap * 2;
		AckNote    *grown = realloc(q->notes, cap * sizeof(AckNote));

		if (grown != NULL)
		{
			q->notes = grown;
			q->cap = cap;
		}
	}
	wake = q->count == 0;
	if (q->count < q->cap)
		q->notes[q->count++] = note;
	else
	{
		q->lost = 1;
		natsMsg_Destroy(note.msg);
	}
	pthread_mutex_unlock(&q->lock);
	if (wake && write(q->wake[1], "a", 1) < 0)
	{
		/* the pipe is full: the main loop is awake anyway */
	}
}

Entry *
nats_entry_at(NatsSink *ns, size_t i)
{
	return &ns->ring[(ns->head + i) % ns->cap];
}

Entry *
nats_entry_push(NatsSink *ns)
{
	Entry	   *e;

	if (ns->count == ns->cap)
	{
		size_t		cap = ns->cap == 0 ? 1024 : ns->cap * 2;
		Entry	   *grown = malloc(cap * sizeof(Entry));
		size_t		i;

		if (grown == NULL)
			return NULL;
		for (i = 0; i < ns->count; i++)
			grown[i] = *nats_entry_at(ns, i);
		free(ns->ring);
		ns->ring = grown;
		ns->cap = cap;
		ns->head = 0;
	}
	e = &ns->ring[(ns->head + ns->count) % ns->cap];
	ns->count++;
	memset(e, 0, sizeof(*e));
	return e;
}

static void
mark_acked(Entry *e)
{
	natsMsg_Destroy(e->msg);
	e->msg = NULL;
	e->state = ENTRY_ACKED;
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
		mark_acked(nats_entry_at(ns, ns->acked_prefix));
}

void
nats_mark_stored(NatsSink *ns, const MsgKey *through)
{
	while (ns->acked_prefix < ns->count &&
		   msg_key_compare(&nats_entry_at(ns, ns->acked_prefix)->key, through) <= 0)
		mark_acked(nats_entry_at(ns, ns->acked_prefix++));
}

/* Acknowledgements come in publish order: look right after the last one first. */
static size_t
find_entry(NatsSink *ns, const char *id)
{
	size_t		k;

	for (k = ns->ack_hint; k < ns->count; k++)
		if (strcmp(nats_entry_at(ns, k)->id, id) == 0)
			return ns->ack_hint = k;
	for (k = 0; k < ns->ack_hint && k < ns->count; k++)
		if (strcmp(nats_entry_at(ns, k)->id, id) == 0)
			return ns->ack_hint = k;
	return SIZE_MAX;
}

static void
handle_note(NatsSink *ns, AckNote *note)
{
	size_t		i = find_entry(ns, note->id);
	Entry	   *e;

	if (i == SIZE_MAX)
	{
		natsMsg_Destroy(note->msg);	/* settled already */
		return;
	}
	e = nats_entry_at(ns, i);
	if (note->ok)
	{
		ns->base.stats.duplicates += note->duplicate ? 1 : 0;
		stored_through_index(ns, i);
		if (!ns->recovering)
		{
			backoff_reset(&ns->backoff);
			ns->base.stats.hub_down = 0;
		}
		return;
	}
	if (e->state != ENTRY_PENDING)
	{
		natsMsg_Destroy(note->msg);
		return;
	}
	e->state = ENTRY_FAILED;
	e->msg = note->msg;
	ns->forgot_last |= note->forgot_last;
	nats_enter_recovery(ns, note->reason);
}

int
nats_take_acks(NatsSink *ns)
{
	AckQueue   *q = &ns->queue;
	AckNote    *notes;
	size_t		count;
	size_t		i;
	char		drain[64];
	int			lost;

	while (read(q->wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&q->lock);
	notes = q->notes;
	count = q->count;
	lost = q->lost;
	q->notes = NULL;
	q->count = 0;
	q->cap = 0;
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < count; i++)
		handle_note(ns, &notes[i]);
	free(notes);
	nats_pop_stored(ns);
	return lost ? -1 : 0;
}

void
nats_pop_stored(NatsSink *ns)
{
	while (ns->count > 0 && nats_entry_at(ns, 0)->state == ENTRY_ACKED)
	{
		Entry	   *e = nats_entry_at(ns, 0);

		ns->inflight_bytes -= (int64_t) e->size;
		if (e->ticket != NO_TICKET)
		{
			ns->base.stats.acked++;
			ns->base.on_ack(ns->base.ack_ctx, e->ticket);
		}
		ns->head = (ns->head + 1) % ns->cap;
		ns->count--;
		ns->acked_prefix -= ns->acked_prefix > 0 ? 1 : 0;
		ns->ack_hint -= ns->ack_hint > 0 ? 1 : 0;
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
