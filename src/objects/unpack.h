/*
 * unpack.h - what the unpackers share (private to src/objects).
 */
#ifndef MAMORI_OBJECTS_UNPACK_H
#define MAMORI_OBJECTS_UNPACK_H

#include "object.h"

struct obj_tree *obj_tree_new(const struct obj_limits *lim);
/* A new object under parent (NULL: a root), or NULL when limits.objects
 * is reached (recorded). */
struct mobj *unpack_new_object(struct obj_tree *t, struct mobj *parent,
    enum obj_origin origin, const char *name, const char *path);
/* List the name of an object past limits.objects (mime_name); false once
 * limits.listed_names are listed (recorded as OBJ_LIMIT_NAMES). */
bool unpack_name_beyond(struct obj_tree *t, const char *name, const char *path);
/* A stored file name as UTF-8 fit to show: CP932 and other legacy
 * encodings are detected; controls removed; g_free it. */
char *unpack_clean_name(const uint8_t *raw, size_t len);
/* Set o->type from its content. */
void unpack_identify(struct mobj *o);
/* May o's content be opened into children?  false (and recorded, flag
 * not_unpacked) at limits.unpack_depth or past the deadline. */
bool open_allowed(struct obj_tree *t, struct mobj *o);
/* Open o if it is a container we understand, recursively. */
void unpack_object(struct obj_tree *t, struct mobj *o);

#endif
