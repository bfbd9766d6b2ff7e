/*
 * fuzz_tree.h - what the fuzz targets that build an object tree share:
 * small limits (a run stays fast; a bomb must be stopped by them, never by
 * running out of memory) and the invariants every tree must keep.
 */
#ifndef MAMORI_FUZZ_TREE_H
#define MAMORI_FUZZ_TREE_H

#include <stdlib.h>

#include <glib.h>

#include "mime/message.h"
#include "objects/object.h"

static const struct mime_limits fuzz_mime_limits = {
	.max_size = 1 << 20, .max_decoded = 4 << 20, .max_parts = 100, .max_depth = 10, .max_names = 100,
};

/* The limits of most targets; mime: the MIME limits for mail files inside
 * objects, or NULL to leave them closed. */
#define FUZZ_OBJ_LIMITS(mime_limits) {			\
	.depth = 6,					\
	.objects = 200, .names = 200,			\
	.object_bytes = 1 << 20,			\
	.unpacked_bytes = 8 << 20,			\
	.stream_bytes = 32 << 20,			\
	.ratio = 100,					\
	.ratio_min = 1 << 20,				\
	.padding_min = 256 << 10,			\
	.mime = (mime_limits),				\
}

/* Abort unless the tree kept its limits and every object that is not
 * encrypted has a path and a true type. */
static inline void
fuzz_check_tree(const struct obj_tree *t, const struct obj_limits *lim)
{
	if (t->all->len > lim->objects || t->kept_bytes > lim->unpacked_bytes)
		abort();
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (o->depth > lim->depth + 1 || (o->owned != NULL && o->len > lim->object_bytes))
			abort();
		if ((o->path == NULL || o->type == NULL) && !(o->flags & OBJ_ENCRYPTED))
			abort();
	}
}

#endif
