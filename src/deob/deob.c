/*
 * deob.c - the result of an evaluator and its limits (see deob.h).
 */
#include "deob.h"

#include <string.h>

#define DEF_STEPS 1000000u
#define DEF_BYTES (1024u * 1024u)
#define DEF_DEPTH 4u
#define CLOCK_EVERY 4096u	/* steps between two reads of the clock */

static void
str_free(gpointer p)
{
	struct deob_str *s = p;
	g_free(s->value);
	g_free(s);
}

void
deob_result_init(struct deob_result *r)
{
	memset(r, 0, sizeof *r);
	r->strs = g_ptr_array_new_with_free_func(str_free);
	r->seen = g_hash_table_new(g_str_hash, g_str_equal);
}

void
deob_result_clear(struct deob_result *r)
{
	if (r->seen != NULL)
		g_hash_table_unref(r->seen);
	if (r->strs != NULL)
		g_ptr_array_unref(r->strs);
	memset(r, 0, sizeof *r);
}

struct deob_limits
deob_limits_or_defaults(const struct deob_limits *lim)
{
	struct deob_limits l = { 0 };
	if (lim != NULL)
		l = *lim;
	if (l.steps == 0)
		l.steps = DEF_STEPS;
	if (l.bytes == 0)
		l.bytes = DEF_BYTES;
	if (l.depth == 0)
		l.depth = DEF_DEPTH;
	return l;
}

bool
deob_add(struct deob_result *r, const struct deob_limits *lim, const char *s, size_t len,
    const char *how)
{
	if (s == NULL || len == 0)
		return true;
	struct deob_limits l = deob_limits_or_defaults(lim);
	char *v = g_utf8_make_valid(s, (gssize)MIN(len, (size_t)DEOB_STR_MAX));
	size_t vl = strlen(v);	/* (g_utf8_make_valid made NULs U+FFFD) */
	if (vl > DEOB_STR_MAX) {
		/* the replacement characters made it longer: cut at a character */
		const char *end = g_utf8_find_prev_char(v, v + DEOB_STR_MAX + 1);
		vl = end != NULL ? (size_t)(end - v) : 0;
		v[vl] = '\0';
	}
	if (vl == 0) {
		g_free(v);
		return true;
	}
	if (g_hash_table_contains(r->seen, v)) {
		g_free(v);
		return true;
	}
	if (r->bytes + vl > l.bytes) {
		g_free(v);
		if (r->limit == NULL)
			r->limit = "bytes";
		return false;
	}
	struct deob_str *d = g_new(struct deob_str, 1);
	d->value = v;
	d->len = vl;
	d->how = how;
	g_ptr_array_add(r->strs, d);
	g_hash_table_add(r->seen, d->value);
	r->bytes += vl;
	return true;
}

bool
deob_step(struct deob_result *r, const struct deob_limits *lim, uint64_t n)
{
	if (r->limit != NULL && (strcmp(r->limit, "steps") == 0 || strcmp(r->limit, "time") == 0))
		return false;
	uint64_t steps = lim != NULL && lim->steps != 0 ? lim->steps : DEF_STEPS;
	uint64_t before = r->steps;
	r->steps += n;
	if (r->steps > steps) {
		r->limit = "steps";
		return false;
	}
	if (lim != NULL && lim->deadline != 0 && before / CLOCK_EVERY != r->steps / CLOCK_EVERY &&
	    g_get_monotonic_time() >= lim->deadline) {
		r->limit = "time";
		return false;
	}
	return true;
}
