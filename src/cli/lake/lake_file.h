/*
 * lake_file.h
 *    One file of the lake being filled: its records compressed as they
 *    come (one zstd frame with its content checksum, in memory: a file is
 *    at most --max-bytes), and its index (stream sequence, commit LSN and
 *    time ranges, counts, event types, the file's SHA-256) so that replay
 *    can skip files without opening them.
 *
 * Index (one JSON object, <FIRST>-<LAST>.index.json beside the file):
 *   {"version":1,"stream":"EVENTS","format":"ndjson","first_seq":1,
 *    "last_seq":812,"messages":812,"events":812,
 *    "commit_lsn_min":"0/16B3F28","commit_lsn_max":"0/1A00000",
 *    "commit_time_min":"2026-11-30T16:00:00.000001Z","commit_time_max":...,
 *    "commit_time_min_us":...,"commit_time_max_us":...,
 *    "bytes":40960,"uncompressed_bytes":409600,"sha256":"<hex of the file>",
 *    "types":{"order.created":700,"order.paid":112},"types_complete":true}
 * types holds at most LAKE_INDEX_TYPES_MAX types; with more,
 * types_complete is false (replay then reads the file to filter by type).
 */
#ifndef WAL2EVENTS_LAKE_FILE_H
#define WAL2EVENTS_LAKE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "lake_event.h"
#include "lake_layout.h"
#include "wal2events.h"

#define LAKE_INDEX_TYPES_MAX 64

typedef struct LakeTypeCount
{
	char	   *type;
	uint64_t	count;
} LakeTypeCount;

typedef struct LakeFile
{
	void	   *cctx;			/* ZSTD_CCtx */
	int			level;
	int			open;
	W2eBuffer	compressed;
	int64_t		hour;
	int64_t		opened_ms;		/* monotonic: for --max-age */
	uint64_t	first_seq;
	uint64_t	last_seq;
	uint64_t	messages;
	uint64_t	events;
	uint64_t	raw_bytes;
	uint64_t	lsn_min;
	uint64_t	lsn_max;
	int64_t		time_min;
	int64_t		time_max;
	LakeTypeCount types[LAKE_INDEX_TYPES_MAX];
	size_t		n_types;
	int			types_complete;
} LakeFile;

/* 0, or -1 (out of memory). */
extern int	lake_file_init(LakeFile *f, int level);
extern void lake_file_free(LakeFile *f);

/* Begin a file for events of hour, its first message being first_seq. */
extern void lake_file_start(LakeFile *f, int64_t hour, uint64_t first_seq, int64_t now_ms);

/* One event of the current message. 0, or -1 with err. */
extern int	lake_file_add(LakeFile *f, const LakeEvent *e, W2eError *err);

/* zstd's end of a frame (last block's header, checksum), and a raw block's header per 128 KiB */
#define LAKE_FILE_END_BYTES 32

/*
 * The file's compressed size if it ended now, at most (what zstd holds
 * counted uncompressed): --max-bytes is kept with it.
 */
extern uint64_t lake_file_size_bound(const LakeFile *f);

/* The current message (stream sequence seq) is complete. */
extern void lake_file_message_done(LakeFile *f, uint64_t seq);

/*
 * End the file: f->compressed holds the whole zstd frame, index the index
 * line (appended). 0, or -1 with err. The file is closed after it either way.
 */
extern int	lake_file_finish(LakeFile *f, const char *stream, LakeFormat format,
							 W2eBuffer *index, W2eError *err);

#endif							/* WAL2EVENTS_LAKE_FILE_H */
