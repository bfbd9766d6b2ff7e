/*
 * test_helpers.h - what the unit tests share: cmocka, byte-string helpers
 * and the message model lookups the assertions use.
 *
 * Test vectors are real encodings (generated with Python's codecs and
 * pasted as octal escapes, which never swallow a following digit).
 */
#ifndef MAMORI_TEST_HELPERS_H
#define MAMORI_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>

/* A string literal as (bytes, length), NUL bytes inside included. */
#define BYTES(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/* Compare two UTF-8 strings, printing both on failure. */
#define assert_utf8_equal(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ == NULL || strcmp(g_, w_) != 0) { \
		print_error("got  \"%s\"\nwant \"%s\"\n", g_ != NULL ? g_ : "(null)", w_); \
		fail(); \
	} \
} while (0)

/* A NUL-terminated copy of a string that must be freed: asserts on NULL. */
#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) { \
		print_error("\"%s\"\ndoes not contain \"%s\"\n", h_ != NULL ? h_ : "(null)", n_); \
		fail(); \
	} \
} while (0)

/* The whole of a test data file (g_free it); fails the test if missing. */
static inline uint8_t *
test_load(const char *path, size_t *n)
{
	gchar *b = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &b, &len, NULL)) {
		print_error("missing %s\n", path);
		fail();
	}
	*n = len;
	return (uint8_t *)b;
}

#endif
