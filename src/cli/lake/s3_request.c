/*
 * s3_request.c
 *    One S3 request over the client's kept-alive curl handle, signed with
 *    AWS SigV4 by libcurl (CURLOPT_AWS_SIGV4), retried while the failure
 *    may pass.
 *
 * libcurl 7.88 signs the path and query exactly as given and hashes no
 * uploaded body, so this file sends both already canonical (every key
 * byte but the unreserved ones and '/' %-encoded, query parameters sorted)
 * and sets x-amz-content-sha256 itself, to the SHA-256 of the body: curl
 * signs that header, and S3 then refuses a body that arrives different
 * (an upload cut short can never be stored as a shorter object).
 *
 * Retries: a connection that failed, timed out or stalled (below
 * LOW_SPEED_LIMIT bytes/s for LOW_SPEED_TIME s), a 5xx, a 429, with a
 * backoff of 0.2 s doubling to 5 s, max_tries attempts in all. Any other
 * 4xx fails at once with S3's own code and message and a hint.
 */
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3_client.h"

#define CONNECT_TIMEOUT_S	10L
#define LOW_SPEED_LIMIT		1024L	/* bytes/s ... */
#define LOW_SPEED_TIME		30L		/* ... for this long: the transfer is stalled */
#define BACKOFF_FIRST_MS	200
#define BACKOFF_MAX_MS		5000

/* A PUT's body, read by curl from memory (again from the start on a retry). */
typedef struct Upload
{
	const char *data;
	size_t		len;
	size_t		pos;
} Upload;

static size_t
read_body(char *buf, size_t item, size_t nitems, void *arg)
{
	Upload	   *up = arg;
	size_t		n = item * nitems;

	if (n > up->len - up->pos)
		n = up->len - up->pos;
	memcpy(buf, up->data + up->pos, n);
	up->pos += n;
	return n;
}

/* curl rewinds the body itself when it resends on a new connection */
static int
seek_body(void *arg, curl_off_t offset, int origin)
{
	Upload	   *up = arg;

	if (origin != SEEK_SET || offset < 0 || (size_t) offset > up->len)
		return CURL_SEEKFUNC_CANTSEEK;
	up->pos = (size_t) offset;
	return CURL_SEEKFUNC_OK;
}

static size_t
write_body(char *data, size_t item, size_t nitems, void *arg)
{
	return w2e_buffer_append(arg, data, item * nitems) == 0 ? item * nitems : 0;
}

int
s3_uri_encode(W2eBuffer *out, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p != '\0'; p++)
	{
		char		esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
		int			plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
			(keep_slash && *p == '/');

		if (w2e_buffer_append(out, plain ? (const char *) p : esc, plain ? 1 : 3) != 0)
			return -1;
	}
	return 0;
}

int
s3_query_append(W2eBuffer *query, const char *name, const char *value)
{
	if ((query->len > 0 && w2e_buffer_append(query, "&", 1) != 0) ||
		s3_uri_encode(query, name, 0) != 0 || w2e_buffer_append(query, "=", 1) != 0 ||
		s3_uri_encode(query, value, 0) != 0)
		return -1;
	return 0;
}

static void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	int			i;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
s3_client_init(S3Client *client, const char *endpoint, const char *bucket,
			   const S3Credentials *cred, char *error, size_t size)
{
	static int	curl_ready = 0;
	size_t		up_len = strlen(cred->access_key) + strlen(cred->secret_key) + 2;

	memset(client, 0, sizeof(*client));
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		{
			snprintf(error, size, "cannot initialise libcurl");
			return -1;
		}
		curl_ready = 1;
	}
	snprintf(client->endpoint, sizeof(client->endpoint), "%s", endpoint);
	snprintf(client->bucket, sizeof(client->bucket), "%s", bucket);
	snprintf(client->sigv4, sizeof(client->sigv4), "aws:amz:%s:s3", cred->region);
	snprintf(client->region, sizeof(client->region), "%s", cred->region);
	client->secret_from_env = strncmp(cred->source, "AWS_", 4) == 0;
	client->max_tries = S3_TRIES;
	client->curl = curl_easy_init();
	client->userpwd = malloc(up_len);
	if (cred->session_token != NULL)
	{
		size_t		n = strlen(cred->session_token) + 32;

		client->token_header = malloc(n);
		if (client->token_header != NULL)
			snprintf(client->token_header, n, "x-amz-security-token: %s", cred->session_token);
	}
	if (client->curl == NULL || client->userpwd == NULL ||
		(cred->session_token != NULL && client->token_header == NULL))
	{
		s3_client_free(client);
		snprintf(error, size, "out of memory");
		return -1;
	}
	snprintf(client->userpwd, up_len, "%s:%s", cred->access_key, cred->secret_key);
	return 0;
}

static void
wipe_free(char *s)
{
	if (s != NULL)
	{
		volatile char *p = s;

		while (*p != '\0')
			*p++ = '\0';
		free(s);
	}
}

void
s3_client_free(S3Client *client)
{
	if (client->curl != NULL)
		curl_easy_cleanup(client->curl);
	client->curl = NULL;
	wipe_free(client->userpwd);
	wipe_free(client->token_header);
	client->userpwd = client->token_header = NULL;
}

/* ENDPOINT/BUCKET[/KEY][?QUERY] into url, the key %-encoded. */
static int
object_url(S3Client *client, const char *key, const char *query, W2eBuffer *url)
{
	w2e_buffer_reset(url);
	if (w2e_buffer_append_str(url, client->endpoint) != 0 ||
		w2e_buffer_append(url, "/", 1) != 0 ||
		s3_uri_encode(url, client->bucket, 0) != 0 ||
		(key != NULL && (w2e_buffer_append(url, "/", 1) != 0 || s3_uri_encode(url, key, 1) != 0)) ||
		(query != NULL && (w2e_buffer_append(url, "?", 1) != 0 || w2e_buffer_append_str(url, query) != 0)))
		return -1;
	return 0;
}

/* One attempt: the curl result, and the HTTP status in *status. */
static CURLcode
perform(S3Client *client, const char *method, const char *url, Upload *upload,
		const char *payload_hash, W2eBuffer *response, long *status)
{
	CURL	   *curl = client->curl;
	struct curl_slist *headers = NULL,
			   *h;
	char		hash_header[100];
	CURLcode	rc;

	snprintf(hash_header, sizeof(hash_header), "x-amz-content-sha256: %s", payload_hash);
	if ((h = curl_slist_append(headers, hash_header)) == NULL || (headers = h) == NULL ||
		(h = curl_slist_append(headers, "Expect:")) == NULL || (headers = h) == NULL ||
		(client->token_header != NULL &&
		 ((h = curl_slist_append(headers, client->token_header)) == NULL || (headers = h) == NULL)))
	{
		curl_slist_free_all(headers);
		return CURLE_OUT_OF_MEMORY;
	}
	/* a reset keeps the live connection (keep-alive) and the DNS cache */
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	/* no alarm() for DNS timeouts: the CLI has threads (SIGPIPE it ignores, main.c) */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_LIMIT);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME);
	curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, client->sigv4);
	curl_easy_setopt(curl, CURLOPT_USERPWD, client->userpwd);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, client->curl_error);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
	if (upload != NULL)
	{
		upload->pos = 0;
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(curl, CURLOPT_READDATA, upload);
		curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_body);
		curl_easy_setopt(curl, CURLOPT_SEEKDATA, upload);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload->len);
	}
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	client->curl_error[0] = '\0';
	*status = 0;
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return rc;
}

/* May a failed transfer succeed if tried again? */
static int
transient_curl(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_SEND_FAIL_REWIND:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
		case CURLE_WEIRD_SERVER_REPLY:
			return 1;
		default:
			return 0;
	}
}

/* What to check, for the S3 error codes a user can fix. */
static const char *
hint_for(S3Client *client, const char *code, char *buf, size_t size)
{
	if (strcmp(code, "NoSuchBucket") == 0)
		return " (create the bucket first)";
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
	{
		snprintf(buf, size, " (check %s / region %s)",
				 client->secret_from_env ? "AWS_SECRET_ACCESS_KEY" : "aws_secret_access_key in the credentials file",
				 client->region);
		return buf;
	}
	if (strcmp(code, "InvalidAccessKeyId") == 0)
		return client->secret_from_env ? " (check AWS_ACCESS_KEY_ID)" : " (check aws_access_key_id in the credentials file)";
	if (strcmp(code, "AccessDenied") == 0)
		return " (these credentials may not use this bucket and prefix: check its policy)";
	if (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "InvalidToken") == 0)
		return " (refresh AWS_SESSION_TOKEN)";
	if (strcmp(code, "PermanentRedirect") == 0 || strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
		strcmp(code, "IllegalLocationConstraintException") == 0)
		return " (the bucket is in another region: set --s3-region)";
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return " (set this machine's clock right)";
	return "";
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * What went wrong with one attempt (curl's error, or S3's code and message
 * from the answer's body) into what and code: 1 when it may pass.
 */
static int
attempt_failed(S3Client *client, CURLcode rc, long status, const char *body, size_t body_len,
			   char *what, size_t what_size, char *code, size_t code_size)
{
	code[0] = '\0';
	if (rc != CURLE_OK)
	{
		snprintf(what, what_size, "%.150s (S3 endpoint %.150s)",
				 client->curl_error[0] ? client->curl_error : curl_easy_strerror(rc), client->endpoint);
		return transient_curl(rc);
	}
	s3_xml_error(body, body_len, what, what_size, code, code_size);
	if (what[0] == '\0')
		snprintf(what, what_size, "HTTP %ld", status);
	/* S3 answers 400 RequestTimeout to an upload that came too slowly */
	return status >= 500 || status == 429 || strcmp(code, "RequestTimeout") == 0;
}

/* Back to the caller's content: what a failed attempt appended goes. */
static void
truncate_to(W2eBuffer *buf, size_t len)
{
	buf->len = len;
	if (buf->cap > 0)
		buf->data[len] = '\0';
}

int
s3_request(S3Client *client, const char *method, const char *key, const char *query,
		   const void *body, size_t len, W2eBuffer *response, const char *what,
		   const char *shown, char *error, size_t size)
{
	W2eBuffer	url;
	Upload		upload = {body, len, 0};
	char		payload_hash[65],
				failure[320],
				code[96],
				hint[160];
	size_t		kept = response->len;
	double		started = now_s();
	long		backoff = BACKOFF_FIRST_MS,
				status = 0;
	int			attempt,
				transient;
	CURLcode	rc;

	w2e_buffer_init(&url, NULL);
	if (object_url(client, key, query, &url) != 0)
	{
		w2e_buffer_free(&url);
		snprintf(error, size, "%s %s: out of memory", what, shown);
		return -1;
	}
	sha256_hex(body != NULL ? body : "", body != NULL ? len : 0, payload_hash);
	for (attempt = 1;; attempt++)
	{
		truncate_to(response, kept);
		rc = perform(client, method, url.data, strcmp(method, "PUT") == 0 ? &upload : NULL,
					 payload_hash, response, &status);
		if (rc == CURLE_OK && status >= 200 && status < 300)
		{
			w2e_buffer_free(&url);
			return 0;
		}
		transient = attempt_failed(client, rc, status, response->data + kept, response->len - kept,
								   failure, sizeof(failure), code, sizeof(code));
		if (!transient || attempt >= client->max_tries)
			break;
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	if (transient)
		snprintf(error, size, "%s %s: %s (gave up after %d tries in %.0f s)",
				 what, shown, failure, attempt, now_s() - started);
	else
		snprintf(error, size, "%s %s: %s%s", what, shown, failure, hint_for(client, code, hint, sizeof(hint)));
	w2e_buffer_free(&url);
	truncate_to(response, kept);
	/* a missing object, not a missing bucket */
	return rc == CURLE_OK && status == 404 && strcmp(code, "NoSuchBucket") != 0 ? 1 : -1;
}
