/*
 * lake_message.c
 *    A hub message's events for the lake (see lake_message.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake_message.h"

void
lake_message_init(LakeMessage *lm)
{
	memset(lm, 0, sizeof(*lm));
	envelope_init(&lm->envelope);
}

void
lake_message_free(LakeMessage *lm)
{
	size_t		i;

	for (i = 0; i < lm->cap; i++)
		lake_event_free(&lm->events[i]);
	free(lm->events);
	envelope_free(&lm->envelope);
}

/* The next event slot, or NULL (out of memory). */
static LakeEvent *
next_event(LakeMessage *lm)
{
	if (lm->n == lm->cap)
	{
		size_t		cap = lm->cap == 0 ? 16 : lm->cap * 2;
		LakeEvent  *events = realloc(lm->events, cap * sizeof(LakeEvent));
		size_t		i;

		if (events == NULL)
			return NULL;
		for (i = lm->cap; i < cap; i++)
			lake_event_init(&events[i]);
		lm->events = events;
		lm->cap = cap;
	}
	return &lm->events[lm->n++];
}

#define FAIL(...) do { snprintf(error, size, __VA_ARGS__); rc = -1; goto done; } while (0)

static int
transaction_events(LakeMessage *lm, const StreamMessage *m, LakeFormat format, char *error, size_t size)
{
	W2eTransaction *txn = stream_message_transaction(m, error, size);
	W2eError	err;
	size_t		i;
	int			rc = 0;

	if (txn == NULL)
		return -1;
	for (i = 0; i < txn->n_events; i++)
	{
		Envelope   *e = &lm->envelope;
		LakeEvent  *ev = next_event(lm);
		int			json = format == LAKE_FORMAT_NDJSON;

		if (ev == NULL)
			FAIL("out of memory");
		if (envelope_build_at(e, txn, i, json ? PAYLOAD_JSON : PAYLOAD_PROTOBUF, &err) != 0 ||
			lake_event_from_envelope(ev, &e->env, format, json ? NULL : e->data, e->len,
									 json ? (const char *) e->data : NULL, e->len, &err) != 0)
			FAIL("message %llu on %s (%.200s): %s", (unsigned long long) m->seq,
				 natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "", err.message);
	}
done:
	w2e_transaction_free(txn, NULL);
	return rc;
}

int
lake_message_events(LakeMessage *lm, const StreamMessage *m, LakeFormat format, char *error, size_t size)
{
	const char *type = stream_header(m->msg, "Content-Type");
	W2eEventEnvelope *env = NULL;
	LakeEvent  *ev;
	W2eError	err;
	int			rc = 0;

	lm->n = 0;
	if (m->claim_error[0] != '\0')
	{
		snprintf(error, size, "message %llu on %s (%.200s): its claim check does not resolve: %s",
				 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "",
				 m->claim_error);
		return -1;
	}
	if (stream_message_is_transaction(m))
		return transaction_events(lm, m, format, error, size);
	if ((ev = next_event(lm)) == NULL)
		FAIL("out of memory");
	if (type != NULL && strcmp(type, "application/json") == 0)
	{
		W2eBuffer	line;

		if (format == LAKE_FORMAT_PROTOBUF)
			FAIL("message %llu on %s is a JSON event (ship --payload json): a lake of --format protobuf holds protobuf envelopes only; use --format ndjson",
				 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg));
		w2e_buffer_init(&line, NULL);
		rc = envelope_json_line(m->body, m->body_len, &line, &err) != 0 ||
			lake_event_from_json(ev, line.data, line.len, &err) != 0 ? -1 : 0;
		w2e_buffer_free(&line);
		if (rc != 0)
			FAIL("message %llu on %s (%.200s): %s", (unsigned long long) m->seq,
				 natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "", err.message);
		return 0;
	}
	if (type != NULL && strncmp(type, "application/x-protobuf", 22) != 0)
		FAIL("message %llu on %s has Content-Type '%.100s': not an event of wal2events ship",
			 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg), type);
	env = w2e_envelope_parse(m->body, m->body_len, NULL, &err);
	if (env == NULL ||
		lake_event_from_envelope(ev, env, format, m->body, m->body_len, NULL, 0, &err) != 0)
		FAIL("message %llu on %s (%.200s): %s", (unsigned long long) m->seq,
			 natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "no Nats-Msg-Id", err.message);
done:
	if (env != NULL)
		w2e_envelope_free(env, NULL);
	if (rc != 0)
		lm->n = 0;
	return rc;
}
