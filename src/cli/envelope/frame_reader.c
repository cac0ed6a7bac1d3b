/*
 * frame_reader.c
 *    Framed messages from a file descriptor, as they arrive.
 *
 * read(2), not stdio: fread() would wait for a whole buffer and hold back
 * the frames of a live stream. The buffer starts small and grows only to fit
 * the frame at hand; since w2e_frame_next() rejects lengths over
 * W2E_MAX_MESSAGE_SIZE at once, memory stays bounded by the largest message
 * actually in the input, not by the size of the input.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wal2events.h"

#define INITIAL_CAP ((size_t) 64 * 1024)
#define MAX_CAP (W2E_MAX_MESSAGE_SIZE + W2E_FRAME_HEADER_MAX)

int
frame_reader_init(FrameReader *reader, int fd)
{
	memset(reader, 0, sizeof(*reader));
	reader->fd = fd;
	reader->buf = malloc(INITIAL_CAP);
	reader->cap = INITIAL_CAP;
	return reader->buf != NULL ? 0 : -1;
}

void
frame_reader_free(FrameReader *reader)
{
	free(reader->buf);
	reader->buf = NULL;
}

/* Room to read into: move unconsumed bytes to the front, grow if full. */
static int
make_room(FrameReader *reader)
{
	uint8_t    *bigger;
	size_t		cap;

	if (reader->start > 0)
	{
		memmove(reader->buf, reader->buf + reader->start, reader->end - reader->start);
		reader->end -= reader->start;
		reader->start = 0;
	}
	if (reader->end < reader->cap)
		return 0;
	if (reader->cap >= MAX_CAP)
		return -1;				/* cannot happen: frame_next caps lengths */
	cap = reader->cap * 2 > MAX_CAP ? MAX_CAP : reader->cap * 2;
	bigger = realloc(reader->buf, cap);
	if (bigger == NULL)
		return -1;
	reader->buf = bigger;
	reader->cap = cap;
	return 0;
}

/* One read(); sets eof at the end of input. */
static int
fill(FrameReader *reader, char *error, size_t error_size)
{
	ssize_t		n;

	if (make_room(reader) != 0)
	{
		snprintf(error, error_size, "out of memory for a frame at byte offset %llu",
				 (unsigned long long) reader->offset);
		return -1;
	}
	if (reader->before_wait != NULL)
		reader->before_wait(reader->ctx);
	do
		n = read(reader->fd, reader->buf + reader->end, reader->cap - reader->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
	{
		snprintf(error, error_size, "cannot read input at byte offset %llu: %s",
				 (unsigned long long) (reader->offset + (reader->end - reader->start)),
				 strerror(errno));
		return -1;
	}
	if (n == 0)
		reader->eof = 1;
	reader->end += (size_t) n;
	return 0;
}

int
frame_reader_next(FrameReader *reader, const uint8_t **message,
				  size_t *message_len, uint64_t *frame_offset,
				  char *error, size_t error_size)
{
	W2eError	err;
	size_t		consumed;
	W2eFrameResult r;

	for (;;)
	{
		/* Skip newlines here so that offset is where the next frame starts. */
		while (reader->start < reader->end && reader->buf[reader->start] == '\n')
		{
			reader->start++;
			reader->offset++;
		}
		r = w2e_frame_next(reader->buf + reader->start, reader->end - reader->start,
						   message, message_len, &consumed, &err);
		if (r == W2E_FRAME_ERROR)
		{
			snprintf(error, error_size, "malformed input at byte offset %llu: %s",
					 (unsigned long long) (reader->offset + consumed), err.message);
			return -1;
		}
		if (r == W2E_FRAME_OK)
		{
			*frame_offset = reader->offset;
			reader->start += consumed;
			reader->offset += consumed;
			return 1;
		}
		if (reader->eof)
			break;
		if (fill(reader, error, error_size) != 0)
			return -1;
	}
	if (reader->start == reader->end)
		return 0;
	snprintf(error, error_size, "truncated input: it ends inside the frame at byte offset %llu (%zu bytes of it present)",
			 (unsigned long long) reader->offset, reader->end - reader->start);
	return -1;
}
