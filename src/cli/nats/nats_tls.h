/*
 * nats_tls.h
 *    TLS to NATS: tls:// URLs, --tls-ca (the CA that signed the servers'
 *    certificates), --tls-cert and --tls-key (a client certificate, for a
 *    server with `verify: true`), for both connections to the hub: nats.c's
 *    (nats_tls_apply) and the hand-written publishing one (nats_wire.c,
 *    through nats_tls_handshake), with OpenSSL.
 *
 * Why the publishing connection speaks TLS itself rather than handing TLS
 * connections to nats.c: TLS costs the same per byte in both (OpenSSL's
 * AES-GCM), while nats.c's publishing costs ten to twenty times ours per
 * message; measured in README.md ("TLS"), bench/ship/tls.sh.
 *
 * The files are read once, at option parsing, into one OpenSSL context
 * (a missing or unreadable file is a usage error naming it). The server is
 * always verified: its certificate chain against --tls-ca (or the
 * system's trust store) and its name or IP address against the URL's
 * host; TLS 1.2 at least. A server that requires TLS gets it even on a
 * nats:// URL, as nats.c does.
 */
#ifndef WAL2EVENTS_NATS_TLS_H
#define WAL2EVENTS_NATS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

struct ssl_st;
struct ssl_ctx_st;

typedef struct NatsTls
{
	int			wanted;			/* tls:// or a --tls-* flag: TLS or no connection */
	const char *ca_file;		/* --tls-ca (argv); NULL: the system's trust store */
	const char *cert_file;		/* --tls-cert */
	const char *key_file;		/* --tls-key */
	struct ssl_ctx_st *ctx;		/* NULL until loaded */
} NatsTls;

#define NATS_TLS_HELP \
	"      --tls-ca=FILE           verify the NATS servers' certificates with this CA\n" \
	"                              (PEM; default: the system's trust store); TLS is\n" \
	"                              used with it, with tls:// URLs, and whenever the\n" \
	"                              server requires it\n" \
	"      --tls-cert=FILE         a client certificate (PEM, chain), for servers with\n" \
	"      --tls-key=FILE          verify: true, and its private key (PEM)\n"

/*
 * The OpenSSL context for url (tls:// anywhere in the list: TLS wanted)
 * and the files given (NULL: not given). 0, or -1 with a one-line error
 * naming the flag, the file and the problem (a usage error).
 */
extern int	nats_tls_load(NatsTls *tls, const char *url, const char *ca_file, const char *cert_file,
						  const char *key_file, char *error, size_t size);

extern void nats_tls_free(NatsTls *tls);

/* nats.c: secure, the CA, the client certificate. */
extern natsStatus nats_tls_apply(const NatsTls *tls, natsOptions *opts);

/*
 * The TLS handshake on a connected non-blocking socket to host (a name or
 * an IP address, verified against the certificate; a name is also sent as
 * SNI), within timeout_ms. 0 with *ssl set, or -1 with a one-line reason
 * (the X509 verification error when the certificate is the problem).
 */
extern int	nats_tls_handshake(const NatsTls *tls, int fd, const char *host, int64_t timeout_ms,
							   struct ssl_st **ssl, char *error, size_t size);

/*
 * Why a TLS read or write failed, as a one-line reason (an alert the
 * server sent, such as "certificate required", with what to do).
 */
extern void nats_tls_io_error(char *error, size_t size);

#endif							/* WAL2EVENTS_NATS_TLS_H */
