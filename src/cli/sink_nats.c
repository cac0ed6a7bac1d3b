/*
 * sink_nats.c
 *    The NATS JetStream sink: connect and check at start, publish with a
 *    bounded window, recover from a hub that is down or rejecting.
 *
 * See sink_nats.h for why every message expects its predecessor and what
 * that buys. Here: while anything failed, no new event is taken (the main
 * loop stops reading PostgreSQL but keeps its connection alive); once
 * nothing is pending any more, and after a capped exponential backoff,
 * the stream's newest message tells what is stored and the rest is sent
 * again, in order.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_nats.h"

#define CONNECT_TIMEOUT_MS 3000
#define RECONNECT_WAIT_MS 500
#define PING_INTERVAL_MS 5000
#define API_WAIT_MS 5000
#define RETRY_FIRST_MS 250

static const SinkOps nats_ops;

void
nats_enter_recovery(NatsSink *ns, const char *reason)
{
	int64_t		delay;

	if (ns->recovering)
		return;
	ns->recovering = 1;
	ns->base.stats.hub_down = 1;
	delay = backoff_next(&ns->backoff);
	ns->retry_at = ship_now_ms() + delay;
	ship_log("event hub: %s; holding new events, retrying in %lld ms", reason, (long long) delay);
}

static void
retry_later(NatsSink *ns, int64_t now, const char *reason)
{
	int64_t		delay = backoff_next(&ns->backoff);

	ns->retry_at = now + delay;
	ship_log("event hub still unavailable: %s; retrying in %lld ms", reason, (long long) delay);
}

/* Where the stream ends says what is stored; send the rest again, in order. */
static int
recover(NatsSink *ns, int64_t now)
{
	StreamTail	tail;
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
	if (nats_stream_tail(ns->js, ns->stream.name, &ns->source, &tail, error, sizeof(error)) != 0)
	{
		retry_later(ns, now, error);
		return 0;
	}
	if (tail.state == TAIL_FOREIGN)
	{
		snprintf(ns->base.error, sizeof(ns->base.error),
				 "JetStream stream %.100s: its newest message (sequence %llu, id '%.96s') was not written by this shipper; wal2events ship needs a stream of its own",
				 ns->stream.name, (unsigned long long) tail.seq, tail.id);
		ns->base.error_status = SHIP_EXIT_HUB;
		return -1;
	}
	if (tail.state == TAIL_OURS)
		nats_mark_stored(ns, &tail.key);
	ns->have_chain = tail.state == TAIL_OURS;
	snprintf(ns->chain_id, sizeof(ns->chain_id), "%s", tail.id);
	ns->recovering = 0;
	for (k = 0; k < ns->count && !ns->recovering; k++)
	{
		Entry	   *e = nats_entry_at(ns, k);
		natsMsg    *msg = e->msg;

		if (e->state != ENTRY_FAILED)
			continue;
		e->msg = NULL;
		nats_send(ns, e, msg);
		resent++;
	}
	ns->base.stats.retries += resent;
	nats_pop_stored(ns);
	if (!ns->recovering)
		ship_log("event hub available again: stream %s ends at %s; sent %llu messages again",
				 ns->stream.name, tail.state == TAIL_OURS ? tail.id : "(empty)",
				 (unsigned long long) resent);
	return 0;
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

	return !ns->recovering &&
		natsConnection_Status(ns->nc) == NATS_CONN_STATUS_CONNECTED &&
		ns->count < (size_t) ns->opts->max_inflight &&
		ns->inflight_bytes < ns->opts->max_inflight_bytes;
}

static int
nats_poll(Sink *sink, int64_t now)
{
	NatsSink   *ns = (NatsSink *) sink;

	if (nats_take_acks(ns) != 0)
	{
		snprintf(sink->error, sizeof(sink->error), "out of memory queueing acknowledgements");
		sink->error_status = CLI_EXIT_FAILURE;
		return -1;
	}
	if (ns->recovering)
		return recover(ns, now);
	return 0;
}

static int
nats_flush(Sink *sink)
{
	return 0;					/* acknowledgements come by themselves */
}

static int
nats_wait_fd(Sink *sink)
{
	return ((NatsSink *) sink)->queue.wake[0];
}

static int64_t
nats_next_deadline(Sink *sink, int64_t now)
{
	NatsSink   *ns = (NatsSink *) sink;

	if (!ns->recovering)
		return -1;
	return ns->retry_at > now ? ns->retry_at - now : 0;
}

static void
nats_close(Sink *sink)
{
	NatsSink   *ns = (NatsSink *) sink;
	natsMsgList pending;
	size_t		k;

	ns->closing = 1;
	/* (nats.c 3.4 crashes here if nothing was ever published) */
	if (ns->js != NULL && ns->base.stats.published > 0 &&
		js_PublishAsyncGetPendingList(&pending, ns->js) == NATS_OK)
		natsMsgList_Destroy(&pending);
	for (k = 0; k < ns->count; k++)
		natsMsg_Destroy(nats_entry_at(ns, k)->msg);
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
	ack_queue_free(&ns->queue);
	free(ns->ring);
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
	ship_log("reconnected to NATS");
}

static natsStatus
set_options(NatsSink *ns)
{
	natsOptions *o = NULL;
	natsStatus	s = natsOptions_Create(&o);

	ns->nopts = o;
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, ns->opts->target);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, "wal2events ship");
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
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
		snprintf(error, size, "cannot connect to NATS at %s: %s (start nats-server -js there, or fix --to)",
				 ns->opts->target, natsStatus_GetText(s));
		return -1;
	}
	jsOptions_Init(&jo);
	jo.Wait = API_WAIT_MS;
	jo.PublishAsync.AckHandler = nats_on_ack;
	jo.PublishAsync.AckHandlerClosure = ns;
	jo.PublishAsync.MaxPending = ns->opts->max_inflight + 4096;
	s = natsConnection_JetStream(&ns->js, ns->nc, &jo);
	if (s == NATS_OK)
		s = js_GetAccountInfo(&info, ns->js, NULL, &jerr);
	if (info != NULL)
		jsAccountInfo_Destroy(info);
	if (s != NATS_OK)
	{
		snprintf(error, size, "JetStream is not available on the NATS server at %s: %s (start nats-server with -js)",
				 ns->opts->target, natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

/* Where the stream ends: resume after our newest message. */
static int
find_tail(NatsSink *ns, char *error, size_t size)
{
	StreamTail	tail;

	if (nats_stream_tail(ns->js, ns->stream.name, &ns->source, &tail, error, size) != 0)
		return -1;
	if (tail.state == TAIL_FOREIGN)
	{
		snprintf(error, size,
				 "JetStream stream %.100s: its newest message (sequence %llu, id '%.96s') was not written by wal2events ship for database \"%.100s\"; give each database a stream of its own",
				 ns->stream.name, (unsigned long long) tail.seq, tail.id, ns->database);
		return -1;
	}
	if (tail.state == TAIL_OURS)
	{
		ns->base.have_tail = 1;
		ns->base.tail = tail.key;
		ns->have_start_tail = 1;
		ns->start_tail = tail.key;
		ns->have_chain = 1;
		snprintf(ns->chain_id, sizeof(ns->chain_id), "%s", tail.id);
	}
	ship_log("shipping to JetStream stream %s at %s, resuming after %s",
			 ns->stream.name, ns->opts->target, tail.state == TAIL_OURS ? tail.id : "(empty stream)");
	return 0;
}

Sink *
sink_nats_open(const ShipOptions *opts, const SinkSource *source,
			   char *error, size_t error_size, int *status)
{
	NatsSink   *ns = calloc(1, sizeof(NatsSink));

	*status = SHIP_EXIT_HUB;
	if (ns == NULL || ack_queue_init(&ns->queue) != 0)
	{
		snprintf(error, error_size, "out of memory");
		free(ns);
		*status = CLI_EXIT_FAILURE;
		return NULL;
	}
	ns->base.ops = &nats_ops;
	ns->opts = opts;
	w2e_buffer_init(&ns->subject, NULL);
	w2e_buffer_init(&ns->claim_subject, NULL);
	w2e_buffer_init(&ns->scratch, NULL);
	snprintf(ns->database, sizeof(ns->database), "%s", nats_header_value(ns, source->database));
	snprintf(ns->system_identifier, sizeof(ns->system_identifier), "%llu",
			 (unsigned long long) source->system_identifier);
	ns->source.system_identifier = source->system_identifier;
	ns->source.database = ns->database;
	backoff_init(&ns->backoff, RETRY_FIRST_MS, opts->retry_max_ms);
	jsPubOptions_Init(&ns->pubopts);
	ns->pubopts.MaxWait = opts->ack_timeout_ms;
	if (connect_hub(ns, error, error_size) != 0 ||
		nats_stream_setup(ns->js, opts, &ns->stream, error, error_size) != 0 ||
		find_tail(ns, error, error_size) != 0)
	{
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
