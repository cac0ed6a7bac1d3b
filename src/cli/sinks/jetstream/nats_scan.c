/*
 * nats_scan.c
 *    Which messages of one source a JetStream stream holds after a given
 *    sequence: the bounded scan a shipper makes at start (from its
 *    high-water mark, nats_position.c) and when recovering (from before the
 *    oldest message whose fate it does not know).
 *
 * Several shippers may write one stream, so "the newest message" says
 * nothing about ours: the scan reads the messages (an ephemeral pull
 * consumer, headers only, so a 1 MB claim chunk costs its headers; a gap
 * in the consumer's sequence fails the scan, to be made again) and
 * keeps the keys of those whose W2e-Source header is ours. It stops at the
 * stream's last sequence as it was when the scan began: whatever is stored
 * later is not ours (this shipper sends nothing while it scans) or is a
 * late copy of a message it sends again anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_stream.h"

#define SCAN_WAIT_MS 5000		/* a batch of the scan takes longer: the hub is gone */
#define SCAN_BATCH 2000			/* messages asked for at once */

static int
key_compare(const void *a, const void *b)
{
	return msg_key_compare(&((const StoredKey *) a)->key, &((const StoredKey *) b)->key);
}

static int
keep(StoredKeys *found, const MsgKey *key, uint64_t seq)
{
	if (found->count == found->cap)
	{
		size_t		cap = found->cap == 0 ? 256 : found->cap * 2;
		StoredKey  *grown = realloc(found->keys, cap * sizeof(StoredKey));

		if (grown == NULL)
			return -1;
		found->keys = grown;
		found->cap = cap;
	}
	found->keys[found->count].key = *key;
	found->keys[found->count].seq = seq;
	found->count++;
	return 0;
}

/* The stream's first and last sequence now (last 0: empty). */
static int
stream_bounds(jsCtx *js, const char *stream, uint64_t *first, uint64_t *last,
			  char *error, size_t size)
{
	jsStreamInfo *si = NULL;
	jsErrCode	jerr = 0;
	natsStatus	s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);

	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot read JetStream stream %s: %s", stream, natsStatus_GetText(s));
		return -1;
	}
	*first = si->State.FirstSeq;
	*last = si->State.Msgs > 0 ? si->State.LastSeq : 0;
	jsStreamInfo_Destroy(si);
	return 0;
}

/*
 * One message of the scan: keep it when it is ours. Its sequence in *seq,
 * what follows it in *pending; *delivered counts the consumer's messages
 * (-1: one was skipped).
 */
static int
look_at(natsMsg *msg, const char *source, StoredKeys *found, uint64_t *seq, uint64_t *pending,
		int64_t *delivered)
{
	jsMsgMetaData *meta = NULL;
	const char *from = NULL;
	MsgKey		key;
	int			rc = 0;

	if (natsMsg_GetMetaData(&meta, msg) != NATS_OK)
		return 0;				/* not a stored message */
	*seq = meta->Sequence.Stream;
	*pending = meta->NumPending;
	if (*delivered >= 0)
		*delivered = meta->Sequence.Consumer == (uint64_t) *delivered + 1 ? *delivered + 1 : -1;
	jsMsgMetaData_Destroy(meta);
	if (natsMsgHeader_Get(msg, "W2e-Source", &from) == NATS_OK && strcmp(from, source) == 0 &&
		nats_stream_message_key(msg, &key) == 0)
		rc = keep(found, &key, *seq);
	return rc;
}

/* One batch of the scan; 0 when it came (maybe empty: *got 0), -1 with *s otherwise. */
static int
fetch_batch(natsSubscription *sub, int batch, const char *source, StoredKeys *found,
			uint64_t *seq, uint64_t *pending, int64_t *delivered, int *got, natsStatus *s)
{
	jsFetchRequest req;
	natsMsgList list = {0};
	int			i;

	jsFetchRequest_Init(&req);
	req.Batch = batch;
	req.NoWait = true;
	req.Expires = (int64_t) SCAN_WAIT_MS * 1000000;
	*s = natsSubscription_FetchRequest(&list, sub, &req);
	*got = list.Count;
	if (*s == NATS_NOT_FOUND || *s == NATS_TIMEOUT)
		*s = NATS_OK;			/* nothing more to read */
	for (i = 0; *s == NATS_OK && i < list.Count; i++)
	{
		if (look_at(list.Msgs[i], source, found, seq, pending, delivered) != 0)
			*s = NATS_NO_MEMORY;
		else if (*delivered < 0)
			*s = NATS_MISMATCH; /* a message of the scan was lost: scan again */
	}
	if (*s == NATS_OK && list.Count > 0)
		natsMsg_Ack(list.Msgs[list.Count - 1], NULL);	/* AckAll: the batch */
	natsMsgList_Destroy(&list);
	return *s == NATS_OK ? 0 : -1;
}

/*
 * A pull consumer, so that nothing arrives unasked (nats.c 3.4 crashed when
 * a push consumer's messages kept coming while it was destroyed), headers
 * only, in batches.
 */
static int
read_range(jsCtx *js, const char *stream, uint64_t from, uint64_t last, const char *source,
		   StoredKeys *found, char *error, size_t size)
{
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode	jerr = 0;
	uint64_t	seq = from - 1;
	uint64_t	pending = 1;
	int64_t		delivered = 0;
	int			got = 1;
	natsStatus	s;

	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Config.DeliverPolicy = js_DeliverByStartSequence;
	so.Config.OptStartSeq = from;
	so.Config.AckPolicy = js_AckAll;
	so.Config.MaxAckPending = SCAN_BATCH * 2;
	so.Config.HeadersOnly = true;
	s = js_PullSubscribe(&sub, js, ">", NULL, NULL, &so, &jerr);
	while (s == NATS_OK && seq < last && pending > 0 && got > 0)
	{
		uint64_t	left = last - seq;

		fetch_batch(sub, left < SCAN_BATCH ? (int) left : SCAN_BATCH, source, found,
					&seq, &pending, &delivered, &got, &s);
	}
	if (sub != NULL)
	{
		natsSubscription_Unsubscribe(sub);
		natsSubscription_Destroy(sub);
	}
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot read JetStream stream %s from sequence %llu: %s",
				 stream, (unsigned long long) from, natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

int
nats_stream_scan(jsCtx *js, const char *stream, uint64_t from, const char *source,
				 StoredKeys *found, uint64_t *last_seq, char *error, size_t error_size)
{
	uint64_t	first;

	found->count = 0;
	found->next = 0;
	if (stream_bounds(js, stream, &first, last_seq, error, error_size) != 0)
		return -1;
	if (from < first)
		from = first;
	if (*last_seq == 0 || from > *last_seq)
		return 0;
	if (read_range(js, stream, from, *last_seq, source, found, error, error_size) != 0)
		return -1;
	if (found->count > 1)		/* keys is NULL while nothing was found */
		qsort(found->keys, found->count, sizeof(StoredKey), key_compare);
	return 0;
}

const StoredKey *
stored_keys_find(const StoredKeys *found, const MsgKey *key)
{
	size_t		lo = 0;
	size_t		hi = found->count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = msg_key_compare(&found->keys[mid].key, key);

		if (c == 0)
			return &found->keys[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const StoredKey *
stored_keys_take(StoredKeys *found, const MsgKey *key)
{
	while (found->next < found->count && msg_key_compare(&found->keys[found->next].key, key) < 0)
		found->next++;
	if (found->next < found->count && msg_key_compare(&found->keys[found->next].key, key) == 0)
		return &found->keys[found->next++];
	return NULL;
}

void
stored_keys_free(StoredKeys *found)
{
	free(found->keys);
	memset(found, 0, sizeof(*found));
}
