/*
 * nats_position.c
 *    Who this shipper is in a shared stream (its source), and how far its
 *    events are stored: the high-water mark it keeps in a JetStream
 *    key-value bucket.
 *
 * Source: the system identifier, database and slot name, the W2e-Source
 * header of every message ("<system identifier>/<database>/<slot>", '%',
 * '/' and control characters of the names as %XX). Two shippers into one
 * stream are told apart by it, whatever their filters.
 *
 * High-water mark: in bucket "wal2events_positions", key
 * "<stream>.<system identifier>.<database>.<slot>" (characters a key cannot
 * hold as =XX), a JSON value
 *   {"commit_lsn":"0/154AC48","position":3,"part":4294967295,"seq":1234,"stream_created":...}
 * meaning: every event of the source up to and including (commit_lsn,
 * position, part) is in the stream (commit_lsn "0/0": none known), and
 * every later event of the source that is in the stream has a sequence
 * above seq. A restart scans the stream from seq + 1 for the source's
 * messages (nats_scan.c): the scan is bounded by what was stored since
 * the mark was written (it is written at most every KV_WRITE_MS), however
 * many other sources write to the stream. stream_created tells a stream
 * deleted and made again, whose marks mean nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nats_sink_state.h"

#define POSITION_BUCKET "wal2events_positions"

/* value into out: bytes of keep() as they are, others as <esc>XX. */
static void
encode(char *out, size_t size, const char *value, char esc, int (*keep) (unsigned char c))
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		n = 0;

	for (; value != NULL && *value != '\0' && n + 4 < size; value++)
	{
		unsigned char c = (unsigned char) *value;

		if (keep(c))
			out[n++] = (char) c;
		else
		{
			out[n++] = esc;
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

static int
header_char(unsigned char c)
{
	return c >= 0x20 && c != 0x7F && c != '%' && c != '/';
}

static int
key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-';
}

/* W2e-Source and the bucket key, from the source and the stream. */
void
nats_position_names(NatsSink *ns, const SinkSource *source)
{
	char		db[400];
	char		slot[400];
	char		stream[800];

	encode(db, sizeof(db), source->database, '%', header_char);
	encode(slot, sizeof(slot), source->slot, '%', header_char);
	snprintf(ns->source_id, sizeof(ns->source_id), "%" PRIu64 "/%s/%s",
			 source->system_identifier, db, slot);
	encode(stream, sizeof(stream), ns->stream.name, '=', key_char);
	encode(db, sizeof(db), source->database, '=', key_char);
	encode(slot, sizeof(slot), source->slot, '=', key_char);
	snprintf(ns->position_key, sizeof(ns->position_key), "%s.%" PRIu64 ".%s.%s",
			 stream, source->system_identifier, db, slot);
}

/* The bucket, created (with the stream's replicas) when missing. */
int
nats_position_open(NatsSink *ns, char *error, size_t size)
{
	kvConfig	cfg;
	natsStatus	s = js_KeyValue(&ns->kv, ns->js, POSITION_BUCKET);

	if (s == NATS_OK)
		return 0;
	kvConfig_Init(&cfg);
	cfg.Bucket = POSITION_BUCKET;
	cfg.Description = "wal2events ship: the high-water mark of each source in each stream";
	cfg.History = 1;
	cfg.StorageType = js_FileStorage;
	cfg.Replicas = ns->stream.replicas;
	s = js_CreateKeyValue(&ns->kv, ns->js, &cfg);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot create the JetStream key-value bucket %s (where each shipper keeps how far its events are stored): %s",
				 POSITION_BUCKET, natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

/*
 * The mark of this source in this stream: 1 found, 0 none (or one of a
 * stream of that name deleted since), -1 the hub could not be asked.
 */
int
nats_position_read(NatsSink *ns, HighWater *hw, char *error, size_t size)
{
	kvEntry    *entry = NULL;
	natsStatus	s = kvStore_Get(&entry, ns->kv, ns->position_key);
	unsigned	hi,
				lo;
	unsigned long long seq;
	long long	created;
	int			n;

	memset(hw, 0, sizeof(*hw));
	if (s == NATS_NOT_FOUND)
		return 0;
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot read key %s of bucket %s: %s", ns->position_key,
				 POSITION_BUCKET, natsStatus_GetText(s));
		return -1;
	}
	n = sscanf(kvEntry_ValueString(entry),
			   "{\"commit_lsn\":\"%X/%X\",\"position\":%" SCNu32 ",\"part\":%" SCNu32 ",\"seq\":%llu,\"stream_created\":%lld}",
			   &hi, &lo, &hw->key.position, &hw->key.part, &seq, &created);
	kvEntry_Destroy(entry);
	if (n != 6 || created != ns->stream.created)
	{
		if (n != 6)
			ship_log("ignoring the unreadable high-water mark %s in bucket %s", ns->position_key, POSITION_BUCKET);
		memset(hw, 0, sizeof(*hw));
		return 0;
	}
	hw->key.commit_lsn = ((uint64_t) hi << 32) | lo;
	hw->have_key = hw->key.commit_lsn != 0;
	hw->scan_from = (uint64_t) seq;
	return 1;
}

/* Write the mark. 0, or -1 with error (the older mark stays: it is only further back). */
int
nats_position_write(NatsSink *ns, const HighWater *hw, char *error, size_t size)
{
	char		value[300];
	natsStatus	s;

	snprintf(value, sizeof(value),
			 "{\"commit_lsn\":\"%X/%X\",\"position\":%" PRIu32 ",\"part\":%" PRIu32 ",\"seq\":%" PRIu64 ",\"stream_created\":%lld}",
			 hw->have_key ? (unsigned) (hw->key.commit_lsn >> 32) : 0,
			 hw->have_key ? (unsigned) hw->key.commit_lsn : 0,
			 hw->have_key ? hw->key.position : 0, hw->have_key ? hw->key.part : 0,
			 hw->scan_from, (long long) ns->stream.created);
	s = kvStore_PutString(NULL, ns->kv, ns->position_key, value);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot write the high-water mark %s: %s", ns->position_key,
				 natsStatus_GetText(s));
		return -1;
	}
	return 0;
}
