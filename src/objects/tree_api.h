/*
 * tree_api.h - what a format parser may do with the object tree (the
 * containers in containers/, the document analysers in documents/ and
 * html.c), and the two registries through which the tree driver (unpack.c)
 * reaches them.  The driver implements everything declared here
 * (unpack.c, tree_api.c, sink.c); a format parser includes this header and
 * never the driver's own (unpack.h): tests/check_layers.py enforces it.
 *
 * A parser is handed the tree and one object.  With them it may
 *  - read the limits, the deadline and the password candidates (t->lim,
 *    obj_tree_expired(), password.h) and the tree's counters;
 *  - add children: one at a time through a cwalk (below), which keeps the
 *    same limits for every container as archive.c does, or through
 *    unpack_new_object() and a sink (sink.h) when it streams them itself;
 *  - record a limit it hit (obj_tree_hit()), a fact (obj_fact(), facts.h)
 *    or a URL (obj_url()) on an object;
 *  - hand a finished child back to the driver (unpack_identify(),
 *    unpack_object()), which picks the container or analyser for it from
 *    the registries: a parser never calls another parser by name.
 */
#ifndef MAMORI_OBJECTS_TREE_API_H
#define MAMORI_OBJECTS_TREE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"
#include "sink.h"

struct mime_message;

/* ---- the registries --------------------------------------------------- */

/*
 * One row of a registry: the objects a handler takes and the handler.  A
 * row matches an object whose true type is ->type (a filetype.h id; NULL:
 * any), has one of ->ftflags (FT_* of filetype.h; 0: any) and passes
 * ->takes (NULL: always).  The first matching row is run; a table ends
 * with a row whose ->run is NULL.
 */
struct obj_handler {
	const char *type;
	unsigned ftflags;
	bool (*takes)(const struct obj_tree *t, const struct mobj *o);
	void (*run)(struct obj_tree *t, struct mobj *o);
};

/* Containers: open an object into children (containers/registry.c).  Run
 * only within limits.unpack_depth, the deadline and before a bomb. */
extern const struct obj_handler obj_containers[];
/* Document analysers: facts, URLs and carved children of one object, run
 * after its container (so an OOXML analyser sees the parts), and not on
 * encrypted or empty objects (documents/documents.c). */
extern const struct obj_handler obj_analysers[];

/* ---- objects ----------------------------------------------------------- */

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
/* Open o with its container, then run its analyser (the registries). */
void unpack_object(struct obj_tree *t, struct mobj *o);
/* A mail file's message m (parsed by the caller with t->lim->mime; the
 * tree keeps it): its attachments become children of o, and are unpacked. */
void unpack_add_message(struct obj_tree *t, struct mobj *o, struct mime_message *m);

/* ---- one container at a time ------------------------------------------ */

/*
 * One container being unpacked: the limits archive.c applies, for
 * unpackers that hand us the entries one at a time.  The rules: each
 * child's bytes go through a sink (kept-bytes limits, padding, hashes);
 * more than limits.stream_bytes decompressed over the tree is a bomb that
 * stops all unpacking; kept bytes above limits.ratio_min that are more
 * than limits.ratio times the container stop this container; the scan's
 * deadline stops reading; the objects limit stops the container.
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
