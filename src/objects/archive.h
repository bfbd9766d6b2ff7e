/*
 * archive.h - archives and compressed streams (private to src/objects).
 */
#ifndef MAMORI_OBJECTS_ARCHIVE_H
#define MAMORI_OBJECTS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "object.h"

/* Unpack o (an archive, disk image or compressed stream) into children. */
void archive_unpack(struct obj_tree *t, struct mobj *o);
/* Entry name -> cipher name for the encrypted entries of a ZIP file. */
GHashTable *zip_cipher_table(const uint8_t *p, size_t len);

#endif
