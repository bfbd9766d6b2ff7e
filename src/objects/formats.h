/*
 * formats.h - the name html.c still includes for the tree interface; it is
 * tree_api.h now (html.c moves into documents/ with its rewrite).
 */
#ifndef MAMORI_OBJECTS_FORMATS_H
#define MAMORI_OBJECTS_FORMATS_H

#include "tree_api.h"

#endif
