/*
 * store_test.h
 *    What the lake store tests share (store_test.c: every store and the
 *    directory; store_test_s3.c: S3 against tests/lake/s3rver.js).
 */
#ifndef WAL2EVENTS_STORE_TEST_H
#define WAL2EVENTS_STORE_TEST_H

#include <stdio.h>
#include <string.h>

#include "lake_store.h"

extern int	passed,
			failed;
extern char error[1024];

#define CHECK(what, cond) \
	do { \
		if (cond) { passed++; printf("%s ... ok\n", what); } \
		else { failed++; printf("%s ... FAILED (%s:%d: %s)%s%s\n", what, __FILE__, __LINE__, #cond, \
								error[0] ? "\n    last error: " : "", error); } \
	} while (0)

extern const char *const EVENT_KEY;

typedef struct Listed
{
	int			count;
	int			found;			/* entries equal to want, size included */
	const char *want;
	uint64_t	want_size;
	int			bad;			/* names a reader should never see (temporary, prefixed) */
} Listed;

extern Listed list(LakeStore *s, const char *prefix, const char *want, uint64_t want_size, int *rc);
extern int	holds(LakeStore *s, const char *key, const void *data, size_t len);
extern int	put(LakeStore *s, const char *key, const void *data, size_t len);
extern int	missing(LakeStore *s, const char *key);
extern char *random_bytes(size_t len, unsigned seed);
extern void common_suite(LakeStore *s);
extern int	cat_lake(const char *url, const char *endpoint, const char *stream);
extern void s3_suite(const char *endpoint, const char *bucket, const char *control, const char *scratch);

#endif
