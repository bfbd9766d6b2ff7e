/*
 * fuzz_discover.c - libFuzzer target for src/ppap/discover.c.  The first
 * byte picks what the rest goes through:
 *   0: ppap_discover_text() on the bytes as they are (invalid UTF-8, NULs);
 *   1: ppap_subject_key();
 *   2: mime_message_parse() with tight limits, then ppap_discover_message()
 *      and ppap_is_password_mail() (text/plain and text/html through gumbo).
 * Every candidate must be valid UTF-8 of at most PW_LEN_MAX bytes with a
 * valid UTF-8 where, no more than max of them; a subject key valid UTF-8
 * without blanks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ppap/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CANDS 8u

static const struct mime_limits lim = {
	.max_size = 1u << 20,
	.max_decoded = 1u << 20,
	.max_parts = 50,
	.max_depth = 8,
};

static void
check_list(const struct pw_list *l)
{
	if (l->cands->len > MAX_CANDS)
		abort();
	for (guint i = 0; i < l->cands->len; i++) {
		const struct pw_cand *c = l->cands->pdata[i];
		size_t n = strlen(c->pw);
		if (n == 0 || n > PW_LEN_MAX || !g_utf8_validate(c->pw, (gssize)n, NULL))
			abort();
		if (c->where == NULL || !g_utf8_validate(c->where, -1, NULL))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned mode = data[0] % 3;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;

	if (mode == 0) {
		struct pw_list *l = pw_list_new(0, 0);
		ppap_discover_text(p, n, PW_SRC_BODY, "fuzz", l, MAX_CANDS);
		check_list(l);
		pw_list_free(l);
	} else if (mode == 1) {
		char *s = g_strndup(p, n);	/* a header value: up to a NUL */
		char *k = ppap_subject_key(s);
		if (k == NULL || !g_utf8_validate(k, -1, NULL))
			abort();
		for (const char *c = k; *c != '\0'; c++)
			if (*c == ' ' || *c == '\t')
				abort();
		g_free(k);
		g_free(s);
	} else {
		struct mime_message *m = mime_message_parse((const uint8_t *)p, n, &lim);
		struct pw_list *l = pw_list_new(0, 0);
		ppap_discover_message(m, PW_SRC_FOLLOWUP, l, MAX_CANDS);
		check_list(l);
		(void)ppap_is_password_mail(m);
		if (m->headers != NULL && m->headers->subject != NULL)
			g_free(ppap_subject_key(m->headers->subject));
		pw_list_free(l);
		mime_message_free(m);
	}
	return 0;
}
