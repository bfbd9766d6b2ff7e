/*
 * fuzz_sa_match.c - libFuzzer target for the SpamAssassin pattern matcher
 * (src/spam/sa_match.c).  The input is split at NUL bytes: up to four
 * patterns, then the text.  A pattern's first byte picks its modifiers
 * (bit 0 i, 1 s, 2 m, 3 x, 4 counting, bits 5-7 maxhits 0-7), the rest is
 * the pattern.  Tight limits keep compilation and matching short.
 *
 * Checked: the database builds (patterns one by one refused is fine);
 * every hit is in range and a counting pattern's count within its
 * maxhits; each pattern gives the same answer in the shared database as
 * in a database of its own (Hyperscan's grouping changes nothing); and a
 * pattern that does not count matches exactly when PCRE2 alone (same
 * translation, same limits) says it does, unless PCRE2 stopped on a limit
 * (with a small hs_cost_max, so that patterns with repeated groups go
 * through Hyperscan's prefilter with their repeats widened: it must stay
 * a superset).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "spam/sa_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAXPAT = 4 };

static const struct sa_match_limits lim = {
	.pattern_max = 256,
	.match_limit = 20000,
	.depth_limit = 1000,
	.heap_limit_kib = 1024,
	.jit_stack_max = 64 * 1024,
	.repeat_max = 1000,
	.hs_cost_max = 16,	/* small: the widened prefilter is fuzzed too */
};

/* PCRE2 alone: 1 match, 0 none, -1 a limit or an error */
static int
pcre_alone(const struct sa_re_spec *sp, const char *text, size_t len)
{
	unsigned mods;
	char why[128];
	char *src = sa_re_translate(sp->re, sp->flags, lim.pattern_max, &mods, why, sizeof why);
	if (src == NULL)
		return -1;
	uint32_t o = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP |
	    (mods & SA_MOD_CASELESS ? PCRE2_CASELESS : 0) |
	    (mods & SA_MOD_DOTALL ? PCRE2_DOTALL : 0) |
	    (mods & SA_MOD_MULTILINE ? PCRE2_MULTILINE : 0) |
	    (mods & SA_MOD_EXTENDED ? PCRE2_EXTENDED : 0);
	int ec;
	PCRE2_SIZE eo;
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, o, &ec, &eo, cc);
	pcre2_compile_context_free(cc);
	free(src);
	if (code == NULL)
		return -1;
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, lim.match_limit);
	pcre2_set_depth_limit(mc, lim.depth_limit);
	pcre2_set_heap_limit(mc, lim.heap_limit_kib);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = pcre2_match(code, (PCRE2_SPTR)text, len, 0, PCRE2_NO_JIT, md, mc);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_code_free(code);
	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static void
scan_one(const struct sa_re_spec *sp, const char *text, size_t len, uint32_t *out,
    size_t *limit_hits)
{
	char err[128];
	struct sa_db *db = sa_db_new_limits(sp, 1, &lim, NULL, NULL, err, sizeof err);
	if (db == NULL)
		abort();
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	if (s == NULL)
		abort();
	uint32_t hits[MAXPAT] = { 0 };
	if (!sa_db_scan(db, s, text, len, hits))
		abort();
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	*limit_hits = st.limit_hits;
	*out = hits[sp->id];
	sa_scratch_free(s);
	sa_db_free(db);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_re_spec sp[MAXPAT];
	char *pats[MAXPAT];
	char flags[MAXPAT][6];
	size_t np = 0, at = 0;

	while (np < MAXPAT) {
		const uint8_t *z = memchr(data + at, 0, size - at);
		if (z == NULL)
			break;
		size_t n = (size_t)(z - (data + at));
		if (n == 0)
			break;
		uint8_t m = data[at];
		pats[np] = strndup((const char *)data + at + 1, n - 1);
		char *f = flags[np];
		if (m & 1)
			*f++ = 'i';
		if (m & 2)
			*f++ = 's';
		if (m & 4)
			*f++ = 'm';
		if (m & 8)
			*f++ = 'x';
		*f = '\0';
		sp[np] = (struct sa_re_spec){ .id = (unsigned)np, .re = pats[np], .flags = flags[np],
			.count = (m & 16) != 0, .maxhits = m >> 5 };
		np++;
		at += n + 1;
	}
	const char *text = (const char *)data + at;
	size_t len = size - at;

	char err[128];
	struct sa_db *db = sa_db_new_limits(sp, np, &lim, NULL, NULL, err, sizeof err);
	if (db == NULL)
		abort();
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	if (s == NULL)
		abort();
	uint32_t hits[MAXPAT] = { 0 };
	if (!sa_db_scan(db, s, text, len, hits))
		abort();
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	for (size_t i = 0; i < np; i++) {
		if (!sp[i].count && hits[i] > 1)
			abort();
		if (sp[i].count && sp[i].maxhits != 0 && hits[i] > sp[i].maxhits)
			abort();
		uint32_t alone;
		size_t lh;
		scan_one(&sp[i], text, len, &alone, &lh);
		if (st.limit_hits == 0 && lh == 0 && alone != hits[i])
			abort();
		if (!sp[i].count && lh == 0) {
			int p = pcre_alone(&sp[i], text, len);
			if (p >= 0 && (uint32_t)p != alone)
				abort();
		}
	}
	sa_scratch_free(s);
	sa_db_free(db);
	for (size_t i = 0; i < np; i++)
		free(pats[i]);
	return 0;
}
