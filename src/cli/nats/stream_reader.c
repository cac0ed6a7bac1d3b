/*
 * stream_reader.c
 *    An ordered consumer on a JetStream stream written by `wal2events
 *    ship`, with claim checks resolved (see stream_reader.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claim_reassembly.h"
#include "nats_wire.h"
#include "stream_reader.h"

#define CONNECT_TIMEOUT_MS 3000
#define RECONNECT_WAIT_MS 500
#define RECONNECTS_BEFORE_GIVING_UP 20	/* without reconnect_forever: about 10 s */
#define API_WAIT_MS 5000
#define CLOSED_WAIT_S 10		/* for nats.c's last callback, at close */
#define CLOSE_FLUSH_MS 2000		/* for the server's answer after the UNSUB, at close */

struct StreamReader
{
	StreamReaderOptions opts;
	NatsAuth	own_auth;		/* opts.url's, when opts.auth is NULL */
	const NatsAuth *auth;
	natsOptions *nopts;
	natsConnection *nc;
	jsCtx	   *js;
	natsSubscription *sub;
	char		stream[256];
	char		subjects[512];	/* the stream's subjects, for error messages */
	natsMsg    *current;		/* the message returned last */
	uint64_t	last_seq;		/* stream sequence of the last delivery, or where --new began */
	uint64_t	last_consumer_seq;	/* consumer sequence of the last delivery */
	int			caught_up;		/* the last delivery said nothing was pending */

	/*
	 * nats.c runs the connection's callbacks on a thread of its own, after
	 * natsConnection_Close() returned: the reader is freed only once the
	 * closed callback, posted after every other, has run.
	 */
	pthread_mutex_t callback_lock;
	pthread_cond_t callback_done;
	int			closed;			/* the closed callback has run */
	ClaimReassembly claim;		/* the claim check being collected */
	natsMsg    *fetched;		/* a chunk read by sequence */
};

const char *
stream_header(natsMsg *msg, const char *key)
{
	const char *value = NULL;

	return natsMsgHeader_Get(msg, key, &value) == NATS_OK ? value : NULL;
}

/* nats.c's last error without its "(file.c:123): " prefix. */
static const char *
nats_error(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);
	const char *rest;

	if (text == NULL || text[0] == '\0')
		return natsStatus_GetText(s);
	if (text[0] == '(' && (rest = strstr(text, "): ")) != NULL)
		return rest + 3;
	return text;
}

static void
on_disconnected(natsConnection *nc, void *closure)
{
	StreamReader *r = closure;
	char		line[400];

	if (r->opts.log == NULL || natsConnection_IsClosed(nc))
		return;
	snprintf(line, sizeof(line), "lost the connection to NATS at %s; reconnecting", r->auth->url_shown);
	r->opts.log(line);
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
	StreamReader *r = closure;

	if (r->opts.log != NULL)
		r->opts.log("reconnected to NATS");
}

/* The connection's last callback: the reader may go once it has run. */
static void
on_closed(natsConnection *nc, void *closure)
{
	StreamReader *r = closure;

	pthread_mutex_lock(&r->callback_lock);
	r->closed = 1;
	pthread_cond_signal(&r->callback_done);
	pthread_mutex_unlock(&r->callback_lock);
}

/* 1 when the closed callback has run, 0 when it did not come in time. */
static int
wait_closed(StreamReader *r)
{
	struct timespec until;
	int			closed;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CLOSED_WAIT_S;
	pthread_mutex_lock(&r->callback_lock);
	while (!r->closed &&
		   pthread_cond_timedwait(&r->callback_done, &r->callback_lock, &until) == 0)
		;
	closed = r->closed;
	pthread_mutex_unlock(&r->callback_lock);
	return closed;
}

static natsStatus
set_options(StreamReader *r)
{
	natsOptions *o = NULL;
	natsStatus	s = natsOptions_Create(&o);

	r->nopts = o;
	if (s == NATS_OK)
		s = nats_auth_apply(r->auth, o);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "wal2events consume");
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, r->opts.reconnect_forever ? -1 : RECONNECTS_BEFORE_GIVING_UP);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, r);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, r);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, r);
	return s;
}

/* The stream's subjects, comma-separated, for messages to a person. */
void
stream_list_subjects(const jsStreamConfig *cfg, char *out, size_t size)
{
	size_t		n = 0;
	int			i;

	out[0] = '\0';
	for (i = 0; i < cfg->SubjectsLen && n < size; i++)
		n += (size_t) snprintf(out + n, size - n, "%s%s", i > 0 ? ", " : "", cfg->Subjects[i]);
}

/* "its streams: A, B" or "it has no stream", for a stream that is missing. */
static void
list_streams(jsCtx *js, char *out, size_t size)
{
	jsStreamNamesList *names = NULL;
	size_t		n;
	int			i;

	if (js_StreamNames(&names, js, NULL, NULL) != NATS_OK || names == NULL || names->Count == 0)
	{
		snprintf(out, size, "the server has no stream");
		if (names != NULL)
			jsStreamNamesList_Destroy(names);
		return;
	}
	n = (size_t) snprintf(out, size, "its streams: ");
	for (i = 0; i < names->Count && n < size; i++)
		n += (size_t) snprintf(out + n, size - n, "%s%s", i > 0 ? ", " : "", names->List[i]);
	jsStreamNamesList_Destroy(names);
}

/* Connection, JetStream, the stream. */
static int
connect_hub(StreamReader *r, char *error, size_t size)
{
	jsOptions	jo;
	jsAccountInfo *info = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode	jerr = 0;
	natsStatus	s = set_options(r);
	char		streams[300];

	if (s == NATS_OK)
		s = natsConnection_Connect(&r->nc, r->nopts);
	if (s != NATS_OK)
	{
		nats_connect_error(r->auth, s, "--from", error, size);
		return -1;
	}
	jsOptions_Init(&jo);
	jo.Wait = API_WAIT_MS;
	s = natsConnection_JetStream(&r->js, r->nc, &jo);
	if (s == NATS_OK)
		s = js_GetAccountInfo(&info, r->js, NULL, &jerr);
	if (info != NULL)
		jsAccountInfo_Destroy(info);
	if (s != NATS_OK)
	{
		snprintf(error, size, "JetStream is not available on the NATS server at %s: %s (start nats-server with -js)",
				 r->auth->url_shown, natsStatus_GetText(s));
		return -1;
	}
	s = js_GetStreamInfo(&si, r->js, r->opts.stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
	{
		list_streams(r->js, streams, sizeof(streams));
		snprintf(error, size, "JetStream stream %s does not exist on %s (%s; fix --stream)",
				 r->opts.stream, r->auth->url_shown, streams);
		return -1;
	}
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot read JetStream stream %s: %s", r->opts.stream, nats_error(s));
		return -1;
	}
	snprintf(r->stream, sizeof(r->stream), "%s", si->Config->Name);
	/*
	 * Only what comes after this, with deliver_new: nats.c re-creates an
	 * ordered consumer after a reconnection from the last message it
	 * delivered, from the stream's start when it delivered none.
	 */
	if (r->opts.deliver_new)
		r->last_seq = si->State.LastSeq;
	stream_list_subjects(si->Config, r->subjects, sizeof(r->subjects));
	jsStreamInfo_Destroy(si);
	return 0;
}

StreamReader *
stream_reader_open(const StreamReaderOptions *opts, char *error, size_t error_size)
{
	StreamReader *r = calloc(1, sizeof(StreamReader));
	jsSubOptions so;
	jsErrCode	jerr = 0;
	natsStatus	s;

	if (r == NULL)
	{
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	r->opts = *opts;
	pthread_mutex_init(&r->callback_lock, NULL);
	pthread_cond_init(&r->callback_done, NULL);
	claim_init(&r->claim);
	r->auth = opts->auth;
	if (r->auth == NULL)
	{
		NatsAuthFlags none = {0};

		if (nats_auth_load(&r->own_auth, &none, opts->url, "--from", error, error_size) != 0)
		{
			stream_reader_close(r);
			return NULL;
		}
		r->auth = &r->own_auth;
	}
	if (connect_hub(r, error, error_size) != 0)
	{
		stream_reader_close(r);
		return NULL;
	}
	jsSubOptions_Init(&so);
	so.Stream = r->stream;
	if (opts->durable != NULL)
	{
		int			rc = stream_durable_prepare(r->js, r->stream, opts->durable, opts->start_seq,
												opts->ack_wait_ms, opts->max_ack_pending,
												error, error_size);

		if (rc == -2 && opts->durable_in_use != NULL)
			*opts->durable_in_use = 1;
		if (rc != 0)
		{
			stream_reader_close(r);
			return NULL;
		}
		so.Consumer = opts->durable;
		r->last_seq = opts->start_seq > 0 ? opts->start_seq - 1 : 0;
		s = js_SubscribeSync(&r->sub, r->js, ">", NULL, &so, &jerr);
	}
	else
	{
		so.Ordered = true;
		so.Config.DeliverPolicy = opts->deliver_new ? js_DeliverNew : js_DeliverAll;
		s = js_SubscribeSync(&r->sub, r->js, opts->filter != NULL ? opts->filter : ">", NULL, &so, &jerr);
	}
	if (s != NATS_OK)
	{
		if (opts->filter != NULL)
			snprintf(error, error_size,
					 "cannot read JetStream stream %s with subject filter '%s': %s (the stream stores %s; fix --subject)",
					 r->stream, opts->filter, nats_error(s), r->subjects);
		else
			snprintf(error, error_size, "cannot read JetStream stream %s: %s", r->stream, nats_error(s));
		stream_reader_close(r);
		return NULL;
	}
	/* large claim chunks: room for a few of them before the client says "slow" */
	natsSubscription_SetPendingLimits(r->sub, 65536, 256 * 1024 * 1024);
	return r;
}

void
stream_reader_close(StreamReader *r)
{
	if (r == NULL)
		return;
	natsMsg_Destroy(r->current);
	if (r->sub != NULL)
	{
		natsSubscription_Unsubscribe(r->sub);

		/*
		 * nats.c's reading thread may be delivering a message to the
		 * subscription it looked up just before the UNSUB: freed now, it
		 * crashed there (libnats 3.4.1, about once in 60 writers stopped
		 * while messages were still coming). Once the server answered a
		 * PING sent after the UNSUB, that thread is done with every message
		 * before it.
		 */
		if (r->nc != NULL && !natsConnection_IsClosed(r->nc))
			natsConnection_FlushTimeout(r->nc, CLOSE_FLUSH_MS);
		natsSubscription_Destroy(r->sub);
	}
	if (r->js != NULL)
		jsCtx_Destroy(r->js);
	if (r->nc != NULL)
	{
		natsConnection_Close(r->nc);
		if (!wait_closed(r))
			return;				/* a callback may still come: leave it the reader */
		natsConnection_Destroy(r->nc);
	}
	if (r->nopts != NULL)
		natsOptions_Destroy(r->nopts);
	claim_free(&r->claim);
	pthread_cond_destroy(&r->callback_done);
	pthread_mutex_destroy(&r->callback_lock);
	nats_auth_free(&r->own_auth);
	free(r);
}

/* A chunk's headers and body. */
static void
claim_chunk_of(natsMsg *msg, ClaimChunk *chunk)
{
	chunk->of = stream_header(msg, "W2e-Claim-Of");
	chunk->chunk = stream_header(msg, "W2e-Claim-Chunk");
	chunk->data = natsMsg_GetData(msg);
	chunk->len = (size_t) natsMsg_GetDataLength(msg);
}

/* ClaimSource: the stream's message at seq. */
static int
get_stored(void *ctx, uint64_t seq, ClaimChunk *chunk, char *why, size_t size)
{
	StreamReader *r = ctx;
	jsErrCode	jerr = 0;
	natsStatus	s = js_GetMsg(&r->fetched, r->js, r->stream, seq, NULL, &jerr);

	if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
	{
		/* deleted (or never stored): not a chunk of anything */
		r->fetched = NULL;
		memset(chunk, 0, sizeof(*chunk));
		return 0;
	}
	if (s != NATS_OK)
	{
		r->fetched = NULL;
		snprintf(why, size, "%s", nats_error(s));
		return -1;
	}
	claim_chunk_of(r->fetched, chunk);
	return 0;
}

static void
release_stored(void *ctx)
{
	StreamReader *r = ctx;

	natsMsg_Destroy(r->fetched);
	r->fetched = NULL;
}

/* An event message with W2e-Claim-Chunks: its body from the chunks. */
static void
resolve_claim(StreamReader *r, StreamMessage *m, const char *chunks)
{
	ClaimEvent	e = {m->seq, m->id, chunks, stream_header(m->msg, "W2e-Claim-Size")};
	ClaimSource src = {r, get_stored, release_stored};

	claim_resolve(&r->claim, &e, &src, &m->claim_chunks, &m->body, &m->body_len,
				  m->claim_error, sizeof(m->claim_error));
}

int
stream_reader_ack(StreamReader *r, const char *reply)
{
	return reply != NULL && natsConnection_PublishString(r->nc, reply, "+ACK") == NATS_OK ? 0 : -1;
}

const char *
stream_message_reply(const StreamMessage *m)
{
	return natsMsg_GetReply(m->msg);
}

int
stream_reader_next(StreamReader *r, int64_t timeout_ms, StreamMessage *m,
				   char *error, size_t error_size)
{
	for (;;)
	{
		natsMsg    *msg = NULL;
		jsMsgMetaData *meta = NULL;
		natsStatus	s;
		const char *of;
		const char *chunks;

		natsMsg_Destroy(r->current);
		r->current = NULL;
		s = natsSubscription_NextMsg(&msg, r->sub, timeout_ms);
		if (s == NATS_TIMEOUT)
		{
			if (!natsConnection_IsClosed(r->nc))
				return 0;
			s = NATS_CONNECTION_CLOSED;
		}
		if (s == NATS_SLOW_CONSUMER && r->opts.durable == NULL)
			continue;			/* the ordered consumer starts again after its gap */
		if (s == NATS_SLOW_CONSUMER)
		{
			/* the durable's dropped messages would come back only after their ack wait */
			snprintf(error, error_size, "reading JetStream stream %s: messages were dropped (slow consumer); start again to resume from the lake",
					 r->stream);
			return -1;
		}
		if (s != NATS_OK)
		{
			snprintf(error, error_size, "reading JetStream stream %s at %s: %s%s", r->stream,
					 r->auth->url_shown, natsStatus_GetText(s),
					 s == NATS_CONNECTION_CLOSED ? " (the connection to NATS is lost)" : "");
			return -1;
		}
		if (natsMsg_GetMetaData(&meta, msg) != NATS_OK)
		{
			natsMsg_Destroy(msg);
			continue;			/* not a stored message */
		}
		memset(m, 0, sizeof(*m));
		m->msg = msg;
		m->seq = meta->Sequence.Stream;
		m->pending = meta->NumPending;
		m->stored_ns = meta->Timestamp;
		if (r->opts.durable != NULL && meta->Sequence.Consumer != r->last_consumer_seq + 1)
		{
			snprintf(error, error_size, "reading JetStream stream %s: delivery %llu came after %llu (messages were lost on the way); start again to resume from the lake",
					 r->stream, (unsigned long long) meta->Sequence.Consumer,
					 (unsigned long long) r->last_consumer_seq);
			jsMsgMetaData_Destroy(meta);
			natsMsg_Destroy(msg);
			return -1;
		}
		r->last_consumer_seq = meta->Sequence.Consumer;
		r->caught_up = meta->NumPending == 0;
		jsMsgMetaData_Destroy(meta);
		r->current = msg;
		if (m->seq <= r->last_seq)
			continue;			/* delivered again by a re-created consumer */
		r->last_seq = m->seq;
		m->id = stream_header(msg, "Nats-Msg-Id");
		of = stream_header(msg, "W2e-Claim-Of");
		if (of != NULL)
		{
			ClaimChunk	chunk;

			claim_chunk_of(msg, &chunk);
			claim_collect(&r->claim, &chunk);
			if (!r->opts.chunks)
				continue;
			m->is_chunk = 1;
			return 1;
		}
		chunks = stream_header(msg, "W2e-Claim-Chunks");
		if (chunks != NULL)
			resolve_claim(r, m, chunks);
		else
		{
			m->body = (const uint8_t *) natsMsg_GetData(msg);
			m->body_len = (size_t) natsMsg_GetDataLength(msg);
		}
		return 1;
	}
}

int
stream_reader_drained(StreamReader *r)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode	jerr = 0;
	int			drained;

	if (r->caught_up)
		return 1;
	/* (nats.c answers "invalid subscription" for a subscription bound to a durable) */
	if ((r->opts.durable != NULL ?
		 js_GetConsumerInfo(&ci, r->js, r->stream, r->opts.durable, NULL, &jerr) :
		 natsSubscription_GetConsumerInfo(&ci, r->sub, NULL, &jerr)) != NATS_OK)
		return 0;
	if (r->opts.durable != NULL)	/* its consumer sequence began before this reader */
		drained = ci->NumPending == 0 && ci->Delivered.Stream <= r->last_seq;
	else
		drained = ci->NumPending == 0 && ci->Delivered.Consumer == r->last_consumer_seq;
	jsConsumerInfo_Destroy(ci);
	if (drained)
		r->caught_up = 1;
	return drained;
}

int
stream_message_is_transaction(const StreamMessage *m)
{
	const char *type = stream_header(m->msg, "Content-Type");

	return type != NULL && strcmp(type, STREAM_TRANSACTION_TYPE) == 0;
}

static int
claim_failed(const StreamMessage *m, char *error, size_t error_size)
{
	if (m->claim_error[0] == '\0')
		return 0;
	snprintf(error, error_size, "message %llu on %s (%.200s): its claim check does not resolve: %s",
			 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "", m->claim_error);
	return -1;
}

W2eTransaction *
stream_message_transaction(const StreamMessage *m, char *error, size_t error_size)
{
	W2eError	err;
	W2eTransaction *txn;

	if (claim_failed(m, error, error_size) != 0)
		return NULL;
	txn = w2e_transaction_parse(m->body, m->body_len, NULL, &err);
	if (txn == NULL)
		snprintf(error, error_size, "message %llu on %s (%.200s): not a Transaction: %s",
				 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg),
				 m->id != NULL ? m->id : "no Nats-Msg-Id", err.message);
	return txn;
}

/* A transaction message as w2e_transaction_to_json's line. */
static int
transaction_json(const StreamMessage *m, W2eBuffer *out, char *error, size_t error_size)
{
	W2eTransaction *txn = stream_message_transaction(m, error, error_size);
	W2eError	err;
	int			rc;

	if (txn == NULL)
		return -1;
	rc = w2e_transaction_to_json(txn, out, &err);
	if (rc != 0)
		snprintf(error, error_size, "message %llu on %s: %s", (unsigned long long) m->seq,
				 natsMsg_GetSubject(m->msg), err.message);
	w2e_transaction_free(txn, NULL);
	return rc;
}

int
stream_message_json(const StreamMessage *m, StreamPayload payload, W2eBuffer *out,
					char *error, size_t error_size)
{
	const char *type = stream_header(m->msg, "Content-Type");
	W2eError	err;
	int			json;

	if (claim_failed(m, error, error_size) != 0)
		return -1;
	if (payload == STREAM_PAYLOAD_AUTO && stream_message_is_transaction(m))
		return transaction_json(m, out, error, error_size);
	if (payload == STREAM_PAYLOAD_AUTO)
	{
		if (type == NULL || strncmp(type, "application/x-protobuf", 22) == 0)
			json = 0;
		else if (strcmp(type, "application/json") == 0)
			json = 1;
		else
		{
			snprintf(error, error_size,
					 "message %llu on %s has Content-Type '%.100s', neither application/x-protobuf nor application/json (--payload protobuf or json reads it anyway)",
					 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg), type);
			return -1;
		}
	}
	else
		json = payload == STREAM_PAYLOAD_JSON;
	if ((json ? envelope_json_line(m->body, m->body_len, out, &err)
		 : envelope_protobuf_to_json(m->body, m->body_len, out, &err)) != 0)
	{
		snprintf(error, error_size, "message %llu on %s%s%.200s%s: %s (%s)",
				 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg),
				 m->id != NULL ? " (id " : "", m->id != NULL ? m->id : "", m->id != NULL ? ")" : "",
				 err.message,
				 m->id == NULL ? "no Nats-Msg-Id: was it written by wal2events ship?"
				 : json ? "read as --payload json" : "read as --payload protobuf");
		return -1;
	}
	return 0;
}
