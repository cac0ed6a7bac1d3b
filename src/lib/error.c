/*
 * error.c
 *    Filling a W2eError: one line of text for a person.
 *
 * Messages are built bottom-up: the code that finds a problem says what it
 * is ("value has no kind") and each caller on the way out prefixes where it
 * was ("event 3: new value 2 (column \"id\"): ..."), so no level needs to
 * know the others' context. Messages longer than W2eError.message are cut.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Replace the message. err may be NULL: the caller does not want it. */
void
w2e_set_error(W2eError *err, const char *fmt,...)
{
	va_list		args;

	if (err == NULL)
		return;
	va_start(args, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, args);
	va_end(args);
}

/* Copy s to dst[*pos..], cutting it to leave room for the NUL. */
static void
copy_cut(char *dst, size_t size, size_t *pos, const char *s)
{
	size_t		n = strlen(s);

	if (n > size - 1 - *pos)
		n = size - 1 - *pos;
	memcpy(dst + *pos, s, n);
	*pos += n;
	dst[*pos] = '\0';
}

/* Put "<prefix>: " in front of the current message. */
void
w2e_prefix_error(W2eError *err, const char *fmt,...)
{
	char		prefix[sizeof(err->message)];
	char		old[sizeof(err->message)];
	size_t		pos = 0;
	va_list		args;

	if (err == NULL)
		return;
	va_start(args, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, args);
	va_end(args);
	memcpy(old, err->message, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	copy_cut(err->message, sizeof(err->message), &pos, prefix);
	copy_cut(err->message, sizeof(err->message), &pos, ": ");
	copy_cut(err->message, sizeof(err->message), &pos, old);
}
