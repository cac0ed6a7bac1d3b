/*
 * json_string.c
 *    Text as JSON strings, and the UTF-8 checks that needs.
 *
 * Output must be valid JSON whatever the input bytes are: a database in
 * another encoding, a corrupt message or a fuzzer can all hand us invalid
 * UTF-8. Each byte that does not start a well-formed sequence (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF) becomes U+FFFD, which is
 * what a consumer's own UTF-8 decoder would do. Escapes follow PostgreSQL's
 * escape_json(): the short forms, else \u00XX for control characters.
 */
#include <string.h>

#include "internal.h"

/* Length of the well-formed UTF-8 sequence at s, or 0 if there is none. */
size_t
w2e_utf8_char_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t		n;
	size_t		i;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	/* The second byte's range is narrower after these lead bytes. */
	if (s[0] == 0xE0)
		lo = 0xA0;				/* overlong */
	else if (s[0] == 0xED)
		hi = 0x9F;				/* surrogates */
	else if (s[0] == 0xF0)
		lo = 0x90;				/* overlong */
	else if (s[0] == 0xF4)
		hi = 0x8F;				/* above U+10FFFF */
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

int
w2e_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	size_t		n;

	while (i < len)
	{
		n = w2e_utf8_char_len(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* The escape for an ASCII byte that needs one. */
static int
append_escape(W2eBuffer *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char		u[6] = {'\\', 'u', '0', '0', 0, 0};

	switch (c)
	{
		case '"':
			return w2e_buffer_append(out, "\\\"", 2);
		case '\\':
			return w2e_buffer_append(out, "\\\\", 2);
		case '\b':
			return w2e_buffer_append(out, "\\b", 2);
		case '\f':
			return w2e_buffer_append(out, "\\f", 2);
		case '\n':
			return w2e_buffer_append(out, "\\n", 2);
		case '\r':
			return w2e_buffer_append(out, "\\r", 2);
		case '\t':
			return w2e_buffer_append(out, "\\t", 2);
		default:
			break;
	}
	u[4] = hex[c >> 4];
	u[5] = hex[c & 0x0F];
	return w2e_buffer_append(out, u, 6);
}

/*
 * Write what p[0] starts (an escape, a UTF-8 sequence or U+FFFD) and return
 * the number of input bytes it used, 0 when out of memory.
 */
static size_t
append_special(W2eBuffer *out, const unsigned char *p, size_t avail)
{
	size_t		n;

	if (p[0] < 0x80)
		return append_escape(out, p[0]) == 0 ? 1 : 0;
	n = w2e_utf8_char_len(p, avail);
	if (n > 0)
		return w2e_buffer_append(out, p, n) == 0 ? n : 0;
	return w2e_buffer_append(out, "\\ufffd", 6) == 0 ? 1 : 0;
}

/* s[0..len) as a quoted JSON string; runs of plain bytes are copied whole. */
int
w2e_json_append_string(W2eBuffer *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;
	size_t		start = 0;
	size_t		n;

	if (len == 0)				/* s may be NULL then (empty bytes field) */
		return w2e_buffer_append(out, "\"\"", 2);
	if (w2e_buffer_append_char(out, '"') != 0)
		return -1;
	while (i < len)
	{
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
		{
			i++;
			continue;
		}
		if (w2e_buffer_append(out, s + start, i - start) != 0)
			return -1;
		n = append_special(out, p + i, len - i);
		if (n == 0)
			return -1;
		i += n;
		start = i;
	}
	if (w2e_buffer_append(out, s + start, i - start) != 0)
		return -1;
	return w2e_buffer_append_char(out, '"');
}

int
w2e_json_append_cstring(W2eBuffer *out, const char *s)
{
	const char *p = W2E_STR(s);

	return w2e_json_append_string(out, p, strlen(p));
}
