/*
 * option_env.c
 *    Flags from the environment (see option_env.h for the rule and why).
 */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "option_env.h"

void
option_env_name(const char *flag, char *out, size_t size)
{
	size_t		n = strlen(OPTION_ENV_PREFIX);
	size_t		i;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(out, OPTION_ENV_PREFIX, n);
	for (i = 0; flag[i] != '\0' && n + 1 < size; i++)
		out[n++] = flag[i] == '-' ? '_' : (char) toupper((unsigned char) flag[i]);
	out[n] = '\0';
}

const char *
option_env_get(const char *flag, char *name_out, size_t size)
{
	const char *value;

	option_env_name(flag, name_out, size);
	value = getenv(name_out);
	return value != NULL && value[0] != '\0' ? value : NULL;
}

int
option_env_switch(const char *value)
{
	static const char *const on[] = {"1", "true", "yes", "on"};
	static const char *const off[] = {"0", "false", "no", "off"};
	size_t		i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++)
	{
		if (strcasecmp(value, on[i]) == 0)
			return 1;
		if (strcasecmp(value, off[i]) == 0)
			return 0;
	}
	return -1;
}
