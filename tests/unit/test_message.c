/*
 * test_message.c - the message model (src/mime/message.c): RFC 2047 and raw
 * 8-bit headers, RFC 2231 parameters, addresses, identifiers, dates, the
 * part tree, uuencode, body charsets, defects and limits.
 *
 * Every message is parsed from memory with mime_message_parse().  Test
 * vectors are real encodings, generated with Python codecs (see the names:
 * J_UTF8 is "日本語テスト", SUBJ_UTF8 "請求書のご確認", FN_UTF8
 * "請求書_2024年.docx", BODY_* "お世話になっております。\r\n請求書を添付いたします。\r\n").
 */
#include "test_helpers.h"

#include <stdio.h>

#include "mime/message.h"

/* ---- vectors ---------------------------------------------------------- */

#define J_UTF8 "\346\227\245\346\234\254\350\252\236\343\203\206\343\202\271\343\203\210"
#define EW_UTF8_B "=?UTF-8?B?5pel5pys6Kqe44OG44K544OI?="
#define EW_JIS_B "=?ISO-2022-JP?B?GyRCRnxLXDhsJUYlOSVIGyhC?="
#define EW_SJIS_B "=?Shift_JIS?B?k/qWe4zqg2WDWINn?="
#define EW_EUC_B "=?EUC-JP?B?xvzL3LjspcaluaXI?="
#define EW_L2_Q "=?iso-8859-2?Q?=A3=F3d=BC?="
#define L2_UTF8 "\305\201\303\263d\305\272"
#define EW_1251_B "=?windows-1251?B?z/Do4uXy?="
#define CYR_UTF8 "\320\237\321\200\320\270\320\262\320\265\321\202"
#define EW_SJIS_EXT "=?Shift_JIS?B?h0CHiu7g?="
#define SJIS_EXT_UTF8 "\342\221\240\343\210\261\351\253\231"
#define EW_JIS_NEC "=?ISO-2022-JP?B?GyRCLSEtahsoQg==?="
#define NEC_UTF8 "\342\221\240\343\210\261"
#define EW_SPLIT_UTF8 "=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKzoqp7jg4bjgrnjg4g=?="
#define EW_SPLIT_JIS "=?ISO-2022-JP?B?GyRCRnxLXA==?=\r\n =?ISO-2022-JP?B?OGwlRiU5JUgbKEI=?="
#define EW_SPLIT_SJIS "=?Shift_JIS?B?k/qW?= =?Shift_JIS?B?e4zqg2WDWINn?="
#define EW_NO_END1 "=?UTF-8?B?5pel5pys6Kqe44OG44K544OI?"
#define EW_NO_END2 "=?UTF-8?B?5pel5pys6Kqe44OG44K544OI"
#define EW_INWORD "abc=?UTF-8?B?5pel?=def"
#define INWORD_UTF8 "abc\346\227\245def"
#define EW_WRONG_JIS "=?ISO-2022-JP?B?k/qWe4zqg2WDWINn?="
#define EW_WRONG_ASCII "=?us-ascii?B?5pel5pys6Kqe44OG44K544OI?="
#define EW_UNKNOWN_CS "=?x-unknown?B?5pel5pys6Kqe44OG44K544OI?="
#define EW_BAD_B64 "=?UTF-8?B?5pel!!?="
#define MIXED "Re: =?UTF-8?B?5pel5pys?= and =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= end"
#define MIXED_UTF8 "Re: \346\227\245\346\234\254 and \343\203\206\343\202\271\343\203\210 end"
#define EW_FOLDED "=?UTF-8?B?5pel5pys?=\r\n =?UTF-8?B?6Kqe?="
#define FOLDED_UTF8 "\346\227\245\346\234\254\350\252\236"
#define RAW_SJIS_SUBJ "\220\277\213\201\217\221\202\314\202\262\212m\224F"
#define RAW_EUC_SUBJ "\300\301\265\341\275\361\244\316\244\264\263\316\307\247"
#define RAW_JIS_SUBJ "\033$B@A5a=q$N$43NG'\033(B"
#define SUBJ_UTF8 "\350\253\213\346\261\202\346\233\270\343\201\256\343\201\224\347\242\272\350\252\215"
#define RAW_SJIS_NAME "\"\203\204\203}\203_ \203^\203\215\203E\" <taro@example.jp>"
#define RAW_JIS_NAME "\033$B;3ED\033(B \033$BB@O:\033(B <taro@example.jp>"
#define KANA_NAME_UTF8 "\343\203\244\343\203\236\343\203\200 \343\202\277\343\203\255\343\202\246"
#define RAW_SJIS_KANJI_NAME "\216R\223c \221\276\230Y <taro@example.jp>"
#define RAW_SJIS_KANJI_SUBJ "\220\277\213\201\217\221"
#define KANJI_NAME_UTF8 "\345\261\261\347\224\260 \345\244\252\351\203\216"
#define SEIKYU_UTF8 "\350\253\213\346\261\202\346\233\270"
#define EW_HANAKO "=?UTF-8?B?6Iqx5a2Q?="
#define HANAKO_UTF8 "\350\212\261\345\255\220"
#define FN_UTF8 "\350\253\213\346\261\202\346\233\270_2024\345\271\264.docx"
#define FN_2231_JIS "filename*0*=iso-2022-jp''%1B$B@A5a=q%1B;\r\n filename*1*=%28B_2024%1B$BG/%1B%28B.docx"
#define FN_2231_UTF8 "filename*0*=UTF-8''%E8%AB%8B%E6%B1%82%E6;\r\n filename*1*=%9B%B8_2024%E5%B9%B4.docx"
#define FN_2231_SJIS "filename*=shift_jis''%90%BF%8B%81%8F%91_2024%94N.docx"
#define FN_2047_JIS "name=\"=?ISO-2022-JP?B?GyRCQEE1YT1xGyhCXzIwMjQbJEJHLxsoQi5kb2N4?=\""
#define FN_2047_UTF8 "filename=\"=?UTF-8?B?6KuL5rGC5pu4XzIwMjTlubQuZG9jeA==?=\""
#define FN_RAW_SJIS "filename=\"\220\277\213\201\217\221_2024\224N.docx\""
#define BODY_UTF8 "\343\201\212\344\270\226\350\251\261\343\201\253\343\201\252\343\201\243\343\201\246\343\201\212\343\202\212\343\201\276\343\201\231\343\200\202\r\n\350\253\213\346\261\202\346\233\270\343\202\222\346\267\273\344\273\230\343\201\204\343\201\237\343\201\227\343\201\276\343\201\231\343\200\202\r\n"
#define BODY_JIS "\033$B$*@$OC$K$J$C$F$*$j$^$9!#\033(B\r\n\033$B@A5a=q$rE:IU$$$?$7$^$9!#\033(B\r\n"
#define BODY_SJIS "\202\250\220\242\230b\202\311\202\310\202\301\202\304\202\250\202\350\202\334\202\267\201B\r\n\220\277\213\201\217\221\202\360\223Y\225t\202\242\202\275\202\265\202\334\202\267\201B\r\n"
#define BODY_EUC "\244\252\300\244\317\303\244\313\244\312\244\303\244\306\244\252\244\352\244\336\244\271\241\243\r\n\300\301\265\341\275\361\244\362\305\272\311\325\244\244\244\277\244\267\244\336\244\271\241\243\r\n"
#define BODY_UTF8_B64 "44GK5LiW6Kmx44Gr44Gq44Gj44Gm44GK44KK44G+44GZ44CCDQroq4vmsYLmm7jjgpLmt7vku5jjgYTjgZ/jgZfjgb7jgZnjgIINCg=="
#define L2_BODY "Za\277\363\263\346 g\352\266l\261 ja\274\361"
#define L2_BODY_UTF8 "Za\305\274\303\263\305\202\304\207 g\304\231\305\233l\304\205 ja\305\272\305\204"
#define CYR_BODY "\307\344\360\340\342\361\362\342\363\351\362\345"
#define CYR_BODY_UTF8 "\320\227\320\264\321\200\320\260\320\262\321\201\321\202\320\262\321\203\320\271\321\202\320\265"
#define FWD_SUBJ "=?UTF-8?B?6Lui6YCB?="
#define FWD_UTF8 "\350\273\242\351\200\201"
#define UU_DATA_LEN 271
#define UU_BLOCK "begin 644 invoice.exe\r\nM  $\" P0%!@<(\"0H+# T.#Q 1$A,4%187&!D:&QP='A\\@(2(C)\"4F)R@I*BLL\r\nM+2XO,#$R,S0U-C<X.3H[/#T^/T!!0D-$149'2$E*2TQ-3D]045)35%565UA9\r\nM6EM<75Y?8&%B8V1E9F=H:6IK;&UN;W!Q<G-T=79W>'EZ>WQ]?G^ @8*#A(6&\r\nMAXB)BHN,C8Z/D)&2DY25EI>8F9J;G)V>GZ\"AHJ.DI::GJ*FJJZRMKJ^PL;*S\r\nMM+6VM[BYNKN\\O;Z_P,'\"P\\3%QL?(R<K+S,W.S]#1TM/4U=;7V-G:V]S=WM_@\r\nMX>+CY.7FY^CIZNOL[>[O\\/'R\\_3U]O?X^?K[_/W^_TU:D  @<&%Y;&]A9\"#_\r\n!_@  \r\n`\r\nend\r\n"

/* ---- helpers ---------------------------------------------------------- */

static const struct mime_limits lim_default = {
	.max_size = 50u << 20,
	.max_decoded = 200u << 20,
	.max_parts = 500,
	.max_depth = 20,
	.max_names = 10000,
};

#define HDRS "From: sender@example.com\r\nTo: rcpt@example.com\r\n" \
	"Date: Mon, 1 Jan 2024 10:00:00 +0900\r\nMessage-ID: <id@example.com>\r\n" \
	"MIME-Version: 1.0\r\n"

/*
 * Messages parsed by the helpers and not yet freed: a failing assertion
 * jumps out of its test, and the group teardown frees what it left, so
 * that LeakSanitizer reports only real leaks.
 */
static GPtrArray *live;

static void
release(struct mime_message *m)
{
	if (live != NULL)
		g_ptr_array_remove_fast(live, m);
	mime_message_free(m);
}

static int
group_teardown(void **state)
{
	(void)state;
	for (guint i = 0; i < live->len; i++)
		mime_message_free(g_ptr_array_index(live, i));
	g_ptr_array_unref(live);
	live = NULL;
	return 0;
}

#define mime_message_free release

static struct mime_message *
parse_lim(const char *s, size_t len, const struct mime_limits *lim)
{
	struct mime_message *m = mime_message_parse((const uint8_t *)s, len, lim);
	if (live == NULL)
		live = g_ptr_array_new();
	g_ptr_array_add(live, m);
	assert_non_null(m);
	assert_non_null(m->headers);
	assert_non_null(m->parts);
	assert_non_null(m->defects);
	return m;
}

#define PARSE(lit) parse_lim((lit), sizeof(lit) - 1, &lim_default)

/* A message whose Subject header is raw (folded lines allowed). */
static struct mime_message *
with_subject(const char *raw)
{
	GString *g = g_string_new(HDRS "Subject: ");
	g_string_append(g, raw);
	g_string_append(g, "\r\n\r\nbody\r\n");
	struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
	g_string_free(g, TRUE);
	return m;
}

static void
check_subject(const char *raw, const char *want)
{
	struct mime_message *m = with_subject(raw);
	if (m->headers->subject == NULL || strcmp(m->headers->subject, want) != 0) {
		print_error("Subject: %s\ngot  \"%s\"\nwant \"%s\"\n", raw,
		    m->headers->subject != NULL ? m->headers->subject : "(null)", want);
		mime_message_free(m);
		fail();
	}
	/* the header list has the same decoded value */
	const struct mime_header *h = mime_headers_get(m->headers, "subject", 0);
	assert_non_null(h);
	assert_utf8_equal(h->value, want);
	mime_message_free(m);
}

static bool
has_defect_detail(const struct mime_message *m, enum mime_defect kind,
    const char *detail)
{
	for (guint i = 0; i < m->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(m->defects, i);
		if (r->kind == kind && (detail == NULL ||
		    (r->detail != NULL && strcmp(r->detail, detail) == 0)))
			return true;
	}
	return false;
}

static void
print_defects(const struct mime_message *m)
{
	for (guint i = 0; i < m->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(m->defects, i);
		print_error("  defect %s:%s\n", mime_defect_name(r->kind),
		    r->detail != NULL ? r->detail : "");
	}
}

#define assert_defect(m, kind, detail) do { \
	if (!has_defect_detail((m), (kind), (detail))) { \
		print_error("missing defect %s:%s; have:\n", mime_defect_name(kind), \
		    (detail) != NULL ? (const char *)(detail) : "*"); \
		print_defects(m); \
		fail(); \
	} \
	assert_true(mime_message_has_defect((m), (kind))); \
} while (0)

#define assert_no_defect(m, kind) do { \
	if (mime_message_has_defect((m), (kind))) { \
		print_error("unexpected defect %s; have:\n", mime_defect_name(kind)); \
		print_defects(m); \
		fail(); \
	} \
} while (0)

#define assert_no_defects(m) do { \
	if ((m)->defects->len != 0 || (m)->defect_mask != 0) { \
		print_error("unexpected defects:\n"); \
		print_defects(m); \
		fail(); \
	} \
} while (0)

static const struct mime_part *
part_at(const struct mime_message *m, unsigned i)
{
	assert_true(i < m->parts->len);
	const struct mime_part *p = g_ptr_array_index(m->parts, i);
	assert_int_equal(p->index, i);
	return p;
}

/* The nth part of a type (leaf or container), or NULL. */
static const struct mime_part *
part_of_type(const struct mime_message *m, const char *type, unsigned nth)
{
	for (guint i = 0; i < m->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(m->parts, i);
		if (p->type != NULL && strcmp(p->type, type) == 0 && nth-- == 0)
			return p;
	}
	return NULL;
}

static const struct mime_addr *
addr_at(const GArray *a, guint i)
{
	assert_true(i < a->len);
	return &g_array_index(a, struct mime_addr, i);
}

/* Invariants every parsed message keeps, whatever the input. */
static void
check_invariants(const struct mime_message *m)
{
	for (guint i = 0; i < m->parts->len; i++) {
		const struct mime_part *p = g_ptr_array_index(m->parts, i);
		assert_int_equal(p->index, i);
		assert_non_null(p->type);
		assert_non_null(p->path);
		assert_true(g_utf8_validate(p->path, -1, NULL));
		if (p->parent != NULL) {
			assert_true(p->parent->index < p->index);
			assert_true(p->depth > p->parent->depth);
		} else {
			assert_int_equal(p->depth, 0);
		}
		if (p->kind == MIME_PART_MULTIPART)
			assert_null(p->data);
		if (p->text != NULL) {
			assert_int_equal(strlen(p->text), p->text_len);
			assert_true(g_utf8_validate(p->text, (gssize)p->text_len, NULL));
			assert_non_null(p->charset_used);
		}
		if (p->filename != NULL)
			assert_true(g_utf8_validate(p->filename, -1, NULL));
		assert_true(p->depth <= lim_default.max_depth + 1);
	}
	const struct mime_headers *h = m->headers;
	for (guint i = 0; i < h->all->len; i++) {
		const struct mime_header *hd = g_ptr_array_index(h->all, i);
		assert_true(g_utf8_validate(hd->name, -1, NULL));
		assert_true(g_utf8_validate(hd->value, -1, NULL));
	}
	if (h->subject != NULL)
		assert_true(g_utf8_validate(h->subject, -1, NULL));
	GArray *lists[] = { h->from, h->sender, h->reply_to, h->to, h->cc };
	for (size_t k = 0; k < G_N_ELEMENTS(lists); k++)
		for (guint i = 0; i < lists[k]->len; i++) {
			const struct mime_addr *a = addr_at(lists[k], i);
			assert_true(g_utf8_validate(a->name, -1, NULL));
			assert_true(g_utf8_validate(a->addr, -1, NULL));
		}
	for (guint i = 0; i < m->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(m->defects, i);
		assert_true(mime_message_has_defect(m, r->kind));
		if (r->detail != NULL)
			assert_true(g_utf8_validate(r->detail, -1, NULL));
	}
}

/* ---- RFC 2047 encoded-words ------------------------------------------- */

static void
test_rfc2047_utf8(void **state)
{
	(void)state;
	check_subject(EW_UTF8_B, J_UTF8);
	check_subject("=?utf-8?Q?Caf=C3=A9_au_lait?=", "Caf\303\251 au lait");
	check_subject("=?utf-8?b?5pel5pys?=", "\346\227\245\346\234\254");
	/* RFC 2231 language in the charset of an encoded-word */
	check_subject("=?UTF-8*ja?B?5pel5pys?=", "\346\227\245\346\234\254");
	check_subject("=?UTF-8?Q?a_b=5Fc?=", "a b_c");
	check_subject("plain ASCII subject", "plain ASCII subject");
}

static void
test_rfc2047_japanese(void **state)
{
	(void)state;
	check_subject(EW_JIS_B, J_UTF8);
	/* Q encoding of ISO-2022-JP: "こんにちは" */
	check_subject("=?ISO-2022-JP?Q?=1B$B$3$s$K$A$O=1B(B?=",
	    "\343\201\223\343\202\223\343\201\253\343\201\241\343\201\257");
	check_subject(EW_SJIS_B, J_UTF8);
	check_subject(EW_EUC_B, J_UTF8);
}

static void
test_rfc2047_european(void **state)
{
	(void)state;
	check_subject("=?ISO-8859-1?Q?Andr=E9?=", "Andr\303\251");
	check_subject(EW_L2_Q, L2_UTF8);
	check_subject("=?ISO-8859-15?Q?=A4uro?=", "\342\202\254uro");
	check_subject(EW_1251_B, CYR_UTF8);
	check_subject("=?windows-1252?Q?=93quoted=94_=80?=",
	    "\342\200\234quoted\342\200\235 \342\202\254");
}

static void
test_rfc2047_latin1_is_windows1252(void **state)
{
	(void)state;
	/* Mail clients read iso-8859-1 as windows-1252 (charset.h): 0x93, 0x94
	 * and 0x80 are quotes and the euro sign, not C1 controls. */
	check_subject("=?ISO-8859-1?Q?=93Hi=94_=80?=",
	    "\342\200\234Hi\342\200\235 \342\202\254");
}

static void
test_rfc2047_shift_jis_vendor_chars(void **state)
{
	(void)state;
	/* Shift_JIS is Windows-31J: ① ㈱ 髙 decode */
	check_subject(EW_SJIS_EXT, SJIS_EXT_UTF8);
}

static void
test_rfc2047_iso2022jp_nec_row13(void **state)
{
	(void)state;
	/* ESC $ B 0x2D 0x21 is ① (U+2460), 0x2D 0x6A ㈱ */
	check_subject(EW_JIS_NEC, NEC_UTF8);
}

static void
test_rfc2047_adjacent(void **state)
{
	(void)state;
	/* whitespace between adjacent encoded-words is dropped */
	check_subject("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab");
	check_subject(EW_FOLDED, FOLDED_UTF8);
	/* but kept between an encoded-word and text */
	check_subject(MIXED, MIXED_UTF8);
	/* a Shift_JIS character split between two words */
	check_subject(EW_SPLIT_SJIS, J_UTF8);
}

static void
test_rfc2047_split_utf8_char(void **state)
{
	(void)state;
	/* A UTF-8 character split between two encoded-words (the first one
	 * padded): clients join the bytes of adjacent words of one charset. */
	check_subject(EW_SPLIT_UTF8, J_UTF8);
}

static void
test_rfc2047_split_iso2022jp(void **state)
{
	(void)state;
	/* ISO-2022-JP split so that the second word has no ESC $ B: the
	 * shift state carries over, as in Thunderbird and Outlook. */
	check_subject(EW_SPLIT_JIS, J_UTF8);
}

static void
test_rfc2047_broken_decoded(void **state)
{
	(void)state;
	/* an encoded-word inside a word, decoded as clients do */
	check_subject(EW_INWORD, INWORD_UTF8);
	/* unknown charset label: the bytes are UTF-8 */
	check_subject(EW_UNKNOWN_CS, J_UTF8);
	/* "?Q?" text with a raw space */
	check_subject("=?UTF-8?Q?hello world?=", "hello world");
}

static void
test_rfc2047_missing_end(void **state)
{
	(void)state;
	/* the closing ?= (or its =) lost at the end of the header */
	check_subject(EW_NO_END1, J_UTF8);
	check_subject(EW_NO_END2, J_UTF8);
}

static void
test_rfc2047_wrong_label(void **state)
{
	(void)state;
	/* labelled ISO-2022-JP (7-bit), bytes are Shift_JIS */
	check_subject(EW_WRONG_JIS, J_UTF8);
	/* labelled us-ascii, bytes are UTF-8 */
	check_subject(EW_WRONG_ASCII, J_UTF8);
}

static void
test_rfc2047_broken_defect(void **state)
{
	(void)state;
	const char *broken[] = { EW_INWORD, EW_NO_END1, EW_NO_END2, EW_BAD_B64 };
	unsigned missing = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(broken); i++) {
		struct mime_message *m = with_subject(broken[i]);
		if (!has_defect_detail(m, MIME_DEF_BAD_RFC2047, "Subject")) {
			print_error("Subject: %s: no bad_rfc2047:Subject defect\n", broken[i]);
			print_defects(m);
			missing++;
		}
		mime_message_free(m);
	}
	assert_int_equal(missing, 0);
	/* well-formed words are not flagged */
	struct mime_message *m = with_subject(MIXED);
	assert_no_defects(m);
	mime_message_free(m);
}

/* ---- raw 8-bit headers ------------------------------------------------ */

static void
test_raw_8bit_subject(void **state)
{
	(void)state;
	const char *raws[] = { RAW_SJIS_SUBJ, RAW_EUC_SUBJ, SUBJ_UTF8 };
	for (size_t i = 0; i < G_N_ELEMENTS(raws); i++) {
		struct mime_message *m = with_subject(raws[i]);
		assert_utf8_equal(m->headers->subject, SUBJ_UTF8);
		assert_defect(m, MIME_DEF_8BIT_HEADER, "Subject");
		const struct mime_header *h = mime_headers_get(m->headers, "Subject", 0);
		/* the raw value is kept as on the wire */
		assert_contains(h->raw, raws[i]);
		mime_message_free(m);
	}
}

static void
test_raw_iso2022jp_subject(void **state)
{
	(void)state;
	/* raw ISO-2022-JP escape sequences, no encoded-words */
	check_subject(RAW_JIS_SUBJ, SUBJ_UTF8);
	check_subject("Re: " RAW_JIS_SUBJ " [1]", "Re: " SUBJ_UTF8 " [1]");
}

static void
test_raw_display_names(void **state)
{
	(void)state;
	/* Shift_JIS with kana */
	struct mime_message *m = PARSE("From: " RAW_SJIS_NAME "\r\n"
	    "To: rcpt@example.com\r\nSubject: x\r\n\r\nbody\r\n");
	assert_int_equal(m->headers->from->len, 1);
	assert_utf8_equal(addr_at(m->headers->from, 0)->name, KANA_NAME_UTF8);
	assert_string_equal(addr_at(m->headers->from, 0)->addr, "taro@example.jp");
	assert_defect(m, MIME_DEF_8BIT_HEADER, "From");
	check_invariants(m);
	mime_message_free(m);
	/* ISO-2022-JP escapes ("山田 太郎", two escaped runs) */
	m = PARSE("From: sender@example.com\r\nTo: " RAW_JIS_NAME "\r\n"
	    "Subject: x\r\n\r\nbody\r\n");
	assert_int_equal(m->headers->to->len, 1);
	assert_utf8_equal(addr_at(m->headers->to, 0)->name, KANJI_NAME_UTF8);
	assert_string_equal(addr_at(m->headers->to, 0)->addr, "taro@example.jp");
	check_invariants(m);
	mime_message_free(m);
}

static void
test_raw_shift_jis_kanji_only(void **state)
{
	(void)state;
	/* Kanji-only Shift_JIS ("山田 太郎", "請求書"): a typical Japanese
	 * display name and subject, without a single kana to go by. */
	struct mime_message *m = PARSE("From: " RAW_SJIS_KANJI_NAME "\r\n"
	    "To: rcpt@example.com\r\nSubject: " RAW_SJIS_KANJI_SUBJ "\r\n\r\nbody\r\n");
	assert_int_equal(m->headers->from->len, 1);
	assert_utf8_equal(addr_at(m->headers->from, 0)->name, KANJI_NAME_UTF8);
	assert_utf8_equal(m->headers->subject, SEIKYU_UTF8);
	mime_message_free(m);
}

/* ---- RFC 2231 and RFC 2047 parameters --------------------------------- */

#define ATT(params) "--B\r\nContent-Type: application/octet-stream\r\n" \
	"Content-Disposition: attachment;\r\n " params "\r\n" \
	"Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n"
#define ATT_CT(params) "--B\r\nContent-Type: application/octet-stream;\r\n " params "\r\n" \
	"Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n"

static void
test_filenames(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: files\r\n"
	    "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	    ATT(FN_2231_JIS) ATT(FN_2231_UTF8) ATT(FN_2231_SJIS)
	    ATT_CT(FN_2047_JIS) ATT(FN_2047_UTF8)
	    ATT("filename*0=\"long_name_\";\r\n filename*1=\"part2.pdf\"")
	    "--B--\r\n");
	assert_int_equal(m->parts->len, 8);
	const char *want[] = { FN_UTF8, FN_UTF8, FN_UTF8, FN_UTF8, FN_UTF8,
		"long_name_part2.pdf" };
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct mime_part *p = part_at(m, i + 2);
		assert_int_equal(p->kind, MIME_PART_ATTACHMENT);
		assert_utf8_equal(p->filename, want[i]);
		assert_int_equal(p->len, 3);
		assert_memory_equal(p->data, "ABC", 3);
		/* the path is made of the names */
		assert_utf8_equal(p->path, want[i]);
	}
	assert_string_equal(part_at(m, 2)->disposition, "attachment");
	assert_string_equal(part_at(m, 2)->encoding, "base64");
	assert_no_defects(m);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_filename_raw_shift_jis(void **state)
{
	(void)state;
	/* a raw 8-bit Shift_JIS filename, as some Japanese mailers send */
	struct mime_message *m = PARSE(HDRS "Subject: files\r\n"
	    "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
	    ATT(FN_RAW_SJIS) "--B--\r\n");
	assert_int_equal(m->parts->len, 2);
	assert_utf8_equal(part_at(m, 1)->filename, FN_UTF8);
	mime_message_free(m);
}

/* ---- addresses, identifiers, dates ------------------------------------ */

static void
test_address_lists(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(
	    "From: \"Yamada, Taro\" <taro@example.jp>, " EW_HANAKO " <hanako@example.jp>\r\n"
	    "Sender: secretary@example.jp\r\n"
	    "Reply-To: Team: x@example.org, \"Y\" <y@example.org>;, z@example.org\r\n"
	    "To: undisclosed-recipients:;\r\n"
	    "Cc: (a comment) plain@example.net, Group: ;, Name <n@example.net>\r\n"
	    "Subject: addresses\r\n\r\nbody\r\n");
	const struct mime_headers *h = m->headers;
	assert_int_equal(h->from->len, 2);
	assert_utf8_equal(addr_at(h->from, 0)->name, "Yamada, Taro");
	assert_string_equal(addr_at(h->from, 0)->addr, "taro@example.jp");
	assert_utf8_equal(addr_at(h->from, 1)->name, HANAKO_UTF8);
	assert_string_equal(addr_at(h->from, 1)->addr, "hanako@example.jp");
	assert_int_equal(h->sender->len, 1);
	assert_string_equal(addr_at(h->sender, 0)->name, "");
	assert_string_equal(addr_at(h->sender, 0)->addr, "secretary@example.jp");
	/* groups are flattened into their members */
	assert_int_equal(h->reply_to->len, 3);
	assert_string_equal(addr_at(h->reply_to, 0)->addr, "x@example.org");
	assert_string_equal(addr_at(h->reply_to, 1)->name, "Y");
	assert_string_equal(addr_at(h->reply_to, 1)->addr, "y@example.org");
	assert_string_equal(addr_at(h->reply_to, 2)->addr, "z@example.org");
	assert_int_equal(h->to->len, 0);
	assert_int_equal(h->cc->len, 2);
	assert_string_equal(addr_at(h->cc, 0)->addr, "plain@example.net");
	assert_string_equal(addr_at(h->cc, 1)->name, "Name");
	assert_string_equal(addr_at(h->cc, 1)->addr, "n@example.net");
	assert_no_defect(m, MIME_DEF_BAD_ADDRESS);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_address_bad(void **state)
{
	(void)state;
	/* From holds no address at all: an unparsable address list */
	struct mime_message *m = PARSE("From: <<<@@>\r\nTo: rcpt@example.com\r\n"
	    "Subject: x\r\n\r\nbody\r\n");
	assert_int_equal(m->headers->from->len, 0);
	assert_defect(m, MIME_DEF_BAD_ADDRESS, NULL);
	mime_message_free(m);
}

static void
test_address_bad_8bit(void **state)
{
	(void)state;
	/* "三井住友銀行 support@bank.example": a raw name, no angle brackets */
	struct mime_message *m = PARSE("From: \344\270\211\344\272\225\344\275\217"
	    "\345\217\213\351\212\200\350\241\214 support@bank.example\r\n"
	    "To: rcpt@example.com\r\nSubject: x\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_BAD_ADDRESS, NULL);
	assert_defect(m, MIME_DEF_8BIT_HEADER, "From");
	check_invariants(m);
	mime_message_free(m);
}

static void
test_identifiers(void **state)
{
	(void)state;
	struct mime_message *m = PARSE("From: a@example.com\r\n"
	    "Message-ID:  <abc.123@mail.example.jp> \r\n"
	    "In-Reply-To: <p1@x.example> <p2@x.example>\r\n"
	    "References: <r1@x.example>\r\n <r2@x.example> <p1@x.example>\r\n"
	    "Subject: ids\r\n\r\nbody\r\n");
	const struct mime_headers *h = m->headers;
	assert_string_equal(h->message_id, "abc.123@mail.example.jp");
	assert_string_equal(h->in_reply_to, "p1@x.example");
	assert_int_equal(h->references->len, 3);
	assert_string_equal(g_ptr_array_index(h->references, 0), "r1@x.example");
	assert_string_equal(g_ptr_array_index(h->references, 1), "r2@x.example");
	assert_string_equal(g_ptr_array_index(h->references, 2), "p1@x.example");
	mime_message_free(m);
}

static void
test_date_valid(void **state)
{
	(void)state;
	struct mime_message *m = PARSE("From: a@example.com\r\n"
	    "Date: Tue, 2 Jan 2024 03:04:05 -0500 (EST)\r\n\r\nbody\r\n");
	assert_true(m->headers->date_ok);
	/* 2024-01-02T08:04:05Z */
	assert_int_equal(m->headers->date, 1704182645);
	assert_string_equal(m->headers->date_raw, "Tue, 2 Jan 2024 03:04:05 -0500 (EST)");
	assert_no_defect(m, MIME_DEF_BAD_DATE);
	mime_message_free(m);

	m = PARSE("From: a@example.com\r\nDate: 1 Jan 2024 10:00 GMT\r\n\r\nbody\r\n");
	assert_true(m->headers->date_ok);
	assert_int_equal(m->headers->date, 1704103200);
	mime_message_free(m);
}

static void
test_date_invalid(void **state)
{
	(void)state;
	const char *bad[] = { "Mon, 32 Jan 2024 10:00:00 +0000", "garbage",
		"next tuesday" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *s = g_strdup_printf("From: a@example.com\r\nDate: %s\r\n\r\nx\r\n", bad[i]);
		struct mime_message *m = parse_lim(s, strlen(s), &lim_default);
		assert_false(m->headers->date_ok);
		assert_string_equal(m->headers->date_raw, bad[i]);
		assert_defect(m, MIME_DEF_BAD_DATE, NULL);
		mime_message_free(m);
		g_free(s);
	}
}

static void
test_missing_date_and_id(void **state)
{
	(void)state;
	struct mime_message *m = PARSE("From: a@example.com\r\nTo: b@example.com\r\n"
	    "Subject: s\r\n\r\nbody\r\n");
	assert_null(m->headers->date_raw);
	assert_false(m->headers->date_ok);
	assert_null(m->headers->message_id);
	assert_null(m->headers->in_reply_to);
	assert_int_equal(m->headers->references->len, 0);
	assert_null(mime_headers_get(m->headers, "Date", 0));
	/* a missing header is a symbol of the check, not a parse defect */
	assert_no_defects(m);
	mime_message_free(m);
}

static void
test_received_chain(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(
	    "Received: from c.example (c [192.0.2.3]) by d.example; Mon, 1 Jan 2024 10:00:03 +0900\r\n"
	    "Received: from b.example by c.example;\r\n\tMon, 1 Jan 2024 10:00:02 +0900\r\n"
	    "From: a@example.com\r\n"
	    "Received: from a.example by b.example; Mon, 1 Jan 2024 10:00:01 +0900\r\n"
	    "Subject: hops\r\n\r\nbody\r\n");
	const GPtrArray *r = m->headers->received;
	assert_int_equal(r->len, 3);
	/* newest (topmost) first, unfolded */
	assert_string_equal(g_ptr_array_index(r, 0),
	    "from c.example (c [192.0.2.3]) by d.example; Mon, 1 Jan 2024 10:00:03 +0900");
	assert_string_equal(g_ptr_array_index(r, 1),
	    "from b.example by c.example;\tMon, 1 Jan 2024 10:00:02 +0900");
	assert_string_equal(g_ptr_array_index(r, 2),
	    "from a.example by b.example; Mon, 1 Jan 2024 10:00:01 +0900");
	assert_int_equal(mime_headers_count(m->headers, "received"), 3);
	assert_non_null(mime_headers_get(m->headers, "RECEIVED", 2));
	assert_null(mime_headers_get(m->headers, "Received", 3));
	/* header order is kept */
	assert_string_equal(((const struct mime_header *)g_ptr_array_index(
	    m->headers->all, 2))->name, "From");
	mime_message_free(m);
}

/* ---- the part tree ---------------------------------------------------- */

static void
test_nested_multiparts(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: tree\r\n"
	    "Content-Type: multipart/mixed; boundary=O\r\n\r\n"
	    "preamble\r\n"
	    "--O\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n"
	    "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain\r\n"
	    "--A\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
	    "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n"
	    "--R\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--R--\r\n--A--\r\n"
	    "--O\r\nContent-Type: application/pdf; name=\"doc.pdf\"\r\n"
	    "Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "JVBERi0xLjQK\r\n--O--\r\nepilogue\r\n");
	static const struct {
		enum mime_part_kind kind;
		const char *type;
		int parent;
		unsigned depth;
	} want[] = {
		{ MIME_PART_MULTIPART, "multipart/mixed", -1, 0 },
		{ MIME_PART_MULTIPART, "multipart/alternative", 0, 1 },
		{ MIME_PART_TEXT, "text/plain", 1, 2 },
		{ MIME_PART_MULTIPART, "multipart/related", 1, 2 },
		{ MIME_PART_HTML, "text/html", 3, 3 },
		{ MIME_PART_ATTACHMENT, "image/png", 3, 3 },
		{ MIME_PART_ATTACHMENT, "application/pdf", 0, 1 },
	};
	assert_int_equal(m->parts->len, G_N_ELEMENTS(want));
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct mime_part *p = part_at(m, i);
		assert_int_equal(p->kind, want[i].kind);
		assert_string_equal(p->type, want[i].type);
		assert_int_equal(p->depth, want[i].depth);
		if (want[i].parent < 0)
			assert_null(p->parent);
		else
			assert_int_equal(p->parent->index, (unsigned)want[i].parent);
		assert_int_equal(p->origin, MIME_ORIGIN_MIME);
	}
	assert_string_equal(part_at(m, 2)->text, "plain");
	assert_string_equal(part_at(m, 4)->text, "<p>html</p>");
	assert_int_equal(part_at(m, 5)->len, 8);
	assert_memory_equal(part_at(m, 5)->data, "\211PNG\r\n\032\n", 8);
	assert_string_equal(part_at(m, 6)->filename, "doc.pdf");
	assert_string_equal(part_at(m, 6)->path, "doc.pdf");
	assert_memory_equal(part_at(m, 6)->data, "%PDF-1.4\n", 9);
	assert_null(part_at(m, 6)->text);
	assert_no_defects(m);
	check_invariants(m);
	mime_message_free(m);
}

#define INNER_MSG "From: " EW_HANAKO " <inner@example.org>\r\nTo: x@example.net\r\n" \
	"Subject: " FWD_SUBJ "\r\nMessage-ID: <inner@example.org>\r\n" \
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" \
	"Received: from inner.example by relay.example; Mon, 1 Jan 2024 10:00:00 +0000\r\n" \
	"Content-Type: multipart/mixed; boundary=I\r\n\r\n" \
	"--I\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ninner body\r\n" \
	"--I\r\nContent-Type: application/zip; name=a.zip\r\n" \
	"Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--I--\r\n"

static void
test_message_rfc822(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: Fwd\r\n"
	    "Content-Type: multipart/mixed; boundary=O\r\n\r\n"
	    "--O\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n"
	    "--O\r\nContent-Type: message/rfc822\r\n"
	    "Content-Disposition: attachment; filename=fwd.eml\r\n\r\n"
	    INNER_MSG "--O--\r\n");
	assert_int_equal(m->parts->len, 6);
	const struct mime_part *msgp = part_at(m, 2);
	assert_int_equal(msgp->kind, MIME_PART_MESSAGE);
	assert_string_equal(msgp->type, "message/rfc822");
	assert_string_equal(msgp->filename, "fwd.eml");
	assert_string_equal(msgp->path, "fwd.eml");
	assert_int_equal(msgp->depth, 1);
	const struct mime_headers *e = msgp->embedded;
	assert_non_null(e);
	assert_utf8_equal(e->subject, FWD_UTF8);
	assert_string_equal(e->message_id, "inner@example.org");
	assert_int_equal(e->from->len, 1);
	assert_utf8_equal(addr_at(e->from, 0)->name, HANAKO_UTF8);
	assert_string_equal(addr_at(e->from, 0)->addr, "inner@example.org");
	assert_true(e->date_ok);
	assert_int_equal(e->received->len, 1);
	/* the outer headers are the outer ones */
	assert_string_equal(m->headers->subject, "Fwd");
	assert_string_equal(m->headers->message_id, "id@example.com");

	const struct mime_part *mp = part_at(m, 3);
	assert_int_equal(mp->kind, MIME_PART_MULTIPART);
	assert_ptr_equal(mp->parent, msgp);
	assert_int_equal(mp->depth, 2);
	assert_string_equal(part_at(m, 4)->text, "inner body");
	const struct mime_part *zip = part_at(m, 5);
	assert_string_equal(zip->filename, "a.zip");
	assert_string_equal(zip->path, "fwd.eml/a.zip");
	assert_int_equal(zip->depth, 3);
	assert_memory_equal(zip->data, "PK\003\004", 4);
	assert_no_defects(m);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_message_rfc822_unnamed(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: Fwd\r\n"
	    "Content-Type: message/rfc822\r\n\r\n" INNER_MSG);
	const struct mime_part *msgp = part_at(m, 0);
	assert_int_equal(msgp->kind, MIME_PART_MESSAGE);
	assert_null(msgp->filename);
	assert_string_equal(msgp->path, "part0.eml");
	assert_non_null(msgp->embedded);
	assert_string_equal(part_at(m, 3)->path, "part0.eml/a.zip");
	check_invariants(m);
	mime_message_free(m);
}

static void
test_uuencode(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: uu\r\n"
	    "Content-Type: text/plain\r\n\r\nSee the attached file.\r\n\r\n"
	    UU_BLOCK "\r\nRegards\r\n");
	assert_int_equal(m->parts->len, 2);
	const struct mime_part *text = part_at(m, 0);
	assert_int_equal(text->kind, MIME_PART_TEXT);
	const struct mime_part *uu = part_at(m, 1);
	assert_int_equal(uu->kind, MIME_PART_ATTACHMENT);
	assert_int_equal(uu->origin, MIME_ORIGIN_UUENCODE);
	assert_ptr_equal(uu->parent, text);
	assert_int_equal(uu->depth, 1);
	assert_string_equal(uu->filename, "invoice.exe");
	assert_string_equal(uu->encoding, "x-uuencode");
	assert_string_equal(uu->path, "part0/invoice.exe");
	uint8_t want[UU_DATA_LEN];
	for (unsigned i = 0; i < 256; i++)
		want[i] = (uint8_t)i;
	memcpy(want + 256, "MZ\220\000 payload \377\376", UU_DATA_LEN - 256);
	assert_int_equal(uu->len, UU_DATA_LEN);
	assert_memory_equal(uu->data, want, UU_DATA_LEN);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_uuencode_not(void **state)
{
	(void)state;
	/* "begin" prose, and a begin line without a mode, are not uuencode */
	struct mime_message *m = PARSE(HDRS "Subject: uu\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "begin the meeting at ten\r\nbegin 64 x\r\nbeginning\r\nend\r\n");
	assert_int_equal(m->parts->len, 1);
	mime_message_free(m);
	/* a uuencoded block without its end line: what is there is decoded */
	m = PARSE(HDRS "Subject: uu\r\nContent-Type: text/plain\r\n\r\n"
	    "begin 600 a.bin\r\n#86)C\r\n");
	assert_int_equal(m->parts->len, 2);
	assert_int_equal(part_at(m, 1)->len, 3);
	assert_memory_equal(part_at(m, 1)->data, "abc", 3);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_attachment_kinds(void **state)
{
	(void)state;
	/* a text/plain part with Content-Disposition: attachment is a file */
	struct mime_message *m = PARSE(HDRS "Subject: k\r\n"
	    "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
	    "--B\r\nContent-Type: text/plain; name=notes.txt\r\n"
	    "Content-Disposition: attachment; filename=notes.txt\r\n\r\nnotes\r\n"
	    "--B\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=x.html\r\n\r\n<b>x</b>\r\n"
	    "--B\r\nContent-Type: TEXT/HTML\r\n\r\n<b>y</b>\r\n"
	    "--B--\r\n");
	assert_int_equal(m->parts->len, 5);
	assert_int_equal(part_at(m, 1)->kind, MIME_PART_TEXT);
	assert_int_equal(part_at(m, 2)->kind, MIME_PART_ATTACHMENT);
	assert_string_equal(part_at(m, 2)->filename, "notes.txt");
	assert_int_equal(part_at(m, 3)->kind, MIME_PART_ATTACHMENT);
	assert_int_equal(part_at(m, 4)->kind, MIME_PART_HTML);
	assert_string_equal(part_at(m, 4)->type, "text/html");
	mime_message_free(m);
}

/* ---- body text --------------------------------------------------------- */

static void
check_body(const char *ct, const char *cte, const char *body, size_t blen,
    const char *want, const char *want_used)
{
	GString *g = g_string_new(HDRS "Subject: body\r\n");
	if (ct != NULL)
		g_string_append_printf(g, "Content-Type: %s\r\n", ct);
	if (cte != NULL)
		g_string_append_printf(g, "Content-Transfer-Encoding: %s\r\n", cte);
	g_string_append(g, "\r\n");
	g_string_append_len(g, body, (gssize)blen);
	struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
	g_string_free(g, TRUE);
	assert_int_equal(m->parts->len, 1);
	const struct mime_part *p = part_at(m, 0);
	assert_non_null(p->text);
	if (strcmp(p->text, want) != 0) {
		print_error("Content-Type: %s\ngot  \"%s\" (%s)\nwant \"%s\"\n",
		    ct != NULL ? ct : "(none)", p->text, p->charset_used, want);
		mime_message_free(m);
		fail();
	}
	assert_string_equal(p->charset_used, want_used);
	check_invariants(m);
	mime_message_free(m);
}

#define BODY(s) (s), sizeof(s) - 1

static void
test_body_declared(void **state)
{
	(void)state;
	check_body("text/plain; charset=ISO-2022-JP", "7bit", BODY(BODY_JIS), BODY_UTF8, "ISO-2022-JP");
	check_body("text/plain; charset=Shift_JIS", "8bit", BODY(BODY_SJIS), BODY_UTF8, "CP932");
	check_body("text/plain; charset=\"EUC-JP\"", NULL, BODY(BODY_EUC), BODY_UTF8, "EUC-JP-MS");
	check_body("text/plain; charset=utf-8", "base64", BODY(BODY_UTF8_B64 "\r\n"), BODY_UTF8, "UTF-8");
	check_body("text/plain; charset=utf-8", "quoted-printable",
	    BODY("caf=C3=A9 =E6=97=A5=\r\n=E6=9C=AC\r\n"), "caf\303\251 \346\227\245\346\234\254\r\n", "UTF-8");
	check_body("text/plain; charset=iso-8859-2", NULL, BODY(L2_BODY), L2_BODY_UTF8, "ISO-8859-2");
	check_body("text/plain; charset=windows-1251", NULL, BODY(CYR_BODY), CYR_BODY_UTF8, "CP1251");
	check_body("text/plain; charset=iso-8859-1", NULL, BODY("\223Hi\224 \200"),
	    "\342\200\234Hi\342\200\235 \342\202\254", "CP1252");
	check_body("text/html; charset=shift_jis", NULL, BODY("<p>" BODY_SJIS "</p>"),
	    "<p>" BODY_UTF8 "</p>", "CP932");
}

static void
test_body_nec_row13(void **state)
{
	(void)state;
	/* ① ② ㈱ in ISO-2022-JP: ESC $ B 0x2D 0x21 ... */
	check_body("text/plain; charset=iso-2022-jp", NULL,
	    BODY("\033$B-!-\"-j\033(B\r\n"), "\342\221\240\342\221\241\343\210\261\r\n",
	    "ISO-2022-JP");
}

static void
test_body_undeclared(void **state)
{
	(void)state;
	static const struct {
		const char *ct;
		const char *body;
		size_t len;
		const char *used;
	} cases[] = {
		{ "text/plain", BODY(BODY_SJIS), "CP932" },
		{ NULL, BODY(BODY_SJIS), "CP932" },
		{ "text/plain; charset=us-ascii", BODY(BODY_SJIS), "CP932" },
		{ "text/plain", BODY(BODY_EUC), "EUC-JP-MS" },
		{ "text/plain", BODY(BODY_JIS), "ISO-2022-JP" },
		{ "text/plain", BODY(BODY_UTF8), "UTF-8" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		check_body(cases[i].ct, NULL, cases[i].body, cases[i].len, BODY_UTF8,
		    cases[i].used);
		GString *g = g_string_new(HDRS "Subject: body\r\n");
		if (cases[i].ct != NULL)
			g_string_append_printf(g, "Content-Type: %s\r\n", cases[i].ct);
		g_string_append(g, "\r\n");
		g_string_append_len(g, cases[i].body, (gssize)cases[i].len);
		struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
		g_string_free(g, TRUE);
		assert_defect(m, MIME_DEF_CHARSET_UNDECLARED, cases[i].used);
		mime_message_free(m);
	}
}

static void
test_body_jis_x0212_lossy(void **state)
{
	(void)state;
	/* JIS X 0212 (ESC $ ( D, ISO-2022-JP-1/2) in an ISO-2022-JP part is
	 * ISO-2022-JP all the same: its characters are not in CP932, so they
	 * become U+FFFD and the part is lossy; no escape bytes in the text */
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
	    "a\033$(D\"/\033(Bb\r\n");
	assert_defect(m, MIME_DEF_CHARSET_LOSSY, NULL);
	assert_no_defect(m, MIME_DEF_CHARSET_MISMATCH);
	assert_contains(part_at(m, 0)->text, "\357\277\275");
	assert_null(strchr(part_at(m, 0)->text, '\033'));
	mime_message_free(m);
}

static void
test_body_unknown_charset_not_undeclared(void **state)
{
	(void)state;
	/* "charset=unknown-8bit" is a declared (unknown) charset: the part
	 * gets charset_unknown, not also charset_undeclared, which is for
	 * 8-bit text without a charset (message.h, check_message.c). */
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: text/plain; charset=unknown-8bit\r\n\r\n" BODY_SJIS);
	assert_defect(m, MIME_DEF_CHARSET_UNKNOWN, "unknown-8bit");
	assert_utf8_equal(part_at(m, 0)->text, BODY_UTF8);
	assert_no_defect(m, MIME_DEF_CHARSET_UNDECLARED);
	mime_message_free(m);
}

static void
test_body_charset_defects(void **state)
{
	(void)state;
	/* unknown label */
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: text/plain; charset=x-bogus\r\n\r\n" BODY_SJIS);
	assert_defect(m, MIME_DEF_CHARSET_UNKNOWN, "x-bogus");
	assert_utf8_equal(part_at(m, 0)->text, BODY_UTF8);
	mime_message_free(m);
	/* declared Shift_JIS, bytes are UTF-8 */
	m = PARSE(HDRS "Subject: s\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n" BODY_UTF8);
	assert_defect(m, MIME_DEF_CHARSET_MISMATCH, "shift_jis");
	assert_utf8_equal(part_at(m, 0)->text, BODY_UTF8);
	assert_string_equal(part_at(m, 0)->charset, "shift_jis");
	assert_string_equal(part_at(m, 0)->charset_used, "UTF-8");
	mime_message_free(m);
	/* clean labelled text: no charset defects */
	m = PARSE(HDRS "Subject: s\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" BODY_JIS);
	assert_no_defects(m);
	mime_message_free(m);
}

/* ---- malformed structure ----------------------------------------------- */

static void
test_multipart_without_boundary(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: multipart/mixed\r\n\r\n"
	    "--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n--X--\r\n");
	assert_defect(m, MIME_DEF_NO_BOUNDARY, NULL);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_multipart_not_closed(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: multipart/mixed; boundary=X\r\n\r\n"
	    "--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	    "--X\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "JVBERi0xLjQK\r\n");
	assert_defect(m, MIME_DEF_TRUNCATED, "part0");
	/* what is there is still parsed */
	assert_int_equal(m->parts->len, 3);
	assert_string_equal(part_at(m, 1)->text, "hi");
	assert_memory_equal(part_at(m, 2)->data, "%PDF-1.4\n", 9);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_empty_multipart(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: multipart/mixed; boundary=X\r\n\r\npreamble only\r\n--X--\r\n");
	assert_defect(m, MIME_DEF_EMPTY_MULTIPART, "part0");
	mime_message_free(m);
}

#define B64_ATT(data) HDRS "Subject: s\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n" \
	"--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n" \
	"--X\r\nContent-Type: application/pdf; name=a.pdf\r\n" \
	"Content-Transfer-Encoding: base64\r\n\r\n" data "\r\n--X--\r\n"

static void
test_base64_truncated(void **state)
{
	(void)state;
	/* 22 base64 characters: the attachment was cut mid-quantum.  message.h:
	 * MIME_DEF_TRUNCATED is "multipart never closed, base64 cut short". */
	struct mime_message *m = PARSE(B64_ATT("JVBERi0xLjQKJcfs\r\nj6IKNS"));
	assert_defect(m, MIME_DEF_TRUNCATED, "a.pdf");
	/* the complete quanta decode */
	const struct mime_part *p = part_of_type(m, "application/pdf", 0);
	assert_non_null(p);
	assert_true(p->len >= 15);
	assert_memory_equal(p->data, "%PDF-1.4\n%", 10);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_base64_invalid_chars(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(B64_ATT("JVBE*Ri0x!LjQK"));
	assert_defect(m, MIME_DEF_BAD_ENCODING, "a.pdf");
	mime_message_free(m);
	/* data after the final padding */
	m = PARSE(B64_ATT("QUJD\r\nRA==\r\nQUJD"));
	assert_defect(m, MIME_DEF_BAD_ENCODING, "a.pdf");
	mime_message_free(m);
	/* clean base64 with padding: no defect */
	m = PARSE(B64_ATT("QUJDRA=="));
	assert_no_defects(m);
	assert_memory_equal(part_of_type(m, "application/pdf", 0)->data, "ABCD", 4);
	mime_message_free(m);
}

static void
test_unknown_transfer_encoding(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: x-foo\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_BAD_ENCODING, "x-foo");
	mime_message_free(m);
}

static void
test_bad_content_type(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\nContent-Type: ;;;garbage\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_BAD_CONTENT_TYPE, NULL);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_nul_bytes(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "Subject: s\r\n"
	    "Content-Type: text/plain\r\n\r\nhello\0world\r\n");
	assert_defect(m, MIME_DEF_NUL_BYTE, NULL);
	const struct mime_part *p = part_at(m, 0);
	/* the decoded bytes keep the NUL; the text has none */
	assert_int_equal(p->len, 13);
	assert_int_equal(p->data[5], 0);
	assert_int_equal(strlen(p->text), p->text_len);
	assert_contains(p->text, "hello");
	assert_contains(p->text, "world");
	check_invariants(m);
	mime_message_free(m);
	/* and in a header */
	m = PARSE("From: a@example.com\r\nSubject: nul\0here\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_NUL_BYTE, NULL);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_long_lines(void **state)
{
	(void)state;
	char line[1200];
	memset(line, 'a', sizeof line);
	for (size_t n = 997; n <= 1000; n++) {
		GString *g = g_string_new(HDRS "Subject: s\r\nContent-Type: text/plain\r\n\r\n");
		g_string_append_len(g, line, (gssize)n);
		g_string_append(g, "\r\nshort\r\n");
		struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
		if (n > 998)
			assert_defect(m, MIME_DEF_LONG_LINE, NULL);
		else
			assert_no_defect(m, MIME_DEF_LONG_LINE);
		mime_message_free(m);
		g_string_free(g, TRUE);
	}
	/* LF-only line ends count the same; a long last line without one too */
	GString *g = g_string_new("From: a@example.com\nSubject: s\n\n");
	g_string_append_len(g, line, 999);
	struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
	assert_defect(m, MIME_DEF_LONG_LINE, NULL);
	mime_message_free(m);
	g_string_free(g, TRUE);
}

static void
test_duplicate_headers(void **state)
{
	(void)state;
	struct mime_message *m = PARSE("From: a@example.com\r\nFrom: c@example.net\r\n"
	    "Subject: one\r\nSubject: two\r\nTo: x@example.com\r\n"
	    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <a@b>\r\n"
	    "Received: from a by b; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
	    "Received: from c by d; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
	    "X-Mailer: one\r\nX-Mailer: two\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "From");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "Subject");
	/* Received and X- headers repeat legitimately */
	assert_false(has_defect_detail(m, MIME_DEF_DUPLICATE_HEADER, "Received"));
	assert_false(has_defect_detail(m, MIME_DEF_DUPLICATE_HEADER, "X-Mailer"));
	/* the model reads the first one */
	assert_string_equal(m->headers->subject, "one");
	assert_string_equal(addr_at(m->headers->from, 0)->addr, "a@example.com");
	assert_int_equal(mime_headers_count(m->headers, "subject"), 2);
	assert_string_equal(mime_headers_get(m->headers, "Subject", 1)->value, "two");
	mime_message_free(m);

	m = PARSE("From: a@example.com\r\nTo: x@example.com\r\nto: y@example.com\r\n"
	    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n"
	    "Message-ID: <a@b>\r\nMessage-Id: <c@d>\r\n\r\nbody\r\n");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "To");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "Date");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "Message-ID");
	assert_string_equal(m->headers->message_id, "a@b");
	mime_message_free(m);
}

static void
test_defects_recorded_once(void **state)
{
	(void)state;
	struct mime_message *m = PARSE("From: a@example.com\r\nFrom: b@example.com\r\n"
	    "From: c@example.com\r\nSubject: s\r\n\r\nbody\r\n");
	unsigned n = 0;
	for (guint i = 0; i < m->defects->len; i++) {
		const struct mime_defect_rec *r = g_ptr_array_index(m->defects, i);
		if (r->kind == MIME_DEF_DUPLICATE_HEADER)
			n++;
	}
	assert_int_equal(n, 1);
	mime_message_free(m);
}

static void
test_defect_names(void **state)
{
	(void)state;
	assert_string_equal(mime_defect_name(MIME_DEF_NUL_BYTE), "nul_byte");
	assert_string_equal(mime_defect_name(MIME_DEF_BAD_ENCODING), "bad_encoding");
	assert_string_equal(mime_defect_name(MIME_DEF_LIMIT_PARTS), "parts");
	assert_string_equal(mime_defect_name(MIME_DEF_LIMIT_DEPTH), "depth");
	assert_string_equal(mime_defect_name(MIME_DEF_LIMIT_SIZE), "message_size");
	assert_string_equal(mime_defect_name(MIME_DEF_LIMIT_DECODED), "decoded_bytes");
	/* every defect has a distinct name */
	for (int i = 0; i < MIME_DEF_COUNT; i++) {
		const char *a = mime_defect_name((enum mime_defect)i);
		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, mime_defect_name((enum mime_defect)j));
	}
	assert_string_equal(mime_defect_name(MIME_DEF_COUNT), "unknown");
	/* the mask holds every defect */
	assert_true(MIME_DEF_COUNT <= 32);
}

/* ---- limits ------------------------------------------------------------- */

static char *
many_parts(unsigned n, size_t *len)
{
	GString *g = g_string_new(HDRS "Subject: many\r\n"
	    "Content-Type: multipart/mixed; boundary=M\r\n\r\n");
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(g, "--M\r\nContent-Type: text/plain\r\n\r\n%u\r\n", i);
	g_string_append(g, "--M--\r\n");
	*len = g->len;
	return g_string_free(g, FALSE);
}

static char *
nested(unsigned n, size_t *len)
{
	GString *open = g_string_new(HDRS "Subject: deep\r\n");
	GString *close = g_string_new(NULL);
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(open, "Content-Type: multipart/mixed; boundary=b%u\r\n\r\n--b%u\r\n", i, i);
		g_string_prepend(close, "\r\n");
		char *c = g_strdup_printf("--b%u--", i);
		g_string_prepend(close, c);
		g_free(c);
		g_string_prepend(close, "\r\n");
	}
	g_string_append(open, "Content-Type: text/plain\r\n\r\ndeep");
	g_string_append(open, close->str);
	g_string_free(close, TRUE);
	*len = open->len;
	return g_string_free(open, FALSE);
}

static void
test_limit_parts(void **state)
{
	(void)state;
	size_t len;
	char *s = many_parts(10, &len);
	struct mime_limits lim = lim_default;
	lim.max_parts = 4;
	struct mime_message *m = parse_lim(s, len, &lim);
	assert_int_equal(m->parts->len, 4);
	assert_defect(m, MIME_DEF_LIMIT_PARTS, NULL);
	check_invariants(m);
	mime_message_free(m);
	/* exactly at the limit: no defect (multipart + 3 texts) */
	g_free(s);
	s = many_parts(3, &len);
	m = parse_lim(s, len, &lim);
	assert_int_equal(m->parts->len, 4);
	assert_no_defect(m, MIME_DEF_LIMIT_PARTS);
	mime_message_free(m);
	g_free(s);
	/* the default limit */
	s = many_parts(600, &len);
	m = parse_lim(s, len, &lim_default);
	assert_int_equal(m->parts->len, 500);
	assert_defect(m, MIME_DEF_LIMIT_PARTS, NULL);
	mime_message_free(m);
	g_free(s);
}

static void
test_limit_depth(void **state)
{
	(void)state;
	size_t len;
	struct mime_limits lim = lim_default;
	lim.max_depth = 3;
	char *s = nested(3, &len);	/* text at depth 3 */
	struct mime_message *m = parse_lim(s, len, &lim);
	assert_int_equal(m->parts->len, 4);
	assert_no_defect(m, MIME_DEF_LIMIT_DEPTH);
	mime_message_free(m);
	g_free(s);
	s = nested(4, &len);		/* text at depth 4 */
	m = parse_lim(s, len, &lim);
	assert_int_equal(m->parts->len, 4);
	assert_defect(m, MIME_DEF_LIMIT_DEPTH, NULL);
	check_invariants(m);
	mime_message_free(m);
	g_free(s);
	/* far deeper than any limit: bounded, no crash */
	s = nested(3000, &len);
	m = parse_lim(s, len, &lim_default);
	assert_defect(m, MIME_DEF_LIMIT_DEPTH, NULL);
	assert_true(m->parts->len <= lim_default.max_depth + 1);
	check_invariants(m);
	mime_message_free(m);
	g_free(s);
}

static void
test_limit_depth_rfc822(void **state)
{
	(void)state;
	GString *g = g_string_new(NULL);
	for (int i = 0; i < 40; i++)
		g_string_append_printf(g, "From: l%d@example.com\r\nSubject: level %d\r\n"
		    "Content-Type: message/rfc822\r\n\r\n", i, i);
	g_string_append(g, "From: last@example.com\r\nSubject: last\r\n\r\nbody\r\n");
	struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
	assert_defect(m, MIME_DEF_LIMIT_DEPTH, NULL);
	check_invariants(m);
	mime_message_free(m);
	g_string_free(g, TRUE);
}

static void
test_limit_decoded(void **state)
{
	(void)state;
	struct mime_limits lim = lim_default;
	lim.max_decoded = 10;
	static const char msg[] = B64_ATT("QUJDREVGR0hJSktMTU5PUA==");
	struct mime_message *m = parse_lim(msg, sizeof msg - 1, &lim);
	/* "hi" (2 bytes) then 8 of the 16 attachment bytes */
	assert_defect(m, MIME_DEF_LIMIT_DECODED, NULL);
	const struct mime_part *p = part_of_type(m, "application/pdf", 0);
	assert_non_null(p);
	assert_true(p->truncated);
	assert_int_equal(p->len, 8);
	assert_memory_equal(p->data, "ABCDEFGH", 8);
	assert_false(part_of_type(m, "text/plain", 0)->truncated);
	check_invariants(m);
	mime_message_free(m);
}

static void
test_limit_size(void **state)
{
	(void)state;
	static const char msg[] = HDRS "Subject: size\r\nContent-Type: text/plain\r\n\r\n"
	    "0123456789012345678901234567890123456789\r\n";
	struct mime_limits lim = lim_default;
	lim.max_size = sizeof msg - 1 - 20;
	struct mime_message *m = parse_lim(msg, sizeof msg - 1, &lim);
	assert_defect(m, MIME_DEF_LIMIT_SIZE, NULL);
	/* size is the input's; the body is cut */
	assert_int_equal(m->size, sizeof msg - 1);
	assert_int_equal(part_at(m, 0)->len, 42 - 20);
	assert_string_equal(m->headers->subject, "size");
	mime_message_free(m);
	lim.max_size = sizeof msg - 1;
	m = parse_lim(msg, sizeof msg - 1, &lim);
	assert_no_defects(m);
	mime_message_free(m);
}

/* ---- hostile input ------------------------------------------------------ */

static void
test_degenerate_inputs(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"", "\r\n", "\n\n\n", "From:", ":", "\0\0\0", "\377\376\375",
		"Subject: only a header", "no colon at all\r\n\r\nbody",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\n----\r\n",
		"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X",
		"Content-Type: message/rfc822\r\n\r\n",
		"Content-Type: text/plain; charset=\"\r\n\r\nx",
		"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\033$B\033$B\033",
		"Content-Transfer-Encoding: base64\r\n\r\n====",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4",
		"Content-Type: text/plain\r\n\r\nbegin 644 \r\n",
		"Content-Type: text/plain\r\n\r\nbegin 644 x\r\nM\r\n",
		"Subject: =?\r\n\r\n", "Subject: =?utf-8?\r\n\r\n", "Subject: =?utf-8?b?\r\n\r\n",
		"Subject: =?utf-8?q?=\r\n\r\n", "Subject: =?utf-8?x?abc?=\r\n\r\n",
		"From: \"\r\n\r\n", "From: <\r\n\r\n", "From: a:b:c:;;;\r\n\r\n",
		"Date: \r\n\r\n", "Message-ID: <\r\nReferences: <<<>>>\r\n\r\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++) {
		size_t len = strlen(inputs[i]);
		if (i == 5)
			len = 3;	/* the NUL bytes */
		struct mime_message *m = parse_lim(inputs[i], len, &lim_default);
		check_invariants(m);
		mime_message_free(m);
	}
	/* NULL-free zero-length input */
	struct mime_message *m = mime_message_parse((const uint8_t *)"", 0, &lim_default);
	assert_non_null(m);
	assert_int_equal(m->size, 0);
	assert_int_equal(m->headers->from->len, 0);
	mime_message_free(m);
}

#define COMPLEX HDRS "Subject: " EW_SPLIT_JIS "\r\nCc: " RAW_SJIS_NAME "\r\n" \
	"Content-Type: multipart/mixed; boundary=O\r\n\r\n" \
	"--O\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n" \
	"--A\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" BODY_JIS \
	"--A\r\nContent-Type: text/html; charset=shift_jis\r\n" \
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>=82=A8=90=A2=98b</p>\r\n--A--\r\n" \
	"--O\r\nContent-Type: application/octet-stream;\r\n " FN_2047_JIS "\r\n" \
	"Content-Transfer-Encoding: base64\r\n\r\nQUJDREVGR0hJSktMTU5PUA==\r\n" \
	"--O\r\nContent-Type: message/rfc822\r\n\r\n" INNER_MSG \
	"--O\r\nContent-Type: text/plain\r\n\r\n" UU_BLOCK "--O--\r\n"

/* mixed, alternative, text, html, file, message, its multipart, text and
 * zip, the text/plain holding the uuencoded block, and that block */
#define COMPLEX_NPARTS 11

static void
test_every_truncation(void **state)
{
	(void)state;
	/* A message cut at every length parses and keeps the invariants. */
	static const char msg[] = COMPLEX;
	for (size_t len = 0; len <= sizeof msg - 1; len++) {
		/* a heap copy of exactly len bytes, so ASan sees overreads */
		uint8_t *copy = g_malloc(len > 0 ? len : 1);
		memcpy(copy, msg, len);
		struct mime_message *m = mime_message_parse(copy, len, &lim_default);
		assert_non_null(m);
		check_invariants(m);
		mime_message_free(m);
		g_free(copy);
	}
	struct mime_message *m = PARSE(COMPLEX);
	assert_int_equal(m->parts->len, COMPLEX_NPARTS);
	mime_message_free(m);
}

static void
test_byte_flips(void **state)
{
	(void)state;
	/* Every byte of the message replaced by hostile values in turn. */
	static const char msg[] = COMPLEX;
	static const uint8_t repl[] = { 0x00, 0x1b, 0x0a, '-', '=', '"', 0xff };
	uint8_t *copy = g_malloc(sizeof msg - 1);
	for (size_t i = 0; i < sizeof msg - 1; i += 3) {
		for (size_t r = 0; r < sizeof repl; r++) {
			memcpy(copy, msg, sizeof msg - 1);
			copy[i] = repl[r];
			struct mime_message *m = mime_message_parse(copy, sizeof msg - 1,
			    &lim_default);
			check_invariants(m);
			mime_message_free(m);
		}
	}
	g_free(copy);
}

static void
test_many_headers(void **state)
{
	(void)state;
	GString *g = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append_printf(g, "X-H%d: =?utf-8?q?v%d?=\r\nSubject: s%d\r\n", i, i, i);
	g_string_append(g, "\r\nbody\r\n");
	struct mime_message *m = parse_lim(g->str, g->len, &lim_default);
	assert_string_equal(m->headers->subject, "s0");
	assert_defect(m, MIME_DEF_DUPLICATE_HEADER, "Subject");
	/* defects are bounded */
	assert_true(m->defects->len <= 64);
	check_invariants(m);
	mime_message_free(m);
	g_string_free(g, TRUE);
}

/* Parsing from several threads at once (the model is re-entrant). */
static gpointer
parse_thread(gpointer data)
{
	(void)data;
	for (int i = 0; i < 20; i++) {
		struct mime_message *m = mime_message_parse((const uint8_t *)COMPLEX,
		    sizeof(COMPLEX) - 1, &lim_default);
		const struct mime_part *p = m->parts->len > 2
		    ? g_ptr_array_index(m->parts, 2) : NULL;
		if (m->parts->len != COMPLEX_NPARTS || m->headers->subject == NULL ||
		    p == NULL || p->text == NULL ||
		    strncmp(p->text, BODY_UTF8, sizeof BODY_UTF8 - 3) != 0) {
			fprintf(stderr, "thread: %u parts, subject %s, text %s\n",
			    m->parts->len, m->headers->subject != NULL ? m->headers->subject : "(null)",
			    p != NULL && p->text != NULL ? p->text : "(null)");
			mime_message_free(m);
			return GINT_TO_POINTER(1);
		}
		mime_message_free(m);
	}
	return GINT_TO_POINTER(0);
}

static void
test_threads(void **state)
{
	(void)state;
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("parse", parse_thread, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
}

/* Each part keeps its own header fields (mimeheader rules read them): the
 * top-level entity the message's Content-* fields, a part its own, folded
 * values raw and decoded. */
static void
test_part_fields(void **state)
{
	(void)state;
	struct mime_message *m = PARSE(HDRS "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n"
	    "Content-Disposition: inline\r\n\r\nhello\r\n"
	    "--b\r\nContent-Type: application/octet-stream; name=\"=?UTF-8?B?5pel5pys?=.txt\"\r\n\r\nx\r\n"
	    "--b--\r\n");
	assert_int_equal(m->parts->len, 3);
	const struct mime_part *root = m->parts->pdata[0];
	const struct mime_part *text = m->parts->pdata[1];
	const struct mime_part *att = m->parts->pdata[2];
	bool found = false;
	for (guint i = 0; i < root->fields->len; i++) {
		const struct mime_header *h = root->fields->pdata[i];
		if (g_ascii_strcasecmp(h->name, "Content-Type") == 0) {
			found = true;
			assert_non_null(strstr(h->value, "multipart/mixed"));
		}
		/* the message's other fields are not the entity's */
		assert_true(g_ascii_strcasecmp(h->name, "Subject") != 0);
	}
	assert_true(found);
	assert_int_equal(text->fields->len, 2);
	const struct mime_header *ct = text->fields->pdata[0];
	assert_string_equal(ct->name, "Content-Type");
	assert_non_null(strstr(ct->raw, "text/plain;"));
	assert_non_null(strstr(ct->raw, "\tcharset=us-ascii"));
	assert_string_equal(((const struct mime_header *)text->fields->pdata[1])->name,
	    "Content-Disposition");
	assert_int_equal(att->fields->len, 1);
	assert_non_null(strstr(((const struct mime_header *)att->fields->pdata[0])->value,
	    "日本.txt"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2047_utf8),
		cmocka_unit_test(test_rfc2047_japanese),
		cmocka_unit_test(test_rfc2047_european),
		cmocka_unit_test(test_rfc2047_latin1_is_windows1252),
		cmocka_unit_test(test_rfc2047_shift_jis_vendor_chars),
		cmocka_unit_test(test_rfc2047_iso2022jp_nec_row13),
		cmocka_unit_test(test_rfc2047_adjacent),
		cmocka_unit_test(test_rfc2047_split_utf8_char),
		cmocka_unit_test(test_rfc2047_split_iso2022jp),
		cmocka_unit_test(test_rfc2047_broken_decoded),
		cmocka_unit_test(test_rfc2047_missing_end),
		cmocka_unit_test(test_rfc2047_wrong_label),
		cmocka_unit_test(test_rfc2047_broken_defect),
		cmocka_unit_test(test_raw_8bit_subject),
		cmocka_unit_test(test_raw_iso2022jp_subject),
		cmocka_unit_test(test_raw_display_names),
		cmocka_unit_test(test_raw_shift_jis_kanji_only),
		cmocka_unit_test(test_filenames),
		cmocka_unit_test(test_filename_raw_shift_jis),
		cmocka_unit_test(test_address_lists),
		cmocka_unit_test(test_address_bad),
		cmocka_unit_test(test_address_bad_8bit),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_date_invalid),
		cmocka_unit_test(test_missing_date_and_id),
		cmocka_unit_test(test_received_chain),
		cmocka_unit_test(test_nested_multiparts),
		cmocka_unit_test(test_message_rfc822),
		cmocka_unit_test(test_message_rfc822_unnamed),
		cmocka_unit_test(test_uuencode),
		cmocka_unit_test(test_uuencode_not),
		cmocka_unit_test(test_attachment_kinds),
		cmocka_unit_test(test_body_declared),
		cmocka_unit_test(test_body_nec_row13),
		cmocka_unit_test(test_body_undeclared),
		cmocka_unit_test(test_body_charset_defects),
		cmocka_unit_test(test_body_unknown_charset_not_undeclared),
		cmocka_unit_test(test_body_jis_x0212_lossy),
		cmocka_unit_test(test_multipart_without_boundary),
		cmocka_unit_test(test_multipart_not_closed),
		cmocka_unit_test(test_empty_multipart),
		cmocka_unit_test(test_base64_truncated),
		cmocka_unit_test(test_base64_invalid_chars),
		cmocka_unit_test(test_unknown_transfer_encoding),
		cmocka_unit_test(test_bad_content_type),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_duplicate_headers),
		cmocka_unit_test(test_defects_recorded_once),
		cmocka_unit_test(test_defect_names),
		cmocka_unit_test(test_limit_parts),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_depth_rfc822),
		cmocka_unit_test(test_limit_decoded),
		cmocka_unit_test(test_limit_size),
		cmocka_unit_test(test_degenerate_inputs),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_many_headers),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_part_fields),
	};
	return cmocka_run_group_tests_name("message", tests, NULL, group_teardown);
}
