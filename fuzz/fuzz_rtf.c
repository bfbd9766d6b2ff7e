/*
 * fuzz_rtf.c - libFuzzer target for the RTF analyser (src/objects/documents/rtf.c):
 * the input is one attachment named x.rtf, typed by content (the seeds
 * start with {\rtf) and built as an object tree, so the scanner, the OLE1
 * header and Packager readers and the children they carve are all run,
 * under the limits below.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "fuzz_tree.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct obj_limits lim = FUZZ_OBJ_LIMITS(NULL);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj_tree *t = obj_tree_build_file("x.rtf", data, size, &lim);

	if (t->all->len > lim.objects || t->kept_bytes > lim.unpacked_bytes)
		abort();
	obj_tree_free(t);
	return 0;
}
