/*
 * test_bec_phrases.c - the payment-change dictionary (src/bec/phrases.c):
 * the file format and its errors, the normal form (NFKC, case, blanks
 * next to Japanese), word boundaries, the rule (a payment phrase and
 * haste or a second, separate payment phrase), on the shipped
 * rules/bec-phrases.txt with Japanese and English mails, and legitimate
 * mail that must not fire.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <string.h>

#include "bec/phrases.h"

static struct bec_phrases *
parse(const char *s)
{
	char err[256] = "";
	struct bec_phrases *p = bec_phrases_parse(s, strlen(s), "test", err, sizeof(err));
	if (p == NULL)
		fail_msg("parse: %s", err);
	return p;
}

/* The parse error of s, which must fail. */
static void
expect_error(const char *s, const char *want)
{
	char err[256] = "";
	struct bec_phrases *p = bec_phrases_parse(s, strlen(s), "t.txt", err, sizeof(err));
	assert_null(p);
	assert_contains(err, want);
}

/* Whether p matches text, and the hits joined by "; ". */
static bool
run(const struct bec_phrases *p, const char *text, char **joined)
{
	GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
	bool r = bec_phrases_match(p, text, strlen(text), hits);
	GString *s = g_string_new("");
	for (guint i = 0; i < hits->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? "; " : "", (char *)hits->pdata[i]);
	*joined = g_string_free(s, FALSE);
	g_ptr_array_unref(hits);
	return r;
}

static void
expect(const struct bec_phrases *p, const char *text, bool want, const char *want_hits)
{
	char *got;
	bool r = run(p, text, &got);
	if (r != want || (want_hits != NULL && strcmp(got, want_hits) != 0))
		fail_msg("%s\n  got %d [%s], want %d [%s]", text, r, got, want,
		    want_hits != NULL ? want_hits : "*");
	g_free(got);
}

static void
test_format(void **state)
{
	(void)state;
	struct bec_phrases *p = parse("# comment\n\n  bank-change   振込先変更  \r\n"
	    "gift-card iTunes カード\nurgent\tUrgent\n");
	assert_int_equal(bec_phrases_count(p), 3);
	bec_phrases_free(p);
	expect_error("bank-change xy\npayment yz\n", "t.txt:2: unknown category \"payment\"");
	expect_error("urgent \xef\xbd\x81\n", "t.txt:1: phrase shorter than 2 bytes");	/* ａ: NFKC "a" */
	expect_error("urgent\n", "t.txt:1: no phrase");
	expect_error("urgent \xff\xfe\n", "t.txt:1: not UTF-8");
	GString *s = g_string_new("urgent ");
	for (int i = 0; i <= BEC_PHRASE_MAX; i++)
		g_string_append_c(s, 'a');
	expect_error(s->str, "t.txt:1: phrase longer than");
	g_string_assign(s, "");
	for (int i = 0; i <= BEC_PHRASES_MAX; i++)
		g_string_append_printf(s, "urgent w%d\n", i);
	expect_error(s->str, "more than 1000 phrases");
	g_string_free(s, TRUE);
	char err[256] = "";
	assert_null(bec_phrases_load("/nonexistent/bec-phrases.txt", err, sizeof(err)));
	assert_contains(err, "nonexistent");
}

static void
test_normal_form(void **state)
{
	(void)state;
	struct bec_phrases *p = parse("bank-change 振込先を変更\nbank-change new bank account\n"
	    "gift-card ｉＴｕｎｅｓ　カード\nurgent urgent\nurgent 至急\n");
	/* a line break inside a Japanese phrase, full-width Latin (in NFKC) */
	expect(p, "振込先を\n変更いたしました。至急ご対応ください。", true,
	    "bank-change: 振込先を変更; urgent: 至急");
	expect(p, "Please note our NEW  BANK\r\n Account. URGENT.", true,
	    "bank-change: new bank account; urgent: urgent");
	expect(p, "iTunes カードを買って、至急", true, "gift-card: ｉＴｕｎｅｓ　カード; urgent: 至急");
	/* word boundaries: not inside "renew bank accounts" nor "urgently" */
	expect(p, "renew bank accounts urgently", false, "");
	/* but Japanese has no word boundaries */
	expect(p, "当社の振込先を変更しましたので至急", true, NULL);
	bec_phrases_free(p);
}

static void
test_rule(void **state)
{
	(void)state;
	struct bec_phrases *p = parse("bank-change 振込先の変更\nbank-change 口座変更\n"
	    "bank-change 振込口座変更\ngift-card gift card\nurgent 至急\n");
	/* a payment phrase alone */
	expect(p, "振込先の変更をお願いします。", false, "bank-change: 振込先の変更");
	/* and haste */
	expect(p, "振込先の変更をお願いします。至急", true, NULL);
	/* and a second payment phrase */
	expect(p, "振込先の変更をお願いします。gift card も", true, NULL);
	/* overlapping phrases are one mention */
	expect(p, "振込口座変更のお知らせ", false, "bank-change: 口座変更; bank-change: 振込口座変更");
	/* the same phrase twice is one */
	expect(p, "口座変更 口座変更", false, NULL);
	/* two separate ones */
	expect(p, "口座変更、振込口座変更", true, NULL);
	/* haste alone */
	expect(p, "至急ご確認ください", false, "urgent: 至急");
	expect(p, "", false, "");
	assert_false(bec_phrases_match(NULL, "x", 1, NULL));
	assert_false(bec_phrases_match(p, NULL, 0, NULL));
	bec_phrases_free(p);
}

/* The shipped dictionary with realistic mails. */
static void
test_shipped(void **state)
{
	(void)state;
	char err[256] = "";
	const char *path = bec_phrases_default_path();
	struct bec_phrases *p = bec_phrases_load(path, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s: %s", path, err);
	assert_true(bec_phrases_count(p) > 100);

	/* BEC in Japanese */
	expect(p, "経理部 ご担当者様\n\nいつもお世話になっております。\n"
	    "この度、弊社の振込先口座を変更いたしました。\n"
	    "今月分のお支払いより、下記の新しい口座へお振込みください。\n"
	    "至急ご対応をお願いいたします。\n", true, NULL);
	expect(p, "振込先の変更をお願いします。至急", true, NULL);
	expect(p, "社長の山田です。会議中のため電話に出られません。\n"
	    "取引先への支払いのため、Amazonギフト券を10万円分購入し、\n"
	    "裏面を削ってコードを写真で送ってください。内密にお願いします。", true, NULL);
	/* BEC in English */
	expect(p, "Dear Accounts Payable,\n\nPlease be informed that we have changed our bank. "
	    "Kindly update your records with our new bank details below and remit all "
	    "outstanding invoices to the new account. This is urgent.\n", true, NULL);
	expect(p, "Are you available? I need you to get some gift cards for a client, "
	    "iTunes cards, 5 x $100. Scratch the back and send me the codes. "
	    "I'm in a meeting.\n", true, NULL);
	expect(p, "Hi, I would like to update my direct deposit before the next payroll. "
	    "Please let me know asap.\n", true, NULL);

	/* legitimate mail */
	expect(p, "お世話になっております。\n11月分の請求書を送付します。\n"
	    "お支払期日までに下記口座へのお振込みをお願いいたします。\n", false, NULL);
	expect(p, "請求書を送付します。ご確認のほどよろしくお願いいたします。", false, "");
	expect(p, "Please find attached our invoice for November. Payment terms are 30 days "
	    "to the account shown on the invoice.\n", false, "");
	expect(p, "The meeting is urgent: please send the slides immediately.\n", false, NULL);
	expect(p, "Thanks for the gift card! It was a lovely present.\n", false,
	    "gift-card: gift card");
	bec_phrases_free(p);
}

/* Hostile text: binary, invalid UTF-8, NULs, a long text. */
static void
test_hostile(void **state)
{
	(void)state;
	struct bec_phrases *p = parse("bank-change 口座変更\nurgent urgent\n");
	static const char bin[] = "\xff\xfe\x00\x80 口座\xe5変更 \xe5\x8f urgent\x00口座変更";
	GPtrArray *hits = g_ptr_array_new_with_free_func(g_free);
	assert_true(bec_phrases_match(p, bin, sizeof(bin) - 1, hits));
	assert_int_equal(hits->len, 2);
	g_ptr_array_unref(hits);
	for (size_t n = 0; n < sizeof(bin) - 1; n++)
		(void)bec_phrases_match(p, bin, n, NULL);
	/* invalid bytes are U+FFFD, three times as long (the fuzzer's find) */
	GString *s = g_string_new("");
	for (int i = 0; i < 1000; i++)
		g_string_append_c(s, '\xb4');
	g_string_append(s, "口座変更 urgent");
	assert_true(bec_phrases_match(p, s->str, s->len, NULL));
	g_string_truncate(s, 0);
	while (s->len < 1u << 20)
		g_string_append(s, "口座変 urgen ");
	assert_false(bec_phrases_match(p, s->str, s->len, NULL));
	g_string_free(s, TRUE);
	bec_phrases_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_normal_form),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
