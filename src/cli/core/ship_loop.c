/*
 * ship_loop.c
 *    The main loop of ship and tail: read PostgreSQL, hand events to the
 *    sink, confirm what the sink acknowledged, keep both connections alive.
 *
 * One thread, one poll(): the replication socket (only while the sink can
 * take more: that is the backpressure), the sink's wake-up descriptor and
 * the signal pipe. The metrics endpoint and the progress line have a
 * thread of their own (metrics.c), which this loop hands a snapshot of its
 * counters every turn: they keep answering even while this loop waits for
 * the hub. Status updates go to PostgreSQL
 * every --status-interval whether or not we read, so the walsender never
 * times out while the hub is down; a keepalive that asks for a reply gets
 * one at once, and a moved flush LSN is reported within 100 ms.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ship_loop.h"

#define STATUS_MIN_GAP_MS 100		/* at most this often on progress */
#define MAX_POLL_MS 1000
#define PG_RETRY_FIRST_MS 500
#define READS_PER_TURN 1000		/* then look at acknowledgements again */

void
ship_snapshot(Shipper *sh, MetricsSnapshot *snap)
{
	*snap = sh->counters;
	snap->sink = sh->sink->stats;
	snap->confirmed_lsn = sh->delivery.confirmed_lsn;
	snap->server_lsn = sh->delivery.server_lsn > sh->delivery.received_lsn ?
		sh->delivery.server_lsn : sh->delivery.received_lsn;
	snap->in_flight = delivery_in_flight(&sh->delivery);
	snap->window_lsn = sh->delivery.window_lsn;
	snap->oldest_commit_us = delivery_oldest_commit_time(&sh->delivery);
	snap->running = 1;
	snap->pg_connected = sh->pg_connected;
	snap->stopping = sh->stopping;
}

static int
fatal(Shipper *sh, int status, const char *message)
{
	if (message[0] != '\0')
		ship_log("%s", message);
	sh->exit_status = status;
	return -1;
}

static void
lost_postgres(Shipper *sh, int64_t now)
{
	int64_t		delay = backoff_next(&sh->pg_backoff);

	ship_log("%s; reconnecting in %lld ms", sh->repl.error, (long long) delay);
	repl_close(&sh->repl);
	sh->pg_connected = 0;
	sh->pg_retry_at = now + delay;
}

int
ship_connect(Shipper *sh)
{
	if (repl_open(&sh->repl, sh->opts) != 0 || repl_start(&sh->repl, sh->opts) != 0)
	{
		repl_close(&sh->repl);
		return -1;
	}
	sh->pg_connected = 1;
	sh->reply_now = 1;			/* tell the new walsender where we are */
	return 0;
}

static int
reconnect_if_due(Shipper *sh, int64_t now)
{
	if (sh->pg_connected || sh->stopping || now < sh->pg_retry_at)
		return 0;
	if (ship_connect(sh) == 0)
	{
		sh->counters.pg_reconnects++;
		backoff_reset(&sh->pg_backoff);
		ship_log("reconnected to PostgreSQL; resuming slot \"%s\" from its confirmed position",
				 sh->repl.slot);
		return 0;
	}
	if (!sh->repl.retryable)
		return fatal(sh, sh->repl.error_status, sh->repl.error);
	lost_postgres(sh, now);
	return 0;
}

/* Done with the current message: its memory goes back to the arena. */
static void
drop_message(Shipper *sh)
{
	sh->txn = NULL;
	envelope_forget_message(&sh->envelope);
	arena_reset(&sh->arena);
}

/* Hand the next event of the current message (or skip it: redelivered). */
static int
hand_next_event(Shipper *sh)
{
	size_t		index = sh->next_event++;
	const W2eEvent *event = sh->txn->events[index];
	MsgKey		key = {sh->txn->commit_lsn, event->position, KEY_PART_EVENT};
	W2eError	err;
	uint64_t	ticket;

	if (delivery_wants(&sh->delivery, &key))
	{
		if (envelope_build_at(&sh->envelope, sh->txn, index, sh->opts->sink_common.payload, &err) != 0)
			return fatal(sh, CLI_EXIT_FAILURE, err.message);
		ticket = delivery_hand(&sh->delivery, &key);
		if (sh->sink->ops->publish(sh->sink, &sh->envelope, ticket) != 0)
			return fatal(sh, sh->sink->error_status, sh->sink->error);
		sh->counters.events_handed++;
	}
	else
		sh->counters.events_skipped++;
	if (sh->next_event == sh->txn->n_events)
		drop_message(sh);
	return 0;
}

/*
 * --unit transaction: the current message goes to the sink whole (one
 * ticket), unless it is stored already (redelivered after a restart).
 */
static int
hand_transaction(Shipper *sh, const uint8_t *bare, size_t len)
{
	MsgKey		key = {sh->txn->commit_lsn, sh->txn->chunk, KEY_PART_EVENT};
	uint64_t	ticket;

	if (delivery_wants(&sh->delivery, &key))
	{
		txn_message_build(&sh->envelope, sh->txn, bare, len, sh->opts->slot);
		ticket = delivery_hand(&sh->delivery, &key);
		if (sh->sink->ops->publish(sh->sink, &sh->envelope, ticket) != 0)
			return fatal(sh, sh->sink->error_status, sh->sink->error);
		sh->counters.events_handed += sh->txn->n_events;
	}
	else
		sh->counters.events_skipped += sh->txn->n_events;
	sh->txn = NULL;
	return 0;
}

/*
 * --unit transaction: the message's header fields only, and on to the sink
 * at once, which copies its bytes: no copy of our own, no unpacking.
 */
static int
take_transaction(Shipper *sh, const ReplMessage *msg)
{
	const uint8_t *bare;
	size_t		len;
	W2eError	err;
	int			r;
	char		line[400];

	if (w2e_unframe(msg->data, msg->len, &bare, &len, &err) != 0 ||
		txn_message_scan(bare, len, &sh->txn_header, sh->txn_database,
						 sizeof(sh->txn_database), &err) != 0)
	{
		snprintf(line, sizeof(line), "malformed message from the plugin at %X/%X: %s",
				 (unsigned) (msg->wal_start >> 32), (unsigned) msg->wal_start, err.message);
		return fatal(sh, CLI_EXIT_FAILURE, line);
	}
	sh->txn = &sh->txn_header;
	sh->counters.transactions++;
	r = delivery_begin_message(&sh->delivery, sh->txn->commit_lsn, sh->txn->commit_time,
							   sh->txn->last_chunk || sh->txn->non_transactional,
							   sh->txn->backfill_window_lsn);
	if (r < 0)
		return fatal(sh, CLI_EXIT_FAILURE, "out of memory");
	if (r == 0 || sh->txn->n_events == 0)
	{
		sh->counters.events_skipped += r == 0 ? sh->txn->n_events : 0;
		sh->txn = NULL;
		return 0;
	}
	return hand_transaction(sh, bare, len);
}

/*
 * One plugin message: parse it and make it the current message. Its bytes
 * are copied into the arena first: envelopes copy events from them, and
 * libpq's buffer goes with the connection, which may be lost and made
 * again before the message's last event is handed.
 */
static int
take_message(Shipper *sh, const ReplMessage *msg)
{
	const uint8_t *bare;
	size_t		len;
	W2eError	err;
	int			r;
	char		line[400];
	uint8_t    *copy;

	if (sh->opts->sink_common.unit == UNIT_TRANSACTION)
		return take_transaction(sh, msg);
	copy = sh->arena.allocator.alloc(sh->arena.allocator.ctx, msg->len > 0 ? msg->len : 1);
	if (copy == NULL)
		return fatal(sh, CLI_EXIT_FAILURE, "out of memory");
	memcpy(copy, msg->data, msg->len);
	if (w2e_unframe(copy, msg->len, &bare, &len, &err) != 0 ||
		(sh->txn = w2e_transaction_parse(bare, len, &sh->arena.allocator, &err)) == NULL)
	{
		snprintf(line, sizeof(line), "malformed message from the plugin at %X/%X: %s",
				 (unsigned) (msg->wal_start >> 32), (unsigned) msg->wal_start, err.message);
		return fatal(sh, CLI_EXIT_FAILURE, line);
	}
	sh->counters.transactions++;
	sh->next_event = 0;
	envelope_set_message(&sh->envelope, bare, len, sh->txn);
	r = delivery_begin_message(&sh->delivery, sh->txn->commit_lsn, sh->txn->commit_time,
							   sh->txn->last_chunk || sh->txn->non_transactional,
							   sh->txn->backfill_window_lsn);
	if (r < 0)
		return fatal(sh, CLI_EXIT_FAILURE, "out of memory");
	if (r == 0 || sh->txn->n_events == 0)
	{
		sh->counters.events_skipped += r == 0 ? sh->txn->n_events : 0;
		drop_message(sh);
	}
	return 0;
}

/* Hand events while the window and the sink allow; read when needed. */
static int
pump(Shipper *sh, int64_t now)
{
	int			reads = 0;

	while (!sh->stopping && delivery_has_room(&sh->delivery) && sh->sink->ops->ready(sh->sink))
	{
		ReplMessage msg;

		if (sh->txn != NULL)
		{
			if (hand_next_event(sh) != 0)
				return -1;
			continue;
		}
		if (!sh->pg_connected || reads++ == READS_PER_TURN)
			break;
		switch (repl_read(&sh->repl, &msg))
		{
			case REPL_NONE:
				return 0;
			case REPL_CLOSED:
				lost_postgres(sh, now);
				return 0;
			case REPL_KEEPALIVE:
				delivery_server_position(&sh->delivery, msg.wal_end);
				sh->reply_now |= msg.reply_requested;
				break;
			case REPL_DATA:
				if (take_message(sh, &msg) != 0)
					return -1;
				break;
		}
	}
	return 0;
}

static void
send_status_if_due(Shipper *sh, int64_t now)
{
	Delivery   *d = &sh->delivery;
	uint64_t	flush = sh->opts->confirm ? d->confirmed_lsn : 0;
	int			moved = flush != sh->reported_flush && now - sh->last_status_ms >= STATUS_MIN_GAP_MS;
	uint64_t	write_lsn = d->received_lsn > d->confirmed_lsn ? d->received_lsn : d->confirmed_lsn;

	if (!sh->pg_connected ||
		!(sh->reply_now || moved || now - sh->last_status_ms >= sh->opts->status_interval_ms))
		return;
	if (repl_send_status(&sh->repl, write_lsn, flush, 0) != 0)
	{
		lost_postgres(sh, now);
		return;
	}
	sh->reported_flush = flush;
	sh->last_status_ms = now;
	sh->reply_now = 0;
}

/* The counters, for the metrics thread. */
static void
report(Shipper *sh)
{
	MetricsSnapshot snap;

	if (!sh->metrics.running)
		return;
	ship_snapshot(sh, &snap);
	metrics_publish(&sh->metrics, &snap);
}

/* SIGINT/SIGTERM arrived: stop reading, wait (bounded) for acknowledgements. */
static void
check_signals(Shipper *sh, int64_t now)
{
	char		buf[16];

	if (read(sh->signal_fd, buf, sizeof(buf)) <= 0)
		return;
	if (sh->stopping)
	{
		sh->stop_deadline = now;	/* second signal: stop now */
		return;
	}
	sh->stopping = 1;
	sh->stop_deadline = now + sh->opts->shutdown_timeout_ms;
	if (delivery_in_flight(&sh->delivery) > 0)
		ship_log("stopping: waiting up to %lld ms for %llu events to be acknowledged",
				 (long long) sh->opts->shutdown_timeout_ms,
				 (unsigned long long) delivery_in_flight(&sh->delivery));
}

static int64_t
min_timeout(int64_t a, int64_t b)
{
	return b >= 0 && b < a ? b : a;
}

static int
wait_for_work(Shipper *sh, int64_t now)
{
	struct pollfd fds[4];
	int			n = 0;
	int			pg = -1;
	int64_t		timeout = MAX_POLL_MS;
	int			reading = sh->pg_connected && !sh->stopping && sh->txn == NULL &&
		delivery_has_room(&sh->delivery) && sh->sink->ops->ready(sh->sink);

	fds[n].fd = sh->signal_fd;
	fds[n++].events = POLLIN;
	if (sh->sink->ops->wait_fd(sh->sink) >= 0)
	{
		fds[n].fd = sh->sink->ops->wait_fd(sh->sink);
		fds[n++].events = POLLIN;
	}
	if (reading)
	{
		pg = n;
		fds[n].fd = repl_socket(&sh->repl);
		fds[n++].events = POLLIN;
	}
	if (sh->pg_connected)
		timeout = min_timeout(timeout, sh->last_status_ms + sh->opts->status_interval_ms - now);
	if (!sh->pg_connected && !sh->stopping)
		timeout = min_timeout(timeout, sh->pg_retry_at - now);
	timeout = min_timeout(timeout, sh->sink->ops->next_deadline(sh->sink, now));
	if (sh->stopping)
		timeout = min_timeout(timeout, sh->stop_deadline - now);
	if (poll(fds, (nfds_t) n, (int) (timeout < 0 ? 0 : timeout)) < 0 && errno != EINTR)
		return fatal(sh, CLI_EXIT_FAILURE, "poll failed");
	if (pg >= 0 && (fds[pg].revents & (POLLIN | POLLERR | POLLHUP)) &&
		repl_consume(&sh->repl) != 0)
		lost_postgres(sh, ship_now_ms());
	return 0;
}

/* One turn: acknowledgements, input, status, reports, then wait. */
static int
turn(Shipper *sh)
{
	int64_t		now = ship_now_ms();

	check_signals(sh, now);
	if (sh->sink->ops->poll(sh->sink, now) != 0)
		return fatal(sh, sh->sink->error_status, sh->sink->error);
	if (pump(sh, now) != 0 || reconnect_if_due(sh, now) != 0)
		return -1;
	if (sh->sink->ops->flush(sh->sink) != 0)
		return fatal(sh, sh->sink->error_status, sh->sink->error);
	delivery_settle(&sh->delivery);
	send_status_if_due(sh, now);
	report(sh);
	if (sh->stopping && (delivery_in_flight(&sh->delivery) == 0 || now >= sh->stop_deadline))
		return 1;
	return wait_for_work(sh, now);
}

int
ship_run(Shipper *sh)
{
	int			r;

	sh->exit_status = CLI_EXIT_OK;
	backoff_init(&sh->pg_backoff, PG_RETRY_FIRST_MS, sh->opts->sink_common.retry_max_ms);
	while ((r = turn(sh)) == 0)
		;
	if (r > 0 && delivery_in_flight(&sh->delivery) > 0)
	{
		ship_log("stopped with %llu events unacknowledged; they are sent again on the next start",
				 (unsigned long long) delivery_in_flight(&sh->delivery));
		sh->exit_status = SHIP_EXIT_UNACKED;
	}
	/* whatever is acknowledged gets confirmed before we go */
	sh->sink->ops->flush(sh->sink);
	sh->sink->ops->poll(sh->sink, ship_now_ms());
	delivery_settle(&sh->delivery);
	sh->reply_now = 1;
	send_status_if_due(sh, ship_now_ms());
	return sh->exit_status;
}
