/*
 * archive.h - archives and compressed streams (private to containers/).
 */
#ifndef MAMORI_OBJECTS_ARCHIVE_H
#define MAMORI_OBJECTS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "containers.h"

/* Entry name -> cipher name for the encrypted entries of a ZIP file. */
GHashTable *zip_cipher_table(const uint8_t *p, size_t len);

#endif
