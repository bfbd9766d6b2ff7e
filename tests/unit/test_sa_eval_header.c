/*
 * test_sa_eval_header.c - SpamAssassin's HeaderEval and FreeMail eval
 * functions (src/spam/sa_eval_header.c): each against messages written
 * for the case, with the outcome SpamAssassin 4.0.1 gives (worked out
 * from its code and checked with it where noted), refused arguments, and
 * hostile input (bad dates, huge numbers, missing headers).
 */
#include "test_helpers.h"

#include <string.h>

#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"
#include "spam/sa_msg.h"

/* fn(args) on msg; the envelope sender and the rule files' settings
 * optional; -2 when the call is refused (err says why) */
static int
run_rs(const char *fn, const char *args, const char *msg, const char *mail_from,
    struct sa_ruleset *rs, char *err, size_t errlen)
{
	struct sa_eval_call *c = sa_eval_call_new("R", fn, args, err, errlen);
	if (c == NULL)
		return -2;
	GPtrArray *f = sa_fields_parse((const uint8_t *)msg, strlen(msg));
	struct sa_eval_msg m = { .raw = (const uint8_t *)msg, .raw_len = strlen(msg), .fields = f,
	    .mail_from = mail_from, .rs = rs, .bayes = -1 };
	int r = sa_eval_run(&m, c);
	/* a second run on the same scan reads the cache: the same answer */
	assert_int_equal(sa_eval_run(&m, c), r);
	sa_eval_msg_clear(&m);
	g_ptr_array_free(f, TRUE);
	sa_eval_call_free(c);
	return r;
}

static int
run(const char *fn, const char *args, const char *msg)
{
	char err[200];
	int r = run_rs(fn, args, msg, NULL, NULL, err, sizeof err);
	if (r == -2)
		fail_msg("%s(%s) refused: %s", fn, args, err);
	return r;
}

static void
setting(struct sa_ruleset *rs, const char *key, const char *value)
{
	GPtrArray *a = g_hash_table_lookup(rs->settings, key);
	if (a == NULL) {
		a = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(rs->settings, g_strdup(key), a);
	}
	g_ptr_array_add(a, g_strdup(value));
}

#define RCVD_LOCAL "Received: from localhost (localhost [127.0.0.1])\n" \
	"\tby mx.example.org (Postfix) with ESMTP id 1\n" \
	"\tfor <u@localhost>; Thu, 29 Aug 2002 08:52:33 -0400 (EDT)\n" \
	"Received: from mx [127.0.0.1]\n" \
	"\tby localhost with IMAP (fetchmail-5.9.0)\n" \
	"\tfor u@localhost (single-drop); Thu, 29 Aug 2002 13:52:33 +0100 (IST)\n"

/* check_for_shifted_date: Date against the nearest Received date, the
 * fetchmail hops left out, a fold's blanks squeezed (the +0100 on its own
 * line is the zone) */
static void
test_shifted_date(void **state)
{
	(void)state;
	const char *m1 = RCVD_LOCAL
	    "Received: from a.example ([61.142.80.201]) by mx.example.org\n"
	    "    (8.11.6/8.11.6) with ESMTP id g7T; Thu, 29 Aug 2002 13:45:38\n"
	    "    +0100\n"
	    "Date: Thu, 29 Aug 2002 08:45:22 -1600\n"
	    "Subject: x\n\nbody\n";
	/* 08:45:22 -1600 = 00:45:22 on the 30th; 13:45:38 +0100 = 12:45:38:
	 * 12 hours minus 16 seconds ahead */
	assert_int_equal(run("check_for_shifted_date", "'6', '12'", m1), 1);
	assert_int_equal(run("check_for_shifted_date", "'12', '24'", m1), 0);
	assert_int_equal(run("check_for_shifted_date", "'3', 'undef'", m1), 1);
	assert_int_equal(run("check_for_shifted_date", "'undef', '-96'", m1), 0);
	/* the local and fetchmail hops alone: no date to compare, diff 0 */
	const char *m2 = RCVD_LOCAL "Date: Thu, 22 Aug 2002 15:23:11 +0000\n\n";
	assert_int_equal(run("check_for_shifted_date", "'-6', '-3'", m2), 0);
	assert_int_equal(run("check_for_shifted_date", "'undef', 'undef'", m2), 1);
	/* 4 days and a second in the past (exactly -96 h would not be < -96),
	 * with a named zone (EDT -0400) and a two-digit year */
	const char *m3 = "Received: from x by y; 5 Sep 02 12:00:01 EDT\n"
	    "Date: Sun, 1 Sep 2002 16:00:00 +0000\n\n";
	assert_int_equal(run("check_for_shifted_date", "'undef', '-96'", m3), 1);
	assert_int_equal(run("check_for_shifted_date", "'-96', 'undef'", m3), 0);
	/* the smallest absolute difference wins; a last Received with no
	 * difference is left out */
	const char *m4 = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Received: from c by d; Mon, 2 Sep 2002 04:00:00 +0000\n"
	    "Received: from e by f; Mon, 2 Sep 2002 06:00:00 +0000\n"
	    "Date: Mon, 2 Sep 2002 06:00:00 +0000\n\n";
	assert_int_equal(run("check_for_shifted_date", "'undef', '-3'", m4), 0);
	assert_int_equal(run("check_for_shifted_date", "'2', '3'", m4), 1);
	/* Resent-Date comes first; a Date that does not parse is skipped */
	const char *m5 = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Date: garbage\nResent-Date: Mon, 2 Sep 2002 13:30:00 +0000\n\n";
	assert_int_equal(run("check_for_shifted_date", "'3', '6'", m5), 1);
	/* hostile: huge numbers (day past the month: the 1st of the next;
	 * year clamped to 2037; SpamAssassin: 2137692059, 307,425.35 hours
	 * after the Received), a 5-digit year (no date), day 0 (no date), no
	 * Date at all */
	const char *m6 = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Date: 99999999999999999999 Sep 2099 99:99:99 +9999\n\n";
	assert_int_equal(run("check_for_shifted_date", "'307425', '307426'", m6), 1);
	assert_int_equal(run("check_for_shifted_date", "'307426', 'undef'", m6), 0);
	const char *m6b = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Date: 99999999999999999999 Sep 99999 99:99:99 +9999\n\n";
	assert_int_equal(run("check_for_shifted_date", "'undef', 'undef'", m6b), 1);
	assert_int_equal(run("check_for_shifted_date", "'1', 'undef'", m6b), 0);
	const char *m7 = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Date: 0 Sep 2010 10:00:00 +0000\n\n";
	assert_int_equal(run("check_for_shifted_date", "'undef', 'undef'", m7), 1);
	assert_int_equal(run("check_for_shifted_date", "'1', 'undef'", m7), 0);
	assert_int_equal(run("check_for_shifted_date", "'1', 'undef'", "Subject: x\n\n"), 0);
	char err[200];
	assert_int_equal(run_rs("check_for_shifted_date", "'1'", "\n", NULL, NULL, err,
	    sizeof err), -2);
	assert_string_equal(err, "two arguments expected (min, max or undef)");
	assert_int_equal(run_rs("check_for_shifted_date", "'x', '1'", "\n", NULL, NULL, err,
	    sizeof err), -2);
	assert_string_equal(err, "argument 1 is not a number");
}

static void
test_illegal_chars(void **state)
{
	(void)state;
	/* two 8-bit octets in a 10-octet From (the blank after the colon and
	 * the newline count; not UTF-8): ratio 0.2 (SpamAssassin: 1) */
	assert_int_equal(run("check_illegal_chars", "'From','0.20','2'",
	    "From: ab\xe9\xe8@x.y\n\n"), 1);
	assert_int_equal(run("check_illegal_chars", "'From','0.20','3'",
	    "From: ab\xe9\xe8@x.y\n\n"), 0);
	/* 11 octets with two blanks: 0.18 */
	assert_int_equal(run("check_illegal_chars", "'From','0.20','2'",
	    "From:  ab\xe9\xe8@x.y\n\n"), 0);
	assert_int_equal(run("check_illegal_chars", "'From:raw','0.18','2'",
	    "From:  ab\xe9\xe8@x.y\n\n"), 1);
	/* valid UTF-8 without controls is legal */
	assert_int_equal(run("check_illegal_chars", "'From','0.00','1'",
	    "From: \xc3\xa9\xc3\xa8 <a@x.y>\n\n"), 0);
	/* ... unless it holds a control */
	assert_int_equal(run("check_illegal_chars", "'From','0.00','1'",
	    "From: \xc3\xa9\x01 <a@x.y>\n\n"), 1);
	/* Subject: one cent, pound or registered sign is exempt */
	assert_int_equal(run("check_illegal_chars", "'Subject','0.00','1'",
	    "Subject: only \xa3" "5\n\n"), 0);
	assert_int_equal(run("check_illegal_chars", "'Subject','0.00','1'",
	    "Subject: only \xa3\xa3\n\n"), 1);
	/* ALL: the whole header block */
	assert_int_equal(run("check_illegal_chars", "'ALL','0.010','2'",
	    "X-A: \xff\xfe\nSubject: plain\n\nbody \xff\xff\xff\n"), 1);
	assert_int_equal(run("check_illegal_chars", "'ALL','0.010','2'",
	    "X-A: \xff\nSubject: plain\n\nbody \xff\xff\xff\n"), 0);
	/* missing or blank header: no hit */
	assert_int_equal(run("check_illegal_chars", "'From','0','0'", "Subject: x\n\n"), 0);
	assert_int_equal(run("check_illegal_chars", "'From','0','0'", "From:   \n\n"), 0);
	char err[200];
	assert_int_equal(run_rs("check_illegal_chars", "'From:addr','0','0'", "\n", NULL, NULL,
	    err, sizeof err), -2);
	assert_string_equal(err, "header modifiers other than :raw not supported");
	assert_int_equal(run_rs("check_illegal_chars", "'EnvelopeFrom','0','0'", "\n", NULL,
	    NULL, err, sizeof err), -2);
	assert_string_equal(err, "pseudo-header EnvelopeFrom not supported");
}

static void
test_subject_and_to(void **state)
{
	(void)state;
	assert_int_equal(run("subject_is_all_caps", "", "Subject: FREE MONEY NOW!!\n\n"), 1);
	assert_int_equal(run("subject_is_all_caps", "", "Subject: Free MONEY now\n\n"), 0);
	/* a prefix in any case is cut first; one word, or short: no */
	assert_int_equal(run("subject_is_all_caps", "", "Subject: fwd:  NORTON SALE ON!\n\n"), 1);
	assert_int_equal(run("subject_is_all_caps", "", "Subject: ABCDEFGHIJKLMNOP\n\n"), 0);
	assert_int_equal(run("subject_is_all_caps", "", "Subject: AB CD EF\n\n"), 0);
	/* a charset with no case */
	assert_int_equal(run("subject_is_all_caps", "",
	    "Subject: =?koi8-r?Q?ABC_DEF_GHIJ?=\n\n"), 0);
	assert_int_equal(run("subject_is_all_caps", "", "\n"), 0);

	const char *m = "To: John <john@example.com>\nSubject: john, your offer\n\n";
	assert_int_equal(run("check_for_to_in_subject", "'user'", m), 1);
	assert_int_equal(run("check_for_to_in_subject", "'address'", m), 0);
	/* the user is case-sensitive before the punctuation */
	assert_int_equal(run("check_for_to_in_subject", "'user'",
	    "To: john@example.com\nSubject: JOHN, your offer\n\n"), 0);
	assert_int_equal(run("check_for_to_in_subject", "'user'",
	    "To: john@example.com\nSubject: Re: hello JOHN\n\n"), 1);
	assert_int_equal(run("check_for_to_in_subject", "'address'",
	    "To: a.b+c@example.com\nSubject: for A.B+C@EXAMPLE.COM today\n\n"), 1);
	assert_int_equal(run("check_for_to_in_subject", "'user'", "Subject: x\n\n"), 0);
	/* the user nowhere in the subject, or only part of it */
	assert_int_equal(run("check_for_to_in_subject", "'user'",
	    "To: johnny@example.com\nSubject: Re: john\n\n"), 0);
	assert_int_equal(run("check_for_to_in_subject", "'user'",
	    "To: =?utf-8?Q?J=C3=B6rg?= <j@example.com>\nSubject: Re: J\n\n"), 1);
	char err[200];
	assert_int_equal(run_rs("check_for_to_in_subject", "'domain'", "\n", NULL, NULL, err,
	    sizeof err), -2);
}

static void
test_recipients(void **state)
{
	(void)state;
	const char *sorted = "To: a1@x.com, b2@x.com, c3@x.com, d4@x.com\n"
	    "Cc: e5@x.com, f6@x.com, g7@x.com\n\n";
	assert_int_equal(run("sorted_recipients", "", sorted), 1);
	const char *unsorted = "To: b2@x.com, a1@x.com, c3@x.com, d4@x.com\n"
	    "Cc: e5@x.com, f6@x.com, g7@x.com\n\n";
	assert_int_equal(run("sorted_recipients", "", unsorted), 0);
	/* six: too few */
	assert_int_equal(run("sorted_recipients", "",
	    "To: a@x.com, b@x.com, c@x.com, d@x.com, e@x.com, f@x.com\n\n"), 0);
	/* similar: 5 addresses, 10 pairs; same 2-byte user start for all
	 * (10 hits), hosts all the same (no host hits): 1.0 */
	const char *sim = "To: jo1@a.com, jo2@a.com, jo3@a.com, jo4@a.com, jo5@a.com\n\n";
	assert_int_equal(run("similar_recipients", "'0.65','undef'", sim), 1);
	assert_int_equal(run("similar_recipients", "'undef','1'", sim), 0);
	/* different hosts starting alike: 10 user hits + 10 host hits = 2.0 */
	const char *sim2 = "To: jo1@aa1.com, jo2@aa2.com, jo3@aa3.com, jo4@aa4.com, "
	    "jo5@aa5.com\n\n";
	assert_int_equal(run("similar_recipients", "'1.5','2.01'", sim2), 1);
	assert_int_equal(run("similar_recipients", "'2.01','undef'", sim2), 0);
	/* nothing alike */
	assert_int_equal(run("similar_recipients", "'0.65','undef'",
	    "To: ab@q.com, cd@r.com, ef@s.com, gh@t.com, ij@u.com\n\n"), 0);
	assert_int_equal(run("similar_recipients", "'0.65','undef'", "\n"), 0);
	char err[200];
	assert_int_equal(run_rs("sorted_recipients", "'7'", "\n", NULL, NULL, err, sizeof err),
	    -2);
	assert_string_equal(err, "no arguments expected");
}

static void
test_misc_headers(void **state)
{
	(void)state;
	/* distinct values */
	assert_int_equal(run("check_header_count_range", "'Subject','2','999'",
	    "Subject: a\nSubject: a\n\n"), 0);
	assert_int_equal(run("check_header_count_range", "'Subject','2','999'",
	    "Subject: a\nSubject: b\n\n"), 1);
	assert_int_equal(run("check_header_count_range", "'Subject','0','0'", "\n"), 1);
	assert_int_equal(run("check_unresolved_template", "",
	    "X-Mailer: %MAILER_NAME\n\n"), 1);
	assert_int_equal(run("check_unresolved_template", "", "Subject: 100%OFF\n\n"), 0);
	/* the '%' in an encoded word only (the decoded value is matched) */
	assert_int_equal(run("check_unresolved_template", "",
	    "X-Mailer: =?utf-8?B?JU1BSUxFUl9OQU1F?=\n\n"), 1);
	assert_int_equal(run("check_unresolved_template", "", "Subject: %SUBJ_X\n\n"), 0);
	assert_int_equal(run("check_for_missing_to_header", "", "Subject: x\n\n"), 1);
	assert_int_equal(run("check_for_missing_to_header", "", "Apparently-To: a@b\n\n"), 0);
	/* no Received at all: gated */
	assert_int_equal(run("gated_through_received_hdr_remover", "", "Subject: x\n\n"), 1);
	assert_int_equal(run("gated_through_received_hdr_remover", "",
	    "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n\n"), 0);
	assert_int_equal(run("gated_through_received_hdr_remover", "",
	    "Mailing-List: contact x-help@lists.example.org; run by ezmlm\n"
	    "Delivered-To: mailing list x@lists.example.org\n"
	    "Received: (qmail 123 invoked from network); 2 Sep 2002 10:00:00 -0000\n\n"), 1);
	assert_int_equal(run("check_for_fake_aol_relay_in_rcvd", "",
	    "Received: from x (80.71.176.130) by\n rly-xw01.mx.aol.com with QMQP; "
	    "Sat, 15 Jun 2002 23:37:16 -0000\n\n"), 1);
	assert_int_equal(run("check_for_fake_aol_relay_in_rcvd", "",
	    "Received: from a by rly-ip01.mx.aol.com (8.8.8/8.8.8/AOL-5.0.0)\n"
	    "  with ESMTP id NAA08955\n\n"), 0);
	/* ok_locales all (the default): nothing is faraway */
	assert_int_equal(run("check_for_faraway_charset_in_headers", "",
	    "Subject: =?ks_c_5601-1987?B?x9E=?=\n\n"), 0);
	struct sa_ruleset *rs = sa_ruleset_new();
	setting(rs, "ok_locales", "all");
	setting(rs, "ok_locales", "en");	/* the last counts */
	char err[200];
	assert_int_equal(run_rs("check_for_faraway_charset_in_headers", "",
	    "Subject: =?ks_c_5601-1987?B?x9E=?=\n\n", NULL, rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_for_faraway_charset_in_headers", "",
	    "Subject: =?iso-8859-1?Q?x?= =?UTF-8?B?eA==?=\n\n", NULL, rs, err, sizeof err), 0);
	sa_ruleset_free(rs);
	/* ratware: 28 capitals and the From's address */
	assert_int_equal(run("check_ratware_name_id", "",
	    "Message-Id: <ABCDEFGHIJKLMNOPQRSTUVWXYZAB.joe@x.com>\n"
	    "From: \"Joe\" <joe@x.com>\n\n"), 1);
	assert_int_equal(run("check_ratware_name_id", "",
	    "Message-Id: <ABCDEFGHIJKLMNOPQRSTUVWXYZAB.joe@x.com>\n"
	    "From: joe@x.com\n\n"), 0);
}

/* check_outlook_message_id: the time stamp in an Outlook Message-ID
 * against the Date (token = t * 0.0023283064365387 + 27111902.83) */
static void
test_outlook(void **state)
{
	(void)state;
	/* Date 2002-09-02 10:00:00 UTC = 1030960800: expected 29512295,
	 * 0x01c25267; 0x01c25200 is 103 off (within 250) */
	const char *near = "Message-Id: <000001c25200$00000000$00000000@x>\n"
	    "Date: Mon, 2 Sep 2002 10:00:00 +0000\n\n";
	const char *far = "Message-Id: <000001c00000$00000000$00000000@x>\n"
	    "Date: Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n\n";
	assert_int_equal(run("check_outlook_message_id", "", near), 0);
	assert_int_equal(run("check_outlook_message_id", "", far), 1);
	assert_int_equal(run("check_outlook_message_id", "", "Message-Id: <a@b>\n\n"), 0);
}

static void
test_forged(void **state)
{
	(void)state;
	/* From hotmail.com, Received not from Hotmail */
	assert_int_equal(run("check_for_no_hotmail_received_headers", "",
	    "Received: from a.example ([1.2.3.4]) by mx.example.org; "
	    "Mon, 2 Sep 2002 10:00:00 +0000\nFrom: x@hotmail.com\n\n"), 1);
	assert_int_equal(run("check_for_forged_hotmail_received_headers", "",
	    "Received: from a.example ([1.2.3.4]) by mx.example.org; "
	    "Mon, 2 Sep 2002 10:00:00 +0000\nFrom: x@hotmail.com\n\n"), 0);
	/* HELO'd as hotmail.com */
	assert_int_equal(run("check_for_forged_hotmail_received_headers", "",
	    "Received: from unknown (HELO mail.hotmail.com) (1.2.3.4) by mx.example.org; "
	    "Mon, 2 Sep 2002 10:00:00 +0000\nFrom: x@example.com\n\n"), 1);
	/* a genuine one */
	const char *real = "Received: from hotmail.com (f135.law8.hotmail.com "
	    "[216.33.241.135]) by mx.example.org; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "X-Originating-IP: [1.2.3.4]\nFrom: x@hotmail.com\n\n";
	assert_int_equal(run("check_for_no_hotmail_received_headers", "", real), 0);
	assert_int_equal(run("check_for_forged_hotmail_received_headers", "", real), 0);
	assert_int_equal(run("check_for_forged_eudoramail_received_headers", "",
	    "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "From: x@eudoramail.com\n\n"), 1);
	assert_int_equal(run("check_for_forged_eudoramail_received_headers", "",
	    "Received: from Unknown/Local ([?.?.?.?]) by shared1-mail.whowhere.com;\n"
	    " Thu Nov 29 13:44:25 2001\nX-Sender-Ip: 192.175.21.146\n"
	    "From: x@eudoramail.com\n\n"), 0);
	assert_int_equal(run("check_for_forged_juno_received_headers", "",
	    "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\nFrom: x@juno.com\n\n"), 1);
	assert_int_equal(run("check_for_forged_gmail_received_headers", "",
	    "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\nFrom: x@gmail.com\n\n"), 1);
	assert_int_equal(run("check_for_forged_gmail_received_headers", "",
	    "X-Received: by 10.1.2.3 with SMTP id abc\nFrom: x@gmail.com\n\n"), 0);
	assert_int_equal(run("check_for_forged_gmail_received_headers", "",
	    "From: x@example.com\n\n"), 0);
}

/* EnvelopeFrom: the SMTP envelope, else Return-Path (unless after a
 * Received), X-Envelope-From ... */
static void
test_envelope(void **state)
{
	(void)state;
	char err[200];
	const char *m = "Return-Path: <bounce@mail.example.com>\n"
	    "From: Someone <someone@example.com>\n\n";
	assert_int_equal(run("check_equal_from_domains", "", m), 0);
	assert_int_equal(run("check_for_matching_env_and_hdr_from", "", m), 0);
	assert_int_equal(run_rs("check_equal_from_domains", "", m, "x@other.org", NULL, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_for_matching_env_and_hdr_from", "", m,
	    "SomeOne@Example.com", NULL, err, sizeof err), 1);
	/* a Return-Path after a Received is not trusted: no envelope; two
	 * empty addresses match */
	const char *late = "Received: from a by b; Mon, 2 Sep 2002 10:00:00 +0000\n"
	    "Return-Path: <x@other.org>\nFrom: y@example.com\n\n";
	assert_int_equal(run("check_equal_from_domains", "", late), 0);
	assert_int_equal(run("check_for_matching_env_and_hdr_from", "", "Subject: x\n\n"), 1);
	/* ratware: domain.user@ with the To's registered domain */
	struct sa_ruleset *rs = sa_ruleset_new();
	setting(rs, "util_rb_tld", "com uk");
	setting(rs, "util_rb_2tld", "co.uk");
	const char *rw = "To: joe@mail.example.co.uk\n\n";
	assert_int_equal(run_rs("check_ratware_envelope_from", "", rw,
	    "example.co.uk.joe@spam.example", rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_ratware_envelope_from", "", rw,
	    "mail.example.co.uk-joe@spam.example", rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_ratware_envelope_from", "", rw,
	    "joe@spam.example", rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_ratware_envelope_from", "", rw,
	    "SRS0=example.co.uk.joe@spam.example", rs, err, sizeof err), 0);
	/* an unknown TLD */
	assert_int_equal(run_rs("check_ratware_envelope_from", "", "To: joe@example.zz\n\n",
	    "example.zz.joe@spam.example", rs, err, sizeof err), 0);
	sa_ruleset_free(rs);
}

static void
test_freemail(void **state)
{
	(void)state;
	char err[200];
	struct sa_ruleset *rs = sa_ruleset_new();
	setting(rs, "freemail_domains", "hotmail.com yahoo.* mail?.example bad_domain.com");
	setting(rs, "freemail_welcomelist", "friend@hotmail.com");
	const char *m = "From: Joe <joe123@Hotmail.com>\nReply-To: x9@yahoo.co\n\n";
	assert_int_equal(run_rs("check_freemail_from", "", m, NULL, rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_freemail_from", "'\\d@'", m, NULL, rs, err, sizeof err),
	    1);
	assert_int_equal(run_rs("check_freemail_from", "'^x'", m, NULL, rs, err, sizeof err), 0);
	/* yahoo.*: one label after */
	assert_int_equal(run_rs("check_freemail_header", "'Reply-To'", m, NULL, rs, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_freemail_header", "'Reply-To:addr', '\\d@'", m, NULL, rs,
	    err, sizeof err), 1);
	assert_int_equal(run_rs("check_freemail_header", "'Reply-To'",
	    "Reply-To: x@yahoo.co.uk\n\n", NULL, rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_freemail_header", "'Reply-To'",
	    "Reply-To: x@mail1.example\n\n", NULL, rs, err, sizeof err), 1);
	/* an invalid entry is left out; welcomelisted; the default welcome
	 * pattern (info@ ...) */
	assert_int_equal(run_rs("check_freemail_from", "", "From: a@bad_domain.com\n\n", NULL,
	    rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_freemail_from", "", "From: friend@hotmail.com\n\n",
	    NULL, rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_freemail_from", "", "From: info@hotmail.com\n\n", NULL,
	    rs, err, sizeof err), 0);
	/* EnvelopeFrom: the envelope, or Return-Path */
	assert_int_equal(run_rs("check_freemail_header", "'EnvelopeFrom', '\\d@'",
	    "Return-Path: <abc1@hotmail.com>\n\n", NULL, rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_freemail_from", "", "From: a@example.org\n\n",
	    "abc@hotmail.com", rs, err, sizeof err), 1);
	/* Resent-From takes priority */
	assert_int_equal(run_rs("check_freemail_from", "",
	    "Resent-From: a@example.org\nFrom: b@hotmail.com\n\n", NULL, rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_freemail_from", "", "Subject: x\n\n", NULL, rs, err,
	    sizeof err), 0);
	assert_int_equal(run_rs("check_freemail_header", "", "\n", NULL, rs, err, sizeof err), -2);
	assert_int_equal(run_rs("check_freemail_header", "'From', '('", "\n", NULL, rs, err,
	    sizeof err), -2);
	assert_int_equal(run_rs("check_freemail_header", "'ALL-TRUSTED'", "\n", NULL, rs, err,
	    sizeof err), -2);
	assert_string_equal(err, "header ALL-TRUSTED not supported");
	sa_ruleset_free(rs);
	/* no domains: the plugin is off */
	assert_int_equal(run("check_freemail_from", "", "From: a@hotmail.com\n\n"), 0);
	/* an import of the welcomelists cannot be honoured: an error */
	rs = sa_ruleset_new();
	setting(rs, "freemail_domains", "hotmail.com");
	setting(rs, "freemail_import_welcomelist_auth", "1");
	assert_int_equal(run_rs("check_freemail_from", "", "From: a@hotmail.com\n\n", NULL, rs,
	    err, sizeof err), -1);
	sa_ruleset_free(rs);
}

/* WLBLEval and WelcomeListSubject: globs from the settings, anchored for
 * addresses, not for subjects; removals; lists that cannot be honoured */
static void
test_lists(void **state)
{
	(void)state;
	char err[200];
	struct sa_ruleset *rs = sa_ruleset_new();
	setting(rs, "enlist_addrlist", "(BANKS) *@bank.example *@*.bank2.example");
	setting(rs, "enlist_addrlist", "(OTHER) *@hotmail.com");
	setting(rs, "blocklist_from", "spam?@x.com *@netscape.net");
	setting(rs, "unblocklist_from", "*@netscape.net");
	setting(rs, "welcomelist_to", "*@mine.example");
	setting(rs, "welcomelist_subject", "*free money*");
	const char *bank = "From: Bank <Alerts@Bank.example>\nReply-To: x@mail.bank2.example\n"
	    "Subject: Your FREE MONEY awaits\nTo: me@mine.example\n\n";
	assert_int_equal(run_rs("check_from_in_list", "'BANKS'", bank, NULL, rs, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_from_in_list", "'OTHER'", bank, NULL, rs, err,
	    sizeof err), 0);
	assert_int_equal(run_rs("check_replyto_in_list", "'BANKS'", bank, NULL, rs, err,
	    sizeof err), 1);
	/* anchored: a longer domain does not match */
	assert_int_equal(run_rs("check_from_in_list", "'BANKS'",
	    "From: a@bank.example.evil\n\n", NULL, rs, err, sizeof err), 0);
	/* an undefined list: nothing */
	assert_int_equal(run_rs("check_from_in_list", "'NOPE'", bank, NULL, rs, err,
	    sizeof err), 0);
	/* the envelope sender counts as a From address */
	assert_int_equal(run_rs("check_from_in_list", "'BANKS'", "From: a@b.c\n\n",
	    "x@y.bank2.example", rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_from_in_blocklist", "", "From: spam1@x.com\n\n", NULL,
	    rs, err, sizeof err), 1);
	assert_int_equal(run_rs("check_from_in_blacklist", "", "From: spam12@x.com\n\n", NULL,
	    rs, err, sizeof err), 0);
	/* removed by unblocklist_from */
	assert_int_equal(run_rs("check_from_in_blocklist", "", "From: a@netscape.net\n\n", NULL,
	    rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_to_in_welcomelist", "", bank, NULL, rs, err,
	    sizeof err), 1);
	/* the first three Received fields' "for <addr>" */
	assert_int_equal(run_rs("check_to_in_whitelist", "",
	    "Received: from a by b.example with SMTP id 1 for <you@mine.example>; "
	    "Mon, 2 Sep 2002 10:00:00 +0000\nTo: other@example.org\n\n", NULL, rs, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_to_in_more_spam", "", bank, NULL, rs, err, sizeof err),
	    0);
	/* subjects: not anchored, lowercased */
	assert_int_equal(run_rs("check_subject_in_welcomelist", "", bank, NULL, rs, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_subject_in_blocklist", "", bank, NULL, rs, err,
	    sizeof err), 0);
	/* no def_welcomelist_from_rcvd entry: nothing */
	assert_int_equal(run_rs("check_from_in_default_welcomelist", "", bank, NULL, rs, err,
	    sizeof err), 0);
	assert_int_equal(run_rs("check_from_in_list", "", bank, NULL, rs, err, sizeof err),
	    -2);
	assert_string_equal(err, "a list name expected");
	assert_int_equal(run_rs("check_from_in_blocklist", "'x'", bank, NULL, rs, err,
	    sizeof err), -2);
	sa_ruleset_free(rs);
	/* _rcvd entries need the relays: an error, not a guess; the alias
	 * unblacklist_from removes from blocklist_from */
	rs = sa_ruleset_new();
	setting(rs, "welcomelist_from_rcvd", "*@bank.example bank.example");
	setting(rs, "blocklist_from", "a@b.example c@b.example");
	setting(rs, "unblacklist_from", "A@B.example");
	assert_int_equal(run_rs("check_from_in_welcomelist", "", bank, NULL, rs, err,
	    sizeof err), -1);
	assert_int_equal(run_rs("check_from_in_blocklist", "", "From: a@b.example\n\n", NULL,
	    rs, err, sizeof err), 0);
	assert_int_equal(run_rs("check_from_in_blocklist", "", "From: c@b.example\n\n", NULL,
	    rs, err, sizeof err), 1);
	sa_ruleset_free(rs);
}

/* check_freemail_replyto: From and Reply-To different freemails; or the
 * reply address freemail and another freemail in the body (the subject is
 * the body's first line); too many addresses in the body: not used */
static void
test_freemail_replyto(void **state)
{
	(void)state;
	char err[200];
	struct sa_ruleset *rs = sa_ruleset_new();
	setting(rs, "freemail_domains", "hotmail.com yahoo.com gmail.com");
	setting(rs, "util_rb_tld", "com org");
	const char *two = "From: a@hotmail.com\nReply-To: b@yahoo.com\n\n";
	assert_int_equal(run_rs("check_freemail_replyto", "'replyto'", two, NULL, rs, err,
	    sizeof err), 1);
	assert_int_equal(run_rs("check_freemail_replyto", "", two, NULL, rs, err, sizeof err),
	    1);
	/* the same address in both */
	assert_int_equal(run_rs("check_freemail_replyto", "'replyto'",
	    "From: a@hotmail.com\nReply-To: a@hotmail.com\n\n", NULL, rs, err, sizeof err), 0);
	/* a bulk envelope sender: skipped */
	assert_int_equal(run_rs("check_freemail_replyto", "'replyto'", two,
	    "owner-list@example.org", rs, err, sizeof err), 0);
	sa_ruleset_free(rs);

	/* the body's addresses: built by hand (m->body as the module makes it) */
	rs = sa_ruleset_new();
	setting(rs, "freemail_domains", "hotmail.com yahoo.com gmail.com");
	setting(rs, "util_rb_tld", "com org");
	struct sa_eval_call *c = sa_eval_call_new("R", "check_freemail_replyto", "'reply'", err,
	    sizeof err);
	assert_non_null(c);
	const char *hdr = "From: a@hotmail.com\n\n";
	GPtrArray *f = sa_fields_parse((const uint8_t *)hdr, strlen(hdr));
	GPtrArray *body = g_ptr_array_new();
	g_ptr_array_add(body, (char *)"subject line");
	g_ptr_array_add(body, (char *)"write to other@gmail.com today");
	struct sa_eval_msg m = { .raw = (const uint8_t *)hdr, .raw_len = strlen(hdr), .fields = f,
	    .body = body, .rs = rs, .bayes = -1 };
	assert_int_equal(sa_eval_run(&m, c), 1);
	sa_eval_msg_clear(&m);
	/* an address followed by "label:" (not fax, tel ...), in <...> or
	 * inside a URL is not counted (checked with SpamAssassin's patterns) */
	body->pdata[1] = (char *)"other@gmail.com wrote: <x@gmail.com> "
	    "http://x.org/?u=z@gmail.com";
	assert_int_equal(sa_eval_run(&m, c), 0);
	sa_eval_msg_clear(&m);
	body->pdata[1] = (char *)"other@gmail.com fax: 1";
	assert_int_equal(sa_eval_run(&m, c), 1);
	sa_eval_msg_clear(&m);
	/* five addresses: too many, the body is not used */
	body->pdata[1] = (char *)"o1@gmail.com o2@x.org o3@x.org o4@x.org o5@x.org";
	assert_int_equal(sa_eval_run(&m, c), 0);
	sa_eval_msg_clear(&m);
	body->pdata[1] = (char *)"o1@gmail.com o2@x.org o3@x.org o4@x.org";
	assert_int_equal(sa_eval_run(&m, c), 1);
	sa_eval_msg_clear(&m);
	/* an address repeated counts once (five mentions, four addresses) */
	body->pdata[1] = (char *)"o1@gmail.com O1@gmail.com o3@x.org o4@x.org o5@x.org";
	assert_int_equal(sa_eval_run(&m, c), 1);
	sa_eval_msg_clear(&m);
	/* 'reply': From not freemail, no Reply-To: nothing */
	g_ptr_array_free(f, TRUE);
	const char *hdr2 = "From: a@example.org\n\n";
	f = sa_fields_parse((const uint8_t *)hdr2, strlen(hdr2));
	m.fields = f;
	assert_int_equal(sa_eval_run(&m, c), 0);
	sa_eval_msg_clear(&m);
	g_ptr_array_free(f, TRUE);
	g_ptr_array_free(body, TRUE);
	sa_eval_call_free(c);
	assert_int_equal(run_rs("check_freemail_replyto", "'from'", "\n", NULL, rs, err,
	    sizeof err), -2);
	assert_string_equal(err, "'replyto' or 'reply' expected");
	sa_ruleset_free(rs);
}

int
main(void)
{
	mime_init();	/* GMime parses the addresses */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shifted_date),
		cmocka_unit_test(test_illegal_chars),
		cmocka_unit_test(test_subject_and_to),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_misc_headers),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_freemail),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_freemail_replyto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
