/*
 * lake_layout.h
 *    Where an event goes in the lake, and what a file's name says.
 *
 *   stream=<STREAM>/date=<YYYY-MM-DD>/hour=<HH>/<FIRST>-<LAST>.ndjson.zst
 *                                              <FIRST>-<LAST>.index.json
 *
 * Hive-style partitions (key=value folders) so that query engines prune
 * by stream, date and hour; the hour (UTC) is that of the events' commit
 * time, and a file never spans hours. FIRST and LAST are the stream
 * sequence numbers of the first and last message the file holds, twenty
 * digits so that names sort as numbers: every message of the stream from
 * the first the lake read on is in exactly one file, files do not
 * overlap, and the newest file's LAST is where a writer resumes. A file of
 * framed EventEnvelopes (--format protobuf) ends in .envelopes.zst.
 * Temporary names (".<name>.tmp", lake_store_dir.c) start with a dot.
 */
#ifndef WAL2EVENTS_LAKE_LAYOUT_H
#define WAL2EVENTS_LAKE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LAKE_KEY_MAX 512
#define LAKE_HOUR_US INT64_C(3600000000)

typedef enum LakeFormat
{
	LAKE_FORMAT_NDJSON,			/* one JSON line per event, as `consume` prints it */
	LAKE_FORMAT_PROTOBUF		/* framed EventEnvelopes, as `decode --envelope` reads */
} LakeFormat;

typedef enum LakeObject
{
	LAKE_OBJECT_OTHER,			/* not a file of the lake's */
	LAKE_OBJECT_DATA,
	LAKE_OBJECT_INDEX
} LakeObject;

/* What a key of the lake names. */
typedef struct LakeKey
{
	LakeObject	kind;
	LakeFormat	format;			/* of a data file */
	char		stream[256];
	int64_t		hour;			/* hours since 1970-01-01 00:00 UTC */
	uint64_t	first_seq;
	uint64_t	last_seq;
} LakeKey;

/* The hour (since the epoch, UTC) of a time in microseconds since the epoch. */
extern int64_t lake_hour_of(int64_t time_us);

/* "stream=S/date=YYYY-MM-DD/hour=HH" for hour: 0, or -1 if it does not fit. */
extern int	lake_partition(char *out, size_t size, const char *stream, int64_t hour);

/* The keys of a file's data and index. 0, or -1 if they do not fit. */
extern int	lake_data_key(char *out, size_t size, const char *stream, int64_t hour,
						  uint64_t first_seq, uint64_t last_seq, LakeFormat format);
extern int	lake_index_key(char *out, size_t size, const char *stream, int64_t hour,
						   uint64_t first_seq, uint64_t last_seq);

/* The index key that belongs to a data key (same folder and range). */
extern int	lake_index_key_of(const LakeKey *data, char *out, size_t size);

/* Parse a key (relative to the lake's root): k->kind LAKE_OBJECT_OTHER if not ours. */
extern void lake_parse_key(const char *key, LakeKey *k);

/* "stream=S/": the prefix of every key of a stream. */
extern int	lake_stream_prefix(char *out, size_t size, const char *stream);

/* Is a --stream name one the layout can hold (letters, digits, '-', '_')? */
extern int	lake_stream_name_valid(const char *name);

#endif							/* WAL2EVENTS_LAKE_LAYOUT_H */
