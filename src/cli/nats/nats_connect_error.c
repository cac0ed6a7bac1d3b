/*
 * nats_connect_error.c
 *    Why a connection of nats.c's could not be made, in one line that says
 *    what to do (see nats_wire.h, nats_connect_error).
 *
 * nats.c reports a failed TLS handshake as "SSL Error - certificate verify
 * failed" at best: not which check failed. When TLS is in play, the
 * publishing connection's own handshake (nats_wire.c, nats_tls.c) is tried
 * on the first server, and its reason (OpenSSL's X509 verification error,
 * "self-signed certificate in certificate chain", "IP address mismatch",
 * an alert from the server) is what the user sees.
 */
#include <stdio.h>
#include <string.h>

#include "nats_wire.h"

#define PROBE_TIMEOUT_MS 3000

void
nats_connect_error(const NatsAuth *auth, natsStatus s, const char *url_flag, char *out, size_t size)
{
	const char *text = nats_GetLastError(NULL);
	NatsWire	w;

	if (auth->tls.wanted || s == NATS_SSL_ERROR || s == NATS_SECURE_CONNECTION_REQUIRED ||
		s == NATS_SECURE_CONNECTION_WANTED || (text != NULL && strstr(text, "SSL") != NULL))
	{
		wire_init(&w);
		if (wire_open(&w, auth->url, auth, PROBE_TIMEOUT_MS) != 0 && strstr(w.error, "TLS") != NULL)
		{
			snprintf(out, size, "cannot connect to NATS at %s: %s", auth->url_shown, w.error);
			wire_free(&w);
			return;
		}
		wire_free(&w);
	}
	nats_auth_connect_error(auth, s, url_flag, out, size);
}
