/*
 * tls_publish.c
 *    What TLS costs the publishing client, measured both ways the shipper
 *    could carry events over TLS: its own publishing connection
 *    (src/cli/nats/nats_wire.c, OpenSSL on the socket) or nats.c's
 *    JetStream asynchronous publish (natsMsg, headers, js_PublishMsgAsync).
 *    Messages shaped like the shipper's (subject, six headers, a 232-byte
 *    body), into a fresh stream (memory storage: the server's disk is not
 *    what is measured), a bounded window.
 *
 *   tls_publish URL STREAM COUNT wire|natsc [--tls-ca FILE] [--ack-every K]
 *
 * Prints one line: mode, messages, seconds, messages/s, client CPU
 * microseconds per message (user + system, every thread of the process).
 * Built and run by bench/ship/tls.sh.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <nats/nats.h>

#include "nats_auth.h"
#include "nats_wire.h"
#include "ship_common.h"

#define WINDOW 4096
#define BODY_LEN 232

static const char *stream;
static long count;
static long acked;
static long failed;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "tls_publish: %s: %s\n", what, why);
	exit(1);
}

/* The shipper's headers, as sink_nats builds them; id is the message's number. */
static size_t
headers(char *out, size_t size, long id)
{
	return (size_t) snprintf(out, size,
							 "Nats-Msg-Id: 7312895063207461234/00000000%08lX/0\r\n"
							 "W2e-Source: 7312895063207461234/postgres\r\n"
							 "W2e-Commit-Lsn: 0/%08lX\r\n"
							 "W2e-Type: bench-created\r\n"
							 "W2e-Partition-Key: %ld\r\n"
							 "Content-Type: application/x-protobuf; proto=wal2events.v1.EventEnvelope\r\n",
							 id, id, id);
}

static void
on_reply(void *ctx, uint64_t token, int status, const char *body, size_t len)
{
	if (status != 0 || memmem(body, len, "\"error\"", 7) != NULL)
		failed++;
	acked = (long) token + 1;	/* one reply per ack_every messages, in order */
}

static void
run_wire(const NatsAuth *auth, long ack_every)
{
	NatsWire	w;
	char		hdrs[512],
				body[BODY_LEN];
	const char *subject = "bench.bench-created";
	long		sent = 0;

	memset(body, 'x', sizeof(body));
	wire_init(&w);
	if (wire_open(&w, auth->url, auth, 5000) != 0)
		die("connect", w.error);
	while (acked < count)
	{
		while (sent < count && sent - acked < WINDOW)
		{
			size_t		n = headers(hdrs, sizeof(hdrs), sent);
			int			ask = (sent + 1) % ack_every == 0 || sent + 1 == count;

			wire_publish(&w, subject, strlen(subject), ask ? (uint64_t) sent : WIRE_NO_REPLY,
						 hdrs, n, body, sizeof(body));
			sent++;
		}
		if (wire_flush(&w) != 0)
			die("write", w.error);
		{
			struct pollfd p = {w.fd, POLLIN | (wire_unsent(&w) > 0 ? POLLOUT : 0), 0};

			poll(&p, 1, 1000);
		}
		if (wire_read(&w, on_reply, NULL) != 0)
			die("read", w.error);
	}
	wire_free(&w);
}

static void
on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	if (pae != NULL)
		failed++;
	acked++;
}

static void
run_natsc(natsConnection *nc, jsCtx *js)
{
	char		hdrs[512],
				body[BODY_LEN],
				id[64],
				lsn[32],
				key[32];
	const char *subject = "bench.bench-created";
	long		sent;
	jsPubOptions po;

	memset(body, 'x', sizeof(body));
	jsPubOptions_Init(&po);
	for (sent = 0; sent < count; sent++)
	{
		natsMsg    *m = NULL;

		(void) hdrs;
		snprintf(id, sizeof(id), "7312895063207461234/00000000%08lX/0", sent);
		snprintf(lsn, sizeof(lsn), "0/%08lX", sent);
		snprintf(key, sizeof(key), "%ld", sent);
		if (natsMsg_Create(&m, subject, NULL, body, sizeof(body)) != NATS_OK ||
			natsMsgHeader_Set(m, "Nats-Msg-Id", id) != NATS_OK ||
			natsMsgHeader_Set(m, "W2e-Source", "7312895063207461234/postgres") != NATS_OK ||
			natsMsgHeader_Set(m, "W2e-Commit-Lsn", lsn) != NATS_OK ||
			natsMsgHeader_Set(m, "W2e-Type", "bench-created") != NATS_OK ||
			natsMsgHeader_Set(m, "W2e-Partition-Key", key) != NATS_OK ||
			natsMsgHeader_Set(m, "Content-Type", "application/x-protobuf; proto=wal2events.v1.EventEnvelope") != NATS_OK)
			die("message", nats_GetLastError(NULL));
		if (js_PublishMsgAsync(js, &m, &po) != NATS_OK)
			die("publish", nats_GetLastError(NULL));
	}
	js_PublishAsyncComplete(js, NULL);
}

int
main(int argc, char **argv)
{
	NatsAuth	auth;
	NatsAuthFlags flags = {0};
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	jsCtx	   *js = NULL;
	jsOptions	jo;
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	const char *subjects[] = {"bench.>"};
	const char *mode;
	char		error[300];
	long		ack_every = 64;
	double		t0,
				c0,
				t,
				c;
	int			i;

	if (argc < 5)
		die("usage", "tls_publish URL STREAM COUNT wire|natsc [--tls-ca FILE] [--ack-every K]");
	stream = argv[2];
	count = atol(argv[3]);
	mode = argv[4];
	for (i = 5; i + 1 < argc; i += 2)
	{
		if (strcmp(argv[i], "--tls-ca") == 0)
			flags.tls_ca = argv[i + 1];
		else if (strcmp(argv[i], "--ack-every") == 0)
			ack_every = atol(argv[i + 1]);
	}
	if (nats_auth_load(&auth, &flags, argv[1], "URL", error, sizeof(error)) != 0)
		die("options", error);
	if (natsOptions_Create(&o) != NATS_OK || nats_auth_apply(&auth, o) != NATS_OK ||
		natsOptions_SetMaxPendingMsgs(o, 1 << 20) != NATS_OK ||
		natsConnection_Connect(&nc, o) != NATS_OK)
		die("connect (nats.c)", nats_GetLastError(NULL));
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = WINDOW;
	jo.PublishAsync.AckHandler = on_ack;
	if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK)
		die("jetstream", nats_GetLastError(NULL));
	js_DeleteStream(js, stream, NULL, NULL);
	jsStreamConfig_Init(&cfg);
	cfg.Name = stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_MemoryStorage;
	if (js_AddStream(&si, js, &cfg, NULL, NULL) != NATS_OK)
		die("create the stream", nats_GetLastError(NULL));
	jsStreamInfo_Destroy(si);
	t0 = now();
	c0 = cpu_seconds();
	if (strcmp(mode, "wire") == 0)
		run_wire(&auth, ack_every);
	else
		run_natsc(nc, js);
	t = now() - t0;
	c = cpu_seconds() - c0;
	printf("%s%s: %ld messages, %.2f s, %.0f messages/s, %.2f us client CPU per message%s\n",
		   mode, auth.tls.wanted ? " tls" : "", count, t, count / t, c * 1e6 / count,
		   failed ? " (REJECTED SOME)" : "");
	js_DeleteStream(js, stream, NULL, NULL);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	nats_CloseAndWait(2000);
	nats_auth_free(&auth);
	return failed != 0;
}
