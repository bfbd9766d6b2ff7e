/*
 * test_sa_relays.c - the Received parser (src/spam/sa_relays.c): single
 * fields against SpamAssassin 4.0.1's parse_received_line (the expected
 * texts are what it prints for the same lines: the examples of its
 * Received.pm and a few of ours), the trust split over a whole header
 * (inferred, configured networks, a mail fetcher's hop, originating
 * headers), the networks, the limits and hostile input.
 *
 * With --oracle RULEDIR CORPUSDIR N: the first N ham and N spam of the
 * corpus (train split) parsed by SpamAssassin itself
 * (tests/support/sa_relays_oracle.pl) and by us; every message must give
 * the same X-Spam-Relays-* texts, unparseable count, trust indices,
 * relay flags and guessed EnvelopeFrom.  Exit 77 when a directory or perl is missing.
 *
 * With --lines N SEED: the example fields of SpamAssassin's Received.pm
 * and N variants of them (tests/support/sa_received_lines.pl) parsed by
 * SpamAssassin and by sa_received_parse(); every one must give the same
 * answer (unparseable, skipped, or the same relay text and flags).
 */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/message.h"
#include "spam/sa_conf.h"
#include "spam/sa_msg.h"
#include "spam/sa_relays.h"

static const struct {
	const char *line;
	int rc;
	const char *as_string;
	int priv, nrd, nih;
} lines[] = {
	{ "from mail1.insuranceiq.com (host66.insuranceiq.com [65.217.159.66] (may be forged)) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id h2F0c2x31856 for <jm@jmason.org>; Sat, 15 Mar 2003 00:38:03 GMT",
	    1, "[ ip=65.217.159.66 rdns=host66.insuranceiq.com helo=mail1.insuranceiq.com by=dogma.slashnull.org ident= envfrom= intl=0 id=h2F0c2x31856 auth= msa=0 ]", 0, 0, 0 },
	{ "from localhost (unknown [127.0.0.1]) by cabbage.jmason.org (Postfix) with ESMTP id A96E18BD97 for <jm@localhost>; Thu, 13 Mar 2003 15:23:15 -0500 (EST)",
	    1, "[ ip=127.0.0.1 rdns= helo=localhost by=cabbage.jmason.org ident= envfrom= intl=0 id=A96E18BD97 auth= msa=0 ]", 1, 1, 0 },
	{ "from sc8-sf-list1-b.sourceforge.net ([10.3.1.13] helo=sc8-sf-list1.sourceforge.net) by sc8-sf-list2.sourceforge.net with esmtp (Exim 3.31-VA-mm2 #1 (Debian)) id 18t301-0007Bh-00; Wed, 12 Mar 2003 01:58:13 -0800",
	    1, "[ ip=10.3.1.13 rdns=sc8-sf-list1-b.sourceforge.net helo=sc8-sf-list1.sourceforge.net by=sc8-sf-list2.sourceforge.net ident= envfrom= intl=0 id=18t301-0007Bh-00 auth= msa=0 ]", 1, 0, 0 },
	{ "from [218.19.142.229] (helo=hotmail.com ident=yiuhyotp) by yzordderrex with smtp (Exim 3.35 #1 (Debian)) id 194BE5-0005Zh-00; Sat, 12 Apr 2003 03:58:53 +0100",
	    1, "[ ip=218.19.142.229 rdns= helo=hotmail.com by=yzordderrex ident=yiuhyotp envfrom= intl=0 id=194BE5-0005Zh-00 auth= msa=0 ]", 0, 0, 1 },
	{ "from postfix3-2.free.fr (HELO machine.domain.com) (foobar@213.228.0.169) by totor.bouissou.net with SMTP; 14 Nov 2003 08:05:50 -0000",
	    1, "[ ip=213.228.0.169 rdns=postfix3-2.free.fr helo=machine.domain.com by=totor.bouissou.net ident=foobar envfrom= intl=0 id= auth= msa=0 ]", 0, 0, 0 },
	{ "from unknown (HELO terpsichore.farfalle.com) (jdavid@[216.254.40.70]) (envelope-sender <jdavid@farfalle.com>) by mail13.speakeasy.net (qmail-ldap-1.03) with SMTP for <jm@jmason.org>; 12 Feb 2003 18:23:19 -0000",
	    1, "[ ip=216.254.40.70 rdns= helo=terpsichore.farfalle.com by=mail13.speakeasy.net ident=jdavid envfrom=jdavid@farfalle.com intl=0 id= auth= msa=0 ]", 0, 0, 1 },
	{ "from inet-vrs-05.redmond.corp.microsoft.com ([157.54.6.157]) by INET-IMC-05.redmond.corp.microsoft.com with Microsoft SMTPSVC(5.0.2195.6624); Thu, 6 Mar 2003 12:02:35 -0800",
	    1, "[ ip=157.54.6.157 rdns= helo=inet-vrs-05.redmond.corp.microsoft.com by=INET-IMC-05.redmond.corp.microsoft.com ident= envfrom= intl=0 id= auth= msa=0 ]", 0, 0, 1 },
	{ "from EXC-DAG-02.global.net (10.45.252.152) by EXC-DAG-02.global.net (10.45.252.152) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.1261.35; Mon, 29 Oct 2018 11:17:19 +0100",
	    1, "[ ip=10.45.252.152 rdns=EXC-DAG-02.global.net helo=EXC-DAG-02.global.net by=EXC-DAG-02.global.net ident= envfrom= intl=0 id=15.1.1261.35 auth= msa=0 ]", 1, 0, 0 },
	{ "from AM5PR0402MB2836.eurprd04.prod.outlook.com ([fe80::19bd:c588:dd17:5226]) by AM5PR0402MB2836.eurprd04.prod.outlook.com ([fe80::19bd:c588:dd17:5226%6]) with mapi id 15.20.1943.023; Wed, 5 Jun 2019 10:17:08 +0000",
	    1, "[ ip=fe80::19bd:c588:dd17:5226 rdns= helo=AM5PR0402MB2836.eurprd04.prod.outlook.com by=AM5PR0402MB2836.eurprd04.prod.outlook.com ident= envfrom= intl=0 id= auth= msa=0 ]", 1, 0, 1 },
	{ "from cabbage.jmason.org [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0) for jm@localhost (single-drop); Thu, 13 Mar 2003 20:39:56 -0800 (PST)",
	    0, NULL, 0, 0, 0 },
	{ "from andrew by trinity.supernews.net with local (Exim 4.12) id 18xeL6-000Dn1-00; Tue, 25 Mar 2003 02:39:00 +0000",
	    0, NULL, 0, 0, 0 },
	{ "from mail.example.org (mail.example.org [192.0.2.7]) (authenticated bits=0) by relay.example.net (8.14.4/8.14.4) with ESMTP id abc123 for <a@b.c>; Mon, 1 Jan 2018 00:00:00 +0000",
	    1, "[ ip=192.0.2.7 rdns=mail.example.org helo=mail.example.org by=relay.example.net ident= envfrom= intl=0 id=abc123 auth=Sendmail msa=0 ]", 0, 0, 0 },
	{ "from [192.168.1.104] (account nazgul HELO [192.168.1.104]) by somewhere.com (CommuniGate Pro SMTP 3.5.7) with ESMTP-TLS id 2088434; Fri, 07 Mar 2003 13:05:06 -0500",
	    1, "[ ip=192.168.1.104 rdns= helo=!192.168.1.104! by=somewhere.com ident= envfrom= intl=0 id=2088434 auth=Communigate msa=0 ]", 1, 0, 1 },
	{ "from mail-wr1-f54.google.com (mail-wr1-f54.google.com [209.85.221.54]) by mx.example.com (Postfix) with ESMTPS id 4B1C2 for <x@example.com>; Tue, 7 Apr 2020 01:38:29 -0600 (MDT)",
	    1, "[ ip=209.85.221.54 rdns=mail-wr1-f54.google.com helo=mail-wr1-f54.google.com by=mx.example.com ident= envfrom= intl=0 id=4B1C2 auth= msa=0 ]", 0, 0, 0 },
	{ "from host.example.com (host.example.com [IPv6:2001:db8::1]) by mx.example.com (Postfix) with ESMTPSA id 9F00 for <x@example.com>; Tue, 7 Apr 2020 01:38:29 -0600",
	    1, "[ ip=2001:db8::1 rdns=host.example.com helo=host.example.com by=mx.example.com ident= envfrom= intl=0 id=9F00 auth=ESMTPSA msa=0 ]", 0, 0, 0 },
	{ "from Agni (localhost [::ffff:127.0.0.1]) (TLS: TLSv1/SSLv3, 168bits,DES-CBC3-SHA) by agni.forevermore.net with esmtp; Mon, 28 Oct 2002 14:48:52 -0800",
	    1, "[ ip=127.0.0.1 rdns=localhost helo=Agni by=agni.forevermore.net ident= envfrom= intl=0 id= auth= msa=0 ]", 1, 0, 0 },
	{ "from 213.123.174.21 by lw11fd.law11.hotmail.msn.com with HTTP; Wed, 24 Jul 2002 16:36:44 GMT",
	    1, "[ ip=213.123.174.21 rdns= helo= by=lw11fd.law11.hotmail.msn.com ident= envfrom= intl=0 id= auth=HTTP msa=0 ]", 0, 0, 1 },
	{ "from virtual-access.org by bolero.conactive.com ; Thu, 20 Feb 2003 23:32:58 +0100",
	    0, NULL, 0, 0, 0 },
	{ "garbage that is not a received line",
	    0, NULL, 0, 0, 0 },
	{ "from nowhere.example with no address at all",
	    -1, NULL, 0, 0, 0 },
	{ "from x (y) by z.example.com (8.1/8.1) id q; Mon, 1 Jan 2018 00:00:00 +0000",
	    -1, NULL, 0, 0, 0 },
	{ "from [10.0.0.5] by mail.example.com with ESMTP id Q1 envelope-from <bounce@example.org>; Mon, 1 Jan 2018 00:00:00 +0000",
	    1, "[ ip=10.0.0.5 rdns= helo= by=mail.example.com ident= envfrom=bounce@example.org intl=0 id= auth= msa=0 ]", 1, 0, 1 },
	/* Perl's truth: a receiving host "0" is no host */
	{ "from nccdi.com ([61.31.138.57] RDNS failed) by 0 with",
	    -1, NULL, 0, 0, 0 },
};

static void
test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
		struct sa_relay r;
		int rc = sa_received_parse(lines[i].line, strlen(lines[i].line),
		    &sa_relay_limits_default, &r);
		if (rc != lines[i].rc)
			print_error("line %zu: %s\n", i, lines[i].line);
		assert_int_equal(rc, lines[i].rc);
		if (rc != 1)
			continue;
		assert_utf8_equal(r.as_string, lines[i].as_string);
		assert_int_equal(r.ip_private, lines[i].priv);
		assert_int_equal(r.no_reverse_dns, lines[i].nrd);
		assert_int_equal(r.rdns_not_in_headers, lines[i].nih);
		sa_relay_clear(&r);
	}
}

/* folded and with blanks as mail has them; the date and ';' cut */
static void
test_folding(void **state)
{
	(void)state;
	static const char f[] = "from spike (spike.ig.co.uk [193.32.60.32]) by mail.ig.co.uk with\n"
	    "\tSMTP id h27CrCD03362 for <asrg@ietf.org>;\r\n  Fri, 7 Mar 2003 12:53:12 GMT;;";
	struct sa_relay r;
	assert_int_equal(sa_received_parse(f, sizeof f - 1, &sa_relay_limits_default, &r), 1);
	assert_string_equal(r.ip, "193.32.60.32");
	assert_string_equal(r.rdns, "spike.ig.co.uk");
	assert_string_equal(r.helo, "spike");
	assert_string_equal(r.by, "mail.ig.co.uk");
	assert_string_equal(r.id, "h27CrCD03362");
	assert_null(r.envfrom);
	sa_relay_clear(&r);
}

static GPtrArray *
fields_of(const char *hdr)
{
	GString *g = g_string_new(hdr);
	g_string_append(g, "\nSubject: x\n\nbody\n");
	GPtrArray *f = sa_fields_parse((const uint8_t *)g->str, g->len);
	g_string_free(g, TRUE);
	return f;
}

#define R_PRIV1 "Received: from a.example.net (a.example.net [10.1.2.3]) by mx.example.net " \
	"(Postfix) with ESMTP id AA1 for <u@example.net>; Mon, 1 Jan 2018 00:00:02 +0000\n"
#define R_PUB "Received: from b.example.org (b.example.org [192.0.2.9]) by a.example.net " \
	"(Postfix) with ESMTP id BB2 for <u@example.net>; Mon, 1 Jan 2018 00:00:01 +0000\n"
#define R_PUB2 "Received: from c.example.com (c.example.com [198.51.100.4]) by b.example.org " \
	"(Postfix) with ESMTP id CC3 for <u@example.net>; Mon, 1 Jan 2018 00:00:00 +0000\n"

static void
test_inferred(void **state)
{
	(void)state;
	GPtrArray *f = fields_of(R_PRIV1 R_PUB "X-Noise: 1\n" R_PUB2 "Received: garbage\n"
	    "Received: from nowhere.example with no address at all");
	struct sa_relay_opts o = { .limits = sa_relay_limits_default };
	struct sa_relays *r = sa_relays_parse(f, &o);
	assert_int_equal(r->received, 5);
	assert_int_equal(r->unparseable, 1);	/* "garbage" is skipped, not unparseable */
	assert_int_equal(r->all->len, 3);
	assert_int_equal(r->trusted->len, 1);
	assert_int_equal(r->untrusted->len, 2);
	assert_int_equal(r->internal->len, 1);
	assert_int_equal(r->external->len, 2);
	assert_int_equal(r->last_trusted_index, 0);
	assert_int_equal(r->last_internal_index, 0);
	assert_string_equal(r->trusted_str, "[ ip=10.1.2.3 rdns=a.example.net helo=a.example.net "
	    "by=mx.example.net ident= envfrom= intl=1 id=AA1 auth= msa=0 ]");
	assert_string_equal(r->untrusted_str, "[ ip=192.0.2.9 rdns=b.example.org helo=b.example.org "
	    "by=a.example.net ident= envfrom= intl=0 id=BB2 auth= msa=0 ] [ ip=198.51.100.4 "
	    "rdns=c.example.com helo=c.example.com by=b.example.org ident= envfrom= intl=0 id=CC3 "
	    "auth= msa=0 ]");
	assert_string_equal(r->internal_str, r->trusted_str);
	assert_string_equal(r->external_str, r->untrusted_str);
	const char *ips[4];
	assert_int_equal(sa_relays_untrusted_ips(r, ips, 1), 2);
	assert_string_equal(ips[0], "192.0.2.9");
	assert_int_equal(sa_relays_untrusted_ips(r, ips, 4), 2);
	assert_string_equal(ips[1], "198.51.100.4");
	sa_relays_free(r);
	g_ptr_array_unref(f);

	/* none at all */
	f = fields_of("From: a@b.c");
	r = sa_relays_parse(f, &o);
	assert_int_equal(r->all->len, 0);
	assert_string_equal(r->untrusted_str, "");
	assert_int_equal(r->last_trusted_index, -1);
	assert_int_equal(sa_relays_untrusted_ips(r, ips, 4), 0);
	sa_relays_free(r);
	g_ptr_array_unref(f);
}

static void
test_configured(void **state)
{
	(void)state;
	char err[160];
	const char *tn[] = { "192.0.2.0/24" };
	struct sa_netset *trusted = sa_netset_new(tn, 1, err, sizeof err);
	assert_non_null(trusted);
	GPtrArray *f = fields_of(R_PRIV1 R_PUB R_PUB2);
	/* trusted: 10.1.2.3 is not in it: nothing is trusted */
	struct sa_relay_opts o = { .trusted = trusted, .limits = sa_relay_limits_default };
	struct sa_relays *r = sa_relays_parse(f, &o);
	assert_int_equal(r->trusted->len, 0);
	assert_int_equal(r->untrusted->len, 3);
	sa_relays_free(r);
	sa_netset_free(trusted);

	const char *tn2[] = { "10.0.0.0/8", "192.0.2.0/24" }, *in2[] = { "10.0.0.0/8" };
	trusted = sa_netset_new(tn2, 2, err, sizeof err);
	struct sa_netset *internal = sa_netset_new(in2, 1, err, sizeof err);
	o.trusted = trusted;
	o.internal = internal;
	r = sa_relays_parse(f, &o);
	assert_int_equal(r->trusted->len, 2);
	assert_int_equal(r->untrusted->len, 1);
	assert_int_equal(r->internal->len, 1);
	assert_int_equal(r->external->len, 2);
	assert_int_equal(r->last_trusted_index, 1);
	assert_int_equal(r->last_internal_index, 0);
	const struct sa_relay *b = r->trusted->pdata[1];
	assert_string_equal(b->ip, "192.0.2.9");
	assert_true(b->trusted);
	assert_false(b->internal);
	assert_string_equal(b->as_string, "[ ip=192.0.2.9 rdns=b.example.org helo=b.example.org "
	    "by=a.example.net ident= envfrom= intl=0 id=BB2 auth= msa=0 ]");
	const char *ips[2];
	assert_int_equal(sa_relays_untrusted_ips(r, ips, 2), 1);
	assert_string_equal(ips[0], "198.51.100.4");
	sa_relays_free(r);
	/* internal alone serves as trusted too */
	o.trusted = NULL;
	r = sa_relays_parse(f, &o);
	assert_int_equal(r->trusted->len, 1);
	assert_int_equal(r->internal->len, 1);
	sa_relays_free(r);
	sa_netset_free(trusted);
	sa_netset_free(internal);
	g_ptr_array_unref(f);
}

static void
test_fetcher_and_originating(void **state)
{
	(void)state;
	/* a fetchmail hop restarts the trusted list (but not the index) */
	GPtrArray *f = fields_of(R_PRIV1
	    "Received: from pop.example.net [10.9.9.9] by localhost with POP3 (fetchmail-6.0)"
	    " for u@localhost (single-drop); Mon, 1 Jan 2018 00:00:03 +0000\n"
	    "Received: from d.example.net (d.example.net [10.4.4.4]) by pop.example.net "
	    "(Postfix) with ESMTP id DD4; Mon, 1 Jan 2018 00:00:00 +0000\n" R_PUB
	    "X-Originating-IP: [203.0.113.7]\n");
	const char *const orig[] = { "X-Originating-IP", NULL };
	struct sa_relay_opts o = { .originating = orig,
	    .limits = sa_relay_limits_default };
	struct sa_relays *r = sa_relays_parse(f, &o);
	assert_int_equal(r->trusted->len, 1);
	assert_string_equal(((struct sa_relay *)r->trusted->pdata[0])->ip, "10.4.4.4");
	assert_int_equal(r->last_trusted_index, 2);
	assert_int_equal(r->untrusted->len, 2);
	assert_string_equal(((struct sa_relay *)r->untrusted->pdata[1])->as_string,
	    "[ ip=203.0.113.7 rdns= helo= by= ident= envfrom= intl=0 id= auth= msa=0 ]");
	assert_int_equal(r->all->len, 4);
	sa_relays_free(r);
	g_ptr_array_unref(f);
}

static void
test_originating_settings(void **state)
{
	(void)state;
	GHashTable *s = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_ptr_array_unref);
	assert_null(sa_relays_originating(s));
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(v, g_strdup("X-Yahoo-Post-IP X-Originating-IP"));
	g_ptr_array_add(v, g_strdup("x-originating-ip\tX-AOL-IP"));
	g_hash_table_insert(s, g_strdup("originating_ip_headers"), v);
	char **o = sa_relays_originating(s);
	assert_int_equal(g_strv_length(o), 3);
	assert_string_equal(o[0], "X-Yahoo-Post-IP");
	assert_string_equal(o[1], "X-Originating-IP");
	assert_string_equal(o[2], "X-AOL-IP");
	g_strfreev(o);
	g_hash_table_unref(s);
}

static void
test_nets(void **state)
{
	(void)state;
	char err[160];
	assert_true(sa_net_check("10.0.0.0/8", err, sizeof err));
	assert_true(sa_net_check("192.0.2.1", err, sizeof err));
	assert_true(sa_net_check("2001:db8::/32", err, sizeof err));
	assert_false(sa_net_check("10.0.0.0/33", err, sizeof err));
	assert_string_equal(err, "prefix longer than 32 bits in \"10.0.0.0/33\"");
	assert_false(sa_net_check("10.0.0/8", err, sizeof err));
	assert_false(sa_net_check("", err, sizeof err));
	assert_false(sa_net_check("::/129", err, sizeof err));
	assert_false(sa_net_check("10.0.0.0/", err, sizeof err));
	assert_false(sa_net_check("10.0.0.0/-1", err, sizeof err));
	assert_false(sa_net_check("example.com", err, sizeof err));
	const char *n[] = { "10.0.0.0/8", "2001:db8::/32", "192.0.2.128/25" };
	struct sa_netset *s = sa_netset_new(n, 3, err, sizeof err);
	assert_true(sa_netset_contains(s, "10.255.0.1"));
	assert_false(sa_netset_contains(s, "11.0.0.1"));
	assert_true(sa_netset_contains(s, "192.0.2.200"));
	assert_false(sa_netset_contains(s, "192.0.2.100"));
	assert_true(sa_netset_contains(s, "2001:db8:1::5"));
	assert_true(sa_netset_contains(s, "[IPv6:2001:db8::1]"));
	assert_false(sa_netset_contains(s, "2001:db9::1"));
	assert_true(sa_netset_contains(s, "127.0.0.1"));	/* always */
	assert_true(sa_netset_contains(s, "::1"));
	assert_false(sa_netset_contains(s, "not an address"));
	assert_false(sa_netset_contains(s, "!10.0.0.1!"));
	sa_netset_free(s);
	const char *bad[] = { "10.0.0.0/8", "junk" };
	assert_null(sa_netset_new(bad, 2, err, sizeof err));
	assert_string_equal(err, "not an IPv4 or IPv6 address: \"junk\"");
	assert_true(sa_ip_is_private("10.1.1.1"));
	assert_true(sa_ip_is_private("fe80::1"));
	assert_true(sa_ip_is_private("::ffff:192.168.1.1"));
	assert_false(sa_ip_is_private("192.0.2.1"));
	assert_false(sa_ip_is_private("fd00::1"));	/* SpamAssassin's list has no ULA */
	assert_true(sa_ip_is_ipv4("1.2.3.4"));
	assert_false(sa_ip_is_ipv4("1.2.3.256"));
	assert_false(sa_ip_is_ipv4("!1.2.3.4!"));
}

static void
test_hostile(void **state)
{
	(void)state;
	struct sa_relay r;
	struct sa_relay_limits lim = sa_relay_limits_default;
	/* a field over the limit is not parsed */
	lim.field_max = 64;
	const char *l = lines[0].line;
	assert_int_equal(sa_received_parse(l, strlen(l), &lim, &r), -1);
	/* a NUL ends the value */
	static const char nul[] = "from [10.0.0.5] by mail.example.com\0 with ESMTP";
	assert_int_equal(sa_received_parse(nul, sizeof nul - 1, &sa_relay_limits_default, &r), 1);
	assert_string_equal(r.by, "mail.example.com");
	sa_relay_clear(&r);
	/* nested repetitions under a tiny match limit: a miss, no hang */
	GString *g = g_string_new("from x (HELO y) ([1.2.3.4]) by z");
	for (int i = 0; i < 3000; i++)
		g_string_append(g, " (a (b");
	g_string_append(g, " with Q");
	lim = sa_relay_limits_default;
	lim.match_limit = 1000;
	int rc = sa_received_parse(g->str, g->len, &lim, &r);
	assert_true(rc == 1 || rc == -1);
	if (rc == 1)
		sa_relay_clear(&r);
	g_string_free(g, TRUE);
	/* many hops: hops_max read, the rest counted */
	GString *h = g_string_new(NULL);
	for (int i = 0; i < 250; i++)
		g_string_append(h, R_PUB);
	g_string_append(h, "X: y");
	GPtrArray *f = fields_of(h->str);
	g_string_free(h, TRUE);
	struct sa_relay_opts o = { .limits = sa_relay_limits_default };
	o.limits.hops_max = 20;
	struct sa_relays *rs = sa_relays_parse(f, &o);
	assert_int_equal(rs->received, 20);
	assert_int_equal(rs->dropped, 230);
	assert_int_equal(rs->untrusted->len, 20);
	sa_relays_free(rs);
	g_ptr_array_unref(f);
	/* no fields */
	rs = sa_relays_parse(NULL, &o);
	assert_int_equal(rs->all->len, 0);
	sa_relays_free(rs);
}

/* ---- SpamAssassin as the oracle ---- */

static int
oracle(const char *ruledir, const char *corpus, const char *n)
{
	if (!g_file_test(ruledir, G_FILE_TEST_IS_DIR) || !g_file_test(corpus, G_FILE_TEST_IS_DIR)) {
		printf("oracle: %s or %s missing: skipped\n", ruledir, corpus);
		return 77;
	}
	struct sa_ruleset *rs = sa_ruleset_new();
	char err[256];
	if (!sa_conf_load(rs, ruledir, &sa_parse_defaults, err, sizeof err)) {
		printf("oracle: %s\n", err);
		return 1;
	}
	sa_conf_finish(rs);
	char **orig = sa_relays_originating(rs->settings);
	struct sa_relay_opts o = { .originating = (const char *const *)orig,
	    .limits = sa_relay_limits_default };

	char *argv[] = { g_strdup("perl"), g_strdup(MAMORI_SA_RELAYS_ORACLE), g_strdup(ruledir),
	    g_strdup(corpus), g_strdup(n), NULL };
	char *out = NULL;
	int status = 0;
	GError *ge = NULL;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
	    NULL, &out, NULL, &status, &ge)) {
		for (int k = 0; k < 5; k++)
			g_free(argv[k]);
		printf("oracle: perl: %s: skipped\n", ge->message);
		g_error_free(ge);
		return 77;
	}
	for (int k = 0; k < 5; k++)
		g_free(argv[k]);
	if (!g_spawn_check_wait_status(status, NULL)) {
		printf("oracle: perl failed\n");
		return 1;
	}
	char **rows = g_strsplit(out, "\n", -1);
	size_t msgs = 0, same = 0, cols_diff[10] = { 0 };
	for (char **row = rows; *row != NULL && **row != '\0'; row++) {
		char **c = g_strsplit(*row, "\t", -1);
		if (g_strv_length(c) != 10) {
			printf("oracle: bad line: %s\n", *row);
			g_strfreev(c);
			continue;
		}
		gchar *text = NULL;
		gsize len = 0;
		if (!g_file_get_contents(c[0], &text, &len, NULL)) {
			g_strfreev(c);
			continue;
		}
		GPtrArray *f = sa_fields_parse((const uint8_t *)text, len);
		struct sa_relays *r = sa_relays_parse(f, &o);
		GString *flags = g_string_new(NULL);
		GPtrArray *both[2] = { r->trusted, r->untrusted };
		for (int k = 0; k < 2; k++)
			for (guint i = 0; i < both[k]->len; i++) {
				const struct sa_relay *x = both[k]->pdata[i];
				if (flags->len > 0)
					g_string_append_c(flags, ' ');
				size_t l0 = flags->len;
				if (x->ip_private)
					g_string_append_c(flags, 'p');
				if (x->no_reverse_dns)
					g_string_append_c(flags, 'n');
				if (x->rdns_not_in_headers)
					g_string_append_c(flags, 'h');
				if (flags->len == l0)
					g_string_append_c(flags, '-');
			}
		char *mine[10];
		mine[0] = g_strdup(c[0]);
		mine[1] = g_strdup_printf("%u", r->unparseable);
		mine[2] = g_strdup_printf("%d", r->last_trusted_index);
		mine[3] = g_strdup_printf("%d", r->last_internal_index);
		mine[4] = g_string_free(flags, FALSE);
		mine[5] = g_strdup(r->trusted_str);
		mine[6] = g_strdup(r->untrusted_str);
		mine[7] = g_strdup(r->internal_str);
		mine[8] = g_strdup(r->external_str);
		GString *env = g_string_new(NULL);
		if (!sa_relays_envelope_from(f, r, env))
			g_string_assign(env, "<undef>");
		mine[9] = g_string_free(env, FALSE);
		/* Perl wrote tabs and newlines inside as blanks */
		for (int k = 5; k < 10; k++)
			g_strdelimit(mine[k], "\t\n", ' ');
		bool ok = true;
		for (int k = 1; k < 10; k++)
			if (strcmp(mine[k], c[k]) != 0) {
				if (cols_diff[k]++ < 5)
					printf("oracle: %s: column %d\n  SA: %s\n  us: %s\n", c[0], k, c[k],
					    mine[k]);
				ok = false;
			}
		msgs++;
		same += ok;
		for (int k = 0; k < 10; k++)
			g_free(mine[k]);
		sa_relays_free(r);
		g_ptr_array_unref(f);
		g_free(text);
		g_strfreev(c);
	}
	printf("oracle: %zu messages, %zu identical (unparseable %zu, indices %zu/%zu, flags %zu, "
	    "trusted %zu, untrusted %zu, internal %zu, external %zu, EnvelopeFrom %zu differ)\n",
	    msgs, same, cols_diff[1], cols_diff[2], cols_diff[3], cols_diff[4], cols_diff[5],
	    cols_diff[6], cols_diff[7], cols_diff[8], cols_diff[9]);
	g_strfreev(rows);
	g_free(out);
	g_strfreev(orig);
	sa_ruleset_free(rs);
	if (msgs == 0) {
		printf("oracle: no messages\n");
		return 77;
	}
	return same == msgs ? 0 : 1;
}

static int
lines_oracle(const char *n, const char *seed)
{
	char *argv[] = { g_strdup("perl"), g_strdup(MAMORI_SA_LINES_ORACLE), g_strdup(n),
	    g_strdup(seed), NULL };
	char *out = NULL;
	int status = 0;
	GError *ge = NULL;
	bool ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
	    NULL, NULL, &out, NULL, &status, &ge);
	for (int k = 0; k < 4; k++)
		g_free(argv[k]);
	if (!ok) {
		printf("lines: perl: %s: skipped\n", ge->message);
		g_error_free(ge);
		return 77;
	}
	if (!g_spawn_check_wait_status(status, NULL) || out[0] == '\0') {
		printf("lines: perl or SpamAssassin failed: skipped\n");
		g_free(out);
		return 77;
	}
	char **rows = g_strsplit(out, "\n", -1);
	size_t total = 0, differ = 0, kinds[3] = { 0 };
	for (char **row = rows; *row != NULL && **row != '\0'; row++) {
		char *tab = strrchr(*row, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		const char *want = tab + 1;
		struct sa_relay r;
		int rc = sa_received_parse(*row, strlen(*row), &sa_relay_limits_default, &r);
		char *got = rc == 1 ? g_strdup_printf("1 %s p=%d nrd=%d nih=%d", r.as_string,
		    r.ip_private, r.no_reverse_dns, r.rdns_not_in_headers) : g_strdup_printf("%d", rc);
		if (rc == 1)
			sa_relay_clear(&r);
		kinds[rc + 1]++;
		total++;
		if (strcmp(got, want) != 0 && differ++ < 10)
			printf("lines: %s\n  SA: %s\n  us: %s\n", *row, want, got);
		g_free(got);
	}
	printf("lines: %zu fields (%zu unparseable, %zu skipped, %zu relays), %zu differ\n", total,
	    kinds[0], kinds[1], kinds[2], differ);
	g_strfreev(rows);
	g_free(out);
	return total > 0 && differ == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	mime_init();
	if (argc == 5 && strcmp(argv[1], "--oracle") == 0)
		return oracle(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "--lines") == 0)
		return lines_oracle(argv[2], argv[3]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_inferred),
		cmocka_unit_test(test_configured),
		cmocka_unit_test(test_fetcher_and_originating),
		cmocka_unit_test(test_originating_settings),
		cmocka_unit_test(test_nets),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
