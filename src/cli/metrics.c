/*
 * metrics.c
 *    The progress line and a tiny HTTP server for Prometheus.
 *
 * The server is part of the main loop (non-blocking sockets in its poll
 * set), listens on loopback only, reads one request per connection, answers
 * with every metric whatever the path, and closes. Metrics:
 *   wal2events_events_published_total     messages sent to the hub (retries included)
 *   wal2events_events_acknowledged_total  events the hub acknowledged
 *   wal2events_events_duplicate_total     acknowledgements that said "duplicate"
 *   wal2events_events_skipped_total       redelivered events already in the hub
 *   wal2events_events_claim_check_total   events sent through the claim check
 *   wal2events_hub_retries_total          messages sent again after a failure
 *   wal2events_hub_up                     0 while the hub is down or rejecting
 *   wal2events_transactions_total         Transaction messages received
 *   wal2events_postgres_reconnects_total
 *   wal2events_confirmed_lsn              flush LSN confirmed to the slot (bytes)
 *   wal2events_in_flight                  events handed, not yet acknowledged
 *   wal2events_lag_bytes                  server position - confirmed LSN
 *   wal2events_lag_seconds                age of the oldest unconfirmed transaction
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"

#define CLIENT_TIMEOUT_MS 5000

/*
 * "[HOST:]PORT": HOST is an IPv4 loopback address (127.0.0.1, the default),
 * localhost, or the IPv6 loopback in brackets ([::1]). Anything else is
 * refused: the endpoint has no authentication.
 */
static int
parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len,
		   char *error, size_t size)
{
	const char *colon = strrchr(addr, ':');
	const char *port = colon != NULL ? colon + 1 : addr;
	char		host[64] = "127.0.0.1";
	char	   *end;
	long		p = strtol(port, &end, 10);
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
	int			ok;

	if (colon != NULL)
		snprintf(host, sizeof(host), "%.*s", (int) (colon - addr), addr);
	if (strcmp(host, "localhost") == 0 || host[0] == '\0')
		strcpy(host, "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']')
	{
		host[strlen(host) - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t) p);
		ok = inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1;
		*len = sizeof(*sin6);
	}
	else
	{
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t) p);
		ok = inet_pton(AF_INET, host, &sin->sin_addr) == 1;
		*len = sizeof(*sin);
	}
	if (*port == '\0' || *end != '\0' || p < 1 || p > 65535 || !ok)
	{
		snprintf(error, size, "invalid --metrics address '%s' (give PORT, 127.0.0.1:PORT or [::1]:PORT)", addr);
		return -1;
	}
	if (ss->ss_family == AF_INET6 ? !IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
		: (ntohl(sin->sin_addr.s_addr) >> 24) != 127)
	{
		snprintf(error, size, "--metrics listens on loopback only, not '%s' (give 127.0.0.1:PORT or [::1]:PORT)", host);
		return -1;
	}
	return 0;
}

int
metrics_check_addr(const char *addr, char *error, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t	len;

	return parse_addr(addr, &ss, &len, error, size);
}

int
metrics_open(Metrics *m, const char *addr, char *error, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t	len;
	int			one = 1;
	int			i;

	memset(m, 0, sizeof(*m));
	m->listen_fd = -1;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	if (addr == NULL)
		return 0;
	if (parse_addr(addr, &ss, &len, error, size) != 0)
		return -1;
	m->listen_fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (m->listen_fd < 0 ||
		setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(m->listen_fd, (struct sockaddr *) &ss, len) != 0 ||
		listen(m->listen_fd, 16) != 0)
	{
		snprintf(error, size, "cannot listen on %s for --metrics: %s (give a free port)", addr, strerror(errno));
		metrics_close(m);
		return -1;
	}
	fcntl(m->listen_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

void
metrics_close(Metrics *m)
{
	int			i;

	if (m->listen_fd >= 0)
		close(m->listen_fd);
	m->listen_fd = -1;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
		{
			close(m->clients[i].fd);
			m->clients[i].fd = -1;
		}
}

int
metrics_poll_fds(Metrics *m, struct pollfd *fds, int max)
{
	int			n = 0;
	int			i;

	if (m->listen_fd < 0 || max < 1)
		return 0;
	fds[n].fd = m->listen_fd;
	fds[n++].events = POLLIN;
	for (i = 0; i < METRICS_MAX_CLIENTS && n < max; i++)
		if (m->clients[i].fd >= 0)
		{
			fds[n].fd = m->clients[i].fd;
			fds[n++].events = POLLIN;
		}
	return n;
}

static size_t
render(const MetricsSnapshot *s, char *out, size_t size)
{
	return (size_t) snprintf(out, size,
							 "# TYPE wal2events_events_published_total counter\nwal2events_events_published_total %llu\n"
							 "# TYPE wal2events_events_acknowledged_total counter\nwal2events_events_acknowledged_total %llu\n"
							 "# TYPE wal2events_events_duplicate_total counter\nwal2events_events_duplicate_total %llu\n"
							 "# TYPE wal2events_events_skipped_total counter\nwal2events_events_skipped_total %llu\n"
							 "# TYPE wal2events_events_claim_check_total counter\nwal2events_events_claim_check_total %llu\n"
							 "# TYPE wal2events_hub_retries_total counter\nwal2events_hub_retries_total %llu\n"
							 "# TYPE wal2events_hub_up gauge\nwal2events_hub_up %d\n"
							 "# TYPE wal2events_transactions_total counter\nwal2events_transactions_total %llu\n"
							 "# TYPE wal2events_postgres_reconnects_total counter\nwal2events_postgres_reconnects_total %llu\n"
							 "# TYPE wal2events_confirmed_lsn gauge\nwal2events_confirmed_lsn %llu\n"
							 "# TYPE wal2events_in_flight gauge\nwal2events_in_flight %llu\n"
							 "# TYPE wal2events_lag_bytes gauge\nwal2events_lag_bytes %llu\n"
							 "# TYPE wal2events_lag_seconds gauge\nwal2events_lag_seconds %.3f\n",
							 (unsigned long long) s->sink.published, (unsigned long long) s->sink.acked,
							 (unsigned long long) s->sink.duplicates, (unsigned long long) s->events_skipped,
							 (unsigned long long) s->sink.claims, (unsigned long long) s->sink.retries,
							 s->sink.hub_down ? 0 : 1, (unsigned long long) s->transactions,
							 (unsigned long long) s->pg_reconnects, (unsigned long long) s->confirmed_lsn,
							 (unsigned long long) s->in_flight,
							 (unsigned long long) (s->server_lsn > s->confirmed_lsn ? s->server_lsn - s->confirmed_lsn : 0),
							 (double) s->lag_us / 1e6);
}

static void
answer(MetricsClient *c, const MetricsSnapshot *snap)
{
	char		body[4096];
	char		head[160];
	size_t		len = render(snap, body, sizeof(body));
	int			hlen = snprintf(head, sizeof(head),
								"HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
								"Content-Length: %zu\r\nConnection: close\r\n\r\n", len);

	/* small enough for the socket buffer: a short write just loses the answer */
	if (write(c->fd, head, (size_t) hlen) == hlen && write(c->fd, body, len) < 0)
	{
		/* the scraper went away */
	}
	close(c->fd);
	c->fd = -1;
}

static void
accept_clients(Metrics *m, int64_t now)
{
	int			fd;
	int			i;

	while ((fd = accept(m->listen_fd, NULL, NULL)) >= 0)
	{
		for (i = 0; i < METRICS_MAX_CLIENTS && m->clients[i].fd >= 0; i++)
			;
		if (i == METRICS_MAX_CLIENTS)
		{
			close(fd);			/* busy: the scraper retries */
			continue;
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		m->clients[i].fd = fd;
		m->clients[i].len = 0;
		m->clients[i].deadline = now + CLIENT_TIMEOUT_MS;
	}
}

void
metrics_serve(Metrics *m, const MetricsSnapshot *snap, int64_t now)
{
	int			i;

	if (m->listen_fd < 0)
		return;
	accept_clients(m, now);
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
	{
		MetricsClient *c = &m->clients[i];
		ssize_t		n;

		if (c->fd < 0)
			continue;
		n = read(c->fd, c->request + c->len, sizeof(c->request) - 1 - c->len);
		if (n > 0)
		{
			c->len += (size_t) n;
			c->request[c->len] = '\0';
		}
		if (strstr(c->request, "\r\n\r\n") != NULL || strstr(c->request, "\n\n") != NULL ||
			c->len == sizeof(c->request) - 1)
			answer(c, snap);
		else if (n == 0 || (n < 0 && errno != EAGAIN) || now > c->deadline)
		{
			close(c->fd);
			c->fd = -1;
		}
	}
}

void
metrics_progress(Metrics *m, const MetricsSnapshot *s, int64_t now)
{
	double		seconds = m->last_progress_ms > 0 ? (double) (now - m->last_progress_ms) / 1000 : 0;
	double		rate = seconds > 0 ? (double) (s->sink.acked - m->last_acked) / seconds : 0;
	char		lsn[W2E_LSN_MAX];

	w2e_lsn_format(lsn, s->confirmed_lsn);
	ship_log("%.0f events/s, %llu acknowledged, confirmed %s, lag %llu bytes %.1f s, in flight %llu%s",
			 rate, (unsigned long long) s->sink.acked, lsn,
			 (unsigned long long) (s->server_lsn > s->confirmed_lsn ? s->server_lsn - s->confirmed_lsn : 0),
			 (double) s->lag_us / 1e6, (unsigned long long) s->in_flight,
			 s->sink.hub_down ? ", hub down" : "");
	m->last_acked = s->sink.acked;
	m->last_progress_ms = now;
}
