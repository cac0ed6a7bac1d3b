/*
 * nats_mark_writer.c
 *    Writes the high-water mark (nats_position.c) from a thread of its own.
 *
 * A key-value put goes through nats.c and waits for JetStream's answer: up
 * to its 5-s timeout when the node it is connected to is frozen, or the
 * bucket has no quorum. Written from the main loop, every such put stalled
 * everything else the loop does: the publishing connection's PINGs (a
 * frozen node was found dead 15 to 20 s late instead of 6 s),
 * acknowledgements, PostgreSQL's feedback. The loop only hands the newest
 * mark over (nats_mark_hand, never blocking) and later learns what was
 * written (nats_mark_report); a failed write is tried again with the next
 * mark handed over, as before.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nats_sink_state.h"

static int
same_mark(const HighWater *a, const HighWater *b)
{
	return a->have_key == b->have_key && a->scan_from == b->scan_from &&
		(!a->have_key || msg_key_compare(&a->key, &b->key) == 0);
}

static void *
writer_main(void *arg)
{
	NatsSink   *ns = arg;
	MarkWriter *w = &ns->mark;

	pthread_mutex_lock(&w->lock);
	for (;;)
	{
		HighWater	want;
		char		error[300];
		int			rc;

		while (!w->stop && w->taken == w->handed)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stop)
			break;
		w->taken = w->handed;
		want = w->want;
		if (same_mark(&want, &w->written))
		{
			pthread_cond_broadcast(&w->idle);
			continue;
		}
		w->busy = 1;
		pthread_mutex_unlock(&w->lock);
		rc = nats_position_write(ns, &want, error, sizeof(error));
		pthread_mutex_lock(&w->lock);
		w->busy = 0;
		if (rc == 0)
			w->written = want;
		else
		{
			snprintf(w->error, sizeof(w->error), "%s", error);
			w->have_error = 1;
		}
		pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The thread, knowing the mark found at start (ns->written). 0, or -1 with error. */
int
nats_mark_start(NatsSink *ns, char *error, size_t size)
{
	MarkWriter *w = &ns->mark;
	int			rc;

	w->written = ns->written;
	if ((rc = pthread_mutex_init(&w->lock, NULL)) != 0)
		goto failed;
	if ((rc = pthread_cond_init(&w->wake, NULL)) != 0)
		goto no_wake;
	if ((rc = pthread_cond_init(&w->idle, NULL)) != 0)
		goto no_idle;
	if ((rc = pthread_create(&w->thread, NULL, writer_main, ns)) != 0)
		goto no_thread;
	w->started = 1;
	return 0;

no_thread:
	pthread_cond_destroy(&w->idle);
no_idle:
	pthread_cond_destroy(&w->wake);
no_wake:
	pthread_mutex_destroy(&w->lock);
failed:
	snprintf(error, size, "cannot start the thread that writes the high-water mark: %s", strerror(rc));
	return -1;
}

/* Hand the mark over (replacing one not taken yet); never waits for the hub. */
void
nats_mark_hand(NatsSink *ns, const HighWater *hw)
{
	MarkWriter *w = &ns->mark;

	pthread_mutex_lock(&w->lock);
	w->want = *hw;
	w->handed++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* What the thread wrote since (ns->written); logs a failed write. */
void
nats_mark_report(NatsSink *ns)
{
	MarkWriter *w = &ns->mark;
	char		error[300];
	int			failed;

	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	ns->written = w->written;
	failed = w->have_error;
	w->have_error = 0;
	if (failed)
		memcpy(error, w->error, sizeof(error));
	pthread_mutex_unlock(&w->lock);
	if (failed)
		ship_log("%s (a restart scans from the older one)", error);
}

/*
 * At close: wait (at most wait_ms) until the mark handed last is written or
 * failed, then end the thread. A put in progress still ends within nats.c's
 * request timeout, which the join waits for.
 */
void
nats_mark_stop(NatsSink *ns, int wait_ms)
{
	MarkWriter *w = &ns->mark;
	struct timespec until;

	if (!w->started)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
	{
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while ((w->busy || w->taken != w->handed) &&
		   pthread_cond_timedwait(&w->idle, &w->lock, &until) == 0)
		;
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	nats_mark_report(ns);
	w->started = 0;
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
}
