/*
 * replay_hub.c
 *    Republishing the lake's events into a stream (see replay_hub.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lake_json.h"
#include "nats_header.h"
#include "nats_wire.h"
#include "replay_hub.h"
#include "ship_common.h"
#include "stream_reader.h"
#include "subject.h"

#define CONNECT_TIMEOUT_MS 3000
#define ACK_TIMEOUT_MS 10000	/* unacknowledged this long: sent again */
#define RECONNECT_LIMIT_MS 60000	/* the hub gone this long: give up */
#define FLUSH_AT (256 * 1024)	/* bytes queued before a write */
#define READ_EVERY 256			/* messages between two looks at the acknowledgements */

typedef struct Pending
{
	char	   *buf;			/* subject, header lines, body */
	size_t		cap;
	size_t		subject_len;
	size_t		headers_len;
	size_t		body_len;
	uint64_t	token;
	int64_t		sent_ms;
	int			acked;
} Pending;

struct ReplayHub
{
	ReplayHubOptions opts;
	natsOptions *nopts;
	natsConnection *nc;
	jsCtx	   *js;
	NatsWire	wire;
	Pending    *ring;
	size_t		cap;
	size_t		head;
	size_t		count;
	uint64_t	next_token;
	uint64_t	since_read;
	int			lost;			/* the publishing connection failed */
	char		fatal[600];		/* an answer that retrying cannot fix */
	W2eBuffer	subject;
	ReplayHubStats stats;
};

static int
connect_hub(ReplayHub *h, char *error, size_t size)
{
	jsOptions	jo;
	natsStatus	s = natsOptions_Create(&h->nopts);

	if (s == NATS_OK)
		s = nats_auth_apply(h->opts.auth, h->nopts);
	if (s == NATS_OK)
		s = natsOptions_SetName(h->nopts, "wal2events replay");
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(h->nopts, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(h->nopts, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(h->nopts, 500);
	if (s == NATS_OK)
		s = natsConnection_Connect(&h->nc, h->nopts);
	if (s != NATS_OK)
	{
		nats_connect_error(h->opts.auth, s, "--to", error, size);
		return -1;
	}
	jsOptions_Init(&jo);
	jo.Wait = 5000;
	if (natsConnection_JetStream(&h->js, h->nc, &jo) != NATS_OK)
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	return 0;
}

/* Refuse a stream a shipper writes: its newest message has W2e-Source. */
static int
check_not_shipped(ReplayHub *h, const jsStreamInfo *si, char *error, size_t size)
{
	natsMsg    *msg = NULL;
	jsErrCode	jerr = 0;
	const char *source;

	if (si->State.LastSeq == 0 ||
		js_GetMsg(&msg, h->js, h->opts.stream, si->State.LastSeq, NULL, &jerr) != NATS_OK)
		return 0;
	source = stream_header(msg, "W2e-Source");
	if (source != NULL)
		snprintf(error, size,
				 "JetStream stream %s holds events of wal2events ship (W2e-Source %.200s): replay into a stream of its own (--create-stream NAME), never into one a shipper writes",
				 h->opts.stream, source);
	natsMsg_Destroy(msg);
	return source != NULL ? -1 : 0;
}

static int
setup_stream(ReplayHub *h, char *error, size_t size)
{
	jsStreamInfo *si = NULL;
	jsStreamConfig cfg;
	jsErrCode	jerr = 0;
	char		subjects[2][256];
	const char *list[2];
	char		patterns[2][256];
	int			n = subject_stream_subjects(h->opts.subject, subjects);
	natsStatus	s = js_GetStreamInfo(&si, h->js, h->opts.stream, NULL, &jerr);
	int			i,
				covered = 0;

	if (n < 0 || subject_patterns(h->opts.subject, patterns) < 0)
	{
		snprintf(error, size, "--subject '%s' is too long", h->opts.subject);
		return -1;
	}
	if (s == NATS_OK)
	{
		int			rc = check_not_shipped(h, si, error, size);

		for (i = 0; rc == 0 && i < si->Config->SubjectsLen && !covered; i++)
			covered = subject_covers(si->Config->Subjects[i], patterns[0]);
		if (rc == 0 && !covered)
		{
			char		stored[300];

			stream_list_subjects(si->Config, stored, sizeof(stored));
			snprintf(error, size, "JetStream stream %s stores %s, not the subjects of --subject %s (%s): fix --subject or replay into another stream",
					 h->opts.stream, stored, h->opts.subject, patterns[0]);
			rc = -1;
		}
		jsStreamInfo_Destroy(si);
		return rc;
	}
	if (!(s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr))
	{
		snprintf(error, size, "cannot read JetStream stream %s: %s", h->opts.stream, natsStatus_GetText(s));
		return -1;
	}
	if (!h->opts.create)
	{
		snprintf(error, size, "JetStream stream %s does not exist (give --create-stream %s to make it)",
				 h->opts.stream, h->opts.stream);
		return -1;
	}
	jsStreamConfig_Init(&cfg);
	cfg.Name = h->opts.stream;
	for (i = 0; i < n; i++)
		list[i] = subjects[i];
	cfg.Subjects = list;
	cfg.SubjectsLen = n;
	cfg.Storage = js_FileStorage;
	s = js_AddStream(&si, h->js, &cfg, NULL, &jerr);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot create JetStream stream %s (subjects %s): %s (JetStream error %d)",
				 h->opts.stream, subjects[0], natsStatus_GetText(s), (int) jerr);
		return -1;
	}
	jsStreamInfo_Destroy(si);
	ship_log("created JetStream stream %s (subjects %s%s%s, file storage)", h->opts.stream,
			 subjects[0], n > 1 ? ", " : "", n > 1 ? subjects[1] : "");
	return 0;
}

static int
open_wire(ReplayHub *h, char *error, size_t size)
{
	char		url[1024];

	if (natsConnection_GetConnectedUrl(h->nc, url, sizeof(url)) != NATS_OK || url[0] == '\0')
	{
		snprintf(error, size, "not connected to NATS");
		return -1;
	}
	if (wire_open(&h->wire, url, h->opts.auth, CONNECT_TIMEOUT_MS) != 0)
	{
		snprintf(error, size, "cannot connect to NATS at %s: %s", h->opts.auth->url_shown, h->wire.error);
		return -1;
	}
	h->lost = 0;
	return 0;
}

ReplayHub *
replay_hub_open(const ReplayHubOptions *opts, char *error, size_t size)
{
	ReplayHub  *h = calloc(1, sizeof(ReplayHub));

	if (h == NULL || (h->ring = calloc((size_t) opts->max_inflight, sizeof(Pending))) == NULL)
	{
		free(h);
		snprintf(error, size, "out of memory");
		return NULL;
	}
	h->opts = *opts;
	h->cap = (size_t) opts->max_inflight;
	h->next_token = 1;
	wire_init(&h->wire);
	w2e_buffer_init(&h->subject, NULL);
	if (connect_hub(h, error, size) != 0 || setup_stream(h, error, size) != 0 ||
		open_wire(h, error, size) != 0)
	{
		replay_hub_close(h);
		return NULL;
	}
	return h;
}

static Pending *
pending_at(ReplayHub *h, size_t i)
{
	return &h->ring[(h->head + i) % h->cap];
}

typedef struct Answer
{
	int			duplicate;
	int			error;
	W2eBuffer	description;
} Answer;

static int
answer_field(void *ctx, const char *name, size_t len, const LakeJsonValue *v)
{
	Answer	   *a = ctx;

	if (LAKE_JSON_IS(name, len, "duplicate"))
		a->duplicate = v->kind == 't';
	else if (LAKE_JSON_IS(name, len, "error"))
		a->error = 1;
	else if (LAKE_JSON_IS(name, len, "description"))
		lake_json_string(v, &a->description);
	if (a->error && v->kind == 'o')
		return lake_json_members(v->text, v->len, answer_field, a) < 0 ? -1 : 0;
	return 0;
}

static void
on_reply(void *ctx, uint64_t token, int status, const char *body, size_t len)
{
	ReplayHub  *h = ctx;
	Pending    *p;
	Answer		a = {0, 0, {0}};

	if (h->count == 0 || token < pending_at(h, 0)->token ||
		token - pending_at(h, 0)->token >= h->count)
		return;					/* an answer to a message settled already */
	p = pending_at(h, (size_t) (token - pending_at(h, 0)->token));
	if (p->acked)
		return;
	if (status == 503)
	{
		snprintf(h->fatal, sizeof(h->fatal), "no JetStream stream stores subject %.*s (check --subject against stream %s)",
				 (int) p->subject_len, p->buf, h->opts.stream);
		return;
	}
	w2e_buffer_init(&a.description, NULL);
	if (lake_json_members(body, len, answer_field, &a) != 0 || a.error)
		snprintf(h->fatal, sizeof(h->fatal), "JetStream refused a message on %.*s: %.300s",
				 (int) p->subject_len, p->buf,
				 a.description.len > 0 ? a.description.data : "(an answer that is not JSON)");
	else
	{
		p->acked = 1;
		h->stats.acked++;
		h->stats.duplicates += a.duplicate;
	}
	w2e_buffer_free(&a.description);
}

static void
send(ReplayHub *h, Pending *p)
{
	const char *hdrs = p->buf + p->subject_len;

	if (wire_publish(&h->wire, p->buf, p->subject_len, p->token, hdrs, p->headers_len,
					 hdrs + p->headers_len, p->body_len) != 0)
		snprintf(h->fatal, sizeof(h->fatal), "out of memory");
	p->sent_ms = ship_now_ms();
	h->stats.published++;
}

/* Every message not acknowledged, again, in its order. */
static void
resend(ReplayHub *h)
{
	size_t		i;

	for (i = 0; i < h->count; i++)
		if (!pending_at(h, i)->acked)
		{
			send(h, pending_at(h, i));
			h->stats.resent++;
		}
}

static int
reconnect(ReplayHub *h, char *error, size_t size)
{
	int64_t		deadline = ship_now_ms() + RECONNECT_LIMIT_MS;
	char		why[400];

	ship_log("lost the publishing connection to NATS (%s); reconnecting", h->wire.error);
	wire_close(&h->wire);
	while (ship_now_ms() < deadline)
	{
		struct timespec pause = {0, 250 * 1000000L};

		if (natsConnection_Status(h->nc) == NATS_CONN_STATUS_CONNECTED &&
			open_wire(h, why, sizeof(why)) == 0)
		{
			ship_log("reconnected to NATS; sending the %zu messages not acknowledged again", h->count);
			resend(h);
			return 0;
		}
		nanosleep(&pause, NULL);
	}
	snprintf(error, size, "lost the connection to NATS at %s for %d s", h->opts.auth->url_shown,
			 RECONNECT_LIMIT_MS / 1000);
	return -1;
}

/* Write, read acknowledgements for up to wait_ms, settle. 0, or -1 with error. */
static int
pump(ReplayHub *h, int wait_ms, char *error, size_t size)
{
	struct pollfd pfd = {h->wire.fd, POLLIN, 0};

	if (!h->lost && wire_flush(&h->wire) != 0)
		h->lost = 1;
	if (!h->lost)
	{
		if (wire_unsent(&h->wire) > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, wait_ms) > 0)
		{
			if ((pfd.revents & POLLOUT) && wire_flush(&h->wire) != 0)
				h->lost = 1;
			if (!h->lost && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
				wire_read(&h->wire, on_reply, h) != 0)
				h->lost = 1;
		}
	}
	if (h->fatal[0] != '\0')
	{
		snprintf(error, size, "%s", h->fatal);
		return -1;
	}
	if (h->lost && reconnect(h, error, size) != 0)
		return -1;
	while (h->count > 0 && pending_at(h, 0)->acked)
	{
		h->head = (h->head + 1) % h->cap;
		h->count--;
	}
	if (h->count > 0 && ship_now_ms() - pending_at(h, 0)->sent_ms > ACK_TIMEOUT_MS)
	{
		ship_log("no acknowledgement for %d s: sending the %zu messages not acknowledged again (their ids make the stream drop what it has)",
				 ACK_TIMEOUT_MS / 1000, h->count);
		resend(h);
	}
	return 0;
}

static int
reserve(Pending *p, size_t n)
{
	char	   *buf;

	if (p->cap >= n)
		return 0;
	buf = realloc(p->buf, n);
	if (buf == NULL)
		return -1;
	p->buf = buf;
	p->cap = n;
	return 0;
}

/* subject, headers and body of e into p. 0, or -1 (out of memory). */
static int
compose(ReplayHub *h, Pending *p, const LakeEvent *e)
{
	SubjectValues v = {e->type.data, e->schema.data, e->table.data, e->database.data,
	e->partition_key.data};
	char		lsn[32];
	char	   *q;
	size_t		room;

	if (subject_render(h->opts.subject, &v, &h->subject) != 0)
		return -1;
	w2e_lsn_format(lsn, e->commit_lsn);
	room = h->subject.len + 1024 + e->id.len + strlen(h->opts.lake_stream) +
		3 * (NATS_HEADER_ENCODED_MAX + W2E_HASH_SUFFIX_LEN) + e->body_len;
	if (reserve(p, room) != 0)
		return -1;
	memcpy(p->buf, h->subject.data, h->subject.len);
	p->subject_len = h->subject.len;
	q = p->buf + p->subject_len;
	q = PUT_HEADER(q, "Nats-Msg-Id", e->id.data, e->id.len);
	q = e->format == LAKE_FORMAT_PROTOBUF ?
		PUT_LIT(q, "Content-Type: application/x-protobuf; proto=wal2events.v1.EventEnvelope\r\n") :
		PUT_LIT(q, "Content-Type: application/json\r\n");
	q = nats_put_header_encoded(q, "W2e-Type: ", 10, e->type.data);
	q = nats_put_header_encoded(q, "W2e-Partition-Key: ", 19, e->partition_key.data);
	q = PUT_HEADER(q, "W2e-Commit-Lsn", lsn, strlen(lsn));
	q = PUT_LIT(q, "W2e-Position: ");
	q += ship_put_decimal(q, e->position);
	q = PUT_LIT(q, "\r\nW2e-Xid: ");
	q += ship_put_decimal(q, e->xid);
	q = PUT_LIT(q, "\r\nW2e-System-Identifier: ");
	q += ship_put_decimal(q, e->system_identifier);
	q = PUT_LIT(q, "\r\n");
	q = nats_put_header_encoded(q, "W2e-Database: ", 14, e->database.data);
	q = PUT_HEADER(q, "W2e-Replay", h->opts.lake_stream, strlen(h->opts.lake_stream));
	p->headers_len = (size_t) (q - p->buf) - p->subject_len;
	memcpy(q, lake_event_body(e), e->body_len);
	p->body_len = e->body_len;
	return 0;
}

int
replay_hub_publish(ReplayHub *h, const LakeEvent *e, char *error, size_t size)
{
	Pending    *p;

	while (h->count == h->cap)
		if (pump(h, 1000, error, size) != 0)
			return -1;
	p = pending_at(h, h->count);
	if (compose(h, p, e) != 0)
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	if (h->wire.max_payload > 0 &&
		(int64_t) (p->headers_len + wire_header_size(p->headers_len) + p->body_len) > h->wire.max_payload)
	{
		snprintf(error, size,
				 "event %.200s is %zu bytes, more than the NATS server's max_payload (%lld): replay does not cut events into claim checks; raise max_payload of the server replay writes to",
				 e->id.data, e->body_len, (long long) h->wire.max_payload);
		return -1;
	}
	p->token = h->next_token++;
	p->acked = 0;
	h->count++;
	send(h, p);
	if (wire_unsent(&h->wire) >= FLUSH_AT || ++h->since_read >= READ_EVERY)
	{
		h->since_read = 0;
		return pump(h, 0, error, size);
	}
	return 0;
}

int
replay_hub_finish(ReplayHub *h, char *error, size_t size)
{
	while (h->count > 0)
		if (pump(h, 1000, error, size) != 0)
			return -1;
	return 0;
}

const ReplayHubStats *
replay_hub_stats(const ReplayHub *h)
{
	return &h->stats;
}

void
replay_hub_close(ReplayHub *h)
{
	size_t		i;

	if (h == NULL)
		return;
	wire_free(&h->wire);
	for (i = 0; i < h->cap; i++)
		free(h->ring[i].buf);
	free(h->ring);
	w2e_buffer_free(&h->subject);
	if (h->js != NULL)
		jsCtx_Destroy(h->js);
	if (h->nc != NULL)
	{
		natsConnection_Close(h->nc);
		natsConnection_Destroy(h->nc);
	}
	if (h->nopts != NULL)
		natsOptions_Destroy(h->nopts);
	free(h);
}
