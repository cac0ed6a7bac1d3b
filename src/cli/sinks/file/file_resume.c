/*
 * file_resume.c
 *    Where a file written by the file sink ends: the key of its last
 *    complete record, after truncating a record a crash cut short.
 *
 * Framed protobuf is walked frame header by frame header (pread of the
 * header, then a jump over the payload), so a file of any size is scanned
 * without reading the envelopes; only the last one is decoded. JSON lines
 * are read in blocks looking for newlines; the last line's "id" is read.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"

/* A frame header at off: 1 and *payload_off, *payload_len set; 0 cut short; -1 bad. */
static int
read_frame_header(int fd, off_t off, off_t size, off_t *payload_off, uint64_t *payload_len)
{
	uint8_t		h[W2E_FRAME_HEADER_MAX];
	ssize_t		n = pread(fd, h, sizeof(h), off);
	uint64_t	len = 0;
	int			i;

	if (n <= 0 || h[0] != W2E_FRAME_MAGIC)
		return n <= 0 ? 0 : -1;
	for (i = 1; i < n && i < W2E_FRAME_HEADER_MAX; i++)
	{
		len |= (uint64_t) (h[i] & 0x7F) << (7 * (i - 1));
		if ((h[i] & 0x80) == 0)
		{
			*payload_off = off + i + 1;
			*payload_len = len;
			return *payload_off + (off_t) len <= size ? 1 : 0;
		}
	}
	return n < W2E_FRAME_HEADER_MAX ? 0 : -1;
}

static int
last_envelope_key(int fd, off_t off, uint64_t len, MsgKey *key)
{
	uint8_t    *data = malloc(len > 0 ? len : 1);
	W2eEventEnvelope *env = NULL;
	int			rc = -1;

	if (data != NULL && pread(fd, data, len, off) == (ssize_t) len)
		env = wal2events__v1__event_envelope__unpack(NULL, len, data);
	if (env != NULL)
	{
		key->commit_lsn = env->commit_lsn;
		key->position = env->position;
		key->part = KEY_PART_EVENT;
		rc = 0;
	}
	if (env != NULL)
		wal2events__v1__event_envelope__free_unpacked(env, NULL);
	free(data);
	return rc;
}

static int
resume_protobuf(int fd, const char *path, off_t size, int *have_tail, MsgKey *tail,
				off_t *end, char *error, size_t error_size)
{
	off_t		off = 0;
	off_t		last_off = -1;
	uint64_t	last_len = 0;

	for (;;)
	{
		off_t		payload_off;
		uint64_t	len;
		int			r = read_frame_header(fd, off, size, &payload_off, &len);

		if (r < 0)
		{
			snprintf(error, error_size, "%s is not a file of framed EventEnvelopes (bad frame at byte %lld); give another file",
					 path, (long long) off);
			return -1;
		}
		if (r == 0)
			break;
		last_off = payload_off;
		last_len = len;
		off = payload_off + (off_t) len;
	}
	*end = off;
	if (last_off < 0)
		return 0;
	if (last_envelope_key(fd, last_off, last_len, tail) != 0)
	{
		snprintf(error, error_size, "%s: the last record is not an EventEnvelope of wal2events ship; give another file", path);
		return -1;
	}
	*have_tail = 1;
	return 0;
}

/*
 * The key of the JSON line at off, from its "commit_lsn" and "position"
 * members. They come before the event's body, and a quote inside a string
 * value is escaped, so the first `,"commit_lsn":"` is the member itself.
 */
static int
line_key(int fd, off_t off, MsgKey *key)
{
	char		head[65536];	/* id, type and partition key come first */
	ssize_t		n = pread(fd, head, sizeof(head) - 1, off);
	char	   *lsn;
	char	   *pos;
	char	   *quote;
	static const char lsn_member[] = ",\"commit_lsn\":\"";
	static const char pos_member[] = ",\"position\":";

	if (n < 2 || head[0] != '{')
		return -1;
	head[n] = '\0';
	lsn = strstr(head, lsn_member);
	pos = strstr(head, pos_member);
	if (lsn == NULL || pos == NULL)
		return -1;
	lsn += sizeof(lsn_member) - 1;
	if ((quote = strchr(lsn, '"')) == NULL)
		return -1;
	*quote = '\0';
	if (lsn_parse(lsn, &key->commit_lsn) != 0)
		return -1;
	key->position = (uint32_t) strtoul(pos + sizeof(pos_member) - 1, NULL, 10);
	key->part = KEY_PART_EVENT;
	return 0;
}

static int
resume_json(int fd, const char *path, int *have_tail, MsgKey *tail, off_t *end,
			char *error, size_t error_size)
{
	char		block[65536];
	off_t		off = 0;
	off_t		line_start = 0;
	off_t		last_line = -1;
	ssize_t		n;

	while ((n = pread(fd, block, sizeof(block), off)) > 0)
	{
		char	   *p = block;
		char	   *nl;

		while ((nl = memchr(p, '\n', (size_t) (block + n - p))) != NULL)
		{
			last_line = line_start;
			line_start = off + (nl - block) + 1;
			p = nl + 1;
		}
		off += n;
	}
	*end = line_start;
	if (last_line < 0)
		return 0;
	if (line_key(fd, last_line, tail) != 0)
	{
		snprintf(error, error_size, "%s: the last line is not an event of wal2events ship; give another file", path);
		return -1;
	}
	*have_tail = 1;
	return 0;
}

int
sink_file_resume(int fd, const char *path, PayloadFormat format, int *have_tail,
				 MsgKey *tail, char *error, size_t error_size)
{
	struct stat st;
	off_t		end = 0;
	int			rc;

	*have_tail = 0;
	if (fstat(fd, &st) != 0)
	{
		snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	rc = format == PAYLOAD_JSON ? resume_json(fd, path, have_tail, tail, &end, error, error_size)
		: resume_protobuf(fd, path, st.st_size, have_tail, tail, &end, error, error_size);
	if (rc != 0)
		return -1;
	if (end < st.st_size)
	{
		if (ftruncate(fd, end) != 0)
		{
			snprintf(error, error_size, "cannot truncate the incomplete last record of %s: %s",
					 path, strerror(errno));
			return -1;
		}
		ship_log("%s: removed an incomplete last record (%lld bytes) left by an interrupted run",
				 path, (long long) (st.st_size - end));
	}
	return 0;
}
