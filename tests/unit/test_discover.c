/*
 * test_discover.c - candidate passwords in a mail's text (src/ppap/
 * discover.c): the phrasings in Japanese and English, full-width text,
 * next-line values, brackets, quoted replies, negatives, ranking and the
 * cap; whole messages (UTF-8, ISO-2022-JP, Shift_JIS, HTML only) parsed
 * with the message model; ppap_is_password_mail and ppap_subject_key.
 *
 * Every expectation is the exact candidate list, best first.  Japanese
 * test text is UTF-8 in the source; the ISO-2022-JP and Shift_JIS bodies
 * are made from it with g_convert().
 */
#include "test_helpers.h"

#include <stdio.h>
#include <time.h>

#include "mime/message.h"
#include "objects/password.h"
#include "ppap/discover.h"

/* ---- helpers ---------------------------------------------------------- */

static const struct mime_limits lim_default = {
	.max_size = 50u << 20,
	.max_decoded = 200u << 20,
	.max_parts = 500,
	.max_depth = 20,
};

/*
 * Lists and messages not yet freed: a failing assertion jumps out of its
 * test, and the group teardown frees what it left, so that LeakSanitizer
 * reports only real leaks.
 */
static GPtrArray *live_lists, *live_msgs;

static struct pw_list *
new_list(void)
{
	struct pw_list *l = pw_list_new(0, 0);
	g_ptr_array_add(live_lists, l);
	return l;
}

static void
drop_list(struct pw_list *l)
{
	g_ptr_array_remove_fast(live_lists, l);	/* frees it */
}

static struct mime_message *
parse(const char *s, size_t len)
{
	struct mime_message *m = mime_message_parse((const uint8_t *)s, len, &lim_default);
	assert_non_null(m);
	g_ptr_array_add(live_msgs, m);
	return m;
}

static void
drop_msg(struct mime_message *m)
{
	g_ptr_array_remove_fast(live_msgs, m);	/* frees it */
}

static int
group_setup(void **state)
{
	(void)state;
	live_lists = g_ptr_array_new_with_free_func((GDestroyNotify)pw_list_free);
	live_msgs = g_ptr_array_new_with_free_func((GDestroyNotify)mime_message_free);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	g_ptr_array_unref(live_lists);
	g_ptr_array_unref(live_msgs);
	return 0;
}

/* Whether l holds exactly want (NULL-terminated), in order; prints both. */
static void
check_list(const struct pw_list *l, const char *const *want)
{
	guint n = 0;
	bool ok = true;

	while (want[n] != NULL)
		n++;
	ok = l->cands->len == n;
	for (guint i = 0; ok && i < n; i++)
		ok = strcmp(((const struct pw_cand *)l->cands->pdata[i])->pw, want[i]) == 0;
	if (ok)
		return;
	print_error("got  %u:", l->cands->len);
	for (guint i = 0; i < l->cands->len; i++) {
		const struct pw_cand *c = l->cands->pdata[i];
		print_error(" \"%s\" [%s]", c->pw, c->where);
	}
	print_error("\nwant %u:", n);
	for (guint i = 0; i < n; i++)
		print_error(" \"%s\"", want[i]);
	print_error("\n");
	fail();
}

/* The candidates of a text (label "body", at most 10). */
static void
expect_text(const char *text, const char *const *want)
{
	struct pw_list *l = new_list();
	ppap_discover_text(text, strlen(text), PW_SRC_BODY, "body", l, 10);
	check_list(l, want);
	for (guint i = 0; i < l->cands->len; i++)
		assert_int_equal(((const struct pw_cand *)l->cands->pdata[i])->src, PW_SRC_BODY);
	drop_list(l);
}

#define EXPECT(text, ...) expect_text((text), (const char *const []){ __VA_ARGS__, NULL })
#define EXPECT_NONE(text) expect_text((text), (const char *const []){ NULL })

static const char *
where_of(const struct pw_list *l, guint i)
{
	assert_true(i < l->cands->len);
	return ((const struct pw_cand *)l->cands->pdata[i])->where;
}

/* base64 of s, for a body or an encoded-word */
static char *
b64(const char *s)
{
	return g_base64_encode((const guchar *)s, strlen(s));
}

/*
 * A message: subject (UTF-8, sent as an RFC 2047 encoded-word; NULL for
 * none), one body part of type ctype, body (UTF-8) converted to charset
 * and sent as 8bit (7bit for ISO-2022-JP, base64 for "base64:UTF-8").
 */
static struct mime_message *
make_msg(const char *subject, const char *ctype, const char *charset, const char *body)
{
	GString *g = g_string_new("From: sender@example.jp\r\nTo: rcpt@example.com\r\n"
	    "Date: Mon, 1 Jan 2024 10:00:00 +0900\r\nMessage-ID: <id@example.jp>\r\n"
	    "MIME-Version: 1.0\r\n");
	if (subject != NULL) {
		char *e = b64(subject);
		g_string_append_printf(g, "Subject: =?UTF-8?B?%s?=\r\n", e);
		g_free(e);
	}
	bool base64 = g_str_has_prefix(charset, "base64:");
	const char *cs = base64 ? charset + 7 : charset;
	g_string_append_printf(g, "Content-Type: %s; charset=%s\r\n", ctype, cs);
	gsize w = 0;
	char *conv = g_convert(body, -1, cs, "UTF-8", NULL, &w, NULL);
	assert_non_null(conv);
	if (base64) {
		char *e = g_base64_encode((const guchar *)conv, w);
		g_string_append_printf(g, "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n", e);
		g_free(e);
	} else {
		g_string_append_printf(g, "Content-Transfer-Encoding: %s\r\n\r\n",
		    g_ascii_strcasecmp(cs, "ISO-2022-JP") == 0 ? "7bit" : "8bit");
		g_string_append_len(g, conv, (gssize)w);
	}
	g_free(conv);
	struct mime_message *m = parse(g->str, g->len);
	g_string_free(g, TRUE);
	return m;
}

static void
expect_msg(const struct mime_message *m, const char *const *want)
{
	struct pw_list *l = new_list();
	ppap_discover_message(m, PW_SRC_FOLLOWUP, l, 10);
	check_list(l, want);
	drop_list(l);
}

#define EXPECT_MSG(m, ...) expect_msg((m), (const char *const []){ __VA_ARGS__, NULL })
#define EXPECT_MSG_NONE(m) expect_msg((m), (const char *const []){ NULL })

/* ---- Japanese phrasings ------------------------------------------------ */

static void
test_ja_colon(void **state)
{
	(void)state;
	EXPECT("お世話になっております。\nパスワード：abc123\n", "abc123");
	EXPECT("パスワード: Xy7#kP2q", "Xy7#kP2q");
	EXPECT("パスワード　：　Xy7#kP2q", "Xy7#kP2q");
}

static void
test_ja_wa(void **state)
{
	(void)state;
	EXPECT("パスワードは abc123 です。", "abc123");
	EXPECT("パスワードはabc123になります。", "abc123");
	EXPECT("パスワードは、zxcv0987となります。", "zxcv0987");
}

static void
test_ja_wa_bracket(void **state)
{
	(void)state;
	EXPECT("ファイルのパスワードは「Ab3-xY9」です。", "Ab3-xY9");
	EXPECT("パスワードは『mamori55』です", "mamori55");
}

static void
test_ja_kaitou(void **state)
{
	(void)state;
	EXPECT("解凍パスワード：zip2024Q1", "zip2024Q1");
	EXPECT("解凍用パスワード＝mamori77", "mamori77");
	EXPECT("解凍キー：Kj8s9d0f", "Kj8s9d0f");
	EXPECT("解凍用キーは「key-4455」です。", "key-4455");
}

static void
test_ja_angouka(void **state)
{
	(void)state;
	EXPECT("暗号化パスワード　【pw4Tokyo】", "pw4Tokyo");
}

static void
test_ja_oshirase_next_line(void **state)
{
	(void)state;
	EXPECT("山田様\n\n先ほどお送りしたファイルのパスワードをお知らせします。\n\nHq72mZx4\n\n"
	    "よろしくお願いいたします。\n", "Hq72mZx4");
}

static void
test_ja_ika_ga(void **state)
{
	(void)state;
	EXPECT("以下がパスワードです。\nsakura2024\n", "sakura2024");
	EXPECT("解凍パスワードは以下の通りです。\n\n  「pass-1234」\n", "pass-1234");
}

static void
test_ja_kaki_bullet(void **state)
{
	(void)state;
	EXPECT("下記パスワードにて解凍してください。\n・ Tm9#q2Lp\n", "Tm9#q2Lp");
	EXPECT("パスワード：\n\n■ Rk55pp00\n", "Rk55pp00");
}

static void
test_ja_next_line_named(void **state)
{
	(void)state;
	/* "file: value" on the line after the announcement */
	EXPECT("パスワードは以下の通りです。\n見積書.zip：Mt2024a\n", "Mt2024a");
}

static void
test_ja_tag_keyword(void **state)
{
	(void)state;
	EXPECT("【パスワード】 Lp09mn88", "Lp09mn88");
	EXPECT("【パスワード】\nLp09mn88", "Lp09mn88");
}

static void
test_ja_descriptor(void **state)
{
	(void)state;
	EXPECT("パスワード（半角英数字）：kL3mN8pQ", "kL3mN8pQ");
	EXPECT("パスワード(invoice.zip): kL3mN8pQ", "kL3mN8pQ");
	/* a note in brackets without a value is none */
	EXPECT_NONE("パスワード（半角）");
}

static void
test_ja_halfwidth_kana(void **state)
{
	(void)state;
	EXPECT("ﾊﾟｽﾜｰﾄﾞ:Kana5566", "Kana5566");
}

static void
test_ja_non_ascii_value(void **state)
{
	(void)state;
	/* non-ASCII only when bracketed */
	EXPECT("パスワード：「さくら2024」", "さくら2024");
	EXPECT_NONE("パスワード：さくら2024");
}

/* ---- English and others ------------------------------------------------ */

static void
test_en_pw(void **state)
{
	(void)state;
	EXPECT("PW: abc12345", "abc12345");
	EXPECT("P/W : qwerty99", "qwerty99");
	EXPECT("PWD=Zz12xy", "Zz12xy");
	EXPECT("pw=ab12cd", "ab12cd");
}

static void
test_en_pass(void **state)
{
	(void)state;
	EXPECT("PASS: mamo1234", "mamo1234");
	EXPECT("pass:  hello2024", "hello2024");
	/* the verb is not a keyword */
	EXPECT_NONE("Please pass this to your manager.");
}

static void
test_en_password(void **state)
{
	(void)state;
	EXPECT("Password: S3cure!pw", "S3cure!pw");
	EXPECT("Dear Sir,\nthe password is tiger123.\n", "tiger123");
	EXPECT("Passwords: 'single88'", "single88");
}

static void
test_en_password_for(void **state)
{
	(void)state;
	EXPECT("The password for invoice.zip is Inv#2024.", "Inv#2024");
	EXPECT("The password to open the attached file: open9999", "open9999");
	EXPECT_NONE("Password for invoice.zip");
}

static void
test_en_next_line(void **state)
{
	(void)state;
	EXPECT("Here is the password:\n\n  9f8e7d6c\n", "9f8e7d6c");
	EXPECT("The password is as follows.\n- Qq11Ww22\n", "Qq11Ww22");
}

static void
test_de_kennwort(void **state)
{
	(void)state;
	EXPECT("Das Kennwort lautet: Berlin2024", "Berlin2024");
}

/* ---- NFKC -------------------------------------------------------------- */

static void
test_fullwidth(void **state)
{
	(void)state;
	/* NFKC first, as typed right after */
	EXPECT("ＰＡＳＳ：ａｂｃ１２３", "abc123", "ａｂｃ１２３");
	EXPECT("パスワード：ａｂｃ123", "abc123", "ａｂｃ123");
	/* full-width keyword, ASCII value: one form */
	EXPECT("ＰＡＳＳＷＯＲＤ：abc123", "abc123");
}

static void
test_fullwidth_where(void **state)
{
	(void)state;
	struct pw_list *l = new_list();
	const char *t = "本文\nパスワード：ｘｙｚ７８９\n";
	ppap_discover_text(t, strlen(t), PW_SRC_BODY, "text part 1", l, 10);
	assert_int_equal(l->cands->len, 2);
	assert_utf8_equal(where_of(l, 0), "text part 1, line 2 (パスワード)");
	assert_utf8_equal(where_of(l, 1), "text part 1, line 2 (パスワード, as typed)");
	drop_list(l);
}

static void
test_fullwidth_two_values(void **state)
{
	(void)state;
	/* the raw walk resumes for the second value of a line */
	EXPECT("ＰＷ：ａｂｃ１２３ ＰＷ：ｄｅｆ４５６",
	    "abc123", "ａｂｃ１２３", "def456", "ｄｅｆ４５６");
}

/* ---- brackets, punctuation -------------------------------------------- */

static void
test_brackets(void **state)
{
	(void)state;
	EXPECT("パスワード『aaa111』\nPassword: [bbb222]\nPW（ccc333）\n"
	    "パスワード：“ddd444”\nパスワード：［eee555］\nPW \"fff666\"",
	    "aaa111", "bbb222", "ccc333", "ddd444", "eee555", "fff666");
}

static void
test_trailing_punct(void **state)
{
	(void)state;
	EXPECT("パスワードはqwer5678。", "qwer5678");
	EXPECT("password: asdf4321.", "asdf4321");
	EXPECT("パスワード：zxcv1234、よろしくお願いします", "zxcv1234");
}

/* ---- ranking, cap, labels ---------------------------------------------- */

static void
test_ranking(void **state)
{
	(void)state;
	/* explicit, then next line, then loose; document order within */
	EXPECT("PW abc12345\nパスワード：\nxyz98765\nパスワード：qrs55555\n",
	    "qrs55555", "xyz98765", "abc12345");
}

static void
test_cap(void **state)
{
	(void)state;
	struct pw_list *l = new_list();
	const char *t = "PW: aaaa1111\nPW: bbbb2222\nPW: cccc3333\nPW: dddd4444\nPW: eeee5555\n";
	ppap_discover_text(t, strlen(t), PW_SRC_BODY, "body", l, 3);
	check_list(l, (const char *const []){ "aaaa1111", "bbbb2222", "cccc3333", NULL });
	/* a second call adds at most max new ones, skipping what l holds */
	ppap_discover_text(t, strlen(t), PW_SRC_BODY, "body", l, 1);
	check_list(l, (const char *const []){ "aaaa1111", "bbbb2222", "cccc3333", "dddd4444", NULL });
	ppap_discover_text(t, strlen(t), PW_SRC_BODY, "body", l, 0);
	assert_int_equal(l->cands->len, 4);
	drop_list(l);
}

static void
test_duplicates(void **state)
{
	(void)state;
	/* once, at its best rank */
	EXPECT("PW dup4567x\nPW: other999\nパスワード：dup4567x\n", "other999", "dup4567x");
}

static void
test_where_next_line(void **state)
{
	(void)state;
	struct pw_list *l = new_list();
	const char *t = "> 以下がパスワードです。\n>\n> qn55rt66\n";
	ppap_discover_text(t, strlen(t), PW_SRC_BODY, "text part 2", l, 10);
	check_list(l, (const char *const []){ "qn55rt66", NULL });
	assert_utf8_equal(where_of(l, 0), "text part 2, line 3 (パスワード on line 1)");
	drop_list(l);
}

/* ---- quoted text -------------------------------------------------------- */

static void
test_quoted(void **state)
{
	(void)state;
	EXPECT("ありがとうございます。\n\n> パスワード：quote123\n>> 解凍パスワード：deep4567\n",
	    "quote123", "deep4567");
	EXPECT(">パスワードをお知らせします。\n> \n>   Qx12Zy34\n", "Qx12Zy34");
}

/* ---- negatives ---------------------------------------------------------- */

static void
test_neg_betto(void **state)
{
	(void)state;
	EXPECT_NONE("添付ファイルのパスワードは別途お送りします。\n\nabc12345\n");
	EXPECT_NONE("パスワードは別メールにてお知らせいたします。\nZz99Yy88\n");
	EXPECT_NONE("パスワードは後ほどご連絡します。\n");
	EXPECT_NONE("パスワード付きZIPファイルをお送りします。\nよろしくお願いします。\n");
}

static void
test_neg_english(void **state)
{
	(void)state;
	EXPECT_NONE("The password will be sent in a separate email.\nBest regards,\nTaro");
	EXPECT_NONE("Password: sent separately");
	EXPECT_NONE("Password: Please see the next mail");
	EXPECT_NONE("Here is the password:\n\nBest regards,\nTaro\n");
}

static void
test_neg_phishing(void **state)
{
	(void)state;
	EXPECT_NONE("Your password expires today.\nClick the password reset link below:\n"
	    "https://evil.example/reset?pw=abcd1234&id=1\n");
	EXPECT_NONE("Your mailbox password has been locked. Verify your password now.");
}

static void
test_neg_not_a_password(void **state)
{
	(void)state;
	EXPECT_NONE("パスワード：https://example.com/secret\nPW: taro@example.co.jp\n"
	    "パスワード：2024/03/15\nパスワード：invoice.zip\nPW: ****\nPW: xxxx\n"
	    "パスワード：パスワード\nPassword: below\n");
	/* too short, too long */
	EXPECT_NONE("PW: abc");
	EXPECT_NONE("PW: a123456789012345678901234567890123456789012345678901234567890123456789");
}

static void
test_neg_prose(void **state)
{
	(void)state;
	EXPECT_NONE("パスワードの設定をお願いします。\nsakura2024\n");
	EXPECT_NONE("ZIPファイルにパスワードを設定しています。");
	/* loose values must look like passwords */
	EXPECT_NONE("password protected document");
	EXPECT_NONE("The password-protected file is attached.\nUse pass-through.\n");
	EXPECT("PW - dash1234", "dash1234");
}

/* ---- robustness --------------------------------------------------------- */

static void
test_invalid_utf8(void **state)
{
	(void)state;
	static const char t[] = "PW: abc\xff\xfe" "123\nPW: ok\x80zz99\n\x00PW: after0nul";
	struct pw_list *l = new_list();
	ppap_discover_text(t, sizeof t - 1, PW_SRC_BODY, "body", l, 10);
	for (guint i = 0; i < l->cands->len; i++)
		assert_true(g_utf8_validate(((const struct pw_cand *)l->cands->pdata[i])->pw, -1, NULL));
	drop_list(l);
	/* empty and NULL input */
	l = new_list();
	ppap_discover_text(NULL, 0, PW_SRC_BODY, NULL, l, 10);
	ppap_discover_text("", 0, PW_SRC_BODY, NULL, l, 10);
	assert_int_equal(l->cands->len, 0);
	drop_list(l);
}

static void
test_crlf(void **state)
{
	(void)state;
	EXPECT("パスワード：\r\n\r\nCr1fPass\r\n", "Cr1fPass");
}

/* CPU time of this thread in µs (wall time is noisy on a busy machine) */
static gint64
cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* 1 MB of text (only DISC_TEXT_MAX of it is read): well under 50 ms. */
static void
test_speed(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"お世話になっております。本日は見積書をお送りいたします。ご確認ください。\n",
		"The password for the quarterly report will follow. pass pass pw pw p/w\n",
		"パスワード：Zx81Yw72\n",
		"pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw/pw\n",
		"ＰＷ：ａｂｃ１２３ ＰＷ：ｄｅｆ４５６ ＰＷ：ｇｈｉ７８９\n",
	};
	GString *g = g_string_new(NULL);
	for (unsigned i = 0; g->len < (1u << 20); i++)
		g_string_append(g, lines[i % G_N_ELEMENTS(lines)]);
	/* one long line of keywords too */
	GString *one = g_string_new(NULL);
	while (one->len < (1u << 20))
		g_string_append(one, "pw:pw:pw:パスワードは");

	struct pw_list *l = new_list();
	gint64 t0 = cpu_us();
	ppap_discover_text(g->str, g->len, PW_SRC_BODY, "body", l, 20);
	gint64 t1 = cpu_us();
	ppap_discover_text(one->str, one->len, PW_SRC_BODY, "body", l, 20);
	gint64 t2 = cpu_us();
	printf("discover: 1 MB of mixed lines %.1f ms, 1 MB line of keywords %.1f ms (CPU)\n",
	    (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0);
	assert_true(l->cands->len > 0);
	assert_utf8_equal(((const struct pw_cand *)l->cands->pdata[0])->pw, "Zx81Yw72");
	/* generous for sanitizer builds; see the printed figures */
	assert_true(t1 - t0 < 1000000);
	assert_true(t2 - t1 < 1000000);
	drop_list(l);
	g_string_free(g, TRUE);
	g_string_free(one, TRUE);
}

/* ---- messages ----------------------------------------------------------- */

#define BODY_JA "山田様\r\n\r\nお世話になっております。\r\n先ほどお送りした見積書のパスワードを" \
	"お知らせします。\r\n\r\nパスワード：ａｂｃ１２３\r\n\r\nよろしくお願いいたします。\r\n"

static void
test_msg_utf8(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("見積書送付の件", "text/plain", "base64:UTF-8", BODY_JA);
	/* the announcement wants the next line, but it is a keyword line */
	EXPECT_MSG(m, "abc123", "ａｂｃ１２３");
	drop_msg(m);
}

static void
test_msg_iso2022jp(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("【パスワード】見積書送付の件", "text/plain",
	    "ISO-2022-JP", BODY_JA);
	EXPECT_MSG(m, "abc123", "ａｂｃ１２３");
	struct pw_list *l = new_list();
	ppap_discover_message(m, PW_SRC_FOLLOWUP, l, 10);
	assert_int_equal(((const struct pw_cand *)l->cands->pdata[0])->src, PW_SRC_FOLLOWUP);
	assert_utf8_equal(where_of(l, 0), "text part 1, line 6 (パスワード)");
	drop_list(l);
	assert_true(ppap_is_password_mail(m));
	drop_msg(m);
}

static void
test_msg_sjis(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("Re: 見積書", "text/plain", "Shift_JIS",
	    "解凍パスワードは以下の通りです。\r\n\r\n「Sj1s-Pass」\r\n");
	EXPECT_MSG(m, "Sj1s-Pass");
	drop_msg(m);
}

static void
test_msg_html_only(void **state)
{
	(void)state;
	struct mime_message *m = make_msg(NULL, "text/html", "UTF-8",
	    "<html><head><title>PW: T1tleNo</title><style>p{}</style></head><body>"
	    "<p>お世話になっております。</p><p>パスワード：</p><div>Ht5mlPw9</div>"
	    "<table><tr><td>PW</td><td>Td7x8y9z</td></tr></table>"
	    "解凍キー<br>Br3akPw1<ul><li>pw &#65306; Li5t0001</li></ul>"
	    "<script>var pw = 'Scr1ptPw';</script><p>PW:\n<b>Sp4nBold</b></p>"
	    "</body></html>");
	EXPECT_MSG(m, "Li5t0001", "Sp4nBold", "Ht5mlPw9", "Td7x8y9z", "Br3akPw1");
	struct pw_list *l = new_list();
	ppap_discover_message(m, PW_SRC_BODY, l, 10);
	assert_true(g_str_has_prefix(where_of(l, 0), "html part 1, line "));
	drop_list(l);
	drop_msg(m);
}

static void
test_msg_alternative(void **state)
{
	(void)state;
	static const char raw[] =
	    "From: a@example.jp\r\nTo: b@example.com\r\nSubject: PW: Subj9876\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
	    "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89: Alt3rn8v\r\n"
	    "PW\r\nNext7788\r\n"
	    "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<p>\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89: Alt3rn8v</p>\r\n"
	    "--B--\r\n";
	struct mime_message *m = parse(raw, sizeof raw - 1);
	/* body explicit, then the Subject's, then the next-line value */
	EXPECT_MSG(m, "Alt3rn8v", "Subj9876", "Next7788");
	drop_msg(m);
}

static void
test_msg_quoted_reply(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("Re: 【パスワード】見積書送付の件", "text/plain", "UTF-8",
	    "受領しました。\r\n\r\n> 山田様\r\n> 解凍用パスワード：\r\n>\r\n> Qu0tedPw\r\n");
	EXPECT_MSG(m, "Qu0tedPw");
	drop_msg(m);
}

static void
test_msg_subject_marker_only(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("【パスワード】見積書の件", "text/plain", "UTF-8",
	    "先ほどのメールの添付ファイルについて。\r\n");
	EXPECT_MSG_NONE(m);
	assert_true(ppap_is_password_mail(m));
	drop_msg(m);
	m = make_msg("Password for invoice.zip", "text/plain", "UTF-8", "Hello.\r\n");
	EXPECT_MSG_NONE(m);
	assert_true(ppap_is_password_mail(m));
	drop_msg(m);
}

static void
test_msg_betto(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("見積書送付の件", "text/plain", "ISO-2022-JP",
	    "見積書を添付いたします。\r\nパスワードは別途お送りします。\r\n\r\nabc12345\r\n");
	EXPECT_MSG_NONE(m);
	assert_false(ppap_is_password_mail(m));
	drop_msg(m);
}

static void
test_is_password_mail(void **state)
{
	(void)state;
	struct mime_message *m = make_msg("Password reset required", "text/plain", "UTF-8",
	    "Click the link below to reset your password.\r\nhttps://evil.example/reset\r\n");
	assert_false(ppap_is_password_mail(m));
	EXPECT_MSG_NONE(m);
	drop_msg(m);
	m = make_msg("パスワード変更のお願い", "text/plain", "UTF-8", "期限が切れます。\r\n");
	assert_false(ppap_is_password_mail(m));
	drop_msg(m);
	/* no keyword in the subject, a keyword line with a value in the body */
	m = make_msg("見積書", "text/plain", "Shift_JIS", "PW：Sh1ft777\r\n");
	assert_true(ppap_is_password_mail(m));
	drop_msg(m);
	m = make_msg("見積書", "text/plain", "UTF-8", "お世話になっております。\r\n");
	assert_false(ppap_is_password_mail(m));
	drop_msg(m);
	m = make_msg("パスワードのお知らせ", "text/plain", "UTF-8", "abc\r\n");
	assert_true(ppap_is_password_mail(m));
	drop_msg(m);
	assert_false(ppap_is_password_mail(NULL));
}

/* ---- subject keys ------------------------------------------------------- */

static void
expect_same_key(const char *a, const char *b)
{
	char *ka = ppap_subject_key(a), *kb = ppap_subject_key(b);
	if (strcmp(ka, kb) != 0) {
		print_error("\"%s\" -> \"%s\"\n\"%s\" -> \"%s\"\n", a, ka, b, kb);
		g_free(ka);
		g_free(kb);
		fail();
	}
	g_free(ka);
	g_free(kb);
}

static void
expect_key(const char *s, const char *want)
{
	char *k = ppap_subject_key(s);
	bool ok = strcmp(k, want) == 0;
	if (!ok)
		print_error("\"%s\" -> \"%s\", want \"%s\"\n", s != NULL ? s : "(null)", k, want);
	g_free(k);
	if (!ok)
		fail();
}

static void
test_subject_key_pairs(void **state)
{
	(void)state;
	const char *orig = "見積書送付の件";
	expect_key(orig, "見積書送付の件");
	expect_same_key("【パスワード】見積書送付の件", orig);
	expect_same_key("Re: 【パスワード】見積書送付の件", orig);
	expect_same_key("【PW】見積書送付の件", orig);
	expect_same_key("[password] 見積書送付の件", orig);
	expect_same_key("パスワードのお知らせ：見積書送付の件", orig);
	expect_same_key("パスワードのお知らせ（見積書送付の件）", orig);
	expect_same_key("見積書送付の件のパスワード", orig);
	expect_same_key("見積書送付の件 パスワード送付", orig);
	expect_same_key("転送: 見積書送付の件", orig);
	expect_same_key("返信：見積書送付の件", orig);
	expect_same_key("FW: RE: Fwd: 見積書送付の件", orig);
	expect_same_key("Re[2]: 見積書送付の件", orig);
	expect_same_key("【再送】見積書　送付の件", orig);
	expect_same_key("Password for 見積書送付の件", orig);
	expect_same_key("パスワード：見積書送付の件", orig);
}

static void
test_subject_key_latin(void **state)
{
	(void)state;
	expect_key("Invoice March", "invoicemarch");
	expect_same_key("[EXT] Password: Invoice March", "Invoice March");
	expect_same_key("ＩＮＶＯＩＣＥ　Ｍａｒｃｈ", "invoice march");
	expect_same_key("Password for invoice.zip", "invoice.zip");
	expect_same_key("RE: Passwords - Invoice March", "Invoice March");
}

static void
test_subject_key_distinct(void **state)
{
	(void)state;
	char *a = ppap_subject_key("【パスワード】見積書送付の件");
	char *b = ppap_subject_key("請求書送付の件");
	assert_string_not_equal(a, b);
	g_free(a);
	g_free(b);
	expect_key(NULL, "");
	expect_key("", "");
	expect_key("Re: 【パスワード】", "");
	/* invalid UTF-8 and controls are made safe */
	char *k = ppap_subject_key("Re: \xff\xfe\x01 abc");
	assert_true(g_utf8_validate(k, -1, NULL));
	g_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ja_colon),
		cmocka_unit_test(test_ja_wa),
		cmocka_unit_test(test_ja_wa_bracket),
		cmocka_unit_test(test_ja_kaitou),
		cmocka_unit_test(test_ja_angouka),
		cmocka_unit_test(test_ja_oshirase_next_line),
		cmocka_unit_test(test_ja_ika_ga),
		cmocka_unit_test(test_ja_kaki_bullet),
		cmocka_unit_test(test_ja_next_line_named),
		cmocka_unit_test(test_ja_tag_keyword),
		cmocka_unit_test(test_ja_descriptor),
		cmocka_unit_test(test_ja_halfwidth_kana),
		cmocka_unit_test(test_ja_non_ascii_value),
		cmocka_unit_test(test_en_pw),
		cmocka_unit_test(test_en_pass),
		cmocka_unit_test(test_en_password),
		cmocka_unit_test(test_en_password_for),
		cmocka_unit_test(test_en_next_line),
		cmocka_unit_test(test_de_kennwort),
		cmocka_unit_test(test_fullwidth),
		cmocka_unit_test(test_fullwidth_where),
		cmocka_unit_test(test_fullwidth_two_values),
		cmocka_unit_test(test_brackets),
		cmocka_unit_test(test_trailing_punct),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_where_next_line),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_neg_betto),
		cmocka_unit_test(test_neg_english),
		cmocka_unit_test(test_neg_phishing),
		cmocka_unit_test(test_neg_not_a_password),
		cmocka_unit_test(test_neg_prose),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_speed),
		cmocka_unit_test(test_msg_utf8),
		cmocka_unit_test(test_msg_iso2022jp),
		cmocka_unit_test(test_msg_sjis),
		cmocka_unit_test(test_msg_html_only),
		cmocka_unit_test(test_msg_alternative),
		cmocka_unit_test(test_msg_quoted_reply),
		cmocka_unit_test(test_msg_subject_marker_only),
		cmocka_unit_test(test_msg_betto),
		cmocka_unit_test(test_is_password_mail),
		cmocka_unit_test(test_subject_key_pairs),
		cmocka_unit_test(test_subject_key_latin),
		cmocka_unit_test(test_subject_key_distinct),
	};
	return cmocka_run_group_tests_name("discover", tests, group_setup, group_teardown);
}
