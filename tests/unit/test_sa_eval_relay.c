/*
 * test_sa_eval_relay.c - SpamAssassin's RelayEval functions and WLBLEval's
 * check_mailfrom_matches_rcvd (src/spam/sa_eval_relay.c), and
 * EnvelopeFrom's guess without an SMTP envelope.  The expected answers
 * are SpamAssassin 4.0.1's on the same messages (its RelayEval and
 * WLBLEval called on them, stock rule files read, trust inferred).
 */
#include "test_helpers.h"

#include <string.h>

#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"
#include "spam/sa_relays.h"

static const char *const fns[] = { "check_all_trusted", "check_no_relays",
	"check_relays_unparseable", "helo_ip_mismatch", "check_for_forged_received_trail",
	"check_for_no_rdns_dotcom_helo", "check_mailfrom_matches_rcvd",
	"check_for_forged_received_ip_helo", "check_for_numeric_helo", "check_for_sender_no_reverse" };

static const struct {
	const char *name;
	const char *msg;
	int want[10];		/* per fns[] */
	const char *envfrom;	/* SpamAssassin's EnvelopeFrom ("" also: none) */
} cases[] = {
	{ "alltrusted.eml",
	    "Received: from a.example.net (a.example.net [10.1.2.3]) by mx.example.net (Postfix) with ESMTP id AA1; Mon, 1 Jan 2018 00:00:02 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "" },
	{ "dotcom.eml",
	    "Received: from mail.yahoo.com (unknown [192.0.2.50]) by b.example.org (Postfix) with ESMTP id Y1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, "" },
	{ "dotcom_reset.eml",
	    "Received: from mail.yahoo.com (unknown [192.0.2.50]) by b.example.org (Postfix) with ESMTP id Y1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from mail.example.com (mail.example.com [192.0.2.60]) by mail.yahoo.com (Postfix) with ESMTP id Y0; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "" },
	{ "envfrom_relay.eml",
	    "Received: from mx.foo.co.uk (mx.foo.co.uk [192.0.2.70]) by b.example.org (Postfix) with ESMTP id R1 envelope-from <b@foo.co.uk>; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 1, 0, 0, 1 }, "b@foo.co.uk" },
	{ "forged.eml",
	    "Received: from b.example.org (b.example.org [192.0.2.9]) by a.example.net (Postfix) with ESMTP id BB2; Mon, 1 Jan 2018 00:00:01 +0000\n"
	    "Received: from c.example.com (c.example.com [198.51.100.4]) by b.example.org (Postfix) with ESMTP id C3; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from d.example.info (d.example.info [203.0.113.1]) by x.other.com (Postfix) with ESMTP id D4; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from e.z.net (e.z.net [203.0.113.2]) by y.another.org (Postfix) with ESMTP id E5; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, "" },
	{ "forged_once.eml",
	    "Received: from b.example.org (b.example.org [192.0.2.9]) by a.example.net (Postfix) with ESMTP id BB2; Mon, 1 Jan 2018 00:00:01 +0000\n"
	    "Received: from c.example.com (c.example.com [198.51.100.4]) by b.example.org (Postfix) with ESMTP id C3; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from d.example.info (d.example.info [203.0.113.1]) by x.other.com (Postfix) with ESMTP id D4; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "" },
	{ "heloip.eml",
	    "Received: from 203.0.113.5 (c.example.com [198.51.100.4]) by b.example.org (Postfix) with ESMTP id X1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 1, 0, 0, 0, 1, 1, 1 }, "" },
	{ "heloip_same24.eml",
	    "Received: from 198.51.100.77 (c.example.com [198.51.100.4]) by b.example.org (Postfix) with ESMTP id X1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, "" },
	{ "mixed.eml",
	    "Received: from a.example.net (a.example.net [10.1.2.3]) by mx.example.net (Postfix) with ESMTP id AA1; Mon, 1 Jan 2018 00:00:02 +0000\n"
	    "Received: from b.example.org (b.example.org [192.0.2.9]) by a.example.net (Postfix) with ESMTP id BB2; Mon, 1 Jan 2018 00:00:01 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "" },
	{ "norelays.eml",
	    "Received: garbage\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, "" },
	{ "numeric_private.eml",
	    "Received: from [10.0.0.5] (helo=10.0.0.5) by b.example.org with esmtp (Exim 4.1) id Z1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from x.example.net ([198.51.100.9] helo=HELO=192.0.2.1) by c.example.org with esmtp (Exim 4.1) id Z2; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, "" },
	{ "numeric_second.eml",
	    "Received: from x.example.net ([198.51.100.9] helo=192.0.2.1.5) by c.example.org with esmtp (Exim 4.1) id Z2; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Received: from y.example.net ([198.51.100.10] helo=192.0.2.7) by x.example.net with esmtp (Exim 4.1) id Z3; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 1, 0, 0, 0, 1, 1, 1 }, "" },
	{ "rp_after.eml",
	    "Received: from mx.bar.co.uk (mx.bar.co.uk [192.0.2.70]) by b.example.org (Postfix) with ESMTP id R1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Return-Path: <bounce@x.foo.co.uk>\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "" },
	{ "rp_match.eml",
	    "Return-Path: <bounce@x.foo.co.uk>\n"
	    "Received: from mx.foo.co.uk (mx.foo.co.uk [192.0.2.70]) by b.example.org (Postfix) with ESMTP id R1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 1, 0, 0, 1 }, "bounce@x.foo.co.uk" },
	{ "rp_nomatch.eml",
	    "Return-Path: <bounce@x.foo.co.uk>\n"
	    "Received: from mx.bar.co.uk (mx.bar.co.uk [192.0.2.70]) by b.example.org (Postfix) with ESMTP id R1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "bounce@x.foo.co.uk" },
	{ "unparseable.eml",
	    "Received: from a.example.net (a.example.net [10.1.2.3]) by mx.example.net (Postfix) with ESMTP id AA1; Mon, 1 Jan 2018 00:00:02 +0000\n"
	    "Received: from nowhere.example with no address at all\n"
	    "From: a@b.c\n"
	    "Subject: x\n"
	    "\n"
	    "body\n"
	    "",
	    { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, "" },
};

/* the rule files' util_rb_2tld, as 20_aux_tlds.cf gives it (one of them) */
static struct sa_ruleset *
ruleset(void)
{
	struct sa_ruleset *rs = sa_ruleset_new();
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(v, g_strdup("co.uk org.uk"));
	g_hash_table_insert(rs->settings, g_strdup("util_rb_2tld"), v);
	return rs;
}

static int
run(const char *fn, struct sa_eval_msg *m)
{
	char err[160];
	struct sa_eval_call *c = sa_eval_call_new("R", fn, "", err, sizeof err);
	assert_non_null(c);
	int r = sa_eval_run(m, c);
	sa_eval_call_free(c);
	return r;
}

static void
test_cases(void **state)
{
	(void)state;
	struct sa_ruleset *rs = ruleset();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GPtrArray *f = sa_fields_parse((const uint8_t *)cases[i].msg, strlen(cases[i].msg));
		struct sa_eval_msg m = { .fields = f, .rs = rs, .bayes = -1 };
		for (size_t k = 0; k < G_N_ELEMENTS(fns); k++) {
			int got = run(fns[k], &m);
			if (got != cases[i].want[k])
				print_error("%s: %s\n", cases[i].name, fns[k]);
			assert_int_equal(got, cases[i].want[k]);
		}
		/* EnvelopeFrom's guess */
		struct sa_relay_opts o = { .limits = sa_relay_limits_default };
		struct sa_relays *r = sa_relays_parse(f, &o);
		GString *e = g_string_new(NULL);
		bool present = sa_relays_envelope_from(f, r, e);
		assert_string_equal(e->str, cases[i].envfrom);
		assert_int_equal(present, cases[i].envfrom[0] != '\0');
		g_string_free(e, TRUE);
		sa_relays_free(r);
		sa_eval_msg_clear(&m);
		g_ptr_array_unref(f);
	}
	sa_ruleset_free(rs);
}

/* the SMTP envelope's sender wins over the headers; the registered
 * domain needs util_rb_2tld */
static void
test_mailfrom(void **state)
{
	(void)state;
	static const char msg[] = "Received: from mx.bar.co.uk (mx.bar.co.uk [192.0.2.70]) by "
	    "b.example.org (Postfix) with ESMTP id R1; Mon, 1 Jan 2018 00:00:00 +0000\n"
	    "Return-Path: <bounce@x.foo.co.uk>\nSubject: x\n\nbody\n";
	GPtrArray *f = sa_fields_parse((const uint8_t *)msg, sizeof msg - 1);
	struct sa_ruleset *rs = ruleset();
	struct sa_eval_msg m = { .fields = f, .rs = rs, .bayes = -1 };
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 0);	/* no sender */
	m.mail_from = "list@lists.bar.co.uk";
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 1);
	m.mail_from = "list@lists.baz.co.uk";
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 0);
	m.mail_from = "nodot@localhost";
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 0);
	m.mail_from = "";
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 0);
	/* without util_rb_2tld, co.uk is a registered domain: all match */
	m.mail_from = "list@lists.baz.co.uk";
	m.rs = NULL;
	sa_eval_msg_clear(&m);
	assert_int_equal(run("check_mailfrom_matches_rcvd", &m), 1);
	sa_eval_msg_clear(&m);
	sa_ruleset_free(rs);
	g_ptr_array_unref(f);
}

/* arguments are refused; hostile headers do not break the functions */
static void
test_refused_and_hostile(void **state)
{
	(void)state;
	char err[160];
	for (size_t k = 0; k < G_N_ELEMENTS(fns); k++) {
		assert_null(sa_eval_call_new("R", fns[k], "'x'", err, sizeof err));
		assert_string_equal(err, "takes no argument");
	}
	GString *g = g_string_new(NULL);
	for (int i = 0; i < 500; i++)
		g_string_append_printf(g, "Received: from h%d.example (h%d.example [198.51.%d.%d]) by "
		    "203.0.113.%d (Postfix) with ESMTP id I%d\n", i, i, i % 256, i % 250 + 1,
		    i % 250, i);
	g_string_append(g, "Received: from \n\t\n Subject: x\n\nbody\n");
	GPtrArray *f = sa_fields_parse((const uint8_t *)g->str, g->len);
	struct sa_eval_msg m = { .fields = f, .bayes = -1 };
	assert_int_equal(run("check_no_relays", &m), 0);
	assert_int_equal(run("check_all_trusted", &m), 0);
	/* the last field is past the 100 hops read */
	assert_int_equal(run("check_relays_unparseable", &m), 0);
	/* each hop's "by" (an address passes SpamAssassin's host test) differs
	 * from the rDNS domain of the hop below */
	assert_int_equal(run("check_for_forged_received_trail", &m), 1);
	assert_int_equal(run("helo_ip_mismatch", &m), 0);
	sa_eval_msg_clear(&m);
	g_ptr_array_unref(f);
	g_string_free(g, TRUE);
	/* no fields at all */
	struct sa_eval_msg none = { .bayes = -1 };
	assert_int_equal(run("check_no_relays", &none), 1);
	assert_int_equal(run("check_mailfrom_matches_rcvd", &none), 0);
	sa_eval_msg_clear(&none);
}

int
main(void)
{
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_mailfrom),
		cmocka_unit_test(test_refused_and_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
