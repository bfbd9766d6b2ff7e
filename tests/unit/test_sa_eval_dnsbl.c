/*
 * test_sa_eval_dnsbl.c - SpamAssassin's check_rbl, check_rbl_txt and
 * check_rbl_sub (src/spam/sa_eval_dnsbl.c) on answers of the dnsbl module
 * made up here: the stock rules' calls (20_dnsbl_tests.cf, 25_dnswl.cf),
 * sub-tests (address, bitmask, regex), the refused-query codes seen as
 * SpamAssassin sees them, the set suffixes selecting addresses, records
 * outside 127/8, TXT records, no answers at all, refused arguments.
 */
#include "test_helpers.h"

#include <arpa/inet.h>
#include <string.h>

#include "dns/dns.h"
#include "spam/sa_conf.h"
#include "spam/sa_eval.h"

/* The answers: zone -> addresses asked (index) -> A records and TXT. */
struct fake {
	const char *zone;
	unsigned ip;
	const char *a[4];	/* dotted quads; NULL-terminated */
	const char *txt;	/* NULL: TXT not asked */
	enum dns_status st;
};

struct fakes {
	const struct fake *f;
	size_t n;
	struct dns_answer *ans[16], *txt[16];
};

static struct dns_answer *
make_a(const struct fake *f)
{
	struct dns_answer *a = g_new0(struct dns_answer, 1);
	size_t n = 0;
	while (n < 4 && f->a[n] != NULL)
		n++;
	a->status = n > 0 ? DNS_OK : f->st;
	a->n = n;
	a->rr = g_new0(struct dns_rr, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++) {
		a->rr[i].type = DNS_T_A;
		assert_int_equal(inet_pton(AF_INET, f->a[i], &a->rr[i].u.a), 1);
	}
	return a;
}

static struct dns_answer *
make_txt(const char *t)
{
	struct dns_answer *a = g_new0(struct dns_answer, 1);
	a->status = DNS_OK;
	a->n = 1;
	a->rr = g_new0(struct dns_rr, 1);
	a->rr[0].type = DNS_T_TXT;
	a->rr[0].u.txt.data = g_strdup(t);
	a->rr[0].u.txt.len = strlen(t);
	return a;
}

static void
fakes_init(struct fakes *fs, const struct fake *f, size_t n)
{
	memset(fs, 0, sizeof(*fs));
	assert_true(n <= 16);
	fs->f = f;
	fs->n = n;
	for (size_t i = 0; i < n; i++) {
		fs->ans[i] = make_a(&f[i]);
		fs->txt[i] = f[i].txt != NULL ? make_txt(f[i].txt) : NULL;
	}
}

static void
fakes_clear(struct fakes *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		g_free(fs->ans[i]->rr);
		g_free(fs->ans[i]);
		if (fs->txt[i] != NULL) {
			g_free(fs->txt[i]->rr[0].u.txt.data);
			g_free(fs->txt[i]->rr);
			g_free(fs->txt[i]);
		}
	}
}

/* as scan_dnsbl_answer(): zone case-insensitive, trailing dots ignored */
static bool
fake_answer(const void *ud, const char *zone, unsigned i, const struct dns_answer **a,
    const struct dns_answer **txt)
{
	const struct fakes *fs = ud;
	size_t n = strlen(zone);
	while (n > 0 && zone[n - 1] == '.')
		n--;
	for (size_t k = 0; k < fs->n; k++) {
		if (fs->f[k].ip == i && strlen(fs->f[k].zone) == n &&
		    g_ascii_strncasecmp(fs->f[k].zone, zone, n) == 0) {
			*a = fs->ans[k];
			*txt = fs->txt[k];
			return true;
		}
	}
	return false;
}

static struct sa_ruleset *
rules(const char *text)
{
	struct sa_ruleset *rs = sa_ruleset_new();
	static const char *const plugins[] = { "DNSEval", NULL };
	struct sa_parse_opts o = sa_parse_defaults;
	o.plugins = plugins;
	sa_conf_parse(rs, "t.cf", NULL, text, strlen(text), &o);
	sa_conf_finish(rs);
	return rs;
}

/* Run the rule `name` of rs on m: its eval call made as the module makes it. */
static int
run_rule(struct sa_eval_msg *m, const struct sa_ruleset *rs, const char *name)
{
	const struct sa_rule *r = sa_ruleset_get(rs, name);
	assert_non_null(r);
	assert_non_null(r->eval);
	char err[256];
	struct sa_eval_call *c = sa_eval_call_new(r->name, r->eval, r->eval_args, err,
	    sizeof(err));
	if (c == NULL) {
		print_error("%s: %s\n", name, err);
		fail();
	}
	int v = sa_eval_run(m, c);
	sa_eval_call_free(c);
	return v;
}

/* The stock calls of 20_dnsbl_tests.cf and 25_dnswl.cf (SpamAssassin 4.0.1). */
static const char stock[] =
    "ifplugin Mail::SpamAssassin::Plugin::DNSEval\n"
    "header __RCVD_IN_ZEN eval:check_rbl('zen', 'zen.spamhaus.org.')\n"
    "header RCVD_IN_SBL eval:check_rbl_sub('zen', '127.0.0.2')\n"
    "header RCVD_IN_XBL eval:check_rbl('zen-lastexternal', 'zen.spamhaus.org.', '^127\\.0\\.0\\.[4567]$')\n"
    "header RCVD_IN_PBL eval:check_rbl('zen-lastexternal', 'zen.spamhaus.org.', '^127\\.0\\.0\\.1[01]$')\n"
    "header RCVD_IN_SBL_CSS eval:check_rbl_sub('zen', '127.0.0.3')\n"
    "header RCVD_IN_ZEN_BLOCKED_OPENDNS eval:check_rbl('zen-lastexternal', 'zen.spamhaus.org.', '^127\\.255\\.255\\.254$')\n"
    "header RCVD_IN_ZEN_BLOCKED eval:check_rbl('zen-lastexternal', 'zen.spamhaus.org.', '^127\\.255\\.255\\.255$')\n"
    "header RCVD_IN_BL_SPAMCOP_NET eval:check_rbl_txt('spamcop', 'bl.spamcop.net.', '(?i:spamcop)')\n"
    "header RCVD_IN_MAPS_RBL eval:check_rbl('rblplus', 'activationcode.r.mail-abuse.com.', '1')\n"
    "header RCVD_IN_MAPS_RSS eval:check_rbl_sub('rblplus', '4')\n"
    "header RCVD_IN_MAPS_OPS eval:check_rbl_sub('rblplus', '8')\n"
    "header __RCVD_IN_DNSWL eval:check_rbl('dnswl-firsttrusted', 'list.dnswl.org.')\n"
    "header RCVD_IN_DNSWL_MED eval:check_rbl_sub('dnswl-firsttrusted', '^127\\.0\\.\\d+\\.2$')\n"
    "header RCVD_IN_DNSWL_HI eval:check_rbl_sub('dnswl-firsttrusted', '^127\\.0\\.\\d+\\.3$')\n"
    "header NOTFIRST eval:check_rbl('xx-notfirsthop', 'bl.example.net')\n"
    "header UNTRUSTED eval:check_rbl('yy-untrusted', 'bl.example.net')\n"
    "header ANYHOP eval:check_rbl('zz', 'bl.example.net', '127.0.0.2')\n"
    "header SUB_NO_SET eval:check_rbl_sub('nosuchset', '127.0.0.2')\n"
    "endif\n";

static void
test_stock_rules(void **state)
{
	(void)state;
	struct sa_ruleset *rs = rules(stock);
	struct sa_eval_msg m = { .rs = rs, .dnsbl = fake_answer };

	/* the nearest address is on the SBL and the PBL; the next one on the XBL */
	static const struct fake f1[] = {
		{ "zen.spamhaus.org", 0, { "127.0.0.2", "127.0.0.11" }, NULL, DNS_OK },
		{ "zen.spamhaus.org", 1, { "127.0.0.4" }, NULL, DNS_OK },
		{ "bl.spamcop.net", 0, { "127.0.0.2" },
		  "Blocked - see https://www.spamcop.net/bl.shtml?203.0.113.66", DNS_OK },
		{ "bl.spamcop.net", 1, { NULL }, NULL, DNS_NXDOMAIN },
		{ "list.dnswl.org", 0, { "127.0.10.2" }, NULL, DNS_OK },
	};
	struct fakes fs;
	fakes_init(&fs, f1, G_N_ELEMENTS(f1));
	m.has_ud = &fs;
	assert_int_equal(run_rule(&m, rs, "__RCVD_IN_ZEN"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_SBL"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_SBL_CSS"), 0);
	/* the XBL code is on the second address: not the last external */
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_XBL"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_PBL"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_ZEN_BLOCKED_OPENDNS"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_ZEN_BLOCKED"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_BL_SPAMCOP_NET"), 1);
	/* zone not asked (not in dnsbl.zones): nothing */
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_MAPS_RBL"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_MAPS_RSS"), 0);
	assert_int_equal(run_rule(&m, rs, "__RCVD_IN_DNSWL"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_DNSWL_MED"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_DNSWL_HI"), 0);
	assert_int_equal(run_rule(&m, rs, "SUB_NO_SET"), 0);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	/* the XBL on the nearest address; refused codes as SpamAssassin sees them */
	static const struct fake f2[] = {
		{ "zen.spamhaus.org", 0, { "127.0.0.4" }, NULL, DNS_OK },
		{ "bl.spamcop.net", 0, { "127.0.0.2" }, "listed", DNS_OK },
	};
	fakes_init(&fs, f2, G_N_ELEMENTS(f2));
	m.has_ud = &fs;
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_XBL"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_SBL"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_PBL"), 0);
	/* a TXT record that does not say spamcop */
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_BL_SPAMCOP_NET"), 0);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	static const struct fake f3[] = {
		{ "zen.spamhaus.org", 0, { "127.255.255.254" }, NULL, DNS_OK },
	};
	fakes_init(&fs, f3, G_N_ELEMENTS(f3));
	m.has_ud = &fs;
	/* a 127/8 record: the sub-rule-less check_rbl fires on it, as in
	 * SpamAssassin (mamori's own symbol is DNSBL_ERROR) */
	assert_int_equal(run_rule(&m, rs, "__RCVD_IN_ZEN"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_ZEN_BLOCKED_OPENDNS"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_ZEN_BLOCKED"), 0);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_SBL"), 0);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	/* records outside 127/8 are skipped; timeouts have none */
	static const struct fake f4[] = {
		{ "zen.spamhaus.org", 0, { "10.0.0.2" }, NULL, DNS_OK },
		{ "list.dnswl.org", 0, { NULL }, NULL, DNS_TEMPFAIL },
	};
	fakes_init(&fs, f4, G_N_ELEMENTS(f4));
	m.has_ud = &fs;
	assert_int_equal(run_rule(&m, rs, "__RCVD_IN_ZEN"), 0);
	assert_int_equal(run_rule(&m, rs, "__RCVD_IN_DNSWL"), 0);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	/* no lists at all */
	struct sa_eval_msg none = { .rs = rs };
	assert_int_equal(run_rule(&none, rs, "__RCVD_IN_ZEN"), 0);
	assert_int_equal(run_rule(&none, rs, "RCVD_IN_SBL"), 0);
	sa_eval_msg_clear(&none);
	sa_ruleset_free(rs);
}

static void
test_bitmask_and_hops(void **state)
{
	(void)state;
	struct sa_ruleset *rs = rules(stock);
	struct sa_eval_msg m = { .rs = rs, .dnsbl = fake_answer };

	static const struct fake f[] = {
		{ "activationcode.r.mail-abuse.com", 0, { "127.0.0.5" }, NULL, DNS_OK },
		{ "bl.example.net", 0, { NULL }, NULL, DNS_NXDOMAIN },
		{ "bl.example.net", 1, { "127.0.0.2" }, NULL, DNS_OK },
		{ "bl.example.net", 2, { NULL }, NULL, DNS_NXDOMAIN },
	};
	struct fakes fs;
	fakes_init(&fs, f, G_N_ELEMENTS(f));
	m.has_ud = &fs;
	/* 5 = 1 | 4: RBL and RSS, not OPS */
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_MAPS_RBL"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_MAPS_RSS"), 1);
	assert_int_equal(run_rule(&m, rs, "RCVD_IN_MAPS_OPS"), 0);
	/* listed: the middle one of three addresses */
	assert_int_equal(run_rule(&m, rs, "NOTFIRST"), 1);
	assert_int_equal(run_rule(&m, rs, "UNTRUSTED"), 1);
	assert_int_equal(run_rule(&m, rs, "ANYHOP"), 1);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	/* listed: the farthest of two: -notfirsthop leaves it out, -untrusted
	 * (all but the nearest) keeps it */
	static const struct fake g[] = {
		{ "bl.example.net", 0, { NULL }, NULL, DNS_NXDOMAIN },
		{ "bl.example.net", 1, { "127.0.0.2" }, NULL, DNS_OK },
	};
	fakes_init(&fs, g, G_N_ELEMENTS(g));
	m.has_ud = &fs;
	assert_int_equal(run_rule(&m, rs, "NOTFIRST"), 0);
	assert_int_equal(run_rule(&m, rs, "UNTRUSTED"), 1);
	assert_int_equal(run_rule(&m, rs, "ANYHOP"), 1);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);

	/* one address, listed: -notfirsthop keeps it (a single hop is
	 * queried), -untrusted has none */
	static const struct fake h[] = {
		{ "bl.example.net", 0, { "127.0.0.2" }, NULL, DNS_OK },
	};
	fakes_init(&fs, h, G_N_ELEMENTS(h));
	m.has_ud = &fs;
	assert_int_equal(run_rule(&m, rs, "NOTFIRST"), 1);
	assert_int_equal(run_rule(&m, rs, "UNTRUSTED"), 0);
	sa_eval_msg_clear(&m);
	fakes_clear(&fs);
	sa_ruleset_free(rs);
}

static void
refused_call(const char *fn, const char *args, const char *why)
{
	char err[256] = "";
	struct sa_eval_call *c = sa_eval_call_new("R", fn, args, err, sizeof(err));
	if (c != NULL) {
		print_error("accepted: %s(%s)\n", fn, args);
		fail();
	}
	assert_contains(err, why);
}

static void
test_refused(void **state)
{
	(void)state;
	refused_call("check_rbl", "'zen'", "wants ('set', 'zone'[, 'subtest']), got 1 arguments");
	refused_call("check_rbl", "'a', 'b.org', 'c', 'd'",
	    "wants ('set', 'zone'[, 'subtest']), got 4 arguments");
	refused_call("check_rbl", "'zen', '.'", "zone \".\" is not a DNS name");
	refused_call("check_rbl", "'zen', 'a b'", "zone \"a b\" is not a DNS name");
	refused_call("check_rbl_txt", "'zen', 'zen.spamhaus.org', '(x'",
	    "sub-test regular expression at 2: ");
	refused_call("check_rbl_sub", "'zen'", "wants ('set', 'subtest'), got 1 arguments");
	refused_call("check_rbl_sub", "'zen', 'sb:1.2'", "SenderBase sub-tests (sb:) are gone");

	char err[256];
	struct sa_eval_call *c = sa_eval_call_new("R", "check_rbl", "'zen', 'ZEN.Spamhaus.org..', undef",
	    err, sizeof(err));
	assert_non_null(c);
	sa_eval_call_free(c);
	assert_non_null(sa_eval_find("check_rbl_txt"));
	assert_non_null(sa_eval_find("check_rbl_sub"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_rules),
		cmocka_unit_test(test_bitmask_and_hops),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
