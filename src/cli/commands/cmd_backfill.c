/*
 * cmd_backfill.c
 *    `wal2events backfill --table SCHEMA.TABLE`: turn a table's existing
 *    rows into read events, through the slot, one short transaction per
 *    chunk (the loop itself is core/backfill.c).
 *
 * Strict like the other commands: an unknown flag, a flag given twice, a
 * missing or bad value is one line and exit status 2, before connecting.
 * SIGINT/SIGTERM stop it after the chunk in progress has committed (exit
 * 0): the server keeps the progress, so the same command continues it.
 * The conninfo may hold a password: it is never printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "option_values.h"
#include "ship_common.h"

#define COMMAND "backfill"

static atomic_int stop_requested;

static void
on_signal(int signo)
{
	(void) signo;
	atomic_store(&stop_requested, 1);
}

static void
help(void)
{
	printf("Usage: wal2events backfill --table SCHEMA.TABLE [OPTIONS]\n"
		   "\n"
		   "Read a table's existing rows into the WAL, in key order, one chunk per short\n"
		   "transaction, so that every consumer of a wal2events slot receives them as\n"
		   "\"read\" events (README, \"Backfilling existing rows\"). Continues the table's\n"
		   "unfinished backfill if it has one (after a crash or a stop, running the same\n"
		   "command again continues where the last committed chunk ended), else\n"
		   "registers one with wal2events.backfill(); runs until the table is read.\n"
		   "\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO          connection string or database name (default:\n"
		   "                                 the PG* environment variables); an ordinary\n"
		   "                                 connection, the role needs EXECUTE on\n"
		   "                                 wal2events.backfill() and backfill_chunk()\n"
		   "  -t, --table=SCHEMA.TABLE       the table to backfill\n"
		   "      --chunk-rows=N             rows per chunk of a new backfill (default 10000)\n"
		   "      --rate=ROWS                rows per second at most (default: no limit)\n"
		   "      --key=COL,...              the key to read a new backfill in order of: a\n"
		   "                                 NOT NULL unique key (default: the primary key)\n"
		   "      --id=N                     continue backfill N (wal2events.backfills.id)\n"
		   "                                 instead of the table's unfinished one; then\n"
		   "                                 --table is not needed\n"
		   "      --progress-interval=DURATION  progress line on stderr (default 1s; 0: off)\n"
		   "  -h, --help                     show this help\n"
		   "\n"
		   "--chunk-rows and --key apply to a backfill this command registers; one it\n"
		   "continues keeps its own. SIGINT or SIGTERM stops after the chunk in progress\n"
		   "has committed.\n"
		   "\n"
		   "Exit status:\n"
		   "  0  the table is read (or the backfill was done or cancelled already), or\n"
		   "     stopped by SIGINT/SIGTERM (run the same command again to continue)\n"
		   "  1  database error (the server's message and hint: no such table, no\n"
		   "     primary key, permission denied, extension older than 1.1)\n"
		   "  2  bad command line\n"
		   "  3  PostgreSQL cannot be reached, or the connection was lost (run the same\n"
		   "     command again to continue)\n");
}

typedef struct Flag
{
	const char *name;
	char		short_name;
	int			has_value;
} Flag;

static const Flag flags[] = {
	{"dbname", 'd', 1}, {"table", 't', 1}, {"chunk-rows", 0, 1}, {"rate", 0, 1},
	{"key", 0, 1}, {"id", 0, 1}, {"progress-interval", 0, 1}, {"help", 'h', 0},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

static int
set_flag(BackfillSpec *spec, const char *name, const char *value)
{
	int64_t		n;
	char	   *end;
	char		keys[1024];

	if (strcmp(name, "dbname") == 0)
		spec->dbname = value;
	else if (strcmp(name, "table") == 0)
	{
		if (value[0] == '\0')
		{
			cli_error(COMMAND, "--table is empty (give SCHEMA.TABLE)");
			return -1;
		}
		spec->table = value;
	}
	else if (strcmp(name, "chunk-rows") == 0)
	{
		if (parse_count(value, 1, 100000000, &n) != 0)
		{
			cli_error(COMMAND, "--chunk-rows '%s' is not a number of rows from 1 to 100000000", value);
			return -1;
		}
		spec->chunk_rows = (int) n;
	}
	else if (strcmp(name, "rate") == 0)
	{
		errno = 0;
		spec->rate = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' || !(spec->rate > 0) || spec->rate > 1e12)
		{
			cli_error(COMMAND, "--rate '%s' is not a positive number of rows per second", value);
			return -1;
		}
	}
	else if (strcmp(name, "key") == 0)
	{
		if (backfill_key_array(value, keys, sizeof(keys)) != 0)
		{
			cli_error(COMMAND, "--key '%s' is not a list of column names (COL or COL,COL)", value);
			return -1;
		}
		spec->key_columns = value;
	}
	else if (strcmp(name, "id") == 0)
	{
		if (parse_count(value, 1, INT64_MAX, &n) != 0)
		{
			cli_error(COMMAND, "--id '%s' is not a backfill id (a positive number)", value);
			return -1;
		}
		spec->id = n;
	}
	else if (strcmp(name, "progress-interval") == 0)
	{
		if (parse_duration(value, &spec->progress_interval_ms) != 0)
		{
			cli_error(COMMAND, "--progress-interval '%s' is not a duration (500ms, 1s, 2m; 0: off)", value);
			return -1;
		}
	}
	return 0;
}

/* 1 to go on, 0 to stop with *status (help shown, or a usage error). */
static int
parse(BackfillSpec *spec, int argc, char **argv, int *status)
{
	int			seen[N_FLAGS] = {0};
	int			i;

	*status = CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++)
	{
		const char *arg = argv[i];
		const char *value = NULL;
		size_t		f;

		for (f = 0; f < N_FLAGS; f++)
		{
			size_t		len = strlen(flags[f].name);

			if (arg[0] == '-' && arg[1] == '-' && strncmp(arg + 2, flags[f].name, len) == 0 &&
				(arg[2 + len] == '\0' || arg[2 + len] == '='))
			{
				value = arg[2 + len] == '=' ? arg + 3 + len : NULL;
				break;
			}
			if (flags[f].short_name != 0 && arg[0] == '-' && arg[1] == flags[f].short_name)
			{
				value = arg[2] != '\0' ? arg + 2 : NULL;
				break;
			}
		}
		if (f == N_FLAGS)
		{
			if (arg[0] == '-')
				cli_error(COMMAND, "unknown option '%s' (try 'wal2events backfill --help')", arg);
			else
				cli_error(COMMAND, "unexpected argument '%s' (try 'wal2events backfill --help')", arg);
			return 0;
		}
		if (strcmp(flags[f].name, "help") == 0)
		{
			help();
			*status = CLI_EXIT_OK;
			return 0;
		}
		if (seen[f]++)
		{
			cli_error(COMMAND, "--%s given twice", flags[f].name);
			return 0;
		}
		if (value == NULL && flags[f].has_value)
		{
			if (i + 1 >= argc)
			{
				cli_error(COMMAND, "--%s needs a value", flags[f].name);
				return 0;
			}
			value = argv[++i];
		}
		if (set_flag(spec, flags[f].name, value) != 0)
			return 0;
	}
	if (spec->table == NULL && spec->id == 0)
	{
		cli_error(COMMAND, "--table SCHEMA.TABLE is required (or --id N to continue a backfill)");
		return 0;
	}
	return 1;
}

int
cmd_backfill(int argc, char **argv)
{
	BackfillSpec spec;
	BackfillResult res;
	int			status;

	memset(&spec, 0, sizeof(spec));
	spec.application_name = "wal2events backfill";
	spec.chunk_rows = 10000;
	spec.register_new = 1;
	spec.progress_interval_ms = 1000;
	spec.log_prefix = "";
	spec.stop = &stop_requested;
	if (!parse(&spec, argc, argv, &status))
		return status;
	ship_log_set_command(COMMAND);
	cli_install_stop_signals(on_signal);
	if (backfill_run(&spec, &res) != 0)
	{
		cli_error(COMMAND, "%s", res.error);
		return res.status;
	}
	return CLI_EXIT_OK;
}
