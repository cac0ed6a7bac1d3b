/*
 * pg_allocator.c
 *    palloc-backed W2eAllocator for libwal2events in the server.
 */
#include "postgres.h"

#include "pg_allocator.h"

void *
pg_allocator_alloc(void *ctx, size_t size)
{
	/* the library bounds sizes itself (W2E_MAX_MESSAGE_SIZE) */
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

void
pg_allocator_free(void *ctx, void *ptr)
{
	if (ptr)
		pfree(ptr);
}
