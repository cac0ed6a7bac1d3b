/*
 * s3_xml.c
 *    Just enough XML for S3's answers: ListObjectsV2 (<Contents> with
 *    <Key> and <Size>, <IsTruncated>, <NextContinuationToken>) and error
 *    bodies (<Code>, <Message>).
 *
 * S3's answers are flat and machine-written, so finding an element by its
 * tag is enough; what matters is unescaping keys exactly (a key may hold
 * '&', '<', quotes or any UTF-8), since a key listed wrong is a file the
 * lake writer or replay cannot find again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_client.h"

/* Find needle in hay[from, len): its offset, or len. */
static size_t
find(const char *hay, size_t len, size_t from, const char *needle, size_t nlen)
{
	size_t		i;

	for (i = from; i + nlen <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return i;
	return len;
}

int
s3_xml_element(const char *xml, size_t len, size_t *pos, const char *tag,
			   size_t *start, size_t *end)
{
	char		open[80];
	char		close[80];
	size_t		olen,
				clen,
				at,
				stop;

	olen = (size_t) snprintf(open, sizeof(open), "<%s>", tag);
	clen = (size_t) snprintf(close, sizeof(close), "</%s>", tag);
	at = find(xml, len, *pos, open, olen);
	if (at == len)
		return 0;
	stop = find(xml, len, at + olen, close, clen);
	if (stop == len)
		return 0;
	*start = at + olen;
	*end = stop;
	*pos = stop + clen;
	return 1;
}

/* Write code point cp as UTF-8 at out: the bytes written, 0 when invalid. */
static size_t
put_utf8(char *out, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* The entity at text[0..len) (after '&', before ';') into out: bytes written, 0 if unknown. */
static size_t
entity(const char *name, size_t n, char *out)
{
	static const struct
	{
		const char *name;
		char		c;
	}			named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
	size_t		i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n && memcmp(name, named[i].name, n) == 0)
		{
			out[0] = named[i].c;
			return 1;
		}
	if (n >= 2 && name[0] == '#')
	{
		int			hex = name[1] == 'x' || name[1] == 'X';
		const char *digits = name + 1 + hex;
		size_t		ndigits = n - 1 - (size_t) hex;
		unsigned long cp = 0;
		size_t		j;

		if (ndigits == 0 || ndigits > 8)
			return 0;
		for (j = 0; j < ndigits; j++)
		{
			char		c = digits[j];
			int			d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long) d;
		}
		return put_utf8(out, cp);
	}
	return 0;
}

char *
s3_xml_text(const char *text, size_t len)
{
	/* unescaping never lengthens: "&#x10FFFF;" (10 bytes) is 4 */
	char	   *out = malloc(len + 1);
	size_t		i = 0,
				o = 0;

	if (out == NULL)
		return NULL;
	while (i < len)
	{
		if (text[i] != '&')
		{
			out[o++] = text[i++];
			continue;
		}
		{
			const char *semi = memchr(text + i + 1, ';', len - i - 1);
			size_t		n;

			if (semi == NULL || (n = entity(text + i + 1, (size_t) (semi - text - i - 1), out + o)) == 0)
			{
				free(out);
				return NULL;
			}
			o += n;
			i = (size_t) (semi - text) + 1;
		}
	}
	out[o] = '\0';
	return out;
}

void
s3_xml_error(const char *xml, size_t len, char *out, size_t size, char *code, size_t code_size)
{
	size_t		pos = 0,
				start,
				end;
	char	   *c = NULL,
			   *m = NULL;

	if (s3_xml_element(xml, len, &pos, "Code", &start, &end))
		c = s3_xml_text(xml + start, end - start);
	pos = 0;
	if (s3_xml_element(xml, len, &pos, "Message", &start, &end))
		m = s3_xml_text(xml + start, end - start);
	snprintf(code, code_size, "%s", c != NULL ? c : "");
	if (c != NULL && m != NULL)
		snprintf(out, size, "%.80s: %.200s", c, m);
	else
		snprintf(out, size, "%.80s", c != NULL ? c : "");
	free(c);
	free(m);
}
