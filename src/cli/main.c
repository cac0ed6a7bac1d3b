/*
 * main.c
 *    The `wal2events` command: global options and dispatch to subcommands.
 *
 * Each subcommand lives in its own cmd_<name>.c and owns its options and
 * help; this file only knows their names. An unknown command is an error
 * (exit status 2), including the ones not written yet: a script that calls
 * `wal2events ship` on a build without it must not think it shipped.
 */
#define _POSIX_C_SOURCE 200809L /* sigaction */

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "wal2events.h"

/* Extension point: every subcommand has a row here (see cli.h). */
static const CliCommand commands[] = {
	{"backfill", "turn a table's existing rows into read events, chunk by chunk", cmd_backfill},
	{"consume", "print the events a JetStream stream holds as JSON lines", cmd_consume},
	{"decode", "print framed Transaction (or EventEnvelope) messages as JSON lines", cmd_decode},
	{"lake", "keep every event of a JetStream stream in immutable lake files", cmd_lake},
	{"replay", "republish events from the lake into a stream, a file or stdout", cmd_replay},
	{"ship", "stream a slot's events to NATS JetStream, a file or stdout", cmd_ship},
	{"tail", "print a database's events as JSON lines as they commit", cmd_tail},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

void
cli_error(const char *command, const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "wal2events%s%s: ", command != NULL ? " " : "",
			command != NULL ? command : "");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}

static void
usage(FILE *out)
{
	size_t		i;

	fprintf(out,
			"Usage: wal2events COMMAND [OPTIONS] [ARGS]\n"
			"\n"
			"Ship and read what the wal2events output plugin writes.\n"
			"\n"
			"Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
			"\n"
			"Options:\n"
			"  -h, --help     show this help\n"
			"  -V, --version  show the version\n"
			"\n"
			"Run `wal2events COMMAND --help` for a command's options.\n");
}

int
main(int argc, char **argv)
{
	size_t		i;
	const char *name = argc > 1 ? argv[1] : NULL;

	if (name == NULL)
	{
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
		strcmp(name, "help") == 0)
	{
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
	{
		printf("wal2events %s\n", W2E_VERSION);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (name[0] == '-')
		cli_error(NULL, "unknown option '%s' (try 'wal2events --help')", name);
	else
		cli_error(NULL, "unknown command '%s' (try 'wal2events --help')", name);
	return CLI_EXIT_USAGE;
}

void
cli_install_stop_signals(void (*handler) (int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
