/*
 * nats_header.c
 *    Writing NATS header lines into a buffer the caller sized (see
 *    nats_header.h).
 */
#include <string.h>

#include "nats_header.h"

char *
nats_put(char *p, const void *data, size_t len)
{
	memcpy(p, data, len);
	return p + len;
}


/* "<key>: <value>\r\n", CR and LF in the value as spaces (key given with ": "). */
char *
nats_put_header(char *p, const char *key, size_t key_len, const char *value, size_t len)
{
	size_t		i;

	p = nats_put(p, key, key_len);
	for (i = 0; i < len; i++)
		*p++ = value[i] == '\r' || value[i] == '\n' ? ' ' : value[i];
	return PUT_LIT(p, "\r\n");
}


/* Bytes one byte takes percent-encoded: '%' and control characters as %XX. */
static size_t
encoded_size(unsigned char c)
{
	return c < 0x20 || c == 0x7F || c == '%' ? 3 : 1;
}

static char *
put_encoded(char *p, const char *value, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (encoded_size(c) == 3)
		{
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
		else
			*p++ = (char) c;
	}
	return p;
}

/*
 * "<key>: <value>\r\n", the value percent-encoded. One longer than
 * W2E_HEADER_VALUE_MAX encoded (a 4 KB partition key) is shortened to at
 * most that: its first bytes, '~' and the hash of the whole value (see
 * wal2events.h), so the same value always gives the same header.
 */
char *
nats_put_header_encoded(char *p, const char *key, size_t key_len, const char *value)
{
	size_t		len = value != NULL ? strlen(value) : 0;
	size_t		keep = 0;
	size_t		size = 0;
	char		suffix[W2E_HASH_SUFFIX_LEN + 1];

	p = nats_put(p, key, key_len);
	while (keep < len && size + encoded_size((unsigned char) value[keep]) <= W2E_HEADER_VALUE_MAX)
		size += encoded_size((unsigned char) value[keep++]);
	if (keep == len)
		return PUT_LIT(put_encoded(p, value, len), "\r\n");
	keep = 0;
	size = 0;
	while (size + encoded_size((unsigned char) value[keep]) <= W2E_HEADER_VALUE_MAX - W2E_HASH_SUFFIX_LEN)
		size += encoded_size((unsigned char) value[keep++]);
	p = put_encoded(p, value, w2e_shortened_prefix(value, keep));
	w2e_hash_suffix(value, len, suffix);
	p = nats_put(p, suffix, W2E_HASH_SUFFIX_LEN);
	return PUT_LIT(p, "\r\n");
}

