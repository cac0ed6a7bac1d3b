/*
 * lake_json.c
 *    Top-level members of a JSON object (see lake_json.h).
 */
#include <string.h>

#include "lake_json.h"

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote: the position after the closing one, or NULL. */
static const char *
skip_string(const char *p, const char *end, int *escaped)
{
	for (p++; p < end; p++)
	{
		if (*p == '\\')
		{
			*escaped = 1;
			p++;
		}
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* p at a value: the position after it, or NULL; v describes it. */
static const char *
skip_value(const char *p, const char *end, LakeJsonValue *v)
{
	int			depth = 0;
	int			escaped = 0;

	memset(v, 0, sizeof(*v));
	if (p >= end)
		return NULL;
	if (*p == '"')
	{
		const char *after = skip_string(p, end, &escaped);

		if (after == NULL)
			return NULL;
		v->kind = 's';
		v->text = p + 1;
		v->len = (size_t) (after - p - 2);
		v->escaped = escaped;
		return after;
	}
	v->text = p;
	if (*p == '{' || *p == '[')
	{
		v->kind = *p == '{' ? 'o' : 'a';
		for (; p < end; p++)
		{
			if (*p == '"')
			{
				p = skip_string(p, end, &escaped);
				if (p == NULL)
					return NULL;
				p--;
			}
			else if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && --depth == 0)
			{
				v->len = (size_t) (p + 1 - v->text);
				return p + 1;
			}
		}
		return NULL;
	}
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
		   *p != '\r' && *p != '\t')
		p++;
	v->len = (size_t) (p - v->text);
	if (v->len == 0)
		return NULL;
	v->kind = v->text[0] == 't' ? 't' : v->text[0] == 'f' ? 'f' : v->text[0] == 'n' ? 'z' : 'n';
	return p;
}

int
lake_json_members(const char *text, size_t len, LakeJsonMemberFn fn, void *ctx)
{
	const char *end = text + len;
	const char *p = skip_space(text, end);

	if (p >= end || *p++ != '{')
		return -1;
	p = skip_space(p, end);
	if (p < end && *p == '}')
		return 0;
	for (;;)
	{
		LakeJsonValue name;
		LakeJsonValue value;
		int			rc;

		if (p >= end || *p != '"' || (p = skip_value(p, end, &name)) == NULL)
			return -1;
		p = skip_space(p, end);
		if (p >= end || *p++ != ':')
			return -1;
		p = skip_value(skip_space(p, end), end, &value);
		if (p == NULL)
			return -1;
		rc = fn(ctx, name.text, name.len, &value);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
		p = skip_space(p, end);
		if (p < end && *p == ',')
		{
			p = skip_space(p + 1, end);
			continue;
		}
		return p < end && *p == '}' ? 0 : -1;
	}
}

static int
hex4(const char *p, unsigned *cp)
{
	int			i;

	*cp = 0;
	for (i = 0; i < 4; i++)
	{
		char		c = p[i];

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned) (c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned) (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned) (c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static int
append_utf8(W2eBuffer *out, unsigned cp)
{
	char		b[4];
	size_t		n;

	if (cp < 0x80)
	{
		b[0] = (char) cp;
		n = 1;
	}
	else if (cp < 0x800)
	{
		b[0] = (char) (0xC0 | (cp >> 6));
		b[1] = (char) (0x80 | (cp & 0x3F));
		n = 2;
	}
	else if (cp < 0x10000)
	{
		b[0] = (char) (0xE0 | (cp >> 12));
		b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char) (0x80 | (cp & 0x3F));
		n = 3;
	}
	else
	{
		b[0] = (char) (0xF0 | (cp >> 18));
		b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char) (0x80 | (cp & 0x3F));
		n = 4;
	}
	return w2e_buffer_append(out, b, n);
}

int
lake_json_string(const LakeJsonValue *v, W2eBuffer *out)
{
	const char *p = v->text;
	const char *end = v->text + v->len;

	if (v->kind != 's')
		return -1;
	if (!v->escaped)
		return w2e_buffer_append(out, v->text, v->len);
	while (p < end)
	{
		const char *bs = memchr(p, '\\', (size_t) (end - p));
		unsigned	cp;
		char		c;

		if (bs == NULL)
			return w2e_buffer_append(out, p, (size_t) (end - p));
		if (w2e_buffer_append(out, p, (size_t) (bs - p)) != 0 || bs + 1 >= end)
			return -1;
		p = bs + 2;
		switch (bs[1])
		{
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				if (end - p < 4 || hex4(p, &cp) != 0)
					return -1;
				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u')
				{
					unsigned	lo;

					if (hex4(p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000)
					{
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						p += 6;
					}
				}
				if (append_utf8(out, cp) != 0)
					return -1;
				continue;
			default: c = bs[1]; break;
		}
		if (w2e_buffer_append(out, &c, 1) != 0)
			return -1;
	}
	return 0;
}

int
lake_json_u64(const LakeJsonValue *v, uint64_t *out)
{
	size_t		i;

	if ((v->kind != 'n' && v->kind != 's') || v->len == 0 || v->len > 20)
		return -1;
	*out = 0;
	for (i = 0; i < v->len; i++)
	{
		uint64_t	digit = (uint64_t) (v->text[i] - '0');

		if (v->text[i] < '0' || v->text[i] > '9' || *out > UINT64_MAX / 10 ||
			(*out == UINT64_MAX / 10 && digit > UINT64_MAX % 10))
			return -1;
		*out = *out * 10 + digit;
	}
	return 0;
}

int
lake_json_i64(const LakeJsonValue *v, int64_t *out)
{
	LakeJsonValue abs = *v;
	uint64_t	u;
	int			neg = v->len > 0 && v->text[0] == '-';

	if (neg)
	{
		abs.text++;
		abs.len--;
	}
	if (lake_json_u64(&abs, &u) != 0 || u > (uint64_t) INT64_MAX)
		return -1;
	*out = neg ? -(int64_t) u : (int64_t) u;
	return 0;
}
