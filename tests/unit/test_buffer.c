/*
 * test_buffer.c
 *    W2eBuffer: growth, NUL termination, allocator failures.
 */
#include "build.h"
#include "harness.h"

static void
test_buffer_empty(void)
{
	W2eBuffer	b;

	w2e_buffer_init(&b, NULL);
	CHECK_STR(b.data, "");
	CHECK_INT(b.len, 0);
	w2e_buffer_reset(&b);
	CHECK_STR(b.data, "");
	w2e_buffer_free(&b);
	CHECK_STR(b.data, "");
}

static void
test_buffer_grows(void)
{
	W2eBuffer	b;
	int			i;

	w2e_buffer_init(&b, NULL);
	for (i = 0; i < 1000; i++)
		CHECK_INT(w2e_buffer_append_str(&b, "abc"), 0);
	CHECK_INT(b.len, 3000);
	CHECK_INT(b.data[3000], '\0');
	CHECK(b.cap > b.len);
	CHECK(memcmp(b.data + 2997, "abc", 3) == 0);
	CHECK_INT(w2e_buffer_append(&b, NULL, 0), 0);
	w2e_buffer_reset(&b);
	CHECK_STR(b.data, "");
	CHECK_INT(w2e_buffer_append_char(&b, 'x'), 0);
	CHECK_STR(b.data, "x");
	w2e_buffer_free(&b);
}

static void
test_buffer_allocator_failure(void)
{
	TestAllocator ta;
	W2eBuffer	b;
	char		big[200];

	memset(big, 'y', sizeof(big));
	w2e_buffer_init(&b, test_allocator(&ta, 1));
	CHECK_INT(w2e_buffer_append_str(&b, "hello"), 0);
	CHECK_INT(w2e_buffer_append(&b, big, sizeof(big)), -1);	/* growing fails */
	CHECK_STR(b.data, "hello");	/* and leaves the buffer as it was */
	w2e_buffer_free(&b);
	CHECK_INT(ta.allocs, 1);
	CHECK_INT(ta.frees, 1);
}

const UnitTest buffer_tests[] = {
	{"buffer: starts empty and NUL-terminated", test_buffer_empty},
	{"buffer: grows and stays NUL-terminated", test_buffer_grows},
	{"buffer: allocation failure leaves it intact", test_buffer_allocator_failure},
	{NULL, NULL}
};
