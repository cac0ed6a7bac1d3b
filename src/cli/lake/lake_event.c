/*
 * lake_event.c
 *    An event's record and fields (see lake_event.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake_event.h"
#include "lake_json.h"
#include "lake_time.h"
#include "ship_common.h"

void
lake_event_init(LakeEvent *e)
{
	memset(e, 0, sizeof(*e));
	w2e_buffer_init(&e->record, NULL);
	w2e_buffer_init(&e->id, NULL);
	w2e_buffer_init(&e->type, NULL);
	w2e_buffer_init(&e->partition_key, NULL);
	w2e_buffer_init(&e->database, NULL);
	w2e_buffer_init(&e->schema, NULL);
	w2e_buffer_init(&e->table, NULL);
}

void
lake_event_free(LakeEvent *e)
{
	w2e_buffer_free(&e->record);
	w2e_buffer_free(&e->id);
	w2e_buffer_free(&e->type);
	w2e_buffer_free(&e->partition_key);
	w2e_buffer_free(&e->database);
	w2e_buffer_free(&e->schema);
	w2e_buffer_free(&e->table);
}

static void
reset(LakeEvent *e, LakeFormat format)
{
	w2e_buffer_reset(&e->record);
	w2e_buffer_reset(&e->id);
	w2e_buffer_reset(&e->type);
	w2e_buffer_reset(&e->partition_key);
	w2e_buffer_reset(&e->database);
	w2e_buffer_reset(&e->schema);
	w2e_buffer_reset(&e->table);
	e->format = format;
	e->commit_lsn = e->system_identifier = 0;
	e->commit_time_us = 0;
	e->position = e->xid = 0;
	e->body_offset = e->body_len = 0;
}

static int
set_str(W2eBuffer *b, const char *s)
{
	return w2e_buffer_append_str(b, s != NULL ? s : "");
}

static int
out_of_memory(W2eError *err)
{
	snprintf(err->message, sizeof(err->message), "out of memory");
	return -1;
}

int
lake_event_from_envelope(LakeEvent *e, const W2eEventEnvelope *env, LakeFormat format,
						 const uint8_t *packed, size_t packed_len, const char *json, size_t json_len,
						 W2eError *err)
{
	reset(e, format);
	if (set_str(&e->id, env->id) != 0 || set_str(&e->type, env->type) != 0 ||
		set_str(&e->partition_key, env->partition_key) != 0 ||
		set_str(&e->database, env->database) != 0 || set_str(&e->schema, env->schema) != 0 ||
		set_str(&e->table, env->table) != 0)
		return out_of_memory(err);
	e->commit_lsn = env->commit_lsn;
	e->commit_time_us = env->commit_time;
	e->system_identifier = env->system_identifier;
	e->position = env->position;
	e->xid = env->xid;
	if (format == LAKE_FORMAT_PROTOBUF)
	{
		uint8_t		header[W2E_FRAME_HEADER_MAX];
		size_t		len = packed != NULL ? packed_len :
			wal2events__v1__event_envelope__get_packed_size(env);
		size_t		n = frame_header(header, len);

		uint8_t    *own = NULL;
		int			rc;

		if (packed == NULL)
		{
			own = malloc(len > 0 ? len : 1);
			if (own == NULL)
				return out_of_memory(err);
			wal2events__v1__event_envelope__pack(env, own);
		}
		rc = w2e_buffer_append(&e->record, header, n) != 0 ||
			w2e_buffer_append(&e->record, packed != NULL ? packed : own, len) != 0;
		free(own);
		e->body_offset = n;
		e->body_len = len;
		return rc != 0 ? out_of_memory(err) : 0;
	}
	if (json != NULL)
	{
		if (w2e_buffer_append(&e->record, json, json_len) != 0)
			return out_of_memory(err);
	}
	else if (w2e_envelope_to_json(env, &e->record, err) != 0)
		return -1;
	e->body_len = e->record.len;
	return w2e_buffer_append(&e->record, "\n", 1) != 0 ? out_of_memory(err) : 0;
}

typedef struct JsonFields
{
	LakeEvent  *e;
	int			failed;
	const char *bad;			/* the field that did not read (not NUL-terminated) */
	size_t		bad_len;
} JsonFields;

static int
json_field(void *ctx, const char *name, size_t len, const LakeJsonValue *v)
{
	JsonFields *f = ctx;
	LakeEvent  *e = f->e;
	uint64_t	u = 0;
	int			rc = 0;

	if (v->kind == 'z')
		return 0;				/* null: the field stays empty */
	if (LAKE_JSON_IS(name, len, "id"))
		rc = lake_json_string(v, &e->id);
	else if (LAKE_JSON_IS(name, len, "type"))
		rc = lake_json_string(v, &e->type);
	else if (LAKE_JSON_IS(name, len, "partition_key"))
		rc = lake_json_string(v, &e->partition_key);
	else if (LAKE_JSON_IS(name, len, "database"))
		rc = lake_json_string(v, &e->database);
	else if (LAKE_JSON_IS(name, len, "schema"))
		rc = lake_json_string(v, &e->schema);
	else if (LAKE_JSON_IS(name, len, "table"))
		rc = lake_json_string(v, &e->table);
	else if (LAKE_JSON_IS(name, len, "commit_lsn"))
	{
		char		text[40];

		rc = v->kind != 's' || v->len >= sizeof(text) ? -1 : 0;
		if (rc == 0)
		{
			memcpy(text, v->text, v->len);
			text[v->len] = '\0';
			rc = lsn_parse(text, &e->commit_lsn);
		}
	}
	else if (LAKE_JSON_IS(name, len, "commit_time"))
		rc = v->kind == 'z' ? 0 : v->kind != 's' ? -1 : lake_time_parse(v->text, v->len, &e->commit_time_us);
	else if (LAKE_JSON_IS(name, len, "system_identifier"))
		rc = lake_json_u64(v, &e->system_identifier);
	else if (LAKE_JSON_IS(name, len, "position") || LAKE_JSON_IS(name, len, "xid"))
	{
		rc = lake_json_u64(v, &u) != 0 || u > UINT32_MAX ? -1 : 0;
		if (name[0] == 'p')
			e->position = (uint32_t) u;
		else
			e->xid = (uint32_t) u;
	}
	if (rc != 0)
	{
		f->failed = 1;
		f->bad = name;
		f->bad_len = len;
		return -1;
	}
	return 0;
}

int
lake_event_from_json(LakeEvent *e, const char *line, size_t len, W2eError *err)
{
	JsonFields	f = {e, 0, NULL, 0};

	reset(e, LAKE_FORMAT_NDJSON);
	if (lake_json_members(line, len, json_field, &f) != 0)
	{
		if (f.bad != NULL)
			snprintf(err->message, sizeof(err->message), "its field \"%.*s\" has an unexpected value",
					 (int) (f.bad_len > 40 ? 40 : f.bad_len), f.bad);
		else
			snprintf(err->message, sizeof(err->message), "not a JSON object");
		return -1;
	}
	if (e->id.len == 0 || e->type.len == 0)
	{
		snprintf(err->message, sizeof(err->message), "no \"%s\": not an event of wal2events",
				 e->id.len == 0 ? "id" : "type");
		return -1;
	}
	if (w2e_buffer_append(&e->record, line, len) != 0 || w2e_buffer_append(&e->record, "\n", 1) != 0)
		return out_of_memory(err);
	e->body_len = len;
	return 0;
}
