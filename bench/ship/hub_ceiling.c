/*
 * hub_ceiling.c
 *    What nats-server -js itself can take: messages shaped like the
 *    shipper's (same subject, headers and body size), published by the
 *    cheapest possible client (the NATS protocol written by hand on one
 *    socket, no library, no allocation per message), with a bounded window
 *    of unacknowledged messages, into a fresh file-storage stream.
 *
 *   hub_ceiling HOST PORT STREAM COUNT [options]
 *   hub_ceiling HOST PORT STREAM messages       print how many messages it holds
 *   hub_ceiling HOST PORT STREAM delete         delete it
 *     --body N          body bytes (default 232, a bench row's envelope)
 *     --window N        messages in flight at most (default 4096)
 *     --ack-every K     ask for an acknowledgement on every K-th message
 *                       (and the last; default 1: every message)
 *     --expect MODE     msgid (Nats-Expected-Last-Msg-Id, default), seq
 *                       (Nats-Expected-Last-Sequence) or none
 *     --no-msg-id       no Nats-Msg-Id (no duplicate detection)
 *     --bare            only the JetStream headers (no W2e-*, Content-Type)
 *     --dup-window MS   the stream's duplicate window (default 120000)
 *
 * Prints one line: messages, seconds, messages/s. Exit status 1 when a
 * message was rejected or the connection failed.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int	sock = -1;
static char inbuf[1 << 20];
static size_t inlen;
static char outbuf[1 << 20];
static size_t outlen;

static void
die(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fprintf(stderr, "hub_ceiling: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
flush_out(void)
{
	size_t		off = 0;

	while (off < outlen)
	{
		ssize_t		n = write(sock, outbuf + off, outlen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
		{
			struct pollfd p = {sock, POLLOUT, 0};

			poll(&p, 1, 100);
			continue;
		}
		if (n <= 0)
			die("write: %s", strerror(errno));
		off += (size_t) n;
	}
	outlen = 0;
}

static void
out(const char *data, size_t len)
{
	if (outlen + len > sizeof(outbuf))
		flush_out();
	memcpy(outbuf + outlen, data, len);
	outlen += len;
}

static int
read_more(int timeout_ms)
{
	struct pollfd p = {sock, POLLIN, 0};
	ssize_t		n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(sock, inbuf + inlen, sizeof(inbuf) - inlen);
	if (n <= 0)
		die("connection closed");
	inlen += (size_t) n;
	return 1;
}

/* Handlers for what the server sends: replies to "_CEIL.<n>". */
static uint64_t acked_through;	/* 1 + index of the newest acknowledged message */
static int	have_reply;
static char reply_body[4096];

static void
on_msg(const char *subject, const char *body, size_t len)
{
	if (strncmp(subject, "_CEIL.", 6) != 0)
		return;
	if (strcmp(subject, "_CEIL.api") == 0)
	{
		snprintf(reply_body, sizeof(reply_body), "%.*s", (int) len, body);
		have_reply = 1;
		return;
	}
	{
		uint64_t	n = strtoull(subject + 6, NULL, 10) + 1;

		if (memmem(body, len, "\"error\"", 7) != NULL)
			die("rejected: %.*s", (int) len, body);

		if (n > acked_through)
			acked_through = n;
	}
}

/* Parse complete protocol lines in inbuf. */
static void
parse(void)
{
	size_t		pos = 0;

	for (;;)
	{
		char	   *eol = memmem(inbuf + pos, inlen - pos, "\r\n", 2);
		size_t		linelen;

		if (eol == NULL)
			break;
		linelen = (size_t) (eol - (inbuf + pos));
		if (strncmp(inbuf + pos, "MSG ", 4) == 0 || strncmp(inbuf + pos, "HMSG ", 5) == 0)
		{
			char		line[512];
			char	   *tok[6];
			int			nt = 0;
			char	   *save = NULL;
			size_t		total,
						hdr = 0;

			snprintf(line, sizeof(line), "%.*s", (int) linelen, inbuf + pos);
			for (char *t = strtok_r(line, " ", &save); t && nt < 6; t = strtok_r(NULL, " ", &save))
				tok[nt++] = t;
			total = strtoul(tok[nt - 1], NULL, 10);
			if (line[0] == 'H')
				hdr = strtoul(tok[nt - 2], NULL, 10);
			if (pos + linelen + 2 + total + 2 > inlen)
				break;
			on_msg(tok[1], inbuf + pos + linelen + 2 + hdr, total - hdr);
			pos += linelen + 2 + total + 2;
			continue;
		}
		if (strncmp(inbuf + pos, "PING", 4) == 0)
			out("PONG\r\n", 6);
		else if (strncmp(inbuf + pos, "-ERR", 4) == 0)
			die("%.*s", (int) linelen, inbuf + pos);
		pos += linelen + 2;
	}
	memmove(inbuf, inbuf + pos, inlen - pos);
	inlen -= pos;
}

static void
api(const char *subject, const char *json)
{
	char		head[256];
	int			n = snprintf(head, sizeof(head), "PUB %s _CEIL.api %zu\r\n", subject, strlen(json));

	have_reply = 0;
	out(head, (size_t) n);
	out(json, strlen(json));
	out("\r\n", 2);
	flush_out();
	while (!have_reply)
	{
		if (!read_more(5000))
			die("no reply to %s", subject);
		parse();
	}
}

static void
connect_to(const char *host, int port)
{
	struct sockaddr_in sa;
	int			one = 1;

	sock = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(sock, (struct sockaddr *) &sa, sizeof(sa)) != 0)
		die("connect: %s", strerror(errno));
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (memmem(inbuf, inlen, "\r\n", 2) == NULL)
		read_more(5000);
	inlen = 0;
	{
		const char *c = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB _CEIL.> 1\r\n";

		out(c, strlen(c));
	}
}

int
main(int argc, char **argv)
{
	const char *host,
			   *stream;
	int			port;
	uint64_t	count,
				window = 4096,
				ack_every = 1,
				i;
	size_t		body = 232;
	const char *expect = "msgid";
	int			msg_id = 1,
				bare = 0;
	long		dup_window = 120000;
	char		json[1024];
	char		subject[128];
	char	   *payload;
	double		t0,
				t1;
	uint64_t	first_seq;

	if (argc < 5)
		die("usage: hub_ceiling HOST PORT STREAM COUNT [options]");
	host = argv[1];
	port = atoi(argv[2]);
	stream = argv[3];
	count = strtoull(argv[4], NULL, 10);
	for (int a = 5; a < argc; a++)
	{
		if (strcmp(argv[a], "--body") == 0 && a + 1 < argc)
			body = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--window") == 0 && a + 1 < argc)
			window = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--ack-every") == 0 && a + 1 < argc)
			ack_every = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--expect") == 0 && a + 1 < argc)
			expect = argv[++a];
		else if (strcmp(argv[a], "--dup-window") == 0 && a + 1 < argc)
			dup_window = atol(argv[++a]);
		else if (strcmp(argv[a], "--no-msg-id") == 0)
			msg_id = 0;
		else if (strcmp(argv[a], "--bare") == 0)
			bare = 1;
		else
			die("unknown option %s", argv[a]);
	}

	connect_to(host, port);
	if (strcmp(argv[4], "messages") == 0 || strcmp(argv[4], "delete") == 0)
	{
		const char *m;

		snprintf(subject, sizeof(subject), "$JS.API.STREAM.%s.%s",
				 argv[4][0] == 'm' ? "INFO" : "DELETE", stream);
		api(subject, "");
		if (argv[4][0] == 'd')
			return strstr(reply_body, "\"error\"") != NULL;
		if ((m = strstr(reply_body, "\"messages\":")) == NULL)
			die("%s", reply_body);
		printf("%llu\n", strtoull(m + 11, NULL, 10));
		return 0;
	}
	snprintf(subject, sizeof(subject), "$JS.API.STREAM.DELETE.%s", stream);
	api(subject, "");
	snprintf(json, sizeof(json),
			 "{\"name\":\"%s\",\"subjects\":[\"%s.>\"],\"storage\":\"file\",\"duplicate_window\":%lld}",
			 stream, stream, (long long) dup_window * 1000000LL);
	snprintf(subject, sizeof(subject), "$JS.API.STREAM.CREATE.%s", stream);
	api(subject, json);
	if (strstr(reply_body, "\"error\"") != NULL)
		die("%s", reply_body);
	first_seq = 1;

	payload = malloc(body);
	memset(payload, 'x', body);
	snprintf(subject, sizeof(subject), "%s.bench", stream);

	t0 = now();
	for (i = 0; i < count; i++)
	{
		char		hdr[1024];
		char		head[256];
		char		prev[64],
					id[64];
		int			h = 0,
					n;
		int			want_ack = (i + 1) % ack_every == 0 || i + 1 == count;

		while (i - acked_through >= window)
		{
			flush_out();
			read_more(1000);
			parse();
		}
		snprintf(id, sizeof(id), "7712615749450319213/%016llX/%llu",
				 (unsigned long long) (0x155D408 + i / 1000 * 4096), (unsigned long long) (i % 1000));
		snprintf(prev, sizeof(prev), "7712615749450319213/%016llX/%llu",
				 (unsigned long long) (0x155D408 + (i - 1) / 1000 * 4096), (unsigned long long) ((i - 1) % 1000));
		h += snprintf(hdr + h, sizeof(hdr) - h, "NATS/1.0\r\n");
		if (msg_id)
			h += snprintf(hdr + h, sizeof(hdr) - h, "Nats-Msg-Id: %s\r\n", id);
		if (i > 0 && strcmp(expect, "msgid") == 0)
			h += snprintf(hdr + h, sizeof(hdr) - h, "Nats-Expected-Last-Msg-Id: %s\r\n", prev);
		else if (i > 0 && strcmp(expect, "seq") == 0)
			h += snprintf(hdr + h, sizeof(hdr) - h, "Nats-Expected-Last-Sequence: %llu\r\n",
						  (unsigned long long) (first_seq + i - 1));
		if (!bare)
			h += snprintf(hdr + h, sizeof(hdr) - h,
						  "Content-Type: application/x-protobuf; proto=wal2events.v1.EventEnvelope\r\n"
						  "W2e-Type: bench-created\r\nW2e-Partition-Key: %llu\r\nW2e-Xid: %llu\r\n"
						  "W2e-Commit-Lsn: 0/%llX\r\nW2e-Position: %llu\r\nW2e-Database: postgres\r\n"
						  "W2e-System-Identifier: 7712615749450319213\r\n",
						  (unsigned long long) i + 1, (unsigned long long) (725 + i / 1000),
						  (unsigned long long) (0x155D408 + i / 1000 * 4096), (unsigned long long) (i % 1000));
		h += snprintf(hdr + h, sizeof(hdr) - h, "\r\n");
		if (want_ack)
			n = snprintf(head, sizeof(head), "HPUB %s _CEIL.%llu %d %zu\r\n", subject,
						 (unsigned long long) i, h, h + body);
		else
			n = snprintf(head, sizeof(head), "HPUB %s %d %zu\r\n", subject, h, h + body);
		out(head, (size_t) n);
		out(hdr, (size_t) h);
		out(payload, body);
		out("\r\n", 2);
		if (outlen > 60000)
		{
			flush_out();
			while (read_more(0))
				parse();
		}
	}
	flush_out();
	while (acked_through < count)
	{
		if (!read_more(10000))
			die("acknowledgements stopped at %llu of %llu", (unsigned long long) acked_through,
				(unsigned long long) count);
		parse();
	}
	t1 = now();
	snprintf(subject, sizeof(subject), "$JS.API.STREAM.INFO.%s", stream);
	api(subject, "");
	{
		const char *m = strstr(reply_body, "\"messages\":");

		if (m == NULL || strtoull(m + 11, NULL, 10) != count)
			die("stream holds %s, want %llu", m ? m : "?", (unsigned long long) count);
	}
	printf("%llu messages in %.2f s: %.0f messages/s\n", (unsigned long long) count, t1 - t0,
		   count / (t1 - t0));
	return 0;
}
