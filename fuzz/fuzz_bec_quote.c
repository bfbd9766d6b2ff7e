/*
 * fuzz_bec_quote.c - libFuzzer target for src/bec/: the input is a body
 * text (any bytes).  bec_quotes_find() with a small max, then the
 * invariants of quote.h are checked: at most max results, in text order,
 * a form, a name or an address (valid UTF-8, no controls, the name at
 * most BEC_QUOTE_NAME_MAX bytes, the address with one '@' and a
 * lower-case domain), the offset inside the text.  Then
 * bec_phrases_match() with a small built-in dictionary (Japanese and
 * English, all three categories): the hits it reports are as many as
 * the dictionary has at most.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bec/phrases.h"
#include "bec/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_Q 8

static void
check_text(const char *s, size_t max)
{
	if (!g_utf8_validate(s, -1, NULL) || strlen(s) > max)
		abort();
	for (const char *c = s; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
}

static const struct bec_phrases *
dict(void)
{
	static struct bec_phrases *p;
	static const char d[] =
	    "bank-change 振込先を変更\nbank-change 口座変更\nbank-change new bank account\n"
	    "gift-card iTunesカード\ngift-card gift card\nurgent 至急\nurgent urgent\n";
	if (p == NULL) {
		char err[128];
		p = bec_phrases_parse(d, sizeof(d) - 1, "fuzz", err, sizeof(err));
		if (p == NULL)
			abort();
	}
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	GPtrArray *a = bec_quotes_find(text, size, MAX_Q);
	if (a->len > MAX_Q)
		abort();
	size_t last = 0;
	for (guint i = 0; i < a->len; i++) {
		const struct bec_quote *q = g_ptr_array_index(a, i);
		if (q->form == NULL || (q->name == NULL && q->address == NULL) || q->offset >= size ||
		    q->offset < last)
			abort();
		last = q->offset;
		if (q->name != NULL)
			check_text(q->name, BEC_QUOTE_NAME_MAX);
		if (q->address != NULL) {
			check_text(q->address, BEC_QUOTE_ADDR_MAX);
			const char *at = strchr(q->address, '@');
			if (at == NULL || at == q->address || strchr(at + 1, '@') != NULL)
				abort();
			for (const char *c = at + 1; *c != '\0'; c++)
				if (g_ascii_isupper(*c))
					abort();
		}
	}
	bec_quotes_free(a);

	GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
	bool r = bec_phrases_match(dict(), text, size, hits);
	if (hits->len > bec_phrases_count(dict()) || (r && hits->len < 2))
		abort();
	g_ptr_array_unref(hits);
	return 0;
}
