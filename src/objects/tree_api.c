/*
 * tree_api.c - the limits every unpacker outside archive.c keeps (the
 * cwalk of tree_api.h).  The rules are archive.c's read_entry/add_entry: each
 * child's bytes go through a sink (kept-bytes limits, padding, hashes);
 * more than limits.stream_bytes decompressed over the tree is a bomb
 * that stops all unpacking; kept bytes above limits.ratio_min that are
 * more than limits.ratio times the container stop this container; the
 * scan's deadline stops reading; the objects limit stops the container.
 */
#include <string.h>

#include "tree_api.h"
#include "util/text.h"

#define ERR_MAX 200

void
cwalk_init(struct cwalk *w, struct obj_tree *t, struct mobj *o)
{
	w->t = t;
	w->o = o;
	w->kept_start = t->kept_bytes;
	w->stop = false;
}

bool
cwalk_go(struct cwalk *w)
{
	if (w->t->stopped || w->stop)
		return false;
	if (obj_tree_expired(w->t)) {
		obj_tree_hit(w->t, OBJ_LIMIT_TIME, w->o->path);
		w->stop = true;
		return false;
	}
	return true;
}

struct mobj *
cwalk_child(struct cwalk *w, const uint8_t *name, size_t nlen, enum obj_origin origin)
{
	if (w->o->depth + 1 > w->t->lim->depth) {
		/* an analyser carving children out of an object at the limit */
		w->o->flags |= OBJ_NOT_UNPACKED;
		obj_tree_hit(w->t, OBJ_LIMIT_DEPTH, w->o->path);
		w->stop = true;
		return NULL;
	}
	char *clean = unpack_clean_name(name, nlen);
	char *path = g_strconcat(w->o->path, "/", clean, NULL);
	struct mobj *c = unpack_new_object(w->t, w->o, origin, clean, path);

	g_free(clean);
	g_free(path);
	if (c == NULL)
		w->stop = true;
	return c;
}

bool
cwalk_wrote(struct cwalk *w, struct mobj *child, enum sink_stop st)
{
	struct obj_tree *t = w->t;
	const struct obj_limits *lim = t->lim;

	if (st == SINK_STOP_STREAMED) {
		obj_tree_hit(t, OBJ_LIMIT_STREAMED, child->path);
		child->flags |= OBJ_BOMB;
		w->o->flags |= OBJ_BOMB;
		t->stopped = true;
		w->stop = true;
		return false;
	}
	if (st == SINK_STOP_TIME) {
		obj_tree_hit(t, OBJ_LIMIT_TIME, child->path);
		w->stop = true;
		return false;
	}
	uint64_t kept = t->kept_bytes - w->kept_start;
	if (kept > lim->ratio_min && lim->ratio != 0 && kept / lim->ratio > w->o->len) {
		obj_tree_hit(t, OBJ_LIMIT_RATIO, w->o->path);
		w->o->flags |= OBJ_BOMB;
		w->stop = true;
		return false;
	}
	return true;
}

void
cwalk_done(struct cwalk *w, struct mobj *child)
{
	unpack_identify(child);
	if (!w->stop && !w->t->stopped)
		unpack_object(w->t, child);
}

struct mobj *
cwalk_add(struct cwalk *w, const char *name, const uint8_t *p, size_t len,
    enum obj_origin origin)
{
	if (!cwalk_go(w))
		return NULL;
	struct mobj *c = cwalk_child(w, (const uint8_t *)name, strlen(name), origin);
	if (c == NULL)
		return NULL;
	struct sink *s = g_new(struct sink, 1);
	sink_init(s, w->t, c, false);
	enum sink_stop st = sink_write(s, p, len);
	bool ok = cwalk_wrote(w, c, st);
	sink_finish(s, ok);
	g_free(s);
	cwalk_done(w, c);
	return c;
}

void
cwalk_fail(struct mobj *o, unsigned flags, const char *error)
{
	o->flags |= flags;
	if (error == NULL)
		return;
	g_free(o->error);
	o->error = text_clean_copy(error, strlen(error), ERR_MAX);
}
