/*
 * lake_file.c
 *    A lake file being filled, and its index (see lake_file.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
/* ZSTD_getFrameProgression (exported by libzstd since 1.3, in its static section) */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "lake_file.h"
#include "lake_time.h"

int
lake_file_init(LakeFile *f, int level)
{
	memset(f, 0, sizeof(*f));
	w2e_buffer_init(&f->compressed, NULL);
	f->level = level;
	f->cctx = ZSTD_createCCtx();
	return f->cctx != NULL ? 0 : -1;
}

static void
forget_types(LakeFile *f)
{
	size_t		i;

	for (i = 0; i < f->n_types; i++)
		free(f->types[i].type);
	f->n_types = 0;
}

void
lake_file_free(LakeFile *f)
{
	forget_types(f);
	ZSTD_freeCCtx(f->cctx);
	w2e_buffer_free(&f->compressed);
}

void
lake_file_start(LakeFile *f, int64_t hour, uint64_t first_seq, int64_t now_ms)
{
	ZSTD_CCtx  *cctx = f->cctx;

	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, f->level);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	w2e_buffer_reset(&f->compressed);
	forget_types(f);
	f->open = 1;
	f->hour = hour;
	f->opened_ms = now_ms;
	f->first_seq = f->last_seq = first_seq;
	f->messages = f->events = f->raw_bytes = 0;
	f->lsn_min = UINT64_MAX;
	f->lsn_max = 0;
	f->time_min = INT64_MAX;
	f->time_max = INT64_MIN;
	f->types_complete = 1;
}

/* Feed input (or end the frame) into f->compressed. 0, or -1 with err. */
static int
compress(LakeFile *f, const void *data, size_t len, ZSTD_EndDirective mode, W2eError *err)
{
	ZSTD_inBuffer in = {data, len, 0};
	uint8_t		chunk[65536];

	for (;;)
	{
		ZSTD_outBuffer out = {chunk, sizeof(chunk), 0};
		size_t		left = ZSTD_compressStream2(f->cctx, &out, &in, mode);

		if (ZSTD_isError(left))
		{
			snprintf(err->message, sizeof(err->message), "zstd: %s", ZSTD_getErrorName(left));
			return -1;
		}
		if (out.pos > 0 && w2e_buffer_append(&f->compressed, chunk, out.pos) != 0)
		{
			snprintf(err->message, sizeof(err->message), "out of memory");
			return -1;
		}
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static void
count_type(LakeFile *f, const char *type)
{
	size_t		i;

	for (i = 0; i < f->n_types; i++)
		if (strcmp(f->types[i].type, type) == 0)
		{
			f->types[i].count++;
			return;
		}
	if (f->n_types == LAKE_INDEX_TYPES_MAX || (f->types[f->n_types].type = strdup(type)) == NULL)
	{
		f->types_complete = 0;
		return;
	}
	f->types[f->n_types++].count = 1;
}

/*
 * What the file would weigh if it ended now, at most: the compressed bytes
 * it holds, zstd's compressed output not handed over yet, and zstd's input
 * not compressed yet (it keeps up to a block, 128 KiB, before it emits
 * anything) counted as if it did not compress, plus the frame's end.
 */
uint64_t
lake_file_size_bound(const LakeFile *f)
{
	ZSTD_frameProgression p = ZSTD_getFrameProgression(f->cctx);

	return f->compressed.len + (p.produced - p.flushed) + (p.ingested - p.consumed) +
		LAKE_FILE_END_BYTES;
}

int
lake_file_add(LakeFile *f, const LakeEvent *e, W2eError *err)
{
	if (compress(f, e->record.data, e->record.len, ZSTD_e_continue, err) != 0)
		return -1;
	f->events++;
	f->raw_bytes += e->record.len;
	if (e->commit_lsn < f->lsn_min)
		f->lsn_min = e->commit_lsn;
	if (e->commit_lsn > f->lsn_max)
		f->lsn_max = e->commit_lsn;
	if (e->commit_time_us < f->time_min)
		f->time_min = e->commit_time_us;
	if (e->commit_time_us > f->time_max)
		f->time_max = e->commit_time_us;
	count_type(f, e->type.data);
	return 0;
}

void
lake_file_message_done(LakeFile *f, uint64_t seq)
{
	f->last_seq = seq;
	f->messages++;
}

static int
append_index(LakeFile *f, const char *stream, LakeFormat format, W2eBuffer *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char		hex[2 * EVP_MAX_MD_SIZE + 1];
	char		lsn_min[32],
				lsn_max[32];
	char		time_min[LAKE_TIME_TEXT_MAX],
				time_max[LAKE_TIME_TEXT_MAX];
	char		line[1400];
	unsigned int i;
	size_t		t;
	int			rc;

	if (EVP_Digest(f->compressed.data, f->compressed.len, digest, &digest_len, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < digest_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	hex[2 * digest_len] = '\0';
	w2e_lsn_format(lsn_min, f->lsn_min);
	w2e_lsn_format(lsn_max, f->lsn_max);
	lake_time_format(time_min, sizeof(time_min), f->time_min);
	lake_time_format(time_max, sizeof(time_max), f->time_max);
	snprintf(line, sizeof(line),
			 "{\"version\":1,\"stream\":\"%s\",\"format\":\"%s\",\"first_seq\":%llu,\"last_seq\":%llu,"
			 "\"messages\":%llu,\"events\":%llu,\"commit_lsn_min\":\"%s\",\"commit_lsn_max\":\"%s\","
			 "\"commit_time_min\":\"%s\",\"commit_time_max\":\"%s\",\"commit_time_min_us\":%lld,"
			 "\"commit_time_max_us\":%lld,\"bytes\":%zu,\"uncompressed_bytes\":%llu,\"sha256\":\"%s\","
			 "\"types_complete\":%s,\"types\":{",
			 stream, format == LAKE_FORMAT_PROTOBUF ? "protobuf" : "ndjson",
			 (unsigned long long) f->first_seq, (unsigned long long) f->last_seq,
			 (unsigned long long) f->messages, (unsigned long long) f->events, lsn_min, lsn_max,
			 time_min, time_max, (long long) f->time_min, (long long) f->time_max,
			 f->compressed.len, (unsigned long long) f->raw_bytes, hex,
			 f->types_complete ? "true" : "false");
	rc = w2e_buffer_append_str(out, line);
	for (t = 0; rc == 0 && t < f->n_types; t++)
	{
		snprintf(line, sizeof(line), "%s", t > 0 ? "," : "");
		rc = w2e_buffer_append_str(out, line) != 0 ||
			w2e_json_append_cstring(out, f->types[t].type) != 0;
		snprintf(line, sizeof(line), ":%llu", (unsigned long long) f->types[t].count);
		rc = rc || w2e_buffer_append_str(out, line) != 0;
	}
	return rc || w2e_buffer_append_str(out, "}}\n") != 0 ? -1 : 0;
}

int
lake_file_finish(LakeFile *f, const char *stream, LakeFormat format, W2eBuffer *index, W2eError *err)
{
	f->open = 0;
	if (compress(f, NULL, 0, ZSTD_e_end, err) != 0)
		return -1;
	if (append_index(f, stream, format, index) != 0)
	{
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	return 0;
}
