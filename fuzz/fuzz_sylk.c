/*
 * fuzz_sylk.c - libFuzzer target for the SYLK analyser
 * (src/objects/documents/sylk.c): the input, after "ID;" (so that it is
 * typed sylk whatever the fuzzer writes), is one attachment named x.slk
 * built as an object tree: records, cells, names, and the macro sheet's
 * run by the XLM evaluator (src/deob/xlm.c) through the static sandbox,
 * under the limits below and a small step limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);
	lim.deob_steps = 50000;
	lim.deob_bytes = 64 << 10;
	uint8_t *b = g_malloc(size + 3);
	memcpy(b, "ID;", 3);
	if (size > 0)
		memcpy(b + 3, data, size);
	struct obj_tree *t = obj_tree_build_file("x.slk", b, size + 3, &lim);
	fuzz_check_tree(t, &lim);
	obj_tree_free(t);
	g_free(b);
	return 0;
}
