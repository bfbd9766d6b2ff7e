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
	deob_cmd((const char *)data, size, &lim, &r);
	static const char *const hows[] = { "cmd expansion", NULL };
	/* the last operation may cost up to DEOB_STR_MAX / 64 steps at once, and
	 * the as-written test one per 64 bytes of the line */
	fuzz_deob_check(&r, BYTES, STEPS + 2 * (size + DEOB_STR_MAX) / 64 + 4, hows);
	deob_result_clear(&r);
	return 0;
}
