/*
 * nkey.c
 *    NATS user NKeys: seed decoding, public key, nonce signature (see
 *    nkey.h). The encoding is small enough to write out; Ed25519 is
 *    OpenSSL's.
 */
#include <string.h>

#include <openssl/evp.h>

#include "nkey.h"

#define PREFIX_SEED (18 << 3)	/* 'S' */
#define PREFIX_USER (20 << 3)	/* 'U' */

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* CRC-16/XMODEM (polynomial 0x1021, initial 0), as NKeys use it. */
static unsigned
crc16(const unsigned char *data, size_t len)
{
	unsigned	crc = 0;
	size_t		i;
	int			bit;

	for (i = 0; i < len; i++)
	{
		crc ^= (unsigned) data[i] << 8;
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
	}
	return crc;
}

/* Base32 without padding -> bytes; the number of bytes, or -1. */
static int
base32_decode(const char *text, size_t len, unsigned char *out, size_t size)
{
	unsigned	buffer = 0;
	int			bits = 0;
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		const char *p = memchr(base32_alphabet, text[i], 32);

		if (p == NULL || text[i] == '\0')
			return -1;
		buffer = (buffer << 5) | (unsigned) (p - base32_alphabet);
		bits += 5;
		if (bits >= 8)
		{
			if (n == size)
				return -1;
			bits -= 8;
			out[n++] = (unsigned char) (buffer >> bits);
			buffer &= (1u << bits) - 1;
		}
	}
	return (int) n;
}

static void
base32_encode(const unsigned char *data, size_t len, char *out, size_t size)
{
	unsigned	buffer = 0;
	int			bits = 0;
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len && n + 1 < size; i++)
	{
		buffer = (buffer << 8) | data[i];
		bits += 8;
		while (bits >= 5 && n + 1 < size)
		{
			bits -= 5;
			out[n++] = base32_alphabet[(buffer >> bits) & 31];
		}
		buffer &= (1u << bits) - 1;
	}
	if (bits > 0 && n + 1 < size)
		out[n++] = base32_alphabet[(buffer << (5 - bits)) & 31];
	out[n] = '\0';
}

int
nkey_decode_user_seed(const char *text, size_t len, unsigned char seed[NKEY_SEED_LEN],
					  const char **why)
{
	unsigned char raw[40];
	int			n = base32_decode(text, len, raw, sizeof(raw));
	unsigned	type;
	unsigned	crc;

	if (n != 2 + NKEY_SEED_LEN + 2)
	{
		*why = "it is not an NKey seed (base32, 58 characters)";
		return -1;
	}
	crc = (unsigned) raw[n - 2] | ((unsigned) raw[n - 1] << 8);
	if (crc != crc16(raw, (size_t) n - 2))
	{
		*why = "its NKey seed is damaged (checksum mismatch)";
		return -1;
	}
	type = ((raw[0] & 7u) << 5) | ((raw[1] & 0xF8u) >> 3);
	if ((raw[0] & 0xF8) != PREFIX_SEED || type != PREFIX_USER)
	{
		*why = "its NKey seed is not a user seed (SU...)";
		return -1;
	}
	memcpy(seed, raw + 2, NKEY_SEED_LEN);
	memset(raw, 0, sizeof(raw));
	return 0;
}

static EVP_PKEY *
key_of(const unsigned char seed[NKEY_SEED_LEN])
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, NKEY_SEED_LEN);
}

int
nkey_public_key(const unsigned char seed[NKEY_SEED_LEN], char *out, size_t size)
{
	EVP_PKEY   *key = key_of(seed);
	unsigned char raw[1 + 32 + 2];
	size_t		len = 32;
	unsigned	crc;

	if (key == NULL)
		return -1;
	raw[0] = PREFIX_USER;
	if (EVP_PKEY_get_raw_public_key(key, raw + 1, &len) != 1 || len != 32)
	{
		EVP_PKEY_free(key);
		return -1;
	}
	EVP_PKEY_free(key);
	crc = crc16(raw, 33);
	raw[33] = (unsigned char) (crc & 0xFF);
	raw[34] = (unsigned char) (crc >> 8);
	base32_encode(raw, sizeof(raw), out, size);
	return strlen(out) == 56 ? 0 : -1;
}

int
nkey_sign(const unsigned char seed[NKEY_SEED_LEN], const unsigned char *msg, size_t len,
		  unsigned char sig[NKEY_SIG_LEN])
{
	EVP_PKEY   *key = key_of(seed);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t		sig_len = NKEY_SIG_LEN;
	int			ok;

	ok = key != NULL && ctx != NULL &&
		EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
		EVP_DigestSign(ctx, sig, &sig_len, msg, len) == 1 && sig_len == NKEY_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

void
nkey_base64url(const unsigned char *data, size_t len, char *out, size_t size)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len && n + 5 < size; i += 3)
	{
		unsigned	v = (unsigned) data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned) data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		if (i + 1 < len)
			out[n++] = alphabet[(v >> 6) & 63];
		if (i + 2 < len)
			out[n++] = alphabet[v & 63];
	}
	out[n] = '\0';
}
