/*
 * stream_durable.c
 *    The durable consumer `wal2events lake` reads with (see
 *    stream_reader.h): pushed to the reader with flow control (a pull
 *    consumer's fetches stop the flow at every batch: measured 1.6 times
 *    slower than `consume`'s ordered consumer), acknowledgement of all up
 *    to a message (one acknowledgement per stored file), room for more
 *    messages awaiting acknowledgement than a file holds (the server stops
 *    delivering at the limit, and the file is stored only when the next
 *    message comes or --max-age passes), and an acknowledgement wait
 *    longer than a file stays open.
 *
 * Where it starts is the lake's business, not the server's: the lake
 * writer reads the newest file's range back from the lake and asks for
 * the message after it. So the consumer is made anew at every start, at
 * that sequence: one left by a writer that was killed has delivered
 * messages that are in no file, which it would deliver again only after
 * their acknowledgement wait, and out of order. That is only harmless with
 * limits retention (with interest or work-queue retention, a deleted
 * consumer takes messages with it), so other streams are refused.
 *
 * Made anew, it would be taken from a writer that is still running: two
 * writers would then store the same messages under overlapping ranges.
 * So a consumer whose deliveries have a live subscriber (JetStream's
 * push_bound) is refused. A writer killed a moment ago is not live: the
 * server notices its closed connection at once, and the check waits a
 * few seconds for that before it refuses.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stream_reader.h"

static const char *
retention_name(jsRetentionPolicy p)
{
	return p == js_InterestPolicy ? "interest" : p == js_WorkQueuePolicy ? "work-queue" : "limits";
}

#define BOUND_WAIT_MS 5000
#define BOUND_POLL_MS 250

/* 1 while the durable has a live subscriber after BOUND_WAIT_MS, else 0. */
static int
bound_to_another(jsCtx *js, const char *stream, const char *durable)
{
	int			waited;

	for (waited = 0;; waited += BOUND_POLL_MS)
	{
		jsConsumerInfo *ci = NULL;
		jsErrCode	jerr = 0;
		int			bound;
		struct timespec pause = {0, BOUND_POLL_MS * 1000000L};

		if (js_GetConsumerInfo(&ci, js, stream, durable, NULL, &jerr) != NATS_OK)
			return 0;			/* none (or not readable: deleting it will say) */
		bound = ci->PushBound;
		jsConsumerInfo_Destroy(ci);
		if (!bound || waited >= BOUND_WAIT_MS)
			return bound;
		nanosleep(&pause, NULL);
	}
}

#define DELETE_TRIES 3

/* The durable consumer gone (or never there); JetStream's refusals tried again a few times. */
static int
delete_consumer(jsCtx *js, const char *stream, const char *durable, char *error, size_t size)
{
	int			try;

	for (try = 1;; try++)
	{
		jsErrCode	jerr = 0;
		natsStatus	s = js_DeleteConsumer(js, stream, durable, NULL, &jerr);
		struct timespec pause = {0, 500 * 1000000L};

		if (s == NATS_OK || s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr)
			return 0;
		if (try == DELETE_TRIES)
		{
			snprintf(error, size, "cannot reset durable consumer %s of stream %s: %s (JetStream error %d: %s)",
					 durable, stream, natsStatus_GetText(s), (int) jerr, nats_GetLastError(NULL));
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

int
stream_durable_prepare(jsCtx *js, const char *stream, const char *durable, uint64_t start_seq,
					   int64_t ack_wait_ms, int64_t max_ack_pending, char *error, size_t size)
{
	jsStreamInfo *si = NULL;
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	jsErrCode	jerr = 0;
	natsStatus	s;
	jsRetentionPolicy retention;
	natsInbox  *inbox = NULL;

	s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot read JetStream stream %s: %s", stream, natsStatus_GetText(s));
		return -1;
	}
	retention = si->Config->Retention;
	jsStreamInfo_Destroy(si);
	if (retention != js_LimitsPolicy)
	{
		snprintf(error, size,
				 "JetStream stream %s has %s retention: the lake reads streams with limits retention (as `wal2events ship --create-stream` makes them), where its durable consumer can be made again after a crash without deleting messages",
				 stream, retention_name(retention));
		return -1;
	}
	if (bound_to_another(js, stream, durable))
	{
		snprintf(error, size,
				 "durable consumer %s of stream %s is in use: another reader (a `wal2events lake` still running?) receives its messages; run one lake writer per stream and lake, or give this one its own --durable and its own lake",
				 durable, stream);
		return -2;
	}
	if (delete_consumer(js, stream, durable, error, size) != 0)
		return -1;
	if (natsInbox_Create(&inbox) != NATS_OK)
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	jsConsumerConfig_Init(&cc);
	cc.Durable = durable;
	cc.DeliverSubject = inbox;
	cc.FlowControl = true;
	cc.Heartbeat = INT64_C(5000000000);
	cc.AckPolicy = js_AckAll;
	cc.AckWait = ack_wait_ms * 1000000;
	cc.MaxAckPending = max_ack_pending;
	cc.MaxDeliver = -1;
	if (start_seq > 1)
	{
		cc.DeliverPolicy = js_DeliverByStartSequence;
		cc.OptStartSeq = start_seq;
	}
	else
		cc.DeliverPolicy = js_DeliverAll;
	s = js_AddConsumer(&ci, js, stream, &cc, NULL, &jerr);
	natsInbox_Destroy(inbox);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot create durable consumer %s of stream %s: %s (JetStream error %d)",
				 durable, stream, natsStatus_GetText(s), (int) jerr);
		return -1;
	}
	jsConsumerInfo_Destroy(ci);
	return 0;
}
