/*
 * test_charset.c - charset_canon, charset_detect, charset_is_plain_ascii and
 * charset_to_utf8 (src/mime/charset.c).
 */
#include "test_helpers.h"

#include "mime/charset.h"

/* A string literal as (char pointer, length) for tables. */
#define BYTES_STR(s) (s), (sizeof(s) - 1)

#include "ja_text.h"

/* "①②㈱髙﨑" in CP932: NEC row 13 and IBM extensions */
#define SJIS_EXT "\207@\207A\207\212\356\340\355\225"
#define SJIS_EXT_UTF8 "\342\221\240\342\221\241\343\210\261\351\253\231\357\250\221"
/* "山田 太郎" (kanji only) and "テスト" in CP932 */
#define SJIS_KANJI "\216R\223c \221\276\230Y"
#define SJIS_KANJI_UTF8 "\345\261\261\347\224\260 \345\244\252\351\203\216"
#define SJIS_TESUTO "\203e\203X\203g"
#define TESUTO_UTF8 "\343\203\206\343\202\271\343\203\210"

static void
test_canon_unicode_and_japanese(void **state)
{
	(void)state;
	assert_string_equal(charset_canon("UTF-8"), "UTF-8");
	assert_string_equal(charset_canon("utf8"), "UTF-8");
	assert_string_equal(charset_canon("Shift_JIS"), "CP932");
	assert_string_equal(charset_canon("SJIS"), "CP932");
	assert_string_equal(charset_canon("x-sjis"), "CP932");
	assert_string_equal(charset_canon("Windows-31J"), "CP932");
	assert_string_equal(charset_canon("EUC-JP"), "EUC-JP-MS");
	assert_string_equal(charset_canon("ISO-2022-JP"), "ISO-2022-JP");
	assert_string_equal(charset_canon("iso-2022-jp-2"), "ISO-2022-JP");
	/* quotes and blanks broken mailers add */
	assert_string_equal(charset_canon("\"iso-2022-jp\""), "ISO-2022-JP");
	assert_string_equal(charset_canon(" UTF-8 "), "UTF-8");
}

static void
test_canon_western_and_cyrillic(void **state)
{
	(void)state;
	/* WHATWG: latin1 and ascii labels are windows-1252 */
	assert_string_equal(charset_canon("iso-8859-1"), "CP1252");
	assert_string_equal(charset_canon("ISO_8859-1"), "CP1252");
	assert_string_equal(charset_canon("us-ascii"), "CP1252");
	assert_string_equal(charset_canon("latin1"), "CP1252");
	assert_string_equal(charset_canon("ISO-8859-2"), "ISO-8859-2");
	assert_string_equal(charset_canon("iso-8859-15"), "ISO-8859-15");
	assert_string_equal(charset_canon("iso8859-15"), "ISO-8859-15");
	assert_string_equal(charset_canon("windows-1251"), "CP1251");
	assert_string_equal(charset_canon("cp1251"), "CP1251");
	assert_string_equal(charset_canon("Windows-1252"), "CP1252");
	assert_string_equal(charset_canon("x-cp1250"), "CP1250");
	assert_string_equal(charset_canon("ks_c_5601-1987"), "CP949");
	assert_string_equal(charset_canon("gb2312"), "GB18030");
	assert_string_equal(charset_canon("koi8-r"), "KOI8-R");
	/* RFC 2231 language suffix */
	assert_string_equal(charset_canon("iso-8859-1*en"), "CP1252");
}

static void
test_canon_unknown(void **state)
{
	(void)state;
	assert_null(charset_canon(NULL));
	assert_null(charset_canon(""));
	assert_null(charset_canon("x-unknown"));
	assert_null(charset_canon("iso-8859-12"));
	assert_null(charset_canon("iso-8859-99"));
	assert_null(charset_canon("iso-8859-"));
	assert_null(charset_canon("windows-125"));
	assert_null(charset_canon("windows-12512"));
	/* a very long name is not a charset (and must not overflow) */
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_null(charset_canon(longname));
}

static void
test_plain_ascii(void **state)
{
	(void)state;
	assert_true(charset_is_plain_ascii(BYTES("")));
	assert_true(charset_is_plain_ascii(BYTES("Hello, world!\r\n")));
	assert_true(charset_is_plain_ascii(BYTES("0123456789abcdefghijklmnopqrstuvwxyz")));
	assert_false(charset_is_plain_ascii(BYTES("0123456789abcdef\200")));
	assert_false(charset_is_plain_ascii(BYTES("caf\303\251")));
	assert_false(charset_is_plain_ascii(BYTES("plain \033$B%F\033(B")));
	assert_false(charset_is_plain_ascii(BYTES("shift out \016 in \017")));
	/* the length is honoured: the 8-bit byte is past it */
	assert_true(charset_is_plain_ascii((const uint8_t *)"abc\377", 3));
}

static void
test_detect(void **state)
{
	(void)state;
	assert_string_equal(charset_detect(BYTES(""), NULL), "US-ASCII");
	assert_string_equal(charset_detect(BYTES("Hello\r\n"), NULL), "US-ASCII");
	assert_string_equal(charset_detect(BYTES(JIS_BODY), NULL), "ISO-2022-JP");
	assert_string_equal(charset_detect(BYTES(JA_TEXT), NULL), "UTF-8");
	assert_string_equal(charset_detect(BYTES(SJIS_BODY), NULL), "CP932");
	assert_string_equal(charset_detect(BYTES(EUC_BODY), NULL), "EUC-JP-MS");
	/* a short subject is Japanese too */
	assert_string_equal(charset_detect(BYTES(SJIS_TESUTO), NULL), "CP932");
	/* "Здравствуйте, это тестовое письмо ..." */
	assert_string_equal(charset_detect(BYTES(
	    "\307\344\360\340\342\361\362\342\363\351\362\345, \375\362\356 "
	    "\362\345\361\362\356\342\356\345 \357\350\361\374\354\356 \356 "
	    "\342\340\370\345\354 \347\340\352\340\347\345 \350 \344\356\361"
	    "\362\340\342\352\345."), NULL), "CP1251");
}

static void
test_detect_western(void **state)
{
	(void)state;
	/* German in windows-1252: any latin-1 compatible answer decodes it */
	const char *cs = charset_detect(BYTES(
	    "Sehr geehrte Damen und Herren, anbei erhalten Sie die Rechnung "
	    "f\374r M\344rz. Mit freundlichen Gr\374\337en, M\374ller"), NULL);
	assert_non_null(cs);
	assert_true(strcmp(cs, "CP1252") == 0 || strcmp(cs, "ISO-8859-15") == 0);
}

static void
test_detect_kanji_only_shift_jis(void **state)
{
	(void)state;
	/* A display name "山田 太郎" in raw Shift_JIS has no kana at all. */
	assert_string_equal(charset_detect(BYTES(SJIS_KANJI), NULL), "CP932");
	/* "請求書" */
	assert_string_equal(charset_detect(BYTES("\220\277\213\201\217\221"), NULL),
	    "CP932");
}

/* Convert, check text, used charset and flags; free. */
static void
check_conv(const char *declared, const uint8_t *p, size_t len, const char *want,
    const char *want_used, unsigned want_flags)
{
	size_t out_len = 0;
	const char *used = NULL;
	unsigned flags = 0xffff;
	char *s = charset_to_utf8(declared, p, len, NULL, &out_len, &used, &flags);
	assert_non_null(s);
	assert_utf8_equal(s, want);
	assert_int_equal(out_len, strlen(s));
	assert_true(g_utf8_validate(s, (gssize)out_len, NULL));
	if (want_used != NULL)
		assert_string_equal(used, want_used);
	assert_int_equal(flags, want_flags);
	g_free(s);
}

static void
test_to_utf8_declared_japanese(void **state)
{
	(void)state;
	check_conv("ISO-2022-JP", BYTES(JIS_BODY), JA_TEXT, "ISO-2022-JP", 0);
	check_conv("Shift_JIS", BYTES(SJIS_BODY), JA_TEXT, "CP932", 0);
	check_conv("EUC-JP", BYTES(EUC_BODY), JA_TEXT, "EUC-JP-MS", 0);
	check_conv("utf-8", BYTES(JA_TEXT), JA_TEXT, "UTF-8", 0);
	/* vendor extensions real Japanese mail uses */
	check_conv("shift_jis", BYTES(SJIS_EXT), SJIS_EXT_UTF8, "CP932", 0);
}

static void
test_to_utf8_iso2022jp_nec_row13(void **state)
{
	(void)state;
	/* ESC $ B 0x2D 0x21 is ① (U+2460), 0x2D 0x22 ②, 0x2D 0x6A ㈱ */
	check_conv("ISO-2022-JP", BYTES("\033$B-!-\"-j\033(B"),
	    "\342\221\240\342\221\241\343\210\261", "ISO-2022-JP", 0);
	/* ESC $ @ (JIS C 6226-1978) is read as JIS X 0208 */
	check_conv("iso-2022-jp", BYTES("\033$@%F%9%H\033(B"), TESUTO_UTF8,
	    "ISO-2022-JP", 0);
}

static void
test_to_utf8_iso2022jp_kana_and_lines(void **state)
{
	(void)state;
	/* ESC ( I: JIS X 0201 katakana "ｱｲｳ" */
	check_conv("ISO-2022-JP", BYTES("\033(I123\033(B"),
	    "\357\275\261\357\275\262\357\275\263", "ISO-2022-JP", 0);
	/* a line end returns to ASCII even if the mailer forgot ESC ( B */
	check_conv("ISO-2022-JP", BYTES("\033$B$\"\nabc"), "\343\201\202\nabc",
	    "ISO-2022-JP", 0);
}

static void
test_to_utf8_iso2022jp_lossy(void **state)
{
	(void)state;
	/* JIS X 0212 (ESC $ ( D) is not in CP932: U+FFFD, flagged lossy */
	size_t n = 0;
	unsigned fl = 0;
	char *s = charset_to_utf8("ISO-2022-JP", BYTES("a\033$(D\"/\033(Bb"), NULL,
	    &n, NULL, &fl);
	bool ok = strstr(s, "\357\277\275") != NULL && s[0] == 'a' && s[n - 1] == 'b' &&
	    strchr(s, '\033') == NULL;
	if (!ok)
		print_error("got \"%s\"\n", s);
	g_free(s);
	assert_true(fl & CHARSET_LOSSY);
	assert_true(ok);
	/* a lone byte in two-byte mode at the end */
	s = charset_to_utf8("ISO-2022-JP", BYTES("x\033$B%"), NULL, NULL, NULL, &fl);
	assert_true(fl & CHARSET_LOSSY);
	assert_int_equal(s[0], 'x');
	g_free(s);
}

static void
test_to_utf8_western(void **state)
{
	(void)state;
	/* iso-8859-1 decodes as windows-1252: “Hi” and € */
	check_conv("iso-8859-1", BYTES("Gr\374\337e \223Hi\224 \200"),
	    "Gr\303\274\303\237e \342\200\234Hi\342\200\235 \342\202\254", "CP1252", 0);
	check_conv("windows-1252", BYTES("\223quoted\224 \200"),
	    "\342\200\234quoted\342\200\235 \342\202\254", "CP1252", 0);
	/* "Zażółć gęślą jaźń" */
	check_conv("ISO-8859-2", BYTES("Za\277\363\263\346 g\352\266l\261 ja\274\361"),
	    "Za\305\274\303\263\305\202\304\207 g\304\231\305\233l\304\205 ja\305\272\305\204",
	    "ISO-8859-2", 0);
	/* "€ œ Ÿ" in ISO-8859-15 */
	check_conv("ISO-8859-15", BYTES("\244 \275 \276"),
	    "\342\202\254 \305\223 \305\270", "ISO-8859-15", 0);
	/* "Привет" */
	check_conv("windows-1251", BYTES("\317\360\350\342\345\362"),
	    "\320\237\321\200\320\270\320\262\320\265\321\202", "CP1251", 0);
}

static void
test_to_utf8_ascii_fast_path(void **state)
{
	(void)state;
	check_conv("iso-8859-1", BYTES("plain text"), "plain text", "US-ASCII", 0);
	check_conv(NULL, BYTES("plain text"), "plain text", "US-ASCII", 0);
	check_conv("x-unknown", BYTES("plain"), "plain", NULL, CHARSET_UNKNOWN);
	check_conv(NULL, BYTES(""), "", NULL, 0);
}

static void
test_to_utf8_undeclared(void **state)
{
	(void)state;
	check_conv(NULL, BYTES(SJIS_BODY), JA_TEXT, "CP932", CHARSET_DETECTED);
	check_conv(NULL, BYTES(EUC_BODY), JA_TEXT, "EUC-JP-MS", CHARSET_DETECTED);
	check_conv(NULL, BYTES(JIS_BODY), JA_TEXT, "ISO-2022-JP", CHARSET_DETECTED);
	check_conv(NULL, BYTES(JA_TEXT), JA_TEXT, "UTF-8", CHARSET_DETECTED);
	/* us-ascii over 8-bit text: the label is a lie, the text is detected */
	check_conv("us-ascii", BYTES(SJIS_BODY), JA_TEXT, "CP932", CHARSET_DETECTED);
}

static void
test_to_utf8_unknown_and_mismatch(void **state)
{
	(void)state;
	/* unknown label: decoded with the detected charset (whether that also
	 * counts as CHARSET_DETECTED is the caller's business) */
	const char *used = NULL;
	unsigned fl = 0;
	char *s = charset_to_utf8("x-bogus", BYTES(SJIS_BODY), NULL, NULL, &used, &fl);
	assert_utf8_equal(s, JA_TEXT);
	assert_string_equal(used, "CP932");
	assert_true(fl & CHARSET_UNKNOWN);
	assert_false(fl & (CHARSET_MISMATCH | CHARSET_LOSSY));
	g_free(s);
	/* declared Shift_JIS, bytes are UTF-8 */
	check_conv("shift_jis", BYTES(JA_TEXT), JA_TEXT, "UTF-8", CHARSET_MISMATCH);
	/* declared UTF-8, bytes are EUC-JP */
	check_conv("utf-8", BYTES(EUC_BODY), JA_TEXT, "EUC-JP-MS", CHARSET_MISMATCH);
}

static void
test_to_utf8_truncated_last_char(void **state)
{
	(void)state;
	/* Text in its declared charset, cut inside the last character (a
	 * size limit, a broken gateway): the label still fits every complete
	 * character, so it is kept and only the cut one becomes U+FFFD. */
	static const struct {
		const char *declared;
		const char *bytes;
		size_t len;
		const char *canon;
	} cases[] = {
		/* "こんにちは" without its last byte */
		{ "shift_jis", BYTES_STR("\202\261\202\361\202\311\202\277\202"), "CP932" },
		{ "euc-jp", BYTES_STR("\244\263\244\363\244\313\244\301\244"), "EUC-JP-MS" },
		{ "utf-8", BYTES_STR("\343\201\223\343\202\223\343\201\253\343\201\241\343\201"), "UTF-8" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *used = NULL;
		unsigned fl = 0;
		char *s = charset_to_utf8(cases[i].declared, (const uint8_t *)cases[i].bytes,
		    cases[i].len, NULL, NULL, &used, &fl);
		/* "こんにち" then U+FFFD */
		if (!g_str_has_prefix(s, "\343\201\223\343\202\223\343\201\253\343\201\241\357\277\275") ||
		    strcmp(used, cases[i].canon) != 0) {
			print_error("%s: got \"%s\" as %s\n", cases[i].declared, s, used);
			g_free(s);
			fail();
		}
		assert_true(fl & CHARSET_LOSSY);
		assert_false(fl & CHARSET_MISMATCH);
		g_free(s);
	}
}

static void
test_to_utf8_hint(void **state)
{
	(void)state;
	/* the hint is a charset declared elsewhere in the message */
	const char *used = NULL;
	char *s = charset_to_utf8(NULL, BYTES(SJIS_BODY), "shift_jis", NULL, &used, NULL);
	assert_utf8_equal(s, JA_TEXT);
	assert_string_equal(used, "CP932");
	g_free(s);
}

static void
test_to_utf8_nul_and_bounds(void **state)
{
	(void)state;
	size_t n = 0;
	char *s = charset_to_utf8(NULL, BYTES("a\0b"), NULL, &n, NULL, NULL);
	/* no NUL in the output: it is safe as a C string */
	assert_int_equal(n, strlen(s));
	assert_utf8_equal(s, "a\357\277\275b");
	g_free(s);

	s = charset_to_utf8("utf-8", BYTES("x\0y\0z"), NULL, &n, NULL, NULL);
	assert_int_equal(n, strlen(s));
	g_free(s);

	/* output at most 3 bytes per input byte plus a constant */
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(0x80 + (i * 37) % 0x80);
	const char *cs[] = { NULL, "shift_jis", "euc-jp", "iso-2022-jp", "utf-8",
		"iso-8859-2", "x-bogus", "utf-16", "utf-7" };
	for (size_t k = 0; k < G_N_ELEMENTS(cs); k++) {
		unsigned fl = 0;
		s = charset_to_utf8(cs[k], junk, sizeof junk, NULL, &n, NULL, &fl);
		assert_non_null(s);
		assert_true(n <= 3 * sizeof junk + 64);
		assert_int_equal(n, strlen(s));
		assert_true(g_utf8_validate(s, (gssize)n, NULL));
		g_free(s);
	}
}

static void
test_to_utf8_null_outputs(void **state)
{
	(void)state;
	/* every out pointer may be NULL */
	char *s = charset_to_utf8("iso-2022-jp", BYTES(JIS_BODY), NULL, NULL, NULL, NULL);
	assert_utf8_equal(s, JA_TEXT);
	g_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_unicode_and_japanese),
		cmocka_unit_test(test_canon_western_and_cyrillic),
		cmocka_unit_test(test_canon_unknown),
		cmocka_unit_test(test_plain_ascii),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_western),
		cmocka_unit_test(test_detect_kanji_only_shift_jis),
		cmocka_unit_test(test_to_utf8_declared_japanese),
		cmocka_unit_test(test_to_utf8_iso2022jp_nec_row13),
		cmocka_unit_test(test_to_utf8_iso2022jp_kana_and_lines),
		cmocka_unit_test(test_to_utf8_iso2022jp_lossy),
		cmocka_unit_test(test_to_utf8_western),
		cmocka_unit_test(test_to_utf8_ascii_fast_path),
		cmocka_unit_test(test_to_utf8_undeclared),
		cmocka_unit_test(test_to_utf8_unknown_and_mismatch),
		cmocka_unit_test(test_to_utf8_truncated_last_char),
		cmocka_unit_test(test_to_utf8_hint),
		cmocka_unit_test(test_to_utf8_nul_and_bounds),
		cmocka_unit_test(test_to_utf8_null_outputs),
	};
	return cmocka_run_group_tests_name("charset", tests, NULL, NULL);
}
