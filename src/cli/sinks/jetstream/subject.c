/*
 * subject.c
 *    The JetStream sink's subject template: checking it once at start,
 *    rendering it per event, and deriving the stream subjects from it.
 *
 * A template is NATS tokens separated by '.', each made of literal text and
 * placeholders: "events.{type}", "cdc.{database}.{schema}.{table}",
 * "orders.{partition_key}". Rendering never produces an invalid subject:
 * values are sanitised and long ones shortened (see subject.h), so an
 * event can always be sent. The template rules live in libwal2events
 * (w2e_subject_template_check), shared with wal2events.route().
 */
#include <stdio.h>
#include <string.h>

#include "subject.h"

#define N_TOKENS 5				/* placeholders, numbered by w2e_subject_placeholder() */

int
subject_template_check(const char *tmpl, char *error, size_t error_size)
{
	W2eError	err;

	if (w2e_subject_template_check(tmpl, &err) == 0)
		return 0;
	snprintf(error, error_size, "%s", err.message);
	return -1;
}

int
subject_template_transaction_check(const char *tmpl, char *error, size_t error_size)
{
	const char *open;

	for (open = strchr(tmpl, '{'); open != NULL; open = strchr(open + 1, '{'))
	{
		const char *close = strchr(open, '}');
		size_t		len = close != NULL ? (size_t) (close - open - 1) : strlen(open + 1);

		if (len != 8 || strncmp(open + 1, "database", 8) != 0)
		{
			snprintf(error, error_size,
					 "{%.*s} is a token of one event; a transaction's subject can use {database} only",
					 (int) (len > 40 ? 40 : len), open + 1);
			return -1;
		}
	}
	return 0;
}

static const char *
token_value(const SubjectValues *v, int index)
{
	const char *values[N_TOKENS];

	values[0] = v->type;
	values[1] = v->schema;
	values[2] = v->table;
	values[3] = v->database;
	values[4] = v->partition_key;
	return values[index] != NULL ? values[index] : "";
}

/* value[0..len) with '.', ' ', '*', '>' and control characters as '_'. */
static int
append_sanitised(W2eBuffer *out, const char *value, size_t len)
{
	char		chunk[256];
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		chunk[n++] = (c <= ' ' || c == 0x7F || c == '.' || c == '*' || c == '>') ? '_' : (char) c;
		if (n == sizeof(chunk))
		{
			if (w2e_buffer_append(out, chunk, n) != 0)
				return -1;
			n = 0;
		}
	}
	return w2e_buffer_append(out, chunk, n);
}

/* One placeholder's value as a subject token: "_" if empty, shortened if long. */
static int
append_value(W2eBuffer *out, const char *value)
{
	size_t		len = strlen(value);
	char		suffix[W2E_HASH_SUFFIX_LEN + 1];

	if (len == 0)
		return w2e_buffer_append(out, "_", 1);
	if (len <= W2E_SUBJECT_VALUE_MAX)
		return append_sanitised(out, value, len);
	w2e_hash_suffix(value, len, suffix);
	return append_sanitised(out, value,
							w2e_shortened_prefix(value, W2E_SUBJECT_VALUE_MAX - W2E_HASH_SUFFIX_LEN)) != 0 ||
		w2e_buffer_append(out, suffix, W2E_HASH_SUFFIX_LEN) != 0 ? -1 : 0;
}

int
subject_render(const char *tmpl, const SubjectValues *values, W2eBuffer *out)
{
	const char *p = tmpl;

	w2e_buffer_reset(out);
	while (*p != '\0')
	{
		const char *open = strchr(p, '{');
		const char *close;

		if (open == NULL)
			return w2e_buffer_append_str(out, p);
		close = strchr(open, '}');
		if (w2e_buffer_append(out, p, (size_t) (open - p)) != 0 ||
			append_value(out, token_value(values, w2e_subject_placeholder(open + 1, (size_t) (close - open - 1)))) != 0)
			return -1;
		p = close + 1;
	}
	return 0;
}

/* Copy tmpl's tokens, those with a placeholder as '*', then suffix. */
static int
wildcard_pattern(const char *tmpl, const char *suffix, char *out, size_t size)
{
	size_t		n = 0;
	const char *p = tmpl;

	while (*p != '\0')
	{
		const char *dot = strchr(p, '.');
		size_t		len = dot != NULL ? (size_t) (dot - p) : strlen(p);
		int			has_token = memchr(p, '{', len) != NULL;
		size_t		copy = has_token ? 1 : len;

		if (n + copy + 2 > size)
			return -1;
		memcpy(out + n, has_token ? "*" : p, copy);
		n += copy;
		p += len;
		if (*p == '.')
		{
			out[n++] = '.';
			p++;
		}
	}
	if (n + strlen(suffix) + 1 > size)
		return -1;
	strcpy(out + n, suffix);
	return 0;
}

int
subject_patterns(const char *tmpl, char out[2][256])
{
	if (wildcard_pattern(tmpl, "", out[0], 256) != 0 ||
		wildcard_pattern(tmpl, SUBJECT_CLAIM_SUFFIX, out[1], 256) != 0)
		return -1;
	return 2;
}

int
subject_stream_subjects(const char *tmpl, char out[2][256])
{
	const char *p = tmpl;
	const char *prefix_end = NULL;

	/* the literal tokens before the first one with a placeholder */
	while (*p != '\0')
	{
		const char *dot = strchr(p, '.');
		size_t		len = dot != NULL ? (size_t) (dot - p) : strlen(p);

		if (memchr(p, '{', len) != NULL || dot == NULL)
			break;
		prefix_end = dot;
		p = dot + 1;
	}
	if (prefix_end == NULL || strchr(tmpl, '{') == NULL)
		return subject_patterns(tmpl, out);
	if ((size_t) (prefix_end - tmpl) + 3 > 256)
		return -1;
	memcpy(out[0], tmpl, (size_t) (prefix_end - tmpl));
	strcpy(out[0] + (prefix_end - tmpl), ".>");
	return 1;
}

/* Next token of s at *p: start and length; 0 at the end. */
static int
next_token(const char **p, const char **start, size_t *len)
{
	const char *dot;

	if (*p == NULL)
		return 0;
	*start = *p;
	dot = strchr(*p, '.');
	*len = dot != NULL ? (size_t) (dot - *p) : strlen(*p);
	*p = dot != NULL ? dot + 1 : NULL;
	return 1;
}

int
subject_covers(const char *filter, const char *pattern)
{
	const char *f = filter;
	const char *s = pattern;
	const char *ft = NULL;
	const char *st = NULL;
	size_t		fl = 0;
	size_t		sl = 0;

	for (;;)
	{
		int			has_f = next_token(&f, &ft, &fl);
		int			has_s = next_token(&s, &st, &sl);

		if (!has_f || !has_s)
			return !has_f && !has_s;
		if (fl == 1 && ft[0] == '>')
			return 1;
		if (sl == 1 && st[0] == '>')
			return 0;
		if (fl == 1 && ft[0] == '*')
			continue;
		if (fl != sl || strncmp(ft, st, fl) != 0 || (sl == 1 && st[0] == '*'))
			return 0;
	}
}

int
subject_stream_name_valid(const char *name)
{
	size_t		n = 0;

	for (; name[n] != '\0'; n++)
	{
		char		c = name[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return n > 0 && n <= 255;
}
