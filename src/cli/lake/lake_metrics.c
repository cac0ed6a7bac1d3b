/*
 * lake_metrics.c
 *    The lake writer's --metrics endpoint (see lake_metrics.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lake_metrics.h"
#include "metrics.h"

#define REQUEST_WAIT_MS 100

int
lake_metrics_open(const char *addr, char *error, size_t size)
{
	return metrics_listen(addr, error, size);
}

static void
respond(int fd, const char *status, const char *body)
{
	char		head[200];
	size_t		len = strlen(body);
	int			n = snprintf(head, sizeof(head),
							 "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
							 status, len);

	if (write(fd, head, (size_t) n) == n && len > 0 && write(fd, body, len) < 0)
		return;
}

static void
answer(int client, const LakeStats *s, const char *stream)
{
	char		request[1024];
	char		body[2048];
	struct pollfd pfd = {client, POLLIN, 0};
	ssize_t		n = 0;

	if (poll(&pfd, 1, REQUEST_WAIT_MS) > 0)
		n = read(client, request, sizeof(request) - 1);
	if (n <= 0)
		return;
	request[n] = '\0';
	if (strncmp(request, "GET /healthz", 12) == 0)
	{
		respond(client, "200 OK", "ok\n");
		return;
	}
	if (strncmp(request, "GET /metrics", 12) != 0)
	{
		respond(client, "404 Not Found", "try /metrics or /healthz\n");
		return;
	}
	snprintf(body, sizeof(body),
			 "# HELP wal2events_lake_events_total Events stored in lake files.\n"
			 "# TYPE wal2events_lake_events_total counter\n"
			 "wal2events_lake_events_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_messages_total Stream messages stored in lake files.\n"
			 "# TYPE wal2events_lake_messages_total counter\n"
			 "wal2events_lake_messages_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_files_total Lake files written.\n"
			 "# TYPE wal2events_lake_files_total counter\n"
			 "wal2events_lake_files_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_bytes_total Bytes of the lake files written (compressed).\n"
			 "# TYPE wal2events_lake_bytes_total counter\n"
			 "wal2events_lake_bytes_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_uncompressed_bytes_total Bytes of the records before compression.\n"
			 "# TYPE wal2events_lake_uncompressed_bytes_total counter\n"
			 "wal2events_lake_uncompressed_bytes_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_skipped_messages_total Messages that are not events of wal2events.\n"
			 "# TYPE wal2events_lake_skipped_messages_total counter\n"
			 "wal2events_lake_skipped_messages_total{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_last_sequence Stream sequence of the newest message in the lake.\n"
			 "# TYPE wal2events_lake_last_sequence gauge\n"
			 "wal2events_lake_last_sequence{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_lag_messages Messages of the stream not yet in a lake file.\n"
			 "# TYPE wal2events_lake_lag_messages gauge\n"
			 "wal2events_lake_lag_messages{stream=\"%s\"} %llu\n"
			 "# HELP wal2events_lake_lag_seconds Age of the oldest stream message not yet in a lake file.\n"
			 "# TYPE wal2events_lake_lag_seconds gauge\n"
			 "wal2events_lake_lag_seconds{stream=\"%s\"} %.3f\n",
			 stream, (unsigned long long) s->events, stream, (unsigned long long) s->messages,
			 stream, (unsigned long long) s->files, stream, (unsigned long long) s->bytes,
			 stream, (unsigned long long) s->raw_bytes, stream, (unsigned long long) s->skipped,
			 stream, (unsigned long long) s->last_seq, stream, (unsigned long long) s->lag_messages,
			 stream, s->lag_seconds);
	respond(client, "200 OK", body);
}

void
lake_metrics_serve(int fd, const LakeStats *s, const char *stream)
{
	int			client;

	if (fd < 0)
		return;
	while ((client = accept(fd, NULL, NULL)) >= 0)
	{
		answer(client, s, stream);
		close(client);
	}
}
