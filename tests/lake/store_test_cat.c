/*
 * store_test_cat.c
 *    test_lake_store cat s3://BUCKET[/PREFIX] ENDPOINT STREAM: a lake's
 *    events as its reader would see them, for the end-to-end S3 tests.
 *
 * Lists stream=STREAM/ through the S3 store, takes the data files
 * (<FIRST>-<LAST>.ndjson.zst) in sequence order, decompresses each (zstd,
 * its checksum checked) and prints its lines. On stderr: one line per
 * problem (a key that is not a lake file's, a file whose range overlaps or
 * leaves a gap after the one before, a frame that does not decompress)
 * and a summary, "files N, events N, first F, last L". Exit status 1 on
 * any problem.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "store_test.h"

typedef struct DataFile
{
	char	   *key;
	uint64_t	first;
	uint64_t	last;
} DataFile;

typedef struct Catalog
{
	DataFile   *files;
	size_t		n,
				cap;
	int			problems;
} Catalog;

static int
on_object(void *ctx, const char *key, uint64_t size)
{
	Catalog    *c = ctx;
	const char *base = strrchr(key, '/');
	uint64_t	first,
				last;
	int			used = 0;

	base = base != NULL ? base + 1 : key;
	if (sscanf(base, "%20" SCNu64 "-%20" SCNu64 ".index.json%n", &first, &last, &used) == 2 && base[used] == '\0')
		return 0;
	used = 0;
	if (sscanf(base, "%20" SCNu64 "-%20" SCNu64 ".ndjson.zst%n", &first, &last, &used) != 2 || base[used] != '\0')
	{
		fprintf(stderr, "not a file of the lake's: %s\n", key);
		c->problems++;
		return 0;
	}
	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 64;
		c->files = realloc(c->files, c->cap * sizeof(DataFile));
	}
	c->files[c->n].key = strdup(key);
	c->files[c->n].first = first;
	c->files[c->n].last = last;
	c->n++;
	return 0;
}

static int
by_first(const void *a, const void *b)
{
	const DataFile *x = a,
			   *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Decompress data into stdout: the number of lines, -1 when it does not decompress. */
static long
print_lines(const W2eBuffer *data)
{
	ZSTD_DCtx  *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer in = {data->data, data->len, 0};
	char		chunk[65536];
	long		lines = 0;
	size_t		rc = 1;

	while (in.pos < in.size || rc != 0)
	{
		ZSTD_outBuffer out = {chunk, sizeof(chunk), 0};
		size_t		i;

		rc = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(rc) || (out.pos == 0 && in.pos == in.size && rc != 0))
		{
			ZSTD_freeDCtx(dctx);
			return -1;
		}
		fwrite(chunk, 1, out.pos, stdout);
		for (i = 0; i < out.pos; i++)
			lines += chunk[i] == '\n';
	}
	ZSTD_freeDCtx(dctx);
	return lines;
}

int
cat_lake(const char *url, const char *endpoint, const char *stream)
{
	LakeS3Settings st = {endpoint, NULL, NULL, NULL};
	LakeStore  *s = lake_store_s3_open(url, &st, error, sizeof(error));
	Catalog		c = {NULL, 0, 0, 0};
	char		prefix[300];
	long		events = 0;
	size_t		i;

	if (s == NULL)
	{
		fprintf(stderr, "test_lake_store cat: %s\n", error);
		return 1;
	}
	snprintf(prefix, sizeof(prefix), "stream=%s/", stream);
	if (lake_store_list(s, prefix, on_object, &c, error, sizeof(error)) != 0)
	{
		fprintf(stderr, "test_lake_store cat: %s\n", error);
		c.problems++;
	}
	if (c.n > 0)
		qsort(c.files, c.n, sizeof(DataFile), by_first);
	for (i = 0; i < c.n; i++)
	{
		W2eBuffer	data;
		long		lines;

		if (i > 0 && c.files[i].first != c.files[i - 1].last + 1)
		{
			fprintf(stderr, "%s after %s: %s\n", c.files[i].key, c.files[i - 1].key,
					c.files[i].first <= c.files[i - 1].last ? "overlap" : "gap");
			c.problems++;
		}
		w2e_buffer_init(&data, NULL);
		if (lake_store_get(s, c.files[i].key, &data, error, sizeof(error)) != 0 ||
			(lines = print_lines(&data)) < 0)
		{
			fprintf(stderr, "%s: %s\n", c.files[i].key, error[0] ? error : "does not decompress");
			c.problems++;
		}
		else
			events += lines;
		w2e_buffer_free(&data);
	}
	fflush(stdout);
	fprintf(stderr, "files %zu, events %ld, first %" PRIu64 ", last %" PRIu64 "\n", c.n, events,
			c.n ? c.files[0].first : 0, c.n ? c.files[c.n - 1].last : 0);
	for (i = 0; i < c.n; i++)
		free(c.files[i].key);
	free(c.files);
	lake_store_close(s);
	return c.problems == 0 ? 0 : 1;
}
