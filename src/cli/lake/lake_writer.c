/*
 * lake_writer.c
 *    The lake writer's loop (see lake_writer.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lake_file.h"
#include "lake_message.h"
#include "lake_metrics.h"
#include "lake_writer.h"
#include "ship_common.h"
#include "stream_reader.h"

#define WAIT_STEP_MS 250		/* how soon a signal, --max-age or a metrics request is seen */
#define REPLY_MAX 512
#define RESTART_WAIT_MAX_MS 10000	/* the longest wait between two tries to read again */
#define DELIVERED_AHEAD 8192	/* messages delivered while a file is stored */

typedef struct Writer
{
	const LakeOptions *opts;
	LakeStore  *store;
	StreamReader *reader;
	LakeFile	file;
	LakeMessage message;
	W2eBuffer	index;
	char		reply[REPLY_MAX];	/* the open file's last message: acknowledged once stored */
	int64_t		oldest_ns;		/* stored time of the open file's first message */
	LakeStats	stats;
	int			metrics_fd;
	int64_t		next_progress_ms;
	uint64_t	progress_events;	/* stats.events at the last progress line */
	int64_t		progress_ms;
	int			durable_in_use; /* the consumer is another reader's: stop */
} Writer;

static void
log_line(const char *message)
{
	ship_log("%s", message);
}

/* Store the open file (index, then data), then acknowledge it. 0, or an exit status. */
static int
seal(Writer *w)
{
	LakeFile   *f = &w->file;
	const LakeOptions *o = w->opts;
	char		data_key[LAKE_KEY_MAX];
	char		index_key[LAKE_KEY_MAX];
	char		error[1024];
	W2eError	err;

	if (!f->open)
		return 0;
	w2e_buffer_reset(&w->index);
	if (lake_file_finish(f, o->stream, o->format, &w->index, &err) != 0)
	{
		cli_error("lake", "cannot finish the file of messages %llu-%llu: %s",
				  (unsigned long long) f->first_seq, (unsigned long long) f->last_seq, err.message);
		return CLI_EXIT_FAILURE;
	}
	if (lake_data_key(data_key, sizeof(data_key), o->stream, f->hour, f->first_seq, f->last_seq, o->format) != 0 ||
		lake_index_key(index_key, sizeof(index_key), o->stream, f->hour, f->first_seq, f->last_seq) != 0)
	{
		cli_error("lake", "lake key too long for stream %s", o->stream);
		return CLI_EXIT_FAILURE;
	}
	if (lake_store_put(w->store, index_key, w->index.data, w->index.len, error, sizeof(error)) != 0 ||
		lake_store_put(w->store, data_key, f->compressed.data, f->compressed.len, error, sizeof(error)) != 0)
	{
		ship_log("%s; nothing of messages %llu-%llu was acknowledged: they are read again at the next start",
				 error, (unsigned long long) f->first_seq, (unsigned long long) f->last_seq);
		return CLI_EXIT_FAILURE;
	}
	if (stream_reader_ack(w->reader, w->reply) != 0)
		ship_log("stored %s but could not acknowledge it (the hub will deliver its messages again; they are skipped)",
				 data_key);
	w->stats.files++;
	w->stats.events += f->events;
	w->stats.messages += f->messages;
	w->stats.bytes += f->compressed.len;
	w->stats.raw_bytes += f->raw_bytes;
	w->stats.last_seq = f->last_seq;
	w->stats.held_events = 0;
	/* the stored messages no longer lag; the next message tells the rest */
	w->stats.lag_messages = w->stats.lag_messages > f->messages ? w->stats.lag_messages - f->messages : 0;
	w->stats.lag_seconds = 0;
	return 0;
}

static void
progress(Writer *w, int64_t now, int force)
{
	double		seconds;

	if (w->opts->progress_interval_ms <= 0 || (!force && now < w->next_progress_ms))
		return;
	seconds = (double) (now - w->progress_ms) / 1000.0;
	ship_log("lake %s: %llu events in %llu files (%.1f MB, %.1f MB before zstd), up to message %llu; %llu events held; lag %llu messages, %.1f s; %.0f events/s",
			 w->store->shown, (unsigned long long) w->stats.events, (unsigned long long) w->stats.files,
			 (double) w->stats.bytes / 1e6, (double) w->stats.raw_bytes / 1e6,
			 (unsigned long long) w->stats.last_seq, (unsigned long long) w->stats.held_events,
			 (unsigned long long) w->stats.lag_messages, w->stats.lag_seconds,
			 seconds > 0 ? (double) (w->stats.events - w->progress_events) / seconds : 0.0);
	w->progress_events = w->stats.events;
	w->progress_ms = now;
	w->next_progress_ms = now + w->opts->progress_interval_ms;
}

/* The hour a message's events go to: their commit time, or when the stream stored it. */
static int64_t
message_hour(const LakeMessage *lm, const StreamMessage *m)
{
	int64_t		t = lm->events[0].commit_time_us;

	return lake_hour_of(t != 0 ? t : m->stored_ns / 1000);
}

/* One message into the open file (after storing the file it does not belong to). */
static int
take(Writer *w, const StreamMessage *m, int64_t now)
{
	const LakeOptions *o = w->opts;
	LakeFile   *f = &w->file;
	char		error[1024];
	W2eError	err;
	int64_t		hour;
	size_t		i;
	uint64_t	record_bytes;
	int			status;

	if (lake_message_events(&w->message, m, o->format, error, sizeof(error)) != 0)
	{
		/* not ours (or broken): kept out of the lake, said loudly, counted */
		ship_log("skipped: %s", error);
		w->stats.skipped++;
		return 0;
	}
	if (w->message.n == 0)
		return 0;				/* an empty transaction */
	hour = message_hour(&w->message, m);
	for (i = 0, record_bytes = 0; i < w->message.n; i++)
		record_bytes += w->message.events[i].record.len;
	/* a file stays within --max-bytes, unless one message alone is larger */
	if (f->open && (hour != f->hour || f->events >= o->max_events ||
					lake_file_size_bound(f) + record_bytes > (uint64_t) o->max_bytes) &&
		(status = seal(w)) != 0)
		return status;
	if (!f->open)
	{
		lake_file_start(f, hour, m->seq, now);
		w->oldest_ns = m->stored_ns;
	}
	for (i = 0; i < w->message.n; i++)
		if (lake_file_add(f, &w->message.events[i], &err) != 0)
		{
			cli_error("lake", "message %llu: %s", (unsigned long long) m->seq, err.message);
			return CLI_EXIT_FAILURE;
		}
	lake_file_message_done(f, m->seq);
	snprintf(w->reply, sizeof(w->reply), "%s", stream_message_reply(m) ? stream_message_reply(m) : "");
	w->stats.held_events = f->events;
	return 0;
}

static void
update_lag(Writer *w, const StreamMessage *m)
{
	w->stats.lag_messages = m->pending + w->file.messages;
	w->stats.lag_seconds = w->file.open && w->oldest_ns > 0 ?
		(double) (ship_wall_us() - w->oldest_ns / 1000) / 1e6 : 0.0;
	if (m->pending > 0 && m->stored_ns > 0 && !w->file.open)
		w->stats.lag_seconds = (double) (ship_wall_us() - m->stored_ns / 1000) / 1e6;
}

/* The durable consumer, made to deliver the message after last_seq. NULL with error. */
static StreamReader *
open_reader(Writer *w, uint64_t last_seq, char *error, size_t size)
{
	const LakeOptions *opts = w->opts;
	StreamReaderOptions ro;

	memset(&ro, 0, sizeof(ro));
	ro.url = opts->from;
	ro.auth = opts->auth;
	ro.stream = opts->stream;
	ro.reconnect_forever = 1;
	ro.log = log_line;
	ro.durable = opts->durable;
	ro.start_seq = last_seq + 1;
	/* a message waits in the open file up to --max-age, plus the time to store it */
	ro.ack_wait_ms = opts->max_age_ms + 120000;
	/* a whole file's messages, and those delivered while it is stored */
	ro.max_ack_pending = (int64_t) opts->max_events + DELIVERED_AHEAD;
	ro.durable_in_use = &w->durable_in_use;
	return stream_reader_open(&ro, error, size);
}

/*
 * The reader failed (messages lost on the way after the hub restarted, the
 * connection gone): the open file is stored, and the consumer made again
 * after it, until that works or a signal comes. 0, or an exit status.
 */
static int
start_again(Writer *w, const char *why, volatile sig_atomic_t *stop)
{
	char		error[1024];
	int			status = seal(w);
	int64_t		wait_ms = 500;

	if (status != 0)
		return status;
	ship_log("%s; reading again after message %llu, the lake's last", why,
			 (unsigned long long) w->stats.last_seq);
	stream_reader_close(w->reader);
	w->reader = NULL;
	while (!*stop)
	{
		struct timespec pause = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};

		w->reader = open_reader(w, w->stats.last_seq, error, sizeof(error));
		if (w->reader != NULL)
			return 0;
		if (w->durable_in_use)
		{
			/* another writer took over: going on after our own last file would overlap its */
			cli_error("lake", "%s", error);
			return CLI_EXIT_FAILURE;
		}
		ship_log("%s; trying again in %lld ms", error, (long long) wait_ms);
		nanosleep(&pause, NULL);
		wait_ms = wait_ms * 2 > RESTART_WAIT_MAX_MS ? RESTART_WAIT_MAX_MS : wait_ms * 2;
	}
	return 0;
}

static int
loop(Writer *w, volatile sig_atomic_t *stop)
{
	const LakeOptions *o = w->opts;
	StreamMessage m;
	char		error[1024];
	int			status = 0;

	while (status == 0)
	{
		int64_t		now = ship_now_ms();
		int64_t		wait = WAIT_STEP_MS;
		int			rc;

		if (*stop)
			break;
		if (w->file.open && o->max_age_ms - (now - w->file.opened_ms) < wait)
			wait = o->max_age_ms - (now - w->file.opened_ms);
		if (wait < 0)
			wait = 0;
		rc = wait == 0 ? 0 : stream_reader_next(w->reader, wait, &m, error, sizeof(error));
		now = ship_now_ms();
		if (rc < 0)
		{
			status = start_again(w, error, stop);
			if (status == 0 && w->reader == NULL)
				return 0;		/* stopped by a signal while the hub was away */
			continue;
		}
		if (rc > 0)
		{
			status = take(w, &m, now);
			update_lag(w, &m);
		}
		else
		{
			if (w->file.open && now - w->file.opened_ms >= o->max_age_ms)
				status = seal(w);
			if (!w->file.open)
			{
				w->stats.lag_messages = 0;
				w->stats.lag_seconds = 0;
			}
			if (status == 0 && o->drain && stream_reader_drained(w->reader))
				break;
		}
		lake_metrics_serve(w->metrics_fd, &w->stats, o->stream);
		progress(w, now, 0);
	}
	if (status == 0)
		status = seal(w);
	return status;
}

int
lake_run(const LakeOptions *opts, volatile sig_atomic_t *stop)
{
	Writer		w;
	char		error[1024];
	uint64_t	last_seq = 0;
	uint64_t	files = 0;
	int			status;

	memset(&w, 0, sizeof(w));
	w.opts = opts;
	w.metrics_fd = -1;
	w2e_buffer_init(&w.index, NULL);
	lake_message_init(&w.message);
	if (lake_file_init(&w.file, opts->zstd_level) != 0)
	{
		cli_error("lake", "out of memory");
		return CLI_EXIT_FAILURE;
	}
	status = CLI_EXIT_USAGE;	/* the lake cannot be opened */
	w.store = lake_store_open(opts->to, &opts->s3, error, sizeof(error));
	if (w.store == NULL)
	{
		cli_error("lake", "%s", error);
		goto done;
	}
	status = CLI_EXIT_FAILURE;
	if (lake_store_claim(w.store, opts->stream, error, sizeof(error)) != 0 ||
		lake_resume_point(w.store, opts->stream, &last_seq, &files, error, sizeof(error)) != 0)
	{
		cli_error("lake", "%s", error);
		goto done;
	}
	if (opts->metrics_addr != NULL &&
		(w.metrics_fd = lake_metrics_open(opts->metrics_addr, error, sizeof(error))) < 0)
	{
		cli_error("lake", "%s", error);
		status = CLI_EXIT_USAGE;
		goto done;
	}
	w.reader = open_reader(&w, last_seq, error, sizeof(error));
	if (w.reader == NULL)
	{
		cli_error("lake", "%s", error);
		status = w.durable_in_use ? CLI_EXIT_FAILURE : CLI_EXIT_HUB;
		goto done;
	}
	w.stats.last_seq = last_seq;
	ship_log("writing JetStream stream %s into the lake at %s (%s), durable consumer %s, %s",
			 opts->stream, w.store->shown, opts->format == LAKE_FORMAT_PROTOBUF ? "protobuf" : "ndjson",
			 opts->durable, last_seq > 0 ? "resuming" : "from the stream's first message");
	if (last_seq > 0)
		ship_log("the lake holds %llu files of stream %s, up to message %llu: resuming at %llu",
				 (unsigned long long) files, opts->stream, (unsigned long long) last_seq,
				 (unsigned long long) last_seq + 1);
	w.progress_ms = ship_now_ms();
	w.next_progress_ms = w.progress_ms + opts->progress_interval_ms;
	status = loop(&w, stop);
	progress(&w, ship_now_ms(), 1);
	ship_log("stopped: %llu events in %llu files stored, up to message %llu",
			 (unsigned long long) w.stats.events, (unsigned long long) w.stats.files,
			 (unsigned long long) w.stats.last_seq);
done:
	stream_reader_close(w.reader);
	nats_CloseAndWait(2000);
	if (w.metrics_fd >= 0)
		close(w.metrics_fd);
	lake_store_close(w.store);
	lake_file_free(&w.file);
	lake_message_free(&w.message);
	w2e_buffer_free(&w.index);
	return status;
}
