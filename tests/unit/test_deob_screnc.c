/*
 * test_deob_screnc.c - the Script Encoder decoder (src/deob/screnc.c):
 * published samples, text around and between blocks, escapes, bytes of
 * the ANSI code page, the UTF-8 length, malformed blocks (copied as they
 * are), a wrong checksum (decoded all the same), empty input, and 10 MB
 * of garbage and of markers within a second.
 *
 * The samples: CyberChef's test of its "Microsoft Script Decoder"
 * (gchq/CyberChef, tests/operations/tests/MS.mjs), and the MsgBox
 * "Hello" sample of its CharEnc.mjs and of a SuperOffice design note
 * (MsgBox "Hello world"), both of which lost, in print, the invisible DEL
 * (0x7f) at the block's tenth byte: their length fields count it, and
 * their checksums, the sums of the decoded bytes, hold with it.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <string.h>

#include "deob/deob.h"
#include "deob_test.h"

/* deob_screnc() on s[0..n), which must give want with blocks blocks. */
static void
expect_n(const char *s, size_t n, const char *want, size_t want_len, unsigned want_blocks)
{
	size_t out_len = 12345;
	unsigned blocks = 12345;
	char *out = deob_screnc(s, n, &out_len, &blocks);
	assert_non_null(out);
	assert_true(out_len <= n);
	assert_int_equal(out[out_len], '\0');
	if (out_len != want_len || memcmp(out, want, want_len) != 0) {
		print_error("got  \"%.*s\"\nwant \"%.*s\"\n", (int)out_len, out, (int)want_len,
		    want);
		fail();
	}
	assert_int_equal(blocks, want_blocks);
	g_free(out);
}

#define EXPECT(s, want, blocks) expect_n((s), sizeof(s) - 1, (want), sizeof(want) - 1, (blocks))

#define JSE_SAMPLE "#@~^RQAAAA==-mD~sX|:/TP{~J:+dYbxL~@!F@*@!+@*@!&@*eEI@#@&@#@&\177jm.raY " \
	"214Wv:zms/obI0xEAAA==^#~@"
#define JSE_PLAIN "var my_msg = \"Testing <1><2><3>!\";\r\n\r\nWScript.Echo(my_msg);"

static void
test_samples(void **state)
{
	(void)state;
	EXPECT(JSE_SAMPLE, JSE_PLAIN, 1);
	EXPECT("#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@", "MsgBox \"Hello\"", 1);
	EXPECT("#@~^GQAAAA==\\ko$K6,JC\177V^GPSW.V9J~@#@&JwcAAA==^#~@",
	    "MsgBox \"Hello world\" \r\n", 1);
}

static void
test_around(void **state)
{
	(void)state;
	/* HTML around, two blocks, a lone marker between */
	EXPECT("<SCRIPT LANGUAGE=\"JScript.Encode\">" JSE_SAMPLE "</SCRIPT>#@~^ and "
	    "#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@.",
	    "<SCRIPT LANGUAGE=\"JScript.Encode\">" JSE_PLAIN "</SCRIPT>#@~^ and "
	    "MsgBox \"Hello\".", 2);
	/* a marker right before a block */
	EXPECT("#@~^#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@", "#@~^MsgBox \"Hello\"", 1);
	EXPECT("no blocks here", "no blocks here", 0);
}

static void
test_escapes_and_bytes(void **state)
{
	(void)state;
	/* an unknown escape stands for itself; '@' last is itself */
	EXPECT("#@~^AgAAAA==@zAAAAAA==^#~@", "z", 1);
	EXPECT("#@~^AQAAAA==@AAAAAA==^#~@", "@", 1);
	/* a byte of the ANSI code page is copied and is no position: the
	 * sample with an e-acute (cp1252 0xe9) after "MsgBox " */
	EXPECT("#@~^DwAAAA==\\ko$K6,\351JC\177V^GJqAQAAA==^#~@", "MsgBox \351\"Hello\"", 1);
	/* the same in UTF-8 (two bytes), the length counting characters */
	EXPECT("#@~^DwAAAA==\\ko$K6,\303\251JC\177V^GJqAQAAA==^#~@",
	    "MsgBox \303\251\"Hello\"", 1);
	/* control bytes other than tab decode to themselves */
	EXPECT("#@~^AQAAAA==\001AAAAAA==^#~@", "\001", 1);
}

static void
test_malformed(void **state)
{
	(void)state;
	/* a wrong checksum still decodes */
	EXPECT("#@~^DgAAAA==\\ko$K6,JC\177V^GJAAAAAA==^#~@", "MsgBox \"Hello\"", 1);
	/* a wrong length (13, 15, huge), no end marker, a cut block: as they are */
	EXPECT("#@~^DQAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@",
	    "#@~^DQAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@", 0);
	EXPECT("#@~^DwAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@",
	    "#@~^DwAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@", 0);
	EXPECT("#@~^/////w==\\ko$K6,JC\177V^GJqAQAAA==^#~@",
	    "#@~^/////w==\\ko$K6,JC\177V^GJqAQAAA==^#~@", 0);
	EXPECT("#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~",
	    "#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~", 0);
	EXPECT("#@~^DgAAAA==\\ko$K6,JC", "#@~^DgAAAA==\\ko$K6,JC", 0);
	EXPECT("#@~^DgAA", "#@~^DgAA", 0);
	EXPECT("#@~^", "#@~^", 0);
	/* a header that is not base64, or without "==" */
	EXPECT("#@~^D!AAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@",
	    "#@~^D!AAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@", 0);
	EXPECT("#@~^DgAAAAA=\\ko$K6,JC\177V^GJqAQAAA==^#~@",
	    "#@~^DgAAAAA=\\ko$K6,JC\177V^GJqAQAAA==^#~@", 0);
	/* a checksum field that is not base64 */
	EXPECT("#@~^DgAAAA==\\ko$K6,JC\177V^GJqA!AAA==^#~@",
	    "#@~^DgAAAA==\\ko$K6,JC\177V^GJqA!AAA==^#~@", 0);
	/* an empty block */
	EXPECT("a#@~^AAAAAA==AAAAAA==^#~@b", "ab", 1);
}

static void
test_empty(void **state)
{
	(void)state;
	size_t n = 1;
	unsigned b = 1;
	char *out = deob_screnc("", 0, &n, &b);
	assert_int_equal(n, 0);
	assert_int_equal(b, 0);
	assert_string_equal(out, "");
	g_free(out);
	out = deob_screnc(NULL, 0, NULL, NULL);
	assert_string_equal(out, "");
	g_free(out);
}

/* deob_screnc() on s[0..n) within a second, never longer than n. */
static void
within_a_second(const char *s, size_t n)
{
	int64_t t0 = g_get_monotonic_time();
	size_t out_len;
	unsigned blocks;
	char *out = deob_screnc(s, n, &out_len, &blocks);
	int64_t us = g_get_monotonic_time() - t0;
	assert_true(out_len <= n);
	g_free(out);
	deob_budget_check("screnc", n, us);
}

static void
test_ten_megabytes(void **state)
{
	(void)state;
	const size_t n = 10u * 1024 * 1024;
	char *b = g_malloc(n);
	GRand *rnd = g_rand_new_with_seed(18);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)g_rand_int_range(rnd, 0, 256);
	g_rand_free(rnd);
	within_a_second(b, n);
	g_free(b);
	static const char *const patterns[] = {
		"#@~^",
		"#@~^AAAAAA==",
		/* long lengths, and an end marker far away (UTF-8 counting) */
		"#@~^QEIPAA==\303\251",
		"#@~^QEIPAA==xxxx^#~@",
		"#@~^DgAAAA==\\ko$K6,JC\177V^GJqAQAAA==^#~@",
		"@@@@@@@@",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(patterns); i++) {
		b = deob_repeat(patterns[i], n);
		within_a_second(b, n);
		g_free(b);
	}
	/* one block of 10 MB: every byte decoded */
	b = deob_repeat("abcdefgh", n);
	memcpy(b, "#@~^", 4);
	memcpy(b + 4, "6P+fAA==", 8);	/* n - 24 */
	memcpy(b + n - 12, "AAAAAA==^#~@", 12);
	size_t out_len;
	unsigned blocks;
	char *out = deob_screnc(b, n, &out_len, &blocks);
	assert_int_equal(blocks, 1);
	assert_int_equal(out_len, n - 24);
	g_free(out);
	g_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_around),
		cmocka_unit_test(test_escapes_and_bytes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ten_megabytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
