/*
 * nats_auth.c
 *    Credentials for NATS from files, the environment or the URL, handed
 *    the same way to nats.c and to the publishing connection (see
 *    nats_auth.h; the URLs themselves: nats_url.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "nats_auth.h"
#include "nkey.h"

#define SECRET_FILE_MAX 65536
#define JWT_BEGIN "-----BEGIN NATS USER JWT-----"

/* Overwrite and free a secret. */
static void
wipe(char *secret)
{
	if (secret != NULL)
	{
		volatile char *p = secret;

		while (*p != '\0')
			*p++ = '\0';
		free(secret);
	}
}

void
nats_auth_free(NatsAuth *auth)
{
	wipe(auth->user);
	wipe(auth->password);
	wipe(auth->token);
	wipe(auth->jwt);
	free(auth->url);
	nats_tls_free(&auth->tls);
	memset(auth->seed, 0, sizeof(auth->seed));
	auth->user = auth->password = auth->token = auth->jwt = auth->url = NULL;
	auth->kind = NATS_AUTH_NONE;
}

/* A secret from a file: its first line, without the line end. */
static char *
read_secret_file(const char *flag, const char *path, char *error, size_t size)
{
	FILE	   *f = fopen(path, "r");
	char	   *buf;
	size_t		n;

	if (f == NULL)
	{
		snprintf(error, size, "cannot read %s '%s': %s", flag, path, strerror(errno));
		return NULL;
	}
	buf = calloc(1, SECRET_FILE_MAX + 1);
	n = buf != NULL ? fread(buf, 1, SECRET_FILE_MAX, f) : 0;
	fclose(f);
	if (buf == NULL)
	{
		snprintf(error, size, "out of memory");
		return NULL;
	}
	buf[n] = '\0';
	if (strcmp(flag, "--nats-creds") != 0)
		buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
	{
		snprintf(error, size, "%s '%s' is empty (write the secret on its first line)", flag, path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The next line of text at *p (trimmed), advancing *p. NULL at the end. */
static const char *
next_line(const char **p, size_t *len)
{
	const char *line = *p;
	size_t		n;

	if (*line == '\0')
		return NULL;
	n = strcspn(line, "\r\n");
	*p = line + n + strspn(line + n, "\r\n");
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	*len = n;
	return line;
}

/* A .creds file: the JWT after its BEGIN line (optional) and the "SU..." seed. */
static int
parse_creds(NatsAuth *auth, const char *text, char *error, size_t size)
{
	const char *p = text;
	const char *line;
	const char *why = NULL;
	size_t		len;
	int			in_jwt = 0;
	int			have_seed = 0;

	while ((line = next_line(&p, &len)) != NULL)
	{
		if (len == strlen(JWT_BEGIN) && strncmp(line, JWT_BEGIN, len) == 0)
			in_jwt = 1;
		else if (in_jwt && len > 0 && auth->jwt == NULL)
		{
			auth->jwt = strndup(line, len);
			in_jwt = 0;
		}
		else if (!have_seed && len >= 2 && strncmp(line, "SU", 2) == 0)
		{
			if (nkey_decode_user_seed(line, len, auth->seed, &why) != 0)
				break;
			have_seed = 1;
		}
	}
	if (!have_seed)
	{
		snprintf(error, size, "--nats-creds '%s': %s (give the .creds file nsc wrote for the user, or a file with its SU... seed)",
				 auth->from, why != NULL ? why : "no user NKey seed (a line SU...) in it");
		return -1;
	}
	if (nkey_public_key(auth->seed, auth->public_key, sizeof(auth->public_key)) != 0)
	{
		snprintf(error, size, "--nats-creds '%s': its NKey seed is not a valid Ed25519 key", auth->from);
		return -1;
	}
	return 0;
}

static int
load_creds(NatsAuth *auth, const char *path, char *error, size_t size)
{
	char	   *text = read_secret_file("--nats-creds", path, error, size);
	int			rc;

	if (text == NULL)
		return -1;
	auth->kind = NATS_AUTH_NKEY;
	auth->from = path;
	rc = parse_creds(auth, text, error, size);
	wipe(text);
	return rc;
}

static int
load_user(NatsAuth *auth, const NatsAuthFlags *flags, char *error, size_t size)
{
	const char *env = getenv("NATS_PASSWORD");

	auth->kind = NATS_AUTH_USER;
	auth->user = strdup(flags->user);
	if (flags->password_file != NULL)
		auth->password = read_secret_file("--nats-password-file", flags->password_file, error, size);
	else if (env != NULL && env[0] != '\0')
		auth->password = strdup(env);
	else
	{
		snprintf(error, size, "--nats-user needs a password: set NATS_PASSWORD or give --nats-password-file FILE");
		return -1;
	}
	return auth->user != NULL && auth->password != NULL ? 0 : -1;
}

/* "user:password" or "token" from a URL: the same as the flags would give. */
static int
load_userinfo(NatsAuth *auth, const char *userinfo)
{
	const char *colon = strchr(userinfo, ':');

	if (colon == NULL)
	{
		auth->kind = NATS_AUTH_TOKEN;
		auth->token = strdup(userinfo);
		return auth->token != NULL ? 0 : -1;
	}
	auth->kind = NATS_AUTH_USER;
	auth->user = strndup(userinfo, (size_t) (colon - userinfo));
	auth->password = strdup(colon + 1);
	return auth->user != NULL && auth->password != NULL ? 0 : -1;
}

/* Which ways of authenticating were given: one at most. */
static int
check_flags(const NatsAuthFlags *flags, int url_has_credentials, const char *url_flag,
			char *error, size_t size)
{
	int			given = (flags->creds_file != NULL) + (flags->user != NULL) + (flags->token_file != NULL);

	if (flags->password_file != NULL && flags->user == NULL)
	{
		snprintf(error, size, "--nats-password-file needs --nats-user NAME");
		return -1;
	}
	if (given > 1)
	{
		snprintf(error, size, "give one of --nats-creds, --nats-user and --nats-token-file");
		return -1;
	}
	if (given == 1 && url_has_credentials)
	{
		snprintf(error, size, "%s has credentials in the URL and a --nats-* credential flag is given too: drop the ones in the URL",
				 url_flag);
		return -1;
	}
	return 0;
}

int
nats_auth_load(NatsAuth *auth, const NatsAuthFlags *flags, const char *url,
			   const char *url_flag, char *error, size_t size)
{
	char		userinfo[1024];
	size_t		url_len = strlen(url) + 1;
	const char *token = getenv("NATS_TOKEN");
	int			rc = 0;

	/*
	 * Before OpenSSL's first use: no cleanup of its own at exit. libnats
	 * (Debian's 3.4.1) frees OpenSSL's list of compression methods in its
	 * own exit handler, and OpenSSL's cleanup after it freed it again
	 * (a crash at exit, once libssl was set up).
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	memset(auth, 0, sizeof(*auth));
	error[0] = '\0';
	auth->url = malloc(url_len);
	if (auth->url == NULL)
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	nats_url_strip(url, auth->url, url_len, userinfo, sizeof(userinfo));
	nats_url_redact(url, auth->url_shown, sizeof(auth->url_shown));
	if (check_flags(flags, userinfo[0] != '\0', url_flag, error, size) != 0)
		rc = -1;
	else if (flags->creds_file != NULL)
		rc = load_creds(auth, flags->creds_file, error, size);
	else if (flags->user != NULL)
		rc = load_user(auth, flags, error, size);
	else if (flags->token_file != NULL)
	{
		auth->kind = NATS_AUTH_TOKEN;
		auth->token = read_secret_file("--nats-token-file", flags->token_file, error, size);
		rc = auth->token != NULL ? 0 : -1;
	}
	else if (userinfo[0] != '\0')
	{
		auth->from_url = 1;
		rc = load_userinfo(auth, userinfo);
	}
	else if (token != NULL && token[0] != '\0')
	{
		auth->kind = NATS_AUTH_TOKEN;
		auth->token = strdup(token);
		rc = auth->token != NULL ? 0 : -1;
	}
	memset(userinfo, 0, sizeof(userinfo));
	if (rc == 0)
		rc = nats_tls_load(&auth->tls, auth->url, flags->tls_ca, flags->tls_cert, flags->tls_key,
						   error, size);
	if (rc != 0 && error[0] == '\0')
		snprintf(error, size, "out of memory");
	if (rc != 0)
		nats_auth_free(auth);
	return rc;
}

/* nats.c's callbacks: the JWT, and the nonce signed with the seed. */
static natsStatus
jwt_handler(char **jwt, char **error, void *closure)
{
	const NatsAuth *auth = closure;

	*jwt = strdup(auth->jwt);
	return *jwt != NULL ? NATS_OK : NATS_NO_MEMORY;
}

static natsStatus
sign_handler(char **error, unsigned char **signature, int *length, const char *nonce, void *closure)
{
	const NatsAuth *auth = closure;

	*signature = malloc(NKEY_SIG_LEN);
	if (*signature == NULL)
		return NATS_NO_MEMORY;
	if (nkey_sign(auth->seed, (const unsigned char *) nonce, strlen(nonce), *signature) != 0)
	{
		free(*signature);
		*signature = NULL;
		*error = strdup("cannot sign the server's nonce with the NKey seed");
		return NATS_ERR;
	}
	*length = NKEY_SIG_LEN;
	return NATS_OK;
}

natsStatus
nats_auth_apply(const NatsAuth *auth, natsOptions *opts)
{
	natsStatus	s = nats_url_set_servers(opts, auth->url);

	if (s == NATS_OK)
		s = nats_tls_apply(&auth->tls, opts);
	if (s != NATS_OK)
		return s;
	switch (auth->kind)
	{
		case NATS_AUTH_USER:
			return natsOptions_SetUserInfo(opts, auth->user, auth->password);
		case NATS_AUTH_TOKEN:
			return natsOptions_SetToken(opts, auth->token);
		case NATS_AUTH_NKEY:
			if (auth->jwt != NULL)
				return natsOptions_SetUserCredentialsCallbacks(opts, jwt_handler, (void *) auth,
															   sign_handler, (void *) auth);
			return natsOptions_SetNKey(opts, auth->public_key, sign_handler, (void *) auth);
		default:
			return NATS_OK;
	}
}

/* s as the body of a JSON string into out (at most size bytes with the NUL). */
static size_t
json_string(char *out, size_t size, const char *s)
{
	size_t		n = 0;

	for (; *s != '\0' && n + 7 < size; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
		{
			out[n++] = '\\';
			out[n++] = (char) c;
		}
		else if (c < 0x20)
			n += (size_t) snprintf(out + n, size - n, "\\u%04x", c);
		else
			out[n++] = (char) c;
	}
	out[n] = '\0';
	return n;
}

/* ,"key":"value" appended at out + *n. */
static void
member(char *out, size_t size, size_t *n, const char *key, const char *value)
{
	if (*n + strlen(key) + 8 >= size)
		return;
	*n += (size_t) snprintf(out + *n, size - *n, ",\"%s\":\"", key);
	*n += json_string(out + *n, size - *n - 2, value);
	*n += (size_t) snprintf(out + *n, size - *n, "\"");
}

/* The nonce in an INFO line ("nonce":"..."), into out. 0, or -1 when there is none. */
static int
info_nonce(const char *info, char *out, size_t size)
{
	const char *p = strstr(info, "\"nonce\":\"");
	size_t		len;

	if (p == NULL)
		return -1;
	p += 9;
	len = strcspn(p, "\"");
	if (len == 0 || len >= size || p[len] != '"')
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

int
nats_auth_connect(const NatsAuth *auth, const char *info, char *out, size_t size,
				  char *error, size_t error_size)
{
	size_t		n = 0;
	char		nonce[256];
	unsigned char sig[NKEY_SIG_LEN];
	char		sig_text[NKEY_SIG_LEN * 2];

	out[0] = '\0';
	if (auth->kind == NATS_AUTH_USER)
	{
		member(out, size, &n, "user", auth->user);
		member(out, size, &n, "pass", auth->password);
	}
	else if (auth->kind == NATS_AUTH_TOKEN)
		member(out, size, &n, "auth_token", auth->token);
	else if (auth->kind == NATS_AUTH_NKEY)
	{
		if (info_nonce(info, nonce, sizeof(nonce)) != 0)
		{
			snprintf(error, error_size, "the NATS server sent no nonce to sign with --nats-creds (is NKey or JWT authentication set up on it?)");
			return -1;
		}
		if (nkey_sign(auth->seed, (const unsigned char *) nonce, strlen(nonce), sig) != 0)
		{
			snprintf(error, error_size, "cannot sign the server's nonce with the NKey seed");
			return -1;
		}
		nkey_base64url(sig, sizeof(sig), sig_text, sizeof(sig_text));
		if (auth->jwt != NULL)
			member(out, size, &n, "jwt", auth->jwt);
		else
			member(out, size, &n, "nkey", auth->public_key);
		member(out, size, &n, "sig", sig_text);
	}
	if (n + 1 >= size)
	{
		snprintf(error, error_size, "the NATS credentials are too long");
		return -1;
	}
	return 0;
}

/* What to check when the server refuses the credentials. */
static const char *
auth_fix(const NatsAuth *auth)
{
	if (auth->from_url)
		return "fix the credentials in the URL, or better give them with --nats-user, --nats-token-file or --nats-creds";
	switch (auth->kind)
	{
		case NATS_AUTH_USER:
			return "check --nats-user and its password in NATS_PASSWORD or --nats-password-file";
		case NATS_AUTH_TOKEN:
			return "check the token in NATS_TOKEN or --nats-token-file";
		case NATS_AUTH_NKEY:
			return "check --nats-creds: the server must know its user, by NKey or JWT";
		default:
			return "the server wants credentials: give --nats-creds, --nats-user or --nats-token-file";
	}
}

void
nats_auth_connect_error(const NatsAuth *auth, natsStatus s, const char *url_flag,
						char *out, size_t size)
{
	const char *text = nats_GetLastError(NULL);

	if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED ||
		(text != NULL && strstr(text, "uthorization") != NULL))
		snprintf(out, size, "cannot connect to NATS at %s: authorization violation (%s)",
				 auth->url_shown, auth_fix(auth));
	else
		snprintf(out, size, "cannot connect to NATS at %s: %s (start nats-server -js there, or fix %s)",
				 auth->url_shown, natsStatus_GetText(s), url_flag);
}

int
nats_auth_flag(NatsAuthFlags *flags, const char *name, const char *value)
{
	if (strcmp(name, "nats-creds") == 0)
		flags->creds_file = value;
	else if (strcmp(name, "nats-user") == 0)
		flags->user = value;
	else if (strcmp(name, "nats-password-file") == 0)
		flags->password_file = value;
	else if (strcmp(name, "nats-token-file") == 0)
		flags->token_file = value;
	else if (strcmp(name, "tls-ca") == 0)
		flags->tls_ca = value;
	else if (strcmp(name, "tls-cert") == 0)
		flags->tls_cert = value;
	else if (strcmp(name, "tls-key") == 0)
		flags->tls_key = value;
	else
		return 0;
	return 1;
}
