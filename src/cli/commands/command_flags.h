/*
 * command_flags.h
 *    The command line of `lake` and `replay`: --name VALUE, --name=VALUE
 *    and switches, from a table; unknown flags, a flag given twice, a
 *    value missing or given to a switch are usage errors naming the flag.
 *    For a command that runs as a service (`lake`), every flag not given
 *    is then read from its environment variable (option_env.h:
 *    --max-events is WAL2EVENTS_MAX_EVENTS), so that it keeps its settings
 *    in an environment file; the command line wins.
 */
#ifndef WAL2EVENTS_COMMAND_FLAGS_H
#define WAL2EVENTS_COMMAND_FLAGS_H

typedef struct CommandFlag
{
	const char *name;			/* without "--" */
	int			has_value;
} CommandFlag;

/* One flag (value NULL for a switch): 0, or -1 after printing the error. */
typedef int (*CommandFlagFn) (void *ctx, const char *name, const char *value);

/*
 * Walk argv[1..argc) with flags (ending with {NULL, 0}; every command also
 * takes --help and -h, which call help), then, with environment, the
 * variables of the flags not given. 1 to go on; 0 to stop now with
 * *status (help shown: 0; a usage error: 2).
 */
extern int	command_flags_parse(const char *command, int argc, char **argv,
								const CommandFlag *flags, CommandFlagFn apply, void *ctx,
								void (*help) (void), int environment, int *status);

/*
 * A usage error, one line: "wal2events COMMAND: <message>", or, while a
 * value from the environment is applied, "wal2events COMMAND: environment
 * variable WAL2EVENTS_X: <message>".
 */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
extern void command_usage_error(const char *command, const char *fmt,...);

/* The variable whose value is applied from now on (NULL: the command line's). */
extern void command_usage_variable(const char *variable);

#endif							/* WAL2EVENTS_COMMAND_FLAGS_H */
