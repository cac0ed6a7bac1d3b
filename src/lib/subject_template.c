/*
 * subject_template.c
 *    The rules of a subject template, and how a long value is shortened in
 *    a subject or a header: one place for the shipper (`wal2events ship
 *    --subject`, a route's template met while shipping) and the extension
 *    (`wal2events.route(subject => ...)`), which compiles this file too.
 *
 * A template is dot-separated tokens of literal text and placeholders
 * ({type} {schema} {table} {database} {partition_key}). NATS refuses a
 * protocol line longer than its max_control_line (4096 bytes by default)
 * and closes the connection: a subject that long could never be sent, and
 * a shipper that retried it would reconnect for ever. So every subject a
 * template renders is bounded: a placeholder's value takes at most
 * W2E_SUBJECT_VALUE_MAX bytes (a longer one is shortened, see
 * w2e_shortened_prefix), and a template whose longest rendering, with the
 * ".claim" suffix of claim-check chunks, could pass W2E_SUBJECT_MAX is
 * refused.
 */
#include <stdio.h>
#include <string.h>

#include "wal2events.h"

static const char *const placeholder_names[] = {
	"type", "schema", "table", "database", "partition_key"
};

#define N_PLACEHOLDERS (sizeof(placeholder_names) / sizeof(placeholder_names[0]))
#define CLAIM_SUFFIX_LEN 6		/* ".claim" */

int
w2e_subject_placeholder(const char *name, size_t len)
{
	size_t		i;

	for (i = 0; i < N_PLACEHOLDERS; i++)
		if (strlen(placeholder_names[i]) == len && strncmp(placeholder_names[i], name, len) == 0)
			return (int) i;
	return -1;
}

static int
literal_char_ok(unsigned char c)
{
	return c > ' ' && c != 0x7F && c != '*' && c != '>' && c != '}';
}

static int
fail(W2eError *err, const char *message)
{
	strncpy(err->message, message, sizeof(err->message) - 1);
	err->message[sizeof(err->message) - 1] = '\0';
	return -1;
}

/* Its longest rendering, ".claim" included, fits W2E_SUBJECT_MAX? */
static int
check_length(size_t literal, size_t placeholders, W2eError *err)
{
	size_t		longest = literal + placeholders * W2E_SUBJECT_VALUE_MAX + CLAIM_SUFFIX_LEN;

	if (longest <= W2E_SUBJECT_MAX)
		return 0;
	snprintf(err->message, sizeof(err->message),
			 "its subjects could be %zu bytes long, more than %d (%zu literal bytes, %zu placeholders of up to %d bytes each, \".claim\"): use fewer placeholders or shorter literal text",
			 longest, W2E_SUBJECT_MAX, literal, placeholders, W2E_SUBJECT_VALUE_MAX);
	return W2E_SUBJECT_TOO_LONG;
}

int
w2e_subject_template_check(const char *tmpl, W2eError *err)
{
	const char *p = tmpl;
	size_t		token_len = 0;
	size_t		literal = 0;
	size_t		placeholders = 0;

	if (*p == '\0')
		return fail(err, "it is empty (the default is events.{type})");
	for (; *p != '\0'; p++)
	{
		if (*p == '.')
		{
			if (token_len == 0)
				return fail(err, "it has an empty token (two dots, or a dot at either end)");
			token_len = 0;
			literal++;
			continue;
		}
		token_len++;
		if (*p == '{')
		{
			const char *close = strchr(p, '}');

			if (close == NULL)
				return fail(err, "'{' without '}'");
			if (w2e_subject_placeholder(p + 1, (size_t) (close - p - 1)) < 0)
				return fail(err, "unknown token (known: {type} {schema} {table} {database} {partition_key})");
			placeholders++;
			p = close;
		}
		else if (!literal_char_ok((unsigned char) *p))
			return fail(err, "it has a space, control character, '*', '>' or a stray '}'");
		else
			literal++;
	}
	if (token_len == 0)
		return fail(err, "it has an empty token (two dots, or a dot at either end)");
	return check_length(literal, placeholders, err);
}

size_t
w2e_shortened_prefix(const char *value, size_t keep)
{
	/* back off to the start of a UTF-8 sequence: never half a character */
	while (keep > 0 && ((unsigned char) value[keep] & 0xC0) == 0x80)
		keep--;
	return keep;
}

void
w2e_hash_suffix(const char *value, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t	h = UINT64_C(14695981039346656037);	/* FNV-1a, 64 bits */
	size_t		i;
	int			d;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) value[i];
		h *= UINT64_C(1099511628211);
	}
	out[0] = '~';
	for (d = 0; d < 16; d++)
		out[1 + d] = hex[(h >> (60 - 4 * d)) & 15];
	out[W2E_HASH_SUFFIX_LEN] = '\0';
}
