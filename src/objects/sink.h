/*
 * sink.h - where the content of one object goes while it is unpacked
 * (part of the tree interface, tree_api.h; private to src/objects).
 *
 * A sink hashes every byte, keeps what the limits allow and drops padding:
 * content is looked at in 64 KiB frames, and a frame that is one byte or a
 * short pattern (at most 256 bytes) repeated continues a run of padding.
 * A run that grows past limits.padding_min is cut back to its first 4 KiB
 * and the rest of it is not kept, so a 500 MB zero-padded document costs
 * its meaningful bytes plus a little.  A short run is kept as it is.
 */
#ifndef MAMORI_OBJECTS_SINK_H
#define MAMORI_OBJECTS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

#define SINK_FRAME (64u * 1024u)
#define SINK_PAD_KEEP (4u * 1024u)

enum sink_stop {
	SINK_OK,
	SINK_STOP_STREAMED,	/* limits.stream_bytes */
	SINK_STOP_TIME,		/* the scan's deadline */
};

struct sink {
	struct obj_tree *t;
	struct mobj *o;
	void *sha, *md5;	/* EVP_MD_CTX */
	bool borrow;		/* content is the caller's: only look */
	uint8_t *buf;		/* kept bytes (owned mode) */
	size_t len, cap;
	uint64_t total;		/* bytes seen */
	uint64_t run;		/* length of the current padding run */
	size_t run_kept_at;	/* ->len where the current run started */
	size_t run_period;
	uint64_t padding;	/* bytes of long runs */
	bool cut;		/* a kept-bytes limit cut the content */
	enum obj_limit cut_by;
	uint8_t frame[SINK_FRAME];
	size_t flen;
	unsigned frames;
};

void sink_init(struct sink *s, struct obj_tree *t, struct mobj *o, bool borrow);
/* Feed bytes; SINK_OK or why the caller must stop reading. */
enum sink_stop sink_write(struct sink *s, const uint8_t *p, size_t n);
/* Finish: sets o->data/len/size/padding/hashes/flags.  complete = the
 * whole content was seen (else the object is TRUNCATED and not hashed). */
void sink_finish(struct sink *s, bool complete);
/* Hash and look for padding in borrowed content, in one call. */
void sink_borrowed(struct obj_tree *t, struct mobj *o, const uint8_t *p, size_t n);

/* Record a limit hit for the tree (first hit per limit and object). */
void obj_tree_hit(struct obj_tree *t, enum obj_limit l, const char *where);
bool obj_tree_expired(const struct obj_tree *t);

#endif
