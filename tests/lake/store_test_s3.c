/*
 * store_test_s3.c
 *    The S3 store against a real local S3 (tests/lake/s3rver.js, which
 *    checks SigV4 signatures and injects faults through its control file).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_test.h"

static const char *endpoint_url,
		   *bucket_name,
		   *control_path,
		   *scratch_dir;
static char *access_key,
		   *secret_key;

static LakeStore *
open_at(const char *url, const char *endpoint, const char *region,
		const char *credentials_file, const char *profile)
{
	LakeS3Settings st = {endpoint, region, credentials_file, profile};

	error[0] = '\0';
	return lake_store_s3_open(url, &st, error, sizeof(error));
}

static LakeStore *
open_url(const char *suffix)
{
	char		url[256];

	snprintf(url, sizeof(url), "s3://%s%s", bucket_name, suffix);
	return open_at(url, endpoint_url, NULL, NULL, NULL);
}

/* Arm the server's faults (tests/lake/s3rver.js). */
static void
arm(const char *faults)
{
	FILE	   *f = fopen(control_path, "w");

	if (f != NULL)
	{
		fputs(faults, f);
		fclose(f);
	}
}

/* A counter of the server's (CONTROL.stats). */
static long
served(const char *name)
{
	char		path[1024],
				text[1024],
				pat[64];
	FILE	   *f;
	size_t		n;
	char	   *at;

	snprintf(path, sizeof(path), "%s.stats", control_path);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", name);
	at = strstr(text, pat);
	return at != NULL ? strtol(at + strlen(pat), NULL, 10) : -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
one_line(void)
{
	return error[0] != '\0' && strchr(error, '\n') == NULL;
}

typedef struct Total
{
	long		count;
	uint64_t	bytes;
} Total;

static int
add_up(void *ctx, const char *key, uint64_t size)
{
	Total	   *t = ctx;

	t->count++;
	t->bytes += size;
	return 0;
}

static void
prefix_suite(void)
{
	LakeStore  *a = open_url("/lake-test/"),
			   *whole = open_url("");
	int			rc;
	Listed		l;

	CHECK("open s3://BUCKET/PREFIX/ and s3://BUCKET", a != NULL && whole != NULL);
	if (a == NULL || whole == NULL)
		return;
	CHECK("put under the prefix", put(a, "p=1/x", "x", 1) == 0);
	l = list(a, "", "p=1/x", 1, &rc);
	CHECK("the store's own list shows the key without the prefix", rc == 0 && l.count == 1 && l.found == 1);
	l = list(whole, "lake-test/", "lake-test/p=1/x", 1, &rc);
	CHECK("the bucket holds it at PREFIX/key", rc == 0 && l.count == 1 && l.found == 1);
	lake_store_remove(a, "p=1/x", error, sizeof(error));
	lake_store_close(a);
	lake_store_close(whole);
}

static void
paging_suite(LakeStore *s)
{
	char		key[64];
	int			i,
				fails = 0;
	uint64_t	bytes = 0;
	Total		t = {0, 0};
	double		t0 = now_s();
	long		connections = served("connections");

	for (i = 0; i < 1203; i++)
	{
		snprintf(key, sizeof(key), "many/k=%04d/v.ndjson.zst", i);
		fails += put(s, key, key, strlen(key)) != 0;
		bytes += strlen(key);
	}
	printf("# 1203 PUTs in %.1f s\n", now_s() - t0);
	CHECK("1203 puts", fails == 0);
	CHECK("... over one kept-alive connection", served("connections") - connections <= 1);
	error[0] = '\0';
	CHECK("list over 1000 keys follows the continuation tokens: every key once, sizes right",
		  lake_store_list(s, "many/", add_up, &t, error, sizeof(error)) == 0 &&
		  t.count == 1203 && t.bytes == bytes);
}

static void
retry_suite(LakeStore *s)
{
	size_t		len = 1024 * 1024;
	char	   *body = random_bytes(len, 3);
	long		failed_before = served("failed"),
				cut_before = served("cut"),
				stall_before = served("stall");
	double		t0;
	int			rc;
	Listed		l;

	arm("fail_put 3\n");
	CHECK("a PUT answered 500 three times is retried and stored",
		  put(s, "retry/a", "abc", 3) == 0 && holds(s, "retry/a", "abc", 3));
	CHECK("... the server did fail it three times", served("failed") - failed_before == 3);
	arm("fail_put 1 503\nfail_put 1 429\n");
	CHECK("a PUT answered 503 SlowDown, then 429, is retried and stored",
		  put(s, "retry/b", "b", 1) == 0 && holds(s, "retry/b", "b", 1) && served("failed") - failed_before == 5);
	arm("fail_get 2\n");
	CHECK("a GET answered 500 twice is retried", holds(s, "retry/b", "b", 1) && served("failed") - failed_before == 7);
	arm("fail_get 1 503\n");
	l = list(s, "retry/", NULL, 0, &rc);
	CHECK("a listing answered 503 is retried", rc == 0 && l.count == 2 && served("failed") - failed_before == 8);
	arm("fail_put 1 403\n");
	t0 = now_s();
	CHECK("a 403 is not retried: the put fails at once with S3's code and message",
		  put(s, "retry/c", "c", 1) != 0 && now_s() - t0 < 1.0 && strstr(error, "AccessDenied: ") != NULL &&
		  strstr(error, "s3://") != NULL && one_line());
	arm("");
	arm("cut_put 1\n");
	CHECK("an upload cut half way is retried: the whole object is stored (1 MiB)",
		  put(s, "retry/cut", body, len) == 0 && holds(s, "retry/cut", body, len) && served("cut") - cut_before == 1);
	l = list(s, "retry/cut", "retry/cut", len, &rc);
	CHECK("... and listed once, at its whole size", rc == 0 && l.count == 1 && l.found == 1);
	arm("stall_put 1\n");
	t0 = now_s();
	CHECK("an upload that stalls half way is given up (low-speed limit) and retried: stored whole",
		  put(s, "retry/stall", body, len) == 0 && holds(s, "retry/stall", body, len) &&
		  served("stall") - stall_before == 1);
	printf("# a stalled upload retried after %.1f s\n", now_s() - t0);
	/* libcurl itself resends once on a new connection when a kept-alive one dies */
	arm("cut_put 100\n");
	t0 = now_s();
	CHECK("an upload cut at every try fails, saying it gave up",
		  put(s, "retry/never", body, len) != 0 && strstr(error, "gave up after 7 tries") != NULL && one_line());
	printf("# gave up after %.1f s\n", now_s() - t0);
	CHECK("... and nothing of it is visible (no object, not listed)",
		  served("cut") - cut_before >= 8 && missing(s, "retry/never") &&
		  (l = list(s, "retry/never", NULL, 0, &rc), rc == 0 && l.count == 0));
	arm("");
	free(body);
}

/* error is one line and holds neither the secret given nor the real one */
static int
no_secret(const char *given)
{
	return one_line() && strstr(error, given) == NULL && strstr(error, secret_key) == NULL;
}

static void
refusal_suite(void)
{
	char		url[256],
				path[1024];
	LakeStore  *s;
	double		t0;
	FILE	   *f;

	setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-42", 1);
	s = open_url("/x");
	CHECK("a wrong secret is refused at open: SignatureDoesNotMatch, what to check, no secret",
		  s == NULL && strstr(error, "SignatureDoesNotMatch: ") != NULL &&
		  strstr(error, "AWS_SECRET_ACCESS_KEY") != NULL && no_secret("not-the-secret-42"));
	printf("# %s\n", error);
	lake_store_close(s);
	setenv("AWS_SECRET_ACCESS_KEY", secret_key, 1);

	setenv("AWS_ACCESS_KEY_ID", "AKIAWRONG", 1);
	s = open_url("/x");
	CHECK("an unknown access key: InvalidAccessKeyId", s == NULL && strstr(error, "InvalidAccessKeyId") != NULL &&
		  no_secret(secret_key));
	lake_store_close(s);
	setenv("AWS_ACCESS_KEY_ID", access_key, 1);

	snprintf(url, sizeof(url), "s3://%s/x", bucket_name);
	s = open_at(url, endpoint_url, "eu-west-1", NULL, NULL);
	CHECK("a wrong region is refused, the error says --s3-region",
		  s == NULL && strstr(error, "--s3-region") != NULL && one_line());
	lake_store_close(s);

	s = open_at("s3://no-such-bucket-w2e/lake", endpoint_url, NULL, NULL, NULL);
	CHECK("a missing bucket: its name, NoSuchBucket, create it first",
		  s == NULL && strstr(error, "no-such-bucket-w2e") != NULL && strstr(error, "NoSuchBucket") != NULL &&
		  strstr(error, "create the bucket first") != NULL && one_line());
	printf("# %s\n", error);
	lake_store_close(s);

	t0 = now_s();
	s = open_at(url, "http://127.0.0.1:1", NULL, NULL, NULL);
	CHECK("an endpoint nothing listens on fails at open within seconds, naming it",
		  s == NULL && now_s() - t0 < 5 && strstr(error, "http://127.0.0.1:1") != NULL && one_line());
	printf("# %s\n", error);
	lake_store_close(s);

	s = open_at("s3://Bad_Bucket/x", endpoint_url, NULL, NULL, NULL);
	CHECK("a bucket name S3 refuses: what is wrong with it",
		  s == NULL && strstr(error, "invalid S3 bucket name 'Bad_Bucket'") != NULL);
	s = open_at("s3://ab", endpoint_url, NULL, NULL, NULL);
	CHECK("a bucket name too short", s == NULL && strstr(error, "3 to 63") != NULL);
	s = open_at(url, "ftp://127.0.0.1", NULL, NULL, NULL);
	CHECK("an endpoint that is not http(s)", s == NULL && strstr(error, "--s3-endpoint") != NULL);

	/* the credentials file */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_PROFILE");
	snprintf(path, sizeof(path), "%s/home", scratch_dir);
	setenv("HOME", path, 1);
	s = open_at(url, endpoint_url, NULL, NULL, NULL);
	CHECK("no credentials: one line saying where they are read from",
		  s == NULL && strstr(error, "AWS_ACCESS_KEY_ID") != NULL && strstr(error, "/home/.aws/credentials") != NULL &&
		  one_line());
	printf("# %s\n", error);
	snprintf(path, sizeof(path), "%s/credentials", scratch_dir);
	if ((f = fopen(path, "w")) != NULL)
	{
		fprintf(f, "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n"
				"# the tests'\n[w2e]\naws_access_key_id = %s\n  aws_secret_access_key=%s  \n", access_key, secret_key);
		fclose(f);
	}
	s = open_at(url, endpoint_url, NULL, path, "w2e");
	CHECK("credentials from a profile of the credentials file (--s3-credentials-file, --s3-profile)", s != NULL);
	lake_store_close(s);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_PROFILE", "w2e", 1);
	s = open_at(url, endpoint_url, NULL, NULL, NULL);
	CHECK("... and from AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE", s != NULL);
	lake_store_close(s);
	s = open_at(url, endpoint_url, NULL, NULL, "nope");
	CHECK("a profile the file lacks is named", s == NULL && strstr(error, "[nope]") != NULL && one_line());
	unsetenv("AWS_PROFILE");
	s = open_at(url, endpoint_url, NULL, NULL, NULL);
	CHECK("the default profile's wrong key is refused, naming the file's key",
		  s == NULL && strstr(error, "InvalidAccessKeyId") != NULL && strstr(error, "aws_access_key_id") != NULL);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");

	/* the environment again, with a session token (signed, as S3 wants) */
	setenv("AWS_ACCESS_KEY_ID", access_key, 1);
	setenv("AWS_SECRET_ACCESS_KEY", secret_key, 1);
	setenv("AWS_SESSION_TOKEN", "FQoGZXIvYXdzE+/token==", 1);
	s = open_at(url, endpoint_url, NULL, NULL, NULL);
	CHECK("AWS_SESSION_TOKEN is sent (x-amz-security-token, signed)", s != NULL);
	lake_store_close(s);
	unsetenv("AWS_SESSION_TOKEN");
}

void
s3_suite(const char *endpoint, const char *bucket, const char *control, const char *scratch)
{
	LakeStore  *s;
	char		prefix[64];

	endpoint_url = endpoint;
	bucket_name = bucket;
	control_path = control;
	scratch_dir = scratch;
	if (getenv("AWS_ACCESS_KEY_ID") == NULL || getenv("AWS_SECRET_ACCESS_KEY") == NULL)
	{
		CHECK("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set for the test server", 0);
		return;
	}
	access_key = strdup(getenv("AWS_ACCESS_KEY_ID"));
	secret_key = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
	/* a prefix of this run's own: a server kept from an earlier run holds its objects */
	snprintf(prefix, sizeof(prefix), "/store-test-%ld", (long) getpid());
	s = open_url(prefix);
	CHECK("open s3://BUCKET/store-test-PID at the test server", s != NULL);
	if (s != NULL)
	{
		common_suite(s);
		paging_suite(s);
		retry_suite(s);
		lake_store_close(s);
	}
	prefix_suite();
	refusal_suite();
	free(access_key);
	free(secret_key);
}
