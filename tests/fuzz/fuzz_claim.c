/*
 * fuzz_claim.c
 *    libFuzzer target: the claim-check reassembly of `consume` and js_dump
 *    (src/cli/claim_reassembly.c) driven the way the stream reader drives
 *    it, by a made-up stream: one stored message per line of the input,
 *
 *      C <of> <chunk> <body>   a chunk (W2e-Claim-Of, W2e-Claim-Chunk), delivered
 *      c <of> <chunk> <body>   a chunk stored but not delivered (a filter leaves it out)
 *      E <id> <chunks> <size>  an event (Nats-Msg-Id, W2e-Claim-Chunks, W2e-Claim-Size)
 *      X                       any other message
 *
 * a field left out being a header that is absent. Stream sequence n is
 * line n; chunks the reader was not given are read from the lines before.
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it traps
 * when a promise is broken: a failure without a reason, a message read
 * that is not one of the event's (before it, after the stream's start) or
 * not released, or a body that is not the event's chunks 0..count-1 end to
 * end (read: the nearest chunks before it, walking back; collected: the last delivered
 * chunk of each number with the event's id), of the claimed size.
 *
 *    make -C src/cli fuzz-run FUZZ_SECONDS=60
 */
#include <stdio.h>

#include "fuzz_promise.h"
#include "claim_reassembly.h"

#define MAX_MESSAGES 64

typedef struct Stored
{
	char		kind;			/* 'C', 'c', 'E' or 'X' */
	char	   *field[3];		/* NULL: absent */
	const char *body;
	size_t		body_len;
} Stored;

typedef struct Stream
{
	Stored		msg[MAX_MESSAGES];
	size_t		n;
	uint64_t	event_seq;		/* the event being resolved */
	int			held;			/* messages got and not released */
	int			got;			/* messages got for this event */
} Stream;

static int
get_stored(void *ctx, uint64_t seq, ClaimChunk *chunk, char *why, size_t size)
{
	Stream	   *s = ctx;
	const Stored *m;

	PROMISE(s->held == 0);
	PROMISE(seq >= 1 && seq < s->event_seq);
	m = &s->msg[seq - 1];
	if (m->kind == 'X' && m->body_len % 2 == 1)
	{
		snprintf(why, size, "no such message");	/* as when the server lost it */
		return -1;
	}
	chunk->of = m->kind == 'C' || m->kind == 'c' ? m->field[0] : NULL;
	chunk->chunk = chunk->of != NULL ? m->field[1] : NULL;
	chunk->data = m->body;
	chunk->len = m->body_len;
	s->held++;
	s->got++;
	return 0;
}

static void
release_stored(void *ctx)
{
	Stream	   *s = ctx;

	PROMISE(s->held == 1);
	s->held--;
}

/* One line: its kind, up to three fields, and for chunks the rest as the body. */
static void
parse_line(char *line, size_t len, Stored *m)
{
	char	   *p = line;
	char	   *end = line + len;
	int			i;
	int			fields;

	memset(m, 0, sizeof(*m));
	m->kind = len > 0 ? line[0] : 'X';
	if (m->kind != 'C' && m->kind != 'c' && m->kind != 'E')
		m->kind = 'X';
	fields = m->kind == 'X' ? 0 : m->kind == 'E' ? 3 : 2;
	p = len > 1 ? line + 2 : end;
	for (i = 0; i < fields && p < end; i++)
	{
		char	   *space = memchr(p, ' ', (size_t) (end - p));

		m->field[i] = p;
		p = space != NULL ? space + 1 : end;
		if (space != NULL)
			*space = '\0';
	}
	m->body = p;
	m->body_len = (size_t) (end - p);
	*end = '\0';
}

/* Chunk i of count of id? */
static int
is_chunk(const Stored *m, const char *id, int i, int count)
{
	int			n;
	int			c;
	char		tail;

	return (m->kind == 'C' || m->kind == 'c') && m->field[0] != NULL &&
		strcmp(m->field[0], id) == 0 && m->field[1] != NULL &&
		sscanf(m->field[1], "%d/%d%c", &n, &c, &tail) == 2 && n == i && c == count;
}

/*
 * The oracle. Read by sequence (got > 0): walking back from the event, the
 * nearest chunk count-1/count of id, then the nearest chunk count-2 before
 * that, and so on (other messages between them looked past). Collected:
 * each chunk i is the last delivered chunk i/count of id. Either way, end to
 * end they are the body.
 */
static void
check_body(const Stream *s, const char *id, int count, const uint8_t *body, size_t len)
{
	const Stored *found[MAX_MESSAGES];
	size_t		event = s->event_seq - 1;
	size_t		at = 0;
	size_t		k;
	int			i;

	PROMISE(s->got == 0 || s->got >= count);
	PROMISE(count <= MAX_MESSAGES);
	if (s->got > 0)
	{
		k = event;
		for (i = count - 1; i >= 0; i--)
		{
			while (k > 0 && !is_chunk(&s->msg[k - 1], id, i, count))
				k--;
			PROMISE(k > 0);
			found[i] = &s->msg[--k];
		}
	}
	else
		for (i = 0; i < count; i++)
		{
			found[i] = NULL;
			for (k = 0; k < event; k++)
				if (s->msg[k].kind == 'C' && is_chunk(&s->msg[k], id, i, count))
					found[i] = &s->msg[k];
		}
	for (i = 0; i < count; i++)
	{
		PROMISE(found[i] != NULL);
		PROMISE(at + found[i]->body_len <= len);
		PROMISE(found[i]->body_len == 0 || memcmp(body + at, found[i]->body, found[i]->body_len) == 0);
		at += found[i]->body_len;
	}
	PROMISE(at == len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);	/* and a newline after the last line */
	char	   *p = text;
	char	   *end = text + size;
	Stream		s;
	ClaimReassembly c;
	ClaimSource src = {&s, get_stored, release_stored};

	PROMISE(text != NULL);
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\n';
	memset(&s, 0, sizeof(s));
	claim_init(&c);
	while (p < end && s.n < MAX_MESSAGES)
	{
		char	   *nl = memchr(p, '\n', (size_t) (end + 1 - p));
		Stored	   *m = &s.msg[s.n++];

		parse_line(p, (size_t) (nl - p), m);
		p = nl + 1;
		if (m->kind == 'C')
		{
			ClaimChunk	chunk = {m->field[0], m->field[1], m->body, m->body_len};

			if (chunk.of != NULL)
				claim_collect(&c, &chunk);
		}
		else if (m->kind == 'E' && m->field[1] != NULL)
		{
			ClaimEvent	e = {s.n, m->field[0], m->field[1], m->field[2]};
			const uint8_t *body = NULL;
			size_t		len = 0;
			int			chunks = 0;
			char		why[300] = "";
			unsigned long long claimed;

			s.event_seq = s.n;
			s.got = 0;
			if (claim_resolve(&c, &e, &src, &chunks, &body, &len, why, sizeof(why)) != 0)
				PROMISE(why[0] != '\0');
			else
			{
				PROMISE(chunks > 0 && e.id != NULL && e.size != NULL);
				PROMISE(sscanf(e.size, "%llu", &claimed) == 1 && claimed == len);
				check_body(&s, e.id, chunks, body, len);
			}
			PROMISE(s.held == 0);
		}
	}
	claim_free(&c);
	free(text);
	return 0;
}
