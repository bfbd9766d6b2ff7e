/*
 * unpack.h - the tree driver's own header (private to the files directly
 * in src/objects: the format parsers in containers/ and documents/ reach
 * the tree through tree_api.h only; tests/check_layers.py enforces it).
 */
#ifndef MAMORI_OBJECTS_UNPACK_H
#define MAMORI_OBJECTS_UNPACK_H

#include "object.h"
#include "tree_api.h"

/* An empty tree under lim (obj_tree_build*() start with it). */
struct obj_tree *obj_tree_new(const struct obj_limits *lim);
/* May o's content be opened into children?  false (and recorded, flag
 * not_unpacked) at limits.unpack_depth or past the deadline. */
bool open_allowed(struct obj_tree *t, struct mobj *o);

#endif
