/*
 * txn_message.c
 *    --unit transaction: a Transaction message (one chunk) handed to a sink
 *    whole, as the plugin encoded it, in the Envelope the sinks take.
 *
 * No re-encoding, no unpacking: the body is the plugin's own bytes, and
 * only the header fields are read (txn_message_scan), so a 1000-row
 * transaction costs about what one event does. Only the fields the
 * sink reads are filled (see envelope.h); the envelope's event stays
 * empty, so no route subject applies (a transaction holds events of many
 * routes).
 */
#include <stdio.h>
#include <string.h>

#include "envelope.h"

static int
scan_failed(W2eError *err, const char *what)
{
	snprintf(err->message, sizeof(err->message), "not a Transaction message: %s", what);
	return -1;
}

/* A varint at *p (before end); 0, or -1 when cut short or too long. */
static int
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	int			shift;

	*v = 0;
	for (shift = 0; shift < 64 && *p < end; shift += 7)
	{
		uint8_t		b = *(*p)++;

		*v |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
			return 0;
	}
	return -1;
}

int
txn_message_scan(const uint8_t *data, size_t len, W2eTransaction *txn, char *database,
				 size_t size, W2eError *err)
{
	W2eTransaction init = WAL2EVENTS__V1__TRANSACTION__INIT;
	const uint8_t *p = data;
	const uint8_t *end = data + len;

	*txn = init;
	database[0] = '\0';
	txn->database = database;
	while (p < end)
	{
		uint64_t	tag,
					v = 0;
		const uint8_t *field;

		if (read_varint(&p, end, &tag) != 0)
			return scan_failed(err, "a field tag is cut short");
		switch (tag & 7)
		{
			case 0:
				if (read_varint(&p, end, &v) != 0)
					return scan_failed(err, "a varint is cut short");
				break;
			case 1:
			case 5:
				if ((size_t) (end - p) < ((tag & 7) == 1 ? 8u : 4u))
					return scan_failed(err, "a fixed-size field is cut short");
				p += (tag & 7) == 1 ? 8 : 4;
				continue;
			case 2:
				if (read_varint(&p, end, &v) != 0 || v > (uint64_t) (end - p))
					return scan_failed(err, "a length-delimited field passes the end");
				field = p;
				p += v;
				if ((tag >> 3) == 6)
				{
					size_t		n = v < size - 1 ? (size_t) v : size - 1;

					memcpy(database, field, n);
					database[n] = '\0';
				}
				else if ((tag >> 3) == 10)
					txn->n_events++;
				continue;
			default:
				return scan_failed(err, "a field of an unknown wire type");
		}
		switch (tag >> 3)
		{
			case 1: txn->xid = (uint32_t) v; break;
			case 2: txn->commit_lsn = v; break;
			case 3: txn->commit_time = (int64_t) v; break;
			case 7: txn->system_identifier = v; break;
			case 8: txn->chunk = (uint32_t) v; break;
			case 9: txn->last_chunk = v != 0; break;
			case 12: txn->non_transactional = v != 0; break;
			case 14: txn->backfill_window_lsn = v; break;
			default: break;
		}
	}
	return 0;
}

void
txn_message_build(Envelope *e, const W2eTransaction *txn, const uint8_t *bare, size_t len,
				  const char *slot)
{
	W2eEventEnvelope init = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;
	W2eEvent	event_init = WAL2EVENTS__V1__EVENT__INIT;

	w2e_event_id(e->id, txn->system_identifier, txn->commit_lsn, txn->chunk);
	snprintf(e->txn_id, sizeof(e->txn_id), "%s/%s", e->id, slot != NULL ? slot : "");
	e->env = init;
	e->event = event_init;
	e->env.id = e->txn_id;
	e->env.xid = txn->xid;
	e->env.commit_lsn = txn->commit_lsn;
	e->env.commit_time = txn->commit_time;
	e->env.position = txn->chunk;
	e->env.database = txn->database;
	e->env.system_identifier = txn->system_identifier;
	e->env.event = &e->event;
	e->key.commit_lsn = txn->commit_lsn;
	e->key.position = txn->chunk;
	e->key.part = KEY_PART_EVENT;
	e->data = bare;
	e->len = len;
}
