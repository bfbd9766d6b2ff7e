/*
 * fuzz_deob_powershell.c - libFuzzer target for src/deob/powershell.c: the
 * input is a PowerShell script or command line (any bytes).  It runs
 * once with the default limits and once with small ones (steps, bytes,
 * depth 1), and the invariants of deob.h are checked: every recovered
 * string is valid UTF-8, non-empty, at most DEOB_STR_MAX bytes, with a
 * how; r->bytes is their sum and within the byte limit; r->limit is
 * NULL or one of "steps", "bytes", "time", "depth".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *text, size_t size, const struct deob_limits *lim)
{
	struct deob_result r;
	deob_result_init(&r);
	deob_powershell(text, size, lim, &r);
	struct deob_limits l = deob_limits_or_defaults(lim);
	size_t sum = 0;
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = g_ptr_array_index(r.strs, i);
		if (s->value == NULL || s->len == 0 || s->len > DEOB_STR_MAX || s->how == NULL ||
		    strlen(s->value) != s->len || !g_utf8_validate(s->value, (gssize)s->len, NULL))
			abort();
		sum += s->len;
	}
	if (sum != r.bytes || r.bytes > l.bytes)
		abort();
	if (r.limit != NULL && strcmp(r.limit, "steps") != 0 && strcmp(r.limit, "bytes") != 0 &&
	    strcmp(r.limit, "time") != 0 && strcmp(r.limit, "depth") != 0)
		abort();
	deob_result_clear(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so that reading past it is caught */
	char *text = g_memdup2(data, size);
	check(text, size, NULL);
	struct deob_limits small = { .steps = 2000, .bytes = 256, .depth = 1, .deadline = 0 };
	check(text, size, &small);
	g_free(text);
	return 0;
}
