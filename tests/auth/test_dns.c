/*
 * test_dns.c - the resolver (src/dns) against tests/support/dnsserver.py.
 *
 * Purpose: timeouts are bounded (auth.dns.timeout), the cache answers a
 * repeated query without a new lookup, the budget gives DNS_BUDGET, and
 * answers are parsed right (TXT byte-exact, NXDOMAIN vs NODATA, MX, PTR,
 * TXT over TCP, many queries in flight).  Design: cmocka; run through
 * with_dnsserver.py, which appends "--dns 127.0.0.1:PORT".  A test name
 * as first argument runs only that group ("timeout", "resolver").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "dns/dns.h"

static const char *server;

static struct dns_resolver *resolver(unsigned timeout_ms, unsigned tries,
    size_t cache)
{
	const char *servers[1] = { server };
	struct dns_settings s = {
		.servers = servers, .n_servers = 1, .timeout_ms = timeout_ms,
		.tries = tries, .cache_entries = cache,
	};
	char err[256];
	struct dns_resolver *r = dns_resolver_new(&s, err, sizeof err);
	assert_non_null(r);
	return r;
}

static void test_timeout(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(300, 2, 100);
	struct dns_ctx *ctx = dns_ctx_new(r, 10, 0);
	int64_t t0 = g_get_monotonic_time();
	struct dns_answer *a = dns_lookup(ctx, "timeout.test.example", DNS_T_A);
	int64_t dt = g_get_monotonic_time() - t0;
	assert_int_equal(a->status, DNS_TEMPFAIL);
	assert_true(dt < 1000000);
	dns_answer_free(a);
	/* TEMPFAIL is not cached: a new query is sent */
	a = dns_lookup(ctx, "timeout.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_TEMPFAIL);
	assert_int_equal(dns_ctx_lookups(ctx), 2);
	dns_answer_free(a);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

static void test_deadline(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(2000, 2, 0);
	struct dns_ctx *ctx = dns_ctx_new(r, 10,
	    g_get_monotonic_time() + 200000);
	int64_t t0 = g_get_monotonic_time();
	struct dns_answer *a = dns_lookup(ctx, "timeout.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_TEMPFAIL);
	assert_true(g_get_monotonic_time() - t0 < 600000);
	dns_answer_free(a);
	/* past the deadline nothing is sent */
	a = dns_lookup(ctx, "a.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_BUDGET);
	dns_answer_free(a);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

static void test_cache(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(1000, 2, 100);
	struct dns_ctx *ctx = dns_ctx_new(r, 10, 0);
	struct dns_answer *a = dns_lookup(ctx, "a.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 2);
	assert_int_equal(dns_ctx_lookups(ctx), 1);
	dns_answer_free(a);
	a = dns_lookup(ctx, "A.Test.Example.", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 2);
	assert_int_equal(dns_ctx_lookups(ctx), 1);
	dns_answer_free(a);
	/* negative answers are cached too */
	a = dns_lookup(ctx, "nx.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	dns_answer_free(a);
	a = dns_lookup(ctx, "nx.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_NXDOMAIN);
	assert_int_equal(dns_ctx_lookups(ctx), 2);
	dns_answer_free(a);
	/* the cache is shared by every context of the resolver */
	struct dns_ctx *ctx2 = dns_ctx_new(r, 10, 0);
	a = dns_lookup(ctx2, "a.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(dns_ctx_lookups(ctx2), 0);
	dns_answer_free(a);
	dns_ctx_free(ctx2);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

static void test_budget(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(1000, 2, 0);
	struct dns_ctx *ctx = dns_ctx_new(r, 2, 0);
	struct dns_answer *a = dns_lookup(ctx, "a.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	dns_answer_free(a);
	a = dns_lookup(ctx, "b.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_OK);
	dns_answer_free(a);
	a = dns_lookup(ctx, "c.test.example", DNS_T_A);
	assert_int_equal(a->status, DNS_BUDGET);
	assert_int_equal(dns_ctx_lookups(ctx), 2);
	dns_answer_free(a);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

static void test_answers(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(1000, 2, 100);
	struct dns_ctx *ctx = dns_ctx_new(r, 50, 0);
	struct dns_answer *a = dns_lookup(ctx, "txt.test.example", DNS_T_TXT);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 2);
	bool spf = false;
	for (size_t i = 0; i < a->n; i++)
		if (a->rr[i].u.txt.len == 11 &&
		    !memcmp(a->rr[i].u.txt.data, "v=spf1 -all", 11))
			spf = true;
	assert_true(spf);
	dns_answer_free(a);

	a = dns_lookup(ctx, "nul.test.example", DNS_T_TXT);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 1);
	assert_int_equal(a->rr[0].u.txt.len, 3);
	assert_memory_equal(a->rr[0].u.txt.data, "a\0b", 4);
	dns_answer_free(a);

	a = dns_lookup(ctx, "big.test.example", DNS_T_TXT);	/* over TCP */
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 1);
	assert_int_equal(a->rr[0].u.txt.len, 1000);
	dns_answer_free(a);

	a = dns_lookup(ctx, "b.test.example", DNS_T_TXT);
	assert_int_equal(a->status, DNS_NODATA);
	dns_answer_free(a);

	a = dns_lookup(ctx, "a.test.example", DNS_T_MX);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 2);
	assert_true(!strcmp(a->rr[0].u.mx.host, "mx1.test.example") ||
	    !strcmp(a->rr[1].u.mx.host, "mx1.test.example"));
	dns_answer_free(a);

	a = dns_lookup(ctx, "a.test.example", DNS_T_AAAA);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 1);
	assert_int_equal(a->rr[0].u.aaaa.s6_addr[15], 1);
	dns_answer_free(a);

	a = dns_lookup(ctx, "1.2.0.192.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(a->status, DNS_OK);
	assert_int_equal(a->n, 1);
	assert_string_equal(a->rr[0].u.ptr, "a.test.example");
	dns_answer_free(a);

	unsigned before = dns_ctx_lookups(ctx);
	a = dns_lookup(ctx, "x.a123456789012345678901234567890123456789012345678901234567890123.example", DNS_T_A);
	assert_int_equal(a->status, DNS_BADNAME);
	dns_answer_free(a);
	a = dns_lookup(ctx, "a..example", DNS_T_A);
	assert_int_equal(a->status, DNS_BADNAME);
	dns_answer_free(a);
	assert_int_equal(dns_ctx_lookups(ctx), before);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

static void test_many(void **state)
{
	(void)state;
	struct dns_resolver *r = resolver(300, 1, 0);
	struct dns_ctx *ctx = dns_ctx_new(r, 50, 0);
	struct dns_query q[] = {
		{ .name = "a.test.example", .type = DNS_T_A },
		{ .name = "timeout.test.example", .type = DNS_T_A },
		{ .name = "b.test.example", .type = DNS_T_A },
		{ .name = "a.test.example", .type = DNS_T_A },
		{ .name = "nx.test.example", .type = DNS_T_TXT },
		{ .name = "timeout.test.example", .type = DNS_T_TXT },
	};
	int64_t t0 = g_get_monotonic_time();
	dns_lookup_many(ctx, q, G_N_ELEMENTS(q));
	/* all in flight at once: one timeout's worth, not two */
	assert_true(g_get_monotonic_time() - t0 < 550000);
	assert_int_equal(q[0].answer->status, DNS_OK);
	assert_int_equal(q[1].answer->status, DNS_TEMPFAIL);
	assert_int_equal(q[2].answer->status, DNS_OK);
	assert_int_equal(q[3].answer->status, DNS_OK);
	assert_int_equal(q[3].answer->n, 2);
	assert_int_equal(q[4].answer->status, DNS_NXDOMAIN);
	assert_int_equal(q[5].answer->status, DNS_TEMPFAIL);
	for (size_t i = 0; i < G_N_ELEMENTS(q); i++)
		dns_answer_free(q[i].answer);
	dns_ctx_free(ctx);
	dns_resolver_free(r);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dns") && i + 1 < argc)
			server = argv[++i];
		else
			only = argv[i];
	}
	if (!server) {
		fprintf(stderr, "usage: test_dns [timeout|resolver] --dns HOST:PORT\n");
		return 2;
	}
	const struct CMUnitTest timeout_tests[] = {
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_deadline),
	};
	const struct CMUnitTest resolver_tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_many),
	};
	int rc = 0;
	if (!only || !strcmp(only, "timeout"))
		rc |= cmocka_run_group_tests_name("dns.timeout", timeout_tests,
		    NULL, NULL);
	if (!only || !strcmp(only, "resolver"))
		rc |= cmocka_run_group_tests_name("dns.resolver",
		    resolver_tests, NULL, NULL);
	return rc;
}
