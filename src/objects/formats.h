/*
 * formats.h - the containers that libarchive does not read: CHM, SZDD
 * and KWAJ (mspack.c, on libmspack), and the
 * bookkeeping they share (formats.c) so that every one of them keeps the
 * same limits as archive.c (private to src/objects).
 */
#ifndef MAMORI_OBJECTS_FORMATS_H
#define MAMORI_OBJECTS_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"
#include "sink.h"

/* Unpack a CHM (its files), an SZDD or a KWAJ file (its one stream). */
void mspack_unpack(struct obj_tree *t, struct mobj *o);

/*
 * One container being unpacked: the limits archive.c applies, for
 * unpackers that hand us the entries one at a time.
 */
struct cwalk {
	struct obj_tree *t;
	struct mobj *o;		/* the container */
	uint64_t kept_start;	/* t->kept_bytes when it was opened */
	bool stop;		/* stop this container (objects limit, bomb) */
};

void cwalk_init(struct cwalk *w, struct obj_tree *t, struct mobj *o);
/* May another entry be read?  Records the time limit when it is hit. */
bool cwalk_go(struct cwalk *w);
/* A new child named name (cleaned here), or NULL: the objects limit
 * (w->stop is then set). */
struct mobj *cwalk_child(struct cwalk *w, const uint8_t *name, size_t nlen,
    enum obj_origin origin);
/* After sink_write() into child: false when reading must stop (the
 * stream, time or ratio limit; recorded, flags set). */
bool cwalk_wrote(struct cwalk *w, struct mobj *child, enum sink_stop st);
/* A finished child: identify it and unpack it in turn. */
void cwalk_done(struct cwalk *w, struct mobj *child);
/*
 * A child carved out of a document or container in one piece (a VBA
 * module's source, an embedded file): the bytes go through a sink (limits,
 * hashes, padding), then the child is identified and unpacked in turn.
 * NULL when a limit stops it (recorded).
 */
struct mobj *cwalk_add(struct cwalk *w, const char *name, const uint8_t *p,
    size_t len, enum obj_origin origin);
/* Set o->error (cleaned, cut) and flags. */
void cwalk_fail(struct mobj *o, unsigned flags, const char *error);

#endif
