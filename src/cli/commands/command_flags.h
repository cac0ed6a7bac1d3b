/*
 * command_flags.h
 *    The command line of `lake` and `replay`: --name VALUE, --name=VALUE
 *    and switches, from a table; unknown flags, a flag given twice, a
 *    value missing or given to a switch are usage errors naming the flag.
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
 * takes --help and -h, which call help). 1 to go on; 0 to stop now with
 * *status (help shown: 0; a usage error: 2).
 */
extern int	command_flags_parse(const char *command, int argc, char **argv,
								const CommandFlag *flags, CommandFlagFn apply, void *ctx,
								void (*help) (void), int *status);

#endif							/* WAL2EVENTS_COMMAND_FLAGS_H */
