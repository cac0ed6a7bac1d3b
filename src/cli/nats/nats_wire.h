/*
 * nats_wire.h
 *    The NATS sink's publishing connection: the NATS client protocol
 *    written by hand on one non-blocking socket, driven by the main loop.
 *
 * Why not nats.c for this: its JetStream asynchronous publish allocates a
 * message, a hash of headers, a pending-map entry and a timeout record per
 * message, and hands every acknowledgement through two threads; at a few
 * hundred thousand messages that was most of the shipper's CPU. Here a
 * message is a few memcpy()s into an output buffer, written with one
 * write() per turn of the loop; acknowledgements are read on the same
 * thread. nats.c still makes the first connection (its errors, JetStream
 * checks, the stream's setup and tail); this one follows it to the server
 * it connected to.
 *
 * Supported: nats://host[:port] and tls://host[:port], TLS with OpenSSL
 * (nats_tls.h: why here rather than through nats.c); credentials (user and
 * password, token, NKey with or without a user JWT) as nats.c's connection
 * uses them (nats_auth.h). Anything unexpected (an -ERR, a closed
 * socket, a read or write error) ends the connection: the sink then
 * treats every message in flight as not stored and recovers.
 */
#ifndef WAL2EVENTS_NATS_WIRE_H
#define WAL2EVENTS_NATS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "nats_auth.h"

#define WIRE_NO_REPLY UINT64_MAX

typedef struct NatsWire
{
	int			fd;				/* -1 when not connected */
	struct ssl_st *ssl;			/* TLS on fd, or NULL */
	char		inbox[48];		/* "_INBOX.<random>.": replies are inbox + token */
	size_t		inbox_len;
	char	   *out;			/* bytes to write: out[out_off .. out_len) */
	size_t		out_off;
	size_t		out_len;
	size_t		out_cap;
	char	   *in;				/* bytes read, not yet parsed */
	size_t		in_len;
	size_t		in_cap;
	int64_t		max_payload;	/* from the server's INFO */
	int			pings_out;		/* our PINGs not answered yet (wire_ping) */
	int			ldm;			/* the server announced lame-duck mode ("ldm":true) */
	char		error[300];		/* why the connection ended */
} NatsWire;

/*
 * A reply to one of our messages: token is what follows the inbox (the
 * number given to wire_publish), status the status of a header-only reply
 * ("NATS/1.0 503": no responders) or 0, body its payload.
 */
typedef void (*WireReplyFn) (void *ctx, uint64_t token, int status,
							 const char *body, size_t len);

extern void wire_init(NatsWire *w);

/*
 * Connect to url (nats://host:port, the server nats.c is connected to) and
 * subscribe to a fresh inbox; waits up to timeout_ms. Authenticates with
 * auth (signing the server's nonce for an NKey). 0, or -1 with w->error
 * (which holds no secret).
 */
extern int	wire_open(NatsWire *w, const char *url, const NatsAuth *auth, int timeout_ms);

/* Close the socket (if open); keeps the buffers. */
extern void wire_close(NatsWire *w);

/* Free the buffers too. */
extern void wire_free(NatsWire *w);

/*
 * Queue one message: HPUB subject [inbox.token] with the headers
 * "NATS/1.0", then the header lines hdrs (each "Key: value\r\n"), then
 * the body.
 * token WIRE_NO_REPLY: no reply wanted. 0, or -1 when out of memory.
 */
extern int	wire_publish(NatsWire *w, const char *subject, size_t subject_len, uint64_t token,
						 const char *hdrs, size_t hdrs_len, const char *body, size_t body_len);

/* Bytes of the header block wire_publish would send. */
extern size_t wire_header_size(size_t hdrs_len);

/* Write what the socket takes now. 0, or -1: the connection is gone (w->error). */
extern int	wire_flush(NatsWire *w);

/* Bytes queued and not yet written. */
extern size_t wire_unsent(const NatsWire *w);

/*
 * Queue a PING of our own and count it in pings_out (a PONG sets it back
 * to 0): the sink calls it on a timer and declares the connection dead
 * when too many stay unanswered. 0, or -1 when out of memory.
 */
extern int	wire_ping(NatsWire *w);

/*
 * Read what has arrived and hand each reply to fn; an INFO with
 * "ldm":true sets ldm. 0, or -1: the connection is gone.
 */
extern int	wire_read(NatsWire *w, WireReplyFn fn, void *ctx);

/*
 * nats_connect_error.c: "cannot connect to NATS at <url shown>: <why>" for
 * a failed natsConnection_Connect; a TLS problem is named exactly (by
 * trying this connection's handshake), anything else as
 * nats_auth_connect_error says. No secret in it.
 */
extern void nats_connect_error(const NatsAuth *auth, natsStatus s, const char *url_flag,
							   char *out, size_t size);

#endif							/* WAL2EVENTS_NATS_WIRE_H */
