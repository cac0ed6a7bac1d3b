/*
 * claim_reassembly.c
 *    An event's body from its claim-check chunks (see claim_reassembly.h):
 *    the chunks delivered right before it, or those stored before it, read
 *    by stream sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_reassembly.h"

void
claim_init(ClaimReassembly *c)
{
	memset(c, 0, sizeof(*c));
	w2e_buffer_init(&c->body, NULL);
	c->next = -1;
}

void
claim_free(ClaimReassembly *c)
{
	w2e_buffer_free(&c->body);
}

/* "<n>/<count>" */
static int
parse_chunk(const char *text, int *n, int *count)
{
	char		tail;

	return text != NULL && sscanf(text, "%d/%d%c", n, count, &tail) == 2 &&
		*n >= 0 && *count > 0 && *n < *count ? 0 : -1;
}

void
claim_collect(ClaimReassembly *c, const ClaimChunk *chunk)
{
	int			n;
	int			count;

	if (parse_chunk(chunk->chunk, &n, &count) != 0)
	{
		c->next = -1;
		return;
	}
	if (n == 0)
	{
		w2e_buffer_reset(&c->body);
		snprintf(c->of, sizeof(c->of), "%s", chunk->of);
		c->count = count;
		c->next = 0;
	}
	if (c->next != n || c->count != count || strcmp(c->of, chunk->of) != 0 ||
		c->body.len + chunk->len > W2E_MAX_MESSAGE_SIZE ||
		w2e_buffer_append(&c->body, chunk->data, chunk->len) != 0)
	{
		c->next = -1;
		return;
	}
	c->next++;
}

/* Chunk i of count, read from src at sequence at, appended: 0, or -1 with why. */
static int
fetch_chunk(ClaimReassembly *c, const ClaimSource *src, uint64_t at, int i, int count,
			const char *id, char *why, size_t size)
{
	ClaimChunk	chunk;
	char		reason[200];
	int			n;
	int			c_count;
	int			rc = 0;

	if (src->get(src->ctx, at, &chunk, reason, sizeof(reason)) != 0)
	{
		snprintf(why, size, "chunk %d of %d (sequence %llu) cannot be read: %s", i, count,
				 (unsigned long long) at, reason);
		return -1;
	}
	if (chunk.of == NULL || strcmp(chunk.of, id) != 0 ||
		parse_chunk(chunk.chunk, &n, &c_count) != 0 || n != i || c_count != count)
	{
		snprintf(why, size, "message %llu, where chunk %d of %d should be, is not that chunk",
				 (unsigned long long) at, i, count);
		rc = -1;
	}
	else if (c->body.len + chunk.len > W2E_MAX_MESSAGE_SIZE ||
			 w2e_buffer_append(&c->body, chunk.data, chunk.len) != 0)
	{
		snprintf(why, size, "out of memory for its chunks");
		rc = -1;
	}
	src->release(src->ctx);
	return rc;
}

/* Is the message at seq chunk i of count of the event id? 1 or 0, or -1 with why. */
static int
is_chunk_at(const ClaimSource *src, uint64_t at, const char *id, int i, int count,
			char *why, size_t size)
{
	ClaimChunk	chunk;
	char		reason[200];
	int			n;
	int			c_count;
	int			match;

	if (src->get(src->ctx, at, &chunk, reason, sizeof(reason)) != 0)
	{
		snprintf(why, size, "chunk %d of %d (sequence %llu) cannot be read: %s", i, count,
				 (unsigned long long) at, reason);
		return -1;
	}
	match = chunk.of != NULL && strcmp(chunk.of, id) == 0 &&
		parse_chunk(chunk.chunk, &n, &c_count) == 0 && n == i && c_count == count;
	src->release(src->ctx);
	return match;
}

/*
 * The chunks of the event at seq read by sequence: stored before it, in
 * order. Right before it when one shipper writes the stream; when several
 * do, other sources' messages may lie between them, and are looked past
 * (CLAIM_SEARCH_MAX of them at most). Found walking back, then read forward.
 */
static int
fetch_chunks(ClaimReassembly *c, const ClaimSource *src, uint64_t seq, const char *id,
			 int count, char *why, size_t size)
{
	uint64_t   *found;
	uint64_t	at = seq;
	int			skipped = 0;
	int			i = count - 1;
	int			rc = 0;

	w2e_buffer_reset(&c->body);
	c->next = -1;
	if (seq <= (uint64_t) count)
	{
		snprintf(why, size, "its %d chunks would be stored before the stream's first message", count);
		return -1;
	}
	if ((found = malloc((size_t) count * sizeof(uint64_t))) == NULL)
	{
		snprintf(why, size, "out of memory for its chunks");
		return -1;
	}
	while (i >= 0 && rc == 0)
	{
		int			match;

		if (at <= 1 || skipped > CLAIM_SEARCH_MAX)
		{
			snprintf(why, size, "chunk %d of %d is not among the %d messages stored before it",
					 i, count, (int) (seq - at));
			rc = -1;
		}
		else if ((match = is_chunk_at(src, --at, id, i, count, why, size)) < 0)
			rc = -1;
		else if (match)
			found[i--] = at;
		else
			skipped++;
	}
	for (i = 0; i < count && rc == 0; i++)
		rc = fetch_chunk(c, src, found[i], i, count, id, why, size);
	free(found);
	return rc;
}

int
claim_resolve(ClaimReassembly *c, const ClaimEvent *e, const ClaimSource *src,
			  int *chunks, const uint8_t **body, size_t *len, char *why, size_t size)
{
	char		tail;
	int			count;
	unsigned long long claimed;

	if (sscanf(e->chunks, "%d%c", &count, &tail) != 1 || count <= 0 || count > CLAIM_CHUNKS_MAX ||
		e->size == NULL ||
		sscanf(e->size, "%llu%c", &claimed, &tail) != 1 || e->id == NULL)
	{
		snprintf(why, size,
				 "its claim-check headers are malformed (W2e-Claim-Chunks '%.20s', W2e-Claim-Size '%.20s')",
				 e->chunks, e->size != NULL ? e->size : "");
		return -1;
	}
	*chunks = count;
	if (!(c->next == count && c->count == count && strcmp(c->of, e->id) == 0) &&
		fetch_chunks(c, src, e->seq, e->id, count, why, size) != 0)
		return -1;
	c->next = -1;
	if (c->body.len != claimed)
	{
		snprintf(why, size, "its %d chunks hold %zu bytes, W2e-Claim-Size says %llu",
				 count, c->body.len, claimed);
		return -1;
	}
	*body = (const uint8_t *) c->body.data;
	*len = c->body.len;
	return 0;
}
