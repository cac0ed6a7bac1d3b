/*
 * backfill.c
 *    A backfill's client loop: see backfill.h.
 *
 * Every statement runs in autocommit, so each backfill_chunk() call is its
 * own transaction: the server's rule (one chunk per transaction keeps xmin
 * moving and the window short). The rate is a token bucket of one second's
 * worth of rows: a chunk takes its rows from the bucket, and the next one
 * waits until the bucket is no longer in debt, so the average over any
 * stretch longer than a chunk stays at --rate.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backfill.h"
#include "ship_common.h"

#define FIND_SQL \
	"SELECT id FROM wal2events.backfills WHERE rel = $1::regclass" \
	" AND state IN ('pending','running') ORDER BY id LIMIT 1"
#define STATE_SQL \
	"SELECT (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = b.rel)," \
	" state, rows, chunks, chunk_rows, coalesce(last_key::text, '')" \
	" FROM wal2events.backfills b WHERE id = $1"
#define CHUNK_SQL "SELECT wal2events.backfill_chunk($1)"
#define SLOT_LAG_SQL \
	"SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint > $2::bigint" \
	" FROM pg_replication_slots WHERE slot_name = $1"
#define SLEEP_STEP_MS 100		/* a rate wait looks at the stop flag this often */

typedef struct Run
{
	const BackfillSpec *spec;
	BackfillResult *res;
	PGconn	   *conn;
	char		id_text[24];
	char		table[256];		/* as the server names it */
	int64_t		started_ms;
	int64_t		last_progress_ms;
	int64_t		rows_at_last_progress;
	double		tokens;			/* the rate's bucket, in rows */
	int64_t		tokens_ms;		/* when it was last filled */
} Run;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int
failed(Run *run, int status, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(run->res->error, sizeof(run->res->error), fmt, args);
	va_end(args);
	run->res->status = status;
	return -1;
}

/* libpq's message as one line (its first), without "ERROR:  ". */
static void
one_line(char *out, size_t size, const char *message)
{
	if (strncmp(message, "ERROR:  ", 8) == 0 || strncmp(message, "FATAL:  ", 8) == 0)
		message += 8;
	snprintf(out, size, "%.*s", (int) strcspn(message, "\n"), message);
}

/*
 * A failed statement: the server's message and hint; a lost connection is
 * status 3 (the database cannot be reached), anything else 1.
 */
static int
statement_failed(Run *run, PGresult *res, const char *what)
{
	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *hint = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char		line[400];

	if (PQstatus(run->conn) == CONNECTION_BAD)
	{
		one_line(line, sizeof(line), PQerrorMessage(run->conn));
		return failed(run, SHIP_EXIT_POSTGRES, "lost the connection to PostgreSQL while %s: %s", what, line);
	}
	if (primary == NULL)
		one_line(line, sizeof(line), PQerrorMessage(run->conn));
	else
		snprintf(line, sizeof(line), "%s", primary);
	/* 42P01 undefined table, 42883 undefined function, 3F000 no schema */
	if (hint == NULL && state != NULL &&
		(strcmp(state, "42P01") == 0 || strcmp(state, "42883") == 0 || strcmp(state, "3F000") == 0) &&
		strstr(line, "wal2events") != NULL)
		hint = "backfills need the wal2events extension 1.1 in this database: CREATE EXTENSION wal2events, or ALTER EXTENSION wal2events UPDATE";
	if (hint != NULL)
		return failed(run, CLI_EXIT_FAILURE, "%s: %s (%s)", what, line, hint);
	return failed(run, CLI_EXIT_FAILURE, "%s: %s", what, line);
}

/* One statement with up to three text parameters; its result, or NULL (failed). */
static PGresult *
query(Run *run, const char *sql, int n, const char *p1, const char *p2, const char *p3,
	  const char *what)
{
	const char *params[3] = {p1, p2, p3};
	PGresult   *res = PQexecParams(run->conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		statement_failed(run, res, what);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int
connect_db(Run *run)
{
	const char *keys[3];
	const char *values[3];
	int			n = 0;
	char		line[400];

	if (run->spec->dbname != NULL)
	{
		keys[n] = "dbname";
		values[n++] = run->spec->dbname;
	}
	keys[n] = "fallback_application_name";
	values[n++] = run->spec->application_name;
	keys[n] = NULL;
	values[n] = NULL;
	run->conn = PQconnectdbParams(keys, values, 1);
	if (run->conn != NULL && PQstatus(run->conn) == CONNECTION_OK)
		return 0;
	one_line(line, sizeof(line), run->conn != NULL ? PQerrorMessage(run->conn) : "out of memory");
	return failed(run, SHIP_EXIT_POSTGRES,
				  "cannot connect to PostgreSQL: %s (check --dbname or the PG* environment variables)", line);
}

int
backfill_key_array(const char *columns, char *out, size_t size)
{
	size_t		n = 0;
	const char *p = columns;

	if (columns == NULL || columns[0] == '\0' || size < 3)
		return -1;
	out[n++] = '{';
	for (;;)
	{
		size_t		len = strcspn(p, ",");
		size_t		i;

		if (len == 0)
			return -1;			/* "a,,b", ",a", "a," */
		if (n + 2 * len + 4 >= size)
			return -1;
		out[n++] = '"';
		for (i = 0; i < len; i++)
		{
			if (p[i] == '"' || p[i] == '\\')
				out[n++] = '\\';
			out[n++] = p[i];
		}
		out[n++] = '"';
		p += len;
		if (*p == '\0')
			break;
		out[n++] = ',';
		p++;
	}
	out[n++] = '}';
	out[n] = '\0';
	return 0;
}

/* The backfill's row: its table, state and counts. 0, or -1 (failed or no such backfill). */
static int
read_state(Run *run, char *state, size_t state_size, int64_t *rows, int64_t *chunks,
		   char *last_key, size_t key_size)
{
	PGresult   *res = query(run, STATE_SQL, 1, run->id_text, NULL, NULL, "reading wal2events.backfills");

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
	{
		PQclear(res);
		return failed(run, CLI_EXIT_FAILURE, "there is no backfill %s in wal2events.backfills", run->id_text);
	}
	snprintf(run->table, sizeof(run->table), "%s", PQgetvalue(res, 0, 0));
	snprintf(state, state_size, "%s", PQgetvalue(res, 0, 1));
	*rows = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	*chunks = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	if (last_key != NULL)
		snprintf(last_key, key_size, "%s", PQgetvalue(res, 0, 5));
	PQclear(res);
	return 0;
}

/* Register a new backfill of the table; its id in run->id_text. */
static int
register_backfill(Run *run)
{
	const BackfillSpec *spec = run->spec;
	char		chunk[16];
	char		keys[1024];
	char		what[600];
	PGresult   *res;

	snprintf(what, sizeof(what), "registering a backfill of %s", spec->table);
	snprintf(chunk, sizeof(chunk), "%d", spec->chunk_rows);
	if (spec->key_columns != NULL && backfill_key_array(spec->key_columns, keys, sizeof(keys)) != 0)
		return failed(run, CLI_EXIT_USAGE, "--key '%s' is not a list of column names (a,b)", spec->key_columns);
	if (spec->chunk_rows > 0 && spec->key_columns != NULL)
		res = query(run, "SELECT wal2events.backfill($1::regclass, chunk_rows => $2::int, key_columns => $3::text[])",
					3, spec->table, chunk, keys, what);
	else if (spec->chunk_rows > 0)
		res = query(run, "SELECT wal2events.backfill($1::regclass, chunk_rows => $2::int)",
					2, spec->table, chunk, NULL, what);
	else if (spec->key_columns != NULL)
		res = query(run, "SELECT wal2events.backfill($1::regclass, key_columns => $2::text[])",
					2, spec->table, keys, NULL, what);
	else
		res = query(run, "SELECT wal2events.backfill($1::regclass)", 1, spec->table, NULL, NULL, what);
	if (res == NULL)
		return -1;
	snprintf(run->id_text, sizeof(run->id_text), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Which backfill this run drives: given, found unfinished, or registered. */
static int
resolve(Run *run, char *state, size_t state_size)
{
	const BackfillSpec *spec = run->spec;
	int64_t		rows,
				chunks;
	int			registered = 0;

	if (spec->id > 0)
		snprintf(run->id_text, sizeof(run->id_text), "%" PRId64, spec->id);
	else
	{
		PGresult   *res = query(run, FIND_SQL, 1, spec->table, NULL, NULL,
								"looking for an unfinished backfill of the table");

		if (res == NULL)
			return -1;
		if (PQntuples(res) == 1)
			snprintf(run->id_text, sizeof(run->id_text), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		if (run->id_text[0] == '\0')
		{
			if (!spec->register_new)
			{
				run->res->none = 1;
				return 0;
			}
			if (register_backfill(run) != 0)
				return -1;
			registered = 1;
		}
	}
	run->res->id = strtoll(run->id_text, NULL, 10);
	if (read_state(run, state, state_size, &rows, &chunks, NULL, 0) != 0)
		return -1;
	if (registered)
		ship_log("%sregistered backfill %s of %s", spec->log_prefix, run->id_text, run->table);
	else if ((strcmp(state, "pending") == 0 || strcmp(state, "running") == 0) && chunks == 0)
		ship_log("%sstarting backfill %s of %s", spec->log_prefix, run->id_text, run->table);
	else if (strcmp(state, "pending") == 0 || strcmp(state, "running") == 0)
		ship_log("%scontinuing backfill %s of %s (%" PRId64 " rows in %" PRId64 " chunks so far)",
				 spec->log_prefix, run->id_text, run->table, rows, chunks);
	return 0;
}

/* Sleep up to ms, in steps that notice a stop. */
static void
nap(const BackfillSpec *spec, int64_t ms)
{
	while (ms > 0 && !atomic_load(spec->stop))
	{
		int64_t		step = ms < SLEEP_STEP_MS ? ms : SLEEP_STEP_MS;
		struct timespec ts = {(time_t) (step / 1000), (long) (step % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* --rate: wait until the bucket is out of debt. */
static void
wait_for_rate(Run *run)
{
	double		rate = run->spec->rate;
	int64_t		now;

	if (rate <= 0)
		return;
	now = ship_now_ms();
	run->tokens += (double) (now - run->tokens_ms) * rate / 1000;
	if (run->tokens > rate)
		run->tokens = rate;		/* one second's worth at most */
	run->tokens_ms = now;
	if (run->tokens < 0)
	{
		int64_t		wait = (int64_t) (-run->tokens * 1000 / rate) + 1;

		nap(run->spec, wait);
		now = ship_now_ms();
		run->tokens += (double) (now - run->tokens_ms) * rate / 1000;
		run->tokens_ms = now;
	}
}

/*
 * ship --backfill: wait while the shipper's slot is further behind than
 * pace_max_bytes. 0, or -1 when the query failed (connection lost).
 */
static int
wait_for_shipper(Run *run)
{
	char		limit[24];

	if (run->spec->pace_slot == NULL)
		return 0;
	snprintf(limit, sizeof(limit), "%" PRId64, run->spec->pace_max_bytes);
	while (!atomic_load(run->spec->stop))
	{
		PGresult   *pr = query(run, SLOT_LAG_SQL, 2, run->spec->pace_slot, limit, NULL,
							   "reading the slot's position (pg_replication_slots)");
		int			behind;

		if (pr == NULL)
			return -1;
		behind = PQntuples(pr) == 1 && strcmp(PQgetvalue(pr, 0, 0), "t") == 0;
		PQclear(pr);
		if (!behind)
			return 0;
		nap(run->spec, SLEEP_STEP_MS);
	}
	return 0;
}

static void
progress(Run *run, int64_t now)
{
	char		state[32];
	char		last_key[200];
	int64_t		rows,
				chunks;
	double		seconds = (double) (now - run->last_progress_ms) / 1000;
	int			status = run->res->status;

	if (read_state(run, state, sizeof(state), &rows, &chunks, last_key, sizeof(last_key)) != 0)
	{
		/* only a line missing: the next chunk says whether the connection is gone */
		run->res->status = status;
		return;
	}
	ship_log("%sbackfill %s of %s: %" PRId64 " rows, %" PRId64 " chunks, %.0f rows/s, last key %s",
			 run->spec->log_prefix, run->id_text, run->table, rows, chunks,
			 seconds > 0 ? (double) (run->res->rows - run->rows_at_last_progress) / seconds : 0,
			 last_key[0] != '\0' ? last_key : "(none yet)");
	run->last_progress_ms = now;
	run->rows_at_last_progress = run->res->rows;
}

static int
chunk_loop(Run *run)
{
	const BackfillSpec *spec = run->spec;
	BackfillResult *res = run->res;

	run->started_ms = run->last_progress_ms = run->tokens_ms = ship_now_ms();
	while (!atomic_load(spec->stop))
	{
		PGresult   *pr;
		int64_t		n,
					now;

		wait_for_rate(run);
		if (wait_for_shipper(run) != 0)
			return -1;
		if (atomic_load(spec->stop))
			break;
		pr = query(run, CHUNK_SQL, 1, run->id_text, NULL, NULL, "reading a chunk (wal2events.backfill_chunk)");
		if (pr == NULL)
			return -1;
		n = PQntuples(pr) == 1 && !PQgetisnull(pr, 0, 0) ? strtoll(PQgetvalue(pr, 0, 0), NULL, 10) : 0;
		PQclear(pr);
		if (n <= 0)
		{
			res->done = 1;
			return 0;
		}
		res->rows += n;
		res->chunks++;
		run->tokens -= (double) n;
		now = ship_now_ms();
		if (spec->progress_interval_ms > 0 && now - run->last_progress_ms >= spec->progress_interval_ms)
			progress(run, now);
	}
	res->stopped = 1;
	return 0;
}

static void
final_line(Run *run)
{
	const BackfillSpec *spec = run->spec;
	BackfillResult *res = run->res;
	double		seconds = (double) (ship_now_ms() - run->started_ms) / 1000;
	char		state[32];
	char		last_key[200];
	int64_t		rows = 0,
				chunks = 0;

	if (read_state(run, state, sizeof(state), &rows, &chunks, last_key, sizeof(last_key)) != 0)
	{
		res->status = 0;		/* the run itself went well: report its own counts */
		rows = res->rows;
		chunks = res->chunks;
		snprintf(state, sizeof(state), "?");
	}
	if (res->done && strcmp(state, "cancelled") == 0)
		ship_log("%sbackfill %s of %s was cancelled (wal2events.backfill_cancel): %" PRId64 " rows in %" PRId64 " chunks were read",
				 spec->log_prefix, run->id_text, run->table, rows, chunks);
	else if (res->done)
		ship_log("%sbackfill %s of %s done: %" PRId64 " rows in %" PRId64 " chunks (this run: %" PRId64 " rows in %.1f s, %.0f rows/s)",
				 spec->log_prefix, run->id_text, run->table, rows, chunks, res->rows, seconds,
				 seconds > 0 ? (double) res->rows / seconds : 0);
	else
		ship_log("%sstopped backfill %s of %s after %" PRId64 " rows in %" PRId64 " chunks (last key %s); run the same command again to continue it",
				 spec->log_prefix, run->id_text, run->table, rows, chunks,
				 last_key[0] != '\0' ? last_key : "(none yet)");
}

int
backfill_prepare(const char *dbname, const char *application_name, char *const *tables,
				 int n_tables, int register_new, char *error, size_t size)
{
	BackfillSpec spec;
	BackfillResult res;
	Run			run;
	int			i;

	memset(&spec, 0, sizeof(spec));
	memset(&res, 0, sizeof(res));
	memset(&run, 0, sizeof(run));
	spec.dbname = dbname;
	spec.application_name = application_name;
	run.spec = &spec;
	run.res = &res;
	if (connect_db(&run) == 0)
		for (i = 0; i < n_tables; i++)
		{
			PGresult   *pr = query(&run, FIND_SQL, 1, tables[i], NULL, NULL, tables[i]);
			int			found;

			if (pr == NULL)
				break;
			found = PQntuples(pr) == 1;
			PQclear(pr);
			if (found || !register_new)
				continue;
			spec.table = tables[i];
			run.id_text[0] = '\0';
			if (register_backfill(&run) != 0)
				break;
			ship_log("registered backfill %s of %s", run.id_text, tables[i]);
		}
	if (run.conn != NULL)
		PQfinish(run.conn);
	if (res.status != 0)
		snprintf(error, size, "%s", res.error);
	return res.status;
}

int
backfill_routed_tables(const char *dbname, const char *application_name,
					   char ***tables, int *n_tables, char *error, size_t size)
{
	BackfillSpec spec;
	BackfillResult res;
	Run			run;
	PGresult   *pr = NULL;
	int			i;

	memset(&spec, 0, sizeof(spec));
	memset(&res, 0, sizeof(res));
	memset(&run, 0, sizeof(run));
	spec.dbname = dbname;
	spec.application_name = application_name;
	run.spec = &spec;
	run.res = &res;
	*tables = NULL;
	*n_tables = 0;
	if (connect_db(&run) == 0)
		pr = query(&run,
				   "SELECT format('%I.%I', n.nspname, c.relname) FROM wal2events.routes r"
				   " JOIN pg_class c ON c.oid = r.rel JOIN pg_namespace n ON n.oid = c.relnamespace"
				   " WHERE NOT r.outbox ORDER BY 1", 0, NULL, NULL, NULL, "reading wal2events.routes");
	if (pr != NULL)
	{
		*tables = calloc((size_t) PQntuples(pr) + 1, sizeof(char *));
		for (i = 0; *tables != NULL && i < PQntuples(pr); i++)
			if (((*tables)[i] = strdup(PQgetvalue(pr, 0 + i, 0))) == NULL)
				break;
		if (*tables == NULL || i < PQntuples(pr))
			failed(&run, CLI_EXIT_FAILURE, "out of memory");
		else
			*n_tables = PQntuples(pr);
		PQclear(pr);
	}
	if (run.conn != NULL)
		PQfinish(run.conn);
	if (res.status != 0)
	{
		for (i = 0; *tables != NULL && (*tables)[i] != NULL; i++)
			free((*tables)[i]);
		free(*tables);
		*tables = NULL;
		snprintf(error, size, "%s", res.error);
	}
	return res.status;
}

int
backfill_run(const BackfillSpec *spec, BackfillResult *res)
{
	Run			run;
	char		state[32];

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.spec = spec;
	run.res = res;
	if (connect_db(&run) == 0 && resolve(&run, state, sizeof(state)) == 0 && !res->none)
	{
		if (strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0)
		{
			res->done = 1;
			ship_log("%sbackfill %s of %s is %s already", spec->log_prefix, run.id_text, run.table, state);
		}
		else if (chunk_loop(&run) == 0)
			final_line(&run);
	}
	if (run.conn != NULL)
		PQfinish(run.conn);
	return res->status;
}
