/*
 * test_sa_eval_html.c - SpamAssassin's HTMLEval and ImageInfo eval
 * functions (src/spam/sa_eval_html.c) and the HTML statistics they read
 * (src/html/sa_stats.c).  The expected statistics are SpamAssassin
 * 4.0.1's own (Mail::SpamAssassin::HTML on the same input, character
 * semantics, as its Message::Node renders a decoded part).
 */
#include "test_helpers.h"

#include <string.h>

#include "content/content.h"
#include "html/extract.h"
#include "html/sa_stats.h"
#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

static const struct mime_limits mlim = {
	.max_size = 16u << 20,
	.max_decoded = 16u << 20,
	.max_parts = 100,
	.max_depth = 10,
	.max_names = 100,
};

static struct html_doc *
parse(const char *s)
{
	return html_doc_parse(s, strlen(s), NULL);
}

static int
inside(const struct html_sa *s, const char *tag)
{
	int n;
	return html_sa_inside(s, tag, &n) ? n : -1;
}

static double
value(const struct html_sa *s, const char *name)
{
	double v;
	return html_sa_value(s, name, &v) ? v : -1;
}

/* the counters, on a document with a doctype, comments, a stray end tag,
 * a tag splitting a word, a namespace tag, an image in a link */
static void
test_counts(void **state)
{
	(void)state;
	struct html_doc *d = parse("<!DOCTYPE html><html><head><title>Hi &amp; there</title>"
	    "</head><body><!foo><!><!-- c --> he<b>llo</b></span> wor<font color=red size=+3>"
	    "ld</font><o:p></o:p><img width=10 height=20><a href=x>click <img src=y></a>"
	    "</body></html>");
	const struct html_sa *s = d->sa;
	assert_int_equal(s->tags, 20);
	assert_int_equal(s->elements, 20);
	assert_int_equal(s->tags_seen, 10);
	assert_int_equal(s->elements_seen, 10);
	assert_int_equal(s->closed_extra, 1);
	assert_int_equal(s->obfuscation, 3);
	assert_true(s->image_area == 200);
	assert_true(s->max_size == 6);
	assert_true(s->min_size == 3);
	assert_int_equal(s->length, 225);
	assert_int_equal(s->non_space_len, 23);
	assert_null(s->charsets);
	assert_int_equal(inside(s, "!doctype"), 0);
	assert_int_equal(inside(s, "img"), 2);
	assert_int_equal(inside(s, "span"), 0);
	assert_int_equal(inside(s, "o:p"), 0);
	assert_int_equal(inside(s, "center"), -1);
	assert_int_equal(s->comments->len, 3);
	assert_string_equal(s->comments->pdata[0], "<!foo>");
	assert_string_equal(s->comments->pdata[1], "<!>");
	assert_string_equal(s->comments->pdata[2], "<!-- c -->");
	assert_int_equal(s->titles->len, 1);
	assert_string_equal(s->titles->pdata[0], "Hi & there");
	assert_int_equal(s->anchors->len, 1);
	assert_string_equal(s->anchors->pdata[0], "click <img>\n");
	assert_true(value(s, "closed_extra_ratio") == 1.0 / 20);
	assert_true(value(s, "obfuscation_ratio") == 3.0 / 20);
	assert_true(value(s, "bad_tag_ratio") == 0);
	assert_true(value(s, "non_element_ratio") == 0);
	assert_true(value(s, "length") == 225);
	assert_false(html_sa_value(s, "backhair_count", &(double){ 0 }));
	html_doc_free(d);
}

/* what gumbo drops: stray end tags (closed_extra), HTML::Parser's odd
 * names (<br<br>, <HTTP-EQUIV="PRAGMA">, <o:p/>), an unclosed <style>
 * closed at the end */
static void
test_dropped(void **state)
{
	(void)state;
	struct html_doc *d = parse("<html><body><p>one</p></b></i></body></html></html>");
	assert_int_equal(d->sa->tags, 9);
	assert_int_equal(d->sa->closed_extra, 3);
	assert_int_equal(d->sa->non_space_len, 3);
	assert_int_equal(inside(d->sa, "html"), 0);
	assert_true(value(d->sa, "closed_extra_ratio") == 3.0 / 9);
	html_doc_free(d);

	d = parse("<HTTP-EQUIV=\"PRAGMA\"><br<br\n><o:p/></o:p><br/><st1:place>x</st1:place>"
	    "<style>p{}");
	const struct html_sa *s = d->sa;
	assert_int_equal(s->tags, 9);
	assert_int_equal(s->elements, 7);
	assert_int_equal(s->tags_seen, 7);
	assert_int_equal(s->elements_seen, 5);
	assert_int_equal(s->closed_extra, 1);
	assert_int_equal(inside(s, "http-equiv=\"pragma\""), 1);
	assert_int_equal(inside(s, "br<br"), 1);
	assert_int_equal(inside(s, "o:p/"), 1);
	assert_int_equal(inside(s, "o:p"), 0);
	assert_int_equal(inside(s, "br"), 1);
	assert_int_equal(inside(s, "style"), 0);
	assert_true(value(s, "bad_tag_ratio") == 2.0 / 9);
	assert_true(value(s, "non_element_ratio") == 2.0 / 7);
	html_doc_free(d);

	/* a doctype HTML::Parser cannot read, &nbsp; in a comment, a
	 * processing instruction, a tag cut by the end */
	d = parse("<!DOCTYPE -//w3c//dtd html><!-- a&nbsp;b --><?xml:namespace prefix = o ?>"
	    "<p>x &nbsp|&nbsp y</p><a href=x>cut");
	s = d->sa;
	assert_int_equal(s->tags, 3);
	assert_int_equal(s->non_space_len, 8);
	assert_int_equal(s->comments->len, 2);
	assert_string_equal(s->comments->pdata[0], "<!DOCTYPE -//w3c//dtd html>");
	assert_string_equal(s->comments->pdata[1], "<!-- a b -->");
	assert_string_equal(s->anchors->pdata[0], "cut");
	assert_int_equal(inside(s, "a"), 1);
	assert_int_equal(inside(s, "!doctype"), -1);
	html_doc_free(d);

	/* a nested <form> gumbo drops: its attributes read from the source */
	d = parse("<form><form action=\"mailto:x\"><select><option>a<b>b</b></select></form>"
	    "</form>");
	assert_true(d->sa->form_action_mailto);
	assert_int_equal(d->sa->tags, 9);
	assert_int_equal(inside(d->sa, "option"), 1);
	html_doc_free(d);

	/* comments end at the first "-->" (not at "--!>"); CDATA is text */
	d = parse("<!--a--!>b<!---->c<!--->d<svg><![CDATA[ cdata ]]></svg>e");
	s = d->sa;
	assert_int_equal(s->comments->len, 2);
	assert_string_equal(s->comments->pdata[0], "<!--a--!>b<!---->");
	assert_string_equal(s->comments->pdata[1], "<!--->");
	assert_int_equal(s->non_space_len, 8);
	assert_int_equal(s->obfuscation, 1);
	html_doc_free(d);
	d = parse("a<!--x--!><b>y</b>--><i>z</i>");
	assert_int_equal(d->sa->tags, 2);
	assert_int_equal(inside(d->sa, "b"), -1);
	assert_int_equal(d->sa->non_space_len, 2);
	assert_string_equal(d->sa->comments->pdata[0], "<!--x--!><b>y</b>-->");
	html_doc_free(d);

	/* the statistics can be left out */
	struct html_limits lim = html_limits_default;
	lim.no_sa_stats = true;
	d = html_doc_parse("<p>a</p>", 8, &lim);
	assert_int_equal(d->sa->tags, 0);
	assert_int_equal(d->sa->length, 8);
	assert_int_equal(d->links->len, 0);
	assert_string_equal(d->text->str, "\na\n");
	html_doc_free(d);

	d = parse("<p>a <b");
	assert_int_equal(d->sa->comments->len, 1);
	assert_string_equal(d->sa->comments->pdata[0], "<b");
	assert_int_equal(d->sa->non_space_len, 1);
	html_doc_free(d);
}

/* HTML.pm's tests: contrast, invalid colours, font faces, embeds, a form
 * to mailto:, an iframe, meta charsets */
static void
test_flags(void **state)
{
	(void)state;
	struct html_doc *d = parse("<meta http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=big5\"><body text=\"#ffffff\"><font color=zzz>a</font>"
	    "<font face=\"@#$\">b</font><table style=\"background-color: rgb(1,2,3); "
	    "color: #010203\"><tr><td>c</td></tr></table><embed src=x>"
	    "<form action=\"MailTo:x@y\"></form><iframe src=\" x \"></iframe>");
	const struct html_sa *s = d->sa;
	assert_true(s->font_low_contrast);
	assert_true(s->font_invalid_color);
	assert_true(s->font_face_bad);
	assert_true(s->form_action_mailto);
	assert_true(s->embeds);
	assert_true(s->iframe_src);
	assert_string_equal(s->charsets, " big5");
	assert_int_equal(s->tags, 17);
	assert_int_equal(s->obfuscation, 1);
	html_doc_free(d);

	d = parse("<font face=\"Arial, Helvetica\" color=#333>dark on white</font>"
	    "<iframe src=\" \xc2\xa0\"></iframe><form action=\"http://x/\"></form>");
	s = d->sa;
	assert_false(s->font_low_contrast);
	assert_false(s->font_invalid_color);
	assert_false(s->font_face_bad);
	assert_false(s->form_action_mailto);
	assert_false(s->embeds);
	assert_false(s->iframe_src);
	html_doc_free(d);
}

/* sizes: big/small do not count, size attributes do (+n from the base
 * font); image areas (percent widths, bad or zero sizes are 200) */
static void
test_sizes(void **state)
{
	(void)state;
	struct html_doc *d = parse("<img width=50% height=10%><img width=abc height=0>"
	    "<big><big><big><font size=+4 color=red>big</font></big></big></big>"
	    "<small><font size=1 color=red>s</font></small>");
	const struct html_sa *s = d->sa;
	assert_true(s->image_area == 400 * 60 + 200 * 200);
	assert_true(s->max_size == 7);
	assert_true(s->min_size == 1);
	assert_int_equal(s->tags, 14);
	html_doc_free(d);

	/* hostile sizes: no overflow, still numbers */
	d = parse("<img width=99999999999999999999 height=99999999999999999999>"
	    "<font size=99999999999999999999>x</font>");
	assert_true(d->sa->image_area > 1e39);
	assert_true(d->sa->max_size > 1e19);
	html_doc_free(d);
}

/* Perl's view of blanks: in an ASCII document a no-break space from a
 * reference is no blank (byte rules) unless a text has a character past
 * U+00FF (Unicode rules) */
static void
test_blanks(void **state)
{
	(void)state;
	struct html_doc *d = parse("&#160;x&#8212;y <b>a</b>b");
	assert_int_equal(d->sa->non_space_len, 5);
	assert_int_equal(d->sa->obfuscation, 1);
	html_doc_free(d);
	d = parse("x&#160;<b>y</b>");
	assert_int_equal(d->sa->non_space_len, 3);
	assert_int_equal(d->sa->obfuscation, 1);
	html_doc_free(d);
	d = parse("x&nbsp;<b>y</b>");
	assert_int_equal(d->sa->non_space_len, 2);
	assert_int_equal(d->sa->obfuscation, 0);
	html_doc_free(d);
}

/* HTML.pm's plain quotes for U+201C and U+201D: no word split by the
 * <b> (the quote is punctuation), none left in comments; a long link of
 * many pieces */
static void
test_quotes(void **state)
{
	(void)state;
	struct html_doc *d = parse("<p>he<b>\xe2\x80\x9cllo\xe2\x80\x9d</b>"
	    "<!-- \xe2\x80\x9cq\xe2\x80\x9d --></p>");
	assert_int_equal(d->sa->obfuscation, 0);
	assert_int_equal(d->sa->non_space_len, 7);
	assert_int_equal(d->sa->length, 33);
	assert_string_equal(d->sa->comments->pdata[0], "<!-- \"q\" -->");
	html_doc_free(d);

	GString *g = g_string_new("<a href=x>");
	for (int i = 0; i < 5000; i++)
		g_string_append(g, "ab<b>c</b>");
	g_string_append(g, "<img></a>");
	d = html_doc_parse(g->str, g->len, NULL);
	assert_int_equal(d->sa->anchors->len, 1);
	assert_int_equal(strlen(d->sa->anchors->pdata[0]), 5000 * 3 + 6);
	assert_int_equal(d->sa->obfuscation, 10000 - 1);
	html_doc_free(d);
	g_string_free(g, TRUE);
}

static void
test_rgb(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "red", "#ff0000" }, { " Red ", "#ff0000" }, { "#fff", "#ffffff" },
		{ "#12345", "#112233" }, { "#1234567", "#123456" }, { "ffffff", "invalid" },
		{ "rgb(255,0,0)", "#ff0000" }, { "rgb(100%,0%,0%)", "#ff0000" },
		{ "rgb(300,0,0)", "#12c000" }, { "", "invalid" }, { "#", "#" },
		{ "#zz1", "invalid" }, { "bogus", "invalid" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[12];
		html_sa_name_to_rgb(cases[i][0], out);
		assert_string_equal(out, cases[i][1]);
	}
}

/* nothing to parse, deep nesting */
static void
test_hostile(void **state)
{
	(void)state;
	struct html_doc *d = html_doc_parse(NULL, 0, NULL);
	assert_non_null(d->sa);
	assert_int_equal(d->sa->tags, 0);
	assert_false(html_sa_value(d->sa, "closed_extra_ratio", &(double){ 0 }));
	assert_true(value(d->sa, "max_size") == 3);
	html_doc_free(d);

	GString *g = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append(g, "<div><font color=red><b>");
	g_string_append(g, "x");
	d = html_doc_parse(g->str, g->len, NULL);
	assert_int_equal(d->sa->tags, 15000);
	assert_int_equal(inside(d->sa, "div"), 5000);
	assert_false(d->sa->cut);
	html_doc_free(d);
	/* past the parse's tags_max (16384): the statistics of what was
	 * parsed, and said so */
	for (int i = 0; i < 2000; i++)
		g_string_append(g, "<i>");
	d = html_doc_parse(g->str, g->len, NULL);
	assert_true(d->sa->cut);
	assert_int_equal(d->sa->tags, 16384);
	html_doc_free(d);
	g_string_free(g, TRUE);
}

/* --- the eval functions on messages -------------------------------------- */

struct fixture {
	struct mime_message *msg;
	struct content *content;
	GPtrArray *fields;
	GPtrArray *body;
	struct sa_eval_msg m;
};

static void
fx_init(struct fixture *f, const char *raw)
{
	mime_init();
	f->msg = mime_message_parse((const uint8_t *)raw, strlen(raw), &mlim);
	f->content = content_new(f->msg, NULL);
	f->fields = sa_fields_parse((const uint8_t *)raw, strlen(raw));
	f->body = g_ptr_array_new();
	memset(&f->m, 0, sizeof f->m);
	f->m.raw = (const uint8_t *)raw;
	f->m.raw_len = strlen(raw);
	f->m.fields = f->fields;
	f->m.msg = f->msg;
	f->m.content = f->content;
	f->m.body = f->body;
	f->m.bayes = -1;
}

static void
fx_clear(struct fixture *f)
{
	sa_eval_msg_clear(&f->m);
	content_free(f->content);
	mime_message_free(f->msg);
	g_ptr_array_unref(f->fields);
	g_ptr_array_unref(f->body);
}

/* the result of fn(args) on f, or -9 when the call is refused */
static int
run(struct fixture *f, const char *fn, const char *args)
{
	char err[200];
	struct sa_eval_call *c = sa_eval_call_new("T", fn, args, err, sizeof err);
	if (c == NULL)
		return -9;
	int r = sa_eval_run(&f->m, c);
	sa_eval_call_free(c);
	return r;
}

static const char *const html_msg =
    "From: a@example.com\n"
    "Subject: short\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "plain text\n"
    "--b\n"
    "Content-Type: text/html\n"
    "\n"
    "<html><head><title>A title that is much longer than the subject</title>"
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\"></head>"
    "<body><!-- saved from url=(0022)http://x/ --><center>he<b>llo</b></center>"
    "</center><a href=\"http://x/\"><img src=\"http://x/i.gif\" width=100 height=50></a>"
    "<font color=\"#fffffe\">hidden</font><iframe src=\"http://x/f\"></iframe>"
    "</body></html>\n"
    "--b--\n";

static void
test_html_evals(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, html_msg);

	assert_int_equal(run(&f, "html_test", "'html'"), 1);
	assert_int_equal(run(&f, "html_test", "'font_low_contrast'"), 1);
	assert_int_equal(run(&f, "html_test", "'embeds'"), 0);
	assert_int_equal(run(&f, "html_test", "'backhair_count'"), -9);
	assert_int_equal(run(&f, "html_tag_exists", "'center'"), 1);
	assert_int_equal(run(&f, "html_tag_exists", "'CENTER'"), 0);
	assert_int_equal(run(&f, "html_tag_exists", "'bgsound'"), 0);
	/* <center> opened once, closed twice: balance 0, one extra close */
	assert_int_equal(run(&f, "html_tag_balance", "'center', '!= 0'"), 0);
	assert_int_equal(run(&f, "html_tag_balance", "'center', '== 0'"), 1);
	assert_int_equal(run(&f, "html_tag_balance", "'nosuch', '== 0'"), 0);
	assert_int_equal(run(&f, "html_tag_balance", "'c-x', '== 0'"), 0);
	assert_int_equal(run(&f, "html_tag_balance", "'center', 'eq 0'"), 0);
	assert_int_equal(run(&f, "html_tag_balance", "'center', '== 1 + 1'"), -9);
	/* 21 tags, 1 closed extra, 2 words split by tags (SpamAssassin's
	 * figures for this part) */
	assert_int_equal(run(&f, "html_range", "'closed_extra_ratio', '0.04', 'inf'"), 1);
	assert_int_equal(run(&f, "html_range", "'closed_extra_ratio', '0.05', 'inf'"), 0);
	assert_int_equal(run(&f, "html_range", "'closed_extra_ratio', '0.04', '0.05'"), 1);
	assert_int_equal(run(&f, "html_range", "'obfuscation_ratio', '.05', '.1'"), 1);
	assert_int_equal(run(&f, "html_range", "'obfuscation_ratio', '.1', '.2'"), 0);
	assert_int_equal(run(&f, "html_range", "'max_size', '3'"), 0);
	assert_int_equal(run(&f, "html_range", "'max_size', '2', 'inf'"), 1);
	assert_int_equal(run(&f, "html_range", "'backhair_count', '0', '1'"), -9);
	assert_int_equal(run(&f, "html_range", "'length', 'abc', '1'"), -9);
	/* 382 characters in the part as GMime gives it, 383 as SpamAssassin
	 * counts it (the line end before the boundary kept) */
	assert_int_equal(run(&f, "html_eval", "'length', '< 384'"), 1);
	assert_int_equal(run(&f, "html_eval", "'length', '< 383'"), 0);
	assert_int_equal(run(&f, "html_eval", "'length', '== 383'"), 1);
	assert_int_equal(run(&f, "html_eval", "'max_size', '>= 3'"), 1);
	assert_int_equal(run(&f, "html_image_only", "'0000', '0400'"), 1);
	assert_int_equal(run(&f, "html_image_only", "'0400', '0800'"), 0);
	/* 47 characters of text, 5000 pixels declared */
	assert_int_equal(run(&f, "html_image_ratio", "'0.008', '0.010'"), 1);
	assert_int_equal(run(&f, "html_image_ratio", "'0.000', '0.008'"), 0);
	assert_int_equal(run(&f, "html_text_match", "'comment', '<!-- saved from url=\\(\\d{4}\\)'"),
	    1);
	assert_int_equal(run(&f, "html_text_match", "'comment', '<!(?!-).{0,6}>'"), 0);
	assert_int_equal(run(&f, "html_text_match", "'anchor', '<img>'"), 1);
	assert_int_equal(run(&f, "html_text_match", "'title', '.{120}'"), 0);
	assert_int_equal(run(&f, "html_text_match", "'title', '.{40}'"), 1);
	assert_int_equal(run(&f, "html_text_match", "'uri', 'x'"), -9);
	assert_int_equal(run(&f, "html_text_match", "'title', '(unclosed'"), -9);
	assert_int_equal(run(&f, "html_text_not_match", "'title', 'nothing like it'"), 1);
	/* a title of 43 characters, a Subject of 6 ("short\n") */
	assert_int_equal(run(&f, "html_title_subject_ratio", "'3.5'"), 1);
	assert_int_equal(run(&f, "html_title_subject_ratio", "'7.5'"), 0);
	assert_int_equal(run(&f, "check_iframe_src", ""), 1);
	assert_int_equal(run(&f, "check_iframe_src", "'x'"), -9);
	/* ok_locales all (no setting): never */
	assert_int_equal(run(&f, "html_charset_faraway", ""), 0);
	/* the part's charsets are " koi8-r": Perl's split gives an empty
	 * first one, never ok, so that one foreign or one ok charset hits */
	struct sa_ruleset *rs = sa_ruleset_new();
	GPtrArray *loc = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(loc, g_strdup("en"));
	g_hash_table_insert(rs->settings, g_strdup("ok_locales"), loc);
	f.m.rs = rs;
	assert_int_equal(run(&f, "html_charset_faraway", ""), 1);
	g_ptr_array_add(loc, g_strdup("all"));	/* the last one counts */
	assert_int_equal(run(&f, "html_charset_faraway", ""), 0);
	f.m.rs = NULL;
	sa_ruleset_free(rs);
	fx_clear(&f);

	/* no HTML part: nothing, and no crash */
	fx_init(&f, "Subject: x\n\nplain\n");
	assert_int_equal(run(&f, "html_test", "'html'"), 0);
	assert_int_equal(run(&f, "html_title_subject_ratio", "'0.1'"), 0);
	assert_int_equal(run(&f, "html_range", "'length', '-1', 'inf'"), 0);
	fx_clear(&f);
}

/* a base64 part: CR LF line ends count once, no line end before the
 * boundary (SpamAssassin's decoding) */
static void
test_length_base64(void **state)
{
	(void)state;
	/* "<html><img>\r\n<p>x</p>\r\n</html>": 30 bytes, 28 characters as
	 * SpamAssassin counts them */
	struct fixture f;
	fx_init(&f, "Subject: b64\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/html\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "PGh0bWw+PGltZz4NCjxwPng8L3A+DQo8L2h0bWw+\n"
	    "--b--\n");
	assert_int_equal(run(&f, "html_eval", "'length', '== 28'"), 1);
	assert_int_equal(run(&f, "html_image_only", "'27', '28'"), 1);
	assert_int_equal(run(&f, "html_image_only", "'28', '40'"), 0);
	fx_clear(&f);
}

/* ImageInfo: GIF, PNG and JPEG headers (a 10x20 GIF, a 3x4 PNG, a 5x6
 * JPEG), counts and pixels per type, base64 parts only */
static const char *const img_msg =
    "Subject: images\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "some text\n"
    "--b\n"
    "Content-Type: image/gif\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "R0lGODlhCgAUAIAAAAAAAP///yw=\n"
    "--b\n"
    "Content-Type: image/png\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAAECAIAAAA=\n"
    "--b\n"
    "Content-Type: image/jpeg\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "/9j/4AAEAAD/wAALCAAGAAUBAREA\n"
    "--b\n"
    "Content-Type: image/jpeg\n"
    "\n"
    "not base64: not counted\n"
    "--b\n"
    "Content-Type: image/png\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "aGVsbG8gd29ybGQ=\n"
    "--b--\n";

static void
test_images(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, img_msg);
	g_ptr_array_add(f.body, (char *)"images\n");
	g_ptr_array_add(f.body, (char *)"some text\n");

	assert_int_equal(run(&f, "image_count", "'gif', '1', '1'"), 1);
	assert_int_equal(run(&f, "image_count", "'png', '2'"), 1);
	assert_int_equal(run(&f, "image_count", "'png', '1', '1'"), 0);
	assert_int_equal(run(&f, "image_count", "'jpeg', 1, 1"), 1);
	assert_int_equal(run(&f, "image_count", "'jpeg', 2"), 0);
	assert_int_equal(run(&f, "image_count", "'all', 4, 4"), 1);
	assert_int_equal(run(&f, "image_count", "'bmp', 0"), 0);
	assert_int_equal(run(&f, "image_count", "'gif'"), -9);
	assert_int_equal(run(&f, "pixel_coverage", "'gif', 200, 200"), 1);
	assert_int_equal(run(&f, "pixel_coverage", "'gif', 201"), 0);
	assert_int_equal(run(&f, "pixel_coverage", "'png', 12, 12"), 1);
	assert_int_equal(run(&f, "pixel_coverage", "'jpeg', 30, 30"), 1);
	assert_int_equal(run(&f, "pixel_coverage", "'all', 242, 242"), 1);
	/* 17 characters of body text over 242 pixels: 0.0702 */
	assert_int_equal(run(&f, "image_to_text_ratio", "'all', '0.07', '0.071'"), 1);
	assert_int_equal(run(&f, "image_to_text_ratio", "'all', '0.000', '0.008'"), 0);
	assert_int_equal(run(&f, "image_to_text_ratio", "'all', '0.07'"), -9);
	fx_clear(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_rgb),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_html_evals),
		cmocka_unit_test(test_length_base64),
		cmocka_unit_test(test_images),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
