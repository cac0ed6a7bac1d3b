/*
 * lake_writer.h
 *    `wal2events lake`: every event of a JetStream stream into the lake's
 *    immutable files (lake_layout.h), acknowledged to the hub only once
 *    stored.
 *
 * One file is open at a time; it is stored (index first, then the data,
 * each atomically: lake_store.h) when the next message's events belong to
 * another hour, when it holds --max-events events or --max-bytes
 * compressed bytes, when it has been open --max-age, and when the writer
 * stops. Only then is its last message acknowledged (the consumer
 * acknowledges everything up to it). A file holds whole messages: the
 * events of a transaction message are never split across files.
 *
 * Restart: the newest file's LAST is read back from the lake and the
 * durable consumer made to deliver from LAST + 1 (stream_reader.h). What
 * was delivered but not stored when the writer died is delivered again;
 * what was stored is not, whether or not its acknowledgement reached the
 * hub. Files are immutable: a crash between two puts leaves at most an
 * index without its data, which the next start removes.
 */
#ifndef WAL2EVENTS_LAKE_WRITER_H
#define WAL2EVENTS_LAKE_WRITER_H

#include <signal.h>
#include <stdint.h>

#include "lake_layout.h"
#include "lake_store.h"
#include "nats_auth.h"

typedef struct LakeOptions
{
	const char *from;			/* the NATS server(s), for messages */
	const NatsAuth *auth;
	const char *stream;
	const char *to;				/* DIR or s3://BUCKET[/PREFIX] */
	LakeS3Settings s3;
	const char *durable;		/* the consumer's name */
	LakeFormat	format;
	uint64_t	max_events;
	int64_t		max_bytes;
	int64_t		max_age_ms;
	int			zstd_level;
	int64_t		progress_interval_ms;	/* 0: no progress lines */
	const char *metrics_addr;	/* NULL: no endpoint */
	int			drain;			/* stop once every stored message is in the lake */
} LakeOptions;

/* Run until stop is set (or the hub is gone): the exit status. */
extern int	lake_run(const LakeOptions *opts, volatile sig_atomic_t *stop);

/*
 * lake_resume.c: the newest LAST of the stream's files in the lake
 * (0: none), after removing what a crash left (an index without its
 * data; a directory's hidden temporary files). 0, or -1 with error.
 */
extern int	lake_resume_point(LakeStore *store, const char *stream, uint64_t *last_seq,
							  uint64_t *files, char *error, size_t size);

#endif							/* WAL2EVENTS_LAKE_WRITER_H */
