/*
 * nats_header.h
 *    Header lines of the messages wal2events publishes (the JetStream
 *    sink's and replay's), written straight into a buffer with room for
 *    them: values with CR or LF never break a line, and the values of
 *    W2e-Type, W2e-Partition-Key and W2e-Database are percent-encoded
 *    ('%' and control characters as %XX) and, when longer than
 *    W2E_HEADER_VALUE_MAX encoded, shortened the way wal2events.h says.
 */
#ifndef WAL2EVENTS_NATS_HEADER_H
#define WAL2EVENTS_NATS_HEADER_H

#include <stddef.h>

#include "wal2events.h"

/* Copy len bytes to p: the position after them. */
extern char *nats_put(char *p, const void *data, size_t len);

#define PUT_LIT(p, text) nats_put((p), text, sizeof(text) - 1)

/* "<key>: <value>\r\n", CR and LF in the value as spaces (key given with ": "). */
extern char *nats_put_header(char *p, const char *key, size_t key_len, const char *value, size_t len);

#define PUT_HEADER(p, key, value, len) nats_put_header((p), key ": ", sizeof(key ": ") - 1, (value), (len))

/* "<key>: <value>\r\n", the value percent-encoded and shortened (key given with ": "). */
extern char *nats_put_header_encoded(char *p, const char *key, size_t key_len, const char *value);

/* The most bytes nats_put_header_encoded writes for a value (beyond key and CRLF). */
#define NATS_HEADER_ENCODED_MAX W2E_HEADER_VALUE_MAX

#endif							/* WAL2EVENTS_NATS_HEADER_H */
