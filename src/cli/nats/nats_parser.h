/*
 * nats_parser.h
 *    The server side of the NATS client protocol, parsed: bytes in, one
 *    event per complete protocol message out. No socket, no allocation,
 *    no state between calls: the caller keeps the bytes not yet consumed
 *    and calls again with more (nats_wire.c reads into one buffer).
 *
 * Why apart from the connection: a protocol parser is where a server's
 * odd bytes (a read split anywhere, a payload of megabytes, a line that
 * never ends, a size that lies) must be handled exactly, and that is best
 * proven by unit tests that feed it bytes (tests/unit/test_nats_parser.c),
 * not by a live server.
 *
 * Operations (case-insensitive, as the protocol says): INFO {json},
 * PING, PONG, +OK, -ERR 'text', MSG subject sid [reply] size and
 * HMSG subject sid [reply] header-size total-size, each followed by its
 * payload and CRLF. Anything else, a line longer than NATS_PARSE_MAX_LINE, a
 * size that is not a decimal number (or is over NATS_PARSE_MAX_PAYLOAD, or a
 * header size over the total) is malformed: the connection cannot be
 * trusted to be in step any more.
 */
#ifndef WAL2EVENTS_NATS_PARSER_H
#define WAL2EVENTS_NATS_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define NATS_PARSE_MAX_LINE ((size_t) 64 * 1024)	/* INFO lines list servers: generous */
#define NATS_PARSE_MAX_PAYLOAD ((size_t) 1 << 30) /* nats-server's max_payload is at most 64MB */

typedef enum NatsOp
{
	NATS_OP_INFO,
	NATS_OP_PING,
	NATS_OP_PONG,
	NATS_OP_OK,
	NATS_OP_ERR,
	NATS_OP_MSG					/* MSG or HMSG */
} NatsOp;

/* One protocol message; pointers into the buffer given, valid during the callback. */
typedef struct NatsEvent
{
	NatsOp		op;
	const char *text;			/* INFO: the JSON; -ERR: the text without quotes */
	size_t		text_len;
	const char *subject;		/* MSG, HMSG */
	size_t		subject_len;
	const char *sid;
	size_t		sid_len;
	const char *reply;			/* NULL: none */
	size_t		reply_len;
	int			has_headers;	/* HMSG */
	int			status;			/* HMSG: "NATS/1.0 503" -> 503; else 0 */
	const char *headers;		/* HMSG: the header block, "NATS/1.0..." */
	size_t		headers_len;
	const char *body;
	size_t		body_len;
} NatsEvent;

/* Called for each complete event; nonzero stops the parse after this one. */
typedef int (*NatsEventFn) (void *ctx, const NatsEvent *ev);

/*
 * Parse the complete protocol messages at the start of buf[0..len), calling
 * fn for each. Returns the bytes consumed (the rest is an incomplete message:
 * keep it and call again once more has arrived), or -1 when the bytes are
 * malformed, with a one-line reason in error (the start of the bad line
 * quoted, printable characters only).
 */
extern long nats_parse(const char *buf, size_t len, NatsEventFn fn, void *ctx,
					   char *error, size_t error_size);

/* The status of a header block: "NATS/1.0 503 No Responders\r\n..." -> 503, else 0. */
extern int	nats_header_status(const char *hdr, size_t len);

#endif							/* WAL2EVENTS_NATS_PARSER_H */
