/*
 * jsonw.h - a streaming JSON writer into a GString.
 *
 * Reports are written once per message and never read back, so they are
 * emitted directly instead of being built as a jansson tree and dumped:
 * that alone was a third of the time of a scan (bench/).  Strings are
 * escaped per RFC 8259; invalid UTF-8 is repaired (U+FFFD) so the output is
 * always valid JSON.  Nesting is limited to JSONW_DEPTH, an invariant of
 * the caller's fixed schema (asserted).
 */
#ifndef MAMORI_UTIL_JSONW_H
#define MAMORI_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define JSONW_DEPTH 32

struct jsonw {
	GString *s;
	bool pretty;
	int depth;
	bool first[JSONW_DEPTH];	/* nothing written yet at this level */
};

void jw_init(struct jsonw *w, GString *out, bool pretty);
/* key is NULL inside arrays and at the top level */
void jw_obj(struct jsonw *w, const char *key);
void jw_obj_end(struct jsonw *w);
void jw_arr(struct jsonw *w, const char *key);
void jw_arr_end(struct jsonw *w);
void jw_str(struct jsonw *w, const char *key, const char *v);	/* NULL: null */
void jw_strn(struct jsonw *w, const char *key, const char *v, size_t len);
void jw_int(struct jsonw *w, const char *key, int64_t v);
void jw_real(struct jsonw *w, const char *key, double v);	/* NaN: null */
void jw_bool(struct jsonw *w, const char *key, bool v);
void jw_null(struct jsonw *w, const char *key);
/* A value that is already JSON (made by another jsonw), written as is. */
void jw_raw(struct jsonw *w, const char *key, const char *json);

#endif
