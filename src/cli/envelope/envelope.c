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
#include "wire_fields.h"

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
	free(e->raw_events);
	free(e->raw_relations);
	e->raw_events = e->raw_relations = NULL;
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

/* w2e_event_id(), its "<system id>/<commit LSN>/" formatted once per transaction. */
static void
event_id(Envelope *e, const W2eTransaction *txn, uint32_t position)
{
	size_t		n;

	if (e->id_prefix_len == 0 || e->id_prefix_sysid != txn->system_identifier ||
		e->id_prefix_lsn != txn->commit_lsn)
	{
		w2e_event_id(e->id_prefix, txn->system_identifier, txn->commit_lsn, 0);
		e->id_prefix_len = strlen(e->id_prefix) - 1;	/* without the "0" */
		e->id_prefix_sysid = txn->system_identifier;
		e->id_prefix_lsn = txn->commit_lsn;
	}
	memcpy(e->id, e->id_prefix, e->id_prefix_len);
	n = ship_put_decimal(e->id + e->id_prefix_len, position);
	e->id[e->id_prefix_len + n] = '\0';
}

static void
fill(Envelope *e, const W2eTransaction *txn, const W2eEvent *event)
{
	W2eEventEnvelope init = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;

	e->env = init;
	e->event = *event;
	event_id(e, txn, event->position);
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

/* ---- protobuf from the message's own bytes ---- */

static int
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t	r = 0;
	int			shift;

	for (shift = 0; shift < 64 && *p < end; shift += 7)
	{
		uint8_t		b = *(*p)++;

		r |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Past one field's value; for a length-delimited one, its bytes in *span. -1 when malformed. */
static int
skip_value(const uint8_t **p, const uint8_t *end, uint64_t tag, EnvelopeSpan *span)
{
	uint64_t	v;

	switch (W2E_WIRE_TAG_TYPE(tag))
	{
		case W2E_WIRE_VARINT:
			return read_varint(p, end, &v);
		case W2E_WIRE_FIXED64:
			if (end - *p < 8)
				return -1;
			*p += 8;
			return 0;
		case W2E_WIRE_FIXED32:
			if (end - *p < 4)
				return -1;
			*p += 4;
			return 0;
		case W2E_WIRE_LEN:
			if (read_varint(p, end, &v) != 0 || v > (uint64_t) (end - *p))
				return -1;
			if (span != NULL)
			{
				span->data = *p;
				span->len = (size_t) v;
			}
			*p += v;
			return 0;
		default:
			return -1;
	}
}

static int
push_span(EnvelopeSpan **spans, size_t *n, size_t *cap, const EnvelopeSpan *span)
{
	if (*n == *cap)
	{
		size_t		grown = *cap == 0 ? 1024 : *cap * 2;
		EnvelopeSpan *p = realloc(*spans, grown * sizeof(EnvelopeSpan));

		if (p == NULL)
			return -1;
		*spans = p;
		*cap = grown;
	}
	(*spans)[(*n)++] = *span;
	return 0;
}

void
envelope_forget_message(Envelope *e)
{
	e->raw_ok = 0;
	e->raw_txn = NULL;
	e->n_raw_events = 0;
	e->n_raw_relations = 0;
}

void
envelope_set_message(Envelope *e, const uint8_t *data, size_t len, const W2eTransaction *txn)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;

	envelope_forget_message(e);
	while (p < end)
	{
		uint64_t	tag;
		EnvelopeSpan span = {NULL, 0};

		if (read_varint(&p, end, &tag) != 0 || skip_value(&p, end, tag, &span) != 0)
			return;
		if (tag == W2E_WIRE_TAG(W2E_FIELD_TXN_EVENTS, W2E_WIRE_LEN) &&
			push_span(&e->raw_events, &e->n_raw_events, &e->raw_events_cap, &span) != 0)
			return;
		if (tag == W2E_WIRE_TAG(W2E_FIELD_TXN_RELATIONS, W2E_WIRE_LEN) &&
			push_span(&e->raw_relations, &e->n_raw_relations, &e->raw_relations_cap, &span) != 0)
			return;
	}
	e->raw_txn = txn;
	e->raw_ok = e->n_raw_events == txn->n_events && e->n_raw_relations == txn->n_relations;
}

static uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80)
	{
		*p++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t) v;
	return p;
}

static size_t
varint_size(uint64_t v)
{
	size_t		n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *
put_tag(uint8_t *p, unsigned field, unsigned wire_type)
{
	return put_varint(p, W2E_WIRE_TAG(field, wire_type));
}

/* proto3: a zero number is not written */
static uint8_t *
put_number(uint8_t *p, unsigned field, uint64_t v)
{
	return v == 0 ? p : put_varint(put_tag(p, field, W2E_WIRE_VARINT), v);
}

static uint8_t *
put_bytes(uint8_t *p, unsigned field, const void *data, size_t len)
{
	p = put_varint(put_tag(p, field, W2E_WIRE_LEN), len);
	memcpy(p, data, len);
	return p + len;
}

/* proto3: an empty string is not written */
static uint8_t *
put_string(uint8_t *p, unsigned field, const char *s)
{
	return s == NULL || s[0] == '\0' ? p : put_bytes(p, field, s, strlen(s));
}

static size_t
string_room(const char *s)
{
	return s == NULL ? 0 : 11 + strlen(s);
}

/*
 * The Event's bytes with its row change's `relation` (RowChange.relation in
 * Event.row) left out, at out (room for ev->len bytes: the result
 * is never longer). The end of what was written, or NULL when malformed.
 */
static uint8_t *
put_event_without_relation(uint8_t *out, const EnvelopeSpan *ev)
{
	const uint8_t *p = ev->data;
	const uint8_t *end = ev->data + ev->len;

	while (p < end)
	{
		const uint8_t *start = p;
		uint64_t	tag;
		EnvelopeSpan row = {NULL, 0};
		const uint8_t *q;
		size_t		dropped = 0;

		if (read_varint(&p, end, &tag) != 0 || skip_value(&p, end, tag, &row) != 0)
			return NULL;
		if (tag != W2E_WIRE_TAG(W2E_FIELD_EVENT_ROW, W2E_WIRE_LEN))
		{
			memcpy(out, start, (size_t) (p - start));
			out += p - start;
			continue;
		}
		for (q = row.data; q < row.data + row.len;)
		{
			const uint8_t *field = q;

			if (read_varint(&q, row.data + row.len, &tag) != 0 ||
				skip_value(&q, row.data + row.len, tag, NULL) != 0)
				return NULL;
			if (tag == W2E_WIRE_TAG(W2E_FIELD_ROW_RELATION, W2E_WIRE_VARINT))
				dropped += (size_t) (q - field);
		}
		out = put_varint(put_tag(out, W2E_FIELD_EVENT_ROW, W2E_WIRE_LEN), row.len - dropped);
		for (q = row.data; q < row.data + row.len;)
		{
			const uint8_t *field = q;

			read_varint(&q, row.data + row.len, &tag);
			skip_value(&q, row.data + row.len, tag, NULL);
			if (tag != W2E_WIRE_TAG(W2E_FIELD_ROW_RELATION, W2E_WIRE_VARINT))
			{
				memcpy(out, field, (size_t) (q - field));
				out += q - field;
			}
		}
	}
	return out;
}

/* The envelope of txn->events[index] from the message's bytes: 1 done, 0 not possible, -1 out of memory. */
static int
encode_raw(Envelope *e, const W2eEvent *event, size_t index, W2eError *err)
{
	const W2eEventEnvelope *env = &e->env;
	const EnvelopeSpan *ev = &e->raw_events[index];
	const EnvelopeSpan *rel = NULL;
	size_t		room;
	size_t		i;
	uint8_t    *p,
			   *event_at,
			   *event_end;

	room = 200 + string_room(env->id) + string_room(env->type) + string_room(env->partition_key) +
		string_room(env->database) + string_room(env->schema) + string_room(env->table) +
		string_room(env->origin) + 11 + ev->len;
	for (i = 0; i < env->n_tags; i++)
		room += 33 + strlen(env->tags[i]->key) + strlen(env->tags[i]->value);
	if (event->body_case == WAL2EVENTS__V1__EVENT__BODY_ROW)
	{
		rel = &e->raw_relations[event->row->relation];	/* in range: the parser checked */
		room += 11 + rel->len;
	}
	if (room > e->packed_cap)
	{
		size_t		cap = room < 4096 ? 4096 : room + room / 4;
		uint8_t    *grown = malloc(cap);

		if (grown == NULL)
		{
			snprintf(err->message, sizeof(err->message), "out of memory encoding event %s", env->id);
			return -1;
		}
		free(e->packed);
		e->packed = grown;
		e->packed_cap = cap;
	}
	p = e->packed;
	p = put_string(p, W2E_FIELD_ENV_ID, env->id);
	p = put_string(p, W2E_FIELD_ENV_TYPE, env->type);
	p = put_string(p, W2E_FIELD_ENV_PARTITION_KEY, env->partition_key);
	p = put_number(p, W2E_FIELD_ENV_COMMIT_TIME, (uint64_t) env->commit_time);
	p = put_string(p, W2E_FIELD_ENV_DATABASE, env->database);
	p = put_string(p, W2E_FIELD_ENV_SCHEMA, env->schema);
	p = put_string(p, W2E_FIELD_ENV_TABLE, env->table);
	p = put_number(p, W2E_FIELD_ENV_XID, env->xid);
	p = put_number(p, W2E_FIELD_ENV_COMMIT_LSN, env->commit_lsn);
	p = put_number(p, W2E_FIELD_ENV_POSITION, env->position);
	for (i = 0; i < env->n_tags; i++)
	{
		const char *k = env->tags[i]->key;
		const char *v = env->tags[i]->value;
		size_t		kl = k != NULL ? strlen(k) : 0;
		size_t		vl = v != NULL ? strlen(v) : 0;
		size_t		entry = (kl > 0 ? 1 + varint_size(kl) + kl : 0) + (vl > 0 ? 1 + varint_size(vl) + vl : 0);

		p = put_varint(put_tag(p, W2E_FIELD_ENV_TAGS, W2E_WIRE_LEN), entry);
		p = put_string(p, W2E_FIELD_MAP_KEY, k);
		p = put_string(p, W2E_FIELD_MAP_VALUE, v);
	}
	/* the event: its length is known once written; room for the longest length varint */
	p = put_tag(p, W2E_FIELD_ENV_EVENT, W2E_WIRE_LEN);
	event_at = p + varint_size(ev->len);
	event_end = put_event_without_relation(event_at, ev);
	if (event_end == NULL)
		return 0;
	if (varint_size((uint64_t) (event_end - event_at)) != (size_t) (event_at - p))
	{
		size_t		len = (size_t) (event_end - event_at);
		uint8_t    *moved = p + varint_size(len);

		memmove(moved, event_at, len);
		event_at = moved;
		event_end = moved + len;
	}
	put_varint(p, (uint64_t) (event_end - event_at));
	p = event_end;
	if (rel != NULL)
		p = put_bytes(p, W2E_FIELD_ENV_RELATIONS, rel->data, rel->len);
	p = put_number(p, W2E_FIELD_ENV_SYSTEM_IDENTIFIER, env->system_identifier);
	p = put_string(p, W2E_FIELD_ENV_ORIGIN, env->origin);
	p = put_number(p, W2E_FIELD_ENV_NON_TRANSACTIONAL, env->non_transactional ? 1 : 0);
	p = put_number(p, W2E_FIELD_ENV_ORIGIN_LSN, env->origin_lsn);
	e->len = (size_t) (p - e->packed);
	e->data = e->packed;
	return 1;
}

/* Build the envelope of event, txn->events[index] (SIZE_MAX: not known). */
static int
build(Envelope *e, const W2eTransaction *txn, const W2eEvent *event, size_t index,
	  PayloadFormat format, W2eError *err)
{
	int			r;

	fill(e, txn, event);
	if (copy_tags(e, event) != 0)
	{
		snprintf(err->message, sizeof(err->message), "out of memory building event %s", e->env.id);
		return -1;
	}
	if (format != PAYLOAD_JSON)
	{
		if (e->raw_ok && e->raw_txn == txn && index < e->n_raw_events && (r = encode_raw(e, event, index, err)) != 0)
			return r > 0 ? 0 : -1;
		return encode_protobuf(e, err);
	}
	w2e_buffer_reset(&e->json);
	if (w2e_envelope_to_json(&e->env, &e->json, err) != 0)
		return -1;
	e->data = (const uint8_t *) e->json.data;
	e->len = e->json.len;
	return 0;
}

int
envelope_build(Envelope *e, const W2eTransaction *txn, const W2eEvent *event,
			   PayloadFormat format, W2eError *err)
{
	size_t		i;

	for (i = 0; i < txn->n_events; i++)
		if (txn->events[i] == event)
			break;
	return build(e, txn, event, i < txn->n_events ? i : SIZE_MAX, format, err);
}

int
envelope_build_at(Envelope *e, const W2eTransaction *txn, size_t index,
				  PayloadFormat format, W2eError *err)
{
	return build(e, txn, txn->events[index], index, format, err);
}
