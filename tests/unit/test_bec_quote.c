/*
 * test_bec_quote.c - the quoted messages of a body and their authors
 * (src/bec/quote.c): every form as its client writes it (Outlook English,
 * 365 and Japanese, Gmail English and Japanese, Thunderbird, Apple Mail,
 * mutt, Becky!, '>'-quoted header blocks), full-width colons and spaces,
 * the NFKC form, names in quotes, Outlook's mailto text; what is no quote
 * (a newsletter's "From:", a sentence that starts with "On"); the bounds
 * (max, long lines, every prefix, binary input).
 */
#include "test_helpers.h"

#include <string.h>

#include "bec/quote.h"

/* The quotes found, one "form|name|address|depth" line each ("-" for NULL). */
static char *
found(const char *text, size_t len, unsigned max)
{
	GPtrArray *a = bec_quotes_find(text, len, max);
	GString *s = g_string_new("");
	for (guint i = 0; i < a->len; i++) {
		const struct bec_quote *q = g_ptr_array_index(a, i);
		assert_non_null(q->form);
		assert_true(q->name != NULL || q->address != NULL);
		assert_true(q->offset < len);
		g_string_append_printf(s, "%s|%s|%s|%u\n", q->form, q->name != NULL ? q->name : "-",
		    q->address != NULL ? q->address : "-", q->depth);
	}
	bec_quotes_free(a);
	return g_string_free(s, FALSE);
}

static void
expect(const char *text, const char *want)
{
	char *got = found(text, strlen(text), 100);
	assert_utf8_equal(got, want);
	g_free(got);
}

static void
test_outlook_en(void **state)
{
	(void)state;
	expect("Please see below.\r\n\r\nRegards,\r\nJohn\r\n\r\n"
	    "-----Original Message-----\r\n"
	    "From: Taro Yamada <yamada@Example.CO.JP>\r\n"
	    "Sent: Monday, December 1, 2026 10:00 AM\r\n"
	    "To: John Smith <john@partner.example>\r\n"
	    "Subject: RE: Invoice for November\r\n\r\n"
	    "Hello John,\r\n",
	    "outlook-en|Taro Yamada|yamada@example.co.jp|0\n");
	/* older Outlook: [mailto:], a comma in the name, in quotes */
	expect("-----Original Message-----\n"
	    "From: \"Yamada, Taro\" [mailto:yamada@example.co.jp]\n"
	    "Sent: Monday, December 01, 2026 10:00 AM\n"
	    "To: Smith, John\n"
	    "Subject: Invoice\n",
	    "outlook-en|Yamada, Taro|yamada@example.co.jp|0\n");
	/* Outlook's text of an HTML mail: bold keys, the mailto link written out */
	expect("*From:* Taro Yamada <yamada@example.co.jp<mailto:yamada@example.co.jp>>\n"
	    "*Sent:* Monday, December 1, 2026 10:00 AM\n"
	    "*To:* John Smith <john@partner.example<mailto:john@partner.example>>\n",
	    "header|Taro Yamada|yamada@example.co.jp|0\n");
	/* Outlook 365: the underscores line, no "Original Message" */
	expect("Thanks, noted.\n\n"
	    "________________________________\n"
	    "From: Taro Yamada <yamada@example.co.jp>\n"
	    "Sent: Monday, December 1, 2026 10:00\n"
	    "To: John Smith <john@partner.example>\n"
	    "Cc: Accounting <acct@partner.example>\n"
	    "Subject: Payment schedule\n",
	    "outlook-365|Taro Yamada|yamada@example.co.jp|0\n");
	/* an address alone, and a blank line between the keys */
	expect("-----Original Message-----\n"
	    "From: yamada@example.co.jp\n\n"
	    "Sent: Monday, December 1, 2026 10:00\n",
	    "outlook-en|-|yamada@example.co.jp|0\n");
}

static void
test_outlook_ja(void **state)
{
	(void)state;
	expect("お世話になっております。\n承知しました。\n\n"
	    "-----Original Message-----\n"
	    "差出人: 山田 太郎 <yamada@example.co.jp>\n"
	    "送信日時: 2026年12月1日 10:00\n"
	    "宛先: 鈴木 一郎 <suzuki@partner.example>\n"
	    "件名: 請求書の件\n",
	    "outlook-ja|山田 太郎|yamada@example.co.jp|0\n");
	/* full-width colon and space, the name in 「」, 365's underscores */
	expect("________________________________\n"
	    "差出人：　「山田　太郎」 <yamada@example.co.jp>\n"
	    "送信日時：2026年12月1日 月曜日 10:00\n"
	    "宛先：経理部\n",
	    "outlook-ja|山田　太郎|yamada@example.co.jp|0\n");
	/* Outlook for Mac: 日付 */
	expect("差出人: 山田 太郎 <yamada@example.co.jp>\n"
	    "日付: 2026年12月1日 月曜日 10:00\n"
	    "宛先: 鈴木 一郎 <suzuki@partner.example>\n",
	    "outlook-ja|山田 太郎|yamada@example.co.jp|0\n");
}

static void
test_on_wrote(void **state)
{
	(void)state;
	/* Gmail */
	expect("Sounds good.\n\n"
	    "On Mon, Dec 1, 2026 at 10:00 AM Taro Yamada <yamada@example.co.jp> wrote:\n\n"
	    "> Could you send the invoice?\n",
	    "on-wrote|Taro Yamada|yamada@example.co.jp|0\n");
	/* Gmail wraps a long attribution; the name has a comma */
	expect("On Mon, Dec 1, 2026 at 10:00 AM Yamada, Taro <\n"
	    "yamada@example.co.jp> wrote:\n> hi\n",
	    "on-wrote|Yamada, Taro|yamada@example.co.jp|0\n");
	/* Thunderbird (name only), 12- and 24-hour */
	expect("On 2026/12/01 10:00, Taro Yamada wrote:\n> hi\n",
	    "on-wrote|Taro Yamada|-|0\n");
	expect("On 12/1/2026 10:00 AM, Taro Yamada wrote:\n> hi\n",
	    "on-wrote|Taro Yamada|-|0\n");
	/* Apple Mail */
	expect("On Dec 1, 2026, at 10:00, Taro Yamada <yamada@example.co.jp> wrote:\n\n> hi\n",
	    "on-wrote|Taro Yamada|yamada@example.co.jp|0\n");
	/* mutt: seconds and a zone */
	expect("On Mon, Dec 01, 2026 at 10:00:00AM +0900, Taro Yamada wrote:\n> hi\n",
	    "on-wrote|Taro Yamada|-|0\n");
	/* Outlook: a zone in capitals */
	expect("On Monday, December 1, 2026 10:00:00 AM JST, Taro Yamada <yamada@example.co.jp> wrote:\n",
	    "on-wrote|Taro Yamada|yamada@example.co.jp|0\n");
	/* Becky!: the date on one line, the author on the next */
	expect("On Mon, 01 Dec 2026 10:00:00 +0900\n"
	    "Taro Yamada <yamada@example.co.jp> wrote:\n> hi\n",
	    "on-wrote|Taro Yamada|yamada@example.co.jp|0\n");
	/* no time: after the last ", " */
	expect("On Monday, 1 December 2026, yamada@example.co.jp wrote:\n> hi\n",
	    "on-wrote|-|yamada@example.co.jp|0\n");
	/* the date's rest after the time: "On 14:22 29 Aug 2002, Name" */
	expect("On 14:22 29 Aug 2002, Matthias Saou <matthias@example.net> wrote:\n",
	    "on-wrote|Matthias Saou|matthias@example.net|0\n");
	/* Eudora: "At <time> <date>, Name wrote:" before a quote */
	expect("At 11:06 AM 9/18/02 -0400, R. A. Hettinga wrote:\n>hi\n",
	    "wrote|R. A. Hettinga|-|0\n");
	expect("At 10:32 AM -0400 on 9/21/02, Gary Lawrence Murphy wrote:\n> hi\n",
	    "wrote|Gary Lawrence Murphy|-|0\n");
	/* no time, no comma: the date words before the author */
	expect("On Thu, 5 Sep 2002 someone@example.net wrote:\n",
	    "on-wrote|-|someone@example.net|0\n");
	/* a name like a month stays */
	expect("On Mon, Dec 1, 2026 at 10:00 AM Jan Novak <jan@example.cz> wrote:\n",
	    "on-wrote|Jan Novak|jan@example.cz|0\n");
	/* old Exchange "[SMTP:a]", and "[a]" */
	expect("-----Original Message-----\nFrom: Michael Zhao [SMTP:mzhao@example.com]\nSent: x\n",
	    "outlook-en|Michael Zhao|mzhao@example.com|0\n");
	expect("> From: Luciano Rocha [strange@example.org]\n> To: x\n",
	    "gt-header|Luciano Rocha|strange@example.org|1\n");
	/* "Name wrote:" alone only before a deeper quote */
	expect("Taro Yamada wrote:\n> hi\n", "wrote|Taro Yamada|-|0\n");
	expect("As the minister wrote:\nthe plan is good.\n", "");
	/* "On" and "wrote:" sharing the blank (the fuzzer's third find) */
	expect("On wrote:\n> x\n", "");
	expect("On  wrote:\n> x\n", "");
	/* a sentence starting with "On" is none */
	expect("On Monday we meet at 10:00 in the lobby.\nSee you.\n", "");
}

static void
test_ja_forms(void **state)
{
	(void)state;
	/* Gmail Japanese */
	expect("承知しました。\n\n"
	    "2026年12月1日(月) 10:00 山田 太郎 <yamada@example.co.jp>:\n\n"
	    "> 請求書をお送りします。\n",
	    "ja-date|山田 太郎|yamada@example.co.jp|0\n");
	/* full-width colon, "月曜日" */
	expect("2026年12月1日月曜日 10:00 山田 太郎 <yamada@example.co.jp>：\n",
	    "ja-date|山田 太郎|yamada@example.co.jp|0\n");
	/* a date line that is no attribution: no address, no colon */
	expect("2026年12月1日(月) 10:00 から会議です。\n", "");
	/* Thunderbird / Becky! Japanese */
	expect("山田 太郎 さんは書きました:\n> こんにちは\n", "ja-wrote|山田 太郎|-|0\n");
	expect("「山田 太郎」さんは書きました：\n", "ja-wrote|山田 太郎|-|0\n");
	expect("2026/12/01 10:00、山田 太郎 <yamada@example.co.jp> さんは書きました:\n",
	    "ja-wrote|山田 太郎|yamada@example.co.jp|0\n");
}

static void
test_gt_and_forward(void **state)
{
	(void)state;
	/* a '>'-quoted header block, two levels, in order */
	expect("Fine.\n\n"
	    "> -----Original Message-----\n"
	    "> From: Taro Yamada <yamada@example.co.jp>\n"
	    "> Sent: Monday, December 1, 2026 10:00 AM\n"
	    "> Subject: RE: invoice\n"
	    ">\n"
	    "> > From: John Smith <john@partner.example>\n"
	    "> > Date: Sun, 30 Nov 2026 09:00:00 +0000\n"
	    "> > To: Taro Yamada <yamada@example.co.jp>\n",
	    "outlook-en|Taro Yamada|yamada@example.co.jp|1\n"
	    "gt-header|John Smith|john@partner.example|2\n");
	/* full-width '＞' of the NFKC-less text */
	expect("＞ 差出人: 山田 太郎 <yamada@example.co.jp>\n＞ 件名: 見積\n",
	    "outlook-ja|山田 太郎|yamada@example.co.jp|1\n");
	/* Thunderbird forward: Subject and Date before From */
	expect("-------- Forwarded Message --------\n"
	    "Subject: \tInvoice\n"
	    "Date: \tMon, 1 Dec 2026 10:00:00 +0900\n"
	    "From: \tTaro Yamada <yamada@example.co.jp>\n"
	    "To: \tjohn@partner.example\n",
	    "forward|Taro Yamada|yamada@example.co.jp|0\n");
	/* Gmail forward */
	expect("---------- Forwarded message ---------\n"
	    "From: Taro Yamada <yamada@example.co.jp>\n"
	    "Date: Mon, Dec 1, 2026 at 10:00 AM\n"
	    "Subject: Invoice\n",
	    "forward|Taro Yamada|yamada@example.co.jp|0\n");
	/* "addr (Name)" */
	expect("> From: yamada@example.co.jp (Taro Yamada)\n> Date: Mon, 1 Dec 2026\n",
	    "gt-header|Taro Yamada|yamada@example.co.jp|1\n");
}

/* A hijacked reply and the real one: the quoted author is what the module compares. */
static void
test_reply_threads(void **state)
{
	(void)state;
	static const char real[] =
	    "John,\n\nthe revised quotation is attached.\n\nTaro\n\n"
	    "On Mon, Dec 1, 2026 at 10:00 AM John Smith <john@partner.example> wrote:\n"
	    "> Taro,\n> please send the revised quotation.\n>\n"
	    "> On Sun, Nov 30, 2026 at 9:00 PM Taro Yamada <yamada@example.co.jp> wrote:\n"
	    ">> Here is the first quotation.\n";
	expect(real, "on-wrote|John Smith|john@partner.example|0\n"
	    "on-wrote|Taro Yamada|yamada@example.co.jp|1\n");
	static const char hijack[] =
	    "お世話になっております。\n添付の請求書をご確認ください。\n\n"
	    "差出人: 山田 太郎 <yamada@example.co.jp>\n"
	    "送信日時: 2026年12月1日 10:00\n"
	    "宛先: 鈴木 一郎 <suzuki@partner.example>\n"
	    "件名: RE: 見積の件\n\n本文\n";
	expect(hijack, "outlook-ja|山田 太郎|yamada@example.co.jp|0\n");
}

static void
test_not_quotes(void **state)
{
	(void)state;
	/* a newsletter: "From:" in the text, no header after it */
	expect("This week's column\n\nFrom: the editor's desk\n\nWe have news.\n"
	    "Subject matter experts agree.\n", "");
	expect("From: Tokyo, to: everyone\n\nHappy new year!\n", "");	/* "to:" is on the line */
	/* a header line of another depth does not make a block */
	expect("From: Taro Yamada <yamada@example.co.jp>\n> Sent: Monday\n", "");
	/* no name, no address */
	expect("From:\nSent: Monday\n", "");
	/* a bad address: the name alone is kept only when it is a name */
	expect("-----Original Message-----\nFrom: <yamada@@example>\nSent: x\n", "");
	expect("", "");
}

static void
test_bounds(void **state)
{
	(void)state;
	/* max */
	GString *s = g_string_new("");
	for (int i = 0; i < 50; i++)
		g_string_append_printf(s, "On Mon, Dec 1, 2026 at 10:%02d AM P%d <p%d@example.com> wrote:\n",
		    i, i, i);
	GPtrArray *a = bec_quotes_find(s->str, s->len, 7);
	assert_int_equal(a->len, 7);
	const struct bec_quote *q = g_ptr_array_index(a, 6);
	assert_non_null(q->name);
	assert_string_equal(q->name, "P6");
	assert_string_equal(q->address, "p6@example.com");
	assert_int_equal(q->offset, 6 * strlen("On Mon, Dec 1, 2026 at 10:00 AM P0 <p0@example.com> wrote:\n"));
	bec_quotes_free(a);
	a = bec_quotes_find(s->str, s->len, 0);
	assert_int_equal(a->len, 0);
	bec_quotes_free(a);
	/* len is honoured: the text is cut inside the first line */
	a = bec_quotes_find(s->str, 20, 100);
	assert_int_equal(a->len, 0);
	bec_quotes_free(a);
	g_string_free(s, TRUE);

	/* a line longer than BEC_QUOTE_LINE_MAX is skipped */
	s = g_string_new("From: ");
	for (int i = 0; i < BEC_QUOTE_LINE_MAX; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, " <x@example.com>\nSent: Monday\n");
	char *got = found(s->str, s->len, 10);
	assert_string_equal(got, "");
	g_free(got);
	g_string_free(s, TRUE);

	/* a long name is cut at BEC_QUOTE_NAME_MAX, on a character */
	s = g_string_new("From: ");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "山");
	g_string_append(s, " <x@example.com>\nSent: Monday\n");
	a = bec_quotes_find(s->str, s->len, 10);
	assert_int_equal(a->len, 1);
	q = g_ptr_array_index(a, 0);
	assert_true(strlen(q->name) <= BEC_QUOTE_NAME_MAX);
	assert_true(g_utf8_validate(q->name, -1, NULL));
	bec_quotes_free(a);
	g_string_free(s, TRUE);

	/* NULs and invalid bytes become U+FFFD: still at most BEC_QUOTE_NAME_MAX */
	s = g_string_new("__ ");
	for (int i = 0; i < 200; i++)
		g_string_append_c(s, i % 2 ? '\0' : '\xb4');
	g_string_append(s, " wrote:\n> x\n");
	a = bec_quotes_find(s->str, s->len, 10);
	assert_int_equal(a->len, 1);
	q = g_ptr_array_index(a, 0);
	assert_true(strlen(q->name) <= BEC_QUOTE_NAME_MAX);
	assert_true(strlen(q->name) > 200);
	assert_true(g_utf8_validate(q->name, -1, NULL));
	bec_quotes_free(a);
	g_string_free(s, TRUE);

	/* an address with invalid UTF-8 is none (the fuzzer's fourth find) */
	char *got2 = found("From: T <ya\xff\xffmada@example.com>\nSent: x\n", 39, 10);
	assert_string_equal(got2, "header|T|-|0\n");
	g_free(got2);

	/* every prefix of a many-form text, and its bytes flipped: no crash */
	static const char many[] =
	    "> -----Original Message-----\n> From: \"Y, T\" [mailto:y@example.jp]\n> Sent: x\n"
	    "差出人：山田 <y@example.jp>\n件名：x\n"
	    "On Mon, Dec 1, 2026 at 10:00 AM T Y <\ny@example.jp> wrote:\n"
	    "2026年12月1日(月) 10:00 山田 <y@example.jp>:\n「山田」さんは書きました:\n";
	for (size_t n = 0; n <= sizeof(many) - 1; n++) {
		char *c = g_memdup2(many, n > 0 ? n : 1);
		a = bec_quotes_find(c, n, 100);
		bec_quotes_free(a);
		if (n > 0) {
			c[n / 2] ^= 0x80;
			a = bec_quotes_find(c, n, 100);
			bec_quotes_free(a);
		}
		g_free(c);
	}
	a = bec_quotes_find(many, sizeof(many) - 1, 100);
	assert_int_equal(a->len, 5);
	bec_quotes_free(a);
	a = bec_quotes_find(NULL, 0, 10);
	assert_int_equal(a->len, 0);
	bec_quotes_free(a);
}

/* Linear time: a megabyte of near-misses in well under a second. */
static void
test_linear(void **state)
{
	(void)state;
	GString *s = g_string_new("");
	while (s->len < (1u << 20))
		g_string_append(s, "On On On 10:00 wrote\nFrom: x\n>>>>>>> From: y\n");
	gint64 t0 = g_get_monotonic_time();
	GPtrArray *a = bec_quotes_find(s->str, s->len, 1000);
	gint64 us = g_get_monotonic_time() - t0;
	assert_int_equal(a->len, 0);
	assert_true(us < 1000000);
	bec_quotes_free(a);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outlook_en),
		cmocka_unit_test(test_outlook_ja),
		cmocka_unit_test(test_on_wrote),
		cmocka_unit_test(test_ja_forms),
		cmocka_unit_test(test_gt_and_forward),
		cmocka_unit_test(test_reply_threads),
		cmocka_unit_test(test_not_quotes),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
