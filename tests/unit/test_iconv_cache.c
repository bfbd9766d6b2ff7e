/*
 * test_iconv_cache.c - converters are opened once per (charset, thread)
 * and reused, for charset_to_utf8 and for GMime's and GLib's own
 * iconv_open() calls; a reused converter is reset and converts exactly as
 * a new one (src/mime/iconv_cache.c).
 *
 * Counting is per thread (iconv_cache_thread_stats), so each test that
 * counts runs its conversions on a thread of its own: what the other
 * tests of this process did does not change the figures.
 */
#include "test_helpers.h"

#include <errno.h>
#include <iconv.h>

#include <gmime/gmime.h>

#include "mime/charset.h"
#include "mime/iconv_cache.h"
#include "mime/message.h"

#include "ja_text.h"

/* "日本語のテスト" in UTF-8, EUC-JP and as an ISO-2022-JP encoded-word */
#define NIHONGO_UTF8 "\346\227\245\346\234\254\350\252\236\343\201\256\343\203\206\343\202\271\343\203\210"
#define NIHONGO_EUC "\306\374\313\334\270\354\244\316\245\306\245\271\245\310"
#define NIHONGO_EW "=?iso-2022-jp?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?="

#define ROUNDS 300

/* ---- helpers ------------------------------------------------------------ */

/* Runs fn(arg) on a new thread and waits for it. */
static void
on_thread(GThreadFunc fn, gpointer arg)
{
	g_thread_join(g_thread_new("test", fn, arg));
}

static uint64_t
gets(const struct iconv_cache_stats *st)
{
	return st->opened + st->pooled + st->reused;
}

/* Output of one conversion of in (len bytes) with cd, "" on any error. */
static GString *
run_iconv(iconv_t cd, const char *in, size_t len, int *err)
{
	char buf[256];
	char *ip = (char *)(uintptr_t)in, *op = buf;
	size_t il = len, ol = sizeof buf;
	*err = 0;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		*err = errno;
	return g_string_new_len(buf, (gssize)(op - buf));
}

/*
 * Opens (to, from), converts in (len bytes) once, checks the error (0 or
 * an errno) and the output (want, want_len bytes), closes: the address
 * of the closed converter, to compare with the one the cache hands out next.
 */
static uintptr_t
convert_and_close(const char *to, const char *from, const char *in, size_t len,
    int want_err, const char *want, size_t want_len)
{
	int err;
	iconv_t cd = iconv_open(to, from);
	assert_true(cd != (iconv_t)-1);
	GString *out = run_iconv(cd, in, len, &err);
	assert_int_equal(err, want_err);
	assert_int_equal(out->len, want_len);
	if (want_len > 0)
		assert_memory_equal(out->str, want, want_len);
	g_string_free(out, TRUE);
	uintptr_t closed = (uintptr_t)cd;
	assert_int_equal(iconv_close(cd), 0);
	return closed;
}

/*
 * Opens (to, from) again after the converter at closed was closed: the
 * cache hands back that one, reused, and it converts text (ASCII) to the same text.
 */
static void
reopen_converts(uintptr_t closed, const char *to, const char *from, const char *text)
{
	int err;
	struct iconv_cache_stats a, b;
	iconv_cache_thread_stats(&a);
	iconv_t again = iconv_open(to, from);
	iconv_cache_thread_stats(&b);
	assert_int_equal(b.reused, a.reused + 1);
	assert_int_equal((uintptr_t)again, closed);
	GString *out = run_iconv(again, text, strlen(text), &err);
	assert_int_equal(err, 0);
	assert_string_equal(out->str, text);
	g_string_free(out, TRUE);
	assert_int_equal(iconv_close(again), 0);
}

/* ---- charset_to_utf8: one converter per (charset, thread) ----------------- */

struct own_run {
	unsigned rounds;
	unsigned wrong;			/* conversions that gave another text */
	struct iconv_cache_stats st;
};

static gpointer
own_conversions(gpointer data)
{
	struct own_run *r = data;
	static const struct {
		const char *cs;
		const char *in;
		size_t len;
	} inputs[] = {
		{ "iso-2022-jp", JIS_BODY, sizeof JIS_BODY - 1 },	/* ours, then CP932 */
		{ "shift_jis", SJIS_BODY, sizeof SJIS_BODY - 1 },	/* CP932 */
		{ "euc-jp", EUC_BODY, sizeof EUC_BODY - 1 },		/* EUC-JP-MS */
	};
	for (unsigned i = 0; i < r->rounds; i++) {
		for (size_t k = 0; k < G_N_ELEMENTS(inputs); k++) {
			unsigned fl = 0;
			char *s = charset_to_utf8(inputs[k].cs, (const uint8_t *)inputs[k].in,
			    inputs[k].len, NULL, NULL, NULL, &fl);
			if (strcmp(s, JA_TEXT) != 0 || fl != 0)
				r->wrong++;
			g_free(s);
		}
	}
	iconv_cache_thread_stats(&r->st);
	return NULL;
}

/* two converters (CP932, EUC-JP-MS), got 3 x ROUNDS times, all right */
static void
check_own_run(const struct own_run *r)
{
	assert_int_equal(r->wrong, 0);
	assert_int_equal(r->st.opened + r->st.pooled, 2);
	assert_int_equal(r->st.reused, 3 * ROUNDS - 2);
}

static void
test_own_conversions_open_once(void **state)
{
	(void)state;
	struct own_run r = { .rounds = ROUNDS };
	on_thread(own_conversions, &r);
	check_own_run(&r);
	assert_int_equal(r.st.closed, 0);
}

static void
test_threads_open_once_each(void **state)
{
	(void)state;
	enum { T = 4 };
	struct own_run r[T];
	GThread *th[T];
	uint64_t before = iconv_cache_total_opened();
	for (int i = 0; i < T; i++) {
		r[i] = (struct own_run){ .rounds = ROUNDS };
		th[i] = g_thread_new("conv", own_conversions, &r[i]);
	}
	for (int i = 0; i < T; i++)
		g_thread_join(th[i]);
	for (int i = 0; i < T; i++)
		check_own_run(&r[i]);
	/* at most once per (charset, thread); threads that ended earlier
	 * left theirs in the pool, so fewer is fine */
	assert_true(iconv_cache_total_opened() - before <= 2 * T);
}

/* A thread's converters outlive it in the pool: the next thread opens none. */
static gpointer
one_euc(gpointer data)
{
	struct own_run *r = data;
	char *s = charset_to_utf8("euc-jp", BYTES(EUC_BODY), NULL, NULL, NULL, NULL);
	if (strcmp(s, JA_TEXT) != 0)
		r->wrong++;
	g_free(s);
	iconv_cache_thread_stats(&r->st);
	return NULL;
}

static void
test_pool_outlives_threads(void **state)
{
	(void)state;
	struct own_run a = { 0 }, b = { 0 };
	on_thread(one_euc, &a);
	on_thread(one_euc, &b);
	assert_int_equal(a.wrong + b.wrong, 0);
	assert_int_equal(a.st.opened + a.st.pooled, 1);
	assert_int_equal(b.st.opened, 0);
	assert_int_equal(b.st.pooled, 1);
}

/* ---- the libraries' iconv_open(): GMime and GLib ------------------------- */

/* One call into a library; true when it gave the expected text. */
typedef bool (*lib_call)(void);

struct lib_run {
	lib_call call;
	unsigned wrong;
	struct iconv_cache_stats first, last;	/* after the first call, the last */
};

/* ROUNDS calls of r->call on this thread, counted. */
static gpointer
lib_rounds(gpointer data)
{
	struct lib_run *r = data;
	for (unsigned i = 0; i < ROUNDS; i++) {
		if (!r->call())
			r->wrong++;
		if (i == 0)
			iconv_cache_thread_stats(&r->first);
	}
	iconv_cache_thread_stats(&r->last);
	return NULL;
}

/* Runs ROUNDS calls on a thread of their own: only the first opens. */
static void
check_lib_reuses(lib_call call)
{
	struct lib_run r = { .call = call };
	on_thread(lib_rounds, &r);
	assert_int_equal(r.wrong, 0);
	/* the library's first call went through the cache (it calls the
	 * iconv_open() of this executable, not libc's) ... */
	uint64_t first = gets(&r.first);
	assert_true(first >= 1);
	/* ... and every later one reused what the first opened */
	assert_int_equal(r.last.opened + r.last.pooled, r.first.opened + r.first.pooled);
	assert_int_equal(gets(&r.last), first * ROUNDS);
	assert_int_equal(r.last.closed, 0);
}

static bool
gmime_decodes(void)
{
	mime_init();
	char *s = g_mime_utils_header_decode_text(NULL, NIHONGO_EW);
	bool ok = s != NULL && strcmp(s, NIHONGO_UTF8) == 0;
	g_free(s);
	return ok;
}

static bool
glib_converts(void)
{
	gsize n = 0;
	char *s = g_convert(NIHONGO_EUC, -1, "UTF-8", "EUC-JP", NULL, &n, NULL);
	bool ok = s != NULL && strcmp(s, NIHONGO_UTF8) == 0;
	g_free(s);
	return ok;
}

/* A whole Japanese message: after the first parse, no converter is opened. */
static bool
parses(void)
{
	static const char mail[] =
	    "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= =?ISO-2022-JP?B?GyRCQkBPOhsoQg==?= <taro@example.jp>\r\n"
	    "To: =?iso-2022-jp?B?GyRCOjRGIxsoQg==?= =?iso-2022-jp?B?GyRCMlY7UhsoQg==?= <hanako@example.jp>\r\n"
	    "Subject: " NIHONGO_EW "\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n" JIS_BODY;
	static const struct mime_limits lim = {
		.max_size = 1 << 20, .max_parts = 100, .max_depth = 10,
		.max_decoded = 1 << 20,
	};
	struct mime_message *m = mime_message_parse((const uint8_t *)mail,
	    sizeof mail - 1, &lim);
	bool ok = m->headers->subject != NULL && strcmp(m->headers->subject, NIHONGO_UTF8) == 0;
	mime_message_free(m);
	return ok;
}

static void
test_gmime_reuses(void **state)
{
	(void)state;
	check_lib_reuses(gmime_decodes);
}

static void
test_glib_reuses(void **state)
{
	(void)state;
	check_lib_reuses(glib_converts);
}

static void
test_message_parse_reuses(void **state)
{
	(void)state;
	check_lib_reuses(parses);
}

/* ---- a reused converter is a new one -------------------------------------- */

/*
 * glibc's ISO-2022-JP decoder is stateful: after "ESC $ B" it reads byte
 * pairs as JIS X 0208.  A conversion cut after the escape and half a
 * character leaves it in that state; the next user of the same converter
 * must start in ASCII.
 */
static void
test_iso2022jp_decoder_state_does_not_leak(void **state)
{
	(void)state;
	/* half a character: EINVAL, nothing out */
	uintptr_t cd = convert_and_close("UTF-8", "ISO-2022-JP", "\033$B0", 4, EINVAL, "", 0);

	/* reopened: the same converter, reused, converts as a new one */
	reopen_converts(cd, "UTF-8", "ISO-2022-JP", "AB\n");

	/* mamori's own decoder after a text cut mid-escape, then a whole one */
	char *s = charset_to_utf8("iso-2022-jp", BYTES("\033$B$*@"), NULL, NULL, NULL, NULL);
	g_free(s);
	s = charset_to_utf8("iso-2022-jp", BYTES("\033$"), NULL, NULL, NULL, NULL);
	g_free(s);
	s = charset_to_utf8("iso-2022-jp", BYTES(JIS_BODY), NULL, NULL, NULL, NULL);
	assert_utf8_equal(s, JA_TEXT);
	g_free(s);
	/* EUC-JP cut after a lead byte, then a whole text */
	s = charset_to_utf8("euc-jp", BYTES("\244\252\244"), NULL, NULL, NULL, NULL);
	g_free(s);
	s = charset_to_utf8("euc-jp", BYTES(EUC_BODY), NULL, NULL, NULL, NULL);
	assert_utf8_equal(s, JA_TEXT);
	g_free(s);
}

/* The encoder: left in JIS X 0208 without the return to ASCII. */
static void
test_iso2022jp_encoder_state_does_not_leak(void **state)
{
	(void)state;
	/* 日本, and no ESC ( B yet */
	uintptr_t cd = convert_and_close("ISO-2022-JP", "UTF-8",
	    "\346\227\245\346\234\254", 6, 0, "\033$BF|K\\", 7);

	/* reopened: the same converter, converts "A", not "ESC ( B A" */
	reopen_converts(cd, "ISO-2022-JP", "UTF-8", "A");
}

/*
 * UTF-16 decoders keep the byte order of a BOM across a reset: they are
 * never reused, so a text without a BOM reads as on a new converter.
 */
static void
test_utf16_not_reused(void **state)
{
	(void)state;
	int err;
	struct iconv_cache_stats a, b;
	iconv_t fresh = iconv_open("UTF-8", "UTF-16");
	GString *want = run_iconv(fresh, "A\0B\0", 4, &err);
	assert_int_equal(iconv_close(fresh), 0);

	iconv_cache_thread_stats(&a);
	iconv_t cd = iconv_open("UTF-8", "UTF-16");
	GString *out = run_iconv(cd, "\376\377\0A", 4, &err);	/* big-endian BOM */
	assert_string_equal(out->str, "A");
	g_string_free(out, TRUE);
	assert_int_equal(iconv_close(cd), 0);
	cd = iconv_open("UTF-8", "UTF-16");
	out = run_iconv(cd, "A\0B\0", 4, &err);
	assert_int_equal(out->len, want->len);
	assert_memory_equal(out->str, want->str, want->len);
	g_string_free(out, TRUE);
	assert_int_equal(iconv_close(cd), 0);
	iconv_cache_thread_stats(&b);
	assert_int_equal(b.passthrough - a.passthrough, 2);
	assert_int_equal(b.reused, a.reused);
	g_string_free(want, TRUE);
}

/* ---- bounds --------------------------------------------------------------- */

struct evict_run {
	struct iconv_cache_stats st;
	bool again_reused;
};

static gpointer
many_charsets(gpointer data)
{
	struct evict_run *r = data;
	static const char *const cs[] = {
		"ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-6",
		"ISO-8859-7", "ISO-8859-8", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14",
		"ISO-8859-15", "ISO-8859-16", "CP1250", "CP1251", "CP1253", "CP1255",
		"CP1256", "CP1257", "CP1258", "KOI8-U",
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(cs) == ICONV_CACHE_THREAD_SLOTS + 4);
	for (size_t i = 0; i < G_N_ELEMENTS(cs); i++) {
		iconv_t cd = iconv_cache_get("UTF-8", cs[i]);
		iconv_cache_put(cd, "UTF-8", cs[i]);
	}
	iconv_cache_thread_stats(&r->st);
	/* the least recently used one went; the most recent is there */
	struct iconv_cache_stats before, after;
	iconv_cache_thread_stats(&before);
	iconv_t cd = iconv_cache_get("UTF-8", "KOI8-U");
	iconv_cache_thread_stats(&after);
	r->again_reused = after.reused == before.reused + 1;
	iconv_cache_put(cd, "UTF-8", "KOI8-U");
	return NULL;
}

static void
test_thread_cache_bounded(void **state)
{
	(void)state;
	struct evict_run r = { 0 };
	on_thread(many_charsets, &r);
	assert_int_equal(r.st.opened + r.st.pooled, ICONV_CACHE_THREAD_SLOTS + 4);
	assert_int_equal(r.st.closed, 4);
	assert_true(r.again_reused);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_conversions_open_once),
		cmocka_unit_test(test_threads_open_once_each),
		cmocka_unit_test(test_pool_outlives_threads),
		cmocka_unit_test(test_gmime_reuses),
		cmocka_unit_test(test_glib_reuses),
		cmocka_unit_test(test_message_parse_reuses),
		cmocka_unit_test(test_iso2022jp_decoder_state_does_not_leak),
		cmocka_unit_test(test_iso2022jp_encoder_state_does_not_leak),
		cmocka_unit_test(test_utf16_not_reused),
		cmocka_unit_test(test_thread_cache_bounded),
	};
	return cmocka_run_group_tests_name("iconv_cache", tests, NULL, NULL);
}
