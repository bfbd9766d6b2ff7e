/*
 * test_sa_eval.c - SpamAssassin's eval functions (src/spam/sa_eval*.c):
 * the argument parser (quotes, escapes, bare words, refused lists), the
 * lookup and the calls (not implemented, refused arguments), the header
 * fields (sa_msg.c), and the functions mapped onto mamori's own results
 * (SPF/DKIM/DMARC symbols, the classifier's probability for check_bayes
 * with SpamAssassin's bounds).  Each family's functions have their own
 * cases below.
 */
#include "test_helpers.h"

#include <stdio.h>
#include <string.h>

#include "mime/message.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

static void
test_args(void **state)
{
	(void)state;
	char **v;
	unsigned n;

	assert_true(sa_eval_parse_args("'-6', '-3'", &v, &n));
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "-6");
	assert_string_equal(v[1], "-3");
	g_strfreev(v);
	assert_true(sa_eval_parse_args("", &v, &n));
	assert_int_equal(n, 0);
	g_strfreev(v);
	assert_true(sa_eval_parse_args("'0.65',undef", &v, &n));
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "undef");
	g_strfreev(v);
	/* escapes: \' in '...', anything in "..." */
	assert_true(sa_eval_parse_args("'it\\'s', \"a\\\"b\", 'x\\d'", &v, &n));
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "it's");
	assert_string_equal(v[1], "a\"b");
	assert_string_equal(v[2], "x\\d");
	g_strfreev(v);
	assert_false(sa_eval_parse_args("'open", &v, &n));
	assert_false(sa_eval_parse_args("'a',", &v, &n));
	assert_false(sa_eval_parse_args("'a' 'b'", &v, &n));
	assert_false(sa_eval_parse_args(",", &v, &n));
}

static void
test_calls(void **state)
{
	(void)state;
	char err[160];

	assert_null(sa_eval_call_new("R", "no_such_function", "", err, sizeof err));
	assert_string_equal(err, "not implemented");
	assert_null(sa_eval_call_new("R", "check_bayes", "'0.5'", err, sizeof err));
	assert_string_equal(err, "two arguments expected");
	assert_null(sa_eval_call_new("R", "check_bayes", "'0.5", err, sizeof err));
	assert_string_equal(err, "arguments not understood");
	assert_null(sa_eval_call_new("R", "check_dkim_valid", "'paypal.com'", err, sizeof err));
	assert_string_equal(err, "arguments not supported");
	struct sa_eval_call *c = sa_eval_call_new("R", "check_bayes", "'0.5', '0.9'", err,
	    sizeof err);
	assert_non_null(c);
	assert_string_equal(c->rule, "R");
	assert_true(sa_eval_arg_num(c, 0, -1) == 0.5);
	assert_true(sa_eval_arg_num(c, 5, -1) == -1);
	assert_true(sa_eval_arg_undef(c, 2));
	sa_eval_call_free(c);
}

/* check_bayes: above min (or min 0), at most max (or undef); nothing when
 * the classifier did not run */
static void
test_bayes(void **state)
{
	(void)state;
	char err[160];
	struct sa_eval_call *b00 = sa_eval_call_new("BAYES_00", "check_bayes", "'0.00', '0.01'",
	    err, sizeof err);
	struct sa_eval_call *b99 = sa_eval_call_new("BAYES_999", "check_bayes", "'0.999', 'undef'",
	    err, sizeof err);
	struct sa_eval_call *b50 = sa_eval_call_new("BAYES_50", "check_bayes", "'0.40', '0.60'",
	    err, sizeof err);
	struct sa_eval_msg m = { .bayes = -1 };

	assert_int_equal(sa_eval_run(&m, b00), 0);
	m.bayes = 0.0;
	assert_int_equal(sa_eval_run(&m, b00), 1);
	m.bayes = 0.01;
	assert_int_equal(sa_eval_run(&m, b00), 1);
	m.bayes = 0.0100001;
	assert_int_equal(sa_eval_run(&m, b00), 0);
	m.bayes = 0.40;
	assert_int_equal(sa_eval_run(&m, b50), 0);
	m.bayes = 0.6;
	assert_int_equal(sa_eval_run(&m, b50), 1);
	m.bayes = 1.0;
	assert_int_equal(sa_eval_run(&m, b99), 1);
	m.bayes = 0.999;
	assert_int_equal(sa_eval_run(&m, b99), 0);
	sa_eval_call_free(b00);
	sa_eval_call_free(b99);
	sa_eval_call_free(b50);
}

static bool
has_listed(const void *ud, const char *sym)
{
	for (const char *const *p = ud; *p != NULL; p++)
		if (strcmp(*p, sym) == 0)
			return true;
	return false;
}

static int
run_with(const char *fn, const char *const *syms)
{
	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("R", fn, "", err, sizeof err);
	assert_non_null(c);
	struct sa_eval_msg m = { .has = has_listed, .has_ud = syms, .bayes = -1 };
	int r = sa_eval_run(&m, c);
	sa_eval_call_free(c);
	return r;
}

static void
test_auth(void **state)
{
	(void)state;
	static const char *const pass[] = { "SPF_PASS", "DKIM_PASS", "DMARC_PASS", NULL };
	static const char *const reject[] = { "SPF_FAIL", "DKIM_FAIL", "DMARC_FAIL",
	    "DMARC_POLICY_REJECT", NULL };
	static const char *const pnone[] = { "DMARC_FAIL", NULL };
	static const char *const nothing[] = { NULL };

	assert_int_equal(run_with("check_for_spf_pass", pass), 1);
	assert_int_equal(run_with("check_for_spf_fail", pass), 0);
	assert_int_equal(run_with("check_for_spf_fail", reject), 1);
	assert_int_equal(run_with("check_dkim_signed", pass), 1);
	assert_int_equal(run_with("check_dkim_signed", reject), 1);
	assert_int_equal(run_with("check_dkim_signed", nothing), 0);
	assert_int_equal(run_with("check_dkim_valid", reject), 0);
	assert_int_equal(run_with("check_dmarc_pass", pass), 1);
	assert_int_equal(run_with("check_dmarc_reject", reject), 1);
	assert_int_equal(run_with("check_dmarc_quarantine", reject), 0);
	assert_int_equal(run_with("check_dmarc_none", reject), 0);
	assert_int_equal(run_with("check_dmarc_none", pnone), 1);
	/* without the auth module's answers nothing hits */
	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("R", "check_for_spf_pass", "", err, sizeof err);
	struct sa_eval_msg m = { .bayes = -1 };
	assert_int_equal(sa_eval_run(&m, c), 0);
	sa_eval_call_free(c);
}

static void
test_fields_and_missing_to(void **state)
{
	(void)state;
	static const char msg[] = "From sender@example.org Mon Dec  7 10:00:00 2026\n"
	    "Subject: =?UTF-8?B?5pel5pys?=\n  folded\n"
	    "Received: from a\n\tby b\n"
	    "To: <a@example.com>, \"B\" <b@example.com>\n"
	    "\n"
	    "To: not a header\n";
	GPtrArray *f = sa_fields_parse((const uint8_t *)msg, strlen(msg));
	assert_int_equal(f->len, 3);
	GString *out = g_string_new(NULL);
	sa_header_values(f, "subject", false, out);
	/* a fold and its blanks one space (Node.pm) */
	assert_string_equal(out->str, "日本 folded\n");
	g_string_truncate(out, 0);
	sa_header_values(f, "Received", true, out);
	assert_string_equal(out->str, "from a by b\n");
	g_string_truncate(out, 0);
	sa_header_addresses(f, "To", false, out);
	assert_string_equal(out->str, "a@example.com\nb@example.com");
	assert_int_equal(sa_header_count(f, "TO"), 1);

	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("MISSING_HEADERS", "check_for_missing_to_header",
	    "", err, sizeof err);
	struct sa_eval_msg m = { .fields = f, .bayes = -1 };
	assert_int_equal(sa_eval_run(&m, c), 0);
	GPtrArray *none = sa_fields_parse((const uint8_t *)"Subject: x\n\nTo: y\n", 18);
	m.fields = none;
	assert_int_equal(sa_eval_run(&m, c), 1);
	sa_eval_call_free(c);
	g_ptr_array_unref(none);
	g_ptr_array_unref(f);
	g_string_free(out, TRUE);
}

/* sa_eval_split_ws: the words GLib's g_regex_split_simple("\\s+") gives */
static void
test_split_ws(void **state)
{
	(void)state;
	static const char *const fixed[] = { "", " ", "a", " a", "a ", " a ", "a  b", "\v",
		"a\vb", "all", "  en   ja ", "x\t\r\n\fy", "a\xc2\xa0" "b c", "\xe6\x97\xa5 a" };
	const char alpha[] = "ab \t\n\v\f\r,";
	GRand *r = g_rand_new_with_seed(15);
	for (int i = 0; i < 5000 + (int)G_N_ELEMENTS(fixed); i++) {
		char buf[16];
		const char *s = buf;
		if (i < (int)G_N_ELEMENTS(fixed)) {
			s = fixed[i];
		} else {
			int n = g_rand_int_range(r, 0, 12);
			for (int k = 0; k < n; k++)
				buf[k] = alpha[g_rand_int_range(r, 0, sizeof alpha - 1)];
			buf[n] = '\0';
		}
		char **want = g_regex_split_simple("\\s+", s, 0, 0), **got = sa_eval_split_ws(s);
		assert_int_equal(g_strv_length(got), g_strv_length(want));
		for (guint k = 0; want[k] != NULL; k++)
			assert_string_equal(got[k], want[k]);
		g_strfreev(want);
		g_strfreev(got);
	}
	g_rand_free(r);
	char **w = sa_eval_split_ws(" en\tja ");
	assert_int_equal(g_strv_length(w), 4);
	assert_string_equal(w[0], "");
	assert_string_equal(w[1], "en");
	assert_string_equal(w[2], "ja");
	assert_string_equal(w[3], "");
	g_strfreev(w);
}

/* sa_header_addresses keeps its parses: the same answers the second time,
 * for addresses and names of one value, past the memo's bound, and for a
 * value too long to keep */
static void
test_header_addresses_kept(void **state)
{
	(void)state;
	GString *msg = g_string_new("From: \"Ann\" <ann@example.org>, bob@example.org\n"
	    "From: <>, Grp: c@example.org;\nReply-To: \"Z\" <z@example.net>\nTo: ");
	for (int i = 0; i < 400; i++)	/* one value of about 8 KiB */
		g_string_append_printf(msg, "%su%03d@example.com", i > 0 ? ", " : "", i);
	g_string_append(msg, "\n\n");
	GPtrArray *f = sa_fields_parse((const uint8_t *)msg->str, msg->len);
	GString *out = g_string_new(NULL);
	for (int round = 0; round < 3; round++) {
		g_string_truncate(out, 0);
		sa_header_addresses(f, "From", false, out);
		/* GMime gives no address for "<>"; a group's members not read */
		assert_string_equal(out->str, "ann@example.org\nbob@example.org");
		g_string_truncate(out, 0);
		sa_header_addresses(f, "From", true, out);
		assert_string_equal(out->str, "Ann\nGrp");
		g_string_truncate(out, 0);
		sa_header_addresses(f, "Reply-To", true, out);
		assert_string_equal(out->str, "Z");
		g_string_truncate(out, 0);
		sa_header_addresses(f, "To", false, out);
		assert_int_equal(out->len, 400 * strlen("u000@example.com") + 399);
		assert_true(g_str_has_prefix(out->str, "u000@example.com\nu001@"));
		assert_true(g_str_has_suffix(out->str, "\nu399@example.com"));
		/* many other values: the memo emptied on the way */
		for (int i = 0; i < 3000; i++) {
			char v[200];
			snprintf(v, sizeof v, "To: \"%0120d\" <x%d@example.com>\n\n", i, i);
			GPtrArray *g = sa_fields_parse((const uint8_t *)v, strlen(v));
			GString *o = g_string_new(NULL);
			sa_header_addresses(g, "To", false, o);
			char want[64];
			snprintf(want, sizeof want, "x%d@example.com", i);
			assert_string_equal(o->str, want);
			g_string_free(o, TRUE);
			g_ptr_array_unref(g);
		}
	}
	g_string_free(out, TRUE);
	g_ptr_array_unref(f);
	g_string_free(msg, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_bayes),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_fields_and_missing_to),
		cmocka_unit_test(test_split_ws),
		cmocka_unit_test(test_header_addresses_kept),
	};
	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
