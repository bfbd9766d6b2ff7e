/*
 * fuzz_vba.c - libFuzzer target for vba.c called directly: the input is
 * taken as an [MS-OVBA] CompressedContainer (decompressed under a cap
 * that must hold), the result read as a dir stream and analysed as VBA
 * source; the input itself is also read as a dir stream and as source.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "objects/object.h"
#include "objects/documents/ole.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP (256u << 10)

static void
analyse(const uint8_t *p, size_t n)
{
	struct mobj o = { .path = (char *)"x" };
	GPtrArray *m = vba_dir_modules(p, n, NULL);
	for (guint i = 0; i < m->len; i++) {
		const struct vba_module *v = g_ptr_array_index(m, i);
		if (v->name == NULL || v->stream == NULL)
			abort();
	}
	if (m->len > VBA_MODULES_MAX)
		abort();
	g_ptr_array_unref(m);
	o.children = g_ptr_array_new();
	vba_analyse_source(NULL, &o, (const char *)p, n);
	for (guint k = 0; o.facts != NULL && k < o.facts->len; k++)
		g_free(g_array_index(o.facts, struct obj_fact, k).detail);
	if (o.facts != NULL)
		g_array_unref(o.facts);
	if (o.urls != NULL)
		g_ptr_array_unref(o.urls);
	g_ptr_array_unref(o.children);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	bool bad = false;
	uint8_t *out = vba_decompress(data, size, CAP, &n, &bad);
	if (out != NULL) {
		if (n > CAP)
			abort();
		analyse(out, n);
		g_free(out);
	}
	analyse(data, size);
	return 0;
}
