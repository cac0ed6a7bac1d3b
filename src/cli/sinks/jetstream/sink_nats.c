/*
 * sink_nats.c
 *    The NATS JetStream sink: connect and check at start, publish with a
 *    bounded window, recover from a hub that is down or rejecting.
 *
 * See nats_sink_state.h for how each message's fate becomes known in a stream
 * several shippers may share. Here: at start, the source's high-water
 * mark and a scan of the stream from it say where to resume and which
 * later messages are stored already; while anything failed, no new event
 * is taken (the main loop stops reading PostgreSQL but keeps its
 * connection alive); once nothing is pending any more, and after a capped
 * exponential backoff, a scan of the stream tells which failed messages
 * are stored and the rest is sent again, in order (after connecting the
 * publishing connection again if it was lost). About once a second the
 * high-water mark is written.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_sink_state.h"

#define RECONNECT_WAIT_MS 500
#define PING_INTERVAL_MS 5000
#define API_WAIT_MS 5000
#define RETRY_FIRST_MS 250
#define MAX_UNSENT ((size_t) 4 << 20)	/* queued and not written: take no more events */
#define UNSENT_RETRY_MS 1
#define MARK_WRITE_MS 1000		/* the high-water mark is written this often at most */

static const SinkOps nats_ops;

static void
retry_later(NatsSink *ns, int64_t now, const char *reason)
{
	int64_t		delay = backoff_next(&ns->backoff);

	ns->retry_at = now + delay;
	ship_log("event hub still unavailable: %s; retrying in %lld ms", reason, (long long) delay);
}

/* Which failed messages the stream holds: stored; every message sent from now on is above last_seq. */
static int
look_up_failed(NatsSink *ns, char *error, size_t size)
{
	StoredKeys	found = {0};
	uint64_t	last_seq;
	size_t		k;

	if (nats_stream_scan(ns->js, ns->stream.name, nats_scan_floor(ns) + 1, ns->source_id,
						 &found, &last_seq, error, size) != 0)
	{
		stored_keys_free(&found);
		return -1;
	}
	for (k = 0; k < ns->count; k++)
	{
		Entry	   *e = nats_entry_at(ns, k);
		const StoredKey *hit = e->state == ENTRY_FAILED ? stored_keys_find(&found, &e->key) : NULL;

		if (hit != NULL)
		{
			e->state = ENTRY_ACKED;
			e->seq = hit->seq;
		}
	}
	stored_keys_free(&found);
	if (last_seq > ns->max_seen)
		ns->max_seen = last_seq;
	ns->have_ref = 1;
	ns->ref_sent = ns->sent_count;
	ns->ref_seq = last_seq;
	return 0;
}

/* Find out which failed messages are stored; send the rest again, in order. */
static int
recover(NatsSink *ns, int64_t now)
{
	char		error[300];
	size_t		k;
	uint64_t	resent = 0;

	if (nats_any_pending(ns) || now < ns->retry_at)
		return 0;
	if (natsConnection_Status(ns->nc) != NATS_CONN_STATUS_CONNECTED)
	{
		retry_later(ns, now, "not connected to NATS");
		return 0;
	}
	if (ns->wire.fd < 0 && nats_wire_open(ns, error, sizeof(error)) != 0)
	{
		retry_later(ns, now, error);
		return 0;
	}
	if (look_up_failed(ns, error, sizeof(error)) != 0)
	{
		retry_later(ns, now, error);
		return 0;
	}
	ns->recovering = 0;
	for (k = 0; k < ns->count && !ns->recovering; k++)
	{
		Entry	   *e = nats_entry_at(ns, k);

		if (e->state != ENTRY_FAILED)
			continue;
		if (nats_send(ns, e) != 0)
			return -1;
		resent++;
	}
	ns->base.stats.retries += resent;
	nats_pop_stored(ns);
	if (!ns->recovering && resent == 0)
		ns->base.stats.hub_down = 0;	/* nothing to wait for: the hub answered (an idle shipper is up again) */
	if (!ns->recovering)
		ship_log("event hub available again: stream %s holds this shipper's messages up to sequence %llu; sent %llu messages again",
				 ns->stream.name, (unsigned long long) ns->max_seen, (unsigned long long) resent);
	return 0;
}

/*
 * The high-water mark, when it moved and is due, handed to its writer
 * (nats_mark_writer.c: the loop never waits for the hub's answer); at close
 * (force), written before the connection goes.
 */
static void
write_mark(NatsSink *ns, int64_t now, int force)
{
	HighWater	hw = ns->stored;

	if (!ns->mark.started)
		return;
	nats_mark_report(ns);
	if (ns->recovering || (!force && now < ns->mark_due))
		return;
	ns->mark_due = now + MARK_WRITE_MS;
	hw.scan_from = nats_scan_floor(ns);
	if (hw.have_key == ns->written.have_key && hw.scan_from == ns->written.scan_from &&
		(!hw.have_key || msg_key_compare(&hw.key, &ns->written.key) == 0))
		return;
	nats_mark_hand(ns, &hw);
}

static int
nats_publish(Sink *sink, const Envelope *ev, uint64_t ticket)
{
	NatsSink   *ns = (NatsSink *) sink;

	if (nats_publish_event(ns, ev, ticket) != 0)
	{
		if (sink->error[0] == '\0')
		{
			snprintf(sink->error, sizeof(sink->error), "out of memory publishing event %s", ev->env.id);
			sink->error_status = CLI_EXIT_FAILURE;
		}
		return -1;
	}
	return 0;
}

static int
nats_ready(Sink *sink)
{
	NatsSink   *ns = (NatsSink *) sink;

	return !ns->recovering && !ns->moving && !ns->stalled && ns->wire.fd >= 0 &&
		ns->count < (size_t) ns->common.max_inflight &&
		ns->inflight_bytes < ns->common.max_inflight_bytes &&
		wire_unsent(&ns->wire) < MAX_UNSENT;
}

static int
nats_poll(Sink *sink, int64_t now)
{
	NatsSink   *ns = (NatsSink *) sink;

	nats_read_acks(ns);
	if (ns->wire.fd >= 0 && wire_unsent(&ns->wire) > 0 && wire_flush(&ns->wire) != 0)
		nats_connection_lost(ns, ns->wire.error);
	if (ns->wire.fd >= 0)
		nats_check_timeouts(ns, now);
	nats_pop_stored(ns);
	nats_failover_poll(ns, now);
	if (ns->stop)
		return -1;
	if (ns->recovering)
		return recover(ns, now);
	write_mark(ns, now, 0);
	return 0;
}

/* Write what was sent; the newest message asks for an acknowledgement. */
static int
nats_flush(Sink *sink)
{
	NatsSink   *ns = (NatsSink *) sink;

	if (nats_write_deferred(ns, 1) != 0)
		return -1;
	if (ns->wire.fd >= 0 && wire_flush(&ns->wire) != 0)
		nats_connection_lost(ns, ns->wire.error);
	return 0;
}

static int
nats_wait_fd(Sink *sink)
{
	return ((NatsSink *) sink)->wire.fd;
}

static int64_t
nats_next_deadline(Sink *sink, int64_t now)
{
	NatsSink   *ns = (NatsSink *) sink;
	int64_t		ack = nats_ack_deadline(ns);
	int64_t		next = nats_failover_deadline(ns, now);

	if (ns->recovering && (next < 0 || ns->retry_at - now < next))
		next = ns->retry_at > now ? ns->retry_at - now : 0;
	if (ack > 0 && (next < 0 || ack - now < next))
		next = ack > now ? ack - now : 0;
	if (ns->wire.fd >= 0 && wire_unsent(&ns->wire) > 0 && (next < 0 || next > UNSENT_RETRY_MS))
		next = UNSENT_RETRY_MS; /* the socket was full: try again soon */
	return next;
}

static void
nats_close(Sink *sink)
{
	NatsSink   *ns = (NatsSink *) sink;

	if (ns->nc != NULL && !ns->stop)
	{
		nats_read_acks(ns);
		nats_pop_stored(ns);
		write_mark(ns, ship_now_ms(), 1);
	}
	nats_mark_stop(ns, API_WAIT_MS);
	ns->closing = 1;
	if (ns->kv != NULL)
		kvStore_Destroy(ns->kv);
	stored_keys_free(&ns->found);
	wire_free(&ns->wire);
	nats_entries_free(ns);
	if (ns->js != NULL)
		jsCtx_Destroy(ns->js);
	if (ns->nc != NULL)
	{
		natsConnection_Close(ns->nc);
		natsConnection_Destroy(ns->nc);
	}
	if (ns->nopts != NULL)
		natsOptions_Destroy(ns->nopts);
	nats_CloseAndWait(2000);	/* nats.c's threads are gone after this */
	w2e_buffer_free(&ns->common_headers);
	w2e_buffer_free(&ns->subject);
	w2e_buffer_free(&ns->claim_subject);
	w2e_buffer_free(&ns->scratch);
	free(ns->route_template);
	free(ns);
}

static const SinkOps nats_ops = {
	nats_publish, nats_ready, nats_poll, nats_flush, nats_wait_fd,
	nats_next_deadline, nats_close
};

static void
on_disconnected(natsConnection *nc, void *closure)
{
	if (!((NatsSink *) closure)->closing)
		ship_log("lost the connection to NATS; reconnecting");
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
	char		url[256];

	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK)
		url[0] = '\0';
	ship_log("reconnected to NATS at %s", url);
}

static void
on_lame_duck(natsConnection *nc, void *closure)
{
	ship_log("the NATS server of the JetStream API connection entered lame-duck mode (it reconnects to another server when this one closes it)");
}

static natsStatus
set_options(NatsSink *ns)
{
	natsOptions *o = NULL;
	natsStatus	s = natsOptions_Create(&o);

	ns->nopts = o;
	if (s == NATS_OK)
		s = nats_auth_apply(&ns->opts->auth, o);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "wal2events ship");
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, NATS_CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, RECONNECT_WAIT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, PING_INTERVAL_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(o, 3);

	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, ns);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, ns);
	if (s == NATS_OK)
		s = natsOptions_SetLameDuckModeCB(o, on_lame_duck, ns);
	return s;
}

/* Connection, JetStream context, and JetStream enabled on the server. */
static int
connect_hub(NatsSink *ns, char *error, size_t size)
{
	jsOptions	jo;
	jsAccountInfo *info = NULL;
	jsErrCode	jerr = 0;
	natsStatus	s = set_options(ns);

	if (s == NATS_OK)
		s = natsConnection_Connect(&ns->nc, ns->nopts);
	if (s != NATS_OK)
	{
		nats_connect_error(&ns->opts->auth, s, "--to", error, size);
		return -1;
	}
	jsOptions_Init(&jo);
	jo.Wait = API_WAIT_MS;
	s = natsConnection_JetStream(&ns->js, ns->nc, &jo);
	if (s == NATS_OK)
		s = js_GetAccountInfo(&info, ns->js, NULL, &jerr);
	if (info != NULL)
		jsAccountInfo_Destroy(info);
	if (s != NATS_OK)
	{
		snprintf(error, size, "JetStream is not available on the NATS server at %s: %s (start nats-server with -js)",
				 ns->opts->auth.url_shown, natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

/*
 * A stream an older shipper (before W2e-Source) wrote for this database:
 * its newest message, when ours, is where to resume.
 */
static int
legacy_tail(NatsSink *ns, HighWater *hw, char *error, size_t size)
{
	StreamTail	tail;

	if (nats_stream_tail(ns->js, ns->stream.name, &ns->source, &tail, error, size) != 0)
		return -1;
	if (tail.state == TAIL_OURS)
	{
		hw->have_key = 1;
		hw->key = tail.key;
	}
	return 0;
}

/*
 * Where to resume: the high-water mark, then the messages of ours stored
 * after it (kept in found: not sent again). Without a mark (first start,
 * or the stream was made again) the whole stream is scanned.
 */
static int
find_tail(NatsSink *ns, char *error, size_t size)
{
	HighWater	hw;
	uint64_t	last_seq;
	int			marked;
	size_t		k;

	if (nats_position_open(ns, error, size) != 0 ||
		(marked = nats_position_read(ns, &hw, error, size)) < 0 ||
		(!marked && legacy_tail(ns, &hw, error, size) != 0) ||
		nats_stream_scan(ns->js, ns->stream.name, hw.scan_from + 1, ns->source_id, &ns->found,
						 &last_seq, error, size) != 0)
		return -1;
	/* found: only what lies after the tail; scans from the first of those on */
	ns->max_seen = last_seq;
	for (k = 0; k < ns->found.count; k++)
		if (!hw.have_key || msg_key_compare(&ns->found.keys[k].key, &hw.key) > 0)
		{
			if (ns->found.keys[k].seq - 1 < ns->max_seen)
				ns->max_seen = ns->found.keys[k].seq - 1;
		}
	ns->written = hw;
	ns->stored = hw;
	ns->have_ref = 1;
	ns->ref_sent = 0;
	ns->ref_seq = last_seq;
	if (hw.have_key)
	{
		ns->base.have_tail = 1;
		ns->base.tail = hw.key;
		ns->have_start_tail = 1;
		ns->start_tail = hw.key;
	}
	ship_log("shipping to JetStream stream %s at %s as source %s, resuming after %s (%s), %zu later messages of this source already stored",
			 ns->stream.name, ns->opts->auth.url_shown, ns->source_id,
			 hw.have_key ? "its high-water mark" : "nothing",
			 marked ? "scanned from the mark" : "no mark: scanned the whole stream", ns->found.count);
	return 0;
}

Sink *
sink_nats_open(const void *options, const SinkCommon *common, const SinkSource *source,
			   char *error, size_t error_size, int *status)
{
	const JetStreamOptions *opts = options;
	char		line[400];
	NatsSink   *ns = calloc(1, sizeof(NatsSink));

	*status = SHIP_EXIT_HUB;
	if (ns == NULL)
	{
		snprintf(error, error_size, "out of memory");
		*status = CLI_EXIT_FAILURE;
		return NULL;
	}
	ns->base.ops = &nats_ops;
	ns->opts = opts;
	ns->common = *common;
	wire_init(&ns->wire);
	ns->ack_every = common->max_inflight / 4 < ACK_EVERY ? (uint64_t) common->max_inflight / 4 : ACK_EVERY;
	if (ns->ack_every == 0)
		ns->ack_every = 1;
	w2e_buffer_init(&ns->common_headers, NULL);
	w2e_buffer_init(&ns->subject, NULL);
	w2e_buffer_init(&ns->claim_subject, NULL);
	w2e_buffer_init(&ns->scratch, NULL);
	snprintf(ns->database, sizeof(ns->database), "%s", nats_header_value(ns, source->database));
	snprintf(ns->system_identifier, sizeof(ns->system_identifier), "%llu",
			 (unsigned long long) source->system_identifier);
	ns->source.system_identifier = source->system_identifier;
	ns->source.database = ns->database;
	ns->source.slot = source->slot;
	backoff_init(&ns->backoff, RETRY_FIRST_MS, common->retry_max_ms);
	if (connect_hub(ns, error, error_size) != 0 ||
		nats_stream_setup(ns->js, opts, &ns->stream, error, error_size) != 0)
	{
		nats_close(&ns->base);
		return NULL;
	}
	nats_position_names(ns, source);
	if (w2e_buffer_append_str(&ns->common_headers, "W2e-Database: ") != 0 ||
		w2e_buffer_append_str(&ns->common_headers, ns->database) != 0 ||
		w2e_buffer_append_str(&ns->common_headers, "\r\nW2e-System-Identifier: ") != 0 ||
		w2e_buffer_append_str(&ns->common_headers, ns->system_identifier) != 0 ||
		w2e_buffer_append_str(&ns->common_headers, "\r\nW2e-Source: ") != 0 ||
		w2e_buffer_append_str(&ns->common_headers, ns->source_id) != 0 ||
		w2e_buffer_append_str(&ns->common_headers, "\r\n") != 0)
	{
		snprintf(error, error_size, "out of memory");
		*status = CLI_EXIT_FAILURE;
		nats_close(&ns->base);
		return NULL;
	}
	if (find_tail(ns, error, error_size) != 0 ||
		nats_mark_start(ns, error, error_size) != 0)
	{
		nats_close(&ns->base);
		return NULL;
	}
	if (nats_wire_open(ns, line, sizeof(line)) != 0)
	{
		snprintf(error, error_size, "cannot connect to NATS at %s: %s", opts->auth.url_shown, line);
		nats_close(&ns->base);
		return NULL;
	}
	ns->payload_limit = natsConnection_GetMaxPayload(ns->nc);
	if (ns->stream.max_msg_size > 0 && ns->stream.max_msg_size < ns->payload_limit)
		ns->payload_limit = ns->stream.max_msg_size;
	if (ns->payload_limit < 4096)
		ns->payload_limit = 4096;
	return &ns->base;
}
