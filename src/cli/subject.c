/*
 * subject.c
 *    The JetStream sink's subject template: checking it once at start,
 *    rendering it per event, and deriving the stream subjects from it.
 *
 * A template is NATS tokens separated by '.', each made of literal text and
 * placeholders: "events.{type}", "cdc.{database}.{schema}.{table}",
 * "orders.{partition_key}". Rendering never produces an invalid subject:
 * values are sanitised (see subject.h), so an event can always be sent.
 */
#include <string.h>

#include "subject.h"

static const char *const token_names[] = {
	"type", "schema", "table", "database", "partition_key"
};

#define N_TOKENS (sizeof(token_names) / sizeof(token_names[0]))

/* Index of the placeholder named name[0..len), or -1. */
static int
token_index(const char *name, size_t len)
{
	size_t		i;

	for (i = 0; i < N_TOKENS; i++)
		if (strlen(token_names[i]) == len && strncmp(token_names[i], name, len) == 0)
			return (int) i;
	return -1;
}

static int
literal_char_ok(unsigned char c)
{
	return c > ' ' && c != 0x7F && c != '*' && c != '>' && c != '}';
}

static int
fail(char *error, size_t size, const char *message)
{
	strncpy(error, message, size - 1);
	error[size - 1] = '\0';
	return -1;
}

int
subject_template_check(const char *tmpl, char *error, size_t error_size)
{
	const char *p = tmpl;
	int			token_len = 0;

	if (*p == '\0')
		return fail(error, error_size, "it is empty (the default is events.{type})");
	for (; *p != '\0'; p++)
	{
		if (*p == '.')
		{
			if (token_len == 0)
				return fail(error, error_size, "it has an empty token (two dots, or a dot at either end)");
			token_len = 0;
			continue;
		}
		token_len++;
		if (*p == '{')
		{
			const char *close = strchr(p, '}');

			if (close == NULL)
				return fail(error, error_size, "'{' without '}'");
			if (token_index(p + 1, (size_t) (close - p - 1)) < 0)
				return fail(error, error_size, "unknown token (known: {type} {schema} {table} {database} {partition_key})");
			p = close;
		}
		else if (!literal_char_ok((unsigned char) *p))
			return fail(error, error_size, "it has a space, control character, '*', '>' or a stray '}'");
	}
	if (token_len == 0)
		return fail(error, error_size, "it has an empty token (two dots, or a dot at either end)");
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

static int
append_sanitised(W2eBuffer *out, const char *value)
{
	char		chunk[256];
	size_t		n = 0;

	if (*value == '\0')
		return w2e_buffer_append(out, "_", 1);
	for (; *value != '\0'; value++)
	{
		unsigned char c = (unsigned char) *value;

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
			append_sanitised(out, token_value(values, token_index(open + 1, (size_t) (close - open - 1)))) != 0)
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
