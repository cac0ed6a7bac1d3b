/*
 * command_flags.c
 *    A command's flags from a table (see command_flags.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "command_flags.h"
#include "option_env.h"

#define MAX_FLAGS 64

static const char *env_variable;	/* the variable whose value is being applied */

void
command_usage_error(const char *command, const char *fmt,...)
{
	char		message[1024];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	if (env_variable != NULL)
		cli_error(command, "environment variable %s: %s", env_variable, message);
	else
		cli_error(command, "%s", message);
}

void
command_usage_variable(const char *variable)
{
	env_variable = variable;
}

extern char **environ;

/* A WAL2EVENTS_ variable that is no flag's: a misspelt setting is an error, not ignored. */
static int
unknown_variable(const char *command, const CommandFlag *flags)
{
	char		name[OPTION_ENV_NAME_MAX];
	char	  **e;
	int			f;

	for (e = environ; *e != NULL; e++)
	{
		const char *eq = strchr(*e, '=');
		size_t		len = eq != NULL ? (size_t) (eq - *e) : strlen(*e);

		if (strncmp(*e, OPTION_ENV_PREFIX, strlen(OPTION_ENV_PREFIX)) != 0 || (eq != NULL && eq[1] == '\0'))
			continue;
		for (f = 0; flags[f].name != NULL; f++)
		{
			option_env_name(flags[f].name, name, sizeof(name));
			if (strlen(name) == len && strncmp(name, *e, len) == 0)
				break;
		}
		if (flags[f].name == NULL)
		{
			cli_error(command, "environment variable %.*s is no setting of %s (see 'wal2events %s --help'; unset it or fix its name)",
					  (int) (len > 80 ? 80 : len), *e, command, command);
			return 1;
		}
	}
	return 0;
}

/* The flags not given on the command line, from their variables. 1, or 0 after an error. */
static int
from_environment(const char *command, const CommandFlag *flags, const int *seen,
				 CommandFlagFn apply, void *ctx)
{
	char		name[OPTION_ENV_NAME_MAX];
	int			f;

	if (unknown_variable(command, flags))
		return 0;
	for (f = 0; flags[f].name != NULL && f < MAX_FLAGS; f++)
	{
		const char *value;
		int			on = 1;
		int			rc = 0;

		if (seen[f] || (value = option_env_get(flags[f].name, name, sizeof(name))) == NULL)
			continue;
		env_variable = name;
		if (!flags[f].has_value && (on = option_env_switch(value)) < 0)
		{
			command_usage_error(command, "invalid value '%s' (give 1 or 0, true or false)", value);
			rc = -1;
		}
		else if (on)
			rc = apply(ctx, flags[f].name, flags[f].has_value ? value : NULL);
		env_variable = NULL;
		if (rc != 0)
			return 0;
	}
	return 1;
}

int
command_flags_parse(const char *command, int argc, char **argv, const CommandFlag *flags,
					CommandFlagFn apply, void *ctx, void (*help) (void), int environment,
					int *status)
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
	return !environment || from_environment(command, flags, seen, apply, ctx);
}
