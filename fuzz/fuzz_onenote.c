/*
 * fuzz_onenote.c - libFuzzer target for the OneNote analyser (src/objects/onenote.c):
 * the input is one attachment named x.one, typed by content, so inputs
 * that keep the OneNote header GUID reach the analyser, and what it
 * carves is typed, unpacked and analysed in turn.  The same checks as
 * fuzz_objects.c: a run must stay within the limits it was built under.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "mime/message.h"
#include "objects/object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mime_limits mime_lim = {
	.max_size = 1 << 20, .max_decoded = 4 << 20, .max_parts = 100, .max_depth = 10,
};

static const struct obj_limits lim = {
	.depth = 6,
	.objects = 200,
	.object_bytes = 1 << 20,
	.unpacked_bytes = 8 << 20,
	.stream_bytes = 32 << 20,
	.ratio = 100,
	.ratio_min = 1 << 20,
	.padding_min = 256 << 10,
	.mime = &mime_lim,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj_tree *t = obj_tree_build_file("x.one", data, size, &lim);

	if (t->all->len > lim.objects || t->kept_bytes > lim.unpacked_bytes)
		abort();
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (o->depth > lim.depth + 1 || (o->owned != NULL && o->len > lim.object_bytes))
			abort();
		if (o->path == NULL || o->type == NULL) {
			if (!(o->flags & OBJ_ENCRYPTED))
				abort();
		}
	}
	obj_tree_free(t);
	return 0;
}
