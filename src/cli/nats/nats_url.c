/*
 * nats_url.c
 *    NATS server URLs and the credentials in them: taken out (for nats.c,
 *    which then gets them separately), hidden for messages, masked in argv.
 *    A URL may list several servers, comma-separated; each is
 *    scheme://[userinfo@]host[:port].
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
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

/*
 * nats.c takes one URL in natsOptions_SetURL (a comma-separated list there
 * is read as one bad address: "No server available"); a list goes in as
 * servers, each one trimmed of spaces.
 */
natsStatus
nats_url_set_servers(natsOptions *opts, const char *urls)
{
	const char *servers[NATS_URL_MAX_SERVERS];
	char	   *copy = strdup(urls);
	char	   *p = copy;
	int			n = 0;
	natsStatus	s;

	if (copy == NULL)
		return NATS_NO_MEMORY;
	while (p != NULL && n < NATS_URL_MAX_SERVERS)
	{
		char	   *comma = strchr(p, ',');
		char	   *end;

		if (comma != NULL)
			*comma = '\0';
		while (*p == ' ')
			p++;
		end = p + strlen(p);
		while (end > p && end[-1] == ' ')
			*--end = '\0';
		if (*p != '\0')
			servers[n++] = p;
		p = comma != NULL ? comma + 1 : NULL;
	}
	s = n == 1 ? natsOptions_SetURL(opts, servers[0]) : natsOptions_SetServers(opts, servers, n);
	free(copy);
	return s;
}

int
nats_url_has_scheme(const char *url)
{
	return (strncmp(url, "nats://", 7) == 0 && url[7] != '\0') ||
		(strncmp(url, "tls://", 6) == 0 && url[6] != '\0');
}
