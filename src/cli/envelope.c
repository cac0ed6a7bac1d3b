/*
 * envelope.c
 *    Transaction event -> EventEnvelope: the event with its transaction's
 *    context and exactly the one relation it uses, so a consumer can handle
 *    it alone. Encoded as protobuf (protobuf-c pack) or as one JSON line
 *    (w2e_envelope_to_json, the library's rendering).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

typedef Wal2events__V1__EventEnvelope__TagsEntry TagsEntry;

void
envelope_init(Envelope *e)
{
	memset(e, 0, sizeof(*e));
	w2e_buffer_init(&e->json, NULL);
}

void
envelope_free(Envelope *e)
{
	free(e->tag_entries);
	free(e->tag_ptrs);
	w2e_buffer_free(&e->json);
	free(e->packed);
	e->packed = NULL;
	e->tag_entries = NULL;
	e->tag_ptrs = NULL;
}

/* Make room for n tags. */
static int
reserve_tags(Envelope *e, size_t n)
{
	if (n <= e->tag_cap)
		return 0;
	free(e->tag_entries);
	free(e->tag_ptrs);
	e->tag_entries = malloc(n * sizeof(TagsEntry));
	e->tag_ptrs = malloc(n * sizeof(TagsEntry *));
	e->tag_cap = e->tag_entries != NULL && e->tag_ptrs != NULL ? n : 0;
	return e->tag_cap == 0 ? -1 : 0;
}

/*
 * The event's tags (a domain event's own, or a row change's route tags) as
 * the envelope's map entries: the same strings, another entry type.
 */
static int
copy_tags(Envelope *e, const W2eEvent *event)
{
	TagsEntry	init = WAL2EVENTS__V1__EVENT_ENVELOPE__TAGS_ENTRY__INIT;
	size_t		n = 0;
	size_t		i;

	if (event->body_case == WAL2EVENTS__V1__EVENT__BODY_DOMAIN)
		n = event->domain->n_tags;
	else if (event->body_case == WAL2EVENTS__V1__EVENT__BODY_ROW)
		n = event->row->n_tags;
	if (n == 0)
		return 0;
	if (reserve_tags(e, n) != 0)
		return -1;
	for (i = 0; i < n; i++)
	{
		int			domain = event->body_case == WAL2EVENTS__V1__EVENT__BODY_DOMAIN;

		e->tag_entries[i] = init;
		e->tag_entries[i].key = domain ? event->domain->tags[i]->key : event->row->tags[i]->key;
		e->tag_entries[i].value = domain ? event->domain->tags[i]->value : event->row->tags[i]->value;
		e->tag_ptrs[i] = &e->tag_entries[i];
	}
	e->env.n_tags = n;
	e->env.tags = e->tag_ptrs;
	return 0;
}

/* A row change: its one relation, at index 0. */
static void
attach_relation(Envelope *e, const W2eTransaction *txn)
{
	W2eRelation *rel = txn->relations[e->event.row->relation];

	e->row = *e->event.row;
	e->row.relation = 0;
	e->event.row = &e->row;
	e->relations[0] = rel;
	e->env.n_relations = 1;
	e->env.relations = e->relations;
	e->env.schema = rel->schema;
	e->env.table = rel->table;
}

static void
fill(Envelope *e, const W2eTransaction *txn, const W2eEvent *event)
{
	W2eEventEnvelope init = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;

	e->env = init;
	e->event = *event;
	w2e_event_id(e->id, txn->system_identifier, txn->commit_lsn, event->position);
	/* an outbox row's own id is the event id (see the contract) */
	e->env.id = event->id_override != NULL && event->id_override[0] != '\0' ?
		event->id_override : e->id;
	e->env.type = event->type;
	e->env.partition_key = event->partition_key;
	e->env.commit_time = txn->commit_time;
	e->env.database = txn->database;
	e->env.xid = txn->xid;
	e->env.commit_lsn = txn->commit_lsn;
	e->env.position = event->position;
	e->env.system_identifier = txn->system_identifier;
	e->env.origin = txn->origin;
	e->env.origin_lsn = txn->origin_lsn;
	e->env.non_transactional = txn->non_transactional;
	e->env.event = &e->event;
	if (event->body_case == WAL2EVENTS__V1__EVENT__BODY_ROW)
		attach_relation(e, txn);
	e->key.commit_lsn = txn->commit_lsn;
	e->key.position = event->position;
	e->key.part = KEY_PART_EVENT;
}

static int
encode_protobuf(Envelope *e, W2eError *err)
{
	size_t		size = wal2events__v1__event_envelope__get_packed_size(&e->env);

	if (size > e->packed_cap)
	{
		size_t		cap = size < 4096 ? 4096 : size + size / 4;
		uint8_t    *grown = malloc(cap);

		if (grown == NULL)
		{
			snprintf(err->message, sizeof(err->message), "out of memory encoding event %s", e->env.id);
			return -1;
		}
		free(e->packed);
		e->packed = grown;
		e->packed_cap = cap;
	}
	e->len = wal2events__v1__event_envelope__pack(&e->env, e->packed);
	e->data = e->packed;
	return 0;
}

int
envelope_build(Envelope *e, const W2eTransaction *txn, const W2eEvent *event,
			   PayloadFormat format, W2eError *err)
{
	fill(e, txn, event);
	if (copy_tags(e, event) != 0)
	{
		snprintf(err->message, sizeof(err->message), "out of memory building event %s", e->env.id);
		return -1;
	}
	if (format != PAYLOAD_JSON)
		return encode_protobuf(e, err);
	w2e_buffer_reset(&e->json);
	if (w2e_envelope_to_json(&e->env, &e->json, err) != 0)
		return -1;
	e->data = (const uint8_t *) e->json.data;
	e->len = e->json.len;
	return 0;
}
