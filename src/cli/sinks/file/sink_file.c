/*
 * sink_file.c
 *    The file: and standard output sinks.
 *
 * file:PATH appends one record per event: with --payload protobuf a frame
 * (0xE2, the envelope's length as a varint, the EventEnvelope), with json
 * one line. Records are buffered and written whenever the main loop is
 * about to wait, then fdatasync'ed; only then are their tickets
 * acknowledged, so the slot is confirmed only for events on disk. At open,
 * a record cut short by a crash is truncated away and the last complete
 * record says where to resume, so a restart appends no duplicates.
 *
 * A file the sink creates is readable by its owner only (0600): events
 * carry rows, which may be personal data. A path that is not a regular
 * file (a device, a FIFO) is written like standard output: nothing to
 * resume from, nothing to sync; a write error (ENOSPC on /dev/full) stops
 * the shipper with that error, before anything written is acknowledged.
 *
 * Standard output ("-") is the same without fsync and without resuming;
 * when the reader goes away (EPIPE), the command stops quietly.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"

#define WRITE_THRESHOLD (1 << 20)	/* write out the buffer beyond this */

typedef struct FileSink
{
	Sink		base;
	int			fd;
	int			is_stdout;
	int			durable;		/* a regular file: fdatasync before acknowledging */
	PayloadFormat format;
	const char *path;
	W2eBuffer	buffer;			/* records not yet written */
	uint64_t	first_unacked;	/* tickets from here to next_ticket are written, not synced */
	uint64_t	next_ticket;
} FileSink;

static int
io_error(FileSink *fs, const char *what)
{
	if (errno == EPIPE)
	{
		fs->base.error[0] = '\0';	/* the reader went away: stop, no error */
		fs->base.error_status = CLI_EXIT_OK;
		return -1;
	}
	snprintf(fs->base.error, sizeof(fs->base.error), "cannot %s %s: %s", what,
			 fs->is_stdout ? "standard output" : fs->path, strerror(errno));
	fs->base.error_status = CLI_EXIT_FAILURE;
	return -1;
}

static int
write_out(FileSink *fs)
{
	size_t		done = 0;

	while (done < fs->buffer.len)
	{
		ssize_t		n = write(fs->fd, fs->buffer.data + done, fs->buffer.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(fs, "write to");
		done += (size_t) n;
	}
	w2e_buffer_reset(&fs->buffer);
	return 0;
}

static int
file_publish(Sink *sink, const Envelope *ev, uint64_t ticket)
{
	FileSink   *fs = (FileSink *) sink;
	uint8_t		header[W2E_FRAME_HEADER_MAX];
	int			rc;

	if (fs->format == PAYLOAD_JSON)
		rc = w2e_buffer_append(&fs->buffer, ev->data, ev->len) != 0 ||
			w2e_buffer_append(&fs->buffer, "\n", 1) != 0;
	else
		rc = w2e_buffer_append(&fs->buffer, header, frame_header(header, ev->len)) != 0 ||
			w2e_buffer_append(&fs->buffer, ev->data, ev->len) != 0;
	if (rc != 0)
	{
		snprintf(sink->error, sizeof(sink->error), "out of memory buffering event %s", ev->id);
		sink->error_status = CLI_EXIT_FAILURE;
		return -1;
	}
	if (fs->next_ticket == fs->first_unacked)
		fs->first_unacked = ticket;
	fs->next_ticket = ticket + 1;
	sink->stats.published++;
	return fs->buffer.len >= WRITE_THRESHOLD ? write_out(fs) : 0;
}

static int
file_ready(Sink *sink)
{
	return 1;
}

static int
file_poll(Sink *sink, int64_t now)
{
	return 0;
}

/* Write, sync, then acknowledge everything written. */
static int
file_flush(Sink *sink)
{
	FileSink   *fs = (FileSink *) sink;
	uint64_t	t;

	if (fs->first_unacked == fs->next_ticket)
		return 0;
	if (write_out(fs) != 0)
		return -1;
	if (fs->durable && fdatasync(fs->fd) != 0)
		return io_error(fs, "sync");
	for (t = fs->first_unacked; t < fs->next_ticket; t++)
	{
		sink->stats.acked++;
		sink->on_ack(sink->ack_ctx, t);
	}
	fs->first_unacked = fs->next_ticket;
	return 0;
}

static int
file_wait_fd(Sink *sink)
{
	return -1;
}

static int64_t
file_next_deadline(Sink *sink, int64_t now)
{
	return -1;
}

static void
file_close(Sink *sink)
{
	FileSink   *fs = (FileSink *) sink;

	if (!fs->is_stdout && fs->fd >= 0)
		close(fs->fd);
	w2e_buffer_free(&fs->buffer);
	free(fs);
}

static const SinkOps file_ops = {
	file_publish, file_ready, file_poll, file_flush, file_wait_fd,
	file_next_deadline, file_close
};

/* Where a file sink writes: the path after "file:", or NULL for "-". */
typedef struct FileOptions
{
	const char *path;
} FileOptions;

static Sink *
sink_file_open(const void *options, const SinkCommon *common, const SinkSource *source,
			   char *error, size_t error_size, int *status)
{
	const FileOptions *opts = options;
	FileSink   *fs = calloc(1, sizeof(FileSink));
	struct stat st;

	*status = CLI_EXIT_FAILURE;
	if (fs == NULL)
	{
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	fs->base.ops = &file_ops;
	fs->format = common->payload;
	fs->is_stdout = opts->path == NULL;
	fs->path = opts->path;
	w2e_buffer_init(&fs->buffer, NULL);
	if (fs->is_stdout)
	{
		fs->fd = STDOUT_FILENO;
		return &fs->base;
	}
	fs->fd = open(fs->path, O_RDWR | O_CREAT | O_APPEND, 0600);
	if (fs->fd < 0 || fstat(fs->fd, &st) != 0)
	{
		snprintf(error, error_size, "cannot open %s: %s (check the path given to --to file:)",
				 fs->path, strerror(errno));
		file_close(&fs->base);
		return NULL;
	}
	fs->durable = S_ISREG(st.st_mode);
	if (fs->durable && sink_file_resume(fs->fd, fs->path, fs->format, &fs->base.have_tail,
										&fs->base.tail, error, error_size) != 0)
	{
		file_close(&fs->base);
		return NULL;
	}
	return &fs->base;
}

static int
accepts_file(const char *to)
{
	return strncmp(to, "file:", 5) == 0 && to[5] != '\0';
}

static int
accepts_stdout(const char *to)
{
	return strcmp(to, "-") == 0;
}

static void *
options_new(const char *to)
{
	FileOptions *o = calloc(1, sizeof(FileOptions));

	if (o != NULL && strcmp(to, "-") != 0)
		o->path = to + 5;
	return o;
}

static int
no_option(void *options, const char *flag, const char *value, char *error, size_t size)
{
	snprintf(error, size, "--%s is not a flag of the file sink", flag);
	return -1;
}

static int
finish(void *options, const SinkCommon *common, char *error, size_t size)
{
	return 0;
}

static const SinkFlag no_flags[] = {{NULL, 0}};

/* A file and standard output differ only in how --to names them. */
#define FILE_SINK_TYPE(NAME, TARGET, ACCEPTS) { \
	.name = NAME, \
	.target = TARGET, \
	.accepts = ACCEPTS, \
	.flags = no_flags, \
	.help = "", \
	.options_new = options_new, \
	.option = no_option, \
	.finish = finish, \
	.open = sink_file_open, \
	.options_free = free, \
}

const SinkType sink_type_file = FILE_SINK_TYPE("file", "file:PATH", accepts_file);
const SinkType sink_type_stdout = FILE_SINK_TYPE("standard output", "-", accepts_stdout);
