/*
 * lake_reader.h
 *    Reading a stream's events back from the lake, in stream order, with a
 *    selection (commit time range, event types, partition key): what
 *    `wal2events replay` republishes.
 *
 * The stream's files are listed once and read in the order of their
 * ranges. A file whose index says it holds nothing selected (its commit
 * times outside the range, none of the types) is skipped unread; a file
 * read is checked against its index (SHA-256, and zstd's own checksum of
 * the content), so a damaged file is an error, never a silent gap.
 */
#ifndef WAL2EVENTS_LAKE_READER_H
#define WAL2EVENTS_LAKE_READER_H

#include <stdint.h>

#include "lake_event.h"
#include "lake_store.h"

typedef struct LakeSelection
{
	int64_t		since_us;		/* commit time >= since (INT64_MIN: no bound) */
	int64_t		until_us;		/* commit time < until (INT64_MAX: no bound) */
	const char *type_glob;		/* '*' any run of characters; NULL: every type */
	const char *key;			/* partition key; NULL: every key */
} LakeSelection;

typedef struct LakeReadStats
{
	uint64_t	files;			/* of the stream */
	uint64_t	files_read;
	uint64_t	files_skipped;	/* by their index */
	uint64_t	events_read;
	uint64_t	events_selected;
	uint64_t	bytes_read;		/* compressed */
} LakeReadStats;

typedef struct LakeReader LakeReader;

/* List the stream's files. NULL with error (none: an error naming the streams the lake has). */
extern LakeReader *lake_reader_open(LakeStore *store, const char *stream, const LakeSelection *sel,
									char *error, size_t size);

/*
 * The next selected event: 1 with *event (valid until the next call), 0
 * at the end, -1 with error (a file unreadable, damaged, or holding
 * something that is not an event).
 */
extern int	lake_reader_next(LakeReader *r, const LakeEvent **event, char *error, size_t size);

extern const LakeReadStats *lake_reader_stats(const LakeReader *r);
extern void lake_reader_close(LakeReader *r);

/* Does text match the glob ('*': any run of characters, including none)? */
extern int	lake_glob_match(const char *glob, const char *text);

#endif							/* WAL2EVENTS_LAKE_READER_H */
