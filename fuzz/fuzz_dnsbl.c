/*
 * fuzz_dnsbl.c - libFuzzer target for the DNS blocklists' parsers
 * (src/spam/dnsbl.c).  The input is split at the first NUL byte (or all of
 * it): the text before is parsed as a zone string (dnsbl.zones), a
 * network, an address and a sub-test; the bytes after are a record's text
 * the sub-test is matched against.  Checked: a refused zone string has a
 * message (terminated, within the buffer) and leaves the zone untouched;
 * an accepted one has a lower-case zone without a trailing dot that fits a
 * query name, between 0 and the limit of entries, each a range within
 * 127.0.0.0/8 that leaves out the refused-query codes, a symbol
 * [A-Z][A-Z0-9_]* and a weight within bounds, and the matcher returns
 * exactly the entries whose range holds a code; a query name is at most
 * 253 bytes; a network holds its own address; a sub-test that compiles
 * matches without crashing.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <glib.h>

#include "spam/dnsbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void
check_zone(const struct dnsbl_zone *z, size_t max_codes)
{
	size_t zl = strlen(z->zone);
	CHECK(zl > 0 && zl <= DNSBL_ZONE_MAX && z->zone[zl - 1] != '.');
	for (size_t i = 0; i < zl; i++)
		CHECK(!(z->zone[i] >= 'A' && z->zone[i] <= 'Z'));
	CHECK(z->ncodes <= max_codes);
	for (size_t i = 0; i < z->ncodes; i++) {
		const struct dnsbl_code *c = &z->codes[i];
		CHECK(c->lo <= c->hi && dnsbl_code_in_range(c->lo) && dnsbl_code_in_range(c->hi));
		CHECK(c->hi < (127u << 24 | 0xfffffcu));
		size_t sl = strlen(c->symbol);
		CHECK(sl > 0 && sl <= DNSBL_SYMBOL_MAX && c->symbol[0] >= 'A' && c->symbol[0] <= 'Z');
		CHECK(!c->has_weight || (isfinite(c->weight) && fabs(c->weight) <= DNSBL_WEIGHT_MAX));
	}
	/* the matcher, on the ends of every range and around them */
	size_t idx[DNSBL_CODES_MAX];
	for (size_t i = 0; i < z->ncodes; i++) {
		uint32_t probe[4] = { z->codes[i].lo, z->codes[i].hi, z->codes[i].lo - 1,
		    z->codes[i].hi + 1 };
		for (int p = 0; p < 4; p++) {
			size_t n = dnsbl_zone_match(z, probe[p], idx, DNSBL_CODES_MAX);
			size_t want = 0;
			for (size_t k = 0; k < z->ncodes; k++)
				want += probe[p] >= z->codes[k].lo && probe[p] <= z->codes[k].hi;
			CHECK(n == want);
			for (size_t k = 0; k < n && k < DNSBL_CODES_MAX; k++)
				CHECK(idx[k] < z->ncodes && probe[p] >= z->codes[idx[k]].lo &&
				    probe[p] <= z->codes[idx[k]].hi);
		}
	}
	char q[DNSBL_QNAME_MAX];
	if (dnsbl_query_name("2001:db8::1", z->zone, q, sizeof(q)))
		CHECK(strlen(q) <= 253);
	CHECK(dnsbl_query_name("192.0.2.1", z->zone, q, sizeof(q)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul != NULL ? (size_t)(nul - data) : size;
	char *text = g_strndup((const char *)data, tlen);
	const char *rest = nul != NULL ? (const char *)nul + 1 : "";
	size_t rlen = nul != NULL ? size - tlen - 1 : 0;

	/* a zone string, with the default limits and tight ones */
	size_t limits[2][2] = { { 0, 0 }, { 64, 2 } };
	for (int l = 0; l < 2; l++) {
		struct dnsbl_zone z = { 0 };
		char err[96];
		memset(err, 'x', sizeof(err));
		if (dnsbl_zone_parse(text, limits[l][0], limits[l][1], &z, err, sizeof(err))) {
			check_zone(&z, limits[l][1] != 0 ? limits[l][1] : DNSBL_CODES_MAX);
			dnsbl_zone_clear(&z);
		} else {
			CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
			CHECK(z.zone == NULL && z.codes == NULL);
		}
	}

	/* a network, an address */
	struct dnsbl_net n;
	if (dnsbl_net_parse(text, &n)) {
		CHECK(n.family == AF_INET || n.family == AF_INET6);
		CHECK(n.prefix <= (n.family == AF_INET ? 32u : 128u));
		char canon[64];
		char *addr = g_strdup(text);
		char *slash = strchr(addr, '/');
		if (slash != NULL)
			*slash = '\0';
		CHECK(dnsbl_ip_canon(addr, canon, sizeof(canon)));
		/* a network holds its own address, but for an IPv4-mapped
		 * IPv6 network (addresses in that form are read as IPv4) */
		CHECK(dnsbl_net_contains(&n, 1, addr) || strchr(addr, '.') != NULL);
		g_free(addr);
	}
	char q[DNSBL_QNAME_MAX];
	if (dnsbl_query_name(text, "zen.spamhaus.org", q, sizeof(q)))
		CHECK(strlen(q) <= 253 && dnsbl_ip_canon(text, q, sizeof(q)));
	(void)dnsbl_ip_queryable(text);

	/* a sub-test, on the rest */
	struct dnsbl_subtest t;
	char err[128];
	if (dnsbl_subtest_compile(text, &t, err, sizeof(err))) {
		(void)dnsbl_subtest_match(&t, rest, rlen);
		(void)dnsbl_subtest_match(&t, "127.0.0.2", 9);
		dnsbl_subtest_clear(&t);
	}
	g_free(text);
	return 0;
}
