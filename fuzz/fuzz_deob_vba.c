/*
 * fuzz_deob_vba.c - libFuzzer target for src/deob/vba.c: the input is a
 * macro's source (any bytes).  deob_vba() runs with small limits and a
 * few document strings in extra; then the invariants of deob.h are
 * checked: every recovered string valid UTF-8, non-empty, at most
 * DEOB_STR_MAX bytes, with a `how` of vba.c's, no two equal, r->bytes
 * their sum and within the limit, r->limit one of the four names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "deob/deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BYTES 65536u

static GHashTable *
extra(void)
{
	static GHashTable *h;
	if (h == NULL) {
		h = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(h, (char *)"userform1.label1.caption", (char *)"http://a.example/x");
		g_hash_table_insert(h, (char *)"activedocument.variables(\"x\").value", (char *)"cmd");
		g_hash_table_insert(h, (char *)"k", (char *)"\xe3\x81\x82 value");
	}
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deob_limits lim = { .steps = 200000, .bytes = BYTES };
	struct deob_result r;
	deob_result_init(&r);
	deob_vba((const char *)data, size, size % 2 == 0 ? extra() : NULL, &lim, &r);
	size_t sum = 0;
	for (guint i = 0; i < r.strs->len; i++) {
		const struct deob_str *s = g_ptr_array_index(r.strs, i);
		if (s->len == 0 || s->len > DEOB_STR_MAX || strlen(s->value) != s->len ||
		    !g_utf8_validate(s->value, (gssize)s->len, NULL))
			abort();
		if (strcmp(s->how, "vba folding") != 0 && strcmp(s->how, "vba literal") != 0 &&
		    strcmp(s->how, "vba document string") != 0)
			abort();
		for (guint j = 0; j < i; j++) {
			const struct deob_str *o = g_ptr_array_index(r.strs, j);
			if (o->len == s->len && memcmp(o->value, s->value, s->len) == 0)
				abort();
		}
		sum += s->len;
	}
	if (sum != r.bytes || r.bytes > BYTES)
		abort();
	if (r.limit != NULL && strcmp(r.limit, "steps") != 0 && strcmp(r.limit, "bytes") != 0 &&
	    strcmp(r.limit, "time") != 0 && strcmp(r.limit, "depth") != 0)
		abort();
	deob_result_clear(&r);
	return 0;
}
