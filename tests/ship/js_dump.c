/*
 * js_dump.c
 *    Test helper: print every message of a JetStream stream as one JSON
 *    line, with its headers and, for events, the EventEnvelope rendered
 *    by libwal2events (claim checks resolved), so shell tests can compare
 *    what reached the hub with what was written to PostgreSQL.
 *
 *   js_dump dump nats://HOST:PORT STREAM     every message, as below
 *   js_dump info nats://HOST:PORT STREAM     {"exists":..,"messages":..,"last_seq":..}
 *   js_dump create URL STREAM SUBJECT [DUP_WINDOW_MS] | delete URL STREAM
 *   js_dump publish URL SUBJECT DATA         a message that is not ours
 *   js_dump file PATH                        a file of framed EventEnvelopes
 *
 * Lines (in stream order):
 *   {"seq":N,"subject":"..","id":"<Nats-Msg-Id>","headers":{..},"size":N,
 *    "envelope":{..}}                                   an event
 *   {"seq":N,"subject":"..","id":"..","headers":{..},"size":N,"chunk":true}
 *                                                       a claim-check chunk
 * An event whose claim check cannot be resolved, or whose body does not
 * decode, gets "error":"..." instead of "envelope". Exit status 0, or 1
 * when the stream cannot be read.
 *
 * Reads with an ordered consumer on the stream's (single) subject filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "internal.h"

typedef struct Claim
{
	char		of[128];		/* event id the chunks belong to */
	W2eBuffer	data;
	int			chunks;
} Claim;

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

static const char *
header(natsMsg *msg, const char *key)
{
	const char *value = NULL;

	return natsMsgHeader_Get(msg, key, &value) == NATS_OK ? value : NULL;
}

/* The envelope bytes as JSON: JSON bodies as they are, protobuf decoded. */
static void
put_envelope(const char *content_type, const uint8_t *data, size_t len)
{
	W2eEventEnvelope *env;
	W2eBuffer	out;
	W2eError	err;

	if (content_type != NULL && strcmp(content_type, "application/json") == 0)
	{
		fputs(",\"envelope\":", stdout);
		fwrite(data, 1, len, stdout);
		return;
	}
	env = wal2events__v1__event_envelope__unpack(NULL, len, data);
	if (env == NULL)
	{
		fputs(",\"error\":\"not an EventEnvelope\"", stdout);
		return;
	}
	w2e_buffer_init(&out, NULL);
	if (w2e_envelope_to_json(env, &out, &err) == 0)
		printf(",\"envelope\":%s", out.data);
	else
	{
		fputs(",\"error\":", stdout);
		put_string(err.message);
	}
	w2e_buffer_free(&out);
	wal2events__v1__event_envelope__free_unpacked(env, NULL);
}

static void
dump_message(natsMsg *msg, uint64_t seq, Claim *claim)
{
	const char *id = header(msg, "Nats-Msg-Id");
	const char *claim_of = header(msg, "W2e-Claim-Of");
	const char *chunks = header(msg, "W2e-Claim-Chunks");
	const uint8_t *data = (const uint8_t *) natsMsg_GetData(msg);
	size_t		len = (size_t) natsMsg_GetDataLength(msg);

	printf("{\"seq\":%llu,\"subject\":", (unsigned long long) seq);
	put_string(natsMsg_GetSubject(msg));
	fputs(",\"id\":", stdout);
	put_string(id != NULL ? id : "");
	put_headers(msg);
	printf(",\"size\":%zu", len);
	if (claim_of != NULL)
	{
		if (strcmp(claim->of, claim_of) != 0)
		{
			w2e_buffer_reset(&claim->data);
			snprintf(claim->of, sizeof(claim->of), "%s", claim_of);
			claim->chunks = 0;
		}
		w2e_buffer_append(&claim->data, data, len);
		claim->chunks++;
		fputs(",\"chunk\":true", stdout);
	}
	else if (chunks != NULL)
	{
		if (id == NULL || strcmp(claim->of, id) != 0 || claim->chunks != atoi(chunks) ||
			claim->data.len != strtoull(header(msg, "W2e-Claim-Size"), NULL, 10))
			fputs(",\"error\":\"claim check does not resolve\"", stdout);
		else
			put_envelope(header(msg, "Content-Type"), (const uint8_t *) claim->data.data,
						 claim->data.len);
		claim->of[0] = '\0';
	}
	else if (id != NULL)
		put_envelope(header(msg, "Content-Type"), data, len);
	fputs("}\n", stdout);
}

static int
dump(jsCtx *js, const char *stream)
{
	jsStreamInfo *si = NULL;
	jsSubOptions so;
	natsSubscription *sub = NULL;
	Claim		claim;
	uint64_t	last;
	natsStatus	s = js_GetStreamInfo(&si, js, stream, NULL, NULL);

	if (s != NATS_OK || si->Config->SubjectsLen != 1)
	{
		fprintf(stderr, "js_dump: cannot read stream %s (it must have one subject filter)\n", stream);
		return 1;
	}
	last = si->State.Msgs > 0 ? si->State.LastSeq : 0;
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Ordered = true;
	memset(&claim, 0, sizeof(claim));
	w2e_buffer_init(&claim.data, NULL);
	if (last > 0)
		s = js_SubscribeSync(&sub, js, si->Config->Subjects[0], NULL, &so, NULL);
	while (s == NATS_OK && last > 0)
	{
		natsMsg    *msg = NULL;
		jsMsgMetaData *meta = NULL;
		uint64_t	seq;

		s = natsSubscription_NextMsg(&msg, sub, 10000);
		if (s != NATS_OK || natsMsg_GetMetaData(&meta, msg) != NATS_OK)
			break;
		seq = meta->Sequence.Stream;
		jsMsgMetaData_Destroy(meta);
		dump_message(msg, seq, &claim);
		natsMsg_Destroy(msg);
		if (seq >= last)
			break;
	}
	if (sub != NULL)
		natsSubscription_Destroy(sub);
	jsStreamInfo_Destroy(si);
	w2e_buffer_free(&claim.data);
	if (s != NATS_OK)
		fprintf(stderr, "js_dump: reading stream %s: %s\n", stream, natsStatus_GetText(s));
	return s == NATS_OK ? 0 : 1;
}

/* A file of framed EventEnvelopes (file:PATH --payload protobuf), as lines. */
static int
dump_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	W2eBuffer	all;
	char		block[65536];
	size_t		n;
	size_t		off = 0;
	int			rc = 0;

	if (f == NULL)
	{
		fprintf(stderr, "js_dump: cannot open %s\n", path);
		return 1;
	}
	w2e_buffer_init(&all, NULL);
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		w2e_buffer_append(&all, block, n);
	fclose(f);
	while (off < all.len)
	{
		const uint8_t *payload;
		size_t		len;
		size_t		used;
		W2eError	err;

		if (w2e_frame_next((const uint8_t *) all.data + off, all.len - off, &payload, &len,
						   &used, &err) != W2E_FRAME_OK)
		{
			fprintf(stderr, "js_dump: %s: bad or cut frame at byte %zu\n", path, off);
			rc = 1;
			break;
		}
		printf("{\"offset\":%zu,\"size\":%zu", off, len);
		put_envelope(NULL, payload, len);
		fputs("}\n", stdout);
		off += used;
	}
	w2e_buffer_free(&all);
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
	printf("{\"exists\":true,\"messages\":%llu,\"first_seq\":%llu,\"last_seq\":%llu,\"dup_window_ms\":%lld}\n",
		   (unsigned long long) si->State.Msgs, (unsigned long long) si->State.FirstSeq,
		   (unsigned long long) si->State.LastSeq, (long long) (si->Config->Duplicates / 1000000));
	jsStreamInfo_Destroy(si);
	return 0;
}

static int
create(jsCtx *js, const char *stream, const char *subject, const char *dup_ms)
{
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
	s = js_AddStream(&si, js, &cfg, NULL, NULL);
	if (si != NULL)
		jsStreamInfo_Destroy(si);
	return s == NATS_OK ? 0 : 1;
}

static int
run(const char *cmd, jsCtx *js, int argc, char **argv)
{
	if (strcmp(cmd, "dump") == 0 && argc == 4)
		return dump(js, argv[3]);
	if (strcmp(cmd, "info") == 0 && argc == 4)
		return info(js, argv[3]);
	if (strcmp(cmd, "delete") == 0 && argc == 4)
		return js_DeleteStream(js, argv[3], NULL, NULL) == NATS_OK ? 0 : 1;
	if (strcmp(cmd, "create") == 0 && (argc == 5 || argc == 6))
		return create(js, argv[3], argv[4], argc == 6 ? argv[5] : NULL);
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

	if (argc == 3 && strcmp(argv[1], "file") == 0)
		return dump_file(argv[2]);
	if (argc < 4)
	{
		fprintf(stderr, "usage: js_dump dump|info|delete URL STREAM | create URL STREAM SUBJECT [DUP_MS]\n"
				"       | publish URL SUBJECT DATA | file PATH\n");
		return 2;
	}
	if (natsConnection_ConnectTo(&nc, argv[2]) == NATS_OK &&
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
