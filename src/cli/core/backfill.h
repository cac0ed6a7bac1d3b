/*
 * backfill.h
 *    The client side of a backfill (README, "Backfilling existing rows"):
 *    find the table's unfinished backfill or register one, then call
 *    wal2events.backfill_chunk() one chunk per transaction until nothing
 *    is left, at a limited rate if asked, with progress lines.
 *
 * The server does the work and keeps the progress (wal2events.backfills):
 * each chunk commits with its progress row, so a run stopped anywhere (a
 * signal, a crash, a lost connection) is continued by running it again.
 * Used by `wal2events backfill` and, in a thread of its own with its own
 * connection, by `ship --backfill`. Plain libpq, blocking: one chunk is
 * one short transaction.
 */
#ifndef WAL2EVENTS_BACKFILL_H
#define WAL2EVENTS_BACKFILL_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct BackfillSpec
{
	const char *dbname;			/* conninfo or database name; NULL: PG* environment
								 * (may hold a password: never printed) */
	const char *application_name;
	const char *table;			/* SCHEMA.TABLE; may be NULL with id */
	int			chunk_rows;		/* rows per chunk of a new backfill; 0: the server's default */
	double		rate;			/* rows per second at most; 0: no limit */
	const char *key_columns;	/* "a,b": a new backfill's key; NULL: the primary key */
	int64_t		id;				/* continue this backfill; 0: the table's unfinished one */
	int			register_new;	/* none unfinished: register one (0: do nothing) */
	int64_t		progress_interval_ms;	/* 0: no progress lines */
	const char *log_prefix;		/* before every line ("" or "backfill of T: ") */
	atomic_int *stop;			/* set: stop after the current chunk */

	/*
	 * ship --backfill: before each chunk, wait while this slot's confirmed
	 * position is more than pace_max_bytes behind the WAL, so that live
	 * changes never queue behind more than that much backfill (NULL: no
	 * pacing).
	 */
	const char *pace_slot;
	int64_t		pace_max_bytes;
} BackfillSpec;

typedef struct BackfillResult
{
	int64_t		id;				/* the backfill run, 0 before it is known */
	int			none;			/* no unfinished backfill, none registered */
	int			done;			/* it has nothing left */
	int			stopped;		/* stopped by *stop, continuable */
	int64_t		rows;			/* read by this run */
	int64_t		chunks;
	int			status;			/* 0, or the exit status of the failure */
	char		error[768];		/* one line, when status != 0 */
} BackfillResult;

/* Run it (see above). Returns res->status. */
extern int	backfill_run(const BackfillSpec *spec, BackfillResult *res);

/*
 * ship --backfill at start, on one connection: every table must exist and
 * the database must have wal2events.backfills (checked before the slot is
 * created, so a bad list leaves nothing behind); with register_new, each
 * table without an unfinished backfill gets one (right after the slot is
 * created: a shipper that stops before its backfills ran, for example on
 * a hub that is down, finds them registered when started again). 0, or
 * the exit status with error set.
 */
extern int	backfill_prepare(const char *dbname, const char *application_name,
							 char *const *tables, int n_tables, int register_new,
							 char *error, size_t size);

/*
 * The tables of wal2events.routes that are not outbox routes, as
 * SCHEMA.TABLE (quoted where needed), for `ship --backfill routed`: a
 * malloc'ed array of malloc'ed strings in *tables. 0, or the exit status
 * with error set.
 */
extern int	backfill_routed_tables(const char *dbname, const char *application_name,
								   char ***tables, int *n_tables, char *error, size_t size);

/* "a,b" -> the text[] literal {"a","b"} in out; 0, or -1 when empty or too long. */
extern int	backfill_key_array(const char *columns, char *out, size_t size);

#endif							/* WAL2EVENTS_BACKFILL_H */
