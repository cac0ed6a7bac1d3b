/*
 * metrics.c
 *    The progress line and a tiny HTTP server for Prometheus, served by a
 *    reporter thread of their own (see metrics.h for why).
 *
 * The thread waits in poll() on the endpoint's sockets, the server
 * position's connection and a stop pipe; it answers every request at once
 * with the latest snapshot the main loop published, and writes a progress
 * line every --progress-interval. The endpoint listens on loopback only,
 * reads one request per connection, answers it and closes: GET /metrics
 * (every metric, each with its # HELP and # TYPE lines, below and in
 * README.md), /healthz and /readyz (health.h); 404 for any other path.
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

#include "health.h"
#include "metrics.h"

#define CLIENT_TIMEOUT_MS 5000
#define MAX_WAIT_MS 1000

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
metrics_listen(const char *addr, char *error, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t	len;
	int			one = 1;
	int			fd;

	if (parse_addr(addr, &ss, &len, error, size) != 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 ||
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(fd, (struct sockaddr *) &ss, len) != 0 ||
		listen(fd, 16) != 0)
	{
		snprintf(error, size, "cannot listen on %s for --metrics: %s (give a free port)", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int
metrics_open(Metrics *m, const char *addr, char *error, size_t size)
{
	int			i;

	memset(m, 0, sizeof(*m));
	m->listen_fd = -1;
	m->stop_pipe[0] = m->stop_pipe[1] = -1;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	if (addr == NULL)
		return 0;
	m->listen_fd = metrics_listen(addr, error, size);
	return m->listen_fd >= 0 ? 0 : -1;
}

void
metrics_close(Metrics *m)
{
	int			i;

	if (m->running)
	{
		if (write(m->stop_pipe[1], "s", 1) < 0)
		{
			/* cannot happen with an empty pipe; the join would then wait */
		}
		pthread_join(m->thread, NULL);
		pthread_mutex_destroy(&m->lock);
		m->running = 0;
	}
	for (i = 0; i < 2; i++)
		if (m->stop_pipe[i] >= 0)
		{
			close(m->stop_pipe[i]);
			m->stop_pipe[i] = -1;
		}
	server_position_close(&m->position);
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

/* The endpoint's descriptors, added to a poll set; returns how many. */
static int
poll_fds(Metrics *m, struct pollfd *fds, int max)
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

/* Bytes of WAL the slot retains: the server's position minus the confirmed one. */
static uint64_t
lag_bytes(const MetricsSnapshot *s)
{
	return s->server_lsn > s->confirmed_lsn ? s->server_lsn - s->confirmed_lsn : 0;
}

static double
lag_seconds(const MetricsSnapshot *s)
{
	int64_t		us = s->oldest_commit_us > 0 ? ship_wall_us() - s->oldest_commit_us : 0;

	return us > 0 ? (double) us / 1e6 : 0;
}

/* One metric: its HELP and TYPE lines and its value. */
static size_t
put_metric(char *out, size_t size, const char *name, const char *type, const char *help,
		   const char *value)
{
	int			n = snprintf(out, size, "# HELP wal2events_%s %s\n# TYPE wal2events_%s %s\nwal2events_%s %s\n",
							 name, help, name, type, name, value);

	return n < 0 ? 0 : (size_t) n >= size ? size - 1 : (size_t) n;
}

#define COUNTER(name, help, v) \
	(snprintf(value, sizeof(value), "%llu", (unsigned long long) (v)), \
	 n += put_metric(out + n, size - n, name, "counter", help, value))
#define GAUGE(name, help, fmt, v) \
	(snprintf(value, sizeof(value), fmt, v), \
	 n += put_metric(out + n, size - n, name, "gauge", help, value))

static size_t
render(const MetricsSnapshot *s, char *out, size_t size)
{
	char		value[32];
	size_t		n = 0;

	COUNTER("events_published_total", "Messages written or sent to the hub: claim-check chunks and messages sent again after a failure included.", s->sink.published);
	COUNTER("events_acknowledged_total", "Events the hub acknowledged as stored (JetStream), or written and synced (file).", s->sink.acked);
	COUNTER("events_duplicate_total", "Acknowledgements JetStream flagged as duplicates (only the messages that ask for an acknowledgement get one).", s->sink.duplicates);
	COUNTER("events_skipped_total", "Events read again from the slot (after a restart or reconnection) and not sent: the hub already stores them.", s->events_skipped);
	COUNTER("events_claim_check_total", "Events too large for one message, sent through the claim check.", s->sink.claims);
	COUNTER("hub_retries_total", "Messages sent to the hub again after a failure (a lost connection, a rejection, an acknowledgement later than --ack-timeout): each message once per resend, claim-check chunks included.", s->sink.retries);
	GAUGE("hub_up", "1 while the hub stores what is sent; 0 while it is down or rejecting (new events are held, the hub retried).", "%d", s->sink.hub_down ? 0 : 1);
	COUNTER("transactions_total", "Transaction messages (chunks) received from the plugin.", s->transactions);
	COUNTER("postgres_reconnects_total", "Times the replication connection to PostgreSQL was made again after it dropped.", s->pg_reconnects);
	GAUGE("confirmed_lsn", "Flush position confirmed to the replication slot (a WAL byte position).", "%llu", (unsigned long long) s->confirmed_lsn);
	GAUGE("in_flight", "Events handed to the hub and not yet acknowledged.", "%llu", (unsigned long long) s->in_flight);
	GAUGE("lag_bytes", "The server's WAL position (read once a second) minus the confirmed position: the WAL the slot holds back.", "%llu", (unsigned long long) lag_bytes(s));
	GAUGE("lag_seconds", "Age of the oldest transaction not yet confirmed; 0 when everything is confirmed.", "%.3f", lag_seconds(s));
	return n;
}

/*
 * The path of "GET /path?query HTTP/1.x" into path; 0, or the HTTP status
 * that refuses the request (405: not GET or HEAD). *head: a HEAD request.
 */
static int
request_path(const char *request, char *path, size_t size, int *head)
{
	const char *p = strchr(request, ' ');
	size_t		len;

	*head = strncmp(request, "HEAD ", 5) == 0;
	if (p == NULL)
		return 400;
	if (strncmp(request, "GET ", 4) != 0 && !*head)
		return 405;
	p++;
	len = strcspn(p, " ?\r\n");
	if (len == 0 || len >= size)
		return len == 0 ? 400 : 404;
	memcpy(path, p, len);
	path[len] = '\0';
	return 0;
}

static const char *
reason_phrase(int status)
{
	switch (status)
	{
		case 200: return "OK";
		case 400: return "Bad Request";
		case 404: return "Not Found";
		case 405: return "Method Not Allowed";
		default: return "Service Unavailable";
	}
}

/* The answer to one request: its status, content type and body. */
static int
route(Metrics *m, const char *request, const MetricsSnapshot *snap, char *body, size_t size,
	  size_t *len, const char **type, int *head)
{
	char		path[64];
	char		reason[160];
	int			status = request_path(request, path, sizeof(path), head);
	int			n;

	*type = "text/plain; charset=utf-8";
	if (status == 0 && strcmp(path, "/metrics") == 0)
	{
		*type = "text/plain; version=0.0.4";
		*len = render(snap, body, size);
		return 200;
	}
	if (status == 0 && strcmp(path, "/healthz") == 0)
		n = snprintf(body, size, "ok\n"), status = 200;
	else if (status == 0 && strcmp(path, "/readyz") == 0)
	{
		status = health_ready(snap, lag_seconds(snap), m->ready_max_lag_ms, reason, sizeof(reason)) ? 200 : 503;
		n = status == 200 ? snprintf(body, size, "ready\n") : snprintf(body, size, "not ready: %s\n", reason);
	}
	else if (status == 0 || status == 404)
		n = snprintf(body, size, "not found (GET /metrics, /healthz or /readyz)\n"), status = 404;
	else
		n = snprintf(body, size, "%s (GET /metrics, /healthz or /readyz)\n", reason_phrase(status));
	*len = n < 0 ? 0 : (size_t) n;
	return status;
}

static void
answer(Metrics *m, MetricsClient *c, const MetricsSnapshot *snap)
{
	char		body[8192];
	char		head[200];
	size_t		len;
	const char *type;
	int			head_only;
	int			status = route(m, c->request, snap, body, sizeof(body), &len, &type, &head_only);
	int			hlen = snprintf(head, sizeof(head),
								"HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
								"Content-Length: %zu\r\nConnection: close\r\n\r\n",
								status, reason_phrase(status), type, len);

	/* small enough for the socket buffer: a short write just loses the answer */
	if (send(c->fd, head, (size_t) hlen, MSG_NOSIGNAL) == hlen && !head_only &&
		send(c->fd, body, len, MSG_NOSIGNAL) < 0)
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
		m->clients[i].request[0] = '\0';	/* not the previous client's request */
		m->clients[i].deadline = now + CLIENT_TIMEOUT_MS;
	}
}

static void
serve(Metrics *m, const MetricsSnapshot *snap, int64_t now)
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
			answer(m, c, snap);
		else if (n == 0 || (n < 0 && errno != EAGAIN) || now > c->deadline)
		{
			close(c->fd);
			c->fd = -1;
		}
	}
}

static void
progress(Metrics *m, const MetricsSnapshot *s, int64_t now)
{
	double		seconds = m->last_progress_ms > 0 ? (double) (now - m->last_progress_ms) / 1000 : 0;
	double		rate = seconds > 0 ? (double) (s->sink.acked - m->last_acked) / seconds : 0;
	char		lsn[W2E_LSN_MAX];
	char		window[W2E_LSN_MAX + 40] = "";

	w2e_lsn_format(lsn, s->confirmed_lsn);
	if (s->window_lsn != 0)
	{
		/* why the confirm may stand still while events are acknowledged */
		memcpy(window, ", backfill window at ", 21);
		w2e_lsn_format(window + 21, s->window_lsn);
	}
	ship_log("%.0f events/s, %llu acknowledged, confirmed %s, lag %llu bytes %.1f s, in flight %llu%s%s",
			 rate, (unsigned long long) s->sink.acked, lsn, (unsigned long long) lag_bytes(s),
			 lag_seconds(s), (unsigned long long) s->in_flight, window, s->sink.hub_down ? ", hub down" : "");
	m->last_acked = s->sink.acked;
	m->last_progress_ms = now;
}

void
metrics_publish(Metrics *m, const MetricsSnapshot *snap)
{
	if (!m->running)
		return;
	pthread_mutex_lock(&m->lock);
	m->shared = *snap;
	pthread_mutex_unlock(&m->lock);
}

/* The main loop's latest snapshot, with the server's WAL position. */
static void
take_snapshot(Metrics *m, MetricsSnapshot *snap)
{
	pthread_mutex_lock(&m->lock);
	*snap = m->shared;
	pthread_mutex_unlock(&m->lock);
	if (m->position.lsn > snap->server_lsn)
		snap->server_lsn = m->position.lsn;
}

/* Wait for a request, the server's answer, the next progress line or the stop. */
static int
wait_for_work(Metrics *m, int64_t now)
{
	struct pollfd fds[2 + METRICS_MAX_CLIENTS];
	int			n = 0;
	short		events = 0;
	int64_t		timeout = server_position_timeout(&m->position, now);

	fds[n].fd = m->stop_pipe[0];
	fds[n++].events = POLLIN;
	if ((fds[n].fd = server_position_fd(&m->position, &events)) >= 0)
		fds[n++].events = events;
	n += poll_fds(m, fds + n, (int) (sizeof(fds) / sizeof(fds[0])) - n);
	if (m->progress_interval_ms > 0 && m->last_progress_ms + m->progress_interval_ms - now < timeout)
		timeout = m->last_progress_ms + m->progress_interval_ms - now;
	if (timeout > MAX_WAIT_MS)
		timeout = MAX_WAIT_MS;
	if (poll(fds, (nfds_t) n, (int) (timeout < 0 ? 0 : timeout)) < 0 && errno != EINTR)
		return -1;
	return (fds[0].revents & POLLIN) ? -1 : 0;
}

static void *
reporter(void *arg)
{
	Metrics    *m = arg;
	MetricsSnapshot snap;
	int64_t		now = ship_now_ms();

	m->last_progress_ms = now;
	while (wait_for_work(m, now) == 0)
	{
		now = ship_now_ms();
		server_position_work(&m->position, now);
		take_snapshot(m, &snap);
		if (m->progress_interval_ms > 0 && now >= m->last_progress_ms + m->progress_interval_ms)
			progress(m, &snap, now);
		serve(m, &snap, now);
	}
	return NULL;
}

int
metrics_start(Metrics *m, int64_t progress_interval_ms, const char *dbname,
			  const char *application_name, char *error, size_t error_size)
{
	m->progress_interval_ms = progress_interval_ms;
	server_position_init(&m->position, dbname, application_name);
	if (m->listen_fd < 0 && progress_interval_ms <= 0)
		return 0;				/* nothing to report */
	if (pipe(m->stop_pipe) != 0 || pthread_mutex_init(&m->lock, NULL) != 0)
	{
		snprintf(error, error_size, "cannot start the metrics thread: %s", strerror(errno));
		return -1;
	}
	if (pthread_create(&m->thread, NULL, reporter, m) != 0)
	{
		pthread_mutex_destroy(&m->lock);
		snprintf(error, error_size, "cannot start the metrics thread");
		return -1;
	}
	m->running = 1;
	return 0;
}
