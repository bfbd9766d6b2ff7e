/*
 * fuzz_deob_cmd.c - libFuzzer target for src/deob/cmd.c: the input is a
 * batch file or command line (any bytes).  deob_cmd() with small limits;
 * then the invariants of deob.h: every recovered string valid UTF-8,
 * NUL-free, at most DEOB_STR_MAX bytes, with how "cmd expansion"; their
 * bytes add up to r->bytes, within the byte limit; the steps within the
 * step limit (plus the one operation that crossed it); r->limit one of
 * the known names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEPS 20000u
#define BYTES 4096u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deob_limits lim = { .steps = STEPS, .bytes = BYTES, .depth = 3 };
	struct deob_result r;
	deob_result_init(&r);
	deob_cmd((const char *)data, size, &lim, &r);
	size_t total = 0;
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = r.strs->pdata[i];
		if (s->value == NULL || s->len == 0 || s->len > DEOB_STR_MAX ||
		    strlen(s->value) != s->len || !g_utf8_validate(s->value, (gssize)s->len, NULL))
			abort();
		if (strcmp(s->how, "cmd expansion") != 0)
			abort();
		total += s->len;
	}
	if (total != r.bytes || r.bytes > BYTES)
		abort();
	/* the last operation may cost up to DEOB_STR_MAX / 64 steps at once, and
	 * the as-written test one per 64 bytes of the line */
	if (r.steps > STEPS + 2 * (size + DEOB_STR_MAX) / 64 + 4)
		abort();
	if (r.limit != NULL && strcmp(r.limit, "steps") != 0 && strcmp(r.limit, "bytes") != 0 &&
	    strcmp(r.limit, "depth") != 0)
		abort();
	deob_result_clear(&r);
	return 0;
}
