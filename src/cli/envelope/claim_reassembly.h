/*
 * claim_reassembly.h
 *    An event's body put back together from its claim-check chunks (see
 *    nats_message.c for how `ship` writes them, stream_reader.h for how they
 *    are read), without NATS: the stream reader hands over the chunks it is
 *    delivered, and reads the ones it was not through a ClaimSource.
 *
 * Apart from the stream reader so that it can be tested, and fuzzed
 * (tests/fuzz/fuzz_claim.c), with messages made up in memory.
 */
#ifndef WAL2EVENTS_CLAIM_REASSEMBLY_H
#define WAL2EVENTS_CLAIM_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "wal2events.h"

#define CLAIM_ID_MAX 256
#define CLAIM_CHUNKS_MAX (1 << 20)	/* more chunks than a 1 GB event needs: malformed */
/*
 * Other sources' messages looked past for an event's chunks, at most: a busy
 * shipper can interleave thousands of its messages while another publishes
 * a large claim check (4,000 seen on loopback, more on a slow machine); each
 * one looked past costs one read, so this is a bound, not a budget.
 */
#define CLAIM_SEARCH_MAX 1000000

/* The claim check being collected from delivered chunks. */
typedef struct ClaimReassembly
{
	char		of[CLAIM_ID_MAX];	/* W2e-Claim-Of of its chunks */
	int			count;
	int			next;			/* next chunk expected; -1: broken */
	W2eBuffer	body;
} ClaimReassembly;

/* A stored chunk: its headers (NULL when absent) and its body. */
typedef struct ClaimChunk
{
	const char *of;				/* W2e-Claim-Of */
	const char *chunk;			/* W2e-Claim-Chunk, "<n>/<count>" */
	const void *data;
	size_t		len;
} ClaimChunk;

/* The messages of the stream, read by stream sequence. */
typedef struct ClaimSource
{
	void	   *ctx;
	/* The message at seq: 0 with *chunk set, valid until release(); -1 with why. */
	int			(*get) (void *ctx, uint64_t seq, ClaimChunk *chunk, char *why, size_t size);
	void		(*release) (void *ctx);
} ClaimSource;

/* An event message's claim-check headers (NULL when absent). */
typedef struct ClaimEvent
{
	uint64_t	seq;			/* its stream sequence */
	const char *id;				/* Nats-Msg-Id */
	const char *chunks;			/* W2e-Claim-Chunks */
	const char *size;			/* W2e-Claim-Size */
} ClaimEvent;

extern void claim_init(ClaimReassembly *c);
extern void claim_free(ClaimReassembly *c);

/* A delivered chunk (a message with W2e-Claim-Of): collected when it continues the claim check. */
extern void claim_collect(ClaimReassembly *c, const ClaimChunk *chunk);

/*
 * The body of an event message with W2e-Claim-Chunks: the chunks collected
 * right before it, or else the e->chunks chunks stored before it (other
 * sources' messages between them looked past), read from src. 0 with
 * *body (valid until the next claim_* call) and *len set, or -1 with why;
 * *chunks is the count of its headers once they parse.
 */
extern int	claim_resolve(ClaimReassembly *c, const ClaimEvent *e, const ClaimSource *src,
						  int *chunks, const uint8_t **body, size_t *len,
						  char *why, size_t size);

#endif							/* WAL2EVENTS_CLAIM_REASSEMBLY_H */
