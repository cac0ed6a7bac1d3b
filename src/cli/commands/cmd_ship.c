/*
 * cmd_ship.c
 *    `wal2events ship` and `wal2events tail`: check everything at start,
 *    run the loop, leave cleanly.
 *
 * Start-up order: the command line is checked whole before anything
 * connects; then the metrics port, PostgreSQL (connection, slot: it tells
 * which database and system we ship, START_REPLICATION: the plugin checks
 * its options), then the sink (the hub, its stream and where the stream
 * ends). Any problem found before streaming starts is one line on stderr
 * and a documented exit status, and leaves no slot or stream behind that
 * the refused command line would have created; after that, connections
 * that drop are retried.
 *
 * tail is ship to standard output with JSON as the default payload, a
 * temporary slot unless --slot is given, and no confirmation unless
 * --confirm: watching must not take events away from the real consumer.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ship_backfill.h"
#include "ship_loop.h"

static int	signal_pipe[2] = {-1, -1};
static ShipBackfill backfills;	/* --backfill's thread (the signal handler stops it) */

static void
on_signal(int signo)
{
	int			saved = errno;

	ship_backfill_request_stop(&backfills);
	if (write(signal_pipe[1], "s", 1) < 0)
	{
		/* the pipe is full: a stop is pending anyway */
	}
	errno = saved;
}

static void
on_ack(void *ctx, uint64_t ticket)
{
	delivery_ack(&((Shipper *) ctx)->delivery, ticket);
}

static int
install_signals(void)
{
	if (pipe(signal_pipe) != 0)
		return -1;
	fcntl(signal_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
	cli_install_stop_signals(on_signal);
	return 0;
}

/*
 * Everything before streaming, in the order that leaves nothing behind when
 * the command line is refused: the metrics port (bound first), PostgreSQL
 * and the slot, START_REPLICATION (the plugin checks the -o options; a slot
 * created by this run is dropped again when they are refused), and only
 * then the sink, which may create the stream.
 */
static int
start(Shipper *sh, const ShipOptions *opts)
{
	SinkSource	source;
	char		error[512];
	int			status;
	int			slot_created;

	if (metrics_open(&sh->metrics, opts->metrics_addr, error, sizeof(error)) != 0)
	{
		cli_error(opts->command, "%s", error);
		return CLI_EXIT_USAGE;
	}
	sh->metrics.ready_max_lag_ms = opts->ready_max_lag_ms;
	if ((status = ship_backfill_prepare(&backfills, opts, error, sizeof(error))) != 0)
	{
		cli_error(opts->command, "%s", error);
		return status;
	}
	if (repl_open(&sh->repl, opts) != 0 ||
		(slot_created = sh->repl.created, repl_start(&sh->repl, opts)) != 0)
	{
		cli_error(opts->command, "%s", sh->repl.error);
		return sh->repl.error_status;
	}
	/*
	 * A new slot: its backfills are registered now, before the hub is
	 * contacted, so a run that stops early (the hub down) leaves them for
	 * the next start to continue; they are run once shipping has started.
	 */
	if (slot_created)
		ship_backfill_register(&backfills);
	sh->pg_connected = 1;
	if (delivery_init(&sh->delivery, (uint64_t) opts->sink_common.max_inflight, sh->repl.start_lsn) != 0)
	{
		cli_error(opts->command, "out of memory");
		return CLI_EXIT_FAILURE;
	}
	source.system_identifier = sh->repl.system_identifier;
	source.database = sh->repl.database;
	source.slot = sh->repl.slot;
	sh->sink = sink_open(opts->sink, opts->sink_options, &opts->sink_common, &source, on_ack, sh,
						 error, sizeof(error), &status);
	if (sh->sink == NULL)
	{
		cli_error(opts->command, "%s", error);
		return status;
	}
	if (sh->sink->have_tail)
		delivery_set_stored(&sh->delivery, &sh->sink->tail);
	if (metrics_start(&sh->metrics, opts->progress_interval_ms, opts->dbname,
					  opts->command[0] == 't' ? "wal2events tail (WAL position)" : "wal2events ship (WAL position)",
					  error, sizeof(error)) != 0)
	{
		cli_error(opts->command, "%s", error);
		return CLI_EXIT_FAILURE;
	}
	/* last: its chunks must find the slot there, and nothing fails after it */
	ship_backfill_start(&backfills, slot_created);
	return CLI_EXIT_OK;
}

static void
finish(Shipper *sh)
{
	ship_backfill_finish(&backfills);
	arena_free_all(&sh->arena);
	repl_close(&sh->repl);
	if (sh->sink != NULL)
		sh->sink->ops->close(sh->sink);
	delivery_free(&sh->delivery);
	envelope_free(&sh->envelope);
	metrics_close(&sh->metrics);
	if (signal_pipe[0] >= 0)
	{
		close(signal_pipe[0]);
		close(signal_pipe[1]);
		signal_pipe[0] = signal_pipe[1] = -1;
	}
}

static int
run_command(int argc, char **argv)
{
	ShipOptions opts;
	Shipper		sh;
	int			status;

	if (!ship_options_parse(&opts, argc, argv, &status))
		return status;
	ship_log_set_command(opts.command);
	memset(&sh, 0, sizeof(sh));
	sh.opts = &opts;
	metrics_open(&sh.metrics, NULL, NULL, 0);	/* closed until start() */
	envelope_init(&sh.envelope);
	arena_init(&sh.arena);
	if (install_signals() != 0)
	{
		cli_error(opts.command, "cannot create a pipe for signals");
		ship_options_free(&opts);
		return CLI_EXIT_FAILURE;
	}
	sh.signal_fd = signal_pipe[0];
	status = start(&sh, &opts);
	if (status == CLI_EXIT_OK)
		status = ship_run(&sh);
	finish(&sh);
	ship_options_free(&opts);
	return status;
}

int
cmd_ship(int argc, char **argv)
{
	return run_command(argc, argv);
}

int
cmd_tail(int argc, char **argv)
{
	return run_command(argc, argv);
}
