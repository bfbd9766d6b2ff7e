/*
 * fuzz_deob_screnc.c - libFuzzer target for src/deob/screnc.c: the input
 * is any text (with or without #@~^ blocks).  deob_screnc() must return a
 * NUL-terminated text no longer than the input, with at most one block
 * per 24 input bytes (the smallest block, "#@~^AAAAAA==AAAAAA==^#~@");
 * without a block the text comes back unchanged.  The input is decoded a
 * second time after a valid block of its own is appended: one more block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char EMPTY_BLOCK[] = "#@~^AAAAAA==AAAAAA==^#~@";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t n = 99;
	unsigned blocks = 99;
	char *out = deob_screnc(text, size, &n, &blocks);
	if (out == NULL || n > size || out[n] != '\0' || blocks > size / 24)
		abort();
	if (blocks == 0 && (n != size || memcmp(out, text, size) != 0))
		abort();
	g_free(out);

	/* a separator that cannot complete a block of the input, then a block */
	size_t m = size + 1 + sizeof(EMPTY_BLOCK) - 1;
	char *b = g_malloc(m);
	memcpy(b, text, size);
	b[size] = '\n';
	memcpy(b + size + 1, EMPTY_BLOCK, sizeof(EMPTY_BLOCK) - 1);
	unsigned blocks2;
	out = deob_screnc(b, m, &n, &blocks2);
	if (n > m || blocks2 < 1)
		abort();
	g_free(out);
	g_free(b);
	return 0;
}
