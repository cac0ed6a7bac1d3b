/*
 * store_test.c
 *    The lake's stores alone (src/cli/lake/lake_store.h), built by
 *    src/cli/Makefile as test_lake_store.
 *
 *   test_lake_store dir DIR
 *        the directory store (in `make check`)
 *   test_lake_store s3 ENDPOINT BUCKET CONTROL SCRATCH
 *        the S3 store against tests/lake/s3rver.js (the ship suite's
 *        lake_s3_store), its faults armed through CONTROL; credentials from
 *        AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *   test_lake_store cat s3://BUCKET[/PREFIX] ENDPOINT STREAM
 *        print a lake's events, files in sequence order, checking that
 *        they neither overlap nor leave gaps (store_test_cat.c)
 *   test_lake_store copy s3://BUCKET[/PREFIX] ENDPOINT DIR
 *        copy a lake from S3 into a directory (list + get of the S3 store,
 *        put of the directory store), for tests that check a lake's files
 *
 * What every store must do (put, get, list, remove, keys with '=' and
 * odd bytes, atomic puts), then what only S3 has: listings over 1000 keys
 * (pages), retried 5xx and 429, a cut upload retried and never visible
 * in part, and the errors of a wrong secret, region, bucket or endpoint
 * (one line, no secret in it). Ends with "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_test.h"

int			passed,
			failed;
char		error[1024];

const char *const EVENT_KEY = "stream=EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000100.ndjson.zst";
static const char *const ODD_KEY = "odd/a b+c&d<e>'\"%25~\xc3\xa9;?#[x].txt";

/* ---- helpers -------------------------------------------------------------- */

static int
on_key(void *ctx, const char *key, uint64_t size)
{
	Listed	   *l = ctx;
	const char *base = strrchr(key, '/');

	base = base != NULL ? base + 1 : key;
	l->count++;
	if (l->want != NULL && strcmp(key, l->want) == 0 && size == l->want_size)
		l->found++;
	if (base[0] == '.' || strstr(key, ".tmp") != NULL || key[0] == '/')
		l->bad++;
	return 0;
}

Listed
list(LakeStore *s, const char *prefix, const char *want, uint64_t want_size, int *rc)
{
	Listed		l = {0, 0, want, want_size, 0};

	error[0] = '\0';
	*rc = lake_store_list(s, prefix, on_key, &l, error, sizeof(error));
	return l;
}

/* Is key's content exactly data[0..len)? */
int
holds(LakeStore *s, const char *key, const void *data, size_t len)
{
	W2eBuffer	out;
	int			ok;

	w2e_buffer_init(&out, NULL);
	error[0] = '\0';
	ok = lake_store_get(s, key, &out, error, sizeof(error)) == 0 && out.len == len &&
		(len == 0 || memcmp(out.data, data, len) == 0);
	w2e_buffer_free(&out);
	return ok;
}

int
put(LakeStore *s, const char *key, const void *data, size_t len)
{
	error[0] = '\0';
	return lake_store_put(s, key, data, len, error, sizeof(error));
}

int
missing(LakeStore *s, const char *key)
{
	W2eBuffer	out;
	int			rc;

	w2e_buffer_init(&out, NULL);
	error[0] = '\0';
	rc = lake_store_get(s, key, &out, error, sizeof(error));
	w2e_buffer_free(&out);
	return rc == 1;
}

char *
random_bytes(size_t len, unsigned seed)
{
	char	   *p = malloc(len + 1);
	size_t		i;

	srand(seed);
	for (i = 0; i < len; i++)
		p[i] = (char) (rand() & 0xff);
	return p;
}

/* ---- every store ------------------------------------------------------------ */

void
common_suite(LakeStore *s)
{
	size_t		len = 300 * 1024;
	char	   *body = random_bytes(len, 1);
	char	   *other = random_bytes(1000, 2);
	int			rc;
	Listed		l;

	CHECK("put of a nested key with '=' (Hive layout)", put(s, EVENT_KEY, body, len) == 0);
	CHECK("get returns the bytes put (300 KiB, binary)", holds(s, EVENT_KEY, body, len));
	CHECK("get of a key never put says 'no such object' (1)",
		  missing(s, "stream=EVENTS/date=2026-11-30/hour=16/nothing.ndjson.zst"));
	l = list(s, "stream=EVENTS/", EVENT_KEY, len, &rc);
	CHECK("list by a directory prefix finds the object, its size, nothing else",
		  rc == 0 && l.count == 1 && l.found == 1 && l.bad == 0);
	l = list(s, "stream=EVENTS/date=2026-11-30/hour=1", EVENT_KEY, len, &rc);
	CHECK("list by a prefix ending inside a name finds it too", rc == 0 && l.found == 1);
	l = list(s, "stream=EVENTS/date=2026-11-29/", NULL, 0, &rc);
	CHECK("list of a prefix with nothing under it is empty, no error", rc == 0 && l.count == 0);
	CHECK("a second put of the same key replaces it", put(s, EVENT_KEY, other, 1000) == 0 &&
		  holds(s, EVENT_KEY, other, 1000));
	CHECK("put and get of a key with spaces, '+', '&', '<', quotes, '%', UTF-8, ';?#[]'",
		  put(s, ODD_KEY, "odd", 3) == 0 && holds(s, ODD_KEY, "odd", 3));
	l = list(s, "odd/", ODD_KEY, 3, &rc);
	CHECK("list returns that key exactly (decoded, unescaped)", rc == 0 && l.count == 1 && l.found == 1);
	CHECK("an empty object", put(s, "empty/x", "", 0) == 0 && holds(s, "empty/x", "", 0));
	l = list(s, "", NULL, 0, &rc);
	CHECK("list of everything: three objects, no temporary name", rc == 0 && l.count == 3 && l.bad == 0);
	error[0] = '\0';
	CHECK("remove", lake_store_remove(s, EVENT_KEY, error, sizeof(error)) == 0 && missing(s, EVENT_KEY));
	CHECK("remove of a missing object is no error",
		  lake_store_remove(s, EVENT_KEY, error, sizeof(error)) == 0);
	lake_store_remove(s, ODD_KEY, error, sizeof(error));
	lake_store_remove(s, "empty/x", error, sizeof(error));
	free(body);
	free(other);
}

/* ---- the directory store ---------------------------------------------------- */

/* Any file below path whose name starts with '.' (a temporary one)? */
static int
hidden_files(const char *path)
{
	DIR		   *d = opendir(path);
	struct dirent *de;
	int			n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
	{
		char		sub[4096];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.')
			n++;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		n += hidden_files(sub);
	}
	closedir(d);
	return n;
}

static int
dir_suite(const char *dir)
{
	LakeStore  *s = lake_store_dir_open(dir, error, sizeof(error));
	char		path[4096];
	FILE	   *f;
	int			rc;
	Listed		l;

	CHECK("open a directory store (created)", s != NULL);
	if (s == NULL)
		return 1;
	common_suite(s);
	CHECK("no temporary file is left anywhere", put(s, EVENT_KEY, "x", 1) == 0 && hidden_files(dir) == 0);
	snprintf(path, sizeof(path), "%s/stream=EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000100.ndjson.zst", dir);
	f = fopen(path, "r");
	CHECK("the key is the path below the directory", f != NULL);
	if (f != NULL)
		fclose(f);
	/* what a crash mid-put leaves: a hidden temporary name, never listed */
	snprintf(path, sizeof(path), "%s/stream=EVENTS/date=2026-11-30/hour=16/.half.ndjson.zst.tmp", dir);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
	l = list(s, "stream=EVENTS/", EVENT_KEY, 1, &rc);
	CHECK("a temporary file a crash left is listed under its hidden name (for the writer to remove), beside the whole object",
		  rc == 0 && l.count == 2 && l.found == 1 && l.bad == 1);
	lake_store_close(s);
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
	snprintf(path, sizeof(path), "%s/file/sub", dir);
	s = lake_store_dir_open(path, error, sizeof(error));
	CHECK("a directory that cannot be made: NULL with one line",
		  s == NULL && error[0] != '\0' && strchr(error, '\n') == NULL);
	lake_store_close(s);
	return 0;
}

typedef struct Copy
{
	LakeStore  *from;
	LakeStore  *to;
	long		objects;
} Copy;

static int
copy_one(void *ctx, const char *key, uint64_t size)
{
	Copy	   *c = ctx;
	W2eBuffer	data;
	int			rc;

	w2e_buffer_init(&data, NULL);
	rc = lake_store_get(c->from, key, &data, error, sizeof(error)) == 0 &&
		lake_store_put(c->to, key, data.data, data.len, error, sizeof(error)) == 0 ? 0 : -1;
	w2e_buffer_free(&data);
	c->objects += rc == 0;
	return rc;
}

static int
copy_lake(const char *url, const char *endpoint, const char *dir)
{
	LakeS3Settings st = {endpoint, NULL, NULL, NULL};
	Copy		c = {NULL, NULL, 0};
	int			rc = -1;

	error[0] = '\0';
	if ((c.from = lake_store_s3_open(url, &st, error, sizeof(error))) != NULL &&
		(c.to = lake_store_dir_open(dir, error, sizeof(error))) != NULL)
		rc = lake_store_list(c.from, "", copy_one, &c, error, sizeof(error));
	lake_store_close(c.from);
	lake_store_close(c.to);
	if (rc != 0)
		fprintf(stderr, "test_lake_store copy: %s\n", error);
	else
		printf("copied %ld objects\n", c.objects);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* as the CLI does (main.c): a cut connection is an error, not a death */
	if (argc == 5 && strcmp(argv[1], "cat") == 0)
		return cat_lake(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "copy") == 0)
		return copy_lake(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "dir") == 0)
		dir_suite(argv[2]);
	else if (argc == 6 && strcmp(argv[1], "s3") == 0)
		s3_suite(argv[2], argv[3], argv[4], argv[5]);
	else
	{
		fprintf(stderr, "usage: test_lake_store dir DIR | s3 ENDPOINT BUCKET CONTROL SCRATCH | cat s3://BUCKET[/PREFIX] ENDPOINT STREAM | copy s3://BUCKET[/PREFIX] ENDPOINT DIR\n");
		return 2;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
