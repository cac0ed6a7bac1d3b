/*
 * fuzz_nats_parser.c
 *    libFuzzer target: the NATS protocol parser (src/cli/nats/nats_parser.c)
 *    fed what a server could send, the way a connection feeds it: in reads
 *    of any size (the input's first byte picks the read size), keeping the
 *    bytes not consumed for the next call.
 *
 * Besides crashes and undefined behaviour, it traps when a promise is
 * broken: more consumed than given; an event whose pointers leave the
 * buffer or whose sizes disagree (a MSG's headers and body are its
 * payload, in order); an error without a one-line reason; and, for an
 * input the parser accepts whole, events that differ between one read and
 * many (their count and a checksum of what they carry).
 *
 *    make -C src/cli fuzz-run FUZZ_SECONDS=60
 */
#include <stdio.h>

#include "fuzz_promise.h"
#include "nats_parser.h"

typedef struct Seen
{
	const char *buf;
	size_t		len;
	size_t		events;
	uint32_t	sum;
} Seen;

static int
inside(const Seen *s, const char *p, size_t n)
{
	return p >= s->buf && n <= s->len && (size_t) (p - s->buf) <= s->len - n;
}

static uint32_t
mix(uint32_t sum, const char *p, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		sum = sum * 31 + (unsigned char) p[i];
	return sum * 7 + (uint32_t) n;
}

static int
on_event(void *ctx, const NatsEvent *ev)
{
	Seen	   *s = ctx;

	s->events++;
	s->sum = s->sum * 13 + (uint32_t) ev->op;
	if (ev->text != NULL)
	{
		PROMISE(inside(s, ev->text, ev->text_len));
		s->sum = mix(s->sum, ev->text, ev->text_len);
	}
	if (ev->op == NATS_OP_MSG)
	{
		PROMISE(inside(s, ev->subject, ev->subject_len) && ev->subject_len > 0);
		PROMISE(inside(s, ev->sid, ev->sid_len) && ev->sid_len > 0);
		PROMISE(ev->reply == NULL || inside(s, ev->reply, ev->reply_len));
		PROMISE(inside(s, ev->body, ev->body_len));
		PROMISE(!ev->has_headers || (ev->headers + ev->headers_len == ev->body &&
									 inside(s, ev->headers, ev->headers_len)));
		PROMISE(ev->status >= 0 && ev->status <= 999);
		s->sum = mix(s->sum, ev->subject, ev->subject_len);
		s->sum = mix(s->sum, ev->body, ev->body_len);
		s->sum = s->sum * 3 + (uint32_t) ev->status;
	}
	return 0;
}

/* Parse data in reads of step bytes; 0 all consumed, 1 some left, -1 malformed. */
static int
parse(const char *data, size_t len, size_t step, Seen *s)
{
	char	   *buf = malloc(len + 1);
	char		error[200];
	size_t		have = 0,
				off = 0;
	int			rc = 0;

	while (off < len)
	{
		size_t		n = step < len - off ? step : len - off;
		long		used;

		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		s->buf = buf;
		s->len = have;
		error[0] = '\0';
		used = nats_parse(buf, have, on_event, s, error, sizeof(error));
		if (used < 0)
		{
			PROMISE(used == -1 && error[0] != '\0' && strchr(error, '\n') == NULL);
			rc = -1;
			break;
		}
		PROMISE((size_t) used <= have);
		memmove(buf, buf + used, have - (size_t) used);
		have -= (size_t) used;
	}
	if (rc == 0 && have > 0)
		rc = 1;
	free(buf);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Seen		whole = {0},
				pieces = {0};
	size_t		step;
	int			a,
				b;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 17;
	a = parse((const char *) data + 1, size - 1, size, &whole);
	b = parse((const char *) data + 1, size - 1, step, &pieces);
	if (a == 0)
	{
		PROMISE(b == 0);
		PROMISE(whole.events == pieces.events && whole.sum == pieces.sum);
	}
	return 0;
}
