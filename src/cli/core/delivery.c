/*
 * delivery.c
 *    Ticket tracking and the flush LSN: see delivery.h for the rules.
 *
 * Tickets are consecutive numbers, so "acknowledged" is a ring of flags
 * indexed by ticket modulo the window, plus first_unacked: the window
 * never holds more than `capacity` tickets (delivery_has_room), so a slot is
 * only reused after its ticket has been passed. Transactions wait in a
 * FIFO ring in commit order; the head is popped once done.
 */
#include <stdlib.h>
#include <string.h>

#include "delivery.h"

int
delivery_init(Delivery *d, uint64_t capacity, uint64_t start_lsn)
{
	memset(d, 0, sizeof(*d));
	d->capacity = capacity;
	d->acked = calloc(capacity, 1);
	d->txn_cap = 64;
	d->txns = malloc(d->txn_cap * sizeof(DeliveryTxn));
	d->confirmed_lsn = start_lsn;
	if (d->acked == NULL || d->txns == NULL)
	{
		delivery_free(d);
		return -1;
	}
	return 0;
}

void
delivery_free(Delivery *d)
{
	free(d->acked);
	free(d->txns);
	d->acked = NULL;
	d->txns = NULL;
}

void
delivery_set_stored(Delivery *d, const MsgKey *key)
{
	if (!d->have_handed || msg_key_compare(key, &d->handed) > 0)
		d->handed = *key;
	d->have_handed = 1;
}

static DeliveryTxn *
txn_at(const Delivery *d, size_t i)
{
	return &d->txns[(d->txn_head + i) % d->txn_cap];
}

static int
txn_push(Delivery *d, const DeliveryTxn *txn)
{
	if (d->txn_count == d->txn_cap)
	{
		size_t		cap = d->txn_cap * 2;
		DeliveryTxn *grown = malloc(cap * sizeof(DeliveryTxn));
		size_t		i;

		if (grown == NULL)
			return -1;
		for (i = 0; i < d->txn_count; i++)
			grown[i] = *txn_at(d, i);
		free(d->txns);
		d->txns = grown;
		d->txn_cap = cap;
		d->txn_head = 0;
	}
	*txn_at(d, d->txn_count) = *txn;
	d->txn_count++;
	return 0;
}

/* commit_lsn capped at an open window's low mark */
static uint64_t
capped(uint64_t lsn, uint64_t window_lsn)
{
	return window_lsn != 0 && window_lsn < lsn ? window_lsn : lsn;
}

int
delivery_begin_message(Delivery *d, uint64_t commit_lsn, int64_t commit_time,
					   int last_chunk, uint64_t window_lsn)
{
	DeliveryTxn *tail = d->txn_count > 0 ? txn_at(d, d->txn_count - 1) : NULL;
	DeliveryTxn txn;

	if (commit_lsn > d->received_lsn)
		d->received_lsn = commit_lsn;
	/* even a redelivered message says whether a window is open now */
	d->window_lsn = window_lsn;
	if (tail != NULL && tail->commit_lsn == commit_lsn)
	{
		/* another chunk of the newest transaction (or its redelivery) */
		tail->complete |= last_chunk;
		/* any chunk's window caps the whole transaction (conservative: the
		 * chunk transaction's own window only closes with its last chunk,
		 * and the next message confirms past it) */
		tail->confirm_lsn = capped(tail->confirm_lsn, window_lsn);
		return 1;
	}
	if (commit_lsn <= d->confirmed_lsn || (tail != NULL && commit_lsn < tail->commit_lsn))
		return 0;				/* confirmed or known already: redelivered */
	txn.commit_lsn = commit_lsn;
	txn.confirm_lsn = capped(commit_lsn, window_lsn);
	txn.commit_time = commit_time;
	txn.end_ticket = d->next_ticket;
	txn.complete = last_chunk;
	return txn_push(d, &txn) == 0 ? 1 : -1;
}

int
delivery_wants(const Delivery *d, const MsgKey *key)
{
	return !d->have_handed || msg_key_compare(key, &d->handed) > 0;
}

int
delivery_has_room(const Delivery *d)
{
	return d->next_ticket - d->first_unacked < d->capacity;
}

uint64_t
delivery_hand(Delivery *d, const MsgKey *key)
{
	uint64_t	ticket = d->next_ticket++;

	d->acked[ticket % d->capacity] = 0;
	d->handed = *key;
	d->have_handed = 1;
	if (d->txn_count > 0)
		txn_at(d, d->txn_count - 1)->end_ticket = d->next_ticket;
	return ticket;
}

void
delivery_ack(Delivery *d, uint64_t ticket)
{
	if (ticket < d->first_unacked || ticket >= d->next_ticket)
		return;					/* already passed: a late duplicate ack */
	d->acked[ticket % d->capacity] = 1;
	while (d->first_unacked < d->next_ticket &&
		   d->acked[d->first_unacked % d->capacity])
		d->first_unacked++;
}

void
delivery_server_position(Delivery *d, uint64_t lsn)
{
	if (lsn > d->server_lsn)
		d->server_lsn = lsn;
}

int
delivery_settle(Delivery *d)
{
	uint64_t	before = d->confirmed_lsn;

	while (d->txn_count > 0)
	{
		DeliveryTxn *head = txn_at(d, 0);

		if (!head->complete || head->end_ticket > d->first_unacked)
			break;
		if (head->confirm_lsn > d->confirmed_lsn)
			d->confirmed_lsn = head->confirm_lsn;
		d->confirmed_time = head->commit_time;
		d->txn_head = (d->txn_head + 1) % d->txn_cap;
		d->txn_count--;
	}
	/*
	 * Nothing in flight: everything the server sent before its last
	 * keepalive is done, and what it sends next commits after that
	 * position, so the position itself can be confirmed; but not past
	 * the backfill window the last message left open (the keepalive's
	 * position is past the low mark, whose window the plugin still needs
	 * to decode again after a restart).
	 */
	if (delivery_idle(d) && capped(d->server_lsn, d->window_lsn) > d->confirmed_lsn)
		d->confirmed_lsn = capped(d->server_lsn, d->window_lsn);
	return d->confirmed_lsn != before;
}

uint64_t
delivery_in_flight(const Delivery *d)
{
	return d->next_ticket - d->first_unacked;
}

int
delivery_idle(const Delivery *d)
{
	return d->txn_count == 0 && d->first_unacked == d->next_ticket;
}

int64_t
delivery_oldest_commit_time(const Delivery *d)
{
	return d->txn_count > 0 ? txn_at(d, 0)->commit_time : 0;
}
