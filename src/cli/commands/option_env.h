/*
 * option_env.h
 *    Flags from the environment: `--max-inflight` is WAL2EVENTS_MAX_INFLIGHT.
 *
 * Why: a shipper runs under a supervisor (systemd's EnvironmentFile=, a
 * container's env) whose settings are NAME=VALUE lines, not a command line.
 * The rule is generic, so every flag a command declares has its variable
 * without a line of code per flag: WAL2EVENTS_ + the long name in upper
 * case with '-' as '_'. The command line wins over the environment; an
 * empty variable counts as unset (an env file may list every setting).
 */
#ifndef WAL2EVENTS_OPTION_ENV_H
#define WAL2EVENTS_OPTION_ENV_H

#include <stddef.h>

#define OPTION_ENV_PREFIX "WAL2EVENTS_"
#define OPTION_ENV_NAME_MAX 64

/* "max-inflight" -> "WAL2EVENTS_MAX_INFLIGHT" (cut at size). */
extern void option_env_name(const char *flag, char *out, size_t size);

/* The flag's variable, or NULL when unset or empty; its name in name_out. */
extern const char *option_env_get(const char *flag, char *name_out, size_t size);

/* A flag without value from the environment: 1/true/yes/on 1, 0/false/no/off 0, else -1. */
extern int	option_env_switch(const char *value);

#endif							/* WAL2EVENTS_OPTION_ENV_H */
