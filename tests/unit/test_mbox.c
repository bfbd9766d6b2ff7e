/*
 * test_mbox.c - From_ line recognition and mbox splitting (src/mime/mbox.c).
 */
#include "test_helpers.h"

#include "mime/mbox.h"

static bool
from_line(const char *s)
{
	return mbox_is_from_line((const uint8_t *)s, strlen(s));
}

static void
test_from_line_real(void **state)
{
	(void)state;
	assert_true(from_line("From MAILER-DAEMON Thu Aug 22 12:36:23 2002"));
	assert_true(from_line("From exmh-workers-admin@redhat.com  Thu Aug 22 12:36:23 2002"));
	assert_true(from_line("From sender@example.com Mon Jan  1 09:05:00 2024"));
	/* some writers add a time zone */
	assert_true(from_line("From a@example.jp Mon Jan  1 09:05:00 2024 +0900"));
	assert_true(from_line("From a@example.jp Mon Jan  1 09:05:00 JST 2024"));
}

static void
test_from_line_not(void **state)
{
	(void)state;
	assert_false(from_line(""));
	assert_false(from_line("From"));
	assert_false(from_line("From "));
	assert_false(from_line("From: a@example.com"));
	assert_false(from_line("from a@example.com Mon Jan  1 09:05:00 2024"));
	assert_false(from_line(">From a@example.com Mon Jan  1 09:05:00 2024"));
	assert_false(from_line("From a@example.com"));
	/* no time, or no year */
	assert_false(from_line("From a@example.com Mon Jan  1 2024"));
	assert_false(from_line("From a@example.com Mon Jan  1 09:05:00"));
	assert_false(from_line("From the desk of the president"));
	assert_false(from_line("From here on, everything changes."));
}

static void
test_from_line_prose_with_time_and_year(void **state)
{
	(void)state;
	/* Body prose that merely contains a time and a year is no asctime date */
	assert_false(from_line("From the desk of the CEO: all hands at 10:30, March 2024"));
	assert_false(from_line("From now on 24:00 is the deadline (since 2019)"));
}

static void
test_from_line_bounds(void **state)
{
	(void)state;
	/* the length is honoured: nothing is read past it */
	const char *s = "From a@example.com Mon Jan  1 09:05:00 2024";
	assert_false(mbox_is_from_line((const uint8_t *)s, 30));
	assert_false(mbox_is_from_line((const uint8_t *)s, 4));
	/* the year cut by the length */
	assert_true(mbox_is_from_line((const uint8_t *)s, strlen(s)));
	assert_false(mbox_is_from_line((const uint8_t *)s, strlen(s) - 1));
	/* an over-long line is never a From_ line */
	GString *g = g_string_new("From a@example.com Mon Jan  1 09:05:00 2024 ");
	while (g->len < 2000)
		g_string_append_c(g, 'x');
	assert_false(mbox_is_from_line((const uint8_t *)g->str, g->len));
	g_string_free(g, TRUE);
}

static void
test_is_mbox(void **state)
{
	(void)state;
	assert_true(mbox_is_mbox(BYTES("From a@b.c Mon Jan  1 09:05:00 2024\nSubject: x\n\nbody\n")));
	assert_true(mbox_is_mbox(BYTES("From a@b.c Mon Jan  1 09:05:00 2024\r\nSubject: x\r\n\r\nbody\r\n")));
	assert_true(mbox_is_mbox(BYTES("From a@b.c Mon Jan  1 09:05:00 2024")));
	assert_false(mbox_is_mbox(BYTES("Return-Path: <a@b.c>\nFrom: a@b.c\n\nx\n")));
	assert_false(mbox_is_mbox(BYTES("From: a@b.c\n\nx\n")));
	assert_false(mbox_is_mbox((const uint8_t *)"", 0));
}

#define M1 "Subject: one\n\nFirst body.\nFrom the desk of the president:\n>From the archive\n"
#define M2 "Subject: two\n\nSecond body.\n\nFrom the desk of the president\n"
#define M3 "Subject: three\n\nThird body, no final newline."
#define FROM1 "From alice@example.com Mon Jan  1 09:05:00 2024\n"
#define FROM2 "From bob@example.org  Tue Jan  2 10:00:00 2024\n"
#define FROM3 "From MAILER-DAEMON Wed Jan  3 11:00:00 2024\n"

static void
check_msg(const uint8_t *base, const struct mbox_msg *m, const char *want)
{
	size_t wl = strlen(want);
	if (m->len != wl || memcmp(base + m->off, want, wl) != 0) {
		print_error("message at %zu len %zu: \"%.*s\"\nwant \"%s\"\n", m->off,
		    m->len, (int)m->len, (const char *)base + m->off, want);
		fail();
	}
}

static void
test_split_three(void **state)
{
	(void)state;
	static const char box[] = FROM1 M1 "\n" FROM2 M2 "\n" FROM3 M3;
	GArray *a = mbox_split(BYTES(box));
	assert_int_equal(a->len, 3);
	const uint8_t *p = (const uint8_t *)box;
	/* each message starts after its From_ line; the separating blank line
	 * belongs to the message before */
	check_msg(p, &g_array_index(a, struct mbox_msg, 0), M1 "\n");
	check_msg(p, &g_array_index(a, struct mbox_msg, 1), M2 "\n");
	check_msg(p, &g_array_index(a, struct mbox_msg, 2), M3);
	g_array_unref(a);
}

static void
test_split_crlf(void **state)
{
	(void)state;
	static const char box[] =
	    "From a@b.c Mon Jan  1 09:05:00 2024\r\nSubject: a\r\n\r\nA\r\n\r\n"
	    "From c@d.e Mon Jan  1 09:06:00 2024\r\nSubject: b\r\n\r\nB\r\n";
	GArray *a = mbox_split(BYTES(box));
	assert_int_equal(a->len, 2);
	const uint8_t *p = (const uint8_t *)box;
	check_msg(p, &g_array_index(a, struct mbox_msg, 0), "Subject: a\r\n\r\nA\r\n\r\n");
	check_msg(p, &g_array_index(a, struct mbox_msg, 1), "Subject: b\r\n\r\nB\r\n");
	g_array_unref(a);
}

static void
test_split_needs_blank_line(void **state)
{
	(void)state;
	/* a From_ line not after an empty line does not start a message */
	static const char box[] = FROM1 "Subject: x\n\nline\n" FROM2 "more\n";
	GArray *a = mbox_split(BYTES(box));
	assert_int_equal(a->len, 1);
	check_msg((const uint8_t *)box, &g_array_index(a, struct mbox_msg, 0),
	    "Subject: x\n\nline\n" FROM2 "more\n");
	g_array_unref(a);
}

static void
test_split_prose_does_not_split(void **state)
{
	(void)state;
	static const char box[] = FROM1 "Subject: memo\n\nHello,\n\n"
	    "From the desk of the CEO: all hands at 10:30, March 2024\n\nBye\n";
	GArray *a = mbox_split(BYTES(box));
	guint n = a->len;
	g_array_unref(a);
	assert_int_equal(n, 1);
}

static void
test_split_edge(void **state)
{
	(void)state;
	GArray *a = mbox_split((const uint8_t *)"", 0);
	assert_int_equal(a->len, 0);
	g_array_unref(a);
	/* only a From_ line: one empty message */
	a = mbox_split(BYTES(FROM1));
	assert_int_equal(a->len, 1);
	assert_int_equal(g_array_index(a, struct mbox_msg, 0).len, 0);
	g_array_unref(a);
	/* From_ line without a newline */
	a = mbox_split(BYTES("From a@b.c Mon Jan  1 09:05:00 2024"));
	assert_int_equal(a->len, 1);
	assert_int_equal(g_array_index(a, struct mbox_msg, 0).len, 0);
	g_array_unref(a);
	/* two From_ lines back to back (empty message, then one) */
	static const char two[] = FROM1 "\n" FROM2 "Subject: x\n";
	a = mbox_split(BYTES(two));
	assert_int_equal(a->len, 2);
	check_msg((const uint8_t *)two, &g_array_index(a, struct mbox_msg, 1), "Subject: x\n");
	g_array_unref(a);
	/* every message lies inside the buffer */
	static const char box[] = FROM1 M1 "\n" FROM2 M2 "\n" FROM3 M3;
	for (size_t cut = 0; cut <= sizeof box - 1; cut++) {
		a = mbox_split((const uint8_t *)box, cut);
		for (guint i = 0; i < a->len; i++) {
			const struct mbox_msg *m = &g_array_index(a, struct mbox_msg, i);
			assert_true(m->off <= cut && m->len <= cut - m->off);
		}
		g_array_unref(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_line_real),
		cmocka_unit_test(test_from_line_not),
		cmocka_unit_test(test_from_line_prose_with_time_and_year),
		cmocka_unit_test(test_from_line_bounds),
		cmocka_unit_test(test_is_mbox),
		cmocka_unit_test(test_split_three),
		cmocka_unit_test(test_split_crlf),
		cmocka_unit_test(test_split_needs_blank_line),
		cmocka_unit_test(test_split_prose_does_not_split),
		cmocka_unit_test(test_split_edge),
	};
	return cmocka_run_group_tests_name("mbox", tests, NULL, NULL);
}
