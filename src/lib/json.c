/*
 * json.c
 *    A Transaction as one line of JSON: the rendering shared by the plugin's
 *    format=json, wal2events.decode() and `wal2events decode`.
 *
 * Shape (members in this order, optional ones only when they apply):
 *
 *   {"xid":744,"commit_lsn":"0/16B3F28","commit_time":"2026-11-26T21:00:00.123456Z",
 *    "database":"db","system_identifier":"7312895063207461234",
 *    "origin":"o1","origin_lsn":"0/5",           -- only when origin is set
 *    "chunk":0,"last_chunk":true,
 *    "non_transactional":true,                    -- only when true
 *    "oversized":2,                               -- only when not 0
 *    "backfill_window_lsn":"0/16B3A00",           -- only when not 0
 *    "events":[{"id":"<sysid>/<commit_lsn %016X>/<position>","position":0,
 *               "lsn":"0/16B3E00","type":"orders-created","partition_key":"1",
 *               "subject":"shop.{type}",         -- only when the route has one
 *               <body members>}, ...]}
 *
 * "id" is Event.id_override instead when the event has one (outbox rows).
 *
 * The system identifier is a string because it does not fit a double.
 * commit_time is null for a non-transactional message without one. Body
 * members: a row change as json_row.c describes, then "tags":{...} when its
 * route has tags; a domain event as
 * "payload":<its JSON, compacted>,"tags":{...}; a logical message as
 * "prefix":"p" and "content":"<text>" when the content is UTF-8 without NUL
 * bytes, else "content_hex":"<lower-case hex>"; an event too large to encode
 * as "oversized":{"bytes":n,"sha256":"<hex>"}. Values: json_value.c.
 *
 * The line holds no newline anywhere: strings escape theirs and embedded
 * JSON is compacted.
 */
#include <string.h>

#include "internal.h"

/* An LSN as a JSON string, "16/B374D848". Shared with envelope_json.c. */
int
w2e_json_append_lsn(W2eBuffer *out, uint64_t lsn)
{
	char		text[W2E_LSN_MAX];

	w2e_lsn_format(text, lsn);
	return w2e_buffer_append_fmt(out, "\"%s\"", text);
}

/*
 * A commit time as a JSON timestamptz string; null for a non-transactional
 * message, which has none. Shared with envelope_json.c.
 */
int
w2e_json_append_commit_time(W2eBuffer *out, int64_t commit_time, int non_transactional)
{
	char		text[W2E_DATETIME_MAX];

	if (commit_time == 0 && non_transactional)
		return w2e_buffer_append_str(out, "null");
	w2e_format_timestamp(text, commit_time, 1);
	return w2e_buffer_append_fmt(out, "\"%s\"", text);
}

/* Everything before "events". */
static int
append_header(W2eBuffer *out, const W2eTransaction *txn)
{
	if (w2e_buffer_append_fmt(out, "{\"xid\":%u,\"commit_lsn\":", (unsigned) txn->xid) != 0 ||
		w2e_json_append_lsn(out, txn->commit_lsn) != 0 ||
		w2e_buffer_append_str(out, ",\"commit_time\":") != 0 ||
		w2e_json_append_commit_time(out, txn->commit_time, txn->non_transactional) != 0 ||
		w2e_buffer_append_str(out, ",\"database\":") != 0 ||
		w2e_json_append_cstring(out, txn->database) != 0 ||
		w2e_buffer_append_fmt(out, ",\"system_identifier\":\"%llu\"",
							  (unsigned long long) txn->system_identifier) != 0)
		return -1;
	if (W2E_STR(txn->origin)[0] != '\0' &&
		(w2e_buffer_append_str(out, ",\"origin\":") != 0 ||
		 w2e_json_append_cstring(out, txn->origin) != 0 ||
		 w2e_buffer_append_str(out, ",\"origin_lsn\":") != 0 ||
		 w2e_json_append_lsn(out, txn->origin_lsn) != 0))
		return -1;
	if (w2e_buffer_append_fmt(out, ",\"chunk\":%u,\"last_chunk\":%s", (unsigned) txn->chunk,
							  txn->last_chunk ? "true" : "false") != 0)
		return -1;
	if (txn->non_transactional &&
		w2e_buffer_append_str(out, ",\"non_transactional\":true") != 0)
		return -1;
	if (txn->oversized > 0 &&
		w2e_buffer_append_fmt(out, ",\"oversized\":%u", (unsigned) txn->oversized) != 0)
		return -1;
	if (txn->backfill_window_lsn != 0 &&
		(w2e_buffer_append_str(out, ",\"backfill_window_lsn\":") != 0 ||
		 w2e_json_append_lsn(out, txn->backfill_window_lsn) != 0))
		return -1;
	return 0;
}

/* One member of "tags":{...}, after a comma unless it is the first. */
static int
append_tag(W2eBuffer *out, size_t i, const char *key, const char *value)
{
	return ((i > 0 && w2e_buffer_append_char(out, ',') != 0) ||
			w2e_json_append_cstring(out, key) != 0 ||
			w2e_buffer_append_char(out, ':') != 0 ||
			w2e_json_append_cstring(out, value) != 0) ? -1 : 0;
}

static int
append_domain(W2eBuffer *out, const W2eDomainEvent *domain)
{
	const char *payload = W2E_STR(domain->payload);
	size_t		i;

	if (w2e_buffer_append_str(out, ",\"payload\":") != 0 ||
		w2e_json_append_embedded(out, payload, strlen(payload)) != 0 ||
		w2e_buffer_append_str(out, ",\"tags\":{") != 0)
		return -1;
	for (i = 0; i < domain->n_tags; i++)
		if (append_tag(out, i, domain->tags[i]->key, domain->tags[i]->value) != 0)
			return -1;
	return w2e_buffer_append_char(out, '}');
}

/* A row change's body, then "tags" when its route has any. */
static int
append_row(W2eBuffer *out, const W2eTransaction *txn, const W2eRowChange *row)
{
	size_t		i;

	if (w2e_json_append_row(out, txn, row) != 0)
		return -1;
	if (row->n_tags == 0)
		return 0;
	if (w2e_buffer_append_str(out, ",\"tags\":{") != 0)
		return -1;
	for (i = 0; i < row->n_tags; i++)
		if (append_tag(out, i, row->tags[i]->key, row->tags[i]->value) != 0)
			return -1;
	return w2e_buffer_append_char(out, '}');
}

static int
append_message(W2eBuffer *out, const W2eLogicalMessage *message)
{
	const uint8_t *data = message->content.data;
	size_t		len = data != NULL ? message->content.len : 0;

	if (w2e_buffer_append_str(out, ",\"prefix\":") != 0 ||
		w2e_json_append_cstring(out, message->prefix) != 0)
		return -1;
	if (len == 0 || (memchr(data, '\0', len) == NULL && w2e_utf8_valid(data, len)))
	{
		if (w2e_buffer_append_str(out, ",\"content\":") != 0)
			return -1;
		return w2e_json_append_string(out, (const char *) data, len);
	}
	if (w2e_buffer_append_str(out, ",\"content_hex\":\"") != 0 ||
		w2e_buffer_append_hex(out, data, len) != 0)
		return -1;
	return w2e_buffer_append_char(out, '"');
}

/*
 * The members that depend on the event's kind (row change, domain event,
 * logical message), each after a comma. Shared with envelope_json.c.
 */
int
w2e_json_append_event_body(W2eBuffer *out, const W2eTransaction *txn,
						   const W2eEvent *event)
{
	if (event->body_case == W2E_BODY_ROW)
		return append_row(out, txn, event->row);
	if (event->body_case == W2E_BODY_DOMAIN)
		return append_domain(out, event->domain);
	if (event->body_case == W2E_BODY_OVERSIZED)
		return w2e_buffer_append_str(out, ",\"oversized\":") != 0 ||
			w2e_json_append_oversized(out, event->oversized) != 0 ? -1 : 0;
	return append_message(out, event->message);
}

static int
append_event(W2eBuffer *out, const W2eTransaction *txn, const W2eEvent *event)
{
	char		id[W2E_EVENT_ID_MAX];

	w2e_event_id(id, txn->system_identifier, txn->commit_lsn, event->position);
	if (w2e_buffer_append_str(out, "{\"id\":") != 0 ||
		w2e_json_append_cstring(out, W2E_STR(event->id_override)[0] ? event->id_override : id) != 0 ||
		w2e_buffer_append_fmt(out, ",\"position\":%u,\"lsn\":", (unsigned) event->position) != 0 ||
		w2e_json_append_lsn(out, event->lsn) != 0 ||
		w2e_buffer_append_str(out, ",\"type\":") != 0 ||
		w2e_json_append_cstring(out, event->type) != 0 ||
		w2e_buffer_append_str(out, ",\"partition_key\":") != 0 ||
		w2e_json_append_cstring(out, event->partition_key) != 0)
		return -1;
	if (W2E_STR(event->subject)[0] != '\0' &&
		(w2e_buffer_append_str(out, ",\"subject\":") != 0 ||
		 w2e_json_append_cstring(out, event->subject) != 0))
		return -1;
	if (w2e_json_append_event_body(out, txn, event) != 0)
		return -1;
	return w2e_buffer_append_char(out, '}');
}

/*
 * Validate first (a message built in memory gets the same checks as a
 * parsed one), then render; rendering itself can only run out of memory.
 * On failure out is restored to what it held before the call.
 */
int
w2e_transaction_to_json(const W2eTransaction *txn, W2eBuffer *out,
						W2eError *err)
{
	size_t		start = out->len;
	size_t		i;

	if (w2e_transaction_validate(txn, err) != 0)
		return -1;
	if (append_header(out, txn) != 0 ||
		w2e_buffer_append_str(out, ",\"events\":[") != 0)
		goto oom;
	for (i = 0; i < txn->n_events; i++)
	{
		if ((i > 0 && w2e_buffer_append_char(out, ',') != 0) ||
			append_event(out, txn, txn->events[i]) != 0)
			goto oom;
	}
	if (w2e_buffer_append(out, "]}", 2) != 0)
		goto oom;
	return 0;

oom:
	out->len = start;
	if (out->cap > 0)
		out->data[start] = '\0';
	w2e_set_error(err, "out of memory while rendering JSON");
	return -1;
}
