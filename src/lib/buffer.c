/*
 * buffer.c
 *    W2eBuffer, the growable byte buffer JSON is rendered into, and the
 *    allocator plumbing every other file uses.
 *
 * W2eAllocator has no realloc (palloc's repalloc would need a context the
 * caller may not want to give), so growing is allocate, copy, free; doubling
 * keeps that amortised O(1). An empty buffer points at a static "" so data
 * is a valid C string from the moment the buffer is initialised, without
 * allocating anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Never written to: cap == 0 marks a buffer that does not own its data. */
static char empty_data[1];

void *
w2e_alloc(const W2eAllocator *allocator, size_t size)
{
	if (allocator == NULL)
		return malloc(size == 0 ? 1 : size);
	return allocator->alloc(allocator->ctx, size);
}

void
w2e_free(const W2eAllocator *allocator, void *ptr)
{
	if (ptr == NULL)
		return;
	if (allocator == NULL)
		free(ptr);
	else
		allocator->free(allocator->ctx, ptr);
}

void
w2e_buffer_init(W2eBuffer *buf, const W2eAllocator *allocator)
{
	buf->data = empty_data;
	buf->len = 0;
	buf->cap = 0;
	buf->allocator = allocator;
}

/* Make room for extra more bytes plus the terminating NUL. */
static int
buffer_reserve(W2eBuffer *buf, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *data;

	if (extra > SIZE_MAX - buf->len - 1)
		return -1;
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap < 64 ? 64 : buf->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = w2e_alloc(buf->allocator, cap);
	if (data == NULL)
		return -1;
	memcpy(data, buf->data, buf->len + 1);
	if (buf->cap > 0)
		w2e_free(buf->allocator, buf->data);
	buf->data = data;
	buf->cap = cap;
	return 0;
}

int
w2e_buffer_append(W2eBuffer *buf, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (buffer_reserve(buf, len) != 0)
		return -1;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int
w2e_buffer_append_str(W2eBuffer *buf, const char *str)
{
	return w2e_buffer_append(buf, str, strlen(str));
}

int
w2e_buffer_append_char(W2eBuffer *buf, char c)
{
	if (buf->len + 1 < buf->cap)
	{
		buf->data[buf->len++] = c;
		buf->data[buf->len] = '\0';
		return 0;
	}
	return w2e_buffer_append(buf, &c, 1);
}

/* For short formatted pieces (numbers, LSNs): at most 127 bytes. */
int
w2e_buffer_append_fmt(W2eBuffer *buf, const char *fmt,...)
{
	char		tmp[128];
	va_list		args;
	int			n;

	va_start(args, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, args);
	va_end(args);
	if (n < 0 || (size_t) n >= sizeof(tmp))
		return -1;
	return w2e_buffer_append(buf, tmp, (size_t) n);
}

void
w2e_buffer_reset(W2eBuffer *buf)
{
	buf->len = 0;
	if (buf->cap > 0)
		buf->data[0] = '\0';
}

void
w2e_buffer_free(W2eBuffer *buf)
{
	if (buf->cap > 0)
		w2e_free(buf->allocator, buf->data);
	w2e_buffer_init(buf, buf->allocator);
}
