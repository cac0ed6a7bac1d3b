/*
 * nats_wire.c
 *    The NATS client protocol for the sink's publishing connection: see
 *    nats_wire.h. The server's protocol messages are parsed by
 *    nats_parser.c; here: INFO (after the first: only its lame-duck flag),
 *    MSG and HMSG (replies), PING (answered), PONG (to our own PINGs), +OK,
 *    -ERR (the end).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "nats_parser.h"
#include "nats_tls.h"
#include "nats_wire.h"
#include "ship_common.h"

#define HDR_LINE "NATS/1.0\r\n"
#define HDR_LINE_LEN 10
#define FLUSH_AT ((size_t) 256 * 1024)	/* queued bytes that make publish write */

void
wire_init(NatsWire *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

void
wire_close(NatsWire *w)
{
	if (w->ssl != NULL)
		SSL_free(w->ssl);		/* no close_notify: the socket goes */
	w->ssl = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->out_off = w->out_len = 0;
	w->in_len = 0;
	w->pings_out = 0;
	w->ldm = 0;
}

void
wire_free(NatsWire *w)
{
	wire_close(w);
	free(w->out);
	free(w->in);
	w->out = w->in = NULL;
	w->out_cap = w->in_cap = 0;
}

static int
broken(NatsWire *w, const char *what, const char *detail)
{
	snprintf(w->error, sizeof(w->error), "%.200s%s%.96s", what, detail[0] ? ": " : "", detail);
	wire_close(w);
	return -1;
}

/* Room for n more bytes in out. */
static int
out_reserve(NatsWire *w, size_t n)
{
	size_t		cap;
	char	   *grown;

	if (w->out_off > 0 && (w->out_off == w->out_len || w->out_len + n > w->out_cap))
	{
		memmove(w->out, w->out + w->out_off, w->out_len - w->out_off);
		w->out_len -= w->out_off;
		w->out_off = 0;
	}
	if (w->out_len + n <= w->out_cap)
		return 0;
	cap = w->out_cap < 65536 ? 65536 : w->out_cap;
	while (cap < w->out_len + n)
		cap *= 2;
	grown = realloc(w->out, cap);
	if (grown == NULL)
		return -1;
	w->out = grown;
	w->out_cap = cap;
	return 0;
}

static void
out_put(NatsWire *w, const void *data, size_t len)
{
	memcpy(w->out + w->out_len, data, len);
	w->out_len += len;
}

static int
out_append(NatsWire *w, const void *data, size_t len)
{
	if (out_reserve(w, len) != 0)
		return -1;
	out_put(w, data, len);
	return 0;
}

/* Decimal digits of v at the end of buf (size 24); returns the start. */
static char *
decimal(char *buf, uint64_t v)
{
	char	   *p = buf + 24;

	do
		*--p = (char) ('0' + v % 10);
	while ((v /= 10) != 0);
	return p;
}

size_t
wire_header_size(size_t hdrs_len)
{
	return HDR_LINE_LEN + hdrs_len + 2;
}

size_t
wire_unsent(const NatsWire *w)
{
	return w->out_len - w->out_off;
}

int
wire_publish(NatsWire *w, const char *subject, size_t subject_len, uint64_t token,
			 const char *hdrs, size_t hdrs_len, const char *body, size_t body_len)
{
	size_t		hdr_size = wire_header_size(hdrs_len);
	char		num[24];
	char	   *p;

	if (out_reserve(w, 5 + subject_len + 1 + w->inbox_len + 24 + 1 + 24 + 1 + 24 + 2 +
					hdr_size + body_len + 2) != 0)
		return -1;
	out_put(w, "HPUB ", 5);
	out_put(w, subject, subject_len);
	out_put(w, " ", 1);
	if (token != WIRE_NO_REPLY)
	{
		out_put(w, w->inbox, w->inbox_len);
		p = decimal(num, token);
		out_put(w, p, (size_t) (num + 24 - p));
		out_put(w, " ", 1);
	}
	p = decimal(num, hdr_size);
	out_put(w, p, (size_t) (num + 24 - p));
	out_put(w, " ", 1);
	p = decimal(num, hdr_size + body_len);
	out_put(w, p, (size_t) (num + 24 - p));
	out_put(w, "\r\n" HDR_LINE, 2 + HDR_LINE_LEN);
	out_put(w, hdrs, hdrs_len);
	out_put(w, "\r\n", 2);
	out_put(w, body, body_len);
	out_put(w, "\r\n", 2);
	if (wire_unsent(w) >= FLUSH_AT && w->fd >= 0)
		wire_flush(w);			/* a failure shows as fd < 0 */
	return 0;
}

/*
 * One SSL_write of what is queued: like send() (-1 with errno EAGAIN when
 * the socket is full), or -2 when the connection is broken.
 */
static ssize_t
tls_send(NatsWire *w)
{
	size_t		len = w->out_len - w->out_off;
	int			n,
				e;
	char		why[256];

	ERR_clear_error();
	n = SSL_write(w->ssl, w->out + w->out_off, len > INT32_MAX ? INT32_MAX : (int) len);
	if (n > 0)
		return n;
	e = SSL_get_error(w->ssl, n);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
	{
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && errno != 0)
		return broken(w, "cannot write to NATS", strerror(errno)) - 1;
	nats_tls_io_error(why, sizeof(why));
	return broken(w, why, "") - 1;
}

int
wire_flush(NatsWire *w)
{
	while (w->fd >= 0 && w->out_off < w->out_len)
	{
		ssize_t		n = w->ssl != NULL ? tls_send(w) :
			send(w->fd, w->out + w->out_off, w->out_len - w->out_off, MSG_NOSIGNAL);

		if (n == -2)
			return -1;			/* tls_send ended the connection */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return broken(w, "cannot write to NATS", strerror(errno));
		w->out_off += (size_t) n;
	}
	if (w->fd < 0)
		return -1;
	if (w->out_off == w->out_len)
		w->out_off = w->out_len = 0;
	return 0;
}

/* read_some over TLS: decrypted bytes into in. */
static int
tls_recv(NatsWire *w)
{
	size_t		room = w->in_cap - w->in_len;
	int			n,
				e;
	char		why[256];

	ERR_clear_error();
	n = SSL_read(w->ssl, w->in + w->in_len, room > INT32_MAX ? INT32_MAX : (int) room);
	if (n > 0)
	{
		w->in_len += (size_t) n;
		return 1;
	}
	e = SSL_get_error(w->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && errno == 0))
		return broken(w, "NATS closed the connection", "");
	if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
		return broken(w, "lost the connection to NATS", strerror(errno));
	nats_tls_io_error(why, sizeof(why));
	return broken(w, why, "");
}

/* Read into in; 1 when something came, 0 when nothing (EAGAIN), -1 on EOF or error. */
static int
read_some(NatsWire *w)
{
	ssize_t		n;

	if (w->in_cap - w->in_len < 16384)
	{
		size_t		cap = w->in_cap < 65536 ? 65536 : w->in_cap * 2;
		char	   *grown = realloc(w->in, cap);

		if (grown == NULL)
			return broken(w, "out of memory reading from NATS", "");
		w->in = grown;
		w->in_cap = cap;
	}
	if (w->ssl != NULL)
		return tls_recv(w);
	n = recv(w->fd, w->in + w->in_len, w->in_cap - w->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n < 0)
		return broken(w, "lost the connection to NATS", strerror(errno));
	if (n == 0)
		return broken(w, "NATS closed the connection", "");
	w->in_len += (size_t) n;
	return 1;
}

/* Does s[0..len) hold needle? */
static int
contains(const char *s, size_t len, const char *needle)
{
	size_t		n = strlen(needle);
	size_t		i;

	for (i = 0; i + n <= len; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, n) == 0)
			return 1;
	return 0;
}

/* What wire_read's parse calls back with: the reply handler and how it ended. */
typedef struct ReadCtx
{
	NatsWire   *w;
	WireReplyFn fn;
	void	   *ctx;
	const char *why;			/* set: the connection must end */
	char		detail[256];
} ReadCtx;

static int
on_event(void *arg, const NatsEvent *ev)
{
	ReadCtx    *rc = arg;
	NatsWire   *w = rc->w;
	const char *token;
	char	   *end;
	uint64_t	num;

	switch (ev->op)
	{
		case NATS_OP_MSG:
			if (ev->subject_len <= w->inbox_len || memcmp(ev->subject, w->inbox, w->inbox_len) != 0)
				return 0;		/* not a reply of ours (none is expected) */
			token = ev->subject + w->inbox_len;
			if (ev->subject_len - w->inbox_len > 20 || *token < '0' || *token > '9')
				return 0;
			num = strtoull(token, &end, 10);
			if (end != ev->subject + ev->subject_len)
				return 0;
			rc->fn(rc->ctx, num, ev->status, ev->body, ev->body_len);
			return w->fd < 0;	/* the handler may have closed the connection */
		case NATS_OP_PING:
			if (out_append(w, "PONG\r\n", 6) != 0)
				rc->why = "out of memory";
			return rc->why != NULL;
		case NATS_OP_ERR:
			rc->why = "NATS ended the connection";
			snprintf(rc->detail, sizeof(rc->detail), "%.*s", (int) ev->text_len, ev->text);
			return 1;
		case NATS_OP_PONG:
			w->pings_out = 0;	/* the answer to our own PINGs (wire_ping) */
			return 0;
		case NATS_OP_INFO:
			if (contains(ev->text, ev->text_len, "\"ldm\":true"))
				w->ldm = 1;		/* lame-duck mode: the sink moves */
			return 0;
		default:
			return 0;			/* +OK: nothing to do */
	}
}

/* Parse what in holds; drop what was parsed. 0, or -1: the connection is gone. */
static int
parse_in(NatsWire *w, ReadCtx *rc)
{
	char		error[200];
	long		used = nats_parse(w->in, w->in_len, on_event, rc, error, sizeof(error));

	if (used < 0)
		return broken(w, error, "");
	if (rc->why != NULL)
		return broken(w, rc->why, rc->detail);
	if (w->fd < 0)
		return -1;
	memmove(w->in, w->in + used, w->in_len - (size_t) used);
	w->in_len -= (size_t) used;
	return 0;
}

int
wire_read(NatsWire *w, WireReplyFn fn, void *ctx)
{
	ReadCtx		rc = {w, fn, ctx, NULL, ""};
	int			r;

	while (w->fd >= 0 && (r = read_some(w)) != 0)
	{
		if (r < 0 || parse_in(w, &rc) != 0)
			return -1;
	}
	if (w->fd < 0)
		return -1;
	return wire_unsent(w) > 0 ? wire_flush(w) : 0;
}

int
wire_ping(NatsWire *w)
{
	if (out_append(w, "PING\r\n", 6) != 0)
		return -1;
	w->pings_out++;
	return 0;
}

/* Wait until fd is ready for events or the deadline passes: 1 ready, 0 not. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;)
	{
		struct pollfd p = {fd, events, 0};
		int64_t		left = deadline - ship_now_ms();
		int			r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int) left);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0;
	}
}

/* The handshake's parse: waits for one operation (INFO, then PONG). */
typedef struct Greeting
{
	NatsWire   *w;
	NatsOp		want;
	int			seen;
	char	   *info;			/* INFO: its JSON, cut at info_size */
	size_t		info_size;
	const char *why;			/* set: the connection must end */
	char		detail[256];
} Greeting;

static int
on_greeting(void *arg, const NatsEvent *ev)
{
	Greeting   *g = arg;

	if (ev->op == NATS_OP_ERR)
	{
		g->why = "NATS refused the connection";
		snprintf(g->detail, sizeof(g->detail), "%.*s", (int) ev->text_len, ev->text);
	}
	else if (ev->op == NATS_OP_PING && out_append(g->w, "PONG\r\n", 6) != 0)
		g->why = "out of memory";
	else if (ev->op == g->want)
	{
		g->seen = 1;
		if (ev->op == NATS_OP_INFO)
			snprintf(g->info, g->info_size, "%.*s", (int) ev->text_len, ev->text);
	}
	return g->why != NULL || g->seen;
}

/*
 * Read until the server has sent want (its INFO: copied into info), and
 * parse no further: after INFO may come TLS.
 */
static int
expect(NatsWire *w, NatsOp want, int64_t deadline, char *info, size_t info_size)
{
	Greeting	g = {w, want, 0, info, info_size, NULL, ""};
	char		error[200];

	for (;;)
	{
		long		used = nats_parse(w->in, w->in_len, on_greeting, &g, error, sizeof(error));

		if (used < 0)
			return broken(w, error, "");
		if (g.why != NULL)
			return broken(w, g.why, g.detail);
		if (used > 0)
		{
			memmove(w->in, w->in + used, w->in_len - (size_t) used);
			w->in_len -= (size_t) used;
		}
		if (g.seen)
			return 0;
		if (!wait_fd(w->fd, POLLIN, deadline))
			return broken(w, "NATS did not answer in time", "");
		if (read_some(w) < 0)
			return -1;
	}
}

typedef struct Url
{
	char		host[256];
	char		port[16];
} Url;

/*
 * nats://host[:port][,...]: the first server of the list. Credentials come
 * from the NatsAuth, not from here; user information, if any, is skipped.
 */
static int
parse_url(const char *url, Url *u)
{
	const char *p = strstr(url, "://");
	const char *end,
			   *at,
			   *hp;
	size_t		len;

	memset(u, 0, sizeof(*u));
	snprintf(u->port, sizeof(u->port), "4222");
	p = p != NULL ? p + 3 : url;
	end = p + strcspn(p, ",/");
	at = memchr(p, '@', (size_t) (end - p));
	hp = p;
	if (at != NULL)
		hp = at + 1;
	if (*hp == '[')
	{
		const char *close = memchr(hp, ']', (size_t) (end - hp));

		if (close == NULL)
			return -1;
		snprintf(u->host, sizeof(u->host), "%.*s", (int) (close - hp - 1), hp + 1);
		hp = close + 1;
		if (hp < end && *hp == ':')
			snprintf(u->port, sizeof(u->port), "%.*s", (int) (end - hp - 1), hp + 1);
	}
	else
	{
		const char *colon = memchr(hp, ':', (size_t) (end - hp));

		len = (size_t) ((colon != NULL ? colon : end) - hp);
		snprintf(u->host, sizeof(u->host), "%.*s", (int) len, hp);
		if (colon != NULL)
			snprintf(u->port, sizeof(u->port), "%.*s", (int) (end - colon - 1), colon + 1);
	}
	return u->host[0] != '\0' ? 0 : -1;
}

static int
connect_tcp(NatsWire *w, const Url *u, int64_t deadline)
{
	struct addrinfo hints,
			   *res = NULL,
			   *ai;
	int			r;
	int			one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(u->host, u->port, &hints, &res)) != 0)
		return broken(w, "cannot resolve the NATS server's address", gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next)
	{
		int			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		int			err = 0;
		socklen_t	errlen = sizeof(err);

		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		{
			err = errno;
			close(fd);
			snprintf(w->error, sizeof(w->error), "cannot connect to NATS: %s", strerror(err));
			continue;
		}
		if (!wait_fd(fd, POLLOUT, deadline) ||
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0)
		{
			close(fd);
			snprintf(w->error, sizeof(w->error), "cannot connect to NATS: %s",
					 err != 0 ? strerror(err) : "timed out");
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		w->fd = fd;
		break;
	}
	freeaddrinfo(res);
	return w->fd >= 0 ? 0 : -1;
}

/*
 * After the server's INFO: TLS when we want it (tls://, --tls-*) or the
 * server requires it, as nats.c does.
 */
static int
start_tls(NatsWire *w, const NatsAuth *auth, const Url *u, const char *info, int64_t deadline)
{
	int			required = strstr(info, "\"tls_required\":true") != NULL;
	int			offered = required || strstr(info, "\"tls_available\":true") != NULL;
	char		why[sizeof(w->error)];

	if (!auth->tls.wanted && !required)
		return 0;
	if (!offered)
		return broken(w, "the NATS server does not offer TLS",
					  "enable TLS on it, or drop tls:// and the --tls-* flags");
	if (auth->tls.ctx == NULL)
		return broken(w, "the NATS server requires TLS", "no TLS context was set up");
	if (nats_tls_handshake(&auth->tls, w->fd, u->host, deadline - ship_now_ms(), &w->ssl,
						   why, sizeof(why)) != 0)
		return broken(w, why, "");
	return 0;
}

/* A fresh reply subject prefix: _INBOX.<22 random characters>. */
static void
new_inbox(NatsWire *w)
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[22];
	int			fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t		i;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char) (ts.tv_nsec >> (i % 4 * 8)) ^ (unsigned char) (getpid() >> (i % 2 * 8)) ^ (unsigned char) (i * 37);
	if (fd >= 0)
	{
		if (read(fd, rnd, sizeof(rnd)) != (ssize_t) sizeof(rnd))
		{
			/* the time and pid above will do */
		}
		close(fd);
	}
	memcpy(w->inbox, "_INBOX.", 7);
	for (i = 0; i < sizeof(rnd); i++)
		w->inbox[7 + i] = alphabet[rnd[i] % 62];
	w->inbox[7 + sizeof(rnd)] = '.';
	w->inbox[8 + sizeof(rnd)] = '\0';
	w->inbox_len = 8 + sizeof(rnd);
}

int
wire_open(NatsWire *w, const char *url, const NatsAuth *auth, int timeout_ms)
{
	int64_t		deadline = ship_now_ms() + timeout_ms;
	Url			u;
	char		line[16384];
	char		connect[8192];
	char		credentials[6144];
	char		shown[256];
	const char *mp;
	size_t		n;

	wire_close(w);
	w->error[0] = '\0';
	if (parse_url(url, &u) != 0)
	{
		nats_url_redact(url, shown, sizeof(shown));
		return broken(w, "cannot read the NATS server's address", shown);
	}
	if (connect_tcp(w, &u, deadline) != 0)
		return -1;
	if (expect(w, NATS_OP_INFO, deadline, line, sizeof(line)) != 0)
		return -1;
	if (start_tls(w, auth, &u, line, deadline) != 0)
		return -1;
	if (strstr(line, "\"headers\":true") == NULL)
		return broken(w, "the NATS server does not support headers", "JetStream needs nats-server 2.2 or later");
	mp = strstr(line, "\"max_payload\":");
	w->max_payload = mp != NULL ? strtoll(mp + 14, NULL, 10) : 1024 * 1024;
	if (nats_auth_connect(auth, line, credentials, sizeof(credentials), w->error, sizeof(w->error)) != 0)
	{
		wire_close(w);
		return -1;
	}
	n = (size_t) snprintf(connect, sizeof(connect),
						  "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,"
						  "\"protocol\":1,\"lang\":\"C\",\"version\":\"wal2events\",\"name\":\"wal2events ship\"%s}\r\n",
						  credentials);
	new_inbox(w);
	if (n >= sizeof(connect))
		return broken(w, "the NATS credentials are too long", "");
	if (out_append(w, connect, n) != 0 ||
		out_append(w, "SUB ", 4) != 0 || out_append(w, w->inbox, w->inbox_len) != 0 ||
		out_append(w, "* 1\r\nPING\r\n", 11) != 0)
		return broken(w, "out of memory", "");
	while (wire_unsent(w) > 0)
	{
		if (wire_flush(w) != 0)
			return -1;
		if (wire_unsent(w) > 0 && !wait_fd(w->fd, POLLOUT, deadline))
			return broken(w, "NATS did not answer in time", "");
	}
	return expect(w, NATS_OP_PONG, deadline, line, sizeof(line));
}
