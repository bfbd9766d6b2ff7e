/*
 * containers.h - the containers' entry points, for their registry
 * (registry.c; private to containers/).  Each opens one object into
 * children through the tree interface (tree_api.h).
 */
#ifndef MAMORI_OBJECTS_CONTAINERS_H
#define MAMORI_OBJECTS_CONTAINERS_H

#include "objects/tree_api.h"

/* Archives, disk images, zip-based documents and compressed streams, on
 * libarchive (archive.c). */
void archive_unpack(struct obj_tree *t, struct mobj *o);
/* A CHM (its files), an SZDD or a KWAJ file (its one stream), on
 * libmspack (mspack.c). */
void mspack_unpack(struct obj_tree *t, struct mobj *o);
/* A mail file, .eml or mbox: the attachments of each message (mailfile.c,
 * on GMime). */
void mail_file_unpack(struct obj_tree *t, struct mobj *o);
/* ActiveMime (MSO) data: its zlib stream, an OLE2 file (activemime.c). */
void activemime_unpack(struct obj_tree *t, struct mobj *o);

#endif
