/*
 * fuzz_bec_lookalike.c - libFuzzer target for the lookalike domains
 * (src/bec/lookalike.c).  The input is lines.  When the first byte is odd,
 * the first (byte / 2) % 4 + 1 lines are a protected set of their own
 * (refused sets are fine: then the fixed set is used); the other lines are
 * candidate domains, checked against the set.  Invariants: a lookalike
 * gives a reason and one of the set's names, a protected domain or
 * subdomain is never a lookalike, and a protected name is its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bec/lookalike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_list[] = {
	"example.co.jp", "microsoft.com", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.jp",
	"xn--lckk8b8k.jp", "abc.com", "mail.example.org",
};

static const struct bec_protected *
fixed(void)
{
	static struct bec_protected *p;
	if (p == NULL) {
		p = bec_protected_new(fixed_list, G_N_ELEMENTS(fixed_list), NULL, 0);
		if (p == NULL)
			abort();
	}
	return p;
}

static void
check(const struct bec_protected *p, const char *d)
{
	char why[64];
	memset(why, 'x', sizeof why);
	const char *r = bec_lookalike(p, d, why, sizeof why);
	if (memchr(why, '\0', sizeof why) == NULL)
		abort();
	const char *m = bec_protected_match(p, d);
	if (r != NULL) {
		if (why[0] == '\0' || m != NULL)
			abort();
		/* the name given back is protected, and its own */
		if (bec_protected_match(p, r) != r || bec_lookalike(p, r, NULL, 0) != NULL)
			abort();
	} else if (why[0] != '\0') {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 4096)
		return 0;
	char *buf = g_strndup((const char *)data + 1, size - 1);	/* stops at a NUL */
	char **lines = g_strsplit(buf, "\n", 64);
	size_t nl = g_strv_length(lines), first = 0;
	struct bec_protected *own = NULL;
	if ((data[0] & 1) != 0) {
		size_t k = (size_t)(data[0] / 2) % 4 + 1;
		if (k > nl)
			k = nl;
		char err[128];
		own = bec_protected_new((const char *const *)lines, k, err, sizeof err);
		if (own == NULL && strlen(err) == 0)
			abort();
		first = k;
	}
	const struct bec_protected *p = own != NULL ? own : fixed();
	for (size_t i = first; i < nl; i++)
		check(p, lines[i]);
	bec_protected_free(own);
	g_strfreev(lines);
	g_free(buf);
	return 0;
}
