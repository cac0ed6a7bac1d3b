/*
 * command_flags.c
 *    A command's flags from a table (see command_flags.h).
 */
#include <string.h>

#include "cli.h"
#include "command_flags.h"

#define MAX_FLAGS 64

int
command_flags_parse(const char *command, int argc, char **argv, const CommandFlag *flags,
					CommandFlagFn apply, void *ctx, void (*help) (void), int *status)
{
	int			seen[MAX_FLAGS] = {0};
	int			i;

	*status = CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++)
	{
		const char *arg = argv[i];
		const char *eq;
		const char *value = NULL;
		size_t		len;
		int			f;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
		{
			help();
			*status = CLI_EXIT_OK;
			return 0;
		}
		if (strncmp(arg, "--", 2) != 0)
		{
			cli_error(command, "unknown %s '%s' (try 'wal2events %s --help')",
					  arg[0] == '-' ? "option" : "argument", arg, command);
			return 0;
		}
		eq = strchr(arg + 2, '=');
		len = eq != NULL ? (size_t) (eq - arg - 2) : strlen(arg + 2);
		for (f = 0; flags[f].name != NULL && f < MAX_FLAGS; f++)
			if (strlen(flags[f].name) == len && strncmp(flags[f].name, arg + 2, len) == 0)
				break;
		if (flags[f].name == NULL || f == MAX_FLAGS)
		{
			cli_error(command, "unknown option '%.*s' (try 'wal2events %s --help')",
					  (int) (len + 2), arg, command);
			return 0;
		}
		if (seen[f]++)
		{
			cli_error(command, "--%s given twice", flags[f].name);
			return 0;
		}
		if (!flags[f].has_value)
		{
			if (eq != NULL)
			{
				cli_error(command, "--%s takes no value", flags[f].name);
				return 0;
			}
		}
		else if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
		{
			cli_error(command, "--%s needs a value (try 'wal2events %s --help')", flags[f].name, command);
			return 0;
		}
		if (apply(ctx, flags[f].name, value) != 0)
			return 0;
	}
	return 1;
}
