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
	char		prefix[300];

	memset(&spec, 0, sizeof(spec));
	snprintf(prefix, sizeof(prefix), "--backfill %s: ", table);
	spec.dbname = b->opts->dbname;
	spec.application_name = APPLICATION_NAME;
	spec.table = table;
	spec.register_new = b->register_new;
	spec.progress_interval_ms = b->opts->progress_interval_ms;
	spec.log_prefix = "";
	spec.stop = &b->stop;
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

/* The --backfill list, one table at a time ("routed": from wal2events.routes). */
static void *
thread_main(void *arg)
{
	ShipBackfill *b = arg;
	const char *list = b->opts->backfill;
	char	  **routed = NULL;
	int			n_routed = 0;
	int			i;

	if (strcmp(list, "routed") == 0)
	{
		char		error[800];
		int			status;

		while ((status = backfill_routed_tables(b->opts->dbname, APPLICATION_NAME, &routed, &n_routed,
												error, sizeof(error))) != 0)
		{
			ship_log("--backfill routed: %s%s", error,
					 status == SHIP_EXIT_POSTGRES ? "; retrying in 5 s" : "; no backfills in this run");
			if (status != SHIP_EXIT_POSTGRES)
				return NULL;
			nap(b, RETRY_MS);
			if (atomic_load(&b->stop))
				return NULL;
		}
		if (n_routed == 0)
			ship_log("--backfill routed: wal2events.routes has no table routes: nothing to backfill");
		for (i = 0; i < n_routed && !atomic_load(&b->stop); i++)
			run_table(b, routed[i]);
		for (i = 0; i < n_routed; i++)
			free(routed[i]);
		free(routed);
		return NULL;
	}
	while (*list != '\0' && !atomic_load(&b->stop))
	{
		size_t		len = strcspn(list, ",");
		char		table[512];

		snprintf(table, sizeof(table), "%.*s", (int) len, list);
		run_table(b, table);
		list += len;
		if (*list == ',')
			list++;
	}
	return NULL;
}

int
ship_backfill_start(ShipBackfill *b, const ShipOptions *opts, int slot_created)
{
	memset(b, 0, sizeof(*b));
	atomic_init(&b->stop, 0);
	b->opts = opts;
	if (opts->backfill == NULL)
		return 0;
	b->register_new = slot_created;
	if (slot_created)
		ship_log("--backfill %s: the slot is new: backfilling, while shipping", opts->backfill);
	else
		ship_log("--backfill %s: the slot existed already, so no backfill is started; unfinished backfills of these tables are continued",
				 opts->backfill);
	if (pthread_create(&b->thread, NULL, thread_main, b) != 0)
	{
		ship_log("--backfill: cannot start a thread; no backfill in this run");
		return -1;
	}
	b->running = 1;
	return 0;
}

void
ship_backfill_request_stop(ShipBackfill *b)
{
	atomic_store(&b->stop, 1);
}

void
ship_backfill_finish(ShipBackfill *b)
{
	if (!b->running)
		return;
	atomic_store(&b->stop, 1);
	pthread_join(b->thread, NULL);
	b->running = 0;
}
