/*
 * ship_backfill.c
 *    ship's backfill thread: see ship_backfill.h.
 *
 * The thread only talks to PostgreSQL over its own ordinary connection;
 * it shares nothing with the main loop but the stop flag and stderr
 * (ship_log writes whole lines). A lost connection is retried (the
 * backfill continues where its last committed chunk ended); any other
 * failure of one table's backfill is logged and the next table goes on:
 * the shipper itself never stops for a backfill.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backfill.h"
#include "ship_backfill.h"

#define RETRY_MS 5000

/*
 * The backfill stays at most this much WAL ahead of what the shipper has
 * confirmed: the database reads far faster than a hub stores, and live
 * changes would otherwise queue behind the whole table in the one slot
 * (bench/backfill, (d)). 16 MB is about 90,000 rows of 180 bytes.
 */
#define PACE_MAX_BYTES (16 * 1024 * 1024)
#define APPLICATION_NAME "wal2events ship (backfill)"

/* Sleep up to ms, waking for a stop. */
static void
nap(ShipBackfill *b, int64_t ms)
{
	while (ms > 0 && !atomic_load(&b->stop))
	{
		struct timespec ts = {0, 100 * 1000000L};

		nanosleep(&ts, NULL);
		ms -= 100;
	}
}

/* One table's backfill, retried while PostgreSQL cannot be reached. */
static void
run_table(ShipBackfill *b, const char *table)
{
	BackfillSpec spec;
	BackfillResult res;
	char		prefix[600];

	memset(&spec, 0, sizeof(spec));
	snprintf(prefix, sizeof(prefix), "--backfill %s: ", table);
	spec.dbname = b->opts->dbname;
	spec.application_name = APPLICATION_NAME;
	spec.table = table;
	spec.rate = b->opts->backfill_rate;
	spec.register_new = 0;		/* registered at start, or by the run that made the slot */
	spec.progress_interval_ms = b->opts->progress_interval_ms;
	spec.log_prefix = "";
	spec.stop = &b->stop;
	spec.pace_slot = b->opts->slot;
	spec.pace_max_bytes = PACE_MAX_BYTES;
	while (!atomic_load(&b->stop))
	{
		if (backfill_run(&spec, &res) == 0)
			return;				/* done, stopped or nothing to continue: it said so */
		if (res.status != SHIP_EXIT_POSTGRES)
		{
			ship_log("%s%s; no backfill of this table in this run", prefix, res.error);
			return;
		}
		ship_log("%s%s; retrying in %d s", prefix, res.error, RETRY_MS / 1000);
		/* the same backfill again, never a new one (it may have finished) */
		if (res.id > 0)
			spec.id = res.id;
		nap(b, RETRY_MS);
	}
}

/* The tables, one after another. */
static void *
thread_main(void *arg)
{
	ShipBackfill *b = arg;
	int			i;

	for (i = 0; i < b->n_tables && !atomic_load(&b->stop); i++)
		run_table(b, b->tables[i]);
	return NULL;
}

static void
free_tables(ShipBackfill *b)
{
	int			i;

	for (i = 0; b->tables != NULL && i < b->n_tables; i++)
		free(b->tables[i]);
	free(b->tables);
	b->tables = NULL;
	b->n_tables = 0;
}

/* --backfill's comma-separated list, split. 0, or -1 out of memory. */
static int
split_list(ShipBackfill *b, const char *list)
{
	const char *p;
	int			n = 1,
				i;

	for (p = list; *p != '\0'; p++)
		n += *p == ',';
	if ((b->tables = calloc((size_t) n, sizeof(char *))) == NULL)
		return -1;
	for (i = 0, p = list; i < n; i++)
	{
		size_t		len = strcspn(p, ",");

		if ((b->tables[i] = strndup(p, len)) == NULL)
			return -1;
		b->n_tables = i + 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

int
ship_backfill_prepare(ShipBackfill *b, const ShipOptions *opts, char *error, size_t size)
{
	char		why[800];
	int			status;

	memset(b, 0, sizeof(*b));
	atomic_init(&b->stop, 0);
	b->opts = opts;
	if (opts->backfill == NULL)
		return 0;
	if (strcmp(opts->backfill, "routed") == 0)
	{
		status = backfill_routed_tables(opts->dbname, APPLICATION_NAME, &b->tables, &b->n_tables,
										why, sizeof(why));
		if (status != 0)
		{
			snprintf(error, size, "--backfill routed: %s", why);
			return status;
		}
	}
	else if (split_list(b, opts->backfill) != 0)
	{
		free_tables(b);
		snprintf(error, size, "out of memory");
		return CLI_EXIT_FAILURE;
	}
	status = backfill_prepare(opts->dbname, APPLICATION_NAME, b->tables, b->n_tables, 0,
							  why, sizeof(why));
	if (status != 0)
	{
		free_tables(b);
		snprintf(error, size, "--backfill: %s", why);
	}
	return status;
}

void
ship_backfill_register(ShipBackfill *b)
{
	char		error[800];

	if (b->opts == NULL || b->opts->backfill == NULL || b->n_tables == 0)
		return;
	if (backfill_prepare(b->opts->dbname, APPLICATION_NAME, b->tables, b->n_tables, 1,
						 error, sizeof(error)) != 0)
		ship_log("--backfill: %s; the backfills registered before it run, the others do not", error);
}

void
ship_backfill_start(ShipBackfill *b, int slot_created)
{
	if (b->opts == NULL || b->opts->backfill == NULL)
		return;
	if (b->n_tables == 0)
	{
		ship_log("--backfill routed: wal2events.routes has no table routes: nothing to backfill");
		return;
	}
	if (!slot_created)
		ship_log("--backfill %s: the slot existed already, so no backfill is started; unfinished backfills of these tables are continued",
				 b->opts->backfill);
	if (pthread_create(&b->thread, NULL, thread_main, b) != 0)
	{
		ship_log("--backfill: cannot start a thread; the backfills are continued on the next start");
		return;
	}
	b->running = 1;
}

void
ship_backfill_request_stop(ShipBackfill *b)
{
	atomic_store(&b->stop, 1);
}

void
ship_backfill_finish(ShipBackfill *b)
{
	atomic_store(&b->stop, 1);
	if (b->running)
		pthread_join(b->thread, NULL);
	b->running = 0;
	free_tables(b);
}
