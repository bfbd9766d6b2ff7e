/*
 * test_url_feeds.c - the URL feeds index (src/url/feeds.c): host entries
 * match the host and its parents up to the registrable domain (never a
 * public suffix, never a sibling), URL entries the normal form (any
 * notation of the same URL); URLhaus's CSV export; comments, CRLF,
 * hosts files; malformed lines counted; errors naming the feed; the
 * first of two feeds; changes on disk; hostile files.
 */
#include "test_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "url/feeds.h"
#include "url/url.h"

static char *tmpdir;

static int
setup(void **state)
{
	(void)state;
	tmpdir = g_dir_make_tmp("mamori-feeds-XXXXXX", NULL);
	return tmpdir != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	GDir *d = g_dir_open(tmpdir, 0, NULL);
	const char *n;
	while (d != NULL && (n = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(tmpdir, n, NULL);
		g_remove(p);
		g_free(p);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return 0;
}

/* tmpdir/name holding data[0..n) (g_free the path) */
static char *
write_file(const char *name, const char *data, size_t n)
{
	char *p = g_build_filename(tmpdir, name, NULL);
	GError *e = NULL;
	if (!g_file_set_contents(p, data, (gssize)n, &e)) {
		print_error("%s: %s\n", p, e->message);
		fail();
	}
	return p;
}

static struct url_feeds *
load1(const char *name, const char *text)
{
	char *p = write_file(name, text, strlen(text));
	struct url_feed_spec spec = { .name = name, .path = p };
	char err[256] = "";
	struct url_feeds *f = url_feeds_load(&spec, 1, err, sizeof err);
	if (f == NULL) {
		print_error("load %s: %s\n", name, err);
		fail();
	}
	g_free(p);
	return f;
}

/* The feed listing URL s and the entry that matched ("" for none). */
static void
expect(const struct url_feeds *f, const char *s, const char *feed, const char *entry)
{
	struct url *u = url_parse(s, strlen(s));
	if (u == NULL)
		fail_msg("%s: no URL", s);
	const char *e = "unset";
	const char *got = url_feeds_match(f, u, &e);
	if (got == NULL)
		got = "";
	if (e == NULL)
		e = "";
	if (strcmp(got, feed) != 0 || strcmp(e, entry) != 0)
		fail_msg("%s: feed \"%s\" entry \"%s\", expected \"%s\" \"%s\"", s, got, e, feed,
		    entry);
	url_free(u);
}

static void
expect_summary(const struct url_feeds *f, const char *part)
{
	char *s = url_feeds_summary(f);
	assert_contains(s, part);
	g_free(s);
}

static void
test_hosts(void **state)
{
	(void)state;
	struct url_feeds *f = load1("hosts",
	    "evil.com\n"
	    "mail.victim.org\n"
	    "co.jp\n"
	    "github.io\n"
	    "phish.co.jp\n"
	    "EVIL-UPPER.NET\n"
	    "*.wild.org\n"
	    ".dotted.org\n"
	    "trailing.org.\n"
	    "192.0.2.1\n"
	    "2001:db8::1\n"
	    "[2001:db8::2]\n"
	    "пример.рф\n"
	    "xn--wgv71a119e.jp\n"
	    "under_score.net\n");
	assert_int_equal(url_feeds_count(f), 15);
	expect_summary(f, "feed hosts: ");
	expect_summary(f, ": 15 entries (0 duplicates), format plain\n");

	/* the host and its subdomains */
	expect(f, "http://evil.com/", "hosts", "evil.com");
	expect(f, "https://a.b.EVIL.com./x?y", "hosts", "evil.com");
	expect(f, "http://user@login.evil.com:8080/", "hosts", "evil.com");
	/* not a sibling, a longer name or a suffix trick */
	expect(f, "http://notevil.com/", "", "");
	expect(f, "http://evil.com.attacker.net/", "", "");
	expect(f, "http://evil.co/", "", "");
	/* a subdomain entry lists its subdomains, not its parent */
	expect(f, "http://x.mail.victim.org/", "hosts", "mail.victim.org");
	expect(f, "http://victim.org/", "", "");
	expect(f, "http://www.victim.org/", "", "");
	/* a public suffix listed matches itself only */
	expect(f, "http://co.jp/", "hosts", "co.jp");
	expect(f, "http://example.co.jp/", "", "");
	expect(f, "http://www.example.co.jp/", "", "");
	expect(f, "http://someone.github.io/", "", "");
	expect(f, "http://a.phish.co.jp/", "hosts", "phish.co.jp");
	/* case, wildcard and dot forms, trailing dot */
	expect(f, "http://www.evil-upper.net/", "hosts", "evil-upper.net");
	expect(f, "http://wild.org/", "hosts", "wild.org");
	expect(f, "http://a.wild.org/", "hosts", "wild.org");
	expect(f, "http://x.dotted.org/", "hosts", "dotted.org");
	expect(f, "http://trailing.org/", "hosts", "trailing.org");
	expect(f, "http://under_score.net/", "hosts", "under_score.net");
	/* IP hosts: any notation of the address, nothing else */
	expect(f, "http://192.0.2.1/", "hosts", "192.0.2.1");
	expect(f, "http://3221225985/a", "hosts", "192.0.2.1");
	expect(f, "http://0xc0.0.2.1:81/", "hosts", "192.0.2.1");
	expect(f, "http://192.0.2.10/", "", "");
	expect(f, "http://1.192.0.2.1/", "", "");
	expect(f, "http://[2001:db8:0::1]/", "hosts", "[2001:db8::1]");
	expect(f, "http://[2001:DB8::2]:8443/", "hosts", "[2001:db8::2]");
	expect(f, "http://[2001:db8::3]/", "", "");
	/* IDN: the entry in Unicode, the URL in A-labels, and the reverse */
	expect(f, "http://www.xn--e1afmkfd.xn--p1ai/", "hosts", "xn--e1afmkfd.xn--p1ai");
	expect(f, "https://ПРИМЕР.рф/", "hosts", "xn--e1afmkfd.xn--p1ai");
	expect(f, "https://日本語.jp/パス", "hosts", "xn--wgv71a119e.jp");
	/* no host: nothing */
	expect(f, "mailto:someone@evil.com", "", "");
	url_feeds_free(f);
}

static void
test_urls(void **state)
{
	(void)state;
	struct url_feeds *f = load1("urls",
	    "http://Evil.COM/Path?q=1\n"
	    "https://пример.рф/вход\n"
	    "http://0x7f.1/a\n"
	    "http://www.shop.example:80/cart\n");
	assert_int_equal(url_feeds_count(f), 4);
	expect(f, "HTTP://evil.com/Path?q=1#frag", "urls", "http://evil.com/Path?q=1");
	expect(f, "http://evil.com:80/Path?q=1", "urls", "http://evil.com/Path?q=1");
	expect(f, "http://evil.com/path?q=1", "", "");
	expect(f, "http://evil.com/Path", "", "");
	/* a URL entry lists that URL, not its host */
	expect(f, "http://evil.com/", "", "");
	expect(f, "https://xn--e1afmkfd.xn--p1ai/%d0%b2%d1%85%d0%be%d0%b4", "urls",
	    "https://xn--e1afmkfd.xn--p1ai/%D0%B2%D1%85%D0%BE%D0%B4");
	expect(f, "http://127.0.0.1/a", "urls", "http://127.0.0.1/a");
	expect(f, "http://2130706433/a", "urls", "http://127.0.0.1/a");
	expect(f, "http://127.0.0.1/b", "", "");
	expect(f, "www.shop.example/cart", "urls", "http://www.shop.example/cart");
	url_feeds_free(f);
}

/* URLhaus's CSV export, as downloaded (csv.txt of csv_recent.zip) */
static const char urlhaus[] =
    "################################################################\r\n"
    "# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\r\n"
    "# Last updated: 2026-01-10 10:15:04 (UTC)                      #\r\n"
    "#                                                              #\r\n"
    "# Terms Of Use: https://urlhaus.abuse.ch/api/                  #\r\n"
    "# For questions please contact urlhaus [at] abuse.ch           #\r\n"
    "################################################################\r\n"
    "#\r\n"
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\r\n"
    "\"3401123\",\"2026-01-10 10:11:07\",\"http://115.55.236.166:38006/i\",\"online\","
    "\"2026-01-10 10:11:07\",\"malware_download\",\"32-bit,elf,mips,Mozi\","
    "\"https://urlhaus.abuse.ch/url/3401123/\",\"geenensp\"\r\n"
    "\"3401122\",\"2026-01-10 10:09:05\",\"https://Drop.Example.NET/a,b/inv.zip\",\"offline\","
    "\"\",\"malware_download\",\"zip,\"\"quoted\"\" tag\","
    "\"https://urlhaus.abuse.ch/url/3401122/\",\"abuse_ch\"\r\n"
    "\"3401121\",\"2026-01-10 10:08:00\",\"http://multi.example.org/x\",\"online\","
    "\"\",\"malware_download\",\"a tag\r\nover two lines\","
    "\"https://urlhaus.abuse.ch/url/3401121/\",\"someone\"\r\n"
    "\"3401120\",\"2026-01-10 10:07:00\",\"not a url\",\"online\",\"\",\"x\",\"\",\"\",\"\"\r\n"
    "\"3401119\",\"2026-01-10 10:06:00\",\"http://after.example.org/\",\"online\",\"\",\"x\","
    "\"\",\"\",\"\"\r\n";

static void
test_urlhaus_csv(void **state)
{
	(void)state;
	struct url_feeds *f = load1("urlhaus", urlhaus);
	expect_summary(f, "4 entries (0 duplicates), format urlhaus-csv; 1 lines skipped, "
	    "first at line 14\n");
	assert_int_equal(url_feeds_count(f), 4);
	expect(f, "http://115.55.236.166:38006/i", "urlhaus", "http://115.55.236.166:38006/i");
	expect(f, "https://drop.example.net/a,b/inv.zip", "urlhaus",
	    "https://drop.example.net/a,b/inv.zip");
	expect(f, "http://multi.example.org/x", "urlhaus", "http://multi.example.org/x");
	expect(f, "http://after.example.org/", "urlhaus", "http://after.example.org/");
	/* the other columns are not entries */
	expect(f, "https://urlhaus.abuse.ch/url/3401123/", "", "");
	expect(f, "http://115.55.236.166/", "", "");
	url_feeds_free(f);

	/* no header: rows of quoted fields, the URL the 3rd */
	f = load1("urlhaus2", "\"1\",\"2026-01-01\",\"http://noheader.example.com/p\",\"online\"\n");
	expect_summary(f, "1 entries (0 duplicates), format urlhaus-csv\n");
	expect(f, "http://noheader.example.com/p", "urlhaus2", "http://noheader.example.com/p");
	url_feeds_free(f);

	/* a quoted field never closed, and a stray quote: counted */
	f = load1("urlhaus3",
	    "# id,dateadded,url,url_status\n"
	    "\"1\",\"d\",\"http://ok.example.com/\",\"x\"\n"
	    "\"2\",\"d\",\"http://bad\"x.example.com/\",\"x\"\n"
	    "\"3\",\"d\",\"http://open.example.com/\",\"x\n");
	expect_summary(f, "1 entries (0 duplicates), format urlhaus-csv; 2 lines skipped, "
	    "first at line 3\n");
	url_feeds_free(f);
}

static void
test_comments_crlf(void **state)
{
	(void)state;
	struct url_feeds *f = load1("plain",
	    "# a comment\r\n"
	    "\r\n"
	    "   \t\r\n"
	    "one.example.com\r\n"
	    "  two.example.com  \r\n"
	    "three.example.com   # listed on 2026-01-01\r\n"
	    "http://four.example.com/x#frag\r\n"
	    "#five.example.com\r\n"
	    "0.0.0.0 six.example.com\r\n"
	    "127.0.0.1\tseven.example.com\r\n"
	    "127.0.0.1 localhost\r\n"
	    "0.0.0.0 0.0.0.0\r\n"
	    "one.example.com\r\n"
	    "eight.example.com");
	expect_summary(f, "7 entries (1 duplicates), format plain\n");
	expect(f, "http://one.example.com/", "plain", "one.example.com");
	expect(f, "http://two.example.com/", "plain", "two.example.com");
	expect(f, "http://three.example.com/", "plain", "three.example.com");
	expect(f, "http://four.example.com/x", "plain", "http://four.example.com/x");
	expect(f, "http://five.example.com/", "", "");
	expect(f, "http://six.example.com/", "plain", "six.example.com");
	expect(f, "http://seven.example.com/", "plain", "seven.example.com");
	expect(f, "http://eight.example.com/", "plain", "eight.example.com");
	expect(f, "http://localhost/", "", "");
	expect(f, "http://0.0.0.0/", "", "");
	url_feeds_free(f);
}

static void
test_malformed(void **state)
{
	(void)state;
	struct url_feeds *f = load1("bad",
	    "good.example.com\n"
	    "two words\n"
	    "path.example.com/x\n"
	    "port.example.com:8080\n"
	    "user@host.example.com\n"
	    "http://\n"
	    "q.example.com?x=1\n"
	    "1.2.3.4 not.a.sink.example.com\n"
	    "0.0.0.0 a.example.com b.example.com\n"
	    "slash.example.com/\n"
	    "[::1\n");
	expect_summary(f, "feed bad: ");
	expect_summary(f, ": 2 entries (0 duplicates), format plain; 9 lines skipped, "
	    "first at line 2\n");
	expect(f, "http://good.example.com/", "bad", "good.example.com");
	expect(f, "http://slash.example.com/", "bad", "slash.example.com");
	expect(f, "http://path.example.com/x", "", "");
	url_feeds_free(f);
}

static void
test_errors(void **state)
{
	(void)state;
	char *missing = g_build_filename(tmpdir, "no-such-file", NULL);
	char *ok = write_file("ok", "ok.example.com\n", 15);
	struct url_feed_spec specs[] = {
		{ .name = "first", .path = ok },
		{ .name = "gone", .path = missing },
	};
	char err[512] = "";
	assert_null(url_feeds_load(specs, 2, err, sizeof err));
	char *want = g_strdup_printf("feed gone: %s: %s", missing, g_strerror(ENOENT));
	assert_string_equal(err, want);
	g_free(want);

	specs[1].path = tmpdir;
	assert_null(url_feeds_load(specs, 2, err, sizeof err));
	want = g_strdup_printf("feed gone: %s: a directory", tmpdir);
	assert_string_equal(err, want);
	g_free(want);

	specs[1].path = "/dev/null";
	assert_null(url_feeds_load(specs, 2, err, sizeof err));
	assert_string_equal(err, "feed gone: /dev/null: not a regular file");

	/* no feeds: an empty index */
	struct url_feeds *f = url_feeds_load(specs, 0, err, sizeof err);
	assert_non_null(f);
	assert_int_equal(url_feeds_count(f), 0);
	expect(f, "http://ok.example.com/", "", "");
	assert_false(url_feeds_changed(f));
	url_feeds_free(f);
	g_free(missing);
	g_free(ok);
}

static void
test_two_feeds(void **state)
{
	(void)state;
	char *a = write_file("a", "a.example.com\nhttp://both.example.net/x\n", 40);
	char *b = write_file("b", "b.example.com\nhttp://both.example.net/x\nexample.net\n", 52);
	struct url_feed_spec specs[] = { { "alpha", a }, { "beta", b } };
	char err[256];
	struct url_feeds *f = url_feeds_load(specs, 2, err, sizeof err);
	assert_non_null(f);
	expect(f, "http://www.a.example.com/", "alpha", "a.example.com");
	expect(f, "http://b.example.com/", "beta", "b.example.com");
	/* in both: the first feed's; the URL entry before the host entry */
	expect(f, "http://both.example.net/x", "alpha", "http://both.example.net/x");
	expect(f, "http://both.example.net/y", "beta", "example.net");
	expect(f, "http://c.example.com/", "", "");
	char *s = url_feeds_summary(f);
	char *want = g_strdup_printf("feed alpha: %s: 2 entries (0 duplicates), format plain\n"
	    "feed beta: %s: 2 entries (1 duplicates), format plain\n"
	    "feeds: 4 entries, ", a, b);
	assert_true(g_str_has_prefix(s, want));
	g_free(want);
	g_free(s);
	/* entry may be NULL */
	struct url *u = url_parse("http://b.example.com/", 21);
	assert_string_equal(url_feeds_match(f, u, NULL), "beta");
	url_free(u);
	url_feeds_free(f);
	g_free(a);
	g_free(b);
}

static void
test_changed(void **state)
{
	(void)state;
	char *a = write_file("chg-a", "a.example.com\n", 14);
	char *b = write_file("chg-b", "b.example.com\n", 14);
	struct url_feed_spec specs[] = { { "a", a }, { "b", b } };
	char err[256];
	struct url_feeds *f = url_feeds_load(specs, 2, err, sizeof err);
	assert_non_null(f);
	assert_false(url_feeds_changed(f));
	/* rewritten the way a download replaces a file (a new inode) */
	g_free(write_file("chg-b", "c.example.com\n", 14));
	assert_true(url_feeds_changed(f));
	url_feeds_free(f);

	/* appended to in place */
	f = url_feeds_load(specs, 2, err, sizeof err);
	assert_non_null(f);
	expect(f, "http://c.example.com/", "b", "c.example.com");
	assert_false(url_feeds_changed(f));
	FILE *fp = fopen(a, "a");
	assert_non_null(fp);
	fputs("d.example.com\n", fp);
	fclose(fp);
	assert_true(url_feeds_changed(f));
	url_feeds_free(f);

	/* removed */
	f = url_feeds_load(specs, 2, err, sizeof err);
	assert_non_null(f);
	assert_false(url_feeds_changed(f));
	assert_int_equal(unlink(b), 0);
	assert_true(url_feeds_changed(f));
	url_feeds_free(f);
	g_free(a);
	g_free(b);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
test_hostile(void **state)
{
	(void)state;
	/* a line of 1 MB between two good ones */
	GString *g = g_string_new("first.example.com\n");
	for (size_t i = 0; i < (1u << 20); i++)
		g_string_append_c(g, (char)('a' + i % 26));
	g_string_append(g, "\nlast.example.com\n");
	char *p = write_file("long", g->str, g->len);
	struct url_feed_spec spec = { "long", p };
	char err[256];
	struct url_feeds *f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	expect_summary(f, "2 entries (0 duplicates), format plain; 1 lines skipped, "
	    "first at line 2\n");
	expect(f, "http://last.example.com/", "long", "last.example.com");
	url_feeds_free(f);
	g_free(p);

	/* a URL over URL_MAX */
	g_string_assign(g, "http://big.example.com/");
	while (g->len <= URL_MAX)
		g_string_append_c(g, 'x');
	g_string_append(g, "\nhttp://small.example.com/\n");
	p = write_file("bigurl", g->str, g->len);
	spec = (struct url_feed_spec){ "bigurl", p };
	f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	expect_summary(f, "1 entries (0 duplicates), format plain; 1 lines skipped, "
	    "first at line 1\n");
	url_feeds_free(f);
	g_free(p);

	/* binary: random bytes with NULs and newlines, then a good line */
	uint64_t s = 42;
	g_string_truncate(g, 0);
	for (size_t i = 0; i < 300000; i++) {
		uint64_t r = rnd(&s);
		g_string_append_c(g, r % 7 == 0 ? '\0' : (char)(r >> 8));
	}
	g_string_append(g, "\nbinary-after.example.com\n");
	p = write_file("binary", g->str, g->len);
	spec = (struct url_feed_spec){ "binary", p };
	f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	expect(f, "http://binary-after.example.com/", "binary", "binary-after.example.com");
	url_feeds_free(f);
	g_free(p);

	/* the same bytes as a CSV (a first row of quotes) */
	g_string_prepend(g, "# id,dateadded,url\n\"1\",\"2\",\"");
	p = write_file("binary-csv", g->str, g->len);
	spec = (struct url_feed_spec){ "binary-csv", p };
	f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	expect_summary(f, "format urlhaus-csv");
	url_feeds_free(f);
	g_free(p);

	/* a host of many labels: its registrable domain is still tried */
	g_string_assign(g, "target.example.com\n");
	p = write_file("labels", g->str, g->len);
	spec = (struct url_feed_spec){ "labels", p };
	f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	g_string_assign(g, "http://");
	for (int i = 0; i < 40; i++)
		g_string_append_printf(g, "l%d.", i);
	g_string_append(g, "target.example.com/");
	expect(f, g->str, "labels", "target.example.com");
	url_feeds_free(f);
	g_free(p);
	g_string_free(g, TRUE);
}

/*
 * The fast path for plain ASCII host lines gives what url_parse() gives:
 * every host of those letters, written as a feed line, is the entry a URL
 * to it matches, and that entry is url_parse()'s host.
 */
static void
test_host_forms(void **state)
{
	(void)state;
	static const char cs[] = "abcdefxXyzABCDEFZ0123456789-_.";
	uint64_t s = 7;
	GPtrArray *hosts = g_ptr_array_new_with_free_func(g_free);
	GString *file = g_string_new(NULL);
	for (size_t i = 0; i < 3000; i++) {
		GString *h = g_string_new(NULL);
		size_t n = 1 + rnd(&s) % 20;
		/* not a leading dot: a feed line ".name" is "name" */
		for (size_t k = 0; k < n; k++)
			g_string_append_c(h, cs[rnd(&s) % (sizeof cs - (k == 0 ? 2 : 1))]);
		if (i % 3 == 0)
			g_string_prepend(h, i % 2 ? "XN--" : "xn--");
		g_ptr_array_add(hosts, g_string_free(h, FALSE));
		g_string_append_printf(file, "%s\n", (char *)hosts->pdata[i]);
	}
	char *p = write_file("forms", file->str, file->len);
	struct url_feed_spec spec = { "forms", p };
	char err[256];
	struct url_feeds *f = url_feeds_load(&spec, 1, err, sizeof err);
	assert_non_null(f);
	size_t checked = 0;
	for (size_t i = 0; i < hosts->len; i++) {
		char *s_url = g_strdup_printf("http://%s/", (char *)hosts->pdata[i]);
		struct url *u = url_parse(s_url, strlen(s_url));
		if (u != NULL && u->host != NULL && u->host[0] != '\0') {
			const char *e = NULL;
			const char *feed = url_feeds_match(f, u, &e);
			if (feed == NULL || strcmp(e, u->host) != 0)
				fail_msg("%s: host %s, entry %s", (char *)hosts->pdata[i], u->host,
				    e != NULL ? e : "(none)");
			checked++;
		}
		url_free(u);
		g_free(s_url);
	}
	assert_true(checked > 2500);
	url_feeds_free(f);
	g_free(p);
	g_string_free(file, TRUE);
	g_ptr_array_free(hosts, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_urlhaus_csv),
		cmocka_unit_test(test_comments_crlf),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_two_feeds),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_host_forms),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
