/*
 * arena.h
 *    A bump allocator for one Transaction message at a time: parsing
 *    allocates thousands of small objects, all freed together when the
 *    message's last event has been handed on. Resetting the arena replaces
 *    those frees (and protobuf-c's walk to find them) with one pointer move.
 */
#ifndef WAL2EVENTS_ARENA_H
#define WAL2EVENTS_ARENA_H

#include <stddef.h>

#include "wal2events.h"

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena
{
	ArenaBlock *first;
	ArenaBlock *current;
	W2eAllocator allocator;		/* alloc from the arena; free does nothing */
} Arena;

extern void arena_init(Arena *arena);
/* Forget every allocation; blocks beyond the standard size are returned. */
extern void arena_reset(Arena *arena);
extern void arena_free_all(Arena *arena);

#endif							/* WAL2EVENTS_ARENA_H */
