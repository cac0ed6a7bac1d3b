/*
 * lake_reader.c
 *    A stream's events read back from the lake (see lake_reader.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zstd.h>

#include "lake_json.h"
#include "lake_layout.h"
#include "lake_reader.h"

typedef struct LakeFileRef
{
	char	   *key;
	LakeKey		parsed;
} LakeFileRef;

/* What a file's index says (lake_file.h), as far as the reader needs it. */
typedef struct IndexInfo
{
	int64_t		time_min;
	int64_t		time_max;
	int			types_complete;
	int			type_selected;	/* one of its types matches the glob */
	char		sha256[65];
	const char *glob;
} IndexInfo;

struct LakeReader
{
	LakeStore  *store;
	LakeSelection sel;
	LakeFileRef *files;
	size_t		n_files;
	size_t		cap_files;
	size_t		next_file;
	int			oom;
	W2eBuffer	compressed;
	W2eBuffer	raw;
	W2eBuffer	index;
	size_t		pos;			/* next record in raw */
	LakeFormat	format;			/* of the file being read */
	const char *key;			/* the file being read */
	LakeEvent	event;
	LakeReadStats stats;
};

static int
found(void *ctx, const char *key, uint64_t size)
{
	LakeReader *r = ctx;
	LakeFileRef *f;

	if (r->n_files == r->cap_files)
	{
		size_t		cap = r->cap_files == 0 ? 256 : r->cap_files * 2;
		LakeFileRef *files = realloc(r->files, cap * sizeof(LakeFileRef));

		if (files == NULL)
		{
			r->oom = 1;
			return -1;
		}
		r->files = files;
		r->cap_files = cap;
	}
	f = &r->files[r->n_files];
	lake_parse_key(key, &f->parsed);
	if (f->parsed.kind != LAKE_OBJECT_DATA)
		return 0;
	if ((f->key = malloc(strlen(key) + 1)) == NULL)
	{
		r->oom = 1;
		return -1;
	}
	strcpy(f->key, key);
	r->n_files++;
	return 0;
}

static int
by_range(const void *a, const void *b)
{
	const LakeFileRef *x = a;
	const LakeFileRef *y = b;

	return x->parsed.first_seq < y->parsed.first_seq ? -1 : x->parsed.first_seq > y->parsed.first_seq;
}

typedef struct StreamNames
{
	char		list[400];
	int			count;
} StreamNames;

/* Collect the stream=NAME folders of a lake, for an error message. */
static int
stream_name(void *ctx, const char *key, uint64_t size)
{
	StreamNames *names = ctx;
	LakeKey		k;
	size_t		len = strlen(names->list);
	char		quoted[300];

	lake_parse_key(key, &k);
	if (k.kind == LAKE_OBJECT_OTHER)
		return 0;
	snprintf(quoted, sizeof(quoted), "%s, ", k.stream);
	if (strstr(names->list, quoted) == NULL && len + strlen(quoted) < sizeof(names->list))
	{
		memcpy(names->list + len, quoted, strlen(quoted) + 1);
		names->count++;
	}
	return 0;
}

/* "the lake at X holds no file of stream S (its streams: A, B)". */
static void
no_such_stream(LakeStore *store, const char *stream, char *error, size_t size)
{
	StreamNames names;
	char		ignored[300];

	memset(&names, 0, sizeof(names));
	lake_store_list(store, "stream=", stream_name, &names, ignored, sizeof(ignored));
	if (names.count > 0)
		names.list[strlen(names.list) - 2] = '\0';
	snprintf(error, size, "the lake at %s holds no file of stream %s (%s%s; fix --stream)",
			 store->shown, stream, names.count > 0 ? "its streams: " : "it holds no lake file at all",
			 names.list);
}

LakeReader *
lake_reader_open(LakeStore *store, const char *stream, const LakeSelection *sel, char *error, size_t size)
{
	LakeReader *r = calloc(1, sizeof(LakeReader));
	char		prefix[LAKE_KEY_MAX];

	if (r == NULL)
	{
		snprintf(error, size, "out of memory");
		return NULL;
	}
	r->store = store;
	r->sel = *sel;
	w2e_buffer_init(&r->compressed, NULL);
	w2e_buffer_init(&r->raw, NULL);
	w2e_buffer_init(&r->index, NULL);
	lake_event_init(&r->event);
	if (lake_stream_prefix(prefix, sizeof(prefix), stream) != 0 ||
		lake_store_list(store, prefix, found, r, error, size) != 0)
	{
		if (r->oom)
			snprintf(error, size, "out of memory listing the lake");
		lake_reader_close(r);
		return NULL;
	}
	if (r->n_files == 0)
	{
		no_such_stream(store, stream, error, size);
		lake_reader_close(r);
		return NULL;
	}
	qsort(r->files, r->n_files, sizeof(LakeFileRef), by_range);
	r->stats.files = r->n_files;
	return r;
}

static int
index_type(void *ctx, const char *name, size_t len, const LakeJsonValue *v)
{
	IndexInfo  *info = ctx;
	LakeJsonValue as_string = {name, len, 's', memchr(name, '\\', len) != NULL};
	W2eBuffer	type;
	int			rc = 0;

	/* the type as the events have it: an escaped name ("a\"b") unescaped first */
	w2e_buffer_init(&type, NULL);
	if (lake_json_string(&as_string, &type) != 0 || w2e_buffer_append(&type, "", 0) != 0)
		rc = -1;
	else if (lake_glob_match(info->glob, type.data != NULL ? type.data : ""))
	{
		info->type_selected = 1;
		rc = 1;
	}
	w2e_buffer_free(&type);
	return rc;
}

static int
index_field(void *ctx, const char *name, size_t len, const LakeJsonValue *v)
{
	IndexInfo  *info = ctx;

	if (LAKE_JSON_IS(name, len, "commit_time_min_us"))
		return lake_json_i64(v, &info->time_min);
	if (LAKE_JSON_IS(name, len, "commit_time_max_us"))
		return lake_json_i64(v, &info->time_max);
	if (LAKE_JSON_IS(name, len, "types_complete"))
		info->types_complete = v->kind == 't';
	else if (LAKE_JSON_IS(name, len, "sha256") && v->kind == 's' && v->len == 64)
	{
		memcpy(info->sha256, v->text, 64);
		info->sha256[64] = '\0';
	}
	else if (LAKE_JSON_IS(name, len, "types") && v->kind == 'o' && info->glob != NULL)
		return lake_json_members(v->text, v->len, index_type, info);
	return 0;
}

/* 1: the index says nothing in the file is selected. */
static int
skip_by_index(const LakeReader *r, const IndexInfo *info)
{
	if (info->time_max < r->sel.since_us || info->time_min >= r->sel.until_us)
		return 1;
	return r->sel.type_glob != NULL && info->types_complete && !info->type_selected;
}

static int
check_sha256(const W2eBuffer *data, const char *want)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char		hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int i;

	if (EVP_Digest(data->data, data->len, digest, &len, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return strcmp(hex, want) == 0 ? 0 : -1;
}

static int
decompress(LakeReader *r, char *error, size_t size)
{
	ZSTD_DCtx  *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = {r->compressed.data, r->compressed.len, 0};
	uint8_t		chunk[131072];
	size_t		left = 1;

	w2e_buffer_reset(&r->raw);
	if (d == NULL)
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	while (in.pos < in.size || left != 0)
	{
		ZSTD_outBuffer out = {chunk, sizeof(chunk), 0};

		left = ZSTD_decompressStream(d, &out, &in);
		if (ZSTD_isError(left) || (out.pos == 0 && in.pos == in.size && left != 0))
		{
			snprintf(error, size, "lake file %s is damaged: zstd: %s", r->key,
					 ZSTD_isError(left) ? ZSTD_getErrorName(left) : "it ends inside a frame");
			ZSTD_freeDCtx(d);
			return -1;
		}
		if (out.pos > 0 && w2e_buffer_append(&r->raw, chunk, out.pos) != 0)
		{
			snprintf(error, size, "out of memory reading %s", r->key);
			ZSTD_freeDCtx(d);
			return -1;
		}
	}
	ZSTD_freeDCtx(d);
	return 0;
}

/* The next file that may hold something selected, read whole: 1, 0 at the end, -1. */
static int
load_next_file(LakeReader *r, char *error, size_t size)
{
	char		index_key[LAKE_KEY_MAX];

	while (r->next_file < r->n_files)
	{
		LakeFileRef *f = &r->files[r->next_file++];
		IndexInfo	info = {INT64_MIN, INT64_MAX, 0, 0, "", r->sel.type_glob};
		int			have_index;
		int			rc;

		r->key = f->key;
		w2e_buffer_reset(&r->index);
		if (lake_index_key_of(&f->parsed, index_key, sizeof(index_key)) != 0)
			return -1;
		have_index = lake_store_get(r->store, index_key, &r->index, error, size);
		if (have_index < 0)
			return -1;
		have_index = have_index == 0;
		if (have_index && lake_json_members(r->index.data, r->index.len, index_field, &info) != 0)
		{
			snprintf(error, size, "the index of lake file %s is damaged (%s)", f->key, index_key);
			return -1;
		}
		if (have_index && skip_by_index(r, &info))
		{
			r->stats.files_skipped++;
			continue;
		}
		w2e_buffer_reset(&r->compressed);
		rc = lake_store_get(r->store, f->key, &r->compressed, error, size);
		if (rc > 0)
			snprintf(error, size, "lake file %s disappeared while it was read", f->key);
		if (rc != 0)
			return -1;
		if (have_index && info.sha256[0] != '\0' && check_sha256(&r->compressed, info.sha256) != 0)
		{
			snprintf(error, size, "lake file %s is damaged: its SHA-256 is not the one its index holds", f->key);
			return -1;
		}
		if (decompress(r, error, size) != 0)
			return -1;
		r->stats.files_read++;
		r->stats.bytes_read += r->compressed.len;
		r->format = f->parsed.format;
		r->pos = 0;
		return 1;
	}
	return 0;
}

/* The record at r->pos into r->event: 0, or -1. */
static int
read_record(LakeReader *r, char *error, size_t size)
{
	const char *at = r->raw.data + r->pos;
	size_t		left = r->raw.len - r->pos;
	W2eError	err;

	if (r->format == LAKE_FORMAT_NDJSON)
	{
		const char *nl = memchr(at, '\n', left);
		size_t		len = nl != NULL ? (size_t) (nl - at) : left;

		r->pos += len + (nl != NULL);
		if (lake_event_from_json(&r->event, at, len, &err) == 0)
			return 0;
	}
	else
	{
		const uint8_t *payload;
		size_t		payload_len,
					consumed;
		W2eEventEnvelope *env;

		if (w2e_frame_next((const uint8_t *) at, left, &payload, &payload_len, &consumed, &err) != W2E_FRAME_OK)
		{
			snprintf(error, size, "lake file %s is damaged at byte %zu: %s", r->key, r->pos, err.message);
			return -1;
		}
		r->pos += consumed;
		env = w2e_envelope_parse(payload, payload_len, NULL, &err);
		if (env != NULL)
		{
			int			rc = lake_event_from_envelope(&r->event, env, LAKE_FORMAT_PROTOBUF,
													  payload, payload_len, NULL, 0, &err);

			w2e_envelope_free(env, NULL);
			if (rc == 0)
				return 0;
		}
	}
	snprintf(error, size, "lake file %s holds a record that is not an event (at byte %zu): %s",
			 r->key, r->pos, err.message);
	return -1;
}

static int
selected(const LakeReader *r, const LakeEvent *e)
{
	const LakeSelection *s = &r->sel;

	if ((s->since_us != INT64_MIN || s->until_us != INT64_MAX) &&
		(e->commit_time_us < s->since_us || e->commit_time_us >= s->until_us))
		return 0;
	if (s->type_glob != NULL && !lake_glob_match(s->type_glob, e->type.data))
		return 0;
	return s->key == NULL || strcmp(s->key, e->partition_key.data) == 0;
}

int
lake_reader_next(LakeReader *r, const LakeEvent **event, char *error, size_t size)
{
	for (;;)
	{
		int			rc;

		if (r->pos >= r->raw.len || r->key == NULL)
		{
			w2e_buffer_reset(&r->raw);
			r->pos = 0;
			rc = load_next_file(r, error, size);
			if (rc <= 0)
				return rc;
			continue;
		}
		if (read_record(r, error, size) != 0)
			return -1;
		r->stats.events_read++;
		if (!selected(r, &r->event))
			continue;
		r->stats.events_selected++;
		*event = &r->event;
		return 1;
	}
}

const LakeReadStats *
lake_reader_stats(const LakeReader *r)
{
	return &r->stats;
}

void
lake_reader_close(LakeReader *r)
{
	size_t		i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_files; i++)
		free(r->files[i].key);
	free(r->files);
	w2e_buffer_free(&r->compressed);
	w2e_buffer_free(&r->raw);
	w2e_buffer_free(&r->index);
	lake_event_free(&r->event);
	free(r);
}
