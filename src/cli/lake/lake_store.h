/*
 * lake_store.h
 *    Where the event lake's files live: a local directory or an S3 bucket
 *    (s3://BUCKET[/PREFIX]), behind one small interface, so that the lake
 *    writer and replay never care which.
 *
 * Keys are relative, '/'-separated paths below the lake's root
 * ("stream=EVENTS/date=2026-11-30/hour=16/<file>"). What a put promises is
 * what makes a crash harmless: an object is either not visible at all or
 * visible whole and durable once put() returned 0. A directory writes a
 * hidden temporary file, fsyncs it, renames it and fsyncs the directory;
 * S3 stores an object only when its PUT completes (an interrupted upload
 * leaves nothing), and the S3 store retries what failed for a reason
 * that may pass (a connection, a 5xx, a 429) before it gives up.
 *
 * Nothing here prints: every failure is one line in error, naming the
 * object and the cause, never a credential.
 */
#ifndef WAL2EVENTS_LAKE_STORE_H
#define WAL2EVENTS_LAKE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "wal2events.h"

/*
 * S3 settings from the command line (each may be NULL). Credentials are
 * never flags: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, or the shared credentials file (credentials_file,
 * else AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) under the
 * profile (profile, else AWS_PROFILE, else "default").
 */
typedef struct LakeS3Settings
{
	const char *endpoint;		/* --s3-endpoint http(s)://HOST[:PORT]; NULL: AWS */
	const char *region;			/* --s3-region; NULL: AWS_REGION, AWS_DEFAULT_REGION, us-east-1 */
	const char *credentials_file;	/* --s3-credentials-file */
	const char *profile;		/* --s3-profile */
} LakeS3Settings;

typedef struct LakeStore LakeStore;

/* One object found by list(): its key and size in bytes. 0 to go on, -1 to stop. */
typedef int (*LakeListFn) (void *ctx, const char *key, uint64_t size);

/* The operations of one kind of store (lake_store_dir.c, lake_store_s3.c). */
typedef struct LakeStoreOps
{
	int			(*put) (LakeStore *store, const char *key, const void *data, size_t len,
						char *error, size_t size);
	/* 0 with the object appended to out; 1: no such object; -1: error. */
	int			(*get) (LakeStore *store, const char *key, W2eBuffer *out,
						char *error, size_t size);
	/* Every object whose key starts with prefix, in no promised order. */
	int			(*list) (LakeStore *store, const char *prefix, LakeListFn fn, void *ctx,
						 char *error, size_t size);
	/* Remove one object (a missing one is no error). */
	int			(*remove) (LakeStore *store, const char *key, char *error, size_t size);
	void		(*close) (LakeStore *store);
	/*
	 * The writer's claim on one stream's files, held until close: a
	 * directory locks a file of its root (.wal2events-lake-STREAM.lock), so
	 * a second writer on the same machine is refused whatever its durable
	 * consumer; S3 has no lock (the durable consumer's check remains).
	 */
	int			(*claim) (LakeStore *store, const char *stream, char *error, size_t size);
} LakeStoreOps;

struct LakeStore
{
	const LakeStoreOps *ops;
	char		shown[512];		/* for messages: the directory, or s3://bucket/prefix */
};

/*
 * A directory (created if missing) or s3://BUCKET[/PREFIX]. NULL with a
 * one-line error when it cannot be used (a directory not writable, a
 * bucket that does not answer, no credentials for S3).
 */
extern LakeStore *lake_store_open(const char *to, const LakeS3Settings *s3,
								  char *error, size_t size);

/* A lake to read (replay): a directory must exist; nothing is created. */
extern LakeStore *lake_store_open_existing(const char *from, const LakeS3Settings *s3,
										   char *error, size_t size);

/* The kinds; lake_store_open chooses. */
extern LakeStore *lake_store_dir_open(const char *path, char *error, size_t size);
extern LakeStore *lake_store_dir_read(const char *path, char *error, size_t size);
extern LakeStore *lake_store_s3_open(const char *url, const LakeS3Settings *s3,
									 char *error, size_t size);

/* Is this lake location an S3 one? */
extern int	lake_store_is_s3(const char *to);

/*
 * The command line's S3 flags ("s3-endpoint", "s3-region",
 * "s3-credentials-file", "s3-profile", without "--"): 1 when name is one
 * (stored in s3), 0 when it is not, -1 with error for a bad value.
 */
extern int	lake_s3_flag(LakeS3Settings *s3, const char *name, const char *value,
						 char *error, size_t size);

/* Was any S3 flag given (they need an s3:// location)? */
extern int	lake_s3_given(const LakeS3Settings *s3);

static inline int
lake_store_claim(LakeStore *s, const char *stream, char *error, size_t size)
{
	return s->ops->claim(s, stream, error, size);
}

static inline int
lake_store_put(LakeStore *s, const char *key, const void *data, size_t len, char *error, size_t size)
{
	return s->ops->put(s, key, data, len, error, size);
}

static inline int
lake_store_get(LakeStore *s, const char *key, W2eBuffer *out, char *error, size_t size)
{
	return s->ops->get(s, key, out, error, size);
}

static inline int
lake_store_list(LakeStore *s, const char *prefix, LakeListFn fn, void *ctx, char *error, size_t size)
{
	return s->ops->list(s, prefix, fn, ctx, error, size);
}

static inline int
lake_store_remove(LakeStore *s, const char *key, char *error, size_t size)
{
	return s->ops->remove(s, key, error, size);
}

static inline void
lake_store_close(LakeStore *s)
{
	if (s != NULL)
		s->ops->close(s);
}

#endif							/* WAL2EVENTS_LAKE_STORE_H */
