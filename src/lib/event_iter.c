/*
 * event_iter.c
 *    A Transaction's events one by one, each with what a consumer needs to
 *    handle it alone: its id (the override or the log-derived one) and the
 *    relation of a row change. For C consumers of whole transactions
 *    (`wal2events ship --unit transaction`, pg_recvlogical output).
 */
#include "internal.h"

void
w2e_event_iter_init(W2eEventIter *it, const W2eTransaction *txn)
{
	it->txn = txn;
	it->next = 0;
	it->id[0] = '\0';
}

int
w2e_event_iter_next(W2eEventIter *it, W2eEventRef *ref)
{
	const W2eTransaction *txn = it->txn;
	const W2eEvent *event;

	if (txn == NULL || it->next >= txn->n_events)
		return 0;
	event = txn->events[it->next];
	ref->index = it->next++;
	ref->event = event;
	ref->relation = NULL;
	if (event->body_case == WAL2EVENTS__V1__EVENT__BODY_ROW && event->row != NULL &&
		event->row->relation < txn->n_relations)
		ref->relation = txn->relations[event->row->relation];
	w2e_event_id(it->id, txn->system_identifier, txn->commit_lsn, event->position);
	ref->log_id = it->id;
	ref->id = event->id_override != NULL && event->id_override[0] != '\0' ?
		event->id_override : it->id;
	return 1;
}
