/*
 * lake_store_s3.c
 *    The event lake in an S3 bucket, s3://BUCKET[/PREFIX] (see lake_store.h).
 *
 * An object is one PUT of the whole file: S3 makes it visible only once
 * the upload completed and its SHA-256 matched (s3_request.c), so a crash
 * or a cut connection leaves nothing, and a put that returned 0 is
 * durable. Keys are the lake's keys below PREFIX, path-style at
 * --s3-endpoint (ENDPOINT/BUCKET/KEY), else at
 * https://s3.REGION.amazonaws.com. Opening lists one key under the prefix
 * so that a wrong endpoint, bucket, region or credential fails at start,
 * with one line saying which.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_client.h"

#define S3_KEY_MAX 1024			/* S3's own limit, in bytes */
#define OPEN_TRIES 3			/* a wrong endpoint fails at start, not after 10 s */

typedef struct S3Store
{
	LakeStore	base;
	S3Client	client;
	char		prefix[S3_KEY_MAX];	/* "" or "PREFIX/" */
} S3Store;

/* PREFIX + key into out, and "s3://BUCKET/PREFIX+key" into shown. */
static int
full_key(S3Store *ss, const char *key, char *out, size_t out_size, char *shown, size_t shown_size,
		 char *error, size_t size)
{
	int			n = snprintf(out, out_size, "%s%s", ss->prefix, key);

	snprintf(shown, shown_size, "s3://%s/%.400s", ss->client.bucket, out);
	if (n < 0 || (size_t) n >= out_size || (size_t) n > S3_KEY_MAX)
	{
		snprintf(error, size, "S3 key too long (over %d bytes): %s", S3_KEY_MAX, shown);
		return -1;
	}
	return 0;
}

/* A PUT or a DELETE of one object, whose answer's body is not needed: s3_request's result. */
static int
write_object(S3Store *ss, const char *method, const char *key, const void *data, size_t len,
			 const char *doing, char *error, size_t size)
{
	char		full[S3_KEY_MAX + 2],
				shown[512];
	W2eBuffer	response;
	int			rc;

	if (full_key(ss, key, full, sizeof(full), shown, sizeof(shown), error, size) != 0)
		return -1;
	w2e_buffer_init(&response, NULL);
	rc = s3_request(&ss->client, method, full, NULL, data, len, &response, doing, shown,
					error, size);
	w2e_buffer_free(&response);
	return rc;
}

static int
s3_put(LakeStore *store, const char *key, const void *data, size_t len, char *error, size_t size)
{
	return write_object((S3Store *) store, "PUT", key, data, len, "cannot store", error, size) == 0 ? 0 : -1;
}

static int
s3_get(LakeStore *store, const char *key, W2eBuffer *out, char *error, size_t size)
{
	S3Store    *ss = (S3Store *) store;
	char		full[S3_KEY_MAX + 2],
				shown[512];

	if (full_key(ss, key, full, sizeof(full), shown, sizeof(shown), error, size) != 0)
		return -1;
	return s3_request(&ss->client, "GET", full, NULL, NULL, 0, out, "cannot read", shown, error, size);
}

/* An object already gone is removed. */
static int
s3_remove(LakeStore *store, const char *key, char *error, size_t size)
{
	return write_object((S3Store *) store, "DELETE", key, NULL, 0, "cannot remove", error, size) < 0 ? -1 : 0;
}

/* Each <Contents> of one ListObjectsV2 page to fn; the next page's token in *token (NULL: none). */
static int
list_page(S3Store *ss, const W2eBuffer *page, LakeListFn fn, void *ctx, char **token,
		  char *error, size_t size)
{
	size_t		pos = 0,
				start,
				end,
				plen = strlen(ss->prefix);
	int			rc = 0;

	*token = NULL;
	while (rc == 0 && s3_xml_element(page->data, page->len, &pos, "Contents", &start, &end))
	{
		size_t		at = start,
					ks,
					ke,
					ss_,
					se;
		char	   *key = NULL;
		char	   *sz = NULL;

		if (!s3_xml_element(page->data, end, &at, "Key", &ks, &ke) ||
			(key = s3_xml_text(page->data + ks, ke - ks)) == NULL ||
			(at = start, !s3_xml_element(page->data, end, &at, "Size", &ss_, &se)) ||
			(sz = s3_xml_text(page->data + ss_, se - ss_)) == NULL)
		{
			snprintf(error, size, "cannot list s3://%s/%s: an answer S3 should not give (a <Contents> without a key or size)",
					 ss->client.bucket, ss->prefix);
			free(key);
			return -1;
		}
		if (strncmp(key, ss->prefix, plen) == 0)
			rc = fn(ctx, key + plen, strtoull(sz, NULL, 10));
		free(key);
		free(sz);
	}
	pos = 0;
	if (rc == 0 && s3_xml_element(page->data, page->len, &pos, "IsTruncated", &start, &end) &&
		end - start == 4 && memcmp(page->data + start, "true", 4) == 0)
	{
		pos = 0;
		if (!s3_xml_element(page->data, page->len, &pos, "NextContinuationToken", &start, &end) ||
			(*token = s3_xml_text(page->data + start, end - start)) == NULL)
		{
			snprintf(error, size, "cannot list s3://%s/%s: a truncated listing without a continuation token",
					 ss->client.bucket, ss->prefix);
			return -1;
		}
	}
	return rc;
}

/* ListObjectsV2 of PREFIX+prefix, max_keys per page (0: S3's default, 1000). */
static int
list_keys(S3Store *ss, const char *prefix, int max_keys, LakeListFn fn, void *ctx,
		  char *error, size_t size)
{
	char		full[S3_KEY_MAX + 2],
				shown[512],
				max[16];
	char	   *token = NULL;
	W2eBuffer	query,
				page;
	int			rc;

	if (full_key(ss, prefix, full, sizeof(full), shown, sizeof(shown), error, size) != 0)
		return -1;
	w2e_buffer_init(&query, NULL);
	w2e_buffer_init(&page, NULL);
	snprintf(max, sizeof(max), "%d", max_keys);
	do
	{
		char	   *next = NULL;

		/* the parameters in sorted order: libcurl 7.88 signs the query as given */
		w2e_buffer_reset(&query);
		w2e_buffer_reset(&page);
		if ((token != NULL && s3_query_append(&query, "continuation-token", token) != 0) ||
			s3_query_append(&query, "list-type", "2") != 0 ||
			(max_keys > 0 && s3_query_append(&query, "max-keys", max) != 0) ||
			s3_query_append(&query, "prefix", full) != 0)
		{
			snprintf(error, size, "cannot list %s: out of memory", shown);
			rc = -1;
			break;
		}
		rc = s3_request(&ss->client, "GET", NULL, query.data, NULL, 0, &page, "cannot list", shown,
						error, size);
		if (rc == 0)
			rc = list_page(ss, &page, fn, ctx, &next, error, size);
		else
			rc = -1;
		free(token);
		token = next;
	} while (rc == 0 && token != NULL && max_keys == 0);
	free(token);
	w2e_buffer_free(&query);
	w2e_buffer_free(&page);
	return rc;
}

static int
s3_list(LakeStore *store, const char *prefix, LakeListFn fn, void *ctx, char *error, size_t size)
{
	return list_keys((S3Store *) store, prefix, 0, fn, ctx, error, size);
}

static void
s3_close(LakeStore *store)
{
	S3Store    *ss = (S3Store *) store;

	s3_client_free(&ss->client);
	free(ss);
}

/* No lock in S3: one writer per stream rests on the durable consumer's check. */
static int
s3_claim(LakeStore *store, const char *stream, char *error, size_t size)
{
	return 0;
}

static const LakeStoreOps s3_ops = {s3_put, s3_get, s3_list, s3_remove, s3_close, s3_claim};

/* S3's bucket naming rules, the problem named in error. */
static int
check_bucket(const char *bucket, size_t n, char *error, size_t size)
{
	const char *problem = NULL;
	size_t		i;
	int			digits_dots = 1;

	for (i = 0; i < n && problem == NULL; i++)
	{
		char		c = bucket[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			problem = "only lowercase letters, digits, '.' and '-' are allowed";
		else if (c == '.' && i > 0 && bucket[i - 1] == '.')
			problem = "two '.' in a row";
		if (!((c >= '0' && c <= '9') || c == '.'))
			digits_dots = 0;
	}
	if (problem == NULL && (n < 3 || n > 63))
		problem = "it must be 3 to 63 characters long";
	else if (problem == NULL && (!isalnum((unsigned char) bucket[0]) || !isalnum((unsigned char) bucket[n - 1])))
		problem = "it must begin and end with a letter or a digit";
	else if (problem == NULL && digits_dots)
		problem = "it must not look like an IP address";
	if (problem != NULL)
		snprintf(error, size, "invalid S3 bucket name '%.*s': %s", (int) (n > 80 ? 80 : n), bucket, problem);
	return problem == NULL ? 0 : -1;
}

/* s3://BUCKET[/PREFIX] into bucket and prefix ("" or "PREFIX/"). */
static int
parse_url(const char *url, char *bucket, size_t bucket_size, char *prefix, size_t prefix_size,
		  char *error, size_t size)
{
	const char *b = url + 5;	/* after "s3://" */
	const char *slash = strchr(b, '/');
	size_t		blen = slash != NULL ? (size_t) (slash - b) : strlen(b);
	const char *p = slash != NULL ? slash : "";
	size_t		plen;

	if (strncmp(url, "s3://", 5) != 0 || check_bucket(b, blen, error, size) != 0)
	{
		if (strncmp(url, "s3://", 5) != 0)
			snprintf(error, size, "not an S3 location: '%.200s' (s3://BUCKET[/PREFIX])", url);
		return -1;
	}
	snprintf(bucket, bucket_size, "%.*s", (int) blen, b);
	while (*p == '/')
		p++;
	plen = strlen(p);
	while (plen > 0 && p[plen - 1] == '/')
		plen--;
	if (plen + 2 > prefix_size || plen > S3_KEY_MAX / 2)
	{
		snprintf(error, size, "S3 prefix too long in '%.100s...'", url);
		return -1;
	}
	snprintf(prefix, prefix_size, "%.*s%s", (int) plen, p, plen > 0 ? "/" : "");
	return 0;
}

/* --s3-endpoint (scheme and host, no trailing '/'), else AWS's for the region. */
static int
endpoint_for(const LakeS3Settings *settings, const char *region, char *out, size_t out_size,
			 char *error, size_t size)
{
	const char *e = settings != NULL ? settings->endpoint : NULL;
	size_t		n;

	if (e == NULL)
	{
		snprintf(out, out_size, "https://s3.%s.amazonaws.com", region);
		return 0;
	}
	n = strlen(e);
	while (n > 0 && e[n - 1] == '/')
		n--;
	if ((strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0) ||
		strpbrk(e, "?#@") != NULL || n + 1 > out_size || n <= 8)
	{
		snprintf(error, size, "invalid --s3-endpoint '%.200s' (http://HOST[:PORT] or https://HOST[:PORT])", e);
		return -1;
	}
	snprintf(out, out_size, "%.*s", (int) n, e);
	return 0;
}

static int
count_one(void *ctx, const char *key, uint64_t size)
{
	return 0;
}

LakeStore *
lake_store_s3_open(const char *url, const LakeS3Settings *settings, char *error, size_t size)
{
	S3Store    *ss = calloc(1, sizeof(S3Store));
	S3Credentials cred;
	char		bucket[64],
				endpoint[512];

	if (ss == NULL)
	{
		snprintf(error, size, "out of memory");
		return NULL;
	}
	ss->base.ops = &s3_ops;
	if (parse_url(url, bucket, sizeof(bucket), ss->prefix, sizeof(ss->prefix), error, size) != 0 ||
		s3_credentials_load(settings, &cred, error, size) != 0)
	{
		free(ss);
		return NULL;
	}
	if (endpoint_for(settings, cred.region, endpoint, sizeof(endpoint), error, size) != 0 ||
		s3_client_init(&ss->client, endpoint, bucket, &cred, error, size) != 0)
	{
		s3_credentials_free(&cred);
		free(ss);
		return NULL;
	}
	s3_credentials_free(&cred);
	snprintf(ss->base.shown, sizeof(ss->base.shown), "s3://%s/%.400s", bucket, ss->prefix);
	/* one key under the prefix: the endpoint, bucket, region and credentials work */
	ss->client.max_tries = OPEN_TRIES;
	if (list_keys(ss, "", 1, count_one, NULL, error, size) != 0)
	{
		s3_close(&ss->base);
		return NULL;
	}
	ss->client.max_tries = S3_TRIES;
	return &ss->base;
}
