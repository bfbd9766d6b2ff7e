/*
 * fuzz_ole.c - libFuzzer target for the OLE2 analyser (src/objects/documents/ole.c,
 * vba.c, xlm.c): the input is one attachment named .doc, typed by content
 * and analysed with everything it carves (VBA modules, embedded objects,
 * PowerPoint storages), under small limits; the tree must keep them.
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
	struct obj_tree *t = obj_tree_build_file("x.doc", data, size, &lim);

	if (t->all->len > lim.objects || t->kept_bytes > lim.unpacked_bytes)
		abort();
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (o->depth > lim.depth + 1 || (o->owned != NULL && o->len > lim.object_bytes))
			abort();
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++)
			if (g_array_index(o->facts, struct obj_fact, k).id >= OBJ_FACT_COUNT)
				abort();
	}
	obj_tree_free(t);
	return 0;
}
