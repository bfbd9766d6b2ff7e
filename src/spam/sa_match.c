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
 * HS_FLAG_ALLOWEMPTY (Perl's /x*\/ matches the empty text), but for the
 * count prefilter (count_group): a pattern (?:G){n,...} Hyperscan cannot
 * take is given to it as G, whose matches the scan counts; PCRE2 looks
 * when there are n.
 */
#include "spam/sa_match.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

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
	.hs_cost_max = 1500,
};

enum sa_kind { K_EXACT, K_PREFILTER, K_PCRE };

struct sa_pat {
	unsigned id;
	enum sa_kind kind;
	bool count;
	uint32_t maxhits;
	uint32_t need;		/* the count prefilter (see count_group): the
				 * pattern is (?:G){need,...} and Hyperscan
				 * reports G's matches, all of them; PCRE2
				 * looks only when need ends at least gap
				 * apart were reported (0: not used) */
	uint32_t gap;		/* the shortest match of G, >= 1 */
	pcre2_code *code;	/* NULL when Hyperscan's answer is enough */
};

struct sa_db {
	hs_database_t *hs;	/* NULL: no pattern for Hyperscan */
	struct sa_pat *pats;	/* Hyperscan's id is the index */
	size_t npats;
	size_t *pcre_only;	/* indexes into pats */
	size_t npcre_only;
	size_t *counted;	/* indexes into pats: those with need */
	size_t ncounted;
	struct sa_match_limits lim;
	struct sa_db_stats st;
	atomic_size_t limit_hits;
};

/* A count-prefiltered pattern's reports during one scan. */
struct sa_ends {
	uint32_t n;		/* ends counted */
	unsigned long long last;	/* the last one counted */
};

struct sa_scratch {
	hs_scratch_t *hs;
	unsigned *reported;
	struct sa_ends *ends;	/* per pattern of the database scanned */
	size_t cap, nrep;
	size_t npats;		/* of the database being scanned */
	const struct sa_pat *pats;	/* its patterns */
	bool overflow;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
};

static void say(char *buf, size_t len, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

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

/*
 * The positions of a (translated) pattern's automaton as Glushkov's
 * construction counts them: a character, class or escape is one; a group
 * the sum of what it holds, its alternatives included; with mult 2 every
 * bounded repeat x{m,n} is unrolled (n times x, x{m,} m times), with mult
 * 1 only the repeats of groups, with mult 0 none (x?, x*, x+ always
 * once).  Saturates at SIZE_MAX/2.
 */
static size_t
hs_positions(const char *re, int mult)
{
	enum { DEPTH = 64 };
	size_t stack[DEPTH + 1] = { 0 };
	size_t depth = 0, over = 0, i = 0, n = re != NULL ? strlen(re) : 0;

	while (i < n) {
		size_t w, j;
		char c = re[i];
		if (c == '(') {
			j = i + 1;
			if (j < n && re[j] == '?') {
				/* (?:  (?=  (?!  (?>  (?|  (?<=  (?<!  (?<name>  (?'name'
				 * (?P<name>  (?flags)  (?flags:  (?#...) */
				j++;
				if (j < n && re[j] == '#') {
					while (j < n && re[j] != ')')
						j++;
					i = j + 1;
					continue;
				}
				if (j < n && strchr(":=!>|", re[j]) != NULL) {
					j++;
				} else if (j + 1 < n && re[j] == '<' && (re[j + 1] == '=' ||
				    re[j + 1] == '!')) {
					j += 2;
				} else if (j < n && (re[j] == '<' || re[j] == '\'' || re[j] == 'P')) {
					while (j < n && re[j] != '>' && re[j] != '\'')
						j++;
					j++;
				} else {
					while (j < n && re[j] != ')' && re[j] != ':')
						j++;
					if (j < n && re[j] == ')') {
						i = j + 1;	/* flags only: no group */
						continue;
					}
					j++;
				}
			}
			if (depth < DEPTH)
				stack[++depth] = 0;
			else
				over++;
			i = j;
			continue;
		}
		if (c == ')') {
			if (over > 0) {
				over--;
				i++;
				continue;
			}
			if (depth == 0) {
				i++;
				continue;
			}
			w = stack[depth--];
			if (w == 0)
				w = 1;
			j = i + 1;
		} else if (c == '|' || c == '^' || c == '$') {
			i++;
			continue;
		} else if (c == '\\') {
			j = i + 2;
			if (j <= n && strchr("xoNpPgk", re[i + 1]) != NULL && j < n && re[j] == '{') {
				while (j < n && re[j] != '}')
					j++;
				j++;
			} else if (j <= n && re[i + 1] == 'x') {
				for (int k = 0; k < 2 && j < n && isxdigit((unsigned char)re[j]); k++)
					j++;
			}
			w = 1;
		} else if (c == '[') {
			j = class_end(re, i, n);
			w = 1;
		} else {
			j = i + 1;
			w = 1;
		}
		if (j > n)
			j = n;
		size_t ql, b = bound_at(re + j, &ql);
		if (ql > 0 && b > 1 && (mult == 2 || (mult == 1 && c == ')')))
			w = sat_mul(w, b);
		stack[depth] = sat_add(stack[depth], w);
		i = j + ql;
		if (ql > 0 && i < n && (re[i] == '?' || re[i] == '+'))
			i++;	/* lazy or possessive */
	}
	while (depth > 0) {
		stack[depth - 1] = sat_add(stack[depth - 1], stack[depth]);
		depth--;
	}
	return stack[0];
}

/*
 * The estimated cost of a pattern for Hyperscan's compiler: the positions
 * that unrolling its bounded repeats of groups adds to its automaton.
 * Hyperscan handles a repeated character or class with a repeat engine of
 * its own, but copies a repeated group n times, and its compile time
 * grows much faster than linearly with the copies, nested ones most: the
 * stock __FILL_THIS_FORM_* patterns (about 2.9 KB, groups of alternatives
 * repeated {1,3} inside others repeated {1,3}, {1,80} classes within) add
 * 1,800 to 12,000 positions and take Hyperscan 1.4 to 20 s each, where the
 * FUZZY_* patterns (up to 9 KB of flat alternatives of classes, small
 * repeated groups) add at most about 1,100 and take under a second.
 */
size_t
sa_re_hs_cost(const char *re)
{
	return hs_positions(re, 1) - hs_positions(re, 0);
}

/*
 * A superset of the pattern for Hyperscan's prefilter mode with fewer
 * bounded repeats; PCRE2 then confirms with the pattern itself.  Without
 * groups_only every bounded repeat goes: x{m,n}, x{m,} and x{m} become x*
 * (m == 0) or x+, so nothing is unrolled.  With groups_only only a group's
 * repeat with an upper bound above its lower one is widened, to x{m,}
 * (x* or x+ for m 0 or 1): the lower bound keeps the superset selective,
 * and the optional copies Hyperscan would unroll are gone.  Left as
 * written where widening would not give a superset: a possessive
 * quantifier, and anything within a lookaround or an atomic group (a wider
 * negative lookahead refuses more).  NULL when out of memory.
 */
static char *
relax_repeats(const char *re, bool groups_only)
{
	enum { DEPTH = 64 };
	bool guard[DEPTH + 1] = { false };	/* per open group: within a lookaround or atomic */
	size_t depth = 0, over = 0, n = strlen(re), i = 0;
	struct sbuf b = { 0 };

	sputs(&b, "");
	while (i < n && !b.oom) {
		char c = re[i];
		size_t j = i + 1;
		if (c == '\\') {
			j = i + 2 <= n ? i + 2 : n;
			if (j < n && strchr("xoNpPgk", re[i + 1]) != NULL && re[j] == '{') {
				while (j < n && re[j] != '}')
					j++;
				if (j < n)
					j++;
			}
		} else if (c == '[') {
			j = class_end(re, i, n);
		} else if (c == '(') {
			bool g = depth > 0 && guard[depth];
			if (i + 2 < n && re[i + 1] == '?' && (re[i + 2] == '=' || re[i + 2] == '!' ||
			    re[i + 2] == '>' || (re[i + 2] == '<' && i + 3 < n &&
			    (re[i + 3] == '=' || re[i + 3] == '!'))))
				g = true;
			if (depth < DEPTH)
				guard[++depth] = g;
			else
				over++;
			sput(&b, re + i, 1);
			i++;
			continue;
		} else if (c == ')') {
			if (over > 0)
				over--;
			else if (depth > 0)
				depth--;
		}
		sput(&b, re + i, j - i);
		i = j;
		size_t ql;
		(void)bound_at(re + i, &ql);
		if (ql > 1 && over == 0 && !guard[depth] && !(i + ql < n && re[i + ql] == '+') &&
		    (!groups_only || c == ')')) {
			/* {m,n}: a bounded repeat (bound_at read its digits) */
			char *e;
			unsigned long lo = strtoul(re + i + 1, &e, 10);
			if (!groups_only) {
				sputs(&b, lo == 0 ? "*" : "+");
				i += ql;
			} else if (*e == ',' && e[1] != '}') {
				/* the lower bound kept, so the superset keeps the
				 * pattern's selectivity: x{m,} */
				char q[32];
				snprintf(q, sizeof q, "{%lu,}", lo);
				sputs(&b, lo == 0 ? "*" : lo == 1 ? "+" : q);
				i += ql;
			}
		}
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/*
 * The count prefilter.  A pattern that is one group G repeated at least
 * n >= 2 times, (?:G){n}, (?:G){n,m} or (?:G){n,} (or capturing, or with
 * options as (?i:G), lazy or not, after option settings such as (?i) that
 * then apply to G too), where G cannot match the empty string: any match
 * of it is n consecutive matches of G, none empty, so G has matches ending
 * at n different offsets, each at least G's shortest match after the one
 * before.  Hyperscan is given G (exactly, or its prefilter: a superset,
 * it reports at least those ends) without HS_FLAG_SINGLEMATCH, and PCRE2
 * runs the pattern only on a text where n such ends were reported.
 * Counting greedily (an end counts when it is at least G's shortest match
 * after the last one counted) finds n whenever those ends are there: the
 * k-th end counted is never after the k-th end of the match.  It is used
 * where Hyperscan has nothing of the pattern, or only its prefilter with
 * the bounded repeats widened (too costly as written), which loses the
 * repeat's count: the stock __FILL_THIS_FORM_SHORT2, (?:...){3}, whose
 * widened prefilter let through a quarter of all body lines (where
 * Hyperscan's own prefilter keeps the count, as for __DOUBLE_IP_LOOSE,
 * (?:...(?<!127\.0\.0\.1)...){2}, that one is kept: it is tighter).
 *
 * G as a pattern of its own, malloc'd, with n in *need; NULL when the
 * pattern is not of that shape, or G refers to something outside itself
 * or could end the match early: back-references, subroutine calls and
 * recursion, conditionals, \G, \K, verbs such as (*ACCEPT), comments.
 * The caller checks that G is valid on its own and not empty (count_gap).
 */
static char *
count_group(const char *re, uint32_t *need)
{
	size_t n = strlen(re), i = 0;

	/* leading option settings: (?i) (?s-m) ... */
	while (i + 2 < n && re[i] == '(' && re[i + 1] == '?') {
		size_t j = i + 2;
		while (j < n && (isalpha((unsigned char)re[j]) || re[j] == '-' || re[j] == '^'))
			j++;
		if (j == i + 2 || j >= n || re[j] != ')')
			break;
		i = j + 1;
	}
	size_t pre = i;
	if (i + 1 >= n || re[i] != '(')
		return NULL;
	size_t body, opt = 0, optlen = 0;
	if (re[i + 1] != '?') {
		body = i + 1;	/* capturing */
	} else if (i + 2 < n && re[i + 2] == ':') {
		body = i + 3;
	} else {
		size_t j = i + 2;
		while (j < n && (isalpha((unsigned char)re[j]) || re[j] == '-' || re[j] == '^'))
			j++;
		if (j == i + 2 || j >= n || re[j] != ':')
			return NULL;
		opt = i + 2;
		optlen = j - opt;
		body = j + 1;
	}
	/* the group's end, refusing what G may not hold */
	size_t depth = 1, j = body;
	while (j < n) {
		char c = re[j];
		if (c == '\\') {
			if (j + 1 >= n || strchr("123456789gkGK", re[j + 1]) != NULL)
				return NULL;
			j += re[j + 1] == 'c' ? 3 : 2;	/* \cX: X is a character */
			continue;
		}
		if (c == '[') {
			j = class_end(re, j, n);
			continue;
		}
		if (c == '(') {
			if (j + 1 < n && re[j + 1] == '*')
				return NULL;	/* a verb */
			if (j + 2 < n && re[j + 1] == '?' &&
			    (strchr("(R&#0123456789+-", re[j + 2]) != NULL ||
			    (re[j + 2] == 'P' && j + 3 < n && (re[j + 3] == '=' || re[j + 3] == '>'))))
				return NULL;
			depth++;
		} else if (c == ')' && --depth == 0) {
			break;
		}
		j++;
	}
	if (j >= n)
		return NULL;
	const char *q = re + j + 1;
	if (q[0] != '{' || !isdigit((unsigned char)q[1]))
		return NULL;
	char *e;
	unsigned long lo = strtoul(q + 1, &e, 10);
	if (*e == ',' && isdigit((unsigned char)e[1])) {
		unsigned long hi = strtoul(e + 1, &e, 10);
		if (hi < lo)
			return NULL;
	} else if (*e == ',') {
		e++;
	}
	if (*e != '}')
		return NULL;
	e++;
	if (*e == '?')
		e++;	/* lazy: as many copies at least */
	if (*e != '\0' || lo < 2 || lo > UINT32_MAX)
		return NULL;
	/* the leading settings, the group's own, then G */
	struct sbuf b = { 0 };
	sput(&b, re, pre);
	if (optlen > 0) {
		sputs(&b, "(?");
		sput(&b, re + opt, optlen);
		sputs(&b, ")");
	}
	sput(&b, re + body, j - body);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*need = (uint32_t)lo;
	return b.p;
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

/*
 * How Hyperscan takes a (translated) pattern: exactly, as a prefilter
 * (*hsrc, left NULL when Hyperscan compiles the pattern as it is: a
 * loosened superset, malloc'd; *bare set when it has no bounded repeat
 * left), or not at all (K_PCRE).
 */
static enum sa_kind
hs_kind(const char *src, unsigned mods, const struct sa_match_limits *lim, char **hsrc,
    bool *bare)
{
	*hsrc = NULL;
	*bare = false;
	if ((mods & SA_MOD_EXTENDED) ||
	    (lim->repeat_max != 0 && repeat_weight(src) > lim->repeat_max))
		return K_PCRE;
	if (lim->hs_cost_max != 0 && sa_re_hs_cost(src) > lim->hs_cost_max) {
		/* too costly for Hyperscan's compiler as written: its
		 * prefilter without the bounded repeats, else PCRE2 */
		char *r = relax_repeats(src, false);
		if (r != NULL && hs_takes(r, hs_flags(mods, K_PREFILTER))) {
			*hsrc = r;
			*bare = true;
			return K_PREFILTER;
		}
		free(r);
		return K_PCRE;
	}
	if (hs_takes(src, hs_flags(mods, K_EXACT)))
		return K_EXACT;
	if (hs_takes(src, hs_flags(mods, K_PREFILTER))) {
		/* Hyperscan's own reduction of a pattern it cannot take
		 * exactly can be slower and less selective than the superset
		 * with its groups' optional copies gone (the stock
		 * FUZZY_PHARMACY and FUZZY_PHENT, whose letters are groups
		 * repeated {1,2}: ten times slower alone, and firing on lines
		 * the widened one does not): that one when Hyperscan takes it */
		char *r = relax_repeats(src, true);
		if (r != NULL && strcmp(r, src) != 0 && hs_takes(r, hs_flags(mods, K_PREFILTER)))
			*hsrc = r;
		else
			free(r);
		return K_PREFILTER;
	}
	return K_PCRE;
}

/* The shortest match of G (count_group) as PCRE2 reads it with mods: 0
 * when G may match the empty string or is not valid on its own. */
static uint32_t
count_gap(const char *g, unsigned mods, pcre2_compile_context *cc)
{
	int ec;
	PCRE2_SIZE eoff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)g, PCRE2_ZERO_TERMINATED, pcre_opts(mods),
	    &ec, &eoff, cc);
	if (code == NULL)
		return 0;
	uint32_t min = 0;
	if (pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &min) != 0)
		min = 0;
	pcre2_code_free(code);
	return min;
}

struct build {
	char **src;		/* translated patterns, per kept pattern */
	char **hsrc;		/* what Hyperscan compiles instead (its bounded
				 * repeats relaxed), or NULL */
	unsigned *mods;
	size_t *spec;		/* its index in specs[] */
};

/* Each spec's outcome, as the cache file keeps it. */
enum {
	D_EXACT = K_EXACT, D_PREFILTER = K_PREFILTER, D_PCRE = K_PCRE, D_REJECTED,
	D_COUNT_EXACT, D_COUNT_PREFILTER,	/* the count prefilter: G exact, prefiltered */
	D_KINDS
};
struct record {
	uint8_t *kind;		/* D_*, per spec */
	char **why;		/* a refused spec's reason (malloc'd) */
};

/* Hyperscan's flags for db->pats[i]: all its matches for the count
 * prefilter, else one is enough */
static unsigned
pat_flags(const struct sa_db *db, const struct build *bd, size_t i)
{
	unsigned f = hs_flags(bd->mods[i], db->pats[i].kind);
	if (db->pats[i].need != 0)
		f &= ~(unsigned)HS_FLAG_SINGLEMATCH;
	return f;
}

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
			exprs[m] = bd->hsrc[i] != NULL ? bd->hsrc[i] : bd->src[i];
			flags[m] = pat_flags(db, bd, i);
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
		if (p->kind == K_PCRE)
			p->need = 0;
		/* the whole database is costly: after a few rounds, try every
		 * remaining pattern alone first */
		if (round == 4) {
			for (size_t i = 0; i < n; i++) {
				struct sa_pat *q = &db->pats[i];
				const char *src = bd->hsrc[i] != NULL ? bd->hsrc[i] : bd->src[i];
				while (q->kind != K_PCRE && !hs_builds(src, pat_flags(db, bd, i)))
					q->kind = q->kind == K_EXACT ? K_PREFILTER : K_PCRE;
				if (q->kind == K_PCRE)
					q->need = 0;
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

/*
 * The database of specs[0..n).  Compiling (given NULL): as sa_db_new_limits
 * says, each spec's outcome noted in rec when not NULL.  Loading (given:
 * each spec's D_* from a cache file, hs its Hyperscan database, owned by
 * the result even on failure): the PCRE2 side compiled again, no call of
 * rejected; NULL when the specs do not give what the file says.
 */
static struct sa_db *
db_make(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    const uint8_t *given, hs_database_t *hs, sa_reject_fn rejected, void *ud,
    struct record *rec, char *err, size_t errlen)
{
	struct sa_db *db = calloc(1, sizeof *db);
	struct build bd = { 0 };
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (db == NULL) {
		if (hs != NULL)
			hs_free_database(hs);
		goto oom;
	}
	db->hs = hs;
	if (cc == NULL)
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
	bd.spec = calloc(cap, sizeof *bd.spec);
	bd.hsrc = calloc(cap, sizeof *bd.hsrc);
	if (db->pats == NULL || bd.src == NULL || bd.mods == NULL || bd.spec == NULL ||
	    bd.hsrc == NULL)
		goto oom;

	for (size_t i = 0; i < n; i++) {
		char why[256];
		unsigned mods = 0;
		if (given != NULL && given[i] == D_REJECTED)
			continue;
		char *src = sa_re_translate(specs[i].re, specs[i].flags, db->lim.pattern_max, &mods,
		    why, sizeof why);
		if (src == NULL) {
			if (given != NULL)
				goto mismatch;
			if (rec != NULL) {
				rec->kind[i] = D_REJECTED;
				rec->why[i] = strdup(why);
			}
			reject(rejected, ud, i, why, &db->st.rejected);
			continue;
		}
		int ec;
		PCRE2_SIZE eoff;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
		    pcre_opts(mods), &ec, &eoff, cc);
		if (code == NULL) {
			free(src);
			if (given != NULL)
				goto mismatch;
			char msg[160];
			pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
			snprintf(why, sizeof why, "PCRE2: %s at offset %zu", msg, (size_t)eoff);
			if (rec != NULL) {
				rec->kind[i] = D_REJECTED;
				rec->why[i] = strdup(why);
			}
			reject(rejected, ud, i, why, &db->st.rejected);
			continue;
		}
		struct sa_pat *p = &db->pats[db->npats];
		p->id = specs[i].id;
		p->count = specs[i].count;
		p->maxhits = specs[i].count && specs[i].maxhits != 0 ? specs[i].maxhits : UINT32_MAX;
		p->code = code;
		if (given != NULL) {
			/* a pattern in extended mode is never Hyperscan's */
			bool counted = given[i] == D_COUNT_EXACT || given[i] == D_COUNT_PREFILTER;
			p->kind = given[i] == D_COUNT_EXACT ? K_EXACT :
			    given[i] == D_COUNT_PREFILTER ? K_PREFILTER : (enum sa_kind)given[i];
			if (counted) {
				char *g = count_group(src, &p->need);
				p->gap = g != NULL ? count_gap(g, mods, cc) : 0;
				free(g);
			}
			if ((p->kind != K_PCRE && (mods & SA_MOD_EXTENDED)) ||
			    (counted && p->gap == 0)) {
				pcre2_code_free(code);
				p->code = NULL;
				free(src);
				goto mismatch;
			}
		} else {
			bool bare;
			p->kind = hs_kind(src, mods, &db->lim, &bd.hsrc[db->npats], &bare);
			if ((p->kind == K_PCRE || bare) && !(mods & SA_MOD_EXTENDED)) {
				/* Hyperscan has nothing of the pattern, or a
				 * prefilter without its repeat counts: the
				 * count prefilter when it applies (count_group) */
				uint32_t need = 0, gap = 0;
				char *g = count_group(src, &need), *gh = NULL;
				if (g != NULL && (gap = count_gap(g, mods, cc)) > 0) {
					enum sa_kind gk = hs_kind(g, mods, &db->lim, &gh, &bare);
					if (gk != K_PCRE) {
						free(bd.hsrc[db->npats]);
						bd.hsrc[db->npats] = gh != NULL ? gh : g;
						if (gh != NULL)
							free(g);
						g = NULL;
						p->kind = gk;
						p->need = need;
						p->gap = gap;
					}
				}
				free(g);
			}
		}
		bd.src[db->npats] = src;
		bd.mods[db->npats] = mods;
		bd.spec[db->npats] = i;
		db->npats++;
	}
	if (given != NULL) {
		/* a Hyperscan database exactly when a pattern is for it */
		bool any = false;
		for (size_t i = 0; i < db->npats; i++)
			any |= db->pats[i].kind != K_PCRE;
		if (any != (db->hs != NULL))
			goto mismatch;
	} else if (!build_hs(db, &bd, err, errlen)) {
		goto fail;
	}
	if (rec != NULL && given == NULL)
		for (size_t i = 0; i < db->npats; i++)
			rec->kind[bd.spec[i]] = db->pats[i].need == 0 ? (uint8_t)db->pats[i].kind :
			    db->pats[i].kind == K_EXACT ? D_COUNT_EXACT : D_COUNT_PREFILTER;

	size_t npcre = 0;
	for (size_t i = 0; i < db->npats; i++)
		npcre += db->pats[i].kind == K_PCRE;
	db->pcre_only = calloc(npcre ? npcre : 1, sizeof *db->pcre_only);
	db->counted = calloc(db->npats ? db->npats : 1, sizeof *db->counted);
	if (db->pcre_only == NULL || db->counted == NULL)
		goto oom;
	for (size_t i = 0; i < db->npats; i++) {
		struct sa_pat *p = &db->pats[i];
		switch (p->kind) {
		case K_EXACT:
			if (p->need != 0)
				db->st.prefiltered++;	/* PCRE2 confirms */
			else
				db->st.exact++;
			break;
		case K_PREFILTER: db->st.prefiltered++; break;
		case K_PCRE:
			db->st.pcre_only++;
			db->pcre_only[db->npcre_only++] = i;
			break;
		}
		if (p->need != 0) {
			db->st.counted++;
			db->counted[db->ncounted++] = i;
		}
		if (p->kind == K_EXACT && !p->count && p->need == 0) {
			pcre2_code_free(p->code);
			p->code = NULL;
		} else {
			/* the interpreter remains when the JIT cannot */
			(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
		}
	}
	if (given != NULL)
		db->st.rejected = (size_t)(n - db->npats);
	if (db->hs != NULL) {
		size_t sz = 0;
		if (hs_database_size(db->hs, &sz) == HS_SUCCESS)
			db->st.bytes = sz;
	}
	for (size_t i = 0; i < db->npats; i++) {
		free(bd.src[i]);
		free(bd.hsrc[i]);
	}
	free(bd.src);
	free(bd.hsrc);
	free(bd.mods);
	free(bd.spec);
	pcre2_compile_context_free(cc);
	return db;
mismatch:
	say(err, errlen, "cache: the specs do not give what the file says");
	goto fail;
oom:
	say(err, errlen, "out of memory");
fail:
	if (bd.src != NULL && bd.hsrc != NULL && db != NULL)
		for (size_t i = 0; i < db->npats; i++) {
			free(bd.src[i]);
			free(bd.hsrc[i]);
		}
	free(bd.src);
	free(bd.hsrc);
	free(bd.mods);
	free(bd.spec);
	pcre2_compile_context_free(cc);
	sa_db_free(db);
	return NULL;
}

struct sa_db *
sa_db_new_limits(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    sa_reject_fn rejected, void *ud, char *err, size_t errlen)
{
	if (hs_valid_platform() != HS_SUCCESS) {
		say(err, errlen, "Hyperscan: this CPU lacks SSSE3");
		return NULL;
	}
	return db_make(specs, n, lim, NULL, NULL, rejected, ud, NULL, err, errlen);
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
	free(db->counted);
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
	s->ends = calloc(cap, sizeof *s->ends);
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	s->js = pcre2_jit_stack_create(jit_max < 32 * 1024 ? jit_max : 32 * 1024, jit_max, NULL);
	if (s->reported == NULL || s->ends == NULL || s->md == NULL || s->mc == NULL ||
	    s->js == NULL)
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
	free(s->ends);
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
	(void)fl;
	if (id >= s->npats) {
		s->overflow = true;
		return 1;
	}
	const struct sa_pat *p = &s->pats[id];
	if (p->need != 0) {
		/* the count prefilter: reported once need ends were counted,
		 * each at least gap after the one before (count_group) */
		struct sa_ends *e = &s->ends[id];
		if (e->n >= p->need)
			return 0;
		if (e->n != 0 && to < e->last)
			e->n = p->need;	/* not in order: the count is not sure, PCRE2 looks */
		else if (e->n == 0 || to - e->last >= p->gap) {
			e->n++;
			e->last = to;
		}
		if (e->n < p->need)
			return 0;
	}
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
	s->npats = db->npats;
	s->pats = db->pats;
	s->overflow = false;
	for (size_t k = 0; k < db->ncounted; k++)
		s->ends[db->counted[k]].n = 0;
	if (db->hs != NULL) {
		hs_error_t r = hs_scan(db->hs, text, (unsigned)len, 0, s->hs, on_match, s);
		if (r != HS_SUCCESS || s->overflow)
			ok = false;
	}
	for (size_t k = 0; k < s->nrep; k++) {
		const struct sa_pat *p = &db->pats[s->reported[k]];
		if (p->kind == K_EXACT && !p->count && p->need == 0) {
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

/* ---- the cache of compiled databases ---- */

/*
 * A cache file, cache_dir/<key>.hsdb (integers little-endian):
 *
 *   "MAMSADB\n"  magic, 8 bytes
 *   u32          CACHE_FORMAT
 *   64 bytes     the key, hex (sa_db_key)
 *   u64          n, the number of specs
 *   u64          the length of the decisions
 *   u64          the length of Hyperscan's serialized database (0: none)
 *   32 bytes     SHA-256 of the decisions then the database
 *   decisions    per spec: u8 D_*; a refused spec then u16 length and its
 *                reason
 *   database     hs_serialize_database's bytes
 *
 * CACHE_FORMAT is in the key too: raise it whenever this file or the way
 * a spec is translated or classified changes (what a database is built
 * from, beyond the specs and limits the key holds).
 */
#define CACHE_FORMAT 3u
#define CACHE_MAGIC "MAMSADB\n"
#define CACHE_HEAD (8 + 4 + 64 + 8 + 8 + 8 + 32)
#define CACHE_MAX ((size_t)256 << 20)	/* bytes of a cache file read */
#define WHY_MAX 255

static void
key_u64(GChecksum *c, uint64_t v)
{
	uint8_t b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (uint8_t)(v >> (8 * k));
	g_checksum_update(c, b, sizeof b);
}

static void
key_str(GChecksum *c, const char *s)
{
	if (s == NULL) {
		key_u64(c, UINT64_MAX);
		return;
	}
	size_t n = strlen(s);
	key_u64(c, n);
	g_checksum_update(c, (const guchar *)s, n);
}

void
sa_db_key(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    char out[65])
{
	const struct sa_match_limits *l = lim != NULL ? lim : &sa_match_limits_default;
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);

	key_str(c, "mamori sa_db");
	key_u64(c, CACHE_FORMAT);
	key_str(c, hs_version());
	hs_platform_info_t pl;
	memset(&pl, 0, sizeof pl);
	if (hs_populate_platform(&pl) != HS_SUCCESS)
		memset(&pl, 0xff, sizeof pl);
	key_u64(c, pl.tune);
	key_u64(c, pl.cpu_features);
	key_u64(c, pl.reserved1);
	key_u64(c, pl.reserved2);
	char pv[64] = "";
	if (pcre2_config(PCRE2_CONFIG_VERSION, pv) < 0)
		pv[0] = '\0';
	key_str(c, pv);
	key_u64(c, l->pattern_max);
	key_u64(c, l->match_limit);
	key_u64(c, l->depth_limit);
	key_u64(c, l->heap_limit_kib);
	key_u64(c, l->jit_stack_max);
	key_u64(c, l->repeat_max);
	key_u64(c, l->hs_cost_max);
	key_u64(c, n);
	for (size_t i = 0; i < n; i++) {
		key_u64(c, specs[i].id);
		key_str(c, specs[i].re);
		key_str(c, specs[i].flags != NULL ? specs[i].flags : "");
		key_u64(c, specs[i].count);
		key_u64(c, specs[i].maxhits);
	}
	snprintf(out, 65, "%s", g_checksum_get_string(c));
	g_checksum_free(c);
}

static void
put_u(uint8_t *p, uint64_t v, int bytes)
{
	for (int k = 0; k < bytes; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t
get_u(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int k = 0; k < bytes; k++)
		v |= (uint64_t)p[k] << (8 * k);
	return v;
}

static void
sha256(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = 32;
	g_checksum_update(c, a, alen);
	g_checksum_update(c, b, blen);
	g_checksum_get_digest(c, out, &len);
	g_checksum_free(c);
}

/* The whole file at path, at most max bytes, if it is a regular file of
 * ours that nobody else may write; NULL otherwise. */
static uint8_t *
read_cache(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat sb;
	uint8_t *buf = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 || sb.st_size < 0 ||
	    (uint64_t)sb.st_size > max)
		goto out;
	size_t want = (size_t)sb.st_size, got = 0;
	buf = malloc(want ? want : 1);
	if (buf == NULL)
		goto out;
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;	/* shorter when the file shrank: the lengths tell */
out:
	close(fd);
	return buf;
}

/*
 * The database of a cache file's bytes, or NULL when they are not a valid
 * file for these specs (key given); on success the refusals it notes are
 * replayed to rejected.
 */
static struct sa_db *
load_cache(const uint8_t *b, size_t len, const char *key, const struct sa_re_spec *specs,
    size_t n, const struct sa_match_limits *lim, sa_reject_fn rejected, void *ud)
{
	if (len < CACHE_HEAD || memcmp(b, CACHE_MAGIC, 8) != 0 ||
	    get_u(b + 8, 4) != CACHE_FORMAT || memcmp(b + 12, key, 64) != 0 ||
	    get_u(b + 76, 8) != n)
		return NULL;
	uint64_t dlen = get_u(b + 84, 8), hlen = get_u(b + 92, 8);
	if (dlen > len - CACHE_HEAD || hlen != len - CACHE_HEAD - dlen)
		return NULL;
	const uint8_t *d = b + CACHE_HEAD, *h = d + dlen;
	uint8_t sum[32];
	sha256(d, (size_t)dlen, h, (size_t)hlen, sum);
	if (memcmp(sum, b + 100, 32) != 0)
		return NULL;

	/* the decisions: every spec's, exactly filling their length */
	uint8_t *kind = malloc(n ? n : 1);
	size_t *why_at = malloc((n ? n : 1) * sizeof *why_at);
	struct sa_db *db = NULL;
	if (kind == NULL || why_at == NULL)
		goto out;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (at >= dlen || d[at] >= D_KINDS)
			goto out;
		kind[i] = d[at++];
		if (kind[i] != D_REJECTED)
			continue;
		if (dlen - at < 2)
			goto out;
		size_t wl = (size_t)get_u(d + at, 2);
		at += 2;
		if (wl > WHY_MAX || dlen - at < wl || memchr(d + at, '\0', wl) != NULL)
			goto out;
		why_at[i] = at;
		at += wl;
	}
	if (at != dlen)
		goto out;
	hs_database_t *hs = NULL;
	if (hlen > 0 && hs_deserialize_database((const char *)h, (size_t)hlen, &hs) !=
	    HS_SUCCESS)
		goto out;
	char err[128];
	db = db_make(specs, n, lim, kind, hs, NULL, NULL, NULL, err, sizeof err);
	if (db == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (kind[i] != D_REJECTED)
			continue;
		char why[WHY_MAX + 1];
		size_t wl = (size_t)get_u(d + why_at[i] - 2, 2);
		memcpy(why, d + why_at[i], wl);
		why[wl] = '\0';
		if (rejected != NULL)
			rejected(i, why, ud);
	}
out:
	free(kind);
	free(why_at);
	return db;
}

static bool
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Write db's cache file to path, atomically; false when it could not. */
static bool
store_cache(const struct sa_db *db, const struct record *rec, size_t n, const char *dir,
    const char *key, const char *path)
{
	/* the decisions */
	size_t dlen = 0;
	for (size_t i = 0; i < n; i++) {
		dlen++;
		if (rec->kind[i] == D_REJECTED) {
			if (rec->why[i] == NULL)
				return false;
			size_t wl = strlen(rec->why[i]);
			dlen += 2 + (wl > WHY_MAX ? WHY_MAX : wl);
		}
	}
	char *ser = NULL;
	size_t hlen = 0;
	if (db->hs != NULL && hs_serialize_database(db->hs, &ser, &hlen) != HS_SUCCESS)
		return false;
	if (CACHE_HEAD + dlen + hlen > CACHE_MAX) {
		free(ser);
		return false;
	}
	uint8_t *buf = malloc(CACHE_HEAD + dlen + hlen);
	if (buf == NULL) {
		free(ser);
		return false;
	}
	uint8_t *d = buf + CACHE_HEAD;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		d[at++] = rec->kind[i];
		if (rec->kind[i] == D_REJECTED) {
			size_t wl = strlen(rec->why[i]);
			if (wl > WHY_MAX)
				wl = WHY_MAX;
			put_u(d + at, wl, 2);
			memcpy(d + at + 2, rec->why[i], wl);
			at += 2 + wl;
		}
	}
	if (hlen > 0)
		memcpy(d + dlen, ser, hlen);
	free(ser);
	memcpy(buf, CACHE_MAGIC, 8);
	put_u(buf + 8, CACHE_FORMAT, 4);
	memcpy(buf + 12, key, 64);
	put_u(buf + 76, n, 8);
	put_u(buf + 84, dlen, 8);
	put_u(buf + 92, hlen, 8);
	sha256(d, dlen, d + dlen, hlen, buf + 100);

	bool ok = false;
	char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, key);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0) {
		ok = fchmod(fd, 0600) == 0 && write_all(fd, buf, CACHE_HEAD + dlen + hlen) &&
		    fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp, path) == 0;
		if (!ok)
			unlink(tmp);
		else {
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);	/* the rename itself */
				close(dfd);
			}
		}
	}
	g_free(tmp);
	free(buf);
	return ok;
}

struct sa_db *
sa_db_new_cached(const struct sa_re_spec *specs, size_t n, const struct sa_match_limits *lim,
    const char *cache_dir, sa_reject_fn rejected, void *ud, bool *from_cache, char *err,
    size_t errlen)
{
	if (from_cache != NULL)
		*from_cache = false;
	if (cache_dir == NULL || cache_dir[0] == '\0')
		return sa_db_new_limits(specs, n, lim, rejected, ud, err, errlen);
	if (hs_valid_platform() != HS_SUCCESS) {
		say(err, errlen, "Hyperscan: this CPU lacks SSSE3");
		return NULL;
	}
	char key[65];
	sa_db_key(specs, n, lim, key);
	char *path = g_strdup_printf("%s/%s.hsdb", cache_dir, key);

	size_t len = 0;
	uint8_t *b = read_cache(path, CACHE_MAX, &len);
	if (b != NULL) {
		struct sa_db *db = load_cache(b, len, key, specs, n, lim, rejected, ud);
		free(b);
		if (db != NULL) {
			g_free(path);
			if (from_cache != NULL)
				*from_cache = true;
			return db;
		}
		unlink(path);	/* not valid: compiled again below */
	}

	struct record rec = { 0 };
	rec.kind = calloc(n ? n : 1, 1);
	rec.why = calloc(n ? n : 1, sizeof *rec.why);
	struct sa_db *db = NULL;
	if (rec.kind == NULL || rec.why == NULL) {
		say(err, errlen, "out of memory");
		goto out;
	}
	db = db_make(specs, n, lim, NULL, NULL, rejected, ud, &rec, err, errlen);
	if (db != NULL) {
		struct stat sb;
		if (stat(cache_dir, &sb) != 0 && errno == ENOENT)
			(void)mkdir(cache_dir, 0700);
		(void)store_cache(db, &rec, n, cache_dir, key, path);
	}
out:
	if (rec.why != NULL)
		for (size_t i = 0; i < n; i++)
			free(rec.why[i]);
	free(rec.why);
	free(rec.kind);
	g_free(path);
	return db;
}

