/*
 * test_bec_lookalike.c - lookalike domains of protected domains
 * (src/bec/lookalike.c): every rule with domains it must flag (and the
 * reason it must give) and domains it must not: the protected domains
 * themselves in every spelling, their subdomains, unrelated domains, short
 * labels, a Cyrillic lookalike of a Latin domain, a Japanese IDN protected
 * domain.  Then the set's errors, hostile input (long, binary, empty
 * labels, broken UTF-8 and punycode), a large set, and threads sharing one
 * set.
 *
 * IDN strings are UTF-8 in the source; their A-labels were computed with
 * Python's idna package (UTS #46).
 */
#include "test_helpers.h"

#include <stdio.h>

#include "bec/lookalike.h"

static struct bec_protected *
make(const char *const *v, size_t n)
{
	char err[256] = "";
	struct bec_protected *p = bec_protected_new(v, n, err, sizeof err);
	if (p == NULL) {
		print_error("bec_protected_new: %s\n", err);
		fail();
	}
	assert_int_equal(bec_protected_count(p), n);
	return p;
}

/* domain flagged as a lookalike of want (why exactly want_why), or not (want NULL) */
static void
expect_at(const struct bec_protected *p, const char *domain, const char *want,
    const char *want_why, int line)
{
	char why[128] = "x";
	const char *got = bec_lookalike(p, domain, why, sizeof why);
	const char *shown = domain != NULL ? domain : "(null)";
	if (want == NULL) {
		if (got != NULL || why[0] != '\0') {
			print_error("line %d: %s: flagged as %s (%s), want nothing\n", line, shown,
			    got != NULL ? got : "(null)", why);
			fail();
		}
		return;
	}
	if (got == NULL || strcmp(got, want) != 0 || strcmp(why, want_why) != 0) {
		print_error("line %d: %s: got %s (%s), want %s (%s)\n", line, shown,
		    got != NULL ? got : "(null)", why, want, want_why);
		fail();
	}
}
#define expect(p, domain, want, want_why) expect_at((p), (domain), (want), (want_why), __LINE__)

static const char *const std_list[] = {
	"example.co.jp", "microsoft.com", "hotmail.com",
};

/* --- the organisation's own ----------------------------------------------- */

static void
test_own(void **state)
{
	(void)state;
	struct bec_protected *p = make(std_list, G_N_ELEMENTS(std_list));
	static const char *const own[] = {
		"example.co.jp", "EXAMPLE.CO.JP", "Example.Co.Jp.", "mail.example.co.jp",
		"a.b.c.example.co.jp", "MAIL.Example.co.jp.",
		/* full-width letters and dot, mapped by UTS #46 */
		"\xef\xbc\xa5\xef\xbc\xb8\xef\xbc\xa1\xef\xbc\xad\xef\xbc\xb0\xef\xbc\xac\xef\xbc\xa5"
		".co.jp",
		"example.co\xe3\x80\x82jp",
		"microsoft.com", "login.microsoft.com", "hotmail.com",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(own); i++) {
		expect(p, own[i], NULL, NULL);
		assert_non_null(bec_protected_match(p, own[i]));
	}
	assert_string_equal(bec_protected_match(p, "mail.example.co.jp"), "example.co.jp");
	assert_string_equal(bec_protected_match(p, "Login.Microsoft.COM."), "microsoft.com");
	/* not a subdomain: a label ending in the name, or the name in front */
	assert_null(bec_protected_match(p, "notexample.co.jp"));
	assert_null(bec_protected_match(p, "example.co.jp.evil.example"));
	assert_null(bec_protected_match(p, "co.jp"));
	assert_null(bec_protected_match(p, "gmail.com"));
	bec_protected_free(p);

	/* a protected subdomain: its registrable domain and siblings are the
	 * organisation's own too (no lookalike), but not protected matches */
	static const char *const sub[] = { "mail.example.org" };
	p = make(sub, 1);
	expect(p, "mail.example.org", NULL, NULL);
	expect(p, "example.org", NULL, NULL);
	expect(p, "www.example.org", NULL, NULL);
	assert_string_equal(bec_protected_match(p, "x.mail.example.org"), "mail.example.org");
	assert_null(bec_protected_match(p, "example.org"));
	assert_null(bec_protected_match(p, "www.example.org"));
	expect(p, "examp1e.org", "mail.example.org", "1/l swap");
	bec_protected_free(p);
}

/* --- unrelated domains ------------------------------------------------------ */

static void
test_unrelated(void **state)
{
	(void)state;
	struct bec_protected *p = make(std_list, G_N_ELEMENTS(std_list));
	static const char *const none[] = {
		"gmail.com", "yahoo.co.jp", "example.net.evil.com", "notexample.co.jp",
		"exmp.co.jp",		/* distance 3 */
		"examples.com",		/* distance 1, other suffix: two differences */
		"exampl.net",		/* the same */
		"example.evil.com",	/* the label alone in front of another domain */
		"example-login.co.jp",	/* words added to the name: not covered */
		"macrohard.com", "softmicro.com", "outlook.com", "live.com",
		"co.jp", "com", "jp",	/* public suffixes: nothing to compare */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(none); i++)
		expect(p, none[i], NULL, NULL);
	bec_protected_free(p);
}

/* --- edit distance ---------------------------------------------------------- */

static void
test_edit_distance(void **state)
{
	(void)state;
	struct bec_protected *p = make(std_list, G_N_ELEMENTS(std_list));
	expect(p, "exampel.co.jp", "example.co.jp", "edit distance 1");	/* transposition */
	expect(p, "examplr.co.jp", "example.co.jp", "edit distance 1");	/* substitution */
	expect(p, "exmple.co.jp", "example.co.jp", "edit distance 1");	/* deletion */
	expect(p, "examplee.co.jp", "example.co.jp", "edit distance 1");	/* insertion */
	expect(p, "exmpl.co.jp", "example.co.jp", "edit distance 2");
	expect(p, "eaxmpel.co.jp", "example.co.jp", "edit distance 2");	/* two transpositions */
	expect(p, "mail.exampel.co.jp", "example.co.jp", "edit distance 1");
	expect(p, "hottmail.com", "hotmail.com", "edit distance 1");
	expect(p, "micorsoft.com", "microsoft.com", "edit distance 1");
	/* the whole registrable domain at distance 1: the dot dropped */
	expect(p, "exampleco.jp", "example.co.jp", "edit distance 1 (whole domain)");
	bec_protected_free(p);

	/* short labels: distance 1 from 3 characters, distance 2 from 5 */
	static const char *const shortl[] = { "abc.com", "abcd.net", "bank5.org", "xy.com" };
	p = make(shortl, G_N_ELEMENTS(shortl));
	expect(p, "abd.com", "abc.com", "edit distance 1");
	expect(p, "bac.com", "abc.com", "edit distance 1");
	expect(p, "abcde.com", NULL, NULL);	/* distance 2, 3 letters */
	expect(p, "ab.com", NULL, NULL);	/* distance 1, but a 2-letter label */
	expect(p, "xz.com", NULL, NULL);
	expect(p, "x.com", NULL, NULL);
	expect(p, "abce.net", "abcd.net", "edit distance 1");
	expect(p, "abxy.net", NULL, NULL);	/* distance 2, 4 letters */
	expect(p, "bnak6.org", "bank5.org", "edit distance 2");
	expect(p, "bnak67.org", NULL, NULL);	/* distance 3 */
	expect(p, "abd.org", NULL, NULL);	/* abc at distance 1, other suffix */
	bec_protected_free(p);
}

/* --- confusable folds ------------------------------------------------------- */

static void
test_folds(void **state)
{
	(void)state;
	static const char *const v[] = {
		"example.co.jp", "microsoft.com", "google.com", "walmart.com", "docomo.ne.jp",
		"learn.org",
	};
	struct bec_protected *p = make(v, G_N_ELEMENTS(v));
	expect(p, "examp1e.co.jp", "example.co.jp", "1/l swap");
	expect(p, "EXAMP1E.CO.JP.", "example.co.jp", "1/l swap");
	expect(p, "micros0ft.com", "microsoft.com", "0/o swap");
	expect(p, "g00g1e.com", "google.com", "1/l swap");
	expect(p, "rnicrosoft.com", "microsoft.com", "rn/m swap");
	expect(p, "rnicr0s0ft.com", "microsoft.com", "0/o swap");
	expect(p, "vvalmart.com", "walmart.com", "vv/w swap");
	expect(p, "clocomo.ne.jp", "docomo.ne.jp", "cl/d swap");
	/* the protected name holds the confusable, the lookalike the other */
	expect(p, "leam.org", "learn.org", "rn/m swap");
	/* folded equal under another suffix */
	expect(p, "micros0ft.net", "microsoft.com", "0/o swap, other suffix");
	expect(p, "examp1e.com", "example.co.jp", "1/l swap, other suffix");
	bec_protected_free(p);
}

/* --- same name, other suffix ------------------------------------------------ */

static void
test_other_suffix(void **state)
{
	(void)state;
	static const char *const v[] = { "example.co.jp", "hotmail.com" };
	struct bec_protected *p = make(v, G_N_ELEMENTS(v));
	expect(p, "example.com", "example.co.jp", "same name, other suffix");
	expect(p, "example.jp", "example.co.jp", "same name, other suffix");
	expect(p, "mail.example.ne.jp", "example.co.jp", "same name, other suffix");
	expect(p, "hotmail.co.uk", "hotmail.com", "same name, other suffix");
	expect(p, "hotmail.com.au", "hotmail.com", "same name, other suffix");
	bec_protected_free(p);
}

/* --- hyphens and the protected domain as labels ------------------------------ */

static void
test_hyphen_and_labels(void **state)
{
	(void)state;
	static const char *const v[] = { "example.co.jp", "paypal.com" };
	struct bec_protected *p = make(v, G_N_ELEMENTS(v));
	expect(p, "example-co.jp", "example.co.jp", "hyphen inserted");
	expect(p, "example-co-jp.com", "example.co.jp", "hyphen inserted");
	expect(p, "login-example.co.jp", "example.co.jp", "hyphen inserted");
	expect(p, "ex-ample.co.jp", "example.co.jp", "hyphen inserted");
	expect(p, "ex-am-ple.com", "example.co.jp", "hyphen inserted");
	expect(p, "pay-pal.com", "paypal.com", "hyphen inserted");
	expect(p, "example.co.jp.evil.example", "example.co.jp", "protected domain as a label");
	expect(p, "www.example.co.jp.evil.example", "example.co.jp",
	    "protected domain as a label");
	expect(p, "example-co-jp.evil.example", "example.co.jp", "protected domain as a label");
	expect(p, "example.co.jp-secure.evil.example", "example.co.jp",
	    "protected domain as a label");
	expect(p, "paypal.com.account-verify.net", "paypal.com", "protected domain as a label");
	/* not at label boundaries */
	expect(p, "myexample.co.jp.evil.example", NULL, NULL);
	expect(p, "example.co.jpx.evil.example", NULL, NULL);
	bec_protected_free(p);
}

/* --- IDN -------------------------------------------------------------------- */

static void
test_idn_cyrillic(void **state)
{
	(void)state;
	static const char *const v[] = { "example.com", "apple.com" };
	struct bec_protected *p = make(v, G_N_ELEMENTS(v));
	/* U+0435 U+0445 U+0430: Cyrillic ie, ha, a */
	expect(p, "\xd0\xb5\xd1\x85\xd0\xb0mple.com", "example.com", "UTS #39 skeleton");
	expect(p, "xn--mple-43d3a6i.com", "example.com", "UTS #39 skeleton");
	expect(p, "XN--MPLE-43D3A6I.COM.", "example.com", "UTS #39 skeleton");
	expect(p, "mail.\xd0\xb5\xd1\x85\xd0\xb0mple.com", "example.com", "UTS #39 skeleton");
	expect(p, "\xd0\xb5\xd1\x85\xd0\xb0mple.net", "example.com",
	    "UTS #39 skeleton, other suffix");
	/* a Cyrillic a (U+0430) in apple */
	expect(p, "\xd0\xb0pple.com", "apple.com", "UTS #39 skeleton");
	/* Cyrillic, not confusable: far from both */
	expect(p, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.com", NULL, NULL);
	/* an accented letter is no skeleton match, but one edit */
	expect(p, "ex\xc3\xa4mple.com", "example.com", "edit distance 1");
	bec_protected_free(p);
}

#define NIHONGO "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"		/* 日本語 */
#define NIHONGO_TYPO "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\xa4"	/* 日本誤 */
#define KATAROGU "\xe3\x82\xab\xe3\x82\xbf\xe3\x83\xad\xe3\x82\xb0"	/* カタログ */
/* 力タログ: the first letter is the kanji 力 (U+529B), not katakana カ */
#define KATAROGU_KANJI "\xe5\x8a\x9b\xe3\x82\xbf\xe3\x83\xad\xe3\x82\xb0"

static void
test_idn_japanese(void **state)
{
	(void)state;
	static const char *const v[] = { NIHONGO ".jp", "xn--lckk8b8k.jp" };
	struct bec_protected *p = make(v, G_N_ELEMENTS(v));
	/* the names as given back: U-labels, whichever form was configured */
	assert_utf8_equal(bec_protected_match(p, "xn--wgv71a119e.jp"), NIHONGO ".jp");
	assert_utf8_equal(bec_protected_match(p, KATAROGU ".jp"), KATAROGU ".jp");
	/* its own */
	expect(p, NIHONGO ".jp", NULL, NULL);
	expect(p, "xn--wgv71a119e.jp", NULL, NULL);
	expect(p, "XN--WGV71A119E.JP.", NULL, NULL);
	expect(p, "www." NIHONGO ".jp", NULL, NULL);
	expect(p, NIHONGO "\xe3\x80\x82jp", NULL, NULL);	/* ideographic full stop */
	/* lookalikes */
	expect(p, NIHONGO ".com", NIHONGO ".jp", "same name, other suffix");
	expect(p, NIHONGO_TYPO ".jp", NIHONGO ".jp", "edit distance 1");
	expect(p, "xn--wgv71ak29e.jp", NIHONGO ".jp", "edit distance 1");
	expect(p, NIHONGO ".jp.evil.example", NIHONGO ".jp", "protected domain as a label");
	expect(p, KATAROGU_KANJI ".jp", KATAROGU ".jp", "UTS #39 skeleton");
	expect(p, "xn--qck3a4jl39k.jp", KATAROGU ".jp", "UTS #39 skeleton");
	/* not */
	expect(p, "\xe6\x9c\xac\xe6\x97\xa5.jp", NULL, NULL);		/* 本日: 2 characters */
	expect(p, "\xe6\x9d\xb1\xe4\xba\xac.jp", NULL, NULL);		/* 東京 */
	expect(p, "nihongo.jp", NULL, NULL);
	bec_protected_free(p);
}

/* --- the set: errors ------------------------------------------------------- */

static void
new_fails(const char *d, const char *want_err)
{
	char err[512] = "";
	const char *v[] = { "example.com", d };
	struct bec_protected *p = bec_protected_new(v, 2, err, sizeof err);
	if (p != NULL) {
		print_error("\"%s\" accepted\n", d != NULL ? d : "(null)");
		bec_protected_free(p);
		fail();
	}
	assert_contains(err, want_err);
}

static void
test_new_errors(void **state)
{
	(void)state;
	new_fails("co.jp", "not a registrable domain");
	new_fails("com", "not a registrable domain");
	new_fails("localhost", "not a registrable domain");
	new_fails("", "not a valid domain name");
	new_fails(".", "not a valid domain name");
	new_fails("a..example.com", "not a valid domain name");
	new_fails("exa mple.com", "not a valid domain name");
	new_fails(NULL, "not a valid domain name");
	new_fails("\xc3\x28.com", "not a valid domain name");	/* broken UTF-8 */
	char longl[80];
	memset(longl, 'a', 64);
	strcpy(longl + 64, ".com");
	new_fails(longl, "not a valid domain name");	/* a 64-byte label */
	char err[64] = "";
	assert_null(bec_protected_new(NULL, 1, err, sizeof err));
	assert_string_equal(err, "no list of protected domains");

	/* an empty set matches nothing */
	struct bec_protected *p = bec_protected_new(NULL, 0, err, sizeof err);
	assert_non_null(p);
	assert_int_equal(bec_protected_count(p), 0);
	expect(p, "example.com", NULL, NULL);
	assert_null(bec_protected_match(p, "example.com"));
	bec_protected_free(p);
	bec_protected_free(NULL);
	expect(NULL, "example.com", NULL, NULL);
	assert_null(bec_protected_match(NULL, "example.com"));

	/* err may be NULL; a 63-byte label is fine */
	memset(longl, 'a', 63);
	strcpy(longl + 63, ".com");
	const char *one[] = { longl };
	p = bec_protected_new(one, 1, NULL, 0);
	assert_non_null(p);
	char other[80];
	strcpy(other, longl);
	other[0] = 'b';
	expect(p, other, longl, "edit distance 1");
	expect(p, longl, NULL, NULL);
	bec_protected_free(p);
}

/* --- hostile input ---------------------------------------------------------- */

static void
test_hostile(void **state)
{
	(void)state;
	struct bec_protected *p = make(std_list, G_N_ELEMENTS(std_list));
	static const char *const bad[] = {
		"", ".", "..", "a..b", ".example.co.jp", "example..co.jp", "example.co.jp..",
		"-", "exa\x01mple.co.jp", "exa\nmple.co.jp", "examp1e.co.jp\xff",
		"\xc3\x28xample.co.jp", "\xff\xfe\xfd", "exa mple.co.jp", "examp1e.co.jp/",
		"xn--.co.jp",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		expect(p, bad[i], NULL, NULL);
		assert_null(bec_protected_match(p, bad[i]));
	}
	expect(p, NULL, NULL, NULL);
	assert_null(bec_protected_match(p, NULL));
	/* broken A-labels: not host names (the fuzzer's "xn--aaacaaak"
	 * decodes to control characters) */
	expect(p, "xn--zz.co.jp", NULL, NULL);
	expect(p, "xn--aaacaaak.co.jp", NULL, NULL);
	expect(p, "XN--AAACAAAK.jp", NULL, NULL);
	assert_null(bec_protected_new((const char *const[]){ "xn--aaacaaak.jp" }, 1, NULL, 0));

	/* a 64-byte label, a 254-byte name, a 2000-byte name */
	char buf[2100];
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".example.co.jp");
	expect(p, buf, NULL, NULL);
	assert_null(bec_protected_match(p, buf));
	buf[0] = '\0';
	while (strlen(buf) + 2 + 12 <= 254)
		strcat(buf, "a.");
	strcat(buf, "exampl.co.jp");	/* 254 bytes: too long */
	assert_int_equal(strlen(buf), 254);
	expect(p, buf, NULL, NULL);
	memmove(buf, buf + 2, strlen(buf + 2) + 1);	/* 252 bytes */
	expect(p, buf, "example.co.jp", "edit distance 1");
	memset(buf, 'a', 2000);
	buf[2000] = '\0';
	expect(p, buf, NULL, NULL);
	/* 2000 bytes of non-ASCII: past the input limit before IDNA */
	for (size_t i = 0; i + 3 <= 1998; i += 3)
		memcpy(buf + i, "\xe6\x97\xa5", 3);
	buf[1998] = '\0';
	expect(p, buf, NULL, NULL);
	/* 1000 bytes of non-ASCII in labels: IDNA refuses (labels too long) */
	char idn[1100] = "";
	for (int i = 0; i < 50; i++)
		strcat(idn, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.");
	strcat(idn, "jp");
	expect(p, idn, NULL, NULL);
	/* why too small: truncated, not overrun */
	char why[5];
	assert_string_equal(bec_lookalike(p, "examp1e.co.jp", why, sizeof why), "example.co.jp");
	assert_string_equal(why, "1/l ");
	assert_string_equal(bec_lookalike(p, "examp1e.co.jp", NULL, 0), "example.co.jp");
	bec_protected_free(p);
}

/* --- a larger set; the strongest reason wins --------------------------------- */

static void
test_large_set(void **state)
{
	(void)state;
	enum { N = 500 };
	char *names[N];
	for (int i = 0; i < N; i++)
		names[i] = g_strdup_printf("company%03dx.co.jp", i);
	struct bec_protected *p = make((const char *const *)names, N);
	expect(p, "company123x.co.jp", NULL, NULL);
	expect(p, "www.company499x.co.jp", NULL, NULL);
	/* company12x is distance 1 from company120x..company129x (in the
	 * list's order, the first wins) */
	expect(p, "company12x.co.jp", "company012x.co.jp", "edit distance 1");
	expect(p, "cornpany321x.co.jp", "company321x.co.jp", "rn/m swap");
	expect(p, "company321x.com", "company321x.co.jp", "same name, other suffix");
	expect(p, "unrelated.co.jp", NULL, NULL);
	bec_protected_free(p);
	for (int i = 0; i < N; i++)
		g_free(names[i]);

	/* a fold beats a distance to another protected domain */
	static const char *const v[] = { "exampie.com", "example.com" };
	p = make(v, 2);
	expect(p, "examp1e.com", "example.com", "1/l swap");
	bec_protected_free(p);
}

/* --- threads sharing one set ------------------------------------------------- */

static const char *const thr_in[] = {
	"examp1e.co.jp", "mail.example.co.jp", "gmail.com", "\xd0\xb5\xd1\x85\xd0\xb0mple.co.jp",
	"example.co.jp.evil.example", "rnicrosoft.com",
};
static const char *const thr_want[] = {
	"example.co.jp", NULL, NULL, "example.co.jp", "example.co.jp", "microsoft.com",
};

static gpointer
thr_main(gpointer data)
{
	const struct bec_protected *p = data;
	for (int k = 0; k < 300; k++)
		for (size_t i = 0; i < G_N_ELEMENTS(thr_in); i++) {
			char why[64];
			const char *r = bec_lookalike(p, thr_in[i], why, sizeof why);
			if ((r == NULL) != (thr_want[i] == NULL) ||
			    (r != NULL && strcmp(r, thr_want[i]) != 0))
				return GINT_TO_POINTER(1);
		}
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	struct bec_protected *p = make(std_list, G_N_ELEMENTS(std_list));
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("lookalike", thr_main, p);
	for (int i = 0; i < 4; i++)
		assert_null(g_thread_join(t[i]));
	bec_protected_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_unrelated),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_folds),
		cmocka_unit_test(test_other_suffix),
		cmocka_unit_test(test_hyphen_and_labels),
		cmocka_unit_test(test_idn_cyrillic),
		cmocka_unit_test(test_idn_japanese),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_large_set),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
