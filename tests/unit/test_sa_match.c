/*
 * test_sa_match.c - SpamAssassin's patterns on Hyperscan and PCRE2
 * (src/spam/sa_match.c): each modifier, Perl's x-mode stripping and the
 * other rewritings, a back-reference and a lookahead (Hyperscan's
 * prefilter matches, PCRE2 does not), counting as Perl's m//g with
 * maxhits, refusals with their reason, the empty database, two databases
 * on one scratch, and a catastrophic pattern stopped by the match limit.
 *
 * With --oracle RULEDIR CORPUSDIR N: every body/rawbody/uri/full/header
 * pattern of the .cf files of RULEDIR against the first N ham and N spam messages of
 * CORPUSDIR, compared with Perl's own matches and counts
 * (tests/support/sa_match_oracle.pl); exit 77 when a directory is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spam/sa_match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define NHITS 16

struct rej {
	size_t n;
	size_t idx[8];
	char why[8][256];
};

static void
on_reject(size_t i, const char *why, void *ud)
{
	struct rej *r = ud;
	if (r->n < 8) {
		r->idx[r->n] = i;
		snprintf(r->why[r->n], sizeof r->why[0], "%s", why);
	}
	r->n++;
}

/* One pattern in a database of its own; its id is 0. */
static struct sa_db *
one(const char *re, const char *flags, bool count, unsigned maxhits)
{
	struct sa_re_spec s = { .id = 0, .re = re, .flags = flags, .count = count,
		.maxhits = maxhits };
	char err[256] = "";
	struct sa_db *db = sa_db_new(&s, 1, NULL, NULL, err, sizeof err);
	if (db == NULL)
		print_error("sa_db_new: %s\n", err);
	assert_non_null(db);
	return db;
}

/* hits[0] of db on text (a fresh scratch, zeroed hits) */
static uint32_t
scan1(struct sa_db *db, const char *text)
{
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	assert_non_null(s);
	uint32_t hits[NHITS] = { 0 };
	assert_true(sa_db_scan(db, s, text, strlen(text), hits));
	sa_scratch_free(s);
	return hits[0];
}

/* Whether re/flags matches text (and the same through a fresh db). */
static uint32_t
match(const char *re, const char *flags, const char *text)
{
	struct sa_db *db = one(re, flags, false, 0);
	uint32_t h = scan1(db, text);
	sa_db_free(db);
	return h;
}

static struct sa_db_stats
stats_of(const char *re, const char *flags)
{
	struct sa_db *db = one(re, flags, false, 0);
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	sa_db_free(db);
	return st;
}

static void
test_modifiers(void **state)
{
	(void)state;
	assert_int_equal(match("foo", "", "a FOO b"), 0);
	assert_int_equal(match("foo", "i", "a FOO b"), 1);
	assert_int_equal(match("a.b", "", "a\nb"), 0);
	assert_int_equal(match("a.b", "s", "a\nb"), 1);
	assert_int_equal(match("^b$", "", "a\nb\nc"), 0);
	assert_int_equal(match("^b$", "m", "a\nb\nc"), 1);
	assert_int_equal(match("^B.$", "ism", "a\nb\n\nc"), 1);
	assert_int_equal(match("a b # the comment\n c", "x", "abc"), 1);
	assert_int_equal(match("a b # the comment\n c", "x", "a b c"), 0);
	assert_int_equal(match("a b", "", "a b"), 1);
	/* Perl's $ without m: at the end or before a final newline only */
	assert_int_equal(match("b$", "", "ab\n"), 1);
	assert_int_equal(match("b$", "", "ab\nc"), 0);
	assert_int_equal(match("b\\z", "", "ab\n"), 0);
	assert_int_equal(match("b\\Z", "", "ab\n"), 1);
	/* octets: /i folds ASCII only, \w is ASCII, as Perl's /d on bytes */
	assert_int_equal(match("\xc3\xa9", "i", "\xc3\x89"), 0);
	assert_int_equal(match("^\\w+$", "", "caf\xc3\xa9"), 0);
	assert_int_equal(match("(?i)foo", "", "FOO"), 1);
	/* each of these is exact in Hyperscan */
	struct sa_db_stats st = stats_of("a b # c\n d", "xism");
	assert_int_equal(st.exact, 1);
	assert_int_equal(st.rejected, 0);
}

static void
test_other_modifiers_refused(void **state)
{
	(void)state;
	const char *bad[] = { "g", "o", "e", "ig", "p", "a", "u", "xx", "i " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sa_re_spec s = { .id = 3, .re = "foo", .flags = bad[i] };
		struct rej r = { 0 };
		char err[128];
		struct sa_db *db = sa_db_new(&s, 1, on_reject, &r, err, sizeof err);
		assert_non_null(db);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.idx[0], 0);
		assert_non_null(strstr(r.why[0], "not supported"));
		struct sa_db_stats st;
		sa_db_stats(db, &st);
		assert_int_equal(st.rejected, 1);
		assert_int_equal(st.exact + st.prefiltered + st.pcre_only, 0);
		sa_db_free(db);
	}
}

static void
expect_translation(const char *re, const char *flags, const char *want, unsigned want_mods)
{
	char why[128] = "";
	unsigned mods = 99;
	char *got = sa_re_translate(re, flags, 0, &mods, why, sizeof why);
	if (got == NULL || strcmp(got, want) != 0)
		print_error("%s /%s: got \"%s\" (%s), want \"%s\"\n", re, flags,
		    got ? got : "(null)", why, want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(mods, want_mods);
	free(got);
}

static void
test_translate(void **state)
{
	(void)state;
	/* x: blanks and comments go, not in a class nor after a backslash */
	expect_translation("a b # c\n d\te", "x", "abde", 0);
	expect_translation("[a #]b # c", "x", "[a #]b", 0);
	expect_translation("[] #]x", "x", "[] #]x", 0);
	expect_translation("[^] #] x", "x", "[^] #]x", 0);
	expect_translation("[[:alpha:] ]+ z", "x", "[[:alpha:] ]+z", 0);
	expect_translation("\\ a\\#b", "x", "\\ a\\#b", 0);
	expect_translation("a +", "xi", "a+", SA_MOD_CASELESS);
	expect_translation("(?# a comment ) b", "x", "(?# a comment )b", 0);
	/* the end of an escape stays its end */
	expect_translation("\\x4 1", "x", "\\x4(?:)1", 0);
	expect_translation("(a)\\1 0", "x", "(a)\\1(?:)0", 0);
	expect_translation("\\cX y", "x", "\\cX(?:)y", 0);
	/* Perl's 0x85 (NEL) is /x whitespace on a byte pattern, VT too */
	expect_translation("a\x85\vb", "x", "ab", 0);
	/* without x nothing goes */
	expect_translation("a b # c", "", "a b # c", 0);
	/* x switched inline: left to PCRE2's extended mode */
	expect_translation("a (?-x: b ) c", "x", "a (?-x: b ) c", SA_MOD_EXTENDED);
	/* Perl 5.34's {,n} and blanks in braces */
	expect_translation("a{,3}b", "", "a{0,3}b", 0);
	expect_translation("a{ 1 , 2 }", "", "a{1,2}", 0);
	expect_translation("a{2,}", "ms", "a{2,}", SA_MOD_DOTALL | SA_MOD_MULTILINE);
	expect_translation("a{,}", "", "a{,}", 0);
	expect_translation("%{NAME}", "", "%{NAME}", 0);
	expect_translation("[{,3}]", "", "[{,3}]", 0);
	expect_translation("\\x{41}{,2}", "", "\\x{41}{0,2}", 0);
	assert_int_equal(match("^a{,2}$", "", "aa"), 1);
	assert_int_equal(match("^a{,2}$", "", "aaa"), 0);
	assert_int_equal(match("^a{,2}$", "", "a{,2}"), 0);
	assert_int_equal(match("^\\x{41}$", "", "A"), 1);

	char why[160];
	unsigned mods;
	assert_null(sa_re_translate("a\\Qb\\E", "", 0, &mods, why, sizeof why));
	assert_non_null(strstr(why, "\\Q"));
	assert_null(sa_re_translate("abcdef", "", 5, &mods, why, sizeof why));
	assert_non_null(strstr(why, "at most 5"));
}

static void
test_backreference(void **state)
{
	(void)state;
	struct sa_db_stats st = stats_of("\\b(\\w+) \\1\\b", "i");
	assert_int_equal(st.exact, 0);
	assert_int_equal(st.prefiltered + st.pcre_only, 1);
	/* the prefilter (\w+ \w+) matches both; PCRE2 only the first */
	assert_int_equal(match("\\b(\\w+) \\1\\b", "i", "say Hello hello there"), 1);
	assert_int_equal(match("\\b(\\w+) \\1\\b", "i", "say hello world"), 0);
}

static void
test_lookahead_prefilter(void **state)
{
	(void)state;
	struct sa_db_stats st = stats_of("foo(?!bar)", "");
	assert_int_equal(st.prefiltered, 1);
	assert_int_equal(st.exact + st.pcre_only, 0);
	assert_int_equal(match("foo(?!bar)", "", "a foobar b"), 0);
	assert_int_equal(match("foo(?!bar)", "", "a foobaz b"), 1);
	assert_int_equal(match("(?<=x)foo", "", "a yfoo"), 0);
	assert_int_equal(match("(?<=x)foo", "", "a xfoo"), 1);
	/* bounded repeats too heavy for Hyperscan's compiler: PCRE2 alone */
	st = stats_of("<a\\s(?:[^<]{0,1024}<[^>]{1,1024}>){0,99}x", "i");
	assert_int_equal(st.pcre_only, 1);
	st = stats_of("<a\\s(?:[^<]{0,1024}<[^>]{1,1024}>){0,9}x", "i");
	assert_int_equal(st.exact, 1);
	assert_int_equal(match("<a\\s(?:[^<]{0,1024}<[^>]{1,1024}>){0,99}x", "i", "<A <b>X"), 1);
	/* Hyperscan takes neither \K nor \R, even as a prefilter */
	st = stats_of("a\\Kb\\R", "");
	assert_int_equal(st.pcre_only, 1);
	assert_int_equal(match("a\\Kb\\R", "", "xab\r\n"), 1);
	assert_int_equal(match("a\\Kb\\R", "", "xab."), 0);
}

static uint32_t
count(const char *re, const char *flags, unsigned maxhits, const char *text, uint32_t before)
{
	struct sa_db *db = one(re, flags, true, maxhits);
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	assert_non_null(s);
	uint32_t hits[NHITS] = { before };
	assert_true(sa_db_scan(db, s, text, strlen(text), hits));
	sa_scratch_free(s);
	sa_db_free(db);
	return hits[0];
}

static void
test_counting(void **state)
{
	(void)state;
	assert_int_equal(count("a", "", 0, "aaaaa", 0), 5);
	assert_int_equal(count("a", "", 3, "aaaaa", 0), 3);
	assert_int_equal(count("a", "", 3, "aaaaa", 2), 3);	/* the sum is bounded */
	assert_int_equal(count("a", "", 3, "aaaaa", 3), 3);
	assert_int_equal(count("a", "", 0, "aaaaa", 2), 7);
	assert_int_equal(count("aa", "", 0, "aaaaa", 0), 2);	/* not overlapping */
	assert_int_equal(count("A", "i", 0, "bAaB", 0), 2);
	assert_int_equal(count("b", "", 0, "aaaa", 0), 0);
	/* empty matches as Perl counts them (perl -e '$c = () = ... =~ //g') */
	assert_int_equal(count("x*", "", 0, "abc", 0), 4);
	assert_int_equal(count("a?", "", 0, "aab", 0), 4);
	assert_int_equal(count("a*?", "", 0, "aaa", 0), 7);
	assert_int_equal(count("$", "m", 0, "a\nb\n", 0), 3);
	assert_int_equal(count("$", "", 0, "ab\n", 0), 2);
	assert_int_equal(count("\\b", "", 0, "xyxy", 0), 2);
	/* a prefiltered counting pattern: only PCRE2's matches count */
	assert_int_equal(count("o(?!x)", "", 0, "oxoyoo", 0), 3);
	/* a pattern that does not count is at least 1 */
	struct sa_db *db = one("a", "", false, 0);
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	uint32_t hits[NHITS] = { 0 };
	assert_true(sa_db_scan(db, s, "aaa", 3, hits));
	assert_int_equal(hits[0], 1);
	hits[0] = 5;
	assert_true(sa_db_scan(db, s, "aaa", 3, hits));
	assert_int_equal(hits[0], 5);
	sa_scratch_free(s);
	sa_db_free(db);
}

static void
test_invalid(void **state)
{
	(void)state;
	struct sa_re_spec specs[] = {
		{ .id = 0, .re = "good", .flags = "" },
		{ .id = 1, .re = "a(b", .flags = "" },
		{ .id = 2, .re = "x\\x{100}", .flags = "" },
		{ .id = 3, .re = "(*UTF)x", .flags = "" },
		{ .id = 4, .re = "(?{ 1 })x", .flags = "" },
		{ .id = 5, .re = NULL, .flags = "" },
	};
	struct rej r = { 0 };
	char err[128];
	struct sa_db *db = sa_db_new(specs, 6, on_reject, &r, err, sizeof err);
	assert_non_null(db);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.idx[0], 1);
	assert_non_null(strstr(r.why[0], "PCRE2: missing closing parenthesis at offset 3"));
	assert_int_equal(r.idx[1], 2);
	assert_non_null(strstr(r.why[1], "PCRE2: "));
	assert_int_equal(r.idx[2], 3);
	assert_non_null(strstr(r.why[2], "PCRE2: "));
	assert_int_equal(r.idx[3], 4);
	assert_int_equal(r.idx[4], 5);
	assert_string_equal(r.why[4], "no pattern");
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	assert_int_equal(st.rejected, 5);
	assert_int_equal(st.exact, 1);
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	uint32_t hits[NHITS] = { 0 };
	assert_true(sa_db_scan(db, s, "a good x", 8, hits));
	assert_int_equal(hits[0], 1);
	for (int i = 1; i < NHITS; i++)
		assert_int_equal(hits[i], 0);
	sa_scratch_free(s);
	sa_db_free(db);
}

static void
test_empty_db(void **state)
{
	(void)state;
	char err[128];
	struct sa_db *db = sa_db_new(NULL, 0, NULL, NULL, err, sizeof err);
	assert_non_null(db);
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	assert_int_equal(st.exact + st.prefiltered + st.pcre_only + st.rejected + st.bytes, 0);
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	assert_non_null(s);
	uint32_t hits[NHITS] = { 0 };
	assert_true(sa_db_scan(db, s, "anything", 8, hits));
	assert_true(sa_db_scan(db, s, "", 0, hits));
	for (int i = 0; i < NHITS; i++)
		assert_int_equal(hits[i], 0);
	sa_scratch_free(s);
	sa_db_free(db);
}

static void
test_shared_scratch(void **state)
{
	(void)state;
	struct sa_re_spec a[] = {
		{ .id = 0, .re = "foo", .flags = "" },
		{ .id = 1, .re = "ba[rz]", .flags = "i" },
	};
	struct sa_re_spec b[] = {
		{ .id = 2, .re = "(\\w)-\\1", .flags = "" },
		{ .id = 3, .re = "qu+x", .flags = "", .count = true, .maxhits = 10 },
		{ .id = 4, .re = "a\\Rb", .flags = "" },
		{ .id = 5, .re = "never", .flags = "" },
	};
	char err[128];
	struct sa_db *dbs[2];
	dbs[0] = sa_db_new(a, 2, NULL, NULL, err, sizeof err);
	dbs[1] = sa_db_new(b, 4, NULL, NULL, err, sizeof err);
	assert_non_null(dbs[0]);
	assert_non_null(dbs[1]);
	struct sa_db_stats st;
	sa_db_stats(dbs[1], &st);
	assert_int_equal(st.exact, 2);
	assert_int_equal(st.prefiltered, 1);
	assert_int_equal(st.pcre_only, 1);
	assert_true(st.bytes > 0);
	struct sa_scratch *s = sa_scratch_new(dbs, 2);
	assert_non_null(s);
	for (int round = 0; round < 3; round++) {
		uint32_t hits[NHITS] = { 0 };
		const char *t = "xfoo BAZ qux quuux a-b a\nb";
		assert_true(sa_db_scan(dbs[0], s, t, strlen(t), hits));
		assert_true(sa_db_scan(dbs[1], s, t, strlen(t), hits));
		uint32_t want[6] = { 1, 1, 0, 2, 1, 0 };
		for (int i = 0; i < 6; i++)
			assert_int_equal(hits[i], want[i]);
		memset(hits, 0, sizeof hits);
		assert_true(sa_db_scan(dbs[1], s, "a-a", 3, hits));
		assert_int_equal(hits[2], 1);
		assert_int_equal(hits[0] + hits[1] + hits[3] + hits[4] + hits[5], 0);
	}
	sa_scratch_free(s);
	sa_db_free(dbs[0]);
	sa_db_free(dbs[1]);
}

static void
test_match_limit(void **state)
{
	(void)state;
	struct sa_match_limits lim = sa_match_limits_default;
	lim.match_limit = 10000;
	/* counted, so PCRE2 runs from the start: (a+)+$ backtracks
	 * exponentially on the a's before '!' */
	struct sa_re_spec s = { .id = 0, .re = "(a+)+$", .flags = "", .count = true };
	char err[128];
	struct sa_db *db = sa_db_new_limits(&s, 1, &lim, NULL, NULL, err, sizeof err);
	assert_non_null(db);
	struct sa_scratch *sc = sa_scratch_new(&db, 1);
	const char *t = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!a";
	uint32_t hits[NHITS] = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(sa_db_scan(db, sc, t, strlen(t), hits));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(hits[0], 0);
	struct sa_db_stats st;
	sa_db_stats(db, &st);
	assert_int_equal(st.limit_hits, 1);
	assert_true((t1.tv_sec - t0.tv_sec) < 2);
	/* 2^40 steps: the default limits stop it as well */
	sa_scratch_free(sc);
	sa_db_free(db);
	db = sa_db_new(&s, 1, NULL, NULL, err, sizeof err);
	sc = sa_scratch_new(&db, 1);
	hits[0] = 0;
	assert_true(sa_db_scan(db, sc, t, strlen(t), hits));
	assert_int_equal(hits[0], 0);
	sa_db_stats(db, &st);
	assert_int_equal(st.limit_hits, 1);
	/* a text without the trap counts normally */
	assert_true(sa_db_scan(db, sc, "aa", 2, hits));
	assert_int_equal(hits[0], 1);
	sa_scratch_free(sc);
	sa_db_free(db);
}


/* ---- the compile cost bound ---- */

static void
test_hs_cost(void **state)
{
	(void)state;
	/* groups repeated add their copies; repeated classes do not */
	assert_int_equal(sa_re_hs_cost("abc"), 0);
	assert_int_equal(sa_re_hs_cost("a{1,80}b"), 0);
	assert_int_equal(sa_re_hs_cost("(?:ab){1,3}"), 4);
	/* ((3 positions x 3) + 1) x 2 unrolled, 3 + 1 as written */
	assert_int_equal(sa_re_hs_cost("(?:(?:ab|c){1,3}d){1,2}"), 20 - 4);
	/* the same answers with the bound as without, on its prefilter */
	const char *re = "(?:(?:foo|ba[rz])\\s?[,/]?\\s?){2,3}(?!x)end";
	const char *texts[] = { "foo bar end", "foo end", "bar,baz, foo end", "foobarfoobarend",
		"foo bar endx", "foo bar xend", "" };
	struct sa_match_limits tight = sa_match_limits_default, none = sa_match_limits_default;
	tight.hs_cost_max = 4;
	none.hs_cost_max = 0;
	struct sa_re_spec s = { .id = 0, .re = re, .flags = "i", .count = true };
	char err[128];
	struct sa_db *a = sa_db_new_limits(&s, 1, &tight, NULL, NULL, err, sizeof err);
	struct sa_db *b = sa_db_new_limits(&s, 1, &none, NULL, NULL, err, sizeof err);
	assert_non_null(a);
	assert_non_null(b);
	struct sa_db_stats sa, sb;
	sa_db_stats(a, &sa);
	sa_db_stats(b, &sb);
	assert_int_equal(sa.prefiltered, 1);	/* widened: never exact */
	assert_true(sb.exact + sb.prefiltered == 1);
	uint32_t want[] = { 1, 0, 1, 1, 1, 0, 0 };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_int_equal(scan1(a, texts[i]), want[i]);
		assert_int_equal(scan1(b, texts[i]), want[i]);
	}
	sa_db_free(a);
	sa_db_free(b);
}

/* ---- the count prefilter ---- */

/* Perl's count of re's matches in text (m//g) by PCRE2 alone; for a re
 * that may match the empty text, 1 when it matches */
static uint32_t
pcre_count(const char *re, bool caseless, const char *text)
{
	int ec;
	PCRE2_SIZE eoff;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    caseless ? PCRE2_CASELESS : 0, &ec, &eoff, NULL);
	assert_non_null(c);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
	uint32_t n = 0;
	size_t off = 0, len = strlen(text);
	while (off <= len && pcre2_match(c, (PCRE2_SPTR)text, len, off, 0, md, NULL) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		n++;
		if (ov[1] == ov[0])
			break;
		off = ov[1];
	}
	pcre2_match_data_free(md);
	pcre2_code_free(c);
	return n;
}

/* A database of re with the compile cost bound at 1, so that a repeated
 * group makes Hyperscan's prefilter of the whole lose its bounds */
static struct sa_db *
one_tight(const char *re, const char *flags, bool count, struct sa_db_stats *st)
{
	struct sa_match_limits lim = sa_match_limits_default;
	lim.hs_cost_max = 1;
	struct sa_re_spec s = { .id = 0, .re = re, .flags = flags, .count = count };
	char err[256] = "";
	struct sa_db *db = sa_db_new_limits(&s, 1, &lim, NULL, NULL, err, sizeof err);
	if (db == NULL)
		print_error("sa_db_new_limits: %s\n", err);
	assert_non_null(db);
	sa_db_stats(db, st);
	return db;
}

static void
test_count_prefilter(void **state)
{
	(void)state;
	static const struct {
		const char *re;
		bool caseless;
		bool counted;	/* the count prefilter applies */
		bool empty;	/* may match the empty text: whether it matches */
	} pats[] = {
		{ "(?:ab|cd){3}", false, true, false },
		{ "(?:ab|cd){3,}", false, true, false },
		{ "(?:ab|cd){2,4}", false, true, false },
		{ "(?:ab|cd){3}?", false, true, false },
		{ "(ab|cd){3}", false, true, false },
		{ "(?i:ab|cd){3}", false, true, false },
		{ "(?i)(?:ab|cd){3}", false, true, false },
		{ "(?:ab|cd){3}", true, true, false },
		{ "(?:x?ab(?=[a-z])|cd\\b){3}", false, true, false },
		{ "(?:aaa){2}", false, true, false },	/* ends 3 apart at least */
		{ "(?:[a-d][^a-d]{1,3}){3}", false, true, false },
		/* G may match the empty text: not counted */
		{ "(?:(?:ab)?(?:cd)?){3}", false, false, true },
		{ "(?:ab|cd|x*){3}", false, false, true },
		/* not the whole pattern, or G not alone */
		{ "(?:ab|cd){3}x", false, false, false },
		{ "x(?:ab|cd){3}", false, false, false },
		{ "(?:ab|cd){3}|zz", false, false, false },
		{ "(?:ab|cd){1}", false, false, false },
		{ "(?:ab|cd)+", false, false, false },
		{ "(?:(a)\\1|cd){3}", false, false, false },
		{ "(?:(?(?=a)ab|cd)){3}", false, false, false },
		{ "(?:ab\\K|cd){3}", false, false, true },	/* its matches may be empty */
	};
	static const char *texts[] = {
		"", "ab", "abcd", "ab cd ab", "abcdab", "xabcdab", "AbCdAB", "cdcdcdcd",
		"ab ab ab ab", "abcdabcdabcd", "abcdab cdabab", "aaaa", "aaaaa", "aaaaaa",
		"aaaaaaaaaaaaa", "a. b.. c... d", "a.b.c", "xab ab xab", "abababx", "abababab",
	};
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		for (int count = 0; count < (pats[i].empty ? 1 : 2); count++) {
			struct sa_db_stats st;
			struct sa_db *db = one_tight(pats[i].re, pats[i].caseless ? "i" : "",
			    count, &st);
			if (st.counted != (pats[i].counted ? 1u : 0u))
				print_error("%s: counted %zu\n", pats[i].re, st.counted);
			assert_int_equal(st.counted, pats[i].counted ? 1 : 0);
			for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
				uint32_t got = scan1(db, texts[t]);
				uint32_t want = pcre_count(pats[i].re, pats[i].caseless, texts[t]);
				if (!count && want > 1)
					want = 1;
				if (got != want)
					print_error("%s on \"%s\": %u, PCRE2 %u\n", pats[i].re,
					    texts[t], got, want);
				assert_int_equal(got, want);
			}
			sa_db_free(db);
		}
	}
}

/* PCRE2 runs only on a text where G has enough matches, each text on its
 * own: seen through the match limit, which any run of PCRE2 reaches */
static void
test_count_prefilter_runs(void **state)
{
	(void)state;
	struct sa_match_limits lim = sa_match_limits_default;
	lim.hs_cost_max = 1;
	lim.match_limit = 1;
	struct sa_re_spec specs[] = {
		{ .id = 0, .re = "(?:ab|cd){3}", .flags = "" },
		{ .id = 1, .re = "(?:ab|cd){3}(?-x)", .flags = "x" },	/* PCRE2 alone */
	};
	char err[256] = "";
	struct sa_db *dbs[2];
	for (int k = 0; k < 2; k++) {
		dbs[k] = sa_db_new_limits(&specs[k], 1, &lim, NULL, NULL, err, sizeof err);
		assert_non_null(dbs[k]);
	}
	struct sa_scratch *s = sa_scratch_new(dbs, 2);
	assert_non_null(s);
	struct sa_db_stats st;
	sa_db_stats(dbs[0], &st);
	assert_int_equal(st.counted, 1);
	sa_db_stats(dbs[1], &st);
	assert_int_equal(st.counted, 0);
	assert_int_equal(st.pcre_only, 1);
	/* G twice, then twice again in another text: never 3 in one text */
	static const char *few[] = { "abab xxxxxxxx", "cdab yyyyyyyy", "xx abcd xx" };
	uint32_t hits[NHITS] = { 0 };
	for (size_t t = 0; t < 3; t++) {
		assert_true(sa_db_scan(dbs[0], s, few[t], strlen(few[t]), hits));
		assert_true(sa_db_scan(dbs[1], s, few[t], strlen(few[t]), hits));
	}
	sa_db_stats(dbs[0], &st);
	assert_int_equal(st.limit_hits, 0);
	sa_db_stats(dbs[1], &st);
	assert_int_equal(st.limit_hits, 3);	/* the probe: PCRE2 alone runs each time */
	/* 3 in one text (not together): PCRE2 runs */
	const char *t = "abcd xxxxxxx ab";
	assert_true(sa_db_scan(dbs[0], s, t, strlen(t), hits));
	sa_db_stats(dbs[0], &st);
	assert_int_equal(st.limit_hits, 1);
	assert_int_equal(hits[0], 0);
	sa_scratch_free(s);
	sa_db_free(dbs[0]);
	sa_db_free(dbs[1]);

	/* ends closer than G's shortest match count once: abcabcd ends
	 * G = abc|bcd at 3, 6 and 7: two copies, not three */
	specs[0].re = "(?:abc|bcd){3}";
	specs[1].re = "(?:abc|bcd){3}(?-x)";
	for (int k = 0; k < 2; k++) {
		dbs[k] = sa_db_new_limits(&specs[k], 1, &lim, NULL, NULL, err, sizeof err);
		assert_non_null(dbs[k]);
	}
	s = sa_scratch_new(dbs, 2);
	assert_non_null(s);
	t = "abcabcd xxxxxxx";
	for (int k = 0; k < 2; k++)
		assert_true(sa_db_scan(dbs[k], s, t, strlen(t), hits));
	sa_db_stats(dbs[0], &st);
	assert_int_equal(st.counted, 1);
	assert_int_equal(st.limit_hits, 0);
	sa_db_stats(dbs[1], &st);
	assert_int_equal(st.limit_hits, 1);
	sa_scratch_free(s);
	sa_db_free(dbs[0]);
	sa_db_free(dbs[1]);
}

/* ---- the disk cache ---- */

static char tmpdir[64];

static int
mk_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_sa_match.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* exact, prefiltered (a back-reference), PCRE2 alone (x switched inline),
 * refused twice (a modifier, PCRE2's syntax), counting, widened, the
 * count prefilter */
static const struct sa_re_spec cache_specs[] = {
	{ .id = 0, .re = "foo\\d+", .flags = "i" },
	{ .id = 1, .re = "(\\w)-\\1", .flags = "" },
	{ .id = 2, .re = "a (?-x) b", .flags = "x" },
	{ .id = 3, .re = "foo", .flags = "g" },
	{ .id = 4, .re = "ab(", .flags = "" },
	{ .id = 5, .re = "qu+x", .flags = "", .count = true, .maxhits = 3 },
	{ .id = 6, .re = "(?:(?:na|ba){1,3}\\s){2}man", .flags = "" },
	{ .id = 7, .re = "^never$", .flags = "m" },
	{ .id = 8, .re = "(?:(?:na|ba){1,3}\\s){2}", .flags = "", .count = true },
};
#define NCS (sizeof cache_specs / sizeof cache_specs[0])
static const char *cache_texts[] = {
	"FOO12 a-a qux quux quuux quuuux nana bana man",
	"a b\nnever\n",
	"ab nanananana bababa man x-y",
	"",
};
#define NCT (sizeof cache_texts / sizeof cache_texts[0])

struct outcome {
	struct rej rej;
	struct sa_db_stats st;
	uint32_t hits[NCT][NHITS];
	bool from_cache;
};

static bool
build_and_scan(const char *dir, const struct sa_match_limits *lim, struct outcome *o)
{
	char err[128];
	memset(o, 0, sizeof *o);
	struct sa_db *db = sa_db_new_cached(cache_specs, NCS, lim, dir, on_reject, &o->rej,
	    &o->from_cache, err, sizeof err);
	if (db == NULL)
		print_error("sa_db_new_cached: %s\n", err);
	assert_non_null(db);
	sa_db_stats(db, &o->st);
	struct sa_scratch *s = sa_scratch_new(&db, 1);
	assert_non_null(s);
	for (size_t t = 0; t < NCT; t++)
		assert_true(sa_db_scan(db, s, cache_texts[t], strlen(cache_texts[t]), o->hits[t]));
	sa_scratch_free(s);
	sa_db_free(db);
	return o->from_cache;
}

static void
same_outcome(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->rej.n, b->rej.n);
	for (size_t i = 0; i < a->rej.n && i < 8; i++) {
		assert_int_equal(a->rej.idx[i], b->rej.idx[i]);
		assert_string_equal(a->rej.why[i], b->rej.why[i]);
	}
	assert_int_equal(a->st.exact, b->st.exact);
	assert_int_equal(a->st.prefiltered, b->st.prefiltered);
	assert_int_equal(a->st.pcre_only, b->st.pcre_only);
	assert_int_equal(a->st.counted, b->st.counted);
	assert_int_equal(a->st.rejected, b->st.rejected);
	assert_int_equal(a->st.bytes, b->st.bytes);
	assert_memory_equal(a->hits, b->hits, sizeof a->hits);
}

static char *
cache_path(const char *dir, const struct sa_match_limits *lim)
{
	char key[65];
	sa_db_key(cache_specs, NCS, lim, key);
	size_t n = strlen(dir) + 80;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s.hsdb", dir, key);
	return p;
}

static void
test_cache_roundtrip(void **state)
{
	(void)state;
	struct sa_match_limits lim = sa_match_limits_default;
	lim.hs_cost_max = 4;	/* spec 6 widened */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/c1", tmpdir);
	struct outcome plain, first, second;

	/* without a cache: the reference */
	assert_false(build_and_scan(NULL, &lim, &plain));
	assert_false(build_and_scan("", &lim, &first));
	same_outcome(&plain, &first);
	assert_int_equal(plain.rej.n, 2);
	assert_int_equal(plain.rej.idx[0], 3);
	assert_int_equal(plain.rej.idx[1], 4);
	assert_int_equal(plain.st.exact, 3);	/* 0, 5, 7 */
	assert_int_equal(plain.st.prefiltered, 3);	/* 1, 6, 8 */
	assert_int_equal(plain.st.counted, 1);	/* 8 */
	assert_int_equal(plain.st.pcre_only, 1);	/* 2 */
	uint32_t want0[9] = { 1, 1, 1, 0, 0, 3, 1, 0, 1 };
	uint32_t want1[9] = { 0, 0, 1, 0, 0, 0, 0, 1, 0 };
	assert_memory_equal(plain.hits[0], want0, sizeof want0);
	assert_memory_equal(plain.hits[1], want1, sizeof want1);
	uint32_t want2[9] = { 0, 0, 1, 0, 0, 0, 1, 0, 1 };
	assert_memory_equal(plain.hits[2], want2, sizeof want2);

	/* compiled and written (the directory created 0700, the file 0600),
	 * then loaded */
	assert_false(build_and_scan(dir, &lim, &first));
	same_outcome(&plain, &first);
	struct stat sb;
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	char *path = cache_path(dir, &lim);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_true(build_and_scan(dir, &lim, &second));
	same_outcome(&plain, &second);
	assert_true(build_and_scan(dir, &lim, &second));

	/* other limits: another key, another file */
	struct sa_match_limits lim2 = lim;
	lim2.hs_cost_max = 0;
	assert_false(build_and_scan(dir, &lim2, &second));
	assert_true(build_and_scan(dir, &lim2, &second));
	assert_int_equal(second.st.prefiltered, 1);	/* 6 and 8 exact now */
	assert_int_equal(second.st.counted, 0);
	assert_memory_equal(plain.hits, second.hits, sizeof plain.hits);
	assert_true(build_and_scan(dir, &lim, &second));
	free(path);
}

static void
test_cache_key(void **state)
{
	(void)state;
	struct sa_re_spec s[2] = {
		{ .id = 0, .re = "foo", .flags = "i" },
		{ .id = 1, .re = "bar", .flags = "", .count = true, .maxhits = 2 },
	};
	char k0[65], k[65];
	sa_db_key(s, 2, NULL, k0);
	assert_int_equal(strlen(k0), 64);
	assert_true(strspn(k0, "0123456789abcdef") == 64);
	sa_db_key(s, 2, &sa_match_limits_default, k);
	assert_string_equal(k0, k);	/* NULL is the defaults */
	struct sa_re_spec t[2];
#define CHANGED(stmt) do { \
		memcpy(t, s, sizeof t); \
		stmt; \
		sa_db_key(t, 2, NULL, k); \
		assert_string_not_equal(k0, k); \
	} while (0)
	CHANGED(t[0].id = 2);
	CHANGED(t[0].re = "fo");
	CHANGED(t[0].flags = "");
	CHANGED(t[1].count = false);
	CHANGED(t[1].maxhits = 3);
	CHANGED((t[0].re = "foobar", t[1].re = ""));
#undef CHANGED
	sa_db_key(s, 1, NULL, k);
	assert_string_not_equal(k0, k);
	size_t fields[] = {
		offsetof(struct sa_match_limits, pattern_max),
		offsetof(struct sa_match_limits, jit_stack_max),
		offsetof(struct sa_match_limits, repeat_max),
		offsetof(struct sa_match_limits, hs_cost_max),
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct sa_match_limits l = sa_match_limits_default;
		*(size_t *)(void *)((char *)&l + fields[i]) += 1;
		sa_db_key(s, 2, &l, k);
		assert_string_not_equal(k0, k);
	}
	struct sa_match_limits l = sa_match_limits_default;
	l.match_limit++;
	sa_db_key(s, 2, &l, k);
	assert_string_not_equal(k0, k);
	l = sa_match_limits_default;
	l.heap_limit_kib++;
	sa_db_key(s, 2, &l, k);
	assert_string_not_equal(k0, k);
}

static unsigned char *
slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char *b = malloc(1 << 20);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

static void
spit_file(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	chmod(path, 0600);
}

static void
test_cache_corrupt(void **state)
{
	(void)state;
	const struct sa_match_limits *lim = &sa_match_limits_default;
	char dir[128];
	snprintf(dir, sizeof dir, "%s/c2", tmpdir);
	struct outcome ref, o;
	assert_false(build_and_scan(dir, lim, &ref));
	char *path = cache_path(dir, lim);
	size_t len;
	unsigned char *good = slurp_file(path, &len);
	assert_true(len > 200);
	unsigned char *bad = malloc(len + 16);

	/* truncated: recompiled (same answers), the file rewritten whole */
	size_t cuts[] = { 0, 1, 8, 75, 131, 132, 133, len / 2, len - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		spit_file(path, good, cuts[i]);
		assert_false(build_and_scan(dir, lim, &o));
		same_outcome(&ref, &o);
		size_t l2;
		unsigned char *again = slurp_file(path, &l2);
		assert_int_equal(l2, len);
		free(again);
	}
	/* one bit flipped: every header byte, then a spread over the rest */
	for (size_t at = 0; at < len; at += at < 132 ? 3 : len / 40 + 1) {
		memcpy(bad, good, len);
		bad[at] ^= (unsigned char)(1u << (at % 8));
		spit_file(path, bad, len);
		assert_false(build_and_scan(dir, lim, &o));
		same_outcome(&ref, &o);
	}
	/* bytes appended */
	memcpy(bad, good, len);
	memset(bad + len, 0, 16);
	spit_file(path, bad, len + 16);
	assert_false(build_and_scan(dir, lim, &o));
	/* another database's file under this key */
	struct sa_match_limits l2 = sa_match_limits_default;
	l2.repeat_max++;
	char *path2 = cache_path(dir, &l2);
	assert_false(build_and_scan(dir, &l2, &o));
	size_t len2;
	unsigned char *other = slurp_file(path2, &len2);
	spit_file(path, other, len2);
	assert_false(build_and_scan(dir, lim, &o));
	same_outcome(&ref, &o);
	/* a file others may write is not read (nor removed) */
	chmod(path, 0666);
	assert_false(build_and_scan(dir, lim, &o));
	chmod(path, 0600);
	assert_true(build_and_scan(dir, lim, &o));
	same_outcome(&ref, &o);
	free(other);
	free(path2);
	free(bad);
	free(good);
	free(path);
}

static void
test_cache_unwritable(void **state)
{
	(void)state;
	char file[128], dir[160];
	snprintf(file, sizeof file, "%s/plainfile", tmpdir);
	spit_file(file, (const unsigned char *)"x", 1);
	snprintf(dir, sizeof dir, "%s/cache", file);	/* under a file: never a directory */
	struct outcome ref, o;
	assert_false(build_and_scan(NULL, NULL, &ref));
	for (int i = 0; i < 2; i++) {
		assert_false(build_and_scan(dir, NULL, &o));
		same_outcome(&ref, &o);
	}
	/* the cache directory is a file itself */
	for (int i = 0; i < 2; i++) {
		assert_false(build_and_scan(file, NULL, &o));
		same_outcome(&ref, &o);
	}
}

/* ---- Perl as the oracle ---- */

static void
mark_reject(size_t i, const char *why, void *ud)
{
	bool *we_reject = ud;
	we_reject[i] = true;
	printf("oracle: refused pattern %zu: %s\n", i, why);
}

static int
oracle(const char *ruledir, const char *corpus, const char *nmsg)
{
	struct stat sb;
	if (stat(ruledir, &sb) != 0 || stat(corpus, &sb) != 0) {
		printf("oracle: %s or %s missing: skipped\n", ruledir, corpus);
		return 77;
	}
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "perl '%s' '%s' '%s' '%s' 50", MAMORI_SA_ORACLE, ruledir, corpus,
	    nmsg);
	FILE *f = popen(cmd, "r");
	if (f == NULL)
		return 1;
	size_t np = 0, cap = 0, nperl_ok = 0;
	struct sa_re_spec *bools = NULL, *counts = NULL;
	char **lines = NULL;
	bool *perl_ok = NULL;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	struct sa_db *db = NULL, *dbc = NULL;
	struct sa_scratch *s = NULL;
	uint32_t *hits = NULL, *hc = NULL;
	size_t nmsgs = 0, pairs = 0, agree = 0, count_agree = 0, count_pairs = 0;
	size_t perl_hits = 0, our_refusals = 0, both_refuse = 0, only_perl_refuses = 0;
	bool *we_reject = NULL;
	double scan_ns = 0;
	int rc = 0;

	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] == 'P') {
			if (np == cap) {
				cap = cap ? cap * 2 : 1024;
				bools = realloc(bools, cap * sizeof *bools);
				counts = realloc(counts, cap * sizeof *counts);
				lines = realloc(lines, cap * sizeof *lines);
				perl_ok = realloc(perl_ok, cap * sizeof *perl_ok);
			}
			lines[np] = strdup(line);
			char *ok = lines[np] + 2, *fl = strchr(ok, '\t');
			*fl++ = '\0';
			char *re = strchr(fl, '\t');
			*re++ = '\0';
			perl_ok[np] = ok[0] == '1';
			nperl_ok += perl_ok[np];
			bools[np] = (struct sa_re_spec){ .id = (unsigned)np, .re = re, .flags = fl };
			counts[np] = bools[np];
			counts[np].count = true;
			counts[np].maxhits = 50;
			np++;
			continue;
		}
		if (line[0] != 'M')
			continue;
		if (db == NULL) {
			/* all patterns are given: our refusals are compared too */
			we_reject = calloc(np ? np : 1, sizeof *we_reject);
			char err[256];
			struct timespec t0, t1;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
			db = sa_db_new(bools, np, mark_reject, we_reject, err, sizeof err);
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
			dbc = sa_db_new(counts, np, NULL, NULL, err, sizeof err);
			if (db == NULL || dbc == NULL) {
				printf("oracle: sa_db_new: %s\n", err);
				rc = 1;
				break;
			}
			struct sa_db_stats st;
			sa_db_stats(db, &st);
			printf("oracle: %zu patterns (%zu valid for Perl/SpamAssassin): exact %zu, "
			    "prefiltered %zu, pcre-only %zu, rejected %zu; compile %.0f ms CPU, "
			    "Hyperscan database %zu bytes\n", np, nperl_ok, st.exact,
			    st.prefiltered, st.pcre_only, st.rejected,
			    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, st.bytes);
			struct sa_db *both[2] = { db, dbc };
			s = sa_scratch_new(both, 2);
			hits = calloc(np ? np : 1, sizeof *hits);
			hc = calloc(np ? np : 1, sizeof *hc);
			for (size_t i = 0; i < np; i++) {
				our_refusals += we_reject[i];
				if (we_reject[i] && !perl_ok[i])
					both_refuse++;
				if (!we_reject[i] && !perl_ok[i])
					only_perl_refuses++;
				if (we_reject[i] && perl_ok[i])
					printf("oracle: we refuse what Perl takes: /%s/%s\n",
					    bools[i].re, bools[i].flags);
			}
		}
		char *path = line + 2, *rest = strchr(path, '\t');
		*rest++ = '\0';
		FILE *m = fopen(path, "rb");
		if (m == NULL)
			continue;
		fseek(m, 0, SEEK_END);
		long sz = ftell(m);
		fseek(m, 0, SEEK_SET);
		char *text = malloc((size_t)sz + 1);
		size_t got = fread(text, 1, (size_t)sz, m);
		fclose(m);
		memset(hits, 0, np * sizeof *hits);
		memset(hc, 0, np * sizeof *hc);
		struct timespec t0, t1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		bool ok = sa_db_scan(db, s, text, got, hits);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		scan_ns += (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
		ok = sa_db_scan(dbc, s, text, got, hc) && ok;
		if (!ok) {
			printf("oracle: scan failed on %s\n", path);
			rc = 1;
		}
		uint32_t *perl = calloc(np ? np : 1, sizeof *perl);
		for (char *tok = strtok(rest, " "); tok != NULL; tok = strtok(NULL, " ")) {
			unsigned long i = strtoul(tok, &tok, 10);
			if (*tok == ':' && i < np)
				perl[i] = (uint32_t)strtoul(tok + 1, NULL, 10);
		}
		for (size_t i = 0; i < np; i++) {
			if (!perl_ok[i] || we_reject[i])
				continue;
			pairs++;
			count_pairs++;
			perl_hits += perl[i] != 0;
			if ((perl[i] != 0) == (hits[i] != 0))
				agree++;
			else
				printf("oracle: %s: /%s/%s: Perl %s, we %s\n", path, bools[i].re,
				    bools[i].flags, perl[i] ? "match" : "no match",
				    hits[i] ? "match" : "no match");
			if (perl[i] == hc[i])
				count_agree++;
			else
				printf("oracle: %s: /%s/%s: Perl counts %u, we %u\n", path,
				    bools[i].re, bools[i].flags, perl[i], hc[i]);
		}
		free(perl);
		free(text);
		nmsgs++;
	}
	int st_perl = pclose(f);
	if (st_perl != 0) {
		printf("oracle: perl failed (%d)\n", st_perl);
		rc = 1;
	}
	if (db != NULL) {
		struct sa_db_stats st, stc;
		sa_db_stats(db, &st);
		sa_db_stats(dbc, &stc);
		printf("oracle: %zu messages, %zu (pattern, message) pairs, Perl matched %zu: "
		    "hit/no-hit agree %zu (%.4f%%), counts (up to 50) agree %zu (%.4f%%); "
		    "limit hits %zu + %zu\n", nmsgs, pairs, perl_hits, agree,
		    pairs ? 100.0 * (double)agree / (double)pairs : 0.0, count_agree,
		    count_pairs ? 100.0 * (double)count_agree / (double)count_pairs : 0.0,
		    st.limit_hits, stc.limit_hits);
		printf("oracle: refusals: we %zu, both %zu, only Perl/SpamAssassin %zu; "
		    "scan %.1f us CPU per message (match/no-match db)\n", our_refusals, both_refuse,
		    only_perl_refuses, nmsgs ? scan_ns / 1e3 / (double)nmsgs : 0.0);
		if (agree != pairs || count_agree != count_pairs || nmsgs == 0)
			rc = 1;
	} else if (rc == 0) {
		printf("oracle: no messages\n");
		rc = 1;
	}
	for (size_t i = 0; i < np; i++)
		free(lines[i]);
	free(lines);
	free(bools);
	free(counts);
	free(perl_ok);
	free(we_reject);
	free(line);
	free(hits);
	free(hc);
	sa_scratch_free(s);
	sa_db_free(db);
	sa_db_free(dbc);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--oracle") == 0)
		return oracle(argv[2], argv[3], argv[4]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_other_modifiers_refused),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_backreference),
		cmocka_unit_test(test_lookahead_prefilter),
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_empty_db),
		cmocka_unit_test(test_shared_scratch),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_hs_cost),
		cmocka_unit_test(test_count_prefilter),
		cmocka_unit_test(test_count_prefilter_runs),
		cmocka_unit_test_setup_teardown(test_cache_roundtrip, mk_tmpdir, rm_tmpdir),
		cmocka_unit_test(test_cache_key),
		cmocka_unit_test_setup_teardown(test_cache_corrupt, mk_tmpdir, rm_tmpdir),
		cmocka_unit_test_setup_teardown(test_cache_unwritable, mk_tmpdir, rm_tmpdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
