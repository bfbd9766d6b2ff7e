/*
 * test_url.c - the URL library (src/url/url.c): normal forms (IDNA, IPv4
 * in every notation, IPv6, ports, userinfo, backslashes, "www."), the
 * registrable domain, unwrapping (Safe Links, Proofpoint v2 and v3,
 * Google), host sets with parent domains, homographs and data: URIs; and
 * hostile input (every prefix of each URL, huge and binary input).
 */
#include "test_helpers.h"

#include <string.h>

#include "url/url.h"

static struct url *
parse(const char *s)
{
	return url_parse(s, strlen(s));
}

/* the normal form of s, or "(null)" when it is no URL */
static void
expect_norm(const char *s, const char *norm)
{
	struct url *u = parse(s);
	const char *got = u != NULL ? u->norm : "(null)";
	if (strcmp(got, norm) != 0)
		fail_msg("%s: normal form %s, expected %s", s, got, norm);
	url_free(u);
}

static void
test_norm(void **state)
{
	(void)state;
	expect_norm("HTTP://WWW.Example.COM./a/b?x=1#frag", "http://www.example.com/a/b?x=1");
	expect_norm("https://example.com:443/", "https://example.com/");
	expect_norm("https://example.com:8443", "https://example.com:8443/");
	expect_norm("  <URL:http://example.com/x>  ", "http://example.com/x");
	expect_norm("www.example.jp/path", "http://www.example.jp/path");
	expect_norm("http://exa\nmple.com/\tp", "http://example.com/p");
	expect_norm("http:\\\\evil.example\\a\\b?c\\d", "http://evil.example/a/b?c\\d");
	expect_norm("http:/evil.example/", "http://evil.example/");
	expect_norm("https://Ex%41mple.com/", "https://example.com/");
	/* IPv4 in every notation inet_aton() and browsers take */
	expect_norm("http://3232235777/", "http://192.168.1.1/");
	expect_norm("http://0xC0A80101/", "http://192.168.1.1/");
	expect_norm("http://0300.0250.0001.0001/", "http://192.168.1.1/");
	expect_norm("http://0xc0.0xa8.1.1/", "http://192.168.1.1/");
	expect_norm("http://192.168.257/", "http://192.168.1.1/");
	expect_norm("http://127.1/", "http://127.0.0.1/");
	expect_norm("http://[0:0::1]:8080/", "http://[::1]:8080/");
	/* a name with hex letters only is a name */
	expect_norm("http://cafe.be/", "http://cafe.be/");
	expect_norm("http://deadbeef/", "http://deadbeef/");
	/* IDNA: Unicode to A-labels, full-width text mapped */
	expect_norm("https://日本語.jp/パス", "https://xn--wgv71a119e.jp/%E3%83%91%E3%82%B9");
	expect_norm("https://ＥＸＡＭＰＬＥ．ｃｏｍ/", "https://example.com/");
	expect_norm("https://xn--wgv71a119e.jp/", "https://xn--wgv71a119e.jp/");
	expect_norm("https://user:pw@bank.example@evil.example/x", "https://evil.example/x");
	/* not absolute URLs */
	expect_norm("/relative/path", "(null)");
	expect_norm("example.com/x", "(null)");
	expect_norm("http://", "(null)");
	expect_norm("", "(null)");
	expect_norm("mailto:a@example.com", "mailto:a@example.com");
}

static void
test_fields(void **state)
{
	(void)state;
	struct url *u = parse("https://user:pw@bank.example@evil.example/x");
	assert_non_null(u);
	assert_string_equal(u->userinfo, "user:pw@bank.example");
	assert_string_equal(u->host, "evil.example");
	assert_int_equal(u->host_kind, URL_HOST_NAME);
	url_free(u);

	u = parse("http://0x7f.1/");
	assert_non_null(u);
	assert_int_equal(u->host_kind, URL_HOST_IPV4);
	assert_true(u->ip_obfuscated);
	assert_string_equal(u->host, "127.0.0.1");
	url_free(u);

	u = parse("http://10.0.0.1/");
	assert_int_equal(u->host_kind, URL_HOST_IPV4);
	assert_false(u->ip_obfuscated);
	url_free(u);

	u = parse("https://日本語.jp/");
	assert_true(u->idn);
	assert_false(u->idn_invalid);
	assert_string_equal(u->host_unicode, "日本語.jp");
	url_free(u);

	u = parse("www.example.com");
	assert_true(u->www);
	assert_string_equal(u->scheme, "http");
	url_free(u);

	u = parse("data:text/html;base64,PGgxPg==");
	assert_non_null(u);
	assert_int_equal(u->host_kind, URL_HOST_NONE);
	assert_null(u->host);
	url_free(u);
}

static void
test_registrable(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "www.example.co.jp", "example.co.jp" },
		{ "a.b.example.com", "example.com" },
		{ "example.com", "example.com" },
		{ "co.jp", "co.jp" },
		{ "localhost", "localhost" },
		{ "192.168.1.1", "192.168.1.1" },
		{ "[::1]", "[::1]" },
		{ "foo.s3.amazonaws.com", "foo.s3.amazonaws.com" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *r = url_registrable(cases[i][0]);
		if (strcmp(r, cases[i][1]) != 0)
			fail_msg("%s: registrable %s, expected %s", cases[i][0], r, cases[i][1]);
		g_free(r);
	}
}

static void
expect_unwrap(const char *s, enum url_wrapper w, const char *inner)
{
	struct url *u = parse(s);
	assert_non_null(u);
	enum url_wrapper got;
	char *v = url_unwrap(u, &got);
	if (got != w || (inner == NULL) != (v == NULL) || (v != NULL && strcmp(v, inner) != 0))
		fail_msg("%s: unwrapped %s by %s, expected %s by %s", s, v ? v : "(null)",
		    url_wrapper_name(got), inner ? inner : "(null)", url_wrapper_name(w));
	g_free(v);
	url_free(u);
}

static void
test_unwrap(void **state)
{
	(void)state;
	expect_unwrap("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil."
	    "example%2Flogin%3Fa%3D1%26b%3D2&data=05%7C01%7C&sdata=x&reserved=0",
	    URL_WRAP_SAFELINKS, "https://evil.example/login?a=1&b=2");
	expect_unwrap("https://urldefense.proofpoint.com/v2/url?u=http-3A__www.example.org_"
	    "url-3Fa-3D1&d=DwMFaQ&c=abc&r=def&m=ghi&s=jkl&e=",
	    URL_WRAP_PROOFPOINT_V2, "http://www.example.org/url?a=1");
	/* "*" is the next replacement character, "**" + code a run of them:
	 * "JSM" decodes to "%#" */
	expect_unwrap("https://urldefense.com/v3/__https://example.com/o/owa*2Findex.html?"
	    "alt=media*frag__;JSM!!Fjc1LPEtn8I!abc$",
	    URL_WRAP_PROOFPOINT_V3, "https://example.com/o/owa%2Findex.html?alt=media#frag");
	/* "**A": a run of two: "JSMl" decodes to "%#%" */
	expect_unwrap("https://urldefense.com/v3/__https://example.com/**A25__;JSMl!!x$",
	    URL_WRAP_PROOFPOINT_V3, "https://example.com/%#25");
	/* more stars than replacement bytes: no target */
	expect_unwrap("https://urldefense.com/v3/__https://example.com/***__;JQ!!x$",
	    URL_WRAP_NONE, NULL);
	expect_unwrap("https://www.google.com/url?sa=t&url=https%3A%2F%2Fevil.example%2F&q=",
	    URL_WRAP_GOOGLE, "https://evil.example/");
	expect_unwrap("https://www.google.co.jp/url?q=https://evil.example/x",
	    URL_WRAP_GOOGLE, "https://evil.example/x");
	/* not wrappers */
	expect_unwrap("https://example.com/url?q=https://evil.example/", URL_WRAP_NONE, NULL);
	expect_unwrap("https://safelinks.protection.outlook.com.evil.example/?url=x",
	    URL_WRAP_NONE, NULL);
	expect_unwrap("https://nam02.safelinks.protection.outlook.com/?data=1",
	    URL_WRAP_NONE, NULL);
}

static void
test_host_in(void **state)
{
	(void)state;
	GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_add(set, (gpointer)"bit.ly");
	g_hash_table_add(set, (gpointer)"evil.co.jp");
	g_hash_table_add(set, (gpointer)"co.jp");
	assert_string_equal(url_host_in("bit.ly", set), "bit.ly");
	assert_string_equal(url_host_in("x.y.bit.ly", set), "bit.ly");
	assert_string_equal(url_host_in("www.evil.co.jp", set), "evil.co.jp");
	/* above the registrable domain: a public suffix never matches */
	assert_null(url_host_in("good.co.jp", set));
	assert_null(url_host_in("notbit.ly", set));
	assert_null(url_host_in("bit.ly.example", set));
	g_hash_table_unref(set);
}

static void
test_homograph(void **state)
{
	(void)state;
	char why[256] = "";
	/* Cyrillic а (U+0430) in a Latin name: mixed scripts */
	assert_true(url_homograph("p\xd0\xb0ypal.com", why, sizeof why));
	/* all Cyrillic, skeleton ASCII: "аррlе" looks like "apple" */
	why[0] = '\0';
	assert_true(url_homograph("\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.com", why,
	    sizeof why));
	assert_non_null(strstr(why, "look-alike"));
	/* Japanese mixes Han, Hiragana, Katakana and Latin legitimately */
	assert_false(url_homograph("日本語ドメイン.jp", why, sizeof why));
	assert_false(url_homograph("お名前.com", why, sizeof why));
	assert_false(url_homograph("münchen.de", why, sizeof why));
	assert_false(url_homograph("example.com", why, sizeof why));
	assert_false(url_homograph(NULL, why, sizeof why));
}

static void
test_data(void **state)
{
	(void)state;
	const char *yes[] = { "data:text/html;base64,PGgxPg==", "DATA:Text/HTML,<b>x</b>",
		"data:image/svg+xml;utf8,<svg/>", "data:application/javascript,alert(1)",
		" data: text/html ,x" };
	const char *no[] = { "data:image/png;base64,iVBOR", "data:,hello", "data:text/plain,x",
		"http://example.com/", "data" };
	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		if (!url_data_active(yes[i], strlen(yes[i])))
			fail_msg("%s: not active", yes[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
		if (url_data_active(no[i], strlen(no[i])))
			fail_msg("%s: active", no[i]);
}

/* every prefix of every URL above, huge and binary input: no crash, no
 * leak, and the normal form bounded */
static void
test_hostile(void **state)
{
	(void)state;
	const char *urls[] = {
		"https://user:pw@bank.example@evil.example/x?y#z",
		"http://[0:0::1]:8080/", "http://0300.0250.0001.0001/",
		"https://日本語.jp/パス", "https://urldefense.com/v3/__https://e.com/**A__;JSMl!!x$",
		"http://%zz%00%ff/", "http://[::1/", "http://a:99999999999/",
		"https://xn--zz--.example/",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(urls); i++) {
		size_t n = strlen(urls[i]);
		for (size_t k = 0; k <= n; k++) {
			struct url *u = url_parse(urls[i], k);
			if (u != NULL) {
				enum url_wrapper w;
				g_free(url_unwrap(u, &w));
				char why[64];
				(void)url_homograph(u->host_unicode, why, sizeof why);
				char *r = url_registrable(u->host);
				g_free(r);
			}
			url_free(u);
		}
	}
	size_t big = 1u << 20;
	char *s = g_malloc(big);
	memset(s, 'a', big);
	memcpy(s, "http://", 7);
	struct url *u = url_parse(s, big);
	assert_non_null(u);
	assert_true(strlen(u->norm) <= URL_MAX);
	url_free(u);
	for (size_t i = 0; i < big; i++)
		s[i] = (char)(i * 131 + 7);
	url_free(url_parse(s, big));
	g_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_norm),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_registrable),
		cmocka_unit_test(test_unwrap),
		cmocka_unit_test(test_host_in),
		cmocka_unit_test(test_homograph),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
