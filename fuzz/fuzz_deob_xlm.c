/*
 * fuzz_deob_xlm.c - libFuzzer target for src/deob/xlm.c: the input is a
 * macro sheet in the text form of deob_xlm_lines() (any bytes: lines of
 * "[SHEET!]REF TEXT" and "@start REF").  deob_xlm_lines() with small
 * limits; then the invariants of deob.h: every recovered string valid
 * UTF-8, NUL-free, at most DEOB_STR_MAX bytes, with one of the five hows;
 * their bytes add up to r->bytes, within the byte limit; the steps within
 * the step limit (plus the one operation that crossed it); r->limit one of
 * the known names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"
#include "fuzz_deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEPS 20000u
#define BYTES 4096u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deob_limits lim = { .steps = STEPS, .bytes = BYTES, .depth = 3 };
	struct deob_result r;
	deob_result_init(&r);
	deob_xlm_lines((const char *)data, size, &lim, &r);
	static const char *const hows[] = { "xlm folding", "xlm EXEC", "xlm SHELL", "xlm CALL",
		"xlm REGISTER", NULL };
	/* the last operation may cost up to 2 * DEOB_STR_MAX / 16 steps at once */
	fuzz_deob_check(&r, BYTES, STEPS + 2 * DEOB_STR_MAX / 16 + 2, hows);
	deob_result_clear(&r);
	return 0;
}
