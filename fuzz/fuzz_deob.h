/*
 * fuzz_deob.h - the invariants of deob.h that the evaluators' fuzz targets
 * (fuzz_deob_js.c, fuzz_deob_xlm.c, fuzz_deob_cmd.c) check after each run:
 * every recovered string valid UTF-8, NUL-free, not empty, at most
 * DEOB_STR_MAX bytes, with one of the target's hows; their bytes add up
 * to r->bytes, within bytes_max; the steps within steps_max; r->limit one
 * of the known names.  A broken one aborts (libFuzzer reports it).
 */
#ifndef MAMORI_FUZZ_DEOB_H
#define MAMORI_FUZZ_DEOB_H

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

static inline bool
fuzz_deob_how_known(const char *how, const char *const *hows)
{
	for (size_t i = 0; hows[i] != NULL; i++)
		if (strcmp(how, hows[i]) == 0)
			return true;
	return false;
}

static inline void
fuzz_deob_check(const struct deob_result *r, size_t bytes_max, uint64_t steps_max,
    const char *const *hows)
{
	size_t total = 0;
	for (guint i = 0; i < r->strs->len; i++) {
		const struct deob_str *s = r->strs->pdata[i];
		if (s->value == NULL || s->len == 0 || s->len > DEOB_STR_MAX ||
		    strlen(s->value) != s->len || !g_utf8_validate(s->value, (gssize)s->len, NULL))
			abort();
		if (!fuzz_deob_how_known(s->how, hows))
			abort();
		total += s->len;
	}
	if (total != r->bytes || r->bytes > bytes_max)
		abort();
	if (r->steps > steps_max)
		abort();
	if (r->limit != NULL && strcmp(r->limit, "steps") != 0 && strcmp(r->limit, "bytes") != 0 &&
	    strcmp(r->limit, "depth") != 0)
		abort();
}

#endif
