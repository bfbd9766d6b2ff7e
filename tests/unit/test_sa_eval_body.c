/*
 * test_sa_eval_body.c - SpamAssassin's MIMEEval, BodyEval and TextCat eval
 * functions (src/spam/sa_eval_body.c): the MIME tree parsed as
 * SpamAssassin's Message.pm parses it, and what _check_attachments makes
 * of it.  Each expectation was checked against SpamAssassin 4.0.1 itself
 * (Mail::SpamAssassin::Message and Plugin::MIMEEval on the same bytes).
 */
#include "test_helpers.h"

#include <string.h>

#include "content/content.h"
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

static struct sa_ruleset *test_rs;

/* fn(args) on raw (and body lines, NULL-terminated, or NULL) */
static int
eval_body(const char *fn, const char *args, const char *raw, size_t len,
    const char *const *body)
{
	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("R", fn, args, err, sizeof err);
	if (!c)
		fail_msg("%s(%s): %s", fn, args, err);
	GPtrArray *f = sa_fields_parse((const uint8_t *)raw, len);
	GPtrArray *b = g_ptr_array_new();
	for (const char *const *p = body; p && *p; p++)
		g_ptr_array_add(b, (gpointer)*p);
	struct sa_eval_msg m = { .raw = (const uint8_t *)raw, .raw_len = len, .fields = f,
		.body = b, .rs = test_rs, .bayes = -1 };
	int r = sa_eval_run(&m, c);
	/* a second call reads the cached tree */
	int r2 = sa_eval_run(&m, c);
	assert_int_equal(r, r2);
	sa_eval_msg_clear(&m);
	g_ptr_array_unref(f);
	g_ptr_array_unref(b);
	sa_eval_call_free(c);
	return r;
}

#define EV(fn, args, msg) eval_body(fn, args, msg, sizeof(msg) - 1, NULL)

static const char alt[] = "Subject: t\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\n"
    "\n"
    "pre\n"
    "--b1\n"
    "Content-Type: text/plain\n"
    "\n"
    "hello &#x00E9; there\n"
    "--b1\n"
    "Content-Type: text/html; charset=iso-2022-cn\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "<p>hi=20=20\n"
    "=3D=41=42\n"
    "--b1--\n"
    "epi\n";

/* text/plain 20 bytes (its last line loses the newline before the
 * boundary), text/html 21: ratio 0.952; QP: =41 =42 count, =3D does not,
 * trailing =20 are forgiven: 2 of 21 bytes; one unicode escape in 12
 * other characters */
static void
test_alternative(void **state)
{
	(void)state;
	assert_int_equal(EV("check_for_mime", "'mime_qp_count'", alt), 1);
	assert_int_equal(EV("check_for_mime", "'mime_base64_count'", alt), 0);
	assert_int_equal(EV("check_for_mime", "'mime_bad_iso_charset'", alt), 1);
	assert_int_equal(EV("check_for_mime", "'mime_multipart_alternative'", alt), 1);
	assert_int_equal(EV("check_for_mime", "'mime_missing_boundary'", alt), 0);
	assert_int_equal(EV("check_for_mime", "'mime_qp_long_line'", alt), 0);
	assert_int_equal(EV("check_for_mime", "'mime_attachment'", alt), 0);
	assert_int_equal(EV("check_for_mime", "'mimepart_limit_exceeded'", alt), 0);
	assert_int_equal(EV("check_mime_multipart_ratio", "'0.95', '0.96'", alt), 1);
	assert_int_equal(EV("check_mime_multipart_ratio", "'0.00', '0.95'", alt), 0);
	assert_int_equal(EV("check_abundant_unicode_ratio", "0.08", alt), 1);
	assert_int_equal(EV("check_abundant_unicode_ratio", "0.084", alt), 0);
	/* a ratio SpamAssassin does not read as /^\d{0,3}\.\d{1,3}$/: never */
	assert_int_equal(EV("check_abundant_unicode_ratio", "0", alt), 0);
	assert_int_equal(EV("check_qp_ratio", "'0.095'", alt), 1);
	assert_int_equal(EV("check_qp_ratio", "'0.096'", alt), 0);
	assert_int_equal(EV("check_for_mime_html", "", alt), 1);
	assert_int_equal(EV("check_for_mime_html_only", "", alt), 0);
	assert_int_equal(EV("check_msg_parse_flags", "'mime_epilogue_exists'", alt), 1);
	assert_int_equal(EV("check_msg_parse_flags", "'missing_mime_headers'", alt), 0);
	assert_int_equal(EV("check_msg_parse_flags", "'missing_head_body_separator'", alt), 0);
	assert_int_equal(EV("check_ma_non_text", "", alt), 0);
	assert_int_equal(EV("check_for_ascii_text_illegal", "", alt), 0);
	/* the body after the blank line: 184 bytes */
	assert_int_equal(EV("check_body_length", "'184'", alt), 1);
	assert_int_equal(EV("check_body_length", "'183'", alt), 0);
}

static const char broken[] = "Subject: x\n"
    "Content-Type: multipart/mixed; boundary=zz\n"
    "--zz\n"
    "foo bar\n"
    "--zz\n"
    "Content-Type: text/plain\n"
    "no blank\n"
    "--zz\n"
    "Content-Type: multipart/alternative\n"
    "\n"
    "--zz\n"
    "Content-Type: image/gif\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "R0lGODlh\n";

/* no blank line after the header (a boundary ends it), a part without a
 * header, one without its blank line, never closed; the multipart without
 * a boundary takes its parent's */
static void
test_broken(void **state)
{
	(void)state;
	assert_int_equal(EV("check_msg_parse_flags", "'missing_head_body_separator'", broken), 1);
	assert_int_equal(EV("check_msg_parse_flags", "'missing_mime_headers'", broken), 1);
	assert_int_equal(EV("check_msg_parse_flags", "'missing_mime_head_body_separator'", broken), 1);
	assert_int_equal(EV("check_msg_parse_flags", "'mime_epilogue_exists'", broken), 0);
	assert_int_equal(EV("check_msg_parse_flags", "'truncated_header'", broken), 0);
	assert_int_equal(EV("check_for_mime", "'mime_missing_boundary'", broken), 1);
	assert_int_equal(EV("check_for_mime", "'mime_base64_count'", broken), 1);
	assert_int_equal(EV("check_for_mime", "'mime_body_text_count'", broken), 1);
	assert_int_equal(EV("check_for_mime", "'mime_body_html_count'", broken), 0);
	assert_int_equal(EV("check_for_mime_html", "", broken), 0);
	assert_int_equal(EV("check_ma_non_text", "", broken), 0);
	/* the base64 line is the last: no newline taken off, 9 bytes */
	assert_int_equal(EV("check_base64_length", "'9'", broken), 1);
	assert_int_equal(EV("check_base64_length", "'10'", broken), 0);
	assert_int_equal(EV("check_base64_length", "'1', '8'", broken), 0);
}

/* CRLF, an mbox line, a header value over 8,192 bytes, base64 text
 * without a charset, a line of 78 base64 characters (79 with its
 * newline), 8-bit bytes in us-ascii text, 30 blank lines */
static void
test_crlf_long(void **state)
{
	(void)state;
	GString *s = g_string_new("From someone@x Mon Dec  7\r\nSubject: y\r\n"
	    "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\nX-Long: ");
	for (int i = 0; i < 9000; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, "\r\n\r\n");
	for (int i = 0; i < 78; i++)
		g_string_append_c(s, "QUJD"[i % 4]);
	g_string_append(s, "\r\nQUJDQUJD\r\n");
	for (int i = 0; i < 30; i++)
		g_string_append(s, "\r\n");
	g_string_append(s, "end\xe9\r\n");
	assert_int_equal(eval_body("check_msg_parse_flags", "'truncated_header'", s->str, s->len,
	    NULL), 1);
	assert_int_equal(eval_body("check_for_mime", "'mime_base64_encoded_text'", s->str, s->len,
	    NULL), 1);
	assert_int_equal(eval_body("check_for_ascii_text_illegal", "", s->str, s->len, NULL), 1);
	assert_int_equal(eval_body("check_base64_length", "'78', '79'", s->str, s->len, NULL), 1);
	assert_int_equal(eval_body("check_base64_length", "'79', '79'", s->str, s->len, NULL), 1);
	assert_int_equal(eval_body("check_base64_length", "'80'", s->str, s->len, NULL), 0);
	/* the body as received: 156 bytes, CRs included */
	assert_int_equal(eval_body("check_body_length", "'156'", s->str, s->len, NULL), 1);
	assert_int_equal(eval_body("check_body_length", "'155'", s->str, s->len, NULL), 0);
	g_string_free(s, TRUE);
}

/* 1,200 parts: SpamAssassin stops at 1,000 and never closes the boundary;
 * 30 nested multiparts; an empty message; message/rfc822 parsed as a
 * message whose alternative holds an image */
static void
test_hostile(void **state)
{
	(void)state;
	GString *s = g_string_new("Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < 1200; i++)
		g_string_append_printf(s, "--b\nContent-Type: text/plain\n\nx%d\n", i);
	g_string_append(s, "--b--\n");
	assert_int_equal(eval_body("check_msg_parse_flags", "'mimepart_limit_exceeded'", s->str,
	    s->len, NULL), 1);
	assert_int_equal(eval_body("check_for_mime", "'mime_missing_boundary'", s->str, s->len,
	    NULL), 1);
	g_string_assign(s, "");
	for (int i = 0; i < 30; i++)
		g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i,
		    i);
	g_string_append(s, "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n");
	for (int i = 0; i < 5000; i++)
		g_string_append_c(s, 'A');
	g_string_append_c(s, '\n');
	assert_int_equal(eval_body("check_for_mime", "'mime_missing_boundary'", s->str, s->len,
	    NULL), 1);
	assert_int_equal(eval_body("check_msg_parse_flags", "'mimepart_limit_exceeded'", s->str,
	    s->len, NULL), 0);
	assert_int_equal(eval_body("check_body_length", "'0'", "", 0, NULL), 1);
	assert_int_equal(eval_body("check_for_mime", "'mime_base64_count'", "", 0, NULL), 0);
	/* an empty message is one blank line: a header ended properly; a
	 * header without a newline is not */
	assert_int_equal(eval_body("check_msg_parse_flags", "'missing_head_body_separator'", "", 0,
	    NULL), 0);
	assert_int_equal(eval_body("check_msg_parse_flags", "'missing_head_body_separator'",
	    "Subject: a", 10, NULL), 1);
	static const char rfc822[] = "Content-Type: message/rfc822\n\n"
	    "Content-Type: multipart/alternative; boundary=q\n\n"
	    "--q\nContent-Type: image/png\n\nxx\n"
	    "--q\nContent-Type: text/plain\n\nhi\n--q--\n";
	assert_int_equal(EV("check_ma_non_text", "", rfc822), 1);
	g_string_free(s, TRUE);
}

static void
test_refused(void **state)
{
	(void)state;
	char err[160];
	assert_null(sa_eval_call_new("R", "check_for_mime", "'mime_no_such'", err, sizeof err));
	assert_string_equal(err, "unknown key mime_no_such");
	assert_null(sa_eval_call_new("R", "check_msg_parse_flags", "'type'", err, sizeof err));
	assert_string_equal(err, "parse flag type not known");
	assert_null(sa_eval_call_new("R", "check_for_uppercase", "'25'", err, sizeof err));
	assert_string_equal(err, "2 arguments expected");
	assert_null(sa_eval_call_new("R", "check_base64_length", "", err, sizeof err));
	assert_string_equal(err, "1 to 2 arguments expected");
	assert_null(sa_eval_call_new("R", "check_ma_non_text", "'x'", err, sizeof err));
	assert_string_equal(err, "0 arguments expected");
}

/* the body-line functions: the lines are the module's (subject first) */
static void
test_body_lines(void **state)
{
	(void)state;
	static const char plain[] = "Subject: s\n\nbody\n";
	GString *up = g_string_new(NULL);
	for (int i = 0; i < 50; i++)
		g_string_append(up, "ABC de ");
	const char *lines[] = { "Subject line", up->str, "nospace", NULL };
	/* 151 capitals, 110 lower case: 57.9 % ("nospace" is not read) */
	assert_int_equal(eval_body("check_for_uppercase", "'50', '75'", plain, sizeof plain - 1,
	    lines), 1);
	assert_int_equal(eval_body("check_for_uppercase", "'60', '75'", plain, sizeof plain - 1,
	    lines), 0);
	/* under 200 characters: never */
	const char *few[] = { "ABC DEF GHI", NULL };
	assert_int_equal(eval_body("check_for_uppercase", "'0', '100'", plain, sizeof plain - 1,
	    few), 0);
	/* a charset that writes in capitals: never */
	static const char jp[] = "Subject: s\nContent-Type: text/plain; charset=iso-2022-jp\n\nx\n";
	assert_int_equal(eval_body("check_for_uppercase", "'50', '75'", jp, sizeof jp - 1, lines),
	    0);
	/* tvd_vertical_words: "a b c d" has 3 spaces for 4 others: 75 % */
	const char *vert[] = { "abcdefghij", "a b c d", "x y", NULL };
	assert_int_equal(eval_body("tvd_vertical_words", "'0', '10'", plain, sizeof plain - 1,
	    vert), 0);
	assert_int_equal(eval_body("tvd_vertical_words", "'75', '76'", plain, sizeof plain - 1,
	    vert), 1);
	const char *flat[] = { "abcdefghij", "x y", NULL };
	assert_int_equal(eval_body("tvd_vertical_words", "'0', '10'", plain, sizeof plain - 1,
	    flat), 1);
	/* check_body_8bits: off with ok_languages all (the default) */
	const char *eight[] = { "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL };
	assert_int_equal(eval_body("check_body_8bits", "", plain, sizeof plain - 1, eight), 0);
	g_string_free(up, TRUE);
}

/* check_blank_line_ratio reads the decoded text parts: 3 blank lines of 4 */
static void
test_blank_lines(void **state)
{
	(void)state;
	static const char m[] = "Subject: s\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "a=\n\n\n  \n\t\nb\n";
	/* decoded (blanks before a newline dropped, the soft break
	 * joined) "a\n\n\n\nb\n": 5 lines, 3 blank: 60 % */
	assert_int_equal(EV("check_blank_line_ratio", "'59', '60', '4'", m), 1);
	assert_int_equal(EV("check_blank_line_ratio", "'60', '90', '4'", m), 0);
	assert_int_equal(EV("check_blank_line_ratio", "'0', '60', '5'", m), 1);
	/* fewer lines than minlines: -1, only a min of 0 hits */
	assert_int_equal(EV("check_blank_line_ratio", "'0', '10', '6'", m), 1);
	assert_int_equal(EV("check_blank_line_ratio", "'1', '10', '6'", m), 0);
}

/* fn(args) with the parsed message and its content layer */

static int
eval_content(const char *fn, const char *args, const char *raw)
{
	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("R", fn, args, err, sizeof err);
	if (!c)
		fail_msg("%s(%s): %s", fn, args, err);
	size_t len = strlen(raw);
	struct mime_message *msg = mime_message_parse((const uint8_t *)raw, len, &mlim);
	struct content *ct = content_new(msg, NULL);
	GPtrArray *f = sa_fields_parse((const uint8_t *)raw, len);
	struct sa_eval_msg m = { .raw = (const uint8_t *)raw, .raw_len = len, .fields = f,
		.msg = msg, .content = ct, .rs = test_rs, .bayes = -1 };
	int r = sa_eval_run(&m, c);
	sa_eval_msg_clear(&m);
	g_ptr_array_unref(f);
	content_free(ct);
	mime_message_free(msg);
	sa_eval_call_free(c);
	return r;
}

/* multipart_alternative_difference: HTML words {one two four five}, text
 * words {one two three}: two of four HTML words left, 50 %; the count
 * form: 3 text words for 4 HTML words */
static void
test_madiff(void **state)
{
	(void)state;
	mime_init();
	static const char m[] = "Subject: m\n"
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\none two three two\n"
	    "--b\nContent-Type: text/html\n\n<p>one two four five</p>\n--b--\n";
	assert_int_equal(eval_content("multipart_alternative_difference", "'49', '50'", m), 1);
	assert_int_equal(eval_content("multipart_alternative_difference", "'50', '100'", m), 0);
	assert_int_equal(eval_content("multipart_alternative_difference", "'0', 'undef'", m), 1);
	assert_int_equal(eval_content("multipart_alternative_difference_count", "'0.7', '3'", m), 1);
	assert_int_equal(eval_content("multipart_alternative_difference_count", "'0.8', '3'", m), 0);
	assert_int_equal(eval_content("multipart_alternative_difference_count", "'0.7', '4'", m), 0);
	/* an HTML part with an image and no words, no text: 100 % */
	static const char img[] = "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\n\n"
	    "--b\nContent-Type: text/html\n\n<img src=\"cid:x\">\n--b--\n";
	assert_int_equal(eval_content("multipart_alternative_difference", "'99', '100'", img), 1);
	/* no multipart/alternative: 0 */
	assert_int_equal(eval_content("multipart_alternative_difference", "'0', '100'",
	    "Subject: x\n\nhello\n"), 1);
	assert_int_equal(eval_content("multipart_alternative_difference", "'1', '100'",
	    "Subject: x\n\nhello\n"), 0);
}

/* check_https_ip_mismatch: an anchor to a numeric address showing an
 * https: URL; check_uri_truncated: a URL over 8,192 bytes */
static void
test_uri(void **state)
{
	(void)state;
	mime_init();
	static const char ip[] = "Content-Type: text/html\n\n"
	    "<a href=\"http://10.1.2.3/x\">https://bank.example.com/</a>\n";
	static const char ok[] = "Content-Type: text/html\n\n"
	    "<a href=\"http://10.1.2.3/x\">https://10.1.2.3/</a>\n";
	assert_int_equal(eval_content("check_https_ip_mismatch", "", ip), 1);
	assert_int_equal(eval_content("check_https_ip_mismatch", "", ok), 0);
	GString *s = g_string_new("Content-Type: text/html\n\n<a href=\"http://e.example/");
	for (int i = 0; i < 8200; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, "\">x</a>\n");
	assert_int_equal(eval_content("check_uri_truncated", "", s->str), 1);
	assert_int_equal(eval_content("check_uri_truncated", "", ip), 0);
	g_string_free(s, TRUE);
}

/* check_https_http_mismatch: the registrable domains (util_rb_*) of an
 * anchor's name and of the https: URL its text shows differ */
static void
test_https_http(void **state)
{
	(void)state;
	mime_init();
	static const char tlds[] = "util_rb_tld com uk example\nutil_rb_2tld co.uk\n";
	test_rs = sa_ruleset_new();
	sa_conf_parse(test_rs, "t.cf", NULL, tlds, sizeof tlds - 1, &sa_parse_defaults);
	static const char two[] = "Content-Type: text/html\n\n"
	    "<a href=\"http://www.evil.co.uk/x\">https://www.paypal.com/login</a>"
	    "<a href=\"http://a.evil.co.uk/y\">https://paypal.com/</a>\n";
	static const char same[] = "Content-Type: text/html\n\n"
	    "<a href=\"http://www.paypal.com/x\">https://secure.paypal.com/login</a>\n";
	static const char ip[] = "Content-Type: text/html\n\n"
	    "<a href=\"http://10.1.2.3/x\">https://www.paypal.com/</a>\n";
	/* two anchors (one domain, evil.co.uk, twice) */
	assert_int_equal(eval_content("check_https_http_mismatch", "'1', '10'", two), 1);
	assert_int_equal(eval_content("check_https_http_mismatch", "'3', '10'", two), 0);
	assert_int_equal(eval_content("check_https_http_mismatch", "'1', '2'", two), 0);
	assert_int_equal(eval_content("check_https_http_mismatch", "", two), 1);
	assert_int_equal(eval_content("check_https_http_mismatch", "'1', '10'", same), 0);
	/* a numeric address is check_https_ip_mismatch's */
	assert_int_equal(eval_content("check_https_http_mismatch", "'1', '10'", ip), 0);
	sa_ruleset_free(test_rs);
	test_rs = NULL;
	/* without util_rb_tld no domain is valid */
	assert_int_equal(eval_content("check_https_http_mismatch", "'1', '10'", two), 0);
}

/* check_stock_info: nine kinds of "Field: value" in the first text/plain
 * part (the field may hold blanks, spread over lines, have letters
 * between its letters, or end a longer name: "xx sector") */
static void
test_stock(void **state)
{
	(void)state;
	static const char m[] = "Subject: s\nContent-Type: text/plain; charset=utf-8\n\n"
	    "Company: Foo Corp\nSymbol: FOOX\n  Current  Price : $1.20\nTarget:\n $5\n"
	    "Recommendation: Strong Buy\nxx sector: tech\nS-t-o-c-k: x\nweek high: 3\n"
	    "\303\251t\303\251 Ticker: y\n";
	assert_int_equal(EV("check_stock_info", "'9'", m), 1);
	assert_int_equal(EV("check_stock_info", "'10'", m), 0);
	assert_int_equal(EV("check_stock_info", "'0'", "Subject: s\n\nnothing\n"), 1);
	assert_int_equal(EV("check_stock_info", "'1'", "Subject: s\n\nnothing\n"), 0);
	/* the first text/plain part, QP-decoded: "TradeDate" and "Trading Date" */
	static const char qp[] = "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/html\n\n<p>Ticker: x</p>\n"
	    "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "Trade=\nDate: today\nTrading Date: x\n--b--\n";
	assert_int_equal(EV("check_stock_info", "'2'", qp), 1);
	assert_int_equal(EV("check_stock_info", "'3'", qp), 0);
}

static void
set_rules(const char *text)
{
	if (test_rs)
		sa_ruleset_free(test_rs);
	test_rs = NULL;
	if (text) {
		test_rs = sa_ruleset_new();
		sa_conf_parse(test_rs, "t.cf", NULL, text, strlen(text), &sa_parse_defaults);
	}
}

/* check_for_faraway_charset: koi8-r outside ok_locales en, and more 8-bit
 * than 7-bit bytes in the body lines; never with ok_locales all (the
 * default) or ru */
static void
test_faraway(void **state)
{
	(void)state;
	static const char m[] = "Subject: s\nContent-Type: text/plain; charset=koi8-r\n"
	    "Content-Transfer-Encoding: 8bit\n\n\360\322\311\327\305\324 \315\311\322\n";
	const char *lines[] = { "s\n", "\320\237\321\200\320\270\320\262\320\265\321\202 "
	    "\320\274\320\270\321\200 ", NULL };
	const char *ascii[] = { "s\n", "plain words here ", NULL };
	set_rules("ok_locales en\n");
	assert_int_equal(eval_body("check_for_faraway_charset", "", m, sizeof m - 1, lines), 1);
	assert_int_equal(eval_body("check_for_faraway_charset", "", m, sizeof m - 1, ascii), 0);
	assert_int_equal(eval_body("check_for_mime", "'mime_faraway_charset'", m, sizeof m - 1,
	    NULL), 1);
	set_rules("ok_locales en\nok_locales ru\n");
	assert_int_equal(eval_body("check_for_faraway_charset", "", m, sizeof m - 1, lines), 0);
	assert_int_equal(eval_body("check_for_mime", "'mime_faraway_charset'", m, sizeof m - 1,
	    NULL), 0);
	set_rules("ok_locales all\n");
	assert_int_equal(eval_body("check_for_faraway_charset", "", m, sizeof m - 1, lines), 0);
	set_rules(NULL);
	assert_int_equal(eval_body("check_for_faraway_charset", "", m, sizeof m - 1, lines), 0);
	/* a koi8 charset writes capitals: check_for_uppercase never hits */
	GString *up = g_string_new(NULL);
	for (int i = 0; i < 50; i++)
		g_string_append(up, "ABC DEF ");
	const char *caps[] = { up->str, NULL };
	assert_int_equal(eval_body("check_for_uppercase", "'50', '100'", m, sizeof m - 1, caps), 0);
	assert_int_equal(EV("check_for_uppercase", "'50', '100'", "Subject: s\n\nx\n") +
	    eval_body("check_for_uppercase", "'50', '100'", "Subject: s\n\nx\n", 13, caps), 1);
	g_string_free(up, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alternative),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_crlf_long),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_body_lines),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_madiff),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_https_http),
		cmocka_unit_test(test_stock),
		cmocka_unit_test(test_faraway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
