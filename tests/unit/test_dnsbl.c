/*
 * test_dnsbl.c - DNS blocklists, the pure part (src/spam/dnsbl.c): zone
 * strings (the shipped examples, every refusal with its message, the
 * limits), matching of return codes, refused-query codes, query names
 * (IPv4, IPv6, mapped, too long), networks, the addresses never queried,
 * and SpamAssassin's sub-tests (exact, bitmask, regular expression).
 */
#include "test_helpers.h"

#include <string.h>

#include "spam/dnsbl.h"

#define Q(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static void
test_zone_parse(void **state)
{
	(void)state;
	struct dnsbl_zone z;
	char err[256];

	assert_true(dnsbl_zone_parse("Zen.Spamhaus.org.: 127.0.0.2=SPAMHAUS_SBL:4 "
	    "127.0.0.3=SPAMHAUS_CSS\t127.0.0.4-7=SPAMHAUS_XBL:3.5 "
	    "127.0.0.10-127.0.0.11=SPAMHAUS_PBL:-0.5", 0, 0, &z, err, sizeof(err)));
	assert_string_equal(z.zone, "zen.spamhaus.org");
	assert_int_equal(z.ncodes, 4);
	assert_string_equal(z.codes[0].symbol, "SPAMHAUS_SBL");
	assert_int_equal(z.codes[0].lo, Q(127, 0, 0, 2));
	assert_int_equal(z.codes[0].hi, Q(127, 0, 0, 2));
	assert_true(z.codes[0].has_weight);
	assert_true(z.codes[0].weight == 4.0);
	assert_false(z.codes[1].has_weight);
	assert_int_equal(z.codes[2].lo, Q(127, 0, 0, 4));
	assert_int_equal(z.codes[2].hi, Q(127, 0, 0, 7));
	assert_true(z.codes[2].weight == 3.5);
	assert_int_equal(z.codes[3].lo, Q(127, 0, 0, 10));
	assert_int_equal(z.codes[3].hi, Q(127, 0, 0, 11));
	assert_true(z.codes[3].weight == -0.5);

	size_t idx[4];
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 5), idx, 4), 1);
	assert_int_equal(idx[0], 2);
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 8), idx, 4), 0);
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 11), idx, 4), 1);
	assert_int_equal(idx[0], 3);
	dnsbl_zone_clear(&z);

	/* overlapping entries both match; more matches than room are counted */
	assert_true(dnsbl_zone_parse("bl.example.net:127.0.0.2=A 127.0.0.1-3=B", 0, 0, &z, err,
	    sizeof(err)));
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 2), idx, 1), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 2), idx, 4), 2);
	assert_int_equal(idx[1], 1);
	dnsbl_zone_clear(&z);
	dnsbl_zone_clear(NULL);

	/* no entry: asked for the rule files only */
	assert_true(dnsbl_zone_parse(" bl.example.net :  ", 0, 0, &z, err, sizeof(err)));
	assert_string_equal(z.zone, "bl.example.net");
	assert_int_equal(z.ncodes, 0);
	assert_int_equal(dnsbl_zone_match(&z, Q(127, 0, 0, 2), idx, 4), 0);
	dnsbl_zone_clear(&z);
}

static void
refused(const char *spec, const char *why)
{
	struct dnsbl_zone z = { 0 };
	char err[256] = "";
	if (dnsbl_zone_parse(spec, 0, 0, &z, err, sizeof(err))) {
		print_error("accepted: %s\n", spec);
		fail();
	}
	assert_null(z.zone);
	assert_utf8_equal(err, why);
}

static void
test_zone_refused(void **state)
{
	(void)state;
	refused("", "no ':' after the zone (ZONE: CODE=SYMBOL ...)");
	refused("zen.spamhaus.org 127.0.0.2=X", "no ':' after the zone (ZONE: CODE=SYMBOL ...)");
	refused(": 127.0.0.2=X", "no zone before ':'");
	refused("localhost: 127.0.0.2=X",
	    "\"localhost\" is not a DNS zone such as zen.spamhaus.org");
	refused("a..b: 127.0.0.2=X", "\"a..b\" is not a DNS zone such as zen.spamhaus.org");
	/* one trailing dot is allowed, not two (found by fuzz_dnsbl) */
	refused("a.b..: 127.0.0.2=X", "\"a.b.\" is not a DNS zone such as zen.spamhaus.org");
	refused("-a.b: 127.0.0.2=X", "\"-a.b\" is not a DNS zone such as zen.spamhaus.org");
	refused("a b.org: 127.0.0.2=X", "\"a b.org\" is not a DNS zone such as zen.spamhaus.org");
	refused("bl.example.net: 127.0.0.2", "\"127.0.0.2\" is not CODE=SYMBOL[:WEIGHT]");
	refused("bl.example.net: 127.0.0=X", "\"127.0.0\" is not an address A.B.C.D");
	refused("bl.example.net: 127.0.0.256=X", "\"127.0.0.256\" is not an address A.B.C.D");
	refused("bl.example.net: 127.0.0.0002=X", "\"127.0.0.0002\" is not an address A.B.C.D");
	refused("bl.example.net: 127.0.0.2-x=X",
	    "\"x\" is not an octet (0-255) or an address");
	refused("bl.example.net: 127.0.0.7-4=X", "\"127.0.0.7-4\": the range ends before it starts");
	refused("bl.example.net: 10.0.0.2=X", "\"10.0.0.2\": a list answers within 127.0.0.0/8");
	refused("bl.example.net: 127.255.255.255=X", "\"127.255.255.255\" includes a "
	    "refused-query code (127.255.255.252, .254, .255: errors, never hits)");
	refused("bl.example.net: 127.255.255.250-253=X", "\"127.255.255.250-253\" includes a "
	    "refused-query code (127.255.255.252, .254, .255: errors, never hits)");
	refused("bl.example.net: 127.0.0.2=lower", "\"lower\" is not a symbol name (A-Z, 0-9, "
	    "_; at most 64 bytes, starting with a letter)");
	refused("bl.example.net: 127.0.0.2=", "\"\" is not a symbol name (A-Z, 0-9, "
	    "_; at most 64 bytes, starting with a letter)");
	refused("bl.example.net: 127.0.0.2=X:", "\"\" is not a weight (a number in [-100, 100])");
	refused("bl.example.net: 127.0.0.2=X:101", "\"101\" is not a weight (a number in [-100, 100])");
	refused("bl.example.net: 127.0.0.2=X:1e3", "\"1e3\" is not a weight (a number in [-100, 100])");
	refused("bl.example.net: 127.0.0.2=X:nan", "\"nan\" is not a weight (a number in [-100, 100])");
	refused("bl.example.net: 127.0.0.2=X\n", "control character at byte 27");
	refused("bl.example.net: 127.0.0.2=\xc3\x89", "non-ASCII byte at byte 26");

	/* limits */
	struct dnsbl_zone z;
	char err[128];
	assert_false(dnsbl_zone_parse("bl.example.net: 127.0.0.2=A 127.0.0.3=B", 0, 1, &z, err,
	    sizeof(err)));
	assert_string_equal(err, "more than 1 CODE=SYMBOL entries");
	assert_false(dnsbl_zone_parse("bl.example.net: 127.0.0.2=A", 10, 0, &z, err,
	    sizeof(err)));
	assert_string_equal(err, "longer than 10 bytes");
	GString *big = g_string_new("bl.example.net:");
	for (int i = 0; i < 70; i++)
		g_string_append(big, " 127.0.0.2=A");
	assert_false(dnsbl_zone_parse(big->str, 0, 0, &z, err, sizeof(err)));
	assert_string_equal(err, "more than 64 CODE=SYMBOL entries");
	g_string_free(big, TRUE);
	GString *lz = g_string_new(NULL);
	for (int i = 0; i < 40; i++)
		g_string_append(lz, "abcd.");
	g_string_append(lz, "org: 127.0.0.2=A");
	assert_false(dnsbl_zone_parse(lz->str, 0, 0, &z, err, sizeof(err)));
	assert_string_equal(err, "zone longer than 189 bytes");
	g_string_free(lz, TRUE);
}

static void
test_codes(void **state)
{
	(void)state;
	assert_true(dnsbl_code_refused(Q(127, 255, 255, 252)));
	assert_false(dnsbl_code_refused(Q(127, 255, 255, 253)));
	assert_true(dnsbl_code_refused(Q(127, 255, 255, 254)));
	assert_true(dnsbl_code_refused(Q(127, 255, 255, 255)));
	assert_false(dnsbl_code_refused(Q(127, 0, 0, 2)));
	assert_true(dnsbl_code_in_range(Q(127, 0, 0, 2)));
	assert_false(dnsbl_code_in_range(Q(128, 0, 0, 2)));
	assert_false(dnsbl_code_in_range(Q(1, 2, 3, 4)));
}

static void
test_query_name(void **state)
{
	(void)state;
	char q[DNSBL_QNAME_MAX];

	assert_true(dnsbl_query_name("192.0.2.99", "zen.spamhaus.org", q, sizeof(q)));
	assert_string_equal(q, "99.2.0.192.zen.spamhaus.org");
	assert_true(dnsbl_query_name("::ffff:198.51.100.7", "bl.example.net", q, sizeof(q)));
	assert_string_equal(q, "7.100.51.198.bl.example.net");
	assert_true(dnsbl_query_name("2001:db8::1", "zen.spamhaus.org", q, sizeof(q)));
	assert_string_equal(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "zen.spamhaus.org");
	assert_false(dnsbl_query_name("192.0.2", "zen.spamhaus.org", q, sizeof(q)));
	assert_false(dnsbl_query_name("not an ip", "zen.spamhaus.org", q, sizeof(q)));
	assert_false(dnsbl_query_name("", "zen.spamhaus.org", q, sizeof(q)));
	assert_false(dnsbl_query_name("192.0.2.99", "zen.spamhaus.org", q, 10));
	char zone[200];
	memset(zone, 'a', sizeof(zone) - 1);
	zone[sizeof(zone) - 1] = '\0';
	assert_false(dnsbl_query_name("2001:db8::1", zone, q, sizeof(q)));

	char c[64];
	assert_true(dnsbl_ip_canon("::FFFF:192.0.2.1", c, sizeof(c)));
	assert_string_equal(c, "192.0.2.1");
	assert_true(dnsbl_ip_canon("2001:DB8:0::1", c, sizeof(c)));
	assert_string_equal(c, "2001:db8::1");
	assert_false(dnsbl_ip_canon("192.0.2.1 ", c, sizeof(c)));
}

static void
test_networks(void **state)
{
	(void)state;
	struct dnsbl_net n[3];

	assert_true(dnsbl_net_parse("192.0.2.0/24", &n[0]));
	assert_true(dnsbl_net_parse("2001:db8:1::/48", &n[1]));
	assert_true(dnsbl_net_parse("198.51.100.7", &n[2]));
	assert_int_equal(n[2].prefix, 32);
	assert_true(dnsbl_net_contains(n, 3, "192.0.2.200"));
	assert_true(dnsbl_net_contains(n, 3, "::ffff:192.0.2.1"));
	assert_false(dnsbl_net_contains(n, 3, "192.0.3.1"));
	assert_true(dnsbl_net_contains(n, 3, "2001:db8:1:ffff::1"));
	assert_false(dnsbl_net_contains(n, 3, "2001:db8:2::1"));
	assert_true(dnsbl_net_contains(n, 3, "198.51.100.7"));
	assert_false(dnsbl_net_contains(n, 3, "198.51.100.8"));
	assert_false(dnsbl_net_contains(n, 3, "junk"));
	assert_false(dnsbl_net_contains(n, 0, "192.0.2.1"));

	struct dnsbl_net x;
	assert_true(dnsbl_net_parse("10.0.0.0/8", &x));
	assert_true(dnsbl_net_parse("0.0.0.0/0", &x));
	assert_true(dnsbl_net_contains(&x, 1, "203.0.113.1"));
	assert_false(dnsbl_net_parse("10.1.0.0/8", &x));	/* host bits set */
	assert_false(dnsbl_net_parse("10.0.0.0/33", &x));
	assert_false(dnsbl_net_parse("10.0.0.0/", &x));
	assert_false(dnsbl_net_parse("10.0.0.0/8x", &x));
	assert_false(dnsbl_net_parse("2001:db8::/129", &x));
	assert_false(dnsbl_net_parse("example.com", &x));
	assert_false(dnsbl_net_parse("", &x));
	assert_true(dnsbl_net_parse("2001:db8::/32", &x));
	assert_int_equal(x.prefix, 32);
}

static void
test_queryable(void **state)
{
	(void)state;
	const char *yes[] = { "203.0.113.66", "192.0.2.1", "8.8.8.8", "2001:db8::1",
	    "2a00:1450::1", "172.32.0.1", "100.128.0.1", NULL };
	const char *no[] = { "10.1.2.3", "127.0.0.2", "172.16.0.1", "172.31.255.255",
	    "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.1.2.3", "224.0.0.1",
	    "255.255.255.255", "::1", "::", "fd00::1", "fe80::1", "ff02::1",
	    "::ffff:10.0.0.1", "junk", "", NULL };
	for (int i = 0; yes[i] != NULL; i++)
		if (!dnsbl_ip_queryable(yes[i])) {
			print_error("%s should be queried\n", yes[i]);
			fail();
		}
	for (int i = 0; no[i] != NULL; i++)
		if (dnsbl_ip_queryable(no[i])) {
			print_error("%s should not be queried\n", no[i]);
			fail();
		}
}

static bool
sub(const char *test, const char *rdata)
{
	struct dnsbl_subtest t;
	char err[128];
	assert_true(dnsbl_subtest_compile(test, &t, err, sizeof(err)));
	bool r = dnsbl_subtest_match(&t, rdata, strlen(rdata));
	dnsbl_subtest_clear(&t);
	return r;
}

static void
test_subtests(void **state)
{
	(void)state;
	/* no sub-test: any record */
	assert_true(sub(NULL, "127.0.0.2"));
	/* an address: the text must be equal */
	assert_true(sub("127.0.0.2", "127.0.0.2"));
	assert_false(sub("127.0.0.2", "127.0.0.20"));
	assert_false(sub("127.0.0.2", "127.0.0.3"));
	/* a bitmask: ANDed with an A record of 127/8 */
	assert_true(sub("2", "127.0.0.2"));
	assert_true(sub("2", "127.0.0.6"));
	assert_false(sub("2", "127.0.0.4"));
	assert_true(sub("8", "127.0.0.8"));
	assert_false(sub("1", "10.0.0.1"));		/* not 127/8 */
	assert_false(sub("1", "127.0.0.1 "));
	assert_false(sub("1", "127.0.1"));
	assert_true(sub("65536", "127.1.0.0"));
	assert_false(sub("2147483648", "127.0.0.0"));	/* 127 has no bit 31 */
	assert_true(sub("1", "127.0.0.1\n"));	/* Perl's $ before a final newline */
	/* a regular expression on the text */
	assert_true(sub("^127\\.0\\.0\\.[4567]$", "127.0.0.5"));
	assert_false(sub("^127\\.0\\.0\\.[4567]$", "127.0.0.8"));
	assert_true(sub("^127\\.0\\.\\d+\\.1$", "127.0.15.1"));
	assert_true(sub("(?i:spamcop)", "Blocked - see https://www.SpamCop.net/bl.shtml?192.0.2.1"));
	assert_false(sub("(?i:spamcop)", "listed"));
	assert_true(sub("127.0.0", "127.0.0.9"));	/* not an address: a regex */

	struct dnsbl_subtest t;
	char err[128];
	assert_false(dnsbl_subtest_compile("sb:foo", &t, err, sizeof(err)));
	assert_string_equal(err, "SenderBase sub-tests (sb:) are gone (SpamAssassin ignores them)");
	assert_false(dnsbl_subtest_compile("^(127", &t, err, sizeof(err)));
	assert_contains(err, "sub-test regular expression at 5: ");
	assert_false(dnsbl_subtest_compile("99999999999999999999999", &t, err, sizeof(err)));
	assert_string_equal(err, "bitmask \"99999999999999999999999\" out of range");
	char *big = g_strnfill(2000, 'a');
	assert_false(dnsbl_subtest_compile(big, &t, err, sizeof(err)));
	assert_string_equal(err, "sub-test regular expression over 1024 bytes");
	g_free(big);
	/* NUL bytes in a TXT record reach the regex */
	assert_true(dnsbl_subtest_compile("a\\x00b", &t, err, sizeof(err)));
	assert_true(dnsbl_subtest_match(&t, "xa\0b", 4));
	assert_false(dnsbl_subtest_match(&t, "xa", 2));
	dnsbl_subtest_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_parse),
		cmocka_unit_test(test_zone_refused),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_query_name),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_queryable),
		cmocka_unit_test(test_subtests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
