/*
 * test_rewrite.c - tests of the PPAP expiry rewrite (src/ppap/rewrite.c):
 * an encrypted ZIP removed from multipart/mixed (the text part kept byte
 * for byte, the notice added, CRLF kept), nested multipart/alternative
 * with several attachments (the leaf indexes, an emptied multipart
 * pruned), a non-mixed top level wrapped, a single-part attachment
 * replaced, an attachment inside a forwarded message/rfc822, nothing to
 * remove; the Subject tag (Japanese, ISO-2022-JP in, UTF-8 encoded-words
 * out, decoded again by the mime layer; folding; no double tag; a missing
 * Subject; raw 8-bit Shift_JIS kept); ppap_tag_message() leaves the body
 * byte for byte; a sender's own X-Mamori-PPAP header is dropped; and
 * malformed input (empty, no headers, truncated, no boundary, NUL bytes,
 * 300 nested multiparts, every prefix of a message) gives NULL with an
 * error or a message that parses, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>

#include "test_helpers.h"

#include "mime/message.h"
#include "ppap/rewrite.h"

static const struct mime_limits lim = {
	.max_size = 64 << 20, .max_decoded = 256 << 20, .max_parts = 10000,
	.max_depth = 400,
};

/* What drop() was asked, and its answer: names ending in .zip or .7z. */
struct calls {
	GString *log;
};

static bool
drop_archives(void *arg, const char *filename, const char *content_type, unsigned index)
{
	struct calls *c = arg;
	if (c != NULL)
		g_string_append_printf(c->log, "%u %s %s\n", index,
		    filename != NULL ? filename : "-", content_type);
	return filename != NULL && (g_str_has_suffix(filename, ".zip") ||
	    g_str_has_suffix(filename, ".7z"));
}

static bool
drop_all(void *arg, const char *filename, const char *content_type, unsigned index)
{
	(void)arg;
	(void)filename;
	(void)content_type;
	(void)index;
	return true;
}

static bool
drop_none(void *arg, const char *filename, const char *content_type, unsigned index)
{
	(void)arg;
	(void)filename;
	(void)content_type;
	(void)index;
	return false;
}

static const char notice[] =
    "この添付ファイル (見積書.zip) はパスワードが届かなかったため削除されました。\n"
    "The attachment (見積書.zip) was removed because no password arrived within "
    "30 minutes.\n";

static char *
strip(const char *msg, ppap_drop_fn drop, void *arg, const char *tag, size_t *len)
{
	char err[256] = "";
	uint8_t *out = ppap_strip_attachments((const uint8_t *)msg, strlen(msg), drop, arg,
	    notice, tag, len, err, sizeof err);
	if (out == NULL)
		print_error("strip: %s\n", err);
	assert_non_null(out);
	assert_int_equal(strlen((char *)out), *len);	/* NUL-terminated, no NULs */
	return (char *)out;
}

static struct mime_message *
reparse(const char *out, size_t len)
{
	struct mime_message *m = mime_message_parse((const uint8_t *)out, len, &lim);
	assert_non_null(m);
	assert_false(mime_message_has_defect(m, MIME_DEF_BAD_STRUCTURE));
	assert_false(mime_message_has_defect(m, MIME_DEF_TRUNCATED));
	assert_false(mime_message_has_defect(m, MIME_DEF_EMPTY_MULTIPART));
	assert_false(mime_message_has_defect(m, MIME_DEF_BAD_RFC2047));
	return m;
}

static const struct mime_part *
part(const struct mime_message *m, unsigned i)
{
	assert_true(i < m->parts->len);
	return g_ptr_array_index(m->parts, i);
}

/* The part whose filename is fn, or NULL. */
static const struct mime_part *
by_name(const struct mime_message *m, const char *fn)
{
	for (guint i = 0; i < m->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(m->parts, i);
		if (p->filename != NULL && strcmp(p->filename, fn) == 0)
			return p;
	}
	return NULL;
}

static unsigned
count_text(const struct mime_message *m, const char *text)
{
	unsigned n = 0;
	for (guint i = 0; i < m->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(m->parts, i);
		if (p->text != NULL && strcmp(p->text, text) == 0)
			n++;
	}
	return n;
}

static const char *
header(const struct mime_message *m, const char *name)
{
	const struct mime_header *h = mime_headers_get(m->headers, name, 0);
	return h != NULL ? h->value : NULL;
}

static unsigned
header_count(const struct mime_message *m, const char *name)
{
	unsigned n = 0;
	while (mime_headers_get(m->headers, name, n) != NULL)
		n++;
	return n;
}

/* Every LF of s is part of a CRLF. */
static bool
all_crlf(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			return false;
	return true;
}

/* No header line longer than 78 columns (the header block of s). */
static void
assert_short_header_lines(const char *s)
{
	const char *end = strstr(s, "\r\n\r\n");
	if (end == NULL)
		end = strstr(s, "\n\n");
	assert_non_null(end);
	for (const char *p = s; p < end;) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 78)
			fail_msg("header line of %zu columns: %.*s", n, (int)n, p);
		p = nl + 1;
	}
}

#define CRLF "\r\n"

static const char text_part[] =
    "Content-Type: text/plain; charset=UTF-8" CRLF
    "Content-Transfer-Encoding: 8bit" CRLF
    CRLF
    "お世話になっております。見積書を添付します。" CRLF
    "パスワードは別途お送りします。" CRLF;

static const char mixed_zip[] =
    "Received: from mx.example.org by mail.example.com;" CRLF
    "\tThu, 1 Jan 2026 09:00:00 +0900" CRLF
    "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.org>" CRLF
    "To: suzuki@example.com" CRLF
    "Subject: =?ISO-2022-JP?B?GyRCOCtAUT1xJE5Bd0lVGyhC?=" CRLF
    "X-Mamori-PPAP: released; forged by the sender" CRLF
    "Date: Thu, 1 Jan 2026 09:00:00 +0900" CRLF
    "Message-ID: <1@example.org>" CRLF
    "MIME-Version: 1.0" CRLF
    "Content-Type: multipart/mixed; boundary=\"==b1==\"" CRLF
    CRLF
    "This is a multi-part message in MIME format." CRLF
    "--==b1==" CRLF
    "Content-Type: text/plain; charset=UTF-8" CRLF
    "Content-Transfer-Encoding: 8bit" CRLF
    CRLF
    "お世話になっております。見積書を添付します。" CRLF
    "パスワードは別途お送りします。" CRLF
    CRLF
    "--==b1==" CRLF
    "Content-Type: application/zip; name*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.zip" CRLF
    "Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.zip" CRLF
    "Content-Transfer-Encoding: base64" CRLF
    CRLF
    "UEsDBBQAAQAIAAAAIQAAAAAAAAAAAAAAAAAIAAAAdGVzdC50eHQ=" CRLF
    CRLF
    "--==b1==--" CRLF;

static void
test_mixed_zip(void **state)
{
	(void)state;
	struct calls c = { g_string_new(NULL) };
	size_t len;
	char *out = strip(mixed_zip, drop_archives, &c, "[要確認] ", &len);

	assert_string_equal(c.log->str, "0 - text/plain\n1 見積書.zip application/zip\n");
	g_string_free(c.log, TRUE);
	/* the text part byte for byte, CRLF throughout, no zip */
	assert_non_null(strstr(out, text_part));
	assert_true(all_crlf(out));
	assert_null(strstr(out, "UEsDBBQ"));
	assert_null(strstr(out, "forged"));
	assert_true(g_str_has_prefix(out, "X-Mamori-PPAP: expired; removed=1\r\n"));
	assert_contains(out, "Message-ID: <1@example.org>\r\n");
	assert_contains(out, "Received: from mx.example.org by mail.example.com;\r\n"
	    "\tThu, 1 Jan 2026 09:00:00 +0900\r\n");
	assert_contains(out, "This is a multi-part message in MIME format.\r\n--==b1==\r\n");
	assert_short_header_lines(out);

	struct mime_message *m = reparse(out, len);
	assert_utf8_equal(m->headers->subject, "[要確認] 見積書の送付");
	assert_string_equal(header(m, "X-Mamori-PPAP"), "expired; removed=1");
	assert_int_equal(header_count(m, "X-Mamori-PPAP"), 1);
	assert_int_equal(m->parts->len, 3);	/* mixed, text, notice */
	assert_string_equal(part(m, 0)->type, "multipart/mixed");
	assert_utf8_equal(part(m, 1)->text, "お世話になっております。見積書を添付します。\r\n"
	    "パスワードは別途お送りします。\r\n");
	const struct mime_part *n = part(m, 2);
	assert_string_equal(n->type, "text/plain");
	assert_string_equal(n->disposition, "inline");
	assert_non_null(n->charset);
	assert_true(g_ascii_strcasecmp(n->charset, "UTF-8") == 0);
	assert_utf8_equal(n->text, notice);
	assert_null(by_name(m, "見積書.zip"));
	mime_message_free(m);
	g_free(out);
}

static const char nested[] =
    "From: a@example.org\n"
    "To: b@example.com\n"
    "Subject: Quote\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=outer\n"
    "\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=alt\n"
    "\n"
    "--alt\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "plain body\n"
    "--alt\n"
    "Content-Type: text/html; charset=us-ascii\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "<p>html=20body</p>\n"
    "--alt--\n"
    "\n"
    "--outer\n"
    "Content-Type: application/pdf; name=terms.pdf\n"
    "Content-Disposition: attachment; filename=terms.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--outer\n"
    "Content-Type: application/zip; name=quote.zip\n"
    "Content-Disposition: attachment; filename=quote.zip\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UEsDBBQAAQ==\n"
    "--outer\n"
    "Content-Type: multipart/mixed; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: application/x-7z-compressed; name=data.7z\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "N3q8ryccAAQ=\n"
    "--inner--\n"
    "--outer--\n";

static void
test_nested(void **state)
{
	(void)state;
	struct calls c = { g_string_new(NULL) };
	size_t len;
	char *out = strip(nested, drop_archives, &c, NULL, &len);

	assert_string_equal(c.log->str, "0 - text/plain\n1 - text/html\n"
	    "2 terms.pdf application/pdf\n3 quote.zip application/zip\n"
	    "4 data.7z application/x-7z-compressed\n");
	g_string_free(c.log, TRUE);
	/* LF in, LF out; the alternative and the PDF as they were */
	assert_null(strchr(out, '\r'));
	assert_contains(out, "--alt\nContent-Type: text/plain; charset=us-ascii\n\n"
	    "plain body\n--alt\nContent-Type: text/html; charset=us-ascii\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n<p>html=20body</p>\n--alt--\n");
	assert_contains(out, "Content-Type: application/pdf; name=terms.pdf\n"
	    "Content-Disposition: attachment; filename=terms.pdf\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n");
	assert_null(strstr(out, "boundary=inner"));	/* emptied, pruned */
	assert_contains(out, "Subject: Quote\n");	/* no tag asked */
	assert_true(g_str_has_prefix(out, "X-Mamori-PPAP: expired; removed=2\n"));

	struct mime_message *m = reparse(out, len);
	assert_null(by_name(m, "quote.zip"));
	assert_null(by_name(m, "data.7z"));
	assert_non_null(by_name(m, "terms.pdf"));
	assert_int_equal(count_text(m, "plain body"), 1);
	assert_int_equal(count_text(m, notice), 1);
	/* mixed, alternative, plain, html, pdf, notice */
	assert_int_equal(m->parts->len, 6);
	assert_string_equal(part(m, 5)->type, "text/plain");
	assert_utf8_equal(part(m, 5)->text, notice);
	mime_message_free(m);
	g_free(out);
}

static const char related[] =
    "From: a@example.org\r\n"
    "Subject: Related\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/related; boundary=rel\r\n"
    "\r\n"
    "--rel\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>see the archive</p>\r\n"
    "--rel\r\n"
    "Content-Type: application/zip\r\n"
    "Content-Disposition: attachment; filename=\"a b.zip\"\r\n"
    "\r\n"
    "PK\r\n"
    "--rel--\r\n";

static void
test_wrap_non_mixed(void **state)
{
	(void)state;
	size_t len;
	char *out = strip(related, drop_archives, NULL, "[PPAP] ", &len);
	struct mime_message *m = reparse(out, len);

	assert_string_equal(m->headers->subject, "[PPAP] Related");
	assert_contains(out, "\r\nSubject: [PPAP] Related\r\n");
	assert_true(all_crlf(out));
	/* mixed (new), related, html, notice */
	assert_int_equal(m->parts->len, 4);
	assert_string_equal(part(m, 0)->type, "multipart/mixed");
	assert_string_equal(part(m, 1)->type, "multipart/related");
	assert_string_equal(part(m, 2)->type, "text/html");
	assert_utf8_equal(part(m, 3)->text, notice);
	assert_null(by_name(m, "a b.zip"));
	mime_message_free(m);
	g_free(out);
}

static const char single[] =
    "From: a@example.org\n"
    "To: b@example.com\n"
    "Subject: =?UTF-8?B?6KaL56mN5pu4?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: application/zip; name=\"mitsumori.zip\"\n"
    "Content-Disposition: attachment; filename=\"mitsumori.zip\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UEsDBBQAAQAIAAAAIQAAAAAAAAAAAAAAAAAIAAAAdGVzdC50eHQ=\n";

static void
test_single_part(void **state)
{
	(void)state;
	struct calls c = { g_string_new(NULL) };
	size_t len;
	char *out = strip(single, drop_archives, &c, "[要確認] ", &len);

	assert_string_equal(c.log->str, "0 mitsumori.zip application/zip\n");
	g_string_free(c.log, TRUE);
	assert_null(strstr(out, "UEsDBBQ"));
	assert_null(strstr(out, "application/zip"));
	assert_null(strchr(out, '\r'));
	assert_contains(out, "From: a@example.org\nTo: b@example.com\n");
	struct mime_message *m = reparse(out, len);
	assert_int_equal(m->parts->len, 1);
	assert_string_equal(part(m, 0)->type, "text/plain");
	assert_utf8_equal(part(m, 0)->text, notice);
	assert_utf8_equal(m->headers->subject, "[要確認] 見積書");
	assert_string_equal(header(m, "X-Mamori-PPAP"), "expired; removed=1");
	assert_string_equal(header(m, "MIME-Version"), "1.0");
	mime_message_free(m);
	g_free(out);

	/* the default notice */
	char err[128];
	uint8_t *o = ppap_strip_attachments((const uint8_t *)single, strlen(single),
	    drop_all, NULL, NULL, NULL, &len, err, sizeof err);
	assert_non_null(o);
	m = reparse((const char *)o, len);
	assert_contains(part(m, 0)->text, "パスワードが届かなかった");
	assert_contains(part(m, 0)->text, "no password");
	mime_message_free(m);
	g_free(o);
}

static const char forwarded[] =
    "From: a@example.org\n"
    "Subject: Fwd: quote\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=fw\n"
    "\n"
    "--fw\n"
    "Content-Type: text/plain\n"
    "\n"
    "forwarding\n"
    "--fw\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: c@example.net\n"
    "Subject: quote\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=in\n"
    "\n"
    "--in\n"
    "Content-Type: text/plain\n"
    "\n"
    "inner text\n"
    "--in\n"
    "Content-Type: application/zip; name=inner.zip\n"
    "\n"
    "PK\n"
    "--in--\n"
    "--fw--\n";

static void
test_forwarded(void **state)
{
	(void)state;
	struct calls c = { g_string_new(NULL) };
	size_t len;
	char *out = strip(forwarded, drop_archives, &c, NULL, &len);

	assert_string_equal(c.log->str, "0 - text/plain\n1 - text/plain\n"
	    "2 inner.zip application/zip\n");
	g_string_free(c.log, TRUE);
	struct mime_message *m = reparse(out, len);
	assert_null(by_name(m, "inner.zip"));
	assert_int_equal(count_text(m, "forwarding"), 1);
	assert_int_equal(count_text(m, "inner text"), 1);
	assert_int_equal(count_text(m, notice), 1);
	assert_contains(out, "Subject: quote\n");	/* the inner one */
	mime_message_free(m);
	g_free(out);

	/* a forwarded message whose whole body goes gets the notice inside */
	out = strip(forwarded, drop_all, NULL, NULL, &len);
	m = reparse(out, len);
	assert_int_equal(count_text(m, "forwarding"), 0);
	assert_true(count_text(m, notice) >= 1);
	assert_string_equal(header(m, "X-Mamori-PPAP"), "expired; removed=3");
	mime_message_free(m);
	g_free(out);
}

static void
test_nothing_removed(void **state)
{
	(void)state;
	size_t len;
	char *out = strip(nested, drop_none, NULL, NULL, &len);

	assert_true(g_str_has_prefix(out, "X-Mamori-PPAP: expired; removed=0\n"));
	/* nothing removed: the input itself, not GMime's rewrite of it */
	assert_string_equal(out + strlen("X-Mamori-PPAP: expired; removed=0\n"), nested);
	g_free(out);
}

static void
test_tag_message(void **state)
{
	(void)state;
	char err[256];
	size_t len;
	const char *body = strstr(mixed_zip, "\r\n\r\n");
	uint8_t *o = ppap_tag_message((const uint8_t *)mixed_zip, strlen(mixed_zip),
	    "[要確認] ", "unopened; delivered", &len, err, sizeof err);

	assert_non_null(o);
	const char *s = (const char *)o;
	assert_true(g_str_has_prefix(s, "X-Mamori-PPAP: unopened; delivered\r\n"));
	assert_null(strstr(s, "forged"));
	/* the body byte for byte, from the blank line on */
	assert_true(g_str_has_suffix(s, body));
	assert_true(all_crlf(s));
	assert_short_header_lines(s);
	struct mime_message *m = reparse(s, len);
	assert_utf8_equal(m->headers->subject, "[要確認] 見積書の送付");
	assert_int_equal(header_count(m, "Subject"), 1);
	assert_int_equal(header_count(m, "X-Mamori-PPAP"), 1);
	assert_non_null(by_name(m, "見積書.zip"));
	mime_message_free(m);

	/* again: no second tag, the header replaced */
	size_t len2;
	uint8_t *o2 = ppap_tag_message(o, len, "[要確認] ", "unopened; again", &len2,
	    err, sizeof err);
	assert_non_null(o2);
	m = reparse((const char *)o2, len2);
	assert_utf8_equal(m->headers->subject, "[要確認] 見積書の送付");
	assert_string_equal(header(m, "X-Mamori-PPAP"), "unopened; again");
	assert_int_equal(header_count(m, "X-Mamori-PPAP"), 1);
	mime_message_free(m);
	g_free(o2);
	g_free(o);

	/* nothing asked: the same bytes */
	o = ppap_tag_message((const uint8_t *)nested, strlen(nested), NULL, NULL, &len,
	    err, sizeof err);
	assert_int_equal(len, strlen(nested));
	assert_memory_equal(o, nested, len);
	g_free(o);

	/* bad arguments */
	assert_null(ppap_tag_message((const uint8_t *)nested, strlen(nested), "a\nb", NULL,
	    &len, err, sizeof err));
	assert_contains(err, "subject tag");
	assert_null(ppap_tag_message((const uint8_t *)nested, strlen(nested), NULL,
	    "x\r\nBcc: evil@example.org", &len, err, sizeof err));
	assert_contains(err, "X-Mamori-PPAP");
	assert_null(ppap_tag_message((const uint8_t *)"", 0, NULL, NULL, &len, err,
	    sizeof err));
	assert_int_equal(len, 0);
}

static void
test_subject_forms(void **state)
{
	(void)state;
	char err[256];
	size_t len;

	/* a long Japanese subject: encoded-words within 75, lines within 78 */
	GString *subj = g_string_new(NULL);
	for (int i = 0; i < 8; i++)
		g_string_append(subj, "見積書の送付について（株式会社サンプル）");
	char *msg = g_strdup_printf("From: a@example.org\r\nSubject: %s\r\n\r\nbody\r\n",
	    subj->str);
	uint8_t *o = ppap_tag_message((const uint8_t *)msg, strlen(msg), "[要確認] ",
	    NULL, &len, err, sizeof err);
	assert_non_null(o);
	assert_short_header_lines((const char *)o);
	assert_true(g_str_has_suffix((const char *)o, "\r\n\r\nbody\r\n"));
	struct mime_message *m = reparse((const char *)o, len);
	char *want = g_strconcat("[要確認] ", subj->str, NULL);
	assert_utf8_equal(m->headers->subject, want);
	g_free(want);
	mime_message_free(m);
	g_free(o);
	g_free(msg);
	g_string_free(subj, TRUE);

	/* a long ASCII subject, folded at spaces and unfolded back */
	const char *ascii = "Subject: Re: the quarterly quote for the maintenance "
	    "contract of the building management system, revision 3\n";
	msg = g_strdup_printf("From: a@example.org\n%s\nbody\n", ascii);
	o = ppap_tag_message((const uint8_t *)msg, strlen(msg), "[PPAP] ", NULL, &len,
	    err, sizeof err);
	assert_short_header_lines((const char *)o);
	assert_null(strstr((const char *)o, "=?"));
	m = reparse((const char *)o, len);
	assert_string_equal(m->headers->subject, "[PPAP] Re: the quarterly quote for "
	    "the maintenance contract of the building management system, revision 3");
	mime_message_free(m);
	g_free(o);
	g_free(msg);

	/* no Subject at all: one is added, before the body */
	const char nosubj[] = "From: a@example.org\nTo: b@example.com\n\nbody\n";
	o = ppap_tag_message((const uint8_t *)nosubj, strlen(nosubj), "[要確認] ", "x",
	    &len, err, sizeof err);
	m = reparse((const char *)o, len);
	assert_utf8_equal(m->headers->subject, "[要確認]");
	assert_true(g_str_has_suffix((const char *)o, "\n\nbody\n"));
	mime_message_free(m);
	g_free(o);

	/* headers only, without a final line end */
	const char honly[] = "From: a@example.org\nSubject: hi";
	o = ppap_tag_message((const uint8_t *)honly, strlen(honly), "[T] ", NULL, &len,
	    err, sizeof err);
	assert_string_equal((const char *)o, "From: a@example.org\nSubject: [T] hi\n");
	g_free(o);

	/* raw Shift_JIS in the Subject: kept as it was, behind the tag */
	const char sjis[] = "From: a@example.org\nSubject: \214\251\220\317\217\221\n\nb\n";
	o = ppap_tag_message((const uint8_t *)sjis, strlen(sjis), "[要確認] ", NULL, &len,
	    err, sizeof err);
	assert_non_null(o);
	assert_contains((const char *)o, "?= \214\251\220\317\217\221\n\nb\n");
	g_free(o);

	/* a subject of encoded-words and text, tagged with ASCII */
	const char mixedw[] = "Subject: =?UTF-8?B?6KaL56mN5pu4?= no. 7\n\nb\n";
	o = ppap_tag_message((const uint8_t *)mixedw, strlen(mixedw), "[PPAP] ", NULL,
	    &len, err, sizeof err);
	m = reparse((const char *)o, len);
	assert_utf8_equal(m->headers->subject, "[PPAP] 見積書 no. 7");
	mime_message_free(m);
	g_free(o);
}

/* NULL with an error, or a message that parses again. */
static void
strip_any(const uint8_t *msg, size_t len, ppap_drop_fn drop)
{
	char err[256] = "";
	size_t out_len = 12345;
	uint8_t *o = ppap_strip_attachments(msg, len, drop, NULL, notice, "[要確認] ",
	    &out_len, err, sizeof err);
	if (o == NULL) {
		assert_true(err[0] != '\0');
		assert_int_equal(out_len, 0);
		return;
	}
	assert_true(out_len > 0);
	struct mime_message *m = mime_message_parse(o, out_len, &lim);
	assert_non_null(m);
	mime_message_free(m);
	g_free(o);
}

static void
test_malformed(void **state)
{
	(void)state;
	char err[256] = "";
	size_t len;

	assert_null(ppap_strip_attachments((const uint8_t *)"", 0, drop_all, NULL, notice,
	    NULL, &len, err, sizeof err));
	assert_true(err[0] != '\0');
	assert_null(ppap_strip_attachments((const uint8_t *)single, strlen(single), NULL,
	    NULL, notice, NULL, &len, err, sizeof err));
	assert_null(ppap_strip_attachments((const uint8_t *)single, strlen(single),
	    drop_all, NULL, "\xff\xfe bad", NULL, &len, err, sizeof err));
	assert_contains(err, "UTF-8");

	static const char *const bad[] = {
		"just some text, no header at all\n",
		"\n\n\n",
		"Subject: x",
		"Content-Type: multipart/mixed\n\nno boundary\n",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: "
		    "application/zip; name=a.zip\n\nPK never closed",
		"Content-Type: multipart/mixed; boundary=b\n\n--b--\n",
		"Content-Type: message/rfc822\n\n",
		"Content-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: "
		    "base64\n\n!!!! not base64 ====\n",
		" leading continuation\nSubject: s\n\nb\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		strip_any((const uint8_t *)bad[i], strlen(bad[i]), drop_all);
		strip_any((const uint8_t *)bad[i], strlen(bad[i]), drop_archives);
		uint8_t *o = ppap_tag_message((const uint8_t *)bad[i], strlen(bad[i]),
		    "[要確認] ", "x", &len, err, sizeof err);
		assert_non_null(o);
		g_free(o);
	}
	/* a rewritten message is MIME even when the input did not say so */
	uint8_t *mv = ppap_strip_attachments((const uint8_t *)bad[7], strlen(bad[7]),
	    drop_all, NULL, notice, NULL, &len, err, sizeof err);
	assert_non_null(mv);
	assert_contains((const char *)mv, "\nMIME-Version: 1.0\n");
	g_free(mv);

	/* NUL bytes */
	const uint8_t nul[] = "Subject: a\0b\nContent-Type: text/plain\n\nx\0y\n";
	strip_any(nul, sizeof nul - 1, drop_all);
	uint8_t *o = ppap_tag_message(nul, sizeof nul - 1, "[T] ", NULL, &len, err,
	    sizeof err);
	assert_non_null(o);
	g_free(o);

	/* 300 nested multiparts, a zip at the bottom */
	GString *deep = g_string_new("Subject: deep\n");
	for (int i = 0; i < 300; i++)
		g_string_append_printf(deep, "Content-Type: multipart/mixed; boundary=d%d\n"
		    "\n--d%d\n", i, i);
	g_string_append(deep, "Content-Type: application/zip; name=z.zip\n\nPK\n");
	for (int i = 299; i >= 0; i--)
		g_string_append_printf(deep, "--d%d--\n", i);
	strip_any((const uint8_t *)deep->str, deep->len, drop_archives);
	strip_any((const uint8_t *)deep->str, deep->len, drop_all);
	g_string_free(deep, TRUE);

	/* every prefix of two messages, everything dropped or the archives */
	for (size_t n = 1; n <= strlen(mixed_zip); n += 3)
		strip_any((const uint8_t *)mixed_zip, n, n % 2 ? drop_all : drop_archives);
	for (size_t n = 1; n <= strlen(forwarded); n += 2)
		strip_any((const uint8_t *)forwarded, n, n % 2 ? drop_all : drop_archives);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_zip),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_wrap_non_mixed),
		cmocka_unit_test(test_single_part),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_nothing_removed),
		cmocka_unit_test(test_tag_message),
		cmocka_unit_test(test_subject_forms),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
