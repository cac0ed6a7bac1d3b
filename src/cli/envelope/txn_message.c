/*
 * txn_message.c
 *    --unit transaction: a Transaction message (one chunk) handed to a sink
 *    whole, as the plugin encoded it, in the Envelope the sinks take.
 *
 * No re-encoding: the body is the plugin's own bytes. Only the fields the
 * sink reads are filled (see envelope.h); the envelope's event stays
 * empty, so no route subject applies (a transaction holds events of many
 * routes).
 */
#include <stdio.h>
#include <string.h>

#include "envelope.h"

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
