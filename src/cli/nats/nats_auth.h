/*
 * nats_auth.h
 *    How ship and consume authenticate to NATS, and NATS URLs as they may
 *    be shown to a person.
 *
 * Why: a password in the URL ends up in `ps`, in shell histories and in
 * every message that names the server. Credentials come instead from
 * files or the environment (--nats-creds, --nats-user with NATS_PASSWORD
 * or --nats-password-file, NATS_TOKEN or --nats-token-file); credentials
 * still given in the URL are taken out of it. They are read once, at
 * option parsing, and handed to both connections to the hub, nats.c's
 * (nats_auth_apply) and the hand-written publishing one (nats_auth_connect),
 * so both authenticate the same way. A URL is never printed as given: only
 * its redacted form (nats://user:***@host:4222).
 *
 * A .creds file (as `nsc` writes it) holds a user JWT and the user's NKey
 * seed; a file with only the seed (an NKey user configured on the server
 * with `nkey: U...`, no JWT) is accepted too. The server's nonce is signed
 * with the seed (Ed25519, OpenSSL).
 */
#ifndef WAL2EVENTS_NATS_AUTH_H
#define WAL2EVENTS_NATS_AUTH_H

#include <stddef.h>

#include <nats/nats.h>

#include "nats_tls.h"

/* The credential flags, as given (NULL: not given); file names point into argv. */
typedef struct NatsAuthFlags
{
	const char *creds_file;		/* --nats-creds */
	const char *user;			/* --nats-user */
	const char *password_file;	/* --nats-password-file */
	const char *token_file;		/* --nats-token-file */
	const char *tls_ca;			/* --tls-ca */
	const char *tls_cert;		/* --tls-cert */
	const char *tls_key;		/* --tls-key */
} NatsAuthFlags;

typedef enum NatsAuthKind
{
	NATS_AUTH_NONE,
	NATS_AUTH_USER,				/* user and password */
	NATS_AUTH_TOKEN,
	NATS_AUTH_NKEY				/* a seed, with a user JWT or without */
} NatsAuthKind;

typedef struct NatsAuth
{
	NatsAuthKind kind;
	char	   *user;			/* heap, wiped when freed */
	char	   *password;
	char	   *token;
	char	   *jwt;			/* NULL: an NKey user without JWT */
	unsigned char seed[32];		/* Ed25519 private key */
	char		public_key[64]; /* "U...": the seed's public NKey */
	char	   *url;			/* the server URL(s) without credentials */
	char		url_shown[256]; /* for messages: credentials as ***, cut at 255 */
	const char *from;			/* --nats-creds FILE, for errors */
	int			from_url;		/* the credentials were in the URL */
	NatsTls		tls;			/* TLS for both connections (nats_tls.h) */
} NatsAuth;

/* The flags' lines for --help (each line indented like the others). */
#define NATS_AUTH_HELP \
	"      --nats-creds=FILE       a NATS credentials file (user JWT and NKey seed,\n" \
	"                              as nsc writes it, or an NKey seed alone)\n" \
	"      --nats-user=NAME        user name; the password comes from NATS_PASSWORD\n" \
	"                              or --nats-password-file\n" \
	"      --nats-password-file=FILE  the password, in a file\n" \
	"      --nats-token-file=FILE  an authentication token, in a file (or NATS_TOKEN)\n" \
	NATS_TLS_HELP

/*
 * The URL's credentials or the flags' (never both), files read and checked,
 * and the TLS files (nats_tls_load).
 * 0, or -1 with a one-line error naming the problem and the fix, no secret
 * in it (a usage error). url_flag is how the URL's flag is called
 * ("--to", "--from"), for the errors.
 */
/*
 * A credential or TLS flag by its name without "--" ("nats-creds",
 * "nats-user", "nats-password-file", "nats-token-file", "tls-ca",
 * "tls-cert", "tls-key"): stored in flags, 1; any other name: 0. Every
 * command that connects to NATS takes the same seven.
 */
extern int	nats_auth_flag(NatsAuthFlags *flags, const char *name, const char *value);

extern int	nats_auth_load(NatsAuth *auth, const NatsAuthFlags *flags, const char *url,
						   const char *url_flag, char *error, size_t error_size);

/* nats.c: the URL (without credentials), the credentials and TLS. */
extern natsStatus nats_auth_apply(const NatsAuth *auth, natsOptions *opts);

/*
 * The credential members of a CONNECT message (",\"user\":..." and so on),
 * for the server's INFO line info (its nonce, when it sent one). 0, or -1
 * with a reason in error (no nonce for an NKey, out of room).
 */
extern int	nats_auth_connect(const NatsAuth *auth, const char *info, char *out, size_t size,
							  char *error, size_t error_size);

/* nats_url.c: the URL list (without credentials) as nats.c's servers. */
#define NATS_URL_MAX_SERVERS 64
extern natsStatus nats_url_set_servers(natsOptions *opts, const char *urls);

/* nats_url.c: the URL(s) with credentials as "***" (a token) or "user:***". */
extern void nats_url_redact(const char *url, char *out, size_t size);

/* Does a --from/--to value name a NATS server (nats://X or tls://X)? */
extern int	nats_url_has_scheme(const char *url);

/*
 * The URL(s) without credentials into out (at most size bytes), and the
 * first server's user information ("user:password" or a token; "" when
 * none) into userinfo.
 */
extern void nats_url_strip(const char *url, char *out, size_t size,
						   char *userinfo, size_t info_size);

/*
 * Overwrite, in place, the secrets of a URL given on the command line (its
 * argv string) with '*', once nats_auth_load has copied them: `ps` then
 * shows them masked (but not during the instant before, nor in a shell's
 * history: the flags are the way to keep them out).
 */
extern void nats_url_mask_in_place(char *url);

/*
 * "cannot connect to NATS at <url shown>: <why> (<fix>)", for a failed
 * natsConnection_Connect: an authorization failure says so and which
 * credentials to check; anything else says to start the server or fix
 * url_flag. No secret in it.
 */
extern void nats_auth_connect_error(const NatsAuth *auth, natsStatus s, const char *url_flag,
									char *out, size_t size);

extern void nats_auth_free(NatsAuth *auth);

#endif							/* WAL2EVENTS_NATS_AUTH_H */
