/*
 * fuzz_activemime.c - libFuzzer target for ActiveMime (MSO) parts
 * (src/objects/containers/activemime.c) and what is behind them: the OLE2
 * file they compress, read by ole.c (a VBA project, oledata.mso objects).
 *
 * An even first byte: the rest is compressed with zlib behind a Word
 * ActiveMime header (the stream at 0x32), so that the fuzzer reaches the
 * inflated OLE2 file; an odd one: the rest is the whole part after the
 * "ActiveMime" magic (header fields, offsets, damaged zlib streams).
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "fuzz_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

static void
le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, (const uint8_t *)"ActiveMime", 10);
	if (data[0] & 1) {
		g_byte_array_append(a, data + 1, (guint)(size - 1));
	} else {
		uint8_t h[0x32 - 10];
		memset(h, 0, sizeof(h));
		h[2] = 0x01;
		h[3] = 0xF0;
		le32_put(h + (0x0E - 10), 4);
		le32_put(h + (0x12 - 10), 0xFFFFFFFFu);
		le32_put(h + (0x1E - 10), 4);
		le32_put(h + (0x2E - 10), (uint32_t)(size - 1));
		g_byte_array_append(a, h, sizeof(h));
		uLongf n = compressBound((uLong)(size - 1));
		uint8_t *z = g_malloc(n);
		if (compress(z, &n, data + 1, (uLong)(size - 1)) == Z_OK)
			g_byte_array_append(a, z, (guint)n);
		g_free(z);
	}
	struct obj_tree *t = obj_tree_build_file("editdata.mso", a->data, a->len, &lim);
	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	g_byte_array_unref(a);
	return 0;
}
