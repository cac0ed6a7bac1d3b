/*
 * nats_url.c
 *    NATS server URLs and the credentials in them: taken out (for nats.c,
 *    which then gets them separately), hidden for messages, masked in argv.
 *    A URL may list several servers, comma-separated; each is
 *    scheme://[userinfo@]host[:port].
 */
#include <stdio.h>
#include <string.h>

#include "nats_auth.h"

/* The last '@' of s[0..len) (a password may hold one), or NULL. */
static const char *
last_at(const char *s, size_t len)
{
	const char *at = NULL;
	size_t		i;

	for (i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	return at;
}

/*
 * Each server of a comma-separated URL list, with its user information
 * replaced: by nothing (strip) or by "***" / "user:***". When userinfo is
 * set, the first server's user information is copied there.
 */
static void
rewrite(const char *url, int strip, char *out, size_t size, char *userinfo, size_t info_size)
{
	size_t		n = 0;
	const char *p = url;

	if (userinfo != NULL)
		userinfo[0] = '\0';
	out[0] = '\0';
	while (*p != '\0' && n + 1 < size)
	{
		size_t		len = strcspn(p, ",");
		const char *scheme = strstr(p, "://");
		const char *host = scheme != NULL && (size_t) (scheme - p) < len ? scheme + 3 : p;
		const char *at = last_at(host, len - (size_t) (host - p));

		n += (size_t) snprintf(out + n, size - n, "%.*s", (int) (host - p), p);
		if (at != NULL)
		{
			const char *colon = memchr(host, ':', (size_t) (at - host));

			if (userinfo != NULL && userinfo[0] == '\0')
				snprintf(userinfo, info_size, "%.*s", (int) (at - host), host);
			if (!strip && colon != NULL)
				n += (size_t) snprintf(out + n, n < size ? size - n : 0, "%.*s:***@",
									   (int) (colon - host), host);
			else if (!strip)
				n += (size_t) snprintf(out + n, n < size ? size - n : 0, "***@");
			host = at + 1;
		}
		if (n < size)
			n += (size_t) snprintf(out + n, size - n, "%.*s%s", (int) (len - (size_t) (host - p)), host,
								   p[len] == ',' ? "," : "");
		p += len + (p[len] == ',');
	}
	if (n >= size && size > 4)
		strcpy(out + size - 4, "...");
}

void
nats_url_redact(const char *url, char *out, size_t size)
{
	rewrite(url, 0, out, size, NULL, 0);
}

void
nats_url_strip(const char *url, char *out, size_t size, char *userinfo, size_t info_size)
{
	rewrite(url, 1, out, size, userinfo, info_size);
}

void
nats_url_mask_in_place(char *url)
{
	char	   *p = url;

	while (*p != '\0')
	{
		size_t		len = strcspn(p, ",");
		char	   *scheme = strstr(p, "://");
		char	   *host = scheme != NULL && (size_t) (scheme - p) < len ? scheme + 3 : p;
		char	   *at = (char *) last_at(host, len - (size_t) (host - p));

		if (at != NULL)
		{
			char	   *colon = memchr(host, ':', (size_t) (at - host));

			memset(colon != NULL ? colon + 1 : host, '*', (size_t) (at - (colon != NULL ? colon + 1 : host)));
		}
		p += len + (p[len] == ',');
	}
}
