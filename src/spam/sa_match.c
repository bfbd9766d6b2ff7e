/*
 * sa_match.c - SpamAssassin's regular expressions matched in one pass
 * (sa_match.h): one Hyperscan database per sa_db_new() for the patterns
 * Hyperscan takes exactly or as a prefilter, PCRE2 (JIT) for the
 * confirmation of prefiltered patterns, for counting and for the patterns
 * Hyperscan cannot take at all.
 *
 * The pattern is first read as Perl reads it (sa_re_translate): modifiers,
 * x-mode stripping, Perl 5.34's {,n}; the result is what both engines
 * compile, PCRE2 first: a pattern PCRE2 refuses is refused.  Hyperscan then
 * classifies it (hs_expression_info: exact, else prefilter, else none); a
 * pattern its whole-database compilation still refuses (resource limits)
 * is moved one step down and the database compiled again.
 *
 * Every Hyperscan pattern is compiled with HS_FLAG_SINGLEMATCH (one report
 * is all the scan needs: whether it matched, or that PCRE2 must look) and
 * HS_FLAG_ALLOWEMPTY (Perl's /x*\/ matches the empty text).
 */
#include "spam/sa_match.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs.h>
#include <pcre2.h>

const struct sa_match_limits sa_match_limits_default = {
	.pattern_max = 16384,
	.match_limit = 1000000,
	.depth_limit = 10000,
	.heap_limit_kib = 16384,
	.jit_stack_max = 1u << 20,
	.repeat_max = 32768,
};

enum sa_kind { K_EXACT, K_PREFILTER, K_PCRE };

struct sa_pat {
	unsigned id;
	enum sa_kind kind;
	bool count;
	uint32_t maxhits;
	pcre2_code *code;	/* NULL when Hyperscan's answer is enough */
};

struct sa_db {
	hs_database_t *hs;	/* NULL: no pattern for Hyperscan */
	struct sa_pat *pats;	/* Hyperscan's id is the index */
	size_t npats;
	size_t *pcre_only;	/* indexes into pats */
	size_t npcre_only;
	struct sa_match_limits lim;
	struct sa_db_stats st;
	atomic_size_t limit_hits;
};

struct sa_scratch {
	hs_scratch_t *hs;
	unsigned *reported;
	size_t cap, nrep;
	bool overflow;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
};

static void
say(char *buf, size_t len, const char *fmt, ...)
{
	if (buf == NULL || len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ---- Perl's reading of the pattern ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
sput(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sputs(struct sbuf *b, const char *s)
{
	sput(b, s, strlen(s));
}

/* Perl's /x whitespace on a byte pattern (Pattern_White_Space below 256) */
static bool
is_xspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	    c == 0x85;
}

/* Does the pattern switch x (or reset all modifiers, "^") inline? */
static bool
inline_x(const char *re)
{
	for (const char *p = strstr(re, "(?"); p != NULL; p = strstr(p + 1, "(?")) {
		const char *q = p + 2;
		bool x = false;
		while (isalpha((unsigned char)*q) || *q == '^' || *q == '-') {
			if (*q == 'x' || *q == '^')
				x = true;
			q++;
		}
		if (x && (*q == ':' || *q == ')'))
			return true;
	}
	return false;
}

/* The end of the character class that opens at re[i] == '[' (the index
 * just past its ']'), or n when it is not closed. */
static size_t
class_end(const char *re, size_t i, size_t n)
{
	size_t j = i + 1;
	if (j < n && re[j] == '^')
		j++;
	if (j < n && re[j] == ']')
		j++;		/* a literal ']' first */
	while (j < n) {
		if (re[j] == '\\') {
			j += 2;
			continue;
		}
		if (re[j] == '[' && j + 1 < n &&
		    (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')) {
			char t = re[j + 1];
			size_t k = j + 2;
			while (k + 1 < n && !(re[k] == t && re[k + 1] == ']'))
				k++;
			if (k + 1 < n) {
				j = k + 2;
				continue;
			}
		}
		if (re[j] == ']')
			return j + 1;
		j++;
	}
	return n;
}

/* A quantifier in braces at re[i] == '{' as Perl 5.36 reads it (blanks
 * allowed inside, "{,n}" is {0,n}): written without blanks to b; returns
 * the index past '}', or 0 when it is no quantifier (a literal '{'). */
static size_t
quantifier(const char *re, size_t i, size_t n, struct sbuf *b)
{
	size_t j = i + 1, d1, d1e, d2 = 0, d2e = 0;
	bool comma = false;

	while (j < n && (re[j] == ' ' || re[j] == '\t'))
		j++;
	d1 = j;
	while (j < n && isdigit((unsigned char)re[j]))
		j++;
	d1e = j;
	while (j < n && (re[j] == ' ' || re[j] == '\t'))
		j++;
	if (j < n && re[j] == ',') {
		comma = true;
		j++;
		while (j < n && (re[j] == ' ' || re[j] == '\t'))
			j++;
		d2 = j;
		while (j < n && isdigit((unsigned char)re[j]))
			j++;
		d2e = j;
		while (j < n && (re[j] == ' ' || re[j] == '\t'))
			j++;
	}
	if (j >= n || re[j] != '}')
		return 0;
	if (d1 == d1e && !(comma && d2 != d2e))
		return 0;
	sputs(b, "{");
	if (d1 == d1e)
		sputs(b, "0");
	else
		sput(b, re + d1, d1e - d1);
	if (comma) {
		sputs(b, ",");
		sput(b, re + d2, d2e - d2);
	}
	sputs(b, "}");
	return j + 1;
}

char *
sa_re_translate(const char *re, const char *flags, size_t pattern_max, unsigned *mods,
    char *why, size_t whylen)
{
	unsigned m = 0;
	bool x = false;

	if (re == NULL) {
		say(why, whylen, "no pattern");
		return NULL;
	}
	size_t n = strlen(re);
	if (pattern_max != 0 && n > pattern_max) {
		say(why, whylen, "pattern of %zu bytes (at most %zu)", n, pattern_max);
		return NULL;
	}
	for (const char *f = flags ? flags : ""; *f; f++) {
		switch (*f) {
		case 'i': m |= SA_MOD_CASELESS; break;
		case 's': m |= SA_MOD_DOTALL; break;
		case 'm': m |= SA_MOD_MULTILINE; break;
		case 'x':
			if (x) {	/* Perl's /xx blanks classes too */
				say(why, whylen, "modifier 'xx' not supported (i, s, m, x)");
				return NULL;
			}
			x = true;
			break;
		default:
			if (isprint((unsigned char)*f))
				say(why, whylen, "modifier '%c' not supported (i, s, m, x)", *f);
			else
				say(why, whylen, "modifier byte 0x%02x not supported",
				    (unsigned char)*f);
			return NULL;
		}
	}
	/* x with x switched inline: the stripping would not know where x
	 * is on; PCRE2's own extended mode reads it */
	if (x && inline_x(re)) {
		m |= SA_MOD_EXTENDED;
		x = false;
	}

	struct sbuf b = { 0 };
	bool gap = false, last_escape = false;
	size_t i = 0;
	sputs(&b, "");
	while (i < n && !b.oom) {
		unsigned char c = (unsigned char)re[i];
		if (x && is_xspace(c)) {
			i++;
			gap = true;
			continue;
		}
		if (x && c == '#') {
			while (i < n && re[i] != '\n')
				i++;
			gap = true;
			continue;
		}
		/* "\x4 1" under x is \x4 then '1', not \x41 */
		if (gap && last_escape && isalnum(c))
			sputs(&b, "(?:)");
		gap = false;
		last_escape = false;
		if (c == '\\') {
			if (i + 1 >= n) {
				sput(&b, re + i, 1);	/* PCRE2 refuses it */
				i++;
				continue;
			}
			char d = re[i + 1];
			if (d == 'Q' || d == 'E') {
				say(why, whylen, "\\%c is not interpreted in a rule's pattern "
				    "(Perl warns and SpamAssassin refuses it)", d);
				free(b.p);
				return NULL;
			}
			size_t j = i + 2;
			if (d == 'c' && j < n) {
				j++;	/* \cX: X is taken whatever it is */
			} else if (d == 'x' && !(j < n && re[j] == '{')) {
				/* \xHH: at most two hex digits */
				for (int k = 0; k < 2 && j < n && isxdigit((unsigned char)re[j]); k++)
					j++;
			} else if (isdigit((unsigned char)d)) {
				/* a back-reference or an octal escape */
				while (j < n && isdigit((unsigned char)re[j]))
					j++;
			} else if (d == 'g' && j < n && (re[j] == '-' || isdigit((unsigned char)re[j]))) {
				j++;
				while (j < n && isdigit((unsigned char)re[j]))
					j++;
			} else if (strchr("xoNpPgkbB", d) != NULL && j < n && re[j] == '{') {
				while (j < n && re[j] != '}')
					j++;
				if (j < n)
					j++;
			}
			sput(&b, re + i, j - i);
			i = j;
			last_escape = true;
			continue;
		}
		if (c == '[') {
			size_t j = class_end(re, i, n);
			sput(&b, re + i, j - i);
			i = j;
			continue;
		}
		if (c == '(' && i + 2 < n && re[i + 1] == '?' && re[i + 2] == '#') {
			size_t j = i + 3;
			while (j < n && re[j] != ')')
				j++;
			if (j < n)
				j++;
			sput(&b, re + i, j - i);
			i = j;
			continue;
		}
		if (c == '{') {
			size_t j = quantifier(re, i, n, &b);
			if (j != 0) {
				i = j;
				continue;
			}
		}
		sput(&b, re + i, 1);
		i++;
	}
	if (b.oom) {
		free(b.p);
		say(why, whylen, "out of memory");
		return NULL;
	}
	*mods = m;
	return b.p;
}

/*
 * The weight of the bounded repeats of a (translated) pattern: a bounded
 * repeat {m,n} of one character weighs n, of a group n times what the
 * group holds; a sequence weighs the sum of its parts.  Hyperscan builds an
 * automaton state per repeated position, so its compile time and memory
 * grow with this (e.g. (?:[^<]{0,1024}<[^>]{1,1024}>){0,99} weighs about
 * 200000 and takes Hyperscan 17 s); patterns over the limit are left to
 * PCRE2.  Saturates at SIZE_MAX/2.
 */
static size_t
sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX / 2 - b ? SIZE_MAX / 2 : a + b;
}

static size_t
sat_mul(size_t a, size_t b)
{
	return b != 0 && a > (SIZE_MAX / 2) / b ? SIZE_MAX / 2 : a * b;
}

/* the bound of a quantifier at p (0: none or unbounded, 1: ?, *, +) and
 * its length in *qlen */
static size_t
bound_at(const char *p, size_t *qlen)
{
	*qlen = 0;
	if (*p == '?' || *p == '*' || *p == '+') {
		*qlen = 1;
		return 1;
	}
	if (*p != '{' || !isdigit((unsigned char)p[1]))
		return 0;
	char *e;
	unsigned long lo = strtoul(p + 1, &e, 10), hi = lo;
	if (*e == ',') {
		if (e[1] == '}') {
			hi = lo;	/* {m,}: m copies then a loop */
			e++;
		} else {
			hi = strtoul(e + 1, &e, 10);
		}
	}
	if (*e != '}')
		return 0;
	*qlen = (size_t)(e + 1 - p);
	return hi > lo ? hi : (lo ? lo : 1);
}

static size_t
repeat_weight(const char *re)
{
	enum { DEPTH = 64 };
	size_t stack[DEPTH + 1] = { 0 };
	size_t depth = 0, n = strlen(re), i = 0, over = 0;

	while (i < n) {
		size_t atom_w = 0, j = i;
		bool group_end = false;
		if (re[i] == '\\') {
			j = i + 2;
			if (j <= n && strchr("xoNpPgk", re[i + 1]) != NULL && j < n && re[j] == '{') {
				while (j < n && re[j] != '}')
					j++;
				j++;
			}
			atom_w = 1;
		} else if (re[i] == '[') {
			j = class_end(re, i, n);
			atom_w = 1;
		} else if (re[i] == '(') {
			if (depth < DEPTH)
				stack[++depth] = 0;
			else
				over++;
			i++;
			continue;
		} else if (re[i] == ')') {
			if (over > 0) {
				over--;
				i++;
				continue;
			}
			if (depth == 0) {
				i++;
				continue;
			}
			atom_w = stack[depth--];
			if (atom_w == 0)
				atom_w = 1;
			j = i + 1;
			group_end = true;
		} else {
			j = i + 1;
			atom_w = 1;
		}
		if (j > n)
			j = n;
		size_t ql, b = bound_at(re + j, &ql);
		size_t w = 0;
		if (ql > 0 && b > 1)
			w = sat_mul(atom_w, b);
		else if (group_end)
			w = atom_w > 1 ? atom_w : 0;
		stack[depth] = sat_add(stack[depth], w);
		i = j + ql;
		if (ql > 0 && (re[i] == '?' || re[i] == '+'))
			i++;	/* lazy or possessive */
	}
	while (depth > 0) {
		stack[depth - 1] = sat_add(stack[depth - 1], stack[depth]);
		depth--;
	}
	return stack[0];
}

/* ---- the database ---- */

static uint32_t
pcre_opts(unsigned mods)
{
	uint32_t o = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP;
	if (mods & SA_MOD_CASELESS)
		o |= PCRE2_CASELESS;
	if (mods & SA_MOD_DOTALL)
		o |= PCRE2_DOTALL;
	if (mods & SA_MOD_MULTILINE)
		o |= PCRE2_MULTILINE;
	if (mods & SA_MOD_EXTENDED)
		o |= PCRE2_EXTENDED;
	return o;
}

static unsigned
hs_flags(unsigned mods, enum sa_kind k)
{
	unsigned f = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
	if (mods & SA_MOD_CASELESS)
		f |= HS_FLAG_CASELESS;
	if (mods & SA_MOD_DOTALL)
		f |= HS_FLAG_DOTALL;
	if (mods & SA_MOD_MULTILINE)
		f |= HS_FLAG_MULTILINE;
	if (k == K_PREFILTER)
		f |= HS_FLAG_PREFILTER;
	return f;
}

static bool
hs_takes(const char *pat, unsigned flags)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *e = NULL;
	hs_error_t r = hs_expression_info(pat, flags, &info, &e);
	if (e != NULL)
		hs_free_compile_error(e);
	free(info);
	return r == HS_SUCCESS;
}

/* One pattern alone: does Hyperscan build it with these flags? */
static bool
hs_builds(const char *pat, unsigned flags)
{
	hs_database_t *d = NULL;
	hs_compile_error_t *e = NULL;
	hs_error_t r = hs_compile(pat, flags, HS_MODE_BLOCK, NULL, &d, &e);
	if (e != NULL)
		hs_free_compile_error(e);
	if (d != NULL)
		hs_free_database(d);
	return r == HS_SUCCESS;
}

struct build {
	char **src;		/* translated patterns, per kept pattern */
	unsigned *mods;
};

/* Compile db->pats[] of kinds exact/prefilter into one database, moving a
 * pattern Hyperscan refuses one kind down; false with err on a failure of
 * the whole. */
static bool
build_hs(struct sa_db *db, struct build *bd, char *err, size_t errlen)
{
	size_t n = db->npats;
	const char **exprs = malloc((n ? n : 1) * sizeof *exprs);
	unsigned *flags = malloc((n ? n : 1) * sizeof *flags);
	unsigned *ids = malloc((n ? n : 1) * sizeof *ids);
	bool ok = false;

	if (exprs == NULL || flags == NULL || ids == NULL) {
		say(err, errlen, "out of memory");
		goto out;
	}
	for (int round = 0;; round++) {
		unsigned m = 0;
		for (size_t i = 0; i < n; i++) {
			if (db->pats[i].kind == K_PCRE)
				continue;
			exprs[m] = bd->src[i];
			flags[m] = hs_flags(bd->mods[i], db->pats[i].kind);
			ids[m] = (unsigned)i;
			m++;
		}
		if (m == 0) {
			ok = true;
			break;
		}
		hs_compile_error_t *e = NULL;
		hs_error_t r = hs_compile_multi(exprs, flags, ids, m, HS_MODE_BLOCK, NULL, &db->hs,
		    &e);
		if (r == HS_SUCCESS) {
			if (e != NULL)
				hs_free_compile_error(e);
			ok = true;
			break;
		}
		db->hs = NULL;
		int bad = e != NULL ? e->expression : -1;
		if (bad < 0 || (unsigned)bad >= m) {
			say(err, errlen, "Hyperscan: %s", e != NULL ? e->message : "compile failed");
			if (e != NULL)
				hs_free_compile_error(e);
			break;
		}
		if (e != NULL)
			hs_free_compile_error(e);
		struct sa_pat *p = &db->pats[ids[bad]];
		p->kind = p->kind == K_EXACT ? K_PREFILTER : K_PCRE;
		/* the whole database is costly: after a few rounds, try every
		 * remaining pattern alone first */
		if (round == 4) {
			for (size_t i = 0; i < n; i++) {
				struct sa_pat *q = &db->pats[i];
				while (q->kind != K_PCRE &&
				    !hs_builds(bd->src[i], hs_flags(bd->mods[i], q->kind)))
					q->kind = q->kind == K_EXACT ? K_PREFILTER : K_PCRE;
			}
		} else if (round > 8) {
			say(err, errlen, "Hyperscan: the database does not build");
			break;
		}
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	return ok;
}

static void
reject(sa_reject_fn fn, void *ud, size_t i, const char *why, size_t *count)
{
	(*count)++;
	if (fn != NULL)
		fn(i, why, ud);
}

struct sa_db *
sa_db_new(const struct sa_re_spec *specs, size_t n, sa_reject_fn rejected, void *ud, char *err,
    size_t errlen)
{
	return sa_db_new_limits(specs, n, NULL, rejected, ud, err, errlen);
}

struct sa_db *
sa_db_new_limits(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    sa_reject_fn rejected, void *ud, char *err, size_t errlen)
{
	if (hs_valid_platform() != HS_SUCCESS) {
		say(err, errlen, "Hyperscan: this CPU lacks SSSE3");
		return NULL;
	}
	struct sa_db *db = calloc(1, sizeof *db);
	struct build bd = { 0 };
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (db == NULL || cc == NULL)
		goto oom;
	db->lim = lim != NULL ? *lim : sa_match_limits_default;
	atomic_init(&db->limit_hits, 0);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_bsr(cc, PCRE2_BSR_UNICODE);
	if (db->lim.pattern_max != 0)
		pcre2_set_max_pattern_length(cc, db->lim.pattern_max * 2 + 64);
	size_t cap = n ? n : 1;
	db->pats = calloc(cap, sizeof *db->pats);
	bd.src = calloc(cap, sizeof *bd.src);
	bd.mods = calloc(cap, sizeof *bd.mods);
	if (db->pats == NULL || bd.src == NULL || bd.mods == NULL)
		goto oom;

	for (size_t i = 0; i < n; i++) {
		char why[256];
		unsigned mods = 0;
		char *src = sa_re_translate(specs[i].re, specs[i].flags, db->lim.pattern_max, &mods,
		    why, sizeof why);
		if (src == NULL) {
			reject(rejected, ud, i, why, &db->st.rejected);
			continue;
		}
		int ec;
		PCRE2_SIZE eoff;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
		    pcre_opts(mods), &ec, &eoff, cc);
		if (code == NULL) {
			char msg[160];
			pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
			snprintf(why, sizeof why, "PCRE2: %s at offset %zu", msg, (size_t)eoff);
			reject(rejected, ud, i, why, &db->st.rejected);
			free(src);
			continue;
		}
		struct sa_pat *p = &db->pats[db->npats];
		p->id = specs[i].id;
		p->count = specs[i].count;
		p->maxhits = specs[i].count && specs[i].maxhits != 0 ? specs[i].maxhits : UINT32_MAX;
		p->code = code;
		if ((mods & SA_MOD_EXTENDED) ||
		    (db->lim.repeat_max != 0 && repeat_weight(src) > db->lim.repeat_max))
			p->kind = K_PCRE;
		else if (hs_takes(src, hs_flags(mods, K_EXACT)))
			p->kind = K_EXACT;
		else if (hs_takes(src, hs_flags(mods, K_PREFILTER)))
			p->kind = K_PREFILTER;
		else
			p->kind = K_PCRE;
		bd.src[db->npats] = src;
		bd.mods[db->npats] = mods;
		db->npats++;
	}
	if (!build_hs(db, &bd, err, errlen))
		goto fail;

	size_t npcre = 0;
	for (size_t i = 0; i < db->npats; i++)
		npcre += db->pats[i].kind == K_PCRE;
	db->pcre_only = calloc(npcre ? npcre : 1, sizeof *db->pcre_only);
	if (db->pcre_only == NULL)
		goto oom;
	for (size_t i = 0; i < db->npats; i++) {
		struct sa_pat *p = &db->pats[i];
		switch (p->kind) {
		case K_EXACT: db->st.exact++; break;
		case K_PREFILTER: db->st.prefiltered++; break;
		case K_PCRE:
			db->st.pcre_only++;
			db->pcre_only[db->npcre_only++] = i;
			break;
		}
		if (p->kind == K_EXACT && !p->count) {
			pcre2_code_free(p->code);
			p->code = NULL;
		} else {
			/* the interpreter remains when the JIT cannot */
			(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
		}
	}
	if (db->hs != NULL) {
		size_t sz = 0;
		if (hs_database_size(db->hs, &sz) == HS_SUCCESS)
			db->st.bytes = sz;
	}
	for (size_t i = 0; i < db->npats; i++)
		free(bd.src[i]);
	free(bd.src);
	free(bd.mods);
	pcre2_compile_context_free(cc);
	return db;
oom:
	say(err, errlen, "out of memory");
fail:
	if (bd.src != NULL && db != NULL)
		for (size_t i = 0; i < db->npats; i++)
			free(bd.src[i]);
	free(bd.src);
	free(bd.mods);
	pcre2_compile_context_free(cc);
	sa_db_free(db);
	return NULL;
}

void
sa_db_free(struct sa_db *db)
{
	if (db == NULL)
		return;
	if (db->hs != NULL)
		hs_free_database(db->hs);
	if (db->pats != NULL)
		for (size_t i = 0; i < db->npats; i++)
			pcre2_code_free(db->pats[i].code);
	free(db->pats);
	free(db->pcre_only);
	free(db);
}

void
sa_db_stats(const struct sa_db *db, struct sa_db_stats *out)
{
	*out = db->st;
	out->limit_hits = atomic_load_explicit(&((struct sa_db *)db)->limit_hits,
	    memory_order_relaxed);
}

/* ---- scratch and scan ---- */

struct sa_scratch *
sa_scratch_new(struct sa_db *const *dbs, size_t n)
{
	struct sa_scratch *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	size_t cap = 1;
	size_t jit_max = 32 * 1024;
	for (size_t i = 0; i < n; i++) {
		if (dbs[i] == NULL)
			continue;
		if (dbs[i]->npats > cap)
			cap = dbs[i]->npats;
		if (dbs[i]->lim.jit_stack_max > jit_max)
			jit_max = dbs[i]->lim.jit_stack_max;
		if (dbs[i]->hs != NULL && hs_alloc_scratch(dbs[i]->hs, &s->hs) != HS_SUCCESS)
			goto fail;
	}
	s->cap = cap;
	s->reported = calloc(cap, sizeof *s->reported);
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	s->js = pcre2_jit_stack_create(jit_max < 32 * 1024 ? jit_max : 32 * 1024, jit_max, NULL);
	if (s->reported == NULL || s->md == NULL || s->mc == NULL || s->js == NULL)
		goto fail;
	pcre2_jit_stack_assign(s->mc, NULL, s->js);
	return s;
fail:
	sa_scratch_free(s);
	return NULL;
}

void
sa_scratch_free(struct sa_scratch *s)
{
	if (s == NULL)
		return;
	if (s->hs != NULL)
		hs_free_scratch(s->hs);
	free(s->reported);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->js);
	free(s);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int fl,
    void *ctx)
{
	struct sa_scratch *s = ctx;
	(void)from;
	(void)to;
	(void)fl;
	if (s->nrep >= s->cap) {
		s->overflow = true;
		return 1;
	}
	s->reported[s->nrep++] = id;
	return 0;
}

static bool
is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* PCRE2 on text for p: hits[p->id] as sa_db_scan says.  False on an
 * error other than a limit. */
static bool
run_pcre(const struct sa_db *db, struct sa_scratch *s, const struct sa_pat *p, const char *text,
    size_t len, uint32_t *hits)
{
	uint32_t *h = &hits[p->id];
	uint32_t room;

	if (!p->count) {
		if (*h != 0)
			return true;
		room = 1;
	} else {
		if (*h >= p->maxhits)
			return true;
		room = p->maxhits - *h;
	}
	/* Perl's while (m//g): after an empty match the next one may not be
	 * empty at the same place; it is tried there anchored, and else the
	 * search goes on one byte further */
	PCRE2_SIZE off = 0;
	uint32_t opts = 0, found = 0;
	bool ok = true;
	while (found < room && off <= len) {
		int rc = pcre2_match(p->code, (PCRE2_SPTR)text, len, off, opts, s->md, s->mc);
		if (rc == PCRE2_ERROR_NOMATCH) {
			if (opts == 0)
				break;
			opts = 0;
			off++;
			continue;
		}
		if (rc < 0) {
			if (is_limit(rc))
				atomic_fetch_add_explicit(&((struct sa_db *)db)->limit_hits, 1,
				    memory_order_relaxed);
			else
				ok = false;
			break;
		}
		found++;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		if (ov[1] < ov[0])
			break;	/* \K in a lookahead: no sane next start */
		off = ov[1];
		opts = ov[1] == ov[0] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
	}
	*h += found;
	return ok;
}

bool
sa_db_scan(const struct sa_db *db, struct sa_scratch *s, const char *text, size_t len,
    uint32_t *hits)
{
	bool ok = true;

	if (len > UINT_MAX || db->npats > s->cap)
		return false;
	if (text == NULL)
		text = "";
	pcre2_set_match_limit(s->mc, db->lim.match_limit);
	pcre2_set_depth_limit(s->mc, db->lim.depth_limit);
	pcre2_set_heap_limit(s->mc, db->lim.heap_limit_kib);
	s->nrep = 0;
	s->overflow = false;
	if (db->hs != NULL) {
		hs_error_t r = hs_scan(db->hs, text, (unsigned)len, 0, s->hs, on_match, s);
		if (r != HS_SUCCESS || s->overflow)
			ok = false;
	}
	for (size_t k = 0; k < s->nrep; k++) {
		const struct sa_pat *p = &db->pats[s->reported[k]];
		if (p->kind == K_EXACT && !p->count) {
			if (hits[p->id] == 0)
				hits[p->id] = 1;
		} else if (!run_pcre(db, s, p, text, len, hits)) {
			ok = false;
		}
	}
	for (size_t k = 0; k < db->npcre_only; k++)
		if (!run_pcre(db, s, &db->pats[db->pcre_only[k]], text, len, hits))
			ok = false;
	return ok;
}
