/*
 * test_nats_parser.c
 *    The NATS protocol parser (src/cli/nats/nats_parser.c): every server
 *    operation, reads split at every byte, payloads of megabytes, and the
 *    malformed lines a broken or hostile server could send.
 *
 * Events are written into a log, one line each, so a test compares what
 * a connection would have seen with one string.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "nats_parser.h"

typedef struct Log
{
	char		text[8192];
	size_t		len;
	int			events;
	int			stop_after;		/* > 0: the callback stops after this many events */
	uint32_t	body_sum;		/* large payloads: a checksum instead of the bytes */
	size_t		body_total;
	int			sum_only;
} Log;

static uint32_t
checksum(const char *p, size_t n, uint32_t sum)
{
	size_t		i;

	for (i = 0; i < n; i++)
		sum = sum * 31 + (unsigned char) p[i];
	return sum;
}

static void
logf_(Log *log, const char *op, const char *a, size_t alen, const char *b, size_t blen)
{
	if (log->len < sizeof(log->text))
		log->len += (size_t) snprintf(log->text + log->len, sizeof(log->text) - log->len,
									  "%s[%.*s][%.*s]\n", op, (int) alen, a ? a : "", (int) blen, b ? b : "");
}

static int
on_event(void *ctx, const NatsEvent *ev)
{
	Log		   *log = ctx;
	char		head[128];

	log->events++;
	switch (ev->op)
	{
		case NATS_OP_INFO:
			logf_(log, "INFO", ev->text, ev->text_len, NULL, 0);
			break;
		case NATS_OP_PING:
			logf_(log, "PING", NULL, 0, NULL, 0);
			break;
		case NATS_OP_PONG:
			logf_(log, "PONG", NULL, 0, NULL, 0);
			break;
		case NATS_OP_OK:
			logf_(log, "OK", NULL, 0, NULL, 0);
			break;
		case NATS_OP_ERR:
			logf_(log, "ERR", ev->text, ev->text_len, NULL, 0);
			break;
		case NATS_OP_MSG:
			snprintf(head, sizeof(head), "%s %.*s %.*s %.*s %d %zu", ev->has_headers ? "HMSG" : "MSG",
					 (int) ev->subject_len, ev->subject, (int) ev->sid_len, ev->sid,
					 ev->reply ? (int) ev->reply_len : 1, ev->reply ? ev->reply : "-",
					 ev->status, ev->headers_len);
			log->body_total += ev->body_len;
			log->body_sum = checksum(ev->body, ev->body_len, log->body_sum);
			if (log->sum_only)
				logf_(log, head, NULL, 0, NULL, 0);
			else
				logf_(log, head, ev->headers, ev->headers_len, ev->body, ev->body_len);
			break;
	}
	return log->stop_after > 0 && log->events >= log->stop_after;
}

/*
 * Feed data in pieces of the sizes given (cycled; 0 ends the list), as a
 * connection would: append what arrived, parse, keep what was not used.
 * Returns 0, or -1 on a parse error (message in error).
 */
static int
feed(Log *log, const char *data, size_t len, const size_t *pieces, char *error, size_t size)
{
	char	   *buf = malloc(len + 1);
	size_t		have = 0,
				off = 0,
				k = 0;
	int			rc = 0;

	while (off < len)
	{
		size_t		n = pieces[k] != 0 ? pieces[k++] : (k = 0, pieces[k++]);
		long		used;

		if (n > len - off)
			n = len - off;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		used = nats_parse(buf, have, on_event, log, error, size);
		if (used < 0)
		{
			rc = -1;
			break;
		}
		memmove(buf, buf + used, have - (size_t) used);
		have -= (size_t) used;
	}
	if (rc == 0 && have != 0)
	{
		snprintf(error, size, "%zu bytes left unparsed", have);
		rc = -1;
	}
	free(buf);
	return rc;
}

/* Every operation the server sends, each kind of MSG and HMSG. */
static const char every_op[] =
	"INFO {\"server_id\":\"N1\",\"headers\":true,\"max_payload\":1048576}\r\n"
	"PING\r\n"
	"PONG\r\n"
	"+OK\r\n"
	"MSG events.a 1 5\r\nhello\r\n"
	"MSG _INBOX.x.7 1 reply.to 3\r\nabc\r\n"
	"MSG empty 2 0\r\n\r\n"
	"HMSG _INBOX.x.8 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"
	"HMSG s 1 r 20 24\r\nNATS/1.0\r\nA: b c\r\n\r\nbody\r\n"
	"msg lower 1 2\r\nok\r\n"
	"ping\r\n"
	"-ERR 'Authorization Violation'\r\n";

static const char every_op_log[] =
	"INFO[{\"server_id\":\"N1\",\"headers\":true,\"max_payload\":1048576}][]\n"
	"PING[][]\n"
	"PONG[][]\n"
	"OK[][]\n"
	"MSG events.a 1 - 0 0[][hello]\n"
	"MSG _INBOX.x.7 1 reply.to 0 0[][abc]\n"
	"MSG empty 2 - 0 0[][]\n"
	"HMSG _INBOX.x.8 1 - 503 16[NATS/1.0 503\r\n\r\n][]\n"
	"HMSG s 1 r 0 20[NATS/1.0\r\nA: b c\r\n\r\n][body]\n"
	"MSG lower 1 - 0 0[][ok]\n"
	"PING[][]\n"
	"ERR[Authorization Violation][]\n";

static void
test_every_op(void)
{
	Log			log = {0};
	char		error[200] = "";
	long		used = nats_parse(every_op, strlen(every_op), on_event, &log, error, sizeof(error));

	CHECK_INT(used, strlen(every_op));
	CHECK_STR(log.text, every_op_log);
	CHECK_STR(error, "");
}

/* A read may end anywhere: split the stream at every byte, and byte by byte. */
static void
test_split_reads(void)
{
	size_t		len = strlen(every_op);
	size_t		k;
	char		error[200];

	for (k = 1; k < len; k++)
	{
		size_t		pieces[] = {k, len, 0};
		Log			log = {0};

		if (feed(&log, every_op, len, pieces, error, sizeof(error)) != 0 ||
			strcmp(log.text, every_op_log) != 0)
		{
			unit_fail(__FILE__, __LINE__, "split at byte %zu: %s\n%s", k, error, log.text);
			return;
		}
	}
	for (k = 1; k < 8; k++)
	{
		size_t		pieces[] = {k, 0};
		Log			log = {0};

		CHECK_INT(feed(&log, every_op, len, pieces, error, sizeof(error)), 0);
		CHECK_STR(log.text, every_op_log);
	}
}

/* Payloads of megabytes, in reads of odd sizes; the bytes come out whole. */
static void
test_large_payloads(void)
{
	size_t		body = (size_t) 5 << 20;	/* 5 MB, over nats-server's largest max_payload */
	size_t		cap = 2 * body + 256;
	char	   *data = malloc(cap);
	size_t		len = 0,
				i;
	size_t		odd[] = {7919, 1, 65536, 3, 0};
	size_t		whole[] = {cap, 0};
	uint32_t	want = 0;
	char		error[200] = "";
	Log			a = {.sum_only = 1},
				b = {.sum_only = 1};

	len += (size_t) sprintf(data + len, "MSG big 1 %zu\r\n", body);
	for (i = 0; i < body; i++)
		data[len + i] = (char) ('a' + i % 26);
	want = checksum(data + len, body, 0);
	len += body;
	len += (size_t) sprintf(data + len, "\r\nHMSG big 2 12 %zu\r\nNATS/1.0\r\n\r\n", body + 12);
	for (i = 0; i < body; i++)
		data[len + i] = (char) ('a' + i % 26);
	want = checksum(data + len, body, want);
	len += body;
	len += (size_t) sprintf(data + len, "\r\nPING\r\n");

	CHECK_INT(feed(&a, data, len, odd, error, sizeof(error)), 0);
	CHECK_STR(error, "");
	CHECK_STR(a.text, "MSG big 1 - 0 0[][]\nHMSG big 2 - 0 12[][]\nPING[][]\n");
	CHECK_INT(a.body_total, 2 * body);
	CHECK(a.body_sum == want);
	CHECK_INT(feed(&b, data, len, whole, error, sizeof(error)), 0);
	CHECK_STR(b.text, a.text);
	CHECK(b.body_sum == want);
	free(data);
}

/* An incomplete message is left whole for the next call, however much of it came. */
static void
test_incomplete(void)
{
	const char *s = "PONG\r\nMSG a 1 10\r\n01234";
	Log			log = {0};
	char		error[200];

	CHECK_INT(nats_parse(s, strlen(s), on_event, &log, error, sizeof(error)), 6);
	CHECK_STR(log.text, "PONG[][]\n");
	CHECK_INT(nats_parse("PIN", 3, on_event, &log, error, sizeof(error)), 0);
	CHECK_INT(nats_parse("", 0, on_event, &log, error, sizeof(error)), 0);
	/* payload there, its CRLF not yet */
	CHECK_INT(nats_parse("MSG a 1 2\r\nab", 13, on_event, &log, error, sizeof(error)), 0);
	CHECK_INT(nats_parse("MSG a 1 2\r\nab\r", 14, on_event, &log, error, sizeof(error)), 0);
	CHECK_INT(log.events, 1);
}

/* The callback may stop the parse: the rest stays unconsumed. */
static void
test_stop(void)
{
	const char *s = "INFO {}\r\nPING\r\n";
	Log			log = {.stop_after = 1};
	char		error[200];

	CHECK_INT(nats_parse(s, strlen(s), on_event, &log, error, sizeof(error)), 9);
	CHECK_STR(log.text, "INFO[{}][]\n");
}

/* -ERR: the text without its quotes; any text is accepted. */
static void
test_err_text(void)
{
	const char *s = "-ERR 'Maximum Payload Violation'\r\n-ERR unquoted text \r\n-ERR\r\n-err 'x'\n";
	Log			log = {0};
	char		error[200];

	CHECK_INT(nats_parse(s, strlen(s), on_event, &log, error, sizeof(error)), strlen(s));
	CHECK_STR(log.text, "ERR[Maximum Payload Violation][]\nERR[unquoted text][]\nERR[][]\nERR[x][]\n");
}

/* Header status lines. */
static void
test_header_status(void)
{
	CHECK_INT(nats_header_status("NATS/1.0 503\r\n\r\n", 16), 503);
	CHECK_INT(nats_header_status("NATS/1.0 408 Request Timeout\r\n\r\n", 32), 408);
	CHECK_INT(nats_header_status("NATS/1.0\r\nA: b\r\n\r\n", 18), 0);
	CHECK_INT(nats_header_status("NATS/1.", 7), 0);
	CHECK_INT(nats_header_status("HTTP/1.0 200", 12), 0);
	CHECK_INT(nats_header_status("NATS/1.0 99999999999", 20), 999);
}

/* Each malformed input: the error names the problem and quotes the line. */
static void
check_malformed(const char *input, const char *want_error)
{
	Log			log = {0};
	char		error[200] = "";
	long		used = nats_parse(input, strlen(input), on_event, &log, error, sizeof(error));

	if (used != -1 || strcmp(error, want_error) != 0)
		unit_fail(__FILE__, __LINE__, "input %s\n      got:  %ld %s\n      want: -1 %s",
				  input, used, error, want_error);
}

static void
test_malformed(void)
{
	check_malformed("FOO bar\r\n", "NATS sent an unknown protocol line: 'FOO bar'");
	check_malformed("PINGX\r\n", "NATS sent an unknown protocol line: 'PINGX'");
	check_malformed("PING now\r\n", "NATS sent an unknown protocol line: 'PING now'");
	check_malformed("INFO\r\n", "NATS sent an unknown protocol line: 'INFO'");
	check_malformed("\r\n", "NATS sent an empty protocol line: ''");
	check_malformed("\x01\x02\xff\r\n", "NATS sent an unknown protocol line: '?\?\?'");
	check_malformed("MSG a 1 x\r\n", "NATS sent a message line with a bad size: 'MSG a 1 x'");
	check_malformed("MSG a 1 -1\r\n", "NATS sent a message line with a bad size: 'MSG a 1 -1'");
	check_malformed("MSG a 1 \r\n", "NATS sent a malformed message line: 'MSG a 1 '");
	check_malformed("MSG a 1 99999999999\r\n", "NATS sent a message line with a bad size: 'MSG a 1 99999999999'");
	check_malformed("MSG a 1 2147483648\r\n", "NATS sent a message line with a bad size: 'MSG a 1 2147483648'");
	check_malformed("MSG a 1 1e3\r\n", "NATS sent a message line with a bad size: 'MSG a 1 1e3'");
	check_malformed("HMSG a 1 10 5\r\n", "NATS sent a message line with a bad size: 'HMSG a 1 10 5'");
	check_malformed("HMSG a 1 x 5\r\n", "NATS sent a message line with a bad size: 'HMSG a 1 x 5'");
	check_malformed("HMSG a 1 5\r\n", "NATS sent a malformed message line: 'HMSG a 1 5'");
	check_malformed("MSG a\r\n", "NATS sent a malformed message line: 'MSG a'");
	check_malformed("MSG a 1 r x 5\r\n", "NATS sent a malformed message line: 'MSG a 1 r x 5'");
	check_malformed("HMSG a 1 r 2 4 5 6\r\n", "NATS sent a malformed message line: 'HMSG a 1 r 2 4 5 6'");
	/* the size lies: the payload's CRLF is not where it says */
	check_malformed("MSG a 1 3\r\nhello\r\n", "NATS sent a message whose payload does not end where its size says: 'MSG a 1 3'");
	check_malformed("MSG a 1 7\r\nhello\r\nPING\r\n",
					"NATS sent a message whose payload does not end where its size says: 'MSG a 1 7'");
	/* what came before a bad line was handed out, the bad line stops all */
	check_malformed("PONG\r\nBAD\r\nPING\r\n", "NATS sent an unknown protocol line: 'BAD'");
}

/* A line that never ends: incomplete up to NATS_PARSE_MAX_LINE, then malformed. */
static void
test_overlong_line(void)
{
	size_t		len = NATS_PARSE_MAX_LINE + 16;
	char	   *s = malloc(len + 3);
	Log			log = {0};
	char		error[200] = "";

	memcpy(s, "INFO ", 5);
	memset(s + 5, 'x', len - 5);
	CHECK_INT(nats_parse(s, NATS_PARSE_MAX_LINE, on_event, &log, error, sizeof(error)), 0);
	CHECK_INT(nats_parse(s, NATS_PARSE_MAX_LINE + 1, on_event, &log, error, sizeof(error)), 0);
	CHECK_INT(nats_parse(s, NATS_PARSE_MAX_LINE + 2, on_event, &log, error, sizeof(error)), -1);
	CHECK_STR(error, "NATS sent a protocol line too long: 'INFO xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
	/* one of NATS_PARSE_MAX_LINE bytes, with its CRLF, is accepted */
	memcpy(s + NATS_PARSE_MAX_LINE, "\r\n", 2);
	CHECK_INT(nats_parse(s, NATS_PARSE_MAX_LINE + 2, on_event, &log, error, sizeof(error)), NATS_PARSE_MAX_LINE + 2);
	CHECK_INT(log.events, 1);
	/* the limit holds for a newline found further on too */
	memset(s + 5, 'x', len - 5);
	memcpy(s + len, "\r\n", 2);
	CHECK_INT(nats_parse(s, len + 2, on_event, &log, error, sizeof(error)), -1);
	free(s);
}

const UnitTest nats_parser_tests[] = {
	{"nats parser: every operation", test_every_op},
	{"nats parser: reads split at every byte", test_split_reads},
	{"nats parser: payloads of megabytes", test_large_payloads},
	{"nats parser: incomplete messages wait", test_incomplete},
	{"nats parser: the callback stops the parse", test_stop},
	{"nats parser: -ERR text", test_err_text},
	{"nats parser: header status", test_header_status},
	{"nats parser: malformed server lines", test_malformed},
	{"nats parser: overlong lines", test_overlong_line},
	{NULL, NULL}
};
