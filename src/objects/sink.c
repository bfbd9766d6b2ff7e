/*
 * sink.c - hashing, keeping and padding detection for one object's
 * content (see sink.h).
 */
#include <string.h>

#include <openssl/evp.h>

#include "sink.h"

#define PERIOD_MAX 256
#define MIN_PAD_FRAME 4096	/* shorter frames are never padding */

void
obj_tree_hit(struct obj_tree *t, enum obj_limit l, const char *where)
{
	for (guint i = 0; i < t->hits->len; i++) {
		const struct obj_limit_hit *h = &g_array_index(t->hits, struct obj_limit_hit, i);
		if (h->limit == l && strcmp(h->where, where) == 0)
			return;
	}
	struct obj_limit_hit h = { .limit = l, .where = g_strdup(where) };
	g_array_append_val(t->hits, h);
}

bool
obj_tree_expired(const struct obj_tree *t)
{
	return t->lim->deadline_us != 0 && g_get_monotonic_time() > t->lim->deadline_us;
}

void
sink_init(struct sink *s, struct obj_tree *t, struct mobj *o, bool borrow)
{
	memset(s, 0, offsetof(struct sink, frame));
	s->flen = 0;
	s->frames = 0;	/* after frame[], so not cleared above */
	s->t = t;
	s->o = o;
	s->borrow = borrow;
	EVP_MD_CTX *sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
	if (sha == NULL || md5 == NULL || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(md5, EVP_md5(), NULL)) {
		EVP_MD_CTX_free(sha);
		EVP_MD_CTX_free(md5);
		sha = md5 = NULL;
	}
	s->sha = sha;
	s->md5 = md5;
}

/*
 * The period of a frame that is a pattern of at most PERIOD_MAX bytes
 * repeated, or 0.  At most two full comparisons per frame, so a frame
 * built to look almost periodic costs little.
 */
static size_t
frame_period(const uint8_t *f, size_t n)
{
	unsigned tries = 0;

	for (size_t p = 1; p <= PERIOD_MAX && p * 2 <= n; p++) {
		if (f[p] != f[0] || f[n - 1] != f[n - 1 - p])
			continue;
		if (memcmp(f, f + p, MIN(n - p, (size_t)64)) != 0)
			continue;
		if (memcmp(f, f + p, n - p) == 0)
			return p;
		if (++tries == 2)
			return 0;
	}
	return 0;
}

static void
keep(struct sink *s, const uint8_t *p, size_t n)
{
	const struct obj_limits *lim = s->t->lim;

	if (s->borrow || s->cut || n == 0)
		return;
	uint64_t room = lim->object_bytes > s->len ? lim->object_bytes - s->len : 0;
	enum obj_limit by = OBJ_LIMIT_OBJECT_BYTES;
	uint64_t left = lim->unpacked_bytes > s->t->kept_bytes ?
	    lim->unpacked_bytes - s->t->kept_bytes : 0;
	if (left < room) {
		room = left;
		by = OBJ_LIMIT_UNPACKED;
	}
	if (n > room) {
		n = (size_t)room;
		s->cut = true;
		s->cut_by = by;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap != 0 ? s->cap : SINK_FRAME;
		while (cap < s->len + n)
			cap *= 2;
		s->buf = g_realloc(s->buf, cap);
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->t->kept_bytes += n;
}

static void
frame(struct sink *s, const uint8_t *f, size_t n)
{
	const uint64_t min = s->t->lim->padding_min;
	size_t period = n >= MIN_PAD_FRAME ? frame_period(f, n) : 0;

	if (period == 0) {
		s->run = 0;
		keep(s, f, n);
		return;
	}
	if (s->run == 0 || period != s->run_period) {
		s->run = 0;
		s->run_kept_at = s->len;
		s->run_period = period;
	}
	s->run += n;
	if (s->run <= min) {
		keep(s, f, n);
		return;
	}
	if (s->run - n <= min) {
		/* the run just became padding: keep only its start */
		s->padding += s->run - n;
		size_t to = s->run_kept_at + SINK_PAD_KEEP;
		if (!s->borrow && s->len > to) {
			s->t->kept_bytes -= s->len - to;
			s->len = to;
		}
	}
	s->padding += n;
}

enum sink_stop
sink_write(struct sink *s, const uint8_t *p, size_t n)
{
	s->total += n;
	if (s->sha != NULL && s->total > s->t->lim->object_bytes) {
		/* a hash of 500 MB of padding costs more than it is worth:
		 * objects longer than limits.object_bytes are not hashed */
		EVP_MD_CTX_free(s->sha);
		EVP_MD_CTX_free(s->md5);
		s->sha = s->md5 = NULL;
	}
	if (s->sha != NULL) {
		EVP_DigestUpdate(s->sha, p, n);
		EVP_DigestUpdate(s->md5, p, n);
	}
	if (!s->borrow)
		s->t->streamed_bytes += n;
	while (n > 0) {
		size_t take = MIN(n, SINK_FRAME - s->flen);
		if (s->flen == 0 && take == SINK_FRAME) {
			frame(s, p, take);	/* whole frame: no copy */
		} else {
			memcpy(s->frame + s->flen, p, take);
			s->flen += take;
			if (s->flen == SINK_FRAME) {
				frame(s, s->frame, s->flen);
				s->flen = 0;
			}
		}
		p += take;
		n -= take;
		if (!s->borrow && (++s->frames & 15) == 0 && obj_tree_expired(s->t))
			return SINK_STOP_TIME;
	}
	if (!s->borrow && s->t->streamed_bytes > s->t->lim->stream_bytes)
		return SINK_STOP_STREAMED;
	return SINK_OK;
}

void
sink_finish(struct sink *s, bool complete)
{
	struct mobj *o = s->o;

	if (s->flen > 0)
		frame(s, s->frame, s->flen);
	s->flen = 0;
	o->size = s->total;
	o->padding = s->padding;
	if (s->padding > 0)
		o->flags |= OBJ_PADDED;
	if (complete && s->sha != NULL) {
		EVP_DigestFinal_ex(s->sha, o->sha256, NULL);
		EVP_DigestFinal_ex(s->md5, o->md5, NULL);
		o->hashed = true;
	}
	EVP_MD_CTX_free(s->sha);
	EVP_MD_CTX_free(s->md5);
	s->sha = s->md5 = NULL;
	if (!complete)
		o->flags |= OBJ_TRUNCATED;
	if (s->cut) {
		o->flags |= OBJ_TRUNCATED;
		obj_tree_hit(s->t, s->cut_by, o->path);
	}
	if (!s->borrow) {
		o->owned = s->len != 0 ? g_realloc(s->buf, s->len) : (g_free(s->buf), NULL);
		o->data = o->owned;
		o->len = s->len;
		s->buf = NULL;
	}
}

void
sink_borrowed(struct obj_tree *t, struct mobj *o, const uint8_t *p, size_t n)
{
	struct sink *s = g_new(struct sink, 1);

	sink_init(s, t, o, true);
	sink_write(s, p, n);
	sink_finish(s, true);
	o->data = p;
	o->len = n;
	g_free(s);
}
