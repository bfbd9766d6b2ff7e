/*
 * test_sa_meta.c - SpamAssassin meta rule expressions (src/spam/sa_meta.c):
 * Perl's precedence and values (&& and || keep the deciding operand,
 * chained comparisons, ?:, ^, octal literals), SpamAssassin's tokens
 * (runs of + - digits and dots), undefined names and names read as 0,
 * syntax errors with their byte, division by zero (refused when every
 * rule 0 divides by zero, 0 at run time), the length and depth limits,
 * the dependencies, the evaluation order (chains, diamonds, a cycle, a
 * meta reading a cycle), and every meta rule of SpamAssassin's stock
 * rules (/usr/share/spamassassin, when installed).
 *
 * With --perl FILE (tests/sa/meta-perl.sh): the differential test, every
 * line of tests/sa/meta-perl.pl's output compared with sa_meta_eval().
 */
#include "test_helpers.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam/sa_meta.h"

/* Names a..z are rules 0..25; names starting "zero" read as 0; any other
 * name is undefined (-1). */
static int
letters(const char *name, size_t len, void *ud)
{
	(void)ud;
	if (len == 1 && name[0] >= 'a' && name[0] <= 'z')
		return name[0] - 'a';
	if (len >= 4 && memcmp(name, "zero", 4) == 0)
		return SA_META_ZERO;
	return -1;
}

static struct sa_meta *
compile_ok(const char *expr)
{
	char err[256];
	struct sa_meta *m = sa_meta_compile(expr, letters, NULL, err, sizeof err);
	if (m == NULL) {
		print_error("\"%s\" does not compile: %s\n", expr, err);
		fail();
	}
	return m;
}

/* The value of expr with a, b, c, d = the given hits (the rest 0). */
static double
val4(const char *expr, double a, double b, double c, double d)
{
	double hits[26] = { a, b, c, d };
	struct sa_meta *m = compile_ok(expr);
	double v = sa_meta_eval(m, hits);
	sa_meta_free(m);
	return v;
}

#define assert_val(expr, a, b, c, d, want) do { \
	double got_ = val4((expr), (a), (b), (c), (d)); \
	if (!(got_ == (want))) { \
		print_error("%s with a=%g b=%g c=%g d=%g: got %.17g, want %.17g\n", \
		    (expr), (double)(a), (double)(b), (double)(c), (double)(d), got_, (double)(want)); \
		fail(); \
	} \
} while (0)

/* Every name is the rule *(int *)ud. */
static int
fixed_index(const char *name, size_t len, void *ud)
{
	(void)name;
	(void)len;
	return *(const int *)ud;
}

/* compile fails and the message contains want */
static void
assert_refused(const char *expr, const char *want)
{
	char err[256];
	struct sa_meta *m = sa_meta_compile(expr, letters, NULL, err, sizeof err);
	if (m != NULL) {
		print_error("\"%s\" compiles, should fail with \"%s\"\n", expr, want);
		sa_meta_free(m);
		fail();
	}
	assert_contains(err, want);
}

static void
test_precedence(void **state)
{
	(void)state;
	/* && binds tighter than || */
	assert_val("a || b && c", 1, 0, 0, 0, 1);
	assert_val("(a || b) && c", 1, 0, 0, 0, 0);
	/* ! binds tighter than && */
	assert_val("!a && b", 0, 0, 0, 0, 0);
	assert_val("!(a && b)", 0, 0, 0, 0, 1);
	assert_val("!a + b", 0, 2, 0, 0, 3);
	/* + binds tighter than > */
	assert_val("a + b > 1", 2, 0, 0, 0, 1);
	assert_val("a + b > 1", 1, 0, 0, 0, 0);
	assert_val("(a + b + c) >= 2", 1, 0, 1, 0, 1);
	assert_val("(a + b + c) >= 2", 0, 0, 1, 0, 0);
	/* * and / before + and -, left to right */
	assert_val("a * 2 - b / 4", 3, 2, 0, 0, 5.5);
	assert_val("2 - 3 - a", 1, 0, 0, 0, -2);
	assert_val("a - b - c", 5, 2, 1, 0, 2);
	assert_val("a / 2 / 2", 8, 0, 0, 0, 2);
	/* unary minus binds tighter than * */
	assert_val("- a + 3", 1, 0, 0, 0, 2);
	assert_val("- a * 2", 1, 0, 0, 0, -2);
	assert_val("a - - b", 2, 1, 0, 0, 3);
	assert_val("a +- b", 2, 1, 0, 0, 1);
	assert_val("+ a", 2, 0, 0, 0, 2);
	assert_val("-a < -b", 2, 1, 0, 0, 1);
	assert_val("!!a", 2, 0, 0, 0, 1);
	assert_val("! ! a", 0, 0, 0, 0, 0);
	assert_val("!a == b", 0, 1, 0, 0, 1);
	/* Perl's || and && give the deciding operand */
	assert_val("a || b", 2, 1, 0, 0, 2);
	assert_val("a || b", 0, 2, 0, 0, 2);
	assert_val("a && b", 2, 3, 0, 0, 3);
	assert_val("a && b", 0, 3, 0, 0, 0);
	assert_val("(a || b) + c", 2, 0, 1, 0, 3);
	assert_val("(a && b) * 3", 1, 2, 0, 0, 6);
	assert_val("a > 1 && b < 2 || c == 0", 0, 0, 0, 0, 1);
	/* comparisons chain as in Perl >= 5.32 */
	assert_val("a < b < c", 1, 2, 1.5, 0, 0);
	assert_val("a < b < c", 1, 2, 3, 0, 1);
	assert_val("a < b <= c", 1, 2, 2, 0, 1);
	assert_val("a == b == c", 2, 2, 1, 0, 0);
	assert_val("a == b == c", 1, 1, 1, 0, 1);
	assert_val("a != b == c", 1, 2, 2, 0, 1);
	assert_val("a > b > c > d", 4, 3, 2, 1, 1);
	assert_val("a > b > c > d", 4, 3, 2, 2, 0);
	/* relational before equality: (a < b) == c */
	assert_val("a < b == c", 0, 1, 1, 0, 1);
	assert_val("a < b == c", 0, 1, 0, 0, 0);
	assert_val("a >= b != b >= c", 1, 1, 2, 0, 1);
	/* ?: lowest, right-associative */
	assert_val("a ? b : c", 1, 2, 3, 0, 2);
	assert_val("a ? b : c", 0, 2, 3, 0, 3);
	assert_val("a ? b : c ? 3 : 4", 0, 2, 0, 0, 4);
	assert_val("a ? b : c ? 3 : 4", 0, 2, 1, 0, 3);
	assert_val("(a ? b : c) + 1", 0, 0, 2, 0, 3);
	assert_val("a || b ? c : d", 0, 1, 5, 6, 5);
	/* ^ is Perl's integer xor, below == */
	assert_val("a ^ b", 1, 3, 0, 0, 2);
	assert_val("a ^ b ^ c", 1, 2, 4, 0, 7);
	assert_val("a == b ^ c", 1, 1, 1, 0, 0);
	assert_val("a ^ 0.5", 2.7, 0, 0, 0, 2);
	assert_val("- 1 ^ a", 0, 0, 0, 0, 18446744073709551615.0);
	/* numbers */
	assert_val("a * 0.5 >= 1", 2, 0, 0, 0, 1);
	assert_val("a * 0.5 >= 1", 1, 0, 0, 0, 0);
	assert_val("a + 0.25 * b", 1, 2, 0, 0, 1.5);
	assert_val("a > 010", 8, 0, 0, 0, 0);	/* octal, as Perl reads it */
	assert_val("a > 010", 9, 0, 0, 0, 1);
	assert_val("007 + a", 1, 0, 0, 0, 8);
	assert_val("(0)", 0, 0, 0, 0, 0);
	assert_val("((((a))))", 2, 0, 0, 0, 2);
	/* "meta FOO ()" declares a rule: 0 */
	assert_val("()", 0, 0, 0, 0, 0);
	assert_val(" ( ( ) ) ", 0, 0, 0, 0, 0);
}

static void
test_names(void **state)
{
	(void)state;
	assert_refused("a && __NOPE", "undefined rule __NOPE at byte 5");
	assert_refused("FOO_BAR", "undefined rule FOO_BAR at byte 0");
	/* read as 0, no dependency */
	assert_val("!zero_x", 0, 0, 0, 0, 1);
	assert_val("a + zeroes", 2, 0, 0, 0, 2);
	struct sa_meta *m = compile_ok("zero1 || b");
	size_t n;
	const int *d = sa_meta_deps(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(d[0], 1);
	sa_meta_free(m);
	/* a name of 128 bytes is the longest */
	char name[140];
	memset(name, 'z', sizeof name);
	memcpy(name, "zero", 4);
	name[128] = '\0';
	assert_val(name, 0, 0, 0, 0, 0);
	name[128] = 'z';
	name[129] = '\0';
	assert_refused(name, "rule name longer than 128 bytes at byte 0");
}

static void
test_syntax(void **state)
{
	(void)state;
	assert_refused("", "empty expression at byte 0");
	assert_refused("   ", "empty expression at byte 3");
	assert_refused("a &&", "syntax error: expected a rule name, a number, '(' or a unary "
	    "operator, found end of expression at byte 4");
	assert_refused("a & b", "syntax error: unexpected '&' at byte 2");
	assert_refused("a | b", "unexpected '|' at byte 2");
	assert_refused("a = b", "unexpected '=' at byte 2");
	assert_refused("a === b", "unexpected '=' at byte 4");
	assert_refused("a . b", "invalid token '.' ");
	assert_refused("a b", "syntax error: unexpected rule name at byte 2");
	assert_refused("a (b)", "unexpected '(' at byte 2");
	assert_refused("(a", "expected ')' (opened at byte 0), found end of expression at byte 2");
	assert_refused("a)", "unexpected ')' at byte 1");
	assert_refused("!", "found end of expression at byte 1");
	assert_refused("a ? b", "expected ':' of '?', found end of expression at byte 5");
	assert_refused("a ? b:c", "invalid token 'b:c'");
	assert_refused("a ** 2", "found '*' at byte 3");
	assert_refused("a % 2", "unexpected '%' at byte 2");
	assert_refused("$a", "unexpected '$' at byte 0");
	assert_refused("a::b", "invalid token 'a::b'");
	assert_refused("a \xc3\xa9", "unexpected byte 0xc3 at byte 2");
	/* SpamAssassin's tokens: a run of + - digits . is one */
	assert_refused("a > -1", "invalid token '-1' ");
	assert_refused("a+1", "invalid token '+1' ");
	assert_refused("a -1", "at byte 2");
	assert_refused(".5 + a", "invalid token '.5' ");
	assert_refused("1. + a", "invalid token '1.' ");
	assert_refused("a --b", "-- is Perl's increment or decrement at byte 2");
	assert_refused("a ++ b", "++ is Perl's increment or decrement at byte 2");
	assert_refused("08 + a", "invalid number '08' (Perl reads a leading 0 as octal) at byte 0");
	assert_refused("010.5 + a", "invalid number '010.5'");
	assert_refused("!()", "empty parentheses at byte 1");
	assert_refused("a + ()", "empty parentheses at byte 4");
	assert_refused("1A", "unexpected rule name at byte 1");
	/* no buffer for the message: still NULL */
	assert_null(sa_meta_compile("a &&", letters, NULL, NULL, 0));
	/* a short buffer: truncated, terminated */
	char small[8];
	assert_null(sa_meta_compile("a &&", letters, NULL, small, sizeof small));
	assert_int_equal(strlen(small), sizeof small - 1);
}

static void
test_division(void **state)
{
	(void)state;
	/* SpamAssassin's is_meta_valid(): every rule 0 must not divide by 0 */
	assert_refused("a / b", "division by zero possible");
	assert_refused("a / (b - b)", "division by zero possible");
	assert_refused("1 / zero_x", "division by zero possible");
	/* short-circuited when every rule is 0: accepted, 0 when it divides */
	assert_val("a && 1 / (b - 1)", 1, 1, 0, 0, 0);
	assert_val("a && 1 / (b - 1)", 1, 3, 0, 0, 0.5);
	assert_val("a && 1 / (b - 1)", 0, 1, 0, 0, 0);
	/* the whole rule does not hit, not just the division */
	assert_val("!(a && 1 / (b - 1))", 1, 1, 0, 0, 0);
	assert_val("!(a && 1 / (b - 1))", 1, 3, 0, 0, 0);
	assert_val("!(a && 1 / (b - 1))", 0, 1, 0, 0, 1);
	/* || does not evaluate the division when a decides */
	assert_val("a || 1 / (b - 1)", 1, 1, 0, 0, 1);
	assert_val("a || 1 / (b - 1)", 0, 1, 0, 0, 0);
	/* nor does a false link of a chain, nor the other branch of ?: */
	assert_val("a < b < 1 / c", 1, 0, 0, 0, 0);
	assert_val("!a ? 2 : 1 / c", 0, 0, 0, 0, 2);
	assert_val("!a ? 2 : 1 / c", 1, 0, 0, 0, 0);
	assert_val("!a ? 2 : 1 / c", 1, 0, 2, 0, 0.5);
	assert_refused("a ? 2 : 1 / c", "division by zero possible");
	assert_val("a ? 1 / c : 2", 1, 0, 0, 0, 0);
}

static void
test_limits(void **state)
{
	(void)state;
	/* SA_META_DEPTH_MAX levels of parentheses, not one more */
	for (int k = SA_META_DEPTH_MAX; k <= SA_META_DEPTH_MAX + 1; k++) {
		GString *s = g_string_new(NULL);
		for (int i = 0; i < k; i++)
			g_string_append_c(s, '(');
		g_string_append_c(s, 'a');
		for (int i = 0; i < k; i++)
			g_string_append_c(s, ')');
		if (k == SA_META_DEPTH_MAX)
			assert_val(s->str, 3, 0, 0, 0, 3);
		else
			assert_refused(s->str, "expression nested deeper than 256 at byte 257");
		g_string_free(s, TRUE);
	}
	/* the deepest value stack: a + (a + (a + ...)) */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < SA_META_DEPTH_MAX / 2; i++)
		g_string_append(s, "a + (");
	g_string_append_c(s, 'a');
	for (int i = 0; i < SA_META_DEPTH_MAX / 2; i++)
		g_string_append_c(s, ')');
	assert_val(s->str, 1, 0, 0, 0, SA_META_DEPTH_MAX / 2 + 1);
	g_string_free(s, TRUE);
	/* unary operators nest too */
	s = g_string_new(NULL);
	for (int i = 0; i < SA_META_DEPTH_MAX + 1; i++)
		g_string_append_c(s, '!');
	g_string_append_c(s, 'a');
	assert_refused(s->str, "expression nested deeper than 256");
	g_string_free(s, TRUE);
	/* a long flat sum is not deep: SA_META_LEN_MAX bytes, not one more */
	s = g_string_new("a");
	while (s->len + 4 <= SA_META_LEN_MAX)
		g_string_append(s, " + a");
	while (s->len < SA_META_LEN_MAX)
		g_string_append_c(s, ' ');
	assert_int_equal(s->len, SA_META_LEN_MAX);
	assert_val(s->str, 1, 0, 0, 0, (SA_META_LEN_MAX - 1) / 4 + 1);
	g_string_append_c(s, ' ');
	assert_refused(s->str, "expression longer than 16384 bytes");
	g_string_free(s, TRUE);
	/* a long chain of comparisons and of || */
	s = g_string_new("a");
	for (int i = 0; i < 1000; i++)
		g_string_append(s, " < b");
	assert_val(s->str, 1, 2, 0, 0, 0);
	g_string_free(s, TRUE);
	s = g_string_new("a");
	for (int i = 0; i < 1000; i++)
		g_string_append(s, " || b");
	assert_val(s->str, 0, 2, 0, 0, 2);
	g_string_free(s, TRUE);
}

static void
test_deps(void **state)
{
	(void)state;
	struct sa_meta *m = compile_ok("c + a + c + !b && a || zero_q || c");
	size_t n;
	const int *d = sa_meta_deps(m, &n);
	assert_int_equal(n, 3);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 1);
	assert_int_equal(d[2], 2);
	sa_meta_free(m);
	m = compile_ok("1 + 2");
	sa_meta_deps(m, &n);
	assert_int_equal(n, 0);
	sa_meta_free(m);
}

/* metas[i] computes rule rule[i] with expression ex[i] */
static size_t
order_of(const char *const *ex, const int *rule, size_t n, size_t *order)
{
	struct sa_meta *metas[16] = { 0 };
	assert_true(n <= G_N_ELEMENTS(metas));
	for (size_t i = 0; i < n; i++)
		metas[i] = compile_ok(ex[i]);
	size_t k = sa_meta_order(metas, rule, n, 26, order);
	for (size_t i = 0; i < n; i++)
		sa_meta_free(metas[i]);
	return k;
}

static size_t
pos_of(const size_t *order, size_t n, size_t i)
{
	for (size_t k = 0; k < n; k++)
		if (order[k] == i)
			return k;
	fail_msg("meta %zu missing from the order", i);
	return n;
}

static void
test_order(void **state)
{
	(void)state;
	size_t order[16];
	/* a chain: z reads y reads x reads a (a plain rule) */
	{
		const char *ex[] = { "y + 1", "x", "a" };
		const int rule[] = { 'z' - 'a', 'y' - 'a', 'x' - 'a' };
		assert_int_equal(order_of(ex, rule, 3, order), 3);
		assert_int_equal(order[0], 2);
		assert_int_equal(order[1], 1);
		assert_int_equal(order[2], 0);
	}
	/* a diamond: w reads u and v, both read t */
	{
		const char *ex[] = { "u && v", "t", "!t", "a || b" };
		const int rule[] = { 'w' - 'a', 'u' - 'a', 'v' - 'a', 't' - 'a' };
		assert_int_equal(order_of(ex, rule, 4, order), 4);
		assert_int_equal(order[0], 3);
		assert_true(pos_of(order, 4, 0) > pos_of(order, 4, 1));
		assert_true(pos_of(order, 4, 0) > pos_of(order, 4, 2));
		assert_int_equal(order[3], 0);
	}
	/* a cycle p -> q -> p, r reads the cycle, s beside it, t reads r:
	 * s alone is ordered; the rest, ascending, are left */
	{
		const char *ex[] = { "q + a", "p", "a && q", "b", "r || s" };
		const int rule[] = { 'p' - 'a', 'q' - 'a', 'r' - 'a', 's' - 'a', 't' - 'a' };
		assert_int_equal(order_of(ex, rule, 5, order), 1);
		assert_int_equal(order[0], 3);
		assert_int_equal(order[1], 0);
		assert_int_equal(order[2], 1);
		assert_int_equal(order[3], 2);
		assert_int_equal(order[4], 4);
	}
	/* a meta reading itself */
	{
		const char *ex[] = { "m + 1", "a" };
		const int rule[] = { 'm' - 'a', 'n' - 'a' };
		assert_int_equal(order_of(ex, rule, 2, order), 1);
		assert_int_equal(order[0], 1);
		assert_int_equal(order[1], 0);
	}
	/* a rule two metas compute: its reader waits for both */
	{
		const char *ex[] = { "x", "a", "b" };
		const int rule[] = { 'y' - 'a', 'x' - 'a', 'x' - 'a' };
		assert_int_equal(order_of(ex, rule, 3, order), 3);
		assert_int_equal(order[2], 0);
	}
	/* nothing to order */
	assert_int_equal(sa_meta_order(NULL, NULL, 0, 0, order), 0);
	/* a long chain: iterative, no recursion; meta at computes rule
	 * N - at from rule N - at - 1, so the order is backwards */
	{
		enum { N = 20000 };
		struct sa_meta **metas = g_new(struct sa_meta *, N);
		int *rule = g_new(int, N);
		size_t *ord = g_new(size_t, N);
		for (size_t at = 0; at < N; at++) {
			int prev = (int)(N - at - 1);
			rule[at] = prev + 1;
			metas[at] = sa_meta_compile("prev", fixed_index, &prev, NULL, 0);
			assert_non_null(metas[at]);
		}
		assert_int_equal(sa_meta_order(metas, rule, N, N + 1, ord), N);
		for (size_t k = 0; k < N; k++)
			assert_int_equal(ord[k], N - 1 - k);
		/* close it into a cycle: the last meta (rule 1) reads rule N,
		 * the first's: nothing can be ordered */
		sa_meta_free(metas[N - 1]);
		int last = N;
		metas[N - 1] = sa_meta_compile("last", fixed_index, &last, NULL, 0);
		assert_int_equal(sa_meta_order(metas, rule, N, N + 1, ord), 0);
		for (size_t k = 0; k < N; k++)
			assert_int_equal(ord[k], k);
		for (size_t at = 0; at < N; at++)
			sa_meta_free(metas[at]);
		g_free(metas);
		g_free(rule);
		g_free(ord);
	}
}

/* Every name is a rule: its index in a table of names. */
static int
any_name(const char *name, size_t len, void *ud)
{
	GHashTable *h = ud;
	char *k = g_strndup(name, len);
	gpointer v;
	if (g_hash_table_lookup_extended(h, k, NULL, &v)) {
		g_free(k);
		return GPOINTER_TO_INT(v);
	}
	int idx = (int)g_hash_table_size(h);
	g_hash_table_insert(h, k, GINT_TO_POINTER(idx));
	return idx;
}

#define STOCK_DIR "/usr/share/spamassassin"

/* Every "meta NAME EXPR" line of SpamAssassin's stock rules compiles and
 * evaluates (with every rule hit once) without a division by zero. */
static void
test_stock_rules(void **state)
{
	(void)state;
	DIR *dir = opendir(STOCK_DIR);
	if (dir == NULL) {
		print_message("%s: %s, skipped\n", STOCK_DIR, strerror(errno));
		skip();
	}
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	size_t files = 0, metas = 0, failed = 0, hit = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		size_t nl = strlen(de->d_name);
		if (nl < 4 || strcmp(de->d_name + nl - 3, ".cf") != 0)
			continue;
		char *path = g_build_filename(STOCK_DIR, de->d_name, NULL);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		files++;
		char line[SA_META_LEN_MAX + 256];
		while (fgets(line, sizeof line, f) != NULL) {
			char *hash = strchr(line, '#');
			if (hash != NULL)
				*hash = '\0';
			char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (strncmp(p, "meta", 4) != 0 || (p[4] != ' ' && p[4] != '\t'))
				continue;
			p += 4;
			while (*p == ' ' || *p == '\t')
				p++;
			char *name = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
			if (p == name)
				continue;
			size_t namelen = (size_t)(p - name);
			char *expr = g_strstrip(g_strdup(p));
			char err[256];
			struct sa_meta *m = sa_meta_compile(expr, any_name, names, err, sizeof err);
			metas++;
			if (m == NULL) {
				print_error("%s: meta %.*s %s: %s\n", de->d_name, (int)namelen, name,
				    expr, err);
				failed++;
			} else {
				size_t n;
				sa_meta_deps(m, &n);
				double *hits = g_new(double, g_hash_table_size(names) + 1);
				for (size_t i = 0; i <= g_hash_table_size(names); i++)
					hits[i] = 1;
				if (sa_meta_eval(m, hits) != 0)
					hit++;
				g_free(hits);
				sa_meta_free(m);
			}
			g_free(expr);
		}
		fclose(f);
		g_free(path);
	}
	closedir(dir);
	print_message("%s: %zu files, %zu meta rules, %zu compile, %zu hit with every "
	    "rule 1, %u names\n", STOCK_DIR, files, metas, metas - failed, hit,
	    g_hash_table_size(names));
	g_hash_table_destroy(names);
	assert_int_equal(failed, 0);
	assert_true(metas > 500);
}

/* --perl FILE: tests/sa/meta-perl.pl's lines against sa_meta_eval(). */
struct assign {
	char **names;
	double *vals;
	size_t n;
};

static int
assigned(const char *name, size_t len, void *ud)
{
	const struct assign *a = ud;
	for (size_t i = 0; i < a->n; i++)
		if (strlen(a->names[i]) == len && memcmp(a->names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static int
perl_diff(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t pairs = 0, agree = 0, dies = 0, valid = 0, valid_agree = 0, refused_on_purpose = 0;
	GHashTable *rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		char **fl = g_strsplit(line, "\t", 0);
		guint nf = g_strv_length(fl);
		char err[256];
		if (nf == 4 && strcmp(fl[0], "V") == 0) {
			bool sa_ok = strcmp(fl[2], "1") == 0;
			bool refuse = strcmp(fl[3], "refuse") == 0;
			GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
			struct sa_meta *m = sa_meta_compile(fl[1], any_name, h, err, sizeof err);
			bool ok = m != NULL;
			valid++;
			if (refuse) {
				refused_on_purpose++;
				if (!ok)
					valid_agree++;
				else
					fprintf(stderr, "DIFF: %s: compiles, refused on purpose\n", fl[1]);
			} else if (ok == sa_ok) {
				valid_agree++;
			} else {
				fprintf(stderr, "DIFF: %s: SpamAssassin %s it, sa_meta_compile %s (%s)\n",
				    fl[1], sa_ok ? "accepts" : "refuses", ok ? "accepts" : "refuses",
				    ok ? "" : err);
			}
			sa_meta_free(m);
			g_hash_table_destroy(h);
		} else if (nf == 5 && strcmp(fl[0], "E") == 0) {
			char **kv = g_strsplit(fl[3], " ", 0);
			guint nkv = g_strv_length(kv);
			struct assign a = {
				.names = g_new0(char *, nkv + 1), .vals = g_new0(double, nkv + 1),
			};
			for (guint i = 0; i < nkv; i++) {
				char *eq = strchr(kv[i], '=');
				if (eq == NULL)
					continue;
				*eq = '\0';
				a.names[a.n] = kv[i];
				a.vals[a.n++] = g_ascii_strtod(eq + 1, NULL);
			}
			pairs++;
			g_hash_table_add(rules, g_strdup(fl[1]));
			struct sa_meta *m = sa_meta_compile(fl[2], assigned, &a, err, sizeof err);
			if (m == NULL) {
				fprintf(stderr, "DIFF: %s: %s: does not compile: %s\n", fl[1], fl[2], err);
			} else {
				double got = sa_meta_eval(m, a.vals);
				bool die = strcmp(fl[4], "DIE") == 0;
				double want = die ? 0 : g_ascii_strtod(fl[4], NULL);
				dies += die;
				if (got == want || (isnan(got) && isnan(want)))
					agree++;
				else
					fprintf(stderr, "DIFF: %s: %s with %s: SpamAssassin %s, "
					    "sa_meta_eval %.17g\n", fl[1], fl[2], fl[3], fl[4], got);
				sa_meta_free(m);
			}
			g_free(a.names);
			g_free(a.vals);
			g_strfreev(kv);
		} else {
			fprintf(stderr, "%s: bad line: %s\n", path, line);
			pairs++;
		}
		g_strfreev(fl);
	}
	free(line);
	fclose(f);
	printf("meta differential: %zu (expression, hits) pairs over %u rules, %zu agree "
	    "(%zu where Perl dies on a division by zero); %zu expressions accepted or "
	    "refused alike %zu (of them %zu refused on purpose)\n",
	    pairs, g_hash_table_size(rules), agree, dies, valid, valid_agree, refused_on_purpose);
	g_hash_table_destroy(rules);
	return pairs >= 500 && agree == pairs && valid_agree == valid ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--perl") == 0)
		return perl_diff(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_division),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_deps),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_stock_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
