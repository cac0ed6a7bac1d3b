/*
 * nats_tls.c
 *    TLS to NATS with OpenSSL: the context from the --tls-* files, nats.c's
 *    TLS options, the handshake of the publishing connection, and errors
 *    that name the certificate problem (see nats_tls.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "nats_tls.h"

/* The reason of OpenSSL's latest error ("" when none), the queue emptied. */
static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r != NULL ? r : "";
}

/* An encrypted key: fail rather than ask on the terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *userdata)
{
	return 0;
}

static int
readable(const char *flag, const char *path, char *error, size_t size)
{
	FILE	   *f = fopen(path, "r");

	if (f == NULL)
	{
		snprintf(error, size, "cannot read %s '%s': %s", flag, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

static int
load_files(NatsTls *tls, char *error, size_t size)
{
	SSL_CTX    *ctx = tls->ctx;

	if (tls->ca_file != NULL && SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1)
	{
		snprintf(error, size, "--tls-ca '%s' holds no CA certificate OpenSSL can read: %s (give the PEM file of the CA that signed the servers' certificates)",
				 tls->ca_file, ssl_reason());
		return -1;
	}
	if (tls->ca_file == NULL)
		SSL_CTX_set_default_verify_paths(ctx);
	if (tls->cert_file == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1)
	{
		snprintf(error, size, "--tls-cert '%s' holds no certificate OpenSSL can read: %s (give a PEM file)",
				 tls->cert_file, ssl_reason());
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1)
	{
		const char *why = ssl_reason();

		if (strcmp(why, "key values mismatch") == 0)
			snprintf(error, size, "--tls-key '%s' is not the key of --tls-cert '%s'", tls->key_file, tls->cert_file);
		else
			snprintf(error, size, "--tls-key '%s' holds no private key OpenSSL can read: %s (give an unencrypted PEM key)",
					 tls->key_file, why);
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
	{
		snprintf(error, size, "--tls-key '%s' is not the key of --tls-cert '%s': %s",
				 tls->key_file, tls->cert_file, ssl_reason());
		return -1;
	}
	return 0;
}

int
nats_tls_load(NatsTls *tls, const char *url, const char *ca_file, const char *cert_file,
			  const char *key_file, char *error, size_t size)
{
	memset(tls, 0, sizeof(*tls));
	tls->ca_file = ca_file;
	tls->cert_file = cert_file;
	tls->key_file = key_file;
	tls->wanted = strstr(url, "tls://") != NULL || ca_file != NULL || cert_file != NULL || key_file != NULL;
	if ((cert_file == NULL) != (key_file == NULL))
	{
		snprintf(error, size, "--tls-cert and --tls-key go together: give the client certificate and its key");
		return -1;
	}
	if ((ca_file != NULL && readable("--tls-ca", ca_file, error, size) != 0) ||
		(cert_file != NULL && readable("--tls-cert", cert_file, error, size) != 0) ||
		(key_file != NULL && readable("--tls-key", key_file, error, size) != 0))
		return -1;
	tls->ctx = SSL_CTX_new(TLS_client_method());
	if (tls->ctx == NULL)
	{
		snprintf(error, size, "cannot set up TLS: %s", ssl_reason());
		return -1;
	}
	SSL_CTX_set_min_proto_version(tls->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(tls->ctx, SSL_VERIFY_PEER, NULL);
	/* the output buffer grows and moves between retries of a write */
	SSL_CTX_set_mode(tls->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(tls->ctx, no_passphrase);
	if (load_files(tls, error, size) != 0)
	{
		nats_tls_free(tls);
		return -1;
	}
	return 0;
}

void
nats_tls_free(NatsTls *tls)
{
	if (tls->ctx != NULL)
		SSL_CTX_free(tls->ctx);
	tls->ctx = NULL;
}

natsStatus
nats_tls_apply(const NatsTls *tls, natsOptions *opts)
{
	natsStatus	s;

	if (!tls->wanted)
		return NATS_OK;			/* a server that requires TLS: nats.c turns it on itself */
	s = natsOptions_SetSecure(opts, true);
	if (s == NATS_OK && tls->ca_file != NULL)
		s = natsOptions_LoadCATrustedCertificates(opts, tls->ca_file);
	if (s == NATS_OK && tls->cert_file != NULL)
		s = natsOptions_LoadCertificatesChain(opts, tls->cert_file, tls->key_file);
	/*
	 * No natsOptions_SetExpectedHostname: nats.c (3.4) checks each server's
	 * certificate against that server's own host already, names and IP
	 * addresses; one expected name would be wrong for a list of hosts.
	 */
	return s;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The certificate failed verification: what, and what to do. */
static void
verify_error(const NatsTls *tls, long v, const char *host, char *error, size_t size)
{
	const char *what = X509_verify_cert_error_string(v);

	if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(error, size, "the NATS server's TLS certificate is not for %s: %s (connect by a name or address the certificate lists)",
				 host, what);
	else if (tls->ca_file != NULL)
		snprintf(error, size, "the NATS server's TLS certificate is not trusted: %s (is --tls-ca '%s' the CA that signed it?)",
				 what, tls->ca_file);
	else
		snprintf(error, size, "the NATS server's TLS certificate is not trusted: %s (give the CA that signed it with --tls-ca FILE)",
				 what);
}

void
nats_tls_io_error(char *error, size_t size)
{
	const char *why = ssl_reason();

	if (why[0] == '\0')
		snprintf(error, size, "NATS closed the TLS connection");
	else if (strstr(why, "certificate") != NULL || strstr(why, "unknown ca") != NULL)
		snprintf(error, size, "the NATS server refused the TLS connection: %s (it wants a client certificate it trusts: give --tls-cert and --tls-key)",
				 why);
	else
		snprintf(error, size, "the TLS connection to NATS failed: %s", why);
}

static int
is_ip(const char *host)
{
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);

	if (ip == NULL)
	{
		ERR_clear_error();
		return 0;
	}
	ASN1_OCTET_STRING_free(ip);
	return 1;
}

int
nats_tls_handshake(const NatsTls *tls, int fd, const char *host, int64_t timeout_ms,
				   struct ssl_st **out, char *error, size_t size)
{
	int64_t		deadline = now_ms() + timeout_ms;
	SSL		   *ssl = SSL_new(tls->ctx);

	*out = NULL;
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_set1_host(ssl, host) != 1 ||
		(!is_ip(host) && SSL_set_tlsext_host_name(ssl, host) != 1))
	{
		snprintf(error, size, "cannot set up TLS for %s: %s", host, ssl_reason());
		SSL_free(ssl);
		return -1;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (;;)
	{
		int			r,
					e;
		long		v;
		struct pollfd p = {fd, POLLIN, 0};

		ERR_clear_error();
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		{
			int64_t		left = deadline - now_ms();

			p.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
			errno = 0;
			if (left > 0 && ((r = poll(&p, 1, (int) left)) > 0 || (r < 0 && errno == EINTR)))
				continue;
			snprintf(error, size, "the TLS handshake with NATS timed out");
		}
		else if ((v = SSL_get_verify_result(ssl)) != X509_V_OK)
			verify_error(tls, v, host, error, size);
		else if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
			snprintf(error, size, "the TLS handshake with NATS failed: %s",
					 errno != 0 ? strerror(errno) : "the server closed the connection");
		else
			nats_tls_io_error(error, size);
		ERR_clear_error();
		SSL_free(ssl);
		return -1;
	}
	*out = ssl;
	return 0;
}
