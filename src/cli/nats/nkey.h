/*
 * nkey.h
 *    NATS NKeys for user authentication: decode a user seed ("SU..."), say
 *    its public key ("U..."), sign the server's nonce (Ed25519, OpenSSL 3).
 *
 * An NKey is base32 (RFC 4648, no padding) of prefix bytes, the 32-byte key
 * and a CRC-16/XMODEM of them, little-endian. A seed's two prefix bytes
 * carry both "seed" (S) and the key's type (U: user).
 */
#ifndef WAL2EVENTS_NKEY_H
#define WAL2EVENTS_NKEY_H

#include <stddef.h>

#define NKEY_SEED_LEN 32
#define NKEY_SIG_LEN 64

/* "SU..." -> the 32-byte Ed25519 seed. 0, or -1 with why (no secret in it). */
extern int	nkey_decode_user_seed(const char *text, size_t len, unsigned char seed[NKEY_SEED_LEN],
								  const char **why);

/* The seed's public user NKey ("U...", 56 characters). 0, or -1. */
extern int	nkey_public_key(const unsigned char seed[NKEY_SEED_LEN], char *out, size_t size);

/* The Ed25519 signature of msg. 0, or -1. */
extern int	nkey_sign(const unsigned char seed[NKEY_SEED_LEN], const unsigned char *msg, size_t len,
					  unsigned char sig[NKEY_SIG_LEN]);

/* data as base64url without padding (as NATS wants a signature). */
extern void nkey_base64url(const unsigned char *data, size_t len, char *out, size_t size);

#endif							/* WAL2EVENTS_NKEY_H */
