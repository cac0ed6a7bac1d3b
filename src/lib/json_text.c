/*
 * json_text.c
 *    Embedding JSON text (json/jsonb values, domain event payloads) in the
 *    output, compacted to one line.
 *
 * The text is checked against the JSON grammar before it is copied in raw:
 * the output line must stay valid JSON even when a message carries
 * something else (a bug, a corrupt message, a fuzzer). Text that is not one
 * JSON value, the empty string included, is written as a JSON string
 * instead, so nothing is lost. Whitespace outside strings is dropped (that
 * also removes any newline), and invalid UTF-8 inside strings becomes U+FFFD
 * as everywhere else. The nesting stack lives on the C stack up to 64 levels
 * and on the heap beyond, so depth costs memory, never recursion.
 */
#include <string.h>

#include "internal.h"

#define LOCAL_DEPTH 64

/* '{' or '[' for each open container. */
typedef struct NestStack
{
	char		local[LOCAL_DEPTH];
	W2eBuffer	heap;
	size_t		depth;
} NestStack;

typedef struct Cursor
{
	const unsigned char *p;
	size_t		len;
	size_t		pos;
} Cursor;

static int
push(NestStack *st, char open)
{
	if (st->depth < LOCAL_DEPTH)
		st->local[st->depth] = open;
	else if (w2e_buffer_append_char(&st->heap, open) != 0)
		return -1;
	st->depth++;
	return 0;
}

static char
top(const NestStack *st)
{
	size_t		i = st->depth - 1;

	return i < LOCAL_DEPTH ? st->local[i] : st->heap.data[i - LOCAL_DEPTH];
}

static void
pop(NestStack *st)
{
	st->depth--;
	if (st->depth >= LOCAL_DEPTH)
		st->heap.data[--st->heap.len] = '\0';
}

/* The byte at the cursor; 0 at the end (a NUL is never valid JSON either). */
static unsigned char
at(const Cursor *c)
{
	return c->pos < c->len ? c->p[c->pos] : 0;
}

static void
skip_ws(Cursor *c)
{
	while (at(c) == ' ' || at(c) == '\t' || at(c) == '\n' || at(c) == '\r')
		c->pos++;
}

static int
is_hex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		(ch >= 'A' && ch <= 'F');
}

static int
is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A string starting at the opening quote. */
static int
scan_string(Cursor *c)
{
	int			i;

	c->pos++;
	for (;;)
	{
		unsigned char ch = at(c);

		if (c->pos >= c->len || ch < 0x20)
			return 0;
		c->pos++;
		if (ch == '"')
			return 1;
		if (ch != '\\')
			continue;
		ch = at(c);
		c->pos++;
		if (ch == 'u')
		{
			for (i = 0; i < 4; i++, c->pos++)
				if (!is_hex(at(c)))
					return 0;
		}
		else if (ch == 0 || strchr("\"\\/bfnrt", ch) == NULL)
			return 0;
	}
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int
scan_number(Cursor *c)
{
	if (at(c) == '-')
		c->pos++;
	if (at(c) == '0')
		c->pos++;
	else if (is_digit(at(c)))
		while (is_digit(at(c)))
			c->pos++;
	else
		return 0;
	if (at(c) == '.')
	{
		c->pos++;
		if (!is_digit(at(c)))
			return 0;
		while (is_digit(at(c)))
			c->pos++;
	}
	if (at(c) == 'e' || at(c) == 'E')
	{
		c->pos++;
		if (at(c) == '+' || at(c) == '-')
			c->pos++;
		if (!is_digit(at(c)))
			return 0;
		while (is_digit(at(c)))
			c->pos++;
	}
	return 1;
}

static int
scan_literal(Cursor *c, const char *word)
{
	size_t		n = strlen(word);

	if (c->len - c->pos < n || memcmp(c->p + c->pos, word, n) != 0)
		return 0;
	c->pos += n;
	return 1;
}

static int
scan_scalar(Cursor *c)
{
	unsigned char ch = at(c);

	if (ch == '"')
		return scan_string(c);
	if (ch == '-' || is_digit(ch))
		return scan_number(c);
	if (ch == 't')
		return scan_literal(c, "true");
	if (ch == 'f')
		return scan_literal(c, "false");
	if (ch == 'n')
		return scan_literal(c, "null");
	return 0;
}

/* An object member's key and colon. */
static int
scan_key(Cursor *c)
{
	skip_ws(c);
	if (at(c) != '"' || !scan_string(c))
		return 0;
	skip_ws(c);
	if (at(c) != ':')
		return 0;
	c->pos++;
	return 1;
}

/*
 * After a complete value: close finished containers and step past the comma
 * (and key) to the next value. 1: a value is expected next; 0: done or
 * invalid (the caller checks where the cursor stopped).
 */
static int
after_value(Cursor *c, NestStack *st)
{
	for (;;)
	{
		skip_ws(c);
		if (st->depth == 0)
			return 0;
		if (at(c) == ',')
		{
			c->pos++;
			return top(st) == '[' || scan_key(c);
		}
		if (at(c) != (top(st) == '{' ? '}' : ']'))
			return 0;
		c->pos++;
		pop(st);
	}
}

/* 1 when text is exactly one JSON value (whitespace around allowed), 0 if not, -1 OOM. */
static int
is_json(const char *text, size_t len, const W2eAllocator *allocator)
{
	Cursor		c = {(const unsigned char *) text, len, 0};
	NestStack	st;
	int			result = 0;
	unsigned char open;

	st.depth = 0;
	w2e_buffer_init(&st.heap, allocator);
	for (;;)
	{
		skip_ws(&c);
		open = at(&c);
		if (open == '{' || open == '[')
		{
			c.pos++;
			skip_ws(&c);
			if (at(&c) != (open == '{' ? '}' : ']'))
			{
				if (push(&st, (char) open) != 0)
				{
					result = -1;
					break;
				}
				if (open == '{' && !scan_key(&c))
					break;
				continue;		/* the first member's value */
			}
			c.pos++;			/* {} or []: a complete value */
		}
		else if (!scan_scalar(&c))
			break;
		if (!after_value(&c, &st))
		{
			result = st.depth == 0 && c.pos == c.len;
			break;
		}
	}
	w2e_buffer_free(&st.heap);
	return result;
}

/* String contents copied as is, except invalid UTF-8 becomes \ufffd. */
static int
append_fixed_utf8(W2eBuffer *out, const unsigned char *p, size_t len)
{
	size_t		i = 0;
	size_t		start = 0;
	size_t		n;

	while (i < len)
	{
		n = w2e_utf8_char_len(p + i, len - i);
		if (n > 0)
		{
			i += n;
			continue;
		}
		if (w2e_buffer_append(out, p + start, i - start) != 0 ||
			w2e_buffer_append(out, "\\ufffd", 6) != 0)
			return -1;
		start = ++i;
	}
	return w2e_buffer_append(out, p + start, i - start);
}

/* Copy already-validated JSON without the whitespace outside strings. */
static int
append_compacted(W2eBuffer *out, const unsigned char *p, size_t len)
{
	size_t		i = 0;
	size_t		start;

	while (i < len)
	{
		start = i;
		if (p[i] == '"')
		{
			for (i++; p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;		/* valid JSON: an escaped byte follows */
			i++;
			if (append_fixed_utf8(out, p + start, i - start) != 0)
				return -1;
			continue;
		}
		while (i < len && p[i] != '"' && p[i] != ' ' && p[i] != '\t' &&
			   p[i] != '\n' && p[i] != '\r')
			i++;
		if (w2e_buffer_append(out, p + start, i - start) != 0)
			return -1;
		if (start == i)
			i++;				/* whitespace */
	}
	return 0;
}

int
w2e_json_append_compact(W2eBuffer *out, const char *text, size_t len)
{
	int			r = is_json(text, len, out->allocator);

	if (r != 1)
		return r;
	return append_compacted(out, (const unsigned char *) text, len) == 0 ? 1 : -1;
}

/* JSON text embedded raw when it is JSON, as a string when it is not. */
int
w2e_json_append_embedded(W2eBuffer *out, const char *text, size_t len)
{
	int			r = w2e_json_append_compact(out, text, len);

	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	return w2e_json_append_string(out, text, len);
}
