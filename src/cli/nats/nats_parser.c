/*
 * nats_parser.c
 *    The NATS server's protocol messages, parsed from a buffer: see
 *    nats_parser.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nats_parser.h"

#define MAX_FIELDS 6			/* HMSG subject sid reply hdr-size size */

typedef struct Span
{
	const char *p;
	size_t		len;
} Span;

/* A one-line reason quoting the start of the line, printable bytes only. */
static long
malformed(char *error, size_t size, const char *why, const char *line, size_t len)
{
	char		shown[48];
	size_t		i,
				n = len < sizeof(shown) - 4 ? len : sizeof(shown) - 4;

	for (i = 0; i < n; i++)
		shown[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	if (n < len)
		memcpy(shown + n, "...", 3), n += 3;
	shown[n] = '\0';
	snprintf(error, size, "NATS sent %s: '%s'", why, shown);
	return -1;
}

/* Split line[0..len) at blanks into at most max spans; more than max: max + 1. */
static int
split(const char *line, size_t len, Span *f, int max)
{
	int			n = 0;
	size_t		i = 0;

	while (i < len)
	{
		size_t		start;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
	}
	return n;
}

/* A size: decimal digits only, at most NATS_PARSE_MAX_PAYLOAD. 0, or -1. */
static int
size_field(Span s, size_t *out)
{
	size_t		v = 0;
	size_t		i;

	if (s.len == 0 || s.len > 10)
		return -1;
	for (i = 0; i < s.len; i++)
	{
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (size_t) (s.p[i] - '0');
	}
	if (v > NATS_PARSE_MAX_PAYLOAD)
		return -1;
	*out = v;
	return 0;
}

int
nats_header_status(const char *hdr, size_t len)
{
	int			status = 0;
	size_t		i = 8;			/* "NATS/1.0" */
	size_t		digits = 0;

	if (len < i || memcmp(hdr, "NATS/1.0", i) != 0)
		return 0;
	while (i < len && hdr[i] == ' ')
		i++;
	while (i < len && hdr[i] >= '0' && hdr[i] <= '9' && digits++ < 3)
		status = status * 10 + (hdr[i++] - '0');
	return status;
}

/* The word at the start of a line (an operation name) equals op, ignoring case. */
static int
is_op(Span word, const char *op)
{
	return word.len == strlen(op) && strncasecmp(word.p, op, word.len) == 0;
}

/*
 * MSG or HMSG: the line's fields f[0..n), the payload from p (avail bytes
 * there). 1 parsed (ev filled, *used its payload and CRLF), 0 incomplete,
 * -1 malformed (*why set).
 */
static int
message(const Span *f, int n, const char *p, size_t avail, NatsEvent *ev, size_t *used,
		const char **why)
{
	int			headers = f[0].len == 4;	/* "HMSG" */
	int			min = headers ? 5 : 4;
	size_t		total,
				hdr_len = 0;

	*why = "a malformed message line";
	if (n < min || n > min + 1)
		return -1;
	*why = "a message line with a bad size";
	if (size_field(f[n - 1], &total) != 0 ||
		(headers && (size_field(f[n - 2], &hdr_len) != 0 || hdr_len > total)))
		return -1;
	if (avail < total + 2)
		return 0;
	*why = "a message whose payload does not end where its size says";
	if (p[total] != '\r' || p[total + 1] != '\n')
		return -1;
	ev->op = NATS_OP_MSG;
	ev->subject = f[1].p;
	ev->subject_len = f[1].len;
	ev->sid = f[2].p;
	ev->sid_len = f[2].len;
	ev->reply = n == min + 1 ? f[3].p : NULL;
	ev->reply_len = n == min + 1 ? f[3].len : 0;
	ev->has_headers = headers;
	ev->headers = headers ? p : NULL;
	ev->headers_len = hdr_len;
	ev->status = headers ? nats_header_status(p, hdr_len) : 0;
	ev->body = p + hdr_len;
	ev->body_len = total - hdr_len;
	*used = total + 2;
	return 1;
}

/* text after the operation's name, blanks and (for -ERR) quotes trimmed. */
static void
set_text(NatsEvent *ev, const char *line, size_t len, size_t skip, int unquote)
{
	const char *t = line + skip;
	size_t		n = len - skip;

	while (n > 0 && (*t == ' ' || *t == '\t'))
		t++, n--;
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (unquote && n >= 2 && t[0] == '\'' && t[n - 1] == '\'')
		t++, n -= 2;
	ev->text = t;
	ev->text_len = n;
}

long
nats_parse(const char *buf, size_t len, NatsEventFn fn, void *ctx, char *error, size_t error_size)
{
	size_t		pos = 0;

	while (pos < len)
	{
		const char *line = buf + pos;
		size_t		avail = len - pos;
		const char *eol = memchr(line, '\n', avail < NATS_PARSE_MAX_LINE + 2 ? avail : NATS_PARSE_MAX_LINE + 2);
		size_t		line_len,
					used = 0;
		Span		f[MAX_FIELDS];
		int			n;
		NatsEvent	ev;
		const char *why;

		if (eol == NULL)
		{
			if (avail > NATS_PARSE_MAX_LINE + 1)
				return malformed(error, error_size, "a protocol line too long", line, avail);
			return (long) pos;
		}
		line_len = (size_t) (eol - line);
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		memset(&ev, 0, sizeof(ev));
		n = split(line, line_len, f, MAX_FIELDS);
		if (n == 0)
			return malformed(error, error_size, "an empty protocol line", line, line_len);
		if (is_op(f[0], "MSG") || is_op(f[0], "HMSG"))
		{
			int			r = message(f, n, eol + 1, avail - (size_t) (eol + 1 - line), &ev, &used, &why);

			if (r < 0)
				return malformed(error, error_size, why, line, line_len);
			if (r == 0)
				return (long) pos;
		}
		else if (is_op(f[0], "INFO") && n > 1)
		{
			ev.op = NATS_OP_INFO;
			set_text(&ev, line, line_len, 4, 0);
		}
		else if (is_op(f[0], "-ERR"))
		{
			ev.op = NATS_OP_ERR;
			set_text(&ev, line, line_len, 4, 1);
		}
		else if (n == 1 && is_op(f[0], "PING"))
			ev.op = NATS_OP_PING;
		else if (n == 1 && is_op(f[0], "PONG"))
			ev.op = NATS_OP_PONG;
		else if (n == 1 && is_op(f[0], "+OK"))
			ev.op = NATS_OP_OK;
		else
			return malformed(error, error_size, "an unknown protocol line", line, line_len);
		pos += (size_t) (eol + 1 - line) + used;
		if (fn(ctx, &ev) != 0)
			break;
	}
	return (long) pos;
}
