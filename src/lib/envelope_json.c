/*
 * envelope_json.c
 *    An EventEnvelope (one event with its transaction's context, what
 *    `wal2events ship` publishes) as one line of JSON.
 *
 * Shape (members in this order, optional ones only when they apply):
 *
 *   {"id":"<sysid>/<commit_lsn %016X>/<position>","type":"orders-created",
 *    "partition_key":"1",
 *    "subject":"shop.{type}",                   -- only when the route has one
 *    "commit_lsn":"0/16B3F28",
 *    "commit_time":"2026-11-26T21:00:00.123456Z","database":"db",
 *    "system_identifier":"7312895063207461234","xid":744,"position":0,
 *    "lsn":"0/16B3E00",
 *    "origin":"o1","origin_lsn":"0/5",          -- only when origin is set
 *    "non_transactional":true,                  -- only when true
 *    <body members>}
 *
 * The body members are exactly those of the same event in
 * w2e_transaction_to_json() ("operation", "schema", "table", "new", ... for
 * a row change; "payload" and "tags" for a domain event; "prefix" and
 * "content" for a logical message), rendered by the same code, so a consumer
 * reads an event the same way whichever of the two it gets. The envelope's
 * own schema, table and tags members are not repeated: the body has them.
 */
#include <string.h>

#include "internal.h"

static int
append_lsn_member(W2eBuffer *out, const char *name, uint64_t lsn)
{
	return w2e_buffer_append_fmt(out, ",\"%s\":", name) != 0 ? -1 :
		w2e_json_append_lsn(out, lsn);
}

/* Everything before the body. */
static int
append_header(W2eBuffer *out, const W2eEventEnvelope *env, const W2eEvent *event)
{
	if (w2e_buffer_append_str(out, "{\"id\":") != 0 ||
		w2e_json_append_cstring(out, env->id) != 0 ||
		w2e_buffer_append_str(out, ",\"type\":") != 0 ||
		w2e_json_append_cstring(out, event->type) != 0 ||
		w2e_buffer_append_str(out, ",\"partition_key\":") != 0 ||
		w2e_json_append_cstring(out, event->partition_key) != 0)
		return -1;
	if (W2E_STR(event->subject)[0] != '\0' &&
		(w2e_buffer_append_str(out, ",\"subject\":") != 0 ||
		 w2e_json_append_cstring(out, event->subject) != 0))
		return -1;
	if (append_lsn_member(out, "commit_lsn", env->commit_lsn) != 0 ||
		w2e_buffer_append_str(out, ",\"commit_time\":") != 0 ||
		w2e_json_append_commit_time(out, env->commit_time, env->non_transactional) != 0 ||
		w2e_buffer_append_str(out, ",\"database\":") != 0 ||
		w2e_json_append_cstring(out, env->database) != 0 ||
		w2e_buffer_append_fmt(out, ",\"system_identifier\":\"%llu\",\"xid\":%u,\"position\":%u",
							  (unsigned long long) env->system_identifier,
							  (unsigned) env->xid, (unsigned) event->position) != 0 ||
		append_lsn_member(out, "lsn", event->lsn) != 0)
		return -1;
	if (W2E_STR(env->origin)[0] != '\0' &&
		(w2e_buffer_append_str(out, ",\"origin\":") != 0 ||
		 w2e_json_append_cstring(out, env->origin) != 0 ||
		 append_lsn_member(out, "origin_lsn", env->origin_lsn) != 0))
		return -1;
	if (env->non_transactional &&
		w2e_buffer_append_str(out, ",\"non_transactional\":true") != 0)
		return -1;
	return 0;
}

/*
 * The envelope seen as a one-event transaction, so that the transaction's
 * consistency rules (relation index in range, value counts) and its body
 * rendering apply unchanged.
 */
static void
as_transaction(const W2eEventEnvelope *env, W2eTransaction *txn, W2eEvent **events)
{
	W2eTransaction init = WAL2EVENTS__V1__TRANSACTION__INIT;

	*txn = init;
	txn->system_identifier = env->system_identifier;
	txn->commit_lsn = env->commit_lsn;
	txn->n_events = 1;
	txn->events = events;
	txn->n_relations = env->n_relations;
	txn->relations = env->relations;
	txn->non_transactional = env->non_transactional;
}

int
w2e_envelope_validate(const W2eEventEnvelope *env, W2eError *err)
{
	W2eTransaction txn;
	W2eEvent   *events[1];

	if (env->event == NULL)
	{
		w2e_set_error(err, "envelope %s has no event", W2E_STR(env->id));
		return -1;
	}
	events[0] = env->event;
	as_transaction(env, &txn, events);
	if (w2e_transaction_validate(&txn, err) != 0)
	{
		w2e_prefix_error(err, "envelope %s", W2E_STR(env->id));
		return -1;
	}
	return 0;
}

int
w2e_envelope_to_json(const W2eEventEnvelope *env, W2eBuffer *out, W2eError *err)
{
	W2eTransaction txn;
	W2eEvent   *events[1];
	size_t		start = out->len;

	if (w2e_envelope_validate(env, err) != 0)
		return -1;
	events[0] = env->event;
	as_transaction(env, &txn, events);
	if (append_header(out, env, env->event) != 0 ||
		w2e_json_append_event_body(out, &txn, env->event) != 0 ||
		w2e_buffer_append_char(out, '}') != 0)
	{
		out->len = start;
		if (out->cap > 0)
			out->data[start] = '\0';
		w2e_set_error(err, "out of memory while rendering JSON");
		return -1;
	}
	return 0;
}
