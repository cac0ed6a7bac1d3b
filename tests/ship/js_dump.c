/*
 * js_dump.c
 *    Test helper: print every message of a JetStream stream as one JSON
 *    line, with its headers and, for events, the EventEnvelope as
 *    `wal2events consume` prints it (claim checks resolved: the reading is
 *    src/cli/stream_reader.c's), so shell tests can compare what reached
 *    the hub with what was written to PostgreSQL, chunks and headers
 *    included. Also sets streams up for the tests.
 *
 *   js_dump dump nats://HOST:PORT STREAM     every message, as below
 *   js_dump info nats://HOST:PORT STREAM     {"exists":..,"messages":..,"last_seq":..,"consumers":..}
 *   js_dump create URL STREAM SUBJECT [DUP_WINDOW_MS [MAX_MSG_SIZE [MAX_MSGS]]]
 *                                            (MAX_MSGS: with discard new; 0: no limit)
 *   js_dump delete URL STREAM
 *   js_dump publish URL SUBJECT DATA         a message that is not ours
 *
 * Lines (in stream order):
 *   {"seq":N,"subject":"..","id":"<Nats-Msg-Id>","headers":{..},"size":N,
 *    "envelope":{..}}                                   an event
 *   {"seq":N,"subject":"..","id":"..","headers":{..},"size":N,"chunk":true}
 *                                                       a claim-check chunk
 * An event whose claim check cannot be resolved, or whose body does not
 * decode, gets "error":"..." instead of "envelope"; a message without a
 * Nats-Msg-Id gets neither. Exit status 0, or 1 when the stream cannot be
 * read. (A file of the file: sink is read with `wal2events decode
 * --envelope`.)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "wal2events.h"
#include "stream_reader.h"

static void
put_string(const char *s)
{
	W2eBuffer	b;

	w2e_buffer_init(&b, NULL);
	w2e_json_append_cstring(&b, s);
	fputs(b.data, stdout);
	w2e_buffer_free(&b);
}

static void
put_headers(natsMsg *msg)
{
	const char **keys = NULL;
	int			n = 0;
	int			i;

	fputs(",\"headers\":{", stdout);
	if (natsMsgHeader_Keys(msg, &keys, &n) == NATS_OK)
	{
		for (i = 0; i < n; i++)
		{
			const char *value = "";

			natsMsgHeader_Get(msg, keys[i], &value);
			if (i > 0)
				fputc(',', stdout);
			put_string(keys[i]);
			fputc(':', stdout);
			put_string(value);
		}
		free((void *) keys);
	}
	fputc('}', stdout);
}

/* One stored message as a line; an event's envelope (or why not) with it. */
static void
dump_message(const StreamMessage *m, W2eBuffer *out)
{
	char		error[600];

	printf("{\"seq\":%llu,\"subject\":", (unsigned long long) m->seq);
	put_string(natsMsg_GetSubject(m->msg));
	fputs(",\"id\":", stdout);
	put_string(m->id != NULL ? m->id : "");
	put_headers(m->msg);
	printf(",\"size\":%d", natsMsg_GetDataLength(m->msg));
	if (m->is_chunk)
		fputs(",\"chunk\":true", stdout);
	else if (m->id != NULL)
	{
		w2e_buffer_reset(out);
		if (stream_message_json(m, STREAM_PAYLOAD_AUTO, out, error, sizeof(error)) == 0)
			printf(",\"envelope\":%s", out->data);
		else
		{
			fputs(",\"error\":", stdout);
			put_string(error);
		}
	}
	fputs("}\n", stdout);
}

/* Every message of the stream, chunks included, up to its end. */
static int
dump(const char *url, const char *stream)
{
	StreamReaderOptions ro;
	StreamReader *r;
	StreamMessage m;
	W2eBuffer	out;
	char		error[600];
	int			rc = 0;
	int			waited;

	memset(&ro, 0, sizeof(ro));
	ro.url = url;
	ro.stream = stream;
	ro.chunks = 1;
	r = stream_reader_open(&ro, error, sizeof(error));
	if (r == NULL)
	{
		fprintf(stderr, "js_dump: %s\n", error);
		return 1;
	}
	w2e_buffer_init(&out, NULL);
	for (waited = 0; rc == 0 && !stream_reader_drained(r);)
	{
		int			got;

		while ((got = stream_reader_next(r, 250, &m, error, sizeof(error))) > 0)
		{
			waited = 0;
			dump_message(&m, &out);
			if (m.pending == 0)
				break;
		}
		if (got < 0 || (got == 0 && (waited += 250) >= 20000))
		{
			fprintf(stderr, "js_dump: %s\n",
					got < 0 ? error : "no message for 20 s before the end of the stream");
			rc = 1;
		}
	}
	w2e_buffer_free(&out);
	stream_reader_close(r);
	return rc;
}

static int
info(jsCtx *js, const char *stream)
{
	jsStreamInfo *si = NULL;

	if (js_GetStreamInfo(&si, js, stream, NULL, NULL) != NATS_OK)
	{
		printf("{\"exists\":false}\n");
		return 0;
	}
	printf("{\"exists\":true,\"messages\":%llu,\"first_seq\":%llu,\"last_seq\":%llu,\"dup_window_ms\":%lld,\"consumers\":%lld}\n",
		   (unsigned long long) si->State.Msgs, (unsigned long long) si->State.FirstSeq,
		   (unsigned long long) si->State.LastSeq, (long long) (si->Config->Duplicates / 1000000),
		   (long long) si->State.Consumers);
	jsStreamInfo_Destroy(si);
	return 0;
}

static int
create(jsCtx *js, const char *stream, const char *subject, int argc, char **argv)
{
	const char *dup_ms = argc > 5 ? argv[5] : NULL;
	jsStreamConfig cfg;
	const char *subjects[1] = {subject};
	jsStreamInfo *si = NULL;
	natsStatus	s;

	jsStreamConfig_Init(&cfg);
	cfg.Name = stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	if (dup_ms != NULL)
		cfg.Duplicates = (int64_t) atoll(dup_ms) * 1000000;
	if (argc > 6 && atoll(argv[6]) > 0)
		cfg.MaxMsgSize = (int32_t) atoll(argv[6]);
	if (argc > 7 && atoll(argv[7]) > 0)
	{
		cfg.MaxMsgs = atoll(argv[7]);
		cfg.Discard = js_DiscardNew;
	}
	s = js_AddStream(&si, js, &cfg, NULL, NULL);
	if (si != NULL)
		jsStreamInfo_Destroy(si);
	return s == NATS_OK ? 0 : 1;
}

static int
run(const char *cmd, jsCtx *js, int argc, char **argv)
{
	if (strcmp(cmd, "info") == 0 && argc == 4)
		return info(js, argv[3]);
	if (strcmp(cmd, "delete") == 0 && argc == 4)
		return js_DeleteStream(js, argv[3], NULL, NULL) == NATS_OK ? 0 : 1;
	if (strcmp(cmd, "create") == 0 && argc >= 5 && argc <= 8)
		return create(js, argv[3], argv[4], argc, argv);
	if (strcmp(cmd, "publish") == 0 && argc == 5)
		return js_Publish(NULL, js, argv[3], argv[4], (int) strlen(argv[4]), NULL, NULL) == NATS_OK ? 0 : 1;
	fprintf(stderr, "js_dump: bad arguments for %s\n", cmd);
	return 2;
}

int
main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	jsCtx	   *js = NULL;
	int			rc = 1;

	if (argc < 4)
	{
		fprintf(stderr, "usage: js_dump dump|info|delete URL STREAM | create URL STREAM SUBJECT [DUP_MS]\n"
				"       | publish URL SUBJECT DATA\n");
		return 2;
	}
	if (strcmp(argv[1], "dump") == 0 && argc == 4)
		rc = dump(argv[2], argv[3]);
	else if (natsConnection_ConnectTo(&nc, argv[2]) == NATS_OK &&
			 natsConnection_JetStream(&js, nc, NULL) == NATS_OK)
		rc = run(argv[1], js, argc, argv);
	else
		fprintf(stderr, "js_dump: cannot connect to %s\n", argv[2]);
	if (js != NULL)
		jsCtx_Destroy(js);
	if (nc != NULL)
		natsConnection_Destroy(nc);
	nats_Close();
	return rc;
}
