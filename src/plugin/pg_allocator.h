/*
 * pg_allocator.h
 *    libwal2events allocations inside the server: palloc in the current
 *    memory context, so an ERROR anywhere frees everything.
 */
#ifndef W2E_PG_ALLOCATOR_H
#define W2E_PG_ALLOCATOR_H

#include <stddef.h>

extern void *pg_allocator_alloc(void *ctx, size_t size);
extern void pg_allocator_free(void *ctx, void *ptr);

#endif							/* W2E_PG_ALLOCATOR_H */
