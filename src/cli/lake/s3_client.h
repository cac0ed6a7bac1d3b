/*
 * s3_client.h
 *    The few S3 requests the event lake needs (PUT, GET, DELETE of one
 *    object, ListObjectsV2), over one kept-alive libcurl handle, signed
 *    with AWS SigV4 by libcurl itself.
 *
 * lake_store_s3.c is the store; this is the wire: credentials
 * (s3_credentials.c), one request with its retries (s3_request.c) and the
 * XML of S3's answers (s3_xml.c). Nothing here prints; a secret never
 * reaches an error message.
 */
#ifndef WAL2EVENTS_S3_CLIENT_H
#define WAL2EVENTS_S3_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lake_store.h"

/* Credentials and region, as the AWS CLI finds them (s3_credentials.c). */
typedef struct S3Credentials
{
	char	   *access_key;
	char	   *secret_key;
	char	   *session_token;	/* NULL without one */
	char		region[64];
	char		source[300];	/* where they came from, for messages */
} S3Credentials;

extern int	s3_credentials_load(const LakeS3Settings *settings, S3Credentials *out,
								char *error, size_t size);
extern void s3_credentials_free(S3Credentials *cred);

/* Attempts per request (retries included): 0.2 s doubling to 5 s between them. */
#define S3_TRIES 7

/* One bucket at one endpoint, through one curl handle. */
typedef struct S3Client
{
	void	   *curl;			/* CURL * */
	char		endpoint[512];	/* scheme://host[:port], no trailing '/' */
	char		bucket[64];
	char		sigv4[96];		/* "aws:amz:REGION:s3" */
	char		region[64];
	int			secret_from_env;	/* for hints: which secret to check */
	char	   *userpwd;		/* "key:secret" for CURLOPT_USERPWD */
	char	   *token_header;	/* "x-amz-security-token: ..." or NULL */
	int			max_tries;		/* attempts per request, retries included */
	char		curl_error[256];	/* CURLOPT_ERRORBUFFER */
} S3Client;

extern int	s3_client_init(S3Client *client, const char *endpoint, const char *bucket,
						   const S3Credentials *cred, char *error, size_t size);
extern void s3_client_free(S3Client *client);

/*
 * One request, retried with backoff on what may pass (a connection that
 * failed or stalled, a 5xx, a 429). method: "PUT", "GET", "DELETE"; key:
 * the object's full key (NULL: the bucket itself); query: the query
 * string, its parameters already sorted and encoded (s3_query_append), or
 * NULL; body/len: a PUT's content. The answer's body is appended to
 * response. Returns 0 on a 2xx, 1 on a 404 (error says what was missing),
 * -1 on anything else, with one line in error starting with what ("cannot
 * store") and the object's name (shown).
 */
extern int	s3_request(S3Client *client, const char *method, const char *key,
					   const char *query, const void *body, size_t len,
					   W2eBuffer *response, const char *what, const char *shown,
					   char *error, size_t size);

/* Append s's bytes to out, %-encoded as SigV4 wants (unreserved bytes
 * kept, '/' kept when keep_slash). */
extern int	s3_uri_encode(W2eBuffer *out, const char *s, int keep_slash);

/* Append "name=value" to a query string being built in sorted order. */
extern int	s3_query_append(W2eBuffer *query, const char *name, const char *value);

/*
 * S3's XML answers (s3_xml.c). s3_xml_element finds the next
 * <tag>...</tag> in xml[*pos, len): 1 with its raw inner text at
 * xml[*start, *end) and *pos moved past it, 0 when there is none.
 * s3_xml_text unescapes a text (entities, character references) into a
 * malloc'd string: NULL when out of memory or malformed.
 */
extern int	s3_xml_element(const char *xml, size_t len, size_t *pos, const char *tag,
						   size_t *start, size_t *end);
extern char *s3_xml_text(const char *text, size_t len);

/* The S3 error code and message of an error answer, "Code: Message". */
extern void s3_xml_error(const char *xml, size_t len, char *out, size_t size,
						 char *code, size_t code_size);

#endif							/* WAL2EVENTS_S3_CLIENT_H */
