/*
 * arena.c
 *    The bump allocator behind arena.h: a chain of blocks, reused after a
 *    reset, so a steady stream of messages allocates no memory at all.
 */
#include <stdlib.h>

#include "arena.h"

#define BLOCK_SIZE ((size_t) 1 << 20)
#define ALIGN 16

struct ArenaBlock
{
	ArenaBlock *next;
	size_t		size;			/* usable bytes after the header */
	size_t		used;
};

#define HEADER (((sizeof(ArenaBlock) + ALIGN - 1) / ALIGN) * ALIGN)

static ArenaBlock *
block_new(size_t size)
{
	ArenaBlock *b = malloc(HEADER + size);

	if (b != NULL)
	{
		b->next = NULL;
		b->size = size;
		b->used = 0;
	}
	return b;
}

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *arena = ctx;
	ArenaBlock *b = arena->current;

	size = (size + ALIGN - 1) / ALIGN * ALIGN;
	while (b != NULL && b->used + size > b->size)
	{
		if (b->next == NULL)
		{
			b->next = block_new(size > BLOCK_SIZE ? size : BLOCK_SIZE);
			if (b->next == NULL)
				return NULL;
		}
		b = b->next;
	}
	if (b == NULL)
	{
		b = arena->first = block_new(size > BLOCK_SIZE ? size : BLOCK_SIZE);
		if (b == NULL)
			return NULL;
	}
	arena->current = b;
	b->used += size;
	return (char *) b + HEADER + b->used - size;
}

static void
arena_release(void *ctx, void *ptr)
{
}

void
arena_init(Arena *arena)
{
	arena->first = NULL;
	arena->current = NULL;
	arena->allocator.alloc = arena_alloc;
	arena->allocator.free = arena_release;
	arena->allocator.ctx = arena;
}

void
arena_reset(Arena *arena)
{
	ArenaBlock **link = &arena->first;

	while (*link != NULL)
	{
		ArenaBlock *b = *link;

		if (b->size > BLOCK_SIZE)
		{
			*link = b->next;	/* an outsized block: give it back */
			free(b);
			continue;
		}
		b->used = 0;
		link = &b->next;
	}
	arena->current = arena->first;
}

void
arena_free_all(Arena *arena)
{
	while (arena->first != NULL)
	{
		ArenaBlock *next = arena->first->next;

		free(arena->first);
		arena->first = next;
	}
	arena->current = NULL;
}
