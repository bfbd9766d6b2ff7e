/*
 * fuzz_bec_phrases.c - libFuzzer target for src/bec/phrases.c's
 * dictionary parser: the input is a dictionary file (any bytes).
 * bec_phrases_parse() either refuses it with a message or loads at most
 * BEC_PHRASES_MAX phrases; a loaded dictionary is then matched against a
 * fixed Japanese and English text, and every hit it reports must be a
 * "category: phrase" line of a known category, no more hits than phrases.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bec/phrases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TEXT[] =
    "至急、振込先を変更してください。新しい口座に お振込みを お願いします。\n"
    "Please wire the payment to our new bank account today, it is urgent.\n"
    "Buy iTunes gift cards and send me the codes.";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > BEC_PHRASES_FILE_MAX + 16)
		return 0;
	char err[256] = "";
	struct bec_phrases *p = bec_phrases_parse((const char *)data, size, "fuzz", err,
	    sizeof err);
	if (p == NULL) {
		if (err[0] == '\0')
			abort();	/* a refusal says why */
		return 0;
	}
	unsigned n = bec_phrases_count(p);
	if (n > BEC_PHRASES_MAX)
		abort();
	GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
	(void)bec_phrases_match(p, TEXT, sizeof TEXT - 1, hits);
	if (hits->len > n)
		abort();
	for (guint i = 0; i < hits->len; i++) {
		const char *h = hits->pdata[i];
		if (!g_str_has_prefix(h, "bank-change: ") && !g_str_has_prefix(h, "gift-card: ") &&
		    !g_str_has_prefix(h, "urgent: "))
			abort();
	}
	g_ptr_array_unref(hits);
	bec_phrases_free(p);
	return 0;
}
